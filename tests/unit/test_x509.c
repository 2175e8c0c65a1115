/*
 * test_x509: the hand-written DER writer and reader, the PKCS#10 parser,
 * the certificate encoder and the CA signer, each judged by GnuTLS: what we
 * write must import, say field for field what we meant, and verify.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ca/csr.h"
#include "ca/der.h"
#include "ca/profile.h"
#include "ca/x509.h"
#include "crypto/ecp256.h"
#include "unit.h"

static const struct pki_profile server_profile = {.name = "default",
    .key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT,
    .ext_usage = PROFILE_EKU_SERVER | PROFILE_EKU_CLIENT,
    .expiry = 8760LL * 3600,
    .expiry_text = "8760h",
    .max_path_len = -1,
    .usages = {"signing"},
    .nusages = 1};
static const struct pki_profile ca_profile = {.name = "intermediate",
    .key_usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
                 GNUTLS_KEY_DECIPHER_ONLY,
    .ext_usage = PROFILE_EKU_OCSP | PROFILE_EKU_ANY,
    .expiry = 3600,
    .expiry_text = "1h",
    .is_ca = 1,
    .max_path_len = 2,
    .usages = {"cert sign"},
    .nusages = 1};
static const struct profile_policy policies[] = {
    {.oid = {0x2a, 0x03}, /* 1.2.3 */
        .oidlen = 2,
        .q = {{1, "http://p"}, {0, "hi"}},
        .nq = 2},
    {.oid = {0x67, 0x81, 0x0c, 0x01, 0x02, 0x01}, /* 2.23.140.1.2.1 */
        .oidlen = 6},
};
/* The profile's own extensions: CRL DP, AIA, policies. */
static const struct pki_profile url_profile = {.name = "urls",
    .key_usage = GNUTLS_KEY_DIGITAL_SIGNATURE,
    .ext_usage = PROFILE_EKU_SERVER | PROFILE_EKU_CLIENT,
    .expiry = 3600,
    .expiry_text = "1h",
    .max_path_len = -1,
    .usages = {"signing"},
    .nusages = 1,
    .crl_url = "http://c/x.crl",
    .ocsp_url = "http://o",
    .issuer_urls = {"http://i/c"},
    .nissuer_urls = 1,
    .policies = policies,
    .npolicies = 2};

/* ---- der ---- */

static void
test_der_lengths_and_integers(void)
{
	uint8_t buf[1024], big[300], neg[2] = {0x80, 0x01}, zeros[3] = {0};
	struct der_w w;
	struct der_r r, c, all;
	unsigned tag;

	memset(big, 0x41, sizeof(big));
	der_w_init(&w, buf, sizeof(buf));
	der_open(&w, DER_SEQUENCE);
	der_put(&w, DER_OCTET_STRING, big, sizeof(big));
	der_close(&w);
	CHECK(!w.err && w.len == 4 + 4 + 300, "two-byte lengths, nested");
	CHECK(buf[0] == 0x30 && buf[1] == 0x82 && buf[2] == 0x01 &&
	          buf[3] == 0x30,
	    "the outer length moved to the long form");
	r.p = buf;
	r.len = w.len;
	CHECK(der_next(&r, &tag, &c, &all) == 0 && tag == DER_SEQUENCE &&
	          c.len == 304 && all.len == w.len && r.len == 0,
	    "the reader reads it back");

	der_w_init(&w, buf, sizeof(buf));
	der_uint(&w, neg, sizeof(neg));
	der_uint(&w, zeros, sizeof(zeros));
	CHECK(!w.err && w.len == 5 + 3 &&
	          !memcmp(buf, "\x02\x03\x00\x80\x01\x02\x01\x00", 8),
	    "INTEGERs: a zero byte before a high bit, zeros shrink to one");

	der_w_init(&w, buf, 10);
	der_put(&w, DER_OCTET_STRING, big, 20);
	CHECK(w.err && w.len == 2, "overflow is remembered, nothing past cap");
}

static void
test_der_times(void)
{
	uint8_t buf[64];
	struct der_w w;

	der_w_init(&w, buf, sizeof(buf));
	der_time(&w, 2524607999LL); /* 2049-12-31 23:59:59 */
	der_time(&w, 2524608000LL); /* 2050-01-01 00:00:00 */
	CHECK(!w.err && !memcmp(buf,
	                    "\x17\x0d"
	                    "491231235959Z",
	                    15),
	    "UTCTime before 2050");
	CHECK(!memcmp(buf + 15,
	          "\x18\x0f"
	          "20500101000000Z",
	          17),
	    "GeneralizedTime from 2050");
}

static void
test_der_reader_is_strict(void)
{
	static const struct {
		int line;
		const char *in;
		size_t len;
	} bad[] = {
	    {__LINE__, "\x04\x81\x05hello", 8},     /* long form for 5 */
	    {__LINE__, "\x04\x80hello\x00\x00", 9}, /* indefinite */
	    {__LINE__, "\x04\x06hello", 7},         /* runs past the end */
	    {__LINE__, "\x1f\x01\x00", 3},          /* high tag number */
	    {__LINE__, "\x04\x82\x00\x05hello", 9}, /* leading zero length */
	    {__LINE__, "\x04", 1},
	};
	struct der_r r, c;
	unsigned tag;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.p = (const uint8_t *)bad[i].in;
		r.len = bad[i].len;
		CHECK_LINE(bad[i].line, der_next(&r, &tag, &c, NULL) == -1,
		    "malformed DER is refused");
	}
}

/* ---- keys and requests made with GnuTLS ---- */

static gnutls_privkey_t
new_key(gnutls_pk_algorithm_t pk, unsigned bits)
{
	gnutls_privkey_t k;

	if (gnutls_privkey_init(&k) < 0 ||
	    gnutls_privkey_generate(k, pk, bits, 0) < 0)
		abort();
	return k;
}

static char *
key_pem(gnutls_privkey_t k, size_t *len)
{
	gnutls_x509_privkey_t x;
	gnutls_datum_t d;
	char *s;

	if (gnutls_privkey_export_x509(k, &x) < 0 ||
	    gnutls_x509_privkey_export2_pkcs8(
	        x, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d) < 0)
		abort();
	s = strndup((char *)d.data, d.size);
	*len = d.size;
	gnutls_free(d.data);
	gnutls_x509_privkey_deinit(x);
	return s;
}

/* A CSR for CN=svc.example.com with DNS, IP and e-mail SANs. */
static char *
make_csr(gnutls_privkey_t k, gnutls_digest_algorithm_t dig, size_t *len)
{
	static const uint8_t ip[4] = {10, 1, 2, 3};
	gnutls_x509_crq_t crq;
	gnutls_pubkey_t pub;
	gnutls_datum_t d;
	char *s;

	if (gnutls_x509_crq_init(&crq) < 0 || gnutls_pubkey_init(&pub) < 0 ||
	    gnutls_pubkey_import_privkey(pub, k, 0, 0) < 0 ||
	    gnutls_x509_crq_set_version(crq, 1) < 0 ||
	    gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0,
	        "svc.example.com", 15) < 0 ||
	    gnutls_x509_crq_set_dn_by_oid(
	        crq, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "Ops", 3) < 0 ||
	    gnutls_x509_crq_set_subject_alt_name(crq, GNUTLS_SAN_DNSNAME,
	        "svc.example.com", 15, GNUTLS_FSAN_APPEND) < 0 ||
	    gnutls_x509_crq_set_subject_alt_name(
	        crq, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND) < 0 ||
	    gnutls_x509_crq_set_subject_alt_name(crq, GNUTLS_SAN_RFC822NAME,
	        "ops@example.com", 15, GNUTLS_FSAN_APPEND) < 0 ||
	    gnutls_x509_crq_set_pubkey(crq, pub) < 0 ||
	    gnutls_x509_crq_privkey_sign(crq, k, dig, 0) < 0 ||
	    gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM, &d) < 0)
		abort();
	s = strndup((char *)d.data, d.size);
	*len = d.size;
	gnutls_free(d.data);
	gnutls_pubkey_deinit(pub);
	gnutls_x509_crq_deinit(crq);
	return s;
}

/* A self-signed CA certificate of k. */
static gnutls_x509_crt_t
make_ca(gnutls_privkey_t k)
{
	static const uint8_t serial[1] = {1};
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pub;
	gnutls_datum_t d;
	uint8_t id[20];
	size_t idlen = sizeof(id);
	time_t now = time(NULL);

	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_pubkey_init(&pub) < 0 ||
	    gnutls_pubkey_import_privkey(pub, k, 0, 0) < 0 ||
	    gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA1, id, &idlen) <
	        0 ||
	    gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, 1) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(
	        crt, GNUTLS_OID_X520_COMMON_NAME, 0, "Unit CA", 7) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 600) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 86400 * 3650) < 0 ||
	    gnutls_x509_crt_set_pubkey(crt, pub) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 1, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN) < 0 ||
	    gnutls_x509_crt_set_subject_key_id(crt, id, idlen) < 0 ||
	    gnutls_x509_crt_privkey_sign(crt, crt, k, GNUTLS_DIG_UNKNOWN, 0) <
	        0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d) < 0)
		abort();
	/* Imported again, as the CA is in use: GnuTLS matches issuers by
	 * the raw names it keeps from an import. */
	gnutls_x509_crt_deinit(crt);
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0)
		abort();
	gnutls_free(d.data);
	gnutls_pubkey_deinit(pub);
	return crt;
}

/* ---- csr ---- */

static void
test_csr_p256_fast_path(void)
{
	gnutls_privkey_t k = new_key(GNUTLS_PK_ECDSA, 256);
	size_t len, i;
	char *pem = make_csr(k, GNUTLS_DIG_SHA256, &len);
	struct csr c;
	struct der_r names, v;
	unsigned tag, bits = 0;
	int pk = 0, n = 0;

	CHECK(csr_parse(pem, len, &c) == CSR_OK, "a GnuTLS CSR parses");
	CHECK(c.p256, "P-256 takes the fast path");
	CHECK(csr_verify(&c) == CSR_OK, "and verifies");
	CHECK(csr_key(&c, &pk, &bits) == 0 && pk == GNUTLS_PK_ECDSA &&
	          bits == 256,
	    "ECDSA 256");
	CHECK(c.has_sans, "the SAN extension is found");
	names = c.sans;
	while (names.len > 0 && der_next(&names, &tag, &v, NULL) == 0) {
		n++;
		if (n == 1)
			CHECK(tag == DER_CTX(2) &&
			          der_equal(&v, "svc.example.com", 15),
			    "DNS name first");
		if (n == 2)
			CHECK(tag == DER_CTX(7) &&
			          der_equal(&v, "\x0a\x01\x02\x03", 4),
			    "then the IP");
		if (n == 3)
			CHECK(tag == DER_CTX(1) &&
			          der_equal(&v, "ops@example.com", 15),
			    "then the e-mail");
	}
	CHECK(n == 3, "three SANs");
	/* A flipped bit in the signed part: the signature no longer fits. */
	for (i = 0; i < c.info.len; i++)
		if (c.info.p[i] == 'O' && c.info.p[i + 1] == 'p')
			break;
	((uint8_t *)c.info.p)[i] = 'X';
	CHECK(csr_verify(&c) == CSR_BAD_SIG, "a changed subject is 9300");
	csr_free(&c);
	CHECK(csr_parse("junk", 4, &c) == CSR_DECODE, "no PEM: 9002");
	CHECK(csr_parse("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n"
	                "-----END CERTIFICATE REQUEST-----\n",
	          73, &c) == CSR_PARSE,
	    "not a request: 9003");
	free(pem);
	gnutls_privkey_deinit(k);
}

/* The PEM forms clients send: GnuTLS's "NEW" header (make_csr), the
 * plain one, text before it. */
static void
test_csr_pem_forms(void)
{
	gnutls_privkey_t k = new_key(GNUTLS_PK_ECDSA, 256);
	size_t len, n;
	char *pem = make_csr(k, GNUTLS_DIG_SHA256, &len), *alt, *body, *end;
	gnutls_datum_t in, der, out;
	struct csr c;

	body = strstr(pem, "\n") + 1;
	end = strstr(pem, "-----END");
	alt = malloc(len + 200);
	n = (size_t)snprintf(alt, len + 200,
	    "Subject: svc\n-----BEGIN CERTIFICATE REQUEST-----\n%.*s"
	    "-----END CERTIFICATE REQUEST-----\n",
	    (int)(end - body), body);
	CHECK(csr_parse(alt, n, &c) == CSR_OK && csr_verify(&c) == CSR_OK,
	    "CERTIFICATE REQUEST, after other text");
	csr_free(&c);
	/* One more DER byte after the request: not a request. */
	in.data = (unsigned char *)pem;
	in.size = (unsigned)len;
	if (gnutls_pem_base64_decode2(NULL, &in, &der) < 0 ||
	    (der.data = gnutls_realloc(der.data, der.size + 1)) == NULL)
		abort();
	der.data[der.size++] = 0;
	if (gnutls_pem_base64_encode2("CERTIFICATE REQUEST", &der, &out) < 0)
		abort();
	CHECK(csr_parse((char *)out.data, out.size, &c) == CSR_PARSE,
	    "trailing bytes are 9003");
	gnutls_free(der.data);
	gnutls_free(out.data);
	free(alt);
	free(pem);
	gnutls_privkey_deinit(k);
}

static void
test_csr_other_keys_through_gnutls(void)
{
	static const struct {
		int line;
		gnutls_pk_algorithm_t pk;
		unsigned bits, want;
		gnutls_digest_algorithm_t dig;
	} keys[] = {
	    {__LINE__, GNUTLS_PK_RSA, 2048, 2048, GNUTLS_DIG_SHA256},
	    {__LINE__, GNUTLS_PK_ECDSA, 384, 384, GNUTLS_DIG_SHA384},
	    {__LINE__, GNUTLS_PK_ECDSA, 256, 256, GNUTLS_DIG_SHA384},
	    {__LINE__, GNUTLS_PK_EDDSA_ED25519, 256, 256, GNUTLS_DIG_UNKNOWN},
	};
	size_t i, len;
	struct csr c;
	unsigned bits;
	int pk;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		gnutls_privkey_t k = new_key(keys[i].pk,
		    keys[i].pk == GNUTLS_PK_ECDSA
		        ? GNUTLS_CURVE_TO_BITS(keys[i].bits == 384
		                                   ? GNUTLS_ECC_CURVE_SECP384R1
		                                   : GNUTLS_ECC_CURVE_SECP256R1)
		    : keys[i].pk == GNUTLS_PK_EDDSA_ED25519
		        ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519)
		        : keys[i].bits);
		char *pem = make_csr(k, keys[i].dig, &len);

		CHECK_LINE(
		    keys[i].line, csr_parse(pem, len, &c) == CSR_OK, "parses");
		CHECK_LINE(keys[i].line, csr_verify(&c) == CSR_OK, "verifies");
		CHECK_LINE(keys[i].line,
		    csr_key(&c, &pk, &bits) == 0 && pk == (int)keys[i].pk &&
		        (pk == GNUTLS_PK_EDDSA_ED25519 || bits == keys[i].want),
		    "the key's algorithm and size");
		((uint8_t *)c.sig.p)[c.sig.len - 2] ^= 1;
		CHECK_LINE(keys[i].line, csr_verify(&c) == CSR_BAD_SIG,
		    "a changed signature is 9300");
		csr_free(&c);
		free(pem);
		gnutls_privkey_deinit(k);
	}
}

/* ---- certificates ---- */

static void
check_san(gnutls_x509_crt_t crt, unsigned i, unsigned want_type,
    const void *want, size_t wantlen, const char *what)
{
	char buf[256];
	size_t len = sizeof(buf);
	unsigned type = 0;

	CHECK(gnutls_x509_crt_get_subject_alt_name2(
	          crt, i, buf, &len, &type, NULL) >= 0 &&
	          type == want_type && len == wantlen &&
	          !memcmp(buf, want, len),
	    what);
}

/* The URL extensions, byte for byte as Go writes them (RFC 5280 4.2.1.13
 * and 4.2.2.1), then as GnuTLS reads them. */
static void
check_url_extensions(gnutls_x509_crt_t crt, const uint8_t *tbs, size_t len,
    const struct pki_profile *p)
{
	static const uint8_t crl_dp[] = {0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d,
	    0x1f, 0x04, 0x18, 0x30, 0x16, 0x30, 0x14, 0xa0, 0x12, 0xa0, 0x10,
	    0x86, 0x0e, 'h', 't', 't', 'p', ':', '/', '/', 'c', '/', 'x', '.',
	    'c', 'r', 'l'};
	static const uint8_t aia[] = {0x30, 0x3c, 0x06, 0x08, 0x2b, 0x06, 0x01,
	    0x05, 0x05, 0x07, 0x01, 0x01, 0x04, 0x30, 0x30, 0x2e, 0x30, 0x14,
	    0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x86,
	    0x08, 'h', 't', 't', 'p', ':', '/', '/', 'o', 0x30, 0x16, 0x06,
	    0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02, 0x86, 0x0a,
	    'h', 't', 't', 'p', ':', '/', '/', 'i', '/', 'c'};
	gnutls_datum_t d = {NULL, 0};
	char buf[64];
	size_t n = sizeof(buf);
	unsigned reasons = 0, crit = 1;

	if (p->crl_url == NULL) {
		CHECK(memmem(tbs, len, crl_dp + 2, 5) == NULL, "no CRL DP");
		return;
	}
	CHECK(memmem(tbs, len, crl_dp, sizeof(crl_dp)) != NULL,
	    "CRL DP: distributionPoint [0] fullName [0] URI [6]");
	CHECK(memmem(tbs, len, aia, sizeof(aia)) != NULL,
	    "AIA: OCSP, then caIssuers");
	CHECK(gnutls_x509_crt_get_crl_dist_points(
	          crt, 0, buf, &n, &reasons, &crit) == GNUTLS_SAN_URI &&
	          n == strlen(p->crl_url) && !memcmp(buf, p->crl_url, n) &&
	          crit == 0,
	    "GnuTLS reads the CRL DP, not critical");
	CHECK(gnutls_x509_crt_get_authority_info_access(
	          crt, 0, GNUTLS_IA_OCSP_URI, &d, &crit) >= 0 &&
	          d.size == 8 && !memcmp(d.data, "http://o", 8),
	    "GnuTLS reads the OCSP URI");
	gnutls_free(d.data);
	d.data = NULL;
	CHECK(gnutls_x509_crt_get_authority_info_access(
	          crt, 1, GNUTLS_IA_CAISSUERS_URI, &d, &crit) >= 0 &&
	          d.size == 10 && !memcmp(d.data, "http://i/c", 10),
	    "GnuTLS reads the caIssuers URI");
	gnutls_free(d.data);
}

/* certificatePolicies as CFSSL's addPolicies marshals it (RFC 5280
 * 4.2.1.4), then as GnuTLS reads it. */
static void
check_policies(gnutls_x509_crt_t crt, const uint8_t *tbs, size_t len,
    const struct pki_profile *p)
{
	static const uint8_t want[] = {0x30, 0x43, 0x06, 0x03, 0x55, 0x1d, 0x20,
	    0x04, 0x3c, 0x30, 0x3a, 0x30, 0x2e, 0x06, 0x02, 0x2a, 0x03, 0x30,
	    0x28, 0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07,
	    0x02, 0x01, 0x16, 0x08, 'h', 't', 't', 'p', ':', '/', '/', 'p',
	    0x30, 0x10, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02,
	    0x02, 0x30, 0x04, 0x0c, 0x02, 'h', 'i', 0x30, 0x08, 0x06, 0x06,
	    0x67, 0x81, 0x0c, 0x01, 0x02, 0x01};
	struct gnutls_x509_policy_st pol;
	unsigned crit = 1;

	if (p->npolicies == 0) {
		CHECK(memmem(tbs, len, want + 2, 5) == NULL, "no policies");
		return;
	}
	CHECK(memmem(tbs, len, want, sizeof(want)) != NULL,
	    "policies: OID, CPS IA5String, UserNotice explicitText UTF8");
	CHECK(gnutls_x509_crt_get_policy(crt, 0, &pol, &crit) >= 0 &&
	          !strcmp(pol.oid, "1.2.3") && pol.qualifiers == 2 &&
	          pol.qualifier[0].type == GNUTLS_X509_QUALIFIER_URI &&
	          !strcmp(pol.qualifier[0].data, "http://p") &&
	          pol.qualifier[1].type == GNUTLS_X509_QUALIFIER_NOTICE &&
	          !strcmp(pol.qualifier[1].data, "hi") && crit == 0,
	    "GnuTLS reads the first policy and its qualifiers");
	gnutls_x509_policy_release(&pol);
	CHECK(gnutls_x509_crt_get_policy(crt, 1, &pol, &crit) >= 0 &&
	          !strcmp(pol.oid, "2.23.140.1.2.1") && pol.qualifiers == 0,
	    "GnuTLS reads the second, without qualifiers");
	gnutls_x509_policy_release(&pol);
}

/* Issue a certificate for a CSR of a P-256 key under ca_key, then read
 * every field back with GnuTLS. */
static void
issue_and_check(gnutls_privkey_t ca_key, const struct pki_profile *profile,
    gnutls_sign_algorithm_t want_alg, const char *what)
{
	gnutls_x509_crt_t ca = make_ca(ca_key), crt;
	gnutls_privkey_t k = new_key(GNUTLS_PK_ECDSA, 256);
	gnutls_pubkey_t pub;
	gnutls_datum_t dn = {NULL, 0}, cdn = {NULL, 0}, d, x, y;
	struct x509_signer *signer = NULL;
	struct x509_san sans[3] = {{DER_CTX(2), "a.example.com", 13},
	    {DER_CTX(7),
	        "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	        "\x00\x00\x00\x01",
	        16},
	    {DER_CTX(1), "x@example.com", 13}};
	struct x509_tbs t;
	struct csr c;
	uint8_t tbs[4096], der[4096], id[64], want_id[20], point[65];
	size_t len, keylen, tbslen, derlen, pemlen, idlen;
	char *keypem = key_pem(ca_key, &keylen), *csrpem, *pem;
	unsigned crit = 0, ca_flag = 0, ku = 0, vs = 1;
	int path = -5;
	char oid[64];
	size_t oidlen;

	csrpem = make_csr(k, GNUTLS_DIG_SHA256, &len);
	CHECK(csr_parse(csrpem, len, &c) == CSR_OK && csr_verify(&c) == CSR_OK,
	    "CSR");
	CHECK(x509_signer_new((uint8_t *)keypem, keylen, &signer) == 0,
	    "the CA key loads");
	if (signer == NULL)
		abort();
	memset(&t, 0, sizeof(t));
	memset(t.serial, 0x5a, sizeof(t.serial));
	gnutls_x509_crt_get_raw_dn(ca, &dn);
	t.issuer.p = dn.data;
	t.issuer.len = dn.size;
	t.not_before = 1700000000;
	t.not_after = 2600000000LL; /* 2052: GeneralizedTime */
	t.subject = c.subject;
	t.spki = c.spki;
	t.keybits = c.keybits;
	t.profile = profile;
	t.akilen = sizeof(t.aki);
	gnutls_x509_crt_get_subject_key_id(ca, t.aki, &t.akilen, &crit);
	t.sans = sans;
	t.nsans = 3;
	t.sigalg = x509_signer_alg(signer);
	CHECK(x509_tbs_encode(&t, tbs, sizeof(tbs), &tbslen) == 0, "TBS");
	CHECK(x509_sign(signer, tbs, tbslen, der, sizeof(der), &derlen) == 0,
	    "signed");
	pem = x509_pem(der, derlen, &pemlen);
	d.data = (unsigned char *)pem;
	d.size = (unsigned)pemlen;
	gnutls_x509_crt_init(&crt);
	CHECK(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0, what);
	CHECK(gnutls_x509_crt_get_version(crt) == 3, "version 3");
	idlen = sizeof(id);
	CHECK(gnutls_x509_crt_get_serial(crt, id, &idlen) >= 0 && idlen == 20 &&
	          id[0] == 0x5a && id[19] == 0x5a,
	    "the serial, 20 bytes");
	gnutls_x509_crt_get_raw_issuer_dn(crt, &cdn);
	CHECK(cdn.size == dn.size && !memcmp(cdn.data, dn.data, dn.size),
	    "issuer is the CA's subject, verbatim");
	gnutls_free(cdn.data);
	gnutls_x509_crt_get_raw_dn(crt, &cdn);
	CHECK(der_equal(&c.subject, cdn.data, cdn.size),
	    "subject is the CSR's, verbatim");
	gnutls_free(cdn.data);
	CHECK(gnutls_x509_crt_get_activation_time(crt) == 1700000000 &&
	          gnutls_x509_crt_get_expiration_time(crt) == 2600000000LL,
	    "validity, UTCTime and GeneralizedTime");
	CHECK(gnutls_x509_crt_get_key_usage(crt, &ku, &crit) >= 0 &&
	          ku == profile->key_usage && crit == 1,
	    "key usage from the profile, critical");
	CHECK(gnutls_x509_crt_get_basic_constraints(
	          crt, &crit, &ca_flag, &path) >= 0 &&
	          crit == 1 && (int)ca_flag == profile->is_ca &&
	          (!profile->is_ca || path == profile->max_path_len),
	    "basic constraints from the profile, critical");
	oidlen = sizeof(oid);
	CHECK(gnutls_x509_crt_get_key_purpose_oid(crt, 0, oid, &oidlen, NULL) >=
	              0 &&
	          !strcmp(oid, profile->ext_usage & PROFILE_EKU_SERVER
	                           ? GNUTLS_KP_TLS_WWW_SERVER
	                           : GNUTLS_KP_OCSP_SIGNING),
	    "first extended key usage");
	oidlen = sizeof(oid);
	CHECK(gnutls_x509_crt_get_key_purpose_oid(crt, 1, oid, &oidlen, NULL) >=
	              0 &&
	          !strcmp(oid, profile->ext_usage & PROFILE_EKU_CLIENT
	                           ? GNUTLS_KP_TLS_WWW_CLIENT
	                           : GNUTLS_KP_ANY),
	    "second extended key usage");
	/* RFC 5280 4.2.1.2 (1), as CFSSL: SHA-1 of the key bits, here the
	 * uncompressed point as GnuTLS exports it. */
	gnutls_pubkey_init(&pub);
	gnutls_pubkey_import_privkey(pub, k, 0, 0);
	gnutls_pubkey_export_ecc_raw2(
	    pub, NULL, &x, &y, GNUTLS_EXPORT_FLAG_NO_LZ);
	point[0] = 0x04;
	memset(point + 1, 0, 64);
	memcpy(point + 33 - x.size, x.data, x.size);
	memcpy(point + 65 - y.size, y.data, y.size);
	gnutls_hash_fast(GNUTLS_DIG_SHA1, point, sizeof(point), want_id);
	gnutls_free(x.data);
	gnutls_free(y.data);
	gnutls_pubkey_deinit(pub);
	idlen = sizeof(id);
	CHECK(gnutls_x509_crt_get_subject_key_id(crt, id, &idlen, &crit) >= 0 &&
	          idlen == 20 && !memcmp(id, want_id, 20),
	    "subject key id: SHA-1 of the key bits");
	idlen = sizeof(id);
	CHECK(
	    gnutls_x509_crt_get_authority_key_id(crt, id, &idlen, &crit) >= 0 &&
	        idlen == t.akilen && !memcmp(id, t.aki, idlen),
	    "authority key id is the CA's");
	check_san(crt, 0, GNUTLS_SAN_DNSNAME, "a.example.com", 13, "SAN DNS");
	check_san(crt, 1, GNUTLS_SAN_IPADDRESS, sans[1].p, 16, "SAN IPv6");
	check_san(
	    crt, 2, GNUTLS_SAN_RFC822NAME, "x@example.com", 13, "SAN e-mail");
	CHECK(gnutls_x509_crt_get_signature_algorithm(crt) == (int)want_alg,
	    "the signature algorithm");
	CHECK(gnutls_x509_crt_verify(
	          crt, &ca, 1, GNUTLS_VERIFY_DISABLE_TIME_CHECKS, &vs) >= 0 &&
	          vs == 0,
	    "verifies against the CA");
	check_url_extensions(crt, tbs, tbslen, profile);
	check_policies(crt, tbs, tbslen, profile);

	gnutls_x509_crt_deinit(crt);
	gnutls_x509_crt_deinit(ca);
	gnutls_free(dn.data);
	x509_signer_free(signer);
	csr_free(&c);
	free(pem);
	free(csrpem);
	free(keypem);
	gnutls_privkey_deinit(k);
}

static void
test_certificates_by_ca_key_type(void)
{
	gnutls_privkey_t k;

	k = new_key(
	    GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1));
	issue_and_check(k, &server_profile, GNUTLS_SIGN_ECDSA_SHA256,
	    "P-256 CA (fast path), server profile");
	issue_and_check(k, &ca_profile, GNUTLS_SIGN_ECDSA_SHA256,
	    "P-256 CA, CA profile with a path length");
	issue_and_check(k, &url_profile, GNUTLS_SIGN_ECDSA_SHA256,
	    "P-256 CA, a profile with URLs and policies");
	gnutls_privkey_deinit(k);
	k = new_key(
	    GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1));
	issue_and_check(
	    k, &server_profile, GNUTLS_SIGN_ECDSA_SHA384, "P-384 CA");
	gnutls_privkey_deinit(k);
	k = new_key(GNUTLS_PK_RSA, 2048);
	issue_and_check(
	    k, &server_profile, GNUTLS_SIGN_RSA_SHA256, "RSA-2048 CA");
	gnutls_privkey_deinit(k);
	k = new_key(GNUTLS_PK_EDDSA_ED25519,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519));
	issue_and_check(
	    k, &server_profile, GNUTLS_SIGN_EDDSA_ED25519, "Ed25519 CA");
	gnutls_privkey_deinit(k);
}

static void
test_ecp256_refuses_a_point_off_the_curve(void)
{
	uint8_t point[65], h[32];

	memset(point, 0x11, sizeof(point));
	point[0] = 0x04;
	memset(h, 0, sizeof(h));
	CHECK(ecp256_verify(point, sizeof(point), h,
	          (const uint8_t *)"\x30\x06\x02\x01\x01\x02\x01\x01", 8) == 1,
	    "not a point: does not verify");
	CHECK(ecp256_verify(point, 33, h,
	          (const uint8_t *)"\x30\x06\x02\x01\x01\x02\x01\x01", 8) == 1,
	    "compressed points are not taken");
}

int
main(void)
{
	gnutls_global_init();
	test_der_lengths_and_integers();
	test_der_times();
	test_der_reader_is_strict();
	test_csr_p256_fast_path();
	test_csr_pem_forms();
	test_csr_other_keys_through_gnutls();
	test_certificates_by_ca_key_type();
	test_ecp256_refuses_a_point_off_the_curve();
	return unit_done();
}
