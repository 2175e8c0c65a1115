/*
 * test_http.c: the request parser, the body checks, the JSON reader and the
 * error renderer of common/ (reply.c), one table row per behaviour.
 *
 * The body reader and the response writer are also driven through a real
 * libfcgi request: this file plays the web server on a Unix socket, so
 * short, long and oversized bodies reach http_read_body() as they would
 * behind lighttpd or Apache.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "base/errors.h"
#include "base/http.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/reply.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define STORE_FULL_MSG                                                         \
	"the store's disk is full: it takes deletes only, until space is "     \
	"freed"

/* A request with REQUEST_METHOD, REQUEST_URI and up to 6 more parameters. */
struct fake {
	char method[32];
	char uri[CF_MAX_URI + 64];
	char *envp[9];
	struct cf_req req;
};

static enum cf_status
fake_parse(struct fake *f, const char *method, const char *uri,
    const char *const *extra)
{
	size_t n = 0, i;

	memset(f, 0, sizeof(*f));
	if (method != NULL) {
		snprintf(
		    f->method, sizeof(f->method), "REQUEST_METHOD=%s", method);
		f->envp[n++] = f->method;
	}
	if (uri != NULL) {
		snprintf(f->uri, sizeof(f->uri), "REQUEST_URI=%s", uri);
		f->envp[n++] = f->uri;
	}
	for (i = 0; extra != NULL && extra[i] != NULL && n < 8; i++)
		f->envp[n++] = (char *)(uintptr_t)extra[i];
	f->envp[n] = NULL;
	return http_req_parse(&f->req, f->envp);
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
test_paths(void)
{
	static const struct {
		int line;
		const char *uri;
		enum cf_status want;
		size_t nseg;
		const char *seg[4];
		int trailing;
	} t[] = {
	    {__LINE__, "/", CF_OK, 0, {NULL}, 1},
	    {__LINE__, "/a", CF_OK, 1, {"a"}, 0},
	    {__LINE__, "/a/b", CF_OK, 2, {"a", "b"}, 0},
	    {__LINE__, "/a/", CF_OK, 1, {"a"}, 1},
	    {__LINE__, "/a//b", CF_OK, 3, {"a", "", "b"}, 0},
	    {__LINE__, "//a", CF_OK, 2, {"", "a"}, 0},
	    {__LINE__, "/a//", CF_OK, 2, {"a", ""}, 1},
	    {__LINE__, "/a%20b", CF_OK, 1, {"a b"}, 0},
	    {__LINE__, "/a+b", CF_OK, 1, {"a+b"}, 0},
	    {__LINE__, "/%41%62c", CF_OK, 1, {"Abc"}, 0},
	    {__LINE__, "/%25", CF_OK, 1, {"%"}, 0},
	    {__LINE__, "/%e2%82%ac", CF_OK, 1, {"\xe2\x82\xac"}, 0},
	    {__LINE__, "/a?x=1", CF_OK, 1, {"a"}, 0},
	    {__LINE__, "/a/?x", CF_OK, 1, {"a"}, 1},
	    {__LINE__, "/a?x/y", CF_OK, 1, {"a"}, 0},
	    {__LINE__, "/v1/secret/default/p", CF_OK, 4,
	        {"v1", "secret", "default", "p"}, 0},
	    /* The router refuses these, but for a route that takes
	     * them (test_encoded_slash). */
	    {__LINE__, "/a%2Fb", CF_OK, 1, {"a/b"}, 0},
	    {__LINE__, "/a%2fb", CF_OK, 1, {"a/b"}, 0},
	    {__LINE__, "/a%00", CF_E_BAD_PATH, 0, {NULL}, 0},
	    {__LINE__, "/a%G1", CF_E_BAD_PATH, 0, {NULL}, 0},
	    {__LINE__, "/a%1G", CF_E_BAD_PATH, 0, {NULL}, 0},
	    {__LINE__, "/a%4", CF_E_BAD_PATH, 0, {NULL}, 0},
	    {__LINE__, "/a%", CF_E_BAD_PATH, 0, {NULL}, 0},
	    {__LINE__, "/ok/a%2Fb/", CF_OK, 2, {"ok", "a/b"}, 1},
	    {__LINE__, "/a%252Fb", CF_OK, 1, {"a%2Fb"}, 0},
	    {__LINE__, "a/b", CF_E_BAD_REQUEST, 0, {NULL}, 0},
	    {__LINE__, "", CF_E_BAD_REQUEST, 0, {NULL}, 0},
	    {__LINE__, "*", CF_E_BAD_REQUEST, 0, {NULL}, 0},
	    {__LINE__, "?a=1", CF_E_BAD_REQUEST, 0, {NULL}, 0},
	};
	struct fake f;
	enum cf_status st;
	size_t i, j;

	for (i = 0; i < NELEM(t); i++) {
		st = fake_parse(&f, "GET", t[i].uri, NULL);
		CHECK_LINE(t[i].line, st == t[i].want, t[i].uri);
		if (st == CF_OK && t[i].want == CF_OK) {
			CHECK_LINE(t[i].line, f.req.nseg == t[i].nseg,
			    "segment count");
			for (j = 0; j < f.req.nseg && j < t[i].nseg; j++)
				CHECK_LINE(t[i].line,
				    streq(f.req.seg[j], t[i].seg[j]),
				    "segment");
			CHECK_LINE(t[i].line,
			    f.req.trailing_slash == t[i].trailing,
			    "trailing slash");
		}
		http_req_free(&f.req);
	}
}

static void
test_uri_length(void)
{
	static char uri[CF_MAX_URI + 2];
	struct fake f;

	memset(uri, 'a', sizeof(uri) - 1);
	uri[0] = '/';
	uri[CF_MAX_URI] = '\0';
	CHECK(fake_parse(&f, "GET", uri, NULL) == CF_OK,
	    "a URI of CF_MAX_URI bytes is taken");
	CHECK(f.req.nseg == 1 && strlen(f.req.seg[0]) == CF_MAX_URI - 1,
	    "its one segment is whole");
	http_req_free(&f.req);
	uri[CF_MAX_URI] = 'a';
	CHECK(fake_parse(&f, "GET", uri, NULL) == CF_E_BAD_REQUEST,
	    "a URI one byte over CF_MAX_URI is refused");
	http_req_free(&f.req);
}

static void
test_raw_path_kept(void)
{
	struct fake f;

	CHECK(fake_parse(&f, "GET", "/a%20b/c?x=1", NULL) == CF_OK, "parse");
	CHECK(streq(f.req.path, "/a%20b/c"), "path is raw, without query");
	http_req_free(&f.req);
}

static void
test_query(void)
{
	static const struct {
		int line;
		const char *uri;
		enum cf_status want;
		size_t n;
		const char *kv[6];
	} t[] = {
	    {__LINE__, "/p?a=1&b=2", CF_OK, 2, {"a", "1", "b", "2"}},
	    {__LINE__, "/p?a=x+y", CF_OK, 1, {"a", "x y"}},
	    {__LINE__, "/p?a=%2B", CF_OK, 1, {"a", "+"}},
	    {__LINE__, "/p?a%20b=c%2Fd", CF_OK, 1, {"a b", "c/d"}},
	    {__LINE__, "/p?a", CF_OK, 1, {"a", ""}},
	    {__LINE__, "/p?a=", CF_OK, 1, {"a", ""}},
	    {__LINE__, "/p?=v", CF_OK, 1, {"", "v"}},
	    {__LINE__, "/p?a=1=2", CF_OK, 1, {"a", "1=2"}},
	    {__LINE__, "/p?a=1&&b=2&", CF_OK, 2, {"a", "1", "b", "2"}},
	    {__LINE__, "/p?", CF_OK, 0, {NULL}},
	    {__LINE__, "/p?list=true", CF_OK, 1, {"list", "true"}},
	    {__LINE__, "/p?a=%00", CF_E_BAD_REQUEST, 0, {NULL}},
	    {__LINE__, "/p?a%00=1", CF_E_BAD_REQUEST, 0, {NULL}},
	    {__LINE__, "/p?a=%zz", CF_E_BAD_REQUEST, 0, {NULL}},
	    {__LINE__, "/p?a=%2", CF_E_BAD_REQUEST, 0, {NULL}},
	    {__LINE__, "/p?x=1&a=%", CF_E_BAD_REQUEST, 0, {NULL}},
	};
	struct fake f;
	enum cf_status st;
	size_t i, j;

	for (i = 0; i < NELEM(t); i++) {
		st = fake_parse(&f, "GET", t[i].uri, NULL);
		CHECK_LINE(t[i].line, st == t[i].want, t[i].uri);
		if (st == CF_OK && t[i].want == CF_OK) {
			CHECK_LINE(t[i].line, f.req.nquery == t[i].n,
			    "parameter count");
			for (j = 0; j < f.req.nquery && j < t[i].n; j++) {
				CHECK_LINE(t[i].line,
				    streq(f.req.query[j].name, t[i].kv[2 * j]),
				    "name");
				CHECK_LINE(t[i].line,
				    streq(f.req.query[j].value,
				        t[i].kv[2 * j + 1]),
				    "value");
			}
		}
		http_req_free(&f.req);
	}
}

static void
test_query_lookup_and_cap(void)
{
	char uri[1024], *p;
	struct fake f;
	int i;

	CHECK(fake_parse(&f, "GET", "/p?a=1&a=2&b", NULL) == CF_OK, "parse");
	CHECK(streq(http_query(&f.req, "a"), "1"), "first value wins");
	CHECK(streq(http_query(&f.req, "b"), ""), "empty value");
	CHECK(http_query(&f.req, "c") == NULL, "absent is NULL");
	CHECK(streq(http_query_nth(&f.req, "a", 1), "2"), "second value");
	CHECK(http_query_nth(&f.req, "a", 2) == NULL, "none past the last");
	CHECK(streq(http_query_nth(&f.req, "b", 0), ""), "nth 0 is the first");
	http_req_free(&f.req);

	p = uri + snprintf(uri, sizeof(uri), "/p?");
	for (i = 0; i < 64; i++)
		p += snprintf(p, (size_t)(uri + sizeof(uri) - p), "k%d=v&", i);
	CHECK(fake_parse(&f, "GET", uri, NULL) == CF_OK,
	    "64 query parameters are taken");
	CHECK(f.req.nquery == 64, "all 64 kept");
	http_req_free(&f.req);
	snprintf(p, (size_t)(uri + sizeof(uri) - p), "k64=v");
	CHECK(fake_parse(&f, "GET", uri, NULL) == CF_E_BAD_REQUEST,
	    "a 65th query parameter is refused");
	http_req_free(&f.req);
}

static void
test_methods(void)
{
	static const struct {
		int line;
		const char *name;
		enum http_method want;
	} t[] = {
	    {__LINE__, "GET", HTTP_GET},
	    {__LINE__, "HEAD", HTTP_HEAD},
	    {__LINE__, "PUT", HTTP_PUT},
	    {__LINE__, "POST", HTTP_POST},
	    {__LINE__, "PATCH", HTTP_PATCH},
	    {__LINE__, "DELETE", HTTP_DELETE},
	    {__LINE__, "OPTIONS", HTTP_OTHER},
	    {__LINE__, "get", HTTP_OTHER},
	    {__LINE__, "GETX", HTTP_OTHER},
	    {__LINE__, "", HTTP_OTHER},
	};
	struct fake f;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		CHECK_LINE(t[i].line,
		    fake_parse(&f, t[i].name, "/", NULL) == CF_OK, t[i].name);
		CHECK_LINE(t[i].line, f.req.method == t[i].want, t[i].name);
		CHECK_LINE(t[i].line, streq(f.req.method_name, t[i].name),
		    "method_name is the server's");
		http_req_free(&f.req);
	}
	CHECK(fake_parse(&f, NULL, "/", NULL) == CF_E_BAD_REQUEST,
	    "no REQUEST_METHOD is refused");
	http_req_free(&f.req);
	CHECK(fake_parse(&f, "GET", NULL, NULL) == CF_E_BAD_REQUEST,
	    "no REQUEST_URI is refused");
	http_req_free(&f.req);
}

static void
test_request_id(void)
{
	char first[17];
	struct fake f;
	size_t i;
	int hex = 1;

	CHECK(fake_parse(&f, "GET", "/", NULL) == CF_OK, "parse");
	for (i = 0; i < 16; i++)
		hex &= (f.req.id[i] >= '0' && f.req.id[i] <= '9') ||
		       (f.req.id[i] >= 'a' && f.req.id[i] <= 'f');
	CHECK(hex && f.req.id[16] == '\0', "request id is 16 hex digits");
	memcpy(first, f.req.id, sizeof(first));
	http_req_free(&f.req);
	CHECK(fake_parse(&f, "GET", "/", NULL) == CF_OK, "parse");
	CHECK(memcmp(first, f.req.id, sizeof(first)) != 0,
	    "two requests get different ids");
	http_req_free(&f.req);
	CHECK(fake_parse(&f, "GET", "/a%00", NULL) == CF_E_BAD_PATH, "parse");
	CHECK(strlen(f.req.id) == 16, "a refused request still has an id");
	http_req_free(&f.req);
}

/* A segment that encoded '/' is marked, the first one by its place, for
 * the router to refuse unless its route takes it (app.c). */
static void
test_encoded_slash(void)
{
	static const struct {
		const char *uri;
		size_t want;
	} t[] = {
	    {"/a/b", 0},
	    {"/a%2Fb", 1},
	    {"/ca/ocsp/MEow%2FME0=/x%2f", 3},
	    {"/a%252Fb", 0},
	};
	struct fake f;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		CHECK(fake_parse(&f, "GET", t[i].uri, NULL) == CF_OK, t[i].uri);
		CHECK(f.req.encoded_slash == t[i].want, t[i].uri);
		http_req_free(&f.req);
	}
}

/* Ids come a batch at a time: no two alike over several batches, and a
 * child forked mid-batch does not give out its parent's next ids. */
static void
test_request_id_batches(void)
{
	static char seen[200][17];
	char mine[17], theirs[17] = "";
	struct fake f;
	size_t i, j;
	int fds[2], distinct = 1, status;
	pid_t pid;

	for (i = 0; i < 200; i++) {
		CHECK(fake_parse(&f, "GET", "/", NULL) == CF_OK, "parse");
		memcpy(seen[i], f.req.id, 17);
		http_req_free(&f.req);
		for (j = 0; j < i; j++)
			distinct &= strcmp(seen[i], seen[j]) != 0;
	}
	CHECK(distinct, "200 ids, no two alike");
	if (pipe(fds) != 0 || (pid = fork()) == -1) {
		CHECK(0, "pipe and fork");
		return;
	}
	if (pid == 0) {
		(void)fake_parse(&f, "GET", "/", NULL);
		(void)write(fds[1], f.req.id, 17);
		_exit(0);
	}
	close(fds[1]);
	CHECK(fake_parse(&f, "GET", "/", NULL) == CF_OK, "parse");
	memcpy(mine, f.req.id, 17);
	http_req_free(&f.req);
	CHECK(read(fds[0], theirs, 17) == 17, "the child's id");
	close(fds[0]);
	waitpid(pid, &status, 0);
	CHECK(strcmp(mine, theirs) != 0, "parent and child ids differ");
}

static void
test_headers(void)
{
	static const char *const env[] = {
	    "HTTP_AUTHORIZATIONX=wrong",
	    "HTTP_AUTHORIZATION=token=abc",
	    "HTTP_DAPR_API_TOKEN=t0k",
	    "CONTENT_TYPE=application/json; charset=utf-8",
	    "CONTENT_LENGTH=5",
	    "HTTP_X_FOO=bar",
	    NULL,
	};
	static const struct {
		int line;
		const char *name;
		const char *want;
	} t[] = {
	    {__LINE__, "Authorization", "token=abc"},
	    {__LINE__, "authorization", "token=abc"},
	    {__LINE__, "dapr-api-token", "t0k"},
	    {__LINE__, "Content-Type", "application/json; charset=utf-8"},
	    {__LINE__, "content-type", "application/json; charset=utf-8"},
	    {__LINE__, "Content-Length", "5"},
	    {__LINE__, "X-Foo", "bar"},
	    {__LINE__, "X-Fo", NULL},
	    {__LINE__, "X-Missing", NULL},
	    {__LINE__, "", NULL},
	};
	struct fake f;
	size_t i;

	CHECK(fake_parse(&f, "PUT", "/", env) == CF_OK, "parse");
	for (i = 0; i < NELEM(t); i++)
		CHECK_LINE(t[i].line,
		    streq(http_header(&f.req, t[i].name), t[i].want),
		    t[i].name);
	CHECK(streq(http_param(&f.req, "CONTENT_LENGTH"), "5"), "param");
	CHECK(http_param(&f.req, "CONTENT") == NULL, "no prefix match");
	CHECK(streq(f.req.ctype, "application/json; charset=utf-8"),
	    "req->ctype is CONTENT_TYPE");
	CHECK(http_ctype_is(&f.req, "application/json"),
	    "ctype compared without parameters");
	CHECK(http_ctype_is(&f.req, "APPLICATION/JSON"),
	    "ctype compared without case");
	CHECK(!http_ctype_is(&f.req, "application/jso"), "ctype prefix");
	http_req_free(&f.req);
	CHECK(fake_parse(&f, "PUT", "/", NULL) == CF_OK, "parse");
	CHECK(f.req.ctype == NULL && !http_ctype_is(&f.req, "text/plain"),
	    "no Content-Type is no type");
	http_req_free(&f.req);
}

static void
test_parse_size(void)
{
	static const struct {
		int line;
		const char *s;
		size_t max;
		int rc;
		size_t want;
	} t[] = {
	    {__LINE__, "", SIZE_MAX, -1, 0},
	    {__LINE__, "-1", SIZE_MAX, -1, 0},
	    {__LINE__, "+1", SIZE_MAX, -1, 0},
	    {__LINE__, " 1", SIZE_MAX, -1, 0},
	    {__LINE__, "1 ", SIZE_MAX, -1, 0},
	    {__LINE__, "1x", SIZE_MAX, -1, 0},
	    {__LINE__, "0x10", SIZE_MAX, -1, 0},
	    {__LINE__, "1e3", SIZE_MAX, -1, 0},
	    {__LINE__, "18446744073709551616", SIZE_MAX, -1, 0},
	    {__LINE__, "99999999999999999999999", SIZE_MAX, -1, 0},
	    {__LINE__, "18446744073709551615", SIZE_MAX, 0, SIZE_MAX},
	    {__LINE__, "1048576", SIZE_MAX, 0, 1048576},
	    {__LINE__, "0", SIZE_MAX, 0, 0},
	    {__LINE__, "007", SIZE_MAX, 0, 7},
	    {__LINE__, "1048576", 1048576, 0, 1048576},
	    {__LINE__, "1048577", 1048576, -1, 0},
	    {__LINE__, "10", 9, -1, 0},
	    {__LINE__, "9", 5, -1, 0},
	    {__LINE__, "5", 5, 0, 5},
	    {__LINE__, "0", 0, 0, 0},
	    {__LINE__, "1", 0, -1, 0},
	    {__LINE__, "59", 55, -1, 0},
	};
	size_t i, v;

	for (i = 0; i < NELEM(t); i++) {
		v = 12345;
		CHECK_LINE(t[i].line,
		    http_parse_size(t[i].s, t[i].max, &v) == t[i].rc, t[i].s);
		CHECK_LINE(t[i].line, v == (t[i].rc == 0 ? t[i].want : 12345),
		    "value, untouched on error");
	}
	CHECK(http_parse_size(NULL, SIZE_MAX, &v) == -1, "NULL");
}

static void
test_accept(void)
{
	static const struct {
		int line;
		const char *accept;
		const char *mtype;
		int want;
	} t[] = {
	    {__LINE__, NULL, "application/json", 1},
	    {__LINE__, "", "application/json", 1},
	    {__LINE__, "application/json", "application/json", 1},
	    {__LINE__, "APPLICATION/Json", "application/json", 1},
	    {__LINE__, "application/json; charset=utf-8", "application/json",
	        1},
	    {__LINE__, "*/*", "application/json", 1},
	    {__LINE__, "application/*", "application/json", 1},
	    {__LINE__, "text/*", "application/json", 0},
	    {__LINE__, "text/plain", "application/json", 0},
	    {__LINE__, "application/jsonx", "application/json", 0},
	    {__LINE__, "application/octet-stream", "application/json", 0},
	    {__LINE__, "text/plain, application/json;q=0.5", "application/json",
	        1},
	    {__LINE__, " text/plain ,  application/json ", "application/json",
	        1},
	    {__LINE__, "application/json;q=0", "application/json", 0},
	    {__LINE__, "application/json ; q=0.000", "application/json", 0},
	    {__LINE__, "application/json;Q=0", "application/json", 0},
	    {__LINE__, "application/json;q=0.01", "application/json", 1},
	    {__LINE__, "application/json;q=1", "application/json", 1},
	    {__LINE__, "application/json;level=1;q=0", "application/json", 0},
	    {__LINE__, "*/*;q=0", "application/json", 0},
	    {__LINE__, "application/json;q=0, */*", "application/json", 0},
	    {__LINE__, "application/*;q=0, application/json",
	        "application/json", 1},
	    {__LINE__, "*/*;q=0, application/*", "application/json", 1},
	    {__LINE__, "text/html, */*;q=0.8", "application/json", 1},
	    {__LINE__, "application/octet-stream", "application/octet-stream",
	        1},
	};
	char accept[256];
	const char *env[2];
	struct fake f;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		env[0] = NULL;
		env[1] = NULL;
		if (t[i].accept != NULL) {
			snprintf(accept, sizeof(accept), "HTTP_ACCEPT=%s",
			    t[i].accept);
			env[0] = accept;
		}
		CHECK_LINE(t[i].line, fake_parse(&f, "GET", "/", env) == CF_OK,
		    "parse");
		CHECK_LINE(t[i].line,
		    http_accepts(&f.req, t[i].mtype) == t[i].want,
		    t[i].accept != NULL ? t[i].accept : "(none)");
		http_req_free(&f.req);
	}
}

static void
test_body_check(void)
{
	static const char *const json[] = {"application/json", NULL};
	static const char *const two[] = {
	    "application/octet-stream", "application/json", NULL};
	static const char *const none[] = {NULL};
	static const struct {
		int line;
		const char *ctype;
		const char *clen;
		size_t limit;
		const char *const *ctypes;
		int allow_missing;
		enum cf_status want;
		size_t len;
	} t[] = {
	    {__LINE__, "application/json", "5", 10, json, 0, CF_OK, 5},
	    {__LINE__, "application/json; charset=utf-8", "5", 10, json, 0,
	        CF_OK, 5},
	    {__LINE__, "Application/JSON", "5", 10, json, 0, CF_OK, 5},
	    {__LINE__, "application/jsonp", "5", 10, json, 0, CF_E_MEDIA_TYPE,
	        0},
	    {__LINE__, "text/plain", "5", 10, json, 0, CF_E_MEDIA_TYPE, 0},
	    {__LINE__, NULL, "5", 10, json, 0, CF_E_MEDIA_TYPE, 0},
	    {__LINE__, "", "5", 10, json, 0, CF_E_MEDIA_TYPE, 0},
	    {__LINE__, NULL, "5", 10, json, 1, CF_OK, 5},
	    {__LINE__, NULL, "5", 10, NULL, 0, CF_E_MEDIA_TYPE, 0},
	    {__LINE__, "text/plain", "5", 10, NULL, 0, CF_OK, 5},
	    {__LINE__, "text/plain", "5", 10, none, 0, CF_OK, 5},
	    {__LINE__, "application/octet-stream", "5", 10, two, 0, CF_OK, 5},
	    {__LINE__, "application/json", "5", 10, two, 0, CF_OK, 5},
	    /* Content-Type is checked before the length. */
	    {__LINE__, "text/plain", "999", 10, json, 0, CF_E_MEDIA_TYPE, 0},
	    {__LINE__, "text/plain", "x", 10, json, 0, CF_E_MEDIA_TYPE, 0},
	    {__LINE__, "application/json", "abc", 10, json, 0, CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "application/json", "-1", 10, json, 0, CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "application/json", "+5", 10, json, 0, CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "application/json", " 5", 10, json, 0, CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "application/json", "18446744073709551616", 10, json, 0,
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__, "application/json", "11", 10, json, 0, CF_E_TOO_LARGE,
	        0},
	    {__LINE__, "application/json", "18446744073709551615", 10, json, 0,
	        CF_E_TOO_LARGE, 0},
	    {__LINE__, "application/json", "10", 10, json, 0, CF_OK, 10},
	    {__LINE__, "application/json", "0", 10, json, 0, CF_OK, 0},
	    {__LINE__, "application/json", NULL, 10, json, 0, CF_OK, 0},
	    {__LINE__, "application/json", "", 10, json, 0, CF_OK, 0},
	    {__LINE__, "application/json", "1048577", CF_MAX_BODY, json, 0,
	        CF_E_TOO_LARGE, 0},
	};
	char ctype[128], clen[128];
	const char *env[3];
	struct fake f;
	size_t i, n, len;

	for (i = 0; i < NELEM(t); i++) {
		n = 0;
		if (t[i].ctype != NULL) {
			snprintf(ctype, sizeof(ctype), "CONTENT_TYPE=%s",
			    t[i].ctype);
			env[n++] = ctype;
		}
		if (t[i].clen != NULL) {
			snprintf(
			    clen, sizeof(clen), "CONTENT_LENGTH=%s", t[i].clen);
			env[n++] = clen;
		}
		env[n] = NULL;
		CHECK_LINE(t[i].line, fake_parse(&f, "PUT", "/", env) == CF_OK,
		    "parse");
		len = 777;
		CHECK_LINE(t[i].line,
		    http_body_check(&f.req, t[i].limit, t[i].ctypes,
		        t[i].allow_missing, &len) == t[i].want,
		    "status");
		CHECK_LINE(t[i].line,
		    len == (t[i].want == CF_OK ? t[i].len : 777),
		    "length, untouched on error");
		http_req_free(&f.req);
	}
}

static void
test_method_allow(void)
{
	char buf[64], small[10];

	CHECK(streq(http_method_allow(
	                HTTP_GET | HTTP_PUT | HTTP_PATCH | HTTP_DELETE, buf,
	                sizeof(buf)),
	          "GET, PUT, PATCH, DELETE"),
	    "Allow text");
	CHECK(streq(http_method_allow(HTTP_DELETE | HTTP_GET | HTTP_HEAD |
	                                  HTTP_POST | HTTP_PUT | HTTP_PATCH,
	                buf, sizeof(buf)),
	          "GET, HEAD, PUT, POST, PATCH, DELETE"),
	    "all methods in a fixed order");
	CHECK(streq(http_method_allow(HTTP_POST, buf, sizeof(buf)), "POST"),
	    "one method");
	CHECK(streq(http_method_allow(0, buf, sizeof(buf)), ""), "none");
	CHECK(http_method_allow(HTTP_GET | HTTP_DELETE, small, sizeof(small)) ==
	              NULL &&
	          small[0] == '\0',
	    "too small a buffer is NULL and empty");
	CHECK(
	    streq(http_method_allow(HTTP_GET | HTTP_PUT, small, sizeof(small)),
	        "GET, PUT"),
	    "an exact fit");
}

static void
test_buffers(void)
{
	struct cf_buf b = {NULL, 0, 0};
	struct cf_resp resp;
	char chunk[1000];
	size_t i;
	int ok = 1;

	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 100; i++)
		buf_add(&b, chunk, sizeof(chunk));
	buf_adds(&b, "end");
	CHECK(b.len == 100003 && b.cap > b.len, "buffer grows");
	for (i = 0; i < 100000; i++)
		ok &= b.data[i] == 'x';
	CHECK(ok && memcmp(b.data + 100000, "end", 4) == 0,
	    "content kept across growth, NUL-terminated");
	buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0, "buf_free resets");
	buf_free(&b);
	buf_free(NULL);

	memset(&resp, 0, sizeof(resp));
	http_resp_header(&resp, "Allow", "GET, PUT");
	http_resp_header(&resp, "X-Bad", "a\r\nSet-Cookie: x");
	http_resp_header(&resp, "X-Bad\r\nY", "a");
	CHECK(streq(resp.headers.data, "Allow: GET, PUT\r\n"),
	    "a header value with CR or LF is refused");
	http_resp_body(&resp, "text/plain", "first body", 10);
	http_resp_body(&resp, "application/json", "{}", 2);
	CHECK(resp.body.len == 2 && streq(resp.body.data, "{}") &&
	          streq(resp.ctype, "application/json"),
	    "http_resp_body replaces the body");
	http_resp_free(&resp);
	CHECK(resp.body.data == NULL && resp.headers.data == NULL,
	    "http_resp_free");
	http_resp_free(NULL);
}

/* Depth d: an object holding d - 1 nested arrays ({} for depth 1). */
static char *
nested(int d)
{
	char *s = malloc((size_t)(2 * d + 8)), *p = s;
	int i;

	p += sprintf(p, d > 1 ? "{\"a\":" : "{");
	for (i = 1; i < d; i++)
		*p++ = '[';
	for (i = 1; i < d; i++)
		*p++ = ']';
	*p++ = '}';
	*p = '\0';
	return s;
}

static void
test_json_parse(void)
{
	static const struct {
		int line;
		const char *text;
		size_t len; /* 0: strlen */
		enum cf_status want;
	} t[] = {
	    {__LINE__, "{\"value\":\"x\"}", 0, CF_OK},
	    {__LINE__, "{}", 0, CF_OK},
	    {__LINE__, " {\"value\":\"x\"} \n", 0, CF_OK},
	    {__LINE__, "{\"value\":\"x\"}\r\n\t ", 0, CF_OK},
	    {__LINE__, "{ \"a\" : [1, 2.5, {\"b\": true}], \"c\": null }", 0,
	        CF_OK},
	    {__LINE__, "{\"a\":\"\\ud83d\\ude00 \\/ \\t \\\"\"}", 0, CF_OK},
	    {__LINE__, "{\"a\":\"\xe2\x82\xac\"}", 0, CF_OK},
	    {__LINE__, "{\"a\":\"\\u0000\"}", 0, CF_OK},
	    {__LINE__, "{\"\\\\u0000\":1}", 0, CF_OK},
	    {__LINE__, "{\"a\":-0, \"b\":1E+2, \"c\":-1.5e-3}", 0, CF_OK},
	    {__LINE__, "[1]", 0, CF_E_BAD_JSON},
	    {__LINE__, "[]", 0, CF_E_BAD_JSON},
	    {__LINE__, "\"x\"", 0, CF_E_BAD_JSON},
	    {__LINE__, "1", 0, CF_E_BAD_JSON},
	    {__LINE__, "null", 0, CF_E_BAD_JSON},
	    {__LINE__, "true", 0, CF_E_BAD_JSON},
	    {__LINE__, "{}x", 0, CF_E_BAD_JSON},
	    {__LINE__, "{}{}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{} []", 0, CF_E_BAD_JSON},
	    {__LINE__, "{}\0", 3, CF_E_BAD_JSON},
	    {__LINE__, "{} \0", 4, CF_E_BAD_JSON},
	    {__LINE__, "{}\v", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":1", 0, CF_E_BAD_JSON},
	    {__LINE__, "{", 0, CF_E_BAD_JSON},
	    {__LINE__, "", 0, CF_E_BAD_JSON},
	    {__LINE__, "   ", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\xff\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\xc0\xaf\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\xed\xa0\x80\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\xe2\x82\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "\xef\xbb\xbf{}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":1,}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":[1,]}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{'a':1}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{a:1}", 0, CF_E_BAD_JSON},
	    {__LINE__, "/*c*/{}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":01}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":0x10}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":+1}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":TRUE}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":NaN}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":Infinity}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":-Infinity}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":1e999}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":{\"b\":[-1e999]}}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"x\ty\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"x\ny\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\\u0000b\":1}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\\u0000b\" :1}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"x\0y\"}", 11, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\\x\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\\u00\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{'a\"b':1}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":-.5}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":1.}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":.5}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":1e}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":-}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":nul}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\x01\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\x7f\"}", 0, CF_OK},
	    {__LINE__, "{\"a\":[0,-0,0.5,-1.25e-3,1E9,2e+1]}", 0, CF_OK},
	    {__LINE__, "{\"a\":[true,false,null]}", 0, CF_OK},
	    {__LINE__, "{\"a\\\\\":1}", 0, CF_OK},
	    {__LINE__, "{\"a\\u0000\":\"b\\u0000\"}", 0, CF_E_BAD_JSON},
	    {__LINE__, "{\"a\":\"\\u0000\",\"b\\u0000\"\n:1}", 0,
	        CF_E_BAD_JSON},
	};
	struct json_object *o;
	enum cf_status st;
	char *s;
	size_t i;
	int d;

	for (i = 0; i < NELEM(t); i++) {
		o = (struct json_object *)&o;
		st = cf_json_parse(t[i].text,
		    t[i].len != 0 ? t[i].len : strlen(t[i].text), &o);
		CHECK_LINE(t[i].line, st == t[i].want, t[i].text);
		if (st == CF_OK)
			json_object_put(o);
		else
			CHECK_LINE(t[i].line, o == (struct json_object *)&o,
			    "out untouched on error");
	}
	for (d = 1; d <= 18; d++) {
		s = nested(d);
		st = cf_json_parse(s, strlen(s), &o);
		CHECK(st == (d <= CF_MAX_JSON_DEPTH ? CF_OK : CF_E_BAD_JSON),
		    "nesting up to CF_MAX_JSON_DEPTH, no deeper");
		if (st == CF_OK)
			json_object_put(o);
		free(s);
	}
	CHECK(cf_json_parse(NULL, 0, &o) == CF_E_BAD_JSON, "NULL");
}

static struct json_object *
parse_or_null(const char *s)
{
	struct json_object *o = NULL;

	if (cf_json_parse(s, strlen(s), &o) != CF_OK)
		return NULL;
	return o;
}

static void
test_json_getters(void)
{
	struct json_object *o, *arr, *v;
	const char *s;
	size_t len;
	int64_t i;
	int b;

	o = parse_or_null("{\"s\":\"str\",\"e\":\"\",\"nul\":\"a\\u0000b\","
	                  "\"i\":42,\"neg\":-5,\"d\":1.5,\"d1\":1.0,"
	                  "\"b\":true,\"f\":false,\"o\":{},\"a\":[1],"
	                  "\"n\":null,\"istr\":\"42\","
	                  "\"max\":9223372036854775807,"
	                  "\"big\":9223372036854775808,"
	                  "\"huge\":99999999999999999999999,"
	                  "\"min\":-9223372036854775808,"
	                  "\"tiny\":-99999999999999999999999}");
	CHECK(o != NULL, "getter fixture parses");
	if (o == NULL)
		return;

	s = NULL;
	len = 9;
	CHECK(cf_json_string(o, "s", &s, &len) == CF_OK && len == 3 &&
	          streq(s, "str"),
	    "string");
	CHECK(cf_json_string(o, "e", &s, &len) == CF_OK && len == 0,
	    "empty string");
	CHECK(cf_json_string(o, "nul", &s, &len) == CF_OK && len == 3 &&
	          memcmp(s, "a\0b", 3) == 0,
	    "embedded \\u0000 keeps the full length");
	s = "untouched";
	CHECK(cf_json_string(o, "nul", &s, NULL) == CF_E_BAD_JSON &&
	          streq(s, "untouched"),
	    "without len, an embedded NUL is refused");
	CHECK(cf_json_string(o, "s", &s, NULL) == CF_OK && streq(s, "str"),
	    "without len, a plain string");
	s = "untouched";
	len = 9;
	CHECK(cf_json_string(o, "i", &s, &len) == CF_E_BAD_JSON, "int");
	CHECK(cf_json_string(o, "o", &s, &len) == CF_E_BAD_JSON, "object");
	CHECK(cf_json_string(o, "a", &s, &len) == CF_E_BAD_JSON, "array");
	CHECK(cf_json_string(o, "b", &s, &len) == CF_E_BAD_JSON, "bool");
	CHECK(cf_json_string(o, "n", &s, &len) == CF_E_BAD_JSON,
	    "null is the wrong type, not absent");
	CHECK(cf_json_string(o, "zz", &s, &len) == CF_E_NOT_FOUND, "absent");
	CHECK(streq(s, "untouched") && len == 9, "out params untouched");

	i = 7;
	CHECK(cf_json_int(o, "i", 0, 100, &i) == CF_OK && i == 42, "int");
	CHECK(cf_json_int(o, "i", 42, 42, &i) == CF_OK && i == 42,
	    "bounds inclusive");
	i = 7;
	CHECK(cf_json_int(o, "i", 0, 41, &i) == CF_E_BAD_JSON, "above max");
	CHECK(cf_json_int(o, "i", 43, 100, &i) == CF_E_BAD_JSON, "below min");
	CHECK(
	    cf_json_int(o, "neg", -10, 0, &i) == CF_OK && i == -5, "negative");
	i = 7;
	CHECK(cf_json_int(o, "neg", 0, 10, &i) == CF_E_BAD_JSON,
	    "negative below min");
	CHECK(cf_json_int(o, "d", 0, 100, &i) == CF_E_BAD_JSON, "double");
	CHECK(cf_json_int(o, "d1", 0, 100, &i) == CF_E_BAD_JSON,
	    "1.0 is a double");
	CHECK(cf_json_int(o, "istr", 0, 100, &i) == CF_E_BAD_JSON, "string");
	CHECK(cf_json_int(o, "b", 0, 100, &i) == CF_E_BAD_JSON, "bool");
	CHECK(cf_json_int(o, "n", 0, 100, &i) == CF_E_BAD_JSON, "null");
	CHECK(cf_json_int(o, "zz", 0, 100, &i) == CF_E_NOT_FOUND, "absent");
	CHECK(i == 7, "out untouched");
	CHECK(cf_json_int(o, "max", INT64_MIN, INT64_MAX, &i) == CF_OK &&
	          i == INT64_MAX,
	    "INT64_MAX");
	i = 7;
	CHECK(cf_json_int(o, "big", INT64_MIN, INT64_MAX, &i) == CF_E_BAD_JSON,
	    "INT64_MAX + 1, which json-c clamps, is refused");
	CHECK(cf_json_int(o, "huge", INT64_MIN, INT64_MAX, &i) == CF_E_BAD_JSON,
	    "beyond UINT64_MAX is refused");
	CHECK(cf_json_int(o, "min", INT64_MIN, INT64_MAX, &i) == CF_E_BAD_JSON,
	    "INT64_MIN is refused: json-c clamps to it");
	CHECK(cf_json_int(o, "tiny", INT64_MIN, INT64_MAX, &i) == CF_E_BAD_JSON,
	    "below INT64_MIN is refused");
	CHECK(i == 7, "out untouched");

	b = 7;
	CHECK(cf_json_bool(o, "b", &b) == CF_OK && b == 1, "true");
	CHECK(cf_json_bool(o, "f", &b) == CF_OK && b == 0, "false");
	b = 7;
	CHECK(cf_json_bool(o, "i", &b) == CF_E_BAD_JSON, "int is no bool");
	CHECK(cf_json_bool(o, "s", &b) == CF_E_BAD_JSON, "string");
	CHECK(cf_json_bool(o, "n", &b) == CF_E_BAD_JSON, "null");
	CHECK(cf_json_bool(o, "zz", &b) == CF_E_NOT_FOUND && b == 7, "absent");

	v = NULL;
	CHECK(cf_json_object(o, "o", &v) == CF_OK && v != NULL &&
	          json_object_is_type(v, json_type_object),
	    "object");
	v = NULL;
	CHECK(cf_json_object(o, "a", &v) == CF_E_BAD_JSON && v == NULL,
	    "array is no object");
	CHECK(cf_json_object(o, "n", &v) == CF_E_BAD_JSON, "null");
	CHECK(cf_json_object(o, "zz", &v) == CF_E_NOT_FOUND, "absent");
	CHECK(cf_json_array(o, "a", &arr) == CF_OK &&
	          json_object_array_length(arr) == 1,
	    "array");
	CHECK(cf_json_array(o, "o", &v) == CF_E_BAD_JSON, "object is no array");
	CHECK(cf_json_array(o, "zz", &v) == CF_E_NOT_FOUND, "absent");
	CHECK(cf_json_string(arr, "x", &s, &len) == CF_E_BAD_JSON,
	    "a getter on a non-object");
	CHECK(cf_json_string(NULL, "x", &s, &len) == CF_E_BAD_JSON,
	    "a getter on NULL");
	json_object_put(o);
}

static void
test_json_only(void)
{
	static const char *const allowed[] = {"value", "labels", NULL};
	static const struct {
		int line;
		const char *text;
		int use_list;
		enum cf_status want;
	} t[] = {
	    {__LINE__, "{\"value\":1}", 1, CF_OK},
	    {__LINE__, "{\"value\":1,\"labels\":{}}", 1, CF_OK},
	    {__LINE__, "{}", 1, CF_OK},
	    {__LINE__, "{\"value\":1,\"x\":2}", 1, CF_E_BAD_JSON},
	    {__LINE__, "{\"Value\":1}", 1, CF_E_BAD_JSON},
	    {__LINE__, "{\"valu\":1}", 1, CF_E_BAD_JSON},
	    {__LINE__, "{}", 0, CF_OK},
	    {__LINE__, "{\"a\":1}", 0, CF_E_BAD_JSON},
	};
	struct json_object *o;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		o = parse_or_null(t[i].text);
		CHECK_LINE(t[i].line, o != NULL, "parse");
		CHECK_LINE(t[i].line,
		    cf_json_only(o, t[i].use_list ? allowed : NULL) ==
		        t[i].want,
		    t[i].text);
		json_object_put(o);
	}
	CHECK(cf_json_only(NULL, allowed) == CF_E_BAD_JSON, "NULL");
}

static void
test_json_respond(void)
{
	struct json_object *o = json_object_new_object();
	struct cf_resp resp;

	memset(&resp, 0, sizeof(resp));
	json_object_object_add(o, "a", jb_strn("x/y\0z", 5));
	reply_json(&resp, 201, o);
	CHECK(resp.status == 201, "status set");
	CHECK(streq(resp.ctype, "application/json"), "ctype");
	CHECK(resp.body.len == strlen("{\"a\":\"x/y\\u0000z\"}") &&
	          streq(resp.body.data, "{\"a\":\"x/y\\u0000z\"}"),
	    "plain, '/' unescaped, NUL kept as \\u0000");
	CHECK(streq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	          "{\"a\":\"x\\/y\\u0000z\"}"),
	    "the object is still usable after its text was wiped");
	http_resp_free(&resp);
	json_object_put(o);
}

static void
test_errors_status(void)
{
	static const struct {
		int line;
		enum cf_status st;
		int http;
	} t[] = {
	    {__LINE__, CF_E_BAD_REQUEST, 400},
	    {__LINE__, CF_E_BAD_JSON, 400},
	    {__LINE__, CF_E_BAD_PATH, 400},
	    {__LINE__, CF_E_BAD_ACCEPT, 400},
	    {__LINE__, CF_E_BAD_CTYPE, 400},
	    {__LINE__, CF_E_ALREADY_INIT, 400},
	    {__LINE__, CF_E_UNAUTHORIZED, 401},
	    {__LINE__, CF_E_FORBIDDEN, 403},
	    {__LINE__, CF_E_PLAIN_HTTP, 403},
	    {__LINE__, CF_E_NOT_FOUND, 404},
	    {__LINE__, CF_E_METHOD, 405},
	    {__LINE__, CF_E_CONFLICT, 409},
	    {__LINE__, CF_E_TOO_LARGE, 413},
	    {__LINE__, CF_E_MEDIA_TYPE, 415},
	    {__LINE__, CF_E_TOO_MANY, 429},
	    {__LINE__, CF_E_STORE_FULL, 507},
	    {__LINE__, CF_E_INTERNAL, 500},
	    {__LINE__, CF_E_CRYPTO, 500},
	    {__LINE__, CF_E_SEALED, 503},
	    {__LINE__, CF_E_NOT_INIT, 503},
	    {__LINE__, CF_E_STORE_DAMAGED, 503},
	    {__LINE__, CF_E_STORE_UNAVAILABLE, 503},
	    {__LINE__, CF_OK, 200},
	};
	size_t i;
	int j, k;

	for (i = 0; i < NELEM(t); i++)
		CHECK_LINE(t[i].line, errors_http_status(t[i].st) == t[i].http,
		    errors_name(t[i].st));
	CHECK(NELEM(t) == CF_STATUS_MAX, "every status is in the table");
	CHECK(errors_http_status(CF_STATUS_MAX) == 500, "out of range");
	for (j = 0; j < CF_STATUS_MAX; j++)
		for (k = j + 1; k < CF_STATUS_MAX; k++)
			CHECK(!streq(errors_name((enum cf_status)j),
			          errors_name((enum cf_status)k)),
			    "status names are distinct");
}

static struct json_object *
render(enum cf_dialect d, enum cf_status st, const char *detail,
    struct cf_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	http_resp_body(resp, "text/plain", "old body", 8);
	reply_error(resp, d, st, detail);
	return parse_or_null(resp->body.data);
}

static const char *
str_member(struct json_object *o, const char *key)
{
	const char *s;

	if (cf_json_string(o, key, &s, NULL) != CF_OK)
		return NULL;
	return s;
}

static int64_t
int_member(struct json_object *o, const char *key)
{
	int64_t i;

	if (cf_json_int(o, key, INT32_MIN, INT32_MAX, &i) != CF_OK)
		return -1;
	return i;
}

static int
has_header(const struct cf_resp *resp, const char *line)
{
	return resp->headers.data != NULL &&
	       strstr(resp->headers.data, line) != NULL;
}

static void
test_errors_dcos(void)
{
	static const struct {
		int line;
		enum cf_status st;
		const char *detail;
		const char *title, *description, *code;
	} t[] = {
	    {__LINE__, CF_E_BAD_JSON, NULL, "400 Bad Request",
	        "the request body is not valid for this endpoint",
	        "ERR_INVALID_DATA"},
	    {__LINE__, CF_E_BAD_ACCEPT, NULL, "400 Bad Request",
	        "Unsupported Accept header", "ERR_UNSUPPORTED_ACCEPT"},
	    {__LINE__, CF_E_BAD_CTYPE, NULL, "400 Bad Request",
	        "Unsupported Content-Type header",
	        "ERR_UNSUPPORTED_CONTENT_TYPE"},
	    {__LINE__, CF_E_UNAUTHORIZED, NULL, "401 Unauthorized",
	        "client is not authenticated", "ERR_UNAUTHORIZED"},
	    {__LINE__, CF_E_FORBIDDEN, NULL, "403 Forbidden",
	        "the request action is forbidden", "ERR_FORBIDDEN"},
	    {__LINE__, CF_E_NOT_FOUND, "Secret not found.", "404 Not Found",
	        "Secret not found.", "ERR_NOT_FOUND"},
	    {__LINE__, CF_E_CONFLICT, NULL, "409 Conflict",
	        "resource already exists", "ERR_CONFLICT"},
	    {__LINE__, CF_E_STORE_FULL, NULL, "507 Insufficient Storage",
	        STORE_FULL_MSG, "ERR_STORE_FULL"},
	    {__LINE__, CF_E_TOO_LARGE, NULL, "413 Payload Too Large",
	        "request body too large", "ERR_BODY_TOO_LARGE"},
	    {__LINE__, CF_E_MEDIA_TYPE, NULL, "415 Unsupported Media Type",
	        "unsupported media type", "ERR_UNSUPPORTED_MEDIA_TYPE"},
	    {__LINE__, CF_E_ALREADY_INIT, NULL, "400 Bad Request",
	        "the store is already initialized", "ERR_ALREADY_INITIALIZED"},
	    {__LINE__, CF_E_SEALED, NULL, "503 Service Unavailable",
	        "the store is sealed", "ERR_SEALED"},
	    {__LINE__, CF_E_NOT_INIT, NULL, "503 Service Unavailable",
	        "the store is not initialized", "ERR_NOT_INITIALIZED"},
	    {__LINE__, CF_E_STORE_DAMAGED, NULL, "503 Service Unavailable",
	        "the store is damaged: it serves nothing until it is salvaged "
	        "or restored from a backup",
	        "ERR_STORE_DAMAGED"},
	    {__LINE__, CF_E_CRYPTO, NULL, "500 Internal Server Error",
	        "an internal error has occurred", "ERR_INTERNAL"},
	};
	struct cf_resp resp;
	struct json_object *o;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		o = render(CF_D_DCOS, t[i].st, t[i].detail, &resp);
		CHECK_LINE(t[i].line, o != NULL, "body is a JSON object");
		CHECK_LINE(t[i].line,
		    resp.status == errors_http_status(t[i].st), "status");
		CHECK_LINE(
		    t[i].line, streq(resp.ctype, "application/json"), "ctype");
		CHECK_LINE(t[i].line, streq(str_member(o, "title"), t[i].title),
		    "title");
		CHECK_LINE(t[i].line,
		    streq(str_member(o, "description"), t[i].description),
		    "description");
		CHECK_LINE(
		    t[i].line, streq(str_member(o, "code"), t[i].code), "code");
		CHECK_LINE(t[i].line,
		    has_header(&resp, "WWW-Authenticate: acsjwt\r\n") ==
		        (resp.status == 401),
		    "WWW-Authenticate on 401 only");
		json_object_put(o);
		http_resp_free(&resp);
	}
}

static void
test_errors_path(void)
{
	static const struct {
		int line;
		enum cf_status st;
		const char *detail;
		const char *code, *message, *status;
	} t[] = {
	    {__LINE__, CF_E_BAD_JSON, NULL, "400",
	        "Bad Request: Invalid argument (invalid request payload).",
	        "Bad Request"},
	    {__LINE__, CF_E_UNAUTHORIZED, NULL, "401",
	        "client is not authenticated.", "Unauthorized"},
	    {__LINE__, CF_E_FORBIDDEN, NULL, "403",
	        "the request action is forbidden.", "Forbidden"},
	    {__LINE__, CF_E_NOT_FOUND, NULL, "404",
	        "the requested resource could not be found.", "Not Found"},
	    {__LINE__, CF_E_STORE_FULL, NULL, "507", STORE_FULL_MSG,
	        "Insufficient Storage"},
	    {__LINE__, CF_E_INTERNAL, NULL, "500",
	        "an internal error has occurred.", "Internal Error"},
	    {__LINE__, CF_E_SEALED, NULL, "503", "the store is sealed",
	        "Service Unavailable"},
	    {__LINE__, CF_E_STORE_DAMAGED, NULL, "503",
	        "the store is damaged: it serves nothing until it is salvaged "
	        "or restored from a backup",
	        "Service Unavailable"},
	    {__LINE__, CF_E_BAD_PATH, "invalid secret path", "400",
	        "invalid secret path", "Bad Request"},
	};
	struct cf_resp resp;
	struct json_object *o;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		o = render(CF_D_PATH, t[i].st, t[i].detail, &resp);
		CHECK_LINE(t[i].line, o != NULL, "body is a JSON object");
		/* An integer, as CrossID's Error schema types it. */
		CHECK_LINE(t[i].line, int_member(o, "code") == atoi(t[i].code),
		    "code, an integer");
		CHECK_LINE(t[i].line,
		    streq(str_member(o, "message"), t[i].message), "message");
		CHECK_LINE(t[i].line,
		    streq(str_member(o, "status"), t[i].status), "status");
		CHECK_LINE(
		    t[i].line, resp.status == atoi(t[i].code), "HTTP status");
		CHECK_LINE(t[i].line,
		    has_header(&resp, "WWW-Authenticate: Bearer\r\n") ==
		        (resp.status == 401),
		    "WWW-Authenticate on 401 only");
		json_object_put(o);
		http_resp_free(&resp);
	}
}

static void
test_errors_dapr_sensu(void)
{
	static const struct {
		int line;
		enum cf_status st;
		const char *dapr;
		int sensu;
	} t[] = {
	    {__LINE__, CF_E_BAD_JSON, "ERR_MALFORMED_REQUEST", 1},
	    {__LINE__, CF_E_UNAUTHORIZED, "ERR_UNAUTHORIZED", 5},
	    {__LINE__, CF_E_FORBIDDEN, "ERR_PERMISSION_DENIED", 4},
	    {__LINE__, CF_E_STORE_FULL, "ERR_STORE_FULL", 0},
	    {__LINE__, CF_E_NOT_FOUND, "ERR_NOT_FOUND", 2},
	    {__LINE__, CF_E_CONFLICT, "ERR_CONFLICT", 3},
	    {__LINE__, CF_E_INTERNAL, "ERR_INTERNAL", 0},
	    {__LINE__, CF_E_SEALED, "ERR_SEALED", 0},
	    {__LINE__, CF_E_STORE_DAMAGED, "ERR_STORE_DAMAGED", 0},
	    {__LINE__, CF_E_STORE_UNAVAILABLE, "ERR_STORE_UNAVAILABLE", 0},
	};
	struct cf_resp resp;
	struct json_object *o;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		o = render(CF_D_DAPR, t[i].st, NULL, &resp);
		CHECK_LINE(t[i].line, o != NULL, "Dapr body is JSON");
		CHECK_LINE(t[i].line,
		    streq(str_member(o, "errorCode"), t[i].dapr), "errorCode");
		CHECK_LINE(
		    t[i].line, str_member(o, "message") != NULL, "message");
		CHECK_LINE(t[i].line,
		    resp.status == errors_http_status(t[i].st), "status");
		CHECK_LINE(t[i].line, resp.headers.len == 0,
		    "no WWW-Authenticate for Dapr");
		json_object_put(o);
		http_resp_free(&resp);

		o = render(CF_D_SENSU, t[i].st, "fixed detail", &resp);
		CHECK_LINE(t[i].line, o != NULL, "Sensu body is JSON");
		CHECK_LINE(t[i].line, int_member(o, "code") == t[i].sensu,
		    "Sensu code is a number");
		CHECK_LINE(t[i].line,
		    streq(str_member(o, "message"), "fixed detail"),
		    "detail is the message");
		json_object_put(o);
		http_resp_free(&resp);
	}
}

static void
test_errors_cfssl(void)
{
	static const struct {
		int line;
		enum cf_status st;
		int code;
	} t[] = {
	    {__LINE__, CF_E_BAD_JSON, 400},
	    {__LINE__, CF_E_STORE_FULL, 507},
	    {__LINE__, CF_E_UNAUTHORIZED, 7100},
	    {__LINE__, CF_E_METHOD, 405},
	    {__LINE__, CF_E_SEALED, 503},
	    {__LINE__, CF_E_STORE_DAMAGED, 503},
	    {__LINE__, CF_E_STORE_UNAVAILABLE, 503},
	};
	struct cf_resp resp;
	struct json_object *o, *errs, *msgs, *v, *e;
	size_t i;
	int b;

	for (i = 0; i < NELEM(t); i++) {
		o = render(CF_D_CFSSL, t[i].st, NULL, &resp);
		CHECK_LINE(t[i].line, o != NULL, "body is a JSON object");
		CHECK_LINE(t[i].line,
		    cf_json_bool(o, "success", &b) == CF_OK && b == 0,
		    "success is false");
		CHECK_LINE(t[i].line,
		    json_object_object_get_ex(o, "result", &v) && v == NULL,
		    "result is null");
		CHECK_LINE(t[i].line,
		    cf_json_array(o, "errors", &errs) == CF_OK &&
		        json_object_array_length(errs) == 1,
		    "one error");
		e = json_object_array_get_idx(errs, 0);
		CHECK_LINE(t[i].line, int_member(e, "code") == t[i].code,
		    "error code");
		CHECK_LINE(t[i].line, str_member(e, "message") != NULL,
		    "error message");
		CHECK_LINE(t[i].line,
		    cf_json_array(o, "messages", &msgs) == CF_OK &&
		        json_object_array_length(msgs) == 0,
		    "messages is empty");
		CHECK_LINE(t[i].line,
		    resp.status == errors_http_status(t[i].st), "status");
		json_object_put(o);
		http_resp_free(&resp);
	}
}

static void
test_errors_plain_and_headers(void)
{
	struct cf_resp resp;
	struct json_object *o;
	int d, st;

	memset(&resp, 0, sizeof(resp));
	reply_error(&resp, CF_D_PLAIN, CF_E_SEALED, NULL);
	CHECK(streq(resp.body.data, "the store is sealed\n") &&
	          resp.body.len == 20,
	    "plain body is the message and a newline");
	CHECK(streq(resp.ctype, "text/plain; charset=utf-8"), "plain ctype");
	CHECK(resp.status == 503, "plain status");
	http_resp_free(&resp);

	memset(&resp, 0, sizeof(resp));
	http_resp_header(&resp, "Allow", "GET, PUT");
	http_resp_body(&resp, "text/plain", "secret value", 12);
	reply_error(&resp, CF_D_DCOS, CF_E_METHOD, NULL);
	CHECK(has_header(&resp, "Allow: GET, PUT\r\n"),
	    "headers set before rendering are kept");
	CHECK(strstr(resp.body.data, "secret") == NULL && resp.status == 405,
	    "the body is replaced");
	http_resp_free(&resp);

	o = render(CF_D_DCOS, CF_OK, NULL, &resp);
	CHECK(
	    resp.status == 500 && streq(str_member(o, "code"), "ERR_INTERNAL"),
	    "rendering CF_OK as an error is an internal error");
	json_object_put(o);
	http_resp_free(&resp);

	/* Every status in every JSON dialect: an object with a message. */
	for (d = CF_D_DCOS; d <= CF_D_CFSSL; d++) {
		for (st = CF_E_BAD_REQUEST; st < CF_STATUS_MAX; st++) {
			o = render((enum cf_dialect)d, (enum cf_status)st, NULL,
			    &resp);
			CHECK(o != NULL &&
			          resp.status ==
			              errors_http_status((enum cf_status)st),
			    "every status renders in every dialect");
			json_object_put(o);
			http_resp_free(&resp);
		}
	}
}

/*
 * A FastCGI web server in a few lines: one request on a Unix socket,
 * written whole before the program accepts it (it fits the socket buffer).
 */
static void
fcgi_record(struct cf_buf *b, int type, const void *p, size_t len)
{
	unsigned char h[8] = {1, (unsigned char)type, 0, 1,
	    (unsigned char)(len >> 8), (unsigned char)len, 0, 0};

	buf_add(b, h, sizeof(h));
	buf_add(b, p, len);
}

static void
fcgi_param(struct cf_buf *b, const char *name, const char *value)
{
	unsigned char l[2] = {
	    (unsigned char)strlen(name), (unsigned char)strlen(value)};

	buf_add(b, l, 2);
	buf_adds(b, name);
	buf_adds(b, value);
}

struct fcgi_case {
	int line;
	const char *ctype;
	const char *clen;
	const char *body;
	size_t limit;
	enum cf_status want;
	int status; /* of the answer when want is CF_OK; 0 means 201 */
};

static char fcgi_sock[64];

/* Returns the program's STDOUT as the client saw it, in out. */
static void
fcgi_run(int lfd, const struct fcgi_case *c, struct cf_buf *out)
{
	static const char *const json[] = {"application/json", NULL};
	static const unsigned char begin[8] = {0, 1, 0, 0, 0, 0, 0, 0};
	struct cf_buf req = {NULL, 0, 0}, params = {NULL, 0, 0};
	struct sockaddr_un sun;
	struct cf_resp resp;
	struct cf_req creq;
	FCGX_Request r;
	unsigned char h[8], rec[65536 + 256];
	size_t n;
	ssize_t got;
	int fd;

	fcgi_record(&req, 1, begin, sizeof(begin));
	fcgi_param(&params, "REQUEST_METHOD", "PUT");
	fcgi_param(&params, "REQUEST_URI", "/v1/x");
	if (c->ctype != NULL)
		fcgi_param(&params, "CONTENT_TYPE", c->ctype);
	if (c->clen != NULL)
		fcgi_param(&params, "CONTENT_LENGTH", c->clen);
	fcgi_record(&req, 4, params.data, params.len);
	fcgi_record(&req, 4, NULL, 0);
	if (c->body != NULL && *c->body != '\0')
		fcgi_record(&req, 5, c->body, strlen(c->body));
	fcgi_record(&req, 5, NULL, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fcgi_sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    write(fd, req.data, req.len) != (ssize_t)req.len) {
		CHECK_LINE(c->line, 0, "client connect and write");
		goto out;
	}

	memset(&creq, 0, sizeof(creq));
	memset(&resp, 0, sizeof(resp));
	if (FCGX_InitRequest(&r, lfd, 0) != 0 || FCGX_Accept_r(&r) != 0) {
		CHECK_LINE(c->line, 0, "FCGX_Accept_r");
		goto out;
	}
	CHECK_LINE(c->line, http_req_parse(&creq, r.envp) == CF_OK, "parse");
	CHECK_LINE(c->line,
	    http_read_body(&creq, &r, c->limit, json, 0) == c->want,
	    "http_read_body status");
	if (c->want == CF_OK) {
		CHECK_LINE(c->line,
		    creq.body != NULL && creq.bodylen == strlen(c->body) &&
		        memcmp(creq.body, c->body, creq.bodylen + 1) == 0,
		    "body read whole and NUL-terminated");
		http_resp_status(&resp, c->status != 0 ? c->status : 201);
		http_resp_header(&resp, "X-Test", "1");
		http_resp_body(
		    &resp, "application/json", creq.body, creq.bodylen);
	} else {
		CHECK_LINE(c->line, creq.body == NULL, "no body on error");
		reply_error(&resp, CF_D_DAPR, c->want, NULL);
	}
	CHECK_LINE(c->line, http_resp_send(&resp, &r) == 0, "send");
	FCGX_Finish_r(&r);
	http_resp_free(&resp);
	http_req_free(&creq);

	/* Keep the STDOUT records' contents, up to END_REQUEST. */
	for (;;) {
		if (recv(fd, h, 8, MSG_WAITALL) != 8)
			break;
		n = (size_t)(h[4] << 8 | h[5]) + h[6];
		if (n > 0 &&
		    (got = recv(fd, rec, n, MSG_WAITALL)) != (ssize_t)n)
			break;
		if (h[1] == 6)
			buf_add(out, rec, n - h[6]);
		if (h[1] == 3)
			break;
	}
out:
	if (fd >= 0)
		close(fd);
	buf_free(&req);
	buf_free(&params);
}

static void
test_fcgi(void)
{
	static const struct fcgi_case t[] = {
	    {__LINE__, "application/json", "13", "{\"value\":\"x\"}", 100,
	        CF_OK, 0},
	    {__LINE__, "application/json", "0", "", 100, CF_OK, 0},
	    {__LINE__, "application/json", NULL, "", 100, CF_OK, 0},
	    {__LINE__, "application/json", "10", "{\"a\":1}", 100,
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__, "application/json", "3", "{\"a\":1}", 100,
	        CF_E_BAD_REQUEST, 0},
	    {__LINE__, "application/json", NULL, "{}", 100, CF_E_BAD_REQUEST,
	        0},
	    {__LINE__, "application/json", "7", "{\"a\":1}", 7, CF_OK, 0},
	    {__LINE__, "application/json", "7", "{\"a\":1}", 6, CF_E_TOO_LARGE,
	        0},
	    {__LINE__, "application/json", "99999999", "{}", 100,
	        CF_E_TOO_LARGE, 0},
	    {__LINE__, "text/plain", "7", "{\"a\":1}", 100, CF_E_MEDIA_TYPE, 0},
	    {__LINE__, "application/json", "x", "{}", 100, CF_E_BAD_REQUEST, 0},
	    {__LINE__, "application/json", "2", "{}", 100, CF_OK, 200},
	    /* 204 has no body, so no Content-Type or Content-Length. */
	    {__LINE__, "application/json", "2", "{}", 100, CF_OK, 204},
	};
	struct cf_buf out = {NULL, 0, 0};
	char want[256];
	size_t i;
	int lfd;

	snprintf(fcgi_sock, sizeof(fcgi_sock), "/tmp/coffer-test-http.%d",
	    (int)getpid());
	unlink(fcgi_sock);
	if (FCGX_Init() != 0 || (lfd = FCGX_OpenSocket(fcgi_sock, 4)) < 0) {
		CHECK(0, "FCGX_OpenSocket");
		return;
	}
	for (i = 0; i < NELEM(t); i++) {
		fcgi_run(lfd, &t[i], &out);
		if (t[i].want == CF_OK && t[i].status == 204) {
			snprintf(want, sizeof(want),
			    "Status: 204 No Content\r\n"
			    "X-Content-Type-Options: nosniff\r\n"
			    "Cache-Control: no-store\r\n"
			    "X-Test: 1\r\n\r\n");
			CHECK_LINE(t[i].line,
			    out.len == strlen(want) &&
			        memcmp(out.data, want, out.len) == 0,
			    "204 on the wire");
		} else if (t[i].want == CF_OK) {
			snprintf(want, sizeof(want),
			    "Status: %s\r\n"
			    "Content-Type: application/json\r\n"
			    "X-Content-Type-Options: nosniff\r\n"
			    "Cache-Control: no-store\r\n"
			    "X-Test: 1\r\n"
			    "Content-Length: %zu\r\n\r\n%s",
			    t[i].status == 200 ? "200 OK" : "201 Created",
			    strlen(t[i].body), t[i].body);
			CHECK_LINE(t[i].line,
			    out.len == strlen(want) &&
			        memcmp(out.data, want, out.len) == 0,
			    "response bytes on the wire");
		} else {
			snprintf(want, sizeof(want), "Status: %d ",
			    errors_http_status(t[i].want));
			CHECK_LINE(t[i].line,
			    out.len > strlen(want) &&
			        memcmp(out.data, want, strlen(want)) == 0,
			    "error status on the wire");
			CHECK_LINE(t[i].line,
			    out.data != NULL &&
			        strstr(out.data, "Cache-Control: no-store\r\n"),
			    "errors are not cached either");
		}
		buf_free(&out);
	}
	close(lfd);
	unlink(fcgi_sock);
}

int
main(void)
{
	test_paths();
	test_encoded_slash();
	test_uri_length();
	test_raw_path_kept();
	test_query();
	test_query_lookup_and_cap();
	test_methods();
	test_request_id();
	test_request_id_batches();
	test_headers();
	test_parse_size();
	test_accept();
	test_body_check();
	test_method_allow();
	test_buffers();
	test_json_parse();
	test_json_getters();
	test_json_only();
	test_json_respond();
	test_errors_status();
	test_errors_dcos();
	test_errors_path();
	test_errors_dapr_sensu();
	test_errors_cfssl();
	test_errors_plain_and_headers();
	test_fcgi();
	return unit_done();
}
