#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "json.h"
#include "json_string.h"
#include "utf8.h"
#include "xalloc.h"

enum mode {
	AS_TEXT, /* --write-out and --name: plain text */
	AS_JSON, /* the ndjson record: a JSON value */
};

/* Append one field's value. Returns false when the field is absent for
 * this result: the record then leaves its key out. */
typedef bool (*field_fn)(struct buf *b, const struct result *res, enum mode m);

struct record_field {
	const char *var; /* template variable, NULL: record only */
	const char *key; /* ndjson key, quoted, with its colon ("\"url\":");
			    NULL: template only */
	size_t key_len;
	field_fn put;
};

/* A record key as the record writes it: one copy, no formatting. */
#define KEY(k) "\"" k "\":", sizeof "\"" k "\":" - 1
#define NOKEY NULL, 0

static void put_str(struct buf *b, const char *s, enum mode m)
{
	if (m == AS_JSON) {
		if (s)
			json_write_string(b, s, strlen(s));
		else
			buf_adds(b, "null");
	} else if (s) {
		buf_adds(b, s);
	}
}

static bool f_index(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_uint(b, r->index);
	return true;
}

/* Whether a spec's id (minified JSON) is one every reader of the record
 * takes, as record_json_embeddable() says for a body. */
static bool id_embeddable(const char *id)
{
	size_t n = strlen(id), depth = 0;
	if (!memchr(id, '\\', n) && n <= 2 * RECORD_JSON_DEPTH)
		return true; /* no escape, and too short to nest that deep */
	struct buf scratch = BUF_INIT;
	bool ok = json_minify_depth(id, n, &scratch, &depth) == 0 &&
		  record_json_embeddable(id, n, depth);
	buf_free(&scratch);
	return ok;
}

static bool f_id(struct buf *b, const struct result *r, enum mode m)
{
	const char *id = r->id;
	if (!id)
		return false;
	/* In text a string id prints without its quotes, for file names. */
	if (m == AS_TEXT && id[0] == '"')
		json_string_decode(id, strlen(id), b);
	else if (m == AS_JSON && !id_embeddable(id)) {
		/* As for a body: its text, and a field that says so. */
		json_write_string(b, id, strlen(id));
		buf_adds(b, ",\"id_encoding\":\"text\"");
	} else {
		buf_adds(b, id);
	}
	return true;
}

static bool f_url(struct buf *b, const struct result *r, enum mode m)
{
	put_str(b, r->url, m);
	return true;
}

/* Only when url shows credentials masked: see result.h. */
static bool f_url_digest(struct buf *b, const struct result *r, enum mode m)
{
	if (!r->url_digest[0])
		return false;
	put_str(b, r->url_digest, m);
	return true;
}

static bool f_method(struct buf *b, const struct result *r, enum mode m)
{
	put_str(b, r->method, m);
	return true;
}

static bool f_status(struct buf *b, const struct result *r, enum mode m)
{
	if (r->status)
		buf_add_uint(b, (unsigned long long)r->status);
	else if (m == AS_JSON)
		buf_adds(b, "null");
	return true;
}

static bool f_ok(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_adds(b, r->ok ? "true" : "false");
	return true;
}

static bool f_effective_url(struct buf *b, const struct result *r, enum mode m)
{
	put_str(b, r->effective_url, m);
	return true;
}

/* curl's %{http_code}: three digits, 000 when there was no response. */
static bool f_http_code(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_printf(b, "%03ld", r->status);
	return true;
}

static bool f_redirects(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_uint(b, (unsigned long long)r->redirects);
	return true;
}

static bool f_remote_ip(struct buf *b, const struct result *r, enum mode m)
{
	put_str(b, r->remote_ip, m);
	return true;
}

static bool f_remote_port(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	if (r->remote_port)
		buf_add_uint(b, (unsigned long long)r->remote_port);
	return true;
}

static bool f_http_version(struct buf *b, const struct result *r, enum mode m)
{
	put_str(b, r->http_version, m);
	return true;
}

static bool f_content_type(struct buf *b, const struct result *r, enum mode m)
{
	put_str(b, r->content_type, m);
	return true;
}

/* One header pair, and where it came among the headers. */
struct header_ref {
	const char *name;
	size_t pos;
};

/* By name, then by position: each name's values in the order they came. */
static int by_name_cb(const void *a, const void *b)
{
	const struct header_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Groups of one name (runs in the sorted array) by their first position. */
static int by_first_cb(const void *a, const void *b)
{
	const struct header_ref *const *x = a, *const *y = b;
	return ((*x)->pos > (*y)->pos) - ((*x)->pos < (*y)->pos);
}

/* Headers as an object: lower-cased names, a repeated name's values as an
 * array, in order of first appearance. Sorting makes it O(n log n) in the
 * number of headers, whatever a server sends: no pass per name. */
static bool f_headers(struct buf *b, const struct result *r, enum mode m)
{
	if (!r->headers || !r->headers_in_record || m != AS_JSON)
		return false;
	const char *end = r->headers + r->headers_len;
	size_t n = 0;
	for (const char *p = r->headers; p < end; p = result_header_next(p))
		n++;
	struct header_ref *refs = xmalloc((n ? n : 1) * sizeof *refs);
	const struct header_ref **groups = xmalloc((n ? n : 1) * sizeof *groups);
	n = 0;
	for (const char *p = r->headers; p < end; p = result_header_next(p), n++)
		refs[n] = (struct header_ref){p, n};
	qsort(refs, n, sizeof *refs, by_name_cb);
	size_t ngroups = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(refs[i].name, refs[i - 1].name) != 0)
			groups[ngroups++] = &refs[i];
	qsort(groups, ngroups, sizeof *groups, by_first_cb);
	buf_addc(b, '{');
	for (size_t g = 0; g < ngroups; g++) {
		const struct header_ref *first = groups[g], *stop = refs + n, *h = first;
		size_t count = 0;
		while (h + count < stop && strcmp(h[count].name, first->name) == 0)
			count++;
		if (g)
			buf_addc(b, ',');
		json_write_string(b, first->name, strlen(first->name));
		buf_adds(b, count > 1 ? ":[" : ":");
		for (size_t i = 0; i < count; i++) {
			if (i)
				buf_addc(b, ',');
			const char *v = result_header_value(h[i].name);
			json_write_string(b, v, strlen(v));
		}
		if (count > 1)
			buf_addc(b, ']');
	}
	buf_addc(b, '}');
	free(refs);
	free(groups);
	return true;
}

bool record_json_embeddable(const char *s, size_t n, size_t depth)
{
	return depth <= RECORD_JSON_DEPTH && !json_lone_surrogate(s, n);
}

enum record_body record_body_value(struct buf *b, const char *body, size_t len)
{
	size_t at = b->len, depth = 0;
	bool json = json_minify_depth(body, len, b, &depth) == 0;
	if (json && record_json_embeddable(b->data + at, b->len - at, depth))
		return RECORD_BODY_JSON;
	if (json) {
		/* Valid JSON is valid UTF-8: its text as a string. */
		b->len = at;
		json_write_string(b, body, len);
		return RECORD_BODY_TEXT;
	}
	/* Text stays a string unless escaping it (a control character
	 * becomes six bytes) would make it more than 1.5 times as long as
	 * base64: then base64 is much cheaper, and the value stays within
	 * twice the body. */
	size_t b64 = (len + 2) / 3 * 4;
	if (utf8_valid(body, len) && json_string_length(body, len) <= 2 + b64 + b64 / 2) {
		json_write_string(b, body, len);
		return RECORD_BODY_STRING;
	}
	buf_addc(b, '"');
	base64_encode(b, body, len);
	buf_addc(b, '"');
	return RECORD_BODY_BASE64;
}

static bool f_body(struct buf *b, const struct result *r, enum mode m)
{
	if (!r->body)
		return false;
	if (m == AS_TEXT) {
		buf_add(b, r->body, r->body_len);
		return true;
	}
	/* body_encoding belongs right after the body: written here, as the
	 * tail of this member, so that no other field has to know. */
	switch (record_body_value(b, r->body, r->body_len)) {
	case RECORD_BODY_BASE64: buf_adds(b, ",\"body_encoding\":\"base64\""); break;
	case RECORD_BODY_TEXT: buf_adds(b, ",\"body_encoding\":\"text\""); break;
	default: break;
	}
	return true;
}

static bool f_file(struct buf *b, const struct result *r, enum mode m)
{
	if (!r->file)
		return false;
	put_str(b, r->file, m);
	return true;
}

static bool f_size(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_uint(b, r->size);
	return true;
}

static bool f_time(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_adds(b, "{\"total\":");
	buf_add_seconds(b, r->time.total);
	buf_adds(b, ",\"dns\":");
	buf_add_seconds(b, r->time.dns);
	buf_adds(b, ",\"connect\":");
	buf_add_seconds(b, r->time.connect);
	buf_adds(b, ",\"tls\":");
	buf_add_seconds(b, r->time.tls);
	buf_adds(b, ",\"ttfb\":");
	buf_add_seconds(b, r->time.ttfb);
	buf_addc(b, '}');
	return true;
}

static bool f_time_total(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_seconds(b, r->time.total);
	return true;
}

static bool f_time_ttfb(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_seconds(b, r->time.ttfb);
	return true;
}

static bool f_time_dns(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_seconds(b, r->time.dns);
	return true;
}

static bool f_time_connect(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_seconds(b, r->time.connect);
	return true;
}

static bool f_time_tls(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_seconds(b, r->time.tls);
	return true;
}

static bool f_attempts(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	buf_add_uint(b, (unsigned long long)r->attempts);
	return true;
}

static bool f_error(struct buf *b, const struct result *r, enum mode m)
{
	if (m == AS_TEXT) {
		put_str(b, r->error_message, m);
		return true;
	}
	if (!r->error)
		return false;
	buf_adds(b, "{\"kind\":");
	put_str(b, result_kind_name(r->error), m);
	buf_adds(b, ",\"message\":");
	put_str(b, r->error_message, m);
	buf_addc(b, '}');
	return true;
}

static bool f_error_kind(struct buf *b, const struct result *r, enum mode m)
{
	put_str(b, result_kind_name(r->error), m);
	return true;
}

static bool f_json(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	record_write(b, r);
	return true;
}

/* The authority's host, without credentials, lower-cased, and its port
 * when it is not the scheme's default (so that two servers on one host
 * do not share file names): taken from the host key, which has all that
 * already. */
static bool f_host(struct buf *b, const struct result *r, enum mode m)
{
	const char *key = r->host ? r->host : "";
	const char *colon = strrchr(key, ':');
	size_t n = colon ? (size_t)(colon - key) : strlen(key);
	(void)m;
	if (colon && r->url) {
		bool tls = strncmp(r->url, "https:", 6) == 0 || strncmp(r->url, "HTTPS:", 6) == 0;
		if (strcmp(colon + 1, tls ? "443" : "80") != 0)
			n = strlen(key);
	}
	buf_add(b, key, n);
	return true;
}

/* The URL's path, without query or fragment. */
static bool f_path(struct buf *b, const struct result *r, enum mode m)
{
	(void)m;
	if (r->path)
		buf_add(b, r->path, r->path_len);
	return true;
}

/* Record order is the order of this table; the rows without a key after
 * the record's are template variables only, curl's names among them. */
static const struct record_field fields[] = {
	{"index", KEY("index"), f_index},
	{"id", KEY("id"), f_id},
	{"url", KEY("url"), f_url},
	{NULL, KEY("url_digest"), f_url_digest},
	{"method", KEY("method"), f_method},
	{"status", KEY("status"), f_status},
	{"ok", KEY("ok"), f_ok},
	{"effective_url", KEY("effective_url"), f_effective_url},
	{"redirects", KEY("redirects"), f_redirects},
	{"http_version", KEY("http_version"), f_http_version},
	{"remote_ip", KEY("remote_ip"), f_remote_ip},
	{"content_type", KEY("content_type"), f_content_type},
	{NULL, KEY("headers"), f_headers},
	{"body", KEY("body"), f_body},
	{"file", KEY("file"), f_file},
	{"size", KEY("size"), f_size},
	{NULL, KEY("time"), f_time},
	{"attempts", KEY("attempts"), f_attempts},
	{"error", KEY("error"), f_error},
	{"time_total", NOKEY, f_time_total},
	{"time_ttfb", NOKEY, f_time_ttfb},
	{"error_kind", NOKEY, f_error_kind},
	{"json", NOKEY, f_json},
	{"host", NOKEY, f_host},
	{"path", NOKEY, f_path},
	/* curl's -w names. */
	{"http_code", NOKEY, f_http_code},
	{"response_code", NOKEY, f_http_code},
	{"url_effective", NOKEY, f_effective_url},
	{"num_redirects", NOKEY, f_redirects},
	{"remote_port", NOKEY, f_remote_port},
	{"time_namelookup", NOKEY, f_time_dns},
	{"time_connect", NOKEY, f_time_connect},
	{"time_appconnect", NOKEY, f_time_tls},
	{"time_starttransfer", NOKEY, f_time_ttfb},
	{"size_download", NOKEY, f_size},
	{"errormsg", NOKEY, f_error},
	{"filename_effective", NOKEY, f_file},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

void record_write(struct buf *out, const struct result *res)
{
	char sep = '{';
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct record_field *f = &fields[i];
		if (!f->key)
			continue;
		size_t mark = out->len;
		buf_addc(out, sep);
		buf_add(out, f->key, f->key_len);
		if (f->put(out, res, AS_JSON)) {
			sep = ',';
		} else {
			out->len = mark; /* absent: take the key back */
			out->data[mark] = '\0';
		}
	}
	buf_addc(out, '}');
}

const struct record_field *record_field(const char *name, size_t n)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].var && strlen(fields[i].var) == n &&
		    memcmp(fields[i].var, name, n) == 0)
			return &fields[i];
	return NULL;
}

void record_field_text(const struct record_field *f, const struct result *res, struct buf *out)
{
	f->put(out, res, AS_TEXT);
}

bool record_field_is_body(const struct record_field *f)
{
	return f->put == f_body;
}

void record_field_names(struct buf *out)
{
	const char *sep = "";
	for (size_t i = 0; i < NFIELDS; i++) {
		if (fields[i].var) {
			buf_printf(out, "%s%s", sep, fields[i].var);
			sep = ", ";
		}
	}
}

void record_header_text(const struct result *res, const char *name, size_t n, struct buf *out)
{
	if (!res->headers)
		return;
	const char *end = res->headers + res->headers_len;
	bool first = true;
	for (const char *h = res->headers; h < end; h = result_header_next(h)) {
		if (strlen(h) != n || strncasecmp(h, name, n) != 0)
			continue;
		/* A repeated header's values, joined as one (RFC 9110 5.3). */
		if (!first)
			buf_adds(out, ", ");
		buf_adds(out, result_header_value(h));
		first = false;
	}
}
