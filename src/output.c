#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "msg.h"
#include "record.h"
#include "template.h"
#include "utf8.h"
#include "xalloc.h"

#define FLUSH_AT (64 * 1024)

/* One record held back by --order input. */
struct held {
	bool present;
	struct buf bytes;
};

struct output {
	const struct config *cfg;
	int fd;
	bool tty;
	bool color;
	struct template *write_out;
	struct buf pending; /* whole records, ready to write */
	struct buf scratch; /* the record being built */
	struct buf errtext; /* -w: a record's %{stderr} part */
	size_t written;     /* records emitted, for json's separators */
	/* --order input */
	struct held *window;
	size_t nwindow;
	size_t next;        /* the next index to emit */
	bool hinted_binary; /* -w: the binary-body hint was given */
};

struct output *output_create(const struct config *cfg, int fd, bool tty, size_t window, char *err,
			     size_t errlen)
{
	struct output *out = xcalloc(1, sizeof *out);
	out->cfg = cfg;
	out->fd = fd;
	out->tty = tty;
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	if (cfg->color == COLOR_ALWAYS)
		out->color = true;
	else if (cfg->color == COLOR_AUTO)
		out->color =
			tty && !(no_color && *no_color) && !(term && strcmp(term, "dumb") == 0);
	if (cfg->write_out && !(out->write_out = template_compile(cfg->write_out, err, errlen))) {
		free(out);
		return NULL;
	}
	if (cfg->order == ORDER_INPUT) {
		out->nwindow = window ? window : 1;
		out->window = xcalloc(out->nwindow, sizeof *out->window);
	}
	return out;
}

void output_destroy(struct output *out)
{
	if (!out)
		return;
	for (size_t i = 0; i < out->nwindow; i++)
		buf_free(&out->window[i].bytes);
	free(out->window);
	template_destroy(out->write_out);
	buf_free(&out->pending);
	buf_free(&out->scratch);
	buf_free(&out->errtext);
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

/* Text for a terminal: control characters (C0, DEL, C1) and bytes that are
 * not UTF-8 are shown as \xHH so that a server cannot send escape
 * sequences to the user's terminal. Newlines and tabs pass in a body
 * (multiline) and are escaped in a one-line field. */
static void put_text(struct buf *b, const char *s, size_t n, bool escape, bool multiline)
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
			bad = (c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f;
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

static void put_line(struct buf *b, const char *s, bool escape)
{
	put_text(b, s, strlen(s), escape, false);
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
		put_line(b, res->url, out->tty);
		buf_printf(b, "  %s: ", result_kind_name(res->error));
		put_line(b, res->error_message, out->tty);
		buf_addc(b, '\n');
		return;
	}
	buf_printf(b, "%s%ld%s ", on, res->status, off);
	put_line(b, res->url, out->tty);
	buf_printf(b, "  %.3fs  ", res->time.total);
	human_size(b, res->size);
	if (res->file) {
		buf_adds(b, "  -> ");
		put_line(b, res->file, out->tty);
	}
	buf_addc(b, '\n');
	if (res->headers && res->headers_in_record) {
		const char *end = res->headers + res->headers_len;
		for (const char *n = res->headers; n < end; n = result_header_next(n)) {
			put_line(b, n, out->tty);
			buf_adds(b, ": ");
			put_line(b, result_header_value(n), out->tty);
			buf_addc(b, '\n');
		}
		/* A blank line ends the headers, as in HTTP: before the body, or
		 * before the next record when there is none. */
		buf_addc(b, '\n');
	}
	if (!res->body || res->body_len == 0)
		return;
	if (json_reformat(res->body, res->body_len, b, 2) == 0) {
		buf_addc(b, '\n');
	} else if (out->tty && !utf8_valid(res->body, res->body_len)) {
		buf_printf(b, "(binary body, %zu bytes, not shown on a terminal)\n", res->body_len);
	} else {
		put_text(b, res->body, res->body_len, out->tty, true);
		if (res->body[res->body_len - 1] != '\n')
			buf_addc(b, '\n');
	}
	buf_addc(b, '\n');
}

/* A body that is not text is not written to a terminal (it could change
 * the terminal's state): one line on stderr says what to do instead. */
static bool refuse_binary(const struct output *out, const struct result *res)
{
	if (!out->tty || utf8_valid(res->body, res->body_len))
		return false;
	msg_warn("not writing the binary body of %s (%zu bytes) to the terminal: use -O DIR, "
		 "or redirect: > FILE",
		 res->url, res->body_len);
	return true;
}

/* --format body: the bodies of ok responses (all with --all-bodies), a
 * JSON body minified onto one line and a newline, any other body byte
 * for byte - as curl writes it. Each failure gets one line on stderr,
 * as curl's. On a terminal, control characters are escaped and a text
 * body ends with a newline. */
static void body_record(struct output *out, struct buf *b, const struct result *res)
{
	if (res->error) {
		msg_warn("ERR %s  %s: %s", res->url, result_kind_name(res->error),
			 res->error_message);
		return;
	}
	if (!res->ok) {
		msg_warn("%ld %s", res->status, res->url);
		if (!out->cfg->all_bodies)
			return;
	}
	if (!res->body || refuse_binary(out, res))
		return;
	size_t at = b->len;
	if (json_reformat(res->body, res->body_len, b, -1) == 0) {
		if (out->tty) {
			struct buf json = BUF_INIT;
			buf_add(&json, b->data + at, b->len - at);
			b->len = at;
			put_text(b, json.data, json.len, true, false);
			buf_free(&json);
		}
		buf_addc(b, '\n');
		return;
	}
	put_text(b, res->body, res->body_len, out->tty, true);
	if (out->tty && res->body_len && res->body[res->body_len - 1] != '\n')
		buf_addc(b, '\n');
}

/* -w on a terminal: values from the server escaped, a binary %{body}
 * replaced by a note. */
static void tty_value(struct buf *to, const char *s, size_t n, bool body, void *ctx)
{
	struct output *out = ctx;
	if (body && !utf8_valid(s, n)) {
		buf_printf(to, "(binary body, %zu bytes, not shown on a terminal)", n);
		if (!out->hinted_binary)
			msg_warn("-w '%%{body}': binary bodies are not written to the terminal: "
				 "use -O DIR, or redirect: > FILE");
		out->hinted_binary = true;
		return;
	}
	put_text(to, s, n, true, body);
}

static void format(struct output *out, const struct result *res, struct buf *b)
{
	if (out->write_out) {
		out->errtext.len = 0;
		template_render_to(out->write_out, res, b, &out->errtext,
				   out->tty ? tty_value : NULL, out);
		if (out->errtext.len) /* %{stderr}: now, not in the record's turn */
			msg_raw(out->errtext.data, out->errtext.len);
		return;
	}
	switch (out->cfg->format) {
	case FORMAT_NDJSON:
	case FORMAT_JSON:
		record_write(b, res);
		if (out->cfg->format == FORMAT_NDJSON)
			buf_addc(b, '\n');
		break;
	case FORMAT_TEXT: text_record(out, b, res); break;
	case FORMAT_BODY: body_record(out, b, res); break;
	}
}

/* json's array punctuation before a record, which depends on the
 * emission order. */
static void separate(struct output *out)
{
	if (out->cfg->format == FORMAT_JSON && !out->write_out)
		buf_adds(&out->pending, out->written ? ",\n" : "[\n");
}

/* Move one finished record to the write buffer. */
static int emit(struct output *out, const char *bytes, size_t len)
{
	separate(out);
	buf_add(&out->pending, bytes, len);
	out->written++;
	if (out->pending.len >= FLUSH_AT)
		return output_flush(out);
	return 0;
}

/* Emit every held record that is next in input order. */
static int release(struct output *out)
{
	for (;;) {
		struct held *h = &out->window[out->next % out->nwindow];
		if (!h->present)
			return 0;
		h->present = false;
		out->next++;
		if (h->bytes.len && emit(out, h->bytes.data, h->bytes.len) != 0)
			return -1;
		h->bytes.len = 0;
	}
}

/* Hold the record for index (bytes may be empty: a skipped index). */
static int hold(struct output *out, size_t index, const struct buf *bytes)
{
	struct held *h = &out->window[index % out->nwindow];
	h->present = true;
	h->bytes.len = 0;
	if (bytes->len)
		buf_add(&h->bytes, bytes->data, bytes->len);
	return release(out);
}

int output_record(struct output *out, const struct result *res)
{
	if (out->window) {
		out->scratch.len = 0;
		format(out, res, &out->scratch);
		return hold(out, res->index, &out->scratch);
	}
	/* In completion order the record is built straight in the write
	 * buffer (a body is copied once less); it is flushed only whole. */
	size_t mark = out->pending.len;
	separate(out);
	size_t at = out->pending.len;
	format(out, res, &out->pending);
	if (out->pending.len == at) { /* nothing to write for this one */
		out->pending.len = mark;
		if (out->pending.data)
			out->pending.data[mark] = '\0';
		return 0;
	}
	out->written++;
	if (out->pending.len >= FLUSH_AT)
		return output_flush(out);
	return 0;
}

int output_skip(struct output *out, size_t index)
{
	if (!out->window)
		return 0;
	out->scratch.len = 0;
	return hold(out, index, &out->scratch);
}

bool output_pending(const struct output *out)
{
	return out->pending.len > 0;
}

int output_finish(struct output *out)
{
	if (out->cfg->format == FORMAT_JSON && !out->write_out)
		buf_adds(&out->pending, out->written ? "\n]\n" : "[]\n");
	return output_flush(out);
}

size_t output_next_index(const struct output *out)
{
	return out->next;
}
