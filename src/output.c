#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

#define FLUSH_AT (64 * 1024)

struct output {
	const struct config *cfg;
	int fd;
	bool tty;
	bool color;
	struct buf pending;
};

struct output *output_create(const struct config *cfg, int fd, bool tty)
{
	struct output *out = xcalloc(1, sizeof *out);
	out->cfg = cfg;
	out->fd = fd;
	out->tty = tty;
	const char *no_color = getenv("NO_COLOR");
	if (cfg->color == COLOR_ALWAYS)
		out->color = true;
	else if (cfg->color == COLOR_AUTO)
		out->color = tty && !(no_color && *no_color);
	return out;
}

void output_destroy(struct output *out)
{
	if (!out)
		return;
	output_flush(out);
	buf_free(&out->pending);
	free(out);
}

int output_flush(struct output *out)
{
	size_t done = 0;
	while (done < out->pending.len) {
		ssize_t n = write(out->fd, out->pending.data + done, out->pending.len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			out->pending.len = 0;
			errno = saved;
			return -1;
		}
		done += (size_t)n;
	}
	out->pending.len = 0;
	return 0;
}

bool output_body_value(struct buf *b, const char *body, size_t len)
{
	if (json_reformat(body, len, b, -1) == 0)
		return false;
	if (utf8_valid(body, len)) {
		json_write_string(b, body, len);
		return false;
	}
	buf_addc(b, '"');
	base64_encode(b, body, len);
	buf_addc(b, '"');
	return true;
}

static void key(struct buf *b, const char *name)
{
	buf_addc(b, ',');
	buf_addc(b, '"');
	buf_adds(b, name);
	buf_adds(b, "\":");
}

static void str_or_null(struct buf *b, const char *s)
{
	if (s)
		json_write_string(b, s, strlen(s));
	else
		buf_adds(b, "null");
}

void output_ndjson(struct buf *b, const struct result *res, bool with_body)
{
	buf_printf(b, "{\"index\":%zu", res->req->index);
	if (res->req->id) {
		key(b, "id");
		buf_adds(b, res->req->id);
	}
	key(b, "url");
	str_or_null(b, res->url);
	key(b, "method");
	str_or_null(b, res->method);
	key(b, "status");
	if (res->status)
		buf_printf(b, "%ld", res->status);
	else
		buf_adds(b, "null");
	key(b, "ok");
	buf_adds(b, res->ok ? "true" : "false");
	key(b, "effective_url");
	str_or_null(b, res->effective_url);
	key(b, "http_version");
	str_or_null(b, res->http_version);
	key(b, "content_type");
	str_or_null(b, res->content_type);
	if (with_body && res->body) {
		key(b, "body");
		if (output_body_value(b, res->body, res->body_len)) {
			key(b, "body_encoding");
			buf_adds(b, "\"base64\"");
		}
	}
	key(b, "size");
	buf_printf(b, "%zu", res->body_len);
	key(b, "time");
	buf_printf(b, "{\"total\":%.6f,\"dns\":%.6f,\"connect\":%.6f,\"tls\":%.6f,\"ttfb\":%.6f}",
		   res->time.total, res->time.dns, res->time.connect, res->time.tls,
		   res->time.ttfb);
	key(b, "attempts");
	buf_printf(b, "%ld", res->attempts);
	if (res->error) {
		key(b, "error");
		buf_adds(b, "{\"kind\":");
		str_or_null(b, result_kind_name(res->error));
		buf_adds(b, ",\"message\":");
		str_or_null(b, res->error_message);
		buf_addc(b, '}');
	}
	buf_addc(b, '}');
}

/* Text for a terminal: control characters (C0, DEL, C1) and bytes that are
 * not UTF-8 are shown as \xHH so that a server cannot send escape
 * sequences to the user's terminal. Newlines and tabs pass. */
static void put_text(struct buf *b, const char *s, size_t n, bool escape)
{
	if (!escape) {
		buf_add(b, s, n);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		size_t len = 1;
		bool bad;
		if (c < 0x80) {
			bad = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
		} else {
			/* One sequence at a time: C1 controls are U+0080..U+009F. */
			size_t k = 1;
			while (k < 4 && i + k < n && (p[i + k] & 0xC0) == 0x80)
				k++;
			bad = !utf8_valid(s + i, k) || (c == 0xC2 && k == 2 && p[i + 1] < 0xA0);
			if (!bad)
				len = k;
		}
		if (bad)
			buf_printf(b, "\\x%02x", c);
		else
			buf_add(b, s + i, len);
		i += len;
	}
}

static const char *status_color(const struct result *res)
{
	if (res->error || res->status >= 500)
		return "\033[31m"; /* red */
	if (res->status >= 400)
		return "\033[33m"; /* yellow */
	if (res->status >= 300)
		return "\033[36m"; /* cyan */
	return "\033[32m";         /* green */
}

static void human_size(struct buf *b, size_t n)
{
	if (n < 1024)
		buf_printf(b, "%zuB", n);
	else if (n < 1024 * 1024)
		buf_printf(b, "%.1fKiB", (double)n / 1024);
	else
		buf_printf(b, "%.1fMiB", (double)n / (1024 * 1024));
}

static void text_record(struct output *out, struct buf *b, const struct result *res)
{
	const char *on = out->color ? status_color(res) : "";
	const char *off = out->color ? "\033[0m" : "";
	if (res->error) {
		buf_printf(b, "%sERR%s ", on, off);
		put_text(b, res->url, strlen(res->url), out->tty);
		buf_printf(b, "  %s: ", result_kind_name(res->error));
		put_text(b, res->error_message, strlen(res->error_message), out->tty);
		buf_addc(b, '\n');
		return;
	}
	buf_printf(b, "%s%ld%s ", on, res->status, off);
	put_text(b, res->url, strlen(res->url), out->tty);
	buf_printf(b, "  %.3fs  ", res->time.total);
	human_size(b, res->body_len);
	buf_addc(b, '\n');
	if (out->cfg->no_body || res->body_len == 0)
		return;
	if (json_reformat(res->body, res->body_len, b, 2) == 0) {
		buf_addc(b, '\n');
	} else if (out->tty && !utf8_valid(res->body, res->body_len)) {
		buf_printf(b, "(binary body, %zu bytes, not shown on a terminal)\n",
			   res->body_len);
	} else {
		put_text(b, res->body, res->body_len, out->tty);
		if (res->body[res->body_len - 1] != '\n')
			buf_addc(b, '\n');
	}
	buf_addc(b, '\n');
}

int output_record(struct output *out, const struct result *res)
{
	struct buf *b = &out->pending;
	switch (out->cfg->format) {
	case FORMAT_NDJSON:
		output_ndjson(b, res, !out->cfg->no_body);
		buf_addc(b, '\n');
		break;
	case FORMAT_TEXT:
		text_record(out, b, res);
		break;
	}
	if (b->len >= FLUSH_AT)
		return output_flush(out);
	return 0;
}
