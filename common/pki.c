/* pki.c: see pki.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "codec.h"
#include "crypto.h"
#include "csr.h"
#include "json.h"
#include "log.h"
#include "pki.h"
#include "profile.h"
#include "record.h"
#include "store.h"
#include "vault.h"
#include "x509.h"

#define CA_KEY    "m:cakey"
#define CA_CERT   "m:cacert"
#define SEEN_PFX  "m:seen:"
#define CERT_PFX  "c:"
#define BACKDATE  300 /* seconds: CFSSL backdates notBefore 5 minutes */
#define MAX_DN    64  /* X.520 upper bound of CN, O, OU, L, ST */
#define ID_LEN    20  /* SHA-1 key identifiers */
#define CA_CN     "Coffer CA"
#define DUR_LIMIT (100LL * 366 * 86400)

/* Issuing (issue() and its helpers). */
#define HOSTS_FULL   (-100000) /* a SAN setter's "no room" */
#define NAME_MAX_DER 8192      /* a subject built from JSON */

/* The key algorithms a CA may be made with (ca_key; all of them keys
 * CFSSL's initca makes too), and the one chosen; set once at start-up. */
static const struct ca_key_spec {
	const char *name;
	gnutls_pk_algorithm_t pk;
	unsigned bits;
	const char *text;
} ca_keys[] = {
    {"ecdsa-256", GNUTLS_PK_ECDSA,
        GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), "ECDSA P-256"},
    {"ecdsa-384", GNUTLS_PK_ECDSA,
        GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), "ECDSA P-384"},
    {"ecdsa-521", GNUTLS_PK_ECDSA,
        GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1), "ECDSA P-521"},
    {"rsa-2048", GNUTLS_PK_RSA, 2048, "RSA 2048"},
    {"rsa-3072", GNUTLS_PK_RSA, 3072, "RSA 3072"},
    {"rsa-4096", GNUTLS_PK_RSA, 4096, "RSA 4096"},
    {"ed25519", GNUTLS_PK_EDDSA_ED25519,
        GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), "Ed25519"},
};
static const struct ca_key_spec *ca_key = &ca_keys[0];

/* profile.h spells GnuTLS's KeyUsage bits without GnuTLS. */
_Static_assert(
    PROFILE_KU_DIGITAL_SIGNATURE == GNUTLS_KEY_DIGITAL_SIGNATURE &&
        PROFILE_KU_NON_REPUDIATION == GNUTLS_KEY_NON_REPUDIATION &&
        PROFILE_KU_KEY_ENCIPHERMENT == GNUTLS_KEY_KEY_ENCIPHERMENT &&
        PROFILE_KU_DATA_ENCIPHERMENT == GNUTLS_KEY_DATA_ENCIPHERMENT &&
        PROFILE_KU_KEY_AGREEMENT == GNUTLS_KEY_KEY_AGREEMENT &&
        PROFILE_KU_KEY_CERT_SIGN == GNUTLS_KEY_KEY_CERT_SIGN &&
        PROFILE_KU_CRL_SIGN == GNUTLS_KEY_CRL_SIGN &&
        PROFILE_KU_ENCIPHER_ONLY == GNUTLS_KEY_ENCIPHER_ONLY &&
        PROFILE_KU_DECIPHER_ONLY == GNUTLS_KEY_DECIPHER_ONLY,
    "profile.h's KeyUsage bits are GnuTLS's");

/* The CA loaded for one request. */
struct pki_ca {
	gnutls_x509_crt_t crt;
	gnutls_privkey_t key;
	gnutls_digest_algorithm_t dig; /* CFSSL's choice for the key */
	uint8_t ski[ID_LEN];
	size_t skilen;
};

static int
gt(int rc, const char *what)
{
	if (rc < 0)
		lwarnx("%s: %s", what, gnutls_strerror(rc));
	return rc;
}

/* Go clients send absent members as null. */
static int
is_null(struct json_object *o, const char *key)
{
	struct json_object *m;

	return json_object_object_get_ex(o, key, &m) && m == NULL;
}

static const struct pki_profile *
profile_find(struct json_object *req, const char **detail)
{
	const struct pki_profile *p;
	const char *name = "";
	size_t len = 0;

	if (cf_json_string(req, "profile", &name, &len) == CF_E_BAD_JSON &&
	    !is_null(req, "profile")) {
		*detail = "5300 profile must be a string";
		return NULL;
	}
	/* CFSSL's universal signer: "" is the default, any other name must
	 * be configured (errors.UnknownProfile). */
	if ((p = profile_get(name, len)) == NULL)
		*detail = "5400 Unknown policy profile";
	return p;
}

/* ---- small helpers ---- */

static char *
hex_colons(const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	char *s = malloc(n ? 3 * n : 1);
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[3 * i] = digits[b[i] >> 4];
		s[3 * i + 1] = digits[b[i] & 15];
		s[3 * i + 2] = i + 1 < n ? ':' : '\0';
	}
	if (n == 0)
		s[0] = '\0';
	return s;
}

/* Lowercase hex without colons from "AB:cd..." or "abcd"; 0 or -1. */
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

static void
time_text(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void
add_time(struct json_object *o, const char *k, int64_t t)
{
	char ts[32];

	time_text(t, ts, sizeof(ts));
	add_str(o, k, ts);
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

int
pki_duration(const char *s, int64_t *out)
{
	int64_t total = 0, v;
	const char *p = s;
	int any = 0;

	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p++ - '0');
			if (v > DUR_LIMIT)
				return -1;
		}
		if (*p == 'h')
			v *= 3600;
		else if (*p == 'm')
			v *= 60;
		else if (*p != 's')
			return -1;
		p++;
		total += v;
		if (total > DUR_LIMIT)
			return -1;
		any = 1;
	}
	if (!any)
		return -1;
	*out = total;
	return 0;
}

static int
dns_valid(const char *s, size_t len)
{
	size_t i, lab = 0;

	if (len == 0 || len > PKI_MAX_HOST)
		return 0;
	/* One leading wildcard label, as CAs issue it. */
	if (len > 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		len -= 2;
	}
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return 0;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0 && s[len - 1] != '-';
}

enum pki_host_kind
pki_host_parse(const char *s, size_t len, uint8_t ip[16], size_t *iplen)
{
	char buf[PKI_MAX_HOST + 1];
	const char *at;
	size_t i;

	if (len == 0 || len > PKI_MAX_HOST || memchr(s, '\0', len) != NULL)
		return PKI_HOST_BAD;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, ip) == 1) {
		*iplen = 4;
		return PKI_HOST_IP;
	}
	if (inet_pton(AF_INET6, buf, ip) == 1) {
		*iplen = 16;
		return PKI_HOST_IP;
	}
	if ((at = memchr(buf, '@', len)) != NULL) {
		if (at == buf ||
		    !dns_valid(at + 1, len - (size_t)(at - buf) - 1))
			return PKI_HOST_BAD;
		for (i = 0; buf + i < at; i++)
			if (buf[i] <= ' ' || buf[i] > '~' || buf[i] == '@' ||
			    buf[i] == '<' || buf[i] == '>')
				return PKI_HOST_BAD;
		return PKI_HOST_EMAIL;
	}
	return dns_valid(buf, len) ? PKI_HOST_DNS : PKI_HOST_BAD;
}

/* ---- the CA ---- */

static void
ca_free(struct pki_ca *ca)
{
	if (ca == NULL)
		return;
	if (ca->crt != NULL)
		gnutls_x509_crt_deinit(ca->crt);
	if (ca->key != NULL)
		gnutls_privkey_deinit(ca->key);
	free(ca);
}

static int
key_id(gnutls_pubkey_t pub, uint8_t *id, size_t *len)
{
	*len = ID_LEN;
	return gt(gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA1, id, len),
	    "gnutls_pubkey_get_key_id");
}

static int
random_serial(uint8_t *s)
{
	if (crypto_random(s, PKI_SERIAL_LEN) != 0)
		return -1;
	/* Positive, and 20 bytes in DER without a leading zero byte. */
	s[0] &= 0x7f;
	if (s[0] == 0)
		s[0] = 1;
	return 0;
}

static const struct ca_key_spec *
ca_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ca_keys) / sizeof(ca_keys[0]); i++)
		if (!strcmp(ca_keys[i].name, name))
			return &ca_keys[i];
	return NULL;
}

int
pki_ca_key_set(const char *name)
{
	const struct ca_key_spec *spec;

	if ((spec = ca_key_find(name)) == NULL)
		return -1;
	ca_key = spec;
	return 0;
}

/* The digest CFSSL signs with for a CA key (signer.DefaultSigAlgo);
 * Ed25519 hashes inside its signature, with SHA-512. */
static gnutls_digest_algorithm_t
ca_digest(int pk, unsigned bits)
{
	if (pk == GNUTLS_PK_RSA)
		return bits >= 4096   ? GNUTLS_DIG_SHA512
		       : bits >= 3072 ? GNUTLS_DIG_SHA384
		                      : GNUTLS_DIG_SHA256;
	if (pk == GNUTLS_PK_ECDSA)
		return bits >= 521   ? GNUTLS_DIG_SHA512
		       : bits >= 384 ? GNUTLS_DIG_SHA384
		                     : GNUTLS_DIG_SHA256;
	return GNUTLS_DIG_SHA512;
}

/* A self-signed CA certificate and its key of kind spec, both PEM
 * (gnutls_free). */
static enum cf_status
ca_make(const struct ca_key_spec *spec, gnutls_datum_t *keypem,
    gnutls_datum_t *certpem)
{
	gnutls_privkey_t key = NULL;
	gnutls_x509_privkey_t xkey = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_x509_crt_t crt = NULL;
	uint8_t serial[PKI_SERIAL_LEN], id[ID_LEN];
	size_t idlen;
	unsigned bits = 0;
	int pk;
	time_t now = time(NULL);
	enum cf_status st = CF_E_INTERNAL;

	if (gt(gnutls_privkey_init(&key), "privkey_init") < 0 ||
	    gt(gnutls_privkey_generate(key, spec->pk, spec->bits, 0),
	        "privkey_generate") < 0 ||
	    (pk = gnutls_privkey_get_pk_algorithm(key, &bits)) < 0 ||
	    gt(gnutls_pubkey_init(&pub), "pubkey_init") < 0 ||
	    gt(gnutls_pubkey_import_privkey(pub, key, 0, 0), "import") < 0 ||
	    key_id(pub, id, &idlen) < 0 || random_serial(serial) != 0 ||
	    gt(gnutls_x509_crt_init(&crt), "crt_init") < 0 ||
	    gt(gnutls_x509_crt_set_version(crt, 3), "version") < 0 ||
	    gt(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)),
	        "serial") < 0 ||
	    gt(gnutls_x509_crt_set_dn_by_oid(
	           crt, GNUTLS_OID_X520_COMMON_NAME, 0, CA_CN, strlen(CA_CN)),
	        "dn") < 0 ||
	    gt(gnutls_x509_crt_set_dn_by_oid(
	           crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "Coffer", 6),
	        "dn") < 0 ||
	    gt(gnutls_x509_crt_set_activation_time(crt, now - BACKDATE),
	        "activation") < 0 ||
	    gt(gnutls_x509_crt_set_expiration_time(crt, now + PKI_CA_LIFETIME),
	        "expiration") < 0 ||
	    gt(gnutls_x509_crt_set_pubkey(crt, pub), "set_pubkey") < 0 ||
	    gt(gnutls_x509_crt_set_basic_constraints(crt, 1, -1), "bc") < 0 ||
	    gt(gnutls_x509_crt_set_key_usage(
	           crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
	                    GNUTLS_KEY_DIGITAL_SIGNATURE),
	        "ku") < 0 ||
	    gt(gnutls_x509_crt_set_subject_key_id(crt, id, idlen), "ski") < 0 ||
	    gt(gnutls_x509_crt_privkey_sign(
	           crt, crt, key, ca_digest(pk, bits), 0),
	        "sign") < 0 ||
	    gt(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, certpem),
	        "export") < 0 ||
	    gt(gnutls_privkey_export_x509(key, &xkey), "export_x509") < 0 ||
	    gt(gnutls_x509_privkey_export2_pkcs8(
	           xkey, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, keypem),
	        "pkcs8") < 0)
		goto out;
	st = CF_OK;
out:
	if (xkey != NULL)
		gnutls_x509_privkey_deinit(xkey);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (key != NULL)
		gnutls_privkey_deinit(key);
	return st;
}

enum cf_status
pki_ca_new(const char *algo, struct vault_seed *seed)
{
	const struct ca_key_spec *spec = ca_key;
	gnutls_datum_t key = {NULL, 0}, crt = {NULL, 0};
	enum cf_status st;

	memset(seed, 0, PKI_CA_SEEDS * sizeof(*seed));
	if (algo != NULL && (spec = ca_key_find(algo)) == NULL)
		return CF_E_BAD_REQUEST;
	if ((st = ca_make(spec, &key, &crt)) != CF_OK) {
		if (key.data != NULL)
			crypto_wipe(key.data, key.size);
		gnutls_free(key.data);
		gnutls_free(crt.data);
		return st;
	}
	seed[0].key = CA_KEY;
	seed[0].pt = key.data;
	seed[0].len = key.size;
	seed[1].key = CA_CERT;
	seed[1].pt = crt.data;
	seed[1].len = crt.size;
	seed[1].clear = 1;
	linfo("certificate authority made for init (%s)", spec->text);
	return CF_OK;
}

void
pki_ca_seeds_free(struct vault_seed *seed)
{
	size_t i;

	for (i = 0; i < PKI_CA_SEEDS; i++) {
		/* The seeds' bytes are ours, from gnutls (ca_make). */
		void *pt = (void *)(uintptr_t)seed[i].pt;

		if (pt != NULL)
			crypto_wipe(pt, seed[i].len);
		gnutls_free(pt);
		seed[i].pt = NULL;
	}
}

static enum cf_status
put_clear(struct vault *v, const char *key, const void *pt, size_t len)
{
	uint8_t *rec = NULL;
	size_t reclen;
	enum cf_status st;

	if ((st = record_clear(RECORD_META, pt, len, &rec, &reclen)) != CF_OK)
		return st;
	if (store_put(vault_store(v), key, strlen(key), rec, reclen) != 0)
		st = CF_E_INTERNAL;
	free(rec);
	return st;
}

/* In a section: the CA certificate PEM (malloc'd, NUL-terminated). */
static enum cf_status
cert_read(struct vault *v, char **pem, size_t *len)
{
	uint8_t *raw = NULL;
	const uint8_t *pt;
	size_t rawlen, ptlen;
	enum cf_status st = CF_E_INTERNAL;
	int rc;

	rc = store_get(vault_store(v), CA_CERT, strlen(CA_CERT), &raw, &rawlen);
	if (rc == STORE_NOTFOUND)
		return CF_E_NOT_FOUND;
	if (rc == 0 && record_read_clear(raw, rawlen, &pt, &ptlen) == CF_OK &&
	    (*pem = malloc(ptlen + 1)) != NULL) {
		memcpy(*pem, pt, ptlen);
		(*pem)[ptlen] = '\0';
		*len = ptlen;
		st = CF_OK;
	}
	free(raw);
	return st;
}

enum cf_status
pki_ca_pem(struct vault *v, char **pem, size_t *len)
{
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = cert_read(v, pem, len);
	vault_read_end(v);
	return st;
}

enum cf_status
pki_ca_ensure(struct vault *v)
{
	gnutls_datum_t key = {NULL, 0}, crt = {NULL, 0};
	char *pem = NULL;
	size_t len;
	enum cf_status st;

	if ((st = pki_ca_pem(v, &pem, &len)) != CF_E_NOT_FOUND) {
		free(pem);
		return st;
	}
	/* Key generation happens before the write lock; a process that
	 * loses the race throws its key away. */
	if ((st = ca_make(ca_key, &key, &crt)) != CF_OK)
		goto out;
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	st = cert_read(v, &pem, &len);
	if (st == CF_OK) {
		vault_abort(v);
		goto out;
	}
	if (st != CF_E_NOT_FOUND ||
	    (st = vault_put(v, RECORD_META, CA_KEY, key.data, key.size)) !=
	        CF_OK ||
	    (st = put_clear(v, CA_CERT, crt.data, crt.size)) != CF_OK) {
		vault_abort(v);
		goto out;
	}
	if ((st = vault_commit(v)) == CF_OK)
		linfo("certificate authority created on first use (%s)",
		    ca_key->text);
out:
	free(pem);
	if (key.data != NULL)
		crypto_wipe(key.data, key.size);
	gnutls_free(key.data);
	gnutls_free(crt.data);
	return st;
}

/* The CA's key and certificate, in one read section. */
static enum cf_status
ca_read(struct vault *v, uint8_t **key, size_t *keylen, char **cert,
    size_t *certlen)
{
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get(v, CA_KEY, key, keylen)) == CF_OK &&
	    (st = cert_read(v, cert, certlen)) != CF_OK) {
		record_free(*key, *keylen);
		*key = NULL;
	}
	vault_read_end(v);
	return st;
}

/* The CA certificate's key id when it carries none (an imported CA may
 * not): SHA-1 of its public key, as the issued AKIs then say. */
static int
ca_ski(struct pki_ca *ca)
{
	unsigned crit;

	ca->skilen = sizeof(ca->ski);
	if (gnutls_x509_crt_get_subject_key_id(
	        ca->crt, ca->ski, &ca->skilen, &crit) >= 0)
		return 0;
	ca->skilen = sizeof(ca->ski);
	return gt(gnutls_x509_crt_get_key_id(
	              ca->crt, GNUTLS_KEYID_USE_SHA1, ca->ski, &ca->skilen),
	    "CA key id");
}

/* The CA for signing: made on first use for a store initialized before the
 * CA was made at init; needs the unsealed store. */
static enum cf_status
ca_load(struct vault *v, struct pki_ca **out)
{
	struct pki_ca *ca = NULL;
	gnutls_datum_t d;
	uint8_t *key = NULL;
	size_t keylen = 0, certlen = 0;
	char *cert = NULL;
	unsigned bits = 0;
	int pk;
	enum cf_status st;

	if ((st = ca_read(v, &key, &keylen, &cert, &certlen)) ==
	        CF_E_NOT_FOUND &&
	    (st = pki_ca_ensure(v)) == CF_OK)
		st = ca_read(v, &key, &keylen, &cert, &certlen);
	if (st != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		goto out;
	d.data = key;
	d.size = (unsigned)keylen;
	if (gt(gnutls_privkey_init(&ca->key), "privkey_init") < 0 ||
	    gt(gnutls_privkey_import_x509_raw(
	           ca->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0),
	        "import CA key") < 0)
		goto out;
	if ((pk = gnutls_privkey_get_pk_algorithm(ca->key, &bits)) < 0)
		goto out;
	ca->dig = ca_digest(pk, bits);
	d.data = (unsigned char *)cert;
	d.size = (unsigned)certlen;
	if (gt(gnutls_x509_crt_init(&ca->crt), "crt_init") < 0 ||
	    gt(gnutls_x509_crt_import(ca->crt, &d, GNUTLS_X509_FMT_PEM),
	        "import CA certificate") < 0 ||
	    ca_ski(ca) < 0)
		goto out;
	*out = ca;
	ca = NULL;
	st = CF_OK;
out:
	ca_free(ca);
	record_free(key, keylen);
	free(cert);
	return st;
}

/* ---- certificate facts ---- */

static const char *
sigalg_name(int alg)
{
	switch (alg) {
	case GNUTLS_SIGN_ECDSA_SHA256:
		return "ECDSAWithSHA256";
	case GNUTLS_SIGN_ECDSA_SHA384:
		return "ECDSAWithSHA384";
	case GNUTLS_SIGN_ECDSA_SHA512:
		return "ECDSAWithSHA512";
	case GNUTLS_SIGN_RSA_SHA256:
		return "SHA256WithRSA";
	case GNUTLS_SIGN_RSA_SHA384:
		return "SHA384WithRSA";
	case GNUTLS_SIGN_RSA_SHA512:
		return "SHA512WithRSA";
	case GNUTLS_SIGN_EDDSA_ED25519:
		return "Ed25519";
	default:
		return "Unknown";
	}
}

static struct json_object *
name_json(gnutls_x509_crt_t crt, int issuer)
{
	static const struct {
		const char *key, *oid;
	} parts[] = {
	    {"common_name", GNUTLS_OID_X520_COMMON_NAME},
	    {"serial_number", "2.5.4.5"},
	    {"country", GNUTLS_OID_X520_COUNTRY_NAME},
	    {"organization", GNUTLS_OID_X520_ORGANIZATION_NAME},
	    {"organizational_unit", GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME},
	    {"locality", GNUTLS_OID_X520_LOCALITY_NAME},
	    {"province", GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME},
	};
	struct json_object *o = json_object_new_object();
	char buf[256];
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		len = sizeof(buf);
		rc = issuer ? gnutls_x509_crt_get_issuer_dn_by_oid(
		                  crt, parts[i].oid, 0, 0, buf, &len)
		            : gnutls_x509_crt_get_dn_by_oid(
		                  crt, parts[i].oid, 0, 0, buf, &len);
		if (rc >= 0)
			json_object_object_add(o, parts[i].key,
			    json_object_new_string_len(buf, (int)len));
	}
	return o;
}

static struct json_object *
sans_json(gnutls_x509_crt_t crt)
{
	struct json_object *a = json_object_new_array();
	char buf[PKI_MAX_HOST + 1], ip[INET6_ADDRSTRLEN];
	unsigned i, type;
	size_t len;
	int rc;

	for (i = 0; i < PKI_MAX_HOSTS; i++) {
		len = sizeof(buf) - 1;
		rc = gnutls_x509_crt_get_subject_alt_name2(
		    crt, i, buf, &len, &type, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;
		if (type == GNUTLS_SAN_IPADDRESS) {
			if (inet_ntop(len == 4 ? AF_INET : AF_INET6, buf, ip,
			        sizeof(ip)) != NULL)
				json_object_array_add(
				    a, json_object_new_string(ip));
		} else if (type == GNUTLS_SAN_DNSNAME ||
		           type == GNUTLS_SAN_RFC822NAME ||
		           type == GNUTLS_SAN_URI)
			json_object_array_add(
			    a, json_object_new_string_len(buf, (int)len));
	}
	return a;
}

static enum cf_status
crt_import(
    const char *pem, size_t len, gnutls_x509_crt_t *out, const char **detail)
{
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
	gnutls_x509_crt_t crt = NULL;

	if (len > PKI_MAX_PEM ||
	    strstr(pem, "-----BEGIN CERTIFICATE") == NULL) {
		*detail = "1002 Failed to decode certificate";
		return CF_E_BAD_REQUEST;
	}
	if (gnutls_x509_crt_init(&crt) < 0)
		return CF_E_INTERNAL;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_crt_deinit(crt);
		*detail = "1003 Failed to parse certificate";
		return CF_E_BAD_REQUEST;
	}
	*out = crt;
	return CF_OK;
}

/* CFSSL's certinfo.Certificate of crt. */
static struct json_object *
certinfo_json(gnutls_x509_crt_t crt, const char *pem)
{
	struct json_object *o = json_object_new_object();
	uint8_t b[64];
	char dec[160], *hex;
	size_t len;
	unsigned crit;

	json_object_object_add(o, "subject", name_json(crt, 0));
	json_object_object_add(o, "issuer", name_json(crt, 1));
	len = sizeof(b);
	if (gnutls_x509_crt_get_serial(crt, b, &len) >= 0 &&
	    pki_serial_decimal(b, len, dec, sizeof(dec)) == 0)
		add_str(o, "serial_number", dec);
	json_object_object_add(o, "sans", sans_json(crt));
	add_time(o, "not_before", gnutls_x509_crt_get_activation_time(crt));
	add_time(o, "not_after", gnutls_x509_crt_get_expiration_time(crt));
	add_str(o, "sigalg",
	    sigalg_name(gnutls_x509_crt_get_signature_algorithm(crt)));
	len = sizeof(b);
	if (gnutls_x509_crt_get_authority_key_id(crt, b, &len, &crit) >= 0 &&
	    (hex = hex_colons(b, len)) != NULL) {
		add_str(o, "authority_key_id", hex);
		free(hex);
	}
	len = sizeof(b);
	if (gnutls_x509_crt_get_subject_key_id(crt, b, &len, &crit) >= 0 &&
	    (hex = hex_colons(b, len)) != NULL) {
		add_str(o, "subject_key_id", hex);
		free(hex);
	}
	add_str(o, "pem", pem);
	return o;
}

/* ---- certificate records ---- */

static enum cf_status
record_cert(struct vault *v, const uint8_t *serial, size_t slen,
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

/* ---- subjects and hosts from JSON ---- */

/* Apply CN and names[] ({C,ST,L,O,OU}) of a CFSSL CSR JSON to a setter. */
typedef int (*dn_setter)(void *obj, const char *oid, const void *v, size_t n);

/* An attribute of a certificate's subject, into an open Name (der_w). */
static int
set_der_dn(void *obj, const char *oid, const void *v, size_t n)
{
	static const struct {
		const char *oid;
		uint8_t der[5];
	} oids[] = {
	    {GNUTLS_OID_X520_COUNTRY_NAME, {0x06, 0x03, 0x55, 0x04, 0x06}},
	    {GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME,
	        {0x06, 0x03, 0x55, 0x04, 0x08}},
	    {GNUTLS_OID_X520_LOCALITY_NAME, {0x06, 0x03, 0x55, 0x04, 0x07}},
	    {GNUTLS_OID_X520_ORGANIZATION_NAME, {0x06, 0x03, 0x55, 0x04, 0x0a}},
	    {GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME,
	        {0x06, 0x03, 0x55, 0x04, 0x0b}},
	    {GNUTLS_OID_X520_COMMON_NAME, {0x06, 0x03, 0x55, 0x04, 0x03}},
	};
	static const char printable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                "abcdefghijklmnopqrstuvwxyz"
	                                "0123456789 '()+,-./:=?";
	struct der_w *w = obj;
	const char *s = v;
	size_t i, k;

	for (i = 0; i < sizeof(oids) / sizeof(oids[0]); i++)
		if (!strcmp(oids[i].oid, oid))
			break;
	if (i == sizeof(oids) / sizeof(oids[0]))
		return -1;
	/* countryName is a PrintableString (X.520); the rest UTF-8. */
	if (i == 0) {
		for (k = 0; k < n; k++)
			if (s[k] == '\0' || strchr(printable, s[k]) == NULL)
				return -1;
	} else if (!codec_utf8_valid(s, n))
		return -1;
	x509_name_part(w, oids[i].der, sizeof(oids[i].der),
	    i == 0 ? DER_PRINTABLE : DER_UTF8, s, n);
	return w->err ? -1 : 0;
}

static int
set_crq_dn(void *obj, const char *oid, const void *v, size_t n)
{
	return gnutls_x509_crq_set_dn_by_oid(
	    (gnutls_x509_crq_t)obj, oid, 0, v, (unsigned)n);
}

static enum cf_status
apply_name(struct json_object *o, const char *key, const char *oid,
    dn_setter set, void *obj, const char **detail)
{
	const char *s;
	size_t len;
	enum cf_status st = cf_json_string(o, key, &s, &len);

	if (st == CF_E_NOT_FOUND || (st == CF_OK && len == 0))
		return CF_OK;
	if (st != CF_OK || len > MAX_DN || memchr(s, '\0', len) != NULL ||
	    (!strcmp(key, "C") && len != 2)) {
		*detail = "5300 invalid subject name";
		return CF_E_BAD_REQUEST;
	}
	if (gt(set(obj, oid, s, len), "set_dn_by_oid") < 0) {
		*detail = "5300 invalid subject name";
		return CF_E_BAD_REQUEST;
	}
	return CF_OK;
}

static enum cf_status
apply_subject(
    struct json_object *o, dn_setter set, void *obj, const char **detail)
{
	static const struct {
		const char *key, *oid;
	} parts[] = {
	    {"C", GNUTLS_OID_X520_COUNTRY_NAME},
	    {"ST", GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME},
	    {"L", GNUTLS_OID_X520_LOCALITY_NAME},
	    {"O", GNUTLS_OID_X520_ORGANIZATION_NAME},
	    {"OU", GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME},
	};
	struct json_object *names, *n;
	size_t i, j, count;
	enum cf_status st;

	st = cf_json_array(o, "names", &names);
	if (st == CF_E_BAD_JSON) {
		*detail = "5300 names must be an array";
		return CF_E_BAD_REQUEST;
	}
	count = st == CF_OK ? json_object_array_length(names) : 0;
	if (count > 16) {
		*detail = "5300 too many names";
		return CF_E_BAD_REQUEST;
	}
	for (i = 0; i < count; i++) {
		n = json_object_array_get_idx(names, i);
		if (!json_object_is_type(n, json_type_object)) {
			*detail = "5300 names must be objects";
			return CF_E_BAD_REQUEST;
		}
		for (j = 0; j < sizeof(parts) / sizeof(parts[0]); j++)
			if ((st = apply_name(n, parts[j].key, parts[j].oid, set,
			         obj, detail)) != CF_OK)
				return st;
	}
	return apply_name(
	    o, "CN", GNUTLS_OID_X520_COMMON_NAME, set, obj, detail);
}

typedef int (*san_setter)(
    void *obj, gnutls_x509_subject_alt_name_t t, const void *v, size_t n);

/* The SANs of one certificate; IP bytes are copied, names borrowed from
 * the request. */
struct san_list {
	struct x509_san s[PKI_MAX_HOSTS];
	uint8_t ip[PKI_MAX_HOSTS][16];
	size_t n;
};

static int
set_list_san(
    void *obj, gnutls_x509_subject_alt_name_t t, const void *v, size_t n)
{
	struct san_list *l = obj;
	struct x509_san *e;

	if (l->n == PKI_MAX_HOSTS)
		return HOSTS_FULL;
	e = &l->s[l->n];
	e->p = v;
	e->len = n;
	if (t == GNUTLS_SAN_IPADDRESS) {
		if (n > sizeof(l->ip[0]))
			return -1;
		memcpy(l->ip[l->n], v, n);
		e->p = l->ip[l->n];
		e->tag = DER_CTX(7);
	} else
		e->tag = t == GNUTLS_SAN_RFC822NAME ? DER_CTX(1) : DER_CTX(2);
	l->n++;
	return 0;
}

static int
set_crq_san(
    void *obj, gnutls_x509_subject_alt_name_t t, const void *v, size_t n)
{
	gnutls_datum_t d = {(unsigned char *)v, (unsigned)n};

	return gnutls_x509_crq_set_subject_alt_name(
	    (gnutls_x509_crq_t)obj, t, d.data, d.size, GNUTLS_FSAN_APPEND);
}

static enum cf_status
add_host(
    const char *s, size_t len, san_setter set, void *obj, const char **detail)
{
	uint8_t ip[16];
	size_t iplen = 0;
	int rc;

	switch (pki_host_parse(s, len, ip, &iplen)) {
	case PKI_HOST_IP:
		rc = set(obj, GNUTLS_SAN_IPADDRESS, ip, iplen);
		break;
	case PKI_HOST_EMAIL:
		rc = set(obj, GNUTLS_SAN_RFC822NAME, s, len);
		break;
	case PKI_HOST_DNS:
		rc = set(obj, GNUTLS_SAN_DNSNAME, s, len);
		break;
	default:
		*detail = "5300 invalid host: hosts are DNS names, IP "
		          "addresses or e-mail addresses";
		return CF_E_BAD_REQUEST;
	}
	if (rc == HOSTS_FULL) {
		*detail = "5300 at most 100 hosts";
		return CF_E_BAD_REQUEST;
	}
	return gt(rc, "set_subject_alt_name") < 0 ? CF_E_INTERNAL : CF_OK;
}

/* CFSSL's "hostname": hosts separated by commas (signer.SplitHosts). */
static enum cf_status
apply_hostname(struct json_object *o, san_setter set, void *obj, int *given,
    const char **detail)
{
	const char *s, *comma;
	size_t len, part;
	enum cf_status st;

	if (cf_json_string(o, "hostname", &s, &len) != CF_OK || len == 0)
		return CF_OK;
	while (len > 0) {
		comma = memchr(s, ',', len);
		part = comma ? (size_t)(comma - s) : len;
		if ((st = add_host(s, part, set, obj, detail)) != CF_OK)
			return st;
		*given = 1;
		if (comma == NULL)
			break;
		s += part + 1;
		len -= part + 1;
	}
	return CF_OK;
}

/* hosts[] of o (else hostname); *given says whether any host was there. */
static enum cf_status
apply_hosts(struct json_object *o, san_setter set, void *obj, int *given,
    const char **detail)
{
	struct json_object *a, *h;
	size_t i, n;
	enum cf_status st;

	*given = 0;
	if (is_null(o, "hosts"))
		return apply_hostname(o, set, obj, given, detail);
	st = cf_json_array(o, "hosts", &a);
	if (st == CF_E_NOT_FOUND)
		return apply_hostname(o, set, obj, given, detail);
	if (st != CF_OK || (n = json_object_array_length(a)) > PKI_MAX_HOSTS) {
		*detail = "5300 hosts must be an array of at most 100 strings";
		return CF_E_BAD_REQUEST;
	}
	for (i = 0; i < n; i++) {
		h = json_object_array_get_idx(a, i);
		if (!json_object_is_type(h, json_type_string)) {
			*detail = "5300 hosts must be strings";
			return CF_E_BAD_REQUEST;
		}
		if ((st = add_host(json_object_get_string(h),
		         (size_t)json_object_get_string_len(h), set, obj,
		         detail)) != CF_OK)
			return st;
	}
	*given = n > 0;
	return n > 0 ? CF_OK : apply_hostname(o, set, obj, given, detail);
}

/* The CSR's own SANs, validated like request hosts. */
static enum cf_status
copy_csr_sans(const struct csr *c, struct san_list *l, const char **detail)
{
	struct der_r names = c->sans, v;
	unsigned tag;
	size_t i;

	while (names.len > 0) {
		if (der_next(&names, &tag, &v, NULL) != 0 ||
		    l->n == PKI_MAX_HOSTS) {
			*detail = "5300 invalid subject alternative name in "
			          "the certificate request";
			return CF_E_BAD_REQUEST;
		}
		for (i = 0; tag == DER_CTX(1) && i < v.len; i++)
			if (v.p[i] <= ' ' || v.p[i] > '~')
				break;
		if (!(tag == DER_CTX(7) && (v.len == 4 || v.len == 16)) &&
		    !(tag == DER_CTX(2) &&
		        dns_valid((const char *)v.p, v.len)) &&
		    !(tag == DER_CTX(1) && v.len > 0 && i == v.len)) {
			*detail =
			    "5300 invalid host in the certificate request";
			return CF_E_BAD_REQUEST;
		}
		l->s[l->n].tag = tag;
		l->s[l->n].p = v.p;
		l->s[l->n].len = v.len;
		l->n++;
	}
	return CF_OK;
}

/* CFSSL's key rules (csr.go): RSA 2048-8192, ECDSA 256/384/521, Ed25519. */
static enum cf_status
key_allowed(int pk, unsigned bits, const char **detail)
{
	if (pk == GNUTLS_PK_RSA) {
		if (bits < 2048) {
			*detail = "5300 RSA key is too weak";
			return CF_E_BAD_REQUEST;
		}
		if (bits <= 8192)
			return CF_OK;
	}
	if (pk == GNUTLS_PK_ECDSA &&
	    (bits == 256 || bits == 384 || bits == 521))
		return CF_OK;
	if (pk == GNUTLS_PK_EDDSA_ED25519)
		return CF_OK;
	*detail = "5300 unsupported key algorithm or size";
	return CF_E_BAD_REQUEST;
}

/* ---- signing ---- */

struct issue {
	const char *csr;
	size_t csrlen;
	struct json_object *req; /* hosts, subject */
	const struct pki_profile *profile;
};

static enum cf_status
crq_import(const char *pem, size_t len, struct csr *c, const char **detail)
{
	switch (csr_parse(pem, len, c)) {
	case CSR_OK:
		return CF_OK;
	case CSR_DECODE:
		*detail = "9002 failed to decode the certificate request";
		return CF_E_BAD_REQUEST;
	case CSR_PARSE:
		*detail = "9003 failed to parse the certificate request";
		return CF_E_BAD_REQUEST;
	default:
		return CF_E_INTERNAL;
	}
}

/* The signature first: nothing is taken from an unverified CSR. */
static enum cf_status
crq_check(const struct csr *c, const char **detail)
{
	unsigned bits = 0;
	int pk;

	switch (csr_verify(c)) {
	case CSR_OK:
		break;
	case CSR_BAD_SIG:
		*detail = "9300 the certificate request's signature does not "
		          "verify";
		return CF_E_BAD_REQUEST;
	case CSR_PARSE:
		*detail = "9003 failed to parse the certificate request";
		return CF_E_BAD_REQUEST;
	default:
		return CF_E_INTERNAL;
	}
	if (csr_key(c, &pk, &bits) != 0)
		return CF_E_INTERNAL;
	return key_allowed(pk, bits, detail);
}

/*
 * This process's CA, parsed once per unseal rather than per request (its
 * PEM key import alone cost more than the signature).  It is good while
 * the vault's epoch is the one it was made in and the CA certificate is
 * the one it was made from (an import replaces both); every request checks
 * both, and drops it the moment the store is found sealed.
 */
struct ca_cache {
	struct x509_signer *signer;
	char *pem; /* the CA certificate */
	size_t pemlen;
	uint8_t *issuer; /* its subject Name, DER */
	size_t issuerlen;
	uint8_t ski[ID_LEN];
	size_t skilen;
	int64_t not_after;
	int32_t epoch;
};

static struct ca_cache cache;

static void
cache_drop(void)
{
	x509_signer_free(cache.signer);
	free(cache.pem);
	free(cache.issuer);
	memset(&cache, 0, sizeof(cache));
}

/* The CA's subject key id, else (an imported CA without one) its key's. */
static int
cache_ski(gnutls_x509_crt_t crt)
{
	unsigned crit;

	cache.skilen = sizeof(cache.ski);
	if (gnutls_x509_crt_get_subject_key_id(
	        crt, cache.ski, &cache.skilen, &crit) >= 0)
		return 0;
	cache.skilen = sizeof(cache.ski);
	return gt(gnutls_x509_crt_get_key_id(
	              crt, GNUTLS_KEYID_USE_SHA1, cache.ski, &cache.skilen),
	    "CA key id");
}

static enum cf_status
cache_fill(struct vault *v, int32_t epoch)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d, dn = {NULL, 0};
	uint8_t *key = NULL;
	size_t keylen = 0;
	enum cf_status st;

	if ((st = ca_read(v, &key, &keylen, &cache.pem, &cache.pemlen)) ==
	        CF_E_NOT_FOUND &&
	    (st = pki_ca_ensure(v)) == CF_OK)
		st = ca_read(v, &key, &keylen, &cache.pem, &cache.pemlen);
	if (st != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	d.data = (unsigned char *)cache.pem;
	d.size = (unsigned)cache.pemlen;
	if (x509_signer_new(key, keylen, &cache.signer) != 0 ||
	    gt(gnutls_x509_crt_init(&crt), "crt_init") < 0 ||
	    gt(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	        "import CA certificate") < 0 ||
	    gt(gnutls_x509_crt_get_raw_dn(crt, &dn), "CA subject") < 0 ||
	    cache_ski(crt) < 0 || (cache.issuer = malloc(dn.size)) == NULL)
		goto out;
	memcpy(cache.issuer, dn.data, dn.size);
	cache.issuerlen = dn.size;
	cache.not_after = gnutls_x509_crt_get_expiration_time(crt);
	cache.epoch = epoch;
	st = CF_OK;
out:
	if (st != CF_OK)
		cache_drop();
	gnutls_free(dn.data);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	record_free(key, keylen);
	return st;
}

static enum cf_status
ca_current(struct vault *v)
{
	char *pem = NULL;
	size_t len = 0;
	int32_t epoch;
	int same;
	enum cf_status st;

	if ((st = vault_ready(v)) != CF_OK) {
		cache_drop();
		return st;
	}
	epoch = vault_epoch(v);
	if (cache.signer != NULL && epoch != 0 && epoch == cache.epoch) {
		st = pki_ca_pem(v, &pem, &len);
		same = st == CF_OK && len == cache.pemlen &&
		       !memcmp(pem, cache.pem, len);
		free(pem);
		if (same)
			return CF_OK;
	}
	cache_drop();
	return cache_fill(v, epoch);
}

/* The subject override of a sign request ({CN, names}), as a Name. */
static enum cf_status
subject_der(struct json_object *subj, uint8_t *buf, size_t cap,
    struct der_r *out, const char **detail)
{
	struct der_w w;
	enum cf_status st;

	der_w_init(&w, buf, cap);
	der_open(&w, DER_SEQUENCE);
	if ((st = apply_subject(subj, set_der_dn, &w, detail)) != CF_OK)
		return st;
	der_close(&w);
	if (w.err) {
		*detail = "5300 invalid subject name";
		return CF_E_BAD_REQUEST;
	}
	out->p = buf;
	out->len = w.len;
	return CF_OK;
}

/* The certificate of t, signed by the CA, as PEM (malloc'd). */
static enum cf_status
encode_cert(const struct x509_tbs *t, size_t cap, char **pem, size_t *pemlen)
{
	uint8_t *buf;
	size_t tbslen, len;
	enum cf_status st = CF_E_INTERNAL;

	/* The TBS, then the certificate around it and its signature. */
	if ((buf = malloc(2 * cap + X509_SIG_MAX + 64)) == NULL)
		return CF_E_INTERNAL;
	if (x509_tbs_encode(t, buf, cap, &tbslen) == 0 &&
	    x509_sign(cache.signer, buf, tbslen, buf + cap,
	        cap + X509_SIG_MAX + 64, &len) == 0 &&
	    (*pem = x509_pem(buf + cap, len, pemlen)) != NULL)
		st = CF_OK;
	free(buf);
	return st;
}

/*
 * CFSSL's name whitelist (signer/local): the CN, the DNS names and the
 * e-mail addresses the certificate will carry must each match; IP
 * addresses are not checked, as in CFSSL.  Called by issue() once the CSR
 * is verified and the names are final, so the error order stays CFSSL's.
 */
static enum cf_status
whitelist_check(const struct pki_profile *p, const struct der_r *subject,
    const struct san_list *sans, const char **detail)
{
	gnutls_datum_t dn = {
	    (unsigned char *)subject->p, (unsigned)subject->len};
	char cn[MAX_DN * 4 + 1];
	size_t len = sizeof(cn), i;

	if (p->whitelist == NULL)
		return CF_OK;
	if (gnutls_x509_rdn_get_by_oid(
	        &dn, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) == 0 &&
	    len > 0 && !profile_name_allowed(p, cn, len))
		goto refused;
	for (i = 0; i < sans->n; i++)
		if (sans->s[i].tag != DER_CTX(7) &&
		    !profile_name_allowed(p, sans->s[i].p, sans->s[i].len))
			goto refused;
	return CF_OK;
refused:
	*detail = "5500 Request does not match policy whitelist";
	return CF_E_BAD_REQUEST;
}

static enum cf_status
issue(struct vault *v, const struct issue *in, char **out, const char **detail)
{
	struct csr c;
	struct json_object *subj = NULL;
	struct san_list sans;
	struct x509_tbs t;
	uint8_t name[NAME_MAX_DER];
	char *pem = NULL;
	size_t pemlen = 0, cap, i;
	int hosts;
	enum cf_status st;

	if ((st = crq_import(in->csr, in->csrlen, &c, detail)) != CF_OK)
		return st;
	memset(&t, 0, sizeof(t));
	sans.n = 0;
	st = cf_json_object(in->req, "subject", &subj);
	if (st == CF_E_BAD_JSON && is_null(in->req, "subject"))
		subj = NULL;
	else if (st == CF_E_BAD_JSON) {
		*detail = "5300 subject must be an object";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if ((st = crq_check(&c, detail)) != CF_OK ||
	    (st = ca_current(v)) != CF_OK)
		goto out;
	t.subject = c.subject;
	if (subj != NULL && (st = subject_der(subj, name, sizeof(name),
	                         &t.subject, detail)) != CF_OK)
		goto out;
	if ((st = apply_hosts(in->req, set_list_san, &sans, &hosts, detail)) !=
	        CF_OK ||
	    (!hosts && (st = copy_csr_sans(&c, &sans, detail)) != CF_OK) ||
	    (st = whitelist_check(in->profile, &t.subject, &sans, detail)) !=
	        CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if (random_serial(t.serial) != 0)
		goto out;
	t.issuer.p = cache.issuer;
	t.issuer.len = cache.issuerlen;
	t.not_before = (int64_t)time(NULL) - BACKDATE;
	t.not_after = t.not_before + in->profile->expiry;
	if (t.not_after > cache.not_after)
		t.not_after = cache.not_after;
	t.spki = c.spki;
	t.keybits = c.keybits;
	t.profile = in->profile;
	memcpy(t.aki, cache.ski, cache.skilen);
	t.akilen = cache.skilen;
	t.sans = sans.s;
	t.nsans = sans.n;
	t.sigalg = x509_signer_alg(cache.signer);
	/* Every variable part's size, plus room for the fixed ones: small
	 * enough that malloc never maps fresh pages for it. */
	cap = t.issuer.len + t.subject.len + t.spki.len + 1024;
	for (i = 0; i < sans.n; i++)
		cap += sans.s[i].len + 8;
	if ((st = encode_cert(&t, cap, &pem, &pemlen)) != CF_OK ||
	    (st = record_cert(v, t.serial, sizeof(t.serial), cache.ski,
	         cache.skilen, t.not_before, t.not_after, pem, pemlen)) !=
	        CF_OK)
		goto out;
	*out = pem;
	pem = NULL;
out:
	free(pem);
	csr_free(&c);
	return st;
}

enum cf_status
pki_sign(struct vault *v, struct json_object *req, struct json_object **result,
    const char **detail)
{
	struct issue in;
	char *cert = NULL;
	enum cf_status st;

	memset(&in, 0, sizeof(in));
	in.req = req;
	if ((in.profile = profile_find(req, detail)) == NULL)
		return CF_E_BAD_REQUEST;
	if (cf_json_string(req, "certificate_request", &in.csr, &in.csrlen) !=
	    CF_OK) {
		*detail = "missing parameter 'certificate_request'";
		return CF_E_BAD_REQUEST;
	}
	if ((st = issue(v, &in, &cert, detail)) != CF_OK)
		return st;
	*result = json_object_new_object();
	add_str(*result, "certificate", cert);
	free(cert);
	return CF_OK;
}

enum cf_status
pki_info(struct vault *v, struct json_object *req, struct json_object **result,
    const char **detail)
{
	const struct pki_profile *p;
	struct json_object *a;
	char *pem = NULL;
	size_t len;
	int i;
	enum cf_status st;

	if ((p = profile_find(req, detail)) == NULL)
		return CF_E_BAD_REQUEST;
	st = pki_ca_pem(v, &pem, &len);
	if (st == CF_E_NOT_FOUND && vault_ready(v) == CF_OK &&
	    (st = pki_ca_ensure(v)) == CF_OK)
		st = pki_ca_pem(v, &pem, &len);
	if (st == CF_E_NOT_FOUND) {
		*detail = "the certificate authority is made when the store "
		          "is first unsealed and used";
		st = CF_E_SEALED;
	}
	if (st != CF_OK)
		return st;
	*result = json_object_new_object();
	add_str(*result, "certificate", pem);
	a = json_object_new_array();
	for (i = 0; i < p->nusages; i++)
		json_object_array_add(a, json_object_new_string(p->usages[i]));
	json_object_object_add(*result, "usages", a);
	add_str(*result, "expiry", p->expiry_text);
	free(pem);
	return CF_OK;
}

/* ---- import ---- */

/* An operator's CA certificate: a CA, still valid, allowed to sign. */
static enum cf_status
import_cert(
    const char *pem, size_t len, gnutls_x509_crt_t *crt, const char **detail)
{
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
	unsigned crit = 0, ca = 0, ku = 0;
	int pathlen = -1, rc;

	*detail = "the certificate is not a PEM X.509 certificate";
	if (gnutls_x509_crt_init(crt) < 0)
		return CF_E_INTERNAL;
	if (gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM) < 0)
		return CF_E_BAD_REQUEST;
	*detail = "the certificate is not a CA certificate (basicConstraints "
	          "CA:TRUE)";
	if (gnutls_x509_crt_get_basic_constraints(*crt, &crit, &ca, &pathlen) <
	        0 ||
	    !ca)
		return CF_E_BAD_REQUEST;
	rc = gnutls_x509_crt_get_key_usage(*crt, &ku, &crit);
	*detail = "the certificate's key usage does not allow cert sign";
	if (rc >= 0 && !(ku & GNUTLS_KEY_KEY_CERT_SIGN))
		return CF_E_BAD_REQUEST;
	*detail = "the certificate has expired";
	if (gnutls_x509_crt_get_expiration_time(*crt) <= time(NULL))
		return CF_E_BAD_REQUEST;
	*detail = NULL;
	return CF_OK;
}

/* The CA's key: unencrypted PEM, a key CFSSL accepts, the certificate's
 * own; exported as PKCS#8 into *out (gnutls_free, wiped by the caller). */
static enum cf_status
import_key(const char *pem, size_t len, gnutls_x509_crt_t crt,
    gnutls_datum_t *out, const char **detail)
{
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
	gnutls_x509_privkey_t key = NULL;
	uint8_t kid[64], cid[64];
	size_t klen = sizeof(kid), clen = sizeof(cid);
	unsigned bits = 0;
	int pk;
	enum cf_status st = CF_E_BAD_REQUEST;

	if (gnutls_x509_privkey_init(&key) < 0)
		return CF_E_INTERNAL;
	*detail = "the key is not an unencrypted PEM private key";
	if (gnutls_x509_privkey_import2(
	        key, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN) < 0)
		goto out;
	pk = gnutls_x509_privkey_get_pk_algorithm2(key, &bits);
	if ((st = key_allowed(pk, bits, detail)) != CF_OK)
		goto out;
	st = CF_E_BAD_REQUEST;
	*detail = "the key does not match the certificate";
	if (gnutls_x509_privkey_get_key_id(
	        key, GNUTLS_KEYID_USE_SHA256, kid, &klen) < 0 ||
	    gnutls_x509_crt_get_key_id(
	        crt, GNUTLS_KEYID_USE_SHA256, cid, &clen) < 0 ||
	    klen != clen || memcmp(kid, cid, klen) != 0)
		goto out;
	st = CF_E_INTERNAL;
	if (gt(gnutls_x509_privkey_export2_pkcs8(
	           key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, out),
	        "pkcs8") < 0)
		goto out;
	*detail = NULL;
	st = CF_OK;
out:
	gnutls_x509_privkey_deinit(key);
	return st;
}

enum cf_status
pki_ca_import(struct vault *v, const char *certpem, size_t certlen,
    const char *keypem, size_t keylen, int force, const char **detail)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t key = {NULL, 0}, cert = {NULL, 0};
	char *old = NULL;
	size_t oldlen;
	enum cf_status st;

	if ((st = import_cert(certpem, certlen, &crt, detail)) != CF_OK ||
	    (st = import_key(keypem, keylen, crt, &key, detail)) != CF_OK)
		goto out;
	if (gt(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert),
	        "export") < 0) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	st = cert_read(v, &old, &oldlen);
	if (st == CF_OK && !force) {
		vault_abort(v);
		*detail = "a CA exists already; --force replaces it";
		st = CF_E_CONFLICT;
		goto out;
	}
	if ((st != CF_OK && st != CF_E_NOT_FOUND) ||
	    (st = vault_put(v, RECORD_META, CA_KEY, key.data, key.size)) !=
	        CF_OK ||
	    (st = put_clear(v, CA_CERT, cert.data, cert.size)) != CF_OK) {
		vault_abort(v);
		goto out;
	}
	if ((st = vault_commit(v)) == CF_OK)
		linfo("certificate authority imported%s",
		    old != NULL ? ", replacing the previous one" : "");
out:
	free(old);
	if (key.data != NULL)
		crypto_wipe(key.data, key.size);
	gnutls_free(key.data);
	gnutls_free(cert.data);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return st;
}

/* ---- newkey / newcert ---- */

static enum cf_status
key_request(struct json_object *req, int *pk, unsigned *bits,
    gnutls_digest_algorithm_t *dig, const char **detail)
{
	struct json_object *k;
	const char *algo = "ecdsa";
	size_t len = 5;
	int64_t size = 0;
	enum cf_status st;

	st = cf_json_object(req, "key", &k);
	if (st == CF_E_BAD_JSON ||
	    (st == CF_OK &&
	        (cf_json_string(k, "algo", &algo, &len) == CF_E_BAD_JSON ||
	            cf_json_int(k, "size", 0, 65536, &size) ==
	                CF_E_BAD_JSON))) {
		*detail = "2000 key must be {\"algo\", \"size\"}";
		return CF_E_BAD_REQUEST;
	}
	if (len == 5 && !memcmp(algo, "ecdsa", 5)) {
		*pk = GNUTLS_PK_ECDSA;
		if (size == 0)
			size = 256;
		*dig = size == 521   ? GNUTLS_DIG_SHA512
		       : size == 384 ? GNUTLS_DIG_SHA384
		                     : GNUTLS_DIG_SHA256;
		*bits = size == 256
		            ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)
		        : size == 384
		            ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1)
		        : size == 521
		            ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1)
		            : 0;
		if (*bits != 0)
			return CF_OK;
		*detail = "2400 invalid ECDSA key size";
		return CF_E_BAD_REQUEST;
	}
	if (len == 3 && !memcmp(algo, "rsa", 3)) {
		*pk = GNUTLS_PK_RSA;
		if (size == 0)
			size = 2048;
		if (size < 2048) {
			*detail = "2400 RSA key is too weak";
			return CF_E_BAD_REQUEST;
		}
		if (size > 8192) {
			*detail = "2400 RSA key size too large";
			return CF_E_BAD_REQUEST;
		}
		*bits = (unsigned)size;
		*dig = size >= 4096   ? GNUTLS_DIG_SHA512
		       : size >= 3072 ? GNUTLS_DIG_SHA384
		                      : GNUTLS_DIG_SHA256;
		return CF_OK;
	}
	if (len == 7 && !memcmp(algo, "ed25519", 7)) {
		*pk = GNUTLS_PK_EDDSA_ED25519;
		*bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519);
		*dig = GNUTLS_DIG_UNKNOWN;
		return CF_OK;
	}
	*detail = "2200 invalid key algorithm";
	return CF_E_BAD_REQUEST;
}

/* CFSSL's sums: uppercase hex digests of the DER inside a PEM. */
static struct json_object *
sums_json(const char *pem, size_t len)
{
	static const struct {
		const char *name;
		gnutls_digest_algorithm_t alg;
	} algs[] = {
	    {"md5", GNUTLS_DIG_MD5},
	    {"sha-1", GNUTLS_DIG_SHA1},
	    {"sha-256", GNUTLS_DIG_SHA256},
	};
	struct json_object *o = json_object_new_object();
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)len}, der;
	uint8_t h[64];
	char hex[129];
	size_t i, j, hl;

	if (gnutls_pem_base64_decode2(NULL, &in, &der) < 0)
		return o;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		hl = gnutls_hash_get_len(algs[i].alg);
		if (gnutls_hash_fast(algs[i].alg, der.data, der.size, h) < 0)
			continue;
		for (j = 0; j < hl; j++)
			snprintf(hex + 2 * j, 3, "%02X", h[j]);
		add_str(o, algs[i].name, hex);
	}
	gnutls_free(der.data);
	return o;
}

/* A key and a CSR from CFSSL's CSR JSON; both PEM (gnutls_free). */
static enum cf_status
make_csr(struct json_object *csrj, gnutls_datum_t *keypem,
    gnutls_datum_t *csrpem, const char **detail)
{
	gnutls_privkey_t key = NULL;
	gnutls_x509_privkey_t xkey = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_digest_algorithm_t dig;
	unsigned bits;
	int pk, hosts;
	enum cf_status st;

	if ((st = key_request(csrj, &pk, &bits, &dig, detail)) != CF_OK)
		return st;
	st = CF_E_INTERNAL;
	if (gt(gnutls_x509_crq_init(&crq), "crq_init") < 0)
		goto out;
	if ((st = apply_subject(csrj, set_crq_dn, crq, detail)) != CF_OK ||
	    (st = apply_hosts(csrj, set_crq_san, crq, &hosts, detail)) != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if (gt(gnutls_privkey_init(&key), "privkey_init") < 0 ||
	    gt(gnutls_privkey_generate(key, (gnutls_pk_algorithm_t)pk, bits, 0),
	        "generate") < 0) {
		*detail = "2400 Failed to new private key";
		goto out;
	}
	if (gt(gnutls_x509_crq_set_version(crq, 1), "version") < 0 ||
	    gt(gnutls_pubkey_init(&pub), "pubkey_init") < 0 ||
	    gt(gnutls_pubkey_import_privkey(pub, key, 0, 0), "import") < 0 ||
	    gt(gnutls_x509_crq_set_pubkey(crq, pub), "set_pubkey") < 0 ||
	    gt(gnutls_x509_crq_privkey_sign(crq, key, dig, 0), "sign") < 0 ||
	    gt(gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM, csrpem),
	        "export") < 0 ||
	    gt(gnutls_privkey_export_x509(key, &xkey), "export_x509") < 0 ||
	    gt(gnutls_x509_privkey_export2(xkey, GNUTLS_X509_FMT_PEM, keypem),
	        "export key") < 0)
		goto out;
	st = CF_OK;
out:
	if (xkey != NULL)
		gnutls_x509_privkey_deinit(xkey);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (key != NULL)
		gnutls_privkey_deinit(key);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	return st;
}

static void
datum_wipe(gnutls_datum_t *d)
{
	if (d->data != NULL)
		crypto_wipe(d->data, d->size);
	gnutls_free(d->data);
	d->data = NULL;
}

static enum cf_status
newkey_result(
    struct json_object *csrj, struct json_object **result, const char **detail)
{
	gnutls_datum_t key = {NULL, 0}, csr = {NULL, 0};
	struct json_object *sums;
	enum cf_status st;

	if ((st = make_csr(csrj, &key, &csr, detail)) != CF_OK)
		goto out;
	*result = json_object_new_object();
	json_object_object_add(*result, "private_key",
	    json_object_new_string_len((const char *)key.data, (int)key.size));
	json_object_object_add(*result, "certificate_request",
	    json_object_new_string_len((const char *)csr.data, (int)csr.size));
	sums = json_object_new_object();
	json_object_object_add(sums, "certificate_request",
	    sums_json((const char *)csr.data, csr.size));
	json_object_object_add(*result, "sums", sums);
out:
	datum_wipe(&key);
	gnutls_free(csr.data);
	return st;
}

enum cf_status
pki_newkey(
    struct json_object *req, struct json_object **result, const char **detail)
{
	return newkey_result(req, result, detail);
}

enum cf_status
pki_newcert(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	struct json_object *csrj, *r = NULL, *sums;
	struct issue in;
	char *cert = NULL;
	enum cf_status st;

	memset(&in, 0, sizeof(in));
	if ((in.profile = profile_find(req, detail)) == NULL)
		return CF_E_BAD_REQUEST;
	if (cf_json_object(req, "request", &csrj) != CF_OK) {
		*detail = "missing parameter 'request'";
		return CF_E_BAD_REQUEST;
	}
	if ((st = newkey_result(csrj, &r, detail)) != CF_OK)
		return st;
	if (cf_json_string(r, "certificate_request", &in.csr, &in.csrlen) !=
	    CF_OK) {
		json_object_put(r);
		return CF_E_INTERNAL;
	}
	/* The CSR already carries the hosts: sign it as it is. */
	in.req = json_object_new_object();
	st = issue(v, &in, &cert, detail);
	json_object_put(in.req);
	if (st != CF_OK) {
		json_object_put(r);
		return st;
	}
	add_str(r, "certificate", cert);
	if (json_object_object_get_ex(r, "sums", &sums))
		json_object_object_add(
		    sums, "certificate", sums_json(cert, strlen(cert)));
	free(cert);
	*result = r;
	return CF_OK;
}

/* ---- records: certinfo, certificates, revoke, crl ---- */

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

	if (crt_import(pem, strlen(pem), &crt, &dummy) != CF_OK)
		return NULL;
	o = certinfo_json(crt, pem);
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
		if ((st = crt_import(pem, len, &crt, detail)) != CF_OK)
			return st;
		*result = certinfo_json(crt, pem);
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
	if ((st = crt_import(pem, strlen(pem), &crt, detail)) == CF_OK) {
		*result = certinfo_json(crt, pem);
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
	if ((st = ca_load(v, &ca)) != CF_OK)
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
	ca_free(ca);
	return st;
}

/* ---- bundle ---- */

enum cf_status
pki_bundle(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	gnutls_x509_crt_t crt = NULL, ca = NULL;
	gnutls_datum_t d;
	struct json_object *o, *status;
	const char *pem;
	char *capem = NULL, *chain = NULL;
	size_t len, calen;
	unsigned vs = 0, bits = 0;
	enum cf_status st;

	if (cf_json_string(req, "certificate", &pem, &len) != CF_OK) {
		*detail = "missing parameter 'certificate'";
		return CF_E_BAD_REQUEST;
	}
	if ((st = crt_import(pem, len, &crt, detail)) != CF_OK)
		return st;
	if ((st = pki_ca_pem(v, &capem, &calen)) != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	d.data = (unsigned char *)capem;
	d.size = (unsigned)calen;
	if (gnutls_x509_crt_init(&ca) < 0 ||
	    gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_x509_crt_verify(crt, &ca, 1, 0, &vs) < 0)
		goto out;
	if (vs != 0) {
		*detail = "1220 the certificate does not chain to this CA";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if ((chain = malloc(len + calen + 2)) == NULL)
		goto out;
	memcpy(chain, pem, len);
	len = len > 0 && pem[len - 1] != '\n' ? (chain[len] = '\n', len + 1)
	                                      : len;
	memcpy(chain + len, capem, calen + 1);
	o = json_object_new_object();
	add_str(o, "bundle", chain);
	add_str(o, "crt", pem);
	add_str(o, "root", capem);
	add_time(o, "expires", gnutls_x509_crt_get_expiration_time(crt));
	json_object_object_add(o, "hostnames", sans_json(crt));
	json_object_object_add(o, "issuer", name_json(crt, 1));
	json_object_object_add(o, "subject", name_json(crt, 0));
	add_str(o, "key", "");
	add_str(o, "key_type",
	    gnutls_pk_get_name(
	        (gnutls_pk_algorithm_t)gnutls_x509_crt_get_pk_algorithm(
	            crt, &bits)));
	json_object_object_add(o, "key_size", json_object_new_int((int)bits));
	add_str(o, "signature",
	    sigalg_name(gnutls_x509_crt_get_signature_algorithm(crt)));
	json_object_object_add(o, "ocsp", json_object_new_array());
	json_object_object_add(o, "ocsp_support", json_object_new_boolean(0));
	json_object_object_add(o, "crl_support", json_object_new_boolean(0));
	status = json_object_new_object();
	json_object_object_add(status, "code", json_object_new_int(0));
	json_object_object_add(
	    status, "is_rebundled", json_object_new_boolean(0));
	json_object_object_add(status, "messages", json_object_new_array());
	json_object_object_add(o, "status", status);
	*result = o;
	st = CF_OK;
out:
	if (ca != NULL)
		gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(crt);
	free(capem);
	free(chain);
	return st;
}

/* ---- authsign ---- */

enum cf_status
pki_authsign_open(struct vault *v, const char *hexkey, struct json_object *req,
    int64_t now, struct json_object **inner, const char **detail)
{
	uint8_t *key = NULL, *tok = NULL, *body = NULL, mac[32], h[32];
	size_t keylen = 0, toklen = 0, bodylen = 0, blen, tlen;
	const char *b64tok, *b64body;
	char seen[sizeof(SEEN_PFX) + 64], *hex;
	int64_t ts = 0;
	uint8_t *old = NULL;
	size_t oldlen = 0;
	enum cf_status st = CF_E_BAD_REQUEST;

	*inner = NULL;
	*detail = "invalid token";
	if (cf_json_string(req, "token", &b64tok, &tlen) != CF_OK ||
	    cf_json_string(req, "request", &b64body, &blen) != CF_OK ||
	    cf_json_int(req, "timestamp", INT64_MIN, INT64_MAX, &ts) ==
	        CF_E_BAD_JSON ||
	    codec_base64_decode(b64tok, tlen, 0, &tok, &toklen) != 0 ||
	    codec_base64_decode(b64body, blen, 0, &body, &bodylen) != 0 ||
	    codec_hex_decode(hexkey, strlen(hexkey), &key, &keylen) != 0)
		goto out;
	if (crypto_hmac_sha256(key, keylen, body, bodylen, mac) != 0) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if (toklen != sizeof(mac) || !crypto_equal(mac, tok, sizeof(mac)))
		goto out;
	/* CFSSL ignores the timestamp; we refuse a missing or stale one. */
	if (ts < now - PKI_AUTH_WINDOW || ts > now + PKI_AUTH_WINDOW) {
		*detail = "invalid token: stale or missing timestamp";
		goto out;
	}
	if (cf_json_parse(body, bodylen, inner) != CF_OK) {
		*detail = "Unable to parse authenticated sign request";
		goto out;
	}
	/* Remember the token under the write lock, so two workers cannot
	 * both accept one replayed request. */
	if (crypto_sha256(tok, toklen, h) != 0 ||
	    (hex = codec_hex_encode(h, sizeof(h))) == NULL) {
		st = CF_E_INTERNAL;
		goto fail;
	}
	snprintf(seen, sizeof(seen), SEEN_PFX "%s", hex);
	free(hex);
	if ((st = vault_write_begin(v)) != CF_OK)
		goto fail;
	st = vault_get(v, seen, &old, &oldlen);
	if (st == CF_OK) {
		vault_abort(v);
		*detail = "invalid token: replayed";
		st = CF_E_BAD_REQUEST;
		goto fail;
	}
	if (st != CF_E_NOT_FOUND ||
	    (st = vault_put(v, RECORD_META, seen, &ts, sizeof(ts))) != CF_OK) {
		vault_abort(v);
		goto fail;
	}
	if ((st = vault_commit(v)) != CF_OK)
		goto fail;
	*detail = NULL;
	goto out;
fail:
	json_object_put(*inner);
	*inner = NULL;
out:
	record_free(old, oldlen);
	if (key != NULL)
		crypto_wipe(key, keylen);
	free(key);
	free(tok);
	free(body);
	return st;
}
