/*
 * crypto.h: every cryptographic primitive Coffer uses, as thin checked
 * wrappers around GnuTLS.  Outside crypto.c, only the CA's X.509 files
 * (pki.c, cakey.c, certdb.c, certfacts.c, subject.c, csr.c, x509.c)
 * include GnuTLS, for its certificate and key API.
 *
 * Invariants: a function returns 0 on success and -1 on an internal error,
 * which it has logged to stderr with its name and GnuTLS's reason (never
 * with key, plaintext or message bytes).  CRYPTO_E_AUTH means a tag or
 * signature did not verify and CRYPTO_E_KEYTYPE that a key is not the kind
 * asked for; both come from input, so they are not logged.  Out-parameters
 * are written only on success.  Sealing uses AES-256-GCM with a 32-byte key
 * and a 12-byte nonce that must never repeat under one key (crypto_nonce
 * gives a fresh random one); RSA signatures are RS256 only (RSASSA-PKCS1-v1_5
 * with SHA-256), so no caller can be talked into another algorithm.
 *
 * Ownership: buffers passed in are borrowed.  Buffers returned through
 * `char **` or `uint8_t **` are malloc'd and the caller frees them with
 * free(); a private-key PEM is secret, so the caller crypto_wipe()s it
 * first.  A struct crypto_rsa belongs to whoever created it and is released
 * with crypto_rsa_free().  No function keeps state between calls except
 * crypto_init()'s once-only flag, so they are safe in any worker process.
 */
#ifndef COFFER_CRYPTO_H
#define COFFER_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_E_AUTH    (-2) /* tag or signature did not verify */
#define CRYPTO_E_KEYTYPE (-3) /* not an RSA key, or no private half */

#define CRYPTO_RSA_MIN_BITS 2048       /* smallest modulus we generate */
#define CRYPTO_RSA_MAX_BITS 8192       /* largest modulus we generate */
#define CRYPTO_MAX_PEM      65536      /* bytes in a PEM key we import */
#define CRYPTO_MAX_HKDF     (255 * 32) /* RFC 5869: 255 * HashLen */

/* gnutls_global_init once per process; later calls do nothing. */
int crypto_init(void);
/* Fill buf with key-quality (GNUTLS_RND_KEY) random bytes. */
int crypto_random(void *buf, size_t len);
/* Fill buf with nonce-quality (GNUTLS_RND_NONCE) random bytes. */
int crypto_nonce(void *buf, size_t len);

/*
 * AES-256-GCM; key 32 bytes, nonce 12 bytes; out receives ptlen + 16 bytes
 * (ciphertext then tag).  out may equal pt (in place); otherwise the two
 * must not overlap.
 */
int crypto_aead_seal(const uint8_t *key, const uint8_t *nonce, const void *aad,
    size_t aadlen, const void *pt, size_t ptlen, uint8_t *out);
/*
 * in = ciphertext||tag (inlen >= 16); out receives inlen - 16 bytes;
 * CRYPTO_E_AUTH if the tag does not verify (out is then wiped) or inlen is
 * below 16.  out may equal in.
 */
int crypto_aead_open(const uint8_t *key, const uint8_t *nonce, const void *aad,
    size_t aadlen, const void *in, size_t inlen, uint8_t *out);

int crypto_sha256(const void *msg, size_t len, uint8_t *out32);
int crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t len, uint8_t *out32);
/* RFC 5869; an empty salt means HashLen zero bytes; outlen 1..CRYPTO_MAX_HKDF.
 */
int crypto_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt,
    size_t saltlen, const void *info, size_t infolen, uint8_t *out,
    size_t outlen);
/* RFC 8018 PBKDF2 with HMAC-SHA-256; iterations >= 1. */
int crypto_pbkdf2_sha256(const void *pw, size_t pwlen, const void *salt,
    size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen);

/* 1 if the len bytes at a and b are equal, else 0; time depends on len only. */
int crypto_equal(const void *a, const void *b, size_t len);
/* Zero len bytes at p in a way the compiler cannot drop; NULL-safe. */
void crypto_wipe(void *p, size_t len);

/*
 * RSA for RS256 JWTs (RSASSA-PKCS1-v1_5 with SHA-256).  Opaque; holds a
 * private key (sign and verify) or only a public key (verify).  Signing with
 * a public-only key gives CRYPTO_E_KEYTYPE.
 */
struct crypto_rsa;

/* bits in CRYPTO_RSA_MIN_BITS..CRYPTO_RSA_MAX_BITS. */
int crypto_rsa_generate(unsigned bits, struct crypto_rsa **out);
/* PKCS#8 (unencrypted) or PKCS#1 PEM; a non-RSA key -> CRYPTO_E_KEYTYPE. */
int crypto_rsa_import_private(
    const void *pem, size_t len, struct crypto_rsa **out);
/*
 * "BEGIN PUBLIC KEY" SubjectPublicKeyInfo PEM; a non-RSA key ->
 * CRYPTO_E_KEYTYPE; malformed -> -1.
 */
int crypto_rsa_import_public(
    const void *pem, size_t len, struct crypto_rsa **out);
/*
 * A public key from its big-endian modulus and exponent (a JWK's n and e,
 * RFC 7518 section 6.3.1), for verifying only; numbers GnuTLS refuses, or
 * a modulus over CRYPTO_RSA_MAX_BITS, give CRYPTO_E_KEYTYPE.  Callers
 * check crypto_rsa_bits against their own minimum.
 */
int crypto_rsa_import_numbers(const uint8_t *n, size_t nlen, const uint8_t *e,
    size_t elen, struct crypto_rsa **out);
/*
 * PKCS#8 PEM, NUL-terminated (len excludes the NUL), malloc'd; the caller
 * wipes and frees it.  A public-only key gives CRYPTO_E_KEYTYPE.
 */
int crypto_rsa_export_private(
    const struct crypto_rsa *k, char **pem, size_t *len);
/* SubjectPublicKeyInfo PEM, NUL-terminated (len excludes the NUL), malloc'd. */
int crypto_rsa_export_public(
    const struct crypto_rsa *k, char **pem, size_t *len);
/*
 * Big-endian unsigned modulus and exponent without leading zero bytes, each
 * malloc'd (for JWKS); the caller frees both.
 */
int crypto_rsa_public_numbers(const struct crypto_rsa *k, uint8_t **n,
    size_t *nlen, uint8_t **e, size_t *elen);
/* Modulus size in bits, or 0 for NULL; callers use it to refuse weak keys. */
unsigned crypto_rsa_bits(const struct crypto_rsa *k);
/* sig (modulus-sized) is malloc'd; the caller frees it. */
int crypto_rs256_sign(const struct crypto_rsa *k, const void *msg, size_t len,
    uint8_t **sig, size_t *siglen);
/* 0 ok, CRYPTO_E_AUTH bad signature (of any length). */
int crypto_rs256_verify(const struct crypto_rsa *k, const void *msg, size_t len,
    const void *sig, size_t siglen);
/* NULL-safe. */
void crypto_rsa_free(struct crypto_rsa *k);

#endif
