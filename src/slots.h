/* slots: the --parallel places a request runs in. Each slot keeps its
 * xfer (its easy handle and buffers) for the next request it runs; an
 * attempt started in a slot is on the multi handle until it finishes and
 * the slot is stopped, and its --idle-timeout deadline is a loop timer
 * in the slot. Which request runs when is fetch.c's business; this is
 * the bookkeeping of the transfers in flight. CURLINFO_PRIVATE of each
 * easy handle points at its slot. */
#ifndef URLFAN_SLOTS_H
#define URLFAN_SLOTS_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "loop.h"
#include "multi.h"
#include "source.h"
#include "xfer.h"

struct job;  /* fetch.c's: what the slot runs */
struct host; /* hostlimit.h's: whose semaphore it holds */

struct slot {
	struct xfer *x;         /* NULL until the slot's first request */
	struct job *job;        /* NULL while the slot is free; the caller's */
	struct host *host;      /* the caller's */
	double started;         /* when the attempt was added */
	struct loop_timer idle; /* --idle-timeout; its callback is the caller's */
};

struct slots;

/* n free slots whose transfers go on m; each idle timer gets idle_cb and
 * data (the timer is inside its slot). */
struct slots *slots_create(size_t n, struct loop *l, struct multi *m, loop_timer_cb idle_cb,
			   void *data);
/* Accepts NULL. Slots still running must have been stopped first. */
void slots_destroy(struct slots *ss);
size_t slots_count(const struct slots *ss);
struct slot *slots_at(struct slots *ss, size_t i);
/* Free slots, and slots whose transfer is on the multi handle. */
size_t slots_free(const struct slots *ss);
size_t slots_running(const struct slots *ss);
/* Start an attempt at req in a free slot (there must be one): its
 * transfer set up from env, added to the multi handle, its idle deadline
 * armed when idle_timeout > 0. The slot (its job and host still to be
 * set by the caller), or NULL with the reason in err and the slot free. */
struct slot *slots_start(struct slots *ss, const struct xfer_env *env, struct request *req,
			 double now, double idle_timeout, char *err, size_t errlen);
/* The next slot whose transfer finished, with libcurl's result; NULL
 * when none is left. */
struct slot *slots_next_done(struct slots *ss, CURLcode *result);
/* Take s's transfer off the multi handle: it finished, or is given up. */
void slots_stop(struct slots *ss, struct slot *s);
/* s's idle timer came due at now: true when its transfer has had no
 * byte for timeout seconds (the caller ends it); otherwise the timer is
 * set again for when it could first be. Time before resumed_at (when the
 * process last ran again after a stop: Ctrl-Z, a suspend) does not
 * count, since the bytes may be waiting unread in the socket. */
bool slots_idle(struct slots *ss, struct slot *s, double now, double resumed_at, double timeout);
/* A slot other than skip running an attempt on host that has had no
 * answer yet, or NULL. */
struct slot *slots_unanswered(struct slots *ss, const struct host *host, const struct slot *skip);
/* s is free again: its idle timer stopped, job and host forgotten. */
void slots_release(struct slots *ss, struct slot *s);

#endif
