#include "bounds.h"

struct bounds bounds_of(const struct config *cfg)
{
	struct bounds b;
	size_t parallel = cfg->parallel > 0 ? (size_t)cfg->parallel : 1;
	b.readahead = 4 * parallel;
	b.window = b.readahead + parallel;
	b.queue_bytes = 8u << 20;
	b.window_bytes = 64u << 20;
	return b;
}
