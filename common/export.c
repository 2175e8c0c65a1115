/* export.c: see export.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "export.h"
#include "limits.h"
#include "log.h"
#include "record.h"
#include "store.h"
#include "vault.h"

#define EXPORT_LINE_BYTES 57 /* bytes per base64 line: 76 characters */
#define EXPORT_KINDS      "sdv"

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
	export_put_fn put;
	void *arg;
	size_t count;
};

static int
export_datum(struct export_out *o, const void *p, size_t len)
{
	char head[32], *b64;
	size_t i, n, blen;
	int rc = -1;

	snprintf(head, sizeof(head), "#:len=%zu\n", len);
	if (o->put(o->arg, head, strlen(head)) != 0)
		return -1;
	if ((b64 = codec_base64_encode(p, len, 0)) == NULL)
		return -1;
	blen = strlen(b64);
	for (i = 0; i < blen; i += n) {
		n = blen - i < EXPORT_LINE_BYTES / 3 * 4
		        ? blen - i
		        : EXPORT_LINE_BYTES / 3 * 4;
		if (o->put(o->arg, b64 + i, n) != 0 ||
		    o->put(o->arg, "\n", 1) != 0)
			goto out;
	}
	rc = 0;
out:
	free(b64);
	return rc;
}

static int
export_one(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct export_out *o = arg;

	if (!export_owns(o->store, key, klen))
		return 0;
	if (export_datum(o, key, klen) != 0 || export_datum(o, val, vlen) != 0)
		return -1;
	o->count++;
	return 0;
}

enum cf_status
export_write(struct vault *v, const char *store, export_put_fn put, void *arg)
{
	struct export_out o = {store, put, arg, 0};
	char line[CF_MAX_STORE_NAME + 160];
	enum cf_status st = CF_E_INTERNAL;

	snprintf(line, sizeof(line),
	    "# GDBM dump file created by Coffer (export of store %s)\n"
	    "#:version=1.1\n#:format=standard\n# End of header\n",
	    store);
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = CF_E_INTERNAL;
	if (put(arg, line, strlen(line)) != 0)
		goto out;
	/* The records go out as the walk meets them: the read section is a
	 * snapshot that takes no lock, so a slow client holds up nobody. */
	if (store_iterate(vault_store(v), "", 0, export_one, &o) != 0)
		goto out;
	snprintf(line, sizeof(line), "#:count=%zu\n# End of data\n", o.count);
	if (put(arg, line, strlen(line)) != 0)
		goto out;
	st = CF_OK;
out:
	vault_read_end(v);
	return st;
}

/* ---- import ---- */

struct export_in {
	const char *p; /* the body left */
	size_t left;
	const char *line; /* the current line, without its newline */
	size_t len;
	int eof;
};

/* The next line into in->line; a line without a newline is the last. */
static void
import_line(struct export_in *in)
{
	const char *nl;

	if (in->left == 0) {
		in->eof = 1;
		in->line = "";
		in->len = 0;
		return;
	}
	nl = memchr(in->p, '\n', in->left);
	in->line = in->p;
	in->len = nl ? (size_t)(nl - in->p) : in->left;
	in->p += in->len + (nl != NULL);
	in->left -= in->len + (nl != NULL);
}

static int
import_starts(const struct export_in *in, const char *s)
{
	size_t n = strlen(s);

	return in->len >= n && memcmp(in->line, s, n) == 0;
}

/* Digits only after the prefix, at most max. */
static int
import_size(const struct export_in *in, size_t skip, size_t max, size_t *out)
{
	size_t v = 0, i;

	if (in->len <= skip || in->len - skip > 20)
		return -1;
	for (i = skip; i < in->len; i++) {
		if (in->line[i] < '0' || in->line[i] > '9' || v > max / 10)
			return -1;
		v = v * 10 + (size_t)(in->line[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* At "#:len=N": the datum, decoded (malloc'd, *out).  Leaves the line
 * after it current.  0 or -1. */
static int
import_datum(struct export_in *in, size_t max, uint8_t **out, size_t *outlen)
{
	char *text = NULL;
	size_t len, n = 0, cap;
	int rc = -1;

	*out = NULL;
	if (!import_starts(in, "#:len=") ||
	    import_size(in, 6, max, &len) != 0 || len == 0)
		return -1;
	cap = (len + 2) / 3 * 4;
	if ((text = malloc(cap + 1)) == NULL)
		return -1;
	for (import_line(in); !in->eof && in->len > 0 && in->line[0] != '#';
	     import_line(in)) {
		if (in->len > cap - n)
			goto out;
		memcpy(text + n, in->line, in->len);
		n += in->len;
	}
	if (n != cap || codec_base64_decode(text, n, 0, out, outlen) != 0)
		goto out;
	if (*outlen != len) {
		free(*out);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

typedef enum cf_status (*import_fn)(
    void *arg, const char *key, const uint8_t *rec, size_t len);

/* Walk an export, calling fn on each record; CF_E_BAD_REQUEST for
 * anything but a whole, well-formed export of store's records. */
static enum cf_status
import_walk(const char *store, const uint8_t *body, size_t blen, import_fn fn,
    void *arg, size_t *count)
{
	struct export_in in = {(const char *)body, blen, NULL, 0, 0};
	uint8_t *k = NULL, *rec = NULL;
	char *key = NULL;
	size_t klen, rlen, n = 0, want;
	enum cf_status st = CF_E_BAD_REQUEST;

	import_line(&in);
	if (!import_starts(&in, "# GDBM dump file"))
		return st;
	do
		import_line(&in);
	while (!in.eof && in.len > 0 && in.line[0] == '#' &&
	       !import_starts(&in, "#:len=") &&
	       !import_starts(&in, "#:count="));
	while (import_starts(&in, "#:len=")) {
		if (import_datum(&in, STORE_MAX_KEY, &k, &klen) != 0 ||
		    import_datum(&in, STORE_MAX_VALUE, &rec, &rlen) != 0)
			goto out;
		/* Keys are text: a NUL would cut the AAD short. */
		if (memchr(k, '\0', klen) != NULL ||
		    !export_owns(store, k, klen))
			goto out;
		if ((key = malloc(klen + 1)) == NULL) {
			st = CF_E_INTERNAL;
			goto out;
		}
		memcpy(key, k, klen);
		key[klen] = '\0';
		if ((st = fn(arg, key, rec, rlen)) != CF_OK)
			goto out;
		st = CF_E_BAD_REQUEST;
		free(key);
		free(k);
		free(rec);
		key = NULL;
		k = rec = NULL;
		n++;
	}
	/* The count closes the export: without it, it was cut short. */
	if (!import_starts(&in, "#:count=") ||
	    import_size(&in, 8, SIZE_MAX, &want) != 0 || want != n)
		goto out;
	for (import_line(&in); !in.eof; import_line(&in))
		if (in.len > 0 && in.line[0] != '#')
			goto out;
	*count = n;
	st = CF_OK;
out:
	free(key);
	free(k);
	free(rec);
	return st;
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
	struct vault *v = arg;

	return store_put(vault_store(v), key, strlen(key), rec, len) == 0
	           ? CF_OK
	           : CF_E_INTERNAL;
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
