/* keyholder.c: see keyholder.h. */
#include <errno.h>
#include <keyutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "crypto/crypto.h"
#include "vault/keyholder.h"

static const char *const slot_names[] = {"root", "progress"};

struct keyholder {
	char desc[2][96];
	key_serial_t serial[2];
};

int
keyholder_open(const char *store_id, struct keyholder **out)
{
	struct keyholder *kh;
	int i;

	if ((kh = calloc(1, sizeof(*kh))) == NULL)
		return -1;
	for (i = 0; i < 2; i++) {
		if (snprintf(kh->desc[i], sizeof(kh->desc[i]), "coffer:%s:%s",
		        store_id, slot_names[i]) >= (int)sizeof(kh->desc[i])) {
			free(kh);
			return -1;
		}
	}
	*out = kh;
	return 0;
}

void
keyholder_free(struct keyholder *kh)
{
	free(kh);
}

static key_serial_t
keyholder_find(struct keyholder *kh, enum keyholder_slot slot)
{
	key_serial_t s;

	s = keyctl_search(KEY_SPEC_USER_KEYRING, "user", kh->desc[slot], 0);
	kh->serial[slot] = s > 0 ? s : 0;
	return kh->serial[slot];
}

int32_t
keyholder_seen(struct keyholder *kh, enum keyholder_slot slot)
{
	return kh->serial[slot];
}

int
keyholder_get(struct keyholder *kh, enum keyholder_slot slot, void *buf,
    size_t len, size_t *got)
{
	long n;
	int tries;

	/* The cached serial goes stale when another process seals or
	 * unseals; one fresh search settles it. */
	for (tries = 0; tries < 2; tries++) {
		if (kh->serial[slot] == 0 && keyholder_find(kh, slot) == 0)
			return KEYHOLDER_ABSENT;
		n = keyctl_read(kh->serial[slot], buf, len);
		if (n >= 0) {
			if ((size_t)n > len) {
				crypto_wipe(buf, len);
				return -1;
			}
			*got = (size_t)n;
			return 0;
		}
		if (errno != ENOKEY && errno != EKEYREVOKED &&
		    errno != EKEYEXPIRED) {
			lwarn("keyctl_read");
			return -1;
		}
		kh->serial[slot] = 0;
	}
	return KEYHOLDER_ABSENT;
}

int
keyholder_set(
    struct keyholder *kh, enum keyholder_slot slot, const void *buf, size_t len)
{
	key_serial_t s;

	/* add_key replaces the payload of an existing key of that name. */
	s = add_key("user", kh->desc[slot], buf, len, KEY_SPEC_USER_KEYRING);
	if (s < 0) {
		lwarn("add_key");
		return -1;
	}
	/* Possessor and the same uid only: the worker processes of every
	 * program run as one uid but do not possess each other's keys. */
	if (keyctl_setperm(s, KEY_POS_ALL | KEY_USR_ALL) == -1) {
		lwarn("keyctl_setperm");
		keyctl_invalidate(s);
		return -1;
	}
	kh->serial[slot] = s;
	return 0;
}

int
keyholder_clear(struct keyholder *kh, enum keyholder_slot slot)
{
	key_serial_t s;

	/* Invalidate every key of that name, in case two unseals raced. */
	while ((s = keyholder_find(kh, slot)) != 0) {
		if (keyctl_invalidate(s) == -1 && errno != ENOKEY) {
			lwarn("keyctl_invalidate");
			return -1;
		}
	}
	kh->serial[slot] = 0;
	return 0;
}
