/*
 * store_io.c: file I/O for every part of the store: whole reads and writes
 * at an offset (retried on EINTR; a short file reads as EIO), written
 * zeros, renames made durable by syncing the directory, a file copy, and
 * the handle's one I/O buffer (st_buf), freed after a large use so that an
 * idle worker does not keep it.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/store.h"
#include "backend/store_impl.h"

#define BUF_KEEP (1u << 20) /* larger I/O buffers are freed after use */

int
buf_reserve(struct store *st, size_t n)
{
	uint8_t *p;

	if (n <= st->st_bufsz)
		return 0;
	if ((p = realloc(st->st_buf, n)) == NULL) {
		store_log(__func__, "%zu bytes: %s", n, strerror(errno));
		return -1;
	}
	st->st_buf = p;
	st->st_bufsz = n;
	return 0;
}

/* A worker keeps its buffer between requests, but not a huge one: a view
 * that catches up reads the journal in one piece, up to a checkpoint's worth
 * (a quarter of the store, at most CKPT_MAX_BYTES), which every worker
 * would otherwise hold for good (tools/soak shows it). */
void
buf_trim(struct store *st)
{
	if (st->st_bufsz <= BUF_KEEP)
		return;
	free(st->st_buf);
	st->st_buf = NULL;
	st->st_bufsz = 0;
}

int
read_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* shorter than it must be */
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int
write_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Zeros to write (write_zeros) and to compare with (journal_zero_tail). */
const uint8_t zero_chunk[ZERO_CHUNK] = {0};

int
write_zeros(int fd, uint64_t from, uint64_t to)
{
	size_t n;

	for (; from < to; from += n) {
		n = to - from < ZERO_CHUNK ? (size_t)(to - from) : ZERO_CHUNK;
		if (write_full(fd, zero_chunk, n, from) == -1)
			return -1;
	}
	return 0;
}

int
unlink_stale(const char *path)
{
	if (unlink(path) == -1 && errno != ENOENT) {
		store_log(__func__, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A rename is durable only once its directory is synced. */
int
sync_dir(struct store *st)
{
	if (fsync(st->st_dfd) == -1) {
		store_log(__func__, "directory of %s: %s", st->st_path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
rename_durable(struct store *st, const char *from, const char *to)
{
	if (rename(from, to) == -1) {
		store_log(__func__, "%s: %s", to, strerror(errno));
		return -1;
	}
	return sync_dir(st);
}

int
copy_fd(int src, int dst)
{
	char buf[65536];
	ssize_t n;
	off_t off;

	do {
		n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
	} while (n > 0 || (n == -1 && errno == EINTR));
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
	    errno != EOPNOTSUPP)
		return -1;
	/* Not offered here: copy by hand from where the kernel stopped. */
	if ((off = lseek(dst, 0, SEEK_CUR)) == -1)
		return -1;
	while ((n = read(src, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 ||
		    write_full(dst, buf, (size_t)n, (uint64_t)off) == -1)
			return -1;
		off += n;
	}
	return 0;
}
