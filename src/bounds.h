/* bounds: how much a run may hold at once, computed once from the config
 * and handed to both sides - the engine (how far to read ahead) and the
 * output (how many records --order input may hold back) - so that the two
 * cannot disagree. */
#ifndef URLFAN_BOUNDS_H
#define URLFAN_BOUNDS_H

#include <stddef.h>

#include "config.h"

struct bounds {
	/* Requests read but not started (waiting for a slot or a retry):
	 * input is not read further while this many wait. */
	size_t readahead;
	/* --order input: records that may wait for an earlier one; a
	 * request whose index is this far past the oldest unwritten one is
	 * not read yet. As many as may be read ahead plus those in flight,
	 * so that the order costs no concurrency unless an early request is
	 * slow. */
	size_t window;
	/* Bytes of finished records waiting for a slow reader beyond which no
	 * new request starts (back-pressure; those in flight still finish). */
	size_t queue_bytes;
	/* Bytes the --order input window may hold before no new request
	 * starts. */
	size_t window_bytes;
};

/* The bounds for cfg. */
struct bounds bounds_of(const struct config *cfg);

#endif
