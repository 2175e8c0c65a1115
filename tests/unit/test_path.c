/*
 * test_path.c: the path API's pure half (path.c), one table row per
 * behaviour: the body {"data": {...}} (path_body_parse) and the answer
 * (path_secret_json), compared byte for byte as reply_json() writes it:
 * the suites compare answers too.  tests/fuzz/fuzz_dialect_body runs the
 * parser under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/limits.h"
#include "dialects/path.h"
#include "unit.h"
#include "vault/secret.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_body(void)
{
	static const struct {
		int line;
		const char *what;
		const char *body;
		enum cf_status want;
		size_t keys; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "a map of strings is a secret",
	        "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}", CF_OK, 2},
	    {__LINE__, "an empty map is a secret", "{\"data\":{}}", CF_OK, 0},
	    {__LINE__, "a value may hold a NUL",
	        "{\"data\":{\"a\":\"x\\u0000y\"}}", CF_OK, 1},
	    {__LINE__, "a value that is not a string is refused",
	        "{\"data\":{\"a\":1}}", CF_E_BAD_JSON, 0},
	    {__LINE__, "a null value is refused", "{\"data\":{\"a\":null}}",
	        CF_E_BAD_JSON, 0},
	    {__LINE__, "an empty key is refused", "{\"data\":{\"\":\"1\"}}",
	        CF_E_BAD_JSON, 0},
	    {__LINE__, "data that is not an object is refused", "{\"data\":[]}",
	        CF_E_BAD_JSON, 0},
	    {__LINE__, "a member beside data is refused",
	        "{\"data\":{},\"x\":1}", CF_E_BAD_JSON, 0},
	    {__LINE__, "a map without data is refused", "{\"a\":\"1\"}",
	        CF_E_BAD_JSON, 0},
	    {__LINE__, "a top-level array is refused", "[]", CF_E_BAD_JSON, 0},
	    {__LINE__, "an empty body is refused", "", CF_E_BAD_JSON, 0},
	    {__LINE__, "bytes after the object are refused", "{\"data\":{}} {}",
	        CF_E_BAD_JSON, 0},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct secret *s = secret_new();
		const char *detail = NULL;
		enum cf_status st =
		    path_body_parse((const uint8_t *)rows[i].body,
		        strlen(rows[i].body), s, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK)
			CHECK_LINE(
			    rows[i].line, s->n == rows[i].keys, rows[i].what);
		secret_free(s);
	}
}

/* One more key than a secret holds: 413, with the bound in the detail. */
static void
test_too_many_keys(void)
{
	struct secret *s = secret_new();
	const char *detail = NULL;
	char *body, *p;
	size_t i, n = CF_MAX_MAP_KEYS + 1;
	enum cf_status st;

	if (s == NULL || (body = malloc(n * 16 + 16)) == NULL)
		abort();
	p = body + sprintf(body, "{\"data\":{");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"k%zu\":\"v\"", i ? "," : "", i);
	strcpy(p, "}}");
	st = path_body_parse((const uint8_t *)body, strlen(body), s, &detail);
	CHECK(st == CF_E_TOO_LARGE && detail != NULL &&
	          !strcmp(detail, SECRET_KEYS_DETAIL),
	    "a map of more keys than a secret holds is too large");
	free(body);
	secret_free(s);
}

static void
test_answer(void)
{
	static const struct {
		int line;
		const char *what;
		const char *key[2], *val[2];
		const char *want; /* NULL: no answer */
	} rows[] = {
	    {__LINE__, "a map answers as data", {"a", "b"}, {"1", "2"},
	        "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}"},
	    {__LINE__, "keys keep the order they were written in", {"b", "a"},
	        {"2", "1"}, "{\"data\":{\"b\":\"2\",\"a\":\"1\"}}"},
	    {__LINE__, "an empty map answers empty data", {NULL, NULL},
	        {NULL, NULL}, "{\"data\":{}}"},
	    {__LINE__, "a slash is not escaped, a quote is", {"p", NULL},
	        {"a/b\"c", NULL}, "{\"data\":{\"p\":\"a/b\\\"c\"}}"},
	    {__LINE__, "a value that is not UTF-8 has no answer", {"a", "b"},
	        {"1", "\xff"}, NULL},
	};
	size_t i, k;

	for (i = 0; i < NELEM(rows); i++) {
		struct secret *s = secret_new();
		struct json_object *o;

		for (k = 0; k < 2 && rows[i].key[k] != NULL; k++)
			secret_add(s, rows[i].key[k], rows[i].val[k],
			    strlen(rows[i].val[k]));
		o = path_secret_json(s);
		if (rows[i].want == NULL)
			CHECK_LINE(rows[i].line, o == NULL, rows[i].what);
		else
			CHECK_LINE(rows[i].line,
			    o != NULL &&
			        !strcmp(json_object_to_json_string_ext(o,
			                    JSON_C_TO_STRING_PLAIN |
			                        JSON_C_TO_STRING_NOSLASHESCAPE),
			            rows[i].want),
			    rows[i].what);
		json_object_put(o);
		secret_free(s);
	}
}

int
main(void)
{
	test_body();
	test_too_many_keys();
	test_answer();
	return unit_done();
}
