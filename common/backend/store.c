/*
 * store.c: a gdbm file made crash-safe and multi-process by a redo journal.
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
 */
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/store.h"
#include "base/hash.h"

#define SHM_SIZE    4096
#define SHM_MAGIC   0x4b434f4c52464643ULL /* "CFFRLOCK" */
#define SHM_VERSION 1
#define BOOT_ID_LEN 40

/* Bytes of the lock file locked with fcntl; the shared header is not data. */
#define LK_RW   0 /* shared: read section; exclusive: write section */
#define LK_SYNC 1 /* held by the one process running fdatasync */
#define LK_CKPT 2 /* held by the one process running a checkpoint */

/* A syncer killed inside fdatasync wakes nobody: its waiters look again
 * after this long. */
#define SYNC_WAIT_NS 5000000

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

#define CKPT_RETRY_SECONDS 10 /* after a failed checkpoint (disk full?) */
#define CKPT_DB_SHARE      4  /* journal due: this share of the gdbm file */
#define CKPT_MAX_BYTES     (16u << 20) /* but never more than this */
#define CKPT_ROOM_FACTOR   2 /* gdbm may take more than a record's bytes */
#define MAP_MIN_BUCKETS    64
#define BUF_KEEP           (1u << 20) /* larger I/O buffers are freed after use */
#define SALVAGE_BATCH      (4u << 20) /* bytes per transaction in a salvage */

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

static void store_log(const char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void store_damaged(struct store *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void view_close(struct store *);

/*
 * Process state, not request state: bumped in the child of every fork()
 * by a pthread_atfork handler, so that a section notices it runs in a new
 * process by a load instead of a getpid() system call.  (A child made by
 * clone() or vfork() runs no handler; it must exec before using a store.)
 */
static unsigned long store_forks;
static pthread_once_t store_forks_once = PTHREAD_ONCE_INIT;
static int store_forks_rc;

static void
store_forked(void)
{
	__atomic_add_fetch(&store_forks, 1, __ATOMIC_RELAXED);
}

static void
store_forks_init(void)
{
	store_forks_rc = pthread_atfork(NULL, NULL, store_forked);
}

static unsigned long
store_forks_now(void)
{
	return __atomic_load_n(&store_forks, __ATOMIC_RELAXED);
}

static void
store_log(const char *func, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	fprintf(stderr, "coffer: store: %s: ", func);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	errno = saved;
}

/* A missing file reads as all zeros. */
static void
file_ident_get(const char *path, struct file_ident *fi)
{
	struct stat sb;

	memset(fi, 0, sizeof(*fi));
	if (stat(path, &sb) == -1)
		return;
	fi->fi_dev = sb.st_dev;
	fi->fi_ino = sb.st_ino;
	fi->fi_size = sb.st_size;
	fi->fi_ctime = sb.st_ctim;
}

static int
file_ident_same(const struct file_ident *a, const struct file_ident *b)
{
	return a->fi_dev == b->fi_dev && a->fi_ino == b->fi_ino &&
	       a->fi_size == b->fi_size &&
	       a->fi_ctime.tv_sec == b->fi_ctime.tv_sec &&
	       a->fi_ctime.tv_nsec == b->fi_ctime.tv_nsec;
}

/*
 * Damage found: say what it is, once, and refuse every section while the
 * files it was found in stay as they are (damage_stands), so that a
 * damaged store is neither read as if whole nor scanned again per request.
 */
static void
store_damaged(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->st_damage, sizeof(st->st_damage), fmt, ap);
	va_end(ap);
	file_ident_get(st->st_jpath, &st->st_damage_j);
	file_ident_get(st->st_path, &st->st_damage_db);
	store_log("damaged", "%s", st->st_damage);
}

/* 1 while the damage found stands; once either file has changed (a
 * salvage, a restore, a commit of another process), look again. */
static int
damage_stands(struct store *st)
{
	struct file_ident j, db;

	if (st->st_damage[0] == '\0')
		return 0;
	file_ident_get(st->st_jpath, &j);
	file_ident_get(st->st_path, &db);
	if (file_ident_same(&j, &st->st_damage_j) &&
	    file_ident_same(&db, &st->st_damage_db))
		return 1;
	st->st_damage[0] = '\0';
	if (st->st_mode == MODE_NONE)
		view_close(st);
	return 0;
}

/* The files are read back only on this host, but a fixed byte order costs
 * nothing and keeps a copied store readable. */
static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/*
 * SipHash with a per-process random key: keys are chosen by clients, and a
 * guessable hash would let them turn the overlay into one long chain.
 */
static uint64_t
store_hash(const struct store *st, const void *key, size_t klen)
{
	return hash_sip13(st->st_sipkey, key, klen);
}

static struct ment *
ment_new(uint64_t hash, const void *key, size_t klen, const void *val,
    size_t vlen, int tomb)
{
	struct ment *e;

	if ((e = malloc(sizeof(*e) + klen + vlen)) == NULL)
		return NULL;
	e->next = NULL;
	e->hash = hash;
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	e->tomb = tomb;
	memcpy(e->data, key, klen);
	if (vlen > 0)
		memcpy(e->data + klen, val, vlen);
	return e;
}

/* The link that points at key's entry, or at the NULL ending its chain. */
static struct ment **
map_link(const struct map *m, uint64_t hash, const void *key, size_t klen)
{
	struct ment **pp;

	pp = &m->m_b[hash & (m->m_nb - 1)];
	for (; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->hash == hash && (*pp)->klen == klen &&
		    memcmp((*pp)->data, key, klen) == 0)
			break;
	}
	return pp;
}

static struct ment *
map_get(const struct map *m, uint64_t hash, const void *key, size_t klen)
{
	if (m->m_n == 0)
		return NULL;
	return *map_link(m, hash, key, klen);
}

/* Room for n entries, so that the map_insert calls that follow cannot fail. */
static int
map_reserve(struct map *m, size_t n)
{
	struct ment **b, *e, *next;
	size_t i, nb;

	if (n <= m->m_nb)
		return 0;
	nb = m->m_nb > 0 ? m->m_nb : MAP_MIN_BUCKETS;
	while (nb < n)
		nb *= 2;
	if ((b = calloc(nb, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < m->m_nb; i++) {
		for (e = m->m_b[i]; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(m->m_b);
	m->m_b = b;
	m->m_nb = nb;
	return 0;
}

/* Takes e, after map_reserve.  Returns the entry it replaced, for the caller
 * to free. */
static struct ment *
map_insert(struct map *m, struct ment *e)
{
	struct ment **pp, *old;

	pp = map_link(m, e->hash, e->data, e->klen);
	old = *pp;
	e->next = old != NULL ? old->next : NULL;
	*pp = e;
	if (old == NULL)
		m->m_n++;
	return old;
}

static int
map_set(struct map *m, struct ment *e)
{
	if (map_reserve(m, m->m_n + 1) == -1) {
		free(e);
		return -1;
	}
	free(map_insert(m, e));
	return 0;
}

static void
map_clear(struct map *m)
{
	struct ment *e, *next;
	size_t i;

	for (i = 0; i < m->m_nb && m->m_n > 0; i++) {
		for (e = m->m_b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
			m->m_n--;
		}
		m->m_b[i] = NULL;
	}
}

static void
map_free(struct map *m)
{
	map_clear(m);
	free(m->m_b);
	m->m_b = NULL;
	m->m_nb = 0;
}

/* Move every entry of src into dst, after map_reserve(dst, both). */
static void
map_move(struct map *dst, struct map *src)
{
	struct ment *e, *next;
	size_t i;

	for (i = 0; i < src->m_nb; i++) {
		for (e = src->m_b[i]; e != NULL; e = next) {
			next = e->next;
			free(map_insert(dst, e));
		}
		src->m_b[i] = NULL;
	}
	src->m_n = 0;
}

static int
buf_reserve(struct store *st, size_t n)
{
	uint8_t *p;

	if (n <= st->st_bufsz)
		return 0;
	if ((p = realloc(st->st_buf, n)) == NULL) {
		store_log(__func__, "%zu bytes: %s", n, strerror(errno));
		return -1;
	}
	st->st_buf = p;
	st->st_bufsz = n;
	return 0;
}

/* A worker keeps its buffer between requests, but not a huge one: a view
 * that catches up reads the journal in one piece, up to a checkpoint's worth
 * (a quarter of the store, at most CKPT_MAX_BYTES), which every worker
 * would otherwise hold for good (tools/soak shows it). */
static void
buf_trim(struct store *st)
{
	if (st->st_bufsz <= BUF_KEEP)
		return;
	free(st->st_buf);
	st->st_buf = NULL;
	st->st_bufsz = 0;
}

static int
read_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* shorter than it must be */
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Only read: a source of zeros for write_zeros. */
static uint8_t zero_chunk[ZERO_CHUNK];

static int
write_zeros(int fd, uint64_t from, uint64_t to)
{
	size_t n;

	for (; from < to; from += n) {
		n = to - from < ZERO_CHUNK ? (size_t)(to - from) : ZERO_CHUNK;
		if (write_full(fd, zero_chunk, n, from) == -1)
			return -1;
	}
	return 0;
}

static uint64_t
round_up(uint64_t n, uint64_t unit)
{
	return (n + unit - 1) / unit * unit;
}

static int
unlink_stale(const char *path)
{
	if (unlink(path) == -1 && errno != ENOENT) {
		store_log(__func__, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A rename is durable only once its directory is synced. */
static int
sync_dir(struct store *st)
{
	if (fsync(st->st_dfd) == -1) {
		store_log(__func__, "directory of %s: %s", st->st_path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
rename_durable(struct store *st, const char *from, const char *to)
{
	if (rename(from, to) == -1) {
		store_log(__func__, "%s: %s", to, strerror(errno));
		return -1;
	}
	return sync_dir(st);
}

/*
 * Open file description locks, not classic fcntl locks: they belong to this
 * handle rather than to the process, so two handles in one process exclude
 * each other, and closing some other descriptor of the file drops nothing.
 */
static int
lock_byte(struct store *st, short type, off_t byte)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	while (fcntl(st->st_lfd, F_OFD_SETLKW, &fl) == -1) {
		if (errno != EINTR) {
			store_log(
			    __func__, "%s: %s", st->st_lpath, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* 1 if we got it, 0 if another handle holds it, -1. */
static int
lock_try(struct store *st, short type, off_t byte)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	if (fcntl(st->st_lfd, F_OFD_SETLK, &fl) == 0)
		return 1;
	if (errno == EAGAIN || errno == EACCES || errno == EINTR)
		return 0;
	store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
	return -1;
}

/* Sleep until the sync sequence moves from seq, or SYNC_WAIT_NS. */
static void
sync_wait(struct store *st, uint32_t seq)
{
	struct timespec ts = {0, SYNC_WAIT_NS};

	syscall(
	    SYS_futex, &st->st_shm->sync_seq, FUTEX_WAIT, seq, &ts, NULL, 0);
}

static void
sync_wake(struct store *st)
{
	__atomic_add_fetch(&st->st_shm->sync_seq, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &st->st_shm->sync_seq, FUTEX_WAKE, INT32_MAX, NULL,
	    NULL, 0);
}

static uint64_t
shm_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void
shm_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void
shm_set_busy(struct store *st, uint32_t busy)
{
	__atomic_store_n(&st->st_shm->busy, busy, __ATOMIC_SEQ_CST);
}

static uint64_t
shm_next_epoch(const struct store *st)
{
	uint64_t e = shm_load(&st->st_shm->epoch) + 1;

	return e == 0 ? 1 : e; /* 0 is the epoch of no view */
}

static int
shm_stale(const struct store *st, int opening)
{
	const struct store_shm *h = st->st_shm;

	if (h->magic != SHM_MAGIC || h->version != SHM_VERSION ||
	    __atomic_load_n(&h->busy, __ATOMIC_ACQUIRE) != 0)
		return 1;
	/* The header is not synced: after a reboot it may claim journal
	 * bytes that never reached the disk. */
	return opening && memcmp(h->boot_id, st->st_boot, BOOT_ID_LEN) != 0;
}

static void
jhdr_encode(uint8_t *h, uint64_t gen)
{
	memset(h, 0, JHDR_SIZE);
	memcpy(h, JHDR_MAGIC, 8);
	put_u32(h + 8, 1);
	put_u64(h + 16, gen);
	put_u32(h + 24, hash_crc32c(0, h, 24));
}

static int
jhdr_decode(const uint8_t *h, uint64_t *gen)
{
	if (memcmp(h, JHDR_MAGIC, 8) != 0 || get_u32(h + 8) != 1 ||
	    get_u32(h + 24) != hash_crc32c(0, h, 24))
		return -1;
	*gen = get_u64(h + 16);
	return 0;
}

/*
 * A new journal file of len bytes of written, synced zeros, at
 * <path>.journal.tmp.  Written zeros, not fallocate: the blocks of an
 * unwritten extent are converted when first synced, which writes metadata
 * again, and saving that write at each commit is the point.
 */
static int
journal_prepare(struct store *st, uint64_t len, int *fdp)
{
	int fd;

	fd =
	    open(st->st_jtmppath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || write_zeros(fd, 0, len) == -1 || fsync(fd) == -1) {
		store_log(__func__, "%s: %s", st->st_jtmppath, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

/* Header and records into a prepared journal, which then replaces the live
 * one.  It appears whole (written, synced, renamed), so a journal with a
 * bad header is corruption, never a crash. */
static int
journal_replace(struct store *st, int fd, const uint8_t *buf, size_t len)
{
	/* fsync, not fdatasync: the records may have outgrown the zeros. */
	if (write_full(fd, buf, len, 0) == -1 || fsync(fd) == -1) {
		store_log(__func__, "%s: %s", st->st_jtmppath, strerror(errno));
		return -1;
	}
	return rename_durable(st, st->st_jtmppath, st->st_jpath);
}

/* A new store's: small, because tests and small stores make many, and a
 * store that fills it grows it (journal_reserve) until a checkpoint gives
 * it room to its threshold. */
static int
journal_create(struct store *st, uint64_t gen)
{
	uint8_t h[JHDR_SIZE];
	int fd, rc;

	if (journal_prepare(st, JOURNAL_FIRST, &fd) == -1)
		return -1;
	jhdr_encode(h, gen);
	rc = journal_replace(st, fd, h, sizeof(h));
	close(fd);
	return rc;
}

/* The durable end in a record's mark op, its first; 1 if it has one. */
static int
jrec_mark(const uint8_t *rec, size_t reclen, uint64_t *mark)
{
	const uint8_t *op = rec + JREC_HDR;

	if (reclen < JREC_HDR + JMARK_OP || get_u32(rec + 16) == 0 ||
	    op[0] != OP_MARK || get_u32(op + 1) != 0 ||
	    get_u32(op + 5) != JMARK_LEN)
		return 0;
	*mark = get_u64(op + JOP_HDR);
	return 1;
}

/*
 * Walk the ops of a record that passed jrec_check.  With m, apply them to
 * m; without, only check their framing.  *mark (if not NULL) is the
 * record's mark, 0 for a record of an earlier build, which has none.  0,
 * or -1 (bad framing, no memory).
 */
static int
jrec_walk(struct store *st, const uint8_t *rec, size_t reclen, struct map *m,
    uint64_t *mark)
{
	const uint8_t *p = rec + JREC_HDR, *end = rec + reclen;
	uint32_t i = 0, nops = get_u32(rec + 16), klen, vlen;
	uint64_t own = 0;
	struct ment *e;
	int type;

	if (jrec_mark(rec, reclen, &own)) {
		p += JMARK_OP;
		i = 1;
	}
	if (mark != NULL)
		*mark = own;
	for (; i < nops; i++) {
		if ((size_t)(end - p) < JOP_HDR)
			return -1;
		type = p[0];
		klen = get_u32(p + 1);
		vlen = get_u32(p + 5);
		p += JOP_HDR;
		if ((type != OP_PUT && type != OP_DEL) || klen == 0 ||
		    klen > STORE_MAX_KEY || vlen > STORE_MAX_VALUE ||
		    (size_t)(end - p) < (size_t)klen + vlen)
			return -1;
		if (m != NULL) {
			e = ment_new(store_hash(st, p, klen), p, klen, p + klen,
			    vlen, type == OP_DEL);
			if (e == NULL || map_set(m, e) == -1)
				return -1;
		}
		p += (size_t)klen + vlen;
	}
	return p == end ? 0 : -1;
}

/* The length of the whole, valid record at buf, or 0. */
static size_t
jrec_check(const struct store *st, const uint8_t *buf, size_t avail)
{
	uint32_t len, crc;

	if (avail < JREC_HDR || get_u32(buf) != JREC_MAGIC)
		return 0;
	len = get_u32(buf + 4);
	if (len > JREC_MAX || avail - JREC_HDR < len)
		return 0;
	/* The generation ties a record to this journal: bytes from another
	 * one can never replay here. */
	if (get_u64(buf + 8) != st->st_jgen)
		return 0;
	crc = hash_crc32c(0, buf, 20);
	crc = hash_crc32c(crc, buf + JREC_HDR, len);
	if (crc != get_u32(buf + 20))
		return 0;
	return JREC_HDR + (size_t)len;
}

/*
 * The end of the records that check, read one by one from the header on:
 * the first position whose magic, length, generation, CRC or op framing
 * is wrong (zeros included), or whose record would run past size.
 */
static int
journal_find_end(struct store *st, int fd, uint64_t size,
    struct store_jcheck *jc, struct map *m)
{
	uint64_t off = JHDR_SIZE;
	uint32_t len;
	size_t n;

	for (; size - off >= JREC_HDR; off += n) {
		if (buf_reserve(st, JREC_HDR) == -1 ||
		    read_full(fd, st->st_buf, JREC_HDR, off) == -1)
			return -1;
		len = get_u32(st->st_buf + 4);
		if (get_u32(st->st_buf) != JREC_MAGIC || len > JREC_MAX ||
		    size - off - JREC_HDR < len)
			break;
		if (buf_reserve(st, JREC_HDR + (size_t)len) == -1 ||
		    read_full(fd, st->st_buf + JREC_HDR, len, off + JREC_HDR) ==
		        -1)
			return -1;
		n = jrec_check(st, st->st_buf, JREC_HDR + (size_t)len);
		if (n == 0 || jrec_walk(st, st->st_buf, n, m, NULL) == -1)
			break;
		jc->jc_records++;
	}
	jc->jc_end = off;
	return 0;
}

/* Zero (if zero is set) every chunk of [from, size) that is not zero
 * already; *dirty counts the bytes of those chunks. */
static int
journal_zero_tail(struct store *st, int fd, uint64_t from, uint64_t size,
    int zero, uint64_t *dirty)
{
	uint64_t off;
	size_t n;

	*dirty = 0;
	if (buf_reserve(st, ZERO_CHUNK) == -1)
		return -1;
	for (off = from; off < size; off += n) {
		n = size - off < ZERO_CHUNK ? (size_t)(size - off) : ZERO_CHUNK;
		if (read_full(fd, st->st_buf, n, off) == -1)
			return -1;
		if (memcmp(st->st_buf, zero_chunk, n) == 0)
			continue;
		if (zero && write_full(fd, zero_chunk, n, off) == -1)
			return -1;
		*dirty += n;
	}
	return 0;
}

/*
 * Past bad, the first position that does not check: the records that do
 * check (found wherever they start; applied to m if not NULL), the runs
 * of bytes between them that do not, and the highest durable end their
 * marks claim.  Linear: a record found is skipped whole, and a position
 * that fails is passed by one byte.
 */
static int
journal_after_bad(struct store *st, int fd, uint64_t bad, uint64_t size,
    struct store_jcheck *jc, struct map *m)
{
	static const uint8_t magic[] = {'C', 'F', 'J', 'R'};
	size_t len = (size_t)(size - bad), off = 1, n, expect = 0;
	const uint8_t *hit;
	uint64_t mark;

	if (buf_reserve(st, len) == -1 ||
	    read_full(fd, st->st_buf, len, bad) == -1)
		return -1;
	while (off < len && (hit = memmem(st->st_buf + off, len - off, magic,
	                         sizeof(magic))) != NULL) {
		off = (size_t)(hit - st->st_buf);
		n = jrec_check(st, hit, len - off);
		if (n == 0 || jrec_walk(st, hit, n, m, &mark) == -1) {
			off++;
			continue;
		}
		if (jc->jc_after == 0)
			jc->jc_next = bad + off;
		jc->jc_gaps += off != expect;
		expect = off + n;
		jc->jc_after++;
		if (mark > jc->jc_mark)
			jc->jc_mark = mark;
		off += n;
	}
	return 0;
}

/*
 * The journal in fd: its end, and whether what follows is a torn tail or
 * damage (jc_damaged).  The rule, from what a crash can leave: records
 * are written one after another past the end, over zeros synced before,
 * and a commit is acknowledged only once an fdatasync covered it; each
 * record's mark op holds the end the journal was durable to when it was
 * written.  A crash (of a process or of the machine) can leave past the
 * last durable record any mix of the unsynced records' blocks and zeros,
 * so a record that fails there is a torn tail, even with records that
 * check after it (a group commit's later record may reach the disk while
 * an earlier one does not).  But a record that checks and whose mark lies
 * past the failed position proves that position was durable, so whole,
 * before it was written: no crash changes durable bytes, so that is
 * damage, and nothing may be zeroed.  A failure in the last durable group
 * of records (no later mark covers it) cannot be told from a tear and is
 * cut as one.
 */
static int
journal_check_fd(struct store *st, int fd, uint64_t size,
    struct store_jcheck *jc, struct map *m)
{
	uint64_t dirty;

	memset(jc, 0, sizeof(*jc));
	jc->jc_size = size;
	if (journal_find_end(st, fd, size, jc, m) == -1 ||
	    journal_zero_tail(st, fd, jc->jc_end, size, 0, &dirty) == -1)
		return -1;
	jc->jc_dirty = dirty;
	if (dirty > 0 &&
	    journal_after_bad(st, fd, jc->jc_end, size, jc, m) == -1)
		return -1;
	jc->jc_damaged = jc->jc_mark > jc->jc_end;
	return 0;
}

/* Written zeros from size to past need, if need is past size; the caller
 * syncs.  *sizep is the new length. */
static int
journal_grow(int fd, uint64_t *sizep, uint64_t need)
{
	uint64_t to = round_up(need + JOURNAL_EXTEND, JOURNAL_ALIGN);

	if (need <= *sizep)
		return 0;
	if (write_zeros(fd, *sizep, to) == -1)
		return -1;
	*sizep = to;
	return 0;
}

/*
 * Recovery: find the end of the records (journal_find_end); if what
 * follows is damage rather than a torn tail (journal_check_fd), change
 * nothing and refuse; else zero what follows, leave room for commits, and
 * sync.  Sets st_jgen; *endp is the
 * end.  A journal of earlier builds, which had no zeros and ended at its
 * length, reads the same and gets its room here.
 *
 * Why zero: the end is not the file's length but the first position that
 * holds no valid record, so bytes that look like a record right at the end
 * are replayed.  Bytes past the end come from a writer killed between its
 * write and publishing the end (it raised busy, so its death brings us
 * here), or from a machine crash that wrote back some unsynced records and
 * not others.  A later, shorter record written over them ends inside them,
 * and if a whole record of this generation happened to start there (an
 * unacknowledged commit, or one framed inside a value), it would replay
 * after that record, over newer writes.  So every byte from the end to the
 * file's length is zeroed, all of it (after a crash, zeros may be followed
 * by records that did reach the disk), and synced before the header is
 * published, so before any new record is written.  From then on the disk
 * holds, past the published end, only zeros synced earlier and records
 * written at the end one after another (commits raise busy while they
 * write, and zero what a failed write left): a torn one fails its CRC and
 * stops the scan, and the next recovery zeroes again.
 */
static int
journal_scan(struct store *st, uint64_t *endp)
{
	struct store_jcheck jc;
	uint8_t h[JHDR_SIZE];
	struct stat sb;
	uint64_t size, end, zeroed;
	int fd = -1, rc = -1;

	if ((fd = open(st->st_jpath, O_RDWR | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	size = (uint64_t)sb.st_size;
	if (size < JHDR_SIZE || read_full(fd, h, sizeof(h), 0) == -1 ||
	    jhdr_decode(h, &st->st_jgen) == -1) {
		store_log(__func__, "%s: bad journal header", st->st_jpath);
		goto out;
	}
	if (journal_check_fd(st, fd, size, &jc, NULL) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	end = jc.jc_end;
	if (jc.jc_damaged) {
		store_damaged(st,
		    "%s: damaged at offset %llu: the record there fails its "
		    "check, but a record after it (offset %llu, %zu that check "
		    "in all) was written once the journal was durable to %llu; "
		    "nothing was changed (cofferctl verify, salvage)",
		    st->st_jpath, (unsigned long long)end,
		    (unsigned long long)jc.jc_next, jc.jc_after,
		    (unsigned long long)jc.jc_mark);
		goto out;
	}
	if (journal_zero_tail(st, fd, end, size, 1, &zeroed) == -1 ||
	    journal_grow(fd, &size, end + JOURNAL_ALIGN) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	if (zeroed > 0)
		store_log(__func__, "%s: zeroed %llu bytes of torn tail",
		    st->st_jpath, (unsigned long long)zeroed);
	/* The zeros, and the records no process synced yet, which are
	 * published now: durable first, as a group commit would make them. */
	if (fdatasync(fd) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	*endp = end;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	buf_trim(st);
	return rc;
}

/*
 * <path>.sum: the size and CRC32C of the gdbm file a checkpoint wrote,
 * and of the one before it (a crash between the writing of the sum and
 * the rename of the file leaves the old file).  gdbm checks nothing of
 * what it reads: a flipped bit in a key makes it answer "not found" for
 * a record it holds.  So a gdbm file is read through once per version
 * (db_verify) and one that matches neither sum is damage.  A store of an
 * earlier build has no sum until its next checkpoint, and is trusted.
 */
#define SUM_MAGIC "CFSUM001"
#define SUM_MAX   2
#define SUM_ENTRY 12 /* size (8), crc (4) */
#define SUM_SIZE  (8 + 4 + SUM_MAX * SUM_ENTRY + 4)

struct db_sum {
	uint64_t ds_size;
	uint32_t ds_crc;
};

/* The size and CRC32C of the file open at fd.  Its own buffer: a
 * checkpoint's swap holds the carried journal in st_buf. */
static int
db_sum_fd(int fd, struct db_sum *sum)
{
	uint64_t off = 0;
	uint8_t *buf;
	ssize_t n;

	if ((buf = malloc(ZERO_CHUNK)) == NULL)
		return -1;
	sum->ds_crc = 0;
	for (;;) {
		n = pread(fd, buf, ZERO_CHUNK, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sum->ds_crc = hash_crc32c(sum->ds_crc, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	sum->ds_size = off;
	return n == 0 ? 0 : -1;
}

static int
db_sum_path(const char *path, struct db_sum *sum)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = db_sum_fd(fd, sum);
	close(fd);
	return rc;
}

/* 0 and sums[0..*n), newest last; 1 if there is no sum file; -1 if it
 * does not read (errno EINVAL: its bytes are wrong). */
static int
db_sums_read(struct store *st, struct db_sum *sums, size_t *n)
{
	uint8_t b[SUM_SIZE];
	ssize_t len;
	size_t i;
	int fd;

	if ((fd = open(st->st_spath, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 1 : -1;
	len = pread(fd, b, sizeof(b), 0);
	close(fd);
	if (len != (ssize_t)sizeof(b) || memcmp(b, SUM_MAGIC, 8) != 0 ||
	    get_u32(b + 8) == 0 || get_u32(b + 8) > SUM_MAX ||
	    get_u32(b + SUM_SIZE - 4) != hash_crc32c(0, b, SUM_SIZE - 4)) {
		errno = EINVAL;
		return -1;
	}
	*n = get_u32(b + 8);
	for (i = 0; i < *n; i++) {
		sums[i].ds_size = get_u64(b + 12 + i * SUM_ENTRY);
		sums[i].ds_crc = get_u32(b + 12 + i * SUM_ENTRY + 8);
	}
	return 0;
}

/* Written aside, synced, renamed: a sum file appears whole. */
static int
db_sums_write(struct store *st, const struct db_sum *sums, size_t n)
{
	uint8_t b[SUM_SIZE];
	size_t i;
	int fd, rc;

	memset(b, 0, sizeof(b));
	memcpy(b, SUM_MAGIC, 8);
	put_u32(b + 8, (uint32_t)n);
	for (i = 0; i < n; i++) {
		put_u64(b + 12 + i * SUM_ENTRY, sums[i].ds_size);
		put_u32(b + 12 + i * SUM_ENTRY + 8, sums[i].ds_crc);
	}
	put_u32(b + SUM_SIZE - 4, hash_crc32c(0, b, SUM_SIZE - 4));
	fd = open(
	    st->st_stmppath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	rc =
	    fd == -1 || write_full(fd, b, sizeof(b), 0) == -1 || fsync(fd) == -1
	        ? -1
	        : 0;
	if (rc == -1)
		store_log(__func__, "%s: %s", st->st_stmppath, strerror(errno));
	if (fd != -1)
		close(fd);
	return rc == 0 ? rename_durable(st, st->st_stmppath, st->st_spath) : -1;
}

/* Before <path>.tmp is renamed over <path>: the sums of both. */
static int
db_sums_next(struct store *st, const struct db_sum *next)
{
	struct db_sum sums[SUM_MAX];
	size_t n = 0;
	int rc;

	rc = db_sums_read(st, sums, &n);
	if (rc == -1 && errno != EINVAL)
		return -1;
	/* No sum yet (a store of an earlier build), or a damaged one: the
	 * live file's own, so that a crash before the rename leaves a
	 * file that matches. */
	if (rc != 0 && access(st->st_path, F_OK) == 0 &&
	    db_sum_path(st->st_path, &sums[0]) == -1)
		return -1;
	if (rc != 0)
		n = access(st->st_path, F_OK) == 0 ? 1 : 0;
	if (n > 0)
		sums[0] = sums[n - 1];
	n = n > 0 ? 1 : 0;
	sums[n++] = *next;
	return db_sums_write(st, sums, n);
}

/* What a file is (any write or rename changes its ctime), as one value
 * every process computes alike. */
static uint64_t
ident_hash(const struct stat *sb)
{
	static const uint64_t key[2]; /* shared, not secret */
	uint64_t v[5] = {(uint64_t)sb->st_dev, (uint64_t)sb->st_ino,
	    (uint64_t)sb->st_size, (uint64_t)sb->st_ctim.tv_sec,
	    (uint64_t)sb->st_ctim.tv_nsec};

	return hash_sip13(key, v, sizeof(v)) | 1; /* 0: none */
}

/* The gdbm file open at fd (sb) against <path>.sum, once per version of
 * it in any process.  0, or -1 (damage recorded, or an I/O error). */
static int
db_verify(struct store *st, int fd, const struct stat *sb)
{
	struct db_sum sums[SUM_MAX], got;
	uint64_t id = ident_hash(sb);
	size_t n = 0, i;
	int rc;

	if (__atomic_load_n(&st->st_shm->db_verified, __ATOMIC_ACQUIRE) == id)
		return 0;
	if ((rc = db_sums_read(st, sums, &n)) == 1)
		return 0;
	if (rc == -1 && errno != EINVAL) {
		store_log(__func__, "%s: %s", st->st_spath, strerror(errno));
		return -1;
	}
	if (rc == -1) {
		store_damaged(st,
		    "%s: damaged: it does not read (cofferctl "
		    "verify; restore a backup)",
		    st->st_spath);
		return -1;
	}
	if (db_sum_fd(fd, &got) == -1) {
		store_log(__func__, "%s: %s", st->st_path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (sums[i].ds_size == got.ds_size &&
		    sums[i].ds_crc == got.ds_crc) {
			__atomic_store_n(
			    &st->st_shm->db_verified, id, __ATOMIC_RELEASE);
			return 0;
		}
	}
	store_damaged(st,
	    "%s: damaged: it is not the file its checkpoint wrote (its "
	    "checksum differs from %s; cofferctl verify; restore a backup)",
	    st->st_path, st->st_spath);
	return -1;
}

/* The gdbm file appears whole too: built aside, synced, renamed. */
static int
gdbm_create(struct store *st)
{
	struct db_sum sum;
	GDBM_FILE db;
	int rc = -1;

	db = gdbm_open(st->st_tmppath, 0,
	    GDBM_NEWDB | GDBM_NOLOCK | GDBM_CLOEXEC, 0600, NULL);
	if (db == NULL) {
		store_log(__func__, "%s: %s", st->st_tmppath,
		    gdbm_strerror(gdbm_errno));
		return -1;
	}
	if (gdbm_sync(db) != 0 || fsync(gdbm_fdesc(db)) == -1) {
		store_log(__func__, "%s: %s", st->st_tmppath, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (gdbm_close(db) != 0 && rc == 0) {
		store_log(__func__, "%s: %s", st->st_tmppath,
		    gdbm_strerror(gdbm_errno));
		rc = -1;
	}
	if (rc == 0 && (db_sum_path(st->st_tmppath, &sum) == -1 ||
	                   db_sums_write(st, &sum, 1) == -1))
		rc = -1;
	if (rc == 0)
		rc = rename_durable(st, st->st_tmppath, st->st_path);
	return rc;
}

static int
turnstile_lock(struct store *st)
{
	int rc = pthread_mutex_lock(&st->st_shm->turnstile);

	/* Its owner was a writer killed while it waited for LK_RW: there
	 * is nothing to repair. */
	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(&st->st_shm->turnstile);
	if (rc != 0) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(rc));
		return -1;
	}
	return 0;
}

static void
turnstile_unlock(struct store *st)
{
	pthread_mutex_unlock(&st->st_shm->turnstile);
}

static void
writer_waiting_set(struct store *st, uint32_t v)
{
	__atomic_store_n(&st->st_shm->writer_waiting, v, __ATOMIC_SEQ_CST);
}

/* LK_RW, behind any writer already waiting for it. */
static int
section_lock(struct store *st, int write)
{
	int rc;

	if (!write) {
		if (__atomic_load_n(
		        &st->st_shm->writer_waiting, __ATOMIC_SEQ_CST) != 0) {
			if (turnstile_lock(st) == -1)
				return -1;
			/* Holding it, we know no writer is waiting in it
			 * (this heals the flag of a killed writer). */
			writer_waiting_set(st, 0);
			turnstile_unlock(st);
		}
		return lock_byte(st, F_RDLCK, LK_RW);
	}
	if (turnstile_lock(st) == -1)
		return -1;
	writer_waiting_set(st, 1);
	rc = lock_byte(st, F_WRLCK, LK_RW);
	writer_waiting_set(st, 0);
	turnstile_unlock(st);
	return rc;
}

/* Only for a header no live process uses: a fresh lock file, or one left
 * by the previous boot (whose mutex may name a dead owner). */
static int
turnstile_init(struct store *st)
{
	pthread_mutexattr_t attr;
	int rc;

	if ((rc = pthread_mutexattr_init(&attr)) != 0)
		goto out;
	if ((rc = pthread_mutexattr_setpshared(
	         &attr, PTHREAD_PROCESS_SHARED)) == 0 &&
	    (rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)) ==
	        0)
		rc = pthread_mutex_init(&st->st_shm->turnstile, &attr);
	pthread_mutexattr_destroy(&attr);
out:
	if (rc != 0)
		store_log(__func__, "%s: %s", st->st_lpath, strerror(rc));
	st->st_shm->writer_waiting = 0;
	return rc == 0 ? 0 : -1;
}

/*
 * Rebuild the shared header from the files, holding LK_RW exclusive:
 * after a reboot, or when a process died in a checkpoint or a recovery.
 * LK_SYNC too, because the epoch and the synced end move together.
 */
static int
store_recover(struct store *st, int create)
{
	struct store_shm *h = st->st_shm;
	uint64_t end;
	int rc = -1, fresh;

	if (access(st->st_path, F_OK) == -1 && (errno != ENOENT || !create)) {
		store_log(__func__, "%s: %s", st->st_path, strerror(errno));
		return -1;
	}
	if (lock_byte(st, F_WRLCK, LK_SYNC) == -1)
		return -1;
	fresh = h->magic != SHM_MAGIC || h->version != SHM_VERSION ||
	        memcmp(h->boot_id, st->st_boot, BOOT_ID_LEN) != 0;
	/* A new lock file is no news; the rest is worth an operator's eye. */
	if (h->magic == SHM_MAGIC)
		store_log(__func__, "%s: rebuilding the shared header (%s)",
		    st->st_lpath,
		    fresh ? "first use since boot"
		    : h->busy == BUSY_APPEND
		        ? "a writer died in its append"
		        : "a process died in a checkpoint");
	if (fresh && turnstile_init(st) == -1)
		goto out;
	shm_set_busy(st, BUSY_CHANGE);
	/* <path>.tmp may be a live checkpoint's copy; store_open removes
	 * a dead one's. */
	if (unlink_stale(st->st_jtmppath) == -1)
		goto out;
	if (access(st->st_path, F_OK) == -1 && gdbm_create(st) == -1)
		goto out;
	if (access(st->st_jpath, F_OK) == -1 && journal_create(st, 1) == -1)
		goto out;
	if (journal_scan(st, &end) == -1)
		goto out;
	h->magic = SHM_MAGIC;
	h->version = SHM_VERSION;
	memcpy(h->boot_id, st->st_boot, BOOT_ID_LEN);
	shm_store(&h->end, end);
	shm_store(&h->synced, end);
	shm_store(&h->epoch, shm_next_epoch(st));
	shm_set_busy(st, 0);
	rc = 0;
out:
	lock_byte(st, F_UNLCK, LK_SYNC);
	sync_wake(st);
	return rc;
}

/* A gdbm failure other than a missing key or memory: its file cannot be
 * read as written, and a key it would not find may well be in it. */
static void
gdbm_failed(struct store *st, const char *func)
{
	if (gdbm_errno == GDBM_MALLOC_ERROR ||
	    (gdbm_errno == GDBM_FILE_OPEN_ERROR && errno != EIO)) {
		store_log(
		    func, "%s: %s", st->st_path, gdbm_strerror(gdbm_errno));
		return;
	}
	store_damaged(st,
	    "%s: damaged: %s (cofferctl verify; restore a backup)", st->st_path,
	    gdbm_strerror(gdbm_errno));
}

static void
view_close(struct store *st)
{
	if (st->st_db != NULL)
		gdbm_close(st->st_db);
	st->st_db = NULL;
	if (st->st_jfd != -1)
		close(st->st_jfd);
	st->st_jfd = -1;
	map_clear(&st->st_overlay);
	st->st_epoch = 0;
	st->st_jend = JHDR_SIZE;
	st->st_jsize = 0;
	st->st_dbsize = 0;
}

/* The files were replaced: drop the old ones (other processes may still
 * read them) and start over from the new. */
static int
view_reopen(struct store *st, uint64_t epoch)
{
	uint8_t h[JHDR_SIZE];
	struct stat sb;

	view_close(st);
	st->st_db = gdbm_open(
	    st->st_path, 0, GDBM_READER | GDBM_NOLOCK | GDBM_CLOEXEC, 0, NULL);
	if (st->st_db == NULL) {
		gdbm_failed(st, __func__);
		return -1;
	}
	if (fstat(gdbm_fdesc(st->st_db), &sb) == -1) {
		store_log(__func__, "%s: %s", st->st_path, strerror(errno));
		view_close(st);
		return -1;
	}
	st->st_dbsize = (uint64_t)sb.st_size;
	if (db_verify(st, gdbm_fdesc(st->st_db), &sb) == -1) {
		view_close(st);
		return -1;
	}
	if ((st->st_jfd = open(st->st_jpath, O_RDWR | O_CLOEXEC)) == -1 ||
	    fstat(st->st_jfd, &sb) == -1 ||
	    read_full(st->st_jfd, h, sizeof(h), 0) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		view_close(st);
		return -1;
	}
	if (jhdr_decode(h, &st->st_jgen) == -1) {
		store_log(__func__, "%s: bad journal header", st->st_jpath);
		view_close(st);
		return -1;
	}
	st->st_jsize = (uint64_t)sb.st_size;
	st->st_epoch = epoch;
	return 0;
}

/* Apply the published journal records [st_jend, end) to the overlay.  0,
 * 1 if one fails its check (*badp: where), -1. */
static int
view_read_journal(struct store *st, uint64_t end, uint64_t *badp)
{
	size_t len = (size_t)(end - st->st_jend), off = 0, n;
	int rc = -1;

	if (buf_reserve(st, len) == -1)
		goto out;
	if (read_full(st->st_jfd, st->st_buf, len, st->st_jend) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	while (off < len) {
		n = jrec_check(st, st->st_buf + off, len - off);
		if (n == 0 || jrec_walk(st, st->st_buf + off, n,
		                  &st->st_overlay, NULL) == -1) {
			*badp = st->st_jend + off;
			rc = 1;
			goto out;
		}
		off += n;
	}
	st->st_jend = end;
	rc = 0;
out:
	buf_trim(st);
	return rc;
}

static int
view_refresh(struct store *st)
{
	uint64_t epoch = shm_load(&st->st_shm->epoch);
	uint64_t end = shm_load(&st->st_shm->end), bad = 0;
	int rc = 0;

	if (epoch != st->st_epoch && view_reopen(st, epoch) == -1)
		return -1;
	if (end == st->st_jend)
		return 0;
	if (end < st->st_jend || (rc = view_read_journal(st, end, &bad)) != 0) {
		if (end < st->st_jend)
			store_log(
			    __func__, "%s: journal went back", st->st_jpath);
		/* Published records were written whole: one that fails
		 * now was changed after the fact. */
		if (rc == 1)
			store_damaged(st,
			    "%s: damaged at offset %llu: a published record "
			    "fails its check (cofferctl verify, salvage)",
			    st->st_jpath, (unsigned long long)bad);
		/* A half-applied overlay is harmless (the ops are
		 * idempotent), but start over next time. */
		view_close(st);
		return -1;
	}
	return 0;
}

/*
 * Without any lock: 1 if the view still holds every write published so
 * far, after reading in the records published since it was built; 0 if
 * only the locked path can tell (files replaced, a change under way).
 *
 * Sound because the view is private and the files it reads never change
 * under it: the gdbm file is never written once in place (a checkpoint
 * renames a new one over it, and st_db's descriptor keeps the old one),
 * and a journal never changes below its published end (commits write
 * past it and publish after writing; a recovery zeroes only unpublished
 * bytes; a checkpoint replaces the file whole).  Every header change
 * other than a commit's new end raises busy first, stores end, then the
 * new epoch, and only then lowers busy.  (A commit raises busy too,
 * around its write, so that its death is noticed; the end it stores is
 * one of this epoch's.)  So the loads go epoch, end,
 * busy, epoch: an end stored by such a change is followed by a busy
 * still up or a new epoch; an end from a later epoch's commit is
 * followed by that epoch.  An end read with the epoch unchanged on both
 * sides belongs to our journal, and is at least the end of any commit
 * acknowledged before we were called (released before the
 * acknowledgement, acquired here).
 */
static int
view_current(struct store *st)
{
	const struct store_shm *h = st->st_shm;
	uint64_t epoch, end, bad;

	if (st->st_epoch == 0)
		return 0;
	epoch = shm_load(&h->epoch);
	end = shm_load(&h->end);
	if (__atomic_load_n(&h->busy, __ATOMIC_ACQUIRE) != 0 ||
	    shm_load(&h->epoch) != epoch || epoch != st->st_epoch ||
	    end < st->st_jend)
		return 0;
	if (end == st->st_jend)
		return 1;
	if (view_read_journal(st, end, &bad) != 0) {
		view_close(st); /* the locked path starts over */
		return 0;
	}
	return 1;
}

/* The child shares its parent's lock file description: locking through it
 * would merge the two processes' locks. */
static int
store_after_fork(struct store *st)
{
	close(st->st_lfd);
	if ((st->st_lfd = open(st->st_lpath, O_RDWR | O_CLOEXEC)) == -1) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
		return -1;
	}
	view_close(st);
	map_clear(&st->st_txn);
	st->st_txn_bytes = 0;
	st->st_mode = MODE_NONE;
	st->st_forks = store_forks_now();
	return 0;
}

/* Under LK_RW (shared or exclusive): make the header sound again. */
static int
section_recover(struct store *st, int flags)
{
	/* Upgrading in place would deadlock two readers that both try. */
	if (!(flags & SECTION_WRITE) &&
	    (lock_byte(st, F_UNLCK, LK_RW) == -1 ||
	        lock_byte(st, F_WRLCK, LK_RW) == -1))
		return -1;
	if (shm_stale(st, flags & SECTION_OPEN) &&
	    store_recover(st, flags & SECTION_CREATE) == -1)
		return -1;
	/* A write lock turns into a read lock atomically. */
	if (!(flags & SECTION_WRITE) && lock_byte(st, F_RDLCK, LK_RW) == -1)
		return -1;
	return 0;
}

static int
section_enter(struct store *st, int flags)
{
	int write = flags & SECTION_WRITE, rc;

	if (st->st_forks != store_forks_now() && store_after_fork(st) == -1)
		return -1;
	if (st->st_mode != MODE_NONE) {
		store_log(__func__, "already in a section");
		return -1;
	}
	if (damage_stands(st))
		return -1;
	/* Read in what other writers published while we need no lock for it
	 * (see view_current): under the lock, only the records of the
	 * writers queued ahead of us are left to read. */
	if (write)
		(void)view_current(st);
	/* At open the header, turnstile included, may be garbage. */
	if (flags & SECTION_OPEN)
		rc = lock_byte(st, F_RDLCK, LK_RW);
	else
		rc = section_lock(st, write);
	if (rc == -1)
		return -1;
	if (shm_stale(st, flags & SECTION_OPEN) &&
	    section_recover(st, flags) == -1)
		goto fail;
	if (view_refresh(st) == -1)
		goto fail;
	/* The view is private from here on (see view_current), so a
	 * reader needs the lock only while it refreshes it. */
	if (!write && lock_byte(st, F_UNLCK, LK_RW) == -1)
		return -1;
	st->st_mode = write ? MODE_WRITE : MODE_READ;
	return 0;
fail:
	lock_byte(st, F_UNLCK, LK_RW);
	return -1;
}

static void
section_leave(struct store *st)
{
	map_clear(&st->st_txn);
	st->st_txn_bytes = 0;
	st->st_txn_reserve = 0;
	if (st->st_mode == MODE_WRITE)
		lock_byte(st, F_UNLCK, LK_RW);
	st->st_mode = MODE_NONE;
}

static int
copy_fd(int src, int dst)
{
	char buf[65536];
	ssize_t n;
	off_t off;

	do {
		n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
	} while (n > 0 || (n == -1 && errno == EINTR));
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
	    errno != EOPNOTSUPP)
		return -1;
	/* Not offered here: copy by hand from where the kernel stopped. */
	if ((off = lseek(dst, 0, SEEK_CUR)) == -1)
		return -1;
	while ((n = read(src, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 ||
		    write_full(dst, buf, (size_t)n, (uint64_t)off) == -1)
			return -1;
		off += n;
	}
	return 0;
}

static int
checkpoint_apply_one(GDBM_FILE db, const struct ment *e)
{
	datum k, v;

	k.dptr = (char *)e->data;
	k.dsize = (int)e->klen;
	v.dptr = (char *)e->data + e->klen;
	v.dsize = (int)e->vlen;
	if (!e->tomb)
		return gdbm_store(db, k, v, GDBM_REPLACE);
	if (gdbm_delete(db, k) != 0 && gdbm_errno != GDBM_ITEM_NOT_FOUND)
		return -1;
	return 0;
}

static int
checkpoint_apply(struct store *st, GDBM_FILE db)
{
	const struct ment *e;
	size_t i;

	for (i = 0; i < st->st_overlay.m_nb; i++) {
		for (e = st->st_overlay.m_b[i]; e != NULL; e = e->next) {
			if (checkpoint_apply_one(db, e) != 0) {
				store_log(__func__, "%s: %s", st->st_tmppath,
				    gdbm_strerror(gdbm_errno));
				return -1;
			}
		}
	}
	return 0;
}

/* <path>.tmp = <path> + the overlay, on disk; *sum is its checksum. */
static int
checkpoint_build(struct store *st, struct db_sum *sum)
{
	GDBM_FILE db = NULL;
	int src = -1, dst = -1, rc = -1;

	src = open(st->st_path, O_RDONLY | O_CLOEXEC);
	dst =
	    open(st->st_tmppath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	/* gdbm reads its header from the current offset. */
	if (src == -1 || dst == -1 || copy_fd(src, dst) == -1 ||
	    lseek(dst, 0, SEEK_SET) == -1) {
		store_log(__func__, "%s: %s", st->st_tmppath, strerror(errno));
		goto out;
	}
	/* Not mapped: each gdbm_store into a mapped copy faults in and
	 * extends the mapping page by page, which cost twice the CPU of
	 * plain writes (10.5 against 4 us per 1.3 KB record). */
	db = gdbm_fd_open(dst, st->st_tmppath, 0,
	    GDBM_WRITER | GDBM_NOLOCK | GDBM_CLOERROR | GDBM_NOMMAP, NULL);
	dst = -1; /* gdbm owns it now, or closed it */
	if (db == NULL) {
		store_log(__func__, "%s: %s", st->st_tmppath,
		    gdbm_strerror(gdbm_errno));
		goto out;
	}
	if (checkpoint_apply(st, db) == -1)
		goto out;
	/* gdbm_sync only msyncs a mapped file; fsync covers the rest. */
	if (gdbm_sync(db) != 0 || fsync(gdbm_fdesc(db)) == -1) {
		store_log(__func__, "%s: %s", st->st_tmppath, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (db != NULL && gdbm_close(db) != 0 && rc == 0) {
		store_log(__func__, "%s: %s", st->st_tmppath,
		    gdbm_strerror(gdbm_errno));
		rc = -1;
	}
	if (src != -1)
		close(src);
	if (dst != -1)
		close(dst);
	if (rc == 0 && db_sum_path(st->st_tmppath, sum) == -1) {
		store_log(__func__, "%s: %s", st->st_tmppath, strerror(errno));
		rc = -1;
	}
	return rc;
}

/*
 * Into st_buf: a journal of generation gen holding the live journal's
 * records [from, st_jend), re-framed for it.  *lenp is its length.
 */
static int
journal_carry_tail(struct store *st, uint64_t from, uint64_t gen, size_t *lenp)
{
	size_t len = (size_t)(st->st_jend - from), off = 0, n;
	uint64_t mark;
	uint8_t *p;
	uint32_t crc;

	if (buf_reserve(st, JHDR_SIZE + len) == -1)
		return -1;
	if (read_full(st->st_jfd, st->st_buf + JHDR_SIZE, len, from) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		return -1;
	}
	for (; off < len; off += n) {
		p = st->st_buf + JHDR_SIZE + off;
		if ((n = jrec_check(st, p, len - off)) == 0) {
			store_log(__func__, "%s: bad record", st->st_jpath);
			return -1;
		}
		put_u64(p + 8, gen);
		/* Its mark spoke of the old journal's offsets.  The carried
		 * records are synced together, before the new journal goes
		 * live, so each may vouch for what precedes it there. */
		if (jrec_mark(p, n, &mark))
			put_u64(p + JREC_HDR + JOP_HDR, JHDR_SIZE + off);
		crc = hash_crc32c(0, p, 20);
		crc = hash_crc32c(crc, p + JREC_HDR, n - JREC_HDR);
		put_u32(p + 20, crc);
	}
	jhdr_encode(st->st_buf, gen);
	*lenp = JHDR_SIZE + len;
	return 0;
}

/*
 * In a write section, with <path>.tmp built from the journal up to from:
 * put it in place, and carry the records committed since into a new
 * journal.  Every state a crash leaves reads the same: old gdbm + old
 * journal, new gdbm + old journal (its first records are already in),
 * new gdbm + new journal.  Writers still waiting for their fdatasync see
 * the epoch move and return: their records are in the new gdbm or the
 * new journal, both synced before the epoch moved.
 */
static int
checkpoint_swap(
    struct store *st, uint64_t from, int jfd, const struct db_sum *sum)
{
	struct store_shm *h = st->st_shm;
	uint64_t gen = st->st_jgen + 1;
	struct stat sb;
	size_t len;

	if (journal_carry_tail(st, from, gen, &len) == -1)
		return -1;
	/* Until the epoch moves, a crash leaves files the header does not
	 * describe: the next locker rebuilds it. */
	shm_set_busy(st, BUSY_CHANGE);
	if (db_sums_next(st, sum) == -1 ||
	    rename_durable(st, st->st_tmppath, st->st_path) == -1 ||
	    journal_replace(st, jfd, st->st_buf, len) == -1 ||
	    lock_byte(st, F_WRLCK, LK_SYNC) == -1) {
		buf_trim(st);
		return -1;
	}
	/* Its checksum was taken from what we wrote: no process need read
	 * it through again. */
	if (stat(st->st_path, &sb) == 0)
		__atomic_store_n(
		    &h->db_verified, ident_hash(&sb), __ATOMIC_RELEASE);
	shm_store(&h->end, len);
	shm_store(&h->synced, len);
	shm_store(&h->epoch, shm_next_epoch(st));
	shm_set_busy(st, 0);
	lock_byte(st, F_UNLCK, LK_SYNC);
	sync_wake(st);
	view_close(st); /* free the overlay now, not at the next section */
	buf_trim(st);
	return 0;
}

/*
 * Journal bytes after which a commit checkpoints.  A checkpoint copies the
 * whole gdbm file, so with a fixed threshold its cost per write grows with
 * the store (tools/bench's 100,000 secrets, 25 MB of gdbm: 6 bytes copied
 * and synced per byte of journal at 4 MiB).  A quarter of the file bounds
 * that at 4, and the cap bounds the overlay that every process keeps.
 */
static uint64_t
checkpoint_due_for(const struct store *st, uint64_t dbsize)
{
	uint64_t share = dbsize / CKPT_DB_SHARE;

	if (st->st_ckpt_fixed || share <= st->st_ckpt_bytes)
		return st->st_ckpt_bytes;
	return share < CKPT_MAX_BYTES ? share : CKPT_MAX_BYTES;
}

static uint64_t
checkpoint_due(const struct store *st)
{
	return checkpoint_due_for(st, st->st_dbsize);
}

/*
 * The zeros a checkpoint's new journal starts with, for a gdbm file of
 * dbsize bytes: room for the records up to the next checkpoint, plus a
 * quarter for those committed while it runs, so that commits seldom grow
 * it, plus the reserve kept for deletes.  At most 20 MiB and the reserve:
 * a larger fixed threshold (a bulk fill) grows it as it goes rather than
 * leave that much disk to the store.
 */
static uint64_t
journal_fresh_size(const struct store *st, uint64_t dbsize)
{
	uint64_t due = checkpoint_due_for(st, dbsize);

	if (due > CKPT_MAX_BYTES)
		due = CKPT_MAX_BYTES;
	return round_up(
	    JHDR_SIZE + due + due / 4 + STORE_RESERVE_BYTES, JOURNAL_ALIGN);
}

static int
checkpoint_prepare_journal(struct store *st, int *jfdp)
{
	struct stat sb;

	if (stat(st->st_tmppath, &sb) == -1) {
		store_log(__func__, "%s: %s", st->st_tmppath, strerror(errno));
		return -1;
	}
	return journal_prepare(
	    st, journal_fresh_size(st, (uint64_t)sb.st_size), jfdp);
}

/*
 * The disk the files need to fold jbytes of journal records: a copy of
 * the gdbm file, what the records add to it (counted CKPT_ROOM_FACTOR
 * times: gdbm splits buckets), and the next journal's zeros, all made
 * before the old files are let go.
 */
static uint64_t
checkpoint_room(const struct store *st, uint64_t jbytes)
{
	uint64_t grown = st->st_dbsize + CKPT_ROOM_FACTOR * jbytes;

	return grown + journal_fresh_size(st, grown);
}

/* Raise or lower the shared flag of store_disk_full; 1 if it changed. */
static int
disk_full_mark(struct store *st, uint32_t full)
{
	return __atomic_exchange_n(
	           &st->st_shm->disk_full, full, __ATOMIC_SEQ_CST) != full;
}

static void
disk_full_clear(struct store *st)
{
	if (disk_full_mark(st, 0))
		store_log(
		    __func__, "%s: room for a checkpoint again", st->st_path);
}

/* After a write failed: STORE_FULL and the flag raised (logged once) if
 * the disk is full, else -1. */
static int
disk_full_failed(struct store *st, const char *what)
{
	if (errno != ENOSPC && errno != EDQUOT)
		return -1;
	if (disk_full_mark(st, 1))
		store_log(__func__,
		    "%s: disk full writing %s: checkpoint blocked; writes "
		    "are refused, deletes still go through",
		    st->st_path, what);
	return STORE_FULL;
}

/*
 * 1 if the disk will still hold a checkpoint of jbytes of records once
 * grow more bytes are written (or it cannot tell: then the writes will),
 * else 0 and the flag raised.  Bytes free to anyone, not root's share.
 */
static int
disk_has_room(struct store *st, uint64_t grow, uint64_t jbytes)
{
	struct statvfs sv;
	uint64_t avail, need = grow + checkpoint_room(st, jbytes);

	if (fstatvfs(st->st_dfd, &sv) == -1) {
		store_log(__func__, "directory of %s: %s", st->st_path,
		    strerror(errno));
		return 1;
	}
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail >= need)
		return 1;
	if (disk_full_mark(st, 1))
		store_log(__func__,
		    "%s: checkpoint blocked: disk full: it needs %llu bytes, "
		    "%llu are free; writes are refused once the journal's "
		    "room is used, deletes still go through",
		    st->st_path, (unsigned long long)need,
		    (unsigned long long)avail);
	return 0;
}

/*
 * Holding LK_CKPT, outside any section: fold the journal into gdbm.  The
 * gdbm file changes only by checkpoint, so the long part (copy, apply,
 * fsync) runs without blocking readers or writers; only the swap takes
 * the write lock.
 */
static int
checkpoint_run(struct store *st, int forced)
{
	struct db_sum sum;
	uint64_t epoch, from;
	int rc = -1, jfd = -1;

	if (section_enter(st, 0) == -1)
		return -1;
	epoch = st->st_epoch;
	from = st->st_jend;
	section_leave(st);
	if (from == JHDR_SIZE ||
	    (!forced && from - JHDR_SIZE < checkpoint_due(st)))
		return 0; /* another process checkpointed meanwhile */
	/* Rather than fill the disk with a copy that cannot be finished. */
	if (!disk_has_room(st, 0, from - JHDR_SIZE))
		return -1;
	/* The overlay stays at from until our next section.  The new
	 * journal's megabytes of zeros are written here too, not under the
	 * lock. */
	if (checkpoint_build(st, &sum) == -1 ||
	    checkpoint_prepare_journal(st, &jfd) == -1) {
		(void)disk_full_failed(st, "the checkpoint's copy");
		goto out;
	}
	if (section_enter(st, SECTION_WRITE) == -1)
		goto out;
	/* A recovery ran meanwhile (1): the copy may not match the files;
	 * drop it, the next commit tries again. */
	rc = st->st_epoch == epoch ? checkpoint_swap(st, from, jfd, &sum) : 1;
	section_leave(st);
	if (rc == 0)
		disk_full_clear(st);
out:
	if (jfd != -1)
		close(jfd);
	if (rc != 0) {
		unlink_stale(st->st_tmppath);
		unlink_stale(st->st_jtmppath);
	}
	return rc == -1 ? -1 : 0;
}

static int
journal_covered(const struct store *st, uint64_t epoch, uint64_t end)
{
	/* A new epoch means a checkpoint or a recovery ran after our record
	 * was published, and both make the journal durable first. */
	return shm_load(&st->st_shm->epoch) != epoch ||
	       shm_load(&st->st_shm->synced) >= end;
}

/* Holding LK_SYNC: sync everything published so far. */
static int
journal_sync_lead(struct store *st, uint64_t epoch, uint64_t end)
{
	uint64_t target;
	int rc = -1;

	if (journal_covered(st, epoch, end)) {
		rc = 0;
		goto out;
	}
	/* The epoch cannot move while we hold LK_SYNC, so st_jfd is
	 * still the live journal. */
	target = shm_load(&st->st_shm->end);
	if (fdatasync(st->st_jfd) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	if (target > shm_load(&st->st_shm->synced))
		shm_store(&st->st_shm->synced, target);
	rc = 0;
out:
	lock_byte(st, F_UNLCK, LK_SYNC);
	sync_wake(st);
	return rc;
}

/*
 * Group commit: make the journal durable up to end.  One writer at a time
 * (LK_SYNC) syncs everything published so far; the others sleep on a
 * futex and are woken together, so those it covered return at once.
 * A queue on the fcntl lock would instead hand it over one waiter after
 * another, and cost a wake-up per commit.
 */
static int
journal_sync(struct store *st, uint64_t epoch, uint64_t end)
{
	uint32_t seq;
	int r;

	for (;;) {
		seq = __atomic_load_n(&st->st_shm->sync_seq, __ATOMIC_SEQ_CST);
		if (journal_covered(st, epoch, end))
			return 0;
		if ((r = lock_try(st, F_WRLCK, LK_SYNC)) == -1)
			return -1;
		if (r == 1)
			return journal_sync_lead(st, epoch, end);
		sync_wait(st, seq);
	}
}

/*
 * Under LK_RW exclusive: written, synced zeros up to need at least, so
 * that the record overwrites them and its fdatasync writes no inode (two
 * device requests instead of three).  Past them (rare: a checkpoint gives
 * the journal room to its threshold), grow the journal by a chunk and
 * sync it here, once, rather than in every commit's sync.
 *
 * On a full disk: a transaction leaves the last STORE_RESERVE_BYTES of
 * zeros to deletes (store_use_reserve), which cannot fail for space since
 * their blocks are written already; and it grows the journal only while
 * the disk keeps room for a checkpoint after it (disk_has_room), else it
 * is refused, STORE_FULL.  So the journal never takes the room that would
 * fold it, and space freed on the disk goes to the checkpoint first.
 * Deletes grow it whenever the disk lets them.
 */
static int
journal_reserve(struct store *st, uint64_t need)
{
	struct stat sb;
	uint64_t size, want = need;

	if (!st->st_txn_reserve)
		want += STORE_RESERVE_BYTES;
	if (want <= st->st_jsize)
		return 0;
	/* Another process may have grown it already. */
	if (fstat(st->st_jfd, &sb) == -1)
		goto fail;
	size = st->st_jsize = (uint64_t)sb.st_size;
	if (want <= size)
		return 0;
	/* journal_grow adds up to a chunk and an alignment past want. */
	if (!st->st_txn_reserve &&
	    !disk_has_room(st, want - size + JOURNAL_EXTEND + JOURNAL_ALIGN,
	        need - JHDR_SIZE))
		return STORE_FULL;
	if (journal_grow(st->st_jfd, &size, want) == -1 ||
	    fdatasync(st->st_jfd) == -1)
		goto fail;
	st->st_jsize = size;
	if (!st->st_txn_reserve)
		disk_full_clear(st);
	return 0;
fail:
	store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
	return disk_full_failed(st, "the journal");
}

/*
 * Under LK_RW exclusive: write the record of len bytes in st_buf at the
 * journal's end, off, and publish its end.  Busy is up while bytes past the
 * published end may be other than zeros (see journal_scan): a writer
 * killed here leaves it up, and the next locker rebuilds the header, which
 * zeroes them.  A failed write is zeroed and synced before busy comes down
 * (a shorter record must not end inside it); if that fails too, it stays
 * up.
 */
static int
journal_append(struct store *st, uint64_t off, size_t len)
{
	int rc;

	if ((rc = journal_reserve(st, off + len)) != 0)
		return rc;
	shm_set_busy(st, BUSY_APPEND);
	if (write_full(st->st_jfd, st->st_buf, len, off) == 0) {
		shm_store(&st->st_shm->end, off + len);
		shm_set_busy(st, 0);
		return 0;
	}
	store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
	if (write_zeros(st->st_jfd, off, off + len) == -1 ||
	    fdatasync(st->st_jfd) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		return -1;
	}
	shm_set_busy(st, 0);
	return -1;
}

/*
 * Under LK_RW exclusive.  The record opens with its mark: how far the
 * journal is durable now, which the record's own check then vouches for
 * (journal_check_fd says what for).
 */
static int
txn_encode(struct store *st, size_t *lenp)
{
	size_t body = JMARK_OP + st->st_txn_bytes, len = JREC_HDR + body, i;
	uint8_t *p;
	struct ment *e;
	uint32_t crc;

	if (buf_reserve(st, len) == -1)
		return -1;
	p = st->st_buf + JREC_HDR;
	p[0] = OP_MARK;
	put_u32(p + 1, 0);
	put_u32(p + 5, JMARK_LEN);
	put_u64(p + JOP_HDR, shm_load(&st->st_shm->synced));
	p += JMARK_OP;
	for (i = 0; i < st->st_txn.m_nb; i++) {
		for (e = st->st_txn.m_b[i]; e != NULL; e = e->next) {
			p[0] = e->tomb ? OP_DEL : OP_PUT;
			put_u32(p + 1, e->klen);
			put_u32(p + 5, e->vlen);
			memcpy(p + JOP_HDR, e->data, (size_t)e->klen + e->vlen);
			p += JOP_HDR + (size_t)e->klen + e->vlen;
		}
	}
	p = st->st_buf;
	put_u32(p, JREC_MAGIC);
	put_u32(p + 4, (uint32_t)body);
	put_u64(p + 8, st->st_jgen);
	put_u32(p + 16, (uint32_t)st->st_txn.m_n + 1);
	crc = hash_crc32c(0, p, 20);
	crc = hash_crc32c(crc, p + JREC_HDR, body);
	put_u32(p + 20, crc);
	*lenp = len;
	return 0;
}

static int
txn_add(struct store *st, const void *key, size_t klen, const void *val,
    size_t vlen, int tomb)
{
	struct ment *e, *old;
	size_t cost = JOP_HDR + klen + vlen;

	if (st->st_mode != MODE_WRITE || klen == 0 || klen > STORE_MAX_KEY ||
	    vlen > STORE_MAX_VALUE || st->st_txn_bytes + cost > STORE_MAX_TXN) {
		store_log(__func__, "%s",
		    st->st_mode != MODE_WRITE
		        ? "not in a write section"
		        : "key, value or transaction too large");
		return -1;
	}
	e = ment_new(store_hash(st, key, klen), key, klen, val, vlen, tomb);
	if (e == NULL || map_reserve(&st->st_txn, st->st_txn.m_n + 1) == -1) {
		store_log(__func__, "%s", strerror(errno));
		free(e);
		return -1;
	}
	if ((old = map_insert(&st->st_txn, e)) != NULL)
		st->st_txn_bytes -= JOP_HDR + (size_t)old->klen + old->vlen;
	free(old);
	st->st_txn_bytes += cost;
	return 0;
}

static time_t
monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Commits run the checkpoint once their own write is durable, unless
 * another process is running one.  After a failure, wait before copying
 * the whole gdbm file again.
 */
static void
checkpoint_if_due(struct store *st)
{
	if (monotonic_seconds() < st->st_ckpt_retry ||
	    lock_try(st, F_WRLCK, LK_CKPT) != 1)
		return;
	if (checkpoint_run(st, 0) == -1)
		st->st_ckpt_retry = monotonic_seconds() + CKPT_RETRY_SECONDS;
	lock_byte(st, F_UNLCK, LK_CKPT);
}

static int
read_boot_id(char *boot)
{
	FILE *fp;

	memset(boot, 0, BOOT_ID_LEN);
	if ((fp = fopen("/proc/sys/kernel/random/boot_id", "re")) == NULL) {
		store_log(__func__, "boot_id: %s", strerror(errno));
		return -1;
	}
	if (fgets(boot, BOOT_ID_LEN, fp) == NULL) {
		store_log(__func__, "boot_id: unreadable");
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

static int
open_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if ((dir = strndup(path, slash == path ? 1 : (size_t)(slash - path))) ==
	    NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return fd;
}

/* Lock file and shared header; the header's contents are checked later,
 * under the lock. */
static int
open_lock_file(struct store *st)
{
	struct stat sb;
	void *p;

	st->st_lfd = open(st->st_lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->st_lfd == -1 || fstat(st->st_lfd, &sb) == -1) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
		return -1;
	}
	/* Only ever grown, so two first openers cannot wipe a header. */
	if (sb.st_size < SHM_SIZE && ftruncate(st->st_lfd, SHM_SIZE) == -1) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
		return -1;
	}
	p = mmap(
	    NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, st->st_lfd, 0);
	if (p == MAP_FAILED) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
		return -1;
	}
	st->st_shm = p;
	return 0;
}

static int
store_paths(struct store *st, const char *path)
{
	if ((st->st_path = strdup(path)) == NULL ||
	    asprintf(&st->st_jpath, "%s.journal", path) == -1 ||
	    asprintf(&st->st_lpath, "%s.lock", path) == -1 ||
	    asprintf(&st->st_tmppath, "%s.tmp", path) == -1 ||
	    asprintf(&st->st_jtmppath, "%s.journal.tmp", path) == -1 ||
	    asprintf(&st->st_spath, "%s.sum", path) == -1 ||
	    asprintf(&st->st_stmppath, "%s.sum.tmp", path) == -1) {
		/* asprintf leaves its pointer undefined on failure. */
		st->st_jpath = st->st_lpath = st->st_tmppath = NULL;
		st->st_jtmppath = st->st_spath = st->st_stmppath = NULL;
		return -1;
	}
	return 0;
}

/* A handle on path's files that has opened none of them yet. */
static struct store *
store_bare(const char *path)
{
	struct store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->st_lfd = st->st_jfd = st->st_dfd = -1;
	st->st_jend = JHDR_SIZE;
	st->st_ckpt_bytes = STORE_CHECKPOINT_BYTES;
	st->st_forks = store_forks_now();
	if (pthread_once(&store_forks_once, store_forks_init) != 0 ||
	    store_forks_rc != 0) {
		errno = store_forks_rc != 0 ? store_forks_rc : EAGAIN;
		goto fail;
	}
	if (store_paths(st, path) == -1 ||
	    getrandom(st->st_sipkey, sizeof(st->st_sipkey), 0) == -1 ||
	    (st->st_dfd = open_dir(path)) == -1)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

int
store_open(const char *path, int create, struct store **out)
{
	struct store *st = NULL;
	int rc = -1, flags = SECTION_OPEN;

	if (!create && access(path, F_OK) == -1) {
		store_log(__func__, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((st = store_bare(path)) == NULL)
		goto fail;
	/* Without a boot id (no /proc), a header left by the previous boot
	 * is trusted; a journal that lost its unsynced tail then fails
	 * to read instead of being repaired. */
	read_boot_id(st->st_boot);
	if (open_lock_file(st) == -1)
		goto out;
	if (create)
		flags |= SECTION_CREATE;
	if (section_enter(st, flags) == -1 && st->st_damage[0] == '\0')
		goto out;
	section_leave(st);
	/* A checkpoint killed while copying leaves its copy behind, and
	 * perhaps its new journal's zeros.  (Not beside a damaged store:
	 * nothing there is touched.) */
	if (st->st_damage[0] == '\0' && lock_try(st, F_WRLCK, LK_CKPT) == 1) {
		unlink_stale(st->st_tmppath);
		unlink_stale(st->st_jtmppath);
		lock_byte(st, F_UNLCK, LK_CKPT);
	}
	*out = st;
	st = NULL;
	rc = 0;
	goto out;
fail:
	store_log(__func__, "%s: %s", path, strerror(errno));
out:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->st_forks == store_forks_now())
		section_leave(st);
	view_close(st);
	map_free(&st->st_overlay);
	map_free(&st->st_txn);
	if (st->st_shm != NULL)
		munmap(st->st_shm, SHM_SIZE);
	if (st->st_lfd != -1)
		close(st->st_lfd);
	if (st->st_dfd != -1)
		close(st->st_dfd);
	free(st->st_buf);
	free(st->st_path);
	free(st->st_jpath);
	free(st->st_lpath);
	free(st->st_tmppath);
	free(st->st_jtmppath);
	free(st->st_spath);
	free(st->st_stmppath);
	free(st);
}

const char *
store_damage(struct store *st)
{
	return damage_stands(st) ? st->st_damage : NULL;
}

void
store_set_checkpoint_bytes(struct store *st, size_t bytes)
{
	st->st_ckpt_bytes = bytes;
	st->st_ckpt_fixed = 1;
}

void
store_defer_checkpoints(struct store *st)
{
	st->st_ckpt_defer = 1;
}

void
store_maintain(struct store *st)
{
	if (st->st_mode != MODE_NONE || st->st_epoch == 0 ||
	    st->st_forks != store_forks_now() ||
	    shm_load(&st->st_shm->epoch) != st->st_epoch)
		return;
	if (shm_load(&st->st_shm->end) - JHDR_SIZE >= checkpoint_due(st))
		checkpoint_if_due(st);
}

void
store_idle(struct store *st)
{
	if (st->st_mode != MODE_NONE || st->st_epoch == 0 ||
	    st->st_forks != store_forks_now())
		return;
	if (shm_load(&st->st_shm->epoch) != st->st_epoch)
		view_close(st);
}

int
store_begin_read(struct store *st)
{
	if (st->st_mode == MODE_NONE && st->st_forks == store_forks_now() &&
	    view_current(st)) {
		st->st_mode = MODE_READ;
		return 0;
	}
	return section_enter(st, 0);
}

void
store_end_read(struct store *st)
{
	section_leave(st);
}

int
store_begin_write(struct store *st)
{
	return section_enter(st, SECTION_WRITE);
}

int
store_put(struct store *st, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	return txn_add(st, key, klen, val, vlen, 0);
}

int
store_delete(struct store *st, const void *key, size_t klen)
{
	return txn_add(st, key, klen, NULL, 0, 1);
}

int
store_commit(struct store *st)
{
	uint64_t off = st->st_jend, end, epoch = st->st_epoch;
	size_t len;
	int rc = -1;

	if (st->st_mode != MODE_WRITE) {
		store_log(__func__, "not in a write section");
		return -1;
	}
	if (st->st_txn.m_n == 0) {
		section_leave(st);
		return 0;
	}
	/* Reserve first: once the record is written, the overlay must take
	 * it without failing. */
	if (txn_encode(st, &len) == -1 ||
	    map_reserve(&st->st_overlay, st->st_overlay.m_n + st->st_txn.m_n) ==
	        -1)
		goto fail;
	if ((rc = journal_append(st, off, len)) != 0)
		goto fail;
	end = off + len;
	map_move(&st->st_overlay, &st->st_txn);
	st->st_jend = end;
	section_leave(st);
	buf_trim(st);
	if (journal_sync(st, epoch, end) == -1)
		return -1;
	if (end - JHDR_SIZE >= checkpoint_due(st) * (st->st_ckpt_defer ? 2 : 1))
		checkpoint_if_due(st);
	return 0;
fail:
	section_leave(st);
	buf_trim(st);
	return rc;
}

void
store_abort(struct store *st)
{
	if (st->st_mode == MODE_WRITE)
		section_leave(st);
}

/*
 * An epoch names one gdbm file and one journal, and the journal's records
 * below a published end never change, so (epoch, end) names the committed
 * state a view reads: the count moves when that pair does.
 */
uint64_t
store_changes(struct store *st)
{
	if (st->st_epoch != st->st_changes_epoch ||
	    st->st_jend != st->st_changes_jend) {
		st->st_changes_epoch = st->st_epoch;
		st->st_changes_jend = st->st_jend;
		st->st_changes++;
	}
	return st->st_changes;
}

void
store_use_reserve(struct store *st)
{
	if (st->st_mode == MODE_WRITE)
		st->st_txn_reserve = 1;
}

int
store_disk_full(struct store *st)
{
	return __atomic_load_n(&st->st_shm->disk_full, __ATOMIC_ACQUIRE) != 0;
}

static int
ment_copy(const struct ment *e, uint8_t **val, size_t *vlen)
{
	uint8_t *p;

	if (e->tomb)
		return STORE_NOTFOUND;
	if ((p = malloc(e->vlen > 0 ? e->vlen : 1)) == NULL) {
		store_log(__func__, "%s", strerror(errno));
		return -1;
	}
	memcpy(p, e->data + e->klen, e->vlen);
	*val = p;
	*vlen = e->vlen;
	return 0;
}

static int
gdbm_get(
    struct store *st, const void *key, size_t klen, uint8_t **val, size_t *vlen)
{
	datum k, v;

	k.dptr = (char *)key;
	k.dsize = (int)klen;
	v = gdbm_fetch(st->st_db, k);
	if (v.dptr == NULL) {
		if (gdbm_errno == GDBM_ITEM_NOT_FOUND)
			return STORE_NOTFOUND;
		gdbm_failed(st, __func__);
		return -1;
	}
	*val = (uint8_t *)v.dptr;
	*vlen = (size_t)v.dsize;
	return 0;
}

int
store_get(
    struct store *st, const void *key, size_t klen, uint8_t **val, size_t *vlen)
{
	const struct ment *e = NULL;
	uint64_t hash;

	if (st->st_mode == MODE_NONE || klen == 0 || klen > STORE_MAX_KEY) {
		store_log(__func__, "%s",
		    st->st_mode == MODE_NONE ? "not in a section"
		                             : "bad key length");
		return -1;
	}
	hash = store_hash(st, key, klen);
	if (st->st_mode == MODE_WRITE)
		e = map_get(&st->st_txn, hash, key, klen);
	if (e == NULL)
		e = map_get(&st->st_overlay, hash, key, klen);
	if (e != NULL)
		return ment_copy(e, val, vlen);
	return gdbm_get(st, key, klen, val, vlen);
}

struct iter {
	struct store *st;
	const void *prefix;
	size_t plen;
	int (*cb)(void *, const void *, size_t, const void *, size_t);
	void *arg;
};

static int
iter_match(const struct iter *it, const void *key, size_t klen)
{
	return klen >= it->plen && memcmp(key, it->prefix, it->plen) == 0;
}

/* Where iterate found a key; a newer layer holds the key's truth. */
enum iter_layer { LAYER_GDBM, LAYER_OVERLAY, LAYER_TXN };

static int
iter_shadowed(
    const struct iter *it, const void *key, size_t klen, enum iter_layer layer)
{
	const struct store *st = it->st;
	uint64_t hash;

	if (layer == LAYER_TXN)
		return 0;
	hash = store_hash(st, key, klen);
	if (st->st_mode == MODE_WRITE &&
	    map_get(&st->st_txn, hash, key, klen) != NULL)
		return 1;
	return layer == LAYER_GDBM &&
	       map_get(&st->st_overlay, hash, key, klen) != NULL;
}

static int
iter_gdbm_one(const struct iter *it, datum k)
{
	datum v;
	int rc;

	if (!iter_match(it, k.dptr, (size_t)k.dsize) ||
	    iter_shadowed(it, k.dptr, (size_t)k.dsize, LAYER_GDBM))
		return 0;
	if ((v = gdbm_fetch(it->st->st_db, k)).dptr == NULL) {
		gdbm_failed(it->st, __func__);
		return -1;
	}
	rc = it->cb(it->arg, k.dptr, (size_t)k.dsize, v.dptr, (size_t)v.dsize);
	free(v.dptr);
	return rc;
}

static int
iter_gdbm(const struct iter *it)
{
	datum k, next;
	int rc;

	for (k = gdbm_firstkey(it->st->st_db); k.dptr != NULL; k = next) {
		if ((rc = iter_gdbm_one(it, k)) != 0) {
			free(k.dptr);
			return rc;
		}
		next = gdbm_nextkey(it->st->st_db, k);
		free(k.dptr);
	}
	if (gdbm_errno != GDBM_ITEM_NOT_FOUND) {
		gdbm_failed(it->st, __func__);
		return -1;
	}
	return 0;
}

static int
iter_map(const struct iter *it, const struct map *m, enum iter_layer layer)
{
	const struct ment *e;
	size_t i;
	int rc;

	for (i = 0; i < m->m_nb; i++) {
		for (e = m->m_b[i]; e != NULL; e = e->next) {
			if (e->tomb || !iter_match(it, e->data, e->klen) ||
			    iter_shadowed(it, e->data, e->klen, layer))
				continue;
			rc = it->cb(it->arg, e->data, e->klen,
			    e->data + e->klen, e->vlen);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int
store_iterate(struct store *st, const void *prefix, size_t plen,
    int (*cb)(
        void *arg, const void *key, size_t klen, const void *val, size_t vlen),
    void *arg)
{
	struct iter it;
	int rc;

	if (st->st_mode == MODE_NONE) {
		store_log(__func__, "not in a section");
		return -1;
	}
	it.st = st;
	it.prefix = plen > 0 ? prefix : "";
	it.plen = plen;
	it.cb = cb;
	it.arg = arg;
	if ((rc = iter_gdbm(&it)) != 0 ||
	    (rc = iter_map(&it, &st->st_overlay, LAYER_OVERLAY)) != 0)
		return rc;
	if (st->st_mode == MODE_WRITE)
		rc = iter_map(&it, &st->st_txn, LAYER_TXN);
	return rc;
}

int
store_checkpoint(struct store *st)
{
	int rc;

	if (st->st_mode != MODE_NONE) {
		store_log(__func__, "called inside a section");
		return -1;
	}
	if (lock_byte(st, F_WRLCK, LK_CKPT) == -1)
		return -1;
	rc = checkpoint_run(st, 1);
	lock_byte(st, F_UNLCK, LK_CKPT);
	return rc;
}

/* ---- verify and salvage: offline, for an operator ---- */

/* A put (val NULL: a delete) into st's transaction, committed every
 * SALVAGE_BATCH bytes so a large salvage does not make one huge
 * transaction. */
static int
batch_put(struct store *st, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	if ((val != NULL ? store_put(st, key, klen, val, vlen)
	                 : store_delete(st, key, klen)) == -1)
		return -1;
	if (st->st_txn_bytes >= SALVAGE_BATCH &&
	    (store_commit(st) == -1 || store_begin_write(st) == -1))
		return -1;
	return 0;
}

/* A record name as text: printable bytes as they are, others as \xNN. */
static void
print_key(FILE *out, const void *key, size_t klen)
{
	const uint8_t *p = key;
	size_t i;

	for (i = 0; i < klen; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			fputc(p[i], out);
		else
			fprintf(out, "\\x%02x", p[i]);
	}
}

/* The journal of st (a bare handle): jc, and its records applied to m
 * if not NULL (past a damaged record too, but never a torn tail). */
static int
inspect_journal(struct store *st, struct store_jcheck *jc, struct map *m)
{
	uint8_t h[JHDR_SIZE];
	struct stat sb;
	int fd, rc = -1;

	if ((fd = open(st->st_jpath, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	if (sb.st_size < JHDR_SIZE || read_full(fd, h, sizeof(h), 0) == -1 ||
	    jhdr_decode(h, &st->st_jgen) == -1) {
		store_log(__func__, "%s: bad journal header", st->st_jpath);
		goto out;
	}
	if (journal_check_fd(st, fd, (uint64_t)sb.st_size, jc, NULL) == -1)
		goto out;
	rc = 0;
	if (m != NULL)
		rc =
		    jc->jc_damaged
		        ? journal_check_fd(st, fd, (uint64_t)sb.st_size, jc, m)
		        : journal_find_end(st, fd, (uint64_t)sb.st_size, jc, m);
out:
	if (fd != -1)
		close(fd);
	buf_trim(st);
	return rc;
}

static void
report_journal(struct store *st, const struct store_jcheck *jc, FILE *out)
{
	fprintf(out, "journal %s: %zu records check, up to offset %llu\n",
	    st->st_jpath, jc->jc_records, (unsigned long long)jc->jc_end);
	if (jc->jc_damaged) {
		fprintf(out,
		    "journal %s: DAMAGED at offset %llu: %llu bytes up to the "
		    "next record that checks (offset %llu) are lost; %zu "
		    "records check after them, in %zu runs\n",
		    st->st_jpath, (unsigned long long)jc->jc_end,
		    (unsigned long long)(jc->jc_next - jc->jc_end),
		    (unsigned long long)jc->jc_next, jc->jc_after, jc->jc_gaps);
	} else if (jc->jc_dirty > 0) {
		fprintf(out,
		    "journal %s: a torn tail after offset %llu (what a crash "
		    "leaves; the next opener cuts it)\n",
		    st->st_jpath, (unsigned long long)jc->jc_end);
	}
}

/* The keys the damaged bytes at off seem to name, read without a check:
 * their writes are what a salvage loses. */
static void
report_lost_keys(struct store *st, uint64_t off, uint64_t len, FILE *out)
{
	const uint8_t *p, *end;
	uint32_t klen, vlen;
	int fd;

	if ((fd = open(st->st_jpath, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (len > JREC_HDR + JMARK_OP && buf_reserve(st, (size_t)len) == 0 &&
	    read_full(fd, st->st_buf, (size_t)len, off) == 0) {
		end = st->st_buf + len;
		/* The mark's own framing may be what is damaged. */
		p = st->st_buf + JREC_HDR;
		if (p[0] == OP_MARK)
			p += JMARK_OP;
		for (; end - p >= JOP_HDR; p += JOP_HDR + (size_t)klen + vlen) {
			klen = get_u32(p + 1);
			vlen = get_u32(p + 5);
			if ((p[0] != OP_PUT && p[0] != OP_DEL) ||
			    (size_t)(end - p - JOP_HDR) < (size_t)klen + vlen)
				break;
			fputs("lost: the write of ", out);
			print_key(out, p + JOP_HDR, klen);
			fputs(" (as the damaged bytes name it)\n", out);
		}
		if (p != end)
			fprintf(out,
			    "lost: %llu damaged bytes at offset %llu whose "
			    "record names do not read\n",
			    (unsigned long long)(end - p),
			    (unsigned long long)(off +
			                         (uint64_t)(p - st->st_buf)));
	}
	close(fd);
	buf_trim(st);
}

/* Every record gdbm can read, to cb (if not NULL); counts to out.  Stops
 * after as many keys as the file has bytes, so a damaged chain cannot
 * loop.  0 if every key read back, 1 if not, -1 if cb failed. */
static int
inspect_gdbm(struct store *st, FILE *out,
    int (*cb)(struct store *, const void *, size_t, const void *, size_t),
    struct store *arg)
{
	GDBM_FILE db;
	datum k, v, next;
	size_t ok = 0, bad = 0, n = 0;
	int rc = 0, failed = 0;

	db = gdbm_open(
	    st->st_path, 0, GDBM_READER | GDBM_NOLOCK | GDBM_CLOEXEC, 0, NULL);
	if (db == NULL) {
		fprintf(out, "gdbm %s: DAMAGED: %s: no record of it reads\n",
		    st->st_path, gdbm_strerror(gdbm_errno));
		return 1;
	}
	for (k = gdbm_firstkey(db); k.dptr != NULL; k = next) {
		if ((v = gdbm_fetch(db, k)).dptr == NULL) {
			fputs("unreadable: ", out);
			print_key(out, k.dptr, (size_t)k.dsize);
			fputc('\n', out);
			bad++;
		} else {
			ok++;
			if (cb != NULL && cb(arg, k.dptr, (size_t)k.dsize,
			                      v.dptr, (size_t)v.dsize) == -1)
				failed = 1;
			free(v.dptr);
		}
		next = failed || ++n > st->st_dbsize ? (datum){NULL, 0}
		                                     : gdbm_nextkey(db, k);
		free(k.dptr);
	}
	if (!failed && (gdbm_errno != GDBM_ITEM_NOT_FOUND || bad > 0)) {
		fprintf(out, "gdbm %s: DAMAGED: %s after %zu records\n",
		    st->st_path,
		    gdbm_errno != GDBM_ITEM_NOT_FOUND
		        ? gdbm_strerror(gdbm_errno)
		        : "records that do not read",
		    ok);
		rc = 1;
	}
	fprintf(out, "gdbm %s: %zu records read back, %zu do not\n",
	    st->st_path, ok, bad);
	gdbm_close(db);
	return failed ? -1 : rc;
}

/* The gdbm file against <path>.sum: 0 if it matches (or there is
 * none yet), 1 if not. */
static int
inspect_sum(struct store *st, FILE *out)
{
	struct db_sum sums[SUM_MAX], got;
	size_t n = 0, i;
	int rc;

	if ((rc = db_sums_read(st, sums, &n)) == 1) {
		fprintf(out, "gdbm %s: no checksum yet (%s)\n", st->st_path,
		    st->st_spath);
		return 0;
	}
	if (rc == -1 || db_sum_path(st->st_path, &got) == -1) {
		fprintf(out, "gdbm %s: DAMAGED: %s: %s\n", st->st_path,
		    rc == -1 ? st->st_spath : st->st_path,
		    errno == EINVAL ? "its bytes are wrong" : strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++)
		if (sums[i].ds_size == got.ds_size &&
		    sums[i].ds_crc == got.ds_crc)
			return 0;
	fprintf(out,
	    "gdbm %s: DAMAGED: not the file its checkpoint wrote (its "
	    "checksum differs from %s)\n",
	    st->st_path, st->st_spath);
	return 1;
}

int
store_verify(const char *path, FILE *out)
{
	struct store_jcheck jc;
	struct store *st;
	struct stat sb;
	int rc = -1, bad;

	if ((st = store_bare(path)) == NULL)
		return -1;
	if (stat(st->st_path, &sb) == 0)
		st->st_dbsize = (uint64_t)sb.st_size;
	bad = inspect_sum(st, out);
	bad |= inspect_gdbm(st, out, NULL, NULL);
	if (inspect_journal(st, &jc, NULL) == -1) {
		fprintf(out, "journal %s: DAMAGED: unreadable\n", st->st_jpath);
		rc = 1;
		goto out;
	}
	report_journal(st, &jc, out);
	rc = bad || jc.jc_damaged;
	fprintf(out, "%s\n", rc ? "damaged" : "ok");
out:
	store_close(st);
	return rc;
}

/* The journal's records, as m holds them, after gdbm's: they are newer. */
static int
salvage_journal(struct store *ns, const struct map *m)
{
	const struct ment *e;
	size_t i;

	for (i = 0; i < m->m_nb; i++) {
		for (e = m->m_b[i]; e != NULL; e = e->next) {
			if (batch_put(ns, e->data, e->klen,
			        e->tomb ? NULL : e->data + e->klen,
			        e->vlen) == -1)
				return -1;
		}
	}
	return 0;
}

/* What st's journal and gdbm file hold, into the new store at npath,
 * folded into its gdbm file. */
static int
salvage_build(
    struct store *st, const char *npath, const struct map *m, FILE *out)
{
	struct store *ns = NULL;
	int rc = -1;

	if (store_open(npath, 1, &ns) == -1)
		return -1;
	store_set_checkpoint_bytes(ns, SIZE_MAX);
	if (store_begin_write(ns) == -1)
		goto out;
	if (inspect_gdbm(st, out, batch_put, ns) == -1 ||
	    salvage_journal(ns, m) == -1 || store_commit(ns) == -1 ||
	    store_checkpoint(ns) == -1)
		goto out;
	rc = 0;
out:
	store_close(ns);
	return rc;
}

/* The damaged files aside, the salvaged ones in their place; then every
 * process rebuilds its header and view from them (busy). */
static int
salvage_swap(struct store *st, const char *npath, FILE *out)
{
	char *aside = NULL, *jaside = NULL, *saside = NULL, *njpath = NULL;
	char *nlpath = NULL, *nspath = NULL;
	long long now = (long long)time(NULL);
	int rc = -1;

	if (asprintf(&aside, "%s.damaged-%lld", st->st_path, now) == -1 ||
	    asprintf(&jaside, "%s.damaged-%lld", st->st_jpath, now) == -1 ||
	    asprintf(&saside, "%s.damaged-%lld", st->st_spath, now) == -1 ||
	    asprintf(&njpath, "%s.journal", npath) == -1 ||
	    asprintf(&nlpath, "%s.lock", npath) == -1 ||
	    asprintf(&nspath, "%s.sum", npath) == -1) {
		aside = jaside = saside = njpath = nlpath = nspath = NULL;
		goto out;
	}
	if ((rename(st->st_spath, saside) == -1 && errno != ENOENT) ||
	    rename(st->st_path, aside) == -1 ||
	    rename(st->st_jpath, jaside) == -1 ||
	    rename(nspath, st->st_spath) == -1 ||
	    rename(npath, st->st_path) == -1 ||
	    rename(njpath, st->st_jpath) == -1 || sync_dir(st) == -1) {
		store_log(__func__, "%s: %s", st->st_path, strerror(errno));
		goto out;
	}
	unlink_stale(nlpath);
	if (st->st_shm->magic == SHM_MAGIC)
		shm_set_busy(st, BUSY_CHANGE);
	fprintf(out, "salvaged: the damaged files are kept as %s and %s\n",
	    aside, jaside);
	rc = 0;
out:
	free(aside);
	free(jaside);
	free(saside);
	free(njpath);
	free(nlpath);
	free(nspath);
	return rc;
}

static int
salvage_clear(const char *npath)
{
	static const char *const suffix[] = {"", ".journal", ".lock", ".tmp",
	    ".journal.tmp", ".sum", ".sum.tmp"};
	char *p;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if (asprintf(&p, "%s%s", npath, suffix[i]) == -1)
			return -1;
		rc = unlink_stale(p);
		free(p);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
store_salvage(const char *path, FILE *out)
{
	struct store_jcheck jc;
	struct store *st;
	struct map m = {NULL, 0, 0};
	struct stat sb;
	char *npath = NULL;
	int rc = -1, locked = 0;

	if ((st = store_bare(path)) == NULL)
		return -1;
	if (stat(st->st_path, &sb) == 0)
		st->st_dbsize = (uint64_t)sb.st_size;
	if (open_lock_file(st) == -1 ||
	    asprintf(&npath, "%s.salvage", path) == -1)
		goto out;
	/* No checkpoint and no section anywhere until the new files are in
	 * place. */
	if (lock_byte(st, F_WRLCK, LK_CKPT) == -1 ||
	    lock_byte(st, F_WRLCK, LK_RW) == -1)
		goto out;
	locked = 1;
	if (inspect_journal(st, &jc, &m) == -1 || salvage_clear(npath) == -1 ||
	    salvage_build(st, npath, &m, out) == -1)
		goto out;
	report_journal(st, &jc, out);
	if (jc.jc_damaged)
		report_lost_keys(st, jc.jc_end, jc.jc_next - jc.jc_end, out);
	rc = salvage_swap(st, npath, out);
out:
	if (locked) {
		lock_byte(st, F_UNLCK, LK_RW);
		lock_byte(st, F_UNLCK, LK_CKPT);
	}
	map_free(&m);
	free(npath);
	store_close(st);
	return rc;
}
