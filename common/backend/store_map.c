/*
 * store_map.c: the hash map of the store's writes in memory: a process's
 * overlay (the journal's effect, read before gdbm) and the open
 * transaction are one each.  An entry is a key and its value, or a
 * tombstone; a later write of a key replaces its entry.  Entries are
 * placed by store_hash (SipHash under a per-process random key), since
 * clients choose the keys.  map_reserve makes room first, so that the
 * map_insert and map_move a commit runs once its record is written cannot
 * fail.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/store.h"
#include "backend/store_impl.h"

#define MAP_MIN_BUCKETS 64

struct ment *
ment_new(uint64_t hash, const void *key, size_t klen, const void *val,
    size_t vlen, int tomb)
{
	struct ment *e;

	if ((e = malloc(sizeof(*e) + klen + vlen)) == NULL)
		return NULL;
	e->next = NULL;
	e->hash = hash;
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	e->tomb = tomb;
	memcpy(e->data, key, klen);
	if (vlen > 0)
		memcpy(e->data + klen, val, vlen);
	return e;
}

/* The link that points at key's entry, or at the NULL ending its chain. */
static struct ment **
map_link(const struct map *m, uint64_t hash, const void *key, size_t klen)
{
	struct ment **pp;

	pp = &m->m_b[hash & (m->m_nb - 1)];
	for (; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->hash == hash && (*pp)->klen == klen &&
		    memcmp((*pp)->data, key, klen) == 0)
			break;
	}
	return pp;
}

struct ment *
map_get(const struct map *m, uint64_t hash, const void *key, size_t klen)
{
	if (m->m_n == 0)
		return NULL;
	return *map_link(m, hash, key, klen);
}

/* Room for n entries, so that the map_insert calls that follow cannot fail. */
int
map_reserve(struct map *m, size_t n)
{
	struct ment **b, *e, *next;
	size_t i, nb;

	if (n <= m->m_nb)
		return 0;
	nb = m->m_nb > 0 ? m->m_nb : MAP_MIN_BUCKETS;
	while (nb < n)
		nb *= 2;
	if ((b = calloc(nb, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < m->m_nb; i++) {
		for (e = m->m_b[i]; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(m->m_b);
	m->m_b = b;
	m->m_nb = nb;
	return 0;
}

/* Takes e, after map_reserve.  Returns the entry it replaced, for the caller
 * to free. */
struct ment *
map_insert(struct map *m, struct ment *e)
{
	struct ment **pp, *old;

	pp = map_link(m, e->hash, e->data, e->klen);
	old = *pp;
	e->next = old != NULL ? old->next : NULL;
	*pp = e;
	if (old == NULL)
		m->m_n++;
	return old;
}

int
map_set(struct map *m, struct ment *e)
{
	if (map_reserve(m, m->m_n + 1) == -1) {
		free(e);
		return -1;
	}
	free(map_insert(m, e));
	return 0;
}

void
map_clear(struct map *m)
{
	struct ment *e, *next;
	size_t i;

	for (i = 0; i < m->m_nb && m->m_n > 0; i++) {
		for (e = m->m_b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
			m->m_n--;
		}
		m->m_b[i] = NULL;
	}
}

void
map_free(struct map *m)
{
	map_clear(m);
	free(m->m_b);
	m->m_b = NULL;
	m->m_nb = 0;
}

/* Move every entry of src into dst, after map_reserve(dst, both). */
void
map_move(struct map *dst, struct map *src)
{
	struct ment *e, *next;
	size_t i;

	for (i = 0; i < src->m_nb; i++) {
		for (e = src->m_b[i]; e != NULL; e = next) {
			next = e->next;
			free(map_insert(dst, e));
		}
		src->m_b[i] = NULL;
	}
	src->m_n = 0;
}
