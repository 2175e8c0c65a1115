/* ecp256.c: see ecp256.h. */

/* The EC_KEY interface is deprecated in OpenSSL 3.0 in favour of EVP_PKEY,
 * whose provider look-ups and key decoders cost more per request than the
 * curve arithmetic itself; this file keeps to the 1.1.1 interface, which
 * 3.0 still ships. */
#define OPENSSL_API_COMPAT 10101

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

#include "crypto/ecp256.h"

struct ecp256_key {
	EC_KEY *k;
};

/* The curve, made once per process and never freed. */
static const EC_GROUP *
group(void)
{
	static EC_GROUP *g;

	if (g == NULL)
		g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	return g;
}

int
ecp256_verify(const uint8_t *point, size_t pointlen, const uint8_t hash[32],
    const uint8_t *sig, size_t siglen)
{
	EC_KEY *k = NULL;
	int rc = -1;

	if (group() == NULL || (k = EC_KEY_new()) == NULL ||
	    EC_KEY_set_group(k, group()) != 1)
		goto out;
	rc = 1;
	if (pointlen != 65 || point[0] != 0x04 ||
	    EC_KEY_oct2key(k, point, pointlen, NULL) != 1)
		goto out;
	rc = ECDSA_verify(0, hash, 32, sig, (int)siglen, k) == 1 ? 0 : 1;
out:
	EC_KEY_free(k);
	return rc;
}

int
ecp256_key_new(const uint8_t *d, size_t dlen, struct ecp256_key **out)
{
	struct ecp256_key *key = NULL;
	EC_POINT *pub = NULL;
	BIGNUM *bn = NULL;
	int rc = -1;

	if (group() == NULL || (key = OPENSSL_zalloc(sizeof(*key))) == NULL ||
	    (key->k = EC_KEY_new()) == NULL ||
	    EC_KEY_set_group(key->k, group()) != 1 ||
	    (bn = BN_bin2bn(d, (int)dlen, NULL)) == NULL ||
	    EC_KEY_set_private_key(key->k, bn) != 1 ||
	    (pub = EC_POINT_new(group())) == NULL ||
	    EC_POINT_mul(group(), pub, bn, NULL, NULL, NULL) != 1 ||
	    EC_KEY_set_public_key(key->k, pub) != 1 ||
	    EC_KEY_check_key(key->k) != 1)
		goto out;
	*out = key;
	key = NULL;
	rc = 0;
out:
	EC_POINT_free(pub);
	BN_clear_free(bn);
	ecp256_key_free(key);
	return rc;
}

int
ecp256_sign(const struct ecp256_key *k, const uint8_t hash[32], uint8_t *sig,
    size_t *siglen)
{
	unsigned n = ECP256_SIG_MAX;

	if (ECDSA_size(k->k) > ECP256_SIG_MAX ||
	    ECDSA_sign(0, hash, 32, sig, &n, k->k) != 1)
		return -1;
	*siglen = n;
	return 0;
}

void
ecp256_key_free(struct ecp256_key *k)
{
	if (k == NULL)
		return;
	EC_KEY_free(k->k); /* clears the private scalar */
	OPENSSL_free(k);
}
