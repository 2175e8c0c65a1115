/*
 * keyholder.h: the unsealed root key, shared by every worker process.
 *
 * The key lives in the kernel's key retention service, in the user keyring
 * of the uid the programs run as ("coffer:<store id>:root").  The kernel
 * never writes keyring payloads to disk or swap, every process of that uid
 * finds the key without any file, and invalidating it (seal) makes it
 * unreadable everywhere at the same instant.  Unseal progress (the shares
 * entered so far) is kept the same way ("coffer:<store id>:progress"), so a
 * share given to one worker counts for all.
 *
 * A struct keyholder is a per-process handle: it caches the key's serial
 * number, never the key.  Buffers filled by keyholder_get() belong to the
 * caller, who wipes them.  keyholder_get() costs one keyctl system call
 * while the cached serial is good; a search and a read when it is not.
 */
#ifndef COFFER_KEYHOLDER_H
#define COFFER_KEYHOLDER_H

#include <stddef.h>
#include <stdint.h>

#define KEYHOLDER_ABSENT 1

enum keyholder_slot {
	KEYHOLDER_ROOT = 0,
	KEYHOLDER_PROGRESS = 1,
};

struct keyholder;

/* store_id: a short printable id unique to one store. */
int keyholder_open(const char *store_id, struct keyholder **out);
void keyholder_free(struct keyholder *kh);

/* 0 with *got bytes copied into buf, KEYHOLDER_ABSENT, or -1 (including a
 * payload larger than len). */
int keyholder_get(struct keyholder *kh, enum keyholder_slot slot, void *buf,
    size_t len, size_t *got);
/* The serial of the key the last keyholder_get() read or keyholder_set()
 * wrote (0 if none), without a system call.  Every unseal makes a new key,
 * so a process can tell whether state it derived from the key is still
 * good. */
int32_t keyholder_seen(struct keyholder *kh, enum keyholder_slot slot);
int keyholder_set(struct keyholder *kh, enum keyholder_slot slot,
    const void *buf, size_t len);
int keyholder_clear(struct keyholder *kh, enum keyholder_slot slot);

#endif
