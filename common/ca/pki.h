/*
 * pki.h: Coffer's certificate authority: the CA key pair, X.509 issuing
 * from CSRs, certificate records, revocation and the CRL.
 *
 * pki.c is the CFSSL operations (info, sign, newkey, newcert, bundle,
 * authsign) and the request's policy, at the top of the CA's modules,
 * bottom up: cadefs.h (bounds, shared helpers); der (DER read and
 * written); csr (PKCS#10, and CFSSL's key rules); profile (the signing
 * profiles); x509 (the certificate encoded and signed); certrec (a
 * certificate record's bytes); certfacts (a certificate's facts as CFSSL's
 * JSON); subject (the subject and hosts of a request); cakey (the CA's key
 * and certificate, pki_ca_*); certdb (the certificate records: certinfo,
 * certificates, revoke, crl); ocsp (the OCSP responder, beside pki: a
 * dialect includes it on its own); jws (ACME's JWS and JWKs, on crypto
 * alone) and acmedb (ACME's records, above pki: it issues and revokes
 * through pki_sign and pki_revoke).  None includes one above it
 * (tests/layers.sh).  ECDSA P-256 is done by ecp256.c; GnuTLS does
 * everything else (other key types, CA making, CRLs, reading certificates
 * for certinfo and bundle).  This header brings cakey.h and certdb.h with
 * it: a program includes the CA's API as one.
 *
 * Invariants:
 *   - The CA is made at init, in init's own commit (ECDSA P-256 unless
 *     ca_key says otherwise), or imported (cofferctl ca-import).  A store
 *     initialized before that gets its CA on first use with an unsealed
 *     store, under the write lock, so exactly one process creates it.
 *     Its private key is the sealed record m:cakey; its certificate is the
 *     clear record m:cacert, readable while sealed.  The CA signs with
 *     CFSSL's digest for its key: SHA-256, SHA-384 for RSA 3072 and P-384,
 *     SHA-512 for RSA 4096 and P-521, Ed25519 as itself.
 *   - Each process parses the CA key once per unseal and keeps it only
 *     while vault_epoch() is the one it was parsed in and the CA
 *     certificate is unchanged; both are checked on every signing request.
 *   - A CSR's signature is verified before anything else is taken from it;
 *     its key must be RSA 2048-8192, ECDSA P-256/384/521 or Ed25519.
 *   - Hosts (SANs) are DNS names, IP addresses or e-mail addresses, each
 *     validated; anything else is refused and nothing is issued.
 *   - Serials are 20 random bytes, positive.  Every issued certificate is
 *     recorded (sealed record c:<serial hex>: serial, AKI, status, times,
 *     DER, in certrec.h's binary format) in the same write as nothing
 *     else, before it is answered.
 *   - authsign tokens (CFSSL: HMAC-SHA256 over the request) are compared
 *     in constant time; a timestamp more than PKI_AUTH_WINDOW seconds away
 *     from now, or a token seen before, is refused.  Because CFSSL's token
 *     does not cover the timestamp, seen tokens are kept for good (record
 *     m:seen:<sha256 hex>), not only for the window.
 *
 * Every function takes the request's JSON (borrowed), builds its CFSSL
 * `result` into *result (a new json-c reference the caller puts), and on
 * failure sets *detail to a fixed string of ours, "NNNN message" when a
 * CFSSL code applies (reply.c renders it).  Private keys returned by
 * newkey/newcert exist only in the result; they are never logged or kept.
 */
#ifndef COFFER_PKI_H
#define COFFER_PKI_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "ca/cadefs.h"
#include "ca/cakey.h"
#include "ca/certdb.h"

struct cf_config;
struct vault;
struct json_object;

/* The CA's settings, once at start-up, by the program: the key algorithm
 * (ca_key, through pki_ca_key_set) and the signing profiles (ca_profiles,
 * through profile_load).  0, or -1 with the reason logged: a config that
 * cannot be honoured stops the program. */
int pki_init(const struct cf_config *c);

/* info: {label, profile} -> {certificate, usages, expiry}. */
enum cf_status pki_info(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* sign: CFSSL's sign request -> {certificate}; records the certificate.
 * A profile with an auth_key is refused ("authentication required"), as
 * CFSSL's sign handler does: authsign is its only way in.  newcert refuses
 * it too, where CFSSL's generator does not check: fail closed. */
enum cf_status pki_sign(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* newkey: CSR JSON -> {private_key, certificate_request, sums}. */
enum cf_status pki_newkey(
    struct json_object *req, struct json_object **result, const char **detail);
/* newcert: {request: CSR JSON, profile, label} -> newkey + certificate. */
enum cf_status pki_newcert(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* bundle: {certificate} -> the chain to the CA. */
enum cf_status pki_bundle(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* CFSSL's AuthenticatedRequest {token, request, timestamp}, decoded from
 * its JSON by the dialect (dialects/cfssl.h): the token and the inner
 * request's bytes (malloc'd, the dialect's to free) and the timestamp (0
 * when absent). */
struct pki_authreq {
	uint8_t *tok, *body;
	size_t toklen, bodylen;
	int64_t ts;
};

/*
 * authsign: the inner sign request (a's body, parsed here) names its
 * profile; the token must be the HMAC of those bytes with that profile's
 * auth_key, or with fallback_key (hex, the config's ca_auth_key; NULL or
 * "" for none) when the profile names none.  Then the timestamp must be
 * fresh and the token never seen (it is recorded), and the request is
 * signed as sign does.  CFSSL's refusals: "no authentication provider",
 * "invalid token" (CF_E_BAD_REQUEST).
 */
enum cf_status pki_authsign(struct vault *v, const char *fallback_key,
    const struct pki_authreq *a, int64_t now, struct json_object **result,
    const char **detail);

#endif
