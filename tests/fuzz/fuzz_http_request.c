/*
 * fuzz_http_request: libFuzzer target for the FastCGI request parser
 * (common/base/http.c), which every request meets before anything else.
 *
 * The input is the request's FastCGI parameters, one NAME=VALUE a line
 * (REQUEST_METHOD, REQUEST_URI, QUERY_STRING, CONTENT_TYPE,
 * CONTENT_LENGTH, HTTP_AUTHORIZATION...), as the web server would pass
 * them.  Of a request http_req_parse() accepts: the path starts with '/'
 * and is at most CF_MAX_URI bytes, a decoded segment holds a '/' (from
 * "%2F") only at or after the first one encoded_slash marks, there are
 * no more segments than separators, and when nothing was
 * percent-encoded the segments joined again are the path.  Segments that
 * secret_path_join() accepts are none empty, "." or "..", and its path
 * splits back into them.  The body checks (http_body_check, no I/O) never
 * pass a length over the limit, and the lookups a handler makes (headers,
 * query parameters, Accept) stay within the request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/http.h"
#include "base/limits.h"
#include "vault/secret.h"

#define FUZZ_MAX_PARAMS 64   /* parameters taken from one input */
#define FUZZ_BODY_LIMIT 4096 /* the body limit asked of the checks */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Split buf (NUL-terminated, modified) into lines, envp NULL-terminated. */
static void
split_params(char *buf, char **envp)
{
	size_t n = 0;
	char *line;

	while ((line = strsep(&buf, "\n")) != NULL && n < FUZZ_MAX_PARAMS)
		envp[n++] = line;
	envp[n] = NULL;
}

static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static void
check_segments(const struct cf_req *req)
{
	size_t i, len = 1;
	char *joined, *p;

	if (req->path == NULL || req->path[0] != '/' ||
	    strlen(req->path) > CF_MAX_URI ||
	    req->nseg > count_char(req->path, '/'))
		abort();
	if (req->encoded_slash > req->nseg ||
	    (req->encoded_slash > 0 &&
	        strchr(req->seg[req->encoded_slash - 1], '/') == NULL))
		abort();
	for (i = 0; i < req->nseg; i++) {
		if ((strchr(req->seg[i], '/') != NULL &&
		        (req->encoded_slash == 0 ||
		            i + 1 < req->encoded_slash)) ||
		    strlen(req->seg[i]) > strlen(req->path))
			abort();
		len += strlen(req->seg[i]) + 1;
	}
	if (strchr(req->path, '%') != NULL)
		return;
	/* Nothing was encoded: "/" + segments + the final '/'. */
	if ((joined = calloc(1, len + 1)) == NULL)
		return;
	p = joined;
	*p++ = '/';
	for (i = 0; i < req->nseg; i++) {
		if (i > 0)
			*p++ = '/';
		p = stpcpy(p, req->seg[i]);
	}
	if (req->trailing_slash && req->nseg > 0)
		*p++ = '/';
	*p = '\0';
	if (strcmp(joined, req->path) != 0)
		abort();
	free(joined);
}

/* A path secret_path_join accepts is made of valid names and splits back. */
static void
check_secret_path(const struct cf_req *req)
{
	char *path = NULL, *rest, *seg;
	size_t i = 0;

	if (secret_path_join(req->seg, req->nseg, &path) != CF_OK)
		return;
	if (strlen(path) > CF_MAX_PATH || req->nseg > CF_MAX_SEGMENTS)
		abort();
	for (rest = path; (seg = strsep(&rest, "/")) != NULL; i++) {
		if (i >= req->nseg || strcmp(seg, req->seg[i]) != 0 ||
		    *seg == '\0' || !strcmp(seg, ".") || !strcmp(seg, "..") ||
		    strspn(seg, "abcdefghijklmnopqrstuvwxyz"
		                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		        strlen(seg))
			abort();
	}
	if (i != req->nseg)
		abort();
	free(path);
}

static void
check_lookups(const struct cf_req *req)
{
	static const char *const json[] = {"application/json", NULL};
	const char *v;
	size_t i, len = 0;

	for (i = 0; i < req->nquery; i++)
		if (http_query(req, req->query[i].name) == NULL)
			abort();
	if (req->nquery > 0 &&
	    http_query_nth(req, req->query[0].name, req->nquery) != NULL)
		abort();
	/* The Dapr dialect's one query parameter. */
	if ((v = http_query(req, "metadata.version_id")) != NULL &&
	    http_parse_size(v, SIZE_MAX, &len) == 0 && *v == '\0')
		abort();
	(void)http_header(req, "Authorization");
	(void)http_header(req, "dapr-api-token");
	(void)http_accepts(req, "application/json");
	(void)http_ctype_is(req, "application/octet-stream");
	(void)http_req_tls(req);
	if (http_body_check(req, FUZZ_BODY_LIMIT, json, 1, &len) == CF_OK &&
	    len > FUZZ_BODY_LIMIT)
		abort();
	if (http_body_check(req, FUZZ_BODY_LIMIT, NULL, 0, &len) == CF_OK &&
	    (len > FUZZ_BODY_LIMIT || req->ctype == NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *envp[FUZZ_MAX_PARAMS + 1];
	struct cf_req req;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	split_params(buf, envp);
	memset(&req, 0, sizeof(req));
	if (http_req_parse(&req, envp) == CF_OK) {
		if (req.method_name == NULL || req.nquery > FUZZ_MAX_PARAMS)
			abort();
		check_segments(&req);
		check_secret_path(&req);
		check_lookups(&req);
	}
	http_req_free(&req);
	free(buf);
	return 0;
}
