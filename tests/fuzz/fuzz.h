/* fuzz.h: what the libFuzzer harnesses share.
 *
 * Only for the harnesses in tests/fuzz: every helper is static, so each
 * harness is one translation unit plus the library sources. */
#ifndef URLFAN_FUZZ_H
#define URLFAN_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant: abort() on failure, so that libFuzzer saves the input as
 * a crash. Not assert(): it must hold in every build type. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",      \
				__FILE__, __LINE__, #cond);                   \
			abort();                                              \
		}                                                             \
	} while (0)

/* An exact-size heap copy of p[0..n), so that AddressSanitizer catches a
 * read one byte past the end (libFuzzer's own buffer is exact-size too,
 * but the harnesses carve several inputs out of it). */
static inline char *fuzz_copy(const void *p, size_t n)
{
	char *c = xmalloc(n ? n : 1);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* FNV-1a over the input: derives the knobs a harness needs (flags,
 * lengths) without spending input bytes on them. */
static inline uint32_t fuzz_hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Whether buffer b holds exactly s[0..n). */
static inline bool fuzz_buf_is(const struct buf *b, const char *s, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->data, s, n) == 0);
}

#endif
