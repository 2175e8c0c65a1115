/* http.c: see http.h. */
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>

#include "base/http.h"
#include "base/limits.h"
#include "base/log.h"

/* Query parameters in one request: more is an attack, not a client. */
#define HTTP_MAX_QUERY 64
/* Bytes per FCGX_GetStr/FCGX_PutStr call, which take an int. */
#define HTTP_IO_CHUNK 65536

static const struct {
	const char *name;
	enum http_method method;
} http_methods[] = {
    {"GET", HTTP_GET},
    {"HEAD", HTTP_HEAD},
    {"PUT", HTTP_PUT},
    {"POST", HTTP_POST},
    {"PATCH", HTTP_PATCH},
    {"DELETE", HTTP_DELETE},
    {"LIST", HTTP_LIST},
};

static const struct {
	int code;
	const char *reason;
} http_reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {409, "Conflict"},
    {412, "Precondition Failed"},
    {413, "Payload Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {507, "Insufficient Storage"},
};

/*
 * Out of memory in a FastCGI worker: the web server restarts it, which is
 * safer than limping on with half-built responses.
 */
static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL) {
		lwarnx("out of memory (%zu bytes)", n);
		abort();
	}
	return p;
}

static void
wipe_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s[0..n) into a new string.  Every '%' must start a valid
 * escape; a decoded NUL is refused (it would cut the C string), and so is a
 * decoded '/' when slash_ok is unset (it would smuggle a separator past the
 * router).  '+' becomes a space only in a query (plus_space).
 */
int
http_pct_decode(
    const char *s, size_t n, int plus_space, int slash_ok, char **out)
{
	char *d;
	size_t i, j;
	int hi, lo, c;

	d = xrealloc(NULL, n + 1);
	for (i = j = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				goto fail;
			c = hi << 4 | lo;
			if (c == '\0' || (c == '/' && !slash_ok))
				goto fail;
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		d[j++] = (char)c;
	}
	d[j] = '\0';
	*out = d;
	return 0;
fail:
	wipe_free(d, n + 1);
	return -1;
}

static enum http_method
method_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (strcmp(name, http_methods[i].name) == 0)
			return http_methods[i].method;
	return HTTP_OTHER;
}

/*
 * Request ids are 8 bytes of the kernel's random generator, drawn
 * REQ_ID_BATCH at a time: a getrandom(2) for every request cost more than
 * the rest of its parsing.  A child forked after a draw must not give out
 * its parent's ids, so the fork empties the child's batch.
 */
#define REQ_ID_BYTES 8
#define REQ_ID_BATCH 32

static uint8_t req_id_pool[REQ_ID_BYTES * REQ_ID_BATCH];
static size_t req_id_left;      /* bytes not given out, at the pool's start */
static size_t req_id_batch = 1; /* ids a draw takes: REQ_ID_BATCH once safe */
static pthread_once_t req_id_once = PTHREAD_ONCE_INIT;

static void
req_id_forked(void)
{
	req_id_left = 0;
}

static void
req_id_init(void)
{
	if (pthread_atfork(NULL, NULL, req_id_forked) == 0)
		req_id_batch = REQ_ID_BATCH;
}

/* The next REQ_ID_BYTES random bytes; -1 (logged) if none could be had. */
static int
req_id_draw(uint8_t r[REQ_ID_BYTES])
{
	size_t want;
	ssize_t n;

	(void)pthread_once(&req_id_once, req_id_init);
	if (req_id_left == 0) {
		want = REQ_ID_BYTES * req_id_batch;
		do
			n = getrandom(req_id_pool, want, 0);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)want) {
			lwarn("getrandom");
			return -1;
		}
		req_id_left = want;
	}
	req_id_left -= REQ_ID_BYTES;
	memcpy(r, req_id_pool + req_id_left, REQ_ID_BYTES);
	return 0;
}

static enum cf_status
req_id(struct cf_req *req)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[REQ_ID_BYTES];
	size_t i;

	if (req_id_draw(r) != 0)
		return CF_E_INTERNAL;
	for (i = 0; i < sizeof(r); i++) {
		req->id[2 * i] = hex[r[i] >> 4];
		req->id[2 * i + 1] = hex[r[i] & 0xf];
	}
	req->id[2 * sizeof(r)] = '\0';
	return CF_OK;
}

/*
 * Split the raw path into decoded segments.  Only the leading '/' is
 * dropped: "a//b" keeps an empty segment so that routers can refuse it, and
 * a final '/' sets trailing_slash without adding a segment.
 */
static enum cf_status
split_path(struct cf_req *req)
{
	const char *p = req->path + 1, *q;
	size_t max = 1;

	for (q = p; *q != '\0'; q++)
		if (*q == '/')
			max++;
	req->seg = xrealloc(NULL, max * sizeof(*req->seg));
	if (*p == '\0') {
		req->trailing_slash = 1;
		return CF_OK;
	}
	for (;;) {
		q = strchr(p, '/');
		if (http_pct_decode(p, q != NULL ? (size_t)(q - p) : strlen(p),
		        0, 1, &req->seg[req->nseg]) != 0)
			return CF_E_BAD_PATH;
		/* The raw segment holds no '/': a decoded one came from %2F. */
		if (req->encoded_slash == 0 &&
		    strchr(req->seg[req->nseg], '/') != NULL)
			req->encoded_slash = req->nseg + 1;
		req->nseg++;
		if (q == NULL)
			break;
		if (q[1] == '\0') {
			req->trailing_slash = 1;
			break;
		}
		p = q + 1;
	}
	return CF_OK;
}

static enum cf_status
split_query(struct cf_req *req, const char *qs)
{
	const char *p, *end, *eq;
	char *name = NULL, *value = NULL;

	if (*qs == '\0')
		return CF_OK;
	req->query = xrealloc(NULL, HTTP_MAX_QUERY * sizeof(*req->query));
	for (p = qs; *p != '\0'; p = *end == '&' ? end + 1 : end) {
		if ((end = strchr(p, '&')) == NULL)
			end = p + strlen(p);
		if (end == p)
			continue; /* "a=1&&b=2" */
		if (req->nquery == HTTP_MAX_QUERY)
			return CF_E_BAD_REQUEST;
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
			eq = end;
		if (http_pct_decode(p, (size_t)(eq - p), 1, 1, &name) != 0)
			return CF_E_BAD_REQUEST;
		if (http_pct_decode(eq + (eq < end),
		        (size_t)(end - eq) - (eq < end), 1, 1, &value) != 0) {
			wipe_free(name, strlen(name));
			return CF_E_BAD_REQUEST;
		}
		req->query[req->nquery].name = name;
		req->query[req->nquery].value = value;
		req->nquery++;
	}
	return CF_OK;
}

/*
 * On failure req stays consistent: what was parsed (id, method) is kept for
 * logging, and http_req_free() releases the rest.
 */
enum cf_status
http_req_parse(struct cf_req *req, char **envp)
{
	const char *uri, *qs;
	size_t len;
	enum cf_status st;

	req->envp = envp;
	if ((st = req_id(req)) != CF_OK)
		return st;
	req->ctype = http_param(req, "CONTENT_TYPE");
	if ((req->method_name = http_param(req, "REQUEST_METHOD")) == NULL) {
		lwarnx("no REQUEST_METHOD");
		return CF_E_BAD_REQUEST;
	}
	req->method = method_lookup(req->method_name);
	if ((uri = http_param(req, "REQUEST_URI")) == NULL) {
		lwarnx("no REQUEST_URI");
		return CF_E_BAD_REQUEST;
	}
	if ((len = strnlen(uri, CF_MAX_URI + 1)) > CF_MAX_URI || uri[0] != '/')
		return CF_E_BAD_REQUEST;
	if ((qs = strchr(uri, '?')) != NULL)
		len = (size_t)(qs - uri);
	req->path = xrealloc(NULL, len + 1);
	memcpy(req->path, uri, len);
	req->path[len] = '\0';
	if ((st = split_path(req)) != CF_OK)
		return st;
	if (qs != NULL)
		return split_query(req, qs + 1);
	return CF_OK;
}

void
http_req_free(struct cf_req *req)
{
	size_t i;

	if (req == NULL)
		return;
	for (i = 0; i < req->nseg; i++)
		wipe_free(req->seg[i], strlen(req->seg[i]));
	free(req->seg);
	for (i = 0; i < req->nquery; i++) {
		wipe_free(req->query[i].name, strlen(req->query[i].name));
		wipe_free(req->query[i].value, strlen(req->query[i].value));
	}
	free(req->query);
	if (req->path != NULL)
		wipe_free(req->path, strlen(req->path));
	wipe_free(req->body, req->bodylen + 1);
	explicit_bzero(req, sizeof(*req));
}

const char *
http_param(const struct cf_req *req, const char *name)
{
	size_t n = strlen(name);
	char **e;

	if (req->envp == NULL)
		return NULL;
	for (e = req->envp; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int
http_req_tls(const struct cf_req *req)
{
	const char *https = http_param(req, "HTTPS");

	return https != NULL && !strcasecmp(https, "on");
}

/*
 * "dapr-api-token" is passed as HTTP_DAPR_API_TOKEN (RFC 3875 4.1.18);
 * Content-Type and Content-Length lose the prefix (4.1.2, 4.1.3).
 */
const char *
http_header(const struct cf_req *req, const char *name)
{
	char var[128];
	size_t i, n = strlen(name);

	if (strcasecmp(name, "Content-Type") == 0)
		return http_param(req, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return http_param(req, "CONTENT_LENGTH");
	if (n == 0 || n >= sizeof(var) - 5)
		return NULL;
	memcpy(var, "HTTP_", 5);
	for (i = 0; i < n; i++) {
		if (name[i] == '-')
			var[5 + i] = '_';
		else if (name[i] >= 'a' && name[i] <= 'z')
			var[5 + i] = (char)(name[i] - 'a' + 'A');
		else
			var[5 + i] = name[i];
	}
	var[5 + n] = '\0';
	return http_param(req, var);
}

const char *
http_query(const struct cf_req *req, const char *name)
{
	return http_query_nth(req, name, 0);
}

const char *
http_query_nth(const struct cf_req *req, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].name, name) == 0 && n-- == 0)
			return req->query[i].value;
	return NULL;
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* The media type of a header value: [*start, *start + *len), trimmed. */
static void
media_type(const char *v, const char *end, const char **start, size_t *len)
{
	const char *e;

	while (v < end && is_ows(*v))
		v++;
	for (e = v; e < end && *e != ';'; e++)
		;
	while (e > v && is_ows(e[-1]))
		e--;
	*start = v;
	*len = (size_t)(e - v);
}

static int
ctype_matches(const char *ctype, const char *mtype)
{
	const char *s;
	size_t n;

	media_type(ctype, ctype + strlen(ctype), &s, &n);
	return n == strlen(mtype) && strncasecmp(s, mtype, n) == 0;
}

int
http_ctype_is(const struct cf_req *req, const char *mtype)
{
	return req->ctype != NULL && ctype_matches(req->ctype, mtype);
}

int
http_parse_size(const char *s, size_t max, size_t *out)
{
	size_t v = 0, d;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = (size_t)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/*
 * Steps 1 and 2 of the body reader (docs/security.md#limits-on-input),
 * without I/O: the Content-Type, then the announced length against the
 * limit.  A NULL or empty ctypes list accepts any type; an empty
 * CONTENT_LENGTH counts as absent (some servers pass one for a GET).
 */
enum cf_status
http_body_check(const struct cf_req *req, size_t limit,
    const char *const *ctypes, int allow_missing, size_t *len)
{
	const char *cl;
	size_t i, n = 0;

	if (req->ctype == NULL || *req->ctype == '\0') {
		if (!allow_missing)
			return CF_E_MEDIA_TYPE;
	} else if (ctypes != NULL && ctypes[0] != NULL) {
		for (i = 0; ctypes[i] != NULL; i++)
			if (ctype_matches(req->ctype, ctypes[i]))
				break;
		if (ctypes[i] == NULL)
			return CF_E_MEDIA_TYPE;
	}
	cl = http_param(req, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0' && http_parse_size(cl, SIZE_MAX, &n) != 0)
		return CF_E_BAD_REQUEST;
	if (n > limit)
		return CF_E_TOO_LARGE;
	*len = n;
	return CF_OK;
}

static size_t
stream_read(FCGX_Stream *in, char *p, size_t n)
{
	size_t got = 0;
	int chunk, r;

	while (got < n) {
		chunk =
		    (int)(n - got < HTTP_IO_CHUNK ? n - got : HTTP_IO_CHUNK);
		if ((r = FCGX_GetStr(p + got, chunk, in)) <= 0)
			break;
		got += (size_t)r;
		if (r < chunk)
			break;
	}
	return got;
}

/*
 * One byte past the announced length is read to check that the stream
 * really ends there, so at most limit + 1 bytes are ever read.
 */
enum cf_status
http_read_body(struct cf_req *req, struct FCGX_Request *f, size_t limit,
    const char *const *ctypes, int allow_missing)
{
	char *buf = NULL, extra;
	size_t len;
	enum cf_status st;

	if ((st = http_body_check(req, limit, ctypes, allow_missing, &len)) !=
	    CF_OK)
		goto out;
	buf = xrealloc(NULL, len + 1);
	if (stream_read(f->in, buf, len) != len) {
		lwarnx("request %s: body shorter than CONTENT_LENGTH", req->id);
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if (FCGX_GetStr(&extra, 1, f->in) != 0) {
		lwarnx("request %s: body longer than CONTENT_LENGTH", req->id);
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	buf[len] = '\0';
	wipe_free(req->body, req->bodylen + 1);
	req->body = (uint8_t *)buf;
	req->bodylen = len;
	buf = NULL;
out:
	if (buf != NULL)
		wipe_free(buf, len + 1);
	return st;
}

static int
accept_q_zero(const char *p, const char *end)
{
	const char *v;

	/* p is just past the media range: at its ';', OWS, or end. */
	while (p < end) {
		p++;
		while (p < end && is_ows(*p))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
		    p[1] == '=') {
			v = p + 2;
			if (v == end || *v != '0')
				return 0;
			for (v++; v < end && (*v == '.' || *v == '0'); v++)
				;
			while (v < end && is_ows(*v))
				v++;
			return v == end || *v == ';';
		}
		while (p < end && *p != ';')
			p++;
	}
	return 0;
}

/*
 * The most specific matching range decides (RFC 9110 12.5.1), so
 * "application/json;q=0" refuses JSON even next to a wildcard.  Only q=0
 * matters to us; other weights are ignored.
 */
int
http_accepts(const struct cf_req *req, const char *mtype)
{
	const char *h, *p, *end, *r, *slash;
	size_t n, tlen;
	int spec, best = -1, refused = 0;

	if ((h = http_header(req, "Accept")) == NULL || *h == '\0')
		return 1;
	if ((slash = strchr(mtype, '/')) == NULL)
		return 0;
	tlen = (size_t)(slash - mtype);
	for (p = h; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		media_type(p, end, &r, &n);
		if (n == 3 && memcmp(r, "*/*", 3) == 0)
			spec = 0;
		else if (n == tlen + 2 &&
		         strncasecmp(r, mtype, tlen + 1) == 0 &&
		         r[tlen + 1] == '*')
			spec = 1;
		else if (n == strlen(mtype) && strncasecmp(r, mtype, n) == 0)
			spec = 2;
		else
			continue;
		if (spec > best) {
			best = spec;
			refused = accept_q_zero(r + n, end);
		}
	}
	return best >= 0 && !refused;
}

void
buf_add(struct cf_buf *b, const void *p, size_t len)
{
	size_t cap;
	char *d;

	if (len >= SIZE_MAX - b->len - 1) {
		lwarnx("buffer overflow");
		abort();
	}
	if (b->len + len + 1 > b->cap) {
		cap = b->cap < 256 ? 256 : b->cap;
		while (cap < b->len + len + 1)
			cap = cap > SIZE_MAX / 2 ? b->len + len + 1 : cap * 2;
		/* Not realloc(): the old block may hold a secret. */
		d = xrealloc(NULL, cap);
		if (b->len > 0)
			memcpy(d, b->data, b->len);
		wipe_free(b->data, b->cap);
		b->data = d;
		b->cap = cap;
	}
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
buf_adds(struct cf_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_free(struct cf_buf *b)
{
	if (b == NULL)
		return;
	wipe_free(b->data, b->cap);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
http_resp_status(struct cf_resp *resp, int status)
{
	resp->status = status;
}

/* Our own names and values, but a CR or LF would still split the header. */
void
http_resp_header(struct cf_resp *resp, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL) {
		lwarnx("refusing a header with a line break");
		return;
	}
	buf_adds(&resp->headers, name);
	buf_adds(&resp->headers, ": ");
	buf_adds(&resp->headers, value);
	buf_adds(&resp->headers, "\r\n");
}

void
http_resp_body(
    struct cf_resp *resp, const char *ctype, const void *p, size_t len)
{
	if (resp->body.data != NULL)
		explicit_bzero(resp->body.data, resp->body.len);
	resp->body.len = 0;
	buf_add(&resp->body, p, len);
	resp->ctype = ctype;
}

static const char *
http_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(http_reasons) / sizeof(http_reasons[0]); i++)
		if (http_reasons[i].code == status)
			return http_reasons[i].reason;
	return "Unknown";
}

static int
stream_write(FCGX_Stream *out, const char *p, size_t n)
{
	int chunk;

	while (n > 0) {
		chunk = (int)(n < HTTP_IO_CHUNK ? n : HTTP_IO_CHUNK);
		if (FCGX_PutStr(p, chunk, out) != chunk)
			return -1;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/*
 * The status line and headers.  Every answer may carry a secret, so none
 * may be cached or sniffed, unless its handler said otherwise of public
 * data (cache_own: the OCSP responder's answers).  204 and 304 have no
 * body, hence no Content-Length (RFC 9110 8.6); a stream under way has
 * none either (the web server chunks it or closes the connection at its
 * end).
 */
static int
http_resp_head(struct cf_resp *resp, FCGX_Stream *out, int with_length)
{
	struct cf_buf h = {NULL, 0, 0};
	char line[64];
	int status = resp->status == 0 ? 200 : resp->status, nobody, rc;

	if (status < 100 || status > 599) {
		lwarnx("bad status %d, sending 500", status);
		status = resp->status = 500;
	}
	nobody = status == 204 || status == 304;
	snprintf(line, sizeof(line), "Status: %d %s\r\n", status,
	    http_reason(status));
	buf_adds(&h, line);
	if (resp->ctype != NULL && !nobody) {
		buf_adds(&h, "Content-Type: ");
		buf_adds(&h, resp->ctype);
		buf_adds(&h, "\r\n");
	}
	buf_adds(&h, "X-Content-Type-Options: nosniff\r\n");
	if (!resp->cache_own)
		buf_adds(&h, "Cache-Control: no-store\r\n");
	if (resp->headers.len > 0)
		buf_add(&h, resp->headers.data, resp->headers.len);
	if (!nobody && with_length) {
		snprintf(line, sizeof(line), "Content-Length: %zu\r\n",
		    resp->body.len);
		buf_adds(&h, line);
	}
	buf_adds(&h, "\r\n");
	rc = stream_write(out, h.data, h.len);
	buf_free(&h);
	return rc;
}

/* Send the pending bytes of a stream (headers first) and empty the
 * buffer; the bytes sent are wiped, they may be secrets. */
static int
http_stream_flush(struct cf_resp *resp)
{
	FCGX_Stream *out = resp->stream->out;

	if (resp->stream_failed)
		return -1;
	if (!resp->stream_sent && http_resp_head(resp, out, 0) != 0)
		goto fail;
	resp->stream_sent = 1;
	if (resp->body.len > 0 &&
	    stream_write(out, resp->body.data, resp->body.len) != 0)
		goto fail;
	if (FCGX_FFlush(out) != 0)
		goto fail;
	resp->stream_bytes += resp->body.len;
	explicit_bzero(resp->body.data, resp->body.len);
	resp->body.len = 0;
	return 0;
fail:
	http_stream_abort(resp);
	return -1;
}

int
http_resp_send(struct cf_resp *resp, struct FCGX_Request *f)
{
	int status;

	if (resp->stream != NULL && resp->stream_failed)
		return -1;
	/* A stream that never filled its buffer is an ordinary answer,
	 * and keeps its Content-Length. */
	if (resp->stream != NULL && resp->stream_sent)
		return http_stream_flush(resp);
	if (http_resp_head(resp, f->out, 1) != 0)
		return -1;
	status = resp->status == 0 ? 200 : resp->status;
	if (status == 204 || status == 304 || resp->body.len == 0)
		return 0;
	return stream_write(f->out, resp->body.data, resp->body.len);
}

void
http_stream_begin(
    struct cf_resp *resp, struct FCGX_Request *f, int status, const char *ctype)
{
	http_resp_body(resp, ctype, NULL, 0);
	resp->status = status;
	resp->stream = f;
	resp->stream_sent = resp->stream_failed = 0;
	resp->stream_bytes = 0;
}

int
http_stream_put(struct cf_resp *resp, const void *p, size_t len)
{
	if (resp->stream == NULL || resp->stream_failed)
		return -1;
	buf_add(&resp->body, p, len);
	if (resp->body.len >= HTTP_STREAM_BUF)
		return http_stream_flush(resp);
	return 0;
}

int
http_stream_puts(struct cf_resp *resp, const char *s)
{
	return http_stream_put(resp, s, strlen(s));
}

int
http_stream_started(const struct cf_resp *resp)
{
	return resp->stream != NULL &&
	       (resp->stream_sent || resp->stream_failed);
}

void
http_stream_cancel(struct cf_resp *resp)
{
	if (resp->stream == NULL || http_stream_started(resp))
		return;
	http_resp_body(resp, NULL, NULL, 0);
	resp->stream = NULL;
}

/*
 * Shutting the socket down makes libfcgi's closing records fail, so the web
 * server sees its backend vanish mid-answer: lighttpd and Apache then close
 * the client's connection without the last chunk (or short of the length
 * the client was never told), and curl or any HTTP library reports a
 * failed transfer instead of a short JSON document.
 */
void
http_stream_abort(struct cf_resp *resp)
{
	if (resp->stream == NULL || resp->stream_failed)
		return;
	resp->stream_failed = 1;
	if (resp->stream->ipcFd >= 0)
		shutdown(resp->stream->ipcFd, SHUT_RDWR);
	http_resp_body(resp, NULL, NULL, 0);
}

void
http_resp_free(struct cf_resp *resp)
{
	if (resp == NULL)
		return;
	buf_free(&resp->headers);
	buf_free(&resp->body);
	resp->ctype = NULL;
	resp->status = 0;
	resp->cache_own = 0;
}

/* "GET, PUT, PATCH, DELETE"; NULL (and "") if buf is too small. */
const char *
http_method_allow(unsigned methods, char *buf, size_t len)
{
	size_t i, n = 0, w;

	if (len == 0)
		return NULL;
	buf[0] = '\0';
	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		if (!(methods & (unsigned)http_methods[i].method))
			continue;
		w = strlen(http_methods[i].name) + (n > 0 ? 2 : 0);
		if (n + w >= len) {
			buf[0] = '\0';
			return NULL;
		}
		snprintf(buf + n, len - n, "%s%s", n > 0 ? ", " : "",
		    http_methods[i].name);
		n += w;
	}
	return buf;
}
