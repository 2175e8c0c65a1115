/*
 * bulk: many secrets per call.  Dapr's bulk map (/v1.0/secrets/{store}/bulk,
 * common/dialects/dapr.c) and Sensu's collections with response filtering and
 * pagination (common/dialects/sensu.c), Coffer's multi-get, and a store's
 * export and import (common/vault/export.c).  A thin router: the handlers live
 * in common/ because cgi-bin/secrets answers the same dialects' single-resource
 * URLs.
 *
 * The web server sends this program every URL under /v1.0,
 * /api/enterprise/secrets and /coffer/v1 that cgi-bin/secrets does not
 * take (apache-conf/lighttpd/coffer.conf); it lists the single-resource
 * routes too, so a configuration that sends it all of them still works.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app/app.h"
#include "base/codec.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/reply.h"
#include "dialects/dapr.h"
#include "dialects/sensu.h"
#include "identity/acl.h"
#include "vault/export.h"
#include "vault/secret.h"

#define BATCH_MAX       1000        /* paths in one multi-get */
#define BATCH_MAX_BYTES (16u << 20) /* 16 MiB of records in one answer */

/*
 * Coffer's multi-get: POST /coffer/v1/secrets/{store}/batch with
 * {"paths": [...]} (at most BATCH_MAX), answering each path's map or its
 * own error, so one missing or forbidden secret does not fail the rest.
 * A path given more than once is read and answered once.  The records
 * read for one answer are bounded (BATCH_MAX_BYTES of plaintext, which
 * bounds the keys and values it holds); past it a path answers 413, told
 * from the record's stored size before it is decrypted, and the client
 * asks again for fewer.
 */

static const char *const ctypes_json[] = {"application/json", NULL};

static struct json_object *
batch_error(int code, const char *msg)
{
	struct json_object *o = json_object_new_object(), *e;

	e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	return o;
}

/* One path's answer: {"data": map, "version": n} or {"error": ...}.
 * *budget is what the answer may still read, in record bytes. */
static struct json_object *
batch_one(
    struct cf_ctx *ctx, const char *store, const char *path, size_t *budget)
{
	struct json_object *o;
	struct secret *s = NULL;
	char rid[ACL_SECRET_RID_MAX];
	size_t size = 0;
	enum cf_status st;

	acl_secret_rid(rid, 0, store, path);
	if ((st = acl_check(ctx, rid, ACL_READ)) == CF_E_FORBIDDEN)
		return batch_error(403, "forbidden");
	if (st == CF_OK)
		st = secret_get_within(
		    ctx->app->vault, store, path, *budget, &s, &size);
	if (st == CF_E_NOT_FOUND)
		return batch_error(404, "not found");
	if (st == CF_E_TOO_LARGE)
		return batch_error(413, "the answer's size limit is reached");
	if (st != CF_OK)
		return batch_error(500, "internal error");
	*budget -= size;
	if (!secret_is_text(s)) {
		secret_free(s);
		return batch_error(415, "the secret holds binary data");
	}
	o = json_object_new_object();
	json_object_object_add(o, "data", secret_map_json(s));
	json_object_object_add(
	    o, "version", json_object_new_int64((int64_t)s->version));
	secret_free(s);
	return o;
}

static enum cf_status
h_batch(struct cf_ctx *ctx)
{
	static const char *const fields[] = {"paths", NULL};
	struct json_object *in = NULL, *paths, *p, *out = NULL, *res;
	const char *store = ctx->arg[0];
	char **segs = NULL, *path = NULL, *copy = NULL, *tok, *save;
	size_t i, n, nseg, budget = BATCH_MAX_BYTES;
	enum cf_status st;

	if (ctx->narg != 2 || strcmp(ctx->arg[1], "batch") != 0 ||
	    !secret_store_valid(store) ||
	    !secret_name_listed(ctx->app->cfg.secret_stores, store)) {
		ctx->detail = "the requested resource could not be found.";
		return CF_E_NOT_FOUND;
	}
	if ((st = ctx_read_body(ctx, ctypes_json, 0)) != CF_OK ||
	    (st = cf_json_parse(ctx->req->body, ctx->req->bodylen, &in)) !=
	        CF_OK)
		goto out;
	st = CF_E_BAD_JSON;
	if (cf_json_only(in, fields) != CF_OK ||
	    cf_json_array(in, "paths", &paths) != CF_OK ||
	    (n = json_object_array_length(paths)) == 0 || n > BATCH_MAX) {
		ctx->detail = "the body must be {\"paths\": [1 to 1000 paths]}";
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(paths, i),
		        json_type_string)) {
			ctx->detail = "paths must be strings";
			goto out;
		}
	if ((segs = calloc(CF_MAX_SEGMENTS + 1, sizeof(*segs))) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	res = json_object_new_object();
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(paths, i);
		/* The answer is keyed by path: a repeat was answered. */
		if (json_object_object_get_ex(
		        res, json_object_get_string(p), NULL))
			continue;
		free(copy);
		copy = strndup(json_object_get_string(p),
		    (size_t)json_object_get_string_len(p));
		if (copy == NULL) {
			json_object_put(res);
			st = CF_E_INTERNAL;
			goto out;
		}
		nseg = 0;
		for (tok = strtok_r(copy, "/", &save);
		     tok != NULL && nseg <= CF_MAX_SEGMENTS;
		     tok = strtok_r(NULL, "/", &save))
			segs[nseg++] = tok;
		free(path);
		path = NULL;
		if (strlen(json_object_get_string(p)) !=
		        (size_t)json_object_get_string_len(p) ||
		    nseg > CF_MAX_SEGMENTS ||
		    secret_path_join(segs, nseg, &path) != CF_OK ||
		    strcmp(path, json_object_get_string(p)) != 0)
			json_object_object_add(res, json_object_get_string(p),
			    batch_error(400, "invalid path"));
		else
			json_object_object_add(res, json_object_get_string(p),
			    batch_one(ctx, store, path, &budget));
	}
	out = json_object_new_object();
	json_object_object_add(out, "secrets", res);
	reply_json(ctx->resp, 200, out);
	st = CF_OK;
out:
	free(copy);
	free(path);
	free(segs);
	json_object_put(out);
	json_object_put(in);
	return st;
}

/*
 * Export and import: GET /coffer/v1/export/{store} streams the store's
 * sealed records (common/vault/export.h); POST /coffer/v1/import/{store} checks
 * every record of such a stream, then replaces the store's secrets with
 * it, or changes nothing.  Both need every action (full) on the whole
 * store, dcos:secrets:{store}:/ (the superuser has it): an export is
 * ciphertext, but an import rewrites every secret of the store.
 */
static enum cf_status
porter_store(struct cf_ctx *ctx, const char **store)
{
	char rid[ACL_SECRET_RID_MAX];

	if (!secret_store_valid(ctx->arg[0]) ||
	    !secret_name_listed(ctx->app->cfg.secret_stores, ctx->arg[0])) {
		ctx->detail = "the requested resource could not be found.";
		return CF_E_NOT_FOUND;
	}
	*store = ctx->arg[0];
	acl_secret_rid(rid, 0, *store, "");
	return acl_check(ctx, rid, ACL_FULL);
}

static int
porter_put(void *arg, const void *p, size_t len)
{
	return http_stream_put(arg, p, len);
}

static enum cf_status
h_export(struct cf_ctx *ctx)
{
	const char *store;
	enum cf_status st;

	if ((st = porter_store(ctx, &store)) != CF_OK)
		return st;
	http_stream_begin(
	    ctx->resp, ctx->fcgi, 200, "application/octet-stream");
	http_resp_header(ctx->resp, "Content-Disposition",
	    "attachment; filename=\"coffer-export\"");
	return export_write(ctx->app->vault, store, porter_put, ctx->resp);
}

static enum cf_status
h_import(struct cf_ctx *ctx)
{
	static const char *const ctypes[] = {
	    "application/octet-stream", "text/plain", NULL};
	struct json_object *o;
	const char *store;
	size_t records = 0, secrets = 0;
	enum cf_status st;

	if ((st = porter_store(ctx, &store)) != CF_OK)
		return st;
	st = http_read_body(ctx->req, ctx->fcgi, EXPORT_MAX_BODY, ctypes, 0);
	if (st != CF_OK)
		return st;
	st = export_import(ctx->app->vault, store, ctx->req->body,
	    ctx->req->bodylen, &records, &secrets, &ctx->detail);
	if (st != CF_OK)
		return st;
	o = json_object_new_object();
	json_object_object_add(o, "store", json_object_new_string(store));
	json_object_object_add(
	    o, "records", json_object_new_int64((int64_t)records));
	json_object_object_add(
	    o, "secrets", json_object_new_int64((int64_t)secrets));
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}

static const struct cf_route routes[] = {
    DAPR_ROUTES,
    SENSU_ROUTES,
    {{"coffer", "v1", "secrets", NULL}, 2, 2, HTTP_POST, CF_D_PATH, 0, h_batch},
    {{"coffer", "v1", "export", NULL}, 1, 1, HTTP_GET, CF_D_PATH, 0, h_export},
    {{"coffer", "v1", "import", NULL}, 1, 1, HTTP_POST, CF_D_PATH, 0, h_import},
};

int
main(void)
{
	return app_main("bulk", routes, sizeof(routes) / sizeof(routes[0]));
}
