/*
 * errors.c: see errors.h.
 *
 * One row per status says everything each dialect needs, so adding a
 * status is one line here.  The codes are the peers' own
 * (docs/apis.md#error-shapes): Sensu's code is its ErrCode, CFSSL's is an
 * HTTP error's status (7100 is AuthenticationFailure); reply.c makes the
 * shapes.
 */
#include <stddef.h>

#include "base/errors.h"
#include "base/log.h"

/* Sensu's actions.ErrCode (backend/apid/actions/error.go). */
enum sensu_code {
	SENSU_INTERNAL = 0,
	SENSU_INVALID = 1,
	SENSU_NOT_FOUND = 2,
	SENSU_EXISTS = 3,
	SENSU_DENIED = 4,
	SENSU_UNAUTHENTICATED = 5,
};

static const struct errors_info error_table[CF_STATUS_MAX] = {
    [CF_OK] = {"ok", 200, NULL, NULL, 0, 0, NULL},
    [CF_E_BAD_REQUEST] = {"bad_request", 400, "ERR_INVALID_DATA",
        "ERR_MALFORMED_REQUEST", SENSU_INVALID, 400, "invalid request"},
    [CF_E_BAD_JSON] = {"bad_json", 400, "ERR_INVALID_DATA",
        "ERR_MALFORMED_REQUEST", SENSU_INVALID, 400,
        "the request body is not valid for this endpoint"},
    [CF_E_BAD_PATH] = {"bad_path", 400, "ERR_INVALID_PATH",
        "ERR_MALFORMED_REQUEST", SENSU_INVALID, 400, "invalid path"},
    [CF_E_BAD_ACCEPT] = {"bad_accept", 400, "ERR_UNSUPPORTED_ACCEPT",
        "ERR_MALFORMED_REQUEST", SENSU_INVALID, 400,
        "Unsupported Accept header"},
    [CF_E_BAD_CTYPE] = {"bad_ctype", 400, "ERR_UNSUPPORTED_CONTENT_TYPE",
        "ERR_MALFORMED_REQUEST", SENSU_INVALID, 400,
        "Unsupported Content-Type header"},
    [CF_E_UNAUTHORIZED] = {"unauthorized", 401, "ERR_UNAUTHORIZED",
        "ERR_UNAUTHORIZED", SENSU_UNAUTHENTICATED, 7100,
        "client is not authenticated"},
    [CF_E_FORBIDDEN] = {"forbidden", 403, "ERR_FORBIDDEN",
        "ERR_PERMISSION_DENIED", SENSU_DENIED, 403,
        "the request action is forbidden"},
    [CF_E_NOT_FOUND] = {"not_found", 404, "ERR_NOT_FOUND", "ERR_NOT_FOUND",
        SENSU_NOT_FOUND, 404, "the requested resource could not be found"},
    [CF_E_METHOD] = {"method", 405, "ERR_METHOD_NOT_ALLOWED",
        "ERR_METHOD_NOT_ALLOWED", SENSU_INVALID, 405, "method not allowed"},
    [CF_E_CONFLICT] = {"conflict", 409, "ERR_CONFLICT", "ERR_CONFLICT",
        SENSU_EXISTS, 409, "resource already exists"},
    [CF_E_TOO_LARGE] = {"too_large", 413, "ERR_BODY_TOO_LARGE",
        "ERR_BODY_TOO_LARGE", SENSU_INVALID, 413, "request body too large"},
    [CF_E_MEDIA_TYPE] = {"media_type", 415, "ERR_UNSUPPORTED_MEDIA_TYPE",
        "ERR_UNSUPPORTED_MEDIA_TYPE", SENSU_INVALID, 415,
        "unsupported media type"},
    [CF_E_TOO_MANY] = {"too_many", 429, "ERR_TOO_MANY_REQUESTS",
        "ERR_TOO_MANY_REQUESTS", SENSU_INVALID, 429, "too many requests"},
    [CF_E_ALREADY_INIT] = {"already_init", 400, "ERR_ALREADY_INITIALIZED",
        "ERR_ALREADY_INITIALIZED", SENSU_EXISTS, 400,
        "the store is already initialized"},
    [CF_E_NOT_INIT] = {"not_init", 503, "ERR_NOT_INITIALIZED",
        "ERR_NOT_INITIALIZED", SENSU_INTERNAL, 503,
        "the store is not initialized"},
    [CF_E_SEALED] = {"sealed", 503, "ERR_SEALED", "ERR_SEALED", SENSU_INTERNAL,
        503, "the store is sealed"},
    [CF_E_PLAIN_HTTP] = {"plain_http", 403, "ERR_TLS_REQUIRED",
        "ERR_TLS_REQUIRED", SENSU_DENIED, 403, "TLS is required"},
    [CF_E_INTERNAL] = {"internal", 500, "ERR_INTERNAL", "ERR_INTERNAL",
        SENSU_INTERNAL, 500, "an internal error has occurred"},
    /* Said no more than any 500: which record failed is for the log. */
    [CF_E_CRYPTO] = {"crypto", 500, "ERR_INTERNAL", "ERR_INTERNAL",
        SENSU_INTERNAL, 500, "an internal error has occurred"},
    /* Which file and offset is for the log and cofferctl verify. */
    [CF_E_STORE_DAMAGED] = {"store_damaged", 503, "ERR_STORE_DAMAGED",
        "ERR_STORE_DAMAGED", SENSU_INTERNAL, 503,
        "the store is damaged: it serves nothing until it is salvaged or "
        "restored from a backup"},
    /* The disk's state, not the request's fault: the client may retry
     * once an operator frees space, and may delete meanwhile. */
    [CF_E_STORE_FULL] = {"store_full", 507, "ERR_STORE_FULL", "ERR_STORE_FULL",
        SENSU_INTERNAL, 507,
        "the store's disk is full: it takes deletes only, until space is "
        "freed"},
    /* Not the data's fault, and no operator's repair: the database went
     * away and the next request after it returns is served.  Which
     * server, and why, is for the log. */
    [CF_E_STORE_UNAVAILABLE] = {"store_unavailable", 503,
        "ERR_STORE_UNAVAILABLE", "ERR_STORE_UNAVAILABLE", SENSU_INTERNAL, 503,
        "the store's database cannot be reached: retry later"},
};

static enum cf_status
valid(enum cf_status st)
{
	if ((int)st <= CF_OK || st >= CF_STATUS_MAX) {
		lwarnx("rendering status %d as an internal error", (int)st);
		return CF_E_INTERNAL;
	}
	return st;
}

int
errors_http_status(enum cf_status st)
{
	if ((int)st < CF_OK || st >= CF_STATUS_MAX)
		return 500;
	return error_table[st].http;
}

const char *
errors_name(enum cf_status st)
{
	if ((int)st < CF_OK || st >= CF_STATUS_MAX)
		return "unknown";
	return error_table[st].name;
}

const struct errors_info *
errors_info(enum cf_status st)
{
	return &error_table[valid(st)];
}
