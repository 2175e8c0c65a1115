/*
 * token.h: credentials on the wire, and the RS256 JWTs Coffer issues.
 *
 * Tokens are RS256 JWTs with a "uid" and an integer "exp" (DC/OS style).
 * The algorithm is fixed: a header naming anything but RS256 ("none",
 * HS256, ...) is refused before any signature work, so a public key can
 * never be used as an HMAC secret.  Verification checks the structure, the
 * signature and the expiry; that the subject still exists is the caller's
 * check against the store (acl.c), since only the store knows.
 *
 * A token names the incarnation of its subject (private claim
 * "incarnation": random hex given to a user record when it is created),
 * so that a user deleted and created again under the same uid is not
 * reached by the tokens of the one before.  A token without the claim
 * (from a version before it) names the incarnation "": it matches only a
 * record made by such a version, which has none.
 *
 * A small per-process cache remembers tokens already verified (keyed by
 * the SHA-256 of the whole token, valid until the token's exp), so the
 * RSA verification is paid once per token per worker, not per request.
 * The cache holds no token bytes, only hashes, and is flushed when the
 * signing key changes (token_cache_reset).
 */
#ifndef COFFER_TOKEN_H
#define COFFER_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "base/limits.h"

struct crypto_rsa;
struct cf_req;

#define TOKEN_MAX_UID   CF_MAX_UID
#define TOKEN_INC_BYTES 16                    /* random bytes */
#define TOKEN_INC_LEN   (2 * TOKEN_INC_BYTES) /* their hex */
/* The claim, and the member of a user record (iam.h) that holds it. */
#define TOKEN_INC_CLAIM "incarnation"

struct token_claims {
	char uid[TOKEN_MAX_UID + 1];
	char inc[TOKEN_INC_LEN + 1]; /* "" when the token has none */
	int64_t exp;
};

enum token_kind {
	TOKEN_NONE = 0,
	TOKEN_JWT,    /* Authorization: token=<jwt> or Bearer <jwt>, or the
	                 dcos-acs-auth-cookie cookie without Authorization */
	TOKEN_APIKEY, /* Authorization: Key <key> (Sensu) */
	TOKEN_DAPR,   /* dapr-api-token: <token> */
};

struct token_cache;

/* Issue a JWT for uid (of incarnation inc: TOKEN_INC_LEN hex digits, or
 * "" for none) valid for lifetime seconds from now; *jwt malloc'd,
 * NUL-terminated, caller wipes and frees. */
enum cf_status token_issue(const struct crypto_rsa *key, const char *uid,
    const char *inc, int64_t now, int64_t lifetime, char **jwt);

/* A new random incarnation: TOKEN_INC_LEN hex digits.  0 or -1. */
int token_incarnation_new(char inc[TOKEN_INC_LEN + 1]);

/* CF_OK with *out filled, or CF_E_UNAUTHORIZED. */
enum cf_status token_verify(const struct crypto_rsa *pub, const char *jwt,
    size_t len, int64_t now, struct token_claims *out);

/* Same, through the cache (cache may be NULL). */
enum cf_status token_verify_cached(struct token_cache *c,
    const struct crypto_rsa *pub, const char *jwt, size_t len, int64_t now,
    struct token_claims *out);

struct token_cache *token_cache_new(size_t slots);
void token_cache_reset(struct token_cache *c);
void token_cache_free(struct token_cache *c);

/* Find the request's credential: kind and a pointer into the header value
 * (borrowed from req).  TOKEN_NONE when there is none; CF_E_UNAUTHORIZED
 * when a header is present but malformed or over CF_MAX_TOKEN.  The
 * dapr-api-token header is looked at only on a route of Dapr's API (d is
 * CF_D_DAPR): daprd's token guards Dapr's API alone, so elsewhere it is
 * as if absent and the login cookie may answer instead.  On a route of
 * Vault's API (CF_D_VAULT) X-Vault-Token comes first, as in Vault, and
 * carries one of our JWTs; elsewhere it is as if absent. */
enum cf_status token_from_request(const struct cf_req *req, enum cf_dialect d,
    enum token_kind *kind, const char **cred, size_t *len);

/* Like token_verify, but an expired token passes (Sensu's refresh takes
 * the expired access token it renews). */
enum cf_status token_verify_any_exp(const struct crypto_rsa *pub,
    const char *jwt, size_t len, struct token_claims *out);

/* HTTP Basic credentials: uid copied into uid (at most TOKEN_MAX_UID),
 * *pw malloc'd and NUL-terminated (the caller wipes and frees it).
 * CF_E_UNAUTHORIZED when absent or malformed. */
enum cf_status token_basic(const struct cf_req *req, char *uid, size_t uidlen,
    char **pw, size_t *pwlen);

/* 1 if SHA-256(cred) equals want, compared in constant time. */
int token_hash_equal(const uint8_t *want32, const char *cred, size_t len);

/* Bouncer's uid rule: [a-zA-Z0-9-_@.]+, at most 96 bytes. */
int token_uid_valid(const char *uid, size_t len);

#endif
