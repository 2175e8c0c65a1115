/*
 * der.h: a small DER writer and reader, enough for X.509 certificates and
 * PKCS#10 requests.
 *
 * The writer fills a caller's buffer: it never allocates, never writes past
 * cap, and on overflow (or a misuse such as too deep a nesting) it stops
 * writing and remembers the failure in w->err, so a caller checks once at
 * the end.  Constructed values are opened with der_open() and closed with
 * der_close(): the length is one byte until the content is known, then the
 * content moves right when the long form needs more bytes.
 *
 * The reader is strict: definite minimal lengths, single-byte tags, nothing
 * running past its parent.  Every pointer it hands out points into the
 * caller's input, which must outlive them.
 */
#ifndef COFFER_DER_H
#define COFFER_DER_H

#include <stddef.h>
#include <stdint.h>

#define DER_BOOLEAN      0x01
#define DER_INTEGER      0x02
#define DER_BIT_STRING   0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL         0x05
#define DER_OID          0x06
#define DER_UTF8         0x0c
#define DER_PRINTABLE    0x13
#define DER_IA5          0x16
#define DER_UTCTIME      0x17
#define DER_GENTIME      0x18
#define DER_SEQUENCE     0x30
#define DER_SET          0x31
#define DER_CTX(n)       (0x80 | (n)) /* [n] IMPLICIT, primitive */
#define DER_CTX_CONS(n)  (0xa0 | (n)) /* [n], constructed */

#define DER_MAX_DEPTH 12 /* a certificate policy's user notice: 10 */

struct der_w {
	uint8_t *buf;
	size_t cap, len;
	int err;
	size_t open[DER_MAX_DEPTH]; /* offsets of the open length bytes */
	int depth;
};

void der_w_init(struct der_w *w, uint8_t *buf, size_t cap);
/* Bytes already encoded (an OID, a Name, a SubjectPublicKeyInfo). */
void der_raw(struct der_w *w, const void *p, size_t n);
/* One primitive TLV. */
void der_put(struct der_w *w, unsigned tag, const void *p, size_t n);
/* A non-negative INTEGER from big-endian unsigned bytes. */
void der_uint(struct der_w *w, const uint8_t *b, size_t n);
void der_small_uint(struct der_w *w, unsigned v);
void der_bool(struct der_w *w, int v);
/* A BIT STRING whose last byte has `unused` low bits unused. */
void der_bits(struct der_w *w, unsigned unused, const void *p, size_t n);
/* UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
void der_time(struct der_w *w, int64_t t);
void der_open(struct der_w *w, unsigned tag);
void der_close(struct der_w *w);

struct der_r {
	const uint8_t *p;
	size_t len;
};

/* The next TLV of r: its tag, its content, and the whole encoding (tag,
 * length and content) in *all when all is not NULL.  0, or -1 when r is
 * empty or malformed. */
int der_next(
    struct der_r *r, unsigned *tag, struct der_r *content, struct der_r *all);
/* der_next, requiring the tag. */
int der_expect(
    struct der_r *r, unsigned tag, struct der_r *content, struct der_r *all);
int der_equal(const struct der_r *a, const void *p, size_t n);

#endif /* COFFER_DER_H */
