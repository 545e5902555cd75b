/* urlglob: curl's URL globbing, expanded lazily.
 *
 * "http://h/[1-100]", "[001-100]" (zero-padded to the width of the first
 * number), "[a-z]", "[0-100:10]" (a step), "{a,b,c}", several in one URL;
 * the last pattern varies fastest, as in curl. "\[", "\]", "\{" and "\}"
 * stand for themselves, and a bracket holding an IPv6 address
 * ("http://[::1]:8080/") is no range. Nothing is expanded ahead: a glob
 * holds its patterns and one position each, so a billion-URL glob costs
 * what a ten-URL one does. Pure: no I/O, no curl. */
#ifndef URLFAN_URLGLOB_H
#define URLFAN_URLGLOB_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct urlglob;

/* Compile s[0..n). Returns 1 with a new glob in *out when s expands (a
 * pattern or an escape in it), 0 when s is a plain URL to use as it is
 * (*out NULL), -1 when s is a bad glob (*why says why, a static string;
 * *out NULL). The glob copies what it needs of s. */
int urlglob_compile(const char *s, size_t n, struct urlglob **out, const char **why);
/* Append the next URL to out and return true, or return false when every
 * URL has been handed out. The first call gives the first URL. */
bool urlglob_next(struct urlglob *g, struct buf *out);
/* How many URLs the glob makes in all (at most 2^63). */
unsigned long long urlglob_count(const struct urlglob *g);
/* Accepts NULL. */
void urlglob_free(struct urlglob *g);

#endif
