/*
 * errors.c: see errors.h.
 *
 * One row per status says everything each dialect needs, so adding a
 * status is one line here.  The shapes and codes are the peers' own
 * (docs/apis.md#error-shapes): DC/OS's title is Falcon's status line,
 * Sensu's code is its ErrCode, CFSSL's is an HTTP error's status (7100 is
 * AuthenticationFailure), and the path API's is the status as an integer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/http.h"
#include "base/json.h"
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

static const struct {
	const char *name; /* errors_name(): for logs and audit */
	int http;         /* HTTP status in every dialect */
	const char *dcos; /* DC/OS (Bouncer) "code" */
	const char *dapr; /* Dapr "errorCode" */
	int sensu;        /* Sensu "code" */
	int cfssl;        /* CFSSL errors[].code */
	const char *msg;  /* default message */
} error_table[CF_STATUS_MAX] = {
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
};

/*
 * Falcon's status lines for the DC/OS title, and the CrossID reason and
 * default message, whose five documented bodies end in a full stop.
 */
static const struct {
	int http;
	const char *title;
	const char *reason;
	const char *crossid_msg;
} status_table[] = {
    {400, "400 Bad Request", "Bad Request",
        "Bad Request: Invalid argument (invalid request payload)."},
    {401, "401 Unauthorized", "Unauthorized", "client is not authenticated."},
    {403, "403 Forbidden", "Forbidden", "the request action is forbidden."},
    {404, "404 Not Found", "Not Found",
        "the requested resource could not be found."},
    {405, "405 Method Not Allowed", "Method Not Allowed", NULL},
    {409, "409 Conflict", "Conflict", NULL},
    {413, "413 Payload Too Large", "Payload Too Large", NULL},
    {415, "415 Unsupported Media Type", "Unsupported Media Type", NULL},
    {429, "429 Too Many Requests", "Too Many Requests", NULL},
    {500, "500 Internal Server Error", "Internal Error",
        "an internal error has occurred."},
    {503, "503 Service Unavailable", "Service Unavailable", NULL},
    {507, "507 Insufficient Storage", "Insufficient Storage", NULL},
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

/* Every status in error_table has a row; 500's is the fallback. */
static size_t
status_row(int http)
{
	size_t i, fallback = 0;

	for (i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++) {
		if (status_table[i].http == http)
			return i;
		if (status_table[i].http == 500)
			fallback = i;
	}
	return fallback;
}

/* Out of memory while building an error: nothing sensible is left. */
static struct json_object *
must(struct json_object *o)
{
	if (o == NULL) {
		lwarnx("out of memory");
		abort();
	}
	return o;
}

static void
add_string(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, must(json_object_new_string(value)));
}

/* "NNNN message" (4 or 5 digits): the CFSSL code and the message. */
static int
cfssl_code(const char *detail, int *code, const char **msg)
{
	int n = 0;
	size_t i;

	for (i = 0; i < 5 && detail[i] >= '0' && detail[i] <= '9'; i++)
		n = n * 10 + (detail[i] - '0');
	if (i < 4 || detail[i] != ' ')
		return -1;
	*code = n;
	*msg = detail + i + 1;
	return 0;
}

static void
render_json(struct cf_resp *resp, enum cf_dialect d, enum cf_status st,
    const char *detail)
{
	struct json_object *o = must(json_object_new_object()), *errs, *e;
	size_t row = status_row(error_table[st].http);
	const char *msg = detail != NULL ? detail : error_table[st].msg;
	int code_n;

	switch (d) {
	case CF_D_DCOS:
		add_string(o, "title", status_table[row].title);
		add_string(o, "description", msg);
		add_string(o, "code", error_table[st].dcos);
		break;
	case CF_D_PATH:
		/* An integer, as the spec's Error schema types it (its
		 * examples' strings fail a client that validates). */
		if (detail == NULL && status_table[row].crossid_msg != NULL)
			msg = status_table[row].crossid_msg;
		json_object_object_add(
		    o, "code", must(json_object_new_int(error_table[st].http)));
		add_string(o, "message", msg);
		add_string(o, "status", status_table[row].reason);
		break;
	case CF_D_DAPR:
		add_string(o, "errorCode", error_table[st].dapr);
		add_string(o, "message", msg);
		break;
	case CF_D_SENSU:
		add_string(o, "message", msg);
		json_object_object_add(o, "code",
		    must(json_object_new_int(error_table[st].sensu)));
		break;
	case CF_D_CFSSL:
	default:
		/* CFSSL's finer codes (9300 CSR signature, 5400 unknown
		 * profile...) ride in our fixed detail as "NNNN message";
		 * the HTTP status stays the status's (400, as CFSSL answers
		 * its own errors). */
		code_n = error_table[st].cfssl;
		if (detail != NULL)
			(void)cfssl_code(detail, &code_n, &msg);
		errs = must(json_object_new_array());
		e = must(json_object_new_object());
		json_object_object_add(
		    e, "code", must(json_object_new_int(code_n)));
		add_string(e, "message", msg);
		json_object_array_add(errs, e);
		json_object_object_add(
		    o, "success", must(json_object_new_boolean(0)));
		json_object_object_add(o, "result", NULL);
		json_object_object_add(o, "errors", errs);
		json_object_object_add(
		    o, "messages", must(json_object_new_array()));
		break;
	}
	cf_json_respond(resp, error_table[st].http, o);
	json_object_put(o);
}

static void
render_sensu_mw(struct cf_resp *resp, enum cf_status st, const char *detail)
{
	struct json_object *o = must(json_object_new_object());

	json_object_object_add(
	    o, "Code", must(json_object_new_int(error_table[st].sensu)));
	add_string(o, "Message", detail != NULL ? detail : error_table[st].msg);
	cf_json_respond(resp, error_table[st].http, o);
	json_object_put(o);
}

void
errors_render_code(struct cf_resp *resp, enum cf_dialect d, enum cf_status st,
    const char *detail, const char *code)
{
	struct json_object *o;
	size_t row;

	st = valid(st);
	if (code == NULL || (d != CF_D_DCOS && d != CF_D_DAPR)) {
		errors_render(resp, d, st, detail);
		return;
	}
	if (error_table[st].http == 401 && d == CF_D_DCOS)
		http_resp_header(resp, "WWW-Authenticate", "acsjwt");
	o = must(json_object_new_object());
	row = status_row(error_table[st].http);
	if (detail == NULL)
		detail = error_table[st].msg;
	if (d == CF_D_DCOS) {
		add_string(o, "title", status_table[row].title);
		add_string(o, "description", detail);
		add_string(o, "code", code);
	} else {
		add_string(o, "errorCode", code);
		add_string(o, "message", detail);
	}
	cf_json_respond(resp, error_table[st].http, o);
	json_object_put(o);
}

void
errors_render(struct cf_resp *resp, enum cf_dialect d, enum cf_status st,
    const char *detail)
{
	const char *msg;

	st = valid(st);
	if (error_table[st].http == 401) {
		/* Bouncer's scheme; the CrossID spec uses bearer tokens. */
		if (d == CF_D_DCOS)
			http_resp_header(resp, "WWW-Authenticate", "acsjwt");
		else if (d == CF_D_PATH)
			http_resp_header(resp, "WWW-Authenticate", "Bearer");
	}
	if (d == CF_D_SENSU_MW) {
		render_sensu_mw(resp, st, detail);
		return;
	}
	if (d != CF_D_PLAIN) {
		render_json(resp, d, st, detail);
		return;
	}
	msg = detail != NULL ? detail : error_table[st].msg;
	http_resp_body(resp, "text/plain; charset=utf-8", msg, strlen(msg));
	buf_add(&resp->body, "\n", 1);
	http_resp_status(resp, error_table[st].http);
}
