/* hostlimit: per-host semaphores with waiting queues. No curl, no clock.
 *
 * Each host key ("name:port") has a counting semaphore of per_host slots
 * and a FIFO of items waiting for one. hostlimit_pop() hands out the
 * oldest waiting item of some host that has a free slot, taking the slot,
 * so a busy host never holds back items for other hosts. Hosts are served
 * round-robin. A host's entry is freed as soon as it has nothing in flight
 * and nothing waiting, so memory follows the live requests, not the number
 * of hosts ever seen. Every operation is O(1) (amortised for the hash). */
#ifndef URLFAN_HOSTLIMIT_H
#define URLFAN_HOSTLIMIT_H

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
/* End the pauses that are over by now. Returns the earliest end of a
 * pause still running, or 0 when none is. */
double hostlimit_wake(struct hostlimit *hl, double now);

/* Take the next item whose host has a free slot, taking that slot; *host
 * receives the handle to pass to hostlimit_release() when the item's
 * request is done. NULL when no host can start now. */
void *hostlimit_pop(struct hostlimit *hl, struct host **host);

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

#endif
