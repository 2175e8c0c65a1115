/*
 * bulk: many secrets per call.  The route tables of the dialects
 * (common/dialects/) joined: Dapr's bulk map (dapr.c), Sensu's collections
 * with response filtering and pagination (sensu.c), Coffer's multi-get
 * (batch.c), and a store's export and import (transfer.c).
 *
 * The web server sends this program every URL under /v1.0,
 * /api/enterprise/secrets and /coffer/v1 that cgi-bin/secrets does not
 * take (apache-conf/lighttpd/coffer.conf); it lists the single-resource
 * routes of Dapr and Sensu too, so a configuration that sends it all of
 * them still works.
 */
#include <stddef.h>

#include "app/app.h"
#include "dialects/batch.h"
#include "dialects/dapr.h"
#include "dialects/sensu.h"
#include "dialects/transfer.h"

static const struct cf_route routes[] = {
    DAPR_ROUTES,
    SENSU_ROUTES,
    BATCH_ROUTES,
    TRANSFER_ROUTES,
};

int
main(int argc, char **argv)
{
	return app_main(
	    argc, argv, "bulk", routes, sizeof(routes) / sizeof(routes[0]));
}
