/*
 * dcos_secrets.h: DC/OS Secrets' secret API (docs/apis.md#dcos) over the
 * one secret model: /secrets/v1/secret/{store}/{path} is read (GET; with
 * ?list=true the folder's secrets, recursively, as {"array": [...]}),
 * created (PUT, 201; 409 if it exists), updated (PATCH, 204; 404 if it
 * does not) and deleted (DELETE, 204).  Only the store "default" exists,
 * as in DC/OS.  The store's own endpoints (init, unseal, seal) are
 * dcos_seal.h's.
 *
 * A secret answers as the JSON Secret {"value", "author", "created",
 * "description", "labels"} or as its raw bytes, by Accept: without a
 * preference, as it was written.  A secret written in another dialect,
 * without the key "value", answers its whole map as JSON text in "value".
 *
 * Authorization: the action on dcos:secrets:{store}:/{path}; a listing
 * needs read on dcos:secrets:list:{store}:/{path} (acl_secret_rid).
 *
 * The parser of a body and the renderers of an answer below take bytes
 * and a struct secret alone (no request), so tests/unit/test_dcos_secrets
 * and tests/fuzz/fuzz_dialect_body call them as the handlers do.
 */
#ifndef COFFER_DCOS_SECRETS_H
#define COFFER_DCOS_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "identity/context.h"

#define DCOS_STORE "default" /* the only store DC/OS has */

struct secret;
struct json_object;

/* The store of arg[0], which must be DCOS_STORE: CF_OK, or
 * CF_E_NOT_FOUND with ctx->detail set (also for dcos_seal.c). */
enum cf_status dcos_store_arg(struct cf_ctx *ctx, const char **store);

/* A DC/OS Secret body into s: raw bytes when binary (Content-Type
 * application/octet-stream), otherwise a JSON object whose "value" (a
 * string) is required, with the optional author, created, description,
 * labels (strings) and path; the SDK's author and the UI's path are
 * accepted.  CF_OK, CF_E_BAD_JSON (with *detail a fixed string of ours,
 * never an echo of the body) or CF_E_INTERNAL.  On an error *s may hold
 * part of the body: the caller frees it unwritten. */
enum cf_status dcos_body_parse(const uint8_t *body, size_t len, int binary,
    struct secret *s, const char **detail);

/* How a read answers, from what the request accepts. */
enum dcos_form {
	DCOS_FORM_JSON,    /* dcos_secret_json() */
	DCOS_FORM_BYTES,   /* dcos_secret_bytes(), application/octet-stream */
	DCOS_FORM_REFUSED, /* 400 "Unsupported Accept header" */
};
enum dcos_form dcos_secret_form(
    const struct secret *s, int accepts_json, int accepts_bytes);
/* The raw form: the value of "value", or nothing. */
const void *dcos_secret_bytes(const struct secret *s, size_t *len);
/* The JSON form: a new object, the caller's to put. */
struct json_object *dcos_secret_json(const struct secret *s);

enum cf_status dcos_secret_get(struct cf_ctx *ctx);
/* The secret dcos_secret_get will read, hinted (prefetch.h). */
void dcos_secret_hint(struct cf_ctx *ctx);
enum cf_status dcos_secret_put(struct cf_ctx *ctx);
enum cf_status dcos_secret_patch(struct cf_ctx *ctx);
enum cf_status dcos_secret_delete(struct cf_ctx *ctx);

/* clang-format off */
#define DCOS_SECRETS_ROUTES \
	{{"secrets", "v1", "secret", NULL}, 1, 1 + CF_MAX_SEGMENTS, HTTP_GET, \
	    CF_D_DCOS, 0, dcos_secret_get}, \
	{{"secrets", "v1", "secret", NULL}, 2, 1 + CF_MAX_SEGMENTS, HTTP_PUT, \
	    CF_D_DCOS, 0, dcos_secret_put}, \
	{{"secrets", "v1", "secret", NULL}, 2, 1 + CF_MAX_SEGMENTS, \
	    HTTP_PATCH, CF_D_DCOS, 0, dcos_secret_patch}, \
	{{"secrets", "v1", "secret", NULL}, 2, 1 + CF_MAX_SEGMENTS, \
	    HTTP_DELETE, CF_D_DCOS, 0, dcos_secret_delete}
/* clang-format on */

#endif
