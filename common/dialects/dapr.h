/*
 * dapr.h: Dapr's secrets API (docs/apis.md#dapr) over the one secret
 * model: GET /v1.0/secrets/{store}/{name} answers the secret's map,
 * GET /v1.0/secrets/{store}/bulk every readable secret's map by name,
 * and /v1.0/healthz, /v1.0/healthz/outbound and /v1.0/metadata answer as
 * daprd does, so the official SDKs work unchanged.
 *
 * Both cgi-bin/secrets (single reads, health, metadata) and cgi-bin/bulk
 * (the bulk map) list DAPR_ROUTES: the web server picks the program by URL
 * (apache-conf/), and whichever gets a Dapr URL answers it the same way.
 *
 * A Dapr store name is a Coffer store listed in the config's
 * secret_stores; a secret name is a path (one or more segments).  Reads
 * need read on dcos:secrets:{store}:/{name} and pass the config's Dapr
 * secret scopes (acl_dapr_allowed); bulk silently leaves out what either
 * denies, as daprd does.  Error details are fixed strings: unlike daprd's,
 * they never name the store or the secret asked for.
 */
#ifndef COFFER_DAPR_H
#define COFFER_DAPR_H

#include "base/limits.h"
#include "identity/context.h"

/* Names walked per store section in bulk: the ACL is asked between
 * sections, and at most this many names are held at once (the answer
 * itself is streamed, http.h). */
#define DAPR_BULK_CHUNK 256

enum cf_status dapr_healthz(struct cf_ctx *ctx);
enum cf_status dapr_metadata(struct cf_ctx *ctx);
/* /v1.0/secrets/{store}/{name...}, and {store}/bulk. */
enum cf_status dapr_secret(struct cf_ctx *ctx);
/* The secret dapr_secret will read, hinted (prefetch.h). */
void dapr_secret_hint(struct cf_ctx *ctx);
/* The bulk map of store (already checked). */
enum cf_status dapr_bulk(struct cf_ctx *ctx, const char *store);

/* clang-format off */
#define DAPR_ROUTES \
	{{"v1.0", "healthz", NULL}, 0, 1, HTTP_GET, CF_D_DAPR, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, dapr_healthz}, \
	{{"v1.0", "metadata", NULL}, 0, 0, HTTP_GET, CF_D_DAPR, 0, \
	    dapr_metadata}, \
	{{"v1.0", "secrets", NULL}, 2, 1 + CF_MAX_SEGMENTS, HTTP_GET, \
	    CF_D_DAPR, 0, dapr_secret}
/* clang-format on */

#endif
