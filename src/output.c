#include "output.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "json_pretty.h"
#include "msg.h"
#include "record.h"
#include "template.h"
#include "termesc.h"
#include "utf8.h"
#include "wake.h"
#include "xalloc.h"

/* Records are written when this many bytes wait, and whenever the loop is
 * about to sleep. */
#define FLUSH_AT (64 * 1024)
/* Pretty JSON is laid out this much at a time, as the reader takes it. */
#define PRETTY_CHUNK (64 * 1024)
/* A pretty JSON body larger than this is laid out piece by piece in the
 * queue; smaller ones (at most JSON_PRETTY_DEPTH times larger when laid
 * out) go into the record at once. */
#define PRETTY_INLINE 4096
/* A buffer grown larger than this for one large record is freed once
 * written, so that its memory goes back to the system. */
#define KEEP_CAP (1024 * 1024)

/* A pretty-printed JSON body to lay out in the queue: its minified text,
 * and where in the record's bytes it goes. */
struct job {
	char *doc; /* NUL-terminated, owned; NULL: no job */
	int fd;    /* or: --format body's body in an unlinked file (bodysink),
		      len bytes from foff, owned; -1: none */
	unsigned long long foff;
	size_t len;
	size_t at; /* offset in the record's bytes */
};

#define JOB_NONE                                                                                   \
	{                                                                                          \
		NULL, -1, 0, 0, 0                                                                  \
	}

/* How much of a body in a file is read at a time. */
#define FILE_CHUNK (64 * 1024)

static bool has_job(const struct job *j)
{
	return j->doc || j->fd >= 0;
}

static void job_free(struct job *j)
{
	free(j->doc);
	if (j->fd >= 0)
		close(j->fd);
	*j = (struct job)JOB_NONE;
}

/* A piece of the queue: bytes to write (from off), or a pretty job whose
 * layout is made into bytes a chunk at a time. */
struct seg {
	struct seg *next;
	struct buf bytes;
	size_t off;
	unsigned long long id; /* marks name their segment by this */
	struct job job;
	struct json_pretty pretty;
	bool more; /* the job has more to lay out */
};

/* The end of a tagged record in the queue. */
struct mark {
	unsigned long long seg; /* the segment its last byte is in */
	size_t end;             /* the offset after its last byte there */
	void *tag;
};

/* One record held back by --order input. */
struct held {
	bool present;
	struct buf bytes;
	struct job job;
	size_t size; /* what it counts towards held_bytes */
	void *tag;
};

struct output {
	const struct config *cfg;
	int fd;
	bool tty;
	bool color;
	bool blocked; /* the last write was refused: wait for writability */
	struct template *write_out;
	/* The queue: head is written first; tail takes new bytes. */
	struct seg *head, *tail;
	unsigned long long next_id;
	size_t queued; /* bytes waiting: unwritten bytes and job text */
	size_t queue_max;
	size_t written; /* records emitted, for json's separators */
	/* --save-unfinished */
	void (*fate)(void *tag, bool written, void *ctx);
	void *fate_ctx;
	struct mark *marks; /* a ring */
	size_t nmarks, capmarks, firstmark;
	/* --order input */
	struct held *window;
	size_t nwindow;
	size_t next; /* the next index to emit */
	size_t held_bytes, held_max;
	struct buf scratch;      /* a record being built for the window */
	struct buf errtext;      /* -w: a record's %{stderr} part */
	struct bodysink *bodies; /* --format body's bodies, or NULL */
	bool hinted_binary;      /* -w: the binary-body hint was given */
};

static struct seg *seg_new(struct output *out)
{
	struct seg *s = xcalloc(1, sizeof *s);
	s->job = (struct job)JOB_NONE;
	s->id = out->next_id++;
	if (out->tail)
		out->tail->next = s;
	else
		out->head = s;
	out->tail = s;
	return s;
}

static void seg_free(struct seg *s)
{
	buf_free(&s->bytes);
	job_free(&s->job);
	free(s);
}

/* The segment new bytes go to. A tail the reader has started on (or a
 * large one) is not grown further: a new segment follows it, so that
 * written bytes are freed with their segment instead of staying at the
 * front of a buffer that only grows while a slow reader drains it. */
static struct buf *tail_bytes(struct output *out)
{
	struct seg *t = out->tail;
	if (!t || has_job(&t->job) || t->off > 0 || t->bytes.len >= KEEP_CAP)
		seg_new(out);
	return &out->tail->bytes;
}

struct output *output_create(const struct config *cfg, int fd, bool tty,
			     const struct bounds *bounds, char *err, size_t errlen)
{
	struct output *out = xcalloc(1, sizeof *out);
	out->cfg = cfg;
	out->fd = fd;
	out->tty = tty;
	out->queue_max = bounds->queue_bytes;
	out->held_max = bounds->window_bytes;
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
		out->nwindow = bounds->window ? bounds->window : 1;
		out->window = xcalloc(out->nwindow, sizeof *out->window);
		for (size_t i = 0; i < out->nwindow; i++)
			out->window[i].job = (struct job)JOB_NONE;
	}
	seg_new(out);
	return out;
}

static void fate(struct output *out, void *tag, bool written)
{
	if (tag && out->fate)
		out->fate(tag, written, out->fate_ctx);
}

void output_destroy(struct output *out)
{
	if (!out)
		return;
	while (out->nmarks) {
		fate(out, out->marks[out->firstmark].tag, false);
		out->firstmark = (out->firstmark + 1) % out->capmarks;
		out->nmarks--;
	}
	for (size_t i = 0; i < out->nwindow; i++) {
		if (out->window[i].present)
			fate(out, out->window[i].tag, false);
		buf_free(&out->window[i].bytes);
		job_free(&out->window[i].job);
	}
	free(out->window);
	free(out->marks);
	while (out->head) {
		struct seg *s = out->head;
		out->head = s->next;
		seg_free(s);
	}
	template_destroy(out->write_out);
	buf_free(&out->scratch);
	buf_free(&out->errtext);
	free(out);
}

void output_set_bodies(struct output *out, struct bodysink *bodies)
{
	out->bodies = bodies;
}

void output_on_fate(struct output *out, void (*fn)(void *tag, bool written, void *ctx), void *ctx)
{
	out->fate = fn;
	out->fate_ctx = ctx;
}

/* Remember where a tagged record ends: the tail's bytes, as they are now. */
static void add_mark(struct output *out, void *tag)
{
	if (!tag || !out->fate)
		return;
	if (out->nmarks == out->capmarks) {
		size_t cap = out->capmarks ? 2 * out->capmarks : 64;
		struct mark *m = xmalloc(cap * sizeof *m);
		for (size_t i = 0; i < out->nmarks; i++)
			m[i] = out->marks[(out->firstmark + i) % out->capmarks];
		free(out->marks);
		out->marks = m;
		out->capmarks = cap;
		out->firstmark = 0;
	}
	struct mark *m = &out->marks[(out->firstmark + out->nmarks++) % out->capmarks];
	m->seg = out->tail->id;
	m->end = out->tail->bytes.len;
	m->tag = tag;
}

/* Tell the fate of every record the head segment has written whole. */
static void settle_marks(struct output *out)
{
	while (out->nmarks) {
		struct mark *m = &out->marks[out->firstmark];
		if (out->head && (m->seg > out->head->id ||
				  (m->seg == out->head->id && m->end > out->head->off)))
			return;
		fate(out, m->tag, true);
		out->firstmark = (out->firstmark + 1) % out->capmarks;
		out->nmarks--;
	}
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

/* The text view's JSON body, pretty-printed: laid out at once when small,
 * else left to the queue as a job (its minified text) at this point of
 * the record. Returns false when the body is not JSON. */
static bool pretty_json(struct output *out, const struct result *res, struct buf *b,
			struct job *job)
{
	struct buf min = BUF_INIT;
	if (json_reformat(res->body, res->body_len, &min, -1) != 0) {
		buf_free(&min);
		return false;
	}
	if (min.len <= PRETTY_INLINE) {
		struct json_pretty p;
		json_pretty_init(&p, min.data, min.len, out->tty);
		json_pretty_step(&p, b, SIZE_MAX / 2);
		buf_free(&min);
		return true;
	}
	job->doc = min.data;
	job->len = min.len;
	job->at = b->len;
	return true;
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

static void text_record(struct output *out, struct buf *b, const struct result *res,
			struct job *job)
{
	const char *on = out->color ? status_color(res) : "";
	const char *off = out->color ? "\033[0m" : "";
	if (res->error) {
		buf_printf(b, "%sERR%s ", on, off);
		line(b, res->url, out->tty);
		buf_printf(b, "  %s: ", result_kind_name(res->error));
		line(b, res->error_message, out->tty);
		buf_addc(b, '\n');
		return;
	}
	buf_printf(b, "%s%ld%s ", on, res->status, off);
	line(b, res->url, out->tty);
	buf_printf(b, "  %.3fs  ", res->time.total);
	human_size(b, res->size);
	if (res->file) {
		buf_adds(b, "  -> ");
		line(b, res->file, out->tty);
	}
	buf_addc(b, '\n');
	if (res->headers && res->headers_in_record) {
		const char *end = res->headers + res->headers_len;
		for (const char *n = res->headers; n < end; n = result_header_next(n)) {
			line(b, n, out->tty);
			buf_adds(b, ": ");
			line(b, result_header_value(n), out->tty);
			buf_addc(b, '\n');
		}
		/* A blank line ends the headers, as in HTTP: before the body, or
		 * before the next record when there is none. */
		buf_addc(b, '\n');
	}
	if (!res->body || res->body_len == 0)
		return;
	if (pretty_json(out, res, b, job)) {
		buf_addc(b, '\n');
	} else if (out->tty && !utf8_valid(res->body, res->body_len)) {
		buf_printf(b, "(binary body, %zu bytes, not shown on a terminal)\n", res->body_len);
	} else {
		text(b, res->body, res->body_len, out->tty, true);
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

/* --format body: the bodies of ok responses (all with --all-bodies), each
 * exactly the bytes received, nothing added - as curl writes them. A body
 * from the bodysink is taken whole: its bytes, or its file as a job that
 * the queue copies out a chunk at a time. Each failure gets one line on
 * stderr, as curl's. On a terminal (bodies then come in memory), control
 * characters are escaped, a binary body is refused and a text body ends
 * with a newline. */
static void body_record(struct output *out, struct buf *b, const struct result *res,
			struct job *job)
{
	struct buf mem = BUF_INIT;
	int fd = -1;
	unsigned long long len = 0;
	/* Taken whatever happens next: a body not written is dropped now. */
	bool taken = out->bodies && bodysink_take(out->bodies, &mem, &fd, &len);
	if (res->error) {
		msg_warn("ERR %s  %s: %s", res->url, result_kind_name(res->error),
			 res->error_message);
		goto out;
	}
	if (!res->ok) {
		msg_warn("%ld %s", res->status, res->url);
		if (!out->cfg->all_bodies)
			goto out;
	}
	if (taken && fd >= 0) {
		job->fd = fd;
		job->len = (size_t)len;
		job->at = b->len;
		fd = -1;
	} else if (taken) {
		buf_add(b, mem.data ? mem.data : "", mem.len);
	} else if (res->body && !refuse_binary(out, res)) {
		text(b, res->body, res->body_len, out->tty, true);
		if (out->tty && res->body_len && res->body[res->body_len - 1] != '\n')
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
	struct output *out = ctx;
	if (body && !utf8_valid(s, n)) {
		buf_printf(to, "(binary body, %zu bytes, not shown on a terminal)", n);
		if (!out->hinted_binary)
			msg_warn("-w '%%{body}': binary bodies are not written to the terminal: "
				 "use -O DIR, or redirect: > FILE");
		out->hinted_binary = true;
		return;
	}
	text(to, s, n, true, body);
}

/* Build the record for res into b; a pretty job goes to job. */
static void format(struct output *out, const struct result *res, struct buf *b, struct job *job)
{
	if (out->write_out) {
		/* As curl -S: a failure's reason on stderr (-s hides it). */
		if (res->error)
			msg_warn("ERR %s  %s: %s", res->url, result_kind_name(res->error),
				 res->error_message);
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
	case FORMAT_AUTO: /* main chose before */
	case FORMAT_TEXT: text_record(out, b, res, job); break;
	case FORMAT_BODY: body_record(out, b, res, job); break;
	}
}

/* json's array punctuation before a record, which depends on the
 * emission order. */
static void separate(struct output *out, struct buf *b)
{
	if (out->cfg->format == FORMAT_JSON && !out->write_out)
		buf_adds(b, out->written ? ",\n" : "[\n");
}

/* Put the job into the queue after the tail, and a new tail after it for
 * the record's rest, bytes[at..len) of the old tail. */
static void queue_job(struct output *out, struct job *job)
{
	struct seg *before = out->tail;
	struct seg *js = seg_new(out);
	js->job = *job;
	js->more = true;
	if (job->doc)
		json_pretty_init(&js->pretty, job->doc, job->len, out->tty);
	out->queued += job->len;
	struct buf *rest = tail_bytes(out);
	buf_add(rest, before->bytes.data + job->at, before->bytes.len - job->at);
	before->bytes.len = job->at;
	if (before->bytes.data)
		before->bytes.data[job->at] = '\0';
	job->doc = NULL;
	job->fd = -1;
}

/* Count a record that has just gone into the queue (added bytes, and its
 * job after them, if any) and flush when enough waits. */
static int enqueued(struct output *out, size_t added, struct job *job, void *tag)
{
	out->queued += added;
	if (has_job(job))
		queue_job(out, job);
	add_mark(out, tag);
	out->written++;
	if (out->queued >= FLUSH_AT)
		return output_flush(out);
	return 0;
}

/* Move one finished record (bytes, perhaps with a job) to the queue. A
 * large record's buffer becomes a segment of its own, not a copy. */
static int emit(struct output *out, struct buf *bytes, struct job *job, void *tag)
{
	struct buf *b = tail_bytes(out);
	size_t start = b->len;
	separate(out, b);
	size_t sep = b->len - start;
	if (bytes->len > FLUSH_AT && !has_job(job)) {
		out->queued += sep;
		struct seg *s = seg_new(out);
		s->bytes = *bytes;
		*bytes = (struct buf)BUF_INIT;
		out->queued += s->bytes.len;
		add_mark(out, tag);
		out->written++;
		return output_flush(out);
	}
	buf_add(b, bytes->data ? bytes->data : "", bytes->len);
	if (has_job(job))
		job->at += start + sep;
	return enqueued(out, b->len - start, job, tag);
}

static void held_free(struct output *out, struct held *h)
{
	out->held_bytes -= h->size;
	h->size = 0;
	h->present = false;
	h->bytes.len = 0;
	if (h->bytes.cap > KEEP_CAP)
		buf_free(&h->bytes);
	job_free(&h->job);
	h->tag = NULL;
}

/* Emit every held record that is next in input order. */
static int release(struct output *out)
{
	for (;;) {
		struct held *h = &out->window[out->next % out->nwindow];
		if (!h->present)
			return 0;
		out->next++;
		int rc = 0;
		if (h->bytes.len || has_job(&h->job))
			rc = emit(out, &h->bytes, &h->job, h->tag);
		else
			fate(out, h->tag, true); /* nothing to write: done */
		held_free(out, h);
		if (rc != 0)
			return -1;
	}
}

/* Hold the record for index (bytes may be empty: a skipped index). The
 * bytes move into the window: *bytes gets the slot's old, empty buffer. */
static int hold(struct output *out, size_t index, struct buf *bytes, struct job *job, void *tag)
{
	struct held *h = &out->window[index % out->nwindow];
	struct buf spare = h->bytes;
	h->present = true;
	h->bytes = *bytes;
	spare.len = 0;
	*bytes = spare;
	h->job = *job;
	job->doc = NULL;
	job->fd = -1;
	h->tag = tag;
	h->size = h->bytes.len + h->job.len;
	out->held_bytes += h->size;
	return release(out);
}

int output_record(struct output *out, const struct result *res, void *tag)
{
	struct job job = JOB_NONE;
	if (out->window) {
		out->scratch.len = 0;
		format(out, res, &out->scratch, &job);
		return hold(out, res->index, &out->scratch, &job, tag);
	}
	/* In completion order the record is built straight in the queue's
	 * tail (a body is copied once less); it is written only whole. */
	struct buf *b = tail_bytes(out);
	size_t mark = b->len;
	separate(out, b);
	size_t at = b->len;
	format(out, res, b, &job);
	if (b->len == at && !has_job(&job)) { /* nothing to write for this one */
		b->len = mark;
		if (b->data)
			b->data[mark] = '\0';
		fate(out, tag, true);
		return 0;
	}
	return enqueued(out, b->len - mark, &job, tag);
}

int output_skip(struct output *out, size_t index)
{
	if (!out->window)
		return 0;
	struct job none = JOB_NONE;
	out->scratch.len = 0;
	return hold(out, index, &out->scratch, &none, NULL);
}

/* The head segment is written: drop it, or empty it when it is the tail. */
static void pop_head(struct output *out)
{
	struct seg *s = out->head;
	if (s == out->tail) {
		/* Marks name the old id, now all written; new bytes get a new
		 * one. */
		s->bytes.len = 0;
		s->off = 0;
		s->id = out->next_id++;
		if (s->bytes.cap > KEEP_CAP)
			buf_free(&s->bytes);
		return;
	}
	out->head = s->next;
	seg_free(s);
}

int output_flush(struct output *out)
{
	out->blocked = false;
	while (out->head) {
		struct seg *s = out->head;
		if (s->off == s->bytes.len && s->job.fd >= 0 && s->more) {
			/* The next piece of a body waiting in its file. */
			size_t want = s->job.len < FILE_CHUNK ? s->job.len : FILE_CHUNK;
			s->bytes.len = s->off = 0;
			buf_reserve(&s->bytes, want);
			ssize_t n = want ? pread(s->job.fd, s->bytes.data, want, (off_t)s->job.foff)
					 : 0;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 && want) { /* the file failed or shrank */
				if (n == 0)
					errno = EIO;
				return -1;
			}
			s->bytes.len = (size_t)n;
			s->job.foff += (unsigned long long)n;
			s->job.len -= (size_t)n;
			if (!s->job.len) {
				job_free(&s->job);
				s->more = false;
			}
			continue;
		}
		if (s->off == s->bytes.len && s->job.doc && s->more) {
			/* The job's next piece. */
			s->bytes.len = s->off = 0;
			s->more = json_pretty_step(&s->pretty, &s->bytes, PRETTY_CHUNK);
			out->queued += s->bytes.len;
			if (!s->more) {
				out->queued -= s->job.len;
				free(s->job.doc);
				s->job.doc = NULL;
				s->job.len = 0;
			}
			continue;
		}
		if (s->off < s->bytes.len) {
			ssize_t n = write(out->fd, s->bytes.data + s->off, s->bytes.len - s->off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				out->blocked = true;
				return 0;
			}
			if (n < 0)
				return -1;
			s->off += (size_t)n;
			out->queued -= (size_t)n;
			settle_marks(out);
			continue;
		}
		if (s == out->tail && !s->job.doc && !s->more) {
			pop_head(out);
			settle_marks(out);
			return 0;
		}
		pop_head(out);
		settle_marks(out);
	}
	return 0;
}

bool output_pending(const struct output *out)
{
	return out->queued > 0;
}

bool output_full(const struct output *out)
{
	return out->queued > out->queue_max || out->held_bytes > out->held_max;
}

int output_wait_fd(const struct output *out)
{
	return out->blocked && out->queued ? out->fd : -1;
}

int output_finish(struct output *out, int wake_fd, bool (*give_up)(void *ctx), void *ctx)
{
	if (out->cfg->format == FORMAT_JSON && !out->write_out) {
		struct buf *b = tail_bytes(out);
		size_t start = b->len;
		buf_adds(b, out->written ? "\n]\n" : "[]\n");
		out->queued += b->len - start;
	}
	for (;;) {
		if (output_flush(out) != 0)
			return -1;
		if (!out->queued)
			return 0;
		if (give_up && give_up(ctx)) {
			errno = ECANCELED;
			return -1;
		}
		if (wake_poll(out->fd, POLLOUT, wake_fd, -1) != 0)
			return -1;
	}
}

size_t output_next_index(const struct output *out)
{
	return out->next;
}
