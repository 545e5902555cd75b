/* http: the bits of RFC 9110 syntax urlfan checks itself.
 *
 * Header lines and method names come from the command line (opts), from
 * request specs (source) and go to libcurl (xfer); all three ask here, so
 * the token alphabet is written once. Pure libc, no state: every function
 * only reads its arguments. */
#ifndef URLFAN_HTTP_H
#define URLFAN_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s[0..n) is an RFC 9110 token (section 5.6.2): at least one
 * byte, each a letter, a digit or one of !#$%&'*+-.^_`|~. A NUL byte,
 * white space, a separator or any byte above 0x7f is not. s may be NULL
 * when n is 0. */
bool http_is_token(const char *s, size_t n);

/* Whether s[0..n) may be sent as a request method. A method is a token
 * (RFC 9110 section 9.1); its own name so that the callers say what they
 * check. */
bool http_is_method(const char *s, size_t n);

/* Check that line[0..n) is one "Name: value" header line that cannot
 * smuggle a second header: a token name, then ':', then a value without
 * CR, LF or NUL. Returns 0, or -1 with *why set to a static message for
 * the user. n bounds the check; line need not be NUL-terminated. */
int http_check_header(const char *line, size_t n, const char **why);

/* Whether the header line line[0..n) ("Name: value") names a header that
 * frames the message or the connection, so that a wrong value in it would
 * let one request's body be read as the next request on the connection:
 * Content-Length, Transfer-Encoding, TE and Upgrade, and with all also
 * Connection and Host. Returns that header's name as RFC 9110 spells it
 * (a static string), or NULL. A request spec is refused all six (one line
 * must never change what another line fetches); -H only the first four
 * (-H 'Host: ...' and -H 'Connection: close' are curl habits that frame
 * nothing). */
const char *http_framing_header(const char *line, size_t n, bool all);

/* Whether the NUL-terminated header lines a and b ("Name: value", or just
 * "Name:") name the same header: the names are equal up to ASCII case and
 * both end with ':'. A string without ':' matches nothing, so
 * http_same_header(line, "Accept:") asks whether line is an Accept
 * header. */
bool http_same_header(const char *a, const char *b);

/* Whether a response's Content-Length value v[0..n) (what follows the
 * colon, white space and CRLF included) is one a client may use (RFC
 * 9110 8.6): digits, or a comma-separated list of the same number
 * repeated. 0x7, "7, 99", 7abc, +7 and an empty value are not. */
bool http_content_length_valid(const char *v, size_t n);

/* One -F/--form part as curl spells it: "NAME=VALUE" (a field sent as
 * written), "NAME=@FILE" (a file upload) or "NAME=<FILE" (a field whose
 * value is FILE's contents); after a file name, ";type=MIME" and (for
 * @FILE) ";filename=NAME" may follow, in either order. Every pointer
 * points into the parsed text; lengths are given because nothing is
 * NUL-terminated but the whole. */
enum http_form_kind { HTTP_FORM_VALUE, HTTP_FORM_FILE, HTTP_FORM_CONTENT };
struct http_form_part {
	enum http_form_kind kind;
	const char *name;
	size_t name_len;
	const char *value; /* the text, or the file name */
	size_t value_len;
	const char *type; /* NULL: libcurl's guess */
	size_t type_len;
	const char *filename; /* NULL: the file's own name */
	size_t filename_len;
};

/* Parse arg (NUL-terminated) into *part. Returns 0, or -1 with *why set
 * to a static message for the user. */
int http_form_part(const char *arg, struct http_form_part *part, const char **why);

#endif
