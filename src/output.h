/* output: results to records on standard output, never blocking the loop.
 *
 * The view (view.h) makes each record's bytes; the output queues, orders
 * and writes them. Each record is written whole, never interleaved with
 * another. Records wait in a queue and are written as the descriptor
 * takes them: the descriptor is non-blocking where it can be (main.c
 * arranges that), so a slow reader makes the queue grow instead of
 * stopping the event loop, and output_full() tells the loop to stop
 * starting requests (back-pressure) until the reader catches up. The text
 * view's pretty-printed JSON is produced piece by piece as the queue
 * drains, never whole.
 *
 * With --order input, records that finish early wait in a reorder window;
 * output_next_index() tells the caller which index the window starts at,
 * so that it reads no request beyond the window, and the window's bytes
 * count towards output_full().
 *
 * For --save-unfinished, a record may carry a tag: the output calls the
 * fate callback once per tagged record, when it was written whole (true)
 * or when it never will be (false: a write failed, or the run stopped
 * before it was written). */
#ifndef URLFAN_OUTPUT_H
#define URLFAN_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "bodysink.h"
#include "bounds.h"
#include "config.h"
#include "result.h"

struct output;

/* Write to fd (-1: standard output is closed, every write fails with
 * EBADF); tty says whether fd is a terminal (colors under --color auto,
 * escaping of control characters). bounds gives the reorder window and
 * the byte budgets. Returns NULL when the -w template is invalid, with the
 * reason in err. */
struct output *output_create(const struct config *cfg, int fd, bool tty,
			     const struct bounds *bounds, char *err, size_t errlen);
/* Frees everything; writes nothing (call output_finish() first). Tagged
 * records not written get their fate (false) here. */
void output_destroy(struct output *out);

/* The view that renders the records (view.h: --format body's bodies,
 * the count of requests never started); valid until output_destroy(). */
struct view *output_view(struct output *out);

/* Call fate(tag, written, ctx) once for each record added with a tag. */
void output_on_fate(struct output *out, void (*fate)(void *tag, bool written, void *ctx),
		    void *ctx);

/* Add one record (tag: NULL, or for the fate callback). Returns 0, or -1
 * when writing failed (errno says why; EPIPE when the reader went away). */
int output_record(struct output *out, const struct result *res, void *tag);
/* Tell the reorder window that index will have no record (a skipped
 * request), so that later records need not wait for it. */
int output_skip(struct output *out, size_t index);
/* Write what the descriptor takes now, without blocking. Returns 0 (all
 * written, or the rest waits for output_wait_fd()), or -1 with errno set:
 * the output is broken and the records still queued are lost. */
int output_flush(struct output *out);
/* Whether records wait to be written. */
bool output_pending(const struct output *out);
/* Whether the queue and the reorder window hold more than their budgets:
 * the caller should start no new requests until output_flush() made
 * room. */
bool output_full(const struct output *out);
/* The descriptor to wait on for writability while output_flush() left
 * bytes the reader has not taken, or -1. */
int output_wait_fd(const struct output *out);
/* Write what a format needs after the last record (json's closing
 * bracket) and everything queued, waiting for the reader as long as it
 * takes. While waiting, wake_fd (or -1) becoming readable makes it ask
 * give_up(ctx): true abandons the rest (errno ECANCELED). Returns 0, or -1
 * with errno set. */
int output_finish(struct output *out, int wake_fd, bool (*give_up)(void *ctx), void *ctx);

/* --order input: the lowest index not yet written; a caller must not
 * read requests with index >= output_next_index() + the window. */
size_t output_next_index(const struct output *out);

#endif
