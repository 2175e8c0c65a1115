/*
 * ca_dcos.c: the DC/OS CA's own route, the CA certificate; its operations
 * are CFSSL's (cfssl.c).  See ca_dcos.h.
 */
#include <stdlib.h>

#include "ca/pki.h"
#include "dialects/ca_dcos.h"
#include "vault/vault.h"

enum cf_status
ca_dcos_crt(struct cf_ctx *ctx)
{
	char *pem = NULL;
	size_t len;
	enum cf_status st;

	st = pki_ca_pem(ctx->app->vault, &pem, &len);
	if (st == CF_E_NOT_FOUND && vault_ready(ctx->app->vault) == CF_OK &&
	    (st = pki_ca_ensure(ctx->app->vault)) == CF_OK)
		st = pki_ca_pem(ctx->app->vault, &pem, &len);
	if (st == CF_OK)
		http_resp_body(ctx->resp, "application/x-pem-file", pem, len);
	free(pem);
	return st;
}
