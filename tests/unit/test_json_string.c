/* Unit tests for json_string.c: decoding string tokens to their bytes and
 * writing bytes as string literals, each way on its own and round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "json.h"
#include "json_string.h"
#include "utf8.h"

/* --- json_string_decode --------------------------------------------- */

static void expect_decode(const char *tok, const char *want, size_t want_len)
{
	struct buf out = BUF_INIT;
	buf_adds(&out, ">");
	assert_int_equal(json_string_decode(tok, strlen(tok), &out), 0);
	assert_int_equal(out.len, 1 + want_len);
	assert_memory_equal(out.data + 1, want, want_len);
	buf_free(&out);
}

static void test_json_string_decode(void **state)
{
	(void)state;
	expect_decode("\"plain text\"", "plain text", 10);
	expect_decode("\"\"", "", 0);
	expect_decode("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
	/* An escaped NUL is one NUL byte, not the end of the string. */
	expect_decode("\"a\\u0000b\"", "a\0b", 3);
	expect_decode("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6);
	/* A surrogate pair is one 4-byte character. */
	expect_decode("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
	expect_decode("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4);
	/* Lone surrogates become U+FFFD. */
	expect_decode("\"\\ud800\"", "\xef\xbf\xbd", 3);
	expect_decode("\"\\udc00x\"", "\xef\xbf\xbdx", 4);
	/* A high surrogate followed by something else keeps that. */
	expect_decode("\"\\ud800\\u0041\"",
	              "\xef\xbf\xbd"
	              "A",
	              4);
	expect_decode("\"\\ud800\\n\"", "\xef\xbf\xbd\n", 4);
	/* Raw UTF-8 passes. */
	expect_decode("\"caf\xc3\xa9\"", "caf\xc3\xa9", 5);
}

static void test_json_string_decode_every_bmp_escape(void **state)
{
	(void)state;
	/* Every \uXXXX outside the surrogates is that code point as 1 to 3
	 * bytes of UTF-8 (read back here by the bits of RFC 3629's table); a
	 * lone surrogate is U+FFFD. Hex digits alternate between cases. */
	for (unsigned cp = 0; cp <= 0xffff; cp++) {
		char tok[9];
		snprintf(tok, sizeof tok, cp % 2 ? "\"\\u%04X\"" : "\"\\u%04x\"", cp);
		struct buf out = BUF_INIT;
		assert_int_equal(json_string_decode(tok, 8, &out), 0);
		unsigned want = cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp;
		size_t len = want < 0x80 ? 1 : want < 0x800 ? 2 : 3;
		const unsigned char *p = (const unsigned char *)out.data;
		unsigned got = len == 1 ? p[0] : p[0] & (0x7fu >> len);
		for (size_t k = 1; k < len; k++)
			got = got << 6 | (p[k] & 0x3fu);
		if (out.len != len || utf8_seq(p, out.len) != len || got != want)
			fail_msg("%s: %zu bytes, U+%04X", tok, out.len, got);
		buf_free(&out);
	}
	/* The first surrogate pair, the first code point of 4 bytes. */
	expect_decode("\"\\ud800\\udc00\"", "\xf0\x90\x80\x80", 4);
}

static void test_json_string_decode_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",       "\"",      "abc",       "1",         "\"abc",    "\"a\"b",  "\"a\" ",
	    " \"a\"", "\"\\x\"", "\"\\u12\"", "\"a\x01\"", "\"\xff\"", "[\"a\"]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct buf out = BUF_INIT;
		buf_adds(&out, "x");
		if (json_string_decode(bad[i], strlen(bad[i]), &out) != -1)
			fail_msg("decoded a non-string token #%zu: '%s'", i, bad[i]);
		assert_int_equal(out.len, 1);
		buf_free(&out);
	}
}

/* --- json_write_string ---------------------------------------------- */

static void expect_write(const char *s, size_t n, const char *want)
{
	struct buf out = BUF_INIT;
	json_write_string(&out, s, n);
	assert_string_equal(out.data, want);
	assert_int_equal(out.len, strlen(want));
	/* Whatever the input, the output is valid JSON. */
	assert_int_equal(json_reformat(out.data, out.len, NULL, -1), 0);
	buf_free(&out);
}

static void test_json_write_string(void **state)
{
	(void)state;
	expect_write("plain", 5, "\"plain\"");
	expect_write("", 0, "\"\"");
	expect_write("say \"hi\"", 8, "\"say \\\"hi\\\"\"");
	expect_write("a\\b", 3, "\"a\\\\b\"");
	expect_write("\x1b[0m", 4, "\"\\u001b[0m\"");
	expect_write("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	expect_write("a\0b", 3, "\"a\\u0000b\"");
	expect_write("\x1f\x7f", 2, "\"\\u001f\x7f\"");
	/* Valid UTF-8 passes unescaped. */
	expect_write("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	             "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* Every byte that does not start a valid sequence is replaced. */
	expect_write("\xff", 1, "\"\\ufffd\"");
	expect_write("a\xc3", 2, "\"a\\ufffd\"");
	expect_write("\xc0\x80", 2, "\"\\ufffd\\ufffd\"");
	expect_write("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	expect_write("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	expect_write("\xe2\x82x", 3, "\"\\ufffd\\ufffdx\"");
	/* Appends after existing content. */
	struct buf out = BUF_INIT;
	buf_adds(&out, "k=");
	json_write_string(&out, "v", 1);
	assert_string_equal(out.data, "k=\"v\"");
	buf_free(&out);
}

static void test_json_write_string_roundtrip_random(void **state)
{
	(void)state;
	/* Random bytes (biased towards interesting ones) must always give
	 * valid JSON whose decoding is valid UTF-8, and equal to the input
	 * whenever the input was valid UTF-8. */
	static const unsigned char pool[] = {
	    'a',  'Z',  ' ',  '"',  '\\', '/',  0,    1,    0x1f, 0x7f, '\n', 0x80, 0xbf, 0xc2,
	    0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0xf0, 0x9f, 0x98, 0xf4, 0x90, 0xff, 0xc0,
	};
	srand(12345);
	char s[32];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)(rand() % (int)sizeof s);
		for (size_t i = 0; i < n; i++)
			s[i] = (char)(rand() % 4 ? pool[rand() % (int)sizeof pool] : rand() % 256);
		struct buf enc = BUF_INIT, dec = BUF_INIT;
		json_write_string(&enc, s, n);
		assert_int_equal(json_reformat(enc.data, enc.len, NULL, -1), 0);
		assert_int_equal(json_string_decode(enc.data, enc.len, &dec), 0);
		assert_true(utf8_valid(dec.data ? dec.data : "", dec.len));
		if (utf8_valid(s, n)) {
			assert_int_equal(dec.len, n);
			if (n)
				assert_memory_equal(dec.data, s, n);
		}
		buf_free(&enc);
		buf_free(&dec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_string_decode),
	    cmocka_unit_test(test_json_string_decode_every_bmp_escape),
	    cmocka_unit_test(test_json_string_decode_rejects),
	    cmocka_unit_test(test_json_write_string),
	    cmocka_unit_test(test_json_write_string_roundtrip_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
