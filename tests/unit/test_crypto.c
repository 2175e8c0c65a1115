/*
 * test_crypto.c: known-answer and misuse tests for common/crypto/crypto, codec
 * and shamir.  Every vector is a table row carrying its __LINE__, so a failure
 * names the row; the sources of the vectors are cited above each table.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/codec.h"
#include "base/limits.h"
#include "crypto/crypto.h"
#include "crypto/shamir.h"
#include "unit.h"

/* Decode a hex vector or give up: a broken table is a broken test. */
static uint8_t *
unhex(const char *s, size_t *len)
{
	uint8_t *out;
	size_t n;

	if (codec_hex_decode(s, strlen(s), &out, &n) < 0) {
		fprintf(stderr, "bad hex in test vector: %s\n", s);
		exit(EXIT_FAILURE);
	}
	if (len != NULL)
		*len = n;
	return out;
}

static int
is_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * 1 if fn returns normally in a child process.  A call that may only be
 * checked for not crashing (a NULL argument accepted) runs there, so that
 * a crash fails one check instead of ending every test after it.
 */
static int
survives(void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) == -1)
		return 0;
	if (pid == 0) {
		fn();
		_exit(0);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* Compare bytes with an expected hex string. */
static int
eq_hex(const uint8_t *p, size_t len, const char *hex)
{
	char *h = codec_hex_encode(p, len);
	int eq = h != NULL && strcmp(h, hex) == 0;

	free(h);
	return eq;
}

/*
 * AES-256-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
 * Appendix B, test cases 13 to 16 (the 256-bit keys; 16 has AAD).
 */
#define GCM_K15                                                                \
	"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
#define GCM_P15                                                                \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"     \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_C15                                                                \
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"     \
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
static const struct {
	int line;
	const char *key, *iv, *aad, *pt, *ct, *tag;
} gcm_vectors[] = {
    {__LINE__,
        "0000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000", "", "", "",
        "530f8afbc74536b9a963b4f1c4cb738b"},
    {__LINE__,
        "0000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000", "", "00000000000000000000000000000000",
        "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {__LINE__, GCM_K15, "cafebabefacedbaddecaf888", "", GCM_P15 "1aafd255",
        GCM_C15 "898015ad", "b094dac5d93471bdec1a502270e3cc6c"},
    {__LINE__, GCM_K15, "cafebabefacedbaddecaf888",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2", GCM_P15, GCM_C15,
        "76fc6ece0f4e1768cddf8853bb2d551b"},
};

/* Open must refuse ct||tag under aad, and leave nothing readable in out. */
static void
check_open_refused(int line, const uint8_t *key, const uint8_t *iv,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
    const char *what)
{
	uint8_t *out = malloc(inlen + 1);
	int rc;

	if (out == NULL)
		exit(EXIT_FAILURE);
	memset(out, 0xa5, inlen + 1);
	rc = crypto_aead_open(key, iv, aad, aadlen, in, inlen, out);
	CHECK_LINE(line, rc == CRYPTO_E_AUTH, what);
	CHECK_LINE(line, inlen < CF_TAG_LEN || is_zero(out, inlen - CF_TAG_LEN),
	    "a refused open wipes its output");
	free(out);
}

static void
test_gcm_row(int line, const char *khex, const char *ivhex, const char *ahex,
    const char *phex, const char *chex, const char *thex)
{
	uint8_t *key, *iv, *aad, *pt, *ct, *tag, *sealed, *opened;
	size_t klen, ivlen, aadlen, ptlen, ctlen, taglen;

	key = unhex(khex, &klen);
	iv = unhex(ivhex, &ivlen);
	aad = unhex(ahex, &aadlen);
	pt = unhex(phex, &ptlen);
	ct = unhex(chex, &ctlen);
	tag = unhex(thex, &taglen);
	sealed = malloc(ptlen + CF_TAG_LEN);
	opened = malloc(ptlen + 1);
	if (sealed == NULL || opened == NULL)
		exit(EXIT_FAILURE);

	CHECK_LINE(
	    line, klen == CF_KEY_LEN && ivlen == CF_NONCE_LEN, "vector sizes");
	CHECK_LINE(line,
	    crypto_aead_seal(key, iv, aad, aadlen, pt, ptlen, sealed) == 0,
	    "seal succeeds");
	CHECK_LINE(line, memcmp(sealed, ct, ctlen) == 0, "ciphertext matches");
	CHECK_LINE(
	    line, memcmp(sealed + ptlen, tag, CF_TAG_LEN) == 0, "tag matches");
	CHECK_LINE(line,
	    crypto_aead_open(
	        key, iv, aad, aadlen, sealed, ptlen + CF_TAG_LEN, opened) == 0,
	    "open succeeds");
	CHECK_LINE(
	    line, memcmp(opened, pt, ptlen) == 0, "plaintext round trips");

	if (ptlen > 0) {
		sealed[0] ^= 0x01;
		check_open_refused(line, key, iv, aad, aadlen, sealed,
		    ptlen + CF_TAG_LEN, "flipped ciphertext bit is refused");
		sealed[0] ^= 0x01;
	}
	sealed[ptlen + CF_TAG_LEN - 1] ^= 0x80;
	check_open_refused(line, key, iv, aad, aadlen, sealed,
	    ptlen + CF_TAG_LEN, "flipped tag bit is refused");
	sealed[ptlen + CF_TAG_LEN - 1] ^= 0x80;
	if (aadlen > 0) {
		aad[aadlen - 1] ^= 0x01;
		check_open_refused(line, key, iv, aad, aadlen, sealed,
		    ptlen + CF_TAG_LEN, "flipped AAD bit is refused");
		aad[aadlen - 1] ^= 0x01;
	} else {
		check_open_refused(line, key, iv, (const uint8_t *)"x", 1,
		    sealed, ptlen + CF_TAG_LEN, "added AAD is refused");
	}
	check_open_refused(line, key, iv, aad, aadlen, sealed, CF_TAG_LEN - 1,
	    "input shorter than a tag is refused");
	free(key);
	free(iv);
	free(aad);
	free(pt);
	free(ct);
	free(tag);
	free(sealed);
	free(opened);
}

static void
test_gcm(void)
{
	size_t i;

	for (i = 0; i < sizeof(gcm_vectors) / sizeof(gcm_vectors[0]); i++)
		test_gcm_row(gcm_vectors[i].line, gcm_vectors[i].key,
		    gcm_vectors[i].iv, gcm_vectors[i].aad, gcm_vectors[i].pt,
		    gcm_vectors[i].ct, gcm_vectors[i].tag);
}

/* Callers seal records in place; a fresh nonce must change the output. */
static void
test_gcm_in_place_and_nonce(void)
{
	uint8_t key[CF_KEY_LEN], n1[CF_NONCE_LEN], n2[CF_NONCE_LEN];
	uint8_t buf[64 + CF_TAG_LEN], other[64 + CF_TAG_LEN];
	uint8_t msg[64];

	memset(msg, 'm', sizeof(msg));
	CHECK(crypto_random(key, sizeof(key)) == 0, "random key");
	CHECK(crypto_nonce(n1, sizeof(n1)) == 0, "random nonce");
	CHECK(crypto_nonce(n2, sizeof(n2)) == 0, "second random nonce");
	CHECK(memcmp(n1, n2, sizeof(n1)) != 0, "two nonces differ");
	memcpy(buf, msg, sizeof(msg));
	CHECK(crypto_aead_seal(key, n1, "k", 1, buf, sizeof(msg), buf) == 0,
	    "seal in place");
	CHECK(crypto_aead_seal(key, n2, "k", 1, msg, sizeof(msg), other) == 0,
	    "seal under another nonce");
	CHECK(memcmp(buf, other, sizeof(buf)) != 0,
	    "another nonce gives another ciphertext");
	CHECK(crypto_aead_open(key, n1, "k", 1, buf, sizeof(buf), buf) == 0,
	    "open in place");
	CHECK(memcmp(buf, msg, sizeof(msg)) == 0, "in-place round trip");
	CHECK(crypto_aead_seal(key, n1, NULL, 0, NULL, 0, buf) == 0,
	    "seal of nothing with no AAD");
	CHECK(crypto_aead_open(key, n1, NULL, 0, buf, CF_TAG_LEN, other) == 0,
	    "open of nothing with no AAD");
}

/* FIPS 180-2 Appendix B.1. */
static void
test_sha256(void)
{
	uint8_t md[32];

	CHECK(crypto_sha256("abc", 3, md) == 0, "sha256 succeeds");
	CHECK(eq_hex(md, 32,
	          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f"
	          "20015ad"),
	    "SHA-256(\"abc\")");
}

/* RFC 4231 section 4, test cases 1 to 4 (HMAC-SHA-256 column). */
static const struct {
	int line;
	const char *key, *msg, *mac;
} hmac_vectors[] = {
    {__LINE__, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {__LINE__, "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {__LINE__, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
        "dddddddddddddddddddddddddddddddddddd",
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {__LINE__, "0102030405060708090a0b0c0d0e0f10111213141516171819",
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
};

static void
test_hmac(void)
{
	uint8_t *key, *msg, mac[32];
	size_t i, klen, mlen;

	for (i = 0; i < sizeof(hmac_vectors) / sizeof(hmac_vectors[0]); i++) {
		key = unhex(hmac_vectors[i].key, &klen);
		msg = unhex(hmac_vectors[i].msg, &mlen);
		CHECK_LINE(hmac_vectors[i].line,
		    crypto_hmac_sha256(key, klen, msg, mlen, mac) == 0,
		    "hmac succeeds");
		CHECK_LINE(hmac_vectors[i].line,
		    eq_hex(mac, 32, hmac_vectors[i].mac), "HMAC matches");
		free(key);
		free(msg);
	}
}

/* RFC 5869 Appendix A, test cases 1 to 3 (SHA-256). */
static const struct {
	int line;
	const char *ikm, *salt, *info, *okm;
} hkdf_vectors[] = {
    {__LINE__, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        "34007208d5b887185865"},
    {__LINE__,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f",
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
        "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
        "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
        "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {__LINE__, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
        "9d201395faa4b61a96c8"},
};

static void
test_hkdf(void)
{
	uint8_t *ikm, *salt, *info, *okm, out[CRYPTO_MAX_HKDF + 1];
	size_t i, ilen, slen, nlen, olen;

	for (i = 0; i < sizeof(hkdf_vectors) / sizeof(hkdf_vectors[0]); i++) {
		ikm = unhex(hkdf_vectors[i].ikm, &ilen);
		salt = unhex(hkdf_vectors[i].salt, &slen);
		info = unhex(hkdf_vectors[i].info, &nlen);
		okm = unhex(hkdf_vectors[i].okm, &olen);
		CHECK_LINE(hkdf_vectors[i].line,
		    crypto_hkdf_sha256(
		        ikm, ilen, salt, slen, info, nlen, out, olen) == 0,
		    "hkdf succeeds");
		CHECK_LINE(hkdf_vectors[i].line, memcmp(out, okm, olen) == 0,
		    "OKM matches");
		free(ikm);
		free(salt);
		free(info);
		free(okm);
	}
	CHECK(crypto_hkdf_sha256(
	          "k", 1, NULL, 0, NULL, 0, out, CRYPTO_MAX_HKDF) == 0,
	    "hkdf gives 255 * HashLen bytes");
	CHECK(crypto_hkdf_sha256(
	          "k", 1, NULL, 0, NULL, 0, out, CRYPTO_MAX_HKDF + 1) == -1,
	    "hkdf refuses more than 255 blocks");
	CHECK(crypto_hkdf_sha256("k", 1, NULL, 0, NULL, 0, out, 0) == -1,
	    "hkdf refuses an empty output");
}

/* RFC 7914 section 11, PBKDF2-HMAC-SHA256 (c = 1 and c = 80000). */
static const struct {
	int line;
	const char *pw, *salt;
	unsigned iter;
	const char *dk;
} pbkdf2_vectors[] = {
    {__LINE__, "passwd", "salt", 1,
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
    {__LINE__, "Password", "NaCl", 80000,
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"},
};

static void
test_pbkdf2(void)
{
	uint8_t dk[64];
	size_t i;

	for (i = 0; i < sizeof(pbkdf2_vectors) / sizeof(pbkdf2_vectors[0]);
	     i++) {
		CHECK_LINE(pbkdf2_vectors[i].line,
		    crypto_pbkdf2_sha256(pbkdf2_vectors[i].pw,
		        strlen(pbkdf2_vectors[i].pw), pbkdf2_vectors[i].salt,
		        strlen(pbkdf2_vectors[i].salt), pbkdf2_vectors[i].iter,
		        dk, sizeof(dk)) == 0,
		    "pbkdf2 succeeds");
		CHECK_LINE(pbkdf2_vectors[i].line,
		    eq_hex(dk, sizeof(dk), pbkdf2_vectors[i].dk),
		    "derived key matches");
	}
	CHECK(crypto_pbkdf2_sha256("pw", 2, "salt", 4, 0, dk, sizeof(dk)) == -1,
	    "pbkdf2 refuses zero iterations");
}

static void
wipe_null(void)
{
	crypto_wipe(NULL, 16);
}

static void
test_equal_and_wipe(void)
{
	uint8_t a[33], b[33];

	memset(a, 0x5c, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(
	    crypto_equal(a, b, sizeof(a)) == 1, "equal buffers compare equal");
	b[32] ^= 0x01;
	CHECK(crypto_equal(a, b, sizeof(a)) == 0, "last byte differs");
	b[32] ^= 0x01;
	b[0] ^= 0x80;
	CHECK(crypto_equal(a, b, sizeof(a)) == 0, "first byte differs");
	CHECK(crypto_equal(a, b, 0) == 1, "empty buffers compare equal");
	crypto_wipe(a, sizeof(a));
	CHECK(is_zero(a, sizeof(a)), "wipe zeroes every byte");
	CHECK(survives(wipe_null), "wipe accepts NULL");
}

/* RFC 4648 section 10, plus bytes that need '+' '/' or '-' '_'. */
static const struct {
	int line;
	const char *raw, *std, *url;
} b64_vectors[] = {
    {__LINE__, "", "", ""},
    {__LINE__, "f", "Zg==", "Zg"},
    {__LINE__, "fo", "Zm8=", "Zm8"},
    {__LINE__, "foo", "Zm9v", "Zm9v"},
    {__LINE__, "foob", "Zm9vYg==", "Zm9vYg"},
    {__LINE__, "fooba", "Zm9vYmE=", "Zm9vYmE"},
    {__LINE__, "foobar", "Zm9vYmFy", "Zm9vYmFy"},
    {__LINE__, "\xfb\xff\xbf", "+/+/", "-_-_"},
    {__LINE__, "\xfb\xff", "+/8=", "-_8"},
};

static void
test_base64(void)
{
	uint8_t *dec;
	size_t i, rawlen, declen;
	char *enc;
	int url, line;

	for (i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]); i++) {
		line = b64_vectors[i].line;
		rawlen = strlen(b64_vectors[i].raw);
		for (url = 0; url <= 1; url++) {
			const char *want =
			    url ? b64_vectors[i].url : b64_vectors[i].std;

			enc = codec_base64_encode(
			    b64_vectors[i].raw, rawlen, url);
			CHECK_LINE(line, enc != NULL && strcmp(enc, want) == 0,
			    url ? "base64url encodes" : "base64 encodes");
			free(enc);
			dec = NULL;
			CHECK_LINE(line,
			    codec_base64_decode(
			        want, strlen(want), url, &dec, &declen) == 0,
			    url ? "base64url decodes" : "base64 decodes");
			CHECK_LINE(line,
			    dec != NULL && declen == rawlen &&
			        memcmp(dec, b64_vectors[i].raw, rawlen) == 0,
			    "decoded bytes round trip");
			free(dec);
		}
	}
}

/* Each spelling a strict, canonical decoder must refuse. */
static const struct {
	int line;
	const char *in;
	int url;
	const char *why;
} b64_rejects[] = {
    {__LINE__, "Zg", 0, "missing padding"},
    {__LINE__, "Zg=", 0, "short padding"},
    {__LINE__, "Zg===", 0, "too much padding"},
    {__LINE__, "Z===", 0, "three pad characters"},
    {__LINE__, "Zm=v", 0, "padding inside a quantum"},
    {__LINE__, "Zg==Zm9v", 0, "padding before the end"},
    {__LINE__, "Zh==", 0, "non-zero unused bits"},
    {__LINE__, "Zm9=", 0, "non-zero unused bits after two bytes"},
    {__LINE__, "Zm9v YmFy", 0, "whitespace"},
    {__LINE__, "Zm9v\nYmFy", 0, "newline"},
    {__LINE__, "Zm9v!mFy", 0, "character outside the alphabet"},
    {__LINE__, "-_8=", 0, "url alphabet in standard base64"},
    {__LINE__, "Zg==", 1, "padding in base64url"},
    {__LINE__, "Zm8=", 1, "one pad character in base64url"},
    {__LINE__, "+/8", 1, "standard alphabet in base64url"},
    {__LINE__, "Z", 1, "a lone sixth of a byte"},
    {__LINE__, "Zm9vY", 1, "a lone sixth of a byte after a quantum"},
    {__LINE__, "Zh", 1, "non-zero unused bits in base64url"},
    {__LINE__, "Zm\x80v", 1, "high-bit byte"},
};

static void
test_base64_rejects(void)
{
	uint8_t *dec, sentinel;
	size_t i, declen;
	int rc;

	for (i = 0; i < sizeof(b64_rejects) / sizeof(b64_rejects[0]); i++) {
		dec = &sentinel;
		declen = 12345;
		errno = 0;
		rc = codec_base64_decode(b64_rejects[i].in,
		    strlen(b64_rejects[i].in), b64_rejects[i].url, &dec,
		    &declen);
		CHECK_LINE(b64_rejects[i].line, rc == -1 && errno == EINVAL,
		    b64_rejects[i].why);
		CHECK_LINE(b64_rejects[i].line,
		    dec == &sentinel && declen == 12345,
		    "a refused decode leaves its outputs alone");
	}
	/* The length is the caller's: an embedded NUL is a bad character. */
	CHECK(codec_base64_decode("Zm9\0", 4, 0, &dec, &declen) == -1,
	    "embedded NUL is refused");
}

static const struct {
	int line;
	const char *in;
	int ok;
	const char *raw; /* hex of the expected bytes */
} hex_vectors[] = {
    {__LINE__, "", 1, ""},
    {__LINE__, "00ff10", 1, "00ff10"},
    {__LINE__, "00FF10aB", 1, "00ff10ab"},
    {__LINE__, "0123456789abcdefABCDEF", 1, "0123456789abcdefabcdef"},
    {__LINE__, "0", 0, NULL},
    {__LINE__, "abc", 0, NULL},
    {__LINE__, "0g", 0, NULL},
    {__LINE__, "g0", 0, NULL},
    {__LINE__, "zz", 0, NULL},
    {__LINE__, "0x10", 0, NULL},
    {__LINE__, " 1", 0, NULL},
    {__LINE__, "@`", 0, NULL},
    {__LINE__, "/:", 0, NULL},
};

static void
test_hex(void)
{
	uint8_t *dec;
	size_t i, declen;
	char *enc;
	int rc;

	for (i = 0; i < sizeof(hex_vectors) / sizeof(hex_vectors[0]); i++) {
		dec = NULL;
		rc = codec_hex_decode(hex_vectors[i].in,
		    strlen(hex_vectors[i].in), &dec, &declen);
		CHECK_LINE(hex_vectors[i].line, (rc == 0) == hex_vectors[i].ok,
		    "hex decode accepts exactly the valid strings");
		if (rc == 0) {
			enc = codec_hex_encode(dec, declen);
			CHECK_LINE(hex_vectors[i].line,
			    enc != NULL && strcmp(enc, hex_vectors[i].raw) == 0,
			    "hex encodes back in lowercase");
			free(enc);
		}
		free(dec);
	}
	enc = codec_hex_encode("\x00\xff\x10\x9a", 4);
	CHECK(enc != NULL && strcmp(enc, "00ff109a") == 0, "hex encode");
	free(enc);
}

/* The masked character maps, checked over every byte value. */
static void
test_codec_every_byte(void)
{
	static const char *alpha[2] = {
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"};
	uint8_t all[256], *dec;
	char *enc, quad[4] = {'A', 'A', 'A', 'A'};
	size_t declen;
	unsigned c;
	int url, ok, want, good = 1;

	for (c = 0; c < 256; c++)
		all[c] = (uint8_t)c;
	for (url = 0; url <= 1; url++) {
		enc = codec_base64_encode(all, sizeof(all), url);
		ok = enc != NULL && codec_base64_decode(enc, strlen(enc), url,
		                        &dec, &declen) == 0;
		CHECK(ok && declen == sizeof(all) &&
		          memcmp(dec, all, sizeof(all)) == 0,
		    "every byte value round trips through base64");
		if (ok)
			free(dec);
		free(enc);
		for (c = 0; c < 256; c++) {
			quad[0] = (char)c;
			want = c != 0 && strchr(alpha[url], (int)c) != NULL;
			ok = codec_base64_decode(quad, 4, url, &dec, &declen) ==
			     0;
			if (ok) {
				if (dec[0] >> 2 !=
				    strchr(alpha[url], (int)c) - alpha[url])
					good = 0;
				free(dec);
			}
			if (ok != want)
				good = 0;
		}
	}
	CHECK(good, "base64 accepts exactly its alphabet, with its values");
	enc = codec_hex_encode(all, sizeof(all));
	ok = enc != NULL &&
	     codec_hex_decode(enc, strlen(enc), &dec, &declen) == 0;
	CHECK(ok && declen == sizeof(all) && memcmp(dec, all, sizeof(all)) == 0,
	    "every byte value round trips through hex");
	if (ok)
		free(dec);
	free(enc);
	good = 1;
	for (c = 0; c < 256; c++) {
		quad[0] = (char)c;
		want =
		    c != 0 && strchr("0123456789abcdefABCDEF", (int)c) != NULL;
		ok = codec_hex_decode(quad, 2, &dec, &declen) == 0;
		if (ok)
			free(dec);
		if (ok != want)
			good = 0;
	}
	CHECK(good, "hex accepts exactly its digits");
}

/* Unicode 15 Table 3-7, and the classic ill-formed sequences. */
static const struct {
	int line;
	const char *s;
	size_t len;
	int valid;
	const char *what;
} utf8_vectors[] = {
    {__LINE__, "", 0, 1, "empty"},
    {__LINE__, "plain ascii", 11, 1, "ASCII"},
    {__LINE__, "a\0b", 3, 1, "NUL is allowed"},
    {__LINE__, "\xc2\x80", 2, 1, "U+0080"},
    {__LINE__, "\xdf\xbf", 2, 1, "U+07FF"},
    {__LINE__, "\xe0\xa0\x80", 3, 1, "U+0800"},
    {__LINE__, "\xed\x9f\xbf", 3, 1, "U+D7FF"},
    {__LINE__, "\xee\x80\x80", 3, 1, "U+E000"},
    {__LINE__, "\xef\xbf\xbf", 3, 1, "U+FFFF"},
    {__LINE__, "\xf0\x90\x80\x80", 4, 1, "U+10000"},
    {__LINE__, "\xf4\x8f\xbf\xbf", 4, 1, "U+10FFFF"},
    {__LINE__, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", 14, 1,
        "mixed text"},
    {__LINE__, "\xc0\x80", 2, 0, "overlong NUL"},
    {__LINE__, "\xc1\xbf", 2, 0, "overlong two-byte"},
    {__LINE__, "\xe0\x80\xaf", 3, 0, "overlong three-byte '/'"},
    {__LINE__, "\xe0\x9f\xbf", 3, 0, "overlong U+07FF"},
    {__LINE__, "\xf0\x8f\xbf\xbf", 4, 0, "overlong four-byte"},
    {__LINE__, "\xed\xa0\x80", 3, 0, "surrogate U+D800"},
    {__LINE__, "\xed\xbf\xbf", 3, 0, "surrogate U+DFFF"},
    {__LINE__, "\xf4\x90\x80\x80", 4, 0, "U+110000"},
    {__LINE__, "\xf5\x80\x80\x80", 4, 0, "lead byte F5"},
    {__LINE__, "\xff", 1, 0, "byte FF"},
    {__LINE__, "\x80", 1, 0, "lone continuation byte"},
    {__LINE__, "\xc3", 1, 0, "truncated two-byte"},
    {__LINE__, "\xe2\x82", 2, 0, "truncated three-byte"},
    {__LINE__, "\xf0\x9f\x94", 3, 0, "truncated four-byte"},
    {__LINE__, "\xe2\x82\x41", 3, 0, "bad second continuation"},
    {__LINE__, "\xc3\x28", 2, 0, "bad first continuation"},
    {__LINE__, "ok\xc3", 3, 0, "truncated at the end"},
};

static void
test_utf8(void)
{
	size_t i;

	for (i = 0; i < sizeof(utf8_vectors) / sizeof(utf8_vectors[0]); i++)
		CHECK_LINE(utf8_vectors[i].line,
		    codec_utf8_valid(utf8_vectors[i].s, utf8_vectors[i].len) ==
		        utf8_vectors[i].valid,
		    utf8_vectors[i].what);
}

/* Combine the shares picked by mask (bit i = share i) into out. */
static int
combine_mask(
    uint8_t **shares, unsigned n, unsigned long mask, size_t len, uint8_t *out)
{
	uint8_t *pick[SHAMIR_MAX_SHARES];
	unsigned i, k = 0;

	for (i = 0; i < n; i++)
		if (mask >> i & 1)
			pick[k++] = shares[i];
	return shamir_combine(pick, k, len + 1, out);
}

static unsigned
popcount(unsigned long m)
{
	unsigned c = 0;

	for (; m != 0; m >>= 1)
		c += m & 1;
	return c;
}

/* Every subset of a small split: t or more rebuild it, fewer do not. */
static void
check_all_subsets(int line, uint8_t **shares, unsigned n, unsigned t,
    const uint8_t *secret, size_t len, uint8_t *out)
{
	unsigned long mask;
	int ok;

	for (mask = 1; mask < 1UL << n; mask++) {
		ok = combine_mask(shares, n, mask, len, out) == 0;
		CHECK_LINE(line, ok, "combine of a subset succeeds");
		if (popcount(mask) >= t)
			CHECK_LINE(line, ok && memcmp(out, secret, len) == 0,
			    "t or more shares rebuild the secret");
		else
			CHECK_LINE(line, ok && memcmp(out, secret, len) != 0,
			    "fewer than t shares do not");
	}
}

/* A large split: the first t, the last t, all n, and t - 1. */
static void
check_some_subsets(int line, uint8_t **shares, unsigned n, unsigned t,
    const uint8_t *secret, size_t len, uint8_t *out)
{
	CHECK_LINE(line,
	    shamir_combine(shares, t, len + 1, out) == 0 &&
	        memcmp(out, secret, len) == 0,
	    "the first t shares rebuild the secret");
	CHECK_LINE(line,
	    shamir_combine(shares + (n - t), t, len + 1, out) == 0 &&
	        memcmp(out, secret, len) == 0,
	    "the last t shares rebuild the secret");
	CHECK_LINE(line,
	    shamir_combine(shares, n, len + 1, out) == 0 &&
	        memcmp(out, secret, len) == 0,
	    "all n shares rebuild the secret");
	if (t > 1)
		CHECK_LINE(line,
		    shamir_combine(shares + 1, t - 1, len + 1, out) == 0 &&
		        memcmp(out, secret, len) != 0,
		    "t - 1 shares do not rebuild the secret");
}

static const struct {
	int line;
	unsigned n, t;
	size_t len;
} shamir_rows[] = {
    {__LINE__, 1, 1, 32},   /* development mode */
    {__LINE__, 2, 1, 1024}, /* largest secret */
    {__LINE__, 3, 2, 32},
    {__LINE__, 5, 3, 32},
    {__LINE__, 5, 5, 32},
    {__LINE__, 8, 4, 16},
    {__LINE__, 255, 2, 16},
    {__LINE__, 255, 255, 4},
};

static void
test_shamir_row(int line, unsigned n, unsigned t, size_t len)
{
	uint8_t *shares[SHAMIR_MAX_SHARES] = {NULL};
	uint8_t secret[SHAMIR_MAX_SECRET], out[SHAMIR_MAX_SECRET];
	uint8_t seen[256] = {0};
	unsigned i;
	int distinct = 1, constant = 1;

	CHECK_LINE(line, crypto_random(secret, len) == 0, "random secret");
	CHECK_LINE(line, shamir_split(secret, len, n, t, shares) == 0,
	    "split succeeds");
	for (i = 0; i < n; i++) {
		if (shares[i] == NULL) {
			CHECK_LINE(line, 0, "every share is filled");
			return;
		}
		if (shares[i][len] == 0 || seen[shares[i][len]])
			distinct = 0;
		seen[shares[i][len]] = 1;
		if (memcmp(shares[i], secret, len) != 0)
			constant = 0;
	}
	CHECK_LINE(line, distinct, "x-coordinates are non-zero and distinct");
	if (t == 1)
		CHECK_LINE(
		    line, constant, "with t = 1 every share is the secret");
	if (n <= 8)
		check_all_subsets(line, shares, n, t, secret, len, out);
	else
		check_some_subsets(line, shares, n, t, secret, len, out);
	for (i = 0; i < n; i++) {
		crypto_wipe(shares[i], len + 1);
		free(shares[i]);
	}
}

static void
test_shamir_rejects(void)
{
	uint8_t a[3] = {1, 2, 7}, b[3] = {3, 4, 7}, z[3] = {5, 6, 0};
	uint8_t *dup[2] = {a, b}, *zero[2] = {a, z}, *one[1] = {a};
	uint8_t *shares[2] = {NULL, NULL}, out[2], secret[1025] = {0};

	CHECK(shamir_combine(dup, 2, 3, out) == -1, "duplicate x is refused");
	CHECK(shamir_combine(zero, 2, 3, out) == -1, "x = 0 is refused");
	CHECK(shamir_combine(one, 0, 3, out) == -1, "no shares is refused");
	CHECK(shamir_combine(one, 1, 1, out) == -1,
	    "a share of 1 byte is refused");
	CHECK(shamir_split(secret, 0, 2, 1, shares) == -1,
	    "an empty secret is refused");
	CHECK(shamir_split(secret, 1025, 2, 1, shares) == -1,
	    "a secret over 1024 bytes is refused");
	CHECK(shamir_split(secret, 16, 0, 0, shares) == -1,
	    "zero shares are refused");
	CHECK(shamir_split(secret, 16, 2, 0, shares) == -1,
	    "threshold 0 is refused");
	CHECK(shamir_split(secret, 16, 2, 3, shares) == -1,
	    "threshold above n is refused");
	CHECK(shamir_split(secret, 16, 256, 2, shares) == -1,
	    "more than 255 shares are refused");
	CHECK(shares[0] == NULL && shares[1] == NULL,
	    "a refused split writes no share");
}

/*
 * The field must be AES's (x^8 + x^4 + x^3 + x + 1), as in Vault, or shares
 * would not move between the two.  FIPS-197 4.2: {57} * {83} = {c1}.  The
 * line f(x) = s + {57}x gives f({83}) = s ^ {c1} and f({01}) = s ^ {57}.
 */
static void
test_shamir_field(void)
{
	uint8_t s = 0x2a, a[2] = {0x2a ^ 0xc1, 0x83},
	        b[2] = {0x2a ^ 0x57, 0x01};
	uint8_t *pair[2] = {a, b}, out[1];

	CHECK(shamir_combine(pair, 2, 2, out) == 0 && out[0] == s,
	    "interpolation works in the AES field");
}

static void
test_shamir(void)
{
	size_t i;

	for (i = 0; i < sizeof(shamir_rows) / sizeof(shamir_rows[0]); i++)
		test_shamir_row(shamir_rows[i].line, shamir_rows[i].n,
		    shamir_rows[i].t, shamir_rows[i].len);
	test_shamir_rejects();
	test_shamir_field();
}

/*
 * A throwaway RSA-2048 key made for this test with `certtool
 * --generate-privkey --key-type rsa` (PKCS#1 PEM), its public key, and an
 * RS256 signature by `openssl dgst -sha256 -sign` over JWT_INPUT: a second
 * implementation agrees with ours.
 */
static const char rsa_pkcs1_pem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEAvv/KeYSt8xJgcptEQaCsdvterJpJ3bTmHZnbvDpW5KRlXUiK\n"
    "dFU2vP2fDXq34sSyeBAKwnGpk3cRTAsV8YibBmfDVsGQBDct9fMT2MiLvKQcRSvR\n"
    "MVXS/OUDhqlqOfxjSrTu5E8cEGLfWmyUn6BTuMoc8tBiTHClU65bq5hy0AYyyFWu\n"
    "SINSx683JKqXqCgzdDjJLVJHHS61XxRVKkp9X/8JZQmhQY4rIs079u4yYTPWpufo\n"
    "t+mdhM59JH2zzXD/R28rKIV5lpeDmRaz2/dvRY6ky6zqDGEmlToO2nHHs6FBzgDM\n"
    "CUioAXWszIKiyWD62PVRTzxQcue+4vW2fGuHlQIDAQABAoIBAQCYf1bEK2FPoC6N\n"
    "ktaup4DMBuuSWCX99H9+xuego9vY9kFQd6jENX1c7ArgEklbr7znC7frhCDm8rxG\n"
    "wNsmW/Ga7aITVLyOARibNRd1kLmxRj6kI9YE1Ad/j8J+9CkyXwdQEKJke51mn+rB\n"
    "IcyQnsv50LXIUQULDy2RYLckjLWuzL+mipko3maYMTLAAo4URqzBG/0BKAuJlkSR\n"
    "yAtwW7roGtnpbRxqc/3UnAW51v0GCMGrQFRXusys1zY7VFzMKeX2eJXoeALJQFF4\n"
    "XOTZixdSdZwHYP7Bx7DB2RJ7zh4xLTcyQ2sIP+nwtn6lJ/krjasd0yueHa33yGuW\n"
    "9Ody3UnJAoGBAMCQUSuHeiAiwn70wjdi+Bp2hfeI12FK5k6sFohDTSJ0HdCL3Cgn\n"
    "taRNxCsQcTnG/XIurfFxombMLntthoBI7BNEZyD7cKJO7s7fUQwBmkA3r0iLyDWI\n"
    "2y1eQiQcvSxX1rJU4O1iGliNr6ZMViba5Ordy5EywyJWZBC0GSuSTkInAoGBAP3r\n"
    "h05H3OyXhUASmwlWg1n+GJcVp+UKWcm7I59coHEzxRw3dYT2WDKP/Bb3tLiBwuTd\n"
    "qmK2Ie6AUuMp9C1XQtWuXFqGGB9bwup65ySldTOHLhYn+Ws9xmdiWGdCHFDrTtbn\n"
    "oZIjMF/AK9Rnds7UsBC/LkiVXj38J3OsRWAHYInjAoGAEfbku6zd5dWYU4O+ArDG\n"
    "+KEKCnfHsBnutnQzfe7ZaVdv2J7ToSNjPLrMjD/ycDNyPY7BR38UaYau53DmVV14\n"
    "OKvu+xK6BUpb2QzYYMhdfZQ0VA5GVUg5OlhKz1enBlYDf4uPmFXIo25Ebr08ZE+T\n"
    "f53FefxEXBW3LB/BIWF6z40CgYEAjgCpI8smrx2xxHpjP96lCLAEuoG+6mVWf23r\n"
    "5xSbGZPVOQl+7IQEIQrK9WFELSdMgkfBIQEwirwzHp14096IHw4q0elKFkdwA0gG\n"
    "ekUZ/V4tFPD4GNRsX6btP5oGUe62oZLaleqeA/5pxJi0JclmSYdRcAAwu0OIILWH\n"
    "+sNFZvcCgYBLX5zg13jDzSXS/L9hMLQciK4Iv5w/UbKNdXG2IBrmwq8WcGLGylUx\n"
    "cUCkiTY1Yd8LzP12Psi8h+9kh0wWmf7ukxNUltmY3RJBfEl9zDwXv3MzA5y8YM7a\n"
    "R0yGt36HWboHRUlUxbFaAY/dDcerVrTCsM7yKZ5kYBb98zdSmZkQYA==\n"
    "-----END RSA PRIVATE KEY-----\n";
static const char rsa_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvv/KeYSt8xJgcptEQaCs\n"
    "dvterJpJ3bTmHZnbvDpW5KRlXUiKdFU2vP2fDXq34sSyeBAKwnGpk3cRTAsV8Yib\n"
    "BmfDVsGQBDct9fMT2MiLvKQcRSvRMVXS/OUDhqlqOfxjSrTu5E8cEGLfWmyUn6BT\n"
    "uMoc8tBiTHClU65bq5hy0AYyyFWuSINSx683JKqXqCgzdDjJLVJHHS61XxRVKkp9\n"
    "X/8JZQmhQY4rIs079u4yYTPWpufot+mdhM59JH2zzXD/R28rKIV5lpeDmRaz2/dv\n"
    "RY6ky6zqDGEmlToO2nHHs6FBzgDMCUioAXWszIKiyWD62PVRTzxQcue+4vW2fGuH\n"
    "lQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char rsa_modulus_hex[] =
    "beffca7984adf31260729b4441a0ac76fb5eac9a49ddb4e61d99dbbc3a56e4a4"
    "655d488a745536bcfd9f0d7ab7e2c4b278100ac271a99377114c0b15f1889b06"
    "67c356c19004372df5f313d8c88bbca41c452bd13155d2fce50386a96a39fc63"
    "4ab4eee44f1c1062df5a6c949fa053b8ca1cf2d0624c70a553ae5bab9872d006"
    "32c855ae488352c7af3724aa97a828337438c92d52471d2eb55f14552a4a7d5f"
    "ff096509a1418e2b22cd3bf6ee326133d6a6e7e8b7e99d84ce7d247db3cd70ff"
    "476f2b2885799697839916b3dbf76f458ea4cbacea0c6126953a0eda71c7b3a1"
    "41ce00cc0948a80175accc82a2c960fad8f5514f3c5072e7bee2f5b67c6b8795";
#define JWT_INPUT "eyJhbGciOiJSUzI1NiJ9.eyJ1aWQiOiJib290c3RyYXB1c2VyIn0"
static const char rsa_jwt_sig_hex[] =
    "455e727a3e6bbf1419d48c4d10c365e64365d937b5545e75f17b370871c06dd4"
    "e36be8f54c878d576db38c34374c5683116f546c499667c7b4b43048de2b073b"
    "5bed653ee3c0e336453d880d0a5b5dbaaabf6c319b395a7499bf3b6c9a3abe09"
    "e2591157aeda3447626c9677f185f86a6e32d81e1469700e3c43a5cc5247010a"
    "860d0ba768e879e629a1bcd30a332ec3dfa5eb61229bfea18383a0d5e77e4af5"
    "a7ae3d40f73b26f122f35783f4e0d2d6eef2cbf5d3dc7bfefb52a0431c409280"
    "c2fc67a73da2cbd451a16f9b592a4a8571e20abda140aa2a26d25bd58ae65eec"
    "6d6bafd9eecdfa4c59a3b6f56aac61ef3faca5bc1b6ca9ab0b00c33a1536ffd2";

/* An ECDSA P-256 key pair (certtool --key-type ecdsa): right format, wrong
 * type. */
static const char ec_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAExwEVIFNX7905zXcK1JD3ci2u1CEg\n"
    "RWeOrbUNs18LIlyYeNbdNUP6JfmaIwjp+wf1OPHS/5QYmMHnRT90a47aiA==\n"
    "-----END PUBLIC KEY-----\n";
static const char ec_private_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHgCAQEEIQDLmxNw1yMRz4bydYPcPM+e5YuZ/4D0fgTsSNO6AVB/7aAKBggqhkjO\n"
    "PQMBB6FEA0IABMcBFSBTV+/dOc13CtSQ93ItrtQhIEVnjq21DbNfCyJcmHjW3TVD\n"
    "+iX5miMI6fsH9Tjx0v+UGJjB50U/dGuO2og=\n"
    "-----END EC PRIVATE KEY-----\n";

/* Sign with k and check every way verification must fail. */
static void
check_sign_verify(const struct crypto_rsa *k, const struct crypto_rsa *pub)
{
	static const char msg[] = JWT_INPUT;
	uint8_t *sig = NULL, *bad;
	size_t siglen = 0;

	CHECK(crypto_rs256_sign(k, msg, strlen(msg), &sig, &siglen) == 0,
	    "sign succeeds");
	CHECK(siglen == (crypto_rsa_bits(k) + 7) / 8,
	    "signature is as long as the modulus");
	CHECK(crypto_rs256_verify(k, msg, strlen(msg), sig, siglen) == 0,
	    "private key verifies its signature");
	CHECK(crypto_rs256_verify(pub, msg, strlen(msg), sig, siglen) == 0,
	    "public key verifies the signature");
	CHECK(crypto_rs256_verify(pub, msg, strlen(msg) - 1, sig, siglen) ==
	          CRYPTO_E_AUTH,
	    "a shortened message fails");
	CHECK(crypto_rs256_verify(pub, "fyJ", 3, sig, siglen) == CRYPTO_E_AUTH,
	    "another message fails");
	if ((bad = malloc(siglen + 1)) == NULL)
		exit(EXIT_FAILURE);
	memcpy(bad, sig, siglen);
	bad[siglen / 2] ^= 0x04;
	CHECK(crypto_rs256_verify(pub, msg, strlen(msg), bad, siglen) ==
	          CRYPTO_E_AUTH,
	    "a flipped signature bit fails");
	CHECK(crypto_rs256_verify(pub, msg, strlen(msg), sig, siglen - 1) ==
	          CRYPTO_E_AUTH,
	    "a truncated signature fails");
	memcpy(bad, sig, siglen);
	bad[siglen] = 0;
	CHECK(crypto_rs256_verify(pub, msg, strlen(msg), bad, siglen + 1) ==
	          CRYPTO_E_AUTH,
	    "a lengthened signature fails");
	memset(bad, 0xff, siglen);
	CHECK(crypto_rs256_verify(pub, msg, strlen(msg), bad, siglen) ==
	          CRYPTO_E_AUTH,
	    "a signature above the modulus fails");
	memset(bad, 0, siglen);
	CHECK(crypto_rs256_verify(pub, msg, strlen(msg), bad, siglen) ==
	          CRYPTO_E_AUTH,
	    "an all-zero signature fails");
	CHECK(
	    crypto_rs256_verify(pub, msg, strlen(msg), "", 0) == CRYPTO_E_AUTH,
	    "an empty signature fails");
	free(bad);
	free(sig);
}

/* PEM export and import round trip, for both halves. */
static void
check_pem_round_trip(const struct crypto_rsa *k)
{
	struct crypto_rsa *priv = NULL, *pub = NULL;
	char *ppem = NULL, *upem = NULL;
	size_t plen = 0, ulen = 0;
	uint8_t *s1 = NULL, *s2 = NULL;
	size_t l1 = 0, l2 = 0;

	CHECK(crypto_rsa_export_private(k, &ppem, &plen) == 0,
	    "export private succeeds");
	CHECK(ppem != NULL && strlen(ppem) == plen &&
	          strncmp(ppem, "-----BEGIN PRIVATE KEY-----", 27) == 0,
	    "private export is NUL-terminated PKCS#8 PEM");
	CHECK(crypto_rsa_import_private(ppem, plen, &priv) == 0,
	    "exported private key imports");
	CHECK(crypto_rsa_export_public(k, &upem, &ulen) == 0,
	    "export public succeeds");
	CHECK(upem != NULL && strlen(upem) == ulen &&
	          strncmp(upem, "-----BEGIN PUBLIC KEY-----", 26) == 0,
	    "public export is NUL-terminated SubjectPublicKeyInfo PEM");
	CHECK(crypto_rsa_import_public(upem, ulen, &pub) == 0,
	    "exported public key imports");
	/* RSASSA-PKCS1-v1_5 is deterministic: same key, same signature. */
	CHECK(crypto_rs256_sign(k, "m", 1, &s1, &l1) == 0 &&
	          crypto_rs256_sign(priv, "m", 1, &s2, &l2) == 0 && l1 == l2 &&
	          memcmp(s1, s2, l1) == 0,
	    "the re-imported private key signs identically");
	CHECK(crypto_rs256_verify(pub, "m", 1, s1, l1) == 0,
	    "the re-imported public key verifies");
	check_sign_verify(k, pub);
	CHECK(crypto_rs256_sign(pub, "m", 1, &s2, &l2) == CRYPTO_E_KEYTYPE,
	    "a public key cannot sign");
	CHECK(crypto_rsa_export_private(pub, &ppem, &plen) == CRYPTO_E_KEYTYPE,
	    "a public key has no private PEM");
	crypto_wipe(ppem, plen);
	free(ppem);
	free(upem);
	free(s1);
	free(s2);
	crypto_rsa_free(priv);
	crypto_rsa_free(pub);
}

static void
check_public_numbers(const struct crypto_rsa *k, size_t want_nlen)
{
	uint8_t *n = NULL, *e = NULL;
	size_t nlen = 0, elen = 0;

	CHECK(crypto_rsa_public_numbers(k, &n, &nlen, &e, &elen) == 0,
	    "public numbers succeed");
	CHECK(nlen == want_nlen && n != NULL && n[0] != 0,
	    "modulus has no leading zero byte");
	CHECK(elen == 3 && e != NULL && memcmp(e, "\x01\x00\x01", 3) == 0,
	    "exponent is 65537 in three bytes");
	free(n);
	free(e);
}

static void
test_rsa_generated(void)
{
	struct crypto_rsa *k = NULL;

	CHECK(crypto_rsa_generate(2048, &k) == 0 && k != NULL,
	    "generate RSA-2048");
	if (k == NULL)
		return;
	CHECK(crypto_rsa_bits(k) == 2048, "modulus has 2048 bits");
	check_public_numbers(k, 256);
	check_pem_round_trip(k);
	crypto_rsa_free(k);
}

/* The fixed key: PKCS#1 import and a signature from OpenSSL. */
static void
test_rsa_fixture(void)
{
	struct crypto_rsa *priv = NULL, *pub = NULL;
	uint8_t *want, *sig = NULL, *n = NULL, *e = NULL;
	size_t wantlen, siglen = 0, nlen, elen;

	CHECK(crypto_rsa_import_private(
	          rsa_pkcs1_pem, strlen(rsa_pkcs1_pem), &priv) == 0,
	    "PKCS#1 private key imports");
	CHECK(crypto_rsa_import_public(
	          rsa_public_pem, strlen(rsa_public_pem), &pub) == 0,
	    "public key imports");
	if (priv == NULL || pub == NULL)
		goto out;
	want = unhex(rsa_jwt_sig_hex, &wantlen);
	CHECK(crypto_rs256_verify(
	          pub, JWT_INPUT, strlen(JWT_INPUT), want, wantlen) == 0,
	    "OpenSSL's RS256 signature verifies");
	CHECK(crypto_rs256_sign(
	          priv, JWT_INPUT, strlen(JWT_INPUT), &sig, &siglen) == 0 &&
	          siglen == wantlen && memcmp(sig, want, wantlen) == 0,
	    "our RS256 signature equals OpenSSL's");
	CHECK(crypto_rsa_public_numbers(pub, &n, &nlen, &e, &elen) == 0 &&
	          eq_hex(n, nlen, rsa_modulus_hex),
	    "modulus matches the one OpenSSL prints");
	free(want);
	free(sig);
	free(n);
	free(e);
out:
	crypto_rsa_free(priv);
	crypto_rsa_free(pub);
}

static const struct {
	int line;
	const char *pem;
	int private, want;
	const char *what;
} rsa_import_rejects[] = {
    {__LINE__, ec_public_pem, 0, CRYPTO_E_KEYTYPE, "EC public key"},
    {__LINE__, ec_private_pem, 1, CRYPTO_E_KEYTYPE, "EC private key"},
    {__LINE__, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        0, -1, "malformed public key"},
    {__LINE__, "not a key at all", 0, -1, "no PEM at all"},
    {__LINE__, "not a key at all", 1, -1, "no PEM at all (private)"},
    {__LINE__, rsa_public_pem, 1, -1, "a public key as a private one"},
    {__LINE__, "", 0, -1, "empty input"},
};

static void
rsa_free_null(void)
{
	crypto_rsa_free(NULL);
}

static void
test_rsa_rejects(void)
{
	struct crypto_rsa *k, *sentinel = (struct crypto_rsa *)&k;
	char *big;
	size_t i;
	int rc;

	for (i = 0;
	     i < sizeof(rsa_import_rejects) / sizeof(rsa_import_rejects[0]);
	     i++) {
		k = sentinel;
		if (rsa_import_rejects[i].private)
			rc =
			    crypto_rsa_import_private(rsa_import_rejects[i].pem,
			        strlen(rsa_import_rejects[i].pem), &k);
		else
			rc = crypto_rsa_import_public(rsa_import_rejects[i].pem,
			    strlen(rsa_import_rejects[i].pem), &k);
		CHECK_LINE(rsa_import_rejects[i].line,
		    rc == rsa_import_rejects[i].want && k == sentinel,
		    rsa_import_rejects[i].what);
	}
	if ((big = malloc(CRYPTO_MAX_PEM + 1)) == NULL)
		exit(EXIT_FAILURE);
	memset(big, 'A', CRYPTO_MAX_PEM + 1);
	CHECK(crypto_rsa_import_public(big, CRYPTO_MAX_PEM + 1, &k) == -1,
	    "an oversized PEM is refused before parsing");
	free(big);
	k = sentinel;
	CHECK(crypto_rsa_generate(1024, &k) == -1 && k == sentinel,
	    "a 1024-bit key is refused");
	CHECK(survives(rsa_free_null), "crypto_rsa_free accepts NULL");
}

/* codec_time writes what gmtime_r and strftime would, digit for digit. */
static int
time_as_strftime(int64_t t, size_t len)
{
	char got[CODEC_TIME_LEN], want[CODEC_TIME_LEN];
	struct tm tm;
	time_t tt = (time_t)t;

	memset(got, 'x', sizeof(got));
	memset(want, 'x', sizeof(want));
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(want, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		want[0] = '\0';
	codec_time(t, got, len);
	return !strcmp(got, want);
}

static void
test_time(void)
{
	static const struct {
		int line;
		int64_t t;
	} rows[] = {
	    {__LINE__, 0},
	    {__LINE__, 59},
	    {__LINE__, 86399},
	    {__LINE__, 86400},
	    {__LINE__, 951782399},    /* 2000-02-28T23:59:59Z */
	    {__LINE__, 951782400},    /* 2000-02-29 */
	    {__LINE__, 951868800},    /* 2000-03-01 */
	    {__LINE__, 4107542399},   /* 2100-02-28T23:59:59Z */
	    {__LINE__, 4107542400},   /* 2100-03-01 */
	    {__LINE__, 1798675200},   /* 2026-12-31 */
	    {__LINE__, 253402300799}, /* 9999-12-31T23:59:59Z */
	    {__LINE__, 253402300800}, /* 10000: strftime's own */
	    {__LINE__, -1},
	    {__LINE__, INT64_MAX},
	};
	char buf[CODEC_TIME_LEN];
	uint64_t x = 88172645463325252ULL;
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_LINE(rows[i].line,
		    time_as_strftime(rows[i].t, CODEC_TIME_LEN), "as strftime");
	/* Every day of four centuries, at a varying second. */
	for (i = 0; i < 146097 && ok; i++)
		ok = time_as_strftime(
		    (int64_t)i * 86400 + (int64_t)(i * 7919 % 86400),
		    CODEC_TIME_LEN);
	CHECK(ok, "every day of 1970 to 2370 as strftime");
	for (i = 0; i < 100000 && ok; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		ok = time_as_strftime(
		    (int64_t)(x % 253402300800ULL), CODEC_TIME_LEN);
	}
	CHECK(ok, "random times to 9999 as strftime");
	CHECK(
	    time_as_strftime(1798675200, 20), "a buffer too short: strftime's");
	codec_time(0, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1970-01-01T00:00:00Z"), "the epoch");
}

int
main(void)
{
	if (crypto_init() != 0 || crypto_init() != 0) {
		fprintf(stderr, "crypto_init failed\n");
		return EXIT_FAILURE;
	}
	test_gcm();
	test_gcm_in_place_and_nonce();
	test_sha256();
	test_hmac();
	test_hkdf();
	test_pbkdf2();
	test_equal_and_wipe();
	test_base64();
	test_base64_rejects();
	test_hex();
	test_codec_every_byte();
	test_utf8();
	test_time();
	test_shamir();
	test_rsa_generated();
	test_rsa_fixture();
	test_rsa_rejects();
	return unit_done();
}
