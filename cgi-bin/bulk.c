/*
 * bulk: many secrets per call.  Dapr's bulk map (/v1.0/secrets/{store}/bulk,
 * common/dapr.c) and Sensu's collections with response filtering and
 * pagination (common/sensu.c).  A thin router: the handlers live in common/
 * because cgi-bin/secrets answers the same dialects' single-resource URLs.
 *
 * The web server sends this program every URL under /v1.0,
 * /api/enterprise/secrets and /coffer/v1 that cgi-bin/secrets does not
 * take (apache-conf/lighttpd/coffer.conf); it lists the single-resource
 * routes too, so a configuration that sends it all of them still works.
 */
#include "app.h"
#include "dapr.h"
#include "sensu.h"

static const struct cf_route routes[] = {
    DAPR_ROUTES,
    SENSU_ROUTES,
};

int
main(void)
{
	return app_main("bulk", routes, sizeof(routes) / sizeof(routes[0]));
}
