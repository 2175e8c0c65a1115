/*
 * ctl_progress.c: a progress bar on a terminal, a summary line always
 * (ctl_progress.h).  The bar is one line on stderr, rewritten after a
 * carriage return, so stdout (what the command did) stays clean to pipe.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl_progress.h"

#define BAR_WIDTH 30
#define REDRAW_NS 100000000LL /* 100 ms: ten redraws a second at most */

static long long
ns_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000000000LL +
	       (now.tv_nsec - t0->tv_nsec);
}

/* n in the unit, as people read it: "1200 records", "3.4 MiB". */
static void
amount(char *buf, size_t len, int bytes, double n)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t u = 0;

	if (!bytes) {
		snprintf(buf, len, "%.0f records", n);
		return;
	}
	while (n >= 1024 && u + 1 < sizeof(units) / sizeof(*units)) {
		n /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", n, units[u]);
}

/* Seconds as h:mm:ss, or m:ss under an hour. */
static void
clock_text(char *buf, size_t len, double s)
{
	unsigned long t = (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(
		    buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

static void
draw(struct ctl_progress *p)
{
	double secs = ns_since(&p->started) / 1e9, rate;
	char done[32], total[32], per[32], eta[32];
	char bar[BAR_WIDTH + 1];
	size_t fill;

	rate = secs > 0 ? p->done / secs : 0;
	amount(per, sizeof(per), p->bytes, rate);
	if (p->total == 0) {
		amount(done, sizeof(done), p->bytes, (double)p->done);
		fprintf(stderr, "\r%s  %s  %s/s\033[K", p->what, done, per);
		goto out;
	}
	fill = (size_t)((p->done > p->total ? p->total : p->done) * BAR_WIDTH /
	                p->total);
	memset(bar, '#', fill);
	memset(bar + fill, '-', BAR_WIDTH - fill);
	bar[BAR_WIDTH] = '\0';
	/* "1200 of 2400 records", "1.2 MiB of 4.8 MiB". */
	if (p->bytes)
		amount(done, sizeof(done), 1, (double)p->done);
	else
		snprintf(done, sizeof(done), "%" PRIu64, p->done);
	amount(total, sizeof(total), p->bytes, (double)p->total);
	if (rate > 0 && p->done < p->total)
		clock_text(eta, sizeof(eta), (p->total - p->done) / rate);
	else
		snprintf(eta, sizeof(eta), "0:00");
	fprintf(stderr, "\r%s [%s] %3u%%  %s of %s  %s/s  ETA %s\033[K",
	    p->what, bar,
	    (unsigned)((p->done > p->total ? p->total : p->done) * 100 /
	               p->total),
	    done, total, per, eta);
out:
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &p->drawn);
	p->shown = 1;
}

void
ctl_progress_begin(
    struct ctl_progress *p, const char *what, int bytes, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->bytes = bytes;
	p->total = total;
	p->tty = isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &p->started);
}

void
ctl_progress_set(struct ctl_progress *p, uint64_t done, uint64_t total)
{
	p->done = done;
	if (total != 0)
		p->total = total;
	/* A terminal redrawn on every record would cost more than the walk. */
	if (p->tty && (!p->shown || ns_since(&p->drawn) >= REDRAW_NS))
		draw(p);
}

void
ctl_progress_fn(void *arg, uint64_t done, uint64_t total)
{
	ctl_progress_set(arg, done, total);
}

void
ctl_progress_end(struct ctl_progress *p, int ok)
{
	double secs = ns_since(&p->started) / 1e9;
	char done[32], per[32];

	if (ok && p->done > p->total)
		p->total = p->done;
	if (ok && p->total > 0)
		p->done = p->total;
	if (p->tty) {
		draw(p);
		fputc('\n', stderr);
	}
	amount(done, sizeof(done), p->bytes, (double)p->done);
	amount(per, sizeof(per), p->bytes, secs > 0 ? p->done / secs : 0);
	if (ok)
		fprintf(stderr, "%s: %s in %.1f s (%s/s)\n", p->what, done,
		    secs, per);
	else
		fprintf(stderr, "%s: stopped after %s, %.1f s\n", p->what, done,
		    secs);
}
