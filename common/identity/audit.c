/* audit.c: see audit.h. */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/codec.h"
#include "base/log.h"
#include "base/metrics.h"
#include "identity/audit.h"
#include "identity/context.h"
#include "identity/iam.h"

int
audit_open(const char *path)
{
	int fd;

	if (path == NULL || *path == '\0' || !strcmp(path, "-"))
		return STDERR_FILENO;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	         0600)) == -1) {
		lwarn("%s", path);
		return -1;
	}
	return fd;
}

int
audit_follow(int fd, const char *path)
{
	static int warned;
	struct stat held, named;
	int nfd;

	if (fd == -1 || fd == STDERR_FILENO || path == NULL || *path == '\0' ||
	    !strcmp(path, "-"))
		return fd;
	if (fstat(fd, &held) == 0 && stat(path, &named) == 0 &&
	    held.st_dev == named.st_dev && held.st_ino == named.st_ino)
		return fd;
	if ((nfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	         0600)) == -1) {
		if (!warned)
			lwarn("%s: the audit log moved, and it cannot be "
			      "opened again; writing on to the old file",
			    path);
		warned = 1;
		return fd;
	}
	warned = 0;
	close(fd);
	return nfd;
}

/*
 * A line is written straight as JSON text, member by member, in the form
 * json-c's plain printer gives (no spaces; '"', '\\' and control
 * characters escaped as it escapes them, '/' left alone;
 * tests/unit/test_audit.c holds it to that).  Building a json-c tree for
 * each line and printing it took a score of allocations per request.  A
 * line that cannot grow (no memory) is dropped, with a warning, as a
 * failed write is.
 */
struct audit_text {
	char *p;
	size_t len;
	size_t cap;
	int failed;
};

#define AUDIT_TEXT_START 1024

static void
audit_put(struct audit_text *t, const char *s, size_t n)
{
	size_t cap;
	char *q;

	if (t->failed || n == 0)
		return;
	/* Room for the newline audit_write adds. */
	for (cap = t->cap ? t->cap : AUDIT_TEXT_START; cap < t->len + n + 1;
	     cap *= 2)
		;
	if (cap != t->cap) {
		if ((q = realloc(t->p, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->p = q;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void
audit_puts(struct audit_text *t, const char *s)
{
	audit_put(t, s, strlen(s));
}

/* How json-c writes byte c inside a string, or NULL for as it is. */
static const char *
audit_escape(unsigned char c, char u[7])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '\b':
		return "\\b";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '\f':
		return "\\f";
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	}
	if (c >= 0x20)
		return NULL;
	snprintf(u, 7, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
	return u;
}

/* s as a JSON string. */
static void
audit_string(struct audit_text *t, const char *s)
{
	const char *run = s, *e;
	char u[7];

	audit_put(t, "\"", 1);
	for (; *s != '\0'; s++) {
		if ((e = audit_escape((unsigned char)*s, u)) == NULL)
			continue;
		audit_put(t, run, (size_t)(s - run));
		audit_puts(t, e);
		run = s + 1;
	}
	audit_put(t, run, (size_t)(s - run));
	audit_put(t, "\"", 1);
}

/* The next member's name: after "{" the first, else after a comma. */
static void
audit_key(struct audit_text *t, const char *k)
{
	if (t->len > 0 && t->p[t->len - 1] != '{')
		audit_put(t, ",", 1);
	audit_string(t, k);
	audit_put(t, ":", 1);
}

/* A string member; none when v is NULL. */
static void
audit_add(struct audit_text *t, const char *k, const char *v)
{
	if (v == NULL)
		return;
	audit_key(t, k);
	audit_string(t, v);
}

static void
audit_add_bool(struct audit_text *t, const char *k, int v)
{
	audit_key(t, k);
	audit_puts(t, v ? "true" : "false");
}

static void
audit_add_int(struct audit_text *t, const char *k, long long v)
{
	char num[24];

	audit_key(t, k);
	snprintf(num, sizeof(num), "%lld", v);
	audit_puts(t, num);
}

/* A new line holding the time and the program. */
static void
audit_line(struct audit_text *t, const char *program)
{
	char ts[CODEC_TIME_LEN];

	memset(t, 0, sizeof(*t));
	codec_time(time(NULL), ts, sizeof(ts));
	audit_put(t, "{", 1);
	audit_add(t, "time", ts);
	audit_add(t, "program", program);
}

/* Close the line and write it in one write(2), so lines of concurrent
 * writers never interleave. */
static void
audit_write(int fd, struct audit_text *t)
{
	audit_put(t, "}", 1);
	if (t->failed)
		lwarnx("audit line dropped: out of memory");
	else {
		t->p[t->len++] = '\n';
		if (write(fd, t->p, t->len) != (ssize_t)t->len)
			lwarn("audit write");
	}
	free(t->p);
	memset(t, 0, sizeof(*t));
}

/*
 * The request's path for its line.  Past the ctx->key_at segments before
 * an API key (Sensu's DELETE /api/core/v2/apikeys/{key}), the rest becomes
 * the key's name, so that no key reaches the log, even from a request
 * that failed and left the key valid.  NULL (no path) when that cannot be
 * done; *buf is malloc'd when used.
 */
static const char *
audit_path(const struct cf_ctx *ctx, char **buf)
{
	const char *p = ctx->req->path, *rest = p;
	char name[IAM_APIKEY_NAME_LEN + 1];
	size_t i;

	*buf = NULL;
	if (p == NULL || ctx->key_at == 0)
		return p;
	for (i = 0; i < ctx->key_at && rest != NULL; i++)
		rest = strchr(rest + 1, '/');
	if (rest == NULL || rest[1] == '\0')
		return p;
	rest++;
	if (iam_apikey_name(rest, strlen(rest), name) != 0 ||
	    asprintf(buf, "%.*s%s", (int)(rest - p), p, name) == -1) {
		*buf = NULL;
		return NULL;
	}
	return *buf;
}

/* A line of the request: what every line of it names. */
static void
audit_request_line(struct audit_text *t, const struct cf_ctx *ctx)
{
	char *path;

	audit_line(t, ctx->app->program);
	audit_add(t, "request_id", ctx->req->id);
	audit_add(t, "method", ctx->req->method_name);
	/* The path names a secret, never its value; the query is left out
	 * since clients have put credentials there. */
	audit_add(t, "path", audit_path(ctx, &path));
	free(path);
	audit_add(t, "remote_addr", http_param(ctx->req, "REMOTE_ADDR"));
	if (ctx->authenticated)
		audit_add(t, "subject", ctx->subject.uid);
}

/* The decisions not written yet, as "decisions": [...]. */
static void
audit_add_decisions(struct audit_text *t, const struct audit_decisions *ds)
{
	size_t i;

	audit_key(t, "decisions");
	audit_put(t, "[", 1);
	for (i = 0; i < ds->n; i++) {
		audit_puts(t, i ? ",{" : "{");
		audit_add(t, "resource", ds->d[i].rid);
		audit_add(t, "action", ds->d[i].action);
		audit_add_bool(t, "allowed", ds->d[i].allowed);
		audit_add(t, "by", ds->d[i].by);
		audit_put(t, "}", 1);
	}
	audit_put(t, "]", 1);
}

/* Write the full set on a line of its own, ahead of the request's last. */
static void
audit_flush_decisions(struct cf_ctx *ctx)
{
	struct audit_text t;

	audit_request_line(&t, ctx);
	audit_add_decisions(&t, &ctx->decisions);
	audit_add_bool(&t, "continued", 1);
	audit_write(ctx->app->audit_fd, &t);
	ctx->decisions.written += ctx->decisions.n;
	ctx->decisions.n = 0;
}

/* A resource id into a slot of AUDIT_RID_MAX, cut as snprintf would. */
static void
audit_copy(char dst[AUDIT_RID_MAX], const char *rid)
{
	size_t n = strnlen(rid, AUDIT_RID_MAX - 1);

	memcpy(dst, rid, n);
	dst[n] = '\0';
}

void
audit_decision(struct cf_ctx *ctx, const char *rid, const char *action,
    const char *by, int allowed)
{
	struct audit_decisions *ds = &ctx->decisions;
	struct audit_decision *d;

	audit_copy(ctx->rid, rid);
	ctx->action = action;
	ctx->allowed = allowed;
	metrics_count(allowed ? METRICS_AUTHZ_ALLOWED : METRICS_AUTHZ_DENIED);
	if (ctx->app->audit_fd == -1)
		return;
	if (ds->n == AUDIT_LINE_DECISIONS)
		audit_flush_decisions(ctx);
	d = &ds->d[ds->n++];
	audit_copy(d->rid, rid);
	d->action = action;
	d->by = by;
	d->allowed = allowed;
}

void
audit_request(const struct cf_ctx *ctx, int status)
{
	const struct audit_decisions *ds = &ctx->decisions;
	struct audit_text t;

	if (ctx->app->audit_fd == -1)
		return;
	audit_request_line(&t, ctx);
	if (ctx->allowed != -1) {
		audit_add(&t, "resource", ctx->rid);
		audit_add(&t, "action", ctx->action);
		audit_add_bool(&t, "allowed", ctx->allowed);
	}
	if (ds->n + ds->written > 0) {
		audit_add_decisions(&t, ds);
		audit_add_int(
		    &t, "decisions_total", (long long)(ds->n + ds->written));
	}
	audit_add_int(&t, "status", status);
	audit_write(ctx->app->audit_fd, &t);
}

void
audit_offline(int fd, const char *program, const char *command,
    const char *method, const char *path, int status)
{
	struct audit_text t;
	struct passwd *pw;
	char who[32];

	if (fd == -1)
		return;
	/* The uid as a number too: two names may share it. */
	pw = getpwuid(getuid());
	snprintf(who, sizeof(who), "%u", (unsigned)getuid());
	audit_line(&t, program);
	audit_add(&t, "command", command);
	audit_add(&t, "method", method);
	audit_add(&t, "path", path);
	audit_add(&t, "operator", pw != NULL ? pw->pw_name : who);
	audit_add(&t, "operator_uid", who);
	audit_add_int(&t, "status", status);
	audit_write(fd, &t);
}
