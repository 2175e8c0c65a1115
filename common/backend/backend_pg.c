/*
 * backend_pg.c: the PostgreSQL backend (backend.h), over libpq.  The
 * `store` setting "postgresql:<libpq connection string>" names it; the
 * string goes to libpq as it is (multi-host strings and
 * target_session_attrs included) and is never logged: it may hold a
 * password.
 *
 * ("postgresql://..." is taken as a libpq URI.)
 *
 * The database holds what the gdbm store holds, sealed records as the
 * vault made them, in two tables of the connection's schema:
 *
 *   coffer_records (h bytea primary key = sha256(k), k bytea, v bytea)
 *   coffer_meta    (name text primary key, value bigint):
 *                  'schema_version'; 'changes', the change counter;
 *                  'seal_epoch', raised by every seal (schema 2);
 *                  'records', the rows of coffer_records (schema 3)
 *
 * Keys go by their SHA-256 because a key may be 64 KiB and a btree entry
 * holds some 2.7 KiB; iterate finds a prefix through an index on the
 * key's first PREFIX_INDEX bytes.  Values are stored uncompressed
 * (STORAGE EXTERNAL): ciphertext does not compress.
 *
 * How the contract is met:
 *
 *   - Snapshot reads: a read section is a REPEATABLE READ READ ONLY
 *     transaction whose first statement reads the change counter, which
 *     takes the snapshot.  It is sent with the section's first get (or
 *     iterate, or changes), not at begin_read: the snapshot is then taken
 *     after begin_read and before that first read, which backend.h allows.
 *     PostgreSQL's MVCC holds no one up for it.
 *   - Exclusive writes: a write section is a READ COMMITTED transaction
 *     that first locks the counter row (SELECT ... FOR UPDATE), which
 *     every writer of every process and host does: writes are serial.
 *     begin_write returns once the lock is held.  Holding it, each
 *     statement sees the latest commit, and its own writes, which go to
 *     the server in the order they come, unanswered, with the next get,
 *     iterate or the COMMIT (a batch, below): the server does the reading
 *     of one's own writes, and a write section's memory stays small (a
 *     batch is sent once it holds PIPE_BYTES).  An error of the server in
 *     put or del is told by commit (BACKEND_FULL for SQLSTATE 53100, a
 *     full disk), as the gdbm store tells its errors at commit.
 *   - All or nothing: COMMIT.  A client that dies leaves an open
 *     transaction that the server rolls back when the connection closes
 *     (at once on kill -9; after TCP keepalive or the write section's
 *     idle_in_transaction_session_timeout when a host vanishes).
 *   - Durable on success: COMMIT returns once the WAL is flushed:
 *     synchronous_commit is set to on when the server's default is off
 *     (with synchronous_standby_names, 'on' waits for the standby too).
 *     The server's fsync must be on; that is its administrator's part.
 *   - The change counter: the commit raises the counter row in the same
 *     transaction; changes() is the value the section read, with the
 *     number of connections this handle made above it, so that a handle
 *     that reconnected (perhaps to a promoted standby) never takes a new
 *     state for one it read before.
 *   - Time: every statement waits at most STMT_DEADLINE on the client's
 *     side (poll on the socket; then the connection is dropped) and
 *     statement_timeout on the server's; connecting, connect_timeout.  A
 *     dropped connection fails the section (-1, logged without the
 *     connection string) and the next section connects again.
 *   - Errors are logged by SQLSTATE and primary message only: a detail
 *     may quote a key.
 *
 * Round trips are a request's cost, so the statements of a round trip go
 * as one batch (libpq's pipeline mode: sent together, answered together;
 * pg_run): a read section's BEGIN and counters with its first get, the
 * previous read section's ROLLBACK with them (or at idle), a write
 * section's BEGIN, lock and counters together, its puts and deletes with
 * the counter's raise and COMMIT.  A read section costs one round trip a
 * get, but for a hinted key (prefetch): a section keeps up to HINTS
 * keys, whose gets go with its next batch (its BEGIN and counters, and a
 * write section's lock, when it has not begun), after them, so in the
 * section's snapshot or under its lock; their answers are kept, as
 * stored, until the section ends (a write section: until it writes the
 * key), and a get of such a key takes its answer with no round trip.  A
 * write section costs two, and one more a get.  The statements of every
 * request are prepared once per connection.
 *
 * The seal epoch (backend.h: seal_epoch) is read by the statement that
 * reads the counter.  A read section that begins less than
 * BACKEND_SEAL_LAG_MS after its handle last read the epoch sends nothing
 * at begin_read, and seal_epoch tells that last epoch; else begin_read
 * reads it at once (one round trip: an idle worker, one after a pause).
 * A busy worker reads it in every section anyway, with its first get; a
 * seal anywhere reaches it within the lag.  A write section reads it
 * exactly, as an unseal needs.  A seal raises it in an autocommit UPDATE
 * of its own row: it waits for no writer, since writers lock the
 * counter's row and never this one.
 *
 * The schema is versioned (schema_version): open creates it when create
 * is set, upgrades an older one, and refuses a newer one.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "backend/backend.h"
#include "base/log.h"

#define SCHEMA_VERSION 3        /* the newest schema this code knows */
#define PREFIX_INDEX   512      /* key bytes in iterate's index */
#define ITER_PAGE      "32"     /* rows per FETCH: 64 MiB at most */
#define STMT_DEADLINE  30000    /* ms a statement may take, client side */
#define ADVISORY_KEY   "728451" /* serialises schema creation */
#define PIPE_MAX       64       /* statements sent before answers are read */
#define PIPE_BYTES     4194304  /* 4 MiB: and bytes of writes, about */
#define HINTS          2        /* keys a read section may be hinted */

enum pg_section { PG_NONE, PG_READ, PG_WRITE };

/* A key hinted in a read section (pg_prefetch), and its answer. */
enum pg_hint_state {
	HINT_FREE,  /* no key */
	HINT_ASKED, /* hinted: goes with the section's next batch */
	HINT_SENT,  /* in the batch on its way */
	HINT_KEPT,  /* answered: res is the section's for that key */
};

struct pg_hint {
	enum pg_hint_state state;
	uint8_t *key; /* malloc'd while not HINT_FREE */
	size_t klen;
	PGresult *res; /* HINT_KEPT: coffer_get's answer, as stored */
};

struct pg_backend {
	struct backend b; /* first: a struct backend * points here */
	char *conninfo;   /* may hold a password: never logged */
	PGconn *conn;     /* NULL while not connected */
	enum pg_section section;
	int failed;        /* write section: a statement failed */
	int full;          /* ... and the server's disk was full */
	uint64_t counter;  /* the change counter the section read */
	uint64_t epoch;    /* and the seal epoch */
	int rollback_due;  /* a read section ended; its ROLLBACK not sent */
	int begun;         /* the section's BEGIN is sent */
	int lost;          /* the section's connection was lost */
	int piped;         /* statements sent whose answers are not read */
	size_t pipe_bytes; /* and the bytes of the writes among them */
	unsigned char tags[PIPE_MAX]; /* and what each is (enum pg_tag) */
	int64_t epoch_at;   /* when the epoch was asked for (ms); 0: never */
	int64_t epoch_sent; /* when the last batch asked for it */
	int prepared;       /* stmts[] are prepared on this connection */
	uint64_t connects;  /* connections made by this handle */
	char state[6];      /* the SQLSTATE of the last batch that failed */
	uint64_t cursors;   /* iterate's cursor names */
	int create;         /* make the schema when it is missing */
	int schema_ok;      /* the schema was found or made once */
	int unreachable;    /* the last failure: the server out of reach */
	struct pg_hint hints[HINTS]; /* the read section's; none outside */
};

static struct pg_backend *
pg_of(struct backend *b)
{
	return (struct pg_backend *)b;
}

static void
hint_free(struct pg_hint *h)
{
	PQclear(h->res);
	free(h->key);
	memset(h, 0, sizeof(*h));
}

/* The section's hints and what they kept, gone. */
static void
hint_clear(struct pg_backend *p)
{
	size_t i;

	for (i = 0; i < HINTS; i++)
		hint_free(&p->hints[i]);
}

static void
pg_drop(struct pg_backend *p)
{
	size_t i;

	/* A hint whose answer the connection took with it is asked again
	 * with the batch that begins the section anew (pg_query). */
	for (i = 0; i < HINTS; i++)
		if (p->hints[i].state == HINT_SENT)
			p->hints[i].state = HINT_ASKED;
	if (p->conn != NULL)
		PQfinish(p->conn);
	p->conn = NULL;
	p->rollback_due = p->prepared = p->begun = p->piped = 0;
	/* A new connection (perhaps to another server) reads the epoch
	 * before it trusts one. */
	p->epoch_at = 0;
	if (p->section != PG_NONE)
		p->lost = 1;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the socket is ready for events, or the deadline: 0 or -1. */
static int
pg_poll(struct pg_backend *p, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	pfd.fd = PQsocket(p->conn);
	pfd.events = events;
	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return -1;
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}

/* Send what libpq holds, then read until the whole answer is in, by
 * deadline.  0, or -1 when the connection failed or took too long. */
static int
pg_wait(struct pg_backend *p, int64_t deadline)
{
	int rc;

	while ((rc = PQflush(p->conn)) == 1)
		if (pg_poll(p, POLLIN | POLLOUT, deadline) == -1 ||
		    PQconsumeInput(p->conn) == 0)
			return -1;
	if (rc == -1)
		return -1;
	while (PQisBusy(p->conn))
		if (pg_poll(p, POLLIN, deadline) == -1 ||
		    PQconsumeInput(p->conn) == 0)
			return -1;
	return 0;
}

static const char *
pg_sqlstate(const PGresult *r)
{
	const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	return s != NULL ? s : "";
}

/*
 * The server's errors that say "not now" rather than "never": a
 * connection lost or refused (class 08), the server shutting down or
 * starting (57P01..57P03), too many connections (53300), a statement
 * cancelled by statement_timeout (57014: a lock held too long, a server
 * overloaded).  The vault answers them 503; any other error is 500.
 */
static int
sqlstate_transient(const char *s)
{
	return !strncmp(s, "08", 2) || !strncmp(s, "57P0", 4) ||
	       !strcmp(s, "53300") || !strcmp(s, "57014");
}

/*
 * The answer to what was sent: its first error or else its last result
 * (a query of several statements has one each).  NULL when the
 * connection failed or took too long; it is then dropped.
 */
static PGresult *
pg_answer(struct pg_backend *p, const char *what)
{
	PGresult *r, *keep = NULL;

	if (pg_wait(p, now_ms() + STMT_DEADLINE) == -1) {
		lwarnx("postgresql: %s: no answer within %d s (%s); "
		       "disconnecting",
		    what, STMT_DEADLINE / 1000,
		    PQstatus(p->conn) == CONNECTION_BAD ? "connection lost"
		                                        : "timed out");
		pg_drop(p);
		p->unreachable = 1;
		return NULL;
	}
	while ((r = PQgetResult(p->conn)) != NULL) {
		if (keep == NULL || PQresultStatus(keep) != PGRES_FATAL_ERROR) {
			PQclear(keep);
			keep = r;
		} else {
			PQclear(r);
		}
	}
	if (keep == NULL || PQstatus(p->conn) == CONNECTION_BAD) {
		lwarnx("postgresql: %s: connection lost", what);
		PQclear(keep);
		pg_drop(p);
		p->unreachable = 1;
		return NULL;
	}
	if (PQresultStatus(keep) == PGRES_FATAL_ERROR &&
	    sqlstate_transient(pg_sqlstate(keep)))
		p->unreachable = 1;
	return keep;
}

/* r is what want says, or else logged (never its detail: it may quote a
 * key) and freed.  0 or -1. */
static int
pg_check(PGresult *r, ExecStatusType want, const char *what)
{
	const char *msg;

	if (r == NULL)
		return -1;
	if (PQresultStatus(r) == want)
		return 0;
	msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	lwarnx("postgresql: %s: %s %s", what, pg_sqlstate(r),
	    msg != NULL ? msg : PQresStatus(PQresultStatus(r)));
	PQclear(r);
	return -1;
}

/* Statements (several, ';'-separated), no parameters, text results. */
static PGresult *
pg_exec(struct pg_backend *p, const char *sql, const char *what)
{
	if (p->conn == NULL) {
		p->unreachable = 1;
		return NULL;
	}
	if (PQsendQuery(p->conn, sql) == 0) {
		lwarnx("postgresql: %s: %s", what, PQerrorMessage(p->conn));
		pg_drop(p);
		return NULL;
	}
	return pg_answer(p, what);
}

/* One statement with binary parameters and binary results. */
static PGresult *
pg_exec_params(struct pg_backend *p, const char *sql, int n,
    const char *const *vals, const int *lens, const char *what)
{
	static const int binary[4] = {1, 1, 1, 1};

	if (n > 4)
		return NULL;
	if (p->conn == NULL) {
		p->unreachable = 1;
		return NULL;
	}
	if (PQsendQueryParams(p->conn, sql, n, NULL, vals, lens, binary, 1) ==
	    0) {
		lwarnx("postgresql: %s: %s", what, PQerrorMessage(p->conn));
		pg_drop(p);
		return NULL;
	}
	return pg_answer(p, what);
}

/*
 * The statements of every request, prepared once per connection so that
 * the server parses and plans them once (named statements outlive the
 * transaction they were made in).
 */
enum pg_stmt {
	STMT_GET,
	STMT_PUT,
	STMT_DEL,
	STMT_COUNTERS,
	STMT_LOCK,
	STMT_RAISE,
	STMT_STATS,
	STMT_COUNT
};

static const struct {
	const char *name, *sql;
	int nparams;
} stmts[STMT_COUNT] = {
    {"coffer_get",
        "SELECT v FROM coffer_records WHERE h = sha256($1) AND k = $1", 1},
    {"coffer_put",
        "INSERT INTO coffer_records (k, v) VALUES ($1, $2)"
        " ON CONFLICT (h) DO UPDATE SET k = EXCLUDED.k, v = EXCLUDED.v",
        2},
    {"coffer_del", "DELETE FROM coffer_records WHERE h = sha256($1) AND k = $1",
        1},
    /* A section's first answer: the counter and the seal epoch. */
    {"coffer_counters",
        "SELECT (SELECT value FROM coffer_meta WHERE name = 'changes'),"
        " (SELECT value FROM coffer_meta WHERE name = 'seal_epoch')",
        0},
    /* The lock every writer takes first. */
    {"coffer_lock",
        "SELECT value FROM coffer_meta WHERE name = 'changes' FOR UPDATE", 0},
    {"coffer_raise",
        "UPDATE coffer_meta SET value = value + 1 WHERE name = 'changes'", 0},
    /* stats(): the triggers' count (schema 3) and the tables' bytes. */
    {"coffer_stats",
        "SELECT (SELECT value FROM coffer_meta WHERE name = 'records'),"
        " pg_total_relation_size('coffer_records')"
        " + pg_total_relation_size('coffer_meta')",
        0},
};

static PGresult *pg_answer(struct pg_backend *p, const char *what);
static int pg_check(PGresult *r, ExecStatusType want, const char *what);

static int
pg_prepare(struct pg_backend *p)
{
	PGresult *r;
	size_t i;

	for (i = 0; !p->prepared && i < STMT_COUNT; i++) {
		if (PQsendPrepare(p->conn, stmts[i].name, stmts[i].sql,
		        stmts[i].nparams, NULL) == 0) {
			lwarnx("postgresql: preparing: %s",
			    PQerrorMessage(p->conn));
			pg_drop(p);
			return -1;
		}
		r = pg_answer(p, "preparing");
		if (pg_check(r, PGRES_COMMAND_OK, "preparing") == -1) {
			pg_drop(p); /* and the statements prepared so far */
			return -1;
		}
		PQclear(r);
	}
	p->prepared = 1;
	return 0;
}

/*
 * A batch: the statements of a round trip, sent in libpq's pipeline mode
 * one after the other without waiting, then a Sync, then every answer
 * read (pg_run).  The server runs them in order, each seeing what the
 * ones before it did; the first that fails makes it skip the rest of the
 * batch, and a transaction it was in stays failed until ROLLBACK.
 * Between batches the connection is out of pipeline mode, so that the
 * statements of several at once (the schema's) go as they did.
 */
enum pg_tag {
	TAG_PLAIN,    /* its answer is read and dropped */
	TAG_COUNTERS, /* coffer_counters: sets counter, epoch */
	TAG_HINT,     /* coffer_get of hints[tag - TAG_HINT]: kept there */
};

/* Open a batch if none is: 0 or -1. */
static int
pg_pipe_open(struct pg_backend *p)
{
	if (p->conn == NULL) {
		p->unreachable = 1;
		return -1;
	}
	if (PQpipelineStatus(p->conn) != PQ_PIPELINE_OFF)
		return 0;
	if (pg_prepare(p) == -1)
		return -1;
	if (PQenterPipelineMode(p->conn) == 0) {
		lwarnx("postgresql: pipeline: %s", PQerrorMessage(p->conn));
		pg_drop(p);
		return -1;
	}
	p->piped = 0;
	p->pipe_bytes = 0;
	return 0;
}

/* Add statement s (a prepared one, or else sql) to the batch, with
 * binary parameters and binary results (text for the counters): 0 or
 * -1. */
static int
pg_pipe(struct pg_backend *p, enum pg_stmt s, const char *sql,
    const char *const *vals, const int *lens, enum pg_tag tag)
{
	static const int binary[2] = {1, 1};
	int ok, text = tag == TAG_COUNTERS;

	if (pg_pipe_open(p) == -1)
		return -1;
	if (p->piped == PIPE_MAX) {
		lwarnx(
		    "postgresql: a batch of more than %d statements", PIPE_MAX);
		return -1;
	}
	if (sql != NULL)
		ok = PQsendQueryParams(
		    p->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	else
		ok = PQsendQueryPrepared(p->conn, stmts[s].name,
		    stmts[s].nparams, vals, lens, binary, text ? 0 : 1);
	if (ok == 0) {
		lwarnx("postgresql: sending: %s", PQerrorMessage(p->conn));
		pg_drop(p);
		return -1;
	}
	p->tags[p->piped++] = (unsigned char)tag;
	return 0;
}

/* The next answer of a batch, or NULL for the end of one statement's;
 * 0, or -1 when the connection failed or took too long. */
static int
pg_next(struct pg_backend *p, int64_t deadline, PGresult **r)
{
	if (pg_wait(p, deadline) == -1)
		return -1;
	*r = PQgetResult(p->conn);
	return 0;
}

/* The counters' row into p: 0 or -1. */
static int
pg_counters(struct pg_backend *p, const PGresult *r)
{
	if (PQntuples(r) != 1 || PQnfields(r) != 2 || PQgetisnull(r, 0, 0)) {
		lwarnx("postgresql: coffer_meta has no change counter");
		return -1;
	}
	p->counter = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	p->epoch = strtoull(PQgetvalue(r, 0, 1), NULL, 10); /* NULL: "" */
	p->epoch_at = p->epoch_sent;
	return 0;
}

/* One answer of statement i of the batch; *err: the first failure. */
static void
pg_take(
    struct pg_backend *p, int i, PGresult *r, PGresult **err, PGresult **last)
{
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_FATAL_ERROR) {
		if (*err == NULL) {
			*err = r;
			return;
		}
	} else if (st == PGRES_TUPLES_OK && p->tags[i] == TAG_COUNTERS) {
		if (pg_counters(p, r) == -1 && *err == NULL) {
			*err = r;
			return;
		}
	} else if (st == PGRES_TUPLES_OK && p->tags[i] >= TAG_HINT &&
	           p->tags[i] < TAG_HINT + HINTS) {
		p->hints[p->tags[i] - TAG_HINT].res = r;
		p->hints[p->tags[i] - TAG_HINT].state = HINT_KEPT;
		return;
	} else if (last != NULL && i == p->piped - 1 && *last == NULL &&
	           st != PGRES_PIPELINE_ABORTED) {
		*last = r;
		return;
	}
	PQclear(r);
}

/*
 * Send the batch and read every answer: 0 when every statement
 * succeeded (and *last, when not NULL, is the last one's answer: the
 * caller's to free); 1 when one failed, logged (its SQLSTATE kept in
 * p->state); -1 when the connection failed, dropped.
 */
static int
pg_run(struct pg_backend *p, const char *what, PGresult **last)
{
	int64_t deadline = now_ms() + STMT_DEADLINE;
	PGresult *r = NULL, *err = NULL, *keep = NULL;
	int i, n = p->piped, rc = 0;

	if (last != NULL)
		*last = NULL;
	if (p->conn == NULL || PQpipelineStatus(p->conn) == PQ_PIPELINE_OFF)
		return p->conn == NULL ? -1 : 0;
	if (PQpipelineSync(p->conn) == 0)
		goto lost;
	for (i = 0; i < n; i++) {
		for (;;) {
			if (pg_next(p, deadline, &r) == -1)
				goto lost;
			if (r == NULL)
				break;
			pg_take(p, i, r, &err, &keep);
		}
	}
	if (pg_next(p, deadline, &r) == -1 || r == NULL ||
	    PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
		PQclear(r);
		goto lost;
	}
	PQclear(r);
	p->piped = 0;
	p->pipe_bytes = 0;
	if (PQexitPipelineMode(p->conn) == 0)
		goto lost;
	if (err != NULL) {
		snprintf(p->state, sizeof(p->state), "%s", pg_sqlstate(err));
		if (sqlstate_transient(p->state))
			p->unreachable = 1;
		if (PQresultStatus(err) == PGRES_FATAL_ERROR)
			(void)pg_check(err, PGRES_COMMAND_OK, what); /* logs */
		else
			PQclear(err); /* pg_counters said why */
		PQclear(keep);
		return 1;
	}
	if (last != NULL)
		*last = keep;
	else
		PQclear(keep);
	return rc;
lost:
	lwarnx("postgresql: %s: %s; disconnecting", what,
	    PQstatus(p->conn) == CONNECTION_BAD ? "connection lost"
	                                        : "no answer in time");
	PQclear(err);
	PQclear(keep);
	pg_drop(p);
	p->unreachable = 1;
	return -1;
}

/* A statement run for its effect: 0 or -1. */
static int
pg_do(struct pg_backend *p, const char *sql, const char *what)
{
	PGresult *r = pg_exec(p, sql, what);
	ExecStatusType want = PGRES_COMMAND_OK;

	if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK)
		want = PGRES_TUPLES_OK;
	if (pg_check(r, want, what) == -1)
		return -1;
	PQclear(r);
	return 0;
}

/* ---- the schema ---- */

static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS coffer_meta ("
    " name text PRIMARY KEY, value bigint NOT NULL);"
    "CREATE TABLE IF NOT EXISTS coffer_records ("
    " h bytea GENERATED ALWAYS AS (sha256(k)) STORED PRIMARY KEY,"
    " k bytea NOT NULL, v bytea NOT NULL);"
    "ALTER TABLE coffer_records ALTER COLUMN v SET STORAGE EXTERNAL;"
    "CREATE INDEX IF NOT EXISTS coffer_records_prefix"
    " ON coffer_records (substr(k, 1, 512));"
    "INSERT INTO coffer_meta VALUES ('changes', 0), ('schema_version', 1)"
    " ON CONFLICT (name) DO NOTHING;";

_Static_assert(PREFIX_INDEX == 512, "schema_v1's index takes 512 bytes");

/* 2: the seal epoch, which every host's sections read. */
static const char schema_v2[] =
    "INSERT INTO coffer_meta VALUES ('seal_epoch', 0)"
    " ON CONFLICT (name) DO NOTHING;"
    "UPDATE coffer_meta SET value = 2 WHERE name = 'schema_version';";

/*
 * 3: the record count, for stats() (GET /metrics).  count(*) reads every
 * row, too much for each scrape, and pg_class.reltuples is an estimate
 * that only VACUUM and ANALYZE move; so triggers keep the count in
 * coffer_meta, whoever writes.  A row trigger notes each insert (+1) and
 * delete (-1) in a setting local to the transaction (the update of put's
 * ON CONFLICT fires neither); a deferred one adds what was noted to the
 * row once, at COMMIT.  An UPDATE of the row per record instead made a
 * transaction of 1000 new records twice as slow: each update of one row
 * in one transaction walks the row's versions made before it.  The
 * triggers come first: CREATE TRIGGER locks coffer_records against every
 * writer, Coffers of an older schema too, until this step commits, so
 * the count(*) after it counts what the triggers go on from; and it
 * takes no lock that readers wait for, as DROP TRIGGER's would (the step
 * commits with the version, so the triggers are there exactly when the
 * version says 3).
 */
static const char schema_v3[] =
    "CREATE OR REPLACE FUNCTION coffer_records_note() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN"
    " PERFORM set_config('coffer.records', (coalesce(nullif("
    "current_setting('coffer.records', true), ''), '0')::bigint"
    " + CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END)::text, true);"
    " RETURN NULL; END $$;"
    "CREATE OR REPLACE FUNCTION coffer_records_apply() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ DECLARE d bigint := coalesce(nullif("
    "current_setting('coffer.records', true), ''), '0')::bigint;"
    " BEGIN IF d <> 0 THEN"
    " UPDATE coffer_meta SET value = value + d WHERE name = 'records';"
    " PERFORM set_config('coffer.records', '0', true);"
    " END IF; RETURN NULL; END $$;"
    "CREATE TRIGGER coffer_records_note AFTER INSERT OR DELETE"
    " ON coffer_records FOR EACH ROW"
    " EXECUTE FUNCTION coffer_records_note();"
    "CREATE CONSTRAINT TRIGGER coffer_records_apply AFTER INSERT OR DELETE"
    " ON coffer_records DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
    " EXECUTE FUNCTION coffer_records_apply();"
    "INSERT INTO coffer_meta SELECT 'records', count(*) FROM coffer_records"
    " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;"
    "UPDATE coffer_meta SET value = 3 WHERE name = 'schema_version';";

/*
 * The schema steps: steps[i] upgrades version i to i + 1 (0: none yet).
 * A new version appends its step, and raises SCHEMA_VERSION and the
 * schema_version row in it.
 */
static const char *const steps[SCHEMA_VERSION] = {
    schema_v1, schema_v2, schema_v3};

/* The database's schema version: 0 and *version (0 when it has none), or
 * -1.  Asks first whether the table is there, so that a transaction it
 * runs in goes on.  It asks pg_tables, an ordinary read under the
 * statement's snapshot: to_regclass() looks the name up in the session's
 * catalog cache, which can miss a table another session committed while
 * this one waited for the schema lock; the waiter then ran the steps
 * again, and their ALTER and CREATE INDEX queued behind every open reader
 * until the deadlock check, a second later, reordered the queue. */
static int
schema_version(struct pg_backend *p, long *version)
{
	PGresult *r;

	r = pg_exec(p,
	    "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_tables"
	    " WHERE schemaname = current_schema()"
	    " AND tablename = 'coffer_meta')",
	    "reading the schema version");
	if (pg_check(r, PGRES_TUPLES_OK, "reading the schema version") == -1)
		return -1;
	*version = !strcmp(PQgetvalue(r, 0, 0), "t") ? 0 : -1;
	PQclear(r);
	if (*version == 0)
		return 0;
	r = pg_exec(p,
	    "SELECT value FROM coffer_meta WHERE name = 'schema_version'",
	    "reading the schema version");
	if (pg_check(r, PGRES_TUPLES_OK, "reading the schema version") == -1)
		return -1;
	if (PQntuples(r) == 1)
		*version = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (*version < 1) {
		lwarnx("postgresql: coffer_meta has no schema_version");
		return -1;
	}
	return 0;
}

/* Bring the schema to SCHEMA_VERSION under a lock that serialises
 * creators, in one transaction. */
static int
schema_upgrade(struct pg_backend *p)
{
	long v;

	if (pg_do(p, "BEGIN; SELECT pg_advisory_xact_lock(" ADVISORY_KEY ")",
	        "locking the schema") == -1)
		goto fail;
	if (schema_version(p, &v) == -1)
		goto fail;
	for (; v < SCHEMA_VERSION; v++) {
		linfo("postgresql: schema version %ld to %ld", v, v + 1);
		if (pg_do(p, steps[v], "creating the schema") == -1)
			goto fail;
	}
	return pg_do(p, "COMMIT", "creating the schema");
fail:
	pg_drop(p); /* and with it, the transaction */
	return -1;
}

/* The schema is the one this code knows, made or upgraded when create is
 * set.  0 or -1. */
static int
schema_ready(struct pg_backend *p, int create)
{
	long v;

	if (schema_version(p, &v) == -1)
		return -1;
	if (v > SCHEMA_VERSION) {
		lwarnx("postgresql: schema version %ld is newer than this "
		       "Coffer knows (%d): refused",
		    v, SCHEMA_VERSION);
		return -1;
	}
	if (v == SCHEMA_VERSION)
		return 0;
	if (v == 0 && !create) {
		lwarnx("postgresql: the database holds no Coffer store");
		return -1;
	}
	return schema_upgrade(p);
}

/* ---- connecting ---- */

/*
 * libpq's settings that bound time, before the operator's string so that
 * it may override them: connecting, and noticing a server gone quiet
 * (keepalives; tcp_user_timeout for unacknowledged sends).
 */
static const char *const conn_keys[] = {"connect_timeout", "keepalives_idle",
    "keepalives_interval", "keepalives_count", "tcp_user_timeout",
    "application_name", "dbname", NULL};

static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
pg_connect(struct pg_backend *p)
{
	const char *vals[] = {
	    "5", "10", "3", "3", "15000", "coffer", p->conninfo, NULL};
	PGresult *r;

	pg_drop(p);
	p->conn = PQconnectdbParams(conn_keys, vals, 1);
	if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
		/* libpq's message names hosts, never the password. */
		lwarnx("postgresql: cannot connect: %s",
		    p->conn != NULL ? PQerrorMessage(p->conn) : "no memory");
		pg_drop(p);
		p->unreachable = 1;
		return -1;
	}
	p->connects++;
	/* Notices ("already exists, skipping") are no one's business. */
	PQsetNoticeProcessor(p->conn, pg_notice, NULL);
	if (PQsetnonblocking(p->conn, 1) != 0)
		goto fail;
	/* Durable commits, and a bound on the server's side too, unless the
	 * role or database already set them. */
	r = pg_exec(p,
	    "SELECT set_config('synchronous_commit', 'on', false)"
	    " WHERE current_setting('synchronous_commit') = 'off';"
	    "SELECT set_config('statement_timeout', '20s', false)"
	    " WHERE current_setting('statement_timeout') = '0'",
	    "setting up the session");
	if (pg_check(r, PGRES_TUPLES_OK, "setting up the session") == -1)
		goto fail;
	PQclear(r);
	return 0;
fail:
	pg_drop(p);
	return -1;
}

/* Connected with the schema this code knows, or -1. */
static int
pg_ready(struct pg_backend *p)
{
	if (p->conn != NULL && PQstatus(p->conn) == CONNECTION_OK &&
	    (PQtransactionStatus(p->conn) == PQTRANS_IDLE ||
	        (p->rollback_due &&
	            PQtransactionStatus(p->conn) == PQTRANS_INTRANS)))
		return 0;
	if (pg_connect(p) == -1 || schema_ready(p, p->create) == -1) {
		pg_drop(p);
		return -1;
	}
	/* Once seen, a schema that vanishes is not made again: an empty
	 * store would pass for a new one. */
	p->schema_ok = 1;
	p->create = 0;
	return 0;
}

static void pg_close(struct backend *b);

static char *
conninfo_uri(const char *rest)
{
	char *s;

	if ((s = malloc(strlen("postgresql:") + strlen(rest) + 1)) == NULL)
		return NULL;
	strcpy(s, "postgresql:");
	strcat(s, rest);
	return s;
}

/* The string is one libpq reads (its error may quote the string: not
 * logged).  0 or -1. */
static int
conninfo_valid(const char *conninfo)
{
	PQconninfoOption *o;
	char *err = NULL;

	if ((o = PQconninfoParse(conninfo, &err)) == NULL) {
		lwarnx("postgresql: the connection string is not one libpq "
		       "reads");
		PQfreemem(err);
		return -1;
	}
	PQconninfoFree(o);
	return 0;
}

/*
 * A server out of reach at open is not the end: the handle opens
 * disconnected, every section tries again (and fails fast, unavailable()
 * while the server is away), so that a worker started during an outage
 * serves once it is back.  What the server refuses for good (a newer
 * schema, no store and create not set) fails the open.
 */
static int
pg_open(const char *where, int create, struct backend **out)
{
	struct pg_backend *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->b.ops = &backend_postgresql;
	p->create = create;
	/* "postgresql://host/db" is a URI whole: give libpq its scheme. */
	if (!strncmp(where, "//", 2))
		p->conninfo = conninfo_uri(where);
	else
		p->conninfo = strdup(where);
	if (p->conninfo == NULL || conninfo_valid(p->conninfo) == -1)
		goto fail;
	p->unreachable = 0;
	if (pg_ready(p) == -1 && !p->unreachable)
		goto fail;
	*out = &p->b;
	return 0;
fail:
	pg_close(&p->b);
	return -1;
}

static void
pg_close(struct backend *b)
{
	struct pg_backend *p = pg_of(b);

	if (p == NULL)
		return;
	pg_drop(p); /* the server rolls back an open section */
	hint_clear(p);
	if (p->conninfo != NULL) {
		explicit_bzero(p->conninfo, strlen(p->conninfo));
		free(p->conninfo);
	}
	free(p);
}

/* ---- sections ---- */

static int pg_flush_writes(struct pg_backend *p);

/* Send a ROLLBACK left due, outside any section: 0 or -1. */
static int
pg_settle(struct pg_backend *p)
{
	if (!p->rollback_due || p->section != PG_NONE)
		return 0;
	p->rollback_due = 0;
	if (pg_do(p, "ROLLBACK", "ending a section") == 0)
		return 0;
	pg_drop(p);
	return -1;
}

/*
 * The section's beginning, into the batch: the ROLLBACK a read section
 * left due (pg_end), BEGIN, a write section's lock, and the counter and
 * the seal epoch.  Once the lock is held, the counters read the latest
 * commit: a statement of READ COMMITTED takes its own snapshot.
 */
static int
pg_pipe_begin(struct pg_backend *p)
{
	if (p->rollback_due) {
		p->rollback_due = 0;
		if (pg_pipe(p, 0, "ROLLBACK", NULL, NULL, TAG_PLAIN) == -1)
			return -1;
	}
	if (p->section == PG_READ) {
		if (pg_pipe(p, 0,
		        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL,
		        NULL, TAG_PLAIN) == -1)
			return -1;
	} else if (pg_pipe(p, 0, "BEGIN ISOLATION LEVEL READ COMMITTED", NULL,
	               NULL, TAG_PLAIN) == -1 ||
	           pg_pipe(p, 0,
	               "SET LOCAL idle_in_transaction_session_timeout = '60s'",
	               NULL, NULL, TAG_PLAIN) == -1 ||
	           pg_pipe(p, STMT_LOCK, NULL, NULL, NULL, TAG_PLAIN) == -1)
		return -1;
	p->epoch_sent = now_ms(); /* the snapshot is taken after this */
	if (pg_pipe(p, STMT_COUNTERS, NULL, NULL, NULL, TAG_COUNTERS) == -1)
		return -1;
	p->begun = 1;
	return 0;
}

/* The section's hints not yet asked for, into the batch: 0 or -1. */
static int
pg_pipe_hints(struct pg_backend *p)
{
	struct pg_hint *h;
	const char *vals[1];
	int lens[1];
	size_t i;

	for (i = 0; i < HINTS; i++) {
		h = &p->hints[i];
		if (h->state != HINT_ASKED)
			continue;
		vals[0] = (const char *)h->key;
		lens[0] = (int)h->klen;
		if (pg_pipe(p, STMT_GET, NULL, vals, lens,
		        (enum pg_tag)(TAG_HINT + i)) == -1)
			return -1;
		h->state = HINT_SENT;
	}
	return 0;
}

/*
 * Run statement s (STMT_COUNT: none) in the section, after what the batch
 * holds, and the section's beginning first if it is not sent yet: its
 * first statement costs no round trip more than it would alone.  0 and
 * *r (s's answer, when r is not NULL), 1 when a statement failed, -1 when
 * the connection did.  A connection that died while idle (a server
 * restarted, a standby promoted) costs no request: when the batch began
 * the section, nothing was done in it yet, and it goes again on a new one.
 */
static int
pg_query(struct pg_backend *p, enum pg_stmt s, const char *const *vals,
    const int *lens, const char *what, PGresult **r)
{
	uint64_t fresh = p->connects;
	int first = !p->begun, rc;

	if (p->lost)
		return -1;
	for (;;) {
		rc = -1;
		if ((p->begun || pg_pipe_begin(p) == 0) &&
		    pg_pipe_hints(p) == 0 &&
		    (s == STMT_COUNT ||
		        pg_pipe(p, s, NULL, vals, lens, TAG_PLAIN) == 0))
			rc = pg_run(p, what, r);
		if (rc != -1 || !first || fresh != p->connects)
			break;
		/* Once only: fresh is now behind p->connects. */
		if (pg_ready(p) == -1)
			break;
		p->lost = 0;
	}
	if (rc == -1)
		p->lost = 1;
	return rc;
}

/*
 * Begin a section.  Its BEGIN goes with its first statement (pg_query),
 * unless the handle's seal epoch is older than BACKEND_SEAL_LAG_MS: then
 * now, so that seal_epoch answers within the bound (backend.h).
 */
static int
pg_begin(struct pg_backend *p, enum pg_section s)
{
	if (p->section != PG_NONE) {
		lwarnx("postgresql: a section is already open");
		return -1;
	}
	p->unreachable = 0;
	if (pg_ready(p) == -1)
		return -1;
	p->section = s;
	p->failed = p->full = p->lost = p->begun = 0;
	hint_clear(p);
	if (p->epoch_at != 0 && now_ms() - p->epoch_at < BACKEND_SEAL_LAG_MS)
		return 0;
	if (pg_query(p, STMT_COUNT, NULL, NULL, "beginning a section", NULL) ==
	    0)
		return 0;
	p->section = PG_NONE;
	pg_drop(p); /* and with it, the transaction */
	return -1;
}

static int
pg_begin_read(struct backend *b)
{
	return pg_begin(pg_of(b), PG_READ);
}

/* The end of any section: roll back what is open.  A read section's
 * ROLLBACK goes with the next section's BEGIN (pg_pipe_begin), or at idle
 * (pg_idle): it changes nothing, and a round trip is a request's cost. */
static void
pg_end(struct pg_backend *p)
{
	int read = p->section == PG_READ;

	p->section = PG_NONE;
	hint_clear(p); /* read or not, what a hint kept dies here */
	/* Not begun: nothing of it reached the server (a ROLLBACK due
	 * stays due). */
	if (p->conn == NULL || (!p->begun && p->piped == 0))
		return;
	if (p->piped > 0 &&
	    (pg_pipe(p, 0, "ROLLBACK", NULL, NULL, TAG_PLAIN) == -1 ||
	        pg_run(p, "ending a section", NULL) == -1)) {
		pg_drop(p);
		return;
	}
	if (PQtransactionStatus(p->conn) == PQTRANS_IDLE)
		return;
	if (read && PQtransactionStatus(p->conn) == PQTRANS_INTRANS) {
		p->rollback_due = 1;
		return;
	}
	if (pg_do(p, "ROLLBACK", "ending a section") == -1)
		pg_drop(p);
}

static void
pg_end_read(struct backend *b)
{
	if (pg_of(b)->section == PG_READ)
		pg_end(pg_of(b));
}

/* flags: BACKEND_DELETES asks nothing more here; the server's room is its
 * own.  As a read section, it begins with its first statement (pg_begin):
 * BEGIN, the lock and the counters go with its first get, so the lock is
 * held before it reads anything, and the epoch it reads is the latest once
 * it has read (an unseal reads the keyring before it keeps the epoch). */
static int
pg_begin_write(struct backend *b, unsigned flags)
{
	(void)flags;
	return pg_begin(pg_of(b), PG_WRITE);
}

/* The puts and deletes still in the batch, the counter raised, COMMIT:
 * one round trip. */
static int
pg_commit(struct backend *b)
{
	struct pg_backend *p = pg_of(b);
	PGresult *r = NULL;
	int rc = -1, ran;

	if (p->section != PG_WRITE)
		return -1;
	if (!p->failed && !p->lost && !p->begun)
		(void)pg_flush_writes(p); /* nothing done yet: begin */
	if (p->failed || p->lost) {
		rc = p->full ? BACKEND_FULL : -1;
		pg_end(p);
		return rc;
	}
	hint_clear(p);
	ran = -1;
	if (pg_pipe(p, STMT_RAISE, NULL, NULL, NULL, TAG_PLAIN) == 0 &&
	    pg_pipe(p, 0, "COMMIT", NULL, NULL, TAG_PLAIN) == 0)
		ran = pg_run(p, "committing", &r);
	p->section = PG_NONE;
	if (ran == 1 && !strcmp(p->state, "53100")) /* disk_full */
		rc = BACKEND_FULL;
	/* COMMIT of a failed transaction answers ROLLBACK. */
	if (ran == 0 && r != NULL && !strcmp(PQcmdStatus(r), "COMMIT"))
		rc = 0;
	else if (ran == 0)
		lwarnx("postgresql: committing: rolled back");
	PQclear(r);
	if (p->conn != NULL && PQtransactionStatus(p->conn) != PQTRANS_IDLE &&
	    pg_do(p, "ROLLBACK", "rolling back") == -1)
		pg_drop(p);
	return rc;
}

static void
pg_abort(struct backend *b)
{
	if (pg_of(b)->section == PG_WRITE)
		pg_end(pg_of(b));
}

/* ---- records ---- */

static int
key_ok(size_t klen)
{
	return klen >= 1 && klen <= BACKEND_MAX_KEY;
}

/* A statement of the section failed (pg_query's rc, 1 or -1): a write
 * section's transaction with it, told by commit. */
static void
pg_failed(struct pg_backend *p, int rc)
{
	if (p->section != PG_WRITE)
		return;
	p->failed = 1;
	if (rc == 1 && !strcmp(p->state, "53100")) /* disk_full */
		p->full = 1;
}

/* Send the writes the batch holds and read their answers: 0 or -1. */
static int
pg_flush_writes(struct pg_backend *p)
{
	int rc;

	p->pipe_bytes = 0;
	if (p->piped == 0 && p->begun)
		return 0;
	if ((rc = pg_query(p, STMT_COUNT, NULL, NULL, "writing", NULL)) == 0)
		return 0;
	pg_failed(p, rc);
	return -1;
}

/* coffer_get's answer r as get's: 0 and *val, *vlen, or BACKEND_NOTFOUND,
 * or -1.  r stays the caller's. */
static int
pg_value(const PGresult *r, uint8_t **val, size_t *vlen)
{
	uint8_t *v;
	size_t n;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 1) {
		lwarnx("postgresql: get: an answer without a value");
		return -1;
	}
	if (PQntuples(r) == 0)
		return BACKEND_NOTFOUND;
	n = (size_t)PQgetlength(r, 0, 0);
	if ((v = malloc(n > 0 ? n : 1)) == NULL)
		return -1;
	memcpy(v, PQgetvalue(r, 0, 0), n);
	*val = v;
	*vlen = n;
	return 0;
}

/* The read section's hint for key, or NULL. */
static struct pg_hint *
hint_find(struct pg_backend *p, const void *key, size_t klen)
{
	size_t i;

	for (i = 0; i < HINTS; i++)
		if (p->hints[i].state != HINT_FREE &&
		    p->hints[i].klen == klen &&
		    !memcmp(p->hints[i].key, key, klen))
			return &p->hints[i];
	return NULL;
}

/*
 * A get of a hinted key: its kept answer, once the batch that asks for it
 * (the section's first, perhaps this one) is run.  1 when there is none
 * to take (the hint's statement failed): the get then asks on its own.
 */
static int
pg_get_hinted(
    struct pg_backend *p, struct pg_hint *h, uint8_t **val, size_t *vlen)
{
	if (h->state != HINT_KEPT &&
	    pg_query(p, STMT_COUNT, NULL, NULL, "get", NULL) != 0)
		return -1;
	if (h->state != HINT_KEPT)
		return 1;
	return pg_value(h->res, val, vlen);
}

static int
pg_get(struct backend *b, const void *key, size_t klen, uint8_t **val,
    size_t *vlen)
{
	struct pg_backend *p = pg_of(b);
	const char *vals[1] = {key};
	int lens[1] = {(int)klen};
	struct pg_hint *h;
	PGresult *r;
	int rc;

	if (p->section == PG_NONE || !key_ok(klen))
		return -1;
	if (p->section == PG_WRITE && p->failed)
		return -1;
	if (!p->lost && (h = hint_find(p, key, klen)) != NULL &&
	    (rc = pg_get_hinted(p, h, val, vlen)) != 1)
		return rc;
	if ((rc = pg_query(p, STMT_GET, vals, lens, "get", &r)) != 0) {
		pg_failed(p, rc);
		return -1;
	}
	rc = pg_value(r, val, vlen);
	PQclear(r);
	return rc;
}

/*
 * A hint: the key goes with the section's next batch (pg_pipe_hints),
 * its BEGIN, lock and counters when the section has not begun, so that
 * its get costs no round trip of its own.  The answer is kept as stored,
 * sealed, until the section ends.  In a write section it is what a get
 * would read there and then (after the lock, over the section's writes
 * sent before it), and a put or delete of the key drops it (pg_write),
 * so that the section still reads its own writes.
 */
static void
pg_prefetch(struct backend *b, const void *key, size_t klen)
{
	struct pg_backend *p = pg_of(b);
	struct pg_hint *h = NULL;
	size_t i;

	if (p->section == PG_NONE || p->lost || p->failed || !key_ok(klen) ||
	    hint_find(p, key, klen) != NULL)
		return;
	for (i = 0; i < HINTS && h == NULL; i++)
		if (p->hints[i].state == HINT_FREE)
			h = &p->hints[i];
	if (h == NULL || (h->key = malloc(klen)) == NULL)
		return;
	memcpy(h->key, key, klen);
	h->klen = klen;
	h->state = HINT_ASKED;
}

/*
 * A write's statement goes into the batch, unanswered: the next get,
 * iterate or commit sends it, and reads its answer.  A failure is the
 * transaction's, told by commit.  A batch grown past PIPE_BYTES or near
 * PIPE_MAX statements is sent at once, so that what the client holds
 * stays bounded.
 */
static int
pg_write(struct pg_backend *p, enum pg_stmt s, const char *const *vals,
    const int *lens)
{
	struct pg_hint *h;

	/* What a hint of the key kept is older than this write. */
	if ((h = hint_find(p, vals[0], (size_t)lens[0])) != NULL)
		hint_free(h);
	if (p->failed)
		return 0;
	if (p->lost) {
		p->failed = 1;
		return 0;
	}
	/* A section whose first statement is a write begins on its own, so
	 * that a connection found dead then is replaced (pg_query) as for
	 * one that begins with a get. */
	if ((!p->begun || p->piped >= PIPE_MAX - 4 ||
	        p->pipe_bytes > PIPE_BYTES) &&
	    pg_flush_writes(p) == -1)
		return 0;
	if (pg_pipe(p, s, NULL, vals, lens, TAG_PLAIN) == -1) {
		p->failed = 1;
		return 0;
	}
	p->pipe_bytes +=
	    (size_t)lens[0] + (s == STMT_PUT ? (size_t)lens[1] : 0);
	return 0;
}

static int
pg_put(struct backend *b, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	const char *vals[2] = {key, vlen > 0 ? val : ""};
	int lens[2] = {(int)klen, (int)vlen};

	if (pg_of(b)->section != PG_WRITE || !key_ok(klen) ||
	    vlen > BACKEND_MAX_VALUE)
		return -1;
	return pg_write(pg_of(b), STMT_PUT, vals, lens);
}

static int
pg_del(struct backend *b, const void *key, size_t klen)
{
	const char *vals[1] = {key};
	int lens[1] = {(int)klen};

	if (pg_of(b)->section != PG_WRITE || !key_ok(klen))
		return -1;
	return pg_write(pg_of(b), STMT_DEL, vals, lens);
}

/*
 * The bytes just above every string that starts with s[0..n): s with its
 * trailing 0xff bytes dropped and its last byte raised.  Its length, 0
 * when there is none (s is all 0xff: no upper bound).
 */
static size_t
successor(uint8_t *s, size_t n)
{
	while (n > 0 && s[n - 1] == 0xff)
		n--;
	if (n > 0)
		s[n - 1]++;
	return n;
}

/* Feed one page of rows to cb: 0, cb's non-zero, or -1. */
static int
iter_page(PGresult *r, backend_iter_fn cb, void *arg)
{
	int i, rc;

	for (i = 0; i < PQntuples(r); i++) {
		rc = cb(arg, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0),
		    PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * A cursor over the prefix's rows, fetched a page at a time: a whole store
 * is never held in memory, and between pages the connection is free for
 * cb's gets.  The index narrows by the first PREFIX_INDEX bytes ($1 up to
 * $3); the prefix is then matched whole ($2).
 */
static int
iter_declare(
    struct pg_backend *p, const char *name, const void *prefix, size_t plen)
{
	uint8_t hi[PREFIX_INDEX];
	char sql[512];
	const char *vals[3] = {prefix, prefix, (const char *)hi};
	int lens[3];
	size_t lo = plen < PREFIX_INDEX ? plen : PREFIX_INDEX, hn;
	PGresult *r;

	memcpy(hi, prefix, lo);
	hn = successor(hi, lo);
	lens[0] = (int)lo;
	lens[1] = (int)plen;
	lens[2] = (int)hn;
	if (plen == 0)
		snprintf(sql, sizeof(sql),
		    "DECLARE %s NO SCROLL CURSOR FOR"
		    " SELECT k, v FROM coffer_records",
		    name);
	else
		snprintf(sql, sizeof(sql),
		    "DECLARE %s NO SCROLL CURSOR FOR"
		    " SELECT k, v FROM coffer_records"
		    " WHERE substr(k, 1, 512) >= $1 AND substr(k, 1, %zu) = $2"
		    "%s",
		    name, plen, hn > 0 ? " AND substr(k, 1, 512) < $3" : "");
	r = pg_exec_params(p, sql,
	    plen == 0 ? 0
	    : hn > 0  ? 3
	              : 2,
	    vals, lens, "iterate");
	if (pg_check(r, PGRES_COMMAND_OK, "iterate") == -1)
		return -1;
	PQclear(r);
	return 0;
}

/* The cursor's pages to cb until it ends or cb stops: 0, cb's non-zero,
 * or -1. */
static int
iter_fetch(
    struct pg_backend *p, const char *name, backend_iter_fn cb, void *arg)
{
	char sql[64];
	PGresult *r;
	int rc, n;

	snprintf(sql, sizeof(sql), "FETCH " ITER_PAGE " FROM %s", name);
	do {
		r = pg_exec_params(p, sql, 0, NULL, NULL, "iterate");
		if (pg_check(r, PGRES_TUPLES_OK, "iterate") == -1)
			return -1;
		n = PQntuples(r);
		rc = iter_page(r, cb, arg);
		PQclear(r);
	} while (rc == 0 && n > 0);
	return rc;
}

static int
pg_iterate(struct backend *b, const void *prefix, size_t plen,
    backend_iter_fn cb, void *arg)
{
	struct pg_backend *p = pg_of(b);
	char name[32], sql[64];
	int rc = -1;

	if (p->section == PG_NONE || p->failed || plen > BACKEND_MAX_KEY)
		return -1;
	/* The section begun and its writes sent: the cursor reads them. */
	if ((!p->begun || p->piped > 0) &&
	    (rc = pg_query(p, STMT_COUNT, NULL, NULL, "iterate", NULL)) != 0) {
		pg_failed(p, rc);
		return -1;
	}
	rc = -1;
	snprintf(name, sizeof(name), "coffer_it%" PRIu64, p->cursors++);
	if (iter_declare(p, name, prefix, plen) == 0) {
		rc = iter_fetch(p, name, cb, arg);
		snprintf(sql, sizeof(sql), "CLOSE %s", name);
		if (rc != -1 && pg_do(p, sql, "iterate") == -1)
			rc = -1;
	}
	if (rc == -1 && p->section == PG_WRITE)
		p->failed = 1;
	return rc;
}

static uint64_t
pg_changes(struct backend *b)
{
	struct pg_backend *p = pg_of(b);
	int rc;

	/* A section not begun yet begins now: the number names the state it
	 * reads.  When it cannot, the section reads nothing more (p->lost or
	 * failed), and the number is one no section had before. */
	if (p->section != PG_NONE && !p->begun && !p->lost &&
	    (rc = pg_query(p, STMT_COUNT, NULL, NULL, "changes", NULL)) != 0) {
		pg_failed(p, rc);
		p->lost = 1;
		p->connects++;
	}
	return p->connects << 48 | (p->counter & ((UINT64_C(1) << 48) - 1));
}

/* A bigint of a binary answer (network byte order): 0, or -1 for NULL or
 * another type. */
static int
pg_int8(const PGresult *r, int col, uint64_t *out)
{
	const unsigned char *v;
	uint64_t n = 0;
	int i;

	if (PQgetisnull(r, 0, col) || PQgetlength(r, 0, col) != 8)
		return -1;
	v = (const unsigned char *)PQgetvalue(r, 0, col);
	for (i = 0; i < 8; i++)
		n = n << 8 | v[i];
	*out = n;
	return 0;
}

/* One statement in a read section of its own: the triggers' count
 * (schema_v3) and pg_total_relation_size of both tables, indexes and
 * TOAST (where the values are) included: the bytes on the server's
 * disk, free space within the tables too, which VACUUM FULL returns. */
static int
pg_stats(struct backend *b, struct backend_stats *out)
{
	struct pg_backend *p = pg_of(b);
	PGresult *r = NULL;
	int rc = -1;

	if (pg_begin(p, PG_READ) == -1)
		return -1;
	if (pg_query(p, STMT_STATS, NULL, NULL, "stats", &r) != 0)
		goto out;
	if (PQntuples(r) != 1 || PQnfields(r) != 2 ||
	    pg_int8(r, 0, &out->records) == -1 ||
	    pg_int8(r, 1, &out->bytes) == -1) {
		lwarnx("postgresql: stats: coffer_meta has no record count");
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	pg_end(p);
	return rc;
}

static int
pg_unavailable(struct backend *b)
{
	return pg_of(b)->unreachable;
}

static uint64_t
pg_seal_epoch(struct backend *b)
{
	return pg_of(b)->epoch;
}

static int
pg_seal_raise(struct backend *b)
{
	static const char sql[] = "UPDATE coffer_meta SET value = value + 1"
	                          " WHERE name = 'seal_epoch'";
	struct pg_backend *p = pg_of(b);
	uint64_t fresh;

	if (p->section != PG_NONE || pg_settle(p) == -1 || pg_ready(p) == -1)
		return -1;
	fresh = p->connects;
	/* This handle's next section reads the epoch afresh. */
	p->epoch_at = 0;
	if (pg_do(p, sql, "raising the seal epoch") == 0)
		return 0;
	/* A connection that died while idle: once more on a new one.  Were
	 * the first raise applied after all, raising twice is as good. */
	if (fresh != p->connects || pg_ready(p) == -1)
		return -1;
	return pg_do(p, sql, "raising the seal epoch");
}

/* The database's health is its server's to tell. */
static const char *
pg_damage(struct backend *b)
{
	(void)b;
	return NULL;
}

static int
pg_disk_full(struct backend *b)
{
	(void)b;
	return 0;
}

/* An idle process keeps its connection (reconnecting costs more than an
 * idle session does), but no transaction: a read section's snapshot
 * would hold back the server's cleanup. */
static void
pg_idle(struct backend *b)
{
	(void)pg_settle(pg_of(b));
}

const struct backend_ops backend_postgresql = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .begin_read = pg_begin_read,
    .end_read = pg_end_read,
    .begin_write = pg_begin_write,
    .commit = pg_commit,
    .abort = pg_abort,
    .get = pg_get,
    .put = pg_put,
    .del = pg_del,
    .iterate = pg_iterate,
    .changes = pg_changes,
    .damage = pg_damage,
    .disk_full = pg_disk_full,
    .defer_upkeep = NULL,
    .maintain = NULL,
    .idle = pg_idle,
    .keep_reads = 1,
    .unavailable = pg_unavailable,
    .seal_epoch = pg_seal_epoch,
    .seal_raise = pg_seal_raise,
    .stats = pg_stats,
    .prefetch = pg_prefetch,
};
