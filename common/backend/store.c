/*
 * store.c: the public face of the store (store.h): open and close, the
 * sections every call runs in, and damage.
 *
 * A section is the lock (a writer's for the whole section, a reader's only
 * while its view is rebuilt) over a current view (store_view.c).
 * section_enter is the one way into one, so the checks every call needs
 * are made there once: a fork since the lock file was opened, damage that
 * stands, a shared header a crash left stale (rebuilt under the exclusive
 * lock, store_shm.c).  Damage, once found, is recorded here with what the
 * files it was found in were, and every section is refused until one of
 * them changes (a salvage, a restore).
 */
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/store.h"
#include "backend/store_impl.h"
#include "base/log.h"

void
store_log(const char *func, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg("warn", func, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A missing file reads as all zeros. */
static void
file_ident_get(const char *path, struct file_ident *fi)
{
	struct stat sb;

	memset(fi, 0, sizeof(*fi));
	if (stat(path, &sb) == -1)
		return;
	fi->fi_dev = sb.st_dev;
	fi->fi_ino = sb.st_ino;
	fi->fi_size = sb.st_size;
	fi->fi_ctime = sb.st_ctim;
}

static int
file_ident_same(const struct file_ident *a, const struct file_ident *b)
{
	return a->fi_dev == b->fi_dev && a->fi_ino == b->fi_ino &&
	       a->fi_size == b->fi_size &&
	       a->fi_ctime.tv_sec == b->fi_ctime.tv_sec &&
	       a->fi_ctime.tv_nsec == b->fi_ctime.tv_nsec;
}

/*
 * Damage found: say what it is, once, and refuse every section while the
 * files it was found in stay as they are (damage_stands), so that a
 * damaged store is neither read as if whole nor scanned again per request.
 */
void
store_damaged(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->st_damage, sizeof(st->st_damage), fmt, ap);
	va_end(ap);
	file_ident_get(st->st_jpath, &st->st_damage_j);
	file_ident_get(st->st_path, &st->st_damage_db);
	store_log("damaged", "%s", st->st_damage);
}

/* 1 while the damage found stands; once either file has changed (a
 * salvage, a restore, a commit of another process), look again. */
static int
damage_stands(struct store *st)
{
	struct file_ident j, db;

	if (st->st_damage[0] == '\0')
		return 0;
	file_ident_get(st->st_jpath, &j);
	file_ident_get(st->st_path, &db);
	if (file_ident_same(&j, &st->st_damage_j) &&
	    file_ident_same(&db, &st->st_damage_db))
		return 1;
	st->st_damage[0] = '\0';
	if (st->st_mode == MODE_NONE)
		view_close(st);
	return 0;
}

/* The child shares its parent's lock file description: locking through it
 * would merge the two processes' locks. */
static int
store_after_fork(struct store *st)
{
	close(st->st_lfd);
	if ((st->st_lfd = open(st->st_lpath, O_RDWR | O_CLOEXEC)) == -1) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
		return -1;
	}
	view_close(st);
	map_clear(&st->st_txn);
	st->st_txn_bytes = 0;
	st->st_mode = MODE_NONE;
	st->st_forks = store_forks_now();
	return 0;
}

/* Under LK_RW (shared or exclusive): make the header sound again. */
static int
section_recover(struct store *st, int flags)
{
	/* Upgrading in place would deadlock two readers that both try. */
	if (!(flags & SECTION_WRITE) &&
	    (lock_byte(st, F_UNLCK, LK_RW) == -1 ||
	        lock_byte(st, F_WRLCK, LK_RW) == -1))
		return -1;
	if (shm_stale(st, flags & SECTION_OPEN) &&
	    store_recover(st, flags & SECTION_CREATE) == -1)
		return -1;
	/* A write lock turns into a read lock atomically. */
	if (!(flags & SECTION_WRITE) && lock_byte(st, F_RDLCK, LK_RW) == -1)
		return -1;
	return 0;
}

int
section_enter(struct store *st, int flags)
{
	int write = flags & SECTION_WRITE, rc;

	if (st->st_forks != store_forks_now() && store_after_fork(st) == -1)
		return -1;
	if (st->st_mode != MODE_NONE) {
		store_log(__func__, "already in a section");
		return -1;
	}
	if (damage_stands(st))
		return -1;
	/* Read in what other writers published while we need no lock for it
	 * (see view_current): under the lock, only the records of the
	 * writers queued ahead of us are left to read. */
	if (write)
		(void)view_current(st);
	/* At open the header, turnstile included, may be garbage. */
	if (flags & SECTION_OPEN)
		rc = lock_byte(st, F_RDLCK, LK_RW);
	else
		rc = section_lock(st, write);
	if (rc == -1)
		return -1;
	if (shm_stale(st, flags & SECTION_OPEN) &&
	    section_recover(st, flags) == -1)
		goto fail;
	if (view_refresh(st) == -1)
		goto fail;
	/* The view is private from here on (see view_current), so a
	 * reader needs the lock only while it refreshes it. */
	if (!write && lock_byte(st, F_UNLCK, LK_RW) == -1)
		return -1;
	st->st_mode = write ? MODE_WRITE : MODE_READ;
	return 0;
fail:
	lock_byte(st, F_UNLCK, LK_RW);
	return -1;
}

void
section_leave(struct store *st)
{
	map_clear(&st->st_txn);
	st->st_txn_bytes = 0;
	st->st_txn_reserve = 0;
	if (st->st_mode == MODE_WRITE)
		lock_byte(st, F_UNLCK, LK_RW);
	st->st_mode = MODE_NONE;
}

static int
open_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if ((dir = strndup(path, slash == path ? 1 : (size_t)(slash - path))) ==
	    NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return fd;
}

static int
store_paths(struct store *st, const char *path)
{
	if ((st->st_path = strdup(path)) == NULL ||
	    asprintf(&st->st_jpath, "%s.journal", path) == -1 ||
	    asprintf(&st->st_lpath, "%s.lock", path) == -1 ||
	    asprintf(&st->st_tmppath, "%s.tmp", path) == -1 ||
	    asprintf(&st->st_jtmppath, "%s.journal.tmp", path) == -1 ||
	    asprintf(&st->st_spath, "%s.sum", path) == -1 ||
	    asprintf(&st->st_stmppath, "%s.sum.tmp", path) == -1) {
		/* asprintf leaves its pointer undefined on failure. */
		st->st_jpath = st->st_lpath = st->st_tmppath = NULL;
		st->st_jtmppath = st->st_spath = st->st_stmppath = NULL;
		return -1;
	}
	return 0;
}

/* A handle on path's files that has opened none of them yet. */
struct store *
store_bare(const char *path)
{
	struct store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->st_lfd = st->st_jfd = st->st_dfd = -1;
	st->st_jend = JHDR_SIZE;
	st->st_ckpt_bytes = STORE_CHECKPOINT_BYTES;
	st->st_forks = store_forks_now();
	if (store_forks_watch() == -1)
		goto fail;
	if (store_paths(st, path) == -1 ||
	    getrandom(st->st_sipkey, sizeof(st->st_sipkey), 0) == -1 ||
	    (st->st_dfd = open_dir(path)) == -1)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

int
store_open(const char *path, int create, struct store **out)
{
	struct store *st = NULL;
	int rc = -1, flags = SECTION_OPEN;

	if (!create && access(path, F_OK) == -1) {
		store_log(__func__, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((st = store_bare(path)) == NULL)
		goto fail;
	/* Without a boot id (no /proc), a header left by the previous boot
	 * is trusted; a journal that lost its unsynced tail then fails
	 * to read instead of being repaired. */
	read_boot_id(st->st_boot);
	if (open_lock_file(st) == -1)
		goto out;
	if (create)
		flags |= SECTION_CREATE;
	if (section_enter(st, flags) == -1 && st->st_damage[0] == '\0')
		goto out;
	section_leave(st);
	/* A checkpoint killed while copying leaves its copy behind, and
	 * perhaps its new journal's zeros.  (Not beside a damaged store:
	 * nothing there is touched.) */
	if (st->st_damage[0] == '\0' && lock_try(st, F_WRLCK, LK_CKPT) == 1) {
		unlink_stale(st->st_tmppath);
		unlink_stale(st->st_jtmppath);
		lock_byte(st, F_UNLCK, LK_CKPT);
	}
	*out = st;
	st = NULL;
	rc = 0;
	goto out;
fail:
	store_log(__func__, "%s: %s", path, strerror(errno));
out:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->st_forks == store_forks_now())
		section_leave(st);
	view_close(st);
	map_free(&st->st_overlay);
	map_free(&st->st_txn);
	if (st->st_shm != NULL)
		munmap(st->st_shm, SHM_SIZE);
	if (st->st_lfd != -1)
		close(st->st_lfd);
	if (st->st_dfd != -1)
		close(st->st_dfd);
	free(st->st_buf);
	free(st->st_path);
	free(st->st_jpath);
	free(st->st_lpath);
	free(st->st_tmppath);
	free(st->st_jtmppath);
	free(st->st_spath);
	free(st->st_stmppath);
	free(st);
}

const char *
store_damage(struct store *st)
{
	return damage_stands(st) ? st->st_damage : NULL;
}

void
store_set_checkpoint_bytes(struct store *st, size_t bytes)
{
	st->st_ckpt_bytes = bytes;
	st->st_ckpt_fixed = 1;
}

void
store_defer_checkpoints(struct store *st)
{
	st->st_ckpt_defer = 1;
}

void
store_maintain(struct store *st)
{
	if (st->st_mode != MODE_NONE || st->st_epoch == 0 ||
	    st->st_forks != store_forks_now() ||
	    shm_load(&st->st_shm->epoch) != st->st_epoch)
		return;
	if (shm_load(&st->st_shm->end) - JHDR_SIZE >= checkpoint_due(st))
		checkpoint_if_due(st);
}

void
store_idle(struct store *st)
{
	if (st->st_mode != MODE_NONE || st->st_epoch == 0 ||
	    st->st_forks != store_forks_now())
		return;
	if (shm_load(&st->st_shm->epoch) != st->st_epoch)
		view_close(st);
}

int
store_begin_read(struct store *st)
{
	if (st->st_mode == MODE_NONE && st->st_forks == store_forks_now() &&
	    view_current(st)) {
		st->st_mode = MODE_READ;
		return 0;
	}
	return section_enter(st, 0);
}

void
store_end_read(struct store *st)
{
	section_leave(st);
}

int
store_begin_write(struct store *st)
{
	return section_enter(st, SECTION_WRITE);
}

/*
 * An epoch names one gdbm file and one journal, and the journal's records
 * below a published end never change, so (epoch, end) names the committed
 * state a view reads: the count moves when that pair does.
 */
uint64_t
store_changes(struct store *st)
{
	if (st->st_epoch != st->st_changes_epoch ||
	    st->st_jend != st->st_changes_jend) {
		st->st_changes_epoch = st->st_epoch;
		st->st_changes_jend = st->st_jend;
		st->st_changes++;
	}
	return st->st_changes;
}

int
store_disk_full(struct store *st)
{
	return __atomic_load_n(&st->st_shm->disk_full, __ATOMIC_ACQUIRE) != 0;
}

int
store_checkpoint(struct store *st)
{
	int rc;

	if (st->st_mode != MODE_NONE) {
		store_log(__func__, "called inside a section");
		return -1;
	}
	if (lock_byte(st, F_WRLCK, LK_CKPT) == -1)
		return -1;
	rc = checkpoint_run(st, 1);
	lock_byte(st, F_UNLCK, LK_CKPT);
	return rc;
}
