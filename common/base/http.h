/*
 * http.h: one FastCGI request in, one response out.
 *
 * http_req_parse() takes the parameters the web server passed (method,
 * REQUEST_URI, headers) and splits the path into percent-decoded segments.
 * A decoded segment never contains NUL: a request that encodes one is
 * refused.  One that encoded '/' ("%2F") is marked (encoded_slash), and
 * the router refuses it unless its route takes such arguments (context.h:
 * ROUTE_SLASH_ARGS), so "%2F" cannot smuggle a separator past it.  The
 * body is read only by http_read_body(), which checks the Content-Type and
 * the announced length against a limit before reading, and never reads
 * more than limit + 1 bytes whatever the header says.
 *
 * Ownership: struct cf_req owns every string it hands out; they live until
 * http_req_free().  Parameter values borrowed from libfcgi live until the
 * request is finished.  struct cf_resp owns its buffers until
 * http_resp_free(); http_resp_send() writes them to the FastCGI stream.
 * Both are per request: nothing survives FCGX_Finish_r().
 *
 * Streaming: an answer that grows with the store (bulk maps, collections,
 * listings, exports) is written through http_stream_*: resp->body is then a
 * bounded buffer that goes to the web server each time it holds
 * HTTP_STREAM_BUF bytes, headers first (without Content-Length), so such an
 * answer never holds more than the buffer plus the item being added.  Until
 * the first flush nothing has reached the client, and an error still gets
 * the dialect's error body (http_stream_cancel); after it, an error must
 * not end the answer cleanly, since a cut JSON array can look whole:
 * http_stream_abort() drops the FastCGI connection without
 * FCGI_END_REQUEST, so the web server cuts the client's transfer.
 */
#ifndef COFFER_HTTP_H
#define COFFER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

struct FCGX_Request;

enum http_method {
	HTTP_OTHER = 0,
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_PUT = 1 << 2,
	HTTP_POST = 1 << 3,
	HTTP_PATCH = 1 << 4,
	HTTP_DELETE = 1 << 5,
	HTTP_LIST = 1 << 6, /* Vault's own verb (hvac sends it) */
};

struct cf_param {
	char *name;
	char *value;
};

struct cf_req {
	char **envp; /* borrowed: the FastCGI parameters */
	enum http_method method;
	const char *method_name; /* borrowed */
	char *path;              /* raw path, without the query */
	int trailing_slash;      /* raw path ended in '/' */
	size_t encoded_slash;    /* 1 + the first segment with "%2F", or 0 */
	char **seg;              /* decoded segments */
	size_t nseg;
	struct cf_param *query; /* decoded query parameters */
	size_t nquery;
	uint8_t *body; /* after http_read_body(); NUL-terminated */
	size_t bodylen;
	const char *ctype;         /* borrowed: Content-Type, or NULL */
	char id[17];               /* request id for logs and audit */
	struct FCGX_Request *fcgi; /* borrowed */
};

struct cf_buf {
	char *data;
	size_t len;
	size_t cap;
};

struct cf_resp {
	int status;            /* 0 means 200 */
	struct cf_buf headers; /* "Name: value\r\n" lines */
	struct cf_buf body;    /* the body, or the stream's pending bytes */
	const char *ctype;     /* static string, or NULL for none */
	int cache_own;         /* headers hold its Cache-Control: public data */
	struct FCGX_Request *stream; /* borrowed: streaming to it */
	int stream_sent;             /* headers (and some body) went out */
	int stream_failed;           /* a write failed or it was aborted */
	size_t stream_bytes;         /* body bytes sent so far */
};

/* Parse the request line parts from envp into req (zeroed by the caller). */
enum cf_status http_req_parse(struct cf_req *req, char **envp);
void http_req_free(struct cf_req *req);

/* A FastCGI parameter ("REQUEST_METHOD") or a header by its HTTP name
 * ("Authorization", looked up as HTTP_AUTHORIZATION); NULL if absent. */
const char *http_param(const struct cf_req *req, const char *name);
const char *http_header(const struct cf_req *req, const char *name);
/* 1 if the request reached the web server over TLS (HTTPS=on, set by the
 * server that terminated it; a client cannot set a parameter). */
int http_req_tls(const struct cf_req *req);
/* The first value of a query parameter, decoded; NULL if absent. */
const char *http_query(const struct cf_req *req, const char *name);
/* Its n-th value (from 0) when the parameter repeats; NULL past the last. */
const char *http_query_nth(
    const struct cf_req *req, const char *name, size_t n);

/*
 * Read the body.  ctypes lists the media types accepted (compared without
 * parameters, case-insensitively), NULL-terminated; an absent Content-Type
 * is accepted when allow_missing is set.  Returns CF_E_MEDIA_TYPE,
 * CF_E_BAD_REQUEST (malformed or short length), CF_E_TOO_LARGE (before any
 * read), or CF_OK with req->body set (an empty body is a 1-byte "\0").
 */
enum cf_status http_read_body(struct cf_req *req, struct FCGX_Request *f,
    size_t limit, const char *const *ctypes, int allow_missing);
/* Its checks without I/O: the same statuses, or CF_OK and the announced
 * length in *len (an absent or empty CONTENT_LENGTH is 0). */
enum cf_status http_body_check(const struct cf_req *req, size_t limit,
    const char *const *ctypes, int allow_missing, size_t *len);

/* Does the Accept header admit this media type?  No header admits all. */
int http_accepts(const struct cf_req *req, const char *mtype);
/* Media type of Content-Type without parameters equals mtype. */
int http_ctype_is(const struct cf_req *req, const char *mtype);

/* Percent-decode s[0..n) into a new string (*out, malloc'd): every '%'
 * starts a valid escape, a decoded NUL is refused, and so is a decoded '/'
 * unless slash_ok.  plus_space turns '+' into ' ' (query strings).  0 or -1. */
int http_pct_decode(
    const char *s, size_t n, int plus_space, int slash_ok, char **out);

/* Strict decimal parse: digits only, no sign, <= max.  0 or -1. */
int http_parse_size(const char *s, size_t max, size_t *out);

void buf_add(struct cf_buf *b, const void *p, size_t len);
void buf_adds(struct cf_buf *b, const char *s);
void buf_free(struct cf_buf *b); /* wipes */

void http_resp_status(struct cf_resp *resp, int status);
void http_resp_header(
    struct cf_resp *resp, const char *name, const char *value);
/* Replace the body; ctype is a static string. */
void http_resp_body(
    struct cf_resp *resp, const char *ctype, const void *p, size_t len);
/* Write status line, headers, Content-Length and body to the stream. */
int http_resp_send(struct cf_resp *resp, struct FCGX_Request *f);
void http_resp_free(struct cf_resp *resp);

/* Bytes a stream buffers before writing them to the web server. */
#define HTTP_STREAM_BUF 65536

/* Answer status / ctype (static) as a stream to f, replacing any body. */
void http_stream_begin(struct cf_resp *resp, struct FCGX_Request *f, int status,
    const char *ctype);
/* Append; flushes a full buffer.  0, or -1 once a write failed (the
 * client went away): stop and return an error, the stream is aborted. */
int http_stream_put(struct cf_resp *resp, const void *p, size_t len);
int http_stream_puts(struct cf_resp *resp, const char *s);
/* Has any byte of the answer reached the web server? */
int http_stream_started(const struct cf_resp *resp);
/* Before the first flush: forget the stream (the body is wiped), so an
 * error can be rendered as usual. */
void http_stream_cancel(struct cf_resp *resp);
/* After it: cut the FastCGI connection so the client sees a failed
 * transfer; http_resp_send() then writes nothing. */
void http_stream_abort(struct cf_resp *resp);

const char *http_method_allow(unsigned methods, char *buf, size_t len);

#endif
