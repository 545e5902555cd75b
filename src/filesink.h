/* filesink: -O DIR --name TEMPLATE as a body sink (sink.h).
 *
 * Each body streams into a temporary file under DIR that no final name can
 * meet (savedir_temp()); when its request succeeds, the file gets the
 * --name template rendered for the request's record (sanitised by savedir), and the record's "file"
 * says where it went. A failed or retried attempt leaves no file behind. */
#ifndef URLFAN_FILESINK_H
#define URLFAN_FILESINK_H

#include <stdbool.h>
#include <stddef.h>

#include "sink.h"

struct filesink;

/* Open (creating) dir and compile name (NULL: "%{index}"). Returns NULL
 * with the reason in err: a usage-level problem, nothing was fetched. */
struct filesink *filesink_create(const char *dir, const char *name, bool overwrite, char *err,
				 size_t errlen);
/* Bodies still open must have been committed or abandoned. Accepts NULL. */
void filesink_destroy(struct filesink *fs);

/* The sink to hand to the engine; valid until filesink_destroy(). */
const struct sink *filesink_sink(struct filesink *fs);

#endif
