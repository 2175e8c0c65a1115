/* certrec.c: see certrec.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/json.h"
#include "ca/certrec.h"

#define HDR_LEN 35 /* format, status, reason and the four times */

/* A record is read front to back; every take is checked against what is
 * left, so a short record fails at its first missing byte. */
struct reader {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *
take(struct reader *rd, size_t n)
{
	const uint8_t *q = rd->p;

	if (rd->left < n)
		return NULL;
	rd->p += n;
	rd->left -= n;
	return q;
}

static uint64_t
get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint8_t *
put_be(uint8_t *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return p + n;
}

/* memcpy of n bytes that accepts a NULL source when n is 0 (an empty
 * authority key id). */
static uint8_t *
put_bytes(uint8_t *p, const uint8_t *b, size_t n)
{
	if (n > 0)
		memcpy(p, b, n);
	return p + n;
}

/* What certrec_encode writes and certrec_decode accepts: the same test,
 * so a decoded record always encodes again. */
static int
valid(const struct certrec *r)
{
	if (r->status > CERTREC_REVOKED || r->reason > 10 || r->reason == 7)
		return 0;
	if (r->status == CERTREC_GOOD && (r->reason != 0 || r->revoked_at != 0))
		return 0;
	return r->seriallen >= 1 && r->seriallen <= CERTREC_MAX_ID &&
	       r->akilen <= CERTREC_MAX_ID && r->derlen >= 1 &&
	       r->derlen <= CERTREC_MAX_DER;
}

int
certrec_encode(const struct certrec *r, uint8_t **out, size_t *len)
{
	uint8_t *b, *p;
	size_t n;

	if (!valid(r))
		return -1;
	n = HDR_LEN + 1 + r->seriallen + 1 + r->akilen + 4 + r->derlen;
	if ((b = malloc(n)) == NULL)
		return -1;
	p = b;
	*p++ = CERTREC_FORMAT;
	*p++ = r->status;
	*p++ = r->reason;
	p = put_be(p, (uint64_t)r->revoked_at, 8);
	p = put_be(p, (uint64_t)r->not_before, 8);
	p = put_be(p, (uint64_t)r->expiry, 8);
	p = put_be(p, (uint64_t)r->issued_at, 8);
	*p++ = (uint8_t)r->seriallen;
	p = put_bytes(p, r->serial, r->seriallen);
	*p++ = (uint8_t)r->akilen;
	p = put_bytes(p, r->aki, r->akilen);
	p = put_be(p, r->derlen, 4);
	put_bytes(p, r->der, r->derlen);
	*out = b;
	*len = n;
	return 0;
}

int
certrec_decode(const uint8_t *b, size_t len, struct certrec *r)
{
	struct reader rd = {b, len};
	struct certrec t;
	const uint8_t *h, *n;

	if ((h = take(&rd, HDR_LEN)) == NULL || h[0] != CERTREC_FORMAT)
		return -1;
	t.status = h[1];
	t.reason = h[2];
	t.revoked_at = (int64_t)get_be(h + 3, 8);
	t.not_before = (int64_t)get_be(h + 11, 8);
	t.expiry = (int64_t)get_be(h + 19, 8);
	t.issued_at = (int64_t)get_be(h + 27, 8);
	if ((n = take(&rd, 1)) == NULL ||
	    (t.serial = take(&rd, t.seriallen = n[0])) == NULL ||
	    (n = take(&rd, 1)) == NULL ||
	    (t.aki = take(&rd, t.akilen = n[0])) == NULL ||
	    (n = take(&rd, 4)) == NULL ||
	    (t.der = take(&rd, t.derlen = (size_t)get_be(n, 4))) == NULL)
		return -1;
	/* Bytes after the certificate are a garbled record, not padding. */
	if (rd.left != 0 || !valid(&t))
		return -1;
	*r = t;
	return 0;
}

int
certrec_serial_from_decimal(
    const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	uint8_t num[CERTREC_MAX_ID];
	size_t i, j, n = sizeof(num);
	unsigned carry;

	if (len == 0 || len > 160)
		return -1;
	memset(num, 0, sizeof(num));
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		carry = (unsigned)(s[i] - '0');
		for (j = n; j-- > 0;) {
			carry += num[j] * 10u;
			num[j] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		if (carry != 0)
			return -1;
	}
	for (i = 0; i < n - 1 && num[i] == 0; i++)
		;
	*outlen = n - i;
	memcpy(out, num + i, *outlen);
	return 0;
}

/* The DER between a certificate PEM's BEGIN and END lines (malloc'd).
 * Older builds wrote it with x509_pem or GnuTLS: 64-column lines. */
static int
pem_der(const char *pem, size_t len, uint8_t **der, size_t *derlen)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----";
	const char *p, *end;
	char *b64;
	size_t n = 0;
	int rc;

	if ((p = memmem(pem, len, head, sizeof(head) - 1)) == NULL)
		return -1;
	p += sizeof(head) - 1;
	if ((end = memmem(p, len - (size_t)(p - pem),
	         "-----END CERTIFICATE-----", 25)) == NULL)
		return -1;
	if ((b64 = malloc((size_t)(end - p) + 1)) == NULL)
		return -1;
	for (; p < end; p++)
		if (*p != '\n' && *p != '\r')
			b64[n++] = *p;
	rc = codec_base64_decode(b64, n, 0, der, derlen);
	free(b64);
	return rc;
}

/* The fields an older build wrote, all of them always. */
static int
json_fields(struct json_object *o, struct certrec *r, const char **serial,
    size_t *slen, const char **aki, size_t *alen, const char **pem,
    size_t *plen)
{
	const char *status;
	size_t len;
	int64_t reason;

	if (cf_json_string(o, "serial", serial, slen) != CF_OK ||
	    cf_json_string(o, "aki", aki, alen) != CF_OK ||
	    cf_json_string(o, "pem", pem, plen) != CF_OK ||
	    cf_json_string(o, "status", &status, &len) != CF_OK ||
	    cf_json_int(o, "reason", 0, 10, &reason) != CF_OK ||
	    cf_json_int(o, "revoked_at", INT64_MIN, INT64_MAX,
	        &r->revoked_at) != CF_OK ||
	    cf_json_int(o, "not_before", INT64_MIN, INT64_MAX,
	        &r->not_before) != CF_OK ||
	    cf_json_int(o, "expiry", INT64_MIN, INT64_MAX, &r->expiry) !=
	        CF_OK ||
	    cf_json_int(o, "issued_at", INT64_MIN, INT64_MAX, &r->issued_at) !=
	        CF_OK)
		return -1;
	if (len == 4 && !memcmp(status, "good", 4))
		r->status = CERTREC_GOOD;
	else if (len == 7 && !memcmp(status, "revoked", 7))
		r->status = CERTREC_REVOKED;
	else
		return -1;
	r->reason = (uint8_t)reason;
	return 0;
}

int
certrec_from_json(const uint8_t *b, size_t len, uint8_t **out, size_t *outlen)
{
	struct json_object *o = NULL;
	struct certrec r;
	const char *serial, *aki, *pem;
	uint8_t sb[CERTREC_MAX_ID], *ab = NULL, *der = NULL;
	size_t slen, alen, plen;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (len == 0 || b[0] != '{' || cf_json_parse(b, len, &o) != CF_OK ||
	    json_fields(o, &r, &serial, &slen, &aki, &alen, &pem, &plen) != 0 ||
	    alen > 2 * CERTREC_MAX_ID ||
	    certrec_serial_from_decimal(serial, slen, sb, &r.seriallen) != 0 ||
	    codec_hex_decode(aki, alen, &ab, &r.akilen) != 0 ||
	    pem_der(pem, plen, &der, &r.derlen) != 0)
		goto out;
	r.serial = sb;
	r.aki = ab;
	r.der = der;
	rc = certrec_encode(&r, out, outlen);
out:
	free(der);
	free(ab);
	json_object_put(o);
	return rc;
}
