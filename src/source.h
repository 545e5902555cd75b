/* source: the next request, read lazily from arguments, a file or stdin.
 *
 * A source never reads ahead more than one buffer (128 KiB) of input, and
 * only when asked for the next request, so memory is bounded by how many
 * requests the caller keeps, not by the input's length. */
#ifndef URLFAN_SOURCE_H
#define URLFAN_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "url.h"

/* Longest request line; longer lines become invalid_input records. */
#define SOURCE_LINE_MAX (64 * 1024)

/* One request, as read. Everything is owned by the request and freed by
 * request_free(). */
struct request {
	size_t index; /* 0-based among request lines */
	char *line;   /* the trimmed input line (at most 1 KiB when invalid
			 because too long), for reports */
	size_t line_len;
	char *error; /* NULL, or why the line is invalid_input */

	/* Only when error is NULL: */
	char *url;
	char *hostkey;  /* "host:port", in url's allocation (freed with it) */
	char *method;   /* NULL: the command-line default */
	char **headers; /* "Name: value" lines from a spec */
	size_t nheaders;
	char *body; /* NULL: the command-line default */
	size_t body_len;
	bool body_is_json; /* the spec gave "json" */
	char *id;          /* the spec's id as minified JSON text, or NULL */

	/* Where the line was: its 1-based line number in the input (for
	 * arguments, the argument's position), for messages. */
	size_t lineno;
	/* Only when error is set: what the line's record shows as its URL,
	 * with credentials masked - a plain line as given, a spec's "url"
	 * when one can be read, else "". Never a spec's header or body. */
	char *shown;
};

/* Free req and everything in it. Accepts NULL. */
void request_free(struct request *req);
/* The memory req holds, malloc's own overhead counted (about): what a
 * request read ahead costs, for the read-ahead byte budget (bounds.h). */
size_t request_bytes(const struct request *req);

/* Parse one trimmed, non-empty, non-comment line into req (zeroed by the
 * caller, index set). Returns 0 when it is a valid request, -1 when not;
 * either way req->line is set and, on -1, req->error says why. */
int source_parse_line(const char *line, size_t n, struct request *req);

/* Trim line[0..*n) of surrounding white space in place: returns the new
 * start and updates *n. Whether the result is a request line at all
 * (not empty, not a comment) is source_is_request(). */
const char *source_trim(const char *line, size_t *n);
/* Whether a trimmed line is a request: not empty, not a '#' comment. */
bool source_is_request(const char *line, size_t n);

struct source;

/* From argv strings (not copied: they must outlive the source). */
struct source *source_create_args(char **args, size_t n);
/* From a file descriptor; the source closes it unless it is 0. name is
 * used in messages. */
struct source *source_create_fd(int fd, const char *name);
/* Free the source (closing its descriptor, see above). Accepts NULL. */
void source_destroy(struct source *src);

enum source_status {
	SOURCE_REQUEST, /* *out is a new request (valid or not) */
	SOURCE_AGAIN,   /* no whole line yet and reading would block: poll
			   source_fd() for input and ask again */
	SOURCE_EOF,
	SOURCE_ERROR, /* a read error; source_error() says which */
	SOURCE_BUSY,  /* only after source_yield_after(): input was read but
			 no request line ended yet; ask again soon, without
			 waiting for source_fd() */
};

/* Hand out the next request line as a new struct request, owned by the
 * caller. Never blocks on pipes and terminals. */
enum source_status source_next(struct source *src, struct request **out);
/* Let source_next() return SOURCE_BUSY once it has read about bytes of
 * input in one call without a request line to hand out (blank lines,
 * comments, the rest of an overlong line), so that a caller with other
 * work is never held up by endless input such as /dev/zero. 0 (the
 * default): source_next() reads until it has something to say. */
void source_yield_after(struct source *src, size_t bytes);
/* The descriptor to wait on after SOURCE_AGAIN, or -1. */
int source_fd(const struct source *src);
/* Whether the input is a regular file (it never blocks, and it ends). */
bool source_is_regular(const struct source *src);
/* After SOURCE_ERROR: what failed, valid until source_destroy(). */
const char *source_error(const struct source *src);
/* How many request lines the whole input holds, when that can be known
 * without consuming it (arguments, a regular file); -1 otherwise. Reads a
 * regular file once more, from the current position, without moving it. */
long long source_total(const struct source *src);
/* Request lines handed out so far. */
size_t source_count(const struct source *src);

#endif
