/*
 * reply.c: see reply.h.
 *
 * The shapes are the peers' own (docs/apis.md#error-shapes): DC/OS's title
 * is Falcon's status line, the path API's code is the status as an
 * integer, and the codes in them come from errors.c's table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/http.h"
#include "base/jbuild.h"
#include "base/log.h"
#include "base/reply.h"

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

/*
 * json-c keeps the serialized text in the object until it is freed; it may
 * hold a secret, so it is wiped once copied.  json-c rebuilds it on the next
 * call, so the object stays usable.
 */
void
reply_json(struct cf_resp *resp, int status, struct json_object *o)
{
	const char *s;
	size_t len;

	s = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s == NULL) {
		lwarnx("json_object_to_json_string_length failed");
		abort();
	}
	http_resp_body(resp, "application/json", s, len);
	explicit_bzero((char *)(uintptr_t)s, len);
	http_resp_status(resp, status);
}

int
reply_json_stream(struct cf_resp *resp, struct json_object *o)
{
	const char *s;
	size_t len;
	int rc;

	s = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s == NULL) {
		lwarnx("json_object_to_json_string_length failed");
		abort();
	}
	rc = http_stream_put(resp, s, len);
	explicit_bzero((char *)(uintptr_t)s, len);
	return rc;
}

/* Every status in errors.c's table has a row; 500's is the fallback. */
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
render_json(struct cf_resp *resp, enum cf_dialect d,
    const struct errors_info *ei, const char *detail)
{
	struct json_object *o = jb_object(), *errs, *e;
	size_t row = status_row(ei->http);
	const char *msg = detail != NULL ? detail : ei->msg;
	int code_n;

	switch (d) {
	case CF_D_DCOS:
		jb_set_str(o, "title", status_table[row].title);
		jb_set_str(o, "description", msg);
		jb_set_str(o, "code", ei->dcos);
		break;
	case CF_D_PATH:
		/* An integer, as the spec's Error schema types it (its
		 * examples' strings fail a client that validates). */
		if (detail == NULL && status_table[row].crossid_msg != NULL)
			msg = status_table[row].crossid_msg;
		jb_set_int(o, "code", ei->http);
		jb_set_str(o, "message", msg);
		jb_set_str(o, "status", status_table[row].reason);
		break;
	case CF_D_DAPR:
		jb_set_str(o, "errorCode", ei->dapr);
		jb_set_str(o, "message", msg);
		break;
	case CF_D_SENSU:
		jb_set_str(o, "message", msg);
		jb_set_int(o, "code", ei->sensu);
		break;
	case CF_D_CFSSL:
	default:
		/* CFSSL's finer codes (9300 CSR signature, 5400 unknown
		 * profile...) ride in our fixed detail as "NNNN message";
		 * the HTTP status stays the status's (400, as CFSSL answers
		 * its own errors). */
		code_n = ei->cfssl;
		if (detail != NULL)
			(void)cfssl_code(detail, &code_n, &msg);
		errs = jb_array();
		e = jb_object();
		jb_set_int(e, "code", code_n);
		jb_set_str(e, "message", msg);
		jb_push(errs, e);
		jb_set_bool(o, "success", 0);
		jb_set(o, "result", jb_null());
		jb_set(o, "errors", errs);
		jb_set(o, "messages", jb_array());
		break;
	}
	reply_json(resp, ei->http, o);
	json_object_put(o);
}

static void
render_sensu_mw(
    struct cf_resp *resp, const struct errors_info *ei, const char *detail)
{
	struct json_object *o = jb_object();

	jb_set_int(o, "Code", ei->sensu);
	jb_set_str(o, "Message", detail != NULL ? detail : ei->msg);
	reply_json(resp, ei->http, o);
	json_object_put(o);
}

/*
 * Vault's KV API: {"errors": [...]}.  Vault answers every refused or
 * missing credential 403 "permission denied", a missing secret 404 with
 * an empty list (hvac and Ansible tell "absent" by it), a failed
 * check-and-set 400, and anything while sealed 503 "Vault is sealed".
 */
static void
render_vault(struct cf_resp *resp, enum cf_status st,
    const struct errors_info *ei, const char *detail)
{
	struct json_object *o = jb_object(), *errs = jb_array();
	const char *msg = detail != NULL ? detail : ei->msg;
	int http = ei->http;

	if (http == 401 || http == 403) {
		http = 403;
		msg = "permission denied";
	} else if (http == 409) {
		http = 400;
	} else if (st == CF_E_SEALED) {
		msg = "Vault is sealed";
	}
	if (http != 404 || detail != NULL)
		jb_push(errs, jb_str(msg));
	jb_set(o, "errors", errs);
	reply_json(resp, http, o);
	json_object_put(o);
}

/*
 * ACME's problem documents (RFC 8555 6.7): the type is code (an ACME
 * error name such as "badNonce", a literal), or the status's own:
 * malformed for bad input, unauthorized for a refusal, rateLimited,
 * serverInternal for what is ours.
 */
static const char *
acme_type(int http)
{
	if (http == 401 || http == 403)
		return "unauthorized";
	if (http == 429)
		return "rateLimited";
	if (http >= 500)
		return "serverInternal";
	return "malformed";
}

static void
render_acme(struct cf_resp *resp, const struct errors_info *ei,
    const char *detail, const char *code)
{
	struct json_object *o = jb_object();
	char type[96];

	snprintf(type, sizeof(type), "urn:ietf:params:acme:error:%s",
	    code != NULL ? code : acme_type(ei->http));
	jb_set_str(o, "type", type);
	jb_set_str(o, "detail", detail != NULL ? detail : ei->msg);
	jb_set_int(o, "status", ei->http);
	reply_json(resp, ei->http, o);
	resp->ctype = "application/problem+json";
	json_object_put(o);
}

void
reply_error_code(struct cf_resp *resp, enum cf_dialect d, enum cf_status st,
    const char *detail, const char *code)
{
	const struct errors_info *ei;
	struct json_object *o;
	size_t row;

	if (d == CF_D_ACME) {
		render_acme(resp, errors_info(st), detail, code);
		return;
	}
	if (code == NULL || (d != CF_D_DCOS && d != CF_D_DAPR)) {
		reply_error(resp, d, st, detail);
		return;
	}
	ei = errors_info(st);
	if (ei->http == 401 && d == CF_D_DCOS)
		http_resp_header(resp, "WWW-Authenticate", "acsjwt");
	o = jb_object();
	row = status_row(ei->http);
	if (detail == NULL)
		detail = ei->msg;
	if (d == CF_D_DCOS) {
		jb_set_str(o, "title", status_table[row].title);
		jb_set_str(o, "description", detail);
		jb_set_str(o, "code", code);
	} else {
		jb_set_str(o, "errorCode", code);
		jb_set_str(o, "message", detail);
	}
	reply_json(resp, ei->http, o);
	json_object_put(o);
}

void
reply_error(struct cf_resp *resp, enum cf_dialect d, enum cf_status st,
    const char *detail)
{
	const struct errors_info *ei = errors_info(st);
	const char *msg;

	if (ei->http == 401) {
		/* Bouncer's scheme; the CrossID spec uses bearer tokens. */
		if (d == CF_D_DCOS)
			http_resp_header(resp, "WWW-Authenticate", "acsjwt");
		else if (d == CF_D_PATH)
			http_resp_header(resp, "WWW-Authenticate", "Bearer");
	}
	if (d == CF_D_SENSU_MW) {
		render_sensu_mw(resp, ei, detail);
		return;
	}
	if (d == CF_D_VAULT) {
		render_vault(resp, st, ei, detail);
		return;
	}
	if (d == CF_D_ACME) {
		render_acme(resp, ei, detail, NULL);
		return;
	}
	if (d != CF_D_PLAIN) {
		render_json(resp, d, ei, detail);
		return;
	}
	msg = detail != NULL ? detail : ei->msg;
	http_resp_body(resp, "text/plain; charset=utf-8", msg, strlen(msg));
	buf_add(&resp->body, "\n", 1);
	http_resp_status(resp, ei->http);
}
