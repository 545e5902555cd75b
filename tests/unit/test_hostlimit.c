/* Unit tests for hostlimit.c: per-host slots, FIFO per host, no
 * head-of-line blocking, round-robin, bookkeeping, and a randomized
 * comparison against a simple model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "hostlimit.h"
#include "xalloc.h"

static void test_hostlimit_per_host_cap_and_fifo(void **state)
{
	(void)state;
	int items[5];
	struct hostlimit *hl = hostlimit_create(2);
	for (int i = 0; i < 5; i++)
		hostlimit_push(hl, "a:80", &items[i]);
	assert_int_equal(hostlimit_waiting(hl), 5);
	assert_int_equal(hostlimit_inflight(hl), 0);
	assert_int_equal(hostlimit_hosts(hl), 1);
	assert_int_equal(hostlimit_host_inflight(hl, "a:80"), 0);

	struct host *h0 = NULL, *h1 = NULL, *h = NULL;
	assert_ptr_equal(hostlimit_pop(hl, &h0), &items[0]);
	assert_ptr_equal(hostlimit_pop(hl, &h1), &items[1]);
	assert_non_null(h0);
	assert_ptr_equal(h0, h1);
	/* Two in flight: the third must wait. */
	assert_null(hostlimit_pop(hl, &h));
	assert_int_equal(hostlimit_host_inflight(hl, "a:80"), 2);
	assert_int_equal(hostlimit_inflight(hl), 2);
	assert_int_equal(hostlimit_waiting(hl), 3);

	hostlimit_release(hl, h0);
	assert_int_equal(hostlimit_host_inflight(hl, "a:80"), 1);
	assert_ptr_equal(hostlimit_pop(hl, &h), &items[2]);
	assert_null(hostlimit_pop(hl, &h));
	hostlimit_release(hl, h);
	hostlimit_release(hl, h1);
	/* Two slots free again: items 3 and 4, in order. */
	struct host *h3, *h4;
	assert_ptr_equal(hostlimit_pop(hl, &h3), &items[3]);
	assert_ptr_equal(hostlimit_pop(hl, &h4), &items[4]);
	assert_null(hostlimit_pop(hl, &h));
	assert_int_equal(hostlimit_waiting(hl), 0);
	hostlimit_release(hl, h3);
	assert_int_equal(hostlimit_hosts(hl), 1);
	hostlimit_release(hl, h4);
	/* Idle: the entry is gone. */
	assert_int_equal(hostlimit_hosts(hl), 0);
	assert_int_equal(hostlimit_inflight(hl), 0);
	assert_int_equal(hostlimit_host_inflight(hl, "a:80"), 0);
	hostlimit_destroy(hl);
}

static void test_hostlimit_no_head_of_line_blocking(void **state)
{
	(void)state;
	int a[4], b[2];
	struct hostlimit *hl = hostlimit_create(1);
	hostlimit_push(hl, "a:80", &a[0]);
	hostlimit_push(hl, "a:80", &a[1]);
	hostlimit_push(hl, "a:80", &a[2]);
	hostlimit_push(hl, "b:80", &b[0]);
	hostlimit_push(hl, "a:80", &a[3]);
	hostlimit_push(hl, "b:80", &b[1]);
	assert_int_equal(hostlimit_hosts(hl), 2);

	struct host *ha, *hb, *h;
	assert_ptr_equal(hostlimit_pop(hl, &ha), &a[0]);
	/* "a" is full; "b"'s item queued behind more "a" items still goes. */
	assert_ptr_equal(hostlimit_pop(hl, &hb), &b[0]);
	assert_ptr_not_equal(ha, hb);
	assert_null(hostlimit_pop(hl, &h));
	assert_int_equal(hostlimit_host_inflight(hl, "a:80"), 1);
	assert_int_equal(hostlimit_host_inflight(hl, "b:80"), 1);

	hostlimit_release(hl, hb);
	assert_ptr_equal(hostlimit_pop(hl, &hb), &b[1]);
	assert_null(hostlimit_pop(hl, &h));
	hostlimit_release(hl, hb);
	/* "b" is idle now and freed; "a" still has work. */
	assert_int_equal(hostlimit_hosts(hl), 1);
	assert_int_equal(hostlimit_host_inflight(hl, "b:80"), 0);

	hostlimit_release(hl, ha);
	assert_ptr_equal(hostlimit_pop(hl, &ha), &a[1]);
	hostlimit_release(hl, ha);
	assert_ptr_equal(hostlimit_pop(hl, &ha), &a[2]);
	hostlimit_release(hl, ha);
	assert_ptr_equal(hostlimit_pop(hl, &ha), &a[3]);
	hostlimit_release(hl, ha);
	assert_null(hostlimit_pop(hl, &h));
	assert_int_equal(hostlimit_hosts(hl), 0);
	hostlimit_destroy(hl);
}

static void test_hostlimit_round_robin(void **state)
{
	(void)state;
	int a[3], b[3], c[1];
	struct hostlimit *hl = hostlimit_create(10);
	for (int i = 0; i < 3; i++)
		hostlimit_push(hl, "a:80", &a[i]);
	for (int i = 0; i < 3; i++)
		hostlimit_push(hl, "b:443", &b[i]);
	hostlimit_push(hl, "c:80", &c[0]);
	/* Free slots everywhere: hosts take turns. */
	void *want[] = {&a[0], &b[0], &c[0], &a[1], &b[1], &a[2], &b[2]};
	struct host *hs[7];
	for (int i = 0; i < 7; i++)
		assert_ptr_equal(hostlimit_pop(hl, &hs[i]), want[i]);
	struct host *h;
	assert_null(hostlimit_pop(hl, &h));
	assert_int_equal(hostlimit_inflight(hl), 7);
	assert_int_equal(hostlimit_host_inflight(hl, "a:80"), 3);
	assert_int_equal(hostlimit_host_inflight(hl, "b:443"), 3);
	assert_int_equal(hostlimit_host_inflight(hl, "c:80"), 1);
	assert_int_equal(hostlimit_host_inflight(hl, "d:80"), 0);
	assert_int_equal(hostlimit_hosts(hl), 3);
	for (int i = 0; i < 7; i++)
		hostlimit_release(hl, hs[i]);
	assert_int_equal(hostlimit_hosts(hl), 0);
	assert_int_equal(hostlimit_inflight(hl), 0);
	hostlimit_destroy(hl);
}

static void test_hostlimit_drain(void **state)
{
	(void)state;
	enum { N = 60 };
	int items[N];
	bool seen[N] = {false};
	char key[32];
	struct hostlimit *hl = hostlimit_create(2);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof key, "h%d:80", i % 7);
		hostlimit_push(hl, key, &items[i]);
	}
	/* Some items are in flight and are not drained. */
	struct host *running[5];
	for (int i = 0; i < 5; i++) {
		int *it = hostlimit_pop(hl, &running[i]);
		assert_non_null(it);
		seen[it - items] = true;
	}
	assert_int_equal(hostlimit_waiting(hl), N - 5);
	size_t drained = 0;
	int *it;
	while ((it = hostlimit_drain(hl))) {
		assert_true(it >= items && it < items + N);
		assert_false(seen[it - items]);
		seen[it - items] = true;
		drained++;
	}
	assert_int_equal(drained, N - 5);
	for (int i = 0; i < N; i++)
		assert_true(seen[i]);
	assert_int_equal(hostlimit_waiting(hl), 0);
	assert_null(hostlimit_drain(hl));
	struct host *h;
	assert_null(hostlimit_pop(hl, &h));
	/* Only hosts with requests in flight remain, and go when released. */
	assert_int_equal(hostlimit_inflight(hl), 5);
	size_t distinct = 0;
	for (int i = 0; i < 5; i++) {
		bool dup = false;
		for (int j = 0; j < i; j++)
			dup |= running[j] == running[i];
		distinct += !dup;
	}
	assert_int_equal(hostlimit_hosts(hl), distinct);
	for (int i = 0; i < 5; i++)
		hostlimit_release(hl, running[i]);
	assert_int_equal(hostlimit_hosts(hl), 0);
	assert_null(hostlimit_pop(hl, &h));

	/* Drain on an empty limiter, and destroy with items still queued
	 * (they belong to the caller; nothing may leak). */
	assert_null(hostlimit_drain(hl));
	hostlimit_push(hl, "x:1", &items[0]);
	hostlimit_push(hl, "y:1", &items[1]);
	hostlimit_destroy(hl);
}

static void test_hostlimit_many_hosts(void **state)
{
	(void)state;
	enum { N = 10000 };
	int *items = xcalloc(N, sizeof *items);
	struct host **hs = xcalloc(N, sizeof *hs);
	bool *seen = xcalloc(N, sizeof *seen);
	char key[32];
	struct hostlimit *hl = hostlimit_create(1);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof key, "host%d.test:%d", i, 80 + i % 3);
		hostlimit_push(hl, key, &items[i]);
	}
	assert_int_equal(hostlimit_hosts(hl), N);
	assert_int_equal(hostlimit_waiting(hl), N);
	/* One slot per host and one item per host: all start at once. */
	for (int i = 0; i < N; i++) {
		int *it = hostlimit_pop(hl, &hs[i]);
		assert_non_null(it);
		assert_false(seen[it - items]);
		seen[it - items] = true;
	}
	struct host *h;
	assert_null(hostlimit_pop(hl, &h));
	assert_int_equal(hostlimit_inflight(hl), N);
	for (int i = 0; i < N; i += 997) {
		snprintf(key, sizeof key, "host%d.test:%d", i, 80 + i % 3);
		assert_int_equal(hostlimit_host_inflight(hl, key), 1);
		/* Same name, other port: another host. */
		snprintf(key, sizeof key, "host%d.test:%d", i, 79);
		assert_int_equal(hostlimit_host_inflight(hl, key), 0);
	}
	/* A second item for an existing host finds the same entry after all
	 * that table growth. */
	int extra;
	hostlimit_push(hl, "host1234.test:81", &extra);
	assert_int_equal(hostlimit_hosts(hl), N);
	assert_null(hostlimit_pop(hl, &h));
	for (int i = 0; i < N; i++)
		hostlimit_release(hl, hs[i]);
	assert_int_equal(hostlimit_hosts(hl), 1);
	assert_ptr_equal(hostlimit_pop(hl, &h), &extra);
	hostlimit_release(hl, h);
	assert_int_equal(hostlimit_hosts(hl), 0);
	assert_int_equal(hostlimit_inflight(hl), 0);
	hostlimit_destroy(hl);
	free(items);
	free(hs);
	free(seen);
}

/* --- randomized comparison with a model ------------------------------ */

enum { SIM_HOSTS = 9, SIM_CAP = 3, SIM_ITEMS = 4000, SIM_STEPS = 20000 };

struct sim_item {
	int host;      /* index of its host key */
	bool pushed, popped, released;
	struct host *handle;
};

struct model {
	/* Per host: FIFO of waiting item ids, and slots taken. */
	int queue[SIM_HOSTS][SIM_ITEMS];
	size_t qhead[SIM_HOSTS], qtail[SIM_HOSTS];
	long inflight[SIM_HOSTS];
	/* Item ids in flight, in no particular order. */
	int running[SIM_ITEMS];
	size_t nrunning;
};

static void sim_key(int host, char *key, size_t n)
{
	snprintf(key, n, "sim%d.test:%d", host, 8000 + host);
}

static void sim_check_counts(const struct hostlimit *hl, const struct model *m)
{
	size_t waiting = 0, inflight = 0, hosts = 0, startable = 0, conns = 0, fresh = 0;
	char key[32];
	for (int h = 0; h < SIM_HOSTS; h++) {
		size_t q = m->qtail[h] - m->qhead[h];
		size_t free_slots = (size_t)(SIM_CAP - m->inflight[h]);
		size_t want = (size_t)m->inflight[h] + q;
		waiting += q;
		inflight += (size_t)m->inflight[h];
		hosts += q || m->inflight[h];
		startable += q < free_slots ? q : free_slots;
		conns += want < SIM_CAP ? want : SIM_CAP;
		fresh += q > 0 && m->inflight[h] == 0;
		sim_key(h, key, sizeof key);
		assert_int_equal(hostlimit_host_inflight(hl, key), m->inflight[h]);
		assert_true(m->inflight[h] <= SIM_CAP);
	}
	assert_int_equal(hostlimit_waiting(hl), waiting);
	assert_int_equal(hostlimit_inflight(hl), inflight);
	assert_int_equal(hostlimit_hosts(hl), hosts);
	assert_int_equal(hostlimit_startable(hl), startable);
	assert_int_equal(hostlimit_connections(hl), conns);
	assert_int_equal(hostlimit_fresh(hl), fresh);
}

static bool sim_can_start(const struct model *m)
{
	for (int h = 0; h < SIM_HOSTS; h++)
		if (m->qtail[h] > m->qhead[h] && m->inflight[h] < SIM_CAP)
			return true;
	return false;
}

/* One pop; returns whether something was popped. */
static bool sim_pop(struct hostlimit *hl, struct model *m, struct sim_item *items)
{
	struct host *handle = NULL;
	struct sim_item *it = hostlimit_pop(hl, &handle);
	if (!it) {
		if (sim_can_start(m))
			fail_msg("pop returned NULL though a host could start");
		return false;
	}
	assert_true(it >= items && it < items + SIM_ITEMS);
	int id = (int)(it - items);
	assert_true(it->pushed);
	assert_false(it->popped);
	int h = it->host;
	/* FIFO within the host, and only with a free slot. */
	assert_true(m->qtail[h] > m->qhead[h]);
	assert_int_equal(m->queue[h][m->qhead[h]], id);
	assert_true(m->inflight[h] < SIM_CAP);
	m->qhead[h]++;
	m->inflight[h]++;
	it->popped = true;
	it->handle = handle;
	m->running[m->nrunning++] = id;
	return true;
}

static void sim_release(struct hostlimit *hl, struct model *m,
			struct sim_item *items, size_t k)
{
	int id = m->running[k];
	m->running[k] = m->running[--m->nrunning];
	struct sim_item *it = &items[id];
	assert_false(it->released);
	it->released = true;
	m->inflight[it->host]--;
	hostlimit_release(hl, it->handle);
}

static void test_hostlimit_random_simulation(void **state)
{
	(void)state;
	struct sim_item *items = xcalloc(SIM_ITEMS, sizeof *items);
	struct model *m = xcalloc(1, sizeof *m);
	struct hostlimit *hl = hostlimit_create(SIM_CAP);
	char key[32];
	int next = 0;
	srand(20240601);
	for (int step = 0; step < SIM_STEPS; step++) {
		int op = rand() % 10;
		if (op < 4 && next < SIM_ITEMS) {
			/* Skewed hosts, so some are always contended. */
			int h = rand() % 3 ? rand() % 3 : rand() % SIM_HOSTS;
			items[next].host = h;
			items[next].pushed = true;
			m->queue[h][m->qtail[h]++] = next;
			sim_key(h, key, sizeof key);
			hostlimit_push(hl, key, &items[next]);
			next++;
		} else if (op < 7) {
			sim_pop(hl, m, items);
		} else if (m->nrunning) {
			sim_release(hl, m, items, (size_t)rand() % m->nrunning);
		}
		sim_check_counts(hl, m);
	}
	/* Run everything left to completion. */
	for (;;) {
		while (sim_pop(hl, m, items))
			sim_check_counts(hl, m);
		if (!m->nrunning)
			break;
		sim_release(hl, m, items, (size_t)rand() % m->nrunning);
		sim_check_counts(hl, m);
	}
	for (int i = 0; i < next; i++) {
		assert_true(items[i].popped);
		assert_true(items[i].released);
	}
	assert_true(next > SIM_ITEMS / 2);
	assert_int_equal(hostlimit_hosts(hl), 0);
	assert_int_equal(hostlimit_waiting(hl), 0);
	assert_int_equal(hostlimit_inflight(hl), 0);
	hostlimit_destroy(hl);
	free(items);
	free(m);
}

/* --host-rate: a start takes the host's token, and the host sleeps off
 * the ready list until the next one: another host is served meanwhile,
 * the held host is counted, and its entry (its bucket) outlives its
 * requests until the token is due. */
static void test_hostlimit_host_rate(void **state)
{
	(void)state;
	int a[3], b[2];
	struct hostlimit *hl = hostlimit_create(10);
	hostlimit_set_rate(hl, 10); /* a token every 0.1 s */
	for (int i = 0; i < 3; i++)
		hostlimit_push(hl, "a:80", &a[i]);
	for (int i = 0; i < 2; i++)
		hostlimit_push(hl, "b:80", &b[i]);
	struct host *h;
	assert_int_equal(hostlimit_wake(hl, 1.0), 0);
	assert_ptr_equal(hostlimit_pop_at(hl, 1.0, &h), &a[0]);
	hostlimit_release(hl, h);
	/* a waits for its token; b does not wait for a. */
	assert_ptr_equal(hostlimit_pop_at(hl, 1.0, &h), &b[0]);
	hostlimit_release(hl, h);
	assert_false(hostlimit_ready(hl));
	assert_null(hostlimit_pop_at(hl, 1.0, &h));
	assert_int_equal(hostlimit_held(hl), 2);
	/* Nothing is due before 1.1. */
	assert_true(hostlimit_wake(hl, 1.05) == 1.1);
	assert_false(hostlimit_ready(hl));
	assert_int_equal(hostlimit_wake(hl, 1.1), 0);
	assert_int_equal(hostlimit_held(hl), 0);
	/* Both woke: each gets its next item (in either order). */
	void *x = hostlimit_pop_at(hl, 1.1, &h);
	hostlimit_release(hl, h);
	void *y = hostlimit_pop_at(hl, 1.1, &h);
	hostlimit_release(hl, h);
	assert_true((x == &a[1] && y == &b[1]) || (x == &b[1] && y == &a[1]));
	/* b is idle but its bucket is not full: its entry lives on, so a
	 * request coming for it now still waits. */
	assert_int_equal(hostlimit_hosts(hl), 2);
	hostlimit_push(hl, "b:80", &b[0]);
	assert_ptr_equal(hostlimit_pop_at(hl, 1.15, &h), NULL);
	hostlimit_wake(hl, 1.25);
	x = hostlimit_pop_at(hl, 1.25, &h);
	hostlimit_release(hl, h);
	y = hostlimit_pop_at(hl, 1.25, &h);
	assert_true((x == &a[2] && y == &b[0]) || (x == &b[0] && y == &a[2]));
	hostlimit_release(hl, h);
	/* Once the tokens are due, idle hosts are freed. */
	hostlimit_wake(hl, 1.4);
	assert_int_equal(hostlimit_hosts(hl), 0);
	assert_int_equal(hostlimit_held(hl), 0);
	hostlimit_destroy(hl);
}

/* A host's own limit (-p auto), its data, and a keep time. */
static void test_hostlimit_per_host_limit_and_data(void **state)
{
	(void)state;
	int a[4];
	struct hostlimit *hl = hostlimit_create(2);
	hostlimit_set_data_size(hl, sizeof(long));
	for (int i = 0; i < 4; i++)
		hostlimit_push(hl, "a:80", &a[i]);
	struct host *h0, *h1, *h;
	assert_ptr_equal(hostlimit_pop(hl, &h0), &a[0]);
	assert_ptr_equal(hostlimit_pop(hl, &h1), &a[1]);
	assert_null(hostlimit_pop(hl, &h));
	assert_string_equal(hostlimit_key(h0), "a:80");
	assert_int_equal(hostlimit_limit(h0), 2);
	long *data = hostlimit_data(h0);
	assert_int_equal(*data, 0); /* zeroed */
	*data = 42;
	/* Raised: a third may start at once. */
	hostlimit_set_limit(hl, h0, 3);
	assert_ptr_equal(hostlimit_pop(hl, &h), &a[2]);
	/* Lowered to 1: nothing starts until all three end. */
	hostlimit_set_limit(hl, h0, 1);
	hostlimit_release(hl, h);
	hostlimit_release(hl, h1);
	assert_null(hostlimit_pop(hl, &h));
	hostlimit_release(hl, h0);
	assert_ptr_equal(hostlimit_pop(hl, &h), &a[3]);
	assert_null(hostlimit_pop(hl, &h1));
	assert_int_equal(*(long *)hostlimit_data(h), 42);
	/* Kept: idle, the entry (limit, data) lives until the keep time. */
	hostlimit_keep(hl, h, 10);
	hostlimit_release(hl, h);
	assert_int_equal(hostlimit_hosts(hl), 1);
	assert_int_equal(hostlimit_wake(hl, 5), 0); /* a keep time wakes no one */
	hostlimit_push(hl, "a:80", &a[0]);
	assert_ptr_equal(hostlimit_pop(hl, &h), &a[0]);
	assert_int_equal(hostlimit_limit(h), 1);
	assert_int_equal(*(long *)hostlimit_data(h), 42);
	hostlimit_release(hl, h);
	hostlimit_wake(hl, 10);
	assert_int_equal(hostlimit_hosts(hl), 0);
	hostlimit_destroy(hl);
}

/* When a host is down: after HOSTLIMIT_DOWN_AFTER attempts in a row got
 * no answer, and only when it never answered. */
static void test_hostlimit_down_table(void **state)
{
	(void)state;
	enum { C = HOSTLIMIT_ANSWERED, U = HOSTLIMIT_UNREACHED, N = HOSTLIMIT_NO_NEWS };
	static const struct {
		const char *what;
		const char *steps; /* C (answered), U (unreached) or N */
		const char *down;  /* after each step: y or n */
	} rows[] = {
		{"three in a row", "UUUU", "nnyy"},
		{"reached before", "CUUUUU", "nnnnnn"},
		{"reached between", "UUCUUUU", "nnnnnnn"},
		{"no news breaks nothing", "UNUNU", "nnnny"},
		{"no news alone", "NNNN", "nnnn"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct hostlimit *hl = hostlimit_create(1);
		int item;
		for (size_t k = 0; rows[i].steps[k]; k++) {
			struct host *h;
			hostlimit_push(hl, "d:80", &item);
			assert_ptr_equal(hostlimit_pop(hl, &h), &item);
			int r = rows[i].steps[k] == 'C' ? C : rows[i].steps[k] == 'U' ? U : N;
			bool down = hostlimit_reached(hl, h, (enum hostlimit_reach)r);
			if (down != (rows[i].down[k] == 'y'))
				fail_msg("%s, step %zu: down %d", rows[i].what, k, down);
			assert_int_equal(hostlimit_down(hl, h), down);
			/* Kept while idle, as -p auto keeps it. */
			hostlimit_keep(hl, h, 1e9);
			hostlimit_release(hl, h);
		}
		hostlimit_destroy(hl);
	}
}

/* A host that is down hands out its waiting items at once, whatever its
 * limit, for the caller to fail; other hosts are not held up; what it
 * learnt outlives an idle spell. */
static void test_hostlimit_down_fails_fast(void **state)
{
	(void)state;
	int items[8];
	struct hostlimit *hl = hostlimit_create(1);
	hostlimit_wake(hl, 100);
	struct host *h, *in_flight = NULL;
	for (int k = 0; k < 3; k++) {
		hostlimit_push(hl, "dead:80", &items[k]);
		assert_ptr_equal(hostlimit_pop(hl, &h), &items[k]);
		if (k < 2) {
			assert_false(hostlimit_reached(hl, h, HOSTLIMIT_UNREACHED));
			hostlimit_release(hl, h);
			/* Idle now, but its failures are kept. */
			assert_int_equal(hostlimit_hosts(hl), 1);
		} else {
			in_flight = h;
		}
	}
	for (int k = 3; k < 8; k++)
		hostlimit_push(hl, "dead:80", &items[k]);
	hostlimit_push(hl, "live:80", &items[0]);
	assert_int_equal(hostlimit_connections(hl), 2); /* dead's 1 + live's 1 */
	assert_true(hostlimit_reached(hl, in_flight, HOSTLIMIT_UNREACHED));
	assert_int_equal(hostlimit_failures(in_flight), 3);
	assert_int_equal(hostlimit_connections(hl), 1); /* a dead host needs none */
	/* Limit 1 and one in flight, yet all five come out. */
	int got = 0;
	while ((h = NULL, hostlimit_pop(hl, &h))) {
		if (hostlimit_key(h)[0] == 'd') {
			assert_true(hostlimit_down(hl, h));
			got++;
		}
		hostlimit_release(hl, h);
	}
	assert_int_equal(got, 5);
	hostlimit_release(hl, in_flight);
	/* Kept HOSTLIMIT_DOWN_KEEP seconds, then forgotten. */
	hostlimit_wake(hl, 101);
	assert_int_equal(hostlimit_hosts(hl), 1);
	hostlimit_wake(hl, 100 + HOSTLIMIT_DOWN_KEEP + 1);
	assert_int_equal(hostlimit_hosts(hl), 0);
	hostlimit_destroy(hl);
}

/* A host that never answered and has failed starts no more attempts than
 * are still needed to take it as down: with 6 in flight, the first failure
 * frees no slot for a 7th, and the third makes the rest come out to fail.
 * A host that answered keeps its whole limit, and so does one that never
 * failed (four slow requests to a new host all start). */
static void test_hostlimit_failed_host_holds_starts(void **state)
{
	(void)state;
	int items[10];
	struct hostlimit *hl = hostlimit_create(6);
	struct host *h, *run[10];
	for (int k = 0; k < 10; k++)
		hostlimit_push(hl, "silent:80", &items[k]);
	for (int k = 0; k < 6; k++)
		assert_ptr_equal(hostlimit_pop(hl, &run[k]), &items[k]);
	assert_null(hostlimit_pop(hl, &h));
	assert_false(hostlimit_reached(hl, run[0], HOSTLIMIT_UNREACHED));
	hostlimit_release(hl, run[0]);
	/* 5 in flight, 2 more failures decide: nothing starts. */
	assert_int_equal(hostlimit_startable(hl), 0);
	assert_null(hostlimit_pop(hl, &h));
	assert_false(hostlimit_reached(hl, run[1], HOSTLIMIT_UNREACHED));
	hostlimit_release(hl, run[1]);
	assert_null(hostlimit_pop(hl, &h));
	assert_true(hostlimit_reached(hl, run[2], HOSTLIMIT_UNREACHED));
	hostlimit_release(hl, run[2]);
	int got = 0;
	while ((h = NULL, hostlimit_pop(hl, &h))) {
		assert_true(hostlimit_down(hl, h));
		hostlimit_release(hl, h);
		got++;
	}
	assert_int_equal(got, 4);
	for (int k = 3; k < 6; k++)
		hostlimit_release(hl, run[k]);
	hostlimit_destroy(hl);

	/* One failure and nothing in flight: probes start, two at most. */
	hl = hostlimit_create(6);
	hostlimit_push(hl, "s:80", &items[0]);
	assert_ptr_equal(hostlimit_pop(hl, &h), &items[0]);
	assert_false(hostlimit_reached(hl, h, HOSTLIMIT_UNREACHED));
	hostlimit_release(hl, h);
	for (int k = 1; k < 6; k++)
		hostlimit_push(hl, "s:80", &items[k]);
	assert_int_equal(hostlimit_startable(hl), 2);
	assert_ptr_equal(hostlimit_pop(hl, &run[0]), &items[1]);
	assert_ptr_equal(hostlimit_pop(hl, &run[1]), &items[2]);
	assert_null(hostlimit_pop(hl, &h));
	/* An answer gives the host its whole limit back. */
	assert_false(hostlimit_reached(hl, run[0], HOSTLIMIT_ANSWERED));
	hostlimit_release(hl, run[0]);
	assert_int_equal(hostlimit_startable(hl), 3);
	while (hostlimit_pop(hl, &h))
		;
	for (int k = 0; k < 4; k++)
		hostlimit_release(hl, run[1]);
	hostlimit_destroy(hl);
}

/* The connections worth keeping: per host, its requests in flight or
 * waiting, up to its limit. */
static void test_hostlimit_connections(void **state)
{
	(void)state;
	int items[8];
	struct hostlimit *hl = hostlimit_create(2);
	assert_int_equal(hostlimit_connections(hl), 0);
	for (int k = 0; k < 5; k++)
		hostlimit_push(hl, "a:80", &items[k]);
	hostlimit_push(hl, "b:80", &items[5]);
	assert_int_equal(hostlimit_connections(hl), 3);
	assert_int_equal(hostlimit_startable(hl), 3); /* a's 2 slots, b's 1 item */
	struct host *a, *b, *a2;
	assert_ptr_equal(hostlimit_pop(hl, &a), &items[0]);
	assert_ptr_equal(hostlimit_pop(hl, &b), &items[5]);
	assert_int_equal(hostlimit_connections(hl), 3);
	assert_int_equal(hostlimit_startable(hl), 1);
	hostlimit_set_limit(hl, a, 8);
	assert_int_equal(hostlimit_connections(hl), 6); /* a: 1 + 4 waiting */
	assert_int_equal(hostlimit_startable(hl), 4);
	hostlimit_pause(hl, "a:80", 1e9);
	assert_int_equal(hostlimit_startable(hl), 0);
	hostlimit_wake(hl, 2e9);
	assert_int_equal(hostlimit_startable(hl), 4);
	hostlimit_release(hl, b);
	assert_int_equal(hostlimit_connections(hl), 5);
	while (hostlimit_pop(hl, &a2))
		;
	assert_int_equal(hostlimit_connections(hl), 5);
	assert_int_equal(hostlimit_startable(hl), 0);
	for (int k = 0; k < 5; k++)
		hostlimit_release(hl, a);
	assert_int_equal(hostlimit_connections(hl), 0);
	assert_int_equal(hostlimit_hosts(hl), 0);
	hostlimit_destroy(hl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostlimit_per_host_cap_and_fifo),
		cmocka_unit_test(test_hostlimit_no_head_of_line_blocking),
		cmocka_unit_test(test_hostlimit_round_robin),
		cmocka_unit_test(test_hostlimit_drain),
		cmocka_unit_test(test_hostlimit_many_hosts),
		cmocka_unit_test(test_hostlimit_random_simulation),
		cmocka_unit_test(test_hostlimit_host_rate),
		cmocka_unit_test(test_hostlimit_per_host_limit_and_data),
		cmocka_unit_test(test_hostlimit_down_table),
		cmocka_unit_test(test_hostlimit_down_fails_fast),
		cmocka_unit_test(test_hostlimit_failed_host_holds_starts),
		cmocka_unit_test(test_hostlimit_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
