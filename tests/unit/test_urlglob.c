/* Unit tests for urlglob.c: curl's URL globs, expanded one URL at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "urlglob.h"

/* Expand s and compare with want (URLs joined by spaces). */
static void expect(const char *s, const char *want, unsigned long long count)
{
	struct urlglob *g;
	const char *why = NULL;
	int rc = urlglob_compile(s, strlen(s), &g, &why);
	if (rc != 1)
		fail_msg("'%s': %d %s", s, rc, why ? why : "");
	assert_true(urlglob_count(g) == count);
	struct buf all = BUF_INIT, one = BUF_INIT;
	unsigned long long n = 0;
	while (urlglob_next(g, &one)) {
		if (all.len)
			buf_addc(&all, ' ');
		buf_add(&all, one.data, one.len);
		one.len = 0;
		n++;
	}
	assert_false(urlglob_next(g, &one));
	assert_true(n == count);
	assert_string_equal(all.data, want);
	buf_free(&all);
	buf_free(&one);
	urlglob_free(g);
}

static void test_urlglob_patterns(void **state)
{
	(void)state;
	expect("h/[1-3]", "h/1 h/2 h/3", 3);
	expect("h/[08-11]", "h/08 h/09 h/10 h/11", 4);
	expect("h/[0-20:10]", "h/0 h/10 h/20", 3);
	expect("h/[0-25:10]", "h/0 h/10 h/20", 3);
	expect("h/[a-c]", "h/a h/b h/c", 3);
	expect("h/[A-E:2]", "h/A h/C h/E", 3);
	expect("h/{x,yy,z}.json", "h/x.json h/yy.json h/z.json", 3);
	/* The last pattern varies fastest. */
	expect("h/{a,b}[1-2]", "h/a1 h/a2 h/b1 h/b2", 4);
	/* Escapes stand for themselves. */
	expect("h/\\[1-2\\]", "h/[1-2]", 1);
	expect("h/{a\\,b,c}", "h/a,b h/c", 2);
	/* An IPv6 literal is no range; a range after it is. */
	expect("http://[::1]:80/[1-2]", "http://[::1]:80/1 http://[::1]:80/2", 2);
	expect("http://[fe80::1%25eth0]/{a,b}",
	       "http://[fe80::1%25eth0]/a http://[fe80::1%25eth0]/b", 2);
}

static void test_urlglob_plain_and_bad(void **state)
{
	(void)state;
	static const char *const plain[] = {"http://h/x", "http://[::1]:8080/",
					    "http://[::ffff:1.2.3.4]/", ""};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
		struct urlglob *g = (void *)1;
		const char *why;
		if (urlglob_compile(plain[i], strlen(plain[i]), &g, &why) != 0)
			fail_msg("'%s' is not plain", plain[i]);
		assert_null(g);
	}
	static const char *const bad[] = {"h/[1-",
					  "h/[3-1]",
					  "h/[1-2:0]",
					  "h/{a,b",
					  "h/{}",
					  "h/{a,,b}",
					  "h/{a,{b}}",
					  "h/]",
					  "h/}",
					  "h/[a-Z]",
					  "h/[1-a]",
					  "h/[x]",
					  "h/[99999999999999999999-1]"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct urlglob *g = (void *)1;
		const char *why = NULL;
		if (urlglob_compile(bad[i], strlen(bad[i]), &g, &why) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_null(g);
		assert_non_null(why);
	}
}

static void test_urlglob_huge_is_lazy(void **state)
{
	(void)state;
	const char *s = "h/[1-1000000000]/[1-1000000000]";
	struct urlglob *g;
	const char *why;
	assert_int_equal(urlglob_compile(s, strlen(s), &g, &why), 1);
	assert_true(urlglob_count(g) == 1000000000ULL * 1000000000ULL);
	struct buf one = BUF_INIT;
	assert_true(urlglob_next(g, &one));
	assert_string_equal(one.data, "h/1/1");
	one.len = 0;
	assert_true(urlglob_next(g, &one));
	assert_string_equal(one.data, "h/1/2");
	buf_free(&one);
	urlglob_free(g);
	/* Past 2^63 URLs: an error, not a wrapped count. */
	s = "h/[0-4294967296][0-4294967296][0-4]";
	assert_int_equal(urlglob_compile(s, strlen(s), &g, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urlglob_patterns),
		cmocka_unit_test(test_urlglob_plain_and_bad),
		cmocka_unit_test(test_urlglob_huge_is_lazy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
