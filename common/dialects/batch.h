/*
 * batch.h: Coffer's multi-get, POST /coffer/v1/secrets/{store}/batch with
 * {"paths": [...]} (1 to BATCH_MAX paths), answering
 * {"secrets": {path: answer, ...}} where each path's answer is
 * {"data": map, "version": n} or its own {"error": {"code","message"}},
 * so one missing or forbidden secret does not fail the rest.  A path
 * given more than once is read and answered once.  {store} is one of the
 * config's secret_stores; each path needs read on
 * dcos:secrets:{store}:/{path} (acl_secret_rid).
 *
 * The records read for one answer are bounded (BATCH_MAX_BYTES of
 * plaintext, which bounds the keys and values it holds); past it a path
 * answers 413, told from the record's stored size before it is
 * decrypted, and the client asks again for fewer.
 *
 * The parser of the body, the check of one path and the renderers of an
 * answer take bytes and a struct secret alone (no request), for
 * tests/unit/test_path and tests/fuzz/fuzz_dialect_body.
 */
#ifndef COFFER_BATCH_H
#define COFFER_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "identity/context.h"

#define BATCH_MAX       1000        /* paths in one multi-get */
#define BATCH_MAX_BYTES (16u << 20) /* 16 MiB of records in one answer */

struct secret;
struct json_object;

/* The body {"paths": [string, ...]}: *paths the array (a reference the
 * caller puts).  CF_OK; the JSON reader's status for a body that is not
 * JSON; CF_E_BAD_JSON with *detail a fixed string of ours for any other
 * shape. */
enum cf_status batch_body_parse(const uint8_t *body, size_t len,
    struct json_object **paths, const char **detail);
/* One path of the body (len bytes; a NUL in it is refused): *path its
 * malloc'd copy when it is a secret path written as the store writes it
 * (no empty segment, no leading or trailing slash), else CF_E_BAD_PATH;
 * CF_E_INTERNAL when out of memory. */
enum cf_status batch_path(const char *p, size_t len, char **path);

/* The answers, each a new object the caller puts: a path's secret (NULL
 * when a value is not UTF-8: that path answers 415), a path's error. */
struct json_object *batch_secret_json(const struct secret *s);
struct json_object *batch_error_json(int code, const char *msg);

enum cf_status batch_read(struct cf_ctx *ctx);

/* clang-format off */
#define BATCH_ROUTES \
	{{"coffer", "v1", "secrets", NULL}, 2, 2, HTTP_POST, CF_D_PATH, 0, \
	    batch_read}
/* clang-format on */

#endif
