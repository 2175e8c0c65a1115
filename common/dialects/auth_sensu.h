/*
 * auth_sensu.h: Sensu Go's authentication API (docs/apis.md#sensu): GET
 * /auth with Basic credentials answers an access token, its expiry and a
 * refresh token; POST /auth/token trades a refresh token (with the access
 * token it came with, expired or not) for new ones; GET /auth/test checks
 * Basic credentials; POST /auth/logout spends a refresh token; and API
 * keys under /api/core/v2/apikeys.  Sensu's secrets are the other Sensu
 * dialect, sensu.h.  The model is identity/iam.h (passwords, refresh
 * tokens, API keys); a login passes the throttle (acl.h).
 *
 * Bodies are parsed and answers rendered by the pure functions below,
 * over bytes and json-c objects and never the request, so the unit tests
 * and the fuzz target call them as the handlers do.  Anyone may list,
 * make and delete their own API keys; another user's need dcos:superuser.
 * Bad Basic credentials answer Sensu's http.Error plain text.  Details
 * are fixed strings of ours: never a credential or a name asked for.
 */
#ifndef COFFER_AUTH_SENSU_H
#define COFFER_AUTH_SENSU_H

#include <stddef.h>
#include <stdint.h>

#include "identity/context.h"

struct json_object;

/* A parsed body: the strings point into o, which the body owns
 * (auth_sensu_body_free); a member the body lacks is NULL. */
struct auth_sensu_body {
	struct json_object *o;
	const char *refresh_token;
	const char *username;
};

/*
 * Each parser reads one body and touches nothing else.  CF_OK with *b
 * filled; else CF_E_BAD_JSON (not a JSON object) or CF_E_BAD_REQUEST,
 * with *detail a fixed string and *b holding nothing to free.
 */
/* /auth/token: {"refresh_token"}, required. */
enum cf_status auth_sensu_token_parse(const uint8_t *body, size_t len,
    struct auth_sensu_body *b, const char **detail);
/* /auth/logout: an empty body, or any object; a refresh_token that is not
 * a string of at most CF_MAX_TOKEN bytes is as if absent: logout spends
 * what it can and always succeeds. */
enum cf_status auth_sensu_logout_parse(const uint8_t *body, size_t len,
    struct auth_sensu_body *b, const char **detail);
/* POST /api/core/v2/apikeys: {"username", "metadata"}, username required. */
enum cf_status auth_sensu_apikey_parse(const uint8_t *body, size_t len,
    struct auth_sensu_body *b, const char **detail);
void auth_sensu_body_free(struct auth_sensu_body *b);

/* Sensu's token answer {"access_token","expires_at","refresh_token"}. */
struct json_object *auth_sensu_tokens(
    const char *access, int64_t expires_at, const char *refresh);

/* The handlers, for AUTH_SENSU_ROUTES. */
enum cf_status auth_sensu_auth(struct cf_ctx *ctx);
enum cf_status auth_sensu_token(struct cf_ctx *ctx);
enum cf_status auth_sensu_test(struct cf_ctx *ctx);
enum cf_status auth_sensu_logout(struct cf_ctx *ctx);
enum cf_status auth_sensu_apikeys(struct cf_ctx *ctx);
enum cf_status auth_sensu_apikey_post(struct cf_ctx *ctx);
enum cf_status auth_sensu_apikey_delete(struct cf_ctx *ctx);

/* clang-format off */
#define AUTH_SENSU_KEYS {"api", "core", "v2", "apikeys", NULL}
#define AUTH_SENSU_ROUTES \
	{{"auth", "token", NULL}, 0, 0, HTTP_POST, CF_D_SENSU, ROUTE_PUBLIC, \
	    auth_sensu_token}, \
	{{"auth", "test", NULL}, 0, 0, HTTP_GET, CF_D_SENSU, ROUTE_PUBLIC, \
	    auth_sensu_test}, \
	{{"auth", "logout", NULL}, 0, 0, HTTP_POST, CF_D_SENSU, 0, \
	    auth_sensu_logout}, \
	{{"auth", NULL}, 0, 0, HTTP_GET, CF_D_SENSU, ROUTE_PUBLIC, \
	    auth_sensu_auth}, \
	{AUTH_SENSU_KEYS, 0, 0, HTTP_GET, CF_D_SENSU, 0, auth_sensu_apikeys}, \
	{AUTH_SENSU_KEYS, 0, 0, HTTP_POST, CF_D_SENSU, 0, \
	    auth_sensu_apikey_post}, \
	{AUTH_SENSU_KEYS, 1, 1, HTTP_DELETE, CF_D_SENSU, ROUTE_KEY_ARG, \
	    auth_sensu_apikey_delete}
/* clang-format on */

#endif
