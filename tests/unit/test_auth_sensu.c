/*
 * test_auth_sensu.c: Sensu's authentication and API key bodies and its
 * token answer, from bytes alone (common/dialects/auth_sensu.c), one table
 * row per behaviour.  /auth/token's body is read before the caller is
 * authenticated (its access token is only verified, expired or not);
 * /auth itself reads no body, only Basic credentials (test_token.c).
 * tests/fuzz/fuzz_auth_body.c runs these parsers under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/json.h"
#include "dialects/auth_sensu.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef enum cf_status (*parser)(
    const uint8_t *, size_t, struct auth_sensu_body *, const char **);

struct row {
	int line;
	const char *what;
	const char *body;
	enum cf_status want;
	const char *value; /* on CF_OK: the member read, NULL if none */
};

static void
run(parser parse, int username, const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		struct auth_sensu_body b;
		const char *detail = NULL, *got;
		enum cf_status st = parse(
		    (const uint8_t *)r->body, strlen(r->body), &b, &detail);

		CHECK_LINE(r->line, st == r->want, r->what);
		got = username ? b.username : b.refresh_token;
		if (st == CF_OK)
			CHECK_LINE(r->line,
			    r->value == NULL
			        ? got == NULL
			        : got != NULL && !strcmp(got, r->value),
			    "the member read is the body's");
		else
			CHECK_LINE(r->line, detail != NULL && b.o == NULL,
			    "a refused body says why and holds nothing");
		auth_sensu_body_free(&b);
	}
}

static void
test_a_token_renewal_names_its_refresh_token(void)
{
	static const struct row rows[] = {
	    {__LINE__, "a refresh token is taken", "{\"refresh_token\":\"r\"}",
	        CF_OK, "r"},
	    {__LINE__, "no refresh token is refused", "{}", CF_E_BAD_REQUEST,
	        NULL},
	    {__LINE__, "a refresh token that is not a string is refused",
	        "{\"refresh_token\":7}", CF_E_BAD_REQUEST, NULL},
	    {__LINE__, "a NUL inside the refresh token is refused",
	        "{\"refresh_token\":\"r\\u0000s\"}", CF_E_BAD_REQUEST, NULL},
	    {__LINE__, "another member is refused",
	        "{\"refresh_token\":\"r\",\"access_token\":\"a\"}",
	        CF_E_BAD_REQUEST, NULL},
	    {__LINE__, "an empty body is refused", "", CF_E_BAD_REQUEST, NULL},
	    {__LINE__, "a body that is not JSON is refused", "refresh_token=r",
	        CF_E_BAD_JSON, NULL},
	};

	run(auth_sensu_token_parse, 0, rows, NELEM(rows));
}

static void
test_a_logout_spends_what_refresh_token_it_can(void)
{
	static const struct row rows[] = {
	    {__LINE__, "an empty body logs out", "", CF_OK, NULL},
	    {__LINE__, "a refresh token is spent", "{\"refresh_token\":\"r\"}",
	        CF_OK, "r"},
	    {__LINE__, "a refresh token that is not a string is as if absent",
	        "{\"refresh_token\":[]}", CF_OK, NULL},
	    {__LINE__, "other members are ignored", "{\"x\":1}", CF_OK, NULL},
	    {__LINE__, "a body that is not JSON is refused", "x", CF_E_BAD_JSON,
	        NULL},
	};

	run(auth_sensu_logout_parse, 0, rows, NELEM(rows));
}

static void
test_an_api_key_is_made_for_a_named_user(void)
{
	static const struct row rows[] = {
	    {__LINE__, "a username is taken", "{\"username\":\"alice\"}", CF_OK,
	        "alice"},
	    {__LINE__, "metadata is taken and ignored",
	        "{\"username\":\"alice\",\"metadata\":{}}", CF_OK, "alice"},
	    {__LINE__, "no username is refused", "{\"metadata\":{}}",
	        CF_E_BAD_REQUEST, NULL},
	    {__LINE__, "a username that is not a string is refused",
	        "{\"username\":true}", CF_E_BAD_REQUEST, NULL},
	    {__LINE__, "another member is refused",
	        "{\"username\":\"alice\",\"key\":\"k\"}", CF_E_BAD_REQUEST,
	        NULL},
	    {__LINE__, "an empty body is refused", "", CF_E_BAD_REQUEST, NULL},
	};

	run(auth_sensu_apikey_parse, 1, rows, NELEM(rows));
}

static void
test_the_token_answer_is_sensus_shape(void)
{
	struct json_object *o = auth_sensu_tokens("a.b.c", 1700000000, "r");
	const char *s;
	size_t len;
	int64_t exp = 0;

	CHECK(cf_json_string(o, "access_token", &s, &len) == CF_OK &&
	          !strcmp(s, "a.b.c"),
	    "the access token is answered");
	CHECK(cf_json_int(o, "expires_at", 0, INT64_MAX, &exp) == CF_OK &&
	          exp == 1700000000,
	    "its expiry is answered in Unix seconds");
	CHECK(cf_json_string(o, "refresh_token", &s, &len) == CF_OK &&
	          !strcmp(s, "r"),
	    "the refresh token is answered");
	CHECK(json_object_object_length(o) == 3, "and nothing else");
	json_object_put(o);
}

int
main(void)
{
	test_a_token_renewal_names_its_refresh_token();
	test_a_logout_spends_what_refresh_token_it_can();
	test_an_api_key_is_made_for_a_named_user();
	test_the_token_answer_is_sensus_shape();
	return unit_done();
}
