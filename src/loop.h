/* loop: the event loop's machinery, with no policy in it. One poller
 * (poller.h) for every fd the engine watches, and one timer heap for
 * every deadline the engine keeps: libcurl's timeout, each retry's
 * delay, each transfer's --idle-timeout, host pauses, --rate and
 * --deadline. fetch.c decides what to start and what a timer means;
 * the loop only says which fds are ready and which timers are due.
 *
 * Timers are intrusive, as in libuv: the owner embeds a struct
 * loop_timer in its own struct (a job, a slot) and the loop keeps only
 * pointers to it, in an indexed min-heap, so arming, moving and stopping
 * one is O(log n) and finding the earliest is O(1), however many
 * requests are in flight or waiting to retry. A timer must be stopped
 * (or have fired) before its memory is freed. */
#ifndef URLFAN_LOOP_H
#define URLFAN_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include "poller.h"

struct loop_timer;
/* Called once when the timer comes due; the timer is no longer armed
 * then, so the callback may arm it again, or free its owner. */
typedef void (*loop_timer_cb)(struct loop_timer *t, void *data);

struct loop_timer {
	double due;  /* read-only for the owner, meaningful while armed */
	size_t slot; /* the loop's: heap index + 1, or 0 when not armed */
	loop_timer_cb cb;
	void *data;
};

struct loop;

/* A loop with no fd watched and no timer armed; NULL with the reason in
 * err when the system gives no poller. */
struct loop *loop_create(char *err, size_t errlen);
/* Accepts NULL. Armed timers are forgotten, not fired. */
void loop_destroy(struct loop *l);

/* Called by loop_poll() for a watched fd that is ready, with what it is
 * ready for (POLLER_*). It may watch or unwatch any fd, itself included. */
typedef void (*loop_fd_cb)(int fd, unsigned events, void *data);

/* Watch fd for events (POLLER_IN | POLLER_OUT; 0 still reports
 * POLLER_ERR: a reader that left, a hang-up), calling cb with data when
 * it is ready; watching it again changes both. 0, or -1 with errno set. */
int loop_watch(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *data);
/* Stop watching fd; one not watched, or closed already, is no error. */
int loop_unwatch(struct loop *l, int fd);

/* Give a timer its callback; it starts unarmed. */
void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *data);
/* Arm t to come due at due (seconds, clock.h's clock), or move it there. */
void loop_timer_set(struct loop *l, struct loop_timer *t, double due);
/* Disarm t; nothing happens when it is not armed. */
void loop_timer_stop(struct loop *l, struct loop_timer *t);
static inline bool loop_timer_armed(const struct loop_timer *t)
{
	return t->slot != 0;
}
/* The earliest armed timer's due, or 0 when none is armed. */
double loop_next_due(const struct loop *l);
/* Fire, earliest first, every timer due at or before now. A callback
 * may arm or stop any timer; one it arms for now or earlier fires in the
 * same call. Returns how many fired. */
size_t loop_run_timers(struct loop *l, double now);
/* Disarm every armed timer whose callback is cb and hand each to each()
 * (in no particular order): for a teardown that must account for what
 * was waiting. */
void loop_timers_take(struct loop *l, loop_timer_cb cb,
		      void (*each)(struct loop_timer *t, void *arg), void *arg);

/* Wait until an fd is ready, the earliest timer is due, or until
 * (clock.h's time; 0: no limit but the timers), whichever comes first,
 * and call the callback of each fd found ready. Timers are not run here:
 * the caller runs them (loop_run_timers()) where its turn wants them.
 * Returns the number of fds found ready (0: a timer, the limit or a
 * signal), or -1 with errno set when the wait itself failed. */
int loop_poll(struct loop *l, double until);
/* How much later than it asked the last loop_poll() returned, in
 * seconds: more than a fraction of a second means the process did not
 * run meanwhile (Ctrl-Z, a laptop's suspend), so deadlines that passed
 * in that gap say nothing about the servers. */
double loop_overslept(const struct loop *l);

/* The idle-timeout decision for something looked at at time now whose
 * last activity was at active (0: none yet, so the wait starts now):
 * 0 when it has been idle for timeout seconds or more, otherwise the
 * time to look again, never later than the moment it would time out. */
double loop_idle_due(double active, double now, double timeout);

#endif
