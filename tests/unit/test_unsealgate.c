/*
 * test_unsealgate.c: the unseal throttle (unsealgate.c) over its real file.
 * Each row is one attempt's outcome from one address at one second; the
 * check is the wait each address then sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "vault/unsealgate.h"

static char dir[] = "/tmp/coffer-unsealgate.XXXXXX";

enum outcome {
	NONE, /* no attempt: only look */
	F,    /* a failed attempt */
	U,    /* an unseal */
};

static const struct {
	int line;
	int64_t now;
	const char *addr;
	enum outcome outcome;
	unsigned wait_a, wait_b; /* then: waits of 10.0.0.1, 10.0.0.2 */
} rows[] = {
    {__LINE__, 100, "10.0.0.1", NONE, 0, 0},
    {__LINE__, 100, "10.0.0.1", F, 0, 0},
    {__LINE__, 100, "10.0.0.1", F, 0, 0},
    {__LINE__, 100, "10.0.0.1", F, 0, 0},
    /* past the free ones: 1 s, then doubling, for that address only */
    {__LINE__, 100, "10.0.0.1", F, 1, 0},
    {__LINE__, 101, "10.0.0.1", F, 2, 0},
    {__LINE__, 102, "10.0.0.1", NONE, 1, 0},
    {__LINE__, 103, "10.0.0.1", F, 4, 0},
    /* the wait ends; the count stays */
    {__LINE__, 107, "10.0.0.1", NONE, 0, 0},
    {__LINE__, 107, "10.0.0.2", F, 0, 0},
    {__LINE__, 107, "10.0.0.2", F, 0, 0},
    {__LINE__, 107, "10.0.0.3", F, 0, 0},
    {__LINE__, 107, "10.0.0.3", F, 0, 0},
    /* ten failures from all addresses: the eleventh makes everyone wait */
    {__LINE__, 107, "10.0.0.4", F, 1, 1},
    {__LINE__, 108, "10.0.0.5", F, 2, 2},
    {__LINE__, 110, "10.0.0.2", F, 4, 4},
    /* an unseal clears every count */
    {__LINE__, 114, "10.0.0.9", U, 0, 0},
    {__LINE__, 114, "10.0.0.2", F, 0, 0},
};

static void
test_rows(const char *store)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].outcome == F)
			unsealgate_fail(store, rows[i].addr, rows[i].now);
		if (rows[i].outcome == U)
			unsealgate_clear(store);
		CHECK_LINE(rows[i].line,
		    unsealgate_wait(store, "10.0.0.1", rows[i].now) ==
		        rows[i].wait_a,
		    "10.0.0.1 waits as the row says");
		CHECK_LINE(rows[i].line,
		    unsealgate_wait(store, "10.0.0.2", rows[i].now) ==
		        rows[i].wait_b,
		    "10.0.0.2 waits as the row says");
	}
}

/* Far more addresses than slots: each call stays bounded, and the latest
 * address is still held back. */
static void
test_many_addresses(const char *store)
{
	char addr[UNSEALGATE_ADDR_BYTES];
	unsigned i, j;

	unsealgate_clear(store);
	for (i = 0; i < 4 * UNSEALGATE_SLOTS; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%u", i);
		for (j = 0; j <= UNSEALGATE_FREE_ADDR; j++)
			unsealgate_fail(store, addr, 1000 + i);
	}
	CHECK(
	    unsealgate_wait(store, addr, 1000 + i - 1) == UNSEALGATE_MAX_DELAY,
	    "the last of many addresses waits, the overall wait at its cap");
	CHECK(unsealgate_wait(store, "192.0.2.250",
	          1000 + i - 1 + UNSEALGATE_MAX_DELAY) == 0,
	    "every wait ends");
}

/* An address longer than a slot still counts as itself. */
static void
test_a_long_address(const char *store)
{
	static const char addr[] =
	    "fe80:0000:0000:0000:0000:0000:0000:0001%long-interface-name";
	unsigned i;

	unsealgate_clear(store);
	for (i = 0; i <= UNSEALGATE_FREE_ADDR; i++)
		unsealgate_fail(store, addr, 2000);
	CHECK(unsealgate_wait(store, addr, 2000) == 1,
	    "a long address waits after its free failures");
}

int
main(void)
{
	char store[256];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	snprintf(store, sizeof(store), "%s/coffer.db", dir);
	test_rows(store);
	test_many_addresses(store);
	test_a_long_address(store);
	CHECK(unsealgate_wait("/nonexistent/dir/coffer", "10.0.0.1", 3000) ==
	          UNSEALGATE_MAX_DELAY,
	    "a gate whose file cannot be opened fails closed");
	unit_rmtree(dir);
	return unit_done();
}
