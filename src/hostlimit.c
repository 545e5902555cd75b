#include "hostlimit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
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
	struct host *pnext;         /* paused list link */
	long inflight;
	struct node *head, *tail; /* waiting items */
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
	struct node *free_nodes; /* recycled queue nodes */
	struct host *paused;     /* hosts with a pause running */
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

/* Put h on or off the ready list to match its state. */
static void update_ready(struct hostlimit *hl, struct host *h)
{
	bool should = h->head && h->inflight < hl->per_host && h->paused_until == 0;
	if (should && !h->ready)
		ready_add(hl, h);
	else if (!should && h->ready)
		ready_remove(hl, h);
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
	if (h->inflight == 0 && !h->head && h->paused_until == 0) {
		if (h->ready)
			ready_remove(hl, h);
		unlink_host(hl, h);
	}
}

void hostlimit_pause(struct hostlimit *hl, const char *key, double until)
{
	struct host *h = get_host(hl, key);
	if (h->paused_until == 0) {
		h->pnext = hl->paused;
		hl->paused = h;
	}
	if (until > h->paused_until)
		h->paused_until = until;
	update_ready(hl, h);
}

double hostlimit_wake(struct hostlimit *hl, double now)
{
	double next = 0;
	for (struct host **p = &hl->paused; *p;) {
		struct host *h = *p;
		if (h->paused_until > now) {
			if (next == 0 || h->paused_until < next)
				next = h->paused_until;
			p = &h->pnext;
			continue;
		}
		*p = h->pnext;
		h->paused_until = 0;
		h->pnext = NULL;
		update_ready(hl, h);
		maybe_free(hl, h);
	}
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
	return item;
}

void *hostlimit_pop(struct hostlimit *hl, struct host **host)
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
