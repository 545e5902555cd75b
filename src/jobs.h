/* jobs: the requests the engine holds, from the moment one is read until
 * its record is delivered: each with the engine's count of its tries and,
 * while it waits out a retry delay, a loop timer. hostlimit.h queues the
 * jobs that wait for their host; this module makes and frees them and
 * keeps the ones waiting for a retry delay, so that the read-ahead bound,
 * an interruption and the teardown can count and reach every one. */
#ifndef URLFAN_JOBS_H
#define URLFAN_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "source.h"

struct job {
	struct request *req; /* owned: freed with the job */
	long attempts;
	size_t bytes;            /* what it holds, for the read-ahead byte budget */
	struct loop_timer retry; /* armed while it waits out a retry delay */
};

struct jobs;

/* Jobs whose retry delays run on l; due() gets each whose delay is over. */
struct jobs *jobs_create(struct loop *l, void (*due)(struct job *job, void *ctx), void *ctx);
/* Accepts NULL. Jobs still waiting out a delay are forgotten, not freed:
 * take them first (jobs_take_delayed()). */
void jobs_destroy(struct jobs *js);
/* A job for req, which it owns from now on. */
struct job *jobs_new(struct jobs *js, struct request *req);
/* Free a job and its request; accepts NULL. */
void jobs_free(struct jobs *js, struct job *job);
/* job waits until due (clock.h's time), then goes to due(). */
void jobs_delay(struct jobs *js, struct job *job, double due);
/* The bytes the jobs alive hold (their requests, themselves and a queue
 * node each): what the read-ahead byte budget (bounds.h) counts. */
size_t jobs_held_bytes(const struct jobs *js);
/* How many jobs wait out a retry delay. */
size_t jobs_delayed(const struct jobs *js);
/* Hand every job waiting out a delay to fn (which owns it from then on),
 * in no particular order. */
void jobs_take_delayed(struct jobs *js, void (*fn)(struct job *job, void *arg), void *arg);

#endif
