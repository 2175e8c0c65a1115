/* acl.c: see acl.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "acl.h"
#include "app.h"
#include "json.h"
#include "log.h"
#include "record.h"
#include "token.h"
#include "vault.h"

static enum cf_status
acl_load_subject(struct cf_ctx *ctx, const char *uid)
{
	struct json_object *o = NULL;
	uint8_t *pt = NULL;
	size_t len = 0;
	char key[TOKEN_MAX_UID + 3];
	int su = 0;
	enum cf_status st;

	snprintf(key, sizeof(key), "u:%s", uid);
	if ((st = vault_read_begin(ctx->app->vault)) != CF_OK)
		return st;
	st = vault_get(ctx->app->vault, key, &pt, &len);
	vault_read_end(ctx->app->vault);
	if (st == CF_E_NOT_FOUND) {
		lwarnx("token for unknown subject %s", uid);
		return CF_E_UNAUTHORIZED;
	}
	if (st != CF_OK)
		return st;
	if (cf_json_parse(pt, len, &o) != CF_OK) {
		st = CF_E_INTERNAL;
		goto out;
	}
	(void)cf_json_bool(o, "superuser", &su);
	snprintf(ctx->subject.uid, sizeof(ctx->subject.uid), "%s", uid);
	ctx->subject.superuser = su;
	ctx->authenticated = 1;
out:
	json_object_put(o);
	record_free(pt, len);
	return st;
}

enum cf_status
acl_authenticate(struct cf_ctx *ctx)
{
	const struct crypto_rsa *pub;
	struct token_claims claims;
	enum token_kind kind;
	const char *cred;
	size_t len;
	enum cf_status st;

	if ((st = token_from_request(ctx->req, &kind, &cred, &len)) != CF_OK)
		return st;
	/* XXX(issue 4): API keys and the Dapr token map onto subjects. */
	if (kind != TOKEN_JWT)
		return CF_E_UNAUTHORIZED;
	if ((pub = vault_token_key(ctx->app->vault)) == NULL)
		return CF_E_UNAUTHORIZED;
	if ((st = token_verify_cached(ctx->app->tokens, pub, cred, len,
	         (int64_t)time(NULL), &claims)) != CF_OK)
		return CF_E_UNAUTHORIZED;
	return acl_load_subject(ctx, claims.uid);
}

int
acl_covers(const char *grant, const char *rid)
{
	size_t n = strlen(grant);

	if (strncmp(grant, rid, n) != 0)
		return 0;
	/* On segment boundaries only: /a/b covers /a/b and /a/b/c, never
	 * /a/bc. */
	return rid[n] == '\0' || rid[n] == '/' ||
	       (n > 0 && grant[n - 1] == '/');
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

enum cf_status
acl_check(struct cf_ctx *ctx, const char *rid, enum acl_action action)
{
	int allowed;

	allowed = ctx->authenticated && ctx->subject.superuser;
	snprintf(ctx->rid, sizeof(ctx->rid), "%s", rid);
	ctx->action = acl_action_name(action);
	ctx->allowed = allowed;
	return allowed ? CF_OK : CF_E_FORBIDDEN;
}
