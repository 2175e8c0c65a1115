/*
 * secrets: one secret at a time in every dialect, and the store's seal
 * lifecycle.  The route tables of the dialects (common/dialects/) joined:
 * DC/OS Secrets' own endpoints (init, unseal, seal, seal-status:
 * dcos_seal.c) and its secrets (dcos_secrets.c), the path API (path.c),
 * Vault's KV API and its seal (vault_kv.c), and Dapr's and Sensu's
 * single-resource URLs (dapr.c, sensu.c), which cgi-bin/bulk lists too.
 */
#include <stddef.h>

#include "app/app.h"
#include "dialects/dapr.h"
#include "dialects/dcos_seal.h"
#include "dialects/dcos_secrets.h"
#include "dialects/path.h"
#include "dialects/sensu.h"
#include "dialects/vault_kv.h"

static const struct cf_route routes[] = {
    DCOS_SEAL_ROUTES,
    DCOS_SECRETS_ROUTES,
    PATH_ROUTES,
    DAPR_ROUTES,
    SENSU_ROUTES,
    VAULT_KV_ROUTES,
};

int
main(int argc, char **argv)
{
	return app_main(
	    argc, argv, "secrets", routes, sizeof(routes) / sizeof(routes[0]));
}
