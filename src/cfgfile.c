#include "cfgfile.h"

#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The quoted value starting after the opening quote at *p; *p is left
 * after the closing quote. */
static int quoted(const char **p, const char *end, struct buf *value, const char **why)
{
	const char *s = *p;
	while (s < end && *s != '"') {
		char c = *s++;
		if (c == '\\') {
			if (s == end)
				break;
			c = *s++;
			switch (c) {
			case 't': c = '\t'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 'v': c = '\v'; break;
			default: break; /* \\, \" and any other: the character */
			}
		}
		buf_addc(value, c);
	}
	if (s == end) {
		*why = "the quoted value has no closing quote";
		return -1;
	}
	*p = s + 1;
	return 0;
}

enum cfgfile_line cfgfile_line(const char *line, size_t n, struct buf *name, int *dashes,
			       struct buf *value, bool *has_value, const char **why)
{
	const char *p = line, *end = line + n;
	name->len = value->len = 0;
	*dashes = 0;
	*has_value = false;
	while (p < end && is_space(*p))
		p++;
	if (p == end || *p == '#')
		return CFGFILE_NONE;
	while (p < end && *p == '-' && *dashes < 2) {
		p++;
		(*dashes)++;
	}
	const char *start = p;
	while (p < end && !is_space(*p) && *p != '=' && *p != ':')
		p++;
	if (p == start) {
		*why = "the line names no option";
		return CFGFILE_ERROR;
	}
	buf_add(name, start, (size_t)(p - start));
	buf_addc(name, '\0');
	name->len--;
	while (p < end && (is_space(*p) || *p == '=' || *p == ':'))
		p++;
	if (p < end && *p != '#') {
		*has_value = true;
		if (*p == '"') {
			p++;
			if (quoted(&p, end, value, why) != 0)
				return CFGFILE_ERROR;
		} else {
			start = p;
			while (p < end && !is_space(*p))
				p++;
			buf_add(value, start, (size_t)(p - start));
		}
		while (p < end && is_space(*p))
			p++;
		if (p < end && *p != '#') {
			*why = "there is more after the value; quote a value with spaces";
			return CFGFILE_ERROR;
		}
	}
	buf_addc(value, '\0');
	value->len--;
	return CFGFILE_OPTION;
}

bool cfgfile_default_path(struct buf *out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		buf_printf(out, "%s/urlfan/config", xdg);
	else if (home && *home)
		buf_printf(out, "%s/.config/urlfan/config", home);
	else
		return false;
	return true;
}
