/* poller: which file descriptors are ready, behind one small interface.
 * The loop (loop.c) is its only user. Each backend is one file that
 * defines every function below (poller_epoll.c, poller_poll.c); meson
 * builds exactly one of them, chosen by -Dpoller=auto|epoll|poll, so a
 * further backend is a new file and a meson line, not edits elsewhere.
 *
 * The poller never closes or owns an fd: it only remembers what to
 * watch. An fd closed while watched must be removed by its owner
 * (libcurl says so through CURL_POLL_REMOVE); removing an fd that is not
 * watched, or that was closed already, is not an error. */
#ifndef URLFAN_POLLER_H
#define URLFAN_POLLER_H

#include <stddef.h>

/* What an fd waits for, and what poller_wait() says it is ready for.
 * POLLER_ERR is only ever reported (an error or hang-up), never asked. */
enum {
	POLLER_IN = 1u,
	POLLER_OUT = 2u,
	POLLER_ERR = 4u,
};

struct poller_event {
	int fd;
	unsigned events; /* POLLER_IN | POLLER_OUT | POLLER_ERR */
};

struct poller;

/* A poller watching nothing. NULL with a message in err when the system
 * refuses one. */
struct poller *poller_create(char *err, size_t errlen);
/* Accepts NULL. Closes the backend's own fd, none of the watched ones. */
void poller_destroy(struct poller *p);
/* Watch fd (>= 0) for events (POLLER_IN and/or POLLER_OUT), whether it
 * was watched before or not. 0, or -1 with errno set. */
int poller_set(struct poller *p, int fd, unsigned events);
/* Stop watching fd. 0, or -1 with errno set for a real failure. */
int poller_remove(struct poller *p, int fd);
/* Wait until some watched fd is ready or timeout_ms has passed (-1: no
 * limit, 0: only look), and put at most max ready fds in ev. Returns
 * their number: 0 after the timeout or a signal, -1 with errno set when
 * the wait itself failed. */
int poller_wait(struct poller *p, struct poller_event *ev, int max, int timeout_ms);
/* The backend's name, for --version: "epoll", "poll". */
const char *poller_name(void);

#endif
