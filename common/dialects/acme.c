/*
 * acme.c: ACME's requests and answers, from bytes alone.  See acme.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "ca/jws.h"
#include "ca/subject.h"
#include "crypto/crypto.h"
#include "dialects/acme.h"

#define FAIL(c, d)                                                             \
	do {                                                                   \
		*code = (c);                                                   \
		*detail = (d);                                                 \
		st = CF_E_BAD_REQUEST;                                         \
		goto out;                                                      \
	} while (0)

/* A string member without a NUL in it; NULL when absent or not one. */
static const char *
text(struct json_object *o, const char *key, size_t *len)
{
	const char *s;
	size_t n;

	if (cf_json_string(o, key, &s, &n) != CF_OK || strlen(s) != n)
		return NULL;
	if (len != NULL)
		*len = n;
	return s;
}

static int
b64url(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	return codec_base64_decode(s, len, 1, out, outlen);
}

/* Which JWS is parsed: the request's, keyChange's inner one, or
 * newAccount's externalAccountBinding. */
enum jws_role { ROLE_OUTER, ROLE_INNER, ROLE_EAB };

/* An EAB's header (RFC 8555 7.3.4): HS256, the EAB key's kid, the url;
 * no nonce and no jwk.  Only a MAC is taken: an EAB signed with anything
 * else proves nothing about the key's holder. */
static enum cf_status
eab_header(struct acme_jws *j, const char **code, const char **detail)
{
	enum cf_status st = CF_OK;

	if ((j->alg = text(j->hdr, "alg", NULL)) == NULL ||
	    strcmp(j->alg, "HS256") != 0)
		FAIL("malformed", "the externalAccountBinding must be HS256");
	if (json_object_object_get_ex(j->hdr, "nonce", NULL) ||
	    json_object_object_get_ex(j->hdr, "jwk", NULL))
		FAIL("malformed",
		    "the externalAccountBinding has no nonce and no jwk");
	if ((j->url = text(j->hdr, "url", NULL)) == NULL)
		FAIL("malformed", "the externalAccountBinding has no url");
	if ((j->kid = text(j->hdr, "kid", NULL)) == NULL)
		FAIL("malformed", "the externalAccountBinding has no kid");
out:
	return st;
}

/*
 * The outer JWS carries a nonce and one of jwk and kid; keyChange's inner
 * one (RFC 8555 7.3.5) a jwk and no nonce, and is never taken as outer.
 */
static enum cf_status
parse_header(struct acme_jws *j, const char *prot, size_t plen,
    enum jws_role role, const char **code, const char **detail)
{
	static const char *const allowed[] = {
	    "alg", "nonce", "url", "jwk", "kid", NULL};
	uint8_t *raw = NULL;
	size_t rawlen;
	enum cf_status st = CF_OK;

	if (b64url(prot, plen, &raw, &rawlen) != 0 ||
	    cf_json_parse(raw, rawlen, &j->hdr) != CF_OK)
		FAIL("malformed", "the protected header is not base64url JSON");
	/* RFC 8555 6.2: no other header may be relied on; refusing the
	 * rest keeps "crit" and friends out. */
	if (cf_json_only(j->hdr, allowed) != CF_OK)
		FAIL("malformed", "the protected header has an unknown member");
	if (role == ROLE_EAB) {
		st = eab_header(j, code, detail);
		goto out;
	}
	if ((j->alg = text(j->hdr, "alg", NULL)) == NULL)
		FAIL("malformed", "the protected header has no alg");
	if (strcmp(j->alg, "ES256") != 0 && strcmp(j->alg, "RS256") != 0)
		FAIL("badSignatureAlgorithm", "alg must be ES256 or RS256");
	j->nonce = text(j->hdr, "nonce", NULL);
	if (role == ROLE_OUTER && j->nonce == NULL)
		FAIL("badNonce", "the protected header has no nonce");
	if (role == ROLE_INNER &&
	    json_object_object_get_ex(j->hdr, "nonce", NULL))
		FAIL("malformed", "the inner JWS must not carry a nonce");
	if ((j->url = text(j->hdr, "url", NULL)) == NULL)
		FAIL("malformed", "the protected header has no url");
	j->kid = text(j->hdr, "kid", NULL);
	if (cf_json_object(j->hdr, "jwk", &j->jwk) != CF_OK)
		j->jwk = NULL;
	if (role == ROLE_INNER &&
	    (j->jwk == NULL || json_object_object_get_ex(j->hdr, "kid", NULL)))
		FAIL("malformed", "the inner JWS is signed with a jwk only");
	if ((j->kid == NULL) == (j->jwk == NULL))
		FAIL("malformed", "the protected header needs one of jwk, kid");
out:
	free(raw);
	return st;
}

/* j->outer, a flattened JWS, into the rest of j. */
static enum cf_status
parse_jws(struct acme_jws *j, enum jws_role role, const char **code,
    const char **detail)
{
	static const char *const allowed[] = {
	    "protected", "payload", "signature", NULL};
	const char *prot, *pay, *sig;
	size_t plen, paylen, siglen, rawlen;
	uint8_t *raw = NULL;
	enum cf_status st;

	if (!json_object_is_type(j->outer, json_type_object) ||
	    cf_json_only(j->outer, allowed) != CF_OK)
		FAIL("malformed", "the body is not a flattened JWS");
	if ((prot = text(j->outer, "protected", &plen)) == NULL ||
	    (pay = text(j->outer, "payload", &paylen)) == NULL ||
	    (sig = text(j->outer, "signature", &siglen)) == NULL)
		FAIL(
		    "malformed", "the JWS needs protected, payload, signature");
	if ((st = parse_header(j, prot, plen, role, code, detail)) != CF_OK)
		goto out;
	if (b64url(sig, siglen, &j->sig, &j->siglen) != 0)
		FAIL("malformed", "the signature is not base64url");
	if ((j->input = malloc(plen + paylen + 2)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	memcpy(j->input, prot, plen);
	j->input[plen] = '.';
	memcpy(j->input + plen + 1, pay, paylen);
	j->inputlen = plen + 1 + paylen;
	j->input[j->inputlen] = '\0';
	if (paylen > 0 && (b64url(pay, paylen, &raw, &rawlen) != 0 ||
	                      cf_json_parse(raw, rawlen, &j->payload) != CF_OK))
		FAIL("malformed", "the payload is not base64url JSON");
	st = CF_OK;
out:
	free(raw);
	if (st != CF_OK)
		acme_jws_free(j);
	return st;
}

enum cf_status
acme_jws_parse(const uint8_t *body, size_t len, struct acme_jws *j,
    const char **code, const char **detail)
{
	memset(j, 0, sizeof(*j));
	if (cf_json_parse(body, len, &j->outer) != CF_OK) {
		*code = "malformed";
		*detail = "the body is not a flattened JWS";
		return CF_E_BAD_REQUEST;
	}
	return parse_jws(j, ROLE_OUTER, code, detail);
}

enum cf_status
acme_jws_inner(struct json_object *payload, struct acme_jws *j,
    const char **code, const char **detail)
{
	memset(j, 0, sizeof(*j));
	if (payload == NULL) {
		*code = "malformed";
		*detail = "keyChange's payload must be a JWS";
		return CF_E_BAD_REQUEST;
	}
	j->outer = json_object_get(payload);
	return parse_jws(j, ROLE_INNER, code, detail);
}

/* Is jwk a key whose thumbprint is thumb? */
static int
same_key(struct json_object *jwk, const char *thumb)
{
	struct jws_key k;
	char t[JWS_THUMB_LEN + 1];
	int rc;

	if (jwk == NULL || jws_key_parse(jwk, &k) != 0)
		return 0;
	rc = jws_thumbprint(&k, t);
	jws_key_free(&k);
	return rc == 0 && !strcmp(t, thumb);
}

enum cf_status
acme_eab_parse(struct json_object *eab, const char *url, const char *thumb,
    struct acme_jws *j, const char **code, const char **detail)
{
	enum cf_status st;

	memset(j, 0, sizeof(*j));
	if (eab == NULL) {
		*code = "malformed";
		*detail = "externalAccountBinding must be a JWS";
		return CF_E_BAD_REQUEST;
	}
	j->outer = json_object_get(eab);
	if ((st = parse_jws(j, ROLE_EAB, code, detail)) != CF_OK)
		return st;
	if (strcmp(j->url, url) != 0)
		FAIL("malformed",
		    "the externalAccountBinding must name the newAccount url");
	if (!same_key(j->payload, thumb))
		FAIL("malformed",
		    "the externalAccountBinding must sign the account's key");
out:
	if (st != CF_OK)
		acme_jws_free(j);
	return st;
}

int
acme_eab_verify(const struct acme_jws *j, const uint8_t *key, size_t keylen)
{
	uint8_t mac[CF_SHA256_LEN];
	int ok;

	if (j->siglen != sizeof(mac) ||
	    crypto_hmac_sha256(key, keylen, j->input, j->inputlen, mac) != 0)
		return 0;
	ok = crypto_equal(mac, j->sig, sizeof(mac));
	crypto_wipe(mac, sizeof(mac));
	return ok;
}

void
acme_jws_free(struct acme_jws *j)
{
	json_object_put(j->outer);
	json_object_put(j->hdr);
	json_object_put(j->payload);
	free(j->input);
	free(j->sig);
	memset(j, 0, sizeof(*j));
}

/* The payload's contact: absent (*contact NULL), or a few mailto: URLs. */
static enum cf_status
parse_contact(struct json_object *payload, struct json_object **contact,
    const char **code, const char **detail)
{
	struct json_object *c = NULL;
	size_t i;
	enum cf_status st;

	*contact = NULL;
	st = cf_json_array(payload, "contact", &c);
	if (st == CF_E_NOT_FOUND) {
		st = CF_OK;
		goto out;
	}
	if (st != CF_OK || json_object_array_length(c) > 8)
		FAIL("malformed", "contact must be an array of a few URLs");
	for (i = 0; i < json_object_array_length(c); i++) {
		struct json_object *e = json_object_array_get_idx(c, i);

		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) > 256 ||
		    strncmp(json_object_get_string(e), "mailto:", 7) != 0)
			FAIL("invalidContact",
			    "a contact must be a mailto: URL");
	}
	*contact = c;
out:
	return st;
}

enum cf_status
acme_account_parse(struct json_object *payload, int *only_existing,
    struct json_object **contact, struct json_object **eab, const char **code,
    const char **detail)
{
	enum cf_status st = CF_OK;

	*only_existing = 0;
	*contact = NULL;
	*eab = NULL;
	if (payload == NULL)
		FAIL("malformed", "newAccount needs a payload");
	if (cf_json_bool(payload, "onlyReturnExisting", only_existing) ==
	    CF_E_BAD_JSON)
		FAIL("malformed", "onlyReturnExisting must be a boolean");
	if (json_object_object_get_ex(payload, "externalAccountBinding", eab) &&
	    !json_object_is_type(*eab, json_type_object))
		FAIL("malformed", "externalAccountBinding must be a JWS");
	st = parse_contact(payload, contact, code, detail);
out:
	return st;
}

enum cf_status
acme_account_update_parse(struct json_object *payload,
    struct json_object **contact, int *deactivate, const char **code,
    const char **detail)
{
	const char *s;
	enum cf_status st = CF_OK;

	*contact = NULL;
	*deactivate = 0;
	if (payload == NULL)
		FAIL("malformed", "an account update needs a payload");
	/* A client may send back the account as it got it: "valid" asks
	 * for no change. */
	if (json_object_object_get_ex(payload, "status", NULL)) {
		if ((s = text(payload, "status", NULL)) == NULL ||
		    (strcmp(s, "valid") != 0 && strcmp(s, "deactivated") != 0))
			FAIL("malformed",
			    "an account's status may only become deactivated");
		*deactivate = !strcmp(s, "deactivated");
	}
	st = parse_contact(payload, contact, code, detail);
out:
	return st;
}

enum cf_status
acme_keychange_parse(struct json_object *payload, const char **account,
    struct json_object **old_key, const char **code, const char **detail)
{
	enum cf_status st = CF_OK;

	*account = NULL;
	*old_key = NULL;
	if (payload == NULL ||
	    (*account = text(payload, "account", NULL)) == NULL ||
	    cf_json_object(payload, "oldKey", old_key) != CF_OK)
		FAIL("malformed", "keyChange needs account and oldKey");
out:
	return st;
}

void
acme_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

static enum cf_status
add_name(char **names, size_t *n, struct json_object *id, const char **code,
    const char **detail)
{
	const char *type, *value;
	uint8_t ip[16];
	size_t len, iplen, i;
	char *s;
	enum cf_status st = CF_OK;

	if (!json_object_is_type(id, json_type_object) ||
	    (type = text(id, "type", NULL)) == NULL ||
	    (value = text(id, "value", &len)) == NULL)
		FAIL("malformed", "an identifier needs a type and a value");
	if (strcmp(type, "dns") != 0)
		FAIL("unsupportedIdentifier", "only dns identifiers are taken");
	if (memchr(value, '*', len) != NULL)
		FAIL(
		    "rejectedIdentifier", "wildcards need dns-01, not offered");
	if (subject_host_parse(value, len, ip, &iplen) != SUBJECT_HOST_DNS)
		FAIL("rejectedIdentifier", "an identifier is not a DNS name");
	if ((s = strdup(value)) == NULL)
		return CF_E_INTERNAL;
	for (i = 0; i < len; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	for (i = 0; i < *n; i++)
		if (!strcmp(names[i], s)) {
			free(s);
			FAIL("malformed", "an identifier is repeated");
		}
	names[(*n)++] = s;
out:
	return st;
}

enum cf_status
acme_order_parse(struct json_object *payload, char ***names, size_t *n,
    const char **code, const char **detail)
{
	struct json_object *ids;
	char **l = NULL;
	size_t i, cnt = 0, total;
	enum cf_status st = CF_OK;

	*names = NULL;
	*n = 0;
	if (payload == NULL ||
	    cf_json_array(payload, "identifiers", &ids) != CF_OK)
		FAIL("malformed", "newOrder needs identifiers");
	total = json_object_array_length(ids);
	if (total == 0 || total > ACME_MAX_NAMES)
		FAIL("malformed", "an order names 1 to 100 identifiers");
	/* notBefore and notAfter are not taken (RFC 8555 7.4: MAY). */
	if (json_object_object_get_ex(payload, "notBefore", NULL) ||
	    json_object_object_get_ex(payload, "notAfter", NULL))
		FAIL("malformed", "notBefore and notAfter are not supported");
	if ((l = calloc(total, sizeof(*l))) == NULL)
		return CF_E_INTERNAL;
	for (i = 0; i < total; i++)
		if ((st = add_name(l, &cnt, json_object_array_get_idx(ids, i),
		         code, detail)) != CF_OK)
			goto out;
	*names = l;
	*n = cnt;
	l = NULL;
out:
	acme_names_free(l, cnt);
	return st;
}

/* Does name equal suffix or end with "." suffix (case-insensitively)? */
static int
under(const char *name, const char *suffix, size_t slen)
{
	size_t nlen = strlen(name);

	if (slen == 0 || nlen < slen)
		return 0;
	if (strncasecmp(name + nlen - slen, suffix, slen) != 0)
		return 0;
	return nlen == slen || name[nlen - slen - 1] == '.';
}

int
acme_name_allowed(const char *suffixes, const char *name)
{
	const char *p = suffixes;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		/* A leading dot says the same: "under this". */
		if (n > 1 && p[0] == '.' && under(name, p + 1, n - 1))
			return 1;
		if (n > 0 && p[0] != '.' && under(name, p, n))
			return 1;
		p += n;
	}
	return 0;
}

void
acme_name_rid(char *out, size_t cap, const char *name)
{
	const char *end = name + strlen(name), *dot;
	size_t o;

	o = (size_t)snprintf(out, cap, "%s", ACME_NAME_RID_PREFIX);
	/* The labels from the last: each '/' a boundary a grant covers. */
	while (end > name && o + 1 < cap) {
		for (dot = end; dot > name && dot[-1] != '.'; dot--)
			;
		o += (size_t)snprintf(out + o, cap - o, "%s%.*s",
		    o > strlen(ACME_NAME_RID_PREFIX) ? "/" : "",
		    (int)(end - dot), dot);
		end = dot > name ? dot - 1 : name;
	}
}

enum cf_status
acme_finalize_parse(struct json_object *payload, uint8_t **csr, size_t *len,
    const char **code, const char **detail)
{
	const char *s;
	size_t n;
	enum cf_status st = CF_OK;

	if (payload == NULL || (s = text(payload, "csr", &n)) == NULL)
		FAIL("malformed", "finalize needs a csr");
	if (b64url(s, n, csr, len) != 0 || *len == 0)
		FAIL("badCSR", "the csr is not base64url DER");
out:
	return st;
}

enum cf_status
acme_revoke_parse(struct json_object *payload, uint8_t **der, size_t *len,
    int *reason, const char **code, const char **detail)
{
	const char *s;
	size_t n;
	int64_t r = 0;
	enum cf_status st = CF_OK;

	*reason = 0;
	if (payload == NULL || (s = text(payload, "certificate", &n)) == NULL)
		FAIL("malformed", "revokeCert needs a certificate");
	st = cf_json_int(payload, "reason", 0, 10, &r);
	if (st == CF_E_NOT_FOUND)
		r = 0;
	else if (st != CF_OK || r == 7)
		FAIL("badRevocationReason", "reason must be 0-10, not 7");
	st = CF_OK;
	if (b64url(s, n, der, len) != 0 || *len == 0)
		FAIL("malformed", "the certificate is not base64url DER");
	*reason = (int)r;
out:
	return st;
}

int
acme_keyauth_ok(
    const char *body, size_t len, const char *token, const char *thumb)
{
	size_t tl = strlen(token), hl = strlen(thumb);

	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' ||
	                      body[len - 1] == ' ' || body[len - 1] == '\t'))
		len--;
	return len == tl + 1 + hl && !memcmp(body, token, tl) &&
	       body[tl] == '.' && !memcmp(body + tl + 1, thumb, hl);
}

void
acme_url(
    char *out, size_t cap, const char *base, const char *kind, const char *id)
{
	if (id != NULL)
		snprintf(out, cap, "%s/acme/%s/%s", base, kind, id);
	else
		snprintf(out, cap, "%s/acme/%s", base, kind);
}

static void
set_url(struct json_object *o, const char *key, const char *base,
    const char *kind, const char *id)
{
	char u[ACME_BASE_MAX + 128];

	acme_url(u, sizeof(u), base, kind, id);
	jb_set_str(o, key, u);
}

static void
set_time(struct json_object *o, const char *key, int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jb_set_str(o, key, buf);
}

static const char *
rec_str(struct json_object *r, const char *key, const char *dflt)
{
	const char *s = text(r, key, NULL);

	return s != NULL ? s : dflt;
}

static int64_t
rec_int(struct json_object *r, const char *key)
{
	int64_t v = 0;

	(void)cf_json_int(r, key, 0, INT64_MAX, &v);
	return v;
}

struct json_object *
acme_directory(const char *base, int eab_required)
{
	struct json_object *o = jb_object(), *meta = jb_object();

	set_url(o, "newNonce", base, "new-nonce", NULL);
	set_url(o, "newAccount", base, "new-account", NULL);
	set_url(o, "newOrder", base, "new-order", NULL);
	set_url(o, "revokeCert", base, "revoke-cert", NULL);
	set_url(o, "keyChange", base, "key-change", NULL);
	jb_set_bool(meta, "externalAccountRequired", eab_required);
	jb_set(o, "meta", meta);
	return o;
}

struct json_object *
acme_account_view(struct json_object *acct)
{
	struct json_object *o = jb_object(), *c;

	jb_set_str(o, "status", rec_str(acct, "status", "valid"));
	if (cf_json_array(acct, "contact", &c) == CF_OK)
		jb_set(o, "contact", json_object_get(c));
	else
		jb_set(o, "contact", jb_array());
	return o;
}

struct json_object *
acme_order_view(const char *base, struct json_object *order)
{
	struct json_object *o = jb_object(), *ids = jb_array(),
	                   *az = jb_array();
	struct json_object *names, *authz, *id;
	const char *s;
	size_t i;

	jb_set_str(o, "status", rec_str(order, "status", "invalid"));
	set_time(o, "expires", rec_int(order, "expires"));
	if (cf_json_array(order, "names", &names) == CF_OK)
		for (i = 0; i < json_object_array_length(names); i++) {
			id = jb_object();
			jb_set_str(id, "type", "dns");
			jb_set_str(id, "value",
			    json_object_get_string(
			        json_object_array_get_idx(names, i)));
			jb_push(ids, id);
		}
	jb_set(o, "identifiers", ids);
	if (cf_json_array(order, "authz", &authz) == CF_OK)
		for (i = 0; i < json_object_array_length(authz); i++) {
			char u[ACME_BASE_MAX + 128];

			acme_url(u, sizeof(u), base, "authz",
			    json_object_get_string(
			        json_object_array_get_idx(authz, i)));
			jb_push(az, jb_str(u));
		}
	jb_set(o, "authorizations", az);
	set_url(o, "finalize", base, "finalize", rec_str(order, "id", ""));
	if ((s = text(order, "cert", NULL)) != NULL)
		set_url(o, "certificate", base, "cert", s);
	return o;
}

/* Was this the challenge tried?  Records older than tls-alpn-01 tried
 * http-01 if anything. */
static int
tried(struct json_object *authz, const char *type)
{
	const char *t = text(authz, "tried", NULL);

	return t != NULL ? !strcmp(t, type) : !strcmp(type, "http-01");
}

struct json_object *
acme_challenge_view(const char *base, const char *id, struct json_object *authz,
    enum acme_chall type)
{
	struct json_object *c = jb_object(), *e;
	const char *tname = type == ACME_TLSALPN01 ? "tls-alpn-01" : "http-01";
	const char *st = rec_str(authz, "status", "invalid"), *err;
	int mine = tried(authz, tname);

	jb_set_str(c, "type", tname);
	set_url(c, "url", base, type == ACME_TLSALPN01 ? "chall-alpn" : "chall",
	    id);
	jb_set_str(c, "token",
	    rec_str(authz, type == ACME_TLSALPN01 ? "atoken" : "token", ""));
	/* The challenge is pending until tried; its authz says the rest. */
	jb_set_str(c, "status", mine ? st : "pending");
	if (mine && rec_int(authz, "validated") > 0)
		set_time(c, "validated", rec_int(authz, "validated"));
	if (mine && (err = text(authz, "error", NULL)) != NULL) {
		char etype[96];

		e = jb_object();
		snprintf(
		    etype, sizeof(etype), "urn:ietf:params:acme:error:%s", err);
		jb_set_str(e, "type", etype);
		jb_set_str(e, "detail", rec_str(authz, "error_detail", ""));
		jb_set_int(e, "status", 403);
		jb_set(c, "error", e);
	}
	return c;
}

struct json_object *
acme_authz_view(const char *base, const char *id, struct json_object *authz)
{
	struct json_object *o = jb_object(), *ident = jb_object(), *chs;

	jb_set_str(ident, "type", "dns");
	jb_set_str(ident, "value", rec_str(authz, "name", ""));
	jb_set(o, "identifier", ident);
	jb_set_str(o, "status", rec_str(authz, "status", "invalid"));
	set_time(o, "expires", rec_int(authz, "expires"));
	chs = jb_array();
	jb_push(chs, acme_challenge_view(base, id, authz, ACME_HTTP01));
	if (text(authz, "atoken", NULL) != NULL)
		jb_push(
		    chs, acme_challenge_view(base, id, authz, ACME_TLSALPN01));
	jb_set(o, "challenges", chs);
	return o;
}
