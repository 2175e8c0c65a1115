/*
 * test_backend.c: the contract of backend.h, held against every backend in
 * the table below (today the gdbm store, in a temporary directory).  The
 * tests call struct backend_ops only, so a new backend joins by adding
 * its row; a second process is a child of fork() with a handle of its own.
 *
 * The PostgreSQL backend joins when it is built and COFFER_TEST_PG holds
 * the connection string of a database on a server the test may create
 * databases on (tests/suites/backend_pg_test.sh starts one with
 * tests/pg.sh): a store called name is then the database ct_<name>, made
 * afresh by the first open of the run.
 *
 * A row's settle() moves what is committed to where the backend keeps it
 * at rest (the gdbm store: a checkpoint folds the journal into gdbm), so
 * that the tests read records from both places.  It is a test hook, not
 * part of the interface.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <ftw.h>
#include <gdbm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef COFFER_WITH_PG
#include <libpq-fe.h>
#endif

#include "backend/backend.h"
#include "backend/store.h"
#include "unit.h"

static char test_dir[] = "/tmp/test_backend.XXXXXX";

struct backend_case {
	const char *name;
	const struct backend_ops *ops;
	/* What ops->open takes for a store called name (none yet). */
	void (*where)(const char *name, char *buf, size_t len);
	/* Outside a section: committed records to where they rest.  0 or -1. */
	int (*settle)(struct backend *b);
	/* NULL, or 1 when the backend can be tested here. */
	int (*ready)(void);
};

static void
gdbm_where(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.db", test_dir, name);
}

static int
gdbm_settle(struct backend *b)
{
	return store_checkpoint(backend_gdbm_store(b));
}

#ifdef COFFER_WITH_PG
static int
pg_ready(void)
{
	return getenv("COFFER_TEST_PG") != NULL;
}

static void
pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* A statement on the server as COFFER_TEST_PG's user, in its database or
 * in db: 0 (or the SQLSTATE ignored_state), or -1. */
static int
pg_admin_in(const char *db, const char *sql, const char *ignored_state)
{
	PGconn *c;
	PGresult *r = NULL;
	const char *st;
	char conninfo[600];
	int rc = -1;

	snprintf(conninfo, sizeof(conninfo), "%s%s%s", getenv("COFFER_TEST_PG"),
	    db != NULL ? " dbname=" : "", db != NULL ? db : "");
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "COFFER_TEST_PG: %s", PQerrorMessage(c));
		goto out;
	}
	PQsetNoticeProcessor(c, pg_quiet, NULL);
	r = PQexec(c, sql);
	st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK ||
	    (st != NULL && ignored_state != NULL && !strcmp(st, ignored_state)))
		rc = 0;
	else
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
out:
	PQclear(r);
	PQfinish(c);
	return rc;
}

static int
pg_admin(const char *sql, const char *ignored_state)
{
	return pg_admin_in(NULL, sql, ignored_state);
}

/* The database ct_<name>, dropped and made again at its first use in the
 * run (forked children inherit what the parent made). */
static void
pg_where(const char *name, char *buf, size_t len)
{
	static char made[32][32];
	static size_t nmade;
	char sql[128];
	size_t i;

	snprintf(buf, len, "%s dbname=ct_%s", getenv("COFFER_TEST_PG"), name);
	for (i = 0; i < nmade; i++)
		if (!strcmp(made[i], name))
			return;
	if (nmade < sizeof(made) / sizeof(made[0]))
		snprintf(made[nmade++], sizeof(made[0]), "%s", name);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS ct_%s WITH (FORCE)",
	    name);
	pg_admin(sql, NULL);
	snprintf(sql, sizeof(sql), "CREATE DATABASE ct_%s", name);
	pg_admin(sql, "42P04");
}

/* A checkpoint writes the WAL's changes into the tables' files. */
static int
pg_settle(struct backend *b)
{
	(void)b;
	return pg_admin("CHECKPOINT", NULL);
}
#endif

static const struct backend_case cases[] = {
    {"gdbm", &backend_gdbm, gdbm_where, gdbm_settle, NULL},
#ifdef COFFER_WITH_PG
    {"postgresql", &backend_postgresql, pg_where, pg_settle, pg_ready},
#endif
};

static struct backend *
open_store(const struct backend_case *c, const char *name, int create)
{
	struct backend *b = NULL;
	char where[600];

	c->where(name, where, sizeof(where));
	if (c->ops->open(where, create, &b) != 0)
		return NULL;
	return b;
}

static void
close_store(struct backend *b)
{
	if (b != NULL)
		b->ops->close(b);
}

/* Its own transaction. */
static int
put_str(struct backend *b, const char *key, const char *val)
{
	if (b->ops->begin_write(b, 0) != 0)
		return -1;
	if (b->ops->put(b, key, strlen(key), val, strlen(val)) != 0) {
		b->ops->abort(b);
		return -1;
	}
	return b->ops->commit(b);
}

static int
del_str(struct backend *b, const char *key)
{
	if (b->ops->begin_write(b, BACKEND_DELETES) != 0)
		return -1;
	if (b->ops->del(b, key, strlen(key)) != 0) {
		b->ops->abort(b);
		return -1;
	}
	return b->ops->commit(b);
}

/* Inside a section: 1 if key holds exactly val, 0 if not, -1 if missing. */
static int
has_str(struct backend *b, const char *key, const char *val)
{
	uint8_t *v = NULL;
	size_t vlen = 0;
	int rc;

	rc = b->ops->get(b, key, strlen(key), &v, &vlen);
	if (rc == BACKEND_NOTFOUND)
		return -1;
	if (rc != 0)
		return 0;
	rc = vlen == strlen(val) && memcmp(v, val, vlen) == 0;
	free(v);
	return rc;
}

/* Its own read section. */
static int
read_str(struct backend *b, const char *key, const char *val)
{
	int rc;

	if (b->ops->begin_read(b) != 0)
		return 0;
	rc = has_str(b, key, val);
	b->ops->end_read(b);
	return rc;
}

/* In a section: how many keys start with prefix. */
static int
count_prefix(struct backend *b, const char *prefix)
{
	struct unit_tally t;

	memset(&t, 0, sizeof(t));
	if (b->ops->iterate(b, prefix, strlen(prefix), unit_tally_cb, &t) != 0)
		return -1;
	return t.n;
}

/* A child that opens its own handle on name and commits key=val, then
 * exits 0. */
static pid_t
spawn_committer(const struct backend_case *c, const char *name, const char *key,
    const char *val)
{
	struct backend *b;
	pid_t pid;

	if ((pid = fork()) != 0)
		return pid;
	b = open_store(c, name, 0);
	_exit(b != NULL && put_str(b, key, val) == 0 ? 0 : 1);
}

static int
child_ok(pid_t pid)
{
	int status = -1;

	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void
test_a_value_put_reads_back_byte_for_byte_and_a_delete_removes_it(
    const struct backend_case *c)
{
	static char bigkey[BACKEND_MAX_KEY];
	static char bigval[BACKEND_MAX_VALUE];
	static const struct {
		int line;
		const char *key;
		size_t klen;
		const char *val;
		size_t vlen;
	} rows[] = {
	    {__LINE__, "s:a", 3, "one", 3},
	    {__LINE__, "s:b", 3, "", 0},           /* an empty value */
	    {__LINE__, "k\0bin", 5, "v\0\xff", 3}, /* NULs in both */
	    {__LINE__, bigkey, sizeof(bigkey), "longest key", 11},
	    {__LINE__, "big", 3, bigval, sizeof(bigval)},
	};
	struct backend *b;
	uint8_t *v;
	size_t i, vlen;

	memset(bigkey, 'k', sizeof(bigkey));
	memset(bigval, 'v', sizeof(bigval));
	CHECK((b = open_store(c, "roundtrip", 1)) != NULL, "open creates");
	if (b == NULL)
		return;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_LINE(rows[i].line,
		    b->ops->begin_write(b, 0) == 0 &&
		        b->ops->put(b, rows[i].key, rows[i].klen, rows[i].val,
		            rows[i].vlen) == 0 &&
		        b->ops->commit(b) == 0,
		    "put commits");
		if (i == 1)
			CHECK(c->settle(b) == 0, "settle between the rows");
	}
	CHECK(b->ops->begin_read(b) == 0, "read section");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		v = NULL;
		vlen = 99;
		CHECK_LINE(rows[i].line,
		    b->ops->get(b, rows[i].key, rows[i].klen, &v, &vlen) == 0 &&
		        v != NULL && vlen == rows[i].vlen &&
		        memcmp(v, rows[i].val, vlen) == 0,
		    "reads back byte for byte");
		free(v);
	}
	b->ops->end_read(b);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_LINE(rows[i].line,
		    b->ops->begin_write(b, BACKEND_DELETES) == 0 &&
		        b->ops->del(b, rows[i].key, rows[i].klen) == 0 &&
		        b->ops->commit(b) == 0,
		    "delete commits");
		v = NULL;
		CHECK_LINE(rows[i].line,
		    b->ops->begin_read(b) == 0 &&
		        b->ops->get(b, rows[i].key, rows[i].klen, &v, &vlen) ==
		            BACKEND_NOTFOUND &&
		        v == NULL,
		    "and the key is gone");
		b->ops->end_read(b);
	}
	CHECK(del_str(b, "never-there") == 0, "deleting a missing key is fine");
	CHECK(put_str(b, "s:a", "two") == 0 && read_str(b, "s:a", "two") == 1,
	    "a key can be put again after its delete");
	close_store(b);
}

static void
test_not_found_is_told_apart_from_an_error(const struct backend_case *c)
{
	struct backend *b;
	uint8_t *v = NULL;
	size_t vlen = 7;

	CHECK(open_store(c, "absent", 0) == NULL,
	    "open without create fails on a missing store");
	CHECK((b = open_store(c, "notfound", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(b->ops->damage(b) == NULL, "a healthy store has no damage");
	CHECK(b->ops->get(b, "k", 1, &v, &vlen) == -1,
	    "get outside a section is an error, not a missing key");
	CHECK(b->ops->put(b, "k", 1, "v", 1) == -1, "put outside a section");
	CHECK(b->ops->commit(b) == -1, "commit outside a section");
	b->ops->abort(b); /* nothing to abort: harmless */
	CHECK(b->ops->begin_read(b) == 0, "read section");
	CHECK(b->ops->get(b, "k", 1, &v, &vlen) == BACKEND_NOTFOUND &&
	          v == NULL && vlen == 7,
	    "a missing key is BACKEND_NOTFOUND and leaves the out-parameters");
	CHECK(b->ops->begin_read(b) == -1, "a second section is refused");
	CHECK(b->ops->put(b, "k", 1, "v", 1) == -1 &&
	          b->ops->del(b, "k", 1) == -1,
	    "a read section does not write");
	b->ops->end_read(b);
	CHECK(b->ops->begin_write(b, 0) == 0, "write section");
	CHECK(b->ops->put(b, "k", 0, "v", 1) == -1, "an empty key is refused");
	b->ops->abort(b);
	close_store(b);
}

static void
test_a_write_section_reads_its_own_writes(const struct backend_case *c)
{
	struct backend *b;
	struct unit_tally t;

	CHECK((b = open_store(c, "ownwrites", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(put_str(b, "gone", "old") == 0 && put_str(b, "kept", "1") == 0,
	    "seed");
	CHECK(b->ops->begin_write(b, 0) == 0, "write section");
	CHECK(b->ops->put(b, "a", 1, "1", 1) == 0 &&
	          b->ops->put(b, "a", 1, "2", 1) == 0 &&
	          b->ops->del(b, "gone", 4) == 0,
	    "two puts of one key and a delete");
	CHECK(has_str(b, "a", "2") == 1, "it reads its last put");
	CHECK(has_str(b, "gone", "old") == -1, "and its own delete");
	CHECK(has_str(b, "kept", "1") == 1, "and what it did not touch");
	memset(&t, 0, sizeof(t));
	CHECK(b->ops->iterate(b, "", 0, unit_tally_cb, &t) == 0 && t.n == 2 &&
	          strstr(t.seen, "a,") && strstr(t.seen, "kept,"),
	    "iterate shows the pending writes too");
	CHECK(b->ops->commit(b) == 0, "commit");
	CHECK(read_str(b, "a", "2") == 1 && read_str(b, "gone", "old") == -1,
	    "the commit holds what the section read");
	close_store(b);
}

static void
test_abort_discards_the_transaction(const struct backend_case *c)
{
	struct backend *b;

	CHECK((b = open_store(c, "abort", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(put_str(b, "kept", "yes") == 0, "seed");
	CHECK(b->ops->begin_write(b, 0) == 0 &&
	          b->ops->put(b, "dropped", 7, "x", 1) == 0 &&
	          b->ops->del(b, "kept", 4) == 0,
	    "buffer a put and a delete");
	b->ops->abort(b);
	CHECK(read_str(b, "dropped", "x") == -1, "the put is not applied");
	CHECK(read_str(b, "kept", "yes") == 1, "nor the delete");
	CHECK(put_str(b, "after", "1") == 0, "the next write section works");
	close_store(b);
}

static void
test_a_read_section_is_a_snapshot(const struct backend_case *c)
{
	struct backend *b;

	CHECK((b = open_store(c, "snapshot", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(put_str(b, "k", "old") == 0, "seed");
	CHECK(b->ops->begin_read(b) == 0 && has_str(b, "k", "old") == 1,
	    "a read section");
	CHECK(child_ok(spawn_committer(c, "snapshot", "k", "new")) &&
	          child_ok(spawn_committer(c, "snapshot", "k2", "added")),
	    "another process commits twice while it is open");
	CHECK(has_str(b, "k", "old") == 1 && has_str(b, "k2", "added") == -1,
	    "the section still reads the state it began with");
	CHECK(count_prefix(b, "k") == 1, "and so does its iterate");
	b->ops->end_read(b);
	CHECK(read_str(b, "k", "new") == 1 && read_str(b, "k2", "added") == 1,
	    "the next section sees both commits");
	close_store(b);
}

/* A hint, where the backend takes them (prefetch may be NULL). */
static void
hint(struct backend *b, const char *key)
{
	if (b->ops->prefetch != NULL)
		b->ops->prefetch(b, key, strlen(key));
}

/*
 * A hint changes no answer: a hinted key reads as an unhinted one, absent
 * or not, in the section's snapshot whenever another process wrote it,
 * and what a hint fetched dies with its section, read or not.  A write
 * section reads its own writes, whenever it was hinted.
 */
static void
test_a_hint_never_changes_what_a_get_answers(const struct backend_case *c)
{
	struct backend *b;

	CHECK((b = open_store(c, "hint", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(put_str(b, "h:a", "one") == 0 && put_str(b, "h:b", "two") == 0,
	    "seed");
	hint(b, "h:a"); /* outside a section: nothing */
	CHECK(b->ops->begin_read(b) == 0, "a read section");
	hint(b, "h:a");
	hint(b, "h:a"); /* twice: one hint */
	hint(b, "h:none");
	hint(b, "h:b"); /* more than a backend keeps: ignored, or kept */
	CHECK(has_str(b, "h:a", "one") == 1 && has_str(b, "h:a", "one") == 1,
	    "a hinted key reads as it is, as often as it is read");
	CHECK(has_str(b, "h:b", "two") == 1, "and so does an unhinted one");
	CHECK(has_str(b, "h:none", "") == -1, "a hinted key that is absent");
	b->ops->end_read(b);

	/* Hinted after the snapshot, written after the hint. */
	CHECK(b->ops->begin_read(b) == 0 && has_str(b, "h:b", "two") == 1,
	    "a section that has read");
	hint(b, "h:a");
	CHECK(child_ok(spawn_committer(c, "hint", "h:a", "new")),
	    "another process writes the hinted key");
	CHECK(has_str(b, "h:a", "one") == 1, "the snapshot rules");
	b->ops->end_read(b);

	/* Hinted first, answered with the section's first get. */
	CHECK(b->ops->begin_read(b) == 0, "a read section");
	hint(b, "h:a");
	CHECK(has_str(b, "h:b", "two") == 1, "its first get");
	CHECK(child_ok(spawn_committer(c, "hint", "h:a", "newer")),
	    "another process writes the hinted key");
	CHECK(has_str(b, "h:a", "new") == 1,
	    "the section reads the state of its first get");
	b->ops->end_read(b);

	/* A hint not followed by a get, and one answered but not read. */
	CHECK(b->ops->begin_read(b) == 0, "a read section");
	hint(b, "h:a");
	b->ops->end_read(b);
	CHECK(read_str(b, "h:a", "newer") == 1, "a hint with no get");
	CHECK(b->ops->begin_read(b) == 0, "a read section");
	hint(b, "h:a");
	CHECK(has_str(b, "h:b", "two") == 1, "answers the hint, unread");
	b->ops->end_read(b);
	CHECK(child_ok(spawn_committer(c, "hint", "h:a", "last")),
	    "another process writes the hinted key");
	CHECK(read_str(b, "h:a", "last") == 1,
	    "what the hint fetched went with its section");

	/* A write section reads its own writes, hinted before or after. */
	CHECK(b->ops->begin_write(b, 0) == 0, "a write section");
	hint(b, "h:a");
	hint(b, "h:b");
	CHECK(has_str(b, "h:a", "last") == 1, "a hinted key, before a write");
	CHECK(b->ops->put(b, "h:a", 3, "mine", 4) == 0 &&
	          b->ops->del(b, "h:b", 3) == 0,
	    "writes both hinted keys");
	CHECK(has_str(b, "h:a", "mine") == 1 && has_str(b, "h:b", "") == -1,
	    "and reads its put and its delete");
	CHECK(b->ops->put(b, "h:c", 3, "new", 3) == 0, "a put");
	hint(b, "h:c");
	CHECK(has_str(b, "h:c", "new") == 1, "hinted after it, reads it");
	b->ops->abort(b);
	CHECK(read_str(b, "h:a", "last") == 1 && read_str(b, "h:b", "two") == 1,
	    "and aborts");
	CHECK(b->ops->begin_write(b, 0) == 0, "a write section");
	hint(b, "h:a");
	CHECK(
	    b->ops->put(b, "h:a", 3, "kept", 4) == 0 && b->ops->commit(b) == 0,
	    "hinted, written, committed, never read");
	CHECK(read_str(b, "h:a", "kept") == 1, "the next section reads it");
	close_store(b);
}

/* A child that opens its own handle on name and reads key=val in a read
 * section, then exits 0. */
static pid_t
spawn_reader(const struct backend_case *c, const char *name, const char *key,
    const char *val)
{
	struct backend *b;
	pid_t pid;

	if ((pid = fork()) != 0)
		return pid;
	b = open_store(c, name, 0);
	_exit(b != NULL && read_str(b, key, val) == 1 ? 0 : 1);
}

/* A section held open holds up nobody: a hang here ends in main's alarm. */
static void
test_a_read_section_holds_up_neither_readers_nor_writers(
    const struct backend_case *c)
{
	struct backend *b;

	CHECK((b = open_store(c, "noblock", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(put_str(b, "k", "1") == 0, "seed");
	CHECK(b->ops->begin_read(b) == 0, "a read section, held open");
	CHECK(child_ok(spawn_reader(c, "noblock", "k", "1")),
	    "another process reads meanwhile");
	CHECK(child_ok(spawn_committer(c, "noblock", "k", "2")),
	    "another process commits meanwhile");
	CHECK(child_ok(spawn_reader(c, "noblock", "k", "2")),
	    "and a reader after it sees its commit");
	b->ops->end_read(b);
	close_store(b);
}

/* A child that puts n keys prefix<i> in one write section, says 'w' on fd,
 * and waits there to be killed. */
static pid_t
spawn_stuck_writer(
    const struct backend_case *c, const char *name, const char *prefix, int fd)
{
	struct backend *b;
	char key[64];
	pid_t pid;
	int i;

	if ((pid = fork()) != 0)
		return pid;
	if ((b = open_store(c, name, 0)) == NULL ||
	    b->ops->begin_write(b, 0) != 0)
		_exit(1);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		if (b->ops->put(b, key, strlen(key), "x", 1) != 0)
			_exit(1);
	}
	if (write(fd, "w", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void
test_a_process_killed_in_a_write_section_leaves_nothing(
    const struct backend_case *c)
{
	struct backend *b;
	int fds[2] = {-1, -1};
	char w = 0;
	pid_t pid;

	CHECK((b = open_store(c, "killed", 1)) != NULL, "open");
	if (b == NULL || pipe(fds) == -1)
		goto out;
	CHECK(put_str(b, "seed", "1") == 0, "seed");
	pid = spawn_stuck_writer(c, "killed", "dead:", fds[1]);
	CHECK(read(fds[0], &w, 1) == 1 && w == 'w',
	    "a child puts 100 keys in its write section");
	CHECK(kill(pid, SIGKILL) == 0 && waitpid(pid, NULL, 0) == pid,
	    "and is killed there");
	CHECK(b->ops->begin_read(b) == 0 && count_prefix(b, "dead:") == 0 &&
	          has_str(b, "seed", "1") == 1,
	    "none of its keys is there, and nothing else changed");
	b->ops->end_read(b);
	CHECK(put_str(b, "after", "1") == 0 && read_str(b, "after", "1") == 1,
	    "the next writer gets in and commits");
out:
	if (fds[0] != -1) {
		close(fds[0]);
		close(fds[1]);
	}
	close_store(b);
}

#define STORM_ROUNDS 12
#define STORM_KEYS   20    /* keys per transaction */
#define STORM_MAX_T  65536 /* transactions a round may commit */

/* A child that commits transaction after transaction t = 1, 2, ...: keys
 * <prefix><t>:<j> (j < STORM_KEYS), each holding t, and tells fd each t
 * whose commit returned. */
static pid_t
spawn_storm_writer(
    const struct backend_case *c, const char *name, const char *prefix, int fd)
{
	struct backend *b;
	char key[64], val[16];
	unsigned t, j;
	pid_t pid;

	if ((pid = fork()) != 0)
		return pid;
	if ((b = open_store(c, name, 0)) == NULL)
		_exit(1);
	for (t = 1;; t++) {
		snprintf(val, sizeof(val), "%u", t);
		if (b->ops->begin_write(b, 0) != 0)
			_exit(1);
		for (j = 0; j < STORM_KEYS; j++) {
			snprintf(key, sizeof(key), "%s%u:%u", prefix, t, j);
			if (b->ops->put(
			        b, key, strlen(key), val, strlen(val)) != 0)
				_exit(1);
		}
		if (b->ops->commit(b) != 0 ||
		    write(fd, &t, sizeof(t)) != (ssize_t)sizeof(t))
			_exit(1);
	}
}

/* Per transaction t, how many of its keys hold t. */
struct storm {
	const char *prefix;
	unsigned keys[STORM_MAX_T];
	int bad; /* a key outside any transaction, or a wrong value */
};

static int
storm_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct storm *s = arg;
	char k[64], v[16];
	unsigned t, j;

	s->bad = 1;
	if (klen >= sizeof(k) || vlen >= sizeof(v))
		return 0;
	memcpy(k, key, klen);
	k[klen] = '\0';
	memcpy(v, val, vlen);
	v[vlen] = '\0';
	if (sscanf(k + strlen(s->prefix), "%u:%u", &t, &j) != 2 ||
	    t >= STORM_MAX_T || (unsigned)atoi(v) != t)
		return 0;
	s->keys[t]++;
	s->bad = 0;
	return 0;
}

/* Killed at a moment the test does not choose (in a put, in a commit,
 * between two), the writer leaves every transaction whole or absent, and
 * every one whose commit returned, present. */
static void
test_a_process_killed_at_any_moment_leaves_whole_transactions(
    const struct backend_case *c)
{
	static struct storm s;
	struct backend *b;
	char prefix[32];
	unsigned acked, t, got, broken = 0, lost = 0, rounds = 0;
	int fds[2] = {-1, -1}, round;
	pid_t pid;

	CHECK((b = open_store(c, "storm", 1)) != NULL, "open");
	if (b == NULL)
		return;
	srand((unsigned)time(NULL));
	for (round = 0; round < STORM_ROUNDS; round++) {
		if (pipe(fds) == -1)
			break;
		snprintf(prefix, sizeof(prefix), "r%d:", round);
		pid = spawn_storm_writer(c, "storm", prefix, fds[1]);
		close(fds[1]);
		/* The first commit, then a while of 0 to 20 ms. */
		if (read(fds[0], &t, sizeof(t)) != sizeof(t))
			break;
		usleep((useconds_t)(rand() % 20000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		for (acked = t; read(fds[0], &t, sizeof(t)) == sizeof(t);)
			acked = t;
		close(fds[0]);
		memset(&s, 0, sizeof(s));
		s.prefix = prefix;
		if (b->ops->begin_read(b) != 0 ||
		    b->ops->iterate(b, prefix, strlen(prefix), storm_cb, &s) !=
		        0) {
			b->ops->end_read(b);
			break;
		}
		b->ops->end_read(b);
		for (t = 1; t < STORM_MAX_T; t++) {
			got = s.keys[t];
			broken += got != 0 && got != STORM_KEYS;
			lost += t <= acked && got != STORM_KEYS;
		}
		broken += (unsigned)s.bad;
		rounds++;
	}
	CHECK(rounds == STORM_ROUNDS, "every round ran");
	CHECK(broken == 0, "no transaction is left half-applied");
	CHECK(lost == 0, "no transaction whose commit returned is lost");
	CHECK(put_str(b, "after", "1") == 0, "and writers go on");
	close_store(b);
}

static void
test_iterate_visits_exactly_the_live_keys_of_a_prefix(
    const struct backend_case *c)
{
	static const struct {
		int line;
		const char *prefix;
		int n;
		const char *seen[4]; /* each must be among what is seen */
	} rows[] = {
	    {__LINE__, "s:", 4, {"s:,", "s:rest,", "s:over,", "s:new,"}},
	    {__LINE__, "s:o", 1, {"s:over,"}},
	    {__LINE__, "u:", 1, {"u:x,"}},
	    {__LINE__, "none:", 0, {NULL}},
	    {__LINE__, "", 6, {"s,", "u:x,", "s:new,"}},
	};
	struct backend *b;
	struct unit_tally t;
	size_t i, j;

	CHECK((b = open_store(c, "iterate", 1)) != NULL, "open");
	if (b == NULL)
		return;
	/* Some at rest, some just committed: a deleted key, an overwritten
	 * one, a key equal to the prefix and one shorter than it. */
	CHECK(put_str(b, "s:rest", "1") == 0 &&
	          put_str(b, "s:gone", "1") == 0 &&
	          put_str(b, "s:over", "1") == 0 &&
	          put_str(b, "u:x", "1") == 0 && c->settle(b) == 0,
	    "seed at rest");
	CHECK(put_str(b, "s:new", "1") == 0 && del_str(b, "s:gone") == 0 &&
	          put_str(b, "s:over", "2") == 0 &&
	          put_str(b, "s:", "1") == 0 && put_str(b, "s", "1") == 0,
	    "seed just committed");
	CHECK(b->ops->begin_read(b) == 0, "read section");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&t, 0, sizeof(t));
		CHECK_LINE(rows[i].line,
		    b->ops->iterate(b, rows[i].prefix, strlen(rows[i].prefix),
		        unit_tally_cb, &t) == 0,
		    "iterate");
		CHECK_LINE(rows[i].line, t.n == rows[i].n,
		    "each live key of the prefix once, and no other");
		for (j = 0; j < 4 && rows[i].seen[j] != NULL; j++)
			CHECK_LINE(rows[i].line,
			    strstr(t.seen, rows[i].seen[j]) != NULL,
			    rows[i].seen[j]);
		CHECK_LINE(rows[i].line, strstr(t.seen, "s:gone") == NULL,
		    "a deleted key is not visited");
	}
	memset(&t, 0, sizeof(t));
	t.stop_at = 2;
	CHECK(b->ops->iterate(b, "s:", 2, unit_tally_cb, &t) == 42 && t.n == 2,
	    "the callback's non-zero stops the walk and is returned");
	b->ops->end_read(b);
	close_store(b);
}

/* Its own section: the change counter, or 0 when the section fails. */
static uint64_t
changes_now(struct backend *b)
{
	uint64_t n;

	if (b->ops->begin_read(b) != 0)
		return 0;
	n = b->ops->changes(b);
	b->ops->end_read(b);
	return n;
}

static void
test_the_change_counter_moves_on_commit_and_not_on_abort_or_read(
    const struct backend_case *c)
{
	struct backend *b;
	uint64_t first, n = 0;

	CHECK((b = open_store(c, "changes", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(put_str(b, "k", "1") == 0, "seed");
	first = changes_now(b);
	CHECK(read_str(b, "k", "1") == 1 && changes_now(b) == first,
	    "reading moves nothing");
	CHECK(b->ops->begin_write(b, 0) == 0 && b->ops->changes(b) == first,
	    "a write section begins from the same state");
	CHECK(
	    b->ops->put(b, "k", 1, "2", 1) == 0 && b->ops->changes(b) == first,
	    "its pending writes do not count");
	b->ops->abort(b);
	CHECK(changes_now(b) == first, "nor does an abort");
	CHECK(put_str(b, "k", "3") == 0 && (n = changes_now(b)) != first,
	    "its own commit moves it");
	CHECK(child_ok(spawn_committer(c, "changes", "k", "4")) &&
	          changes_now(b) != n,
	    "another process's commit moves it");
	close_store(b);
}

static void
test_data_survives_close_and_reopen(const struct backend_case *c)
{
	struct backend *b;

	CHECK((b = open_store(c, "reopen", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(put_str(b, "a", "1") == 0 && put_str(b, "c", "3") == 0 &&
	          c->settle(b) == 0 && put_str(b, "b", "2") == 0 &&
	          del_str(b, "c") == 0,
	    "commit, settle, commit");
	close_store(b);
	CHECK((b = open_store(c, "reopen", 0)) != NULL, "reopen");
	CHECK(b != NULL && read_str(b, "a", "1") == 1 &&
	          read_str(b, "b", "2") == 1 && read_str(b, "c", "3") == -1,
	    "everything committed reads back, the delete too");
	close_store(b);
}

/* stats() outside a section: -1 as records when it fails. */
static int64_t
records_now(struct backend *b, uint64_t *bytes)
{
	struct backend_stats st;

	if (b->ops->stats == NULL || b->ops->stats(b, &st) != 0)
		return -1;
	if (bytes != NULL)
		*bytes = st.bytes;
	return (int64_t)st.records;
}

/* Every live key, as iterate sees them, in a read section: -1 on error. */
static int64_t
records_iterated(struct backend *b)
{
	int n;

	if (b->ops->begin_read(b) != 0)
		return -1;
	n = count_prefix(b, "");
	b->ops->end_read(b);
	return n;
}

static void
test_stats_count_the_live_records_and_bytes_hold_them(
    const struct backend_case *c)
{
	struct backend *b, *other;
	uint64_t empty = 0, bytes = 0;
	char key[32];
	int i, ok = 1;

	CHECK((b = open_store(c, "stats", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(records_now(b, &empty) == 0, "a new store: no records");
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "s:%d", i);
		ok &= put_str(b, key, "a value of some bytes") == 0;
	}
	CHECK(ok && records_now(b, &bytes) == 10, "ten puts: ten records");
	CHECK(bytes > empty, "and more bytes than the empty store");
	CHECK(put_str(b, "s:3", "another value") == 0 &&
	          del_str(b, "s:4") == 0 && del_str(b, "s:none") == 0 &&
	          records_now(b, NULL) == 9,
	    "an overwrite adds none, a delete takes one, a missing one none");
	CHECK(b->ops->begin_write(b, 0) == 0 &&
	          b->ops->put(b, "s:x", 3, "v", 1) == 0 &&
	          (b->ops->abort(b), records_now(b, NULL)) == 9,
	    "an aborted put adds none");
	CHECK(c->settle(b) == 0 && records_now(b, NULL) == 9,
	    "the same once settled");
	CHECK(del_str(b, "s:0") == 0 && put_str(b, "s:new", "v") == 0 &&
	          put_str(b, "s:1", "again") == 0 && records_now(b, NULL) == 9,
	    "writes over settled records count as well");
	CHECK(records_now(b, NULL) == records_iterated(b),
	    "as many as iterate visits");
	CHECK((other = open_store(c, "stats", 0)) != NULL &&
	          records_now(other, NULL) == 9,
	    "another handle counts the same");
	CHECK(other != NULL && put_str(other, "s:other", "v") == 0 &&
	          records_now(b, NULL) == 10,
	    "and its commit counts in this one");
	close_store(other);
	close_store(b);
}

static void
test_the_serving_hooks_change_no_data(const struct backend_case *c)
{
	const struct backend_ops *o = c->ops;
	struct backend *b;
	char key[32];
	int i, ok = 1;

	CHECK((b = open_store(c, "hooks", 1)) != NULL, "open");
	if (b == NULL)
		return;
	if (o->defer_upkeep != NULL)
		o->defer_upkeep(b);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "h:%d", i);
		ok &= put_str(b, key, "value") == 0;
		if (i % 50 == 0 && o->maintain != NULL)
			o->maintain(b);
		if (i % 70 == 0 && o->idle != NULL)
			o->idle(b);
	}
	CHECK(ok, "commits between the hooks");
	CHECK(b->ops->begin_read(b) == 0 && count_prefix(b, "h:") == 200 &&
	          has_str(b, "h:199", "value") == 1,
	    "every record reads back");
	b->ops->end_read(b);
	CHECK(o->disk_full(b) == 0 && o->damage(b) == NULL,
	    "a healthy store with room says so");
	close_store(b);
}

/* Every record of a is in b with the same value, and b has no other. */
struct same {
	struct backend *other; /* in a read section */
	int n, mismatched;
};

static int
same_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct same *s = arg;
	uint8_t *v = NULL;
	size_t len = 0;

	s->n++;
	if (s->other->ops->get(s->other, key, klen, &v, &len) != 0 ||
	    len != vlen || memcmp(v, val, vlen) != 0)
		s->mismatched++;
	free(v);
	return 0;
}

static int
same_records(struct backend *a, struct backend *b, int n)
{
	struct same s = {b, 0, 0}, r = {a, 0, 0};
	int ok;

	if (a->ops->begin_read(a) != 0)
		return 0;
	if (b->ops->begin_read(b) != 0) {
		a->ops->end_read(a);
		return 0;
	}
	ok = a->ops->iterate(a, "", 0, same_cb, &s) == 0 &&
	     b->ops->iterate(b, "", 0, same_cb, &r) == 0 && s.n == n &&
	     r.n == n && s.mismatched == 0 && r.mismatched == 0;
	a->ops->end_read(a);
	b->ops->end_read(b);
	return ok;
}

/* A backup of b in a new file, read from its start: its fd, or -1. */
static int
dump_file(struct backend *b, const char *name)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	if (backend_dump(b, fd, NULL, NULL) != 0) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void
test_a_backup_loads_into_an_empty_store_as_it_was(const struct backend_case *c)
{
	static char mib[1 << 20];
	struct backend *src, *dst = NULL;
	char key[32];
	int fd = -1, i, ok = 1;

	CHECK((src = open_store(c, "dumpsrc", 1)) != NULL, "open the source");
	if (src == NULL)
		return;
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "s:%d", i);
		ok &= put_str(src, key, i % 2 ? "odd" : "even") == 0;
		if (i == 25)
			ok &= c->settle(src) == 0;
	}
	ok &= del_str(src, "s:3") == 0 && put_str(src, "e:empty", "") == 0;
	CHECK(ok, "fill the source, some records at rest");
	fd = dump_file(src, "dump");
	CHECK(fd != -1 && (dst = open_store(c, "dumpdst", 1)) != NULL &&
	          backend_load(dst, fd, NULL, NULL) == 0,
	    "dump, and load into an empty store");
	CHECK(dst != NULL && same_records(src, dst, 50),
	    "the copy holds every record, the empty value too, and no other");
	CHECK(dst != NULL && lseek(fd, 0, SEEK_SET) == 0 &&
	          backend_load(dst, fd, NULL, NULL) == -1 &&
	          same_records(src, dst, 50),
	    "a load into a store that holds records is refused, changing "
	    "nothing");
	CHECK(fd != -1 && ftruncate(fd, lseek(fd, 0, SEEK_END) - 30) == 0,
	    "cut the dump short");
	close_store(dst);
	dst = open_store(c, "dumpcut", 1);
	CHECK(dst != NULL && lseek(fd, 0, SEEK_SET) == 0 &&
	          backend_load(dst, fd, NULL, NULL) == -1,
	    "a cut-short dump is refused");
	close_store(dst);
	/* More than one load transaction's worth. */
	memset(mib, 'm', sizeof(mib) - 1);
	for (i = 0; i < 6; i++) {
		snprintf(key, sizeof(key), "big:%d", i);
		ok &= put_str(src, key, mib) == 0;
	}
	if (fd != -1)
		close(fd);
	fd = dump_file(src, "dumpbig");
	dst = open_store(c, "dumpbig", 1);
	CHECK(ok && fd != -1 && dst != NULL &&
	          backend_load(dst, fd, NULL, NULL) == 0 &&
	          same_records(src, dst, 56),
	    "a dump larger than one load transaction loads whole");
	if (fd != -1)
		close(fd);
	close_store(dst);
	close_store(src);
}

struct last_progress {
	unsigned calls;
	uint64_t done, total;
};

static void
keep_progress(void *arg, uint64_t done, uint64_t total)
{
	struct last_progress *l = arg;

	l->calls++;
	l->done = done;
	l->total = total;
}

/* cofferctl's bars: a dump counts records, a load bytes of the dump, and
 * both end at their total. */
static void
test_a_backup_and_its_load_tell_their_progress_up_to_the_total(
    const struct backend_case *c)
{
	struct last_progress d = {0}, l = {0};
	struct backend *src, *dst = NULL;
	char key[32], path[600];
	int fd = -1, i, ok = 1;
	off_t size;

	CHECK((src = open_store(c, "progsrc", 1)) != NULL, "open the source");
	if (src == NULL)
		return;
	for (i = 0; i < 600; i++) {
		snprintf(key, sizeof(key), "s:%d", i);
		ok &= put_str(src, key, "value") == 0;
	}
	CHECK(ok, "fill the source");
	snprintf(path, sizeof(path), "%s/progdump", test_dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd != -1 && backend_dump(src, fd, keep_progress, &d) == 0,
	    "dump with progress");
	CHECK(d.calls >= 3 && d.done == 600 && d.total == 600,
	    "a dump tells its records as it goes, and ends at all of them");
	size = fd != -1 ? lseek(fd, 0, SEEK_END) : -1;
	dst = open_store(c, "progdst", 1);
	CHECK(fd != -1 && dst != NULL && lseek(fd, 0, SEEK_SET) == 0 &&
	          backend_load(dst, fd, keep_progress, &l) == 0,
	    "load with progress");
	CHECK(l.calls >= 3 && l.total == (uint64_t)size && l.done == l.total,
	    "a load tells the dump's bytes read, and ends at its size");
	if (fd != -1)
		close(fd);
	close_store(dst);
	close_store(src);
}

/* The backup format is gdbm's own: gdbm_load reads a backup, and a store
 * loads what gdbm_dump wrote.  (gdbm here is the format's reference, not
 * the backend under test.) */
static void
test_the_backup_format_is_gdbms_own(const struct backend_case *c)
{
	static const char val[] = "1\0\377 a value long enough to need two "
	                          "base64 lines: gdbm wraps them at 76";
	struct backend *b;
	char plain[600], dump[600];
	GDBM_FILE db;
	datum k, v;
	int fd = -1;

	snprintf(plain, sizeof(plain), "%s/%s.plain", test_dir, c->name);
	snprintf(dump, sizeof(dump), "%s/%s.gdbmdump", test_dir, c->name);
	db = gdbm_open(plain, 0, GDBM_NEWDB | GDBM_NOLOCK, 0600, NULL);
	CHECK(db != NULL, "a plain gdbm file");
	if (db == NULL)
		return;
	k.dptr = "m:format";
	k.dsize = 8;
	v.dptr = (char *)val;
	v.dsize = sizeof(val) - 1;
	CHECK(
	    gdbm_store(db, k, v, GDBM_REPLACE) == 0 &&
	        gdbm_dump(db, dump, GDBM_DUMP_FMT_ASCII, GDBM_NEWDB, 0600) == 0,
	    "gdbm_dump writes an ASCII dump");
	gdbm_close(db);
	fd = open(dump, O_RDONLY);
	b = open_store(c, "fromgdbm", 1);
	CHECK(fd != -1 && b != NULL && backend_load(b, fd, NULL, NULL) == 0,
	    "a store loads it");
	if (fd != -1)
		close(fd);
	if (b != NULL) {
		uint8_t *got = NULL;
		size_t len = 0;

		CHECK(b->ops->begin_read(b) == 0 &&
		          b->ops->get(b, "m:format", 8, &got, &len) == 0 &&
		          len == sizeof(val) - 1 && memcmp(got, val, len) == 0,
		    "with the record intact");
		free(got);
		b->ops->end_read(b);
	}
#ifndef __SANITIZE_ADDRESS__
	/* Not under ASan: libgdbm 1.23's get_parms leaves the header
	 * parameters unterminated when the first datum follows them, and
	 * getparm reads past them. */
	snprintf(dump, sizeof(dump), "%s/%s.ourdump", test_dir, c->name);
	fd = open(dump, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd != -1 && b != NULL && backend_dump(b, fd, NULL, NULL) == 0,
	    "a backup of that store");
	if (fd != -1)
		close(fd);
	db = gdbm_open(plain, 0, GDBM_NEWDB | GDBM_NOLOCK, 0600, NULL);
	CHECK(db != NULL && gdbm_load(&db, dump, GDBM_REPLACE, 0, NULL) == 0,
	    "gdbm_load reads the backup");
	if (db != NULL) {
		gdbm_count_t n = 0;

		CHECK(gdbm_count(db, &n) == 0 && n == 1, "with its record");
		gdbm_close(db);
	}
#endif
	close_store(b);
}

/* Relative paths are taken from the test directory. */
static void
test_the_store_setting_picks_the_backend_by_its_scheme(void)
{
	static const struct {
		int line;
		const char *spec;
		const struct backend_ops *ops; /* NULL: refused */
	} rows[] = {
	    {__LINE__, "scheme-path.db", &backend_gdbm},
	    {__LINE__, "./scheme:colon.db", &backend_gdbm},
	    {__LINE__, "nosuch:x.db", NULL},
	    {__LINE__, "NoSuch+v1.2-x:x.db", NULL},
	};
	struct backend *b;
	size_t i;

	CHECK(chdir(test_dir) == 0, "into the test directory");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		b = NULL;
		if (rows[i].ops == NULL) {
			CHECK_LINE(rows[i].line,
			    backend_open(rows[i].spec, 1, &b) == -1 &&
			        b == NULL,
			    "an unknown scheme is refused");
			continue;
		}
		CHECK_LINE(rows[i].line,
		    backend_open(rows[i].spec, 1, &b) == 0 && b != NULL &&
		        b->ops == rows[i].ops,
		    "a path opens the gdbm store");
		close_store(b);
	}
	CHECK(access("x.db", F_OK) == -1, "and a refused one makes no file");
#ifdef COFFER_WITH_PG
	if (pg_ready()) {
		char spec[600], where[512];

		pg_where("scheme", where, sizeof(where));
		snprintf(spec, sizeof(spec), "postgresql:%s", where);
		b = NULL;
		CHECK(backend_open(spec, 1, &b) == 0 && b != NULL &&
		          b->ops == &backend_postgresql,
		    "postgresql:<connection string> opens PostgreSQL");
		close_store(b);
	}
#endif
}

static int progress_calls;

static void
count_progress(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	(void)done;
	(void)total;
	progress_calls++;
}

/* cofferctl migrate's copy: c's records into an empty gdbm store and
 * back into an empty store of c, tallied alike at each end. */
static void
test_a_store_copies_whole_into_an_empty_one(const struct backend_case *c)
{
	struct backend *src, *mid = NULL, *back = NULL;
	struct backend_tally t0, copied, t1, t2;
	char name[64];
	int i, ok = 1;

	src = open_store(c, "copyfrom", 1);
	snprintf(name, sizeof(name), "copymid_%s", c->name);
	mid = open_store(&cases[0], name, 1);
	back = open_store(c, "copyback", 1);
	CHECK(src != NULL && mid != NULL && back != NULL, "open");
	if (src == NULL || mid == NULL || back == NULL)
		goto out;
	for (i = 0; i < 300 && ok; i++) {
		snprintf(name, sizeof(name), "s:k%03d", i);
		ok = put_str(src, name, i % 2 ? "odd" : "") == 0;
	}
	CHECK(ok, "seed");
	CHECK(backend_tally(src, &t0) == 0 && t0.records == 300, "tally");
	progress_calls = 0;
	CHECK(backend_copy(src, mid, count_progress, NULL, &copied) == 0,
	    "copies into gdbm");
	CHECK(progress_calls >= 2, "and tells its progress");
	CHECK(copied.records == 300 &&
	          !memcmp(copied.digest, t0.digest, sizeof(t0.digest)),
	    "every record");
	CHECK(backend_tally(mid, &t1) == 0 && t1.records == 300 &&
	          !memcmp(t1.digest, t0.digest, sizeof(t0.digest)),
	    "which the target holds");
	CHECK(read_str(mid, "s:k001", "odd") == 1, "as they were");
	CHECK(backend_copy(src, mid, NULL, NULL, &copied) == -1,
	    "a target that holds records is refused");
	CHECK(backend_copy(mid, back, NULL, NULL, &copied) == 0 &&
	          backend_tally(back, &t2) == 0 &&
	          !memcmp(t2.digest, t0.digest, sizeof(t0.digest)),
	    "and back");
	CHECK(put_str(back, "s:k001", "changed") == 0 &&
	          backend_tally(back, &t2) == 0 &&
	          memcmp(t2.digest, t0.digest, sizeof(t0.digest)) != 0,
	    "a changed value changes the digest");
out:
	close_store(src);
	close_store(mid);
	close_store(back);
}

#ifdef COFFER_WITH_PG
/* What only the PostgreSQL backend has: a connection that goes, a schema
 * that is not this code's. */
/* In a read section: the seal epoch it reads (0 when it cannot). */
static uint64_t
seal_epoch_now(struct backend *b)
{
	uint64_t n;

	if (b->ops->begin_read(b) != 0)
		return 0;
	n = b->ops->seal_epoch(b);
	b->ops->end_read(b);
	return n;
}

/* Several hosts share this backend: a seal raises the epoch every host's
 * next section reads, without waiting for a writer. */
static void
test_postgresql_a_seal_epoch_reaches_every_handle(const struct backend_case *c)
{
	struct backend *a = open_store(c, "epoch", 1);
	struct backend *b = open_store(c, "epoch", 1);
	uint64_t e, n;

	CHECK(a != NULL && b != NULL, "two handles");
	if (a == NULL || b == NULL)
		goto out;
	CHECK(a->ops->seal_epoch != NULL && a->ops->seal_raise != NULL,
	    "the backend has a seal epoch");
	e = seal_epoch_now(b);
	n = changes_now(b);
	CHECK(a->ops->begin_write(a, 0) == 0, "a writer holds the store");
	CHECK(b->ops->seal_raise(b) == 0, "a seal does not wait for it");
	a->ops->abort(a);
	CHECK(
	    seal_epoch_now(b) == e + 1, "the raising handle reads it at once");
	/* A read section may take its handle's last epoch if it is younger
	 * than the lag (backend.h), so the others see it after that. */
	usleep((BACKEND_SEAL_LAG_MS + 50) * 1000);
	CHECK(seal_epoch_now(a) == e + 1 && seal_epoch_now(b) == e + 1,
	    "every handle's next section after the lag reads the new epoch");
	CHECK(changes_now(b) == n, "the change counter stays");
	CHECK(a->ops->begin_write(a, 0) == 0 && a->ops->seal_epoch(a) == e + 1,
	    "a write section reads it too");
	a->ops->abort(a);
out:
	close_store(a);
	close_store(b);
}

static void
test_postgresql_reconnects_and_refuses_a_newer_schema(
    const struct backend_case *c)
{
	struct backend *b;
	uint64_t before;

	CHECK((b = open_store(c, "reconnect", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(put_str(b, "k", "1") == 0, "seed");
	before = changes_now(b);
	CHECK(pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	               " WHERE datname = 'ct_reconnect'",
	          NULL) == 0,
	    "the server ends the handle's session");
	CHECK(read_str(b, "k", "1") == 1,
	    "the next section connects again and reads");
	CHECK(changes_now(b) != before,
	    "and a new connection never repeats an earlier number");
	CHECK(put_str(b, "k", "2") == 0 && read_str(b, "k", "2") == 1,
	    "writes go on");
	CHECK(pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	               " WHERE datname = 'ct_reconnect'",
	          NULL) == 0,
	    "the server ends the session again");
	CHECK(b->ops->begin_read(b) == 0, "a read section");
	hint(b, "k");
	CHECK(has_str(b, "k", "2") == 1,
	    "a hint sent on the dead connection is asked again on the new");
	b->ops->end_read(b);
	close_store(b);
	CHECK(pg_admin_in("ct_reconnect",
	          "UPDATE coffer_meta SET value = 99"
	          " WHERE name = 'schema_version'",
	          NULL) == 0,
	    "a newer Coffer moves the schema on");
	CHECK(open_store(c, "reconnect", 1) == NULL,
	    "and this one refuses the store, even to create");
}

/* A database of schema 2 (no record count) with records in it: the
 * upgrade counts them, and the trigger goes on from there. */
static void
test_postgresql_an_upgrade_counts_the_records_there_are(
    const struct backend_case *c)
{
	struct backend *b;

	CHECK((b = open_store(c, "upgrade", 1)) != NULL, "open");
	if (b == NULL)
		return;
	CHECK(
	    put_str(b, "u:1", "1") == 0 && put_str(b, "u:2", "2") == 0, "seed");
	close_store(b);
	CHECK(pg_admin_in("ct_upgrade",
	          "DROP TRIGGER coffer_records_note ON coffer_records;"
	          "DROP TRIGGER coffer_records_apply ON coffer_records;"
	          "DELETE FROM coffer_meta WHERE name = 'records';"
	          "INSERT INTO coffer_records (k, v) VALUES ('u:3', '3');"
	          "UPDATE coffer_meta SET value = 2"
	          " WHERE name = 'schema_version'",
	          NULL) == 0,
	    "the database as schema 2 left it, a record more");
	CHECK((b = open_store(c, "upgrade", 0)) != NULL &&
	          records_now(b, NULL) == 3,
	    "opened, upgraded: every record counted");
	CHECK(b != NULL && put_str(b, "u:4", "4") == 0 &&
	          del_str(b, "u:1") == 0 && records_now(b, NULL) == 3,
	    "and counting goes on");
	close_store(b);
}

/* A server out of reach: the handle opens all the same (a worker started
 * in an outage serves once it ends), each section fails fast and says
 * unavailable, not damaged. */
static void
test_postgresql_unreachable_is_unavailable(void)
{
	struct backend *b = NULL;
	char where[256];
	struct timespec t0, t1;

	snprintf(
	    where, sizeof(where), "host=%s/no-server dbname=coffer", test_dir);
	CHECK(backend_postgresql.open(where, 1, &b) == 0 && b != NULL,
	    "a server out of reach still opens");
	if (b == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(b->ops->begin_read(b) == -1, "a section fails");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(b->ops->unavailable(b) == 1 && b->ops->damage(b) == NULL,
	    "as unavailable, not damaged");
	CHECK(t1.tv_sec - t0.tv_sec < 10, "within connect_timeout");
	CHECK(b->ops->begin_write(b, 0) == -1 && b->ops->unavailable(b) == 1,
	    "so does a write section");
	b->ops->close(b);
	CHECK(backend_postgresql.open("host=x nosuchoption=1", 1, &b) == -1,
	    "a string libpq cannot read fails the open");
}
#endif

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
	size_t i;

	/* A lock bug shows as a hang: turn it into a failure. */
	alarm(120);
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct backend_case *c = &cases[i];

		if (c->ready != NULL && !c->ready()) {
			fprintf(
			    stderr, "backend %s: not tested here\n", c->name);
			continue;
		}
		fprintf(stderr, "backend %s\n", c->name);
		test_a_value_put_reads_back_byte_for_byte_and_a_delete_removes_it(
		    c);
		test_not_found_is_told_apart_from_an_error(c);
		test_a_write_section_reads_its_own_writes(c);
		test_abort_discards_the_transaction(c);
		test_a_read_section_is_a_snapshot(c);
		test_a_hint_never_changes_what_a_get_answers(c);
		test_a_read_section_holds_up_neither_readers_nor_writers(c);
		test_a_process_killed_in_a_write_section_leaves_nothing(c);
		test_a_process_killed_at_any_moment_leaves_whole_transactions(
		    c);
		test_iterate_visits_exactly_the_live_keys_of_a_prefix(c);
		test_the_change_counter_moves_on_commit_and_not_on_abort_or_read(
		    c);
		test_data_survives_close_and_reopen(c);
		test_stats_count_the_live_records_and_bytes_hold_them(c);
		test_the_serving_hooks_change_no_data(c);
		test_a_backup_loads_into_an_empty_store_as_it_was(c);
		test_a_backup_and_its_load_tell_their_progress_up_to_the_total(
		    c);
		test_the_backup_format_is_gdbms_own(c);
		test_a_store_copies_whole_into_an_empty_one(c);
#ifdef COFFER_WITH_PG
		if (c->ops == &backend_postgresql)
			test_postgresql_reconnects_and_refuses_a_newer_schema(
			    c);
		if (c->ops == &backend_postgresql)
			test_postgresql_a_seal_epoch_reaches_every_handle(c);
		if (c->ops == &backend_postgresql)
			test_postgresql_an_upgrade_counts_the_records_there_are(
			    c);
#endif
	}
	test_the_store_setting_picks_the_backend_by_its_scheme();
#ifdef COFFER_WITH_PG
	test_postgresql_unreachable_is_unavailable(); /* needs no server */
#endif
	/* Kept after a failure, for a look at the files. */
	if (unit_failed == 0)
		nftw(test_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "files kept in %s\n", test_dir);
	return unit_done();
}
