/* context.c: see context.h. */
#include "base/http.h"
#include "identity/context.h"

enum cf_status
ctx_read_body(struct cf_ctx *ctx, const char *const *ctypes, int allow_missing)
{
	return http_read_body(ctx->req, ctx->fcgi, ctx->app->cfg.body_limit,
	    ctypes, allow_missing);
}
