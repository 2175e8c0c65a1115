/*
 * app.h: the FastCGI loop and router shared by every program.
 *
 * A program is a table of routes and a call to app_main().  For each
 * request app.c parses it (http.c), finds the route (404, or 405 with
 * Allow), refuses plain HTTP from afar, answers 503 while the store is
 * sealed (unless the route works sealed), authenticates the caller (unless
 * the route is public), calls the handler, renders its status in the
 * route's dialect and writes the audit line, which names an API key in
 * the path (ROUTE_KEY_ARG) by its name only, whether or not a route took
 * the request.  Handlers never render
 * errors themselves: they return a status, and may set ctx->detail to a
 * fixed string of ours.
 *
 * struct cf_app is built once in main() and read-only for requests but
 * for the per-process caches it holds (vault keys and opened records,
 * token cache); struct cf_ctx lives for one request and is wiped after
 * it.  Each request is bracketed by vault_request_begin/end, so the seal
 * state is asked of the kernel once per request.
 */
#ifndef COFFER_APP_H
#define COFFER_APP_H

#include <stddef.h>

#include "acl.h"
#include "audit.h"
#include "config.h"
#include "errors.h"
#include "http.h"

struct vault;
struct token_cache;

struct cf_app {
	const char *program;
	struct cf_config cfg;
	struct vault *vault;
	struct token_cache *tokens;
	int audit_fd;
	int listen_wait; /* epoll of the listening socket (app_accept) */
};

#define ROUTE_PUBLIC     (1 << 0) /* no credential needed */
#define ROUTE_SEALED_OK  (1 << 1) /* answers while sealed */
#define ROUTE_KEY_ARG    (1 << 2) /* the path after the prefix is an API key */
#define ROUTE_MAX_PREFIX 4

struct cf_ctx;
typedef enum cf_status (*cf_handler)(struct cf_ctx *);

struct cf_route {
	const char *prefix[ROUTE_MAX_PREFIX + 1]; /* NULL-terminated */
	size_t minargs;
	size_t maxargs;
	unsigned methods; /* enum http_method bits */
	enum cf_dialect dialect;
	unsigned flags;
	cf_handler fn;
};

struct cf_ctx {
	struct cf_app *app;
	struct cf_req *req;
	struct cf_resp *resp;
	struct FCGX_Request *fcgi;
	const struct cf_route *route;
	enum cf_dialect dialect;
	char **arg; /* segments after the prefix */
	size_t narg;
	struct acl_subject subject;
	int authenticated;
	const char *detail; /* error detail: a literal */
	const char *code;   /* error code (DC/OS ERR_*): a literal, or NULL */
	size_t key_at;      /* segments before an API key in the path, or 0 */
	char rid[AUDIT_RID_MAX]; /* last decision, for audit */
	const char *action;
	int allowed; /* -1: no decision */
	/* Last: app.c zeroes and wipes only the slots a request used. */
	struct audit_decisions decisions; /* every decision (audit.h) */
};

/* Load config, open the store, serve until the web server stops us. */
int app_main(
    const char *program, const struct cf_route *routes, size_t nroutes);

/* Read the body with the app's limit. */
enum cf_status app_read_body(
    struct cf_ctx *ctx, const char *const *ctypes, int allow_missing);

#endif
