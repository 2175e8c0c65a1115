/* sensu.c: see sensu.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/config.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/reply.h"
#include "crypto/crypto.h"
#include "dialects/sensu.h"
#include "dialects/sensu_selector.h"
#include "identity/acl.h"
#include "vault/secret.h"

static const char *const ctypes_json[] = {"application/json", NULL};

enum sensu_kind { SENSU_SECRET, SENSU_PROVIDER };

/* ---- resources ---- */

static const char *
entry_text(const struct secret *s, const char *key)
{
	const struct secret_entry *e = secret_find(s, key);

	/* secret_set keeps a NUL after every value. */
	return e ? (const char *)e->val : NULL;
}

static struct json_object *
entry_json(const struct secret *s, const char *key)
{
	const char *t = entry_text(s, key);
	struct json_object *o = NULL;

	if (t == NULL || cf_json_parse(t, strlen(t), &o) != CF_OK)
		return NULL;
	return o;
}

/* The wrapped-json resource (docs/apis.md#sensu). */
static struct json_object *
sensu_resource(enum sensu_kind kind, const char *ns, const char *name,
    const struct secret *s)
{
	struct json_object *o = jb_object(), *m, *spec, *x;
	const char *type;

	type = kind == SENSU_SECRET ? "Secret" : entry_text(s, "type");
	jb_set_str(o, "type", type ? type : "");
	jb_set_str(o, "api_version", "secrets/v1");
	m = jb_object();
	jb_set_str(m, "name", name);
	if (ns != NULL)
		jb_set_str(m, "namespace", ns);
	if ((x = entry_json(s, "labels")) != NULL)
		jb_set(m, "labels", x);
	if ((x = entry_json(s, "annotations")) != NULL)
		jb_set(m, "annotations", x);
	if (s->author != NULL)
		jb_set_str(m, "created_by", s->author);
	jb_set(o, "metadata", m);
	if (kind == SENSU_SECRET) {
		spec = jb_object();
		jb_set_str(spec, "id", entry_text(s, "id") ?: "");
		jb_set_str(spec, "provider", entry_text(s, "provider") ?: "");
	} else if ((spec = entry_json(s, "spec")) == NULL)
		spec = jb_object();
	jb_set(o, "spec", spec);
	return o;
}

/* The built-in providers (env is Sensu's own). */
static const struct {
	const char *name;
	const char *type;
} builtin[] = {{"env", "Env"}, {"coffer", "CofferProvider"}};

static struct json_object *
builtin_provider(size_t i)
{
	struct json_object *o = jb_object(), *m;

	jb_set_str(o, "type", builtin[i].type);
	jb_set_str(o, "api_version", "secrets/v1");
	m = jb_object();
	jb_set_str(m, "name", builtin[i].name);
	jb_set(o, "metadata", m);
	jb_set(o, "spec", jb_object());
	return o;
}

static int
builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (!strcmp(builtin[i].name, name))
			return (int)i;
	return -1;
}

/* The value of a field of a rendered resource for fieldSelector. */
static const char *
res_field(struct json_object *r, enum sensu_kind kind, const char *f)
{
	struct json_object *x;
	const char *pfx = kind == SENSU_SECRET ? "secret." : "provider.";
	const char *path[2] = {NULL, NULL};

	if (strncmp(f, pfx, strlen(pfx)) != 0)
		return NULL;
	f += strlen(pfx);
	if (!strcmp(f, "name") || !strcmp(f, "namespace")) {
		path[0] = "metadata";
		path[1] = f;
	} else if (kind == SENSU_SECRET &&
	           (!strcmp(f, "id") || !strcmp(f, "provider"))) {
		path[0] = "spec";
		path[1] = f;
	} else
		return NULL;
	if (!json_object_object_get_ex(r, path[0], &x) ||
	    !json_object_object_get_ex(x, path[1], &x) ||
	    !json_object_is_type(x, json_type_string))
		return NULL;
	return json_object_get_string(x);
}

static const char *
res_label(struct json_object *r, const char *l)
{
	struct json_object *x;

	if (!json_object_object_get_ex(r, "metadata", &x) ||
	    !json_object_object_get_ex(x, "labels", &x) ||
	    !json_object_object_get_ex(x, l, &x) ||
	    !json_object_is_type(x, json_type_string))
		return NULL;
	return json_object_get_string(x);
}

struct sensu_filter {
	struct sensu_selector labels;
	struct sensu_selector fields;
	const struct cf_req
	    *types; /* the request: a providers list reads types= */
};

/* GET /providers?types=Env&types=VaultProvider keeps those types only. */
static int
types_match(const struct cf_req *req, struct json_object *r)
{
	struct json_object *t;
	const char *v;
	size_t i;

	if (req == NULL || http_query(req, "types") == NULL)
		return 1;
	if (!json_object_object_get_ex(r, "type", &t))
		return 0;
	for (i = 0; (v = http_query_nth(req, "types", i)) != NULL; i++)
		if (!strcmp(v, json_object_get_string(t)))
			return 1;
	return 0;
}

static int
filter_match(
    const struct sensu_filter *f, struct json_object *r, enum sensu_kind kind)
{
	size_t i;

	if (kind == SENSU_PROVIDER && !types_match(f->types, r))
		return 0;
	for (i = 0; i < f->labels.n; i++)
		if (!sensu_clause_match(
		        &f->labels.c[i], res_label(r, f->labels.c[i].field)))
			return 0;
	for (i = 0; i < f->fields.n; i++)
		if (!sensu_clause_match(&f->fields.c[i],
		        res_field(r, kind, f->fields.c[i].field)))
			return 0;
	return 1;
}

/* ---- collections ---- */

/*
 * A collection is streamed (http.h), so its size is bounded by the stream's
 * buffer, not by the store.  A page (?limit=) must say in a header whether
 * more follows, and headers leave with the first bytes: so a page is
 * walked twice, first to count (nothing kept but the last name), then to
 * stream the items up to that name.
 */
struct sensu_list {
	const struct sensu_filter *filter;
	enum sensu_kind kind;
	const char *ns; /* NULL: across namespaces (rel is ns/secrets/name) */
	struct cf_resp *resp; /* streaming to it; NULL: counting */
	const char *until;    /* stop after this rel; NULL: no end */
	size_t limit;         /* 0: none */
	size_t n;             /* stored items kept */
	size_t emitted;       /* items written, built-ins included */
	char *last;           /* counting: rel of the last item kept */
	int more;
	int failed;
};

static int
list_emit(struct sensu_list *l, struct json_object *r)
{
	if (http_stream_puts(l->resp, l->emitted++ ? "," : "") != 0 ||
	    reply_json_stream(l->resp, r) != 0)
		l->failed = 1;
	return l->failed;
}

static int
list_one(void *arg, const char *rel, const struct secret *s)
{
	struct sensu_list *l = arg;
	struct json_object *r;
	char ns[CF_MAX_PATH + 1];
	const char *name = rel, *slash;
	int stop = 0;

	if (l->kind == SENSU_SECRET && l->ns == NULL) {
		/* rel = {ns}/secrets/{name} */
		slash = strchr(rel, '/');
		if (slash == NULL || (size_t)(slash - rel) > CF_MAX_PATH ||
		    strncmp(slash, "/secrets/", 9) != 0 ||
		    strchr(slash + 9, '/') != NULL)
			return 0;
		memcpy(ns, rel, (size_t)(slash - rel));
		ns[slash - rel] = '\0';
		name = slash + 9;
	} else if (strchr(rel, '/') != NULL)
		return 0;
	if (l->until != NULL && strcmp(rel, l->until) > 0)
		return 1;
	if (l->limit > 0 && l->n == l->limit) {
		l->more = 1;
		return 1;
	}
	r = sensu_resource(l->kind,
	    l->kind == SENSU_SECRET ? (l->ns ? l->ns : ns) : NULL, name, s);
	if (filter_match(l->filter, r, l->kind)) {
		l->n++;
		if (l->resp != NULL)
			stop = list_emit(l, r);
		else {
			free(l->last);
			stop = (l->last = strdup(rel)) == NULL;
			l->failed |= stop;
		}
	}
	json_object_put(r);
	return stop;
}

/* Every value of a repeated selector parameter joined with " && " into buf
 * (SENSU_MAX_SELECTOR + 1 bytes), as Sensu joins them: repeating a
 * selector ANDs it.  "" when absent; -1 when the whole statement is too
 * long. */
static int
sel_query(const struct cf_req *req, const char *name, char *buf)
{
	const char *v;
	size_t n, len = 0, vl;

	buf[0] = '\0';
	for (n = 0; (v = http_query_nth(req, name, n)) != NULL; n++) {
		vl = strlen(v);
		if (len + (n > 0 ? 4 : 0) + vl > SENSU_MAX_SELECTOR)
			return -1;
		if (n > 0) {
			memcpy(buf + len, " && ", 4);
			len += 4;
		}
		memcpy(buf + len, v, vl);
		len += vl;
		buf[len] = '\0';
	}
	return 0;
}

static enum cf_status
sensu_filter_parse(struct cf_ctx *ctx, struct sensu_filter *f)
{
	char text[SENSU_MAX_SELECTOR + 1];

	f->types = ctx->req;
	if (sel_query(ctx->req, "labelSelector", text) ||
	    sensu_selector_parse(text, &f->labels)) {
		ctx->detail = "failed to parse labelSelector";
		return CF_E_BAD_REQUEST;
	}
	if (sel_query(ctx->req, "fieldSelector", text) ||
	    sensu_selector_parse(text, &f->fields)) {
		ctx->detail = "failed to parse fieldSelector";
		return CF_E_BAD_REQUEST;
	}
	return CF_OK;
}

/* ?continue=: base64url (no padding) of the last name of the page before. */
static enum cf_status
sensu_continue(struct cf_ctx *ctx, char **after)
{
	const char *q = http_query(ctx->req, "continue");
	uint8_t *raw = NULL;
	size_t len = 0, i;

	*after = NULL;
	if (q == NULL || *q == '\0')
		return CF_OK;
	if (strlen(q) > 2 * CF_MAX_PATH ||
	    codec_base64_decode(q, strlen(q), 1, &raw, &len) != 0 || len == 0 ||
	    len > CF_MAX_PATH)
		goto bad;
	for (i = 0; i < len; i++)
		if (raw[i] == '\0' || raw[i] < 0x20 || raw[i] > 0x7e)
			goto bad;
	*after = strndup((char *)raw, len);
	free(raw);
	return *after ? CF_OK : CF_E_INTERNAL;
bad:
	free(raw);
	ctx->detail = "invalid continue token";
	return CF_E_BAD_REQUEST;
}

static enum cf_status
sensu_list_run(struct cf_ctx *ctx, enum sensu_kind kind, const char *ns,
    const char *dir, const char *list_rid)
{
	struct sensu_filter f;
	struct sensu_list l;
	struct json_object *r;
	const char *q;
	char *after = NULL, *tok, *until = NULL;
	size_t i, limit = 0;
	enum cf_status st;

	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	if ((st = acl_check(ctx, list_rid, ACL_READ)) != CF_OK ||
	    (st = sensu_filter_parse(ctx, &f)) != CF_OK ||
	    (st = sensu_continue(ctx, &after)) != CF_OK)
		goto out;
	/* Sensu: a limit that is not a number is no limit. */
	q = http_query(ctx->req, "limit");
	if (q != NULL && http_parse_size(q, 100000, &limit) != 0)
		limit = 0;
	l.filter = &f;
	l.kind = kind;
	l.ns = ns;
	l.limit = limit;
	if (limit > 0) {
		st = secret_iter(
		    ctx->app->vault, SENSU_STORE, dir, after, list_one, &l);
		if (st == CF_OK && l.failed)
			st = CF_E_INTERNAL;
		if (st != CF_OK)
			goto out;
		until = l.last;
		l.last = NULL;
		if (l.more && until != NULL) {
			tok = codec_base64_encode(until, strlen(until), 1);
			if (tok == NULL) {
				st = CF_E_INTERNAL;
				goto out;
			}
			http_resp_header(ctx->resp, "Sensu-Continue", tok);
			free(tok);
		}
		l.limit = 0;
		l.n = 0;
	}
	http_stream_begin(ctx->resp, ctx->fcgi, 200, "application/json");
	l.resp = ctx->resp;
	l.until = until;
	st = CF_E_INTERNAL;
	if (http_stream_puts(ctx->resp, "[") != 0)
		goto out;
	/* The built-in providers come first, on the first page. */
	for (i = 0; kind == SENSU_PROVIDER && after == NULL &&
	            i < sizeof(builtin) / sizeof(builtin[0]);
	     i++) {
		r = builtin_provider(i);
		if (filter_match(&f, r, kind))
			list_emit(&l, r);
		json_object_put(r);
	}
	/* A page whose count found nothing stored streams nothing stored. */
	if (!l.failed && (limit == 0 || until != NULL))
		st = secret_iter(
		    ctx->app->vault, SENSU_STORE, dir, after, list_one, &l);
	else
		st = CF_OK;
	if (st == CF_OK && (l.failed || http_stream_puts(ctx->resp, "]") != 0))
		st = CF_E_INTERNAL;
out:
	free(l.last);
	free(until);
	free(after);
	sensu_selector_free(&f.labels);
	sensu_selector_free(&f.fields);
	return st;
}

/* ---- single resources ---- */

static int
sensu_name_valid(const char *s)
{
	return secret_store_valid(s); /* [A-Za-z0-9._-], 1-64 bytes */
}

static enum cf_status
sensu_ns(struct cf_ctx *ctx, const char *ns)
{
	if (!sensu_name_valid(ns) ||
	    !secret_name_listed(ctx->app->cfg.sensu_namespaces, ns)) {
		ctx->detail = "not found";
		return CF_E_NOT_FOUND;
	}
	return CF_OK;
}

static int
string_map(struct json_object *o)
{
	json_object_object_foreach(o, k, v)
	{
		(void)k;
		if (!json_object_is_type(v, json_type_string))
			return 0;
	}
	return 1;
}

static enum cf_status
set_json_entry(struct secret *s, const char *key, struct json_object *o)
{
	const char *t =
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	return secret_set(s, key, t, strlen(t)) ? CF_E_INTERNAL : CF_OK;
}

/* A coffer provider id "path#key", split at its last '#': *path (malloc'd)
 * a valid secret path of the store "default" (secret_path_join's rules: no
 * empty, "." or ".." segment), *key (in id) not empty.  CF_E_BAD_REQUEST
 * otherwise. */
static enum cf_status
coffer_id_split(const char *id, char **path, const char **key)
{
	char buf[CF_MAX_PATH + 1], *segs[CF_MAX_SEGMENTS + 1], *p = buf;
	const char *hash = strrchr(id, '#');
	size_t n = 0, len;
	enum cf_status st;

	*path = NULL;
	if (hash == NULL || hash[1] == '\0' ||
	    (len = (size_t)(hash - id)) == 0 || len > CF_MAX_PATH)
		return CF_E_BAD_REQUEST;
	memcpy(buf, id, len);
	buf[len] = '\0';
	while (p != NULL && n <= CF_MAX_SEGMENTS)
		segs[n++] = strsep(&p, "/");
	if (p != NULL)
		return CF_E_BAD_REQUEST;
	st = secret_path_join(segs, n, path);
	if (st == CF_E_BAD_PATH)
		return CF_E_BAD_REQUEST;
	*key = hash + 1;
	return st;
}

static enum cf_status
coffer_id_check(const char *id)
{
	const char *key;
	char *path = NULL;
	enum cf_status st = coffer_id_split(id, &path, &key);

	free(path);
	return st;
}

/* As Sensu's checkMeta (docs/apis.md#sensu): the body's name must be the
 * URL's, and its namespace, when given, the URL's. */
enum cf_status
sensu_body_parse(const uint8_t *body, size_t blen, int provider, const char *ns,
    const char *name, struct secret *s, const char **detail)
{
	static const char *const top[] = {
	    "type", "api_version", "metadata", "spec", NULL};
	static const char *const meta[] = {
	    "name", "namespace", "labels", "annotations", "created_by", NULL};
	struct json_object *o = NULL, *m, *spec, *x;
	const char *str, *id = NULL, *prov = NULL;
	size_t len, idlen = 0, provlen = 0;
	enum sensu_kind kind = provider ? SENSU_PROVIDER : SENSU_SECRET;
	enum cf_status st;

	if ((st = cf_json_parse(body, blen, &o)) != CF_OK) {
		*detail = "invalid argument(s) received";
		goto out;
	}
	st = CF_E_BAD_REQUEST;
	*detail = "invalid argument(s) received";
	if (cf_json_only(o, top) != CF_OK ||
	    cf_json_object(o, "metadata", &m) != CF_OK ||
	    cf_json_only(m, meta) != CF_OK ||
	    cf_json_object(o, "spec", &spec) != CF_OK)
		goto out;
	if (cf_json_string(o, "api_version", &str, &len) == CF_OK &&
	    strcmp(str, "secrets/v1") != 0)
		goto out;
	if (cf_json_string(m, "name", &str, &len) != CF_OK ||
	    strcmp(str, name) != 0) {
		*detail = "the name of the resource does not match the "
		          "name of the URI";
		goto out;
	}
	if (kind == SENSU_SECRET &&
	    cf_json_string(m, "namespace", &str, &len) == CF_OK && len > 0 &&
	    strcmp(str, ns) != 0) {
		*detail = "the namespace of the resource does not match "
		          "the namespace of the URI";
		goto out;
	}
	if ((cf_json_object(m, "labels", &x) == CF_OK &&
	        (!string_map(x) || set_json_entry(s, "labels", x))) ||
	    (cf_json_object(m, "annotations", &x) == CF_OK &&
	        (!string_map(x) || set_json_entry(s, "annotations", x))))
		goto out;
	if (kind == SENSU_PROVIDER) {
		if (cf_json_string(o, "type", &str, &len) != CF_OK ||
		    len == 0 || !strcmp(str, "Secret") ||
		    secret_set(s, "type", str, len) ||
		    set_json_entry(s, "spec", spec))
			goto out;
		st = CF_OK;
		goto out;
	}
	if ((cf_json_string(o, "type", &str, &len) == CF_OK &&
	        strcmp(str, "Secret") != 0) ||
	    cf_json_string(spec, "id", &id, &idlen) != CF_OK || idlen == 0 ||
	    cf_json_string(spec, "provider", &prov, &provlen) != CF_OK ||
	    provlen == 0) {
		*detail = "spec.id and spec.provider are required";
		goto out;
	}
	if (!strcmp(prov, "coffer") && coffer_id_check(id) != CF_OK) {
		*detail = "a coffer secret id is path#key";
		goto out;
	}
	/* A provider that does not exist is no error: Sensu stores the
	 * Secret (handlers/update.go validates only the resource itself) and
	 * finds the provider when a check resolves it. */
	if (secret_set(s, "id", id, idlen) ||
	    secret_set(s, "provider", prov, provlen))
		goto out;
	/* The write's own failure (a full disk) must not read as ours. */
	*detail = NULL;
	st = CF_OK;
out:
	json_object_put(o);
	return st;
}

static enum cf_status
sensu_parse(struct cf_ctx *ctx, enum sensu_kind kind, const char *ns,
    const char *name, struct secret *s)
{
	return sensu_body_parse(ctx->req->body, ctx->req->bodylen,
	    kind == SENSU_PROVIDER, ns, name, s, &ctx->detail);
}

static enum cf_status
sensu_rid(struct cf_ctx *ctx, const char *path, enum acl_action a)
{
	char rid[ACL_SECRET_RID_MAX];

	acl_secret_rid(rid, 0, SENSU_STORE, path);
	return acl_check(ctx, rid, a);
}

static enum cf_status
sensu_one(
    struct cf_ctx *ctx, enum sensu_kind kind, const char *ns, const char *name)
{
	struct json_object *r;
	struct secret *s = NULL, *cur = NULL;
	char path[CF_MAX_PATH + 1];
	enum acl_action action;
	enum cf_status st;
	int b;

	if (!sensu_name_valid(name)) {
		/* Nothing can have that name: a GET or DELETE finds nothing,
		 * and a PUT fails validation (Sensu's InvalidArgument). */
		if (ctx->req->method == HTTP_PUT) {
			ctx->detail = "invalid argument(s) received";
			return CF_E_BAD_REQUEST;
		}
		ctx->detail = "not found";
		return CF_E_NOT_FOUND;
	}
	if (kind == SENSU_SECRET)
		snprintf(
		    path, sizeof(path), "namespaces/%s/secrets/%s", ns, name);
	else
		snprintf(path, sizeof(path), "providers/%s", name);
	b = kind == SENSU_PROVIDER ? builtin_find(name) : -1;
	switch (ctx->req->method) {
	case HTTP_GET:
		if ((st = sensu_rid(ctx, path, ACL_READ)) != CF_OK)
			return st;
		if (b >= 0) {
			r = builtin_provider((size_t)b);
			goto render;
		}
		st = secret_get(ctx->app->vault, SENSU_STORE, path, 0, &s);
		if (st == CF_E_NOT_FOUND)
			ctx->detail = "not found";
		if (st != CF_OK)
			return st;
		r = sensu_resource(kind, ns, name, s);
		secret_free(s);
	render:
		reply_json(ctx->resp, 200, r);
		json_object_put(r);
		return CF_OK;
	case HTTP_DELETE:
		if ((st = sensu_rid(ctx, path, ACL_DELETE)) != CF_OK)
			return st;
		if (b >= 0) {
			ctx->detail =
			    "the built-in providers cannot be removed";
			return CF_E_BAD_REQUEST;
		}
		st = secret_delete(ctx->app->vault, SENSU_STORE, path,
		    ctx->app->cfg.versions_kept);
		if (st == CF_E_NOT_FOUND)
			ctx->detail = "not found";
		if (st == CF_OK)
			http_resp_status(ctx->resp, 204);
		return st;
	default:
		break;
	}
	/* PUT: create or update. */
	st = secret_get(ctx->app->vault, SENSU_STORE, path, 0, &cur);
	secret_free(cur);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		return st;
	action = st == CF_OK ? ACL_UPDATE : ACL_CREATE;
	if ((st = sensu_rid(ctx, path, action)) != CF_OK)
		return st;
	if (b >= 0) {
		ctx->detail = "the built-in providers cannot be altered";
		return CF_E_BAD_REQUEST;
	}
	if ((st = ctx_read_body(ctx, ctypes_json, 1)) != CF_OK)
		return st;
	if ((s = secret_new()) == NULL)
		return CF_E_INTERNAL;
	if ((st = sensu_parse(ctx, kind, ns, name, s)) == CF_OK &&
	    (s->author = strdup(ctx->subject.uid)) == NULL)
		st = CF_E_INTERNAL;
	if (st == CF_OK)
		st = secret_write(ctx->app->vault, SENSU_STORE, path,
		    SECRET_UPSERT, s, ctx->app->cfg.versions_kept, NULL);
	/* Sensu 6.x answers every PUT 201 with no body. */
	if (st == CF_OK)
		http_resp_status(ctx->resp, 201);
	secret_free(s);
	return st;
}

static enum cf_status
sensu_method(struct cf_ctx *ctx, unsigned allowed)
{
	char buf[64];

	if (ctx->req->method & allowed)
		return CF_OK;
	http_resp_header(
	    ctx->resp, "Allow", http_method_allow(allowed, buf, sizeof(buf)));
	return CF_E_METHOD;
}

enum cf_status
sensu_dispatch(struct cf_ctx *ctx)
{
	const unsigned crud = HTTP_GET | HTTP_PUT | HTTP_DELETE;
	char **a = ctx->arg, rid[ACL_SECRET_RID_MAX], dir[CF_MAX_PATH + 1];
	size_t n = ctx->narg;
	enum cf_status st;

	if (n == 1 && !strcmp(a[0], "secrets")) {
		if ((st = sensu_method(ctx, HTTP_GET)) != CF_OK)
			return st;
		return sensu_list_run(ctx, SENSU_SECRET, NULL, "namespaces",
		    "dcos:secrets:list:" SENSU_STORE ":/namespaces");
	}
	if (n == 1 && !strcmp(a[0], "providers")) {
		if ((st = sensu_method(ctx, HTTP_GET)) != CF_OK)
			return st;
		return sensu_list_run(ctx, SENSU_PROVIDER, NULL, "providers",
		    "dcos:secrets:list:" SENSU_STORE ":/providers");
	}
	if (n == 2 && !strcmp(a[0], "providers")) {
		if ((st = sensu_method(ctx, crud)) != CF_OK)
			return st;
		return sensu_one(ctx, SENSU_PROVIDER, NULL, a[1]);
	}
	if ((n == 3 || n == 4) && !strcmp(a[0], "namespaces") &&
	    !strcmp(a[2], "secrets")) {
		if ((st = sensu_method(ctx, n == 3 ? HTTP_GET : crud)) !=
		        CF_OK ||
		    (st = sensu_ns(ctx, a[1])) != CF_OK)
			return st;
		if (n == 4)
			return sensu_one(ctx, SENSU_SECRET, a[1], a[3]);
		snprintf(dir, sizeof(dir), "namespaces/%s", a[1]);
		acl_secret_rid(rid, 1, SENSU_STORE, dir);
		snprintf(dir, sizeof(dir), "namespaces/%s/secrets", a[1]);
		return sensu_list_run(ctx, SENSU_SECRET, a[1], dir, rid);
	}
	ctx->detail = "not found";
	return CF_E_NOT_FOUND;
}

enum cf_status
sensu_coffer_resolve(
    struct vault *v, const char *id, uint8_t **val, size_t *len)
{
	const struct secret_entry *e;
	struct secret *s = NULL;
	const char *key;
	char *path = NULL;
	enum cf_status st;

	if ((st = coffer_id_split(id, &path, &key)) != CF_OK)
		return st;
	if ((st = secret_get(v, "default", path, 0, &s)) != CF_OK)
		goto out;
	if ((e = secret_find(s, key)) == NULL) {
		st = CF_E_NOT_FOUND;
		goto out;
	}
	if ((*val = malloc(e->len + 1)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	memcpy(*val, e->val, e->len + 1);
	*len = e->len;
out:
	secret_free(s);
	free(path);
	return st;
}
