/* Unit tests for cfgfile.c: curl's config-file syntax, a line at a time,
 * and where the default file is looked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgfile.h"

static void test_cfgfile_lines(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		enum cfgfile_line kind;
		const char *name;
		int dashes;
		bool has_value;
		const char *value;
	} rows[] = {
		/* Nothing. */
		{"", CFGFILE_NONE, NULL, 0, false, NULL},
		{"   \t ", CFGFILE_NONE, NULL, 0, false, NULL},
		{"# a comment", CFGFILE_NONE, NULL, 0, false, NULL},
		{"  # indented", CFGFILE_NONE, NULL, 0, false, NULL},
		/* The separators curl takes, with or without dashes. */
		{"url = http://a/", CFGFILE_OPTION, "url", 0, true, "http://a/"},
		{"url=http://a/", CFGFILE_OPTION, "url", 0, true, "http://a/"},
		{"url http://a/", CFGFILE_OPTION, "url", 0, true, "http://a/"},
		{"url: http://a/", CFGFILE_OPTION, "url", 0, true, "http://a/"},
		{"--url http://a/", CFGFILE_OPTION, "url", 2, true, "http://a/"},
		{"  --retry\t3  ", CFGFILE_OPTION, "retry", 2, true, "3"},
		{"-H \"X-A: 1\"", CFGFILE_OPTION, "H", 1, true, "X-A: 1"},
		{"silent", CFGFILE_OPTION, "silent", 0, false, ""},
		{"--fail-early   # why", CFGFILE_OPTION, "fail-early", 2, false, ""},
		{"max-time 5 # seconds", CFGFILE_OPTION, "max-time", 0, true, "5"},
		/* Quotes and escapes. */
		{"header = \"X-B: two words\"", CFGFILE_OPTION, "header", 0, true,
		 "X-B: two words"},
		{"data \"a\\\"b\\\\c\\td\\ne\"", CFGFILE_OPTION, "data", 0, true, "a\"b\\c\td\ne"},
		{"data \"\\x\"", CFGFILE_OPTION, "data", 0, true, "x"},
		{"data \"\"", CFGFILE_OPTION, "data", 0, true, ""},
		{"data \"#not a comment\"", CFGFILE_OPTION, "data", 0, true, "#not a comment"},
		{"user-agent \"a b\"\r", CFGFILE_OPTION, "user-agent", 0, true, "a b"},
		{"url = http://a/\r", CFGFILE_OPTION, "url", 0, true, "http://a/"},
		/* Mistakes. */
		{"data \"open", CFGFILE_ERROR, NULL, 0, false, NULL},
		{"data \"x\\", CFGFILE_ERROR, NULL, 0, false, NULL},
		{"header X-A: 1", CFGFILE_ERROR, NULL, 0, false, NULL},
		{"data \"a\" b", CFGFILE_ERROR, NULL, 0, false, NULL},
		{"= value", CFGFILE_ERROR, NULL, 0, false, NULL},
		{"--", CFGFILE_ERROR, NULL, 0, false, NULL},
	};
	struct buf name = BUF_INIT, value = BUF_INIT;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *why = NULL;
		int dashes = -1;
		bool has_value = true;
		enum cfgfile_line kind = cfgfile_line(rows[i].line, strlen(rows[i].line), &name,
						      &dashes, &value, &has_value, &why);
		if (kind != rows[i].kind)
			fail_msg("'%s': kind %d, not %d", rows[i].line, kind, rows[i].kind);
		if (kind == CFGFILE_ERROR && !why)
			fail_msg("'%s': no reason", rows[i].line);
		if (kind != CFGFILE_OPTION)
			continue;
		if (strcmp(name.data, rows[i].name) != 0 || dashes != rows[i].dashes ||
		    has_value != rows[i].has_value || strcmp(value.data, rows[i].value) != 0)
			fail_msg("'%s': name '%s' (%d dashes), value %d '%s'", rows[i].line,
				 name.data, dashes, has_value, value.data);
	}
	buf_free(&name);
	buf_free(&value);
}

/* A line is read to its length, not to a NUL: the caller's buffer holds
 * the whole file. */
static void test_cfgfile_length(void **state)
{
	(void)state;
	struct buf name = BUF_INIT, value = BUF_INIT;
	const char *why;
	int dashes;
	bool has_value;
	const char text[] = "retry 3\nsilent";
	assert_int_equal(cfgfile_line(text, 7, &name, &dashes, &value, &has_value, &why),
			 CFGFILE_OPTION);
	assert_string_equal(value.data, "3");
	buf_free(&name);
	buf_free(&value);
}

static void test_cfgfile_default_path(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	setenv("XDG_CONFIG_HOME", "/x", 1);
	setenv("HOME", "/h", 1);
	assert_true(cfgfile_default_path(&b));
	assert_string_equal(b.data, "/x/urlfan/config");
	b.len = 0;
	setenv("XDG_CONFIG_HOME", "", 1);
	assert_true(cfgfile_default_path(&b));
	assert_string_equal(b.data, "/h/.config/urlfan/config");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	b.len = 0;
	assert_false(cfgfile_default_path(&b));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfgfile_lines),
		cmocka_unit_test(test_cfgfile_length),
		cmocka_unit_test(test_cfgfile_default_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
