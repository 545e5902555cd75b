/* Unit tests for loop.c: the timer heap against a plain array searched
 * whole, under a long random sequence of sets, moves, stops and firings;
 * taking every timer of one kind; the idle-timeout decision as a table;
 * and the poller behind loop_poll() on pipes (ready to read, a reader
 * that went away, a timer that ends the wait). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "loop.h"

#define N 64

struct item {
	struct loop_timer t;
	double due; /* the model: 0 when not armed */
	int fired;
};

/* The model's earliest armed item, or -1. */
static int model_first(const struct item *it)
{
	int best = -1;
	for (int i = 0; i < N; i++)
		if (it[i].due > 0 && (best < 0 || it[i].due < it[best].due))
			best = i;
	return best;
}

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void fire_cb(struct loop_timer *t, void *data)
{
	struct item *it = (struct item *)((char *)t - offsetof(struct item, t));
	(void)data;
	it->fired++;
	it->due = 0;
}

static void test_timers_match_a_model(void **state)
{
	(void)state;
	char err[128];
	struct loop *l = loop_create(err, sizeof err);
	assert_non_null(l);
	static struct item it[N];
	for (int i = 0; i < N; i++) {
		loop_timer_init(&it[i].t, fire_cb, NULL);
		it[i].due = 0;
	}
	uint32_t seed = 12345;
	double now = 0;
	assert_true(loop_next_due(l) == 0);
	for (int step = 0; step < 100000; step++) {
		int k = (int)(next(&seed) % N);
		switch (next(&seed) % 5) {
		case 0:
		case 1:
			/* Distinct times, so that the earliest is one item. */
			it[k].due = now + 1 + (double)(next(&seed) % 1000000) + (double)k / N;
			loop_timer_set(l, &it[k].t, it[k].due);
			break;
		case 2:
			it[k].due = 0;
			loop_timer_stop(l, &it[k].t);
			break;
		case 3: {
			/* Time passes: exactly the model's due items fire. */
			now += (double)(next(&seed) % 200000);
			size_t want = 0;
			for (int i = 0; i < N; i++)
				want += it[i].due > 0 && it[i].due <= now;
			assert_int_equal(loop_run_timers(l, now), want);
			break;
		}
		case 4: break;
		}
		int first = model_first(it);
		if (first < 0) {
			assert_true(loop_next_due(l) == 0);
		} else {
			assert_true(loop_next_due(l) == it[first].due);
		}
		for (int i = 0; i < N; i++)
			assert_int_equal(loop_timer_armed(&it[i].t), it[i].due > 0);
	}
	loop_destroy(l);
	loop_destroy(NULL);
}

static void other_cb(struct loop_timer *t, void *data)
{
	(void)t;
	(void)data;
}

static void count_taken(struct loop_timer *t, void *arg)
{
	assert_false(loop_timer_armed(t));
	(*(int *)arg)++;
}

/* A teardown takes one kind of timer and leaves the others in order. */
static void test_take_one_kind(void **state)
{
	(void)state;
	char err[128];
	struct loop *l = loop_create(err, sizeof err);
	static struct item a[N], b[N];
	for (int i = 0; i < N; i++) {
		loop_timer_init(&a[i].t, fire_cb, NULL);
		loop_timer_init(&b[i].t, other_cb, NULL);
		loop_timer_set(l, &a[i].t, 100 + (double)((i * 37) % N));
		loop_timer_set(l, &b[i].t, 1000 + (double)((i * 11) % N));
	}
	int taken = 0;
	loop_timers_take(l, fire_cb, count_taken, &taken);
	assert_int_equal(taken, N);
	assert_true(loop_next_due(l) == 1000);
	assert_int_equal(loop_run_timers(l, 999), 0);
	assert_int_equal(loop_run_timers(l, 1000 + N), N);
	assert_true(loop_next_due(l) == 0);
	loop_destroy(l);
}

static void test_idle_due(void **state)
{
	(void)state;
	static const struct {
		double active, now, timeout, want;
	} rows[] = {
		/* Not sent yet: look again a whole timeout later. */
		{0, 10, 0.5, 10.5},
		/* Idle for the whole timeout, or more: stop it. */
		{10, 10.5, 0.5, 0},
		{10, 12, 0.5, 0},
		/* A byte came since: look again when it would time out. */
		{10.3, 10.5, 0.5, 10.8},
		{10.4999, 10.5, 0.5, 10.9999},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		double got = loop_idle_due(rows[i].active, rows[i].now, rows[i].timeout);
		if (got != rows[i].want)
			fail_msg("row %zu: %f, want %f", i, got, rows[i].want);
	}
}

struct seen {
	int fd;
	unsigned events;
	int calls;
};

static void seen_cb(int fd, unsigned events, void *data)
{
	struct seen *s = data;
	s->fd = fd;
	s->events = events;
	s->calls++;
}

/* What the engine relies on the poller for: a readable pipe calls its
 * fd's callback, a write end whose reader left reports POLLER_ERR even
 * when only watched for that (events 0), a timer ends an empty wait, and
 * an unwatched fd calls nothing. */
static void test_poll_on_pipes(void **state)
{
	(void)state;
	char err[128];
	struct loop *l = loop_create(err, sizeof err);
	int p[2], q[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	struct seen rd = {-1, 0, 0}, wr = {-1, 0, 0};
	assert_int_equal(loop_watch(l, p[0], POLLER_IN, seen_cb, &rd), 0);
	assert_int_equal(loop_watch(l, q[1], 0, seen_cb, &wr), 0);
	/* Nothing ready: the timer ends the wait, not an fd. */
	struct item t;
	loop_timer_init(&t.t, fire_cb, NULL);
	loop_timer_set(l, &t.t, clock_now() + 0.01);
	assert_int_equal(loop_poll(l, 0), 0);
	assert_int_equal(loop_run_timers(l, clock_now()), 1);
	assert_int_equal(rd.calls + wr.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_poll(l, clock_now() + 5), 1);
	assert_int_equal(rd.calls, 1);
	assert_int_equal(rd.fd, p[0]);
	assert_true(rd.events & POLLER_IN);
	/* Watching again changes the events; unwatching stops the calls. */
	assert_int_equal(loop_watch(l, p[0], POLLER_IN, seen_cb, &rd), 0);
	assert_int_equal(loop_unwatch(l, p[0]), 0);
	assert_int_equal(loop_unwatch(l, p[0]), 0);
	assert_int_equal(loop_poll(l, clock_now()), 0);
	assert_int_equal(rd.calls, 1);
	close(q[0]);
	assert_int_equal(loop_poll(l, clock_now() + 5), 1);
	assert_int_equal(wr.calls, 1);
	assert_int_equal(wr.fd, q[1]);
	assert_true(wr.events & POLLER_ERR);
	/* Removing an fd that was closed first is no error. */
	close(q[1]);
	assert_int_equal(loop_unwatch(l, q[1]), 0);
	close(p[0]);
	close(p[1]);
	loop_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_match_a_model),
		cmocka_unit_test(test_take_one_kind),
		cmocka_unit_test(test_idle_due),
		cmocka_unit_test(test_poll_on_pipes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
