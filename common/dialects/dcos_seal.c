/* dcos_seal.c: see dcos_seal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/reply.h"
#include "ca/pki.h"
#include "crypto/crypto.h"
#include "dialects/dcos_seal.h"
#include "dialects/dcos_secrets.h"
#include "identity/acl.h"
#include "identity/iam.h"
#include "vault/unsealgate.h"
#include "vault/vault.h"

#define UNSEAL_RETRY_DIGITS 16 /* a Retry-After in seconds, and its NUL */

static const char *const ctypes_json[] = {"application/json", NULL};

static const char bad_ca_key[] = "ca_key must be one of ecdsa-256, "
                                 "ecdsa-384, ecdsa-521, rsa-2048, "
                                 "rsa-3072, rsa-4096, ed25519";

/* ---- the pure half: bodies and answers ---- */

/* The members past the required two; o is an object the caller owns. */
static enum cf_status
init_options(
    struct json_object *o, struct dcos_init_req *r, const char **detail)
{
	struct json_object *pgp;
	const char *algo;
	size_t algolen;
	enum cf_status st;

	st = cf_json_array(o, "pgp_keys", &pgp);
	if (st == CF_E_BAD_JSON ||
	    (st == CF_OK && json_object_array_length(pgp) != 0)) {
		*detail = "pgp_keys are not supported";
		return CF_E_BAD_REQUEST;
	}
	/* Coffer's own member: the CA's key algorithm, else the config's. */
	st = cf_json_string(o, "ca_key", &algo, &algolen);
	if (st == CF_E_BAD_JSON ||
	    (st == CF_OK && algolen >= sizeof(r->ca_key))) {
		*detail = bad_ca_key;
		return CF_E_BAD_REQUEST;
	}
	if (st == CF_OK) {
		memcpy(r->ca_key, algo, algolen);
		r->ca_key[algolen] = '\0';
		r->has_ca_key = 1;
	}
	return CF_OK;
}

enum cf_status
dcos_init_parse(const uint8_t *body, size_t len, struct dcos_init_req *r,
    const char **detail)
{
	static const char *const fields[] = {
	    "shares", "threshold", "pgp_keys", "ca_key", NULL};
	struct json_object *o = NULL;
	int64_t n, t;
	enum cf_status st;

	memset(r, 0, sizeof(*r));
	if ((st = cf_json_parse(body, len, &o)) != CF_OK)
		return st;
	if (cf_json_only(o, fields) != CF_OK ||
	    cf_json_int(o, "shares", 1, CF_MAX_SHARES, &n) != CF_OK ||
	    cf_json_int(o, "threshold", 1, CF_MAX_SHARES, &t) != CF_OK) {
		*detail = "shares and threshold (1-255) are required";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if ((st = init_options(o, r, detail)) != CF_OK)
		goto out;
	if (!dcos_init_counts_valid((unsigned)n, (unsigned)t)) {
		*detail = "threshold must be at most shares, and at least 2 "
		          "when shares > 1";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	r->shares = (unsigned)n;
	r->threshold = (unsigned)t;
out:
	json_object_put(o);
	return st;
}

enum cf_status
dcos_unseal_parse(const uint8_t *body, size_t len, char **key, size_t *keylen,
    const char **detail)
{
	static const char *const fields[] = {"key", NULL};
	struct json_object *o = NULL;
	const char *k;
	enum cf_status st;

	*key = NULL;
	*keylen = 0;
	if ((st = cf_json_parse(body, len, &o)) != CF_OK)
		return st;
	if (cf_json_only(o, fields) != CF_OK ||
	    cf_json_string(o, "key", &k, keylen) != CF_OK) {
		*detail = "a key share is required";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if ((*key = malloc(*keylen + 1)) == NULL) {
		st = CF_E_INTERNAL;
		goto out;
	}
	memcpy(*key, k, *keylen);
	(*key)[*keylen] = '\0';
out:
	json_object_put(o);
	return st;
}

struct json_object *
dcos_init_json(const struct vault_init_result *r, const char *root_token)
{
	struct json_object *o = jb_object(), *keys;
	unsigned i;

	keys = jb_array();
	for (i = 0; i < r->nshares; i++)
		jb_push(keys, jb_str(r->shares_hex[i]));
	jb_set_bool(o, "initialized", 1);
	jb_set(o, "keys", keys);
	jb_set_str(o, "root_token", root_token);
	return o;
}

struct json_object *
dcos_seal_status_json(const struct vault_status *vs)
{
	struct json_object *o = jb_object();

	jb_set_bool(o, "sealed", vs->sealed);
	jb_set_int(o, "shares", (int)vs->shares);
	jb_set_int(o, "threshold", (int)vs->threshold);
	jb_set_int(o, "progress", (int)vs->progress);
	return o;
}

/* ---- the handlers ---- */

static void
reply_status(struct cf_ctx *ctx, const struct vault_status *vs)
{
	struct json_object *o = dcos_seal_status_json(vs);

	/* A damaged store is not merely sealed, and a journal that cannot
	 * be folded is worth an alert.  The body is the DC/OS SealStatus,
	 * which admits no other member, so both go in headers of Coffer's
	 * own. */
	http_resp_header(
	    ctx->resp, "Coffer-Store-Health", vs->damaged ? "damaged" : "ok");
	http_resp_header(ctx->resp, "Coffer-Checkpoint",
	    vs->disk_full ? "blocked: disk full" : "ok");
	/* A store several hosts share: which of them are unsealed ("none":
	 * a server may drop a header with no value). */
	if (vs->shared)
		http_resp_header(ctx->resp, "Coffer-Unsealed-Hosts",
		    vs->unsealed_hosts[0] != '\0' ? vs->unsealed_hosts
		                                  : "none");
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
}

/* A small JSON body, which may be missing (then the parser refuses it). */
static enum cf_status
read_small(struct cf_ctx *ctx)
{
	return http_read_body(
	    ctx->req, ctx->fcgi, CF_MAX_BODY_SMALL, ctypes_json, 1);
}

enum cf_status
dcos_ping(struct cf_ctx *ctx)
{
	http_resp_body(ctx->resp, "text/plain", "pong", 4);
	return CF_OK;
}

enum cf_status
dcos_init_get(struct cf_ctx *ctx)
{
	struct vault_status vs;
	struct json_object *o;
	const char *store;
	enum cf_status st;

	if ((st = dcos_store_arg(ctx, &store)) != CF_OK ||
	    (st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		return st;
	o = jb_object();
	jb_set_bool(o, "initialized", vs.initialized);
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}

int
dcos_init_counts_valid(unsigned shares, unsigned threshold)
{
	return threshold <= shares && (shares == 1 || threshold >= 2);
}

enum cf_status
dcos_init_store(struct vault *v, unsigned shares, unsigned threshold,
    const char *ca_key, int64_t token_lifetime, struct vault_init_result *r,
    char **root_token)
{
	struct vault_seed ca[PKI_CA_SEEDS];
	struct vault_status vs;
	enum cf_status st;

	memset(ca, 0, sizeof(ca));
	if ((st = vault_status(v, &vs)) != CF_OK)
		return st;
	if (vs.initialized)
		return CF_E_ALREADY_INIT;
	/* The CA is made with the store (pki.h), in init's commit. */
	if ((st = pki_ca_new(ca_key, ca)) == CF_OK)
		st = iam_init(v, shares, threshold, token_lifetime, ca,
		    PKI_CA_SEEDS, r, root_token);
	pki_ca_seeds_free(ca);
	return st;
}

void
dcos_init_done(struct vault_init_result *r, char **root_token)
{
	vault_init_result_free(r);
	if (*root_token != NULL)
		crypto_wipe(*root_token, strlen(*root_token));
	free(*root_token);
	*root_token = NULL;
}

enum cf_status
dcos_init_put(struct cf_ctx *ctx)
{
	struct dcos_init_req req;
	struct vault_init_result r;
	struct json_object *out;
	const char *store;
	char *root_token = NULL;
	enum cf_status st;

	memset(&r, 0, sizeof(r));
	if ((st = dcos_store_arg(ctx, &store)) != CF_OK ||
	    (st = read_small(ctx)) != CF_OK ||
	    (st = dcos_init_parse(ctx->req->body, ctx->req->bodylen, &req,
	         &ctx->detail)) != CF_OK)
		goto out;
	st = dcos_init_store(ctx->app->vault, req.shares, req.threshold,
	    req.has_ca_key ? req.ca_key : NULL, ctx->app->cfg.token_lifetime,
	    &r, &root_token);
	if (st == CF_E_ALREADY_INIT)
		ctx->detail = "the store is already initialized";
	else if (st == CF_E_BAD_REQUEST)
		ctx->detail = bad_ca_key;
	if (st != CF_OK)
		goto out;
	out = dcos_init_json(&r, root_token);
	reply_json(ctx->resp, 200, out);
	json_object_put(out);
out:
	dcos_init_done(&r, &root_token);
	return st;
}

enum cf_status
dcos_seal_status(struct cf_ctx *ctx)
{
	struct vault_status vs;
	const char *store;
	enum cf_status st;

	if ((st = dcos_store_arg(ctx, &store)) != CF_OK ||
	    (st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		return st;
	if (!vs.initialized)
		return CF_E_NOT_INIT;
	reply_status(ctx, &vs);
	return CF_OK;
}

static const char *
unseal_addr(struct cf_ctx *ctx)
{
	const char *addr = http_param(ctx->req, "REMOTE_ADDR");

	return addr != NULL ? addr : "";
}

/* Too soon after failed attempts: 429 with the seconds left, at once. */
static enum cf_status
unseal_gate(struct cf_ctx *ctx)
{
	char retry[UNSEAL_RETRY_DIGITS];
	unsigned wait;

	wait = unsealgate_wait(
	    ctx->app->cfg.state, unseal_addr(ctx), (int64_t)time(NULL));
	if (wait == 0)
		return CF_OK;
	snprintf(retry, sizeof(retry), "%u", wait);
	http_resp_header(ctx->resp, "Retry-After", retry);
	ctx->detail = "too many failed unseal attempts; retry later";
	return CF_E_TOO_MANY;
}

enum cf_status
dcos_unseal_share(
    struct cf_ctx *ctx, const char *key, size_t len, struct vault_status *vs)
{
	enum cf_status st;

	int was_sealed;

	if ((st = unseal_gate(ctx)) != CF_OK)
		return st;
	was_sealed = vault_ready(ctx->app->vault) == CF_E_SEALED;
	st = vault_unseal(ctx->app->vault, key, len, vs);
	ctx->detail = vs->refused;
	if (st == CF_E_BAD_REQUEST || st == CF_E_CONFLICT) {
		metrics_count(METRICS_UNSEAL_FAILURES);
		unsealgate_fail(
		    ctx->app->cfg.state, unseal_addr(ctx), (int64_t)time(NULL));
	}
	if (st == CF_OK && !vs->sealed && was_sealed)
		metrics_count(METRICS_UNSEALS);
	if (st == CF_OK && !vs->sealed)
		unsealgate_clear(ctx->app->cfg.state);
	return st;
}

enum cf_status
dcos_unseal(struct cf_ctx *ctx)
{
	struct vault_status vs = {0};
	const char *store;
	char *key = NULL;
	size_t len = 0;
	enum cf_status st;

	if ((st = dcos_store_arg(ctx, &store)) != CF_OK ||
	    (st = read_small(ctx)) != CF_OK ||
	    (st = dcos_unseal_parse(ctx->req->body, ctx->req->bodylen, &key,
	         &len, &ctx->detail)) != CF_OK ||
	    (st = dcos_unseal_share(ctx, key, len, &vs)) != CF_OK)
		goto out;
	reply_status(ctx, &vs);
out:
	if (key != NULL)
		crypto_wipe(key, len);
	free(key);
	return st;
}

/* The store could not decide who the caller is or what they may do: a
 * record failed to open, or this worker cannot derive the keys. */
static int
seal_undecided(enum cf_status st)
{
	return st == CF_E_INTERNAL || st == CF_E_CRYPTO || st == CF_E_SEALED;
}

/*
 * Seal is the emergency brake, so it must work whatever state the store
 * is in; the route is public and sealed-ok so that it authenticates here.
 * A superuser seals as always.  When the store cannot decide, a token its
 * key verifies is enough: sealing is the closed state, and a damaged
 * store is when the brake is wanted.  Any other caller is refused.
 */
static enum cf_status
seal_allowed(struct cf_ctx *ctx)
{
	enum cf_status st;

	if ((st = acl_authenticate(ctx)) == CF_OK)
		st = acl_check(ctx, "dcos:superuser", ACL_FULL);
	if (!seal_undecided(st) || !acl_token_verified(ctx))
		return st;
	lwarnx("seal by %s, whose rights the store cannot check (%s)",
	    ctx->subject.uid, errors_name(st));
	snprintf(ctx->rid, sizeof(ctx->rid), "dcos:superuser");
	ctx->action = acl_action_name(ACL_FULL);
	ctx->allowed = 1;
	return CF_OK;
}

enum cf_status
dcos_seal_store(struct cf_ctx *ctx)
{
	enum cf_status st;

	int was_sealed;

	if ((st = seal_allowed(ctx)) != CF_OK)
		return st;
	was_sealed = vault_ready(ctx->app->vault) == CF_E_SEALED;
	if ((st = vault_seal(ctx->app->vault)) == CF_OK && !was_sealed)
		metrics_count(METRICS_SEALS);
	return st;
}

enum cf_status
dcos_seal(struct cf_ctx *ctx)
{
	struct vault_status vs;
	const char *store;
	enum cf_status st;

	if ((st = dcos_store_arg(ctx, &store)) != CF_OK ||
	    (st = dcos_seal_store(ctx)) != CF_OK ||
	    (st = vault_status(ctx->app->vault, &vs)) != CF_OK)
		return st;
	reply_status(ctx, &vs);
	return CF_OK;
}
