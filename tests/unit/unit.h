/*
 * unit.h: the smallest test harness that reads well in a table.
 *
 * Each check names its line and what it protects.  A test binary ends with
 * unit_done(), which prints "RESULT <passed> <failed>" for tests/run-all.sh
 * to add up, and exits non-zero if anything failed.
 */
#ifndef COFFER_UNIT_H
#define COFFER_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond, what)                                                      \
	do {                                                                   \
		if (cond) {                                                    \
			unit_passed++;                                         \
		} else {                                                       \
			unit_failed++;                                         \
			fprintf(stderr, "%s:%d: FAIL: %s (%s)\n", __FILE__,    \
			    __LINE__, (what), #cond);                          \
		}                                                              \
	} while (0)

#define CHECK_LINE(line, cond, what)                                           \
	do {                                                                   \
		if (cond) {                                                    \
			unit_passed++;                                         \
		} else {                                                       \
			unit_failed++;                                         \
			fprintf(stderr, "%s:%d: FAIL: %s (%s)\n", __FILE__,    \
			    (line), (what), #cond);                            \
		}                                                              \
	} while (0)

/* Remove a test program's scratch folder (made with mkdtemp) and all in it. */
static inline void
unit_rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* An iterate callback: the keys it is given, comma-separated in seen, and
 * how many; it stops the walk (returns 42) at the stop_at-th (0: never). */
struct unit_tally {
	int n;
	int stop_at;
	char seen[2048];
};

static inline int
unit_tally_cb(
    void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct unit_tally *t = arg;
	size_t len = strlen(t->seen);

	(void)val;
	(void)vlen;
	t->n++;
	snprintf(t->seen + len, sizeof(t->seen) - len, "%.*s,", (int)klen,
	    (const char *)key);
	return t->n == t->stop_at ? 42 : 0;
}

static inline int
unit_done(void)
{
	printf("RESULT %d %d\n", unit_passed, unit_failed);
	return unit_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
