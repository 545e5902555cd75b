/* Unit tests for source.c: line trimming, request-line parsing (URLs and
 * JSON request specs) and the non-blocking line reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "source.h"
#include "xalloc.h"

/* --- helpers ---------------------------------------------------------- */

/* Parse a line of known length into a new request. */
static struct request *parse_n(const char *line, size_t n, int *rc)
{
	struct request *req = xcalloc(1, sizeof *req);
	*rc = source_parse_line(line, n, req);
	assert_non_null(req->line);
	/* The line is kept for reports; an overlong one may be cut short. */
	if (n > SOURCE_LINE_MAX)
		assert_true(req->line_len > 0 && req->line_len <= n);
	else
		assert_int_equal(req->line_len, n);
	assert_memory_equal(req->line, line, req->line_len);
	/* The return value and error must agree. */
	if (*rc == 0)
		assert_null(req->error);
	else
		assert_int_equal(*rc, -1);
	return req;
}

static struct request *parse_ok(const char *line)
{
	int rc;
	struct request *req = parse_n(line, strlen(line), &rc);
	if (rc != 0)
		fail_msg("'%s' rejected: %s", line, req->error ? req->error : "(no error)");
	assert_non_null(req->url);
	return req;
}

/* Assert line is invalid; returns the error for further checks, in a
 * static buffer, after freeing the request. */
static const char *parse_bad_n(const char *line, size_t n)
{
	static char why[512];
	int rc;
	struct request *req = parse_n(line, n, &rc);
	if (rc != -1) {
		print_message("'%.200s' accepted, url %s\n", line, req->url);
		request_free(req);
		fail();
	}
	assert_non_null(req->error);
	assert_true(req->error[0] != '\0');
	snprintf(why, sizeof why, "%s", req->error);
	request_free(req);
	return why;
}

static const char *parse_bad(const char *line)
{
	return parse_bad_n(line, strlen(line));
}

/* --- trim and request lines ------------------------------------------ */

static void expect_trim(const char *in, const char *want)
{
	size_t n = strlen(in);
	const char *t = source_trim(in, &n);
	assert_true(t >= in && t + n <= in + strlen(in));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(t, want, n);
}

static void test_source_trim(void **state)
{
	(void)state;
	expect_trim("http://a/", "http://a/");
	expect_trim("  http://a/ \t\r\n", "http://a/");
	expect_trim("\v\fx y\f", "x y");
	expect_trim("", "");
	expect_trim(" \t \r\n", "");
	expect_trim("  # indented comment", "# indented comment");
}

static void test_source_is_request(void **state)
{
	(void)state;
	assert_false(source_is_request("", 0));
	assert_false(source_is_request("#comment", 8));
	assert_false(source_is_request("#", 1));
	assert_true(source_is_request("http://a/", 9));
	assert_true(source_is_request("a#b", 3));
	assert_true(source_is_request("{\"url\":\"http://a/\"}", 19));
	/* After trimming, white space only and indented comments are not
	 * requests. */
	const char *lines[] = {"   ", "\t\r\n", "  # indented comment", " #"};
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(lines[i]);
		const char *t = source_trim(lines[i], &n);
		assert_false(source_is_request(t, n));
	}
	size_t n = 12;
	const char *t = source_trim("  http://a/ ", &n);
	assert_true(source_is_request(t, n));
}

/* --- plain URL lines -------------------------------------------------- */

static void expect_url(const char *line, const char *hostkey)
{
	struct request *req = parse_ok(line);
	assert_string_equal(req->url, line);
	assert_string_equal(req->hostkey, hostkey);
	/* A plain URL carries no per-request settings. */
	assert_null(req->method);
	assert_null(req->body);
	assert_null(req->id);
	assert_int_equal(req->nheaders, 0);
	assert_false(req->body_is_json);
	request_free(req);
}

static void test_source_parse_plain_urls(void **state)
{
	(void)state;
	expect_url("http://example.com/", "example.com:80");
	expect_url("HTTPS://Example.com/Path?Q=1#F", "example.com:443");
	expect_url("http://a.test:8080/x", "a.test:8080");
	expect_url("http://[::1]:8080/", "[::1]:8080");
	expect_url("http://user:pass@host.test/p", "host.test:80");
}

static void test_source_parse_host_keys(void **state)
{
	(void)state;
	expect_url("http://Example.COM/x", "example.com:80");
	expect_url("https://a.test", "a.test:443");
	expect_url("http://a.test:8080", "a.test:8080");
	expect_url("http://u:p@h.test:81/", "h.test:81");
}

static void test_source_parse_invalid_urls(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"ftp://a.test/",      "file:///etc/passwd", "not a url",      "http://",
		"http:///path",       "http://host:99999/", "http://host:0/", "http://a.test/a b",
		"http://a.test/\x01", "mailto:a@b.test",    "[1,2]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		parse_bad(bad[i]);

	/* A NUL byte inside the line. */
	static const char nul[] = "http://a.test/\0x";
	const char *why = parse_bad_n(nul, sizeof nul - 1);
	assert_non_null(strstr(why, "NUL"));

	/* Longer than SOURCE_LINE_MAX, though otherwise a fine URL. */
	size_t n = SOURCE_LINE_MAX + 1;
	char *lng = xmalloc(n);
	memcpy(lng, "http://a.test/", 14);
	memset(lng + 14, 'a', n - 14);
	why = parse_bad_n(lng, n);
	assert_non_null(strstr(why, "64 KiB"));
	/* Exactly SOURCE_LINE_MAX is still allowed. */
	int rc;
	struct request *req = parse_n(lng, SOURCE_LINE_MAX, &rc);
	assert_int_equal(rc, 0);
	request_free(req);
	free(lng);
}

/* --- request specs ---------------------------------------------------- */

static void test_source_spec_full(void **state)
{
	(void)state;
	struct request *req =
		parse_ok("{\"url\":\"http://Spec.test:8080/x\",\"method\":\"POST\","
			 "\"headers\":{\"X-A\":\"1\",\"Content-Type\":\"text/plain\",\"X-E\":\"\"},"
			 "\"body\":\"hello\\nw\\u00f6rld\","
			 "\"id\":{\"k\": 12345678901234567890, \"s\" : [1.50, -0]}}");
	assert_string_equal(req->url, "http://Spec.test:8080/x");
	assert_string_equal(req->hostkey, "spec.test:8080");
	assert_string_equal(req->method, "POST");
	assert_int_equal(req->nheaders, 3);
	assert_string_equal(req->headers[0], "X-A: 1");
	assert_string_equal(req->headers[1], "Content-Type: text/plain");
	assert_string_equal(req->headers[2], "X-E: ");
	/* The body is the decoded string. */
	assert_int_equal(req->body_len, 12);
	assert_memory_equal(req->body, "hello\nw\xc3\xb6rld", 12);
	assert_false(req->body_is_json);
	/* The id is minified but otherwise byte-faithful. */
	assert_string_equal(req->id, "{\"k\":12345678901234567890,\"s\":[1.50,-0]}");
	request_free(req);
}

static void test_source_spec_json_body(void **state)
{
	(void)state;
	struct request *req = parse_ok("{ \"json\" : { \"b\" : [ 1.50 , -0, 1E+2, \"\\u00e9\" ] } "
				       ", \"url\" : \"https://j.test/\" }");
	assert_true(req->body_is_json);
	assert_string_equal(req->body, "{\"b\":[1.50,-0,1E+2,\"\\u00e9\"]}");
	assert_int_equal(req->body_len, strlen(req->body));
	assert_string_equal(req->hostkey, "j.test:443");
	request_free(req);

	/* An empty string body is a body, not "no body". */
	req = parse_ok("{\"url\":\"http://a.test/\",\"body\":\"\"}");
	assert_non_null(req->body);
	assert_int_equal(req->body_len, 0);
	request_free(req);

	/* A body with an escaped NUL keeps its length. */
	req = parse_ok("{\"url\":\"http://a.test/\",\"body\":\"a\\u0000b\"}");
	assert_int_equal(req->body_len, 3);
	assert_memory_equal(req->body, "a\0b", 3);
	request_free(req);

	/* Scalar ids. */
	req = parse_ok("{\"url\":\"http://a.test/\",\"id\":\"x\\ty\"}");
	assert_string_equal(req->id, "\"x\\ty\"");
	request_free(req);
	req = parse_ok("{\"id\": 1.0 ,\"url\":\"http://a.test/\"}");
	assert_string_equal(req->id, "1.0");
	request_free(req);
}

static void test_source_spec_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		/* both body and json, either order */
		"{\"url\":\"http://a.test/\",\"body\":\"x\",\"json\":{}}",
		"{\"url\":\"http://a.test/\",\"json\":1,\"body\":\"x\"}",
		/* missing url */
		"{\"method\":\"GET\"}",
		"{}",
		/* bad JSON */
		"{\"url\":\"http://a.test/\"",
		"{\"url\":\"http://a.test/\",}",
		"{\"url\":\"http://a.test/\"} {}",
		"{'url':'http://a.test/'}",
		/* url not a string, or not a good URL */
		"{\"url\":1}",
		"{\"url\":\"ftp://a.test/\"}",
		"{\"url\":\"http://a.test/\\u0000\"}",
		"{\"url\":\"http://a.test/\\r\\nX: y\"}",
		/* headers */
		"{\"url\":\"http://a.test/\",\"headers\":{\"X\":\"a\\r\\nY: b\"}}",
		"{\"url\":\"http://a.test/\",\"headers\":{\"X\":\"a\\nb\"}}",
		"{\"url\":\"http://a.test/\",\"headers\":{\"X\":1}}",
		"{\"url\":\"http://a.test/\",\"headers\":{\"X\":null}}",
		"{\"url\":\"http://a.test/\",\"headers\":{\"Bad Name\":\"v\"}}",
		"{\"url\":\"http://a.test/\",\"headers\":{\"\":\"v\"}}",
		"{\"url\":\"http://a.test/\",\"headers\":[\"A: b\"]}",
		"{\"url\":\"http://a.test/\",\"headers\":\"A: b\"}",
		/* method */
		"{\"url\":\"http://a.test/\",\"method\":\"GE T\"}",
		"{\"url\":\"http://a.test/\",\"method\":\"\"}",
		"{\"url\":\"http://a.test/\",\"method\":\"GET\\u0000\"}",
		"{\"url\":\"http://a.test/\",\"method\":1}",
		/* body must be a string */
		"{\"url\":\"http://a.test/\",\"body\":{\"a\":1}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		parse_bad(bad[i]);

	/* Unknown fields are named in the error. */
	const char *why = parse_bad("{\"url\":\"http://a.test/\",\"bogus\":1}");
	assert_non_null(strstr(why, "bogus"));
	why = parse_bad("{\"url\":\"http://a.test/\",\"URL\":\"http://b.test/\"}");
	assert_non_null(strstr(why, "URL"));
}

static void test_source_spec_header_name_with_colon(void **state)
{
	(void)state;
	/* "A:B" is no header name; joined to "A:B: c" it would be sent as
	 * header "A" with value "B: c", not what the spec says. */
	parse_bad("{\"url\":\"http://a.test/\",\"headers\":{\"A:B\":\"c\"}}");
}

/* Bytes the glibc heap has handed out. Under AddressSanitizer this does
 * not see ASan's heap and stays constant; LeakSanitizer checks there. */
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

/* Heap growth over repeated parse + request_free of line. glibc counts
 * chunks parked in its per-thread cache (at most 7 per size) as in use,
 * so a leak only shows once that cache is used up: measure over many
 * rounds, after warm-up rounds that fill it. */
static size_t parse_leak(const char *line, int *rc)
{
	size_t before = 0;
	for (int round = 0; round < 40; round++) {
		if (round == 8)
			before = heap_in_use();
		struct request *req = xcalloc(1, sizeof *req);
		*rc = source_parse_line(line, strlen(line), req);
		if (*rc == 0) {
			assert_string_equal(req->url, "http://b.test/");
			assert_string_equal(req->hostkey, "b.test:80");
			if (req->method)
				assert_string_equal(req->method, "PATCH");
		} else {
			assert_non_null(req->error);
		}
		request_free(req);
	}
	size_t after = heap_in_use();
	return after > before ? after - before : 0;
}

static void test_source_spec_no_leak_baseline(void **state)
{
	(void)state;
	/* The measurement itself: a normal spec leaves nothing behind. */
	int rc;
	assert_int_equal(parse_leak("{\"url\":\"http://b.test/\",\"method\":\"PATCH\","
				    "\"headers\":{\"A\":\"b\"},\"id\":[1]}",
				    &rc),
			 0);
	assert_int_equal(rc, 0);
}

static void test_source_spec_duplicate_fields(void **state)
{
	(void)state;
	/* A repeated "url" or "method" is rejected, and the first value must
	 * not leak. */
	int rc, bad = 0;
	size_t leak = parse_leak("{\"url\":\"http://a.test/\",\"url\":\"http://b.test/\"}", &rc);
	if (leak) {
		print_message("a repeated \"url\" leaked %zu bytes (rc %d)\n", leak, rc);
		bad++;
	}
	leak = parse_leak("{\"url\":\"http://b.test/\",\"method\":\"PUT\",\"method\":\"PATCH\"}",
			  &rc);
	if (leak) {
		print_message("a repeated \"method\" leaked %zu bytes (rc %d)\n", leak, rc);
		bad++;
	}
	assert_int_equal(bad, 0);

	/* urlfan rejects any repeated field (the man page says so): which
	 * value would win is not something a user should have to guess. */
	assert_non_null(
		strstr(parse_bad("{\"url\":\"http://a.test/\",\"id\":1,\"id\":[2]}"), "twice"));
	assert_non_null(strstr(parse_bad("{\"url\":\"http://a.test/\",\"url\":\"http://b.test/\"}"),
			       "twice"));
}

/* --- the reader ------------------------------------------------------- */

/* Collected requests from one source. */
struct got {
	struct request *req[64];
	size_t n;
};

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		request_free(g->req[i]);
	g->n = 0;
}

/* Read src until EOF, expecting no SOURCE_AGAIN (the writer is done). */
static void read_all(struct source *src, struct got *g)
{
	for (;;) {
		struct request *r = (struct request *)1;
		enum source_status st = source_next(src, &r);
		if (st == SOURCE_EOF) {
			assert_null(r);
			return;
		}
		if (st != SOURCE_REQUEST)
			fail_msg("source_next returned %d before EOF", (int)st);
		assert_non_null(r);
		assert_true(g->n < 64);
		g->req[g->n++] = r;
	}
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		assert_true(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

/* A source on a pipe that already holds data and whose write end is
 * closed. data must fit the pipe buffer. */
/* A source reading data from a regular file (already unlinked). */
static struct source *file_source(const char *data, size_t n)
{
	char path[] = "/tmp/urlfan-test-source-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd > 0);
	unlink(path);
	write_all(fd, data, n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return source_create_fd(fd, "test file");
}

static struct source *pipe_source(const char *data, size_t n)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	write_all(p[1], data, n);
	close(p[1]);
	return source_create_fd(p[0], "test pipe");
}

static void expect_req(const struct request *r, size_t index, const char *url)
{
	assert_int_equal(r->index, index);
	if (url) {
		if (r->error)
			fail_msg("request %zu invalid: %s", index, r->error);
		assert_string_equal(r->url, url);
	} else {
		assert_non_null(r->error);
		assert_null(r->url);
	}
}

static void test_source_reader_mixed_lines(void **state)
{
	(void)state;
	static const char data[] = "http://a.test/1\r\n"
				   "\r\n"
				   "# comment\r\n"
				   "   \n"
				   "  # indented comment\n"
				   "\thttp://b.test/2  \r\n"
				   "{\"url\":\"http://c.test/3\",\"id\":7}\r\n"
				   "\n"
				   "not a url\n"
				   "http://d.test/4"; /* no final newline */
	struct source *src = pipe_source(data, sizeof data - 1);
	assert_true(source_fd(src) > 0);
	struct got g = {0};
	read_all(src, &g);
	assert_int_equal(g.n, 5);
	expect_req(g.req[0], 0, "http://a.test/1");
	assert_string_equal(g.req[0]->line, "http://a.test/1");
	expect_req(g.req[1], 1, "http://b.test/2");
	expect_req(g.req[2], 2, "http://c.test/3");
	assert_string_equal(g.req[2]->id, "7");
	expect_req(g.req[3], 3, NULL);
	assert_string_equal(g.req[3]->line, "not a url");
	expect_req(g.req[4], 4, "http://d.test/4");
	assert_int_equal(source_count(src), 5);
	/* EOF is sticky. */
	struct request *r;
	assert_int_equal(source_next(src, &r), SOURCE_EOF);
	assert_int_equal(source_count(src), 5);
	got_free(&g);
	source_destroy(src);
}

static void test_source_reader_empty_and_comments_only(void **state)
{
	(void)state;
	struct source *src = pipe_source("", 0);
	struct got g = {0};
	read_all(src, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(source_count(src), 0);
	source_destroy(src);

	static const char data[] = "# a\n\n   \r\n# b";
	src = pipe_source(data, sizeof data - 1);
	read_all(src, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(source_count(src), 0);
	source_destroy(src);
}

/* Feed data through a non-blocking pipe while reading, so inputs larger
 * than the pipe buffer work without a second process. */
static void feed_in_pieces(const char *data, size_t n, size_t piece, struct got *g,
			   struct source **out_src);

static void feed_and_collect(const char *data, size_t n, struct got *g, struct source **out_src)
{
	feed_in_pieces(data, n, n, g, out_src);
}

/* Write data into a pipe at most piece bytes at a time, reading what the
 * source hands out in between: reads split the input anywhere. */
static void feed_in_pieces(const char *data, size_t n, size_t piece, struct got *g,
			   struct source **out_src)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	struct source *src = source_create_fd(p[0], "test pipe");
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(p[1], data + done, n - done < piece ? n - done : piece);
		if (w < 0)
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		else
			done += (size_t)w;
		/* Drain what is readable now. */
		for (;;) {
			struct request *r;
			enum source_status st = source_next(src, &r);
			if (st == SOURCE_AGAIN)
				break;
			assert_int_equal(st, SOURCE_REQUEST);
			assert_true(g->n < 64);
			g->req[g->n++] = r;
		}
	}
	close(p[1]);
	read_all(src, g);
	*out_src = src;
}

/* good line, a line of len 'a's, good line. */
static char *long_line_input(size_t len, size_t *n)
{
	static const char head[] = "http://a.test/1\n", tail[] = "\nhttp://b.test/2\n";
	*n = sizeof head - 1 + len + sizeof tail - 1;
	char *s = xmalloc(*n);
	memcpy(s, head, sizeof head - 1);
	memset(s + sizeof head - 1, 'a', len);
	memcpy(s + sizeof head - 1 + len, tail, sizeof tail - 1);
	return s;
}

static void check_long_line_result(struct got *g, struct source *src)
{
	assert_int_equal(g->n, 3);
	expect_req(g->req[0], 0, "http://a.test/1");
	expect_req(g->req[1], 1, NULL);
	assert_non_null(strstr(g->req[1]->error, "64 KiB"));
	/* The head of the line is kept for the report. */
	assert_true(g->req[1]->line_len >= 16);
	assert_memory_equal(g->req[1]->line, "aaaaaaaaaaaaaaaa", 16);
	expect_req(g->req[2], 2, "http://b.test/2");
	assert_int_equal(source_count(src), 3);
}

static void test_source_reader_long_line_pipe(void **state)
{
	(void)state;
	size_t sizes[] = {70000, 300000};
	for (size_t k = 0; k < 2; k++) {
		size_t n;
		char *data = long_line_input(sizes[k], &n);
		struct got g = {0};
		struct source *src;
		feed_and_collect(data, n, &g, &src);
		check_long_line_result(&g, src);
		got_free(&g);
		source_destroy(src);
		free(data);
	}
}

static void test_source_reader_long_line_file(void **state)
{
	(void)state;
	/* A regular file is read in big chunks: the whole long line may be
	 * in the buffer at once, a different path from the pipe's. */
	size_t sizes[] = {70000, 300000};
	for (size_t k = 0; k < 2; k++) {
		size_t n;
		char *data = long_line_input(sizes[k], &n);
		struct source *src = file_source(data, n);
		struct got g = {0};
		read_all(src, &g);
		check_long_line_result(&g, src);
		got_free(&g);
		source_destroy(src);
		free(data);
	}
}

/* The fuzzer's finds: white space around a line never makes it overlong,
 * and the outcome does not depend on how reads split the input. */
static void test_source_reader_white_space_is_not_length(void **state)
{
	(void)state;
	size_t pad = SOURCE_LINE_MAX + 2;
	struct buf blank = BUF_INIT, padded = BUF_INIT;
	for (size_t i = 0; i < pad; i++) {
		buf_addc(&blank, ' ');
		buf_addc(&padded, ' ');
	}
	buf_adds(&padded, "http://a.test/x");
	for (size_t i = 0; i < pad; i++)
		buf_addc(&padded, '\t');
	buf_adds(&padded, "\nhttp://b.test/y\n");
	size_t pieces[] = {blank.len + padded.len, 4093, 100};
	for (size_t k = 0; k < 3; k++) {
		struct got g = {0};
		struct source *src;
		feed_in_pieces(blank.data, blank.len, pieces[k], &g, &src);
		assert_int_equal(g.n, 0); /* a blank line is no request */
		source_destroy(src);

		feed_in_pieces(padded.data, padded.len, pieces[k], &g, &src);
		assert_int_equal(g.n, 2);
		assert_null(g.req[0]->error);
		assert_string_equal(g.req[0]->url, "http://a.test/x");
		assert_string_equal(g.req[1]->url, "http://b.test/y");
		assert_int_equal(g.req[1]->index, 1);
		got_free(&g);
		source_destroy(src);
	}
	buf_free(&blank);
	buf_free(&padded);
}

/* Issue 20: leading and trailing white space count the same - not at all
 * - however long, past the reader's buffer of twice the limit included;
 * white space between two texts counts, as part of the line. */
static void test_source_reader_white_space_counts_the_same_at_both_ends(void **state)
{
	(void)state;
	size_t pad = 3 * SOURCE_LINE_MAX + 5;
	struct buf lead = BUF_INIT, trail = BUF_INIT, mid = BUF_INIT;
	for (size_t i = 0; i < pad; i++)
		buf_addc(&lead, i % 7 ? ' ' : '\t');
	buf_adds(&lead, "http://a.test/x\nhttp://b.test/y\n");
	buf_adds(&trail, "http://a.test/x");
	for (size_t i = 0; i < pad; i++)
		buf_addc(&trail, i % 7 ? ' ' : '\t');
	buf_adds(&trail, "\nhttp://b.test/y\n");
	buf_adds(&mid, "http://a.test/x");
	for (size_t i = 0; i < pad; i++)
		buf_addc(&mid, ' ');
	buf_adds(&mid, "more\nhttp://b.test/y\n");
	size_t pieces[] = {pad + 64, 4093, 100};
	for (size_t k = 0; k < 3; k++) {
		const struct buf *ok[] = {&lead, &trail};
		for (size_t j = 0; j < 2; j++) {
			struct got g = {0};
			struct source *src;
			feed_in_pieces(ok[j]->data, ok[j]->len, pieces[k], &g, &src);
			assert_int_equal(g.n, 2);
			assert_null(g.req[0]->error);
			assert_string_equal(g.req[0]->url, "http://a.test/x");
			assert_string_equal(g.req[1]->url, "http://b.test/y");
			got_free(&g);
			source_destroy(src);
		}
		struct got g = {0};
		struct source *src;
		feed_in_pieces(mid.data, mid.len, pieces[k], &g, &src);
		assert_int_equal(g.n, 2);
		assert_non_null(strstr(g.req[0]->error, "64 KiB"));
		assert_memory_equal(g.req[0]->line, "http://a.test/x", 15);
		assert_int_equal(g.req[0]->lineno, 1);
		assert_string_equal(g.req[1]->url, "http://b.test/y");
		assert_int_equal(g.req[1]->index, 1);
		got_free(&g);
		source_destroy(src);
		/* The same at the end of the input, with no newline. */
		mid.len -= strlen("\nhttp://b.test/y\n");
		feed_in_pieces(mid.data, mid.len, pieces[k], &g, &src);
		assert_int_equal(g.n, 1);
		assert_non_null(g.req[0]->error);
		got_free(&g);
		source_destroy(src);
		buf_adds(&mid, "\nhttp://b.test/y\n");
	}
	buf_free(&lead);
	buf_free(&trail);
	buf_free(&mid);
}

static void test_source_spec_key_with_nul(void **state)
{
	(void)state;
	parse_bad("{\"url\\u0000junk\":\"http://a.test/\"}");
	parse_bad("{\"url\":\"http://a.test/\",\"id\\u0000\":1}");
}

static void test_source_reader_long_line_record_is_short(void **state)
{
	(void)state;
	/* source.h: req->line is "at most 1 KiB when invalid because too
	 * long", however the long line reached the reader. */
	size_t sizes[] = {SOURCE_LINE_MAX + 1, 70000, 300000};
	int bad = 0;
	for (size_t k = 0; k < 3; k++) {
		size_t n;
		char *data = long_line_input(sizes[k], &n);
		struct got g = {0};
		struct source *src;
		feed_and_collect(data, n, &g, &src);
		assert_int_equal(g.n, 3);
		assert_non_null(g.req[1]->error);
		if (g.req[1]->line_len > 1024) {
			print_message("a %zu-byte line kept %zu bytes in its record\n", sizes[k],
				      g.req[1]->line_len);
			bad++;
		}
		got_free(&g);
		source_destroy(src);
		free(data);
	}
	assert_int_equal(bad, 0);
}

static void test_source_reader_again_not_blocking(void **state)
{
	(void)state;
	/* If source_next blocked, the alarm would kill the test. */
	alarm(20);
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct source *src = source_create_fd(p[0], "test pipe");
	assert_int_equal(source_fd(src), p[0]);
	struct request *r = (struct request *)1;
	assert_int_equal(source_next(src, &r), SOURCE_AGAIN);
	assert_null(r);
	assert_int_equal(source_next(src, &r), SOURCE_AGAIN);

	write_all(p[1], "http://x.test/\n", 15);
	assert_int_equal(source_next(src, &r), SOURCE_REQUEST);
	expect_req(r, 0, "http://x.test/");
	request_free(r);
	assert_int_equal(source_next(src, &r), SOURCE_AGAIN);

	/* Half a line is not a line yet. */
	write_all(p[1], "http://y.te", 11);
	assert_int_equal(source_next(src, &r), SOURCE_AGAIN);
	write_all(p[1], "st/", 3);
	assert_int_equal(source_next(src, &r), SOURCE_AGAIN);
	/* EOF completes the last line. */
	close(p[1]);
	assert_int_equal(source_next(src, &r), SOURCE_REQUEST);
	expect_req(r, 1, "http://y.test/");
	request_free(r);
	assert_int_equal(source_next(src, &r), SOURCE_EOF);
	assert_int_equal(source_count(src), 2);
	source_destroy(src);
	alarm(0);
}

static void test_source_reader_byte_order_mark(void **state)
{
	(void)state;
	/* Skipped at the start only, however reads split it; not counted as
	 * a line, and a BOM further on is part of its line. */
	static const char data[] = "\xEF\xBB\xBFhttp://a.test/1\n\xEF\xBB\xBFhttp://b.test/2\n";
	size_t pieces[] = {sizeof data - 1, 1, 2};
	for (size_t k = 0; k < 3; k++) {
		struct got g = {0};
		struct source *src;
		feed_in_pieces(data, sizeof data - 1, pieces[k], &g, &src);
		assert_int_equal(g.n, 2);
		expect_req(g.req[0], 0, "http://a.test/1");
		assert_int_equal(g.req[0]->lineno, 1);
		expect_req(g.req[1], 1, NULL);
		assert_int_equal(g.req[1]->lineno, 2);
		got_free(&g);
		source_destroy(src);
	}
	/* A BOM alone, or a BOM and a comment: no request. */
	struct got g = {0};
	struct source *src = pipe_source("\xEF\xBB\xBF", 3);
	read_all(src, &g);
	assert_int_equal(g.n, 0);
	source_destroy(src);
	src = pipe_source("\xEF\xBB\xBF# c\n", 7);
	read_all(src, &g);
	assert_int_equal(g.n, 0);
	source_destroy(src);
	/* Two bytes of one at EOF are a line of their own. */
	src = pipe_source("\xEF\xBB", 2);
	read_all(src, &g);
	assert_int_equal(g.n, 1);
	assert_non_null(g.req[0]->error);
	got_free(&g);
	source_destroy(src);
	/* A regular file counts its requests without the BOM. */
	static const char file[] = "\xEF\xBB\xBF# c\nhttp://a.test/\n";
	src = file_source(file, sizeof file - 1);
	assert_int_equal(source_total(src), 1);
	read_all(src, &g);
	assert_int_equal(g.n, 1);
	expect_req(g.req[0], 0, "http://a.test/");
	assert_int_equal(g.req[0]->lineno, 2);
	got_free(&g);
	source_destroy(src);
}

static void test_source_reader_line_numbers_and_shown(void **state)
{
	(void)state;
	static const char data[] =
		"# comment\n"
		"\n"
		"http://a.test/\n"
		"{\"url\":\"https://u:pw@b.test/\",\"headers\":{\"A\":\"Bearer T\"},}\n"
		"{\"x\":1,\"url\":\"http://abc123@c.test/\",\"headers\":{\"A\":\"T\"}}\n"
		"{\"headers\":{\"A\":\"T\"}}\n"
		"ftp://u:pw@d.test/\n"
		"u:pw@e.test/x";
	struct source *src = pipe_source(data, sizeof data - 1);
	struct got g = {0};
	read_all(src, &g);
	assert_int_equal(g.n, 6);
	static const struct {
		size_t lineno;
		const char *shown;
	} want[] = {
		{3, NULL},
		{4, "https://u:***@b.test/"},
		{5, "http://***@c.test/"},
		{6, ""},
		{7, "ftp://u:***@d.test/"},
		{8, NULL}, /* valid: no scheme means http:// */
	};
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(g.req[i]->lineno, want[i].lineno);
		if (want[i].shown)
			assert_string_equal(g.req[i]->shown, want[i].shown);
		else
			assert_null(g.req[i]->shown);
		/* An invalid line's reason never quotes a header value. */
		if (g.req[i]->error)
			assert_null(strstr(g.req[i]->error, "T\""));
	}
	got_free(&g);
	source_destroy(src);
	/* Arguments are numbered by position. */
	char *args[] = {"http://a.test/", "", "bad url"};
	src = source_create_args(args, 3);
	read_all(src, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.req[0]->lineno, 1);
	assert_int_equal(g.req[1]->lineno, 3);
	assert_string_equal(g.req[1]->shown, "bad url");
	got_free(&g);
	source_destroy(src);
}

/* An overlong line is reported as soon as it is overlong, before its end
 * comes (which may be never), and its rest is skipped. */
static void test_source_reader_overlong_line_reported_before_its_end(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	struct source *src = source_create_fd(p[0], "test pipe");
	char zeros[4096] = {0};
	struct request *r = NULL;
	size_t written = 0;
	enum source_status st = SOURCE_AGAIN;
	while (written < 4 * SOURCE_LINE_MAX) {
		ssize_t w = write(p[1], zeros, sizeof zeros);
		if (w > 0)
			written += (size_t)w;
		st = source_next(src, &r);
		if (st == SOURCE_REQUEST)
			break;
		assert_int_equal(st, SOURCE_AGAIN);
	}
	assert_int_equal(st, SOURCE_REQUEST);
	assert_true(written <= SOURCE_LINE_MAX + 2 * sizeof zeros + 65536);
	assert_int_equal(r->index, 0);
	assert_int_equal(r->lineno, 1);
	assert_non_null(strstr(r->error, "64 KiB"));
	assert_true(r->line_len <= 1024);
	request_free(r);
	/* More of the same line: nothing; its end, then a line: that one. */
	for (int i = 0; i < 64; i++) {
		if (write(p[1], zeros, sizeof zeros) < 0)
			assert_true(errno == EAGAIN);
		assert_int_equal(source_next(src, &r), SOURCE_AGAIN);
	}
	write_all(p[1], "x\nhttp://a.test/\n", 17);
	assert_int_equal(source_next(src, &r), SOURCE_REQUEST);
	expect_req(r, 1, "http://a.test/");
	assert_int_equal(r->lineno, 2);
	request_free(r);
	close(p[1]);
	assert_int_equal(source_next(src, &r), SOURCE_EOF);
	source_destroy(src);
}

/* With source_yield_after(), endless input with no request in it (blank
 * lines, the rest of an overlong line) hands control back. */
static void test_source_reader_yields(void **state)
{
	(void)state;
	int fd = open("/dev/zero", O_RDONLY);
	assert_true(fd >= 0);
	struct source *src = source_create_fd(fd, "/dev/zero");
	source_yield_after(src, 256 * 1024);
	struct request *r = NULL;
	/* The first call: the overlong line's record. */
	assert_int_equal(source_next(src, &r), SOURCE_REQUEST);
	assert_non_null(r->error);
	assert_int_equal(r->line_len, 1024);
	request_free(r);
	/* Then only ever SOURCE_BUSY: the line never ends. */
	for (int i = 0; i < 16; i++) {
		assert_int_equal(source_next(src, &r), SOURCE_BUSY);
		assert_null(r);
	}
	source_destroy(src);

	/* Blank lines from a regular file: BUSY, BUSY, ..., then the URL. */
	static char blank[(1 << 20) + 15];
	memset(blank, '\n', 1 << 20);
	memcpy(blank + (1 << 20), "http://a.test/\n", 15);
	src = file_source(blank, sizeof blank);
	source_yield_after(src, 256 * 1024);
	int busy = 0;
	enum source_status st;
	while ((st = source_next(src, &r)) == SOURCE_BUSY)
		busy++;
	assert_int_equal(st, SOURCE_REQUEST);
	assert_true(busy >= 3);
	expect_req(r, 0, "http://a.test/");
	assert_int_equal(r->lineno, (1 << 20) + 1);
	request_free(r);
	assert_int_equal(source_next(src, &r), SOURCE_EOF);
	source_destroy(src);
}

static void test_source_args(void **state)
{
	(void)state;
	char *args[] = {
		"http://a.test/",
		"",
		"# c",
		"  http://b.test/  ",
		"bad url",
		"{\"url\":\"http://c.test/\",\"method\":\"HEAD\"}",
		"   ",
	};
	struct source *src = source_create_args(args, sizeof args / sizeof *args);
	assert_int_equal(source_fd(src), -1);
	struct got g = {0};
	read_all(src, &g);
	assert_int_equal(g.n, 4);
	expect_req(g.req[0], 0, "http://a.test/");
	expect_req(g.req[1], 1, "http://b.test/");
	assert_string_equal(g.req[1]->line, "http://b.test/");
	expect_req(g.req[2], 2, NULL);
	assert_string_equal(g.req[2]->line, "bad url");
	expect_req(g.req[3], 3, "http://c.test/");
	assert_string_equal(g.req[3]->method, "HEAD");
	assert_int_equal(source_count(src), 4);
	got_free(&g);
	source_destroy(src);

	/* No arguments at all. */
	src = source_create_args(NULL, 0);
	struct request *r;
	assert_int_equal(source_next(src, &r), SOURCE_EOF);
	assert_int_equal(source_count(src), 0);
	source_destroy(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_trim),
		cmocka_unit_test(test_source_is_request),
		cmocka_unit_test(test_source_parse_plain_urls),
		cmocka_unit_test(test_source_parse_host_keys),
		cmocka_unit_test(test_source_parse_invalid_urls),
		cmocka_unit_test(test_source_spec_full),
		cmocka_unit_test(test_source_spec_json_body),
		cmocka_unit_test(test_source_spec_invalid),
		cmocka_unit_test(test_source_spec_header_name_with_colon),
		cmocka_unit_test(test_source_spec_no_leak_baseline),
		cmocka_unit_test(test_source_spec_duplicate_fields),
		cmocka_unit_test(test_source_reader_mixed_lines),
		cmocka_unit_test(test_source_reader_empty_and_comments_only),
		cmocka_unit_test(test_source_reader_long_line_pipe),
		cmocka_unit_test(test_source_reader_long_line_file),
		cmocka_unit_test(test_source_reader_long_line_record_is_short),
		cmocka_unit_test(test_source_reader_white_space_is_not_length),
		cmocka_unit_test(test_source_reader_white_space_counts_the_same_at_both_ends),
		cmocka_unit_test(test_source_spec_key_with_nul),
		cmocka_unit_test(test_source_reader_again_not_blocking),
		cmocka_unit_test(test_source_reader_byte_order_mark),
		cmocka_unit_test(test_source_reader_line_numbers_and_shown),
		cmocka_unit_test(test_source_reader_overlong_line_reported_before_its_end),
		cmocka_unit_test(test_source_reader_yields),
		cmocka_unit_test(test_source_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
