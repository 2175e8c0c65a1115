/*
 * store_view.c: a process's view of the committed state, and the reads
 * through it.  A view is one epoch's gdbm file (st_db, a descriptor of its
 * own) and the overlay of that epoch's journal up to st_jend.
 * view_current keeps it current without a lock while the epoch holds;
 * view_refresh rebuilds it under the lock; view_close drops it.  A get or
 * an iterate looks in the transaction (in a write section), the overlay,
 * then gdbm: the newest layer holds a key's truth.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/store.h"
#include "backend/store_impl.h"

/* A gdbm failure other than a missing key or memory: its file cannot be
 * read as written, and a key it would not find may well be in it. */
static void
gdbm_failed(struct store *st, const char *func)
{
	if (gdbm_errno == GDBM_MALLOC_ERROR ||
	    (gdbm_errno == GDBM_FILE_OPEN_ERROR && errno != EIO)) {
		store_log(
		    func, "%s: %s", st->st_path, gdbm_strerror(gdbm_errno));
		return;
	}
	store_damaged(st,
	    "%s: damaged: %s (cofferctl verify; restore a backup)", st->st_path,
	    gdbm_strerror(gdbm_errno));
}

void
view_close(struct store *st)
{
	if (st->st_db != NULL)
		gdbm_close(st->st_db);
	st->st_db = NULL;
	if (st->st_jfd != -1)
		close(st->st_jfd);
	st->st_jfd = -1;
	map_clear(&st->st_overlay);
	st->st_epoch = 0;
	st->st_jend = JHDR_SIZE;
	st->st_jsize = 0;
	st->st_dbsize = 0;
	st->st_dbcounted = 0;
}

/* The files were replaced: drop the old ones (other processes may still
 * read them) and start over from the new. */
static int
view_reopen(struct store *st, uint64_t epoch)
{
	uint8_t h[JHDR_SIZE];
	struct stat sb;

	view_close(st);
	st->st_db = gdbm_open(
	    st->st_path, 0, GDBM_READER | GDBM_NOLOCK | GDBM_CLOEXEC, 0, NULL);
	if (st->st_db == NULL) {
		gdbm_failed(st, __func__);
		return -1;
	}
	if (fstat(gdbm_fdesc(st->st_db), &sb) == -1) {
		store_log(__func__, "%s: %s", st->st_path, strerror(errno));
		view_close(st);
		return -1;
	}
	st->st_dbsize = (uint64_t)sb.st_size;
	if (db_verify(st, gdbm_fdesc(st->st_db), &sb) == -1) {
		view_close(st);
		return -1;
	}
	if ((st->st_jfd = open(st->st_jpath, O_RDWR | O_CLOEXEC)) == -1 ||
	    fstat(st->st_jfd, &sb) == -1 ||
	    read_full(st->st_jfd, h, sizeof(h), 0) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		view_close(st);
		return -1;
	}
	if (jhdr_decode(h, &st->st_jgen) == -1) {
		store_log(__func__, "%s: bad journal header", st->st_jpath);
		view_close(st);
		return -1;
	}
	st->st_jsize = (uint64_t)sb.st_size;
	st->st_epoch = epoch;
	return 0;
}

/* Apply the published journal records [st_jend, end) to the overlay.  0,
 * 1 if one fails its check (*badp: where), -1. */
static int
view_read_journal(struct store *st, uint64_t end, uint64_t *badp)
{
	size_t len = (size_t)(end - st->st_jend), off = 0, n;
	int rc = -1;

	if (buf_reserve(st, len) == -1)
		goto out;
	if (read_full(st->st_jfd, st->st_buf, len, st->st_jend) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	while (off < len) {
		n = jrec_check(st, st->st_buf + off, len - off);
		if (n == 0 || jrec_walk(st, st->st_buf + off, n,
		                  &st->st_overlay, NULL) == -1) {
			*badp = st->st_jend + off;
			rc = 1;
			goto out;
		}
		off += n;
	}
	st->st_jend = end;
	rc = 0;
out:
	buf_trim(st);
	return rc;
}

int
view_refresh(struct store *st)
{
	uint64_t epoch = shm_load(&st->st_shm->epoch);
	uint64_t end = shm_load(&st->st_shm->end), bad = 0;
	int rc = 0;

	if (epoch != st->st_epoch && view_reopen(st, epoch) == -1)
		return -1;
	if (end == st->st_jend)
		return 0;
	if (end < st->st_jend || (rc = view_read_journal(st, end, &bad)) != 0) {
		if (end < st->st_jend)
			store_log(
			    __func__, "%s: journal went back", st->st_jpath);
		/* Published records were written whole: one that fails
		 * now was changed after the fact. */
		if (rc == 1)
			store_damaged(st,
			    "%s: damaged at offset %llu: a published record "
			    "fails its check (cofferctl verify, salvage)",
			    st->st_jpath, (unsigned long long)bad);
		/* A half-applied overlay is harmless (the ops are
		 * idempotent), but start over next time. */
		view_close(st);
		return -1;
	}
	return 0;
}

/*
 * Without any lock: 1 if the view still holds every write published so
 * far, after reading in the records published since it was built; 0 if
 * only the locked path can tell (files replaced, a change under way).
 *
 * Sound because the view is private and the files it reads never change
 * under it: the gdbm file is never written once in place (a checkpoint
 * renames a new one over it, and st_db's descriptor keeps the old one),
 * and a journal never changes below its published end (commits write
 * past it and publish after writing; a recovery zeroes only unpublished
 * bytes; a checkpoint replaces the file whole).  Every header change
 * other than a commit's new end raises busy first, stores end, then the
 * new epoch, and only then lowers busy.  (A commit raises busy too,
 * around its write, so that its death is noticed; the end it stores is
 * one of this epoch's.)  So the loads go epoch, end,
 * busy, epoch: an end stored by such a change is followed by a busy
 * still up or a new epoch; an end from a later epoch's commit is
 * followed by that epoch.  An end read with the epoch unchanged on both
 * sides belongs to our journal, and is at least the end of any commit
 * acknowledged before we were called (released before the
 * acknowledgement, acquired here).
 */
int
view_current(struct store *st)
{
	const struct store_shm *h = st->st_shm;
	uint64_t epoch, end, bad;

	if (st->st_epoch == 0)
		return 0;
	epoch = shm_load(&h->epoch);
	end = shm_load(&h->end);
	if (__atomic_load_n(&h->busy, __ATOMIC_ACQUIRE) != 0 ||
	    shm_load(&h->epoch) != epoch || epoch != st->st_epoch ||
	    end < st->st_jend)
		return 0;
	if (end == st->st_jend)
		return 1;
	if (view_read_journal(st, end, &bad) != 0) {
		view_close(st); /* the locked path starts over */
		return 0;
	}
	return 1;
}

static int
ment_copy(const struct ment *e, uint8_t **val, size_t *vlen)
{
	uint8_t *p;

	if (e->tomb)
		return STORE_NOTFOUND;
	if ((p = malloc(e->vlen > 0 ? e->vlen : 1)) == NULL) {
		store_log(__func__, "%s", strerror(errno));
		return -1;
	}
	memcpy(p, e->data + e->klen, e->vlen);
	*val = p;
	*vlen = e->vlen;
	return 0;
}

static int
gdbm_get(
    struct store *st, const void *key, size_t klen, uint8_t **val, size_t *vlen)
{
	datum k, v;

	k.dptr = (char *)key;
	k.dsize = (int)klen;
	v = gdbm_fetch(st->st_db, k);
	if (v.dptr == NULL) {
		if (gdbm_errno == GDBM_ITEM_NOT_FOUND)
			return STORE_NOTFOUND;
		gdbm_failed(st, __func__);
		return -1;
	}
	*val = (uint8_t *)v.dptr;
	*vlen = (size_t)v.dsize;
	return 0;
}

int
store_get(
    struct store *st, const void *key, size_t klen, uint8_t **val, size_t *vlen)
{
	const struct ment *e = NULL;
	uint64_t hash;

	if (st->st_mode == MODE_NONE || klen == 0 || klen > STORE_MAX_KEY) {
		store_log(__func__, "%s",
		    st->st_mode == MODE_NONE ? "not in a section"
		                             : "bad key length");
		return -1;
	}
	hash = store_hash(st, key, klen);
	if (st->st_mode == MODE_WRITE)
		e = map_get(&st->st_txn, hash, key, klen);
	if (e == NULL)
		e = map_get(&st->st_overlay, hash, key, klen);
	if (e != NULL)
		return ment_copy(e, val, vlen);
	return gdbm_get(st, key, klen, val, vlen);
}

struct iter {
	struct store *st;
	const void *prefix;
	size_t plen;
	int (*cb)(void *, const void *, size_t, const void *, size_t);
	void *arg;
};

static int
iter_match(const struct iter *it, const void *key, size_t klen)
{
	return klen >= it->plen && memcmp(key, it->prefix, it->plen) == 0;
}

/* Where iterate found a key; a newer layer holds the key's truth. */
enum iter_layer { LAYER_GDBM, LAYER_OVERLAY, LAYER_TXN };

static int
iter_shadowed(
    const struct iter *it, const void *key, size_t klen, enum iter_layer layer)
{
	const struct store *st = it->st;
	uint64_t hash;

	if (layer == LAYER_TXN)
		return 0;
	hash = store_hash(st, key, klen);
	if (st->st_mode == MODE_WRITE &&
	    map_get(&st->st_txn, hash, key, klen) != NULL)
		return 1;
	return layer == LAYER_GDBM &&
	       map_get(&st->st_overlay, hash, key, klen) != NULL;
}

static int
iter_gdbm_one(const struct iter *it, datum k)
{
	datum v;
	int rc;

	if (!iter_match(it, k.dptr, (size_t)k.dsize) ||
	    iter_shadowed(it, k.dptr, (size_t)k.dsize, LAYER_GDBM))
		return 0;
	if ((v = gdbm_fetch(it->st->st_db, k)).dptr == NULL) {
		gdbm_failed(it->st, __func__);
		return -1;
	}
	rc = it->cb(it->arg, k.dptr, (size_t)k.dsize, v.dptr, (size_t)v.dsize);
	free(v.dptr);
	return rc;
}

static int
iter_gdbm(const struct iter *it)
{
	datum k, next;
	int rc;

	for (k = gdbm_firstkey(it->st->st_db); k.dptr != NULL; k = next) {
		if ((rc = iter_gdbm_one(it, k)) != 0) {
			free(k.dptr);
			return rc;
		}
		next = gdbm_nextkey(it->st->st_db, k);
		free(k.dptr);
	}
	if (gdbm_errno != GDBM_ITEM_NOT_FOUND) {
		gdbm_failed(it->st, __func__);
		return -1;
	}
	return 0;
}

static int
iter_map(const struct iter *it, const struct map *m, enum iter_layer layer)
{
	const struct ment *e;
	size_t i;
	int rc;

	for (i = 0; i < m->m_nb; i++) {
		for (e = m->m_b[i]; e != NULL; e = e->next) {
			if (e->tomb || !iter_match(it, e->data, e->klen) ||
			    iter_shadowed(it, e->data, e->klen, layer))
				continue;
			rc = it->cb(it->arg, e->data, e->klen,
			    e->data + e->klen, e->vlen);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int
store_iterate(struct store *st, const void *prefix, size_t plen,
    int (*cb)(
        void *arg, const void *key, size_t klen, const void *val, size_t vlen),
    void *arg)
{
	struct iter it;
	int rc;

	if (st->st_mode == MODE_NONE) {
		store_log(__func__, "not in a section");
		return -1;
	}
	it.st = st;
	it.prefix = plen > 0 ? prefix : "";
	it.plen = plen;
	it.cb = cb;
	it.arg = arg;
	if ((rc = iter_gdbm(&it)) != 0 ||
	    (rc = iter_map(&it, &st->st_overlay, LAYER_OVERLAY)) != 0)
		return rc;
	if (st->st_mode == MODE_WRITE)
		rc = iter_map(&it, &st->st_txn, LAYER_TXN);
	return rc;
}

/* 1 when gdbm's file holds key, 0 when not, -1 when gdbm failed. */
static int
gdbm_has(struct store *st, const void *key, size_t klen)
{
	datum k;

	k.dptr = (char *)key;
	k.dsize = (int)klen;
	if (gdbm_exists(st->st_db, k))
		return 1;
	/* gdbm_exists clears gdbm_errno for a key it did not find. */
	if (gdbm_errno != GDBM_NO_ERROR) {
		gdbm_failed(st, __func__);
		return -1;
	}
	return 0;
}

int
store_stats(struct store *st, uint64_t *records, uint64_t *bytes)
{
	const struct ment *e;
	gdbm_count_t n;
	uint64_t count;
	size_t i;
	int in;

	if (st->st_mode != MODE_READ) {
		store_log(__func__, "not in a read section");
		return -1;
	}
	if (!st->st_dbcounted) {
		if (gdbm_count(st->st_db, &n) != 0) {
			gdbm_failed(st, __func__);
			return -1;
		}
		st->st_dbcount = n;
		st->st_dbcounted = 1;
	}
	/* The overlay's truth over gdbm's: a put of a key gdbm lacks adds
	 * one, a tombstone of one it holds takes one away. */
	count = st->st_dbcount;
	for (i = 0; i < st->st_overlay.m_nb; i++)
		for (e = st->st_overlay.m_b[i]; e != NULL; e = e->next) {
			if ((in = gdbm_has(st, e->data, e->klen)) == -1)
				return -1;
			if (e->tomb && in)
				count--;
			else if (!e->tomb && !in)
				count++;
		}
	*records = count;
	*bytes = st->st_dbsize + st->st_jend;
	return 0;
}
