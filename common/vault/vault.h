/*
 * vault.h: the encrypted store: init, seal, unseal, and sealed records.
 *
 * A vault is the store (a backend: backend.h) seen through its keys.  At
 * init it makes the root key, splits it into Shamir shares that are handed
 * out once and never kept, and writes the keyring (the data-encryption
 * keys by term) sealed under the root key.  Unsealing rebuilds the root
 * key from shares and hands it to the keyholder, where every worker
 * process finds it.  Each process then derives what it needs (the
 * keyring) into one locked, never-dumped page, and drops it the moment
 * the keyholder no longer has the same root key: that is how a seal
 * reaches every process at once.
 *
 * Records are read and written inside backend sections the caller opens
 * (vault_read_begin ... vault_read_end, vault_write_begin ...
 * vault_commit or vault_abort), so one request sees one consistent state
 * and one write is all-or-nothing.
 *
 * Clear records (readable while sealed): m:init (format, store id, shares,
 * threshold), m:jwtpub (the token-verification public key).  Everything
 * else is sealed (record.h), m:keyring under the root key and the rest
 * under the current data-encryption key.  Init makes the token key pair
 * (m:jwtpub, m:jwtkey) with the store's own keys, and writes what its
 * caller adds (seeds: the first superuser, iam_init; the CA, pki_ca_new)
 * in the same commit; tokens themselves are identity's (token.h).
 */
#ifndef COFFER_VAULT_H
#define COFFER_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "base/errors.h"
#include "vault/keyring.h"
#include "vault/record.h"

struct vault;
struct json_object;
struct crypto_rsa;

#define VAULT_HOSTS_TEXT 512 /* vault_status's unsealed_hosts */

struct vault_status {
	int initialized;
	int sealed;
	int damaged; /* the backend found damage: it serves nothing */
	unsigned shares;
	unsigned threshold;
	unsigned progress;
	/* Why vault_unseal refused the share (a fixed string), or NULL. */
	const char *refused;
	int disk_full; /* the backend's disk_full(): writes may be refused */
	/* A store several hosts share (backend.h: seal_epoch): shared is 1,
	 * and unsealed_hosts names the hosts unsealed since the last seal,
	 * as their unseals noted them in the store ("a, b", sorted; cut
	 * short with "..."): a host that lost its keyring otherwise (a
	 * reboot) stays named until the next seal or its next unseal. */
	int shared;
	char unsealed_hosts[VAULT_HOSTS_TEXT];
};

struct vault_init_result {
	unsigned nshares;
	char **shares_hex; /* malloc'd; vault_init_result_free */
	char **shares_b64;
	/* The token-signing key init made, for the first superuser's token
	 * (iam_init): the store stays sealed, so it cannot be read back. */
	struct crypto_rsa *token_key;
};

#define VAULT_MAX_HOLDERS 4 /* vault_hold's registrations */

/* path: the config's `store` setting (backend_open). */
int vault_open(const char *path, struct vault **out);
void vault_close(struct vault *v);
/* The backend, for what works on the whole store below the keys
 * (cofferctl's backup and restore: backend_dump, backend_load). */
struct backend *vault_backend(struct vault *v);

enum cf_status vault_status(struct vault *v, struct vault_status *out);
/* The store's records and bytes (backend.h: stats), for GET /metrics:
 * nothing the key guards, so it needs no vault_ready; the caller decides
 * whether to tell it sealed.  Outside any section.  CF_OK, or the store's
 * failure (vault_store_failed). */
enum cf_status vault_store_stats(struct vault *v, struct backend_stats *out);
enum cf_status vault_init(struct vault *v, unsigned shares, unsigned threshold,
    struct vault_init_result *out);
/* A record init writes in its own commit (the first superuser, the CA's
 * key and certificate): sealed under the first data key, or clear
 * (readable while sealed). */
struct vault_seed {
	const char *key;
	const void *pt;
	size_t len;
	int clear;
	enum record_kind kind; /* 0: RECORD_META */
};
/* vault_init, writing seeds[0..nseeds) with the init records. */
enum cf_status vault_init_seeded(struct vault *v, unsigned shares,
    unsigned threshold, const struct vault_seed *seeds, size_t nseeds,
    struct vault_init_result *out);
void vault_init_result_free(struct vault_init_result *r);
/* One share per call (hex or base64 text); out is the status after it.
 * A share that does not decode answers CF_E_BAD_REQUEST; one whose
 * x-coordinate is already held CF_E_CONFLICT, and the progress stays; a
 * threshold that does not combine to the key resets the progress and
 * answers CF_E_BAD_REQUEST.  Each refusal sets out->refused. */
enum cf_status vault_unseal(
    struct vault *v, const char *share, size_t len, struct vault_status *out);
enum cf_status vault_seal(struct vault *v);
/* Offline tools: rebuild the key from k shares (text, as vault_unseal
 * takes them) for this process only; the keyholder is left alone. */
enum cf_status vault_unlock(struct vault *v, char *const *shares, unsigned k);

/* CF_OK when initialized and unsealed (refreshing this process's keys),
 * else CF_E_NOT_INIT or CF_E_SEALED.  Outside any store section.  It asks
 * the keyholder (a keyctl system call) at its first call in a request and
 * answers later calls of the same request from that, so every request sees
 * a seal made before it began, in any process, for one system call. */
enum cf_status vault_ready(struct vault *v);
/* A request's bounds for vault_ready (app.c); outside them, as in the
 * offline tools, every vault_ready asks the keyholder. */
void vault_request_begin(struct vault *v);
void vault_request_end(struct vault *v);
/*
 * What a process derives from the keys (a parsed CA key) must go with
 * them: vault_hold registers a function that drops it, called whenever
 * the keys are dropped (seal, another unseal, close).  At most
 * VAULT_MAX_HOLDERS; registering the same function again does nothing.
 * -1 when full.
 */
typedef void (*vault_drop_fn)(void);
int vault_hold(struct vault *v, vault_drop_fn drop);
/* Between requests (app.c, every CF_IDLE_SECONDS while no request comes):
 * let the backend let go of what an idle process should not hold (the
 * gdbm store: files a checkpoint replaced), and drop the keys, and all
 * that vault_hold registered, if the store has been sealed since.  A
 * worker that holds keys asks the keyholder (one keyctl); one that holds
 * none does nothing. */
void vault_idle(struct vault *v);
/* For a program that answers requests: its commits leave the backend's
 * upkeep (the gdbm store: checkpoints) to vault_maintain, which it calls
 * once each answer is sent (defer_upkeep, maintain). */
void vault_defer_checkpoints(struct vault *v);
void vault_maintain(struct vault *v);
/* Which unseal this process's keys came from, as the last vault_ready
 * found it (the kernel key's serial; no system call): changes at every
 * unseal, 0 while sealed or unlocked offline.  State a process derives
 * from the unsealed store, such as a parsed CA key, is good only while the
 * epoch it was made in lasts. */
int32_t vault_epoch(struct vault *v);

/* The token-verification key (borrowed; lives as long as v), or NULL when
 * the store is not initialized. */
const struct crypto_rsa *vault_token_key(struct vault *v);
/* The token-signing key, sealed (m:jwtkey), parsed into *out for the
 * caller to free (crypto_rsa_free); needs vault_ready. */
enum cf_status vault_token_signing_key(
    struct vault *v, struct crypto_rsa **out);

enum cf_status vault_read_begin(struct vault *v);
void vault_read_end(struct vault *v);
/* In a read section: the store's change counter (backend.h).  Two read
 * sections of this process that get the same number read the same
 * committed state, so what was derived from the first holds in the
 * second without reading again. */
uint64_t vault_changes(struct vault *v);
/* Within a request (vault_request_begin): a hint that its next section
 * (read or write; inside a read section, that one) will get the record at
 * key, which a backend whose reads cost round trips (backend.h: prefetch)
 * fetches, sealed, with that section's first statement rather than on
 * its own.  It opens nothing and never changes what a get answers: only
 * a vault_get of key, by a caller allowed to read it, opens the bytes.
 * One hint waits at a time; the request's end drops it. */
void vault_prefetch(struct vault *v, const char *key);
enum cf_status vault_write_begin(struct vault *v);
enum cf_status vault_commit(struct vault *v);
void vault_abort(struct vault *v);
/* vault_write_begin for a transaction that deletes: it may use the room a
 * full disk keeps for deletes (BACKEND_DELETES). */
enum cf_status vault_delete_begin(struct vault *v);

/* Sealed records, by store key.  vault_get: CF_OK (*pt malloc'd, wipe with
 * record_free), CF_E_NOT_FOUND, CF_E_CRYPTO, CF_E_INTERNAL. */
enum cf_status vault_get(
    struct vault *v, const char *key, uint8_t **pt, size_t *len);
/* The same, unless the record's plaintext would pass max bytes: then
 * CF_E_TOO_LARGE, told from its stored size, and nothing is decrypted. */
enum cf_status vault_get_within(
    struct vault *v, const char *key, size_t max, uint8_t **pt, size_t *len);
enum cf_status vault_put(struct vault *v, enum record_kind kind,
    const char *key, const void *pt, size_t len);
enum cf_status vault_del(struct vault *v, const char *key);
/* Does rec, a sealed record as stored, open under this store's current
 * key with key as its additional data?  CF_OK, CF_E_CRYPTO (altered, or
 * sealed by another store), CF_E_SEALED.  What it decrypts is wiped at
 * once: imports check records without keeping their plaintext. */
enum cf_status vault_check(
    struct vault *v, const char *key, const uint8_t *rec, size_t len);
/* A sealed record holding a JSON object: CF_OK with *out (one reference,
 * the caller's), CF_E_NOT_FOUND, CF_E_INTERNAL when it is not JSON, or
 * what vault_get answers.  Inside a section. */
enum cf_status vault_get_json(
    struct vault *v, const char *key, struct json_object **out);
/* The same through this process's cache of opened records (reccache.h):
 * a fetch and a compare when the record has not changed since it was last
 * opened here, in place of an open and a parse.  The members named in
 * drop (NULL-terminated, or NULL) are removed before the object is kept,
 * so what must not linger in memory (a password hash) never does.  *out
 * is shared with the cache: the caller puts its reference, and never
 * changes the object.  Inside a section. */
enum cf_status vault_get_json_cached(struct vault *v, const char *key,
    const char *const *drop, struct json_object **out);

/*
 * Records as stored, below the seal: sealed ones for what moves them
 * without opening them (export and import), clear ones for what must be
 * read while sealed (m:cacert).  All inside a section.
 *
 * vault_get_clear: a clear record's plaintext, *pt malloc'd with a NUL
 * after its len bytes; CF_E_NOT_FOUND, CF_E_INTERNAL when it is not a
 * clear record, or a backend failure.  vault_put_clear: seal nothing,
 * write pt clear (record_clear) under key.  vault_put_raw: write rec, a
 * record as stored, under key (an import checks it first: vault_check).
 * vault_iterate_raw: cb on every record whose key starts with prefix, as
 * stored, each once, in no order (backend.h: iterate); cb returns 0 to go
 * on, or a positive number to stop, which is CF_OK (the callback keeps its
 * reason); cb must not write.
 */
enum cf_status vault_get_clear(
    struct vault *v, const char *key, char **pt, size_t *len);
enum cf_status vault_put_clear(struct vault *v, enum record_kind kind,
    const char *key, const void *pt, size_t len);
enum cf_status vault_put_raw(
    struct vault *v, const char *key, const uint8_t *rec, size_t len);
enum cf_status vault_iterate_raw(
    struct vault *v, const char *prefix, backend_iter_fn cb, void *arg);

/* Every store key starting with prefix, sorted bytewise; inside a section.
 * The list owns its strings; vault_keylist_free() frees them. */
struct vault_keylist {
	char **k;
	size_t n, cap;
	int err;
};
enum cf_status vault_list_keys(
    struct vault *v, const char *prefix, struct vault_keylist *l);
void vault_keylist_free(struct vault_keylist *l);

/*
 * Keys over time (docs/store.md#rotation-rewrap-and-rekey), each in sections of
 * its own.
 *
 * vault_rotate: a new data-encryption key as the keyring's next term, in
 * one commit; every write after it, in any process, seals under it, and
 * records under older terms still open.  Needs vault_ready; *term is the
 * new term; CF_E_TOO_LARGE when the keyring has KEYRING_MAX terms.
 *
 * vault_terms: the keyring's terms and how many sealed records each still
 * seals (a walk of the whole store).  Needs vault_ready.
 *
 * vault_rewrap_begin lists the records sealed under an older term; each
 * vault_rewrap_step re-seals the next batch of them under the current
 * term in one commit (a record rewritten meanwhile is left as it is), so
 * a rewrap stopped at any moment leaves every record readable and another
 * finishes it.  Done when rw->next == rw->todo.n; vault_rewrap_end frees.
 *
 * vault_rekey: from k shares of the current root key (text, as
 * vault_unseal takes them), a new root key split into n shares, any t of
 * which combine to it, and the keyring sealed under it, with m:init's
 * counts, in one commit; the old shares open nothing after it.  Sealed or
 * not; a host unsealed under the old key (this one's keyholder) is moved
 * to the new one, any other host must unseal again.  out's shares, as
 * vault_init's, are shown once.  CF_E_BAD_REQUEST with *why (a fixed
 * string) for counts out of Vault's rules or shares that are not the
 * store's, and nothing changes.
 */
struct vault_terms {
	uint32_t current;
	size_t n;
	uint32_t term[KEYRING_MAX];
	uint64_t records[KEYRING_MAX];
	uint64_t unknown; /* sealed under a term the keyring lacks */
};
struct vault_rewrap {
	struct vault_keylist todo; /* store keys under older terms */
	size_t next;               /* todo.k[next..] are left */
	uint64_t rewrapped; /* re-sealed so far (the rest had moved on) */
	uint32_t term;      /* the term they went to */
};
enum cf_status vault_rotate(struct vault *v, uint32_t *term);
enum cf_status vault_terms(struct vault *v, struct vault_terms *out);
enum cf_status vault_rewrap_begin(struct vault *v, struct vault_rewrap *rw);
enum cf_status vault_rewrap_step(
    struct vault *v, struct vault_rewrap *rw, size_t batch);
void vault_rewrap_end(struct vault_rewrap *rw);
enum cf_status vault_rekey(struct vault *v, char *const *shares, unsigned k,
    unsigned n, unsigned t, struct vault_init_result *out, const char **why);

#endif
