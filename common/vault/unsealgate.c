/*
 * unsealgate.c: see unsealgate.h.
 *
 * Slot 0 counts every address's failures; the others count one address
 * each.  After n failures in a row beyond the free ones the next attempt
 * waits 2^(n-1) seconds, at most UNSEALGATE_MAX_DELAY.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "vault/unsealgate.h"

#define GATE_PATH_MAX  1100
#define GATE_ALL       0 /* slot of every address together */
#define GATE_MAX_SHIFT 16

struct gate_slot {
	char addr[UNSEALGATE_ADDR_BYTES];
	uint32_t fails;
	uint32_t pad;
	int64_t until; /* no attempt before this */
	int64_t last;  /* last failure: the stalest slot gives way */
};

struct gate {
	struct gate_slot slot[UNSEALGATE_SLOTS];
};

static int64_t
gate_delay(uint32_t fails, uint32_t free_fails)
{
	uint32_t over;

	if (fails <= free_fails)
		return 0;
	over = fails - free_fails - 1;
	if (over > GATE_MAX_SHIFT)
		return UNSEALGATE_MAX_DELAY;
	return (int64_t)1 << over < UNSEALGATE_MAX_DELAY ? (int64_t)1 << over
	                                                 : UNSEALGATE_MAX_DELAY;
}

/*
 * path, for a log line, when store is a file; a store named by a scheme
 * ("postgresql:<connection string>") may hold a password and is not
 * named.  (Callers pass the config's state, never such a store; this
 * stays in case one does.)
 */
static const char *
gate_name(const char *store, const char *path)
{
	const char *colon = strchr(store, ':'), *slash = strchr(store, '/');

	if (colon == NULL || (slash != NULL && slash < colon))
		return path;
	return "the unseal gate of a store that is not a file";
}

/* The file, locked, read into g (zeros when new).  -1 after logging. */
static int
gate_open(const char *store, struct gate *g)
{
	char path[GATE_PATH_MAX];
	ssize_t n;
	int fd;

	memset(g, 0, sizeof(*g));
	if ((size_t)snprintf(path, sizeof(path), "%s.unseal", store) >=
	    sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		lwarn("%s", gate_name(store, path));
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1 ||
	    (n = pread(fd, g, sizeof(*g), 0)) == -1) {
		lwarn("%s", gate_name(store, path));
		close(fd);
		return -1;
	}
	if ((size_t)n != sizeof(*g)) /* new, or cut short: start over */
		memset(g, 0, sizeof(*g));
	return fd;
}

/* Write g back and release the lock (closing drops it). */
static void
gate_close(int fd, const struct gate *g, int changed)
{
	if (changed && pwrite(fd, g, sizeof(*g), 0) != (ssize_t)sizeof(*g))
		lwarn("unseal throttle");
	close(fd);
}

/* addr's slot, or NULL; with make, the stalest gives way to it. */
static struct gate_slot *
gate_find(struct gate *g, const char *addr, int make)
{
	size_t i, stalest = 1;

	for (i = 1; i < UNSEALGATE_SLOTS; i++) {
		/* As stored: an address too long for a slot is cut. */
		if (g->slot[i].addr[0] != '\0' &&
		    !strncmp(g->slot[i].addr, addr, UNSEALGATE_ADDR_BYTES - 1))
			return &g->slot[i];
		if (g->slot[i].last < g->slot[stalest].last)
			stalest = i;
	}
	if (!make)
		return NULL;
	memset(&g->slot[stalest], 0, sizeof(g->slot[stalest]));
	snprintf(g->slot[stalest].addr, UNSEALGATE_ADDR_BYTES, "%s", addr);
	return &g->slot[stalest];
}

static void
gate_fail(struct gate_slot *s, uint32_t free_fails, int64_t now)
{
	if (s->fails < UINT32_MAX)
		s->fails++;
	s->last = now;
	s->until = now + gate_delay(s->fails, free_fails);
}

unsigned
unsealgate_wait(const char *store, const char *addr, int64_t now)
{
	struct gate g;
	struct gate_slot *s;
	int64_t until;
	int fd;

	/* A gate that cannot count must not let every attempt through. */
	if ((fd = gate_open(store, &g)) == -1) {
		lwarnx("unseal refused: its throttle's file cannot be used");
		return UNSEALGATE_MAX_DELAY;
	}
	until = g.slot[GATE_ALL].until;
	if ((s = gate_find(&g, addr, 0)) != NULL && s->until > until)
		until = s->until;
	gate_close(fd, &g, 0);
	return until > now ? (unsigned)(until - now) : 0;
}

void
unsealgate_fail(const char *store, const char *addr, int64_t now)
{
	struct gate g;
	int fd;

	if ((fd = gate_open(store, &g)) == -1)
		return;
	gate_fail(&g.slot[GATE_ALL], UNSEALGATE_FREE_ALL, now);
	gate_fail(gate_find(&g, addr, 1), UNSEALGATE_FREE_ADDR, now);
	gate_close(fd, &g, 1);
}

void
unsealgate_clear(const char *store)
{
	struct gate g;
	int fd;

	if ((fd = gate_open(store, &g)) == -1)
		return;
	memset(&g, 0, sizeof(g));
	gate_close(fd, &g, 1);
}
