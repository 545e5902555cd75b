#include "json_pretty.h"

#include <string.h>

void json_pretty_init(struct json_pretty *p, const char *s, size_t n, bool tty)
{
	memset(p, 0, sizeof *p);
	p->s = s;
	p->n = n;
	p->tty = tty;
}

static void newline(struct buf *out, size_t depth)
{
	size_t pad = 2 * depth;
	buf_reserve(out, 1 + pad);
	out->data[out->len++] = '\n';
	memset(out->data + out->len, ' ', pad);
	out->len += pad;
	out->data[out->len] = '\0';
}

/* Copy string bytes from p->pos up to and including the closing quote, or
 * to the end of the chunk's worth; returns with in_string updated. */
static void string_run(struct json_pretty *p, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)p->s;
	size_t i = p->pos, start = i;
	while (i < p->n) {
		unsigned char c = u[i];
		if (c == '"') {
			i++;
			p->in_string = false;
			break;
		}
		if (c == '\\') {
			i += 2; /* valid JSON: an escape is whole */
			continue;
		}
		if (p->tty && (c == 0x7f || (c == 0xc2 && i + 1 < p->n && u[i + 1] < 0xa0))) {
			static const char hex[] = "0123456789abcdef";
			unsigned cp = c == 0x7f ? 0x7f : u[i + 1];
			char esc[6] = {'\\', 'u', '0', '0', hex[cp >> 4], hex[cp & 15]};
			buf_add(out, p->s + start, i - start);
			buf_add(out, esc, sizeof esc);
			i += c == 0x7f ? 1 : 2;
			start = i;
			continue;
		}
		i++;
	}
	buf_add(out, p->s + start, i - start);
	p->pos = i;
}

bool json_pretty_step(struct json_pretty *p, struct buf *out, size_t chunk)
{
	size_t stop = out->len + chunk;
	const char *s = p->s;
	while (p->pos < p->n && out->len < stop) {
		if (p->in_string) {
			string_run(p, out);
			continue;
		}
		char c = s[p->pos];
		bool pretty = p->depth <= JSON_PRETTY_DEPTH;
		switch (c) {
		case '"':
			p->in_string = true;
			buf_addc(out, '"');
			p->pos++;
			break;
		case '{':
		case '[':
			if (s[p->pos + 1] == (c == '{' ? '}' : ']')) { /* an empty one */
				buf_add(out, s + p->pos, 2);
				p->pos += 2;
				break;
			}
			buf_addc(out, c);
			p->pos++;
			if (++p->depth <= JSON_PRETTY_DEPTH)
				newline(out, p->depth);
			break;
		case '}':
		case ']':
			if (pretty)
				newline(out, p->depth - 1);
			p->depth--;
			buf_addc(out, c);
			p->pos++;
			break;
		case ',':
			buf_addc(out, ',');
			p->pos++;
			if (pretty)
				newline(out, p->depth);
			break;
		case ':':
			buf_add(out, ": ", pretty ? 2 : 1);
			p->pos++;
			break;
		default: {
			/* A number or a literal: up to the next structural byte. */
			size_t end = p->pos + strcspn(s + p->pos, ",:]}");
			if (end > p->n)
				end = p->n;
			buf_add(out, s + p->pos, end - p->pos);
			p->pos = end;
		}
		}
	}
	return p->pos < p->n;
}
