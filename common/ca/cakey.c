/*
 * cakey.c: the CA's key and certificate.  Made at init (pki_ca_new) or on
 * first use (pki_ca_ensure), or imported (pki_ca_import); read for one
 * request (cakey_load), or parsed once per unseal and kept for signing
 * (cakey_current).  See cakey.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "base/log.h"
#include "ca/cadefs.h"
#include "ca/cakey.h"
#include "ca/csr.h"
#include "ca/x509.h"
#include "crypto/crypto.h"
#include "vault/record.h"
#include "vault/vault.h"

#define CA_KEY  "m:cakey"
#define CA_CERT "m:cacert"
#define CA_CN   "Coffer CA"

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

void
cakey_free(struct pki_ca *ca)
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

int
cakey_serial(uint8_t *s)
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
	    key_id(pub, id, &idlen) < 0 || cakey_serial(serial) != 0 ||
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

enum cf_status
pki_ca_pem(struct vault *v, char **pem, size_t *len)
{
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = vault_get_clear(v, CA_CERT, pem, len);
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
	st = vault_get_clear(v, CA_CERT, &pem, &len);
	if (st == CF_OK) {
		vault_abort(v);
		goto out;
	}
	if (st != CF_E_NOT_FOUND ||
	    (st = vault_put(v, RECORD_META, CA_KEY, key.data, key.size)) !=
	        CF_OK ||
	    (st = vault_put_clear(
	         v, RECORD_META, CA_CERT, crt.data, crt.size)) != CF_OK) {
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
	    (st = vault_get_clear(v, CA_CERT, cert, certlen)) != CF_OK) {
		record_free(*key, *keylen);
		*key = NULL;
	}
	vault_read_end(v);
	return st;
}

/* The CA certificate's subject key id, else (an imported CA may carry
 * none) SHA-1 of its public key, as the issued AKIs then say. */
static int
ca_ski(gnutls_x509_crt_t crt, uint8_t ski[ID_LEN], size_t *len)
{
	unsigned crit;

	*len = ID_LEN;
	if (gnutls_x509_crt_get_subject_key_id(crt, ski, len, &crit) >= 0)
		return 0;
	*len = ID_LEN;
	return gt(
	    gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, ski, len),
	    "CA key id");
}

enum cf_status
cakey_load(struct vault *v, struct pki_ca **out)
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
	    ca_ski(ca->crt, ca->ski, &ca->skilen) < 0)
		goto out;
	*out = ca;
	ca = NULL;
	st = CF_OK;
out:
	cakey_free(ca);
	record_free(key, keylen);
	free(cert);
	return st;
}

static struct ca_cache cache;

static void
cache_drop(void)
{
	x509_signer_free(cache.signer);
	free(cache.pem);
	free(cache.issuer);
	memset(&cache, 0, sizeof(cache));
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
	    ca_ski(crt, cache.ski, &cache.skilen) < 0 ||
	    (cache.issuer = malloc(dn.size)) == NULL)
		goto out;
	memcpy(cache.issuer, dn.data, dn.size);
	cache.issuerlen = dn.size;
	cache.not_after = gnutls_x509_crt_get_expiration_time(crt);
	cache.epoch = epoch;
	/* The parsed CA key goes with the store's keys, even in a worker
	 * that sees no request after the seal. */
	if (vault_hold(v, cache_drop) != 0)
		goto out;
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

enum cf_status
cakey_current(struct vault *v, const struct ca_cache **out)
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
		if (same) {
			*out = &cache;
			return CF_OK;
		}
	}
	cache_drop();
	if ((st = cache_fill(v, epoch)) == CF_OK)
		*out = &cache;
	return st;
}

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
	if ((st = csr_key_allowed(pk, bits, detail)) != CF_OK)
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
	st = vault_get_clear(v, CA_CERT, &old, &oldlen);
	if (st == CF_OK && !force) {
		vault_abort(v);
		*detail = "a CA exists already; --force replaces it";
		st = CF_E_CONFLICT;
		goto out;
	}
	if ((st != CF_OK && st != CF_E_NOT_FOUND) ||
	    (st = vault_put(v, RECORD_META, CA_KEY, key.data, key.size)) !=
	        CF_OK ||
	    (st = vault_put_clear(
	         v, RECORD_META, CA_CERT, cert.data, cert.size)) != CF_OK) {
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
