/* version: what `urlfan --version` says, as curl -V does: urlfan's
 * version, the libcurl it runs with and that libcurl's libraries, the
 * libcurl features urlfan uses (present and missing) with the TLS
 * backend, and the poller this build has (poller_name()). */
#ifndef URLFAN_VERSION_H
#define URLFAN_VERSION_H

#include "buf.h"

/* Append the whole text, lines ending in '\n', to out. */
void version_text(struct buf *out);

#endif
