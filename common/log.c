/* log.c: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void
log_msg(const char *level, const char *func, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

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
