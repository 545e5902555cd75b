/* termsafe: text made safe to show on a terminal.
 *
 * Bytes from servers and input files must not reach a terminal raw: an
 * escape sequence can rewrite the screen, retitle the window or worse.
 * Control characters (C0, DEL and the C1 range U+0080-U+009F) and bytes
 * that are not UTF-8 are shown as \xHH instead; everything else is copied. */
#ifndef URLFAN_TERMSAFE_H
#define URLFAN_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Append s[0..n) to b with controls and non-UTF-8 bytes shown as \xHH
 * (a C1 control as the \xHH of each of its two bytes). multiline: newline
 * and tab pass as they are (a body), else they are escaped too (one line
 * of a record). */
void termsafe_add(struct buf *b, const char *s, size_t n, bool multiline);

#endif
