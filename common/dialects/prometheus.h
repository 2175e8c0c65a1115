/*
 * prometheus.h: GET /metrics, the shared counters (base/metrics.h) in
 * Prometheus's text exposition format 0.0.4, for a Prometheus that sends
 * Authorization: Bearer <token>.  Served by cgi-bin/auth.
 *
 * Who may read it: a subject with read on METRICS_RID (a grant like any
 * other, iam.h) or a superuser; anyone when the config says
 * metrics_public = yes (for an operator who guards the URL in the web
 * server instead).  It answers while sealed, since nothing in it needs the
 * key; but a sealed store cannot read grants, so then, as for the seal
 * (dcos_seal.h), a token this store's key verifies is enough, recorded as
 * decided by "sealed_store".  The store's records and bytes are told
 * unsealed only (prometheus.c).  Every way in is an audited decision.  A
 * refusal answers in DC/OS's error shape, as the rest of auth does.
 */
#ifndef COFFER_PROMETHEUS_H
#define COFFER_PROMETHEUS_H

#include "identity/context.h"

#define METRICS_RID   "coffer:metrics"
#define METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

enum cf_status prometheus_metrics(struct cf_ctx *ctx);

/* clang-format off */
#define PROMETHEUS_ROUTES \
	{{"metrics", NULL}, 0, 0, HTTP_GET, CF_D_DCOS, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, prometheus_metrics}
/* clang-format on */

#endif
