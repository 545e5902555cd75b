#include "output.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "view.h"
#include "wake.h"
#include "xalloc.h"

/* Records are written when this many bytes wait, and whenever the loop is
 * about to sleep. */
#define FLUSH_AT (64 * 1024)
/* A view's job (a large pretty JSON body) is laid out this much at a
 * time, as the reader takes it. */
#define JOB_CHUNK (64 * 1024)
/* A buffer grown larger than this for one large record is freed once
 * written, so that its memory goes back to the system. */
#define KEEP_CAP (1024 * 1024)

/* A piece of the queue: bytes to write (from off), or a view's job whose
 * layout is made into bytes a chunk at a time. */
struct seg {
	struct seg *next;
	struct buf bytes;
	size_t off;
	unsigned long long id; /* marks name their segment by this */
	struct view_job job;
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
	struct view_job job;
	size_t size; /* what it counts towards held_bytes */
	void *tag;
};

struct output {
	int fd;
	bool blocked; /* the last write was refused: wait for writability */
	struct view *view;
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
	struct buf scratch; /* a record being built for the window */
};

static struct seg *seg_new(struct output *out)
{
	struct seg *s = xcalloc(1, sizeof *s);
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
	view_job_free(&s->job);
	free(s);
}

/* The segment new bytes go to. A tail the reader has started on (or a
 * large one) is not grown further: a new segment follows it, so that
 * written bytes are freed with their segment instead of staying at the
 * front of a buffer that only grows while a slow reader drains it. */
static struct buf *tail_bytes(struct output *out)
{
	struct seg *t = out->tail;
	if (!t || view_job_pending(&t->job) || t->off > 0 || t->bytes.len >= KEEP_CAP)
		seg_new(out);
	return &out->tail->bytes;
}

struct output *output_create(const struct config *cfg, int fd, bool tty,
			     const struct bounds *bounds, char *err, size_t errlen)
{
	struct output *out = xcalloc(1, sizeof *out);
	out->fd = fd;
	out->queue_max = bounds->queue_bytes;
	out->held_max = bounds->window_bytes;
	if (!(out->view = view_create(cfg, tty, err, errlen))) {
		free(out);
		return NULL;
	}
	if (cfg->order == ORDER_INPUT) {
		out->nwindow = bounds->window ? bounds->window : 1;
		out->window = xcalloc(out->nwindow, sizeof *out->window);
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
		view_job_free(&out->window[i].job);
	}
	free(out->window);
	free(out->marks);
	while (out->head) {
		struct seg *s = out->head;
		out->head = s->next;
		seg_free(s);
	}
	view_destroy(out->view);
	buf_free(&out->scratch);
	free(out);
}

struct view *output_view(struct output *out)
{
	return out->view;
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

/* json's array punctuation before a record, which depends on the
 * emission order. */
static void separate(struct output *out, struct buf *b)
{
	if (view_is_json_array(out->view))
		buf_adds(b, out->written ? ",\n" : "[\n");
}

/* Put the job into the queue after the tail, and a new tail after it for
 * the record's rest, bytes[at..len) of the old tail. */
static void queue_job(struct output *out, struct view_job *job)
{
	struct seg *before = out->tail;
	struct seg *js = seg_new(out);
	out->queued += job->len;
	view_job_move(&js->job, job);
	struct buf *rest = tail_bytes(out);
	buf_add(rest, before->bytes.data + js->job.at, before->bytes.len - js->job.at);
	before->bytes.len = js->job.at;
	if (before->bytes.data)
		before->bytes.data[js->job.at] = '\0';
}

/* Count a record that has just gone into the queue (added bytes, and its
 * job after them, if any) and flush when enough waits. */
static int enqueued(struct output *out, size_t added, struct view_job *job, void *tag)
{
	out->queued += added;
	if (view_job_pending(job))
		queue_job(out, job);
	add_mark(out, tag);
	out->written++;
	if (out->queued >= FLUSH_AT)
		return output_flush(out);
	return 0;
}

/* Move one finished record (bytes, perhaps with a job) to the queue. A
 * large record's buffer becomes a segment of its own, not a copy. */
static int emit(struct output *out, struct buf *bytes, struct view_job *job, void *tag)
{
	struct buf *b = tail_bytes(out);
	size_t start = b->len;
	separate(out, b);
	size_t sep = b->len - start;
	if (bytes->len > FLUSH_AT && !view_job_pending(job)) {
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
	if (view_job_pending(job))
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
	view_job_free(&h->job);
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
		if (h->bytes.len || view_job_pending(&h->job))
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
static int hold(struct output *out, size_t index, struct buf *bytes, struct view_job *job,
		void *tag)
{
	struct held *h = &out->window[index % out->nwindow];
	struct buf spare = h->bytes;
	h->present = true;
	h->bytes = *bytes;
	spare.len = 0;
	*bytes = spare;
	view_job_move(&h->job, job);
	h->tag = tag;
	h->size = h->bytes.len + h->job.len;
	out->held_bytes += h->size;
	return release(out);
}

int output_record(struct output *out, const struct result *res, void *tag)
{
	struct view_job job = {.doc = NULL};
	if (out->window) {
		out->scratch.len = 0;
		view_record(out->view, res, &out->scratch, &job);
		return hold(out, res->index, &out->scratch, &job, tag);
	}
	/* In completion order the record is built straight in the queue's
	 * tail (a body is copied once less); it is written only whole. */
	struct buf *b = tail_bytes(out);
	size_t mark = b->len;
	separate(out, b);
	size_t at = b->len;
	view_record(out->view, res, b, &job);
	if (b->len == at && !view_job_pending(&job)) { /* nothing to write for this one */
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
	struct view_job none = {.doc = NULL};
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
		if (s->off == s->bytes.len && view_job_pending(&s->job)) {
			/* The job's next piece. */
			s->bytes.len = s->off = 0;
			bool more = view_job_step(&s->job, &s->bytes, JOB_CHUNK);
			out->queued += s->bytes.len;
			if (!more) {
				out->queued -= s->job.len;
				view_job_free(&s->job);
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
		if (s == out->tail && !view_job_pending(&s->job)) {
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
	if (view_is_json_array(out->view)) {
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
