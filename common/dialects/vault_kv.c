/* vault_kv.c: see vault_kv.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "base/reply.h"
#include "crypto/crypto.h"
#include "dialects/dcos_seal.h"
#include "dialects/vault_kv.h"
#include "identity/acl.h"
#include "vault/secret.h"
#include "vault/vault.h"

/* Vault takes any Content-Type on a write (curl -d sends a form's). */
static const char *const ctypes_write[] = {
    "application/json", "application/x-www-form-urlencoded", NULL};
static const char *const ctypes_patch[] = {
    "application/merge-patch+json", NULL};

static const char cas_detail[] =
    "check-and-set parameter did not match the current version";
static const char cas_required_detail[] =
    "check-and-set parameter required for this call";

/* Tries of a write without cas that other writers keep overtaking. */
#define KV_WRITE_TRIES 32

/* What sys/health and sys/seal-status name as the server's version:
 * clients only show it. */
#define VAULT_KV_VERSION "coffer"

/* ---- the pure half: bodies and answers ---- */

static enum cf_status
body_options(struct json_object *o, struct secret *s, const char **detail)
{
	struct json_object *opts;
	int64_t cas;
	enum cf_status st;

	if ((st = cf_json_object(o, "options", &opts)) == CF_E_NOT_FOUND)
		return CF_OK;
	if (st == CF_OK && (st = cf_json_int(opts, "cas", 0, INT64_MAX,
	                        &cas)) == CF_E_NOT_FOUND)
		return CF_OK;
	if (st != CF_OK) {
		*detail = "options.cas must be a version number";
		return CF_E_BAD_JSON;
	}
	s->cas = 1;
	s->cas_version = (uint64_t)cas;
	return CF_OK;
}

/* The keys of cur that the patch d does not name. */
static enum cf_status
body_keep(const struct secret *cur, struct json_object *d, struct secret *s)
{
	size_t i;

	for (i = 0; i < cur->n; i++) {
		if (json_object_object_get_ex(d, cur->e[i].key, NULL))
			continue;
		if (secret_add(s, cur->e[i].key, cur->e[i].val, cur->e[i].len))
			return CF_E_INTERNAL;
	}
	return CF_OK;
}

enum cf_status
vault_kv_body_parse(const uint8_t *body, size_t len, const struct secret *cur,
    struct secret *s, const char **detail)
{
	struct json_object *o = NULL, *d;
	enum cf_status st;

	if ((st = cf_json_parse(body, len, &o)) != CF_OK) {
		*detail = "failed to parse JSON input";
		goto out;
	}
	st = CF_E_BAD_JSON;
	if (cf_json_object(o, "data", &d) != CF_OK) {
		*detail = "no data provided";
		goto out;
	}
	if ((st = body_options(o, s, detail)) != CF_OK)
		goto out;
	if (cur != NULL && (st = body_keep(cur, d, s)) != CF_OK)
		goto out;
	st = CF_E_BAD_JSON;
	json_object_object_foreach(d, key, val)
	{
		if (cur != NULL && val == NULL)
			continue; /* RFC 7396: null removes the key */
		if (!json_object_is_type(val, json_type_string) ||
		    *key == '\0') {
			*detail = "data values must be strings";
			goto out;
		}
		if (s->n >= CF_MAX_MAP_KEYS) {
			*detail = SECRET_KEYS_DETAIL;
			st = CF_E_TOO_LARGE;
			goto out;
		}
		/* json-c keeps one member per key, and body_keep took only
		 * keys d does not name: no search needed. */
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

enum cf_status
vault_kv_unseal_parse(const uint8_t *body, size_t len, char **key,
    size_t *keylen, const char **detail)
{
	static const char *const fields[] = {"key", "reset", "migrate", NULL};
	struct json_object *o = NULL;
	const char *k;
	int reset = 0, migrate = 0;
	enum cf_status st;

	*key = NULL;
	*keylen = 0;
	if ((st = cf_json_parse(body, len, &o)) != CF_OK)
		return st;
	st = CF_E_BAD_REQUEST;
	if (cf_json_only(o, fields) != CF_OK ||
	    cf_json_bool(o, "reset", &reset) == CF_E_BAD_JSON ||
	    cf_json_bool(o, "migrate", &migrate) == CF_E_BAD_JSON || reset ||
	    migrate) {
		*detail = "Coffer takes {\"key\": share}; reset and migrate "
		          "are not supported";
		goto out;
	}
	if (cf_json_string(o, "key", &k, keylen) != CF_OK) {
		*detail = "missing required 'key' parameter";
		goto out;
	}
	if ((*key = malloc(*keylen + 1)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	memcpy(*key, k, *keylen);
	(*key)[*keylen] = '\0';
	st = CF_OK;
out:
	json_object_put(o);
	return st;
}

uint64_t
vault_kv_version_arg(const char *s)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 19)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

/* One element of "versions": a number, or its digits as text (Vault's
 * decoder takes both). 0 if it is neither. */
static uint64_t
version_elem(struct json_object *e)
{
	int64_t n;

	if (json_object_is_type(e, json_type_string))
		return vault_kv_version_arg(json_object_get_string(e));
	if (!json_object_is_type(e, json_type_int))
		return 0;
	n = json_object_get_int64(e);
	return n > 0 ? (uint64_t)n : 0;
}

enum cf_status
vault_kv_versions_parse(const uint8_t *body, size_t len, uint64_t **vers,
    size_t *n, const char **detail)
{
	struct json_object *o = NULL, *a;
	uint64_t *out = NULL;
	size_t i, cnt;
	enum cf_status st;

	*vers = NULL;
	*n = 0;
	if ((st = cf_json_parse(body, len, &o)) != CF_OK) {
		*detail = "failed to parse JSON input";
		goto out;
	}
	st = CF_E_BAD_JSON;
	if (cf_json_array(o, "versions", &a) != CF_OK ||
	    (cnt = json_object_array_length(a)) == 0) {
		*detail = "no version number provided";
		goto out;
	}
	if (cnt > CF_MAX_VERSIONS) {
		*detail = "at most " CF_STRING(CF_MAX_VERSIONS) " versions";
		st = CF_E_TOO_LARGE;
		goto out;
	}
	if ((out = calloc(cnt, sizeof(*out))) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		if ((out[i] = version_elem(json_object_array_get_idx(a, i))) ==
		    0) {
			*detail = "versions must be version numbers";
			goto out;
		}
	}
	*vers = out;
	*n = cnt;
	out = NULL;
	st = CF_OK;
out:
	free(out);
	json_object_put(o);
	return st;
}

/* delete_version_after: Coffer expires no version, so only "no
 * expiry" is taken ("0s", "0", "", 0), not a duration it would ignore. */
static int
meta_no_expiry(struct json_object *d)
{
	const char *t;

	if (json_object_is_type(d, json_type_int))
		return json_object_get_int64(d) == 0;
	if (!json_object_is_type(d, json_type_string))
		return 0;
	t = json_object_get_string(d);
	return !strcmp(t, "") || !strcmp(t, "0") || !strcmp(t, "0s");
}

enum cf_status
vault_kv_meta_parse(const uint8_t *body, size_t len, int merge,
    struct secret *m, unsigned *set, const char **detail)
{
	struct json_object *o = NULL, *c, *d;
	int64_t max;
	int cas;
	enum cf_status st;

	*set = 0;
	if ((st = cf_json_parse(body, len, &o)) != CF_OK) {
		*detail = "failed to parse JSON input";
		goto out;
	}
	if ((st = cf_json_int(o, "max_versions", 0, CF_MAX_VERSIONS, &max)) ==
	    CF_OK) {
		m->max_versions = (unsigned)max;
		*set |= SECRET_META_MAX;
	} else if (st != CF_E_NOT_FOUND) {
		*detail = "max_versions must be a number from 0 to " CF_STRING(
		    CF_MAX_VERSIONS);
		st = CF_E_BAD_JSON;
		goto out;
	}
	if ((st = cf_json_bool(o, "cas_required", &cas)) == CF_OK) {
		m->cas_required = cas;
		*set |= SECRET_META_CAS;
	} else if (st != CF_E_NOT_FOUND) {
		*detail = "cas_required must be a boolean";
		goto out;
	}
	if (json_object_object_get_ex(o, "delete_version_after", &d) &&
	    d != NULL && !meta_no_expiry(d)) {
		*detail = "Coffer expires no versions: delete_version_after "
		          "must be \"0s\"";
		st = CF_E_BAD_JSON;
		goto out;
	}
	st = CF_OK;
	if (!json_object_object_get_ex(o, "custom_metadata", &c))
		goto out;
	/* A null map in a write clears it; in a patch it changes nothing. */
	if (c != NULL && (st = secret_meta_valid(c, merge)) != CF_OK) {
		*detail = st == CF_E_TOO_LARGE
		              ? SECRET_META_DETAIL
		              : "custom_metadata must be a map "
		                "of non-empty keys to strings";
		goto out;
	}
	m->custom = c != NULL ? json_object_get(c) : NULL;
	*set |= merge ? SECRET_META_MERGE : SECRET_META_CUSTOM;
out:
	json_object_put(o);
	return st;
}

struct json_object *
vault_kv_version_json(const struct secret *s)
{
	struct json_object *o = jb_object();
	char ts[32];

	/* A version is made when the secret is updated. */
	secret_time(s->updated, ts, sizeof(ts));
	jb_set_str(o, "created_time", ts);
	jb_set(o, "custom_metadata", vault_kv_custom_json(s));
	if (s->deleted != 0)
		secret_time(s->deleted, ts, sizeof(ts));
	jb_set_str(o, "deletion_time", s->deleted != 0 ? ts : "");
	jb_set_bool(o, "destroyed", s->destroyed);
	jb_set_int(o, "version", (int64_t)s->version);
	return o;
}

struct json_object *
vault_kv_custom_json(const struct secret *s)
{
	if (s->custom == NULL || json_object_object_length(s->custom) == 0)
		return jb_null();
	return json_object_get(s->custom);
}

struct json_object *
vault_kv_secret_json(const struct secret *s)
{
	struct json_object *o;

	if (!secret_is_text(s))
		return NULL;
	o = jb_object();
	/* Vault: a deleted or destroyed version's data is null. */
	jb_set(o, "data",
	    s->deleted != 0 || s->destroyed ? jb_null() : secret_map_json(s));
	jb_set(o, "metadata", vault_kv_version_json(s));
	return o;
}

struct json_object *
vault_kv_envelope(const char *request_id, struct json_object *data)
{
	struct json_object *o = jb_object();

	jb_set_str(o, "request_id", request_id);
	jb_set_str(o, "lease_id", "");
	jb_set_bool(o, "renewable", 0);
	jb_set_int(o, "lease_duration", 0);
	jb_set(o, "data", data);
	jb_set(o, "wrap_info", jb_null());
	jb_set(o, "warnings", jb_null());
	jb_set(o, "auth", jb_null());
	return o;
}

/* ---- the handlers: read, parse, authorize, call the model, render ---- */

/* One request's secret: its store and path (path "" for a mount's root,
 * which only a listing takes). */
struct kv_target {
	const char *store;
	char *path;
};

static void
reply_data(struct cf_ctx *ctx, int status, struct json_object *data)
{
	struct json_object *o = vault_kv_envelope(ctx->req->id, data);

	reply_json(ctx->resp, status, o);
	json_object_put(o);
}

static enum cf_status
kv_target(struct cf_ctx *ctx, int root_ok, struct kv_target *t)
{
	const char *mount = ctx->arg[0];
	enum cf_status st;

	t->path = NULL;
	if (!strcmp(mount, VAULT_KV_DEFAULT_MOUNT))
		t->store = VAULT_KV_DEFAULT_STORE;
	else if (secret_name_listed(ctx->app->cfg.secret_stores, mount))
		t->store = mount;
	else {
		ctx->detail = "no handler for route; Coffer's KV mounts are "
		              "\"secret\" and the configured secret_stores";
		return CF_E_NOT_FOUND;
	}
	if (ctx->narg == 2) {
		if (!root_ok)
			return CF_E_NOT_FOUND;
		t->path = strdup("");
		return t->path != NULL ? CF_OK : CF_E_INTERNAL;
	}
	st = secret_path_join(ctx->arg + 2, ctx->narg - 2, &t->path);
	if (st == CF_E_BAD_PATH)
		ctx->detail = "invalid secret path";
	return st;
}

static enum cf_status
kv_check(struct cf_ctx *ctx, const struct kv_target *t, int list,
    enum acl_action action)
{
	char rid[ACL_SECRET_RID_MAX];

	acl_secret_rid(rid, list, t->store, t->path);
	return acl_check(ctx, rid, action);
}

/* The version asked (0: the current) whatever its state, with the
 * secret's custom metadata, which the current record keeps. */
static enum cf_status
kv_get_version(struct cf_ctx *ctx, const struct kv_target *t, uint64_t version,
    struct secret **out)
{
	struct secret *cur = NULL, *s = NULL;
	enum cf_status st;

	if ((st = secret_get_any(
	         ctx->app->vault, t->store, t->path, 0, &cur)) != CF_OK)
		return st;
	if (version == 0 || version == cur->version) {
		*out = cur;
		return CF_OK;
	}
	if ((st = secret_get_any(
	         ctx->app->vault, t->store, t->path, version, &s)) == CF_OK) {
		s->custom = json_object_get(cur->custom);
		*out = s;
	}
	secret_free(cur);
	return st;
}

/* Vault answers a deleted or destroyed version 404 with its metadata
 * and data null. */
static enum cf_status
kv_read(struct cf_ctx *ctx, const struct kv_target *t)
{
	struct json_object *o;
	struct secret *s = NULL;
	const char *q = http_query(ctx->req, "version");
	uint64_t version = 0;
	enum cf_status st;

	if (q != NULL && strcmp(q, "0") != 0 &&
	    (version = vault_kv_version_arg(q)) == 0) {
		ctx->detail = "version must be a number";
		return CF_E_BAD_REQUEST;
	}
	if ((st = kv_check(ctx, t, 0, ACL_READ)) != CF_OK ||
	    (st = kv_get_version(ctx, t, version, &s)) != CF_OK)
		goto out;
	if (s->version == 0) {
		st = CF_E_NOT_FOUND; /* metadata alone, no version yet */
		goto out;
	}
	if ((o = vault_kv_secret_json(s)) == NULL) {
		ctx->detail = "the secret holds binary data";
		st = CF_E_BAD_ACCEPT;
		goto out;
	}
	reply_data(ctx, s->deleted != 0 || s->destroyed ? 404 : 200, o);
out:
	secret_free(s);
	return st;
}

/*
 * A write and a patch: a new version from the body, cur the current one
 * for a patch (NULL for a write).  seen is the record the caller was
 * authorized against (NULL: absent, so create was asked, not update;
 * version 0: metadata alone): the write is made with check-and-set on
 * its version, so that no write in between
 * changes what was authorized (a caller with create alone never
 * overwrites) nor what a patch merged into.  A body's own cas must be
 * seen's, or it would fail in the model anyway; a secret with
 * cas_required takes no write without one (the model decides it, so a
 * metadata write in between is seen).
 */
static enum cf_status
kv_write(struct cf_ctx *ctx, const struct kv_target *t,
    const struct secret *cur, const struct secret *seen, int *raced)
{
	struct secret *s = NULL;
	uint64_t version = 0;
	enum cf_status st;

	*raced = 0;
	if ((s = secret_new()) == NULL)
		return CF_E_INTERNAL;
	if ((st = vault_kv_body_parse(ctx->req->body, ctx->req->bodylen, cur, s,
	         &ctx->detail)) != CF_OK)
		goto out;
	if (s->cas && s->cas_version != (seen ? seen->version : 0)) {
		st = CF_E_CONFLICT;
		goto out;
	}
	s->cas_missing = !s->cas;
	s->cas = 1;
	s->cas_version = seen ? seen->version : 0;
	if ((s->author = strdup(ctx->subject.uid)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	st = secret_write(ctx->app->vault, t->store, t->path, SECRET_UPSERT, s,
	    ctx->app->cfg.versions_kept, &version);
	/* Our own check-and-set, not the client's: a write came in between. */
	*raced = st == CF_E_CONFLICT && s->cas_missing;
	if (st == CF_OK) {
		s->version = version;
		s->updated = (int64_t)time(NULL);
		s->custom = seen ? json_object_get(seen->custom) : NULL;
		reply_data(ctx, 200, vault_kv_version_json(s));
	}
out:
	if (st == CF_E_CONFLICT)
		ctx->detail = cas_detail;
	else if (st == CF_E_BAD_REQUEST)
		ctx->detail = cas_required_detail;
	else if (st == CF_E_TOO_LARGE)
		ctx->detail = SECRET_KEYS_DETAIL;
	secret_free(s);
	return st;
}

/* The body, once: a write that lost a race is made again from it. */
static enum cf_status
kv_body(struct cf_ctx *ctx, const char *const *ctypes, int allow_missing)
{
	if (ctx->req->body != NULL)
		return CF_OK;
	return ctx_read_body(ctx, ctypes, allow_missing);
}

static enum cf_status
kv_put_once(struct cf_ctx *ctx, const struct kv_target *t, int *raced)
{
	struct secret *cur = NULL;
	enum acl_action action = ACL_CREATE;
	enum cf_status st;

	*raced = 0;
	/* A secret whose current version is deleted still exists: a write
	 * over it is an update, numbered after it, as in Vault.  Metadata
	 * alone (version 0) holds no data yet: the first write creates. */
	st = secret_get_any(ctx->app->vault, t->store, t->path, 0, &cur);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	if (st == CF_OK && cur->version != 0)
		action = ACL_UPDATE;
	if ((st = kv_check(ctx, t, 0, action)) == CF_OK &&
	    (st = kv_body(ctx, ctypes_write, 1)) == CF_OK)
		st = kv_write(ctx, t, NULL, cur, raced);
out:
	secret_free(cur);
	return st;
}

static enum cf_status
kv_patch_once(struct cf_ctx *ctx, const struct kv_target *t, int *raced)
{
	struct secret *cur = NULL;
	enum cf_status st;

	*raced = 0;
	if ((st = kv_check(ctx, t, 0, ACL_UPDATE)) != CF_OK ||
	    (st = kv_body(ctx, ctypes_patch, 0)) != CF_OK ||
	    (st = secret_get(ctx->app->vault, t->store, t->path, 0, &cur)) !=
	        CF_OK)
		goto out;
	st = kv_write(ctx, t, cur, cur, raced);
out:
	secret_free(cur);
	return st;
}

/*
 * A write without the client's cas that lost the race to another writer
 * (kv_write's own check-and-set failed) reads, authorizes and merges
 * again: Vault lets the later writer win.  A few tries at most, each
 * audited; the last one's answer stands.
 */
static enum cf_status
kv_put(struct cf_ctx *ctx, const struct kv_target *t)
{
	enum cf_status st;
	int raced = 0, tries = 0;

	do
		st = kv_put_once(ctx, t, &raced);
	while (raced && ++tries < KV_WRITE_TRIES);
	return st;
}

static enum cf_status
kv_patch(struct cf_ctx *ctx, const struct kv_target *t)
{
	enum cf_status st;
	int raced = 0, tries = 0;

	do
		st = kv_patch_once(ctx, t, &raced);
	while (raced && ++tries < KV_WRITE_TRIES);
	return st;
}

struct kv_listing {
	struct json_object *keys;
	char last[CF_MAX_PATH + 2]; /* the last name given, "" at first */
};

/* One secret beneath the folder: its first segment, with "/" when the
 * secret is deeper; the walk is in byte order, so a folder's secrets
 * come together and one comparison drops the repeats. */
static int
kv_list_one(void *arg, const char *rel, const struct secret *s)
{
	struct kv_listing *l = arg;
	const char *slash = strchr(rel, '/');
	size_t n = slash != NULL ? (size_t)(slash - rel) + 1 : strlen(rel);

	(void)s;
	if (n >= sizeof(l->last))
		return 0;
	if (strlen(l->last) == n && !strncmp(l->last, rel, n))
		return 0;
	memcpy(l->last, rel, n);
	l->last[n] = '\0';
	jb_push(l->keys, jb_str(l->last));
	return 0;
}

static enum cf_status
kv_list(struct cf_ctx *ctx, const struct kv_target *t)
{
	struct kv_listing l;
	struct json_object *d;
	enum cf_status st;

	if ((st = kv_check(ctx, t, 1, ACL_READ)) != CF_OK)
		return st;
	l.keys = jb_array();
	l.last[0] = '\0';
	st = secret_iter_names(
	    ctx->app->vault, t->store, t->path, NULL, kv_list_one, &l);
	if (st == CF_OK && json_object_array_length(l.keys) == 0)
		st = CF_E_NOT_FOUND; /* Vault: an empty folder is absent */
	if (st != CF_OK) {
		json_object_put(l.keys);
		return st;
	}
	d = jb_object();
	jb_set(d, "keys", l.keys);
	reply_data(ctx, 200, d);
	return CF_OK;
}

/* One version's entry in the metadata's "versions". */
static struct json_object *
kv_version_meta(const struct secret *s)
{
	struct json_object *o = jb_object();
	char ts[32];

	secret_time(s->updated, ts, sizeof(ts));
	jb_set_str(o, "created_time", ts);
	if (s->deleted != 0)
		secret_time(s->deleted, ts, sizeof(ts));
	jb_set_str(o, "deletion_time", s->deleted != 0 ? ts : "");
	jb_set_bool(o, "destroyed", s->destroyed);
	return o;
}

/* The versions kept (the secret's max_versions, else the config's
 * versions_kept), oldest first, and the secret's metadata. */
static enum cf_status
kv_metadata(struct cf_ctx *ctx, const struct kv_target *t)
{
	struct secret *cur = NULL, *s = NULL;
	struct json_object *d = NULL, *vers;
	unsigned kept = ctx->app->cfg.versions_kept;
	uint64_t v, oldest;
	char ts[32], num[24];
	enum cf_status st;

	if ((st = kv_check(ctx, t, 0, ACL_READ)) != CF_OK ||
	    (st = secret_get_any(
	         ctx->app->vault, t->store, t->path, 0, &cur)) != CF_OK)
		goto out;
	kept = secret_kept(cur, kept);
	oldest = cur->version > kept && kept > 0 ? cur->version - kept + 1 : 1;
	if (cur->version == 0)
		oldest = 0; /* metadata alone: no version, as Vault says it */
	vers = jb_object();
	d = jb_object();
	jb_set(d, "versions", vers);
	for (v = oldest; v <= cur->version && cur->version != 0; v++) {
		st = v == cur->version ? CF_OK
		                       : secret_get_any(ctx->app->vault,
		                             t->store, t->path, v, &s);
		if (st == CF_E_NOT_FOUND) {
			oldest = v + 1;
			continue;
		}
		if (st != CF_OK)
			goto out;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
		jb_set(vers, num, kv_version_meta(s != NULL ? s : cur));
		secret_free(s);
		s = NULL;
	}
	jb_set_bool(d, "cas_required", cur->cas_required);
	secret_time(cur->created, ts, sizeof(ts));
	jb_set_str(d, "created_time", ts);
	jb_set_int(d, "current_version", (int64_t)cur->version);
	jb_set(d, "custom_metadata", vault_kv_custom_json(cur));
	jb_set_str(d, "delete_version_after", "0s");
	jb_set_int(d, "max_versions", (int64_t)cur->max_versions);
	jb_set_int(d, "oldest_version", (int64_t)oldest);
	secret_time(cur->updated, ts, sizeof(ts));
	jb_set_str(d, "updated_time", ts);
	reply_data(ctx, 200, d);
	d = NULL;
	st = CF_OK;
out:
	json_object_put(d);
	secret_free(s);
	secret_free(cur);
	return st;
}

/* POST|PUT (the fields given replace theirs) and PATCH (custom_metadata
 * merged) of the secret's metadata: no new version is made. */
static enum cf_status
kv_metadata_write(struct cf_ctx *ctx, const struct kv_target *t, int merge)
{
	struct secret *m = NULL;
	unsigned set = 0;
	enum cf_status st;

	if ((st = kv_check(ctx, t, 0, ACL_UPDATE)) != CF_OK ||
	    (st = ctx_read_body(
	         ctx, merge ? ctypes_patch : ctypes_write, !merge)) != CF_OK)
		return st;
	if ((m = secret_new()) == NULL)
		return CF_E_INTERNAL;
	if ((st = vault_kv_meta_parse(ctx->req->body, ctx->req->bodylen, merge,
	         m, &set, &ctx->detail)) != CF_OK)
		goto out;
	st = secret_meta_set(ctx->app->vault, t->store, t->path, m, set,
	    ctx->app->cfg.versions_kept);
	if (st == CF_E_TOO_LARGE)
		ctx->detail = SECRET_META_DETAIL;
	else if (st == CF_OK)
		http_resp_status(ctx->resp, 204);
out:
	/* Vault answers a map over its bounds 400, as any bad body. */
	if (st == CF_E_TOO_LARGE)
		st = CF_E_BAD_JSON;
	secret_free(m);
	return st;
}

/* Soft delete, undelete, destroy: of the versions the body names, or of
 * the current one (DELETE on data/, vers NULL).  Vault answers 204, also
 * when the secret is absent. */
static enum cf_status
kv_mark(struct cf_ctx *ctx, const struct kv_target *t,
    enum secret_version_op op, const uint64_t *vers, size_t n)
{
	enum cf_status st;

	st = secret_versions_mark(ctx->app->vault, t->store, t->path, op, vers,
	    n, ctx->app->cfg.versions_kept);
	if (st == CF_E_NOT_FOUND)
		st = CF_OK;
	if (st == CF_OK)
		http_resp_status(ctx->resp, 204);
	return st;
}

static enum cf_status
kv_delete_latest(struct cf_ctx *ctx, const struct kv_target *t)
{
	enum cf_status st;

	if ((st = kv_check(ctx, t, 0, ACL_DELETE)) != CF_OK)
		return st;
	return kv_mark(ctx, t, SECRET_VERSION_DELETE, NULL, 0);
}

/* POST /v1/{mount}/{delete,undelete,destroy}/{path}: undelete needs
 * update (it writes a version back), delete and destroy need delete. */
static enum cf_status
kv_versions(struct cf_ctx *ctx, const struct kv_target *t, const char *kind)
{
	enum secret_version_op op = SECRET_VERSION_DELETE;
	enum acl_action action = ACL_DELETE;
	uint64_t *vers = NULL;
	size_t n = 0;
	enum cf_status st;

	if (!strcmp(kind, "undelete")) {
		op = SECRET_VERSION_UNDELETE;
		action = ACL_UPDATE;
	} else if (!strcmp(kind, "destroy"))
		op = SECRET_VERSION_DESTROY;
	if ((st = kv_check(ctx, t, 0, action)) != CF_OK ||
	    (st = ctx_read_body(ctx, ctypes_write, 1)) != CF_OK ||
	    (st = vault_kv_versions_parse(ctx->req->body, ctx->req->bodylen,
	         &vers, &n, &ctx->detail)) != CF_OK)
		goto out;
	st = kv_mark(ctx, t, op, vers, n);
out:
	free(vers);
	return st;
}

static enum cf_status
kv_delete_all(struct cf_ctx *ctx, const struct kv_target *t)
{
	enum cf_status st;

	if ((st = kv_check(ctx, t, 0, ACL_DELETE)) != CF_OK)
		return st;
	st = secret_delete(
	    ctx->app->vault, t->store, t->path, ctx->app->cfg.versions_kept);
	if (st == CF_E_NOT_FOUND)
		st = CF_OK; /* Vault: deleting what is absent succeeds */
	if (st == CF_OK)
		http_resp_status(ctx->resp, 204);
	return st;
}

static enum cf_status
kv_method(struct cf_ctx *ctx, unsigned allow)
{
	char buf[64];

	http_resp_header(
	    ctx->resp, "Allow", http_method_allow(allow, buf, sizeof(buf)));
	return CF_E_METHOD;
}

static int
kv_listing_asked(struct cf_ctx *ctx)
{
	const char *q = http_query(ctx->req, "list");

	return ctx->req->method == HTTP_LIST ||
	       (ctx->req->method == HTTP_GET && q != NULL &&
	           !strcmp(q, "true"));
}

static enum cf_status
kv_data(struct cf_ctx *ctx, const struct kv_target *t)
{
	switch (ctx->req->method) {
	case HTTP_GET:
		return kv_read(ctx, t);
	case HTTP_PUT:
	case HTTP_POST:
		return kv_put(ctx, t);
	case HTTP_PATCH:
		return kv_patch(ctx, t);
	case HTTP_DELETE:
		return kv_delete_latest(ctx, t);
	default:
		return kv_method(ctx,
		    HTTP_GET | HTTP_PUT | HTTP_POST | HTTP_PATCH | HTTP_DELETE);
	}
}

static enum cf_status
kv_meta(struct cf_ctx *ctx, const struct kv_target *t)
{
	if (kv_listing_asked(ctx))
		return kv_list(ctx, t);
	if (t->path[0] == '\0')
		return CF_E_NOT_FOUND;
	switch (ctx->req->method) {
	case HTTP_GET:
		return kv_metadata(ctx, t);
	case HTTP_PUT:
	case HTTP_POST:
		return kv_metadata_write(ctx, t, 0);
	case HTTP_PATCH:
		return kv_metadata_write(ctx, t, 1);
	case HTTP_DELETE:
		return kv_delete_all(ctx, t);
	default:
		return kv_method(ctx, HTTP_GET | HTTP_PUT | HTTP_POST |
		                          HTTP_PATCH | HTTP_DELETE | HTTP_LIST);
	}
}

void
vault_kv_hint(struct cf_ctx *ctx)
{
	const char *kind = ctx->arg[1], *detail = ctx->detail;
	struct kv_target t = {NULL, NULL};

	/* data and metadata read the current record first; a listing reads
	 * directories. */
	if (ctx->narg < 3 ||
	    (strcmp(kind, "data") != 0 && strcmp(kind, "metadata") != 0) ||
	    kv_listing_asked(ctx))
		return;
	if (kv_target(ctx, 0, &t) == CF_OK)
		secret_prefetch(ctx->app->vault, t.store, t.path);
	ctx->detail = detail; /* kv_target's refusal is the handler's */
	free(t.path);
}

enum cf_status
vault_kv_dispatch(struct cf_ctx *ctx)
{
	const char *kind = ctx->arg[1];
	struct kv_target t = {NULL, NULL};
	int meta = !strcmp(kind, "metadata");
	enum cf_status st;

	if (!meta && strcmp(kind, "data") != 0 && strcmp(kind, "delete") != 0 &&
	    strcmp(kind, "undelete") != 0 && strcmp(kind, "destroy") != 0)
		return CF_E_NOT_FOUND;
	if ((st = kv_target(ctx, meta, &t)) != CF_OK)
		goto out;
	if (meta)
		st = kv_meta(ctx, &t);
	else if (!strcmp(kind, "data"))
		st = kv_data(ctx, &t);
	else if (ctx->req->method != HTTP_POST && ctx->req->method != HTTP_PUT)
		st = kv_method(ctx, HTTP_PUT | HTTP_POST);
	else
		st = kv_versions(ctx, &t, kind);
out:
	free(t.path);
	return st;
}

enum cf_status
vault_kv_lookup_self(struct cf_ctx *ctx)
{
	struct json_object *d = jb_object(), *pol = jb_array();

	/* The token itself is not echoed: it is a credential. */
	jb_set_str(d, "display_name", ctx->subject.uid);
	jb_set_str(d, "entity_id", "");
	jb_set(d, "meta", jb_null());
	jb_push(pol, jb_str(ctx->subject.superuser ? "root" : "default"));
	jb_set(d, "policies", pol);
	jb_set_str(d, "path", "auth/token/lookup-self");
	jb_set_bool(d, "renewable", 0);
	jb_set_str(d, "type", "service");
	reply_data(ctx, 200, d);
	return CF_OK;
}

static struct json_object *
seal_status_json(const struct vault_status *vs)
{
	struct json_object *o = jb_object();

	jb_set_str(o, "type", "shamir");
	jb_set_bool(o, "initialized", vs->initialized);
	jb_set_bool(o, "sealed", vs->sealed);
	jb_set_int(o, "t", (int64_t)vs->threshold);
	jb_set_int(o, "n", (int64_t)vs->shares);
	jb_set_int(o, "progress", (int64_t)vs->progress);
	jb_set_str(o, "nonce", "");
	jb_set_str(o, "version", VAULT_KV_VERSION);
	jb_set_bool(o, "migration", 0);
	jb_set_bool(o, "recovery_seal", 0);
	jb_set_str(o, "storage_type", "coffer");
	return o;
}

enum cf_status
vault_kv_health(struct cf_ctx *ctx)
{
	struct vault_status vs;
	struct json_object *o;
	enum cf_status st;
	int status;

	if ((st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		return st;
	/* Vault: 200 active, 501 not initialized, 503 sealed. */
	status = !vs.initialized ? 501 : vs.sealed || vs.damaged ? 503 : 200;
	o = jb_object();
	jb_set_bool(o, "initialized", vs.initialized);
	jb_set_bool(o, "sealed", vs.sealed);
	jb_set_bool(o, "standby", 0);
	jb_set_bool(o, "performance_standby", 0);
	jb_set_str(o, "replication_performance_mode", "disabled");
	jb_set_str(o, "replication_dr_mode", "disabled");
	jb_set_int(o, "server_time_utc", (int64_t)time(NULL));
	jb_set_str(o, "version", VAULT_KV_VERSION);
	reply_json(ctx->resp, status, o);
	json_object_put(o);
	return CF_OK;
}

enum cf_status
vault_kv_seal_status(struct cf_ctx *ctx)
{
	struct vault_status vs;
	struct json_object *o;
	enum cf_status st;

	if ((st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		return st;
	o = seal_status_json(&vs);
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}

enum cf_status
vault_kv_seal(struct cf_ctx *ctx)
{
	enum cf_status st;

	if ((st = dcos_seal_store(ctx)) == CF_OK)
		http_resp_status(ctx->resp, 204);
	return st;
}

enum cf_status
vault_kv_unseal(struct cf_ctx *ctx)
{
	static const char *const ctypes[] = {
	    "application/json", "application/x-www-form-urlencoded", NULL};
	struct vault_status vs = {0};
	struct json_object *o;
	char *key = NULL;
	size_t len = 0;
	enum cf_status st;

	if ((st = http_read_body(
	         ctx->req, ctx->fcgi, CF_MAX_BODY_SMALL, ctypes, 1)) != CF_OK ||
	    (st = vault_kv_unseal_parse(ctx->req->body, ctx->req->bodylen, &key,
	         &len, &ctx->detail)) != CF_OK ||
	    (st = dcos_unseal_share(ctx, key, len, &vs)) != CF_OK)
		goto out;
	o = seal_status_json(&vs);
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
out:
	if (key != NULL)
		crypto_wipe(key, len);
	free(key);
	return st;
}
