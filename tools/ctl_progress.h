/*
 * ctl_progress.h: the progress of a cofferctl command that walks the store
 * (backup, restore, migrate, rewrap, export, import), as pv and rsync
 * show theirs.
 *
 * On a terminal stderr, a bar, the count, the rate and the time left are
 * redrawn in place, at most ten times a second, and stopped at 100% by
 * ctl_progress_end; elsewhere (a pipe, a log file) nothing is drawn.
 * Either way ctl_progress_end writes one summary line on stderr: what was
 * done, how much, in how long and how fast.  Counts are in one unit, given
 * at the start: records, or bytes (shown in KiB, MiB, GiB).
 */
#ifndef COFFER_CTL_PROGRESS_H
#define COFFER_CTL_PROGRESS_H

#include <stdint.h>
#include <time.h>

struct ctl_progress {
	const char *what;        /* the command: "backup" */
	int bytes;               /* the unit: 1 bytes, 0 records */
	int tty;                 /* stderr is a terminal: draw the bar */
	uint64_t done, total;    /* total 0: not known, no bar or ETA */
	struct timespec started; /* CLOCK_MONOTONIC */
	struct timespec drawn;   /* the last redraw */
	int shown;               /* a bar is on the line */
};

/* Start counting what's units: total of them (0 if unknown). */
void ctl_progress_begin(
    struct ctl_progress *p, const char *what, int bytes, uint64_t total);
/* done of them so far; total may be learnt late (0 keeps the old one). */
void ctl_progress_set(struct ctl_progress *p, uint64_t done, uint64_t total);
/* The same for a backend_progress_fn (backend.h): arg is the progress. */
void ctl_progress_fn(void *arg, uint64_t done, uint64_t total);
/* The last bar (at 100% when ok) and the summary line, on stderr. */
void ctl_progress_end(struct ctl_progress *p, int ok);

#endif
