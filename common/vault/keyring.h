/*
 * keyring.h: the data-encryption keys by term, as m:keyring holds them.
 *
 * The keyring's plaintext (sealed under the root key, record.h) is a
 * 4-byte big-endian count, then that many (4-byte big-endian term, 32-byte
 * key) pairs in increasing term order; the last is the current key, the
 * one every new record is sealed under.  Older terms stay so that records
 * sealed under them still open until a rewrap moves them to the current
 * one (docs/store.md#rotation-rewrap-and-rekey).  Terms start at 1 and only
 * grow: term 0 is the root key's, which seals the keyring itself.
 *
 * These functions parse, look up and extend a keyring held in memory and
 * know nothing of the store; a struct keyring holds key material, so its
 * owner wipes it (crypto_wipe) when done.
 */
#ifndef COFFER_KEYRING_H
#define COFFER_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"

/* At most this many terms: a rotation past it is refused.  With its keys,
 * the keyring fits the locked page a process keeps them in. */
#define KEYRING_MAX   48
#define KEYRING_ENTRY (4 + CF_KEY_LEN)
#define KEYRING_BYTES (4 + KEYRING_MAX * KEYRING_ENTRY)

struct keyring {
	size_t n;
	uint32_t term[KEYRING_MAX];
	uint8_t key[KEYRING_MAX][CF_KEY_LEN];
};

/* 0, or -1 when pt is not a keyring: a count that disagrees with the
 * length, no key, more than KEYRING_MAX, or terms not increasing from 1
 * up (out is then wiped). */
int keyring_parse(const uint8_t *pt, size_t len, struct keyring *out);
/* The plaintext of kr into buf (KEYRING_BYTES will do); its length. */
size_t keyring_encode(const struct keyring *kr, uint8_t *buf);
/* The key of term, borrowed from kr, or NULL when kr has no such term. */
const uint8_t *keyring_key(const struct keyring *kr, uint32_t term);
/* The current term (the last), or 0 for an empty keyring. */
uint32_t keyring_current(const struct keyring *kr);
/* Append key as the term after the current one: 0, or -1 when kr is full
 * or its terms have run out (kr unchanged). */
int keyring_add(struct keyring *kr, const uint8_t *key);

#endif
