/* audit.c: see audit.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "app.h"
#include "audit.h"
#include "log.h"

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

void
audit_request(const struct cf_ctx *ctx, int status)
{
	struct json_object *o;
	const char *text;
	char ts[32], *line;
	struct tm tm;
	time_t now = time(NULL);
	size_t len;

	if (ctx->app->audit_fd == -1)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_object_new_object();
	audit_add(o, "time", ts);
	audit_add(o, "program", ctx->app->program);
	audit_add(o, "request_id", ctx->req->id);
	audit_add(o, "method", ctx->req->method_name);
	/* The path names a secret, never its value; the query is left out
	 * since clients have put credentials there. */
	audit_add(o, "path", ctx->req->path);
	audit_add(o, "remote_addr", http_param(ctx->req, "REMOTE_ADDR"));
	if (ctx->authenticated)
		audit_add(o, "subject", ctx->subject.uid);
	if (ctx->allowed != -1) {
		audit_add(o, "resource", ctx->rid);
		audit_add(o, "action", ctx->action);
		json_object_object_add(
		    o, "allowed", json_object_new_boolean(ctx->allowed));
	}
	json_object_object_add(o, "status", json_object_new_int(status));
	text = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text != NULL && asprintf(&line, "%s\n", text) != -1) {
		if (write(ctx->app->audit_fd, line, len + 1) !=
		    (ssize_t)len + 1)
			lwarn("audit write");
		free(line);
	}
	json_object_put(o);
}
