#include "view.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "msg.h"
#include "record.h"
#include "template.h"
#include "termesc.h"
#include "utf8.h"
#include "xalloc.h"

/* A pretty JSON body larger than this is left to the queue as a job;
 * smaller ones (at most JSON_PRETTY_DEPTH times larger when laid out) go
 * into the record at once. */
#define PRETTY_INLINE 4096

struct view {
	const struct config *cfg;
	bool tty;                   /* bound for a terminal: escape, refuse binary */
	bool err_tty;               /* -w's %{stderr} part is escaped by this */
	bool color;                 /* --color, NO_COLOR and TERM=dumb applied */
	struct template *write_out; /* -w, or NULL */
	struct buf errtext;         /* -w: a record's %{stderr} part */
	bool hinted_binary;         /* -w: the binary-body hint was given */
};

struct view *view_create(const struct config *cfg, bool tty, char *err, size_t errlen)
{
	struct view *v = xcalloc(1, sizeof *v);
	v->cfg = cfg;
	v->tty = tty;
	v->err_tty = isatty(2);
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	if (cfg->color == COLOR_ALWAYS)
		v->color = true;
	else if (cfg->color == COLOR_AUTO)
		v->color = tty && !(no_color && *no_color) && !(term && strcmp(term, "dumb") == 0);
	if (cfg->write_out && !(v->write_out = template_compile(cfg->write_out, err, errlen))) {
		free(v);
		return NULL;
	}
	return v;
}

void view_destroy(struct view *v)
{
	if (!v)
		return;
	template_destroy(v->write_out);
	buf_free(&v->errtext);
	free(v);
}

/* Text for a terminal goes through termesc: see termesc.h. */
static void text(struct buf *b, const char *s, size_t n, bool escape, bool multiline)
{
	if (escape && multiline)
		termesc_append_lines(b, s, n);
	else if (escape)
		termesc_append(b, s, n);
	else
		buf_add(b, s, n);
}

static void line(struct buf *b, const char *s, bool escape)
{
	text(b, s, strlen(s), escape, false);
}

/* The JSON body, pretty-printed: laid out at once when small, else left
 * as a job (its minified text) at this point of the record. Returns false
 * when the body is not JSON. */
static bool pretty_json(const struct view *v, const struct result *res, struct buf *b,
			struct view_job *job)
{
	struct buf min = BUF_INIT;
	if (json_reformat(res->body, res->body_len, &min, -1) != 0) {
		buf_free(&min);
		return false;
	}
	if (min.len <= PRETTY_INLINE) {
		struct json_pretty p;
		json_pretty_init(&p, min.data, min.len, v->tty);
		json_pretty_step(&p, b, SIZE_MAX / 2);
		buf_free(&min);
		return true;
	}
	job->doc = min.data;
	job->len = min.len;
	job->at = b->len;
	json_pretty_init(&job->pretty, job->doc, job->len, v->tty);
	return true;
}

bool view_job_step(struct view_job *job, struct buf *out, size_t chunk)
{
	return json_pretty_step(&job->pretty, out, chunk);
}

void view_job_free(struct view_job *job)
{
	free(job->doc);
	memset(job, 0, sizeof *job);
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

/* --format text. */
static void text_record(const struct view *v, const struct result *res, struct buf *b,
			struct view_job *job)
{
	const char *on = v->color ? status_color(res) : "";
	const char *off = v->color ? "\033[0m" : "";
	if (res->error) {
		buf_printf(b, "%sERR%s ", on, off);
		line(b, res->url, v->tty);
		buf_printf(b, "  %s: ", result_kind_name(res->error));
		line(b, res->error_message, v->tty);
		buf_addc(b, '\n');
		return;
	}
	buf_printf(b, "%s%ld%s ", on, res->status, off);
	line(b, res->url, v->tty);
	buf_printf(b, "  %.3fs  ", res->time.total);
	human_size(b, res->size);
	if (res->file) {
		buf_adds(b, "  -> ");
		line(b, res->file, v->tty);
	}
	buf_addc(b, '\n');
	if (res->headers && res->headers_in_record) {
		const char *end = res->headers + res->headers_len;
		for (const char *n = res->headers; n < end; n = result_header_next(n)) {
			line(b, n, v->tty);
			buf_adds(b, ": ");
			line(b, result_header_value(n), v->tty);
			buf_addc(b, '\n');
		}
		/* A blank line ends the headers, as in HTTP: before the body, or
		 * before the next record when there is none. */
		buf_addc(b, '\n');
	}
	if (!res->body || res->body_len == 0)
		return;
	if (pretty_json(v, res, b, job)) {
		buf_addc(b, '\n');
	} else if (v->tty && !utf8_valid(res->body, res->body_len)) {
		buf_printf(b, "(binary body, %zu bytes, not shown on a terminal)\n", res->body_len);
	} else {
		text(b, res->body, res->body_len, v->tty, true);
		if (res->body[res->body_len - 1] != '\n')
			buf_addc(b, '\n');
	}
	buf_addc(b, '\n');
}

/* A body that is not text is not written to a terminal (it could change
 * the terminal's state): one line on stderr says what to do instead. */
static bool refuse_binary(const struct view *v, const struct result *res)
{
	if (!v->tty || utf8_valid(res->body, res->body_len))
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
static void body_record(const struct view *v, const struct result *res, struct buf *b)
{
	if (res->error) {
		msg_warn("ERR %s  %s: %s", res->url, result_kind_name(res->error),
			 res->error_message);
		return;
	}
	if (!res->ok) {
		msg_warn("%ld %s", res->status, res->url);
		if (!v->cfg->all_bodies)
			return;
	}
	if (!res->body || refuse_binary(v, res))
		return;
	size_t at = b->len;
	if (json_reformat(res->body, res->body_len, b, -1) == 0) {
		if (v->tty) {
			struct buf json = BUF_INIT;
			buf_add(&json, b->data + at, b->len - at);
			b->len = at;
			text(b, json.data, json.len, true, false);
			buf_free(&json);
		}
		buf_addc(b, '\n');
		return;
	}
	text(b, res->body, res->body_len, v->tty, true);
	if (v->tty && res->body_len && res->body[res->body_len - 1] != '\n')
		buf_addc(b, '\n');
}

/* -w on a terminal: values from the server escaped, a binary %{body}
 * replaced by a note. */
static void tty_value(struct buf *to, const char *s, size_t n, bool body, void *ctx)
{
	struct view *v = ctx;
	if (body && !utf8_valid(s, n)) {
		buf_printf(to, "(binary body, %zu bytes, not shown on a terminal)", n);
		if (!v->hinted_binary)
			msg_warn("-w '%%{body}': binary bodies are not written to the terminal: "
				 "use -O DIR, or redirect: > FILE");
		v->hinted_binary = true;
		return;
	}
	text(to, s, n, true, body);
}

void view_record(struct view *v, const struct result *res, struct buf *b, struct view_job *job)
{
	if (v->write_out) {
		v->errtext.len = 0;
		template_render_to(v->write_out, res, b, &v->errtext, v->tty ? tty_value : NULL,
				   v->err_tty ? tty_value : NULL, v);
		if (v->errtext.len) /* %{stderr}: now, not in the record's turn */
			msg_raw(v->errtext.data, v->errtext.len);
		return;
	}
	switch (v->cfg->format) {
	case FORMAT_NDJSON:
	case FORMAT_JSON:
		record_write(b, res);
		if (v->cfg->format == FORMAT_NDJSON)
			buf_addc(b, '\n');
		break;
	case FORMAT_TEXT: text_record(v, res, b, job); break;
	case FORMAT_BODY: body_record(v, res, b); break;
	}
}

bool view_is_json_array(const struct view *v)
{
	return v->cfg->format == FORMAT_JSON && !v->write_out;
}
