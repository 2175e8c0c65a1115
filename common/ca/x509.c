/* x509.c: see x509.h. */
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "base/codec.h"
#include "ca/x509.h"
#include "crypto/crypto.h"
#include "crypto/ecp256.h"

#define OID_EXT(n) 0x06, 0x03, 0x55, 0x1d, (n)
static const uint8_t oid_ku[] = {OID_EXT(0x0f)};
static const uint8_t oid_eku[] = {OID_EXT(0x25)};
static const uint8_t oid_bc[] = {OID_EXT(0x13)};
static const uint8_t oid_ski[] = {OID_EXT(0x0e)};
static const uint8_t oid_aki[] = {OID_EXT(0x23)};
static const uint8_t oid_san[] = {OID_EXT(0x11)};
static const uint8_t oid_crl_dp[] = {OID_EXT(0x1f)};

/* id-pe-authorityInfoAccess and its id-ad methods (RFC 5280 4.2.2.1). */
#define PKIX(a, b)                                                             \
	{                                                                      \
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, (a), (b)       \
	}
static const uint8_t oid_aia[] = PKIX(0x01, 0x01);
static const uint8_t oid_ad_ocsp[] = PKIX(0x30, 0x01);
static const uint8_t oid_ad_ca_issuers[] = PKIX(0x30, 0x02);
static const uint8_t oid_policies[] = {OID_EXT(0x20)};
static const uint8_t oid_qt_cps[] = PKIX(0x02, 0x01);
static const uint8_t oid_qt_unotice[] = PKIX(0x02, 0x02);

/* 1.3.6.1.5.5.7.3.n, in the order of PROFILE_EKU_* bits, then anyEKU. */
#define KP(n)                                                                  \
	{                                                                      \
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, (n)      \
	}
static const uint8_t oid_kp[][10] = {
    KP(1), KP(2), KP(3), KP(4), KP(5), KP(6), KP(7), KP(8), KP(9)};
static const uint8_t oid_any_eku[] = {0x06, 0x04, 0x55, 0x1d, 0x25, 0x00};

static const uint8_t alg_ecdsa_sha256[] = {
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t alg_ecdsa_sha384[] = {
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
static const uint8_t alg_ecdsa_sha512[] = {
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};
#define RSA_ALG(n)                                                             \
	{                                                                      \
		0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,    \
		    0x01, 0x01, (n), 0x05, 0x00                                \
	}
static const uint8_t alg_rsa_sha256[] = RSA_ALG(0x0b);
static const uint8_t alg_rsa_sha384[] = RSA_ALG(0x0c);
static const uint8_t alg_rsa_sha512[] = RSA_ALG(0x0d);
static const uint8_t alg_ed25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};

int
x509_key_id(const struct der_r *keybits, uint8_t id[X509_ID_LEN])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA1, keybits->p, keybits->len, id) <
	               0
	           ? -1
	           : 0;
}

void
x509_name_part(struct der_w *w, const uint8_t *oid, size_t oidlen,
    unsigned strtag, const void *s, size_t n)
{
	der_open(w, DER_SET);
	der_open(w, DER_SEQUENCE);
	der_raw(w, oid, oidlen);
	der_put(w, strtag, s, n);
	der_close(w);
	der_close(w);
}

/* Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue };
 * ext_open leaves the OCTET STRING open for the value. */
static void
ext_open(struct der_w *w, const uint8_t *oid, size_t oidlen, int critical)
{
	der_open(w, DER_SEQUENCE);
	der_raw(w, oid, oidlen);
	if (critical)
		der_bool(w, 1);
	der_open(w, DER_OCTET_STRING);
}

static void
ext_close(struct der_w *w)
{
	der_close(w);
	der_close(w);
}

/* KeyUsage: GnuTLS's bit layout is the BIT STRING's bytes (profile.h). */
static void
ext_key_usage(struct der_w *w, unsigned ku)
{
	uint8_t b[2] = {(uint8_t)(ku & 0xff), (uint8_t)((ku >> 8) & 0xff)};
	size_t n = b[1] != 0 ? 2 : 1;
	unsigned unused = 0;

	if ((ku & 0xffff) == 0)
		return;
	while (!(b[n - 1] & (1u << unused)))
		unused++;
	ext_open(w, oid_ku, sizeof(oid_ku), 1);
	der_bits(w, unused, b, n);
	ext_close(w);
}

static void
ext_ext_usage(struct der_w *w, unsigned eku)
{
	size_t i;

	if (eku == 0)
		return;
	ext_open(w, oid_eku, sizeof(oid_eku), 0);
	der_open(w, DER_SEQUENCE);
	for (i = 0; i < sizeof(oid_kp) / sizeof(oid_kp[0]); i++)
		if (eku & (1u << i))
			der_raw(w, oid_kp[i], sizeof(oid_kp[i]));
	if (eku & PROFILE_EKU_ANY)
		der_raw(w, oid_any_eku, sizeof(oid_any_eku));
	der_close(w);
	ext_close(w);
}

static void
ext_basic_constraints(struct der_w *w, const struct pki_profile *p)
{
	ext_open(w, oid_bc, sizeof(oid_bc), 1);
	der_open(w, DER_SEQUENCE);
	/* cA DEFAULT FALSE: DER leaves it out when false. */
	if (p->is_ca) {
		der_bool(w, 1);
		if (p->max_path_len >= 0)
			der_small_uint(w, (unsigned)p->max_path_len);
	}
	der_close(w);
	ext_close(w);
}

static void
ext_key_ids(struct der_w *w, const struct x509_tbs *t)
{
	uint8_t ski[X509_ID_LEN];

	if (x509_key_id(&t->keybits, ski) != 0) {
		w->err = 1;
		return;
	}
	ext_open(w, oid_ski, sizeof(oid_ski), 0);
	der_put(w, DER_OCTET_STRING, ski, sizeof(ski));
	ext_close(w);
	if (t->akilen == 0)
		return;
	ext_open(w, oid_aki, sizeof(oid_aki), 0);
	der_open(w, DER_SEQUENCE);
	der_put(w, DER_CTX(0), t->aki, t->akilen);
	der_close(w);
	ext_close(w);
}

static void
ext_sans(struct der_w *w, const struct x509_tbs *t)
{
	size_t i;

	if (t->nsans == 0)
		return;
	ext_open(w, oid_san, sizeof(oid_san), 0);
	der_open(w, DER_SEQUENCE);
	for (i = 0; i < t->nsans; i++)
		der_put(w, t->sans[i].tag, t->sans[i].p, t->sans[i].len);
	der_close(w);
	ext_close(w);
}

/* AccessDescription: a method and a uniformResourceIdentifier [6]. */
static void
access_description(
    struct der_w *w, const uint8_t *oid, size_t oidlen, const char *url)
{
	der_open(w, DER_SEQUENCE);
	der_raw(w, oid, oidlen);
	der_put(w, DER_CTX(6), url, strlen(url));
	der_close(w);
}

/* Go's order, which CFSSL's certificates have: OCSP, then caIssuers. */
static void
ext_aia(struct der_w *w, const struct pki_profile *p)
{
	int i;

	if (p->ocsp_url == NULL && p->nissuer_urls == 0)
		return;
	ext_open(w, oid_aia, sizeof(oid_aia), 0);
	der_open(w, DER_SEQUENCE);
	if (p->ocsp_url != NULL)
		access_description(
		    w, oid_ad_ocsp, sizeof(oid_ad_ocsp), p->ocsp_url);
	for (i = 0; i < p->nissuer_urls; i++)
		access_description(w, oid_ad_ca_issuers,
		    sizeof(oid_ad_ca_issuers), p->issuer_urls[i]);
	der_close(w);
	ext_close(w);
}

/* One DistributionPoint whose distributionPoint [0] is a fullName [0] of
 * one URI, as Go writes CRLDistributionPoints. */
static void
ext_crl_dp(struct der_w *w, const struct pki_profile *p)
{
	if (p->crl_url == NULL)
		return;
	ext_open(w, oid_crl_dp, sizeof(oid_crl_dp), 0);
	der_open(w, DER_SEQUENCE);
	der_open(w, DER_SEQUENCE);
	der_open(w, DER_CTX_CONS(0));
	der_open(w, DER_CTX_CONS(0));
	der_put(w, DER_CTX(6), p->crl_url, strlen(p->crl_url));
	der_close(w);
	der_close(w);
	der_close(w);
	der_close(w);
	ext_close(w);
}

/* PolicyQualifierInfo as CFSSL's addPolicies marshals it: a CPS pointer
 * as an IA5String, a user notice as UserNotice { explicitText UTF8 }. */
static void
policy_qualifier(struct der_w *w, const struct profile_qualifier *q)
{
	size_t len = strlen(q->value);

	der_open(w, DER_SEQUENCE);
	if (q->cps) {
		der_raw(w, oid_qt_cps, sizeof(oid_qt_cps));
		der_put(w, DER_IA5, q->value, len);
	} else {
		der_raw(w, oid_qt_unotice, sizeof(oid_qt_unotice));
		der_open(w, DER_SEQUENCE);
		der_put(w, DER_UTF8, q->value, len);
		der_close(w);
	}
	der_close(w);
}

/* certificatePolicies, not critical, after the standard extensions as
 * CFSSL adds it (an extra extension for Go). */
static void
ext_policies(struct der_w *w, const struct pki_profile *p)
{
	const struct profile_policy *pol;
	int i, j;

	if (p->npolicies == 0)
		return;
	ext_open(w, oid_policies, sizeof(oid_policies), 0);
	der_open(w, DER_SEQUENCE);
	for (i = 0; i < p->npolicies; i++) {
		pol = &p->policies[i];
		der_open(w, DER_SEQUENCE);
		der_put(w, DER_OID, pol->oid, pol->oidlen);
		if (pol->nq > 0) {
			der_open(w, DER_SEQUENCE);
			for (j = 0; j < pol->nq; j++)
				policy_qualifier(w, &pol->q[j]);
			der_close(w);
		}
		der_close(w);
	}
	der_close(w);
	ext_close(w);
}

size_t
x509_profile_room(const struct pki_profile *p)
{
	size_t n = 64;
	int i, j;

	if (p->crl_url != NULL)
		n += strlen(p->crl_url) + 32;
	if (p->ocsp_url != NULL)
		n += strlen(p->ocsp_url) + 32;
	for (i = 0; i < p->nissuer_urls; i++)
		n += strlen(p->issuer_urls[i]) + 32;
	for (i = 0; i < p->npolicies; i++) {
		n += p->policies[i].oidlen + 32;
		for (j = 0; j < p->policies[i].nq; j++)
			n += strlen(p->policies[i].q[j].value) + 32;
	}
	return n;
}

int
x509_tbs_encode(const struct x509_tbs *t, uint8_t *buf, size_t cap, size_t *len)
{
	struct der_w w;

	der_w_init(&w, buf, cap);
	der_open(&w, DER_SEQUENCE);
	der_open(&w, DER_CTX_CONS(0)); /* version v3 (2) */
	der_small_uint(&w, 2);
	der_close(&w);
	der_uint(&w, t->serial, sizeof(t->serial));
	der_raw(&w, t->sigalg.p, t->sigalg.len);
	der_raw(&w, t->issuer.p, t->issuer.len);
	der_open(&w, DER_SEQUENCE);
	der_time(&w, t->not_before);
	der_time(&w, t->not_after);
	der_close(&w);
	der_raw(&w, t->subject.p, t->subject.len);
	der_raw(&w, t->spki.p, t->spki.len);
	der_open(&w, DER_CTX_CONS(3));
	der_open(&w, DER_SEQUENCE);
	ext_key_usage(&w, t->profile->key_usage);
	ext_ext_usage(&w, t->profile->ext_usage);
	ext_basic_constraints(&w, t->profile);
	ext_key_ids(&w, t);
	ext_aia(&w, t->profile);
	ext_sans(&w, t);
	ext_crl_dp(&w, t->profile);
	ext_policies(&w, t->profile);
	der_close(&w);
	der_close(&w);
	der_close(&w);
	if (w.err || w.depth != 0)
		return -1;
	*len = w.len;
	return 0;
}

char *
x509_pem(const uint8_t *der, size_t len, size_t *pemlen)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	char *b64, *pem, *p;
	size_t n, i, line;

	if ((b64 = codec_base64_encode(der, len, 0)) == NULL)
		return NULL;
	n = strlen(b64);
	pem = malloc(sizeof(head) + n + n / 64 + 1 + sizeof(tail));
	if (pem != NULL) {
		p = pem;
		memcpy(p, head, sizeof(head) - 1);
		p += sizeof(head) - 1;
		for (i = 0; i < n; i += line) {
			line = n - i < 64 ? n - i : 64;
			memcpy(p, b64 + i, line);
			p += line;
			*p++ = '\n';
		}
		memcpy(p, tail, sizeof(tail));
		*pemlen = (size_t)(p - pem) + sizeof(tail) - 1;
	}
	free(b64);
	return pem;
}

/* ---- the signer ---- */

struct x509_signer {
	gnutls_privkey_t key;    /* every key type */
	struct ecp256_key *p256; /* the fast path, when P-256 */
	gnutls_sign_algorithm_t alg;
	const uint8_t *algid;
	size_t algidlen;
};

static int
set_alg(struct x509_signer *s, gnutls_sign_algorithm_t alg, const uint8_t *id,
    size_t idlen)
{
	s->alg = alg;
	s->algid = id;
	s->algidlen = idlen;
	return 0;
}

/* CFSSL's signer.DefaultSigAlgo. */
static int
choose_alg(struct x509_signer *s)
{
	unsigned bits = 0;
	int pk = gnutls_privkey_get_pk_algorithm(s->key, &bits);

	if (pk == GNUTLS_PK_RSA && bits >= 4096)
		return set_alg(s, GNUTLS_SIGN_RSA_SHA512, alg_rsa_sha512,
		    sizeof(alg_rsa_sha512));
	if (pk == GNUTLS_PK_RSA && bits >= 3072)
		return set_alg(s, GNUTLS_SIGN_RSA_SHA384, alg_rsa_sha384,
		    sizeof(alg_rsa_sha384));
	if (pk == GNUTLS_PK_RSA)
		return set_alg(s, GNUTLS_SIGN_RSA_SHA256, alg_rsa_sha256,
		    sizeof(alg_rsa_sha256));
	if (pk == GNUTLS_PK_ECDSA && bits == 256)
		return set_alg(s, GNUTLS_SIGN_ECDSA_SHA256, alg_ecdsa_sha256,
		    sizeof(alg_ecdsa_sha256));
	if (pk == GNUTLS_PK_ECDSA && bits == 384)
		return set_alg(s, GNUTLS_SIGN_ECDSA_SHA384, alg_ecdsa_sha384,
		    sizeof(alg_ecdsa_sha384));
	if (pk == GNUTLS_PK_ECDSA && bits == 521)
		return set_alg(s, GNUTLS_SIGN_ECDSA_SHA512, alg_ecdsa_sha512,
		    sizeof(alg_ecdsa_sha512));
	if (pk == GNUTLS_PK_EDDSA_ED25519)
		return set_alg(s, GNUTLS_SIGN_EDDSA_ED25519, alg_ed25519,
		    sizeof(alg_ed25519));
	return -1;
}

/* The P-256 scalar out of GnuTLS, into ecp256. */
static int
load_p256(struct x509_signer *s)
{
	gnutls_datum_t k = {NULL, 0};
	gnutls_ecc_curve_t curve;
	int rc = -1;

	if (gnutls_privkey_export_ecc_raw2(s->key, &curve, NULL, NULL, &k, 0) >=
	        0 &&
	    curve == GNUTLS_ECC_CURVE_SECP256R1)
		rc = ecp256_key_new(k.data, k.size, &s->p256);
	if (k.data != NULL)
		crypto_wipe(k.data, k.size);
	gnutls_free(k.data);
	return rc;
}

int
x509_signer_new(const uint8_t *pem, size_t len, struct x509_signer **out)
{
	struct x509_signer *s;
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if (gnutls_privkey_init(&s->key) < 0 ||
	    gnutls_privkey_import_x509_raw(
	        s->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0) < 0 ||
	    choose_alg(s) != 0 ||
	    (s->alg == GNUTLS_SIGN_ECDSA_SHA256 && load_p256(s) != 0)) {
		x509_signer_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

struct der_r
x509_signer_alg(const struct x509_signer *s)
{
	struct der_r r = {s->algid, s->algidlen};

	return r;
}

static int
sign_tbs(const struct x509_signer *s, const uint8_t *tbs, size_t tbslen,
    uint8_t *sig, size_t *siglen)
{
	gnutls_datum_t data = {(unsigned char *)tbs, (unsigned)tbslen};
	gnutls_datum_t out = {NULL, 0};
	uint8_t h[32];
	int rc = -1;

	if (s->p256 != NULL)
		return crypto_sha256(tbs, tbslen, h) != 0
		           ? -1
		           : ecp256_sign(s->p256, h, sig, siglen);
	if (gnutls_privkey_sign_data2(s->key, s->alg, 0, &data, &out) >= 0 &&
	    out.size <= X509_SIG_MAX) {
		memcpy(sig, out.data, out.size);
		*siglen = out.size;
		rc = 0;
	}
	gnutls_free(out.data);
	return rc;
}

int
x509_sign(const struct x509_signer *s, const uint8_t *tbs, size_t tbslen,
    uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t sig[X509_SIG_MAX];
	size_t siglen = 0;
	struct der_w w;

	if (sign_tbs(s, tbs, tbslen, sig, &siglen) != 0)
		return -1;
	der_w_init(&w, buf, cap);
	der_open(&w, DER_SEQUENCE);
	der_raw(&w, tbs, tbslen);
	der_raw(&w, s->algid, s->algidlen);
	der_bits(&w, 0, sig, siglen);
	der_close(&w);
	if (w.err)
		return -1;
	*len = w.len;
	return 0;
}

void
x509_signer_free(struct x509_signer *s)
{
	if (s == NULL)
		return;
	ecp256_key_free(s->p256);
	if (s->key != NULL)
		gnutls_privkey_deinit(s->key);
	free(s);
}
