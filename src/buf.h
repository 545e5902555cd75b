/* buf: a growable byte buffer.
 *
 * A struct buf owns its data; buf_free() releases it and leaves an empty,
 * reusable buffer. data is always NUL-terminated when len > 0 or after any
 * append, so it can be printed as a string when it holds no NUL bytes.
 * Allocation failure aborts the program, as with the xalloc.h helpers. */
#ifndef URLFAN_BUF_H
#define URLFAN_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Make room for extra more bytes and a NUL: afterwards cap >= len +
 * extra + 1, so the caller may write up to extra + 1 bytes at data + len
 * directly and then set len itself (keeping data[len] a NUL). Code that
 * writes ahead in wide stores (the SIMD minifier) reserves for what it
 * may touch, not just what it keeps. data may move: pointers into it are
 * stale after any call that appends. */
static inline void buf_reserve(struct buf *b, size_t extra);
/* The slow path of buf_reserve(): grow. */
void buf_grow(struct buf *b, size_t extra);

static inline void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap)
		buf_grow(b, extra);
}

/* Append p[0..n) (which may hold NULs), one character, or the string s.
 * Inline: records are built from many short appends, and a call each
 * cost more than the copying. */
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

static inline void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}
/* Append printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free the data; b is empty and reusable afterwards. */
void buf_free(struct buf *b);

/* Number formatting for the record hot path, without printf's cost:
 * an unsigned decimal, and seconds as "S.ffffff" (microseconds, like
 * printf's "%.6f" for the values libcurl reports). */
void buf_add_uint(struct buf *b, unsigned long long v);
void buf_add_seconds(struct buf *b, double secs);

#endif
