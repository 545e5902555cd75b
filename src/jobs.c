#include "jobs.h"

#include <stdlib.h>

#include "xalloc.h"

struct jobs {
	struct loop *loop;
	void (*due)(struct job *job, void *ctx);
	void *ctx;
	size_t delayed;
	size_t held; /* bytes, see jobs_held_bytes() */
	/* jobs_take_delayed()'s for the one call it is in */
	void (*take_fn)(struct job *job, void *arg);
	void *take_arg;
};

static struct job *job_of(struct loop_timer *t)
{
	return (struct job *)((char *)t - offsetof(struct job, retry));
}

static void due_cb(struct loop_timer *t, void *data)
{
	struct jobs *js = data;
	js->delayed--;
	js->due(job_of(t), js->ctx);
}

/* A job's own memory and its node in hostlimit's queue, malloc's headers
 * counted. */
#define JOB_BYTES 64

struct jobs *jobs_create(struct loop *l, void (*due)(struct job *job, void *ctx), void *ctx)
{
	struct jobs *js = xcalloc(1, sizeof *js);
	js->loop = l;
	js->due = due;
	js->ctx = ctx;
	return js;
}

void jobs_destroy(struct jobs *js)
{
	free(js);
}

struct job *jobs_new(struct jobs *js, struct request *req)
{
	struct job *job = xmalloc(sizeof *job);
	job->req = req;
	job->attempts = 0;
	job->bytes = request_bytes(req) + JOB_BYTES;
	js->held += job->bytes;
	loop_timer_init(&job->retry, due_cb, js);
	return job;
}

void jobs_free(struct jobs *js, struct job *job)
{
	if (!job)
		return;
	if (loop_timer_armed(&job->retry)) {
		loop_timer_stop(js->loop, &job->retry);
		js->delayed--;
	}
	js->held -= job->bytes;
	request_free(job->req);
	free(job);
}

void jobs_delay(struct jobs *js, struct job *job, double due)
{
	if (!loop_timer_armed(&job->retry))
		js->delayed++;
	loop_timer_set(js->loop, &job->retry, due);
}

size_t jobs_held_bytes(const struct jobs *js)
{
	return js->held;
}

size_t jobs_delayed(const struct jobs *js)
{
	return js->delayed;
}

static void take_cb(struct loop_timer *t, void *arg)
{
	struct jobs *js = arg;
	js->delayed--;
	js->take_fn(job_of(t), js->take_arg);
}

void jobs_take_delayed(struct jobs *js, void (*fn)(struct job *job, void *arg), void *arg)
{
	js->take_fn = fn;
	js->take_arg = arg;
	loop_timers_take(js->loop, due_cb, take_cb, js);
}
