/*
 * fuzz_token: libFuzzer target for the credentials of a request
 * (common/identity/token.c): the JWT verifier and the Authorization,
 * dapr-api-token, Cookie and Basic readers, all reached before anyone is
 * authenticated.
 *
 * One RSA key pair is made at start, and a few tokens are signed with it.
 * The first byte of an input picks what the rest is:
 *   raw      a token as a client would send it;
 *   splice   bytes put in place of a stretch of one of the signed tokens;
 *   payload  a claims text, signed with the key under our header;
 *   header   a header text, signed with the key over good claims;
 *   request  FastCGI parameters, one NAME=VALUE a line.
 * A raw or spliced token must never verify unless it is byte for byte one
 * of the signed tokens.  A signed payload verifies only with claims Coffer
 * would issue (a valid uid, an incarnation of TOKEN_INC_LEN hex digits or
 * none, an exp not yet passed); a signed header only naming RS256.  A
 * credential found in a request lies inside one of its parameters and is
 * 1 to CF_MAX_TOKEN bytes long.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/errors.h"
#include "base/http.h"
#include "base/json.h"
#include "base/limits.h"
#include "crypto/crypto.h"
#include "identity/token.h"

#define FUZZ_NOW        1700000000 /* the verifier's clock */
#define FUZZ_LIFETIME   3600
#define FUZZ_RSA_BITS   2048
#define FUZZ_MAX_PARAMS 32 /* parameters taken from one request input */
#define FUZZ_HEADER     "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"
#define FUZZ_CLAIMS     "{\"uid\":\"alice\",\"exp\":1800000000}"

enum fuzz_mode { RAW, SPLICE, PAYLOAD, HEADER, REQUEST, NMODES };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct crypto_rsa *key;
static char *signed_tokens[3];
#define NSIGNED (sizeof(signed_tokens) / sizeof(signed_tokens[0]))

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (crypto_init() != 0 || crypto_rsa_generate(FUZZ_RSA_BITS, &key) ||
	    token_issue(key, "alice", "", FUZZ_NOW, FUZZ_LIFETIME,
	        &signed_tokens[0]) != CF_OK ||
	    token_issue(key, "bob@example.com",
	        "0123456789abcdef0123456789abcdef", FUZZ_NOW, FUZZ_LIFETIME,
	        &signed_tokens[1]) != CF_OK ||
	    token_issue(key, "carol", "", FUZZ_NOW - FUZZ_LIFETIME,
	        FUZZ_LIFETIME / 2, &signed_tokens[2]) != CF_OK)
		abort();
	return 0;
}

static int
is_signed(const char *jwt, size_t len)
{
	size_t i;

	for (i = 0; i < NSIGNED; i++)
		if (strlen(signed_tokens[i]) == len &&
		    memcmp(signed_tokens[i], jwt, len) == 0)
			return 1;
	return 0;
}

/* Either verifier accepting a token that is not one we signed is a hole. */
static void
check_unsigned(const char *jwt, size_t len)
{
	struct token_claims c;

	if ((token_verify(key, jwt, len, FUZZ_NOW, &c) == CF_OK ||
	        token_verify_any_exp(key, jwt, len, &c) == CF_OK) &&
	    !is_signed(jwt, len))
		abort();
}

/* SPLICE: data[0] picks the token, data[1..2] where and how much goes. */
static void
fuzz_splice(const uint8_t *data, size_t size)
{
	const char *t;
	size_t tlen, at, cut, len;
	char *jwt;

	if (size < 3)
		return;
	t = signed_tokens[data[0] % NSIGNED];
	tlen = strlen(t);
	at = (size_t)data[1] * tlen / 256;
	cut = data[2] % (tlen - at + 1);
	data += 3;
	size -= 3;
	len = at + size + (tlen - at - cut);
	if ((jwt = malloc(len + 1)) == NULL)
		return;
	memcpy(jwt, t, at);
	memcpy(jwt + at, data, size);
	memcpy(jwt + at + size, t + at + cut, tlen - at - cut);
	check_unsigned(jwt, len);
	free(jwt);
}

/* header.payload signed with key; malloc'd, or NULL. */
static char *
sign(const void *h, size_t hlen, const void *p, size_t plen)
{
	char *h64 = codec_base64_encode(h, hlen, 1);
	char *p64 = codec_base64_encode(p, plen, 1), *s64 = NULL, *jwt = NULL;
	char *more;
	uint8_t *sig = NULL;
	size_t siglen = 0, n;

	if (h64 == NULL || p64 == NULL)
		goto out;
	n = strlen(h64) + 1 + strlen(p64) + 1;
	if ((jwt = malloc(n)) == NULL)
		goto out;
	strcpy(jwt, h64);
	strcat(jwt, ".");
	strcat(jwt, p64);
	if (crypto_rs256_sign(key, jwt, n - 1, &sig, &siglen) != 0 ||
	    (s64 = codec_base64_encode(sig, siglen, 1)) == NULL) {
		free(jwt);
		jwt = NULL;
		goto out;
	}
	if ((more = realloc(jwt, n + 1 + strlen(s64))) == NULL) {
		free(jwt);
		jwt = NULL;
		goto out;
	}
	jwt = more;
	strcat(jwt, ".");
	strcat(jwt, s64);
out:
	free(h64);
	free(p64);
	free(s64);
	free(sig);
	return jwt;
}

static int
hex_or_empty(const char *s)
{
	size_t n = strlen(s);

	return n == 0 ||
	       (n == TOKEN_INC_LEN && strspn(s, "0123456789abcdef") == n);
}

/* PAYLOAD: verified claims are claims we would have issued. */
static void
fuzz_payload(const uint8_t *data, size_t size)
{
	struct token_claims c;
	struct json_object *o = NULL;
	char *jwt;

	if ((jwt = sign(FUZZ_HEADER, strlen(FUZZ_HEADER), data, size)) == NULL)
		return;
	if (token_verify(key, jwt, strlen(jwt), FUZZ_NOW, &c) == CF_OK) {
		if (!token_uid_valid(c.uid, strlen(c.uid)) ||
		    !hex_or_empty(c.inc) || c.exp <= FUZZ_NOW ||
		    cf_json_parse(data, size, &o) != CF_OK)
			abort();
		json_object_put(o);
	}
	if (token_verify_any_exp(key, jwt, strlen(jwt), &c) == CF_OK &&
	    (!token_uid_valid(c.uid, strlen(c.uid)) || !hex_or_empty(c.inc)))
		abort();
	free(jwt);
}

/* HEADER: only a header naming RS256 (and no crit) verifies. */
static void
fuzz_header(const uint8_t *data, size_t size)
{
	struct token_claims c;
	struct json_object *o = NULL, *alg;
	char *jwt;

	if ((jwt = sign(data, size, FUZZ_CLAIMS, strlen(FUZZ_CLAIMS))) == NULL)
		return;
	if (token_verify(key, jwt, strlen(jwt), FUZZ_NOW, &c) == CF_OK) {
		if (cf_json_parse(data, size, &o) != CF_OK ||
		    !json_object_object_get_ex(o, "alg", &alg) ||
		    !json_object_is_type(alg, json_type_string) ||
		    strcmp(json_object_get_string(alg), "RS256") != 0 ||
		    json_object_object_get_ex(o, "crit", NULL) ||
		    strcmp(c.uid, "alice") != 0)
			abort();
		json_object_put(o);
	}
	free(jwt);
}

/* Does [p, p + len) lie inside one of the parameters' values? */
static int
inside_params(char **envp, const char *p, size_t len)
{
	for (; *envp != NULL; envp++)
		if (p >= *envp && p + len <= *envp + strlen(*envp))
			return 1;
	return 0;
}

/* REQUEST: the credential readers over parameters from data. */
static void
fuzz_request(const uint8_t *data, size_t size)
{
	char *buf, *rest, *envp[FUZZ_MAX_PARAMS + 1], uid[TOKEN_MAX_UID + 1];
	char *pw = NULL;
	struct cf_req req;
	enum token_kind kind;
	const char *cred;
	size_t n = 0, len, pwlen;
	int dapr;

	if (size < 1 || (buf = malloc(size)) == NULL)
		return;
	dapr = data[0] & 1;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (rest = buf;
	     n < FUZZ_MAX_PARAMS && (envp[n] = strsep(&rest, "\n")) != NULL;)
		n++;
	envp[n] = NULL;
	memset(&req, 0, sizeof(req));
	req.envp = envp;
	if (token_from_request(&req, dapr, &kind, &cred, &len) == CF_OK) {
		if (kind == TOKEN_NONE
		        ? cred != NULL || len != 0
		        : cred == NULL || len == 0 || len > CF_MAX_TOKEN ||
		              !inside_params(envp, cred, len))
			abort();
		if (kind == TOKEN_JWT)
			check_unsigned(cred, len);
	}
	if (token_basic(&req, uid, sizeof(uid), &pw, &pwlen) == CF_OK) {
		if (uid[0] == '\0' || strlen(uid) > TOKEN_MAX_UID ||
		    strlen(pw) != pwlen)
			abort();
		free(pw);
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % NMODES) {
	case RAW:
		check_unsigned((const char *)data + 1, size - 1);
		break;
	case SPLICE:
		fuzz_splice(data + 1, size - 1);
		break;
	case PAYLOAD:
		fuzz_payload(data + 1, size - 1);
		break;
	case HEADER:
		fuzz_header(data + 1, size - 1);
		break;
	default:
		fuzz_request(data + 1, size - 1);
		break;
	}
	return 0;
}
