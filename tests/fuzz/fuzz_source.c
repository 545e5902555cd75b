/* fuzz_source: request lines and the line reader, under libFuzzer.
 *
 * The input is used as one line, trimmed as the reader trims, and given
 * to source_parse_line() directly; then line by line:
 *   - as the contents of a regular file (a memfd) read by source_next();
 *   - as the same bytes trickled through a pipe in small chunks, so that
 *     source_next() returns SOURCE_AGAIN between them;
 *   - as command-line arguments, one per line (when there is no NUL);
 *   - each line parsed on its own;
 * and all four must give the same requests. Every request is checked
 * against the invariants source.h promises; url_mask() and
 * url_mask_text() are checked on the way. */
#define _GNU_SOURCE /* memfd_create */

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "json.h"
#include "source.h"
#include "xalloc.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether s[0..n) holds no byte a URL may not carry (url_host_key()
 * rejects white space and control characters). */
static bool url_bytes_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* What source.h promises about any request, valid or not. */
static void check_request(const struct request *req)
{
	CHECK(req->line != NULL);
	CHECK(req->line[req->line_len] == '\0');
	if (req->error) {
		CHECK(req->error[0] != '\0');
		/* What the record shows: masked already (masking it again
		 * changes nothing), never a spec's headers. */
		CHECK(req->shown != NULL);
		struct buf again = BUF_INIT;
		url_mask_loose(&again, req->shown, strlen(req->shown));
		CHECK(fuzz_buf_is(&again, req->shown, strlen(req->shown)));
		buf_free(&again);
		return;
	}
	CHECK(req->shown == NULL);
	CHECK(req->line_len <= SOURCE_LINE_MAX);
	CHECK(req->url != NULL && req->url[0] != '\0');
	CHECK(url_bytes_ok(req->url, strlen(req->url)));
	CHECK(req->hostkey != NULL && strlen(req->hostkey) < URL_HOSTKEY_MAX);
	CHECK(req->hostkey[0] != '\0');
	/* "host:port", the port in 1..65535. */
	const char *colon = strrchr(req->hostkey, ':');
	CHECK(colon != NULL && colon != req->hostkey);
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	CHECK(errno == 0 && *end == '\0' && end != colon + 1);
	CHECK(port >= 1 && port <= 65535);
	if (req->method) {
		CHECK(req->method[0] != '\0');
		CHECK(strpbrk(req->method, " \t\r\n:") == NULL);
	}
	CHECK((req->nheaders == 0) == (req->headers == NULL));
	for (size_t i = 0; i < req->nheaders; i++) {
		CHECK(req->headers[i] != NULL);
		const char *sep = strstr(req->headers[i], ": ");
		CHECK(sep != NULL && sep != req->headers[i]);
		CHECK(strpbrk(req->headers[i], "\r\n") == NULL);
	}
	if (req->body)
		CHECK(req->body[req->body_len] == '\0');
	if (req->body_is_json) {
		CHECK(req->body != NULL);
		CHECK(json_reformat(req->body, req->body_len, NULL, -1) == 0);
	}
	if (req->id) {
		/* Valid JSON, and already minified. */
		size_t n = strlen(req->id);
		struct buf min = BUF_INIT;
		CHECK(json_reformat(req->id, n, &min, -1) == 0);
		CHECK(min.len == n && memcmp(min.data, req->id, n) == 0);
		buf_free(&min);
	}
	if (req->line[0] == '{') {
		CHECK(json_reformat(req->line, req->line_len, NULL, -1) == 0);
	} else {
		/* A plain URL line is the URL itself, or, typed without a
		 * scheme, the URL with "http://" in front (url_as_typed()). */
		size_t pre = strlen(req->url) - req->line_len;
		CHECK(pre == 0 || (pre == 7 && memcmp(req->url, "http://", 7) == 0));
		CHECK(memcmp(req->url + pre, req->line, req->line_len) == 0);
		CHECK(!req->method && !req->headers && !req->body && !req->id);
	}
}

static void check_same(const struct request *a, const struct request *b)
{
	CHECK(a->index == b->index);
	CHECK(a->lineno == b->lineno);
	CHECK(same_str(a->shown, b->shown));
	CHECK(a->line_len == b->line_len);
	CHECK(memcmp(a->line, b->line, a->line_len) == 0);
	CHECK(same_str(a->error, b->error));
	CHECK(same_str(a->url, b->url));
	if (!a->error)
		CHECK(strcmp(a->hostkey, b->hostkey) == 0);
	CHECK(same_str(a->method, b->method));
	CHECK(a->nheaders == b->nheaders);
	for (size_t i = 0; i < a->nheaders; i++)
		CHECK(strcmp(a->headers[i], b->headers[i]) == 0);
	CHECK((a->body == NULL) == (b->body == NULL));
	CHECK(a->body_len == b->body_len);
	if (a->body)
		CHECK(memcmp(a->body, b->body, a->body_len) == 0);
	CHECK(a->body_is_json == b->body_is_json);
	CHECK(same_str(a->id, b->id));
}

/* Parse one line the way a caller must (trimmed, not blank, not a
 * comment); NULL when it is not a request line. */
static struct request *parse_checked(const char *raw, size_t n, size_t index, size_t lineno)
{
	const char *line = source_trim(raw, &n);
	if (!source_is_request(line, n))
		return NULL;
	struct request *req = xcalloc(1, sizeof *req);
	req->index = index;
	req->lineno = lineno;
	int rc = source_parse_line(line, n, req);
	CHECK(rc == 0 || rc == -1);
	CHECK((rc == 0) == (req->error == NULL));
	CHECK(req->index == index);
	check_request(req);
	return req;
}

/* Requests in the order they came. */
struct reqlist {
	struct request **v;
	size_t n;
};

static void list_add(struct reqlist *l, struct request *req)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = req;
}

static void list_free(struct reqlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		request_free(l->v[i]);
	free(l->v);
}

static void check_same_lists(const struct reqlist *a, const struct reqlist *b)
{
	CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++)
		check_same(a->v[i], b->v[i]);
}

/* The requests of data, one line at a time, as the reader should see
 * them. */
static struct reqlist reference(const char *data, size_t size)
{
	struct reqlist l = {NULL, 0};
	const char *p = data, *end = data + size;
	size_t lineno = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct request *req = parse_checked(p, len, l.n, ++lineno);
		if (req)
			list_add(&l, req);
		p += len + 1;
	}
	return l;
}

/* Whether any raw line is longer than SOURCE_LINE_MAX: then the reader's
 * overlong-line path may decide instead of source_parse_line(). */
static bool has_long_line(const char *data, size_t size)
{
	const char *p = data, *end = data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > SOURCE_LINE_MAX)
			return true;
		p += len + 1;
	}
	return false;
}

/* Take one request handed out by a reader as the i-th. */
static void take(struct reqlist *l, struct source *src, struct request *req)
{
	CHECK(req != NULL);
	CHECK(req->index == l->n);
	check_request(req);
	list_add(l, req);
	CHECK(source_count(src) == l->n);
}

/* Read data as a regular file. */
static struct reqlist read_memfd(const uint8_t *data, size_t size)
{
	struct reqlist l = {NULL, 0};
	int fd = memfd_create("fuzz_source", MFD_CLOEXEC);
	CHECK(fd >= 0);
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		CHECK(w > 0);
		off += (size_t)w;
	}
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	struct source *src = source_create_fd(fd, "memfd");
	long long total = source_total(src);
	for (;;) {
		struct request *req = NULL;
		enum source_status st = source_next(src, &req);
		if (st == SOURCE_EOF) {
			CHECK(req == NULL);
			break;
		}
		/* A regular file never blocks and cannot fail to read here. */
		CHECK(st == SOURCE_REQUEST);
		take(&l, src, req);
	}
	/* The count known in advance (for the progress line) is the count
	 * handed out. */
	CHECK(total == (long long)l.n);
	/* EOF stays EOF. */
	struct request *req = NULL;
	CHECK(source_next(src, &req) == SOURCE_EOF && req == NULL);
	source_destroy(src); /* closes fd */
	return l;
}

/* A small deterministic generator for chunk sizes. */
static uint32_t next_rand(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Read data from a pipe that a writer fills a few bytes at a time, each
 * time the reader says SOURCE_AGAIN. */
static struct reqlist read_pipe(const uint8_t *data, size_t size)
{
	struct reqlist l = {NULL, 0};
	int fds[2];
	CHECK(pipe(fds) == 0);
	CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
	uint32_t seed = fuzz_hash(data, size) | 1;
	struct source *src = source_create_fd(fds[0], "pipe");
	CHECK(source_total(src) == -1);
	size_t off = 0, again = 0;
	bool closed = false;
	for (;;) {
		struct request *req = NULL;
		enum source_status st = source_next(src, &req);
		if (st == SOURCE_AGAIN) {
			CHECK(req == NULL);
			/* Once the writer is gone the reader must see EOF. */
			CHECK(!closed);
			CHECK(source_fd(src) == fds[0]);
			CHECK(++again <= 2 * size + 4); /* each AGAIN makes progress */
			if (off < size) {
				size_t chunk = 1 + next_rand(&seed) % 97;
				if (chunk > size - off)
					chunk = size - off;
				ssize_t w = write(fds[1], data + off, chunk);
				if (w < 0)
					CHECK(errno == EAGAIN);
				else
					off += (size_t)w;
			} else {
				close(fds[1]);
				closed = true;
			}
			continue;
		}
		if (st == SOURCE_EOF) {
			CHECK(req == NULL);
			CHECK(closed);
			break;
		}
		CHECK(st == SOURCE_REQUEST);
		take(&l, src, req);
	}
	source_destroy(src); /* closes fds[0] */
	return l;
}

/* Read the lines of data as command-line arguments (C strings: only for
 * input without NUL bytes). A blank line becomes a comment, "#": in a
 * file it is skipped, but an empty argument is an invalid line (urlfan
 * "" is not success), which the reference does not model; the comment
 * keeps the numbering. */
static struct reqlist read_args(const char *data, size_t size)
{
	struct reqlist l = {NULL, 0};
	size_t nargs = 0;
	char **args = NULL;
	const char *p = data, *end = data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t trimmed = len;
		source_trim(p, &trimmed);
		args = xrealloc(args, (nargs + 1) * sizeof *args);
		args[nargs++] = trimmed ? xstrndup(p, len) : xstrdup("#");
		p += len + 1;
	}
	struct source *src = source_create_args(args, nargs);
	CHECK(source_fd(src) == -1);
	long long total = source_total(src);
	struct request *req;
	enum source_status st;
	while ((st = source_next(src, &req)) == SOURCE_REQUEST)
		take(&l, src, req);
	CHECK(st == SOURCE_EOF && req == NULL);
	CHECK(total == (long long)l.n);
	source_destroy(src);
	for (size_t i = 0; i < nargs; i++)
		free(args[i]);
	free(args);
	return l;
}

/* url_mask() on a URL that source accepted: the password of a
 * "user:password@" in the authority becomes "***", and so does a user
 * name that looks like a token; nothing else changes. */
static void check_mask(const struct request *req)
{
	if (req->error)
		return;
	const char *url = req->url;
	struct buf want = BUF_INIT, got = BUF_INIT;
	const char *auth = strstr(url, "://") + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < alen; i++)
		if (auth[i] == '@')
			at = auth + i;
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	size_t user = at ? (size_t)((colon ? colon : at) - auth) : 0;
	bool token = at && url_user_is_token(auth, user);
	if (colon || token) {
		buf_add(&want, url, (size_t)(auth - url));
		if (token)
			buf_adds(&want, "***");
		else
			buf_add(&want, auth, user);
		if (colon)
			buf_adds(&want, ":***");
		buf_adds(&want, at);
	} else {
		buf_adds(&want, url);
	}
	url_mask(&got, url);
	CHECK(fuzz_buf_is(&got, want.data, want.len));
	/* In free text the same URL is masked the same way, unless a quote
	 * or bracket ends its authority early there, or a "://" further on
	 * looks like another URL's start (masked too, harmlessly). */
	if (!strpbrk(url, "'\"<>") && !strstr(strstr(url, "://") + 3, "://")) {
		buf_free(&want);
		url_mask_text(&want, url, strlen(url));
		CHECK(fuzz_buf_is(&want, got.data, got.len));
	}
	buf_free(&want);
	buf_free(&got);
}

/* url_mask_text() on any text: text without "://" is kept as is, and
 * masking twice changes nothing more. */
static void check_mask_text(const char *s, size_t n)
{
	struct buf once = BUF_INIT, twice = BUF_INIT;
	url_mask_text(&once, s, n);
	if (!memmem(s, n, "://", 3))
		CHECK(fuzz_buf_is(&once, s, n));
	CHECK(once.len <= n + 3 * (n / 3 + 1));
	url_mask_text(&twice, once.data ? once.data : "", once.len);
	CHECK(fuzz_buf_is(&twice, once.data, once.len));
	buf_free(&once);
	buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = fuzz_copy(data, size);

	/* 1. The whole input as one line, as an argument would be. */
	struct request *one = parse_checked(copy, size, 7, 1);
	if (one)
		check_mask(one);
	request_free(one);
	check_mask_text(copy, size);

	/* 2, 3. Line by line through the reader: however the bytes arrive,
	 * the requests are the same, and the same as parsing each line on
	 * its own (but for lines too long to keep whole). */
	/* The readers skip a byte-order mark at the start of the input;
	 * lines on their own, and arguments, have none to skip. */
	size_t bom = size >= 3 && memcmp(copy, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	struct reqlist ref = reference(copy + bom, size - bom);
	struct reqlist file = read_memfd(data, size);
	struct reqlist piped = read_pipe(data, size);
	check_same_lists(&file, &piped);
	if (!has_long_line(copy, size))
		check_same_lists(&file, &ref);
	if (!memchr(copy, '\0', size)) {
		struct reqlist args = read_args(copy + bom, size - bom);
		check_same_lists(&file, &args);
		list_free(&args);
	}

	list_free(&ref);
	list_free(&file);
	list_free(&piped);
	free(copy);
	return 0;
}
