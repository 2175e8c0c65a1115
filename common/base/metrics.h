/*
 * metrics.h: counters shared by every worker process of every program, and
 * their text for Prometheus (GET /metrics, dialects/metrics.h).
 *
 * The counters live in one small file per host, <state>.metrics (state is
 * the config's, config.h: beside a gdbm store, else in state_dir), which
 * each program maps shared once at start (metrics_open).  A count is one
 * relaxed atomic add on that mapping: no lock and no system call on the
 * request path, and a worker killed at any moment leaves every counter
 * whole.  Counters only rise; they start over only when the file is made
 * anew (its layout changed, or it was removed), which Prometheus takes for
 * a restart.  A process that could not map the file counts nothing, and
 * says so once; it serves as ever.
 *
 * Every label is an enum of ours (program, dialect, status class, bucket,
 * decision): never a path, a user, a token or anything a client sent.
 * Nothing here needs the store's key, so the text can be read sealed.
 */
#ifndef COFFER_METRICS_H
#define COFFER_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "base/errors.h"

/* The counters that carry no label of their own. */
enum metrics_counter {
	METRICS_AUTHZ_ALLOWED,     /* authorization decisions that allowed */
	METRICS_AUTHZ_DENIED,      /* ... and that refused */
	METRICS_LOGIN_FAILURES,    /* a password or service login refused */
	METRICS_UNSEAL_FAILURES,   /* a share refused (unsealgate_fail) */
	METRICS_SEALS,             /* the store sealed (PUT seal) */
	METRICS_UNSEALS,           /* the store unsealed by a last share */
	METRICS_STORE_COMMITS,     /* transactions committed (vault_commit) */
	METRICS_STORE_CHECKPOINTS, /* gdbm checkpoints completed */
	METRICS_CERTS_ISSUED,      /* certificates recorded by the CA */
	METRICS_CERTS_REVOKED,     /* certificates revoked */
	METRICS_NCOUNTERS
};

/* Map <state>.metrics and count as program ("secrets", "bulk", "ca",
 * "auth"; another name counts all but requests).  0, or -1 logged: then
 * nothing is counted and metrics_render shows zeros. */
int metrics_open(const char *state, const char *program);
/* Unmap it (tests). */
void metrics_close(void);

void metrics_count(enum metrics_counter c);
/* One answered request: its route's dialect, its HTTP status and how long
 * it took, in nanoseconds. */
void metrics_request(enum cf_dialect d, int status, uint64_t ns);

/* The gauges a program reads from its store at each scrape, not kept in
 * the file: they are the store's own state. */
struct metrics_gauges {
	int sealed;       /* 1 or 0; -1 leaves it out */
	int store;        /* 1: records and bytes are known, and told */
	uint64_t records; /* the store's live records */
	uint64_t bytes;   /* and the bytes that hold them (backend.h) */
};

/* The text exposition format 0.0.4 of every counter, and the gauges g
 * (NULL: none).  0, or -1 on a write error. */
int metrics_render(FILE *fp, const struct metrics_gauges *g);

#endif
