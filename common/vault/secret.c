/* secret.c: see secret.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "vault/record.h"
#include "vault/secret.h"
#include "vault/vault.h"

#define DIR_SECRET 1
#define DIR_FOLDER 2

#define SECRET_FIRST_CAP 4 /* entries first allocated for a map */

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int
name_valid(const char *s, size_t max)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > max || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (i = 0; i < len; i++)
		if (!name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int
secret_store_valid(const char *store)
{
	return name_valid(store, CF_MAX_STORE_NAME);
}

enum cf_status
secret_path_join(char *const *segs, size_t n, char **path)
{
	size_t i, len = 0;
	char *p;

	if (n == 0 || n > CF_MAX_SEGMENTS)
		return CF_E_BAD_PATH;
	for (i = 0; i < n; i++) {
		if (!name_valid(segs[i], CF_MAX_PATH))
			return CF_E_BAD_PATH;
		len += strlen(segs[i]) + 1;
	}
	if (len - 1 > CF_MAX_PATH)
		return CF_E_BAD_PATH;
	if ((p = malloc(len)) == NULL)
		return CF_E_INTERNAL;
	p[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(p, "/");
		strcat(p, segs[i]);
	}
	*path = p;
	return CF_OK;
}

struct secret *
secret_new(void)
{
	return calloc(1, sizeof(struct secret));
}

/* Free the map's keys and wipe its values: a destroyed version keeps none. */
static void
secret_map_clear(struct secret *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->e[i].key);
		crypto_wipe(s->e[i].val, s->e[i].len);
		free(s->e[i].val);
	}
	s->n = 0;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	secret_map_clear(s);
	free(s->e);
	free(s->author);
	free(s->description);
	json_object_put(s->labels);
	json_object_put(s->custom);
	free(s);
}

const struct secret_entry *
secret_find(const struct secret *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].key, key))
			return &s->e[i];
	return NULL;
}

int
secret_is_text(const struct secret *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!codec_utf8_valid(s->e[i].val, s->e[i].len))
			return 0;
	return 1;
}

struct json_object *
secret_map_json(const struct secret *s)
{
	struct json_object *m = jb_object();
	size_t i;

	for (i = 0; i < s->n; i++)
		jb_set(m, s->e[i].key, jb_strn(s->e[i].val, s->e[i].len));
	return m;
}

/* Room for one more entry: the array doubles, so n appends cost O(n). */
static int
entry_room(struct secret *s)
{
	struct secret_entry *ne;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap ? 2 * s->cap : SECRET_FIRST_CAP;
	if ((ne = reallocarray(s->e, cap, sizeof(*ne))) == NULL)
		return -1;
	s->e = ne;
	s->cap = cap;
	return 0;
}

int
secret_add(struct secret *s, const char *key, const void *val, size_t len)
{
	uint8_t *copy;
	char *k;

	if (entry_room(s) != 0 || (copy = malloc(len + 1)) == NULL)
		return -1;
	if ((k = strdup(key)) == NULL) {
		free(copy);
		return -1;
	}
	memcpy(copy, val, len);
	copy[len] = '\0';
	s->e[s->n].key = k;
	s->e[s->n].val = copy;
	s->e[s->n].len = len;
	s->n++;
	return 0;
}

int
secret_set(struct secret *s, const char *key, const void *val, size_t len)
{
	struct secret_entry *e;
	uint8_t *copy;

	if ((e = (struct secret_entry *)secret_find(s, key)) == NULL)
		return secret_add(s, key, val, len);
	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, val, len);
	copy[len] = '\0';
	crypto_wipe(e->val, e->len);
	free(e->val);
	e->val = copy;
	e->len = len;
	return 0;
}

void
secret_time(int64_t t, char *buf, size_t len)
{
	codec_time(t, buf, len);
}

/* ---- record encoding: values are base64 so any bytes survive JSON ---- */

/* The members added after the first format, each only when set, so that
 * a record that has none reads the same in an older build.  The secret's
 * metadata goes in the current record (meta) alone. */
static void
secret_encode_state(struct json_object *o, const struct secret *s, int meta)
{
	if (s->deleted != 0)
		jb_set_int(o, "deleted", s->deleted);
	if (s->destroyed)
		jb_set_bool(o, "destroyed", 1);
	if (!meta)
		return;
	if (s->max_versions != 0)
		jb_set_int(o, "max_versions", (int64_t)s->max_versions);
	if (s->cas_required)
		jb_set_bool(o, "cas_required", 1);
	if (s->custom != NULL && json_object_object_length(s->custom) > 0)
		jb_set(o, "custom_metadata", json_object_get(s->custom));
}

static char *
secret_encode(const struct secret *s, int meta, size_t *len)
{
	struct json_object *o, *d;
	const char *text;
	char *b64, *out = NULL;
	size_t i;

	o = jb_object();
	d = jb_object();
	jb_set_int(o, "version", (int64_t)s->version);
	jb_set_int(o, "created", s->created);
	jb_set_int(o, "updated", s->updated);
	if (s->author)
		jb_set_str(o, "author", s->author);
	if (s->description)
		jb_set_str(o, "description", s->description);
	if (s->labels)
		jb_set(o, "labels", json_object_get(s->labels));
	jb_set_bool(o, "binary", s->binary);
	secret_encode_state(o, s, meta);
	for (i = 0; i < s->n; i++) {
		if ((b64 = codec_base64_encode(s->e[i].val, s->e[i].len, 0)) ==
		    NULL)
			goto out;
		jb_set_str(d, s->e[i].key, b64);
		crypto_wipe(b64, strlen(b64));
		free(b64);
	}
	jb_set(o, "data", d);
	d = NULL;
	text =
	    json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, len);
	if (text != NULL && (out = malloc(*len + 1)) != NULL)
		memcpy(out, text, *len + 1);
	/* json-c keeps its own copy of the text: wipe it before freeing. */
	if (text != NULL)
		crypto_wipe((void *)text, *len);
out:
	json_object_put(d);
	json_object_put(o);
	return out;
}

static void
wipe_json_strings(struct json_object *d)
{
	json_object_object_foreach(d, k, val)
	{
		(void)k;
		if (json_object_is_type(val, json_type_string))
			crypto_wipe((void *)json_object_get_string(val),
			    (size_t)json_object_get_string_len(val));
	}
}

static enum cf_status
secret_decode_state(struct json_object *o, struct secret *s)
{
	struct json_object *c;
	int64_t n;
	int b;

	if (cf_json_int(o, "deleted", 0, INT64_MAX, &n) == CF_OK)
		s->deleted = n;
	if (cf_json_bool(o, "destroyed", &b) == CF_OK)
		s->destroyed = b;
	if (cf_json_int(o, "max_versions", 0, CF_MAX_VERSIONS, &n) == CF_OK)
		s->max_versions = (unsigned)n;
	if (cf_json_bool(o, "cas_required", &b) == CF_OK)
		s->cas_required = b;
	if (cf_json_object(o, "custom_metadata", &c) == CF_OK) {
		if (secret_meta_valid(c, 0) != CF_OK)
			return CF_E_INTERNAL;
		s->custom = json_object_get(c);
	}
	return CF_OK;
}

static enum cf_status
secret_decode(const uint8_t *pt, size_t len, struct secret **out)
{
	struct json_object *o = NULL, *d = NULL;
	struct secret *s;
	const char *str;
	size_t slen, blen;
	uint8_t *bytes;
	int64_t n;
	int b;
	enum cf_status st = CF_E_INTERNAL;

	if ((s = secret_new()) == NULL)
		return CF_E_INTERNAL;
	if (cf_json_parse(pt, len, &o) != CF_OK ||
	    cf_json_int(o, "version", 0, INT64_MAX, &n) != CF_OK ||
	    cf_json_object(o, "data", &d) != CF_OK)
		goto out;
	s->version = (uint64_t)n;
	if (cf_json_int(o, "created", 0, INT64_MAX, &s->created) != CF_OK ||
	    cf_json_int(o, "updated", 0, INT64_MAX, &s->updated) != CF_OK)
		goto out;
	if (cf_json_string(o, "author", &str, &slen) == CF_OK &&
	    (s->author = strndup(str, slen)) == NULL)
		goto out;
	if (cf_json_string(o, "description", &str, &slen) == CF_OK &&
	    (s->description = strndup(str, slen)) == NULL)
		goto out;
	if (cf_json_array(o, "labels", &s->labels) == CF_OK)
		json_object_get(s->labels);
	if (cf_json_bool(o, "binary", &b) == CF_OK)
		s->binary = b;
	if (secret_decode_state(o, s) != CF_OK)
		goto out;
	json_object_object_foreach(d, key, val)
	{
		str = json_object_get_string(val);
		slen = (size_t)json_object_get_string_len(val);
		if (codec_base64_decode(str, slen, 0, &bytes, &blen) != 0)
			goto out;
		/* json-c keeps one member per key: no search needed. */
		b = secret_add(s, key, bytes, blen);
		crypto_wipe(bytes, blen);
		free(bytes);
		if (b != 0)
			goto out;
	}
	*out = s;
	s = NULL;
	st = CF_OK;
out:
	if (st != CF_OK)
		lwarnx("secret record is malformed");
	if (d != NULL)
		wipe_json_strings(d);
	json_object_put(o);
	secret_free(s);
	return st;
}

/* ---- keys ---- */

static char *
key_of(char kind, const char *store, const char *path)
{
	char *k;

	if (asprintf(&k, "%c:%s:/%s", kind, store, path) == -1)
		return NULL;
	return k;
}

static char *
key_version(const char *store, const char *path, uint64_t ver)
{
	char *k;

	if (asprintf(&k, "v:%s:/%s#%llu", store, path,
	        (unsigned long long)ver) == -1)
		return NULL;
	return k;
}

/* Read a sealed record of at most max plaintext bytes as a secret (*size,
 * when not NULL, its bytes); inside a section. */
static enum cf_status
secret_load_within(struct vault *v, const char *key, size_t max,
    struct secret **out, size_t *size)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	enum cf_status st;

	if ((st = vault_get_within(v, key, max, &pt, &len)) != CF_OK)
		return st;
	if ((st = secret_decode(pt, len, out)) == CF_OK && size != NULL)
		*size = len;
	record_free(pt, len);
	return st;
}

static enum cf_status
secret_load(struct vault *v, const char *key, struct secret **out)
{
	return secret_load_within(v, key, SIZE_MAX, out, NULL);
}

static enum cf_status
secret_save(struct vault *v, enum record_kind kind, const char *key,
    const struct secret *s)
{
	char *text;
	size_t len;
	enum cf_status st;

	if ((text = secret_encode(s, kind == RECORD_SECRET, &len)) == NULL)
		return CF_E_INTERNAL;
	st = vault_put(v, kind, key, text, len);
	record_free((uint8_t *)text, len);
	return st;
}

/* Is s a version every dialect reads: not deleted, not destroyed, and
 * not version 0 (metadata written before any version)? */
static int
secret_live(const struct secret *s)
{
	return s != NULL && s->version != 0 && s->deleted == 0 && !s->destroyed;
}

unsigned
secret_kept(const struct secret *s, unsigned kept)
{
	return s->max_versions != 0 ? s->max_versions : kept;
}

void
secret_prefetch(struct vault *v, const char *store, const char *path)
{
	char *key;

	if (!secret_store_valid(store) ||
	    (key = key_of('s', store, path)) == NULL)
		return;
	vault_prefetch(v, key);
	free(key);
}

enum cf_status
secret_get(struct vault *v, const char *store, const char *path,
    uint64_t version, struct secret **out)
{
	struct secret *s = NULL;
	enum cf_status st;

	if ((st = secret_get_any(v, store, path, version, &s)) != CF_OK)
		return st;
	if (!secret_live(s)) {
		secret_free(s);
		return CF_E_NOT_FOUND;
	}
	*out = s;
	return CF_OK;
}

enum cf_status
secret_get_any(struct vault *v, const char *store, const char *path,
    uint64_t version, struct secret **out)
{
	struct secret *s = NULL;
	char *key = NULL;
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((key = key_of('s', store, path)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if ((st = secret_load(v, key, &s)) != CF_OK)
		goto out;
	if (version != 0 && version != s->version) {
		secret_free(s);
		s = NULL;
		free(key);
		if ((key = key_version(store, path, version)) == NULL) {
			st = CF_E_INTERNAL;
			goto out;
		}
		if ((st = secret_load(v, key, &s)) != CF_OK)
			goto out;
	}
	*out = s;
	s = NULL;
out:
	vault_read_end(v);
	secret_free(s);
	free(key);
	return st;
}

enum cf_status
secret_get_within(struct vault *v, const char *store, const char *path,
    size_t max, struct secret **out, size_t *size)
{
	char *key;
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((key = key_of('s', store, path)) == NULL)
		st = CF_E_INTERNAL;
	else
		st = secret_load_within(v, key, max, out, size);
	vault_read_end(v);
	free(key);
	if (st == CF_OK && !secret_live(*out)) {
		secret_free(*out);
		*out = NULL;
		st = CF_E_NOT_FOUND;
	}
	return st;
}

/* ---- directory index ---- */

static enum cf_status
dir_load(struct vault *v, const char *store, const char *dir,
    struct json_object **out)
{
	char *key;
	enum cf_status st;

	if ((key = key_of('d', store, dir)) == NULL)
		return CF_E_INTERNAL;
	st = vault_get_json(v, key, out);
	free(key);
	return st;
}

static enum cf_status
dir_save(
    struct vault *v, const char *store, const char *dir, struct json_object *o)
{
	const char *text;
	size_t len;
	char *key;
	enum cf_status st;

	if ((key = key_of('d', store, dir)) == NULL)
		return CF_E_INTERNAL;
	if (json_object_object_length(o) == 0)
		st = vault_del(v, key);
	else {
		text = json_object_to_json_string_length(
		    o, JSON_C_TO_STRING_PLAIN, &len);
		st = text ? vault_put(v, RECORD_DIR, key, text, len)
		          : CF_E_INTERNAL;
	}
	free(key);
	return st;
}

/* Split "a/b/c" into dir "a/b" (malloc'd) and base "c" (points into path). */
static char *
dir_split(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*base = path;
		return strdup("");
	}
	*base = slash + 1;
	return strndup(path, (size_t)(slash - path));
}

static enum cf_status
dir_mark(struct vault *v, const char *store, const char *path, int flag, int on)
{
	struct json_object *o = NULL, *f;
	const char *base;
	char *dir;
	int old = 0, new, existed;
	enum cf_status st;

	if ((dir = dir_split(path, &base)) == NULL)
		return CF_E_INTERNAL;
	st = dir_load(v, store, dir, &o);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	existed = st == CF_OK;
	if (!existed)
		o = jb_object();
	if (json_object_object_get_ex(o, base, &f))
		old = json_object_get_int(f);
	new = on ? old | flag : old & ~flag;
	st = CF_OK;
	if (new == old)
		goto out;
	if (new == 0)
		json_object_object_del(o, base);
	else
		jb_set_int(o, base, new);
	if ((st = dir_save(v, store, dir, o)) != CF_OK || *dir == '\0')
		goto out;
	/* A directory that appeared or vanished changes its parent too. */
	if (on && !existed)
		st = dir_mark(v, store, dir, DIR_FOLDER, 1);
	else if (!on && json_object_object_length(o) == 0)
		st = dir_mark(v, store, dir, DIR_FOLDER, 0);
out:
	json_object_put(o);
	free(dir);
	return st;
}

/* ---- writes ---- */

static enum cf_status
version_rotate(struct vault *v, const char *store, const char *path,
    const struct secret *old, unsigned kept)
{
	char *key;
	enum cf_status st;

	kept = secret_kept(old, kept);
	if (kept > 1 && old->version != 0) {
		if ((key = key_version(store, path, old->version)) == NULL)
			return CF_E_INTERNAL;
		st = secret_save(v, RECORD_VERSION, key, old);
		free(key);
		if (st != CF_OK)
			return st;
	}
	/* After this write the newest `kept` versions are old+1 and the
	 * kept-1 before it; drop the one that fell out of the window. */
	if (old->version + 1 < kept + 1 || old->version + 1 - kept < 1)
		return CF_OK;
	if ((key = key_version(store, path, old->version + 1 - kept)) == NULL)
		return CF_E_INTERNAL;
	st = vault_del(v, key);
	free(key);
	return st;
}

static int
entry_ptr_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct secret_entry *const *)a)->key,
	    (*(const struct secret_entry *const *)b)->key);
}

/*
 * out's map: old's keys in their order, each with in's value when in has
 * it, then in's other keys in theirs (the order a search per key gave).
 * in's keys are looked up in a sorted index, so the merge costs
 * O((n + m) log m), never n * m.
 */
static enum cf_status
secret_merge_map(
    const struct secret *old, const struct secret *in, struct secret *out)
{
	const struct secret_entry **idx = NULL, **hit, *probe, *e;
	uint8_t *taken = NULL;
	size_t i;
	enum cf_status st = CF_E_INTERNAL;

	if (in->merge && old != NULL && old->n > 0 && in->n > 0) {
		if ((idx = calloc(in->n, sizeof(*idx))) == NULL ||
		    (taken = calloc(in->n, 1)) == NULL)
			goto out;
		for (i = 0; i < in->n; i++)
			idx[i] = &in->e[i];
		qsort(idx, in->n, sizeof(*idx), entry_ptr_cmp);
	}
	for (i = 0; in->merge && old != NULL && i < old->n; i++) {
		probe = &old->e[i];
		hit = idx ? bsearch(
		                &probe, idx, in->n, sizeof(*idx), entry_ptr_cmp)
		          : NULL;
		e = hit ? *hit : probe;
		if (hit)
			taken[*hit - in->e] = 1;
		if (secret_add(out, e->key, e->val, e->len) != 0)
			goto out;
	}
	for (i = 0; i < in->n; i++)
		if (!(taken && taken[i]) &&
		    secret_add(out, in->e[i].key, in->e[i].val, in->e[i].len))
			goto out;
	st = CF_OK;
out:
	free(taken);
	free(idx);
	return st;
}

static enum cf_status
secret_merge(
    const struct secret *old, const struct secret *in, struct secret *out)
{
	enum cf_status st;

	out->binary = in->binary;
	/* A deleted or destroyed map is gone: the write starts afresh. */
	if ((st = secret_merge_map(secret_live(old) ? old : NULL, in, out)) !=
	    CF_OK)
		return st;
	if (out->n > CF_MAX_MAP_KEYS)
		return CF_E_TOO_LARGE;
	if (in->author && (out->author = strdup(in->author)) == NULL)
		return CF_E_INTERNAL;
	if (in->description)
		out->description = strdup(in->description);
	else if (old && old->description)
		out->description = strdup(old->description);
	if (in->labels)
		out->labels = json_object_get(in->labels);
	else if (old && old->labels)
		out->labels = json_object_get(old->labels);
	if (old != NULL) {
		out->max_versions = old->max_versions;
		out->cas_required = old->cas_required;
		out->custom = json_object_get(old->custom);
	}
	out->version = old ? old->version + 1 : 1;
	out->created = old ? old->created : (int64_t)time(NULL);
	out->updated = (int64_t)time(NULL);
	return CF_OK;
}

enum cf_status
secret_write_in(struct vault *v, const char *store, const char *path,
    enum secret_mode mode, const struct secret *in, unsigned kept,
    uint64_t *version)
{
	struct secret *old = NULL, *s = NULL;
	char *key = NULL;
	enum cf_status st;

	if ((key = key_of('s', store, path)) == NULL ||
	    (s = secret_new()) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	st = secret_load(v, key, &old);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	if (secret_live(old) && mode == SECRET_CREATE) {
		st = CF_E_CONFLICT;
		goto out;
	}
	if (!secret_live(old) && mode == SECRET_UPDATE) {
		st = CF_E_NOT_FOUND;
		goto out;
	}
	if (in->cas_missing && old != NULL && old->cas_required) {
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if (in->cas && (old != NULL ? old->version : 0) != in->cas_version) {
		st = CF_E_CONFLICT;
		goto out;
	}
	if ((st = secret_merge(old, in, s)) != CF_OK)
		goto out;
	if (old != NULL)
		st = version_rotate(v, store, path, old, kept);
	else
		st = dir_mark(v, store, path, DIR_SECRET, 1);
	if (st != CF_OK ||
	    (st = secret_save(v, RECORD_SECRET, key, s)) != CF_OK)
		goto out;
	if (version != NULL)
		*version = s->version;
out:
	secret_free(old);
	secret_free(s);
	free(key);
	return st;
}

enum cf_status
secret_write(struct vault *v, const char *store, const char *path,
    enum secret_mode mode, const struct secret *in, unsigned kept,
    uint64_t *version)
{
	uint64_t ver = 0;
	enum cf_status st;

	/* The current version comes with the write section's lock. */
	secret_prefetch(v, store, path);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	st = secret_write_in(v, store, path, mode, in, kept, &ver);
	if (st != CF_OK) {
		vault_abort(v);
		return st;
	}
	if ((st = vault_commit(v)) == CF_OK && version != NULL)
		*version = ver;
	return st;
}

enum cf_status
secret_delete(
    struct vault *v, const char *store, const char *path, unsigned kept)
{
	struct secret *old = NULL;
	char *key = NULL, *vkey;
	uint64_t ver;
	enum cf_status st;

	if ((st = vault_delete_begin(v)) != CF_OK)
		return st;
	if ((key = key_of('s', store, path)) == NULL) {
		st = CF_E_INTERNAL;
		goto fail;
	}
	if ((st = secret_load(v, key, &old)) != CF_OK)
		goto fail;
	kept = secret_kept(old, kept);
	for (ver = old->version > kept ? old->version - kept : 1;
	     ver < old->version; ver++) {
		if ((vkey = key_version(store, path, ver)) == NULL) {
			st = CF_E_INTERNAL;
			goto fail;
		}
		st = vault_del(v, vkey);
		free(vkey);
		if (st != CF_OK)
			goto fail;
	}
	if ((st = vault_del(v, key)) != CF_OK ||
	    (st = dir_mark(v, store, path, DIR_SECRET, 0)) != CF_OK)
		goto fail;
	st = vault_commit(v);
	goto out;
fail:
	vault_abort(v);
out:
	secret_free(old);
	free(key);
	return st;
}

/* ---- version states and the secret's metadata ---- */

/* op on one version, as Vault does it; 1 when s changed. */
static int
version_apply(struct secret *s, enum secret_version_op op, int64_t now)
{
	switch (op) {
	case SECRET_VERSION_DELETE:
		if (s->deleted != 0 || s->destroyed)
			return 0;
		s->deleted = now;
		return 1;
	case SECRET_VERSION_UNDELETE:
		if (s->deleted == 0 || s->destroyed)
			return 0;
		s->deleted = 0;
		return 1;
	case SECRET_VERSION_DESTROY:
		if (s->destroyed)
			return 0;
		secret_map_clear(s);
		s->destroyed = 1;
		return 1;
	}
	return 0;
}

/* The oldest version cur's secret keeps. */
static uint64_t
version_oldest(const struct secret *cur, unsigned kept)
{
	kept = secret_kept(cur, kept);
	return cur->version > kept && kept > 0 ? cur->version - kept + 1 : 1;
}

/* op on the older version ver, inside the caller's section. */
static enum cf_status
version_mark_old(struct vault *v, const char *store, const char *path,
    uint64_t ver, enum secret_version_op op, int64_t now)
{
	struct secret *s = NULL;
	char *key;
	enum cf_status st;

	if ((key = key_version(store, path, ver)) == NULL)
		return CF_E_INTERNAL;
	st = secret_load(v, key, &s);
	if (st == CF_E_NOT_FOUND)
		st = CF_OK; /* not kept: nothing to mark */
	else if (st == CF_OK && version_apply(s, op, now))
		st = secret_save(v, RECORD_VERSION, key, s);
	secret_free(s);
	free(key);
	return st;
}

enum cf_status
secret_versions_mark(struct vault *v, const char *store, const char *path,
    enum secret_version_op op, const uint64_t *vers, size_t n, unsigned kept)
{
	struct secret *cur = NULL;
	char *key = NULL;
	int64_t now = (int64_t)time(NULL);
	int changed = 0;
	size_t i;
	enum cf_status st;

	/* A destroy shrinks records: it may use the room kept for deletes. */
	st = op == SECRET_VERSION_DESTROY ? vault_delete_begin(v)
	                                  : vault_write_begin(v);
	if (st != CF_OK)
		return st;
	if ((key = key_of('s', store, path)) == NULL) {
		st = CF_E_INTERNAL;
		goto fail;
	}
	if ((st = secret_load(v, key, &cur)) != CF_OK)
		goto fail;
	if (n == 0 && cur->version != 0)
		changed = version_apply(cur, op, now);
	for (i = 0; i < n; i++) {
		if (vers[i] == cur->version)
			changed |= version_apply(cur, op, now);
		else if (vers[i] >= version_oldest(cur, kept) &&
		         vers[i] < cur->version &&
		         (st = version_mark_old(
		              v, store, path, vers[i], op, now)) != CF_OK)
			goto fail;
	}
	if (changed && (st = secret_save(v, RECORD_SECRET, key, cur)) != CF_OK)
		goto fail;
	st = vault_commit(v);
	goto out;
fail:
	vault_abort(v);
out:
	secret_free(cur);
	free(key);
	return st;
}

enum cf_status
secret_meta_valid(struct json_object *o, int merge)
{
	size_t klen;

	if (!json_object_is_type(o, json_type_object))
		return CF_E_BAD_JSON;
	if (!merge && json_object_object_length(o) > CF_MAX_META_KEYS)
		return CF_E_TOO_LARGE;
	json_object_object_foreach(o, k, val)
	{
		klen = strlen(k);
		if (val == NULL && merge)
			continue;
		if (klen == 0 || !json_object_is_type(val, json_type_string))
			return CF_E_BAD_JSON;
		if (klen > CF_MAX_META_KEY ||
		    (size_t)json_object_get_string_len(val) > CF_MAX_META_VALUE)
			return CF_E_TOO_LARGE;
	}
	return CF_OK;
}

/* cur's custom metadata with m's merged in: a null removes its key. */
static enum cf_status
meta_merge(struct secret *cur, struct json_object *m)
{
	if (cur->custom == NULL && (cur->custom = jb_object()) == NULL)
		return CF_E_INTERNAL;
	json_object_object_foreach(m, k, val)
	{
		if (val == NULL)
			json_object_object_del(cur->custom, k);
		else
			jb_set_str(cur->custom, k, json_object_get_string(val));
	}
	return CF_OK;
}

/* Drop the versions a lowered window no longer keeps: from the oldest the
 * old window kept to the one below the new window's oldest. */
static enum cf_status
meta_drop(struct vault *v, const char *store, const char *path,
    const struct secret *cur, uint64_t from, uint64_t below)
{
	uint64_t ver;
	char *key;
	enum cf_status st;

	for (ver = from; ver < below && ver < cur->version; ver++) {
		if ((key = key_version(store, path, ver)) == NULL)
			return CF_E_INTERNAL;
		st = vault_del(v, key);
		free(key);
		if (st != CF_OK)
			return st;
	}
	return CF_OK;
}

/* The current record for a metadata write; when the secret is absent, a
 * version 0 (Vault: metadata before any version), entered in its
 * directory's index.  Inside the caller's section. */
static enum cf_status
meta_load(struct vault *v, const char *store, const char *path, const char *key,
    struct secret **out)
{
	struct secret *s;
	enum cf_status st;

	if ((st = secret_load(v, key, out)) != CF_E_NOT_FOUND)
		return st;
	if ((s = secret_new()) == NULL)
		return CF_E_INTERNAL;
	s->created = s->updated = (int64_t)time(NULL);
	if ((st = dir_mark(v, store, path, DIR_SECRET, 1)) != CF_OK) {
		secret_free(s);
		return st;
	}
	*out = s;
	return CF_OK;
}

enum cf_status
secret_meta_set(struct vault *v, const char *store, const char *path,
    const struct secret *m, unsigned set, unsigned kept)
{
	struct secret *cur = NULL;
	char *key = NULL;
	uint64_t from;
	enum cf_status st;

	if ((st = vault_delete_begin(v)) != CF_OK)
		return st;
	if ((key = key_of('s', store, path)) == NULL) {
		st = CF_E_INTERNAL;
		goto fail;
	}
	if ((st = meta_load(v, store, path, key, &cur)) != CF_OK)
		goto fail;
	from = version_oldest(cur, kept);
	if (set & SECRET_META_MAX)
		cur->max_versions = m->max_versions;
	if (set & SECRET_META_CAS)
		cur->cas_required = m->cas_required;
	if (set & SECRET_META_CUSTOM) {
		json_object_put(cur->custom);
		cur->custom = json_object_get(m->custom);
	}
	if ((set & SECRET_META_MERGE) && m->custom != NULL &&
	    (st = meta_merge(cur, m->custom)) != CF_OK)
		goto fail;
	if (cur->custom != NULL &&
	    (st = secret_meta_valid(cur->custom, 0)) != CF_OK)
		goto fail;
	if ((st = meta_drop(v, store, path, cur, from,
	         version_oldest(cur, kept))) != CF_OK ||
	    (st = secret_save(v, RECORD_SECRET, key, cur)) != CF_OK)
		goto fail;
	st = vault_commit(v);
	goto out;
fail:
	vault_abort(v);
out:
	secret_free(cur);
	free(key);
	return st;
}

/* ---- listing helpers and the streaming walk ---- */

int
secret_name_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list, *e;

	while (*p != '\0') {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && n > 0 && !strncmp(p, name, n))
			return 1;
		p = *e ? e + 1 : e;
	}
	return 0;
}

struct iter_state {
	struct vault *v;
	const char *store;
	secret_iter_fn fn;
	void *arg;
	const char *after; /* NULL: from the start */
	int values;
	int stop;
};

/*
 * Walk order is byte order of the whole relative path, as the sorted
 * recursive list has always been (Go's sort.Strings in the real service),
 * so a streamed list needs no sort: within a directory, a secret sorts by
 * its name and a folder by its name and '/', since every path beneath it
 * starts so ("a" < "a-b" < "a/x").
 */
struct iter_entry {
	const char *name; /* borrowed from the index */
	const char *key;  /* name, or (folders) name and '/', malloc'd */
	int folder;
};

static int
iter_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct iter_entry *)a)->key,
	    ((const struct iter_entry *)b)->key);
}

/* Is rel (a secret) after the cursor?  Is anything under rel/ (a folder)? */
static int
iter_after(const char *after, const char *rel, int folder)
{
	size_t n = strlen(rel);
	int c;

	if (after == NULL)
		return 1;
	if (!folder)
		return strcmp(rel, after) > 0;
	/* The paths under rel/ are contiguous in byte order: walk them when
	 * "rel/" sorts after the cursor or the cursor is among them. */
	if ((c = strncmp(rel, after, n)) != 0)
		return c > 0;
	return after[n] == '\0' || after[n] == '/' ||
	       (unsigned char)after[n] < '/';
}

static void
iter_entries_free(struct iter_entry *e, size_t n)
{
	size_t i;

	for (i = 0; e != NULL && i < n; i++)
		if (e[i].folder)
			free((char *)(uintptr_t)e[i].key);
	free(e);
}

/* The index's children as walk-order entries (*out, iter_entries_free). */
static enum cf_status
iter_entries(struct json_object *o, struct iter_entry **out, size_t *np)
{
	struct iter_entry *e;
	size_t n = 0;
	int flags;
	char *k;

	e = calloc(2 * (size_t)json_object_object_length(o) + 1, sizeof(*e));
	if (e == NULL)
		return CF_E_INTERNAL;
	json_object_object_foreach(o, name, f)
	{
		flags = json_object_get_int(f);
		if (flags & DIR_SECRET) {
			e[n].name = e[n].key = name;
			n++;
		}
		if (flags & DIR_FOLDER) {
			if (asprintf(&k, "%s/", name) == -1) {
				iter_entries_free(e, n);
				return CF_E_INTERNAL;
			}
			e[n].name = name;
			e[n].key = k;
			e[n].folder = 1;
			n++;
		}
	}
	qsort(e, n, sizeof(*e), iter_entry_cmp);
	*out = e;
	*np = n;
	return CF_OK;
}

/* One directory: its children in walk order, each secret read and handed
 * to fn before the next is read, so memory holds one index per level and
 * one secret. */
static enum cf_status
iter_walk(struct iter_state *it, const char *dir, const char *prefix, int depth)
{
	struct json_object *o = NULL;
	struct iter_entry *e = NULL;
	struct secret *s = NULL;
	char *rel = NULL, *sub = NULL, *key = NULL;
	size_t i, n = 0;
	enum cf_status st;

	if (depth > CF_MAX_SEGMENTS)
		return CF_E_INTERNAL;
	st = dir_load(it->v, it->store, dir, &o);
	if (st == CF_E_NOT_FOUND)
		return CF_OK;
	if (st != CF_OK)
		return st;
	if ((st = iter_entries(o, &e, &n)) != CF_OK)
		goto out;
	for (i = 0; i < n && !it->stop && st == CF_OK; i++) {
		free(rel);
		free(sub);
		rel = sub = NULL;
		if (asprintf(&rel, "%s%s%s", prefix, *prefix ? "/" : "",
		        e[i].name) == -1 ||
		    asprintf(&sub, "%s%s%s", dir, *dir ? "/" : "", e[i].name) ==
		        -1) {
			rel = sub = NULL;
			st = CF_E_INTERNAL;
			break;
		}
		if (!iter_after(it->after, rel, e[i].folder))
			continue;
		if (e[i].folder) {
			st = iter_walk(it, sub, rel, depth + 1);
			continue;
		}
		if (it->values) {
			free(key);
			if ((key = key_of('s', it->store, sub)) == NULL) {
				st = CF_E_INTERNAL;
				break;
			}
			st = secret_load(it->v, key, &s);
			if (st != CF_OK && st != CF_E_NOT_FOUND)
				break;
			if (st == CF_OK && !secret_live(s))
				st = CF_E_NOT_FOUND; /* read as absent */
		}
		/* A record missing behind its index entry is skipped, never
		 * fatal. */
		if ((st == CF_OK || !it->values) &&
		    it->fn(it->arg, rel, s) != 0)
			it->stop = 1;
		st = CF_OK;
		secret_free(s);
		s = NULL;
	}
out:
	secret_free(s);
	free(key);
	free(rel);
	free(sub);
	iter_entries_free(e, n);
	json_object_put(o);
	return st;
}

static enum cf_status
iter_run(struct vault *v, const char *store, const char *path,
    const char *after, secret_iter_fn fn, void *arg, int values)
{
	struct iter_state it = {v, store, fn, arg, after, values, 0};
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = iter_walk(&it, path, "", 0);
	vault_read_end(v);
	return st;
}

enum cf_status
secret_iter(struct vault *v, const char *store, const char *path,
    const char *after, secret_iter_fn fn, void *arg)
{
	return iter_run(v, store, path, after, fn, arg, 1);
}

enum cf_status
secret_iter_names(struct vault *v, const char *store, const char *path,
    const char *after, secret_iter_fn fn, void *arg)
{
	return iter_run(v, store, path, after, fn, arg, 0);
}
