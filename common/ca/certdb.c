/*
 * certdb.c: the records of issued certificates (sealed c:<serial hex>,
 * whose bytes certrec.c reads and writes): recording one as it is issued,
 * and the operations over them: certinfo, the DC/OS certificates list,
 * revoke and the CRL.  See certdb.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/metrics.h"
#include "ca/cadefs.h"
#include "ca/cakey.h"
#include "ca/certdb.h"
#include "ca/certfacts.h"
#include "ca/certrec.h"
#include "ca/x509.h"
#include "vault/record.h"
#include "vault/vault.h"

#define CERT_PFX "c:"
#define KEY_LEN  (2 + 2 * CERTREC_MAX_ID + 1) /* c:<serial hex> */

static int
hex_normal(const char *in, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	char c;

	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == ':')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* The store key of a serial: CERT_PFX and the serial's bytes in hex. */
static int
key_of(const uint8_t *serial, size_t n, char *key, size_t keylen)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	if (n == 0 || n > CERTREC_MAX_ID || keylen < KEY_LEN)
		return -1;
	memcpy(key, CERT_PFX, 2);
	for (i = 0; i < n; i++) {
		key[2 + 2 * i] = hx[serial[i] >> 4];
		key[3 + 2 * i] = hx[serial[i] & 15];
	}
	key[2 + 2 * n] = '\0';
	return 0;
}

/* Do the n bytes at b read as hex (lowercase, as hex_normal makes it)? */
static int
hex_is(const uint8_t *b, size_t n, const char *hex)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	if (strlen(hex) != 2 * n)
		return 0;
	for (i = 0; i < n; i++)
		if (hex[2 * i] != hx[b[i] >> 4] ||
		    hex[2 * i + 1] != hx[b[i] & 15])
			return 0;
	return 1;
}

enum cf_status
certdb_record(struct vault *v, const uint8_t *serial, size_t slen,
    const uint8_t *aki, size_t akilen, int64_t nb, int64_t na,
    const uint8_t *der, size_t derlen)
{
	struct certrec r;
	uint8_t *b = NULL;
	size_t len;
	char key[KEY_LEN];
	enum cf_status st;

	memset(&r, 0, sizeof(r));
	r.status = CERTREC_GOOD;
	r.not_before = nb;
	r.expiry = na;
	r.issued_at = (int64_t)time(NULL);
	r.serial = serial;
	r.seriallen = slen;
	r.aki = aki;
	r.akilen = akilen;
	r.der = der;
	r.derlen = derlen;
	if (key_of(serial, slen, key, sizeof(key)) != 0 ||
	    certrec_encode(&r, &b, &len) != 0)
		return CF_E_INTERNAL;
	if ((st = vault_write_begin(v)) == CF_OK) {
		st = vault_put(v, RECORD_META, key, b, len);
		if (st == CF_OK)
			st = vault_commit(v);
		else
			vault_abort(v);
		if (st == CF_OK)
			metrics_count(METRICS_CERTS_ISSUED);
	}
	free(b);
	return st;
}

/* One record read from the store: r borrows buf. */
struct loaded {
	uint8_t *buf;
	size_t len;
	struct certrec r;
};

static void
loaded_free(struct loaded *l)
{
	record_free(l->buf, l->len);
	l->buf = NULL;
}

/*
 * In a section: the record under key.  A record an older build wrote as
 * JSON is read as if it were this build's, so its store keeps working; it
 * is rewritten in this format only when it changes (revoke).
 */
static enum cf_status
record_read(struct vault *v, const char *key, struct loaded *l)
{
	uint8_t *pt = NULL, *up = NULL;
	size_t len = 0, uplen = 0;
	enum cf_status st;

	if ((st = vault_get(v, key, &pt, &len)) != CF_OK)
		return st;
	if (len > 0 && pt[0] != CERTREC_FORMAT &&
	    certrec_from_json(pt, len, &up, &uplen) == 0) {
		record_free(pt, len);
		pt = up;
		len = uplen;
	}
	if (certrec_decode(pt, len, &l->r) != 0) {
		lwarnx("record %s is not a certificate record", key);
		record_free(pt, len);
		return CF_E_INTERNAL;
	}
	l->buf = pt;
	l->len = len;
	return CF_OK;
}

enum cf_status
certdb_status(struct vault *v, const uint8_t *serial, size_t slen,
    const uint8_t *aki, size_t akilen, struct certdb_status *out)
{
	struct loaded l;
	char key[KEY_LEN];
	enum cf_status st;

	if (key_of(serial, slen, key, sizeof(key)) != 0)
		return CF_E_NOT_FOUND;
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = record_read(v, key, &l);
	vault_read_end(v);
	if (st != CF_OK)
		return st;
	if (l.r.akilen != akilen || memcmp(l.r.aki, aki, akilen) != 0)
		st = CF_E_NOT_FOUND;
	out->status = l.r.status;
	out->reason = l.r.reason;
	out->revoked_at = l.r.revoked_at;
	loaded_free(&l);
	return st;
}

/* CRLReason (RFC 5280 5.3.1) by code; 7 is unused. */
#define REASON_KEY_COMPROMISE 1
static const char *const reasons[] = {"unspecified", "keycompromise",
    "cacompromise", "affiliationchanged", "superseded", "cessationofoperation",
    "certificatehold", "", "removefromcrl", "privilegewithdrawn",
    "aacompromise"};

/* CFSSL's certinfo of a record's certificate, whose PEM is made here: the
 * record keeps only the DER. */
static enum cf_status
record_facts(
    const struct certrec *r, struct json_object **out, const char **detail)
{
	gnutls_x509_crt_t crt = NULL;
	char *pem;
	size_t len;
	enum cf_status st;

	if ((pem = x509_pem(r->der, r->derlen, &len)) == NULL)
		return CF_E_INTERNAL;
	if ((st = certfacts_import(pem, len, &crt, detail)) == CF_OK) {
		*out = certfacts_json(crt, pem);
		gnutls_x509_crt_deinit(crt);
	}
	free(pem);
	return st;
}

/* A good certificate's revocation time: what CFSSL's certdb record holds
 * then (Go's zero time.Time), since DC/OS's CertificateDescription
 * requires revoked_at and reason on every entry. */
static const char never_revoked[] = "0001-01-01T00:00:00Z";

/* A record as DC/OS's CertificateDescription (certinfo plus status). */
static struct json_object *
describe(const struct certrec *r)
{
	struct json_object *o;
	const char *dummy;

	if (record_facts(r, &o, &dummy) != CF_OK)
		return NULL;
	if (r->status == CERTREC_REVOKED) {
		add_str(o, "status", "revoked");
		add_str(o, "reason", reasons[r->reason]);
		add_time(o, "revoked_at", r->revoked_at);
	} else {
		/* CFSSL's good records: reason 0, unspecified. */
		add_str(o, "status", "good");
		add_str(o, "reason", reasons[0]);
		add_str(o, "revoked_at", never_revoked);
	}
	add_str(o, "ca_label", "");
	return o;
}

/* The certificates filter: serial in decimal and aki in hex, each "" for
 * any. */
static int
wanted(const struct certrec *r, const char *serial, const char *aki,
    int expired_ok, int64_t now)
{
	char dec[160];

	if (!expired_ok && r->expiry <= now)
		return 0;
	if (aki[0] != '\0' && !hex_is(r->aki, r->akilen, aki))
		return 0;
	return serial[0] == '\0' || (certfacts_serial_decimal(r->serial,
	                                 r->seriallen, dec, sizeof(dec)) == 0 &&
	                                !strcmp(dec, serial));
}

enum cf_status
pki_certificates(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	struct vault_keylist c = {NULL, 0, 0, 0};
	struct json_object *d, *arr = NULL;
	struct loaded l;
	const char *serial = "", *aki = "";
	char akin[129];
	size_t slen = 0, alen = 0, i;
	int expired_ok = 0;
	int64_t now = (int64_t)time(NULL);
	enum cf_status st;

	if (cf_json_string(req, "serial", &serial, &slen) == CF_E_BAD_JSON ||
	    cf_json_string(req, "authority_key_id", &aki, &alen) ==
	        CF_E_BAD_JSON ||
	    cf_json_bool(req, "expired_ok", &expired_ok) == CF_E_BAD_JSON ||
	    strspn(serial, "0123456789") != slen ||
	    hex_normal(aki, alen, akin, sizeof(akin)) != 0) {
		*detail = "malformed serial or authority_key_id";
		return CF_E_BAD_REQUEST;
	}
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_list_keys(v, CERT_PFX, &c)) != CF_OK)
		goto out;
	arr = jb_array();
	for (i = 0; i < c.n; i++) {
		if ((st = record_read(v, c.k[i], &l)) != CF_OK)
			goto out;
		if (wanted(&l.r, serial, akin, expired_ok, now) &&
		    (d = describe(&l.r)) != NULL)
			jb_push(arr, d);
		loaded_free(&l);
	}
	st = CF_OK;
	*result = arr;
	arr = NULL;
out:
	vault_read_end(v);
	json_object_put(arr);
	vault_keylist_free(&c);
	return st;
}

/* The record key of a decimal serial, or -1 when malformed. */
static int
record_key(const char *serial, size_t slen, char *key, size_t keylen)
{
	uint8_t b[CERTREC_MAX_ID];
	size_t n;

	if (certrec_serial_from_decimal(serial, slen, b, &n) != 0)
		return -1;
	return key_of(b, n, key, keylen);
}

/* In a section: the record of {serial, authority_key_id}. */
static enum cf_status
find_record(struct vault *v, struct json_object *req, struct loaded *l,
    char *key, size_t keylen, const char **detail)
{
	const char *serial, *aki;
	char akin[129];
	size_t slen, alen;
	enum cf_status st;

	if (cf_json_string(req, "serial", &serial, &slen) != CF_OK ||
	    cf_json_string(req, "authority_key_id", &aki, &alen) != CF_OK ||
	    record_key(serial, slen, key, keylen) != 0 ||
	    hex_normal(aki, alen, akin, sizeof(akin)) != 0) {
		*detail = "serial (decimal) and authority_key_id (hex) are "
		          "required";
		return CF_E_BAD_REQUEST;
	}
	st = record_read(v, key, l);
	if (st == CF_OK && !hex_is(l->r.aki, l->r.akilen, akin)) {
		loaded_free(l);
		st = CF_E_NOT_FOUND;
	}
	if (st == CF_E_NOT_FOUND)
		*detail =
		    "no certificate with this serial and authority key id";
	return st;
}

enum cf_status
pki_certinfo(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	gnutls_x509_crt_t crt = NULL;
	struct loaded l;
	const char *pem;
	char key[KEY_LEN];
	size_t len;
	enum cf_status st;

	if (cf_json_string(req, "certificate", &pem, &len) == CF_OK) {
		if ((st = certfacts_import(pem, len, &crt, detail)) != CF_OK)
			return st;
		*result = certfacts_json(crt, pem);
		gnutls_x509_crt_deinit(crt);
		return CF_OK;
	}
	if (cf_json_string(req, "domain", &pem, &len) == CF_OK) {
		*detail = "certinfo by domain is not supported";
		return CF_E_BAD_REQUEST;
	}
	if ((st = vault_ready(v)) != CF_OK ||
	    (st = vault_read_begin(v)) != CF_OK)
		return st;
	st = find_record(v, req, &l, key, sizeof(key), detail);
	vault_read_end(v);
	if (st != CF_OK)
		return st;
	st = record_facts(&l.r, result, detail);
	loaded_free(&l);
	return st;
}

static int
reason_code(const char *s, size_t len)
{
	size_t i;
	int n = 0;

	if (len == 0)
		return 0;
	if (strspn(s, "0123456789") == len && len <= 2) {
		for (i = 0; i < len; i++)
			n = n * 10 + (s[i] - '0');
		return n <= 10 && n != 7 ? n : -1;
	}
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i][0] != '\0' && strlen(reasons[i]) == len &&
		    !strncasecmp(reasons[i], s, len))
			return (int)i;
	return -1;
}

enum cf_status
pki_revoke_once(struct vault *v, struct json_object *req, int *unchanged,
    const char **detail)
{
	struct loaded l;
	const char *rs = "";
	char key[KEY_LEN];
	uint8_t *b = NULL;
	size_t rlen = 0, len;
	int reason, again;
	enum cf_status st;

	*unchanged = 0;
	if (cf_json_string(req, "reason", &rs, &rlen) == CF_E_BAD_JSON ||
	    (reason = reason_code(rs, rlen)) < 0) {
		*detail = "invalid reason";
		return CF_E_BAD_REQUEST;
	}
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = find_record(v, req, &l, key, sizeof(key), detail)) != CF_OK) {
		vault_abort(v);
		return st;
	}
	again = l.r.status == CERTREC_REVOKED;
	if (again && (reason != REASON_KEY_COMPROMISE ||
	                 l.r.reason == REASON_KEY_COMPROMISE)) {
		loaded_free(&l);
		vault_abort(v);
		*unchanged = 1;
		return CF_OK;
	}
	/* Written back in this build's format, whichever it was read in. */
	l.r.status = CERTREC_REVOKED;
	l.r.reason = (uint8_t)reason;
	if (!again)
		l.r.revoked_at = (int64_t)time(NULL);
	st = certrec_encode(&l.r, &b, &len) == 0
	         ? vault_put(v, RECORD_META, key, b, len)
	         : CF_E_INTERNAL;
	loaded_free(&l);
	free(b);
	if (st != CF_OK) {
		vault_abort(v);
		return st;
	}
	if ((st = vault_commit(v)) == CF_OK && !again)
		metrics_count(METRICS_CERTS_REVOKED);
	return st;
}

/* CFSSL answers a second revoke as the first: {}. */
enum cf_status
pki_revoke(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	int unchanged;
	enum cf_status st;

	if ((st = pki_revoke_once(v, req, &unchanged, detail)) == CF_OK)
		*result = jb_object();
	return st;
}

enum cf_status
pki_crl(struct vault *v, int64_t lifetime, struct json_object **result,
    const char **detail)
{
	struct vault_keylist c = {NULL, 0, 0, 0};
	struct pki_ca *ca = NULL;
	struct loaded l;
	gnutls_x509_crl_t crl = NULL;
	gnutls_datum_t der = {NULL, 0};
	uint8_t num[9];
	char *b64;
	size_t i, n;
	time_t now = time(NULL);
	enum cf_status st;

	(void)detail;
	if ((st = cakey_load(v, &ca)) != CF_OK)
		return st;
	st = CF_E_INTERNAL;
	if (gt(gnutls_x509_crl_init(&crl), "crl_init") < 0 ||
	    gt(gnutls_x509_crl_set_version(crl, 2), "version") < 0 ||
	    gt(gnutls_x509_crl_set_this_update(crl, now), "this") < 0 ||
	    gt(gnutls_x509_crl_set_next_update(crl, now + (time_t)lifetime),
	        "next") < 0 ||
	    gt(gnutls_x509_crl_set_authority_key_id(crl, ca->ski, ca->skilen),
	        "aki") < 0)
		goto out;
	/* The CRL number: the time, as a minimal positive DER integer. */
	for (i = 0, n = 0; i < 8; i++) {
		num[n] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
		if (n > 0 || num[n] != 0)
			n++;
	}
	if (n == 0 || (num[0] & 0x80)) {
		memmove(num + 1, num, n);
		num[0] = 0;
		n++;
	}
	if (gt(gnutls_x509_crl_set_number(crl, num, n), "number") < 0)
		goto out;
	if ((st = vault_read_begin(v)) != CF_OK)
		goto out;
	st = vault_list_keys(v, CERT_PFX, &c);
	for (i = 0; st == CF_OK && i < c.n; i++) {
		if ((st = record_read(v, c.k[i], &l)) != CF_OK)
			break;
		if (l.r.status == CERTREC_REVOKED &&
		    l.r.expiry > (int64_t)now &&
		    gt(gnutls_x509_crl_set_crt_serial(crl, l.r.serial,
		           l.r.seriallen, (time_t)l.r.revoked_at),
		        "crl serial") < 0)
			st = CF_E_INTERNAL;
		loaded_free(&l);
	}
	vault_read_end(v);
	if (st != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if (gt(gnutls_x509_crl_privkey_sign(crl, ca->crt, ca->key, ca->dig, 0),
	        "crl sign") < 0 ||
	    gt(gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER, &der),
	        "crl export") < 0 ||
	    (b64 = codec_base64_encode(der.data, der.size, 0)) == NULL)
		goto out;
	/* CFSSL answers the DER as a JSON []byte: base64. */
	*result = jb_str(b64);
	free(b64);
	st = CF_OK;
out:
	gnutls_free(der.data);
	if (crl != NULL)
		gnutls_x509_crl_deinit(crl);
	vault_keylist_free(&c);
	cakey_free(ca);
	return st;
}
