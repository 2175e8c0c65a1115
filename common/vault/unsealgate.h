/*
 * unsealgate.h: the unseal throttle, shared by every worker process.
 *
 * Unseal is public: anyone who reaches it may send shares.  Each failed
 * attempt (a share that does not decode, one whose x-coordinate is already
 * held, a threshold that does not combine) makes the next attempt wait,
 * from the same client address and, less steeply, from any address; an
 * attempt that comes too soon is refused at once with the seconds left,
 * never slept on, so no worker is held.  Only an unseal clears the
 * counts: a share taken does not, or a bogus share taken between two
 * failures would wipe its sender's record.
 *
 * The counts live in a small per-host file, <state>.unseal (mode 0600;
 * state is the config's, config.h: beside a gdbm store, else in
 * state_dir), under an flock, so every worker of every program sees them.
 * It holds client addresses and counts, never a share.  The table has a
 * fixed number of slots (the stalest gives way), so each call is bounded
 * work whatever the number of addresses.  A file that cannot be used
 * fails closed, logged: every attempt waits UNSEALGATE_MAX_DELAY until an
 * operator gives the file a home.
 */
#ifndef COFFER_UNSEALGATE_H
#define COFFER_UNSEALGATE_H

#include <stdint.h>

#define UNSEALGATE_FREE_ADDR  3  /* failures in a row from one address */
#define UNSEALGATE_FREE_ALL   10 /* from all addresses together */
#define UNSEALGATE_MAX_DELAY  60 /* seconds: the longest wait */
#define UNSEALGATE_SLOTS      64 /* addresses remembered */
#define UNSEALGATE_ADDR_BYTES 48 /* an IPv6 address in text, and its NUL */

/* 0 when addr may try now, else the seconds (>= 1) to wait. */
unsigned unsealgate_wait(const char *state, const char *addr, int64_t now);
/* An attempt from addr was refused. */
void unsealgate_fail(const char *store, const char *addr, int64_t now);
/* The store is unsealed: every count starts over. */
void unsealgate_clear(const char *store);

#endif
