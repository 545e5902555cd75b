/* Unit tests for the poller backend this build has (poller_epoll.c or
 * poller_poll.c, whichever meson chose): the same cases run against
 * either, through pipes and socketpairs, so both keep poller.h's one
 * contract. POLLER_BACKEND is the name meson says it built. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "poller.h"

#define MAX_EV 64

static struct poller *create(void)
{
	char err[128] = "";
	struct poller *p = poller_create(err, sizeof err);
	if (!p)
		fail_msg("poller_create: %s", err);
	return p;
}

/* The events poller_wait() reported for fd, or 0 when it reported none;
 * fails when it reported fd twice in one call. */
static unsigned events_of(const struct poller_event *ev, int n, int fd)
{
	unsigned got = 0;
	int seen = 0;
	for (int i = 0; i < n; i++)
		if (ev[i].fd == fd) {
			got = ev[i].events;
			seen++;
		}
	if (seen > 1)
		fail_msg("fd %d reported %d times in one wait", fd, seen);
	return got;
}

static void write_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

static void test_poller_name(void **state)
{
	(void)state;
	assert_string_equal(poller_name(), POLLER_BACKEND);
	poller_destroy(NULL); /* accepts NULL */
}

static void test_poller_set_and_ready(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(poller_set(p, fds[0], POLLER_IN), 0);
	/* Nothing written yet: not ready. */
	assert_int_equal(poller_wait(p, ev, MAX_EV, 0), 0);
	write_byte(fds[1]);
	int n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].fd, fds[0]);
	assert_int_equal(ev[0].events, POLLER_IN);
	/* Level-triggered: still ready until it is read. */
	assert_int_equal(poller_wait(p, ev, MAX_EV, 0), 1);
	char c;
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(poller_wait(p, ev, MAX_EV, 0), 0);
	/* Setting what is set already is no error. */
	assert_int_equal(poller_set(p, fds[0], POLLER_IN), 0);
	poller_destroy(p);
	/* The poller closed none of the watched fds. */
	assert_int_equal(write(fds[1], "y", 1), 1);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	close(fds[1]);
}

static void test_poller_change_events(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* An idle socket is writable, not readable. */
	assert_int_equal(poller_set(p, sv[0], POLLER_OUT), 0);
	int n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(events_of(ev, n, sv[0]), POLLER_OUT);
	/* Now only for reading: nothing, until the peer writes. */
	assert_int_equal(poller_set(p, sv[0], POLLER_IN), 0);
	assert_int_equal(poller_wait(p, ev, MAX_EV, 0), 0);
	write_byte(sv[1]);
	n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(events_of(ev, n, sv[0]), POLLER_IN);
	/* Both: both reported, in one event. */
	assert_int_equal(poller_set(p, sv[0], POLLER_IN | POLLER_OUT), 0);
	n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(events_of(ev, n, sv[0]), POLLER_IN | POLLER_OUT);
	poller_destroy(p);
	close(sv[0]);
	close(sv[1]);
}

static void test_poller_remove(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(poller_set(p, a[0], POLLER_IN), 0);
	assert_int_equal(poller_set(p, b[0], POLLER_IN), 0);
	write_byte(a[1]);
	write_byte(b[1]);
	assert_int_equal(poller_wait(p, ev, MAX_EV, 1000), 2);
	/* Removed: ready, but no longer reported; the other one still is. */
	assert_int_equal(poller_remove(p, a[0]), 0);
	int n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].fd, b[0]);
	/* Removing again, or an fd never watched, is no error. */
	assert_int_equal(poller_remove(p, a[0]), 0);
	assert_int_equal(poller_remove(p, a[1]), 0);
	/* Watched again after a removal: reported again. */
	assert_int_equal(poller_set(p, a[0], POLLER_IN), 0);
	n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 2);
	assert_int_equal(events_of(ev, n, a[0]), POLLER_IN);
	assert_int_equal(events_of(ev, n, b[0]), POLLER_IN);
	poller_destroy(p);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* libcurl closes a socket and then says CURL_POLL_REMOVE: removing an fd
 * closed already is no error, and it is gone from the set. */
static void test_poller_remove_closed(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(poller_set(p, a[0], POLLER_IN), 0);
	assert_int_equal(poller_set(p, b[0], POLLER_IN), 0);
	close(a[0]);
	assert_int_equal(poller_remove(p, a[0]), 0);
	assert_int_equal(poller_wait(p, ev, MAX_EV, 0), 0);
	write_byte(b[1]);
	int n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].fd, b[0]);
	/* The fd number comes back for a new file: watched afresh. */
	int c[2];
	assert_int_equal(pipe(c), 0);
	assert_int_equal(poller_set(p, c[0], POLLER_IN), 0);
	write_byte(c[1]);
	char x;
	assert_int_equal(read(b[0], &x, 1), 1);
	n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].fd, c[0]);
	poller_destroy(p);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	close(c[0]);
	close(c[1]);
}

/* The other end gone: reported as POLLER_ERR, so the loop can tell
 * libcurl (CURL_CSELECT_ERR). */
static void test_poller_hangup(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	int a[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(poller_set(p, a[0], POLLER_IN), 0);
	close(a[1]);
	int n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].fd, a[0]);
	assert_true(ev[0].events & POLLER_ERR);
	poller_destroy(p);
	close(a[0]);
}

/* Watched for nothing (events 0), a pipe's write end still says when its
 * reader has gone: the loop ends a run early that way (| head). */
static void test_poller_reader_gone(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	int a[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(poller_set(p, a[1], 0), 0);
	assert_int_equal(poller_wait(p, ev, MAX_EV, 0), 0);
	close(a[0]);
	int n = poller_wait(p, ev, MAX_EV, 1000);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].fd, a[1]);
	assert_true(ev[0].events & POLLER_ERR);
	assert_false(ev[0].events & POLLER_IN);
	poller_destroy(p);
	close(a[1]);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Nothing ready: 0 once the timeout has passed, not before (a lower
 * bound only: how much later depends on the machine). Watching nothing
 * at all is a plain sleep. */
static void test_poller_timeout(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	double t0 = now();
	assert_int_equal(poller_wait(p, ev, MAX_EV, 50), 0);
	assert_true(now() - t0 >= 0.045);
	int a[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(poller_set(p, a[0], POLLER_IN), 0);
	t0 = now();
	assert_int_equal(poller_wait(p, ev, MAX_EV, 50), 0);
	assert_true(now() - t0 >= 0.045);
	poller_destroy(p);
	close(a[0]);
	close(a[1]);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal during the wait: 0, as after a timeout, not an error. */
static void test_poller_signal(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	int a[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(poller_set(p, a[0], POLLER_IN), 0);
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0); /* no SA_RESTART */
	struct itimerval it = {.it_value = {.tv_usec = 20000}};
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_int_equal(poller_wait(p, ev, MAX_EV, 10000), 0);
	sigaction(SIGALRM, &old, NULL);
	poller_destroy(p);
	close(a[0]);
	close(a[1]);
}

/* Many fds, some removed, more ready than one call reports: each ready
 * one is reported exactly once overall, none removed ever is, and none
 * is left behind. */
enum { NPIPE = 300, SMALL_MAX = 7 };

static void test_poller_many(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	static int rd[NPIPE], wr[NPIPE];
	static int reported[NPIPE];
	for (int i = 0; i < NPIPE; i++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		rd[i] = fds[0];
		wr[i] = fds[1];
		assert_int_equal(poller_set(p, rd[i], POLLER_IN), 0);
	}
	/* Remove every fifth, from the middle of the set: what the backend
	 * moves around to fill the holes must stay right. */
	for (int i = 0; i < NPIPE; i += 5)
		assert_int_equal(poller_remove(p, rd[i]), 0);
	/* Every pipe gets a byte, removed ones too; every fifth is gone,
	 * every third (not gone) is ready. */
	int want = 0;
	for (int i = 0; i < NPIPE; i++)
		if (i % 3 == 0 || i % 5 == 0) {
			write_byte(wr[i]);
			want += i % 5 != 0;
		}
	int got = 0;
	for (int round = 0; round < NPIPE; round++) {
		int n = poller_wait(p, ev, SMALL_MAX, 0);
		assert_true(n >= 0 && n <= SMALL_MAX);
		if (n == 0)
			break;
		for (int k = 0; k < n; k++) {
			int i = 0;
			while (i < NPIPE && rd[i] != ev[k].fd)
				i++;
			if (i == NPIPE)
				fail_msg("fd %d was never watched", ev[k].fd);
			if (i % 5 == 0)
				fail_msg("pipe %d reported after its removal", i);
			if (reported[i]++)
				fail_msg("pipe %d reported twice", i);
			assert_int_equal(ev[k].events, POLLER_IN);
			char c;
			assert_int_equal(read(rd[i], &c, 1), 1);
			got++;
		}
	}
	assert_int_equal(got, want);
	poller_destroy(p);
	for (int i = 0; i < NPIPE; i++) {
		close(rd[i]);
		close(wr[i]);
	}
}

/* With more ready than max and none of them read, one call after the
 * other still gets round to every fd: no fd starves behind others. */
static void test_poller_no_starving(void **state)
{
	(void)state;
	struct poller *p = create();
	struct poller_event ev[MAX_EV];
	enum { N = 20 };
	int rd[N], wr[N], seen[N] = {0};
	for (int i = 0; i < N; i++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		rd[i] = fds[0];
		wr[i] = fds[1];
		assert_int_equal(poller_set(p, rd[i], POLLER_IN), 0);
		write_byte(wr[i]);
	}
	for (int round = 0; round < 2 * N; round++) {
		int n = poller_wait(p, ev, 3, 0);
		assert_int_equal(n, 3);
		for (int k = 0; k < n; k++)
			for (int i = 0; i < N; i++)
				if (rd[i] == ev[k].fd)
					seen[i] = 1;
	}
	for (int i = 0; i < N; i++)
		if (!seen[i])
			fail_msg("pipe %d never reported in %d calls", i, 2 * N);
	poller_destroy(p);
	for (int i = 0; i < N; i++) {
		close(rd[i]);
		close(wr[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poller_name),
		cmocka_unit_test(test_poller_set_and_ready),
		cmocka_unit_test(test_poller_change_events),
		cmocka_unit_test(test_poller_remove),
		cmocka_unit_test(test_poller_remove_closed),
		cmocka_unit_test(test_poller_hangup),
		cmocka_unit_test(test_poller_reader_gone),
		cmocka_unit_test(test_poller_timeout),
		cmocka_unit_test(test_poller_signal),
		cmocka_unit_test(test_poller_many),
		cmocka_unit_test(test_poller_no_starving),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
