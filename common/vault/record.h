/*
 * record.h: the sealed record format, the only shape a value has on disk.
 *
 *   byte 0      format (RECORD_FORMAT)
 *   byte 1      kind (enum record_kind)
 *   bytes 2-5   key term, big-endian (which data-encryption key)
 *   bytes 6-17  nonce, fresh for every seal
 *   bytes 18-   AES-256-GCM ciphertext, then the 16-byte tag
 *
 * The additional authenticated data is the 6-byte header followed by the
 * record's store key, so a sealed value cannot be moved to another key,
 * relabelled as another kind or attributed to another term without failing
 * to open.  A clear record (format RECORD_CLEAR) holds only what must be
 * read while the store is sealed.
 *
 * Ownership: record_seal() and record_open() return malloc'd buffers that
 * the caller owns; record_open()'s output is wiped by record_free().
 */
#ifndef COFFER_RECORD_H
#define COFFER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

#define RECORD_FORMAT   1
#define RECORD_CLEAR    0x80
#define RECORD_HDR_LEN  6
#define RECORD_OVERHEAD (RECORD_HDR_LEN + 12 + 16)

enum record_kind {
	RECORD_META = 'm',
	RECORD_SECRET = 's',
	RECORD_VERSION = 'v',
	RECORD_DIR = 'd',
	RECORD_USER = 'u',
	RECORD_KEYRING = 'k',
};

enum cf_status record_seal(const uint8_t *key, uint32_t term,
    enum record_kind kind, const void *skey, size_t sklen, const void *pt,
    size_t ptlen, uint8_t **out, size_t *outlen);
/* CF_E_CRYPTO when the record does not authenticate under this key. */
enum cf_status record_open(const uint8_t *key, const void *skey, size_t sklen,
    const uint8_t *rec, size_t reclen, uint8_t **pt, size_t *ptlen);
/* The term a sealed record names, or -1 if rec is not a sealed record. */
int64_t record_term(const uint8_t *rec, size_t reclen);

enum cf_status record_clear(enum record_kind kind, const void *pt, size_t ptlen,
    uint8_t **out, size_t *outlen);
enum cf_status record_read_clear(
    const uint8_t *rec, size_t reclen, const uint8_t **pt, size_t *ptlen);

void record_free(uint8_t *pt, size_t len);

#endif
