/* ratelimit: a token bucket on request starts, as plain data. Pure: no
 * clock (the caller passes now, seconds on its monotonic clock), no curl.
 *
 * The bucket holds at most one token and gains one every interval
 * seconds, so a run never starts more than one request above the rate in
 * any window: at most floor(W / interval) + 1 starts in W seconds. A
 * bigger bucket would let a host that was idle take a burst of starts at
 * once, which is what --rate and --host-rate promise not to do. Two
 * starts are never closer than one interval: the next token is due one
 * interval after the last was taken, so a loop that wakes a millisecond
 * late costs that millisecond of rate rather than allowing a pair of
 * starts closer together. */
#ifndef URLFAN_RATELIMIT_H
#define URLFAN_RATELIMIT_H

#include <stdbool.h>

struct ratelimit {
	double interval; /* seconds per token; 0: no limit */
	double next;     /* when the next token is due (0: now) */
};

/* A bucket for per_second starts a second (0: no limit), full. */
void ratelimit_init(struct ratelimit *b, double per_second);

/* Whether the bucket limits anything at all. */
bool ratelimit_on(const struct ratelimit *b);

/* Take a token at now: returns 0 when one was there (it is taken), or
 * the seconds to wait until one is (nothing is taken). */
double ratelimit_take(struct ratelimit *b, double now);

/* When the next token is due; <= now when one is there now. */
double ratelimit_due(const struct ratelimit *b);

#endif
