/*
 * test_sensu.c: the coffer secrets provider's resolution of a Sensu
 * Secret's spec.id "path#key" against Coffer's store "default"
 * (sensu_coffer_resolve), on a real store.
 *
 * Sensu resolves secrets inside the backend, when a check, handler or
 * mutator that names one runs, and sends the values to agents over its
 * own transport: no Sensu API answers a secret's value, so neither does
 * Coffer's, and the resolution is tested here rather than over HTTP.
 *
 * Also the parsers of Sensu's input that take bytes alone, one table row
 * per behaviour: the Secret and SecretProvider bodies (sensu_body_parse)
 * and the label and field selectors; tests/fuzz/ runs the same functions
 * under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/limits.h"
#include "dialects/sensu.h"
#include "dialects/sensu_selector.h"
#include "unit.h"
#include "vault/secret.h"
#include "vault/vault.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

/* Does s hold key with this value? */
static int
holds(const struct secret *s, const char *key, const char *val)
{
	const struct secret_entry *e = secret_find(s, key);

	return e != NULL && e->len == strlen(val) &&
	       memcmp(e->val, val, e->len) == 0;
}

#define SENSU_META "\"metadata\":{\"name\":\"db\",\"namespace\":\"default\"}"

static void
test_sensu_body(void)
{
	static const struct {
		int line;
		int provider;
		const char *body;
		enum cf_status want;
		const char *id; /* on CF_OK, a Secret's */
	} rows[] = {
	    {__LINE__, 0,
	        "{\"type\":\"Secret\"," SENSU_META
	        ",\"spec\":{\"id\":\"a/b#k\",\"provider\":\"coffer\"}}",
	        CF_OK, "a/b#k"},
	    {__LINE__, 0,
	        "{" SENSU_META ",\"spec\":{\"id\":\"X\",\"provider\":\"env\"}}",
	        CF_OK, "X"},
	    {__LINE__, 0,
	        "{" SENSU_META ",\"spec\":{\"id\":\"a/b\",\"provider\":"
	        "\"coffer\"}}",
	        CF_E_BAD_REQUEST, NULL},
	    {__LINE__, 0,
	        "{" SENSU_META ",\"spec\":{\"id\":\"a/../b#k\",\"provider\":"
	        "\"coffer\"}}",
	        CF_E_BAD_REQUEST, NULL},
	    {__LINE__, 0,
	        "{\"metadata\":{\"name\":\"other\"},\"spec\":{\"id\":\"X\","
	        "\"provider\":\"env\"}}",
	        CF_E_BAD_REQUEST, NULL},
	    {__LINE__, 0,
	        "{\"metadata\":{\"name\":\"db\",\"namespace\":\"ops\"},"
	        "\"spec\":{\"id\":\"X\",\"provider\":\"env\"}}",
	        CF_E_BAD_REQUEST, NULL},
	    {__LINE__, 0, "{" SENSU_META ",\"spec\":{\"id\":\"X\"}}",
	        CF_E_BAD_REQUEST, NULL},
	    {__LINE__, 0, "{\"spec\":{}}", CF_E_BAD_REQUEST, NULL},
	    {__LINE__, 0, "{" SENSU_META "}", CF_E_BAD_REQUEST, NULL},
	    {__LINE__, 0, "nope", CF_E_BAD_JSON, NULL},
	    {__LINE__, 1, "{\"type\":\"Env\"," SENSU_META ",\"spec\":{}}",
	        CF_OK, NULL},
	    {__LINE__, 1, "{\"type\":\"Secret\"," SENSU_META ",\"spec\":{}}",
	        CF_E_BAD_REQUEST, NULL},
	    {__LINE__, 1, "{" SENSU_META ",\"spec\":{}}", CF_E_BAD_REQUEST,
	        NULL},
	    {__LINE__, 1,
	        "{\"type\":\"Env\",\"metadata\":{\"name\":\"db\",\"labels\":"
	        "{\"a\":1}},\"spec\":{}}",
	        CF_E_BAD_REQUEST, NULL},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct secret *s = secret_new();
		const char *detail = NULL;
		enum cf_status st = sensu_body_parse(
		    (const uint8_t *)rows[i].body, strlen(rows[i].body),
		    rows[i].provider, "default", "db", s, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, "sensu status");
		if (st == CF_OK && rows[i].id != NULL)
			CHECK_LINE(rows[i].line, holds(s, "id", rows[i].id),
			    "sensu id");
		if (st != CF_OK)
			CHECK_LINE(
			    rows[i].line, detail != NULL, "sensu detail");
		secret_free(s);
	}
}

static void
test_selectors(void)
{
	static const struct {
		int line;
		const char *text;
		int valid;
	} rows[] = {
	    {__LINE__, "", 1},
	    {__LINE__, "region == us-west-1", 1},
	    {__LINE__, "region != \"us-west-1\"", 1},
	    {__LINE__, "a == b && c != d", 1},
	    {__LINE__, "linux in entity.subscriptions", 1},
	    {__LINE__, "entity.name in [a, b]", 1},
	    {__LINE__, "entity.name notin [a, \"b\"]", 1},
	    {__LINE__, "check.name matches web", 1},
	    {__LINE__, "region", 0},
	    {__LINE__, "region ==", 0},
	    {__LINE__, "== b", 0},
	    {__LINE__, "a == b &&", 0},
	    {__LINE__, "a == b && ", 0},
	    {__LINE__, "entity.name in [a, b", 0},
	    {__LINE__, "entity.name in []", 0},
	    {__LINE__, "a b == c", 0},
	};
	char *many, *longer;
	size_t i;

	for (i = 0; i < NELEM(rows); i++)
		CHECK_LINE(rows[i].line,
		    (sensu_selector_valid(rows[i].text) == 0) == rows[i].valid,
		    "selector");
	/* SENSU_MAX_CLAUSES clauses parse, one more does not. */
	many = calloc(SENSU_MAX_CLAUSES + 1, sizeof("a == b && "));
	longer = calloc(1, SENSU_MAX_SELECTOR + 2);
	if (many == NULL || longer == NULL)
		abort();
	for (i = 0; i < SENSU_MAX_CLAUSES; i++)
		strcat(many, i > 0 ? " && a == b" : "a == b");
	CHECK(sensu_selector_valid(many) == 0, "as many clauses as allowed");
	strcat(many, " && a == b");
	CHECK(sensu_selector_valid(many) != 0, "one clause too many");
	/* SENSU_MAX_SELECTOR bytes parse, one more does not. */
	memset(longer, 'x', SENSU_MAX_SELECTOR);
	memcpy(longer, "a == ", 5);
	CHECK(
	    sensu_selector_valid(longer) == 0, "a selector of the most bytes");
	longer[SENSU_MAX_SELECTOR] = 'x';
	CHECK(sensu_selector_valid(longer) != 0, "a selector too long");
	free(many);
	free(longer);
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
	test_sensu_body();
	test_selectors();
	return unit_done();
}
