/* clock: the one clock urlfan reads. */
#ifndef URLFAN_CLOCK_H
#define URLFAN_CLOCK_H

/* Seconds on the monotonic clock, from an unspecified start: only
 * differences mean anything. */
double clock_now(void);

#endif
