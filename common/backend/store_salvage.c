/*
 * store_salvage.c: verify and salvage, offline, for an operator (cofferctl
 * verify and salvage).  Verify reads every journal record and every gdbm
 * record back and changes nothing; salvage builds a new store from what
 * reads, holding every lock of the old one, and puts it in place with the
 * damaged files kept beside it.  Neither is on a request's path.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/store.h"
#include "backend/store_impl.h"

#define SALVAGE_BATCH (4u << 20) /* bytes per transaction in a salvage */

/* A put (val NULL: a delete) into st's transaction, committed every
 * SALVAGE_BATCH bytes so a large salvage does not make one huge
 * transaction. */
static int
batch_put(struct store *st, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	if ((val != NULL ? store_put(st, key, klen, val, vlen)
	                 : store_delete(st, key, klen)) == -1)
		return -1;
	if (st->st_txn_bytes >= SALVAGE_BATCH &&
	    (store_commit(st) == -1 || store_begin_write(st) == -1))
		return -1;
	return 0;
}

/* A record name as text: printable bytes as they are, others as \xNN. */
static void
print_key(FILE *out, const void *key, size_t klen)
{
	const uint8_t *p = key;
	size_t i;

	for (i = 0; i < klen; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			fputc(p[i], out);
		else
			fprintf(out, "\\x%02x", p[i]);
	}
}

/* The journal of st (a bare handle): jc, and its records applied to m
 * if not NULL (past a damaged record too, but never a torn tail). */
static int
inspect_journal(struct store *st, struct store_jcheck *jc, struct map *m)
{
	uint8_t h[JHDR_SIZE];
	struct stat sb;
	int fd, rc = -1;

	if ((fd = open(st->st_jpath, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		store_log(__func__, "%s: %s", st->st_jpath, strerror(errno));
		goto out;
	}
	if (sb.st_size < JHDR_SIZE || read_full(fd, h, sizeof(h), 0) == -1 ||
	    jhdr_decode(h, &st->st_jgen) == -1) {
		store_log(__func__, "%s: bad journal header", st->st_jpath);
		goto out;
	}
	if (journal_check_fd(st, fd, (uint64_t)sb.st_size, jc, NULL) == -1)
		goto out;
	rc = 0;
	if (m != NULL)
		rc =
		    jc->jc_damaged
		        ? journal_check_fd(st, fd, (uint64_t)sb.st_size, jc, m)
		        : journal_find_end(st, fd, (uint64_t)sb.st_size, jc, m);
out:
	if (fd != -1)
		close(fd);
	buf_trim(st);
	return rc;
}

static void
report_journal(struct store *st, const struct store_jcheck *jc, FILE *out)
{
	fprintf(out, "journal %s: %zu records check, up to offset %llu\n",
	    st->st_jpath, jc->jc_records, (unsigned long long)jc->jc_end);
	if (jc->jc_damaged) {
		fprintf(out,
		    "journal %s: DAMAGED at offset %llu: %llu bytes up to the "
		    "next record that checks (offset %llu) are lost; %zu "
		    "records check after them, in %zu runs\n",
		    st->st_jpath, (unsigned long long)jc->jc_end,
		    (unsigned long long)(jc->jc_next - jc->jc_end),
		    (unsigned long long)jc->jc_next, jc->jc_after, jc->jc_gaps);
	} else if (jc->jc_dirty > 0) {
		fprintf(out,
		    "journal %s: a torn tail after offset %llu (what a crash "
		    "leaves; the next opener cuts it)\n",
		    st->st_jpath, (unsigned long long)jc->jc_end);
	}
}

/* The keys the damaged bytes at off seem to name, read without a check:
 * their writes are what a salvage loses. */
static void
report_lost_keys(struct store *st, uint64_t off, uint64_t len, FILE *out)
{
	const uint8_t *p, *end;
	uint32_t klen, vlen;
	int fd;

	if ((fd = open(st->st_jpath, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (len > JREC_HDR + JMARK_OP && buf_reserve(st, (size_t)len) == 0 &&
	    read_full(fd, st->st_buf, (size_t)len, off) == 0) {
		end = st->st_buf + len;
		/* The mark's own framing may be what is damaged. */
		p = st->st_buf + JREC_HDR;
		if (p[0] == OP_MARK)
			p += JMARK_OP;
		for (; end - p >= JOP_HDR; p += JOP_HDR + (size_t)klen + vlen) {
			klen = get_u32(p + 1);
			vlen = get_u32(p + 5);
			if ((p[0] != OP_PUT && p[0] != OP_DEL) ||
			    (size_t)(end - p - JOP_HDR) < (size_t)klen + vlen)
				break;
			fputs("lost: the write of ", out);
			print_key(out, p + JOP_HDR, klen);
			fputs(" (as the damaged bytes name it)\n", out);
		}
		if (p != end)
			fprintf(out,
			    "lost: %llu damaged bytes at offset %llu whose "
			    "record names do not read\n",
			    (unsigned long long)(end - p),
			    (unsigned long long)(off +
			                         (uint64_t)(p - st->st_buf)));
	}
	close(fd);
	buf_trim(st);
}

/* Every record gdbm can read, to cb (if not NULL); counts to out.  Stops
 * after as many keys as the file has bytes, so a damaged chain cannot
 * loop.  0 if every key read back, 1 if not, -1 if cb failed. */
static int
inspect_gdbm(struct store *st, FILE *out,
    int (*cb)(struct store *, const void *, size_t, const void *, size_t),
    struct store *arg)
{
	GDBM_FILE db;
	datum k, v, next;
	size_t ok = 0, bad = 0, n = 0;
	int rc = 0, failed = 0;

	db = gdbm_open(
	    st->st_path, 0, GDBM_READER | GDBM_NOLOCK | GDBM_CLOEXEC, 0, NULL);
	if (db == NULL) {
		fprintf(out, "gdbm %s: DAMAGED: %s: no record of it reads\n",
		    st->st_path, gdbm_strerror(gdbm_errno));
		return 1;
	}
	for (k = gdbm_firstkey(db); k.dptr != NULL; k = next) {
		if ((v = gdbm_fetch(db, k)).dptr == NULL) {
			fputs("unreadable: ", out);
			print_key(out, k.dptr, (size_t)k.dsize);
			fputc('\n', out);
			bad++;
		} else {
			ok++;
			if (cb != NULL && cb(arg, k.dptr, (size_t)k.dsize,
			                      v.dptr, (size_t)v.dsize) == -1)
				failed = 1;
			free(v.dptr);
		}
		next = failed || ++n > st->st_dbsize ? (datum){NULL, 0}
		                                     : gdbm_nextkey(db, k);
		free(k.dptr);
	}
	if (!failed && (gdbm_errno != GDBM_ITEM_NOT_FOUND || bad > 0)) {
		fprintf(out, "gdbm %s: DAMAGED: %s after %zu records\n",
		    st->st_path,
		    gdbm_errno != GDBM_ITEM_NOT_FOUND
		        ? gdbm_strerror(gdbm_errno)
		        : "records that do not read",
		    ok);
		rc = 1;
	}
	fprintf(out, "gdbm %s: %zu records read back, %zu do not\n",
	    st->st_path, ok, bad);
	gdbm_close(db);
	return failed ? -1 : rc;
}

/* The gdbm file against <path>.sum: 0 if it matches (or there is
 * none yet), 1 if not. */
static int
inspect_sum(struct store *st, FILE *out)
{
	struct db_sum sums[SUM_MAX], got;
	size_t n = 0, i;
	int rc;

	if ((rc = db_sums_read(st, sums, &n)) == 1) {
		fprintf(out, "gdbm %s: no checksum yet (%s)\n", st->st_path,
		    st->st_spath);
		return 0;
	}
	if (rc == -1 || db_sum_path(st->st_path, &got) == -1) {
		fprintf(out, "gdbm %s: DAMAGED: %s: %s\n", st->st_path,
		    rc == -1 ? st->st_spath : st->st_path,
		    errno == EINVAL ? "its bytes are wrong" : strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++)
		if (sums[i].ds_size == got.ds_size &&
		    sums[i].ds_crc == got.ds_crc)
			return 0;
	fprintf(out,
	    "gdbm %s: DAMAGED: not the file its checkpoint wrote (its "
	    "checksum differs from %s)\n",
	    st->st_path, st->st_spath);
	return 1;
}

int
store_verify(const char *path, FILE *out)
{
	struct store_jcheck jc;
	struct store *st;
	struct stat sb;
	int rc = -1, bad;

	if ((st = store_bare(path)) == NULL)
		return -1;
	if (stat(st->st_path, &sb) == 0)
		st->st_dbsize = (uint64_t)sb.st_size;
	bad = inspect_sum(st, out);
	bad |= inspect_gdbm(st, out, NULL, NULL);
	if (inspect_journal(st, &jc, NULL) == -1) {
		fprintf(out, "journal %s: DAMAGED: unreadable\n", st->st_jpath);
		rc = 1;
		goto out;
	}
	report_journal(st, &jc, out);
	rc = bad || jc.jc_damaged;
	fprintf(out, "%s\n", rc ? "damaged" : "ok");
out:
	store_close(st);
	return rc;
}

/* The journal's records, as m holds them, after gdbm's: they are newer. */
static int
salvage_journal(struct store *ns, const struct map *m)
{
	const struct ment *e;
	size_t i;

	for (i = 0; i < m->m_nb; i++) {
		for (e = m->m_b[i]; e != NULL; e = e->next) {
			if (batch_put(ns, e->data, e->klen,
			        e->tomb ? NULL : e->data + e->klen,
			        e->vlen) == -1)
				return -1;
		}
	}
	return 0;
}

/* What st's journal and gdbm file hold, into the new store at npath,
 * folded into its gdbm file. */
static int
salvage_build(
    struct store *st, const char *npath, const struct map *m, FILE *out)
{
	struct store *ns = NULL;
	int rc = -1;

	if (store_open(npath, 1, &ns) == -1)
		return -1;
	store_set_checkpoint_bytes(ns, SIZE_MAX);
	if (store_begin_write(ns) == -1)
		goto out;
	if (inspect_gdbm(st, out, batch_put, ns) == -1 ||
	    salvage_journal(ns, m) == -1 || store_commit(ns) == -1 ||
	    store_checkpoint(ns) == -1)
		goto out;
	rc = 0;
out:
	store_close(ns);
	return rc;
}

/* The damaged files aside, the salvaged ones in their place; then every
 * process rebuilds its header and view from them (busy). */
static int
salvage_swap(struct store *st, const char *npath, FILE *out)
{
	char *aside = NULL, *jaside = NULL, *saside = NULL, *njpath = NULL;
	char *nlpath = NULL, *nspath = NULL;
	long long now = (long long)time(NULL);
	int rc = -1;

	if (asprintf(&aside, "%s.damaged-%lld", st->st_path, now) == -1 ||
	    asprintf(&jaside, "%s.damaged-%lld", st->st_jpath, now) == -1 ||
	    asprintf(&saside, "%s.damaged-%lld", st->st_spath, now) == -1 ||
	    asprintf(&njpath, "%s.journal", npath) == -1 ||
	    asprintf(&nlpath, "%s.lock", npath) == -1 ||
	    asprintf(&nspath, "%s.sum", npath) == -1) {
		aside = jaside = saside = njpath = nlpath = nspath = NULL;
		goto out;
	}
	if ((rename(st->st_spath, saside) == -1 && errno != ENOENT) ||
	    rename(st->st_path, aside) == -1 ||
	    rename(st->st_jpath, jaside) == -1 ||
	    rename(nspath, st->st_spath) == -1 ||
	    rename(npath, st->st_path) == -1 ||
	    rename(njpath, st->st_jpath) == -1 || sync_dir(st) == -1) {
		store_log(__func__, "%s: %s", st->st_path, strerror(errno));
		goto out;
	}
	unlink_stale(nlpath);
	if (st->st_shm->magic == SHM_MAGIC)
		shm_set_busy(st, BUSY_CHANGE);
	fprintf(out, "salvaged: the damaged files are kept as %s and %s\n",
	    aside, jaside);
	rc = 0;
out:
	free(aside);
	free(jaside);
	free(saside);
	free(njpath);
	free(nlpath);
	free(nspath);
	return rc;
}

static int
salvage_clear(const char *npath)
{
	static const char *const suffix[] = {"", ".journal", ".lock", ".tmp",
	    ".journal.tmp", ".sum", ".sum.tmp"};
	char *p;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if (asprintf(&p, "%s%s", npath, suffix[i]) == -1)
			return -1;
		rc = unlink_stale(p);
		free(p);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
store_salvage(const char *path, FILE *out)
{
	struct store_jcheck jc;
	struct store *st;
	struct map m = {NULL, 0, 0};
	struct stat sb;
	char *npath = NULL;
	int rc = -1, locked = 0;

	if ((st = store_bare(path)) == NULL)
		return -1;
	if (stat(st->st_path, &sb) == 0)
		st->st_dbsize = (uint64_t)sb.st_size;
	if (open_lock_file(st) == -1 ||
	    asprintf(&npath, "%s.salvage", path) == -1)
		goto out;
	/* No checkpoint and no section anywhere until the new files are in
	 * place. */
	if (lock_byte(st, F_WRLCK, LK_CKPT) == -1 ||
	    lock_byte(st, F_WRLCK, LK_RW) == -1)
		goto out;
	locked = 1;
	if (inspect_journal(st, &jc, &m) == -1 || salvage_clear(npath) == -1 ||
	    salvage_build(st, npath, &m, out) == -1)
		goto out;
	report_journal(st, &jc, out);
	if (jc.jc_damaged)
		report_lost_keys(st, jc.jc_end, jc.jc_next - jc.jc_end, out);
	rc = salvage_swap(st, npath, out);
out:
	if (locked) {
		lock_byte(st, F_UNLCK, LK_RW);
		lock_byte(st, F_UNLCK, LK_CKPT);
	}
	map_free(&m);
	free(npath);
	store_close(st);
	return rc;
}
