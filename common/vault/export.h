/*
 * export.h: one store's secrets out and back in, as sealed records.
 *
 * An export is every record of the store's secrets (current versions
 * s:<store>:/..., older versions v:<store>:/..., directory indexes
 * d:<store>:/...) exactly as stored: still ciphertext, never decrypted to
 * produce it, so it opens only under that store's key, that is, with its
 * shares.  The format is the one `cofferctl backup` writes, gdbm_dump's
 * ASCII format as dumpfmt.c frames it ('#' header lines, each datum as
 * "#:len=N" and base64 lines, then "#:count=N"); the count closes it, so a
 * cut-short export is refused.  Unlike a backup, it holds one store's
 * secrets and nothing else (no users, grants or keys).
 *
 * An import is all or nothing: every record must belong to the store named
 * (its key starts with one of the three prefixes, its kind byte matches),
 * and must open under the current data-encryption key with its key as
 * additional data, before anything is written.  Then one write transaction
 * replaces the store's secrets with the export's, so the directory indexes
 * and the secrets they name always agree.
 *
 * No plaintext is kept: records are checked one at a time and wiped.
 */
#ifndef COFFER_EXPORT_H
#define COFFER_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

struct vault;

/* Bytes in an import body.  The web servers' own caps are lower by
 * default (apache-conf/: 4 MiB); STORE_MAX_TXN bounds it from above. */
#define EXPORT_MAX_BODY (32u << 20)

/* Where an export goes: 0, or -1 to stop (the writer failed). */
typedef int (*export_put_fn)(void *arg, const void *p, size_t len);

/* Write store's export through put, in one read section (a snapshot).
 * CF_OK, or CF_E_INTERNAL when put or the store failed. */
enum cf_status export_write(
    struct vault *v, const char *store, export_put_fn put, void *arg);

/* Check, then import body[0..len) into store.  CF_OK with the counts of
 * records and secrets (current versions) imported; CF_E_BAD_REQUEST with
 * *detail (a literal) for a malformed export or a record that is not this
 * store's or fails to open; a store error.  Nothing changes unless CF_OK. */
enum cf_status export_import(struct vault *v, const char *store,
    const uint8_t *body, size_t len, size_t *records, size_t *secrets,
    const char **detail);

#endif
