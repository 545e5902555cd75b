/* output: results to records on standard output.
 *
 * Each record is built whole in memory and written with as few write()
 * calls as possible, never interleaved with another: records of finished
 * requests are buffered and flushed when the buffer passes 64 KiB, when
 * the event loop is about to wait (output_flush()), and at the end. */
#ifndef URLFAN_OUTPUT_H
#define URLFAN_OUTPUT_H

#include <stdbool.h>

#include "buf.h"
#include "opts.h"
#include "result.h"

struct output;

/* Write to fd; tty says whether fd is a terminal (colors under
 * --color auto, escaping of control characters). */
struct output *output_create(const struct config *cfg, int fd, bool tty);
/* Flushes what is buffered (errors ignored: use output_flush() first). */
void output_destroy(struct output *out);

/* Add one record. Returns 0, or -1 when writing failed (errno says why;
 * EPIPE when the reader went away). */
int output_record(struct output *out, const struct result *res);
int output_flush(struct output *out);

/* Append the ndjson "body" value for a body (JSON as is, minified; else a
 * string; else base64). Returns true when it was base64-encoded. */
bool output_body_value(struct buf *b, const char *body, size_t len);

/* Append res as one ndjson record, without the newline. */
void output_ndjson(struct buf *b, const struct result *res, bool with_body);

#endif
