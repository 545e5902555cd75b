/* setopt: the command line's meaning as libcurl easy options.
 *
 * Options come in groups, one function each (protocols, redirects,
 * timeouts, TLS, connection, identity), as curl's config2setopts.c does;
 * xfer.c sets its own callbacks and asks here for everything else. A
 * request's options are the run's common ones plus its URL, its method
 * and body, and its header list. */
#ifndef URLFAN_SETOPT_H
#define URLFAN_SETOPT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "config.h"
#include "source.h"

/* Lists built once per run from the command line and shared by every
 * request. */
struct setopt_lists {
	struct curl_slist *headers; /* -H lines plus urlfan's defaults */
	struct curl_slist *resolve; /* --resolve entries */
};

/* Build the lists for cfg. Returns 0, or -1 when out of memory (then
 * nothing needs freeing). */
int setopt_lists_init(struct setopt_lists *l, const struct config *cfg);
/* Free the lists; no handle may use them afterwards. */
void setopt_lists_free(struct setopt_lists *l);

/* Set every option that is the same for all requests of the run. l must
 * outlive the handle's use. max_body > 0 also asks libcurl to refuse a
 * response whose Content-Length says it is larger (bodies kept in
 * memory). Returns the first failing option's code, or CURLE_OK. */
CURLcode setopt_common(CURL *e, const struct config *cfg, const struct setopt_lists *l,
		       long long max_body);

/* Whether the libcurl urlfan runs with fails requests that reuse a
 * prior-knowledge HTTP/2 connection (before 8.0: curl issue 10634);
 * --http2-prior-knowledge then opens a connection per request. */
bool setopt_prior_knowledge_reuse_broken(void);

/* The URL, and whether to wait for a multiplexed connection, which only
 * pays where HTTP/2 is possible. */
CURLcode setopt_url(CURL *e, const struct config *cfg, const char *url);

/* The method and the request body (body may be NULL: none). */
CURLcode setopt_method(CURL *e, const char *method, const char *body, size_t body_len);

/* The header list for req: the run's own list, or, when req brings
 * headers or a JSON body, a new list in *own (the caller frees it after
 * the transfer) in which req's headers replace the run's of the same
 * name. Returns CURLE_OUT_OF_MEMORY when a list cannot be built. */
CURLcode setopt_headers(CURL *e, const struct setopt_lists *l, const struct request *req,
			struct curl_slist **own);

/* A multipart body from cfg's -F parts (checked by opts) set on e, in
 * *mime; the caller frees it with curl_mime_free() once the transfer is
 * over or the handle has another body. Returns the first failing call's
 * code, or CURLE_OK. */
CURLcode setopt_form(CURL *e, const struct config *cfg, curl_mime **mime);

#endif
