/*
 * backend.c: choosing a backend by the `store` setting, and backups
 * written over the interface (see backend.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/dumpfmt.h"
#include "base/log.h"
#include "crypto/crypto.h"

#define LOAD_BATCH (4u << 20) /* bytes of records per backend_load commit */
#define COPY_TELL  256        /* records between two progress reports */

/*
 * "<scheme>:<rest>" opens the backend of that scheme on <rest>:
 * "postgresql:<libpq connection string>" (backend_pg.c, built when
 * configure found libpq).
 */
static const struct backend_scheme {
	const char *scheme;
	const struct backend_ops *ops;
} backend_schemes[] = {
#ifdef COFFER_WITH_PG
    {"postgresql", &backend_postgresql},
#endif
    {NULL, NULL},
};

static const char scheme_chars[] = "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789+-.";

/* The length of spec's scheme (RFC 3986: a letter, then letters, digits,
 * '+', '-' or '.', then ':'), or 0 when it has none.  A path that looks
 * like one ("a:b") is written "./a:b". */
static size_t
scheme_len(const char *spec)
{
	size_t n;

	if ((spec[0] < 'a' || spec[0] > 'z') &&
	    (spec[0] < 'A' || spec[0] > 'Z'))
		return 0;
	n = strspn(spec, scheme_chars);
	return spec[n] == ':' ? n : 0;
}

int
backend_open(const char *spec, int create, struct backend **out)
{
	const struct backend_scheme *s;
	size_t n;

	if ((n = scheme_len(spec)) == 0)
		return backend_gdbm.open(spec, create, out);
	for (s = backend_schemes; s->scheme != NULL; s++)
		if (strlen(s->scheme) == n && !strncasecmp(spec, s->scheme, n))
			return s->ops->open(spec + n + 1, create, out);
	/* Only the scheme: the rest may hold a password. */
	lwarnx("store: no backend for the scheme \"%.*s\" (a path with a "
	       "colon in it is written ./path)",
	    (int)n, spec);
	return -1;
}

/* ---- backups (dumpfmt.h) through stdio on a copy of the caller's fd ---- */

static FILE *
dup_stream(int fd, const char *mode)
{
	FILE *fp;
	int nfd;

	if ((nfd = dup(fd)) == -1)
		return NULL;
	if ((fp = fdopen(nfd, mode)) == NULL)
		close(nfd);
	return fp;
}

static int
dump_put(void *arg, const void *p, size_t len)
{
	return fwrite(p, 1, len, arg) == len ? 0 : -1;
}

static int
count_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	(*(uint64_t *)arg)++;
	return 0;
}

struct dump_state {
	struct dumpfmt_writer w;
	backend_progress_fn progress;
	void *arg;
	uint64_t total;
};

static int
dump_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct dump_state *d = arg;

	if (dumpfmt_write_record(&d->w, key, klen, val, vlen) != DUMPFMT_OK)
		return -1;
	if (d->progress != NULL && d->w.dw_count % COPY_TELL == 0)
		d->progress(d->arg, d->w.dw_count, d->total);
	return 0;
}

int
backend_dump(struct backend *b, int fd, backend_progress_fn progress, void *arg)
{
	struct dump_state d = {.progress = progress, .arg = arg};
	char creator[128];
	FILE *fp = NULL;
	int rc = -1;

	if (b->ops->begin_read(b) == -1)
		return -1;
	/* Counted first, in the same section, only for the bar's total. */
	if (progress != NULL &&
	    b->ops->iterate(b, "", 0, count_one, &d.total) != 0)
		goto out;
	if ((fp = dup_stream(fd, "w")) == NULL)
		goto out;
	dumpfmt_writer_init(&d.w, dump_put, fp);
	snprintf(creator, sizeof(creator), "Coffer (%s store)", b->ops->name);
	if (dumpfmt_write_header(&d.w, creator) != DUMPFMT_OK ||
	    b->ops->iterate(b, "", 0, dump_one, &d) != 0 ||
	    dumpfmt_write_footer(&d.w) != DUMPFMT_OK)
		goto out;
	rc = fflush(fp) == 0 ? 0 : -1;
	if (rc == 0 && progress != NULL)
		progress(arg, d.w.dw_count, d.total);
out:
	if (fp != NULL && fclose(fp) != 0)
		rc = -1;
	if (rc == -1)
		lwarn("backup");
	b->ops->end_read(b);
	return rc;
}

struct load_state {
	FILE *fp;
	uint64_t read, size; /* bytes of the dump: read so far, in all */
	backend_progress_fn progress;
	void *arg;
};

static ssize_t
load_read(void *arg, void *buf, size_t len)
{
	struct load_state *l = arg;
	size_t n = fread(buf, 1, len, l->fp);

	l->read += n;
	return n == 0 && ferror(l->fp) ? -1 : (ssize_t)n;
}

static int
any_record(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	(void)arg;
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	return 1;
}

/* One record into the open transaction, committed once *bytes passes
 * LOAD_BATCH so that a large load does not make one huge transaction.
 * Frees rec. */
static int
load_put(struct backend *b, struct dumpfmt_record *rec, size_t *bytes)
{
	int rc;

	rc = b->ops->put(b, rec->key, rec->klen, rec->val, rec->vlen);
	*bytes += rec->klen + rec->vlen;
	dumpfmt_record_free(rec);
	if (rc == -1 || *bytes < LOAD_BATCH)
		return rc;
	*bytes = 0;
	if (b->ops->commit(b) != 0 || b->ops->begin_write(b, 0) == -1)
		return -1;
	return 0;
}

static int
load_records(struct backend *b, struct dumpfmt_reader *r, struct load_state *l)
{
	struct dumpfmt_record rec;
	enum dumpfmt_status ds;
	size_t bytes = 0;

	if (b->ops->iterate(b, "", 0, any_record, NULL) != 0) {
		lwarnx("restore: the store is not empty");
		return -1;
	}
	while ((ds = dumpfmt_read_record(r, &rec)) == DUMPFMT_OK) {
		if (load_put(b, &rec, &bytes) == -1)
			return -1;
		if (l->progress != NULL && r->dr_count % COPY_TELL == 0)
			l->progress(l->arg, l->read, l->size);
	}
	if (ds != DUMPFMT_END) {
		lwarnx("restore: bad dump after %zu records: %s", r->dr_count,
		    dumpfmt_strerror(ds));
		return -1;
	}
	if (b->ops->commit(b) != 0)
		return -1;
	if (l->progress != NULL)
		l->progress(l->arg, l->read, l->size);
	return 0;
}

int
backend_load(struct backend *b, int fd, backend_progress_fn progress, void *arg)
{
	struct load_state l = {.progress = progress, .arg = arg};
	struct dumpfmt_reader r;
	enum dumpfmt_status ds;
	struct stat st;
	int rc = -1;

	if ((l.fp = dup_stream(fd, "r")) == NULL) {
		lwarn("restore");
		return -1;
	}
	/* The bar's total: a pipe's size is not known (0). */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		l.size = (uint64_t)st.st_size;
	dumpfmt_reader_init(
	    &r, load_read, &l, BACKEND_MAX_KEY, BACKEND_MAX_VALUE);
	if ((ds = dumpfmt_read_header(&r)) != DUMPFMT_OK) {
		lwarnx("restore: %s", dumpfmt_strerror(ds));
		goto out;
	}
	if (b->ops->begin_write(b, 0) == -1)
		goto out;
	rc = load_records(b, &r, &l);
	b->ops->abort(b); /* when no commit ended the section */
out:
	fclose(l.fp);
	return rc;
}

/* ---- moving a store to another backend ---- */

/* Add one record to t: its SHA-256 over both lengths and bytes, XORed in. */
static int
tally_add(struct backend_tally *t, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	uint8_t h[32], *buf;
	uint32_t kl = (uint32_t)klen, vl = (uint32_t)vlen;
	size_t i;
	int rc;

	if ((buf = malloc(8 + klen + vlen)) == NULL)
		return -1;
	memcpy(buf, &kl, 4);
	memcpy(buf + 4, key, klen);
	memcpy(buf + 4 + klen, &vl, 4);
	if (vlen > 0)
		memcpy(buf + 8 + klen, val, vlen);
	rc = crypto_sha256(buf, 8 + klen + vlen, h);
	free(buf);
	if (rc != 0)
		return -1;
	for (i = 0; i < sizeof(h); i++)
		t->digest[i] ^= h[i];
	t->records++;
	return 0;
}

static int
tally_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	return tally_add(arg, key, klen, val, vlen) == 0 ? 0 : -1;
}

int
backend_tally(struct backend *b, struct backend_tally *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if (b->ops->begin_read(b) == -1)
		return -1;
	rc = b->ops->iterate(b, "", 0, tally_one, t) == 0 ? 0 : -1;
	b->ops->end_read(b);
	return rc;
}

struct copy_state {
	struct backend *dst;
	struct backend_tally *copied;
	backend_progress_fn progress;
	void *arg;
	uint64_t total;
	size_t bytes; /* in the open transaction */
};

/* One record into dst's open transaction, committed once it holds
 * LOAD_BATCH bytes. */
static int
copy_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct copy_state *c = arg;
	struct backend *d = c->dst;

	if (d->ops->put(d, key, klen, val, vlen) == -1 ||
	    tally_add(c->copied, key, klen, val, vlen) == -1)
		return -1;
	c->bytes += klen + vlen;
	if (c->progress != NULL && c->copied->records % COPY_TELL == 0)
		c->progress(c->arg, c->copied->records, c->total);
	if (c->bytes < LOAD_BATCH)
		return 0;
	c->bytes = 0;
	if (d->ops->commit(d) != 0 || d->ops->begin_write(d, 0) == -1)
		return -1;
	return 0;
}

/* In src's read section: count, check dst is empty, copy. */
static int
copy_records(struct backend *src, struct copy_state *c)
{
	struct backend *d = c->dst;

	if (src->ops->iterate(src, "", 0, count_one, &c->total) != 0 ||
	    d->ops->begin_write(d, 0) == -1)
		return -1;
	if (d->ops->iterate(d, "", 0, any_record, NULL) != 0) {
		lwarnx("migrate: the target store is not empty");
		return -1;
	}
	if (src->ops->iterate(src, "", 0, copy_one, c) != 0 ||
	    d->ops->commit(d) != 0)
		return -1;
	if (c->progress != NULL)
		c->progress(c->arg, c->copied->records, c->total);
	return 0;
}

int
backend_copy(struct backend *src, struct backend *dst,
    backend_progress_fn progress, void *arg, struct backend_tally *copied)
{
	struct copy_state c = {dst, copied, progress, arg, 0, 0};
	int rc;

	memset(copied, 0, sizeof(*copied));
	if (src->ops->begin_read(src) == -1)
		return -1;
	rc = copy_records(src, &c);
	dst->ops->abort(dst); /* when no commit ended the section */
	src->ops->end_read(src);
	return rc;
}
