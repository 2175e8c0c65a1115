/*
 * test_store.c: the record store against real files in a temporary
 * directory: transactions, visibility between handles and processes,
 * checkpoints, torn journals, crash leftovers.  What every backend
 * promises (backend.h), backups included, is held by test_backend.c; these
 * are the gdbm store's own rules.
 *
 * A second struct store in the same process behaves like another process:
 * its locks are its own (open file description locks) and so is its view.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gdbm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/store.h"
#include "base/hash.h"
#include "unit.h"

static char test_dir[] = "/tmp/test_store.XXXXXX";

/* A fresh store path per test, so tests cannot lean on each other. */
static const char *
new_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s.db", test_dir, name);
	return path;
}

static int
put_str(struct store *st, const char *key, const char *val)
{
	if (store_begin_write(st) == -1)
		return -1;
	if (store_put(st, key, strlen(key), val, strlen(val)) == -1) {
		store_abort(st);
		return -1;
	}
	return store_commit(st);
}

static int
del_str(struct store *st, const char *key)
{
	if (store_begin_write(st) == -1)
		return -1;
	if (store_delete(st, key, strlen(key)) == -1) {
		store_abort(st);
		return -1;
	}
	return store_commit(st);
}

/* Inside a section: 1 if key holds exactly val, 0 if not, -1 if missing. */
static int
has_str(struct store *st, const char *key, const char *val)
{
	uint8_t *v = NULL;
	size_t vlen = 0;
	int rc;

	rc = store_get(st, key, strlen(key), &v, &vlen);
	if (rc == STORE_NOTFOUND)
		return -1;
	if (rc != 0)
		return 0;
	rc = vlen == strlen(val) && memcmp(v, val, vlen) == 0;
	free(v);
	return rc;
}

/* Its own read section. */
static int
read_str(struct store *st, const char *key, const char *val)
{
	int rc;

	if (store_begin_read(st) == -1)
		return 0;
	rc = has_str(st, key, val);
	store_end_read(st);
	return rc;
}

static off_t
file_size(const char *path, const char *suffix)
{
	char p[600];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return stat(p, &sb) == -1 ? -1 : sb.st_size;
}

static int
file_exists(const char *path, const char *suffix)
{
	return file_size(path, suffix) != -1;
}

/* The journal's format (common/backend/store.c), to find its end and to forge
 * records: a 32-byte header (generation at 16), then records of a 24-byte
 * header (magic, length, generation, op count, CRC32C) and ops, the first
 * of them the mark (type 3, no key, 8 bytes: the journal's durable end
 * when the record was written). */
#define J_HDR     32
#define J_REC_HDR 24
#define J_OP_HDR  9
#define J_MARK    (J_OP_HDR + 8)

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Bitwise CRC32C: slow and obviously right, unlike the store's. */
static uint32_t
crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
	int k;

	crc = ~crc;
	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
	}
	return ~crc;
}

/* Into buf: a record of generation gen, written when the journal was
 * durable to mark, putting key = val; its length. */
static size_t
forge_record(uint8_t *buf, const uint8_t *gen, uint64_t mark, const char *key,
    const char *val)
{
	size_t klen = strlen(key), vlen = strlen(val);
	size_t plen = J_MARK + J_OP_HDR + klen + vlen;
	uint8_t *op = buf + J_REC_HDR;

	le32(buf, 0x524a4643u);
	le32(buf + 4, (uint32_t)plen);
	memcpy(buf + 8, gen, 8);
	le32(buf + 16, 2);
	op[0] = 3;
	le32(op + 1, 0);
	le32(op + 5, 8);
	le64(op + J_OP_HDR, mark);
	op += J_MARK;
	op[0] = 1;
	le32(op + 1, (uint32_t)klen);
	le32(op + 5, (uint32_t)vlen);
	memcpy(op + J_OP_HDR, key, klen);
	memcpy(op + J_OP_HDR + klen, val, vlen);
	le32(buf + 20, crc32c(crc32c(0, buf, 20), buf + J_REC_HDR, plen));
	return J_REC_HDR + plen;
}

/* The whole journal file, malloc'd; *lenp its length. */
static uint8_t *
read_journal(const char *path, size_t *lenp)
{
	char p[600];
	uint8_t *buf = NULL;
	off_t size;
	int fd;

	snprintf(p, sizeof(p), "%s.journal", path);
	if ((size = file_size(path, ".journal")) < J_HDR ||
	    (fd = open(p, O_RDONLY)) == -1)
		return NULL;
	if ((buf = malloc((size_t)size)) != NULL &&
	    read(fd, buf, (size_t)size) != (ssize_t)size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*lenp = (size_t)size;
	return buf;
}

/* Where the records that check end (the journal's end: no longer its
 * length, which includes the zeros written ahead), or -1. */
static off_t
journal_end(const char *path)
{
	uint8_t *j;
	size_t len, off = J_HDR;
	uint32_t rlen;

	if ((j = read_journal(path, &len)) == NULL)
		return -1;
	while (len - off >= J_REC_HDR && get_le32(j + off) == 0x524a4643u) {
		rlen = get_le32(j + off + 4);
		if (len - off - J_REC_HDR < rlen ||
		    memcmp(j + off + 8, j + 16, 8) != 0 ||
		    crc32c(crc32c(0, j + off, 20), j + off + J_REC_HDR, rlen) !=
		        get_le32(j + off + 20))
			break;
		off += J_REC_HDR + rlen;
	}
	free(j);
	return (off_t)off;
}

/* Where the journal's record n (0 first) starts, or -1. */
static off_t
record_offset(const char *path, int n)
{
	uint8_t *j;
	size_t len, off = J_HDR;
	off_t at = -1;

	if ((j = read_journal(path, &len)) == NULL)
		return -1;
	for (; len - off >= J_REC_HDR && get_le32(j + off) == 0x524a4643u;
	     n--) {
		if (n == 0) {
			at = (off_t)off;
			break;
		}
		off += J_REC_HDR + get_le32(j + off + 4);
	}
	free(j);
	return at;
}

/* 1 if the journal holds exactly the bytes of was (wlen of them). */
static int
journal_is(const char *path, const uint8_t *was, size_t wlen)
{
	uint8_t *j;
	size_t len;
	int rc;

	if ((j = read_journal(path, &len)) == NULL)
		return 0;
	rc = len == wlen && memcmp(j, was, len) == 0;
	free(j);
	return rc;
}

/* 1 if every byte of the journal past its end is zero. */
static int
journal_zero_past_end(const char *path)
{
	off_t end = journal_end(path);
	uint8_t *j;
	size_t len, i;
	int rc = 1;

	if (end == -1 || (j = read_journal(path, &len)) == NULL)
		return 0;
	for (i = (size_t)end; i < len; i++)
		if (j[i] != 0)
			rc = 0;
	free(j);
	return rc;
}

static int
write_at(const char *path, const char *suffix, const void *buf, size_t len,
    off_t off)
{
	char p[600];
	int fd, rc;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	if ((fd = open(p, O_WRONLY)) == -1)
		return -1;
	rc = pwrite(fd, buf, len, off) == (ssize_t)len ? 0 : -1;
	close(fd);
	return rc;
}

/* Byte 12 of <path>.lock is the header's busy flag (struct store_shm):
 * what a process killed inside a checkpoint (1) or in its append (2)
 * leaves raised. */
static int
set_busy_flag(const char *path, uint32_t value)
{
	return write_at(path, ".lock", &value, sizeof(value), 12);
}

static int
remove_file(const char *path, const char *suffix)
{
	char p[600];

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return unlink(p);
}

static void
test_put_get_delete_round_trip(void)
{
	static const struct {
		int line;
		const char *key;
		size_t klen;
		const char *val;
		size_t vlen;
	} rows[] = {
	    {__LINE__, "s:a", 3, "one", 3},
	    {__LINE__, "s:b", 3, "", 0},           /* empty value */
	    {__LINE__, "k\0bin", 5, "v\0\xff", 3}, /* NULs in both */
	    {__LINE__, "x", 1, "a longer value", 14},
	};
	struct store *st = NULL;
	uint8_t *v;
	size_t i, vlen;

	CHECK(store_open(new_path("roundtrip"), 1, &st) == 0, "open creates");
	if (st == NULL)
		return;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_LINE(rows[i].line, store_begin_write(st) == 0, "begin");
		CHECK_LINE(rows[i].line,
		    store_put(st, rows[i].key, rows[i].klen, rows[i].val,
		        rows[i].vlen) == 0,
		    "put");
		CHECK_LINE(rows[i].line, store_commit(st) == 0, "commit");
	}
	CHECK(store_begin_read(st) == 0, "read section");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		v = NULL;
		vlen = 99;
		CHECK_LINE(rows[i].line,
		    store_get(st, rows[i].key, rows[i].klen, &v, &vlen) == 0,
		    "get finds the committed value");
		CHECK_LINE(rows[i].line,
		    v != NULL && vlen == rows[i].vlen &&
		        memcmp(v, rows[i].val, vlen) == 0,
		    "value round-trips byte for byte");
		free(v);
	}
	v = NULL;
	CHECK(
	    store_get(st, "nope", 4, &v, &vlen) == STORE_NOTFOUND && v == NULL,
	    "a missing key is STORE_NOTFOUND and leaves *val alone");
	store_end_read(st);

	CHECK(del_str(st, "s:a") == 0, "delete commits");
	CHECK(
	    del_str(st, "never-there") == 0, "deleting a missing key is fine");
	CHECK(read_str(st, "s:a", "one") == -1, "deleted key is gone");
	CHECK(put_str(st, "s:a", "two") == 0, "put after delete");
	CHECK(read_str(st, "s:a", "two") == 1, "put after delete is visible");
	store_close(st);
}

static void
test_misuse_is_refused(void)
{
	struct store *st = NULL;
	static uint8_t big[STORE_MAX_VALUE + 1];
	uint8_t *v;
	size_t vlen;

	CHECK(store_open(new_path("absent"), 0, &st) == -1 && st == NULL,
	    "open without create fails on a missing store");
	CHECK(store_open(new_path("misuse"), 1, &st) == 0, "open");
	if (st == NULL)
		return;
	CHECK(store_put(st, "k", 1, "v", 1) == -1, "put outside a section");
	CHECK(store_get(st, "k", 1, &v, &vlen) == -1, "get outside a section");
	CHECK(store_commit(st) == -1, "commit outside a section");
	CHECK(store_begin_read(st) == 0, "read section");
	CHECK(store_begin_read(st) == -1, "nested section refused");
	CHECK(store_put(st, "k", 1, "v", 1) == -1, "put in a read section");
	store_end_read(st);
	CHECK(store_begin_write(st) == 0, "write section");
	CHECK(store_put(st, "k", 0, "v", 1) == -1, "empty key refused");
	CHECK(store_put(st, "k", 1, big, sizeof(big)) == -1,
	    "value over STORE_MAX_VALUE refused");
	CHECK(store_put(st, "k", 1, big, STORE_MAX_VALUE) == 0,
	    "value of exactly STORE_MAX_VALUE accepted");
	CHECK(store_commit(st) == 0, "commit a 2 MiB value");
	CHECK(store_begin_read(st) == 0 &&
	          store_get(st, "k", 1, &v, &vlen) == 0 &&
	          vlen == STORE_MAX_VALUE,
	    "2 MiB value reads back");
	free(v);
	store_end_read(st);
	store_close(st);
}

static void
test_transaction_sees_its_own_writes(void)
{
	struct store *st = NULL, *other = NULL;
	const char *path = new_path("txn");

	CHECK(store_open(path, 1, &st) == 0 && store_open(path, 0, &other) == 0,
	    "open two handles");
	if (st == NULL || other == NULL)
		goto out;
	CHECK(put_str(st, "gone", "old") == 0, "seed");
	CHECK(store_begin_write(st) == 0, "write section");
	CHECK(store_put(st, "a", 1, "1", 1) == 0 &&
	          store_put(st, "a", 1, "2", 1) == 0,
	    "two puts of one key");
	CHECK(store_delete(st, "gone", 4) == 0, "delete in txn");
	CHECK(has_str(st, "a", "2") == 1, "txn sees its last put");
	CHECK(has_str(st, "gone", "old") == -1, "txn sees its own delete");
	CHECK(store_commit(st) == 0, "commit");
	CHECK(read_str(other, "a", "2") == 1, "other handle sees the last put");
	CHECK(read_str(other, "gone", "old") == -1,
	    "other handle sees the delete");
out:
	store_close(st);
	store_close(other);
}

static void
test_abort_discards_the_transaction(void)
{
	struct store *st = NULL;

	CHECK(store_open(new_path("abort"), 1, &st) == 0, "open");
	if (st == NULL)
		return;
	CHECK(put_str(st, "kept", "yes") == 0, "seed");
	CHECK(store_begin_write(st) == 0, "write section");
	CHECK(store_put(st, "dropped", 7, "x", 1) == 0 &&
	          store_delete(st, "kept", 4) == 0,
	    "buffer a put and a delete");
	store_abort(st);
	CHECK(read_str(st, "dropped", "x") == -1, "aborted put not applied");
	CHECK(read_str(st, "kept", "yes") == 1, "aborted delete not applied");
	CHECK(store_begin_write(st) == 0, "lock released by abort");
	store_abort(st);
	store_close(st);
}

static void
test_second_handle_sees_commits_and_readers_share(void)
{
	struct store *a = NULL, *b = NULL;
	const char *path = new_path("handles");

	CHECK(store_open(path, 1, &a) == 0 && store_open(path, 0, &b) == 0,
	    "open two handles");
	if (a == NULL || b == NULL)
		goto out;
	CHECK(read_str(b, "k", "1") == -1, "b: nothing yet");
	CHECK(put_str(a, "k", "1") == 0, "a commits");
	CHECK(read_str(b, "k", "1") == 1, "b sees a's commit");
	CHECK(put_str(b, "k", "2") == 0, "b commits");
	CHECK(read_str(a, "k", "2") == 1, "a sees b's commit");
	/* Would hang if a shared lock excluded another shared lock. */
	CHECK(store_begin_read(a) == 0 && store_begin_read(b) == 0,
	    "two read sections at once");
	CHECK(has_str(a, "k", "2") == 1 && has_str(b, "k", "2") == 1,
	    "both read");
	store_end_read(a);
	store_end_read(b);
out:
	store_close(a);
	store_close(b);
}

static double
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

/* A child that commits key=val, then holds a write section for hold_ms
 * (0: none).  It writes 'c' to fd once committed and 'h' once holding. */
static pid_t
spawn_writer(const char *path, const char *key, const char *val, int ckpt,
    int hold_ms, int fd)
{
	pid_t pid;

	if ((pid = fork()) != 0)
		return pid;
	{
		struct store *cst = NULL;
		int ok = store_open(path, 0, &cst) == 0 &&
		         put_str(cst, key, val) == 0 &&
		         (!ckpt || store_checkpoint(cst) == 0);

		if (write(fd, ok ? "c" : "n", 1) != 1 || !ok)
			_exit(1);
		if (hold_ms > 0) {
			if (store_begin_write(cst) == -1 ||
			    write(fd, "h", 1) != 1)
				_exit(1);
			usleep((useconds_t)hold_ms * 1000);
			store_abort(cst);
		}
		store_close(cst);
		_exit(0);
	}
}

/* A read section is a snapshot taken without a lock: another process
 * commits while it is open, and it goes on reading the state it began
 * with. */
static void
test_read_section_is_a_snapshot_that_no_writer_waits_for(void)
{
	struct store *st = NULL;
	const char *path = new_path("snapshot");
	int fds[2] = {-1, -1}, status = -1;
	char c = 0;
	pid_t pid;

	CHECK(store_open(path, 1, &st) == 0 && put_str(st, "k", "old") == 0,
	    "open and seed");
	if (st == NULL || pipe(fds) == -1)
		goto out;
	CHECK(store_begin_read(st) == 0 && has_str(st, "k", "old") == 1,
	    "read section");
	pid = spawn_writer(path, "k", "new", 0, 0, fds[1]);
	CHECK(read(fds[0], &c, 1) == 1 && c == 'c',
	    "another process commits while the section is open");
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "writer done");
	CHECK(
	    has_str(st, "k", "old") == 1, "the section still reads its state");
	store_end_read(st);
	CHECK(
	    read_str(st, "k", "new") == 1, "the next section sees the commit");
out:
	if (fds[0] != -1) {
		close(fds[0]);
		close(fds[1]);
	}
	store_close(st);
}

/*
 * A reader whose view only lacks published records reads them in without
 * the lock, so a writer holding it does not delay the reader.  Once a
 * checkpoint replaced the files, the reader takes the lock to reopen them,
 * and so waits for the writer.
 */
static void
test_reader_waits_for_a_writer_only_after_a_checkpoint(void)
{
	static const struct {
		int line;
		int ckpt;
		int waits;
	} rows[] = {
	    {__LINE__, 0, 0}, /* new records only: lock-free catch-up */
	    {__LINE__, 1, 1}, /* files replaced: the locked path */
	};
	struct store *st = NULL;
	const char *path = new_path("catchup");
	char val[16];
	double t0, took;
	int fds[2] = {-1, -1}, status;
	size_t i;
	char c;
	pid_t pid;

	CHECK(store_open(path, 1, &st) == 0 && put_str(st, "k", "0") == 0,
	    "open and seed");
	if (st == NULL || pipe(fds) == -1)
		goto out;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(val, sizeof(val), "%zu", i + 1);
		CHECK_LINE(rows[i].line, store_begin_read(st) == 0,
		    "reader has a view");
		store_end_read(st);
		pid = spawn_writer(path, "k", val, rows[i].ckpt, 400, fds[1]);
		CHECK_LINE(rows[i].line,
		    read(fds[0], &c, 1) == 1 && c == 'c' &&
		        read(fds[0], &c, 1) == 1 && c == 'h',
		    "writer committed and holds the write lock");
		t0 = now_ms();
		CHECK_LINE(rows[i].line, read_str(st, "k", val) == 1,
		    "reader sees the commit");
		took = now_ms() - t0;
		CHECK_LINE(rows[i].line,
		    rows[i].waits ? took > 200 : took < 200,
		    "reader waited for the writer only after a checkpoint");
		status = -1;
		CHECK_LINE(rows[i].line,
		    waitpid(pid, &status, 0) == pid && status == 0,
		    "writer done");
	}
out:
	if (fds[0] != -1) {
		close(fds[0]);
		close(fds[1]);
	}
	store_close(st);
}

#define RACE_COMMITS 1000
#define RACE_FIXED   50 /* keys that never change, folded into gdbm */

/* "<n>:" repeated to 100..1099 bytes: a torn or stale value shows. */
static size_t
race_value(char *buf, size_t size, unsigned long n)
{
	size_t len = 100 + n % 1000, i, dlen;
	char d[32];

	dlen = (size_t)snprintf(d, sizeof(d), "%lu:", n);
	if (len > size)
		len = size;
	for (i = 0; i < len; i++)
		buf[i] = d[i % dlen];
	return len;
}

/* In a section: the n of a race value at key, or -1 if malformed. */
static long
race_get(struct store *st, const char *key)
{
	char want[1200];
	uint8_t *v = NULL;
	unsigned long n = 0;
	long rc = -1;
	size_t len, i;

	if (store_get(st, key, strlen(key), &v, &len) != 0)
		return -1;
	for (i = 0; i < len && i < 9 && v[i] >= '0' && v[i] <= '9'; i++)
		n = n * 10 + (unsigned long)(v[i] - '0');
	if (i > 0 && len < sizeof(want) &&
	    race_value(want, sizeof(want), n) == len &&
	    memcmp(v, want, len) == 0)
		rc = (long)n;
	free(v);
	return rc;
}

static int
count_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	++*(int *)arg;
	return 0;
}

struct race_stats {
	long reads;
	long stale;     /* read below a value acknowledged before */
	long torn;      /* malformed, or the two keys of one txn differ */
	long backwards; /* a section older than the one before */
	long iter_bad;  /* an iteration missed or doubled a fixed key */
};

/* The reader: after learning from ack that n is committed, every read
 * section must show n or later, whole. */
static void
race_reader(const char *path, int ack, int out)
{
	struct race_stats rs;
	struct store *st = NULL;
	long acked = 0, a, b, last = 0, got;
	ssize_t r;
	int fixed, writer_gone = 0;

	memset(&rs, 0, sizeof(rs));
	if (store_open(path, 0, &st) == -1 ||
	    fcntl(ack, F_SETFL, O_NONBLOCK) == -1)
		_exit(2);
	for (;;) {
		while ((r = read(ack, &got, sizeof(got))) == sizeof(got))
			acked = got;
		writer_gone = r == 0;
		if (store_begin_read(st) == -1)
			_exit(3);
		a = race_get(st, "race:a");
		b = race_get(st, "race:b");
		rs.reads++;
		if (a < 0 || a != b)
			rs.torn++;
		if (a < acked)
			rs.stale++;
		if (a < last)
			rs.backwards++;
		last = a;
		if (rs.reads % 64 == 0) {
			fixed = 0;
			if (store_iterate(st, "fixed:", 6, count_cb, &fixed) !=
			        0 ||
			    fixed != RACE_FIXED)
				rs.iter_bad++;
		}
		store_end_read(st);
		if (acked == RACE_COMMITS || writer_gone)
			break;
	}
	store_close(st);
	_exit(write(out, &rs, sizeof(rs)) == sizeof(rs) ? 0 : 4);
}

/*
 * Lock-free readers against a writer that commits and checkpoints
 * non-stop: every section reads whole transactions, never goes back, and
 * shows every commit acknowledged (here: written to a pipe once
 * store_commit returned) before it began.
 */
static void
test_lock_free_readers_see_every_acknowledged_commit(void)
{
	struct store *st = NULL;
	struct race_stats rs;
	const char *path = new_path("race");
	char key[32], val[1200];
	int ack[2] = {-1, -1}, out[2] = {-1, -1}, status = -1, i, ok = 1;
	size_t len;
	long n;
	pid_t pid;

	CHECK(store_open(path, 1, &st) == 0, "open");
	if (st == NULL || pipe(ack) == -1 || pipe(out) == -1)
		goto out;
	store_set_checkpoint_bytes(st, 16384);
	CHECK(store_begin_write(st) == 0, "seed");
	len = race_value(val, sizeof(val), 0);
	for (i = 0; i < RACE_FIXED; i++) {
		snprintf(key, sizeof(key), "fixed:%d", i);
		ok &= store_put(st, key, strlen(key), "f", 1) == 0;
	}
	ok &= store_put(st, "race:a", 6, val, len) == 0 &&
	      store_put(st, "race:b", 6, val, len) == 0;
	CHECK(ok && store_commit(st) == 0 && store_checkpoint(st) == 0,
	    "seed commits");
	if ((pid = fork()) == 0) {
		close(ack[1]);
		race_reader(path, ack[0], out[1]);
	}
	for (n = 1; n <= RACE_COMMITS && ok; n++) {
		len = race_value(val, sizeof(val), (unsigned long)n);
		ok = store_begin_write(st) == 0 &&
		     store_put(st, "race:a", 6, val, len) == 0 &&
		     store_put(st, "race:b", 6, val, len) == 0 &&
		     store_commit(st) == 0 &&
		     (n % 50 != 0 || store_checkpoint(st) == 0) &&
		     write(ack[1], &n, sizeof(n)) == sizeof(n);
	}
	CHECK(ok, "writer commits, checkpointing as it goes");
	close(ack[1]);
	ack[1] = -1;
	memset(&rs, 0, sizeof(rs));
	CHECK(read(out[0], &rs, sizeof(rs)) == sizeof(rs) &&
	          waitpid(pid, &status, 0) == pid && status == 0,
	    "reader ran to the last commit");
	CHECK(rs.reads >= 100, "reader ran many sections");
	CHECK(rs.torn == 0, "no section saw a torn transaction");
	CHECK(rs.stale == 0, "no section missed an acknowledged commit");
	CHECK(rs.backwards == 0, "no section went back in time");
	CHECK(rs.iter_bad == 0, "iterations over replaced files are whole");
	if (rs.torn + rs.stale + rs.backwards + rs.iter_bad > 0)
		fprintf(stderr,
		    "race: %ld reads, %ld torn, %ld stale, "
		    "%ld backwards, %ld bad iterations\n",
		    rs.reads, rs.torn, rs.stale, rs.backwards, rs.iter_bad);
out:
	for (i = 0; i < 2; i++) {
		if (ack[i] != -1)
			close(ack[i]);
		if (out[i] != -1)
			close(out[i]);
	}
	store_close(st);
}

static void
test_checkpoints_keep_everything_readable(void)
{
	struct store *a = NULL, *b = NULL;
	const char *path = new_path("ckpt");
	char key[32], val[64];
	GDBM_FILE db;
	datum k, v;
	int i, gen, ok = 1;

	CHECK(store_open(path, 1, &a) == 0 && store_open(path, 0, &b) == 0,
	    "open two handles");
	if (a == NULL || b == NULL)
		goto out;
	store_set_checkpoint_bytes(a, 512);
	/* Several generations: each round overwrites, deletes and adds. */
	for (gen = 0; gen < 6; gen++) {
		for (i = 0; i < 40; i++) {
			snprintf(key, sizeof(key), "k:%d", i);
			snprintf(val, sizeof(val), "v%d.%d", gen, i);
			if ((i + gen) % 7 == 0 ? del_str(a, key) != 0
			                       : put_str(a, key, val) != 0)
				ok = 0;
		}
		CHECK(ok, "round of commits");
		CHECK(journal_end(path) < 512 + 200,
		    "journal folded once past the threshold");
		for (i = 0; i < 40; i++) {
			snprintf(key, sizeof(key), "k:%d", i);
			snprintf(val, sizeof(val), "v%d.%d", gen, i);
			CHECK_LINE(__LINE__,
			    read_str(b, key, val) == ((i + gen) % 7 ? 1 : -1),
			    "other handle reads the latest state");
		}
	}
	CHECK(store_checkpoint(a) == 0, "forced checkpoint");
	CHECK(journal_end(path) == 32, "journal empty after it");
	CHECK(!file_exists(path, ".tmp"), "no temporary file left");
	/* The gdbm file itself now holds the data, not just the journal. */
	db = gdbm_open(path, 0, GDBM_READER | GDBM_NOLOCK, 0, NULL);
	CHECK(db != NULL, "gdbm file opens with plain gdbm");
	if (db != NULL) {
		k.dptr = "k:1";
		k.dsize = 3;
		v = gdbm_fetch(db, k);
		CHECK(v.dptr != NULL && v.dsize == 4 &&
		          memcmp(v.dptr, "v5.1", 4) == 0,
		    "checkpointed value is in gdbm");
		free(v.dptr);
		gdbm_close(db);
	}
	CHECK(read_str(b, "k:1", "v5.1") == 1, "b reads after checkpoint");
	CHECK(read_str(b, "k:2", "v5.2") == -1, "deleted key stays deleted");
out:
	store_close(a);
	store_close(b);
}

/* Commit n keys "<prefix><i>" one per transaction; 0 if all committed. */
static int
write_keys(struct store *st, const char *prefix, int n)
{
	char key[32], val[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		snprintf(val, sizeof(val), "value %d", i);
		if (put_str(st, key, val) != 0)
			return -1;
	}
	return 0;
}

static int
count_keys(struct store *st, const char *prefix, int n)
{
	char key[32], val[32];
	int i, found = 0;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		snprintf(val, sizeof(val), "value %d", i);
		found += read_str(st, key, val) == 1;
	}
	return found;
}

/* Checkpoints copy gdbm outside the write lock: what other processes
 * commit meanwhile must move into the new journal. */
static void
test_checkpoints_during_concurrent_writes_lose_nothing(void)
{
	struct store *st = NULL;
	const char *path = new_path("ckptrace");
	int status = -1;
	pid_t pid;

	CHECK(store_open(path, 1, &st) == 0, "open");
	if (st == NULL)
		return;
	store_set_checkpoint_bytes(st, 2048);
	if ((pid = fork()) == 0) {
		struct store *cst = NULL;
		int rc = store_open(path, 0, &cst) == 0 ? 0 : 1;

		if (rc == 0) {
			store_set_checkpoint_bytes(cst, 1024);
			rc = write_keys(cst, "child:", 1500) == 0 ? 0 : 1;
		}
		store_close(cst);
		_exit(rc);
	}
	CHECK(write_keys(st, "parent:", 1500) == 0, "parent commits");
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "child commits");
	CHECK(count_keys(st, "parent:", 1500) == 1500,
	    "every parent write is there");
	CHECK(count_keys(st, "child:", 1500) == 1500,
	    "every child write is there");
	CHECK(
	    store_checkpoint(st) == 0 && count_keys(st, "child:", 1500) == 1500,
	    "and after a last checkpoint");
	store_close(st);
}

static void
test_iterate_visits_live_keys_with_prefix(void)
{
	struct store *st = NULL;
	struct unit_tally t;

	CHECK(store_open(new_path("iter"), 1, &st) == 0, "open");
	if (st == NULL)
		return;
	/* Spread keys over gdbm, the journal overlay and the transaction. */
	CHECK(put_str(st, "s:gdbm", "1") == 0 &&
	          put_str(st, "s:gone", "1") == 0 &&
	          put_str(st, "s:over", "1") == 0 &&
	          put_str(st, "u:other", "1") == 0 && store_checkpoint(st) == 0,
	    "seed gdbm");
	CHECK(put_str(st, "s:jrnl", "1") == 0 && del_str(st, "s:gone") == 0 &&
	          put_str(st, "s:over", "2") == 0,
	    "seed journal");
	CHECK(store_begin_write(st) == 0, "write section");
	CHECK(store_put(st, "s:txn", 5, "1", 1) == 0 &&
	          store_delete(st, "s:jrnl", 6) == 0,
	    "seed transaction");
	memset(&t, 0, sizeof(t));
	CHECK(store_iterate(st, "s:", 2, unit_tally_cb, &t) == 0, "iterate");
	CHECK(t.n == 3, "three live s: keys, each once");
	CHECK(strstr(t.seen, "s:gdbm,") && strstr(t.seen, "s:over,") &&
	          strstr(t.seen, "s:txn,"),
	    "the right ones");
	memset(&t, 0, sizeof(t));
	t.stop_at = 2;
	CHECK(store_iterate(st, "s:", 2, unit_tally_cb, &t) == 42 && t.n == 2,
	    "callback's non-zero stops and is returned");
	store_abort(st);
	memset(&t, 0, sizeof(t));
	CHECK(store_begin_read(st) == 0 &&
	          store_iterate(st, NULL, 0, unit_tally_cb, &t) == 0,
	    "iterate everything in a read section");
	CHECK(t.n == 4, "gdbm, over, jrnl and u:other");
	store_end_read(st);
	store_close(st);
}

static void
test_reopen_after_close_keeps_data(void)
{
	struct store *st = NULL;
	const char *path = new_path("reopen");

	CHECK(store_open(path, 1, &st) == 0 && put_str(st, "a", "1") == 0 &&
	          store_checkpoint(st) == 0 && put_str(st, "b", "2") == 0,
	    "write to gdbm and journal");
	store_close(st);
	st = NULL;
	CHECK(store_open(path, 0, &st) == 0, "reopen");
	CHECK(st && read_str(st, "a", "1") == 1 && read_str(st, "b", "2") == 1,
	    "both survive");
	store_close(st);
}

/* One transaction putting n values of len bytes, under keys prefix<i>. */
static int
put_many(struct store *st, const char *prefix, int n, size_t len)
{
	char key[64];
	uint8_t *val;
	int i, rc = -1;

	if ((val = malloc(len)) == NULL)
		return -1;
	memset(val, 'x', len);
	if (store_begin_write(st) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		if (store_put(st, key, strlen(key), val, len) == -1) {
			store_abort(st);
			goto out;
		}
	}
	rc = store_commit(st);
out:
	free(val);
	return rc;
}

/* A writer killed between its write and publishing the end leaves bytes
 * past the end, and the busy flag raised. */
static void
test_torn_journal_tail_is_repaired(void)
{
	static const char garbage[] = "CFJR\x10\0\0\0 torn half of a record";
	struct store *st = NULL;
	const char *path = new_path("torn");
	off_t good;

	CHECK(store_open(path, 1, &st) == 0 && put_str(st, "a", "1") == 0 &&
	          put_str(st, "b", "2") == 0,
	    "two records");
	store_close(st);
	st = NULL;
	good = journal_end(path);
	CHECK(write_at(path, ".journal", garbage, sizeof(garbage), good) == 0 &&
	          set_busy_flag(path, 2) == 0,
	    "leave a torn append and its writer's busy flag");
	CHECK(store_open(path, 0, &st) == 0, "open with a torn tail");
	CHECK(journal_end(path) == good && journal_zero_past_end(path),
	    "the rebuild zeroed the torn tail");
	CHECK(st && read_str(st, "a", "1") == 1 && read_str(st, "b", "2") == 1,
	    "earlier records survive");
	CHECK(st && put_str(st, "c", "3") == 0, "next writer commits");
	CHECK(journal_end(path) > good && st && read_str(st, "c", "3") == 1,
	    "its record replaced the garbage");
	store_close(st);
	st = NULL;

	/* As after a reboot: the shared header is gone, so the journal
	 * is validated by its CRCs at open. */
	good = journal_end(path);
	CHECK(write_at(path, ".journal", garbage, sizeof(garbage), good) == 0,
	    "write garbage at the end again");
	CHECK(remove_file(path, ".lock") == 0, "drop the shared header");
	CHECK(store_open(path, 0, &st) == 0, "open rebuilds the header");
	CHECK(journal_end(path) == good && journal_zero_past_end(path),
	    "open zeroed the torn tail");
	CHECK(st && read_str(st, "a", "1") == 1 && read_str(st, "c", "3") == 1,
	    "records survive the rebuild");
	store_close(st);
}

/* After a machine crash, writeback may have saved some unsynced blocks and
 * not others: garbage can follow zeros past the end. */
static void
test_garbage_after_zeros_past_the_end_is_zeroed(void)
{
	static const char garbage[] = "CFJR not a record at all";
	struct store *st = NULL;
	const char *path = new_path("farjunk");
	off_t end, size;

	CHECK(store_open(path, 1, &st) == 0 && put_str(st, "a", "1") == 0,
	    "one record");
	store_close(st);
	st = NULL;
	end = journal_end(path);
	size = file_size(path, ".journal");
	CHECK(size > end + 8192, "the journal has zeros past its end");
	CHECK(write_at(path, ".journal", garbage, sizeof(garbage),
	          end + 4096) == 0 &&
	          write_at(path, ".journal", garbage, sizeof(garbage),
	              size - (off_t)sizeof(garbage)) == 0 &&
	          remove_file(path, ".lock") == 0,
	    "garbage past the zeros, and a reboot");
	CHECK(store_open(path, 0, &st) == 0, "open rebuilds the header");
	CHECK(journal_end(path) == end && journal_zero_past_end(path),
	    "every byte past the end is zero again");
	CHECK(st && put_str(st, "b", "2") == 0 && read_str(st, "a", "1") == 1 &&
	          read_str(st, "b", "2") == 1,
	    "commits and reads go on");
	store_close(st);
}

/*
 * The case the zeros are for: a torn record at the end (it never reached
 * the disk whole) and a whole one after it (it did).  A newer record of
 * the torn one's length, written at the end, ends where the stale one
 * starts: replayed, it would undo a newer write.
 */
static void
test_stale_record_after_a_shorter_newer_one_is_never_replayed(void)
{
	struct store *st = NULL;
	const char *path = new_path("stale");
	uint8_t rec[256], gen[8], *j;
	size_t n, m, len;
	off_t end;

	CHECK(store_open(path, 1, &st) == 0 && put_str(st, "a", "1") == 0,
	    "one record");
	store_close(st);
	st = NULL;
	end = journal_end(path);
	j = read_journal(path, &len);
	CHECK(j != NULL, "read the journal");
	if (j == NULL)
		return;
	memcpy(gen, j + 16, sizeof(gen));
	free(j);
	n = forge_record(rec, gen, (uint64_t)end, "r", "torn-record-value");
	rec[n - 1] ^= 1; /* its CRC fails */
	m = forge_record(rec + n, gen, (uint64_t)end, "a", "stale");
	CHECK(write_at(path, ".journal", rec, n + m, end) == 0 &&
	          remove_file(path, ".lock") == 0,
	    "a torn record, a whole stale one, and a reboot");
	CHECK(store_open(path, 0, &st) == 0 && read_str(st, "a", "1") == 1,
	    "the torn record ends the journal");
	CHECK(st && put_str(st, "r", "newer-value-here!") == 0 &&
	          journal_end(path) == end + (off_t)n,
	    "a newer record ends where the stale one was");
	store_close(st);
	st = NULL;
	CHECK(remove_file(path, ".lock") == 0, "reboot again");
	CHECK(store_open(path, 0, &st) == 0 && read_str(st, "a", "1") == 1 &&
	          read_str(st, "r", "newer-value-here!") == 1,
	    "the stale record is not replayed");
	store_close(st);
}

/*
 * A crash tears only what no fdatasync had covered yet, and that may be a
 * group commit's earlier record while a later one reached the disk: so a
 * record that fails, followed by one that checks, is a torn tail unless
 * the later one was written once the journal was durable past the failed
 * one.  Then it is damage, and the store refuses to serve and changes
 * nothing.
 */
static void
test_a_failed_record_is_torn_only_if_no_later_record_vouches_for_it(void)
{
	static const struct {
		int line;
		int vouched; /* the later record's mark lies past the failed one
		              */
	} rows[] = {
	    {__LINE__, 0},
	    {__LINE__, 1},
	};
	struct store *st = NULL;
	const char *path;
	char name[32], at[64];
	uint8_t rec[256], gen[8], *j = NULL;
	size_t i, n, len;
	off_t end;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(name, sizeof(name), "vouch%zu", i);
		path = new_path(name);
		CHECK_LINE(rows[i].line,
		    store_open(path, 1, &st) == 0 && put_str(st, "a", "1") == 0,
		    "one record");
		store_close(st);
		st = NULL;
		end = journal_end(path);
		j = read_journal(path, &len);
		CHECK_LINE(rows[i].line, j != NULL, "read the journal");
		if (j == NULL)
			continue;
		memcpy(gen, j + 16, sizeof(gen));
		free(j);
		n = forge_record(rec, gen, (uint64_t)end, "r", "failed-record");
		rec[n - 1] ^= 1;
		n += forge_record(rec + n, gen,
		    rows[i].vouched ? (uint64_t)end + n : (uint64_t)end, "b",
		    "later");
		CHECK_LINE(rows[i].line,
		    write_at(path, ".journal", rec, n, end) == 0 &&
		        remove_file(path, ".lock") == 0,
		    "a failed record, one that checks after it, a reboot");
		j = read_journal(path, &len);
		CHECK_LINE(rows[i].line, store_open(path, 0, &st) == 0,
		    "the store opens (to say what it found)");
		snprintf(at, sizeof(at), "offset %lld", (long long)end);
		if (rows[i].vouched) {
			CHECK_LINE(rows[i].line,
			    st && store_damage(st) != NULL &&
			        strstr(store_damage(st), at) != NULL,
			    "damage, at the failed record's offset");
			CHECK_LINE(rows[i].line,
			    st && store_begin_read(st) == -1 &&
			        store_begin_write(st) == -1,
			    "no section on a damaged store");
			CHECK_LINE(rows[i].line, j && journal_is(path, j, len),
			    "every byte of the journal kept");
		} else {
			CHECK_LINE(rows[i].line,
			    st && store_damage(st) == NULL &&
			        read_str(st, "a", "1") == 1 &&
			        read_str(st, "b", "later") == -1,
			    "a torn tail: cut, the records before it read");
			CHECK_LINE(rows[i].line,
			    journal_end(path) == end &&
			        journal_zero_past_end(path),
			    "zeros past the end");
		}
		free(j);
		j = NULL;
		store_close(st);
		st = NULL;
	}
}

/*
 * One bit flipped inside an early record of a journal whose later records
 * were each written after it was synced: damage, after a reboot (the
 * opener checks the journal) as within the same boot (a process reads the
 * published records in).  Every byte stays; the damage clears once the
 * file is put right.
 */
static void
test_a_flipped_bit_inside_the_journal_refuses_it_and_keeps_every_byte(void)
{
	static const char value[] = "a value of some length";
	static const struct {
		int line;
		int reboot;
	} rows[] = {
	    {__LINE__, 1},
	    {__LINE__, 0},
	};
	struct store *st = NULL;
	const char *path;
	char name[32], key[16], at[64];
	uint8_t *j = NULL, bit;
	size_t i, len;
	off_t rec2;
	int k, ok;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(name, sizeof(name), "flip%zu", i);
		path = new_path(name);
		ok = store_open(path, 1, &st) == 0;
		for (k = 0; ok && k < 20; k++) {
			snprintf(key, sizeof(key), "k%d", k);
			ok = put_str(st, key, value) == 0;
		}
		CHECK_LINE(rows[i].line, ok, "twenty commits, each synced");
		store_close(st);
		st = NULL;
		rec2 = record_offset(path, 2);
		j = read_journal(path, &len);
		CHECK_LINE(
		    rows[i].line, rec2 > 0 && j != NULL, "find record 2");
		if (rec2 <= 0 || j == NULL)
			continue;
		bit = j[rec2 + 40] ^ 0x10;
		j[rec2 + 40] = bit;
		CHECK_LINE(rows[i].line,
		    write_at(path, ".journal", &bit, 1, rec2 + 40) == 0 &&
		        (!rows[i].reboot || remove_file(path, ".lock") == 0),
		    "flip one bit inside record 2");
		CHECK_LINE(rows[i].line, store_open(path, 0, &st) == 0,
		    "the store opens (to say what it found)");
		snprintf(at, sizeof(at), "offset %lld", (long long)rec2);
		CHECK_LINE(rows[i].line,
		    st && store_begin_read(st) == -1 && store_damage(st) &&
		        strstr(store_damage(st), at) != NULL,
		    "reads refused, and the damage names record 2's offset");
		CHECK_LINE(rows[i].line,
		    st && store_begin_write(st) == -1 &&
		        journal_is(path, j, len),
		    "writes refused, and every byte of the journal kept");
		bit ^= 0x10;
		CHECK_LINE(rows[i].line,
		    write_at(path, ".journal", &bit, 1, rec2 + 40) == 0 && st &&
		        store_damage(st) == NULL &&
		        read_str(st, "k0", value) == 1 &&
		        read_str(st, "k19", value) == 1,
		    "put right, the journal reads again, every record in it");
		free(j);
		j = NULL;
		store_close(st);
		st = NULL;
	}
}

/* A gdbm file gdbm cannot read holds what it cannot say: damaged, never
 * "not found". */
static void
test_a_gdbm_file_gdbm_cannot_read_is_damaged_not_empty(void)
{
	static const char junk[] = "JUNK";
	struct store *st = NULL;
	const char *path = new_path("gdbmjunk");

	CHECK(store_open(path, 1, &st) == 0 && put_str(st, "a", "1") == 0 &&
	          store_checkpoint(st) == 0,
	    "a record in gdbm");
	store_close(st);
	st = NULL;
	CHECK(write_at(path, "", junk, 4, 0) == 0, "its magic overwritten");
	CHECK(store_open(path, 0, &st) == 0, "the store opens (to say so)");
	CHECK(st && store_begin_read(st) == -1 && store_damage(st) != NULL &&
	          strstr(store_damage(st), path) != NULL,
	    "reads refused, and the damage names the gdbm file");
	store_close(st);
}

/* k<from>..k<to-1>, one commit each. */
static int
put_range(struct store *st, int from, int to)
{
	char key[16];

	for (; from < to; from++) {
		snprintf(key, sizeof(key), "k%d", from);
		if (put_str(st, key, key) == -1)
			return -1;
	}
	return 0;
}

/* 1 if the folder of path holds a file whose name starts with path's
 * file name and then suffix. */
static int
kept_aside(const char *path, const char *suffix)
{
	char pattern[700], cmd[800];

	snprintf(pattern, sizeof(pattern), "%s%s", path, suffix);
	snprintf(cmd, sizeof(cmd), "ls '%s'* >/dev/null 2>&1", pattern);
	return system(cmd) == 0;
}

/* The first place the file at path holds needle, or -1. */
static off_t
find_in(const char *path, const char *needle)
{
	uint8_t *buf;
	const uint8_t *hit;
	struct stat sb;
	off_t at = -1;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	if (fstat(fd, &sb) == 0 && (buf = malloc((size_t)sb.st_size)) != NULL) {
		if (read(fd, buf, (size_t)sb.st_size) == sb.st_size &&
		    (hit = memmem(buf, (size_t)sb.st_size, needle,
		         strlen(needle))) != NULL)
			at = hit - buf;
		free(buf);
	}
	close(fd);
	return at;
}

/* fn(path, a stream) into *text (malloc'd, the caller frees it): fn's
 * result, or -2. */
static int
report_of(int (*fn)(const char *, FILE *), const char *path, char **text)
{
	size_t len;
	FILE *out;
	int rc;

	*text = NULL;
	if ((out = open_memstream(text, &len)) == NULL)
		return -2;
	rc = fn(path, out);
	fclose(out);
	return rc;
}

/*
 * gdbm checks nothing it reads: one flipped bit in a key's bytes made it
 * answer "not found" for a record it held.  The checksum a checkpoint
 * keeps of the file makes that damage, for every key, and verify says so.
 */
static void
test_a_flipped_bit_in_a_gdbm_key_is_damage_not_a_missing_key(void)
{
	struct store *st = NULL;
	const char *path = new_path("gdbmflip");
	char *text = NULL;
	uint8_t bit;
	off_t at;

	CHECK(store_open(path, 1, &st) == 0 &&
	          put_str(st, "a-key-of-its-own", "v") == 0 &&
	          put_str(st, "another", "w") == 0 && store_checkpoint(st) == 0,
	    "two records in gdbm");
	store_close(st);
	st = NULL;
	at = find_in(path, "a-key-of-its-own");
	CHECK(at > 0, "the key's bytes in the gdbm file");
	bit = 'a' ^ 0x02;
	CHECK(at > 0 && write_at(path, "", &bit, 1, at) == 0, "flip a bit");
	CHECK(store_open(path, 0, &st) == 0, "the store opens (to say so)");
	CHECK(st && store_begin_read(st) == -1 && store_damage(st) != NULL &&
	          strstr(store_damage(st), path) != NULL,
	    "no read answers, so none answers \"not found\"");
	CHECK(report_of(store_verify, path, &text) == 1 && text &&
	          strstr(text, "not the file its checkpoint wrote") != NULL,
	    "verify says the gdbm file changed");
	free(text);
	store_close(st);
}

/*
 * verify reads and changes nothing; salvage writes a store of everything
 * that reads (gdbm's records, the journal's before and after the damaged
 * one), names the write it lost, and keeps the damaged files.
 */
static void
test_verify_and_salvage_say_exactly_what_is_lost(void)
{
	struct store *st = NULL;
	const char *path = new_path("salvage");
	char *text = NULL, at[64], key[16];
	size_t len;
	uint8_t *j = NULL, bit;
	off_t rec2;
	int k, ok = 1;

	CHECK(store_open(path, 1, &st) == 0 && put_range(st, 0, 10) == 0 &&
	          store_checkpoint(st) == 0 && put_range(st, 10, 20) == 0,
	    "ten records in gdbm, ten in the journal");
	store_close(st);
	st = NULL;
	CHECK(
	    report_of(store_verify, path, &text) == 0, "verify: a sound store");
	CHECK(text && strstr(text, "\nok\n") != NULL, "verify says ok");
	free(text);
	rec2 = record_offset(path, 2);
	j = read_journal(path, &len);
	CHECK(rec2 > 0 && j != NULL, "find record 2 (k12)");
	if (rec2 <= 0 || j == NULL)
		goto out;
	bit = j[rec2 + 30] ^ 0x01;
	j[rec2 + 30] = bit;
	CHECK(
	    write_at(path, ".journal", &bit, 1, rec2 + 30) == 0, "flip a bit");
	CHECK(report_of(store_verify, path, &text) == 1, "verify: damage");
	snprintf(at, sizeof(at), "DAMAGED at offset %lld", (long long)rec2);
	CHECK(text && strstr(text, at) != NULL, "verify names the offset");
	CHECK(journal_is(path, j, len), "verify changed nothing");
	free(text);
	CHECK(report_of(store_salvage, path, &text) == 0, "salvage");
	CHECK(text && strstr(text, "lost: the write of k12 ") != NULL,
	    "salvage names the write it lost");
	CHECK(kept_aside(path, ".damaged-") &&
	          kept_aside(path, ".journal.damaged-"),
	    "the damaged files are kept");
	free(text);
	CHECK(store_open(path, 0, &st) == 0 && store_damage(st) == NULL,
	    "the salvaged store opens whole");
	for (k = 0; st && k < 20; k++) {
		snprintf(key, sizeof(key), "k%d", k);
		ok &= read_str(st, key, key) == (k == 12 ? -1 : 1);
	}
	CHECK(st && ok, "every record but k12 reads back");
	CHECK(st && put_str(st, "k12", "again") == 0 &&
	          read_str(st, "k12", "again") == 1,
	    "and takes writes");
out:
	free(j);
	store_close(st);
}

/* The journal starts with 1 MiB of zeros; a commit past them grows it. */
static void
test_commit_past_the_preallocated_end_grows_the_journal(void)
{
	struct store *a = NULL, *b = NULL;
	const char *path = new_path("grow");
	uint8_t *v = NULL;
	size_t vlen = 0;
	off_t first, size;

	CHECK(store_open(path, 1, &a) == 0 && store_open(path, 0, &b) == 0,
	    "open two handles");
	if (a == NULL || b == NULL)
		goto out;
	store_set_checkpoint_bytes(a, 64u << 20);
	first = file_size(path, ".journal");
	CHECK(put_many(a, "big:", 1, (size_t)first) == 0 &&
	          put_str(a, "after", "1") == 0,
	    "a record longer than the zeros, and one more");
	CHECK(file_size(path, ".journal") > journal_end(path) &&
	          journal_end(path) > first && journal_zero_past_end(path),
	    "the journal grew, with zeros past its records");
	CHECK(read_str(b, "after", "1") == 1, "another handle reads it");
	size = file_size(path, ".journal");
	CHECK(put_str(b, "b", "2") == 0 && file_size(path, ".journal") == size,
	    "and commits into the zeros the first one added");
	store_close(a);
	store_close(b);
	a = b = NULL;
	CHECK(remove_file(path, ".lock") == 0, "reboot");
	CHECK(store_open(path, 0, &a) == 0 && read_str(a, "after", "1") == 1 &&
	          read_str(a, "b", "2") == 1 && store_begin_read(a) == 0 &&
	          store_get(a, "big:0", 5, &v, &vlen) == 0 &&
	          vlen == (size_t)first,
	    "all three survive a reopen");
	if (a != NULL)
		store_end_read(a);
	free(v);
out:
	store_close(a);
	store_close(b);
}

/* Earlier builds appended: their journal ended at its length, with no
 * zeros.  After an upgrade without a reboot the shared header is still
 * good, so no rebuild gives it room: the first commit does. */
static void
test_unpadded_journal_of_an_earlier_build_takes_commits(void)
{
	struct store *st = NULL;
	const char *path = new_path("unpadded");
	char p[600];
	off_t end;

	CHECK(store_open(path, 1, &st) == 0 && put_str(st, "a", "1") == 0,
	    "one record");
	store_close(st);
	st = NULL;
	end = journal_end(path);
	snprintf(p, sizeof(p), "%s.journal", path);
	CHECK(truncate(p, end) == 0, "cut the zeros, as earlier builds wrote");
	CHECK(store_open(path, 0, &st) == 0 && put_str(st, "b", "2") == 0,
	    "a commit over the unpadded journal");
	CHECK(file_size(path, ".journal") > journal_end(path) &&
	          journal_zero_past_end(path),
	    "it gave the journal room");
	store_close(st);
	st = NULL;
	CHECK(remove_file(path, ".lock") == 0, "reboot");
	CHECK(store_open(path, 0, &st) == 0 && read_str(st, "a", "1") == 1 &&
	          read_str(st, "b", "2") == 1,
	    "both records survive a reopen");
	store_close(st);
}

/*
 * A serving process defers checkpoints: the commit that crosses the
 * threshold answers at once, and store_maintain, in any process, folds
 * the journal after.  At twice the threshold a commit folds it itself.
 */
static void
test_a_deferred_checkpoint_runs_in_store_maintain_not_in_the_commit(void)
{
	struct store *a = NULL, *b = NULL;
	const char *path = new_path("ckptdefer");
	char key[32];
	off_t last = 0;
	int i, ok = 1;

	CHECK(store_open(path, 1, &a) == 0 && store_open(path, 0, &b) == 0,
	    "open two handles");
	if (a == NULL || b == NULL)
		goto out;
	store_set_checkpoint_bytes(a, 1024);
	store_set_checkpoint_bytes(b, 1024);
	store_defer_checkpoints(a);
	for (i = 0; ok && i < 1000 && journal_end(path) < 32 + 1024 + 100;
	     i++) {
		snprintf(key, sizeof(key), "k:%d", i);
		ok = put_str(a, key, "value") == 0;
	}
	CHECK(ok && journal_end(path) >= 32 + 1024,
	    "commits past the threshold leave the journal unfolded");
	CHECK(read_str(b, "k:0", "value") == 1, "b reads first (fresh view)");
	store_maintain(b);
	CHECK(journal_end(path) == 32,
	    "store_maintain in another handle folds it");
	CHECK(read_str(a, "k:0", "value") == 1, "a reads what was folded");
	store_maintain(a);
	CHECK(
	    journal_end(path) == 32, "store_maintain with none due is a no-op");
	for (i = 0; ok && i < 1000; i++) {
		last = journal_end(path);
		snprintf(key, sizeof(key), "j:%d", i);
		ok = put_str(a, key, "value") == 0;
		if (journal_end(path) == 32)
			break;
	}
	CHECK(ok && journal_end(path) == 32 && last > 32 + 1024 + 100,
	    "the commit folds it itself, only at twice the threshold");
	CHECK(read_str(b, "j:0", "value") == 1, "and nothing is lost");
out:
	store_close(a);
	store_close(b);
}

/* Without store_set_checkpoint_bytes: 4 MiB of journal, or a quarter of
 * a larger gdbm file (every checkpoint copies all of it). */
static void
test_checkpoint_threshold_grows_with_the_gdbm_file(void)
{
	struct store *st = NULL;
	const char *path = new_path("ckptshare");
	uint8_t *v = NULL;
	size_t vlen = 0;
	off_t db, quarter;
	int i;

	CHECK(store_open(path, 1, &st) == 0, "open");
	if (st == NULL)
		return;
	CHECK(put_many(st, "big:", 12, 2u << 20) == 0 &&
	          store_checkpoint(st) == 0,
	    "24 MiB of values folded into gdbm");
	db = file_size(path, "");
	quarter = db / 4;
	CHECK(quarter > (5 << 20), "gdbm file over 20 MiB");
	/* Past 4 MiB, short of the quarter: no checkpoint yet. */
	for (i = 0; i < 64 && journal_end(path) < (4 << 20) + (512 << 10); i++)
		if (put_many(st, i % 2 ? "a:" : "b:", 1, 512u << 10) != 0)
			break;
	CHECK(journal_end(path) >= (4 << 20) + (512 << 10) &&
	          journal_end(path) < quarter,
	    "journal kept past 4 MiB");
	/* Past the quarter: the commit that crosses it folds the journal. */
	for (i = 0; i < 64 && journal_end(path) > (1 << 20); i++)
		if (put_many(st, i % 2 ? "a:" : "b:", 1, 512u << 10) != 0)
			break;
	CHECK(journal_end(path) < (1 << 20) && file_size(path, "") >= db,
	    "journal folded past a quarter of gdbm");
	CHECK(store_begin_read(st) == 0 &&
	          store_get(st, "a:0", 3, &v, &vlen) == 0 &&
	          vlen == (512u << 10) && v[vlen - 1] == 'x',
	    "the last value reads back");
	store_end_read(st);
	free(v);
	store_close(st);
}

/*
 * A journal written by the bytewise table CRC32C of earlier builds (one
 * record: two puts), byte for byte: the CRCs of the header and of the
 * record must check with whatever CRC code this build runs, or an upgrade
 * would drop every record not yet checkpointed.
 */
static const uint8_t old_journal[] = {0x43, 0x46, 0x4a, 0x4f, 0x55, 0x52, 0x4e,
    0x31, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xbe, 0x8d, 0xf0, 0x4b, 0x00, 0x00, 0x00,
    0x00, 0x43, 0x46, 0x4a, 0x52, 0x40, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0d, 0x37, 0x48,
    0xf4, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x63, 0x72,
    0x63, 0x33, 0x32, 0x63, 0x2f, 0x6b, 0x65, 0x79, 0x61, 0x20, 0x76, 0x61,
    0x6c, 0x75, 0x65, 0x20, 0x77, 0x72, 0x69, 0x74, 0x74, 0x65, 0x6e, 0x20,
    0x62, 0x79, 0x20, 0x74, 0x68, 0x65, 0x20, 0x74, 0x61, 0x62, 0x6c, 0x65,
    0x20, 0x43, 0x52, 0x43, 0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x6b, 0x32, 0x76, 0x32};

static void
test_journal_of_an_earlier_build_replays(void)
{
	struct store *st = NULL;
	const char *path = new_path("oldcrc");
	char p[600];
	int fd;

	snprintf(p, sizeof(p), "%s.journal", path);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd != -1 && write(fd, old_journal, sizeof(old_journal)) ==
	                      (ssize_t)sizeof(old_journal),
	    "write the old journal");
	if (fd != -1)
		close(fd);
	/* No lock file: open validates every CRC and cuts what fails. */
	CHECK(store_open(path, 1, &st) == 0, "open over the old journal");
	CHECK(journal_end(path) == (off_t)sizeof(old_journal) &&
	          file_size(path, ".journal") > (off_t)sizeof(old_journal) &&
	          journal_zero_past_end(path),
	    "no byte of it cut as torn, and zeros written after it");
	CHECK(st &&
	          read_str(st, "crc32c/key",
	              "a value written by the table CRC") == 1 &&
	          read_str(st, "k2", "v2") == 1,
	    "both of its puts read back");
	store_close(st);
}

/*
 * base/hash.h, which frames every journal record: CRC32C's check value,
 * the same CRC as the bitwise one above at every length and alignment
 * (the SSE4.2 path takes eight bytes at a time), and a CRC continued over
 * pieces equal to the CRC of the whole.  SipHash-1-3 is only ever kept in
 * memory: what matters is that its key moves it.
 */
static void
test_hashes_match_their_definitions(void)
{
	static const uint64_t k0[2] = {0, 0}, k1[2] = {1, 0};
	uint8_t buf[67];
	size_t i, len, bad = 0;

	CHECK(hash_crc32c(0, "123456789", 9) == 0xe3069283u,
	    "CRC32C of \"123456789\" is its check value");
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (i = 0; i < 8; i++)
		for (len = 0; i + len <= sizeof(buf); len++)
			bad += hash_crc32c(0, buf + i, len) !=
			       crc32c(0, buf + i, len);
	CHECK(bad == 0, "CRC32C equals the bitwise CRC at every length");
	CHECK(hash_crc32c(hash_crc32c(0, buf, 13), buf + 13, 54) ==
	          hash_crc32c(0, buf, 67),
	    "a CRC continued over two pieces is the CRC of both");
	CHECK(hash_sip13(k0, buf, 20) == hash_sip13(k0, buf, 20) &&
	          hash_sip13(k0, buf, 20) != hash_sip13(k1, buf, 20) &&
	          hash_sip13(k0, buf, 20) != hash_sip13(k0, buf, 19),
	    "SipHash depends on its key and its input, and on nothing else");
}

static void
test_leftovers_of_a_killed_checkpoint_are_cleaned(void)
{
	static const char junk[] = "half-built gdbm copy";
	struct store *a = NULL, *b = NULL;
	const char *path = new_path("leftover");
	char tmp[600];
	int fd;

	CHECK(store_open(path, 1, &a) == 0 && store_open(path, 0, &b) == 0,
	    "open two handles");
	if (a == NULL || b == NULL)
		goto out;
	CHECK(put_str(a, "a", "1") == 0 && store_checkpoint(a) == 0 &&
	          put_str(a, "b", "2") == 0,
	    "data in gdbm and in the journal");
	CHECK(read_str(b, "b", "2") == 1, "b has a view");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd != -1 && write(fd, junk, sizeof(junk)) == sizeof(junk),
	    "leave a half-built copy");
	if (fd != -1)
		close(fd);
	CHECK(set_busy_flag(path, 1) == 0, "leave the busy flag raised");
	CHECK(read_str(b, "a", "1") == 1 && read_str(b, "b", "2") == 1,
	    "a reader recovers and reads everything");
	CHECK(put_str(a, "c", "3") == 0 && read_str(b, "c", "3") == 1,
	    "writes go on after recovery");
	store_close(b);
	b = NULL;
	CHECK(store_open(path, 0, &b) == 0 && !file_exists(path, ".tmp"),
	    "the next open removes the copy");
out:
	store_close(a);
	store_close(b);
}

static void
test_forked_child_commits_are_seen_by_parent(void)
{
	struct store *st = NULL;
	const char *path = new_path("fork");
	int status = -1, fds[2];
	pid_t pid;
	char c = 0;

	CHECK(store_open(path, 1, &st) == 0, "open");
	if (st == NULL)
		return;
	CHECK(put_str(st, "parent", "1") == 0, "parent commits first");
	if ((pid = fork()) == 0) {
		struct store *cst = NULL;

		_exit(store_open(path, 0, &cst) == 0 &&
		              read_str(cst, "parent", "1") == 1 &&
		              put_str(cst, "child", "own handle") == 0
		          ? 0
		          : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid && status == 0,
	    "child with its own handle commits");
	CHECK(read_str(st, "child", "own handle") == 1,
	    "parent sees the child's commit");
	/* A child using the handle it inherited must not share the
	 * parent's locks (taking them would just convert the parent's) nor
	 * its view's descriptors: it reopens them, so it waits for the
	 * parent's write section even to read. */
	CHECK(store_begin_write(st) == 0 && pipe(fds) == 0,
	    "parent holds a write section");
	if ((pid = fork()) == 0) {
		int ok = read_str(st, "parent", "1") == 1 &&
		         put_str(st, "child", "inherited") == 0;

		_exit(write(fds[1], ok ? "y" : "n", 1) == 1 && ok ? 0 : 1);
	}
	usleep(100000);
	CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0 &&
	          read(fds[0], &c, 1) == -1 && errno == EAGAIN,
	    "child's read waits for the parent's write section");
	store_abort(st);
	CHECK(fcntl(fds[0], F_SETFL, 0) == 0 && read(fds[0], &c, 1) == 1 &&
	          c == 'y',
	    "then reads and commits");
	CHECK(waitpid(pid, &status, 0) == pid && status == 0,
	    "child with the inherited handle exits cleanly");
	CHECK(read_str(st, "child", "inherited") == 1,
	    "parent sees that commit too");
	close(fds[0]);
	close(fds[1]);
	store_close(st);
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	/* A lock bug shows as a hang: turn it into a failure. */
	alarm(120);
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	test_put_get_delete_round_trip();
	test_misuse_is_refused();
	test_transaction_sees_its_own_writes();
	test_abort_discards_the_transaction();
	test_second_handle_sees_commits_and_readers_share();
	test_read_section_is_a_snapshot_that_no_writer_waits_for();
	test_reader_waits_for_a_writer_only_after_a_checkpoint();
	test_lock_free_readers_see_every_acknowledged_commit();
	test_checkpoints_keep_everything_readable();
	test_checkpoints_during_concurrent_writes_lose_nothing();
	test_checkpoint_threshold_grows_with_the_gdbm_file();
	test_a_deferred_checkpoint_runs_in_store_maintain_not_in_the_commit();
	test_iterate_visits_live_keys_with_prefix();
	test_reopen_after_close_keeps_data();
	test_torn_journal_tail_is_repaired();
	test_garbage_after_zeros_past_the_end_is_zeroed();
	test_stale_record_after_a_shorter_newer_one_is_never_replayed();
	test_a_failed_record_is_torn_only_if_no_later_record_vouches_for_it();
	test_a_flipped_bit_inside_the_journal_refuses_it_and_keeps_every_byte();
	test_a_gdbm_file_gdbm_cannot_read_is_damaged_not_empty();
	test_verify_and_salvage_say_exactly_what_is_lost();
	test_a_flipped_bit_in_a_gdbm_key_is_damage_not_a_missing_key();
	test_commit_past_the_preallocated_end_grows_the_journal();
	test_unpadded_journal_of_an_earlier_build_takes_commits();
	test_journal_of_an_earlier_build_replays();
	test_hashes_match_their_definitions();
	test_leftovers_of_a_killed_checkpoint_are_cleaned();
	test_forked_child_commits_are_seen_by_parent();
	/* Kept after a failure, for a look at the files. */
	if (unit_failed == 0)
		nftw(test_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "files kept in %s\n", test_dir);
	return unit_done();
}
