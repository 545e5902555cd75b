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
#include "source.h"

/* Lists built once per run from the command line and shared by every
 * request (owned by the caller; see xfer_shared_create()). */
struct xfer_shared {
	const struct config *cfg;
	struct curl_slist *headers; /* -H lines plus urlfan's defaults */
	struct curl_slist *resolve; /* --resolve entries */
};

int xfer_shared_init(struct xfer_shared *sh, const struct config *cfg);
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

/* Fill res from the finished transfer (rc from CURLMSG_DONE). The result
 * borrows from x until the next xfer_setup() or xfer_destroy(). */
void xfer_finish(struct xfer *x, CURLcode rc, struct result *res);

/* The error kind for a libcurl result code; exposed for tests. */
enum err_kind xfer_classify(CURLcode rc);

#endif
