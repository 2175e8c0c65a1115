/*
 * path.h: the path API (docs/apis.md#the-path-api-crossid) over the one
 * secret model: GET and PUT /api/v1/secrets/{path} in the store
 * "default", bodies and answers {"data": {"key": "value", ...}}.  PUT
 * creates or updates, and answers the secret written, its new version in
 * the Coffer-Version header (the body stays the client-go spec's).
 *
 * Authorization: read, or create or update (whichever the PUT does), on
 * dcos:secrets:default:/{path} (acl_secret_rid).
 *
 * The parser of a body and the renderer of an answer take bytes and a
 * struct secret alone (no request), so tests/unit/test_path and
 * tests/fuzz/fuzz_dialect_body call them as the handlers do.
 */
#ifndef COFFER_PATH_H
#define COFFER_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "identity/context.h"

#define PATH_STORE "default" /* the one store the path API reaches */

struct secret;
struct json_object;

/* A body {"data": {"key": "value", ...}} appended to s: non-empty keys,
 * string values, at most CF_MAX_MAP_KEYS of them.  CF_OK, CF_E_BAD_JSON,
 * CF_E_TOO_LARGE (*detail a fixed string of ours, never an echo of the
 * body) or CF_E_INTERNAL.  On an error *s may hold part of the body: the
 * caller frees it unwritten. */
enum cf_status path_body_parse(
    const uint8_t *body, size_t len, struct secret *s, const char **detail);

/* The answer {"data": map}, a new object the caller puts; NULL when a
 * value is not UTF-8 (the API has no form for bytes: 400). */
struct json_object *path_secret_json(const struct secret *s);

enum cf_status path_secret_get(struct cf_ctx *ctx);
/* The secret path_secret_get will read, hinted (prefetch.h). */
void path_secret_hint(struct cf_ctx *ctx);
enum cf_status path_secret_put(struct cf_ctx *ctx);

/* clang-format off */
#define PATH_ROUTES \
	{{"api", "v1", "secrets", NULL}, 1, CF_MAX_SEGMENTS, HTTP_GET, \
	    CF_D_PATH, 0, path_secret_get}, \
	{{"api", "v1", "secrets", NULL}, 1, CF_MAX_SEGMENTS, HTTP_PUT, \
	    CF_D_PATH, 0, path_secret_put}
/* clang-format on */

#endif
