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

/* Append the ndjson "body" value for body[0..len): valid JSON as is,
 * minified (number literals and escapes untouched); else a JSON string
 * when it is valid UTF-8 and escaping makes it no more than 1.5 times as
 * long as base64 would; else base64 text in a string. So the value is
 * never more than twice the body plus a few bytes. Returns true when it
 * was base64-encoded (the record then says "body_encoding"). */
bool record_body_value(struct buf *b, const char *body, size_t len);

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
/* Whether f needs the response's body: %{body}, or %{json} (the whole
 * record). A template without one lets the engine keep no body. */
bool record_field_needs_body(const struct record_field *f);
/* Append every variable's name, ", " between them. */
void record_field_names(struct buf *out);

/* Append the value of res's response header name[0..n) (any case) as
 * plain text, the values of a repeated header joined by ", ", for
 * %{header{NAME}}; nothing when it is absent or headers were not kept. */
void record_header_text(const struct result *res, const char *name, size_t n, struct buf *out);

#endif
