/*
 * ocsp.c: the CA's OCSP responder, with OpenSSL's OCSP API: the request
 * parsed, each CertID answered from the certificate records, the answer
 * signed by the delegated responder, which is made here.  See ocsp.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/log.h"
#include "ca/cadefs.h"
#include "ca/cakey.h"
#include "ca/certdb.h"
#include "ca/certrec.h"
#include "ca/ocsp.h"
#include "crypto/crypto.h"
#include "vault/record.h"
#include "vault/vault.h"

#define SIGNER_KEY   "m:ocspsigner"
#define SIGNER_CN    "Coffer OCSP responder"
#define KEPT_REQ_MAX 512 /* bytes of a request whose answer is kept */

/* id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): its value is NULL. */
static const char oid_nocheck[] = "1.3.6.1.5.5.7.48.1.5";
static const unsigned char der_null[] = {0x05, 0x00};

/* This process's responder: its key and certificate, and the CA's. */
struct signer {
	EVP_PKEY *key;
	X509 *cert;
	X509 *ca;
	char *capem; /* the CA certificate it was made under */
	size_t capemlen;
	uint8_t ski[ID_LEN]; /* the CA's, as the records' AKIs say */
	size_t skilen;
	int64_t ca_not_after;
	int64_t not_after; /* the responder certificate's */
	int32_t epoch;
};

/* One answer kept: the request that asked it (its DER, exactly: the same
 * bytes ask the same one question without a nonce), what the store said
 * (found, and the record), the change counter it was last found current
 * at, under which epoch, and the signed OCSPResponse (buf: the answer's
 * len bytes, then the request's reqlen) with its ETag. */
struct kept {
	uint8_t *buf;
	size_t len;
	size_t reqlen;
	enum cf_status found;
	struct certdb_status rec;
	uint64_t changes;
	int32_t epoch;
	int64_t made;
	char etag[OCSP_ETAG_LEN + 1];
};

static struct signer signer;
static struct kept kept[OCSP_CACHE];

static void
kept_drop(void)
{
	size_t i;

	for (i = 0; i < OCSP_CACHE; i++)
		free(kept[i].buf);
	memset(kept, 0, sizeof(kept));
}

static void
signer_drop(void)
{
	EVP_PKEY_free(signer.key);
	X509_free(signer.cert);
	X509_free(signer.ca);
	free(signer.capem);
	memset(&signer, 0, sizeof(signer));
	kept_drop();
}

int
ocsp_request_parse(const uint8_t *der, size_t len, OCSP_REQUEST **out)
{
	const unsigned char *p = der;
	OCSP_REQUEST *req;
	int n;

	*out = NULL;
	if (len == 0 || len > OCSP_MAX_REQUEST)
		return -1;
	if ((req = d2i_OCSP_REQUEST(NULL, &p, (long)len)) == NULL)
		return -1;
	n = OCSP_request_onereq_count(req);
	if (p != der + len || n < 1 || n > OCSP_MAX_QUESTIONS) {
		OCSP_REQUEST_free(req);
		return -1;
	}
	*out = req;
	return 0;
}

/* A new responder certificate for a new P-256 key, issued by the CA, as
 * PEM: the key's, then the certificate's, in *pem (the caller wipes and
 * frees it). */
static enum cf_status
signer_make(struct vault *v, int64_t now, uint8_t **pem, size_t *pemlen)
{
	struct pki_ca *ca = NULL;
	gnutls_x509_privkey_t k = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kp = {NULL, 0}, cp = {NULL, 0};
	uint8_t serial[PKI_SERIAL_LEN], id[ID_LEN];
	size_t idlen = sizeof(id);
	time_t na;
	enum cf_status st;

	if ((st = cakey_load(v, &ca)) != CF_OK)
		return st;
	st = CF_E_INTERNAL;
	na = (time_t)(now + OCSP_SIGNER_LIFE);
	if (na > gnutls_x509_crt_get_expiration_time(ca->crt))
		na = gnutls_x509_crt_get_expiration_time(ca->crt);
	if (cakey_serial(serial) != 0 ||
	    gt(gnutls_x509_privkey_init(&k), "privkey_init") < 0 ||
	    gt(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
	           GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
	        "responder key") < 0 ||
	    gt(gnutls_x509_privkey_get_key_id(
	           k, GNUTLS_KEYID_USE_SHA1, id, &idlen),
	        "responder key id") < 0 ||
	    gt(gnutls_x509_crt_init(&crt), "crt_init") < 0 ||
	    gt(gnutls_x509_crt_set_version(crt, 3), "version") < 0 ||
	    gt(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)),
	        "serial") < 0 ||
	    gt(gnutls_x509_crt_set_activation_time(crt, (time_t)now - BACKDATE),
	        "notBefore") < 0 ||
	    gt(gnutls_x509_crt_set_expiration_time(crt, na), "notAfter") < 0 ||
	    gt(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
	           0, SIGNER_CN, sizeof(SIGNER_CN) - 1),
	        "subject") < 0 ||
	    gt(gnutls_x509_crt_set_key(crt, k), "key") < 0 ||
	    gt(gnutls_x509_crt_set_basic_constraints(crt, 0, -1), "bc") < 0 ||
	    gt(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE),
	        "key usage") < 0 ||
	    gt(gnutls_x509_crt_set_key_purpose_oid(
	           crt, GNUTLS_KP_OCSP_SIGNING, 0),
	        "eku") < 0 ||
	    gt(gnutls_x509_crt_set_extension_by_oid(
	           crt, oid_nocheck, der_null, sizeof(der_null), 0),
	        "ocsp nocheck") < 0 ||
	    gt(gnutls_x509_crt_set_subject_key_id(crt, id, idlen), "ski") < 0 ||
	    gt(gnutls_x509_crt_set_authority_key_id(crt, ca->ski, ca->skilen),
	        "aki") < 0 ||
	    gt(gnutls_x509_crt_privkey_sign(crt, ca->crt, ca->key, ca->dig, 0),
	        "sign responder") < 0 ||
	    gt(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &kp),
	        "export responder key") < 0 ||
	    gt(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cp),
	        "export responder") < 0 ||
	    (*pem = malloc(kp.size + cp.size)) == NULL)
		goto out;
	memcpy(*pem, kp.data, kp.size);
	memcpy(*pem + kp.size, cp.data, cp.size);
	*pemlen = kp.size + cp.size;
	st = CF_OK;
out:
	if (kp.data != NULL)
		crypto_wipe(kp.data, kp.size);
	gnutls_free(kp.data);
	gnutls_free(cp.data);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (k != NULL)
		gnutls_x509_privkey_deinit(k);
	cakey_free(ca);
	return st;
}

/* Does the responder certificate (ending at not_after) last past the
 * time it must be made again: OCSP_SIGNER_RENEW seconds from now, or the
 * CA's own end when that comes first (a responder never outlasts its
 * CA)? */
static int
signer_fresh(int64_t not_after, int64_t now)
{
	int64_t by = now + OCSP_SIGNER_RENEW;

	if (signer.ca_not_after - 1 < by)
		by = signer.ca_not_after - 1;
	return not_after > by;
}

/* A certificate's notAfter as a time, or 0. */
static int64_t
not_after_of(const X509 *cert)
{
	struct tm tm;
	time_t t;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1 ||
	    (t = timegm(&tm)) == (time_t)-1)
		return 0;
	return (int64_t)t;
}

/* Parse the record's PEM into signer.key and signer.cert: 0, or -1 when
 * it does not hold a key and a certificate the CA issued that has more
 * than OCSP_SIGNER_RENEW seconds left (signer_fresh). */
static int
signer_parse(const uint8_t *pem, size_t len, int64_t now)
{
	BIO *b;
	int ok;

	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return -1;
	signer.key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	signer.cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ok = signer.key != NULL && signer.cert != NULL &&
	     X509_check_private_key(signer.cert, signer.key) == 1 &&
	     X509_verify(signer.cert, X509_get0_pubkey(signer.ca)) == 1 &&
	     (signer.not_after = not_after_of(signer.cert)) != 0 &&
	     signer_fresh(signer.not_after, now);
	if (!ok) {
		EVP_PKEY_free(signer.key);
		X509_free(signer.cert);
		signer.key = NULL;
		signer.cert = NULL;
		return -1;
	}
	return 0;
}

/* Read the responder, or make it (again) and write it. */
static enum cf_status
signer_load(struct vault *v, int64_t now)
{
	uint8_t *pem = NULL, *other = NULL;
	size_t len = 0, otherlen = 0;
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = vault_get(v, SIGNER_KEY, &pem, &len);
	vault_read_end(v);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		return st;
	if (st == CF_OK && signer_parse(pem, len, now) == 0) {
		record_free(pem, len);
		return CF_OK;
	}
	record_free(pem, len);
	pem = NULL;
	/* Made before the write lock; a worker that finds, under the
	 * lock, that another made one first takes that one and throws its
	 * own away, so the workers sign with one responder. */
	if ((st = signer_make(v, now, &pem, &len)) != CF_OK)
		return st;
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	if (vault_get(v, SIGNER_KEY, &other, &otherlen) == CF_OK &&
	    signer_parse(other, otherlen, now) == 0) {
		vault_abort(v);
		goto out;
	}
	if ((st = vault_put(v, RECORD_META, SIGNER_KEY, pem, len)) != CF_OK) {
		vault_abort(v);
		goto out;
	}
	if ((st = vault_commit(v)) == CF_OK) {
		st = signer_parse(pem, len, now) == 0 ? CF_OK : CF_E_INTERNAL;
		linfo("OCSP responder certificate made");
	}
out:
	record_free(other, otherlen);
	crypto_wipe(pem, len);
	free(pem);
	return st;
}

/* The responder for this request: kept while the epoch and the CA last. */
static enum cf_status
signer_current(struct vault *v, int64_t now)
{
	const struct ca_cache *cc;
	BIO *b;
	enum cf_status st;

	if ((st = cakey_current(v, &cc)) != CF_OK)
		return st;
	if (signer.key != NULL && signer.epoch == vault_epoch(v) &&
	    signer.capemlen == cc->pemlen &&
	    !memcmp(signer.capem, cc->pem, cc->pemlen) &&
	    signer_fresh(signer.not_after, now))
		return CF_OK;
	signer_drop();
	st = CF_E_INTERNAL;
	if ((signer.capem = malloc(cc->pemlen)) == NULL)
		goto out;
	memcpy(signer.capem, cc->pem, cc->pemlen);
	signer.capemlen = cc->pemlen;
	memcpy(signer.ski, cc->ski, cc->skilen);
	signer.skilen = cc->skilen;
	signer.ca_not_after = cc->not_after;
	if ((b = BIO_new_mem_buf(cc->pem, (int)cc->pemlen)) == NULL)
		goto out;
	signer.ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (signer.ca == NULL || vault_hold(v, signer_drop) != 0)
		goto out;
	if ((st = signer_load(v, now)) != CF_OK)
		goto out;
	signer.epoch = vault_epoch(v);
out:
	if (st != CF_OK)
		signer_drop();
	return st;
}

/* Is cid one of our CA's CertIDs (in the hash it names)? */
static int
ours(OCSP_CERTID *cid)
{
	ASN1_OBJECT *alg = NULL;
	const EVP_MD *md;
	OCSP_CERTID *mine;
	int same;

	if (OCSP_id_get0_info(NULL, &alg, NULL, NULL, cid) != 1 ||
	    (md = EVP_get_digestbyobj(alg)) == NULL ||
	    (mine = OCSP_cert_to_id(md, NULL, signer.ca)) == NULL)
		return 0;
	same = OCSP_id_issuer_cmp(mine, cid) == 0;
	OCSP_CERTID_free(mine);
	return same;
}

/* The record's word on cid: CF_OK with *rec, CF_E_NOT_FOUND for unknown,
 * or the store's failure. */
static enum cf_status
lookup(struct vault *v, OCSP_CERTID *cid, struct certdb_status *rec)
{
	ASN1_INTEGER *serial = NULL;

	if (!ours(cid) ||
	    OCSP_id_get0_info(NULL, NULL, NULL, &serial, cid) != 1 ||
	    ASN1_STRING_type(serial) != V_ASN1_INTEGER ||
	    ASN1_STRING_length(serial) < 1)
		return CF_E_NOT_FOUND;
	return certdb_status(v, ASN1_STRING_get0_data(serial),
	    (size_t)ASN1_STRING_length(serial), signer.ski, signer.skilen, rec);
}

/* Add cid's answer to bs. */
static int
add_status(OCSP_BASICRESP *bs, OCSP_CERTID *cid, enum cf_status found,
    const struct certdb_status *rec, int64_t now)
{
	ASN1_GENERALIZEDTIME *tu, *nu, *rt = NULL;
	int status = V_OCSP_CERTSTATUS_UNKNOWN, reason = 0, ok;

	tu = ASN1_GENERALIZEDTIME_set(NULL, (time_t)now);
	nu = ASN1_GENERALIZEDTIME_set(NULL, (time_t)(now + OCSP_VALIDITY));
	if (found == CF_OK && rec->status == CERTREC_GOOD)
		status = V_OCSP_CERTSTATUS_GOOD;
	if (found == CF_OK && rec->status == CERTREC_REVOKED) {
		status = V_OCSP_CERTSTATUS_REVOKED;
		/* RFC 5280 5.3.1: unspecified is said by leaving it out. */
		reason = rec->reason == 0 ? OCSP_REVOKED_STATUS_NOSTATUS
		                          : rec->reason;
		rt = ASN1_GENERALIZEDTIME_set(NULL, (time_t)rec->revoked_at);
	}
	ok =
	    tu != NULL && nu != NULL &&
	    (status != V_OCSP_CERTSTATUS_REVOKED || rt != NULL) &&
	    OCSP_basic_add1_status(bs, cid, status, reason, rt, tu, nu) != NULL;
	ASN1_GENERALIZEDTIME_free(tu);
	ASN1_GENERALIZEDTIME_free(nu);
	ASN1_GENERALIZEDTIME_free(rt);
	return ok ? 0 : -1;
}

/* An OCSPResponse as DER (malloc'd); bs NULL for an error status. */
static enum cf_status
respond(int status, OCSP_BASICRESP *bs, enum cf_status st, uint8_t **out,
    size_t *len)
{
	OCSP_RESPONSE *r;
	unsigned char *der = NULL;
	int n;

	*out = NULL;
	if ((r = OCSP_response_create(status, bs)) == NULL)
		return CF_E_INTERNAL;
	n = i2d_OCSP_RESPONSE(r, &der);
	OCSP_RESPONSE_free(r);
	if (n <= 0)
		return CF_E_INTERNAL;
	if ((*out = malloc((size_t)n)) != NULL) {
		memcpy(*out, der, (size_t)n);
		*len = (size_t)n;
	}
	OPENSSL_free(der);
	return *out != NULL ? st : CF_E_INTERNAL;
}

/* The answer's ETag: the hex of the first half of its SHA-256. */
static int
etag_of(const uint8_t *der, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t h[32];
	size_t i;

	if (crypto_sha256(der, len, h) != 0)
		return -1;
	for (i = 0; i < OCSP_ETAG_LEN / 2; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 0xf];
	}
	out[OCSP_ETAG_LEN] = '\0';
	return 0;
}

/* The two slots a request may be kept in: two ways, so that two
 * requests asked in turn whose hashes meet do not throw each other out
 * (and sign) every time. */
static struct kept *
slots(const uint8_t *req, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ req[i]) * 16777619u;
	return &kept[h % (OCSP_CACHE / 2) * 2];
}

static int
holds(const struct kept *k, const uint8_t *req, size_t len)
{
	return k->buf != NULL && k->reqlen == len &&
	       memcmp(k->buf + k->len, req, len) == 0;
}

/* The kept answer to exactly these request bytes, made in this epoch
 * less than half its validity ago, or NULL. */
static struct kept *
kept_get(struct vault *v, const uint8_t *req, size_t len, int64_t now)
{
	struct kept *k = slots(req, len);

	if (!holds(k, req, len))
		k++;
	if (!holds(k, req, len) || k->epoch != vault_epoch(v) ||
	    now < k->made || now - k->made >= OCSP_VALIDITY / 2 ||
	    signer.key == NULL || !signer_fresh(signer.not_after, now))
		return NULL;
	return k;
}

/* The same, if the store still says what it said when it was made. */
static struct kept *
kept_find(struct vault *v, const uint8_t *req, size_t len, enum cf_status found,
    const struct certdb_status *rec, int64_t now)
{
	struct kept *k = kept_get(v, req, len, now);

	if (k == NULL || k->found != found ||
	    (found == CF_OK &&
	        (k->rec.status != rec->status || k->rec.reason != rec->reason ||
	            k->rec.revoked_at != rec->revoked_at)))
		return NULL;
	return k;
}

static void
kept_put(struct vault *v, const uint8_t *req, size_t reqlen,
    enum cf_status found, const struct certdb_status *rec, uint64_t changes,
    int64_t now, const uint8_t *der, size_t len, const char *etag)
{
	struct kept *k = slots(req, reqlen);
	uint8_t *buf;

	/* Its own slot, else an empty one, else the older. */
	if (!holds(k, req, reqlen) &&
	    (holds(k + 1, req, reqlen) ||
	        (k->buf != NULL && (k[1].buf == NULL || k[1].made < k->made))))
		k++;
	if ((buf = malloc(len + reqlen)) == NULL)
		return;
	memcpy(buf, der, len);
	memcpy(buf + len, req, reqlen);
	free(k->buf);
	k->buf = buf;
	k->len = len;
	k->reqlen = reqlen;
	k->found = found;
	k->rec = *rec;
	k->changes = changes;
	k->epoch = vault_epoch(v);
	k->made = now;
	memcpy(k->etag, etag, sizeof(k->etag));
}

/* A copy of k's answer, and what HTTP may say of it. */
static enum cf_status
kept_give(const struct kept *k, uint8_t **resp, size_t *resplen,
    struct ocsp_fresh *fresh)
{
	if ((*resp = malloc(k->len)) == NULL)
		return CF_E_INTERNAL;
	memcpy(*resp, k->buf, k->len);
	*resplen = k->len;
	fresh->this_update = k->made;
	fresh->next_update = k->made + OCSP_VALIDITY;
	memcpy(fresh->etag, k->etag, sizeof(fresh->etag));
	return CF_OK;
}

/* The store's change counter (backend.h), in a read section of its own:
 * taken before the records an answer is made from are read, so that the
 * same number later says nothing changed since. */
static enum cf_status
changes_now(struct vault *v, uint64_t *out)
{
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	*out = vault_changes(v);
	vault_read_end(v);
	return CF_OK;
}

/* The error answer for a store or responder that failed with st. */
static enum cf_status
respond_failed(enum cf_status st, uint8_t **resp, size_t *resplen)
{
	return respond(st == CF_E_INTERNAL ? OCSP_RESPONSE_STATUS_INTERNALERROR
	                                   : OCSP_RESPONSE_STATUS_TRYLATER,
	    NULL, st, resp, resplen);
}

enum cf_status
pki_ocsp(struct vault *v, const uint8_t *der, size_t len, int64_t now,
    uint8_t **resp, size_t *resplen, struct ocsp_fresh *fresh)
{
	OCSP_REQUEST *req = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *cid;
	struct certdb_status rec;
	struct kept *k;
	uint64_t changes = 0;
	int i, n, cacheable, keep;
	enum cf_status st, found = CF_E_NOT_FOUND;

	*resp = NULL;
	memset(fresh, 0, sizeof(*fresh));
	/* The very bytes of a kept answer's request, and nothing committed
	 * since it was last found current (a revocation, a new CA, a new
	 * responder all are commits): that answer, with neither a parse nor
	 * a record read. */
	if (vault_ready(v) == CF_OK &&
	    (k = kept_get(v, der, len, now)) != NULL &&
	    changes_now(v, &changes) == CF_OK && changes == k->changes)
		return kept_give(k, resp, resplen, fresh);
	if (ocsp_request_parse(der, len, &req) != 0)
		return respond(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, NULL,
		    CF_E_BAD_REQUEST, resp, resplen);
	if ((st = vault_ready(v)) != CF_OK ||
	    (st = signer_current(v, now)) != CF_OK) {
		OCSP_REQUEST_free(req);
		return respond_failed(st, resp, resplen);
	}
	n = OCSP_request_onereq_count(req);
	/* A nonce makes an answer the one client's (RFC 8954): never kept,
	 * here or by HTTP caches. */
	cacheable =
	    OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) < 0;
	keep = cacheable && n == 1 && len <= KEPT_REQ_MAX;
	if (keep && (st = changes_now(v, &changes)) != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if ((bs = OCSP_BASICRESP_new()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		memset(&rec, 0, sizeof(rec));
		found = lookup(v, cid, &rec);
		if (found != CF_OK && found != CF_E_NOT_FOUND) {
			st = found;
			goto out;
		}
		if (keep &&
		    (k = kept_find(v, der, len, found, &rec, now)) != NULL) {
			k->changes = changes; /* current again */
			st = kept_give(k, resp, resplen, fresh);
			goto out;
		}
		if (add_status(bs, cid, found, &rec, now) != 0)
			goto out;
	}
	if (OCSP_copy_nonce(bs, req) == 0 ||
	    OCSP_basic_sign(bs, signer.cert, signer.key, EVP_sha256(), NULL,
	        OCSP_RESPID_KEY) != 1)
		goto out;
	st = respond(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs, CF_OK, resp, resplen);
	if (st == CF_OK && cacheable &&
	    etag_of(*resp, *resplen, fresh->etag) == 0) {
		fresh->this_update = now;
		fresh->next_update = now + OCSP_VALIDITY;
		if (keep)
			kept_put(v, der, len, found, &rec, changes, now, *resp,
			    *resplen, fresh->etag);
	}
out:
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	if (st != CF_OK && *resp == NULL) {
		lwarnx("OCSP: no answer signed (%s)", errors_name(st));
		return respond_failed(st, resp, resplen);
	}
	return st;
}
