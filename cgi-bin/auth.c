/*
 * auth: identity.  The DC/OS IAM API under /acs/api/v1/ (login, logout,
 * JWKS, users and service accounts, groups, ACLs and grants) and Sensu's
 * authentication (/auth, /auth/token, /auth/test, /auth/logout) and API
 * keys (/api/core/v2/apikeys).  A thin router over common/identity/iam.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "app/app.h"
#include "base/codec.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/reply.h"
#include "crypto/crypto.h"
#include "identity/acl.h"
#include "identity/audit.h"
#include "identity/iam.h"
#include "identity/token.h"
#include "vault/vault.h"

#define COOKIE_AUTH "dcos-acs-auth-cookie"
#define COOKIE_INFO "dcos-acs-info-cookie"
/* The login cookie is a bearer credential: no other site's page may make
 * the browser send it (every use of it is same-origin), and a login over
 * TLS never lets it travel over plain HTTP afterwards. */
#define COOKIE_ATTRS     "; Path=/; SameSite=Strict"
#define COOKIE_ATTRS_TLS COOKIE_ATTRS "; Secure"
#define COOKIE_CLEAR                                                           \
	COOKIE_AUTH "=; Expires=Sat, 01 Jan 2000 00:00:00 GMT; HttpOnly"

static const char *const ctypes_json[] = {"application/json", NULL};

static enum cf_status
fail(
    struct cf_ctx *ctx, enum cf_status st, const char *code, const char *detail)
{
	ctx->code = code;
	ctx->detail = detail;
	return st;
}

/* The body as a JSON object; an empty body is an empty object when
 * allow_empty. */
static enum cf_status
body_json(
    struct cf_ctx *ctx, size_t limit, int allow_empty, struct json_object **o)
{
	enum cf_status st;

	st = http_read_body(ctx->req, ctx->fcgi, limit, ctypes_json, 1);
	if (st != CF_OK)
		return st;
	if (ctx->req->bodylen == 0 && allow_empty) {
		*o = json_object_new_object();
		return CF_OK;
	}
	if (ctx->req->bodylen == 0)
		return fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "Expected non-empty request body.");
	if ((st = cf_json_parse(ctx->req->body, ctx->req->bodylen, o)) != CF_OK)
		return fail(ctx, st, "ERR_INVALID_DATA",
		    "Request body is not a valid JSON object.");
	return CF_OK;
}

/* An optional string member: NULL when absent; CF_E_BAD_JSON when not a
 * string or over max bytes. */
static enum cf_status
opt_str(struct json_object *o, const char *k, size_t max, const char **s)
{
	size_t len;
	enum cf_status st;

	*s = NULL;
	st = cf_json_string(o, k, s, &len);
	if (st == CF_E_NOT_FOUND)
		return CF_OK;
	if (st != CF_OK || len > max || strlen(*s) != len) {
		*s = NULL;
		return CF_E_BAD_JSON;
	}
	return CF_OK;
}

static enum cf_status
need_su(struct cf_ctx *ctx)
{
	return acl_check(ctx, IAM_SUPERUSER_RID, ACL_FULL);
}

static void
respond(struct cf_ctx *ctx, int status, struct json_object *o)
{
	reply_json(ctx->resp, status, o);
	json_object_put(o);
}

static enum cf_status
done(struct cf_ctx *ctx, enum cf_status st, int status)
{
	if (st == CF_OK)
		http_resp_status(ctx->resp, status);
	return st;
}

/* ---- login, logout, JWKS ---- */

static int
throttled(struct cf_ctx *ctx, const char *uid)
{
	const struct cf_config *c = &ctx->app->cfg;
	const char *addr = http_param(ctx->req, "REMOTE_ADDR");
	char key[160];
	int64_t now = (int64_t)time(NULL);

	snprintf(key, sizeof(key), "u:%s", uid);
	if (iam_throttle_blocked(
	        c->store, key, c->login_max_failures, c->login_window, now))
		return 1;
	snprintf(key, sizeof(key), "a:%s", addr ? addr : "");
	return iam_throttle_blocked(
	    c->store, key, c->login_max_failures, c->login_window, now);
}

static void
throttle_note(struct cf_ctx *ctx, const char *uid, int ok)
{
	const struct cf_config *c = &ctx->app->cfg;
	const char *addr = http_param(ctx->req, "REMOTE_ADDR");
	struct iam_user u;
	char key[160];
	int64_t now = (int64_t)time(NULL);
	int account;

	snprintf(key, sizeof(key), "u:%s", uid);
	if (ok) {
		iam_throttle_reset(c->store, key);
		return;
	}
	account = iam_user_load(ctx->app->vault, uid, &u) == CF_OK;
	iam_throttle_fail(c->store, key, account, c->login_window, now);
	snprintf(key, sizeof(key), "a:%s", addr ? addr : "");
	iam_throttle_fail(c->store, key, 0, c->login_window, now);
}

static const char *
cookie_attrs(const struct cf_ctx *ctx)
{
	return http_req_tls(ctx->req) ? COOKIE_ATTRS_TLS : COOKIE_ATTRS;
}

static enum cf_status
login_cookies(struct cf_ctx *ctx, const char *uid, const char *jwt)
{
	struct json_object *info = json_object_new_object();
	const char *text;
	char *b64, *cookie;
	size_t len;

	json_object_object_add(info, "uid", json_object_new_string(uid));
	json_object_object_add(info, "description", json_object_new_string(""));
	json_object_object_add(info, "is_remote", json_object_new_boolean(0));
	text = json_object_to_json_string_length(
	    info, JSON_C_TO_STRING_PLAIN, &len);
	b64 = codec_base64_encode(text, len, 0);
	json_object_put(info);
	if (b64 == NULL)
		return CF_E_INTERNAL;
	if (asprintf(&cookie, COOKIE_AUTH "=%s; HttpOnly%s", jwt,
	        cookie_attrs(ctx)) != -1) {
		http_resp_header(ctx->resp, "Set-Cookie", cookie);
		crypto_wipe(cookie, strlen(cookie));
		free(cookie);
	}
	if (asprintf(&cookie, COOKIE_INFO "=%s%s", b64, cookie_attrs(ctx)) !=
	    -1) {
		http_resp_header(ctx->resp, "Set-Cookie", cookie);
		free(cookie);
	}
	free(b64);
	return CF_OK;
}

static enum cf_status
h_login(struct cf_ctx *ctx)
{
	static const char *const fields[] = {
	    "uid", "password", "token", "exp", NULL};
	struct json_object *o = NULL, *out;
	const char *uid, *pw, *tok;
	char *jwt = NULL;
	size_t len = 0;
	enum cf_status st;

	if ((st = vault_ready(ctx->app->vault)) != CF_OK ||
	    (st = body_json(ctx, CF_MAX_BODY_SMALL, 0, &o)) != CF_OK)
		goto out;
	if (cf_json_only(o, fields) != CF_OK ||
	    opt_str(o, "uid", TOKEN_MAX_UID, &uid) != CF_OK ||
	    opt_str(o, "password", IAM_MAX_PASSWORD, &pw) != CF_OK ||
	    opt_str(o, "token", CF_MAX_TOKEN, &tok) != CF_OK || uid == NULL) {
		st = fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "Invalid login request body.");
		goto out;
	}
	if ((pw == NULL) == (tok == NULL)) {
		st = fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "Exactly one of `token` and `password` must be provided "
		    "in the request body");
		goto out;
	}
	if (*uid == '\0' || (pw != NULL && *pw == '\0') ||
	    (tok != NULL && *tok == '\0')) {
		st = fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "`uid` and `password` must not be empty strings");
		goto out;
	}
	if (throttled(ctx, uid)) {
		st = fail(ctx, CF_E_TOO_MANY, "ERR_TOO_MANY_LOGIN_ATTEMPTS",
		    "Too many failed login attempts. Try again later.");
		goto out;
	}
	st = pw ? iam_login_password(ctx->app->vault, uid, pw, strlen(pw))
	        : iam_login_service(ctx->app->vault, uid, tok, strlen(tok));
	if (st == CF_E_UNAUTHORIZED)
		throttle_note(ctx, uid, 0);
	if (st == CF_E_UNAUTHORIZED) {
		st = fail(
		    ctx, st, "ERR_INVALID_CREDENTIALS", "Invalid credentials.");
		goto out;
	}
	if (st != CF_OK)
		goto out;
	throttle_note(ctx, uid, 1);
	if ((st = iam_issue_token(ctx->app->vault, uid, (int64_t)time(NULL),
	         ctx->app->cfg.token_lifetime, &jwt)) != CF_OK ||
	    (st = login_cookies(ctx, uid, jwt)) != CF_OK)
		goto out;
	snprintf(ctx->subject.uid, sizeof(ctx->subject.uid), "%s", uid);
	ctx->authenticated = 1;
	out = json_object_new_object();
	json_object_object_add(out, "token", json_object_new_string(jwt));
	respond(ctx, 200, out);
out:
	if (jwt != NULL) {
		len = strlen(jwt);
		crypto_wipe(jwt, len);
	}
	free(jwt);
	json_object_put(o);
	return st;
}

/* Big-endian unsigned bytes as decimal text (Bouncer's kid hashes the
 * decimal integers). */
static char *
decimal(const uint8_t *b, size_t n)
{
	uint8_t *t;
	char *out, *p;
	size_t i, nd = n * 3 + 2, start = 0;
	unsigned rem;

	if ((t = malloc(n ? n : 1)) == NULL || (out = malloc(nd)) == NULL) {
		free(t);
		return NULL;
	}
	memcpy(t, b, n);
	p = out + nd - 1;
	*p = '\0';
	while (start < n && t[start] == 0)
		start++;
	if (start == n)
		*--p = '0';
	while (start < n) {
		rem = 0;
		for (i = start; i < n; i++) {
			unsigned cur = rem * 256 + t[i];

			t[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
		}
		*--p = (char)('0' + rem);
		while (start < n && t[start] == 0)
			start++;
	}
	memmove(out, p, strlen(p) + 1);
	free(t);
	return out;
}

static enum cf_status
h_jwks(struct cf_ctx *ctx)
{
	const struct crypto_rsa *pub = vault_token_key(ctx->app->vault);
	struct json_object *o, *keys, *k;
	uint8_t *n = NULL, *e = NULL, h[32];
	size_t nlen = 0, elen = 0;
	char *n64 = NULL, *e64 = NULL, *nd = NULL, *ed = NULL, *kid = NULL;
	char *msg = NULL;
	enum cf_status st = CF_E_INTERNAL;

	if (pub == NULL)
		return CF_E_NOT_INIT;
	if (crypto_rsa_public_numbers(pub, &n, &nlen, &e, &elen) != 0 ||
	    (n64 = codec_base64_encode(n, nlen, 1)) == NULL ||
	    (e64 = codec_base64_encode(e, elen, 1)) == NULL ||
	    (nd = decimal(n, nlen)) == NULL ||
	    (ed = decimal(e, elen)) == NULL ||
	    asprintf(&msg, "%s%sRSA", ed, nd) == -1) {
		msg = NULL;
		goto out;
	}
	if (crypto_sha256(msg, strlen(msg), h) != 0 ||
	    (kid = codec_hex_encode(h, sizeof(h))) == NULL)
		goto out;
	k = json_object_new_object();
	json_object_object_add(k, "kid", json_object_new_string(kid));
	json_object_object_add(k, "kty", json_object_new_string("RSA"));
	json_object_object_add(k, "alg", json_object_new_string("RS256"));
	json_object_object_add(k, "use", json_object_new_string("sig"));
	json_object_object_add(k, "n", json_object_new_string(n64));
	json_object_object_add(k, "e", json_object_new_string(e64));
	keys = json_object_new_array();
	json_object_array_add(keys, k);
	o = json_object_new_object();
	json_object_object_add(o, "keys", keys);
	respond(ctx, 200, o);
	st = CF_OK;
out:
	free(n);
	free(e);
	free(n64);
	free(e64);
	free(nd);
	free(ed);
	free(msg);
	free(kid);
	return st;
}

static enum cf_status
h_auth(struct cf_ctx *ctx)
{
	const char *what = ctx->arg[0];

	if (!strcmp(what, "login") && ctx->req->method == HTTP_POST)
		return h_login(ctx);
	if (!strcmp(what, "login"))
		return fail(ctx, CF_E_BAD_REQUEST,
		    "ERR_MISSING_QUERY_PARAMETERS",
		    "Expected query parameter `oidc-provider` or "
		    "`saml-provider`.");
	if (!strcmp(what, "logout") && ctx->req->method == HTTP_GET) {
		http_resp_header(ctx->resp, "Set-Cookie",
		    http_req_tls(ctx->req) ? COOKIE_CLEAR COOKIE_ATTRS_TLS
		                           : COOKIE_CLEAR COOKIE_ATTRS);
		http_resp_body(ctx->resp, "application/json", "{}", 2);
		return CF_OK;
	}
	if (!strcmp(what, "jwks") && ctx->req->method == HTTP_GET)
		return h_jwks(ctx);
	return fail(ctx, CF_E_NOT_FOUND, NULL, NULL);
}

/* ---- users ---- */

static enum cf_status
user_missing(struct cf_ctx *ctx, enum cf_status st)
{
	if (st == CF_E_NOT_FOUND)
		return fail(ctx, CF_E_BAD_REQUEST, "ERR_UNKNOWN_USER_ID",
		    "User with that uid not known.");
	return st;
}

static enum cf_status
h_users_list(struct cf_ctx *ctx)
{
	struct json_object *o;
	const char *type = http_query(ctx->req, "type");
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = iam_user_list(ctx->app->vault,
	         type != NULL && !strcmp(type, "service"), &o)) != CF_OK)
		return st;
	respond(ctx, 200, o);
	return CF_OK;
}

static enum cf_status
user_put(struct cf_ctx *ctx, const char *uid)
{
	static const char *const fields[] = {"description", "password",
	    "public_key", "provider_type", "provider_id", "cluster_url",
	    "creator_uid", "secret", NULL};
	struct json_object *o = NULL;
	const char *desc, *pw, *pk;
	enum cf_status st;

	if ((st = body_json(ctx, CF_MAX_BODY_SMALL, 0, &o)) != CF_OK)
		goto out;
	if (cf_json_only(o, fields) != CF_OK ||
	    opt_str(o, "description", IAM_MAX_DESC, &desc) != CF_OK ||
	    opt_str(o, "password", IAM_MAX_PASSWORD, &pw) != CF_OK ||
	    opt_str(o, "public_key", CRYPTO_MAX_PEM, &pk) != CF_OK) {
		st = fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "Invalid user body.");
		goto out;
	}
	if ((pw == NULL) == (pk == NULL)) {
		st = fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "One of `password` or `public_key` must be provided");
		goto out;
	}
	if ((pw != NULL && !iam_password_valid(pw, strlen(pw))) ||
	    (pk != NULL && *pk == '\0')) {
		st = fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "`password` and `public_key` must not be empty strings");
		goto out;
	}
	st = iam_user_create(ctx->app->vault, uid, desc, pw, pk,
	    pk ? strlen(pk) : 0, &ctx->code);
	if (st == CF_E_CONFLICT)
		ctx->detail = "User with that uid already exists.";
	else if (st == CF_E_BAD_REQUEST && ctx->code != NULL &&
	         !strcmp(ctx->code, "ERR_INVALID_PUBLIC_KEY"))
		ctx->detail = "Invalid public key: it must be an RSA key in "
		              "SubjectPublicKeyInfo PEM (BEGIN PUBLIC KEY).";
	else if (st == CF_E_BAD_REQUEST)
		ctx->detail = "Invalid uid: [a-zA-Z0-9-_@.], at most 96 "
		              "characters, not `anonymous`.";
	st = done(ctx, st, 201);
out:
	json_object_put(o);
	return st;
}

static enum cf_status
user_patch(struct cf_ctx *ctx, const char *uid)
{
	static const char *const fields[] = {"description", "password", NULL};
	struct json_object *o = NULL;
	const char *desc, *pw;
	enum cf_status st;

	if ((st = body_json(ctx, CF_MAX_BODY_SMALL, 0, &o)) != CF_OK)
		goto out;
	if (cf_json_only(o, fields) != CF_OK ||
	    opt_str(o, "description", IAM_MAX_DESC, &desc) != CF_OK ||
	    opt_str(o, "password", IAM_MAX_PASSWORD, &pw) != CF_OK ||
	    (pw != NULL && !iam_password_valid(pw, strlen(pw)))) {
		st = fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "Invalid user update body.");
		goto out;
	}
	if (pw == NULL && desc == NULL) {
		st = fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "One of `description` and `password` must be provided.");
		goto out;
	}
	st = iam_user_update(ctx->app->vault, uid, desc, pw, &ctx->code);
	if (st == CF_E_BAD_REQUEST)
		ctx->detail = "Password update is not available for service "
		              "user accounts.";
	st = done(ctx, user_missing(ctx, st), 204);
out:
	json_object_put(o);
	return st;
}

static enum cf_status
h_user(struct cf_ctx *ctx)
{
	struct json_object *o;
	const char *uid = ctx->arg[0];
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK)
		return st;
	switch (ctx->req->method) {
	case HTTP_PUT:
		return user_put(ctx, uid);
	case HTTP_PATCH:
		return user_patch(ctx, uid);
	case HTTP_DELETE:
		st = iam_user_delete(ctx->app->vault, uid, &ctx->code);
		if (st == CF_E_BAD_REQUEST && ctx->code != NULL &&
		    !strcmp(ctx->code, "ERR_NO_MORE_SUPERUSERS"))
			ctx->detail = "The last superuser cannot be removed.";
		else if (st == CF_E_BAD_REQUEST)
			ctx->detail = "User with that uid not known.";
		return done(ctx, st, 204);
	default:
		if ((st = iam_user_get(ctx->app->vault, uid, &o)) != CF_OK)
			return user_missing(ctx, st);
		respond(ctx, 200, o);
		return CF_OK;
	}
}

static enum cf_status
h_user_sub(struct cf_ctx *ctx)
{
	struct json_object *o;
	const char *uid = ctx->arg[0], *what = ctx->arg[1];
	enum cf_status st;

	/* A user may read its own permissions (Admin Router allows it). */
	if (!(ctx->authenticated && !strcmp(uid, ctx->subject.uid) &&
	        !strcmp(what, "permissions")) &&
	    (st = need_su(ctx)) != CF_OK)
		return st;
	if (!strcmp(what, "permissions"))
		st = iam_user_permissions(ctx->app->vault, uid, &o);
	else if (!strcmp(what, "groups"))
		st = iam_user_groups(ctx->app->vault, uid, &o);
	else
		return CF_E_NOT_FOUND;
	if (st != CF_OK)
		return user_missing(ctx, st);
	respond(ctx, 200, o);
	return CF_OK;
}

/* ---- groups ---- */

static enum cf_status
group_missing(struct cf_ctx *ctx, enum cf_status st)
{
	if (st == CF_E_NOT_FOUND)
		return fail(ctx, CF_E_BAD_REQUEST, "ERR_UNKNOWN_GROUP_ID",
		    "Group with that gid not known.");
	return st;
}

static enum cf_status
h_groups_list(struct cf_ctx *ctx)
{
	struct json_object *o;
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = iam_group_list(ctx->app->vault, &o)) != CF_OK)
		return st;
	respond(ctx, 200, o);
	return CF_OK;
}

/* PUT or PATCH of a {"description"} body (groups and ACLs). */
static enum cf_status
description_body(struct cf_ctx *ctx, struct json_object **o, const char **d)
{
	static const char *const fields[] = {"description", NULL};
	enum cf_status st;

	if ((st = body_json(ctx, CF_MAX_BODY_SMALL, 0, o)) != CF_OK)
		return st;
	if (cf_json_only(*o, fields) != CF_OK ||
	    opt_str(*o, "description", IAM_MAX_DESC, d) != CF_OK || *d == NULL)
		return fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "Expected {\"description\": \"...\"}.");
	return CF_OK;
}

static enum cf_status
h_group(struct cf_ctx *ctx)
{
	struct json_object *o = NULL;
	const char *gid = ctx->arg[0], *desc;
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK)
		return st;
	switch (ctx->req->method) {
	case HTTP_PUT:
	case HTTP_PATCH:
		if ((st = description_body(ctx, &o, &desc)) == CF_OK) {
			if (ctx->req->method == HTTP_PUT)
				st = done(ctx,
				    iam_group_create(
				        ctx->app->vault, gid, desc, &ctx->code),
				    201);
			else
				st = done(ctx,
				    iam_group_update(
				        ctx->app->vault, gid, desc, &ctx->code),
				    204);
		}
		json_object_put(o);
		if (st == CF_E_CONFLICT)
			ctx->detail = "Group with that gid already exists.";
		else if (st == CF_E_BAD_REQUEST && ctx->detail == NULL)
			ctx->detail = "Invalid or unknown gid.";
		return st;
	case HTTP_DELETE:
		st = iam_group_delete(ctx->app->vault, gid, &ctx->code);
		if (st == CF_E_BAD_REQUEST)
			ctx->detail =
			    ctx->code &&
			            !strcmp(ctx->code, "ERR_NO_MORE_SUPERUSERS")
			        ? "The last superuser cannot be removed."
			        : "Group with that gid not known.";
		return done(ctx, st, 204);
	default:
		if ((st = iam_group_get(ctx->app->vault, gid, &o)) != CF_OK)
			return group_missing(ctx, st);
		respond(ctx, 200, o);
		return CF_OK;
	}
}

static enum cf_status
h_group_users(struct cf_ctx *ctx)
{
	struct json_object *o;
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK)
		return st;
	if (strcmp(ctx->arg[1], "users") != 0)
		return CF_E_NOT_FOUND;
	if ((st = iam_group_members(ctx->app->vault, ctx->arg[0], &o)) != CF_OK)
		return group_missing(ctx, st);
	respond(ctx, 200, o);
	return CF_OK;
}

static enum cf_status
h_group_member(struct cf_ctx *ctx)
{
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK)
		return st;
	if (strcmp(ctx->arg[1], "users") != 0)
		return CF_E_NOT_FOUND;
	st = iam_group_member(ctx->app->vault, ctx->arg[0], ctx->arg[2],
	    ctx->req->method == HTTP_PUT, &ctx->code);
	if (st == CF_E_CONFLICT)
		ctx->detail = "User is already a member of the group.";
	else if (st == CF_E_BAD_REQUEST)
		ctx->detail = "Unknown user or group, or the last superuser.";
	return done(ctx, st, 204);
}

/* ---- ACLs ---- */

/* The rid segment: the http layer decoded %252F to "%2F"; decode once
 * more, so "dcos:secrets:default:%252Fa" names "dcos:secrets:default:/a". */
static enum cf_status
rid_arg(struct cf_ctx *ctx, const char *seg, char *rid, size_t len)
{
	char *dec = NULL;
	int ok;

	ok = http_pct_decode(seg, strlen(seg), 0, 1, &dec) == 0 &&
	     strlen(dec) < len && iam_rid_valid(dec);
	if (ok)
		memcpy(rid, dec, strlen(dec) + 1);
	free(dec);
	if (ok)
		return CF_OK;
	return fail(
	    ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA", "Invalid resource id.");
}

static enum cf_status
acl_missing(struct cf_ctx *ctx, enum cf_status st)
{
	if (st == CF_E_NOT_FOUND ||
	    (st == CF_E_BAD_REQUEST && ctx->code != NULL &&
	        !strcmp(ctx->code, "ERR_UNKNOWN_RESOURCE_ID")))
		return fail(ctx, CF_E_BAD_REQUEST, "ERR_UNKNOWN_RESOURCE_ID",
		    "ACL for that resource id not known.");
	return st;
}

/* Errors of the grant routes: an unknown ACL, user or group. */
static enum cf_status
grant_missing(struct cf_ctx *ctx, enum cf_status st, char who)
{
	if (st != CF_E_BAD_REQUEST || ctx->code == NULL ||
	    !strcmp(ctx->code, "ERR_UNKNOWN_RESOURCE_ID"))
		return acl_missing(ctx, st);
	return fail(ctx, CF_E_BAD_REQUEST, ctx->code,
	    who == 'u' ? "User with that uid not known."
	               : "Group with that gid not known.");
}

static enum cf_status
h_acls_list(struct cf_ctx *ctx)
{
	struct json_object *o;
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = iam_acl_list(ctx->app->vault, &o)) != CF_OK)
		return st;
	respond(ctx, 200, o);
	return CF_OK;
}

static enum cf_status
h_acl(struct cf_ctx *ctx)
{
	struct json_object *o = NULL;
	char rid[IAM_MAX_RID + 1];
	const char *desc;
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = rid_arg(ctx, ctx->arg[0], rid, sizeof(rid))) != CF_OK)
		return st;
	switch (ctx->req->method) {
	case HTTP_PUT:
	case HTTP_PATCH:
		if ((st = description_body(ctx, &o, &desc)) == CF_OK) {
			if (ctx->req->method == HTTP_PUT)
				st = done(ctx,
				    iam_acl_create(
				        ctx->app->vault, rid, desc, &ctx->code),
				    201);
			else
				st = done(ctx,
				    acl_missing(
				        ctx, iam_acl_update(ctx->app->vault,
				                 rid, desc, &ctx->code)),
				    204);
		}
		json_object_put(o);
		if (st == CF_E_CONFLICT)
			ctx->detail =
			    "ACL for that resource id already exists.";
		return st;
	case HTTP_DELETE:
		st = iam_acl_delete(ctx->app->vault, rid, &ctx->code);
		if (st == CF_E_BAD_REQUEST && ctx->code != NULL &&
		    !strcmp(ctx->code, "ERR_NO_MORE_SUPERUSERS"))
			ctx->detail = "The superuser ACL cannot be removed.";
		else
			st = acl_missing(ctx, st);
		return done(ctx, st, 204);
	default:
		if ((st = iam_acl_get(ctx->app->vault, rid, &o)) != CF_OK)
			return acl_missing(ctx, st);
		respond(ctx, 200, o);
		return CF_OK;
	}
}

static enum cf_status
h_acl_permissions(struct cf_ctx *ctx)
{
	struct json_object *o;
	char rid[IAM_MAX_RID + 1];
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = rid_arg(ctx, ctx->arg[0], rid, sizeof(rid))) != CF_OK)
		return st;
	if (strcmp(ctx->arg[1], "permissions") != 0)
		return CF_E_NOT_FOUND;
	if ((st = iam_acl_permissions(ctx->app->vault, rid, &o)) != CF_OK)
		return acl_missing(ctx, st);
	respond(ctx, 200, o);
	return CF_OK;
}

/* /acls/{rid}/users|groups/{id}[/{action}] */
static enum cf_status
h_acl_grant(struct cf_ctx *ctx)
{
	struct json_object *o = NULL;
	char rid[IAM_MAX_RID + 1];
	const char *id = ctx->arg[2];
	unsigned actions = ACL_FULL;
	enum cf_status st;
	char who;
	int allowed = 0;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = rid_arg(ctx, ctx->arg[0], rid, sizeof(rid))) != CF_OK)
		return st;
	if (!strcmp(ctx->arg[1], "users"))
		who = 'u';
	else if (!strcmp(ctx->arg[1], "groups"))
		who = 'g';
	else
		return CF_E_NOT_FOUND;
	if (ctx->narg == 4 && (actions = iam_action_parse(ctx->arg[3])) == 0)
		return fail(ctx, CF_E_BAD_REQUEST, "ERR_INVALID_DATA",
		    "Unknown action: one of create, read, update, delete, "
		    "full.");
	if (ctx->req->method == HTTP_PUT && ctx->narg == 4) {
		st = iam_grant(
		    ctx->app->vault, rid, who, id, actions, 1, &ctx->code);
	} else if (ctx->req->method == HTTP_DELETE) {
		st = iam_grant(
		    ctx->app->vault, rid, who, id, actions, 0, &ctx->code);
	} else if (ctx->narg == 3) {
		if ((st = iam_grant_get(ctx->app->vault, rid, who, id, &o,
		         &ctx->code)) != CF_OK)
			return acl_missing(ctx, st);
		respond(ctx, 200, o);
		return CF_OK;
	} else {
		/* GET {action}: the decision, as the policy query makes it. */
		st = iam_grant_query(ctx->app->vault, rid, who, id, actions,
		    &allowed, &ctx->code);
		if (st != CF_OK)
			return grant_missing(ctx, st, who);
		o = json_object_new_object();
		json_object_object_add(
		    o, "allowed", json_object_new_boolean(allowed));
		respond(ctx, 200, o);
		return CF_OK;
	}
	if (st == CF_E_BAD_REQUEST && ctx->code != NULL &&
	    !strcmp(ctx->code, "ERR_NO_MORE_SUPERUSERS"))
		ctx->detail = "The last superuser cannot be removed.";
	else if (st != CF_OK)
		st = grant_missing(ctx, st, who);
	return done(ctx, st, 204);
}

/* ---- Sensu: /auth and API keys ---- */

/* Sensu answers bad Basic credentials with http.Error's plain text. */
static enum cf_status
sensu_plain(struct cf_ctx *ctx, enum cf_status st, const char *msg)
{
	ctx->dialect = CF_D_PLAIN;
	ctx->detail = msg;
	return st;
}

static enum cf_status
sensu_tokens(struct cf_ctx *ctx, const char *uid)
{
	struct json_object *o;
	char *jwt = NULL, *refresh = NULL;
	int64_t now = (int64_t)time(NULL);
	int64_t life = ctx->app->cfg.access_token_lifetime;
	enum cf_status st;

	if ((st = iam_issue_token(ctx->app->vault, uid, now, life, &jwt)) !=
	        CF_OK ||
	    (st = iam_refresh_create(ctx->app->vault, uid, now, &refresh)) !=
	        CF_OK)
		goto out;
	o = json_object_new_object();
	json_object_object_add(o, "access_token", json_object_new_string(jwt));
	json_object_object_add(
	    o, "expires_at", json_object_new_int64(now + life));
	json_object_object_add(
	    o, "refresh_token", json_object_new_string(refresh));
	respond(ctx, 200, o);
	snprintf(ctx->subject.uid, sizeof(ctx->subject.uid), "%s", uid);
	ctx->authenticated = 1;
out:
	if (jwt != NULL)
		crypto_wipe(jwt, strlen(jwt));
	if (refresh != NULL)
		crypto_wipe(refresh, strlen(refresh));
	free(jwt);
	free(refresh);
	return st;
}

/* Basic credentials checked, throttled: CF_OK with uid filled. */
static enum cf_status
sensu_basic(struct cf_ctx *ctx, char *uid, size_t len, const char *refusal)
{
	char *pw = NULL;
	size_t pwlen = 0;
	enum cf_status st;

	if (token_basic(ctx->req, uid, len, &pw, &pwlen) != CF_OK)
		return sensu_plain(ctx, CF_E_UNAUTHORIZED, refusal);
	if (throttled(ctx, uid)) {
		st = sensu_plain(ctx, CF_E_TOO_MANY,
		    "too many failed login attempts, try again later");
		goto out;
	}
	st = iam_login_password(ctx->app->vault, uid, pw, pwlen);
	throttle_note(ctx, uid, st == CF_OK);
	if (st == CF_E_UNAUTHORIZED)
		st = sensu_plain(ctx, st, refusal);
out:
	crypto_wipe(pw, pwlen);
	free(pw);
	return st;
}

static enum cf_status
h_sensu_auth(struct cf_ctx *ctx)
{
	char uid[TOKEN_MAX_UID + 1];
	enum cf_status st;

	if ((st = sensu_basic(ctx, uid, sizeof(uid), "Unauthorized")) != CF_OK)
		return st;
	return sensu_tokens(ctx, uid);
}

static enum cf_status
h_sensu_test(struct cf_ctx *ctx)
{
	char uid[TOKEN_MAX_UID + 1];
	enum cf_status st;

	if ((st = sensu_basic(ctx, uid, sizeof(uid), "Request unauthorized")) !=
	    CF_OK)
		return st;
	http_resp_status(ctx->resp, 200);
	return CF_OK;
}

static enum cf_status
h_sensu_token(struct cf_ctx *ctx)
{
	static const char *const fields[] = {"refresh_token", NULL};
	const struct crypto_rsa *pub = vault_token_key(ctx->app->vault);
	struct json_object *o = NULL;
	struct token_claims c;
	struct iam_user u;
	enum token_kind kind;
	const char *cred, *rt;
	size_t len;
	enum cf_status st;

	if ((st = token_from_request(ctx->req, 0, &kind, &cred, &len)) !=
	        CF_OK ||
	    kind != TOKEN_JWT || pub == NULL ||
	    token_verify_any_exp(pub, cred, len, &c) != CF_OK) {
		ctx->detail = "invalid access token";
		return CF_E_BAD_REQUEST;
	}
	if ((st = body_json(ctx, CF_MAX_BODY_SMALL, 0, &o)) != CF_OK)
		goto out;
	if (cf_json_only(o, fields) != CF_OK ||
	    opt_str(o, "refresh_token", CF_MAX_TOKEN, &rt) != CF_OK ||
	    rt == NULL) {
		ctx->detail = "a refresh_token is required";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	st = iam_refresh_take(
	    ctx->app->vault, c.uid, rt, strlen(rt), (int64_t)time(NULL));
	if (st == CF_OK &&
	    (iam_user_load(ctx->app->vault, c.uid, &u) != CF_OK ||
	        strcmp(c.inc, u.incarnation) != 0))
		st = CF_E_UNAUTHORIZED;
	if (st == CF_E_UNAUTHORIZED)
		st = sensu_plain(ctx, st, "Request unauthorized");
	else if (st == CF_OK)
		st = sensu_tokens(ctx, c.uid);
out:
	json_object_put(o);
	return st;
}

static enum cf_status
h_sensu_logout(struct cf_ctx *ctx)
{
	struct json_object *o = NULL;
	const char *rt = NULL;
	enum cf_status st;

	if ((st = body_json(ctx, CF_MAX_BODY_SMALL, 1, &o)) != CF_OK)
		return st;
	if (opt_str(o, "refresh_token", CF_MAX_TOKEN, &rt) == CF_OK &&
	    rt != NULL)
		(void)iam_refresh_take(ctx->app->vault, ctx->subject.uid, rt,
		    strlen(rt), (int64_t)time(NULL));
	json_object_put(o);
	http_resp_status(ctx->resp, 200);
	return CF_OK;
}

/* Does the caller see every user's keys, or only its own?  Not a refusal,
 * but a decision all the same, so it is audited. */
static int
is_su(struct cf_ctx *ctx)
{
	int allowed = 0;

	if (iam_allowed(ctx->app->vault, ctx->subject.uid, IAM_SUPERUSER_RID,
	        ACL_FULL, &allowed) != CF_OK)
		allowed = 0;
	audit_decision(
	    ctx, IAM_SUPERUSER_RID, acl_action_name(ACL_FULL), NULL, allowed);
	return allowed;
}

static enum cf_status
h_apikeys_list(struct cf_ctx *ctx)
{
	struct json_object *o;
	enum cf_status st;

	if ((st = iam_apikey_list(ctx->app->vault,
	         is_su(ctx) ? NULL : ctx->subject.uid, &o)) != CF_OK)
		return st;
	respond(ctx, 200, o);
	return CF_OK;
}

static enum cf_status
h_apikeys_post(struct cf_ctx *ctx)
{
	static const char *const fields[] = {"username", "metadata", NULL};
	struct json_object *o = NULL;
	struct iam_user u;
	const char *user;
	char *key = NULL, name[65], loc[128];
	enum cf_status st;

	if ((st = body_json(ctx, CF_MAX_BODY_SMALL, 0, &o)) != CF_OK)
		goto out;
	if (cf_json_only(o, fields) != CF_OK ||
	    opt_str(o, "username", TOKEN_MAX_UID, &user) != CF_OK ||
	    user == NULL) {
		ctx->detail = "username is required";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	/* Anyone may make keys for themselves; for others, superuser. */
	if (strcmp(user, ctx->subject.uid) != 0 && (st = need_su(ctx)) != CF_OK)
		goto out;
	if ((st = iam_user_load(ctx->app->vault, user, &u)) != CF_OK) {
		if (st == CF_E_NOT_FOUND) {
			ctx->detail = "user not found";
			st = CF_E_BAD_REQUEST;
		}
		goto out;
	}
	if ((st = iam_apikey_create(ctx->app->vault, user, &key, name)) !=
	    CF_OK)
		goto out;
	/* As Sensu, the Location names the key: sensuctl reads it there. */
	snprintf(loc, sizeof(loc), "/api/core/v2/apikeys/%s", key);
	http_resp_header(ctx->resp, "Location", loc);
	http_resp_status(ctx->resp, 201);
	crypto_wipe(loc, sizeof(loc));
out:
	if (key != NULL)
		crypto_wipe(key, strlen(key));
	free(key);
	json_object_put(o);
	return st;
}

static enum cf_status
h_apikeys_delete(struct cf_ctx *ctx)
{
	enum cf_status st;

	st = iam_apikey_delete(
	    ctx->app->vault, ctx->arg[0], is_su(ctx) ? NULL : ctx->subject.uid);
	return done(ctx, st, 204);
}

#define ACS(x)                                                                 \
	{                                                                      \
		"acs", "api", "v1", x, NULL                                    \
	}
#define ALL (HTTP_GET | HTTP_PUT | HTTP_PATCH | HTTP_DELETE)

static const struct cf_route routes[] = {
    {ACS("auth"), 1, 1, HTTP_GET | HTTP_POST, CF_D_DCOS,
        ROUTE_PUBLIC | ROUTE_SEALED_OK, h_auth},
    {ACS("users"), 0, 0, HTTP_GET, CF_D_DCOS, 0, h_users_list},
    {ACS("users"), 1, 1, ALL, CF_D_DCOS, 0, h_user},
    {ACS("users"), 2, 2, HTTP_GET, CF_D_DCOS, 0, h_user_sub},
    {ACS("groups"), 0, 0, HTTP_GET, CF_D_DCOS, 0, h_groups_list},
    {ACS("groups"), 1, 1, ALL, CF_D_DCOS, 0, h_group},
    {ACS("groups"), 2, 2, HTTP_GET, CF_D_DCOS, 0, h_group_users},
    {ACS("groups"), 3, 3, HTTP_PUT | HTTP_DELETE, CF_D_DCOS, 0, h_group_member},
    {ACS("acls"), 0, 0, HTTP_GET, CF_D_DCOS, 0, h_acls_list},
    {ACS("acls"), 1, 1, ALL, CF_D_DCOS, 0, h_acl},
    {ACS("acls"), 2, 2, HTTP_GET, CF_D_DCOS, 0, h_acl_permissions},
    {ACS("acls"), 3, 3, HTTP_GET | HTTP_DELETE, CF_D_DCOS, 0, h_acl_grant},
    {ACS("acls"), 4, 4, HTTP_GET | HTTP_PUT | HTTP_DELETE, CF_D_DCOS, 0,
        h_acl_grant},
    {{"auth", "token", NULL}, 0, 0, HTTP_POST, CF_D_SENSU, ROUTE_PUBLIC,
        h_sensu_token},
    {{"auth", "test", NULL}, 0, 0, HTTP_GET, CF_D_SENSU, ROUTE_PUBLIC,
        h_sensu_test},
    {{"auth", "logout", NULL}, 0, 0, HTTP_POST, CF_D_SENSU, 0, h_sensu_logout},
    {{"auth", NULL}, 0, 0, HTTP_GET, CF_D_SENSU, ROUTE_PUBLIC, h_sensu_auth},
    {{"api", "core", "v2", "apikeys", NULL}, 0, 0, HTTP_GET, CF_D_SENSU, 0,
        h_apikeys_list},
    {{"api", "core", "v2", "apikeys", NULL}, 0, 0, HTTP_POST, CF_D_SENSU, 0,
        h_apikeys_post},
    {{"api", "core", "v2", "apikeys", NULL}, 1, 1, HTTP_DELETE, CF_D_SENSU,
        ROUTE_KEY_ARG, h_apikeys_delete},
};

int
main(void)
{
	return app_main("auth", routes, sizeof(routes) / sizeof(routes[0]));
}
