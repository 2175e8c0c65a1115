/*
 * test_acme.c: ACME's pure parts: JWK parsing, RFC 7638 thumbprints and
 * ES256/RS256 verification (ca/jws.h), and the dialect's parsing of JWS
 * bodies and payloads (keyChange's inner JWS and account updates too) and
 * its name rules (dialects/acme.h), and newAccount's External Account
 * Binding (an HS256 MAC over the account's key) with the resource a
 * name's grant is on.  Vectors:
 * RFC 7638 section 3.1 (the RSA key and its thumbprint), RFC 7515
 * appendix A.3 (an ES256 JWS and its key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/json.h"
#include "ca/jws.h"
#include "crypto/crypto.h"
#include "dialects/acme.h"
#include "unit.h"

static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aP"
    "FFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl9"
    "3lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdA"
    "ZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
    "XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

static const char a3_x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char a3_y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
static const char a3_input[] =
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogI"
    "mh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
static const char a3_sig[] = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFC"
                             "gfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

static struct json_object *
parse(const char *s)
{
	struct json_object *o = NULL;

	if (cf_json_parse(s, strlen(s), &o) != CF_OK) {
		fprintf(stderr, "bad JSON in a test table: %s\n", s);
		exit(EXIT_FAILURE);
	}
	return o;
}

static struct json_object *
ec_jwk(const char *x, const char *y)
{
	char buf[256];

	snprintf(buf, sizeof(buf),
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", x,
	    y);
	return parse(buf);
}

static void
test_the_rfc_7638_rsa_key_has_the_rfc_thumbprint(void)
{
	char buf[1024], t[JWS_THUMB_LEN + 1];
	struct json_object *jwk;
	struct jws_key k;

	snprintf(buf, sizeof(buf),
	    "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\",\"alg\":\"RS256\","
	    "\"kid\":\"2011-04-29\"}",
	    rfc7638_n);
	jwk = parse(buf);
	CHECK(jws_key_parse(jwk, &k) == 0, "the RFC 7638 key parses");
	CHECK(jws_thumbprint(&k, t) == 0 &&
	          !strcmp(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"),
	    "its thumbprint is RFC 7638's");
	jws_key_free(&k);
	json_object_put(jwk);
}

static void
test_the_rfc_7515_es256_example_verifies_and_a_changed_byte_does_not(void)
{
	struct json_object *jwk = ec_jwk(a3_x, a3_y);
	struct jws_key k;
	uint8_t *sig;
	size_t siglen;
	char input[sizeof(a3_input)];

	CHECK(jws_key_parse(jwk, &k) == 0, "the RFC 7515 A.3 key parses");
	CHECK(
	    codec_base64_decode(a3_sig, strlen(a3_sig), 1, &sig, &siglen) == 0,
	    "the signature decodes");
	CHECK(jws_verify(
	          &k, "ES256", a3_input, strlen(a3_input), sig, siglen) == 0,
	    "RFC 7515 A.3 verifies");
	memcpy(input, a3_input, sizeof(input));
	input[5] ^= 1;
	CHECK(jws_verify(&k, "ES256", input, strlen(input), sig, siglen) == 1,
	    "a changed input does not");
	CHECK(jws_verify(
	          &k, "RS256", a3_input, strlen(a3_input), sig, siglen) == 1,
	    "an alg that is not the key's does not");
	CHECK(jws_verify(&k, "ES256", a3_input, strlen(a3_input), sig, 63) == 1,
	    "a short signature does not");
	free(sig);
	jws_key_free(&k);
	json_object_put(jwk);
}

static void
test_an_rs256_signature_verifies_under_the_key_from_its_numbers(void)
{
	struct crypto_rsa *priv = NULL;
	struct jws_key k;
	struct json_object *jwk;
	uint8_t *n, *e, *sig;
	size_t nlen, elen, siglen;
	char *nb, *eb, buf[1024];
	static const char msg[] = "header.payload";

	CHECK(crypto_rsa_generate(2048, &priv) == 0, "a key");
	CHECK(crypto_rsa_public_numbers(priv, &n, &nlen, &e, &elen) == 0,
	    "its numbers");
	nb = codec_base64_encode(n, nlen, 1);
	eb = codec_base64_encode(e, elen, 1);
	snprintf(buf, sizeof(buf),
	    "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"}", nb, eb);
	jwk = parse(buf);
	CHECK(jws_key_parse(jwk, &k) == 0, "the JWK parses");
	CHECK(crypto_rs256_sign(priv, msg, strlen(msg), &sig, &siglen) == 0,
	    "signed");
	CHECK(jws_verify(&k, "RS256", msg, strlen(msg), sig, siglen) == 0,
	    "RS256 verifies");
	sig[0] ^= 1;
	CHECK(jws_verify(&k, "RS256", msg, strlen(msg), sig, siglen) == 1,
	    "a changed signature does not");
	free(sig);
	free(n);
	free(e);
	free(nb);
	free(eb);
	jws_key_free(&k);
	json_object_put(jwk);
	crypto_rsa_free(priv);
}

static void
test_keys_other_than_p256_and_rsa_2048_are_refused(void)
{
	static const struct {
		int line;
		const char *jwk;
	} rows[] = {
	    {__LINE__, "{\"kty\":\"oct\",\"k\":\"AAAA\"}"},
	    {__LINE__, "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AAAA\","
	               "\"y\":\"AAAA\"}"},
	    {__LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\","
	               "\"y\":\"AAAA\"}"},
	    {__LINE__, "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}"},
	    {__LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}"},
	    {__LINE__, "{\"crv\":\"P-256\"}"},
	};
	struct json_object *o;
	struct jws_key k;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = parse(rows[i].jwk);
		CHECK_LINE(rows[i].line, jws_key_parse(o, &k) == -1,
		    "the key is refused");
		json_object_put(o);
	}
}

/* A flattened JWS of header (JSON) and payload (JSON, or "" ). */
static char *
jws_body(const char *header, const char *payload)
{
	char *h = codec_base64_encode(header, strlen(header), 1);
	char *p = codec_base64_encode(payload, strlen(payload), 1), *out;

	if (asprintf(&out,
	        "{\"protected\":\"%s\",\"payload\":\"%s\",\"signature\":"
	        "\"AAAA\"}",
	        h, p) < 0)
		exit(EXIT_FAILURE);
	free(h);
	free(p);
	return out;
}

static void
test_a_jws_body_is_refused_with_the_acme_error_of_what_is_wrong(void)
{
	static const struct {
		int line;
		const char *header, *payload, *code;
	} rows[] = {
	    {__LINE__,
	        "{\"alg\":\"none\",\"nonce\":\"n\",\"url\":\"u\","
	        "\"kid\":\"k\"}",
	        "", "badSignatureAlgorithm"},
	    {__LINE__,
	        "{\"alg\":\"HS256\",\"nonce\":\"n\",\"url\":\"u\","
	        "\"kid\":\"k\"}",
	        "", "badSignatureAlgorithm"},
	    {__LINE__, "{\"alg\":\"ES256\",\"url\":\"u\",\"kid\":\"k\"}", "",
	        "badNonce"},
	    {__LINE__, "{\"alg\":\"ES256\",\"nonce\":\"n\",\"kid\":\"k\"}", "",
	        "malformed"},
	    {__LINE__, "{\"alg\":\"ES256\",\"nonce\":\"n\",\"url\":\"u\"}", "",
	        "malformed"},
	    {__LINE__,
	        "{\"alg\":\"ES256\",\"nonce\":\"n\",\"url\":\"u\","
	        "\"kid\":\"k\",\"jwk\":{}}",
	        "", "malformed"},
	    {__LINE__,
	        "{\"alg\":\"ES256\",\"nonce\":\"n\",\"url\":\"u\","
	        "\"kid\":\"k\",\"crit\":[\"b64\"]}",
	        "", "malformed"},
	    {__LINE__,
	        "{\"alg\":\"ES256\",\"nonce\":\"n\",\"url\":\"u\","
	        "\"kid\":\"k\"}",
	        "[1]", "malformed"},
	};
	struct acme_jws j;
	const char *code, *detail;
	char *body;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		body = jws_body(rows[i].header, rows[i].payload);
		code = NULL;
		CHECK_LINE(rows[i].line,
		    acme_jws_parse((const uint8_t *)body, strlen(body), &j,
		        &code, &detail) == CF_E_BAD_REQUEST,
		    "the JWS is refused");
		CHECK_LINE(rows[i].line,
		    code != NULL && !strcmp(code, rows[i].code),
		    "with its ACME error");
		free(body);
	}
}

static void
test_a_post_as_get_has_no_payload_and_signs_the_two_parts(void)
{
	char *body = jws_body(
	    "{\"alg\":\"ES256\",\"nonce\":\"n\",\"url\":\"u\",\"kid\":\"k\"}",
	    "");
	struct acme_jws j;
	const char *code, *detail;

	CHECK(acme_jws_parse((const uint8_t *)body, strlen(body), &j, &code,
	          &detail) == CF_OK,
	    "it parses");
	CHECK(j.payload == NULL, "no payload");
	CHECK(
	    !strcmp(j.kid, "k") && !strcmp(j.url, "u") && !strcmp(j.nonce, "n"),
	    "the header's members");
	CHECK(j.inputlen > 0 && j.input[j.inputlen - 1] == '.',
	    "the signing input ends with the empty payload");
	acme_jws_free(&j);
	free(body);
}

static void
test_names_are_admitted_only_under_a_listed_suffix(void)
{
	static const struct {
		int line;
		const char *suffixes, *name;
		int ok;
	} rows[] = {
	    {__LINE__, "", "localhost", 0},
	    {__LINE__, "localhost", "localhost", 1},
	    {__LINE__, "localhost", "notlocalhost", 0},
	    {__LINE__, "example.com", "www.example.com", 1},
	    {__LINE__, "example.com", "a.b.EXAMPLE.com", 1},
	    {__LINE__, "example.com", "example.com.evil.org", 0},
	    {__LINE__, "example.com", "badexample.com", 0},
	    {__LINE__, ".example.com", "www.example.com", 1},
	    {__LINE__, "a.test, example.com", "x.example.com", 1},
	    {__LINE__, "a.test example.com", "x.a.test", 1},
	    {__LINE__, "a.test,,", "b.test", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_LINE(rows[i].line,
		    acme_name_allowed(rows[i].suffixes, rows[i].name) ==
		        rows[i].ok,
		    "the suffix rule");
}

static void
test_an_order_takes_dns_names_only(void)
{
	static const struct {
		int line;
		const char *payload, *code;
	} rows[] = {
	    {__LINE__, "{\"identifiers\":[]}", "malformed"},
	    {__LINE__,
	        "{\"identifiers\":[{\"type\":\"ip\",\"value\":\"::1\"}]}",
	        "unsupportedIdentifier"},
	    {__LINE__,
	        "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"*.a.test\"}]}",
	        "rejectedIdentifier"},
	    {__LINE__,
	        "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a b.test\"}]}",
	        "rejectedIdentifier"},
	    {__LINE__,
	        "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.test\"},"
	        "{\"type\":\"dns\",\"value\":\"A.test\"}]}",
	        "malformed"},
	    {__LINE__,
	        "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.test\"}],"
	        "\"notAfter\":\"2030-01-01T00:00:00Z\"}",
	        "malformed"},
	};
	struct json_object *o;
	const char *code, *detail;
	char **names;
	size_t i, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = parse(rows[i].payload);
		code = NULL;
		CHECK_LINE(rows[i].line,
		    acme_order_parse(o, &names, &n, &code, &detail) ==
		            CF_E_BAD_REQUEST &&
		        !strcmp(code, rows[i].code),
		    "the order is refused with its error");
		json_object_put(o);
	}
	o = parse(
	    "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"WWW.A.test\"}"
	    ",{\"type\":\"dns\",\"value\":\"b.test\"}]}");
	CHECK(acme_order_parse(o, &names, &n, &code, &detail) == CF_OK &&
	          n == 2 && !strcmp(names[0], "www.a.test"),
	    "names are taken lowercased");
	acme_names_free(names, n);
	json_object_put(o);
}

static void
test_the_key_authorization_must_match_exactly(void)
{
	static const struct {
		int line;
		const char *body;
		int ok;
	} rows[] = {
	    {__LINE__, "tok.thumb", 1},
	    {__LINE__, "tok.thumb\n", 1},
	    {__LINE__, "tok.thumb \r\n", 1},
	    {__LINE__, "tok.thum", 0},
	    {__LINE__, "tok.thumbx", 0},
	    {__LINE__, " tok.thumb", 0},
	    {__LINE__, "tok", 0},
	    {__LINE__, "", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_LINE(rows[i].line,
		    acme_keyauth_ok(rows[i].body, strlen(rows[i].body), "tok",
		        "thumb") == rows[i].ok,
		    "the key authorization");
}

static void
test_an_account_update_takes_a_contact_and_deactivation_only(void)
{
	static const struct {
		int line;
		const char *payload, *code;
		int deactivate, contact;
	} rows[] = {
	    {__LINE__, "{\"status\":\"deactivated\"}", NULL, 1, 0},
	    {__LINE__, "{\"status\":\"valid\",\"contact\":[\"mailto:a@b.c\"]}",
	        NULL, 0, 1},
	    {__LINE__, "{\"contact\":[]}", NULL, 0, 1},
	    {__LINE__, "{}", NULL, 0, 0},
	    {__LINE__, "{\"status\":\"revoked\"}", "malformed", 0, 0},
	    {__LINE__, "{\"status\":1}", "malformed", 0, 0},
	    {__LINE__, "{\"contact\":[\"tel:+1555\"]}", "invalidContact", 0, 0},
	    {__LINE__, "{\"contact\":\"mailto:a@b.c\"}", "malformed", 0, 0},
	};
	struct json_object *o, *contact;
	const char *code, *detail;
	enum cf_status st;
	int deactivate;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = parse(rows[i].payload);
		code = NULL;
		st = acme_account_update_parse(
		    o, &contact, &deactivate, &code, &detail);
		if (rows[i].code != NULL)
			CHECK_LINE(rows[i].line,
			    st == CF_E_BAD_REQUEST && code != NULL &&
			        !strcmp(code, rows[i].code),
			    "the update is refused with its error");
		else
			CHECK_LINE(rows[i].line,
			    st == CF_OK && deactivate == rows[i].deactivate &&
			        (contact != NULL) == rows[i].contact,
			    "the update is taken");
		json_object_put(o);
	}
	CHECK(acme_account_update_parse(NULL, &contact, &deactivate, &code,
	          &detail) == CF_E_BAD_REQUEST,
	    "an update has a payload");
}

/* keyChange's payload as a JSON object: a flattened JWS of header. */
static struct json_object *
inner_jws(const char *header, const char *payload)
{
	char *body = jws_body(header, payload);
	struct json_object *o = parse(body);

	free(body);
	return o;
}

static void
test_the_inner_jws_of_key_change_has_a_jwk_and_no_nonce(void)
{
	static const struct {
		int line;
		const char *header;
		enum cf_status st;
	} rows[] = {
	    {__LINE__,
	        "{\"alg\":\"ES256\",\"url\":\"u\",\"jwk\":{\"kty\":\"EC\"}}",
	        CF_OK},
	    {__LINE__,
	        "{\"alg\":\"ES256\",\"url\":\"u\",\"nonce\":\"n\","
	        "\"jwk\":{\"kty\":\"EC\"}}",
	        CF_E_BAD_REQUEST},
	    {__LINE__, "{\"alg\":\"ES256\",\"url\":\"u\",\"kid\":\"k\"}",
	        CF_E_BAD_REQUEST},
	    {__LINE__,
	        "{\"alg\":\"ES256\",\"url\":\"u\",\"kid\":\"k\","
	        "\"jwk\":{\"kty\":\"EC\"}}",
	        CF_E_BAD_REQUEST},
	    {__LINE__, "{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\"}}",
	        CF_E_BAD_REQUEST},
	};
	struct json_object *o;
	struct acme_jws j;
	const char *code, *detail;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = inner_jws(rows[i].header, "{\"account\":\"a\"}");
		code = NULL;
		CHECK_LINE(rows[i].line,
		    acme_jws_inner(o, &j, &code, &detail) == rows[i].st,
		    "the inner JWS's rule");
		CHECK_LINE(rows[i].line,
		    rows[i].st == CF_OK ||
		        (code != NULL && !strcmp(code, "malformed")),
		    "a refusal is malformed");
		acme_jws_free(&j);
		json_object_put(o);
	}
	o = json_object_new_string("a string");
	CHECK(acme_jws_inner(o, &j, &code, &detail) == CF_E_BAD_REQUEST,
	    "a payload that is not a JWS object is refused");
	json_object_put(o);
}

static void
test_a_key_change_payload_names_the_account_and_its_old_key(void)
{
	static const struct {
		int line;
		const char *payload;
		enum cf_status st;
	} rows[] = {
	    {__LINE__, "{\"account\":\"a\",\"oldKey\":{\"kty\":\"EC\"}}",
	        CF_OK},
	    {__LINE__, "{\"account\":\"a\"}", CF_E_BAD_REQUEST},
	    {__LINE__, "{\"oldKey\":{\"kty\":\"EC\"}}", CF_E_BAD_REQUEST},
	    {__LINE__, "{\"account\":1,\"oldKey\":{}}", CF_E_BAD_REQUEST},
	    {__LINE__, "{\"account\":\"a\",\"oldKey\":\"k\"}",
	        CF_E_BAD_REQUEST},
	};
	struct json_object *o, *old;
	const char *code, *detail, *account;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = parse(rows[i].payload);
		CHECK_LINE(rows[i].line,
		    acme_keychange_parse(o, &account, &old, &code, &detail) ==
		        rows[i].st,
		    "the keyChange payload's rule");
		json_object_put(o);
	}
}

/* An EAB (RFC 8555 7.3.4) of header and payload, MACed under key (a
 * short MAC when cut). */
static struct json_object *
eab_jws(const char *header, const char *payload, const uint8_t *key,
    size_t keylen, int cut)
{
	char *h = codec_base64_encode(header, strlen(header), 1);
	char *p = codec_base64_encode(payload, strlen(payload), 1), *in, *m;
	char *out;
	uint8_t mac[32];
	struct json_object *o;

	if (asprintf(&in, "%s.%s", h, p) < 0 ||
	    crypto_hmac_sha256(key, keylen, in, strlen(in), mac) != 0 ||
	    (m = codec_base64_encode(mac, cut ? 31 : 32, 1)) == NULL ||
	    asprintf(&out,
	        "{\"protected\":\"%s\",\"payload\":\"%s\","
	        "\"signature\":\"%s\"}",
	        h, p, m) < 0)
		exit(EXIT_FAILURE);
	o = parse(out);
	free(h);
	free(p);
	free(in);
	free(m);
	free(out);
	return o;
}

static void
test_an_eab_is_an_hs256_mac_over_the_account_key_for_new_account(void)
{
#define EAB_URL "https://ca.test/acme/new-account"
#define EAB_HDR(alg, extra)                                                    \
	"{\"alg\":\"" alg "\",\"kid\":\"teamkid\",\"url\":\"" EAB_URL          \
	"\"" extra "}"
	static const uint8_t team[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const uint8_t other[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
	enum { TEAM, OTHER, SHORT };
	static const struct {
		int line;
		const char *header;
		int account_key; /* payload: 1 the account's key, 0 another */
		int mac;         /* TEAM, OTHER or SHORT */
		enum cf_status st;
		int verifies;
	} rows[] = {
	    {__LINE__, EAB_HDR("HS256", ""), 1, TEAM, CF_OK, 1},
	    {__LINE__, EAB_HDR("HS256", ""), 1, OTHER, CF_OK, 0},
	    {__LINE__, EAB_HDR("HS256", ""), 1, SHORT, CF_OK, 0},
	    {__LINE__, EAB_HDR("HS256", ""), 0, TEAM, CF_E_BAD_REQUEST, 0},
	    {__LINE__, EAB_HDR("ES256", ""), 1, TEAM, CF_E_BAD_REQUEST, 0},
	    {__LINE__, EAB_HDR("none", ""), 1, TEAM, CF_E_BAD_REQUEST, 0},
	    {__LINE__, EAB_HDR("HS512", ""), 1, TEAM, CF_E_BAD_REQUEST, 0},
	    {__LINE__, EAB_HDR("HS256", ",\"nonce\":\"n\""), 1, TEAM,
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__, EAB_HDR("HS256", ",\"jwk\":{}"), 1, TEAM,
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__,
	        "{\"alg\":\"HS256\",\"kid\":\"teamkid\","
	        "\"url\":\"https://ca.test/acme/new-order\"}",
	        1, TEAM, CF_E_BAD_REQUEST, 0},
	    {__LINE__, "{\"alg\":\"HS256\",\"url\":\"" EAB_URL "\"}", 1, TEAM,
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__,
	        "{\"alg\":\"HS256\",\"kid\":\"teamkid\",\"url\":\"" EAB_URL
	        "\",\"crit\":[\"b64\"]}",
	        1, TEAM, CF_E_BAD_REQUEST, 0},
	};
	struct json_object *acct = ec_jwk(a3_x, a3_y), *o;
	struct jws_key k;
	struct acme_jws j;
	char thumb[JWS_THUMB_LEN + 1], acct_json[256], rsa_json[512];
	const char *code, *detail;
	size_t i;

	CHECK(jws_key_parse(acct, &k) == 0 && jws_thumbprint(&k, thumb) == 0,
	    "the account key");
	jws_key_free(&k);
	snprintf(acct_json, sizeof(acct_json), "%s",
	    json_object_to_json_string_ext(acct, JSON_C_TO_STRING_PLAIN));
	snprintf(rsa_json, sizeof(rsa_json),
	    "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s\"}", rfc7638_n);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = eab_jws(rows[i].header,
		    rows[i].account_key ? acct_json : rsa_json,
		    rows[i].mac == OTHER ? other : team, sizeof(team),
		    rows[i].mac == SHORT);
		code = NULL;
		CHECK_LINE(rows[i].line,
		    acme_eab_parse(o, EAB_URL, thumb, &j, &code, &detail) ==
		        rows[i].st,
		    "the EAB's form");
		if (rows[i].st != CF_OK) {
			CHECK_LINE(rows[i].line,
			    code != NULL && !strcmp(code, "malformed"),
			    "refused as malformed");
		} else {
			CHECK_LINE(rows[i].line, !strcmp(j.kid, "teamkid"),
			    "the kid is the header's");
			CHECK_LINE(rows[i].line,
			    acme_eab_verify(&j, team, sizeof(team)) ==
			        rows[i].verifies,
			    "the MAC under the team's key");
			acme_jws_free(&j);
		}
		json_object_put(o);
	}
	json_object_put(acct);
#undef EAB_HDR
#undef EAB_URL
}

static void
test_an_account_payload_gives_its_eab_as_an_object(void)
{
	static const struct {
		int line;
		const char *payload;
		enum cf_status st;
		int has_eab;
	} rows[] = {
	    {__LINE__, "{}", CF_OK, 0},
	    {__LINE__, "{\"externalAccountBinding\":{\"protected\":\"x\"}}",
	        CF_OK, 1},
	    {__LINE__, "{\"externalAccountBinding\":\"x\"}", CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "{\"externalAccountBinding\":null}", CF_E_BAD_REQUEST,
	        0},
	};
	struct json_object *o, *contact, *eab;
	const char *code, *detail;
	size_t i;
	int only;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = parse(rows[i].payload);
		CHECK_LINE(rows[i].line,
		    acme_account_parse(
		        o, &only, &contact, &eab, &code, &detail) == rows[i].st,
		    "newAccount's payload");
		if (rows[i].st == CF_OK)
			CHECK_LINE(rows[i].line,
			    (eab != NULL) == rows[i].has_eab, "its EAB");
		json_object_put(o);
	}
}

static void
test_a_name_needs_a_grant_on_its_labels_from_the_last(void)
{
	static const struct {
		int line;
		const char *name, *rid;
	} rows[] = {
	    {__LINE__, "www.example.com", "dcos:acme:dns:/com/example/www"},
	    {__LINE__, "example.com", "dcos:acme:dns:/com/example"},
	    {__LINE__, "localhost", "dcos:acme:dns:/localhost"},
	    {__LINE__, "a.b.c.d", "dcos:acme:dns:/d/c/b/a"},
	};
	char rid[ACME_NAME_RID_MAX];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		acme_name_rid(rid, sizeof(rid), rows[i].name);
		CHECK_LINE(rows[i].line, !strcmp(rid, rows[i].rid),
		    "the name's resource");
	}
}

int
main(void)
{
	crypto_init();
	test_the_rfc_7638_rsa_key_has_the_rfc_thumbprint();
	test_the_rfc_7515_es256_example_verifies_and_a_changed_byte_does_not();
	test_an_rs256_signature_verifies_under_the_key_from_its_numbers();
	test_keys_other_than_p256_and_rsa_2048_are_refused();
	test_a_jws_body_is_refused_with_the_acme_error_of_what_is_wrong();
	test_a_post_as_get_has_no_payload_and_signs_the_two_parts();
	test_names_are_admitted_only_under_a_listed_suffix();
	test_an_order_takes_dns_names_only();
	test_the_key_authorization_must_match_exactly();
	test_an_account_update_takes_a_contact_and_deactivation_only();
	test_the_inner_jws_of_key_change_has_a_jwk_and_no_nonce();
	test_a_key_change_payload_names_the_account_and_its_old_key();
	test_an_eab_is_an_hs256_mac_over_the_account_key_for_new_account();
	test_an_account_payload_gives_its_eab_as_an_object();
	test_a_name_needs_a_grant_on_its_labels_from_the_last();
	return unit_done();
}
