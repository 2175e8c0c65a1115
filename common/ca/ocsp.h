/*
 * ocsp.h: the CA's OCSP responder (RFC 6960): a DER OCSPRequest in, a DER
 * OCSPResponse out, always, so the dialect only carries bytes.
 *
 * Each certificate asked about is answered from its record (certdb.h):
 * good, revoked (with the time and the CRLReason), or unknown for a serial
 * this CA never issued and for a CertID naming another issuer (RFC 6960
 * 2.2: the responder does not know it).  The answer is signed by a
 * delegated responder (RFC 6960 4.2.2.2): a P-256 key and a certificate
 * the CA issued to it, EKU id-kp-OCSPSigning and id-pkix-ocsp-nocheck,
 * kept in the store as the sealed record m:ocspsigner (its key's PEM, then
 * the certificate's), made on first use and made again when it has less
 * than OCSP_SIGNER_RENEW seconds left (or its CA ends sooner), or the CA
 * changed.  The
 * responder's certificate goes with every answer, so a client that trusts
 * the CA verifies it.
 *
 * Invariants:
 *   - ocsp_request_parse is the only reader of the client's bytes, and
 *     is pure (tests/fuzz/fuzz_ocsp.c): exactly one DER OCSPRequest, no
 *     trailing byte, 1 to OCSP_MAX_QUESTIONS CertIDs; else refused.
 *   - A request asks nothing of the store but reads: only the responder's
 *     own key and certificate are ever written, by the first request that
 *     needs them.
 *   - Each process keeps the parsed responder key only while vault_epoch()
 *     is the one it was read in and the CA certificate is the one it was
 *     made from (cakey.h's rule for the CA key), and drops it with the
 *     store's keys (vault_hold).
 *   - thisUpdate is the time of the answer, nextUpdate OCSP_VALIDITY
 *     later.  An answer to one question without a nonce is kept by the
 *     process that made it (by the request's exact bytes, in OCSP_CACHE
 *     slots, two to a hash) while at least half of its validity is
 *     left, with the store's change counter (backend.h) taken before its
 *     record was read.  The same bytes again get it back while the
 *     counter is the same (nothing was committed since: no parse, no
 *     record read); once the counter moved, while the record still says
 *     what it said (a read, no signature).  So a revocation (a commit,
 *     whichever API made it) is in every worker's next answer.  Sealed,
 *     nothing is given from it (vault_ready first), and it goes with the
 *     keys.  A nonce is echoed (RFC 8954), and such an answer is never
 *     kept.
 *   - An answer HTTP caches may keep (RFC 5019 6.2) is a successful one
 *     without a nonce: struct ocsp_fresh says so, and when it is good.
 */
#ifndef COFFER_OCSP_H
#define COFFER_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ocsp.h>

#include "base/errors.h"

struct vault;

#define OCSP_MAX_REQUEST   65536   /* bytes of a request, POST or GET */
#define OCSP_MAX_QUESTIONS 16      /* CertIDs in one request */
#define OCSP_VALIDITY      3600    /* seconds from thisUpdate to nextUpdate */
#define OCSP_SIGNER_LIFE   2592000 /* 30 days: the responder certificate */
#define OCSP_SIGNER_RENEW  604800  /* 7 days left: make a new one */
#define OCSP_CACHE         256     /* answers kept per process */
#define OCSP_ETAG_LEN      32      /* hex digits of an answer's ETag */

/* What HTTP may say of an answer (RFC 5019 6.2): thisUpdate, nextUpdate
 * and an ETag (hex of its SHA-256, cut) for a successful answer without a
 * nonce, which any cache may keep until nextUpdate; all zero (next_update
 * 0) for any other. */
struct ocsp_fresh {
	int64_t this_update;
	int64_t next_update;
	char etag[OCSP_ETAG_LEN + 1];
};

/* The request's bytes as an OCSP_REQUEST (*out, the caller frees it with
 * OCSP_REQUEST_free), or -1 (*out NULL) when they are not exactly one
 * OCSPRequest asking 1 to OCSP_MAX_QUESTIONS questions. */
int ocsp_request_parse(const uint8_t *der, size_t len, OCSP_REQUEST **out);

/*
 * Answer a request: *resp (malloc'd, *resplen bytes) is always a DER
 * OCSPResponse, unless the return is CF_E_INTERNAL with *resp NULL (out of
 * memory).  CF_OK: successful, signed.  CF_E_BAD_REQUEST: malformedRequest.
 * CF_E_SEALED (or the store's failure): tryLater, as RFC 6960 says for a
 * responder that cannot answer now.  CF_E_INTERNAL: internalError.
 * *fresh is always set.
 */
enum cf_status pki_ocsp(struct vault *v, const uint8_t *req, size_t len,
    int64_t now, uint8_t **resp, size_t *resplen, struct ocsp_fresh *fresh);

#endif
