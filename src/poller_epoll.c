/* The epoll backend of poller.h (Linux). A wait costs work in proportion
 * to the fds that are ready, not to those watched, which is what a run
 * with --parallel 1000 against slow servers needs.
 *
 * Which fds are in the epoll set is kept in a byte per fd, so that
 * poller_set() knows whether to ADD or MOD without a failed system call
 * first (a new connection, and every reuse of one, would otherwise pay
 * one). */
#include "poller.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "xalloc.h"

struct poller {
	int epfd;
	bool *added; /* added[fd]: fd is in the epoll set */
	size_t nadded;
	struct epoll_event *evs; /* poller_wait()'s buffer */
	int nevs;
};

struct poller *poller_create(char *err, size_t errlen)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		return NULL;
	}
	struct poller *p = xcalloc(1, sizeof *p);
	p->epfd = epfd;
	return p;
}

void poller_destroy(struct poller *p)
{
	if (!p)
		return;
	close(p->epfd);
	free(p->added);
	free(p->evs);
	free(p);
}

static bool is_added(const struct poller *p, int fd)
{
	return (size_t)fd < p->nadded && p->added[fd];
}

static void mark(struct poller *p, int fd, bool on)
{
	if ((size_t)fd >= p->nadded) {
		if (!on)
			return;
		size_t n = p->nadded ? p->nadded : 64;
		while (n <= (size_t)fd)
			n *= 2;
		p->added = xrealloc(p->added, n);
		memset(p->added + p->nadded, 0, n - p->nadded);
		p->nadded = n;
	}
	p->added[fd] = on;
}

int poller_set(struct poller *p, int fd, unsigned events)
{
	struct epoll_event ev = {
		.events =
			(events & POLLER_IN ? EPOLLIN : 0u) | (events & POLLER_OUT ? EPOLLOUT : 0u),
		.data.fd = fd,
	};
	int op = is_added(p, fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	int rc = epoll_ctl(p->epfd, op, fd, &ev);
	/* The byte can be wrong when an fd was closed and its number reused
	 * without a remove (the kernel drops a closed fd from the set by
	 * itself): try the other operation once. */
	if (rc != 0 && (errno == ENOENT || errno == EEXIST)) {
		op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		rc = epoll_ctl(p->epfd, op, fd, &ev);
	}
	if (rc == 0)
		mark(p, fd, true);
	return rc;
}

int poller_remove(struct poller *p, int fd)
{
	bool was = is_added(p, fd);
	mark(p, fd, false);
	if (!was)
		return 0;
	/* A closed fd has left the set already. */
	if (epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL) != 0 && errno != EBADF && errno != ENOENT)
		return -1;
	return 0;
}

int poller_wait(struct poller *p, struct poller_event *ev, int max, int timeout_ms)
{
	if (max > p->nevs) {
		p->evs = xrealloc(p->evs, (size_t)max * sizeof *p->evs);
		p->nevs = max;
	}
	int n = epoll_wait(p->epfd, p->evs, max, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		uint32_t e = p->evs[i].events;
		ev[i].fd = p->evs[i].data.fd;
		ev[i].events = (e & EPOLLIN ? POLLER_IN : 0u) | (e & EPOLLOUT ? POLLER_OUT : 0u) |
			       (e & (EPOLLERR | EPOLLHUP) ? POLLER_ERR : 0u);
	}
	return n;
}

const char *poller_name(void)
{
	return "epoll";
}
