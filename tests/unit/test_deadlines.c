/* Unit tests for deadlines.c: the indexed heap against a plain array that
 * is searched whole, under a long random sequence of sets, moves and
 * clears; and the idle-timeout decision as a table. No clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <cmocka.h>

#include "deadlines.h"

#define N 64

/* The model: due[id], or 0 when id has no deadline. */
static bool model_first(const double *due, size_t *id, double *when)
{
	bool any = false;
	for (size_t i = 0; i < N; i++)
		if (due[i] > 0 && (!any || due[i] < *when)) {
			*id = i;
			*when = due[i];
			any = true;
		}
	return any;
}

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_deadlines_match_a_model(void **state)
{
	(void)state;
	struct deadlines *d = deadlines_create(N);
	double due[N] = {0};
	uint32_t seed = 12345;
	size_t id;
	double when;
	assert_false(deadlines_first(d, &id, &when));
	for (int step = 0; step < 100000; step++) {
		size_t k = next(&seed) % N;
		switch (next(&seed) % 4) {
		case 0:
		case 1:
			/* Distinct times, so that the earliest is one id. */
			due[k] = 1 + (double)(next(&seed) % 1000000) + (double)k / N;
			deadlines_set(d, k, due[k]);
			break;
		case 2:
			due[k] = 0;
			deadlines_clear(d, k);
			break;
		case 3:
			/* The loop's own move: the earliest one, later. */
			if (deadlines_first(d, &id, &when)) {
				due[id] = when + 1000 + (double)(next(&seed) % 1000);
				deadlines_set(d, id, due[id]);
			}
			break;
		}
		size_t want_id = 0;
		double want = 0;
		bool any = model_first(due, &want_id, &want);
		assert_int_equal(deadlines_first(d, &id, &when), any);
		if (any) {
			assert_int_equal(id, want_id);
			assert_true(when == want);
		}
	}
	/* Clearing what is not set changes nothing; then clear them all. */
	for (size_t i = 0; i < N; i++) {
		deadlines_clear(d, i);
		deadlines_clear(d, i);
	}
	assert_false(deadlines_first(d, &id, &when));
	deadlines_destroy(d);
	deadlines_destroy(NULL);
}

static void test_deadlines_idle_next(void **state)
{
	(void)state;
	static const struct {
		double active, now, timeout, want;
	} rows[] = {
		/* Not sent yet: look again a whole timeout later. */
		{0, 10, 0.5, 10.5},
		/* Idle for the whole timeout, or more: stop it. */
		{10, 10.5, 0.5, 0},
		{10, 12, 0.5, 0},
		/* A byte came since: look again when it would time out. */
		{10.3, 10.5, 0.5, 10.8},
		{10.4999, 10.5, 0.5, 10.9999},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		double got = deadlines_idle_next(rows[i].active, rows[i].now, rows[i].timeout);
		if (got != rows[i].want)
			fail_msg("row %zu: %f, want %f", i, got, rows[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadlines_match_a_model),
		cmocka_unit_test(test_deadlines_idle_next),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
