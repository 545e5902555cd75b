/* retry: whether and when a finished attempt is tried again. Pure: no
 * curl, no clock, no randomness of its own.
 *
 * The engine describes an attempt in values (what went wrong, the status,
 * the server's Retry-After, how many tries were made) and applies the
 * decision it gets back; the whole policy - what counts as transient,
 * which methods may be repeated, the backoff and how Retry-After is
 * honoured - lives here, so it is unit-tested with plain tables. */
#ifndef URLFAN_RETRY_H
#define URLFAN_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What ended an attempt, as far as retrying cares. The engine maps its
 * library's codes onto these. */
enum retry_cause {
	CAUSE_RESPONSE, /* a whole response came (its status decides) */
	CAUSE_DNS,      /* the name did not resolve */
	CAUSE_REFUSED,  /* the connection was refused or could not be made */
	CAUSE_TIMEOUT,  /* connect, idle or --max-time timeout */
	CAUSE_RESET,    /* the connection broke: reset, cut off, no reply,
			   an HTTP/2 stream reset or GOAWAY */
	CAUSE_FATAL,    /* anything retrying cannot help: TLS, too large, a
			   local write error, a redirect refused, bad HTTP */
};

/* The options the policy follows (from the command line). */
struct retry_policy {
	long retries;     /* tries after the first; 0: never retry */
	double delay;     /* the first backoff cap, seconds */
	double max_delay; /* caps every backoff and every Retry-After */
	bool all_methods; /* retry methods that are not idempotent too */
};

/* One finished attempt. */
struct retry_attempt {
	long attempt;       /* 1 for the first try */
	const char *method; /* as sent */
	enum retry_cause cause;
	long status;        /* the response's status; 0 when none */
	double retry_after; /* the response's Retry-After, seconds from now,
			       already parsed; < 0 when none */
	bool stopping;      /* the run is stopping: start nothing new */
	bool answered;      /* a response (its status line) came */
	bool host_down;     /* its host is down (hostlimit.h): a retry would
			       fail without trying */
};

/* What to do. When pause_host > 0, no new request may start on the
 * attempt's host for that many seconds, whether or not this one is
 * retried (a 429 or 503 with Retry-After speaks for the whole host). When
 * retry is true the request goes back to its host's queue after delay
 * seconds; a request whose host is paused waits out the pause there and
 * has delay 0, so the Retry-After is applied once, not twice. */
struct retry_decision {
	bool retry;
	double delay;
	double pause_host;
};

/* Decide for one attempt. random is a uniform number in [0, 1) for the
 * backoff's jitter (full jitter: the delay is random * the cap, the cap
 * doubling from policy->delay each attempt up to policy->max_delay). */
struct retry_decision retry_decide(const struct retry_policy *policy, const struct retry_attempt *a,
				   double random);

/* Why an attempt failed, in a word or two for a -v line: the status
 * ("503"), or "timeout", "connection reset", "connection refused", "DNS
 * failure", "failure". Written to buf (n bytes), which is returned. */
const char *retry_reason(const struct retry_attempt *a, char *buf, size_t n);

/* Whether a status is worth another try: 408, 429, 500, 502, 503, 504. */
bool retry_status_transient(long status);

/* Whether method is idempotent (RFC 9110 9.2.2) and so safe to repeat. */
bool retry_method_idempotent(const char *method);

/* A uniform number in [0, 1) for retry_decide()'s jitter, from a state
 * the caller seeds once (any value but 0) and keeps: xorshift64*. */
double retry_uniform(uint64_t *state);

#endif
