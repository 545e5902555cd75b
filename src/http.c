#include "http.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 tchar, indexed by byte: the 15 symbols, DIGIT and ALPHA. Every
 * other byte, NUL and those above 0x7f included, is 0. */
static const unsigned char tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
	['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
	['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
	['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
	['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
	['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* How many bytes of s[0..n) from the start are tchars. */
static size_t token_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && tchar[(unsigned char)s[i]])
		i++;
	return i;
}

bool http_is_token(const char *s, size_t n)
{
	return n > 0 && token_len(s, n) == n;
}

bool http_is_method(const char *s, size_t n)
{
	return http_is_token(s, n);
}

int http_check_header(const char *line, size_t n, const char **why)
{
	size_t i = token_len(line, n);
	if (i == n || line[i] != ':') {
		*why = "a header must be 'Name: value'";
		return -1;
	}
	if (i == 0) {
		*why = "empty header name";
		return -1;
	}
	/* Of the value, only CR, LF and NUL are refused: CR and LF would end
	 * the line early and let a second header in, NUL would cut the line
	 * short in libcurl's C strings. */
	for (; i < n; i++) {
		if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0') {
			*why = "CR, LF or NUL in header";
			return -1;
		}
	}
	return 0;
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool http_same_header(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = ascii_lower(*a);
		if (ca != ascii_lower(*b))
			return false;
		if (ca == ':')
			return true;
	}
	return false;
}

const char *http_framing_header(const char *line, size_t n, bool all)
{
	static const struct {
		const char *name;
		bool spec_only;
	} framing[] = {
		{"Content-Length", false}, {"Transfer-Encoding", false}, {"TE", false},
		{"Upgrade", false},        {"Connection", true},         {"Host", true},
	};
	size_t name = token_len(line, n);
	for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++) {
		size_t len = strlen(framing[i].name);
		if ((all || !framing[i].spec_only) && len == name &&
		    strncasecmp(line, framing[i].name, len) == 0)
			return framing[i].name;
	}
	return NULL;
}

int http_form_part(const char *arg, struct http_form_part *part, const char **why)
{
	memset(part, 0, sizeof *part);
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		*why = "a form part must be NAME=VALUE, NAME=@FILE or NAME=<FILE";
		return -1;
	}
	part->name = arg;
	part->name_len = (size_t)(eq - arg);
	const char *v = eq + 1;
	if (*v != '@' && *v != '<') {
		part->kind = HTTP_FORM_VALUE;
		part->value = v;
		part->value_len = strlen(v);
		return 0;
	}
	part->kind = *v == '@' ? HTTP_FORM_FILE : HTTP_FORM_CONTENT;
	part->value = ++v;
	part->value_len = strcspn(v, ";");
	if (part->value_len == 0) {
		*why = "no file name after @ or <";
		return -1;
	}
	/* The attributes after the file name, ";key=value" each. */
	for (const char *p = v + part->value_len; *p == ';';) {
		p++;
		size_t n = strcspn(p, ";");
		if (n > 5 && strncmp(p, "type=", 5) == 0) {
			part->type = p + 5;
			part->type_len = n - 5;
		} else if (n > 9 && strncmp(p, "filename=", 9) == 0 &&
			   part->kind == HTTP_FORM_FILE) {
			part->filename = p + 9;
			part->filename_len = n - 9;
		} else {
			*why = "after the file name only ;type=MIME and (with @) ;filename=NAME "
			       "may follow";
			return -1;
		}
		p += n;
	}
	return 0;
}

bool http_content_length_valid(const char *v, size_t n)
{
	const char *end = v + n, *first = NULL;
	size_t first_len = 0;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	for (const char *p = v;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return false; /* an element with no digits */
		while (d + 1 < p && *d == '0')
			d++; /* 007 is 7 */
		if (!first) {
			first = d;
			first_len = (size_t)(p - d);
		} else if ((size_t)(p - d) != first_len || memcmp(d, first, first_len) != 0) {
			return false; /* two lengths */
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			return true;
		if (*p++ != ',')
			return false;
	}
}
