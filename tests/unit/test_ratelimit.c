/* Unit tests for ratelimit.c: the token bucket as a table of takes at
 * given times and the answers they must get. No clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <cmocka.h>

#include "ratelimit.h"

struct take {
	double now;
	double want; /* 0: taken; > 0: the wait */
};

struct row {
	const char *what;
	double per_second;
	struct take takes[8];
	int n;
};

static const struct row rows[] = {
	{"no limit", 0, {{0, 0}, {0, 0}, {0, 0}}, 3},
	/* Full at first; then one token per interval, never two at once. */
	{"10/s", 10, {{5, 0}, {5, 0.1}, {5.05, 0.05}, {5.1, 0}, {5.1, 0.1}}, 5},
	/* An idle spell leaves one token, not a burst. */
	{"idle", 10, {{1, 0}, {9, 0}, {9, 0.1}, {9.1, 0}}, 4},
	/* A late take moves the schedule: starts stay an interval apart. */
	{"late", 10, {{1, 0}, {1.13, 0}, {1.2, 0.03}, {1.23, 0}}, 4},
	/* Slow rates: 1/m and 1/h. */
	{"1/m", 1.0 / 60, {{0, 0}, {30, 30}, {60, 0}, {61, 59}}, 4},
	{"2/h", 2.0 / 3600, {{100, 0}, {100, 1800}, {1900, 0}}, 3},
};

static void test_ratelimit_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct ratelimit b;
		ratelimit_init(&b, r->per_second);
		assert_int_equal(ratelimit_on(&b), r->per_second > 0);
		for (int k = 0; k < r->n; k++) {
			double got = ratelimit_take(&b, r->takes[k].now);
			double want = r->takes[k].want;
			if (got < want - 1e-9 || got > want + 1e-9)
				fail_msg("%s, take %d at %g: got %g, want %g", r->what, k,
					 r->takes[k].now, got, want);
		}
	}
}

/* Whatever the times asked at, the starts in any window of W seconds are
 * at most W * rate + 1: the bucket's promise. */
static void test_ratelimit_never_bursts(void **state)
{
	(void)state;
	struct ratelimit b;
	ratelimit_init(&b, 20);
	double starts[4000];
	int n = 0;
	uint64_t x = 88172645463325252ULL;
	double t = 0;
	while (n < 4000) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t += (double)(x % 1000) / 1e5; /* asks 0 to 10 ms apart */
		double wait = ratelimit_take(&b, t);
		if (wait == 0)
			starts[n++] = t;
		else
			assert_true(t + wait == ratelimit_due(&b));
	}
	for (int i = 0; i < n; i++) {
		int in = 0;
		for (int j = i; j < n && starts[j] < starts[i] + 1.0; j++)
			in++;
		assert_true(in <= 20 + 1);
	}
	/* And the rate is kept up when asked often: about 20 a second. */
	assert_true((starts[n - 1] - starts[0]) < (n - 1) / 20.0 * 1.1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_table),
		cmocka_unit_test(test_ratelimit_never_bursts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
