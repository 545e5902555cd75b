/* Unit tests for json.c: the byte-faithful reformatter (one-pass and SIMD
 * minifiers, pretty-printer), the object member iterator and the string
 * scanner. The string codec, UTF-8 and base64 have test programs of their
 * own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"
#include "json_string.h"

/* Reformat a NUL-terminated document; the result is owned by the caller. */
static int reformat(const char *s, int indent, struct buf *out)
{
	return json_reformat(s, strlen(s), out, indent);
}

/* Assert that s reformats to exactly want (both NUL-terminated). */
static void expect_reformat(const char *s, int indent, const char *want)
{
	struct buf out = BUF_INIT;
	assert_int_equal(reformat(s, indent, &out), 0);
	assert_non_null(out.data);
	assert_int_equal(out.len, strlen(want));
	assert_string_equal(out.data, want);
	buf_free(&out);
}

/* --- json_reformat -------------------------------------------------- */

static void test_json_minify_numbers_verbatim(void **state)
{
	(void)state;
	/* Numbers a double cannot hold must come out exactly as written. */
	expect_reformat("[ 12345678901234567890 , 9007199254740993,\n1e400 ,1.50, -0 ,1E+2 ]", -1,
			"[12345678901234567890,9007199254740993,1e400,1.50,-0,1E+2]");
	expect_reformat("12345678901234567890", -1, "12345678901234567890");
	expect_reformat("  -0.000e-0000  ", -1, "-0.000e-0000");
}

static void test_json_minify_escapes_verbatim(void **state)
{
	(void)state;
	/* Escapes are copied, never decoded or re-encoded. */
	expect_reformat("\"a\\u00e9\\n\\\"q\\\"\"", -1, "\"a\\u00e9\\n\\\"q\\\"\"");
	expect_reformat("{ \"k\\/\" : \"\\uD83D\\uDE00\\t\" }", -1,
			"{\"k\\/\":\"\\uD83D\\uDE00\\t\"}");
	/* Raw UTF-8 passes unchanged. */
	expect_reformat("[\"caf\xc3\xa9\", \"\xf0\x9f\x98\x80\"]", -1,
			"[\"caf\xc3\xa9\",\"\xf0\x9f\x98\x80\"]");
}

static void test_json_minify_key_order_and_empty(void **state)
{
	(void)state;
	expect_reformat("{ \"z\" : 1 , \"a\" : [ ] , \"m\" : { } , \"a\" : 2 }", -1,
			"{\"z\":1,\"a\":[],\"m\":{},\"a\":2}");
	expect_reformat(" \t\r\n{\n}\n", -1, "{}");
	expect_reformat("[[],[[]],{},[{}],{\"e\":{\"f\":[]}}]", -1,
			"[[],[[]],{},[{}],{\"e\":{\"f\":[]}}]");
	expect_reformat("[true,false,null]", -1, "[true,false,null]");
}

static void test_json_pretty(void **state)
{
	(void)state;
	expect_reformat("{\"z\":1,\"a\":[1.50,{\"b\":null}],\"e\":{},\"f\":[]}", 2,
			"{\n"
			"  \"z\": 1,\n"
			"  \"a\": [\n"
			"    1.50,\n"
			"    {\n"
			"      \"b\": null\n"
			"    }\n"
			"  ],\n"
			"  \"e\": {},\n"
			"  \"f\": []\n"
			"}");
	expect_reformat("[12345678901234567890,-0,1E+2]", 2,
			"[\n  12345678901234567890,\n  -0,\n  1E+2\n]");
	/* Scalars and empty containers have no line breaks. */
	expect_reformat(" 1e400 ", 2, "1e400");
	expect_reformat("[ ]", 2, "[]");
	/* indent 0 still breaks lines, without spaces. */
	expect_reformat("[1,[2]]", 0, "[\n1,\n[\n2\n]\n]");
}

static void test_json_pretty_then_minify_roundtrip(void **state)
{
	(void)state;
	const char *doc = "{\"a\":[1,2,{\"b\":\"x y\",\"c\":[]}],\"d\":{\"e\":1e5}}";
	struct buf pretty = BUF_INIT, mini = BUF_INIT;
	assert_int_equal(reformat(doc, 4, &pretty), 0);
	assert_int_equal(json_reformat(pretty.data, pretty.len, &mini, -1), 0);
	assert_string_equal(mini.data, doc);
	buf_free(&pretty);
	buf_free(&mini);
}

static void test_json_deep_nesting(void **state)
{
	(void)state;
	/* An explicit stack: 100000 levels must not overflow the C stack. */
	size_t depth = 100000;
	char *s = malloc(2 * depth);
	assert_non_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	struct buf out = BUF_INIT;
	assert_int_equal(json_reformat(s, 2 * depth, &out, -1), 0);
	assert_int_equal(out.len, 2 * depth);
	assert_memory_equal(out.data, s, 2 * depth);
	assert_int_equal(json_reformat(s, 2 * depth, NULL, -1), 0);
	/* One bracket short: invalid, and nothing is left in out. */
	buf_free(&out);
	assert_int_equal(json_reformat(s, 2 * depth - 1, &out, -1), -1);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	free(s);

	/* Deep objects too. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 20000; i++)
		buf_adds(&b, "{\"k\":");
	buf_adds(&b, "0");
	for (int i = 0; i < 20000; i++)
		buf_addc(&b, '}');
	assert_int_equal(json_reformat(b.data, b.len, NULL, -1), 0);
	buf_free(&b);
}

/* json_minify_depth() at every level (0: the one-pass scanner), on the
 * text alone and padded past the SIMD minimum with white space. */
static void expect_depth(const char *doc, size_t want)
{
	struct buf padded = BUF_INIT;
	buf_adds(&padded, doc);
	for (int i = 0; i < 100; i++)
		buf_addc(&padded, ' ');
	for (int level = 0; level <= 3; level++) {
		for (int pad = 0; pad < 2; pad++) {
			struct buf out = BUF_INIT;
			size_t depth = 12345;
			const char *s = pad ? padded.data : doc;
			size_t n = pad ? padded.len : strlen(doc);
			int rc = json_minify_at(level, s, n, &out, &depth);
			if (rc == -2) {
				buf_free(&out);
				continue; /* no such level here */
			}
			assert_int_equal(rc, 0);
			if (depth != want)
				fail_msg("level %d pad %d: depth %zu, want %zu for %s", level, pad,
					 depth, want, doc);
			buf_free(&out);
		}
	}
	/* The public entry point agrees. */
	struct buf out = BUF_INIT;
	size_t depth = 0;
	assert_int_equal(json_minify_depth(doc, strlen(doc), &out, &depth), 0);
	assert_int_equal(depth, want);
	buf_free(&out);
	buf_free(&padded);
}

static void test_json_depth(void **state)
{
	(void)state;
	expect_depth("7", 0);
	expect_depth("\"[[[\"", 0);
	expect_depth("[]", 1);
	expect_depth("{}", 1);
	expect_depth("[7]", 1);
	expect_depth("[[]]", 2);
	expect_depth("{\"a\":[]}", 2);
	expect_depth("[[],[[{}]],1]", 4);
	expect_depth("[{\"k\":{\"k\":[1,{}]}},[]]", 5);
	/* Around jq 1.6's limit, and far past the scanners' first stack. */
	size_t sizes[] = {253, 254, 256, 257, 300, 5000};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct buf b = BUF_INIT;
		for (size_t k = 0; k < sizes[i]; k++)
			buf_adds(&b, k % 2 ? "{\"k\":" : "[");
		buf_addc(&b, '1');
		for (size_t k = sizes[i]; k-- > 0;)
			buf_addc(&b, k % 2 ? '}' : ']');
		expect_depth(b.data, sizes[i]);
		buf_free(&b);
	}
}

static void test_json_lone_surrogate(void **state)
{
	(void)state;
	static const struct {
		const char *doc;
		bool lone;
	} cases[] = {
		{"[\"\\ud800\"]", true},
		{"[\"\\uD800\"]", true},
		{"[\"\\udc00\"]", true},
		{"[\"\\uDFFF\"]", true},
		{"[\"\\udbff\\u0041\"]", true},
		{"[\"\\udc00\\ud800\"]", true},
		{"[\"\\ud800\\n\"]", true},
		{"[\"\\ud800\", \"\\udc00\"]", true},
		{"{\"\\ud800\":1}", true},
		{"[\"x\\ud83d\\ude00y\"]", false},
		{"[\"\\uD83D\\uDE00\\ud800\"]", true},
		{"[\"\\\\ud800\"]", false}, /* an escaped backslash, then text */
		{"[\"\\\\\\ud800\"]", true},
		{"[\"\\u00e9\\uFFFF\\ud7ff\\ue000\"]", false},
		{"[1,2]", false},
		{"\"\\\"\\/\\b\\f\\n\\r\\t\"", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *d = cases[i].doc;
		assert_int_equal(json_reformat(d, strlen(d), NULL, -1), 0);
		if (json_lone_surrogate(d, strlen(d)) != cases[i].lone)
			fail_msg("%s: expected %s", d, cases[i].lone ? "lone" : "none");
	}
}

static const char *const invalid_docs[] = {
	"[1,2,]",
	"{\"a\":1,}",
	"01",
	"[01]",
	"-01",
	"NaN",
	"[NaN]",
	"Infinity",
	"-Infinity",
	"'a'",
	"{'a':1}",
	"\"abc",
	"\"a\\\"",
	"\"a\x01z\"",
	"\"tab\there\"",
	"\"\xff\"",
	"\"\xc0\x80\"",
	"\"\xed\xa0\x80\"",
	"\"\xc3\"",
	"1 2",
	"{} {}",
	"[] x",
	"",
	"   ",
	"-",
	"[-]",
	"+1",
	".5",
	"1.",
	"1.e5",
	"1e",
	"1e+",
	"tru",
	"nul",
	"True",
	"nulll",
	"[1 2]",
	"{\"a\" 1}",
	"{\"a\":}",
	"{1:2}",
	"{\"a\":1 \"b\":2}",
	"[,1]",
	"[",
	"]",
	"{",
	"}",
	"[1]]",
	"\"\\x\"",
	"\"\\u12G4\"",
	"\"\\u12\"",
	"\"\\'\"",
	"[\"a\",]",
	"\xef\xbb\xbf{}", /* a BOM is not white space in RFC 8259 */
};

static void test_json_rejects_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof invalid_docs / sizeof *invalid_docs; i++) {
		const char *d = invalid_docs[i];
		struct buf out = BUF_INIT;
		/* out already holds something that must survive the failure. */
		buf_adds(&out, "prefix");
		if (json_reformat(d, strlen(d), &out, -1) != -1)
			fail_msg("accepted invalid JSON #%zu: %s", i, d);
		assert_int_equal(out.len, 6);
		assert_string_equal(out.data, "prefix");
		if (json_reformat(d, strlen(d), &out, 2) != -1)
			fail_msg("pretty accepted invalid JSON #%zu: %s", i, d);
		assert_int_equal(out.len, 6);
		assert_string_equal(out.data, "prefix");
		assert_int_equal(json_reformat(d, strlen(d), NULL, -1), -1);
		buf_free(&out);
	}
}

static void test_json_failure_rolls_back_partial_output(void **state)
{
	(void)state;
	/* The error comes after tokens were already copied. */
	struct buf out = BUF_INIT;
	buf_adds(&out, "keep");
	assert_int_equal(reformat("[1,2,3,{\"a\":[4,5]},]", 2, &out), -1);
	assert_int_equal(out.len, 4);
	assert_string_equal(out.data, "keep");
	/* A NUL inside the given length is not white space. */
	assert_int_equal(json_reformat("[1]\0", 4, &out, -1), -1);
	assert_int_equal(out.len, 4);
	assert_string_equal(out.data, "keep");
	/* And a valid document appends after the old content. */
	assert_int_equal(reformat(" [ 1 ] ", -1, &out), 0);
	assert_string_equal(out.data, "keep[1]");
	buf_free(&out);
}

static void test_json_validate_only(void **state)
{
	(void)state;
	assert_int_equal(json_reformat("{\"a\":[1,2]}", 11, NULL, -1), 0);
	assert_int_equal(json_reformat("{\"a\":[1,2]}", 11, NULL, 2), 0);
	assert_int_equal(json_reformat("{\"a\":[1,2]", 10, NULL, -1), -1);
	/* n bounds the input: a valid prefix of a longer string. */
	assert_int_equal(json_reformat("[1]garbage", 3, NULL, -1), 0);
	assert_int_equal(json_reformat("truefalse", 4, NULL, -1), 0);
	assert_int_equal(json_reformat("\"ab\"", 3, NULL, -1), -1);
	/* "n" of "null" cut short must not read past n. */
	assert_int_equal(json_reformat("null", 3, NULL, -1), -1);
	assert_int_equal(json_reformat("0", 0, NULL, -1), -1);
}

/* --- differential check against cJSON --------------------------------- */

/* Documents on which urlfan's scanner and cJSON must agree. Left out on
 * purpose, because cJSON differs from RFC 8259 there:
 * - leading zeros ("01"), "1.", "1.e5": cJSON hands numbers to strtod and
 *   accepts them (laxer);
 * - control characters and invalid UTF-8 in strings: cJSON does not check
 *   them (laxer);
 * - white space other than the four JSON ones: cJSON skips any byte <= 32
 *   (laxer);
 * - lone surrogate escapes ("\ud800"): valid JSON text, cJSON rejects them
 *   (stricter);
 * - bad hex digits in \u escapes ("\u12G4"): cJSON reads them as 0 and
 *   accepts the string (laxer);
 * - nesting deeper than CJSON_NESTING_LIMIT (1000): cJSON rejects (stricter);
 * - numbers beyond double precision: cJSON accepts but rounds, which says
 *   nothing about validity, so they are left to the tests above. */
static const char *const diff_docs[] = {
	/* valid */
	"null", "true", "false", "0", "-1", "3.25", "-0.5e-3", "1E+2", "-0",
	"\"\"", "\"abc\"", "\"\\n\\t\\\"\\\\\\/\\b\\f\\r\"", "\"\\u0041\\u00e9\"",
	"\"\\ud83d\\ude00\"", "\"caf\xc3\xa9\"", "[]", "{}", "[1,2,3]",
	"{\"a\":[1,{\"b\":null}]}", " \t\n[ 1 , 2 ]\r\n", "[[[[]]]]",
	"{\"a\":1,\"a\":2}", "[true,false,null]", "{\"\":\"\"}",
	"{ \"x\" : { \"y\" : [ \"z\" , 1e5 ] } }",
	/* invalid */
	"", " ", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{\"a\":}",
	"{1:2}", "'a'", "\"abc", "[", "]", "{", "}", "[1]]", "{}}", "nul",
	"tru", "NaN", "Infinity", "-", "+1", ".5", "[-]", "1 2", "\"\\x\"",
	"{\"a\":1 \"b\":2}", "[,1]", "truex", "[1e]",
};

static bool cjson_accepts(const char *s, size_t n)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(s, n, &end, 0);
	if (!j)
		return false;
	cJSON_Delete(j);
	/* Only JSON white space may follow the value. */
	for (const char *p = end; p < s + n; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
	return true;
}

static void test_json_differential_cjson(void **state)
{
	(void)state;
	size_t valid = 0;
	for (size_t i = 0; i < sizeof diff_docs / sizeof *diff_docs; i++) {
		const char *d = diff_docs[i];
		size_t n = strlen(d);
		bool ours = json_reformat(d, n, NULL, -1) == 0;
		bool theirs = cjson_accepts(d, n);
		if (ours != theirs)
			fail_msg("disagreement on #%zu '%s': urlfan %d, cJSON %d", i, d,
				 ours, theirs);
		valid += ours;
	}
	/* Guard against a list that tests only one side. */
	assert_true(valid >= 20);
	assert_true(valid <= sizeof diff_docs / sizeof *diff_docs - 20);
}

/* --- the SIMD minifier against the portable one ----------------------- */

/* Both minifiers on s[0..n): same verdict, same bytes, and out's earlier
 * content kept; json_reformat() and the SIMD one at each level this
 * processor has. */
static void expect_same_minify(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "pre");
	int rb = json_minify_portable(s, n, &b);
	for (int level = 0; level <= 3; level++) {
		struct buf a = BUF_INIT;
		buf_adds(&a, "pre");
		int ra = level ? json_minify_simd(level, s, n, &a) : json_reformat(s, n, &a, -1);
		if (ra != -2 && (ra != rb || a.len != b.len || memcmp(a.data, b.data, a.len) != 0))
			fail_msg("minifiers disagree (%d vs %d, level %d) on %zu bytes: '%.*s'", ra,
				 rb, level, n, (int)(n < 300 ? n : 300), s);
		buf_free(&a);
	}
	buf_free(&b);
}

/* json_reformat() takes the SIMD path from this length on. */
#define FAST_MIN 64

/* Each document at every alignment within a 64-byte block and with tails
 * of every length the last block can have, long enough for the SIMD path. */
static void expect_same_padded(const char *d)
{
	size_t n = strlen(d);
	char *s = malloc(n + 400);
	assert_non_null(s);
	for (size_t lead = 0; lead < 64; lead++) {
		for (size_t trail = 0; trail < 80; trail += lead % 2 ? 7 : 1) {
			size_t pre = lead + (n + lead + trail < FAST_MIN ? FAST_MIN - (n + lead + trail) : 0);
			const char *ws = " \n\t\r";
			for (size_t k = 0; k < pre; k++)
				s[k] = ws[k % 4];
			memcpy(s + pre, d, n);
			memset(s + pre + n, ' ', trail);
			expect_same_minify(s, pre + n + trail);
		}
	}
	free(s);
}

static void test_json_fast_minify_fixed_docs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof invalid_docs / sizeof *invalid_docs; i++)
		expect_same_padded(invalid_docs[i]);
	for (size_t i = 0; i < sizeof diff_docs / sizeof *diff_docs; i++)
		expect_same_padded(diff_docs[i]);
	/* Words that white space must keep apart, and strings where white
	 * space is kept. */
	static const char *const docs[] = {
		"[1 2]", "[1\n2]", "[tr ue]", "[1 ,2]", "[1, 2]", "{\"a\" : 1 0}",
		"[- 1]", "[1 .5]", "[1e 5]", "[null null]", "[true\tfalse]",
		"[\"a b\",\"c\\\" d\"]", "[\"\\\\\" , \"x\"]", "\"\\\\\\\"\"",
		"[\"\\u00e9 \\ud83d\\ude00\"]", "[\"caf\xc3\xa9\"]", "[\"\xc3\"]",
		"[1]\xc3\xa9", "[\"\x01\"]", "[\"\t\"]", "[\"a\\x\"]", "[\"\\u12g4\"]",
		"[\"unterminated]", "[\"a\\", "[1,\"\\\"]", "{\"k\":[{}, [], {\"\":\"\"}]}",
		/* 0x0c and 0x1a share their low nibble with ',' and ':' once
		 * the 0x20 bit is set, as '[' and ']' do with '{' and '}'. */
		"[1\f2]", "[1 \f 2]", "\f[]", "[\x1a]", "{\"a\"\x1a" "1}", "{\"a\":1\f\"b\":2}",
		"[\"a\fb\"]", "[\"\x1a\"]", "[1\x0c]", "[\x3a]", "[1\x2c" "2]",
		/* The grammar on tokens: a ',' before a closing bracket (the
		 * masks refuse it, across white space), keys and values in the
		 * wrong place, brackets that do not match, bad words. */
		"[1,]", "[1,\n  ]", "[1 , ]", "{\"a\":1,}", "{\"a\":1,\n}", "[[],]", "[{},\t]",
		"{\"a\":{},}", "[,]", "[,1]", "{,}", "[1,,2]", "{\"a\":1,,\"b\":2}", "[\",\",]",
		"[\"]\" , ]", "{\"a\"}", "{\"a\" 1}", "{:1}", "{1:2}", "[\"a\":1]", "{\"a\":1:2}",
		"{\"a\",\"b\"}", "{\"a\":1,\"b\"}", "{\"a\":1,2:3}", "{\"a\":[]\"b\"}", "{} {}",
		"[] ,", "1,2", "\"a\":1", "[\"a\"\"b\"]", "[1\"a\"]", "[{}{}]", "[[][]]", "[1]]",
		"[[1]", "{]", "[}", "{\"a\":tru}", "[truex]", "[nul]", "[-]", "[01]", "[1.]", "[1e]",
		"[.5]", "[1.5e+]", "[-0.0e-0,1E9,2e+3]", "[true,false,null]", "{\"\":{\"\":[[{}]]}}",
		"[1e5x]", "[0x1]", "[+1]", "[1-2]", "[--1]", "[1.2.3]", "123", "-1", "true ", "nul",
		/* Numbers, as the AVX-512 level checks them on masks. */
		"[1e5.5]", "[1.2e3e4]", "[-a]", "[1+2]", "[1e+-2]", "[1e-+2]", "[0e0]", "[-0e-0]",
		"[10,0,-0,0.0,-10.01]", "[1.0e10,2E+3,4e-5]", "[truee]", "[nulll]", "[t]", "[fals]",
		"[1x]", "[0x]", "[1.e1]", "[1..2]", "[1ee2]", "[1e2.]", "[01.5]", "[-00]", "[2E-]",
		"[-.5]", "[5.]", "[.]", "[e]", "[-e1]", "[1e]", "[1E2e]", "[1-]", "[1.5-2]",
		"{\"a\":-12.5e+3,\"b\":true,\"c\":[0,1]}", "[1\x01]", "[1\xc3\xa9]",
	};
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
		expect_same_padded(docs[i]);
}

static uint64_t rng_state = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void add_ws(struct buf *b)
{
	static const char *const ws[] = {"", "", "", " ", "\n  ", "\t", "\r\n", "   "};
	buf_adds(b, ws[rnd(8)]);
}

/* A random JSON value, with white space, escapes and UTF-8. */
static void gen_value(struct buf *b, int depth)
{
	static const char *const strings[] = {
		"\"\"", "\"a\"", "\"item 42\"", "\"quote \\\" and \\\\ back\"",
		"\"\\u00e9\\n\\t\\/\"", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		"\"a long string value that crosses a 64-byte block, surely, yes it does!\"",
		"\"\\\\\\\\\\\\\"", "\"\\ud83d\\ude00\"",
	};
	static const char *const scalars[] = {
		"0", "-0", "1", "-12", "3.25", "1e10", "-2.5E-3", "12345678901234567890",
		"true", "false", "null", "0.5e+7",
	};
	unsigned k = rnd(depth > 6 ? 2 : 4);
	if (k == 0) {
		buf_adds(b, strings[rnd(sizeof strings / sizeof *strings)]);
	} else if (k == 1) {
		buf_adds(b, scalars[rnd(sizeof scalars / sizeof *scalars)]);
	} else {
		bool obj = k == 2;
		buf_addc(b, obj ? '{' : '[');
		unsigned items = rnd(6);
		for (unsigned i = 0; i < items; i++) {
			if (i)
				buf_addc(b, ',');
			add_ws(b);
			if (obj) {
				buf_adds(b, strings[rnd(sizeof strings / sizeof *strings)]);
				add_ws(b);
				buf_addc(b, ':');
				add_ws(b);
			}
			gen_value(b, depth + 1);
			add_ws(b);
		}
		buf_addc(b, obj ? '}' : ']');
	}
}

static void test_json_fast_minify_random(void **state)
{
	(void)state;
	static const char alphabet[] = " \t\n\r\"\\{}[]:,0123456789.-+eEtrufalsn\x01\x1f\x7f\x80\xc3\xa9\xff";
	size_t accepted = 0, runs = 20000;
	for (size_t r = 0; r < runs; r++) {
		struct buf b = BUF_INIT;
		buf_addc(&b, '[');
		while (b.len < 200 + rnd(3000)) {
			gen_value(&b, 0);
			buf_addc(&b, ',');
			add_ws(&b);
		}
		gen_value(&b, 0);
		buf_addc(&b, ']');
		/* Most runs get a few random edits: replaced, inserted or
		 * deleted bytes, or a cut. */
		unsigned edits = rnd(4);
		for (unsigned e = 0; e < edits && b.len > 2; e++) {
			size_t at = rnd((unsigned)b.len);
			char c = alphabet[rnd(sizeof alphabet - 1)];
			switch (rnd(4)) {
			case 0:
				b.data[at] = c;
				break;
			case 1:
				buf_addc(&b, ' ');
				memmove(b.data + at + 1, b.data + at, b.len - at - 1);
				b.data[at] = c;
				break;
			case 2:
				memmove(b.data + at, b.data + at + 1, b.len - at - 1);
				b.len--;
				break;
			default:
				b.len = at + 1;
				break;
			}
		}
		expect_same_minify(b.data, b.len);
		accepted += json_reformat(b.data, b.len, NULL, -1) == 0;
		buf_free(&b);
	}
	/* Both verdicts must be well represented. */
	assert_true(accepted > runs / 5);
	assert_true(accepted < runs - runs / 5);
}

/* --- json_object_next ----------------------------------------------- */

static void expect_member(const struct json_member *m, const char *key,
			  const char *val)
{
	assert_int_equal(m->key_len, strlen(key));
	assert_memory_equal(m->key, key, m->key_len);
	assert_int_equal(m->val_len, strlen(val));
	assert_memory_equal(m->val, val, m->val_len);
}

static void test_json_object_next_members(void **state)
{
	(void)state;
	const char *s = " { \"a\" : 1 ,\"b\\n\":[1, 2] , \"c\":{\"d\" : \"e\"},"
			"\"n\":12345678901234567890 } ";
	size_t n = strlen(s), pos = 0;
	struct json_member m;
	assert_int_equal(json_object_next(s, n, &pos, &m), 1);
	expect_member(&m, "\"a\"", "1");
	assert_ptr_equal(m.key, strstr(s, "\"a\""));
	assert_int_equal(json_object_next(s, n, &pos, &m), 1);
	expect_member(&m, "\"b\\n\"", "[1, 2]");
	assert_int_equal(json_object_next(s, n, &pos, &m), 1);
	expect_member(&m, "\"c\"", "{\"d\" : \"e\"}");
	assert_int_equal(json_object_next(s, n, &pos, &m), 1);
	expect_member(&m, "\"n\"", "12345678901234567890");
	assert_int_equal(json_object_next(s, n, &pos, &m), 0);
	/* The end is sticky. */
	assert_int_equal(json_object_next(s, n, &pos, &m), 0);
}

static void test_json_object_next_empty(void **state)
{
	(void)state;
	struct json_member m;
	size_t pos = 0;
	assert_int_equal(json_object_next("{}", 2, &pos, &m), 0);
	pos = 0;
	assert_int_equal(json_object_next(" {\n} ", 5, &pos, &m), 0);
	pos = 0;
	assert_int_equal(json_object_next("{} x", 4, &pos, &m), -1);
}

/* Iterate s to the end; the last return value (0 or -1). */
static int object_walk(const char *s, int *members)
{
	size_t pos = 0, n = strlen(s);
	struct json_member m;
	int rc;
	*members = 0;
	while ((rc = json_object_next(s, n, &pos, &m)) == 1) {
		(*members)++;
		assert_true(*members < 100);
	}
	return rc;
}

static void test_json_object_next_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "[1]", "\"a\"", "1", "{", "{\"a\"}", "{\"a\":}", "{\"a\" 1}",
		"{\"a\":1", "{\"a\":1,}", "{\"a\":1}x", "{\"a\":1}}", "{a:1}",
		"{\"a\":01}", "{\"a\":[1,]}", "{\"a\":1 \"b\":2}", "{,}",
		"{\"a\":1,,\"b\":2}", "{\"a\":\"\xff\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int members;
		if (object_walk(bad[i], &members) != -1)
			fail_msg("json_object_next accepted invalid object #%zu: '%s'", i,
				 bad[i]);
	}
}

static void test_json_object_next_truncated_after_comma(void **state)
{
	(void)state;
	/* Input ending right after a comma is an unfinished object; it must
	 * not be reported as the end (0) of a valid one. */
	static const char *const bad[] = {
		"{\"a\":1,", "{\"a\":1, ", "{\"a\":1,\"b\":[2],\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int members;
		int rc = object_walk(bad[i], &members);
		if (rc != -1)
			fail_msg("'%s' ended with %d after %d members instead of -1",
				 bad[i], rc, members);
	}
}

/* --- json_scan_string ---------------------------------------------- */

static void test_json_scan_string(void **state)
{
	(void)state;
	/* The index just past the closing quote, for a token anywhere in s;
	 * an escaped quote does not close it. */
	const char *s = "[\"ab\",\"c\\\"d\",\"\"]";
	size_t n = strlen(s);
	assert_int_equal(json_scan_string(s, n, 1), 5);
	assert_int_equal(json_scan_string(s, n, 6), 12);
	assert_int_equal(json_scan_string(s, n, 13), 15);
	/* n bounds the scan: a closing quote, escape or UTF-8 sequence at or
	 * past it does not count. */
	assert_int_equal(json_scan_string(s, 4, 1), 0);
	assert_int_equal(json_scan_string(s, 9, 6), 0);
	assert_int_equal(json_scan_string("\"\\u00e9\"", 6, 0), 0);
	assert_int_equal(json_scan_string("\"\\u00e9\"", 8, 0), 8);
	assert_int_equal(json_scan_string("\"\xc3\xa9\"", 2, 0), 0);
	assert_int_equal(json_scan_string("\"\xc3\xa9\"", 4, 0), 4);
	/* What json_reformat() refuses in a string. */
	static const char *const bad[] = {
		"\"a\x01\"", "\"\\x\"", "\"\\u12G4\"", "\"\xff\"", "\"\xed\xa0\x80\"", "\"abc",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (json_scan_string(bad[i], strlen(bad[i]), 0) != 0)
			fail_msg("accepted bad string #%zu: '%s'", i, bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_json_lone_surrogate),
		cmocka_unit_test(test_json_minify_numbers_verbatim),
		cmocka_unit_test(test_json_minify_escapes_verbatim),
		cmocka_unit_test(test_json_minify_key_order_and_empty),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_json_pretty_then_minify_roundtrip),
		cmocka_unit_test(test_json_deep_nesting),
		cmocka_unit_test(test_json_rejects_invalid),
		cmocka_unit_test(test_json_failure_rolls_back_partial_output),
		cmocka_unit_test(test_json_validate_only),
		cmocka_unit_test(test_json_differential_cjson),
		cmocka_unit_test(test_json_fast_minify_fixed_docs),
		cmocka_unit_test(test_json_fast_minify_random),
		cmocka_unit_test(test_json_object_next_members),
		cmocka_unit_test(test_json_object_next_empty),
		cmocka_unit_test(test_json_object_next_invalid),
		cmocka_unit_test(test_json_object_next_truncated_after_comma),
		cmocka_unit_test(test_json_scan_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
