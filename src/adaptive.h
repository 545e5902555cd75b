/* adaptive: a per-host concurrency limit that finds the server's capacity
 * (-p auto). Pure: the state is plain data, the caller passes every
 * finished attempt's outcome, latency and time; no clock, no curl.
 *
 * The ideas are TCP congestion control's slow start and AIMD and the
 * latency-based limiters (TCP Vegas, Netflix's gradient limiters, Envoy's
 * adaptive concurrency): each host starts at 6 requests in flight (the
 * fixed -p default, so that -p auto is never slower than it on a host
 * that takes it); after as many healthy responses in a row as the limit
 * (one round's worth) the limit doubles until the host's first overload
 * (slow start), and grows by one after it, as long as the median latency
 * of the last ADAPTIVE_WINDOW responses is at most twice the host's best
 * such median (the latency has not climbed: the server is not queueing);
 * an overload signal (429, 503, a timeout, a refused or reset connection
 * once the host answered) halves it, at most once per round trip,
 * since the requests already in flight when it came carry the same news.
 * The limit where the last overload came is remembered: the limit climbs
 * back to just under it at the normal pace, and probes it again only
 * after twice as many healthy rounds each time it failed there, so a
 * server with a hard capacity sees few refusals once it is found. Only a
 * host that uses its limit earns more: a healthy response counts towards
 * growth when as many requests as the limit were in flight (as in TCP's
 * congestion window validation), so a host held back by a rate limit or
 * a short input does not pile up a limit it never tried. A host that
 * never answered is not overloaded but down: its failures are neutral
 * here (hostlimit.h fails its requests fast).  */
#ifndef URLFAN_ADAPTIVE_H
#define URLFAN_ADAPTIVE_H

#include <stdbool.h>

#include "retry.h"

#define ADAPTIVE_START 6 /* the fixed -p default */
/* How long (seconds) the engine keeps what -p auto learnt about an idle
 * host, so that a host whose requests all wait out a retry delay, or come
 * in bursts, does not start over from ADAPTIVE_START. */
#define ADAPTIVE_LINGER 30.0
#define ADAPTIVE_WINDOW 8
#define ADAPTIVE_PROBE_MAX 32 /* the slowest probing: 32 rounds */

/* What a finished attempt says about the host's capacity. */
enum adaptive_signal {
	ADAPT_HEALTHY,  /* a response that is not an overload */
	ADAPT_OVERLOAD, /* 429, 503, a timeout, refused, reset */
	ADAPT_NEUTRAL,  /* says nothing about load (DNS, TLS, a local error) */
};

/* One host's state; zeroed memory is a state adaptive_init() has not
 * seen yet. */
struct adaptive {
	long limit;                     /* requests in flight allowed now */
	long max;                       /* the ceiling from the command line */
	long highest;                   /* the highest limit reached */
	long healthy;                   /* healthy responses since the limit last changed */
	long ceiling;                   /* the limit at the last overload; 0: none */
	long probe;                     /* rounds to wait before probing the ceiling again */
	bool overloaded;                /* an overload came: no more doubling */
	double hold;                    /* no decrease before this time (one per round trip) */
	double best;                    /* lowest window median seen; 0: none yet */
	double window[ADAPTIVE_WINDOW]; /* latencies of recent responses */
	long nwindow;                   /* responses in window (at most ADAPTIVE_WINDOW) */
	long next;                      /* where the next latency goes in window */
};

/* A change of the limit, for the engine to apply and -v to show. */
struct adaptive_change {
	bool changed;
	long limit;         /* the limit to apply (the same when unchanged) */
	const char *reason; /* why it changed; NULL when it did not */
};

/* The limit a host starts at, for a limit of at most max (>= 1). */
long adaptive_start(long max);

/* Set up a host's state with the ceiling max (at least 1). */
void adaptive_init(struct adaptive *a, long max);

/* The signal for an attempt that ended with cause and (for a response)
 * status; answered: its host ever answered. A refusal, timeout or reset
 * from a host that never answered says the host is down, not that it is
 * loaded: it is neutral (hostlimit.h fails the host's requests fast
 * instead). */
enum adaptive_signal adaptive_classify(enum retry_cause cause, long status, bool answered);

/* Learn from one finished attempt: its signal, its latency (seconds from
 * its start to its end), the requests in flight on its host when it ended
 * (itself included) and now (seconds, the caller's monotonic clock). */
struct adaptive_change adaptive_on_response(struct adaptive *a, enum adaptive_signal signal,
					    double latency, long inflight, double now);

#endif
