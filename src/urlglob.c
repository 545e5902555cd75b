#include "urlglob.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* curl takes at most 100 patterns in a URL. */
#define PATTERNS_MAX 100
#define COUNT_MAX (1ULL << 63)

enum part_kind { PART_TEXT, PART_SET, PART_NUM, PART_CHAR };

struct part {
	enum part_kind kind;
	/* PART_TEXT: text; PART_SET: the elements, each NUL-terminated,
	   one after the other */
	char *text;
	size_t len;
	size_t nelem;
	unsigned long long lo, step, steps; /* PART_NUM, PART_CHAR: values lo,
					      lo + step, ... (steps of them) */
	int pad;                            /* PART_NUM: zero-padded width */
	/* The position: PART_SET an element (with elem its text), else a
	   step number. */
	unsigned long long at;
	const char *elem;
};

struct urlglob {
	struct part *parts;
	size_t nparts;
	bool started, done;
};

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether s[0..n), just after a '[', is an IPv6 address up to its ']' (with
 * a zone after '%'): then the brackets are the URL's, not a range. Sets
 * *len to the bytes up to the ']'. */
static bool ipv6_literal(const char *s, size_t n, size_t *len)
{
	size_t i = 0, colons = 0;
	for (; i < n && (is_hex(s[i]) || s[i] == ':' || s[i] == '.'); i++)
		colons += s[i] == ':';
	if (i < n && s[i] == '%')
		for (i++; i < n && (is_alpha(s[i]) || is_digit(s[i]) || strchr("-._~%", s[i])); i++)
			;
	if (i >= n || s[i] != ']' || colons < 2)
		return false;
	*len = i;
	return true;
}

static struct part *add_part(struct urlglob *g)
{
	g->parts = xrealloc(g->parts, (g->nparts + 1) * sizeof *g->parts);
	struct part *p = &g->parts[g->nparts++];
	memset(p, 0, sizeof *p);
	return p;
}

/* Append c to the text part at the end of g, starting one if needed. */
static void add_text(struct urlglob *g, const char *c, size_t n)
{
	struct part *p = g->nparts ? &g->parts[g->nparts - 1] : NULL;
	if (!p || p->kind != PART_TEXT) {
		p = add_part(g);
		p->kind = PART_TEXT;
	}
	p->text = xrealloc(p->text, p->len + n + 1);
	memcpy(p->text + p->len, c, n);
	p->len += n;
	p->text[p->len] = '\0';
}

/* "{a,b,c}" at s[0] (the '{'); returns the bytes used, or 0 with *why. */
static size_t parse_set(struct urlglob *g, const char *s, size_t n, const char **why)
{
	struct part *p = add_part(g);
	p->kind = PART_SET;
	size_t elem_len = 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (c == '{') {
			*why = "nested braces in a {set}";
			return 0;
		}
		if (c == ',' || c == '}') {
			if (elem_len == 0) {
				*why = "empty string within braces";
				return 0;
			}
			p->text = xrealloc(p->text, p->len + 1);
			p->text[p->len++] = '\0';
			p->nelem++;
			elem_len = 0;
			if (c == '}')
				return i + 1;
			continue;
		}
		if (c == '\\' && i + 1 < n)
			c = s[++i];
		p->text = xrealloc(p->text, p->len + 1);
		p->text[p->len++] = c;
		elem_len++;
	}
	*why = "unmatched brace: { without }";
	return 0;
}

/* An unsigned decimal at s[*i..n); false when none or too large. */
static bool read_number(const char *s, size_t n, size_t *i, unsigned long long *v, int *digits)
{
	size_t start = *i;
	*v = 0;
	for (; *i < n && is_digit(s[*i]); (*i)++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (unsigned)(s[*i] - '0');
	}
	if (digits)
		*digits = (int)(*i - start);
	return *i > start;
}

/* "[lo-hi]" or "[lo-hi:step]" at s[0] (the '['); returns the bytes used,
 * or 0 with *why. */
static size_t parse_range(struct urlglob *g, const char *s, size_t n, const char **why)
{
	struct part *p = add_part(g);
	size_t i = 1;
	unsigned long long lo, hi, step = 1;
	int digits = 0;
	*why = "bad range in [ ]: use [1-100], [001-100], [a-z] or [0-100:10]";
	if (i + 2 < n && is_alpha(s[i]) && s[i + 1] == '-' && is_alpha(s[i + 2])) {
		p->kind = PART_CHAR;
		lo = (unsigned char)s[i];
		hi = (unsigned char)s[i + 2];
		if ((s[i] >= 'a') != (s[i + 2] >= 'a'))
			return 0;
		i += 3;
	} else {
		p->kind = PART_NUM;
		if (!read_number(s, n, &i, &lo, &digits) || i >= n || s[i] != '-')
			return 0;
		i++;
		if (!read_number(s, n, &i, &hi, NULL))
			return 0;
		if (s[1] == '0' && digits > 1)
			p->pad = digits;
	}
	if (i < n && s[i] == ':') {
		i++;
		if (!read_number(s, n, &i, &step, NULL) || step == 0)
			return 0;
	}
	if (i >= n || s[i] != ']' || lo > hi)
		return 0;
	p->lo = lo;
	p->step = step;
	p->steps = (hi - lo) / step + 1;
	return i + 1;
}

static size_t count_of(const struct part *p)
{
	return p->kind == PART_SET ? p->nelem : p->steps;
}

int urlglob_compile(const char *s, size_t n, struct urlglob **out, const char **why)
{
	struct urlglob *g = xcalloc(1, sizeof *g);
	size_t patterns = 0;
	bool expands = false;
	*out = NULL;
	for (size_t i = 0; i < n;) {
		char c = s[i];
		size_t used = 0, v6;
		if (c == '\\' && i + 1 < n && strchr("[]{}", s[i + 1])) {
			add_text(g, s + i + 1, 1);
			i += 2;
			expands = true;
			continue;
		}
		if (c == '[' && ipv6_literal(s + i + 1, n - i - 1, &v6)) {
			add_text(g, s + i, v6 + 2);
			i += v6 + 2;
			continue;
		}
		if (c == '}' || c == ']') {
			*why = c == '}' ? "unmatched brace: } without {"
					: "unmatched bracket: ] without [";
			goto fail;
		}
		if (c != '{' && c != '[') {
			add_text(g, s + i, 1);
			i++;
			continue;
		}
		if (++patterns > PATTERNS_MAX) {
			*why = "more than 100 patterns in one URL";
			goto fail;
		}
		used = c == '{' ? parse_set(g, s + i, n - i, why)
				: parse_range(g, s + i, n - i, why);
		if (!used)
			goto fail;
		i += used;
		expands = true;
	}
	unsigned long long total = 1;
	for (size_t k = 0; k < g->nparts; k++) {
		if (g->parts[k].kind == PART_TEXT)
			continue;
		unsigned long long c = count_of(&g->parts[k]);
		if (total > COUNT_MAX / c) {
			*why = "the glob makes more than 2^63 URLs";
			goto fail;
		}
		total *= c;
	}
	if (!expands) {
		urlglob_free(g);
		return 0;
	}
	*out = g;
	return 1;
fail:
	urlglob_free(g);
	return -1;
}

unsigned long long urlglob_count(const struct urlglob *g)
{
	unsigned long long total = 1;
	for (size_t k = 0; k < g->nparts; k++)
		if (g->parts[k].kind != PART_TEXT)
			total *= count_of(&g->parts[k]);
	return total;
}

/* Move to the next combination, the last pattern fastest; false after
 * the last. */
static bool advance(struct urlglob *g)
{
	for (size_t k = g->nparts; k-- > 0;) {
		struct part *p = &g->parts[k];
		if (p->kind == PART_TEXT)
			continue;
		if (p->kind == PART_SET && p->at + 1 < p->nelem) {
			p->at++;
			p->elem += strlen(p->elem) + 1;
			return true;
		}
		if (p->kind != PART_SET && p->at + 1 < p->steps) {
			p->at++;
			return true;
		}
		p->at = 0;
		p->elem = p->text;
	}
	return false;
}

bool urlglob_next(struct urlglob *g, struct buf *out)
{
	if (g->done)
		return false;
	if (!g->started) {
		g->started = true;
		for (size_t k = 0; k < g->nparts; k++)
			g->parts[k].elem = g->parts[k].text;
	} else if (!advance(g)) {
		g->done = true;
		return false;
	}
	for (size_t k = 0; k < g->nparts; k++) {
		const struct part *p = &g->parts[k];
		unsigned long long v = p->lo + p->at * p->step;
		switch (p->kind) {
		case PART_TEXT: buf_add(out, p->text, p->len); break;
		case PART_SET: buf_adds(out, p->elem); break;
		case PART_CHAR: buf_addc(out, (char)v); break;
		case PART_NUM: buf_printf(out, "%0*llu", p->pad, v); break;
		}
	}
	return true;
}

void urlglob_free(struct urlglob *g)
{
	if (!g)
		return;
	for (size_t k = 0; k < g->nparts; k++)
		free(g->parts[k].text);
	free(g->parts);
	free(g);
}
