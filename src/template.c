#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "termesc.h"
#include "xalloc.h"

/* A compiled template: literal runs and fields, in order. */
struct piece {
	const struct record_field *field; /* NULL: literal text[off..off+len) */
	size_t off, len;
};

struct template
{
	struct buf text; /* the literal parts, escapes resolved */
	struct piece *pieces;
	size_t npieces;
};

static void add_piece(struct template *t, const struct record_field *f, size_t off, size_t len)
{
	if (!f && len == 0)
		return;
	t->pieces = xrealloc(t->pieces, (t->npieces + 1) * sizeof *t->pieces);
	t->pieces[t->npieces++] = (struct piece){f, off, len};
}

struct template *template_compile(const char *s, char *err, size_t errlen)
{
	struct template *t = xcalloc(1, sizeof *t);
	size_t lit = 0; /* start of the current literal run in t->text */
	while (*s) {
		if (s[0] == '\\' && s[1] && strchr("ntr\\", s[1])) {
			buf_addc(&t->text, s[1] == 'n'   ? '\n'
					   : s[1] == 't' ? '\t'
					   : s[1] == 'r' ? '\r'
							 : '\\');
			s += 2;
		} else if (s[0] == '%' && s[1] == '%') {
			buf_addc(&t->text, '%');
			s += 2;
		} else if (s[0] == '%' && s[1] == '{') {
			const char *end = strchr(s + 2, '}');
			if (!end) {
				snprintf(err, errlen, "unterminated '%%{' in template");
				goto fail;
			}
			size_t n = (size_t)(end - s - 2);
			const struct record_field *f = record_field(s + 2, n);
			if (!f) {
				snprintf(err, errlen, "unknown variable '%%{%.*s}' in template",
					 (int)(n > 64 ? 64 : n), s + 2);
				goto fail;
			}
			add_piece(t, NULL, lit, t->text.len - lit);
			add_piece(t, f, 0, 0);
			lit = t->text.len;
			s = end + 1;
		} else {
			buf_addc(&t->text, *s++);
		}
	}
	add_piece(t, NULL, lit, t->text.len - lit);
	return t;
fail:
	template_destroy(t);
	return NULL;
}

void template_destroy(struct template *t)
{
	if (!t)
		return;
	buf_free(&t->text);
	free(t->pieces);
	free(t);
}

void template_render(const struct template *t, const struct result *res, struct buf *out, bool tty)
{
	struct buf value = BUF_INIT;
	for (size_t i = 0; i < t->npieces; i++) {
		const struct piece *p = &t->pieces[i];
		if (!p->field) {
			buf_add(out, t->text.data + p->off, p->len);
		} else if (!tty) {
			record_field_text(p->field, res, out);
		} else {
			value.len = 0;
			record_field_text(p->field, res, &value);
			termesc_append_lines(out, value.data ? value.data : "", value.len);
		}
	}
	buf_free(&value);
}
