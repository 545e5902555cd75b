/* fuzz_template: --write-out / --name template parsing and rendering.
 *
 * The input up to its first NUL byte is the template text (a template is
 * a C string, as it comes from argv); the bytes after that NUL are the
 * body of the results it is rendered against. A template that compiles is
 * rendered for three synthetic results: a full one (id, headers, body,
 * credentials in the URL), an invalid input line, and a sparse error. */
#include "fuzz.h"
#include "json.h"
#include "result.h"
#include "template.h"
#include "xalloc.h"

/* Response headers as result.h has them: "name\0value\0" pairs, a
 * repeated name and an empty value included. */
static const char headers[] = "content-type\0application/json\0"
			      "set-cookie\0a=1\0"
			      "x-empty\0\0"
			      "set-cookie\0b=\"2\"\0";

static void render_checked(const struct template *t, const struct result *res)
{
	struct buf out = BUF_INIT;
	buf_adds(&out, "head:");
	template_render(t, res, &out);
	CHECK(out.len >= 5 && memcmp(out.data, "head:", 5) == 0);
	CHECK(out.data[out.len] == '\0');
	/* Rendering depends on nothing but t and res. */
	size_t first = out.len - 5;
	template_render(t, res, &out);
	CHECK(out.len == 5 + 2 * first);
	CHECK(memcmp(out.data + 5, out.data + 5 + first, first) == 0);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	char *text = xstrndup((const char *)data, tlen);
	size_t blen = nul ? size - tlen - 1 : 0;
	char *body = fuzz_copy(nul ? nul + 1 : data, blen);

	char err[256];
	memset(err, 'x', sizeof err);
	struct template *t = template_compile(text, err, sizeof err);
	/* The error message is cut to fit a small buffer, and the outcome
	 * does not depend on the buffer. */
	char small[5];
	memset(small, 'x', sizeof small);
	struct template *t2 = template_compile(text, small, sizeof small);
	CHECK((t == NULL) == (t2 == NULL));
	template_destroy(t2);
	if (!t) {
		CHECK(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
		CHECK(memchr(small, '\0', sizeof small) != NULL);
		goto out;
	}

	/* The id is minified JSON text (source.c keeps it so): the body's
	 * when it is JSON, else a string with escapes to decode. */
	struct buf id = BUF_INIT;
	if (json_reformat(body, blen, &id, -1) != 0)
		buf_adds(&id, "\"caf\\u00e9\\/\\\"q\\\" \\ud83d\\ude00 \\u0000.\"");

	static const char full_line[] = "{\"url\":\"http://user:pw@Example.COM:8080/a/b%20c?q=1#frag\"}";
	struct result full = {
		.index = 42,
		.id = id.data,
		.line = full_line,
		.line_len = sizeof full_line - 1,
		.host = "example.com:8080",
		.path = "/a/b%20c",
		.path_len = 8,
		.url = "http://user:***@Example.COM:8080/a/b%20c?q=1#frag",
		.method = "POST",
		.status = 201,
		.ok = true,
		.effective_url = "http://example.com:8080/a/b%20c?q=1",
		.http_version = "1.1",
		.content_type = "application/json; charset=utf-8",
		.body = body,
		.body_len = blen,
		.size = blen,
		.file = "out/42.json",
		.headers = headers,
		.headers_len = sizeof headers - 1,
		.time = {1.5, 0.001, 0.0025, 0.125, 1.25},
		.attempts = 3,
	};

	struct result bad = {
		.index = 0,
		.line = "ftp://x",
		.line_len = 7,
		.host = "",
		.url = "ftp://x",
		.method = "GET",
		.error = ERR_INVALID_INPUT,
		.error_message = "only http and https URLs are allowed",
	};

	struct result sparse = {
		.index = 7,
		.line = "https://[::1]",
		.line_len = 13,
		.host = "[::1]:443",
		.path = "/",
		.path_len = 1,
		.url = "https://[::1]",
		.method = "HEAD",
		.body = body, /* an empty body is not an absent one */
		.body_len = 0,
		.headers = "",
		.headers_len = 0,
		.time = {30.000001, 0, 0, 0, 0},
		.attempts = 1,
		.error = ERR_TIMEOUT,
		.error_message = "idle for 30 s",
	};

	render_checked(t, &full);
	render_checked(t, &bad);
	render_checked(t, &sparse);
	buf_free(&id);
	template_destroy(t);
out:
	free(body);
	free(text);
	return 0;
}
