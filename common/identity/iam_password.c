/*
 * iam_password.c: password hashes: PBKDF2-SHA256 with a random salt per
 * hash and its iteration count kept beside it, so a count raised later
 * still checks the hashes made before.  A check costs the same whether or
 * not there is a hash to check against.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "crypto/crypto.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"

enum cf_status
iam_pw_hash(const char *pw, size_t len, struct json_object **out)
{
	uint8_t salt[IAM_SALT_LEN], h[IAM_HASH_LEN];
	char *s64 = NULL, *h64 = NULL;
	struct json_object *o;
	enum cf_status st = CF_E_INTERNAL;

	if (crypto_random(salt, sizeof(salt)) != 0 ||
	    crypto_pbkdf2_sha256(pw, len, salt, sizeof(salt), IAM_PBKDF2_ITER,
	        h, sizeof(h)) != 0 ||
	    (s64 = codec_base64_encode(salt, sizeof(salt), 0)) == NULL ||
	    (h64 = codec_base64_encode(h, sizeof(h), 0)) == NULL)
		goto out;
	o = jb_object();
	iam_add_str(o, "alg", "pbkdf2-sha256");
	jb_set_int(o, "iter", IAM_PBKDF2_ITER);
	iam_add_str(o, "salt", s64);
	iam_add_str(o, "hash", h64);
	*out = o;
	st = CF_OK;
out:
	crypto_wipe(h, sizeof(h));
	free(s64);
	free(h64);
	return st;
}

/* 1 if pw matches the stored hash.  With no hash (unknown user, service
 * account) the same work is done against a dummy, so timing does not tell
 * which uids exist. */
int
iam_pw_check(struct json_object *ph, const char *pw, size_t len)
{
	static const uint8_t dummy_salt[IAM_SALT_LEN];
	uint8_t h[IAM_HASH_LEN], *salt = NULL, *want = NULL;
	size_t slen = 0, wlen = 0;
	int64_t iter = IAM_PBKDF2_ITER;
	int ok = 0;
	const char *s, *hh;

	if (ph != NULL) {
		s = iam_get_str(ph, "salt");
		hh = iam_get_str(ph, "hash");
		if (cf_json_int(ph, "iter", 1, 100000000, &iter) != CF_OK ||
		    codec_base64_decode(s, strlen(s), 0, &salt, &slen) != 0 ||
		    codec_base64_decode(hh, strlen(hh), 0, &want, &wlen) != 0 ||
		    wlen != IAM_HASH_LEN)
			ph = NULL;
	}
	if (crypto_pbkdf2_sha256(pw, len, ph ? salt : dummy_salt,
	        ph ? slen : sizeof(dummy_salt), (unsigned)iter, h,
	        sizeof(h)) == 0 &&
	    ph != NULL)
		ok = crypto_equal(h, want, IAM_HASH_LEN);
	crypto_wipe(h, sizeof(h));
	free(salt);
	free(want);
	return ok;
}
