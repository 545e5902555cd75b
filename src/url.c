#define _GNU_SOURCE /* memmem */
#include "url.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Find the authority of an absolute URL: after "scheme://", up to the
 * first '/', '?' or '#'. Returns its start index, or -1; *end gets the
 * index after it. */
static long authority(const char *url, size_t n, size_t *end)
{
	const char *sep = memchr(url, ':', n);
	if (!sep || (size_t)(sep - url) + 3 > n || memcmp(sep, "://", 3) != 0)
		return -1;
	size_t start = (size_t)(sep - url) + 3;
	size_t i = start;
	while (i < n && url[i] != '/' && url[i] != '?' && url[i] != '#')
		i++;
	*end = i;
	return (long)start;
}

int url_host_key(const char *url, size_t n, char *key, const char **why)
{
	unsigned port;
	if (n >= 7 && strncasecmp(url, "http://", 7) == 0) {
		port = 80;
	} else if (n >= 8 && strncasecmp(url, "https://", 8) == 0) {
		port = 443;
	} else {
		*why = memchr(url, ':', n) ? "only http and https URLs are allowed" : "not a URL";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c == 0x7f) {
			*why = "white space or control character in URL";
			return -1;
		}
	}
	size_t end;
	size_t a = (size_t)authority(url, n, &end);
	/* The host starts after the last '@' of the authority. */
	size_t h = a;
	for (size_t i = a; i < end; i++)
		if (url[i] == '@')
			h = i + 1;
	size_t host_end, port_start = 0;
	if (h < end && url[h] == '[') {
		const char *close = memchr(url + h, ']', end - h);
		if (!close) {
			*why = "unterminated IPv6 address";
			return -1;
		}
		host_end = (size_t)(close - url) + 1;
		if (host_end < end && url[host_end] != ':') {
			*why = "bad character after IPv6 address";
			return -1;
		}
		if (host_end < end)
			port_start = host_end + 1;
	} else {
		const char *colon = memchr(url + h, ':', end - h);
		host_end = colon ? (size_t)(colon - url) : end;
		if (colon)
			port_start = host_end + 1;
	}
	if (host_end == h) {
		*why = "URL has no host";
		return -1;
	}
	if (host_end - h + 7 > URL_HOSTKEY_MAX) {
		*why = "host name too long";
		return -1;
	}
	for (size_t i = h; i < host_end; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c < 0x80 && !isalnum(c) && !strchr("-._~%!$&'()*+,;=[]:", c)) {
			*why = "bad character in host name";
			return -1;
		}
	}
	if (port_start && port_start < end) {
		unsigned long p = 0;
		for (size_t i = port_start; i < end; i++) {
			if (!isdigit((unsigned char)url[i]) || p > 65535) {
				*why = "bad port number";
				return -1;
			}
			p = p * 10 + (unsigned)(url[i] - '0');
		}
		if (p == 0 || p > 65535) {
			*why = "bad port number";
			return -1;
		}
		port = (unsigned)p;
	}
	size_t k = 0;
	for (size_t i = h; i < host_end; i++)
		key[k++] = (char)tolower((unsigned char)url[i]);
	snprintf(key + k, URL_HOSTKEY_MAX - k, ":%u", port);
	return 0;
}

void url_path(const char *url, const char **path, size_t *len)
{
	size_t n = strlen(url), end;
	long a = authority(url, n, &end);
	if (a >= 0 && end < n && url[end] == '/') {
		*path = url + end;
		*len = strcspn(url + end, "?#");
	} else {
		*path = "/";
		*len = 1;
	}
}

void url_mask(struct buf *out, const char *url)
{
	size_t n = strlen(url);
	size_t end;
	long a = authority(url, n, &end);
	const char *at = NULL;
	if (a >= 0)
		for (size_t i = (size_t)a; i < end; i++)
			if (url[i] == '@')
				at = url + i;
	const char *colon = at ? memchr(url + a, ':', (size_t)(at - url - a)) : NULL;
	if (!colon) {
		buf_add(out, url, n);
		return;
	}
	buf_add(out, url, (size_t)(colon - url) + 1);
	buf_adds(out, "***");
	buf_adds(out, at);
}

void url_mask_text(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *sep = i + 3 <= n ? memmem(s + i, n - i, "://", 3) : NULL;
		if (!sep) {
			buf_add(out, s + i, n - i);
			return;
		}
		size_t a = (size_t)(sep - s) + 3;
		/* The authority ends at a path, query, fragment, quote or
		 * white space; its userinfo ends at the last '@' before. */
		size_t end = a;
		while (end < n && !strchr("/?#'\" \t\r\n<>", s[end]))
			end++;
		const char *at = NULL;
		for (size_t k = a; k < end; k++)
			if (s[k] == '@')
				at = s + k;
		const char *colon = at ? memchr(s + a, ':', (size_t)(at - s) - a) : NULL;
		if (colon) {
			buf_add(out, s + i, (size_t)(colon - s) + 1 - i);
			buf_adds(out, "***");
			i = (size_t)(at - s);
		} else {
			buf_add(out, s + i, a - i);
			i = a;
		}
	}
}
