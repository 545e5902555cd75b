#include "fetch.h"

#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "adaptive.h"
#include "buf.h"
#include "clock.h"
#include "hostlimit.h"
#include "jobs.h"
#include "loop.h"
#include "multi.h"
#include "msg.h"
#include "num.h"
#include "ratelimit.h"
#include "retry.h"
#include "shard.h"
#include "slots.h"
#include "url.h"
#include "watches.h"
#include "xalloc.h"
#include "xfer.h"

/* The loop's whole state (each easy handle's slot is its CURLINFO_PRIVATE). */
struct fetch {
	const struct config *cfg;
	struct source *src;
	struct multi *multi;
	struct hostlimit *hl;
	struct jobs *jobs;
	struct xfer_env env;
	struct retry_policy retry;
	struct bounds bounds;
	bool input_done;     /* EOF or read error: no more requests */
	bool input_blocked;  /* the source said AGAIN: wait for its fd */
	struct slots *slots; /* the transfers in flight */
	const struct fetch_hooks *hooks;
	struct fetch_stats *stats;
	bool stop;
	int level;              /* interruption acted on: 0, 1 or 2 */
	double deadline_at;     /* 0: no --deadline */
	struct loop *loop;      /* the poller and every timer */
	struct watches watches; /* the wake pipe, the input, the output */
	uint64_t rng;           /* for backoff jitter (retry_uniform()) */
	/* Input is there, but this turn read its share. */
	bool input_busy;
	double now;                       /* the clock at the top of this turn */
	double resumed_at;                /* when the loop last ran again after a stop */
	struct ratelimit rate;            /* --rate, gating every start */
	struct loop_timer rate_timer;     /* armed: a start waits for a token */
	struct loop_timer pause_timer;    /* the next host pause's end */
	struct loop_timer deadline_timer; /* --deadline */
	bool limited;                     /* at limited_t, only a bucket held starts back */
	double limited_t;
};

/* The most request lines one loop turn takes from the input (invalid
 * lines and skipped ones count), and the most input bytes one
 * source_next() reads without a line to hand out: so that signals,
 * timeouts and transfers are served between two turns whatever the
 * input holds (millions of invalid lines, /dev/zero). */
#define READ_TURN_LINES 1024
#define READ_TURN_BYTES (256 * 1024)

static void stop_run(struct fetch *f)
{
	f->stop = true;
	f->stats->stopped = 1;
}

static void deliver(struct fetch *f, const struct result *res)
{
	f->stats->requests++;
	if (f->hooks->on_result(res, f->hooks->ctx) != 0)
		stop_run(f);
}

/* A request that never reached libcurl (or not again), or an invalid
 * line, gets its record here. An invalid line shows only what source.c
 * found safe to show (never a password or a spec's header values). */
static void deliver_error(struct fetch *f, const struct request *req, long attempts,
			  enum err_kind kind, const char *message)
{
	struct result res;
	struct buf masked = BUF_INIT;
	result_describe(&res, req, attempts);
	if (req->error) {
		res.url = req->shown ? req->shown : "";
	} else {
		url_mask(&masked, req->url);
		res.url = masked.data;
		if (strcmp(res.url, req->url) != 0) {
			uint64_t d[2];
			url_digest(req->url, d);
			url_digest_hex(d, res.url_digest);
		}
	}
	res.method = xfer_method(req, f->cfg);
	res.error = kind;
	res.error_message = message;
	deliver(f, &res);
	buf_free(&masked);
}

/* An invalid line's record: where it was and why. */
static void deliver_invalid(struct fetch *f, const struct request *req)
{
	struct buf message = BUF_INIT;
	buf_printf(&message, "line %zu: %s", req->lineno, req->error);
	msg_verbose(1, "[%zu] invalid input: %s", req->index, message.data);
	deliver_error(f, req, 0, ERR_INVALID_INPUT, message.data);
	buf_free(&message);
}

static size_t read_limit(struct fetch *f)
{
	return f->hooks->read_limit ? f->hooks->read_limit(f->hooks->ctx) : SIZE_MAX;
}

/* Pull requests until the read-ahead bound (bounds.h) is reached or input
 * would block, and at most READ_TURN_LINES of them (8 times as many with
 * nothing in flight to serve). Invalid lines are reported at once. */
static void read_input(struct fetch *f)
{
	f->input_blocked = false;
	f->input_busy = false;
	size_t taken = 0;
	/* Retries waiting count too: a failing host must not make urlfan read
	 * all input. The --order input window is asked again every line. */
	while (!f->input_done && !f->stop &&
	       bounds_read_more(&f->bounds, hostlimit_waiting(f->hl) + jobs_delayed(f->jobs),
				jobs_held_bytes(f->jobs), slots_free(f->slots),
				hostlimit_startable(f->hl), hostlimit_hosts(f->hl),
				hostlimit_fresh(f->hl)) &&
	       source_count(f->src) < read_limit(f)) {
		if (taken++ == READ_TURN_LINES * (slots_running(f->slots) ? 1 : 8)) {
			f->input_busy = true;
			return;
		}
		struct request *req;
		switch (source_next(f->src, &req)) {
		case SOURCE_REQUEST:
			if (!shard_mine(&f->cfg->shard, req->index,
					req->error ? NULL : req->hostkey)) {
				f->stats->other_shard++;
				if (f->hooks->not_mine)
					f->hooks->not_mine(req->index, f->hooks->ctx);
				request_free(req);
			} else if (req->error) {
				deliver_invalid(f, req);
				request_free(req);
			} else if (f->hooks->skip && f->hooks->skip(req, f->hooks->ctx)) {
				msg_verbose(1, "[%zu] skipped: done before", req->index);
				f->stats->skipped++;
				request_free(req);
			} else {
				hostlimit_push(f->hl, req->hostkey, jobs_new(f->jobs, req));
			}
			break;
		case SOURCE_AGAIN: f->input_blocked = true; return;
		case SOURCE_BUSY: f->input_busy = true; return;
		case SOURCE_ERROR:
			msg_fatal("%s", source_error(f->src));
			f->stats->input_error = 1;
			f->input_done = true;
			break;
		case SOURCE_EOF: f->input_done = true; break;
		}
	}
	size_t w = hostlimit_waiting(f->hl);
	if (w > f->stats->peak_readahead)
		f->stats->peak_readahead = w;
}

/* Start requests while the global cap and some host's cap allow. */
static void start_ready(struct fetch *f)
{
	if (f->hooks->may_start && !f->hooks->may_start(f->hooks->ctx))
		return;
	while (!f->stop && f->level == 0 && slots_free(f->slots) > 0 && hostlimit_ready(f->hl)) {
		/* --rate gates every start, whatever its host; a host's own
		 * bucket (--host-rate) is hostlimit's. */
		double now = clock_now();
		struct ratelimit before = f->rate;
		double wait = ratelimit_take(&f->rate, now);
		if (wait > 0) {
			loop_timer_set(f->loop, &f->rate_timer, now + wait);
			return;
		}
		struct host *host;
		struct job *job = hostlimit_pop_at(f->hl, now, &host);
		if (!job)
			return;
		struct request *req = job->req;
		char err[256];
		if (hostlimit_down(f->hl, host)) {
			/* Its connects failed in a row: it costs its timeout
			 * once, not once a request, and no --rate token. */
			f->rate = before;
			snprintf(err, sizeof err, "host unreachable, not tried after %ld failures",
				 hostlimit_failures(host));
			msg_verbose(1, "[%zu] %s: %s", req->index, req->hostkey, err);
			deliver_error(f, req, job->attempts, ERR_CONNECT, err);
			hostlimit_release(f->hl, host);
			jobs_free(f->jobs, job);
			continue;
		}
		struct slot *s = slots_start(f->slots, &f->env, req, now, f->cfg->idle_timeout, err,
					     sizeof err);
		if (!s)
			goto fail;
		s->job = job;
		s->host = host;
		job->attempts++;
		if (msg_get_level() >= MSG_VERBOSE) {
			struct buf masked = BUF_INIT;
			url_mask(&masked, req->url);
			msg_verbose(1, "[%zu] start %s (attempt %ld)", req->index, masked.data,
				    job->attempts);
			buf_free(&masked);
		}
		continue;
fail:
		deliver_error(f, req, job->attempts, ERR_IO, err);
		hostlimit_release(f->hl, host);
		jobs_free(f->jobs, job);
	}
}

/* -p auto: let the host's adaptive limit learn from a finished attempt,
 * and apply a change. */
static void adapt(struct fetch *f, struct slot *s, const struct retry_attempt *a)
{
	if (!f->cfg->per_host_auto)
		return;
	double now = clock_now();
	struct adaptive *ad = hostlimit_data(s->host);
	const char *key = hostlimit_key(s->host);
	if (ad->max == 0) {
		adaptive_init(ad, f->cfg->per_host_max);
		if (f->hooks->on_host_limit)
			f->hooks->on_host_limit(key, ad->limit, f->hooks->ctx);
	}
	long before = ad->limit;
	enum adaptive_signal sig =
		adaptive_classify(a->cause, a->status, hostlimit_answered(s->host));
	struct adaptive_change c = adaptive_on_response(ad, sig, now - s->started,
							hostlimit_inflight_of(s->host), now);
	/* Kept until a whole second: the keeps of busy hosts then run out
	 * together, and hostlimit_wake() walks its list at most once a second
	 * for them rather than on nearly every turn. */
	hostlimit_keep(f->hl, s->host, (double)((long long)now + 1) + ADAPTIVE_LINGER);
	if (!c.changed)
		return;
	hostlimit_set_limit(f->hl, s->host, c.limit);
	if (a->status > 0)
		msg_verbose(1, "[%zu] %s limit %ld -> %ld: %s (status %ld)", s->job->req->index,
			    key, before, c.limit, c.reason, a->status);
	else
		msg_verbose(1, "[%zu] %s limit %ld -> %ld: %s", s->job->req->index, key, before,
			    c.limit, c.reason);
	if (f->hooks->on_host_limit)
		f->hooks->on_host_limit(key, c.limit, f->hooks->ctx);
}

/* Apply the retry policy to a finished attempt: pause its host when the
 * server asked for that, and say whether (and after how long) it is tried
 * again. -p auto learns from the attempt here too. */
static struct retry_decision apply_retry(struct fetch *f, struct slot *s, CURLcode rc, char *why,
					 size_t whylen)
{
	struct retry_attempt a;
	xfer_attempt(s->x, rc, &a);
	a.attempt = s->job->attempts;
	a.stopping = f->level > 0;
	enum hostlimit_reach reach =
		a.answered ? HOSTLIMIT_ANSWERED
		: a.cause == CAUSE_REFUSED || a.cause == CAUSE_TIMEOUT || a.cause == CAUSE_RESET
			? HOSTLIMIT_UNREACHED
			: HOSTLIMIT_NO_NEWS;
	a.host_down = hostlimit_reached(f->hl, s->host, reach);
	adapt(f, s, &a);
	struct retry_decision d = retry_decide(&f->retry, &a, retry_uniform(&f->rng));
	/* Only -v tells why; the words cost a printf a request otherwise. */
	if (d.retry && msg_get_level() >= MSG_VERBOSE)
		retry_reason(&a, why, whylen);
	const struct request *req = s->job->req;
	if (d.pause_host > 0) {
		hostlimit_pause(f->hl, req->hostkey, clock_now() + d.pause_host);
		msg_verbose(1, "[%zu] %s paused for %.1fs (Retry-After)", req->index, req->hostkey,
			    d.pause_host);
	}
	return d;
}

/* Give a slot back after its transfer left the multi handle. */
static void free_slot(struct fetch *f, struct slot *s)
{
	hostlimit_release(f->hl, s->host);
	slots_release(f->slots, s);
}

static void finish(struct fetch *f, struct slot *s, CURLcode rc)
{
	slots_stop(f->slots, s);
	struct job *job = s->job;
	struct request *req = job->req;
	char why[64];
	long failed = hostlimit_failures(s->host);
	struct retry_decision d = apply_retry(f, s, rc, why, sizeof why);
	/* Its host just went down: its unanswered attempts end now, not at their timeouts. */
	for (struct slot *o; failed < HOSTLIMIT_DOWN_AFTER && hostlimit_down(f->hl, s->host) &&
			     (o = slots_unanswered(f->slots, s->host, s));) {
		xfer_set_message(o->x, HOSTLIMIT_GIVEN_UP);
		finish(f, o, CURLE_COULDNT_CONNECT);
	}
	if (d.retry) {
		msg_verbose(1, "[%zu] attempt %ld failed (%s), retrying in %.2fs%s", req->index,
			    job->attempts, why, d.delay > d.pause_host ? d.delay : d.pause_host,
			    d.pause_host > 0 ? ", when its host's pause ends" : "");
		xfer_abandon(s->x);
		/* A retry goes to the front of its host's queue when its delay
		 * is over (at once when the host's pause is the wait). */
		if (d.delay > 0) {
			jobs_delay(f->jobs, job, clock_now() + d.delay);
		} else {
			hostlimit_requeue(f->hl, req->hostkey, job);
		}
		free_slot(f, s);
		return;
	}
	struct result res;
	result_describe(&res, req, job->attempts);
	xfer_finish(s->x, rc, &res);
	if (res.error)
		msg_verbose(1, "[%zu] %s: %s", req->index, result_kind_name(res.error),
			    res.error_message);
	else
		msg_verbose(1, "[%zu] %ld in %.3fs, %zu bytes", req->index, res.status,
			    res.time.total, res.size);
	deliver(f, &res);
	xfer_done(s->x);
	free_slot(f, s);
	jobs_free(f->jobs, job);
}

/* A retry whose delay is over goes to the front of its host's queue. */
static void retry_due(struct job *job, void *ctx)
{
	struct fetch *f = ctx;
	hostlimit_requeue(f->hl, job->req->hostkey, job);
}

/* A retry waiting out its delay when the run is interrupted. */
static void abort_delayed(struct job *job, void *arg)
{
	struct fetch *f = arg;
	deliver_error(f, job->req, job->attempts, ERR_ABORTED,
		      "interrupted while waiting to retry");
	jobs_free(f->jobs, job);
}

/* Level 1: no more reading or starting; requests not in flight end now
 * with an aborted record. Level 2: those in flight too. */
static void interrupt(struct fetch *f, int level)
{
	if (level <= f->level)
		return;
	if (f->level == 0) {
		f->input_done = true;
		struct job *job;
		const char *why =
			f->hooks->why_stopped ? f->hooks->why_stopped(f->hooks->ctx) : NULL;
		while ((job = hostlimit_drain(f->hl))) {
			deliver_error(f, job->req, job->attempts, ERR_ABORTED,
				      job->attempts ? "interrupted while waiting to retry"
				      : why         ? why
						    : "interrupted before it started");
			jobs_free(f->jobs, job);
		}
		jobs_take_delayed(f->jobs, abort_delayed, f);
	}
	f->level = level;
	f->stats->interrupted = level;
	if (level < 2)
		return;
	for (size_t i = 0; i < slots_count(f->slots); i++) {
		struct slot *s = slots_at(f->slots, i);
		if (s->job) {
			/* urlfan's words, not libcurl's for a callback's abort. */
			xfer_set_message(s->x, "aborted by a second interrupt");
			finish(f, s, CURLE_ABORTED_BY_CALLBACK);
		}
	}
}

static void check_interrupt(struct fetch *f, double t)
{
	int level = f->hooks->interrupted ? f->hooks->interrupted(f->hooks->ctx) : 0;
	if (f->deadline_at > 0 && t >= f->deadline_at && level < 1) {
		if (!f->stats->deadline)
			msg_warn("--deadline reached: finishing the requests in flight");
		f->stats->deadline = 1;
		level = 1;
	}
	interrupt(f, level);
}

/* --idle-timeout: stop a transfer that has had no byte for that long, or
 * look again when it could first have. Time in which the loop did not run
 * (Ctrl-Z, a suspend) does not count: the bytes may be waiting in the
 * socket, unread. */
static void idle_cb(struct loop_timer *t, void *data)
{
	struct fetch *f = data;
	struct slot *s = (struct slot *)((char *)t - offsetof(struct slot, idle));
	if (f->stop || !slots_idle(f->slots, s, f->now, f->resumed_at, f->cfg->idle_timeout))
		return;
	xfer_idle_expired(s->x, f->cfg->idle_timeout);
	finish(f, s, CURLE_OPERATION_TIMEDOUT);
}

/* The timers that only wake the loop: the turn that follows looks at
 * what they stand for (a --rate token, a host pause's end, --deadline). */
static void wake_cb(struct loop_timer *t, void *data)
{
	(void)t;
	(void)data;
}

static void drain(struct fetch *f)
{
	struct slot *s;
	CURLcode rc;
	while ((s = slots_next_done(f->slots, &rc)))
		finish(f, s, rc);
}

static enum fetch_status status_of(enum multi_status ms)
{
	return ms == MULTI_OK ? FETCH_OK : ms == MULTI_ECURL ? FETCH_ECURL : FETCH_ESYS;
}

/* The time a bucket, not the network, set the pace: a slot was free and a
 * request waiting that only --rate's or a host's empty bucket held back.
 * The state seen at one turn of the loop holds until the next. */
static void account_limited(struct fetch *f, double t)
{
	if (f->limited)
		f->stats->rate_limited += t - f->limited_t;
	f->limited = !f->stop && f->level == 0 && slots_free(f->slots) > 0 &&
		     ((hostlimit_ready(f->hl) && loop_timer_armed(&f->rate_timer)) ||
		      hostlimit_held(f->hl) > 0);
	f->limited_t = t;
}

/* Everything the loop does before it may wait: timers, input, starts,
 * libcurl's timeout action and finished transfers. True when the turn
 * freed slots or delivered records, so the loop refills before waiting. */
static bool turn(struct fetch *f, enum fetch_status *rc, char *err, size_t errlen)
{
	double t = clock_now();
	f->now = t;
	check_interrupt(f, t);
	loop_run_timers(f->loop, t);
	double pause_end = hostlimit_wake(f->hl, t);
	if (pause_end > 0)
		loop_timer_set(f->loop, &f->pause_timer, pause_end);
	read_input(f);
	/* libcurl's connection cache holds the connections worth keeping for
	 * the requests known now: one too small closes idle connections to
	 * hosts that still have work, and every request pays a handshake. */
	multi_keep(f->multi,
		   bounds_connections(&f->bounds, hostlimit_connections(f->hl), f->cfg->parallel));
	start_ready(f);
	account_limited(f, t);
	size_t before = f->stats->requests, free_before = slots_free(f->slots);
	if (!f->stop && (*rc = status_of(multi_timeout(f->multi, err, errlen))) != FETCH_OK)
		return false;
	if (!f->stop)
		drain(f);
	return f->stats->requests != before || slots_free(f->slots) != free_before;
}

static bool all_done(const struct fetch *f)
{
	return slots_running(f->slots) == 0 && hostlimit_waiting(f->hl) == 0 &&
	       jobs_delayed(f->jobs) == 0 && f->input_done;
}

/* Before the loop waits: output flushed, what waits for its host noted,
 * the input and output fds watched as their state asks. */
static enum fetch_status before_wait(struct fetch *f, char *err, size_t errlen)
{
	/* start_ready() stopped with slots free: what waits, waits for its
	 * host. */
	f->stats->host_bound =
		f->level == 0 && slots_free(f->slots) > 0 && hostlimit_waiting(f->hl) > 0;
	if (f->stats->host_bound)
		f->stats->host_bound_seen = 1;
	if (f->hooks->on_idle && f->hooks->on_idle(f->hooks->ctx, slots_running(f->slots)) != 0) {
		stop_run(f);
		return FETCH_OK;
	}
	watches_input(&f->watches, f->input_blocked && !f->input_done);
	watches_output(&f->watches, f->hooks->wait_fd ? f->hooks->wait_fd(f->hooks->ctx) : -1);
	if (f->watches.err) {
		snprintf(err, errlen, "watching a descriptor: %s", strerror(f->watches.err));
		return FETCH_ESYS;
	}
	return FETCH_OK;
}

static enum fetch_status run(struct fetch *f, char *err, size_t errlen)
{
	enum fetch_status rc = FETCH_OK;
	for (;;) {
		if (f->stop || all_done(f))
			return FETCH_OK;
		bool moved = turn(f, &rc, err, errlen);
		if (rc != FETCH_OK || f->stop)
			return rc;
		if (moved || all_done(f))
			continue; /* slots freed: refill before waiting */
		if ((rc = before_wait(f, err, errlen)) != FETCH_OK || f->stop)
			return rc;
		double until = clock_now() + (f->input_busy ? 0 : (double)f->hooks->idle_ms / 1000);
		if (loop_poll(f->loop, until) < 0) {
			snprintf(err, errlen, "waiting for events: %s", strerror(errno));
			return FETCH_ESYS;
		}
		if (loop_overslept(f->loop) > 0)
			f->resumed_at = clock_now();
		/* The reader of the output went away (| head): stop now. */
		if (f->watches.gone && f->hooks->on_output_gone(f->hooks->ctx) != 0) {
			stop_run(f);
			return FETCH_OK;
		}
		if ((rc = status_of(multi_failed(f->multi, err, errlen))) != FETCH_OK)
			return rc;
	}
}

/* Tear down. After a stop, requests still queued or in flight get no
 * record: the output they would go to is gone. */
static void drop(struct job *job, void *arg)
{
	struct fetch *f = arg;
	if (f->hooks->dropped)
		f->hooks->dropped(job->req, f->hooks->ctx);
	jobs_free(f->jobs, job);
}

static void teardown(struct fetch *f)
{
	struct job *job;
	while (f->hl && (job = hostlimit_drain(f->hl)))
		drop(job, f);
	for (size_t i = 0; f->slots && i < slots_count(f->slots); i++) {
		struct slot *s = slots_at(f->slots, i);
		if (s->job) {
			slots_stop(f->slots, s);
			xfer_abandon(s->x);
			drop(s->job, f);
		}
	}
	slots_destroy(f->slots);
	if (f->jobs)
		jobs_take_delayed(f->jobs, drop, f);
	jobs_destroy(f->jobs);
	hostlimit_destroy(f->hl);
	xfer_env_free(&f->env);
}

/* The loop, the multi handle and the slots, wired to each other. */
static enum fetch_status open_loop(struct fetch *f, char *err, size_t errlen)
{
	if (!(f->loop = loop_create(err, errlen)))
		return FETCH_ESETUP;
	if (watches_init(&f->watches, f->loop, f->hooks->wake_fd, source_fd(f->src),
			 f->hooks->on_output_gone ? f->hooks->out_fd : -1) != 0) {
		snprintf(err, errlen, "watching the wake-up pipe: %s", strerror(errno));
		return FETCH_ESETUP;
	}
	loop_timer_init(&f->rate_timer, wake_cb, f);
	loop_timer_init(&f->pause_timer, wake_cb, f);
	loop_timer_init(&f->deadline_timer, wake_cb, f);
	if (f->deadline_at > 0)
		loop_timer_set(f->loop, &f->deadline_timer, f->deadline_at);
	long keep = bounds_connections(&f->bounds, 0, f->cfg->parallel);
	if (!(f->multi = multi_create(f->loop, keep, err, errlen)))
		return FETCH_ESETUP;
	f->jobs = jobs_create(f->loop, retry_due, f);
	f->slots = slots_create((size_t)f->cfg->parallel, f->loop, f->multi, idle_cb, f);
	return FETCH_OK;
}

enum fetch_status fetch_run(const struct fetch_params *params, const struct fetch_hooks *hooks,
			    struct fetch_stats *stats, char *err, size_t errlen)
{
	const struct config *cfg = params->cfg;
	struct fetch f = {
		.cfg = cfg,
		.src = params->src,
		.bounds = params->bounds,
		.retry = {cfg->retry, cfg->retry_delay, cfg->retry_max_delay,
			  cfg->retry_all_methods, cfg->retry_all_errors},
		.hooks = hooks,
		.stats = stats,
		.deadline_at = cfg->deadline > 0 ? clock_now() + cfg->deadline : 0,
		.rng = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid() ^
		       0x9E3779B97F4A7C15ULL,
	};
	source_yield_after(f.src, READ_TURN_BYTES);
	memset(stats, 0, sizeof *stats);
	enum fetch_status rc = FETCH_ESETUP;
	if (cfg->per_host_auto) {
		f.hl = hostlimit_create(adaptive_start(cfg->per_host_max));
		hostlimit_set_data_size(f.hl, sizeof(struct adaptive));
	} else {
		f.hl = hostlimit_create(cfg->per_host);
	}
	hostlimit_set_rate(f.hl, cfg->host_rate);
	ratelimit_init(&f.rate, cfg->rate);
	if (xfer_env_init(&f.env, cfg, params->body, params->sink, err, errlen) != 0)
		goto out;
	if ((rc = open_loop(&f, err, errlen)) == FETCH_OK)
		rc = run(&f, err, errlen);
	/* After the last transfer, even after a stop: the cookies so far. */
	xfer_env_save_cookies(&f.env, stats->jar_error, sizeof stats->jar_error);
out:
	/* The source goes back to its caller as it came: one that reads on
	 * (--save-unfinished) must not stop at a SOURCE_BUSY. */
	source_yield_after(f.src, 0);
	teardown(&f);
	multi_destroy(f.multi);
	loop_destroy(f.loop);
	return rc;
}
