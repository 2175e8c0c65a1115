/*
 * store_checkpoint.c: folding the journal into a new gdbm file, and what
 * that needs.
 *
 * A checkpoint copies <path> to <path>.tmp, applies the overlay, syncs the
 * copy and takes its checksum, all without a lock; then, in a short write
 * section, renames it over <path> and replaces the journal by one that
 * carries the records committed meanwhile (checkpoint_swap).  Each state a
 * crash can leave reads the same.  Here too: <path>.sum, the checksums of
 * the gdbm files the last checkpoints wrote, which a gdbm file is read
 * against once per version (db_verify); when a checkpoint is due; and the
 * room on the disk a checkpoint needs, which the journal is never let take
 * (disk_has_room, store_disk_full).
 */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/metrics.h"
#include "backend/store.h"
#include "backend/store_impl.h"

#define CKPT_RETRY_SECONDS 10 /* after a failed checkpoint (disk full?) */
#define CKPT_DB_SHARE      4  /* journal due: this share of the gdbm file */
#define CKPT_MAX_BYTES     (16u << 20) /* but never more than this */
#define CKPT_ROOM_FACTOR   2 /* gdbm may take more than a record's bytes */

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
#define SUM_ENTRY 12 /* size (8), crc (4) */
#define SUM_SIZE  (8 + 4 + SUM_MAX * SUM_ENTRY + 4)

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

int
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
int
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
int
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
int
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

uint64_t
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

void
disk_full_clear(struct store *st)
{
	if (disk_full_mark(st, 0))
		store_log(
		    __func__, "%s: room for a checkpoint again", st->st_path);
}

/* After a write failed: STORE_FULL and the flag raised (logged once) if
 * the disk is full, else -1. */
int
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
int
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
int
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
	if (rc == 0) {
		disk_full_clear(st);
		metrics_count(METRICS_STORE_CHECKPOINTS);
	}
out:
	if (jfd != -1)
		close(jfd);
	if (rc != 0) {
		unlink_stale(st->st_tmppath);
		unlink_stale(st->st_jtmppath);
	}
	return rc == -1 ? -1 : 0;
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
void
checkpoint_if_due(struct store *st)
{
	if (monotonic_seconds() < st->st_ckpt_retry ||
	    lock_try(st, F_WRLCK, LK_CKPT) != 1)
		return;
	if (checkpoint_run(st, 0) == -1)
		st->st_ckpt_retry = monotonic_seconds() + CKPT_RETRY_SECONDS;
	lock_byte(st, F_UNLCK, LK_CKPT);
}
