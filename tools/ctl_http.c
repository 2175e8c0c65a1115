/*
 * ctl_http.c: the HTTP client cofferctl's client commands share
 * (ctl_http.h).  A server's error message is printed: Coffer's are fixed
 * strings of its own, never the request's bytes; another server's is
 * cleared of control bytes first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "crypto/crypto.h"
#include "crypto/wipe.h"
#include "ctl.h"
#include "ctl_http.h"

void
ctl_http_buf_free(struct ctl_http_buf *b)
{
	if (b->p != NULL)
		crypto_wipe(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Grows by doubling into a new block, so no old copy is left behind
 * unwiped; one byte is kept for a NUL. */
int
ctl_http_buf_add(struct ctl_http_buf *b, const void *data, size_t n)
{
	size_t cap;
	char *p;

	if (n > CTL_HTTP_MAX_ANSWER - b->len) {
		b->overflow = 1;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		for (cap = b->cap ? b->cap : 4096; cap < b->len + n + 1;)
			cap *= 2;
		if ((p = malloc(cap)) == NULL)
			return -1;
		if (b->p != NULL)
			memcpy(p, b->p, b->len);
		ctl_http_buf_free(
		    &(struct ctl_http_buf){b->p, b->len, b->cap, 0});
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

void
ctl_http_answer_free(struct ctl_http_answer *a)
{
	ctl_http_buf_free(&a->body);
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	return ctl_http_buf_add(arg, data, size * n) == 0 ? size * n : 0;
}

/* Keeps Coffer-Version (path.h: the version a PUT made). */
static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	static const char name[] = "coffer-version:";
	struct ctl_http_answer *a = arg;
	size_t len = size * n, i = sizeof(name) - 1, d = 0;

	if (len < i || strncasecmp(data, name, i) != 0)
		return len;
	while (i < len && data[i] == ' ')
		i++;
	while (i < len && data[i] >= '0' && data[i] <= '9' &&
	       d < sizeof(a->version) - 1)
		a->version[d++] = data[i++];
	a->version[d] = '\0';
	return len;
}

/* The status line's words for the statuses Coffer answers. */
static const char *
reason(long status)
{
	static const struct {
		long status;
		const char *reason;
	} reasons[] = {
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {409, "Conflict"},
	    {413, "Payload Too Large"},
	    {415, "Unsupported Media Type"},
	    {429, "Too Many Requests"},
	    {500, "Internal Server Error"},
	    {502, "Bad Gateway"},
	    {503, "Service Unavailable"},
	    {504, "Gateway Timeout"},
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(*reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

/* What to check after a status, in words; "" for the others. */
static const char *
hint(long status)
{
	switch (status) {
	case 401:
	case 403:
		return " (is COFFER_TOKEN a valid token allowed this?)";
	case 409:
		return " (another change came in first: try again)";
	case 413:
		return " (the body is over the web server's or Coffer's limit)";
	default:
		return "";
	}
}

/* The message of an error body in any of the dialects' shapes
 * (docs/apis.md#error-shapes), or a short line of plain text (Dapr's
 * refused token); "" when there is none (a web server's own HTML page). */
static void
server_message(const struct ctl_http_buf *b, char *msg, size_t len)
{
	static const char *const keys[] = {
	    "message", "description", "Message", NULL};
	struct json_object *o, *m, *e;
	size_t i;

	msg[0] = '\0';
	if (b->p == NULL || b->len == 0)
		return;
	if ((o = json_tokener_parse(b->p)) != NULL) {
		/* The batch's {"error": {...}} of one path. */
		if (!json_object_object_get_ex(o, "error", &e) ||
		    !json_object_is_type(e, json_type_object))
			e = o;
		for (i = 0; keys[i] != NULL; i++)
			if (json_object_object_get_ex(e, keys[i], &m) &&
			    json_object_is_type(m, json_type_string)) {
				snprintf(
				    msg, len, "%s", json_object_get_string(m));
				break;
			}
		json_object_put(o);
		return;
	}
	if (b->len >= len || b->p[0] == '<')
		return;
	for (i = 0; i < b->len; i++)
		if ((b->p[i] < ' ' || b->p[i] > '~') && b->p[i] != '\n')
			return;
	snprintf(msg, len, "%.*s", (int)strcspn(b->p, "\n"), b->p);
}

int
ctl_http_refused(const struct ctl_http *k, const struct ctl_http_answer *a)
{
	char msg[256], *c;

	server_message(&a->body, msg, sizeof(msg));
	/* Another server's message could hold a terminal's escapes. */
	for (c = msg; *c != '\0'; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = '?';
	fprintf(stderr,
	    "cofferctl: %s%s%s: the server answered %ld%s%s%s%s%s\n", k->cmd,
	    k->path ? " " : "", k->path ? k->path : "", a->status,
	    *reason(a->status) ? " " : "", reason(a->status), *msg ? ": " : "",
	    msg, hint(a->status));
	return CTL_FAIL;
}

int
ctl_http_prepare(struct ctl_http *k, const char *method, const char *url,
    const char *ctype, struct ctl_http_answer *a)
{
	size_t n;

	memset(a, 0, sizeof(*a));
	free(k->url);
	n = strlen(k->addr) + strlen(url) + 1;
	if ((k->url = malloc(n)) == NULL) {
		fprintf(stderr, "cofferctl: %s: out of memory\n", k->cmd);
		return -1;
	}
	snprintf(k->url, n, "%s%s", k->addr, url);
	/* Our own list, so the token's copy stays ours to wipe. */
	k->hdr[0] = (struct curl_slist){k->auth, &k->hdr[1]};
	k->hdr[1] = (struct curl_slist){"Accept: application/json", &k->hdr[2]};
	k->hdr[2] = (struct curl_slist){"Expect:", ctype ? &k->hdr[3] : NULL};
	k->hdr[3] = (struct curl_slist){(char *)ctype, NULL};
	k->err[0] = '\0';
	curl_easy_reset(k->curl);
	curl_easy_setopt(k->curl, CURLOPT_URL, k->url);
	curl_easy_setopt(k->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(k->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(k->curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, k->hdr);
	curl_easy_setopt(k->curl, CURLOPT_ERRORBUFFER, k->err);
	curl_easy_setopt(k->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(k->curl, CURLOPT_WRITEDATA, &a->body);
	curl_easy_setopt(k->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(k->curl, CURLOPT_HEADERDATA, a);
	if (k->cacert != NULL)
		curl_easy_setopt(k->curl, CURLOPT_CAINFO, k->cacert);
	if (strcmp(method, "GET") && strcmp(method, "POST"))
		curl_easy_setopt(k->curl, CURLOPT_CUSTOMREQUEST, method);
	k->said = 0;
	return 0;
}

int
ctl_http_perform(struct ctl_http *k, struct ctl_http_answer *a)
{
	CURLcode rc;

	rc = curl_easy_perform(k->curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &a->status);
		return 0;
	}
	if (a->body.overflow)
		fprintf(stderr,
		    "cofferctl: %s: the answer is larger than %u bytes\n",
		    k->cmd, CTL_HTTP_MAX_ANSWER);
	else if (!k->said)
		fprintf(stderr,
		    "cofferctl: %s: no answer from COFFER_ADDR: %s\n", k->cmd,
		    *k->err ? k->err : curl_easy_strerror(rc));
	ctl_http_answer_free(a);
	return -1;
}

int
ctl_http_request(struct ctl_http *k, const char *method, const char *url,
    const char *body, size_t blen, struct ctl_http_answer *a)
{
	if (ctl_http_prepare(k, method, url,
	        body ? "Content-Type: application/json" : NULL, a) != 0)
		return -1;
	if (body != NULL) {
		curl_easy_setopt(k->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(
		    k->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	}
	return ctl_http_perform(k, a);
}

struct json_object *
ctl_http_json(const struct ctl_http *k, const struct ctl_http_answer *a)
{
	struct json_tokener *t;
	struct json_object *o = NULL;

	if (a->body.p != NULL && (t = json_tokener_new()) != NULL) {
		o = json_tokener_parse_ex(t, a->body.p, (int)a->body.len);
		if (json_tokener_get_error(t) != json_tokener_success ||
		    !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(t);
	}
	if (o == NULL)
		fprintf(stderr,
		    "cofferctl: %s: the server's answer is not the JSON "
		    "expected (is COFFER_ADDR a Coffer?)\n",
		    k->cmd);
	return o;
}

void
ctl_http_print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int
ctl_http_init(struct ctl_http *k)
{
	static const char bearer[] = "Authorization: Bearer ";
	const char *addr = getenv("COFFER_ADDR"), *tok = getenv("COFFER_TOKEN");
	size_t n;
	char *a;

	/* No core file holds a value or the token. */
	(void)wipe_process_init();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "cofferctl: libcurl failed to start\n");
		return CTL_FAIL;
	}
	k->global = 1;
	if (addr == NULL ||
	    (strncmp(addr, "http://", 7) && strncmp(addr, "https://", 8))) {
		fprintf(stderr,
		    "cofferctl: %s: set COFFER_ADDR to Coffer's "
		    "address, http://HOST:PORT or https://HOST:PORT\n",
		    k->cmd);
		return CTL_USAGE;
	}
	if (tok == NULL || *tok == '\0' || strpbrk(tok, "\r\n") != NULL) {
		fprintf(stderr,
		    "cofferctl: %s: set COFFER_TOKEN to a token "
		    "(a login's, or cofferctl token's)\n",
		    k->cmd);
		return CTL_USAGE;
	}
	if ((a = strdup(addr)) == NULL)
		return CTL_FAIL;
	for (n = strlen(a); n > 0 && a[n - 1] == '/'; n--)
		a[n - 1] = '\0';
	k->addr = a;
	n = sizeof(bearer) + strlen(tok);
	if ((k->auth = malloc(n)) == NULL)
		return CTL_FAIL;
	snprintf(k->auth, n, "%s%s", bearer, tok);
	k->cacert = getenv("COFFER_CACERT");
	if ((k->curl = curl_easy_init()) == NULL) {
		fprintf(
		    stderr, "cofferctl: %s: libcurl failed to start\n", k->cmd);
		return CTL_FAIL;
	}
	return CTL_OK;
}

void
ctl_http_free(struct ctl_http *k)
{
	if (k->curl != NULL)
		curl_easy_cleanup(k->curl);
	if (k->auth != NULL)
		crypto_wipe(k->auth, strlen(k->auth));
	free(k->auth);
	free((char *)k->addr);
	free(k->url);
	if (k->global)
		curl_global_cleanup();
}
