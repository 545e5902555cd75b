/* url: the little URL knowledge urlfan needs before libcurl sees a URL.
 *
 * Pure libc, so it is unit-tested without a network. libcurl remains the
 * authority on everything else about a URL. */
#ifndef URLFAN_URL_H
#define URLFAN_URL_H

#include <stddef.h>

#include "buf.h"

/* Longest host key url_host_key() writes, NUL included. */
#define URL_HOSTKEY_MAX 300

/* Take url[0..n) as typed: a URL without a scheme ("localhost:8080/x",
 * "example.com/x", "127.0.0.1/x") gets "http://" in front, as curl does;
 * an http or https URL stays as it is. Appends the URL to fetch to out
 * and returns 0; or returns -1 with a message in why that names the
 * likely typo ("http:/x", "htp://x": did you mean 'http://x'?) or says
 * that only http and https are fetched. Whether the result is a valid
 * URL is url_host_key()'s to say. */
int url_as_typed(const char *url, size_t n, struct buf *out, struct buf *why);

/* Check that url[0..n) is an absolute http or https URL with a host and a
 * valid port, and write its host key - the lower-cased host name, ':' and
 * the port (the scheme's default when none) - into key (URL_HOSTKEY_MAX
 * bytes). Returns 0, or -1 with a short reason in *why (a static string). */
int url_host_key(const char *url, size_t n, char *key, const char **why);

/* The path of the absolute URL url: *path points into url, at the path
 * without query or fragment, and *len gets its length. A URL without a
 * path ("http://host", "http://host?q") has the path "/" (a static
 * string). */
void url_path(const char *url, const char **path, size_t *len);

/* Append url to out with the password of any "user:password@" part
 * replaced by "***", so no output shows credentials. */
void url_mask(struct buf *out, const char *url);

/* Append text s[0..n), with the password of every "scheme://user:pw@"
 * in it masked the same way: for free text such as libcurl's trace. */
void url_mask_text(struct buf *out, const char *s, size_t n);

#endif
