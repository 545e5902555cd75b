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

#include <stddef.h>

#include "opts.h"
#include "result.h"
#include "source.h"

/* Called once per request line, in completion order. Return 0 to go on,
 * -1 to stop the run at once (the output is gone). */
typedef int (*fetch_result_cb)(const struct result *res, void *ctx);
/* Called before the loop blocks, e.g. to flush buffered output. Return 0,
 * or -1 to stop at once. */
typedef int (*fetch_idle_cb)(void *ctx);

struct fetch_stats {
	size_t requests;  /* records handed to the callback */
	size_t peak_readahead; /* most requests read but not started at once */
	int stopped;      /* a callback asked to stop */
	int input_error;  /* reading the input failed; see the message */
};

/* Run the whole set of requests from src. Returns 0 when the loop ran to
 * its end (or was stopped by a callback), -1 when libcurl could not be set
 * up; err gets the reason. */
int fetch_run(const struct config *cfg, struct source *src, fetch_result_cb on_result,
	      fetch_idle_cb on_idle, void *ctx, struct fetch_stats *stats,
	      char *err, size_t errlen);

/* The read-ahead bound for a config: requests read but not yet started. */
size_t fetch_readahead(const struct config *cfg);

#endif
