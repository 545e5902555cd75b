/* hostlimit: per-host semaphores with waiting queues. No curl, no clock.
 *
 * Each host key ("name:port") has a counting semaphore of per_host slots
 * and a FIFO of items waiting for one. hostlimit_pop() hands out the
 * oldest waiting item of some host that has a free slot, taking the slot,
 * so a busy host never holds back items for other hosts. Hosts are served
 * round-robin. A host's entry is freed as soon as it has nothing in flight,
 * nothing waiting and no time running (a pause, its bucket's next token, a
 * keep time), so memory follows the live requests, not the number of hosts
 * ever seen. Every operation is O(1) (amortised for the hash), but for
 * hostlimit_wake(), which walks the sleeping hosts when one is due.
 *
 * Each host has its own limit (per_host unless hostlimit_set_limit()
 * changes it: -p auto) and, with hostlimit_set_rate(), its own token
 * bucket (ratelimit.h): a start takes the host's token, and the host then
 * sleeps off the ready list until the next one is due, so a host waiting
 * for a token never holds back the others. The caller's clock comes in as
 * the now of hostlimit_wake() and hostlimit_pop_at(). */
#ifndef URLFAN_HOSTLIMIT_H
#define URLFAN_HOSTLIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct hostlimit;
struct host;

/* A limit of per_host requests in flight per host key (at least 1). */
struct hostlimit *hostlimit_create(long per_host);
/* Items still queued are not freed: they belong to the caller. */
void hostlimit_destroy(struct hostlimit *hl);

/* Queue item (owned by the caller, must not be NULL) for host key. */
void hostlimit_push(struct hostlimit *hl, const char *key, void *item);

/* Queue item at the front of its host's queue: a retry goes before
 * requests that have not been tried yet. */
void hostlimit_requeue(struct hostlimit *hl, const char *key, void *item);

/* Start nothing more for key until the time until (on the caller's clock,
 * in seconds) - a server's Retry-After applies to the whole host. A pause
 * is only ever extended. The host's entry lives at least that long. */
void hostlimit_pause(struct hostlimit *hl, const char *key, double until);
/* End the pauses, bucket waits and keep times that are over by now.
 * Returns when the loop should look again: at the latest the earliest end
 * of a pause or bucket wait still running (perhaps earlier), or 0 when
 * none is. */
double hostlimit_wake(struct hostlimit *hl, double now);

/* Take the next item whose host has a free slot, taking that slot; *host
 * receives the handle to pass to hostlimit_release() when the item's
 * request is done. NULL when no host can start now. */
void *hostlimit_pop(struct hostlimit *hl, struct host **host);
/* The same at time now, which a host bucket's token is taken at;
 * hostlimit_pop() uses the now of the last hostlimit_wake(). */
void *hostlimit_pop_at(struct hostlimit *hl, double now, struct host **host);
/* Whether hostlimit_pop() would hand out an item now. */
bool hostlimit_ready(const struct hostlimit *hl);

/* Give back a slot taken by hostlimit_pop(). host may be freed here. */
void hostlimit_release(struct hostlimit *hl, struct host *host);

/* Remove and return every queued item, one per call (NULL when empty):
 * for tearing down a run with requests still waiting. */
void *hostlimit_drain(struct hostlimit *hl);

/* Items queued, slots taken, and host entries alive: one function each. */
size_t hostlimit_waiting(const struct hostlimit *hl);
size_t hostlimit_inflight(const struct hostlimit *hl);
size_t hostlimit_hosts(const struct hostlimit *hl);
/* Slots taken on one host key (0 for an unknown key). */
long hostlimit_host_inflight(const struct hostlimit *hl, const char *key);
/* Hosts with an item waiting and a free slot that only their empty
 * bucket holds back (to measure the time a rate limit set the pace). */
size_t hostlimit_held(const struct hostlimit *hl);

/* Set before the first push. A token bucket of per_second starts a
 * second per host (0: none; see ratelimit.h). */
void hostlimit_set_rate(struct hostlimit *hl, double per_second);
/* Set before the first push: every host entry gets size zeroed bytes
 * of the caller's (hostlimit_data()), freed with the entry. */
void hostlimit_set_data_size(struct hostlimit *hl, size_t size);

/* A host handle from hostlimit_pop(), valid until its slot is released:
 * its key, its data, its limit, its requests in flight. */
const char *hostlimit_key(const struct host *h);
void *hostlimit_data(struct host *h);
long hostlimit_limit(const struct host *h);
long hostlimit_inflight_of(const struct host *h);
/* Change h's limit (at least 1): a lower one starts nothing new until
 * enough requests in flight end; in flight ones go on. */
void hostlimit_set_limit(struct hostlimit *hl, struct host *h, long limit);
/* Keep h's entry (its limit, data and bucket) until at least until, even
 * when it is idle meanwhile. */
void hostlimit_keep(struct hostlimit *hl, struct host *h, double until);

/* How many items hostlimit_pop() would hand out now, one after another
 * (each ready host's waiting items, up to its free slots). */
size_t hostlimit_startable(const struct hostlimit *hl);
/* How many hosts could start a waiting request now and have none in
 * flight: hosts the run has not reached yet (a list sorted by host). */
size_t hostlimit_fresh(const struct hostlimit *hl);

/* Connections worth keeping open for the hosts known now: for each host,
 * one per request in flight or waiting, up to its limit (none for a host
 * that is down). Kept up to date by every call above, so it costs O(1). */
size_t hostlimit_connections(const struct hostlimit *hl);

/* A dead host costs its timeout once. A host that never answered is down
 * after HOSTLIMIT_DOWN_AFTER attempts in a row ended without an answer
 * (refused, reset, or timed out before a response began): from then on it
 * is ready whatever its limit, pause or bucket, so that its waiting
 * requests come out at once for the caller to fail without trying
 * (hostlimit_down()). Until then, once such a host has failed, it starts
 * no more attempts than are still needed to decide (3 - failures, within
 * its limit), so that a silent host costs about two timeouts, not one for
 * each slot its limit frees. A host that answered once is never down.
 * What a host learnt is kept HOSTLIMIT_DOWN_KEEP seconds after its last
 * failure or fast failure. */
#define HOSTLIMIT_DOWN_AFTER 3
#define HOSTLIMIT_STR_(n) #n
#define HOSTLIMIT_STR(n) HOSTLIMIT_STR_(n)
/* The error of an attempt in flight when its host went down. */
#define HOSTLIMIT_GIVEN_UP                                                                         \
	"host unreachable, given up after " HOSTLIMIT_STR(HOSTLIMIT_DOWN_AFTER) " failures"
#define HOSTLIMIT_DOWN_KEEP 60.0

/* What a finished attempt says about reaching its host. */
enum hostlimit_reach {
	HOSTLIMIT_ANSWERED,  /* a response came */
	HOSTLIMIT_UNREACHED, /* none: refused, reset or timed out before one */
	HOSTLIMIT_NO_NEWS,   /* neither (a DNS failure, a local error) */
};

/* Learn from an attempt on h (a handle from hostlimit_pop(), before its
 * release). Returns whether h is down now. */
bool hostlimit_reached(struct hostlimit *hl, struct host *h, enum hostlimit_reach r);
/* Whether h is down: then the caller fails the item it just popped
 * without trying it (and releases h). Keeps h's entry a while longer. */
bool hostlimit_down(struct hostlimit *hl, struct host *h);
/* Whether h ever answered; its attempts in a row that got no answer. */
bool hostlimit_answered(const struct host *h);
long hostlimit_failures(const struct host *h);

#endif
