/*
 * wipe.h: freed memory holds nothing it held.
 *
 * Secrets pass through buffers that Coffer does not own: json-c's strings
 * and printbufs, libfcgi's stream buffers, the TLS and crypto libraries'
 * scratch.  Wiping each by hand misses some, and glibc leaves a freed
 * block's bytes in the heap until it is reused.  So every program linked
 * with libcoffer replaces free() and realloc(): a block is zeroed, whole,
 * before it goes back to the allocator, and realloc never leaves a moved
 * block's old copy behind.  malloc and calloc are glibc's.
 *
 * Under AddressSanitizer, which brings its own allocator, the same is
 * asked of it instead (its free_fill options), so sanitizer runs check
 * the same promise.
 *
 * wipe_process_init() makes the process not dumpable: no core file holds
 * its memory, and only root may read it through /proc.
 *
 * wipe_stack() zeroes the stack below its caller: the dead frames of the
 * functions a request went through may still hold a secret they had in a
 * local buffer, and nothing overwrites them while a worker idles.
 */
#ifndef COFFER_WIPE_H
#define COFFER_WIPE_H

/* 0, or -1 (logged) when the process could not be made undumpable. */
int wipe_process_init(void);
/* Zero WIPE_STACK_BYTES of stack below the caller's frame; call it from a
 * shallow frame (the request loop), while no request is in hand. */
void wipe_stack(void);

#define WIPE_STACK_BYTES (128 * 1024)

#endif
