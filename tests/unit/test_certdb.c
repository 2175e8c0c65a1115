/* test_certdb: the record of an issued certificate (certrec.c) and the
 * CA's readers over a store holding records of both formats: this
 * build's binary one and the JSON an older build wrote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "base/codec.h"
#include "base/json.h"
#include "ca/certfacts.h"
#include "ca/certrec.h"
#include "ca/pki.h"
#include "unit.h"
#include "vault/record.h"
#include "vault/vault.h"

static char dir[] = "/tmp/coffer-test-certdb.XXXXXX";

static const uint8_t serial[20] = {0x4f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
    0x13};
static const uint8_t aki[20] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3};
static uint8_t cert_der[480];

/* A record as the CA writes it when it signs. */
static struct certrec
sample(void)
{
	struct certrec r;

	memset(&r, 0, sizeof(r));
	r.status = CERTREC_GOOD;
	r.not_before = 1764000000;
	r.expiry = 1795536000;
	r.issued_at = 1764000300;
	r.serial = serial;
	r.seriallen = sizeof(serial);
	r.aki = aki;
	r.akilen = sizeof(aki);
	r.der = cert_der;
	r.derlen = sizeof(cert_der);
	return r;
}

static int
same(const struct certrec *a, const struct certrec *b)
{
	return a->status == b->status && a->reason == b->reason &&
	       a->revoked_at == b->revoked_at &&
	       a->not_before == b->not_before && a->expiry == b->expiry &&
	       a->issued_at == b->issued_at && a->seriallen == b->seriallen &&
	       !memcmp(a->serial, b->serial, a->seriallen) &&
	       a->akilen == b->akilen &&
	       (a->akilen == 0 || !memcmp(a->aki, b->aki, a->akilen)) &&
	       a->derlen == b->derlen && !memcmp(a->der, b->der, a->derlen);
}

/* encode then decode gives back every field, and encodes to the same
 * bytes again. */
static int
round_trips(const struct certrec *r)
{
	struct certrec back;
	uint8_t *b = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	int ok;

	ok = certrec_encode(r, &b, &len) == 0 &&
	     certrec_decode(b, len, &back) == 0 && same(r, &back) &&
	     certrec_encode(&back, &again, &len2) == 0 && len2 == len &&
	     !memcmp(b, again, len);
	free(b);
	free(again);
	return ok;
}

static void
test_encode_then_decode_gives_back_every_field(void)
{
	struct certrec r = sample();
	uint8_t *b = NULL;
	size_t len = 0;

	CHECK(round_trips(&r), "a good certificate");
	CHECK(certrec_encode(&r, &b, &len) == 0 &&
	          len == 35 + 1 + 20 + 1 + 20 + 4 + sizeof(cert_der) &&
	          b[0] == CERTREC_FORMAT,
	    "the record is its fields and the DER, nothing more");
	free(b);
	r.status = CERTREC_REVOKED;
	r.reason = 1;
	r.revoked_at = 1764100000;
	CHECK(round_trips(&r), "a revoked one");
	r.reason = 10;
	r.not_before = -1;
	r.expiry = INT64_MAX;
	r.revoked_at = INT64_MIN;
	CHECK(round_trips(&r), "negative and extreme times, the last reason");
	r = sample();
	r.aki = NULL;
	r.akilen = 0;
	CHECK(round_trips(&r), "no authority key id");
	r = sample();
	r.serial = serial + 19;
	r.seriallen = 1;
	r.derlen = 1;
	CHECK(round_trips(&r), "a one-byte serial and certificate");
}

static const struct {
	int line;
	const char *what;
	size_t seriallen, akilen, derlen;
	uint8_t status, reason;
	int64_t revoked_at;
} bad_fields[] = {
    {__LINE__, "no serial", 0, 20, 480, CERTREC_GOOD, 0, 0},
    {__LINE__, "a serial over 64 bytes", 65, 20, 480, CERTREC_GOOD, 0, 0},
    {__LINE__, "an aki over 64 bytes", 20, 65, 480, CERTREC_GOOD, 0, 0},
    {__LINE__, "no certificate", 20, 20, 0, CERTREC_GOOD, 0, 0},
    {__LINE__, "a certificate over the limit", 20, 20, CERTREC_MAX_DER + 1,
        CERTREC_GOOD, 0, 0},
    {__LINE__, "an unknown status", 20, 20, 480, 2, 0, 0},
    {__LINE__, "reason 7 (unused)", 20, 20, 480, CERTREC_REVOKED, 7, 1},
    {__LINE__, "reason 11", 20, 20, 480, CERTREC_REVOKED, 11, 1},
    {__LINE__, "a good one with a reason", 20, 20, 480, CERTREC_GOOD, 1, 0},
    {__LINE__, "a good one revoked at", 20, 20, 480, CERTREC_GOOD, 0, 5},
};

static void
test_encode_refuses_fields_out_of_bounds(void)
{
	static uint8_t big[CERTREC_MAX_DER + 1], id[65];
	struct certrec r;
	uint8_t *b;
	size_t i, len;

	for (i = 0; i < sizeof(bad_fields) / sizeof(bad_fields[0]); i++) {
		r = sample();
		r.serial = r.aki = id;
		r.der = big;
		r.seriallen = bad_fields[i].seriallen;
		r.akilen = bad_fields[i].akilen;
		r.derlen = bad_fields[i].derlen;
		r.status = bad_fields[i].status;
		r.reason = bad_fields[i].reason;
		r.revoked_at = bad_fields[i].revoked_at;
		b = NULL;
		CHECK_LINE(bad_fields[i].line,
		    certrec_encode(&r, &b, &len) == -1, bad_fields[i].what);
		free(b);
	}
}

static void
test_every_truncation_of_a_record_is_refused(void)
{
	struct certrec r = sample(), out;
	uint8_t *b = NULL, *longer = NULL;
	size_t len = 0, n, refused = 0;

	if (certrec_encode(&r, &b, &len) != 0) {
		CHECK(0, "a record to cut");
		return;
	}
	for (n = 0; n < len; n++)
		refused += certrec_decode(b, n, &out) == -1;
	CHECK(refused == len, "each of the record's prefixes");
	if ((longer = malloc(len + 1)) != NULL) {
		memcpy(longer, b, len);
		longer[len] = 0;
		CHECK(certrec_decode(longer, len + 1, &out) == -1,
		    "a byte after the certificate");
	}
	CHECK(certrec_decode(NULL, 0, &out) == -1, "nothing at all");
	free(longer);
	free(b);
}

/* One byte of a good record changed, at an offset of the layout. */
static const struct {
	int line;
	const char *what;
	size_t off;
	uint8_t value;
} garbles[] = {
    {__LINE__, "another format", 0, CERTREC_FORMAT + 1},
    {__LINE__, "JSON's first byte", 0, '{'},
    {__LINE__, "an unknown status", 1, 2},
    {__LINE__, "a reason on a good certificate", 2, 1},
    {__LINE__, "revoked_at on a good certificate", 10, 1},
    {__LINE__, "a serial length past the end", 35, 0xff},
    {__LINE__, "a zero serial length", 35, 0},
    {__LINE__, "a shorter serial length", 35, 19},
    {__LINE__, "an aki length past the end", 56, 0xff},
    {__LINE__, "a longer aki length", 56, 21},
    {__LINE__, "a huge certificate length", 77, 0x80},
    {__LINE__, "a longer certificate length", 80, 0xe1},
    {__LINE__, "a shorter certificate length", 80, 0xdf},
};

static void
test_garbled_records_are_refused(void)
{
	struct certrec r = sample(), out;
	uint8_t *b = NULL, keep;
	size_t len = 0, i;

	if (certrec_encode(&r, &b, &len) != 0) {
		CHECK(0, "a record to garble");
		return;
	}
	CHECK(b[35] == 20 && b[56] == 20 && b[80] == 0xe0,
	    "the offsets below are the layout's");
	for (i = 0; i < sizeof(garbles) / sizeof(garbles[0]); i++) {
		keep = b[garbles[i].off];
		b[garbles[i].off] = garbles[i].value;
		CHECK_LINE(garbles[i].line, certrec_decode(b, len, &out) == -1,
		    garbles[i].what);
		b[garbles[i].off] = keep;
	}
	CHECK(certrec_decode(b, len, &out) == 0, "restored, it reads again");
	free(b);
}

/* The JSON record an older build wrote for (serial, aki, pem). */
static char *
old_record(const uint8_t *s, size_t slen, const uint8_t *a, size_t alen,
    const char *status, int reason, int64_t revoked_at, int64_t expiry,
    const char *pem)
{
	struct json_object *o = json_object_new_object();
	char dec[160], *h = codec_hex_encode(a, alen), *text;

	certfacts_serial_decimal(s, slen, dec, sizeof(dec));
	json_object_object_add(o, "serial", json_object_new_string(dec));
	json_object_object_add(o, "aki", json_object_new_string(h));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "reason", json_object_new_int(reason));
	json_object_object_add(
	    o, "revoked_at", json_object_new_int64(revoked_at));
	json_object_object_add(
	    o, "not_before", json_object_new_int64(1764000000));
	json_object_object_add(o, "expiry", json_object_new_int64(expiry));
	json_object_object_add(
	    o, "issued_at", json_object_new_int64(1764000300));
	json_object_object_add(o, "pem", json_object_new_string(pem));
	text =
	    strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	free(h);
	return text;
}

static const char small_pem[] = "-----BEGIN CERTIFICATE-----\n"
                                "MAMCAQE=\n"
                                "-----END CERTIFICATE-----\n";
static const uint8_t small_der[] = {0x30, 0x03, 0x02, 0x01, 0x01};

static const struct {
	int line;
	const char *what;
	const char *from, *to;
} bad_old[] = {
    {__LINE__, "a serial that is not decimal", "\"serial\":\"",
        "\"serial\":\"x"},
    {__LINE__, "an aki of odd length", "\"aki\":\"", "\"aki\":\"0"},
    {__LINE__, "an unknown status", "\"good\"", "\"fine\""},
    {__LINE__, "a reason out of range", "\"reason\":0", "\"reason\":11"},
    {__LINE__, "a time that is a string", "\"expiry\":1795536000",
        "\"expiry\":\"1795536000\""},
    {__LINE__, "no PEM", "\"pem\"", "\"pex\""},
    {__LINE__, "a PEM that is not base64", "MAMCAQE=", "MAMC*QE="},
    {__LINE__, "a PEM without its END line", "-----END", "-----FIN"},
    {__LINE__, "trailing bytes after the object", "\\n\"}", "\\n\"}x"},
};

static void
test_an_older_builds_json_record_is_read(void)
{
	struct certrec r;
	uint8_t *b = NULL;
	size_t len = 0, i;
	char *text = old_record(serial, sizeof(serial), aki, sizeof(aki),
	    "good", 0, 0, 1795536000, small_pem);
	char edited[2048], *at;

	CHECK(certrec_from_json((uint8_t *)text, strlen(text), &b, &len) == 0 &&
	          certrec_decode(b, len, &r) == 0,
	    "read as this format");
	CHECK(b != NULL && r.status == CERTREC_GOOD && r.reason == 0 &&
	          r.revoked_at == 0 && r.not_before == 1764000000 &&
	          r.expiry == 1795536000 && r.issued_at == 1764000300,
	    "its status and times");
	CHECK(b != NULL && r.seriallen == sizeof(serial) &&
	          !memcmp(r.serial, serial, sizeof(serial)) &&
	          r.akilen == sizeof(aki) && !memcmp(r.aki, aki, sizeof(aki)),
	    "its serial from decimal, its aki from hex");
	CHECK(b != NULL && r.derlen == sizeof(small_der) &&
	          !memcmp(r.der, small_der, sizeof(small_der)),
	    "its PEM as DER");
	free(b);
	for (i = 0; i < sizeof(bad_old) / sizeof(bad_old[0]); i++) {
		b = NULL;
		at = strstr(text, bad_old[i].from);
		if (at == NULL) {
			CHECK_LINE(
			    bad_old[i].line, 0, "the row's text is there");
			continue;
		}
		snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - text),
		    text, bad_old[i].to, at + strlen(bad_old[i].from));
		CHECK_LINE(bad_old[i].line,
		    certrec_from_json(
		        (uint8_t *)edited, strlen(edited), &b, &len) == -1,
		    bad_old[i].what);
		free(b);
	}
	free(text);
	text = old_record(serial, sizeof(serial), aki, sizeof(aki), "revoked",
	    4, 1764100000, 1795536000, small_pem);
	b = NULL;
	CHECK(certrec_from_json((uint8_t *)text, strlen(text), &b, &len) == 0 &&
	          certrec_decode(b, len, &r) == 0 &&
	          r.status == CERTREC_REVOKED && r.reason == 4 &&
	          r.revoked_at == 1764100000,
	    "a revoked one keeps its reason and time");
	free(b);
	free(text);
}

/* ---- in a store ---- */

/* A store initialized and unsealed as the server does it (the CA signs
 * only while the keyholder holds the key); store_done seals it again, so
 * the kernel keyring is left as it was. */
static struct vault *
store(const char *name)
{
	struct vault_init_result r;
	struct vault_status vs;
	struct vault *v = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	if (vault_open(path, &v) != 0)
		return NULL;
	memset(&r, 0, sizeof(r));
	if (vault_init_seeded(v, 1, 1, NULL, 0, &r) != CF_OK ||
	    r.nshares != 1 ||
	    vault_unseal(v, r.shares_hex[0], strlen(r.shares_hex[0]), &vs) !=
	        CF_OK ||
	    vault_ready(v) != CF_OK) {
		vault_init_result_free(&r);
		vault_seal(v);
		vault_close(v);
		return NULL;
	}
	vault_init_result_free(&r);
	return v;
}

static void
store_done(struct vault *v)
{
	if (v == NULL)
		return;
	vault_seal(v);
	vault_close(v);
}

/* One certificate issued by the store's CA: its PEM (malloc'd), serial
 * and authority key id. */
struct issued {
	char *pem;
	uint8_t serial[64], aki[64];
	size_t seriallen, akilen;
	char key[140], dec[160], akihex[130];
};

static int
issue_one(struct vault *v, struct issued *c)
{
	static const char req[] =
	    "{\"request\":{\"CN\":\"old.example.com\",\"hosts\":"
	    "[\"old.example.com\"],\"key\":{\"algo\":\"ecdsa\",\"size\":256}}}";
	struct json_object *in = NULL, *out = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d;
	const char *detail = NULL, *pem;
	size_t len;
	char *h = NULL;
	int ok = 0;

	memset(c, 0, sizeof(*c));
	c->seriallen = sizeof(c->serial);
	c->akilen = sizeof(c->aki);
	if (cf_json_parse(req, strlen(req), &in) != CF_OK ||
	    pki_newcert(v, in, &out, &detail) != CF_OK ||
	    cf_json_string(out, "certificate", &pem, &len) != CF_OK ||
	    (c->pem = strdup(pem)) == NULL)
		goto out;
	d.data = (unsigned char *)c->pem;
	d.size = (unsigned)len;
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_x509_crt_get_serial(crt, c->serial, &c->seriallen) < 0 ||
	    gnutls_x509_crt_get_authority_key_id(
	        crt, c->aki, &c->akilen, NULL) < 0 ||
	    certfacts_serial_decimal(
	        c->serial, c->seriallen, c->dec, sizeof(c->dec)) != 0 ||
	    (h = codec_hex_encode(c->serial, c->seriallen)) == NULL)
		goto out;
	snprintf(c->key, sizeof(c->key), "c:%s", h);
	free(h);
	if ((h = codec_hex_encode(c->aki, c->akilen)) == NULL)
		goto out;
	snprintf(c->akihex, sizeof(c->akihex), "%s", h);
	ok = 1;
out:
	free(h);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	json_object_put(in);
	json_object_put(out);
	return ok;
}

/* The stored record's plaintext: its first byte and length. */
static int
stored(struct vault *v, const char *key, size_t *len)
{
	uint8_t *pt = NULL;
	int first = -1;

	*len = 0;
	if (vault_read_begin(v) != CF_OK)
		return -1;
	if (vault_get(v, key, &pt, len) == CF_OK && *len > 0)
		first = pt[0];
	vault_read_end(v);
	record_free(pt, *len);
	return first;
}

static enum cf_status
put_raw(struct vault *v, const char *key, const void *pt, size_t len)
{
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_put(v, RECORD_META, key, pt, len)) != CF_OK) {
		vault_abort(v);
		return st;
	}
	return vault_commit(v);
}

static struct json_object *
request(const struct issued *c, const char *reason)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "serial", json_object_new_string(c->dec));
	json_object_object_add(
	    o, "authority_key_id", json_object_new_string(c->akihex));
	if (reason != NULL)
		json_object_object_add(
		    o, "reason", json_object_new_string(reason));
	return o;
}

/* The status certificates answers for c ("" when not listed). */
static const char *
listed_status(struct vault *v, const struct issued *c, char *buf, size_t n)
{
	struct json_object *req = request(c, NULL), *arr = NULL, *e;
	const char *detail = NULL, *s = "";
	size_t len;

	buf[0] = '\0';
	if (pki_certificates(v, req, &arr, &detail) == CF_OK &&
	    json_object_array_length(arr) == 1 &&
	    (e = json_object_array_get_idx(arr, 0)) != NULL &&
	    cf_json_string(e, "status", &s, &len) == CF_OK)
		snprintf(buf, n, "%s", s);
	json_object_put(arr);
	json_object_put(req);
	return buf;
}

/* Is c's serial on the CA's CRL? */
static int
on_crl(struct vault *v, const struct issued *c)
{
	struct json_object *res = NULL;
	gnutls_x509_crl_t crl = NULL;
	gnutls_datum_t d;
	const char *detail = NULL;
	uint8_t *der = NULL, s[64];
	size_t derlen = 0, slen = sizeof(s);
	time_t t;
	int found = 0;

	if (pki_crl(v, 3600, &res, &detail) != CF_OK ||
	    codec_base64_decode(json_object_get_string(res),
	        (size_t)json_object_get_string_len(res), 0, &der, &derlen) != 0)
		goto out;
	d.data = der;
	d.size = (unsigned)derlen;
	if (gnutls_x509_crl_init(&crl) < 0 ||
	    gnutls_x509_crl_import(crl, &d, GNUTLS_X509_FMT_DER) < 0)
		goto out;
	found = gnutls_x509_crl_get_crt_count(crl) == 1 &&
	        gnutls_x509_crl_get_crt_serial(crl, 0, s, &slen, &t) >= 0 &&
	        slen == c->seriallen && !memcmp(s, c->serial, slen);
out:
	if (crl != NULL)
		gnutls_x509_crl_deinit(crl);
	free(der);
	json_object_put(res);
	return found;
}

static void
test_signing_records_the_binary_format(void)
{
	struct vault *v = store("binary");
	struct issued c;
	struct json_object *req = NULL, *res = NULL;
	const char *detail = NULL, *pem;
	char st[16];
	size_t len = 0;

	if (v == NULL || !issue_one(v, &c)) {
		CHECK(0, "a store and a certificate");
		store_done(v);
		return;
	}
	CHECK(stored(v, c.key, &len) == CERTREC_FORMAT && len < 700,
	    "the record is binary, about the size of the DER");
	req = request(&c, NULL);
	CHECK(pki_certinfo(v, req, &res, &detail) == CF_OK &&
	          cf_json_string(res, "pem", &pem, &len) == CF_OK &&
	          !strcmp(pem, c.pem),
	    "certinfo answers the PEM it was issued as");
	CHECK(!strcmp(listed_status(v, &c, st, sizeof(st)), "good"),
	    "certificates lists it as good");
	json_object_put(res);
	json_object_put(req);
	free(c.pem);
	store_done(v);
}

static void
test_an_older_builds_record_is_read_and_revoked(void)
{
	struct vault *v = store("older");
	struct issued c;
	struct json_object *req = NULL, *res = NULL;
	const char *detail = NULL, *pem;
	char *text = NULL, st[16];
	size_t len = 0;

	if (v == NULL || !issue_one(v, &c)) {
		CHECK(0, "a store and a certificate");
		store_done(v);
		return;
	}
	text = old_record(c.serial, c.seriallen, c.aki, c.akilen, "good", 0, 0,
	    (int64_t)time(NULL) + 86400, c.pem);
	CHECK(put_raw(v, c.key, text, strlen(text)) == CF_OK &&
	          stored(v, c.key, &len) == '{',
	    "the record rewritten as an older build wrote it");
	req = request(&c, NULL);
	CHECK(pki_certinfo(v, req, &res, &detail) == CF_OK &&
	          cf_json_string(res, "pem", &pem, &len) == CF_OK &&
	          !strcmp(pem, c.pem),
	    "certinfo reads it");
	CHECK(!strcmp(listed_status(v, &c, st, sizeof(st)), "good"),
	    "certificates lists it");
	CHECK(!on_crl(v, &c), "the CRL does not name it");
	json_object_put(req);
	json_object_put(res);
	res = NULL;
	req = request(&c, "keyCompromise");
	CHECK(pki_revoke(v, req, &res, &detail) == CF_OK, "revoke takes it");
	CHECK(stored(v, c.key, &len) == CERTREC_FORMAT,
	    "revoke rewrote it in this build's format");
	CHECK(!strcmp(listed_status(v, &c, st, sizeof(st)), "revoked"),
	    "certificates lists it as revoked");
	CHECK(on_crl(v, &c), "the CRL names it");
	json_object_put(req);
	json_object_put(res);
	free(text);
	free(c.pem);
	store_done(v);
}

/* Revoke c as reason; 1 when it answered CF_OK and *unchanged as wanted,
 * and the record then holds want_reason and want_at. */
static int
revoked_as(struct vault *v, const struct issued *c, const char *reason,
    int want_unchanged, int want_reason, int64_t want_at)
{
	struct json_object *req = request(c, reason);
	struct certdb_status s;
	const char *detail = NULL;
	int unchanged = -1, ok;

	ok = pki_revoke_once(v, req, &unchanged, &detail) == CF_OK &&
	     unchanged == want_unchanged &&
	     certdb_status(v, c->serial, c->seriallen, c->aki, c->akilen, &s) ==
	         CF_OK &&
	     s.status == CERTREC_REVOKED && s.reason == want_reason &&
	     s.revoked_at == want_at;
	json_object_put(req);
	return ok;
}

static void
test_a_revocation_keeps_its_time_and_only_key_compromise_replaces_its_reason(
    void)
{
	struct vault *v = store("again");
	struct json_object *req = NULL, *res = NULL;
	struct issued c;
	const char *detail = NULL;
	char *text = NULL;
	const int64_t at = 1764100000;

	if (v == NULL || !issue_one(v, &c)) {
		CHECK(0, "a store and a certificate");
		store_done(v);
		return;
	}
	text = old_record(c.serial, c.seriallen, c.aki, c.akilen, "revoked", 4,
	    at, (int64_t)time(NULL) + 86400, c.pem);
	CHECK(put_raw(v, c.key, text, strlen(text)) == CF_OK,
	    "a certificate revoked as superseded");
	CHECK(revoked_as(v, &c, "superseded", 1, 4, at),
	    "revoked again for the same reason: nothing changes");
	CHECK(revoked_as(v, &c, "cessationOfOperation", 1, 4, at),
	    "for another reason: nothing changes");
	CHECK(revoked_as(v, &c, "keyCompromise", 0, 1, at),
	    "for keyCompromise: the reason is replaced, the time stays");
	CHECK(revoked_as(v, &c, "keyCompromise", 1, 1, at),
	    "keyCompromise again: nothing changes");
	CHECK(revoked_as(v, &c, "superseded", 1, 1, at),
	    "and no later reason replaces keyCompromise");
	req = request(&c, "superseded");
	CHECK(pki_revoke(v, req, &res, &detail) == CF_OK && res != NULL,
	    "CFSSL's revoke answers a second revocation as the first");
	json_object_put(req);
	json_object_put(res);
	free(text);
	free(c.pem);
	store_done(v);
}

static void
test_a_garbled_record_in_the_store_is_an_error(void)
{
	struct vault *v = store("garbled");
	struct issued c;
	struct json_object *req = NULL, *res = NULL;
	const char *detail = NULL;
	static const uint8_t junk[] = {CERTREC_FORMAT, 0, 0, 1, 2, 3};
	size_t len = 0;

	if (v == NULL || !issue_one(v, &c)) {
		CHECK(0, "a store and a certificate");
		store_done(v);
		return;
	}
	CHECK(put_raw(v, c.key, junk, sizeof(junk)) == CF_OK, "a cut record");
	req = request(&c, NULL);
	CHECK(pki_certinfo(v, req, &res, &detail) == CF_E_INTERNAL,
	    "certinfo fails on it");
	CHECK(pki_certificates(v, req, &res, &detail) == CF_E_INTERNAL,
	    "and certificates");
	CHECK(pki_crl(v, 3600, &res, &detail) == CF_E_INTERNAL, "and the CRL");
	json_object_put(req);
	req = request(&c, "superseded");
	CHECK(pki_revoke(v, req, &res, &detail) == CF_E_INTERNAL &&
	          stored(v, c.key, &len) == CERTREC_FORMAT &&
	          len == sizeof(junk),
	    "revoke refuses it and leaves it");
	json_object_put(req);
	free(c.pem);
	store_done(v);
}

int
main(void)
{

	if (mkdtemp(dir) == NULL)
		return EXIT_FAILURE;
	memset(cert_der, 0x5a, sizeof(cert_der));
	cert_der[0] = 0x30;
	test_encode_then_decode_gives_back_every_field();
	test_encode_refuses_fields_out_of_bounds();
	test_every_truncation_of_a_record_is_refused();
	test_garbled_records_are_refused();
	test_an_older_builds_json_record_is_read();
	test_signing_records_the_binary_format();
	test_an_older_builds_record_is_read_and_revoked();
	test_a_garbled_record_in_the_store_is_an_error();
	test_a_revocation_keeps_its_time_and_only_key_compromise_replaces_its_reason();
	unit_rmtree(dir);
	return unit_done();
}
