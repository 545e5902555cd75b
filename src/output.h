/* output: results to records on standard output.
 *
 * Each record is built whole in memory and written with as few write()
 * calls as possible, never interleaved with another: records are buffered
 * and flushed when the buffer passes 64 KiB, when the event loop is about
 * to wait (output_flush()), and at the end.
 *
 * With --order input, records that finish early wait in a reorder window
 * of output_window() records; output_next_index() tells the caller which
 * index the window starts at, so that it reads no request beyond the
 * window (back-pressure instead of unbounded buffering). */
#ifndef URLFAN_OUTPUT_H
#define URLFAN_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "opts.h"
#include "result.h"

struct output;

/* Write to fd; tty says whether fd is a terminal (colors under --color
 * auto, escaping of control characters). window: the reorder window for
 * --order input. Returns NULL when the -w template is invalid, with the
 * reason in err. */
struct output *output_create(const struct config *cfg, int fd, bool tty, size_t window, char *err,
			     size_t errlen);
/* Frees everything; writes nothing (call output_finish() first). */
void output_destroy(struct output *out);

/* Add one record. Returns 0, or -1 when writing failed (errno says why;
 * EPIPE when the reader went away). */
int output_record(struct output *out, const struct result *res);
/* Tell the reorder window that index will have no record (a skipped
 * request), so that later records need not wait for it. */
int output_skip(struct output *out, size_t index);
/* Write the whole records that wait in the buffer. Returns 0, or -1 with
 * errno set (the waiting records are then dropped). */
int output_flush(struct output *out);
/* Whether records wait in the write buffer. */
bool output_pending(const struct output *out);
/* Write what a format needs after the last record (json's closing
 * bracket) and flush. */
int output_finish(struct output *out);

/* --order input: the lowest index not yet written; a caller must not
 * read requests with index >= output_next_index() + window. */
size_t output_next_index(const struct output *out);

#endif
