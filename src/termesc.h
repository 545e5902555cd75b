/* termesc: text made safe to show on a terminal.
 *
 * Bytes from servers and input lines may hold escape sequences that a
 * terminal would obey (colors, cursor moves, window titles, CSI as the
 * single C1 byte 0x9b). These functions show them as \xHH instead. Pure,
 * on caller-owned bytes. */
#ifndef URLFAN_TERMESC_H
#define URLFAN_TERMESC_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Whether s[0..n) can go to a terminal as it is: no C0 control character
 * (tab and newline included), no DEL, no C1 control (U+0080..U+009F), and
 * well-formed UTF-8 throughout. */
bool termesc_clean(const char *s, size_t n);

/* Append s[0..n) to out with every byte that makes it unclean (see
 * termesc_clean) written as \xHH: each byte of a C1 character's UTF-8
 * form, and each byte that is not part of well-formed UTF-8. */
void termesc_append(struct buf *out, const char *s, size_t n);

/* termesc_append() for text of several lines (a body): newline and tab
 * pass as they are. */
void termesc_append_lines(struct buf *out, const char *s, size_t n);

#endif
