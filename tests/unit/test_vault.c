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
	if (v1 != NULL)
		(void)vault_seal(v1); /* leave no key in the keyring */
	if (v1 != NULL && r.nshares == 1)
		vault_init_result_free(&r);
	vault_close(v2);
	vault_close(v1);
	unit_rmtree(dir);
	return unit_done();
}
