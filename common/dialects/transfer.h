/*
 * transfer.h: a store's export and import over HTTP, Coffer's own routes
 * (the records themselves are vault/export.h's):
 *   GET  /coffer/v1/export/{store}  the store's sealed records, streamed
 *        as an attachment (application/octet-stream)
 *   POST /coffer/v1/import/{store}  such a stream checked whole, then the
 *        store's secrets replaced with it, or nothing changed; answers
 *        {"store","records","secrets"}
 * {store} is one of the config's secret_stores.  Both need every action
 * (full) on the whole store, dcos:secrets:{store}:/ (acl_secret_rid; the
 * superuser has it): an export is ciphertext, but an import rewrites every
 * secret of the store.
 */
#ifndef COFFER_TRANSFER_H
#define COFFER_TRANSFER_H

#include <stddef.h>

#include "identity/context.h"

struct json_object;

/* The import's answer, a new object the caller puts. */
struct json_object *transfer_import_json(
    const char *store, size_t records, size_t secrets);

enum cf_status transfer_export(struct cf_ctx *ctx);
enum cf_status transfer_import(struct cf_ctx *ctx);

/* clang-format off */
#define TRANSFER_ROUTES \
	{{"coffer", "v1", "export", NULL}, 1, 1, HTTP_GET, CF_D_PATH, 0, \
	    transfer_export}, \
	{{"coffer", "v1", "import", NULL}, 1, 1, HTTP_POST, CF_D_PATH, 0, \
	    transfer_import}
/* clang-format on */

#endif
