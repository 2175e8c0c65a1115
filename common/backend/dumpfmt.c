/* dumpfmt.c: see dumpfmt.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/dumpfmt.h"
#include "base/codec.h"

#define DUMPFMT_SIZE_DIGITS 20 /* digits of the largest 64-bit size */

/* ---- writing ---- */

void
dumpfmt_writer_init(struct dumpfmt_writer *w, dumpfmt_sink_fn sink, void *arg)
{
	w->dw_sink = sink;
	w->dw_arg = arg;
	w->dw_count = 0;
}

static enum dumpfmt_status
writer_put(struct dumpfmt_writer *w, const void *p, size_t len)
{
	return w->dw_sink(w->dw_arg, p, len) == 0 ? DUMPFMT_OK : DUMPFMT_E_IO;
}

static enum dumpfmt_status
writer_puts(struct dumpfmt_writer *w, const char *s)
{
	return writer_put(w, s, strlen(s));
}

enum dumpfmt_status
dumpfmt_write_header(struct dumpfmt_writer *w, const char *creator)
{
	enum dumpfmt_status st;

	/* A newline would end the header line early and start a datum. */
	if (strchr(creator, '\n') != NULL)
		return DUMPFMT_E_HEADER;
	if ((st = writer_puts(w, "# GDBM dump file created by ")) !=
	        DUMPFMT_OK ||
	    (st = writer_puts(w, creator)) != DUMPFMT_OK)
		return st;
	return writer_puts(w, "\n#:version=1.1\n#:format=standard\n"
	                      "# End of header\n");
}

/* "#:len=N", then the base64 in lines of DUMPFMT_LINE_LEN, as gdbm. */
static enum dumpfmt_status
writer_datum(struct dumpfmt_writer *w, const void *p, size_t len)
{
	char line[DUMPFMT_LINE_LEN + 1], *b64;
	size_t i, n, blen;
	enum dumpfmt_status st;

	n = (size_t)snprintf(line, sizeof(line), "#:len=%zu\n", len);
	if ((st = writer_put(w, line, n)) != DUMPFMT_OK)
		return st;
	if ((b64 = codec_base64_encode(p, len, 0)) == NULL)
		return DUMPFMT_E_NOMEM;
	blen = strlen(b64);
	for (i = 0; i < blen && st == DUMPFMT_OK; i += n) {
		n = blen - i < DUMPFMT_LINE_LEN ? blen - i : DUMPFMT_LINE_LEN;
		/* The newline goes with its line: one call to the sink. */
		memcpy(line, b64 + i, n);
		line[n] = '\n';
		st = writer_put(w, line, n + 1);
	}
	free(b64);
	return st;
}

enum dumpfmt_status
dumpfmt_write_record(struct dumpfmt_writer *w, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	enum dumpfmt_status st;

	if ((st = writer_datum(w, key, klen)) != DUMPFMT_OK ||
	    (st = writer_datum(w, val, vlen)) != DUMPFMT_OK)
		return st;
	w->dw_count++;
	return DUMPFMT_OK;
}

enum dumpfmt_status
dumpfmt_write_footer(struct dumpfmt_writer *w)
{
	char line[64];

	snprintf(
	    line, sizeof(line), "#:count=%zu\n# End of data\n", w->dw_count);
	return writer_puts(w, line);
}

/* ---- reading ---- */

void
dumpfmt_reader_init(struct dumpfmt_reader *r, dumpfmt_source_fn source,
    void *arg, size_t kmax, size_t vmax)
{
	memset(r, 0, sizeof(*r));
	r->dr_source = source;
	r->dr_arg = arg;
	r->dr_kmax = kmax;
	r->dr_vmax = vmax;
	r->dr_line = "";
}

/* Read more from the source behind the unread bytes, moved to the front. */
static enum dumpfmt_status
reader_fill(struct dumpfmt_reader *r)
{
	size_t n = r->dr_fill - r->dr_off;
	ssize_t got;

	if (n == sizeof(r->dr_buf))
		return DUMPFMT_E_LINE;
	memmove(r->dr_buf, r->dr_buf + r->dr_off, n);
	r->dr_off = 0;
	r->dr_fill = n;
	got = r->dr_source(r->dr_arg, r->dr_buf + n, sizeof(r->dr_buf) - n);
	if (got < 0)
		return DUMPFMT_E_IO;
	if (got == 0)
		r->dr_eof = 1;
	r->dr_fill += (size_t)got;
	return DUMPFMT_OK;
}

/* The next line into r->dr_line.  A last line without its newline counts
 * (gdbm's loader takes it too); past the last, r->dr_end and "". */
static enum dumpfmt_status
reader_line(struct dumpfmt_reader *r)
{
	const char *nl;
	enum dumpfmt_status st;

	for (;;) {
		nl =
		    memchr(r->dr_buf + r->dr_off, '\n', r->dr_fill - r->dr_off);
		if (nl != NULL || r->dr_eof)
			break;
		if ((st = reader_fill(r)) != DUMPFMT_OK)
			return st;
	}
	r->dr_line = r->dr_buf + r->dr_off;
	r->dr_len =
	    nl != NULL ? (size_t)(nl - r->dr_line) : r->dr_fill - r->dr_off;
	r->dr_off += r->dr_len + (nl != NULL);
	if (nl == NULL && r->dr_len == 0) {
		r->dr_end = 1;
		r->dr_line = "";
	}
	return DUMPFMT_OK;
}

static int
reader_starts(const struct dumpfmt_reader *r, const char *s)
{
	size_t n = strlen(s);

	return r->dr_len >= n && memcmp(r->dr_line, s, n) == 0;
}

/* Decimal digits only, at most max: a length is checked before it sizes
 * an allocation. */
static int
parse_size(const char *s, size_t len, size_t max, size_t *out)
{
	size_t v = 0, i;

	if (len == 0 || len > DUMPFMT_SIZE_DIGITS)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > max / 10)
			return -1;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* The data lines after "#:len=", up to the next '#' line or the end,
 * joined into text (cap bytes at most, *n of them used). */
static enum dumpfmt_status
reader_text(struct dumpfmt_reader *r, char *text, size_t cap, size_t *n)
{
	enum dumpfmt_status st;

	for (;;) {
		if ((st = reader_line(r)) != DUMPFMT_OK)
			return st;
		if (r->dr_end || (r->dr_len > 0 && r->dr_line[0] == '#'))
			return DUMPFMT_OK;
		if (r->dr_len == 0 || r->dr_len > cap - *n)
			return DUMPFMT_E_BASE64;
		memcpy(text + *n, r->dr_line, r->dr_len);
		*n += r->dr_len;
	}
}

/*
 * At a "#:len=N" line: the datum's N bytes into *out (malloc'd, with a NUL
 * after them).  Leaves the line after the datum current.
 */
static enum dumpfmt_status
reader_datum(
    struct dumpfmt_reader *r, size_t max, uint8_t **out, size_t *outlen)
{
	char *text = NULL;
	size_t len, cap, n = 0;
	enum dumpfmt_status st;

	if (!reader_starts(r, "#:len="))
		return r->dr_end ? DUMPFMT_E_CUT : DUMPFMT_E_LENGTH;
	if (parse_size(r->dr_line + 6, r->dr_len - 6, max, &len) != 0 ||
	    len > SIZE_MAX / 2)
		return DUMPFMT_E_LENGTH;
	cap = (len + 2) / 3 * 4;
	if ((text = malloc(cap + 1)) == NULL)
		return DUMPFMT_E_NOMEM;
	if ((st = reader_text(r, text, cap, &n)) != DUMPFMT_OK)
		goto out;
	st = r->dr_end && n < cap ? DUMPFMT_E_CUT : DUMPFMT_E_BASE64;
	if (n != cap || codec_base64_decode(text, n, 0, out, outlen) != 0)
		goto out;
	if (*outlen != len) {
		free(*out);
		*out = NULL;
		goto out;
	}
	st = DUMPFMT_OK;
out:
	free(text);
	return st;
}

/* At "#:count=N": it must count the records read, and only comment (or
 * empty) lines may follow it. */
static enum dumpfmt_status
reader_close(struct dumpfmt_reader *r)
{
	enum dumpfmt_status st;
	size_t n;

	if (parse_size(r->dr_line + 8, r->dr_len - 8, SIZE_MAX, &n) != 0 ||
	    n != r->dr_count)
		return DUMPFMT_E_COUNT;
	for (;;) {
		if ((st = reader_line(r)) != DUMPFMT_OK)
			return st;
		if (r->dr_end)
			return DUMPFMT_END;
		if (r->dr_len > 0 && r->dr_line[0] != '#')
			return DUMPFMT_E_TRAILER;
	}
}

enum dumpfmt_status
dumpfmt_read_header(struct dumpfmt_reader *r)
{
	enum dumpfmt_status st;

	if ((st = reader_line(r)) != DUMPFMT_OK)
		return st;
	if (!reader_starts(r, "# GDBM dump file"))
		return DUMPFMT_E_HEADER;
	/* Parameter lines (#:version=, #:file=, ...) up to the first datum
	 * or, for an empty dump, the count. */
	do {
		if ((st = reader_line(r)) != DUMPFMT_OK)
			return st;
		if (r->dr_end)
			return DUMPFMT_E_CUT;
		if (r->dr_len == 0 || r->dr_line[0] != '#')
			return DUMPFMT_E_HEADER;
	} while (!reader_starts(r, "#:len=") && !reader_starts(r, "#:count="));
	return DUMPFMT_OK;
}

enum dumpfmt_status
dumpfmt_read_record(struct dumpfmt_reader *r, struct dumpfmt_record *rec)
{
	enum dumpfmt_status st;

	memset(rec, 0, sizeof(*rec));
	if (reader_starts(r, "#:count="))
		return reader_close(r);
	if ((st = reader_datum(r, r->dr_kmax, &rec->key, &rec->klen)) !=
	        DUMPFMT_OK ||
	    (st = reader_datum(r, r->dr_vmax, &rec->val, &rec->vlen)) !=
	        DUMPFMT_OK) {
		dumpfmt_record_free(rec);
		return st;
	}
	r->dr_count++;
	return DUMPFMT_OK;
}

void
dumpfmt_record_free(struct dumpfmt_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->key);
	free(rec->val);
	memset(rec, 0, sizeof(*rec));
}

ssize_t
dumpfmt_mem_read(void *arg, void *buf, size_t len)
{
	struct dumpfmt_mem *m = arg;
	size_t n = len < m->left ? len : m->left;

	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

const char *
dumpfmt_strerror(enum dumpfmt_status st)
{
	switch (st) {
	case DUMPFMT_OK:
		return "no error";
	case DUMPFMT_END:
		return "end of the dump";
	case DUMPFMT_E_HEADER:
		return "not a gdbm ASCII dump";
	case DUMPFMT_E_LENGTH:
		return "a missing, bad or too large datum length";
	case DUMPFMT_E_BASE64:
		return "a datum whose base64 does not match its length";
	case DUMPFMT_E_LINE:
		return "a line too long";
	case DUMPFMT_E_CUT:
		return "the dump is cut short";
	case DUMPFMT_E_COUNT:
		return "the count does not match the records";
	case DUMPFMT_E_TRAILER:
		return "data after the count";
	case DUMPFMT_E_IO:
		return "an I/O error";
	case DUMPFMT_E_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}
