/* Unit tests for http.c: the token alphabet byte by byte, header lines and
 * their messages, method names and header-name comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

/* RFC 9110 section 5.6.2, written out apart from http.c's table so that a
 * slip in one shows against the other. */
static int rfc_tchar(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void test_http_every_byte(void **state)
{
	(void)state;
	int ntchar = 0;
	for (int c = 0; c < 256; c++) {
		char one = (char)c;
		int want = rfc_tchar(c);
		ntchar += want;
		if (http_is_token(&one, 1) != want)
			fail_msg("byte 0x%02x: http_is_token says %d", c, !want);
		if (http_is_method(&one, 1) != want)
			fail_msg("byte 0x%02x: http_is_method says %d", c, !want);
		/* The same byte inside a longer name, and as a whole name. */
		char tok[3] = {'A', one, 'z'};
		assert_int_equal(http_is_token(tok, 3), want);
		char line[8] = {one, ':', ' ', 'v'};
		const char *why = NULL;
		if ((http_check_header(line, 4, &why) == 0) != want)
			fail_msg("byte 0x%02x as a header name: %s", c, why ? why : "accepted");
	}
	/* 26 + 26 letters, 10 digits, 15 symbols. */
	assert_int_equal(ntchar, 77);
}

static void test_http_token(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t n;
		bool want;
	} cases[] = {
		{NULL, 0, false},          {"", 0, false},        {"GET", 3, true},
		{"GET", 2, true},          {"M-SEARCH", 8, true}, {"a!#$%&'*+-.^_`|~0", 17, true},
		{"GE T", 4, false},        {"GET ", 4, false},    {" GET", 4, false},
		{"GET\r\n", 5, false},     {"A\0B", 3, false},    {"GET\0", 4, false},
		{"caf\xc3\xa9", 5, false}, {"A:B", 3, false},     {"A/B", 3, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (http_is_token(cases[i].s, cases[i].n) != cases[i].want)
			fail_msg("case %zu: '%.*s' gave %d", i, (int)cases[i].n,
			         cases[i].s ? cases[i].s : "", !cases[i].want);
		assert_int_equal(http_is_method(cases[i].s, cases[i].n), cases[i].want);
	}
}

static const char NOT_NAME_VALUE[] = "a header must be 'Name: value'";
static const char EMPTY_NAME[] = "empty header name";
static const char CR_LF_NUL[] = "CR, LF or NUL in header";

static void test_http_check_header(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		size_t n;        /* 0: strlen(line) */
		const char *why; /* NULL: accepted */
	} cases[] = {
		{"Accept: x", 0, NULL},
		{"X-Empty:", 0, NULL},
		{"X-Tab:\tv", 0, NULL},
		{"a!#$%&'*+-.^_`|~0:v", 0, NULL},
		{"Content-Type: application/json; charset=utf-8", 0, NULL},
		{"K:v:w", 0, NULL},
		{"K: caf\xc3\xa9", 0, NULL},
		/* n bounds the line. */
		{"A: b\r\n", 4, NULL},
		{"A: b", 1, NOT_NAME_VALUE},
		/* No colon, or the name runs into a separator or white space. */
		{"NoColon", 0, NOT_NAME_VALUE},
		{"", 0, NOT_NAME_VALUE},
		{"Bad Name: v", 0, NOT_NAME_VALUE},
		{" A: v", 0, NOT_NAME_VALUE},
		{"A : v", 0, NOT_NAME_VALUE},
		{"A\t: v", 0, NOT_NAME_VALUE},
		{"A(b): v", 0, NOT_NAME_VALUE},
		{"A@: v", 0, NOT_NAME_VALUE},
		{"\xc3\xa9: v", 0, NOT_NAME_VALUE},
		/* Empty name. */
		{": v", 0, EMPTY_NAME},
		{":", 0, EMPTY_NAME},
		/* CR, LF, NUL: in the name they end it, in the value they are
	     * refused. */
		{"A\r: v", 0, NOT_NAME_VALUE},
		{"A\n: v", 0, NOT_NAME_VALUE},
		{"A\0: b", 5, NOT_NAME_VALUE},
		{"A: b\r\nC: d", 0, CR_LF_NUL},
		{"A: b\nC: d", 0, CR_LF_NUL},
		{"A: b\r", 0, CR_LF_NUL},
		{"A: b\0c", 6, CR_LF_NUL},
		{"A:\0", 3, CR_LF_NUL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		size_t n = cases[i].n ? cases[i].n : strlen(cases[i].line);
		const char *why = NULL;
		int rc = http_check_header(cases[i].line, n, &why);
		if (!cases[i].why) {
			if (rc != 0)
				fail_msg("case %zu rejected: %s", i, why);
			continue;
		}
		if (rc != -1)
			fail_msg("case %zu accepted", i);
		assert_non_null(why);
		assert_string_equal(why, cases[i].why);
	}
}

static void test_http_separators(void **state)
{
	(void)state;
	/* RFC 9110's delimiters and white space: each one, inside a name,
	 * makes the line no header. */
	static const char separators[] = "\"(),/:;<=>?@[\\]{} \t";
	for (const char *s = separators; *s; s++) {
		char line[16];
		snprintf(line, sizeof line, "A%cB: v", *s);
		const char *why = NULL;
		int rc = http_check_header(line, strlen(line), &why);
		if (*s == ':') {
			/* "A:B: v" is header A with value "B: v". */
			assert_int_equal(rc, 0);
			continue;
		}
		if (rc != -1)
			fail_msg("'%s' accepted", line);
		assert_string_equal(why, NOT_NAME_VALUE);
		assert_false(http_is_token(line, 3));
	}
}

static void test_http_same_header(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		bool want;
	} cases[] = {
		{"Content-Type: text/plain", "Content-Type:", true},
		{"content-type: text/plain", "Content-Type:", true},
		{"CONTENT-TYPE:x", "content-type: y", true},
		{"Accept: */*", "Accept:", true},
		{"Accept: */*", "Accept-Encoding:", false},
		{"Accept-Encoding: gzip", "Accept:", false},
		{"Accept : x", "Accept:", false},
		/* Without a ':' nothing matches, not even itself. */
		{"Accept", "Accept", false},
		{"Accept: x", "Accept", false},
		{"", "", false},
		{"", "Accept:", false},
		/* Only ASCII letters fold: '@' (0x40) is no 'A' - 0x20, and
	     * bytes above 0x7f compare as they are. */
		{"X-@: 1", "X-`: 1", false},
		{"X-[: 1", "X-{: 1", false},
		{"\xc3\xa9: 1", "\xc3\xa9: 2", true},
		{"\xc3\x89: 1", "\xc3\xa9: 1", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (http_same_header(cases[i].a, cases[i].b) != cases[i].want)
			fail_msg("'%s' vs '%s' gave %d", cases[i].a, cases[i].b, !cases[i].want);
		/* The question is symmetric. */
		assert_int_equal(http_same_header(cases[i].b, cases[i].a), cases[i].want);
	}
}

static void test_http_form_part(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		int kind; /* -1: refused */
		const char *name, *value, *type, *filename;
	} cases[] = {
		{"a=1", HTTP_FORM_VALUE, "a", "1", NULL, NULL},
		/* A plain value is sent as written, ';' and all. */
		{"a=x;type=y", HTTP_FORM_VALUE, "a", "x;type=y", NULL, NULL},
		{"a=", HTTP_FORM_VALUE, "a", "", NULL, NULL},
		{"a==b", HTTP_FORM_VALUE, "a", "=b", NULL, NULL},
		{"f=@x.png", HTTP_FORM_FILE, "f", "x.png", NULL, NULL},
		{"f=@x.png;type=image/png", HTTP_FORM_FILE, "f", "x.png", "image/png", NULL},
		{"f=@x;filename=y.txt;type=t/p", HTTP_FORM_FILE, "f", "x", "t/p", "y.txt"},
		{"f=<x.txt", HTTP_FORM_CONTENT, "f", "x.txt", NULL, NULL},
		{"f=<x;type=text/plain", HTTP_FORM_CONTENT, "f", "x", "text/plain", NULL},
		{"noequals", -1, NULL, NULL, NULL, NULL},
		{"=value", -1, NULL, NULL, NULL, NULL},
		{"f=@", -1, NULL, NULL, NULL, NULL},
		{"f=<;type=x", -1, NULL, NULL, NULL, NULL},
		{"f=@x;size=1", -1, NULL, NULL, NULL, NULL},
		{"f=<x;filename=y", -1, NULL, NULL, NULL, NULL}, /* no file name for a field */
		{"f=@x;type=", -1, NULL, NULL, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct http_form_part p;
		const char *why = NULL;
		int rc = http_form_part(cases[i].arg, &p, &why);
		if (cases[i].kind < 0) {
			if (rc != -1 || !why)
				fail_msg("'%s' accepted", cases[i].arg);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' refused: %s", cases[i].arg, why);
		assert_int_equal(p.kind, cases[i].kind);
		assert_int_equal(p.name_len, strlen(cases[i].name));
		assert_memory_equal(p.name, cases[i].name, p.name_len);
		assert_int_equal(p.value_len, strlen(cases[i].value));
		assert_memory_equal(p.value, cases[i].value, p.value_len);
		if (cases[i].type) {
			assert_non_null(p.type);
			assert_int_equal(p.type_len, strlen(cases[i].type));
			assert_memory_equal(p.type, cases[i].type, p.type_len);
		} else {
			assert_null(p.type);
		}
		if (cases[i].filename) {
			assert_non_null(p.filename);
			assert_int_equal(p.filename_len, strlen(cases[i].filename));
			assert_memory_equal(p.filename, cases[i].filename, p.filename_len);
		} else {
			assert_null(p.filename);
		}
	}
}

static void test_http_content_length(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool ok;
	} cases[] = {
		{" 7\r\n", true}, {"7", true},        {"0", true},         {" 007 ", true},
		{"7, 7", true},   {"7,7 ,\t7", true}, {" 0x7\r\n", false}, {"7, 99", false},
		{"7abc", false},  {"+7", false},      {"-7", false},       {"", false},
		{" \r\n", false}, {"7,", false},      {",7", false},       {"7 7", false},
		{"7, 07", true},  {"1e3", false},     {"7;", false},       {"\x1b[2J", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (http_content_length_valid(cases[i].v, strlen(cases[i].v)) != cases[i].ok)
			fail_msg("'%s': expected %s", cases[i].v,
				 cases[i].ok ? "valid" : "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_every_byte),
		cmocka_unit_test(test_http_token),
		cmocka_unit_test(test_http_check_header),
		cmocka_unit_test(test_http_separators),
		cmocka_unit_test(test_http_same_header),
		cmocka_unit_test(test_http_form_part),
		cmocka_unit_test(test_http_content_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
