/* Unit tests for bounds.c: when to read further ahead, and how many
 * connections libcurl may keep, as tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <cmocka.h>

#include "bounds.h"

static void test_bounds_read_more(void **state)
{
	(void)state;
	struct config cfg = {.parallel = 8};
	struct bounds b = bounds_of(&cfg);
	assert_int_equal(b.readahead, 32);
	assert_int_equal(b.readahead_bytes, 16u << 20);
	static const struct {
		const char *what;
		size_t waiting, bytes, free_slots, startable, hosts, fresh;
		bool want;
	} rows[] = {
		{"under the count", 31, 1u << 30, 0, 31, 1, 1, true},
		{"at the count, no slot free, one host", 32, 0, 0, 0, 1, 0, false},
		{"at the count, no slot free, a fresh host waits", 32, 0, 0, 0, 20, 1, false},
		{"at the count, no slot free, hosts hidden behind", 32, 0, 0, 0, 20, 0, true},
		{"at the count, the waiting fill the free slots", 32, 0, 3, 3, 9, 2, false},
		{"at the count, every waiting host at its cap", 32, 0, 3, 0, 9, 1, true},
		{"at the count, fewer can start than slots are free", 32, 0, 3, 2, 9, 1, true},
		/* Fewer hosts than -j (8) known: look for more. */
		{"a fresh host waits, fewer hosts than slots", 32, 0, 0, 0, 7, 1, true},
		{"one host: nothing to look for", 32, 0, 0, 0, 1, 1, false},
		{"far past the count, within the bytes", 100000, (16u << 20) - 1, 1, 0, 9, 0, true},
		{"the byte budget spent", 100000, 16u << 20, 1, 0, 9, 0, false},
		{"the byte budget spent, few hosts", 100000, 16u << 20, 0, 0, 2, 1, false},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (bounds_read_more(&b, rows[i].waiting, rows[i].bytes, rows[i].free_slots,
				     rows[i].startable, rows[i].hosts,
				     rows[i].fresh) != rows[i].want)
			fail_msg("%s", rows[i].what);
}

static void test_bounds_connections(void **state)
{
	(void)state;
	struct config cfg = {.parallel = 50};
	struct bounds b = bounds_of(&cfg);
	static const struct {
		size_t wanted, limit;
		long parallel, want;
	} rows[] = {
		{0, 0, 50, 200},        /* never below libcurl's own 4 x -j */
		{100, 0, 50, 200},      /* wanted + 2 x -j */
		{800, 0, 64, 928},      /* 200 hosts x 4 */
		{800, 500, 64, 500},    /* the open-files limit */
		{100000, 0, 1, 100002}, /* one at a time, many hosts: no cap */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		b.connections = rows[i].limit;
		assert_int_equal(bounds_connections(&b, rows[i].wanted, rows[i].parallel),
				 rows[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_read_more),
		cmocka_unit_test(test_bounds_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
