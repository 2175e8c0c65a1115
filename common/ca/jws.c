/*
 * jws.c: JWK parsing, RFC 7638 thumbprints and ES256/RS256 verification.
 * See jws.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "ca/jws.h"
#include "crypto/crypto.h"
#include "crypto/ecp256.h"

/* A base64url member decoded into dst, which it must fit (exactly, when
 * exact).  0 or -1. */
static int
b64_member(struct json_object *o, const char *name, uint8_t *dst, size_t cap,
    int exact, size_t *outlen)
{
	const char *s;
	size_t len, n = 0;
	uint8_t *raw = NULL;
	int rc = -1;

	if (cf_json_string(o, name, &s, &len) != CF_OK)
		return -1;
	if (codec_base64_decode(s, len, 1, &raw, &n) != 0)
		return -1;
	if (n == 0 || n > cap || (exact && n != cap))
		goto out;
	memcpy(dst, raw, n);
	*outlen = n;
	rc = 0;
out:
	free(raw);
	return rc;
}

static int
parse_ec(struct json_object *jwk, struct jws_key *k)
{
	const char *crv;
	size_t len, n;

	if (cf_json_string(jwk, "crv", &crv, &len) != CF_OK || len != 5 ||
	    memcmp(crv, "P-256", 5) != 0)
		return -1;
	if (b64_member(jwk, "x", k->x, 32, 1, &n) != 0 ||
	    b64_member(jwk, "y", k->y, 32, 1, &n) != 0)
		return -1;
	/* A point off the curve fails every signature (ecp256_verify). */
	k->kty = JWS_EC_P256;
	return 0;
}

static int
parse_rsa(struct json_object *jwk, struct jws_key *k)
{
	if (b64_member(jwk, "n", k->n, sizeof(k->n), 0, &k->nlen) != 0 ||
	    b64_member(jwk, "e", k->e, sizeof(k->e), 0, &k->elen) != 0)
		return -1;
	/* RFC 7518 6.3.1: no leading zero octets. */
	if (k->n[0] == 0 || k->e[0] == 0)
		return -1;
	if (crypto_rsa_import_numbers(k->n, k->nlen, k->e, k->elen, &k->rsa) !=
	    0)
		return -1;
	if (crypto_rsa_bits(k->rsa) < JWS_RSA_MIN_BITS) {
		crypto_rsa_free(k->rsa);
		k->rsa = NULL;
		return -1;
	}
	k->kty = JWS_RSA;
	return 0;
}

int
jws_key_parse(struct json_object *jwk, struct jws_key *k)
{
	const char *kty;
	size_t len;

	memset(k, 0, sizeof(*k));
	if (jwk == NULL || !json_object_is_type(jwk, json_type_object))
		return -1;
	if (cf_json_string(jwk, "kty", &kty, &len) != CF_OK)
		return -1;
	if (len == 2 && memcmp(kty, "EC", 2) == 0)
		return parse_ec(jwk, k);
	if (len == 3 && memcmp(kty, "RSA", 3) == 0)
		return parse_rsa(jwk, k);
	return -1;
}

void
jws_key_free(struct jws_key *k)
{
	crypto_rsa_free(k->rsa);
	memset(k, 0, sizeof(*k));
}

/* The required members, base64url, in *a and *b ("x","y" or "e","n"). */
static int
members(const struct jws_key *k, char **a, char **b)
{
	if (k->kty == JWS_EC_P256) {
		*a = codec_base64_encode(k->x, 32, 1);
		*b = codec_base64_encode(k->y, 32, 1);
	} else {
		*a = codec_base64_encode(k->e, k->elen, 1);
		*b = codec_base64_encode(k->n, k->nlen, 1);
	}
	if (*a == NULL || *b == NULL) {
		free(*a);
		free(*b);
		return -1;
	}
	return 0;
}

struct json_object *
jws_key_json(const struct jws_key *k)
{
	struct json_object *o = jb_object();
	char *a, *b;

	if (members(k, &a, &b) != 0)
		abort(); /* as jbuild.h: no memory, no answer */
	if (k->kty == JWS_EC_P256) {
		jb_set_str(o, "kty", "EC");
		jb_set_str(o, "crv", "P-256");
		jb_set_str(o, "x", a);
		jb_set_str(o, "y", b);
	} else {
		jb_set_str(o, "kty", "RSA");
		jb_set_str(o, "e", a);
		jb_set_str(o, "n", b);
	}
	free(a);
	free(b);
	return o;
}

int
jws_thumbprint(const struct jws_key *k, char out[JWS_THUMB_LEN + 1])
{
	char *a, *b, *json = NULL, *t = NULL;
	uint8_t h[32];
	int n, rc = -1;

	if (members(k, &a, &b) != 0)
		return -1;
	/* RFC 7638 3.2: lexicographic order, no whitespace. */
	if (k->kty == JWS_EC_P256)
		n = asprintf(&json,
		    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\","
		    "\"y\":\"%s\"}",
		    a, b);
	else
		n = asprintf(
		    &json, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", a, b);
	if (n < 0) {
		json = NULL;
		goto out;
	}
	if (crypto_sha256(json, (size_t)n, h) != 0)
		goto out;
	if ((t = codec_base64_encode(h, sizeof(h), 1)) == NULL ||
	    strlen(t) != JWS_THUMB_LEN)
		goto out;
	memcpy(out, t, JWS_THUMB_LEN + 1);
	rc = 0;
out:
	free(a);
	free(b);
	free(json);
	free(t);
	return rc;
}

int
jws_alg_known(const char *alg)
{
	return !strcmp(alg, "ES256") || !strcmp(alg, "RS256");
}

/* One unsigned big-endian 32-byte integer as a DER INTEGER at p. */
static size_t
der_int(uint8_t *p, const uint8_t *v)
{
	size_t skip = 0, len;

	while (skip < 31 && v[skip] == 0)
		skip++;
	len = 32 - skip;
	p[0] = 0x02;
	if (v[skip] & 0x80) {
		p[1] = (uint8_t)(len + 1);
		p[2] = 0;
		memcpy(p + 3, v + skip, len);
		return len + 3;
	}
	p[1] = (uint8_t)len;
	memcpy(p + 2, v + skip, len);
	return len + 2;
}

/* RFC 7518 3.4: the JWS signature is r || s; X.509's is DER. */
static int
verify_es256(const struct jws_key *k, const void *input, size_t len,
    const uint8_t *sig, size_t siglen)
{
	uint8_t h[32], point[65], der[ECP256_SIG_MAX];
	size_t n;
	int rc;

	if (siglen != 64)
		return 1;
	if (crypto_sha256(input, len, h) != 0)
		return -1;
	n = 2;
	n += der_int(der + n, sig);
	n += der_int(der + n, sig + 32);
	der[0] = 0x30;
	der[1] = (uint8_t)(n - 2);
	point[0] = 0x04;
	memcpy(point + 1, k->x, 32);
	memcpy(point + 33, k->y, 32);
	rc = ecp256_verify(point, sizeof(point), h, der, n);
	return rc;
}

int
jws_verify(const struct jws_key *k, const char *alg, const void *input,
    size_t len, const uint8_t *sig, size_t siglen)
{
	int rc;

	if (k->kty == JWS_EC_P256 && !strcmp(alg, "ES256"))
		return verify_es256(k, input, len, sig, siglen);
	if (k->kty == JWS_RSA && !strcmp(alg, "RS256")) {
		rc = crypto_rs256_verify(k->rsa, input, len, sig, siglen);
		if (rc == 0)
			return 0;
		return rc == CRYPTO_E_AUTH ? 1 : -1;
	}
	return 1;
}
