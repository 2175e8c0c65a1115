/*
 * test_dialect_body.c: the parsers of request input that take bytes alone,
 * one table row per behaviour: the DC/OS and path secret bodies
 * (common/dialects/dialect_body.c), Sensu's Secret and SecretProvider bodies
 * and its label and field selectors (common/dialects/sensu.c).  tests/fuzz/
 * runs the same functions under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/limits.h"
#include "dialects/dcos_secrets.h"
#include "dialects/path.h"
#include "dialects/sensu.h"
#include "unit.h"
#include "vault/secret.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Does s hold key with this value (NULL: does it lack key)? */
static int
holds(const struct secret *s, const char *key, const char *val)
{
	const struct secret_entry *e = secret_find(s, key);

	if (val == NULL)
		return e == NULL;
	return e != NULL && e->len == strlen(val) &&
	       memcmp(e->val, val, e->len) == 0;
}

static void
test_dcos(void)
{
	static const struct {
		int line;
		const char *body;
		int binary;
		enum cf_status want;
		const char *value; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "{\"value\":\"v\"}", 0, CF_OK, "v"},
	    {__LINE__,
	        "{\"value\":\"v\",\"author\":\"a\",\"created\":\"c\","
	        "\"description\":\"d\",\"labels\":[\"x\"],\"path\":\"p\"}",
	        0, CF_OK, "v"},
	    {__LINE__, "{\"value\":\"a\\u0000b\"}", 0, CF_OK, NULL},
	    {__LINE__, "{}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "{\"value\":1}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "{\"value\":\"v\",\"other\":1}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "{\"value\":\"v\",\"author\":1}", 0, CF_E_BAD_JSON,
	        NULL},
	    {__LINE__, "{\"value\":\"v\",\"labels\":[1]}", 0, CF_E_BAD_JSON,
	        NULL},
	    {__LINE__, "{\"value\":\"v\",\"labels\":\"x\"}", 0, CF_E_BAD_JSON,
	        NULL},
	    {__LINE__, "{\"value\":\"v\"} x", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "not json", 1, CF_OK, "not json"},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct secret *s = secret_new();
		const char *detail = NULL;
		enum cf_status st =
		    dcos_body_parse((const uint8_t *)rows[i].body,
		        strlen(rows[i].body), rows[i].binary, s, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, "dcos status");
		if (st == CF_OK && rows[i].value != NULL)
			CHECK_LINE(rows[i].line,
			    holds(s, "value", rows[i].value), "dcos value");
		secret_free(s);
	}
}

static void
test_path(void)
{
	static const struct {
		int line;
		const char *body;
		enum cf_status want;
		size_t keys; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}", CF_OK, 2},
	    {__LINE__, "{\"data\":{}}", CF_OK, 0},
	    {__LINE__, "{\"data\":{\"a\":1}}", CF_E_BAD_JSON, 0},
	    {__LINE__, "{\"data\":{\"\":\"1\"}}", CF_E_BAD_JSON, 0},
	    {__LINE__, "{\"data\":[]}", CF_E_BAD_JSON, 0},
	    {__LINE__, "{\"data\":{},\"x\":1}", CF_E_BAD_JSON, 0},
	    {__LINE__, "{\"a\":\"1\"}", CF_E_BAD_JSON, 0},
	    {__LINE__, "[]", CF_E_BAD_JSON, 0},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct secret *s = secret_new();
		const char *detail = NULL;
		enum cf_status st =
		    path_body_parse((const uint8_t *)rows[i].body,
		        strlen(rows[i].body), s, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, "path status");
		if (st == CF_OK)
			CHECK_LINE(
			    rows[i].line, s->n == rows[i].keys, "path keys");
		secret_free(s);
	}
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
	test_dcos();
	test_path();
	test_sensu_body();
	test_selectors();
	return unit_done();
}
