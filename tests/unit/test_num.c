/* Unit tests for num.c: the libm-free helpers agree with libm (which this
 * test, unlike the program, links) over the ranges urlfan uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "num.h"

static const double samples[] = {
	0, 0.0, -0.0, 0.1, 0.5, 0.999999, 1, 1.000001, 1.5, 2, 2.5, 999.0001,
	1e6, 1e15 + 0.5, 4.5e18, -0.1, -0.5, -1, -1.5, -2.5, -1e15 - 0.5, -4.5e18,
	1e-300, -1e-300, 4503599627370495.5,
};

static void test_num_ceil_floor(void **state)
{
	for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
		double x = samples[i];
		assert_true(num_ceil(x) == ceil(x));
		assert_true(num_floor(x) == floor(x));
	}
	/* Beyond the integer range, and NaN, come back unchanged. */
	assert_true(num_ceil(1e300) == 1e300);
	assert_true(num_floor(-INFINITY) == -INFINITY);
	assert_true(isnan(num_ceil(NAN)));
}

static void test_num_exp_neg(void **state)
{
	for (double x = 0; x > -700; x = x * 1.37 - 0.001) {
		double want = exp(x), got = num_exp_neg(x);
		if (fabs(got - want) > 1e-11 * want)
			fail_msg("exp(%g): %.17g, want %.17g", x, got, want);
	}
	assert_true(num_exp_neg(0) == 1);
	assert_true(num_exp_neg(5) == 1);
	assert_true(num_exp_neg(NAN) == 1);
	assert_true(num_exp_neg(-1e6) == 0);
}

/* The bucket of x is floor(log2(x) * 8), and its edges are 2^(k/8); both
 * agree with libm everywhere except within rounding of an edge. */
static void test_num_log2_eighths(void **state)
{
	for (double x = 1; x < 1e12; x *= 1.003) {
		int got = num_log2_eighths(x);
		int want = (int)floor(log2(x) * 8);
		if (got != want) {
			double edge = exp2((got > want ? got : want) / 8.0);
			if (fabs(x - edge) > 1e-12 * edge)
				fail_msg("x=%.17g: bucket %d, want %d", x, got, want);
		}
		assert_true(num_exp2_eighths(got) <= x);
		assert_true(x < num_exp2_eighths(got + 1));
	}
	for (int k = 0; k < 400; k++) {
		double want = exp2(k / 8.0);
		assert_true(fabs(num_exp2_eighths(k) - want) <= 1e-15 * want);
		assert_int_equal(num_log2_eighths(num_exp2_eighths(k)), k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_num_ceil_floor),
		cmocka_unit_test(test_num_exp_neg),
		cmocka_unit_test(test_num_log2_eighths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
