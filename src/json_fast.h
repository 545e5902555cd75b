/* json_fast: the SIMD minifier behind json_reformat() (SSSE3, AVX2 or
 * AVX-512, picked at run time), and the few pieces of the one-pass
 * scanner it shares. Internal to the json module: only json.c,
 * json_fast.c and json_string.c include it; users include json.h
 * (json_minify_simd() picks a level for the tests).
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
#define JSON_FAST_MIN 64 /* shorter texts take the one-pass scanner */

/* The instruction sets json_minify_fast() has a version for. */
enum json_fast_level {
	JSON_FAST_NONE,   /* none: json_minify_fast() must not run */
	JSON_FAST_SSSE3,  /* 16 bytes at a time */
	JSON_FAST_AVX2,   /* 32 bytes at a time, with BMI2, PCLMUL and POPCNT */
	JSON_FAST_AVX512, /* 64 bytes at a time (BW), VBMI2's compress */
};

/* The level json_minify_fast() uses: the best this processor has, unless
 * json_fast_use() chose another; JSON_FAST_NONE when it may not run. The
 * first call also builds the minifier's tables; not thread-safe. */
int json_fast_ready(void);
/* Use level (at most the processor's best) from now on; returns the
 * level now used. For json_minify_simd(). */
int json_fast_use(int level);

/* json_reformat(s, n, out, -1) for n >= JSON_FAST_MIN, once
 * json_fast_ready() said a level: the same result, byte for byte, and
 * the same 0 / -1, with out as it was on -1. out must not be NULL.
 * depth (may be NULL) gets json_minify_depth()'s depth on success. */
int json_minify_fast(const char *s, size_t n, struct buf *out, size_t *depth);
#endif

#endif
