#include "shard.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "hash.h"

#define SHARDS_MAX 1000000

bool shard_mine(const struct shard *s, size_t index, const char *hostkey)
{
	if (s->n <= 0)
		return true;
	uint64_t n = (uint64_t)s->n;
	uint64_t which = s->by == SHARD_BY_HOST && hostkey ? hash_str(hostkey) % n : index % n;
	return which == (uint64_t)(s->k - 1);
}

static int number(const char *p, char **end, long *out)
{
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	long v = strtol(p, end, 10);
	if (errno || v < 1 || v > SHARDS_MAX)
		return -1;
	*out = v;
	return 0;
}

int shard_parse(const char *text, struct shard *s)
{
	char *end;
	long k, n;
	if (number(text, &end, &k) != 0 || *end != '/' || number(end + 1, &end, &n) != 0 || *end ||
	    k > n)
		return -1;
	s->k = k;
	s->n = n;
	return 0;
}
