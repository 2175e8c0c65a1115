/*
 * iam_dcos.h: DC/OS's Identity and Access Management API under
 * /acs/api/v1/ (docs/apis.md#dcos): login (a password, or a service
 * account's RS256 token) answering a JWT and the login cookies, logout,
 * the JWKS of the token key; users and service accounts, groups and their
 * members, ACLs, their grants and the permissions they give.  The model
 * is identity/iam.h.
 *
 * Bodies are parsed and answers rendered by the pure functions below,
 * over bytes and json-c objects and never the request, so the unit tests
 * and the fuzz target call them as the handlers do.  A handler reads the
 * body, parses it, asks acl_check(), calls iam_* and answers.  Every route
 * but auth (login, logout, JWKS: public, and answered while sealed) needs
 * dcos:superuser, except a user reading its own permissions.  Errors carry
 * DC/OS's codes (ERR_*) and fixed details of ours, never an echo of the
 * request.
 */
#ifndef COFFER_IAM_DCOS_H
#define COFFER_IAM_DCOS_H

#include <stddef.h>
#include <stdint.h>

#include "identity/context.h"

struct json_object;

/* A parsed body: the strings point into o, which the body owns
 * (iam_dcos_body_free); a member the body lacks is NULL. */
struct iam_dcos_body {
	struct json_object *o;
	const char *uid;
	const char *password;
	const char *token;
	const char *description;
	const char *public_key;
};

/*
 * Each parser reads one body and touches nothing else.  CF_OK with *b
 * filled; else CF_E_BAD_JSON (not a JSON object) or CF_E_BAD_REQUEST
 * (an empty body, or one the route does not take), with *code (ERR_*) and
 * *detail fixed strings, and *b holding nothing to free.
 */
/* Login: {uid, and exactly one of password and token, non-empty; exp}. */
enum cf_status iam_dcos_login_parse(const uint8_t *body, size_t len,
    struct iam_dcos_body *b, const char **code, const char **detail);
/* PUT of a user (a password) or a service account (a public_key), with an
 * optional description; DC/OS's other fields are taken and ignored. */
enum cf_status iam_dcos_user_parse(const uint8_t *body, size_t len,
    struct iam_dcos_body *b, const char **code, const char **detail);
/* PATCH of a user: a description, a password, or both. */
enum cf_status iam_dcos_user_patch_parse(const uint8_t *body, size_t len,
    struct iam_dcos_body *b, const char **code, const char **detail);
/* PUT or PATCH of a group or an ACL: {"description"}. */
enum cf_status iam_dcos_description_parse(const uint8_t *body, size_t len,
    struct iam_dcos_body *b, const char **code, const char **detail);
void iam_dcos_body_free(struct iam_dcos_body *b);

/* An ACL's resource id from its path segment, which the http layer has
 * decoded once: decoded once more ("%2F" names "/"), into rid (size bytes
 * with its NUL).  0, or -1 when it is no valid resource id. */
int iam_dcos_rid_parse(const char *seg, char *rid, size_t size);

/* The JWKS of the RSA token key (big-endian modulus and exponent), with
 * Bouncer's kid: NULL when out of memory. */
struct json_object *iam_dcos_jwks(
    const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen);
/* The dcos-acs-info-cookie value for uid: malloc'd, or NULL. */
char *iam_dcos_info_cookie(const char *uid);

/* The handlers, for IAM_DCOS_ROUTES. */
enum cf_status iam_dcos_auth(struct cf_ctx *ctx);
enum cf_status iam_dcos_users(struct cf_ctx *ctx);
enum cf_status iam_dcos_user(struct cf_ctx *ctx);
enum cf_status iam_dcos_user_sub(struct cf_ctx *ctx);
enum cf_status iam_dcos_groups(struct cf_ctx *ctx);
enum cf_status iam_dcos_group(struct cf_ctx *ctx);
enum cf_status iam_dcos_group_users(struct cf_ctx *ctx);
enum cf_status iam_dcos_group_member(struct cf_ctx *ctx);
enum cf_status iam_dcos_acls(struct cf_ctx *ctx);
enum cf_status iam_dcos_acl(struct cf_ctx *ctx);
enum cf_status iam_dcos_acl_permissions(struct cf_ctx *ctx);
enum cf_status iam_dcos_acl_grant(struct cf_ctx *ctx);

/* clang-format off */
#define IAM_DCOS_ACS(x) {"acs", "api", "v1", x, NULL}
#define IAM_DCOS_ALL (HTTP_GET | HTTP_PUT | HTTP_PATCH | HTTP_DELETE)
#define IAM_DCOS_ROUTES \
	{IAM_DCOS_ACS("auth"), 1, 1, HTTP_GET | HTTP_POST, CF_D_DCOS, \
	    ROUTE_PUBLIC | ROUTE_SEALED_OK, iam_dcos_auth}, \
	{IAM_DCOS_ACS("users"), 0, 0, HTTP_GET, CF_D_DCOS, 0, iam_dcos_users}, \
	{IAM_DCOS_ACS("users"), 1, 1, IAM_DCOS_ALL, CF_D_DCOS, 0, \
	    iam_dcos_user}, \
	{IAM_DCOS_ACS("users"), 2, 2, HTTP_GET, CF_D_DCOS, 0, \
	    iam_dcos_user_sub}, \
	{IAM_DCOS_ACS("groups"), 0, 0, HTTP_GET, CF_D_DCOS, 0, \
	    iam_dcos_groups}, \
	{IAM_DCOS_ACS("groups"), 1, 1, IAM_DCOS_ALL, CF_D_DCOS, 0, \
	    iam_dcos_group}, \
	{IAM_DCOS_ACS("groups"), 2, 2, HTTP_GET, CF_D_DCOS, 0, \
	    iam_dcos_group_users}, \
	{IAM_DCOS_ACS("groups"), 3, 3, HTTP_PUT | HTTP_DELETE, CF_D_DCOS, 0, \
	    iam_dcos_group_member}, \
	{IAM_DCOS_ACS("acls"), 0, 0, HTTP_GET, CF_D_DCOS, 0, iam_dcos_acls}, \
	{IAM_DCOS_ACS("acls"), 1, 1, IAM_DCOS_ALL, CF_D_DCOS, 0, \
	    iam_dcos_acl}, \
	{IAM_DCOS_ACS("acls"), 2, 2, HTTP_GET, CF_D_DCOS, 0, \
	    iam_dcos_acl_permissions}, \
	{IAM_DCOS_ACS("acls"), 3, 3, HTTP_GET | HTTP_DELETE, CF_D_DCOS, 0, \
	    iam_dcos_acl_grant}, \
	{IAM_DCOS_ACS("acls"), 4, 4, HTTP_GET | HTTP_PUT | HTTP_DELETE, \
	    CF_D_DCOS, 0, iam_dcos_acl_grant}
/* clang-format on */

#endif
