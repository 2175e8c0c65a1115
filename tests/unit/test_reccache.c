/*
 * test_reccache.c: the per-process cache of opened records (reccache.c)
 * and the vault and iam reads through it.  A hit needs the very sealed
 * bytes the entry was built from; any write, delete or change of keys is
 * a miss.  Two vault handles on one store stand for two worker processes:
 * what one changes, the other sees on its next read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/limits.h"
#include "identity/acl.h"
#include "identity/iam.h"
#include "unit.h"
#include "vault/reccache.h"
#include "vault/vault.h"

static char dir[] = "/tmp/coffer-reccache.XXXXXX";
static char path[256];

static void
test_find_needs_the_same_bytes(void)
{
	static const uint8_t rec[] = "sealed-bytes-1";
	static const uint8_t other[] = "sealed-bytes-2";
	struct reccache *c = reccache_new(8);
	struct json_object *o = json_object_new_object();

	CHECK(c != NULL, "new");
	reccache_keep(c, "u:a", rec, sizeof(rec), o);
	CHECK(reccache_find(c, "u:a", rec, sizeof(rec)) == o, "same bytes hit");
	CHECK(reccache_find(c, "u:a", other, sizeof(other)) == NULL,
	    "one byte changed misses");
	CHECK(reccache_find(c, "u:a", rec, sizeof(rec) - 1) == NULL,
	    "another length misses");
	CHECK(reccache_find(c, "u:b", rec, sizeof(rec)) == NULL,
	    "another key misses");
	reccache_forget(c, "u:a");
	CHECK(reccache_find(c, "u:a", rec, sizeof(rec)) == NULL, "forgotten");
	reccache_keep(c, "u:a", rec, sizeof(rec), o);
	reccache_clear(c);
	CHECK(reccache_find(c, "u:a", rec, sizeof(rec)) == NULL, "cleared");
	/* The cache held its own reference: ours is still good. */
	CHECK(json_object_get_type(o) == json_type_object, "reference kept");
	json_object_put(o);
	reccache_free(c);
}

static void
test_bounds(void)
{
	static const uint8_t a[] = "a", b[] = "b";
	struct reccache *c = reccache_new(1);
	struct json_object *o = json_object_new_object();
	uint8_t *big = calloc(1, CF_RECCACHE_BYTES + 1);

	CHECK(reccache_new(0) == NULL, "no slots, no cache");
	CHECK(c != NULL && big != NULL, "new");
	reccache_keep(c, "p:a", a, sizeof(a), o);
	reccache_keep(c, "p:b", b, sizeof(b), o);
	CHECK(reccache_find(c, "p:a", a, sizeof(a)) == NULL,
	    "one slot: the second record evicts the first");
	CHECK(reccache_find(c, "p:b", b, sizeof(b)) == o, "the second stays");
	reccache_keep(c, "p:big", big, CF_RECCACHE_BYTES + 1, o);
	CHECK(reccache_find(c, "p:big", big, CF_RECCACHE_BYTES + 1) == NULL,
	    "a record over the bound is not kept");
	json_object_put(o);
	reccache_free(c);
	free(big);
	reccache_free(NULL);
}

/* Read key through the cache in its own section; NULL if absent. */
static struct json_object *
cached(struct vault *v, const char *key, const char *const *drop)
{
	struct json_object *o = NULL;

	if (vault_read_begin(v) != CF_OK)
		return NULL;
	if (vault_get_json_cached(v, key, drop, &o) != CF_OK)
		o = NULL;
	vault_read_end(v);
	return o;
}

/* Read key through the cache after a first fetch in the same section
 * (of "m:first", which may be absent), so that the entry may be taken
 * without fetching when its stamp is current: st, and *o or NULL. */
static enum cf_status
cached_second(struct vault *v, const char *key, struct json_object **o)
{
	struct json_object *f = NULL;
	enum cf_status st;

	*o = NULL;
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if (vault_get_json_cached(v, "m:first", NULL, &f) == CF_OK)
		json_object_put(f);
	st = vault_get_json_cached(v, key, NULL, o);
	vault_read_end(v);
	return st;
}

static enum cf_status
put(struct vault *v, const char *key, const char *json)
{
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_put(v, RECORD_META, key, json, strlen(json))) !=
	    CF_OK) {
		vault_abort(v);
		return st;
	}
	return vault_commit(v);
}

static enum cf_status
del(struct vault *v, const char *key)
{
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_del(v, key)) != CF_OK) {
		vault_abort(v);
		return st;
	}
	return vault_commit(v);
}

static void
test_vault_reads(struct vault *v, char *const *shares)
{
	static const char *const drop[] = {"password", NULL};
	struct json_object *a, *b, *c;

	CHECK(put(v, "p:t", "{\"n\":1,\"password\":\"h\"}") == CF_OK, "put");
	a = cached(v, "p:t", drop);
	b = cached(v, "p:t", drop);
	CHECK(a != NULL && a == b, "unchanged: the object opened before");
	CHECK(a != NULL && !json_object_object_get_ex(a, "password", NULL) &&
	          json_object_object_get_ex(a, "n", NULL),
	    "dropped members are never kept");
	json_object_put(b);
	CHECK(put(v, "p:t", "{\"n\":1,\"password\":\"h\"}") == CF_OK,
	    "the same value again");
	b = cached(v, "p:t", drop);
	CHECK(b != NULL && b != a,
	    "a rewrite, even of the same value, is opened again");
	json_object_put(b);
	CHECK(put(v, "p:t", "{\"n\":2}") == CF_OK, "change");
	b = cached(v, "p:t", drop);
	CHECK(b != NULL &&
	          json_object_get_int(json_object_object_get(b, "n")) == 2,
	    "a change is read at once");
	CHECK(a != NULL &&
	          json_object_get_int(json_object_object_get(a, "n")) == 1,
	    "an old reference stays as it was");
	json_object_put(a);
	CHECK(vault_unlock(v, shares, 1) == CF_OK, "unlock again");
	c = cached(v, "p:t", drop);
	CHECK(c != NULL && c != b, "new keys: everything is opened again");
	json_object_put(b);
	json_object_put(c);
	CHECK(del(v, "p:t") == CF_OK, "delete");
	CHECK(cached(v, "p:t", drop) == NULL, "a deleted record is gone");
}

static void
test_stamps(void)
{
	static const uint8_t rec[] = "sealed-bytes-1";
	struct reccache *c = reccache_new(8);
	struct json_object *o = json_object_new_object();

	CHECK(c != NULL, "new");
	reccache_keep(c, "u:a", rec, sizeof(rec), o);
	CHECK(reccache_current(c, "u:a", 7) == NULL, "kept, not yet stamped");
	reccache_stamp(c, "u:a", 7);
	CHECK(reccache_current(c, "u:a", 7) == o, "current at its stamp");
	CHECK(reccache_current(c, "u:a", 8) == NULL, "not at another number");
	reccache_keep(c, "u:a", rec, sizeof(rec), o);
	CHECK(reccache_current(c, "u:a", 7) == NULL,
	    "kept again (a write section's read): the stamp is gone");
	reccache_stamp(c, "u:b", 7);
	CHECK(reccache_current(c, "u:b", 7) == NULL, "no entry, no stamp");
	reccache_keep_absent(c, "u:b", 9);
	CHECK(reccache_absent(c, "u:b", 9) && !reccache_absent(c, "u:b", 10),
	    "absent at its number only");
	CHECK(reccache_current(c, "u:b", 9) == NULL &&
	          reccache_find(c, "u:b", rec, 0) == NULL,
	    "an absent entry is no object");
	reccache_forget(c, "u:b");
	CHECK(!reccache_absent(c, "u:b", 9), "forgotten");
	json_object_put(o);
	reccache_free(c);
}

/*
 * A write section reads its own pending writes through the cache too; if
 * it then fails (or aborts), the change counter stays, and the next read
 * section at that same number must not take what it read for current.
 */
static void
test_a_failed_write_section_is_never_current(struct vault *v)
{
	struct json_object *o = NULL;
	enum cf_status st;

	CHECK(put(v, "p:w", "{\"n\":1}") == CF_OK, "put");
	CHECK(cached_second(v, "p:w", &o) == CF_OK && o != NULL, "read");
	json_object_put(o);
	CHECK(cached_second(v, "p:w", &o) == CF_OK && o != NULL,
	    "read again, current");
	json_object_put(o);
	CHECK(cached_second(v, "p:none", &o) == CF_E_NOT_FOUND &&
	          cached_second(v, "p:none", &o) == CF_E_NOT_FOUND,
	    "a missing record, twice");
	CHECK(vault_write_begin(v) == CF_OK &&
	          vault_put(v, RECORD_META, "p:w", "{\"n\":2}", 7) == CF_OK &&
	          vault_put(v, RECORD_META, "p:none", "{}", 2) == CF_OK,
	    "a write section");
	CHECK(vault_get_json_cached(v, "p:w", NULL, &o) == CF_OK && o != NULL &&
	          json_object_get_int(json_object_object_get(o, "n")) == 2,
	    "reads its own write through the cache");
	json_object_put(o);
	CHECK(
	    vault_get_json_cached(v, "p:none", NULL, &o) == CF_OK, "and finds");
	json_object_put(o);
	vault_abort(v);
	st = cached_second(v, "p:w", &o);
	CHECK(st == CF_OK && o != NULL &&
	          json_object_get_int(json_object_object_get(o, "n")) == 1,
	    "after the abort: the committed record, not the pending one");
	json_object_put(o);
	CHECK(cached_second(v, "p:none", &o) == CF_E_NOT_FOUND,
	    "and the missing one is still missing");
	CHECK(put(v, "p:none", "{}") == CF_OK &&
	          cached_second(v, "p:none", &o) == CF_OK && o != NULL,
	    "once committed, it is found");
	json_object_put(o);
	CHECK(del(v, "p:w") == CF_OK && del(v, "p:none") == CF_OK, "clean up");
}

/* v1 and v2: two handles on one store, as two worker processes. */
static void
test_two_processes(struct vault *v1, struct vault *v2)
{
	const char *rid = "dcos:secrets:default:/c", *code = NULL;
	struct iam_user u;
	char owner[97];
	char *key = NULL, name[65];
	int ok = 0;

	CHECK(iam_user_create(v1, "cy", "", "pw-cy", NULL, 0, &code) == CF_OK,
	    "create cy");
	CHECK(iam_acl_create(v1, rid, "", &code) == CF_OK, "acl");
	CHECK(iam_grant(v1, rid, 'u', "cy", ACL_READ, 1, &code) == CF_OK,
	    "grant");
	CHECK(iam_user_load(v2, "cy", &u) == CF_OK && !u.superuser,
	    "v2 loads cy");
	CHECK(iam_allowed(v2, "cy", rid, ACL_READ, &ok) == CF_OK && ok == 1,
	    "v2 allows cy");
	CHECK(iam_grant(v1, rid, 'u', "cy", ACL_READ, 0, &code) == CF_OK,
	    "v1 revokes");
	CHECK(iam_allowed(v2, "cy", rid, ACL_READ, &ok) == CF_OK && ok == 0,
	    "v2 refuses at once");
	CHECK(iam_grant(v1, IAM_SUPERUSER_RID, 'u', "cy", ACL_FULL, 1, &code) ==
	          CF_OK,
	    "v1 makes cy a superuser");
	CHECK(iam_allowed(v2, "cy", rid, ACL_DELETE, &ok) == CF_OK && ok == 1,
	    "v2 sees the superuser grant");
	CHECK(iam_grant(v1, IAM_SUPERUSER_RID, 'u', "cy", ACL_FULL, 0, &code) ==
	          CF_OK,
	    "v1 takes it back");
	CHECK(iam_allowed(v2, "cy", rid, ACL_DELETE, &ok) == CF_OK && ok == 0,
	    "v2 sees it gone");
	CHECK(iam_apikey_create(v1, "cy", &key, name) == CF_OK, "api key");
	CHECK(key != NULL &&
	          iam_apikey_lookup(v2, key, strlen(key), owner) == CF_OK &&
	          !strcmp(owner, "cy"),
	    "v2 knows the key");
	CHECK(iam_apikey_delete(v1, name, NULL) == CF_OK, "v1 deletes the key");
	CHECK(key != NULL && iam_apikey_lookup(v2, key, strlen(key), owner) ==
	                         CF_E_UNAUTHORIZED,
	    "v2 refuses the deleted key");
	CHECK(iam_user_delete(v1, "cy", &code) == CF_OK, "v1 deletes cy");
	CHECK(iam_user_load(v2, "cy", &u) == CF_E_NOT_FOUND,
	    "v2 no longer finds cy");
	if (key != NULL) {
		memset(key, 0, strlen(key));
		free(key);
	}
}

int
main(void)
{
	struct vault_init_result r;
	struct vault *v1 = NULL, *v2 = NULL;
	char *root_token = NULL;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/coffer.db", dir);
	test_find_needs_the_same_bytes();
	test_bounds();
	test_stamps();
	CHECK(vault_open(path, &v1) == 0, "open");
	/* With its superuser, whom the last-superuser rule keeps. */
	CHECK(v1 != NULL &&
	          iam_init(v1, 1, 1, 3600, NULL, 0, &r, &root_token) == CF_OK,
	    "init");
	CHECK(vault_open(path, &v2) == 0, "open a second handle");
	if (v1 != NULL && v2 != NULL && r.nshares == 1) {
		/* No keyholder key is set: each handle unlocks its own. */
		CHECK(vault_unlock(v1, r.shares_hex, 1) == CF_OK, "unlock");
		CHECK(vault_unlock(v2, r.shares_hex, 1) == CF_OK, "unlock");
		test_vault_reads(v1, r.shares_hex);
		test_a_failed_write_section_is_never_current(v1);
		test_two_processes(v1, v2);
		vault_init_result_free(&r);
	}
	free(root_token);
	vault_close(v2);
	vault_close(v1);
	unit_rmtree(dir);
	return unit_done();
}
