/* buf: a growable byte buffer.
 *
 * A struct buf owns its data; buf_free() releases it and leaves an empty,
 * reusable buffer. data is always NUL-terminated when len > 0 or after any
 * append, so it can be printed as a string when it holds no NUL bytes.
 * Allocation failure aborts the program, as with the xalloc.h helpers. */
#ifndef URLFAN_BUF_H
#define URLFAN_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* Number formatting for the record hot path, without printf's cost:
 * an unsigned decimal, and seconds as "S.ffffff" (microseconds, like
 * printf's "%.6f" for the values libcurl reports). */
void buf_add_uint(struct buf *b, unsigned long long v);
void buf_add_seconds(struct buf *b, double secs);

#endif
