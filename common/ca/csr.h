/*
 * csr.h: PKCS#10 certificate requests (RFC 2986), parsed by hand.
 *
 * csr_parse() decodes the PEM and slices the DER into the parts a
 * certificate is built from: the signed CertificationRequestInfo, the
 * subject Name and the SubjectPublicKeyInfo (both kept as their exact
 * bytes, to be copied verbatim), the requested subjectAltName, and the
 * signature.  csr_verify() checks the signature: ECDSA P-256 with SHA-256
 * on our own fast path (ecp256.h), every other key and algorithm through
 * GnuTLS.  Nothing from a request may be used before csr_verify() said 0.
 *
 * Invariants:
 *   - The parser is strict DER (der.h); nothing may follow the request.
 *   - Every struct der_r in struct csr points into c->der, which the csr
 *     owns until csr_free().
 *   - Errors are CFSSL's: CSR_DECODE (9002: no PEM request), CSR_PARSE
 *     (9003: not a request), CSR_BAD_SIG (9300: the signature is wrong).
 */
#ifndef COFFER_CSR_H
#define COFFER_CSR_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "ca/der.h"

enum csr_status {
	CSR_OK = 0,
	CSR_DECODE,
	CSR_PARSE,
	CSR_BAD_SIG,
	CSR_INTERNAL,
};

struct csr {
	uint8_t *der; /* the whole request, malloc'd */
	size_t derlen;
	struct der_r info;    /* CertificationRequestInfo: the signed bytes */
	struct der_r subject; /* Name, whole TLV */
	struct der_r spki;    /* SubjectPublicKeyInfo, whole TLV */
	struct der_r
	    keybits;         /* subjectPublicKey without its unused-bits byte */
	struct der_r sigalg; /* AlgorithmIdentifier, whole TLV */
	struct der_r sig;    /* signature without its unused-bits byte */
	struct der_r sans;   /* GeneralNames content (der_next walks it) */
	int has_sans;        /* the request carries a subjectAltName */
	int p256;            /* id-ecPublicKey on prime256v1 */
};

/* The PEM (len bytes, no NUL needed) into *c; on failure c holds nothing
 * to free. */
enum csr_status csr_parse(const char *pem, size_t len, struct csr *c);
/* CSR_OK when the request is signed by its own key. */
enum csr_status csr_verify(const struct csr *c);
/* The key's GnuTLS algorithm and size in bits (as
 * gnutls_pubkey_get_pk_algorithm), or -1. */
int csr_key(const struct csr *c, int *pk, unsigned *bits);
void csr_free(struct csr *c);
/* CFSSL's key rules (csr.go), for a request's key and an imported CA's:
 * RSA 2048-8192, ECDSA 256/384/521, Ed25519; pk and bits as csr_key
 * gives them.  CF_OK, or CF_E_BAD_REQUEST with *detail set. */
enum cf_status csr_key_allowed(int pk, unsigned bits, const char **detail);

#endif /* COFFER_CSR_H */
