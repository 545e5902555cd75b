#include "json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json_fast.h"
#include "json_string.h"

/* JSON white space: tab, newline, carriage return, space. */
static const unsigned char ws_byte[256] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x20 */ 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x30 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x60 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x70 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x80 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xa0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xb0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xc0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xd0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xe0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0xf0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static bool is_ws(char c)
{
	return ws_byte[(unsigned char)c];
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && ws_byte[(unsigned char)s[i]])
		i++;
	return i;
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
	} else if (json_is_digit(s[i])) {
		while (i < n && json_is_digit(s[i]))
			i++;
	} else {
		return 0;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !json_is_digit(s[i]))
			return 0;
		while (i < n && json_is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !json_is_digit(s[i]))
			return 0;
		while (i < n && json_is_digit(s[i]))
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
	struct buf *out;  /* NULL: validate only */
	int indent;       /* < 0: minify */
	size_t span;      /* minify: input not yet copied starts here */
	size_t max_depth; /* the deepest nesting seen, empty containers too */
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
		size_t len = i - sc->span;
		/* Spans are mostly a token or two. A fixed 16-byte copy is
		 * two moves instead of a call; it may write past the span
		 * (never past the room reserved for the whole input, as the
		 * output is never ahead of the input) and read past it when
		 * that is still inside the input. */
		if (len <= 16 && sc->n - sc->span >= 16)
			memcpy(out->data + out->len, sc->s + sc->span, 16);
		else
			memcpy(out->data + out->len, sc->s + sc->span, len);
		out->len += len;
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
			size_t end = json_scan_string(s, n, i);
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
			if (depth + 1 > sc->max_depth)
				sc->max_depth = depth + 1;
			if (j < n && s[j] == close) {
				emit(sc, &close, 1);
				end = j + 1;
			} else {
				if (depth == cap)
					stack = json_stack_grow(stack, small, &cap);
				stack[depth++] = c;
				newline(sc, depth);
				want_key = c == '{';
				i = j;
				continue;
			}
		} else if (c == '"') {
			end = json_scan_string(s, n, i);
			if (!end)
				goto out;
			emit(sc, s + i, end - i);
		} else if (c == '-' || json_is_digit(c)) {
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

static int reformat_portable(const char *s, size_t n, struct buf *out, int indent, size_t *depth)
{
	size_t start = out ? out->len : 0;
	struct scan sc = {s, n, out, indent, 0, 0};
	if (out)
		buf_reserve(out, indent < 0 ? n : n + n / 2);
	size_t i = ws(&sc, 0);
	if (scan_value(&sc, &i) == 0 && ws(&sc, i) == n) {
		if (minifying(&sc)) {
			memcpy(out->data + out->len, s + sc.span, n - sc.span);
			out->len += n - sc.span;
			out->data[out->len] = '\0';
		}
		if (depth)
			*depth = sc.max_depth;
		return 0;
	}
	if (out) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return -1;
}

int json_reformat(const char *s, size_t n, struct buf *out, int indent)
{
#ifdef JSON_FAST_MIN
	if (out && indent < 0 && n >= JSON_FAST_MIN && json_fast_ready())
		return json_minify_fast(s, n, out, NULL);
#endif
	return reformat_portable(s, n, out, indent, NULL);
}

int json_minify_depth(const char *s, size_t n, struct buf *out, size_t *depth)
{
#ifdef JSON_FAST_MIN
	if (n >= JSON_FAST_MIN && json_fast_ready())
		return json_minify_fast(s, n, out, depth);
#endif
	return reformat_portable(s, n, out, -1, depth);
}

int json_minify_portable(const char *s, size_t n, struct buf *out)
{
	return reformat_portable(s, n, out, -1, NULL);
}

int json_minify_at(int level, const char *s, size_t n, struct buf *out, size_t *depth)
{
	if (level == 0)
		return reformat_portable(s, n, out, -1, depth);
#ifdef JSON_FAST_MIN
	int was = json_fast_ready();
	if (level < JSON_FAST_SSSE3 || json_fast_use(level) != level) {
		json_fast_use(was);
		return -2;
	}
	int rc = json_minify_fast(s, n, out, depth);
	json_fast_use(was);
	return rc;
#else
	(void)s, (void)n, (void)out, (void)depth;
	return -2;
#endif
}

int json_minify_simd(int level, const char *s, size_t n, struct buf *out)
{
	return level < 1 ? -2 : json_minify_at(level, s, n, out, NULL);
}

/* The value of the four hex digits at p. */
static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

bool json_lone_surrogate(const char *s, size_t n)
{
	/* In valid JSON every backslash starts an escape inside a string,
	 * so stepping from escape to escape never lands inside one. */
	const char *p = s, *end = s + n;
	while ((p = memchr(p, '\\', (size_t)(end - p)))) {
		if (p[1] != 'u') {
			p += 2;
			continue;
		}
		unsigned v = hex4(p + 2);
		p += 6;
		if (v >= 0xDC00 && v <= 0xDFFF)
			return true; /* a low one with no high one before it */
		if (v >= 0xD800 && v <= 0xDBFF) {
			if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
				return true;
			unsigned low = hex4(p + 2);
			if (low < 0xDC00 || low > 0xDFFF)
				return true;
			p += 6;
		}
	}
	return false;
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
	size_t end = json_scan_string(s, n, i);
	if (!end)
		return -1;
	m->key = s + i;
	m->key_len = end - i;
	i = skip_ws(s, n, end);
	if (i >= n || s[i] != ':')
		return -1;
	i = skip_ws(s, n, i + 1);
	size_t vstart = i;
	struct scan sc = {s, n, NULL, -1, 0, 0};
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
