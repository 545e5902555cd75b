/* fdlimit: how many requests at once the process's file descriptors allow.
 *
 * Each request in flight needs descriptors: its socket, libcurl's cache of
 * connections kept for reuse (at least 2 x --parallel, see bounds.h), a name
 * lookup's socket pair, a file with -O. When RLIMIT_NOFILE is too low for
 * --parallel, connections would fail with EMFILE in the middle of the run
 * and look like the server's fault; urlfan raises the soft limit to the
 * hard one instead, and lowers --parallel when even that is not enough. */
#ifndef URLFAN_FDLIMIT_H
#define URLFAN_FDLIMIT_H

#include <stdbool.h>

/* Descriptors one request in flight may need (socket, its share of the
 * connection cache, a name lookup), one more with -O, and those the run
 * needs besides (the input, the output, epoll, libcurl's own, --skip-done
 * and --save-unfinished files) on top of those open at start. */
#define FDLIMIT_PER_REQUEST 4
#define FDLIMIT_PER_FILE 1
#define FDLIMIT_MARGIN 16

/* Raise the soft RLIMIT_NOFILE to the hard limit (as far as the kernel
 * allows). Returns the soft limit now in force, or -1 when there is none
 * or it cannot be read. */
long fdlimit_raise(void);

/* How many descriptors are open now (counted in /proc/self/fd, or where
 * there is none, by fcntl() on each below the soft limit), or -1. */
long fdlimit_in_use(void);

/* The largest --parallel, at most want and at least 1, whose requests fit
 * in limit descriptors when in_use are open already; files: -O is on. */
long fdlimit_parallel(long want, long limit, long in_use, bool files);

/* How many descriptors --parallel n needs, with in_use open already. */
long fdlimit_needed(long n, long in_use, bool files);

/* How many connections libcurl may keep open at once (in use or idle,
 * one descriptor each) when --parallel n runs within limit descriptors,
 * in_use open already: all the descriptors the requests' other needs
 * leave, at least 2 x n (what fdlimit_parallel() counted). */
long fdlimit_connections(long n, long limit, long in_use, bool files);

#endif
