/* Unit tests for adaptive.c: -p auto's limit as tables of finished
 * attempts (signal, latency, time) and the limits they must lead to. No
 * clock, no curl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include <cmocka.h>

#include "adaptive.h"

#define H ADAPT_HEALTHY
#define O ADAPT_OVERLOAD
#define N ADAPT_NEUTRAL

struct step {
	enum adaptive_signal signal;
	double latency, now;
	long want;     /* the limit after it */
	long inflight; /* on the host as it ended; 0: as many as the limit */
};

struct row {
	const char *what;
	long max;
	struct step steps[40];
	int n;
};

static const struct row rows[] = {
	/* Start at 6 (the fixed default); while no overload came, the limit
	 * doubles after as many healthy responses as the limit (a round). */
	{"slow start", 64,
	 {{H, .1, 1, 6, 0}, {H, .1, 2, 6, 0}, {H, .1, 3, 6, 0}, {H, .1, 4, 6, 0},
	  {H, .1, 5, 6, 0}, {H, .1, 6, 12, 0}, {H, .1, 7, 12, 0}, {H, .1, 8, 12, 0},
	  {H, .1, 9, 12, 0}, {H, .1, 10, 12, 0}, {H, .1, 11, 12, 0}, {H, .1, 12, 12, 0},
	  {H, .1, 13, 12, 0}, {H, .1, 14, 12, 0}, {H, .1, 15, 12, 0}, {H, .1, 16, 12, 0},
	  {H, .1, 17, 12, 0}, {H, .1, 18, 24, 0}},
	 18},
	/* Never above max... */
	{"max", 10,
	 {{H, .1, 1, 6, 0}, {H, .1, 2, 6, 0}, {H, .1, 3, 6, 0}, {H, .1, 4, 6, 0},
	  {H, .1, 5, 6, 0}, {H, .1, 6, 10, 0}, {H, .1, 7, 10, 0}, {H, .1, 8, 10, 0}},
	 8},
	/* ...and a max below the start is the start. */
	{"max below the start", 3,
	 {{H, .1, 1, 3, 0}, {H, .1, 2, 3, 0}, {H, .1, 3, 3, 0}, {H, .1, 4, 3, 0}},
	 4},
	/* One is one. */
	{"max 1", 1,
	 {{H, .1, 1, 1, 0}, {H, .1, 2, 1, 0}, {O, .1, 3, 1, 0}},
	 3},
	/* An overload halves; the rest of its round (until now + latency)
	 * changes nothing more; after it, the next one halves again. */
	{"halve once a round", 64,
	 {{O, .5, 10, 3, 0}, {O, .1, 10.2, 3, 0}, {O, .1, 10.49, 3, 0}, {O, .1, 10.6, 1, 0}},
	 4},
	/* After the first overload, +1 a round; back at the limit where it
	 * came, one round more (the probe), then on past it. */
	{"additive after an overload", 64,
	 {{O, .1, 1, 3, 0}, {H, .1, 2, 3, 0}, {H, .1, 3, 3, 0}, {H, .1, 4, 4, 0},
	  {H, .1, 5, 4, 0}, {H, .1, 6, 4, 0}, {H, .1, 7, 4, 0}, {H, .1, 8, 5, 0},
	  {H, .1, 9, 5, 0}, {H, .1, 10, 5, 0}, {H, .1, 11, 5, 0}, {H, .1, 12, 5, 0},
	  {H, .1, 13, 6, 0}, {H, .1, 14, 6, 0}, {H, .1, 15, 6, 0}, {H, .1, 16, 6, 0},
	  {H, .1, 17, 6, 0}, {H, .1, 18, 6, 0}, {H, .1, 19, 7, 0}},
	 19},
	/* Never below 1; neutral outcomes change nothing. */
	{"floor", 64,
	 {{O, .1, 1, 3, 0}, {O, .1, 2, 1, 0}, {O, .1, 3, 1, 0}, {N, .1, 4, 1, 0}},
	 4},
	/* Neutral outcomes change nothing. */
	{"neutral", 64,
	 {{N, .1, 1, 6, 0}, {N, .1, 2, 6, 0}, {N, .1, 3, 6, 0}, {H, .1, 4, 6, 0}},
	 4},
	/* A host that does not use its limit does not earn more: healthy
	 * responses with fewer in flight than the limit do not count. */
	{"unused limit", 64,
	 {{H, .1, 1, 6, 1}, {H, .1, 2, 6, 1}, {H, .1, 3, 6, 1}, {H, .1, 4, 6, 1},
	  {H, .1, 5, 6, 0}, {H, .1, 6, 6, 0}, {H, .1, 7, 6, 0}, {H, .1, 8, 6, 0},
	  {H, .1, 9, 6, 0}, {H, .1, 10, 12, 0}},
	 10},
	/* Overloads reset the healthy count: growth starts over. */
	{"reset count", 64,
	 {{H, .1, 1, 6, 0}, {H, .1, 2, 6, 0}, {O, .1, 3, 3, 0}, {H, .1, 4, 3, 0},
	  {H, .1, 5, 3, 0}, {H, .1, 6, 4, 0}},
	 6},
	/* The latency climbed: at more than twice the best window median the
	 * limit holds, however many healthy responses come, and grows again
	 * once it is flat. */
	{"latency climbs", 64,
	 {{H, .1, 1, 6, 0}, {H, .1, 2, 6, 0}, {H, .1, 3, 6, 0}, {H, .1, 4, 6, 0},
	  {H, .1, 5, 6, 0}, {H, .1, 6, 12, 0}, {H, .5, 7, 12, 0}, {H, .5, 8, 12, 0},
	  {H, .5, 9, 12, 0}, {H, .5, 10, 12, 0}, {H, .5, 11, 12, 0}, {H, .5, 12, 12, 0},
	  {H, .5, 13, 12, 0}, {H, .5, 14, 12, 0}, {H, .5, 15, 12, 0}, {H, .5, 16, 12, 0},
	  {H, .5, 17, 12, 0}, {H, .5, 18, 12, 0}, {H, .1, 19, 12, 0}, {H, .1, 20, 12, 0},
	  {H, .1, 21, 12, 0}, {H, .1, 22, 12, 0}, {H, .1, 23, 24, 0}},
	 23},
};

static void test_adaptive_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct adaptive a;
		adaptive_init(&a, r->max);
		for (int k = 0; k < r->n; k++) {
			const struct step *s = &r->steps[k];
			long before = a.limit;
			long inflight = s->inflight ? s->inflight : a.limit;
			struct adaptive_change c =
				adaptive_on_response(&a, s->signal, s->latency, inflight, s->now);
			if (c.limit != s->want || a.limit != s->want)
				fail_msg("%s, step %d: limit %ld, want %ld", r->what, k, c.limit,
					 s->want);
			/* A change, and only a change, comes with a reason. */
			assert_int_equal(c.changed, before != s->want);
			assert_int_equal(c.reason != NULL, c.changed);
		}
	}
}

static void test_adaptive_classify(void **state)
{
	(void)state;
	static const struct {
		enum retry_cause cause;
		long status;
		bool answered; /* the host ever answered */
		enum adaptive_signal want;
	} kinds[] = {
		{CAUSE_RESPONSE, 200, true, H},
		{CAUSE_RESPONSE, 404, true, H},
		{CAUSE_RESPONSE, 500, true, H},
		{CAUSE_RESPONSE, 429, true, O},
		{CAUSE_RESPONSE, 503, true, O},
		{CAUSE_TIMEOUT, 0, true, O},
		{CAUSE_REFUSED, 0, true, O},
		{CAUSE_RESET, 0, true, O},
		{CAUSE_DNS, 0, true, N},
		{CAUSE_FATAL, 503, true, N},
		/* A host that never answered is down, not loaded: its limit
		 * stays. */
		{CAUSE_TIMEOUT, 0, false, N},
		{CAUSE_REFUSED, 0, false, N},
		{CAUSE_RESET, 0, false, N},
		{CAUSE_DNS, 0, false, N},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		assert_int_equal(
			adaptive_classify(kinds[i].cause, kinds[i].status, kinds[i].answered),
			kinds[i].want);
}

/* A simulated server with a hard capacity: a request beyond it is an
 * overload. Returns the share of overloads after the first 50 answers,
 * and the highest limit in *highest. */
static double simulate(long capacity, long n, long *highest, long *final)
{
	struct adaptive a;
	adaptive_init(&a, 64);
	double now = 0;
	long answers = 0, late_overloads = 0;
	while (answers < n) {
		/* One round: limit requests at once, a round trip apart. */
		long round = a.limit;
		now += 0.1;
		for (long i = 0; i < round && answers < n; i++, answers++) {
			bool over = i >= capacity;
			if (over && answers >= 50)
				late_overloads++;
			adaptive_on_response(&a, over ? O : H, 0.1, round, now);
		}
	}
	*highest = a.highest;
	*final = a.limit;
	return (double)late_overloads / (double)(n - 50);
}

/* It finds a small capacity and stays near it with few refusals, and
 * climbs high where the server allows it. */
static void test_adaptive_finds_capacity(void **state)
{
	(void)state;
	long highest, final;
	double share = simulate(4, 400, &highest, &final);
	assert_true(share <= 0.10);
	assert_true(highest == 6); /* the start, never more */
	assert_true(final >= 2 && final <= 5);
	share = simulate(32, 400, &highest, &final);
	assert_true(highest >= 16);
	assert_true(share <= 0.10);
}

/* Only overloads: halved once a round trip down to 1, and 1 from then
 * on. */
static void test_adaptive_only_overloads(void **state)
{
	(void)state;
	struct adaptive a;
	adaptive_init(&a, 64);
	for (int i = 0; i < 1000; i++) {
		adaptive_on_response(&a, O, 0.01, 1, i * 0.05);
		assert_int_equal(a.limit, i == 0 ? 3 : 1);
	}
	assert_int_equal(a.highest, 6);
}

/* Slow start finds a large capacity in a few rounds: from 6 to 48 in
 * three, where one at a time would take 42. */
static void test_adaptive_slow_start(void **state)
{
	(void)state;
	struct adaptive a;
	adaptive_init(&a, 64);
	double now = 0;
	for (int round = 0; round < 3; round++) {
		long n = a.limit;
		now += 0.1;
		for (long i = 0; i < n; i++)
			adaptive_on_response(&a, H, 0.1, n, now);
	}
	assert_int_equal(a.limit, 48);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adaptive_table),
		cmocka_unit_test(test_adaptive_classify),
		cmocka_unit_test(test_adaptive_finds_capacity),
		cmocka_unit_test(test_adaptive_only_overloads),
		cmocka_unit_test(test_adaptive_slow_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
