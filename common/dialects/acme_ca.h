/*
 * acme_ca.h: the CA's ACME server (RFC 8555) under /acme/, for certbot
 * and other ACME clients: the handlers that take a request through
 * acme.h's parsing, the JWS check (ca/jws.h), the store (ca/acmedb.h) and
 * the http-01 and tls-alpn-01 validators (base/fetch.h, ca/tlsalpn.h),
 * and answer in acme.h's shapes.
 *
 * Authentication is the JWS, not a Coffer credential: every route is
 * ROUTE_PUBLIC, and every POST must be signed by a valid (not
 * deactivated) account's key (or, for newAccount, by the key it
 * registers; for revokeCert, by the certificate's key), carry a nonce
 * this server issued and never took before, and name its own URL.
 * Which names an account may get is the config's acme_dns_suffixes (fail
 * closed: none by default) and, for an account made with an External
 * Account Binding (required by acme_eab_required), the grants of the EAB
 * key's subject: create on dcos:acme:dns:/<labels from the last>
 * (acme.h), the key not revoked since.  An account owns its orders,
 * authorizations and certificates, and no other account reads or
 * revokes them.  Every decision is audited (resource acme:<kind>:<id>,
 * by "jws").
 *
 * A challenge is validated while its POST waits, with no store section
 * held meanwhile: http-01 by one bounded fetch of
 * http://<name>:<acme_http_port>/.well-known/acme-challenge/<token>,
 * tls-alpn-01 by one bounded handshake with <name>:<acme_tls_port>
 * (ACME_FETCH_MS in all, either way).
 * Certificates are the CA's like any other: recorded, listed, answered by
 * OCSP, revocable by CFSSL's revoke too.
 */
#ifndef COFFER_ACME_CA_H
#define COFFER_ACME_CA_H

#include "identity/context.h"

#define ACME_FETCH_MS 10000 /* one http-01 fetch, connect to last byte */

enum cf_status acme_get_directory(struct cf_ctx *ctx);
enum cf_status acme_new_nonce(struct cf_ctx *ctx);
enum cf_status acme_new_account(struct cf_ctx *ctx);
enum cf_status acme_account(struct cf_ctx *ctx);
enum cf_status acme_new_order(struct cf_ctx *ctx);
enum cf_status acme_order(struct cf_ctx *ctx);
enum cf_status acme_authz(struct cf_ctx *ctx);
enum cf_status acme_challenge(struct cf_ctx *ctx);
enum cf_status acme_challenge_alpn(struct cf_ctx *ctx);
enum cf_status acme_finalize(struct cf_ctx *ctx);
enum cf_status acme_cert(struct cf_ctx *ctx);
enum cf_status acme_revoke_cert(struct cf_ctx *ctx);
enum cf_status acme_key_change(struct cf_ctx *ctx);

/* clang-format off */
#define ACME_ROUTES \
	{{"acme", "directory", NULL}, 0, 0, HTTP_GET, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_get_directory}, \
	{{"acme", "new-nonce", NULL}, 0, 0, HTTP_GET, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_new_nonce}, \
	{{"acme", "new-account", NULL}, 0, 0, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_new_account}, \
	{{"acme", "acct", NULL}, 1, 1, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_account}, \
	{{"acme", "new-order", NULL}, 0, 0, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_new_order}, \
	{{"acme", "order", NULL}, 1, 1, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_order}, \
	{{"acme", "authz", NULL}, 1, 1, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_authz}, \
	{{"acme", "chall", NULL}, 1, 1, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_challenge}, \
	{{"acme", "chall-alpn", NULL}, 1, 1, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_challenge_alpn}, \
	{{"acme", "finalize", NULL}, 1, 1, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_finalize}, \
	{{"acme", "cert", NULL}, 1, 1, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_cert}, \
	{{"acme", "revoke-cert", NULL}, 0, 0, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_revoke_cert}, \
	{{"acme", "key-change", NULL}, 0, 0, HTTP_POST, CF_D_ACME, \
	    ROUTE_PUBLIC, acme_key_change}
/* clang-format on */

#endif
