/* Unit tests for base64.c: the RFC 4648 test vectors. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_rfc4648),
	    	    	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
