/* xfer: one easy handle and everything one request needs while in flight.
 *
 * An xfer is reused across requests (xfer_setup() resets the handle), so a
 * run creates at most --parallel of them. It borrows the request and the
 * run's shared lists from the caller until xfer_finish() has been called. */
#ifndef URLFAN_XFER_H
#define URLFAN_XFER_H

#include <curl/curl.h>

#include "opts.h"
#include "result.h"
#include "savedir.h"
#include "source.h"
#include "template.h"

/* Lists built once per run from the command line and shared by every
 * request (owned by the caller; see xfer_shared_create()). */
struct xfer_shared {
	const struct config *cfg;
	struct curl_slist *headers; /* -H lines plus urlfan's defaults */
	struct curl_slist *resolve; /* --resolve entries */
	struct savedir *savedir;    /* -O, or NULL */
	struct template *name;      /* --name for -O */
};

/* Build the shared lists and, with -O, open the directory. Returns 0, or
 * -1 with the reason in err (a usage-level problem: nothing was fetched). */
int xfer_shared_init(struct xfer_shared *sh, const struct config *cfg,
		     char *err, size_t errlen);
void xfer_shared_free(struct xfer_shared *sh);

struct xfer;

struct xfer *xfer_create(void);
void xfer_destroy(struct xfer *x);

/* Prepare x's easy handle for req. req is borrowed until xfer_finish().
 * CURLOPT_PRIVATE is left to the caller.
 * Returns 0, or -1 with the reason in err. */
int xfer_setup(struct xfer *x, const struct xfer_shared *sh,
	       struct request *req, char *err, size_t errlen);
CURL *xfer_easy(struct xfer *x);

/* Fill res from the finished transfer (rc from CURLMSG_DONE); with -O,
 * move the body's file to its final name. The result borrows from x until
 * the next xfer_setup() or xfer_destroy(). */
void xfer_finish(struct xfer *x, CURLcode rc, struct result *res);
/* Whether the finished transfer failed in a way worth retrying: a DNS,
 * connect, timeout or connection-reset failure, or status 408, 429, 500,
 * 502, 503 or 504. *status gets the status (0: none) and *retry_after the
 * response's Retry-After in seconds from now (-1: none). */
bool xfer_transient(struct xfer *x, CURLcode rc, long *status, double *retry_after);

/* Drop a transfer that will get no record (the run was stopped): remove
 * its temporary file. */
void xfer_abandon(struct xfer *x);

/* The method req is sent with: its spec's, else -X, else HEAD with -I,
 * POST with a body, GET. */
const char *xfer_method(const struct request *req, const struct config *cfg);

/* The error kind for a libcurl result code; exposed for tests. */
enum err_kind xfer_classify(CURLcode rc);

#endif
