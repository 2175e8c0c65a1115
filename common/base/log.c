/* log.c: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* Set once, at start, by a program that keeps its stderr for its own
 * messages (cofferctl without -v). */
static int log_quiet;

void
log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

void
log_msg(const char *level, const char *func, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (log_quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, "coffer[%d] %s: %s: %s: %s\n", (int)getpid(),
		    level, func, msg, strerror(err));
	else
		fprintf(stderr, "coffer[%d] %s: %s: %s\n", (int)getpid(), level,
		    func, msg);
}
