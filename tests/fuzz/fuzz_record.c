/* fuzz_record: the ndjson record and the JSON helpers beneath it.
 *
 * The whole input is a response body; its first lines also serve as the
 * URL, content type, header pairs and error message of a synthetic result,
 * and a hash of it picks status, error kind and which fields are absent.
 * record_write() must always produce one valid, minified JSON object
 * (checked by json_reformat() and, independently, by cJSON) whose body
 * decodes back to the input's bytes.
 *
 * The input is also run through json.h on its own: minify / pretty-print
 * round trips, json_object_next() against the minified text, string
 * escaping and decoding, UTF-8 validation against a reference decoder,
 * base64 against a reference decoder, and the number formatting the
 * record uses against printf. */
#include <cjson/cJSON.h>
#include <math.h>

#include "base64.h"
#include "fuzz.h"
#include "json.h"
#include "json_string.h"
#include "result.h"
#include "record.h"
#include "utf8.h"
#include "xalloc.h"

/* A byte-at-a-time UTF-8 validator written from RFC 3629's table, to
 * check utf8_valid() against. */
static bool ref_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t len;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

/* Decode padded base64; -1 on anything malformed. */
static int ref_base64_decode(const char *s, size_t n, struct buf *out)
{
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;
		for (size_t k = 0; k < 4; k++) {
			char c = s[i + k];
			uint32_t d;
			if (c >= 'A' && c <= 'Z')
				d = (uint32_t)(c - 'A');
			else if (c >= 'a' && c <= 'z')
				d = (uint32_t)(c - 'a' + 26);
			else if (c >= '0' && c <= '9')
				d = (uint32_t)(c - '0' + 52);
			else if (c == '+')
				d = 62;
			else if (c == '/')
				d = 63;
			else if (c == '=' && k >= 2 && i + 4 == n)
				d = 0, pad++;
			else
				return -1;
			if (pad && c != '=')
				return -1;
			v = v << 6 | d;
		}
		char b[3] = {(char)(v >> 16), (char)(v >> 8), (char)v};
		buf_add(out, b, (size_t)(3 - pad));
	}
	return 0;
}

/* The index of the closing quote of the string that opens at s[i], or n. */
static size_t string_close(const char *s, size_t n, size_t i)
{
	for (i++; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i < n ? i : n;
}

/* The greatest nesting depth of valid JSON text s (strings skipped). */
static size_t json_depth(const char *s, size_t n)
{
	size_t depth = 0, max = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"') {
			i = string_close(s, n, i);
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return max;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* Whether valid JSON text s has a \u escape of a UTF-16 surrogate that
 * is not half of a pair. RFC 8259 allows them ("behavior unpredictable",
 * section 8.2) and urlfan passes them through, but cJSON rejects them, so
 * cJSON's verdict does not count for such text. */
static bool has_lone_surrogate(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] != 'u' || i + 6 > n) {
			i++;
			continue;
		}
		unsigned cp = hex4(s + i + 2);
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (i + 12 > n || s[i + 6] != '\\' || s[i + 7] != 'u')
				return true;
			unsigned lo = hex4(s + i + 8);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return true;
			i += 11;
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			return true;
		} else {
			i += 5;
		}
	}
	return false;
}

/* Whether cJSON must accept valid JSON text s: it stops at 1000 levels of
 * nesting and rejects lone surrogates. */
static bool cjson_can_read(const char *s, size_t n)
{
	return json_depth(s, n) < CJSON_NESTING_LIMIT && !has_lone_surrogate(s, n);
}

/* Whether JSON text s has white space outside its strings. */
static bool has_outer_ws(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"') {
			i = string_close(s, n, i);
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			return true;
		}
	}
	return false;
}

/* The i-th line of s[0..n) (0-based), or an empty span. */
static const char *line_of(const char *s, size_t n, size_t idx, size_t *len)
{
	const char *p = s, *end = s + n;
	for (size_t k = 0; k < idx && p < end; k++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*len = nl ? (size_t)(nl - p) : (size_t)(end - p);
	return p;
}

/* Header pairs from raw bytes: NUL separates strings; a missing last
 * value is made empty. The result is well-formed as result.h requires. */
static void make_headers(const char *s, size_t n, struct buf *out)
{
	size_t strings = 0;
	const char *p = s, *end = s + n;
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t len = z ? (size_t)(z - p) : (size_t)(end - p);
		buf_add(out, p, len);
		buf_addc(out, '\0');
		strings++;
		p += len + 1;
	}
	if (strings % 2)
		buf_addc(out, '\0');
}

/* Find the member named key in the JSON object text s; its value span
 * in *val. */
static bool find_member(const char *s, size_t n, const char *key,
			const char **val, size_t *val_len)
{
	size_t pos = 0;
	struct json_member m;
	size_t klen = strlen(key);
	while (json_object_next(s, n, &pos, &m) == 1) {
		if (m.key_len == klen + 2 && memcmp(m.key + 1, key, klen) == 0) {
			*val = m.val;
			*val_len = m.val_len;
			return true;
		}
	}
	return false;
}

/* The body member of a record must give back exactly the body's bytes:
 * JSON minified (or, when jq 1.6 could not read it - too deep, a lone
 * surrogate escape - its text as a string with body_encoding "text"),
 * text as a string (unless escaping makes it longer than base64:
 * check_strings() checks that choice), anything else as base64. */
static void check_body(const char *rec, size_t n, const char *body, size_t blen)
{
	const char *val;
	size_t vlen;
	CHECK(find_member(rec, n, "body", &val, &vlen));
	struct buf min = BUF_INIT, dec = BUF_INIT;
	const char *enc;
	size_t enclen, depth = 0;
	bool encoded = find_member(rec, n, "body_encoding", &enc, &enclen);
	if (json_minify_depth(body, blen, &min, &depth) == 0) {
		bool embed = depth <= RECORD_JSON_DEPTH && !json_lone_surrogate(min.data, min.len);
		CHECK(encoded == !embed);
		if (embed) {
			CHECK(vlen == min.len && memcmp(val, min.data, vlen) == 0);
		} else {
			CHECK(enclen == 6 && memcmp(enc, "\"text\"", 6) == 0);
			CHECK(json_string_decode(val, vlen, &dec) == 0);
			CHECK(fuzz_buf_is(&dec, body, blen));
		}
	} else if (!encoded) {
		CHECK(utf8_valid(body, blen));
		CHECK(json_string_decode(val, vlen, &dec) == 0);
		CHECK(fuzz_buf_is(&dec, body, blen));
	} else {
		CHECK(enclen == 8 && memcmp(enc, "\"base64\"", 8) == 0);
		CHECK(vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"');
		CHECK(ref_base64_decode(val + 1, vlen - 2, &dec) == 0);
		CHECK(fuzz_buf_is(&dec, body, blen));
	}
	buf_free(&min);
	buf_free(&dec);
}

/* The record's fields, as cJSON reads them, against the result. */
static void check_fields(const cJSON *root, const struct result *res, bool with_body)
{
	CHECK(cJSON_IsObject(root));
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "index");
	CHECK(cJSON_IsNumber(item) && item->valuedouble == (double)res->index);
	item = cJSON_GetObjectItemCaseSensitive(root, "status");
	CHECK(res->status ? cJSON_IsNumber(item) && item->valuedouble == (double)res->status
			  : cJSON_IsNull(item));
	item = cJSON_GetObjectItemCaseSensitive(root, "ok");
	CHECK(res->ok ? cJSON_IsTrue(item) : cJSON_IsFalse(item));
	item = cJSON_GetObjectItemCaseSensitive(root, "url");
	CHECK(res->url ? cJSON_IsString(item) : cJSON_IsNull(item));
	if (res->url && utf8_valid(res->url, strlen(res->url)))
		CHECK(strcmp(item->valuestring, res->url) == 0);
	item = cJSON_GetObjectItemCaseSensitive(root, "error");
	CHECK((item != NULL) == (res->error != ERR_NONE));
	item = cJSON_GetObjectItemCaseSensitive(root, "headers");
	CHECK((item != NULL) == (res->headers != NULL && res->headers_in_record));
	if (item)
		CHECK(cJSON_IsObject(item));
	item = cJSON_GetObjectItemCaseSensitive(root, "remote_ip");
	CHECK(res->remote_ip ? cJSON_IsString(item) : cJSON_IsNull(item));
	item = cJSON_GetObjectItemCaseSensitive(root, "redirects");
	CHECK(cJSON_IsNumber(item) && item->valuedouble == (double)res->redirects);
	item = cJSON_GetObjectItemCaseSensitive(root, "id");
	CHECK((item != NULL) == (res->id != NULL));
	item = cJSON_GetObjectItemCaseSensitive(root, "body");
	CHECK((item != NULL) == (with_body && res->body != NULL));
}

static void check_record(const struct result *res, bool with_body)
{
	struct buf out = BUF_INIT;
	buf_adds(&out, "prefix");
	if (with_body) {
		record_write(&out, res);
	} else {
		struct result none = *res;
		none.body = NULL;
		record_write(&out, &none);
	}
	CHECK(out.len > 6 && memcmp(out.data, "prefix", 6) == 0);
	const char *rec = out.data + 6;
	size_t n = out.len - 6;
	CHECK(rec[n] == '\0');

	/* Valid JSON by both parsers, an object, and already minified. */
	struct buf min = BUF_INIT;
	CHECK(json_reformat(rec, n, &min, -1) == 0);
	CHECK(fuzz_buf_is(&min, rec, n));
	buf_free(&min);
	cJSON *root = cJSON_ParseWithLength(rec, n);
	CHECK(root != NULL || !cjson_can_read(rec, n));
	if (root)
		check_fields(root, res, with_body);
	cJSON_Delete(root);

	if (with_body && res->body)
		check_body(rec, n, res->body, res->body_len);
	buf_free(&out);
}

/* The SIMD minifier, at each level the processor has, against the
 * portable one: same verdict, same bytes. Short inputs are padded with white space, h % 64 bytes in front
 * to move them across the 64-byte blocks. min holds
 * json_reformat(s, n, -1) after a 4-byte mark, and rc its result. */
static void check_fast_minify(const char *s, size_t n, uint32_t h, const struct buf *min,
			      int rc)
{
	struct buf ref = BUF_INIT;
	CHECK(json_minify_portable(s, n, &ref) == rc);
	CHECK(ref.len == min->len - 4);
	CHECK(ref.len == 0 || memcmp(ref.data, min->data + 4, ref.len) == 0);
	size_t lead = h % 64, total = lead + n < 256 ? 256 : lead + n;
	/* Half the time no longer than needed: json_minify_simd() takes
	 * short texts too. */
	if (h & 64 && lead + n < 256)
		total = lead + n;
	char *padded = malloc(total);
	CHECK(padded);
	memset(padded, ' ', total);
	memcpy(padded + lead, s, n);
	struct buf slow = BUF_INIT;
	size_t depth_slow = 0;
	int rc_slow = json_minify_at(0, padded, total, &slow, &depth_slow);
	/* json_reformat(), then every SIMD level this processor has; each
	 * level counts the same nesting depth. */
	for (int level = 0; level <= 3; level++) {
		struct buf fast = BUF_INIT;
		size_t depth = 0;
		int rc = level ? json_minify_at(level, padded, total, &fast, &depth)
			       : json_minify_depth(padded, total, &fast, &depth);
		CHECK(rc == -2 || (rc == rc_slow && fast.len == slow.len &&
				   memcmp(fast.data ? fast.data : "", slow.data ? slow.data : "",
					  fast.len) == 0));
		CHECK(rc != 0 || depth == depth_slow);
		buf_free(&fast);
	}
	free(padded);
	buf_free(&slow);
	buf_free(&ref);
}

/* json.h on the raw input. */
static void check_json(const char *s, size_t n, uint32_t h)
{
	static const char mark[] = "keep";
	struct buf min = BUF_INIT, pretty = BUF_INIT, again = BUF_INIT;
	int indent = (int)(h % 9);
	buf_adds(&min, mark);
	buf_adds(&pretty, mark);
	int rc = json_reformat(s, n, &min, -1);
	CHECK(rc == 0 || rc == -1);
	CHECK(json_reformat(s, n, NULL, -1) == rc);
	CHECK(json_reformat(s, n, &pretty, indent) == rc);
	check_fast_minify(s, n, h, &min, rc);
	CHECK(min.data[min.len] == '\0' && pretty.data[pretty.len] == '\0');
	CHECK(memcmp(min.data, mark, 4) == 0 && memcmp(pretty.data, mark, 4) == 0);
	const char *m = min.data + 4, *p = pretty.data + 4;
	size_t mlen = min.len - 4, plen = pretty.len - 4;
	if (rc != 0) {
		/* A failure leaves the buffer as it was. */
		CHECK(mlen == 0 && plen == 0);
	} else {
		/* Minified means no white space between tokens; and
		 * minify(pretty(x)) == minify(x) == minify(minify(x)),
		 * pretty(minify(x)) == pretty(x). */
		CHECK(!has_outer_ws(m, mlen));
		CHECK(json_reformat(p, plen, &again, -1) == 0);
		CHECK(fuzz_buf_is(&again, m, mlen));
		again.len = 0;
		CHECK(json_reformat(m, mlen, &again, -1) == 0);
		CHECK(fuzz_buf_is(&again, m, mlen));
		again.len = 0;
		CHECK(json_reformat(m, mlen, &again, indent) == 0);
		CHECK(fuzz_buf_is(&again, p, plen));
		again.len = 0;
		/* What we call JSON, cJSON can read (within its limits). */
		if (cjson_can_read(m, mlen)) {
			cJSON *root = cJSON_ParseWithLength(m, mlen);
			CHECK(root != NULL);
			cJSON_Delete(root);
		}
	}

	/* Object members: exactly the valid objects iterate to the end,
	 * and the members rebuild the minified text. */
	size_t pos = 0, steps = 0;
	struct json_member mem;
	int r;
	struct buf rebuilt = BUF_INIT;
	buf_addc(&rebuilt, '{');
	while ((r = json_object_next(s, n, &pos, &mem)) == 1) {
		CHECK(++steps <= n);
		CHECK(mem.key >= s && mem.key + mem.key_len <= s + n);
		CHECK(mem.val >= s && mem.val + mem.val_len <= s + n);
		struct buf key = BUF_INIT;
		CHECK(json_string_decode(mem.key, mem.key_len, &key) == 0);
		buf_free(&key);
		if (steps > 1)
			buf_addc(&rebuilt, ',');
		buf_add(&rebuilt, mem.key, mem.key_len);
		buf_addc(&rebuilt, ':');
		CHECK(json_reformat(mem.val, mem.val_len, &rebuilt, -1) == 0);
	}
	buf_addc(&rebuilt, '}');
	size_t lead = 0;
	while (lead < n && strchr(" \t\r\n", s[lead]) && s[lead])
		lead++;
	bool is_object = rc == 0 && lead < n && s[lead] == '{';
	CHECK((r == 0) == is_object);
	if (is_object)
		CHECK(fuzz_buf_is(&rebuilt, m, mlen));
	buf_free(&rebuilt);

	/* A string token decodes exactly when it is valid JSON, to valid
	 * UTF-8, and as cJSON decodes it. */
	struct buf dec = BUF_INIT;
	if (json_string_decode(s, n, &dec) == 0) {
		CHECK(rc == 0 && n >= 2 && s[0] == '"');
		CHECK(utf8_valid(dec.data, dec.len));
		cJSON *str = cJSON_ParseWithLength(s, n);
		if (str && cJSON_IsString(str) &&
		    (dec.len == 0 || !memchr(dec.data, '\0', dec.len)))
			CHECK(fuzz_buf_is(&dec, str->valuestring, strlen(str->valuestring)));
		cJSON_Delete(str);
	} else {
		CHECK(!(rc == 0 && n >= 2 && s[0] == '"' && s[n - 1] == '"'));
	}
	buf_free(&dec);
	buf_free(&min);
	buf_free(&pretty);
	buf_free(&again);
}

/* Strings, UTF-8 and base64 on the raw input. */
static void check_strings(const char *s, size_t n)
{
	bool valid = utf8_valid(s, n);
	CHECK(valid == ref_utf8_valid((const uint8_t *)s, n));

	/* Any bytes become a valid JSON string, with no raw control
	 * character, that decodes to the input when it was UTF-8. */
	struct buf lit = BUF_INIT, dec = BUF_INIT;
	json_write_string(&lit, s, n);
	CHECK(lit.len >= 2 && lit.data[0] == '"' && lit.data[lit.len - 1] == '"');
	for (size_t i = 0; i < lit.len; i++)
		CHECK((unsigned char)lit.data[i] >= 0x20);
	CHECK(json_reformat(lit.data, lit.len, NULL, -1) == 0);
	CHECK(json_string_decode(lit.data, lit.len, &dec) == 0);
	CHECK(utf8_valid(dec.data, dec.len));
	if (valid)
		CHECK(fuzz_buf_is(&dec, s, n));
	cJSON *str = cJSON_ParseWithLength(lit.data, lit.len);
	CHECK(cJSON_IsString(str));
	if (valid && !memchr(s, '\0', n))
		CHECK(strlen(str->valuestring) == n && memcmp(str->valuestring, s, n) == 0);
	cJSON_Delete(str);

	struct buf b64 = BUF_INIT, back = BUF_INIT;
	buf_adds(&b64, "=");
	base64_encode(&b64, s, n);
	CHECK(b64.len == 1 + (n + 2) / 3 * 4 && b64.data[b64.len] == '\0');
	CHECK(ref_base64_decode(b64.data + 1, b64.len - 1, &back) == 0);
	CHECK(fuzz_buf_is(&back, s, n));

	/* The body value: JSON, else a string, else base64, and always
	 * valid JSON. */
	struct buf val = BUF_INIT;
	bool is_b64 = record_body_value(&val, s, n) == RECORD_BODY_BASE64;
	CHECK(json_reformat(val.data, val.len, NULL, -1) == 0);
	CHECK(json_string_length(s, n) == lit.len);
	size_t b64len = b64.len - 1;
	bool as_string = valid && lit.len <= 2 + b64len + b64len / 2;
	CHECK(is_b64 == (!as_string && json_reformat(s, n, NULL, -1) != 0));

	buf_free(&lit);
	buf_free(&dec);
	buf_free(&b64);
	buf_free(&back);
	buf_free(&val);
}

/* The record's number formatting, on numbers taken from the input's
 * bytes: integers exactly as printf writes them, finite seconds as a JSON
 * number within a microsecond (plus rounding of huge values) of the
 * value. Times from libcurl are never NaN or infinite. */
static void check_numbers(const uint8_t *data, size_t size)
{
	for (size_t off = 0; off + 8 <= size && off < 64; off += 8) {
		uint64_t u;
		double d;
		memcpy(&u, data + off, 8);
		memcpy(&d, data + off, 8);
		struct buf b = BUF_INIT;
		char want[32];
		snprintf(want, sizeof want, "%llu", (unsigned long long)u);
		buf_add_uint(&b, u);
		CHECK(fuzz_buf_is(&b, want, strlen(want)));
		b.len = 0;
		if (!isfinite(d))
			d = (double)(u >> 40) / 1e6; /* NaN or infinite */
		buf_add_seconds(&b, d);
		CHECK(b.len > 0 && json_reformat(b.data, b.len, NULL, -1) == 0);
		char *end;
		double back = strtod(b.data, &end);
		CHECK(end == b.data + b.len);
		CHECK(fabs(back - d) <= 1e-6 + fabs(d) * 1e-15);
		buf_free(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	uint32_t h = fuzz_hash(data, size);

	/* Lines 0..3 of the input: URL, content type, header pairs, error
	 * message; C strings stop at a NUL, as the real ones do. */
	size_t len[4];
	const char *part[4];
	for (size_t i = 0; i < 4; i++)
		part[i] = line_of(body, size, i, &len[i]);
	char *url = xstrndup(part[0], len[0]);
	char *ctype = xstrndup(part[1], len[1]);
	char *msg = xstrndup(part[3], len[3]);
	struct buf hdrs = BUF_INIT;
	make_headers(part[2], len[2], &hdrs);

	struct buf id = BUF_INIT;
	if (h & 1u << 9 && json_reformat(body, size, &id, -1) != 0)
		buf_adds(&id, "\"\\ud800 lone\"");

	enum err_kind kind = (enum err_kind)((h >> 10) % (ERR_IO + 1));
	struct result res = {
		.index = h % 100000,
		.id = id.data,
		.line = url,
		.line_len = strlen(url),
		.host = kind == ERR_INVALID_INPUT ? "" : "example.com:80",
		.url = h & 1u << 14 ? NULL : url,
		.method = h & 1u << 15 ? "GET" : ctype,
		.status = (long)((h >> 16) % 600),
		.ok = h & 1u << 26,
		.effective_url = h & 1u << 27 ? NULL : msg,
		.http_version = h & 1u << 28 ? NULL : "2",
		.content_type = h & 1u << 29 ? NULL : ctype,
		.body = h & 1u << 30 ? NULL : body,
		.body_len = size,
		.size = size * 3,
		.file = h & 1u << 31 ? NULL : url,
		.headers = len[2] || h & 1u << 8 ? hdrs.data ? hdrs.data : "" : NULL,
		.headers_len = hdrs.len,
		.headers_in_record = !(h & 1u << 7),
		.remote_ip = h & 1u << 6 ? NULL : msg,
		.redirects = (long)(h % 11),
		.time = {(double)h / 1e3, -0.0, 1e300, 0.5, (double)size},
		.attempts = (long)(h % 7),
		.error = kind,
		.error_message = kind == ERR_NONE ? NULL : msg,
	};

	check_record(&res, true);
	check_record(&res, false);
	check_json(body, size, h);
	check_strings(body, size);
	check_numbers(data, size);

	buf_free(&id);
	buf_free(&hdrs);
	free(msg);
	free(ctype);
	free(url);
	free(body);
	return 0;
}
