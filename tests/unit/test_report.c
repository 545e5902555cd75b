/* Unit tests for report.c: the JUnit XML and Markdown files built from
 * results, with what XML and Markdown cannot hold escaped, totals, the
 * slowest requests in order, skipped requests, and the file renamed into
 * place. The XML is checked for well-formedness by cJSON-free means: no
 * raw '<', '&' or control byte inside an attribute. */
#define _GNU_SOURCE /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "report.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char text[1 << 16];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static struct result ok_result(size_t index, const char *url, double secs)
{
	struct result r;
	memset(&r, 0, sizeof r);
	r.index = index;
	r.url = url;
	r.method = "GET";
	r.status = 200;
	r.ok = true;
	r.time.total = secs;
	r.attempts = 1;
	return r;
}

static void test_report_junit_and_markdown(void **state)
{
	(void)state;
	char dir[] = "/tmp/urlfan-test-report-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char junit[128], md[128];
	snprintf(junit, sizeof junit, "%s/j.xml", dir);
	snprintf(md, sizeof md, "%s/m.md", dir);
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.report_junit = junit;
	cfg.report_markdown = md;
	char err[256];
	bool failed;
	struct report *r = report_create(&cfg, &failed, err, sizeof err);
	assert_non_null(r);
	assert_false(failed);

	struct result a = ok_result(0, "http://a.test/?x=<1>&y=\"2\"", 0.5);
	report_record(r, &a, false);
	struct result b = ok_result(1, "http://b.test/slow|pipe*star", 2.25);
	b.status = 404;
	b.ok = false;
	report_record(r, &b, false);
	struct result c = ok_result(2, "http://c.test/bad\x01\xff", 0.1);
	c.status = 0;
	c.ok = false;
	c.error = ERR_CONNECT;
	c.error_message = "refused\nby 'peer'";
	report_record(r, &c, false);
	struct result d = ok_result(3, "http://d.test/", 0);
	d.status = 0;
	d.ok = false;
	d.error = ERR_ABORTED;
	d.error_message = "not started: --max-failures 1 reached";
	d.attempts = 0;
	report_record(r, &d, true);
	assert_int_equal(report_finish(r, 3.5, 0, "--max-failures 1 reached", err, sizeof err), 0);
	report_destroy(r);

	const char *x = slurp(junit);
	assert_non_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
	assert_non_null(strstr(x, "tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\" "
				  "time=\"3.500\""));
	assert_non_null(strstr(x, "timestamp=\"1970-01-01T00:00:00Z\""));
	assert_non_null(
		strstr(x, "name=\"http://a.test/?x=&lt;1&gt;&amp;y=&quot;2&quot;\" time=\"0.500\"/>"));
	assert_non_null(strstr(x, "<failure type=\"status\" message=\"HTTP 404 is outside --ok\">"
				  "GET status 404, 1 attempt</failure>"));
	/* A control byte and a byte that is no UTF-8 become U+FFFD; a
	 * newline in an attribute is a character reference. */
	assert_non_null(strstr(x, "name=\"http://c.test/bad\xEF\xBF\xBD\xEF\xBF\xBD\""));
	assert_non_null(strstr(x, "type=\"connect\" message=\"refused&#10;by &apos;peer&apos;\""));
	assert_non_null(strstr(x, "<skipped message=\"not started: --max-failures 1 reached\"/>"));
	assert_non_null(strstr(x, "  </testsuite>\n</testsuites>\n"));
	for (const char *p = x; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');

	const char *m = slurp(md);
	assert_non_null(strstr(m, "## urlfan: 4 requests, 1 ok, 2 failed, 1 not started\n"));
	assert_non_null(strstr(m, "The run stopped early: --max-failures 1 reached.\n"));
	assert_non_null(strstr(m, "| 4 | 1 | 2 | 1 | 3.500 s | 0.950 s |\n"));
	/* Slowest first; Markdown's characters escaped in cells. */
	const char *slow = strstr(m, "### Slowest requests");
	assert_non_null(slow);
	const char *first = strstr(slow, "| 2.250 s | 404 | http://b.test/slow\\|pipe\\*star |");
	const char *second = strstr(slow, "| 0.500 s | 200 |");
	assert_true(first && second && first < second);
	assert_non_null(strstr(m, "| - | connect | http://c.test/bad\xEF\xBF\xBD\xEF\xBF\xBD | refused by "
				  "'peer' |"));
	assert_non_null(strstr(m, "| 404 | status | http://b.test/slow\\|pipe\\*star | HTTP 404 is "
				  "outside --ok |"));

	/* Only the two reports are left: no temporary file. */
	DIR *dp = opendir(dir);
	int n = 0;
	for (struct dirent *e; (e = readdir(dp));)
		n += e->d_name[0] != '.';
	closedir(dp);
	assert_int_equal(n, 2);
	unlink(junit);
	unlink(md);
	rmdir(dir);
}

static void test_report_none_and_unwritable(void **state)
{
	(void)state;
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	char err[256];
	bool failed = true;
	assert_null(report_create(&cfg, &failed, err, sizeof err));
	assert_false(failed);
	report_record(NULL, NULL, false); /* no report: nothing to do */
	assert_int_equal(report_finish(NULL, 0, 0, NULL, err, sizeof err), 0);
	cfg.report_junit = "/nonexistent/dir/j.xml";
	struct report *r = report_create(&cfg, &failed, err, sizeof err);
	assert_non_null(r);
	assert_int_equal(report_finish(r, 0, 0, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "--report-junit: cannot write"));
	report_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_junit_and_markdown),
		cmocka_unit_test(test_report_none_and_unwritable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
