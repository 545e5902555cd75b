/* watches: the fds the engine waits on besides libcurl's sockets, each
 * watched only while it matters: the signal self-pipe (always; emptied
 * when it wakes the loop), the input (while a read would block), the
 * output (for writability while records wait for the reader) and an
 * output pipe (always, for its reader going away, so that | head stops a
 * run at once rather than at its next record). What a ready fd means is
 * the next turn's business; this module only keeps the poller's set in
 * step with what the engine wants. */
#ifndef URLFAN_WATCHES_H
#define URLFAN_WATCHES_H

#include <stdbool.h>

#include "loop.h"

struct watches {
	struct loop *loop;
	int input_fd;
	bool input_on;
	int out_fd;     /* watched for its reader leaving, or -1 */
	int out_events; /* what out_fd is watched for now, or -1: not yet */
	int other_fd;   /* another fd watched for writability, or -1 */
	bool gone;      /* out_fd's reader went away */
	int err;        /* errno of a watch that failed: the run stops */
};

/* Watch wake_fd (or -1) from now on. input_fd is the source's; out_fd a
 * pipe or socket whose reader may leave, or -1. 0, or -1 with errno. */
int watches_init(struct watches *w, struct loop *l, int wake_fd, int input_fd, int out_fd);
/* Watch the input while want. */
void watches_input(struct watches *w, bool want);
/* Watch fd (or -1: none) for writability, instead of the one before. */
void watches_output(struct watches *w, int fd);

#endif
