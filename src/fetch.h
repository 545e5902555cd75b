/* fetch: the event loop. libcurl's multi interface drives the transfers;
 * urlfan decides which request starts when.
 *
 * fetch_run() pulls requests from a source only while fewer than its
 * read-ahead bound are waiting, queues each behind its host's semaphore,
 * starts as many as --parallel and the per-host caps allow, and hands every
 * outcome to a callback as a struct result, exactly once per request line.
 * It knows nothing of output formats. */
#ifndef URLFAN_FETCH_H
#define URLFAN_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "opts.h"
#include "result.h"
#include "source.h"

/* What fetch hands back to its caller. ctx is passed to each. */
struct fetch_hooks {
	/* Once per request line, in completion order. Return 0 to go on, -1
	 * to stop the run at once (the output is gone). */
	int (*on_result)(const struct result *res, void *ctx);
	/* Before the loop blocks (to flush output, redraw progress), with
	 * the number of requests in flight. Return 0, or -1 to stop. */
	int (*on_idle)(void *ctx, size_t inflight);
	/* Optional: requests with index >= this must not be read yet
	 * (--order input's window). */
	size_t (*read_limit)(void *ctx);
	/* Optional: true when a valid request needs no fetching (--skip-done).
	 * It then gets no record. */
	bool (*skip)(const struct request *req, void *ctx);
	/* Optional: the interruption level asked for so far: 0 none, 1 stop
	 * starting requests (first SIGINT), 2 abort those in flight. */
	int (*interrupted)(void *ctx);
	/* A descriptor that becomes readable when interrupted() may have
	 * changed (a self-pipe written by a signal handler), or -1. fetch
	 * drains it. */
	int wake_fd;
	void *ctx;
	/* Longest wait between on_idle calls, in milliseconds. */
	long idle_ms;
};

struct fetch_stats {
	size_t requests;  /* records handed to on_result */
	size_t peak_readahead; /* most requests read but not started at once */
	int stopped;      /* a hook asked to stop */
	int input_error;  /* reading the input failed; see the message */
	int interrupted;  /* the highest interruption level acted on */
	int deadline;     /* --deadline passed (acted on as level 1) */
	size_t skipped;   /* requests --skip-done dropped */
};

enum {
	FETCH_OK = 0,      /* ran to its end, or a hook stopped it */
	FETCH_ESETUP = -1, /* could not start (bad -O directory...): nothing fetched */
	FETCH_ECURL = -2,  /* libcurl failed mid-run */
};

/* Run the whole set of requests from src. Returns a FETCH_ code; err gets
 * the reason for the errors. */
int fetch_run(const struct config *cfg, struct source *src,
	      const struct fetch_hooks *hooks, struct fetch_stats *stats,
	      char *err, size_t errlen);

/* The read-ahead bound for a config: requests read but not yet started. */
size_t fetch_readahead(const struct config *cfg);

#endif
