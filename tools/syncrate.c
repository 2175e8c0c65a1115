/*
 * syncrate.c: how many durable appends per second this disk takes.
 *
 * Usage: syncrate DIR [SECONDS]
 *
 * Appends 200 bytes to a new file in DIR and calls fdatasync(), in a loop,
 * for SECONDS (default 2), then prints "<ops/s> fdatasync/s" on stdout.  One
 * acknowledged write of Coffer costs at least one such sync, so
 * tools/bench gives the write figures as a ratio of this one, measured in
 * the same run on the disk that holds the store (stack-limits.md: about
 * 5,000/s on the reference machine).  The file is removed afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SYNCRATE_RECORD  200 /* bytes per append, about one journal record */
#define SYNCRATE_SECONDS 2   /* default duration */
#define SYNCRATE_MAX_SEC 60  /* longest run accepted */

static double
syncrate_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char path[4096], record[SYNCRATE_RECORD];
	double start, elapsed = 0;
	long seconds = SYNCRATE_SECONDS, ops = 0;
	char *end;
	int fd = -1, rc = EXIT_FAILURE;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: syncrate DIR [SECONDS]\n");
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

	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1) {
		fprintf(stderr, "syncrate: %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE;
	}
	start = syncrate_now();
	while (elapsed < (double)seconds) {
		if (write(fd, record, sizeof(record)) !=
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
