/* multi: libcurl's multi handle on the loop (loop.h). libcurl says which
 * sockets to watch and when to call it back; this module turns that into
 * loop_watch() and one loop timer, and hands ready sockets (from the
 * loop's callbacks) and due timeouts back to curl_multi_socket_action().
 * fetch.c adds and removes
 * easy handles and reads finished transfers; it sees no socket and no
 * libcurl callback.
 *
 * The multi handle borrows the loop: destroy the multi first. */
#ifndef URLFAN_MULTI_H
#define URLFAN_MULTI_H

#include <curl/curl.h>

#include "loop.h"

enum multi_status {
	MULTI_OK,
	MULTI_ECURL, /* libcurl failed; the message says how */
	MULTI_ESYS,  /* a socket could not be watched: its transfer would hang */
};

struct multi;

/* A multi handle wired to l, keeping at most maxconnects idle
 * connections; NULL with the reason in err. */
struct multi *multi_create(struct loop *l, long maxconnects, char *err, size_t errlen);
/* Accepts NULL. Easy handles still in it are removed by their owners
 * first. */
void multi_destroy(struct multi *m);
/* Keep at most maxconnects idle connections from now on (set again only
 * when it changes). */
void multi_keep(struct multi *m, long maxconnects);
/* Start a transfer. */
enum multi_status multi_add(struct multi *m, CURL *easy, char *err, size_t errlen);
void multi_remove(struct multi *m, CURL *easy);
/* libcurl's timeout action, if it is due (its timer fired, or libcurl
 * asked for one at once since). */
enum multi_status multi_timeout(struct multi *m, char *err, size_t errlen);
/* Whether handing libcurl its ready sockets (which loop_poll() does
 * through the callbacks this module gave it) failed, or a socket could
 * not be watched: the run cannot go on then. */
enum multi_status multi_failed(struct multi *m, char *err, size_t errlen);
/* The next finished transfer and its result, or NULL when none is left. */
CURL *multi_next_done(struct multi *m, CURLcode *result);

#endif
