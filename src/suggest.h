/* suggest: how far a mistyped word is from the one meant, for messages
 * that name what the user probably meant (an option, a URL scheme). Pure
 * libc. */
#ifndef URLFAN_SUGGEST_H
#define URLFAN_SUGGEST_H

#include <stddef.h>

/* The edit distance between a[0..n) and the string b: insertions,
 * deletions, substitutions and swaps of two neighbours count one each
 * (optimal string alignment). Capped: anything above 3 is 4, and so is
 * any word of 63 bytes or more. */
size_t suggest_distance(const char *a, size_t n, const char *b);

#endif
