/* Unit tests for url.c: host keys and credential masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "url.h"

static void expect_key_n(const char *url, size_t n, const char *want)
{
	char key[URL_HOSTKEY_MAX];
	const char *why = NULL;
	memset(key, 'X', sizeof key);
	if (url_host_key(url, n, key, &why) != 0)
		fail_msg("'%.*s' rejected: %s", (int)n, url, why ? why : "(null)");
	assert_string_equal(key, want);
}

static void expect_key(const char *url, const char *want)
{
	expect_key_n(url, strlen(url), want);
}

/* Assert url is rejected with a reason; returns the reason. */
static const char *expect_bad_n(const char *url, size_t n)
{
	char key[URL_HOSTKEY_MAX];
	const char *why = NULL;
	if (url_host_key(url, n, key, &why) != -1)
		fail_msg("'%.*s' accepted as %s", (int)n, url, key);
	assert_non_null(why);
	assert_true(why[0] != '\0');
	return why;
}

static const char *expect_bad(const char *url)
{
	return expect_bad_n(url, strlen(url));
}

static void test_url_host_key_valid(void **state)
{
	(void)state;
	expect_key("http://example.com/", "example.com:80");
	expect_key("http://example.com", "example.com:80");
	expect_key("https://example.com/", "example.com:443");
	expect_key("HTTP://Example.COM/Path", "example.com:80");
	expect_key("hTTpS://WWW.A.Test", "www.a.test:443");
	expect_key("http://a.test:8080/x", "a.test:8080");
	expect_key("https://a.test:80/", "a.test:80");
	expect_key("http://a.test:1/", "a.test:1");
	expect_key("http://a.test:65535/", "a.test:65535");
	expect_key("http://a.test:00080/", "a.test:80");
	expect_key("http://a.test?q=1", "a.test:80");
	expect_key("http://a.test#frag", "a.test:80");
	expect_key("http://a.test/p@q:r", "a.test:80");
	expect_key("http://u:p@h.test:81/", "h.test:81");
	expect_key("http://user@h.test/", "h.test:80");
	expect_key("http://a@b@c.test/", "c.test:80");
	expect_key("http://127.0.0.1:9/", "127.0.0.1:9");
	/* IPv6 keeps its brackets, and the port after them. */
	expect_key("http://[::1]:8080/", "[::1]:8080");
	expect_key("http://[::1]/", "[::1]:80");
	expect_key("https://[2001:DB8::1]", "[2001:db8::1]:443");
	/* n bounds the URL: what follows is not looked at. */
	expect_key_n("http://a.test:81junk", 16, "a.test:81");
	expect_key_n("http://a.test/\x01 x", 14, "a.test:80");
}

static void test_url_host_key_invalid(void **state)
{
	(void)state;
	const char *why = expect_bad("ftp://a.test/");
	assert_non_null(strstr(why, "http"));
	why = expect_bad("not a url");
	assert_string_equal(why, "not a URL");
	/* An IPv6 literal is hex digits, colons and dots. */
	expect_key("http://[::ffff:1.2.3.4]/", "[::ffff:1.2.3.4]:80");
	expect_key("http://[fe80::1%25eth0]/", "[fe80::1%25eth0]:80");
	expect_bad("http://[1,2]/");
	expect_bad("http://[g::1]/");
	static const char *const bad[] = {
		"",
		"http",
		"http:",
		"http:/",
		"http:/a.test/",
		"httpx://a.test/",
		"file:///etc/passwd",
		"mailto:a@b.test",
		"//a.test/",
		"http://",
		"https://",
		"http:///path",
		"http://?q",
		"http://#f",
		"http://u:p@/",
		"http://@",
		"http://a.test:99999/",
		"http://a.test:65536/",
		"http://a.test:0/",
		"http://a.test:-1/",
		"http://a.test:8x/",
		"http://a.test:+80/",
		"http://a.test:123456789012345678901234567890/",
		"http://a test/",
		"http://a.test/ x",
		"http://a.test/\t",
		"http://a.test/\x01",
		"http://a.test/\x7f",
		" http://a.test/",
		"http://a\"b.test/",
		"http://a<b.test/",
		"http://a\\b.test/",
		"http://[::1",
		"http://[::1/x",
		"http://[::1]x/",
		"http://[::1]:0/",
		"http://[::1]:http/",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect_bad(bad[i]);

	/* An embedded NUL is a control character too. */
	expect_bad_n("http://a.test/\0x", 16);
}

static void test_url_host_key_length_limit(void **state)
{
	(void)state;
	/* The longest host that fits URL_HOSTKEY_MAX with any port. */
	char url[URL_HOSTKEY_MAX + 64];
	size_t host = URL_HOSTKEY_MAX - 7;
	memcpy(url, "http://", 7);
	memset(url + 7, 'h', host);
	strcpy(url + 7 + host, ":65535/");
	char key[URL_HOSTKEY_MAX];
	const char *why;
	assert_int_equal(url_host_key(url, strlen(url), key, &why), 0);
	assert_int_equal(strlen(key), host + 6);
	assert_memory_equal(key + host, ":65535", 7);
	/* One more character is too long. */
	memset(url + 7, 'h', host + 1);
	strcpy(url + 7 + host + 1, ":65535/");
	assert_int_equal(url_host_key(url, strlen(url), key, &why), -1);
	assert_non_null(why);
}

static void expect_mask(const char *url, const char *want)
{
	struct buf out = BUF_INIT;
	buf_adds(&out, "<");
	url_mask(&out, url);
	assert_string_equal(out.data + 1, want);
	assert_int_equal(out.len, 1 + strlen(want));
	buf_free(&out);
}

static void test_url_mask(void **state)
{
	(void)state;
	expect_mask("http://user:secret@h/p", "http://user:***@h/p");
	expect_mask("https://user:secret@h.test:8443/p?q=a:b@c",
		    "https://user:***@h.test:8443/p?q=a:b@c");
	/* No password, or no credentials: unchanged. */
	expect_mask("http://user@h/", "http://user@h/");
	expect_mask("http://h.test:8080/x", "http://h.test:8080/x");
	expect_mask("http://h/", "http://h/");
	/* '@' only after the authority is not userinfo. */
	expect_mask("http://h/a@b:c", "http://h/a@b:c");
	expect_mask("http://h?x:y@z", "http://h?x:y@z");
	expect_mask("http://h#x:y@z", "http://h#x:y@z");
	/* The password is everything after the first colon. */
	expect_mask("https://u:p:q@h", "https://u:***@h");
	expect_mask("https://u:@h/", "https://u:***@h/");
	expect_mask("http://u:p@q@h/", "http://u:***@h/");
	/* Not URLs: copied as they are. */
	expect_mask("not a url", "not a url");
	expect_mask("", "");
	expect_mask("user:pw@host", "user:pw@host");
}

/* in masked by fn (url_mask_text, url_mask_loose) must be want. */
static void check_by(void (*fn)(struct buf *, const char *, size_t), const char *in,
		     const char *want)
{
	struct buf b = BUF_INIT;
	fn(&b, in, strlen(in));
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void check_text(const char *in, const char *want)
{
	check_by(url_mask_text, in, want);
}

/* libcurl's trace quotes URLs inside free text. */
static void test_url_mask_text(void **state)
{
	(void)state;
	check_text("Issue another request to this URL: 'http://user:s3cret@h:80/x'",
		   "Issue another request to this URL: 'http://user:***@h:80/x'");
	check_text("two http://a:b@x and https://c:d@y/p",
		   "two http://a:***@x and https://c:***@y/p");
	check_text("no credentials http://h/a@b:c", "no credentials http://h/a@b:c");
	check_text("user only http://u@h/", "user only http://u@h/");
	check_text("plain text", "plain text");
	check_text("", "");
	check_text("ends with ://", "ends with ://");
}

static void test_url_mask_token_user(void **state)
{
	(void)state;
	/* A user name alone that looks like a token: 16 characters or more,
	 * or letters and digits mixed. */
	expect_mask("https://ghp_abcdefghijklmnop@h/", "https://***@h/");
	expect_mask("https://abcdefghijklmnop@h/", "https://***@h/");
	expect_mask("https://abc123@h/", "https://***@h/");
	expect_mask("https://ab1@h/x?y@z", "https://***@h/x?y@z");
	/* The same user with a password: both go (GitHub's TOKEN:x-oauth-basic). */
	expect_mask("https://abcdefghijklmnop:x-oauth-basic@h/", "https://***:***@h/");
	/* Short names, letters (and punctuation) only, or digits only, stay. */
	expect_mask("https://bob@h/", "https://bob@h/");
	expect_mask("https://john.doe-x@h/", "https://john.doe-x@h/");
	expect_mask("https://12345@h/", "https://12345@h/");
	expect_mask("https://abcdefghijklmno@h/", "https://abcdefghijklmno@h/"); /* 15 */
	expect_mask("https://bob:pw@h/", "https://bob:***@h/");
	/* In free text, the same rule. */
	check_text("to 'https://abc123@h/x' and https://bob@h",
		   "to 'https://***@h/x' and https://bob@h");

	static const struct {
		const char *url, *user;
	} tokens[] = {
		{"https://abc123@h/", "abc123"},
		{"https://abcdefghijklmnop:pw@h/", "abcdefghijklmnop"},
		{"https://bob@h/", NULL},
		{"https://bob:abc123@h/", NULL},
		{"https://h/abc123@x", NULL},
		{"https://:pw@h/", NULL},
		{"not a url abc123@h", NULL},
	};
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		const char *user = NULL;
		size_t n = 0;
		bool is = url_token_user(tokens[i].url, &user, &n);
		assert_int_equal(is, tokens[i].user != NULL);
		if (is) {
			assert_int_equal(n, strlen(tokens[i].user));
			assert_memory_equal(user, tokens[i].user, n);
		}
	}
}

static void check_loose(const char *in, const char *want)
{
	check_by(url_mask_loose, in, want);
}

/* Input lines: URLs with or without a scheme, or anything else. */
static void test_url_mask_loose(void **state)
{
	(void)state;
	check_loose("user:pw@host/x", "user:***@host/x");
	check_loose("user:pw@host", "user:***@host");
	/* Everything up to the line's last '@' may be a password: an '@'
	 * after a path, query or fragment masks all of it. */
	check_loose("abc123@host/x?a@b", "***@b");
	check_loose("ftp://u:pw@h/x", "ftp://u:***@h/x");
	check_loose("http://u:pw@h/ and more", "http://u:***@h/ and more");
	/* A line is meant as one URL: a password with a space or a quote in
	 * it is still a password. */
	check_loose("http://u:my pass@h/x", "http://u:***@h/x");
	check_loose("http://u:it's@h", "http://u:***@h");
	check_loose("user:my pass@h/x", "user:***@h/x");
	/* Unencoded '#', '/' or '?' in a password: nothing of it shows. */
	check_loose("http://carol:PASS#WORD@host/", "http://***@host/");
	check_loose("http://carol:PA/SS@h x", "http://***@h x");
	check_loose("carol:PA?SS@h/ x", "***@h/ x");
	check_loose("https://carol:a://b@h/", "https://***@h/");
	/* Two URLs on a line: all up to the last '@' goes. */
	check_loose("http://a:b@x y://c:d@z/", "http://***@z/");
	/* Masking twice changes nothing more. */
	check_loose("http://***@z/", "http://***@z/");
	check_loose("http://a:***@x", "http://a:***@x");
	check_loose("not a url", "not a url");
	check_loose("mail me at bob@example.com", "mail me at bob@example.com");
	check_loose("", "");
}

static void expect_path(const char *url, const char *want)
{
	const char *p = NULL;
	size_t n = 0;
	url_path(url, &p, &n);
	assert_non_null(p);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
}

static void test_url_path(void **state)
{
	(void)state;
	expect_path("http://h/a/b?q=1#f", "/a/b");
	expect_path("http://h/a/b#f?x", "/a/b");
	expect_path("http://h/", "/");
	expect_path("http://h", "/");
	expect_path("http://h?q=/x", "/");
	expect_path("http://h#/x", "/");
	expect_path("https://u:p@h:8080/x/y/", "/x/y/");
	expect_path("http://[::1]:80/v6", "/v6");
	expect_path("http://h/%2e%2e/x", "/%2e%2e/x");
}

/* URLs as typed: what is fetched, or the message. */
static void test_url_as_typed(void **state)
{
	(void)state;
	static const struct {
		const char *typed;
		const char *url; /* NULL: refused */
		const char *why; /* part of the message */
	} cases[] = {
		{"http://a.test/x", "http://a.test/x", NULL},
		{"HTTPS://a.test", "HTTPS://a.test", NULL},
		/* No scheme: http://, as curl does. */
		{"localhost:8080/get", "http://localhost:8080/get", NULL},
		{"example.com/x", "http://example.com/x", NULL},
		{"127.0.0.1/x", "http://127.0.0.1/x", NULL},
		{"example.com", "http://example.com", NULL},
		{"[::1]:8080/x", "http://[::1]:8080/x", NULL},
		{"user:pw@a.test/x", "http://user:pw@a.test/x", NULL},
		{"a.test/p?q=http://b", "http://a.test/p?q=http://b", NULL},
		/* The likely typo, named. */
		{"http:/x.test/", NULL, "'http:/x.test/': did you mean 'http://x.test/'?"},
		{"http:x.test", NULL, "did you mean 'http://x.test'?"},
		{"https:/x.test", NULL, "did you mean 'https://x.test'?"},
		{"http//x.test", NULL, "did you mean 'http://x.test'?"},
		{"http:///x.test", NULL, NULL}, /* right scheme: url_host_key's to judge */
		{"htp://x.test", NULL, "'htp://x.test': did you mean 'http://x.test'?"},
		{"htps://x.test", NULL, "did you mean 'https://x.test'?"},
		{"hhtp://x.test", NULL, "did you mean 'http://x.test'?"},
		{"httsp://x.test", NULL, "did you mean 'https://x.test'?"},
		/* Other schemes. */
		{"ftp://x.test/", NULL, "only http and https URLs are allowed, not 'ftp:'"},
		{"file:///etc/passwd", NULL, "not 'file:'"},
		{"mailto:a@b.test", NULL, "not 'mailto:'"},
		{"javascript:alert(1)", NULL, "not 'javascript:'"},
		{"urn:isbn:1", NULL, "not 'urn:'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct buf out = BUF_INIT, why = BUF_INIT;
		int rc = url_as_typed(cases[i].typed, strlen(cases[i].typed), &out, &why);
		if (cases[i].url) {
			if (rc != 0)
				fail_msg("'%s' refused: %s", cases[i].typed, why.data);
			assert_string_equal(out.data, cases[i].url);
		} else if (cases[i].why) {
			if (rc != -1)
				fail_msg("'%s' accepted as %s", cases[i].typed, out.data);
			if (!strstr(why.data, cases[i].why))
				fail_msg("'%s': '%s' does not say '%s'", cases[i].typed, why.data,
					 cases[i].why);
		} else {
			/* Taken as it is, and refused by url_host_key(). */
			assert_int_equal(rc, 0);
			assert_string_equal(out.data, cases[i].typed);
			expect_bad(out.data);
		}
		buf_free(&out);
		buf_free(&why);
	}
	/* Only n bytes are read, and a long typo is cut short in the message. */
	struct buf out = BUF_INIT, why = BUF_INIT;
	assert_int_equal(url_as_typed("a.test/x junk", 8, &out, &why), 0);
	assert_string_equal(out.data, "http://a.test/x");
	char lng[300] = "htp://";
	memset(lng + 6, 'a', sizeof lng - 7);
	lng[sizeof lng - 1] = '\0';
	assert_int_equal(url_as_typed(lng, strlen(lng), &out, &why), -1);
	assert_true(why.len < 200);
	buf_free(&out);
	buf_free(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_host_key_valid),
		cmocka_unit_test(test_url_host_key_invalid),
		cmocka_unit_test(test_url_host_key_length_limit),
		cmocka_unit_test(test_url_mask),
		cmocka_unit_test(test_url_mask_text),
		cmocka_unit_test(test_url_mask_token_user),
		cmocka_unit_test(test_url_mask_loose),
		cmocka_unit_test(test_url_path),
		cmocka_unit_test(test_url_as_typed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
