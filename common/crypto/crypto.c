/*
 * crypto.c: the GnuTLS wrappers declared in crypto.h.  This is the only file
 * that includes GnuTLS; see crypto.h for the contract.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "base/limits.h"
#include "base/log.h"
#include "crypto/crypto.h"

struct crypto_rsa {
	gnutls_privkey_t rsa_priv; /* NULL for a public-only key */
	gnutls_pubkey_t rsa_pub;   /* always set; verify uses it directly */
	unsigned rsa_bits;
};

/* Set once per process; read-only afterwards. */
static int crypto_initialized;

static void
crypto_log(const char *func, const char *call, int rc)
{
	log_msg("warn", func, 0, "%s: %s", call, gnutls_strerror(rc));
}

static void
crypto_logx(const char *func, const char *msg)
{
	log_msg("warn", func, 0, "%s", msg);
}

/*
 * gnutls_datum_t holds an unsigned int size and a non-const pointer; GnuTLS
 * only reads the datums we build here, so the cast is safe, and the length
 * is checked so that a huge size_t cannot be truncated.
 */
static int
crypto_datum(gnutls_datum_t *d, const void *p, size_t len)
{
	/* Not UINT_MAX: with -Icommon, <limits.h> is Coffer's own. */
	if ((size_t)(unsigned)len != len)
		return -1;
	d->data = (unsigned char *)p;
	d->size = (unsigned)len;
	return 0;
}

/*
 * Copy a datum GnuTLS allocated into a malloc'd, NUL-terminated buffer, so the
 * caller can free() it whatever gnutls_free is; crypto_datum_release frees
 * the original.  Leading zero bytes are dropped when strip is set, but at
 * least one byte is kept.
 */
static int
crypto_datum_take(
    const gnutls_datum_t *d, int strip, uint8_t **out, size_t *outlen)
{
	const uint8_t *p = d->data;
	size_t len = d->size;
	uint8_t *buf;

	while (strip && len > 1 && *p == 0) {
		p++;
		len--;
	}
	if ((buf = malloc(len + 1)) == NULL) {
		crypto_logx(__func__, "out of memory");
		return -1;
	}
	if (len > 0)
		memcpy(buf, p, len);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static void
crypto_datum_release(gnutls_datum_t *d, int secret)
{
	if (d->data == NULL)
		return;
	if (secret)
		gnutls_memset(d->data, 0, d->size);
	gnutls_free(d->data);
	d->data = NULL;
	d->size = 0;
}

int
crypto_init(void)
{
	int rc;

	if (crypto_initialized)
		return 0;
	if ((rc = gnutls_global_init()) < 0) {
		crypto_log(__func__, "gnutls_global_init", rc);
		return -1;
	}
	crypto_initialized = 1;
	return 0;
}

static int
crypto_rnd(const char *func, gnutls_rnd_level_t level, void *buf, size_t len)
{
	int rc;

	if (len == 0)
		return 0;
	if ((rc = gnutls_rnd(level, buf, len)) < 0) {
		crypto_log(func, "gnutls_rnd", rc);
		return -1;
	}
	return 0;
}

int
crypto_random(void *buf, size_t len)
{
	return crypto_rnd(__func__, GNUTLS_RND_KEY, buf, len);
}

int
crypto_nonce(void *buf, size_t len)
{
	return crypto_rnd(__func__, GNUTLS_RND_NONCE, buf, len);
}

static int
crypto_aead_init(
    const char *func, const uint8_t *key, gnutls_aead_cipher_hd_t *h)
{
	gnutls_datum_t kd;
	int rc;

	(void)crypto_datum(&kd, key, CF_KEY_LEN);
	if ((rc = gnutls_aead_cipher_init(h, GNUTLS_CIPHER_AES_256_GCM, &kd)) <
	    0) {
		crypto_log(func, "gnutls_aead_cipher_init", rc);
		return -1;
	}
	return 0;
}

int
crypto_aead_seal(const uint8_t *key, const uint8_t *nonce, const void *aad,
    size_t aadlen, const void *pt, size_t ptlen, uint8_t *out)
{
	gnutls_aead_cipher_hd_t h = NULL;
	size_t outlen;
	int rc, ret = -1;

	if (ptlen > SIZE_MAX - CF_TAG_LEN) {
		crypto_logx(__func__, "plaintext too long");
		goto out;
	}
	outlen = ptlen + CF_TAG_LEN;
	if (crypto_aead_init(__func__, key, &h) < 0)
		goto out;
	if ((rc = gnutls_aead_cipher_encrypt(h, nonce, CF_NONCE_LEN, aad,
	         aadlen, CF_TAG_LEN, pt, ptlen, out, &outlen)) < 0) {
		crypto_log(__func__, "gnutls_aead_cipher_encrypt", rc);
		goto out;
	}
	ret = 0;
out:
	if (h != NULL)
		gnutls_aead_cipher_deinit(h);
	return ret;
}

int
crypto_aead_open(const uint8_t *key, const uint8_t *nonce, const void *aad,
    size_t aadlen, const void *in, size_t inlen, uint8_t *out)
{
	gnutls_aead_cipher_hd_t h = NULL;
	size_t outlen;
	int rc, ret = -1;

	/* A record shorter than its tag was cut or forged: not our fault. */
	if (inlen < CF_TAG_LEN)
		return CRYPTO_E_AUTH;
	outlen = inlen - CF_TAG_LEN;
	if (crypto_aead_init(__func__, key, &h) < 0)
		goto out;
	rc = gnutls_aead_cipher_decrypt(h, nonce, CF_NONCE_LEN, aad, aadlen,
	    CF_TAG_LEN, in, inlen, out, &outlen);
	if (rc == GNUTLS_E_DECRYPTION_FAILED) {
		/* GnuTLS has already written the unauthenticated plaintext. */
		gnutls_memset(out, 0, inlen - CF_TAG_LEN);
		ret = CRYPTO_E_AUTH;
		goto out;
	}
	if (rc < 0) {
		crypto_log(__func__, "gnutls_aead_cipher_decrypt", rc);
		gnutls_memset(out, 0, inlen - CF_TAG_LEN);
		goto out;
	}
	ret = 0;
out:
	if (h != NULL)
		gnutls_aead_cipher_deinit(h);
	return ret;
}

int
crypto_sha256(const void *msg, size_t len, uint8_t *out32)
{
	int rc;

	if ((rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, msg, len, out32)) < 0) {
		crypto_log(__func__, "gnutls_hash_fast", rc);
		return -1;
	}
	return 0;
}

int
crypto_hmac_sha256(
    const void *key, size_t keylen, const void *msg, size_t len, uint8_t *out32)
{
	int rc;

	if ((rc = gnutls_hmac_fast(
	         GNUTLS_MAC_SHA256, key, keylen, msg, len, out32)) < 0) {
		crypto_log(__func__, "gnutls_hmac_fast", rc);
		return -1;
	}
	return 0;
}

int
crypto_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt,
    size_t saltlen, const void *info, size_t infolen, uint8_t *out,
    size_t outlen)
{
	gnutls_datum_t ikmd, saltd, infod, prkd;
	uint8_t prk[32];
	int rc, ret = -1;

	if (outlen == 0 || outlen > CRYPTO_MAX_HKDF) {
		crypto_logx(__func__, "output length out of range");
		goto out;
	}
	if (crypto_datum(&ikmd, ikm, ikmlen) < 0 ||
	    crypto_datum(&saltd, salt, saltlen) < 0 ||
	    crypto_datum(&infod, info, infolen) < 0) {
		crypto_logx(__func__, "input too long");
		goto out;
	}
	if ((rc = gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikmd, &saltd, prk)) <
	    0) {
		crypto_log(__func__, "gnutls_hkdf_extract", rc);
		goto out;
	}
	(void)crypto_datum(&prkd, prk, sizeof(prk));
	if ((rc = gnutls_hkdf_expand(
	         GNUTLS_MAC_SHA256, &prkd, &infod, out, outlen)) < 0) {
		crypto_log(__func__, "gnutls_hkdf_expand", rc);
		goto out;
	}
	ret = 0;
out:
	gnutls_memset(prk, 0, sizeof(prk));
	return ret;
}

int
crypto_pbkdf2_sha256(const void *pw, size_t pwlen, const void *salt,
    size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen)
{
	gnutls_datum_t pwd, saltd;
	int rc;

	if (iterations == 0 || outlen == 0) {
		crypto_logx(__func__, "zero iterations or output length");
		return -1;
	}
	if (crypto_datum(&pwd, pw, pwlen) < 0 ||
	    crypto_datum(&saltd, salt, saltlen) < 0) {
		crypto_logx(__func__, "input too long");
		return -1;
	}
	if ((rc = gnutls_pbkdf2(GNUTLS_MAC_SHA256, &pwd, &saltd, iterations,
	         out, outlen)) < 0) {
		crypto_log(__func__, "gnutls_pbkdf2", rc);
		return -1;
	}
	return 0;
}

int
crypto_equal(const void *a, const void *b, size_t len)
{
	/* gnutls_memcmp runs in time that depends only on len. */
	return gnutls_memcmp(a, b, len) == 0;
}

void
crypto_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		gnutls_memset(p, 0, len);
}

/*
 * Derive the public half of k->rsa_priv and check that the key is RSA, so
 * that signing and verifying both go through one checked path.
 */
static int
crypto_rsa_finish(const char *func, struct crypto_rsa *k)
{
	int rc;

	rc = gnutls_privkey_get_pk_algorithm(k->rsa_priv, &k->rsa_bits);
	if (rc < 0) {
		crypto_log(func, "gnutls_privkey_get_pk_algorithm", rc);
		return -1;
	}
	if (rc != GNUTLS_PK_RSA)
		return CRYPTO_E_KEYTYPE;
	if ((rc = gnutls_pubkey_init(&k->rsa_pub)) < 0) {
		crypto_log(func, "gnutls_pubkey_init", rc);
		return -1;
	}
	if ((rc = gnutls_pubkey_import_privkey(k->rsa_pub, k->rsa_priv, 0, 0)) <
	    0) {
		crypto_log(func, "gnutls_pubkey_import_privkey", rc);
		return -1;
	}
	return 0;
}

static struct crypto_rsa *
crypto_rsa_new(const char *func)
{
	struct crypto_rsa *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		crypto_logx(func, "out of memory");
	return k;
}

static int
crypto_pem_datum(
    const char *func, gnutls_datum_t *d, const void *pem, size_t len)
{
	if (pem == NULL || len == 0 || len > CRYPTO_MAX_PEM) {
		crypto_logx(func, "PEM length out of range");
		return -1;
	}
	return crypto_datum(d, pem, len);
}

int
crypto_rsa_generate(unsigned bits, struct crypto_rsa **out)
{
	struct crypto_rsa *k = NULL;
	int rc, ret = -1;

	if (bits < CRYPTO_RSA_MIN_BITS || bits > CRYPTO_RSA_MAX_BITS) {
		crypto_logx(__func__, "modulus size out of range");
		goto out;
	}
	if ((k = crypto_rsa_new(__func__)) == NULL)
		goto out;
	if ((rc = gnutls_privkey_init(&k->rsa_priv)) < 0) {
		crypto_log(__func__, "gnutls_privkey_init", rc);
		goto out;
	}
	if ((rc = gnutls_privkey_generate(
	         k->rsa_priv, GNUTLS_PK_RSA, bits, 0)) < 0) {
		crypto_log(__func__, "gnutls_privkey_generate", rc);
		goto out;
	}
	if ((ret = crypto_rsa_finish(__func__, k)) < 0)
		goto out;
	*out = k;
	k = NULL;
	ret = 0;
out:
	crypto_rsa_free(k);
	return ret;
}

int
crypto_rsa_import_private(const void *pem, size_t len, struct crypto_rsa **out)
{
	struct crypto_rsa *k = NULL;
	gnutls_datum_t d;
	int rc, ret = -1;

	if (crypto_pem_datum(__func__, &d, pem, len) < 0)
		goto out;
	if ((k = crypto_rsa_new(__func__)) == NULL)
		goto out;
	if ((rc = gnutls_privkey_init(&k->rsa_priv)) < 0) {
		crypto_log(__func__, "gnutls_privkey_init", rc);
		goto out;
	}
	/* Reads PKCS#1 and unencrypted PKCS#8; an encrypted one fails here. */
	if ((rc = gnutls_privkey_import_x509_raw(
	         k->rsa_priv, &d, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		crypto_log(__func__, "gnutls_privkey_import_x509_raw", rc);
		goto out;
	}
	if ((ret = crypto_rsa_finish(__func__, k)) < 0)
		goto out;
	ret = -1;
	/* A stored key whose numbers disagree would sign garbage. */
	if ((rc = gnutls_privkey_verify_params(k->rsa_priv)) < 0) {
		crypto_log(__func__, "gnutls_privkey_verify_params", rc);
		goto out;
	}
	*out = k;
	k = NULL;
	ret = 0;
out:
	crypto_rsa_free(k);
	return ret;
}

/* An empty public RSA key for fn to import into, or NULL (logged). */
static struct crypto_rsa *
rsa_pub_new(const char *fn)
{
	struct crypto_rsa *k;
	int rc;

	if ((k = crypto_rsa_new(fn)) == NULL)
		return NULL;
	if ((rc = gnutls_pubkey_init(&k->rsa_pub)) < 0) {
		crypto_log(fn, "gnutls_pubkey_init", rc);
		crypto_rsa_free(k);
		return NULL;
	}
	return k;
}

int
crypto_rsa_import_public(const void *pem, size_t len, struct crypto_rsa **out)
{
	struct crypto_rsa *k = NULL;
	gnutls_datum_t d;
	int rc, ret = -1;

	if (crypto_pem_datum(__func__, &d, pem, len) < 0)
		goto out;
	if ((k = rsa_pub_new(__func__)) == NULL)
		goto out;
	if ((rc = gnutls_pubkey_import(k->rsa_pub, &d, GNUTLS_X509_FMT_PEM)) <
	    0) {
		crypto_log(__func__, "gnutls_pubkey_import", rc);
		goto out;
	}
	rc = gnutls_pubkey_get_pk_algorithm(k->rsa_pub, &k->rsa_bits);
	if (rc < 0) {
		crypto_log(__func__, "gnutls_pubkey_get_pk_algorithm", rc);
		goto out;
	}
	if (rc != GNUTLS_PK_RSA) {
		ret = CRYPTO_E_KEYTYPE;
		goto out;
	}
	*out = k;
	k = NULL;
	ret = 0;
out:
	crypto_rsa_free(k);
	return ret;
}

int
crypto_rsa_import_numbers(const uint8_t *n, size_t nlen, const uint8_t *e,
    size_t elen, struct crypto_rsa **out)
{
	struct crypto_rsa *k = NULL;
	gnutls_datum_t dn, de;
	int ret = -1;

	if (nlen == 0 || elen == 0 || nlen > CRYPTO_RSA_MAX_BITS / 8 ||
	    elen > 8)
		return CRYPTO_E_KEYTYPE;
	if ((k = rsa_pub_new(__func__)) == NULL)
		goto out;
	dn.data = (unsigned char *)(uintptr_t)n;
	dn.size = (unsigned)nlen;
	de.data = (unsigned char *)(uintptr_t)e;
	de.size = (unsigned)elen;
	/* A modulus or exponent GnuTLS refuses comes from input: not an
	 * internal error. */
	if (gnutls_pubkey_import_rsa_raw(k->rsa_pub, &dn, &de) < 0 ||
	    gnutls_pubkey_get_pk_algorithm(k->rsa_pub, &k->rsa_bits) !=
	        GNUTLS_PK_RSA) {
		ret = CRYPTO_E_KEYTYPE;
		goto out;
	}
	*out = k;
	k = NULL;
	ret = 0;
out:
	crypto_rsa_free(k);
	return ret;
}

int
crypto_rsa_export_private(const struct crypto_rsa *k, char **pem, size_t *len)
{
	gnutls_x509_privkey_t x = NULL;
	gnutls_datum_t d = {NULL, 0};
	uint8_t *buf;
	int rc, ret = -1;

	if (k == NULL || k->rsa_priv == NULL)
		return CRYPTO_E_KEYTYPE;
	if ((rc = gnutls_privkey_export_x509(k->rsa_priv, &x)) < 0) {
		crypto_log(__func__, "gnutls_privkey_export_x509", rc);
		goto out;
	}
	if ((rc = gnutls_x509_privkey_export2_pkcs8(
	         x, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d)) < 0) {
		crypto_log(__func__, "gnutls_x509_privkey_export2_pkcs8", rc);
		goto out;
	}
	if (crypto_datum_take(&d, 0, &buf, len) < 0)
		goto out;
	*pem = (char *)buf;
	ret = 0;
out:
	crypto_datum_release(&d, 1);
	if (x != NULL)
		gnutls_x509_privkey_deinit(x);
	return ret;
}

int
crypto_rsa_export_public(const struct crypto_rsa *k, char **pem, size_t *len)
{
	gnutls_datum_t d = {NULL, 0};
	uint8_t *buf;
	int rc, ret = -1;

	if (k == NULL) {
		crypto_logx(__func__, "no key");
		goto out;
	}
	if ((rc = gnutls_pubkey_export2(k->rsa_pub, GNUTLS_X509_FMT_PEM, &d)) <
	    0) {
		crypto_log(__func__, "gnutls_pubkey_export2", rc);
		goto out;
	}
	if (crypto_datum_take(&d, 0, &buf, len) < 0)
		goto out;
	*pem = (char *)buf;
	ret = 0;
out:
	crypto_datum_release(&d, 0);
	return ret;
}

int
crypto_rsa_public_numbers(const struct crypto_rsa *k, uint8_t **n, size_t *nlen,
    uint8_t **e, size_t *elen)
{
	gnutls_datum_t md = {NULL, 0}, ed = {NULL, 0};
	uint8_t *nbuf = NULL, *ebuf = NULL;
	size_t nl, el;
	int rc, ret = -1;

	if (k == NULL) {
		crypto_logx(__func__, "no key");
		goto out;
	}
	if ((rc = gnutls_pubkey_export_rsa_raw2(
	         k->rsa_pub, &md, &ed, GNUTLS_EXPORT_FLAG_NO_LZ)) < 0) {
		crypto_log(__func__, "gnutls_pubkey_export_rsa_raw2", rc);
		goto out;
	}
	if (crypto_datum_take(&md, 1, &nbuf, &nl) < 0 ||
	    crypto_datum_take(&ed, 1, &ebuf, &el) < 0)
		goto out;
	*n = nbuf;
	*nlen = nl;
	*e = ebuf;
	*elen = el;
	nbuf = ebuf = NULL;
	ret = 0;
out:
	free(nbuf);
	free(ebuf);
	crypto_datum_release(&md, 0);
	crypto_datum_release(&ed, 0);
	return ret;
}

unsigned
crypto_rsa_bits(const struct crypto_rsa *k)
{
	return k == NULL ? 0 : k->rsa_bits;
}

int
crypto_rs256_sign(const struct crypto_rsa *k, const void *msg, size_t len,
    uint8_t **sig, size_t *siglen)
{
	gnutls_datum_t md, sd = {NULL, 0};
	int rc, ret = -1;

	if (k == NULL || k->rsa_priv == NULL)
		return CRYPTO_E_KEYTYPE;
	if (crypto_datum(&md, msg, len) < 0) {
		crypto_logx(__func__, "message too long");
		goto out;
	}
	if ((rc = gnutls_privkey_sign_data2(
	         k->rsa_priv, GNUTLS_SIGN_RSA_SHA256, 0, &md, &sd)) < 0) {
		crypto_log(__func__, "gnutls_privkey_sign_data2", rc);
		goto out;
	}
	if (crypto_datum_take(&sd, 0, sig, siglen) < 0)
		goto out;
	ret = 0;
out:
	crypto_datum_release(&sd, 0);
	return ret;
}

int
crypto_rs256_verify(const struct crypto_rsa *k, const void *msg, size_t len,
    const void *sig, size_t siglen)
{
	gnutls_datum_t md, sd;
	int rc;

	if (k == NULL) {
		crypto_logx(__func__, "no key");
		return -1;
	}
	if (crypto_datum(&md, msg, len) < 0) {
		crypto_logx(__func__, "message too long");
		return -1;
	}
	/* RFC 8017 8.2.2: a signature is exactly as long as the modulus. */
	if (sig == NULL || siglen != (k->rsa_bits + 7) / 8)
		return CRYPTO_E_AUTH;
	(void)crypto_datum(&sd, sig, siglen);
	rc = gnutls_pubkey_verify_data2(
	    k->rsa_pub, GNUTLS_SIGN_RSA_SHA256, 0, &md, &sd);
	if (rc == GNUTLS_E_PK_SIG_VERIFY_FAILED)
		return CRYPTO_E_AUTH;
	if (rc < 0) {
		crypto_log(__func__, "gnutls_pubkey_verify_data2", rc);
		return -1;
	}
	return 0;
}

void
crypto_rsa_free(struct crypto_rsa *k)
{
	if (k == NULL)
		return;
	/* GnuTLS clears the key numbers when it frees them. */
	if (k->rsa_priv != NULL)
		gnutls_privkey_deinit(k->rsa_priv);
	if (k->rsa_pub != NULL)
		gnutls_pubkey_deinit(k->rsa_pub);
	free(k);
}
