/*
 * audit.h: one JSON line per request, written when the answer is sent.
 *
 * The line names the program, request id, method, the route (never the
 * query or body), the subject, each authorization decision and the status
 * (a request of many decisions may take several lines: audit_decision).
 * It never holds a secret value, a token or a key.  One write(2) on an
 * O_APPEND descriptor per line keeps lines from several worker processes
 * whole.  The log may be rotated by renaming it (logrotate without
 * copytruncate): a writer that holds the renamed file follows the path to
 * the new one (audit_follow), and each line is in one file or the other,
 * whole.  cofferctl's changes to the store are written to the same log,
 * named by the API route that makes the same change, so one grep finds a
 * change however it was made.
 */
#ifndef COFFER_AUDIT_H
#define COFFER_AUDIT_H

#include <stddef.h>

struct cf_ctx;

/*
 * Record one authorization decision of the request (and make it the one
 * the line's "resource", "action" and "allowed" name, as they always
 * have).  Every decision is written: the request's line carries them in
 * "decisions", with "decisions_total"; a request that makes more than
 * AUDIT_LINE_DECISIONS (a batch, a Dapr bulk map) writes each full set at
 * once on a line of its own, with the same request_id and "continued":
 * true, before its last line.  So memory and line length stay bounded
 * however many decisions a request makes, and no line is lost to a limit.
 */
void audit_decision(struct cf_ctx *ctx, const char *rid, const char *action,
    const char *by, int allowed);

/* "" or "-" means stderr.  Returns a descriptor, or -1. */
int audit_open(const char *path);
/*
 * The descriptor to write path's log to from now on, given fd, which
 * audit_open(path) gave.  While path names fd's file (the same device and
 * inode), fd.  Once it names another file, or none (the log was renamed),
 * path is opened again (created 0600 if missing) and fd closed; what was
 * written before stays in the renamed file.  fd still when that open fails
 * (said once a failure lasts), so lines go on to the old file, not to
 * nowhere.  stderr ("" or "-") is never followed.  A stat and an fstat:
 * callers do it at most once a second (app.c).
 */
int audit_follow(int fd, const char *path);
void audit_request(const struct cf_ctx *ctx, int status);
/* A change made by an offline tool: its command, the equivalent API
 * method and path, the operator (the Unix user that ran it) and the HTTP
 * status the API would have answered. */
void audit_offline(int fd, const char *program, const char *command,
    const char *method, const char *path, int status);

#endif
