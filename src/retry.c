#include "retry.h"

#include <math.h> /* ldexp(), which libc has */
#include <stdio.h>
#include <string.h>

bool retry_status_transient(long status)
{
	switch (status) {
	case 408:
	case 429:
	case 500:
	case 502:
	case 503:
	case 504: return true;
	default: return false;
	}
}

bool retry_method_idempotent(const char *method)
{
	static const char *const safe[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
	for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++)
		if (strcmp(method, safe[i]) == 0)
			return true;
	return false;
}

static bool transient(const struct retry_attempt *a)
{
	switch (a->cause) {
	case CAUSE_RESPONSE: return retry_status_transient(a->status);
	case CAUSE_DNS:
	case CAUSE_REFUSED:
	case CAUSE_TIMEOUT:
	case CAUSE_RESET: return true;
	case CAUSE_FATAL: break;
	}
	return false;
}

static double capped(double secs, double cap)
{
	return secs < cap ? secs : cap;
}

struct retry_decision retry_decide(const struct retry_policy *policy, const struct retry_attempt *a,
				   double random)
{
	struct retry_decision d = {false, 0, 0};
	bool has_after = a->cause == CAUSE_RESPONSE && a->retry_after >= 0;
	/* A server that says "come back later" with 429 or 503 means every
	 * request to it, not only this one. */
	if (has_after && (a->status == 429 || a->status == 503))
		d.pause_host = capped(a->retry_after, policy->max_delay);
	if (!transient(a) || a->attempt > policy->retries || a->stopping || a->host_down ||
	    (!policy->all_methods && !retry_method_idempotent(a->method)))
		return d;
	d.retry = true;
	if (d.pause_host > 0)
		return d; /* the host's pause is the wait */
	if (has_after) {
		d.delay = capped(a->retry_after, policy->max_delay);
		return d;
	}
	/* Exponential backoff with full jitter. */
	long doublings = a->attempt - 1 < 60 ? a->attempt - 1 : 60;
	double cap = capped(policy->delay * ldexp(1.0, (int)doublings), policy->max_delay);
	d.delay = cap * random;
	return d;
}

const char *retry_reason(const struct retry_attempt *a, char *buf, size_t n)
{
	static const char *const words[] = {
		[CAUSE_RESPONSE] = "response",          [CAUSE_DNS] = "DNS failure",
		[CAUSE_REFUSED] = "connection refused", [CAUSE_TIMEOUT] = "timeout",
		[CAUSE_RESET] = "connection reset",     [CAUSE_FATAL] = "failure",
	};
	if (a->cause == CAUSE_RESPONSE && a->status)
		snprintf(buf, n, "%ld", a->status);
	else
		snprintf(buf, n, "%s", words[a->cause]);
	return buf;
}

double retry_uniform(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (double)((*state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}
