/*
 * acmedb.c: ACME's records, and issuing and revoking for it through the
 * CA.  See acmedb.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "ca/acmedb.h"
#include "ca/certfacts.h"
#include "ca/csr.h"
#include "ca/jws.h"
#include "ca/pki.h"
#include "ca/subject.h"
#include "crypto/crypto.h"
#include "vault/vault.h"

#define ID_BYTES 16
#define KEY_MAX  96 /* "m:acme:" kind ':' id */

int
acmedb_new_id(char out[ACME_ID_LEN + 1])
{
	uint8_t r[ID_BYTES];
	char *s;

	if (crypto_random(r, sizeof(r)) != 0)
		return -1;
	if ((s = codec_base64_encode(r, sizeof(r), 1)) == NULL)
		return -1;
	if (strlen(s) != ACME_ID_LEN) {
		free(s);
		return -1;
	}
	memcpy(out, s, ACME_ID_LEN + 1);
	free(s);
	return 0;
}

int
acmedb_id_ok(const char *s)
{
	static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                             "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(s);

	return n > 0 && n <= 64 && strspn(s, b64url) == n;
}

static int
make_key(char *key, const char *kind, const char *id)
{
	int n;

	if (!acmedb_id_ok(id))
		return -1;
	n = snprintf(key, KEY_MAX, "m:acme:%s:%s", kind, id);
	return n > 0 && n < KEY_MAX ? 0 : -1;
}

enum cf_status
acmedb_get(
    struct vault *v, const char *kind, const char *id, struct json_object **out)
{
	char key[KEY_MAX];

	if (make_key(key, kind, id) != 0)
		return CF_E_NOT_FOUND;
	return vault_get_json(v, key, out);
}

enum cf_status
acmedb_put(
    struct vault *v, const char *kind, const char *id, struct json_object *o)
{
	char key[KEY_MAX];
	const char *s;
	size_t len;
	enum cf_status st;

	if (make_key(key, kind, id) != 0)
		return CF_E_INTERNAL;
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	if (s == NULL)
		return CF_E_INTERNAL;
	st = vault_put(v, RECORD_META, key, s, len);
	return st;
}

const char *
acmedb_acct_thumb(struct json_object *acct, const char *id)
{
	const char *t;
	size_t n;

	if (cf_json_string(acct, "thumb", &t, &n) == CF_OK && strlen(t) == n &&
	    acmedb_id_ok(t))
		return t;
	return id;
}

enum cf_status
acmedb_acct_by_key(struct vault *v, const char *thumb,
    char id[ACME_ACCT_ID_MAX + 1], struct json_object **out)
{
	struct json_object *idx = NULL;
	const char *s;
	size_t n;
	enum cf_status st;

	*out = NULL;
	snprintf(id, ACME_ACCT_ID_MAX + 1, "%s", thumb);
	st = acmedb_get(v, "key", thumb, &idx);
	if (st == CF_OK && cf_json_string(idx, "acct", &s, &n) == CF_OK &&
	    n <= ACME_ACCT_ID_MAX && acmedb_id_ok(s))
		snprintf(id, ACME_ACCT_ID_MAX + 1, "%s", s);
	json_object_put(idx);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		return st;
	if ((st = acmedb_get(v, "acct", id, out)) != CF_OK)
		return st;
	/* An index left by a key since changed, or an account re-keyed
	 * away from the key its id was made of: not this key's. */
	if (strcmp(acmedb_acct_thumb(*out, id), thumb) != 0) {
		json_object_put(*out);
		*out = NULL;
		return CF_E_NOT_FOUND;
	}
	return CF_OK;
}

#define NONCE_PFX "m:acme:nonce:"

/* The expiry a nonce's first 8 characters say, or -1. */
static int64_t
nonce_exp(const char *nonce)
{
	int64_t exp = 0;
	size_t i;

	if (strlen(nonce) != ACME_NONCE_LEN)
		return -1;
	for (i = 0; i < 8; i++) {
		char c = nonce[i];

		if (c >= '0' && c <= '9')
			exp = exp * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			exp = exp * 16 + (c - 'a' + 10);
		else
			return -1;
	}
	return exp;
}

/* Delete the records of nonces expired before now (inside a write). */
static enum cf_status
nonce_purge(struct vault *v, int64_t now)
{
	struct vault_keylist l;
	enum cf_status st;
	size_t i;
	int64_t exp;

	memset(&l, 0, sizeof(l));
	if ((st = vault_list_keys(v, NONCE_PFX, &l)) != CF_OK)
		return st;
	for (i = 0; i < l.n && st == CF_OK; i++) {
		exp = nonce_exp(l.k[i] + strlen(NONCE_PFX));
		/* Sorted by expiry: the first live one ends the walk. */
		if (exp >= now)
			break;
		st = vault_del(v, l.k[i]);
	}
	vault_keylist_free(&l);
	return st;
}

enum cf_status
acmedb_nonce_new(struct vault *v, int64_t now, char out[ACME_NONCE_LEN + 1])
{
	struct json_object *o;
	char id[ACME_ID_LEN + 1];
	uint8_t dice;
	enum cf_status st;

	if (acmedb_new_id(id) != 0 || crypto_random(&dice, 1) != 0)
		return CF_E_INTERNAL;
	snprintf(out, ACME_NONCE_LEN + 1, "%08llx%s",
	    (unsigned long long)(now + ACME_NONCE_TTL) & 0xffffffffULL, id);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	o = jb_object();
	jb_set_int(o, "exp", now + ACME_NONCE_TTL);
	st = acmedb_put(v, "nonce", out, o);
	json_object_put(o);
	if (st == CF_OK && dice % ACME_NONCE_PURGE == 0)
		st = nonce_purge(v, now);
	if (st != CF_OK) {
		vault_abort(v);
		return st;
	}
	return vault_commit(v);
}

enum cf_status
acmedb_nonce_take(struct vault *v, const char *nonce, int64_t now)
{
	struct json_object *o = NULL;
	char key[KEY_MAX];
	enum cf_status st;

	if (nonce_exp(nonce) < now || make_key(key, "nonce", nonce) != 0)
		return CF_E_NOT_FOUND;
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &o)) != CF_OK)
		goto fail;
	json_object_put(o);
	if ((st = vault_del(v, key)) != CF_OK)
		goto fail;
	return vault_commit(v);
fail:
	vault_abort(v);
	return st;
}

/* DER into "CERTIFICATE REQUEST" PEM, as csr_parse takes it. */
static char *
csr_pem(const uint8_t *der, size_t len, size_t *pemlen)
{
	static const char head[] = "-----BEGIN CERTIFICATE REQUEST-----\n",
	                  tail[] = "-----END CERTIFICATE REQUEST-----\n";
	char *b64, *pem, *p;
	size_t n, i, cap;

	if ((b64 = codec_base64_encode(der, len, 0)) == NULL)
		return NULL;
	n = strlen(b64);
	cap = sizeof(head) + n + n / 64 + 2 + sizeof(tail);
	if ((pem = malloc(cap)) == NULL) {
		free(b64);
		return NULL;
	}
	p = pem + strlen(strcpy(pem, head));
	for (i = 0; i < n; i += 64) {
		size_t l = n - i < 64 ? n - i : 64;

		memcpy(p, b64 + i, l);
		p += l;
		*p++ = '\n';
	}
	strcpy(p, tail);
	*pemlen = (size_t)(p - pem) + strlen(tail);
	free(b64);
	return pem;
}

static int
name_in(const char *s, size_t len, char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && !strncasecmp(names[i], s, len))
			return 1;
	return 0;
}

/* The CSR asks for exactly the order's names, as dNSName SANs. */
static enum cf_status
csr_names_match(const char *pem, size_t pemlen, char *const *names, size_t n,
    const char **detail)
{
	struct csr c;
	struct san_list l;
	size_t i, j;
	enum cf_status st = CF_E_BAD_REQUEST;

	*detail = "the CSR does not parse or is not signed by its key";
	if (csr_parse(pem, pemlen, &c) != CSR_OK)
		return CF_E_BAD_REQUEST;
	if (csr_verify(&c) != CSR_OK)
		goto out;
	l.n = 0;
	if (subject_csr_sans(&c, &l, detail) != CF_OK) {
		*detail = "the CSR has a name that is not a valid host";
		goto out;
	}
	*detail = "the CSR's names are not the order's";
	if (l.n == 0)
		goto out;
	for (i = 0; i < l.n; i++)
		if (l.s[i].tag != DER_CTX(2) ||
		    !name_in(l.s[i].p, l.s[i].len, names, n))
			goto out;
	for (i = 0; i < n; i++) {
		for (j = 0; j < l.n; j++)
			if (l.s[j].len == strlen(names[i]) &&
			    !strncasecmp(l.s[j].p, names[i], l.s[j].len))
				break;
		if (j == l.n)
			goto out;
	}
	st = CF_OK;
out:
	csr_free(&c);
	return st;
}

static enum cf_status
crt_import(const uint8_t *der, size_t len, gnutls_x509_crt_t *crt)
{
	gnutls_datum_t d = {(unsigned char *)(uintptr_t)der, (unsigned)len};

	if (len == 0 || len > PKI_MAX_PEM)
		return CF_E_BAD_REQUEST;
	if (gnutls_x509_crt_init(crt) < 0)
		return CF_E_INTERNAL;
	if (gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(*crt);
		return CF_E_BAD_REQUEST;
	}
	return CF_OK;
}

static int
serial_hex(gnutls_x509_crt_t crt, char out[ACME_SERIAL_HEX + 1])
{
	uint8_t s[PKI_SERIAL_LEN + 1];
	size_t n = sizeof(s);
	char *h;

	if (gnutls_x509_crt_get_serial(crt, s, &n) < 0 || n == 0 ||
	    n > PKI_SERIAL_LEN)
		return -1;
	if ((h = codec_hex_encode(s, n)) == NULL)
		return -1;
	snprintf(out, ACME_SERIAL_HEX + 1, "%s", h);
	free(h);
	return 0;
}

static enum cf_status
pem_serial(const char *pem, char out[ACME_SERIAL_HEX + 1])
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = {
	    (unsigned char *)(uintptr_t)pem, (unsigned)strlen(pem)};
	enum cf_status st = CF_E_INTERNAL;

	if (gnutls_x509_crt_init(&crt) < 0)
		return CF_E_INTERNAL;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0 &&
	    serial_hex(crt, out) == 0)
		st = CF_OK;
	gnutls_x509_crt_deinit(crt);
	return st;
}

enum cf_status
acmedb_issue(struct vault *v, const uint8_t *csr, size_t len,
    char *const *names, size_t n, char **pem, char serial[ACME_SERIAL_HEX + 1],
    const char **detail)
{
	struct json_object *req = NULL, *res = NULL, *hosts, *subj;
	const char *cert;
	char *csrpem;
	size_t pemlen, certlen, i;
	enum cf_status st;

	if (n == 0 || len > PKI_MAX_PEM / 2)
		return CF_E_BAD_REQUEST;
	if ((csrpem = csr_pem(csr, len, &pemlen)) == NULL)
		return CF_E_INTERNAL;
	if ((st = csr_names_match(csrpem, pemlen, names, n, detail)) != CF_OK)
		goto out;
	req = jb_object();
	hosts = jb_array();
	for (i = 0; i < n; i++)
		jb_push(hosts, jb_str(names[i]));
	subj = jb_object();
	jb_set_str(subj, "CN", names[0]);
	jb_set_str(req, "certificate_request", csrpem);
	jb_set(req, "hosts", hosts);
	jb_set(req, "subject", subj);
	if ((st = pki_sign(v, req, &res, detail)) != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if (cf_json_string(res, "certificate", &cert, &certlen) != CF_OK ||
	    pem_serial(cert, serial) != CF_OK)
		goto out;
	if ((*pem = strdup(cert)) == NULL)
		goto out;
	st = CF_OK;
out:
	free(csrpem);
	json_object_put(req);
	json_object_put(res);
	return st;
}

enum cf_status
acmedb_cert_serial(struct vault *v, const uint8_t *der, size_t len,
    char serial[ACME_SERIAL_HEX + 1])
{
	const struct ca_cache *ca;
	gnutls_x509_crt_t crt;
	uint8_t aki[64];
	size_t akilen = sizeof(aki);
	enum cf_status st;

	if ((st = cakey_current(v, &ca)) != CF_OK)
		return st;
	if ((st = crt_import(der, len, &crt)) != CF_OK)
		return st;
	st = CF_E_NOT_FOUND;
	if (gnutls_x509_crt_get_authority_key_id(crt, aki, &akilen, NULL) < 0 ||
	    akilen != ca->skilen || memcmp(aki, ca->ski, akilen) != 0)
		goto out;
	st = serial_hex(crt, serial) == 0 ? CF_OK : CF_E_BAD_REQUEST;
out:
	gnutls_x509_crt_deinit(crt);
	return st;
}

/* A big-endian unsigned integer's base64url without leading zeros, or
 * padded/cut to width when width is not 0. */
static void
set_b64(struct json_object *o, const char *key, const gnutls_datum_t *d,
    size_t width)
{
	uint8_t buf[JWS_RSA_MAX_N];
	const uint8_t *p = d->data;
	size_t n = d->size;
	char *s;

	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	if (width != 0 && n <= width) {
		memset(buf, 0, width - n);
		memcpy(buf + width - n, p, n);
		p = buf;
		n = width;
	}
	if ((s = codec_base64_encode(p, n, 1)) == NULL)
		return;
	jb_set_str(o, key, s);
	free(s);
}

/* The certificate's public key as a JWK; NULL when it is not one a JWS
 * may be signed with. */
static struct json_object *
crt_jwk(gnutls_x509_crt_t crt)
{
	gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
	gnutls_ecc_curve_t curve;
	struct json_object *o = NULL;

	switch (gnutls_x509_crt_get_pk_algorithm(crt, NULL)) {
	case GNUTLS_PK_EC:
		if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &a, &b) < 0)
			break;
		if (curve != GNUTLS_ECC_CURVE_SECP256R1 || a.size > 33 ||
		    b.size > 33)
			break;
		o = jb_object();
		jb_set_str(o, "kty", "EC");
		jb_set_str(o, "crv", "P-256");
		set_b64(o, "x", &a, 32);
		set_b64(o, "y", &b, 32);
		break;
	case GNUTLS_PK_RSA:
		if (gnutls_x509_crt_get_pk_rsa_raw(crt, &a, &b) < 0)
			break;
		if (a.size > JWS_RSA_MAX_N + 1 || b.size > 9)
			break;
		o = jb_object();
		jb_set_str(o, "kty", "RSA");
		set_b64(o, "n", &a, 0);
		set_b64(o, "e", &b, 0);
		break;
	default:
		break;
	}
	gnutls_free(a.data);
	gnutls_free(b.data);
	return o;
}

enum cf_status
acmedb_cert_key_thumb(
    const uint8_t *der, size_t len, char thumb[JWS_THUMB_LEN + 1])
{
	gnutls_x509_crt_t crt;
	struct json_object *jwk;
	struct jws_key k;
	enum cf_status st;

	if ((st = crt_import(der, len, &crt)) != CF_OK)
		return st;
	jwk = crt_jwk(crt);
	gnutls_x509_crt_deinit(crt);
	st = CF_E_NOT_FOUND;
	if (jwk != NULL && jws_key_parse(jwk, &k) == 0) {
		st = jws_thumbprint(&k, thumb) == 0 ? CF_OK : CF_E_INTERNAL;
		jws_key_free(&k);
	}
	json_object_put(jwk);
	return st;
}

enum cf_status
acmedb_revoke(struct vault *v, const uint8_t *der, size_t len, int reason,
    int *unchanged, const char **detail)
{
	gnutls_x509_crt_t crt;
	struct json_object *req = NULL;
	uint8_t s[PKI_SERIAL_LEN + 1], aki[64];
	size_t sn = sizeof(s), akilen = sizeof(aki);
	char dec[64], rs[4], *akihex = NULL;
	enum cf_status st;

	if (reason < 0 || reason > 10 || reason == 7)
		return CF_E_BAD_REQUEST;
	if ((st = crt_import(der, len, &crt)) != CF_OK)
		return st;
	st = CF_E_BAD_REQUEST;
	if (gnutls_x509_crt_get_serial(crt, s, &sn) < 0 ||
	    certfacts_serial_decimal(s, sn, dec, sizeof(dec)) != 0 ||
	    gnutls_x509_crt_get_authority_key_id(crt, aki, &akilen, NULL) < 0 ||
	    (akihex = codec_hex_encode(aki, akilen)) == NULL)
		goto out;
	snprintf(rs, sizeof(rs), "%d", reason);
	req = jb_object();
	jb_set_str(req, "serial", dec);
	jb_set_str(req, "authority_key_id", akihex);
	jb_set_str(req, "reason", rs);
	st = pki_revoke_once(v, req, unchanged, detail);
out:
	gnutls_x509_crt_deinit(crt);
	free(akihex);
	json_object_put(req);
	return st;
}

/* ---- External Account Binding keys ---- */

#define EAB_PFX "m:acme:eab:"

enum cf_status
acmedb_eab_new(struct vault *v, const char *subject, const char *description,
    int64_t now, char kid[ACME_ID_LEN + 1], char hmac[ACME_EAB_KEY_B64 + 1])
{
	uint8_t key[ACME_EAB_KEY_BYTES];
	struct json_object *o = NULL;
	char *b64 = NULL;
	enum cf_status st = CF_E_INTERNAL;

	if (acmedb_new_id(kid) != 0 || crypto_random(key, sizeof(key)) != 0 ||
	    (b64 = codec_base64_encode(key, sizeof(key), 1)) == NULL ||
	    strlen(b64) != ACME_EAB_KEY_B64)
		goto out;
	o = jb_object();
	jb_set_str(o, "subject", subject);
	jb_set_str(o, "key", b64);
	jb_set_str(o, "status", "valid");
	jb_set_int(o, "created", now);
	jb_set_str(o, "description", description != NULL ? description : "");
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	if ((st = acmedb_put(v, "eab", kid, o)) != CF_OK) {
		vault_abort(v);
		goto out;
	}
	if ((st = vault_commit(v)) == CF_OK)
		memcpy(hmac, b64, ACME_EAB_KEY_B64 + 1);
out:
	json_object_put(o);
	crypto_wipe(key, sizeof(key));
	if (b64 != NULL) {
		crypto_wipe(b64, strlen(b64));
		free(b64);
	}
	return st;
}

enum cf_status
acmedb_eab_get(struct vault *v, const char *kid, struct acmedb_eab *out)
{
	struct json_object *o = NULL;
	const char *subj, *k, *status;
	size_t slen, klen, n, rawlen = 0;
	uint8_t *raw = NULL;
	enum cf_status st;

	memset(out, 0, sizeof(*out));
	if ((st = acmedb_get(v, "eab", kid, &o)) != CF_OK)
		return st;
	st = CF_E_INTERNAL;
	if (cf_json_string(o, "subject", &subj, &slen) != CF_OK ||
	    slen > ACME_EAB_SUBJECT_MAX ||
	    cf_json_string(o, "key", &k, &klen) != CF_OK ||
	    cf_json_string(o, "status", &status, &n) != CF_OK ||
	    codec_base64_decode(k, klen, 1, &raw, &rawlen) != 0)
		goto out;
	if (rawlen != ACME_EAB_KEY_BYTES)
		goto out;
	memcpy(out->subject, subj, slen);
	memcpy(out->key, raw, rawlen);
	out->valid = !strcmp(status, "valid");
	st = CF_OK;
out:
	if (raw != NULL) {
		crypto_wipe(raw, rawlen);
		free(raw);
	}
	json_object_put(o);
	return st;
}

enum cf_status
acmedb_eab_revoke(struct vault *v, const char *kid)
{
	struct json_object *o = NULL;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = acmedb_get(v, "eab", kid, &o)) != CF_OK)
		goto fail;
	jb_set_str(o, "status", "revoked");
	if ((st = acmedb_put(v, "eab", kid, o)) != CF_OK)
		goto fail;
	json_object_put(o);
	return vault_commit(v);
fail:
	json_object_put(o);
	vault_abort(v);
	return st;
}

/* The listing's entry for the record o of kid: everything but the key. */
static struct json_object *
eab_entry(const char *kid, struct json_object *o)
{
	static const char *const shown[] = {
	    "subject", "status", "created", "description", NULL};
	struct json_object *e = jb_object(), *m;
	size_t i;

	jb_set_str(e, "kid", kid);
	for (i = 0; shown[i] != NULL; i++)
		if (json_object_object_get_ex(o, shown[i], &m))
			jb_set(e, shown[i], json_object_get(m));
	return e;
}

enum cf_status
acmedb_eab_list(struct vault *v, struct json_object **out)
{
	struct vault_keylist l;
	struct json_object *a = jb_array(), *o;
	const char *kid;
	enum cf_status st;
	size_t i;

	*out = NULL;
	memset(&l, 0, sizeof(l));
	if ((st = vault_read_begin(v)) != CF_OK)
		goto out;
	st = vault_list_keys(v, EAB_PFX, &l);
	for (i = 0; st == CF_OK && i < l.n; i++) {
		kid = l.k[i] + strlen(EAB_PFX);
		if ((st = acmedb_get(v, "eab", kid, &o)) != CF_OK)
			break;
		jb_push(a, eab_entry(kid, o));
		json_object_put(o);
	}
	vault_read_end(v);
	if (st == CF_OK) {
		*out = a;
		a = NULL;
	}
out:
	vault_keylist_free(&l);
	json_object_put(a);
	return st;
}
