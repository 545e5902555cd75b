/* json_fast: the SSSE3 two-pass minifier behind json_reformat(), and the
 * few pieces of the one-pass scanner it shares. Internal to the json
 * module: only json.c and json_fast.c include it; users include json.h.
 * The shared pieces are static inline so that both scanners' inner loops
 * keep them inlined. */
#ifndef URLFAN_JSON_FAST_H
#define URLFAN_JSON_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/* Digits and hex digits as numbers and \u escapes spell them: ASCII only,
 * whatever the locale, and safe for a negative char. */
static inline bool json_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool json_is_hex(char c)
{
	return json_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The scanners' stack of open containers: in the caller's array small
 * (*cap bytes) at first, then on the heap, doubling each time it is full.
 * Returns the stack to use from now on. */
static inline char *json_stack_grow(char *stack, const char *small, size_t *cap)
{
	size_t old = *cap;
	*cap = 2 * old;
	if (stack != small)
		return xrealloc(stack, *cap);
	char *heap = xmalloc(*cap);
	memcpy(heap, small, old);
	return heap;
}

#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JSON_FAST_MIN 256 /* shorter texts take the one-pass scanner */

/* Whether this processor has SSSE3, so that json_minify_fast() may run.
 * The first call also builds the minifier's tables; not thread-safe. */
bool json_fast_ready(void);

/* json_reformat(s, n, out, -1) for n >= JSON_FAST_MIN, on a processor
 * where json_fast_ready() said yes: the same result, byte for byte, and
 * the same 0 / -1, with out as it was on -1. out must not be NULL. */
int json_minify_fast(const char *s, size_t n, struct buf *out);
#endif

#endif
