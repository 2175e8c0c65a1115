/* dialect_body.c: see dialect_body.h. */
#include <string.h>

#include <json-c/json.h>

#include "base/json.h"
#include "base/limits.h"
#include "dialects/dialect_body.h"
#include "vault/secret.h"

static int
labels_valid(struct json_object *a)
{
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++)
		if (!json_object_is_type(
		        json_object_array_get_idx(a, i), json_type_string))
			return 0;
	return 1;
}

/* The SDK's author and the UI's path are accepted too. */
enum cf_status
dcos_body_parse(const uint8_t *body, size_t len, int binary, struct secret *s,
    const char **detail)
{
	static const char *const fields[] = {"value", "author", "created",
	    "description", "labels", "path", NULL};
	struct json_object *o = NULL, *labels;
	const char *str;
	size_t slen;
	enum cf_status st;

	if (binary) {
		s->binary = 1;
		return secret_set(s, "value", body, len) ? CF_E_INTERNAL
		                                         : CF_OK;
	}
	if ((st = cf_json_parse(body, len, &o)) != CF_OK)
		goto out;
	st = CF_E_BAD_JSON;
	if (cf_json_only(o, fields) != CF_OK) {
		*detail = "unknown field in secret";
		goto out;
	}
	if (cf_json_string(o, "value", &str, &slen) != CF_OK) {
		*detail = "value must be a string";
		goto out;
	}
	if (secret_set(s, "value", str, slen) != 0) {
		st = CF_E_INTERNAL;
		goto out;
	}
	if (cf_json_string(o, "author", &str, &slen) == CF_E_BAD_JSON ||
	    cf_json_string(o, "path", &str, &slen) == CF_E_BAD_JSON ||
	    cf_json_string(o, "created", &str, &slen) == CF_E_BAD_JSON) {
		*detail = "author, path and created must be strings";
		goto out;
	}
	if (cf_json_string(o, "author", &str, &slen) == CF_OK &&
	    (s->author = strndup(str, slen)) == NULL)
		goto out;
	if ((st = cf_json_string(o, "description", &str, &slen)) ==
	    CF_E_BAD_JSON) {
		*detail = "description must be a string";
		goto out;
	}
	if (st == CF_OK && (s->description = strndup(str, slen)) == NULL)
		goto out;
	st = cf_json_array(o, "labels", &labels);
	if (st == CF_E_BAD_JSON || (st == CF_OK && !labels_valid(labels))) {
		*detail = "labels must be an array of strings";
		st = CF_E_BAD_JSON;
		goto out;
	}
	if (st == CF_OK)
		s->labels = json_object_get(labels);
	st = CF_OK;
out:
	json_object_put(o);
	return st;
}

enum cf_status
path_body_parse(
    const uint8_t *body, size_t len, struct secret *s, const char **detail)
{
	static const char *const fields[] = {"data", NULL};
	struct json_object *o = NULL, *d;
	enum cf_status st;

	if ((st = cf_json_parse(body, len, &o)) != CF_OK)
		goto out;
	st = CF_E_BAD_JSON;
	if (cf_json_only(o, fields) != CF_OK ||
	    cf_json_object(o, "data", &d) != CF_OK) {
		*detail = "the body must be {\"data\": {...}}";
		goto out;
	}
	if (json_object_object_length(d) > CF_MAX_MAP_KEYS) {
		*detail = SECRET_KEYS_DETAIL;
		st = CF_E_TOO_LARGE;
		goto out;
	}
	json_object_object_foreach(d, key, val)
	{
		if (!json_object_is_type(val, json_type_string) ||
		    *key == '\0') {
			*detail = "data values must be strings";
			goto out;
		}
		/* json-c keeps one member per key: no search needed. */
		if (secret_add(s, key, json_object_get_string(val),
		        (size_t)json_object_get_string_len(val)) != 0) {
			st = CF_E_INTERNAL;
			goto out;
		}
	}
	st = CF_OK;
out:
	json_object_put(o);
	return st;
}
