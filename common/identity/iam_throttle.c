/*
 * iam_throttle.c: the login throttle (iam.h says what it promises): a
 * shared file beside the store, <store>.throttle, not a store record.
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "crypto/crypto.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"

/*
 * The file is a header and a table of THR_SLOTS counters.  A name finds
 * its counter in a window of THR_PROBE slots chosen by an HMAC keyed with
 * the header's random key, made when the file is, so no one outside the
 * file can tell which names share a window.  A counter of an existing
 * account is never given up for another name while it is live (inside its
 * window of time); counters of names without an account and of addresses
 * give way to anything, oldest first.  When a window holds only live
 * account counters, a name that has none there is treated as throttled:
 * a failure that cannot be counted must not be free.
 */
#define THR_SLOTS 1024

#define THR_PROBE 16

#define THR_MAGIC "cfthrot1" /* a file of another layout starts over */

#define THR_MAGICLEN (sizeof(THR_MAGIC) - 1)

#define THR_KEYLEN 32

#define THR_IDLEN 16 /* bytes of the HMAC kept per slot */

#define THR_ACCOUNT 1u /* slot flag: an existing account's count */

#define THR_PATH_LEN 1100 /* a store path of the config, and ".throttle" */

struct thr_head {
	char magic[THR_MAGICLEN];
	uint8_t key[THR_KEYLEN];
	uint8_t pad[24];
};

struct thr_slot {
	uint8_t id[THR_IDLEN];
	uint32_t count;
	uint32_t flags;
	int64_t start;
};

struct thr_file {
	struct thr_head head;
	struct thr_slot slot[THR_SLOTS];
};

struct thr_arg {
	int64_t now, window;
	unsigned max;
	int account; /* fail: the name is an existing account */
	int blocked;
};

typedef void (*thr_fn)(struct thr_slot *, int fresh, struct thr_arg *);

/* A slot whose count no longer matters to anyone. */
static int
thr_stale(const struct thr_slot *s, const struct thr_arg *a)
{
	return s->count == 0 || s->start <= a->now - a->window;
}

/* A new file, or one of an older layout: a fresh key, no counts. */
static int
thr_file_ready(struct thr_file *f)
{
	if (!memcmp(f->head.magic, THR_MAGIC, THR_MAGICLEN))
		return 0;
	crypto_wipe(f, sizeof(*f));
	if (crypto_random(f->head.key, sizeof(f->head.key)) != 0)
		return -1;
	memcpy(f->head.magic, THR_MAGIC, THR_MAGICLEN);
	return 0;
}

/*
 * In key's window: its own slot, or (*victim) the slot a new count may
 * take: a stale one first, else the oldest that is not a live account
 * count; NULL both when there is neither.
 */
static struct thr_slot *
thr_find(struct thr_file *f, const uint8_t *id, size_t idx,
    const struct thr_arg *a, struct thr_slot **victim)
{
	struct thr_slot *c, *stale = NULL, *other = NULL;
	size_t i;

	for (i = 0; i < THR_PROBE; i++) {
		c = &f->slot[(idx + i) % THR_SLOTS];
		if (crypto_equal(c->id, id, THR_IDLEN))
			return c;
		if (stale == NULL && thr_stale(c, a))
			stale = c;
		else if (!(c->flags & THR_ACCOUNT) &&
		         (other == NULL || c->start < other->start))
			other = c;
	}
	*victim = stale != NULL ? stale : other;
	return NULL;
}

/* Run fn on key's slot (create: or on a new one) under the file's lock. */
static int
thr_with(const char *store, const char *key, int create, thr_fn fn,
    struct thr_arg *a)
{
	struct thr_file *f = MAP_FAILED;
	struct thr_slot *s, *victim = NULL;
	struct flock fl;
	uint8_t h[IAM_HASH_LEN];
	uint64_t idx;
	char path[THR_PATH_LEN];
	int fd, rc = -1;

	if (snprintf(path, sizeof(path), "%s.throttle", store) >=
	    (int)sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		lwarn("%s", path);
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLKW, &fl) == -1 ||
	    ftruncate(fd, (off_t)sizeof(*f)) == -1)
		goto out;
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED || thr_file_ready(f) != 0 ||
	    crypto_hmac_sha256(
	        f->head.key, sizeof(f->head.key), key, strlen(key), h) != 0)
		goto out;
	/* HMAC output is uniform, so its first bytes make a fine index. */
	memcpy(&idx, h, sizeof(idx));
	if ((s = thr_find(f, h, (size_t)(idx % THR_SLOTS), a, &victim)) != NULL)
		fn(s, 0, a);
	else if (victim == NULL) {
		lwarnx("throttle window full of live account counts");
		a->blocked = 1;
	} else if (create) {
		memset(victim, 0, sizeof(*victim));
		memcpy(victim->id, h, THR_IDLEN);
		fn(victim, 1, a);
	}
	rc = 0;
out:
	crypto_wipe(h, sizeof(h));
	if (f != MAP_FAILED)
		munmap(f, sizeof(*f));
	close(fd); /* releases the lock */
	return rc;
}

static void
thr_check(struct thr_slot *s, int fresh, struct thr_arg *a)
{
	(void)fresh;
	a->blocked = !thr_stale(s, a) && s->count >= a->max;
}

static void
thr_fail(struct thr_slot *s, int fresh, struct thr_arg *a)
{
	if (fresh || thr_stale(s, a)) {
		s->start = a->now;
		s->count = 0;
	}
	if (a->account)
		s->flags |= THR_ACCOUNT;
	if (s->count < UINT32_MAX)
		s->count++;
}

static void
thr_reset(struct thr_slot *s, int fresh, struct thr_arg *a)
{
	(void)fresh;
	(void)a;
	memset(s, 0, sizeof(*s));
}

int
iam_throttle_blocked(const char *store, const char *key, unsigned max,
    int64_t window, int64_t now)
{
	struct thr_arg a = {now, window, max, 0, 0};

	if (max == 0)
		return 0;
	if (thr_with(store, key, 0, thr_check, &a) == -1) {
		lwarnx("login refused: its throttle's file cannot be used");
		return 1; /* fail closed: a guess must not go uncounted */
	}
	return a.blocked;
}

void
iam_throttle_fail(const char *store, const char *key, int account,
    int64_t window, int64_t now)
{
	struct thr_arg a = {now, window, 0, account, 0};

	(void)thr_with(store, key, 1, thr_fail, &a);
}

void
iam_throttle_reset(const char *store, const char *key)
{
	struct thr_arg a = {0, 0, 0, 0, 0};

	(void)thr_with(store, key, 0, thr_reset, &a);
}
