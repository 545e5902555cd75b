#include "source.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "json.h"
#include "json_string.h"
#include "utf8.h"
#include "xalloc.h"

/* How much of an overlong line an invalid_input record keeps. */
#define LONG_LINE_KEEP 1024
/* The read buffer holds at least one whole maximal line and its newline. */
#define READ_BUF (2 * SOURCE_LINE_MAX + 2)
/* The most one read() asks for. Lines are consumed from the front of the
 * buffer as they come, so reading in small steps keeps to its first pages:
 * the rest is touched (and resident) only for long lines. */
#define READ_STEP (16 * 1024)

void request_free(struct request *req)
{
	if (!req)
		return;
	free(req->line);
	free(req->error);
	free(req->url);
	free(req->method);
	for (size_t i = 0; i < req->nheaders; i++)
		free(req->headers[i]);
	free(req->headers);
	free(req->body);
	free(req->id);
	free(req->shown);
	free(req);
}

/* One allocation of n bytes, with malloc's header and rounding. */
static size_t alloc_bytes(size_t n)
{
	return (n + 8 + 15) / 16 * 16;
}

static size_t string_bytes(const char *s)
{
	return s ? alloc_bytes(strlen(s) + 1) : 0;
}

size_t request_bytes(const struct request *req)
{
	size_t n = alloc_bytes(sizeof *req) + alloc_bytes(req->line_len + 1) +
		   string_bytes(req->error) + string_bytes(req->url) + string_bytes(req->method) +
		   string_bytes(req->id) + string_bytes(req->shown);
	for (size_t i = 0; i < req->nheaders; i++)
		n += string_bytes(req->headers[i]);
	if (req->headers)
		n += alloc_bytes(req->nheaders * sizeof *req->headers);
	if (req->body)
		n += alloc_bytes(req->body_len + 1);
	return n;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

const char *source_trim(const char *line, size_t *n)
{
	size_t len = *n;
	while (len && is_space(*line)) {
		line++;
		len--;
	}
	while (len && is_space(line[len - 1]))
		len--;
	*n = len;
	return line;
}

bool source_is_request(const char *line, size_t n)
{
	return n > 0 && line[0] != '#';
}

static int invalid(struct request *req, const char *fmt, const char *arg)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, fmt, arg);
	free(req->error);
	req->error = b.data;
	return -1;
}

/* The URL as typed (see url_as_typed(): "host/x" is "http://host/x"),
 * checked; req->url is what is fetched and what records show. */
static int set_url(struct request *req, const char *url, size_t n)
{
	struct buf full = BUF_INIT, why = BUF_INIT;
	char key[URL_HOSTKEY_MAX];
	const char *short_why;
	int rc = -1;
	if (url_as_typed(url, n, &full, &why) != 0)
		rc = invalid(req, "%s", why.data);
	else if (url_host_key(full.data, full.len, key, &short_why) != 0)
		rc = invalid(req, "%s", short_why);
	else {
		/* One allocation of the exact size for both: a read-ahead of
		 * 4 x -j requests is resident all run long. (Cutting the URL's
		 * buffer down with realloc instead leaves the heap more
		 * fragmented: about 50 KB more RSS at -j 64.) */
		size_t klen = strlen(key);
		req->url = xmalloc(full.len + 1 + klen + 1);
		memcpy(req->url, full.data, full.len + 1);
		req->hostkey = req->url + full.len + 1;
		memcpy(req->hostkey, key, klen + 1);
		rc = 0;
	}
	buf_free(&full);
	buf_free(&why);
	return rc;
}

/* Decode a member value that must be a JSON string. */
static int member_string(const struct json_member *m, struct buf *out)
{
	return json_string_decode(m->val, m->val_len, out);
}

static int parse_headers(struct request *req, const struct json_member *hm)
{
	size_t pos = 0;
	struct json_member m;
	int rc;
	while ((rc = json_object_next(hm->val, hm->val_len, &pos, &m)) == 1) {
		struct buf line = BUF_INIT, val = BUF_INIT;
		const char *why;
		if (json_string_decode(m.key, m.key_len, &line) != 0 ||
		    !http_is_token(line.data, line.len) || member_string(&m, &val) != 0) {
			buf_free(&line);
			buf_free(&val);
			return invalid(req, "%s",
				       "headers must be {\"Name\": \"value\"} with valid names and "
				       "string values");
		}
		buf_adds(&line, ": ");
		buf_add(&line, val.data, val.len);
		buf_free(&val);
		if (http_check_header(line.data, line.len, &why) != 0) {
			buf_free(&line);
			return invalid(req, "bad header: %s", why);
		}
		const char *framing = http_framing_header(line.data, line.len, true);
		if (framing) {
			buf_free(&line);
			return invalid(req,
				       "header \"%s\" may not be set by a request spec (it frames "
				       "the message or the connection)",
				       framing);
		}
		req->headers = xrealloc(req->headers, (req->nheaders + 1) * sizeof *req->headers);
		req->headers[req->nheaders++] = line.data;
	}
	if (rc < 0)
		return invalid(req, "%s", "\"headers\" must be an object");
	return 0;
}

static int parse_method(struct request *req, const struct json_member *m)
{
	struct buf v = BUF_INIT;
	if (member_string(m, &v) != 0 || !http_is_method(v.data, v.len)) {
		buf_free(&v);
		return invalid(req, "%s", "\"method\" must be a method name");
	}
	req->method = v.data;
	return 0;
}

/* A request spec: {"url", "method", "headers", "body", "json", "id"}. */
static int parse_spec(const char *line, size_t n, struct request *req)
{
	size_t pos = 0;
	struct json_member m;
	int rc;
	bool have_url = false;
	if (json_reformat(line, n, NULL, -1) != 0)
		return invalid(req, "%s", "invalid JSON");
	static const char *const known[] = {"url", "method", "headers", "body", "json", "id"};
	unsigned seen = 0;
	while ((rc = json_object_next(line, n, &pos, &m)) == 1) {
		struct buf key = BUF_INIT, v = BUF_INIT;
		json_string_decode(m.key, m.key_len, &key);
		/* A key with an escaped NUL in it is no known field. */
		const char *k = !key.data                         ? ""
				: memchr(key.data, '\0', key.len) ? "\\u0000"
								  : key.data;
		for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++) {
			if (strcmp(k, known[i]) != 0)
				continue;
			if (seen & (1u << i)) {
				rc = invalid(req, "field \"%s\" given twice", k);
				buf_free(&key);
				return -1;
			}
			seen |= 1u << i;
		}
		if (strcmp(k, "url") == 0) {
			if (member_string(&m, &v) != 0)
				rc = invalid(req, "%s", "\"url\" must be a string");
			else if ((rc = set_url(req, v.data ? v.data : "", v.len)) == 0)
				have_url = true;
		} else if (strcmp(k, "method") == 0) {
			rc = parse_method(req, &m);
		} else if (strcmp(k, "headers") == 0) {
			rc = parse_headers(req, &m);
		} else if (strcmp(k, "body") == 0 || strcmp(k, "json") == 0) {
			bool json = k[0] == 'j';
			if (req->body) {
				rc = invalid(req, "%s",
					     "\"body\" and \"json\" cannot both be given");
			} else if (json) {
				json_reformat(m.val, m.val_len, &v, -1);
				req->body_is_json = true;
			} else if (member_string(&m, &v) != 0) {
				rc = invalid(req, "%s",
					     "\"body\" must be a string (use \"json\" for JSON)");
			}
			if (rc == 1) {
				buf_addc(&v, '\0'); /* an empty body stays non-NULL */
				req->body = v.data;
				req->body_len = v.len - 1;
				v.data = NULL;
			}
		} else if (strcmp(k, "id") == 0) {
			json_reformat(m.val, m.val_len, &v, -1);
			free(req->id);
			req->id = v.data;
			v.data = NULL;
		} else {
			rc = invalid(req,
				     "unknown field \"%s\" (known: url, method, headers, body, "
				     "json, id)",
				     k);
		}
		buf_free(&key);
		buf_free(&v);
		if (rc < 0)
			return -1;
	}
	if (rc < 0)
		return invalid(req, "%s", "a request spec must be a JSON object");
	if (!have_url)
		return invalid(req, "%s", "request spec without \"url\"");
	return 0;
}

/* The "url" member of a spec line, masked, as far as the line can be read
 * (a spec may be invalid after it, or before it in another member). */
static void spec_shown_url(const char *line, size_t n, struct buf *out)
{
	size_t pos = 0;
	struct json_member m;
	while (json_object_next(line, n, &pos, &m) == 1) {
		struct buf key = BUF_INIT, v = BUF_INIT;
		bool url = json_string_decode(m.key, m.key_len, &key) == 0 && key.data &&
			   strcmp(key.data, "url") == 0 && member_string(&m, &v) == 0;
		if (url && v.data && !memchr(v.data, '\0', v.len))
			url_mask_loose(out, v.data, v.len);
		buf_free(&key);
		buf_free(&v);
		if (url)
			return;
	}
}

/* What the record of an invalid line shows as its URL: never a password,
 * never a spec's headers or body (they may hold tokens). */
static void set_shown(struct request *req, const char *line, size_t n)
{
	struct buf b = BUF_INIT;
	/* A line with a NUL shows nothing: where its userinfo ends cannot be
	 * told once the NUL has cut it short. */
	if (line[0] == '{')
		spec_shown_url(line, n, &b);
	else if (!memchr(line, '\0', n))
		url_mask_loose(&b, line, n);
	buf_addc(&b, '\0');
	req->shown = b.data;
}

static int parse_line(const char *line, size_t n, struct request *req)
{
	if (memchr(line, '\0', n))
		return invalid(req, "%s", "NUL byte in line");
	if (n > SOURCE_LINE_MAX)
		return invalid(req, "%s", "line longer than 64 KiB");
	if (line[0] == '{')
		return parse_spec(line, n, req);
	return set_url(req, line, n);
}

int source_parse_line(const char *line, size_t n, struct request *req)
{
	/* An overlong line is kept only in part, as the reader does for lines
	 * too long for its buffer. */
	size_t keep = n > SOURCE_LINE_MAX ? LONG_LINE_KEEP : n;
	req->line = xstrndup(line, keep);
	req->line_len = keep;
	if (parse_line(line, n, req) == 0)
		return 0;
	set_shown(req, req->line, req->line_len);
	return -1;
}

/* The reader. */

struct source {
	char **args;
	size_t nargs, next_arg;

	int fd;
	bool regular; /* a regular file never blocks: skip poll() */
	const char *name;
	char *buf;         /* READ_BUF bytes */
	size_t start, end; /* unconsumed bytes are buf[start..end) */
	size_t scanned;    /* buf[start..scanned) holds no newline */
	bool eof;
	bool overlong; /* discarding the rest of a too-long line */
	/* White space after the text of the line being read filled the
	 * buffer and was dropped: the line is its first gap_at bytes, unless
	 * more text follows before its end, which makes it overlong. */
	bool ws_gap;
	size_t gap_at;
	bool bom_checked;   /* a byte-order mark at the start is skipped */
	size_t lines;       /* newlines consumed: the line number before this one */
	size_t yield_after; /* source_yield_after(); 0: never yield */
	char error[256];
	size_t count;
};

struct source *source_create_args(char **args, size_t n)
{
	struct source *src = xcalloc(1, sizeof *src);
	src->args = args;
	src->nargs = n;
	src->fd = -1;
	return src;
}

struct source *source_create_fd(int fd, const char *name)
{
	struct source *src = xcalloc(1, sizeof *src);
	struct stat st;
	src->fd = fd;
	src->name = name;
	src->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	src->buf = xmalloc(READ_BUF);
	return src;
}

void source_destroy(struct source *src)
{
	if (!src)
		return;
	if (src->fd > 0)
		close(src->fd);
	free(src->buf);
	free(src);
}

void source_yield_after(struct source *src, size_t bytes)
{
	src->yield_after = bytes;
}

int source_fd(const struct source *src)
{
	return src->fd;
}

bool source_is_regular(const struct source *src)
{
	return src->regular;
}

const char *source_error(const struct source *src)
{
	return src->error;
}

long long source_total(const struct source *src)
{
	if (src->fd < 0) {
		long long n = 0;
		for (size_t i = 0; i < src->nargs; i++) {
			size_t len = strlen(src->args[i]);
			const char *a = source_trim(src->args[i], &len);
			n += source_is_request(a, len);
		}
		return n;
	}
	if (!src->regular)
		return -1;
	off_t pos = lseek(src->fd, 0, SEEK_CUR);
	if (pos < 0)
		return -1;
	/* Count lines whose first non-blank byte is not '#'. */
	char chunk[65536];
	long long n = 0;
	bool at_start = true, counted = false;
	ssize_t got;
	if (pos == 0 && pread(src->fd, chunk, 3, 0) == 3 && memcmp(chunk, UTF8_BOM, 3) == 0)
		pos = 3;
	while ((got = pread(src->fd, chunk, sizeof chunk, pos)) > 0) {
		pos += got;
		for (ssize_t i = 0; i < got; i++) {
			char c = chunk[i];
			if (c == '\n') {
				at_start = true;
				counted = false;
			} else if (at_start && !is_space(c)) {
				at_start = false;
				if (c != '#' && !counted) {
					n++;
					counted = true;
				}
			}
		}
	}
	return got < 0 ? -1 : n;
}

size_t source_count(const struct source *src)
{
	return src->count;
}

/* Make a request from one raw line, or return NULL for skipped lines. */
static struct request *make_request(struct source *src, const char *raw, size_t n, size_t lineno)
{
	const char *line = source_trim(raw, &n);
	if (!source_is_request(line, n))
		return NULL;
	struct request *req = xcalloc(1, sizeof *req);
	req->index = src->count++;
	req->lineno = lineno;
	source_parse_line(line, n, req);
	return req;
}

/* One read() into the buffer; 1 data or EOF seen, 0 would block, -1 error. */
static int fill(struct source *src)
{
	if (src->start > 0) {
		memmove(src->buf, src->buf + src->start, src->end - src->start);
		src->end -= src->start;
		src->scanned -= src->start;
		src->start = 0;
	}
	if (!src->regular) {
		struct pollfd p = {.fd = src->fd, .events = POLLIN};
		int r = poll(&p, 1, 0);
		if (r == 0)
			return 0;
		if (r < 0)
			return errno == EINTR ? 0 : -1;
	}
	ssize_t got;
	do
		got = read(src->fd, src->buf + src->end,
			   READ_BUF - src->end < READ_STEP ? READ_BUF - src->end : READ_STEP);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		snprintf(src->error, sizeof src->error, "reading %s: %s", src->name,
			 strerror(errno));
		return -1;
	}
	if (got == 0)
		src->eof = true;
	src->end += (size_t)got;
	return 1;
}

/* An overlong line's invalid_input record, keeping the head of its text
 * text[0..n). */
static struct request *overlong_request(struct source *src, const char *text, size_t n,
					size_t lineno)
{
	struct request *req = xcalloc(1, sizeof *req);
	size_t keep = n < LONG_LINE_KEEP ? n : LONG_LINE_KEEP;
	req->index = src->count++;
	req->lineno = lineno;
	req->line = xstrndup(text, keep);
	req->line_len = keep;
	invalid(req, "%s", "line longer than 64 KiB");
	set_shown(req, req->line, keep);
	return req;
}

/* A line found overlong before its end: it becomes one invalid_input
 * record at once, keeping the head of its text, and the rest of it is
 * skipped as it arrives. The record cannot wait for the line's end: that
 * may never come (/dev/zero). */
static struct request *long_line(struct source *src, size_t text)
{
	src->overlong = true;
	src->ws_gap = false;
	return overlong_request(src, src->buf + src->start, text, src->lines + 1);
}

/* Whether s[0..n) holds a byte that is not white space. */
static bool has_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space(s[i]))
			return true;
	return false;
}

/* Skip a UTF-8 byte-order mark at the very start of the input. Returns
 * false while too few bytes have come to tell. */
static bool skip_bom(struct source *src)
{
	size_t have = src->end - src->start;
	size_t cmp = have < 3 ? have : 3;
	if (have < 3 && !src->eof && memcmp(src->buf + src->start, UTF8_BOM, cmp) == 0)
		return false;
	if (have >= 3 && memcmp(src->buf + src->start, UTF8_BOM, 3) == 0)
		src->start = src->scanned = src->start + 3;
	src->bom_checked = true;
	return true;
}

/* Read more, unless this call has read its share (source_yield_after()).
 * Returns true to go on, false with the status to return in *st. */
static bool read_more(struct source *src, size_t *read_here, enum source_status *st)
{
	if (src->yield_after && *read_here >= src->yield_after) {
		*st = SOURCE_BUSY;
		return false;
	}
	size_t before = src->end - src->start;
	int r = fill(src);
	if (r <= 0) {
		*st = r == 0 ? SOURCE_AGAIN : SOURCE_ERROR;
		return false;
	}
	*read_here += src->end - src->start - before;
	return true;
}

/* The next request from the buffer, if a whole one is there (or the
 * input ended): false to read more. *st is SOURCE_REQUEST or SOURCE_EOF
 * when it returns true. */
static bool next_in_buffer(struct source *src, struct request **out, enum source_status *st)
{
	*st = SOURCE_REQUEST;
	for (;;) {
		char *nl = memchr(src->buf + src->scanned, '\n', src->end - src->scanned);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (src->buf + src->start));
		const char *line = src->buf + src->start;
		src->start += len + 1;
		src->scanned = src->start;
		src->lines++;
		if (src->overlong) { /* the end of a line reported already */
			src->overlong = false;
			continue;
		}
		if (src->ws_gap) {
			/* Text after the white space that was dropped: the
			 * trimmed line holds all of it, more than the limit. */
			src->ws_gap = false;
			if (has_text(line + src->gap_at, len - src->gap_at)) {
				*out = overlong_request(src, line, src->gap_at, src->lines);
				return true;
			}
		}
		if ((*out = make_request(src, line, len, src->lines)))
			return true;
	}
	src->scanned = src->end;
	size_t have = src->end - src->start;
	if (src->eof) {
		src->start = src->scanned = src->end;
		const char *line = src->buf + src->end - have;
		bool gap_text = src->ws_gap && has_text(line + src->gap_at, have - src->gap_at);
		src->ws_gap = false;
		if (gap_text && !src->overlong) {
			*out = overlong_request(src, line, src->gap_at, src->lines + 1);
			return true;
		}
		if (!src->overlong && have &&
		    (*out = make_request(src, line, have, src->lines + 1)))
			return true;
		src->overlong = false;
		*st = SOURCE_EOF;
		return true;
	}
	if (src->ws_gap && !src->overlong &&
	    has_text(src->buf + src->start + src->gap_at, have - src->gap_at)) {
		*out = long_line(src, src->gap_at);
		src->start = src->scanned = src->end;
		return true;
	}
	/* No newline yet. Leading white space is trimmed anyway: drop it, so
	 * that it cannot make a line overlong. */
	if (!src->overlong && have > SOURCE_LINE_MAX) {
		while (src->start < src->end && is_space(src->buf[src->start]))
			src->start++;
		have = src->end - src->start;
	}
	/* The line is overlong when its text, the white space around it not
	 * counted, passes the limit. White space after the text that fills
	 * the buffer is dropped (ws_gap): the line is still its text if it
	 * ends there, and overlong if more text follows (text, white space
	 * and text again are more than the limit). Leading and trailing
	 * white space of any length count the same: not at all. The decision
	 * depends on the bytes only, never on how reads split them. */
	size_t text = have;
	while (text > 0 && is_space(src->buf[src->start + text - 1]))
		text--;
	if (!src->overlong && text > SOURCE_LINE_MAX) {
		*out = long_line(src, text);
	} else if (!src->overlong && have >= READ_BUF - 1) {
		src->ws_gap = true;
		src->gap_at = text;
		src->end = src->scanned = src->start + text;
	}
	if (src->overlong)
		src->start = src->scanned = src->end;
	return *out != NULL;
}

static enum source_status next_from_fd(struct source *src, struct request **out)
{
	size_t read_here = 0;
	enum source_status st;
	for (;;) {
		if ((src->bom_checked || skip_bom(src)) && next_in_buffer(src, out, &st))
			return st;
		if (!read_more(src, &read_here, &st))
			return st;
	}
}

enum source_status source_next(struct source *src, struct request **out)
{
	*out = NULL;
	if (src->fd >= 0)
		return next_from_fd(src, out);
	while (src->next_arg < src->nargs) {
		const char *a = src->args[src->next_arg++];
		if ((*out = make_request(src, a, strlen(a), src->next_arg)))
			return SOURCE_REQUEST;
	}
	return SOURCE_EOF;
}
