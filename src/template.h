/* template: --write-out and --name text with %{variable}s.
 *
 * The variables are the record's fields (record.h); a template only splits
 * its text into literal runs and fields once, and renders them per
 * result. */
#ifndef URLFAN_TEMPLATE_H
#define URLFAN_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "result.h"

struct template;

/* Compile text ("%{status} %{url}\n"): %{name} variables, a response
 * header as %{header{NAME}} (or curl 7.84's %header{NAME}), %{stdout} and
 * %{stderr} to switch where the text after them goes, %% for a percent
 * sign, and the escapes \n \t \r \\. Returns a template to free with
 * template_destroy(), or NULL for an unknown variable (the message lists
 * the valid ones) or an unterminated %{, with a message naming it in
 * err. */
struct template *template_compile(const char *text, char *err, size_t errlen);
/* Accepts NULL. */
void template_destroy(struct template *t);

/* Whether the template has %{stdout} or %{stderr} (which a file name
 * cannot use). */
bool template_has_streams(const struct template *t);

/* Append the template expanded for res (see record_field_text()) to out,
 * %{stdout} and %{stderr} ignored. */
void template_render(const struct template *t, const struct result *res, struct buf *out);

/* How a value from the response (a field or a header, never the
 * template's own text) is appended: s[0..n) to to; body says it is
 * %{body}. A terminal gets them escaped. */
typedef void (*template_put)(struct buf *to, const char *s, size_t n, bool body, void *ctx);

/* Append the template expanded for res: the text before a %{stderr}, and
 * after a %{stdout}, to out; the rest to err (NULL: to out). Values bound
 * for out go through put(..., ctx) when put is not NULL, values bound for
 * err through put_err: each stream is escaped by whether it is a
 * terminal itself. */
void template_render_to(const struct template *t, const struct result *res, struct buf *out,
			struct buf *err, template_put put, template_put put_err, void *ctx);

#endif
