/*
 * backend.h: the one interface between the vault and the storage that
 * holds its records.
 *
 * A backend keeps raw bytes under keys, shared by every process that opens
 * it.  The vault seals each value before it gets here (record.h), so a
 * backend never holds a secret in clear; it must still never log a value.
 * The vault calls nothing else: a new backend is one table of operations
 * (struct backend_ops) and one line in backend.c's scheme table, and
 * tests/unit/test_backend.c holds it to the contract below.
 *
 * Which backend: the config's `store` setting (backend_open).  A path is
 * the gdbm + journal store (store.h, backend_gdbm.c); "<scheme>:..." names
 * another backend by its scheme.  Operator tools that work on the files of
 * one backend (cofferctl verify and salvage, on the gdbm store) call that
 * backend's own header; nothing in the request path does.
 *
 * Work happens in sections: a read section (begin_read ... end_read) or a
 * write section (begin_write ... commit or abort), one at a time per
 * handle.  get and iterate work in either, put and del in a write section.
 *
 * The contract every backend meets:
 *
 *   - Snapshot reads.  A read section sees every write committed before
 *     it began, in any process, and none committed after its first get,
 *     iterate or changes(): all its gets and iterations read one state.
 *     It holds up neither other readers nor writers while it lasts (an
 *     export streams a whole store to a slow client inside one).
 *   - Exclusive writes.  One write section at a time over every process
 *     and handle (from its first get, put, del, iterate or changes on:
 *     it may wait for the others there rather than at begin_write); it
 *     reads the latest committed state and, over it, its own pending
 *     puts and deletes.
 *   - All or nothing.  A transaction is applied whole or not at all.  A
 *     process killed at any moment (inside a write section, inside commit)
 *     leaves all of its transaction or none of it, and the next section of
 *     any process works: the backend repairs what the dead process left.
 *   - Durable on success.  commit returns 0 only once the transaction
 *     survives kill -9 of any process, the committer's included, and an
 *     operating-system crash or power loss too, as far as the disk keeps
 *     what it acknowledged.  Such a crash may lose a transaction that
 *     readers already saw but whose commit had not returned.
 *   - The change counter.  changes(), in a section, names the committed
 *     state the section reads (a write section: the state it began from,
 *     without its own pending writes).  Two sections of one handle that
 *     get the same number read the same committed state, key for key: what
 *     a process derived from the first still holds in the second, without
 *     reading again.  A commit of any process, this one's included, moves
 *     it for the sections that see the commit; it may also move when
 *     nothing changed (the gdbm store moves it when a checkpoint replaces
 *     its files), which costs a cache a reread, never a stale answer.
 *     Numbers compare only within one handle while it is open: not between
 *     handles, processes or openings.
 *   - Errors.  Operations return 0 on success, -1 on failure, and:
 *       BACKEND_NOTFOUND  get: no such key.  Never said of a key the
 *                         backend could not read: that is -1.
 *       BACKEND_FULL      commit: no room for the transaction, nothing
 *                         applied (the vault answers 507).  A transaction
 *                         begun with BACKEND_DELETES should still commit
 *                         when the disk is full, so that a client can make
 *                         room by deleting.
 *     After -1, damage() is non-NULL when the backend found its data
 *     damaged: it then serves nothing (every section fails; the vault
 *     answers 503) until an operator repairs or restores it.  Otherwise
 *     -1 is any other failure (500).  -1 from commit leaves nothing
 *     applied, except when the disk (or the link to a server) failed
 *     during the commit: then the transaction's fate is unknown.
 *     Not damage, and not any other failure either: unavailable() says
 *     the backend's server could not be reached (503, a retry may
 *     succeed); the next section tries again, within a bounded time.
 *
 * How each backend keeps it:
 *   gdbm        fcntl locks on a lock file, a redo journal fsync'd at
 *               commit and replayed on open, checkpoints that replace the
 *               gdbm file whole (store.h).
 *   postgresql  a REPEATABLE READ READ ONLY transaction per read section,
 *               begun with its first statement; a write section locks one
 *               row every writer locks first (serial over every host),
 *               with its first statement too; its writes go with its
 *               COMMIT, synchronous_commit on; the counter is a row
 *               raised in each commit; the server rolls back what a dead
 *               client left (backend_pg.c).
 *
 * What stats() counts:
 *   gdbm        the gdbm file's length and the journal's records (not
 *               the zeros written ahead of them); records: gdbm's own
 *               count of its file, once per checkpoint, and the
 *               journal's keys looked up in it (store_stats).
 *   postgresql  pg_total_relation_size of the records' table (indexes
 *               and TOAST included) and of coffer_meta; records: a row
 *               of coffer_meta that triggers keep (backend_pg.c).
 *
 * Keys are 1..BACKEND_MAX_KEY bytes and values 0..BACKEND_MAX_VALUE bytes,
 * both any bytes (NULs too); every backend takes at least these.
 *
 * A handle belongs to one thread of the process that opened it; another
 * process opens its own.  A thread must not start a section on one handle
 * while it holds a section on another handle of the same store: a write
 * section would wait for the first forever.
 */
#ifndef COFFER_BACKEND_H
#define COFFER_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#define BACKEND_NOTFOUND 1
#define BACKEND_FULL     2

#define BACKEND_MAX_KEY   65536   /* bytes in a key */
#define BACKEND_MAX_VALUE 2097152 /* 2 MiB: bytes in a value */

#define BACKEND_SEAL_LAG_MS 250 /* seal_epoch's age at most (ms) */

/* begin_write: the transaction deletes (see BACKEND_FULL). */
#define BACKEND_DELETES 0x1

/* cb's key and val are borrowed for the call; 0 goes on, non-zero stops. */
typedef int (*backend_iter_fn)(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen);

/* stats(): the store's size. */
struct backend_stats {
	uint64_t records;
	uint64_t bytes;
};

/* The handle.  Callers see only its operations: a backend's own state
 * begins with this struct and follows it. */
struct backend {
	const struct backend_ops *ops;
};

struct backend_ops {
	const char *name; /* "gdbm": for logs and backups */

	/* Open the store named by where (the `store` setting, its scheme
	 * removed), creating it when create is set and it is missing.  0 and
	 * *out, or -1.  A damaged store opens, so that its user can say so
	 * (damage()), and then serves nothing. */
	int (*open)(const char *where, int create, struct backend **out);
	/* Ends any open section, discarding its transaction, and frees b. */
	void (*close)(struct backend *b);

	int (*begin_read)(struct backend *b);
	void (*end_read)(struct backend *b);
	/* flags: 0 or BACKEND_DELETES. */
	int (*begin_write)(struct backend *b, unsigned flags);
	/* Make the transaction durable (see above) and end the section,
	 * whatever it returns: 0, BACKEND_FULL or -1. */
	int (*commit)(struct backend *b);
	/* Discard the transaction and end the section; outside a write
	 * section, nothing. */
	void (*abort)(struct backend *b);

	/* 0 and *val (malloc'd, never NULL, even for an empty value) and
	 * *vlen, or BACKEND_NOTFOUND, or -1; the out-parameters are set only
	 * on 0. */
	int (*get)(struct backend *b, const void *key, size_t klen,
	    uint8_t **val, size_t *vlen);
	/* Buffer a put or a delete in the transaction (deleting a missing
	 * key is fine).  0, or -1 (outside a write section, a bad length, no
	 * memory). */
	int (*put)(struct backend *b, const void *key, size_t klen,
	    const void *val, size_t vlen);
	int (*del)(struct backend *b, const void *key, size_t klen);
	/* cb on every live key that starts with prefix (plen 0: every key),
	 * each once, in no particular order, with the value the section reads
	 * (a write section: its own pending writes included).  cb must not
	 * put or delete.  0, cb's non-zero (which stopped the walk), or -1. */
	int (*iterate)(struct backend *b, const void *prefix, size_t plen,
	    backend_iter_fn cb, void *arg);
	/* In a section: the change counter (see above). */
	uint64_t (*changes)(struct backend *b);

	/* NULL, or what is damaged, for an operator (see above).  Owned by
	 * b. */
	const char *(*damage)(struct backend *b);
	/* 1 while writes other than deletes may be refused for room (the gdbm
	 * store: no room for a checkpoint); 0 otherwise.  For health checks. */
	int (*disk_full)(struct backend *b);

	/*
	 * The hooks of a process that answers requests, all called outside
	 * any section; NULL for a backend with nothing to do there.
	 * defer_upkeep: from now on a commit leaves the upkeep it would do
	 * (the gdbm store: folding its journal) to maintain, which the
	 * process calls once each answer is sent, so that no client waits
	 * for it.  idle: called every few seconds while no request comes, to
	 * let go of what an idle process should not hold.
	 */
	void (*defer_upkeep)(struct backend *b);
	void (*maintain)(struct backend *b);
	void (*idle)(struct backend *b);

	/* 1 when a section costs round trips to a server: the vault may
	 * then keep a read section for the rest of a request (vault.c:
	 * vault_read_end), rather than begin one per read; 0 otherwise. */
	int keep_reads;

	/* After -1: 1 when the backend could not reach what holds its data
	 * (a database server down or cut off), which no operator need
	 * repair: the vault answers 503 and the next section tries again.
	 * NULL for a backend that has no server (gdbm).  Unlike damage(),
	 * the handle keeps serving: each section reconnects, bounded in
	 * time, so a request fails fast while the server is away and
	 * succeeds once it is back. */
	int (*unavailable)(struct backend *b);

	/*
	 * The seal epoch, for a backend that several hosts share (NULL for
	 * one that a single host holds, as gdbm: there the kernel keyring
	 * alone reaches every process).  Each host keeps its unsealed key in
	 * its own keyring, so a seal reaches the others through the store: a
	 * number that every seal raises, and that a host unsealed under a
	 * smaller one takes as sealed (vault.c).
	 * seal_epoch, in a section: the epoch, read no earlier than
	 * BACKEND_SEAL_LAG_MS before the section began (a section may take
	 * the one its handle's last section read, to save a round trip), and
	 * the section's own once it has read (get, iterate, changes: an
	 * unseal reads the keyring before it keeps the epoch); no request
	 * of its own.  So a seal reaches every host's next section after the
	 * lag, well within the second the vault promises.  seal_raise, outside
	 * any section: raise it, committed, in a transaction of its own that
	 * waits for no writer.  0 or -1.
	 */
	uint64_t (*seal_epoch)(struct backend *b);
	int (*seal_raise)(struct backend *b);

	/*
	 * How big the store is, for an operator's gauges (GET /metrics),
	 * outside any section, in a read section of its own: its live
	 * records, exactly as iterate would count them (backend_tally), and
	 * the bytes that hold them where the backend keeps them, which grow
	 * as records are written (each backend says what it counts).  Cheap
	 * enough for every scrape: never a read of every record.  0 or -1.
	 */
	int (*stats)(struct backend *b, struct backend_stats *out);

	/*
	 * A hint, in a section, that get(key) will follow: a backend whose
	 * reads cost round trips fetches the key with the section's next
	 * statement (PostgreSQL: with its BEGIN and counters, and a write
	 * section's lock) and keeps the answer, as stored, for the section's
	 * gets of that key; it goes when the section ends, read or not, and
	 * in a write section when the section puts or deletes the key.  A
	 * hint never changes what a get answers (a read section's snapshot
	 * rules; a write section reads its own writes) and may be ignored
	 * (outside a section, a bad length, no room).  NULL for a backend
	 * where a get costs no round trip (gdbm).
	 */
	void (*prefetch)(struct backend *b, const void *key, size_t klen);
};

/* The backends there are (postgresql: when built with libpq). */
extern const struct backend_ops backend_gdbm;
extern const struct backend_ops backend_postgresql;

/*
 * Open the store the `store` setting names: "<scheme>:<rest>" the backend
 * of that scheme (an unknown scheme is refused), anything else a path to
 * the gdbm store.  0 and *out (close it with (*out)->ops->close), or -1.
 */
int backend_open(const char *spec, int create, struct backend **out);

/*
 * Backups stay above the interface, written with iterate, put and commit,
 * so that every backend has them and they read alike: gdbm_dump's ASCII
 * format (dumpfmt.h), which gdbm_load and gdbmtool read too.
 *
 * backend_dump: every live record to fd, in its own read section (outside
 * any section).  The caller syncs and closes fd.  0 or -1.
 * backend_load: a dump into an empty store (-1 if it holds any record:
 * restoring over live data would mix two keyrings), outside any section,
 * committed in transactions of a few MiB: after a failure the store holds
 * a prefix of the dump.  0 or -1.
 * progress (may be NULL) is told done and total every so often and once
 * at the end: records for a dump (counted first, in the same section),
 * bytes of the dump for a load (total 0 when fd is no regular file).
 */
typedef void (*backend_progress_fn)(void *arg, uint64_t done, uint64_t total);
int backend_dump(
    struct backend *b, int fd, backend_progress_fn progress, void *arg);
int backend_load(
    struct backend *b, int fd, backend_progress_fn progress, void *arg);

/*
 * Moving a store to another backend (cofferctl migrate), above the
 * interface too: records go as they are, still sealed, so no key is
 * needed.
 *
 * backend_tally: how many records b holds and a digest of every key and
 * value (the XOR of a SHA-256 per record: the same whatever the order of
 * iteration), in its own read section.  0 or -1.
 * backend_copy: every record of src, as one read section sees it, into
 * dst, which must be empty (-1 otherwise), in write transactions of a few
 * MiB; progress (may be NULL) is told done and total every so often.
 * *copied is the tally of what was written.  0 or -1; after a failure dst
 * holds part of src.
 */
struct backend_tally {
	uint64_t records;
	uint8_t digest[32];
};
int backend_tally(struct backend *b, struct backend_tally *t);
int backend_copy(struct backend *src, struct backend *dst,
    backend_progress_fn progress, void *arg, struct backend_tally *copied);

#endif
