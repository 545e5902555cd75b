/* Unit tests for json_pretty.c: the piecewise layout equals the one-shot
 * pretty printer (json_reformat with indent 2) whatever the piece size,
 * values deeper than JSON_PRETTY_DEPTH come out compact, and a terminal
 * gets DEL and C1 controls in strings escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "json_pretty.h"

/* Lay out doc (any valid JSON) in pieces of chunk bytes. */
static void layout(const char *doc, size_t chunk, bool tty, struct buf *out)
{
	struct buf min = BUF_INIT;
	assert_int_equal(json_reformat(doc, strlen(doc), &min, -1), 0);
	struct json_pretty p;
	json_pretty_init(&p, min.data, min.len, tty);
	size_t steps = 0;
	while (json_pretty_step(&p, out, chunk))
		steps++;
	assert_true(steps <= min.len + 1);
	buf_free(&min);
}

static const char *const docs[] = {
	"{\"name\": \"urlfan\", \"big\": 12345678901234567890, \"huge\": 1e400, \"float\": 1.50,"
	" \"esc\": \"a\\u00e9\\n\\\"q\\\" ,:{}[]\", \"list\": [1, 2, 3], \"nested\": {\"k\": null,"
	" \"t\": true, \"f\": false}, \"e\": {}, \"a\": [], \"aa\": [[], {}, [[]]]}",
	"[]", "{}", "0", "-1.5e+7", "\"s\"", "true", "null", "[\"a,b\", \"c:d\", \"}]\"]",
	"[[[[1]]], {\"a\": {\"b\": {\"c\": [true]}}}]",
	"{\"k\\\"\": \"v\\\\\", \"\\\\\": [\"\\\\\\\"\"]}",
};

static void test_json_pretty_matches_one_shot(void **state)
{
	(void)state;
	static const size_t chunks[] = {1, 2, 3, 7, 64, 1 << 20};
	for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
		struct buf want = BUF_INIT;
		assert_int_equal(json_reformat(docs[d], strlen(docs[d]), &want, 2), 0);
		for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
			struct buf got = BUF_INIT;
			layout(docs[d], chunks[c], false, &got);
			if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
				fail_msg("doc %zu chunk %zu:\n%s\n---\n%s", d, chunks[c], got.data,
					 want.data);
			buf_free(&got);
		}
		buf_free(&want);
	}
}

static void nest(struct buf *b, size_t depth, const char *inner)
{
	for (size_t i = 0; i < depth; i++)
		buf_adds(b, i % 2 ? "{\"k\":" : "[");
	buf_adds(b, inner);
	for (size_t i = depth; i-- > 0;)
		buf_addc(b, i % 2 ? '}' : ']');
}

static void test_json_pretty_deep_values_are_compact(void **state)
{
	(void)state;
	/* At the limit everything is laid out; one level more, the deepest
	 * value is compact on one line. */
	struct buf doc = BUF_INIT, got = BUF_INIT, want = BUF_INIT;
	nest(&doc, JSON_PRETTY_DEPTH, "[1,2]");
	layout(doc.data, 100, false, &got);
	assert_non_null(strstr(got.data, "[1,2]"));
	/* Its line: 2 * JSON_PRETTY_DEPTH spaces of indent, then the member
	 * of the deepest object laid out (the 64th level is an object). */
	buf_addc(&want, '\n');
	for (int i = 0; i < 2 * JSON_PRETTY_DEPTH; i++)
		buf_addc(&want, ' ');
	buf_adds(&want, "\"k\": [1,2]\n");
	assert_non_null(strstr(got.data, want.data));
	/* Any depth: the output grows with the nesting by at most the
	 * layout of the first JSON_PRETTY_DEPTH levels. */
	for (size_t depth = 100; depth <= 100000; depth *= 10) {
		doc.len = 0;
		got.len = 0;
		nest(&doc, depth, "[\"x\",{\"y\":[1,{}]}]");
		layout(doc.data, 4096, false, &got);
		size_t frame = 2 * (2 * JSON_PRETTY_DEPTH + 1) * JSON_PRETTY_DEPTH;
		assert_true(got.len <= doc.len + frame + 16 * JSON_PRETTY_DEPTH);
		/* Deep inside, one line holds the rest. */
		assert_non_null(strstr(got.data, "[\"x\",{\"y\":[1,{}]}]"));
		/* Still the same JSON value. */
		struct buf back = BUF_INIT;
		assert_int_equal(json_reformat(got.data, got.len, &back, -1), 0);
		assert_int_equal(back.len, doc.len);
		assert_memory_equal(back.data, doc.data, doc.len);
		buf_free(&back);
	}
	buf_free(&doc);
	buf_free(&got);
	buf_free(&want);
}

static void test_json_pretty_tty_escapes_controls(void **state)
{
	(void)state;
	/* DEL and U+0085 raw in a string, U+00A0 (not a control) and an
	 * escaped \u007f (already harmless) as they are. */
	const char *doc = "[\"a\x7f" "b\xc2\x85" "c\xc2\xa0" "d\\u007f\", \"\xc2\x9f\"]";
	struct buf got = BUF_INIT;
	layout(doc, 1, true, &got);
	assert_string_equal(got.data, "[\n  \"a\\u007fb\\u0085c\xc2\xa0" "d\\u007f\",\n  \"\\u009f\"\n]");
	buf_free(&got);
	/* Not on a terminal: byte-faithful. */
	layout(doc, 1, false, &got);
	assert_string_equal(got.data, "[\n  \"a\x7f" "b\xc2\x85" "c\xc2\xa0" "d\\u007f\",\n  \"\xc2\x9f\"\n]");
	buf_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_pretty_matches_one_shot),
		cmocka_unit_test(test_json_pretty_deep_values_are_compact),
		cmocka_unit_test(test_json_pretty_tty_escapes_controls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
