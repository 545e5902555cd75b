#include "slots.h"

#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

struct slots {
	struct slot *slot;
	size_t n;
	size_t *free; /* a stack of indexes of free slots */
	size_t nfree;
	size_t running; /* transfers on the multi handle */
	struct loop *loop;
	struct multi *multi;
};

struct slots *slots_create(size_t n, struct loop *l, struct multi *m, loop_timer_cb idle_cb,
			   void *data)
{
	struct slots *ss = xcalloc(1, sizeof *ss);
	ss->slot = xcalloc(n, sizeof *ss->slot);
	ss->free = xcalloc(n, sizeof *ss->free);
	ss->n = n;
	ss->loop = l;
	ss->multi = m;
	for (size_t i = 0; i < n; i++) {
		ss->free[ss->nfree++] = n - 1 - i;
		loop_timer_init(&ss->slot[i].idle, idle_cb, data);
	}
	return ss;
}

void slots_destroy(struct slots *ss)
{
	if (!ss)
		return;
	for (size_t i = 0; i < ss->n; i++) {
		loop_timer_stop(ss->loop, &ss->slot[i].idle);
		xfer_destroy(ss->slot[i].x);
	}
	free(ss->slot);
	free(ss->free);
	free(ss);
}

size_t slots_count(const struct slots *ss)
{
	return ss->n;
}

struct slot *slots_at(struct slots *ss, size_t i)
{
	return &ss->slot[i];
}

size_t slots_free(const struct slots *ss)
{
	return ss->nfree;
}

size_t slots_running(const struct slots *ss)
{
	return ss->running;
}

struct slot *slots_start(struct slots *ss, const struct xfer_env *env, struct request *req,
			 double now, double idle_timeout, char *err, size_t errlen)
{
	struct slot *s = &ss->slot[ss->free[ss->nfree - 1]];
	if (!s->x && !(s->x = xfer_create())) {
		snprintf(err, errlen, "cannot create a transfer");
		return NULL;
	}
	if (xfer_setup(s->x, env, req, err, errlen) != 0)
		return NULL;
	curl_easy_setopt(xfer_easy(s->x), CURLOPT_PRIVATE, s);
	if (multi_add(ss->multi, xfer_easy(s->x), err, errlen) != MULTI_OK) {
		xfer_abandon(s->x);
		return NULL;
	}
	s->started = now;
	ss->nfree--;
	ss->running++;
	if (idle_timeout > 0)
		loop_timer_set(ss->loop, &s->idle, now + idle_timeout);
	return s;
}

struct slot *slots_next_done(struct slots *ss, CURLcode *result)
{
	CURL *easy = multi_next_done(ss->multi, result);
	struct slot *s = NULL;
	if (easy)
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
	return s;
}

void slots_stop(struct slots *ss, struct slot *s)
{
	multi_remove(ss->multi, xfer_easy(s->x));
	ss->running--;
}

struct slot *slots_unanswered(struct slots *ss, const struct host *host, const struct slot *skip)
{
	for (size_t i = 0; i < ss->n; i++) {
		struct slot *s = &ss->slot[i];
		if (s != skip && s->job && s->host == host && !xfer_answered(s->x))
			return s;
	}
	return NULL;
}

bool slots_idle(struct slots *ss, struct slot *s, double now, double resumed_at, double timeout)
{
	double active = xfer_active_at(s->x);
	if (active > 0 && active < resumed_at)
		active = resumed_at;
	double next = loop_idle_due(active, now, timeout);
	if (next == 0)
		return true;
	loop_timer_set(ss->loop, &s->idle, next);
	return false;
}

void slots_release(struct slots *ss, struct slot *s)
{
	loop_timer_stop(ss->loop, &s->idle);
	s->job = NULL;
	s->host = NULL;
	ss->free[ss->nfree++] = (size_t)(s - ss->slot);
}
