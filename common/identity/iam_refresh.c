/*
 * iam_refresh.c: Sensu refresh token records (r:<hex>), by the SHA-256 of
 * the token, with an owner and an expiry.  A token works once: taking it
 * deletes it, refused or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/json.h"
#include "crypto/crypto.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"
#include "vault/vault.h"

enum cf_status
iam_refresh_create(struct vault *v, const char *uid, int64_t now, char **tok)
{
	uint8_t b[IAM_REFRESH_BYTES];
	char hex[IAM_HASH_HEX + 1], rkey[IAM_HASHED_KEY_MAX], *t;
	enum cf_status st;

	if (crypto_random(b, sizeof(b)) != 0 ||
	    (t = codec_base64_encode(b, sizeof(b), 1)) == NULL)
		return CF_E_INTERNAL;
	crypto_wipe(b, sizeof(b));
	if (iam_hash_hex(t, strlen(t), hex) != 0) {
		free(t);
		return CF_E_INTERNAL;
	}
	iam_key(rkey, sizeof(rkey), IAM_K_REFRESH, hex);
	if ((st = iam_owned_put(v, rkey, uid, now + IAM_REFRESH_LIFE)) !=
	    CF_OK) {
		crypto_wipe(t, strlen(t));
		free(t);
		return st;
	}
	*tok = t;
	return CF_OK;
}

enum cf_status
iam_refresh_take(
    struct vault *v, const char *uid, const char *tok, size_t len, int64_t now)
{
	struct json_object *o = NULL;
	char hex[IAM_HASH_HEX + 1], rkey[IAM_HASHED_KEY_MAX];
	enum cf_status st;
	int64_t exp = 0;

	if (iam_hash_hex(tok, len, hex) != 0)
		return CF_E_INTERNAL;
	iam_key(rkey, sizeof(rkey), IAM_K_REFRESH, hex);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, rkey, &o)) == CF_OK) {
		(void)cf_json_int(o, "exp", 0, INT64_MAX, &exp);
		/* Used once: a stolen refresh token works once at most. */
		st = vault_del(v, rkey);
		if (st == CF_OK &&
		    (strcmp(iam_get_str(o, "uid"), uid) || exp <= now))
			st = CF_E_UNAUTHORIZED;
	}
	if (st == CF_E_NOT_FOUND)
		st = CF_E_UNAUTHORIZED;
	/* A refused token is deleted all the same. */
	if (st == CF_OK || st == CF_E_UNAUTHORIZED) {
		if (vault_commit(v) != CF_OK)
			st = CF_E_INTERNAL;
	} else
		vault_abort(v);
	json_object_put(o);
	return st;
}
