/* Unit tests for fdlimit.c: which --parallel fits in a descriptor limit
 * (a pure function), and the two system calls' plain answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "fdlimit.h"

static void test_fdlimit_parallel_table(void **state)
{
	(void)state;
	static const struct {
		long want, limit, in_use;
		bool files;
		long fit;
	} rows[] = {
		/* Room enough: unchanged. */
		{50, 1024, 3, false, 50},
		{1000, 1048576, 3, true, 1000},
		/* ulimit -n 64 at -j 1000: (64 - 3 - 16) / 4. */
		{1000, 64, 3, false, 11},
		/* -O costs one more each: (64 - 3 - 16) / 5. */
		{1000, 64, 3, true, 9},
		/* Exactly enough. */
		{10, 3 + 16 + 40, 3, false, 10},
		{11, 3 + 16 + 40, 3, false, 10},
		/* Never below 1, however little room. */
		{50, 16, 10, false, 1},
		{1, 5, 3, false, 1},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		long got = fdlimit_parallel(rows[i].want, rows[i].limit, rows[i].in_use,
					    rows[i].files);
		if (got != rows[i].fit)
			fail_msg("row %zu: %ld, want %ld", i, got, rows[i].fit);
		/* What it says it needs fits, when it had to lower. */
		if (got < rows[i].want && got > 1)
			assert_true(fdlimit_needed(got, rows[i].in_use, rows[i].files) <=
				    rows[i].limit);
	}
}

/* The connections the cache may hold: what the requests' other
 * descriptors leave, and never less than fdlimit_parallel() counted. */
static void test_fdlimit_connections(void **state)
{
	(void)state;
	/* 1024 - 10 open - 16 margin - 50 x 2 (name lookups) */
	assert_int_equal(fdlimit_connections(50, 1024, 10, false), 898);
	/* -O: a file each too */
	assert_int_equal(fdlimit_connections(50, 1024, 10, true), 848);
	/* -j lowered to fit: at least 2 x -j */
	long fit = fdlimit_parallel(1000, 1024, 10, false);
	assert_true(fdlimit_connections(fit, 1024, 10, false) >= 2 * fit);
	assert_int_equal(fdlimit_connections(100, 100, 10, false), 200);
}

static void test_fdlimit_raise_and_count(void **state)
{
	(void)state;
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	long soft = fdlimit_raise();
	assert_true(soft > 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	/* The soft limit is now the hard one (or the ceiling below it). */
	assert_true(rl.rlim_cur == rl.rlim_max || rl.rlim_cur == (rlim_t)soft);
	long n = fdlimit_in_use();
	assert_true(n >= 3); /* stdin, stdout, stderr at least */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdlimit_parallel_table),
		cmocka_unit_test(test_fdlimit_raise_and_count),
		cmocka_unit_test(test_fdlimit_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
