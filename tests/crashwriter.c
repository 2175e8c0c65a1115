/*
 * crashwriter.c: the writer and the checker that tests/suites/
 * store_crash_test.sh kills and runs.
 *
 *   crashwriter write <store> <tag> [checkpoint-bytes [pad-bytes]]
 *	Commits transactions of three records forever: ack:<tag>:<n> (a value
 *	derived from tag and n), last:<tag> = n, and shared:counter, which
 *	every writer increments.  After each commit returns 0 it prints
 *	"<tag>:<n>" and flushes, so the ack file lists acknowledged writes
 *	only.  A restarted writer goes on from last:<tag> + 1.  With
 *	pad-bytes, each transaction also puts that many bytes under
 *	pad:<tag>:<i> (2 MiB values): a long write, for a kill to land in.
 *   crashwriter fill <store> <records>
 *	Adds records of 1 KiB, so that each checkpoint copies a real file.
 *   crashwriter read <store> <seconds> <writers>
 *	Runs read sections for that long while writers w1..w<writers> are
 *	killed around it: shared:counter never goes back, and each writer's
 *	last:<tag> comes with its ack record, whole (a transaction is
 *	applied whole or not at all).  Prints "read N sections" or what
 *	went wrong, and exits 1 then.
 *   crashwriter verify <store> <ackfile>...
 *	Opens the store (which must succeed) and checks every acknowledged
 *	write.  Prints "verified N", or lists what is missing and exits 1.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/store.h"

#define CW_DEFAULT_CHECKPOINT 65536 /* bytes: checkpoints come often */
#define CW_FILL_VALUE         1024  /* bytes per fill record */
#define CW_FILL_BATCH         100   /* fill records per transaction */
#define CW_MAX_TAG            64    /* bytes in a tag */
#define CW_LINE               (CW_MAX_TAG + 64) /* an ack line */
#define CW_MAX_WRITERS        64
#define CW_MAX_PAD            (32u << 20) /* pad bytes per transaction */

/* "n." repeated, 64 to 263 bytes long: a torn or misplaced value shows. */
static size_t
ack_value(char *buf, size_t size, unsigned long n)
{
	size_t len = 64 + n % 200, i, dlen;
	char d[32];

	dlen = (size_t)snprintf(d, sizeof(d), "%lu.", n);
	if (len > size)
		len = size;
	for (i = 0; i < len; i++)
		buf[i] = d[i % dlen];
	return len;
}

/* Digits only; the whole string. */
static int
parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* In a section: the decimal at key, or 0 when it is missing. */
static int
get_ulong(struct store *st, const char *key, unsigned long *out)
{
	uint8_t *v = NULL;
	size_t len;
	char buf[32];
	int rc;

	*out = 0;
	rc = store_get(st, key, strlen(key), &v, &len);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != 0 || len == 0 || len >= sizeof(buf)) {
		free(v);
		return -1;
	}
	memcpy(buf, v, len);
	buf[len] = '\0';
	free(v);
	return parse_ulong(buf, out);
}

static int
put_ulong(struct store *st, const char *key, unsigned long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lu", n);

	return store_put(st, key, strlen(key), buf, (size_t)len);
}

/* pad bytes of n's digit under pad:<tag>:0, pad:<tag>:1, ... */
static int
put_pad(struct store *st, const char *tag, unsigned long n, size_t pad)
{
	static char val[STORE_MAX_VALUE];
	char key[CW_MAX_TAG + 32];
	size_t len;
	int i;

	memset(val, '0' + (int)(n % 10), sizeof(val));
	for (i = 0; pad > 0; i++, pad -= len) {
		len = pad < sizeof(val) ? pad : sizeof(val);
		snprintf(key, sizeof(key), "pad:%s:%d", tag, i);
		if (store_put(st, key, strlen(key), val, len) == -1)
			return -1;
	}
	return 0;
}

static int
write_one(struct store *st, const char *tag, unsigned long n, size_t pad)
{
	char key[CW_MAX_TAG + 32], last[CW_MAX_TAG + 8], val[300];
	unsigned long counter;
	size_t vlen;

	if (store_begin_write(st) == -1)
		return -1;
	snprintf(key, sizeof(key), "ack:%s:%lu", tag, n);
	snprintf(last, sizeof(last), "last:%s", tag);
	vlen = ack_value(val, sizeof(val), n);
	if (get_ulong(st, "shared:counter", &counter) == -1 ||
	    store_put(st, key, strlen(key), val, vlen) == -1 ||
	    put_ulong(st, last, n) == -1 ||
	    put_ulong(st, "shared:counter", counter + 1) == -1 ||
	    put_pad(st, tag, n, pad) == -1) {
		store_abort(st);
		return -1;
	}
	return store_commit(st);
}

static int
cmd_write(const char *path, const char *tag, const char *ckpt, const char *pad)
{
	struct store *st = NULL;
	unsigned long n, bytes = CW_DEFAULT_CHECKPOINT, padlen = 0;
	char last[CW_MAX_TAG + 8];

	if (strlen(tag) > CW_MAX_TAG ||
	    (ckpt != NULL && parse_ulong(ckpt, &bytes) == -1) ||
	    (pad != NULL &&
	        (parse_ulong(pad, &padlen) == -1 || padlen > CW_MAX_PAD))) {
		fprintf(
		    stderr, "crashwriter: bad tag, checkpoint or pad size\n");
		return 2;
	}
	if (store_open(path, 1, &st) == -1)
		return 1;
	store_set_checkpoint_bytes(st, bytes);
	snprintf(last, sizeof(last), "last:%s", tag);
	if (store_begin_read(st) == -1 || get_ulong(st, last, &n) == -1) {
		fprintf(stderr, "crashwriter: cannot read %s\n", last);
		store_close(st);
		return 1;
	}
	store_end_read(st);
	for (n++;; n++) {
		if (write_one(st, tag, n, padlen) == -1) {
			fprintf(stderr, "crashwriter: commit %s:%lu failed\n",
			    tag, n);
			store_close(st);
			return 1;
		}
		printf("%s:%lu\n", tag, n);
		fflush(stdout);
	}
}

static int
cmd_fill(const char *path, const char *count)
{
	struct store *st = NULL;
	unsigned long n, i;
	char key[32], val[CW_FILL_VALUE];
	int rc = 1;

	if (parse_ulong(count, &n) == -1 || store_open(path, 1, &st) == -1)
		goto out;
	memset(val, 'f', sizeof(val));
	for (i = 0; i < n; i++) {
		if (i % CW_FILL_BATCH == 0 && store_begin_write(st) == -1)
			goto out;
		snprintf(key, sizeof(key), "fill:%lu", i);
		if (store_put(st, key, strlen(key), val, sizeof(val)) == -1)
			goto out;
		if ((i % CW_FILL_BATCH == CW_FILL_BATCH - 1 || i == n - 1) &&
		    store_commit(st) == -1)
			goto out;
	}
	rc = store_checkpoint(st) == 0 ? 0 : 1;
out:
	store_close(st);
	return rc;
}

/* In a section: writer tag's last record is there and whole. */
static int
read_check_tag(struct store *st, const char *tag)
{
	char key[CW_MAX_TAG + 32], last[CW_MAX_TAG + 8], want[300];
	unsigned long n;
	uint8_t *got = NULL;
	size_t glen, wlen;
	int rc;

	snprintf(last, sizeof(last), "last:%s", tag);
	if (get_ulong(st, last, &n) == -1)
		return -1;
	if (n == 0)
		return 0; /* not started yet */
	snprintf(key, sizeof(key), "ack:%s:%lu", tag, n);
	wlen = ack_value(want, sizeof(want), n);
	rc = store_get(st, key, strlen(key), &got, &glen) == 0 &&
	             glen == wlen && memcmp(got, want, wlen) == 0
	         ? 0
	         : -1;
	free(got);
	return rc;
}

static int
cmd_read(const char *path, const char *secs, const char *writers)
{
	struct store *st = NULL;
	unsigned long seconds, nw, counter, prev = 0, sections = 0, i;
	char tag[32];
	time_t end;
	int rc = 1;

	if (parse_ulong(secs, &seconds) == -1 ||
	    parse_ulong(writers, &nw) == -1 || nw > CW_MAX_WRITERS) {
		fprintf(stderr, "crashwriter: bad seconds or writers\n");
		return 2;
	}
	if (store_open(path, 1, &st) == -1)
		return 1;
	end = time(NULL) + (time_t)seconds;
	while (time(NULL) < end) {
		if (store_begin_read(st) == -1) {
			printf("read section %lu failed\n", sections);
			goto out;
		}
		if (get_ulong(st, "shared:counter", &counter) == -1 ||
		    counter < prev) {
			printf("shared:counter went from %lu to %lu\n", prev,
			    counter);
			goto out;
		}
		prev = counter;
		for (i = 1; i <= nw; i++) {
			snprintf(tag, sizeof(tag), "w%lu", i);
			if (read_check_tag(st, tag) == -1) {
				printf(
				    "%s: last record missing or torn\n", tag);
				goto out;
			}
		}
		store_end_read(st);
		sections++;
	}
	printf("read %lu sections\n", sections);
	rc = 0;
out:
	store_close(st);
	return rc;
}

struct verify {
	struct store *st;
	unsigned long checked;
	unsigned long missing;
};

/* One "tag:n" line: its value must be there, and last:tag must be past it. */
static void
verify_line(struct verify *v, char *line)
{
	char key[CW_LINE + 32], last[CW_LINE + 8], want[300];
	char *colon = strrchr(line, ':');
	unsigned long n, lastn;
	uint8_t *got = NULL;
	size_t glen, wlen;

	if (colon == NULL || colon - line > CW_MAX_TAG ||
	    parse_ulong(colon + 1, &n) == -1) {
		printf("malformed ack line: %s\n", line);
		v->missing++;
		return;
	}
	*colon = '\0';
	snprintf(key, sizeof(key), "ack:%s:%lu", line, n);
	snprintf(last, sizeof(last), "last:%s", line);
	wlen = ack_value(want, sizeof(want), n);
	v->checked++;
	if (store_get(v->st, key, strlen(key), &got, &glen) != 0 ||
	    glen != wlen || memcmp(got, want, wlen) != 0 ||
	    get_ulong(v->st, last, &lastn) == -1 || lastn < n) {
		printf("missing or wrong: %s:%lu\n", line, n);
		v->missing++;
	}
	free(got);
}

static int
verify_file(struct verify *v, const char *name)
{
	char line[CW_LINE];
	FILE *fp;
	size_t len;

	if ((fp = fopen(name, "r")) == NULL) {
		fprintf(stderr, "crashwriter: %s: %s\n", name, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		len = strlen(line);
		/* The writer was killed inside printf: not acknowledged. */
		if (len == 0 || line[len - 1] != '\n')
			break;
		line[len - 1] = '\0';
		verify_line(v, line);
	}
	fclose(fp);
	return 0;
}

static int
cmd_verify(const char *path, char **files, int nfiles)
{
	struct verify v = {NULL, 0, 0};
	unsigned long counter;
	int i, rc = 1;

	if (store_open(path, 0, &v.st) == -1) {
		printf("store does not open\n");
		return 1;
	}
	if (store_begin_read(v.st) == -1)
		goto out;
	for (i = 0; i < nfiles; i++) {
		if (verify_file(&v, files[i]) == -1)
			goto out;
	}
	/* Every acknowledged transaction incremented it once, at least. */
	if (get_ulong(v.st, "shared:counter", &counter) == -1 ||
	    counter < v.checked) {
		printf("shared:counter %lu below %lu acknowledged writes\n",
		    counter, v.checked);
		v.missing++;
	}
	if (v.missing == 0) {
		printf("verified %lu\n", v.checked);
		rc = 0;
	}
out:
	store_close(v.st);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: crashwriter write <store> <tag> [bytes [pad]]\n"
	                "       crashwriter fill <store> <records>\n"
	                "       crashwriter read <store> <seconds> <writers>\n"
	                "       crashwriter verify <store> <ackfile>...\n");
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && argc <= 6 && strcmp(argv[1], "write") == 0)
		return cmd_write(argv[2], argv[3], argc >= 5 ? argv[4] : NULL,
		    argc == 6 ? argv[5] : NULL);
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return cmd_fill(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "read") == 0)
		return cmd_read(argv[2], argv[3], argv[4]);
	if (argc >= 4 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[2], argv + 3, argc - 3);
	usage();
	return 2;
}
