/*
 * vault_kv.h: Vault's KV version 2 API (docs/apis.md#vaults-kv-api) over
 * the one secret model, so that hvac, Ansible's community.hashi_vault and
 * curl scripts written for Vault read and write Coffer's secrets:
 *   GET    /v1/{mount}/data/{path}[?version=N]  a version's map and metadata
 *   POST|PUT /v1/{mount}/data/{path}            {"data": {...}, "options":
 *          {"cas": N}}: a new version (cas 0: only if absent)
 *   PATCH  /v1/{mount}/data/{path}              merge-patch of the map
 *   LIST   /v1/{mount}/metadata/{path}          (or GET ?list=true) one
 *          folder's names, folders ending in "/"
 *   DELETE /v1/{mount}/data/{path}              soft-deletes the current
 *          version
 *   POST|PUT /v1/{mount}/{delete,undelete,destroy}/{path}  {"versions":
 *          [N, ...]}: soft delete (delete), undelete (update), destroy
 *          (delete): the model's secret_versions_mark
 *   GET    /v1/{mount}/metadata/{path}          the versions kept, each
 *          with its deletion time and destroyed, and the secret's metadata
 *   POST|PUT|PATCH /v1/{mount}/metadata/{path}  max_versions, cas_required,
 *          custom_metadata (PATCH merges it); update
 *   DELETE /v1/{mount}/metadata/{path}          the secret, every version
 *   GET    /v1/auth/token/lookup-self           who the token names
 *   GET    /v1/sys/health, /v1/sys/seal-status  public, as in Vault
 *   PUT    /v1/sys/seal (superuser), /v1/sys/unseal {"key": share}
 * The mount "secret" (Vault's default) is the store "default", which the
 * DC/OS and path APIs reach too; any other mount is the store of that
 * name when the config's secret_stores lists it.  A Vault secret is the
 * same record as theirs: the map is its data, the record's version its
 * version.  A deleted or destroyed version reads 404 with its metadata
 * and data null, as in Vault; the other dialects read it as absent.
 * Coffer expires no version: delete_version_after must be "0s".
 *
 * Check-and-set is the model's (secret.h: cas), decided in the write's
 * own section.  Every write is made with cas set to the version it was
 * authorized against (absent: create; else update), so a write in
 * between is a conflict, never overwritten: a caller with create alone
 * never replaces a secret, and two patches never lose one another's
 * keys.
 *
 * Tokens: X-Vault-Token or Authorization: Bearer, carrying Coffer's own
 * JWTs (token.h).  Authorization: the action on dcos:secrets:{store}:/{path}
 * as in every dialect; a listing needs read on
 * dcos:secrets:list:{store}:/{path} (acl_secret_rid).
 *
 * The parsers and renderers below take bytes and structs alone (no
 * request), for tests/unit/test_vault_kv and tests/fuzz: the unseal body is
 * read before anyone is authenticated.
 */
#ifndef COFFER_VAULT_KV_H
#define COFFER_VAULT_KV_H

#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "identity/context.h"

#define VAULT_KV_DEFAULT_MOUNT "secret"  /* Vault's default KV mount... */
#define VAULT_KV_DEFAULT_STORE "default" /* ...is Coffer's default store */

struct secret;
struct json_object;

/* A write body {"data": {"key": "value", ...}, "options": {"cas": N}}
 * into the empty s (its map, and s->cas with s->cas_version when
 * options.cas is given).  A patch (cur, the current version, not NULL)
 * is merged into cur's map as RFC 7396 says: a null value removes the
 * key, keys data does not name stay.  CF_OK, CF_E_BAD_JSON or
 * CF_E_TOO_LARGE with *detail a fixed string of ours, or CF_E_INTERNAL.
 * On an error *s may hold part of the body: the caller frees it. */
enum cf_status vault_kv_body_parse(const uint8_t *body, size_t len,
    const struct secret *cur, struct secret *s, const char **detail);
/* An unseal body {"key": share, "reset": false, "migrate": false}: as
 * dcos_unseal_parse (dcos_seal.h); reset and migrate, which Coffer has
 * not, must be false or absent. */
enum cf_status vault_kv_unseal_parse(const uint8_t *body, size_t len,
    char **key, size_t *keylen, const char **detail);
/* "N": a version, 1 or more.  0 if s is not one. */
uint64_t vault_kv_version_arg(const char *s);

/* A delete, undelete or destroy body {"versions": [N, ...]}: *vers
 * (malloc'd, at most CF_MAX_VERSIONS) and *n.  CF_E_BAD_JSON (missing,
 * empty, not versions) or CF_E_TOO_LARGE with *detail; CF_E_INTERNAL. */
enum cf_status vault_kv_versions_parse(const uint8_t *body, size_t len,
    uint64_t **vers, size_t *n, const char **detail);
/* A metadata body {"max_versions": N, "cas_required": b,
 * "custom_metadata": {...}, "delete_version_after": "0s"} into m (the
 * fields) and *set (SECRET_META_* of those given, secret.h); merge for a
 * PATCH, whose custom_metadata is merged (a null value removes a key).
 * Coffer expires no version: delete_version_after must say none.
 * CF_E_BAD_JSON or CF_E_TOO_LARGE with *detail. */
enum cf_status vault_kv_meta_parse(const uint8_t *body, size_t len, int merge,
    struct secret *m, unsigned *set, const char **detail);

/* The answers' "data", each a new object the caller puts. */
struct json_object *vault_kv_version_json(const struct secret *s);
/* The secret's custom_metadata: its map, or null. */
struct json_object *vault_kv_custom_json(const struct secret *s);
/* NULL when a value is not UTF-8 (Vault's data is JSON text). */
struct json_object *vault_kv_secret_json(const struct secret *s);
/* Vault's envelope around data (taken): request_id, lease_id, ... */
struct json_object *vault_kv_envelope(
    const char *request_id, struct json_object *data);

enum cf_status vault_kv_dispatch(struct cf_ctx *ctx);
/* The secret a GET of vault_kv_dispatch will read first, hinted
 * (prefetch.h). */
void vault_kv_hint(struct cf_ctx *ctx);
enum cf_status vault_kv_lookup_self(struct cf_ctx *ctx);
enum cf_status vault_kv_health(struct cf_ctx *ctx);
enum cf_status vault_kv_seal_status(struct cf_ctx *ctx);
enum cf_status vault_kv_seal(struct cf_ctx *ctx);
enum cf_status vault_kv_unseal(struct cf_ctx *ctx);

#define VAULT_KV_METHODS                                                       \
	(HTTP_GET | HTTP_PUT | HTTP_POST | HTTP_PATCH | HTTP_DELETE | HTTP_LIST)

/* The literal routes first: the router takes the first that fits, and
 * the last line takes every /v1/{mount}/{kind}/... */
/* clang-format off */
#define VAULT_KV_ROUTES \
	{{"v1", "auth", "token", "lookup-self"}, 0, 0, HTTP_GET, CF_D_VAULT, \
	    0, vault_kv_lookup_self}, \
	{{"v1", "sys", "health", NULL}, 0, 0, HTTP_GET, CF_D_VAULT, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, vault_kv_health}, \
	{{"v1", "sys", "seal-status", NULL}, 0, 0, HTTP_GET, CF_D_VAULT, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, vault_kv_seal_status}, \
	{{"v1", "sys", "seal", NULL}, 0, 0, HTTP_PUT | HTTP_POST, CF_D_VAULT, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, vault_kv_seal}, \
	{{"v1", "sys", "unseal", NULL}, 0, 0, HTTP_PUT | HTTP_POST, \
	    CF_D_VAULT, ROUTE_PUBLIC | ROUTE_SEALED_OK, vault_kv_unseal}, \
	{{"v1", NULL}, 2, 2 + CF_MAX_SEGMENTS, VAULT_KV_METHODS, CF_D_VAULT, \
	    0, vault_kv_dispatch}
/* clang-format on */

#endif
