/*
 * ca_dcos.h: the DC/OS CA API (docs/apis.md#dcos): CFSSL's operations
 * info, newkey, newcert, sign, certificates and bundle under /ca/api/v2/,
 * in CFSSL's envelope and with CFSSL's rules (cfssl.h, whose cfssl_op
 * answers them), and GET /ca/dcos-ca.crt, the CA certificate as PEM
 * without a token.  It reads no body of its own.
 */
#ifndef COFFER_CA_DCOS_H
#define COFFER_CA_DCOS_H

#include "dialects/cfssl.h"
#include "identity/context.h"

/* /ca/dcos-ca.crt: made on first use if the store is unsealed. */
enum cf_status ca_dcos_crt(struct cf_ctx *ctx);

/* clang-format off */
#define CA_DCOS_OP(n, fl) \
	{{"ca", "api", "v2", n, NULL}, 0, 0, HTTP_POST, CF_D_CFSSL, fl, \
	    cfssl_op}
#define CA_DCOS_ROUTES \
	{{"ca", "dcos-ca.crt", NULL}, 0, 0, HTTP_GET, CF_D_CFSSL, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, ca_dcos_crt}, \
	CA_DCOS_OP("info", ROUTE_PUBLIC | ROUTE_SEALED_OK), \
	CA_DCOS_OP("newkey", 0), \
	CA_DCOS_OP("newcert", 0), \
	CA_DCOS_OP("sign", 0), \
	CA_DCOS_OP("certificates", 0), \
	CA_DCOS_OP("bundle", 0)
/* clang-format on */

#endif
