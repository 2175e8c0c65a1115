/* prometheus.c: see prometheus.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "base/log.h"
#include "base/metrics.h"
#include "dialects/prometheus.h"
#include "identity/acl.h"
#include "identity/audit.h"
#include "vault/vault.h"

/*
 * The route is public and sealed-ok so that the decision is taken here:
 * by the config, or by the grant.  Sealed, the grants cannot be read, so
 * a token alone answers 503 like every other route (fail closed): the
 * seal status routes, public, say that a store is sealed, and an operator
 * who wants the counters then too sets metrics_public and guards the
 * path in the web server.
 */
static enum cf_status
prometheus_allowed(struct cf_ctx *ctx)
{
	enum cf_status st;

	if (ctx->app->cfg.metrics_public) {
		audit_decision(
		    ctx, METRICS_RID, acl_action_name(ACL_READ), "config", 1);
		return CF_OK;
	}
	/* A sealed-ok route is not gated, so this worker learns of a seal,
	 * or of an unseal since its last request, here. */
	if ((st = vault_ready(ctx->app->vault)) != CF_OK ||
	    (st = acl_authenticate(ctx)) != CF_OK)
		return st;
	return acl_check(ctx, METRICS_RID, ACL_READ);
}

/*
 * The store's gauges, unsealed only.  Sealed, only metrics_public lets a
 * scrape through, and the text then says no more than the public seal
 * status routes do: how many records a store holds and how big it is
 * tells of what the seal guards (how many secrets, users, certificates,
 * and when they come and go), and no one who could read it has shown a
 * key.  A store that cannot say leaves the gauges out, not zeros.
 */
static void
prometheus_gauges(struct cf_ctx *ctx, struct metrics_gauges *g)
{
	struct vault_status vs;
	struct backend_stats bs;

	memset(g, 0, sizeof(*g));
	g->sealed = -1;
	if (vault_status(ctx->app->vault, &vs) != CF_OK || !vs.initialized)
		return;
	g->sealed = vs.sealed != 0;
	if (g->sealed || vault_store_stats(ctx->app->vault, &bs) != CF_OK)
		return;
	g->store = 1;
	g->records = bs.records;
	g->bytes = bs.bytes;
}

enum cf_status
prometheus_metrics(struct cf_ctx *ctx)
{
	struct metrics_gauges g;
	enum cf_status st;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if ((st = prometheus_allowed(ctx)) != CF_OK)
		return st;
	prometheus_gauges(ctx, &g);
	if ((fp = open_memstream(&text, &len)) == NULL) {
		lwarn("open_memstream");
		return CF_E_INTERNAL;
	}
	rc = metrics_render(fp, &g);
	if (fclose(fp) != 0 || rc != 0) {
		lwarnx("metrics: the text could not be written");
		free(text);
		return CF_E_INTERNAL;
	}
	http_resp_body(ctx->resp, METRICS_CTYPE, text, len);
	free(text);
	return CF_OK;
}
