/*
 * pki_internal.h: what the certificate authority's files share among
 * themselves, and nothing outside them includes; pki.h is their API.
 *
 *   pki.c        the CFSSL operations: info, sign, newkey, newcert, bundle,
 *                authsign (and the profile and key rules they apply)
 *   cakey.c      the CA's key and certificate: made, imported, read, and
 *                kept parsed for signing once per unseal
 *   certdb.c     certificate records: recording, certinfo, certificates,
 *                revoke and the CRL (the record's bytes: certrec.c)
 *   certfacts.c  what a certificate says, as CFSSL's JSON
 *   subject.c    a certificate's subject and hosts (SANs) from a request
 *
 * Invariants (see pki.h for the whole CA's):
 *   - The CA's private key lives only in struct pki_ca (one request, freed
 *     with cakey_free) or in the per-process cache cakey_current returns,
 *     which cakey.c alone fills and drops; callers never free or keep it.
 *   - Every function that refuses a request sets *detail to a fixed string
 *     of ours, never to request data.
 */
#ifndef COFFER_PKI_INTERNAL_H
#define COFFER_PKI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "base/errors.h"
#include "base/log.h"
#include "ca/csr.h"
#include "ca/pki.h"
#include "ca/x509.h"

struct vault;

#define BACKDATE 300 /* seconds: CFSSL backdates notBefore 5 minutes */
#define MAX_DN   64  /* X.520 upper bound of CN, O, OU, L, ST */
#define ID_LEN   20  /* SHA-1 key identifiers */

static inline int
gt(int rc, const char *what)
{
	if (rc < 0)
		lwarnx("%s: %s", what, gnutls_strerror(rc));
	return rc;
}

/* Go clients send absent members as null. */
static inline int
is_null(struct json_object *o, const char *key)
{
	struct json_object *m;

	return json_object_object_get_ex(o, key, &m) && m == NULL;
}

static inline void
add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static inline void
add_time(struct json_object *o, const char *k, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char ts[32];

	gmtime_r(&tt, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	add_str(o, k, ts);
}

/* ---- pki.c ---- */

/* CFSSL's key rules (csr.go): RSA 2048-8192, ECDSA 256/384/521, Ed25519. */
enum cf_status pki_key_allowed(int pk, unsigned bits, const char **detail);

/* ---- cakey.c ---- */

/* The CA loaded for one request. */
struct pki_ca {
	gnutls_x509_crt_t crt;
	gnutls_privkey_t key;
	gnutls_digest_algorithm_t dig; /* CFSSL's choice for the key */
	uint8_t ski[ID_LEN];
	size_t skilen;
};

/*
 * This process's CA, parsed once per unseal rather than per request (its
 * PEM key import alone cost more than the signature).  It is good while
 * the vault's epoch is the one it was made in and the CA certificate is
 * the one it was made from (an import replaces both); every request checks
 * both, and drops it the moment the store is found sealed.
 */
struct ca_cache {
	struct x509_signer *signer;
	char *pem; /* the CA certificate */
	size_t pemlen;
	uint8_t *issuer; /* its subject Name, DER */
	size_t issuerlen;
	uint8_t ski[ID_LEN];
	size_t skilen;
	int64_t not_after;
	int32_t epoch;
};

/* A fresh serial: PKI_SERIAL_LEN random bytes, positive; 0 or -1. */
int cakey_serial(uint8_t *s);
/* The CA for signing: made on first use for a store initialized before the
 * CA was made at init; needs the unsealed store.  cakey_free accepts NULL. */
enum cf_status cakey_load(struct vault *v, struct pki_ca **out);
void cakey_free(struct pki_ca *ca);
/* The cached CA, checked (or refilled) for this request; *out is borrowed
 * until the next call. */
enum cf_status cakey_current(struct vault *v, const struct ca_cache **out);

/* ---- certdb.c ---- */

/* Record an issued certificate (c:<serial hex>, certrec.h's format), in
 * its own write. */
enum cf_status certdb_record(struct vault *v, const uint8_t *serial,
    size_t slen, const uint8_t *aki, size_t akilen, int64_t nb, int64_t na,
    const uint8_t *der, size_t derlen);

/* ---- certfacts.c ---- */

/* A PEM certificate (at most PKI_MAX_PEM), CFSSL's errors when it is not. */
enum cf_status certfacts_import(
    const char *pem, size_t len, gnutls_x509_crt_t *out, const char **detail);
/* CFSSL's certinfo.Certificate of crt. */
struct json_object *certfacts_json(gnutls_x509_crt_t crt, const char *pem);
/* The subject (or the issuer) as CFSSL's certinfo.Name. */
struct json_object *certfacts_name(gnutls_x509_crt_t crt, int issuer);
/* The SANs as strings (IP addresses in text). */
struct json_object *certfacts_sans(gnutls_x509_crt_t crt);
/* Go's name of a signature algorithm. */
const char *certfacts_sigalg(int alg);

/* ---- subject.c ---- */

/* The SANs of one certificate; IP bytes are copied, names borrowed from
 * the request. */
struct san_list {
	struct x509_san s[PKI_MAX_HOSTS];
	uint8_t ip[PKI_MAX_HOSTS][16];
	size_t n;
};

/* CN and names[] ({C,ST,L,O,OU}) of a CFSSL CSR JSON: as a Name (DER, in
 * buf, which *out then points into; a sign request's subject override) or
 * into a certificate request. */
enum cf_status subject_name(struct json_object *o, uint8_t *buf, size_t cap,
    struct der_r *out, const char **detail);
enum cf_status subject_crq(
    struct json_object *o, gnutls_x509_crq_t crq, const char **detail);
/* hosts[] of o (else hostname), into a list or a certificate request;
 * *given says whether any host was there. */
enum cf_status subject_hosts(
    struct json_object *o, struct san_list *l, int *given, const char **detail);
enum cf_status subject_hosts_crq(struct json_object *o, gnutls_x509_crq_t crq,
    int *given, const char **detail);
/* The CSR's own SANs, validated like request hosts. */
enum cf_status subject_csr_sans(
    const struct csr *c, struct san_list *l, const char **detail);

#endif
