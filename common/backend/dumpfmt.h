/*
 * dumpfmt.h: gdbm's ASCII dump format, written and read in one place, for
 * `cofferctl backup` and restore (backend.c) and the export and import of one
 * store's secrets (export.c).
 *
 * The format is the one gdbm_dump and gdbmtool write, so gdbm_load reads
 * our dumps and we read gdbm's: header lines that start with '#' (the first
 * is "# GDBM dump file ..."), then for each record two datums, key then
 * value, each a "#:len=N" line and the base64 of its N bytes in lines of
 * DUMPFMT_LINE_LEN characters, then "#:count=<records>" and comment lines.
 * (gdbm's binary format writes lengths in the host's long and cannot hold
 * an empty value, so it is not used.)
 *
 * Invariants: the writer emits exactly that and counts the records it
 * wrote.  The reader is strict, for it reads files and request bodies that
 * anyone may have edited: a length is decimal digits within the caller's
 * limit, checked before anything is allocated; the data lines must be the
 * canonical base64 of exactly that many bytes; no line is longer than
 * DUMPFMT_LINE_MAX; a dump ends with a count equal to the records read and
 * nothing but comment lines after it, so a dump cut short anywhere is
 * refused.  Errors are values (enum dumpfmt_status); nothing here logs.
 *
 * Streaming: the writer holds one datum's base64 at a time and the reader
 * one line and one record, so neither grows with the size of the dump.
 * Bytes go out through a caller's sink and come in from a caller's source
 * (a FILE, an HTTP stream, a buffer in memory).
 *
 * Ownership: a record returned by dumpfmt_read_record is the caller's, freed
 * with dumpfmt_record_free.  Its key and value are NUL-terminated (so a key
 * with no NUL in it is a C string).  No state is shared: any process or
 * thread may use its own writer or reader.
 */
#ifndef COFFER_DUMPFMT_H
#define COFFER_DUMPFMT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DUMPFMT_LINE_LEN 76   /* base64 characters per line, as gdbm writes */
#define DUMPFMT_LINE_MAX 4096 /* longest line read, its newline included */

enum dumpfmt_status {
	DUMPFMT_OK = 0,    /* done; for the reader, a record was read */
	DUMPFMT_END,       /* the count closed the dump: no more records */
	DUMPFMT_E_HEADER,  /* not a gdbm ASCII dump */
	DUMPFMT_E_LENGTH,  /* "#:len=" is not a length, or over the limit */
	DUMPFMT_E_BASE64,  /* data lines that are not that many bytes' base64 */
	DUMPFMT_E_LINE,    /* a line longer than DUMPFMT_LINE_MAX */
	DUMPFMT_E_CUT,     /* the dump stops before its count */
	DUMPFMT_E_COUNT,   /* the count is not the number of records read */
	DUMPFMT_E_TRAILER, /* more than comments after the count */
	DUMPFMT_E_IO,      /* the sink or the source failed (see errno) */
	DUMPFMT_E_NOMEM
};

/* Where a dump goes: 0, or -1 to stop (the writer failed). */
typedef int (*dumpfmt_sink_fn)(void *arg, const void *p, size_t len);

/* Where a dump comes from: like read(2), the bytes put in buf (at most
 * len), 0 at the end, -1 on an error. */
typedef ssize_t (*dumpfmt_source_fn)(void *arg, void *buf, size_t len);

struct dumpfmt_writer {
	dumpfmt_sink_fn dw_sink;
	void *dw_arg;
	size_t dw_count; /* records written */
};

struct dumpfmt_reader {
	dumpfmt_source_fn dr_source;
	void *dr_arg;
	size_t dr_kmax, dr_vmax; /* longest key and value accepted */
	size_t dr_count;         /* records read */
	const char *dr_line;     /* the current line, without its newline */
	size_t dr_len;
	int dr_eof; /* the source has ended */
	int dr_end; /* and every line has been read: dr_line is "" */
	size_t dr_off, dr_fill; /* unread bytes: dr_buf[dr_off..dr_fill) */
	char dr_buf[DUMPFMT_LINE_MAX];
};

struct dumpfmt_record {
	uint8_t *key;
	size_t klen;
	uint8_t *val;
	size_t vlen;
};

/* A buffer in memory as a source (dumpfmt_mem_read). */
struct dumpfmt_mem {
	const uint8_t *p;
	size_t left;
};

void dumpfmt_writer_init(
    struct dumpfmt_writer *w, dumpfmt_sink_fn sink, void *arg);
/* "# GDBM dump file created by <creator>" and the parameter lines.  No
 * "#:file=" line: gdbm_load would create that file by itself.  creator must
 * hold no newline (DUMPFMT_E_HEADER). */
enum dumpfmt_status dumpfmt_write_header(
    struct dumpfmt_writer *w, const char *creator);
enum dumpfmt_status dumpfmt_write_record(struct dumpfmt_writer *w,
    const void *key, size_t klen, const void *val, size_t vlen);
/* The count of records written, which closes the dump. */
enum dumpfmt_status dumpfmt_write_footer(struct dumpfmt_writer *w);

/* Keys over kmax bytes or values over vmax are refused (DUMPFMT_E_LENGTH). */
void dumpfmt_reader_init(struct dumpfmt_reader *r, dumpfmt_source_fn source,
    void *arg, size_t kmax, size_t vmax);
/* Checks the first line and skips the header's parameter lines. */
enum dumpfmt_status dumpfmt_read_header(struct dumpfmt_reader *r);
/* DUMPFMT_OK with the next record in *rec; DUMPFMT_END once the count has
 * closed the dump (checked, with what follows it); an error.  *rec is empty
 * unless DUMPFMT_OK.  After DUMPFMT_END or an error the reader is spent. */
enum dumpfmt_status dumpfmt_read_record(
    struct dumpfmt_reader *r, struct dumpfmt_record *rec);
void dumpfmt_record_free(struct dumpfmt_record *rec);

/* A source over m: copies from m->p and moves it on. */
ssize_t dumpfmt_mem_read(void *arg, void *buf, size_t len);

/* A fixed phrase for a log line: never the dump's own bytes. */
const char *dumpfmt_strerror(enum dumpfmt_status st);

#endif
