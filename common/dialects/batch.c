/* batch.c: see batch.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/reply.h"
#include "dialects/batch.h"
#include "identity/acl.h"
#include "vault/secret.h"

static const char *const ctypes_json[] = {"application/json", NULL};

/* ---- the pure half: bodies and answers ---- */

enum cf_status
batch_body_parse(const uint8_t *body, size_t len, struct json_object **paths,
    const char **detail)
{
	static const char *const fields[] = {"paths", NULL};
	struct json_object *in = NULL, *a;
	size_t i, n;
	enum cf_status st;

	*paths = NULL;
	if ((st = cf_json_parse(body, len, &in)) != CF_OK)
		return st;
	st = CF_E_BAD_JSON;
	if (cf_json_only(in, fields) != CF_OK ||
	    cf_json_array(in, "paths", &a) != CF_OK ||
	    (n = json_object_array_length(a)) == 0 || n > BATCH_MAX) {
		*detail = "the body must be {\"paths\": [1 to 1000 paths]}";
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!json_object_is_type(
		        json_object_array_get_idx(a, i), json_type_string)) {
			*detail = "paths must be strings";
			goto out;
		}
	*paths = json_object_get(a);
	st = CF_OK;
out:
	json_object_put(in);
	return st;
}

enum cf_status
batch_path(const char *p, size_t len, char **path)
{
	char *segs[CF_MAX_SEGMENTS + 1], *copy, *tok, *save;
	size_t nseg = 0;
	enum cf_status st = CF_E_BAD_PATH;

	*path = NULL;
	if ((copy = strndup(p, len)) == NULL)
		return CF_E_INTERNAL;
	for (tok = strtok_r(copy, "/", &save);
	     tok != NULL && nseg <= CF_MAX_SEGMENTS;
	     tok = strtok_r(NULL, "/", &save))
		segs[nseg++] = tok;
	/* The path as the store would write it, or the client meant
	 * another: a NUL, an empty segment, a slash at either end. */
	if (strlen(p) == len && nseg <= CF_MAX_SEGMENTS &&
	    secret_path_join(segs, nseg, path) == CF_OK &&
	    strcmp(*path, p) == 0)
		st = CF_OK;
	if (st != CF_OK) {
		free(*path);
		*path = NULL;
	}
	free(copy);
	return st;
}

struct json_object *
batch_error_json(int code, const char *msg)
{
	struct json_object *o = jb_object(), *e;

	e = jb_object();
	jb_set_int(e, "code", code);
	jb_set_str(e, "message", msg);
	jb_set(o, "error", e);
	return o;
}

struct json_object *
batch_secret_json(const struct secret *s)
{
	struct json_object *o;

	if (!secret_is_text(s))
		return NULL;
	o = jb_object();
	jb_set(o, "data", secret_map_json(s));
	jb_set_int(o, "version", (int64_t)s->version);
	return o;
}

/* ---- the handler ---- */

/* One path's answer.  *budget is what the answer may still read, in
 * record bytes. */
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
		return batch_error_json(403, "forbidden");
	if (st == CF_OK)
		st = secret_get_within(
		    ctx->app->vault, store, path, *budget, &s, &size);
	if (st == CF_E_NOT_FOUND)
		return batch_error_json(404, "not found");
	if (st == CF_E_TOO_LARGE)
		return batch_error_json(
		    413, "the answer's size limit is reached");
	if (st != CF_OK)
		return batch_error_json(500, "internal error");
	*budget -= size;
	if ((o = batch_secret_json(s)) == NULL)
		o = batch_error_json(415, "the secret holds binary data");
	secret_free(s);
	return o;
}

/* Each path of the body into res, keyed by the path as given. */
static enum cf_status
batch_answer(struct cf_ctx *ctx, const char *store, struct json_object *paths,
    struct json_object *res)
{
	struct json_object *p;
	size_t i, n = json_object_array_length(paths), budget = BATCH_MAX_BYTES;
	const char *given;
	char *path;
	enum cf_status st;

	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(paths, i);
		given = json_object_get_string(p);
		/* The answer is keyed by path: a repeat was answered. */
		if (json_object_object_get_ex(res, given, NULL))
			continue;
		st = batch_path(
		    given, (size_t)json_object_get_string_len(p), &path);
		if (st == CF_E_INTERNAL)
			return st;
		jb_set(res, given,
		    st == CF_OK ? batch_one(ctx, store, path, &budget)
		                : batch_error_json(400, "invalid path"));
		free(path);
	}
	return CF_OK;
}

enum cf_status
batch_read(struct cf_ctx *ctx)
{
	struct json_object *paths = NULL, *res = NULL, *out;
	const char *store = ctx->arg[0];
	enum cf_status st;

	if (ctx->narg != 2 || strcmp(ctx->arg[1], "batch") != 0 ||
	    !secret_store_valid(store) ||
	    !secret_name_listed(ctx->app->cfg.secret_stores, store)) {
		ctx->detail = "the requested resource could not be found.";
		return CF_E_NOT_FOUND;
	}
	if ((st = ctx_read_body(ctx, ctypes_json, 0)) != CF_OK ||
	    (st = batch_body_parse(ctx->req->body, ctx->req->bodylen, &paths,
	         &ctx->detail)) != CF_OK)
		goto out;
	res = jb_object();
	if ((st = batch_answer(ctx, store, paths, res)) != CF_OK)
		goto out;
	out = jb_object();
	jb_set(out, "secrets", json_object_get(res));
	reply_json(ctx->resp, 200, out);
	json_object_put(out);
out:
	json_object_put(res);
	json_object_put(paths);
	return st;
}
