/* jbuild.c: see jbuild.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/log.h"

static void
out_of_memory(const char *func)
{
	log_msg("warn", func, 0, "out of memory building JSON");
	abort();
}

static struct json_object *
must(struct json_object *o, const char *func)
{
	if (o == NULL)
		out_of_memory(func);
	return o;
}

struct json_object *
jb_object(void)
{
	return must(json_object_new_object(), __func__);
}

struct json_object *
jb_array(void)
{
	return must(json_object_new_array(), __func__);
}

struct json_object *
jb_str(const char *s)
{
	return jb_strn(s, strlen(s));
}

/* json-c counts a string's length in an int; nothing Coffer builds comes
 * near that, so a longer one is a bug, and is treated as one. */
struct json_object *
jb_strn(const void *s, size_t len)
{
	if (len > INT32_MAX)
		abort();
	return must(json_object_new_string_len(s, (int)len), __func__);
}

struct json_object *
jb_int(int64_t v)
{
	return must(json_object_new_int64(v), __func__);
}

struct json_object *
jb_bool(int v)
{
	return must(json_object_new_boolean(v != 0), __func__);
}

void
jb_set(struct json_object *o, const char *key, struct json_object *v)
{
	if (json_object_object_add(o, key, v) != 0)
		out_of_memory(__func__);
}

void
jb_set_str(struct json_object *o, const char *key, const char *s)
{
	jb_set(o, key, jb_str(s));
}

void
jb_set_int(struct json_object *o, const char *key, int64_t v)
{
	jb_set(o, key, jb_int(v));
}

void
jb_set_bool(struct json_object *o, const char *key, int v)
{
	jb_set(o, key, jb_bool(v));
}

void
jb_push(struct json_object *a, struct json_object *v)
{
	if (json_object_array_add(a, v) != 0)
		out_of_memory(__func__);
}
