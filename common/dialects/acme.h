/*
 * acme.h: ACME (RFC 8555) as bytes: the JWS every POST carries, the
 * payloads of newAccount, newOrder, finalize and revokeCert, and the JSON
 * of the directory, accounts, orders, authorizations and challenges;
 * account updates and keyChange's inner JWS.
 * Pure: no store, no request; the handlers are acme_ca.c's.
 *
 * A parse function either fills its out-parameters and answers CF_OK, or
 * answers an error status with *code (the ACME error name, a literal:
 * "malformed", "badNonce", "badSignatureAlgorithm", "rejectedIdentifier",
 * "badCSR", "badRevocationReason"...) and *detail (a fixed string of
 * ours); reply.c renders them as a problem document, the one place the
 * dialect's errors are built.
 *
 * URLs: every object's URL is <base>/acme/<kind>/<id>, where base is the
 * scheme and host the client reached (or the config's ca_url), so the
 * URLs a client is given are the ones it can reach.  A JWS's "url" must
 * be the URL it was sent to (RFC 8555 6.4).
 *
 * Ownership: struct acme_jws owns its parsed JSON and buffers until
 * acme_jws_free; the strings in it are borrowed from hdr.  Views are new
 * json-c references the caller puts.
 */
#ifndef COFFER_ACME_H
#define COFFER_ACME_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

struct json_object;

#define ACME_MAX_NAMES     100 /* identifiers in one order (PKI_MAX_HOSTS) */
#define ACME_BASE_MAX      512 /* bytes of a base URL */
#define ACME_ORDER_SECONDS (7 * 86400) /* an order's and authz's life */

struct acme_jws {
	struct json_object *outer;           /* the flattened JWS */
	struct json_object *hdr;             /* its protected header, decoded */
	const char *alg, *nonce, *url, *kid; /* kid NULL when jwk is set */
	struct json_object *jwk;             /* borrowed from hdr, or NULL */
	char *input; /* "<protected>.<payload>": what is signed */
	size_t inputlen;
	uint8_t *sig;
	size_t siglen;
	struct json_object *payload; /* NULL: empty payload (POST-as-GET) */
};

enum cf_status acme_jws_parse(const uint8_t *body, size_t len,
    struct acme_jws *j, const char **code, const char **detail);
void acme_jws_free(struct acme_jws *j);
/* keyChange's inner JWS (RFC 8555 7.3.5), the outer one's payload
 * (borrowed; j takes a reference): signed with a jwk, no kid, no nonce. */
enum cf_status acme_jws_inner(struct json_object *payload, struct acme_jws *j,
    const char **code, const char **detail);

/* newAccount: onlyReturnExisting, contact (a borrowed array of strings,
 * or NULL) and externalAccountBinding (a borrowed object, or NULL). */
enum cf_status acme_account_parse(struct json_object *payload,
    int *only_existing, struct json_object **contact, struct json_object **eab,
    const char **code, const char **detail);
/*
 * newAccount's externalAccountBinding (RFC 8555 7.3.4), eab (borrowed; j
 * takes a reference): a flattened JWS whose header has alg HS256, the EAB
 * key's kid (j->kid) and the url the newAccount was sent to, and no nonce
 * or jwk, and whose payload is the account's key (thumbprint thumb, the
 * outer JWS's jwk).  The MAC is acme_eab_verify's, once the caller has
 * the kid's key.
 */
enum cf_status acme_eab_parse(struct json_object *eab, const char *url,
    const char *thumb, struct acme_jws *j, const char **code,
    const char **detail);
/* Is j's signature the HMAC-SHA256 of its input under key?  1 or 0;
 * compared in constant time. */
int acme_eab_verify(
    const struct acme_jws *j, const uint8_t *key, size_t keylen);
/* An account update (RFC 8555 7.3.2, 7.3.6): a new contact (borrowed, or
 * NULL to keep it), and whether the status becomes "deactivated" (a
 * status of "valid" asks for nothing; any other is malformed). */
enum cf_status acme_account_update_parse(struct json_object *payload,
    struct json_object **contact, int *deactivate, const char **code,
    const char **detail);
/* keyChange's inner payload: the account URL and the old key's JWK (both
 * borrowed). */
enum cf_status acme_keychange_parse(struct json_object *payload,
    const char **account, struct json_object **old_key, const char **code,
    const char **detail);
/* newOrder: the dns identifiers, lowercased, each a DNS name without a
 * wildcard (http-01 cannot prove one), no duplicates; names[] malloc'd
 * (acme_names_free). */
enum cf_status acme_order_parse(struct json_object *payload, char ***names,
    size_t *n, const char **code, const char **detail);
void acme_names_free(char **names, size_t n);
/* Is name admitted by suffixes (the config's acme_dns_suffixes: names
 * separated by commas or spaces; "example.com" admits it and any name
 * under it)?  An empty list admits nothing. */
int acme_name_allowed(const char *suffixes, const char *name);
/* The resource an account bound by an External Account Binding needs
 * create on to order name: "dcos:acme:dns:/" and its labels from the
 * last, '/' between them (www.example.com: dcos:acme:dns:/com/example/www),
 * so a grant on dcos:acme:dns:/com/example covers example.com and every
 * name under it, on label boundaries only (iam.h).  name is an order's
 * (acme_order_parse: at most 253 bytes); out holds ACME_NAME_RID_MAX. */
#define ACME_NAME_RID_PREFIX "dcos:acme:dns:/"
#define ACME_NAME_RID_MAX    (sizeof(ACME_NAME_RID_PREFIX) + 256)
void acme_name_rid(char *out, size_t cap, const char *name);
/* finalize: the CSR (DER, malloc'd). */
enum cf_status acme_finalize_parse(struct json_object *payload, uint8_t **csr,
    size_t *len, const char **code, const char **detail);
/* revokeCert: the certificate (DER, malloc'd) and the reason (0 absent). */
enum cf_status acme_revoke_parse(struct json_object *payload, uint8_t **der,
    size_t *len, int *reason, const char **code, const char **detail);
/* Is body (what the validator fetched) the key authorization
 * "<token>.<thumbprint>", trailing whitespace aside (RFC 8555 8.3)? */
int acme_keyauth_ok(
    const char *body, size_t len, const char *token, const char *thumb);

/* The challenges an authorization offers: http-01 (RFC 8555 8.3) at
 * <base>/acme/chall/<authz id>, tls-alpn-01 (RFC 8737) at
 * <base>/acme/chall-alpn/<authz id>, each with its own token ("token",
 * "atoken" in the record; authorizations older than tls-alpn-01 have no
 * "atoken" and offer http-01 only).  The one tried ("tried") carries the
 * authorization's outcome; the other stays pending. */
enum acme_chall { ACME_HTTP01, ACME_TLSALPN01 };

/* Views (new references).  Records are acmedb.h's JSON. */
/* eab_required: meta.externalAccountRequired (the config's
 * acme_eab_required). */
struct json_object *acme_directory(const char *base, int eab_required);
struct json_object *acme_account_view(struct json_object *acct);
struct json_object *acme_order_view(
    const char *base, struct json_object *order);
struct json_object *acme_authz_view(
    const char *base, const char *id, struct json_object *authz);
struct json_object *acme_challenge_view(const char *base, const char *id,
    struct json_object *authz, enum acme_chall type);
/* "<base>/acme/<kind>/<id>" into out (ACME_BASE_MAX + 128). */
void acme_url(
    char *out, size_t cap, const char *base, const char *kind, const char *id);

#endif
