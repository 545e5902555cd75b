#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "buf.h"
#include "termesc.h"

static enum msg_level current = MSG_NORMAL;
/* Whether stderr is a terminal: -1 not known yet. */
static int stderr_tty = -1;
static void (*before_write)(void *ctx);
static void *before_ctx;

void msg_set_before(void (*before)(void *ctx), void *ctx)
{
	before_write = before;
	before_ctx = ctx;
}

void msg_set_level(enum msg_level level)
{
	current = level;
}

enum msg_level msg_get_level(void)
{
	return current;
}

static void vmsg(const char *fmt, va_list ap)
{
	/* One fprintf-sized write per message keeps lines from concurrent
	 * writers (other processes on the same stderr) whole. */
	char line[4096];
	int n = vsnprintf(line, sizeof line, fmt, ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	if (stderr_tty < 0)
		stderr_tty = isatty(2);
	if (before_write)
		before_write(before_ctx);
	/* Messages quote input lines, URLs and server words: on a terminal,
	 * their control characters are shown, never obeyed. */
	if (!stderr_tty || termesc_clean(line, len)) {
		fprintf(stderr, "urlfan: %s\n", line);
		return;
	}
	struct buf b = BUF_INIT;
	termesc_append(&b, line, len);
	fprintf(stderr, "urlfan: %s\n", b.data);
	buf_free(&b);
}

void msg_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	if (current < MSG_NORMAL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void msg_verbose(int level, const char *fmt, ...)
{
	if ((int)current < level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void msg_raw(const char *text, unsigned long len)
{
	if (before_write)
		before_write(before_ctx);
	fwrite(text, 1, len, stderr);
}
