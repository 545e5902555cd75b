/* body: one attempt's response body on its way out of the engine - kept
 * in memory for the record, discarded (only counted), or handed to a sink
 * (sink.h). No curl here: xfer's write callback calls body_write(), and
 * the three ways are unit-tested on their own.
 *
 * A struct body is reused from one attempt to the next: body_open()
 * starts an attempt, body_commit() or body_abandon() ends it, body_free()
 * releases the memory. */
#ifndef URLFAN_BODY_H
#define URLFAN_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "result.h"
#include "sink.h"

/* A memory buffer larger than this is freed when its attempt is over, so
 * that one large body does not keep its memory for the rest of the run. */
#define BODY_KEEP_CAP (1024 * 1024)

struct body {
	enum body_mode mode;
	const struct sink *sink;
	void *open;     /* BODY_SINK: the sink's body, NULL when none */
	struct buf mem; /* BODY_MEMORY: the bytes */
	long long max;  /* the most bytes taken: --max-body in memory,
			   --max-filesize for a sink; 0: no limit */
	size_t size;    /* bytes written, kept or not */
	bool too_large; /* a write went past max */
	int io_errno;   /* BODY_SINK: a write failed with this */
};

#define BODY_INIT                                                                                  \
	{                                                                                          \
		BODY_MEMORY, NULL, NULL, BUF_INIT, 0, 0, false, 0                                  \
	}

/* Start an attempt's body: at most max bytes are taken (0: no limit; a
 * discarded body has none, as nothing is kept); sink is used with
 * BODY_SINK (borrowed until the body ends). Returns 0, or -1 with errno
 * set when the sink cannot open a body. */
int body_open(struct body *b, enum body_mode mode, const struct sink *sink, long long max);
/* Take data[0..n). Returns 0, or -1 when the body cannot take it: then
 * too_large or io_errno says why, and the attempt must fail. */
int body_write(struct body *b, const char *data, size_t n);
/* The attempt succeeded with record res. BODY_SINK: the sink keeps the
 * body and where it went is appended to where; returns 0, or -1 with
 * errno set (the body is lost). Other modes: nothing to do, 0. The bytes
 * of a memory body stay in b->mem until the next body_open(). */
int body_commit(struct body *b, const struct result *res, struct buf *where);
/* The attempt gets no body: drop what a sink holds. Safe to call twice. */
void body_abandon(struct body *b);
/* The attempt is over and its bytes are no longer needed: a memory buffer
 * larger than BODY_KEEP_CAP is freed now rather than at the next open. */
void body_trim(struct body *b);
/* Abandon, and free the memory. */
void body_free(struct body *b);

#endif
