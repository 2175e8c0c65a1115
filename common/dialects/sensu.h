/*
 * sensu.h: Sensu Go's enterprise secrets API (docs/apis.md#sensu) over the
 * one secret model.
 *
 * Sensu secrets are references, not values: a Secret resource names a
 * provider and an id the provider resolves.  Coffer keeps each resource as
 * a secret of the reserved store "sensu" (SENSU_STORE), so it has versions
 * and a directory index like any other:
 *   namespaces/{ns}/secrets/{name}  keys id, provider, labels, annotations
 *   providers/{name}                keys type, spec, labels, annotations
 * (labels and annotations as JSON text; created_by is the secret's
 * author).  Two providers are built in and cannot be changed: env (type
 * Env) and coffer (type CofferProvider), whose ids are "path#key" in
 * Coffer's store "default" (sensu_coffer_resolve).
 *
 * Authorization maps onto DC/OS resources of the store "sensu":
 * dcos:secrets:sensu:/namespaces/{ns}/secrets/{name} and
 * dcos:secrets:sensu:/providers/{name} (read for GET, create or update for
 * PUT, delete for DELETE); a list needs read on
 * dcos:secrets:list:sensu:/namespaces/{ns} (one namespace),
 * dcos:secrets:list:sensu:/namespaces (all) or
 * dcos:secrets:list:sensu:/providers.
 *
 * Namespaces are the config's sensu_namespaces.  Collections support
 * response filtering (labelSelector, fieldSelector: ==, !=, in, notin,
 * matches, &&; a repeated parameter's values are joined with " && ", as
 * Sensu joins them; GET /providers also keeps only the ?types= named,
 * which may repeat) and pagination (limit, continue, the Sensu-Continue
 * header, a base64url token of the last name returned).  Error details are
 * fixed strings: never the names asked for.
 */
#ifndef COFFER_SENSU_H
#define COFFER_SENSU_H

#include <stddef.h>
#include <stdint.h>

#include "identity/context.h"

#define SENSU_STORE "sensu"

struct secret;

/* Every route under /api/enterprise/secrets/v1. */
enum cf_status sensu_dispatch(struct cf_ctx *ctx);

/* The value behind a coffer provider id "path#key" (malloc'd, *len bytes;
 * the caller wipes and frees it): CF_E_BAD_REQUEST for a malformed id (no
 * '#', an empty key, a path that breaks the path rules; a PUT of such an id
 * answers 400), CF_E_NOT_FOUND, or a store error.  Sensu resolves secrets
 * inside its backend when a check, handler or mutator runs; no Sensu API
 * answers a secret's value, so no route calls this (tests/unit/test_sensu.c
 * does). */
enum cf_status sensu_coffer_resolve(
    struct vault *v, const char *id, uint8_t **val, size_t *len);

/* A Secret (provider unset) or SecretProvider body for the resource
 * {ns}/{name} into s, from bytes alone: CF_OK, CF_E_BAD_JSON (not JSON),
 * CF_E_BAD_REQUEST (a bad resource, or a name or namespace that is not
 * the URL's) or CF_E_INTERNAL; *detail is a fixed string of ours. */
enum cf_status sensu_body_parse(const uint8_t *body, size_t blen, int provider,
    const char *ns, const char *name, struct secret *s, const char **detail);

/* clang-format off */
#define SENSU_ROUTES \
	{{"api", "enterprise", "secrets", "v1"}, 1, 4, \
	    HTTP_GET | HTTP_PUT | HTTP_DELETE, CF_D_SENSU, 0, sensu_dispatch}
/* clang-format on */

#endif
