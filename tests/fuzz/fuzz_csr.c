/*
 * fuzz_csr: libFuzzer target for the PKCS#10 parser (common/ca/csr.c).
 *
 * Input is a request as DER (wrapped into PEM here, so the DER parser gets
 * the mutations) or, when it starts with "-----", PEM as it arrives.  A
 * parsed request is verified and its SANs walked; everything it hands out
 * must stay inside its own buffer, which ASan checks.
 */
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "ca/csr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct csr *c)
{
	struct der_r names = c->sans, v;
	unsigned tag, bits;
	int pk;

	(void)csr_verify(c);
	(void)csr_key(c, &pk, &bits);
	while (names.len > 0 && der_next(&names, &tag, &v, NULL) == 0)
		if (v.len > 0 && (v.p[0] == 0 || v.p[v.len - 1] == 0))
			break;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "-----BEGIN CERTIFICATE REQUEST-----\n";
	static const char tail[] = "\n-----END CERTIFICATE REQUEST-----\n";
	struct csr c;
	char *b64, *pem;
	size_t n;

	if (size >= 5 && !memcmp(data, "-----", 5)) {
		if (csr_parse((const char *)data, size, &c) == CSR_OK) {
			walk(&c);
			csr_free(&c);
		}
		return 0;
	}
	if ((b64 = codec_base64_encode(data, size, 0)) == NULL)
		return 0;
	n = strlen(b64);
	if ((pem = malloc(sizeof(head) + n + sizeof(tail))) != NULL) {
		memcpy(pem, head, sizeof(head) - 1);
		memcpy(pem + sizeof(head) - 1, b64, n);
		memcpy(pem + sizeof(head) - 1 + n, tail, sizeof(tail));
		if (csr_parse(pem, strlen(pem), &c) == CSR_OK) {
			walk(&c);
			csr_free(&c);
		}
		free(pem);
	}
	free(b64);
	return 0;
}
