/* Unit tests for resume.c: --skip-done's keys (by id, else by unmasked URL)
 * read from an earlier run's records of every format, and
 * --save-unfinished's list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "resume.h"
#include "source.h"
#include "url.h"
#include "xalloc.h"

static void expect_key(const char *id, const char *url, const char *want)
{
	struct buf b = BUF_INIT;
	resume_key(&b, id, url);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_resume_key(void **state)
{
	(void)state;
	expect_key("7", "http://h/", "i:7");
	expect_key("{\"a\":1}", "http://h/", "i:{\"a\":1}");
	expect_key(NULL, "http://h/x", "u:http://h/x");
	/* Credentials are not masked: two users' requests differ. */
	expect_key(NULL, "http://u:secret@h/x", "u:http://u:secret@h/x");
}

static char *write_temp(const char *text)
{
	char *path = xstrdup("/tmp/urlfan-test-resume-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static struct request *request(const char *line)
{
	struct request *req = xcalloc(1, sizeof *req);
	source_parse_line(line, strlen(line), req);
	return req;
}

static bool skipped(const struct resume *r, const char *line)
{
	struct request *req = request(line);
	bool s = resume_skip(r, req);
	request_free(req);
	return s;
}

static void test_resume_skip_done(void **state)
{
	(void)state;
	/* ndjson with ok and failed records, a text-format line, --format
	 * json's brackets and separators, an id that is an object. */
	uint64_t d[2];
	char hex1[URL_DIGEST_HEX], hex2[URL_DIGEST_HEX], text[1024];
	url_digest("http://tenant1@h/x", d);
	url_digest_hex(d, hex1);
	url_digest("http://u:pw1@h/y", d);
	url_digest_hex(d, hex2);
	snprintf(text, sizeof text,
		 "[\n"
		 "{\"index\":0,\"url\":\"http://h/ok\",\"ok\":true},\n"
		 "{\"index\":1,\"url\":\"http://h/bad\",\"ok\":false}\n"
		 "200 http://h/text  0.1s  3B\n"
		 "{\"index\":2,\"id\":{\"n\":1},\"url\":\"http://h/spec\",\"ok\":true}\n"
		 "{\"index\":3,\"url\":\"http://u:***@h/secret\",\"ok\":true}\r\n"
		 "{\"index\":4,\"url\":\"http://***@h/x\",\"url_digest\":\"%s\",\"ok\":true}\n"
		 "{\"index\":5,\"url\":\"http://u:***@h/y\",\"url_digest\":\"%s\",\"ok\":true}\n"
		 "]\n",
		 hex1, hex2);
	char *path = write_temp(text);
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.skip_done = path;
	char err[256];
	struct resume *r = resume_create(&cfg, err, sizeof err);
	assert_non_null(r);
	assert_true(skipped(r, "http://h/ok"));
	assert_false(skipped(r, "http://h/bad"));
	assert_false(skipped(r, "http://h/text"));
	assert_false(skipped(r, "http://h/other"));
	/* A spec with the same id is done whatever its URL; the key is the
	 * minified id. */
	assert_true(skipped(r, "{\"url\": \"http://h/elsewhere\", \"id\": { \"n\" : 1 }}"));
	assert_false(skipped(r, "{\"url\": \"http://h/spec\", \"id\": 2}"));
	/* A record of an older urlfan, with a masked URL and no digest:
	 * no password compares equal to it, so the request is fetched
	 * again. */
	assert_false(skipped(r, "http://u:pw@h/secret"));
	/* By the digest of the unmasked URL: the same credentials are done,
	 * other ones not, though all show as the same masked URL. */
	assert_true(skipped(r, "http://tenant1@h/x"));
	assert_false(skipped(r, "http://tenant2@h/x"));
	assert_true(skipped(r, "http://u:pw1@h/y"));
	assert_false(skipped(r, "http://u:pw2@h/y"));
	assert_false(skipped(r, "http://u:***@h/y"));
	resume_destroy(r);
	unlink(path);
	free(path);

	cfg.skip_done = "/nonexistent/urlfan-test";
	assert_null(resume_create(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "--skip-done"));
	/* A device is no earlier output: refused, named, not read forever. */
	cfg.skip_done = "/dev/zero";
	assert_null(resume_create(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "'/dev/zero'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume_key),
		cmocka_unit_test(test_resume_skip_done),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
