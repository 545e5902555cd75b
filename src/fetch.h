/* fetch: the event loop. libcurl's multi interface drives the transfers;
 * urlfan decides which request starts when.
 *
 * fetch_run() pulls requests from a source only while fewer than the
 * read-ahead bound are waiting, queues each behind its host's semaphore,
 * starts as many as --parallel and the per-host caps allow, applies the
 * retry policy (retry.h) to every finished attempt, and hands every
 * outcome to a callback as a struct result, exactly once per request line.
 * It renders nothing: formats, names and files belong to its caller, and
 * bodies leave it through the body mode and sink it is given. */
#ifndef URLFAN_FETCH_H
#define URLFAN_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"
#include "config.h"
#include "result.h"
#include "sink.h"
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
	/* Optional: false while no request may start because the output
	 * cannot take more records yet (a slow reader): back-pressure. Those
	 * in flight go on. */
	bool (*may_start)(void *ctx);
	/* Optional: a descriptor to wait on for writability (the output
	 * waiting for its reader), or -1; when it is ready, on_idle() is
	 * called again. */
	int (*wait_fd)(void *ctx);
	/* Optional: the reader of out_fd (a pipe or socket) went away, seen
	 * before any write to it failed: return -1 to stop the run, as a
	 * failed write would. Without it, out_fd is not looked at. */
	int (*on_output_gone)(void *ctx);
	int out_fd;
	/* Optional: a request the run drops without a record, because it
	 * stopped (a hook returned -1) before the request was done. */
	void (*dropped)(const struct request *req, void *ctx);
	/* A descriptor that becomes readable when interrupted() may have
	 * changed (a self-pipe written by a signal handler), or -1. fetch
	 * drains it. */
	int wake_fd;
	void *ctx;
	/* Longest wait between on_idle calls, in milliseconds. */
	long idle_ms;
	/* Optional, -p auto: a host's limit was set (first use) or changed;
	 * key is valid during the call. */
	void (*on_host_limit)(const char *key, long limit, void *ctx);
	/* Optional: the request at index belongs to another --shard; it gets
	 * no record. */
	void (*not_mine)(size_t index, void *ctx);
};

/* What to fetch and how: all borrowed for the run. */
struct fetch_params {
	const struct config *cfg;
	struct bounds bounds;
	struct source *src;
	enum body_mode body;
	const struct sink *sink; /* with BODY_SINK */
};

struct fetch_stats {
	size_t requests;       /* records handed to on_result */
	size_t peak_readahead; /* most requests read but not started at once */
	int stopped;           /* a hook asked to stop */
	int input_error;       /* reading the input failed; see the message */
	int interrupted;       /* the highest interruption level acted on */
	int deadline;          /* --deadline passed (acted on as level 1) */
	size_t skipped;        /* requests --skip-done dropped */
	/* At the last on_idle: requests wait for busy (or paused) hosts while
	 * --parallel has room, so the per-host cap is what holds the run
	 * back; and whether that was ever so. */
	int host_bound;
	int host_bound_seen;
	size_t other_shard;  /* requests left to other --shard processes */
	double rate_limited; /* seconds in which a request could have
				started but for --rate or --host-rate
				(kept up to date during the run) */
};

enum fetch_status {
	FETCH_OK,     /* ran to its end, or a hook stopped it */
	FETCH_ESETUP, /* could not start: nothing fetched */
	FETCH_ECURL,  /* libcurl failed mid-run */
	FETCH_ESYS,   /* a system call of the loop failed mid-run (the poller) */
};

/* Run the whole set of requests. err gets the reason for the errors. */
enum fetch_status fetch_run(const struct fetch_params *params, const struct fetch_hooks *hooks,
			    struct fetch_stats *stats, char *err, size_t errlen);

#endif
