/* remote.c: see remote.h. */
#include <string.h>

#include "base/log.h"
#include "identity/context.h"
#include "identity/remote.h"

int
remote_user(const struct cf_ctx *ctx, char uid[TOKEN_MAX_UID + 1])
{
	const char *ru;
	size_t len;

	if (!ctx->app->cfg.trust_remote_user)
		return 0;
	if ((ru = http_param(ctx->req, "REMOTE_USER")) == NULL || *ru == '\0')
		return 0;
	len = strnlen(ru, TOKEN_MAX_UID + 1);
	if (!token_uid_valid(ru, len)) {
		/* The name may be anything a certificate says: not logged. */
		lwarnx(
		    "request %s: REMOTE_USER is not a valid uid", ctx->req->id);
		return -1;
	}
	memcpy(uid, ru, len);
	uid[len] = '\0';
	return 1;
}
