/*
 * shamir.c: Shamir split and combine over GF(256), as declared in shamir.h.
 *
 * Each secret byte is the constant term of its own random polynomial of
 * degree t - 1; a share holds every polynomial's value at the share's x.
 * Combining evaluates the Lagrange interpolation at x = 0.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "crypto/crypto.h"
#include "crypto/shamir.h"

static void
shamir_logx(const char *func, const char *msg)
{
	log_msg("warn", func, 0, "%s", msg);
}

/*
 * Multiply in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1, always eight rounds
 * and no branch on a or b: log and exp tables would leak the secret through
 * the cache.
 */
static uint8_t
shamir_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;
	unsigned i;

	for (i = 0; i < 8; i++) {
		r ^= a & (uint8_t) - (b & 1);
		a = (uint8_t)(a << 1) ^ ((uint8_t) - (a >> 7) & 0x1b);
		b >>= 1;
	}
	return r;
}

/* a^254, the inverse of a non-zero a (a^255 = 1), by a fixed chain. */
static uint8_t
shamir_inv(uint8_t a)
{
	uint8_t sq = a, r = 1;
	unsigned i;

	for (i = 1; i < 8; i++) {
		sq = shamir_mul(sq, sq);
		r = shamir_mul(r, sq);
	}
	return r;
}

/* The polynomial with coefficients coef[0..t-1] at x, by Horner's rule. */
static uint8_t
shamir_eval(const uint8_t *coef, unsigned t, uint8_t x)
{
	uint8_t y = coef[t - 1];
	unsigned j;

	for (j = t - 1; j > 0; j--)
		y = shamir_mul(y, x) ^ coef[j - 1];
	return y;
}

static void
shamir_free_all(uint8_t **made, unsigned n, size_t sharelen)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		crypto_wipe(made[i], made[i] != NULL ? sharelen : 0);
		free(made[i]);
	}
}

int
shamir_split(
    const uint8_t *secret, size_t len, unsigned n, unsigned t, uint8_t **shares)
{
	uint8_t *made[SHAMIR_MAX_SHARES] = {NULL};
	uint8_t coef[SHAMIR_MAX_SHARES];
	size_t b;
	unsigned i;
	int ret = -1;

	if (secret == NULL || shares == NULL || len == 0 ||
	    len > SHAMIR_MAX_SECRET || n == 0 || n > SHAMIR_MAX_SHARES ||
	    t == 0 || t > n) {
		shamir_logx(__func__, "bad length, share count or threshold");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((made[i] = malloc(len + 1)) == NULL) {
			shamir_logx(__func__, "out of memory");
			goto out;
		}
		/* Sequential x: they are public, and any distinct set works. */
		made[i][len] = (uint8_t)(i + 1);
	}
	for (b = 0; b < len; b++) {
		coef[0] = secret[b];
		if (crypto_random(coef + 1, t - 1) < 0)
			goto out;
		for (i = 0; i < n; i++)
			made[i][b] = shamir_eval(coef, t, made[i][len]);
	}
	memcpy(shares, made, n * sizeof(made[0]));
	ret = 0;
out:
	crypto_wipe(coef, sizeof(coef));
	if (ret != 0)
		shamir_free_all(made, n, len + 1);
	return ret;
}

/*
 * Check the x-coordinates (non-zero, distinct) and compute each share's
 * Lagrange weight at 0: the product over the other shares j of
 * x_j / (x_i - x_j), where subtraction in GF(2^8) is xor.
 */
static int
shamir_weights(uint8_t *const *shares, unsigned k, size_t len, uint8_t *w)
{
	uint8_t seen[256] = {0}, xi, xj;
	unsigned i, j;

	for (i = 0; i < k; i++) {
		xi = shares[i][len];
		if (xi == 0 || seen[xi])
			return -1;
		seen[xi] = 1;
	}
	for (i = 0; i < k; i++) {
		xi = shares[i][len];
		w[i] = 1;
		for (j = 0; j < k; j++) {
			if (j == i)
				continue;
			xj = shares[j][len];
			w[i] = shamir_mul(
			    w[i], shamir_mul(xj, shamir_inv(xi ^ xj)));
		}
	}
	return 0;
}

int
shamir_combine(
    uint8_t *const *shares, unsigned k, size_t sharelen, uint8_t *out)
{
	uint8_t w[SHAMIR_MAX_SHARES], acc;
	size_t len, b;
	unsigned i;

	if (shares == NULL || out == NULL || k == 0 || k > SHAMIR_MAX_SHARES ||
	    sharelen < 2 || sharelen > SHAMIR_MAX_SECRET + 1) {
		shamir_logx(__func__, "bad share count or length");
		return -1;
	}
	for (i = 0; i < k; i++) {
		if (shares[i] == NULL) {
			shamir_logx(__func__, "missing share");
			return -1;
		}
	}
	len = sharelen - 1;
	if (shamir_weights(shares, k, len, w) < 0) {
		shamir_logx(__func__, "zero or duplicate x-coordinate");
		return -1;
	}
	for (b = 0; b < len; b++) {
		acc = 0;
		for (i = 0; i < k; i++)
			acc ^= shamir_mul(shares[i][b], w[i]);
		out[b] = acc;
	}
	return 0;
}
