/* Unit tests for record.c and template.c: the exact bytes of ndjson
 * records for each kind of result, field by field, and template
 * rendering of every variable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "record.h"
#include "template.h"

static const char headers[] = "content-type\0application/json\0set-cookie\0a=1\0"
			      "x-one\0v\0set-cookie\0b=2\0";

/* An ok JSON response with every optional field. */
static struct result full(void)
{
	struct result r = {
		.index = 12,
		.id = "{\"k\":[1,2]}",
		.line = "{\"url\":\"http://h:8080/p/q?x=1\",\"id\":{\"k\":[1,2]}}",
		.host = "h:8080",
		.path = "/p/q",
		.path_len = 4,
		.url = "http://u:***@h:8080/p/q?x=1",
		.method = "GET",
		.status = 200,
		.ok = true,
		.effective_url = "http://h:8080/p/q?x=1",
		.http_version = "1.1",
		.content_type = "application/json",
		.body = "{ \"big\" : 12345678901234567890, \"e\": \"\\u00e9\" }",
		.size = 47,
		.headers = headers,
		.headers_len = sizeof headers - 1,
		.headers_in_record = true,
		.attempts = 2,
		.remote_ip = "::1",
		.remote_port = 8080,
		.redirects = 2,
	};
	r.body_len = strlen(r.body);
	r.time.total = 1.5;
	r.time.dns = 0.000001;
	r.time.connect = 0.25;
	r.time.tls = 0;
	r.time.ttfb = 1.0000004;
	return r;
}

static void expect_record(const struct result *r, const char *want)
{
	struct buf b = BUF_INIT;
	record_write(&b, r);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_record_full(void **state)
{
	(void)state;
	struct result r = full();
	expect_record(&r,
		      "{\"index\":12,\"id\":{\"k\":[1,2]},\"url\":\"http://u:***@h:8080/p/q?x=1\","
		      "\"method\":\"GET\",\"status\":200,\"ok\":true,"
		      "\"effective_url\":\"http://h:8080/p/q?x=1\",\"redirects\":2,"
		      "\"http_version\":\"1.1\",\"remote_ip\":\"::1\","
		      "\"content_type\":\"application/json\","
		      "\"headers\":{\"content-type\":\"application/"
		      "json\",\"set-cookie\":[\"a=1\",\"b=2\"],"
		      "\"x-one\":\"v\"},"
		      "\"body\":{\"big\":12345678901234567890,\"e\":\"\\u00e9\"},\"size\":47,"
		      "\"time\":{\"total\":1.500000,\"dns\":0.000001,\"connect\":0.250000,\"tls\":"
		      "0.000000,"
		      "\"ttfb\":1.000000},\"attempts\":2}");
}

/* Many names, some repeated far apart: each name once, at its first
 * place, with its values in order; the same whatever the names' sort
 * order is. */
static void test_record_headers_grouped(void **state)
{
	(void)state;
	struct buf h = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	/* z-0 .. z-999 in reverse sort order, a "dup" header before, among
	 * and after them, and an empty value. */
	buf_add(&h,
		"dup\0"
		"1\0",
		6);
	buf_adds(&want, "{\"dup\":[\"1\",\"2\",\"3\"]");
	for (int i = 999; i >= 0; i--) {
		buf_printf(&h, "z-%03d", i);
		buf_add(&h, "\0v\0", 3);
		buf_printf(&want, ",\"z-%03d\":\"v\"", i);
		if (i == 500)
			buf_add(&h,
				"dup\0"
				"2\0",
				6);
	}
	buf_add(&h,
		"dup\0"
		"3\0"
		"empty\0\0",
		13);
	buf_adds(&want, ",\"empty\":\"\"}");
	struct result r = full();
	r.headers = h.data;
	r.headers_len = h.len;
	record_write(&got, &r);
	const char *start = strstr(got.data, "\"headers\":");
	assert_non_null(start);
	start += strlen("\"headers\":");
	assert_memory_equal(start, want.data, want.len);
	assert_int_equal(start[want.len], ',');
	buf_free(&h);
	buf_free(&want);
	buf_free(&got);
}

/* Grouping costs n log n, not a pass over the earlier names for each
 * name: 300,000 distinct names take a fraction of a second, where the
 * quadratic way took minutes (the alarm ends the test then). */
static void test_record_headers_many_distinct(void **state)
{
	(void)state;
	enum { N = 300000 };
	struct buf h = BUF_INIT, got = BUF_INIT;
	for (int i = 0; i < N; i++) {
		buf_printf(&h, "x-%06d", N - i);
		buf_add(&h, "\0v\0", 3);
	}
	struct result r = full();
	r.headers = h.data;
	r.headers_len = h.len;
	alarm(30);
	record_write(&got, &r);
	alarm(0);
	char first[32];
	snprintf(first, sizeof first, "\"headers\":{\"x-%06d\":\"v\",", N);
	assert_non_null(strstr(got.data, first));
	assert_non_null(strstr(got.data, ",\"x-000001\":\"v\"},"));
	buf_free(&h);
	buf_free(&got);
}

static void test_record_error(void **state)
{
	(void)state;
	struct result r = {
		.index = 0,
		.host = "h:80",
		.url = "http://h/",
		.method = "POST",
		.error = ERR_CONNECT,
		.error_message = "Connection refused \"here\"",
		.attempts = 1,
		.remote_ip = "10.0.0.1", /* tried, refused */
	};
	expect_record(&r,
		      "{\"index\":0,\"url\":\"http://h/\",\"method\":\"POST\",\"status\":null,"
		      "\"ok\":false,\"effective_url\":null,\"redirects\":0,\"http_version\":null,"
		      "\"remote_ip\":\"10.0.0.1\",\"content_type\":null,\"size\":0,"
		      "\"time\":{\"total\":0.000000,\"dns\":0.000000,\"connect\":0.000000,"
		      "\"tls\":0.000000,\"ttfb\":0.000000},\"attempts\":1,"
		      "\"error\":{\"kind\":\"connect\",\"message\":\"Connection refused "
		      "\\\"here\\\"\"}}");
}

static void test_record_bodies(void **state)
{
	(void)state;
	struct result r = full();
	r.headers = NULL;
	r.id = NULL;
	struct buf b = BUF_INIT;
	/* Text stays text; binary becomes base64 with body_encoding; no body
	 * (--no-body, HEAD) leaves the key out; a file names where it went. */
	r.body = "a longer line of text\n\x01";
	r.body_len = 23;
	record_write(&b, &r);
	assert_non_null(strstr(b.data, ",\"body\":\"a longer line of text\\n\\u0001\",\"size\":"));
	assert_null(strstr(b.data, "body_encoding"));
	/* Mostly control characters: escaping would take six bytes each,
	 * base64 takes less. */
	b.len = 0;
	r.body = "\x01\x02\x03\x04\x05\x06";
	r.body_len = 6;
	record_write(&b, &r);
	assert_non_null(
		strstr(b.data, ",\"body\":\"AQIDBAUG\",\"body_encoding\":\"base64\",\"size\":"));
	b.len = 0;
	r.body = "\xff\xfe";
	r.body_len = 2;
	record_write(&b, &r);
	assert_non_null(
		strstr(b.data, ",\"body\":\"//4=\",\"body_encoding\":\"base64\",\"size\":"));
	b.len = 0;
	r.body = NULL;
	r.body_len = 0;
	record_write(&b, &r);
	assert_null(strstr(b.data, "\"body\""));
	assert_non_null(strstr(b.data, "\"content_type\":\"application/json\",\"size\":47,"));
	b.len = 0;
	r.file = "out/h/p/q";
	record_write(&b, &r);
	assert_non_null(strstr(b.data, ",\"file\":\"out/h/p/q\",\"size\":47,"));
	b.len = 0;
	/* Headers kept only for a template are not in the record. */
	r.headers = headers;
	r.headers_len = sizeof headers - 1;
	r.headers_in_record = false;
	record_write(&b, &r);
	assert_null(strstr(b.data, "\"headers\""));
	r.headers = NULL;
	b.len = 0;
	/* An empty body is a body: an empty string. */
	r.file = NULL;
	r.body = "";
	record_write(&b, &r);
	assert_non_null(strstr(b.data, ",\"body\":\"\",\"size\":"));
	/* Valid JSON that jq 1.6 cannot read (a lone surrogate escape, or
	 * nesting past RECORD_JSON_DEPTH) is its text, and says so. */
	b.len = 0;
	r.body = "[ \"\\ud800\" ]";
	r.body_len = strlen(r.body);
	record_write(&b, &r);
	assert_non_null(
		strstr(b.data,
		       ",\"body\":\"[ \\\"\\\\ud800\\\" ]\",\"body_encoding\":\"text\",\"size\":"));
	struct buf deep = BUF_INIT;
	for (int depth = RECORD_JSON_DEPTH; depth <= RECORD_JSON_DEPTH + 1; depth++) {
		deep.len = 0;
		for (int i = 0; i < depth; i++)
			buf_addc(&deep, '[');
		for (int i = 0; i < depth; i++)
			buf_addc(&deep, ']');
		b.len = 0;
		r.body = deep.data;
		r.body_len = deep.len;
		record_write(&b, &r);
		bool text = strstr(b.data, "\"body_encoding\":\"text\"") != NULL;
		assert_int_equal(text, depth > RECORD_JSON_DEPTH);
	}
	buf_free(&deep);
	/* The same for an id. */
	b.len = 0;
	r.body = NULL;
	r.id = "\"\\udc00\"";
	record_write(&b, &r);
	assert_non_null(strstr(b.data, "\"id\":\"\\\"\\\\udc00\\\"\",\"id_encoding\":\"text\","));
	b.len = 0;
	r.id = "\"\\ud83d\\ude00\"";
	record_write(&b, &r);
	assert_non_null(strstr(b.data, "\"id\":\"\\ud83d\\ude00\","));
	assert_null(strstr(b.data, "id_encoding"));
	buf_free(&b);
}

static void expect_render(const char *tmpl, const struct result *r, const char *want)
{
	char err[128];
	struct template *t = template_compile(tmpl, err, sizeof err);
	assert_non_null(t);
	struct buf b = BUF_INIT;
	template_render(t, r, &b);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
	template_destroy(t);
}

static void test_template_variables(void **state)
{
	(void)state;
	struct result r = full();
	expect_render("%{index} %{method} %{status} %{ok} %{size} %{attempts}", &r,
		      "12 GET 200 true 47 2");
	expect_render("%{url}|%{effective_url}|%{http_version}|%{content_type}", &r,
		      "http://u:***@h:8080/p/q?x=1|http://h:8080/p/q?x=1|1.1|application/json");
	expect_render("%{time_total} %{time_ttfb}", &r, "1.500000 1.000000");
	/* The port is part of the host when it is not the scheme's own. */
	expect_render("%{host}%{path}", &r, "h:8080/p/q");
	r.host = "h:80";
	expect_render("%{host}", &r, "h");
	r.url = "https://h:80/";
	expect_render("%{host}", &r, "h:80");
	r.host = "h:443";
	expect_render("%{host}", &r, "h");
	r.url = "http://u:***@h:8080/p/q?x=1";
	r.host = "h:8080";
	/* curl's names. */
	expect_render("%{http_code} %{response_code} %{url_effective} %{num_redirects}", &r,
		      "200 200 http://h:8080/p/q?x=1 2");
	expect_render("%{remote_ip} %{remote_port} %{size_download}", &r, "::1 8080 47");
	expect_render("%{time_namelookup} %{time_connect} %{time_appconnect} "
		      "%{time_starttransfer} %{time_total}",
		      &r, "0.000001 0.250000 0.000000 1.000000 1.500000");
	/* Headers by name, any case; repeated ones joined; absent: nothing. */
	expect_render("[%{header{Content-Type}}][%header{set-cookie}][%{header{x-none}}]", &r,
		      "[application/json][a=1, b=2][]");
	expect_render("[%{error_kind}][%{error}]", &r, "[][]");
	expect_render("%{id}", &r, "{\"k\":[1,2]}");
	expect_render("%{body}", &r, r.body);
	expect_render("a%%b\\t\\n\\\\%{status}", &r, "a%b\t\n\\200");
	r.id = "\"a b\"";
	expect_render("%{id}", &r, "a b"); /* a string id without its quotes */
	struct buf rec = BUF_INIT;
	record_write(&rec, &r);
	expect_render("%{json}", &r, rec.data);
	buf_free(&rec);
	struct result e = {.index = 3,
			   .host = "",
			   .url = "nope",
			   .method = "GET",
			   .error = ERR_INVALID_INPUT,
			   .error_message = "not a URL"};
	expect_render("%{status}|%{host}|%{path}|%{error_kind}|%{error}", &e,
		      "|||invalid_input|not a URL");
	/* No response: curl's 000. */
	expect_render("%{http_code}|%{remote_ip}|%{num_redirects}", &e, "000||0");
}

/* Where the value went, and whether it was the body, for put_cb. */
static void put_cb(struct buf *to, const char *s, size_t n, bool body, void *ctx)
{
	(void)ctx;
	buf_adds(to, body ? "<B:" : "<");
	buf_add(to, s, n);
	buf_addc(to, '>');
}

static void test_template_streams_and_values(void **state)
{
	(void)state;
	char err[1024];
	struct result r = full();
	r.body = "xy";
	r.body_len = 2;
	struct template *t = template_compile(
		"a%{status}%{stderr}b%{body}%{stdout}c%{header{x-one}}", err, sizeof err);
	assert_non_null(t);
	assert_true(template_has_streams(t));
	struct buf out = BUF_INIT, errs = BUF_INIT;
	template_render_to(t, &r, &out, &errs, put_cb, put_cb, NULL);
	/* The template's own text as it is; values through put. */
	assert_string_equal(out.data, "a<200>c<v>");
	assert_string_equal(errs.data, "b<B:xy>");
	/* Each stream through its own put: stderr may be no terminal while
	 * stdout is one, and the other way round. */
	out.len = errs.len = 0;
	template_render_to(t, &r, &out, &errs, put_cb, NULL, NULL);
	assert_string_equal(out.data, "a<200>c<v>");
	assert_string_equal(errs.data, "bxy");
	out.len = errs.len = 0;
	template_render_to(t, &r, &out, &errs, NULL, put_cb, NULL);
	assert_string_equal(out.data, "a200cv");
	assert_string_equal(errs.data, "b<B:xy>");
	/* Without a place for stderr, or through template_render(): all on out. */
	out.len = 0;
	template_render_to(t, &r, &out, NULL, NULL, NULL, NULL);
	assert_string_equal(out.data, "a200bxycv");
	out.len = 0;
	template_render(t, &r, &out);
	assert_string_equal(out.data, "a200bxycv");
	buf_free(&out);
	buf_free(&errs);
	template_destroy(t);
	t = template_compile("%{status}", err, sizeof err);
	assert_false(template_has_streams(t));
	template_destroy(t);
}

static void test_template_errors(void **state)
{
	(void)state;
	char err[1024];
	assert_null(template_compile("%{nope}", err, sizeof err));
	/* The message lists the valid names, curl's too. */
	assert_non_null(strstr(err, "unknown variable '%{nope}' in template; the variables are "
				    "index, id, url, method, status,"));
	assert_non_null(strstr(err, ", http_code, "));
	assert_non_null(strstr(err, ", header{NAME}, stdout and stderr"));
	assert_null(template_compile("%{header{}}", err, sizeof err));
	assert_null(template_compile("%{header{x}", err, sizeof err));
	assert_null(template_compile("%header{", err, sizeof err));
	assert_null(template_compile("x %{status", err, sizeof err));
	assert_string_equal(err, "unterminated '%{' in template");
	/* Record-only keys are no variables. */
	assert_null(template_compile("%{headers}", err, sizeof err));
	assert_null(template_compile("%{time}", err, sizeof err));
	assert_null(record_field("time", 4));
	assert_non_null(record_field("time_total", 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_full),
		cmocka_unit_test(test_record_headers_grouped),
		cmocka_unit_test(test_record_headers_many_distinct),
		cmocka_unit_test(test_record_error),
		cmocka_unit_test(test_record_bodies),
		cmocka_unit_test(test_template_variables),
		cmocka_unit_test(test_template_errors),
		cmocka_unit_test(test_template_streams_and_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
