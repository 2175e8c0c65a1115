/*
 * iam_apikeys.c: API key records (k:<hex>), by the SHA-256 of the key: a
 * key is shown once, at creation, and never stored; a lookup hashes what
 * it is given and reads that record, so no key is ever compared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "crypto/crypto.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"
#include "vault/vault.h"

static char *
uuid_new(void)
{
	uint8_t b[16];
	char *s;

	if (crypto_random(b, sizeof(b)) != 0 ||
	    (s = malloc(IAM_APIKEY_LEN + 1)) == NULL)
		return NULL;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(s, IAM_APIKEY_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
	crypto_wipe(b, sizeof(b));
	return s;
}

/* Put an owned record by hash; creation only. */
enum cf_status
iam_owned_put(struct vault *v, const char *key, const char *uid, int64_t exp)
{
	struct json_object *o = jb_object();
	enum cf_status st;

	iam_add_str(o, "uid", uid);
	jb_set_int(o, "created", (int64_t)time(NULL));
	if (exp)
		jb_set_int(o, "exp", exp);
	if ((st = vault_write_begin(v)) == CF_OK) {
		if ((st = iam_rec_put(v, key, o)) == CF_OK)
			st = vault_commit(v);
		else
			vault_abort(v);
	}
	json_object_put(o);
	return st;
}

enum cf_status
iam_apikey_create(struct vault *v, const char *uid, char **key,
    char name[IAM_APIKEY_NAME_LEN + 1])
{
	char rkey[IAM_HASHED_KEY_MAX];
	char *k;
	enum cf_status st;

	if ((k = uuid_new()) == NULL)
		return CF_E_INTERNAL;
	if (iam_hash_hex(k, strlen(k), name) != 0) {
		free(k);
		return CF_E_INTERNAL;
	}
	iam_key(rkey, sizeof(rkey), IAM_K_APIKEY, name);
	if ((st = iam_owned_put(v, rkey, uid, 0)) != CF_OK) {
		crypto_wipe(k, strlen(k));
		free(k);
		return st;
	}
	*key = k;
	return CF_OK;
}

enum cf_status
iam_apikey_lookup(
    struct vault *v, const char *key, size_t len, char uid[CF_MAX_UID + 1])
{
	struct json_object *o = NULL;
	char hex[IAM_HASH_HEX + 1], rkey[IAM_HASHED_KEY_MAX];
	enum cf_status st;

	/* A lookup by hash: the key itself is never compared. */
	if (iam_hash_hex(key, len, hex) != 0)
		return CF_E_INTERNAL;
	iam_key(rkey, sizeof(rkey), IAM_K_APIKEY, hex);
	if ((st = iam_rec_read_shared(v, rkey, &o)) != CF_OK)
		return st == CF_E_NOT_FOUND ? CF_E_UNAUTHORIZED : st;
	snprintf(uid, CF_MAX_UID + 1, "%s", iam_get_str(o, "uid"));
	json_object_put(o);
	return CF_OK;
}

/* The kind's view (iam_kinds); arg, if not NULL, the only owner listed. */
struct json_object *
iam_apikey_view(struct json_object *k, const char *name, void *arg)
{
	struct json_object *o, *meta;
	int64_t created = 0;

	if (arg != NULL && strcmp(iam_get_str(k, "uid"), arg))
		return NULL;
	(void)cf_json_int(k, "created", 0, INT64_MAX, &created);
	o = jb_object();
	meta = jb_object();
	iam_add_str(meta, "name", name);
	iam_add_str(meta, "created_by", iam_get_str(k, "uid"));
	jb_set(o, "metadata", meta);
	iam_add_str(o, "username", iam_get_str(k, "uid"));
	jb_set_int(o, "created_at", created);
	return o;
}

enum cf_status
iam_apikey_list(struct vault *v, const char *owner, struct json_object **out)
{
	struct json_object *w = NULL;
	enum cf_status st;

	if ((st = iam_rec_list(v, IAM_K_APIKEY, NULL, (void *)owner, &w)) !=
	    CF_OK)
		return st;
	/* Sensu answers a bare array. */
	*out = json_object_get(json_object_object_get(w, "array"));
	json_object_put(w);
	return CF_OK;
}

int
iam_apikey_name(const char *arg, size_t len, char name[IAM_APIKEY_NAME_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; len == IAM_APIKEY_NAME_LEN && i < len; i++)
		if (memchr(digits, arg[i], sizeof(digits) - 1) == NULL)
			break;
	if (len != IAM_APIKEY_NAME_LEN || i < len)
		return iam_hash_hex(arg, len, name);
	memcpy(name, arg, IAM_APIKEY_NAME_LEN);
	name[IAM_APIKEY_NAME_LEN] = '\0';
	return 0;
}

/* iam_rec_delete's check for a key: arg, if not NULL, the only owner
 * whose key may go; anyone else's is not found. */
enum cf_status
iam_apikey_on_delete(struct vault *v, const char *name, struct json_object *k,
    void *arg, const char **code)
{
	(void)v;
	(void)name;
	(void)code;
	if (arg != NULL && strcmp(iam_get_str(k, "uid"), arg))
		return CF_E_NOT_FOUND;
	return CF_OK;
}

enum cf_status
iam_apikey_delete(struct vault *v, const char *name, const char *only_owner)
{
	const char *code = NULL;
	char hex[IAM_HASH_HEX + 1];

	if (iam_apikey_name(name, strlen(name), hex) != 0)
		return CF_E_INTERNAL;
	return iam_rec_delete(v, IAM_K_APIKEY, hex, (void *)only_owner, &code);
}
