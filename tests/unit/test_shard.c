/* Unit tests for shard.c: which shard a request belongs to, and K/N. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include <cmocka.h>

#include "hash.h"
#include "shard.h"

static void test_shard_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		long k, n; /* 0: refused */
	} rows[] = {
		{"1/1", 1, 1},     {"2/4", 2, 4},   {"4/4", 4, 4},     {"1000000/1000000", 1000000, 1000000},
		{"0/4", 0, 0},     {"5/4", 0, 0},   {"1/0", 0, 0},     {"-1/4", 0, 0},
		{"1/-4", 0, 0},    {"1/4x", 0, 0},  {"1", 0, 0},       {"/4", 0, 0},
		{"1/", 0, 0},      {"a/b", 0, 0},   {" 1/4", 0, 0},    {"1/1000001", 0, 0},
		{"1 /4", 0, 0},    {"", 0, 0},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct shard s = {0, 0, SHARD_BY_INDEX};
		int rc = shard_parse(rows[i].text, &s);
		if (rows[i].k ? rc != 0 || s.k != rows[i].k || s.n != rows[i].n
			      : rc != -1 || s.k != 0 || s.n != 0)
			fail_msg("'%s': rc %d, %ld/%ld", rows[i].text, rc, s.k, s.n);
	}
}

/* Every request belongs to exactly one of the N shards, by index or by
 * host; by host every request of one host to the same shard. */
static void test_shard_partition(void **state)
{
	(void)state;
	char key[64];
	for (long n = 1; n <= 7; n++) {
		for (size_t i = 0; i < 500; i++) {
			snprintf(key, sizeof key, "h%zu.test:80", i % 37);
			int by_index = 0, by_host = 0;
			long host_shard = 0;
			for (long k = 1; k <= n; k++) {
				struct shard si = {k, n, SHARD_BY_INDEX}, sh = {k, n, SHARD_BY_HOST};
				by_index += shard_mine(&si, i, key);
				if (shard_mine(&si, i, key))
					assert_int_equal((long)(i % (size_t)n), k - 1);
				if (shard_mine(&sh, i, key)) {
					by_host++;
					host_shard = k;
				}
				/* A line with no host goes by its index. */
				assert_int_equal(shard_mine(&sh, i, NULL), shard_mine(&si, i, NULL));
			}
			assert_int_equal(by_index, 1);
			assert_int_equal(by_host, 1);
			assert_int_equal(host_shard, (long)(hash_str(key) % (uint64_t)n) + 1);
		}
	}
	struct shard none = {0, 0, SHARD_BY_HOST};
	assert_true(shard_mine(&none, 5, "a:80"));
	assert_true(shard_mine(&none, 6, NULL));
}

/* The hash is fixed: the same host goes to the same shard on every
 * machine and build (the values are hash.h's FNV-1a, computed apart). */
static void test_shard_by_host_is_stable(void **state)
{
	(void)state;
	/* FNV-1a's published value for "a", and one host key. */
	assert_true(hash_str("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(hash_str("example.com:443") == 17887982877223582877ULL);
	struct shard s = {2, 4, SHARD_BY_HOST};
	assert_true(shard_mine(&s, 0, "example.com:443"));
	s.k = 1;
	assert_false(shard_mine(&s, 0, "example.com:443"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_parse),
		cmocka_unit_test(test_shard_partition),
		cmocka_unit_test(test_shard_by_host_is_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
