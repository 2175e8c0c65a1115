/*
 * test_dumpfmt.c: the gdbm ASCII dump framing of common/backend/dumpfmt.c.
 *
 * What is written reads back as it was, through a source that gives one
 * byte at a time as well as through a buffer; and each way a dump can be
 * malformed (its length, its base64, a cut line, its count, an over-long
 * line, what follows the count) is refused with its own error.  That gdbm's
 * own tools read these dumps, and we read theirs, is tested in
 * test_backend.c through backend_dump and backend_load.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/dumpfmt.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define KMAX     64
#define VMAX     4096

/* A sink into a growing buffer; fail_at makes the nth call fail. */
struct sink {
	char *p;
	size_t len, cap;
	int calls, fail_at;
};

static int
sink_put(void *arg, const void *p, size_t len)
{
	struct sink *s = arg;
	char *np;

	if (++s->calls == s->fail_at)
		return -1;
	if (s->len + len + 1 > s->cap) {
		s->cap = (s->len + len + 1) * 2;
		if ((np = realloc(s->p, s->cap)) == NULL)
			return -1;
		s->p = np;
	}
	memcpy(s->p + s->len, p, len);
	s->len += len;
	s->p[s->len] = '\0';
	return 0;
}

/* A source of one byte a call: every line crosses a read. */
static ssize_t
trickle_read(void *arg, void *buf, size_t len)
{
	return dumpfmt_mem_read(arg, buf, len < 1 ? len : 1);
}

static ssize_t
broken_read(void *arg, void *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	errno = EIO;
	return -1;
}

struct rec {
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
};

static char long_val[1000];

#define LIT(s) s, sizeof(s) - 1

static const struct rec recs[] = {
    {LIT("s:a:/one"), LIT("first")},
    {LIT("e:empty"), LIT("")},
    {LIT("b:\0bin"), LIT("\0\377\n#:len=1\n")},
    {LIT("l:long"), long_val, sizeof(long_val)},
};

static enum dumpfmt_status
write_dump(struct sink *s, size_t n)
{
	struct dumpfmt_writer w;
	enum dumpfmt_status st;
	size_t i;

	dumpfmt_writer_init(&w, sink_put, s);
	if ((st = dumpfmt_write_header(&w, "test (Coffer)")) != DUMPFMT_OK)
		return st;
	for (i = 0; i < n; i++) {
		st = dumpfmt_write_record(
		    &w, recs[i].key, recs[i].klen, recs[i].val, recs[i].vlen);
		if (st != DUMPFMT_OK)
			return st;
	}
	return dumpfmt_write_footer(&w);
}

/* Read a whole dump of text: DUMPFMT_END, or the first error; the
 * records are compared with recs[] as they come. */
static enum dumpfmt_status
read_dump(const char *text, size_t len, dumpfmt_source_fn source, size_t *n,
    int *same)
{
	struct dumpfmt_mem m = {(const uint8_t *)text, len};
	struct dumpfmt_reader r;
	struct dumpfmt_record rec;
	enum dumpfmt_status st;

	*n = 0;
	*same = 1;
	dumpfmt_reader_init(&r, source, &m, KMAX, VMAX);
	if ((st = dumpfmt_read_header(&r)) != DUMPFMT_OK)
		return st;
	while ((st = dumpfmt_read_record(&r, &rec)) == DUMPFMT_OK) {
		if (*n >= NELEM(recs) || rec.klen != recs[*n].klen ||
		    rec.vlen != recs[*n].vlen ||
		    memcmp(rec.key, recs[*n].key, rec.klen) != 0 ||
		    memcmp(rec.val, recs[*n].val, rec.vlen) != 0 ||
		    rec.key[rec.klen] != '\0')
			*same = 0;
		dumpfmt_record_free(&rec);
		(*n)++;
	}
	return st;
}

static enum dumpfmt_status
read_text(const char *text)
{
	size_t n;
	int same;

	return read_dump(text, strlen(text), dumpfmt_mem_read, &n, &same);
}

/* The longest line of text, its newline excluded. */
static size_t
longest_line(const char *text)
{
	size_t max = 0, n;
	const char *nl;

	for (; *text != '\0'; text += n + 1) {
		nl = strchr(text, '\n');
		n = nl ? (size_t)(nl - text) : strlen(text);
		if (n > max)
			max = n;
		if (nl == NULL)
			break;
	}
	return max;
}

static void
test_written_dump_reads_back_the_same_records(void)
{
	static const char head[] = "# GDBM dump file created by test (Coffer)\n"
	                           "#:version=1.1\n#:format=standard\n"
	                           "# End of header\n#:len=8\nczphOi9vbmU=\n";
	static const char foot[] = "#:count=4\n# End of data\n";
	struct sink s = {NULL, 0, 0, 0, 0};
	size_t n;
	int same;

	memset(long_val, 'x', sizeof(long_val));
	long_val[500] = '\n';
	CHECK(write_dump(&s, NELEM(recs)) == DUMPFMT_OK, "write a dump");
	CHECK(s.p != NULL && strncmp(s.p, head, sizeof(head) - 1) == 0,
	    "gdbm's header, then the first datum");
	CHECK(s.p != NULL && strstr(s.p, "#:len=0\n#:len=6\n") != NULL,
	    "an empty value is a length with no data line, as gdbm");
	CHECK(s.p != NULL && s.len > sizeof(foot) &&
	          strcmp(s.p + s.len - (sizeof(foot) - 1), foot) == 0,
	    "the count closes it");
	CHECK(s.p != NULL && longest_line(s.p) == DUMPFMT_LINE_LEN,
	    "base64 lines of 76 characters");
	CHECK(s.p != NULL &&
	          read_dump(s.p, s.len, dumpfmt_mem_read, &n, &same) ==
	              DUMPFMT_END &&
	          n == NELEM(recs) && same,
	    "every record reads back from a buffer");
	CHECK(
	    s.p != NULL &&
	        read_dump(s.p, s.len, trickle_read, &n, &same) == DUMPFMT_END &&
	        n == NELEM(recs) && same,
	    "and from a source of one byte a read");
	free(s.p);
}

static void
test_empty_dump_reads_as_no_records(void)
{
	struct sink s = {NULL, 0, 0, 0, 0};
	size_t n;
	int same;

	CHECK(write_dump(&s, 0) == DUMPFMT_OK && s.p != NULL &&
	          read_dump(s.p, s.len, dumpfmt_mem_read, &n, &same) ==
	              DUMPFMT_END &&
	          n == 0,
	    "a dump of nothing is a whole dump");
	free(s.p);
}

static void
test_dump_without_last_newline_reads(void)
{
	CHECK(read_text("# GDBM dump file\n#:len=8\nczphOi9vbmU=\n#:len=5\n"
	                "Zmlyc3Q=\n#:count=1") == DUMPFMT_END,
	    "a last line without its newline counts, as in gdbm's loader");
}

static void
test_every_cut_before_the_count_is_refused(void)
{
	struct sink s = {NULL, 0, 0, 0, 0};
	size_t cut, end, n, bad = 0;
	int same;

	CHECK(write_dump(&s, NELEM(recs)) == DUMPFMT_OK && s.p != NULL,
	    "write a dump");
	if (s.p == NULL)
		return;
	/* Up to the count's last digit, every prefix is a dump cut short. */
	end = (size_t)(strstr(s.p, "#:count=4\n") - s.p) + 9;
	for (cut = 0; cut < end; cut++)
		if (read_dump(s.p, cut, dumpfmt_mem_read, &n, &same) ==
		    DUMPFMT_END)
			bad++;
	CHECK(bad == 0, "no prefix of a dump reads as a whole dump");
	CHECK(read_dump(s.p, end - 900, dumpfmt_mem_read, &n, &same) ==
	          DUMPFMT_E_CUT,
	    "a dump cut inside a base64 line is cut short");
	CHECK(read_dump(s.p, end - 9, dumpfmt_mem_read, &n, &same) ==
	          DUMPFMT_E_CUT,
	    "a dump cut before its count is cut short");
	free(s.p);
}

struct bad {
	const char *name;
	const char *text;
	enum dumpfmt_status want;
};

#define HDR "# GDBM dump file created by test\n#:version=1.1\n"

static const struct bad bads[] = {
    {"not a dump", "hello\n", DUMPFMT_E_HEADER},
    {"an empty source", "", DUMPFMT_E_HEADER},
    {"a header that never ends", HDR, DUMPFMT_E_CUT},
    {"a header line without '#'", HDR "version=1\n#:count=0\n",
        DUMPFMT_E_HEADER},
    {"a length that is not a number", HDR "#:len=3a\nYWJj\n", DUMPFMT_E_LENGTH},
    {"an empty length", HDR "#:len=\n\n", DUMPFMT_E_LENGTH},
    {"a negative length", HDR "#:len=-3\nYWJj\n", DUMPFMT_E_LENGTH},
    {"a key over the limit", HDR "#:len=65\n", DUMPFMT_E_LENGTH},
    {"a length of 21 digits",
        HDR "#:len=0000000000"
            "00000000003\nYWJj\n",
        DUMPFMT_E_LENGTH},
    {"a value over the limit",
        HDR "#:len=1\nYQ==\n#:len=18446744073709551615\n", DUMPFMT_E_LENGTH},
    {"a comment between records",
        HDR "#:len=1\nYQ==\n#:len=1\nYQ==\n# hi\n#:count=1\n",
        DUMPFMT_E_LENGTH},
    {"a key with no value", HDR "#:len=1\nYQ==\n#:count=1\n", DUMPFMT_E_LENGTH},
    {"base64 outside the alphabet", HDR "#:len=3\nYW!j\n", DUMPFMT_E_BASE64},
    {"base64 with unused bits set", HDR "#:len=1\nYR==\n", DUMPFMT_E_BASE64},
    {"base64 longer than the length", HDR "#:len=2\nYWJj\n", DUMPFMT_E_BASE64},
    {"base64 shorter than the length", HDR "#:len=4\nYWJj\n#:len=1\nYQ==\n",
        DUMPFMT_E_BASE64},
    {"an empty line inside a datum", HDR "#:len=3\nYW\n\nJj\n",
        DUMPFMT_E_BASE64},
    {"a cut base64 line", HDR "#:len=3\nYWJ", DUMPFMT_E_CUT},
    {"no count", HDR "#:len=1\nYQ==\n#:len=1\nYQ==\n", DUMPFMT_E_CUT},
    {"a count too high", HDR "#:len=1\nYQ==\n#:len=1\nYQ==\n#:count=2\n",
        DUMPFMT_E_COUNT},
    {"a count too low", HDR "#:len=1\nYQ==\n#:len=1\nYQ==\n#:count=0\n",
        DUMPFMT_E_COUNT},
    {"a count that is not a number", HDR "#:count=zero\n", DUMPFMT_E_COUNT},
    {"data after the count", HDR "#:count=0\n# End of data\nYQ==\n",
        DUMPFMT_E_TRAILER},
};

static void
test_each_malformed_dump_is_refused_with_its_error(void)
{
	size_t i;

	for (i = 0; i < NELEM(bads); i++)
		CHECK_LINE((int)i, read_text(bads[i].text) == bads[i].want,
		    bads[i].name);
}

static void
test_over_long_line_is_refused(void)
{
	char *text;
	size_t hlen = strlen(HDR);

	if ((text = malloc(hlen + DUMPFMT_LINE_MAX + 16)) == NULL)
		return;
	/* The longest line read: DUMPFMT_LINE_MAX with its newline. */
	memcpy(text, HDR, hlen);
	text[hlen] = '#';
	memset(text + hlen + 1, 'x', DUMPFMT_LINE_MAX - 2);
	strcpy(text + hlen + DUMPFMT_LINE_MAX - 1, "\n#:count=0\n");
	CHECK(read_text(text) == DUMPFMT_END, "a line of the longest size");
	text[hlen + DUMPFMT_LINE_MAX - 1] = 'x';
	strcpy(text + hlen + DUMPFMT_LINE_MAX, "\n#:count=0\n");
	CHECK(read_text(text) == DUMPFMT_E_LINE, "one byte more is refused");
	free(text);
}

static void
test_failing_sink_and_source_are_errors(void)
{
	struct sink s = {NULL, 0, 0, 0, 3};
	struct dumpfmt_writer w;
	struct dumpfmt_reader r;

	CHECK(write_dump(&s, NELEM(recs)) == DUMPFMT_E_IO,
	    "a sink that fails stops the writer");
	free(s.p);
	memset(&s, 0, sizeof(s));
	dumpfmt_writer_init(&w, sink_put, &s);
	CHECK(dumpfmt_write_header(&w, "two\nlines") == DUMPFMT_E_HEADER,
	    "a creator with a newline is refused");
	dumpfmt_reader_init(&r, broken_read, NULL, KMAX, VMAX);
	CHECK(dumpfmt_read_header(&r) == DUMPFMT_E_IO,
	    "a source that fails stops the reader");
}

int
main(void)
{
	test_written_dump_reads_back_the_same_records();
	test_empty_dump_reads_as_no_records();
	test_dump_without_last_newline_reads();
	test_every_cut_before_the_count_is_refused();
	test_each_malformed_dump_is_refused_with_its_error();
	test_over_long_line_is_refused();
	test_failing_sink_and_source_are_errors();
	return unit_done();
}
