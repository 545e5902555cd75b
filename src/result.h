/* result: what became of one request line, handed from fetch to output.
 *
 * A result is plain data that describes itself: the output side (records,
 * templates, progress, resume) needs nothing else, and never sees the
 * input's struct request. A result only borrows: every pointer in it is
 * valid during the callback that receives it and no longer. */
#ifndef URLFAN_RESULT_H
#define URLFAN_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "source.h"
#include "url.h"

/* Error kinds, in the order of the man page's table. */
enum err_kind {
	ERR_NONE,
	ERR_INVALID_INPUT,
	ERR_DNS,
	ERR_CONNECT,
	ERR_TLS,
	ERR_TIMEOUT,
	ERR_TOO_LARGE,
	ERR_PROTOCOL,
	ERR_REDIRECT,
	ERR_ABORTED,
	ERR_IO,
};

struct result {
	/* The request line. */
	size_t index;     /* 0-based among request lines */
	const char *id;   /* the spec's id as minified JSON, or NULL */
	const char *line; /* the input line as read (not masked: for
			     --save-unfinished only, never shown) */
	size_t line_len;
	const char *host; /* host key "name:port"; "" for an invalid line */
	const char *path; /* the URL's path, without query or fragment
			     ("/" when the URL has none); NULL for an
			     invalid line */
	size_t path_len;
	const char *url; /* as given, credentials masked */
	/* When url shows credentials masked: url_digest()'s hex digest of
	 * the unmasked URL, what --skip-done compares; else "". */
	char url_digest[URL_DIGEST_HEX];
	const char *method;
	long status;               /* final HTTP status; 0 when none */
	bool ok;                   /* status within --ok and no error */
	const char *effective_url; /* masked; NULL when no response */
	const char *http_version;  /* "1.0", "1.1", "2", "3" or NULL */
	const char *content_type;  /* NULL when none */
	const char *body;          /* NULL when no body is kept */
	size_t body_len;
	size_t size;      /* body bytes received, after decoding */
	const char *file; /* -O: where the body was written, or NULL */
	/* The final response's headers as "name\0value\0" pairs (names
	 * lower-cased, in order), with --headers or for -w's
	 * %{header{NAME}}; NULL when not kept. */
	const char *headers;
	size_t headers_len;
	struct {
		double total, dns, connect, tls, ttfb;
	} time;        /* seconds from the start of the attempt */
	long attempts; /* tries made; 0 when none started */
	enum err_kind error;
	const char *error_message; /* NULL when error == ERR_NONE */
	const char *remote_ip;     /* the address connected to last, or NULL */
	long remote_port;          /* its port; 0 when none */
	long redirects;            /* redirects followed */
	/* --headers: the record lists the headers (they may be kept for a
	 * -w template's %{header{NAME}} alone). */
	bool headers_in_record;
};

/* Walking res->headers, one function each: the value of the pair whose
 * name starts at name, and the start of the pair after it
 * (res->headers + res->headers_len at the end). */
const char *result_header_value(const char *name);
const char *result_header_next(const char *name);

/* "dns", "connect", ... ; NULL for ERR_NONE. */
const char *result_kind_name(enum err_kind kind);

/* A zeroed result with the request's own part filled in: who it is (index,
 * id, line, host and path, pointing into req), not what happened. */
void result_describe(struct result *res, const struct request *req, long attempts);

#endif
