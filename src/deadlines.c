#include "deadlines.h"

#include <stdlib.h>

#include "xalloc.h"

#define NOWHERE ((size_t)-1)

struct entry {
	double due;
	size_t id;
};

struct deadlines {
	struct entry *heap; /* a min-heap on due */
	size_t len;
	size_t *pos; /* pos[id]: where id is in the heap, or NOWHERE */
	size_t n;
};

struct deadlines *deadlines_create(size_t n)
{
	struct deadlines *d = xcalloc(1, sizeof *d);
	d->heap = xcalloc(n ? n : 1, sizeof *d->heap);
	d->pos = xcalloc(n ? n : 1, sizeof *d->pos);
	d->n = n;
	for (size_t i = 0; i < n; i++)
		d->pos[i] = NOWHERE;
	return d;
}

void deadlines_destroy(struct deadlines *d)
{
	if (!d)
		return;
	free(d->heap);
	free(d->pos);
	free(d);
}

static void place(struct deadlines *d, size_t i, struct entry e)
{
	d->heap[i] = e;
	d->pos[e.id] = i;
}

/* Move the entry at i up or down until the heap is in order again. */
static void settle(struct deadlines *d, size_t i)
{
	struct entry e = d->heap[i];
	while (i > 0 && d->heap[(i - 1) / 2].due > e.due) {
		place(d, i, d->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= d->len)
			break;
		if (c + 1 < d->len && d->heap[c + 1].due < d->heap[c].due)
			c++;
		if (d->heap[c].due >= e.due)
			break;
		place(d, i, d->heap[c]);
		i = c;
	}
	place(d, i, e);
}

void deadlines_set(struct deadlines *d, size_t id, double due)
{
	size_t i = d->pos[id];
	if (i == NOWHERE)
		i = d->len++;
	d->heap[i] = (struct entry){due, id};
	settle(d, i);
}

void deadlines_clear(struct deadlines *d, size_t id)
{
	size_t i = d->pos[id];
	if (i == NOWHERE)
		return;
	d->pos[id] = NOWHERE;
	if (i == --d->len)
		return;
	d->heap[i] = d->heap[d->len];
	settle(d, i);
}

bool deadlines_first(const struct deadlines *d, size_t *id, double *due)
{
	if (d->len == 0)
		return false;
	*id = d->heap[0].id;
	*due = d->heap[0].due;
	return true;
}

double deadlines_idle_next(double active, double now, double timeout)
{
	if (active <= 0)
		return now + timeout;
	if (now >= active + timeout)
		return 0;
	return active + timeout;
}
