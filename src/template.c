#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "xalloc.h"

/* A compiled template: literal runs, fields, headers and stream switches,
 * in order. */
enum piece_kind {
	PIECE_TEXT,   /* text[off..off+len) */
	PIECE_FIELD,  /* field */
	PIECE_HEADER, /* the response header named text[off..off+len) */
	PIECE_STDOUT, /* what follows goes to standard output */
	PIECE_STDERR, /* ... to standard error */
};

struct piece {
	enum piece_kind kind;
	const struct record_field *field;
	size_t off, len;
};

struct template
{
	struct buf text; /* the literal parts and header names, escapes resolved */
	struct piece *pieces;
	size_t npieces;
	bool streams; /* has %{stdout} or %{stderr} */
};

static void add_piece(struct template *t, enum piece_kind kind, const struct record_field *f,
		      size_t off, size_t len)
{
	if (kind == PIECE_TEXT && len == 0)
		return;
	t->pieces = xrealloc(t->pieces, (t->npieces + 1) * sizeof *t->pieces);
	t->pieces[t->npieces++] = (struct piece){kind, f, off, len};
}

/* A variable's name, from just after "%{" (curl's "%header{NAME}" is
 * taken by the caller): *end gets the position after the closing brace.
 * Returns the piece for it, or -1 with a message in err. */
static int variable(struct template *t, const char *name, const char **end, char *err,
		    size_t errlen)
{
	/* "header{NAME}}": the inner braces hold a header's name. */
	if (strncmp(name, "header{", 7) == 0) {
		const char *close = strchr(name + 7, '}');
		if (!close || close[1] != '}' || close == name + 7) {
			snprintf(err, errlen, "%s", "a header variable is %{header{NAME}}");
			return -1;
		}
		add_piece(t, PIECE_HEADER, NULL, t->text.len, (size_t)(close - name - 7));
		buf_add(&t->text, name + 7, (size_t)(close - name - 7));
		*end = close + 2;
		return 0;
	}
	const char *close = strchr(name, '}');
	if (!close) {
		snprintf(err, errlen, "unterminated '%%{' in template");
		return -1;
	}
	size_t n = (size_t)(close - name);
	*end = close + 1;
	if ((n == 6 && memcmp(name, "stdout", 6) == 0) ||
	    (n == 6 && memcmp(name, "stderr", 6) == 0)) {
		add_piece(t, name[3] == 'o' ? PIECE_STDOUT : PIECE_STDERR, NULL, 0, 0);
		t->streams = true;
		return 0;
	}
	const struct record_field *f = record_field(name, n);
	if (!f) {
		struct buf names = BUF_INIT;
		record_field_names(&names);
		snprintf(err, errlen,
			 "unknown variable '%%{%.*s}' in template; the variables are %s, "
			 "header{NAME}, stdout and stderr",
			 (int)(n > 64 ? 64 : n), name, names.data);
		buf_free(&names);
		return -1;
	}
	add_piece(t, PIECE_FIELD, f, 0, 0);
	return 0;
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
		} else if (s[0] == '%' && (s[1] == '{' || strncmp(s + 1, "header{", 7) == 0)) {
			add_piece(t, PIECE_TEXT, NULL, lit, t->text.len - lit);
			/* curl 7.84's "%header{NAME}" is "%{header{NAME}}". */
			if (s[1] == 'h') {
				const char *close = strchr(s + 8, '}');
				if (!close || close == s + 8) {
					snprintf(err, errlen, "%s",
						 "a header variable is %header{NAME}");
					goto fail;
				}
				add_piece(t, PIECE_HEADER, NULL, t->text.len,
					  (size_t)(close - s - 8));
				buf_add(&t->text, s + 8, (size_t)(close - s - 8));
				s = close + 1;
			} else if (variable(t, s + 2, &s, err, errlen) != 0) {
				goto fail;
			}
			lit = t->text.len;
		} else {
			buf_addc(&t->text, *s++);
		}
	}
	add_piece(t, PIECE_TEXT, NULL, lit, t->text.len - lit);
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

bool template_has_streams(const struct template *t)
{
	return t->streams;
}

void template_render_to(const struct template *t, const struct result *res, struct buf *out,
			struct buf *err, template_put put_out, template_put put_err, void *ctx)
{
	struct buf *to = out, value = BUF_INIT;
	template_put put = put_out;
	for (size_t i = 0; i < t->npieces; i++) {
		const struct piece *p = &t->pieces[i];
		switch (p->kind) {
		case PIECE_TEXT: buf_add(to, t->text.data + p->off, p->len); continue;
		case PIECE_STDOUT:
			to = out;
			put = put_out;
			continue;
		case PIECE_STDERR:
			to = err ? err : out;
			put = err ? put_err : put_out;
			continue;
		case PIECE_FIELD:
		case PIECE_HEADER: break;
		}
		/* A value from the response: through put, when given. */
		struct buf *dst = put ? &value : to;
		value.len = 0;
		if (p->kind == PIECE_FIELD)
			record_field_text(p->field, res, dst);
		else
			record_header_text(res, t->text.data + p->off, p->len, dst);
		if (put)
			put(to, value.data ? value.data : "", value.len,
			    p->kind == PIECE_FIELD && record_field_is_body(p->field), ctx);
	}
	buf_free(&value);
}

void template_render(const struct template *t, const struct result *res, struct buf *out)
{
	template_render_to(t, res, out, NULL, NULL, NULL, NULL);
}
