/*
 * test_token.c: RS256 JWT issue and verify, the verified-token cache, and
 * finding the credential in a request.
 *
 * Tokens are built by hand here (header and payload JSON of our choosing,
 * signed with the real key, another key, an HMAC or nothing) so each row
 * shows one way a forged or malformed token is refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/codec.h"
#include "base/http.h"
#include "crypto/crypto.h"
#include "identity/token.h"
#include "unit.h"

#define NOW 1700000000LL /* a fixed clock: every exp below is relative */

#define U10  "aaaaaaaaaa"
#define U90  U10 U10 U10 U10 U10 U10 U10 U10 U10
#define U96  U90 "abcdef"
#define U97  U96 "g"
#define HDR  "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"
#define GOOD "{\"uid\":\"alice\",\"exp\":1800000000}"

static struct crypto_rsa *key, *other;

static char *
b64(const void *p, size_t len)
{
	char *s = codec_base64_encode(p, len, 1);

	if (s == NULL) {
		fprintf(stderr, "codec_base64_encode failed\n");
		exit(2);
	}
	return s;
}

static char *
join3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);

	if (s == NULL)
		exit(2);
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

enum signer {
	SIGN_KEY,   /* RS256 with the verifying key */
	SIGN_OTHER, /* RS256 with another key */
	SIGN_HMAC,  /* HMAC-SHA256 keyed with the public key's PEM */
	SIGN_EMPTY, /* no signature at all */
};

/* "b64(hdr).b64(payload).sig", signed as asked; malloc'd. */
static char *
make_jwt(const char *hdr, const char *payload, enum signer how)
{
	char *h64 = b64(hdr, strlen(hdr));
	char *p64 = b64(payload, strlen(payload));
	char *msg = join3(h64, ".", p64), *s64, *jwt, *pem = NULL;
	uint8_t *sig = NULL, mac[32];
	size_t siglen, pemlen;
	int rc = 0;

	switch (how) {
	case SIGN_KEY:
	case SIGN_OTHER:
		rc = crypto_rs256_sign(how == SIGN_KEY ? key : other, msg,
		    strlen(msg), &sig, &siglen);
		s64 = rc == 0 ? b64(sig, siglen) : NULL;
		free(sig);
		break;
	case SIGN_HMAC:
		if ((rc = crypto_rsa_export_public(key, &pem, &pemlen)) == 0)
			rc = crypto_hmac_sha256(
			    pem, pemlen, msg, strlen(msg), mac);
		s64 = rc == 0 ? b64(mac, sizeof(mac)) : NULL;
		free(pem);
		break;
	default:
		s64 = strdup("");
		break;
	}
	if (rc != 0 || s64 == NULL) {
		fprintf(stderr, "make_jwt: signing failed\n");
		exit(2);
	}
	jwt = join3(msg, ".", s64);
	free(h64);
	free(p64);
	free(msg);
	free(s64);
	return jwt;
}

static enum cf_status
verify(const char *jwt, size_t len, int64_t now, struct token_claims *c)
{
	return token_verify(key, jwt, len, now, c);
}

/*
 * token_verify with stderr captured into log, so a row can say why it was
 * refused (not merely that it was) and that the log holds no token bytes.
 */
static enum cf_status
verify_logged(const struct crypto_rsa *k, const char *jwt, size_t len,
    int64_t now, struct token_claims *c, char *log, size_t logsz)
{
	FILE *tmp;
	enum cf_status st;
	size_t n;
	int saved;

	fflush(stderr);
	if ((tmp = tmpfile()) == NULL || (saved = dup(2)) == -1 ||
	    dup2(fileno(tmp), 2) == -1) {
		fprintf(stderr, "cannot capture stderr\n");
		exit(2);
	}
	st = token_verify(k, jwt, len, now, c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(log, 1, logsz - 1, tmp);
	log[n] = '\0';
	fclose(tmp);
	return st;
}

/* Does any 12-byte run of the token appear in the log? */
static int
log_leaks(const char *log, const char *jwt, size_t len)
{
	char win[13];
	size_t i;

	for (i = 0; i + 12 <= len; i++) {
		memcpy(win, jwt + i, 12);
		win[12] = '\0';
		if (strlen(win) == 12 && strstr(log, win) != NULL)
			return 1;
	}
	return 0;
}

/*
 * One row's verdict: refused with this reason in the log (why != NULL), or
 * accepted with nothing logged; never a token byte in the log.
 */
static void
check_verdict(int line, const struct crypto_rsa *k, const char *jwt, size_t len,
    const char *why, const char *what)
{
	struct token_claims c;
	char log[1024], want[256];
	enum cf_status st;

	memset(&c, 0, sizeof(c));
	st = verify_logged(k, jwt, len, NOW, &c, log, sizeof(log));
	if (why == NULL) {
		CHECK_LINE(line, st == CF_OK, what);
		CHECK_LINE(line, log[0] == '\0', "nothing logged on success");
		return;
	}
	snprintf(want, sizeof(want), "token refused: %s", why);
	CHECK_LINE(line, st == CF_E_UNAUTHORIZED, what);
	CHECK_LINE(line, strstr(log, want) != NULL, why);
	CHECK_LINE(line, c.uid[0] == '\0' && c.exp == 0,
	    "claims untouched on refusal");
	CHECK_LINE(line, jwt == NULL || !log_leaks(log, jwt, len),
	    "no token bytes in the log");
}

/* An incarnation as token_incarnation_new makes them. */
#define INC "0123456789abcdef0123456789abcdef"

static void
test_issue_then_verify_round_trips(void)
{
	struct token_claims c;
	char *jwt = NULL, *want_h, *want_p, *want;
	char pj[64];

	CHECK(token_issue(key, "alice", "", NOW, CF_TOKEN_LIFETIME, &jwt) ==
	              CF_OK &&
	          jwt != NULL,
	    "issue");
	if (jwt == NULL)
		return;
	/* The exact bytes of header and payload, as DC/OS issues them. */
	snprintf(pj, sizeof(pj), "{\"uid\":\"alice\",\"exp\":%lld}",
	    NOW + CF_TOKEN_LIFETIME);
	want_h = b64(HDR, strlen(HDR));
	want_p = b64(pj, strlen(pj));
	want = join3(want_h, ".", want_p);
	CHECK(strncmp(jwt, want, strlen(want)) == 0 && jwt[strlen(want)] == '.',
	    "header and payload are exactly as specified");
	CHECK(strchr(jwt, '=') == NULL, "no padding");

	memset(&c, 0, sizeof(c));
	CHECK(verify(jwt, strlen(jwt), NOW, &c) == CF_OK, "issued verifies");
	CHECK(strcmp(c.uid, "alice") == 0, "uid claim");
	CHECK(c.exp == NOW + CF_TOKEN_LIFETIME, "exp claim");
	CHECK(
	    verify(jwt, strlen(jwt), NOW + CF_TOKEN_LIFETIME - 1, &c) == CF_OK,
	    "valid one second before exp");
	CHECK(verify(jwt, strlen(jwt), NOW + CF_TOKEN_LIFETIME, &c) ==
	          CF_E_UNAUTHORIZED,
	    "refused at exp");
	CHECK(
	    token_verify(other, jwt, strlen(jwt), NOW, &c) == CF_E_UNAUTHORIZED,
	    "refused under another key");
	free(want_h);
	free(want_p);
	free(want);
	free(jwt);
	jwt = NULL;
	CHECK(token_issue(key, "alice", INC, NOW, 60, &jwt) == CF_OK &&
	          verify(jwt, strlen(jwt), NOW, &c) == CF_OK &&
	          strcmp(c.inc, INC) == 0,
	    "the incarnation comes back");
	free(jwt);
	jwt = NULL;
	CHECK(token_issue(key, "alice", "0123", NOW, 60, &jwt) ==
	              CF_E_BAD_REQUEST &&
	          jwt == NULL,
	    "an incarnation not of ours is not issued");
}

static void
test_issue_refuses_bad_arguments(void)
{
	static const struct {
		int line;
		const char *uid;
		int64_t now, lifetime;
	} rows[] = {
	    {__LINE__, "a!", NOW, 60},
	    {__LINE__, "", NOW, 60},
	    {__LINE__, U97, NOW, 60},
	    {__LINE__, NULL, NOW, 60},
	    {__LINE__, "alice", NOW, 0},
	    {__LINE__, "alice", NOW, -1},
	    {__LINE__, "alice", INT64_MAX, 1},
	};
	char *jwt = NULL;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		CHECK_LINE(rows[i].line,
		    token_issue(key, rows[i].uid, "", rows[i].now,
		        rows[i].lifetime, &jwt) == CF_E_BAD_REQUEST &&
		        jwt == NULL,
		    "issue refused, *jwt untouched");
	CHECK(token_issue(key, U96, "", NOW, 60, &jwt) == CF_OK,
	    "96-byte uid issued");
	free(jwt);
}

/* The reasons token_verify logs, as the rows below expect them. */
#define R_SIG     "bad signature"
#define R_ALG     "alg is not RS256"
#define R_NOALG   "alg missing or not a string"
#define R_TYP     "typ is not JWT"
#define R_CRIT    "crit header present"
#define R_HDR     "header is not a JSON object"
#define R_HDR64   "header is not unpadded base64url"
#define R_SEG64   "payload or signature is not unpadded base64url"
#define R_DOTS    "not three segments"
#define R_LEN     "empty or over CF_MAX_TOKEN"
#define R_PAYLOAD "payload is not a JSON object"
#define R_EXPIRED "expired"
#define R_EXP     "exp missing or not an integer"
#define R_NOUID   "uid missing or not a string"
#define R_UID     "uid invalid"
#define R_INC     "incarnation is not one of ours"

/*
 * Each row: a header and payload, who signs them, and why verify refuses
 * the token (NULL: it accepts it).  The "alg" rows are refused on the
 * header alone, before any signature work.
 */
static void
test_verify_checks_header_signature_and_claims(void)
{
	static const struct {
		int line;
		const char *hdr, *payload;
		enum signer how;
		const char *why, *what;
	} rows[] = {
	    {__LINE__, HDR, GOOD, SIGN_KEY, NULL, "control"},
	    {__LINE__, "{\"alg\":\"RS256\"}", GOOD, SIGN_KEY, NULL,
	        "typ is optional"},
	    {__LINE__, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}",
	        GOOD, SIGN_KEY, NULL, "extra header member"},
	    {__LINE__, HDR,
	        "{\"uid\":\"alice\",\"exp\":1800000000,\"iat\":1,\"x\":[1]}",
	        SIGN_KEY, NULL, "extra claims"},
	    {__LINE__, HDR, "{\"uid\":\"" U96 "\",\"exp\":1800000000}",
	        SIGN_KEY, NULL, "96-byte uid"},
	    {__LINE__, HDR, "{\"uid\":\"a-b_c@d.E9\",\"exp\":1800000000}",
	        SIGN_KEY, NULL, "every uid character class"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":1700000001}", SIGN_KEY,
	        NULL, "exp one second ahead"},
	    {__LINE__, HDR,
	        "{\"uid\":\"alice\",\"incarnation\":\"" INC
	        "\",\"exp\":1800000000}",
	        SIGN_KEY, NULL, "an incarnation"},
	    {__LINE__, HDR,
	        "{\"uid\":\"alice\",\"incarnation\":\"0123456789ABCDEF"
	        "0123456789abcdef\",\"exp\":1800000000}",
	        SIGN_KEY, R_INC, "incarnation in upper case"},
	    {__LINE__, HDR,
	        "{\"uid\":\"alice\",\"incarnation\":\"0123\",\"exp\":"
	        "1800000000}",
	        SIGN_KEY, R_INC, "incarnation too short"},
	    {__LINE__, HDR,
	        "{\"uid\":\"alice\",\"incarnation\":\"\",\"exp\":1800000000}",
	        SIGN_KEY, R_INC, "incarnation empty"},
	    {__LINE__, HDR,
	        "{\"uid\":\"alice\",\"incarnation\":12,\"exp\":1800000000}",
	        SIGN_KEY, R_INC, "incarnation not a string"},

	    {__LINE__, HDR, GOOD, SIGN_OTHER, R_SIG, "signed by another key"},
	    {__LINE__, HDR, GOOD, SIGN_HMAC, R_SIG,
	        "HMAC under an RS256 header"},
	    {__LINE__, "{\"alg\":\"none\",\"typ\":\"JWT\"}", GOOD, SIGN_EMPTY,
	        R_ALG, "alg none, empty signature"},
	    {__LINE__, "{\"alg\":\"none\",\"typ\":\"JWT\"}", GOOD, SIGN_KEY,
	        R_ALG, "alg none, even with a good signature"},
	    {__LINE__, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", GOOD, SIGN_HMAC,
	        R_ALG, "HS256 keyed with the public key PEM"},
	    {__LINE__, "{\"alg\":\"rs256\",\"typ\":\"JWT\"}", GOOD, SIGN_KEY,
	        R_ALG, "alg case differs"},
	    {__LINE__, "{\"alg\":\"RS256 \",\"typ\":\"JWT\"}", GOOD, SIGN_KEY,
	        R_ALG, "alg with a trailing space"},
	    {__LINE__, "{\"alg\":\"RS512\",\"typ\":\"JWT\"}", GOOD, SIGN_KEY,
	        R_ALG, "another RSA alg"},
	    {__LINE__, "{\"typ\":\"JWT\"}", GOOD, SIGN_KEY, R_NOALG,
	        "alg missing"},
	    {__LINE__, "{\"alg\":[\"RS256\"],\"typ\":\"JWT\"}", GOOD, SIGN_KEY,
	        R_NOALG, "alg not a string"},
	    {__LINE__, "{\"alg\":null,\"typ\":\"JWT\"}", GOOD, SIGN_KEY,
	        R_NOALG, "alg null"},
	    {__LINE__, "{\"alg\":\"RS256\",\"typ\":\"JWS\"}", GOOD, SIGN_KEY,
	        R_TYP, "typ JWS"},
	    {__LINE__, "{\"alg\":\"RS256\",\"typ\":1}", GOOD, SIGN_KEY, R_TYP,
	        "typ not a string"},
	    {__LINE__, "{\"alg\":\"RS256\",\"typ\":null}", GOOD, SIGN_KEY,
	        R_TYP, "typ null"},
	    {__LINE__, "{\"alg\":\"RS256\",\"crit\":[\"exp\"]}", GOOD, SIGN_KEY,
	        R_CRIT, "crit present"},
	    {__LINE__, "[\"RS256\"]", GOOD, SIGN_KEY, R_HDR,
	        "header not an object"},
	    {__LINE__, "{\"alg\":\"RS256\"", GOOD, SIGN_KEY, R_HDR,
	        "header not JSON"},
	    {__LINE__, "{\"alg\":\"RS256\"} x", GOOD, SIGN_KEY, R_HDR,
	        "header with trailing bytes"},

	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":1700000000}", SIGN_KEY,
	        R_EXPIRED, "exp equal to now"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":1}", SIGN_KEY,
	        R_EXPIRED, "exp long past"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":-1800000000}", SIGN_KEY,
	        R_EXPIRED, "exp negative"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":\"1800000000\"}",
	        SIGN_KEY, R_EXP, "exp a string"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":1800000000.0}",
	        SIGN_KEY, R_EXP, "exp a float"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":1.8e9}", SIGN_KEY,
	        R_EXP, "exp in exponent form"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":true}", SIGN_KEY, R_EXP,
	        "exp a boolean"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",\"exp\":null}", SIGN_KEY, R_EXP,
	        "exp null"},
	    {__LINE__, HDR, "{\"uid\":\"alice\"}", SIGN_KEY, R_EXP,
	        "exp missing"},
	    {__LINE__, HDR, "{\"exp\":1800000000}", SIGN_KEY, R_NOUID,
	        "uid missing"},
	    {__LINE__, HDR, "{\"uid\":42,\"exp\":1800000000}", SIGN_KEY,
	        R_NOUID, "uid a number"},
	    {__LINE__, HDR, "{\"uid\":null,\"exp\":1800000000}", SIGN_KEY,
	        R_NOUID, "uid null"},
	    {__LINE__, HDR, "{\"uid\":\"a!\",\"exp\":1800000000}", SIGN_KEY,
	        R_UID, "uid with '!'"},
	    {__LINE__, HDR, "{\"uid\":\"" U97 "\",\"exp\":1800000000}",
	        SIGN_KEY, R_UID, "uid of 97 bytes"},
	    {__LINE__, HDR, "{\"uid\":\"\",\"exp\":1800000000}", SIGN_KEY,
	        R_UID, "uid empty"},
	    {__LINE__, HDR, "{\"uid\":\"a\\u0000b\",\"exp\":1800000000}",
	        SIGN_KEY, R_UID, "uid with a NUL"},
	    {__LINE__, HDR, "{\"uid\":\"a/b\",\"exp\":1800000000}", SIGN_KEY,
	        R_UID, "uid with '/'"},
	    {__LINE__, HDR, "[\"alice\",1800000000]", SIGN_KEY, R_PAYLOAD,
	        "payload not an object"},
	    {__LINE__, HDR, "{\"uid\":\"alice\",", SIGN_KEY, R_PAYLOAD,
	        "payload not JSON"},
	};
	char *jwt;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		jwt = make_jwt(rows[i].hdr, rows[i].payload, rows[i].how);
		check_verdict(rows[i].line, key, jwt, strlen(jwt), rows[i].why,
		    rows[i].what);
		free(jwt);
	}
}

static void
test_verify_refuses_tampered_payload(void)
{
	char *jwt = NULL, *p64, *forged, *rest;
	const char *d1, *d2;
	char pj[64];

	/* Without a token there is nothing to tamper with: that fails. */
	CHECK(token_issue(key, "alice", "", NOW, 60, &jwt) == CF_OK &&
	          jwt != NULL,
	    "a token to tamper with is issued");
	if (jwt == NULL)
		return;
	/* Same header and signature, payload re-encoded with another uid. */
	snprintf(pj, sizeof(pj), "{\"uid\":\"admin\",\"exp\":%lld}", NOW + 60);
	p64 = b64(pj, strlen(pj));
	d1 = strchr(jwt, '.');
	d2 = strchr(d1 + 1, '.');
	rest = join3(".", p64, d2);
	forged = malloc((size_t)(d1 - jwt) + strlen(rest) + 1);
	memcpy(forged, jwt, (size_t)(d1 - jwt));
	strcpy(forged + (d1 - jwt), rest);
	check_verdict(__LINE__, key, forged, strlen(forged), R_SIG,
	    "uid changed under the old signature");
	free(p64);
	free(rest);
	free(forged);
	free(jwt);
}

/* Byte-level damage to a good token "H.P.S". */
static void
test_verify_refuses_malformed_structure(void)
{
	static const struct {
		int line;
		const char *fmt; /* %1$s H, %2$s P, %3$s S */
		const char *why, *what;
	} rows[] = {
	    {__LINE__, "%1$s.%2$s.%3$s", NULL, "control"},
	    {__LINE__, "%1$s.%2$s", R_DOTS, "signature segment missing"},
	    {__LINE__, "%1$s%2$s%3$s", R_DOTS, "no dots"},
	    {__LINE__, "%1$s.%2$s%3$s", R_DOTS, "one dot"},
	    {__LINE__, "%1$s.%2$s.%3$s.%3$s", R_DOTS, "four segments"},
	    {__LINE__, "%1$s.%2$s.%3$s.", R_DOTS, "trailing dot"},
	    {__LINE__, ".%1$s.%2$s.%3$s", R_DOTS, "leading dot"},
	    {__LINE__, "%1$s..%2$s.%3$s", R_DOTS, "doubled dot"},
	    {__LINE__, ".%2$s.%3$s", R_HDR64, "empty header"},
	    {__LINE__, "%1$s..%3$s", R_SEG64, "empty payload"},
	    {__LINE__, "%1$s.%2$s.", R_SEG64, "empty signature"},
	    {__LINE__, "%1$s.%2$s.%3$s==", R_SEG64, "signature padded"},
	    {__LINE__, "%1$s=.%2$s.%3$s", R_HDR64, "header with '='"},
	    {__LINE__, "%1$s.%2$s=.%3$s", R_SEG64, "payload with '='"},
	    {__LINE__, "%1$s.%2$s.%3$s A", R_SEG64, "space in the signature"},
	    {__LINE__, "%1$s.%2$s.%3$sAAA", R_SEG64,
	        "signature of 1 mod 4 characters"},
	    {__LINE__, "%1$s.%2$s.+%3$s", R_SEG64, "'+' from standard base64"},
	    {__LINE__, "%1$s.%2$s./%3$s", R_SEG64, "'/' from standard base64"},
	    {__LINE__, "%1$s.*%2$s.%3$s", R_SEG64, "'*' in the payload"},
	    {__LINE__, " %1$s.%2$s.%3$s", R_HDR64, "leading space"},
	    {__LINE__, "%1$s.%2$s.%3$s\n", R_SEG64, "trailing newline"},
	    {__LINE__, "%1$s.%2$s.%3$sAA", R_SIG,
	        "signature two bytes too long"},
	};
	char *jwt = make_jwt(HDR, GOOD, SIGN_KEY);
	char *h, *p, *s, *d1, *d2, buf[2048];
	size_t i;

	d1 = strchr(jwt, '.');
	d2 = strchr(d1 + 1, '.');
	*d1 = *d2 = '\0';
	h = jwt;
	p = d1 + 1;
	s = d2 + 1;
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		/* The row formats are literals of this table. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(buf, sizeof(buf), rows[i].fmt, h, p, s);
#pragma GCC diagnostic pop
		check_verdict(rows[i].line, key, buf, strlen(buf), rows[i].why,
		    rows[i].what);
	}

	/* A 2048-bit signature is 256 bytes: 342 characters, the last one
	 * carrying 2 bits.  Setting an unused bit must not give a second
	 * spelling of the same token. */
	CHECK(strlen(s) == 342, "2048-bit signature length");
	snprintf(buf, sizeof(buf), "%s.%s.%s", h, p, s);
	buf[strlen(buf) - 1] ^= 0x01;
	check_verdict(__LINE__, key, buf, strlen(buf), R_SEG64,
	    "non-canonical last character");

	/* The length is ours, not strlen's. */
	snprintf(buf, sizeof(buf), "%s.%s.%s", h, p, s);
	check_verdict(__LINE__, key, buf, strlen(buf) + 1, R_SEG64,
	    "trailing NUL counted in len");
	check_verdict(
	    __LINE__, key, buf, strlen(buf) - 4, "", "truncated by len");
	check_verdict(__LINE__, key, buf, 0, R_LEN, "len 0");
	check_verdict(__LINE__, key, NULL, 0, R_LEN, "NULL token");
	check_verdict(__LINE__, NULL, buf, strlen(buf),
	    "signature check failed", "no key");
	free(jwt);
}

static void
test_verify_refuses_over_max_token(void)
{
	char *pl, *jwt;
	size_t n = CF_MAX_TOKEN;
	int k;

	/* A correctly signed token, just too long. */
	if ((pl = malloc(n + 64)) == NULL)
		return;
	k = snprintf(pl, 64, "{\"uid\":\"alice\",\"exp\":1800000000,\"x\":\"");
	memset(pl + k, 'x', n);
	strcpy(pl + k + n, "\"}");
	jwt = make_jwt(HDR, pl, SIGN_KEY);
	CHECK(strlen(jwt) > CF_MAX_TOKEN, "test token is oversized");
	check_verdict(
	    __LINE__, key, jwt, strlen(jwt), R_LEN, "over CF_MAX_TOKEN");
	free(jwt);
	free(pl);
}

static void
test_cache_remembers_verified_tokens_until_exp(void)
{
	struct token_cache *tc = token_cache_new(8), *one = token_cache_new(1);
	struct token_claims c;
	char *t1 = NULL, *t2 = NULL, *bad;
	size_t l1, l2;

	CHECK(tc != NULL && one != NULL, "cache created");
	CHECK(token_cache_new(0) == NULL, "zero slots is no cache");
	token_cache_free(NULL);
	token_cache_reset(NULL);
	CHECK(token_issue(key, "alice", "", NOW, 100, &t1) == CF_OK &&
	          token_issue(key, "bob", "", NOW, 100, &t2) == CF_OK &&
	          t1 != NULL && t2 != NULL,
	    "two tokens to cache are issued");
	if (tc == NULL || one == NULL || t1 == NULL || t2 == NULL)
		goto out;
	l1 = strlen(t1);
	l2 = strlen(t2);

	memset(&c, 0, sizeof(c));
	CHECK(token_verify_cached(tc, key, t1, l1, NOW, &c) == CF_OK &&
	          strcmp(c.uid, "alice") == 0 && c.exp == NOW + 100,
	    "first verify fills the cache");
	memset(&c, 0, sizeof(c));
	CHECK(token_verify_cached(tc, key, t1, l1, NOW, &c) == CF_OK &&
	          strcmp(c.uid, "alice") == 0 && c.exp == NOW + 100,
	    "second verify answers with the same claims");
	/* Only a cache hit can pass under a key that did not sign it. */
	CHECK(token_verify_cached(tc, other, t1, l1, NOW, &c) == CF_OK,
	    "second verify came from the cache");
	token_cache_reset(tc);
	CHECK(token_verify_cached(tc, other, t1, l1, NOW, &c) ==
	          CF_E_UNAUTHORIZED,
	    "reset forgets the token");
	CHECK(token_verify_cached(tc, key, t1, l1, NOW, &c) == CF_OK,
	    "after reset, verified again");

	CHECK(token_verify_cached(tc, key, t1, l1, NOW + 99, &c) == CF_OK,
	    "cached, one second before exp");
	CHECK(token_verify_cached(tc, key, t1, l1, NOW + 100, &c) ==
	          CF_E_UNAUTHORIZED,
	    "cached but expired");
	CHECK(token_verify_cached(tc, other, t1, l1, NOW, &c) ==
	          CF_E_UNAUTHORIZED,
	    "an expired entry is dropped");

	/* One slot: a second token replaces the first. */
	CHECK(token_verify_cached(one, key, t1, l1, NOW, &c) == CF_OK,
	    "t1 cached");
	CHECK(token_verify_cached(one, key, t2, l2, NOW, &c) == CF_OK &&
	          strcmp(c.uid, "bob") == 0,
	    "t2 in the same slot is not taken for t1");
	CHECK(token_verify_cached(one, other, t2, l2, NOW, &c) == CF_OK,
	    "t2 replaced t1");
	CHECK(token_verify_cached(one, other, t1, l1, NOW, &c) ==
	          CF_E_UNAUTHORIZED,
	    "t1 no longer cached");

	/* A refused token is never cached. */
	bad = make_jwt(HDR, GOOD, SIGN_OTHER);
	CHECK(token_verify_cached(tc, key, bad, strlen(bad), NOW, &c) ==
	          CF_E_UNAUTHORIZED,
	    "bad signature refused");
	CHECK(token_verify_cached(tc, key, bad, strlen(bad), NOW, &c) ==
	          CF_E_UNAUTHORIZED,
	    "and refused again");
	CHECK(token_verify_cached(tc, key, bad, CF_MAX_TOKEN + 1, NOW, &c) ==
	          CF_E_UNAUTHORIZED,
	    "over CF_MAX_TOKEN through the cache");
	free(bad);

	CHECK(token_verify_cached(NULL, key, t1, l1, NOW, &c) == CF_OK,
	    "no cache: plain verify");
	CHECK(token_verify_cached(NULL, other, t1, l1, NOW, &c) ==
	          CF_E_UNAUTHORIZED,
	    "no cache: plain refusal");
out:
	free(t1);
	free(t2);
	token_cache_free(tc);
	token_cache_free(one);
}

static void
test_from_request_finds_the_credential(void)
{
	static char big[CF_MAX_TOKEN + 64], max[CF_MAX_TOKEN + 64];
	static const struct {
		int line;
		/* 1: a route of Dapr's API, 0 of another; 2: of Vault's, and
		 * 3 of another, the second header X-Vault-Token. */
		int route;
		const char *auth, *dapr; /* header values, NULL: absent */
		enum cf_status want;
		enum token_kind kind;
		const char *cred;
	} rows[] = {
	    {__LINE__, 1, NULL, NULL, CF_OK, TOKEN_NONE, NULL},
	    {__LINE__, 1, "token=abc.def.ghi", NULL, CF_OK, TOKEN_JWT,
	        "abc.def.ghi"},
	    {__LINE__, 1, "Bearer abc.def.ghi", NULL, CF_OK, TOKEN_JWT,
	        "abc.def.ghi"},
	    {__LINE__, 1, "Key 0123abcd", NULL, CF_OK, TOKEN_APIKEY,
	        "0123abcd"},
	    {__LINE__, 1, NULL, "s3cr3t", CF_OK, TOKEN_DAPR, "s3cr3t"},
	    {__LINE__, 1, "Bearer jwt", "s3cr3t", CF_OK, TOKEN_JWT, "jwt"},
	    {__LINE__, 1, "", NULL, CF_OK, TOKEN_NONE, NULL},
	    {__LINE__, 1, "", "s3cr3t", CF_OK, TOKEN_DAPR, "s3cr3t"},
	    {__LINE__, 1, "bearer jwt", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "BEARER jwt", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "Bearer", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "Bearer ", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "Bearerjwt", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "token=", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "Token=jwt", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "token jwt", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "Key ", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "key 0123", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "Basic YWxpY2U6cHc=", NULL, CF_E_UNAUTHORIZED, 0,
	        NULL},
	    {__LINE__, 1, " Bearer jwt", NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, "Basic YWxpY2U6cHc=", "s3cr3t", CF_E_UNAUTHORIZED, 0,
	        NULL},
	    {__LINE__, 1, NULL, "", CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, big, NULL, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, NULL, big + 7, CF_E_UNAUTHORIZED, 0, NULL},
	    {__LINE__, 1, max, NULL, CF_OK, TOKEN_JWT, max + 7},
	    /* Elsewhere dapr-api-token is as if absent. */
	    {__LINE__, 0, NULL, "s3cr3t", CF_OK, TOKEN_NONE, NULL},
	    {__LINE__, 0, "", "s3cr3t", CF_OK, TOKEN_NONE, NULL},
	    {__LINE__, 0, NULL, "", CF_OK, TOKEN_NONE, NULL},
	    {__LINE__, 0, NULL, big + 7, CF_OK, TOKEN_NONE, NULL},
	    {__LINE__, 0, "Bearer jwt", "s3cr3t", CF_OK, TOKEN_JWT, "jwt"},
	    /* On Vault's routes X-Vault-Token carries a JWT, and comes
	     * first, as in Vault. */
	    {__LINE__, 2, NULL, "vt.jwt", CF_OK, TOKEN_JWT, "vt.jwt"},
	    {__LINE__, 2, "Bearer jwt", "vt.jwt", CF_OK, TOKEN_JWT, "vt.jwt"},
	    {__LINE__, 2, "Bearer jwt", NULL, CF_OK, TOKEN_JWT, "jwt"},
	    {__LINE__, 2, "Bearer jwt", "", CF_OK, TOKEN_JWT, "jwt"},
	    {__LINE__, 2, NULL, big + 7, CF_E_UNAUTHORIZED, 0, NULL},
	    /* Elsewhere X-Vault-Token is as if absent. */
	    {__LINE__, 3, NULL, "vt.jwt", CF_OK, TOKEN_NONE, NULL},
	    {__LINE__, 3, "Bearer jwt", "vt.jwt", CF_OK, TOKEN_JWT, "jwt"},
	};
	static const enum cf_dialect routes[] = {
	    CF_D_DCOS, CF_D_DAPR, CF_D_VAULT, CF_D_DCOS};
	char a[CF_MAX_TOKEN + 128], d[CF_MAX_TOKEN + 128];
	char *envp[4];
	struct cf_req req;
	enum token_kind kind;
	const char *cred;
	size_t i, n, len;
	enum cf_status st;

	/* "Bearer " + CF_MAX_TOKEN + 1 bytes, and exactly CF_MAX_TOKEN. */
	memcpy(big, "Bearer ", 7);
	memset(big + 7, 'x', CF_MAX_TOKEN + 1);
	memcpy(max, "Bearer ", 7);
	memset(max + 7, 'y', CF_MAX_TOKEN);

	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		n = 0;
		envp[n++] = "REQUEST_METHOD=GET";
		if (rows[i].auth != NULL) {
			snprintf(a, sizeof(a), "HTTP_AUTHORIZATION=%s",
			    rows[i].auth);
			envp[n++] = a;
		}
		if (rows[i].dapr != NULL) {
			snprintf(d, sizeof(d), "%s=%s",
			    rows[i].route >= 2 ? "HTTP_X_VAULT_TOKEN"
			                       : "HTTP_DAPR_API_TOKEN",
			    rows[i].dapr);
			envp[n++] = d;
		}
		envp[n] = NULL;
		memset(&req, 0, sizeof(req));
		req.envp = envp;
		kind = TOKEN_DAPR;
		cred = NULL;
		len = 12345;
		st = token_from_request(
		    &req, routes[rows[i].route], &kind, &cred, &len);
		CHECK_LINE(rows[i].line, st == rows[i].want, "status");
		if (st != CF_OK || rows[i].want != CF_OK) {
			CHECK_LINE(rows[i].line,
			    kind == TOKEN_DAPR && cred == NULL && len == 12345,
			    "outputs untouched on refusal");
			continue;
		}
		CHECK_LINE(rows[i].line, kind == rows[i].kind, "kind");
		if (rows[i].cred == NULL)
			CHECK_LINE(rows[i].line, cred == NULL && len == 0,
			    "no credential");
		else
			CHECK_LINE(rows[i].line,
			    cred != NULL && len == strlen(rows[i].cred) &&
			        memcmp(cred, rows[i].cred, len) == 0,
			    "credential");
	}
}

static void
test_uid_rule(void)
{
	static const struct {
		int line;
		const char *uid;
		int want;
	} rows[] = {
	    {__LINE__, "alice", 1},
	    {__LINE__, "bootstrapuser", 1},
	    {__LINE__, "svc-account_1@example.com", 1},
	    {__LINE__, "A.Z-0_9@", 1},
	    {__LINE__, "a", 1},
	    {__LINE__, U96, 1},
	    {__LINE__, U97, 0},
	    {__LINE__, "", 0},
	    {__LINE__, "a!", 0},
	    {__LINE__, "a b", 0},
	    {__LINE__, "a/b", 0},
	    {__LINE__, "a:b", 0},
	    {__LINE__, "a+b", 0},
	    {__LINE__, "caf\xc3\xa9", 0},
	    {__LINE__, "a\nb", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		CHECK_LINE(rows[i].line,
		    token_uid_valid(rows[i].uid, strlen(rows[i].uid)) ==
		        rows[i].want,
		    rows[i].uid);
	CHECK(token_uid_valid("a\0b", 3) == 0, "NUL inside");
	CHECK(token_uid_valid(NULL, 0) == 0, "NULL");
}

int
main(void)
{
	if (crypto_init() != 0 || crypto_rsa_generate(2048, &key) != 0 ||
	    crypto_rsa_generate(2048, &other) != 0) {
		fprintf(stderr, "cannot set up RSA keys\n");
		return 2;
	}
	test_uid_rule();
	test_issue_then_verify_round_trips();
	test_issue_refuses_bad_arguments();
	test_verify_checks_header_signature_and_claims();
	test_verify_refuses_tampered_payload();
	test_verify_refuses_malformed_structure();
	test_verify_refuses_over_max_token();
	test_cache_remembers_verified_tokens_until_exp();
	test_from_request_finds_the_credential();
	crypto_rsa_free(key);
	crypto_rsa_free(other);
	return unit_done();
}
