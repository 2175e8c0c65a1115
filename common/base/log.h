/*
 * log.h: operator-facing diagnostics on stderr (the web server's error log).
 *
 * Every line of the library has one format, "coffer[pid] level: function:
 * message[: strerror]", written here only.  Log names
 * (store, path, subject, status), never values: no body, token, key, share
 * or Authorization header is ever passed to these functions.
 */
#ifndef COFFER_LOG_H
#define COFFER_LOG_H

#include <errno.h>
#include <stdarg.h>

void log_msg(const char *level, const char *func, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same line from a va_list, for a module's own wrapper (store_log). */
void log_vmsg(const char *level, const char *func, int err, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

/* Nonzero: drop every line (a command-line tool that speaks for itself
 * on stderr); zero, the default: write them all. */
void log_set_quiet(int quiet);

/* lwarn appends strerror(errno); lwarnx does not. */
#define lwarn(...)  log_msg("warn", __func__, errno, __VA_ARGS__)
#define lwarnx(...) log_msg("warn", __func__, 0, __VA_ARGS__)
#define linfo(...)  log_msg("info", __func__, 0, __VA_ARGS__)

#endif
