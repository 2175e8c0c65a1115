/* keys.c: rotate, rewrap and rekey (vault.h;
 * docs/store.md#rotation-rewrap-and-rekey). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "crypto/shamir.h"
#include "vault/keyholder.h"
#include "vault/keyring.h"
#include "vault/vault.h"
#include "vault/vault_impl.h"

/* ---- rotate ---- */

/* In a write section: ring sealed under root as m:keyring. */
static enum cf_status
keyring_write(struct vault *v, const uint8_t *root, const struct keyring *ring)
{
	uint8_t buf[KEYRING_BYTES];
	size_t len;
	enum cf_status st;

	len = keyring_encode(ring, buf);
	st =
	    vault_put_sealed(v, root, 0, RECORD_KEYRING, "m:keyring", buf, len);
	crypto_wipe(buf, sizeof(buf));
	return st;
}

/* This process's keyring again, after its own commit changed it. */
static void
keyring_refresh(struct vault *v)
{
	if (vault_read_begin(v) != CF_OK)
		return;
	(void)vault_keyring_follow(v);
	vault_read_end(v);
}

enum cf_status
vault_rotate(struct vault *v, uint32_t *term)
{
	struct keyring ring;
	uint8_t dek[CF_KEY_LEN];
	enum cf_status st;

	if ((st = vault_ready(v)) != CF_OK)
		return st;
	if (crypto_random(dek, sizeof(dek)) != 0)
		return CF_E_INTERNAL;
	/* The write section reads the keyring as it is now: two rotates
	 * one after the other make two terms, never one twice. */
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	ring = v->keys->ring;
	if (keyring_add(&ring, dek) != 0) {
		vault_abort(v);
		st = CF_E_TOO_LARGE;
		goto out;
	}
	if ((st = keyring_write(v, v->keys->root, &ring)) != CF_OK) {
		vault_abort(v);
		goto out;
	}
	if ((st = vault_commit(v)) != CF_OK)
		goto out;
	*term = keyring_current(&ring);
	linfo("store %s: rotated to key term %" PRIu32, v->id, *term);
	keyring_refresh(v);
out:
	crypto_wipe(&ring, sizeof(ring));
	crypto_wipe(dek, sizeof(dek));
	return st;
}

/* ---- terms ---- */

static int
term_count_cb(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct vault_terms *t = arg;
	int64_t term = record_term(val, vlen);
	size_t i;

	(void)key;
	(void)klen;
	/* Clear records name no term; m:keyring is the root key's (0). */
	if (term <= 0)
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->term[i] == (uint32_t)term) {
			t->records[i]++;
			return 0;
		}
	t->unknown++;
	return 0;
}

enum cf_status
vault_terms(struct vault *v, struct vault_terms *out)
{
	enum cf_status st;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((st = vault_ready(v)) != CF_OK)
		return st;
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_keyring_follow(v)) != CF_OK)
		goto out;
	out->n = v->keys->ring.n;
	for (i = 0; i < out->n; i++)
		out->term[i] = v->keys->ring.term[i];
	out->current = keyring_current(&v->keys->ring);
	st = vault_iterate_raw(v, "", term_count_cb, out);
out:
	vault_read_end(v);
	return st;
}

/* ---- rewrap ---- */

struct rewrap_walk {
	struct vault_keylist *l;
	uint32_t current;
};

static int
rewrap_list_cb(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct rewrap_walk *w = arg;
	int64_t term = record_term(val, vlen);

	if (term <= 0 || (uint32_t)term == w->current)
		return 0;
	return vault_keylist_cb(w->l, key, klen, val, vlen);
}

enum cf_status
vault_rewrap_begin(struct vault *v, struct vault_rewrap *rw)
{
	struct rewrap_walk w;
	enum cf_status st;

	memset(rw, 0, sizeof(*rw));
	if ((st = vault_ready(v)) != CF_OK)
		return st;
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_keyring_follow(v)) != CF_OK)
		goto out;
	w.l = &rw->todo;
	w.current = keyring_current(&v->keys->ring);
	rw->term = w.current;
	st = vault_iterate_raw(v, "", rewrap_list_cb, &w);
	if (st == CF_OK && rw->todo.err)
		st = CF_E_INTERNAL;
out:
	vault_read_end(v);
	if (st != CF_OK)
		vault_rewrap_end(rw);
	return st;
}

/* In a write section: key's record under the current term, unless it is
 * there already or gone.  1 when re-sealed, 0 when left, or -1 with *st. */
static int
rewrap_one(struct vault *v, const char *key, enum cf_status *st)
{
	const struct keyring *ring = &v->keys->ring;
	uint8_t *raw = NULL, *pt = NULL;
	size_t rawlen, ptlen = 0;
	const uint8_t *k;
	int64_t term;
	int rc;

	rc = v->be->ops->get(v->be, key, strlen(key), &raw, &rawlen);
	if (rc == BACKEND_NOTFOUND)
		return 0;
	if (rc != 0) {
		*st = vault_store_failed(v);
		return -1;
	}
	rc = 0;
	term = record_term(raw, rawlen);
	if (term <= 0 || (uint32_t)term == keyring_current(ring))
		goto out;
	rc = -1;
	if ((k = keyring_key(ring, (uint32_t)term)) == NULL) {
		lwarnx("record %s names an unknown key term", key);
		*st = CF_E_CRYPTO;
		goto out;
	}
	if ((*st = record_open(
	         k, key, strlen(key), raw, rawlen, &pt, &ptlen)) != CF_OK ||
	    (*st = vault_put(v, (enum record_kind)raw[1], key, pt, ptlen)) !=
	        CF_OK)
		goto out;
	rc = 1;
out:
	record_free(pt, ptlen);
	free(raw);
	return rc;
}

enum cf_status
vault_rewrap_step(struct vault *v, struct vault_rewrap *rw, size_t batch)
{
	enum cf_status st = CF_OK;
	uint64_t done = 0;
	size_t i, end;
	int rc;

	if (rw->next >= rw->todo.n)
		return CF_OK;
	end = rw->todo.n - rw->next < batch ? rw->todo.n : rw->next + batch;
	/* The section follows the keyring: a rotate since begin sends this
	 * batch to the newer term. */
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	for (i = rw->next; i < end; i++) {
		if ((rc = rewrap_one(v, rw->todo.k[i], &st)) == -1) {
			vault_abort(v);
			return st;
		}
		done += (uint64_t)rc;
	}
	if ((st = vault_commit(v)) != CF_OK)
		return st;
	rw->next = end;
	rw->rewrapped += done;
	rw->term = keyring_current(&v->keys->ring);
	return CF_OK;
}

void
vault_rewrap_end(struct vault_rewrap *rw)
{
	vault_keylist_free(&rw->todo);
	memset(rw, 0, sizeof(*rw));
}

/* ---- rekey ---- */

static const char rekey_counts[] =
    "the threshold must be at most the shares, and at least 2 when there "
    "are several shares";
static const char rekey_bad_share[] = "invalid unseal key share";
static const char rekey_not_combined[] =
    "these key shares do not combine to the store's key";

/* The root key the k shares in text combine to: 0, or -1 with *why. */
static int
shares_combine(char *const *text, unsigned k, uint8_t *root, const char **why)
{
	uint8_t sh[CF_MAX_SHARES][SHARE_LEN];
	uint8_t *ptrs[CF_MAX_SHARES];
	unsigned i;
	int rc = -1;

	*why = rekey_bad_share;
	if (k == 0 || k > CF_MAX_SHARES)
		goto out;
	for (i = 0; i < k; i++) {
		ptrs[i] = sh[i];
		if (vault_share_decode(text[i], strlen(text[i]), sh[i]) != 0)
			goto out;
	}
	*why = rekey_not_combined;
	if (shamir_combine(ptrs, k, SHARE_LEN, root) != 0)
		goto out;
	*why = NULL;
	rc = 0;
out:
	crypto_wipe(sh, sizeof(sh));
	return rc;
}

/* In a write section: m:init with the new counts, all else kept. */
static enum cf_status
rekey_meta(struct vault *v, unsigned n, unsigned t)
{
	struct json_object *o = NULL;
	char *pt = NULL, *text = NULL;
	size_t len;
	enum cf_status st;

	if ((st = vault_get_clear(v, "m:init", &pt, &len)) != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if (cf_json_parse((const uint8_t *)pt, len, &o) != CF_OK)
		goto out;
	jb_set_int(o, "shares", (int64_t)n);
	jb_set_int(o, "threshold", (int64_t)t);
	if ((text = vault_json_text(o)) == NULL)
		goto out;
	st = vault_put_clear(v, RECORD_META, "m:init", text, strlen(text));
out:
	free(text);
	free(pt);
	json_object_put(o);
	return st;
}

/* In a write section: the keyring, opened under old, sealed under new. */
static enum cf_status
rekey_keyring(
    struct vault *v, const uint8_t *old, const uint8_t *new, const char **why)
{
	uint8_t *raw = NULL, *pt = NULL;
	size_t rawlen, ptlen = 0;
	enum cf_status st;
	int rc;

	rc = v->be->ops->get(v->be, "m:keyring", 9, &raw, &rawlen);
	if (rc != 0)
		return rc == -1 ? vault_store_failed(v) : CF_E_INTERNAL;
	st = record_open(old, "m:keyring", 9, raw, rawlen, &pt, &ptlen);
	if (st == CF_E_CRYPTO) {
		*why = rekey_not_combined;
		st = CF_E_BAD_REQUEST;
	}
	if (st == CF_OK)
		st = vault_put_sealed(
		    v, new, 0, RECORD_KEYRING, "m:keyring", pt, ptlen);
	record_free(pt, ptlen);
	free(raw);
	return st;
}

/* After the commit: a keyholder that held old holds new, under the same
 * seal epoch; unseal progress (shares of old) is void either way. */
static void
rekey_keyholder(struct vault *v, const uint8_t *old, const uint8_t *new)
{
	uint8_t held[HELD_LEN];
	uint64_t epoch;

	if (vault_held_read(v, held, &epoch) == 0 &&
	    crypto_equal(held, old, CF_KEY_LEN)) {
		memcpy(held, new, CF_KEY_LEN);
		if (keyholder_set(v->kh, KEYHOLDER_ROOT, held, HELD_LEN) != 0) {
			lwarnx("store %s: rekeyed, and sealed on this host: "
			       "unseal it with the new shares",
			    v->id);
			(void)keyholder_clear(v->kh, KEYHOLDER_ROOT);
		}
	}
	(void)keyholder_clear(v->kh, KEYHOLDER_PROGRESS);
	crypto_wipe(held, sizeof(held));
}

enum cf_status
vault_rekey(struct vault *v, char *const *shares, unsigned k, unsigned n,
    unsigned t, struct vault_init_result *out, const char **why)
{
	uint8_t old[CF_KEY_LEN], new[CF_KEY_LEN];
	enum cf_status st = CF_E_BAD_REQUEST;
	int locked = 0;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (n < 1 || n > CF_MAX_SHARES || t < 1 || t > n || (n > 1 && t < 2)) {
		*why = rekey_counts;
		return CF_E_BAD_REQUEST;
	}
	if (!v->initialized)
		return CF_E_NOT_INIT;
	if (shares_combine(shares, k, old, why) != 0)
		goto out;
	/* The new shares exist before the commit that needs them. */
	st = CF_E_INTERNAL;
	if (crypto_random(new, sizeof(new)) != 0 ||
	    (st = vault_init_shares(new, n, t, out)) != CF_OK)
		goto out;
	vault_let_go(v);
	if (v->be->ops->begin_write(v->be, 0) != 0) {
		st = vault_store_failed(v);
		goto out;
	}
	locked = 1;
	if ((st = rekey_keyring(v, old, new, why)) != CF_OK ||
	    (st = rekey_meta(v, n, t)) != CF_OK)
		goto out;
	locked = 0;
	if ((st = vault_commit(v)) != CF_OK)
		goto out;
	v->shares = n;
	v->threshold = t;
	rekey_keyholder(v, old, new);
	vault_keys_drop(v);
	linfo("store %s rekeyed: %u shares, threshold %u", v->id, n, t);
out:
	if (locked)
		vault_abort(v);
	if (st != CF_OK)
		vault_init_result_free(out);
	crypto_wipe(old, sizeof(old));
	crypto_wipe(new, sizeof(new));
	return st;
}
