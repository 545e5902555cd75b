#include "watches.h"

#include <errno.h>

#include "wake.h"

static void wake_cb(int fd, unsigned events, void *data)
{
	(void)events;
	(void)data;
	wake_drain(fd);
}

/* The input can be read, or the output written: the next turn does it. */
static void ready_cb(int fd, unsigned events, void *data)
{
	(void)fd;
	(void)events;
	(void)data;
}

static void out_cb(int fd, unsigned events, void *data)
{
	struct watches *w = data;
	(void)fd;
	if (events & POLLER_ERR)
		w->gone = true;
}

static void watch(struct watches *w, int fd, unsigned events, loop_fd_cb cb)
{
	if ((cb ? loop_watch(w->loop, fd, events, cb, w) : loop_unwatch(w->loop, fd)) != 0)
		w->err = errno;
}

int watches_init(struct watches *w, struct loop *l, int wake_fd, int input_fd, int out_fd)
{
	*w = (struct watches){.loop = l,
			      .input_fd = input_fd,
			      .out_fd = out_fd,
			      .out_events = -1,
			      .other_fd = -1};
	return wake_fd >= 0 ? loop_watch(l, wake_fd, POLLER_IN, wake_cb, w) : 0;
}

void watches_input(struct watches *w, bool want)
{
	if (want != w->input_on)
		watch(w, w->input_fd, POLLER_IN, want ? ready_cb : NULL);
	w->input_on = want;
}

void watches_output(struct watches *w, int fd)
{
	if (w->out_fd >= 0) {
		int events = fd == w->out_fd ? POLLER_OUT : 0;
		if (events != w->out_events)
			watch(w, w->out_fd, (unsigned)events, out_cb);
		w->out_events = events;
		if (fd == w->out_fd)
			fd = -1;
	}
	if (fd == w->other_fd)
		return;
	if (w->other_fd >= 0)
		watch(w, w->other_fd, 0, NULL);
	if (fd >= 0)
		watch(w, fd, POLLER_OUT, ready_cb);
	w->other_fd = fd;
}
