/*
 * ca_ocsp.c: the OCSP responder's two routes, carrying bytes to and from
 * pki_ocsp.  See ca_ocsp.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codec.h"
#include "base/http.h"
#include "ca/ocsp.h"
#include "dialects/ca_ocsp.h"
#include "vault/vault.h"

int
ca_ocsp_get_request(
    char *const *seg, size_t n, int trailing_slash, uint8_t **der, size_t *len)
{
	char *b64;
	size_t i, total = 0, l, o = 0;
	int rc;

	for (i = 0; i < n; i++)
		total += strlen(seg[i]) + 1;
	/* Base64 is 4 characters for 3 bytes. */
	if (n == 0 || total > OCSP_MAX_REQUEST / 3 * 4 + 8)
		return -1;
	if ((b64 = malloc(total + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (i > 0)
			b64[o++] = '/';
		l = strlen(seg[i]);
		memcpy(b64 + o, seg[i], l);
		o += l;
	}
	if (trailing_slash)
		b64[o++] = '/';
	rc = codec_base64_decode(b64, o, 0, der, len);
	if (rc != 0)
		rc = codec_base64_decode(b64, o, 1, der, len);
	free(b64);
	return rc;
}

static int
http_status(enum cf_status st)
{
	if (st == CF_OK)
		return 200;
	if (st == CF_E_BAD_REQUEST)
		return 400;
	return errors_http_status(st);
}

/* Answer the request's bytes; der NULL answers malformedRequest, with
 * the HTTP status of why (bad, a 400, unless said). */
static enum cf_status
answer(struct cf_ctx *ctx, const uint8_t *der, size_t len, enum cf_status why)
{
	uint8_t *resp = NULL;
	size_t rlen = 0;
	enum cf_status st;

	st = pki_ocsp(ctx->app->vault, der, der != NULL ? len : 0,
	    (int64_t)time(NULL), &resp, &rlen);
	if (resp == NULL)
		return st;
	http_resp_status(ctx->resp, http_status(der != NULL ? st : why));
	http_resp_body(ctx->resp, "application/ocsp-response", resp, rlen);
	free(resp);
	return CF_OK;
}

enum cf_status
ca_ocsp_post(struct cf_ctx *ctx)
{
	static const char *const ctypes[] = {"application/ocsp-request", NULL};
	enum cf_status st;

	st = http_read_body(ctx->req, ctx->fcgi, OCSP_MAX_REQUEST, ctypes, 0);
	/* A body too large, or of another type, is not a request either. */
	return answer(
	    ctx, st == CF_OK ? ctx->req->body : NULL, ctx->req->bodylen, st);
}

enum cf_status
ca_ocsp_get(struct cf_ctx *ctx)
{
	uint8_t *der = NULL;
	size_t len = 0;
	enum cf_status st;

	if (ca_ocsp_get_request(
	        ctx->arg, ctx->narg, ctx->req->trailing_slash, &der, &len) != 0)
		der = NULL;
	st = answer(ctx, der, len, CF_E_BAD_REQUEST);
	free(der);
	return st;
}
