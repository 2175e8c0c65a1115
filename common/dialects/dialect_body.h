/*
 * dialect_body.h: the request bodies of the DC/OS and path dialects,
 * parsed from bytes alone.
 *
 * Each parser reads one body into a struct secret (secret.h) and touches
 * nothing else: no request, no store, no I/O, so the unit tests and the
 * fuzz target call them exactly as cgi-bin/secrets does.  A body is
 * refused whole: on an error *s may hold part of what was read, and the
 * caller frees it without writing it.
 *
 * *detail is set, on an error the client caused, to a fixed string of
 * ours (never an echo of the body); it is left alone otherwise.
 */
#ifndef COFFER_DIALECT_BODY_H
#define COFFER_DIALECT_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

struct secret;

/* A DC/OS Secret: raw bytes when binary (application/octet-stream),
 * otherwise a JSON object whose "value" (a string) is required, with the
 * optional author, created, description, labels and path.  CF_OK,
 * CF_E_BAD_JSON or CF_E_INTERNAL. */
enum cf_status dcos_body_parse(const uint8_t *body, size_t len, int binary,
    struct secret *s, const char **detail);

/* A path-dialect secret {"data": {"key": "value", ...}}: non-empty keys,
 * string values, at most CF_MAX_MAP_KEYS of them.  CF_OK, CF_E_BAD_JSON,
 * CF_E_TOO_LARGE or CF_E_INTERNAL. */
enum cf_status path_body_parse(
    const uint8_t *body, size_t len, struct secret *s, const char **detail);

#endif
