/*
 * ecp256.h: ECDSA over P-256 with SHA-256 digests, the one signature the
 * CA makes and checks on every request, kept fast.
 *
 * This is the only file that includes OpenSSL's libcrypto, and it uses it
 * for the P-256 arithmetic only (README, "Library choices": its P-256 code
 * verifies 2.3x and signs 2.3x faster than nettle's, which GnuTLS uses).
 * Everything else (hashing, other key types, parsing) stays with GnuTLS.
 *
 * Invariants:
 *   - Points are uncompressed SEC1 (65 bytes, 0x04 || X || Y); signatures
 *     are DER Ecdsa-Sig-Value, as X.509 carries them, and a signature that
 *     is not in canonical DER does not verify.
 *   - A struct ecp256_key owns a private scalar; ecp256_key_free() wipes it.
 *   - Safe to call from any process; the curve is set up once per process.
 */
#ifndef COFFER_ECP256_H
#define COFFER_ECP256_H

#include <stddef.h>
#include <stdint.h>

#define ECP256_SIG_MAX 72 /* DER of two 33-byte INTEGERs */

/* 0 when sig is a good signature of hash by the point, 1 when it is not
 * (including a point off the curve), -1 on an internal failure. */
int ecp256_verify(const uint8_t *point, size_t pointlen, const uint8_t hash[32],
    const uint8_t *sig, size_t siglen);

struct ecp256_key;
/* A signing key from its big-endian scalar d (leading zeros allowed). */
int ecp256_key_new(const uint8_t *d, size_t dlen, struct ecp256_key **out);
/* sig must hold ECP256_SIG_MAX bytes. 0 or -1. */
int ecp256_sign(const struct ecp256_key *k, const uint8_t hash[32],
    uint8_t *sig, size_t *siglen);
void ecp256_key_free(struct ecp256_key *k);

#endif /* COFFER_ECP256_H */
