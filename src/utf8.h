/* utf8: well-formed UTF-8 (RFC 3629), as JSON text and urlfan's records
 * need it: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF. Pure functions on caller-owned bytes; nothing is allocated. */
#ifndef URLFAN_UTF8_H
#define URLFAN_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The byte-order mark (U+FEFF) some editors put at the start of a file. */
#define UTF8_BOM "\xEF\xBB\xBF"

/* The length (1-4) of the well-formed sequence that starts at s, of which
 * n >= 1 bytes may be read, or 0 when none starts there (a continuation or
 * invalid lead byte, an overlong form, a surrogate, a sequence cut short
 * by n). Inline because the JSON scanner and string writer call it for
 * every non-ASCII character. */
static inline size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* no overlongs */
		else if (c == 0xED)
			hi = 0x9F; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F; /* <= U+10FFFF */
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* Whether s[0..n) is well-formed UTF-8 throughout. A sequence cut short by
 * n makes it invalid; NUL bytes are valid (U+0000). */
bool utf8_valid(const char *s, size_t n);

#endif
