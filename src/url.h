/* url: the little URL knowledge urlfan needs before libcurl sees a URL.
 *
 * Pure libc, so it is unit-tested without a network. libcurl remains the
 * authority on everything else about a URL. */
#ifndef URLFAN_URL_H
#define URLFAN_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A user name is masked too when it looks like a token (an API key in the
 * user part, as in https://TOKEN@host/ or https://TOKEN:x@host/): at least
 * URL_TOKEN_LEN characters, or letters and digits mixed. */
#define URL_TOKEN_LEN 16
bool url_user_is_token(const char *user, size_t n);

/* Whether url's user name looks like a token: then *user and *n say
 * where it is in url, for masking it in free text (libcurl's trace). */
bool url_token_user(const char *url, const char **user, size_t *n);

/* Append url to out with the password of any "user:password@" part
 * replaced by "***", and a user name that looks like a token too
 * ("***@", "***:***@"), so no output shows credentials. */
void url_mask(struct buf *out, const char *url);

/* Append text s[0..n), with the userinfo of every "scheme://...@" in it
 * masked the same way: for free text such as libcurl's trace. */
void url_mask_text(struct buf *out, const char *s, size_t n);

/* For an input line that should have been one URL, and may be anything:
 * as url_mask_text(), but an authority runs on to its path, query or
 * fragment (or the next "://"), white space and quotes included, so that
 * "http://u:my pass@h/" is masked too; and text without "://" is taken
 * as a URL without its scheme ("user:pw@host/x"), as curl takes it. */
void url_mask_loose(struct buf *out, const char *s, size_t n);

/* The key --skip-done compares a request without an id by: the 128-bit
 * digest (hash_digest128()) of "u:" and the unmasked URL, so that
 * http://tenant1@h/x and http://tenant2@h/x differ though both show as
 * one masked URL. */
void url_digest(const char *url, uint64_t d[2]);

/* The digest as records carry it: 32 lower-case hex digits and a NUL. */
#define URL_DIGEST_HEX 33
void url_digest_hex(const uint64_t d[2], char hex[URL_DIGEST_HEX]);
/* Read hex[0..n) written by url_digest_hex(); false when it is not one. */
bool url_digest_parse(const char *hex, size_t n, uint64_t d[2]);

#endif
