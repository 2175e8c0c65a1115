/*
 * auth: identity.  DC/OS's IAM API under /acs/api/v1/ (login, logout,
 * JWKS, users and service accounts, groups, ACLs and grants) and Sensu's
 * authentication (/auth, /auth/token, /auth/test, /auth/logout) and API
 * keys (/api/core/v2/apikeys); and GET /metrics for Prometheus.  The
 * dialects are common/dialects/iam_dcos.c, auth_sensu.c and prometheus.c;
 * the model is common/identity/iam.c.
 */
#include "app/app.h"
#include "dialects/auth_sensu.h"
#include "dialects/iam_dcos.h"
#include "dialects/prometheus.h"

static const struct cf_route routes[] = {
    IAM_DCOS_ROUTES,
    AUTH_SENSU_ROUTES,
    PROMETHEUS_ROUTES,
};

int
main(int argc, char **argv)
{
	return app_main(
	    argc, argv, "auth", routes, sizeof(routes) / sizeof(routes[0]));
}
