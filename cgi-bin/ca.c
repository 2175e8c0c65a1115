/*
 * ca: the certificate authority, under the DC/OS CA path /ca/api/v2/ (and
 * /ca/dcos-ca.crt), its OCSP responder /ca/ocsp, CFSSL's own
 * /api/v1/cfssl/ and an ACME server under /acme/.  The dialects are
 * common/dialects/ca_dcos.c, cfssl.c and acme_ca.c; the CA is common/ca/.
 */
#include "app/app.h"
#include "dialects/acme_ca.h"
#include "dialects/ca_dcos.h"
#include "dialects/ca_ocsp.h"
#include "dialects/cfssl.h"

static const struct cf_route routes[] = {
    CA_DCOS_ROUTES,
    CA_OCSP_ROUTES,
    CFSSL_ROUTES,
    ACME_ROUTES,
};

int
main(int argc, char **argv)
{
	return app_main(
	    argc, argv, "ca", routes, sizeof(routes) / sizeof(routes[0]));
}
