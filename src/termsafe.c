#include "termsafe.h"

#include "utf8.h"

void termsafe_add(struct buf *b, const char *s, size_t n, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* p[run..i) is safe and not yet copied */
	while (i < n) {
		unsigned char c = p[i];
		size_t len = 1;
		bool bad;
		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if (c < 0x80) {
			bad = c == 0x7f || !(multiline && (c == '\n' || c == '\t'));
		} else {
			len = utf8_seq(p + i, n - i);
			/* C1 controls are U+0080..U+009F: C2 80..C2 9F. */
			bad = len == 0 || (c == 0xC2 && p[i + 1] < 0xA0);
			if (len == 0)
				len = 1;
		}
		if (!bad) {
			i += len;
			continue;
		}
		buf_add(b, s + run, i - run);
		for (size_t k = 0; k < len; k++)
			buf_printf(b, "\\x%02x", p[i + k]);
		i += len;
		run = i;
	}
	buf_add(b, s + run, n - run);
}
