/*
 * test_ocsp.c: the OCSP responder's readers, from bytes alone: the DER
 * request (common/ca/ocsp.c) and the GET form's base64 path
 * (common/dialects/ca_ocsp.c), one table row per behaviour.  Both are
 * reached without a credential; tests/fuzz/fuzz_ocsp.c runs them under
 * libFuzzer.  What the responder answers is tests/suites/ocsp_ca_test.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "base/codec.h"
#include "ca/ocsp.h"
#include "dialects/ca_ocsp.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A DER request asking n questions (malloc'd into *der), then extra
 * trailing bytes of zero. */
static size_t
request(int n, size_t extra, uint8_t **der)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	X509_NAME *name = X509_NAME_new();
	ASN1_BIT_STRING *key = ASN1_BIT_STRING_new();
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	unsigned char *p = NULL;
	int i, len;

	X509_NAME_add_entry_by_txt(
	    name, "CN", MBSTRING_ASC, (const unsigned char *)"ca", -1, -1, 0);
	ASN1_BIT_STRING_set(key, (unsigned char *)"key", 3);
	for (i = 0; i < n; i++) {
		ASN1_INTEGER_set(serial, 1000 + i);
		OCSP_request_add0_id(
		    req, OCSP_cert_id_new(EVP_sha1(), name, key, serial));
	}
	len = i2d_OCSP_REQUEST(req, &p);
	*der = calloc(1, (size_t)len + extra);
	memcpy(*der, p, (size_t)len);
	OPENSSL_free(p);
	OCSP_REQUEST_free(req);
	X509_NAME_free(name);
	ASN1_BIT_STRING_free(key);
	ASN1_INTEGER_free(serial);
	return (size_t)len + extra;
}

static void
test_a_request_is_one_ocsprequest_asking_one_to_sixteen_questions(void)
{
	static const struct {
		int line;
		const char *what;
		int questions;
		size_t extra;
		int want;
	} rows[] = {
	    {__LINE__, "one question is a request", 1, 0, 0},
	    {__LINE__, "sixteen questions are a request", 16, 0, 0},
	    {__LINE__, "seventeen questions are refused", 17, 0, -1},
	    {__LINE__, "no question is refused", 0, 0, -1},
	    {__LINE__, "a trailing byte is refused", 1, 1, -1},
	};
	size_t i, len;

	for (i = 0; i < NELEM(rows); i++) {
		OCSP_REQUEST *req = NULL;
		uint8_t *der;

		len = request(rows[i].questions, rows[i].extra, &der);
		CHECK_LINE(rows[i].line,
		    ocsp_request_parse(der, len, &req) == rows[i].want,
		    rows[i].what);
		CHECK_LINE(rows[i].line, (req != NULL) == (rows[i].want == 0),
		    "a request is handed out only when accepted");
		OCSP_REQUEST_free(req);
		free(der);
	}
}

static void
test_bytes_that_are_not_a_request_are_refused(void)
{
	static const struct {
		int line;
		const char *what;
		const char *bytes;
		size_t len;
	} rows[] = {
	    {__LINE__, "nothing", "", 0},
	    {__LINE__, "text", "not an OCSP request", 19},
	    {__LINE__, "an empty SEQUENCE", "\x30\x00", 2},
	    {__LINE__, "a truncated SEQUENCE", "\x30\x05\x30\x03", 4},
	};
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		OCSP_REQUEST *req = (OCSP_REQUEST *)1;

		CHECK_LINE(rows[i].line,
		    ocsp_request_parse((const uint8_t *)rows[i].bytes,
		        rows[i].len, &req) == -1 &&
		        req == NULL,
		    rows[i].what);
	}
}

static void
test_the_get_form_is_the_base64_of_the_request_split_at_its_slashes(void)
{
	static const struct {
		int line;
		const char *what;
		const char *path; /* as the router splits it at '/' */
		int trailing;
		int want;
		const char *bytes;
	} rows[] = {
	    {__LINE__, "one segment is the base64", "YWJj", 0, 0, "abc"},
	    {__LINE__, "segments are joined with '/'", "P/8/", 0, 0, "?\xff?"},
	    {__LINE__, "a trailing slash is the last '/'", "P/8", 1, 0,
	        "?\xff?"},
	    {__LINE__, "padding is taken", "YWI=", 0, 0, "ab"},
	    {__LINE__, "base64url is taken", "P_8_", 0, 0, "?\xff?"},
	    {__LINE__, "a character outside base64 is refused", "YW*j", 0, -1,
	        NULL},
	    {__LINE__, "a broken quantum is refused", "YWJ", 0, -1, NULL},
	};
	size_t i, n, len;

	for (i = 0; i < NELEM(rows); i++) {
		char *path = strdup(rows[i].path), *seg[8], *p, *q;
		uint8_t *der = NULL;
		int rc;

		for (n = 0, p = path;; p = q + 1) {
			seg[n++] = p;
			if ((q = strchr(p, '/')) == NULL)
				break;
			*q = '\0';
		}
		rc = ca_ocsp_get_request(seg, n, rows[i].trailing, &der, &len);
		CHECK_LINE(rows[i].line, rc == rows[i].want, rows[i].what);
		if (rc == 0)
			CHECK_LINE(rows[i].line,
			    len == strlen(rows[i].bytes) &&
			        !memcmp(der, rows[i].bytes, len),
			    "the bytes are the request's");
		free(der);
		free(path);
	}
}

int
main(void)
{
	test_a_request_is_one_ocsprequest_asking_one_to_sixteen_questions();
	test_bytes_that_are_not_a_request_are_refused();
	test_the_get_form_is_the_base64_of_the_request_split_at_its_slashes();
	return unit_done();
}
