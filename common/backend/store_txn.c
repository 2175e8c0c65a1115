/*
 * store_txn.c: write transactions.  Puts and deletes are kept in st_txn (a
 * map: a key's last write wins) under the exclusive lock.  A commit frames
 * them as one journal record, appends and publishes it, moves them into
 * the overlay (room reserved first: once the record is written, that must
 * not fail), releases the lock and only then waits for the group's
 * fdatasync.  A checkpoint may follow, once the commit's own write is
 * durable.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/store.h"
#include "backend/store_impl.h"

static int
txn_add(struct store *st, const void *key, size_t klen, const void *val,
    size_t vlen, int tomb)
{
	struct ment *e, *old;
	size_t cost = JOP_HDR + klen + vlen;

	if (st->st_mode != MODE_WRITE || klen == 0 || klen > STORE_MAX_KEY ||
	    vlen > STORE_MAX_VALUE || st->st_txn_bytes + cost > STORE_MAX_TXN) {
		store_log(__func__, "%s",
		    st->st_mode != MODE_WRITE
		        ? "not in a write section"
		        : "key, value or transaction too large");
		return -1;
	}
	e = ment_new(store_hash(st, key, klen), key, klen, val, vlen, tomb);
	if (e == NULL || map_reserve(&st->st_txn, st->st_txn.m_n + 1) == -1) {
		store_log(__func__, "%s", strerror(errno));
		free(e);
		return -1;
	}
	if ((old = map_insert(&st->st_txn, e)) != NULL)
		st->st_txn_bytes -= JOP_HDR + (size_t)old->klen + old->vlen;
	free(old);
	st->st_txn_bytes += cost;
	return 0;
}

int
store_put(struct store *st, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	return txn_add(st, key, klen, val, vlen, 0);
}

int
store_delete(struct store *st, const void *key, size_t klen)
{
	return txn_add(st, key, klen, NULL, 0, 1);
}

int
store_commit(struct store *st)
{
	uint64_t off = st->st_jend, end, epoch = st->st_epoch;
	size_t len;
	int rc = -1;

	if (st->st_mode != MODE_WRITE) {
		store_log(__func__, "not in a write section");
		return -1;
	}
	if (st->st_txn.m_n == 0) {
		section_leave(st);
		return 0;
	}
	/* Reserve first: once the record is written, the overlay must take
	 * it without failing. */
	if (jrec_encode(st, &len) == -1 ||
	    map_reserve(&st->st_overlay, st->st_overlay.m_n + st->st_txn.m_n) ==
	        -1)
		goto fail;
	if ((rc = journal_append(st, off, len)) != 0)
		goto fail;
	end = off + len;
	map_move(&st->st_overlay, &st->st_txn);
	st->st_jend = end;
	section_leave(st);
	buf_trim(st);
	if (journal_sync(st, epoch, end) == -1)
		return -1;
	if (end - JHDR_SIZE >= checkpoint_due(st) * (st->st_ckpt_defer ? 2 : 1))
		checkpoint_if_due(st);
	return 0;
fail:
	section_leave(st);
	buf_trim(st);
	return rc;
}

void
store_abort(struct store *st)
{
	if (st->st_mode == MODE_WRITE)
		section_leave(st);
}

void
store_use_reserve(struct store *st)
{
	if (st->st_mode == MODE_WRITE)
		st->st_txn_reserve = 1;
}
