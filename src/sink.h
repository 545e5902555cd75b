/* sink: where a response body goes when it is not kept in memory.
 *
 * The engine (fetch, xfer) moves bytes; it never decides names, formats or
 * files. A caller that wants bodies somewhere else than in the record
 * (-O: files under a directory) hands the engine a struct sink: the
 * engine opens one body per attempt, writes the bytes as they arrive, and
 * at the end either commits it - the sink then says where the body went,
 * which the record shows - or abandons it (the attempt failed, is retried,
 * or the run stopped). Exactly one of commit and abandon ends every body
 * that open returned. */
#ifndef URLFAN_SINK_H
#define URLFAN_SINK_H

#include <stddef.h>

#include "buf.h"
#include "result.h"

struct sink {
	/* Start one body. Returns a handle for the calls below, or NULL
	 * with errno set (the attempt then fails with kind io). */
	void *(*open)(void *ctx);
	/* Append data[0..n). Returns 0, or -1 with errno set (the attempt
	 * then fails with kind io). */
	int (*write)(void *body, const char *data, size_t n);
	/* The attempt succeeded and res is its record but for the body:
	 * keep the body as res calls for and append where it went to
	 * where. Returns 0, or -1 with errno set; either way the body is
	 * finished and its handle freed. */
	int (*commit)(void *body, const struct result *res, struct buf *where);
	/* Drop the body and free its handle. */
	void (*abandon)(void *body);
	void *ctx;
	/* Optional (-N): the modification time of the file already there
	 * for a request, whose record so far holds only the request's own
	 * fields; -1 when there is none. commit() then reads
	 * res->file_state: "kept" leaves that file as it is, "refreshed"
	 * replaces it. */
	long long (*since)(void *ctx, const struct result *req);
};

/* What the engine does with bodies. */
enum body_mode {
	BODY_MEMORY,  /* keep each body in memory for the record (default) */
	BODY_DISCARD, /* count the bytes, keep none (--no-body; HEAD) */
	BODY_SINK,    /* hand them to a struct sink (-O) */
};

#endif
