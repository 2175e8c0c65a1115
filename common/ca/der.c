/* der.c: see der.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ca/der.h"

void
der_w_init(struct der_w *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
}

void
der_raw(struct der_w *w, const void *p, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void
put_byte(struct der_w *w, unsigned b)
{
	uint8_t c = (uint8_t)b;

	der_raw(w, &c, 1);
}

/* The length octets of n: 1 to 5 bytes into out; their count. */
static size_t
length_bytes(size_t n, uint8_t out[5])
{
	size_t k = 0, i;

	if (n < 0x80) {
		out[0] = (uint8_t)n;
		return 1;
	}
	for (i = n; i > 0; i >>= 8)
		k++;
	out[0] = (uint8_t)(0x80 | k);
	for (i = 0; i < k; i++)
		out[k - i] = (uint8_t)(n >> (8 * i));
	return k + 1;
}

void
der_put(struct der_w *w, unsigned tag, const void *p, size_t n)
{
	uint8_t l[5];

	put_byte(w, tag);
	der_raw(w, l, length_bytes(n, l));
	der_raw(w, p, n);
}

void
der_uint(struct der_w *w, const uint8_t *b, size_t n)
{
	uint8_t l[5];
	int pad;

	while (n > 1 && b[0] == 0) {
		b++;
		n--;
	}
	if (n == 0) {
		der_put(w, DER_INTEGER, "", 1);
		return;
	}
	pad = (b[0] & 0x80) != 0;
	put_byte(w, DER_INTEGER);
	der_raw(w, l, length_bytes(n + (size_t)pad, l));
	if (pad)
		put_byte(w, 0);
	der_raw(w, b, n);
}

void
der_small_uint(struct der_w *w, unsigned v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v};

	der_uint(w, b, sizeof(b));
}

void
der_bool(struct der_w *w, int v)
{
	uint8_t b = v ? 0xff : 0x00;

	der_put(w, DER_BOOLEAN, &b, 1);
}

void
der_bits(struct der_w *w, unsigned unused, const void *p, size_t n)
{
	uint8_t l[5];

	put_byte(w, DER_BIT_STRING);
	der_raw(w, l, length_bytes(n + 1, l));
	put_byte(w, unused);
	der_raw(w, p, n);
}

void
der_time(struct der_w *w, int64_t t)
{
	char s[32];
	struct tm tm;
	time_t tt = (time_t)t;
	int year, n;

	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 1950) {
		w->err = 1;
		return;
	}
	year = tm.tm_year + 1900;
	n = snprintf(s, sizeof(s), "%0*d%02d%02d%02d%02d%02dZ",
	    year < 2050 ? 2 : 4, year < 2050 ? year % 100 : year, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	der_put(w, year < 2050 ? DER_UTCTIME : DER_GENTIME, s, (size_t)n);
}

void
der_open(struct der_w *w, unsigned tag)
{
	if (w->depth == DER_MAX_DEPTH) {
		w->err = 1;
		return;
	}
	put_byte(w, tag);
	w->open[w->depth++] = w->len;
	put_byte(w, 0);
}

void
der_close(struct der_w *w)
{
	uint8_t l[5];
	size_t at, n, k;

	if (w->depth == 0) {
		w->err = 1;
		return;
	}
	at = w->open[--w->depth];
	if (w->err)
		return;
	n = w->len - at - 1;
	k = length_bytes(n, l);
	if (k - 1 > w->cap - w->len) {
		w->err = 1;
		return;
	}
	/* The content moves right to make room for a long-form length. */
	if (k > 1)
		memmove(w->buf + at + k, w->buf + at + 1, n);
	memcpy(w->buf + at, l, k);
	w->len += k - 1;
}

int
der_next(
    struct der_r *r, unsigned *tag, struct der_r *content, struct der_r *all)
{
	size_t n = 0, k, i, hdr;

	if (r->len < 2)
		return -1;
	/* High tag numbers (0x1f) never occur in what we parse. */
	if ((r->p[0] & 0x1f) == 0x1f)
		return -1;
	if (r->p[1] < 0x80) {
		n = r->p[1];
		hdr = 2;
	} else {
		k = r->p[1] & 0x7f;
		/* No indefinite lengths; at most 4 length bytes. */
		if (k == 0 || k > 4 || r->len < 2 + k || r->p[2] == 0)
			return -1;
		for (i = 0; i < k; i++)
			n = n << 8 | r->p[2 + i];
		if (n < 0x80)
			return -1; /* not minimal */
		hdr = 2 + k;
	}
	if (n > r->len - hdr)
		return -1;
	*tag = r->p[0];
	content->p = r->p + hdr;
	content->len = n;
	if (all != NULL) {
		all->p = r->p;
		all->len = hdr + n;
	}
	r->p += hdr + n;
	r->len -= hdr + n;
	return 0;
}

int
der_expect(
    struct der_r *r, unsigned tag, struct der_r *content, struct der_r *all)
{
	unsigned t;
	struct der_r save = *r;

	if (der_next(r, &t, content, all) != 0 || t != tag) {
		*r = save;
		return -1;
	}
	return 0;
}

int
der_equal(const struct der_r *a, const void *p, size_t n)
{
	return a->len == n && memcmp(a->p, p, n) == 0;
}
