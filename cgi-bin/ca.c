/*
 * ca: the Certificate Authority, under the DC/OS CA path /ca/api/v2/ and
 * CFSSL's own /api/v1/cfssl/, in CFSSL's envelope
 * {"success","result","errors","messages"}; /ca/dcos-ca.crt serves the CA
 * certificate without a token.  A thin router: parse, authenticate,
 * authorize, call common/ca/pki, render.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "app/app.h"
#include "base/json.h"
#include "base/reply.h"
#include "ca/pki.h"
#include "ca/profile.h"
#include "identity/acl.h"
#include "vault/vault.h"

#define CA_RW "dcos:adminrouter:ops:ca:rw"
#define CA_RO "dcos:adminrouter:ops:ca:ro"

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

/* CFSSL's success envelope around result (whose reference it takes). */
static void
respond(struct cf_ctx *ctx, struct json_object *result)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "success", json_object_new_boolean(1));
	json_object_object_add(o, "result", result);
	json_object_object_add(o, "errors", json_object_new_array());
	json_object_object_add(o, "messages", json_object_new_array());
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
}

static enum cf_status
authorize(struct cf_ctx *ctx, enum access a)
{
	/* DC/OS: ca:ro for the read-only endpoints, ca:rw for signing;
	 * rw covers what ro does. */
	if (a == READ && acl_check(ctx, CA_RO, ACL_FULL) == CF_OK)
		return CF_OK;
	return acl_check(ctx, CA_RW, ACL_FULL);
}

static enum cf_status
read_json(struct cf_ctx *ctx, struct json_object **o)
{
	enum cf_status st;

	if ((st = ctx_read_body(ctx, ctypes_json, 1)) != CF_OK)
		return st;
	if (ctx->req->bodylen == 0)
		*o = json_object_new_object();
	else if (cf_json_parse(ctx->req->body, ctx->req->bodylen, o) != CF_OK) {
		ctx->detail = "7200 the body is not a JSON object";
		return CF_E_BAD_JSON;
	}
	return CF_OK;
}

static enum cf_status
h_op(struct cf_ctx *ctx)
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
	    (st = read_json(ctx, &req)) != CF_OK)
		goto out;
	if ((st = ops[i].fn(ctx->app->vault, req, &result, &ctx->detail)) ==
	    CF_OK) {
		respond(ctx, result);
	}
out:
	json_object_put(req);
	return st;
}

/* authsign: CFSSL's HMAC token instead of a credential, with the key of
 * the profile the request names (ca_auth_key when it names none). */
static enum cf_status
h_authsign(struct cf_ctx *ctx)
{
	struct json_object *req = NULL, *result = NULL;
	enum cf_status st;

	if (ctx->app->cfg.ca_auth_key[0] == '\0' && !profile_any_auth_key()) {
		ctx->detail =
		    "5200 authsign is disabled: no ca_auth_key and no "
		    "profile auth_key is configured";
		return CF_E_BAD_REQUEST;
	}
	if ((st = read_json(ctx, &req)) != CF_OK)
		goto out;
	if ((st = pki_authsign(ctx->app->vault, ctx->app->cfg.ca_auth_key, req,
	         (int64_t)time(NULL), &result, &ctx->detail)) == CF_OK)
		respond(ctx, result);
out:
	json_object_put(req);
	return st;
}

static enum cf_status
h_health(struct cf_ctx *ctx)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "healthy", json_object_new_boolean(1));
	respond(ctx, r);
	return CF_OK;
}

/* crl: GET ?expiry=<Go duration>, CFSSL's default a week. */
static enum cf_status
h_crl(struct cf_ctx *ctx)
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

/* The CA certificate, PEM, no token: made on first use if unsealed. */
static enum cf_status
h_ca_crt(struct cf_ctx *ctx)
{
	char *pem = NULL;
	size_t len;
	enum cf_status st;

	st = pki_ca_pem(ctx->app->vault, &pem, &len);
	if (st == CF_E_NOT_FOUND && vault_ready(ctx->app->vault) == CF_OK &&
	    (st = pki_ca_ensure(ctx->app->vault)) == CF_OK)
		st = pki_ca_pem(ctx->app->vault, &pem, &len);
	if (st == CF_OK)
		http_resp_body(ctx->resp, "application/x-pem-file", pem, len);
	free(pem);
	return st;
}

#define CA2(n, fl)                                                             \
	{                                                                      \
		{"ca", "api", "v2", n, NULL}, 0, 0, HTTP_POST, CF_D_CFSSL, fl, \
		    h_op                                                       \
	}
#define CFSSL(n, fl)                                                           \
	{                                                                      \
		{"api", "v1", "cfssl", n, NULL}, 0, 0, HTTP_POST, CF_D_CFSSL,  \
		    fl, h_op                                                   \
	}
#define PUB (ROUTE_PUBLIC | ROUTE_SEALED_OK)

static const struct cf_route routes[] = {
    {{"ca", "dcos-ca.crt", NULL}, 0, 0, HTTP_GET, CF_D_CFSSL, PUB, h_ca_crt},
    CA2("info", PUB),
    CA2("newkey", 0),
    CA2("newcert", 0),
    CA2("sign", 0),
    CA2("certificates", 0),
    CA2("bundle", 0),
    CFSSL("info", PUB),
    CFSSL("newkey", 0),
    CFSSL("newcert", 0),
    CFSSL("sign", 0),
    CFSSL("certificates", 0),
    CFSSL("bundle", 0),
    CFSSL("certinfo", 0),
    CFSSL("revoke", 0),
    {{"api", "v1", "cfssl", "authsign", NULL}, 0, 0, HTTP_POST, CF_D_CFSSL,
        ROUTE_PUBLIC, h_authsign},
    {{"api", "v1", "cfssl", "crl", NULL}, 0, 0, HTTP_GET, CF_D_CFSSL, 0, h_crl},
    {{"api", "v1", "cfssl", "health", NULL}, 0, 0, HTTP_GET, CF_D_CFSSL, PUB,
        h_health},
};

int
main(void)
{
	return app_main("ca", routes, sizeof(routes) / sizeof(routes[0]));
}
