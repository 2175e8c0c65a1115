/*
 * context.h: one request as every module above the vault sees it.
 *
 * struct cf_app is the process: built once in main() (app.c) and
 * read-only for requests but for the per-process caches it holds (vault
 * keys and opened records, token cache).  struct cf_route is one line of a
 * program's route table (the dialects declare theirs: DAPR_ROUTES).
 * struct cf_ctx lives for one request and is wiped after it: the route it
 * took, its parsed request and its answer, who is calling (struct
 * cf_subject, set by acl_authenticate) and every authorization decision
 * made for it (struct audit_decisions, kept by audit_decision for the
 * audit line).
 *
 * They sit at the bottom of identity, so that acl, audit and remote take a
 * request without reaching app (the FastCGI loop that fills it), and the
 * dialects declare their routes the same way.  Handlers never render
 * errors themselves: they return a status, and may set ctx->detail to a
 * fixed string of ours.
 */
#ifndef COFFER_CONTEXT_H
#define COFFER_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "base/errors.h"
#include "base/http.h"
#include "identity/token.h"

struct vault;
struct token_cache;

struct cf_app {
	const char *program;
	struct cf_config cfg;
	struct vault *vault;
	struct token_cache *tokens;
	int audit_fd;
	int64_t audit_checked; /* when app_audit_follow last looked */
	int listen_wait;       /* epoll of the listening socket (app_accept) */
};

#define ROUTE_PUBLIC     (1 << 0) /* no credential needed */
#define ROUTE_SEALED_OK  (1 << 1) /* answers while sealed */
#define ROUTE_KEY_ARG    (1 << 2) /* the path after the prefix is an API key */
#define ROUTE_SLASH_ARGS (1 << 3) /* its arguments may encode '/' (%2F) */
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

/* Who is calling (acl.h). */
struct cf_subject {
	char uid[TOKEN_MAX_UID + 1];
	int superuser;
};

#define AUDIT_RID_MAX        640 /* bytes of a resource id, with its NUL */
#define AUDIT_LINE_DECISIONS 32  /* decisions written on one line */

/* One authorization decision, for the audit line (audit.h). */
struct audit_decision {
	char rid[AUDIT_RID_MAX];
	const char *action; /* a literal */
	const char *by;     /* NULL: the ACL; else what decided (a literal) */
	int allowed;
};

/* A request's decisions not written yet, and how many were already. */
struct audit_decisions {
	struct audit_decision d[AUDIT_LINE_DECISIONS];
	size_t n;
	size_t written;
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
	struct cf_subject subject;
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

/* Read the body with the configured limit (http_read_body). */
enum cf_status ctx_read_body(
    struct cf_ctx *ctx, const char *const *ctypes, int allow_missing);

#endif
