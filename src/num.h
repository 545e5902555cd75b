/* num: the few pieces of floating-point maths urlfan needs, without libm.
 *
 * Loading libm.so costs about 0.4 MiB of resident memory (measured with
 * 100,000 URLs at -j 64: 12.4 MiB with it, 11.8 MiB without), for a handful
 * of calls on timeouts and the latency histogram. These cover exactly the
 * ranges urlfan uses; ldexp() and frexp() come from libc itself. */
#ifndef URLFAN_NUM_H
#define URLFAN_NUM_H

/* The smallest integral value not below x. Values beyond 2^62 and NaN are
 * returned as they are (they are integral or meaningless already). */
static inline double num_ceil(double x)
{
	if (!(x > -4.6e18 && x < 4.6e18))
		return x;
	long long i = (long long)x; /* truncates toward zero */
	return (double)i < x ? (double)(i + 1) : (double)i;
}

/* The largest integral value not above x; same ranges as num_ceil(). */
static inline double num_floor(double x)
{
	if (!(x > -4.6e18 && x < 4.6e18))
		return x;
	long long i = (long long)x;
	return (double)i > x ? (double)(i - 1) : (double)i;
}

/* e^x for x <= 0 (a decay factor), to about 1e-12 relative: x is halved
 * until it is small, a Taylor series is summed, and the result squared
 * back. Positive x and NaN give 1; very negative x gives 0. */
double num_exp_neg(double x);

/* log2(x) split for a histogram with 8 buckets per octave: returns k such
 * that 2^(k/8) <= x < 2^((k+1)/8), for x >= 1. */
int num_log2_eighths(double x);

/* 2^(k/8) for k >= 0: the bucket edges num_log2_eighths() uses. */
double num_exp2_eighths(int k);

#endif
