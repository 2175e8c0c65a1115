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

static inline int
unit_done(void)
{
	printf("RESULT %d %d\n", unit_passed, unit_failed);
	return unit_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
