/*
 * syncrate.c: how many durable appends per second this disk takes.
 *
 * Usage: syncrate [-p] DIR [SECONDS]
 *
 * Appends 200 bytes to a new file in DIR and calls fdatasync(), in a loop,
 * for SECONDS (default 2), then prints "<ops/s> fdatasync/s" on stdout.  One
 * acknowledged write of Coffer costs at least one such sync, so
 * tools/bench gives the write figures as a ratio of this one, measured in
 * the same run on the disk that holds the store (stack-limits.md: about
 * 5,000/s on the reference machine).  The file is removed afterwards.
 *
 * With -p the records overwrite a file of written, synced zeros instead,
 * as the store's journal does (common/backend/store_journal.c): the sync then
 * writes no inode, and this is the floor of one of Coffer's commits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SYNCRATE_RECORD   200 /* bytes per append, about one journal record */
#define SYNCRATE_SECONDS  2   /* default duration */
#define SYNCRATE_MAX_SEC  60  /* longest run accepted */
#define SYNCRATE_PREALLOC (16 << 20) /* -p: bytes of zeros, then wrap */

static double
syncrate_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* -p: the file holds written zeros, synced, as the journal does. */
static int
syncrate_prealloc(int fd)
{
	static char zeros[65536];
	off_t off;

	for (off = 0; off < SYNCRATE_PREALLOC; off += (off_t)sizeof(zeros))
		if (pwrite(fd, zeros, sizeof(zeros), off) !=
		    (ssize_t)sizeof(zeros))
			return -1;
	return fsync(fd);
}

int
main(int argc, char **argv)
{
	char path[4096], record[SYNCRATE_RECORD];
	double start, elapsed = 0;
	long seconds = SYNCRATE_SECONDS, ops = 0;
	off_t off = 0;
	int fd, rc = EXIT_FAILURE, prealloc = 0;
	char *end;

	if (argc > 1 && strcmp(argv[1], "-p") == 0) {
		prealloc = 1;
		argc--;
		argv++;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: syncrate [-p] DIR [SECONDS]\n");
		return 2;
	}
	if (argc == 3) {
		errno = 0;
		seconds = strtol(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || seconds < 1 ||
		    seconds > SYNCRATE_MAX_SEC) {
			fprintf(stderr, "syncrate: SECONDS must be 1..%d\n",
			    SYNCRATE_MAX_SEC);
			return 2;
		}
	}
	if (snprintf(path, sizeof(path), "%s/syncrate.%ld", argv[1],
	        (long)getpid()) >= (int)sizeof(path)) {
		fprintf(stderr, "syncrate: path too long\n");
		return 2;
	}
	memset(record, 'x', sizeof(record));
	record[sizeof(record) - 1] = '\n';

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		fprintf(stderr, "syncrate: %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE;
	}
	if (prealloc && syncrate_prealloc(fd) == -1) {
		fprintf(stderr, "syncrate: %s: %s\n", path, strerror(errno));
		goto out;
	}
	start = syncrate_now();
	while (elapsed < (double)seconds) {
		if (pwrite(fd, record, sizeof(record), off) !=
		    (ssize_t)sizeof(record)) {
			fprintf(
			    stderr, "syncrate: write: %s\n", strerror(errno));
			goto out;
		}
		if (fdatasync(fd) == -1) {
			fprintf(stderr, "syncrate: fdatasync: %s\n",
			    strerror(errno));
			goto out;
		}
		off += (off_t)sizeof(record);
		if (prealloc && off + (off_t)sizeof(record) > SYNCRATE_PREALLOC)
			off = 0;
		ops++;
		elapsed = syncrate_now() - start;
	}
	printf("%.0f fdatasync/s\n", (double)ops / elapsed);
	rc = EXIT_SUCCESS;
out:
	close(fd);
	unlink(path);
	return rc;
}
