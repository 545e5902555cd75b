#include "adaptive.h"

#include <string.h>

/* The window's median is trusted from this many samples on. */
#define MIN_SAMPLES (ADAPTIVE_WINDOW / 2)
/* Latency up to this many times the host's best counts as flat. */
#define CLIMB 2.0

long adaptive_start(long max)
{
	if (max < 1)
		max = 1;
	return max < ADAPTIVE_START ? max : ADAPTIVE_START;
}

void adaptive_init(struct adaptive *a, long max)
{
	memset(a, 0, sizeof *a);
	a->max = max < 1 ? 1 : max;
	a->limit = adaptive_start(a->max);
	a->highest = a->limit;
	a->probe = 1;
}

enum adaptive_signal adaptive_classify(enum retry_cause cause, long status, bool answered)
{
	switch (cause) {
	case CAUSE_RESPONSE: return status == 429 || status == 503 ? ADAPT_OVERLOAD : ADAPT_HEALTHY;
	case CAUSE_REFUSED:
	case CAUSE_TIMEOUT:
	case CAUSE_RESET: return answered ? ADAPT_OVERLOAD : ADAPT_NEUTRAL;
	case CAUSE_DNS:
	case CAUSE_FATAL: break;
	}
	return ADAPT_NEUTRAL;
}

/* The median of the window (the upper one of an even count); 0 when the
 * window holds too few samples to say. */
static double median(const struct adaptive *a)
{
	if (a->nwindow < MIN_SAMPLES)
		return 0;
	double v[ADAPTIVE_WINDOW];
	long n = a->nwindow;
	memcpy(v, a->window, (size_t)n * sizeof v[0]);
	for (long i = 1; i < n; i++) { /* insertion sort: 8 values */
		double x = v[i];
		long j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

static struct adaptive_change unchanged(const struct adaptive *a)
{
	return (struct adaptive_change){false, a->limit, NULL};
}

static struct adaptive_change set_limit(struct adaptive *a, long limit, const char *reason)
{
	a->limit = limit;
	a->healthy = 0;
	if (limit > a->highest)
		a->highest = limit;
	return (struct adaptive_change){true, limit, reason};
}

static struct adaptive_change overload(struct adaptive *a, double latency, double now)
{
	if (now < a->hold)
		return unchanged(a); /* news from the round already acted on */
	double rtt = median(a);
	a->hold = now + (latency > rtt ? latency : rtt);
	a->healthy = 0;
	a->overloaded = true;
	/* Failing again where it failed last time: probe there less often. */
	if (a->ceiling == a->limit)
		a->probe = a->probe * 2 < ADAPTIVE_PROBE_MAX ? a->probe * 2 : ADAPTIVE_PROBE_MAX;
	else if (a->ceiling == 0 || a->limit > a->ceiling)
		a->probe = 1;
	a->ceiling = a->limit;
	if (a->limit <= 1)
		return unchanged(a);
	return set_limit(a, a->limit / 2, "overload: halved");
}

static struct adaptive_change healthy(struct adaptive *a, double latency, long inflight)
{
	a->window[a->next] = latency;
	a->next = (a->next + 1) % ADAPTIVE_WINDOW;
	if (a->nwindow < ADAPTIVE_WINDOW)
		a->nwindow++;
	double m = median(a);
	if (m > 0 && (a->best == 0 || m < a->best))
		a->best = m;
	if (inflight >= a->limit)
		a->healthy++; /* a round at the full limit */
	if (a->limit >= a->max)
		return unchanged(a);
	/* One round of healthy responses per step; near the limit where
	 * the last overload came, probe rounds of them. */
	long need = a->limit;
	if (a->ceiling && a->limit + 1 >= a->ceiling)
		need *= a->probe;
	if (a->healthy < need)
		return unchanged(a);
	if (m > CLIMB * a->best)
		return unchanged(a); /* the server is queueing: hold */
	if (!a->overloaded)          /* slow start: no overload yet */
		return set_limit(a, a->limit * 2 < a->max ? a->limit * 2 : a->max,
				 "healthy, latency flat: doubled");
	if (a->ceiling && a->limit + 1 > a->ceiling) {
		a->ceiling = 0; /* the probe held: the old ceiling is forgotten */
		a->probe = 1;
	}
	return set_limit(a, a->limit + 1, "healthy, latency flat: +1");
}

struct adaptive_change adaptive_on_response(struct adaptive *a, enum adaptive_signal signal,
					    double latency, long inflight, double now)
{
	switch (signal) {
	case ADAPT_OVERLOAD: return overload(a, latency, now);
	case ADAPT_HEALTHY: return healthy(a, latency, inflight);
	case ADAPT_NEUTRAL: break;
	}
	return unchanged(a);
}
