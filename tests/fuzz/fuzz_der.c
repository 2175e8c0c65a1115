/*
 * fuzz_der: libFuzzer target for the DER reader and writer (common/ca/der.c).
 *
 * Every TLV the reader accepts is walked recursively (constructed tags)
 * and written again with the writer; the copy must be byte for byte what
 * was read, since DER has one encoding per value.  A writer given too small
 * a buffer must report it and never write past it.
 */
#include <stdlib.h>
#include <string.h>

#include "ca/der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Re-encode r into w, depth-first; -1 when r does not parse. */
static int
copy(struct der_r r, struct der_w *w, int depth)
{
	struct der_r c, all;
	unsigned tag;
	size_t mark;

	while (r.len > 0) {
		if (der_next(&r, &tag, &c, &all) != 0)
			return -1;
		if ((tag & 0x20) && depth < DER_MAX_DEPTH - 1) {
			der_open(w, tag);
			mark = w->len;
			if (copy(c, w, depth + 1) != 0 && !w->err) {
				w->len = mark; /* again, as opaque content */
				der_raw(w, c.p, c.len);
			}
			der_close(w);
		} else
			der_put(w, tag, c.p, c.len);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct der_r in = {data, size};
	struct der_w w;
	uint8_t *buf, small[16];

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	der_w_init(&w, buf, size + 1);
	/* A nested value that fails to parse is copied as raw content, so
	 * the copy equals the input whenever the top level parses. */
	if (copy(in, &w, 0) == 0 &&
	    (w.err || w.len != size || memcmp(buf, data, size) != 0))
		abort();
	der_w_init(&w, small, sizeof(small));
	(void)copy(in, &w, 0);
	if (w.len > sizeof(small))
		abort();
	free(buf);
	return 0;
}
