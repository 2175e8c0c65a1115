/*
 * test_batch.c: the multi-get's pure half (batch.c), one table row per
 * behaviour: the body {"paths": [...]} (batch_body_parse), one path
 * (batch_path), and a path's answer (batch_secret_json,
 * batch_error_json), compared byte for byte as reply_json() writes it.
 * tests/fuzz/fuzz_dialect_body runs the parser under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/limits.h"
#include "dialects/batch.h"
#include "unit.h"
#include "vault/secret.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Is o, as reply_json() writes it, want?  Puts o. */
static int
json_is(struct json_object *o, const char *want)
{
	int same = o != NULL && !strcmp(json_object_to_json_string_ext(o,
	                                    JSON_C_TO_STRING_PLAIN |
	                                        JSON_C_TO_STRING_NOSLASHESCAPE),
	                            want);

	json_object_put(o);
	return same;
}

/* {"paths":["p0",...]} of n paths (malloc'd). */
static char *
paths_body(size_t n)
{
	char *body = malloc(n * 16 + 16), *p;
	size_t i;

	if (body == NULL)
		abort();
	p = body + sprintf(body, "{\"paths\":[");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"p%zu\"", i ? "," : "", i);
	strcpy(p, "]}");
	return body;
}

static void
test_body(void)
{
	static const struct {
		int line;
		const char *what;
		const char *body; /* NULL: BATCH_MAX + extra paths */
		size_t extra;
		enum cf_status want;
		size_t n; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "one path is a batch", "{\"paths\":[\"a/b\"]}", 0, CF_OK,
	        1},
	    {__LINE__, "a repeated path is kept for the handler to answer once",
	        "{\"paths\":[\"a\",\"a\"]}", 0, CF_OK, 2},
	    {__LINE__, "a path the store refuses is kept for its own 400",
	        "{\"paths\":[\"a//b\"]}", 0, CF_OK, 1},
	    {__LINE__, "as many paths as allowed are a batch", NULL, 0, CF_OK,
	        BATCH_MAX},
	    {__LINE__, "one path too many is refused", NULL, 1, CF_E_BAD_JSON,
	        0},
	    {__LINE__, "no paths are refused", "{\"paths\":[]}", 0,
	        CF_E_BAD_JSON, 0},
	    {__LINE__, "paths that are not an array are refused",
	        "{\"paths\":\"a\"}", 0, CF_E_BAD_JSON, 0},
	    {__LINE__, "a path that is not a string is refused",
	        "{\"paths\":[\"a\",1]}", 0, CF_E_BAD_JSON, 0},
	    {__LINE__, "a member beside paths is refused",
	        "{\"paths\":[\"a\"],\"more\":1}", 0, CF_E_BAD_JSON, 0},
	    {__LINE__, "a misspelt member is refused", "{\"path\":[\"a\"]}", 0,
	        CF_E_BAD_JSON, 0},
	    {__LINE__, "a cut body is refused", "{\"paths\":[", 0,
	        CF_E_BAD_JSON, 0},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct json_object *paths = NULL;
		const char *detail = NULL;
		char *body = rows[i].body
		                 ? strdup(rows[i].body)
		                 : paths_body(BATCH_MAX + rows[i].extra);
		enum cf_status st = batch_body_parse(
		    (const uint8_t *)body, strlen(body), &paths, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK)
			CHECK_LINE(rows[i].line,
			    paths != NULL &&
			        json_object_array_length(paths) == rows[i].n,
			    rows[i].what);
		else
			CHECK_LINE(rows[i].line, paths == NULL,
			    "a refused body gives no paths");
		json_object_put(paths);
		free(body);
	}
}

static void
test_path(void)
{
	static const struct {
		int line;
		const char *what;
		const char *p;
		size_t len; /* 0: strlen(p) */
		enum cf_status want;
	} rows[] = {
	    {__LINE__, "one segment is a path", "a", 0, CF_OK},
	    {__LINE__, "segments joined by one slash are a path", "a/b.c_d-e",
	        0, CF_OK},
	    {__LINE__, "sixteen segments are a path",
	        "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p", 0, CF_OK},
	    {__LINE__, "seventeen segments are too many",
	        "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", 0, CF_E_BAD_PATH},
	    {__LINE__, "an empty segment is refused", "a//b", 0, CF_E_BAD_PATH},
	    {__LINE__, "a leading slash is refused", "/a", 0, CF_E_BAD_PATH},
	    {__LINE__, "a trailing slash is refused", "a/", 0, CF_E_BAD_PATH},
	    {__LINE__, "a dot-dot segment is refused", "a/../b", 0,
	        CF_E_BAD_PATH},
	    {__LINE__, "a dot segment is refused", "./a", 0, CF_E_BAD_PATH},
	    {__LINE__, "a space is refused", "a b", 0, CF_E_BAD_PATH},
	    {__LINE__, "an empty path is refused", "", 0, CF_E_BAD_PATH},
	    {__LINE__, "a NUL inside is refused", "a\0b", 3, CF_E_BAD_PATH},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		char *path = NULL;
		enum cf_status st = batch_path(rows[i].p,
		    rows[i].len ? rows[i].len : strlen(rows[i].p), &path);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		CHECK_LINE(rows[i].line,
		    st == CF_OK ? path != NULL && !strcmp(path, rows[i].p)
		                : path == NULL,
		    "a path is given back as written, or not at all");
		free(path);
	}
}

static void
test_answers(void)
{
	struct secret *s = secret_new();

	if (s == NULL)
		abort();
	s->version = 3;
	secret_add(s, "k", "v/w", 3);
	CHECK(json_is(batch_secret_json(s),
	          "{\"data\":{\"k\":\"v/w\"},\"version\":3}"),
	    "a path's secret answers its map and version");
	secret_add(s, "b", "\xff", 1);
	CHECK(batch_secret_json(s) == NULL,
	    "a secret that is not UTF-8 has no answer (the path's 415)");
	secret_free(s);
	CHECK(json_is(batch_error_json(404, "not found"),
	          "{\"error\":{\"code\":404,\"message\":\"not found\"}}"),
	    "a path's error answers its code and message");
}

int
main(void)
{
	test_body();
	test_path();
	test_answers();
	return unit_done();
}
