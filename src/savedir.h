/* savedir: bodies written to files under the -O directory, safely.
 *
 * A body streams into a temporary file that has no name in DIR's name
 * space (see savedir_temp()); when the request has finished,
 * savedir_commit() gives it its final name. Names come from a
 * template and so, indirectly, from the server: savedir_sanitize() makes
 * each one a relative path with no "." or ".." parts, no control
 * characters (C0, DEL, C1), only well-formed UTF-8 and bounded lengths; directories are opened
 * without following symlinks; and no existing file is replaced unless --overwrite (a numeric suffix
 * is added instead). Every file lands inside DIR. */
#ifndef URLFAN_SAVEDIR_H
#define URLFAN_SAVEDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct savedir;

/* Open (creating it and its parents as needed) the directory path.
 * Returns NULL with the reason in err. */
struct savedir *savedir_open(const char *path, bool overwrite, char *err, size_t errlen);
/* Close the directory; files committed stay. Accepts NULL. */
void savedir_close(struct savedir *sd);

/* A new temporary file for a body. It has no name any final name could
 * meet: an O_TMPFILE file in the directory (tmp gets ""), or, where the
 * file system has none, a file in a private directory in DIR that no
 * final path enters (tmp gets its name there; 64 bytes). Returns the open
 * descriptor, or -1 with errno set. */
int savedir_temp(struct savedir *sd, char tmp[64]);
/* Give the temporary file (fd, tmp from savedir_temp()) the sanitised
 * form of wanted, creating directories as needed, and append the final
 * path (DIR/...) to final. A taken name gets the suffix ".1", ".2", ...
 * (after 1000 of them, ".~PID-N"). Closes fd. Returns 0, or -1 with
 * errno set (the temporary file is then removed). */
int savedir_commit(struct savedir *sd, int fd, const char *tmp, const char *wanted,
		   struct buf *final);
/* Close fd and remove the temporary file: the body was not complete. */
void savedir_discard(struct savedir *sd, int fd, const char *tmp);

/* Keep temporary files in the private directory, as on a file system
 * without O_TMPFILE. For tests. */
void savedir_no_tmpfile(struct savedir *sd);

/* The relative path savedir_commit() would use for wanted, before any
 * suffix. Exposed for tests. */
void savedir_sanitize(const char *wanted, struct buf *out);

#endif
