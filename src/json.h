/* json: byte-faithful JSON handling.
 *
 * Bodies and request-spec values must pass through with the sender's number
 * literals, string escapes and key order intact, so nothing here builds a
 * tree or converts numbers: the scanner validates RFC 8259 JSON and copies
 * the original tokens, only removing white space (minify) or laying it out
 * anew (pretty). cJSON is used elsewhere to decode single strings. */
#ifndef URLFAN_JSON_H
#define URLFAN_JSON_H

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

/* Decode the JSON string token tok[0..n) (quotes included, as found by
 * json_object_next()) into its bytes, appended to out. Escaped NULs are
 * kept; a lone surrogate becomes U+FFFD. Returns 0, or -1 when tok is not a
 * string token. */
int json_string_decode(const char *tok, size_t n, struct buf *out);

/* Append s[0..n) as a JSON string literal. Control characters are
 * escaped; bytes that are not valid UTF-8 become U+FFFD, so the output is
 * always valid JSON whatever the input. */
void json_write_string(struct buf *out, const char *s, size_t n);

#endif
