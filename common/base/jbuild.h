/*
 * jbuild.h: building the JSON that Coffer answers and stores.
 *
 * Each builder returns a value or aborts: a worker that cannot allocate a
 * few dozen bytes cannot answer anyway, and a half-built answer (a member
 * silently missing because json-c returned NULL) would be a wrong one.
 * The supervisor (the web server) starts a new worker.  So no caller
 * checks for NULL, and none may pass NULL where a value is expected;
 * json-c's null is jb_null().
 *
 * Ownership is json-c's: a new value holds one reference; jb_set and
 * jb_push take the reference of the value given them, so a tree is freed
 * by one json_object_put of its root.
 *
 * Secret strings need no special put: every free in a Coffer process
 * zeroes the memory it frees (wipe.h), json-c's strings included, so
 * json_object_put is already a wiping put.
 */
#ifndef COFFER_JBUILD_H
#define COFFER_JBUILD_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

struct json_object *jb_object(void);
struct json_object *jb_array(void);
/* A string of s up to its NUL, or of len bytes (NULs kept). */
struct json_object *jb_str(const char *s);
struct json_object *jb_strn(const void *s, size_t len);
struct json_object *jb_int(int64_t v);
struct json_object *jb_bool(int v);
/* json-c's null: no object at all. */
#define jb_null() ((struct json_object *)NULL)

/* o[key] = v (v's reference taken; v may be jb_null()). */
void jb_set(struct json_object *o, const char *key, struct json_object *v);
void jb_set_str(struct json_object *o, const char *key, const char *s);
void jb_set_int(struct json_object *o, const char *key, int64_t v);
void jb_set_bool(struct json_object *o, const char *key, int v);
/* Append v to the array a (v's reference taken). */
void jb_push(struct json_object *a, struct json_object *v);

#endif
