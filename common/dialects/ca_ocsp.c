/*
 * ca_ocsp.c: the OCSP responder's two routes, carrying bytes to and from
 * pki_ocsp.  See ca_ocsp.h.
 */
#include <stdio.h>
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

/* An HTTP-date (RFC 9110 5.6.7) into buf. */
static void
http_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		buf[0] = '\0';
}

/* RFC 5019 6.2: a cache may keep the answer to a GET until nextUpdate,
 * and no longer; Last-Modified is thisUpdate, Expires nextUpdate. */
static void
cache_headers(struct cf_resp *resp, const struct ocsp_fresh *f, int64_t now)
{
	char v[96];
	int64_t age = f->next_update - now;

	if (age < 0)
		age = 0;
	resp->cache_own = 1;
	snprintf(v, sizeof(v),
	    "max-age=%lld, public, no-transform, must-revalidate",
	    (long long)age);
	http_resp_header(resp, "Cache-Control", v);
	http_date(f->this_update, v, sizeof(v));
	http_resp_header(resp, "Last-Modified", v);
	http_date(f->next_update, v, sizeof(v));
	http_resp_header(resp, "Expires", v);
	snprintf(v, sizeof(v), "\"%s\"", f->etag);
	http_resp_header(resp, "ETag", v);
}

/* Answer the request's bytes; der NULL answers malformedRequest, with
 * the HTTP status of why (bad, a 400, unless said).  A GET's answer says
 * how long HTTP caches may keep it, when they may (struct ocsp_fresh); a
 * POST's is kept by none (RFC 5019 6: caching is the GET form's), nor is
 * any other: the default no-store. */
static enum cf_status
answer(struct cf_ctx *ctx, const uint8_t *der, size_t len, enum cf_status why,
    int get)
{
	struct ocsp_fresh fresh;
	uint8_t *resp = NULL;
	size_t rlen = 0;
	int64_t now = (int64_t)time(NULL);
	enum cf_status st;

	st = pki_ocsp(ctx->app->vault, der, der != NULL ? len : 0, now, &resp,
	    &rlen, &fresh);
	if (resp == NULL)
		return st;
	http_resp_status(ctx->resp, http_status(der != NULL ? st : why));
	http_resp_body(ctx->resp, "application/ocsp-response", resp, rlen);
	if (get && st == CF_OK && fresh.next_update != 0)
		cache_headers(ctx->resp, &fresh, now);
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
	    ctx, st == CF_OK ? ctx->req->body : NULL, ctx->req->bodylen, st, 0);
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
	st = answer(ctx, der, len, CF_E_BAD_REQUEST, 1);
	free(der);
	return st;
}
