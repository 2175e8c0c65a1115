/*
 * pki.h: Coffer's certificate authority: the CA key pair, X.509 issuing
 * from CSRs, certificate records, revocation and the CRL.
 *
 * Five files implement it, sharing pki_internal.h: pki.c the CFSSL
 * operations (info, sign, newkey, newcert, bundle, authsign) and the
 * request's policy; cakey.c the CA's key and certificate (pki_ca_*);
 * certdb.c the certificate records (certinfo, certificates, revoke, crl),
 * whose bytes certrec.c encodes and decodes; certfacts.c a certificate's
 * facts as CFSSL's JSON; subject.c the subject and hosts of a request
 * (pki_host_parse).  The certificate itself is
 * parsed and encoded by csr.c, x509.c and der.c, and ECDSA P-256 is done
 * by ecp256.c.  GnuTLS does everything else (other key types, CA making,
 * CRLs, reading certificates for certinfo and bundle).
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

struct cf_config;
struct vault;
struct json_object;

#define PKI_SERIAL_LEN   20        /* bytes of a serial number */
#define PKI_AUTH_WINDOW  300       /* seconds: authsign timestamp tolerance */
#define PKI_MAX_HOSTS    100       /* SANs in one request */
#define PKI_MAX_HOST     253       /* bytes in one DNS name */
#define PKI_MAX_PEM      65536     /* bytes in a CSR or certificate PEM */
#define PKI_CA_LIFETIME  315360000 /* 10 years, in seconds */
#define PKI_CRL_LIFETIME 604800    /* 7 days: CFSSL's crl default */

/* The CA's settings, once at start-up, by the program: the key algorithm
 * (ca_key, through pki_ca_key_set) and the signing profiles (ca_profiles,
 * through profile_load).  0, or -1 with the reason logged: a config that
 * cannot be honoured stops the program. */
int pki_init(const struct cf_config *c);
/* The CA key algorithm made at init (or on first use): "ecdsa-256" (the
 * default), "ecdsa-384", "ecdsa-521", "rsa-2048", "rsa-3072", "rsa-4096"
 * or "ed25519".  0 or -1. */
int pki_ca_key_set(const char *name);
/* A new CA for init, as the PKI_CA_SEEDS records init writes with its own:
 * m:cakey (sealed) and m:cacert (clear).  pki_ca_seeds_free wipes them.
 * algo is one of pki_ca_key_set's names, or NULL for the configured one;
 * an unknown name is CF_E_BAD_REQUEST. */
#define PKI_CA_SEEDS 2
struct vault_seed;
enum cf_status pki_ca_new(const char *algo, struct vault_seed *seed);
void pki_ca_seeds_free(struct vault_seed *seed);
/*
 * Import an operator's CA (PEM certificate and unencrypted PEM key) into
 * the store, whose keys the caller made ready (vault_ready or
 * vault_unlock).  The certificate must be a valid CA certificate, the
 * key one CFSSL accepts and the certificate's own.  An existing CA is kept
 * (CF_E_CONFLICT) unless force.  On refusal *detail says why.
 */
enum cf_status pki_ca_import(struct vault *v, const char *certpem,
    size_t certlen, const char *keypem, size_t keylen, int force,
    const char **detail);
/* The CA certificate's PEM (malloc'd), readable while sealed;
 * CF_E_NOT_FOUND before the CA was made. */
enum cf_status pki_ca_pem(struct vault *v, char **pem, size_t *len);
/* Make the CA now if it does not exist (unsealed store). */
enum cf_status pki_ca_ensure(struct vault *v);

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
/* certinfo: {certificate} or {serial, authority_key_id}. */
enum cf_status pki_certinfo(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* certificates (DC/OS): {serial, authority_key_id, expired_ok} -> array. */
enum cf_status pki_certificates(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* bundle: {certificate} -> the chain to the CA. */
enum cf_status pki_bundle(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* revoke: {serial (decimal), authority_key_id (hex), reason} -> {}. */
enum cf_status pki_revoke(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* crl: the base64 DER of a CRL signed by the CA, valid `lifetime` s. */
enum cf_status pki_crl(struct vault *v, int64_t lifetime,
    struct json_object **result, const char **detail);
/*
 * authsign: CFSSL's AuthenticatedRequest {token, request, timestamp}.  The
 * inner sign request names its profile; the token must be the HMAC of the
 * request with that profile's auth_key, or with fallback_key (hex, the
 * config's ca_auth_key; NULL or "" for none) when the profile names none.
 * Then the timestamp must be fresh and the token never seen (it is
 * recorded), and the request is signed as sign does.  CFSSL's refusals:
 * "no authentication provider", "invalid token" (CF_E_BAD_REQUEST).
 */
enum cf_status pki_authsign(struct vault *v, const char *fallback_key,
    struct json_object *req, int64_t now, struct json_object **result,
    const char **detail);

/* Helpers, exposed for unit tests and fuzzing. */
enum pki_host_kind { PKI_HOST_BAD, PKI_HOST_DNS, PKI_HOST_IP, PKI_HOST_EMAIL };
/* Classify one host; an IP's bytes (4 or 16) go to ip/iplen. */
enum pki_host_kind pki_host_parse(
    const char *s, size_t len, uint8_t ip[16], size_t *iplen);
/* Big-endian unsigned bytes as decimal digits; 0 or -1 (buffer). */
int pki_serial_decimal(const uint8_t *b, size_t n, char *out, size_t outlen);
/* Seconds of a Go duration made of h, m, s parts ("8760h", "1h30m");
 * 0 or -1. */
int pki_duration(const char *s, int64_t *out);

#endif
