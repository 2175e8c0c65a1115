/*
 * json.h: the only way Coffer reads JSON from a request (jbuild.h builds
 * it, reply.h writes it into an answer).
 *
 * cf_json_parse() is strict: valid UTF-8, bounded depth, an object at the
 * top, nothing after it.  The getters check presence and type and take
 * lengths from json-c (so an embedded NUL cannot cut a string short);
 * json_object_get_string() is never used on request data, since on a
 * non-string it returns the JSON text of the value.
 *
 * Ownership: cf_json_parse() gives the caller one reference
 * (json_object_put() frees it).  Strings from the getters are borrowed from
 * the object and live as long as it does.
 */
#ifndef COFFER_JSON_H
#define COFFER_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

struct json_object;

/* CF_OK, or CF_E_BAD_JSON (syntax, UTF-8, depth, trailing bytes, not an
 * object). */
enum cf_status cf_json_parse(
    const void *buf, size_t len, struct json_object **out);

/* Each returns CF_OK, CF_E_NOT_FOUND when the member is absent (or null,
 * if null_is_absent), or CF_E_BAD_JSON when it has the wrong type. */
enum cf_status cf_json_string(
    struct json_object *o, const char *key, const char **s, size_t *len);
enum cf_status cf_json_int(struct json_object *o, const char *key, int64_t min,
    int64_t max, int64_t *out);
enum cf_status cf_json_bool(struct json_object *o, const char *key, int *out);
enum cf_status cf_json_object(
    struct json_object *o, const char *key, struct json_object **out);
enum cf_status cf_json_array(
    struct json_object *o, const char *key, struct json_object **out);

/* An optional text member: *s NULL when absent, CF_E_BAD_JSON (and *s
 * NULL) when it is not a string, is over max bytes or holds a NUL. */
enum cf_status cf_json_text(
    struct json_object *o, const char *key, size_t max, const char **s);

/* CF_E_BAD_JSON if o has a member not named in the NULL-terminated list. */
enum cf_status cf_json_only(struct json_object *o, const char *const *allowed);

#endif
