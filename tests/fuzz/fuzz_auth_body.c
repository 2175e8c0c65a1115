/*
 * fuzz_auth_body: libFuzzer target for the request bodies of the
 * identity and CA dialects, the ones met before a caller is authenticated
 * first: DC/OS's login (common/dialects/iam_dcos.c), Sensu's token
 * renewal, logout and API key bodies (common/dialects/auth_sensu.c), and
 * CFSSL's request and authsign envelope (common/dialects/cfssl.c).
 *
 * The first byte of an input picks the parser, the rest is the body.  A
 * body is accepted only with what its route requires (a login's uid and
 * exactly one credential, none empty and none holding a NUL; a refresh
 * token or a username when one is required; a CFSSL request that is an
 * object; an authsign token and request whose base64 is the envelope's,
 * byte for byte), refused only with the statuses its parser documents and
 * holding nothing, and an error detail never points into the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/errors.h"
#include "base/json.h"
#include "ca/pki.h"
#include "dialects/auth_sensu.h"
#include "dialects/cfssl.h"
#include "dialects/iam_dcos.h"

enum fuzz_body {
	DCOS_LOGIN,
	SENSU_TOKEN,
	SENSU_LOGOUT,
	SENSU_APIKEY,
	CFSSL_REQUEST,
	CFSSL_AUTHSIGN,
	NBODIES
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
refused(enum cf_status st)
{
	if (st != CF_E_BAD_JSON && st != CF_E_BAD_REQUEST)
		abort();
}

/* need: 0 anything, 1 present, 2 present and not empty. */
static void
text(const char *s, int need)
{
	if ((s == NULL && need > 0) || (s != NULL && *s == '\0' && need > 1))
		abort();
}

static void
login(const uint8_t *body, size_t len, const char **detail)
{
	struct iam_dcos_body b;
	const char *code = NULL;
	enum cf_status st = iam_dcos_login_parse(body, len, &b, &code, detail);

	if (st != CF_OK) {
		refused(st);
		if (b.o != NULL || code == NULL ||
		    strcmp(code, "ERR_INVALID_DATA") != 0)
			abort();
		return;
	}
	text(b.uid, 2);
	if ((b.password == NULL) == (b.token == NULL))
		abort();
	text(b.password != NULL ? b.password : b.token, 2);
	iam_dcos_body_free(&b);
}

static void
sensu(enum fuzz_body d, const uint8_t *body, size_t len, const char **detail)
{
	struct auth_sensu_body b;
	enum cf_status st;

	if (d == SENSU_TOKEN)
		st = auth_sensu_token_parse(body, len, &b, detail);
	else if (d == SENSU_LOGOUT)
		st = auth_sensu_logout_parse(body, len, &b, detail);
	else
		st = auth_sensu_apikey_parse(body, len, &b, detail);
	if (st != CF_OK) {
		refused(st);
		if (b.o != NULL || (d == SENSU_LOGOUT && st != CF_E_BAD_JSON))
			abort();
		return;
	}
	text(b.refresh_token, d == SENSU_TOKEN);
	text(b.username, d == SENSU_APIKEY);
	auth_sensu_body_free(&b);
}

/* The base64 of got is the envelope's member key, byte for byte. */
static void
same_base64(
    struct json_object *o, const char *key, const uint8_t *got, size_t gotlen)
{
	const char *s;
	char *enc;
	size_t len;

	if (cf_json_string(o, key, &s, &len) != CF_OK ||
	    (enc = codec_base64_encode(got, gotlen, 0)) == NULL)
		abort();
	if (strlen(enc) != len || memcmp(enc, s, len) != 0)
		abort();
	free(enc);
}

static void
cfssl(enum fuzz_body d, const uint8_t *body, size_t len, const char **detail)
{
	struct json_object *o = NULL;
	struct pki_authreq a;
	enum cf_status st;

	if (d == CFSSL_REQUEST) {
		st = cfssl_request_parse(body, len, &o, detail);
		if (st == CF_OK && !json_object_is_type(o, json_type_object))
			abort();
		if (st != CF_OK && (st != CF_E_BAD_JSON || o != NULL))
			abort();
		json_object_put(o);
		return;
	}
	st = cfssl_authsign_parse(body, len, &a, detail);
	if (st != CF_OK) {
		refused(st);
		if (a.tok != NULL || a.body != NULL)
			abort();
		return;
	}
	if (cf_json_parse(body, len, &o) != CF_OK)
		abort();
	same_base64(o, "token", a.tok, a.toklen);
	same_base64(o, "request", a.body, a.bodylen);
	json_object_put(o);
	cfssl_authreq_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *detail = NULL;
	const uint8_t *body = data + 1;
	size_t len = size - 1;
	enum fuzz_body d;

	if (size == 0)
		return 0;
	d = (enum fuzz_body)(data[0] % NBODIES);
	switch (d) {
	case DCOS_LOGIN:
		login(body, len, &detail);
		break;
	case SENSU_TOKEN:
	case SENSU_LOGOUT:
	case SENSU_APIKEY:
		sensu(d, body, len, &detail);
		break;
	default:
		cfssl(d, body, len, &detail);
		break;
	}
	if (detail != NULL && (const uint8_t *)detail >= data &&
	    (const uint8_t *)detail < data + size)
		abort();
	return 0;
}
