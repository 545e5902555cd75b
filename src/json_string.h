/* json_string: one JSON string literal, to and from its bytes.
 *
 * urlfan's records put arbitrary bytes (URLs, header values, bodies) into
 * JSON strings, and request specs carry URLs and ids inside them: these are
 * the two directions. Everything else in JSON text is copied as written by
 * json.h's scanner; this is the one place where escapes are decoded or
 * made. */
#ifndef URLFAN_JSON_STRING_H
#define URLFAN_JSON_STRING_H

#include <stddef.h>

#include "buf.h"

/* 1 for the bytes that stand for themselves inside a JSON string: ASCII
 * from 0x20 on (DEL included) but the quote and the backslash. */
extern const unsigned char json_string_plain[256];

/* Scan the string token that starts at s[i], which must be '"': returns
 * the index just past its closing quote, or 0 when s[i..n) does not start a
 * valid JSON string (bad escape, control character, malformed UTF-8, no
 * closing quote). Reads nothing at or past s[n]. What json_reformat() and
 * json_object_next() (json.h) accept as a string. */
size_t json_scan_string(const char *s, size_t n, size_t i);

/* Decode the JSON string token tok[0..n) (quotes included, as found by
 * json_object_next()) into its bytes, appended to out. Escaped NULs are
 * kept, so out may hold NUL bytes; a lone surrogate becomes U+FFFD, so what
 * is appended is always valid UTF-8. Returns 0, or -1 when tok is not
 * exactly one valid string token; then out is left as it was. */
int json_string_decode(const char *tok, size_t n, struct buf *out);

/* Append s[0..n) to out as a JSON string literal, quotes included. Control
 * characters, '"' and '\' are escaped; each byte that does not start a
 * well-formed UTF-8 sequence becomes \ufffd, so the output is valid JSON
 * whatever the input. */
void json_write_string(struct buf *out, const char *s, size_t n);

/* The length json_write_string() would append for s[0..n) (quotes
 * included), without writing it. */
size_t json_string_length(const char *s, size_t n);

#endif
