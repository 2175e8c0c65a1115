/*
 * x509.h: X.509 v3 certificates (RFC 5280) encoded by hand, and the CA's
 * signer.
 *
 * The certificate is written in one pass into a caller's buffer (der.h):
 * no allocation, no ASN.1 library.  The issuer, the subject and the
 * SubjectPublicKeyInfo are copied verbatim from the CA certificate and the
 * request, so what the requester signed is exactly what is certified.  The
 * extensions come from the profile (profile.h): keyUsage and
 * basicConstraints (critical), extKeyUsage, subject and authority key ids,
 * authorityInfoAccess (OCSP, caIssuers), the subjectAltName and the CRL
 * distribution point, in the order Go's x509 writes them, then the
 * certificate policies, where CFSSL adds them.
 *
 * The signer holds the CA's private key for as long as cakey.c keeps it
 * (never past a seal).  An ECDSA P-256 key signs through ecp256.h; RSA,
 * other curves and Ed25519 through GnuTLS, with CFSSL's choice of digest
 * (signer.DefaultSigAlgo: SHA-256 below RSA-3072, SHA-384 below 4096,
 * SHA-512 above; the curve's own size for ECDSA).
 */
#ifndef COFFER_X509_H
#define COFFER_X509_H

#include <stddef.h>
#include <stdint.h>

#include "ca/der.h"
#include "ca/profile.h"

#define X509_SERIAL_LEN 20
#define X509_ID_LEN     20   /* SHA-1 key identifiers */
#define X509_SIG_MAX    1024 /* an RSA-8192 signature */

/* One subjectAltName: tag DER_CTX(1) e-mail, DER_CTX(2) DNS name,
 * DER_CTX(7) IP address (4 or 16 bytes). */
struct x509_san {
	unsigned tag;
	const void *p;
	size_t len;
};

struct x509_tbs {
	uint8_t serial[X509_SERIAL_LEN]; /* positive, first byte non-zero */
	struct der_r issuer;             /* Name, whole TLV */
	int64_t not_before, not_after;
	struct der_r subject; /* Name, whole TLV */
	struct der_r spki;    /* SubjectPublicKeyInfo, whole TLV */
	struct der_r keybits; /* its key bits, for the subject key id */
	const struct pki_profile *profile;
	uint8_t aki[X509_ID_LEN];
	size_t akilen;
	const struct x509_san *sans;
	size_t nsans;
	struct der_r sigalg; /* the signer's AlgorithmIdentifier */
};

/* The TBSCertificate into buf; 0, or -1 when it does not fit. */
int x509_tbs_encode(
    const struct x509_tbs *t, uint8_t *buf, size_t cap, size_t *len);
/* Bytes the profile's own extensions may take beyond the fixed ones: for
 * sizing the buffer x509_tbs_encode writes into. */
size_t x509_profile_room(const struct pki_profile *p);
/* The subject key id: SHA-1 of the key bits (RFC 5280 4.2.1.2 (1)). */
int x509_key_id(const struct der_r *keybits, uint8_t id[X509_ID_LEN]);
/* One RelativeDistinguishedName of one attribute, into an open Name. */
void x509_name_part(struct der_w *w, const uint8_t *oid, size_t oidlen,
    unsigned strtag, const void *s, size_t n);
/* PEM of a DER certificate, 64 columns; malloc'd, NUL-terminated. */
char *x509_pem(const uint8_t *der, size_t len, size_t *pemlen);

struct x509_signer;
/* From a PEM private key (PKCS#8 or the key's own format). */
int x509_signer_new(const uint8_t *pem, size_t len, struct x509_signer **out);
/* The AlgorithmIdentifier the signer writes. */
struct der_r x509_signer_alg(const struct x509_signer *s);
/* The signed Certificate of tbs into buf; 0 or -1. */
int x509_sign(const struct x509_signer *s, const uint8_t *tbs, size_t tbslen,
    uint8_t *buf, size_t cap, size_t *len);
void x509_signer_free(struct x509_signer *s);

#endif /* COFFER_X509_H */
