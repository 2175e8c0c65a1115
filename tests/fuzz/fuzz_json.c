/*
 * fuzz_json: libFuzzer target for the JSON reader (common/base/json.c), which
 * reads every request body and every token's header and payload before
 * anything is authenticated.
 *
 * What cf_json_parse() promises is checked of every text it accepts: the
 * text is valid UTF-8, the value an object no deeper than
 * CF_MAX_JSON_DEPTH, and anything but white space after it is refused.
 * The typed getters are asked for every member under every type: each
 * answers exactly one of found, absent or wrong type, a string comes with
 * json-c's length and is valid UTF-8, an integer is in the range asked.
 * What Coffer writes back (reply_json's rendering) reads again as
 * the same object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/errors.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/reply.h"

/* The range asked of cf_json_int, narrower than int64 on purpose. */
#define FUZZ_INT_MIN (-1000)
#define FUZZ_INT_MAX 1000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Depth of o: 1 for a scalar, one more per enclosing array or object. */
static int
depth(struct json_object *o)
{
	size_t i, n;
	int d, max = 0;

	switch (json_object_get_type(o)) {
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if ((d = depth(json_object_array_get_idx(o, i))) > max)
				max = d;
		return max + 1;
	case json_type_object: {
		json_object_object_foreach(o, k, v)
		{
			(void)k;
			if ((d = depth(v)) > max)
				max = d;
		}
		return max + 1;
	}
	default:
		return 1;
	}
}

/* Ask for member key under every getter; abort on a broken promise. */
static void
check_member(struct json_object *o, const char *key, struct json_object *v)
{
	const char *s;
	size_t len;
	int64_t i;
	int b, found = 0;
	struct json_object *x;

	if (cf_json_string(o, key, &s, &len) == CF_OK) {
		found++;
		if ((int)len != json_object_get_string_len(v) ||
		    s[len] != '\0' || codec_utf8_valid(s, len) != 1)
			abort();
		/* Without a length, an embedded NUL is refused. */
		if ((cf_json_string(o, key, &s, NULL) == CF_OK) !=
		    (memchr(s, '\0', len) == NULL))
			abort();
	}
	if (cf_json_int(o, key, FUZZ_INT_MIN, FUZZ_INT_MAX, &i) == CF_OK) {
		found++;
		if (i < FUZZ_INT_MIN || i > FUZZ_INT_MAX ||
		    !json_object_is_type(v, json_type_int))
			abort();
	}
	if (cf_json_bool(o, key, &b) == CF_OK) {
		found++;
		if (b != 0 && b != 1)
			abort();
	}
	if (cf_json_object(o, key, &x) == CF_OK) {
		found++;
		if (x != v || !json_object_is_type(x, json_type_object))
			abort();
	}
	if (cf_json_array(o, key, &x) == CF_OK) {
		found++;
		if (x != v || !json_object_is_type(x, json_type_array))
			abort();
	}
	if (found > 1)
		abort();
}

/* Parsing data followed by tail must be refused. */
static void
check_refused_with(const uint8_t *data, size_t size, const char *tail)
{
	size_t n = strlen(tail);
	uint8_t *buf = malloc(size + n);
	struct json_object *o = NULL;

	if (buf == NULL)
		return;
	memcpy(buf, data, size);
	memcpy(buf + size, tail, n);
	if (cf_json_parse(buf, size + n, &o) == CF_OK)
		abort();
	free(buf);
}

/* The rendering of o reads again, to an object of as many members. */
static void
check_round_trip(struct json_object *o)
{
	struct json_object *again = NULL;
	const char *s;
	size_t len;

	s = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s == NULL || cf_json_parse(s, len, &again) != CF_OK ||
	    json_object_object_length(again) != json_object_object_length(o))
		abort();
	json_object_put(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const none[] = {NULL};
	struct json_object *o = NULL;

	if (cf_json_parse(data, size, &o) != CF_OK) {
		if (o != NULL)
			abort(); /* nothing handed out on a refusal */
		return 0;
	}
	if (!json_object_is_type(o, json_type_object) ||
	    codec_utf8_valid(data, size) != 1 || depth(o) > CF_MAX_JSON_DEPTH)
		abort();
	json_object_object_foreach(o, key, v)
	{
		check_member(o, key, v);
		if (cf_json_only(o, none) == CF_OK)
			abort(); /* a member no list names */
	}
	check_refused_with(data, size, "x");
	check_refused_with(data, size, "{}");
	check_round_trip(o);
	json_object_put(o);
	return 0;
}
