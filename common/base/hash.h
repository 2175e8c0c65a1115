/*
 * hash.h: the two non-cryptographic hashes of the library, in one place.
 *
 * CRC32C (Castagnoli) checks bytes on disk: it catches torn and flipped
 * writes better than CRC32, and the store frames every journal record and
 * checks every gdbm file with it (docs/store.md#the-journal).  Its value
 * is part of the file formats: it must never change.
 *
 * SipHash-1-3 places keys in memory: keyed with a random per-process key,
 * a client that chooses keys cannot guess where they land, so it cannot
 * turn a hash table into one long chain.  Its value is never stored.
 *
 * Neither is a MAC or a cryptographic hash: crypto/crypto.h has those.
 * Both read their input as bytes in a fixed order, so a value does not
 * depend on the host's byte order.  Thread-safe; no allocation.
 */
#ifndef COFFER_HASH_H
#define COFFER_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * The CRC32C of buf[0..len) continued from crc (0 to start): hash_crc32c(
 * hash_crc32c(0, a, n), b, m) is the CRC of a then b.  SSE4.2's crc32
 * instruction where the CPU has it, a table otherwise; both give the same
 * value.
 */
uint32_t hash_crc32c(uint32_t crc, const void *buf, size_t len);

/* SipHash-1-3 of buf[0..len) under the 128-bit key k. */
uint64_t hash_sip13(const uint64_t k[2], const void *buf, size_t len);

#endif
