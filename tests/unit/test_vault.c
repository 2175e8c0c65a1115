/*
 * test_vault.c: how a worker learns of a seal or an unseal made by another
 * (vault.c over the real kernel keyring).  Inside a request vault_ready
 * asks the keyholder once and answers later calls from that; the next
 * request asks again, and sees a seal made in between.  Each unseal is a
 * new epoch, and a worker that finds one drops its keys and every record
 * it opened with them.  Two vault handles on one store stand for two
 * worker processes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "unit.h"
#include "vault/vault.h"

static char dir[] = "/tmp/coffer-vault.XXXXXX";
static char path[256];

static enum cf_status
unseal(struct vault *v, const char *share)
{
	struct vault_status s;
	enum cf_status st;

	if ((st = vault_unseal(v, share, strlen(share), &s)) != CF_OK)
		return st;
	return s.sealed ? CF_E_SEALED : CF_OK;
}

/* v2 reads m:probe through its cache in a request of its own. */
static struct json_object *
probe(struct vault *v2, enum cf_status *ready)
{
	struct json_object *o = NULL;

	vault_request_begin(v2);
	if ((*ready = vault_ready(v2)) == CF_OK &&
	    vault_read_begin(v2) == CF_OK) {
		if (vault_get_json_cached(v2, "m:probe", NULL, &o) != CF_OK)
			o = NULL;
		vault_read_end(v2);
	}
	vault_request_end(v2);
	return o;
}

static void
test_seal_and_unseal_reach_the_next_request(
    struct vault *v1, struct vault *v2, const char *share)
{
	struct json_object *a, *b;
	enum cf_status ready;
	int32_t e1;

	CHECK(unseal(v1, share) == CF_OK, "v1 unseals");
	CHECK(vault_write_begin(v1) == CF_OK &&
	          vault_put(v1, RECORD_META, "m:probe", "{}", 2) == CF_OK &&
	          vault_commit(v1) == CF_OK,
	    "a record");
	a = probe(v2, &ready);
	CHECK(ready == CF_OK && a != NULL, "v2 is ready and reads it");
	e1 = vault_epoch(v2);
	CHECK(e1 != 0 && e1 == vault_epoch(v1), "one unseal, one epoch");
	b = probe(v2, &ready);
	CHECK(b != NULL && b == a, "the same epoch: the record opened before");
	json_object_put(b);

	vault_request_begin(v2);
	CHECK(vault_ready(v2) == CF_OK, "a request begins unsealed");
	CHECK(vault_seal(v1) == CF_OK, "v1 seals meanwhile");
	CHECK(vault_ready(v2) == CF_OK,
	    "within the request, the keyholder is not asked again");
	vault_request_end(v2);
	vault_request_begin(v2);
	CHECK(vault_ready(v2) == CF_E_SEALED, "the next request sees the seal");
	CHECK(vault_epoch(v2) == 0, "no epoch while sealed");
	vault_request_end(v2);

	CHECK(unseal(v1, share) == CF_OK, "v1 unseals again");
	b = probe(v2, &ready);
	CHECK(ready == CF_OK, "the next request sees the unseal");
	CHECK(vault_epoch(v2) != 0 && vault_epoch(v2) != e1,
	    "a new unseal, a new epoch");
	CHECK(b != NULL && b != a, "records are opened again with new keys");
	json_object_put(a);
	json_object_put(b);

	/* v2 has not looked since: it still holds the keys of this epoch. */
	CHECK(vault_seal(v1) == CF_OK && unseal(v1, share) == CF_OK,
	    "sealed and unsealed again between two of v2's requests");
	a = probe(v2, &ready);
	CHECK(ready == CF_OK && vault_epoch(v2) == vault_epoch(v1),
	    "v2 takes the new epoch, from the same root key");
	json_object_put(a);

	CHECK(vault_seal(v1) == CF_OK, "v1 seals");
	CHECK(vault_ready(v2) == CF_E_SEALED,
	    "outside a request, every call asks the keyholder");
}

/* The term key's record names as stored, or -1. */
static int64_t
stored_term(struct vault *v, const char *key)
{
	struct backend *be = vault_backend(v);
	uint8_t *raw = NULL;
	size_t len = 0;
	int64_t term = -1;

	if (vault_read_begin(v) != CF_OK)
		return -1;
	if (be->ops->get(be, key, strlen(key), &raw, &len) == 0)
		term = record_term(raw, len);
	vault_read_end(v);
	free(raw);
	return term;
}

/* v writes key in a request of its own. */
static enum cf_status
put_in_request(struct vault *v, const char *key)
{
	enum cf_status st;

	vault_request_begin(v);
	if ((st = vault_ready(v)) == CF_OK &&
	    (st = vault_write_begin(v)) == CF_OK) {
		if ((st = vault_put(v, RECORD_META, key, "{}", 2)) == CF_OK)
			st = vault_commit(v);
		else
			vault_abort(v);
	}
	vault_request_end(v);
	return st;
}

static void
test_a_rotate_reaches_another_workers_next_write(
    struct vault *v1, struct vault *v2, const char *share)
{
	struct json_object *o;
	enum cf_status ready;
	uint32_t term = 0;

	CHECK(unseal(v1, share) == CF_OK, "v1 unseals");
	CHECK(put_in_request(v2, "m:probe") == CF_OK, "v2 writes under term 1");
	CHECK(stored_term(v2, "m:probe") == 1, "the first term");
	CHECK(vault_rotate(v1, &term) == CF_OK && term == 2, "v1 rotates");
	CHECK(put_in_request(v2, "m:after") == CF_OK, "v2 writes again");
	CHECK(stored_term(v2, "m:after") == 2,
	    "v2's next write seals under the new term, without an unseal");
	o = probe(v2, &ready);
	CHECK(ready == CF_OK && o != NULL, "the record under term 1 reads");
	json_object_put(o);
	CHECK(
	    put_in_request(v1, "m:v1") == CF_OK && stored_term(v1, "m:v1") == 2,
	    "and so do the rotating worker's");
}

static void
test_a_rewrap_leaves_no_record_under_an_older_term(struct vault *v1)
{
	struct vault_rewrap rw;
	struct vault_terms t;
	size_t steps = 0;

	CHECK(vault_rewrap_begin(v1, &rw) == CF_OK, "records listed");
	CHECK(rw.todo.n >= 2, "m:probe and m:jwtkey at least are under term 1");
	while (rw.next < rw.todo.n && steps++ < 100)
		CHECK(vault_rewrap_step(v1, &rw, 1) == CF_OK, "a batch of one");
	CHECK(rw.rewrapped == rw.todo.n && rw.term == 2, "all of them, to 2");
	vault_rewrap_end(&rw);
	CHECK(stored_term(v1, "m:probe") == 2, "m:probe moved");
	CHECK(vault_terms(v1, &t) == CF_OK && t.n == 2 && t.current == 2 &&
	          t.records[0] == 0 && t.records[1] > 0 && t.unknown == 0,
	    "term 1 seals nothing now");
	CHECK(vault_rewrap_begin(v1, &rw) == CF_OK && rw.todo.n == 0,
	    "a second rewrap finds nothing to do");
	vault_rewrap_end(&rw);
}

static void
test_a_rekey_refuses_bad_counts_and_shares_unchanged(
    struct vault *v1, char *share)
{
	static const struct {
		int line;
		unsigned n, t;
	} bad[] = {
	    {__LINE__, 2, 3}, /* T > N */
	    {__LINE__, 2, 0}, /* T < 1 */
	    {__LINE__, 3, 1}, /* several shares, threshold 1 */
	    {__LINE__, 0, 0},
	};
	struct vault_init_result r;
	char wrong[] = "0101010101010101010101010101010101010101010101010101"
	               "01010101010101010101";
	char *sh[1];
	const char *why = NULL;
	size_t i;

	sh[0] = share;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		CHECK_LINE(bad[i].line,
		    vault_rekey(v1, sh, 1, bad[i].n, bad[i].t, &r, &why) ==
		            CF_E_BAD_REQUEST &&
		        why != NULL && r.nshares == 0,
		    "refused with a reason");
	}
	sh[0] = wrong;
	CHECK(vault_rekey(v1, sh, 1, 1, 1, &r, &why) == CF_E_BAD_REQUEST &&
	          why != NULL && r.nshares == 0,
	    "a share of no store is refused");
	CHECK(vault_ready(v1) == CF_OK, "and the store stays unsealed");
}

static void
test_a_rekey_makes_new_shares_and_voids_the_old(
    struct vault *v1, struct vault *v2, char *share)
{
	struct vault_init_result r;
	struct json_object *o;
	enum cf_status ready;
	const char *why = NULL;
	char *sh[1];

	sh[0] = share;
	CHECK(vault_rekey(v1, sh, 1, 1, 1, &r, &why) == CF_OK && r.nshares == 1,
	    "rekeyed to one new share");
	if (r.nshares != 1)
		return;
	o = probe(v2, &ready);
	CHECK(ready == CF_OK && o != NULL,
	    "a worker of this host keeps serving through a rekey");
	json_object_put(o);
	CHECK(put_in_request(v2, "m:rekeyed") == CF_OK, "and writing");
	CHECK(vault_seal(v1) == CF_OK, "sealed");
	CHECK(
	    unseal(v1, share) == CF_E_BAD_REQUEST, "the old share is refused");
	CHECK(unseal(v1, r.shares_hex[0]) == CF_OK, "the new share unseals");
	o = probe(v2, &ready);
	CHECK(ready == CF_OK && o != NULL, "records read after the rekey");
	json_object_put(o);
	vault_init_result_free(&r);
}

#ifdef COFFER_WITH_PG
#include <libpq-fe.h>

/* A fresh database ct_vault on COFFER_TEST_PG's server: 0 or -1. */
static int
pg_fresh_db(void)
{
	static const char *const sql[] = {
	    "DROP DATABASE IF EXISTS ct_vault WITH (FORCE)",
	    "CREATE DATABASE ct_vault"};
	PGconn *c = PQconnectdb(getenv("COFFER_TEST_PG"));
	PGresult *r;
	int rc = PQstatus(c) == CONNECTION_OK ? 0 : -1;
	size_t i;

	for (i = 0; rc == 0 && i < 2; i++) {
		r = PQexec(c, sql[i]);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = -1;
		PQclear(r);
	}
	PQfinish(c);
	return rc;
}

static int
hosts_listed(struct vault *v, const char *want)
{
	struct vault_status s;

	return vault_status(v, &s) == CF_OK && s.shared &&
	       !strcmp(s.unsealed_hosts, want);
}

/*
 * Hosts that share a PostgreSQL store.  One keyring stands for this
 * host's (v1 and v2 are two of its workers); a third handle raising the
 * seal epoch (backend.h: seal_raise) stands for a seal on another host,
 * which has a keyring of its own.
 */
static void
test_a_seal_on_another_host_seals_this_one(void)
{
	struct vault *v1 = NULL, *v2 = NULL, *other = NULL;
	struct backend *ob;
	struct vault_init_result r;
	struct json_object *o;
	enum cf_status ready;
	char where[600], host[256];

	if (getenv("COFFER_TEST_PG") == NULL) {
		fprintf(stderr, "postgresql: not tested here\n");
		return;
	}
	fprintf(stderr, "postgresql\n");
	gethostname(host, sizeof(host));
	snprintf(where, sizeof(where), "postgresql:%s dbname=ct_vault",
	    getenv("COFFER_TEST_PG"));
	memset(&r, 0, sizeof(r));
	CHECK(pg_fresh_db() == 0 && vault_open(where, &v1) == 0 &&
	          vault_init(v1, 1, 1, &r) == CF_OK &&
	          vault_open(where, &v2) == 0 && vault_open(where, &other) == 0,
	    "a store on PostgreSQL, and three handles");
	if (v1 == NULL || v2 == NULL || other == NULL || r.nshares != 1)
		goto out;
	ob = vault_backend(other);
	CHECK(hosts_listed(v1, ""), "no host is unsealed after init");
	CHECK(unseal(v1, r.shares_hex[0]) == CF_OK, "v1 unseals");
	CHECK(hosts_listed(v2, host), "the status names this host");
	CHECK(vault_write_begin(v1) == CF_OK &&
	          vault_put(v1, RECORD_META, "m:probe", "{}", 2) == CF_OK &&
	          vault_commit(v1) == CF_OK,
	    "a record");
	o = probe(v2, &ready);
	CHECK(ready == CF_OK && o != NULL, "v2 reads it");
	json_object_put(o);

	vault_request_begin(v2);
	CHECK(vault_ready(v2) == CF_OK, "a request begins unsealed");
	CHECK(ob->ops->seal_raise(ob) == 0, "another host seals meanwhile");
	/* A section may read an epoch up to the lag old (backend.h). */
	usleep((BACKEND_SEAL_LAG_MS + 50) * 1000);
	CHECK(vault_read_begin(v2) == CF_E_SEALED,
	    "the request's next section is refused");
	CHECK(vault_ready(v2) == CF_E_SEALED && vault_epoch(v2) == 0,
	    "and the rest of the request is sealed");
	vault_request_end(v2);
	CHECK(vault_ready(v1) == CF_E_SEALED,
	    "the keyring was cleared: every worker of this host is sealed");
	CHECK(hosts_listed(v1, ""), "the status names no unsealed host");

	CHECK(unseal(v1, r.shares_hex[0]) == CF_OK, "v1 unseals again");
	o = probe(v2, &ready);
	CHECK(ready == CF_OK && o != NULL, "v2 serves again");
	json_object_put(o);
	CHECK(hosts_listed(v2, host), "the status names this host again");
	CHECK(ob->ops->seal_raise(ob) == 0, "another host seals");
	usleep((BACKEND_SEAL_LAG_MS + 50) * 1000);
	vault_idle(v2);
	CHECK(vault_epoch(v2) == 0, "an idle worker drops its keys");

	CHECK(
	    unseal(v1, r.shares_hex[0]) == CF_OK && vault_seal(other) == CF_OK,
	    "a seal through the vault raises the epoch");
	CHECK(vault_ready(v1) == CF_E_SEALED && hosts_listed(v1, ""),
	    "and seals");
out:
	if (v1 != NULL)
		(void)vault_seal(v1);
	vault_init_result_free(&r);
	vault_close(other);
	vault_close(v2);
	vault_close(v1);
}
#endif

int
main(void)
{
	struct vault_init_result r;
	struct vault *v1 = NULL, *v2 = NULL;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/coffer.db", dir);
	CHECK(vault_open(path, &v1) == 0, "open");
	CHECK(v1 != NULL && vault_init(v1, 1, 1, &r) == CF_OK, "init");
	CHECK(vault_open(path, &v2) == 0, "open a second handle");
	if (v1 != NULL && v2 != NULL && r.nshares == 1)
		test_seal_and_unseal_reach_the_next_request(
		    v1, v2, r.shares_hex[0]);
	if (v1 != NULL && v2 != NULL && r.nshares == 1) {
		test_a_rotate_reaches_another_workers_next_write(
		    v1, v2, r.shares_hex[0]);
		test_a_rewrap_leaves_no_record_under_an_older_term(v1);
		test_a_rekey_refuses_bad_counts_and_shares_unchanged(
		    v1, r.shares_hex[0]);
		test_a_rekey_makes_new_shares_and_voids_the_old(
		    v1, v2, r.shares_hex[0]);
	}
	if (v1 != NULL)
		(void)vault_seal(v1); /* leave no key in the keyring */
	if (v1 != NULL && r.nshares == 1)
		vault_init_result_free(&r);
	vault_close(v2);
	vault_close(v1);
	unit_rmtree(dir);
#ifdef COFFER_WITH_PG
	test_a_seal_on_another_host_seals_this_one();
#endif
	return unit_done();
}
