/*
 * test_vault_kv.c: Vault's KV dialect's pure half (vault_kv.c), one table
 * row per behaviour: the write and merge-patch body
 * (vault_kv_body_parse), the unseal body (vault_kv_unseal_parse), the
 * ?version= argument, the versions body of delete, undelete and destroy
 * (vault_kv_versions_parse), the metadata body (vault_kv_meta_parse) and
 * the answer (vault_kv_secret_json), compared
 * byte for byte as reply_json() writes it.  tests/fuzz/fuzz_dialect_body
 * runs the parsers under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/limits.h"
#include "dialects/vault_kv.h"
#include "unit.h"
#include "vault/secret.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The map as "k=v,k=v" in its order. */
static void
map_text(const struct secret *s, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < s->n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%.*s",
		    i ? "," : "", s->e[i].key, (int)s->e[i].len,
		    (const char *)s->e[i].val);
}

static void
test_body(void)
{
	static const struct {
		int line;
		const char *what;
		int patch; /* over the current map a=1,b=2 */
		const char *body;
		enum cf_status want;
		const char *map; /* on CF_OK */
		int cas;         /* -1: none */
	} rows[] = {
	    {__LINE__, "a map of strings is a write", 0,
	        "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}", CF_OK, "a=1,b=2", -1},
	    {__LINE__, "options.cas is taken", 0,
	        "{\"data\":{\"a\":\"1\"},\"options\":{\"cas\":3}}", CF_OK,
	        "a=1", 3},
	    {__LINE__, "cas 0 means only if absent", 0,
	        "{\"data\":{},\"options\":{\"cas\":0}}", CF_OK, "", 0},
	    {__LINE__, "options without cas set none", 0,
	        "{\"data\":{},\"options\":{}}", CF_OK, "", -1},
	    {__LINE__,
	        "members beside data and options are ignored, as Vault "
	        "does",
	        0, "{\"data\":{\"a\":\"1\"},\"version\":2}", CF_OK, "a=1", -1},
	    {__LINE__, "a cas that is not a number is refused", 0,
	        "{\"data\":{},\"options\":{\"cas\":\"1\"}}", CF_E_BAD_JSON,
	        NULL, -1},
	    {__LINE__, "a negative cas is refused", 0,
	        "{\"data\":{},\"options\":{\"cas\":-1}}", CF_E_BAD_JSON, NULL,
	        -1},
	    {__LINE__, "a value that is not a string is refused", 0,
	        "{\"data\":{\"a\":1}}", CF_E_BAD_JSON, NULL, -1},
	    {__LINE__, "a null value is refused in a write", 0,
	        "{\"data\":{\"a\":null}}", CF_E_BAD_JSON, NULL, -1},
	    {__LINE__, "an empty key is refused", 0, "{\"data\":{\"\":\"1\"}}",
	        CF_E_BAD_JSON, NULL, -1},
	    {__LINE__, "a body without data is refused", 0, "{\"a\":\"1\"}",
	        CF_E_BAD_JSON, NULL, -1},
	    {__LINE__, "a body that is not JSON is refused", 0,
	        "{\"data\":", CF_E_BAD_JSON, NULL, -1},
	    {__LINE__, "a patch keeps the keys it does not name", 1,
	        "{\"data\":{\"c\":\"3\"}}", CF_OK, "a=1,b=2,c=3", -1},
	    {__LINE__, "a patch replaces the keys it names", 1,
	        "{\"data\":{\"b\":\"20\"}}", CF_OK, "a=1,b=20", -1},
	    {__LINE__, "a null in a patch removes the key", 1,
	        "{\"data\":{\"a\":null}}", CF_OK, "b=2", -1},
	    {__LINE__, "a patch takes options.cas", 1,
	        "{\"data\":{},\"options\":{\"cas\":1}}", CF_OK, "a=1,b=2", 1},
	};
	char map[256];
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct secret *s = secret_new(), *cur = NULL;
		const char *detail = NULL;
		enum cf_status st;

		if (rows[i].patch) {
			cur = secret_new();
			secret_add(cur, "a", "1", 1);
			secret_add(cur, "b", "2", 1);
		}
		st = vault_kv_body_parse((const uint8_t *)rows[i].body,
		    strlen(rows[i].body), cur, s, &detail);
		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK) {
			map_text(s, map, sizeof(map));
			CHECK_LINE(rows[i].line, !strcmp(map, rows[i].map),
			    rows[i].what);
			CHECK_LINE(rows[i].line,
			    rows[i].cas < 0
			        ? !s->cas
			        : s->cas &&
			              s->cas_version == (uint64_t)rows[i].cas,
			    rows[i].what);
		} else {
			CHECK_LINE(rows[i].line, detail != NULL, rows[i].what);
		}
		secret_free(cur);
		secret_free(s);
	}
}

static void
test_unseal(void)
{
	static const struct {
		int line;
		const char *what;
		const char *body;
		enum cf_status want;
	} rows[] = {
	    {__LINE__, "a key is a share", "{\"key\":\"ab12\"}", CF_OK},
	    {__LINE__, "hvac's reset and migrate false are taken",
	        "{\"key\":\"ab12\",\"reset\":false,\"migrate\":false}", CF_OK},
	    {__LINE__, "reset true is refused", "{\"reset\":true}",
	        CF_E_BAD_REQUEST},
	    {__LINE__, "migrate true is refused",
	        "{\"key\":\"ab\",\"migrate\":true}", CF_E_BAD_REQUEST},
	    {__LINE__, "a missing key is refused", "{}", CF_E_BAD_REQUEST},
	    {__LINE__, "an unknown member is refused",
	        "{\"key\":\"ab\",\"x\":1}", CF_E_BAD_REQUEST},
	    {__LINE__, "a body that is not JSON is refused", "key=ab",
	        CF_E_BAD_JSON},
	};
	size_t i, len;

	for (i = 0; i < NELEM(rows); i++) {
		const char *detail = NULL;
		char *key = NULL;
		enum cf_status st =
		    vault_kv_unseal_parse((const uint8_t *)rows[i].body,
		        strlen(rows[i].body), &key, &len, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		CHECK_LINE(rows[i].line,
		    st == CF_OK ? key != NULL && !strcmp(key, "ab12")
		                : key == NULL,
		    rows[i].what);
		free(key);
	}
}

static void
test_version_arg(void)
{
	CHECK(vault_kv_version_arg("7") == 7, "a number is a version");
	CHECK(vault_kv_version_arg("0") == 0, "0 is no version (the current)");
	CHECK(vault_kv_version_arg("") == 0, "empty is no version");
	CHECK(vault_kv_version_arg("1x") == 0, "a non-digit is no version");
	CHECK(vault_kv_version_arg("-1") == 0, "a sign is no version");
	CHECK(vault_kv_version_arg("99999999999999999999") == 0,
	    "a number past 19 digits is no version");
}

static void
test_answer(void)
{
	struct secret *s = secret_new();
	struct json_object *o;
	const char *want =
	    "{\"data\":{\"a\":\"1\"},\"metadata\":{\"created_time\":"
	    "\"1970-01-01T00:00:10Z\",\"custom_metadata\":null,"
	    "\"deletion_time\":\"\",\"destroyed\":false,\"version\":3}}";

	secret_add(s, "a", "1", 1);
	s->version = 3;
	s->created = 1;
	s->updated = 10;
	o = vault_kv_secret_json(s);
	CHECK(o != NULL && !strcmp(json_object_to_json_string_ext(
	                               o, JSON_C_TO_STRING_PLAIN),
	                       want),
	    "a read answers the map and the version's metadata, made when "
	    "the secret was updated");
	json_object_put(o);
	secret_add(s, "b", "\xff", 1);
	CHECK(vault_kv_secret_json(s) == NULL,
	    "a value that is not UTF-8 has no answer");
	secret_free(s);
}

static void
test_versions_body(void)
{
	static const struct {
		int line;
		const char *what;
		const char *body;
		enum cf_status want;
		size_t n;      /* on CF_OK */
		uint64_t last; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "a list of versions is taken", "{\"versions\":[1,3]}",
	        CF_OK, 2, 3},
	    {__LINE__, "versions as digits are taken, as Vault does",
	        "{\"versions\":[\"2\"]}", CF_OK, 1, 2},
	    {__LINE__, "no versions is refused", "{}", CF_E_BAD_JSON, 0, 0},
	    {__LINE__, "an empty list is refused", "{\"versions\":[]}",
	        CF_E_BAD_JSON, 0, 0},
	    {__LINE__, "version 0 is refused", "{\"versions\":[0]}",
	        CF_E_BAD_JSON, 0, 0},
	    {__LINE__, "a negative version is refused", "{\"versions\":[-1]}",
	        CF_E_BAD_JSON, 0, 0},
	    {__LINE__, "a version that is no number is refused",
	        "{\"versions\":[true]}", CF_E_BAD_JSON, 0, 0},
	    {__LINE__, "text that is not JSON is refused", "{", CF_E_BAD_JSON,
	        0, 0},
	};
	const char *detail;
	uint64_t *vers;
	size_t i, n;
	enum cf_status st;

	for (i = 0; i < NELEM(rows); i++) {
		detail = NULL;
		st = vault_kv_versions_parse((const uint8_t *)rows[i].body,
		    strlen(rows[i].body), &vers, &n, &detail);
		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK)
			CHECK_LINE(rows[i].line,
			    n == rows[i].n && vers[n - 1] == rows[i].last,
			    rows[i].what);
		else
			CHECK_LINE(rows[i].line, detail != NULL, rows[i].what);
		free(vers);
	}
}

static void
test_metadata_body(void)
{
	static const struct {
		int line;
		const char *what;
		int merge;
		const char *body;
		enum cf_status want;
		unsigned set; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "max_versions and cas_required are taken", 0,
	        "{\"max_versions\":3,\"cas_required\":true}", CF_OK,
	        SECRET_META_MAX | SECRET_META_CAS},
	    {__LINE__, "a custom map replaces in a write", 0,
	        "{\"custom_metadata\":{\"a\":\"1\"}}", CF_OK,
	        SECRET_META_CUSTOM},
	    {__LINE__, "a custom map merges in a patch", 1,
	        "{\"custom_metadata\":{\"a\":null}}", CF_OK, SECRET_META_MERGE},
	    {__LINE__, "a null in a write's map is refused", 0,
	        "{\"custom_metadata\":{\"a\":null}}", CF_E_BAD_JSON, 0},
	    {__LINE__, "a value that is no string is refused", 0,
	        "{\"custom_metadata\":{\"a\":1}}", CF_E_BAD_JSON, 0},
	    {__LINE__, "max_versions past the bound is refused", 0,
	        "{\"max_versions\":1001}", CF_E_BAD_JSON, 0},
	    {__LINE__, "delete_version_after 0s is taken", 0,
	        "{\"delete_version_after\":\"0s\"}", CF_OK, 0},
	    {__LINE__, "a delete_version_after Coffer would ignore is refused",
	        0, "{\"delete_version_after\":\"3h\"}", CF_E_BAD_JSON, 0},
	    {__LINE__, "a value past its bound is too large", 0,
	        "{\"custom_metadata\":{\"a\":\"" /* 513 bytes */
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xx"
	        "x\"}}",
	        CF_E_TOO_LARGE, 0},
	};
	const char *detail;
	struct secret *m;
	unsigned set;
	size_t i;
	enum cf_status st;

	for (i = 0; i < NELEM(rows); i++) {
		if ((m = secret_new()) == NULL)
			abort();
		detail = NULL;
		st = vault_kv_meta_parse((const uint8_t *)rows[i].body,
		    strlen(rows[i].body), rows[i].merge, m, &set, &detail);
		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK)
			CHECK_LINE(
			    rows[i].line, set == rows[i].set, rows[i].what);
		else
			CHECK_LINE(rows[i].line, detail != NULL, rows[i].what);
		secret_free(m);
	}
}

static void
test_deleted_answer(void)
{
	struct secret *s = secret_new();
	struct json_object *o;
	const char *want =
	    "{\"data\":null,\"metadata\":{\"created_time\":"
	    "\"1970-01-01T00:00:10Z\",\"custom_metadata\":null,"
	    "\"deletion_time\":\"1970-01-01T00:00:20Z\",\"destroyed\":false,"
	    "\"version\":3}}";

	secret_add(s, "a", "1", 1);
	s->version = 3;
	s->updated = 10;
	s->deleted = 20;
	o = vault_kv_secret_json(s);
	CHECK(o != NULL && !strcmp(json_object_to_json_string_ext(
	                               o, JSON_C_TO_STRING_PLAIN),
	                       want),
	    "a deleted version answers its deletion time and data null");
	json_object_put(o);
	secret_free(s);
}

int
main(void)
{
	test_body();
	test_unseal();
	test_version_arg();
	test_answer();
	test_versions_body();
	test_metadata_body();
	test_deleted_answer();
	return unit_done();
}
