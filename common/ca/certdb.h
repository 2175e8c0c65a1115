/*
 * certdb.h: the records of issued certificates, and what reads them:
 * certinfo, certificates, revoke and the CRL.
 *
 * Every issued certificate is recorded (sealed record c:<serial hex>:
 * serial, AKI, status, times, DER, in certrec.h's binary format) in the
 * same write as nothing else, before it is answered.  The request-facing
 * functions take the request's JSON (borrowed), build CFSSL's `result`
 * into *result (a new json-c reference the caller puts), and on failure
 * set *detail to a fixed string of ours, as pki.h's do.
 */
#ifndef COFFER_CERTDB_H
#define COFFER_CERTDB_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

struct vault;
struct json_object;

/* Record an issued certificate (c:<serial hex>, certrec.h's format), in
 * its own write. */
enum cf_status certdb_record(struct vault *v, const uint8_t *serial,
    size_t slen, const uint8_t *aki, size_t akilen, int64_t nb, int64_t na,
    const uint8_t *der, size_t derlen);

/* A certificate's status, for OCSP: CERTREC_GOOD or CERTREC_REVOKED with
 * the CRLReason and revocation time.  Exactly the record of this serial
 * issued under this authority key id; CF_E_NOT_FOUND for any other.  Opens
 * its own read section. */
struct certdb_status {
	uint8_t status;
	uint8_t reason;
	int64_t revoked_at;
};
enum cf_status certdb_status(struct vault *v, const uint8_t *serial,
    size_t slen, const uint8_t *aki, size_t akilen, struct certdb_status *out);

/* certinfo: {certificate} or {serial, authority_key_id}. */
enum cf_status pki_certinfo(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* certificates (DC/OS): {serial, authority_key_id, expired_ok} -> array. */
enum cf_status pki_certificates(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/* revoke: {serial (decimal), authority_key_id (hex), reason} -> {}. */
enum cf_status pki_revoke(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail);
/*
 * The same, for the callers that tell a second revocation apart (ACME's
 * alreadyRevoked).  A revocation stands as first made: its time never
 * moves (OCSP and the CRL would then say the certificate was good for
 * longer than it was), and only keyCompromise replaces an earlier reason,
 * the one a CA learns later (RFC 5280 5.3.1).  *unchanged is set when the
 * certificate was revoked already and this request changed nothing.
 */
enum cf_status pki_revoke_once(struct vault *v, struct json_object *req,
    int *unchanged, const char **detail);
/* crl: the base64 DER of a CRL signed by the CA, valid `lifetime` s. */
enum cf_status pki_crl(struct vault *v, int64_t lifetime,
    struct json_object **result, const char **detail);

#endif
