#include "fetch.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "hostlimit.h"
#include "msg.h"
#include "url.h"
#include "xfer.h"

/* One request in flight. Each slot keeps its xfer (and so its easy handle
 * and buffers) for the next request it runs; CURLINFO_PRIVATE points here. */
struct slot {
	struct xfer *x;
	struct request *req;
	struct host *host;
};

/* The loop's whole state: one struct, one xfer per easy handle (found
 * again through CURLINFO_PRIVATE). */
struct fetch {
	const struct config *cfg;
	struct source *src;
	CURLM *multi;
	struct hostlimit *hl;
	struct xfer_shared shared;
	size_t readahead;
	bool input_done;   /* EOF or read error: no more requests */
	bool input_blocked; /* the source said AGAIN: wait for its fd */
	size_t running;    /* easy handles in the multi handle */
	struct slot *slots; /* --parallel of them */
	size_t *free_slots; /* a stack of indexes of idle slots */
	size_t nfree;
	const struct fetch_hooks *hooks;
	struct fetch_stats *stats;
	bool stop;
};

size_t fetch_readahead(const struct config *cfg)
{
	return 4 * (size_t)cfg->parallel;
}

static void deliver(struct fetch *f, const struct result *res)
{
	f->stats->requests++;
	if (f->hooks->on_result(res, f->hooks->ctx) != 0) {
		f->stop = true;
		f->stats->stopped = 1;
	}
}

/* A request that never reached libcurl gets its record here. */
static void deliver_error(struct fetch *f, const struct request *req,
			  enum err_kind kind, const char *message)
{
	struct result res;
	struct buf masked = BUF_INIT;
	memset(&res, 0, sizeof res);
	url_mask(&masked, req->url ? req->url : req->line);
	res.req = req;
	res.url = masked.data;
	res.method = xfer_method(req, f->cfg);
	res.error = kind;
	res.error_message = message;
	deliver(f, &res);
	buf_free(&masked);
}

/* Pull requests until the read-ahead bound is reached or input would
 * block. Invalid lines are reported at once: they never wait. */
static void read_input(struct fetch *f)
{
	f->input_blocked = false;
	size_t limit = f->hooks->read_limit ? f->hooks->read_limit(f->hooks->ctx) : SIZE_MAX;
	while (!f->input_done && !f->stop && hostlimit_waiting(f->hl) < f->readahead &&
	       source_count(f->src) < limit) {
		struct request *req;
		switch (source_next(f->src, &req)) {
		case SOURCE_REQUEST:
			if (req->error) {
				msg_verbose(1, "[%zu] invalid input: %s", req->index, req->error);
				deliver_error(f, req, ERR_INVALID_INPUT, req->error);
				request_free(req);
			} else {
				hostlimit_push(f->hl, req->hostkey, req);
			}
			break;
		case SOURCE_AGAIN:
			f->input_blocked = true;
			return;
		case SOURCE_ERROR:
			msg_fatal("%s", source_error(f->src));
			f->stats->input_error = 1;
			f->input_done = true;
			break;
		case SOURCE_EOF:
			f->input_done = true;
			break;
		}
	}
	size_t w = hostlimit_waiting(f->hl);
	if (w > f->stats->peak_readahead)
		f->stats->peak_readahead = w;
}

/* Start requests while the global cap and some host's cap allow. */
static void start_ready(struct fetch *f)
{
	while (!f->stop && f->nfree > 0) {
		struct host *host;
		struct request *req = hostlimit_pop(f->hl, &host);
		if (!req)
			return;
		struct slot *s = &f->slots[f->free_slots[f->nfree - 1]];
		char err[256];
		if (!s->x && !(s->x = xfer_create())) {
			snprintf(err, sizeof err, "cannot create a transfer");
			goto fail;
		}
		if (xfer_setup(s->x, &f->shared, req, err, sizeof err) != 0)
			goto fail;
		curl_easy_setopt(xfer_easy(s->x), CURLOPT_PRIVATE, s);
		CURLMcode mc = curl_multi_add_handle(f->multi, xfer_easy(s->x));
		if (mc != CURLM_OK) {
			snprintf(err, sizeof err, "%s", curl_multi_strerror(mc));
			goto fail;
		}
		s->req = req;
		s->host = host;
		f->nfree--;
		f->running++;
		msg_verbose(1, "[%zu] start %s", req->index, req->url);
		continue;
fail:
		deliver_error(f, req, ERR_IO, err);
		hostlimit_release(f->hl, host);
		request_free(req);
	}
}

static void finish(struct fetch *f, CURL *easy, CURLcode rc)
{
	struct slot *s = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
	curl_multi_remove_handle(f->multi, easy);
	f->running--;
	struct result res;
	xfer_finish(s->x, rc, &res);
	if (res.error)
		msg_verbose(1, "[%zu] %s: %s", s->req->index, result_kind_name(res.error),
			    res.error_message);
	else
		msg_verbose(1, "[%zu] %ld in %.3fs, %zu bytes", s->req->index, res.status,
			    res.time.total, res.body_len);
	deliver(f, &res);
	hostlimit_release(f->hl, s->host);
	request_free(s->req);
	s->req = NULL;
	s->host = NULL;
	f->free_slots[f->nfree++] = (size_t)(s - f->slots);
}

static void drain(struct fetch *f)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(f->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			finish(f, m->easy_handle, m->data.result);
}

static int loop(struct fetch *f, char *err, size_t errlen)
{
	for (;;) {
		read_input(f);
		start_ready(f);
		if (f->stop)
			return 0;
		if (f->running == 0 && hostlimit_waiting(f->hl) == 0 && f->input_done)
			return 0;
		int still;
		CURLMcode mc = curl_multi_perform(f->multi, &still);
		if (mc != CURLM_OK) {
			snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
			return FETCH_ECURL;
		}
		size_t before = f->stats->requests;
		drain(f);
		if (f->stop)
			return 0;
		if (f->stats->requests != before)
			continue; /* slots freed: refill before waiting */
		if (f->hooks->on_idle && f->hooks->on_idle(f->hooks->ctx, f->running) != 0) {
			f->stop = true;
			f->stats->stopped = 1;
			return 0;
		}
		struct curl_waitfd wfd = {.fd = source_fd(f->src), .events = CURL_WAIT_POLLIN};
		bool want_input = f->input_blocked && !f->input_done;
		mc = curl_multi_poll(f->multi, want_input ? &wfd : NULL, want_input ? 1 : 0,
				     (int)f->hooks->idle_ms, NULL);
		if (mc != CURLM_OK) {
			snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
			return FETCH_ECURL;
		}
	}
}

/* Tear down. After a stop, requests still queued or in flight get no
 * record: the output they would go to is gone. */
static void teardown(struct fetch *f)
{
	struct request *req;
	while ((req = hostlimit_drain(f->hl)))
		request_free(req);
	for (size_t i = 0; f->slots && i < (size_t)f->cfg->parallel; i++) {
		struct slot *s = &f->slots[i];
		if (s->req) {
			curl_multi_remove_handle(f->multi, xfer_easy(s->x));
			xfer_abandon(s->x);
			request_free(s->req);
		}
		xfer_destroy(s->x);
	}
	hostlimit_destroy(f->hl);
	xfer_shared_free(&f->shared);
	free(f->slots);
	free(f->free_slots);
}

int fetch_run(const struct config *cfg, struct source *src,
	      const struct fetch_hooks *hooks, struct fetch_stats *stats,
	      char *err, size_t errlen)
{
	struct fetch f = {
		.cfg = cfg,
		.src = src,
		.readahead = fetch_readahead(cfg),
		.hooks = hooks,
		.stats = stats,
	};
	memset(stats, 0, sizeof *stats);
	int rc = FETCH_ESETUP;
	f.slots = xcalloc((size_t)cfg->parallel, sizeof *f.slots);
	f.free_slots = xcalloc((size_t)cfg->parallel, sizeof *f.free_slots);
	for (size_t i = 0; i < (size_t)cfg->parallel; i++)
		f.free_slots[f.nfree++] = (size_t)cfg->parallel - 1 - i;
	f.hl = hostlimit_create(cfg->per_host);
	if (xfer_shared_init(&f.shared, cfg, err, errlen) != 0)
		goto out;
	f.multi = curl_multi_init();
	if (!f.multi) {
		snprintf(err, errlen, "cannot initialise libcurl");
		goto out;
	}
	/* The per-host cap is ours (a semaphore over requests); libcurl may
	 * open as many connections as that needs, and keep them for reuse. */
	curl_multi_setopt(f.multi, CURLMOPT_MAXCONNECTS, (long)cfg->parallel * 2);
	rc = loop(&f, err, errlen);
out:
	teardown(&f);
	if (f.multi)
		curl_multi_cleanup(f.multi);
	return rc;
}
