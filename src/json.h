/* json: byte-faithful JSON handling.
 *
 * Bodies and request-spec values must pass through with the sender's number
 * literals, string escapes and key order intact, so nothing here builds a
 * tree or converts numbers: the scanner validates RFC 8259 JSON and copies
 * the original tokens, only removing white space (minify) or laying it out
 * anew (pretty). Scanning and decoding a single string token, and writing
 * bytes as one, is json_string.h's job (json.c uses it; it knows nothing
 * of json.h); UTF-8 checks are utf8.h's. No JSON
 * library is linked into urlfan: cJSON only checks this code in the unit
 * tests and the fuzz harnesses. */
#ifndef URLFAN_JSON_H
#define URLFAN_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Validate the JSON text s[0..n) (one value, surrounding white space
 * allowed) and append it to out, minified when indent < 0 or
 * pretty-printed with indent spaces per level otherwise.
 * out may be NULL to only validate. Returns 0, or -1 when s is not valid
 * JSON; then out is left as it was. Strings must be valid UTF-8. */
int json_reformat(const char *s, size_t n, struct buf *out, int indent);
/* json_reformat(s, n, out, -1) without the SIMD path: what it does for short
 * texts and on machines without SSE2. The tests compare the two. */
int json_minify_portable(const char *s, size_t n, struct buf *out);
/* json_reformat(s, n, out, -1) with the SIMD minifier at level (1 SSSE3,
 * 2 AVX2, 3 AVX-512), whatever n, for the tests and bench/json_body.
 * Returns -2, out untouched, when the build or the processor has no such
 * level. Not thread-safe. */
int json_minify_simd(int level, const char *s, size_t n, struct buf *out);

/* json_reformat(s, n, out, -1), and on success *depth set to how deeply
 * the text's containers nest, empty ones counted: 0 for 7, 1 for [] and
 * [7], 2 for {"a":[]}. out must not be NULL. The SIMD minifier and the
 * one-pass scanner both count it, at no cost worth measuring. */
int json_minify_depth(const char *s, size_t n, struct buf *out, size_t *depth);
/* json_minify_depth() by the one-pass scanner (level 0) or the SIMD
 * minifier at level, for the tests; -2 when there is no such level. */
int json_minify_at(int level, const char *s, size_t n, struct buf *out, size_t *depth);

/* Whether the valid JSON text s[0..n) has a \u escape of a UTF-16
 * surrogate that is not half of a pair (a high one, \uD800-\uDBFF,
 * right before a low one, \uDC00-\uDFFF): valid JSON syntax, but no
 * character, and jq 1.6 stops at it. One memchr() per backslash. */
bool json_lone_surrogate(const char *s, size_t n);

/* The span of one top-level object member, as raw text. */
struct json_member {
	const char *key; /* the key token, quotes included */
	size_t key_len;
	const char *val; /* the value token(s), exactly as written */
	size_t val_len;
};

/* Iterate the members of the JSON object s[0..n). *pos starts at 0.
 * Returns 1 and fills m for each member, 0 at the end, -1 when s is not a
 * valid JSON object. Pointers in m point into s. */
int json_object_next(const char *s, size_t n, size_t *pos, struct json_member *m);

#endif
