#include "fetch.h"

#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "adaptive.h"
#include "buf.h"
#include "clock.h"
#include "deadlines.h"
#include "hostlimit.h"
#include "msg.h"
#include "num.h"
#include "ratelimit.h"
#include "retry.h"
#include "shard.h"
#include "url.h"
#include "wake.h"
#include "xalloc.h"
#include "xfer.h"

/* A request the engine holds, from the moment it is read until its record
 * is delivered: the input's request and the engine's own count of tries. */
struct job {
	struct request *req;
	long attempts;
};

/* One request in flight. Each slot keeps its xfer (and so its easy handle
 * and buffers) for the next request it runs; CURLINFO_PRIVATE points here. */
struct slot {
	struct xfer *x;
	struct job *job;
	struct host *host;
	double started; /* when the attempt was added, for -p auto */
};

/* -p auto keeps what it learnt about an idle host this long (seconds), so
 * that a host whose requests all wait out a retry delay, or come in bursts,
 * does not start over from ADAPTIVE_START. */
#define ADAPT_LINGER 30.0

/* A request waiting out its retry delay; it holds no slot meanwhile. */
struct delayed {
	double due;
	struct job *job;
};

/* The loop's whole state: one struct, one xfer per easy handle (found
 * again through CURLINFO_PRIVATE). */
struct fetch {
	const struct config *cfg;
	struct source *src;
	CURLM *multi;
	struct hostlimit *hl;
	struct xfer_env env;
	struct retry_policy retry;
	size_t readahead;
	bool input_done;    /* EOF or read error: no more requests */
	bool input_blocked; /* the source said AGAIN: wait for its fd */
	size_t running;     /* easy handles in the multi handle */
	struct slot *slots; /* --parallel of them */
	size_t *free_slots; /* a stack of indexes of idle slots */
	size_t nfree;
	const struct fetch_hooks *hooks;
	struct fetch_stats *stats;
	bool stop;
	int level;            /* interruption acted on: 0, 1 or 2 */
	double deadline_at;   /* 0: no --deadline */
	int epfd;             /* epoll: libcurl's sockets, the wake fd, input */
	int epoll_errno;      /* an epoll_ctl() that failed: the loop stops */
	double curl_due;      /* when libcurl wants its timeout action; 0: never */
	bool input_watched;   /* the input fd is in the epoll set */
	int out_watched;      /* the output fd in the epoll set for EPOLLOUT, or -1 */
	struct delayed *heap; /* retries, a min-heap on due */
	size_t nheap, capheap;
	uint64_t rng; /* for backoff jitter */
	/* Input is there, but this turn read its share. */
	bool input_busy;
	/* --idle-timeout: when to look at which slot; NULL without it. */
	struct deadlines *idle;
	struct ratelimit rate; /* --rate, gating every start */
	double rate_due;       /* a start waits for --rate's token until then */
	bool limited;          /* at limited_t, only a bucket held starts back */
	double limited_t;
};

/* The most request lines one loop turn takes from the input (invalid
 * lines and skipped ones count), and the most input bytes one
 * source_next() reads without a line to hand out: so that signals,
 * timeouts and transfers are served between two turns whatever the
 * input holds (millions of invalid lines, /dev/zero). */
#define READ_TURN_LINES 1024
#define READ_TURN_BYTES (256 * 1024)

/* A uniform number in [0, 1): xorshift64*, enough for jitter. */
static double uniform(struct fetch *f)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return (double)((f->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static void heap_push(struct fetch *f, double due, struct job *job)
{
	if (f->nheap == f->capheap) {
		f->capheap = f->capheap ? f->capheap * 2 : 16;
		f->heap = xrealloc(f->heap, f->capheap * sizeof *f->heap);
	}
	size_t i = f->nheap++;
	while (i > 0 && f->heap[(i - 1) / 2].due > due) {
		f->heap[i] = f->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	f->heap[i] = (struct delayed){due, job};
}

static struct job *heap_pop(struct fetch *f)
{
	struct job *top = f->heap[0].job;
	struct delayed last = f->heap[--f->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= f->nheap)
			break;
		if (c + 1 < f->nheap && f->heap[c + 1].due < f->heap[c].due)
			c++;
		if (f->heap[c].due >= last.due)
			break;
		f->heap[i] = f->heap[c];
		i = c;
	}
	if (f->nheap)
		f->heap[i] = last;
	return top;
}

static struct job *job_new(struct request *req)
{
	struct job *job = xmalloc(sizeof *job);
	job->req = req;
	job->attempts = 0;
	return job;
}

static void job_free(struct job *job)
{
	if (!job)
		return;
	request_free(job->req);
	free(job);
}

/* The request's own part of its result: who it is, not what happened. */
static void describe(struct result *res, const struct request *req, long attempts)
{
	memset(res, 0, sizeof *res);
	res->index = req->index;
	res->id = req->id;
	res->line = req->line;
	res->line_len = req->line_len;
	res->host = req->error ? "" : req->hostkey;
	if (!req->error)
		url_path(req->url, &res->path, &res->path_len);
	res->attempts = attempts;
}

static void deliver(struct fetch *f, const struct result *res)
{
	f->stats->requests++;
	if (f->hooks->on_result(res, f->hooks->ctx) != 0) {
		f->stop = true;
		f->stats->stopped = 1;
	}
}

/* A request that never reached libcurl (or not again), or an invalid
 * line, gets its record here. An invalid line shows only what source.c
 * found safe to show (never a password or a spec's header values). */
static void deliver_error(struct fetch *f, const struct request *req, long attempts,
			  enum err_kind kind, const char *message)
{
	struct result res;
	struct buf masked = BUF_INIT;
	describe(&res, req, attempts);
	if (req->error) {
		res.url = req->shown ? req->shown : "";
	} else {
		url_mask(&masked, req->url);
		res.url = masked.data;
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

/* Pull requests until the read-ahead bound is reached or input would
 * block, and at most READ_TURN_LINES of them. Invalid lines are reported
 * at once: they never wait. */
static void read_input(struct fetch *f)
{
	f->input_blocked = false;
	f->input_busy = false;
	size_t taken = 0;
	/* Requests waiting for a retry count against the bound too: a host
	 * that fails everything must not make urlfan read the whole input.
	 * The --order input window is asked again for every line: another
	 * shard's line moves it on at once. */
	while (!f->input_done && !f->stop && hostlimit_waiting(f->hl) + f->nheap < f->readahead &&
	       source_count(f->src) < read_limit(f)) {
		if (taken++ == READ_TURN_LINES) {
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
				hostlimit_push(f->hl, req->hostkey, job_new(req));
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
	while (!f->stop && f->level == 0 && f->nfree > 0 && hostlimit_ready(f->hl)) {
		/* --rate gates every start, whatever its host; a host's own
		 * bucket (--host-rate) is hostlimit's. */
		double now = clock_now();
		double wait = ratelimit_take(&f->rate, now);
		if (wait > 0) {
			f->rate_due = now + wait;
			return;
		}
		struct host *host;
		struct job *job = hostlimit_pop_at(f->hl, now, &host);
		if (!job)
			return;
		struct request *req = job->req;
		struct slot *s = &f->slots[f->free_slots[f->nfree - 1]];
		char err[256];
		if (!s->x && !(s->x = xfer_create())) {
			snprintf(err, sizeof err, "cannot create a transfer");
			goto fail;
		}
		if (xfer_setup(s->x, &f->env, req, err, sizeof err) != 0)
			goto fail;
		curl_easy_setopt(xfer_easy(s->x), CURLOPT_PRIVATE, s);
		CURLMcode mc = curl_multi_add_handle(f->multi, xfer_easy(s->x));
		if (mc != CURLM_OK) {
			xfer_abandon(s->x);
			snprintf(err, sizeof err, "%s", curl_multi_strerror(mc));
			goto fail;
		}
		s->job = job;
		s->host = host;
		s->started = now;
		f->nfree--;
		f->running++;
		job->attempts++;
		if (f->idle)
			deadlines_set(f->idle, (size_t)(s - f->slots), now + f->cfg->idle_timeout);
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
		job_free(job);
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
	struct adaptive_change c =
		adaptive_on_response(ad, adaptive_classify(a->cause, a->status), now - s->started,
				     hostlimit_inflight_of(s->host), now);
	/* Kept until a whole second: the keeps of busy hosts then run out
	 * together, and hostlimit_wake() walks its list at most once a second
	 * for them rather than on nearly every turn. */
	hostlimit_keep(f->hl, s->host, (double)((long long)now + 1) + ADAPT_LINGER);
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
	adapt(f, s, &a);
	struct retry_decision d = retry_decide(&f->retry, &a, uniform(f));
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
	if (f->idle)
		deadlines_clear(f->idle, (size_t)(s - f->slots));
	hostlimit_release(f->hl, s->host);
	s->job = NULL;
	s->host = NULL;
	f->free_slots[f->nfree++] = (size_t)(s - f->slots);
}

static void finish(struct fetch *f, struct slot *s, CURLcode rc)
{
	curl_multi_remove_handle(f->multi, xfer_easy(s->x));
	f->running--;
	struct job *job = s->job;
	struct request *req = job->req;
	char why[64];
	struct retry_decision d = apply_retry(f, s, rc, why, sizeof why);
	if (d.retry) {
		msg_verbose(1, "[%zu] attempt %ld failed (%s), retrying in %.2fs%s", req->index,
			    job->attempts, why, d.delay > d.pause_host ? d.delay : d.pause_host,
			    d.pause_host > 0 ? ", when its host's pause ends" : "");
		xfer_abandon(s->x);
		/* A retry goes to the front of its host's queue when its delay
		 * is over (at once when the host's pause is the wait). */
		if (d.delay > 0)
			heap_push(f, clock_now() + d.delay, job);
		else
			hostlimit_requeue(f->hl, req->hostkey, job);
		free_slot(f, s);
		return;
	}
	struct result res;
	describe(&res, req, job->attempts);
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
	job_free(job);
}

/* Retries whose delay is over go to the front of their host's queue. */
static void requeue_due(struct fetch *f, double t)
{
	while (f->nheap && f->heap[0].due <= t) {
		struct job *job = heap_pop(f);
		hostlimit_requeue(f->hl, job->req->hostkey, job);
	}
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
			job_free(job);
		}
		while (f->nheap) {
			job = heap_pop(f);
			deliver_error(f, job->req, job->attempts, ERR_ABORTED,
				      "interrupted while waiting to retry");
			job_free(job);
		}
	}
	f->level = level;
	f->stats->interrupted = level;
	if (level < 2)
		return;
	for (size_t i = 0; i < (size_t)f->cfg->parallel; i++) {
		if (f->slots[i].job) {
			/* urlfan's words, not libcurl's for a callback's abort. */
			xfer_set_message(f->slots[i].x, "aborted by a second interrupt");
			finish(f, &f->slots[i], CURLE_ABORTED_BY_CALLBACK);
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

/* --idle-timeout: stop the transfers that have had no byte for that long.
 * Only the slots whose deadline has come are looked at; one still busy
 * gets its next deadline. */
static void stop_idle(struct fetch *f, double t)
{
	size_t id;
	double due;
	while (f->idle && !f->stop && deadlines_first(f->idle, &id, &due) && due <= t) {
		struct slot *s = &f->slots[id];
		double next = deadlines_idle_next(xfer_active_at(s->x), t, f->cfg->idle_timeout);
		if (next > 0) {
			deadlines_set(f->idle, id, next);
			continue;
		}
		xfer_idle_expired(s->x, f->cfg->idle_timeout);
		finish(f, s, CURLE_OPERATION_TIMEDOUT);
	}
}

/* How long the loop may sleep: until the next idle call, retry or pause
 * end or the deadline, whichever comes first. */
static int wait_ms(struct fetch *f, double t)
{
	if (f->input_busy)
		return 0; /* more input is there: only look around */
	double wake = t + (double)f->hooks->idle_ms / 1000;
	double pause_end = hostlimit_wake(f->hl, t);
	if (pause_end > 0 && pause_end < wake)
		wake = pause_end;
	if (f->nheap && f->heap[0].due < wake)
		wake = f->heap[0].due;
	if (f->rate_due > t && f->rate_due < wake)
		wake = f->rate_due;
	if (f->deadline_at > 0 && !f->stats->deadline && f->deadline_at < wake)
		wake = f->deadline_at;
	size_t id;
	double idle_due;
	if (f->idle && deadlines_first(f->idle, &id, &idle_due) && idle_due < wake)
		wake = idle_due;
	double ms = (wake - t) * 1000;
	return ms < 0 ? 0 : (int)num_ceil(ms);
}

static void drain(struct fetch *f)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct slot *s = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		finish(f, s, m->data.result);
	}
}

/* libcurl tells which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when
 * to call it back (CURLMOPT_TIMERFUNCTION); the loop waits in epoll_wait
 * and hands each ready socket to curl_multi_socket_action, so a wake-up
 * costs work in proportion to the sockets that are ready, not to the
 * transfers in flight (--parallel 1000 against slow servers). */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct fetch *f = userp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		/* libcurl may have closed the socket already (EBADF), which
		 * took it out of the set. */
		if (epoll_ctl(f->epfd, EPOLL_CTL_DEL, fd, NULL) != 0 && errno != EBADF &&
		    errno != ENOENT)
			f->epoll_errno = errno;
		return 0;
	}
	struct epoll_event ev = {
		.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) |
			  (what & CURL_POLL_OUT ? EPOLLOUT : 0u),
		.data.fd = fd,
	};
	/* A socket libcurl has not seen before, or again after a REMOVE,
	 * comes with no socketp: it is added and marked, which saves a failed
	 * EPOLL_CTL_MOD a connection (and a reuse). A MOD that finds nothing
	 * still adds. */
	int rc;
	if (!socketp) {
		if ((rc = epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev)) != 0 && errno == EEXIST)
			rc = epoll_ctl(f->epfd, EPOLL_CTL_MOD, fd, &ev);
		curl_multi_assign(f->multi, fd, f);
	} else if ((rc = epoll_ctl(f->epfd, EPOLL_CTL_MOD, fd, &ev)) != 0 && errno == ENOENT) {
		rc = epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
	/* A socket that cannot be watched would leave its transfer hanging
	 * until a timeout: stop the run instead. */
	if (rc != 0)
		f->epoll_errno = errno;
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetch *f = userp;
	(void)multi;
	f->curl_due = timeout_ms < 0 ? 0 : clock_now() + (double)timeout_ms / 1000;
	return 0;
}

/* Watch the input's fd only while the loop is waiting for input. */
static void watch_input(struct fetch *f, bool want)
{
	if (want == f->input_watched)
		return;
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = source_fd(f->src)};
	if (epoll_ctl(f->epfd, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, ev.data.fd, &ev) != 0)
		f->epoll_errno = errno;
	f->input_watched = want;
}

/* Watch the output's fd for writability while it has bytes waiting. */
static void watch_output(struct fetch *f)
{
	int fd = f->hooks->wait_fd ? f->hooks->wait_fd(f->hooks->ctx) : -1;
	if (fd == f->out_watched)
		return;
	if (f->out_watched >= 0 && epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->out_watched, NULL) != 0)
		f->epoll_errno = errno;
	struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
	if (fd >= 0 && epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		f->epoll_errno = errno;
	f->out_watched = fd;
}

static enum fetch_status act(struct fetch *f, curl_socket_t fd, int flags, char *err, size_t errlen)
{
	int still;
	CURLMcode mc = curl_multi_socket_action(f->multi, fd, flags, &still);
	if (mc != CURLM_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
		return FETCH_ECURL;
	}
	if (f->epoll_errno) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(f->epoll_errno));
		return FETCH_ESYS;
	}
	return FETCH_OK;
}

/* The time a bucket, not the network, set the pace: a slot was free and a
 * request waiting that only --rate's or a host's empty bucket held back.
 * The state seen at one turn of the loop holds until the next. */
static void account_limited(struct fetch *f, double t)
{
	if (f->limited)
		f->stats->rate_limited += t - f->limited_t;
	f->limited = !f->stop && f->level == 0 && f->nfree > 0 &&
		     ((hostlimit_ready(f->hl) && f->rate_due > t) || hostlimit_held(f->hl) > 0);
	f->limited_t = t;
}

static enum fetch_status loop(struct fetch *f, char *err, size_t errlen)
{
	enum fetch_status rc;
	struct epoll_event events[64];
	for (;;) {
		double t = clock_now();
		check_interrupt(f, t);
		stop_idle(f, t);
		hostlimit_wake(f->hl, t);
		requeue_due(f, t);
		read_input(f);
		start_ready(f);
		account_limited(f, t);
		if (f->stop)
			return FETCH_OK;
		if (f->running == 0 && hostlimit_waiting(f->hl) == 0 && f->nheap == 0 &&
		    f->input_done)
			return FETCH_OK;
		size_t before = f->stats->requests, free_before = f->nfree;
		if (f->curl_due > 0 && clock_now() >= f->curl_due) {
			f->curl_due = 0;
			if ((rc = act(f, CURL_SOCKET_TIMEOUT, 0, err, errlen)) != FETCH_OK)
				return rc;
		}
		drain(f);
		if (f->stop)
			return FETCH_OK;
		if (f->stats->requests != before || f->nfree != free_before)
			continue; /* slots freed: refill before waiting */
		/* start_ready() stopped with slots free: what waits, waits for
		 * its host. */
		f->stats->host_bound =
			f->level == 0 && f->nfree > 0 && hostlimit_waiting(f->hl) > 0;
		if (f->stats->host_bound)
			f->stats->host_bound_seen = 1;
		if (f->hooks->on_idle && f->hooks->on_idle(f->hooks->ctx, f->running) != 0) {
			f->stop = true;
			f->stats->stopped = 1;
			return FETCH_OK;
		}
		watch_input(f, f->input_blocked && !f->input_done);
		watch_output(f);
		if (f->epoll_errno) {
			snprintf(err, errlen, "epoll_ctl: %s", strerror(f->epoll_errno));
			return FETCH_ESYS;
		}
		t = clock_now();
		int ms = wait_ms(f, t);
		if (f->curl_due > 0) {
			double cm = num_ceil((f->curl_due - t) * 1000);
			if (cm < ms)
				ms = cm < 0 ? 0 : (int)cm;
		}
		int n = epoll_wait(f->epfd, events, 64, ms);
		if (n < 0 && errno != EINTR) {
			snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
			return FETCH_ESYS;
		}
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			if (fd == f->hooks->wake_fd) {
				wake_drain(fd);
				continue;
			}
			if (f->input_watched && fd == source_fd(f->src))
				continue; /* read_input() reads it next time round */
			if (fd == f->out_watched)
				continue; /* on_idle() writes next time round */
			int flags =
				(events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
				(events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
				(events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
			if ((rc = act(f, fd, flags, err, errlen)) != FETCH_OK)
				return rc;
		}
	}
}

/* Tear down. After a stop, requests still queued or in flight get no
 * record: the output they would go to is gone. */
static void drop(struct fetch *f, struct job *job)
{
	if (f->hooks->dropped)
		f->hooks->dropped(job->req, f->hooks->ctx);
	job_free(job);
}

static void teardown(struct fetch *f)
{
	struct job *job;
	while (f->hl && (job = hostlimit_drain(f->hl)))
		drop(f, job);
	for (size_t i = 0; f->slots && i < (size_t)f->cfg->parallel; i++) {
		struct slot *s = &f->slots[i];
		if (s->job) {
			curl_multi_remove_handle(f->multi, xfer_easy(s->x));
			xfer_abandon(s->x);
			drop(f, s->job);
		}
		xfer_destroy(s->x);
	}
	for (size_t i = 0; i < f->nheap; i++)
		drop(f, f->heap[i].job);
	free(f->heap);
	hostlimit_destroy(f->hl);
	deadlines_destroy(f->idle);
	xfer_env_free(&f->env);
	free(f->slots);
	free(f->free_slots);
}

/* The multi handle and the epoll set, wired to each other. */
static enum fetch_status open_loop(struct fetch *f, char *err, size_t errlen)
{
	if (!(f->multi = curl_multi_init())) {
		snprintf(err, errlen, "cannot initialise libcurl's multi handle");
		return FETCH_ESETUP;
	}
	if ((f->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		return FETCH_ESETUP;
	}
	if (f->hooks->wake_fd >= 0) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = f->hooks->wake_fd};
		if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->hooks->wake_fd, &ev) != 0) {
			snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
			return FETCH_ESETUP;
		}
	}
	/* The per-host cap is ours (a semaphore over requests); libcurl may
	 * open as many connections as that needs, and keep them for reuse. */
	CURLMcode mc;
	if ((mc = curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, socket_cb)) ||
	    (mc = curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f)) ||
	    (mc = curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb)) ||
	    (mc = curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f)) ||
	    (mc = curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)f->cfg->parallel * 2))) {
		snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
		return FETCH_ESETUP;
	}
	return FETCH_OK;
}

enum fetch_status fetch_run(const struct fetch_params *params, const struct fetch_hooks *hooks,
			    struct fetch_stats *stats, char *err, size_t errlen)
{
	const struct config *cfg = params->cfg;
	struct fetch f = {
		.cfg = cfg,
		.src = params->src,
		.readahead = params->bounds.readahead,
		.retry = {cfg->retry, cfg->retry_delay, cfg->retry_max_delay,
			  cfg->retry_all_methods, cfg->retry_all_errors},
		.hooks = hooks,
		.stats = stats,
		.epfd = -1,
		.out_watched = -1,
		.rng = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid() ^
		       0x9E3779B97F4A7C15ULL,
	};
	if (cfg->deadline > 0)
		f.deadline_at = clock_now() + cfg->deadline;
	source_yield_after(f.src, READ_TURN_BYTES);
	memset(stats, 0, sizeof *stats);
	enum fetch_status rc = FETCH_ESETUP;
	f.slots = xcalloc((size_t)cfg->parallel, sizeof *f.slots);
	f.free_slots = xcalloc((size_t)cfg->parallel, sizeof *f.free_slots);
	for (size_t i = 0; i < (size_t)cfg->parallel; i++)
		f.free_slots[f.nfree++] = (size_t)cfg->parallel - 1 - i;
	if (cfg->per_host_auto) {
		f.hl = hostlimit_create(adaptive_start(cfg->per_host_max));
		hostlimit_set_data_size(f.hl, sizeof(struct adaptive));
	} else {
		f.hl = hostlimit_create(cfg->per_host);
	}
	hostlimit_set_rate(f.hl, cfg->host_rate);
	ratelimit_init(&f.rate, cfg->rate);
	if (cfg->idle_timeout > 0)
		f.idle = deadlines_create((size_t)cfg->parallel);
	if (xfer_env_init(&f.env, cfg, params->body, params->sink, err, errlen) != 0)
		goto out;
	if ((rc = open_loop(&f, err, errlen)) == FETCH_OK)
		rc = loop(&f, err, errlen);
	/* After the last transfer, even after a stop: the cookies so far. */
	if (xfer_env_save_cookies(&f.env, stats->jar_error, sizeof stats->jar_error) != 0 &&
	    !stats->jar_error[0])
		snprintf(stats->jar_error, sizeof stats->jar_error, "--cookie-jar: not written");
out:
	/* The source goes back to its caller as it came: one that reads on
	 * (--save-unfinished) must not stop at a SOURCE_BUSY. */
	source_yield_after(f.src, 0);
	teardown(&f);
	if (f.multi)
		curl_multi_cleanup(f.multi);
	if (f.epfd >= 0)
		close(f.epfd);
	return rc;
}
