/*
 * ca_ocsp.h: the CA's OCSP responder over HTTP (RFC 6960 appendix A):
 * POST /ca/ocsp with an application/ocsp-request body, and
 * GET /ca/ocsp/<base64 of the DER request>, each answered with an
 * application/ocsp-response that common/ca/ocsp.c makes.
 *
 * Public, and answered while sealed (with tryLater): OCSP clients (TLS
 * libraries, web servers stapling, browsers) send no credential, and the
 * answer is signed, public data.  It sits beside /ca/dcos-ca.crt, the
 * other URL relying parties fetch without a token, and is short because
 * every certificate carries it (Authority Information Access).
 *
 * HTTP status: 200 with a signed answer; a request that is not one answers
 * malformedRequest with 400 (413 too large, 415 not ocsp-request), as
 * CFSSL's ocspserve answers 400 (openssl's own responder says 200; here
 * bad input is a 4xx, docs/apis.md#ocsp); tryLater with 503 while sealed;
 * internalError with 500.
 *
 * Caching (RFC 5019 6.2): a GET's successful answer to a request without
 * a nonce carries Cache-Control (max-age: the seconds to nextUpdate,
 * public, no-transform, must-revalidate), Last-Modified (thisUpdate),
 * Expires (nextUpdate) and an ETag; every other answer (a nonce's, a
 * POST's, an error) the default Cache-Control: no-store.
 *
 * ca_ocsp_get_request is the GET form's decoder, pure, for the fuzz
 * target.  The base64 holds '/', '+' and '=', which clients send raw or
 * as %2F, %2B and %3D (RFC 6960 A.1: URL-encoded): the router splits the
 * path at its raw '/' characters and decodes each segment, "%2F" included
 * for this route alone (ROUTE_SLASH_ARGS), so the segments after the
 * prefix are joined back with '/'.
 */
#ifndef COFFER_CA_OCSP_H
#define COFFER_CA_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include "identity/context.h"

/* seg[0..n) joined by '/', and a '/' after them if trailing_slash, as
 * standard base64 (or base64url): the DER request in *der (malloc'd), or
 * -1 when it is not base64 or longer than OCSP_MAX_REQUEST. */
int ca_ocsp_get_request(
    char *const *seg, size_t n, int trailing_slash, uint8_t **der, size_t *len);

enum cf_status ca_ocsp_post(struct cf_ctx *ctx);
enum cf_status ca_ocsp_get(struct cf_ctx *ctx);

/* Segments a GET's base64 may take: the longest request's base64. */
#define CA_OCSP_MAX_SEGS 256

/* clang-format off */
#define CA_OCSP_ROUTES \
	{{"ca", "ocsp", NULL}, 0, 0, HTTP_POST, CF_D_PLAIN, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, ca_ocsp_post}, \
	{{"ca", "ocsp", NULL}, 1, CA_OCSP_MAX_SEGS, HTTP_GET, CF_D_PLAIN, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK | ROUTE_SLASH_ARGS, ca_ocsp_get}
/* clang-format on */

#endif
