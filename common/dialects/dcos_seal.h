/*
 * dcos_seal.h: DC/OS Secrets' own endpoints for the store's life
 * (docs/apis.md#dcos), all public and answering while sealed:
 *   GET  /secrets/v1/ping                 "pong"
 *   GET  /secrets/v1/init/{store}         {"initialized"}
 *   PUT  /secrets/v1/init/{store}         {"shares","threshold"} (and
 *        Coffer's own "ca_key"): the keys, the first superuser's token and
 *        the CA, once
 *   GET  /secrets/v1/seal-status/{store}  the SealStatus
 *   PUT  /secrets/v1/unseal/{store}       {"key"}: one share
 *   PUT  /secrets/v1/seal/{store}         the emergency brake
 * {store} is DCOS_STORE (dcos_secrets.h).  unseal and seal-status answer
 * the SealStatus {"sealed","shares","threshold","progress"}; the store's
 * health and its checkpoint go in headers of Coffer's own
 * (Coffer-Store-Health, Coffer-Checkpoint, and for a store several hosts
 * share, Coffer-Unsealed-Hosts).  Failed unseal attempts are
 * throttled per client address (unsealgate.h): 429 with Retry-After.
 *
 * The parsers and renderers below take bytes and structs alone (no
 * request), for tests/unit/test_dcos_secrets and the fuzz target: the
 * unseal body is read before anyone is authenticated.
 */
#ifndef COFFER_DCOS_SEAL_H
#define COFFER_DCOS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "identity/context.h"

struct json_object;
struct vault;
struct vault_status;
struct vault_init_result;

#define DCOS_CA_KEY_MAX 16 /* bytes of an init's ca_key, with its NUL */

/* An init body. */
struct dcos_init_req {
	unsigned shares;    /* 1 to CF_MAX_SHARES */
	unsigned threshold; /* at most shares; at least 2 when shares > 1 */
	int has_ca_key;     /* 0: the config's ca_key */
	char ca_key[DCOS_CA_KEY_MAX];
};

/* CF_OK; the JSON reader's status for a body that is not one JSON object;
 * CF_E_BAD_REQUEST with *detail a fixed string of ours for a bad member
 * (an unknown one, pgp_keys that are not empty: Coffer has no PGP). */
enum cf_status dcos_init_parse(const uint8_t *body, size_t len,
    struct dcos_init_req *r, const char **detail);
/* An unseal body {"key": share}: *key a malloc'd copy of the share
 * (*keylen bytes and a NUL), the caller's to wipe and free.  Statuses as
 * dcos_init_parse's. */
enum cf_status dcos_unseal_parse(const uint8_t *body, size_t len, char **key,
    size_t *keylen, const char **detail);

/* Vault's rule for shares and a threshold: t <= n, and t >= 2 when
 * n > 1 (a threshold of 1 of several shares would make each share the
 * key). */
int dcos_init_counts_valid(unsigned shares, unsigned threshold);
/*
 * Initialize the store as PUT /secrets/v1/init does, for cofferctl init
 * too: refuse an initialized store (CF_E_ALREADY_INIT, nothing made, not
 * even the CA's key, which takes a while), make the CA (ca_key NULL: the
 * config's; CF_E_BAD_REQUEST for an unknown algorithm) and the superuser
 * in init's commit.  *r and *root_token are the caller's, to give back to
 * dcos_init_done whatever the status.
 */
enum cf_status dcos_init_store(struct vault *v, unsigned shares,
    unsigned threshold, const char *ca_key, int64_t token_lifetime,
    struct vault_init_result *r, char **root_token);
void dcos_init_done(struct vault_init_result *r, char **root_token);

/* The answers, each a new object the caller puts. */
struct json_object *dcos_init_json(
    const struct vault_init_result *r, const char *root_token);
struct json_object *dcos_seal_status_json(const struct vault_status *vs);

/* One unseal share from the request's client, as PUT /secrets/v1/unseal
 * takes it (throttled per address: 429), for Vault's unseal too: CF_OK
 * with *vs the state after it, or the refusal with ctx->detail set. */
enum cf_status dcos_unseal_share(
    struct cf_ctx *ctx, const char *key, size_t len, struct vault_status *vs);
/* The emergency brake as PUT /secrets/v1/seal pulls it (a superuser; a
 * verified token when the store cannot decide), for Vault's seal too. */
enum cf_status dcos_seal_store(struct cf_ctx *ctx);

enum cf_status dcos_ping(struct cf_ctx *ctx);
enum cf_status dcos_init_get(struct cf_ctx *ctx);
enum cf_status dcos_init_put(struct cf_ctx *ctx);
enum cf_status dcos_seal_status(struct cf_ctx *ctx);
enum cf_status dcos_unseal(struct cf_ctx *ctx);
enum cf_status dcos_seal(struct cf_ctx *ctx);

/* clang-format off */
#define DCOS_SEAL_ROUTES \
	{{"secrets", "v1", "ping", NULL}, 0, 0, HTTP_GET, CF_D_DCOS, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, dcos_ping}, \
	{{"secrets", "v1", "init", NULL}, 1, 1, HTTP_GET, CF_D_DCOS, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, dcos_init_get}, \
	{{"secrets", "v1", "init", NULL}, 1, 1, HTTP_PUT, CF_D_DCOS, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, dcos_init_put}, \
	{{"secrets", "v1", "seal-status", NULL}, 1, 1, HTTP_GET, CF_D_DCOS, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, dcos_seal_status}, \
	{{"secrets", "v1", "unseal", NULL}, 1, 1, HTTP_PUT, CF_D_DCOS, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, dcos_unseal}, \
	{{"secrets", "v1", "seal", NULL}, 1, 1, HTTP_PUT, CF_D_DCOS, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, dcos_seal}
/* clang-format on */

#endif
