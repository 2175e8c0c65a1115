/*
 * secrets: single-secret CRUD and the store's seal lifecycle, in the DC/OS
 * Secrets dialect (/secrets/v1/...) and the path dialect
 * (/api/v1/secrets/{path}).  A thin router: parse, authorize, call
 * common/, render.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "app/app.h"
#include "base/codec.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/reply.h"
#include "ca/pki.h"
#include "crypto/crypto.h"
#include "dialects/dapr.h"
#include "dialects/dialect_body.h"
#include "dialects/sensu.h"
#include "identity/acl.h"
#include "identity/iam.h"
#include "vault/secret.h"
#include "vault/unsealgate.h"
#include "vault/vault.h"

#define DEFAULT_STORE       "default"
#define UNSEAL_RETRY_DIGITS 16 /* a Retry-After in seconds, and its NUL */

static const char *const ctypes_json[] = {"application/json", NULL};
static const char *const ctypes_secret[] = {
    "application/json", "application/octet-stream", NULL};

/* Only the default store exists, as in DC/OS. */
static enum cf_status
store_arg(struct cf_ctx *ctx, const char **store)
{
	if (ctx->narg < 1 || strcmp(ctx->arg[0], DEFAULT_STORE) != 0) {
		ctx->detail = "store not found";
		return CF_E_NOT_FOUND;
	}
	*store = ctx->arg[0];
	return CF_OK;
}

static enum cf_status
rid_for(struct cf_ctx *ctx, const char *kind, const char *store,
    const char *path, enum acl_action action)
{
	char rid[CF_MAX_PATH + 64];

	snprintf(rid, sizeof(rid), "dcos:secrets:%s%s:/%s", kind, store, path);
	return acl_check(ctx, rid, action);
}

static enum cf_status
read_json(struct cf_ctx *ctx, size_t limit, struct json_object **o)
{
	enum cf_status st;

	st = http_read_body(ctx->req, ctx->fcgi, limit, ctypes_json, 1);
	if (st != CF_OK)
		return st;
	return cf_json_parse(ctx->req->body, ctx->req->bodylen, o);
}

/* ---- seal lifecycle ---- */

static void
render_status(struct cf_ctx *ctx, const struct vault_status *vs)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(
	    o, "sealed", json_object_new_boolean(vs->sealed));
	json_object_object_add(
	    o, "shares", json_object_new_int((int)vs->shares));
	json_object_object_add(
	    o, "threshold", json_object_new_int((int)vs->threshold));
	json_object_object_add(
	    o, "progress", json_object_new_int((int)vs->progress));
	/* A damaged store is not merely sealed, and a journal that cannot
	 * be folded is worth an alert.  The body is the DC/OS SealStatus,
	 * which admits no other member, so both go in headers of Coffer's
	 * own. */
	http_resp_header(
	    ctx->resp, "Coffer-Store-Health", vs->damaged ? "damaged" : "ok");
	http_resp_header(ctx->resp, "Coffer-Checkpoint",
	    vs->disk_full ? "blocked: disk full" : "ok");
	/* A store several hosts share: which of them are unsealed ("none":
	 * a server may drop a header with no value). */
	if (vs->shared)
		http_resp_header(ctx->resp, "Coffer-Unsealed-Hosts",
		    vs->unsealed_hosts[0] != '\0' ? vs->unsealed_hosts
		                                  : "none");
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
}

static enum cf_status
h_ping(struct cf_ctx *ctx)
{
	http_resp_body(ctx->resp, "text/plain", "pong", 4);
	return CF_OK;
}

static enum cf_status
h_init_get(struct cf_ctx *ctx)
{
	struct vault_status vs;
	struct json_object *o;
	const char *store;
	enum cf_status st;

	if ((st = store_arg(ctx, &store)) != CF_OK ||
	    (st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		return st;
	o = json_object_new_object();
	json_object_object_add(
	    o, "initialized", json_object_new_boolean(vs.initialized));
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}

static struct json_object *
string_array(char **v, unsigned n)
{
	struct json_object *a = json_object_new_array();
	unsigned i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static const char bad_ca_key[] = "ca_key must be one of ecdsa-256, "
                                 "ecdsa-384, ecdsa-521, rsa-2048, "
                                 "rsa-3072, rsa-4096, ed25519";

static enum cf_status
h_init_put(struct cf_ctx *ctx)
{
	static const char *const fields[] = {
	    "shares", "threshold", "pgp_keys", "ca_key", NULL};
	struct vault_init_result r;
	struct vault_seed ca[PKI_CA_SEEDS];
	struct vault_status vs;
	struct json_object *o = NULL, *out, *pgp;
	const char *store, *algo = NULL;
	char algobuf[16], *root_token = NULL;
	size_t algolen;
	int64_t n, t;
	enum cf_status st;

	memset(&r, 0, sizeof(r));
	memset(ca, 0, sizeof(ca));
	if ((st = store_arg(ctx, &store)) != CF_OK ||
	    (st = read_json(ctx, CF_MAX_BODY_SMALL, &o)) != CF_OK)
		goto out;
	if ((st = cf_json_only(o, fields)) != CF_OK ||
	    (st = cf_json_int(o, "shares", 1, CF_MAX_SHARES, &n)) != CF_OK ||
	    (st = cf_json_int(o, "threshold", 1, CF_MAX_SHARES, &t)) != CF_OK) {
		ctx->detail = "shares and threshold (1-255) are required";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	st = cf_json_array(o, "pgp_keys", &pgp);
	if (st == CF_E_BAD_JSON ||
	    (st == CF_OK && json_object_array_length(pgp) != 0)) {
		ctx->detail = "pgp_keys are not supported";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	/* Coffer's own member: the CA's key algorithm, else the config's. */
	st = cf_json_string(o, "ca_key", &algo, &algolen);
	if (st == CF_E_BAD_JSON ||
	    (st == CF_OK && algolen >= sizeof(algobuf))) {
		ctx->detail = bad_ca_key;
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if (st == CF_OK) {
		memcpy(algobuf, algo, algolen);
		algobuf[algolen] = '\0';
		algo = algobuf;
	} else
		algo = NULL;
	if (t > n || (n > 1 && t < 2)) {
		ctx->detail =
		    "threshold must be at most shares, and at least 2 "
		    "when shares > 1";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	/* The CA is made with the store (pki.h), in init's commit; not
	 * for a store that has one already, as its key takes a while. */
	if ((st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		goto out;
	if (vs.initialized) {
		ctx->detail = "the store is already initialized";
		st = CF_E_ALREADY_INIT;
		goto out;
	}
	if ((st = pki_ca_new(algo, ca)) == CF_E_BAD_REQUEST)
		ctx->detail = bad_ca_key;
	if (st != CF_OK)
		goto out;
	st = iam_init(ctx->app->vault, (unsigned)n, (unsigned)t,
	    ctx->app->cfg.token_lifetime, ca, PKI_CA_SEEDS, &r, &root_token);
	if (st == CF_E_ALREADY_INIT)
		ctx->detail = "the store is already initialized";
	if (st != CF_OK)
		goto out;
	out = json_object_new_object();
	json_object_object_add(out, "initialized", json_object_new_boolean(1));
	json_object_object_add(
	    out, "keys", string_array(r.shares_hex, r.nshares));
	json_object_object_add(
	    out, "root_token", json_object_new_string(root_token));
	reply_json(ctx->resp, 200, out);
	json_object_put(out);
out:
	pki_ca_seeds_free(ca);
	vault_init_result_free(&r);
	if (root_token != NULL)
		crypto_wipe(root_token, strlen(root_token));
	free(root_token);
	json_object_put(o);
	return st;
}

static enum cf_status
h_seal_status(struct cf_ctx *ctx)
{
	struct vault_status vs;
	const char *store;
	enum cf_status st;

	if ((st = store_arg(ctx, &store)) != CF_OK ||
	    (st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		return st;
	if (!vs.initialized)
		return CF_E_NOT_INIT;
	render_status(ctx, &vs);
	return CF_OK;
}

static const char *
unseal_addr(struct cf_ctx *ctx)
{
	const char *addr = http_param(ctx->req, "REMOTE_ADDR");

	return addr != NULL ? addr : "";
}

/* Too soon after failed attempts: 429 with the seconds left, at once. */
static enum cf_status
unseal_gate(struct cf_ctx *ctx)
{
	char retry[UNSEAL_RETRY_DIGITS];
	unsigned wait;

	wait = unsealgate_wait(
	    ctx->app->cfg.store, unseal_addr(ctx), (int64_t)time(NULL));
	if (wait == 0)
		return CF_OK;
	snprintf(retry, sizeof(retry), "%u", wait);
	http_resp_header(ctx->resp, "Retry-After", retry);
	ctx->detail = "too many failed unseal attempts; retry later";
	return CF_E_TOO_MANY;
}

static enum cf_status
h_unseal(struct cf_ctx *ctx)
{
	static const char *const fields[] = {"key", NULL};
	struct vault_status vs = {0};
	struct json_object *o = NULL;
	const char *store, *key;
	size_t len;
	enum cf_status st;

	if ((st = store_arg(ctx, &store)) != CF_OK ||
	    (st = read_json(ctx, CF_MAX_BODY_SMALL, &o)) != CF_OK)
		goto out;
	if ((st = cf_json_only(o, fields)) != CF_OK ||
	    (st = cf_json_string(o, "key", &key, &len)) != CF_OK) {
		ctx->detail = "a key share is required";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if ((st = unseal_gate(ctx)) != CF_OK)
		goto out;
	st = vault_unseal(ctx->app->vault, key, len, &vs);
	ctx->detail = vs.refused;
	if (st == CF_E_BAD_REQUEST || st == CF_E_CONFLICT)
		unsealgate_fail(
		    ctx->app->cfg.store, unseal_addr(ctx), (int64_t)time(NULL));
	if (st == CF_OK && !vs.sealed)
		unsealgate_clear(ctx->app->cfg.store);
	if (st == CF_OK)
		render_status(ctx, &vs);
out:
	json_object_put(o);
	return st;
}

/* The store could not decide who the caller is or what they may do: a
 * record failed to open, or this worker cannot derive the keys. */
static int
seal_undecided(enum cf_status st)
{
	return st == CF_E_INTERNAL || st == CF_E_CRYPTO || st == CF_E_SEALED;
}

/*
 * Seal is the emergency brake, so it must work whatever state the store
 * is in; the route is public and sealed-ok so that it authenticates here.
 * A superuser seals as always.  When the store cannot decide, a token its
 * key verifies is enough: sealing is the closed state, and a damaged
 * store is when the brake is wanted.  Any other caller is refused.
 */
static enum cf_status
seal_allowed(struct cf_ctx *ctx)
{
	enum cf_status st;

	if ((st = acl_authenticate(ctx)) == CF_OK)
		st = acl_check(ctx, "dcos:superuser", ACL_FULL);
	if (!seal_undecided(st) || !acl_token_verified(ctx))
		return st;
	lwarnx("seal by %s, whose rights the store cannot check (%s)",
	    ctx->subject.uid, errors_name(st));
	snprintf(ctx->rid, sizeof(ctx->rid), "dcos:superuser");
	ctx->action = acl_action_name(ACL_FULL);
	ctx->allowed = 1;
	return CF_OK;
}

static enum cf_status
h_seal(struct cf_ctx *ctx)
{
	struct vault_status vs;
	const char *store;
	enum cf_status st;

	if ((st = store_arg(ctx, &store)) != CF_OK ||
	    (st = seal_allowed(ctx)) != CF_OK ||
	    (st = vault_seal(ctx->app->vault)) != CF_OK ||
	    (st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		return st;
	render_status(ctx, &vs);
	return CF_OK;
}

/* ---- DC/OS secrets ---- */

static enum cf_status
secret_path(struct cf_ctx *ctx, size_t first, char **path)
{
	enum cf_status st;

	st = secret_path_join(ctx->arg + first, ctx->narg - first, path);
	if (st == CF_E_BAD_PATH)
		ctx->detail = "invalid secret path";
	return st;
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
	struct json_object *o = json_object_new_string(rel);

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

	if (ctx->narg > 1 && (st = secret_path(ctx, 1, &path)) != CF_OK)
		return st;
	if ((st = rid_for(ctx, "list:", store, path ? path : "", ACL_READ)) !=
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

/* The DC/OS view of the map: key "value", or the whole map as JSON text
 * when the secret was written with other keys (path or Dapr dialects). */
static struct json_object *
dcos_value(const struct secret *s)
{
	const struct secret_entry *e = secret_find(s, "value");
	struct json_object *m, *v;
	size_t i;

	if (e != NULL)
		return cf_json_new_string(e->val, e->len);
	m = json_object_new_object();
	for (i = 0; i < s->n; i++)
		json_object_object_add(m, s->e[i].key,
		    cf_json_new_string(s->e[i].val, s->e[i].len));
	v = json_object_new_string(
	    json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	json_object_put(m);
	return v;
}

static enum cf_status
dcos_render(struct cf_ctx *ctx, const struct secret *s)
{
	const struct secret_entry *e = secret_find(s, "value");
	struct json_object *o;
	int json, bin;
	char ts[32];

	json = http_accepts(ctx->req, "application/json");
	bin = http_accepts(ctx->req, "application/octet-stream");
	/* Without a preference the secret comes back as it was stored. */
	if (bin && (!json || s->binary)) {
		http_resp_body(ctx->resp, "application/octet-stream",
		    e ? (const void *)e->val : "", e ? e->len : 0);
		return CF_OK;
	}
	if (!json || s->binary || (e && !codec_utf8_valid(e->val, e->len))) {
		ctx->detail = "Unsupported Accept header";
		return CF_E_BAD_ACCEPT;
	}
	o = json_object_new_object();
	json_object_object_add(o, "value", dcos_value(s));
	if (s->author)
		json_object_object_add(
		    o, "author", json_object_new_string(s->author));
	secret_time(s->created, ts, sizeof(ts));
	json_object_object_add(o, "created", json_object_new_string(ts));
	if (s->description)
		json_object_object_add(
		    o, "description", json_object_new_string(s->description));
	if (s->labels)
		json_object_object_add(o, "labels", json_object_get(s->labels));
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}

static enum cf_status
h_dcos_get(struct cf_ctx *ctx)
{
	struct secret *s = NULL;
	const char *store, *list;
	char *path = NULL;
	enum cf_status st;

	if ((st = store_arg(ctx, &store)) != CF_OK)
		return st;
	list = http_query(ctx->req, "list");
	if (list != NULL && !strcmp(list, "true"))
		return dcos_list(ctx, store);
	if (ctx->narg < 2) {
		ctx->detail = "secret not found";
		return CF_E_NOT_FOUND;
	}
	if ((st = secret_path(ctx, 1, &path)) != CF_OK ||
	    (st = rid_for(ctx, "", store, path, ACL_READ)) != CF_OK)
		goto out;
	st = secret_get(ctx->app->vault, store, path, 0, &s);
	if (st == CF_E_NOT_FOUND)
		ctx->detail = "secret not found";
	if (st == CF_OK)
		st = dcos_render(ctx, s);
out:
	secret_free(s);
	free(path);
	return st;
}

/* A DC/OS Secret body (common/dialects/dialect_body.c). */
static enum cf_status
dcos_parse(struct cf_ctx *ctx, struct secret *s)
{
	return dcos_body_parse(ctx->req->body, ctx->req->bodylen,
	    http_ctype_is(ctx->req, "application/octet-stream"), s,
	    &ctx->detail);
}

static enum cf_status
dcos_write(struct cf_ctx *ctx, enum secret_mode mode, enum acl_action action)
{
	struct secret *s = NULL;
	const char *store;
	char *path = NULL;
	enum cf_status st;

	if ((st = store_arg(ctx, &store)) != CF_OK ||
	    (st = secret_path(ctx, 1, &path)) != CF_OK ||
	    (st = rid_for(ctx, "", store, path, action)) != CF_OK ||
	    (st = ctx_read_body(ctx, ctypes_secret, 1)) != CF_OK)
		goto out;
	if ((s = secret_new()) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	s->merge = 1;
	if ((st = dcos_parse(ctx, s)) != CF_OK)
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

static enum cf_status
h_dcos_put(struct cf_ctx *ctx)
{
	return dcos_write(ctx, SECRET_CREATE, ACL_CREATE);
}

static enum cf_status
h_dcos_patch(struct cf_ctx *ctx)
{
	return dcos_write(ctx, SECRET_UPDATE, ACL_UPDATE);
}

static enum cf_status
h_dcos_delete(struct cf_ctx *ctx)
{
	const char *store;
	char *path = NULL;
	enum cf_status st;

	if ((st = store_arg(ctx, &store)) != CF_OK ||
	    (st = secret_path(ctx, 1, &path)) != CF_OK ||
	    (st = rid_for(ctx, "", store, path, ACL_DELETE)) != CF_OK)
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

/* ---- the path dialect: {"data": {...}} ---- */

static enum cf_status
path_render(struct cf_ctx *ctx, const struct secret *s)
{
	struct json_object *o, *d;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!codec_utf8_valid(s->e[i].val, s->e[i].len)) {
			ctx->detail = "the secret holds binary data";
			return CF_E_BAD_ACCEPT;
		}
	}
	o = json_object_new_object();
	d = json_object_new_object();
	for (i = 0; i < s->n; i++)
		json_object_object_add(d, s->e[i].key,
		    cf_json_new_string(s->e[i].val, s->e[i].len));
	json_object_object_add(o, "data", d);
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}

static enum cf_status
h_path_get(struct cf_ctx *ctx)
{
	struct secret *s = NULL;
	char *path = NULL;
	enum cf_status st;

	if ((st = secret_path(ctx, 0, &path)) != CF_OK ||
	    (st = rid_for(ctx, "", DEFAULT_STORE, path, ACL_READ)) != CF_OK)
		goto out;
	if ((st = secret_get(ctx->app->vault, DEFAULT_STORE, path, 0, &s)) ==
	    CF_OK)
		st = path_render(ctx, s);
out:
	secret_free(s);
	free(path);
	return st;
}

static enum cf_status
path_parse(struct cf_ctx *ctx, struct secret *s)
{
	return path_body_parse(
	    ctx->req->body, ctx->req->bodylen, s, &ctx->detail);
}

static enum cf_status
h_path_put(struct cf_ctx *ctx)
{
	struct secret *s = NULL, *cur = NULL;
	char *path = NULL, vbuf[24];
	uint64_t version = 0;
	enum acl_action action = ACL_CREATE;
	enum cf_status st;

	if ((st = secret_path(ctx, 0, &path)) != CF_OK)
		goto out;
	st = secret_get(ctx->app->vault, DEFAULT_STORE, path, 0, &cur);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	if (st == CF_OK)
		action = ACL_UPDATE;
	if ((st = rid_for(ctx, "", DEFAULT_STORE, path, action)) != CF_OK ||
	    (st = ctx_read_body(ctx, ctypes_json, 1)) != CF_OK)
		goto out;
	if ((s = secret_new()) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if ((st = path_parse(ctx, s)) != CF_OK)
		goto out;
	if ((s->author = strdup(ctx->subject.uid)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if ((st = secret_write(ctx->app->vault, DEFAULT_STORE, path,
	         SECRET_UPSERT, s, ctx->app->cfg.versions_kept, &version)) ==
	    CF_OK) {
		/* CrossID's later spec answers {"data":{"version":N}}; the
		 * body stays the secret (the client-go spec), so the new
		 * version travels in a header. */
		snprintf(
		    vbuf, sizeof(vbuf), "%llu", (unsigned long long)version);
		http_resp_header(ctx->resp, "Coffer-Version", vbuf);
		st = path_render(ctx, s);
	}
out:
	secret_free(cur);
	secret_free(s);
	free(path);
	return st;
}

static const struct cf_route routes[] = {
    {{"secrets", "v1", "ping", NULL}, 0, 0, HTTP_GET, CF_D_DCOS,
        ROUTE_PUBLIC | ROUTE_SEALED_OK, h_ping},
    {{"secrets", "v1", "init", NULL}, 1, 1, HTTP_GET, CF_D_DCOS,
        ROUTE_PUBLIC | ROUTE_SEALED_OK, h_init_get},
    {{"secrets", "v1", "init", NULL}, 1, 1, HTTP_PUT, CF_D_DCOS,
        ROUTE_PUBLIC | ROUTE_SEALED_OK, h_init_put},
    {{"secrets", "v1", "seal-status", NULL}, 1, 1, HTTP_GET, CF_D_DCOS,
        ROUTE_PUBLIC | ROUTE_SEALED_OK, h_seal_status},
    {{"secrets", "v1", "unseal", NULL}, 1, 1, HTTP_PUT, CF_D_DCOS,
        ROUTE_PUBLIC | ROUTE_SEALED_OK, h_unseal},
    {{"secrets", "v1", "seal", NULL}, 1, 1, HTTP_PUT, CF_D_DCOS,
        ROUTE_PUBLIC | ROUTE_SEALED_OK, h_seal},
    {{"secrets", "v1", "secret", NULL}, 1, 1 + CF_MAX_SEGMENTS, HTTP_GET,
        CF_D_DCOS, 0, h_dcos_get},
    {{"secrets", "v1", "secret", NULL}, 2, 1 + CF_MAX_SEGMENTS, HTTP_PUT,
        CF_D_DCOS, 0, h_dcos_put},
    {{"secrets", "v1", "secret", NULL}, 2, 1 + CF_MAX_SEGMENTS, HTTP_PATCH,
        CF_D_DCOS, 0, h_dcos_patch},
    {{"secrets", "v1", "secret", NULL}, 2, 1 + CF_MAX_SEGMENTS, HTTP_DELETE,
        CF_D_DCOS, 0, h_dcos_delete},
    {{"api", "v1", "secrets", NULL}, 1, CF_MAX_SEGMENTS, HTTP_GET, CF_D_PATH, 0,
        h_path_get},
    {{"api", "v1", "secrets", NULL}, 1, CF_MAX_SEGMENTS, HTTP_PUT, CF_D_PATH, 0,
        h_path_put},
    /* Dapr: single reads, health and metadata (common/dialects/dapr.c). */
    DAPR_ROUTES,
    /* Sensu: single resources (common/dialects/sensu.c). */
    SENSU_ROUTES,
};

int
main(void)
{
	return app_main("secrets", routes, sizeof(routes) / sizeof(routes[0]));
}
