/*
 * vault_impl.h: what vault.c shares with the files that work on its keys
 * (keys.c: rotate, rewrap, rekey), and nothing else includes.
 *
 * A process's keys (struct vault_keys) live in one locked page that is
 * never dumped: the root key, the keyring it opened (keyring.h), and the
 * nonce and tag of the m:keyring record they came from, so that a write
 * can tell at a glance whether another process has rotated or rekeyed
 * since (vault_keyring_follow).
 */
#ifndef COFFER_VAULT_IMPL_H
#define COFFER_VAULT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "base/limits.h"
#include "vault/keyring.h"
#include "vault/record.h"

/* Not vault.h, which would make the two one cycle: what is needed of it
 * is named here. */
struct json_object;
struct vault_init_result;
#define VAULT_IMPL_HOLDERS 4 /* vault.h's VAULT_MAX_HOLDERS */

#define VAULT_ID_BYTES 16
#define SHARE_LEN      (CF_KEY_LEN + 1)
#define PROGRESS_MAX   (1 + CF_MAX_SHARES * SHARE_LEN)
/* What the keyholder holds: the root key, then the store's seal epoch at
 * the unseal (8 bytes, big-endian).  A key alone (an earlier build's) is
 * epoch 0. */
#define HELD_LEN      (CF_KEY_LEN + 8)
#define EPOCH_ANY     UINT64_MAX /* vault_derive: whatever the store's is */
#define HOST_KEY      "m:host:"  /* + host name: that host's last unseal */
#define HOST_NAME_LEN 256        /* gethostname's, with room to spare */
#define RING_SEEN     (12 + 16)  /* m:keyring's nonce and tag */

/* Derived key material; lives in one locked page that is never dumped. */
struct vault_keys {
	uint8_t root[CF_KEY_LEN];
	struct keyring ring;
	uint8_t ring_seen[RING_SEEN]; /* of the m:keyring ring came from */
	int32_t serial;      /* the keyholder key root came from; 0: offline */
	uint64_t seal_epoch; /* the store's seal epoch at that unseal */
	int valid;
};

struct vault {
	struct backend *be;
	struct keyholder *kh;
	struct vault_keys *keys;
	struct crypto_rsa *pub;
	struct reccache *opened; /* records opened under these keys */
	char id[2 * VAULT_ID_BYTES + 1];
	int initialized;
	unsigned shares;
	unsigned threshold;
	int in_request;        /* between vault_request_begin and _end */
	int reading;           /* in vault_read_begin's section */
	int section_read;      /* ... which has fetched: changes() is free */
	int held;              /* a request's read section, kept for its next */
	char *hint;            /* vault_prefetch's key, for the next section */
	int checked;           /* vault_ready has answered in this request */
	enum cf_status status; /* and that answer */
	void (*holders[VAULT_IMPL_HOLDERS])(void); /* vault_hold */
	size_t nholders;
};

/* The request's kept read section ended, before the handle is asked for
 * another (vault.c: a handle holds one section at a time). */
void vault_let_go(struct vault *v);
/* After a backend call failed: its damage, its server out of reach, or an
 * internal error. */
enum cf_status vault_store_failed(struct vault *v);
void vault_keys_drop(struct vault *v);
/* In a section: m:keyring opened under root into v->keys (valid). */
enum cf_status vault_keyring_read(struct vault *v, const uint8_t *root);
/* In a section, with keys: the keyring again if m:keyring has changed
 * since it was read (a rotate or a rekey by another process); CF_E_SEALED
 * (keys dropped) when it no longer opens under this process's root key. */
enum cf_status vault_keyring_follow(struct vault *v);
/* In a section: m:init's counts again (a rekey changes them). */
enum cf_status vault_meta_reread(struct vault *v);
enum cf_status vault_put_sealed(struct vault *v, const uint8_t *key,
    uint32_t term, enum record_kind kind, const char *skey, const void *pt,
    size_t len);
/* A share as text (hex or base64) into SHARE_LEN bytes: 0 or -1. */
int vault_share_decode(const char *s, size_t len, uint8_t *out);
/* n shares of root, any t of which combine to it, as text into out. */
enum cf_status vault_init_shares(
    const uint8_t *root, unsigned n, unsigned t, struct vault_init_result *out);
/* o as compact JSON text, malloc'd. */
char *vault_json_text(struct json_object *o);
/* The keyholder's root key and epoch (HELD_LEN bytes into held): 0,
 * KEYHOLDER_ABSENT or -1. */
int vault_held_read(struct vault *v, uint8_t *held, uint64_t *epoch);
/* An iterate callback adding each key to the vault_keylist arg. */
int vault_keylist_cb(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen);

#endif
