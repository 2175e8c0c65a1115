/*
 * test_ocsp.c: the OCSP responder's readers, from bytes alone: the DER
 * request (common/ca/ocsp.c) and the GET form's base64 path
 * (common/dialects/ca_ocsp.c), one table row per behaviour.  Both are
 * reached without a credential; tests/fuzz/fuzz_ocsp.c runs them under
 * libFuzzer.  In a store: when the responder certificate is made again
 * and how long an answer is kept, which need a clock the tests set, and
 * that a kept answer never outlives a revocation or a seal.  What the
 * responder answers is tests/suites/ocsp_ca_test.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/codec.h"
#include "ca/cakey.h"
#include "ca/certdb.h"
#include "ca/ocsp.h"
#include "dialects/ca_ocsp.h"
#include "unit.h"
#include "vault/vault.h"

static char dir[] = "/tmp/coffer-test-ocsp.XXXXXX";

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

/* ---- in a store ---- */

/* A store initialized and unsealed as the server does it; store_done
 * seals it again, so the kernel keyring is left as it was. */
static struct vault *
store(const char *name)
{
	struct vault_init_result r;
	struct vault_status vs;
	struct vault *v = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	if (vault_open(path, &v) != 0)
		return NULL;
	memset(&r, 0, sizeof(r));
	if (vault_init_seeded(v, 1, 1, NULL, 0, &r) != CF_OK ||
	    r.nshares != 1 ||
	    vault_unseal(v, r.shares_hex[0], strlen(r.shares_hex[0]), &vs) !=
	        CF_OK ||
	    vault_ready(v) != CF_OK) {
		vault_init_result_free(&r);
		vault_seal(v);
		vault_close(v);
		return NULL;
	}
	vault_init_result_free(&r);
	return v;
}

static void
store_done(struct vault *v)
{
	if (v == NULL)
		return;
	vault_seal(v);
	vault_close(v);
}

/* A request (DER, malloc'd) about serial 0x42 of the store's CA, which
 * is recorded as issued (good) first. */
static size_t
ca_request(struct vault *v, uint8_t **der)
{
	static const uint8_t one[] = {0x42};
	const struct ca_cache *cc;
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	unsigned char *p = NULL;
	X509 *ca = NULL;
	BIO *b;
	int len = 0;

	*der = NULL;
	if (cakey_current(v, &cc) != CF_OK ||
	    certdb_record(v, one, sizeof(one), cc->ski, cc->skilen, 0,
	        INT64_MAX / 2, one, sizeof(one)) != CF_OK ||
	    (b = BIO_new_mem_buf(cc->pem, (int)cc->pemlen)) == NULL)
		goto out;
	ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ASN1_INTEGER_set(serial, 0x42);
	if (ca == NULL ||
	    OCSP_request_add0_id(
	        req, OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(ca),
	                 X509_get0_pubkey_bitstr(ca), serial)) == NULL ||
	    (len = i2d_OCSP_REQUEST(req, &p)) <= 0)
		goto out;
	*der = malloc((size_t)len);
	memcpy(*der, p, (size_t)len);
out:
	OPENSSL_free(p);
	OCSP_REQUEST_free(req);
	ASN1_INTEGER_free(serial);
	X509_free(ca);
	return *der != NULL ? (size_t)len : 0;
}

/* What ask() last heard of the answer: what HTTP may say of it, and the
 * certificate status it gives (V_OCSP_CERTSTATUS_*, or -1). */
static struct ocsp_fresh fresh;
static int said;

/* The answer to req at now: its bytes (malloc'd) and the serial of the
 * responder certificate it carries (*who, freed by the caller). */
static uint8_t *
ask(struct vault *v, const uint8_t *req, size_t len, int64_t now,
    size_t *outlen, ASN1_INTEGER **who)
{
	const unsigned char *p;
	OCSP_RESPONSE *r = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_SINGLERESP *one;
	uint8_t *out = NULL;

	*who = NULL;
	said = -1;
	if (pki_ocsp(v, req, len, now, &out, outlen, &fresh) != CF_OK)
		return out;
	p = out;
	if ((r = d2i_OCSP_RESPONSE(NULL, &p, (long)*outlen)) != NULL &&
	    (bs = OCSP_response_get1_basic(r)) != NULL &&
	    sk_X509_num(OCSP_resp_get0_certs(bs)) == 1)
		*who = ASN1_INTEGER_dup(X509_get0_serialNumber(
		    sk_X509_value(OCSP_resp_get0_certs(bs), 0)));
	if (bs != NULL && (one = OCSP_resp_get0(bs, 0)) != NULL)
		said = OCSP_single_get0_status(one, NULL, NULL, NULL, NULL);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
	return out;
}

static void
test_the_responder_is_made_again_when_its_renewal_time_comes(void)
{
	struct vault *v = store("renew");
	ASN1_INTEGER *first = NULL, *again = NULL, *later = NULL;
	uint8_t *req = NULL, *a, *b, *c;
	size_t len, alen, blen, clen;
	int64_t now = (int64_t)time(NULL);
	int64_t renew = now + OCSP_SIGNER_LIFE - OCSP_SIGNER_RENEW + 60;

	CHECK(v != NULL && (len = ca_request(v, &req)) > 0, "a store");
	if (req == NULL) {
		store_done(v);
		return;
	}
	a = ask(v, req, len, now, &alen, &first);
	b = ask(v, req, len, renew - 120, &blen, &again);
	c = ask(v, req, len, renew, &clen, &later);
	CHECK(first != NULL && again != NULL && later != NULL,
	    "every answer carries the responder's certificate");
	CHECK(first != NULL && again != NULL &&
	          ASN1_INTEGER_cmp(first, again) == 0,
	    "the responder signs until its renewal time");
	CHECK(first != NULL && later != NULL &&
	          ASN1_INTEGER_cmp(first, later) != 0,
	    "a new responder signs from its renewal time on");
	ASN1_INTEGER_free(first);
	ASN1_INTEGER_free(again);
	ASN1_INTEGER_free(later);
	free(a);
	free(b);
	free(c);
	free(req);
	store_done(v);
}

static void
test_an_answer_without_a_nonce_is_kept_for_half_its_validity(void)
{
	struct vault *v = store("kept");
	ASN1_INTEGER *w1 = NULL, *w2 = NULL, *w3 = NULL;
	uint8_t *req = NULL, *a, *b, *c;
	size_t len, alen = 0, blen = 0, clen = 0;
	int64_t now = (int64_t)time(NULL);

	CHECK(v != NULL && (len = ca_request(v, &req)) > 0, "a store");
	if (req == NULL) {
		store_done(v);
		return;
	}
	a = ask(v, req, len, now, &alen, &w1);
	b = ask(v, req, len, now + OCSP_VALIDITY / 2 - 1, &blen, &w2);
	c = ask(v, req, len, now + OCSP_VALIDITY / 2, &clen, &w3);
	CHECK(a != NULL && b != NULL && alen == blen && !memcmp(a, b, alen),
	    "the same answer, bytes and all, within half its validity");
	CHECK(a != NULL && c != NULL && (alen != clen || memcmp(a, c, alen)),
	    "a new answer once half its validity is gone");
	ASN1_INTEGER_free(w1);
	ASN1_INTEGER_free(w2);
	ASN1_INTEGER_free(w3);
	free(a);
	free(b);
	free(c);
	free(req);
	store_done(v);
}

/* Revoke serial 0x42 of the store's CA, as CFSSL's revoke does. */
static enum cf_status
revoke_42(struct vault *v)
{
	static const char hex[] = "0123456789abcdef";
	const struct ca_cache *cc;
	struct json_object *req, *res = NULL;
	const char *detail = NULL;
	char aki[2 * sizeof(cc->ski) + 1], body[512];
	size_t i;
	enum cf_status st;

	if ((st = cakey_current(v, &cc)) != CF_OK)
		return st;
	for (i = 0; i < cc->skilen && i < sizeof(cc->ski); i++) {
		aki[2 * i] = hex[cc->ski[i] >> 4];
		aki[2 * i + 1] = hex[cc->ski[i] & 0xf];
	}
	aki[2 * i] = '\0';
	snprintf(body, sizeof(body),
	    "{\"serial\":\"66\",\"authority_key_id\":\"%s\","
	    "\"reason\":\"keyCompromise\"}",
	    aki);
	if ((req = json_tokener_parse(body)) == NULL)
		return CF_E_INTERNAL;
	st = pki_revoke(v, req, &res, &detail);
	json_object_put(req);
	json_object_put(res);
	return st;
}

static void
test_a_kept_answer_gives_way_to_a_revocation_at_once(void)
{
	struct vault *v = store("revoked");
	ASN1_INTEGER *w1 = NULL, *w2 = NULL, *w3 = NULL;
	uint8_t *req = NULL, *a, *b, *c;
	size_t len, alen = 0, blen = 0, clen = 0;
	int64_t now = (int64_t)time(NULL);

	CHECK(v != NULL && (len = ca_request(v, &req)) > 0, "a store");
	if (req == NULL) {
		store_done(v);
		return;
	}
	a = ask(v, req, len, now, &alen, &w1);
	CHECK(said == V_OCSP_CERTSTATUS_GOOD, "good before the revocation");
	b = ask(v, req, len, now, &blen, &w2);
	CHECK(a != NULL && b != NULL && alen == blen && !memcmp(a, b, alen),
	    "the kept answer, asked again");
	CHECK(revoke_42(v) == CF_OK, "revoked through CFSSL's revoke");
	c = ask(v, req, len, now, &clen, &w3);
	CHECK(said == V_OCSP_CERTSTATUS_REVOKED,
	    "revoked in the very next answer, the same second");
	CHECK(fresh.next_update == now + OCSP_VALIDITY &&
	          fresh.this_update == now,
	    "a new answer, made now");
	ASN1_INTEGER_free(w1);
	ASN1_INTEGER_free(w2);
	ASN1_INTEGER_free(w3);
	free(a);
	free(b);
	free(c);
	free(req);
	store_done(v);
}

static void
test_nothing_is_given_from_the_kept_answers_while_sealed(void)
{
	struct vault *v = store("sealed");
	ASN1_INTEGER *w1 = NULL, *w2 = NULL;
	uint8_t *req = NULL, *a, *b;
	size_t len, alen = 0, blen = 0;
	int64_t now = (int64_t)time(NULL);
	const unsigned char *p;
	OCSP_RESPONSE *r = NULL;

	CHECK(v != NULL && (len = ca_request(v, &req)) > 0, "a store");
	if (req == NULL) {
		store_done(v);
		return;
	}
	a = ask(v, req, len, now, &alen, &w1);
	CHECK(said == V_OCSP_CERTSTATUS_GOOD, "good while unsealed");
	vault_seal(v);
	b = ask(v, req, len, now, &blen, &w2);
	p = b;
	CHECK(b != NULL && (r = d2i_OCSP_RESPONSE(NULL, &p, (long)blen)) &&
	          OCSP_response_status(r) == OCSP_RESPONSE_STATUS_TRYLATER,
	    "sealed: tryLater, not the kept answer");
	CHECK(fresh.next_update == 0, "and no cache may keep that");
	OCSP_RESPONSE_free(r);
	ASN1_INTEGER_free(w1);
	ASN1_INTEGER_free(w2);
	free(a);
	free(b);
	free(req);
	store_done(v);
}

static void
test_only_an_answer_without_a_nonce_may_be_cached(void)
{
	struct vault *v = store("fresh");
	ASN1_INTEGER *w1 = NULL, *w2 = NULL, *w3 = NULL;
	uint8_t *req = NULL, *a, *b, *c;
	size_t len, nlen = 0, alen = 0, blen = 0, clen = 0;
	int64_t now = (int64_t)time(NULL);
	struct ocsp_fresh first;
	const unsigned char *p;
	unsigned char *q = NULL;
	OCSP_REQUEST *r;
	int n;

	CHECK(v != NULL && (len = ca_request(v, &req)) > 0, "a store");
	if (req == NULL) {
		store_done(v);
		return;
	}
	a = ask(v, req, len, now, &alen, &w1);
	first = fresh;
	CHECK(fresh.this_update == now &&
	          fresh.next_update == now + OCSP_VALIDITY &&
	          strlen(fresh.etag) == OCSP_ETAG_LEN,
	    "without a nonce: thisUpdate, nextUpdate and an ETag");
	b = ask(v, req, len, now + 60, &blen, &w2);
	CHECK(fresh.this_update == now && !strcmp(fresh.etag, first.etag),
	    "the kept answer is the same answer: its times, its ETag");
	p = req;
	if ((r = d2i_OCSP_REQUEST(NULL, &p, (long)len)) != NULL &&
	    OCSP_request_add1_nonce(r, NULL, 16) == 1 &&
	    (n = i2d_OCSP_REQUEST(r, &q)) > 0)
		nlen = (size_t)n;
	OCSP_REQUEST_free(r);
	c = ask(v, q, nlen, now + 60, &clen, &w3);
	CHECK(said == V_OCSP_CERTSTATUS_GOOD && fresh.next_update == 0 &&
	          fresh.etag[0] == '\0',
	    "with a nonce: good, and nothing for caches");
	OPENSSL_free(q);
	ASN1_INTEGER_free(w1);
	ASN1_INTEGER_free(w2);
	ASN1_INTEGER_free(w3);
	free(a);
	free(b);
	free(c);
	free(req);
	store_done(v);
}

int
main(void)
{
	test_a_request_is_one_ocsprequest_asking_one_to_sixteen_questions();
	test_bytes_that_are_not_a_request_are_refused();
	test_the_get_form_is_the_base64_of_the_request_split_at_its_slashes();
	if (mkdtemp(dir) == NULL)
		return EXIT_FAILURE;
	test_the_responder_is_made_again_when_its_renewal_time_comes();
	test_an_answer_without_a_nonce_is_kept_for_half_its_validity();
	test_a_kept_answer_gives_way_to_a_revocation_at_once();
	test_nothing_is_given_from_the_kept_answers_while_sealed();
	test_only_an_answer_without_a_nonce_may_be_cached();
	unit_rmtree(dir);
	return unit_done();
}
