/*
 * fuzz_dumpfmt: libFuzzer target for the gdbm dump reader
 * (common/backend/dumpfmt.c), which reads import bodies from any client with a
 * grant.
 *
 * Each input is read as a dump, through a source that hands out a few bytes
 * at a time so lines cross reads.  The records of a dump the reader accepts
 * whole are written again with the writer; that copy must be accepted too,
 * and written again it must come out byte for byte the same (the writer
 * has one spelling per record), so the copy holds the records read.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/dumpfmt.h"

#define FUZZ_KMAX 256
#define FUZZ_VMAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static int
buf_put(void *arg, const void *p, size_t len)
{
	struct buf *b = arg;
	uint8_t *np;

	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		if ((np = realloc(b->p, b->cap)) == NULL)
			return -1;
		b->p = np;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	return 0;
}

static ssize_t
sip_read(void *arg, void *out, size_t len)
{
	return dumpfmt_mem_read(arg, out, len < 7 ? len : 7);
}

/* Read data whole, writing each record again into out (a whole dump);
 * the records read, or -1 when the dump is refused. */
static long
copy_dump(const uint8_t *data, size_t size, struct buf *out)
{
	struct dumpfmt_mem m = {data, size};
	struct dumpfmt_reader r;
	struct dumpfmt_record rec;
	struct dumpfmt_writer w;
	enum dumpfmt_status st;

	dumpfmt_writer_init(&w, buf_put, out);
	if (dumpfmt_write_header(&w, "fuzz") != DUMPFMT_OK)
		abort();

	dumpfmt_reader_init(&r, sip_read, &m, FUZZ_KMAX, FUZZ_VMAX);
	if (dumpfmt_read_header(&r) != DUMPFMT_OK)
		return -1;
	while ((st = dumpfmt_read_record(&r, &rec)) == DUMPFMT_OK) {
		if (rec.klen > FUZZ_KMAX || rec.vlen > FUZZ_VMAX ||
		    rec.key[rec.klen] != '\0' || rec.val[rec.vlen] != '\0')
			abort();
		if (dumpfmt_write_record(
		        &w, rec.key, rec.klen, rec.val, rec.vlen) != DUMPFMT_OK)
			abort();
		dumpfmt_record_free(&rec);
	}
	if (st != DUMPFMT_END)
		return -1;
	if (dumpfmt_write_footer(&w) != DUMPFMT_OK)
		abort();
	return (long)r.dr_count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf one = {NULL, 0, 0}, two = {NULL, 0, 0};
	long n;

	if ((n = copy_dump(data, size, &one)) >= 0 &&
	    (copy_dump(one.p, one.len, &two) != n || two.len != one.len ||
	        memcmp(one.p, two.p, one.len) != 0))
		abort();
	free(one.p);
	free(two.p);
	return 0;
}
