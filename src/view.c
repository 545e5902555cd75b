#include "view.h"

#include <errno.h>
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
	struct bodysink *bodies;    /* --format body's bodies, or NULL */
	size_t not_started;         /* text: requests a stop kept from starting */
};

size_t view_not_started(const struct view *v)
{
	return v->not_started;
}

void view_set_bodies(struct view *v, struct bodysink *bodies)
{
	v->bodies = bodies;
}

bool view_job_pending(const struct view_job *job)
{
	return job->doc || job->file;
}

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

/* The next piece of a body waiting in its file; false once all is read
 * (or the file failed: then a message says so, and the body is short). */
static bool file_step(struct view_job *job, struct buf *out, size_t chunk)
{
	size_t left = job->len - (size_t)job->file_off;
	size_t want = left < chunk ? left : chunk;
	ssize_t n;
	buf_reserve(out, want);
	do
		n = want ? pread(job->file - 1, out->data + out->len, want, (off_t)job->file_off)
			 : 0;
	while (n < 0 && errno == EINTR);
	if (n <= 0 && want) {
		msg_warn("reading a body back from its temporary file: %s",
			 n < 0 ? strerror(errno) : "the file is shorter than the body");
		return false;
	}
	out->len += (size_t)n;
	out->data[out->len] = '\0';
	job->file_off += (unsigned long long)n;
	return job->file_off < job->len;
}

bool view_job_step(struct view_job *job, struct buf *out, size_t chunk)
{
	if (job->file)
		return file_step(job, out, chunk);
	return json_pretty_step(&job->pretty, out, chunk);
}

void view_job_move(struct view_job *to, struct view_job *from)
{
	*to = *from;
	memset(from, 0, sizeof *from);
}

void view_job_free(struct view_job *job)
{
	free(job->doc);
	if (job->file)
		close(job->file - 1);
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
	/* Where a redirected request ended. */
	if (res->redirects > 0 && res->effective_url && strcmp(res->effective_url, res->url) != 0) {
		buf_adds(b, " -> ");
		line(b, res->effective_url, v->tty);
	}
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

/* --format body: the bodies of ok responses (all with --all-bodies), each
 * exactly the bytes received, nothing added - as curl writes them. A body
 * from the bodysink is taken whole: its bytes, or its file as a job that
 * the queue copies out a piece at a time. Each failure gets one line on
 * stderr, as curl's. On a terminal (bodies then come in memory), control
 * characters are escaped, a binary body is refused and a text body ends
 * with a newline. */
static void body_record(const struct view *v, const struct result *res, struct buf *b,
			struct view_job *job)
{
	struct buf mem = BUF_INIT;
	int fd = -1;
	unsigned long long len = 0;
	/* Taken whatever happens next: a body not written is dropped now. */
	bool taken = v->bodies && bodysink_take(v->bodies, &mem, &fd, &len);
	if (res->error) {
		msg_warn("ERR %s  %s: %s", res->url, result_kind_name(res->error),
			 res->error_message);
		goto out;
	}
	if (!res->ok) {
		msg_warn("%ld %s", res->status, res->url);
		if (!v->cfg->all_bodies)
			goto out;
	}
	if (taken && fd >= 0) {
		job->file = fd + 1;
		job->file_off = 0;
		job->len = (size_t)len;
		job->at = b->len;
		fd = -1;
	} else if (taken) {
		buf_add(b, mem.data ? mem.data : "", mem.len);
	} else if (res->body && !refuse_binary(v, res)) {
		text(b, res->body, res->body_len, v->tty, true);
		if (v->tty && res->body_len && res->body[res->body_len - 1] != '\n')
			buf_addc(b, '\n');
	}
out:
	buf_free(&mem);
	if (fd >= 0)
		close(fd);
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
		/* As curl -S: a failure's reason on stderr (-s hides it). */
		if (res->error)
			msg_warn("ERR %s  %s: %s", res->url, result_kind_name(res->error),
				 res->error_message);
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
	case FORMAT_AUTO: /* main chose before */
	case FORMAT_TEXT:
		/* After a stop, the requests that never started are counted
		 * for one line at the end, not listed one by one. */
		if (res->error == ERR_ABORTED && res->attempts == 0)
			v->not_started++;
		else
			text_record(v, res, b, job);
		break;
	case FORMAT_BODY: body_record(v, res, b, job); break;
	}
}

bool view_is_json_array(const struct view *v)
{
	return v->cfg->format == FORMAT_JSON && !v->write_out;
}
