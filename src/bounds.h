/* bounds: how much a run may hold at once, computed once from the config
 * and handed to both sides - the engine (how far to read ahead) and the
 * output (how many records --order input may hold back) - so that the two
 * cannot disagree. */
#ifndef URLFAN_BOUNDS_H
#define URLFAN_BOUNDS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* The read-ahead byte budget, in MiB (in the man page's memory formula). */
#define BOUNDS_READAHEAD_MIB 16u

struct bounds {
	/* Requests read but not started (waiting for a slot or a retry):
	 * input is not read further while this many wait... */
	size_t readahead;
	/* ...unless slots are free that the requests waiting cannot take,
	 * being held back by their hosts (at their cap, paused, waiting for
	 * their bucket): a list sorted by host would hide the hosts behind
	 * it. Then reading goes on while the requests held (read and not yet
	 * done) take fewer than this many bytes. */
	size_t readahead_bytes;
	/* Within those bytes, reading also goes on while fewer hosts than
	 * this (--parallel) are known: a short list sorted by host then has
	 * all its hosts sharing the slots from the start. */
	size_t spread;
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
	/* The most connections libcurl may keep open at once, from the
	 * open-files limit (fdlimit.h); 0: no limit known. */
	size_t connections;
};

/* The bounds for cfg. */
struct bounds bounds_of(const struct config *cfg);

/* Whether to read one more request, with waiting requests read but not
 * started, held_bytes held by the requests read and not yet done,
 * free_slots free under --parallel, startable of the waiting requests
 * that their hosts would start now, hosts known (with work or kept) and
 * fresh of them waiting with nothing in flight. Past the count bound,
 * reading goes on within the byte budget while the free slots could not
 * all be taken, or, with several hosts, while none is fresh (every
 * request waiting is then for a host already running, and the hosts
 * behind them in a list sorted by host would get no slot until those
 * end, leaving a tail of a few hosts at their caps) or while fewer than
 * b->spread are known. With one host there is nothing to find, and the
 * count bound holds. */
bool bounds_read_more(const struct bounds *b, size_t waiting, size_t held_bytes, size_t free_slots,
		      size_t startable, size_t hosts, size_t fresh);

/* The connections libcurl may keep open (in use or idle) when wanted are
 * worth keeping for the requests known now (hostlimit_connections()):
 * those and 2 x -j more, at least 4 x -j (libcurl's own default), at
 * most b->connections. */
long bounds_connections(const struct bounds *b, size_t wanted, long parallel);

#endif
