/*
 * jws.h: the JSON Web Signatures an ACME client signs its requests with
 * (RFC 7515, flattened JSON form, as RFC 8555 section 6.2 requires), its
 * keys as JWKs (RFC 7517/7518) and their thumbprints (RFC 7638).
 *
 * Pure functions over bytes: no store, no request.  Two algorithms only,
 * ES256 (P-256, signature r || s, 64 bytes) and RS256 (RSA of at least
 * JWS_RSA_MIN_BITS), so a client cannot talk the verifier into "none",
 * HMAC or a weak key; the algorithm of a key is fixed by its kty, and a
 * header whose alg does not match the key does not verify.
 *
 * Ownership: struct jws_key holds the key's public numbers in fixed
 * arrays and, for RSA, a parsed key; jws_key_free releases it.
 */
#ifndef COFFER_JWS_H
#define COFFER_JWS_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct crypto_rsa;

#define JWS_RSA_MIN_BITS 2048
#define JWS_RSA_MAX_N    1024 /* bytes of a modulus: 8192 bits */
#define JWS_THUMB_LEN    43   /* base64url of a SHA-256, no padding */

enum jws_kty { JWS_EC_P256 = 1, JWS_RSA };

struct jws_key {
	enum jws_kty kty;
	uint8_t x[32], y[32]; /* EC */
	uint8_t n[JWS_RSA_MAX_N], e[8];
	size_t nlen, elen;
	struct crypto_rsa *rsa; /* RSA: parsed from n and e */
};

/* jwk (borrowed) into *k: EC P-256 with 32-byte x and y on the curve, or
 * RSA with n of JWS_RSA_MIN_BITS..8192 bits.  0, or -1 for anything else
 * (k then holds nothing to free). */
int jws_key_parse(struct json_object *jwk, struct jws_key *k);
void jws_key_free(struct jws_key *k);
/* The key's public JWK as a new json-c object (its required members only,
 * as a record keeps it). */
struct json_object *jws_key_json(const struct jws_key *k);
/* RFC 7638: base64url(SHA-256(the required members, sorted, no spaces)),
 * NUL-terminated into out.  0 or -1. */
int jws_thumbprint(const struct jws_key *k, char out[JWS_THUMB_LEN + 1]);

/* Does sig sign input (the protected header's base64url, '.', the
 * payload's) under k with alg?  0 yes; 1 no (a bad signature, or alg not
 * the key's); -1 an internal failure. */
int jws_verify(const struct jws_key *k, const char *alg, const void *input,
    size_t len, const uint8_t *sig, size_t siglen);
/* Is alg one this verifier takes ("ES256", "RS256")? */
int jws_alg_known(const char *alg);

#endif
