/*
 * test_sensu.c: the coffer secrets provider's resolution of a Sensu
 * Secret's spec.id "path#key" against Coffer's store "default"
 * (sensu_coffer_resolve), on a real store.
 *
 * Sensu resolves secrets inside the backend, when a check, handler or
 * mutator that names one runs, and sends the values to agents over its
 * own transport: no Sensu API answers a secret's value, so neither does
 * Coffer's, and the resolution is tested here rather than over HTTP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/limits.h"
#include "dialects/sensu.h"
#include "unit.h"
#include "vault/secret.h"
#include "vault/vault.h"

static char dir[] = "/tmp/coffer-sensu.XXXXXX";
static char path[256];

static int
put(struct vault *v, const char *store, const char *p, const char *key,
    const char *val)
{
	struct secret *s = secret_new();
	int rc;

	if (s == NULL || secret_set(s, key, val, strlen(val)) != 0) {
		secret_free(s);
		return -1;
	}
	rc = secret_write(v, store, p, SECRET_UPSERT, s, 3, NULL) == CF_OK ? 0
	                                                                   : -1;
	secret_free(s);
	return rc;
}

/* 1 if id resolves to want, else 0. */
static int
resolves_to(struct vault *v, const char *id, const char *want)
{
	uint8_t *val = NULL;
	size_t len = 0;
	int ok;

	if (sensu_coffer_resolve(v, id, &val, &len) != CF_OK)
		return 0;
	ok = len == strlen(want) && memcmp(val, want, len) == 0 &&
	     val[len] == '\0';
	free(val);
	return ok;
}

static void
test_resolve(struct vault *v)
{
	CHECK(put(v, "default", "db/main", "password", "pw-1") == 0, "put");
	CHECK(put(v, "default", "db/main", "password", "pw-2") == 0, "put 2");
	CHECK(put(v, "default", "top", "user", "root") == 0, "put top");
	CHECK(put(v, "vault", "db/other", "password", "elsewhere") == 0,
	    "put in another store");

	CHECK(resolves_to(v, "db/main#password", "pw-2"),
	    "path#key is the current version's value");
	CHECK(resolves_to(v, "top#user", "root"), "a one-segment path");
}

static void
test_missing(struct vault *v)
{
	uint8_t *val = NULL;
	size_t len = 0;

	CHECK(sensu_coffer_resolve(v, "db/main#nokey", &val, &len) ==
	          CF_E_NOT_FOUND,
	    "a key the secret lacks");
	CHECK(sensu_coffer_resolve(v, "db/nosuch#password", &val, &len) ==
	          CF_E_NOT_FOUND,
	    "a path with no secret");
	CHECK(sensu_coffer_resolve(v, "db/other#password", &val, &len) ==
	          CF_E_NOT_FOUND,
	    "only the store default: another store's secret is not found");
	CHECK(sensu_coffer_resolve(v, "db#password", &val, &len) ==
	          CF_E_NOT_FOUND,
	    "a folder is not a secret");
	CHECK(val == NULL, "nothing handed back");
}

static void
test_malformed(struct vault *v)
{
	static const char *const bad[] = {
	    "db/main",   /* no '#' */
	    "#password", /* no path */
	    "db/main#",  /* no key */
	    "../db/main#password", "db/../main#password",
	    "./db#password",     /* dot segments */
	    "/db/main#password", /* empty segment */
	    "db//main#password", "db/main/#password",
	    "db main#password", /* outside [A-Za-z0-9._-] */
	    "db/main#x#password",
	    "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q#k", /* 17 segments */
	};
	char longid[CF_MAX_PATH + 16];
	uint8_t *val = NULL;
	size_t i, len = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_LINE(__LINE__,
		    sensu_coffer_resolve(v, bad[i], &val, &len) ==
		        CF_E_BAD_REQUEST,
		    bad[i]);
	memset(longid, 'a', CF_MAX_PATH + 1);
	memcpy(longid + CF_MAX_PATH + 1, "#k", 3);
	CHECK(sensu_coffer_resolve(v, longid, &val, &len) == CF_E_BAD_REQUEST,
	    "a path over CF_MAX_PATH bytes");
	CHECK(val == NULL, "nothing handed back");
}

int
main(void)
{
	struct vault_init_result r;
	struct vault *v = NULL;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/coffer.db", dir);
	CHECK(vault_open(path, &v) == 0, "open");
	CHECK(v != NULL && vault_init(v, 1, 1, &r) == CF_OK, "init");
	if (v != NULL && r.nshares == 1) {
		CHECK(vault_unlock(v, r.shares_hex, 1) == CF_OK, "unlock");
		test_resolve(v);
		test_missing(v);
		test_malformed(v);
		vault_init_result_free(&r);
	}
	vault_close(v);
	unit_rmtree(dir);
	return unit_done();
}
