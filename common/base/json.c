/*
 * json.c: see json.h.
 *
 * A JSON null is the wrong type for every getter (CF_E_BAD_JSON), not an
 * absent member: no Coffer request body uses null, and "absent" must mean
 * the client did not send the member at all.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"

static int
json_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Length of the JSON number at p (RFC 8259 6), or 0 if there is none. */
static size_t
json_number(const unsigned char *p, size_t n)
{
	size_t i = 0, d;

	if (i < n && p[i] == '-')
		i++;
	if (i < n && p[i] == '0')
		i++;
	else if (i < n && p[i] >= '1' && p[i] <= '9')
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && p[i] == '.') {
		for (d = ++i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		if (++i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		for (d = i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i;
}

/*
 * json-c 0.16 lets through, even in strict mode, single-quoted member
 * names, Infinity, numbers such as "-.5" and "1.", raw control characters
 * inside strings (RFC 8259 7 requires an escape; Go and Python refuse them
 * too), and "\u0000" in a member name, which it silently cuts at the NUL
 * so that {"value\u0000x": ...} would arrive as "value".  So the tokens of
 * text it has accepted are checked again here; json-c still judges the
 * structure.
 */
static int
json_text_ok(const unsigned char *p, size_t n)
{
	static const char *const lit[] = {"true", "false", "null"};
	size_t i = 0, j, k;
	int nul;

	while (i < n) {
		if (json_ws(p[i]) ||
		    (p[i] != '\0' && strchr("{}[]:,", p[i]) != NULL)) {
			i++;
		} else if (p[i] == '"') {
			for (nul = 0, i++; i < n && p[i] != '"'; i++) {
				if (p[i] < 0x20)
					return 0;
				if (p[i] != '\\')
					continue;
				if (n - i > 5 && p[i + 1] == 'u' &&
				    memcmp(p + i + 2, "0000", 4) == 0)
					nul = 1;
				i++;
			}
			if (i++ >= n)
				return 0;
			for (j = i; j < n && json_ws(p[j]); j++)
				;
			if (nul && j < n && p[j] == ':')
				return 0;
		} else if ((j = json_number(p + i, n - i)) > 0) {
			i += j;
		} else {
			for (k = 0; k < 3; k++)
				if (n - i >= strlen(lit[k]) &&
				    memcmp(p + i, lit[k], strlen(lit[k])) == 0)
					break;
			if (k == 3)
				return 0;
			i += strlen(lit[k]);
		}
	}
	return 1;
}

/* 1e999 is a valid JSON number that json-c turns into infinity. */
static int
json_finite(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (!json_finite(json_object_array_get_idx(o, i)))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(o, k, v)
		{
			(void)k;
			if (!json_finite(v))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

enum cf_status
cf_json_parse(const void *buf, size_t len, struct json_object **out)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	const unsigned char *p = buf;
	size_t end;
	enum cf_status st = CF_E_BAD_JSON;

	/* json-c takes an int length; bodies are far smaller anyway. */
	if (buf == NULL || len == 0 || len > INT32_MAX)
		goto out;
	if (codec_utf8_valid(buf, len) != 1)
		goto out;
	if ((tok = json_tokener_new_ex(CF_MAX_JSON_DEPTH)) == NULL) {
		lwarnx("json_tokener_new_ex failed");
		st = CF_E_INTERNAL;
		goto out;
	}
	json_tokener_set_flags(
	    tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	/* json_tokener_continue (a truncated text) is an error here too. */
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto out;
	/* "Trailing characters ... do not automatically cause an error". */
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!json_ws(p[end]))
			goto out;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_text_ok(p, len) || !json_finite(o))
		goto out;
	*out = o;
	o = NULL;
	st = CF_OK;
out:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	return st;
}

/* The member, or CF_E_NOT_FOUND; CF_E_BAD_JSON if it is not of type t. */
static enum cf_status
member(struct json_object *o, const char *key, enum json_type t,
    struct json_object **v)
{
	struct json_object *m;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return CF_E_BAD_JSON;
	if (!json_object_object_get_ex(o, key, &m))
		return CF_E_NOT_FOUND;
	if (m == NULL || !json_object_is_type(m, t))
		return CF_E_BAD_JSON;
	*v = m;
	return CF_OK;
}

/*
 * A caller that passes no len gets a C string, so one with an embedded NUL
 * is refused rather than cut short.
 */
enum cf_status
cf_json_string(
    struct json_object *o, const char *key, const char **s, size_t *len)
{
	struct json_object *v;
	const char *str;
	enum cf_status st;
	int n;

	if ((st = member(o, key, json_type_string, &v)) != CF_OK)
		return st;
	str = json_object_get_string(v);
	if ((n = json_object_get_string_len(v)) < 0)
		return CF_E_BAD_JSON;
	if (len == NULL && memchr(str, '\0', (size_t)n) != NULL)
		return CF_E_BAD_JSON;
	*s = str;
	if (len != NULL)
		*len = (size_t)n;
	return CF_OK;
}

/*
 * json-c clamps out-of-range integers without an error: anything above
 * INT64_MAX is kept as a uint64 (itself clamped at UINT64_MAX) and anything
 * below INT64_MIN becomes INT64_MIN.  So a value above INT64_MAX, and
 * INT64_MIN itself, are out of range whatever min and max say.
 */
enum cf_status
cf_json_int(struct json_object *o, const char *key, int64_t min, int64_t max,
    int64_t *out)
{
	struct json_object *v;
	enum cf_status st;
	int64_t i;

	if ((st = member(o, key, json_type_int, &v)) != CF_OK)
		return st;
	i = json_object_get_int64(v);
	if (i == INT64_MIN ||
	    (i == INT64_MAX && json_object_get_uint64(v) != INT64_MAX))
		return CF_E_BAD_JSON;
	if (i < min || i > max)
		return CF_E_BAD_JSON;
	*out = i;
	return CF_OK;
}

enum cf_status
cf_json_bool(struct json_object *o, const char *key, int *out)
{
	struct json_object *v;
	enum cf_status st;

	if ((st = member(o, key, json_type_boolean, &v)) != CF_OK)
		return st;
	*out = json_object_get_boolean(v) ? 1 : 0;
	return CF_OK;
}

enum cf_status
cf_json_object(struct json_object *o, const char *key, struct json_object **out)
{
	return member(o, key, json_type_object, out);
}

enum cf_status
cf_json_array(struct json_object *o, const char *key, struct json_object **out)
{
	return member(o, key, json_type_array, out);
}

enum cf_status
cf_json_text(struct json_object *o, const char *key, size_t max, const char **s)
{
	size_t len;
	enum cf_status st;

	*s = NULL;
	st = cf_json_string(o, key, s, &len);
	if (st == CF_E_NOT_FOUND)
		return CF_OK;
	if (st != CF_OK || len > max || strlen(*s) != len) {
		*s = NULL;
		return CF_E_BAD_JSON;
	}
	return CF_OK;
}

enum cf_status
cf_json_only(struct json_object *o, const char *const *allowed)
{
	size_t i;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return CF_E_BAD_JSON;
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		for (i = 0; allowed != NULL && allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed == NULL || allowed[i] == NULL)
			return CF_E_BAD_JSON;
	}
	return CF_OK;
}
