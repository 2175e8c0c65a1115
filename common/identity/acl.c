/* acl.c: see acl.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/config.h"
#include "base/log.h"
#include "base/metrics.h"
#include "identity/acl.h"
#include "identity/audit.h"
#include "identity/context.h"
#include "identity/iam.h"
#include "identity/remote.h"
#include "identity/token.h"
#include "vault/vault.h"

/* inc: the incarnation a token names (NULL for a credential that names
 * none: an API key, deleted with its user, or the Dapr token). */
static enum cf_status
acl_load_subject(struct cf_ctx *ctx, const char *uid, const char *inc)
{
	struct iam_user u;
	enum cf_status st;

	st = iam_user_load(ctx->app->vault, uid, &u);
	if (st == CF_E_NOT_FOUND) {
		lwarnx("credential for unknown subject %s", uid);
		return CF_E_UNAUTHORIZED;
	}
	if (st != CF_OK)
		return st;
	if (inc != NULL && strcmp(inc, u.incarnation) != 0) {
		lwarnx("token for an earlier user %s", uid);
		return CF_E_UNAUTHORIZED;
	}
	snprintf(ctx->subject.uid, sizeof(ctx->subject.uid), "%s", uid);
	ctx->subject.superuser = u.superuser;
	ctx->authenticated = 1;
	return CF_OK;
}

/* Each product refuses in its own words (docs/apis.md#sensu and
 * docs/apis.md#dapr). */
static enum cf_status
acl_refuse(struct cf_ctx *ctx, enum token_kind kind)
{
	if (ctx->dialect == CF_D_DAPR) {
		ctx->dialect = CF_D_PLAIN;
		ctx->detail = "invalid api token";
	} else if (ctx->dialect == CF_D_SENSU) {
		ctx->dialect = CF_D_SENSU_MW;
		ctx->detail = kind == TOKEN_NONE ? "bad credentials"
		                                 : "invalid credentials";
	}
	return CF_E_UNAUTHORIZED;
}

enum cf_status
acl_authenticate(struct cf_ctx *ctx)
{
	const struct crypto_rsa *pub;
	const struct cf_config *cfg = &ctx->app->cfg;
	struct token_claims claims;
	enum token_kind kind = TOKEN_NONE;
	const char *cred, *inc = NULL;
	char uid[TOKEN_MAX_UID + 1];
	size_t len;
	enum cf_status st;
	int remote;

	/* trust_remote_user: the web server's own subject comes first. */
	if ((remote = remote_user(ctx, uid)) != 0) {
		if (remote < 0 || (st = acl_load_subject(ctx, uid, NULL)) ==
		                      CF_E_UNAUTHORIZED)
			return acl_refuse(ctx, TOKEN_NONE);
		return st;
	}
	if (token_from_request(ctx->req, ctx->dialect, &kind, &cred, &len) !=
	    CF_OK)
		return acl_refuse(ctx, TOKEN_JWT);
	switch (kind) {
	case TOKEN_JWT:
		if ((pub = vault_token_key(ctx->app->vault)) == NULL ||
		    token_verify_cached(ctx->app->tokens, pub, cred, len,
		        (int64_t)time(NULL), &claims) != CF_OK)
			return acl_refuse(ctx, kind);
		memcpy(uid, claims.uid, sizeof(uid));
		inc = claims.inc;
		break;
	case TOKEN_APIKEY:
		st = iam_apikey_lookup(ctx->app->vault, cred, len, uid);
		if (st == CF_E_UNAUTHORIZED)
			return acl_refuse(ctx, kind);
		if (st != CF_OK)
			return st;
		break;
	case TOKEN_DAPR:
		if (!cfg->dapr_token_set || cfg->dapr_subject[0] == '\0' ||
		    !token_hash_equal(cfg->dapr_token_sha256, cred, len))
			return acl_refuse(ctx, kind);
		memcpy(uid, cfg->dapr_subject, sizeof(uid));
		break;
	default:
		return acl_refuse(ctx, TOKEN_NONE);
	}
	if ((st = acl_load_subject(ctx, uid, inc)) == CF_E_UNAUTHORIZED)
		return acl_refuse(ctx, kind);
	return st;
}

int
acl_token_verified(struct cf_ctx *ctx)
{
	const struct crypto_rsa *pub;
	struct token_claims claims;
	enum token_kind kind = TOKEN_NONE;
	const char *cred;
	size_t len;

	if (token_from_request(ctx->req, ctx->dialect, &kind, &cred, &len) !=
	        CF_OK ||
	    kind != TOKEN_JWT ||
	    (pub = vault_token_key(ctx->app->vault)) == NULL ||
	    token_verify_cached(ctx->app->tokens, pub, cred, len,
	        (int64_t)time(NULL), &claims) != CF_OK)
		return 0;
	memcpy(ctx->subject.uid, claims.uid, sizeof(ctx->subject.uid));
	return 1;
}

const char *
acl_action_name(enum acl_action a)
{
	switch (a) {
	case ACL_CREATE:
		return "create";
	case ACL_READ:
		return "read";
	case ACL_UPDATE:
		return "update";
	case ACL_DELETE:
		return "delete";
	default:
		return "full";
	}
}

void
acl_secret_rid(
    char rid[ACL_SECRET_RID_MAX], int list, const char *store, const char *path)
{
	snprintf(rid, ACL_SECRET_RID_MAX, "dcos:secrets:%s%s:/%s",
	    list ? "list:" : "", store, path);
}

/* A subject's uid passes whole buffers from a token, the config or a
 * record into the request (memcpy of sizeof): they must be one size. */
_Static_assert(sizeof(((struct token_claims *)0)->uid) ==
                   sizeof(((struct cf_subject *)0)->uid),
    "a token's uid and the request's subject are one size");
_Static_assert(
    sizeof(((struct cf_config *)0)->dapr_subject) == TOKEN_MAX_UID + 1,
    "the Dapr subject is a uid");
_Static_assert(sizeof(((struct iam_user *)0)->uid) == TOKEN_MAX_UID + 1,
    "a user record's uid is a token's");

/* The one place a request's decision is taken and recorded: iam_allowed()
 * decides (nothing for an unauthenticated request), audit_decision()
 * records.  1 if allowed; a store error is 0, with *st set. */
static int
acl_decide(struct cf_ctx *ctx, const char *rid, enum acl_action action,
    enum cf_status *st)
{
	int allowed = 0;

	*st = CF_OK;
	if (ctx->authenticated)
		*st = iam_allowed(ctx->app->vault, ctx->subject.uid, rid,
		    (unsigned)action, &allowed);
	if (*st != CF_OK)
		allowed = 0;
	audit_decision(ctx, rid, acl_action_name(action), NULL, allowed);
	return allowed;
}

enum cf_status
acl_check(struct cf_ctx *ctx, const char *rid, enum acl_action action)
{
	enum cf_status st;
	int allowed;

	allowed = acl_decide(ctx, rid, action, &st);
	if (st != CF_OK)
		return st;
	if (!allowed && ctx->dialect == CF_D_SENSU) {
		ctx->dialect = CF_D_SENSU_MW;
		ctx->detail = "unauthorized to perform action";
	}
	return allowed ? CF_OK : CF_E_FORBIDDEN;
}

int
acl_allowed(struct cf_ctx *ctx, const char *rid, enum acl_action action)
{
	enum cf_status st;

	return acl_decide(ctx, rid, action, &st);
}

int
acl_login_throttled(struct cf_ctx *ctx, const char *uid)
{
	const struct cf_config *c = &ctx->app->cfg;
	const char *addr = http_param(ctx->req, "REMOTE_ADDR");
	char key[160];
	int64_t now = (int64_t)time(NULL);

	snprintf(key, sizeof(key), "u:%s", uid);
	if (iam_throttle_blocked(
	        c->state, key, c->login_max_failures, c->login_window, now))
		return 1;
	snprintf(key, sizeof(key), "a:%s", addr ? addr : "");
	return iam_throttle_blocked(
	    c->state, key, c->login_max_failures, c->login_window, now);
}

void
acl_login_note(struct cf_ctx *ctx, const char *uid, int ok)
{
	const struct cf_config *c = &ctx->app->cfg;
	const char *addr = http_param(ctx->req, "REMOTE_ADDR");
	struct iam_user u;
	char key[160];
	int64_t now = (int64_t)time(NULL);
	int account;

	snprintf(key, sizeof(key), "u:%s", uid);
	if (ok) {
		iam_throttle_reset(c->state, key);
		return;
	}
	metrics_count(METRICS_LOGIN_FAILURES);
	account = iam_user_load(ctx->app->vault, uid, &u) == CF_OK;
	iam_throttle_fail(c->state, key, account, c->login_window, now);
	snprintf(key, sizeof(key), "a:%s", addr ? addr : "");
	iam_throttle_fail(c->state, key, 0, c->login_window, now);
}

/* Is key one of the comma-separated names in list?  Exact and
 * case-sensitive, as Dapr's binary search over the sorted list. */
static int
acl_in_list(const char *list, const char *key)
{
	size_t n = strlen(key);
	const char *p = list, *e;

	while (*p != '\0') {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && !strncmp(p, key, n))
			return 1;
		p = *e ? e + 1 : e;
	}
	return 0;
}

int
acl_dapr_scope(struct cf_ctx *ctx, const char *store, const char *path)
{
	char rid[ACL_SECRET_RID_MAX];

	if (acl_dapr_allowed(&ctx->app->cfg, store, path))
		return 1;
	acl_secret_rid(rid, 0, store, path);
	audit_decision(ctx, rid, acl_action_name(ACL_READ), "dapr_scope", 0);
	return 0;
}

int
acl_dapr_allowed(const struct cf_config *c, const char *store, const char *key)
{
	const struct config_dapr_scope *sc = NULL;
	unsigned i;

	for (i = 0; i < c->ndapr_scopes; i++)
		if (!strcmp(c->dapr_scope[i].store, store))
			sc = &c->dapr_scope[i];
	if (sc == NULL)
		return 1; /* no scope for the store: allow */
	if (sc->allowed[0] != '\0')
		return acl_in_list(sc->allowed, key); /* only those */
	if (acl_in_list(sc->denied, key))
		return 0;
	return !sc->deny;
}
