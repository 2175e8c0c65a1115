/*
 * wipe.c: see wipe.h.
 *
 * The replacements find glibc's free through dlsym(RTLD_NEXT).  dlsym may
 * itself free while it looks (its error buffer): a block freed during
 * that one lookup is left to leak rather than recurse.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "base/log.h"
#include "crypto/crypto.h"
#include "crypto/wipe.h"

/* Not inlined, so that its array lies below the caller's frame, where
 * the frames of the calls the caller made before lay. */
__attribute__((noinline)) void
wipe_stack(void)
{
	char stack[WIPE_STACK_BYTES];

	explicit_bzero(stack, sizeof(stack));
}

int
wipe_process_init(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		lwarn("prctl(PR_SET_DUMPABLE)");
		return -1;
	}
	return 0;
}

/* GCC says so with a macro, clang with a feature test. */
#if defined(__SANITIZE_ADDRESS__)
#define WIPE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WIPE_ASAN 1
#endif
#endif

#ifdef WIPE_ASAN

/* ASan's allocator fills what it frees with this byte, however large. */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "max_free_fill_size=2147483647:free_fill_byte=0";
}

#else

typedef void (*wipe_free_fn)(void *);

static wipe_free_fn wipe_next_free;
static int wipe_resolving;

void
free(void *p)
{
	if (p == NULL)
		return;
	if (wipe_next_free == NULL) {
		if (wipe_resolving)
			return; /* freed by dlsym while it looks: leak it */
		wipe_resolving = 1;
		*(void **)&wipe_next_free = dlsym(RTLD_NEXT, "free");
		wipe_resolving = 0;
		if (wipe_next_free == NULL)
			abort(); /* no allocator to return memory to */
	}
	crypto_wipe(p, malloc_usable_size(p));
	wipe_next_free(p);
}

void *
realloc(void *p, size_t n)
{
	size_t have;
	void *q;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	/* Shrinking stays in place: the tail is wiped with the block. */
	if ((have = malloc_usable_size(p)) >= n)
		return p;
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}

void *
reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

#endif
