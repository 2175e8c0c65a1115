/*
 * store.h: Coffer's record store: one gdbm file shared by every worker
 * process, made crash-safe by a redo journal.
 *
 * The store deals in raw bytes: values are sealed (AES-GCM) by the caller
 * before they get here, and it never logs a key or a value.
 *
 * It is the gdbm backend of backend.h: the vault reaches it only through
 * that interface (backend_gdbm.c maps one onto the other), and the
 * invariants below are how it keeps that contract.  What calls it directly
 * works on these files and no others: cofferctl verify and salvage, the
 * store's own tests (tests/unit/test_store.c, tests/crashwriter.c), and
 * tests/fillstore.c's checkpoint tuning (backend_gdbm_store).
 *
 * Files, all created mode 0600:
 *   <path>          gdbm, opened without gdbm's locking; only ever replaced
 *                   whole by a checkpoint, which builds <path>.tmp (copy,
 *                   update, fsync) without blocking anyone, then renames it
 *   <path>.journal  redo journal: one CRC-framed record per committed
 *                   transaction, folded into <path> by checkpoints; written
 *                   zeros ahead of the records (1 MiB for a new store, room
 *                   to the checkpoint threshold after a checkpoint), so a
 *                   commit's fdatasync writes no inode
 *   <path>.lock     fcntl (open file description) locks and a small header
 *                   shared by every process (journal end, durable end,
 *                   checkpoint epoch).  Never delete it while in use.
 *   <path>.sum      the size and CRC32C of the gdbm file the last checkpoint
 *                   wrote (and of the one before): a gdbm file that matches
 *                   neither is damaged (store_damage)
 *
 * Invariants:
 *   - A read section (store_begin_read) reads a snapshot: every write
 *     committed before it began, in any process, and none committed after.
 *     It takes no lock and makes no system call while this process's view
 *     is current (one look at the shared header), reads newly published
 *     journal records in without a lock, and takes the shared lock only
 *     to reopen the files after a checkpoint or to repair the header, and
 *     only while it does.  So readers block neither each other nor
 *     writers.  A write section is exclusive and sees its own pending
 *     writes.
 *   - A transaction is applied whole or not at all.
 *   - store_commit returns 0 only once the transaction is on disk
 *     (fdatasync, shared between concurrent writers: group commit).  It then
 *     survives kill -9 of any process at any moment; after a crash the next
 *     opener or writer repairs what the dead process left.
 *   - A committed write is visible to readers a little before it is durable
 *     (between publication and the group's fdatasync), so an operating
 *     system crash, not a killed process, may lose a write that was seen
 *     but never acknowledged.
 *   - A full disk refuses writes, never half of one, and keeps two rooms:
 *     STORE_RESERVE_BYTES of journal zeros for deletes (store_use_reserve),
 *     and the room a checkpoint needs, which the journal never grows into
 *     (store_disk_full), so that space freed on the disk goes to folding
 *     the journal first.
 *
 * Process safety: any number of processes may use one store.  A struct store
 * belongs to one thread; a child of fork() reopens its descriptors on its
 * first section (a pthread_atfork handler tells it), but must not fork
 * inside a section; a child of clone() or vfork() must exec first.  A thread
 * must not start a section on one handle while it holds a section on another
 * handle of the same store (the second lock would wait for the first forever).
 */
#ifndef COFFER_STORE_H
#define COFFER_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STORE_NOTFOUND 1
#define STORE_FULL     2 /* store_commit: no room on the disk */

#define STORE_MAX_KEY          65536    /* bytes in a key */
#define STORE_MAX_VALUE        2097152  /* 2 MiB: bytes in a value */
#define STORE_MAX_TXN          67108864 /* 64 MiB: one encoded transaction */
#define STORE_CHECKPOINT_BYTES 4194304  /* 4 MiB: least journal folded */
#define STORE_RESERVE_BYTES    262144   /* 256 KiB: journal kept for deletes */

struct store;
struct backend;

/*
 * Opens (create=1: creating missing files) the store at path.  Returns 0 and
 * *out, to be freed with store_close(), or -1.  Repairs what a crashed
 * process left behind, so it fails only on I/O errors.  A damaged store
 * (see store_damage) opens too, so that its user can say so, but changes
 * nothing and serves nothing: every section fails.
 */
int store_open(const char *path, int create, struct store **out);
/*
 * NULL, or what is damaged (file, offset, what failed), after a call
 * failed because of it: a journal record that fails its check where no
 * crash can have torn it (see store_journal.c), or a gdbm file that gdbm cannot
 * read.  Every section then fails, without touching the files, until
 * either file changes (a salvage or a restore).  Owned by st.
 */
const char *store_damage(struct store *st);
/* Ends any open section (discarding its transaction) and frees st.  NULL-safe.
 */
void store_close(struct store *st);
/*
 * Journal size (bytes of records) after which a commit folds the journal into
 * gdbm.  By default STORE_CHECKPOINT_BYTES or a quarter of the gdbm file,
 * whichever is larger, up to 16 MiB (each checkpoint copies the whole file);
 * this fixes it instead.
 */
void store_set_checkpoint_bytes(struct store *st, size_t bytes);

/*
 * For a process that answers requests: a commit that takes the journal past
 * the threshold leaves the checkpoint to store_maintain, which the process
 * calls once its answer is sent, so no client waits for a copy of the gdbm
 * file.  Only at twice the threshold (no process called store_maintain)
 * does a commit run it itself, which bounds the journal and the overlay.
 */
void store_defer_checkpoints(struct store *st);
/*
 * Between requests, outside any section: run the checkpoint that is due, in
 * whichever process commits left it to, unless another process is running
 * one.  One look at the shared header when none is due.  Its failure is
 * logged, and retried after a pause.
 */
void store_maintain(struct store *st);

/* A fresh view (see above: usually without a lock).  0 or -1.  One section
 * at a time. */
int store_begin_read(struct store *st);
void store_end_read(struct store *st);
/* Exclusive lock, a fresh view, and repair of a journal tail torn by a killed
 * writer. */
int store_begin_write(struct store *st);

/*
 * Buffer a put or a delete in the open write transaction (deleting a missing
 * key is fine).  Keys are 1..STORE_MAX_KEY bytes, values 0..STORE_MAX_VALUE.
 * 0, or -1 (outside a write section, bad length, no memory).
 */
int store_put(struct store *st, const void *key, size_t klen, const void *val,
    size_t vlen);
int store_delete(struct store *st, const void *key, size_t klen);

/*
 * Append the transaction to the journal, release the lock, and return 0 once
 * it is durable.  -1: nothing applied, except after a failed fdatasync (a
 * failing disk), where the write may be visible but is not durable.
 * STORE_FULL: nothing applied, the disk has no room for it (a transaction
 * without store_use_reserve is refused once the journal would have to grow
 * into the room a checkpoint needs; see store_disk_full).  Either way the
 * section is over.  A commit may run a checkpoint after its own
 * write is durable; that checkpoint's failure is logged, not returned.
 */
int store_commit(struct store *st);
/* Discard the transaction and release the lock. */
void store_abort(struct store *st);
/*
 * In a write section: the transaction deletes, so it may write into the
 * journal's last STORE_RESERVE_BYTES of zeros, which other transactions
 * leave alone, and may grow the journal into the room a checkpoint needs.
 * So a secret can still be deleted on a full disk.
 */
void store_use_reserve(struct store *st);
/*
 * 1 while the disk lacks the room a checkpoint needs (a copy of the gdbm
 * file, the journal folded into it, the next journal's zeros), as the last
 * commit that needed room or the last checkpoint found it, in any process:
 * the journal is then not folded, and a commit that would grow it is
 * refused STORE_FULL, but a delete (store_use_reserve).  Logged when it
 * changes.  0 otherwise.
 */
int store_disk_full(struct store *st);

/*
 * In a read or write section: 0 and *val (malloc'd, the caller frees it;
 * never NULL, even for an empty value) and *vlen, or STORE_NOTFOUND, or -1.
 * The out-parameters are set only on 0.
 */
int store_get(struct store *st, const void *key, size_t klen, uint8_t **val,
    size_t *vlen);

/*
 * In a read or write section, call cb on every live key that starts with
 * prefix (plen 0: every key), in no particular order.  key and val are
 * borrowed for the call only; cb must not put or delete.  cb returns 0 to
 * go on, non-zero to stop, and that value is returned.  Otherwise 0, or -1.
 * gdbm has no ordered index, so this reads every gdbm key.
 */
int store_iterate(struct store *st, const void *prefix, size_t plen,
    int (*cb)(
        void *arg, const void *key, size_t klen, const void *val, size_t vlen),
    void *arg);

/*
 * In a section: a count that moves whenever the committed state the
 * section reads is not the one an earlier section of st read (backend.h's
 * change counter): a commit seen, of any process, or a checkpoint's new
 * files.  Equal counts of st read the same state.
 */
uint64_t store_changes(struct store *st);

/*
 * In a read section: the records the section reads, and the bytes of the
 * gdbm file and of the journal's records (the zeros written ahead of
 * them are room, not data).  The records are gdbm's count of its file
 * (gdbm_count reads the bucket headers, not the records), kept for as
 * long as the view has that file (a checkpoint replaces it), with the
 * overlay's keys looked up in it: no more lookups than the journal holds
 * keys, which a checkpoint bounds.  0 or -1.
 */
int store_stats(struct store *st, uint64_t *records, uint64_t *bytes);

/* Between sections, while the process idles: when a checkpoint has
 * replaced the files since this process's view was built, close the old
 * ones (deleted, they would keep their disk space for as long as it
 * idles); the next section opens the new.  One look at the shared
 * header, no system call otherwise. */
void store_idle(struct store *st);

/* Fold the journal into gdbm now, outside any section (waits for a
 * checkpoint another process is running).  0 or -1. */
int store_checkpoint(struct store *st);

/* The store under b when b is a gdbm backend (backend_gdbm.c), else NULL:
 * for a tool that tunes this store itself. */
struct store *backend_gdbm_store(struct backend *b);

/*
 * Check the store at path, changing nothing and taking no lock (it may be
 * in use): every journal record, and every gdbm record read back.  Says
 * on out what reads and what is damaged (file, offset, record names).  0
 * if nothing is damaged, 1 if something is, -1 if it cannot look.
 */
int store_verify(const char *path, FILE *out);
/*
 * Write a new store from what can be read of the one at path: gdbm's
 * records that read, then every journal record that checks, in order
 * (past a damaged one too; never a torn tail).  It holds every lock of
 * the store meanwhile; the damaged files are kept beside the new ones
 * (<path>.damaged-<time>, <path>.journal.damaged-<time>), and every
 * process then reads the new ones.  Says on out what is lost: the
 * damaged journal bytes (offset, length, the record names in them) and
 * the gdbm records that do not read.  0 or -1.
 */
int store_salvage(const char *path, FILE *out);

#endif
