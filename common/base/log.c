/* log.c: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

#define LOG_MAX_LINE 512 /* bytes of a message; longer ones are cut */

/* Set once, at start, by a program that keeps its stderr for its own
 * messages (cofferctl without -v). */
static int log_quiet;

void
log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

void
log_vmsg(
    const char *level, const char *func, int err, const char *fmt, va_list ap)
{
	char msg[LOG_MAX_LINE];

	if (log_quiet)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		fprintf(stderr, "coffer[%d] %s: %s: %s: %s\n", (int)getpid(),
		    level, func, msg, strerror(err));
	else
		fprintf(stderr, "coffer[%d] %s: %s: %s\n", (int)getpid(), level,
		    func, msg);
}

void
log_msg(const char *level, const char *func, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, func, err, fmt, ap);
	va_end(ap);
}
