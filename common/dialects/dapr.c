/* dapr.c: see dapr.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/config.h"
#include "base/jbuild.h"
#include "base/reply.h"
#include "dialects/dapr.h"
#include "identity/acl.h"
#include "vault/secret.h"

/* docs/apis.md#dapr: an unknown store is 401 in daprd, although its docs
 * say 400. */
static enum cf_status
dapr_store(struct cf_ctx *ctx, const char **store)
{
	if (!secret_store_valid(ctx->arg[0]) ||
	    !secret_name_listed(ctx->app->cfg.secret_stores, ctx->arg[0])) {
		ctx->code = "ERR_SECRET_STORE_NOT_FOUND";
		ctx->detail = "failed finding secret store";
		return CF_E_UNAUTHORIZED;
	}
	*store = ctx->arg[0];
	return CF_OK;
}

static enum cf_status
dapr_rid_check(struct cf_ctx *ctx, const char *store, const char *path)
{
	char rid[ACL_SECRET_RID_MAX];

	acl_secret_rid(rid, 0, store, path);
	return acl_check(ctx, rid, ACL_READ);
}

/* The secret's map as a JSON object, or NULL when a value is not UTF-8
 * (Dapr's secrets are map[string]string). */
static struct json_object *
dapr_map(const struct secret *s)
{
	return secret_is_text(s) ? secret_map_json(s) : NULL;
}

enum cf_status
dapr_healthz(struct cf_ctx *ctx)
{
	if (ctx->narg == 1 && strcmp(ctx->arg[0], "outbound") != 0)
		return CF_E_NOT_FOUND;
	/* daprd answers 204 when it is up; the seal status is elsewhere. */
	http_resp_status(ctx->resp, 204);
	return CF_OK;
}

/* daprd's GET /v1.0/metadata, reduced to what clients look at: the SDKs
 * wait for a 2xx with a body before they start. */
enum cf_status
dapr_metadata(struct cf_ctx *ctx)
{
	struct json_object *o, *comps, *c;
	char buf[sizeof(ctx->app->cfg.secret_stores)], *p, *save = NULL;

	o = jb_object();
	jb_set_str(o, "id", "coffer");
	jb_set_str(o, "runtimeVersion", "coffer");
	jb_set(o, "enabledFeatures", jb_array());
	jb_set(o, "actors", jb_array());
	comps = jb_array();
	snprintf(buf, sizeof(buf), "%s", ctx->app->cfg.secret_stores);
	for (p = strtok_r(buf, ",", &save); p != NULL;
	     p = strtok_r(NULL, ",", &save)) {
		c = jb_object();
		jb_set_str(c, "name", p);
		jb_set_str(c, "type", "secretstores.coffer");
		jb_set_str(c, "version", "v1");
		jb_set(c, "capabilities", jb_array());
		jb_push(comps, c);
	}
	jb_set(o, "components", comps);
	jb_set(o, "extended", jb_object());
	jb_set(o, "subscriptions", jb_array());
	jb_set(o, "httpEndpoints", jb_array());
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}

/*
 * metadata.version_id: a version number.  daprd hands metadata to the
 * store unread and answers whatever the store fails with as 500
 * ERR_SECRET_GET; here the store is ours and knows the fault is the
 * client's, so it answers daprd's code for a malformed request, as for a
 * malformed name.
 */
static enum cf_status
dapr_version(struct cf_ctx *ctx, uint64_t *version)
{
	const char *q = http_query(ctx->req, "metadata.version_id");
	size_t n;

	*version = 0;
	if (q == NULL)
		return CF_OK;
	if (http_parse_size(q, SIZE_MAX, &n) != 0 || n == 0) {
		ctx->code = "ERR_MALFORMED_REQUEST";
		ctx->detail = "metadata.version_id must be a version number";
		return CF_E_BAD_REQUEST;
	}
	*version = (uint64_t)n;
	return CF_OK;
}

static enum cf_status
dapr_get(struct cf_ctx *ctx, const char *store)
{
	struct json_object *m;
	struct secret *s = NULL;
	char *path = NULL;
	uint64_t version;
	enum cf_status st;

	if ((st = secret_path_join(ctx->arg + 1, ctx->narg - 1, &path)) !=
	    CF_OK) {
		ctx->code = "ERR_MALFORMED_REQUEST";
		ctx->detail = "invalid secret name";
		return st;
	}
	/* daprd's order of checks (docs/apis.md#dapr): the store, the
	 * scope, then the store call. */
	if (!acl_dapr_scope(ctx, store, path) ||
	    (st = dapr_rid_check(ctx, store, path)) == CF_E_FORBIDDEN) {
		ctx->code = "ERR_PERMISSION_DENIED";
		ctx->detail = "access denied by policy to get the secret";
		st = CF_E_FORBIDDEN;
		goto out;
	}
	if (st != CF_OK || (st = dapr_version(ctx, &version)) != CF_OK)
		goto out;
	st = secret_get(ctx->app->vault, store, path, version, &s);
	if (st == CF_E_NOT_FOUND) {
		/* Dapr answers 204 for a missing secret (docs/apis.md#dapr). */
		http_resp_status(ctx->resp, 204);
		st = CF_OK;
		goto out;
	}
	if (st != CF_OK)
		goto out;
	if ((m = dapr_map(s)) == NULL) {
		ctx->code = "ERR_SECRET_GET";
		ctx->detail = "failed getting secret from secret store: "
		              "the secret holds binary data";
		st = CF_E_INTERNAL;
		goto out;
	}
	reply_json(ctx->resp, 200, m);
	json_object_put(m);
out:
	secret_free(s);
	free(path);
	return st;
}

/* ---- bulk ---- */

/*
 * The bulk map is streamed (http.h): names are walked a chunk at a time
 * (DAPR_BULK_CHUNK, without reading the secrets), then each secret is read,
 * authorized and written on its own, so memory holds one chunk of names,
 * one secret and the stream's buffer, whatever the store's size.  The ACL
 * cannot be asked inside the walk (it opens a store section), hence the
 * chunks.
 */
struct dapr_names {
	char *name[DAPR_BULK_CHUNK];
	size_t n;
	int oom;
};

static int
dapr_collect(void *arg, const char *rel, const struct secret *s)
{
	struct dapr_names *c = arg;

	(void)s;
	if ((c->name[c->n] = strdup(rel)) == NULL) {
		c->oom = 1;
		return 1;
	}
	return ++c->n >= DAPR_BULK_CHUNK;
}

static void
dapr_names_clear(struct dapr_names *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->name[i]);
	c->n = 0;
}

/* One entry of the map, "name":{...}, or nothing for a secret left out
 * (denied, gone since the walk, or binary: Dapr has no form for it). */
static enum cf_status
dapr_bulk_one(struct cf_ctx *ctx, const char *store, const char *name, int all,
    size_t *count)
{
	struct json_object *m = NULL, *k = NULL;
	struct secret *s = NULL;
	enum cf_status st;

	/* Denied keys are left out silently (docs/apis.md#dapr). */
	if (!acl_dapr_scope(ctx, store, name))
		return CF_OK;
	if (!all && (st = dapr_rid_check(ctx, store, name)) != CF_OK)
		return st == CF_E_FORBIDDEN ? CF_OK : st;
	st = secret_get(ctx->app->vault, store, name, 0, &s);
	if (st == CF_E_NOT_FOUND)
		return CF_OK;
	if (st != CF_OK)
		return st;
	if ((m = dapr_map(s)) == NULL)
		goto out;
	k = jb_str(name);
	st = CF_E_INTERNAL;
	if (http_stream_puts(ctx->resp, *count ? "," : "") != 0 ||
	    reply_json_stream(ctx->resp, k) != 0 ||
	    http_stream_puts(ctx->resp, ":") != 0 ||
	    reply_json_stream(ctx->resp, m) != 0)
		goto out;
	(*count)++;
	st = CF_OK;
out:
	json_object_put(k);
	json_object_put(m);
	secret_free(s);
	return st;
}

enum cf_status
dapr_bulk(struct cf_ctx *ctx, const char *store)
{
	struct dapr_names c;
	char *after = NULL;
	size_t i, count = 0;
	int all;
	enum cf_status st;

	memset(&c, 0, sizeof(c));
	/* A grant on the whole store spares one decision per secret. */
	st = dapr_rid_check(ctx, store, "");
	if (st != CF_OK && st != CF_E_FORBIDDEN)
		goto out;
	all = st == CF_OK;
	http_stream_begin(ctx->resp, ctx->fcgi, 200, "application/json");
	if (http_stream_puts(ctx->resp, "{") != 0) {
		st = CF_E_INTERNAL;
		goto out;
	}
	do {
		dapr_names_clear(&c);
		st = secret_iter_names(
		    ctx->app->vault, store, "", after, dapr_collect, &c);
		if (st == CF_OK && c.oom)
			st = CF_E_INTERNAL;
		if (st != CF_OK)
			goto out;
		for (i = 0; i < c.n; i++)
			if ((st = dapr_bulk_one(
			         ctx, store, c.name[i], all, &count)) != CF_OK)
				goto out;
		free(after);
		after = NULL;
		if (c.n > 0 && (after = strdup(c.name[c.n - 1])) == NULL) {
			st = CF_E_INTERNAL;
			goto out;
		}
	} while (c.n >= DAPR_BULK_CHUNK);
	st = http_stream_puts(ctx->resp, "}") == 0 ? CF_OK : CF_E_INTERNAL;
out:
	if (st != CF_OK && st != CF_E_UNAUTHORIZED) {
		ctx->code = "ERR_SECRET_GET";
		ctx->detail = "failed getting secrets from secret store";
		if (st == CF_E_FORBIDDEN)
			st = CF_E_INTERNAL;
	}
	dapr_names_clear(&c);
	free(after);
	return st;
}

void
dapr_secret_hint(struct cf_ctx *ctx)
{
	const char *store = ctx->arg[0];
	char *path = NULL;

	/* Another version than the current is read after it: no hint. */
	if (!secret_store_valid(store) ||
	    !secret_name_listed(ctx->app->cfg.secret_stores, store) ||
	    (ctx->narg == 2 && !strcmp(ctx->arg[1], "bulk")) ||
	    http_query(ctx->req, "metadata.version_id") != NULL ||
	    secret_path_join(ctx->arg + 1, ctx->narg - 1, &path) != CF_OK)
		return;
	secret_prefetch(ctx->app->vault, store, path);
	free(path);
}

enum cf_status
dapr_secret(struct cf_ctx *ctx)
{
	const char *store;
	enum cf_status st;

	if ((st = dapr_store(ctx, &store)) != CF_OK)
		return st;
	/* daprd registers bulk before {key}: a secret named "bulk" cannot be
	 * read alone (docs/apis.md#dapr). */
	if (ctx->narg == 2 && !strcmp(ctx->arg[1], "bulk"))
		return dapr_bulk(ctx, store);
	return dapr_get(ctx, store);
}
