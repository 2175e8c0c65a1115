/* reccache.c: see reccache.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/limits.h"
#include "vault/reccache.h"

struct reccache_slot {
	char *key; /* NULL: empty */
	uint8_t *rec;
	size_t len;
	struct json_object *obj;
	uint64_t seen; /* reccache_stamp's change counter, when stamped */
	int stamped;
};

struct reccache {
	struct reccache_slot *slot;
	size_t nslots;
};

/* FNV-1a: store keys are short, and a collision only costs a miss. */
static struct reccache_slot *
reccache_slot(struct reccache *c, const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return &c->slot[h % c->nslots];
}

static void
reccache_empty(struct reccache_slot *s)
{
	free(s->key);
	free(s->rec);
	json_object_put(s->obj);
	memset(s, 0, sizeof(*s));
}

struct reccache *
reccache_new(size_t slots)
{
	struct reccache *c;

	if (slots == 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->slot = calloc(slots, sizeof(*c->slot))) == NULL) {
		free(c);
		return NULL;
	}
	c->nslots = slots;
	return c;
}

void
reccache_clear(struct reccache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nslots; i++)
		reccache_empty(&c->slot[i]);
}

void
reccache_free(struct reccache *c)
{
	if (c == NULL)
		return;
	reccache_clear(c);
	free(c->slot);
	free(c);
}

struct json_object *
reccache_find(
    struct reccache *c, const char *key, const uint8_t *rec, size_t len)
{
	struct reccache_slot *s;

	if (c == NULL)
		return NULL;
	s = reccache_slot(c, key);
	/* Sealed bytes are ciphertext: memcmp leaks nothing worth hiding. */
	if (s->key == NULL || s->obj == NULL || strcmp(s->key, key) != 0 ||
	    s->len != len || memcmp(s->rec, rec, len) != 0)
		return NULL;
	return s->obj;
}

void
reccache_keep(struct reccache *c, const char *key, const uint8_t *rec,
    size_t len, struct json_object *o)
{
	struct reccache_slot *s;

	if (c == NULL)
		return;
	s = reccache_slot(c, key);
	reccache_empty(s);
	if (len > CF_RECCACHE_BYTES)
		return;
	if ((s->key = strdup(key)) == NULL ||
	    (s->rec = malloc(len ? len : 1)) == NULL) {
		reccache_empty(s);
		return;
	}
	memcpy(s->rec, rec, len);
	s->len = len;
	s->obj = json_object_get(o);
}

struct json_object *
reccache_current(struct reccache *c, const char *key, uint64_t changes)
{
	struct reccache_slot *s;

	if (c == NULL)
		return NULL;
	s = reccache_slot(c, key);
	if (s->key == NULL || !s->stamped || s->seen != changes ||
	    strcmp(s->key, key) != 0)
		return NULL;
	return s->obj;
}

int
reccache_absent(struct reccache *c, const char *key, uint64_t changes)
{
	struct reccache_slot *s;

	if (c == NULL)
		return 0;
	s = reccache_slot(c, key);
	return s->key != NULL && s->obj == NULL && s->stamped &&
	       s->seen == changes && strcmp(s->key, key) == 0;
}

void
reccache_keep_absent(struct reccache *c, const char *key, uint64_t changes)
{
	struct reccache_slot *s;

	if (c == NULL)
		return;
	s = reccache_slot(c, key);
	reccache_empty(s);
	if ((s->key = strdup(key)) == NULL)
		return;
	s->seen = changes;
	s->stamped = 1;
}

void
reccache_stamp(struct reccache *c, const char *key, uint64_t changes)
{
	struct reccache_slot *s;

	if (c == NULL)
		return;
	s = reccache_slot(c, key);
	if (s->key != NULL && strcmp(s->key, key) == 0) {
		s->seen = changes;
		s->stamped = 1;
	}
}

void
reccache_forget(struct reccache *c, const char *key)
{
	struct reccache_slot *s;

	if (c == NULL)
		return;
	s = reccache_slot(c, key);
	if (s->key != NULL && strcmp(s->key, key) == 0)
		reccache_empty(s);
}
