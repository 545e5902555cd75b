#include "json.h"

#include <stdlib.h>
#include <string.h>

/* Decoder state for one UTF-8 sequence: returns its length, or 0 when the
 * bytes at s (n available) do not start a well-formed sequence. */
static size_t utf8_seq(const unsigned char *s, size_t n)
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

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* Fast path over ASCII, the common case for bodies. */
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t len = utf8_seq(p + i, n - i);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* JSON white space: tab, newline, carriage return, space. */
static const unsigned char ws_byte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && ws_byte[(unsigned char)s[i]])
		i++;
	return i;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Bytes that need no attention inside a JSON string: printable ASCII
 * (0x20-0x7e) other than '"' and '\\'. */
static const unsigned char plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Scan a string token starting at s[i] == '"'. Returns the index after the
 * closing quote, or 0 when it is not a valid JSON string. */
static size_t scan_string(const char *s, size_t n, size_t i)
{
	const unsigned char *p = (const unsigned char *)s;
	i++;
	while (i < n) {
		/* The common case: plain printable ASCII, one table look-up a
		 * byte. */
		while (i < n && plain[p[i]])
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
					if (!is_hex(s[i + k]))
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

/* Scan a number token. Returns the index after it, or 0. */
static size_t scan_number(const char *s, size_t n, size_t i)
{
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (s[i] == '0') {
		i++;
	} else if (is_digit(s[i])) {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		return 0;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i;
}

static size_t scan_literal(const char *s, size_t n, size_t i)
{
	static const char *const words[] = {"true", "false", "null"};
	for (size_t k = 0; k < 3; k++) {
		size_t len = strlen(words[k]);
		if (n - i >= len && memcmp(s + i, words[k], len) == 0)
			return i + len;
	}
	return 0;
}

/* One pass over a JSON text. Minified output is the input without its
 * white space, so in that mode nothing is emitted token by token: the
 * stretch of input since the last white space is copied in one go each
 * time white space is skipped (and at the end). Pretty output is built
 * token by token. */
struct scan {
	const char *s;
	size_t n;
	struct buf *out; /* NULL: validate only */
	int indent;      /* < 0: minify */
	size_t span;     /* minify: input not yet copied starts here */
};

static bool minifying(const struct scan *sc)
{
	return sc->out && sc->indent < 0;
}

/* Skip white space at i. Called between every two tokens, so the common
 * case - no white space; every JSON white space byte is <= ' ' and no
 * token starts with one - is decided by one comparison. */
static inline __attribute__((always_inline)) size_t ws(struct scan *sc, size_t i)
{
	if (i >= sc->n || (unsigned char)sc->s[i] > ' ')
		return i;
	if (!is_ws(sc->s[i]))
		return i;
	if (minifying(sc)) {
		/* json_reformat() reserved room for the whole input, and the
		 * minified text is never longer. */
		struct buf *out = sc->out;
		memcpy(out->data + out->len, sc->s + sc->span, i - sc->span);
		out->len += i - sc->span;
		i = skip_ws(sc->s, sc->n, i);
		sc->span = i;
		return i;
	}
	return skip_ws(sc->s, sc->n, i);
}

static inline __attribute__((always_inline)) void newline(struct scan *sc, size_t depth)
{
	if (sc->indent < 0 || !sc->out)
		return;
	struct buf *out = sc->out;
	size_t pad = (size_t)sc->indent * depth;
	buf_reserve(out, 1 + pad);
	out->data[out->len++] = '\n';
	memset(out->data + out->len, ' ', pad);
	out->len += pad;
	out->data[out->len] = '\0';
}

/* Pretty mode only: minified output is copied in spans. */
static inline __attribute__((always_inline)) void emit(struct scan *sc, const char *p, size_t n)
{
	if (sc->indent >= 0 && sc->out)
		buf_add(sc->out, p, n);
}

/* Scan exactly one value starting at *pos, copying it to the output.
 * Containers are tracked on an explicit stack (on the C stack up to a
 * modest depth, then on the heap) so that deep nesting costs memory, not
 * C stack. */
static int scan_value(struct scan *sc, size_t *pos)
{
	const char *s = sc->s;
	size_t n = sc->n;
	char small[256];
	char *stack = small;
	size_t depth = 0, cap = sizeof small;
	size_t i = *pos;
	int rc = -1;
	bool want_key = false;

	for (;;) {
		/* Here a value (or, in an object, a key) is expected. */
		i = ws(sc, i);
		if (i >= n)
			goto out;
		if (want_key) {
			if (s[i] != '"')
				goto out;
			size_t end = scan_string(s, n, i);
			if (!end)
				goto out;
			emit(sc, s + i, end - i);
			i = ws(sc, end);
			if (i >= n || s[i] != ':')
				goto out;
			emit(sc, ": ", 2);
			i = ws(sc, i + 1);
			want_key = false;
			continue;
		}
		char c = s[i];
		size_t end;
		if (c == '{' || c == '[') {
			char close = c == '{' ? '}' : ']';
			emit(sc, &c, 1);
			size_t j = ws(sc, i + 1);
			if (j < n && s[j] == close) {
				emit(sc, &close, 1);
				end = j + 1;
			} else {
				if (depth == cap) {
					cap *= 2;
					if (stack == small) {
						stack = xmalloc(cap);
						memcpy(stack, small, sizeof small);
					} else {
						stack = xrealloc(stack, cap);
					}
				}
				stack[depth++] = c;
				newline(sc, depth);
				want_key = c == '{';
				i = j;
				continue;
			}
		} else if (c == '"') {
			end = scan_string(s, n, i);
			if (!end)
				goto out;
			emit(sc, s + i, end - i);
		} else if (c == '-' || is_digit(c)) {
			end = scan_number(s, n, i);
			if (!end)
				goto out;
			emit(sc, s + i, end - i);
		} else {
			end = scan_literal(s, n, i);
			if (!end)
				goto out;
			emit(sc, s + i, end - i);
		}
		/* A value is complete: close containers or move to the next
		 * element. */
		i = end;
		for (;;) {
			if (depth == 0) {
				*pos = i;
				rc = 0;
				goto out;
			}
			i = ws(sc, i);
			if (i >= n)
				goto out;
			char top = stack[depth - 1];
			if (s[i] == ',') {
				emit(sc, ",", 1);
				newline(sc, depth);
				want_key = top == '{';
				i++;
				break;
			}
			if (s[i] != (top == '{' ? '}' : ']'))
				goto out;
			depth--;
			newline(sc, depth);
			emit(sc, s + i, 1);
			i++;
		}
	}
out:
	if (stack != small)
		free(stack);
	return rc;
}

int json_reformat(const char *s, size_t n, struct buf *out, int indent)
{
	size_t start = out ? out->len : 0;
	struct scan sc = {s, n, out, indent, 0};
	if (out)
		buf_reserve(out, indent < 0 ? n : n + n / 2);
	size_t i = ws(&sc, 0);
	if (scan_value(&sc, &i) == 0 && ws(&sc, i) == n) {
		if (minifying(&sc)) {
			memcpy(out->data + out->len, s + sc.span, n - sc.span);
			out->len += n - sc.span;
			out->data[out->len] = '\0';
		}
		return 0;
	}
	if (out) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return -1;
}

int json_object_next(const char *s, size_t n, size_t *pos, struct json_member *m)
{
	size_t i = *pos;
	if (i == 0) {
		i = skip_ws(s, n, 0);
		if (i >= n || s[i] != '{')
			return -1;
		i = skip_ws(s, n, i + 1);
		if (i < n && s[i] == '}') {
			*pos = n;
			return skip_ws(s, n, i + 1) == n ? 0 : -1;
		}
	} else if (i >= n) {
		return 0;
	}
	if (i >= n || s[i] != '"')
		return -1;
	size_t end = scan_string(s, n, i);
	if (!end)
		return -1;
	m->key = s + i;
	m->key_len = end - i;
	i = skip_ws(s, n, end);
	if (i >= n || s[i] != ':')
		return -1;
	i = skip_ws(s, n, i + 1);
	size_t vstart = i;
	struct scan sc = {s, n, NULL, -1, 0};
	if (scan_value(&sc, &i) != 0)
		return -1;
	m->val = s + vstart;
	m->val_len = i - vstart;
	i = skip_ws(s, n, i);
	if (i < n && s[i] == ',') {
		/* A comma must be followed by another member. */
		i = skip_ws(s, n, i + 1);
		if (i >= n || s[i] != '"')
			return -1;
		*pos = i;
		return 1;
	}
	if (i < n && s[i] == '}' && skip_ws(s, n, i + 1) == n) {
		*pos = n;
		return 1;
	}
	return -1;
}

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
		while (run < n && p[run] >= 0x20 && p[run] < 0x80 &&
		       p[run] != '"' && p[run] != '\\')
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

void base64_encode(struct buf *out, const void *src, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = src;
	buf_reserve(out, (n + 2) / 3 * 4);
	char *o = out->data + out->len;
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v = v * 16 + (unsigned)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

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
	if (n < 2 || tok[0] != '"' || scan_string(tok, n, 0) != n)
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
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= end &&
			    tok[i] == '\\' && tok[i + 1] == 'u') {
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
