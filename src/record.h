/* record: a result's fields by name - the ndjson record's schema, and the
 * variables that --write-out and --name templates use.
 *
 * One table lists every field once, with its template variable name and
 * its key in the ndjson record, so that the formats cannot drift apart. */
#ifndef URLFAN_RECORD_H
#define URLFAN_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "result.h"

/* Append res as one ndjson record: a minified JSON object, no newline.
 * Fields that are absent for res (id, headers, body, file, error) leave
 * their key out; the body is embedded as record_body_value() says. */
void record_write(struct buf *out, const struct result *res);

/* The deepest a JSON body or id is nested and still embedded as JSON:
 * jq 1.6 reads at most 255 levels, and a record adds one (the record)
 * or two (the array of --format json). */
#define RECORD_JSON_DEPTH 253

/* How record_body_value() wrote a body. */
enum record_body {
	RECORD_BODY_JSON,   /* as the JSON value it is */
	RECORD_BODY_STRING, /* as a string of its text (not JSON) */
	RECORD_BODY_BASE64, /* as base64 text ("body_encoding":"base64") */
	RECORD_BODY_TEXT,   /* valid JSON that not every reader takes, as a
			       string of its text ("body_encoding":"text") */
};

/* Append the ndjson "body" value for body[0..len): valid JSON as is,
 * minified (number literals and escapes untouched), unless jq could not
 * read the record it would be in (nested deeper than RECORD_JSON_DEPTH,
 * or a \u escape of a lone UTF-16 surrogate); else, and for any other
 * body, a JSON string when it is valid UTF-8 and escaping makes it no
 * more than 1.5 times as long as base64 would; else base64 text in a
 * string. So the value is never more than twice the body plus a few
 * bytes. Returns which it wrote (the record then says "body_encoding"
 * for base64 and for JSON written as text). */
enum record_body record_body_value(struct buf *b, const char *body, size_t len);

/* Whether the minified JSON text s[0..n) may be embedded in a record:
 * nested at most RECORD_JSON_DEPTH deep (depth from json_minify_depth())
 * with no lone surrogate escape. */
bool record_json_embeddable(const char *s, size_t n, size_t depth);

/* A template variable. */
struct record_field;

/* The field whose template variable is name[0..n), or NULL. The pointer
 * stays valid for the life of the program. */
const struct record_field *record_field(const char *name, size_t n);
/* Append the field's value for res as plain text: strings raw, numbers in
 * decimal, absent values as nothing; json is the whole record. */
void record_field_text(const struct record_field *f, const struct result *res, struct buf *out);
/* Whether f is %{body}: the response's bytes, which a terminal must not
 * get raw. */
bool record_field_is_body(const struct record_field *f);
/* Append every variable's name, ", " between them. */
void record_field_names(struct buf *out);

/* Append the value of res's response header name[0..n) (any case) as
 * plain text, the values of a repeated header joined by ", ", for
 * %{header{NAME}}; nothing when it is absent or headers were not kept. */
void record_header_text(const struct result *res, const char *name, size_t n, struct buf *out);

#endif
