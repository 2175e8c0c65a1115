/*
 * store_shm.c: the lock file, <path>.lock: the header every process maps
 * (struct store_shm) and the fcntl byte locks on it.
 *
 * LK_RW is the section lock; LK_SYNC is held by the one process running a
 * group's fdatasync, whose waiters sleep on a futex in the header; LK_CKPT
 * by the one process running a checkpoint.  A writer queues readers behind
 * it through the turnstile (see struct store_shm).  The header is neither
 * durable nor trusted after a crash or a reboot: shm_stale says when it
 * must be rebuilt from the files, which store_recover does under LK_RW
 * exclusive and LK_SYNC.  Also here: the count of forks, by which a child
 * knows to open a lock file description of its own.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/store.h"
#include "backend/store_impl.h"

/* A syncer killed inside fdatasync wakes nobody: its waiters look again
 * after this long. */
#define SYNC_WAIT_NS 5000000

/*
 * Process state, not request state: bumped in the child of every fork()
 * by a pthread_atfork handler, so that a section notices it runs in a new
 * process by a load instead of a getpid() system call.  (A child made by
 * clone() or vfork() runs no handler; it must exec before using a store.)
 */
static unsigned long store_forks;
static pthread_once_t store_forks_once = PTHREAD_ONCE_INIT;
static int store_forks_rc;

static void
store_forked(void)
{
	__atomic_add_fetch(&store_forks, 1, __ATOMIC_RELAXED);
}

static void
store_forks_init(void)
{
	store_forks_rc = pthread_atfork(NULL, NULL, store_forked);
}

unsigned long
store_forks_now(void)
{
	return __atomic_load_n(&store_forks, __ATOMIC_RELAXED);
}

/* Once per process: the handler that counts forks.  0, or -1 and errno. */
int
store_forks_watch(void)
{
	if (pthread_once(&store_forks_once, store_forks_init) != 0) {
		errno = EAGAIN;
		return -1;
	}
	if (store_forks_rc != 0) {
		errno = store_forks_rc;
		return -1;
	}
	return 0;
}

/*
 * Open file description locks, not classic fcntl locks: they belong to this
 * handle rather than to the process, so two handles in one process exclude
 * each other, and closing some other descriptor of the file drops nothing.
 */
int
lock_byte(struct store *st, short type, off_t byte)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	while (fcntl(st->st_lfd, F_OFD_SETLKW, &fl) == -1) {
		if (errno != EINTR) {
			store_log(
			    __func__, "%s: %s", st->st_lpath, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* 1 if we got it, 0 if another handle holds it, -1. */
int
lock_try(struct store *st, short type, off_t byte)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	if (fcntl(st->st_lfd, F_OFD_SETLK, &fl) == 0)
		return 1;
	if (errno == EAGAIN || errno == EACCES || errno == EINTR)
		return 0;
	store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
	return -1;
}

/* Sleep until the sync sequence moves from seq, or SYNC_WAIT_NS. */
void
sync_wait(struct store *st, uint32_t seq)
{
	struct timespec ts = {0, SYNC_WAIT_NS};

	syscall(
	    SYS_futex, &st->st_shm->sync_seq, FUTEX_WAIT, seq, &ts, NULL, 0);
}

void
sync_wake(struct store *st)
{
	__atomic_add_fetch(&st->st_shm->sync_seq, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &st->st_shm->sync_seq, FUTEX_WAKE, INT32_MAX, NULL,
	    NULL, 0);
}

void
shm_set_busy(struct store *st, uint32_t busy)
{
	__atomic_store_n(&st->st_shm->busy, busy, __ATOMIC_SEQ_CST);
}

uint64_t
shm_next_epoch(const struct store *st)
{
	uint64_t e = shm_load(&st->st_shm->epoch) + 1;

	return e == 0 ? 1 : e; /* 0 is the epoch of no view */
}

int
shm_stale(const struct store *st, int opening)
{
	const struct store_shm *h = st->st_shm;

	if (h->magic != SHM_MAGIC || h->version != SHM_VERSION ||
	    __atomic_load_n(&h->busy, __ATOMIC_ACQUIRE) != 0)
		return 1;
	/* The header is not synced: after a reboot it may claim journal
	 * bytes that never reached the disk. */
	return opening && memcmp(h->boot_id, st->st_boot, BOOT_ID_LEN) != 0;
}

static int
turnstile_lock(struct store *st)
{
	int rc = pthread_mutex_lock(&st->st_shm->turnstile);

	/* Its owner was a writer killed while it waited for LK_RW: there
	 * is nothing to repair. */
	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(&st->st_shm->turnstile);
	if (rc != 0) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(rc));
		return -1;
	}
	return 0;
}

static void
turnstile_unlock(struct store *st)
{
	pthread_mutex_unlock(&st->st_shm->turnstile);
}

static void
writer_waiting_set(struct store *st, uint32_t v)
{
	__atomic_store_n(&st->st_shm->writer_waiting, v, __ATOMIC_SEQ_CST);
}

/* LK_RW, behind any writer already waiting for it. */
int
section_lock(struct store *st, int write)
{
	int rc;

	if (!write) {
		if (__atomic_load_n(
		        &st->st_shm->writer_waiting, __ATOMIC_SEQ_CST) != 0) {
			if (turnstile_lock(st) == -1)
				return -1;
			/* Holding it, we know no writer is waiting in it
			 * (this heals the flag of a killed writer). */
			writer_waiting_set(st, 0);
			turnstile_unlock(st);
		}
		return lock_byte(st, F_RDLCK, LK_RW);
	}
	if (turnstile_lock(st) == -1)
		return -1;
	writer_waiting_set(st, 1);
	rc = lock_byte(st, F_WRLCK, LK_RW);
	writer_waiting_set(st, 0);
	turnstile_unlock(st);
	return rc;
}

/* Only for a header no live process uses: a fresh lock file, or one left
 * by the previous boot (whose mutex may name a dead owner). */
static int
turnstile_init(struct store *st)
{
	pthread_mutexattr_t attr;
	int rc;

	if ((rc = pthread_mutexattr_init(&attr)) != 0)
		goto out;
	if ((rc = pthread_mutexattr_setpshared(
	         &attr, PTHREAD_PROCESS_SHARED)) == 0 &&
	    (rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)) ==
	        0)
		rc = pthread_mutex_init(&st->st_shm->turnstile, &attr);
	pthread_mutexattr_destroy(&attr);
out:
	if (rc != 0)
		store_log(__func__, "%s: %s", st->st_lpath, strerror(rc));
	st->st_shm->writer_waiting = 0;
	return rc == 0 ? 0 : -1;
}

/*
 * Rebuild the shared header from the files, holding LK_RW exclusive:
 * after a reboot, or when a process died in a checkpoint or a recovery.
 * LK_SYNC too, because the epoch and the synced end move together.
 */
int
store_recover(struct store *st, int create)
{
	struct store_shm *h = st->st_shm;
	uint64_t end;
	int rc = -1, fresh;

	if (access(st->st_path, F_OK) == -1 && (errno != ENOENT || !create)) {
		store_log(__func__, "%s: %s", st->st_path, strerror(errno));
		return -1;
	}
	if (lock_byte(st, F_WRLCK, LK_SYNC) == -1)
		return -1;
	fresh = h->magic != SHM_MAGIC || h->version != SHM_VERSION ||
	        memcmp(h->boot_id, st->st_boot, BOOT_ID_LEN) != 0;
	/* A new lock file is no news; the rest is worth an operator's eye. */
	if (h->magic == SHM_MAGIC)
		store_log(__func__, "%s: rebuilding the shared header (%s)",
		    st->st_lpath,
		    fresh ? "first use since boot"
		    : h->busy == BUSY_APPEND
		        ? "a writer died in its append"
		        : "a process died in a checkpoint");
	if (fresh && turnstile_init(st) == -1)
		goto out;
	shm_set_busy(st, BUSY_CHANGE);
	/* <path>.tmp may be a live checkpoint's copy; store_open removes
	 * a dead one's. */
	if (unlink_stale(st->st_jtmppath) == -1)
		goto out;
	if (access(st->st_path, F_OK) == -1 && gdbm_create(st) == -1)
		goto out;
	if (access(st->st_jpath, F_OK) == -1 && journal_create(st, 1) == -1)
		goto out;
	if (journal_scan(st, &end) == -1)
		goto out;
	h->magic = SHM_MAGIC;
	h->version = SHM_VERSION;
	memcpy(h->boot_id, st->st_boot, BOOT_ID_LEN);
	shm_store(&h->end, end);
	shm_store(&h->synced, end);
	shm_store(&h->epoch, shm_next_epoch(st));
	shm_set_busy(st, 0);
	rc = 0;
out:
	lock_byte(st, F_UNLCK, LK_SYNC);
	sync_wake(st);
	return rc;
}

int
read_boot_id(char *boot)
{
	FILE *fp;

	memset(boot, 0, BOOT_ID_LEN);
	if ((fp = fopen("/proc/sys/kernel/random/boot_id", "re")) == NULL) {
		store_log(__func__, "boot_id: %s", strerror(errno));
		return -1;
	}
	if (fgets(boot, BOOT_ID_LEN, fp) == NULL) {
		store_log(__func__, "boot_id: unreadable");
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

/* Lock file and shared header; the header's contents are checked later,
 * under the lock. */
int
open_lock_file(struct store *st)
{
	struct stat sb;
	void *p;

	st->st_lfd = open(st->st_lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->st_lfd == -1 || fstat(st->st_lfd, &sb) == -1) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
		return -1;
	}
	/* Only ever grown, so two first openers cannot wipe a header. */
	if (sb.st_size < SHM_SIZE && ftruncate(st->st_lfd, SHM_SIZE) == -1) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
		return -1;
	}
	p = mmap(
	    NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, st->st_lfd, 0);
	if (p == MAP_FAILED) {
		store_log(__func__, "%s: %s", st->st_lpath, strerror(errno));
		return -1;
	}
	st->st_shm = p;
	return 0;
}
