/* Unit tests for utf8.c: utf8_valid() on well-formed and ill-formed
 * text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    	    	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_utf8_invalid),
	    	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
