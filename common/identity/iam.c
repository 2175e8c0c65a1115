/*
 * iam.c: the IAM's records (see iam.h, and iam_impl.h for the parts): the
 * id rules, the table of record kinds, and the one path every kind's get,
 * list, describe and delete takes through it.
 *
 * A kind's line in iam_kinds says its key's prefix, how its records are
 * sealed and cached, its id rule, how GET and a list show one, the
 * Bouncer code for an unknown id, and what a delete must check and take
 * along; the path does the rest (the section, the read, the 4xx, the
 * commit) the same way for each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "crypto/crypto.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"
#include "identity/token.h"
#include "vault/vault.h"

int
iam_id_valid(const char *id)
{
	return id != NULL && token_uid_valid(id, strnlen(id, 98)) &&
	       strcmp(id, "anonymous") != 0;
}

int
iam_rid_valid(const char *rid)
{
	size_t i, n;

	if (rid == NULL || (n = strnlen(rid, IAM_MAX_RID + 1)) == 0 ||
	    n > IAM_MAX_RID)
		return 0;
	for (i = 0; i < n; i++) {
		char c = rid[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || strchr(":._/*@-", c)))
			return 0;
	}
	return 1;
}

unsigned
iam_action_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	if (!strcmp(name, "full"))
		return ACL_FULL;
	for (i = 0; i < 4; i++)
		if (!strcmp(name, iam_action_names[i]))
			return 1u << i;
	return 0;
}

int
iam_password_valid(const char *pw, size_t len)
{
	return pw != NULL && len > 0 && len <= IAM_MAX_PASSWORD &&
	       memchr(pw, '\0', len) == NULL;
}

int
iam_description_valid(const char *desc, size_t len)
{
	return desc != NULL && len <= IAM_MAX_DESC &&
	       memchr(desc, '\0', len) == NULL;
}

char *
iam_text(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	return s ? strdup(s) : NULL;
}

/* Outside any section. */
enum cf_status
iam_rec_read(struct vault *v, const char *key, struct json_object **out)
{
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = vault_get_json(v, key, out);
	vault_read_end(v);
	return st;
}

/* What of a user record may stay in a process's cache of opened records:
 * all but its password hash. */
static const char *const user_uncached[] = {"password", NULL};

/* Every kind of IAM record, a line each (struct iam_kind says what). */
const struct iam_kind iam_kinds[IAM_K_COUNT] = {
    [IAM_K_USER] = {'u', RECORD_USER, user_uncached, iam_id_valid,
        iam_user_view, "ERR_UNKNOWN_USER_ID", iam_user_on_delete},
    [IAM_K_GROUP] = {'g', RECORD_META, NULL, iam_id_valid, iam_group_view,
        "ERR_UNKNOWN_GROUP_ID", iam_group_on_delete},
    [IAM_K_ACL] = {'p', RECORD_META, NULL, iam_rid_valid, iam_acl_view,
        "ERR_UNKNOWN_RESOURCE_ID", NULL},
    [IAM_K_APIKEY] = {'k', RECORD_META, NULL, NULL, iam_apikey_view, NULL,
        iam_apikey_on_delete},
    [IAM_K_REFRESH] = {'r', RECORD_META, NULL, NULL, NULL, NULL, NULL},
};

void
iam_key(char *buf, size_t len, enum iam_kind_id k, const char *id)
{
	snprintf(buf, len, "%c:%s", iam_kinds[k].prefix, id);
}

/* The kind of the record at key, or NULL when no kind has such keys. */
const struct iam_kind *
iam_kind_of(const char *key)
{
	size_t i;

	for (i = 0; i < IAM_K_COUNT; i++)
		if (key[0] == iam_kinds[i].prefix && key[1] == ':')
			return &iam_kinds[i];
	return NULL;
}

/* The status of an unknown id of kind k: its Bouncer code, or 404. */
static enum cf_status
rec_unknown(const struct iam_kind *kind, const char **code)
{
	if (kind->unknown == NULL)
		return CF_E_NOT_FOUND;
	*code = kind->unknown;
	return CF_E_BAD_REQUEST;
}

/* In a section: a record as the hot path reads it (who is calling, what
 * may they do), through the vault's cache; *out is shared, read-only. */
enum cf_status
iam_rec_get_shared(struct vault *v, const char *key, struct json_object **out)
{
	const struct iam_kind *kind = iam_kind_of(key);

	return vault_get_json_cached(
	    v, key, kind != NULL ? kind->uncached : NULL, out);
}

/* Outside any section. */
enum cf_status
iam_rec_read_shared(struct vault *v, const char *key, struct json_object **out)
{
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = iam_rec_get_shared(v, key, out);
	vault_read_end(v);
	return st;
}

enum cf_status
iam_rec_put(struct vault *v, const char *key, struct json_object *o)
{
	const struct iam_kind *kind = iam_kind_of(key);
	char *text;
	enum cf_status st;

	if ((text = iam_text(o)) == NULL)
		return CF_E_INTERNAL;
	st = vault_put(v, kind != NULL ? kind->sealed_as : RECORD_META, key,
	    text, strlen(text));
	crypto_wipe(text, strlen(text));
	free(text);
	return st;
}

void
iam_add_str(struct json_object *o, const char *k, const char *s)
{
	jb_set_str(o, k, s ? s : "");
}

const char *
iam_get_str(struct json_object *o, const char *k)
{
	const char *s;
	size_t len;

	return cf_json_string(o, k, &s, &len) == CF_OK ? s : "";
}

int
iam_array_has(struct json_object *a, const char *s)
{
	size_t i, n = a ? json_object_array_length(a) : 0;
	struct json_object *e;

	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (json_object_is_type(e, json_type_string) &&
		    !strcmp(json_object_get_string(e), s))
			return 1;
	}
	return 0;
}

/* In a write section: drop id from every record under prefix that names
 * it (ACL users/groups maps when field is set, or a "uid" owner). */
enum cf_status
iam_purge_refs(
    struct vault *v, const char *prefix, const char *field, const char *id)
{
	struct vault_keylist l;
	struct json_object *o, *m;
	enum cf_status st;
	size_t i;

	if ((st = vault_list_keys(v, prefix, &l)) != CF_OK)
		return st;
	for (i = 0; i < l.n && st == CF_OK; i++) {
		o = NULL;
		if ((st = vault_get_json(v, l.k[i], &o)) != CF_OK)
			break;
		if (field != NULL && json_object_object_get_ex(o, field, &m) &&
		    json_object_object_get_ex(m, id, NULL)) {
			json_object_object_del(m, id);
			st = iam_rec_put(v, l.k[i], o);
		} else if (field == NULL && !strcmp(iam_get_str(o, "uid"), id))
			st = vault_del(v, l.k[i]);
		json_object_put(o);
	}
	vault_keylist_free(&l);
	return st;
}

struct json_object *
iam_wrap_array(struct json_object *a)
{
	struct json_object *o = jb_object();

	jb_set(o, "array", a);
	return o;
}

/* Write record o (taken) at key unless one is there: then 409 with
 * exists as the code.  Its own write section. */
enum cf_status
iam_rec_create(struct vault *v, const char *key, struct json_object *o,
    const char *exists, const char **code)
{
	struct json_object *old = NULL;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK) {
		json_object_put(o);
		return st;
	}
	st = vault_get_json(v, key, &old);
	if (st == CF_OK) {
		*code = exists;
		st = CF_E_CONFLICT;
	} else if (st == CF_E_NOT_FOUND)
		st = iam_rec_put(v, key, o);
	if (st == CF_OK)
		st = vault_commit(v);
	else
		vault_abort(v);
	json_object_put(old);
	json_object_put(o);
	return st;
}

/* GET of one record of kind k: its view, or CF_E_NOT_FOUND (an id its
 * kind's rule refuses names no record). */
enum cf_status
iam_rec_get(struct vault *v, enum iam_kind_id k, const char *id,
    struct json_object **out)
{
	const struct iam_kind *kind = &iam_kinds[k];
	struct json_object *o = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	if (kind->valid != NULL && !kind->valid(id))
		return CF_E_NOT_FOUND;
	iam_key(key, sizeof(key), k, id);
	if ((st = iam_rec_read(v, key, &o)) != CF_OK)
		return st;
	*out = kind->view(o, id, NULL);
	json_object_put(o);
	return CF_OK;
}

/* {"array": [view(record, id, arg)...]} over every record of kind k, view
 * NULL: the kind's; a view's NULL leaves a record out. */
enum cf_status
iam_rec_list(struct vault *v, enum iam_kind_id k, iam_view_fn view, void *arg,
    struct json_object **out)
{
	struct vault_keylist l;
	struct json_object *a, *o, *e;
	char prefix[3] = {iam_kinds[k].prefix, ':', '\0'};
	enum cf_status st;
	size_t i;

	if (view == NULL)
		view = iam_kinds[k].view;
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_list_keys(v, prefix, &l)) != CF_OK) {
		vault_read_end(v);
		return st;
	}
	a = jb_array();
	for (i = 0; i < l.n && st == CF_OK; i++) {
		o = NULL;
		if ((st = vault_get_json(v, l.k[i], &o)) != CF_OK)
			break;
		if ((e = view(o, l.k[i] + 2, arg)) != NULL)
			jb_push(a, e);
		json_object_put(o);
	}
	vault_read_end(v);
	vault_keylist_free(&l);
	if (st != CF_OK) {
		json_object_put(a);
		return st;
	}
	*out = iam_wrap_array(a);
	return CF_OK;
}

/*
 * A write section on the existing record of kind k at id: 0 with *o (the
 * caller's) and key, the section open; else the section closed and an
 * unknown id its kind's code.
 */
static enum cf_status
rec_begin(struct vault *v, enum iam_kind_id k, const char *id,
    char key[IAM_KEY_MAX], struct json_object **o, const char **code)
{
	const struct iam_kind *kind = &iam_kinds[k];
	enum cf_status st;

	*o = NULL;
	if (kind->valid != NULL && !kind->valid(id))
		return rec_unknown(kind, code);
	iam_key(key, IAM_KEY_MAX, k, id);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, o)) == CF_E_NOT_FOUND)
		st = rec_unknown(kind, code);
	if (st != CF_OK) {
		vault_abort(v);
		json_object_put(*o);
		*o = NULL;
	}
	return st;
}

/* End rec_begin's section: commit what st says went well, else abort. */
static enum cf_status
rec_end(struct vault *v, enum cf_status st, struct json_object *o)
{
	if (st == CF_OK)
		st = vault_commit(v);
	else
		vault_abort(v);
	json_object_put(o);
	return st;
}

/* A new description for the record of kind k at id. */
enum cf_status
iam_rec_describe(struct vault *v, enum iam_kind_id k, const char *id,
    const char *desc, const char **code)
{
	struct json_object *o;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	if ((st = rec_begin(v, k, id, key, &o, code)) != CF_OK)
		return st;
	iam_add_str(o, "description", desc);
	return rec_end(v, iam_rec_put(v, key, o), o);
}

/*
 * Delete the record of kind k at id, in one write section with what its
 * kind's on_delete checks and takes along (arg is on_delete's): nothing
 * changes unless all of it does.
 */
enum cf_status
iam_rec_delete(struct vault *v, enum iam_kind_id k, const char *id, void *arg,
    const char **code)
{
	struct json_object *o;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	if ((st = rec_begin(v, k, id, key, &o, code)) != CF_OK)
		return st;
	if (iam_kinds[k].on_delete != NULL)
		st = iam_kinds[k].on_delete(v, id, o, arg, code);
	if (st == CF_OK)
		st = vault_del(v, key);
	return rec_end(v, st, o);
}

/* The name of a key or a token: the hex of its SHA-256. */
int
iam_hash_hex(const void *s, size_t len, char hex[IAM_HASH_HEX + 1])
{
	uint8_t h[CF_SHA256_LEN];
	char *x;

	_Static_assert(IAM_HASH_HEX == 2 * sizeof(h), "a byte is two digits");
	if (crypto_sha256(s, len, h) != 0 ||
	    (x = codec_hex_encode(h, sizeof(h))) == NULL)
		return -1;
	memcpy(hex, x, IAM_HASH_HEX + 1);
	free(x);
	return 0;
}
