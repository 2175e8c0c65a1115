/* prometheus.c: see prometheus.h. */
#include <stdio.h>
#include <stdlib.h>

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

enum cf_status
prometheus_metrics(struct cf_ctx *ctx)
{
	struct vault_status vs;
	enum cf_status st;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	int sealed = -1, rc;

	if ((st = prometheus_allowed(ctx)) != CF_OK)
		return st;
	/* A store that cannot say leaves the gauge out rather than guess. */
	if (vault_status(ctx->app->vault, &vs) == CF_OK && vs.initialized)
		sealed = vs.sealed != 0;
	if ((fp = open_memstream(&text, &len)) == NULL) {
		lwarn("open_memstream");
		return CF_E_INTERNAL;
	}
	rc = metrics_render(fp, sealed);
	if (fclose(fp) != 0 || rc != 0) {
		lwarnx("metrics: the text could not be written");
		free(text);
		return CF_E_INTERNAL;
	}
	http_resp_body(ctx->resp, METRICS_CTYPE, text, len);
	free(text);
	return CF_OK;
}
