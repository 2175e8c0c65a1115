/* path.c: see path.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "base/reply.h"
#include "dialects/path.h"
#include "identity/acl.h"
#include "vault/secret.h"

static const char *const ctypes_json[] = {"application/json", NULL};

/* ---- the pure half: bodies and answers ---- */

enum cf_status
path_body_parse(
    const uint8_t *body, size_t len, struct secret *s, const char **detail)
{
	static const char *const fields[] = {"data", NULL};
	struct json_object *o = NULL, *d;
	enum cf_status st;

	if ((st = cf_json_parse(body, len, &o)) != CF_OK)
		goto out;
	st = CF_E_BAD_JSON;
	if (cf_json_only(o, fields) != CF_OK ||
	    cf_json_object(o, "data", &d) != CF_OK) {
		*detail = "the body must be {\"data\": {...}}";
		goto out;
	}
	if (json_object_object_length(d) > CF_MAX_MAP_KEYS) {
		*detail = SECRET_KEYS_DETAIL;
		st = CF_E_TOO_LARGE;
		goto out;
	}
	json_object_object_foreach(d, key, val)
	{
		if (!json_object_is_type(val, json_type_string) ||
		    *key == '\0') {
			*detail = "data values must be strings";
			goto out;
		}
		/* json-c keeps one member per key: no search needed. */
		if (secret_add(s, key, json_object_get_string(val),
		        (size_t)json_object_get_string_len(val)) != 0) {
			st = CF_E_INTERNAL;
			goto out;
		}
	}
	st = CF_OK;
out:
	json_object_put(o);
	return st;
}

struct json_object *
path_secret_json(const struct secret *s)
{
	struct json_object *o;

	if (!secret_is_text(s))
		return NULL;
	o = jb_object();
	jb_set(o, "data", secret_map_json(s));
	return o;
}

/* ---- the handlers: read, parse, authorize, call the model, render ---- */

static enum cf_status
path_of(struct cf_ctx *ctx, char **path)
{
	enum cf_status st;

	st = secret_path_join(ctx->arg, ctx->narg, path);
	if (st == CF_E_BAD_PATH)
		ctx->detail = "invalid secret path";
	return st;
}

static enum cf_status
path_check(struct cf_ctx *ctx, const char *path, enum acl_action action)
{
	char rid[ACL_SECRET_RID_MAX];

	acl_secret_rid(rid, 0, PATH_STORE, path);
	return acl_check(ctx, rid, action);
}

static enum cf_status
path_reply(struct cf_ctx *ctx, const struct secret *s)
{
	struct json_object *o;

	if ((o = path_secret_json(s)) == NULL) {
		ctx->detail = "the secret holds binary data";
		return CF_E_BAD_ACCEPT;
	}
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}

void
path_secret_hint(struct cf_ctx *ctx)
{
	char *path = NULL;

	if (secret_path_join(ctx->arg, ctx->narg, &path) != CF_OK)
		return;
	secret_prefetch(ctx->app->vault, PATH_STORE, path);
	free(path);
}

enum cf_status
path_secret_get(struct cf_ctx *ctx)
{
	struct secret *s = NULL;
	char *path = NULL;
	enum cf_status st;

	if ((st = path_of(ctx, &path)) != CF_OK ||
	    (st = path_check(ctx, path, ACL_READ)) != CF_OK)
		goto out;
	if ((st = secret_get(ctx->app->vault, PATH_STORE, path, 0, &s)) ==
	    CF_OK)
		st = path_reply(ctx, s);
out:
	secret_free(s);
	free(path);
	return st;
}

enum cf_status
path_secret_put(struct cf_ctx *ctx)
{
	struct secret *s = NULL, *cur = NULL;
	char *path = NULL, vbuf[24];
	uint64_t version = 0;
	enum acl_action action = ACL_CREATE;
	enum cf_status st;

	if ((st = path_of(ctx, &path)) != CF_OK)
		goto out;
	st = secret_get(ctx->app->vault, PATH_STORE, path, 0, &cur);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	if (st == CF_OK)
		action = ACL_UPDATE;
	if ((st = path_check(ctx, path, action)) != CF_OK ||
	    (st = ctx_read_body(ctx, ctypes_json, 1)) != CF_OK)
		goto out;
	if ((s = secret_new()) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if ((st = path_body_parse(
	         ctx->req->body, ctx->req->bodylen, s, &ctx->detail)) != CF_OK)
		goto out;
	if ((s->author = strdup(ctx->subject.uid)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if ((st = secret_write(ctx->app->vault, PATH_STORE, path, SECRET_UPSERT,
	         s, ctx->app->cfg.versions_kept, &version)) == CF_OK) {
		/* CrossID's later spec answers {"data":{"version":N}}; the
		 * body stays the secret (the client-go spec), so the new
		 * version travels in a header. */
		snprintf(
		    vbuf, sizeof(vbuf), "%llu", (unsigned long long)version);
		http_resp_header(ctx->resp, "Coffer-Version", vbuf);
		st = path_reply(ctx, s);
	}
out:
	secret_free(cur);
	secret_free(s);
	free(path);
	return st;
}
