/* transfer.c: see transfer.h. */
#include <stdint.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/reply.h"
#include "dialects/transfer.h"
#include "identity/acl.h"
#include "vault/export.h"
#include "vault/secret.h"

struct json_object *
transfer_import_json(const char *store, size_t records, size_t secrets)
{
	struct json_object *o = jb_object();

	jb_set_str(o, "store", store);
	jb_set_int(o, "records", (int64_t)records);
	jb_set_int(o, "secrets", (int64_t)secrets);
	return o;
}

static enum cf_status
transfer_store(struct cf_ctx *ctx, const char **store)
{
	char rid[ACL_SECRET_RID_MAX];

	if (!secret_store_valid(ctx->arg[0]) ||
	    !secret_name_listed(ctx->app->cfg.secret_stores, ctx->arg[0])) {
		ctx->detail = "the requested resource could not be found.";
		return CF_E_NOT_FOUND;
	}
	*store = ctx->arg[0];
	acl_secret_rid(rid, 0, *store, "");
	return acl_check(ctx, rid, ACL_FULL);
}

static int
transfer_put(void *arg, const void *p, size_t len)
{
	return http_stream_put(arg, p, len);
}

enum cf_status
transfer_export(struct cf_ctx *ctx)
{
	const char *store;
	enum cf_status st;

	if ((st = transfer_store(ctx, &store)) != CF_OK)
		return st;
	http_stream_begin(
	    ctx->resp, ctx->fcgi, 200, "application/octet-stream");
	http_resp_header(ctx->resp, "Content-Disposition",
	    "attachment; filename=\"coffer-export\"");
	return export_write(ctx->app->vault, store, transfer_put, ctx->resp);
}

enum cf_status
transfer_import(struct cf_ctx *ctx)
{
	static const char *const ctypes[] = {
	    "application/octet-stream", "text/plain", NULL};
	struct json_object *o;
	const char *store;
	size_t records = 0, secrets = 0;
	enum cf_status st;

	if ((st = transfer_store(ctx, &store)) != CF_OK)
		return st;
	st = http_read_body(ctx->req, ctx->fcgi, EXPORT_MAX_BODY, ctypes, 0);
	if (st != CF_OK)
		return st;
	st = export_import(ctx->app->vault, store, ctx->req->body,
	    ctx->req->bodylen, &records, &secrets, &ctx->detail);
	if (st != CF_OK)
		return st;
	o = transfer_import_json(store, records, secrets);
	reply_json(ctx->resp, 200, o);
	json_object_put(o);
	return CF_OK;
}
