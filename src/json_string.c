#include "json_string.h"

#include <string.h>

#include "json_fast.h"
#include "utf8.h"

const unsigned char json_string_plain[256] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x20 */ 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x40 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	/* 0x60 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x80 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xa0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xb0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xc0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xd0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xe0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xf0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

void json_write_string(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	buf_reserve(out, n + 2);
	buf_addc(out, '"');
	size_t i = 0;
	while (i < n) {
		/* Copy runs of plain bytes at once. */
		size_t run = i;
		while (run < n && json_string_plain[p[run]])
			run++;
		if (run > i) {
			buf_add(out, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t len = utf8_seq(p + i, n - i);
			if (len) {
				buf_add(out, s + i, len);
				i += len;
			} else {
				buf_adds(out, "\\ufffd");
				i++;
			}
			continue;
		}
		char esc[7] = {'\\', 0};
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
		}
		buf_adds(out, esc);
		i++;
	}
	buf_addc(out, '"');
}

size_t json_scan_string(const char *s, size_t n, size_t i)
{
	const unsigned char *p = (const unsigned char *)s;
	i++;
	while (i < n) {
		/* The common case: plain printable ASCII, one table look-up a
		 * byte. */
		while (i < n && json_string_plain[p[i]])
			i++;
		if (i >= n)
			return 0;
		unsigned char c = p[i];
		if (c == '"')
			return i + 1;
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (i + 1 >= n)
				return 0;
			char e = s[i + 1];
			if (e == 'u') {
				if (i + 5 >= n)
					return 0;
				for (size_t k = 2; k < 6; k++)
					if (!json_is_hex(s[i + k]))
						return 0;
				i += 6;
			} else if (e && strchr("\"\\/bfnrt", e)) {
				i += 2;
			} else {
				return 0;
			}
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len = utf8_seq(p + i, n - i);
		if (!len)
			return 0;
		i += len;
	}
	return 0;
}

/* The value of the 4 hex digits at p, which json_scan_string() checked. */
static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v = v * 16 + (unsigned)(c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* Append code point cp (not a surrogate, <= U+10FFFF) as UTF-8. */
static void put_utf8(struct buf *out, unsigned cp)
{
	char t[4];
	size_t n;
	if (cp < 0x80) {
		t[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xC0 | cp >> 6);
		t[1] = (char)(0x80 | (cp & 63));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xE0 | cp >> 12);
		t[1] = (char)(0x80 | ((cp >> 6) & 63));
		t[2] = (char)(0x80 | (cp & 63));
		n = 3;
	} else {
		t[0] = (char)(0xF0 | cp >> 18);
		t[1] = (char)(0x80 | ((cp >> 12) & 63));
		t[2] = (char)(0x80 | ((cp >> 6) & 63));
		t[3] = (char)(0x80 | (cp & 63));
		n = 4;
	}
	buf_add(out, t, n);
}

int json_string_decode(const char *tok, size_t n, struct buf *out)
{
	if (n < 2 || tok[0] != '"' || json_scan_string(tok, n, 0) != n)
		return -1;
	size_t i = 1, end = n - 1;
	while (i < end) {
		size_t run = i;
		while (run < end && tok[run] != '\\')
			run++;
		buf_add(out, tok + i, run - i);
		i = run;
		if (i >= end)
			break;
		char e = tok[i + 1];
		i += 2;
		switch (e) {
		case 'b': buf_addc(out, '\b'); break;
		case 'f': buf_addc(out, '\f'); break;
		case 'n': buf_addc(out, '\n'); break;
		case 'r': buf_addc(out, '\r'); break;
		case 't': buf_addc(out, '\t'); break;
		case 'u': {
			unsigned cp = hex4(tok + i);
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= end && tok[i] == '\\' &&
			    tok[i + 1] == 'u') {
				unsigned lo = hex4(tok + i + 2);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			put_utf8(out, cp);
			break;
		}
		default: buf_addc(out, e); break; /* " \\ / */
		}
	}
	return 0;
}

size_t json_string_length(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 2 + n, i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t k = utf8_seq(p + i, n - i);
			if (k) {
				i += k;
			} else { /* \ufffd for one byte */
				len += 5;
				i++;
			}
			continue;
		}
		if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' ||
		    c == '\f')
			len += 1;
		else if (c < 0x20)
			len += 5;
		i++;
	}
	return len;
}
