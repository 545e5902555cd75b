#include "loop.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "num.h"
#include "xalloc.h"

struct watcher {
	loop_fd_cb cb; /* NULL: the fd is not watched */
	void *data;
};

/* How many ready fds one wait takes. */
#define POLL_BATCH 64

struct loop {
	struct poller *poller;
	struct watcher *w; /* w[fd] */
	size_t nw;
	struct loop_timer **heap; /* a min-heap on due */
	size_t len, cap;
	double overslept;
};

struct loop *loop_create(char *err, size_t errlen)
{
	struct poller *p = poller_create(err, errlen);
	if (!p)
		return NULL;
	struct loop *l = xcalloc(1, sizeof *l);
	l->poller = p;
	return l;
}

void loop_destroy(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->len; i++)
		l->heap[i]->slot = 0;
	free(l->heap);
	free(l->w);
	poller_destroy(l->poller);
	free(l);
}

int loop_watch(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *data)
{
	if (poller_set(l->poller, fd, events) != 0)
		return -1;
	if ((size_t)fd >= l->nw) {
		size_t n = l->nw ? l->nw : 64;
		while (n <= (size_t)fd)
			n *= 2;
		l->w = xrealloc(l->w, n * sizeof *l->w);
		memset(l->w + l->nw, 0, (n - l->nw) * sizeof *l->w);
		l->nw = n;
	}
	l->w[fd] = (struct watcher){cb, data};
	return 0;
}

int loop_unwatch(struct loop *l, int fd)
{
	if ((size_t)fd < l->nw)
		l->w[fd].cb = NULL;
	return poller_remove(l->poller, fd);
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *data)
{
	*t = (struct loop_timer){.cb = cb, .data = data};
}

static void place(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

/* Move the timer at i up or down until the heap is in order again. */
static void settle(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	while (i > 0 && l->heap[(i - 1) / 2]->due > t->due) {
		place(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->len)
			break;
		if (c + 1 < l->len && l->heap[c + 1]->due < l->heap[c]->due)
			c++;
		if (l->heap[c]->due >= t->due)
			break;
		place(l, i, l->heap[c]);
		i = c;
	}
	place(l, i, t);
}

void loop_timer_set(struct loop *l, struct loop_timer *t, double due)
{
	t->due = due;
	if (t->slot) {
		settle(l, t->slot - 1);
		return;
	}
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->heap = xrealloc(l->heap, l->cap * sizeof *l->heap);
	}
	l->heap[l->len] = t;
	settle(l, l->len++);
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	if (!t->slot)
		return;
	size_t i = t->slot - 1;
	t->slot = 0;
	if (i == --l->len)
		return;
	l->heap[i] = l->heap[l->len];
	settle(l, i);
}

double loop_next_due(const struct loop *l)
{
	return l->len ? l->heap[0]->due : 0;
}

size_t loop_run_timers(struct loop *l, double now)
{
	size_t fired = 0;
	while (l->len && l->heap[0]->due <= now) {
		struct loop_timer *t = l->heap[0];
		loop_timer_stop(l, t);
		fired++;
		t->cb(t, t->data);
	}
	return fired;
}

void loop_timers_take(struct loop *l, loop_timer_cb cb,
		      void (*each)(struct loop_timer *t, void *arg), void *arg)
{
	/* Keep the others in place, then restore the heap order once. */
	size_t kept = 0;
	for (size_t i = 0; i < l->len; i++) {
		struct loop_timer *t = l->heap[i];
		if (t->cb == cb) {
			t->slot = 0;
			each(t, arg);
		} else {
			place(l, kept++, t);
		}
	}
	l->len = kept;
	for (size_t i = kept / 2; i-- > 0;)
		settle(l, i);
}

/* Oversleeping by less than this is the scheduler's doing, not a stop. */
#define OVERSLEPT_MIN 0.5

int loop_poll(struct loop *l, double until)
{
	double now = clock_now();
	double wake = loop_next_due(l);
	if (until > 0 && (wake == 0 || until < wake))
		wake = until;
	int ms = -1;
	if (wake > 0) {
		double d = num_ceil((wake - now) * 1000);
		ms = d < 0 ? 0 : d > 86400000 ? 86400000 : (int)d;
	}
	struct poller_event ev[POLL_BATCH];
	int n = poller_wait(l->poller, ev, POLL_BATCH, ms);
	l->overslept = 0;
	if (ms >= 0) {
		double late = clock_now() - (now + (double)ms / 1000);
		if (late > OVERSLEPT_MIN)
			l->overslept = late;
	}
	/* A callback may unwatch an fd that is further on in the batch: its
	 * entry is looked up again for each. */
	for (int i = 0; i < n; i++) {
		int fd = ev[i].fd;
		if ((size_t)fd < l->nw && l->w[fd].cb)
			l->w[fd].cb(fd, ev[i].events, l->w[fd].data);
	}
	return n;
}

double loop_overslept(const struct loop *l)
{
	return l->overslept;
}

double loop_idle_due(double active, double now, double timeout)
{
	if (active <= 0)
		return now + timeout;
	if (now >= active + timeout)
		return 0;
	return active + timeout;
}
