/*
 * acmedb.h: the CA's side of ACME (RFC 8555): the store's nonces,
 * accounts, orders, authorizations and certificate owners, and issuing
 * and revoking through the CA like any other request (pki.h).
 *
 * Records (sealed, JSON, like every record): m:acme:nonce:<nonce>
 * {"exp"}; m:acme:acct:<id> (the account: see acmedb_acct_by_key),
 * m:acme:key:<JWK thumbprint> {"acct"} (RFC 7638); m:acme:order:<id>,
 * m:acme:authz:<id>; m:acme:cert:<serial hex> (the account that ordered
 * a certificate, for its download and revokeCert); m:acme:eab:<kid> (an
 * External Account Binding key: see acmedb_eab_new).  Ids are ACME_ID_LEN
 * characters of base64url from 16 random bytes (or, for an account, its
 * first key's thumbprint): unguessable, so an object's URL tells nothing
 * and cannot be enumerated; each record still names its account, and a
 * request for another account's object is refused.
 *
 * Nonces (RFC 8555 6.5) are single-use: acmedb_nonce_take deletes the
 * record in the same write that finds it, so of two requests carrying one
 * nonce exactly one gets it, across every worker.  A nonce is its expiry
 * (8 hex digits of Unix time) then an id, so one past it is refused from
 * its text alone, and the records of nonces never used are found without
 * opening one: the keys sort by expiry, and every ACME_NONCE_PURGE-th
 * nonce made (at random) deletes the expired ones in its write.
 * acmedb_nonce_new and acmedb_nonce_take open their own write sections;
 * acmedb_get and acmedb_put work inside the caller's section;
 * acmedb_issue and acmedb_revoke open their own (pki.h).
 */
#ifndef COFFER_ACMEDB_H
#define COFFER_ACMEDB_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "base/limits.h"
#include "ca/cadefs.h"
#include "ca/jws.h"

struct vault;
struct json_object;

#define ACME_ID_LEN      22   /* base64url of 16 random bytes */
#define ACME_NONCE_TTL   3600 /* seconds a nonce may wait for its request */
#define ACME_SERIAL_HEX  (2 * PKI_SERIAL_LEN)
#define ACME_NONCE_LEN   (8 + ACME_ID_LEN) /* expiry in hex, then an id */
#define ACME_NONCE_PURGE 64 /* 1 in this many new nonces purges */
#define ACME_ACCT_ID_MAX 64 /* an account id: see acmedb_acct_by_key */

/* A fresh id (nonces, orders, authorizations, challenge tokens). 0/-1. */
int acmedb_new_id(char out[ACME_ID_LEN + 1]);
/* Is s a string of base64url characters, 1..64 long (what every id and
 * thumbprint is)?  A key is built from it only then. */
int acmedb_id_ok(const char *s);

enum cf_status acmedb_nonce_new(
    struct vault *v, int64_t now, char out[ACME_NONCE_LEN + 1]);
/* CF_OK when nonce was issued, not used and not expired (it is used now);
 * CF_E_NOT_FOUND otherwise. */
enum cf_status acmedb_nonce_take(
    struct vault *v, const char *nonce, int64_t now);

/* kind: "acct", "order", "authz", "cert", "eab"; id checked by
 * acmedb_id_ok. */
enum cf_status acmedb_get(struct vault *v, const char *kind, const char *id,
    struct json_object **out);
enum cf_status acmedb_put(
    struct vault *v, const char *kind, const char *id, struct json_object *o);

/*
 * Accounts by key.  An account's id (its URL's last part, and the "acct"
 * of what it owns) is the thumbprint of the key it registered with, or a
 * fresh id when that thumbprint already names an account re-keyed since;
 * it never changes.  The record's "thumb" is its current key's thumbprint
 * (absent in records older than keyChange: the id), and m:acme:key:<thumb>
 * {"acct"} finds an account whose id is not its key's thumbprint.  The
 * account whose current key has thumbprint thumb: its id and record, or
 * CF_E_NOT_FOUND (a stale index included).  Inside the caller's section.
 */
enum cf_status acmedb_acct_by_key(struct vault *v, const char *thumb,
    char id[ACME_ACCT_ID_MAX + 1], struct json_object **out);
/* The thumbprint of the account record's current key (borrowed). */
const char *acmedb_acct_thumb(struct json_object *acct, const char *id);
/* The RFC 7638 thumbprint of a DER certificate's public key, for a
 * revokeCert signed by it; CF_E_NOT_FOUND when the key is not one a JWS
 * may be signed with, CF_E_BAD_REQUEST for bytes not a certificate. */
enum cf_status acmedb_cert_key_thumb(
    const uint8_t *der, size_t len, char thumb[JWS_THUMB_LEN + 1]);

/*
 * Issue for a finalize: csr (DER) must be signed by its key and ask for
 * exactly the names names[0..n) as dNSName SANs (any order, any case), or
 * CF_E_BAD_REQUEST with *detail.  The certificate has CN names[0] and
 * those SANs, is signed under the default profile and recorded (c:<serial
 * hex>) as every certificate is; its PEM in *pem (malloc'd), its serial in
 * serial (lowercase hex).
 */
enum cf_status acmedb_issue(struct vault *v, const uint8_t *csr, size_t len,
    char *const *names, size_t n, char **pem, char serial[ACME_SERIAL_HEX + 1],
    const char **detail);
/* The serial (lowercase hex) of a DER certificate issued by this CA
 * (its AKI is the CA's); CF_E_NOT_FOUND for another issuer's,
 * CF_E_BAD_REQUEST for bytes that are not a certificate. */
enum cf_status acmedb_cert_serial(struct vault *v, const uint8_t *der,
    size_t len, char serial[ACME_SERIAL_HEX + 1]);
/* Revoke the certificate (DER) with CRLReason reason (0..10, not 7);
 * *unchanged as pki_revoke_once sets it (revoked already). */
enum cf_status acmedb_revoke(struct vault *v, const uint8_t *der, size_t len,
    int reason, int *unchanged, const char **detail);

/*
 * External Account Binding keys (RFC 8555 7.3.4), one per team: a kid (an
 * ACME_ID_LEN id) and ACME_EAB_KEY_BYTES random bytes of HMAC key, bound
 * to a Coffer subject, "u:<uid>" or "g:<gid>" (the caller checks that it
 * exists).  The record {"subject", "key" (base64url), "status" ("valid"
 * or "revoked"), "created", "description"} is sealed like every record;
 * the key leaves the store only once, from acmedb_eab_new, and
 * acmedb_eab_list never shows it.  A key may bind any number of accounts;
 * each account names its kid ("eab"), so revoking the key stops both new
 * accounts and the orders of those it bound.
 */
#define ACME_EAB_KEY_BYTES   32
#define ACME_EAB_KEY_B64     43 /* base64url of the key, no padding */
#define ACME_EAB_SUBJECT_MAX (CF_MAX_UID + 2)

struct acmedb_eab {
	char subject[ACME_EAB_SUBJECT_MAX + 1];
	uint8_t key[ACME_EAB_KEY_BYTES];
	int valid; /* not revoked */
};

/* A new key for subject, in its own write: its kid, and the key as
 * base64url in hmac (the caller wipes it). */
enum cf_status acmedb_eab_new(struct vault *v, const char *subject,
    const char *description, int64_t now, char kid[ACME_ID_LEN + 1],
    char hmac[ACME_EAB_KEY_B64 + 1]);
/* The key kid in *out (the caller wipes it), inside the caller's
 * section; CF_E_NOT_FOUND when there is none. */
enum cf_status acmedb_eab_get(
    struct vault *v, const char *kid, struct acmedb_eab *out);
/* Mark kid revoked, in its own write; CF_E_NOT_FOUND when there is none. */
enum cf_status acmedb_eab_revoke(struct vault *v, const char *kid);
/* Every key, without its secret: [{"kid", "subject", "status",
 * "created", "description"}], in its own read. */
enum cf_status acmedb_eab_list(struct vault *v, struct json_object **out);

#endif
