/* xalloc: allocation that never returns NULL.
 *
 * Every helper aborts the program with "urlfan: out of memory" when the
 * allocator fails: urlfan cannot do anything useful without memory, and
 * checking every allocation would hide the real logic. A size of 0 is
 * taken as 1, so the result is always a pointer to free(). */
#ifndef URLFAN_XALLOC_H
#define URLFAN_XALLOC_H

#include <stddef.h>

/* malloc, calloc and realloc that never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* A NUL-terminated copy of s[0..n) (s need not be NUL-terminated). */
char *xstrndup(const char *s, size_t n);
/* A copy of the NUL-terminated s. */
char *xstrdup(const char *s);

#endif
