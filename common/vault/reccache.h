/*
 * reccache.h: sealed records already opened and parsed, kept per process.
 *
 * Every authenticated request reads the same few sealed records: the
 * caller's user record (or API key record) and the ACLs it is checked
 * against.  Opening one (AES-GCM) and parsing its JSON costs far more than
 * fetching its sealed bytes from the store, so the vault keeps what it
 * parsed here, by store key, with the exact sealed bytes it came from.
 *
 * Soundness rests on one rule: an entry is used only when the bytes the
 * store holds now, fetched by the caller in its own store section, are
 * byte for byte those the entry was built from.  Every write seals with a
 * fresh nonce, so any change to a record, by any process, changes its
 * bytes and misses here on the very next read: there is no invalidation
 * message to lose.  The same bytes opened with the same key give the same
 * plaintext, so a hit is what opening would have given; the owner clears
 * the cache whenever it drops its keys (vault.c: seal, another unseal).
 * A read section whose change counter is the one an entry was last found
 * current at reads the same state, key for key (backend.h), so it may
 * take the entry without fetching (reccache_current): on PostgreSQL, a
 * round trip saved per record.
 *
 * It holds sealed bytes (as on disk) and parsed JSON objects, which the
 * caller may trim before they are kept (iam.c drops password hashes);
 * never a key.  Bounded: a fixed number of slots, direct-mapped by a hash
 * of the store key (a collision evicts), and no record over
 * CF_RECCACHE_BYTES bytes is kept.  One per process and not thread-safe,
 * like the vault that owns it.
 */
#ifndef COFFER_RECCACHE_H
#define COFFER_RECCACHE_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct reccache;

/* NULL when out of memory or slots is 0; free with reccache_free. */
struct reccache *reccache_new(size_t slots);
void reccache_free(struct reccache *c);
/* Forget everything. */
void reccache_clear(struct reccache *c);
/* The object key parsed to, if it was parsed from exactly rec[0..len);
 * else NULL.  Borrowed and shared: json_object_get() it to keep it, never
 * change it. */
struct json_object *reccache_find(
    struct reccache *c, const char *key, const uint8_t *rec, size_t len);
/* Remember that key, sealed as rec[0..len) (copied), parses to o (the
 * cache takes a reference of its own).  A record too large, or no memory,
 * keeps nothing: a cache may always forget. */
void reccache_keep(struct reccache *c, const char *key, const uint8_t *rec,
    size_t len, struct json_object *o);
/*
 * The same without fetching: the object key parsed to, if reccache_stamp
 * marked it current at the change counter changes (backend.h: equal
 * numbers of one handle are the same state, key for key); else NULL.
 * The caller stamps only in read sections, whose counter names exactly
 * the state they read.
 */
struct json_object *reccache_current(
    struct reccache *c, const char *key, uint64_t changes);
void reccache_stamp(struct reccache *c, const char *key, uint64_t changes);
/* The same for a key the store does not hold (an ACL never made, as
 * dcos:superuser's when only the init flag grants it): 1 if
 * reccache_keep_absent noted it missing at the counter changes. */
int reccache_absent(struct reccache *c, const char *key, uint64_t changes);
void reccache_keep_absent(
    struct reccache *c, const char *key, uint64_t changes);
/* Forget key (its record is gone). */
void reccache_forget(struct reccache *c, const char *key);

#endif
