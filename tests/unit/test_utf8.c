/* Unit tests for utf8.c: utf8_seq() at every boundary of RFC 3629's table
 * and on every scalar value, and utf8_valid() on whole texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

/* --- utf8_seq ------------------------------------------------------- */

struct seq_case {
	const char *s;
	size_t n;
	size_t want;
};

#define SEQ(s, want)                                                                               \
	{                                                                                          \
		(s), sizeof(s) - 1, (want)                                                         \
	}

static void test_utf8_seq_boundaries(void **state)
{
	(void)state;
	static const struct seq_case cases[] = {
	    /* One byte: all of ASCII, NUL included. */
	    SEQ("\x00", 1),
	    SEQ("\x7f", 1),
	    /* Continuation bytes cannot start a sequence. */
	    SEQ("\x80\x80", 0),
	    SEQ("\xbf\x80", 0),
	    /* Two bytes: C0 and C1 could only be overlong. */
	    SEQ("\xc0\x80", 0),
	    SEQ("\xc1\xbf", 0),
	    SEQ("\xc2\x80", 2), /* U+0080 */
	    SEQ("\xdf\xbf", 2), /* U+07FF */
	    /* Three bytes: E0 needs A0..BF (no overlongs), ED 80..9F (no
	     * surrogates). */
	    SEQ("\xe0\x9f\xbf", 0),
	    SEQ("\xe0\xa0\x80", 3), /* U+0800 */
	    SEQ("\xe1\x80\x80", 3),
	    SEQ("\xec\xbf\xbf", 3),
	    SEQ("\xed\x80\x80", 3),
	    SEQ("\xed\x9f\xbf", 3), /* U+D7FF */
	    SEQ("\xed\xa0\x80", 0), /* U+D800 */
	    SEQ("\xed\xbf\xbf", 0), /* U+DFFF */
	    SEQ("\xee\x80\x80", 3), /* U+E000 */
	    SEQ("\xef\xbf\xbf", 3), /* U+FFFF */
	    /* Four bytes: F0 needs 90..BF, F4 80..8F (<= U+10FFFF). */
	    SEQ("\xf0\x8f\xbf\xbf", 0),
	    SEQ("\xf0\x90\x80\x80", 4), /* U+10000 */
	    SEQ("\xf3\xbf\xbf\xbf", 4),
	    SEQ("\xf4\x8f\xbf\xbf", 4), /* U+10FFFF */
	    SEQ("\xf4\x90\x80\x80", 0),
	    /* Lead bytes that start nothing. */
	    SEQ("\xf5\x80\x80\x80", 0),
	    SEQ("\xf8\x80\x80\x80", 0),
	    SEQ("\xff", 0),
	    /* Each continuation byte must be 80..BF: 7F and C0 are either
	     * side of that. */
	    SEQ("\xc2\x7f", 0),
	    SEQ("\xc2\xc0", 0),
	    SEQ("\xe1\x80\x7f", 0),
	    SEQ("\xe1\x80\xc0", 0),
	    SEQ("\xf1\x80\x80\x7f", 0),
	    SEQ("\xf1\x80\x80\xc0", 0),
	    /* Cut short by n, though the bytes after are there. */
	    {"\xc2\x80", 1, 0},
	    {"\xe2\x82\xac", 2, 0},
	    {"\xf0\x9f\x98\x80", 3, 0},
	    /* Bytes after a sequence are not looked at. */
	    SEQ("\xc2\x80\xff", 2),
	    SEQ("a\xff", 1),
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct seq_case *c = &cases[i];
		size_t got = utf8_seq((const unsigned char *)c->s, c->n);
		if (got != c->want)
			fail_msg("case #%zu (n %zu): %zu, want %zu", i, c->n, got, c->want);
	}
}

/* cp as UTF-8 in t, by the arithmetic of RFC 3629 section 3 (surrogates
 * too, which utf8_seq() must refuse); returns the length. */
static size_t encode(uint32_t cp, unsigned char t[4])
{
	if (cp < 0x80) {
		t[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		t[0] = (unsigned char)(0xc0 | cp >> 6);
		t[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		t[0] = (unsigned char)(0xe0 | cp >> 12);
		t[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		t[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	t[0] = (unsigned char)(0xf0 | cp >> 18);
	t[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	t[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	t[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static void test_utf8_seq_every_scalar(void **state)
{
	(void)state;
	/* Every code point: accepted whole unless it is a surrogate, and
	 * refused when cut by one byte. */
	unsigned char t[4];
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		size_t len = encode(cp, t);
		bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
		size_t got = utf8_seq(t, len);
		if (got != (surrogate ? 0 : len))
			fail_msg("U+%04X: %zu", (unsigned)cp, got);
		if (len > 1 && utf8_seq(t, len - 1) != 0)
			fail_msg("U+%04X cut short was accepted", (unsigned)cp);
	}
}

/* --- utf8_valid ------------------------------------------------------- */

#define U(s) (s), (sizeof(s) - 1)

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(utf8_valid(U("")));
	assert_true(utf8_valid(U("plain ascii\x7f")));
	assert_true(utf8_valid(U("a\0b")));
	assert_true(utf8_valid(U("\xc2\x80")));         /* U+0080 */
	assert_true(utf8_valid(U("\xdf\xbf")));         /* U+07FF */
	assert_true(utf8_valid(U("\xe0\xa0\x80")));     /* U+0800 */
	assert_true(utf8_valid(U("\xe2\x82\xac")));     /* euro */
	assert_true(utf8_valid(U("\xed\x9f\xbf")));     /* U+D7FF */
	assert_true(utf8_valid(U("\xee\x80\x80")));     /* U+E000 */
	assert_true(utf8_valid(U("\xef\xbf\xbf")));     /* U+FFFF */
	assert_true(utf8_valid(U("\xf0\x90\x80\x80"))); /* U+10000 */
	assert_true(utf8_valid(U("\xf0\x9f\x98\x80")));
	assert_true(utf8_valid(U("\xf4\x8f\xbf\xbf"))); /* U+10FFFF */
}

static void test_utf8_invalid(void **state)
{
	(void)state;
	assert_false(utf8_valid(U("\xc0\x80")));         /* overlong NUL */
	assert_false(utf8_valid(U("\xc1\xbf")));         /* overlong */
	assert_false(utf8_valid(U("\xe0\x80\x80")));     /* overlong */
	assert_false(utf8_valid(U("\xe0\x9f\xbf")));     /* overlong */
	assert_false(utf8_valid(U("\xf0\x8f\xbf\xbf"))); /* overlong */
	assert_false(utf8_valid(U("\xed\xa0\x80")));     /* U+D800 */
	assert_false(utf8_valid(U("\xed\xbf\xbf")));     /* U+DFFF */
	assert_false(utf8_valid(U("\xf4\x90\x80\x80"))); /* > U+10FFFF */
	assert_false(utf8_valid(U("\xf5\x80\x80\x80")));
	assert_false(utf8_valid(U("\xff")));
	assert_false(utf8_valid(U("\x80"))); /* lone continuation */
	assert_false(utf8_valid(U("\xc2"))); /* truncated */
	assert_false(utf8_valid(U("\xe2\x82")));
	assert_false(utf8_valid(U("\xf0\x9f\x98")));
	assert_false(utf8_valid(U("ab\xf0\x9f\x98")));
	assert_false(utf8_valid(U("\xc2\x41"))); /* bad continuation */
	assert_false(utf8_valid(U("\xe2\x82\x41")));
	assert_false(utf8_valid(U("\xf0\x9f\x98\x41")));
	/* n bounds the check: a sequence cut by n is truncated. */
	assert_false(utf8_valid("\xe2\x82\xac", 2));
	assert_true(utf8_valid("ab\xff", 2));
}

static void test_utf8_valid_after_ascii(void **state)
{
	(void)state;
	/* A sequence after an ASCII run of every length up to 40, at the end
	 * and followed by more ASCII: found wherever the fast path over ASCII
	 * stops. */
	static const struct {
		const char *seq;
		bool valid;
	} seqs[] = {
	    {"\xe2\x82\xac", true}, {"\xf0\x9f\x98\x80", true}, {"\x80", false},
	    {"\xe2\x82", false},    {"\xed\xa0\x80", false},    {"\xc0\xaf", false},
	};
	char s[64];
	for (size_t k = 0; k < sizeof seqs / sizeof *seqs; k++) {
		size_t len = strlen(seqs[k].seq);
		for (size_t run = 0; run <= 40; run++) {
			memset(s, 'a', sizeof s);
			memcpy(s + run, seqs[k].seq, len);
			if (utf8_valid(s, run + len) != seqs[k].valid ||
			    utf8_valid(s, run + len + 5) != seqs[k].valid)
				fail_msg("sequence #%zu after %zu ASCII bytes", k, run);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_seq_boundaries),
	    cmocka_unit_test(test_utf8_seq_every_scalar),
	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_utf8_invalid),
	    cmocka_unit_test(test_utf8_valid_after_ascii),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
