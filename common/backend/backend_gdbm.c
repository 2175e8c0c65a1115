/*
 * backend_gdbm.c: the gdbm + journal store (store.h) as a backend
 * (backend.h).  A thin table: the store already keeps the contract, and
 * its return values are the interface's.
 */
#include <stdlib.h>

#include "backend/backend.h"
#include "backend/store.h"

_Static_assert(STORE_NOTFOUND == BACKEND_NOTFOUND && STORE_FULL == BACKEND_FULL,
    "the store's return values are the interface's");
_Static_assert(
    STORE_MAX_KEY >= BACKEND_MAX_KEY && STORE_MAX_VALUE >= BACKEND_MAX_VALUE,
    "the store takes every key and value the interface promises");

struct gdbm_backend {
	struct backend b; /* first: a struct backend * points here */
	struct store *st;
};

static struct store *
st_of(struct backend *b)
{
	return ((struct gdbm_backend *)b)->st;
}

static int
gb_open(const char *where, int create, struct backend **out)
{
	struct gdbm_backend *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -1;
	if (store_open(where, create, &g->st) != 0) {
		free(g);
		return -1;
	}
	g->b.ops = &backend_gdbm;
	*out = &g->b;
	return 0;
}

static void
gb_close(struct backend *b)
{
	if (b == NULL)
		return;
	store_close(st_of(b));
	free(b);
}

static int
gb_begin_read(struct backend *b)
{
	return store_begin_read(st_of(b));
}

static void
gb_end_read(struct backend *b)
{
	store_end_read(st_of(b));
}

static int
gb_begin_write(struct backend *b, unsigned flags)
{
	if (store_begin_write(st_of(b)) != 0)
		return -1;
	if (flags & BACKEND_DELETES)
		store_use_reserve(st_of(b));
	return 0;
}

static int
gb_commit(struct backend *b)
{
	return store_commit(st_of(b));
}

static void
gb_abort(struct backend *b)
{
	store_abort(st_of(b));
}

static int
gb_get(struct backend *b, const void *key, size_t klen, uint8_t **val,
    size_t *vlen)
{
	return store_get(st_of(b), key, klen, val, vlen);
}

static int
gb_put(struct backend *b, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	return store_put(st_of(b), key, klen, val, vlen);
}

static int
gb_del(struct backend *b, const void *key, size_t klen)
{
	return store_delete(st_of(b), key, klen);
}

static int
gb_iterate(struct backend *b, const void *prefix, size_t plen,
    backend_iter_fn cb, void *arg)
{
	return store_iterate(st_of(b), prefix, plen, cb, arg);
}

static uint64_t
gb_changes(struct backend *b)
{
	return store_changes(st_of(b));
}

static const char *
gb_damage(struct backend *b)
{
	return store_damage(st_of(b));
}

static int
gb_disk_full(struct backend *b)
{
	return store_disk_full(st_of(b));
}

static void
gb_defer_upkeep(struct backend *b)
{
	store_defer_checkpoints(st_of(b));
}

static void
gb_maintain(struct backend *b)
{
	store_maintain(st_of(b));
}

static void
gb_idle(struct backend *b)
{
	store_idle(st_of(b));
}

static int
gb_stats(struct backend *b, struct backend_stats *out)
{
	int rc;

	if (store_begin_read(st_of(b)) != 0)
		return -1;
	rc = store_stats(st_of(b), &out->records, &out->bytes);
	store_end_read(st_of(b));
	return rc;
}

const struct backend_ops backend_gdbm = {
    .name = "gdbm",
    .open = gb_open,
    .close = gb_close,
    .begin_read = gb_begin_read,
    .end_read = gb_end_read,
    .begin_write = gb_begin_write,
    .commit = gb_commit,
    .abort = gb_abort,
    .get = gb_get,
    .put = gb_put,
    .del = gb_del,
    .iterate = gb_iterate,
    .changes = gb_changes,
    .damage = gb_damage,
    .disk_full = gb_disk_full,
    .defer_upkeep = gb_defer_upkeep,
    .maintain = gb_maintain,
    .idle = gb_idle,
    .stats = gb_stats,
};

struct store *
backend_gdbm_store(struct backend *b)
{
	return b != NULL && b->ops == &backend_gdbm ? st_of(b) : NULL;
}
