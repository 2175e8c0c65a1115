/*
 * ctl_http.h: what cofferctl's HTTP clients share (ctl_kv.c's secrets
 * commands, ctl_transfer.c's export and import): the address and token
 * from the environment, one libcurl handle, a request's common options,
 * and a refused answer said in plain words.
 *
 * The address is $COFFER_ADDR (http:// or https://; $COFFER_CACERT names
 * the CA file for https), the token $COFFER_TOKEN, sent as a Bearer token:
 * never on the command line, where ps would show it, and never in a
 * message.  Buffers that held an answer are wiped when freed.
 */
#ifndef COFFER_CTL_HTTP_H
#define COFFER_CTL_HTTP_H

#include <stddef.h>

#include <curl/curl.h>
#include <json-c/json.h>

#define CTL_HTTP_MAX_ANSWER (64u << 20) /* a listing may name the store */

/* An answer's body as it comes, at most CTL_HTTP_MAX_ANSWER bytes. */
struct ctl_http_buf {
	char *p;
	size_t len, cap;
	int overflow;
};

struct ctl_http_answer {
	long status;
	struct ctl_http_buf body;
	char version[24]; /* the Coffer-Version header, or "" */
};

struct ctl_http {
	CURL *curl;
	const char *addr;   /* $COFFER_ADDR, no trailing slash */
	char *auth;         /* the Authorization header: wiped, freed */
	const char *cacert; /* $COFFER_CACERT, or NULL */
	const char *cmd;    /* for messages: the command... */
	const char *path;   /* ...and what it names, or NULL */
	int json;           /* -format=json */
	int global;         /* curl_global_init succeeded */
	int said;           /* a callback said why the request stopped */
	/* One request's own: its URL, headers and libcurl's error text. */
	char *url;
	struct curl_slist hdr[4];
	char err[CURL_ERROR_SIZE];
};

/* curl_global_init and the address and token from the environment into
 * k, whose cmd is set.  CTL_OK, or CTL_USAGE or CTL_FAIL said on stderr
 * (never with the token); ctl_http_free in every case. */
int ctl_http_init(struct ctl_http *k);
void ctl_http_free(struct ctl_http *k);

/* n bytes more into b (a new block when it grows, the old one wiped).
 * 0, or -1 when it would pass CTL_HTTP_MAX_ANSWER (overflow) or memory
 * ran out. */
int ctl_http_buf_add(struct ctl_http_buf *b, const void *data, size_t n);
void ctl_http_buf_free(struct ctl_http_buf *b);
void ctl_http_answer_free(struct ctl_http_answer *a);

/*
 * A request's start: the handle reset (it keeps its connection), the URL
 * (method, and url already checked: no byte that needs escaping), the
 * token, Accept: application/json, ctype as the Content-Type when not
 * NULL, the answer's body into a->body.  The caller may set more options,
 * then calls ctl_http_perform.  -1 said on stderr.
 */
int ctl_http_prepare(struct ctl_http *k, const char *method, const char *url,
    const char *ctype, struct ctl_http_answer *a);
/* 0 with a->status, whatever it is; -1 when no answer came (said on
 * stderr, unless a callback set k->said and said it; a->body freed). */
int ctl_http_perform(struct ctl_http *k, struct ctl_http_answer *a);
/* Both for a JSON body held in memory, or none (body NULL). */
int ctl_http_request(struct ctl_http *k, const char *method, const char *url,
    const char *body, size_t blen, struct ctl_http_answer *a);

/* An answer other than the one hoped for, in plain words on stderr:
 * the status, its reason, the server's message, what to check.
 * CTL_FAIL. */
int ctl_http_refused(const struct ctl_http *k, const struct ctl_http_answer *a);
/* The answer's body as a JSON object (the caller puts it), or NULL said
 * on stderr. */
struct json_object *ctl_http_json(
    const struct ctl_http *k, const struct ctl_http_answer *a);
/* o on stdout as JSON, pretty. */
void ctl_http_print_json(struct json_object *o);

#endif
