/* token.c: see token.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/http.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "identity/token.h"

/* The only header we issue, and the only algorithm we accept. */
#define TOKEN_HEADER "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"
#define TOKEN_ALG    "RS256"
#define TOKEN_TYP    "JWT"

#define TOKEN_HASH_LEN 32 /* SHA-256 of the whole token: the cache key */

struct token_slot {
	int used;
	uint8_t hash[TOKEN_HASH_LEN];
	struct token_claims claims;
};

struct token_cache {
	struct token_slot *slot;
	size_t nslots;
};

/*
 * Schemes are matched case-sensitively, byte for byte, as the products do:
 * Admin Router takes "token=" (and "Bearer "), Sensu's middleware takes
 * exactly "Bearer " and "Key ".
 */
static const struct {
	const char *prefix;
	size_t len;
	enum token_kind kind;
} token_schemes[] = {
    {"token=", sizeof("token=") - 1, TOKEN_JWT},
    {"Bearer ", sizeof("Bearer ") - 1, TOKEN_JWT},
    {"Key ", sizeof("Key ") - 1, TOKEN_APIKEY},
};

int
token_uid_valid(const char *uid, size_t len)
{
	size_t i;

	if (uid == NULL || len == 0 || len > TOKEN_MAX_UID)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = uid[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		        ch == '@' || ch == '.'))
			return 0;
	}
	return 1;
}

/* Exactly TOKEN_INC_LEN lowercase hex digits, as token_incarnation_new. */
static int
token_inc_valid(const char *inc, size_t len)
{
	size_t i;

	if (len != TOKEN_INC_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((inc[i] >= '0' && inc[i] <= '9') ||
		        (inc[i] >= 'a' && inc[i] <= 'f')))
			return 0;
	return 1;
}

int
token_incarnation_new(char inc[TOKEN_INC_LEN + 1])
{
	uint8_t b[TOKEN_INC_BYTES];
	char *hex;

	if (crypto_random(b, sizeof(b)) != 0 ||
	    (hex = codec_hex_encode(b, sizeof(b))) == NULL)
		return -1;
	memcpy(inc, hex, TOKEN_INC_LEN + 1);
	free(hex);
	return 0;
}

/*
 * Decode one segment.  codec's base64url is strict and canonical (no
 * padding, no foreign characters, unused bits zero), so a token has exactly
 * one spelling and the cache, keyed by its hash, sees one token where a
 * lenient decoder would see several.  No segment of ours is ever empty.
 */
static int
token_b64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	if (len == 0)
		return -1;
	return codec_base64_decode(s, len, 1, out, outlen) == 0 ? 0 : -1;
}

/* NULL if the header is one we accept, else why not. */
static const char *
token_header_check(struct json_object *h)
{
	const char *s;
	size_t len;

	if (cf_json_string(h, "alg", &s, &len) != CF_OK)
		return "alg missing or not a string";
	if (len != sizeof(TOKEN_ALG) - 1 || memcmp(s, TOKEN_ALG, len) != 0)
		return "alg is not RS256";
	if (json_object_object_get_ex(h, "typ", NULL) &&
	    (cf_json_string(h, "typ", &s, &len) != CF_OK ||
	        len != sizeof(TOKEN_TYP) - 1 || memcmp(s, TOKEN_TYP, len) != 0))
		return "typ is not JWT";
	/* RFC 7515 4.1.11: we understand no extension, so refuse any. */
	if (json_object_object_get_ex(h, "crit", NULL))
		return "crit header present";
	return NULL;
}

/* NULL with *c filled if the claims are ones we accept, else why not. */
static const char *
token_claims_check(struct json_object *p, int64_t now, struct token_claims *c)
{
	const char *uid, *inc = "";
	size_t len, inclen = 0;
	int64_t exp;

	if (cf_json_string(p, "uid", &uid, &len) != CF_OK)
		return "uid missing or not a string";
	if (!token_uid_valid(uid, len))
		return "uid invalid";
	if (json_object_object_get_ex(p, TOKEN_INC_CLAIM, NULL) &&
	    (cf_json_string(p, TOKEN_INC_CLAIM, &inc, &inclen) != CF_OK ||
	        !token_inc_valid(inc, inclen)))
		return "incarnation is not one of ours";
	if (cf_json_int(p, "exp", INT64_MIN, INT64_MAX, &exp) != CF_OK)
		return "exp missing or not an integer";
	memcpy(c->uid, uid, len);
	c->uid[len] = '\0';
	memcpy(c->inc, inc, inclen);
	c->inc[inclen] = '\0';
	c->exp = exp;
	if (exp <= now)
		return "expired";
	return NULL;
}

enum cf_status
token_verify(const struct crypto_rsa *pub, const char *jwt, size_t len,
    int64_t now, struct token_claims *out)
{
	struct json_object *h = NULL, *p = NULL;
	struct token_claims c;
	const char *d1, *d2, *end, *why = NULL;
	uint8_t *hb = NULL, *pb = NULL, *sb = NULL;
	size_t hlen = 0, plen = 0, slen = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	if (jwt == NULL || len == 0 || len > CF_MAX_TOKEN) {
		why = "empty or over CF_MAX_TOKEN";
		goto out;
	}
	end = jwt + len;
	if ((d1 = memchr(jwt, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', (size_t)(end - d1 - 1))) == NULL ||
	    memchr(d2 + 1, '.', (size_t)(end - d2 - 1)) != NULL) {
		why = "not three segments";
		goto out;
	}
	if (token_b64_decode(jwt, (size_t)(d1 - jwt), &hb, &hlen) == -1) {
		why = "header is not unpadded base64url";
		goto out;
	}
	if (cf_json_parse(hb, hlen, &h) != CF_OK) {
		why = "header is not a JSON object";
		goto out;
	}
	/* Before any RSA work: the header alone decides the algorithm. */
	if ((why = token_header_check(h)) != NULL)
		goto out;
	if (token_b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), &pb, &plen) == -1 ||
	    token_b64_decode(d2 + 1, (size_t)(end - d2 - 1), &sb, &slen) ==
	        -1) {
		why = "payload or signature is not unpadded base64url";
		goto out;
	}
	rc = crypto_rs256_verify(pub, jwt, (size_t)(d2 - jwt), sb, slen);
	if (rc == CRYPTO_E_AUTH) {
		why = "bad signature";
		goto out;
	} else if (rc != 0) {
		why = "signature check failed";
		goto out;
	}
	if (cf_json_parse(pb, plen, &p) != CF_OK) {
		why = "payload is not a JSON object";
		goto out;
	}
	if ((why = token_claims_check(p, now, &c)) != NULL)
		goto out;
	*out = c;
out:
	if (why != NULL) {
		/* The uid is a name, and only known once the signature held. */
		if (c.uid[0] != '\0')
			lwarnx("token refused: %s (uid %s)", why, c.uid);
		else
			lwarnx("token refused: %s", why);
	}
	json_object_put(h);
	json_object_put(p);
	free(hb);
	crypto_wipe(pb, plen);
	free(pb);
	free(sb);
	return why == NULL ? CF_OK : CF_E_UNAUTHORIZED;
}

struct token_cache *
token_cache_new(size_t slots)
{
	struct token_cache *c;

	if (slots == 0)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->slot = calloc(slots, sizeof(*c->slot))) == NULL) {
		free(c);
		return NULL;
	}
	c->nslots = slots;
	return c;
}

void
token_cache_reset(struct token_cache *c)
{
	if (c != NULL)
		crypto_wipe(c->slot, c->nslots * sizeof(*c->slot));
}

void
token_cache_free(struct token_cache *c)
{
	if (c == NULL)
		return;
	token_cache_reset(c);
	free(c->slot);
	free(c);
}

enum cf_status
token_verify_cached(struct token_cache *c, const struct crypto_rsa *pub,
    const char *jwt, size_t len, int64_t now, struct token_claims *out)
{
	struct token_slot *e;
	struct token_claims claims;
	uint8_t hash[TOKEN_HASH_LEN];
	uint64_t idx;

	if (c == NULL || jwt == NULL || len == 0 || len > CF_MAX_TOKEN ||
	    crypto_sha256(jwt, len, hash) != 0)
		return token_verify(pub, jwt, len, now, out);
	/* SHA-256 output is uniform, so its first bytes make a fine index. */
	memcpy(&idx, hash, sizeof(idx));
	e = &c->slot[idx % c->nslots];
	if (e->used && crypto_equal(e->hash, hash, sizeof(hash))) {
		if (e->claims.exp > now) {
			*out = e->claims;
			return CF_OK;
		}
		crypto_wipe(e, sizeof(*e));
	}
	if (token_verify(pub, jwt, len, now, &claims) != CF_OK)
		return CF_E_UNAUTHORIZED;
	memcpy(e->hash, hash, sizeof(hash));
	e->claims = claims;
	e->used = 1;
	*out = claims;
	return CF_OK;
}

enum cf_status
token_issue(const struct crypto_rsa *key, const char *uid, const char *inc,
    int64_t now, int64_t lifetime, char **jwt)
{
	struct json_object *p = NULL;
	const char *pj;
	char *h64 = NULL, *p64 = NULL, *s64 = NULL;
	char *msg = NULL, *tmp;
	uint8_t *sig = NULL;
	size_t pjlen, hl, pl, sl, siglen = 0;
	enum cf_status st = CF_E_INTERNAL;

	if (inc == NULL)
		inc = "";
	if (uid == NULL ||
	    !token_uid_valid(uid, strnlen(uid, TOKEN_MAX_UID + 1)) ||
	    (*inc != '\0' &&
	        !token_inc_valid(inc, strnlen(inc, TOKEN_INC_LEN + 1))) ||
	    lifetime <= 0 || now > INT64_MAX - lifetime) {
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	p = jb_object();
	jb_set_str(p, "uid", uid);
	if (*inc != '\0')
		jb_set_str(p, TOKEN_INC_CLAIM, inc);
	jb_set_int(p, "exp", now + lifetime);
	if ((pj = json_object_to_json_string_length(
	         p, JSON_C_TO_STRING_PLAIN, &pjlen)) == NULL)
		goto out;
	if ((h64 = codec_base64_encode(
	         TOKEN_HEADER, sizeof(TOKEN_HEADER) - 1, 1)) == NULL ||
	    (p64 = codec_base64_encode(pj, pjlen, 1)) == NULL)
		goto out;
	hl = strlen(h64);
	pl = strlen(p64);
	/* "header.payload", the signing input; room for ".sig" comes later. */
	if ((msg = malloc(hl + 1 + pl + 1)) == NULL)
		goto out;
	memcpy(msg, h64, hl);
	msg[hl] = '.';
	memcpy(msg + hl + 1, p64, pl + 1);
	if (crypto_rs256_sign(key, msg, hl + 1 + pl, &sig, &siglen) != 0)
		goto out;
	if ((s64 = codec_base64_encode(sig, siglen, 1)) == NULL)
		goto out;
	sl = strlen(s64);
	if ((tmp = realloc(msg, hl + 1 + pl + 1 + sl + 1)) == NULL)
		goto out;
	msg = tmp;
	msg[hl + 1 + pl] = '.';
	memcpy(msg + hl + 1 + pl + 1, s64, sl + 1);
	*jwt = msg;
	msg = NULL;
	st = CF_OK;
out:
	json_object_put(p);
	free(h64);
	free(p64);
	free(msg);
	crypto_wipe(sig, siglen);
	free(sig);
	if (s64 != NULL)
		crypto_wipe(s64, strlen(s64));
	free(s64);
	return st;
}

#define TOKEN_COOKIE "dcos-acs-auth-cookie="

/* The dcos-acs-auth-cookie value in the Cookie header, and its length. */
static const char *
token_cookie(const struct cf_req *req, size_t *len)
{
	const char *c = http_header(req, "Cookie"), *p, *e;

	for (p = c; p != NULL && *p != '\0';) {
		while (*p == ' ' || *p == ';')
			p++;
		if (!strncmp(p, TOKEN_COOKIE, sizeof(TOKEN_COOKIE) - 1)) {
			p += sizeof(TOKEN_COOKIE) - 1;
			e = strchr(p, ';');
			*len =
			    e ? (size_t)(e - p) : strnlen(p, CF_MAX_TOKEN + 1);
			return p;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

enum cf_status
token_verify_any_exp(const struct crypto_rsa *pub, const char *jwt, size_t len,
    struct token_claims *out)
{
	/* No exp is at or below INT64_MIN. */
	return token_verify(pub, jwt, len, INT64_MIN, out);
}

int
token_hash_equal(const uint8_t *want32, const char *cred, size_t len)
{
	uint8_t h[TOKEN_HASH_LEN];
	int ok;

	if (crypto_sha256(cred, len, h) != 0)
		return 0;
	ok = crypto_equal(h, want32, TOKEN_HASH_LEN);
	crypto_wipe(h, sizeof(h));
	return ok;
}

enum cf_status
token_basic(const struct cf_req *req, char *uid, size_t uidlen, char **pw,
    size_t *pwlen)
{
	const char *v = http_header(req, "Authorization"), *colon;
	uint8_t *b = NULL;
	size_t blen = 0, ulen;
	enum cf_status st = CF_E_UNAUTHORIZED;

	if (v == NULL || strncmp(v, "Basic ", 6) != 0 ||
	    strnlen(v + 6, CF_MAX_TOKEN + 1) > CF_MAX_TOKEN ||
	    codec_base64_decode(v + 6, strlen(v + 6), 0, &b, &blen) != 0)
		goto out;
	if ((colon = memchr(b, ':', blen)) == NULL)
		goto out;
	ulen = (size_t)(colon - (const char *)b);
	if (ulen == 0 || ulen >= uidlen || ulen > TOKEN_MAX_UID ||
	    memchr(b, '\0', blen) != NULL)
		goto out;
	memcpy(uid, b, ulen);
	uid[ulen] = '\0';
	*pwlen = blen - ulen - 1;
	if ((*pw = malloc(*pwlen + 1)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	memcpy(*pw, colon + 1, *pwlen);
	(*pw)[*pwlen] = '\0';
	st = CF_OK;
out:
	crypto_wipe(b, blen);
	free(b);
	return st;
}

enum cf_status
token_from_request(const struct cf_req *req, enum cf_dialect d,
    enum token_kind *kind, const char **cred, size_t *len)
{
	const char *v, *p = NULL;
	enum token_kind k = TOKEN_NONE;
	size_t i, n;

	if (d == CF_D_VAULT &&
	    (v = http_header(req, "X-Vault-Token")) != NULL && *v != '\0') {
		k = TOKEN_JWT;
		p = v;
		goto found;
	}

	/*
	 * An empty Authorization counts as none: Apache's common
	 * "RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]"
	 * sets it to "" on every request that has no header.
	 */
	if ((v = http_header(req, "Authorization")) != NULL && *v != '\0') {
		for (i = 0; i < sizeof(token_schemes) / sizeof(*token_schemes);
		     i++) {
			if (strncmp(v, token_schemes[i].prefix,
			        token_schemes[i].len) == 0) {
				k = token_schemes[i].kind;
				p = v + token_schemes[i].len;
				break;
			}
		}
		if (k == TOKEN_NONE) {
			lwarnx("unsupported Authorization scheme");
			return CF_E_UNAUTHORIZED;
		}
	} else if (d == CF_D_DAPR &&
	           (v = http_header(req, "dapr-api-token")) != NULL) {
		k = TOKEN_DAPR;
		p = v;
	} else if ((p = token_cookie(req, &n)) != NULL) {
		/* Admin Router takes the login cookie when no Authorization
		 * header is present. */
		if (n == 0 || n > CF_MAX_TOKEN)
			return CF_E_UNAUTHORIZED;
		*kind = TOKEN_JWT;
		*cred = p;
		*len = n;
		return CF_OK;
	} else {
		*kind = TOKEN_NONE;
		*cred = NULL;
		*len = 0;
		return CF_OK;
	}
found:
	n = strnlen(p, CF_MAX_TOKEN + 1);
	if (n == 0 || n > CF_MAX_TOKEN) {
		lwarnx("credential empty or over CF_MAX_TOKEN");
		return CF_E_UNAUTHORIZED;
	}
	*kind = k;
	*cred = p;
	*len = n;
	return CF_OK;
}
