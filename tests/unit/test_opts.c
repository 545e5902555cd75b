/* Unit tests for opts.c: value parsers and the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "opts.h"

/* --- value parsers ---------------------------------------------------- */

static void test_opts_parse_seconds(void **state)
{
	(void)state;
	double d;
	static const struct {
		const char *s;
		double want;
	} good[] = {
		{"0.5", 0.5}, {"10", 10}, {".25", 0.25}, {"0", 0}, {"1.", 1},
		{"1e3", 1000}, {"1000000000", 1e9},
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		d = -42;
		if (opts_parse_seconds(good[i].s, &d) != 0)
			fail_msg("'%s' rejected", good[i].s);
		assert_true(d == good[i].want);
	}
	static const char *const bad[] = {
		"-1", "-0", "abc", "1s", "inf", "nan", "INF", "", " 1", "1 ", "+1",
		"1e400", "1000000001", ".", "1..2",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		d = -42;
		if (opts_parse_seconds(bad[i], &d) != -1)
			fail_msg("'%s' accepted as %g", bad[i], d);
		/* A rejected value leaves the output alone. */
		assert_true(d == -42);
	}
}

static void test_opts_parse_seconds_rejects_hex(void **state)
{
	(void)state;
	/* strtod reads hex floats; seconds are decimal ("N[.N]"), and the
	 * code's own comment says hex floats are rejected. */
	static const char *const bad[] = {"0x10", "0X1p4", "0x.8"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		double d = -42;
		if (opts_parse_seconds(bad[i], &d) != -1)
			fail_msg("'%s' accepted as %g", bad[i], d);
	}
}

static void test_opts_parse_size(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		long long want;
	} good[] = {
		{"100M", 104857600LL}, {"512K", 524288LL}, {"2G", 2147483648LL},
		{"10", 10}, {"0", 0}, {"1KB", 1024}, {"1kb", 1024}, {"3m", 3LL << 20},
		{"1g", 1LL << 30}, {"7MB", 7LL << 20}, {"1048576G", 1LL << 50},
		{"1125899906842624", 1LL << 50},
		/* One meaning whatever the spelling: powers of 1024. */
		{"1KiB", 1024}, {"1kib", 1024}, {"2MiB", 2LL << 20}, {"1GiB", 1LL << 30},
		/* Fractions, rounded down to a byte. */
		{"1.5M", 1572864}, {"0.5K", 512}, {"1.5k", 1536}, {"0.001K", 1},
		{"0.0001K", 0}, {"2.25GiB", 9LL << 28}, {"1.123456789123G", 1206302541},
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		long long v = -42;
		if (opts_parse_size(good[i].s, &v) != 0)
			fail_msg("'%s' rejected", good[i].s);
		assert_true(v == good[i].want);
	}
	static const char *const bad[] = {
		"", "M", "-1", "+1", " 1", "1 ", "1T", "1MM", "1B", "1.5", "1.M",
		".5M", "1Ki", "1KiBB", "1iB", "0x10", "1e3", "1048577G", "1125899906842625",
		"99999999999999999999", "1048576.1G",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		long long v = -42;
		if (opts_parse_size(bad[i], &v) != -1)
			fail_msg("'%s' accepted as %lld", bad[i], v);
		assert_true(v == -42);
	}
}

static void test_opts_parse_ok(void **state)
{
	(void)state;
	struct ok_range r[OK_RANGES_MAX];
	size_t n = 99;
	assert_int_equal(opts_parse_ok("200-399", r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].lo, 200);
	assert_int_equal(r[0].hi, 399);

	assert_int_equal(opts_parse_ok("200,204,300-399", r, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].lo, 200);
	assert_int_equal(r[0].hi, 200);
	assert_int_equal(r[1].lo, 204);
	assert_int_equal(r[1].hi, 204);
	assert_int_equal(r[2].lo, 300);
	assert_int_equal(r[2].hi, 399);

	assert_int_equal(opts_parse_ok("100-599", r, &n), 0);
	assert_int_equal(opts_parse_ok("404", r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].lo, 404);
	assert_int_equal(r[0].hi, 404);

	static const char *const bad[] = {
		"99", "600", "300-200", "2xx", "200,", "", ",200", "200-", "-200",
		"200-600", "99-200", "200 ", " 200", "200;300", "200,,300",
		"200-300-400", "+200", "200-+300", "abc",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (opts_parse_ok(bad[i], r, &n) != -1)
			fail_msg("'%s' accepted", bad[i]);

	/* At most OK_RANGES_MAX ranges. */
	char list[OK_RANGES_MAX * 4 + 8] = "";
	for (int i = 0; i < OK_RANGES_MAX; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d",
			 i ? "," : "", 200 + i);
	assert_int_equal(opts_parse_ok(list, r, &n), 0);
	assert_int_equal(n, OK_RANGES_MAX);
	assert_int_equal(r[OK_RANGES_MAX - 1].lo, 200 + OK_RANGES_MAX - 1);
	strcat(list, ",300");
	assert_int_equal(opts_parse_ok(list, r, &n), -1);
}

static void test_config_status_ok(void **state)
{
	(void)state;
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	assert_int_equal(opts_parse_ok("200,204,300-399", cfg.ok, &cfg.nok), 0);
	assert_true(config_status_ok(&cfg, 200));
	assert_true(config_status_ok(&cfg, 204));
	assert_true(config_status_ok(&cfg, 300));
	assert_true(config_status_ok(&cfg, 350));
	assert_true(config_status_ok(&cfg, 399));
	assert_false(config_status_ok(&cfg, 201));
	assert_false(config_status_ok(&cfg, 199));
	assert_false(config_status_ok(&cfg, 299));
	assert_false(config_status_ok(&cfg, 400));
	assert_false(config_status_ok(&cfg, 0));
	/* No ranges: nothing is ok. */
	cfg.nok = 0;
	assert_false(config_status_ok(&cfg, 200));
}

/* --- opts_parse ------------------------------------------------------- */

/* Put glibc's getopt fully back to its initial state (optind = 0), so one
 * test's parse cannot leak into the next. */
static void reset_getopt(void)
{
	static char *argv[] = {"reset", NULL};
	optind = 0;
	opterr = 0;
	(void)getopt(1, argv, "");
}

struct parsed {
	struct config cfg;
	char err[512];
	enum opts_action act;
};

#define ARGC(a) ((int)(sizeof(a) / sizeof *(a)) - 1)

static void parse(struct parsed *p, int argc, char **argv)
{
	reset_getopt();
	memset(p->err, 0, sizeof p->err);
	p->act = opts_parse(argc, argv, &p->cfg, p->err, sizeof p->err);
}

/* argv must be NULL-terminated; the result must be OPTS_ERROR with a
 * message containing each of the words. */
static void expect_error(char **argv, const char *word)
{
	struct parsed p;
	int argc = 0;
	while (argv[argc])
		argc++;
	parse(&p, argc, argv);
	if (p.act != OPTS_ERROR)
		fail_msg("'%s %s' gave action %d", argv[1], argc > 2 ? argv[2] : "",
			 (int)p.act);
	if (!strstr(p.err, word))
		fail_msg("error '%s' does not name '%s'", p.err, word);
	opts_free(&p.cfg);
}

static void test_opts_defaults(void **state)
{
	(void)state;
	char *argv[] = {"urlfan", NULL};
	struct parsed p;
	parse(&p, ARGC(argv), argv);
	assert_int_equal(p.act, OPTS_RUN);
	struct config *c = &p.cfg;
	assert_int_equal(c->parallel, 50);
	assert_int_equal(c->per_host, 6);
	assert_int_equal(c->max_redirs, 10);
	assert_true(c->compressed);
	assert_int_equal(c->format, FORMAT_TEXT);
	assert_int_equal(c->nok, 1);
	assert_int_equal(c->ok[0].lo, 200);
	assert_int_equal(c->ok[0].hi, 399);
	assert_true(c->connect_timeout == 10);
	assert_true(c->idle_timeout == 30);
	assert_true(c->max_time == 0);
	assert_true(c->max_body == 100LL << 20);
	assert_int_equal(c->nurls, 0);
	assert_null(c->input);
	assert_null(c->method);
	assert_null(c->body);
	assert_false(c->body_is_json);
	assert_int_equal(c->nheaders, 0);
	assert_false(c->no_body);
	assert_false(c->head);
	assert_false(c->insecure);
	assert_false(c->silent);
	assert_int_equal(c->verbose, 0);
	assert_int_equal(c->color, COLOR_AUTO);
	assert_int_equal(c->http_version, HTTPV_DEFAULT);
	assert_non_null(c->user_agent);
	assert_memory_equal(c->user_agent, "urlfan/", 7);
	assert_true(config_status_ok(c, 200));
	assert_false(config_status_ok(c, 404));
	opts_free(c);
}

static void test_opts_many_options(void **state)
{
	(void)state;
	char *argv[] = {"urlfan", "-j", "8", "-p", "2", "-J", "--no-body",
			"-H", "A: b", "-H", "C: d", "--ok", "200-499",
			"http://u1.test/", "http://u2.test/", NULL};
	struct parsed p;
	parse(&p, ARGC(argv), argv);
	assert_int_equal(p.act, OPTS_RUN);
	struct config *c = &p.cfg;
	assert_int_equal(c->parallel, 8);
	assert_int_equal(c->per_host, 2);
	assert_int_equal(c->format, FORMAT_NDJSON);
	assert_true(c->no_body);
	assert_int_equal(c->nheaders, 2);
	assert_string_equal(c->headers[0], "A: b");
	assert_string_equal(c->headers[1], "C: d");
	assert_int_equal(c->nok, 1);
	assert_int_equal(c->ok[0].lo, 200);
	assert_int_equal(c->ok[0].hi, 499);
	assert_true(config_status_ok(c, 404));
	assert_false(config_status_ok(c, 500));
	assert_int_equal(c->nurls, 2);
	assert_string_equal(c->urls[0], "http://u1.test/");
	assert_string_equal(c->urls[1], "http://u2.test/");
	opts_free(c);
}

static void test_opts_more_options(void **state)
{
	(void)state;
	char *argv[] = {"urlfan", "--parallel=3", "--per-host", "4", "-X", "PUT",
			"-A", "agent/1", "-u", "a:b", "-x", "http://proxy:3128",
			"-k", "--cacert", "/dev/null", "--http2", "--resolve",
			"a.test:80:127.0.0.1", "--resolve", "b.test:443:::1",
			"--unix-socket", "/dev/null", "-I", "--max-redirs", "0",
			"--no-compressed", "--connect-timeout", "0.5",
			"--idle-timeout", "7", "-m", "2.5", "--max-body", "512K",
			"--format", "ndjson", "--color", "never", "-s", "-vv", "-v",
			"-i", "-", NULL};
	struct parsed p;
	parse(&p, ARGC(argv), argv);
	if (p.act != OPTS_RUN)
		fail_msg("error: %s", p.err);
	struct config *c = &p.cfg;
	assert_int_equal(c->parallel, 3);
	assert_int_equal(c->per_host, 4);
	assert_string_equal(c->method, "PUT");
	assert_string_equal(c->user_agent, "agent/1");
	assert_string_equal(c->user, "a:b");
	assert_string_equal(c->proxy, "http://proxy:3128");
	assert_true(c->insecure);
	assert_string_equal(c->cacert, "/dev/null");
	assert_int_equal(c->http_version, HTTPV_2);
	assert_int_equal(c->nresolve, 2);
	assert_string_equal(c->resolve[0], "a.test:80:127.0.0.1");
	assert_string_equal(c->resolve[1], "b.test:443:::1");
	assert_string_equal(c->unix_socket, "/dev/null");
	assert_true(c->head);
	assert_int_equal(c->max_redirs, 0);
	assert_false(c->compressed);
	assert_true(c->connect_timeout == 0.5);
	assert_true(c->idle_timeout == 7);
	assert_true(c->max_time == 2.5);
	assert_true(c->max_body == 524288);
	assert_int_equal(c->format, FORMAT_NDJSON);
	assert_int_equal(c->color, COLOR_NEVER);
	assert_true(c->silent);
	assert_int_equal(c->verbose, 3);
	assert_string_equal(c->input, "-");
	assert_int_equal(c->nurls, 0);
	opts_free(c);
}

static void test_opts_urls_before_and_after_options(void **state)
{
	(void)state;
	/* Options after URLs (glibc permutes argv). */
	char *argv1[] = {"urlfan", "http://u1.test/", "-j", "8", "http://u2.test/",
			 "-J", NULL};
	struct parsed p;
	parse(&p, ARGC(argv1), argv1);
	assert_int_equal(p.act, OPTS_RUN);
	assert_int_equal(p.cfg.parallel, 8);
	assert_int_equal(p.cfg.format, FORMAT_NDJSON);
	assert_int_equal(p.cfg.nurls, 2);
	assert_string_equal(p.cfg.urls[0], "http://u1.test/");
	assert_string_equal(p.cfg.urls[1], "http://u2.test/");
	opts_free(&p.cfg);

	/* "--" ends options: what follows is a URL even if it looks like one. */
	char *argv2[] = {"urlfan", "-p", "3", "--", "-j", NULL};
	parse(&p, ARGC(argv2), argv2);
	assert_int_equal(p.act, OPTS_RUN);
	assert_int_equal(p.cfg.per_host, 3);
	assert_int_equal(p.cfg.parallel, 50);
	assert_int_equal(p.cfg.nurls, 1);
	assert_string_equal(p.cfg.urls[0], "-j");
	opts_free(&p.cfg);
}

static void test_opts_bodies(void **state)
{
	(void)state;
	struct parsed p;
	char *argv1[] = {"urlfan", "--json", "{\"a\":1}", "http://a.test/", NULL};
	parse(&p, ARGC(argv1), argv1);
	assert_int_equal(p.act, OPTS_RUN);
	assert_string_equal(p.cfg.body, "{\"a\":1}");
	assert_int_equal(p.cfg.body_len, 7);
	assert_true(p.cfg.body_is_json);
	opts_free(&p.cfg);

	/* Repeated -d parts are joined with '&'. */
	char *argv2[] = {"urlfan", "-d", "a", "-d", "b", "--data=c", NULL};
	parse(&p, ARGC(argv2), argv2);
	assert_int_equal(p.act, OPTS_RUN);
	assert_string_equal(p.cfg.body, "a&b&c");
	assert_int_equal(p.cfg.body_len, 5);
	assert_false(p.cfg.body_is_json);
	opts_free(&p.cfg);

	/* An empty -d is still a body. */
	char *argv3[] = {"urlfan", "-d", "", NULL};
	parse(&p, ARGC(argv3), argv3);
	assert_int_equal(p.act, OPTS_RUN);
	assert_non_null(p.cfg.body);
	assert_int_equal(p.cfg.body_len, 0);
	opts_free(&p.cfg);

	/* -d @FILE reads the file, bytes and all. */
	char path[] = "/tmp/urlfan-test-opts-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x=1\0y", 5), 5);
	close(fd);
	char at[sizeof path + 1];
	snprintf(at, sizeof at, "@%s", path);
	char *argv4[] = {"urlfan", "-d", at, NULL};
	parse(&p, ARGC(argv4), argv4);
	unlink(path);
	assert_int_equal(p.act, OPTS_RUN);
	assert_int_equal(p.cfg.body_len, 5);
	assert_memory_equal(p.cfg.body, "x=1\0y", 5);
	opts_free(&p.cfg);

	char *argv5[] = {"urlfan", "-d", "@/nonexistent/urlfan-test", NULL};
	expect_error(argv5, "/nonexistent/urlfan-test");
}

static void test_opts_errors_name_the_option(void **state)
{
	(void)state;
	char *a1[] = {"urlfan", "-j", "0", NULL};
	expect_error(a1, "parallel");
	char *a2[] = {"urlfan", "-j", "x", NULL};
	expect_error(a2, "parallel");
	char *a3[] = {"urlfan", "--format", "xml", NULL};
	expect_error(a3, "format");
	char *a4[] = {"urlfan", "--bogus", NULL};
	expect_error(a4, "--bogus");
	char *a5[] = {"urlfan", "-H", "bad", NULL};
	expect_error(a5, "header");
	char *a6[] = {"urlfan", "--max-body", "0", NULL};
	expect_error(a6, "max-body");
	char *a7[] = {"urlfan", "-p", "100001", NULL};
	expect_error(a7, "per-host");
	char *a8[] = {"urlfan", "-X", "GE T", NULL};
	expect_error(a8, "request");
	char *a9[] = {"urlfan", "--color", "rainbow", NULL};
	expect_error(a9, "color");
	char *a10[] = {"urlfan", "--max-redirs", "1001", NULL};
	expect_error(a10, "max-redirs");
	char *a11[] = {"urlfan", "--connect-timeout", "1s", NULL};
	expect_error(a11, "connect-timeout");
	char *a12[] = {"urlfan", "-m", "-1", NULL};
	expect_error(a12, "max-time");
	char *a13[] = {"urlfan", "--ok", "2xx", NULL};
	expect_error(a13, "ok");
	char *a14[] = {"urlfan", "--resolve", "nocolon", NULL};
	expect_error(a14, "resolve");
	char *a15[] = {"urlfan", "-z", NULL};
	expect_error(a15, "-z");
	/* Missing values. */
	char *a16[] = {"urlfan", "http://a.test/", "-j", NULL};
	expect_error(a16, "-j");
	char *a17[] = {"urlfan", "--format", NULL};
	expect_error(a17, "--format");
	/* URLs and --input exclude each other. */
	char *a18[] = {"urlfan", "-i", "list.txt", "http://a.test/", NULL};
	expect_error(a18, "input");
	char *a19[] = {"urlfan", "-H", "A: b\r\nC: d", NULL};
	expect_error(a19, "header");
}

/* Parse {"urlfan", a, b, NULL} (b may be NULL). */
static void parse2(struct parsed *p, const char *a, const char *b)
{
	char *argv[] = {"urlfan", (char *)a, (char *)b, NULL};
	parse(p, b ? 3 : 2, argv);
}

/* Which choice field of a config a test row is about. */
static int choice_field(const struct config *c, char which)
{
	switch (which) {
	case 'f': return (int)c->format;
	case 'c': return (int)c->color;
	case 'o': return (int)c->order;
	default: return (int)c->stats;
	}
}

static void test_opts_choices(void **state)
{
	(void)state;
	static const struct {
		const char *opt;
		char field;
		const char *names[4]; /* NULL-padded */
		int values[4];
		const char *listed; /* the names as the message lists them */
	} choices[] = {
		{"--format", 'f', {"text", "ndjson", "json", "body"},
		 {FORMAT_TEXT, FORMAT_NDJSON, FORMAT_JSON, FORMAT_BODY},
		 "text, ndjson, json, body"},
		{"--color", 'c', {"auto", "always", "never"},
		 {COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER}, "auto, always, never"},
		{"--order", 'o', {"completion", "input"}, {ORDER_COMPLETION, ORDER_INPUT},
		 "completion, input"},
		{"--stats", 's', {"text", "json"}, {STATS_TEXT, STATS_JSON}, "text, json"},
	};
	struct parsed p;
	char a[64], b[64], want[128];
	for (size_t i = 0; i < sizeof choices / sizeof *choices; i++) {
		size_t n = 0;
		while (n < 4 && choices[i].names[n])
			n++;
		/* Each name after another one: the later wins, so the value
		 * seen is this name's and not a default that happens to match. */
		for (size_t k = 0; k < n; k++) {
			snprintf(a, sizeof a, "%s=%s", choices[i].opt,
			         choices[i].names[(k + 1) % n]);
			snprintf(b, sizeof b, "%s=%s", choices[i].opt, choices[i].names[k]);
			parse2(&p, a, b);
			if (p.act != OPTS_RUN)
				fail_msg("%s %s: %s", a, b, p.err);
			assert_int_equal(choice_field(&p.cfg, choices[i].field),
			                 choices[i].values[k]);
			opts_free(&p.cfg);
		}
		/* Names are case-sensitive and whole; the message lists them. */
		static const char *const bad[] = {"xml", "", "TEXT", "Auto", "inputs", "tex"};
		for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
			snprintf(a, sizeof a, "%s=%s", choices[i].opt, bad[k]);
			parse2(&p, a, NULL);
			assert_int_equal(p.act, OPTS_ERROR);
			snprintf(want, sizeof want, "%s: '%s' is not one of %s", choices[i].opt,
			         bad[k], choices[i].listed);
			assert_string_equal(p.err, want);
			opts_free(&p.cfg);
		}
	}
	/* --stats without a value is --stats=text; -J is --format ndjson. */
	parse2(&p, "--stats=json", "--stats");
	assert_int_equal(p.act, OPTS_RUN);
	assert_int_equal(p.cfg.stats, STATS_TEXT);
	opts_free(&p.cfg);
	parse2(&p, "--format=body", "-J");
	assert_int_equal(p.act, OPTS_RUN);
	assert_int_equal(p.cfg.format, FORMAT_NDJSON);
	opts_free(&p.cfg);
}

#define OFF(f) offsetof(struct config, f)

static void test_opts_typed_bounds(void **state)
{
	(void)state;
	/* Each numeric option at each end of its range: the value just
	 * inside lands in its field, the one just outside is refused with
	 * the message users see today. */
	static const struct {
		const char *opt, *arg;
		char type; /* 'l' long, 'd' double, 'L' long long */
		size_t off;
		double want;     /* accepted: the field's value */
		const char *msg; /* NULL: accepted */
	} rows[] = {
		{"-j", "1", 'l', OFF(parallel), 1, NULL},
		{"-j", "0", 'l', OFF(parallel), 0,
		 "--parallel: '0' is not a number from 1 to 100000"},
		{"--parallel", "100000", 'l', OFF(parallel), 100000, NULL},
		{"--parallel", "100001", 'l', OFF(parallel), 0,
		 "--parallel: '100001' is not a number from 1 to 100000"},
		{"-p", "1", 'l', OFF(per_host), 1, NULL},
		{"-p", "0", 'l', OFF(per_host), 0,
		 "--per-host: '0' is not a number from 1 to 100000"},
		{"--per-host", "100000", 'l', OFF(per_host), 100000, NULL},
		{"--per-host", "100001", 'l', OFF(per_host), 0,
		 "--per-host: '100001' is not a number from 1 to 100000"},
		{"--max-redirs", "0", 'l', OFF(max_redirs), 0, NULL},
		{"--max-redirs", "-1", 'l', OFF(max_redirs), 0,
		 "--max-redirs: '-1' is not a number from 0 to 1000"},
		{"--max-redirs", "1000", 'l', OFF(max_redirs), 1000, NULL},
		{"--max-redirs", "1001", 'l', OFF(max_redirs), 0,
		 "--max-redirs: '1001' is not a number from 0 to 1000"},
		{"--retry", "0", 'l', OFF(retry), 0, NULL},
		{"--retry", "-1", 'l', OFF(retry), 0,
		 "--retry: '-1' is not a number from 0 to 1000"},
		{"--retry", "1000", 'l', OFF(retry), 1000, NULL},
		{"--retry", "1001", 'l', OFF(retry), 0,
		 "--retry: '1001' is not a number from 0 to 1000"},
		{"--connect-timeout", "0", 'd', OFF(connect_timeout), 0, NULL},
		{"--connect-timeout", "-0.001", 'd', OFF(connect_timeout), 0,
		 "--connect-timeout: '-0.001' is out of range: 0 to 1000000000 seconds"},
		{"--connect-timeout", "1000000000", 'd', OFF(connect_timeout), 1e9, NULL},
		{"--connect-timeout", "1000000000.001", 'd', OFF(connect_timeout), 0,
		 "--connect-timeout: '1000000000.001' is out of range: 0 to 1000000000 seconds"},
		{"--idle-timeout", "0", 'd', OFF(idle_timeout), 0, NULL},
		{"--idle-timeout", "-0.001", 'd', OFF(idle_timeout), 0,
		 "--idle-timeout: '-0.001' is out of range: 0 to 1000000000 seconds"},
		{"--idle-timeout", "1000000000", 'd', OFF(idle_timeout), 1e9, NULL},
		{"--idle-timeout", "1000000000.001", 'd', OFF(idle_timeout), 0,
		 "--idle-timeout: '1000000000.001' is out of range: 0 to 1000000000 seconds"},
		{"-m", "0.001", 'd', OFF(max_time), 0.001, NULL},
		{"-m", "-0.001", 'd', OFF(max_time), 0,
		 "--max-time: '-0.001' is out of range: 0 to 1000000000 seconds"},
		{"--max-time", "1000000000", 'd', OFF(max_time), 1e9, NULL},
		{"--max-time", "1000000000.001", 'd', OFF(max_time), 0,
		 "--max-time: '1000000000.001' is out of range: 0 to 1000000000 seconds"},
		{"--deadline", "0.001", 'd', OFF(deadline), 0.001, NULL},
		{"--deadline", "-0.001", 'd', OFF(deadline), 0,
		 "--deadline: '-0.001' is out of range: 0 to 1000000000 seconds"},
		{"--deadline", "1000000000", 'd', OFF(deadline), 1e9, NULL},
		{"--deadline", "1000000000.001", 'd', OFF(deadline), 0,
		 "--deadline: '1000000000.001' is out of range: 0 to 1000000000 seconds"},
		{"--retry-delay", "0", 'd', OFF(retry_delay), 0, NULL},
		{"--retry-delay", "-0.001", 'd', OFF(retry_delay), 0,
		 "--retry-delay: '-0.001' is out of range: 0 to 1000000000 seconds"},
		{"--retry-delay", "1000000000", 'd', OFF(retry_delay), 1e9, NULL},
		{"--retry-delay", "1000000000.001", 'd', OFF(retry_delay), 0,
		 "--retry-delay: '1000000000.001' is out of range: 0 to 1000000000 seconds"},
		{"--retry-max-delay", "0", 'd', OFF(retry_max_delay), 0, NULL},
		{"--retry-max-delay", "-0.001", 'd', OFF(retry_max_delay), 0,
		 "--retry-max-delay: '-0.001' is out of range: 0 to 1000000000 seconds"},
		{"--retry-max-delay", "1000000000", 'd', OFF(retry_max_delay), 1e9, NULL},
		{"--retry-max-delay", "1000000000.001", 'd', OFF(retry_max_delay), 0,
		 "--retry-max-delay: '1000000000.001' is out of range: 0 to 1000000000 seconds"},
		{"--max-body", "1", 'L', OFF(max_body), 1, NULL},
		{"--max-body", "0", 'L', OFF(max_body), 0,
		 "--max-body: '0' is out of range: 1 to 1048576G"},
		{"--max-body", "1048576G", 'L', OFF(max_body), 1125899906842624.0, NULL},
		{"--max-body", "1048577G", 'L', OFF(max_body), 0,
		 "--max-body: '1048577G' is out of range: 1 to 1048576G"},
		{"--max-body", "x", 'L', OFF(max_body), 0,
		 "--max-body: 'x' is not a size like 512K, 1.5M or 2G"},
		{"--max-body", "1.5M", 'L', OFF(max_body), 1572864, NULL},
		{"--max-time", "1e20", 'd', OFF(max_time), 0,
		 "--max-time: '1e20' is out of range: 0 to 1000000000 seconds"},
		{"--max-time", "1s", 'd', OFF(max_time), 0,
		 "--max-time: '1s' is not a number of seconds"},
		{"--limit-rate", "0", 'L', OFF(limit_rate), 0, NULL},
		{"--limit-rate", "100K", 'L', OFF(limit_rate), 102400, NULL},
		{"--limit-rate", "2048T", 'L', OFF(limit_rate), 0,
		 "--limit-rate: '2048T' is not a size like 512K, 1.5M or 2G"},
	};
	struct parsed p;
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		parse2(&p, rows[i].opt, rows[i].arg);
		const char *field = (const char *)&p.cfg + rows[i].off;
		if (rows[i].msg) {
			if (p.act != OPTS_ERROR)
				fail_msg("%s %s accepted", rows[i].opt, rows[i].arg);
			assert_string_equal(p.err, rows[i].msg);
		} else {
			if (p.act != OPTS_RUN)
				fail_msg("%s %s: %s", rows[i].opt, rows[i].arg, p.err);
			double got = rows[i].type == 'l'   ? (double)*(const long *)field
			             : rows[i].type == 'L' ? (double)*(const long long *)field
			                                   : *(const double *)field;
			if (got != rows[i].want)
				fail_msg("%s %s gave %.17g", rows[i].opt, rows[i].arg, got);
		}
		opts_free(&p.cfg);
	}
}

static void test_opts_flag_given_a_value(void **state)
{
	(void)state;
	/* "--insecure=yes" is a known option misused, and the message should
	 * say so by its name, not call it an unknown '-k'. */
	char *a1[] = {"urlfan", "--insecure=yes", NULL};
	expect_error(a1, "insecure");
}

static void test_opts_help_and_version(void **state)
{
	(void)state;
	struct parsed p;
	char *a1[] = {"urlfan", "--help", NULL};
	parse(&p, ARGC(a1), a1);
	assert_int_equal(p.act, OPTS_HELP);
	opts_free(&p.cfg);
	char *a2[] = {"urlfan", "-j", "4", "-h", "http://a.test/", NULL};
	parse(&p, ARGC(a2), a2);
	assert_int_equal(p.act, OPTS_HELP);
	opts_free(&p.cfg);
	char *a3[] = {"urlfan", "--version", NULL};
	parse(&p, ARGC(a3), a3);
	assert_int_equal(p.act, OPTS_VERSION);
	opts_free(&p.cfg);
	char *a4[] = {"urlfan", "-V", NULL};
	parse(&p, ARGC(a4), a4);
	assert_int_equal(p.act, OPTS_VERSION);
	opts_free(&p.cfg);

	/* The usage text lists the options. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	opts_usage(f);
	fclose(f);
	assert_non_null(strstr(text, "Usage: urlfan"));
	assert_non_null(strstr(text, "--per-host"));
	assert_non_null(strstr(text, "--max-body"));
	free(text);
}

static void test_opts_reparse_after_early_return(void **state)
{
	(void)state;
	/* opts_parse resets getopt itself: a parse that stopped in the middle
	 * of "-hk" must not leak the pending 'k' into the next parse. No
	 * reset_getopt() here on purpose. */
	struct config cfg;
	char err[256];
	char *a1[] = {"urlfan", "-hk", NULL};
	assert_int_equal(opts_parse(ARGC(a1), a1, &cfg, err, sizeof err), OPTS_HELP);
	opts_free(&cfg);
	char *a2[] = {"urlfan", "-s", "http://a.test/", NULL};
	assert_int_equal(opts_parse(ARGC(a2), a2, &cfg, err, sizeof err), OPTS_RUN);
	assert_false(cfg.insecure);
	assert_true(cfg.silent);
	assert_int_equal(cfg.nurls, 1);
	assert_string_equal(cfg.urls[0], "http://a.test/");
	opts_free(&cfg);

	/* Plain consecutive parses work without any help. */
	char *a3[] = {"urlfan", "-j", "7", "http://b.test/", NULL};
	assert_int_equal(opts_parse(ARGC(a3), a3, &cfg, err, sizeof err), OPTS_RUN);
	assert_int_equal(cfg.parallel, 7);
	assert_int_equal(cfg.nurls, 1);
	opts_free(&cfg);
	char *a4[] = {"urlfan", "-p", "3", NULL};
	assert_int_equal(opts_parse(ARGC(a4), a4, &cfg, err, sizeof err), OPTS_RUN);
	assert_int_equal(cfg.per_host, 3);
	assert_int_equal(cfg.parallel, 50);
	assert_int_equal(cfg.nurls, 0);
	opts_free(&cfg);
}

/* --- curl's vocabulary ------------------------------------------------ */

static void test_opts_curl_flags(void **state)
{
	(void)state;
	char *argv[] = {"urlfan", "--url", "http://u1.test/", "-LsSf46G", "http://u2.test/",
			"-e", "http://ref.test/", "-b", "a=1", "--cookie", "c=2; d=3",
			"--noproxy", "localhost,.test", "-n", "--netrc-file", "/dev/null",
			"-E", "/dev/null:s3cret", "--key", "/dev/null", "--cert-type", "DER",
			"--limit-rate", "1.5K", "--url=http://u3.test/", "--data-raw", "@x",
			"--data-binary", "y", "-H", "A: b", "--", "http://u4.test/", NULL};
	struct parsed p;
	parse(&p, ARGC(argv), argv);
	if (p.act != OPTS_RUN)
		fail_msg("error: %s", p.err);
	struct config *c = &p.cfg;
	assert_true(c->silent && c->show_error && c->fail && c->get && c->netrc);
	assert_int_equal(c->ip_version, 6); /* the later of -4 and -6 */
	/* --url and positional URLs, in the order typed. */
	assert_int_equal(c->nurls, 4);
	assert_string_equal(c->urls[0], "http://u1.test/");
	assert_string_equal(c->urls[1], "http://u2.test/");
	assert_string_equal(c->urls[2], "http://u3.test/");
	assert_string_equal(c->urls[3], "http://u4.test/");
	assert_string_equal(c->referer, "http://ref.test/");
	assert_string_equal(c->cookie, "a=1; c=2; d=3");
	assert_null(c->cookie_lines);
	assert_string_equal(c->noproxy, "localhost,.test");
	assert_string_equal(c->netrc_file, "/dev/null");
	assert_string_equal(c->cert, "/dev/null");
	assert_string_equal(c->cert_password, "s3cret");
	assert_string_equal(c->key, "/dev/null");
	assert_string_equal(c->cert_type, "DER");
	assert_true(c->limit_rate == 1536);
	/* --data-raw takes a leading @ literally; parts join with '&'. */
	assert_string_equal(c->body, "@x&y");
	opts_free(c);

	/* -4 alone; -E naming a file that exists keeps its colon-free name. */
	char *a2[] = {"urlfan", "-4", "-E", "/dev/null", NULL};
	parse(&p, ARGC(a2), a2);
	assert_int_equal(p.act, OPTS_RUN);
	assert_int_equal(p.cfg.ip_version, 4);
	assert_string_equal(p.cfg.cert, "/dev/null");
	assert_null(p.cfg.cert_password);
	opts_free(&p.cfg);
}

static void test_opts_data_urlencode_and_files(void **state)
{
	(void)state;
	char path[] = "/tmp/urlfan-test-opts-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a b&c\n", 6), 6);
	close(fd);
	char at[sizeof path + 8], named[sizeof path + 8], cookie[sizeof path + 8];
	snprintf(at, sizeof at, "@%s", path);
	snprintf(named, sizeof named, "f@%s", path);
	snprintf(cookie, sizeof cookie, "%s", path);
	char *argv[] = {"urlfan", "--data-urlencode", "x y=z", "--data-urlencode", "=é/",
			"--data-urlencode", "n=1+1", "--data-urlencode", at,
			"--data-urlencode", named, "-b", cookie, "http://a.test/", NULL};
	struct parsed p;
	parse(&p, ARGC(argv), argv);
	if (p.act != OPTS_RUN)
		fail_msg("error: %s", p.err);
	/* As curl: split at the first '=' or '@'; a name is sent as it is. */
	assert_string_equal(p.cfg.body, "x y=z&%C3%A9%2F&n=1%2B1&a%20b%26c%0A&f=a%20b%26c%0A");
	/* -b without '=' names a cookie file, read once, now. */
	assert_string_equal(p.cfg.cookie_lines, "a b&c\n");
	assert_null(p.cfg.cookie);
	opts_free(&p.cfg);
	unlink(path);
}

static void test_opts_forms(void **state)
{
	(void)state;
	char *argv[] = {"urlfan", "-F", "a=1;type=x", "--form", "f=@/dev/null;type=text/plain",
			"-F", "g=</dev/null", "http://a.test/", NULL};
	struct parsed p;
	parse(&p, ARGC(argv), argv);
	if (p.act != OPTS_RUN)
		fail_msg("error: %s", p.err);
	assert_int_equal(p.cfg.nforms, 3);
	assert_string_equal(p.cfg.forms[1], "f=@/dev/null;type=text/plain");
	assert_null(p.cfg.body);
	opts_free(&p.cfg);
	char *a1[] = {"urlfan", "-F", "novalue", NULL};
	expect_error(a1, "--form 'novalue'");
	char *a2[] = {"urlfan", "-F", "f=@/nonexistent/x", "http://a.test/", NULL};
	expect_error(a2, "--form: cannot use '/nonexistent/x'");
	char *a3[] = {"urlfan", "-F", "f=@-", "http://a.test/", NULL};
	expect_error(a3, "standard input");
	char *a4[] = {"urlfan", "-F", "f=@/dev/null;bogus=1", "http://a.test/", NULL};
	expect_error(a4, "type=");
}

/* Options that exclude each other, or name files that are not there, are
 * refused before anything is fetched; the message names both sides. */
static void test_opts_conflicts(void **state)
{
	(void)state;
	static const struct {
		const char *argv[8];
		const char *words[2];
	} rows[] = {
		/* Standard input twice: once for a body, once for the URLs. */
		{{"-d", "@-"}, {"--data @-", "-i FILE"}},
		{{"--json", "@-", "-i", "-"}, {"--json @-", "standard input"}},
		{{"--data-binary", "@-"}, {"--data-binary @-", "standard input"}},
		{{"--data-urlencode", "n@-"}, {"--data-urlencode n@-", "standard input"}},
		{{"-b", "-"}, {"--cookie -", "standard input"}},
		{{"-I", "-d", "x", "http://a.test/"}, {"--head", "--data"}},
		{{"-I", "--json", "{}", "http://a.test/"}, {"--head", "--json"}},
		{{"-I", "-F", "a=1", "http://a.test/"}, {"--head", "--form"}},
		{{"-F", "a=1", "-d", "x", "http://a.test/"}, {"--form", "--data"}},
		{{"-G", "-F", "a=1", "http://a.test/"}, {"--get", "--form"}},
		{{"-f", "--all-bodies", "http://a.test/"}, {"--fail", "--all-bodies"}},
		{{"--cacert", "/nonexistent/ca.pem", "http://a.test/"},
		 {"--cacert", "No such file"}},
		{{"--unix-socket", "/nonexistent/s", "http://a.test/"},
		 {"--unix-socket", "/nonexistent/s"}},
		{{"--cert", "/nonexistent/c", "http://a.test/"}, {"--cert", "/nonexistent/c"}},
		{{"--key", "/nonexistent/k", "http://a.test/"}, {"--key", "/nonexistent/k"}},
		{{"--netrc-file", "/nonexistent/n", "http://a.test/"}, {"--netrc-file", "/nonexistent"}},
		{{"-b", "/nonexistent/jar"}, {"/nonexistent/jar", "No such file"}},
		{{"-i", "/"}, {"--input", "is a directory"}},
		{{"-i", "/nonexistent/list"}, {"--input", "No such file"}},
		{{"-i", "http://a.test/"}, {"--input", "--headers"}},
		{{"-O", "http://a.test/"}, {"--output-dir", "--name"}},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char *argv[10] = {"urlfan"};
		int argc = 1;
		while (argc < 9 && rows[i].argv[argc - 1])
			argv[argc] = (char *)rows[i].argv[argc - 1], argc++;
		argv[argc] = NULL;
		struct parsed p;
		parse(&p, argc, argv);
		if (p.act != OPTS_ERROR)
			fail_msg("row %zu (%s %s) accepted", i, argv[1], argv[2]);
		for (size_t k = 0; k < 2; k++)
			if (!strstr(p.err, rows[i].words[k]))
				fail_msg("row %zu: '%s' does not say '%s'", i, p.err,
					 rows[i].words[k]);
		assert_null(strchr(p.err, '\n')); /* one line */
		opts_free(&p.cfg);
	}
	/* -G makes -I and -d go together (curl -G -I: a HEAD with a query). */
	char *ok[] = {"urlfan", "-G", "-I", "-d", "q=1", "http://a.test/", NULL};
	struct parsed p;
	parse(&p, ARGC(ok), ok);
	assert_int_equal(p.act, OPTS_RUN);
	opts_free(&p.cfg);
}

/* A mistyped option gets a message that says what to type. */
static void test_opts_unknown_options_say_what_to_do(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		const char *want;
	} rows[] = {
		{"--paralel", "unknown option '--paralel'; did you mean '--parallel'?"},
		{"--retyr", "did you mean '--retry'?"},
		{"--max-tmie=3", "unknown option '--max-tmie=3'; did you mean '--max-time'?"},
		{"--he", "option '--he' is ambiguous: --header, --head, --headers, --help"},
		{"--data-", "ambiguous: --data-binary, --data-raw, --data-urlencode"},
		{"--zzzzzzzz", "unknown option '--zzzzzzzz'"},
		{"-o", "option '-o' is curl's, not urlfan's: use -O DIR --name TEMPLATE, or "
		       "--format body > FILE"},
		{"--output", "option '--output' is curl's, not urlfan's: use -O DIR"},
		{"--output=x", "option '--output' is curl's"},
		{"-c", "no cookie jar"},
		{"--cookie-jar", "no cookie jar"},
		{"-T", "-X PUT -d @FILE"},
		{"--include", "--headers"},
		{"-D", "--headers"},
		{"--remote-name", "-O DIR"},
		{"-z", "unknown option '-z'"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		struct parsed p;
		parse2(&p, rows[i].arg, "x");
		if (p.act != OPTS_ERROR)
			fail_msg("'%s' accepted", rows[i].arg);
		if (!strstr(p.err, rows[i].want))
			fail_msg("'%s': '%s' does not say '%s'", rows[i].arg, p.err, rows[i].want);
		opts_free(&p.cfg);
	}
	/* A unique prefix is the option it begins (getopt's rule). */
	struct parsed p;
	parse2(&p, "--paral=4", NULL);
	assert_int_equal(p.act, OPTS_RUN);
	assert_int_equal(p.cfg.parallel, 4);
	opts_free(&p.cfg);
	/* -L is accepted and changes nothing: redirects are followed anyway. */
	parse2(&p, "-L", "http://a.test/");
	assert_int_equal(p.act, OPTS_RUN);
	assert_int_equal(p.cfg.max_redirs, 10);
	opts_free(&p.cfg);
}

static void test_opts_password(void **state)
{
	(void)state;
	struct parsed p;
	parse2(&p, "-u", "alice");
	assert_int_equal(p.act, OPTS_RUN);
	assert_true(opts_needs_password(&p.cfg));
	opts_set_password(&p.cfg, "s:ecret");
	assert_string_equal(p.cfg.user, "alice:s:ecret");
	assert_false(opts_needs_password(&p.cfg));
	opts_free(&p.cfg);
	parse2(&p, "-u", "alice:");
	assert_false(opts_needs_password(&p.cfg));
	opts_free(&p.cfg);
	parse2(&p, "-s", NULL);
	assert_false(opts_needs_password(&p.cfg));
	opts_free(&p.cfg);
}

static void test_opts_rates(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		double want; /* 0: refused */
	} rows[] = {
		{"10", 10},    {"10/s", 10},  {"600/m", 10}, {"36000/h", 10}, {"0.5", 0.5},
		{"1/h", 1.0 / 3600}, {"0", 0},      {"-1", 0},     {"5/x", 0},      {"abc", 0},
		{"", 0},       {"/s", 0},     {"10/", 0},    {"10/S", 0},     {"1e3", 0},
		{"inf", 0},    {"0/s", 0},    {" 5", 0},     {"5 /s", 0},     {"0x10", 0},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		double got = -1;
		int rc = opts_parse_rate(rows[i].text, &got);
		if (rows[i].want ? rc != 0 || got < rows[i].want * (1 - 1e-12) ||
					   got > rows[i].want * (1 + 1e-12)
				 : rc != -1)
			fail_msg("'%s': rc %d, %g", rows[i].text, rc, got);
	}
}

static void test_opts_politeness_and_shards(void **state)
{
	(void)state;
	struct parsed p;
	char *a1[] = {"urlfan", "--rate", "600/m", "--host-rate", "2", "-p", "auto",
		      "--shard", "2/4", "--shard-by", "host", NULL};
	parse(&p, ARGC(a1), a1);
	assert_int_equal(p.act, OPTS_RUN);
	assert_true(p.cfg.rate == 10 && p.cfg.host_rate == 2);
	assert_true(p.cfg.per_host_auto);
	assert_int_equal(p.cfg.per_host_max, 50); /* 64, but never above -j */
	assert_int_equal(p.cfg.shard.k, 2);
	assert_int_equal(p.cfg.shard.n, 4);
	assert_int_equal(p.cfg.shard.by, SHARD_BY_HOST);
	opts_free(&p.cfg);
	char *a2[] = {"urlfan", "-j", "100", "-p", "auto", NULL};
	parse(&p, ARGC(a2), a2);
	assert_int_equal(p.cfg.per_host_max, 64);
	opts_free(&p.cfg);
	char *a3[] = {"urlfan", "-p", "auto:8", NULL};
	parse(&p, ARGC(a3), a3);
	assert_true(p.cfg.per_host_auto && p.cfg.per_host_max == 8);
	opts_free(&p.cfg);
	/* A later -p N replaces auto; the defaults have no limit, no shards. */
	char *a4[] = {"urlfan", "-p", "auto", "-p", "3", NULL};
	parse(&p, ARGC(a4), a4);
	assert_true(!p.cfg.per_host_auto && p.cfg.per_host == 3);
	assert_true(p.cfg.rate == 0 && p.cfg.host_rate == 0 && p.cfg.shard.n == 0);
	assert_int_equal(p.cfg.shard.by, SHARD_BY_INDEX);
	opts_free(&p.cfg);
	/* Bad values name their option. */
	char *e1[] = {"urlfan", "--rate", "0", NULL};
	expect_error(e1, "--rate: '0'");
	char *e2[] = {"urlfan", "--rate", "5/x", NULL};
	expect_error(e2, "--rate: '5/x'");
	char *e3[] = {"urlfan", "--host-rate", "-1", NULL};
	expect_error(e3, "--host-rate: '-1'");
	char *e4[] = {"urlfan", "--host-rate", "abc", NULL};
	expect_error(e4, "--host-rate: 'abc'");
	char *e5[] = {"urlfan", "-p", "auto:0", NULL};
	expect_error(e5, "--per-host: 'auto:0'");
	char *e6[] = {"urlfan", "-p", "autox", NULL};
	expect_error(e6, "auto or auto:MAX");
	char *e7[] = {"urlfan", "--shard", "5/4", NULL};
	expect_error(e7, "--shard: '5/4'");
	char *e8[] = {"urlfan", "--shard", "0/4", NULL};
	expect_error(e8, "--shard: '0/4'");
	char *e9[] = {"urlfan", "--shard-by", "host", NULL};
	expect_error(e9, "--shard-by needs --shard");
	char *e10[] = {"urlfan", "--shard", "1/2", "--shard-by", "url", NULL};
	expect_error(e10, "--shard-by: 'url' is not one of index, host");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_parse_seconds),
		cmocka_unit_test(test_opts_parse_seconds_rejects_hex),
		cmocka_unit_test(test_opts_parse_size),
		cmocka_unit_test(test_opts_parse_ok),
		cmocka_unit_test(test_config_status_ok),
		cmocka_unit_test(test_opts_defaults),
		cmocka_unit_test(test_opts_many_options),
		cmocka_unit_test(test_opts_more_options),
		cmocka_unit_test(test_opts_urls_before_and_after_options),
		cmocka_unit_test(test_opts_bodies),
		cmocka_unit_test(test_opts_errors_name_the_option),
		cmocka_unit_test(test_opts_choices),
		cmocka_unit_test(test_opts_typed_bounds),
		cmocka_unit_test(test_opts_flag_given_a_value),
		cmocka_unit_test(test_opts_help_and_version),
		cmocka_unit_test(test_opts_reparse_after_early_return),
		cmocka_unit_test(test_opts_curl_flags),
		cmocka_unit_test(test_opts_data_urlencode_and_files),
		cmocka_unit_test(test_opts_forms),
		cmocka_unit_test(test_opts_conflicts),
		cmocka_unit_test(test_opts_unknown_options_say_what_to_do),
		cmocka_unit_test(test_opts_password),
		cmocka_unit_test(test_opts_rates),
		cmocka_unit_test(test_opts_politeness_and_shards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
