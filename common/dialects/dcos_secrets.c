/* dcos_secrets.c: see dcos_secrets.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/reply.h"
#include "dialects/dcos_secrets.h"
#include "identity/acl.h"
#include "vault/secret.h"

static const char *const ctypes_secret[] = {
    "application/json", "application/octet-stream", NULL};

/* ---- the pure half: bodies and answers ---- */

static int
labels_valid(struct json_object *a)
{
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++)
		if (!json_object_is_type(
		        json_object_array_get_idx(a, i), json_type_string))
			return 0;
	return 1;
}

enum cf_status
dcos_body_parse(const uint8_t *body, size_t len, int binary, struct secret *s,
    const char **detail)
{
	static const char *const fields[] = {"value", "author", "created",
	    "description", "labels", "path", NULL};
	struct json_object *o = NULL, *labels;
	const char *str;
	size_t slen;
	enum cf_status st;

	if (binary) {
		s->binary = 1;
		return secret_set(s, "value", body, len) ? CF_E_INTERNAL
		                                         : CF_OK;
	}
	if ((st = cf_json_parse(body, len, &o)) != CF_OK)
		goto out;
	st = CF_E_BAD_JSON;
	if (cf_json_only(o, fields) != CF_OK) {
		*detail = "unknown field in secret";
		goto out;
	}
	if (cf_json_string(o, "value", &str, &slen) != CF_OK) {
		*detail = "value must be a string";
		goto out;
	}
	if (secret_set(s, "value", str, slen) != 0) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if (cf_json_string(o, "author", &str, &slen) == CF_E_BAD_JSON ||
	    cf_json_string(o, "path", &str, &slen) == CF_E_BAD_JSON ||
	    cf_json_string(o, "created", &str, &slen) == CF_E_BAD_JSON) {
		*detail = "author, path and created must be strings";
		goto out;
	}
	if (cf_json_string(o, "author", &str, &slen) == CF_OK &&
	    (s->author = strndup(str, slen)) == NULL)
		goto out;
	if ((st = cf_json_string(o, "description", &str, &slen)) ==
	    CF_E_BAD_JSON) {
		*detail = "description must be a string";
		goto out;
	}
	if (st == CF_OK && (s->description = strndup(str, slen)) == NULL)
		goto out;
	st = cf_json_array(o, "labels", &labels);
	if (st == CF_E_BAD_JSON || (st == CF_OK && !labels_valid(labels))) {
		*detail = "labels must be an array of strings";
		st = CF_E_BAD_JSON;
		goto out;
	}
	if (st == CF_OK)
		s->labels = json_object_get(labels);
	st = CF_OK;
out:
	json_object_put(o);
	return st;
}

enum dcos_form
dcos_secret_form(const struct secret *s, int accepts_json, int accepts_bytes)
{
	const struct secret_entry *e = secret_find(s, "value");

	/* Without a preference the secret comes back as it was stored. */
	if (accepts_bytes && (!accepts_json || s->binary))
		return DCOS_FORM_BYTES;
	if (!accepts_json || s->binary ||
	    (e != NULL && !codec_utf8_valid(e->val, e->len)))
		return DCOS_FORM_REFUSED;
	return DCOS_FORM_JSON;
}

const void *
dcos_secret_bytes(const struct secret *s, size_t *len)
{
	const struct secret_entry *e = secret_find(s, "value");

	*len = e != NULL ? e->len : 0;
	return e != NULL ? (const void *)e->val : "";
}

/* The DC/OS view of the map: key "value", or the whole map as JSON text
 * when the secret was written with other keys (path or Dapr dialects). */
static struct json_object *
dcos_value(const struct secret *s)
{
	const struct secret_entry *e = secret_find(s, "value");
	struct json_object *m, *v;

	if (e != NULL)
		return jb_strn(e->val, e->len);
	m = secret_map_json(s);
	v = jb_str(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	json_object_put(m);
	return v;
}

struct json_object *
dcos_secret_json(const struct secret *s)
{
	struct json_object *o = jb_object();
	char ts[32];

	jb_set(o, "value", dcos_value(s));
	if (s->author)
		jb_set_str(o, "author", s->author);
	secret_time(s->created, ts, sizeof(ts));
	jb_set_str(o, "created", ts);
	if (s->description)
		jb_set_str(o, "description", s->description);
	if (s->labels)
		jb_set(o, "labels", json_object_get(s->labels));
	return o;
}

/* ---- the handlers: read, parse, authorize, call the model, render ---- */

enum cf_status
dcos_store_arg(struct cf_ctx *ctx, const char **store)
{
	if (ctx->narg < 1 || strcmp(ctx->arg[0], DCOS_STORE) != 0) {
		ctx->detail = "store not found";
		return CF_E_NOT_FOUND;
	}
	*store = ctx->arg[0];
	return CF_OK;
}

/* The secret's path: the segments after the store. */
static enum cf_status
dcos_path(struct cf_ctx *ctx, char **path)
{
	enum cf_status st;

	st = secret_path_join(ctx->arg + 1, ctx->narg - 1, path);
	if (st == CF_E_BAD_PATH)
		ctx->detail = "invalid secret path";
	return st;
}

static enum cf_status
dcos_check(struct cf_ctx *ctx, int list, const char *store, const char *path,
    enum acl_action action)
{
	char rid[ACL_SECRET_RID_MAX];

	acl_secret_rid(rid, list, store, path);
	return acl_check(ctx, rid, action);
}

struct dcos_listing {
	struct cf_resp *resp;
	size_t n;
	int failed;
};

/* One name of a streamed list; a failed write stops the walk. */
static int
dcos_list_one(void *arg, const char *rel, const struct secret *s)
{
	struct dcos_listing *l = arg;
	struct json_object *o = jb_str(rel);

	(void)s;
	if (http_stream_puts(l->resp, l->n++ ? "," : "") != 0 ||
	    reply_json_stream(l->resp, o) != 0)
		l->failed = 1;
	json_object_put(o);
	return l->failed;
}

/* ?list=true: every secret beneath the folder, recursively, in byte
 * order, streamed (http.h) since a folder may hold the whole store. */
static enum cf_status
dcos_list(struct cf_ctx *ctx, const char *store)
{
	struct dcos_listing l = {ctx->resp, 0, 0};
	char *path = NULL;
	enum cf_status st;

	if (ctx->narg > 1 && (st = dcos_path(ctx, &path)) != CF_OK)
		return st;
	if ((st = dcos_check(ctx, 1, store, path ? path : "", ACL_READ)) !=
	    CF_OK)
		goto out;
	http_stream_begin(ctx->resp, ctx->fcgi, 200, "application/json");
	if (http_stream_puts(ctx->resp, "{\"array\":[") != 0) {
		st = CF_E_INTERNAL;
		goto out;
	}
	st = secret_iter_names(
	    ctx->app->vault, store, path ? path : "", NULL, dcos_list_one, &l);
	if (st == CF_OK && (l.failed || http_stream_puts(ctx->resp, "]}") != 0))
		st = CF_E_INTERNAL;
out:
	free(path);
	return st;
}

static enum cf_status
dcos_reply(struct cf_ctx *ctx, const struct secret *s)
{
	struct json_object *o;
	const void *val;
	size_t len;

	switch (dcos_secret_form(s, http_accepts(ctx->req, "application/json"),
	    http_accepts(ctx->req, "application/octet-stream"))) {
	case DCOS_FORM_BYTES:
		val = dcos_secret_bytes(s, &len);
		http_resp_body(ctx->resp, "application/octet-stream", val, len);
		return CF_OK;
	case DCOS_FORM_REFUSED:
		ctx->detail = "Unsupported Accept header";
		return CF_E_BAD_ACCEPT;
	default:
		o = dcos_secret_json(s);
		reply_json(ctx->resp, 200, o);
		json_object_put(o);
		return CF_OK;
	}
}

enum cf_status
dcos_secret_get(struct cf_ctx *ctx)
{
	struct secret *s = NULL;
	const char *store, *list;
	char *path = NULL;
	enum cf_status st;

	if ((st = dcos_store_arg(ctx, &store)) != CF_OK)
		return st;
	list = http_query(ctx->req, "list");
	if (list != NULL && !strcmp(list, "true"))
		return dcos_list(ctx, store);
	if (ctx->narg < 2) {
		ctx->detail = "secret not found";
		return CF_E_NOT_FOUND;
	}
	if ((st = dcos_path(ctx, &path)) != CF_OK ||
	    (st = dcos_check(ctx, 0, store, path, ACL_READ)) != CF_OK)
		goto out;
	st = secret_get(ctx->app->vault, store, path, 0, &s);
	if (st == CF_E_NOT_FOUND)
		ctx->detail = "secret not found";
	if (st == CF_OK)
		st = dcos_reply(ctx, s);
out:
	secret_free(s);
	free(path);
	return st;
}

void
dcos_secret_hint(struct cf_ctx *ctx)
{
	char *path = NULL;

	if (ctx->narg < 2 || strcmp(ctx->arg[0], DCOS_STORE) != 0 ||
	    http_query(ctx->req, "list") != NULL ||
	    secret_path_join(ctx->arg + 1, ctx->narg - 1, &path) != CF_OK)
		return;
	secret_prefetch(ctx->app->vault, ctx->arg[0], path);
	free(path);
}

static enum cf_status
dcos_write(struct cf_ctx *ctx, enum secret_mode mode, enum acl_action action)
{
	struct secret *s = NULL;
	const char *store;
	char *path = NULL;
	enum cf_status st;

	if ((st = dcos_store_arg(ctx, &store)) != CF_OK ||
	    (st = dcos_path(ctx, &path)) != CF_OK ||
	    (st = dcos_check(ctx, 0, store, path, action)) != CF_OK ||
	    (st = ctx_read_body(ctx, ctypes_secret, 1)) != CF_OK)
		goto out;
	if ((s = secret_new()) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	s->merge = 1;
	if ((st = dcos_body_parse(ctx->req->body, ctx->req->bodylen,
	         http_ctype_is(ctx->req, "application/octet-stream"), s,
	         &ctx->detail)) != CF_OK)
		goto out;
	if (s->author == NULL &&
	    (s->author = strdup(ctx->subject.uid)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	st = secret_write(ctx->app->vault, store, path, mode, s,
	    ctx->app->cfg.versions_kept, NULL);
	if (st == CF_E_CONFLICT)
		ctx->detail = "Secret already exists.";
	else if (st == CF_E_NOT_FOUND)
		ctx->detail = "secret not found";
	else if (st == CF_E_TOO_LARGE)
		ctx->detail = SECRET_KEYS_DETAIL;
	else if (st == CF_OK)
		http_resp_status(ctx->resp, mode == SECRET_CREATE ? 201 : 204);
out:
	secret_free(s);
	free(path);
	return st;
}

enum cf_status
dcos_secret_put(struct cf_ctx *ctx)
{
	return dcos_write(ctx, SECRET_CREATE, ACL_CREATE);
}

enum cf_status
dcos_secret_patch(struct cf_ctx *ctx)
{
	return dcos_write(ctx, SECRET_UPDATE, ACL_UPDATE);
}

enum cf_status
dcos_secret_delete(struct cf_ctx *ctx)
{
	const char *store;
	char *path = NULL;
	enum cf_status st;

	if ((st = dcos_store_arg(ctx, &store)) != CF_OK ||
	    (st = dcos_path(ctx, &path)) != CF_OK ||
	    (st = dcos_check(ctx, 0, store, path, ACL_DELETE)) != CF_OK)
		goto out;
	st = secret_delete(
	    ctx->app->vault, store, path, ctx->app->cfg.versions_kept);
	if (st == CF_E_NOT_FOUND)
		ctx->detail = "secret not found";
	if (st == CF_OK)
		http_resp_status(ctx->resp, 204);
out:
	free(path);
	return st;
}
