/* record.c: see record.h. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "crypto/crypto.h"
#include "vault/record.h"

static void
record_header(uint8_t *h, uint8_t format, enum record_kind kind, uint32_t term)
{
	h[0] = format;
	h[1] = (uint8_t)kind;
	h[2] = (uint8_t)(term >> 24);
	h[3] = (uint8_t)(term >> 16);
	h[4] = (uint8_t)(term >> 8);
	h[5] = (uint8_t)term;
}

/* AAD = header || store key. */
static uint8_t *
record_aad(const uint8_t *hdr, const void *skey, size_t sklen, size_t *len)
{
	uint8_t *aad;

	if ((aad = malloc(RECORD_HDR_LEN + sklen)) == NULL)
		return NULL;
	memcpy(aad, hdr, RECORD_HDR_LEN);
	memcpy(aad + RECORD_HDR_LEN, skey, sklen);
	*len = RECORD_HDR_LEN + sklen;
	return aad;
}

enum cf_status
record_seal(const uint8_t *key, uint32_t term, enum record_kind kind,
    const void *skey, size_t sklen, const void *pt, size_t ptlen, uint8_t **out,
    size_t *outlen)
{
	uint8_t *rec = NULL, *aad = NULL;
	size_t aadlen, len = RECORD_OVERHEAD + ptlen;
	enum cf_status st = CF_E_INTERNAL;

	if ((rec = malloc(len)) == NULL)
		goto out;
	record_header(rec, RECORD_FORMAT, kind, term);
	if ((aad = record_aad(rec, skey, sklen, &aadlen)) == NULL)
		goto out;
	if (crypto_nonce(rec + RECORD_HDR_LEN, 12) != 0)
		goto out;
	if (crypto_aead_seal(key, rec + RECORD_HDR_LEN, aad, aadlen, pt, ptlen,
	        rec + RECORD_HDR_LEN + 12) != 0)
		goto out;
	*out = rec;
	*outlen = len;
	rec = NULL;
	st = CF_OK;
out:
	free(aad);
	free(rec);
	return st;
}

enum cf_status
record_open(const uint8_t *key, const void *skey, size_t sklen,
    const uint8_t *rec, size_t reclen, uint8_t **pt, size_t *ptlen)
{
	uint8_t *aad = NULL, *buf = NULL;
	size_t aadlen, len;
	enum cf_status st = CF_E_CRYPTO;
	int rc;

	if (reclen < RECORD_OVERHEAD || rec[0] != RECORD_FORMAT) {
		lwarnx("not a sealed record");
		goto out;
	}
	len = reclen - RECORD_OVERHEAD;
	/* One spare byte so callers may treat the plaintext as a string. */
	if ((buf = malloc(len + 1)) == NULL ||
	    (aad = record_aad(rec, skey, sklen, &aadlen)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	rc = crypto_aead_open(key, rec + RECORD_HDR_LEN, aad, aadlen,
	    rec + RECORD_HDR_LEN + 12, reclen - RECORD_HDR_LEN - 12, buf);
	if (rc != 0) {
		lwarnx("record failed to open (%s)",
		    rc == CRYPTO_E_AUTH ? "authentication" : "error");
		st = rc == CRYPTO_E_AUTH ? CF_E_CRYPTO : CF_E_INTERNAL;
		goto out;
	}
	buf[len] = '\0';
	*pt = buf;
	*ptlen = len;
	buf = NULL;
	st = CF_OK;
out:
	free(aad);
	free(buf);
	return st;
}

int64_t
record_term(const uint8_t *rec, size_t reclen)
{
	if (reclen < RECORD_OVERHEAD || rec[0] != RECORD_FORMAT)
		return -1;
	return (int64_t)((uint32_t)rec[2] << 24 | (uint32_t)rec[3] << 16 |
	                 (uint32_t)rec[4] << 8 | rec[5]);
}

enum cf_status
record_clear(enum record_kind kind, const void *pt, size_t ptlen, uint8_t **out,
    size_t *outlen)
{
	uint8_t *rec;

	if ((rec = malloc(RECORD_HDR_LEN + ptlen)) == NULL)
		return CF_E_INTERNAL;
	record_header(rec, RECORD_CLEAR, kind, 0);
	memcpy(rec + RECORD_HDR_LEN, pt, ptlen);
	*out = rec;
	*outlen = RECORD_HDR_LEN + ptlen;
	return CF_OK;
}

enum cf_status
record_read_clear(
    const uint8_t *rec, size_t reclen, const uint8_t **pt, size_t *ptlen)
{
	if (reclen < RECORD_HDR_LEN || rec[0] != RECORD_CLEAR)
		return CF_E_CRYPTO;
	*pt = rec + RECORD_HDR_LEN;
	*ptlen = reclen - RECORD_HDR_LEN;
	return CF_OK;
}

void
record_free(uint8_t *pt, size_t len)
{
	if (pt == NULL)
		return;
	crypto_wipe(pt, len);
	free(pt);
}
