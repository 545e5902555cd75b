/* poller_poll: the portable backend, poll(2) from POSIX alone. Built
 * instead of poller_epoll.c by -Dpoller=poll, and by -Dpoller=auto where
 * the system has no epoll.
 *
 * The watched fds are one dense array of struct pollfd, handed to poll()
 * as it is, and a table indexed by fd that says where each fd sits in it,
 * so that poller_set() and poller_remove() cost O(1) whatever the number
 * of fds: a removal moves the last entry into the hole. poll() itself is
 * O(n) in the fds watched, which is the price of portability. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poller.h"

struct poller {
	struct pollfd *pfd; /* the watched fds, dense: [0, n) */
	size_t n, cap;
	size_t *slot;     /* slot[fd]: its index in pfd plus one, 0: not watched */
	size_t nslot;     /* entries in slot[]: every fd below it */
	size_t next_scan; /* where the next poller_wait() starts reporting */
};

struct poller *poller_create(char *err, size_t errlen)
{
	struct poller *p = calloc(1, sizeof *p);
	if (!p)
		snprintf(err, errlen, "poller: %s", strerror(errno));
	return p;
}

void poller_destroy(struct poller *p)
{
	if (!p)
		return;
	free(p->pfd);
	free(p->slot);
	free(p);
}

static short to_poll(unsigned events)
{
	return (short)((events & POLLER_IN ? POLLIN : 0) | (events & POLLER_OUT ? POLLOUT : 0));
}

/* Make slot[fd] exist; the table at least doubles, so growing is
 * amortised O(1). */
static int grow_slots(struct poller *p, int fd)
{
	if ((size_t)fd < p->nslot)
		return 0;
	size_t n = p->nslot ? p->nslot : 64;
	while (n <= (size_t)fd)
		n *= 2;
	size_t *s = realloc(p->slot, n * sizeof *s);
	if (!s)
		return -1;
	memset(s + p->nslot, 0, (n - p->nslot) * sizeof *s);
	p->slot = s;
	p->nslot = n;
	return 0;
}

int poller_set(struct poller *p, int fd, unsigned events)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (grow_slots(p, fd) != 0)
		return -1;
	if (p->slot[fd]) {
		p->pfd[p->slot[fd] - 1].events = to_poll(events);
		return 0;
	}
	/* poll() takes an nfds_t, but the count is reported back in an int */
	if (p->n >= (size_t)INT_MAX) {
		errno = EMFILE;
		return -1;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct pollfd *a = realloc(p->pfd, cap * sizeof *a);
		if (!a)
			return -1;
		p->pfd = a;
		p->cap = cap;
	}
	p->pfd[p->n] = (struct pollfd){.fd = fd, .events = to_poll(events)};
	p->slot[fd] = ++p->n;
	return 0;
}

int poller_remove(struct poller *p, int fd)
{
	if (fd < 0 || (size_t)fd >= p->nslot || !p->slot[fd])
		return 0; /* not watched: nothing to do */
	size_t i = p->slot[fd] - 1, last = p->n - 1;
	if (i != last) {
		p->pfd[i] = p->pfd[last];
		p->slot[p->pfd[i].fd] = i + 1;
	}
	p->slot[fd] = 0;
	p->n--;
	return 0;
}

static unsigned from_poll(short revents)
{
	return (revents & POLLIN ? POLLER_IN : 0u) | (revents & POLLOUT ? POLLER_OUT : 0u) |
	       (revents & (POLLERR | POLLHUP | POLLNVAL) ? POLLER_ERR : 0u);
}

/* Ready fds are reported from a position that moves on from one call to
 * the next, so that with more ready than max the ones at the end of the
 * array are not always the ones left for later. An fd that poll() calls
 * invalid (POLLNVAL: closed while watched) is reported once as
 * POLLER_ERR and then dropped, as epoll drops a closed fd by itself;
 * otherwise every later poll() would return at once for it. */
int poller_wait(struct poller *p, struct poller_event *ev, int max, int timeout_ms)
{
	int r = poll(p->pfd, (nfds_t)p->n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	int out = 0;
	size_t n = p->n, start = p->next_scan < n ? p->next_scan : 0, seen = 0;
	for (size_t k = 0; k < n && out < max && (int)seen < r; k++) {
		size_t i = (start + k) % n;
		if (!p->pfd[i].revents)
			continue;
		seen++;
		ev[out].fd = p->pfd[i].fd;
		ev[out].events = from_poll(p->pfd[i].revents);
		out++;
		p->next_scan = i + 1;
	}
	for (int k = 0; k < out; k++)
		if (ev[k].events & POLLER_ERR && ev[k].fd < (int)p->nslot && p->slot[ev[k].fd] &&
		    p->pfd[p->slot[ev[k].fd] - 1].revents & POLLNVAL)
			poller_remove(p, ev[k].fd);
	return out;
}

const char *poller_name(void)
{
	return "poll";
}
