/* xfer: one easy handle and everything one attempt needs while in flight -
 * the handle's life, the write, header and debug callbacks, the body (kept
 * in memory, discarded, or handed to a sink) and the result read off the
 * finished handle. libcurl's options themselves come from setopt.c.
 *
 * An xfer is reused across requests (xfer_setup() prepares it for the
 * next), so a run creates at most --parallel of them. It borrows the
 * request and the run's environment from the caller until the attempt has
 * been finished or abandoned. */
#ifndef URLFAN_XFER_H
#define URLFAN_XFER_H

#include <curl/curl.h>

#include "config.h"
#include "result.h"
#include "retry.h"
#include "setopt.h"
#include "sink.h"
#include "source.h"

/* The most a response's headers may be (status line included), whatever
 * the server sends: past either, the request fails with kind protocol. */
#define XFER_HEADER_LINES 1000
#define XFER_HEADER_KIB 256
#define XFER_HEADER_BYTES (XFER_HEADER_KIB * 1024)

/* What every transfer of a run shares, owned by the caller. */
struct xfer_env {
	const struct config *cfg;
	struct setopt_lists lists;
	enum body_mode body;     /* HEAD requests discard whatever the mode */
	const struct sink *sink; /* BODY_SINK: where bodies go */
	/* What every handle of the run shares through libcurl (set on each):
	 * TLS sessions, so that a second connection to a host resumes its
	 * session instead of a full handshake; the DNS cache; and the cookie
	 * store, filled once from the -b files and written to the -c jar at
	 * the end. One thread, so no locks. */
	CURLSH *share;
};

/* Build the run's environment: bodies go where body says (sink is used
 * with BODY_SINK only, and must outlive env). Returns 0, or -1 with the
 * reason in err. */
int xfer_env_init(struct xfer_env *env, const struct config *cfg, enum body_mode body,
		  const struct sink *sink, char *err, size_t errlen);
/* -c FILE: write the run's cookie store to cfg->cookie_jar in the
 * Netscape format, through a temporary file renamed into place. Returns
 * 0 (also without -c), or -1 with the reason in err. */
int xfer_env_save_cookies(struct xfer_env *env, char *err, size_t errlen);
/* Free what xfer_env_init() built; no transfer may use env afterwards. */
void xfer_env_free(struct xfer_env *env);

struct xfer;

/* A new transfer with its own easy handle, or NULL when libcurl cannot
 * make one. */
struct xfer *xfer_create(void);
/* Abandons an attempt still open. Accepts NULL. */
void xfer_destroy(struct xfer *x);

/* Prepare x for one attempt at req (borrowed until xfer_finish() or
 * xfer_abandon()). CURLOPT_PRIVATE is left to the caller. Returns 0, or
 * -1 with the reason in err (the attempt did not start). */
int xfer_setup(struct xfer *x, const struct xfer_env *env, struct request *req, char *err,
	       size_t errlen);
/* The easy handle, to add to a multi handle. */
CURL *xfer_easy(struct xfer *x);

/* For --idle-timeout: when a byte of the attempt last went in or out, on
 * clock_now()'s clock; 0 while its request has not gone out (connecting
 * is the connect timeout's business). */
double xfer_active_at(const struct xfer *x);
/* The caller stops the attempt for having been idle for timeout seconds:
 * it then finishes it with CURLE_OPERATION_TIMEDOUT, and the result says
 * --idle-timeout. */
void xfer_idle_expired(struct xfer *x, double timeout);

/* The finished attempt (rc from CURLMSG_DONE) in the retry policy's
 * terms: fills a's method, cause, status and retry_after, and leaves
 * attempt and stopping to the caller. */
void xfer_attempt(struct xfer *x, CURLcode rc, struct retry_attempt *a);
/* Whether the attempt in flight has had its response's status line. */
bool xfer_answered(struct xfer *x);

/* Fill the response part of res (status, times, headers, body or file,
 * error; not the request's own fields, which the caller set) from the
 * finished attempt, and commit or drop the body. The result borrows from
 * x until the next xfer_setup() or xfer_destroy(). */
void xfer_finish(struct xfer *x, CURLcode rc, struct result *res);

/* The record from xfer_finish() has been handed on: release what only it
 * needed (a large body buffer goes back to the system). */
void xfer_done(struct xfer *x);

/* Drop an attempt that gets no record from x (it is retried, or the run
 * stopped): its body goes nowhere. */
void xfer_abandon(struct xfer *x);

/* Put urlfan's own words in place of libcurl's as the message of the
 * attempt's error, for a stop urlfan made itself (a second interrupt):
 * call before xfer_finish(); message must outlive the result. */
void xfer_set_message(struct xfer *x, const char *message);

/* The method req is sent with: its spec's, else -X, else HEAD with -I,
 * POST with a body or a form (not with -G), GET. */
const char *xfer_method(const struct request *req, const struct config *cfg);

#endif
