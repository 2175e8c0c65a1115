/* keyring.c: see keyring.h. */
#include <string.h>

#include "crypto/crypto.h"
#include "vault/keyring.h"

static uint32_t
be32_get(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static void
be32_put(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

int
keyring_parse(const uint8_t *pt, size_t len, struct keyring *out)
{
	const uint8_t *e;
	uint32_t n, prev = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (len < 4)
		return -1;
	n = be32_get(pt);
	if (n < 1 || n > KEYRING_MAX || len != 4 + (size_t)n * KEYRING_ENTRY)
		return -1;
	for (i = 0; i < n; i++) {
		e = pt + 4 + i * KEYRING_ENTRY;
		out->term[i] = be32_get(e);
		/* Increasing from 1: a lookup by term finds one key. */
		if (out->term[i] <= prev) {
			crypto_wipe(out, sizeof(*out));
			return -1;
		}
		prev = out->term[i];
		memcpy(out->key[i], e + 4, CF_KEY_LEN);
	}
	out->n = n;
	return 0;
}

size_t
keyring_encode(const struct keyring *kr, uint8_t *buf)
{
	uint8_t *e;
	size_t i;

	be32_put(buf, (uint32_t)kr->n);
	for (i = 0; i < kr->n; i++) {
		e = buf + 4 + i * KEYRING_ENTRY;
		be32_put(e, kr->term[i]);
		memcpy(e + 4, kr->key[i], CF_KEY_LEN);
	}
	return 4 + kr->n * KEYRING_ENTRY;
}

const uint8_t *
keyring_key(const struct keyring *kr, uint32_t term)
{
	size_t i;

	for (i = kr->n; i > 0; i--)
		if (kr->term[i - 1] == term)
			return kr->key[i - 1];
	return NULL;
}

uint32_t
keyring_current(const struct keyring *kr)
{
	return kr->n > 0 ? kr->term[kr->n - 1] : 0;
}

int
keyring_add(struct keyring *kr, const uint8_t *key)
{
	uint32_t cur = keyring_current(kr);

	if (kr->n == KEYRING_MAX || cur == UINT32_MAX)
		return -1;
	kr->term[kr->n] = cur + 1;
	memcpy(kr->key[kr->n], key, CF_KEY_LEN);
	kr->n++;
	return 0;
}
