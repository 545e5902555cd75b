/* bodysink: --format body's bodies as a sink (sink.h) - the server's
 * bytes, of any size, in bounded memory.
 *
 * A body is kept in memory until it outgrows its share (spill_at bytes);
 * then it moves to a temporary file in $TMPDIR (or /tmp), unlinked at
 * once, so that nothing is left behind whatever happens to urlfan. When
 * its request succeeds, the output takes the body (bodysink_take()) and
 * writes it whole in its turn: from memory, or copied from the file a
 * chunk at a time. Nothing here writes to standard output. */
#ifndef URLFAN_BODYSINK_H
#define URLFAN_BODYSINK_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "sink.h"

struct bodysink;

/* Bodies past spill_at bytes go to a file in tmpdir (NULL: $TMPDIR, else
 * /tmp). */
struct bodysink *bodysink_create(size_t spill_at, const char *tmpdir);
/* Drops a body not taken. Accepts NULL. */
void bodysink_destroy(struct bodysink *bs);
/* The sink to hand to the engine; valid until bodysink_destroy(). */
const struct sink *bodysink_sink(struct bodysink *bs);

/* The body committed last, if not taken yet: either its bytes are moved
 * into *mem (and *fd is -1), or it is in the unlinked file *fd (owned by
 * the caller from now on), *len bytes from offset 0. Returns false when
 * no body waits. A body not taken before the next commit is dropped. */
bool bodysink_take(struct bodysink *bs, struct buf *mem, int *fd, unsigned long long *len);

#endif
