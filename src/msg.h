/* msg: every diagnostic urlfan writes goes through here.
 *
 * Messages go to stderr with the "urlfan: " prefix and a newline. The level
 * set by msg_set_level() decides what is shown: --silent keeps only fatal
 * messages, -v adds per-request lifecycle lines, -vv libcurl's trace. */
#ifndef URLFAN_MSG_H
#define URLFAN_MSG_H

enum msg_level {
	MSG_SILENT = -1, /* --silent: only msg_fatal() */
	MSG_NORMAL = 0,
	MSG_VERBOSE = 1, /* -v */
	MSG_TRACE = 2,   /* -vv */
};

/* The level for the rest of the process (MSG_NORMAL until set), and the
 * level now, for callers that would do work only to be shown at -v. */
void msg_set_level(enum msg_level level);
enum msg_level msg_get_level(void);

/* A failure that ends the run (usage errors included): always shown. */
void msg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Something the user should know; hidden by --silent. */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shown only at -v (level 1) or -vv (level 2) and above. */
void msg_verbose(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raw text for --verbose traces, already formatted, no prefix added. */
void msg_raw(const char *text, unsigned long len);

/* Call before(ctx) before anything is written to stderr - to erase a
 * progress line drawn there, so that no message runs into it. NULL:
 * nothing. */
void msg_set_before(void (*before)(void *ctx), void *ctx);

#endif
