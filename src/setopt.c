#include "setopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

#include "num.h"

#define SET(opt, val)                                                                              \
	do {                                                                                       \
		CURLcode set_rc_ = curl_easy_setopt(e, opt, val);                                  \
		if (set_rc_ != CURLE_OK)                                                           \
			return set_rc_;                                                            \
	} while (0)

int setopt_lists_init(struct setopt_lists *l, const struct config *cfg)
{
	memset(l, 0, sizeof *l);
	/* "Expect:" stops libcurl from waiting for 100-continue on large
	 * bodies, a one-second stall per request on servers that never send
	 * it. */
	struct curl_slist *h = curl_slist_append(NULL, "Expect:"), *t;
	if (!h)
		goto fail;
	/* Appending to a list returns its head, or NULL (the list is kept). */
	if (cfg->body_is_json && (!curl_slist_append(h, "Content-Type: application/json") ||
				  !curl_slist_append(h, "Accept: application/json")))
		goto fail;
	for (size_t i = 0; i < cfg->nheaders; i++)
		if (!curl_slist_append(h, cfg->headers[i]))
			goto fail;
	l->headers = h;
	for (size_t i = 0; i < cfg->nresolve; i++) {
		if (!(t = curl_slist_append(l->resolve, cfg->resolve[i])))
			goto fail;
		l->resolve = t;
	}
	return 0;
fail:
	curl_slist_free_all(h);
	curl_slist_free_all(l->resolve);
	memset(l, 0, sizeof *l);
	return -1;
}

void setopt_lists_free(struct setopt_lists *l)
{
	curl_slist_free_all(l->headers);
	curl_slist_free_all(l->resolve);
	l->headers = l->resolve = NULL;
}

/* Only http and https, for requests and for redirects. */
static CURLcode protocols(CURL *e)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	return CURLE_OK;
}

static CURLcode redirects(CURL *e, const struct config *cfg)
{
	SET(CURLOPT_FOLLOWLOCATION, cfg->max_redirs > 0 ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, cfg->max_redirs);
	return CURLE_OK;
}

static CURLcode timeouts(CURL *e, const struct config *cfg)
{
	if (cfg->connect_timeout > 0)
		SET(CURLOPT_CONNECTTIMEOUT_MS, (long)num_ceil(cfg->connect_timeout * 1000));
	/* --idle-timeout is the loop's (fetch.c): libcurl's low-speed check
	 * counts whole seconds. */
	if (cfg->max_time > 0)
		SET(CURLOPT_TIMEOUT_MS, (long)num_ceil(cfg->max_time * 1000));
	return CURLE_OK;
}

static CURLcode tls(CURL *e, const struct config *cfg)
{
	if (cfg->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cfg->cacert)
		SET(CURLOPT_CAINFO, cfg->cacert);
	/* A client certificate (-E FILE[:PASSWORD], --key, --cert-type). */
	if (cfg->cert)
		SET(CURLOPT_SSLCERT, cfg->cert);
	if (cfg->cert_password)
		SET(CURLOPT_KEYPASSWD, cfg->cert_password);
	if (cfg->key)
		SET(CURLOPT_SSLKEY, cfg->key);
	if (cfg->cert_type)
		SET(CURLOPT_SSLCERTTYPE, cfg->cert_type);
	return CURLE_OK;
}

static long http_version(const struct config *cfg)
{
	switch (cfg->http_version) {
	case HTTPV_1_1: return CURL_HTTP_VERSION_1_1;
	case HTTPV_2: return CURL_HTTP_VERSION_2_0;
	case HTTPV_2_PRIOR: return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
	default: return CURL_HTTP_VERSION_2TLS;
	}
}

bool setopt_prior_knowledge_reuse_broken(void)
{
	/* Asked on every attempt; curl_version_info() rebuilds its answer on
	 * each call, and the library does not change during a run. */
	static int broken = -1;
	if (broken < 0)
		broken = curl_version_info(CURLVERSION_NOW)->version_num < 0x080000;
	return broken;
}

/* How requests reach the server: HTTP version, proxy, name overrides, a
 * Unix socket, compression. */
static CURLcode connection(CURL *e, const struct config *cfg, const struct setopt_lists *l)
{
	SET(CURLOPT_HTTP_VERSION, http_version(cfg));
	/* libcurl before 8.0 fails every request that reuses or multiplexes
	 * onto a prior-knowledge HTTP/2 connection ("Error in the HTTP2
	 * framing layer", curl issue 10634): there each request gets a
	 * connection of its own, closed after it. */
	if (cfg->http_version == HTTPV_2_PRIOR && setopt_prior_knowledge_reuse_broken()) {
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	if (cfg->compressed)
		SET(CURLOPT_ACCEPT_ENCODING, "");
	if (cfg->proxy)
		SET(CURLOPT_PROXY, cfg->proxy);
	if (l->resolve)
		SET(CURLOPT_RESOLVE, l->resolve);
	if (cfg->unix_socket)
		SET(CURLOPT_UNIX_SOCKET_PATH, cfg->unix_socket);
	if (cfg->noproxy)
		SET(CURLOPT_NOPROXY, cfg->noproxy);
	if (cfg->ip_version)
		SET(CURLOPT_IPRESOLVE,
		    cfg->ip_version == 4 ? (long)CURL_IPRESOLVE_V4 : (long)CURL_IPRESOLVE_V6);
	/* --limit-rate is per transfer, both ways, as in curl. */
	if (cfg->limit_rate > 0) {
		SET(CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)cfg->limit_rate);
		SET(CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)cfg->limit_rate);
	}
	return CURLE_OK;
}

/* Who the request says it is and comes from: User-Agent, credentials,
 * Referer and cookies given as a string. */
static CURLcode identity(CURL *e, const struct config *cfg)
{
	SET(CURLOPT_USERAGENT, cfg->user_agent);
	if (cfg->user)
		SET(CURLOPT_USERPWD, cfg->user);
	if (cfg->netrc || cfg->netrc_file)
		SET(CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED);
	if (cfg->netrc_file)
		SET(CURLOPT_NETRC_FILE, cfg->netrc_file);
	if (cfg->referer) {
		/* curl's "URL;auto": also a Referer on each redirect. */
		size_t n = strlen(cfg->referer);
		bool autoref = n >= 5 && strcmp(cfg->referer + n - 5, ";auto") == 0;
		char *ref = strndup(cfg->referer, autoref ? n - 5 : n);
		if (!ref)
			return CURLE_OUT_OF_MEMORY;
		CURLcode rc = curl_easy_setopt(e, CURLOPT_REFERER, ref); /* copied */
		free(ref);
		if (rc != CURLE_OK)
			return rc;
		if (autoref)
			SET(CURLOPT_AUTOREFERER, 1L);
	}
	if (cfg->cookie)
		SET(CURLOPT_COOKIE, cfg->cookie);
	return CURLE_OK;
}

CURLcode setopt_common(CURL *e, const struct config *cfg, const struct setopt_lists *l,
		       long long max_body)
{
	CURLcode rc;
	SET(CURLOPT_NOSIGNAL, 1L);
	if ((rc = protocols(e)) || (rc = redirects(e, cfg)) || (rc = timeouts(e, cfg)) ||
	    (rc = tls(e, cfg)) || (rc = connection(e, cfg, l)) || (rc = identity(e, cfg)))
		return rc;
	if (max_body > 0)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body);
	return CURLE_OK;
}

/* HTTP/2 is possible over TLS (ALPN) or with prior knowledge; waiting for
 * a multiplexed connection anywhere else would queue plain HTTP/1.1
 * requests behind one connection. */
static bool may_multiplex(const struct config *cfg, const char *url)
{
	if (cfg->http_version == HTTPV_1_1)
		return false;
	if (cfg->http_version == HTTPV_2_PRIOR)
		return !setopt_prior_knowledge_reuse_broken();
	return strncasecmp(url, "https:", 6) == 0;
}

CURLcode setopt_url(CURL *e, const struct config *cfg, const char *url)
{
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PIPEWAIT, may_multiplex(cfg, url) ? 1L : 0L);
	return CURLE_OK;
}

CURLcode setopt_method(CURL *e, const char *method, const char *body, size_t body_len)
{
	if (strcmp(method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (body) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		SET(CURLOPT_POSTFIELDS, body);
		if (strcmp(method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, method);
	}
	return CURLE_OK;
}

static bool list_has(const struct request *req, const char *line)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (http_same_header(req->headers[i], line))
			return true;
	return false;
}

/* A spec's headers replace command-line headers of the same name; a spec
 * with "json" brings the JSON content headers unless it names its own. */
static struct curl_slist *request_headers(const struct setopt_lists *l, const struct request *req)
{
	struct curl_slist *own = NULL, *t;
	for (struct curl_slist *s = l->headers; s; s = s->next) {
		if (list_has(req, s->data))
			continue;
		if (req->body_is_json && (http_same_header(s->data, "Content-Type:") ||
					  http_same_header(s->data, "Accept:")))
			continue;
		if (!(t = curl_slist_append(own, s->data)))
			goto fail;
		own = t;
	}
	if (req->body_is_json) {
		if (!list_has(req, "Content-Type:") &&
		    !(own = curl_slist_append(own, "Content-Type: application/json")))
			goto fail;
		if (!list_has(req, "Accept:") &&
		    !(own = curl_slist_append(own, "Accept: application/json")))
			goto fail;
	}
	for (size_t i = 0; i < req->nheaders; i++) {
		if (!(t = curl_slist_append(own, req->headers[i])))
			goto fail;
		own = t;
	}
	return own;
fail:
	curl_slist_free_all(own);
	return NULL;
}

CURLcode setopt_headers(CURL *e, const struct setopt_lists *l, const struct request *req,
			struct curl_slist **own)
{
	*own = NULL;
	if (!req->nheaders && !req->body_is_json) {
		SET(CURLOPT_HTTPHEADER, l->headers);
		return CURLE_OK;
	}
	if (!(*own = request_headers(l, req)))
		return CURLE_OUT_OF_MEMORY;
	SET(CURLOPT_HTTPHEADER, *own);
	return CURLE_OK;
}

/* A -F part's contents read at the start (opts), sent from memory by
 * every attempt without a copy: the read position is the part's own. */
struct form_reader {
	const struct opts_form_data *fd;
	size_t pos;
};

static size_t form_read_cb(char *buffer, size_t size, size_t nitems, void *arg)
{
	struct form_reader *r = arg;
	size_t n = r->fd->len - r->pos, room = size * nitems;
	if (n > room)
		n = room;
	memcpy(buffer, r->fd->data + r->pos, n);
	r->pos += n;
	return n;
}

static int form_seek_cb(void *arg, curl_off_t offset, int origin)
{
	struct form_reader *r = arg;
	if (origin != SEEK_SET || offset < 0 || (size_t)offset > r->fd->len)
		return CURL_SEEKFUNC_FAIL;
	r->pos = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* The file's part of a path, as curl_mime_filedata() names a part. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The part's data: a file libcurl streams, or the contents read at the
 * start (fd->data). */
static CURLcode form_file(curl_mimepart *part, const char *path, const struct opts_form_data *fd)
{
	if (!fd || !fd->data)
		return curl_mime_filedata(part, path);
	struct form_reader *r = calloc(1, sizeof *r);
	if (!r)
		return CURLE_OUT_OF_MEMORY;
	r->fd = fd;
	CURLcode rc =
		curl_mime_data_cb(part, (curl_off_t)fd->len, form_read_cb, form_seek_cb, free, r);
	if (rc != CURLE_OK) {
		free(r);
		return rc;
	}
	return curl_mime_filename(part, base_name(path));
}

/* Add one -F part to mime. */
static CURLcode form_part(curl_mime *mime, const char *arg, const struct opts_form_data *fd)
{
	struct http_form_part fp;
	const char *why;
	if (http_form_part(arg, &fp, &why) != 0)
		return CURLE_BAD_FUNCTION_ARGUMENT; /* opts checked it: not reached */
	curl_mimepart *part = curl_mime_addpart(mime);
	/* NUL-terminated copies for libcurl, which copies them in turn. */
	char *name = strndup(fp.name, fp.name_len), *value = strndup(fp.value, fp.value_len);
	char *type = fp.type ? strndup(fp.type, fp.type_len) : NULL;
	char *filename = fp.filename ? strndup(fp.filename, fp.filename_len) : NULL;
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	if (!part || !name || !value || (fp.type && !type) || (fp.filename && !filename))
		goto out;
	if ((rc = curl_mime_name(part, name)) != CURLE_OK)
		goto out;
	switch (fp.kind) {
	case HTTP_FORM_VALUE: rc = curl_mime_data(part, value, CURL_ZERO_TERMINATED); break;
	case HTTP_FORM_FILE:
		if ((rc = form_file(part, value, fd)) == CURLE_OK && filename)
			rc = curl_mime_filename(part, filename);
		break;
	case HTTP_FORM_CONTENT:
		/* A field whose value is the file's contents: no file name. */
		if ((rc = form_file(part, value, fd)) == CURLE_OK)
			rc = curl_mime_filename(part, NULL);
		break;
	}
	if (rc == CURLE_OK && type)
		rc = curl_mime_type(part, type);
out:
	free(name);
	free(value);
	free(type);
	free(filename);
	return rc;
}

CURLcode setopt_form(CURL *e, const struct config *cfg, curl_mime **mime)
{
	CURLcode rc;
	if (!(*mime = curl_mime_init(e)))
		return CURLE_OUT_OF_MEMORY;
	for (size_t i = 0; i < cfg->nforms; i++)
		if ((rc = form_part(*mime, cfg->forms[i],
				    cfg->form_data ? &cfg->form_data[i] : NULL)) != CURLE_OK)
			return rc;
	SET(CURLOPT_MIMEPOST, *mime);
	return CURLE_OK;
}
