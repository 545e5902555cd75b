/* Unit tests for termesc.c: what is shown as \xHH on a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "termesc.h"

static void test_termesc_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} rows[] = {
		{"plain text", NULL},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NULL},
		{"", NULL},
		/* C0, DEL. */
		{"a\x1b[31mb", "a\\x1b[31mb"},
		{"tab\there\nnl\r", "tab\\x09here\\x0anl\\x0d"},
		{"del\x7f", "del\\x7f"},
		/* C1 as one raw byte (not UTF-8 on its own) and as UTF-8. */
		{"\x9b" "31m", "\\x9b31m"},
		{"\xc2\x9b" "31m", "\\xc2\\x9b31m"},
		{"\xc2\x80 \xc2\x9f \xc2\xa0", "\\xc2\\x80 \\xc2\\x9f \xc2\xa0"},
		/* Bytes that are not UTF-8. */
		{"\xff\xfe", "\\xff\\xfe"},
		{"cut \xe2\x82", "cut \\xe2\\x82"},
		{"\xc0\xaf", "\\xc0\\xaf"},
		{"\xed\xa0\x80", "\\xed\\xa0\\x80"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *in = rows[i].in, *want = rows[i].want ? rows[i].want : in;
		assert_int_equal(termesc_clean(in, strlen(in)), rows[i].want == NULL);
		struct buf b = BUF_INIT;
		buf_adds(&b, ">");
		termesc_append(&b, in, strlen(in));
		if (strcmp(b.data + 1, want) != 0)
			fail_msg("row %zu: \"%s\", want \"%s\"", i, b.data + 1, want);
		buf_free(&b);
	}
	/* A NUL is a control character too, and the length is the caller's. */
	struct buf b = BUF_INIT;
	termesc_append(&b, "a\0b", 3);
	assert_string_equal(b.data, "a\\x00b");
	assert_false(termesc_clean("a\0b", 3));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_termesc_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
