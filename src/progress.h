/* progress: the stderr progress line and the end-of-run summary.
 *
 * A progress counts finished records (progress_record) and, when asked to,
 * redraws one status line in place on its stream (progress_tick). At the
 * end it writes a summary: counts, HTTP failures by status, errors by kind,
 * latency percentiles, bytes, wall time, request rate, busiest hosts.
 *
 * Memory is constant whatever the run's length or number of hosts: latency
 * goes into a log-bucketed histogram (percentiles within 4.4% of the true
 * value, max exact) and hosts into a 64-counter Space-Saving table (counts
 * are exact while at most 64 distinct hosts have been seen, approximate
 * upper bounds beyond that; any host with more than 1/64 of the requests is
 * always listed).
 *
 * No clock is read here: the caller passes `now`, seconds from a monotonic
 * clock, so tests can drive time. The run's start is the `now` of the first
 * progress_tick() call; call it once right after progress_create().
 *
 * The progress owns nothing of the caller's: the streams stay the caller's
 * to close (after progress_destroy), and results are only read during
 * progress_record(). */
#ifndef URLFAN_PROGRESS_H
#define URLFAN_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result.h"

/* Every function accepts a NULL progress and then does nothing, so that a
 * run without a line or --stats needs no checks. */
struct progress;

/* total: number of request lines when known in advance, or -1. line: draw
 * the one-line progress display on `to` (stderr); the caller decides (tty,
 * --progress, --no-progress). `to` must stay open until progress_destroy(). */
struct progress *progress_create(FILE *to, bool line, long long total);
/* Does not erase the line: call progress_clear() first. Accepts NULL. */
void progress_destroy(struct progress *p);

/* Count one finished record. res->host is empty for invalid
 * lines: such records count everywhere but in the host table. */
void progress_record(struct progress *p, const struct result *res);

/* -p auto: the limit of the host key is now limit. The summary lists it,
 * with the highest, beside the host's count (for the hosts it lists). */
void progress_host_limit(struct progress *p, const char *key, long limit);

/* The seconds so far in which a rate limit (--rate, --host-rate), not the
 * network, held back a request that could have started; the line and the
 * summary show it as a share of the run ("rate-limited 61%"). */
void progress_rate_limited(struct progress *p, double seconds);

/* Call often (before the event loop waits, and after records): redraws the
 * line at most 10 times a second, and never when line was false. now:
 * seconds from a monotonic clock; the first call's now is the run's start.
 * inflight: requests running. */
void progress_tick(struct progress *p, double now, size_t inflight);

/* The terminal's width in columns (0: unknown): the line is laid out to
 * fit one column short of it, leaving out first the ETA, then the rate,
 * then the per-host note, the aborted and failed counts and the requests
 * in flight, and at last the percentage, so it never wraps. A new width
 * is drawn at the next progress_tick(), however soon. */
void progress_set_width(struct progress *p, int columns);
/* For a stream that is no terminal (a CI log): instead of redrawing, write
 * the line as plain text and a newline, no carriage return, no escape,
 * every interval seconds. progress_clear() then has nothing to erase. */
void progress_set_plain(struct progress *p, double interval);
/* In that mode, the last line, at the end of the run, however soon. */
void progress_plain_final(struct progress *p, double now, size_t inflight);
/* Whether the per-host cap (per_host), not -j, holds requests back now:
 * the line then says "6/6 per host". */
void progress_set_host_bound(struct progress *p, long per_host, bool bound);
/* The run was interrupted: the requests in flight show as finishing. */
void progress_set_finishing(struct progress *p);

/* Erase the progress line, if it is on screen, so that the terminal is left
 * clean; call at the end and before printing anything else to `to`. Writes
 * nothing when no line is shown. The next progress_tick() that is due draws
 * it again. */
void progress_clear(struct progress *p);

/* Write the end-of-run summary to `to`: a few lines of text, or one JSON
 * object and a newline when json. now: the same clock as progress_tick();
 * wall time is now minus the first tick's now (0 when there was no tick).
 * The progress line is cleared first. */
void progress_summary(struct progress *p, FILE *to, bool json, double now);

#endif
