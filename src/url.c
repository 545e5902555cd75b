#include "url.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "hash.h"
#include "suggest.h"
#include "utf8.h"

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

/* How long the scheme at the start of url[0..n) is (RFC 3986 3.1: a
 * letter, then letters, digits, '+', '-', '.'), 0 when there is none. */
static size_t scheme_len(const char *url, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)url[0]))
		return 0;
	size_t i = 1;
	while (i < n && (isalnum((unsigned char)url[i]) || strchr("+-.", url[i])))
		i++;
	return i;
}

/* "did you mean 'SCHEME://REST'?", the rest cut short when long. */
static int did_you_mean(struct buf *why, const char *url, size_t n, const char *scheme,
			const char *rest, size_t rest_len)
{
	/* The message quotes the line: its password is masked first, then
	 * the text cut short. */
	struct buf mu = BUF_INIT, mr = BUF_INIT;
	url_mask_loose(&mu, url, n);
	url_mask_loose(&mr, rest, rest_len);
	n = mu.len;
	rest_len = mr.len;
	buf_printf(why, "'%.*s%s': did you mean '%s://%.*s%s'?", (int)(n > 60 ? 60 : n),
		   mu.data ? mu.data : "", n > 60 ? "..." : "", scheme,
		   (int)(rest_len > 60 ? 60 : rest_len), mr.data ? mr.data : "",
		   rest_len > 60 ? "..." : "");
	buf_free(&mu);
	buf_free(&mr);
	return -1;
}

int url_as_typed(const char *url, size_t n, struct buf *out, struct buf *why)
{
	size_t s = scheme_len(url, n);
	bool http = s == 4 && strncasecmp(url, "http", 4) == 0;
	bool https = s == 5 && strncasecmp(url, "https", 5) == 0;
	if (s && s + 3 <= n && memcmp(url + s, "://", 3) == 0) {
		if (http || https) {
			buf_add(out, url, n);
			return 0;
		}
		/* One letter off http or https: a typo, not another scheme. */
		size_t to_http = suggest_distance(url, s, "http");
		size_t to_https = suggest_distance(url, s, "https");
		/* A tie ("httsp" is one edit from both): an 's' typed means TLS. */
		bool tls = to_https < to_http ||
			   (to_https == to_http && (memchr(url, 's', s) || memchr(url, 'S', s)));
		if (to_http <= 1 || to_https <= 1)
			return did_you_mean(why, url, n, tls ? "https" : "http", url + s + 3,
					    n - s - 3);
		buf_printf(why, "only http and https URLs are allowed, not '%.*s:'",
			   (int)(s > 20 ? 20 : s), url);
		return -1;
	}
	/* "http:/x", "http:x", "http//x": the scheme meant, a slash or colon
	 * short. */
	if ((http || https) && s < n && (url[s] == ':' || url[s] == '/')) {
		size_t r = s + (url[s] == ':');
		while (r < n && url[r] == '/')
			r++;
		if (r > s + (url[s] == ':') || url[s] == ':')
			return did_you_mean(why, url, n, https ? "https" : "http", url + r, n - r);
	}
	/* "mailto:x", "file:/x": another scheme. But "host:8080/x" is a host
	 * and a port, and "user:password@host/" has a user - unless the
	 * "user" is a scheme everyone knows. */
	static const char *const schemes[] = {"data", "file",   "ftp",  "ftps", "javascript",
					      "ldap", "mailto", "sftp", "scp",  "smb",
					      "tel",  "urn",    "ws",   "wss"};
	bool known = false;
	for (size_t i = 0; s && i < sizeof schemes / sizeof *schemes; i++)
		known |= strlen(schemes[i]) == s && strncasecmp(url, schemes[i], s) == 0;
	size_t auth = 0;
	while (auth < n && !strchr("/?#", url[auth]))
		auth++;
	if (s && s < n && url[s] == ':' && !(s + 1 < n && isdigit((unsigned char)url[s + 1])) &&
	    (known || !memchr(url, '@', auth))) {
		buf_printf(why, "only http and https URLs are allowed, not '%.*s:'",
			   (int)(s > 20 ? 20 : s), url);
		return -1;
	}
	/* Without a scheme, a URL starts with its host (or user): a letter
	 * or digit, '[' for IPv6, or a non-ASCII letter - never a byte-order
	 * mark (U+FEFF), which a file may carry further on, nor punctuation. */
	unsigned char c0 = n ? (unsigned char)url[0] : 0;
	if (!(isalnum(c0) || c0 == '[' ||
	      (c0 >= 0x80 && utf8_seq((const unsigned char *)url, n) &&
	       !(n >= 3 && memcmp(url, UTF8_BOM, 3) == 0)))) {
		buf_adds(why, "not a URL");
		return -1;
	}
	buf_adds(out, "http://");
	buf_add(out, url, n);
	return 0;
}

/* Bytes a host may hold: RFC 3986's unreserved and sub-delims, '%',
 * the brackets and colons of an IPv6 literal; letters and digits. Bytes
 * >= 0x80 are allowed too (international names, which libcurl
 * converts). */
static const unsigned char host_char[128] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x20 */ 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	/* 0x30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0,
	/* 0x40 */ 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
	/* 0x60 */ 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
};

/* The last '@' of the authority s[a..end): the user part ends there. */
static const char *last_at(const char *s, size_t a, size_t end)
{
	return compat_memrchr(s + a, '@', end - a);
}

/* The user name's length in the userinfo s[a..at): up to its first ':'. */
static size_t user_length(const char *s, size_t a, const char *at)
{
	const char *colon = memchr(s + a, ':', (size_t)(at - s) - a);
	return (size_t)((colon ? colon : at) - s) - a;
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
	const char *at = last_at(url, a, end);
	size_t h = at ? (size_t)(at - url) + 1 : a;
	size_t host_end, port_start = 0;
	if (h < end && url[h] == '[') {
		const char *close = memchr(url + h, ']', end - h);
		if (!close) {
			*why = "unterminated IPv6 address";
			return -1;
		}
		host_end = (size_t)(close - url) + 1;
		/* An IPv6 address: hex digits, ':' and '.' (a zone after '%'). */
		for (size_t i = h + 1; i < host_end - 1 && url[i] != '%'; i++) {
			if (!isxdigit((unsigned char)url[i]) && url[i] != ':' && url[i] != '.') {
				*why = "bad IPv6 address";
				return -1;
			}
		}
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
		if (c < 0x80 && !host_char[c]) {
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
	/* ":port", without printf's cost: a key is made for every request. */
	char digits[8];
	size_t d = sizeof digits;
	do
		digits[--d] = (char)('0' + port % 10);
	while (port /= 10);
	key[k++] = ':';
	memcpy(key + k, digits + d, sizeof digits - d);
	key[k + sizeof digits - d] = '\0';
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

bool url_user_is_token(const char *user, size_t n)
{
	if (n >= URL_TOKEN_LEN)
		return true;
	bool alpha = false, digit = false;
	for (size_t i = 0; i < n; i++) {
		alpha |= isalpha((unsigned char)user[i]) != 0;
		digit |= isdigit((unsigned char)user[i]) != 0;
	}
	return alpha && digit;
}

/* Append s[i..end) where [a, end) is an authority, with its userinfo
 * masked: the password, and the user name when it looks like a token,
 * become "***". */
static void add_authority(struct buf *out, const char *s, size_t i, size_t a, size_t end)
{
	const char *at = last_at(s, a, end);
	if (!at) {
		buf_add(out, s + i, end - i);
		return;
	}
	size_t user = user_length(s, a, at);
	buf_add(out, s + i, a - i);
	if (url_user_is_token(s + a, user))
		buf_adds(out, "***");
	else
		buf_add(out, s + a, user);
	if (s[a + user] == ':')
		buf_adds(out, ":***");
	buf_add(out, at, (size_t)(s + end - at));
}

bool url_token_user(const char *url, const char **user, size_t *n)
{
	size_t len = strlen(url), end;
	long a = authority(url, len, &end);
	if (a < 0)
		return false;
	const char *at = last_at(url, (size_t)a, end);
	if (!at)
		return false;
	*user = url + a;
	*n = user_length(url, (size_t)a, at);
	return *n > 0 && url_user_is_token(*user, *n);
}

void url_mask(struct buf *out, const char *url)
{
	size_t n = strlen(url);
	size_t end;
	/* Without an '@' there is no user to mask: the common case. */
	if (!memchr(url, '@', n)) {
		buf_add(out, url, n);
		return;
	}
	long a = authority(url, n, &end);
	if (a < 0) {
		buf_add(out, url, n);
		return;
	}
	add_authority(out, url, 0, (size_t)a, end);
	buf_add(out, url + end, n - end);
}

/* Where an authority that starts at s[a] ends in free text: at a path,
 * query, fragment, quote, bracket or white space. */
static size_t text_authority_end(const char *s, size_t n, size_t a)
{
	size_t end = a;
	while (end < n && !strchr("/?#'\" \t\r\n<>", s[end]))
		end++;
	return end;
}

/* Append s[0..n) with every authority after a "://" masked; auth_end
 * says where one ends. */
static void mask_urls(struct buf *out, const char *s, size_t n,
		      size_t (*auth_end)(const char *s, size_t n, size_t a))
{
	size_t i = 0;
	while (i < n) {
		const char *sep = i + 3 <= n ? compat_memmem(s + i, n - i, "://", 3) : NULL;
		if (!sep) {
			buf_add(out, s + i, n - i);
			return;
		}
		size_t a = (size_t)(sep - s) + 3;
		size_t end = auth_end(s, n, a);
		add_authority(out, s, i, a, end);
		i = end;
	}
}

void url_mask_text(struct buf *out, const char *s, size_t n)
{
	mask_urls(out, s, n, text_authority_end);
}

/* An input line that should have been one URL may be anything: the
 * password in it may hold any byte, '/', '?', '#' and white space
 * included ("http://carol:PASS#WORD@host/"), so no byte before the line's
 * last '@' can be known not to be part of one. The userinfo runs from the
 * first "://" before that '@' (or from the start of a line without a
 * scheme) to it; when it holds a byte that cannot be in a userinfo
 * ("/?#", or another "://"), where the user name ends cannot be told
 * either and all of it becomes "***". */
void url_mask_loose(struct buf *out, const char *s, size_t n)
{
	const char *at = n ? compat_memrchr(s, '@', n) : NULL;
	if (!at) {
		buf_add(out, s, n);
		return;
	}
	size_t end = (size_t)(at - s);
	const char *sep = end >= 3 ? compat_memmem(s, end, "://", 3) : NULL;
	size_t a = sep ? (size_t)(sep - s) + 3 : 0;
	bool whole = memchr(s + a, '/', end - a) || memchr(s + a, '?', end - a) ||
		     memchr(s + a, '#', end - a);
	if (whole) {
		buf_add(out, s, a);
		buf_adds(out, "***");
		buf_add(out, at, n - end);
		return;
	}
	add_authority(out, s, 0, a, end + 1);
	buf_add(out, s + end + 1, n - end - 1);
}

void url_digest(const char *url, uint64_t d[2])
{
	struct buf key = BUF_INIT;
	buf_adds(&key, "u:");
	buf_adds(&key, url);
	hash_digest128(key.data, key.len, d);
	buf_free(&key);
}

void url_digest_hex(const uint64_t d[2], char hex[URL_DIGEST_HEX])
{
	snprintf(hex, URL_DIGEST_HEX, "%016llx%016llx", (unsigned long long)d[0],
		 (unsigned long long)d[1]);
}

bool url_digest_parse(const char *hex, size_t n, uint64_t d[2])
{
	if (n != URL_DIGEST_HEX - 1)
		return false;
	for (int half = 0; half < 2; half++) {
		uint64_t v = 0;
		for (size_t i = 0; i < 16; i++) {
			char c = hex[16 * half + i];
			unsigned x = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
				     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
							    : 16;
			if (x == 16)
				return false;
			v = v << 4 | x;
		}
		d[half] = v;
	}
	return true;
}
