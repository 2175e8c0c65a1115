/*
 * shamir.h: Shamir's secret sharing over GF(256), byte by byte, in the same
 * field (AES's, x^8 + x^4 + x^3 + x + 1) and share layout as HashiCorp
 * Vault, so the root key can be split into n shares of which any t rebuild
 * it.
 *
 * Invariants: arithmetic on secret bytes is constant time (no log or exp
 * tables indexed by secret data, no branches on it).  A share is len + 1
 * bytes: the y bytes, then ONE trailing x-coordinate byte in 1..255, distinct
 * within a split.  Fewer than t shares give a wrong result, not an error:
 * callers check the combined key by decrypting with it.  Errors are logged
 * to stderr with the function's name, never with share bytes.  No state is
 * kept between calls.
 *
 * Ownership: shamir_split fills the caller's array of n pointers with
 * malloc'd shares that the caller wipes (crypto_wipe) and frees; nothing is
 * written there on failure.  shamir_combine writes into the caller's buffer,
 * which the caller wipes when done.
 */
#ifndef COFFER_SHAMIR_H
#define COFFER_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#define SHAMIR_MAX_SECRET 1024 /* bytes in a secret we split */
#define SHAMIR_MAX_SHARES 255  /* one per non-zero x in GF(256) */

/*
 * Split secret of len bytes (1..1024) into n shares (1..255) with threshold
 * t (1..n).  Each share is len+1 bytes: the y bytes then ONE trailing
 * x-coordinate byte (1..255, distinct; Vault's layout).  shares is an array
 * of n pointers filled with malloc'd buffers.  Randomness from crypto_random.
 * With t == 1 the polynomial is constant: every share's y bytes equal the
 * secret (development mode keeps one such share).
 */
int shamir_split(const uint8_t *secret, size_t len, unsigned n, unsigned t,
    uint8_t **shares);
/*
 * Combine k shares of sharelen bytes each (same layout) into out (sharelen-1
 * bytes).  Rejects k==0, sharelen<2 (or above SHAMIR_MAX_SECRET + 1), x==0,
 * duplicate x.  With fewer than t shares the result is just wrong (callers
 * verify it by decrypting).
 */
int shamir_combine(
    uint8_t *const *shares, unsigned k, size_t sharelen, uint8_t *out);

#endif
