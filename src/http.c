#include "http.h"

/* RFC 9110 tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~, indexed by byte. */
static const unsigned char tchar[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
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
