#include "bounds.h"

#include <limits.h>

struct bounds bounds_of(const struct config *cfg)
{
	struct bounds b;
	size_t parallel = cfg->parallel > 0 ? (size_t)cfg->parallel : 1;
	b.readahead = 4 * parallel;
	b.readahead_bytes = BOUNDS_READAHEAD_MIB << 20;
	b.spread = parallel;
	b.window = b.readahead + parallel;
	b.queue_bytes = 8u << 20;
	b.window_bytes = 64u << 20;
	b.connections = 0;
	return b;
}

bool bounds_read_more(const struct bounds *b, size_t waiting, size_t held_bytes, size_t free_slots,
		      size_t startable, size_t hosts, size_t fresh)
{
	if (waiting < b->readahead)
		return true;
	bool seek = hosts > 1 && (fresh == 0 || hosts < b->spread);
	return (startable < free_slots || seek) && held_bytes < b->readahead_bytes;
}

long bounds_connections(const struct bounds *b, size_t wanted, long parallel)
{
	size_t p = parallel > 0 ? (size_t)parallel : 1;
	/* Room for the idle connections of hosts that have no request read
	 * ahead now but come back (a shuffled list): libcurl closes the
	 * least recently used one first. */
	size_t n = wanted + 2 * p;
	if (n < 4 * p)
		n = 4 * p;
	if (b->connections && n > b->connections)
		n = b->connections;
	return n > (size_t)LONG_MAX ? LONG_MAX : (long)n;
}
