/* export.c: see export.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/dumpfmt.h"
#include "base/limits.h"
#include "base/log.h"
#include "vault/export.h"
#include "vault/record.h"
#include "vault/vault.h"

#define EXPORT_KINDS "sdv"

/* The store's key prefix of kind k: "k:<store>:/". */
static int
export_prefix(char *buf, size_t len, char kind, const char *store)
{
	int n = snprintf(buf, len, "%c:%s:/", kind, store);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Is key (klen bytes) a record of one of store's secrets? */
static int
export_owns(const char *store, const void *key, size_t klen)
{
	char pfx[CF_MAX_STORE_NAME + 8];
	const char *k;
	size_t n;

	for (k = EXPORT_KINDS; *k != '\0'; k++) {
		if (export_prefix(pfx, sizeof(pfx), *k, store) != 0)
			return 0;
		n = strlen(pfx);
		if (klen >= n && memcmp(key, pfx, n) == 0)
			return 1;
	}
	return 0;
}

/* ---- export ---- */

struct export_out {
	const char *store;
	struct dumpfmt_writer w;
	int failed; /* the client's stream failed: the walk stopped */
};

static int
export_one(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct export_out *o = arg;

	if (!export_owns(o->store, key, klen))
		return 0;
	if (dumpfmt_write_record(&o->w, key, klen, val, vlen) == DUMPFMT_OK)
		return 0;
	o->failed = 1;
	return 1;
}

enum cf_status
export_write(struct vault *v, const char *store, export_put_fn put, void *arg)
{
	struct export_out o = {.store = store};
	char creator[CF_MAX_STORE_NAME + 64];
	enum cf_status st;

	dumpfmt_writer_init(&o.w, put, arg);
	snprintf(
	    creator, sizeof(creator), "Coffer (export of store %s)", store);
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = CF_E_INTERNAL;
	if (dumpfmt_write_header(&o.w, creator) != DUMPFMT_OK)
		goto out;
	/* The records go out as the walk meets them: the read section is a
	 * snapshot that takes no lock, so a slow client holds up nobody. */
	if (vault_iterate_raw(v, "", export_one, &o) != CF_OK || o.failed)
		goto out;
	if (dumpfmt_write_footer(&o.w) != DUMPFMT_OK)
		goto out;
	st = CF_OK;
out:
	vault_read_end(v);
	return st;
}

/* ---- import ---- */

typedef enum cf_status (*import_fn)(
    void *arg, const char *key, const uint8_t *rec, size_t len);

/* A record of store's secrets goes to fn; its key, decoded, is a C string
 * (dumpfmt.h), so it may be passed as one once it holds no NUL. */
static enum cf_status
import_record(const char *store, const struct dumpfmt_record *rec, import_fn fn,
    void *arg)
{
	/* Keys are text: a NUL would cut the AAD short. */
	if (memchr(rec->key, '\0', rec->klen) != NULL ||
	    !export_owns(store, rec->key, rec->klen))
		return CF_E_BAD_REQUEST;
	return fn(arg, (const char *)rec->key, rec->val, rec->vlen);
}

/* Walk an export, calling fn on each record; CF_E_BAD_REQUEST for
 * anything but a whole, well-formed export of store's records. */
static enum cf_status
import_walk(const char *store, const uint8_t *body, size_t blen, import_fn fn,
    void *arg, size_t *count)
{
	struct dumpfmt_mem m = {body, blen};
	struct dumpfmt_reader r;
	struct dumpfmt_record rec;
	enum dumpfmt_status ds = DUMPFMT_OK;
	enum cf_status st = CF_OK;

	dumpfmt_reader_init(
	    &r, dumpfmt_mem_read, &m, BACKEND_MAX_KEY, BACKEND_MAX_VALUE);
	if (dumpfmt_read_header(&r) != DUMPFMT_OK)
		return CF_E_BAD_REQUEST;
	while (
	    st == CF_OK && (ds = dumpfmt_read_record(&r, &rec)) == DUMPFMT_OK) {
		st = import_record(store, &rec, fn, arg);
		dumpfmt_record_free(&rec);
	}
	if (st != CF_OK)
		return st;
	if (ds != DUMPFMT_END)
		return ds == DUMPFMT_E_NOMEM ? CF_E_INTERNAL : CF_E_BAD_REQUEST;
	*count = r.dr_count;
	return CF_OK;
}

struct import_check {
	struct vault *v;
	size_t secrets;
};

/* A sealed record of the kind its key names, opening under this store's
 * key with that key as additional data: nothing else gets in. */
static enum cf_status
import_check_one(void *arg, const char *key, const uint8_t *rec, size_t len)
{
	struct import_check *c = arg;

	if (len < RECORD_OVERHEAD || rec[0] != RECORD_FORMAT ||
	    rec[1] != (uint8_t)key[0])
		return CF_E_BAD_REQUEST;
	switch (vault_check(c->v, key, rec, len)) {
	case CF_OK:
		break;
	case CF_E_CRYPTO:
		return CF_E_BAD_REQUEST;
	case CF_E_SEALED:
		return CF_E_SEALED;
	default:
		return CF_E_INTERNAL;
	}
	c->secrets += key[0] == 's';
	return CF_OK;
}

static enum cf_status
import_put_one(void *arg, const char *key, const uint8_t *rec, size_t len)
{
	return vault_put_raw(arg, key, rec, len);
}

/* Inside the write section: drop the store's current secrets. */
static enum cf_status
import_clear(struct vault *v, const char *store)
{
	struct vault_keylist l;
	char pfx[CF_MAX_STORE_NAME + 8];
	const char *k;
	size_t i;
	enum cf_status st = CF_OK;

	for (k = EXPORT_KINDS; *k != '\0' && st == CF_OK; k++) {
		memset(&l, 0, sizeof(l));
		if (export_prefix(pfx, sizeof(pfx), *k, store) != 0)
			return CF_E_INTERNAL;
		st = vault_list_keys(v, pfx, &l);
		for (i = 0; st == CF_OK && i < l.n; i++)
			st = vault_del(v, l.k[i]);
		vault_keylist_free(&l);
	}
	return st;
}

enum cf_status
export_import(struct vault *v, const char *store, const uint8_t *body,
    size_t len, size_t *records, size_t *secrets, const char **detail)
{
	struct import_check c = {v, 0};
	size_t n = 0, m = 0;
	enum cf_status st;

	/* First every record is checked, and nothing is written. */
	st = import_walk(store, body, len, import_check_one, &c, &n);
	if (st == CF_E_BAD_REQUEST) {
		*detail = "the body is not a whole export of this store's "
		          "secrets, sealed with its key";
		return st;
	}
	if (st != CF_OK)
		return st;
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = import_clear(v, store)) != CF_OK ||
	    (st = import_walk(store, body, len, import_put_one, v, &m)) !=
	        CF_OK ||
	    m != n) {
		vault_abort(v);
		return st == CF_OK ? CF_E_INTERNAL : st;
	}
	if ((st = vault_commit(v)) != CF_OK)
		return st;
	*records = n;
	*secrets = c.secrets;
	return CF_OK;
}
