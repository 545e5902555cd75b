#include "hostlimit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "ratelimit.h"
#include "xalloc.h"

struct node {
	void *item;
	struct node *next;
};

struct host {
	struct host *hnext;         /* hash chain */
	struct host *rprev, *rnext; /* ready list links */
	bool ready;                 /* on the ready list */
	double paused_until;        /* 0: not paused */
	struct host *pnext;         /* sleeping list link */
	long inflight;
	long limit;               /* requests in flight allowed */
	bool sleeping;            /* on the sleeping list */
	bool held;                /* counted in hl->held */
	double rate_until;        /* 0: its bucket has a token */
	double keep_until;        /* 0: may be freed when idle */
	struct ratelimit bucket;  /* --host-rate */
	void *data;               /* the caller's, data_size bytes */
	struct node *head, *tail; /* waiting items */
	long queued;              /* how many */
	long conns;               /* its share of hl->conns */
	long startable;           /* its share of hl->startable */
	bool fresh;               /* counted in hl->fresh */
	long failures;            /* connects failed in a row */
	bool answered;            /* a response from it ever came */
	uint32_t hash;
	char key[];
};

struct hostlimit {
	long per_host;
	struct host **table;
	size_t nbuckets; /* a power of two */
	size_t nhosts;
	struct host *ready_head, *ready_tail;
	size_t waiting, inflight;
	size_t conns;            /* connections worth keeping, see hostlimit_connections() */
	size_t startable;        /* items hostlimit_pop() would hand out now */
	size_t fresh;            /* ready hosts with nothing in flight */
	struct node *free_nodes; /* recycled queue nodes */
	struct host *paused;     /* the sleeping list: hosts with a pause, an
				    empty bucket or a keep time running */
	double rate;             /* --host-rate, starts a second; 0: none */
	size_t data_size;
	size_t held;    /* hosts with work held back by their bucket only */
	double scan_at; /* no sleeping host's time ends before this; 0: none */
	double wake_at; /* no host wakes before this (it may be later); 0: none */
	double now;     /* the latest now given to hostlimit_wake() */
};

static uint32_t hash_key(const char *s)
{
	return (uint32_t)hash_str(s);
}

struct hostlimit *hostlimit_create(long per_host)
{
	struct hostlimit *hl = xcalloc(1, sizeof *hl);
	hl->per_host = per_host > 0 ? per_host : 1;
	hl->nbuckets = 64;
	hl->table = xcalloc(hl->nbuckets, sizeof *hl->table);
	return hl;
}

void hostlimit_destroy(struct hostlimit *hl)
{
	if (!hl)
		return;
	for (size_t b = 0; b < hl->nbuckets; b++) {
		struct host *h = hl->table[b];
		while (h) {
			struct host *next = h->hnext;
			for (struct node *n = h->head, *nn; n; n = nn) {
				nn = n->next;
				free(n);
			}
			free(h->data);
			free(h);
			h = next;
		}
	}
	for (struct node *n = hl->free_nodes, *nn; n; n = nn) {
		nn = n->next;
		free(n);
	}
	free(hl->table);
	free(hl);
}

static void grow(struct hostlimit *hl)
{
	size_t nb = hl->nbuckets * 2;
	struct host **t = xcalloc(nb, sizeof *t);
	for (size_t b = 0; b < hl->nbuckets; b++) {
		for (struct host *h = hl->table[b], *next; h; h = next) {
			next = h->hnext;
			h->hnext = t[h->hash & (nb - 1)];
			t[h->hash & (nb - 1)] = h;
		}
	}
	free(hl->table);
	hl->table = t;
	hl->nbuckets = nb;
}

static struct host *lookup(const struct hostlimit *hl, const char *key, uint32_t hash)
{
	for (struct host *h = hl->table[hash & (hl->nbuckets - 1)]; h; h = h->hnext)
		if (h->hash == hash && strcmp(h->key, key) == 0)
			return h;
	return NULL;
}

static void unlink_host(struct hostlimit *hl, struct host *h)
{
	struct host **p = &hl->table[h->hash & (hl->nbuckets - 1)];
	while (*p != h)
		p = &(*p)->hnext;
	*p = h->hnext;
	hl->nhosts--;
	free(h->data);
	free(h);
}

static void ready_add(struct hostlimit *hl, struct host *h)
{
	h->ready = true;
	h->rnext = NULL;
	h->rprev = hl->ready_tail;
	if (hl->ready_tail)
		hl->ready_tail->rnext = h;
	else
		hl->ready_head = h;
	hl->ready_tail = h;
}

static void ready_remove(struct hostlimit *hl, struct host *h)
{
	if (h->rprev)
		h->rprev->rnext = h->rnext;
	else
		hl->ready_head = h->rnext;
	if (h->rnext)
		h->rnext->rprev = h->rprev;
	else
		hl->ready_tail = h->rprev;
	h->ready = false;
	h->rprev = h->rnext = NULL;
}

/* Put h on or off the ready list to match its state, and count it as
 * held back by its bucket when that alone stops it. */
static bool is_down(const struct host *h)
{
	return !h->answered && h->failures >= HOSTLIMIT_DOWN_AFTER;
}

/* The requests h may have in flight: its limit, or, once a host that
 * never answered has failed, no more than the attempts still needed to
 * take it as down, so that a silent host costs its timeout about twice,
 * not once per slot its limit frees. */
static long cap(const struct host *h)
{
	if (h->answered || h->failures == 0)
		return h->limit;
	long left = HOSTLIMIT_DOWN_AFTER - h->failures;
	return left < h->limit ? left : h->limit;
}

/* The connections h can use: one per request in flight or waiting, up
 * to its limit; none for a host that is down. */
static void count_conns(struct hostlimit *hl, struct host *h)
{
	long want = h->inflight + h->queued;
	if (want > h->limit)
		want = h->limit;
	if (is_down(h))
		want = 0;
	hl->conns = hl->conns - (size_t)h->conns + (size_t)want;
	h->conns = want;
}

/* Put h on or off the ready list to match its state, and count it as
 * held back by its bucket when that alone stops it. A host that is down
 * is ready whatever its limit, pause or bucket: its requests only fail,
 * at once. */
static void count_startable(struct hostlimit *hl, struct host *h)
{
	long n = 0;
	if (h->ready)
		n = is_down(h) || cap(h) - h->inflight > h->queued ? h->queued
								   : cap(h) - h->inflight;
	hl->startable = hl->startable - (size_t)h->startable + (size_t)n;
	h->startable = n;
	bool fresh = h->ready && h->inflight == 0 && !is_down(h);
	if (fresh != h->fresh)
		hl->fresh = fresh ? hl->fresh + 1 : hl->fresh - 1;
	h->fresh = fresh;
}

static void set_ready(struct hostlimit *hl, struct host *h)
{
	count_conns(hl, h);
	if (is_down(h)) {
		bool ready = h->head != NULL;
		if (ready && !h->ready)
			ready_add(hl, h);
		else if (!ready && h->ready)
			ready_remove(hl, h);
		if (h->held) {
			h->held = false;
			hl->held--;
		}
		return;
	}
	bool could = h->head && h->inflight < cap(h) && h->paused_until == 0;
	bool should = could && h->rate_until == 0;
	if (should && !h->ready)
		ready_add(hl, h);
	else if (!should && h->ready)
		ready_remove(hl, h);
	bool held = could && h->rate_until > 0;
	if (held != h->held) {
		h->held = held;
		if (held)
			hl->held++;
		else
			hl->held--;
	}
}

static void update_ready(struct hostlimit *hl, struct host *h)
{
	set_ready(hl, h);
	count_startable(hl, h);
}

static struct host *get_host(struct hostlimit *hl, const char *key)
{
	uint32_t hash = hash_key(key);
	struct host *h = lookup(hl, key, hash);
	if (h)
		return h;
	if (hl->nhosts >= hl->nbuckets)
		grow(hl);
	size_t len = strlen(key);
	h = xcalloc(1, sizeof *h + len + 1);
	memcpy(h->key, key, len + 1);
	h->hash = hash;
	h->limit = hl->per_host;
	ratelimit_init(&h->bucket, hl->rate);
	if (hl->data_size)
		h->data = xcalloc(1, hl->data_size);
	h->hnext = hl->table[hash & (hl->nbuckets - 1)];
	hl->table[hash & (hl->nbuckets - 1)] = h;
	hl->nhosts++;
	return h;
}

static void enqueue(struct hostlimit *hl, const char *key, void *item, bool front)
{
	struct host *h = get_host(hl, key);
	struct node *n = hl->free_nodes;
	if (n)
		hl->free_nodes = n->next;
	else
		n = xmalloc(sizeof *n);
	n->item = item;
	h->queued++;
	if (front) {
		n->next = h->head;
		h->head = n;
		if (!h->tail)
			h->tail = n;
	} else {
		n->next = NULL;
		if (h->tail)
			h->tail->next = n;
		else
			h->head = n;
		h->tail = n;
	}
	hl->waiting++;
	update_ready(hl, h);
}

void hostlimit_push(struct hostlimit *hl, const char *key, void *item)
{
	enqueue(hl, key, item, false);
}

void hostlimit_requeue(struct hostlimit *hl, const char *key, void *item)
{
	enqueue(hl, key, item, true);
}

/* Free h if nothing refers to it any more. */
static void maybe_free(struct hostlimit *hl, struct host *h)
{
	if (h->inflight == 0 && !h->head && !h->sleeping) {
		if (h->ready)
			ready_remove(hl, h);
		unlink_host(hl, h);
	}
}

/* The earlier of a and b, where 0 means never. */
static double earlier(double a, double b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

/* Put h to sleep until *field (one of its times) is at least until. */
static void sleep_until(struct hostlimit *hl, struct host *h, double *field, double until)
{
	if (!h->sleeping) {
		h->sleeping = true;
		h->pnext = hl->paused;
		hl->paused = h;
	}
	if (until > *field)
		*field = until;
	hl->scan_at = earlier(hl->scan_at, until);
	if (field != &h->keep_until)
		hl->wake_at = earlier(hl->wake_at, until);
	update_ready(hl, h);
}

void hostlimit_pause(struct hostlimit *hl, const char *key, double until)
{
	struct host *h = get_host(hl, key);
	sleep_until(hl, h, &h->paused_until, until);
}

/* Clear *t when it is over by now; returns what is left of it. */
static double expire(double *t, double now)
{
	if (*t != 0 && *t <= now)
		*t = 0;
	return *t;
}

double hostlimit_wake(struct hostlimit *hl, double now)
{
	hl->now = now;
	/* Nothing is due before scan_at: the list is walked only when
	 * something is, not on every turn of the loop. */
	if (hl->scan_at == 0 || hl->scan_at > now)
		return hl->wake_at;
	double next = 0, scan = 0;
	for (struct host **p = &hl->paused; *p;) {
		struct host *h = *p;
		expire(&h->paused_until, now);
		expire(&h->rate_until, now);
		expire(&h->keep_until, now);
		double block = h->paused_until > h->rate_until ? h->paused_until : h->rate_until;
		next = earlier(next, block);
		scan = earlier(earlier(earlier(scan, h->paused_until), h->rate_until),
			       h->keep_until);
		if (block != 0 || h->keep_until != 0) {
			update_ready(hl, h);
			p = &h->pnext;
			continue;
		}
		*p = h->pnext;
		h->sleeping = false;
		h->pnext = NULL;
		update_ready(hl, h);
		maybe_free(hl, h);
	}
	hl->scan_at = scan;
	hl->wake_at = next;
	return next;
}

static void *take_head(struct hostlimit *hl, struct host *h)
{
	struct node *n = h->head;
	h->head = n->next;
	if (!h->head)
		h->tail = NULL;
	void *item = n->item;
	n->next = hl->free_nodes;
	hl->free_nodes = n;
	hl->waiting--;
	h->queued--;
	return item;
}

void *hostlimit_pop(struct hostlimit *hl, struct host **host)
{
	return hostlimit_pop_at(hl, hl->now, host);
}

void *hostlimit_pop_at(struct hostlimit *hl, double now, struct host **host)
{
	struct host *h = hl->ready_head;
	if (!h)
		return NULL;
	void *item = take_head(hl, h);
	h->inflight++;
	hl->inflight++;
	/* Round-robin: a host that can start more goes to the back. */
	ready_remove(hl, h);
	update_ready(hl, h);
	/* A start takes the host's token; the host sleeps until the next
	 * one, and its entry (its bucket) lives that long. */
	if (ratelimit_on(&h->bucket) && !is_down(h)) {
		ratelimit_take(&h->bucket, now);
		sleep_until(hl, h, &h->rate_until, ratelimit_due(&h->bucket));
	}
	*host = h;
	return item;
}

void hostlimit_release(struct hostlimit *hl, struct host *h)
{
	h->inflight--;
	hl->inflight--;
	update_ready(hl, h);
	maybe_free(hl, h);
}

void *hostlimit_drain(struct hostlimit *hl)
{
	for (size_t b = 0; b < hl->nbuckets; b++) {
		for (struct host *h = hl->table[b]; h; h = h->hnext) {
			if (!h->head)
				continue;
			void *item = take_head(hl, h);
			update_ready(hl, h);
			maybe_free(hl, h);
			return item;
		}
	}
	return NULL;
}

size_t hostlimit_waiting(const struct hostlimit *hl)
{
	return hl->waiting;
}

size_t hostlimit_inflight(const struct hostlimit *hl)
{
	return hl->inflight;
}

size_t hostlimit_hosts(const struct hostlimit *hl)
{
	return hl->nhosts;
}

long hostlimit_host_inflight(const struct hostlimit *hl, const char *key)
{
	struct host *h = lookup(hl, key, hash_key(key));
	return h ? h->inflight : 0;
}

void hostlimit_set_rate(struct hostlimit *hl, double per_second)
{
	hl->rate = per_second > 0 ? per_second : 0;
}

void hostlimit_set_data_size(struct hostlimit *hl, size_t size)
{
	hl->data_size = size;
}

void *hostlimit_data(struct host *h)
{
	return h->data;
}

const char *hostlimit_key(const struct host *h)
{
	return h->key;
}

long hostlimit_limit(const struct host *h)
{
	return h->limit;
}

long hostlimit_inflight_of(const struct host *h)
{
	return h->inflight;
}

void hostlimit_set_limit(struct hostlimit *hl, struct host *h, long limit)
{
	h->limit = limit > 0 ? limit : 1;
	update_ready(hl, h);
}

void hostlimit_keep(struct hostlimit *hl, struct host *h, double until)
{
	sleep_until(hl, h, &h->keep_until, until);
}

bool hostlimit_ready(const struct hostlimit *hl)
{
	return hl->ready_head != NULL;
}

size_t hostlimit_held(const struct hostlimit *hl)
{
	return hl->held;
}

size_t hostlimit_startable(const struct hostlimit *hl)
{
	return hl->startable;
}

size_t hostlimit_fresh(const struct hostlimit *hl)
{
	return hl->fresh;
}

size_t hostlimit_connections(const struct hostlimit *hl)
{
	return hl->conns;
}

bool hostlimit_reached(struct hostlimit *hl, struct host *h, enum hostlimit_reach r)
{
	switch (r) {
	case HOSTLIMIT_ANSWERED:
		h->answered = true;
		h->failures = 0;
		break;
	case HOSTLIMIT_UNREACHED:
		h->failures++;
		/* What was learnt outlives the host's idle spells: the next
		 * request may come much later in the input. */
		sleep_until(hl, h, &h->keep_until, hl->now + HOSTLIMIT_DOWN_KEEP);
		break;
	case HOSTLIMIT_NO_NEWS: break;
	}
	update_ready(hl, h);
	return is_down(h);
}

bool hostlimit_down(struct hostlimit *hl, struct host *h)
{
	if (!is_down(h))
		return false;
	sleep_until(hl, h, &h->keep_until, hl->now + HOSTLIMIT_DOWN_KEEP);
	return true;
}

bool hostlimit_answered(const struct host *h)
{
	return h->answered;
}

long hostlimit_failures(const struct host *h)
{
	return h->failures;
}
