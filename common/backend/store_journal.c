/*
 * store_journal.c: the redo journal, <path>.journal: its header; the
 * framing of a record (magic, length, generation, op count, CRC32C; a mark
 * op first, then puts and deletes); the scan that finds its end at
 * recovery and tells a torn tail from damage (journal_check_fd,
 * journal_scan); and a commit's write path: room (journal_reserve),
 * append and publish (journal_append), group commit (journal_sync).
 *
 * Invariants: the bytes below the published end never change while the
 * journal is live; past it lie only zeros synced earlier and records
 * written at the end one after another (busy up meanwhile); a record's
 * generation ties it to its journal, so no record replays in another.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "backend/store.h"
#include "backend/store_impl.h"

void
jhdr_encode(uint8_t *h, uint64_t gen)
{
	memset(h, 0, JHDR_SIZE);
	memcpy(h, JHDR_MAGIC, 8);
	put_u32(h + 8, 1);
	put_u64(h + 16, gen);
	put_u32(h + 24, hash_crc32c(0, h, 24));
}

int
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
int
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
int
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
int
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
int
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
int
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
size_t
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
int
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
int
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
int
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
int
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
int
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
int
jrec_encode(struct store *st, size_t *lenp)
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
