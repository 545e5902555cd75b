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

/* Compile text ("%{status} %{url}\n"): %{name} variables, %% for a
 * percent sign, and the escapes \n \t \r \\. Returns a template to free
 * with template_destroy(), or NULL for an unknown variable or an
 * unterminated %{, with a message naming it in err. */
struct template *template_compile(const char *text, char *err, size_t errlen);
/* Accepts NULL. */
void template_destroy(struct template *t);

/* Append the template expanded for res (see record_field_text()). tty:
 * the values (not the template's own text) go through termesc.h, as
 * server bytes must not reach a terminal raw. */
void template_render(const struct template *t, const struct result *res, struct buf *out, bool tty);

#endif
