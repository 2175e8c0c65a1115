/*
 * certdb.c: the records of issued certificates (sealed c:<serial hex>):
 * recording one as it is issued, and the operations over them: certinfo,
 * the DC/OS certificates list, revoke and the CRL.  See pki.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "codec.h"
#include "json.h"
#include "pki.h"
#include "pki_internal.h"
#include "record.h"
#include "vault.h"

#define CERT_PFX "c:"

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

int
pki_serial_decimal(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	uint8_t num[64];
	char tmp[160];
	size_t i, start = 0, nd = 0;
	unsigned rem;

	if (n > sizeof(num))
		return -1;
	memcpy(num, b, n);
	while (start < n && num[start] == 0)
		start++;
	while (start < n) {
		rem = 0;
		for (i = start; i < n; i++) {
			rem = rem * 256 + num[i];
			num[i] = (uint8_t)(rem / 10);
			rem %= 10;
		}
		tmp[nd++] = (char)('0' + rem);
		while (start < n && num[start] == 0)
			start++;
	}
	if (nd == 0)
		tmp[nd++] = '0';
	if (nd + 1 > outlen)
		return -1;
	for (i = 0; i < nd; i++)
		out[i] = tmp[nd - 1 - i];
	out[nd] = '\0';
	return 0;
}

/* Decimal digits to big-endian bytes (at most 64); 0 or -1. */
static int
serial_from_decimal(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	uint8_t num[64];
	size_t i, j, n = sizeof(num);
	unsigned carry;

	if (len == 0 || len > 150)
		return -1;
	memset(num, 0, sizeof(num));
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		carry = (unsigned)(s[i] - '0');
		for (j = n; j-- > 0;) {
			carry += num[j] * 10u;
			num[j] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		if (carry != 0)
			return -1;
	}
	for (i = 0; i < n - 1 && num[i] == 0; i++)
		;
	*outlen = n - i;
	memcpy(out, num + i, *outlen);
	return 0;
}

enum cf_status
certdb_record(struct vault *v, const uint8_t *serial, size_t slen,
    const uint8_t *aki, size_t akilen, int64_t nb, int64_t na, const char *pem,
    size_t pemlen)
{
	struct json_object *o = json_object_new_object();
	char dec[160], key[2 + 2 * 64 + 1], *h;
	const char *text;
	enum cf_status st;

	if (pki_serial_decimal(serial, slen, dec, sizeof(dec)) != 0 ||
	    (h = codec_hex_encode(serial, slen)) == NULL) {
		json_object_put(o);
		return CF_E_INTERNAL;
	}
	snprintf(key, sizeof(key), CERT_PFX "%s", h);
	free(h);
	add_str(o, "serial", dec);
	h = codec_hex_encode(aki, akilen);
	add_str(o, "aki", h);
	free(h);
	add_str(o, "status", "good");
	json_object_object_add(o, "reason", json_object_new_int(0));
	json_object_object_add(o, "revoked_at", json_object_new_int64(0));
	json_object_object_add(o, "not_before", json_object_new_int64(nb));
	json_object_object_add(o, "expiry", json_object_new_int64(na));
	json_object_object_add(
	    o, "issued_at", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(
	    o, "pem", json_object_new_string_len(pem, (int)pemlen));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if ((st = vault_write_begin(v)) == CF_OK) {
		st = vault_put(v, RECORD_META, key, text, strlen(text));
		if (st == CF_OK)
			st = vault_commit(v);
		else
			vault_abort(v);
	}
	json_object_put(o);
	return st;
}

static const char *const reasons[] = {"unspecified", "keycompromise",
    "cacompromise", "affiliationchanged", "superseded", "cessationofoperation",
    "certificatehold", "", "removefromcrl", "privilegewithdrawn",
    "aacompromise"};

static const char *
rec_str(struct json_object *r, const char *k)
{
	const char *s = "";
	size_t len;

	if (cf_json_string(r, k, &s, &len) != CF_OK)
		return "";
	return s;
}

static int64_t
rec_int(struct json_object *r, const char *k)
{
	int64_t n = 0;

	if (cf_json_int(r, k, INT64_MIN, INT64_MAX, &n) != CF_OK)
		return 0;
	return n;
}

/* A record as DC/OS's CertificateDescription (certinfo plus status). */
static struct json_object *
describe(struct json_object *rec)
{
	gnutls_x509_crt_t crt = NULL;
	struct json_object *o;
	const char *pem = rec_str(rec, "pem"), *dummy;
	int64_t reason = rec_int(rec, "reason"),
	        at = rec_int(rec, "revoked_at");

	if (certfacts_import(pem, strlen(pem), &crt, &dummy) != CF_OK)
		return NULL;
	o = certfacts_json(crt, pem);
	gnutls_x509_crt_deinit(crt);
	add_str(o, "status", rec_str(rec, "status"));
	if (!strcmp(rec_str(rec, "status"), "revoked")) {
		add_str(o, "reason",
		    reason >= 0 && reason <= 10 ? reasons[reason]
		                                : "unspecified");
		add_time(o, "revoked_at", at);
	}
	add_str(o, "ca_label", "");
	return o;
}

enum cf_status
pki_certificates(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	struct vault_keylist c = {NULL, 0, 0, 0};
	struct json_object *rec, *d, *arr = NULL;
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
	arr = json_object_new_array();
	for (i = 0; i < c.n; i++) {
		if ((st = vault_get_json(v, c.k[i], &rec)) != CF_OK)
			goto out;
		if ((slen == 0 || !strcmp(rec_str(rec, "serial"), serial)) &&
		    (akin[0] == '\0' || !strcmp(rec_str(rec, "aki"), akin)) &&
		    (expired_ok || rec_int(rec, "expiry") > now) &&
		    (d = describe(rec)) != NULL)
			json_object_array_add(arr, d);
		json_object_put(rec);
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

/* The record key of (decimal serial, hex aki), or -1 when malformed. */
static int
record_key(const char *serial, size_t slen, char *key, size_t keylen)
{
	uint8_t b[64];
	size_t n;
	char *h;

	if (serial_from_decimal(serial, slen, b, &n) != 0 ||
	    (h = codec_hex_encode(b, n)) == NULL)
		return -1;
	snprintf(key, keylen, CERT_PFX "%s", h);
	free(h);
	return 0;
}

/* In a section: the record of {serial, authority_key_id}. */
static enum cf_status
find_record(struct vault *v, struct json_object *req, struct json_object **rec,
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
	st = vault_get_json(v, key, rec);
	if (st == CF_OK && strcmp(rec_str(*rec, "aki"), akin) != 0) {
		json_object_put(*rec);
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
	struct json_object *rec = NULL;
	const char *pem;
	char key[2 + 128 + 1];
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
	st = find_record(v, req, &rec, key, sizeof(key), detail);
	vault_read_end(v);
	if (st != CF_OK)
		return st;
	pem = rec_str(rec, "pem");
	if ((st = certfacts_import(pem, strlen(pem), &crt, detail)) == CF_OK) {
		*result = certfacts_json(crt, pem);
		gnutls_x509_crt_deinit(crt);
	}
	json_object_put(rec);
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
pki_revoke(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	struct json_object *rec = NULL;
	const char *rs = "", *text;
	char key[2 + 128 + 1];
	size_t rlen = 0;
	int reason;
	enum cf_status st;

	if (cf_json_string(req, "reason", &rs, &rlen) == CF_E_BAD_JSON ||
	    (reason = reason_code(rs, rlen)) < 0) {
		*detail = "invalid reason";
		return CF_E_BAD_REQUEST;
	}
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = find_record(v, req, &rec, key, sizeof(key), detail)) !=
	    CF_OK) {
		vault_abort(v);
		return st;
	}
	add_str(rec, "status", "revoked");
	json_object_object_add(rec, "reason", json_object_new_int(reason));
	json_object_object_add(
	    rec, "revoked_at", json_object_new_int64((int64_t)time(NULL)));
	text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
	st = vault_put(v, RECORD_META, key, text, strlen(text));
	json_object_put(rec);
	if (st != CF_OK) {
		vault_abort(v);
		return st;
	}
	if ((st = vault_commit(v)) == CF_OK)
		*result = json_object_new_object();
	return st;
}

enum cf_status
pki_crl(struct vault *v, int64_t lifetime, struct json_object **result,
    const char **detail)
{
	struct vault_keylist c = {NULL, 0, 0, 0};
	struct pki_ca *ca = NULL;
	struct json_object *rec;
	gnutls_x509_crl_t crl = NULL;
	gnutls_datum_t der = {NULL, 0};
	uint8_t b[64], num[9];
	char *b64;
	size_t i, n;
	time_t now = time(NULL);
	const char *serial;
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
		if ((st = vault_get_json(v, c.k[i], &rec)) != CF_OK)
			break;
		serial = rec_str(rec, "serial");
		if (!strcmp(rec_str(rec, "status"), "revoked") &&
		    rec_int(rec, "expiry") > (int64_t)now &&
		    serial_from_decimal(serial, strlen(serial), b, &n) == 0 &&
		    gt(gnutls_x509_crl_set_crt_serial(
		           crl, b, n, (time_t)rec_int(rec, "revoked_at")),
		        "crl serial") < 0)
			st = CF_E_INTERNAL;
		json_object_put(rec);
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
	*result = json_object_new_string(b64);
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
