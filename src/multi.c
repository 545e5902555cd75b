#include "multi.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "xalloc.h"

struct multi {
	CURLM *curlm;
	struct loop *loop;
	struct loop_timer timer; /* libcurl's timeout action */
	bool due;                /* ... has come */
	int watch_errno;         /* watching a socket failed */
	CURLMcode failed;        /* a socket action that failed */
	long maxconnects;        /* CURLMOPT_MAXCONNECTS as set */
};

static void ready_cb(int fd, unsigned events, void *data)
{
	struct multi *m = data;
	int flags = (events & POLLER_IN ? CURL_CSELECT_IN : 0) |
		    (events & POLLER_OUT ? CURL_CSELECT_OUT : 0) |
		    (events & POLLER_ERR ? CURL_CSELECT_ERR : 0);
	int still;
	CURLMcode mc = curl_multi_socket_action(m->curlm, fd, flags, &still);
	if (mc != CURLM_OK && m->failed == CURLM_OK)
		m->failed = mc;
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct multi *m = userp;
	(void)easy;
	(void)socketp;
	int rc = what == CURL_POLL_REMOVE
			 ? loop_unwatch(m->loop, fd)
			 : loop_watch(m->loop, fd,
				      (what & CURL_POLL_IN ? POLLER_IN : 0u) |
					      (what & CURL_POLL_OUT ? POLLER_OUT : 0u),
				      ready_cb, m);
	if (rc != 0)
		m->watch_errno = errno;
	return 0;
}

static int timer_cb(CURLM *curlm, long timeout_ms, void *userp)
{
	struct multi *m = userp;
	(void)curlm;
	if (timeout_ms < 0)
		loop_timer_stop(m->loop, &m->timer);
	else
		loop_timer_set(m->loop, &m->timer, clock_now() + (double)timeout_ms / 1000);
	return 0;
}

static void due_cb(struct loop_timer *t, void *data)
{
	struct multi *m = data;
	(void)t;
	m->due = true;
}

struct multi *multi_create(struct loop *l, long maxconnects, char *err, size_t errlen)
{
	CURLM *curlm = curl_multi_init();
	if (!curlm) {
		snprintf(err, errlen, "cannot initialise libcurl's multi handle");
		return NULL;
	}
	struct multi *m = xcalloc(1, sizeof *m);
	m->curlm = curlm;
	m->loop = l;
	loop_timer_init(&m->timer, due_cb, m);
	/* The per-host cap is urlfan's (a semaphore over requests); libcurl
	 * may open as many connections as that needs, and keep them for
	 * reuse (multi_keep()). CURLMOPT_MAX_HOST_CONNECTIONS and
	 * MAX_TOTAL_CONNECTIONS stay unset: a request they held back would
	 * wait inside libcurl, on its own timeouts' clock. */
	CURLMcode mc;
	if ((mc = curl_multi_setopt(curlm, CURLMOPT_SOCKETFUNCTION, socket_cb)) ||
	    (mc = curl_multi_setopt(curlm, CURLMOPT_SOCKETDATA, m)) ||
	    (mc = curl_multi_setopt(curlm, CURLMOPT_TIMERFUNCTION, timer_cb)) ||
	    (mc = curl_multi_setopt(curlm, CURLMOPT_TIMERDATA, m)) ||
	    (mc = curl_multi_setopt(curlm, CURLMOPT_MAXCONNECTS, maxconnects))) {
		snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
		multi_destroy(m);
		return NULL;
	}
	m->maxconnects = maxconnects;
	return m;
}

void multi_destroy(struct multi *m)
{
	if (!m)
		return;
	curl_multi_cleanup(m->curlm);
	loop_timer_stop(m->loop, &m->timer);
	free(m);
}

void multi_keep(struct multi *m, long maxconnects)
{
	if (maxconnects != m->maxconnects &&
	    curl_multi_setopt(m->curlm, CURLMOPT_MAXCONNECTS, maxconnects) == CURLM_OK)
		m->maxconnects = maxconnects;
}

static enum multi_status check(struct multi *m, CURLMcode mc, char *err, size_t errlen)
{
	if (mc != CURLM_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
		return MULTI_ECURL;
	}
	if (m->watch_errno) {
		snprintf(err, errlen, "watching a socket: %s", strerror(m->watch_errno));
		return MULTI_ESYS;
	}
	return MULTI_OK;
}

enum multi_status multi_add(struct multi *m, CURL *easy, char *err, size_t errlen)
{
	CURLMcode mc = curl_multi_add_handle(m->curlm, easy);
	if (mc != CURLM_OK) {
		snprintf(err, errlen, "%s", curl_multi_strerror(mc));
		return MULTI_ECURL;
	}
	return MULTI_OK;
}

void multi_remove(struct multi *m, CURL *easy)
{
	curl_multi_remove_handle(m->curlm, easy);
}

enum multi_status multi_timeout(struct multi *m, char *err, size_t errlen)
{
	/* A handle just added asks for its action at once: that is due
	 * before the loop runs its timers again. */
	if (loop_timer_armed(&m->timer) && m->timer.due <= clock_now()) {
		loop_timer_stop(m->loop, &m->timer);
		m->due = true;
	}
	if (!m->due)
		return check(m, CURLM_OK, err, errlen);
	m->due = false;
	int still;
	return check(m, curl_multi_socket_action(m->curlm, CURL_SOCKET_TIMEOUT, 0, &still), err,
		     errlen);
}

enum multi_status multi_failed(struct multi *m, char *err, size_t errlen)
{
	return check(m, m->failed, err, errlen);
}

CURL *multi_next_done(struct multi *m, CURLcode *result)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(m->curlm, &left))) {
		if (msg->msg == CURLMSG_DONE) {
			*result = msg->data.result;
			return msg->easy_handle;
		}
	}
	return NULL;
}
