/* audit.c: see audit.h. */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/log.h"
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

static void
audit_add(struct json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

/* A new line object holding the time and the program. */
static struct json_object *
audit_line(const char *program)
{
	struct json_object *o = json_object_new_object();
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	audit_add(o, "time", ts);
	audit_add(o, "program", program);
	return o;
}

/* One write(2), so lines of concurrent writers never interleave; takes o. */
static void
audit_write(int fd, struct json_object *o)
{
	const char *text;
	char *line;
	size_t len;

	text = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text != NULL && asprintf(&line, "%s\n", text) != -1) {
		if (write(fd, line, len + 1) != (ssize_t)len + 1)
			lwarn("audit write");
		free(line);
	}
	json_object_put(o);
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
static struct json_object *
audit_request_line(const struct cf_ctx *ctx)
{
	struct json_object *o;
	char *path;

	o = audit_line(ctx->app->program);
	audit_add(o, "request_id", ctx->req->id);
	audit_add(o, "method", ctx->req->method_name);
	/* The path names a secret, never its value; the query is left out
	 * since clients have put credentials there. */
	audit_add(o, "path", audit_path(ctx, &path));
	free(path);
	audit_add(o, "remote_addr", http_param(ctx->req, "REMOTE_ADDR"));
	if (ctx->authenticated)
		audit_add(o, "subject", ctx->subject.uid);
	return o;
}

/* The decisions not written yet, as "decisions": [...]. */
static void
audit_add_decisions(struct json_object *o, const struct audit_decisions *ds)
{
	struct json_object *a = json_object_new_array(), *d;
	size_t i;

	for (i = 0; i < ds->n; i++) {
		d = json_object_new_object();
		audit_add(d, "resource", ds->d[i].rid);
		audit_add(d, "action", ds->d[i].action);
		json_object_object_add(
		    d, "allowed", json_object_new_boolean(ds->d[i].allowed));
		audit_add(d, "by", ds->d[i].by);
		json_object_array_add(a, d);
	}
	json_object_object_add(o, "decisions", a);
}

/* Write the full set on a line of its own, ahead of the request's last. */
static void
audit_flush_decisions(struct cf_ctx *ctx)
{
	struct json_object *o = audit_request_line(ctx);

	audit_add_decisions(o, &ctx->decisions);
	json_object_object_add(o, "continued", json_object_new_boolean(1));
	audit_write(ctx->app->audit_fd, o);
	ctx->decisions.written += ctx->decisions.n;
	ctx->decisions.n = 0;
}

void
audit_decision(struct cf_ctx *ctx, const char *rid, const char *action,
    const char *by, int allowed)
{
	struct audit_decisions *ds = &ctx->decisions;
	struct audit_decision *d;

	snprintf(ctx->rid, sizeof(ctx->rid), "%s", rid);
	ctx->action = action;
	ctx->allowed = allowed;
	if (ctx->app->audit_fd == -1)
		return;
	if (ds->n == AUDIT_LINE_DECISIONS)
		audit_flush_decisions(ctx);
	d = &ds->d[ds->n++];
	snprintf(d->rid, sizeof(d->rid), "%s", rid);
	d->action = action;
	d->by = by;
	d->allowed = allowed;
}

void
audit_request(const struct cf_ctx *ctx, int status)
{
	const struct audit_decisions *ds = &ctx->decisions;
	struct json_object *o;

	if (ctx->app->audit_fd == -1)
		return;
	o = audit_request_line(ctx);
	if (ctx->allowed != -1) {
		audit_add(o, "resource", ctx->rid);
		audit_add(o, "action", ctx->action);
		json_object_object_add(
		    o, "allowed", json_object_new_boolean(ctx->allowed));
	}
	if (ds->n + ds->written > 0) {
		audit_add_decisions(o, ds);
		json_object_object_add(o, "decisions_total",
		    json_object_new_int64((int64_t)(ds->n + ds->written)));
	}
	json_object_object_add(o, "status", json_object_new_int(status));
	audit_write(ctx->app->audit_fd, o);
}

void
audit_offline(int fd, const char *program, const char *command,
    const char *method, const char *path, int status)
{
	struct json_object *o;
	struct passwd *pw;
	char who[32];

	if (fd == -1)
		return;
	/* The uid as a number too: two names may share it. */
	pw = getpwuid(getuid());
	snprintf(who, sizeof(who), "%u", (unsigned)getuid());
	o = audit_line(program);
	audit_add(o, "command", command);
	audit_add(o, "method", method);
	audit_add(o, "path", path);
	audit_add(o, "operator", pw != NULL ? pw->pw_name : who);
	audit_add(o, "operator_uid", who);
	json_object_object_add(o, "status", json_object_new_int(status));
	audit_write(fd, o);
}
