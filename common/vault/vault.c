/* vault.c: see vault.h. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "backend/backend.h"
#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/metrics.h"
#include "crypto/crypto.h"
#include "crypto/shamir.h"
#include "vault/keyholder.h"
#include "vault/keyring.h"
#include "vault/reccache.h"
#include "vault/vault.h"
#include "vault/vault_impl.h"

#define VAULT_RSA_BITS 2048

_Static_assert(VAULT_IMPL_HOLDERS == VAULT_MAX_HOLDERS, "vault_impl.h");
/* Whatever changes the keys also voids the request's answer and what was
 * opened with them. */
void
vault_keys_drop(struct vault *v)
{
	size_t i;

	crypto_wipe(v->keys, sizeof(*v->keys));
	reccache_clear(v->opened);
	for (i = 0; i < v->nholders; i++)
		v->holders[i]();
	v->checked = 0;
}

int
vault_hold(struct vault *v, vault_drop_fn drop)
{
	size_t i;

	for (i = 0; i < v->nholders; i++)
		if (v->holders[i] == drop)
			return 0;
	if (v->nholders == VAULT_MAX_HOLDERS)
		return -1;
	v->holders[v->nholders++] = drop;
	return 0;
}

/* ---- the seal across hosts ---- */

/* In a section: the store's seal epoch; 0 for a backend one host holds. */
static uint64_t
store_seal_epoch(struct vault *v)
{
	if (v->be->ops->seal_epoch == NULL)
		return 0;
	return v->be->ops->seal_epoch(v->be);
}

static void
epoch_put(uint8_t *b, uint64_t e)
{
	int i;

	for (i = 7; i >= 0; i--, e >>= 8)
		b[i] = (uint8_t)e;
}

static uint64_t
epoch_get(const uint8_t *b)
{
	uint64_t e = 0;
	int i;

	for (i = 0; i < 8; i++)
		e = e << 8 | b[i];
	return e;
}

/* The keyholder's root key and the epoch it was unsealed under: 0, or
 * KEYHOLDER_ABSENT (also for a payload of another size), or -1. */
int
vault_held_read(struct vault *v, uint8_t *held, uint64_t *epoch)
{
	size_t got = 0;
	int rc;

	rc = keyholder_get(v->kh, KEYHOLDER_ROOT, held, HELD_LEN, &got);
	if (rc != 0)
		return rc;
	if (got != CF_KEY_LEN && got != HELD_LEN) {
		crypto_wipe(held, HELD_LEN);
		return KEYHOLDER_ABSENT;
	}
	*epoch = got == HELD_LEN ? epoch_get(held + CF_KEY_LEN) : 0;
	return 0;
}

/*
 * In a section: has the store been sealed (on any host) since this
 * process's keys were unsealed?  Then this host is sealed: its keyholder
 * first, so that every process of the host sees it at its next request,
 * unless the keyholder already holds a later unseal; then this process's
 * keys.  1 when it sealed, else 0.
 */
static int
vault_sealed_elsewhere(struct vault *v)
{
	uint8_t held[HELD_LEN];
	uint64_t now, epoch;

	if (!v->keys->valid || v->be->ops->seal_epoch == NULL ||
	    (now = store_seal_epoch(v)) == v->keys->seal_epoch)
		return 0;
	linfo("store %s: sealed on another host (seal epoch %" PRIu64
	      ", unsealed under %" PRIu64 "); sealed here",
	    v->id, now, v->keys->seal_epoch);
	if (vault_held_read(v, held, &epoch) != 0 || epoch != now) {
		if (keyholder_clear(v->kh, KEYHOLDER_ROOT) != 0)
			lwarnx("store %s: the key stays in the keyring", v->id);
		(void)keyholder_clear(v->kh, KEYHOLDER_PROGRESS);
	}
	crypto_wipe(held, sizeof(held));
	vault_keys_drop(v);
	return 1;
}

static void
vault_hint_drop(struct vault *v)
{
	free(v->hint);
	v->hint = NULL;
}

/* The hint waiting for the request's next section, to the one begun. */
static void
vault_hint_pass(struct vault *v)
{
	if (v->hint == NULL)
		return;
	v->be->ops->prefetch(v->be, v->hint, strlen(v->hint));
	vault_hint_drop(v);
}

/*
 * Let go of the read section a request kept (vault_read_end) before
 * anything else is asked of the store: a handle holds one section at a
 * time.
 */
void
vault_let_go(struct vault *v)
{
	if (!v->held)
		return;
	v->held = 0;
	v->be->ops->end_read(v->be);
}

static int
be_read(struct vault *v)
{
	vault_let_go(v);
	return v->be->ops->begin_read(v->be);
}

static int
be_write(struct vault *v, unsigned flags)
{
	vault_let_go(v);
	if (v->be->ops->begin_write(v->be, flags) != 0)
		return -1;
	vault_hint_pass(v); /* before the keyring's check, its first get */
	return 0;
}

void
vault_defer_checkpoints(struct vault *v)
{
	if (v->be->ops->defer_upkeep != NULL)
		v->be->ops->defer_upkeep(v->be);
}

void
vault_maintain(struct vault *v)
{
	vault_let_go(v);
	if (v->be->ops->maintain != NULL)
		v->be->ops->maintain(v->be);
}

void
vault_idle(struct vault *v)
{
	enum cf_status st;

	vault_let_go(v);
	if (v->keys != NULL && v->keys->valid) {
		if ((st = vault_ready(v)) != CF_OK)
			linfo("store %s: keys dropped while idle (%s)", v->id,
			    st == CF_E_SEALED ? "sealed"
			                      : "cannot derive them");
		/* A seal on another host reaches this one through the
		 * store: an idle worker looks, so that it holds no key a
		 * second after. */
		else if (v->be->ops->seal_epoch != NULL && be_read(v) == 0) {
			(void)vault_sealed_elsewhere(v);
			v->be->ops->end_read(v->be);
		}
	}
	/* Last: what the sections above left (PostgreSQL: an open read
	 * transaction) is let go of too. */
	if (v->be->ops->idle != NULL)
		v->be->ops->idle(v->be);
}

static struct vault_keys *
vault_keys_alloc(void)
{
	void *p;

	p = mmap(NULL, sizeof(struct vault_keys), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		lwarn("mmap");
		return NULL;
	}
	/* Keep keys out of swap and core dumps; failing to lock is worth a
	 * warning, not a refusal to serve. */
	if (mlock(p, sizeof(struct vault_keys)) == -1)
		lwarn("mlock");
	if (madvise(p, sizeof(struct vault_keys), MADV_DONTDUMP) == -1)
		lwarn("madvise");
	return p;
}

/* After a backend call failed: its damage, when it found some (the
 * backend has logged what), or its server out of reach (both 503), else
 * an internal error. */
enum cf_status
vault_store_failed(struct vault *v)
{
	if (v->be->ops->damage(v->be) != NULL)
		return CF_E_STORE_DAMAGED;
	if (v->be->ops->unavailable != NULL && v->be->ops->unavailable(v->be))
		return CF_E_STORE_UNAVAILABLE;
	return CF_E_INTERNAL;
}

enum cf_status
vault_store_stats(struct vault *v, struct backend_stats *out)
{
	vault_let_go(v);
	if (v->be->ops->stats == NULL) {
		lwarnx("store %s: the %s backend has no stats", v->id,
		    v->be->ops->name);
		return CF_E_INTERNAL;
	}
	if (v->be->ops->stats(v->be, out) != 0)
		return vault_store_failed(v);
	return CF_OK;
}

/* A store failure that the client must hear of as such (503), rather
 * than as "not initialized" or "sealed". */
static int
vault_store_trouble(enum cf_status st)
{
	return st == CF_E_STORE_DAMAGED || st == CF_E_STORE_UNAVAILABLE;
}

/* m:init is clear: it is what tells a sealed store apart from a new one.
 * Runs inside a store section. */
static enum cf_status
vault_meta_read(struct vault *v)
{
	struct json_object *o = NULL;
	uint8_t *raw = NULL;
	const uint8_t *pt;
	size_t rawlen, ptlen, idlen;
	const char *id;
	int64_t n, t;
	enum cf_status st = CF_E_NOT_INIT;
	int rc;

	rc = v->be->ops->get(v->be, "m:init", 6, &raw, &rawlen);
	if (rc == BACKEND_NOTFOUND)
		goto out;
	st = rc == 0 ? CF_E_INTERNAL : vault_store_failed(v);
	if (rc != 0 || record_read_clear(raw, rawlen, &pt, &ptlen) != CF_OK ||
	    cf_json_parse(pt, ptlen, &o) != CF_OK ||
	    cf_json_string(o, "id", &id, &idlen) != CF_OK ||
	    idlen != 2 * VAULT_ID_BYTES ||
	    cf_json_int(o, "shares", 1, CF_MAX_SHARES, &n) != CF_OK ||
	    cf_json_int(o, "threshold", 1, CF_MAX_SHARES, &t) != CF_OK) {
		lwarnx("m:init is unreadable");
		goto out;
	}
	memcpy(v->id, id, idlen + 1);
	v->shares = (unsigned)n;
	v->threshold = (unsigned)t;
	if (keyholder_open(v->id, &v->kh) != 0)
		goto out;
	v->initialized = 1;
	v->checked = 0; /* a "not initialized" of this request is void */
	st = CF_OK;
out:
	json_object_put(o);
	free(raw);
	return st;
}

enum cf_status
vault_meta_reread(struct vault *v)
{
	struct json_object *o = NULL;
	uint8_t *raw = NULL;
	const uint8_t *pt;
	size_t rawlen, ptlen;
	int64_t n, t;
	enum cf_status st = CF_E_INTERNAL;
	int rc;

	rc = v->be->ops->get(v->be, "m:init", 6, &raw, &rawlen);
	if (rc == -1)
		st = vault_store_failed(v);
	if (rc != 0 || record_read_clear(raw, rawlen, &pt, &ptlen) != CF_OK ||
	    cf_json_parse(pt, ptlen, &o) != CF_OK ||
	    cf_json_int(o, "shares", 1, CF_MAX_SHARES, &n) != CF_OK ||
	    cf_json_int(o, "threshold", 1, CF_MAX_SHARES, &t) != CF_OK)
		goto out;
	v->shares = (unsigned)n;
	v->threshold = (unsigned)t;
	st = CF_OK;
out:
	json_object_put(o);
	free(raw);
	return st;
}

static enum cf_status
vault_load_meta(struct vault *v)
{
	enum cf_status st;

	if (be_read(v) != 0)
		return vault_store_failed(v);
	st = vault_meta_read(v);
	v->be->ops->end_read(v->be);
	return st;
}

int
vault_open(const char *path, struct vault **out)
{
	struct vault *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -1;
	if ((v->keys = vault_keys_alloc()) == NULL ||
	    (v->opened = reccache_new(CF_RECCACHE_SLOTS)) == NULL)
		goto fail;
	if (crypto_init() != 0 || backend_open(path, 1, &v->be) != 0)
		goto fail;
	if (vault_load_meta(v) == CF_E_INTERNAL)
		goto fail;
	*out = v;
	return 0;
fail:
	vault_close(v);
	return -1;
}

void
vault_close(struct vault *v)
{
	if (v == NULL)
		return;
	if (v->keys != NULL) {
		vault_keys_drop(v);
		munmap(v->keys, sizeof(*v->keys));
	}
	reccache_free(v->opened);
	free(v->hint);
	crypto_rsa_free(v->pub);
	keyholder_free(v->kh);
	if (v->be != NULL)
		v->be->ops->close(v->be); /* and a kept section with it */
	free(v);
}

struct backend *
vault_backend(struct vault *v)
{
	return v->be;
}

static unsigned
vault_progress(struct vault *v, uint8_t *buf, size_t *len)
{
	if (keyholder_get(v->kh, KEYHOLDER_PROGRESS, buf, PROGRESS_MAX, len) !=
	        0 ||
	    *len == 0) {
		*len = 0;
		return 0;
	}
	return buf[0];
}

/* Add name to the list in text (VAULT_HOSTS_TEXT bytes); 0, or -1 when
 * it is full (then it ends with "..."). */
static int
hosts_add(char *text, const char *name)
{
	size_t n = strlen(text);
	int w;

	w = snprintf(
	    text + n, VAULT_HOSTS_TEXT - n, "%s%s", n > 0 ? ", " : "", name);
	if (w >= 0 && (size_t)w < VAULT_HOSTS_TEXT - n - 4)
		return 0;
	snprintf(text + (n < VAULT_HOSTS_TEXT - 4 ? n : VAULT_HOSTS_TEXT - 4),
	    4, "...");
	return -1;
}

/* One m:host: record into text when it was noted under epoch. */
static int
host_listed(struct vault *v, const char *key, uint64_t epoch, char *text)
{
	struct json_object *o = NULL;
	const char *name;
	char *pt = NULL;
	size_t len, nlen;
	int64_t e;
	int rc = 0;

	if (vault_get_clear(v, key, &pt, &len) == CF_OK &&
	    cf_json_parse((const uint8_t *)pt, len, &o) == CF_OK &&
	    cf_json_string(o, "host", &name, &nlen) == CF_OK &&
	    cf_json_int(o, "seal_epoch", 0, INT64_MAX, &e) == CF_OK &&
	    (uint64_t)e == epoch)
		rc = hosts_add(text, name);
	json_object_put(o);
	free(pt);
	return rc;
}

/* The hosts unsealed under the store's seal epoch (vault_host_note), in a
 * read section of their own; nothing when it cannot be read. */
static void
vault_unsealed_hosts(struct vault *v, char *text)
{
	struct vault_keylist l;
	uint64_t epoch;
	size_t i;

	if (be_read(v) != 0)
		return;
	/* The epoch after a read: the section's own, not one up to the lag
	 * old (backend.h), so that a seal just made lists no host. */
	if (vault_list_keys(v, HOST_KEY, &l) == CF_OK) {
		epoch = store_seal_epoch(v);
		for (i = 0; i < l.n; i++)
			if (host_listed(v, l.k[i], epoch, text) == -1)
				break;
		vault_keylist_free(&l);
	}
	v->be->ops->end_read(v->be);
}

enum cf_status
vault_status(struct vault *v, struct vault_status *out)
{
	uint8_t buf[PROGRESS_MAX];
	size_t len;
	enum cf_status st = CF_OK;

	memset(out, 0, sizeof(*out));
	out->sealed = 1;
	if (!v->initialized && (st = vault_load_meta(v)) == CF_E_INTERNAL)
		return CF_E_INTERNAL;
	if (st == CF_E_STORE_UNAVAILABLE)
		return st;
	out->damaged =
	    st == CF_E_STORE_DAMAGED || v->be->ops->damage(v->be) != NULL;
	/* Whether a damaged store was ever initialized, it cannot say. */
	if (!v->initialized)
		return out->damaged ? CF_E_STORE_DAMAGED : CF_OK;
	out->initialized = 1;
	/* A rekey by another process changes the counts. */
	if (v->be->ops->begin_read(v->be) == 0) {
		(void)vault_meta_reread(v);
		v->be->ops->end_read(v->be);
	}
	out->shares = v->shares;
	out->threshold = v->threshold;
	out->sealed = vault_ready(v) != CF_OK;
	if (out->sealed)
		out->progress = vault_progress(v, buf, &len);
	crypto_wipe(buf, sizeof(buf));
	out->disk_full = v->be->ops->disk_full(v->be);
	if (v->be->ops->seal_epoch != NULL) {
		out->shared = 1;
		vault_unsealed_hosts(v, out->unsealed_hosts);
	}
	return CF_OK;
}

/* The keyring (keyring.h), opened under root into v->keys, and which
 * m:keyring it came from.  Runs inside a store section. */
enum cf_status
vault_keyring_read(struct vault *v, const uint8_t *root)
{
	uint8_t *raw = NULL, *pt = NULL;
	size_t rawlen, ptlen = 0;
	enum cf_status st = CF_E_INTERNAL;
	int rc;

	rc = v->be->ops->get(v->be, "m:keyring", 9, &raw, &rawlen);
	if (rc != 0) {
		st = rc == -1 ? vault_store_failed(v) : CF_E_INTERNAL;
		goto out;
	}
	if ((st = record_open(
	         root, "m:keyring", 9, raw, rawlen, &pt, &ptlen)) != CF_OK)
		goto out;
	if (keyring_parse(pt, ptlen, &v->keys->ring) != 0) {
		lwarnx("store %s: m:keyring is not a keyring", v->id);
		st = CF_E_INTERNAL;
		goto out;
	}
	/* Nonce and tag: fresh at every seal, so they name this m:keyring. */
	memcpy(v->keys->ring_seen, raw + RECORD_HDR_LEN, 12);
	memcpy(v->keys->ring_seen + 12, raw + rawlen - 16, 16);
	memcpy(v->keys->root, root, CF_KEY_LEN);
	v->keys->valid = 1;
	st = CF_OK;
out:
	record_free(pt, ptlen);
	free(raw);
	return st;
}

/* Is raw the m:keyring this process's keyring came from? */
static int
keyring_seen(struct vault *v, const uint8_t *raw, size_t rawlen)
{
	if (rawlen < RECORD_OVERHEAD)
		return 0;
	return memcmp(v->keys->ring_seen, raw + RECORD_HDR_LEN, 12) == 0 &&
	       memcmp(v->keys->ring_seen + 12, raw + rawlen - 16, 16) == 0;
}

enum cf_status
vault_keyring_follow(struct vault *v)
{
	uint8_t root[CF_KEY_LEN], *raw = NULL;
	size_t rawlen;
	enum cf_status st = CF_OK;
	int rc;

	if (!v->keys->valid)
		return CF_E_SEALED;
	rc = v->be->ops->get(v->be, "m:keyring", 9, &raw, &rawlen);
	if (rc != 0) {
		st = rc == -1 ? vault_store_failed(v) : CF_E_INTERNAL;
		goto out;
	}
	if (keyring_seen(v, raw, rawlen))
		goto out;
	memcpy(root, v->keys->root, CF_KEY_LEN);
	st = vault_keyring_read(v, root);
	crypto_wipe(root, sizeof(root));
	if (st == CF_OK) {
		linfo("store %s: keyring changed; current term %" PRIu32, v->id,
		    keyring_current(&v->keys->ring));
		goto out;
	}
	/* The store out of reach: this section fails, the keys stay. */
	if (vault_store_trouble(st))
		goto out;
	/* Rekeyed under another root key: this host unseals again. */
	lwarnx("store %s: the keyring no longer opens under this process's "
	       "key (rekeyed?)",
	    v->id);
	vault_keys_drop(v);
	st = CF_E_SEALED;
out:
	free(raw);
	return st;
}

/* The keys from root, unsealed under the store's seal epoch epoch (or
 * EPOCH_ANY: an offline unlock, whatever the epoch), in a section of
 * their own. */
static enum cf_status
vault_derive(struct vault *v, const uint8_t *root, uint64_t epoch)
{
	enum cf_status st;

	if (be_read(v) != 0)
		return vault_store_failed(v);
	st = vault_keyring_read(v, root);
	if (st == CF_OK) {
		v->keys->seal_epoch =
		    epoch == EPOCH_ANY ? store_seal_epoch(v) : epoch;
		if (vault_sealed_elsewhere(v))
			st = CF_E_SEALED;
	}
	v->be->ops->end_read(v->be);
	return st;
}

/* One keyctl read while the cached serial is good.  A key with another
 * serial is another unseal: derive again, even from the same root. */
static enum cf_status
vault_check_keys(struct vault *v)
{
	uint8_t root[HELD_LEN];
	uint64_t epoch = 0;
	int32_t serial;
	enum cf_status st = CF_E_SEALED;

	if (!v->initialized && (st = vault_load_meta(v)) != CF_OK)
		return vault_store_trouble(st) ? st : CF_E_NOT_INIT;
	st = CF_E_SEALED;
	if (vault_held_read(v, root, &epoch) != 0) {
		vault_keys_drop(v);
		goto out;
	}
	serial = keyholder_seen(v->kh, KEYHOLDER_ROOT);
	if (v->keys->valid && v->keys->serial == serial &&
	    crypto_equal(root, v->keys->root, CF_KEY_LEN)) {
		st = CF_OK;
		goto out;
	}
	vault_keys_drop(v);
	st = vault_derive(v, root, epoch);
	if (st == CF_OK)
		v->keys->serial = serial;
	else if (st != CF_E_INTERNAL && !vault_store_trouble(st))
		st = CF_E_SEALED;
out:
	crypto_wipe(root, sizeof(root));
	return st;
}

enum cf_status
vault_ready(struct vault *v)
{
	if (v->in_request && v->checked)
		return v->status;
	v->status = vault_check_keys(v);
	v->checked = v->in_request;
	return v->status;
}

void
vault_request_begin(struct vault *v)
{
	vault_let_go(v);
	v->in_request = 1;
	v->checked = 0;
}

/*
 * The hint waits in v until the request's next section begins (a read
 * section in vault_read_begin, the one the request kept included; a
 * write section in be_write), so that it reaches the backend before the
 * section's first fetch; inside a read section it goes at once.  The
 * request's end drops it.
 */
void
vault_prefetch(struct vault *v, const char *key)
{
	if (v->be->ops->prefetch == NULL || !v->in_request)
		return;
	if (v->reading) {
		v->be->ops->prefetch(v->be, key, strlen(key));
		return;
	}
	vault_hint_drop(v);
	v->hint = strdup(key); /* none, without memory: only a hint */
}

void
vault_request_end(struct vault *v)
{
	vault_hint_drop(v);
	vault_let_go(v);
	v->in_request = 0;
	v->checked = 0;
}

int32_t
vault_epoch(struct vault *v)
{
	return v->keys->valid ? v->keys->serial : 0;
}

const struct crypto_rsa *
vault_token_key(struct vault *v)
{
	uint8_t *raw = NULL;
	const uint8_t *pt;
	size_t rawlen, ptlen;
	int rc;

	if (v->pub != NULL)
		return v->pub;
	if (be_read(v) != 0)
		return NULL;
	rc = v->be->ops->get(v->be, "m:jwtpub", 8, &raw, &rawlen);
	v->be->ops->end_read(v->be);
	if (rc == 0 && record_read_clear(raw, rawlen, &pt, &ptlen) == CF_OK &&
	    crypto_rsa_import_public(pt, ptlen, &v->pub) != 0)
		v->pub = NULL;
	free(raw);
	return v->pub;
}

/*
 * A section has begun: a seal elsewhere since this host's unseal seals it
 * (vault_sealed_elsewhere).  A request that vault_ready let work unsealed
 * then ends here, CF_E_SEALED, as if the seal had come before it; any
 * other caller goes on, and what it asks of the keys is refused.
 */
static enum cf_status
vault_section_begun(struct vault *v)
{
	int relied = v->checked && v->status == CF_OK;

	if (!vault_sealed_elsewhere(v) || !relied)
		return CF_OK;
	v->status = CF_E_SEALED;
	v->checked = 1;
	return CF_E_SEALED;
}

enum cf_status
vault_read_begin(struct vault *v)
{
	enum cf_status st;

	if (v->held) {
		/* The section the request kept: its snapshot, its epoch. */
		v->held = 0;
	} else {
		if (be_read(v) != 0)
			return vault_store_failed(v);
		v->section_read = 0;
	}
	if ((st = vault_section_begun(v)) != CF_OK)
		v->be->ops->end_read(v->be);
	else
		vault_hint_pass(v);
	v->reading = st == CF_OK;
	return st;
}

/*
 * Where a section costs round trips (backend.h: keep_reads), a request
 * keeps its read section for its next one: its sections then read one
 * snapshot, taken after the request began (so every write acknowledged
 * before it is there), and its next read section begins for nothing, its
 * records found current without fetching (vault_get_json_cached).  A
 * write section, the end of the request and every other use of the store
 * let go of it first (vault_let_go).
 */
void
vault_read_end(struct vault *v)
{
	v->reading = 0;
	if (v->in_request && v->be->ops->keep_reads) {
		v->held = 1;
		return;
	}
	v->be->ops->end_read(v->be);
}

uint64_t
vault_changes(struct vault *v)
{
	return v->be->ops->changes(v->be);
}

static enum cf_status
vault_begin_write(struct vault *v, unsigned flags)
{
	enum cf_status st;

	if (be_write(v, flags) != 0)
		return vault_store_failed(v);
	st = vault_section_begun(v);
	/* Under the write lock, so no rotate can come between this and
	 * the commit: every write seals under the newest term. */
	if (st == CF_OK && v->keys->valid)
		st = vault_keyring_follow(v);
	if (st != CF_OK)
		v->be->ops->abort(v->be);
	return st;
}

enum cf_status
vault_write_begin(struct vault *v)
{
	return vault_begin_write(v, 0);
}

/* A full disk is the client's to hear of: it may retry, or delete. */
static enum cf_status
vault_commit_status(struct vault *v, int rc)
{
	if (rc == BACKEND_FULL)
		return CF_E_STORE_FULL;
	return rc == 0 ? CF_OK : vault_store_failed(v);
}

enum cf_status
vault_commit(struct vault *v)
{
	int rc = v->be->ops->commit(v->be);

	if (rc == 0)
		metrics_count(METRICS_STORE_COMMITS);
	return vault_commit_status(v, rc);
}

enum cf_status
vault_delete_begin(struct vault *v)
{
	return vault_begin_write(v, BACKEND_DELETES);
}

void
vault_abort(struct vault *v)
{
	v->be->ops->abort(v->be);
}

/* A sealed record as stored: *raw malloc'd (ciphertext; free). */
static enum cf_status
vault_fetch(struct vault *v, const char *key, uint8_t **raw, size_t *len)
{
	int rc;

	if (!v->keys->valid)
		return CF_E_SEALED;
	rc = v->be->ops->get(v->be, key, strlen(key), raw, len);
	if (rc == BACKEND_NOTFOUND)
		return CF_E_NOT_FOUND;
	return rc == 0 ? CF_OK : vault_store_failed(v);
}

/* The key of the term rec names; a term this process has not seen yet
 * (a rotate by another) reads the keyring again.  NULL: no such term. */
static const uint8_t *
vault_term_key(struct vault *v, const uint8_t *rec, size_t len)
{
	int64_t term = record_term(rec, len);
	const uint8_t *k;

	/* Term 0 is the root key's: only m:keyring, never opened here. */
	if (term <= 0)
		return NULL;
	if ((k = keyring_key(&v->keys->ring, (uint32_t)term)) != NULL ||
	    (uint32_t)term <= keyring_current(&v->keys->ring) ||
	    vault_keyring_follow(v) != CF_OK)
		return k;
	return keyring_key(&v->keys->ring, (uint32_t)term);
}

static enum cf_status
vault_open_raw(struct vault *v, const char *key, const uint8_t *raw,
    size_t rawlen, uint8_t **pt, size_t *len)
{
	const uint8_t *k;

	if ((k = vault_term_key(v, raw, rawlen)) == NULL) {
		lwarnx("record %s names an unknown key term", key);
		return CF_E_CRYPTO;
	}
	return record_open(k, key, strlen(key), raw, rawlen, pt, len);
}

enum cf_status
vault_get(struct vault *v, const char *key, uint8_t **pt, size_t *len)
{
	return vault_get_within(v, key, SIZE_MAX, pt, len);
}

enum cf_status
vault_get_within(
    struct vault *v, const char *key, size_t max, uint8_t **pt, size_t *len)
{
	uint8_t *raw = NULL;
	size_t rawlen;
	enum cf_status st;

	if ((st = vault_fetch(v, key, &raw, &rawlen)) != CF_OK)
		goto out;
	/* A shorter record fails to open below, as it would without max. */
	if (rawlen > RECORD_OVERHEAD && rawlen - RECORD_OVERHEAD > max) {
		st = CF_E_TOO_LARGE;
		goto out;
	}
	st = vault_open_raw(v, key, raw, rawlen, pt, len);
out:
	free(raw);
	return st;
}

enum cf_status
vault_check(struct vault *v, const char *key, const uint8_t *rec, size_t len)
{
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	enum cf_status st;

	const uint8_t *k;

	if (!v->keys->valid)
		return CF_E_SEALED;
	if ((k = vault_term_key(v, rec, len)) == NULL)
		return CF_E_CRYPTO;
	st = record_open(k, key, strlen(key), rec, len, &pt, &ptlen);
	record_free(pt, ptlen);
	return st;
}

enum cf_status
vault_put(struct vault *v, enum record_kind kind, const char *key,
    const void *pt, size_t len)
{
	uint8_t *rec = NULL;
	size_t reclen;
	enum cf_status st;

	if (!v->keys->valid)
		return CF_E_SEALED;
	st = record_seal(v->keys->ring.key[v->keys->ring.n - 1],
	    keyring_current(&v->keys->ring), kind, key, strlen(key), pt, len,
	    &rec, &reclen);
	if (st == CF_OK &&
	    v->be->ops->put(v->be, key, strlen(key), rec, reclen) != 0)
		st = CF_E_INTERNAL;
	free(rec);
	return st;
}

static enum cf_status
vault_parse(
    const char *key, const uint8_t *pt, size_t len, struct json_object **out)
{
	if (cf_json_parse(pt, len, out) != CF_OK) {
		lwarnx("record %s is not JSON", key);
		return CF_E_INTERNAL;
	}
	return CF_OK;
}

enum cf_status
vault_get_json(struct vault *v, const char *key, struct json_object **out)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	enum cf_status st;

	if ((st = vault_get(v, key, &pt, &len)) == CF_OK)
		st = vault_parse(key, pt, len, out);
	record_free(pt, len);
	return st;
}

enum cf_status
vault_get_json_cached(struct vault *v, const char *key, const char *const *drop,
    struct json_object **out)
{
	struct json_object *o = NULL;
	uint8_t *raw = NULL, *pt = NULL;
	size_t rawlen = 0, len = 0, i;
	uint64_t now = 0;
	enum cf_status st;

	/*
	 * A read section that reads the state the record was last found
	 * current in needs not even fetch it (backend.h: the counter).  Not
	 * a write section: it reads its own pending writes, which its
	 * counter does not name.  Asked once the section has fetched: the
	 * number then costs nothing (PostgreSQL: it came with the first
	 * fetch), where before it would cost a round trip of its own.
	 */
	if (v->reading && v->section_read && v->keys->valid) {
		now = v->be->ops->changes(v->be);
		if ((o = reccache_current(v->opened, key, now)) != NULL) {
			*out = json_object_get(o);
			return CF_OK;
		}
		if (reccache_absent(v->opened, key, now))
			return CF_E_NOT_FOUND;
	}
	st = vault_fetch(v, key, &raw, &rawlen);
	if (v->reading && (st == CF_OK || st == CF_E_NOT_FOUND)) {
		v->section_read = 1;
		now = v->be->ops->changes(v->be); /* the state it read */
	}
	if (st == CF_E_NOT_FOUND && v->reading)
		reccache_keep_absent(v->opened, key, now);
	else if (st == CF_E_NOT_FOUND)
		reccache_forget(v->opened, key);
	if (st != CF_OK)
		goto out;
	if ((o = reccache_find(v->opened, key, raw, rawlen)) != NULL) {
		if (v->reading)
			reccache_stamp(v->opened, key, now);
		*out = json_object_get(o);
		goto out;
	}
	if ((st = vault_open_raw(v, key, raw, rawlen, &pt, &len)) != CF_OK ||
	    (st = vault_parse(key, pt, len, &o)) != CF_OK)
		goto out;
	for (i = 0; drop != NULL && drop[i] != NULL; i++)
		json_object_object_del(o, drop[i]);
	reccache_keep(v->opened, key, raw, rawlen, o);
	if (v->reading)
		reccache_stamp(v->opened, key, now);
	*out = o;
out:
	record_free(pt, len);
	free(raw);
	return st;
}

enum cf_status
vault_del(struct vault *v, const char *key)
{
	return v->be->ops->del(v->be, key, strlen(key)) == 0 ? CF_OK
	                                                     : CF_E_INTERNAL;
}

/* ---- records as stored ---- */

enum cf_status
vault_get_clear(struct vault *v, const char *key, char **pt, size_t *len)
{
	uint8_t *raw = NULL;
	const uint8_t *p;
	size_t rawlen, plen;
	enum cf_status st = CF_E_INTERNAL;
	int rc;

	rc = v->be->ops->get(v->be, key, strlen(key), &raw, &rawlen);
	if (rc == BACKEND_NOTFOUND)
		return CF_E_NOT_FOUND;
	if (rc != 0)
		return vault_store_failed(v);
	if (record_read_clear(raw, rawlen, &p, &plen) == CF_OK &&
	    (*pt = malloc(plen + 1)) != NULL) {
		memcpy(*pt, p, plen);
		(*pt)[plen] = '\0';
		*len = plen;
		st = CF_OK;
	}
	free(raw);
	return st;
}

enum cf_status
vault_put_clear(struct vault *v, enum record_kind kind, const char *key,
    const void *pt, size_t len)
{
	uint8_t *rec = NULL;
	size_t reclen;
	enum cf_status st;

	if ((st = record_clear(kind, pt, len, &rec, &reclen)) != CF_OK)
		return st;
	st = vault_put_raw(v, key, rec, reclen);
	free(rec);
	return st;
}

enum cf_status
vault_put_raw(struct vault *v, const char *key, const uint8_t *rec, size_t len)
{
	return v->be->ops->put(v->be, key, strlen(key), rec, len) == 0
	           ? CF_OK
	           : CF_E_INTERNAL;
}

enum cf_status
vault_iterate_raw(
    struct vault *v, const char *prefix, backend_iter_fn cb, void *arg)
{
	if (v->be->ops->iterate(v->be, prefix, strlen(prefix), cb, arg) == -1)
		return vault_store_failed(v);
	return CF_OK;
}

/* ---- init ---- */

enum cf_status
vault_put_sealed(struct vault *v, const uint8_t *key, uint32_t term,
    enum record_kind kind, const char *skey, const void *pt, size_t len)
{
	uint8_t *rec = NULL;
	size_t reclen;
	enum cf_status s;

	s = record_seal(
	    key, term, kind, skey, strlen(skey), pt, len, &rec, &reclen);
	if (s == CF_OK && vault_put_raw(v, skey, rec, reclen) != CF_OK)
		s = CF_E_INTERNAL;
	free(rec);
	return s;
}

char *
vault_json_text(struct json_object *o)
{
	const char *s;

	s = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

static enum cf_status
vault_init_records(struct vault *v, const char *id, unsigned n, unsigned t,
    const uint8_t *root, const uint8_t *dek, const char *pub, size_t publen,
    const char *priv, size_t privlen)
{
	struct json_object *o = NULL;
	uint8_t ring[4 + KEYRING_ENTRY];
	char *text = NULL;
	enum cf_status st = CF_E_INTERNAL;
	int64_t now = (int64_t)time(NULL);

	o = jb_object();
	jb_set_int(o, "format", 1);
	jb_set_str(o, "id", id);
	jb_set_int(o, "shares", (int)n);
	jb_set_int(o, "threshold", (int)t);
	jb_set_int(o, "created", now);
	if ((text = vault_json_text(o)) == NULL ||
	    (st = vault_put_clear(
	         v, RECORD_META, "m:init", text, strlen(text))) != CF_OK)
		goto out;
	memset(ring, 0, 8);
	ring[3] = 1; /* one key */
	ring[7] = 1; /* term 1 */
	memcpy(ring + 8, dek, CF_KEY_LEN);
	if ((st = vault_put_sealed(v, root, 0, RECORD_KEYRING, "m:keyring",
	         ring, sizeof(ring))) != CF_OK ||
	    (st = vault_put_clear(v, RECORD_META, "m:jwtpub", pub, publen)) !=
	        CF_OK)
		goto out;
	st =
	    vault_put_sealed(v, dek, 1, RECORD_META, "m:jwtkey", priv, privlen);
out:
	crypto_wipe(ring, sizeof(ring));
	free(text);
	json_object_put(o);
	return st;
}

enum cf_status
vault_init_shares(
    const uint8_t *root, unsigned n, unsigned t, struct vault_init_result *out)
{
	uint8_t **sh;
	enum cf_status st = CF_E_INTERNAL;
	unsigned i;

	if ((sh = calloc(n, sizeof(*sh))) == NULL)
		return CF_E_INTERNAL;
	out->shares_hex = calloc(n, sizeof(char *));
	out->shares_b64 = calloc(n, sizeof(char *));
	if (out->shares_hex == NULL || out->shares_b64 == NULL)
		goto out;
	out->nshares = n;
	if (shamir_split(root, CF_KEY_LEN, n, t, sh) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		out->shares_hex[i] = codec_hex_encode(sh[i], SHARE_LEN);
		out->shares_b64[i] = codec_base64_encode(sh[i], SHARE_LEN, 0);
		if (out->shares_hex[i] == NULL || out->shares_b64[i] == NULL)
			goto out;
	}
	st = CF_OK;
out:
	for (i = 0; i < n; i++) {
		if (sh[i] != NULL)
			crypto_wipe(sh[i], SHARE_LEN);
		free(sh[i]);
	}
	free(sh);
	return st;
}

/* The seeds, under the first data key (term 1) or clear. */
static enum cf_status
vault_init_seeds(struct vault *v, const uint8_t *dek,
    const struct vault_seed *seeds, size_t nseeds)
{
	enum cf_status st = CF_OK;
	enum record_kind kind;
	size_t i;

	for (i = 0; st == CF_OK && i < nseeds; i++) {
		kind = seeds[i].kind != 0 ? seeds[i].kind : RECORD_META;
		st = seeds[i].clear
		         ? vault_put_clear(
		               v, kind, seeds[i].key, seeds[i].pt, seeds[i].len)
		         : vault_put_sealed(v, dek, 1, kind, seeds[i].key,
		               seeds[i].pt, seeds[i].len);
	}
	return st;
}

enum cf_status
vault_init(
    struct vault *v, unsigned n, unsigned t, struct vault_init_result *out)
{
	return vault_init_seeded(v, n, t, NULL, 0, out);
}

enum cf_status
vault_init_seeded(struct vault *v, unsigned n, unsigned t,
    const struct vault_seed *seeds, size_t nseeds,
    struct vault_init_result *out)
{
	struct crypto_rsa *rsa = NULL;
	uint8_t idb[VAULT_ID_BYTES], root[CF_KEY_LEN];
	uint8_t dek[CF_KEY_LEN];
	char *id = NULL, *pub = NULL, *priv = NULL;
	size_t publen = 0, privlen = 0;
	enum cf_status st = CF_E_INTERNAL;
	int locked = 0;

	memset(out, 0, sizeof(*out));
	/* Vault's rule: more than one share needs a threshold of two. */
	if (n < 1 || n > CF_MAX_SHARES || t < 1 || t > n || (n > 1 && t < 2))
		return CF_E_BAD_REQUEST;
	/* The slow part (RSA key generation) happens before taking the
	 * store's write lock. */
	if (crypto_random(idb, sizeof(idb)) != 0 ||
	    crypto_random(root, sizeof(root)) != 0 ||
	    crypto_random(dek, sizeof(dek)) != 0 ||
	    (id = codec_hex_encode(idb, sizeof(idb))) == NULL ||
	    crypto_rsa_generate(VAULT_RSA_BITS, &rsa) != 0 ||
	    crypto_rsa_export_public(rsa, &pub, &publen) != 0 ||
	    crypto_rsa_export_private(rsa, &priv, &privlen) != 0)
		goto out;
	if (be_write(v, 0) != 0)
		goto out;
	locked = 1;
	if (!v->initialized && vault_meta_read(v) == CF_E_INTERNAL)
		goto out;
	if (v->initialized) {
		st = CF_E_ALREADY_INIT;
		goto out;
	}
	if ((st = vault_init_records(v, id, n, t, root, dek, pub, publen, priv,
	         privlen)) != CF_OK ||
	    (st = vault_init_seeds(v, dek, seeds, nseeds)) != CF_OK)
		goto out;
	locked = 0;
	if ((st = vault_commit(v)) != CF_OK)
		goto out;
	if ((st = vault_load_meta(v)) != CF_OK ||
	    (st = vault_init_shares(root, n, t, out)) != CF_OK)
		goto out;
	out->token_key = rsa;
	rsa = NULL;
	linfo("store %s initialized with %u shares, threshold %u", v->id, n, t);
out:
	if (locked)
		vault_abort(v);
	if (st != CF_OK)
		vault_init_result_free(out);
	crypto_wipe(root, sizeof(root));
	crypto_wipe(dek, sizeof(dek));
	if (priv != NULL)
		crypto_wipe(priv, privlen);
	free(priv);
	free(pub);
	free(id);
	crypto_rsa_free(rsa);
	return st;
}

void
vault_init_result_free(struct vault_init_result *r)
{
	unsigned i;

	for (i = 0; i < r->nshares; i++) {
		if (r->shares_hex && r->shares_hex[i]) {
			crypto_wipe(r->shares_hex[i], strlen(r->shares_hex[i]));
			free(r->shares_hex[i]);
		}
		if (r->shares_b64 && r->shares_b64[i]) {
			crypto_wipe(r->shares_b64[i], strlen(r->shares_b64[i]));
			free(r->shares_b64[i]);
		}
	}
	free(r->shares_hex);
	free(r->shares_b64);
	crypto_rsa_free(r->token_key);
	memset(r, 0, sizeof(*r));
}

/* ---- unseal ---- */

/* Shares are accepted as hex (as shown) or base64 (keys_base64). */
int
vault_share_decode(const char *s, size_t len, uint8_t *out)
{
	uint8_t *b = NULL;
	size_t blen = 0;
	int rc = -1;

	if (codec_hex_decode(s, len, &b, &blen) != 0 &&
	    codec_base64_decode(s, len, 0, &b, &blen) != 0)
		return -1;
	if (blen == SHARE_LEN) {
		memcpy(out, b, SHARE_LEN);
		rc = 0;
	}
	crypto_wipe(b, blen);
	free(b);
	return rc;
}

static const char vault_not_combined[] =
    "the shares did not combine to the store's key; progress is reset";
static const char vault_bad_share[] = "invalid unseal key share";
static const char vault_held_x[] =
    "a share with this x-coordinate is already held";

static enum cf_status
vault_try_combine(
    struct vault *v, const uint8_t *prog, unsigned k, const char **why)
{
	uint8_t *ptrs[CF_MAX_SHARES];
	uint8_t root[HELD_LEN];
	enum cf_status st = CF_E_BAD_REQUEST;
	unsigned i;

	for (i = 0; i < k; i++)
		ptrs[i] = (uint8_t *)prog + 1 + i * SHARE_LEN;
	if (shamir_combine(ptrs, k, SHARE_LEN, root) != 0)
		goto out;
	vault_keys_drop(v);
	st = vault_keyring_read(v, root);
	if (st == CF_E_CRYPTO) {
		lwarnx(
		    "store %s: unseal shares do not combine to the key", v->id);
		st = CF_E_BAD_REQUEST;
		*why = vault_not_combined;
		goto out;
	}
	if (st != CF_OK)
		goto out;
	/* Unsealed under the epoch this write section reads: a seal on
	 * another host after it seals this one too. */
	v->keys->seal_epoch = store_seal_epoch(v);
	epoch_put(root + CF_KEY_LEN, v->keys->seal_epoch);
	if (keyholder_set(v->kh, KEYHOLDER_ROOT, root, sizeof(root)) != 0) {
		vault_keys_drop(v);
		st = CF_E_INTERNAL;
		goto out;
	}
	v->keys->serial = keyholder_seen(v->kh, KEYHOLDER_ROOT);
	linfo("store %s unsealed", v->id);
out:
	crypto_wipe(root, sizeof(root));
	return st;
}

/* This host's name, for the unsealed hosts: NUL-terminated in name. */
static void
host_name(char *name, size_t len)
{
	if (gethostname(name, len) == -1 || name[0] == '\0')
		snprintf(name, len, "unknown");
	name[len - 1] = '\0';
}

/*
 * On a store several hosts share, the unseal just made is noted in it
 * (m:host:<name>, clear: the seal status reads it while sealed): the
 * host, when, and under which seal epoch, so that any host can tell which
 * are unsealed.  Commits the unseal's write section; a failure costs the
 * list, never the unseal.
 */
static void
vault_host_note(struct vault *v)
{
	struct json_object *o = jb_object();
	char name[HOST_NAME_LEN], key[sizeof(HOST_KEY) + HOST_NAME_LEN];
	char *text = NULL;

	host_name(name, sizeof(name));
	snprintf(key, sizeof(key), HOST_KEY "%s", name);
	jb_set_str(o, "host", name);
	jb_set_int(o, "unsealed", (int64_t)time(NULL));
	jb_set_int(o, "seal_epoch", (int64_t)v->keys->seal_epoch);
	if ((text = vault_json_text(o)) == NULL ||
	    vault_put_clear(v, RECORD_META, key, text, strlen(text)) != CF_OK) {
		vault_abort(v);
		lwarnx("store %s: this host's unseal is not noted", v->id);
	} else if (vault_commit(v) != CF_OK) {
		lwarnx("store %s: this host's unseal is not noted", v->id);
	}
	free(text);
	json_object_put(o);
}

/* Add share to the progress held by the keyholder, combining at the
 * threshold.  Inside the store's write lock. */
static enum cf_status
vault_unseal_add(struct vault *v, const uint8_t *share, const char **why)
{
	uint8_t prog[PROGRESS_MAX];
	size_t plen;
	unsigned k, i;
	enum cf_status st = CF_OK;

	k = vault_progress(v, prog, &plen);
	for (i = 0; i < k; i++) {
		const uint8_t *held = prog + 1 + i * SHARE_LEN;

		if (held[CF_KEY_LEN] != share[CF_KEY_LEN])
			continue;
		/* The same share again (a retry) changes nothing, as in
		 * Vault.  Another at a held x would be ignored or, worse,
		 * spoil the combination: whoever sent the first one,
		 * refuse it openly. */
		if (!crypto_equal(held, share, SHARE_LEN)) {
			*why = vault_held_x;
			st = CF_E_CONFLICT;
		}
		goto out;
	}
	memcpy(prog + 1 + k * SHARE_LEN, share, SHARE_LEN);
	prog[0] = (uint8_t)++k;
	if (k >= v->threshold) {
		st = vault_try_combine(v, prog, k, why);
		keyholder_clear(v->kh, KEYHOLDER_PROGRESS);
	} else if (keyholder_set(
	               v->kh, KEYHOLDER_PROGRESS, prog, 1 + k * SHARE_LEN) != 0)
		st = CF_E_INTERNAL;
out:
	crypto_wipe(prog, sizeof(prog));
	return st;
}

enum cf_status
vault_unseal(
    struct vault *v, const char *text, size_t len, struct vault_status *out)
{
	uint8_t share[SHARE_LEN];
	const char *why = NULL;
	enum cf_status st;

	out->refused = NULL;
	if (!v->initialized && (st = vault_load_meta(v)) != CF_OK)
		return vault_store_trouble(st) ? st : CF_E_NOT_INIT;
	if (vault_ready(v) == CF_OK)
		return vault_status(v, out);
	if (vault_share_decode(text, len, share) != 0) {
		out->refused = vault_bad_share;
		return CF_E_BAD_REQUEST;
	}
	/* The store's write lock serializes unseal calls from every worker
	 * so two shares cannot overwrite each other's progress. */
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	/* The threshold as the store has it now (a rekey changes it). */
	if ((st = vault_meta_reread(v)) == CF_OK)
		st = vault_unseal_add(v, share, &why);
	if (st == CF_OK && v->keys->valid && v->be->ops->seal_epoch != NULL)
		vault_host_note(v);
	else
		vault_abort(v);
	if (st == CF_OK)
		st = vault_status(v, out);
	out->refused = why;
out:
	crypto_wipe(share, sizeof(share));
	return st;
}

enum cf_status
vault_seal(struct vault *v)
{
	enum cf_status st = CF_OK;

	/* Not initialized: no store id, so no key in any keyring. */
	if (!v->initialized && vault_load_meta(v) != CF_OK)
		return CF_E_NOT_INIT;
	/* The key first, so that nothing after it can leave it behind. */
	if (keyholder_clear(v->kh, KEYHOLDER_ROOT) != 0)
		st = CF_E_INTERNAL;
	vault_keys_drop(v);
	if (keyholder_clear(v->kh, KEYHOLDER_PROGRESS) != 0)
		lwarnx("store %s: the unseal progress stays", v->id);
	/* Then every other host, through the store, even when this one was
	 * sealed already: a seal on any host is a seal on all. */
	vault_let_go(v);
	if (v->be->ops->seal_raise != NULL && v->be->ops->seal_raise(v->be)) {
		lwarnx("store %s: sealed on this host, but the store could "
		       "not tell the other hosts: seal again",
		    v->id);
		st = vault_store_failed(v);
	}
	if (st == CF_OK)
		linfo("store %s sealed", v->id);
	return st;
}

enum cf_status
vault_token_signing_key(struct vault *v, struct crypto_rsa **out)
{
	uint8_t *pem = NULL;
	size_t len = 0;
	enum cf_status st;

	*out = NULL;
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = vault_get(v, "m:jwtkey", &pem, &len);
	vault_read_end(v);
	if (st == CF_OK && crypto_rsa_import_private(pem, len, out) != 0)
		st = CF_E_INTERNAL;
	record_free(pem, len);
	return st;
}

enum cf_status
vault_unlock(struct vault *v, char *const *text, unsigned k)
{
	uint8_t prog[PROGRESS_MAX], root[CF_KEY_LEN];
	uint8_t *ptrs[CF_MAX_SHARES];
	unsigned i;
	enum cf_status st = CF_E_BAD_REQUEST;

	if (!v->initialized && vault_load_meta(v) != CF_OK)
		return CF_E_NOT_INIT;
	if (k == 0 || k > CF_MAX_SHARES)
		return CF_E_BAD_REQUEST;
	for (i = 0; i < k; i++) {
		ptrs[i] = prog + 1 + i * SHARE_LEN;
		if (vault_share_decode(text[i], strlen(text[i]), ptrs[i]) != 0)
			goto out;
	}
	if (shamir_combine(ptrs, k, SHARE_LEN, root) != 0)
		goto out;
	vault_keys_drop(v);
	if ((st = vault_derive(v, root, EPOCH_ANY)) == CF_E_CRYPTO)
		st = CF_E_BAD_REQUEST;
out:
	crypto_wipe(prog, sizeof(prog));
	crypto_wipe(root, sizeof(root));
	return st;
}

/* ---- key lists (the store callback may not write, so collect first) ---- */

int
vault_keylist_cb(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct vault_keylist *l = arg;
	char **nk;

	(void)val;
	(void)vlen;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		if ((nk = realloc(l->k, l->cap * sizeof(*nk))) == NULL) {
			l->err = 1;
			return 1;
		}
		l->k = nk;
	}
	if ((l->k[l->n] = strndup(key, klen)) == NULL) {
		l->err = 1;
		return 1;
	}
	l->n++;
	return 0;
}

static int
keylist_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
vault_keylist_free(struct vault_keylist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->k[i]);
	free(l->k);
	memset(l, 0, sizeof(*l));
}

/* In a section: every key starting with prefix, sorted. */
enum cf_status
vault_list_keys(struct vault *v, const char *prefix, struct vault_keylist *l)
{
	enum cf_status st;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = v->be->ops->iterate(
	    v->be, prefix, strlen(prefix), vault_keylist_cb, l);
	if (rc == -1 || l->err) {
		st = l->err ? CF_E_INTERNAL : vault_store_failed(v);
		vault_keylist_free(l);
		return st;
	}
	if (l->n > 1)
		qsort(l->k, l->n, sizeof(*l->k), keylist_cmp);
	return CF_OK;
}
