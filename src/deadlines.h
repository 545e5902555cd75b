/* deadlines: when transfers in flight must be looked at again, for
 * --idle-timeout. No curl, no clock: times are the caller's.
 *
 * An indexed min-heap over the ids 0..n-1 (the loop's slots): setting,
 * moving or clearing one id's deadline is O(log n), the earliest one is
 * O(1), so at -j 1000 the loop never scans every slot to find what is
 * due. A deadline may be early, never late: a transfer's bytes only move
 * its real deadline later, so the loop keeps the heap as it is while
 * bytes flow and, when an entry comes due, asks deadlines_idle_next()
 * whether to abort or when to look again. */
#ifndef URLFAN_DEADLINES_H
#define URLFAN_DEADLINES_H

#include <stdbool.h>
#include <stddef.h>

struct deadlines;

/* Room for the ids 0..n-1, none set. */
struct deadlines *deadlines_create(size_t n);
/* Accepts NULL. */
void deadlines_destroy(struct deadlines *d);

/* Give id (< n) the deadline due, whether it had one or not. */
void deadlines_set(struct deadlines *d, size_t id, double due);
/* Take id's deadline away; nothing happens when it has none. */
void deadlines_clear(struct deadlines *d, size_t id);
/* The earliest deadline: true with its id and time, false when none is
 * set. */
bool deadlines_first(const struct deadlines *d, size_t *id, double *due);

/* The idle-timeout decision for one transfer looked at, at time now:
 * active is when its last byte moved (0: its request has not gone out
 * yet; connecting is the connect timeout's business). Returns 0 when it
 * has been idle for timeout seconds or more; otherwise the time to look
 * again, never later than the moment it would time out. */
double deadlines_idle_next(double active, double now, double timeout);

#endif
