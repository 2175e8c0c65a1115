/*
 * reply.h: the body of an answer: JSON, and an error in each dialect.
 *
 * reply_error() is the one place a status becomes an error body, in the
 * shape of the route's dialect, from errors.h's row for the status; a
 * handler never writes an error itself.  reply_json() and
 * reply_json_stream() write what a handler built.  JSON is read by json.h
 * and requests by http.h; this module stands above both, so that neither
 * needs the other (a record decoder that reads JSON links no FastCGI).
 *
 * Every rendering of a JSON object is wiped once copied: json-c keeps the
 * text in the object, and it may hold a secret.
 */
#ifndef COFFER_REPLY_H
#define COFFER_REPLY_H

#include "base/errors.h"

struct cf_resp;
struct json_object;

/* Replace resp's status and body with the error; detail may be NULL. */
void reply_error(struct cf_resp *resp, enum cf_dialect d, enum cf_status st,
    const char *detail);
/* The same, with code (a literal such as "ERR_UNKNOWN_USER_ID", or NULL
 * for the status's own) as the DC/OS "code" or the Dapr "errorCode". */
void reply_error_code(struct cf_resp *resp, enum cf_dialect d,
    enum cf_status st, const char *detail, const char *code);

/* Serialize o as the response body (application/json) with this status.
 * Does not take o's reference. */
void reply_json(struct cf_resp *resp, int status, struct json_object *o);
/* Append o, rendered as reply_json does, to resp's stream (http.h); the
 * rendering is wiped.  0, or -1 when the stream failed. */
int reply_json_stream(struct cf_resp *resp, struct json_object *o);

#endif
