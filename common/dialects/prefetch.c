/*
 * prefetch.c: which route hints what (prefetch.h).  A GET alone: a write
 * hints its own secret, for its write section (secret_write).
 */
#include <stddef.h>

#include "dialects/dapr.h"
#include "dialects/dcos_secrets.h"
#include "dialects/path.h"
#include "dialects/prefetch.h"
#include "dialects/vault_kv.h"

static const struct {
	cf_handler fn;
	void (*hint)(struct cf_ctx *ctx);
} hints[] = {
    {dcos_secret_get, dcos_secret_hint},
    {path_secret_get, path_secret_hint},
    {dapr_secret, dapr_secret_hint},
    {vault_kv_dispatch, vault_kv_hint},
};

void
dialect_prefetch(struct cf_ctx *ctx)
{
	size_t i;

	if (ctx->route == NULL || ctx->req->method != HTTP_GET)
		return;
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (hints[i].fn == ctx->route->fn) {
			hints[i].hint(ctx);
			return;
		}
}
