/*
 * test_dcos_secrets.c: DC/OS Secrets' pure half, one table row per
 * behaviour: the Secret body (dcos_body_parse), the form a read answers
 * in and its JSON (dcos_secrets.c), the init and unseal bodies and the
 * SealStatus and init answers (dcos_seal.c), and the resource ids its
 * handlers ask the ACL about (acl_secret_rid).  Answers are compared
 * byte for byte as reply_json() writes them: the suites compare them too.
 * tests/fuzz/fuzz_dialect_body runs the parsers under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/json.h"
#include "base/limits.h"
#include "dialects/dcos_seal.h"
#include "dialects/dcos_secrets.h"
#include "identity/acl.h"
#include "unit.h"
#include "vault/secret.h"
#include "vault/vault.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Does s hold key with this value? */
static int
holds(const struct secret *s, const char *key, const char *val)
{
	const struct secret_entry *e = secret_find(s, key);

	return e != NULL && e->len == strlen(val) &&
	       memcmp(e->val, val, e->len) == 0;
}

/* Is o, as reply_json() writes it, want?  Puts o. */
static int
json_is(struct json_object *o, const char *want)
{
	int same;

	if (o == NULL)
		return want == NULL;
	same = want != NULL && !strcmp(json_object_to_json_string_ext(o,
	                                   JSON_C_TO_STRING_PLAIN |
	                                       JSON_C_TO_STRING_NOSLASHESCAPE),
	                           want);
	if (!same)
		fprintf(stderr, "got %s\n",
		    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return same;
}

/* Is body one JSON object (whatever its members)? */
static int
is_object(const char *body)
{
	struct json_object *o = NULL;
	int yes = cf_json_parse(body, strlen(body), &o) == CF_OK;

	json_object_put(o);
	return yes;
}

static void
test_secret_body(void)
{
	static const struct {
		int line;
		const char *what;
		const char *body;
		int binary;
		enum cf_status want;
		const char *value; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "a value alone is a secret", "{\"value\":\"v\"}", 0,
	        CF_OK, "v"},
	    {__LINE__, "every member the SDK and the UI send is taken",
	        "{\"value\":\"v\",\"author\":\"a\",\"created\":\"c\","
	        "\"description\":\"d\",\"labels\":[\"x\"],\"path\":\"p\"}",
	        0, CF_OK, "v"},
	    {__LINE__, "a value may hold a NUL", "{\"value\":\"a\\u0000b\"}", 0,
	        CF_OK, NULL},
	    {__LINE__, "a value is required", "{}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "a value that is not a string is refused",
	        "{\"value\":1}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "an unknown member is refused",
	        "{\"value\":\"v\",\"other\":1}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "an author that is not a string is refused",
	        "{\"value\":\"v\",\"author\":1}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "a description that is not a string is refused",
	        "{\"value\":\"v\",\"description\":[]}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "labels that are not strings are refused",
	        "{\"value\":\"v\",\"labels\":[1]}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "labels that are not an array are refused",
	        "{\"value\":\"v\",\"labels\":\"x\"}", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "bytes after the object are refused",
	        "{\"value\":\"v\"} x", 0, CF_E_BAD_JSON, NULL},
	    {__LINE__, "an empty JSON body is refused", "", 0, CF_E_BAD_JSON,
	        NULL},
	    {__LINE__, "a top-level array is refused", "[\"v\"]", 0,
	        CF_E_BAD_JSON, NULL},
	    {__LINE__, "a binary body is the value as it is", "not json", 1,
	        CF_OK, "not json"},
	    {__LINE__, "an empty binary body is an empty value", "", 1, CF_OK,
	        ""},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct secret *s = secret_new();
		const char *detail = NULL;
		enum cf_status st =
		    dcos_body_parse((const uint8_t *)rows[i].body,
		        strlen(rows[i].body), rows[i].binary, s, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK && rows[i].value != NULL)
			CHECK_LINE(rows[i].line,
			    holds(s, "value", rows[i].value), rows[i].what);
		if (st == CF_OK)
			CHECK_LINE(rows[i].line, s->binary == rows[i].binary,
			    "a binary body marks the secret binary");
		else
			CHECK_LINE(rows[i].line,
			    (detail != NULL) == is_object(rows[i].body),
			    "a refused member says which in the detail, and "
			    "text that is no object has none");
		secret_free(s);
	}
}

/* A secret for the tables below: value NULL for the map a=1, b=2. */
static struct secret *
fixture(const char *value, size_t len, int binary)
{
	struct secret *s = secret_new();

	if (s == NULL)
		abort();
	s->binary = binary;
	s->created = 1700000000;
	if (value != NULL)
		secret_set(s, "value", value, len);
	else {
		secret_add(s, "a", "1", 1);
		secret_add(s, "b", "2", 1);
	}
	return s;
}

static void
test_form(void)
{
	static const struct {
		int line;
		const char *what;
		const char *value;
		int binary, json, bytes;
		enum dcos_form want;
	} rows[] = {
	    {__LINE__, "without a preference text answers as JSON", "v", 0, 1,
	        1, DCOS_FORM_JSON},
	    {__LINE__, "without a preference bytes answer as bytes", "v", 1, 1,
	        1, DCOS_FORM_BYTES},
	    {__LINE__, "asked for bytes alone, text answers as bytes", "v", 0,
	        0, 1, DCOS_FORM_BYTES},
	    {__LINE__, "asked for JSON alone, text answers as JSON", "v", 0, 1,
	        0, DCOS_FORM_JSON},
	    {__LINE__, "asked for JSON alone, bytes are refused", "v", 1, 1, 0,
	        DCOS_FORM_REFUSED},
	    {__LINE__,
	        "asked for JSON alone, a value that is not UTF-8 is "
	        "refused",
	        "\xff", 0, 1, 0, DCOS_FORM_REFUSED},
	    {__LINE__, "asked for neither, the read is refused", "v", 0, 0, 0,
	        DCOS_FORM_REFUSED},
	    {__LINE__, "a map of other keys answers as JSON", NULL, 0, 1, 0,
	        DCOS_FORM_JSON},
	};
	size_t i, len;
	const void *b;

	for (i = 0; i < NELEM(rows); i++) {
		struct secret *s = fixture(rows[i].value,
		    rows[i].value ? strlen(rows[i].value) : 0, rows[i].binary);

		CHECK_LINE(rows[i].line,
		    dcos_secret_form(s, rows[i].json, rows[i].bytes) ==
		        rows[i].want,
		    rows[i].what);
		secret_free(s);
	}
	{
		struct secret *s = fixture("a\0b", 3, 1);

		b = dcos_secret_bytes(s, &len);
		CHECK(len == 3 && !memcmp(b, "a\0b", 3),
		    "the bytes answer is the value, NULs and all");
		secret_free(s);
		s = fixture(NULL, 0, 0);
		b = dcos_secret_bytes(s, &len);
		CHECK(len == 0 && b != NULL,
		    "the bytes answer of a map without value is empty");
		secret_free(s);
	}
}

#define CREATED "\"created\":\"2023-11-14T22:13:20Z\""

static void
test_secret_json(void)
{
	struct secret *s;

	s = fixture("v", 1, 0);
	CHECK(json_is(dcos_secret_json(s), "{\"value\":\"v\"," CREATED "}"),
	    "a secret answers its value and when it was made");
	secret_free(s);

	s = fixture("a/b\"c", 5, 0);
	s->author = strdup("alice");
	s->description = strdup("d");
	s->labels = json_object_new_array();
	json_object_array_add(s->labels, json_object_new_string("x"));
	CHECK(json_is(dcos_secret_json(s),
	          "{\"value\":\"a/b\\\"c\",\"author\":\"alice\"," CREATED
	          ",\"description\":\"d\",\"labels\":[\"x\"]}"),
	    "author, description and labels follow in DC/OS's order, a "
	    "slash unescaped");
	secret_free(s);

	s = fixture(NULL, 0, 0);
	CHECK(
	    json_is(dcos_secret_json(s), "{\"value\":\"{\\\"a\\\":\\\"1\\\","
	                                 "\\\"b\\\":\\\"2\\\"}\"," CREATED "}"),
	    "a map written in another dialect is its JSON text in value");
	secret_free(s);
}

static void
test_init_body(void)
{
	static const struct {
		int line;
		const char *what;
		const char *body;
		enum cf_status want;
		unsigned shares, threshold; /* on CF_OK */
		const char *ca_key;         /* on CF_OK; NULL: none */
	} rows[] = {
	    {__LINE__, "one share of threshold one is a store",
	        "{\"shares\":1,\"threshold\":1}", CF_OK, 1, 1, NULL},
	    {__LINE__, "five shares of threshold three are a store",
	        "{\"shares\":5,\"threshold\":3}", CF_OK, 5, 3, NULL},
	    {__LINE__, "the most shares are a store",
	        "{\"shares\":255,\"threshold\":255}", CF_OK, 255, 255, NULL},
	    {__LINE__, "an empty pgp_keys is no PGP",
	        "{\"shares\":1,\"threshold\":1,\"pgp_keys\":[]}", CF_OK, 1, 1,
	        NULL},
	    {__LINE__, "a CA key algorithm is taken as given",
	        "{\"shares\":1,\"threshold\":1,\"ca_key\":\"ed25519\"}", CF_OK,
	        1, 1, "ed25519"},
	    {__LINE__, "an empty CA key algorithm is left to the CA to refuse",
	        "{\"shares\":1,\"threshold\":1,\"ca_key\":\"\"}", CF_OK, 1, 1,
	        ""},
	    {__LINE__, "a threshold of one with more shares is refused",
	        "{\"shares\":3,\"threshold\":1}", CF_E_BAD_REQUEST, 0, 0, NULL},
	    {__LINE__, "a threshold over the shares is refused",
	        "{\"shares\":2,\"threshold\":3}", CF_E_BAD_REQUEST, 0, 0, NULL},
	    {__LINE__, "no shares is refused", "{\"shares\":0,\"threshold\":1}",
	        CF_E_BAD_REQUEST, 0, 0, NULL},
	    {__LINE__, "more shares than GF(256) has are refused",
	        "{\"shares\":256,\"threshold\":2}", CF_E_BAD_REQUEST, 0, 0,
	        NULL},
	    {__LINE__, "shares as text are refused",
	        "{\"shares\":\"1\",\"threshold\":1}", CF_E_BAD_REQUEST, 0, 0,
	        NULL},
	    {__LINE__, "a missing threshold is refused", "{\"shares\":1}",
	        CF_E_BAD_REQUEST, 0, 0, NULL},
	    {__LINE__, "an unknown member is refused",
	        "{\"shares\":1,\"threshold\":1,\"x\":1}", CF_E_BAD_REQUEST, 0,
	        0, NULL},
	    {__LINE__, "PGP keys are refused",
	        "{\"shares\":1,\"threshold\":1,\"pgp_keys\":[\"k\"]}",
	        CF_E_BAD_REQUEST, 0, 0, NULL},
	    {__LINE__, "pgp_keys that are not an array are refused",
	        "{\"shares\":1,\"threshold\":1,\"pgp_keys\":\"k\"}",
	        CF_E_BAD_REQUEST, 0, 0, NULL},
	    {__LINE__, "a CA key algorithm too long for any is refused",
	        "{\"shares\":1,\"threshold\":1,\"ca_key\":\"ecdsa-256-and-"
	        "more\"}",
	        CF_E_BAD_REQUEST, 0, 0, NULL},
	    {__LINE__, "a CA key algorithm that is not a string is refused",
	        "{\"shares\":1,\"threshold\":1,\"ca_key\":1}", CF_E_BAD_REQUEST,
	        0, 0, NULL},
	    {__LINE__, "an empty body is not JSON", "", CF_E_BAD_JSON, 0, 0,
	        NULL},
	    {__LINE__, "a cut body is not JSON", "{\"shares\":1,",
	        CF_E_BAD_JSON, 0, 0, NULL},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct dcos_init_req r;
		const char *detail = NULL;
		enum cf_status st =
		    dcos_init_parse((const uint8_t *)rows[i].body,
		        strlen(rows[i].body), &r, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK) {
			CHECK_LINE(rows[i].line,
			    r.shares == rows[i].shares &&
			        r.threshold == rows[i].threshold,
			    rows[i].what);
			CHECK_LINE(rows[i].line,
			    rows[i].ca_key == NULL
			        ? !r.has_ca_key
			        : r.has_ca_key &&
			              !strcmp(r.ca_key, rows[i].ca_key),
			    rows[i].what);
		}
		if (st == CF_E_BAD_REQUEST)
			CHECK_LINE(rows[i].line, detail != NULL,
			    "a refused init says why");
	}
}

static void
test_unseal_body(void)
{
	static const struct {
		int line;
		const char *what;
		const char *body;
		size_t len; /* 0: strlen(body) */
		enum cf_status want;
		size_t keylen; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "a share is taken", "{\"key\":\"0a1b\"}", 0, CF_OK, 4},
	    {__LINE__, "a share keeps a NUL for the vault to refuse",
	        "{\"key\":\"a\\u0000b\"}", 0, CF_OK, 3},
	    {__LINE__, "a share that is not a string is refused", "{\"key\":1}",
	        0, CF_E_BAD_REQUEST, 0},
	    {__LINE__, "a missing share is refused", "{}", 0, CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "an unknown member is refused",
	        "{\"key\":\"a\",\"x\":1}", 0, CF_E_BAD_REQUEST, 0},
	    {__LINE__, "text that is not JSON is refused", "key=a", 0,
	        CF_E_BAD_JSON, 0},
	    {__LINE__, "a body cut inside its share is refused",
	        "{\"key\":\"0a1b\"}", 9, CF_E_BAD_JSON, 0},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		const char *detail = NULL;
		char *key = NULL;
		size_t keylen = 99;
		enum cf_status st =
		    dcos_unseal_parse((const uint8_t *)rows[i].body,
		        rows[i].len ? rows[i].len : strlen(rows[i].body), &key,
		        &keylen, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK)
			CHECK_LINE(rows[i].line,
			    key != NULL && keylen == rows[i].keylen &&
			        key[keylen] == '\0',
			    rows[i].what);
		else
			CHECK_LINE(rows[i].line, key == NULL,
			    "a refused unseal body leaves no copy");
		free(key);
	}
}

static void
test_seal_answers(void)
{
	struct vault_status vs = {0};
	struct vault_init_result r = {0};
	char *hex[] = {"0a", "0b"};

	vs.initialized = 1;
	vs.sealed = 1;
	vs.shares = 3;
	vs.threshold = 2;
	vs.progress = 1;
	CHECK(json_is(dcos_seal_status_json(&vs),
	          "{\"sealed\":true,\"shares\":3,\"threshold\":2,"
	          "\"progress\":1}"),
	    "the SealStatus has DC/OS's members and no other");
	r.nshares = 2;
	r.shares_hex = hex;
	CHECK(json_is(dcos_init_json(&r, "tok"),
	          "{\"initialized\":true,\"keys\":[\"0a\",\"0b\"],"
	          "\"root_token\":\"tok\"}"),
	    "init answers the shares in hex and the first token");
}

static void
test_rid(void)
{
	static const struct {
		int line;
		const char *what;
		int list;
		const char *store, *path, *want;
	} rows[] = {
	    {__LINE__, "a secret is its store and path", 0, "default", "a/b",
	        "dcos:secrets:default:/a/b"},
	    {__LINE__, "the whole store is its root", 0, "default", "",
	        "dcos:secrets:default:/"},
	    {__LINE__, "a listing is the list resource", 1, "default", "a",
	        "dcos:secrets:list:default:/a"},
	    {__LINE__, "another store is named as given", 0, "sensu",
	        "providers/env", "dcos:secrets:sensu:/providers/env"},
	};
	char rid[ACL_SECRET_RID_MAX], store[CF_MAX_STORE_NAME + 1];
	char path[CF_MAX_PATH + 1];
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		acl_secret_rid(rid, rows[i].list, rows[i].store, rows[i].path);
		CHECK_LINE(
		    rows[i].line, !strcmp(rid, rows[i].want), rows[i].what);
	}
	memset(store, 's', CF_MAX_STORE_NAME);
	store[CF_MAX_STORE_NAME] = '\0';
	memset(path, 'p', CF_MAX_PATH);
	path[CF_MAX_PATH] = '\0';
	acl_secret_rid(rid, 1, store, path);
	CHECK(strlen(rid) == strlen("dcos:secrets:list:") + CF_MAX_STORE_NAME +
	                         2 + CF_MAX_PATH,
	    "the longest store and path fit whole");
}

int
main(void)
{
	test_secret_body();
	test_form();
	test_secret_json();
	test_init_body();
	test_unseal_body();
	test_seal_answers();
	test_rid();
	return unit_done();
}
