/*
 * iam_dcos.c: DC/OS's IAM API: its bodies and answers, and the handlers
 * that glue them to identity/iam.  See iam_dcos.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/reply.h"
#include "crypto/crypto.h"
#include "dialects/iam_dcos.h"
#include "identity/acl.h"
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

#define INVALID "ERR_INVALID_DATA"

static const char *const ctypes_json[] = {"application/json", NULL};

/* ---- bodies and answers, from bytes alone ---- */

static enum cf_status
bad(enum cf_status st, const char *why, const char **code, const char **detail)
{
	*code = INVALID;
	*detail = why;
	return st;
}

void
iam_dcos_body_free(struct iam_dcos_body *b)
{
	json_object_put(b->o);
	memset(b, 0, sizeof(*b));
}

/* The body as a JSON object, allowing only the members in fields. */
static enum cf_status
body_open(const uint8_t *body, size_t len, struct iam_dcos_body *b,
    const char **code, const char **detail)
{
	memset(b, 0, sizeof(*b));
	if (len == 0)
		return bad(CF_E_BAD_REQUEST, "Expected non-empty request body.",
		    code, detail);
	if (cf_json_parse(body, len, &b->o) != CF_OK) {
		b->o = NULL;
		return bad(CF_E_BAD_JSON,
		    "Request body is not a valid JSON object.", code, detail);
	}
	return CF_OK;
}

/* The body refused after it was opened: freed, and why. */
static enum cf_status
body_refuse(struct iam_dcos_body *b, const char *why, const char **code,
    const char **detail)
{
	iam_dcos_body_free(b);
	return bad(CF_E_BAD_REQUEST, why, code, detail);
}

enum cf_status
iam_dcos_login_parse(const uint8_t *body, size_t len, struct iam_dcos_body *b,
    const char **code, const char **detail)
{
	static const char *const fields[] = {
	    "uid", "password", "token", "exp", NULL};
	enum cf_status st;

	if ((st = body_open(body, len, b, code, detail)) != CF_OK)
		return st;
	if (cf_json_only(b->o, fields) != CF_OK ||
	    cf_json_text(b->o, "uid", TOKEN_MAX_UID, &b->uid) != CF_OK ||
	    cf_json_text(b->o, "password", IAM_MAX_PASSWORD, &b->password) !=
	        CF_OK ||
	    cf_json_text(b->o, "token", CF_MAX_TOKEN, &b->token) != CF_OK ||
	    b->uid == NULL)
		return body_refuse(
		    b, "Invalid login request body.", code, detail);
	if ((b->password == NULL) == (b->token == NULL))
		return body_refuse(b,
		    "Exactly one of `token` and `password` must be provided "
		    "in the request body",
		    code, detail);
	if (*b->uid == '\0' || (b->password != NULL && *b->password == '\0') ||
	    (b->token != NULL && *b->token == '\0'))
		return body_refuse(b,
		    "`uid` and `password` must not be empty strings", code,
		    detail);
	return CF_OK;
}

enum cf_status
iam_dcos_user_parse(const uint8_t *body, size_t len, struct iam_dcos_body *b,
    const char **code, const char **detail)
{
	static const char *const fields[] = {"description", "password",
	    "public_key", "provider_type", "provider_id", "cluster_url",
	    "creator_uid", "secret", NULL};
	const char *pw, *pk;
	enum cf_status st;

	if ((st = body_open(body, len, b, code, detail)) != CF_OK)
		return st;
	if (cf_json_only(b->o, fields) != CF_OK ||
	    cf_json_text(b->o, "description", IAM_MAX_DESC, &b->description) !=
	        CF_OK ||
	    cf_json_text(b->o, "password", IAM_MAX_PASSWORD, &b->password) !=
	        CF_OK ||
	    cf_json_text(b->o, "public_key", CRYPTO_MAX_PEM, &b->public_key) !=
	        CF_OK)
		return body_refuse(b, "Invalid user body.", code, detail);
	pw = b->password;
	pk = b->public_key;
	if ((pw == NULL) == (pk == NULL))
		return body_refuse(b,
		    "One of `password` or `public_key` must be provided", code,
		    detail);
	if ((pw != NULL && !iam_password_valid(pw, strlen(pw))) ||
	    (pk != NULL && *pk == '\0'))
		return body_refuse(b,
		    "`password` and `public_key` must not be empty strings",
		    code, detail);
	return CF_OK;
}

enum cf_status
iam_dcos_user_patch_parse(const uint8_t *body, size_t len,
    struct iam_dcos_body *b, const char **code, const char **detail)
{
	static const char *const fields[] = {"description", "password", NULL};
	enum cf_status st;

	if ((st = body_open(body, len, b, code, detail)) != CF_OK)
		return st;
	if (cf_json_only(b->o, fields) != CF_OK ||
	    cf_json_text(b->o, "description", IAM_MAX_DESC, &b->description) !=
	        CF_OK ||
	    cf_json_text(b->o, "password", IAM_MAX_PASSWORD, &b->password) !=
	        CF_OK ||
	    (b->password != NULL &&
	        !iam_password_valid(b->password, strlen(b->password))))
		return body_refuse(
		    b, "Invalid user update body.", code, detail);
	if (b->password == NULL && b->description == NULL)
		return body_refuse(b,
		    "One of `description` and `password` must be provided.",
		    code, detail);
	return CF_OK;
}

enum cf_status
iam_dcos_description_parse(const uint8_t *body, size_t len,
    struct iam_dcos_body *b, const char **code, const char **detail)
{
	static const char *const fields[] = {"description", NULL};
	enum cf_status st;

	if ((st = body_open(body, len, b, code, detail)) != CF_OK)
		return st;
	if (cf_json_only(b->o, fields) != CF_OK ||
	    cf_json_text(b->o, "description", IAM_MAX_DESC, &b->description) !=
	        CF_OK ||
	    b->description == NULL)
		return body_refuse(
		    b, "Expected {\"description\": \"...\"}.", code, detail);
	return CF_OK;
}

int
iam_dcos_rid_parse(const char *seg, char *rid, size_t size)
{
	char *dec = NULL;
	int ok;

	ok = http_pct_decode(seg, strlen(seg), 0, 1, &dec) == 0 &&
	     strlen(dec) < size && iam_rid_valid(dec);
	if (ok)
		memcpy(rid, dec, strlen(dec) + 1);
	free(dec);
	return ok ? 0 : -1;
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

struct json_object *
iam_dcos_jwks(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen)
{
	struct json_object *o = NULL, *keys, *k;
	uint8_t h[32];
	char *n64 = NULL, *e64 = NULL, *nd = NULL, *ed = NULL, *kid = NULL;
	char *msg = NULL;

	if ((n64 = codec_base64_encode(n, nlen, 1)) == NULL ||
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
	k = jb_object();
	jb_set_str(k, "kid", kid);
	jb_set_str(k, "kty", "RSA");
	jb_set_str(k, "alg", "RS256");
	jb_set_str(k, "use", "sig");
	jb_set_str(k, "n", n64);
	jb_set_str(k, "e", e64);
	keys = jb_array();
	jb_push(keys, k);
	o = jb_object();
	jb_set(o, "keys", keys);
out:
	free(n64);
	free(e64);
	free(nd);
	free(ed);
	free(msg);
	free(kid);
	return o;
}

char *
iam_dcos_info_cookie(const char *uid)
{
	struct json_object *info = jb_object();
	const char *text;
	char *b64;
	size_t len;

	jb_set_str(info, "uid", uid);
	jb_set_str(info, "description", "");
	jb_set_bool(info, "is_remote", 0);
	text = json_object_to_json_string_length(
	    info, JSON_C_TO_STRING_PLAIN, &len);
	b64 = text != NULL ? codec_base64_encode(text, len, 0) : NULL;
	json_object_put(info);
	return b64;
}

/* ---- the handlers ---- */

static enum cf_status
fail(
    struct cf_ctx *ctx, enum cf_status st, const char *code, const char *detail)
{
	ctx->code = code;
	ctx->detail = detail;
	return st;
}

static enum cf_status
read_body(struct cf_ctx *ctx)
{
	return http_read_body(
	    ctx->req, ctx->fcgi, CF_MAX_BODY_SMALL, ctypes_json, 1);
}

/* The body read, then parsed by parse into *b. */
typedef enum cf_status (*body_parser)(const uint8_t *, size_t,
    struct iam_dcos_body *, const char **, const char **);

static enum cf_status
body(struct cf_ctx *ctx, body_parser parse, struct iam_dcos_body *b)
{
	enum cf_status st;

	memset(b, 0, sizeof(*b));
	if ((st = read_body(ctx)) != CF_OK)
		return st;
	return parse(
	    ctx->req->body, ctx->req->bodylen, b, &ctx->code, &ctx->detail);
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

static const char *
cookie_attrs(const struct cf_ctx *ctx)
{
	return http_req_tls(ctx->req) ? COOKIE_ATTRS_TLS : COOKIE_ATTRS;
}

static enum cf_status
login_cookies(struct cf_ctx *ctx, const char *uid, const char *jwt)
{
	char *b64, *cookie;

	if ((b64 = iam_dcos_info_cookie(uid)) == NULL)
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

/* The credentials checked, throttled: CF_OK, or the refusal. */
static enum cf_status
login_check(struct cf_ctx *ctx, const struct iam_dcos_body *b)
{
	const char *pw = b->password, *tok = b->token;
	enum cf_status st;

	if (acl_login_throttled(ctx, b->uid))
		return fail(ctx, CF_E_TOO_MANY, "ERR_TOO_MANY_LOGIN_ATTEMPTS",
		    "Too many failed login attempts. Try again later.");
	st = pw ? iam_login_password(ctx->app->vault, b->uid, pw, strlen(pw))
	        : iam_login_service(ctx->app->vault, b->uid, tok, strlen(tok));
	if (st == CF_E_UNAUTHORIZED) {
		acl_login_note(ctx, b->uid, 0);
		return fail(
		    ctx, st, "ERR_INVALID_CREDENTIALS", "Invalid credentials.");
	}
	if (st == CF_OK)
		acl_login_note(ctx, b->uid, 1);
	return st;
}

static enum cf_status
login(struct cf_ctx *ctx)
{
	struct iam_dcos_body b;
	struct json_object *out;
	char *jwt = NULL;
	enum cf_status st;

	memset(&b, 0, sizeof(b));
	if ((st = vault_ready(ctx->app->vault)) != CF_OK ||
	    (st = body(ctx, iam_dcos_login_parse, &b)) != CF_OK ||
	    (st = login_check(ctx, &b)) != CF_OK)
		goto out;
	if ((st = iam_issue_token(ctx->app->vault, b.uid, (int64_t)time(NULL),
	         ctx->app->cfg.token_lifetime, &jwt)) != CF_OK ||
	    (st = login_cookies(ctx, b.uid, jwt)) != CF_OK)
		goto out;
	snprintf(ctx->subject.uid, sizeof(ctx->subject.uid), "%s", b.uid);
	ctx->authenticated = 1;
	out = jb_object();
	jb_set_str(out, "token", jwt);
	respond(ctx, 200, out);
out:
	if (jwt != NULL)
		crypto_wipe(jwt, strlen(jwt));
	free(jwt);
	iam_dcos_body_free(&b);
	return st;
}

static enum cf_status
jwks(struct cf_ctx *ctx)
{
	const struct crypto_rsa *pub = vault_token_key(ctx->app->vault);
	struct json_object *o;
	uint8_t *n = NULL, *e = NULL;
	size_t nlen = 0, elen = 0;
	enum cf_status st = CF_E_INTERNAL;

	if (pub == NULL)
		return CF_E_NOT_INIT;
	if (crypto_rsa_public_numbers(pub, &n, &nlen, &e, &elen) == 0 &&
	    (o = iam_dcos_jwks(n, nlen, e, elen)) != NULL) {
		respond(ctx, 200, o);
		st = CF_OK;
	}
	free(n);
	free(e);
	return st;
}

enum cf_status
iam_dcos_auth(struct cf_ctx *ctx)
{
	const char *what = ctx->arg[0];

	if (!strcmp(what, "login") && ctx->req->method == HTTP_POST)
		return login(ctx);
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
		return jwks(ctx);
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

enum cf_status
iam_dcos_users(struct cf_ctx *ctx)
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
	struct iam_dcos_body b;
	const char *pk;
	enum cf_status st;

	if ((st = body(ctx, iam_dcos_user_parse, &b)) != CF_OK)
		return st;
	pk = b.public_key;
	st = iam_user_create(ctx->app->vault, uid, b.description, b.password,
	    pk, pk ? strlen(pk) : 0, &ctx->code);
	if (st == CF_E_CONFLICT)
		ctx->detail = "User with that uid already exists.";
	else if (st == CF_E_BAD_REQUEST && ctx->code != NULL &&
	         !strcmp(ctx->code, "ERR_INVALID_PUBLIC_KEY"))
		ctx->detail = "Invalid public key: it must be an RSA key in "
		              "SubjectPublicKeyInfo PEM (BEGIN PUBLIC KEY).";
	else if (st == CF_E_BAD_REQUEST)
		ctx->detail = "Invalid uid: [a-zA-Z0-9-_@.], at most 96 "
		              "characters, not `anonymous`.";
	iam_dcos_body_free(&b);
	return done(ctx, st, 201);
}

static enum cf_status
user_patch(struct cf_ctx *ctx, const char *uid)
{
	struct iam_dcos_body b;
	enum cf_status st;

	if ((st = body(ctx, iam_dcos_user_patch_parse, &b)) != CF_OK)
		return st;
	st = iam_user_update(
	    ctx->app->vault, uid, b.description, b.password, &ctx->code);
	if (st == CF_E_BAD_REQUEST)
		ctx->detail = "Password update is not available for service "
		              "user accounts.";
	iam_dcos_body_free(&b);
	return done(ctx, user_missing(ctx, st), 204);
}

enum cf_status
iam_dcos_user(struct cf_ctx *ctx)
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

enum cf_status
iam_dcos_user_sub(struct cf_ctx *ctx)
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

enum cf_status
iam_dcos_groups(struct cf_ctx *ctx)
{
	struct json_object *o;
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = iam_group_list(ctx->app->vault, &o)) != CF_OK)
		return st;
	respond(ctx, 200, o);
	return CF_OK;
}

/* PUT or PATCH of a group. */
static enum cf_status
group_write(struct cf_ctx *ctx, const char *gid)
{
	struct iam_dcos_body b;
	enum cf_status st;

	st = body(ctx, iam_dcos_description_parse, &b);
	if (st == CF_OK && ctx->req->method == HTTP_PUT)
		st = done(ctx,
		    iam_group_create(
		        ctx->app->vault, gid, b.description, &ctx->code),
		    201);
	else if (st == CF_OK)
		st = done(ctx,
		    iam_group_update(
		        ctx->app->vault, gid, b.description, &ctx->code),
		    204);
	iam_dcos_body_free(&b);
	if (st == CF_E_CONFLICT)
		ctx->detail = "Group with that gid already exists.";
	else if (st == CF_E_BAD_REQUEST && ctx->detail == NULL)
		ctx->detail = "Invalid or unknown gid.";
	return st;
}

enum cf_status
iam_dcos_group(struct cf_ctx *ctx)
{
	struct json_object *o;
	const char *gid = ctx->arg[0];
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK)
		return st;
	switch (ctx->req->method) {
	case HTTP_PUT:
	case HTTP_PATCH:
		return group_write(ctx, gid);
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

enum cf_status
iam_dcos_group_users(struct cf_ctx *ctx)
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

enum cf_status
iam_dcos_group_member(struct cf_ctx *ctx)
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

/* The rid segment (iam_dcos_rid_parse): "dcos:secrets:default:%252Fa" names
 * "dcos:secrets:default:/a". */
static enum cf_status
rid_arg(struct cf_ctx *ctx, const char *seg, char *rid, size_t len)
{
	if (iam_dcos_rid_parse(seg, rid, len) == 0)
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

enum cf_status
iam_dcos_acls(struct cf_ctx *ctx)
{
	struct json_object *o;
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = iam_acl_list(ctx->app->vault, &o)) != CF_OK)
		return st;
	respond(ctx, 200, o);
	return CF_OK;
}

/* PUT or PATCH of an ACL. */
static enum cf_status
acl_write(struct cf_ctx *ctx, const char *rid)
{
	struct iam_dcos_body b;
	enum cf_status st;

	st = body(ctx, iam_dcos_description_parse, &b);
	if (st == CF_OK && ctx->req->method == HTTP_PUT)
		st = done(ctx,
		    iam_acl_create(
		        ctx->app->vault, rid, b.description, &ctx->code),
		    201);
	else if (st == CF_OK)
		st = done(ctx,
		    acl_missing(ctx, iam_acl_update(ctx->app->vault, rid,
		                         b.description, &ctx->code)),
		    204);
	iam_dcos_body_free(&b);
	if (st == CF_E_CONFLICT)
		ctx->detail = "ACL for that resource id already exists.";
	return st;
}

enum cf_status
iam_dcos_acl(struct cf_ctx *ctx)
{
	struct json_object *o;
	char rid[IAM_MAX_RID + 1];
	enum cf_status st;

	if ((st = need_su(ctx)) != CF_OK ||
	    (st = rid_arg(ctx, ctx->arg[0], rid, sizeof(rid))) != CF_OK)
		return st;
	switch (ctx->req->method) {
	case HTTP_PUT:
	case HTTP_PATCH:
		return acl_write(ctx, rid);
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

enum cf_status
iam_dcos_acl_permissions(struct cf_ctx *ctx)
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
enum cf_status
iam_dcos_acl_grant(struct cf_ctx *ctx)
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
		o = jb_object();
		jb_set_bool(o, "allowed", allowed);
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
