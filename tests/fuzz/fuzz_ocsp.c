/*
 * fuzz_ocsp: libFuzzer target for the OCSP responder's readers, reached
 * without a credential: the DER request (common/ca/ocsp.c) and the GET
 * form's base64 path (common/dialects/ca_ocsp.c).
 *
 * The input is read as a request; then, split at '/' into segments as
 * the router splits a path, as the GET form's path, and what that decodes
 * to as a request again.  A request accepted must ask 1 to
 * OCSP_MAX_QUESTIONS questions; nothing may crash or leak.
 */
#include <stdlib.h>
#include <string.h>

#include "ca/ocsp.h"
#include "dialects/ca_ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse(const uint8_t *der, size_t len)
{
	OCSP_REQUEST *req;
	int n;

	if (ocsp_request_parse(der, len, &req) != 0) {
		if (req != NULL)
			abort();
		return;
	}
	n = OCSP_request_onereq_count(req);
	if (n < 1 || n > OCSP_MAX_QUESTIONS)
		abort();
	OCSP_REQUEST_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path, *seg[CA_OCSP_MAX_SEGS], *p, *q;
	uint8_t *der = NULL;
	size_t n = 0, len = 0;
	int trailing = 0;

	parse(data, size);
	if (size == 0 || memchr(data, '\0', size) != NULL ||
	    (path = malloc(size + 1)) == NULL)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	for (p = path; n < CA_OCSP_MAX_SEGS; p = q + 1) {
		seg[n++] = p;
		if ((q = strchr(p, '/')) == NULL)
			break;
		*q = '\0';
		if (q[1] == '\0') {
			trailing = 1;
			break;
		}
	}
	if (ca_ocsp_get_request(seg, n, trailing, &der, &len) == 0) {
		parse(der, len);
		free(der);
	}
	free(path);
	return 0;
}
