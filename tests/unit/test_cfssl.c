/*
 * test_cfssl.c: CFSSL's request, authsign envelope and answer envelope,
 * from bytes alone (common/dialects/cfssl.c), one table row per
 * behaviour.  authsign's envelope is read before anything authenticates
 * the caller: its token is checked after, by the CA (pki_authsign).
 * tests/fuzz/fuzz_auth_body.c runs these parsers under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "ca/pki.h"
#include "dialects/cfssl.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_a_request_body_is_a_json_object_or_nothing(void)
{
	static const struct {
		int line;
		const char *what;
		const char *body;
		enum cf_status want;
		int members; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "an empty body is an empty request", "", CF_OK, 0},
	    {__LINE__, "an object is the request", "{\"label\":\"x\"}", CF_OK,
	        1},
	    {__LINE__, "an array is refused", "[]", CF_E_BAD_JSON, 0},
	    {__LINE__, "text is refused", "profile=x", CF_E_BAD_JSON, 0},
	    {__LINE__, "trailing bytes are refused", "{} {}", CF_E_BAD_JSON, 0},
	    {__LINE__, "invalid UTF-8 is refused", "{\"a\":\"\xff\"}",
	        CF_E_BAD_JSON, 0},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct json_object *o = NULL;
		const char *detail = NULL;
		enum cf_status st =
		    cfssl_request_parse((const uint8_t *)rows[i].body,
		        strlen(rows[i].body), &o, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK)
			CHECK_LINE(rows[i].line,
			    o != NULL &&
			        json_object_object_length(o) == rows[i].members,
			    "the request holds the body's members");
		else
			CHECK_LINE(rows[i].line,
			    o == NULL && detail != NULL &&
			        !strncmp(detail, "7200 ", 5),
			    "a refused body answers CFSSL's code 7200");
		json_object_put(o);
	}
}

static void
test_an_authsign_envelope_is_a_token_a_request_and_a_time(void)
{
	/* "dG9r" is "tok", "e30=" is "{}". */
	static const struct {
		int line;
		const char *what;
		const char *body;
		enum cf_status want;
		int64_t ts; /* on CF_OK */
	} rows[] = {
	    {__LINE__, "a token, a request and a timestamp are taken",
	        "{\"token\":\"dG9r\",\"request\":\"e30=\",\"timestamp\":"
	        "1700000000}",
	        CF_OK, 1700000000},
	    {__LINE__, "a missing timestamp is 0, for the CA to refuse",
	        "{\"token\":\"dG9r\",\"request\":\"e30=\"}", CF_OK, 0},
	    {__LINE__, "a remote address is taken and ignored",
	        "{\"token\":\"dG9r\",\"request\":\"e30=\",\"remote_address\":"
	        "\"a\"}",
	        CF_OK, 0},
	    {__LINE__, "no token is refused", "{\"request\":\"e30=\"}",
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__, "no request is refused", "{\"token\":\"dG9r\"}",
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__, "a token that is not base64 is refused",
	        "{\"token\":\"d G9r\",\"request\":\"e30=\"}", CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "a request without its padding is refused",
	        "{\"token\":\"dG9r\",\"request\":\"e30\"}", CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "a timestamp that is not an integer is refused",
	        "{\"token\":\"dG9r\",\"request\":\"e30=\",\"timestamp\":\"1\"}",
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__, "an empty body is refused as no token", "",
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__, "a body that is not JSON is refused", "token=x",
	        CF_E_BAD_JSON, 0},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		struct pki_authreq a;
		const char *detail = NULL;
		enum cf_status st =
		    cfssl_authsign_parse((const uint8_t *)rows[i].body,
		        strlen(rows[i].body), &a, &detail);

		CHECK_LINE(rows[i].line, st == rows[i].want, rows[i].what);
		if (st == CF_OK)
			CHECK_LINE(rows[i].line,
			    a.toklen == 3 && !memcmp(a.tok, "tok", 3) &&
			        a.bodylen == 2 && !memcmp(a.body, "{}", 2) &&
			        a.ts == rows[i].ts,
			    "the envelope is decoded");
		else
			CHECK_LINE(rows[i].line,
			    a.tok == NULL && a.body == NULL && detail != NULL,
			    "a refused envelope says why and holds nothing");
		if (st == CF_E_BAD_REQUEST)
			CHECK_LINE(rows[i].line,
			    !strcmp(detail, "invalid token"),
			    "a wrong envelope is CFSSL's invalid token");
		cfssl_authreq_free(&a);
	}
}

static void
test_an_answer_is_wrapped_in_cfssls_envelope(void)
{
	struct json_object *r = json_object_new_object(), *o, *m;

	json_object_object_add(r, "healthy", json_object_new_boolean(1));
	o = cfssl_envelope(r);
	CHECK(json_object_object_get_ex(o, "success", &m) &&
	          json_object_get_boolean(m),
	    "the envelope says success");
	CHECK(json_object_object_get_ex(o, "result", &m) && m == r,
	    "the envelope holds the result it was given");
	CHECK(json_object_object_get_ex(o, "errors", &m) &&
	          json_object_array_length(m) == 0 &&
	          json_object_object_get_ex(o, "messages", &m) &&
	          json_object_array_length(m) == 0,
	    "errors and messages are empty lists");
	json_object_put(o);
}

int
main(void)
{
	test_a_request_body_is_a_json_object_or_nothing();
	test_an_authsign_envelope_is_a_token_a_request_and_a_time();
	test_an_answer_is_wrapped_in_cfssls_envelope();
	return unit_done();
}
