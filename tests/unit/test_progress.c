/* Unit tests for progress.c: counts, status and error maps, latency
 * percentiles against a known distribution, the JSON summary (parsed with
 * cJSON), bounded heavy-hitter hosts, and the progress line's redraw rate,
 * content and erasure, all with a clock driven by the test. */
#include <setjmp.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "progress.h"
#include "result.h"

/* Feed one synthetic record. host may be NULL for an invalid line. */
static void feed(struct progress *p, const char *host, long status, bool ok,
		 enum err_kind err, double total, size_t bytes)
{
	struct result res = {
		.host = host ? host : "",
		.url = "http://x/",
		.method = "GET",
		.status = status,
		.ok = ok,
		.body_len = bytes,
		.size = bytes,
		.attempts = 1,
		.error = err,
		.error_message = err ? "boom" : NULL,
	};
	res.time.total = total;
	progress_record(p, &res);
}

/* Everything written to a memstream, as a NUL-terminated string. */
struct capture {
	FILE *f;
	char *data;
	size_t len;
};

static void capture_open(struct capture *c)
{
	c->data = NULL;
	c->len = 0;
	c->f = open_memstream(&c->data, &c->len);
	assert_non_null(c->f);
}

static void capture_close(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	c->f = NULL;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

/* The JSON summary of p at time now, parsed; the text must be exactly one
 * line. */
static cJSON *summary_json(struct progress *p, double now)
{
	struct capture c;
	capture_open(&c);
	progress_summary(p, c.f, true, now);
	capture_close(&c);
	assert_true(c.len > 0);
	assert_int_equal(c.data[c.len - 1], '\n');
	assert_int_equal(count_str(c.data, "\n"), 1);
	cJSON *j = cJSON_Parse(c.data);
	if (!j)
		fail_msg("summary is not JSON: %s", c.data);
	free(c.data);
	return j;
}

static char *summary_text(struct progress *p, double now)
{
	struct capture c;
	capture_open(&c);
	progress_summary(p, c.f, false, now);
	capture_close(&c);
	return c.data;
}

static double num(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", key);
	return v->valuedouble;
}

static void test_progress_counts_and_maps(void **state)
{
	(void)state;
	struct progress *p = progress_create(stderr, false, -1);
	progress_tick(p, 100.0, 0);
	for (int i = 0; i < 90; i++)
		feed(p, "a.test:80", 200, true, ERR_NONE, 0.01, 100);
	for (int i = 0; i < 7; i++)
		feed(p, "a.test:80", 404, false, ERR_NONE, 0.02, 10);
	feed(p, "b.test:443", 500, false, ERR_NONE, 0.03, 0);
	feed(p, "c.test:80", 0, false, ERR_TIMEOUT, 5.0, 0);
	feed(p, "d.test:80", 0, false, ERR_CONNECT, 0.001, 0);
	/* A response cut short: counted as the error, not as status 200. */
	feed(p, "b.test:443", 200, false, ERR_TOO_LARGE, 0.5, 1000);
	feed(p, NULL, 0, false, ERR_INVALID_INPUT, 0, 0);

	cJSON *j = summary_json(p, 102.0);
	assert_int_equal(num(j, "requests"), 102);
	assert_int_equal(num(j, "ok"), 90);
	assert_int_equal(num(j, "failed"), 12);
	assert_int_equal(num(j, "bytes"), 90 * 100 + 7 * 10 + 1000);
	assert_true(fabs(num(j, "wall") - 2.0) < 1e-9);
	assert_true(fabs(num(j, "rps") - 51.0) < 1e-3);

	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	assert_true(cJSON_IsObject(st));
	assert_int_equal(cJSON_GetArraySize(st), 2);
	assert_int_equal(num(st, "404"), 7);
	assert_int_equal(num(st, "500"), 1);

	const cJSON *er = cJSON_GetObjectItemCaseSensitive(j, "errors");
	assert_true(cJSON_IsObject(er));
	assert_int_equal(cJSON_GetArraySize(er), 4);
	assert_int_equal(num(er, "timeout"), 1);
	assert_int_equal(num(er, "connect"), 1);
	assert_int_equal(num(er, "too_large"), 1);
	assert_int_equal(num(er, "invalid_input"), 1);

	/* Latency over the 99 records with a status: max is exact. */
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "latency");
	assert_true(fabs(num(lat, "max") - 0.5) < 1e-9);
	assert_true(fabs(num(lat, "p50") - 0.01) < 0.01 * 0.045);

	/* Hosts: exact counts (fewer than 64), busiest first; the invalid
	 * line is in no host. */
	const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(j, "hosts");
	assert_true(cJSON_IsArray(hosts));
	assert_int_equal(cJSON_GetArraySize(hosts), 4);
	const cJSON *h0 = cJSON_GetArrayItem(hosts, 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(h0, "host")->valuestring,
			    "a.test:80");
	assert_int_equal(num(h0, "requests"), 97);
	/* Per host, as the text summary has them: records not ok, and
	 * whether the counts are estimates (not below 64 hosts). */
	assert_int_equal(num(h0, "failed"), 7);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(h0, "estimated")));
	const cJSON *h1 = cJSON_GetArrayItem(hosts, 1);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(h1, "host")->valuestring,
			    "b.test:443");
	assert_int_equal(num(h1, "requests"), 2);
	assert_int_equal(num(h1, "failed"), 2);
	/* Exactly the documented keys, in order. */
	const char *keys[] = {"requests", "ok", "failed", "status", "errors",
			      "latency", "bytes", "wall", "rps", "hosts"};
	const cJSON *it = j->child;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++, it = it->next) {
		assert_non_null(it);
		assert_string_equal(it->string, keys[i]);
	}
	assert_null(it);
	cJSON_Delete(j);

	char *text = summary_text(p, 102.0);
	assert_non_null(strstr(text, "requests 102  ok 90  failed 12  bytes 9.8KiB  wall 2.00s  51.0 req/s\n"));
	assert_non_null(strstr(text, "\nstatus   404: 7  500: 1\n"));
	assert_non_null(strstr(text, "\nerrors   invalid_input: 1  connect: 1  timeout: 1  too_large: 1\n"));
	assert_non_null(strstr(text, "\nlatency  p50 "));
	assert_non_null(strstr(text, "max 500ms\n"));
	assert_non_null(strstr(text, "\nhost     a.test:80 97 (7 failed)  b.test:443 2 (2 failed)  c.test:80 1 (1 failed)  d.test:80 1 (1 failed)\n"));
	free(text);
	progress_destroy(p);
}

static void test_progress_percentiles_uniform(void **state)
{
	(void)state;
	struct progress *p = progress_create(stderr, false, 1000);
	progress_tick(p, 0.0, 0);
	/* 1..1000 ms, in a scrambled order: 7 is coprime with 1000. */
	for (int i = 0; i < 1000; i++)
		feed(p, "h:80", 200, true, ERR_NONE, ((i * 7) % 1000 + 1) / 1000.0, 0);
	cJSON *j = summary_json(p, 1.0);
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "latency");
	/* Within a bucket's relative error, 2^(1/16) - 1 < 4.5%. */
	assert_true(fabs(num(lat, "p50") / 0.500 - 1) < 0.045);
	assert_true(fabs(num(lat, "p90") / 0.900 - 1) < 0.045);
	assert_true(fabs(num(lat, "p99") / 0.990 - 1) < 0.045);
	assert_true(num(lat, "p99") <= 1.0);
	assert_true(num(lat, "max") == 1.0);
	cJSON_Delete(j);
	progress_destroy(p);
}

static void test_progress_percentiles_wide_range(void **state)
{
	(void)state;
	/* One value per decade from 1 us to 1000 s (and beyond both ends):
	 * every reported percentile is within the bound of a fed value. */
	const double vals[] = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000};
	for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
		struct progress *p = progress_create(stderr, false, -1);
		feed(p, "h:80", 200, true, ERR_NONE, vals[k] * 0.97, 0);
		feed(p, "h:80", 200, true, ERR_NONE, vals[k], 0);
		feed(p, "h:80", 200, true, ERR_NONE, vals[k] * 1.03, 0);
		cJSON *j = summary_json(p, 0);
		const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "latency");
		double p50 = num(lat, "p50");
		/* JSON has microsecond resolution. */
		assert_true(fabs(p50 - vals[k]) <= vals[k] * 0.045 + 1e-6);
		assert_true(fabs(num(lat, "max") - vals[k] * 1.03) <= 1e-6);
		cJSON_Delete(j);
		progress_destroy(p);
	}
	/* Out of range both ways: clamped to what was seen. */
	struct progress *p = progress_create(stderr, false, -1);
	feed(p, "h:80", 200, true, ERR_NONE, 1e-9, 0);
	feed(p, "h:80", 200, true, ERR_NONE, 5000, 0);
	cJSON *j = summary_json(p, 0);
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "latency");
	assert_true(num(lat, "p50") <= 1e-6);
	assert_true(num(lat, "p99") == 5000);
	assert_true(num(lat, "max") == 5000);
	cJSON_Delete(j);
	progress_destroy(p);
}

static void test_progress_json_empty_and_no_responses(void **state)
{
	(void)state;
	/* Nothing at all, not even a tick. */
	struct progress *p = progress_create(stderr, false, -1);
	cJSON *j = summary_json(p, 5.0);
	assert_int_equal(num(j, "requests"), 0);
	assert_int_equal(num(j, "wall"), 0);
	assert_int_equal(num(j, "rps"), 0);
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "latency");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(lat, "p50")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(lat, "max")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "hosts")), 0);
	cJSON_Delete(j);
	char *text = summary_text(p, 5.0);
	assert_string_equal(text, "requests 0  ok 0  failed 0  bytes 0B  wall 0.00s  0.0 req/s\n");
	free(text);

	/* Only errors, and a NaN time and a host name needing escapes. */
	progress_tick(p, 1.0, 0);
	feed(p, "dns.test:80", 0, false, ERR_DNS, 0, 0);
	feed(p, "q\"\\\x01\xff:80", 0, false, ERR_TLS, 0, 0);
	j = summary_json(p, 0.5); /* a clock going back: wall 0, not < 0 */
	assert_int_equal(num(j, "failed"), 2);
	assert_int_equal(num(j, "wall"), 0);
	lat = cJSON_GetObjectItemCaseSensitive(j, "latency");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(lat, "p99")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "hosts")), 2);
	cJSON_Delete(j);
	feed(p, "h:80", 502, false, ERR_NONE, NAN, 0);
	j = summary_json(p, 2.0);
	lat = cJSON_GetObjectItemCaseSensitive(j, "latency");
	assert_int_equal(num(lat, "max"), 0);
	cJSON_Delete(j);
	progress_destroy(p);
	progress_destroy(NULL);
}

static void test_progress_hosts_bounded(void **state)
{
	(void)state;
	struct progress *p = progress_create(stderr, false, -1);
	char host[64];
	int heavy = 0;
	/* 10,000 distinct hosts once each, with the heavy host interleaved
	 * one time in three: 5,000 of its requests in all. */
	for (int i = 0; i < 10000; i++) {
		snprintf(host, sizeof host, "h%d.test:80", i);
		feed(p, host, 200, true, ERR_NONE, 0.01, 0);
		if (i % 2 == 0) {
			feed(p, "heavy.test:443", 200, true, ERR_NONE, 0.01, 0);
			heavy++;
		}
	}
	assert_int_equal(heavy, 5000);
	cJSON *j = summary_json(p, 0);
	assert_int_equal(num(j, "requests"), 15000);
	const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(j, "hosts");
	assert_int_equal(cJSON_GetArraySize(hosts), 5);
	const cJSON *h0 = cJSON_GetArrayItem(hosts, 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(h0, "host")->valuestring,
			    "heavy.test:443");
	/* An upper bound, over by at most records / 64. */
	double n = num(h0, "requests");
	assert_true(n >= 5000 && n <= 5000 + 15000 / 64 + 1);
	/* The others' counts are upper bounds too, below the heavy one. */
	for (int i = 1; i < 5; i++) {
		const cJSON *h = cJSON_GetArrayItem(hosts, i);
		assert_true(num(h, "requests") < n);
		/* They took over evicted counters: marked as estimates. */
		assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "estimated")));
		assert_int_equal(num(h, "failed"), 0);
	}
	cJSON_Delete(j);

	/* The text marks approximate counts. */
	char *text = summary_text(p, 0);
	assert_non_null(strstr(text, "\nhost     heavy.test:443 "));
	assert_non_null(strstr(text, " ~"));
	free(text);
	progress_destroy(p);
}

/* The number of draws in s: each begins with "\r" and a digit. */
static size_t draws(const char *s)
{
	size_t n = 0;
	for (; (s = strchr(s, '\r')); s++)
		if (s[1] >= '0' && s[1] <= '9')
			n++;
	return n;
}

static void test_progress_line_rate_limited(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct progress *p = progress_create(c.f, true, 2000);
	/* 2 s of ticks 1 ms apart, one record each. */
	for (int i = 0; i < 2000; i++) {
		progress_tick(p, 50.0 + i * 0.001, 8);
		feed(p, "a:80", i % 10 ? 200 : 503, i % 10 != 0, ERR_NONE, 0.01, 0);
	}
	fflush(c.f);
	size_t n = draws(c.data);
	/* At most 10 a second, plus the first. */
	assert_true(n >= 15);
	assert_true(n <= 21);
	assert_non_null(strstr(c.data, "/2000 ("));
	assert_non_null(strstr(c.data, "%)"));
	assert_non_null(strstr(c.data, " in flight"));
	assert_non_null(strstr(c.data, " failed"));
	assert_non_null(strstr(c.data, "ETA "));
	assert_non_null(strstr(c.data, "\033[K"));
	/* 0.1 s later, one more draw shows the end. */
	progress_tick(p, 52.1, 0);
	fflush(c.f);
	assert_int_equal(draws(c.data), n + 1);
	/* The last draw: all done at about 1000 req/s. */
	const char *last = strrchr(c.data, '\r');
	assert_non_null(strstr(last, "2000/2000 (100.0%)"));
	assert_non_null(strstr(last, "0 in flight  200 failed  ETA 0s"));
	double rate = strtod(strstr(last, ")  ") + 3, NULL);
	assert_true(rate > 900 && rate < 1100);
	/* Under 80 columns. */
	assert_true(strlen(last) < 80);

	/* Clearing erases once; a second clear writes nothing. */
	size_t before = c.len;
	progress_clear(p);
	fflush(c.f);
	assert_int_equal(c.len, before + 4);
	assert_memory_equal(c.data + before, "\r\033[K", 4);
	progress_clear(p);
	fflush(c.f);
	assert_int_equal(c.len, before + 4);

	/* Within 0.1 s of the last draw: still hidden; then drawn again. */
	progress_tick(p, 52.15, 0);
	fflush(c.f);
	assert_int_equal(c.len, before + 4);
	progress_tick(p, 52.25, 0);
	fflush(c.f);
	assert_true(c.len > before + 4);

	/* The summary on the same stream erases the line first. */
	before = c.len;
	progress_summary(p, c.f, false, 53.0);
	fflush(c.f);
	assert_memory_equal(c.data + before, "\r\033[Krequests 2000 ", 17);
	progress_destroy(p);
	capture_close(&c);
	free(c.data);
}

static void test_progress_line_percent_and_eta(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct progress *p = progress_create(c.f, true, 1000);
	progress_tick(p, 0, 0);
	fflush(c.f);
	/* Before any rate is known: no ETA guess. */
	assert_non_null(strstr(c.data, "\r0/1000 (0.0%)  0.0 req/s  0 in flight  0 failed  ETA --\033[K"));
	/* A steady 10 req/s for 10 s, ticked every 50 ms. */
	int fed = 0;
	for (int t = 1; t <= 200; t++) {
		double now = t * 0.05;
		while (fed < (int)(now * 10 + 1e-9)) {
			feed(p, "a:80", 200, true, ERR_NONE, 0.01, 0);
			fed++;
		}
		progress_tick(p, now, 4);
	}
	fflush(c.f);
	assert_int_equal(fed, 100);
	const char *last = strrchr(c.data, '\r');
	assert_non_null(strstr(last, "\r100/1000 (10.0%)  "));
	double rate = strtod(strstr(last, ")  ") + 3, NULL);
	assert_true(rate > 9 && rate < 11);
	/* 900 left at about 10/s: 1m30s, give or take. */
	assert_non_null(strstr(last, "ETA 1m"));
	/* Never 100% before the end. */
	for (int i = 0; i < 899; i++)
		feed(p, "a:80", 200, true, ERR_NONE, 0.01, 0);
	progress_tick(p, 20, 0);
	fflush(c.f);
	assert_non_null(strstr(strrchr(c.data, '\r'), "999/1000 (99.9%)"));
	progress_destroy(p);
	capture_close(&c);
	free(c.data);
}

static void test_progress_line_unknown_total(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct progress *p = progress_create(c.f, true, -1);
	for (int i = 0; i < 30; i++) {
		feed(p, "a:80", 200, true, ERR_NONE, 0.01, 0);
		progress_tick(p, i * 0.2, 3);
	}
	fflush(c.f);
	assert_true(draws(c.data) >= 25);
	const char *last = strrchr(c.data, '\r');
	assert_non_null(strstr(last, "\r30  "));
	assert_non_null(strstr(last, "3 in flight  0 failed\033[K"));
	assert_null(strstr(c.data, "%"));
	assert_null(strstr(c.data, "ETA"));
	assert_null(strstr(c.data, "/1"));
	progress_clear(p);
	progress_destroy(p);
	capture_close(&c);
	free(c.data);
}

static void test_progress_no_line(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct progress *p = progress_create(c.f, false, 10);
	for (int i = 0; i < 100; i++) {
		progress_tick(p, i * 0.5, 1);
		feed(p, "a:80", 200, true, ERR_NONE, 0.01, 0);
	}
	progress_clear(p);
	fflush(c.f);
	assert_int_equal(c.len, 0);
	/* A clear before any draw writes nothing either. */
	struct progress *q = progress_create(c.f, true, 10);
	progress_clear(q);
	fflush(c.f);
	assert_int_equal(c.len, 0);
	progress_destroy(q);
	progress_destroy(p);
	capture_close(&c);
	free(c.data);
}

/* The last line drawn (after its '\r', without the erase sequence). */
static char *last_line(const struct capture *c)
{
	const char *cr = strrchr(c->data, '\r');
	assert_non_null(cr);
	const char *end = strstr(cr, "\033[K");
	assert_non_null(end);
	return strndup(cr + 1, (size_t)(end - cr - 1));
}

static void test_progress_line_fits_the_width(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct progress *p = progress_create(c.f, true, 1000);
	progress_set_host_bound(p, 6, true);
	progress_tick(p, 0, 0);
	for (int i = 0; i < 123; i++)
		feed(p, "a:80", i < 3 ? 500 : 200, i >= 3, ERR_NONE, 0.01, 0);
	feed(p, "a:80", 0, false, ERR_ABORTED, 0, 0);
	/* Wide: everything, in its order. */
	progress_tick(p, 10, 6);
	fflush(c.f);
	char *line = last_line(&c);
	assert_string_equal(line, "124/1000 (12.4%)  12.4 req/s  6 in flight  6/6 per host  "
				  "3 failed  1 aborted  ETA 1m11s");
	free(line);
	/* Narrower and narrower: the ETA goes first, then the rate, the
	 * per-host note, the aborted and failed counts, the requests in
	 * flight and the percentage; the line always stays one column
	 * short of the width, so it never wraps. */
	static const struct {
		int width;
		const char *want;
	} rows[] = {
		{80, "124/1000 (12.4%)  12.4 req/s  6 in flight  6/6 per host  3 failed  1 aborted"},
		{70, "124/1000 (12.4%)  6 in flight  6/6 per host  3 failed  1 aborted"},
		{65, "124/1000 (12.4%)  6 in flight  6/6 per host  3 failed  1 aborted"},
		{64, "124/1000 (12.4%)  6 in flight  3 failed  1 aborted"},
		{51, "124/1000 (12.4%)  6 in flight  3 failed  1 aborted"},
		{50, "124/1000 (12.4%)  6 in flight  3 failed"},
		{40, "124/1000 (12.4%)  6 in flight  3 failed"},
		{39, "124/1000 (12.4%)  6 in flight"},
		{30, "124/1000 (12.4%)  6 in flight"},
		{25, "124/1000 (12.4%)"},
		{12, "124/1000"},
		{5, "124/"},
	};
	double now = 10;
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		progress_set_width(p, rows[i].width);
		/* A new width is drawn at once, not after the redraw interval. */
		now += 0.001;
		size_t before = draws(c.data);
		progress_tick(p, now, 6);
		fflush(c.f);
		assert_int_equal(draws(c.data), before + 1);
		line = last_line(&c);
		if (strcmp(line, rows[i].want) != 0)
			fail_msg("width %d: '%s', not '%s'", rows[i].width, line, rows[i].want);
		assert_true(strlen(line) < (size_t)rows[i].width);
		free(line);
	}
	/* Interrupted: those in flight are finishing; no per-host note. */
	progress_set_width(p, 0);
	progress_set_finishing(p);
	progress_tick(p, now + 1, 6);
	fflush(c.f);
	line = last_line(&c);
	assert_non_null(strstr(line, "  6 finishing  3 failed  1 aborted  ETA "));
	assert_null(strstr(line, "per host"));
	free(line);
	progress_destroy(p);
	capture_close(&c);
	free(c.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_counts_and_maps),
		cmocka_unit_test(test_progress_percentiles_uniform),
		cmocka_unit_test(test_progress_percentiles_wide_range),
		cmocka_unit_test(test_progress_json_empty_and_no_responses),
		cmocka_unit_test(test_progress_hosts_bounded),
		cmocka_unit_test(test_progress_line_rate_limited),
		cmocka_unit_test(test_progress_line_percent_and_eta),
		cmocka_unit_test(test_progress_line_unknown_total),
		cmocka_unit_test(test_progress_no_line),
		cmocka_unit_test(test_progress_line_fits_the_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
