/* app.c: see app.h. */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app/app.h"
#include "app/routes_doc.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/reply.h"
#include "ca/pki.h"
#include "crypto/crypto.h"
#include "crypto/wipe.h"
#include "dialects/prefetch.h"
#include "identity/acl.h"
#include "identity/audit.h"
#include "identity/token.h"
#include "vault/vault.h"

#define TOKEN_CACHE_SLOTS 256
/* app_finish drains at most this much unread input before it closes. */
#define APP_DRAIN_CHUNK 4096
#define APP_DRAIN_READS 4
/* glibc's own starting values, fixed (see app_malloc_init). */
#define APP_MMAP_THRESHOLD (128u << 10)
#define APP_TRIM_THRESHOLD (128u << 10)

static volatile sig_atomic_t app_stop, app_busy;

/* Between requests (app_accept's wait) there is nothing to finish: leave
 * at once.  During one, finish it first. */
static void
app_on_term(int sig)
{
	(void)sig;
	if (!app_busy)
		_exit(0);
	app_stop = 1;
}

/*
 * A worker lives for days and its peaks come from the store: the journal
 * read in one piece after a checkpoint, the overlay built from it.  glibc
 * raises its mmap threshold to the size of the largest mapped block freed
 * so far, and its trim threshold to twice that: after one
 * multi-megabyte buffer, every later block of that size goes to the heap,
 * and the heap keeps that much free memory for good.  Fixed thresholds keep
 * big blocks mapped (freed at once) and the heap's free top returned.
 */
static void
app_malloc_init(void)
{
	mallopt(M_MMAP_THRESHOLD, APP_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, APP_TRIM_THRESHOLD);
}

/*
 * Wait for the next request.  A worker that sees no request after a seal
 * would keep the store's keys (and the CA key parsed with them) for as
 * long as it stays idle; so it waits at most CF_IDLE_SECONDS at a time and
 * checks the seal (vault_idle) between waits.  The listening socket is
 * non-blocking, so libfcgi's accept answers EAGAIN rather than sleep where
 * no timeout reaches it; the wait is an epoll with EPOLLEXCLUSIVE, which
 * wakes one idle worker per connection, as a blocking accept did.  (An
 * alarm around a blocking accept would also interrupt libfcgi's first read
 * of a request it had just accepted, and lose that request.)
 *
 * The worker accepts only once the wait says a connection is there: an
 * accept that finds none is dear, since the kernel makes the new socket
 * and its file before it looks, and frees them again (some 8 us on the
 * benchmark's machine, a tenth of a one-secret read).  Another worker may
 * still take the connection first; then the accept answers EAGAIN and the
 * worker waits again.  A connection the web server keeps open
 * (FCGI_KEEP_CONN) brings its next request itself, read by libfcgi with no
 * accept, so there is no wait on the listening socket then.
 */
static int
app_listen_setup(struct cf_app *app, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
	int fl;
	socklen_t len = sizeof(fl);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &fl, &len) == -1 ||
	    fl == 0) {
		lwarnx("fd %d is not a listening socket: start %s from a "
		       "FastCGI server (lighttpd, spawn-fcgi, mod_fcgid)",
		    fd, app->program);
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    (app->listen_wait = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    epoll_ctl(app->listen_wait, EPOLL_CTL_ADD, fd, &ev) == -1) {
		lwarn("listening socket");
		return -1;
	}
	return 0;
}

/*
 * A rotated audit log (renamed, then made anew) is followed to its new
 * file (audit_follow) before the next request, and by an idle worker,
 * whose lines of the next request must not go to the renamed file long
 * after the rotation.  At most once a second: a stat and an fstat.
 */
static void
app_audit_follow(struct cf_app *app)
{
	int64_t now = (int64_t)time(NULL);

	if (now == app->audit_checked)
		return;
	app->audit_checked = now;
	app->audit_fd = audit_follow(app->audit_fd, app->cfg.audit_log);
}

/* 1 when a connection waits, 0 after an idle wait (the seal checked, the
 * audit log followed), -1 when the worker must stop. */
static int
app_wait(struct cf_app *app)
{
	struct epoll_event ev;
	int rc;

	rc = epoll_wait(app->listen_wait, &ev, 1, CF_IDLE_SECONDS * 1000);
	if (app_stop)
		return -1;
	if (rc == -1 && errno != EINTR) {
		lwarn("epoll_wait");
		return -1;
	}
	if (rc == 0) {
		/* The dead frames of the last requests may still hold
		 * secrets they had in local buffers. */
		wipe_stack();
		vault_idle(app->vault);
		app_audit_follow(app);
		/* The overlay vault_idle may have dropped lay all over the
		 * heap: give its pages back while idle. */
		malloc_trim(0);
	}
	return rc > 0;
}

static int
app_accept(struct cf_app *app, FCGX_Request *f)
{
	int rc;

	for (;;) {
		if (f->ipcFd < 0 && (rc = app_wait(app)) <= 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		/* EAGAIN: another worker took it (the socket is
		 * non-blocking). */
		if ((rc = FCGX_Accept_r(f)) != -EAGAIN)
			return rc;
	}
}

static size_t
route_prefix_len(const struct cf_route *r)
{
	size_t n = 0;

	while (n < ROUTE_MAX_PREFIX && r->prefix[n] != NULL)
		n++;
	return n;
}

/* How many leading segments of req match r's prefix. */
static size_t
route_match_len(const struct cf_route *r, const struct cf_req *req)
{
	size_t i, n = route_prefix_len(r);

	for (i = 0; i < n && i < req->nseg; i++)
		if (strcmp(r->prefix[i], req->seg[i]) != 0)
			break;
	return i;
}

/* Find the route for req.  On a miss, *allow collects the methods of the
 * routes whose shape matched (405), and *dialect the closest one's. */
static const struct cf_route *
route_find(const struct cf_route *routes, size_t n, const struct cf_req *req,
    unsigned *allow, enum cf_dialect *dialect)
{
	size_t i, plen, best = 0, m;
	size_t nargs;

	*allow = 0;
	*dialect = n ? routes[0].dialect : CF_D_DCOS;
	for (i = 0; i < n; i++) {
		plen = route_prefix_len(&routes[i]);
		m = route_match_len(&routes[i], req);
		if (m > best) {
			best = m;
			*dialect = routes[i].dialect;
		}
		if (m != plen || req->nseg < plen)
			continue;
		nargs = req->nseg - plen;
		if (nargs < routes[i].minargs || nargs > routes[i].maxargs)
			continue;
		*dialect = routes[i].dialect;
		if (routes[i].methods & req->method)
			return &routes[i];
		*allow |= routes[i].methods;
	}
	return NULL;
}

/* How many leading segments of req come before an API key: the prefix of
 * a ROUTE_KEY_ARG route that they match, whatever the method or the rest
 * (a 400, 404 or 405 carries the key all the same); 0 when none. */
static size_t
route_key_at(const struct cf_route *routes, size_t n, const struct cf_req *req)
{
	size_t i, plen;

	for (i = 0; i < n; i++) {
		if (!(routes[i].flags & ROUTE_KEY_ARG))
			continue;
		plen = route_prefix_len(&routes[i]);
		if (route_match_len(&routes[i], req) == plen)
			return plen;
	}
	return 0;
}

/* A "%2F" in the path is a '/' inside a segment: only the arguments of a
 * route that takes them (ROUTE_SLASH_ARGS: base64 in the path) may hold
 * one; anywhere else it is refused as before the router (http.h). */
static int
slash_ok(const struct cf_route *r, const struct cf_req *req)
{
	return req->encoded_slash == 0 ||
	       (r != NULL && (r->flags & ROUTE_SLASH_ARGS) &&
	           req->encoded_slash > route_prefix_len(r));
}

static int
app_is_loopback(const char *addr)
{
	return addr != NULL &&
	       (!strncmp(addr, "127.", 4) || !strcmp(addr, "::1") ||
	           !strncmp(addr, "::ffff:127.", 11));
}

static enum cf_status
app_transport(struct cf_ctx *ctx)
{
	if (ctx->app->cfg.allow_plain_http)
		return CF_OK;
	if (http_req_tls(ctx->req))
		return CF_OK;
	if (app_is_loopback(http_param(ctx->req, "REMOTE_ADDR")))
		return CF_OK;
	return CF_E_PLAIN_HTTP;
}

static enum cf_status
app_dispatch(struct cf_ctx *ctx, const struct cf_route *routes, size_t n)
{
	enum cf_status st;
	unsigned allow;
	char buf[128];

	if ((st = http_req_parse(ctx->req, ctx->fcgi->envp)) != CF_OK) {
		/* A path or query that does not parse is still answered in
		 * the dialect of the route its leading segments name. */
		(void)route_find(routes, n, ctx->req, &allow, &ctx->dialect);
		return st;
	}
	/* HEAD is GET without a body; the web server drops the body. */
	if (ctx->req->method == HTTP_HEAD)
		ctx->req->method = HTTP_GET;
	ctx->route = route_find(routes, n, ctx->req, &allow, &ctx->dialect);
	if (!slash_ok(ctx->route, ctx->req))
		return CF_E_BAD_PATH;
	if (ctx->route == NULL) {
		if (allow == 0)
			return CF_E_NOT_FOUND;
		http_resp_header(ctx->resp, "Allow",
		    http_method_allow(allow, buf, sizeof(buf)));
		return CF_E_METHOD;
	}
	ctx->arg = ctx->req->seg + route_prefix_len(ctx->route);
	ctx->narg = ctx->req->nseg - route_prefix_len(ctx->route);
	if ((st = app_transport(ctx)) != CF_OK)
		return st;
	if (!(ctx->route->flags & ROUTE_SEALED_OK) &&
	    (st = vault_ready(ctx->app->vault)) != CF_OK)
		return st;
	/* Before the subject is read: the secret the route will read goes
	 * with it, in one round trip to the store (prefetch.h). */
	dialect_prefetch(ctx);
	if (!(ctx->route->flags & ROUTE_PUBLIC) &&
	    (st = acl_authenticate(ctx)) != CF_OK)
		return st;
	return ctx->route->fn(ctx);
}

/*
 * A request's context is some 21 KB, nearly all of it the audit's slots
 * for decisions (audit.h), of which a request uses one or two.  A slot is
 * written before it is read, so only what precedes them is zeroed, and
 * only the slots used are wiped with it afterwards (all of them once a
 * full set was written out).
 */
_Static_assert(
    offsetof(struct cf_ctx, decisions) + sizeof(struct audit_decisions) ==
        sizeof(struct cf_ctx),
    "ctx_clear zeroes all before the decisions, the last member");

static void
ctx_clear(struct cf_ctx *ctx)
{
	memset(ctx, 0, offsetof(struct cf_ctx, decisions));
	ctx->decisions.n = ctx->decisions.written = 0;
}

static void
ctx_wipe(struct cf_ctx *ctx)
{
	size_t used = ctx->decisions.written > 0 ? AUDIT_LINE_DECISIONS
	                                         : ctx->decisions.n;

	crypto_wipe(ctx->decisions.d, used * sizeof(ctx->decisions.d[0]));
	crypto_wipe(ctx, offsetof(struct cf_ctx, decisions));
	ctx->decisions.n = ctx->decisions.written = 0;
}

/* Nanoseconds on the monotonic clock (vDSO: no system call). */
static uint64_t
app_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
app_handle(struct cf_app *app, FCGX_Request *f, const struct cf_route *routes,
    size_t n)
{
	struct cf_req req;
	struct cf_resp resp;
	struct cf_ctx ctx;
	enum cf_status st;
	uint64_t began = app_now_ns();
	int status;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	ctx_clear(&ctx);
	ctx.app = app;
	ctx.req = &req;
	ctx.resp = &resp;
	ctx.fcgi = f;
	ctx.allowed = -1;
	ctx.dialect = n ? routes[0].dialect : CF_D_DCOS;
	vault_request_begin(app->vault);
	st = app_dispatch(&ctx, routes, n);
	vault_request_end(app->vault);
	/* A streamed answer that failed after its first bytes went out
	 * cannot become an error body any more: cut it (http.h). */
	if (st != CF_OK && http_stream_started(&resp)) {
		lwarnx("request %s: %s after %zu bytes of a streamed answer; "
		       "aborting it",
		    req.id, errors_name(st), resp.stream_bytes);
		http_stream_abort(&resp);
	} else if (st != CF_OK) {
		http_stream_cancel(&resp);
		reply_error_code(&resp, ctx.dialect, st, ctx.detail, ctx.code);
	}
	if (http_resp_send(&resp, f) != 0 && !resp.stream_failed)
		lwarnx("request %s: short write to the web server", req.id);
	ctx.key_at = route_key_at(routes, n, &req);
	/* An aborted stream began as a 200 but failed: audit what happened. */
	status = resp.stream_failed ? 500 : resp.status ? resp.status : 200;
	audit_request(&ctx, status);
	/* By the route's dialect: a refusal may answer in another shape. */
	metrics_request(ctx.route != NULL ? ctx.route->dialect : ctx.dialect,
	    status, app_now_ns() - began);
	http_resp_free(&resp);
	http_req_free(&req);
	ctx_wipe(&ctx);
}

/*
 * libfcgi closes a connection by shutting down its side and then waiting
 * in poll until the web server closes too, so that unread input cannot
 * turn the close into a reset that destroys the answer in flight (TCP).
 * That wait is a sleep and a wake-up per request.  Once the request's
 * input has been read to its end there is nothing left to reset, so a
 * plain close is as safe; detaching the request tells libfcgi so.  Input
 * still unread after a few reads (a body refused before it was read) keeps
 * libfcgi's careful close.
 *
 * The leftover input is read without blocking: a web server that streams
 * the body (mod_proxy_fcgi) would otherwise keep this worker waiting,
 * answer unsent, for a client that announced a body and stalled.  What has
 * not arrived is left to the careful close, which ends as soon as the web
 * server has the answer.  Since the drain never waits, the answer still in
 * libfcgi's buffer goes out after it, with the end of the request, in one
 * write: a web server that closes as soon as it has the whole answer
 * (lighttpd, given a Content-Length) would otherwise meet that last record
 * with a SIGPIPE.
 *
 * Most requests need no drain, nor the three fcntl calls around it: a
 * handler read the body to its end, or there was no body (CONTENT_LENGTH
 * 0), and then all that may be left is the web server's empty end-of-input
 * record, which it sends with the request, whatever the client does: it
 * is read as it comes.
 */
static int
app_input_done(FCGX_Request *f)
{
	const char *cl;
	char c;

	if (FCGX_HasSeenEOF(f->in) != EOF) {
		cl = FCGX_GetParam("CONTENT_LENGTH", f->envp);
		if (cl == NULL || strcmp(cl, "0") != 0 ||
		    FCGX_GetStr(&c, 1, f->in) != 0)
			return 0;
	}
	return FCGX_HasSeenEOF(f->in) == EOF && FCGX_GetError(f->in) == 0;
}

static void
app_finish(FCGX_Request *f)
{
	char buf[APP_DRAIN_CHUNK];
	int i, fl;

	if (app_input_done(f)) {
		FCGX_Detach(f);
		goto out;
	}
	if ((fl = fcntl(f->ipcFd, F_GETFL)) == -1 ||
	    fcntl(f->ipcFd, F_SETFL, fl | O_NONBLOCK) == -1)
		goto out;
	for (i = 0; i < APP_DRAIN_READS; i++) {
		if (FCGX_GetStr(buf, sizeof(buf), f->in) > 0)
			continue;
		/* libfcgi marks a stream closed on a read error too, EAGAIN
		 * included: only a real end of input may skip the careful
		 * close, or the web server's last (empty) stdin record, still
		 * on its way, meets a closed socket (mod_proxy_fcgi then
		 * answers 503). */
		if (FCGX_HasSeenEOF(f->in) == EOF && FCGX_GetError(f->in) == 0)
			FCGX_Detach(f);
		break;
	}
	/* libfcgi writes the end of the answer blocking. */
	(void)fcntl(f->ipcFd, F_SETFL, fl);
out:
	FCGX_Finish_r(f);
}

int
app_main(int argc, char **argv, const char *program,
    const struct cf_route *routes, size_t n)
{
	struct cf_app app;
	FCGX_Request f;
	struct sigaction sa;
	int rc = 1;

	if (argc == 2 && !strcmp(argv[1], "--routes"))
		return routes_doc_print(stdout, program, routes, n) == 0 ? 0
		                                                         : 1;
	memset(&app, 0, sizeof(app));
	app.program = program;
	app.listen_wait = -1;
	app_malloc_init();
	if (wipe_process_init() != 0 || config_load(&app.cfg, NULL) != 0 ||
	    pki_init(&app.cfg) != 0)
		return 1;
	if ((app.audit_fd = audit_open(app.cfg.audit_log)) == -1)
		return 1;
	/* Without its file a program serves all the same, uncounted. */
	(void)metrics_open(app.cfg.state, program);
	if (vault_open(app.cfg.store, &app.vault) != 0) {
		/* Not the setting: a connection string may hold a password. */
		lwarnx("cannot open the store");
		goto out;
	}
	vault_defer_checkpoints(app.vault);
	if ((app.tokens = token_cache_new(TOKEN_CACHE_SLOTS)) == NULL)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = app_on_term;
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: accept returns */
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&f, 0, 0) != 0 ||
	    app_listen_setup(&app, f.listen_sock) != 0)
		goto out;
	while (!app_stop && app_accept(&app, &f) >= 0) {
		app_busy = 1;
		app_audit_follow(&app);
		app_handle(&app, &f, routes, n);
		app_finish(&f);
		/* Once the answer is sent: the checkpoint a commit left due
		 * costs this worker the copy, never a waiting client. */
		vault_maintain(app.vault);
		app_busy = 0;
	}
	rc = 0;
out:
	token_cache_free(app.tokens);
	vault_close(app.vault);
	if (app.listen_wait != -1)
		close(app.listen_wait);
	return rc;
}
