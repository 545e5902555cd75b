#include "num.h"

#include <math.h> /* frexp() and ldexp() only: both are in libc */

double num_exp_neg(double x)
{
	if (!(x < 0))
		return 1;
	if (x < -745) /* below the smallest subnormal */
		return 0;
	int halvings = 0;
	while (x < -0.125) {
		x /= 2;
		halvings++;
	}
	/* |x| <= 1/8: terms to x^10/10! are below 1e-19. */
	double sum = 1, term = 1;
	for (int n = 1; n <= 10; n++) {
		term *= x / n;
		sum += term;
	}
	while (halvings-- > 0)
		sum *= sum;
	return sum;
}

/* 2^(j/8) for j = 0..7, and the edge of the next octave. */
static const double eighth[9] = {
	1.0,
	1.0905077326652577,
	1.189207115002721,
	1.2968395546510096,
	1.4142135623730951,
	1.5422108254079407,
	1.681792830507429,
	1.8340080864093424,
	2.0,
};

int num_log2_eighths(double x)
{
	int e;
	double m = 2 * frexp(x, &e); /* x = m * 2^(e-1), 1 <= m < 2 */
	int j = 0;
	while (j < 7 && m >= eighth[j + 1])
		j++;
	return 8 * (e - 1) + j;
}

double num_exp2_eighths(int k)
{
	return ldexp(eighth[k % 8], k / 8);
}
