#include "ratelimit.h"

void ratelimit_init(struct ratelimit *b, double per_second)
{
	b->interval = per_second > 0 ? 1 / per_second : 0;
	b->next = 0;
}

bool ratelimit_on(const struct ratelimit *b)
{
	return b->interval > 0;
}

double ratelimit_take(struct ratelimit *b, double now)
{
	if (b->interval <= 0)
		return 0;
	if (now < b->next)
		return b->next - now;
	b->next = now + b->interval;
	return 0;
}

double ratelimit_due(const struct ratelimit *b)
{
	return b->next;
}
