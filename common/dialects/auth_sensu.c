/*
 * auth_sensu.c: Sensu's authentication and API keys: their bodies and
 * answers, and the handlers that glue them to identity/iam.  See
 * auth_sensu.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/reply.h"
#include "crypto/crypto.h"
#include "dialects/auth_sensu.h"
#include "identity/acl.h"
#include "identity/iam.h"
#include "identity/token.h"
#include "vault/vault.h"

static const char *const ctypes_json[] = {"application/json", NULL};

/* ---- bodies and answers, from bytes alone ---- */

void
auth_sensu_body_free(struct auth_sensu_body *b)
{
	json_object_put(b->o);
	memset(b, 0, sizeof(*b));
}

/* The body as a JSON object; an empty one is an empty object when
 * allow_empty. */
static enum cf_status
body_open(const uint8_t *body, size_t len, int allow_empty,
    struct auth_sensu_body *b, const char **detail)
{
	memset(b, 0, sizeof(*b));
	if (len == 0 && allow_empty) {
		b->o = jb_object();
		return b->o != NULL ? CF_OK : CF_E_INTERNAL;
	}
	if (len == 0) {
		*detail = "Expected non-empty request body.";
		return CF_E_BAD_REQUEST;
	}
	if (cf_json_parse(body, len, &b->o) != CF_OK) {
		b->o = NULL;
		*detail = "Request body is not a valid JSON object.";
		return CF_E_BAD_JSON;
	}
	return CF_OK;
}

static enum cf_status
body_refuse(struct auth_sensu_body *b, const char *why, const char **detail)
{
	auth_sensu_body_free(b);
	*detail = why;
	return CF_E_BAD_REQUEST;
}

enum cf_status
auth_sensu_token_parse(const uint8_t *body, size_t len,
    struct auth_sensu_body *b, const char **detail)
{
	static const char *const fields[] = {"refresh_token", NULL};
	enum cf_status st;

	if ((st = body_open(body, len, 0, b, detail)) != CF_OK)
		return st;
	if (cf_json_only(b->o, fields) != CF_OK ||
	    cf_json_text(b->o, "refresh_token", CF_MAX_TOKEN,
	        &b->refresh_token) != CF_OK ||
	    b->refresh_token == NULL)
		return body_refuse(b, "a refresh_token is required", detail);
	return CF_OK;
}

enum cf_status
auth_sensu_logout_parse(const uint8_t *body, size_t len,
    struct auth_sensu_body *b, const char **detail)
{
	enum cf_status st;

	if ((st = body_open(body, len, 1, b, detail)) != CF_OK)
		return st;
	(void)cf_json_text(
	    b->o, "refresh_token", CF_MAX_TOKEN, &b->refresh_token);
	return CF_OK;
}

enum cf_status
auth_sensu_apikey_parse(const uint8_t *body, size_t len,
    struct auth_sensu_body *b, const char **detail)
{
	static const char *const fields[] = {"username", "metadata", NULL};
	enum cf_status st;

	if ((st = body_open(body, len, 0, b, detail)) != CF_OK)
		return st;
	if (cf_json_only(b->o, fields) != CF_OK ||
	    cf_json_text(b->o, "username", TOKEN_MAX_UID, &b->username) !=
	        CF_OK ||
	    b->username == NULL)
		return body_refuse(b, "username is required", detail);
	return CF_OK;
}

struct json_object *
auth_sensu_tokens(const char *access, int64_t expires_at, const char *refresh)
{
	struct json_object *o = jb_object();

	jb_set_str(o, "access_token", access);
	jb_set_int(o, "expires_at", expires_at);
	jb_set_str(o, "refresh_token", refresh);
	return o;
}

/* ---- the handlers ---- */

/* The body read, then parsed by parse into *b. */
typedef enum cf_status (*body_parser)(
    const uint8_t *, size_t, struct auth_sensu_body *, const char **);

static enum cf_status
body(struct cf_ctx *ctx, body_parser parse, struct auth_sensu_body *b)
{
	enum cf_status st;

	memset(b, 0, sizeof(*b));
	if ((st = http_read_body(ctx->req, ctx->fcgi, CF_MAX_BODY_SMALL,
	         ctypes_json, 1)) != CF_OK)
		return st;
	return parse(ctx->req->body, ctx->req->bodylen, b, &ctx->detail);
}

static void
respond(struct cf_ctx *ctx, int status, struct json_object *o)
{
	reply_json(ctx->resp, status, o);
	json_object_put(o);
}

/* Sensu answers bad Basic credentials with http.Error's plain text. */
static enum cf_status
plain(struct cf_ctx *ctx, enum cf_status st, const char *msg)
{
	ctx->dialect = CF_D_PLAIN;
	ctx->detail = msg;
	return st;
}

/* A new access token and refresh token for uid, answered; the request is
 * now uid's, for its audit line. */
static enum cf_status
tokens(struct cf_ctx *ctx, const char *uid)
{
	char *jwt = NULL, *refresh = NULL;
	int64_t now = (int64_t)time(NULL);
	int64_t life = ctx->app->cfg.access_token_lifetime;
	enum cf_status st;

	if ((st = iam_issue_token(ctx->app->vault, uid, now, life, &jwt)) !=
	        CF_OK ||
	    (st = iam_refresh_create(ctx->app->vault, uid, now, &refresh)) !=
	        CF_OK)
		goto out;
	respond(ctx, 200, auth_sensu_tokens(jwt, now + life, refresh));
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
basic(struct cf_ctx *ctx, char *uid, size_t len, const char *refusal)
{
	char *pw = NULL;
	size_t pwlen = 0;
	enum cf_status st;

	if (token_basic(ctx->req, uid, len, &pw, &pwlen) != CF_OK)
		return plain(ctx, CF_E_UNAUTHORIZED, refusal);
	if (acl_login_throttled(ctx, uid)) {
		st = plain(ctx, CF_E_TOO_MANY,
		    "too many failed login attempts, try again later");
		goto out;
	}
	st = iam_login_password(ctx->app->vault, uid, pw, pwlen);
	acl_login_note(ctx, uid, st == CF_OK);
	if (st == CF_E_UNAUTHORIZED)
		st = plain(ctx, st, refusal);
out:
	crypto_wipe(pw, pwlen);
	free(pw);
	return st;
}

enum cf_status
auth_sensu_auth(struct cf_ctx *ctx)
{
	char uid[TOKEN_MAX_UID + 1];
	enum cf_status st;

	if ((st = basic(ctx, uid, sizeof(uid), "Unauthorized")) != CF_OK)
		return st;
	return tokens(ctx, uid);
}

enum cf_status
auth_sensu_test(struct cf_ctx *ctx)
{
	char uid[TOKEN_MAX_UID + 1];
	enum cf_status st;

	if ((st = basic(ctx, uid, sizeof(uid), "Request unauthorized")) !=
	    CF_OK)
		return st;
	http_resp_status(ctx->resp, 200);
	return CF_OK;
}

/* The access token the refresh token came with: expired or not, but ours,
 * and its user's incarnation unchanged. */
static enum cf_status
access_claims(struct cf_ctx *ctx, struct token_claims *c)
{
	const struct crypto_rsa *pub = vault_token_key(ctx->app->vault);
	enum token_kind kind;
	const char *cred;
	size_t len;

	if (token_from_request(ctx->req, CF_D_SENSU, &kind, &cred, &len) !=
	        CF_OK ||
	    kind != TOKEN_JWT || pub == NULL ||
	    token_verify_any_exp(pub, cred, len, c) != CF_OK) {
		ctx->detail = "invalid access token";
		return CF_E_BAD_REQUEST;
	}
	return CF_OK;
}

enum cf_status
auth_sensu_token(struct cf_ctx *ctx)
{
	struct auth_sensu_body b;
	struct token_claims c;
	struct iam_user u;
	const char *rt;
	enum cf_status st;

	memset(&b, 0, sizeof(b));
	if ((st = access_claims(ctx, &c)) != CF_OK ||
	    (st = body(ctx, auth_sensu_token_parse, &b)) != CF_OK)
		goto out;
	rt = b.refresh_token;
	st = iam_refresh_take(
	    ctx->app->vault, c.uid, rt, strlen(rt), (int64_t)time(NULL));
	if (st == CF_OK &&
	    (iam_user_load(ctx->app->vault, c.uid, &u) != CF_OK ||
	        strcmp(c.inc, u.incarnation) != 0))
		st = CF_E_UNAUTHORIZED;
	if (st == CF_E_UNAUTHORIZED)
		st = plain(ctx, st, "Request unauthorized");
	else if (st == CF_OK)
		st = tokens(ctx, c.uid);
out:
	auth_sensu_body_free(&b);
	return st;
}

enum cf_status
auth_sensu_logout(struct cf_ctx *ctx)
{
	struct auth_sensu_body b;
	const char *rt;
	enum cf_status st;

	if ((st = body(ctx, auth_sensu_logout_parse, &b)) != CF_OK)
		return st;
	if ((rt = b.refresh_token) != NULL)
		(void)iam_refresh_take(ctx->app->vault, ctx->subject.uid, rt,
		    strlen(rt), (int64_t)time(NULL));
	auth_sensu_body_free(&b);
	http_resp_status(ctx->resp, 200);
	return CF_OK;
}

/* ---- API keys ---- */

/* Does the caller see every user's keys, or only its own?  Not a refusal,
 * but a decision all the same, so it is asked of the ACL, which audits it. */
static int
is_su(struct cf_ctx *ctx)
{
	return acl_allowed(ctx, IAM_SUPERUSER_RID, ACL_FULL);
}

enum cf_status
auth_sensu_apikeys(struct cf_ctx *ctx)
{
	struct json_object *o;
	enum cf_status st;

	if ((st = iam_apikey_list(ctx->app->vault,
	         is_su(ctx) ? NULL : ctx->subject.uid, &o)) != CF_OK)
		return st;
	respond(ctx, 200, o);
	return CF_OK;
}

enum cf_status
auth_sensu_apikey_post(struct cf_ctx *ctx)
{
	struct auth_sensu_body b;
	struct iam_user u;
	const char *user;
	char *key = NULL, name[65], loc[128];
	enum cf_status st;

	if ((st = body(ctx, auth_sensu_apikey_parse, &b)) != CF_OK)
		goto out;
	user = b.username;
	/* Anyone may make keys for themselves; for others, superuser. */
	if (strcmp(user, ctx->subject.uid) != 0 &&
	    (st = acl_check(ctx, IAM_SUPERUSER_RID, ACL_FULL)) != CF_OK)
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
	auth_sensu_body_free(&b);
	return st;
}

enum cf_status
auth_sensu_apikey_delete(struct cf_ctx *ctx)
{
	enum cf_status st;

	st = iam_apikey_delete(
	    ctx->app->vault, ctx->arg[0], is_su(ctx) ? NULL : ctx->subject.uid);
	if (st == CF_OK)
		http_resp_status(ctx->resp, 204);
	return st;
}
