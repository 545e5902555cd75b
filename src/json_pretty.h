/* json_pretty: JSON laid out for a person, a piece at a time.
 *
 * The text view pretty-prints JSON bodies with two spaces per level. The
 * output can be many times the body (a line and an indent per token), so
 * it is produced in pieces that the output writes as the reader takes
 * them, never held whole; and past JSON_PRETTY_DEPTH levels the rest of a
 * value is written compact on one line, so that the indentation (and the
 * output) stays within a fixed multiple of the body. */
#ifndef URLFAN_JSON_PRETTY_H
#define URLFAN_JSON_PRETTY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Levels laid out on lines of their own; deeper values are compact. */
#define JSON_PRETTY_DEPTH 64

struct json_pretty {
	const char *s; /* minified valid JSON (json_reformat(..., -1)) */
	size_t n;
	size_t pos;   /* the next byte of s to lay out */
	size_t depth; /* containers open at pos */
	bool in_string;
	bool tty; /* escape DEL and C1 controls inside strings */
};

/* Start laying out s[0..n), which must be minified valid JSON (as
 * json_reformat() with indent -1 makes it); s must stay valid while
 * json_pretty_step() is called, and s[n] readable (a NUL, as struct buf
 * keeps it). tty: show DEL and the C1 controls
 * (U+0080-U+009F) inside strings as \u escapes, as a terminal must not
 * receive them raw; the output is then still the same JSON value. */
void json_pretty_init(struct json_pretty *p, const char *s, size_t n, bool tty);

/* Append the next piece of the layout to out: at least about chunk bytes
 * (whole tokens, so a little more) or what is left. Returns true while
 * more remains, false once the whole value has been written. */
bool json_pretty_step(struct json_pretty *p, struct buf *out, size_t chunk);

#endif
