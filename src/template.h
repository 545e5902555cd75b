/* template: the record fields, by name, for --write-out, --name and the
 * ndjson record alike.
 *
 * One table lists every field once, with its template variable name and
 * its key in the ndjson record, so that the formats cannot drift apart. */
#ifndef URLFAN_TEMPLATE_H
#define URLFAN_TEMPLATE_H

#include <stdbool.h>

#include "buf.h"
#include "result.h"

struct template;

/* Compile text ("%{status} %{url}\n"): %{name} variables, %% for a
 * percent sign, and the escapes \n \t \r \\. Returns NULL for an unknown
 * variable or an unterminated %{, with a message naming it in err. */
struct template *template_compile(const char *text, char *err, size_t errlen);
void template_destroy(struct template *t);

/* Append the template expanded for res. Variables print as plain text:
 * strings raw, numbers in decimal, absent values as nothing; %{json} is
 * the whole ndjson record and %{body} the body's bytes. */
void template_render(const struct template *t, const struct result *res, struct buf *out);

/* Append res as one ndjson record (no newline). with_body: include the
 * body (else it is left out, as with --no-body). */
void template_record(const struct result *res, bool with_body, struct buf *out);

/* Append the ndjson "body" value for a body: JSON as is, minified; else
 * a string; else base64. Returns true when it was base64-encoded. */
bool template_body_value(struct buf *b, const char *body, size_t len);

#endif
