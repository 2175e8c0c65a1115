/*
 * cfssl.c: CFSSL's API: its request and envelope, and the handlers that
 * glue them to the CA (pki_*).  See cfssl.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/reply.h"
#include "ca/pki.h"
#include "ca/profile.h"
#include "dialects/cfssl.h"
#include "identity/acl.h"

static const char *const ctypes_json[] = {"application/json", NULL};

enum access { PUBLIC, READ, WRITE };

typedef enum cf_status (*pki_op)(
    struct vault *, struct json_object *, struct json_object **, const char **);

static enum cf_status
op_newkey(struct vault *v, struct json_object *req, struct json_object **r,
    const char **detail)
{
	(void)v;
	return pki_newkey(req, r, detail);
}

/* Each POST endpoint: its last path segment, who may call it, the call. */
static const struct {
	const char *name;
	enum access access;
	pki_op fn;
} ops[] = {
    {"info", PUBLIC, pki_info},
    {"newkey", WRITE, op_newkey},
    {"newcert", WRITE, pki_newcert},
    {"sign", WRITE, pki_sign},
    {"certificates", READ, pki_certificates},
    {"bundle", READ, pki_bundle},
    {"certinfo", READ, pki_certinfo},
    {"revoke", WRITE, pki_revoke},
};

/* ---- the request and the answer, from bytes alone ---- */

enum cf_status
cfssl_request_parse(const uint8_t *body, size_t len, struct json_object **o,
    const char **detail)
{
	*o = NULL;
	if (len == 0) {
		*o = jb_object();
		return *o != NULL ? CF_OK : CF_E_INTERNAL;
	}
	if (cf_json_parse(body, len, o) != CF_OK) {
		*o = NULL;
		*detail = "7200 the body is not a JSON object";
		return CF_E_BAD_JSON;
	}
	return CF_OK;
}

void
cfssl_authreq_free(struct pki_authreq *a)
{
	free(a->tok);
	free(a->body);
	memset(a, 0, sizeof(*a));
}

enum cf_status
cfssl_authsign_parse(
    const uint8_t *body, size_t len, struct pki_authreq *a, const char **detail)
{
	struct json_object *o = NULL;
	const char *b64tok, *b64body;
	size_t tlen, blen;
	enum cf_status st;

	memset(a, 0, sizeof(*a));
	if ((st = cfssl_request_parse(body, len, &o, detail)) != CF_OK)
		return st;
	st = CF_OK;
	if (cf_json_string(o, "token", &b64tok, &tlen) != CF_OK ||
	    cf_json_string(o, "request", &b64body, &blen) != CF_OK ||
	    cf_json_int(o, "timestamp", INT64_MIN, INT64_MAX, &a->ts) ==
	        CF_E_BAD_JSON ||
	    codec_base64_decode(b64tok, tlen, 0, &a->tok, &a->toklen) != 0 ||
	    codec_base64_decode(b64body, blen, 0, &a->body, &a->bodylen) != 0) {
		cfssl_authreq_free(a);
		*detail = "invalid token";
		st = CF_E_BAD_REQUEST;
	}
	json_object_put(o);
	return st;
}

struct json_object *
cfssl_envelope(struct json_object *result)
{
	struct json_object *o = jb_object();

	jb_set_bool(o, "success", 1);
	jb_set(o, "result", result);
	jb_set(o, "errors", jb_array());
	jb_set(o, "messages", jb_array());
	return o;
}

/* ---- the handlers ---- */

static void
respond(struct cf_ctx *ctx, struct json_object *result)
{
	struct json_object *o = cfssl_envelope(result);

	reply_json(ctx->resp, 200, o);
	json_object_put(o);
}

static enum cf_status
authorize(struct cf_ctx *ctx, enum access a)
{
	/* DC/OS: ca:ro for the read-only endpoints, ca:rw for signing;
	 * rw covers what ro does. */
	if (a == READ && acl_check(ctx, CFSSL_RO, ACL_FULL) == CF_OK)
		return CF_OK;
	return acl_check(ctx, CFSSL_RW, ACL_FULL);
}

static enum cf_status
read_body(struct cf_ctx *ctx)
{
	return ctx_read_body(ctx, ctypes_json, 1);
}

enum cf_status
cfssl_op(struct cf_ctx *ctx)
{
	struct json_object *req = NULL, *result = NULL;
	const char *name = ctx->route->prefix[3];
	enum cf_status st = CF_E_NOT_FOUND;
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return st;
	if ((ops[i].access != PUBLIC &&
	        (st = authorize(ctx, ops[i].access)) != CF_OK) ||
	    (st = read_body(ctx)) != CF_OK ||
	    (st = cfssl_request_parse(ctx->req->body, ctx->req->bodylen, &req,
	         &ctx->detail)) != CF_OK)
		goto out;
	if ((st = ops[i].fn(ctx->app->vault, req, &result, &ctx->detail)) ==
	    CF_OK)
		respond(ctx, result);
out:
	json_object_put(req);
	return st;
}

/* authsign: CFSSL's HMAC token instead of a credential, with the key of
 * the profile the request names (ca_auth_key when it names none). */
enum cf_status
cfssl_authsign(struct cf_ctx *ctx)
{
	struct json_object *result = NULL;
	struct pki_authreq a;
	enum cf_status st;

	if (ctx->app->cfg.ca_auth_key[0] == '\0' && !profile_any_auth_key()) {
		ctx->detail =
		    "5200 authsign is disabled: no ca_auth_key and no "
		    "profile auth_key is configured";
		return CF_E_BAD_REQUEST;
	}
	if ((st = read_body(ctx)) != CF_OK ||
	    (st = cfssl_authsign_parse(
	         ctx->req->body, ctx->req->bodylen, &a, &ctx->detail)) != CF_OK)
		return st;
	if ((st = pki_authsign(ctx->app->vault, ctx->app->cfg.ca_auth_key, &a,
	         (int64_t)time(NULL), &result, &ctx->detail)) == CF_OK)
		respond(ctx, result);
	cfssl_authreq_free(&a);
	return st;
}

enum cf_status
cfssl_health(struct cf_ctx *ctx)
{
	struct json_object *r = jb_object();

	jb_set_bool(r, "healthy", 1);
	respond(ctx, r);
	return CF_OK;
}

/* crl: GET ?expiry=<Go duration>, CFSSL's default a week. */
enum cf_status
cfssl_crl(struct cf_ctx *ctx)
{
	struct json_object *r = NULL;
	const char *q = http_query(ctx->req, "expiry");
	int64_t life = PKI_CRL_LIFETIME;
	enum cf_status st;

	if ((st = authorize(ctx, READ)) != CF_OK)
		return st;
	if (q != NULL && (profile_duration(q, &life) != 0 || life == 0)) {
		ctx->detail = "invalid expiry";
		return CF_E_BAD_REQUEST;
	}
	if ((st = pki_crl(ctx->app->vault, life, &r, &ctx->detail)) == CF_OK)
		respond(ctx, r);
	return st;
}
