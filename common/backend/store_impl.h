/*
 * store_impl.h: what the parts of the gdbm store share: for
 * common/backend/store*.c only, after backend/store.h, the store's
 * interface (not included here: store.c and this header would make one
 * module include the other).
 *
 * The store is a gdbm file made crash-safe and multi-process by a redo
 * journal, in parts, a file each:
 *   store.c             the public face: open, close, sections, damage
 *   store_shm.c         the lock file: shared header, fcntl locks, the
 *                       futex of group commit, the turnstile, forks, and
 *                       the header rebuilt after a crash
 *   store_io.c          whole reads and writes, zeros, durable renames,
 *                       the I/O buffer
 *   store_map.c         the hash map of the overlay and of a transaction
 *   store_journal.c     record framing, recovery scan (torn tail or
 *                       damage), room, append, group commit
 *   store_checkpoint.c  folding the journal into gdbm, <path>.sum, the
 *                       room on the disk a checkpoint needs
 *   store_txn.c         put, delete, commit, abort
 *   store_view.c        a process's view (gdbm + overlay) kept current,
 *                       and get and iterate through it
 *   store_salvage.c     verify and salvage, offline
 *
 * How they work together:
 *
 * gdbm alone cannot survive kill -9 in the middle of a store that touches
 * several blocks, and GDBM_SYNC does not sync each store.  So nothing
 * writes the live gdbm file in place.  A transaction is written at the
 * journal's end as one framed record (magic, length, generation, CRC32C)
 * under the exclusive lock, published in the shared header, and made
 * durable by one fdatasync shared between the writers waiting at that
 * moment (group commit; the waiters sleep on a futex in the shared header).
 * The journal file is written zeros ahead of its records, synced before it
 * goes live, so that a commit overwrites blocks already allocated and its
 * fdatasync writes no inode: two device requests instead of three.  Its
 * end is therefore where the records that check stop, not its length, and
 * bytes past the end must be zeros (journal_scan says why).  Every
 * process keeps the journal's effect in an in-memory overlay, consulted
 * before gdbm.  When the journal grows past a threshold, a checkpoint copies
 * gdbm to <path>.tmp, applies the overlay, fsyncs, renames it over <path>,
 * then replaces the journal by one holding only the records committed
 * meanwhile, its zeros written beforehand, outside the lock.
 *
 * Readers see the overlay and a gdbm descriptor of their own, so while
 * the shared header shows the epoch and journal end their view was built
 * from, a read section needs no lock at all (view_current).
 *
 * A journal replayed over a gdbm that already holds it changes nothing
 * (puts and deletes of whole values), so each state a crash can leave, old
 * gdbm + journal, new gdbm + old journal, new gdbm + new journal, reads the
 * same.  A multi-step change of the shared header raises its busy flag; the
 * next process to lock the store and find it raised (or a header from
 * another boot) rebuilds the header from the journal.
 *
 * Torn or damaged.  A crash can only tear what no fdatasync covered yet:
 * the records after the last durable one, in any mix of their blocks and
 * the zeros beneath (a group commit's later record may reach the disk
 * while an earlier one does not).  So every record opens with a mark op
 * holding how far the journal was durable when it was written.  At
 * recovery, a record that fails its check is a torn tail, cut and zeroed,
 * unless a record after it that does check carries a mark past it: that
 * failed record had been durable, so whole, and no crash changes durable
 * bytes.  That is damage: the store then changes no byte, serves nothing
 * and says where (store_damage), until the files change (cofferctl
 * salvage, or a restore).  Within one boot a published record that fails
 * is damage too.  So is a gdbm file that gdbm cannot read, or that is not
 * the file its checkpoint wrote (<path>.sum, db_verify): a key gdbm does
 * not find in it may be there, so it never answers "not found".
 *
 * Invariants that tie the parts (store.h has the store's own):
 *   - st_overlay holds exactly the records [JHDR_SIZE, st_jend) of the
 *     journal of epoch st_epoch, over st_db, that epoch's gdbm file.
 *     Records enter it through jrec_walk (the view reading the journal)
 *     and map_move (a commit, its record published); view_close drops all
 *     three together.
 *   - The shared header changes only under LK_RW exclusive, except synced
 *     (under LK_SYNC) and the turnstile; every change but a commit's new
 *     end raises busy first and lowers it last, storing end before the
 *     epoch: view_current, which reads it without a lock, relies on that
 *     order (shm_set_busy, shm_store).
 *   - st_buf is scratch: a part that fills it is done with it before it
 *     calls another part that may, and trims it after (buf_trim), except
 *     checkpoint_swap, which holds the carried journal in it across
 *     journal_replace.
 *   - Nothing here logs a key or a value (store_log); the operator's
 *     reports of verify and salvage name keys on their own stream.
 */
#ifndef COFFER_STORE_IMPL_H
#define COFFER_STORE_IMPL_H

#include <sys/stat.h>
#include <sys/types.h>

#include <gdbm.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/hash.h"

#define SHM_SIZE    4096
#define SHM_MAGIC   0x4b434f4c52464643ULL /* "CFFRLOCK" */
#define SHM_VERSION 1
#define BOOT_ID_LEN 40

/* Bytes of the lock file locked with fcntl; the shared header is not data. */
#define LK_RW   0 /* shared: read section; exclusive: write section */
#define LK_SYNC 1 /* held by the one process running fdatasync */
#define LK_CKPT 2 /* held by the one process running a checkpoint */

#define JHDR_SIZE  32
#define JHDR_MAGIC "CFJOURN1"
#define JREC_MAGIC 0x524a4643u /* "CFJR" */
#define JREC_HDR   24          /* magic, length, generation, op count, crc */
#define JOP_HDR    9           /* type, key length, value length */
#define OP_PUT     1
#define OP_DEL     2
#define OP_MARK    3 /* no key; its value: the journal's durable end */
#define JMARK_LEN  8
#define JMARK_OP   (JOP_HDR + JMARK_LEN)
#define JREC_MAX   (STORE_MAX_TXN + JMARK_OP) /* bytes after the header */
#define DAMAGE_LEN 512 /* the operator's line about a damaged store */

/* A journal is written zeros past its records (see journal_scan). */
#define JOURNAL_ALIGN  (64u << 10) /* its length is a multiple of this */
#define JOURNAL_FIRST  (1u << 20)  /* zeros a new store's journal starts with */
#define JOURNAL_EXTEND (1u << 20)  /* zeros added when a commit runs out */
#define ZERO_CHUNK     (64u << 10) /* bytes per write or check of zeros */

/* Values of the shared header's busy flag. */
#define BUSY_CHANGE 1 /* a checkpoint's swap or a recovery */
#define BUSY_APPEND 2 /* a commit writing its record */

/*
 * Mapped from <path>.lock by every process; changed only under LK_RW
 * exclusive, except synced (under LK_SYNC) and the turnstile, and read
 * without a lock by view_current.
 *
 * fcntl locks are not fair: a steady flow of readers keeps a shared lock
 * held and a writer waits forever.  So a writer first takes the turnstile,
 * raises writer_waiting and only then waits for LK_RW; readers that see
 * the flag pass through the turnstile, so they queue behind that writer.
 * It is a robust mutex because a killed writer must not wedge it, and it
 * costs readers nothing while no writer waits.
 */
struct store_shm {
	uint64_t magic;
	uint32_t version;
	uint32_t busy;   /* a multi-step change is under way, or died */
	uint64_t epoch;  /* bumped whenever the files are replaced */
	uint64_t end;    /* journal end published to readers */
	uint64_t synced; /* journal durable up to here, in this epoch */
	char boot_id[BOOT_ID_LEN];
	uint32_t writer_waiting;
	uint32_t sync_seq; /* futex: bumped after each sync, to wake waiters */
	pthread_mutex_t turnstile;
	/* ident_hash of the gdbm file last found to match <path>.sum: so
	 * one process, not each, reads a new file through (db_verify). */
	uint64_t db_verified;
	uint32_t disk_full; /* store_disk_full; a header without it reads 0 */
};

/* One key of the overlay or of a transaction: a value or a tombstone. */
struct ment {
	struct ment *next;
	uint64_t hash;
	uint32_t klen;
	uint32_t vlen;
	int tomb;
	uint8_t data[]; /* key, then value */
};

struct map {
	struct ment **m_b;
	size_t m_nb; /* buckets, a power of two */
	size_t m_n;
};

enum store_mode { MODE_NONE, MODE_READ, MODE_WRITE };

/* What journal_check_fd found in a journal. */
struct store_jcheck {
	uint64_t jc_size;
	uint64_t jc_end;   /* the first position that does not check */
	size_t jc_records; /* the records before it */
	uint64_t jc_dirty; /* bytes of the 64 KiB chunks past it not zero */
	uint64_t jc_next;  /* the first record that checks past it */
	size_t jc_after;   /* the records that check past it */
	size_t jc_gaps;    /* runs of bytes between them that do not */
	uint64_t jc_mark;  /* the highest durable end they claim */
	int jc_damaged;    /* that end is past jc_end */
};

/* What a file was when damage was found in it: any change to it (a
 * salvage, a restore) is worth another look. */
struct file_ident {
	dev_t fi_dev;
	ino_t fi_ino;
	off_t fi_size;
	struct timespec fi_ctime;
};

#define SECTION_WRITE  0x1
#define SECTION_OPEN   0x2 /* the first section of store_open */
#define SECTION_CREATE 0x4 /* store_open may create the gdbm file */

struct store {
	char *st_path;
	char *st_jpath;
	char *st_lpath;
	char *st_tmppath;
	char *st_jtmppath;
	char *st_spath;    /* <path>.sum: the gdbm file's checksums */
	char *st_stmppath; /* <path>.sum.tmp */
	int st_lfd;
	int st_jfd;
	int st_dfd;
	struct store_shm *st_shm;
	GDBM_FILE st_db;
	unsigned long st_forks; /* store_forks when st_lfd was opened */
	enum store_mode st_mode;
	uint64_t st_epoch; /* of the view: st_db, st_jfd, st_overlay */
	uint64_t st_jgen;  /* generation in st_jfd's header */
	uint64_t st_jend;  /* st_overlay holds the journal up to here */
	uint64_t st_jsize; /* st_jfd's length when last looked at */
	/* store_changes: the count, and the view it was last counted at. */
	uint64_t st_changes;
	uint64_t st_changes_epoch, st_changes_jend;
	struct map st_overlay;
	struct map st_txn;
	size_t st_txn_bytes; /* encoded ops of st_txn */
	size_t st_ckpt_bytes;
	int st_ckpt_fixed;    /* set by store_set_checkpoint_bytes */
	int st_ckpt_defer;    /* set by store_defer_checkpoints */
	uint64_t st_dbsize;   /* of st_db's file, which never changes */
	uint64_t st_dbcount;  /* records in st_db's file, once counted */
	int st_dbcounted;     /* st_dbcount is st_db's (store_stats) */
	time_t st_ckpt_retry; /* no automatic checkpoint before this */
	int st_txn_reserve;   /* store_use_reserve: the transaction deletes */
	uint8_t *st_buf;
	size_t st_bufsz;
	uint64_t st_sipkey[2];
	char st_boot[BOOT_ID_LEN];
	/* Damage found (see store_damage): empty while none was. */
	char st_damage[DAMAGE_LEN];
	struct file_ident st_damage_j, st_damage_db;
};

/* The files are read back only on this host, but a fixed byte order costs
 * nothing and keeps a copied store readable. */
static inline void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void
put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/*
 * SipHash with a per-process random key: keys are chosen by clients, and a
 * guessable hash would let them turn the overlay into one long chain.
 */
static inline uint64_t
store_hash(const struct store *st, const void *key, size_t klen)
{
	return hash_sip13(st->st_sipkey, key, klen);
}

static inline uint64_t
round_up(uint64_t n, uint64_t unit)
{
	return (n + unit - 1) / unit * unit;
}

static inline uint64_t
shm_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
shm_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* <path>.sum keeps the checksums of this many gdbm files (store_checkpoint.c).
 */
#define SUM_MAX 2

struct db_sum {
	uint64_t ds_size;
	uint32_t ds_crc;
};

/* Only read: a source of zeros (store_io.c). */
extern const uint8_t zero_chunk[ZERO_CHUNK];

/*
 * The functions one part calls in another, by the file that defines them
 * (each is described there).  Every one runs in the calling thread's
 * section or outside any, as its definition says; none takes a lock it
 * does not name.
 */

/* store.c: the log line, damage, sections */
void store_log(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void store_damaged(struct store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int section_enter(struct store *st, int flags);
void section_leave(struct store *st);
struct store *store_bare(const char *path);

/* store_shm.c: forks, locks, the shared header */
unsigned long store_forks_now(void);
int store_forks_watch(void);
int lock_byte(struct store *st, short type, off_t byte);
int lock_try(struct store *st, short type, off_t byte);
void sync_wait(struct store *st, uint32_t seq);
void sync_wake(struct store *st);
void shm_set_busy(struct store *st, uint32_t busy);
uint64_t shm_next_epoch(const struct store *st);
int shm_stale(const struct store *st, int opening);
int section_lock(struct store *st, int write);
int store_recover(struct store *st, int create);
int read_boot_id(char *boot);
int open_lock_file(struct store *st);

/* store_io.c: file I/O and the buffer */
int buf_reserve(struct store *st, size_t n);
void buf_trim(struct store *st);
int read_full(int fd, void *buf, size_t len, uint64_t off);
int write_full(int fd, const void *buf, size_t len, uint64_t off);
int write_zeros(int fd, uint64_t from, uint64_t to);
int unlink_stale(const char *path);
int sync_dir(struct store *st);
int rename_durable(struct store *st, const char *from, const char *to);
int copy_fd(int src, int dst);

/* store_map.c: the map of writes */
struct ment *ment_new(uint64_t hash, const void *key, size_t klen,
    const void *val, size_t vlen, int tomb);
struct ment *map_get(
    const struct map *m, uint64_t hash, const void *key, size_t klen);
int map_reserve(struct map *m, size_t n);
struct ment *map_insert(struct map *m, struct ment *e);
int map_set(struct map *m, struct ment *e);
void map_clear(struct map *m);
void map_free(struct map *m);
void map_move(struct map *dst, struct map *src);

/* store_journal.c: the journal */
void jhdr_encode(uint8_t *h, uint64_t gen);
int jhdr_decode(const uint8_t *h, uint64_t *gen);
int journal_prepare(struct store *st, uint64_t len, int *fdp);
int journal_replace(struct store *st, int fd, const uint8_t *buf, size_t len);
int journal_create(struct store *st, uint64_t gen);
int jrec_mark(const uint8_t *rec, size_t reclen, uint64_t *mark);
int jrec_walk(struct store *st, const uint8_t *rec, size_t reclen,
    struct map *m, uint64_t *mark);
size_t jrec_check(const struct store *st, const uint8_t *buf, size_t avail);
int journal_find_end(struct store *st, int fd, uint64_t size,
    struct store_jcheck *jc, struct map *m);
int journal_check_fd(struct store *st, int fd, uint64_t size,
    struct store_jcheck *jc, struct map *m);
int journal_scan(struct store *st, uint64_t *endp);
int journal_sync(struct store *st, uint64_t epoch, uint64_t end);
int journal_append(struct store *st, uint64_t off, size_t len);
int jrec_encode(struct store *st, size_t *lenp);

/* store_checkpoint.c: sums, checkpoints, room */
int db_sum_path(const char *path, struct db_sum *sum);
int db_sums_read(struct store *st, struct db_sum *sums, size_t *n);
int db_verify(struct store *st, int fd, const struct stat *sb);
int gdbm_create(struct store *st);
uint64_t checkpoint_due(const struct store *st);
void disk_full_clear(struct store *st);
int disk_full_failed(struct store *st, const char *what);
int disk_has_room(struct store *st, uint64_t grow, uint64_t jbytes);
int checkpoint_run(struct store *st, int forced);
void checkpoint_if_due(struct store *st);

/* store_view.c: the view */
void view_close(struct store *st);
int view_refresh(struct store *st);
int view_current(struct store *st);

#endif
