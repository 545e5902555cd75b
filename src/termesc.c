#include "termesc.h"

#include "utf8.h"

/* The length of the clean character at s (1-4), or 0 when s[0] must be
 * escaped. lines: newline and tab are clean. */
static size_t clean_char(const unsigned char *s, size_t n, bool lines)
{
	if ((s[0] < 0x20 && !(lines && (s[0] == '\n' || s[0] == '\t'))) || s[0] == 0x7f)
		return 0;
	size_t len = utf8_seq(s, n);
	/* U+0080..U+009F: 0xC2 0x80..0x9F. */
	if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0;
	return len;
}

bool termesc_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = clean_char(p + i, n - i, false);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

static void append(struct buf *out, const char *s, size_t n, bool lines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t start = i, len;
		while (i < n && (len = clean_char(p + i, n - i, lines)) != 0)
			i += len;
		buf_add(out, s + start, i - start);
		if (i == n)
			break;
		/* A C1 character's two bytes, or one stray byte. */
		size_t bad = utf8_seq(p + i, n - i) == 2 ? 2 : 1;
		for (size_t k = 0; k < bad; k++)
			buf_printf(out, "\\x%02x", p[i + k]);
		i += bad;
	}
}

void termesc_append(struct buf *out, const char *s, size_t n)
{
	append(out, s, n, false);
}

void termesc_append_lines(struct buf *out, const char *s, size_t n)
{
	append(out, s, n, true);
}
