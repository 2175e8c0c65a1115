/*
 * test_iam_dcos.c: DC/OS IAM's bodies and answers, from bytes alone
 * (common/dialects/iam_dcos.c), one table row per behaviour: the login
 * body, which every caller reaches before it is authenticated, the user,
 * user update and description bodies, the resource id of an ACL's path,
 * the JWKS and the info cookie.  tests/fuzz/fuzz_auth_body.c runs the
 * login parser under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/errors.h"
#include "base/json.h"
#include "crypto/crypto.h"
#include "dialects/iam_dcos.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef enum cf_status (*parser)(const uint8_t *, size_t,
    struct iam_dcos_body *, const char **, const char **);

struct row {
	int line;
	const char *what;
	const char *body;
	enum cf_status want;
	const char *detail; /* on an error: its start */
};

/* Each row through parse: the status, ERR_INVALID_DATA and the detail on
 * an error, and a body that holds nothing after one. */
static void
run(parser parse, const struct row *rows, size_t n,
    void (*ok)(const struct row *, const struct iam_dcos_body *))
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		struct iam_dcos_body b;
		const char *code = NULL, *detail = NULL;
		enum cf_status st = parse((const uint8_t *)r->body,
		    strlen(r->body), &b, &code, &detail);

		CHECK_LINE(r->line, st == r->want, r->what);
		if (st == CF_OK && ok != NULL)
			ok(r, &b);
		if (st != CF_OK) {
			CHECK_LINE(r->line,
			    code != NULL && !strcmp(code, "ERR_INVALID_DATA"),
			    "a refused body answers ERR_INVALID_DATA");
			CHECK_LINE(r->line,
			    detail != NULL && r->detail != NULL &&
			        !strncmp(detail, r->detail, strlen(r->detail)),
			    "a refused body says why, in our words");
			CHECK_LINE(r->line, b.o == NULL,
			    "a refused body holds nothing to free");
		}
		iam_dcos_body_free(&b);
	}
}

static void
login_ok(const struct row *r, const struct iam_dcos_body *b)
{
	CHECK_LINE(r->line, b->uid != NULL && !strcmp(b->uid, "alice"),
	    "the login's uid is the body's");
	CHECK_LINE(r->line, (b->password == NULL) != (b->token == NULL),
	    "a login carries exactly one credential");
}

static void
test_a_login_body_names_a_uid_and_exactly_one_credential(void)
{
	static const struct row rows[] = {
	    {__LINE__, "a uid and a password log in",
	        "{\"uid\":\"alice\",\"password\":\"pw\"}", CF_OK, NULL},
	    {__LINE__, "a uid and a service token log in",
	        "{\"uid\":\"alice\",\"token\":\"x.y.z\"}", CF_OK, NULL},
	    {__LINE__, "exp is taken and ignored",
	        "{\"uid\":\"alice\",\"password\":\"pw\",\"exp\":0}", CF_OK,
	        NULL},
	    {__LINE__, "an empty body is refused", "", CF_E_BAD_REQUEST,
	        "Expected non-empty"},
	    {__LINE__, "a body that is not JSON is refused", "uid=alice",
	        CF_E_BAD_JSON, "Request body is not"},
	    {__LINE__, "a JSON array is refused", "[]", CF_E_BAD_JSON,
	        "Request body is not"},
	    {__LINE__, "trailing bytes are refused",
	        "{\"uid\":\"alice\",\"password\":\"pw\"} x", CF_E_BAD_JSON,
	        "Request body is not"},
	    {__LINE__, "a missing uid is refused", "{\"password\":\"pw\"}",
	        CF_E_BAD_REQUEST, "Invalid login"},
	    {__LINE__, "a uid that is not a string is refused",
	        "{\"uid\":1,\"password\":\"pw\"}", CF_E_BAD_REQUEST,
	        "Invalid login"},
	    {__LINE__, "a member DC/OS does not send is refused",
	        "{\"uid\":\"alice\",\"password\":\"pw\",\"x\":1}",
	        CF_E_BAD_REQUEST, "Invalid login"},
	    {__LINE__, "a NUL inside the password is refused",
	        "{\"uid\":\"alice\",\"password\":\"p\\u0000w\"}",
	        CF_E_BAD_REQUEST, "Invalid login"},
	    {__LINE__, "neither credential is refused", "{\"uid\":\"alice\"}",
	        CF_E_BAD_REQUEST, "Exactly one"},
	    {__LINE__, "both credentials are refused",
	        "{\"uid\":\"alice\",\"password\":\"pw\",\"token\":\"t\"}",
	        CF_E_BAD_REQUEST, "Exactly one"},
	    {__LINE__, "an empty uid is refused",
	        "{\"uid\":\"\",\"password\":\"pw\"}", CF_E_BAD_REQUEST,
	        "`uid` and `password` must not be empty"},
	    {__LINE__, "an empty password is refused",
	        "{\"uid\":\"alice\",\"password\":\"\"}", CF_E_BAD_REQUEST,
	        "`uid` and `password` must not be empty"},
	    {__LINE__, "an empty token is refused",
	        "{\"uid\":\"alice\",\"token\":\"\"}", CF_E_BAD_REQUEST,
	        "`uid` and `password` must not be empty"},
	};
	char big[200];

	run(iam_dcos_login_parse, rows, NELEM(rows), login_ok);

	/* A uid longer than a token can name is refused. */
	snprintf(big, sizeof(big), "{\"uid\":\"%0*d\",\"password\":\"pw\"}",
	    TOKEN_MAX_UID + 1, 0);
	{
		struct iam_dcos_body b;
		const char *code = NULL, *detail = NULL;

		CHECK(iam_dcos_login_parse((const uint8_t *)big, strlen(big),
		          &b, &code, &detail) == CF_E_BAD_REQUEST,
		    "a uid over TOKEN_MAX_UID bytes is refused");
		iam_dcos_body_free(&b);
	}
}

static void
test_a_user_body_carries_a_password_or_a_public_key(void)
{
	static const struct row rows[] = {
	    {__LINE__, "a user with a password is made",
	        "{\"password\":\"pw\",\"description\":\"d\"}", CF_OK, NULL},
	    {__LINE__, "a service account with a public key is made",
	        "{\"public_key\":\"-----BEGIN PUBLIC KEY-----\"}", CF_OK, NULL},
	    {__LINE__, "DC/OS's provider fields are taken",
	        "{\"password\":\"pw\",\"provider_type\":\"internal\","
	        "\"provider_id\":\"\",\"cluster_url\":\"\","
	        "\"creator_uid\":\"\",\"secret\":\"\"}",
	        CF_OK, NULL},
	    {__LINE__, "neither credential is refused",
	        "{\"description\":\"d\"}", CF_E_BAD_REQUEST, "One of"},
	    {__LINE__, "both credentials are refused",
	        "{\"password\":\"pw\",\"public_key\":\"k\"}", CF_E_BAD_REQUEST,
	        "One of"},
	    {__LINE__, "an empty password is refused", "{\"password\":\"\"}",
	        CF_E_BAD_REQUEST, "`password` and `public_key`"},
	    {__LINE__, "an empty public key is refused",
	        "{\"public_key\":\"\"}", CF_E_BAD_REQUEST,
	        "`password` and `public_key`"},
	    {__LINE__, "an unknown member is refused",
	        "{\"password\":\"pw\",\"admin\":true}", CF_E_BAD_REQUEST,
	        "Invalid user body"},
	    {__LINE__, "a description that is not a string is refused",
	        "{\"password\":\"pw\",\"description\":[]}", CF_E_BAD_REQUEST,
	        "Invalid user body"},
	    {__LINE__, "an empty body is refused", "", CF_E_BAD_REQUEST,
	        "Expected non-empty"},
	};

	run(iam_dcos_user_parse, rows, NELEM(rows), NULL);
}

static void
test_a_user_update_changes_a_description_or_a_password(void)
{
	static const struct row rows[] = {
	    {__LINE__, "a description alone is an update",
	        "{\"description\":\"d\"}", CF_OK, NULL},
	    {__LINE__, "a password alone is an update", "{\"password\":\"p\"}",
	        CF_OK, NULL},
	    {__LINE__, "nothing to change is refused", "{}", CF_E_BAD_REQUEST,
	        "One of `description`"},
	    {__LINE__, "an empty password is refused", "{\"password\":\"\"}",
	        CF_E_BAD_REQUEST, "Invalid user update"},
	    {__LINE__, "a public key is not updated", "{\"public_key\":\"k\"}",
	        CF_E_BAD_REQUEST, "Invalid user update"},
	};

	run(iam_dcos_user_patch_parse, rows, NELEM(rows), NULL);
}

static void
test_a_group_or_acl_body_is_one_description(void)
{
	static const struct row rows[] = {
	    {__LINE__, "a description is taken", "{\"description\":\"ops\"}",
	        CF_OK, NULL},
	    {__LINE__, "an empty description is taken",
	        "{\"description\":\"\"}", CF_OK, NULL},
	    {__LINE__, "no description is refused", "{}", CF_E_BAD_REQUEST,
	        "Expected {\"description\""},
	    {__LINE__, "another member is refused",
	        "{\"description\":\"d\",\"gid\":\"g\"}", CF_E_BAD_REQUEST,
	        "Expected {\"description\""},
	    {__LINE__, "a number is refused", "{\"description\":1}",
	        CF_E_BAD_REQUEST, "Expected {\"description\""},
	};

	run(iam_dcos_description_parse, rows, NELEM(rows), NULL);
}

static void
test_an_acl_path_segment_is_decoded_once_more(void)
{
	static const struct {
		int line;
		const char *what;
		const char *seg;
		const char *rid; /* NULL: refused */
	} rows[] = {
	    {__LINE__, "a plain resource id is itself", "dcos:superuser",
	        "dcos:superuser"},
	    {__LINE__, "%2F names a slash", "dcos:secrets:default:%2Fa",
	        "dcos:secrets:default:/a"},
	    {__LINE__, "a space is no resource id", "dcos:a%20b", NULL},
	    {__LINE__, "an empty segment is no resource id", "", NULL},
	    {__LINE__, "a broken escape is refused", "dcos:%zz", NULL},
	};
	char rid[64], small[5];
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		int r = iam_dcos_rid_parse(rows[i].seg, rid, sizeof(rid));

		CHECK_LINE(rows[i].line,
		    rows[i].rid == NULL ? r == -1
		                        : r == 0 && !strcmp(rid, rows[i].rid),
		    rows[i].what);
	}
	CHECK(iam_dcos_rid_parse("dcos:x", small, sizeof(small)) == -1,
	    "a resource id longer than the room is refused");
}

static void
test_the_jwks_names_the_key_by_bouncers_kid(void)
{
	/* n = 256, e = 65537: Bouncer's kid is the SHA-256 of the decimal
	 * exponent, the decimal modulus and "RSA". */
	static const uint8_t n[] = {0x00, 0x01, 0x00}, e[] = {0x01, 0x00, 0x01};
	static const char msg[] = "65537256RSA";
	struct json_object *o = iam_dcos_jwks(n, sizeof(n), e, sizeof(e));
	struct json_object *keys = NULL, *k;
	const char *kid = NULL, *ns = NULL, *es = NULL;
	size_t len;
	uint8_t h[32];
	char *want = NULL;

	if (crypto_sha256(msg, strlen(msg), h) == 0)
		want = codec_hex_encode(h, sizeof(h));
	CHECK(o != NULL && json_object_object_get_ex(o, "keys", &keys) &&
	          json_object_array_length(keys) == 1,
	    "the JWKS holds one key");
	k = keys != NULL ? json_object_array_get_idx(keys, 0) : NULL;
	CHECK(k != NULL && cf_json_string(k, "kid", &kid, &len) == CF_OK &&
	          want != NULL && !strcmp(kid, want),
	    "the kid hashes the decimal integers as Bouncer does");
	CHECK(k != NULL && cf_json_string(k, "n", &ns, &len) == CF_OK &&
	          cf_json_string(k, "e", &es, &len) == CF_OK &&
	          !strcmp(es, "AQAB"),
	    "the numbers are base64url");
	free(want);
	json_object_put(o);
}

static void
test_the_info_cookie_is_the_users_public_facts(void)
{
	char *c = iam_dcos_info_cookie("alice");
	uint8_t *dec = NULL;
	size_t len = 0;
	static const char want[] =
	    "{\"uid\":\"alice\",\"description\":\"\",\"is_remote\":false}";

	CHECK(c != NULL &&
	          codec_base64_decode(c, strlen(c), 0, &dec, &len) == 0 &&
	          len == strlen(want) && !memcmp(dec, want, len),
	    "the info cookie is base64 of uid, description and is_remote");
	free(dec);
	free(c);
}

int
main(void)
{
	test_a_login_body_names_a_uid_and_exactly_one_credential();
	test_a_user_body_carries_a_password_or_a_public_key();
	test_a_user_update_changes_a_description_or_a_password();
	test_a_group_or_acl_body_is_one_description();
	test_an_acl_path_segment_is_decoded_once_more();
	test_the_jwks_names_the_key_by_bouncers_kid();
	test_the_info_cookie_is_the_users_public_facts();
	return unit_done();
}
