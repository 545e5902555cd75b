/* Unit tests for base64.c: RFC 4648 vectors, every length of the last
 * group, and the whole alphabet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"
#include "buf.h"

static void expect_b64(const char *in, size_t n, const char *want)
{
	struct buf out = BUF_INIT;
	base64_encode(&out, in, n);
	assert_non_null(out.data);
	assert_int_equal(out.len, strlen(want));
	assert_string_equal(out.data, want);
	buf_free(&out);
}

static void test_base64_rfc4648(void **state)
{
	(void)state;
	expect_b64("", 0, "");
	expect_b64("f", 1, "Zg==");
	expect_b64("fo", 2, "Zm8=");
	expect_b64("foo", 3, "Zm9v");
	expect_b64("foob", 4, "Zm9vYg==");
	expect_b64("fooba", 5, "Zm9vYmE=");
	expect_b64("foobar", 6, "Zm9vYmFy");
	/* All of the alphabet's high end and NUL bytes. */
	expect_b64("\xff\xfe\xfd", 3, "//79");
	expect_b64("\xfb\xff", 2, "+/8=");
	expect_b64("\0\0\0\0", 4, "AAAAAA==");
	/* Appends to existing content. */
	struct buf out = BUF_INIT;
	buf_adds(&out, "b64:");
	base64_encode(&out, "foo", 3);
	assert_string_equal(out.data, "b64:Zm9v");
	buf_free(&out);
}

static void test_base64_lengths_0_to_5(void **state)
{
	(void)state;
	/* Binary bytes, high and low, through each length of the last group
	 * (none, one byte: "==", two bytes: "="), once alone and once after a
	 * full group. Vectors from Python's base64.b64encode(). */
	static const char in[] = "\xfb\xef\xbe\x00\x01";
	static const char *const want[] = {"", "+w==", "++8=", "++++", "++++AA==", "++++AAE="};
	for (size_t n = 0; n <= 5; n++)
		expect_b64(in, n, want[n]);
}

static void test_base64_whole_alphabet(void **state)
{
	(void)state;
	/* 48 bytes whose 64 sextets are 0, 1, ..., 63 in order. */
	expect_b64("\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93\x51"
	           "\x55\x97\x61\x96\x9b\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7\xa2\x9a"
	           "\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb\xf3\xdf\xbf",
	           48, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_rfc4648),
	    cmocka_unit_test(test_base64_lengths_0_to_5),
	    cmocka_unit_test(test_base64_whole_alphabet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
