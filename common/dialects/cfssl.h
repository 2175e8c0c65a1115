/*
 * cfssl.h: CFSSL's API (docs/apis.md#cfssl) over the CA (common/ca/):
 * POST /api/v1/cfssl/{info,newkey,newcert,sign,certificates,bundle,
 * certinfo,revoke,authsign}, GET crl and health, every answer in CFSSL's
 * envelope {"success","result","errors","messages"}.  The DC/OS CA
 * (ca_dcos.h) is the same operations under another prefix, through
 * cfssl_op.
 *
 * The request and the answer are pure functions over bytes and json-c
 * objects (cfssl_request_parse, cfssl_authsign_parse, cfssl_envelope),
 * so the unit tests and the fuzz target call them as the handlers do; the
 * handlers read the body, parse it, ask acl_check(), call pki_* and
 * answer.  The CA's work (signing, profiles, the certificate records)
 * stays in common/ca/.
 *
 * Authorization maps onto DC/OS's resources: CFSSL_RO (read) for
 * certificates, bundle, certinfo and crl, CFSSL_RW for everything that
 * signs or revokes (rw covers ro); info and health need none; authsign
 * is authenticated by its own HMAC token, not by a credential.
 */
#ifndef COFFER_CFSSL_H
#define COFFER_CFSSL_H

#include <stddef.h>
#include <stdint.h>

#include "identity/context.h"

#define CFSSL_RW "dcos:adminrouter:ops:ca:rw"
#define CFSSL_RO "dcos:adminrouter:ops:ca:ro"

struct json_object;
struct pki_authreq;

/* A request body as a JSON object into *o (a new reference), an empty
 * body an empty object: CF_OK or CF_E_BAD_JSON with *detail a fixed
 * string ("7200 ..."). */
enum cf_status cfssl_request_parse(const uint8_t *body, size_t len,
    struct json_object **o, const char **detail);

/* authsign's envelope {"token","request","timestamp"}: the token and the
 * request base64 (strict), the timestamp an optional integer.  CF_OK with
 * *a filled (free it with cfssl_authreq_free), CF_E_BAD_JSON when the body
 * is not a JSON object, CF_E_BAD_REQUEST ("invalid token") when the
 * envelope is wrong; *a holds nothing to free on an error. */
enum cf_status cfssl_authsign_parse(const uint8_t *body, size_t len,
    struct pki_authreq *a, const char **detail);
void cfssl_authreq_free(struct pki_authreq *a);

/* CFSSL's success envelope around result, whose reference it takes; the
 * caller puts the envelope. */
struct json_object *cfssl_envelope(struct json_object *result);

/* A POST operation, named by the route's last prefix segment (info, sign,
 * ...): the handler of CFSSL's routes and of the DC/OS CA's. */
enum cf_status cfssl_op(struct cf_ctx *ctx);
enum cf_status cfssl_authsign(struct cf_ctx *ctx);
enum cf_status cfssl_crl(struct cf_ctx *ctx);
enum cf_status cfssl_health(struct cf_ctx *ctx);

/* clang-format off */
#define CFSSL_OP(n, fl) \
	{{"api", "v1", "cfssl", n, NULL}, 0, 0, HTTP_POST, CF_D_CFSSL, fl, \
	    cfssl_op}
#define CFSSL_ROUTES \
	CFSSL_OP("info", ROUTE_PUBLIC | ROUTE_SEALED_OK), \
	CFSSL_OP("newkey", 0), \
	CFSSL_OP("newcert", 0), \
	CFSSL_OP("sign", 0), \
	CFSSL_OP("certificates", 0), \
	CFSSL_OP("bundle", 0), \
	CFSSL_OP("certinfo", 0), \
	CFSSL_OP("revoke", 0), \
	{{"api", "v1", "cfssl", "authsign", NULL}, 0, 0, HTTP_POST, \
	    CF_D_CFSSL, ROUTE_PUBLIC, cfssl_authsign}, \
	{{"api", "v1", "cfssl", "crl", NULL}, 0, 0, HTTP_GET, CF_D_CFSSL, 0, \
	    cfssl_crl}, \
	{{"api", "v1", "cfssl", "health", NULL}, 0, 0, HTTP_GET, CF_D_CFSSL, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, cfssl_health}
/* clang-format on */

#endif
