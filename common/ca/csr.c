/* csr.c: see csr.h. */
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "base/errors.h"
#include "ca/cadefs.h"
#include "ca/csr.h"
#include "crypto/crypto.h"
#include "crypto/ecp256.h"

static const uint8_t oid_ec_public_key[] = {
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_prime256v1[] = {
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
/* AlgorithmIdentifier ecdsa-with-SHA256, no parameters (RFC 5758). */
static const uint8_t alg_ecdsa_sha256[] = {
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t oid_ext_request[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e};
static const uint8_t oid_san[] = {0x06, 0x03, 0x55, 0x1d, 0x11};

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* The base64 between a request's BEGIN and END lines, whitespace skipped,
 * into out (malloc'd).  A request is public: no constant-time decoding. */
static enum csr_status
pem_body(const char *pem, size_t len, uint8_t **out, size_t *outlen)
{
	static const char *const begins[] = {
	    "-----BEGIN CERTIFICATE REQUEST-----",
	    "-----BEGIN NEW CERTIFICATE REQUEST-----"};
	const char *p = NULL, *end;
	uint32_t acc = 0;
	size_t i, n = 0, bits = 0, pad = 0;
	uint8_t *buf;
	int v;

	if (len > PKI_MAX_PEM)
		return CSR_DECODE;
	for (i = 0; i < 2 && p == NULL; i++)
		if ((p = memmem(pem, len, begins[i], strlen(begins[i]))) !=
		    NULL)
			p += strlen(begins[i]);
	if (p == NULL)
		return CSR_DECODE;
	if ((end = memmem(p, len - (size_t)(p - pem), "-----END", 8)) == NULL)
		return CSR_PARSE;
	if ((buf = malloc((size_t)(end - p) / 4 * 3 + 3)) == NULL)
		return CSR_INTERNAL;
	for (; p < end; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_value((unsigned char)*p)) < 0)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (pad > 2 || n == 0)
		goto bad;
	*out = buf;
	*outlen = n;
	return CSR_OK;
bad:
	free(buf);
	return CSR_PARSE;
}

/* The subjectAltName of an extensionRequest attribute's values, if any. */
static int
find_sans(struct der_r values, struct csr *c)
{
	struct der_r exts, ext, body, oid, v;
	unsigned tag;

	if (der_expect(&values, DER_SEQUENCE, &exts, NULL) != 0 ||
	    values.len != 0)
		return -1;
	while (exts.len > 0) {
		if (der_expect(&exts, DER_SEQUENCE, &body, &ext) != 0 ||
		    der_expect(&body, DER_OID, &oid, &oid) != 0)
			return -1;
		/* critical BOOLEAN DEFAULT FALSE, then the OCTET STRING. */
		if (der_next(&body, &tag, &v, NULL) != 0)
			return -1;
		if (tag == DER_BOOLEAN && der_next(&body, &tag, &v, NULL) != 0)
			return -1;
		if (tag != DER_OCTET_STRING || body.len != 0)
			return -1;
		if (!der_equal(&oid, oid_san, sizeof(oid_san)))
			continue;
		if (c->has_sans ||
		    der_expect(&v, DER_SEQUENCE, &c->sans, NULL) != 0 ||
		    v.len != 0)
			return -1;
		c->has_sans = 1;
	}
	return 0;
}

static int
parse_attributes(struct der_r attrs, struct csr *c)
{
	struct der_r attr, oid, values;

	while (attrs.len > 0) {
		if (der_expect(&attrs, DER_SEQUENCE, &attr, NULL) != 0 ||
		    der_expect(&attr, DER_OID, &oid, &oid) != 0 ||
		    der_expect(&attr, DER_SET, &values, NULL) != 0 ||
		    attr.len != 0)
			return -1;
		if (der_equal(&oid, oid_ext_request, sizeof(oid_ext_request)) &&
		    find_sans(values, c) != 0)
			return -1;
	}
	return 0;
}

/* SubjectPublicKeyInfo: the key bits, and whether it is P-256. */
static int
parse_spki(struct der_r spki, struct csr *c)
{
	struct der_r alg, oid, param, bits;
	unsigned tag;

	if (der_expect(&spki, DER_SEQUENCE, &alg, NULL) != 0 ||
	    der_expect(&alg, DER_OID, &oid, &oid) != 0 ||
	    der_expect(&spki, DER_BIT_STRING, &bits, NULL) != 0 ||
	    spki.len != 0 || bits.len < 2 || bits.p[0] != 0)
		return -1;
	c->keybits.p = bits.p + 1;
	c->keybits.len = bits.len - 1;
	c->p256 =
	    der_equal(&oid, oid_ec_public_key, sizeof(oid_ec_public_key)) &&
	    der_next(&alg, &tag, &param, &param) == 0 &&
	    der_equal(&param, oid_prime256v1, sizeof(oid_prime256v1)) &&
	    alg.len == 0;
	return 0;
}

static int
parse_der(struct csr *c)
{
	struct der_r all = {c->der, c->derlen}, req, info, ver, spki, attrs;
	struct der_r alg, sig;
	static const uint8_t v1[] = {0};

	if (der_expect(&all, DER_SEQUENCE, &req, NULL) != 0 || all.len != 0 ||
	    der_expect(&req, DER_SEQUENCE, &info, &c->info) != 0 ||
	    der_expect(&req, DER_SEQUENCE, &alg, &c->sigalg) != 0 ||
	    der_expect(&req, DER_BIT_STRING, &sig, NULL) != 0 || req.len != 0 ||
	    sig.len < 2 || sig.p[0] != 0)
		return -1;
	c->sig.p = sig.p + 1;
	c->sig.len = sig.len - 1;
	if (der_expect(&info, DER_INTEGER, &ver, NULL) != 0 ||
	    !der_equal(&ver, v1, 1) ||
	    der_expect(&info, DER_SEQUENCE, &spki, &c->subject) != 0 ||
	    der_expect(&info, DER_SEQUENCE, &spki, &c->spki) != 0 ||
	    parse_spki(spki, c) != 0)
		return -1;
	/* attributes [0] IMPLICIT SET OF Attribute; some clients omit it. */
	if (info.len == 0)
		return 0;
	if (der_expect(&info, DER_CTX_CONS(0), &attrs, NULL) != 0 ||
	    info.len != 0)
		return -1;
	return parse_attributes(attrs, c);
}

enum csr_status
csr_parse(const char *pem, size_t len, struct csr *c)
{
	enum csr_status st;

	memset(c, 0, sizeof(*c));
	if ((st = pem_body(pem, len, &c->der, &c->derlen)) != CSR_OK)
		return st;
	if (parse_der(c) != 0) {
		csr_free(c);
		return CSR_PARSE;
	}
	return CSR_OK;
}

/* Any other key or algorithm: GnuTLS checks the whole request. */
static enum csr_status
verify_gnutls(const struct csr *c)
{
	gnutls_x509_crq_t crq = NULL;
	gnutls_datum_t d = {c->der, (unsigned)c->derlen};
	enum csr_status st = CSR_INTERNAL;
	int rc;

	if (gnutls_x509_crq_init(&crq) < 0)
		return CSR_INTERNAL;
	if (gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER) < 0) {
		st = CSR_PARSE;
		goto out;
	}
	rc = gnutls_x509_crq_verify(crq, 0);
	st = rc == 0                               ? CSR_OK
	     : rc == GNUTLS_E_PK_SIG_VERIFY_FAILED ? CSR_BAD_SIG
	                                           : CSR_PARSE;
out:
	gnutls_x509_crq_deinit(crq);
	return st;
}

enum csr_status
csr_verify(const struct csr *c)
{
	uint8_t h[32];
	int rc;

	if (!c->p256 ||
	    !der_equal(&c->sigalg, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256)))
		return verify_gnutls(c);
	if (crypto_sha256(c->info.p, c->info.len, h) != 0)
		return CSR_INTERNAL;
	rc = ecp256_verify(
	    c->keybits.p, c->keybits.len, h, c->sig.p, c->sig.len);
	return rc == 0 ? CSR_OK : rc > 0 ? CSR_BAD_SIG : CSR_INTERNAL;
}

int
csr_key(const struct csr *c, int *pk, unsigned *bits)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d = {(unsigned char *)c->spki.p, (unsigned)c->spki.len};
	int rc = -1;

	if (c->p256) {
		*pk = GNUTLS_PK_ECDSA;
		*bits = 256;
		return 0;
	}
	if (gnutls_pubkey_init(&pub) < 0)
		return -1;
	if (gnutls_pubkey_import(pub, &d, GNUTLS_X509_FMT_DER) >= 0) {
		*pk = gnutls_pubkey_get_pk_algorithm(pub, bits);
		rc = *pk < 0 ? -1 : 0;
	}
	gnutls_pubkey_deinit(pub);
	return rc;
}

void
csr_free(struct csr *c)
{
	free(c->der);
	memset(c, 0, sizeof(*c));
}

enum cf_status
csr_key_allowed(int pk, unsigned bits, const char **detail)
{
	if (pk == GNUTLS_PK_RSA) {
		if (bits < 2048) {
			*detail = "5300 RSA key is too weak";
			return CF_E_BAD_REQUEST;
		}
		if (bits <= 8192)
			return CF_OK;
	}
	if (pk == GNUTLS_PK_ECDSA &&
	    (bits == 256 || bits == 384 || bits == 521))
		return CF_OK;
	if (pk == GNUTLS_PK_EDDSA_ED25519)
		return CF_OK;
	*detail = "5300 unsupported key algorithm or size";
	return CF_E_BAD_REQUEST;
}
