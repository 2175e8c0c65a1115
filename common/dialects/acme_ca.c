/*
 * acme_ca.c: the ACME server's handlers.  See acme_ca.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/fetch.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/reply.h"
#include "ca/acmedb.h"
#include "ca/jws.h"
#include "ca/pki.h"
#include "ca/tlsalpn.h"
#include "dialects/acme.h"
#include "dialects/acme_ca.h"
#include "crypto/crypto.h"
#include "identity/audit.h"
#include "identity/iam.h"
#include "vault/vault.h"

#define URL_MAX (ACME_BASE_MAX + 128)

static const char *const ctypes_jose[] = {"application/jose+json", NULL};

/* One signed request: its JWS, the key that signed it (thumb is the
 * key's) and, when signed with a kid, its account (acct; empty else). */
struct acme_req {
	struct acme_jws j;
	struct jws_key key;
	char thumb[JWS_THUMB_LEN + 1];
	char acct[ACME_ACCT_ID_MAX + 1];
	char eab[ACME_ID_LEN + 1]; /* the account's EAB key's kid, or "" */
	char base[ACME_BASE_MAX];
};

enum key_from { KEY_JWK, KEY_KID, KEY_ANY };

static enum cf_status
problem(
    struct cf_ctx *ctx, enum cf_status st, const char *code, const char *detail)
{
	ctx->code = code;
	ctx->detail = detail;
	return st;
}

static void
audit(struct cf_ctx *ctx, const char *kind, const char *id, const char *action,
    int allowed)
{
	char rid[AUDIT_RID_MAX];

	snprintf(rid, sizeof(rid), "acme:%s:%s", kind, id);
	audit_decision(ctx, rid, action, "jws", allowed);
}

/* The scheme and host the client reached (or ca_url): every URL we hand
 * out, and the one a JWS must name, starts with it. */
static int
base_url(struct cf_ctx *ctx, char *out, size_t cap)
{
	const char *host = http_header(ctx->req, "Host"), *cfg;
	size_t n;
	int w;

	cfg = ctx->app->cfg.ca_url;
	if (cfg[0] != '\0') {
		n = strlen(cfg);
		while (n > 0 && cfg[n - 1] == '/')
			n--;
		w = snprintf(out, cap, "%.*s", (int)n, cfg);
		return w > 0 && (size_t)w < cap ? 0 : -1;
	}
	if (host == NULL || host[0] == '\0' || strlen(host) > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789.-:[]") != strlen(host))
		return -1;
	w = snprintf(out, cap, "%s://%s",
	    http_req_tls(ctx->req) ? "https" : "http", host);
	return w > 0 && (size_t)w < cap ? 0 : -1;
}

/* RFC 8555 6.5: a fresh nonce on every answer, errors included (and
 * Cache-Control: no-store, 7.2, which every answer of Coffer carries). */
static enum cf_status
give_nonce(struct cf_ctx *ctx)
{
	char nonce[ACME_NONCE_LEN + 1];
	enum cf_status st;

	st = acmedb_nonce_new(ctx->app->vault, (int64_t)time(NULL), nonce);
	if (st != CF_OK)
		return st;
	http_resp_header(ctx->resp, "Replay-Nonce", nonce);
	return CF_OK;
}

static void
link_index(struct cf_ctx *ctx, const char *base)
{
	char h[URL_MAX + 32];

	snprintf(h, sizeof(h), "<%s/acme/directory>;rel=\"index\"", base);
	http_resp_header(ctx->resp, "Link", h);
}

/*
 * A Location goes only where RFC 8555 asks for one (201s, and newAccount's
 * 200 for a key already registered).  Behind mod_fcgid, Apache turns a 200
 * that carries a Location into a 302 (its CGI rule), which certbot would
 * follow: the shipped mod_fcgid config sets COFFER_FCGID_LOCATION for
 * /acme/, so that 200's Location goes out as X-Coffer-Location, and its
 * mod_headers renames it back once the rule has run.  A client cannot set
 * the parameter (its headers arrive as HTTP_*).
 */
static const char *
location_header(const struct cf_ctx *ctx, int status)
{
	if (status == 200 &&
	    http_param(ctx->req, "COFFER_FCGID_LOCATION") != NULL)
		return "X-Coffer-Location";
	return "Location";
}

static enum cf_status
answer(
    struct cf_ctx *ctx, int status, struct json_object *o, const char *location)
{
	if (location != NULL)
		http_resp_header(
		    ctx->resp, location_header(ctx, status), location);
	reply_json(ctx->resp, status, o);
	json_object_put(o);
	return CF_OK;
}

/* The account the kid names, "<base>/acme/acct/<id>", if it is valid:
 * RFC 8555 7.3.6, a deactivated account signs nothing. */
static enum cf_status
kid_key(struct cf_ctx *ctx, struct acme_req *r)
{
	struct json_object *acct = NULL, *jwk;
	char prefix[URL_MAX];
	const char *id, *s;
	size_t n;
	enum cf_status st;

	acme_url(prefix, sizeof(prefix), r->base, "acct", "");
	n = strlen(prefix);
	if (strncmp(r->j.kid, prefix, n) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "accountDoesNotExist",
		    "the kid is not an account of this server");
	id = r->j.kid + n;
	if (!acmedb_id_ok(id) || strlen(id) > ACME_ACCT_ID_MAX)
		return problem(ctx, CF_E_BAD_REQUEST, "accountDoesNotExist",
		    "the kid is not an account of this server");
	if ((st = vault_read_begin(ctx->app->vault)) != CF_OK)
		return st;
	st = acmedb_get(ctx->app->vault, "acct", id, &acct);
	vault_read_end(ctx->app->vault);
	if (st == CF_E_NOT_FOUND)
		return problem(ctx, CF_E_BAD_REQUEST, "accountDoesNotExist",
		    "no such account");
	if (st != CF_OK)
		return st;
	snprintf(r->acct, sizeof(r->acct), "%s", id);
	if (cf_json_string(acct, "status", &s, &n) != CF_OK ||
	    strcmp(s, "valid") != 0) {
		json_object_put(acct);
		audit(ctx, "acct", id, "jws", 0);
		return problem(ctx, CF_E_UNAUTHORIZED, "unauthorized",
		    "the account is deactivated");
	}
	if (cf_json_string(acct, "eab", &s, &n) == CF_OK && acmedb_id_ok(s))
		snprintf(r->eab, sizeof(r->eab), "%s", s);
	st = CF_E_INTERNAL;
	if (cf_json_object(acct, "jwk", &jwk) == CF_OK &&
	    jws_key_parse(jwk, &r->key) == 0) {
		snprintf(r->thumb, sizeof(r->thumb), "%s",
		    acmedb_acct_thumb(acct, id));
		st = CF_OK;
	}
	json_object_put(acct);
	return st;
}

/*
 * Every POST: a nonce for the answer, the body a JWS naming this URL and
 * one of our nonces (taken now), signed by the key from's way says.
 */
static enum cf_status
begin(struct cf_ctx *ctx, struct acme_req *r, enum key_from from)
{
	char url[URL_MAX + 1024];
	const char *code = NULL, *detail = NULL;
	enum cf_status st;
	int rc;

	memset(r, 0, sizeof(*r));
	if (base_url(ctx, r->base, sizeof(r->base)) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "no usable Host header");
	link_index(ctx, r->base);
	if ((st = give_nonce(ctx)) != CF_OK)
		return st;
	if ((st = ctx_read_body(ctx, ctypes_jose, 0)) != CF_OK)
		return problem(ctx, st, "malformed",
		    "the body must be application/jose+json");
	st = acme_jws_parse(
	    ctx->req->body, ctx->req->bodylen, &r->j, &code, &detail);
	if (st != CF_OK)
		return problem(ctx, st, code, detail);
	snprintf(url, sizeof(url), "%s%s", r->base, ctx->req->path);
	if (strcmp(url, r->j.url) != 0)
		return problem(ctx, CF_E_FORBIDDEN, "unauthorized",
		    "the JWS url is not the URL it was sent to");
	if (from == KEY_JWK && r->j.jwk == NULL)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "this request is signed with a jwk, not a kid");
	if (from == KEY_KID && r->j.kid == NULL)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "this request is signed with a kid, not a jwk");
	st =
	    acmedb_nonce_take(ctx->app->vault, r->j.nonce, (int64_t)time(NULL));
	if (st == CF_E_NOT_FOUND)
		return problem(ctx, CF_E_BAD_REQUEST, "badNonce",
		    "the nonce is unknown, used or expired");
	if (st != CF_OK)
		return st;
	if (r->j.jwk != NULL) {
		if (jws_key_parse(r->j.jwk, &r->key) != 0)
			return problem(ctx, CF_E_BAD_REQUEST, "badPublicKey",
			    "the jwk must be EC P-256 or RSA of 2048+ bits");
		if (jws_thumbprint(&r->key, r->thumb) != 0)
			return CF_E_INTERNAL;
	} else if ((st = kid_key(ctx, r)) != CF_OK) {
		return st;
	}
	rc = jws_verify(&r->key, r->j.alg, r->j.input, r->j.inputlen, r->j.sig,
	    r->j.siglen);
	if (rc < 0)
		return CF_E_INTERNAL;
	if (rc != 0) {
		audit(ctx, "acct", r->acct[0] != '\0' ? r->acct : r->thumb,
		    "jws", 0);
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "the JWS signature does not verify");
	}
	return CF_OK;
}

static void
end(struct acme_req *r)
{
	acme_jws_free(&r->j);
	jws_key_free(&r->key);
}

/* A record of the caller's own: else 404 for the absent, 403 for
 * another account's, both audited. */
static enum cf_status
get_owned(struct cf_ctx *ctx, struct acme_req *r, const char *kind,
    const char *id, const char *action, struct json_object **out)
{
	const char *owner;
	size_t n;
	enum cf_status st;

	*out = NULL;
	st = acmedb_get(ctx->app->vault, kind, id, out);
	if (st == CF_E_NOT_FOUND) {
		audit(ctx, kind, acmedb_id_ok(id) ? id : "-", action, 0);
		return problem(ctx, st, "malformed", "no such object");
	}
	if (st != CF_OK)
		return st;
	if (cf_json_string(*out, "acct", &owner, &n) != CF_OK ||
	    strcmp(owner, r->acct) != 0) {
		json_object_put(*out);
		*out = NULL;
		audit(ctx, kind, id, action, 0);
		return problem(ctx, CF_E_FORBIDDEN, "unauthorized",
		    "the object belongs to another account");
	}
	audit(ctx, kind, id, action, 1);
	return CF_OK;
}

/* The same in a read section of its own. */
static enum cf_status
read_owned(struct cf_ctx *ctx, struct acme_req *r, const char *kind,
    const char *id, const char *action, struct json_object **out)
{
	enum cf_status st;

	if ((st = vault_read_begin(ctx->app->vault)) != CF_OK)
		return st;
	st = get_owned(ctx, r, kind, id, action, out);
	vault_read_end(ctx->app->vault);
	return st;
}

enum cf_status
acme_get_directory(struct cf_ctx *ctx)
{
	char base[ACME_BASE_MAX];

	if (base_url(ctx, base, sizeof(base)) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "no usable Host header");
	return answer(ctx, 200,
	    acme_directory(base, ctx->app->cfg.acme_eab_required), NULL);
}

enum cf_status
acme_new_nonce(struct cf_ctx *ctx)
{
	char base[ACME_BASE_MAX];
	enum cf_status st;

	if (base_url(ctx, base, sizeof(base)) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "no usable Host header");
	if ((st = give_nonce(ctx)) != CF_OK)
		return st;
	link_index(ctx, base);
	/* RFC 8555 7.2: 200 to HEAD, 204 to GET (the router maps HEAD to
	 * GET; method_name is what the client sent). */
	http_resp_status(
	    ctx->resp, !strcmp(ctx->req->method_name, "HEAD") ? 200 : 204);
	return CF_OK;
}

/* A new account for r's key, in the caller's write: its id is the key's
 * thumbprint, unless an account re-keyed since has that id. */
static enum cf_status
acct_create(struct cf_ctx *ctx, struct acme_req *r, struct json_object *contact,
    const char *eab, char id[ACME_ACCT_ID_MAX + 1], struct json_object **out)
{
	struct vault *v = ctx->app->vault;
	struct json_object *acct = NULL, *idx;
	enum cf_status st;

	st = acmedb_get(v, "acct", r->thumb, &acct);
	json_object_put(acct);
	if (st == CF_OK && acmedb_new_id(id) != 0)
		return CF_E_INTERNAL;
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		return st;
	if (st == CF_E_NOT_FOUND)
		snprintf(id, ACME_ACCT_ID_MAX + 1, "%s", r->thumb);
	acct = jb_object();
	jb_set(acct, "jwk", jws_key_json(&r->key));
	jb_set_str(acct, "thumb", r->thumb);
	jb_set_str(acct, "status", "valid");
	jb_set(acct, "contact",
	    contact != NULL ? json_object_get(contact) : jb_array());
	jb_set_int(acct, "created", (int64_t)time(NULL));
	if (eab != NULL)
		jb_set_str(acct, "eab", eab);
	st = acmedb_put(v, "acct", id, acct);
	if (st == CF_OK && strcmp(id, r->thumb) != 0) {
		idx = jb_object();
		jb_set_str(idx, "acct", id);
		st = acmedb_put(v, "key", r->thumb, idx);
		json_object_put(idx);
	}
	if (st != CF_OK) {
		json_object_put(acct);
		return st;
	}
	*out = acct;
	return CF_OK;
}

/*
 * A new account's External Account Binding (RFC 8555 7.3.4), in the
 * caller's write: ej (parsed, or NULL for none) must be MACed by a valid
 * EAB key; none at all is refused only when the config requires one.
 */
static enum cf_status
eab_bind(struct cf_ctx *ctx, const struct acme_jws *ej)
{
	struct acmedb_eab e;
	enum cf_status st;
	int ok;

	if (ej == NULL && !ctx->app->cfg.acme_eab_required)
		return CF_OK;
	if (ej == NULL)
		return problem(ctx, CF_E_UNAUTHORIZED,
		    "externalAccountRequired",
		    "newAccount needs an externalAccountBinding");
	st = acmedb_eab_get(ctx->app->vault, ej->kid, &e);
	if (st == CF_E_NOT_FOUND)
		st = problem(ctx, CF_E_UNAUTHORIZED, "unauthorized",
		    "the externalAccountBinding's kid is no EAB key");
	else if (st == CF_OK && !e.valid)
		st = problem(ctx, CF_E_UNAUTHORIZED, "unauthorized",
		    "the EAB key is revoked");
	if (st == CF_OK) {
		ok = acme_eab_verify(ej, e.key, sizeof(e.key));
		if (!ok)
			st = problem(ctx, CF_E_UNAUTHORIZED, "unauthorized",
			    "the externalAccountBinding's MAC does not verify");
	}
	audit(ctx, "eab", acmedb_id_ok(ej->kid) ? ej->kid : "-", "newAccount",
	    st == CF_OK);
	crypto_wipe(&e, sizeof(e));
	return st;
}

/* The account for r's key in one write: found, or made (when not only
 * the existing one is asked for) under the binding ej (or NULL). */
static enum cf_status
acct_find_or_make(struct cf_ctx *ctx, struct acme_req *r, int only,
    struct json_object *contact, const struct acme_jws *ej,
    char id[ACME_ACCT_ID_MAX + 1], struct json_object **acct, int *created)
{
	const char *s;
	size_t n;
	enum cf_status st;

	if ((st = vault_write_begin(ctx->app->vault)) != CF_OK)
		return st;
	st = acmedb_acct_by_key(ctx->app->vault, r->thumb, id, acct);
	if (st == CF_E_NOT_FOUND && !only &&
	    (st = eab_bind(ctx, ej)) == CF_OK) {
		st = acct_create(
		    ctx, r, contact, ej != NULL ? ej->kid : NULL, id, acct);
		*created = 1;
	}
	if (st == CF_OK && !*created &&
	    (cf_json_string(*acct, "status", &s, &n) != CF_OK ||
	        strcmp(s, "valid") != 0))
		st = problem(ctx, CF_E_UNAUTHORIZED, "unauthorized",
		    "the account is deactivated");
	if (st != CF_OK) {
		vault_abort(ctx->app->vault);
		return st;
	}
	return vault_commit(ctx->app->vault);
}

enum cf_status
acme_new_account(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct acme_jws ej;
	struct json_object *acct = NULL, *contact, *eab;
	const char *code, *detail;
	char loc[URL_MAX], id[ACME_ACCT_ID_MAX + 1];
	int only, created = 0, bound = 0;
	enum cf_status st;

	memset(&ej, 0, sizeof(ej));
	if ((st = begin(ctx, &r, KEY_JWK)) != CF_OK)
		goto out;
	st = acme_account_parse(
	    r.j.payload, &only, &contact, &eab, &code, &detail);
	if (st == CF_OK && eab != NULL && !only) {
		st = acme_eab_parse(eab, r.j.url, r.thumb, &ej, &code, &detail);
		bound = st == CF_OK;
	}
	if (st != CF_OK) {
		audit(ctx, "acct", r.thumb, "newAccount", 0);
		st = problem(ctx, st, code, detail);
		goto out;
	}
	st = acct_find_or_make(
	    ctx, &r, only, contact, bound ? &ej : NULL, id, &acct, &created);
	if (st != CF_OK) {
		if (st == CF_E_NOT_FOUND)
			st = problem(ctx, CF_E_BAD_REQUEST,
			    "accountDoesNotExist", "no account has this key");
		audit(ctx, "acct", r.thumb, "newAccount", 0);
		goto out;
	}
	audit(ctx, "acct", id, "newAccount", 1);
	acme_url(loc, sizeof(loc), r.base, "acct", id);
	st = answer(ctx, created ? 201 : 200, acme_account_view(acct), loc);
out:
	json_object_put(acct);
	acme_jws_free(&ej);
	end(&r);
	return st;
}

/* Apply an update to the account in one write; *out the account after. */
static enum cf_status
acct_update(struct cf_ctx *ctx, struct acme_req *r, struct json_object *contact,
    int deactivate, struct json_object **out)
{
	struct vault *v = ctx->app->vault;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = acmedb_get(v, "acct", r->acct, out)) != CF_OK)
		goto fail;
	if (contact != NULL)
		jb_set(*out, "contact", json_object_get(contact));
	if (deactivate)
		jb_set_str(*out, "status", "deactivated");
	if ((st = acmedb_put(v, "acct", r->acct, *out)) != CF_OK)
		goto fail;
	return vault_commit(v);
fail:
	vault_abort(v);
	return st;
}

enum cf_status
acme_account(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct json_object *acct = NULL, *contact = NULL;
	const char *code, *detail;
	int deactivate = 0;
	enum cf_status st;

	if ((st = begin(ctx, &r, KEY_KID)) != CF_OK)
		goto out;
	if (strcmp(ctx->arg[0], r.acct) != 0) {
		audit(ctx, "acct", r.acct, "account", 0);
		st = problem(ctx, CF_E_FORBIDDEN, "unauthorized",
		    "an account reads and updates only itself");
		goto out;
	}
	/* An empty payload reads; anything else updates (RFC 8555 7.3.2,
	 * 7.3.6). */
	if (r.j.payload == NULL) {
		if ((st = vault_read_begin(ctx->app->vault)) != CF_OK)
			goto out;
		st = acmedb_get(ctx->app->vault, "acct", r.acct, &acct);
		vault_read_end(ctx->app->vault);
		if (st != CF_OK)
			goto out;
		audit(ctx, "acct", r.acct, "account", 1);
		st = answer(ctx, 200, acme_account_view(acct), NULL);
		goto out;
	}
	st = acme_account_update_parse(
	    r.j.payload, &contact, &deactivate, &code, &detail);
	if (st != CF_OK) {
		audit(ctx, "acct", r.acct, "update", 0);
		st = problem(ctx, st, code, detail);
		goto out;
	}
	st = acct_update(ctx, &r, contact, deactivate, &acct);
	audit(ctx, "acct", r.acct, deactivate ? "deactivate" : "update",
	    st == CF_OK);
	if (st == CF_OK)
		st = answer(ctx, 200, acme_account_view(acct), NULL);
out:
	json_object_put(acct);
	end(&r);
	return st;
}

/*
 * keyChange's inner JWS: signed by the new key (into *nk, its thumbprint
 * in nthumb), for the same URL, naming this account and its current key.
 */
static enum cf_status
key_change_check(struct cf_ctx *ctx, struct acme_req *r, struct acme_jws *in,
    struct jws_key *nk, char nthumb[JWS_THUMB_LEN + 1])
{
	struct json_object *old;
	struct jws_key ok;
	char othumb[JWS_THUMB_LEN + 1];
	const char *code, *detail, *account;
	enum cf_status st;
	int rc;

	st = acme_jws_inner(r->j.payload, in, &code, &detail);
	if (st != CF_OK)
		return problem(ctx, st, code, detail);
	if (strcmp(in->url, r->j.url) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "the inner JWS must name the outer one's url");
	if (jws_key_parse(in->jwk, nk) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "badPublicKey",
		    "the jwk must be EC P-256 or RSA of 2048+ bits");
	if (jws_thumbprint(nk, nthumb) != 0)
		return CF_E_INTERNAL;
	rc = jws_verify(
	    nk, in->alg, in->input, in->inputlen, in->sig, in->siglen);
	if (rc < 0)
		return CF_E_INTERNAL;
	if (rc != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "the inner JWS signature does not verify");
	st = acme_keychange_parse(in->payload, &account, &old, &code, &detail);
	if (st != CF_OK)
		return problem(ctx, st, code, detail);
	if (strcmp(account, r->j.kid) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "the inner payload names another account");
	if (jws_key_parse(old, &ok) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "oldKey is not the account's key");
	rc = jws_thumbprint(&ok, othumb);
	jws_key_free(&ok);
	if (rc != 0 || strcmp(othumb, r->thumb) != 0)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "oldKey is not the account's key");
	return CF_OK;
}

/* Re-key the account in one write, unless an account has the key. */
static enum cf_status
key_change_write(struct cf_ctx *ctx, struct acme_req *r,
    const struct jws_key *nk, const char *nthumb, struct json_object **out)
{
	struct vault *v = ctx->app->vault;
	struct json_object *other = NULL, *idx;
	char id[ACME_ACCT_ID_MAX + 1], loc[URL_MAX];
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	st = acmedb_acct_by_key(v, nthumb, id, &other);
	json_object_put(other);
	if (st == CF_OK) {
		acme_url(loc, sizeof(loc), r->base, "acct", id);
		http_resp_header(ctx->resp, "Location", loc);
		st = problem(ctx, CF_E_CONFLICT, "malformed",
		    "an account already has the new key");
		goto fail;
	}
	if (st != CF_E_NOT_FOUND ||
	    (st = acmedb_get(v, "acct", r->acct, out)) != CF_OK)
		goto fail;
	jb_set(*out, "jwk", jws_key_json(nk));
	jb_set_str(*out, "thumb", nthumb);
	idx = jb_object();
	jb_set_str(idx, "acct", r->acct);
	st = acmedb_put(v, "key", nthumb, idx);
	json_object_put(idx);
	if (st != CF_OK || (st = acmedb_put(v, "acct", r->acct, *out)) != CF_OK)
		goto fail;
	return vault_commit(v);
fail:
	vault_abort(v);
	return st;
}

enum cf_status
acme_key_change(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct acme_jws in;
	struct jws_key nk;
	struct json_object *acct = NULL;
	char nthumb[JWS_THUMB_LEN + 1];
	enum cf_status st;

	memset(&in, 0, sizeof(in));
	memset(&nk, 0, sizeof(nk));
	if ((st = begin(ctx, &r, KEY_KID)) != CF_OK)
		goto out;
	if ((st = key_change_check(ctx, &r, &in, &nk, nthumb)) != CF_OK) {
		audit(ctx, "acct", r.acct, "keyChange", 0);
		goto out;
	}
	st = key_change_write(ctx, &r, &nk, nthumb, &acct);
	audit(ctx, "acct", r.acct, "keyChange", st == CF_OK);
	if (st == CF_OK)
		st = answer(ctx, 200, acme_account_view(acct), NULL);
out:
	json_object_put(acct);
	acme_jws_free(&in);
	jws_key_free(&nk);
	end(&r);
	return st;
}

/* The order and its authorizations, one per name, in one write. */
static enum cf_status
order_write(struct cf_ctx *ctx, struct acme_req *r, char *const *names,
    size_t n, const char *oid, struct json_object **out)
{
	struct vault *v = ctx->app->vault;
	struct json_object *order = jb_object(), *ids = jb_array(), *az;
	struct json_object *authz = jb_array();
	char aid[ACME_ID_LEN + 1], tok[ACME_ID_LEN + 1], atok[ACME_ID_LEN + 1];
	int64_t exp = (int64_t)time(NULL) + ACME_ORDER_SECONDS;
	size_t i;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (acmedb_new_id(aid) != 0 || acmedb_new_id(tok) != 0 ||
		    acmedb_new_id(atok) != 0) {
			st = CF_E_INTERNAL;
			break;
		}
		az = jb_object();
		jb_set_str(az, "acct", r->acct);
		jb_set_str(az, "order", oid);
		jb_set_str(az, "name", names[i]);
		jb_set_str(az, "status", "pending");
		jb_set_str(az, "token", tok);
		jb_set_str(az, "atoken", atok);
		jb_set_int(az, "expires", exp);
		st = acmedb_put(v, "authz", aid, az);
		json_object_put(az);
		if (st != CF_OK)
			break;
		jb_push(ids, jb_str(names[i]));
		jb_push(authz, jb_str(aid));
	}
	jb_set_str(order, "id", oid);
	jb_set_str(order, "acct", r->acct);
	jb_set_str(order, "status", "pending");
	jb_set_int(order, "expires", exp);
	jb_set(order, "names", ids);
	jb_set(order, "authz", authz);
	if (st == CF_OK)
		st = acmedb_put(v, "order", oid, order);
	if (st != CF_OK) {
		vault_abort(v);
		goto out;
	}
	if ((st = vault_commit(v)) == CF_OK) {
		*out = order;
		order = NULL;
	}
out:
	json_object_put(order);
	return st;
}

/*
 * Whose grants an order's names need, into subject: the subject of the
 * EAB key that bound the account, which must not be revoked since; ""
 * for an account made without one, which only the suffixes govern, and
 * which acme_eab_required stops ordering.
 */
static enum cf_status
order_subject(struct cf_ctx *ctx, struct acme_req *r,
    char subject[ACME_EAB_SUBJECT_MAX + 1])
{
	struct acmedb_eab e;
	enum cf_status st;

	subject[0] = '\0';
	if (r->eab[0] == '\0')
		return ctx->app->cfg.acme_eab_required
		           ? problem(ctx, CF_E_UNAUTHORIZED,
		                 "externalAccountRequired",
		                 "the account has no external account binding")
		           : CF_OK;
	if ((st = vault_read_begin(ctx->app->vault)) != CF_OK)
		return st;
	st = acmedb_eab_get(ctx->app->vault, r->eab, &e);
	vault_read_end(ctx->app->vault);
	if (st == CF_OK && !e.valid)
		st = CF_E_NOT_FOUND;
	if (st == CF_OK)
		memcpy(subject, e.subject, sizeof(e.subject));
	crypto_wipe(&e, sizeof(e));
	if (st == CF_E_NOT_FOUND)
		return problem(ctx, CF_E_UNAUTHORIZED, "unauthorized",
		    "the account's EAB key is revoked");
	return st;
}

/* May an order name name: under acme_dns_suffixes and, for an account
 * with a binding, granted create on its dcos:acme:dns: resource to the
 * binding's subject?  Audited either way. */
static enum cf_status
name_allowed(struct cf_ctx *ctx, const char *subject, const char *name)
{
	char rid[ACME_NAME_RID_MAX];
	struct vault *v = ctx->app->vault;
	enum cf_status st = CF_OK;
	int ok = acme_name_allowed(ctx->app->cfg.acme_dns_suffixes, name);

	if (!ok) {
		audit(ctx, "dns", name, "newOrder", 0);
		return problem(ctx, CF_E_BAD_REQUEST, "rejectedIdentifier",
		    "a name is outside acme_dns_suffixes");
	}
	if (subject[0] != '\0') {
		acme_name_rid(rid, sizeof(rid), name);
		st = subject[0] == 'g'
		         ? iam_group_allowed(
		               v, subject + 2, rid, ACL_CREATE, &ok)
		         : iam_allowed(v, subject + 2, rid, ACL_CREATE, &ok);
		if (st != CF_OK)
			return st;
	}
	audit(ctx, "dns", name, "newOrder", ok);
	if (!ok)
		return problem(ctx, CF_E_BAD_REQUEST, "rejectedIdentifier",
		    "a name is not granted to the account's EAB subject");
	return CF_OK;
}

enum cf_status
acme_new_order(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct json_object *order = NULL;
	const char *code, *detail;
	char **names = NULL, oid[ACME_ID_LEN + 1], loc[URL_MAX];
	char subject[ACME_EAB_SUBJECT_MAX + 1];
	size_t n = 0, i;
	enum cf_status st;

	if ((st = begin(ctx, &r, KEY_KID)) != CF_OK)
		goto out;
	st = acme_order_parse(r.j.payload, &names, &n, &code, &detail);
	if (st != CF_OK) {
		audit(ctx, "acct", r.acct, "newOrder", 0);
		st = problem(ctx, st, code, detail);
		goto out;
	}
	if ((st = order_subject(ctx, &r, subject)) != CF_OK) {
		audit(ctx, "acct", r.acct, "newOrder", 0);
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((st = name_allowed(ctx, subject, names[i])) != CF_OK)
			goto out;
	if (acmedb_new_id(oid) != 0) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if ((st = order_write(ctx, &r, names, n, oid, &order)) != CF_OK)
		goto out;
	acme_url(loc, sizeof(loc), r.base, "order", oid);
	st = answer(ctx, 201, acme_order_view(r.base, order), loc);
out:
	acme_names_free(names, n);
	json_object_put(order);
	end(&r);
	return st;
}

/* POST-as-GET: an empty payload. */
static enum cf_status
as_get(struct cf_ctx *ctx, struct acme_req *r)
{
	if (r->j.payload != NULL)
		return problem(ctx, CF_E_BAD_REQUEST, "malformed",
		    "this is a POST-as-GET: the payload must be empty");
	return CF_OK;
}

enum cf_status
acme_order(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct json_object *order = NULL;
	enum cf_status st;

	if ((st = begin(ctx, &r, KEY_KID)) != CF_OK ||
	    (st = as_get(ctx, &r)) != CF_OK ||
	    (st = read_owned(ctx, &r, "order", ctx->arg[0], "order", &order)) !=
	        CF_OK)
		goto out;
	st = answer(ctx, 200, acme_order_view(r.base, order), NULL);
out:
	json_object_put(order);
	end(&r);
	return st;
}

enum cf_status
acme_authz(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct json_object *az = NULL;
	enum cf_status st;

	if ((st = begin(ctx, &r, KEY_KID)) != CF_OK ||
	    (st = as_get(ctx, &r)) != CF_OK ||
	    (st = read_owned(ctx, &r, "authz", ctx->arg[0], "authz", &az)) !=
	        CF_OK)
		goto out;
	st = answer(ctx, 200, acme_authz_view(r.base, ctx->arg[0], az), NULL);
out:
	json_object_put(az);
	end(&r);
	return st;
}

/* Fetch the token from the name; NULL when it answered the key
 * authorization, else the ACME error name (detail in *why). */
static const char *
validate_http(struct cf_ctx *ctx, struct acme_req *r, const char *name,
    const char *token, const char **why)
{
	char path[128], *body = NULL;
	size_t len = 0;
	int status = 0;
	const char *err = NULL;

	snprintf(path, sizeof(path), "/.well-known/acme-challenge/%s", token);
	if (fetch_get(name, ctx->app->cfg.acme_http_port, path, ACME_FETCH_MS,
	        &status, &body, &len) != 0) {
		*why = "the name did not answer the validation in time";
		return "connection";
	}
	if (status != 200 || !acme_keyauth_ok(body, len, token, r->thumb)) {
		*why = "the name did not answer the key authorization";
		err = "incorrectResponse";
	}
	free(body);
	return err;
}

/* The same over TLS with ALPN acme-tls/1 (RFC 8737). */
static const char *
validate_alpn(struct cf_ctx *ctx, struct acme_req *r, const char *name,
    const char *token, const char **why)
{
	char keyauth[ACME_ID_LEN + JWS_THUMB_LEN + 8];
	uint8_t *der = NULL;
	size_t len = 0;
	const char *err = NULL;

	snprintf(keyauth, sizeof(keyauth), "%s.%s", token, r->thumb);
	if (tlsalpn_fetch(name, ctx->app->cfg.acme_tls_port, ACME_FETCH_MS,
	        &der, &len) != 0) {
		*why = "the name did not complete a TLS handshake with "
		       "acme-tls/1 in time";
		return "connection";
	}
	if (!tlsalpn_cert_ok(der, len, name, keyauth)) {
		*why = "the name's acme-tls/1 certificate does not hold the "
		       "key authorization";
		err = "incorrectResponse";
	}
	free(der);
	return err;
}

/* Write the authz's outcome, and the order's: ready once every authz is
 * valid, invalid once one is not. */
static enum cf_status
settle(struct cf_ctx *ctx, struct acme_req *r, const char *aid,
    const char *type, const char *err, const char *why,
    struct json_object **out)
{
	struct vault *v = ctx->app->vault;
	struct json_object *az = NULL, *order = NULL, *list, *other;
	const char *oid, *s;
	size_t i, n, valid = 0;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = get_owned(ctx, r, "authz", aid, "validate", &az)) != CF_OK)
		goto fail;
	if (cf_json_string(az, "status", &s, &n) == CF_OK &&
	    !strcmp(s, "pending")) {
		jb_set_str(az, "status", err == NULL ? "valid" : "invalid");
		jb_set_str(az, "tried", type);
		if (err == NULL)
			jb_set_int(az, "validated", (int64_t)time(NULL));
		else {
			jb_set_str(az, "error", err);
			jb_set_str(az, "error_detail", why);
		}
		if ((st = acmedb_put(v, "authz", aid, az)) != CF_OK)
			goto fail;
	}
	st = CF_E_INTERNAL;
	if (cf_json_string(az, "order", &oid, &n) != CF_OK ||
	    acmedb_get(v, "order", oid, &order) != CF_OK ||
	    cf_json_array(order, "authz", &list) != CF_OK)
		goto fail;
	for (i = 0; i < json_object_array_length(list); i++) {
		s = json_object_get_string(json_object_array_get_idx(list, i));
		if (!strcmp(s, aid)) {
			valid += err == NULL;
			continue;
		}
		if (acmedb_get(v, "authz", s, &other) != CF_OK)
			goto fail;
		if (cf_json_string(other, "status", &s, &n) == CF_OK &&
		    !strcmp(s, "valid"))
			valid++;
		json_object_put(other);
	}
	if (cf_json_string(order, "status", &s, &n) == CF_OK &&
	    !strcmp(s, "pending")) {
		if (err != NULL)
			jb_set_str(order, "status", "invalid");
		else if (valid == json_object_array_length(list))
			jb_set_str(order, "status", "ready");
		if ((st = acmedb_put(v, "order", oid, order)) != CF_OK)
			goto fail;
	}
	json_object_put(order);
	*out = az;
	return vault_commit(v);
fail:
	json_object_put(order);
	json_object_put(az);
	vault_abort(v);
	return st;
}

/* A challenge of the authorization ctx->arg[0]: an empty payload only
 * asks; {} asks for the validation, once per authorization. */
static enum cf_status
challenge(struct cf_ctx *ctx, enum acme_chall type)
{
	struct acme_req r;
	struct json_object *az = NULL, *done = NULL;
	const char *name, *token, *status, *err = NULL, *why = NULL;
	const char *tname = type == ACME_TLSALPN01 ? "tls-alpn-01" : "http-01";
	char up[URL_MAX + 16];
	size_t n;
	enum cf_status st;

	if ((st = begin(ctx, &r, KEY_KID)) != CF_OK ||
	    (st = read_owned(
	         ctx, &r, "authz", ctx->arg[0], "challenge", &az)) != CF_OK)
		goto out;
	acme_url(up, sizeof(up), r.base, "authz", ctx->arg[0]);
	strncat(up, ">;rel=\"up\"", sizeof(up) - strlen(up) - 1);
	memmove(up + 1, up, strlen(up) + 1);
	up[0] = '<';
	http_resp_header(ctx->resp, "Link", up);
	if (cf_json_string(az, type == ACME_TLSALPN01 ? "atoken" : "token",
	        &token, &n) != CF_OK) {
		st = problem(ctx, CF_E_NOT_FOUND, "malformed",
		    "the authorization offers no such challenge");
		goto out;
	}
	st = CF_E_INTERNAL;
	if (cf_json_string(az, "name", &name, &n) != CF_OK ||
	    cf_json_string(az, "status", &status, &n) != CF_OK)
		goto out;
	if (r.j.payload == NULL || strcmp(status, "pending") != 0) {
		st = answer(ctx, 200,
		    acme_challenge_view(r.base, ctx->arg[0], az, type), NULL);
		goto out;
	}
	if (type == ACME_TLSALPN01)
		err = validate_alpn(ctx, &r, name, token, &why);
	else
		err = validate_http(ctx, &r, name, token, &why);
	audit(ctx, "dns", name, "validate", err == NULL);
	st = settle(ctx, &r, ctx->arg[0], tname, err, why, &done);
	if (st != CF_OK)
		goto out;
	st = answer(ctx, 200,
	    acme_challenge_view(r.base, ctx->arg[0], done, type), NULL);
out:
	json_object_put(az);
	json_object_put(done);
	end(&r);
	return st;
}

enum cf_status
acme_challenge(struct cf_ctx *ctx)
{
	return challenge(ctx, ACME_HTTP01);
}

enum cf_status
acme_challenge_alpn(struct cf_ctx *ctx)
{
	return challenge(ctx, ACME_TLSALPN01);
}

/* The order's names, borrowed from it, into names[] (ACME_MAX_NAMES). */
static size_t
order_names(struct json_object *order, char **names)
{
	struct json_object *l;
	size_t i, n;

	if (cf_json_array(order, "names", &l) != CF_OK)
		return 0;
	n = json_object_array_length(l);
	if (n > ACME_MAX_NAMES)
		return 0;
	for (i = 0; i < n; i++)
		names[i] = (char *)(uintptr_t)json_object_get_string(
		    json_object_array_get_idx(l, i));
	return n;
}

/* The order valid with its certificate, and the certificate's owner. */
static enum cf_status
order_done(struct cf_ctx *ctx, struct acme_req *r, const char *oid,
    const char *serial, const char *pem, struct json_object **out)
{
	struct vault *v = ctx->app->vault;
	struct json_object *order = NULL, *cert;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = acmedb_get(v, "order", oid, &order)) != CF_OK)
		goto fail;
	jb_set_str(order, "status", "valid");
	jb_set_str(order, "cert", serial);
	cert = jb_object();
	jb_set_str(cert, "acct", r->acct);
	jb_set_str(cert, "order", oid);
	jb_set_str(cert, "pem", pem);
	st = acmedb_put(v, "cert", serial, cert);
	json_object_put(cert);
	if (st != CF_OK || (st = acmedb_put(v, "order", oid, order)) != CF_OK)
		goto fail;
	*out = order;
	return vault_commit(v);
fail:
	json_object_put(order);
	vault_abort(v);
	return st;
}

/* Move the order from `from` to `to` in one write, so that of two
 * finalizes of one order exactly one issues; *out the order as it was. */
static enum cf_status
order_step(struct cf_ctx *ctx, struct acme_req *r, const char *from,
    const char *to, struct json_object **out)
{
	struct vault *v = ctx->app->vault;
	struct json_object *order = NULL;
	const char *s;
	size_t n;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = get_owned(
	         ctx, r, "order", ctx->arg[0], "finalize", &order)) != CF_OK)
		goto fail;
	if (cf_json_string(order, "status", &s, &n) != CF_OK ||
	    strcmp(s, from) != 0) {
		st = problem(ctx, CF_E_FORBIDDEN, "orderNotReady",
		    "the order is not ready: its authorizations are not valid, "
		    "or it was finalized");
		goto fail;
	}
	jb_set_str(order, "status", to);
	if ((st = acmedb_put(v, "order", ctx->arg[0], order)) != CF_OK ||
	    (st = vault_commit(v)) != CF_OK) {
		json_object_put(order);
		return st;
	}
	*out = order;
	return CF_OK;
fail:
	json_object_put(order);
	vault_abort(v);
	return st;
}

enum cf_status
acme_finalize(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct json_object *order = NULL, *done = NULL, *back = NULL;
	const char *code, *detail = NULL;
	char *names[ACME_MAX_NAMES], *pem = NULL, serial[ACME_SERIAL_HEX + 1];
	uint8_t *csr = NULL;
	size_t csrlen = 0, n;
	int claimed = 0;
	enum cf_status st;

	if ((st = begin(ctx, &r, KEY_KID)) != CF_OK)
		goto out;
	st = acme_finalize_parse(r.j.payload, &csr, &csrlen, &code, &detail);
	if (st != CF_OK) {
		st = problem(ctx, st, code, detail);
		goto out;
	}
	if ((st = order_step(ctx, &r, "ready", "processing", &order)) != CF_OK)
		goto out;
	claimed = 1;
	if ((n = order_names(order, names)) == 0) {
		st = CF_E_INTERNAL;
		goto out;
	}
	st = acmedb_issue(
	    ctx->app->vault, csr, csrlen, names, n, &pem, serial, &detail);
	if (st == CF_E_BAD_REQUEST)
		st = problem(ctx, st, "badCSR", detail);
	if (st != CF_OK || (st = order_done(ctx, &r, ctx->arg[0], serial, pem,
	                        &done)) != CF_OK)
		goto out;
	claimed = 0;
	audit(ctx, "cert", serial, "issue", 1);
	st = answer(ctx, 200, acme_order_view(r.base, done), NULL);
out:
	/* Nothing was issued: the order is ready again, for a better CSR
	 * (its problem, set above, stays the answer). */
	if (claimed) {
		code = ctx->code;
		detail = ctx->detail;
		if (order_step(ctx, &r, "processing", "ready", &back) == CF_OK)
			json_object_put(back);
		ctx->code = code;
		ctx->detail = detail;
	}
	free(csr);
	free(pem);
	json_object_put(order);
	json_object_put(done);
	end(&r);
	return st;
}

enum cf_status
acme_cert(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct json_object *cert = NULL;
	struct cf_buf chain = {NULL, 0, 0};
	const char *pem;
	char *ca = NULL;
	size_t len, calen;
	enum cf_status st;

	if ((st = begin(ctx, &r, KEY_KID)) != CF_OK ||
	    (st = as_get(ctx, &r)) != CF_OK ||
	    (st = read_owned(
	         ctx, &r, "cert", ctx->arg[0], "certificate", &cert)) != CF_OK)
		goto out;
	if (cf_json_string(cert, "pem", &pem, &len) != CF_OK ||
	    (st = pki_ca_pem(ctx->app->vault, &ca, &calen)) != CF_OK) {
		st = st != CF_OK ? st : CF_E_INTERNAL;
		goto out;
	}
	/* RFC 8555 9.1: the end-entity certificate, then the chain. */
	buf_add(&chain, pem, len);
	if (len > 0 && pem[len - 1] != '\n')
		buf_add(&chain, "\n", 1);
	buf_add(&chain, ca, calen);
	http_resp_body(ctx->resp, "application/pem-certificate-chain",
	    chain.data, chain.len);
	http_resp_status(ctx->resp, 200);
out:
	buf_free(&chain);
	free(ca);
	json_object_put(cert);
	end(&r);
	return st;
}

/* RFC 8555 7.6: a revokeCert signed with the certificate's own key (a
 * jwk) proves control of it, whichever account ordered it. */
static enum cf_status
revoke_by_key(struct cf_ctx *ctx, struct acme_req *r, const uint8_t *der,
    size_t len, const char *serial, struct json_object **cert)
{
	char ct[JWS_THUMB_LEN + 1];
	enum cf_status st;

	st = acmedb_cert_key_thumb(der, len, ct);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		return st;
	if (st == CF_E_NOT_FOUND || strcmp(ct, r->thumb) != 0) {
		audit(ctx, "cert", serial, "revoke", 0);
		return problem(ctx, CF_E_FORBIDDEN, "unauthorized",
		    "the jwk is not the certificate's key");
	}
	if ((st = vault_read_begin(ctx->app->vault)) != CF_OK)
		return st;
	st = acmedb_get(ctx->app->vault, "cert", serial, cert);
	vault_read_end(ctx->app->vault);
	if (st == CF_E_NOT_FOUND) {
		audit(ctx, "cert", serial, "revoke", 0);
		return problem(ctx, st, "malformed",
		    "not a certificate this CA issued through ACME");
	}
	return st;
}

enum cf_status
acme_revoke_cert(struct cf_ctx *ctx)
{
	struct acme_req r;
	struct json_object *cert = NULL;
	const char *code, *detail = NULL;
	char serial[ACME_SERIAL_HEX + 1];
	uint8_t *der = NULL;
	size_t len = 0;
	int reason, unchanged = 0;
	enum cf_status st;

	/* Signed by the account that ordered it (a kid), or by the
	 * certificate's key (a jwk). */
	if ((st = begin(ctx, &r, KEY_ANY)) != CF_OK)
		goto out;
	st =
	    acme_revoke_parse(r.j.payload, &der, &len, &reason, &code, &detail);
	if (st != CF_OK) {
		st = problem(ctx, st, code, detail);
		goto out;
	}
	st = acmedb_cert_serial(ctx->app->vault, der, len, serial);
	if (st == CF_E_NOT_FOUND || st == CF_E_BAD_REQUEST) {
		st = problem(ctx, CF_E_NOT_FOUND, "malformed",
		    "not a certificate this CA issued through ACME");
		goto out;
	}
	if (st != CF_OK)
		goto out;
	if (r.j.jwk != NULL)
		st = revoke_by_key(ctx, &r, der, len, serial, &cert);
	else
		st = read_owned(ctx, &r, "cert", serial, "revoke", &cert);
	if (st != CF_OK)
		goto out;
	st = acmedb_revoke(
	    ctx->app->vault, der, len, reason, &unchanged, &detail);
	audit(ctx, "cert", serial, "revoke", st == CF_OK && !unchanged);
	if (st == CF_E_BAD_REQUEST)
		st = problem(ctx, st, "malformed", detail);
	else if (st == CF_OK && unchanged)
		st = problem(ctx, CF_E_BAD_REQUEST, "alreadyRevoked",
		    "the certificate is revoked already");
	else if (st == CF_OK)
		http_resp_status(ctx->resp, 200);
out:
	free(der);
	json_object_put(cert);
	end(&r);
	return st;
}
