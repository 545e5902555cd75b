#include "xfer.h"

#include <ctype.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "msg.h"
#include "num.h"
#include "url.h"
#include "xalloc.h"

struct xfer {
	CURL *easy;
	struct request *req;
	const struct xfer_shared *sh;
	struct curl_slist *own_headers; /* per-request list, when a spec has headers */
	struct buf body;
	size_t size;      /* body bytes, in memory or in the file */
	int fd;           /* -O: the temporary file, or -1 */
	char tmp[64];
	int io_errno;     /* a failed write to that file */
	struct buf headers; /* "name\0value\0" of the latest response */
	double retry_after; /* its Retry-After, seconds from now; -1: none */
	struct buf file;  /* -O: the final path */
	bool too_large;
	char errbuf[CURL_ERROR_SIZE];
	struct buf url_masked, eff_masked;
	char method[32];
	/* The handle holds the options of a plain request (one without spec
	 * fields), which are the same for every plain request but the URL. */
	bool plain_ready;
};

int xfer_shared_init(struct xfer_shared *sh, const struct config *cfg,
		     char *err, size_t errlen)
{
	memset(sh, 0, sizeof *sh);
	sh->cfg = cfg;
	/* "Expect:" stops libcurl from waiting for 100-continue on large
	 * bodies, a one-second stall per request on servers that never send
	 * it. */
	struct curl_slist *l = curl_slist_append(NULL, "Expect:");
	if (cfg->body_is_json) {
		l = curl_slist_append(l, "Content-Type: application/json");
		l = curl_slist_append(l, "Accept: application/json");
	}
	for (size_t i = 0; l && i < cfg->nheaders; i++)
		l = curl_slist_append(l, cfg->headers[i]);
	sh->headers = l;
	for (size_t i = 0; l && i < cfg->nresolve; i++) {
		struct curl_slist *r = curl_slist_append(sh->resolve, cfg->resolve[i]);
		if (!r)
			l = NULL;
		sh->resolve = r;
	}
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cfg->output_dir) {
		if (!(sh->name = template_compile(cfg->name ? cfg->name : "%{index}",
						  err, errlen)))
			return -1;
		if (!(sh->savedir = savedir_open(cfg->output_dir, cfg->overwrite, err, errlen)))
			return -1;
	}
	return 0;
}

void xfer_shared_free(struct xfer_shared *sh)
{
	curl_slist_free_all(sh->headers);
	curl_slist_free_all(sh->resolve);
	savedir_close(sh->savedir);
	template_destroy(sh->name);
	sh->headers = sh->resolve = NULL;
	sh->savedir = NULL;
	sh->name = NULL;
}

struct xfer *xfer_create(void)
{
	struct xfer *x = xcalloc(1, sizeof *x);
	x->fd = -1;
	x->easy = curl_easy_init();
	if (!x->easy) {
		free(x);
		return NULL;
	}
	return x;
}

void xfer_destroy(struct xfer *x)
{
	if (!x)
		return;
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->own_headers);
	xfer_abandon(x);
	buf_free(&x->body);
	buf_free(&x->headers);
	buf_free(&x->file);
	buf_free(&x->url_masked);
	buf_free(&x->eff_masked);
	free(x);
}

CURL *xfer_easy(struct xfer *x)
{
	return x->easy;
}

static size_t write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * n;
	if ((long long)(x->size + len) > x->sh->cfg->max_body) {
		x->too_large = true;
		return CURL_WRITEFUNC_ERROR;
	}
	x->size += len;
	if (x->fd < 0) {
		/* --no-body: records show none, so none is kept. */
		if (!x->sh->cfg->no_body)
			buf_add(&x->body, data, len);
		return len;
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(x->fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			x->io_errno = errno;
			return CURL_WRITEFUNC_ERROR;
		}
		done += (size_t)w;
	}
	return len;
}

/* Retry-After: delay-seconds or an HTTP-date (RFC 9110 10.2.3). */
static void parse_retry_after(struct xfer *x, const char *v, size_t n)
{
	char text[128];
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n == 0 || n >= sizeof text)
		return;
	memcpy(text, v, n);
	text[n] = '\0';
	if (strspn(text, "0123456789") == n) {
		x->retry_after = n > 9 ? 1e9 : (double)strtol(text, NULL, 10);
		return;
	}
	time_t when = curl_getdate(text, NULL);
	if (when != -1) {
		double d = difftime(when, time(NULL));
		x->retry_after = d > 0 ? d : 0;
	}
}

/* Keep the headers of the latest response: a status line starts a new
 * one (after a redirect or a 100 Continue). */
static size_t header_cb(char *data, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * n;
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		x->headers.len = 0;
		x->retry_after = -1;
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon || colon == data)
		return len; /* the blank line, or an obs-fold */
	if (colon - data == 11 && strncasecmp(data, "retry-after", 11) == 0)
		parse_retry_after(x, colon + 1, (size_t)(data + len - colon - 1));
	if (!x->sh->cfg->headers_out)
		return len;
	/* A NUL would cut the "name\0value\0" list: older libcurl lets
	 * one through. */
	for (const char *p = data; p < colon; p++)
		buf_addc(&x->headers, *p ? (char)tolower((unsigned char)*p) : ' ');
	buf_addc(&x->headers, '\0');
	const char *v = colon + 1, *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	/* A NUL inside a value would cut the pair list: show it as a space. */
	for (const char *p = v; p < end; p++)
		buf_addc(&x->headers, *p ? *p : ' ');
	buf_addc(&x->headers, '\0');
	return len;
}

/* -vv: libcurl's trace, each line prefixed with the request's index. */
static int debug_cb(CURL *e, curl_infotype type, char *data, size_t size, void *userp)
{
	struct xfer *x = userp;
	const char *mark;
	(void)e;
	switch (type) {
	case CURLINFO_TEXT: mark = "*"; break;
	case CURLINFO_HEADER_IN: mark = "<"; break;
	case CURLINFO_HEADER_OUT: mark = ">"; break;
	default: return 0; /* bodies and TLS records stay out of the trace */
	}
	struct buf b = BUF_INIT;
	const char *p = data, *end = data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		size_t n = (size_t)(stop - p);
		if (n && p[n - 1] == '\r')
			n--;
		buf_printf(&b, "urlfan: [%zu] %s ", x->req->index, mark);
		/* Credentials never reach the trace. */
		const char *colon = memchr(p, ':', n);
		bool secret = type == CURLINFO_HEADER_OUT && colon &&
			      ((colon - p == 13 && strncasecmp(p, "Authorization", 13) == 0) ||
			       (colon - p == 19 && strncasecmp(p, "Proxy-Authorization", 19) == 0));
		size_t shown = secret ? (size_t)(colon - p) + 1 : n;
		struct buf line = BUF_INIT;
		url_mask_text(&line, p, shown);
		for (size_t i = 0; i < line.len; i++) {
			unsigned char c = (unsigned char)line.data[i];
			if (c < 0x20 || c == 0x7f)
				buf_printf(&b, "\\x%02x", c);
			else
				buf_addc(&b, (char)c);
		}
		buf_free(&line);
		if (secret)
			buf_adds(&b, " ***");
		buf_addc(&b, '\n');
		p = nl ? nl + 1 : end;
	}
	msg_raw(b.data ? b.data : "", b.len);
	buf_free(&b);
	return 0;
}

/* Header name (up to the colon), case-insensitively, in a "Name: v" line. */
static bool same_header(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = (char)(*a | ((*a >= 'A' && *a <= 'Z') ? 0x20 : 0));
		char cb = (char)(*b | ((*b >= 'A' && *b <= 'Z') ? 0x20 : 0));
		if (ca != cb)
			return false;
		if (ca == ':')
			return true;
	}
	return false;
}

static bool list_has(const struct request *req, const char *line)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (same_header(req->headers[i], line))
			return true;
	return false;
}

/* A spec's headers replace command-line headers of the same name. */
static struct curl_slist *request_headers(struct xfer *x)
{
	const struct request *req = x->req;
	if (!req->nheaders && !req->body_is_json)
		return x->sh->headers;
	struct curl_slist *l = NULL, *t;
	for (struct curl_slist *s = x->sh->headers; s; s = s->next) {
		if (list_has(req, s->data))
			continue;
		if (req->body_is_json && (same_header(s->data, "Content-Type:") ||
					  same_header(s->data, "Accept:")))
			continue;
		if (!(t = curl_slist_append(l, s->data)))
			goto fail;
		l = t;
	}
	if (req->body_is_json) {
		if (!list_has(req, "Content-Type:") &&
		    !(l = curl_slist_append(l, "Content-Type: application/json")))
			goto fail;
		if (!list_has(req, "Accept:") &&
		    !(l = curl_slist_append(l, "Accept: application/json")))
			goto fail;
	}
	for (size_t i = 0; i < req->nheaders; i++) {
		if (!(t = curl_slist_append(l, req->headers[i])))
			goto fail;
		l = t;
	}
	x->own_headers = l;
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

static long curl_http_version(const struct config *cfg)
{
	switch (cfg->http_version) {
	case HTTPV_1_1: return CURL_HTTP_VERSION_1_1;
	case HTTPV_2: return CURL_HTTP_VERSION_2_0;
	case HTTPV_2_PRIOR: return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
	default: return CURL_HTTP_VERSION_2TLS;
	}
}

/* HTTP/2 is possible over TLS (ALPN) or with prior knowledge; waiting for
 * a multiplexed connection anywhere else would queue plain HTTP/1.1
 * requests behind one connection. */
static bool may_multiplex(const struct config *cfg, const char *url)
{
	if (cfg->http_version == HTTPV_1_1)
		return false;
	if (cfg->http_version == HTTPV_2_PRIOR)
		return true;
	return strncasecmp(url, "https:", 6) == 0;
}

const char *xfer_method(const struct request *req, const struct config *cfg)
{
	if (req->method)
		return req->method;
	if (cfg->method)
		return cfg->method;
	return cfg->head ? "HEAD" : (req->body || cfg->body) ? "POST" : "GET";
}

int xfer_setup(struct xfer *x, const struct xfer_shared *sh,
	       struct request *req, char *err, size_t errlen)
{
	const struct config *cfg = sh->cfg;
	CURL *e = x->easy;
	curl_slist_free_all(x->own_headers);
	x->own_headers = NULL;
	x->body.len = 0;
	x->headers.len = 0;
	x->retry_after = -1;
	x->size = 0;
	x->io_errno = 0;
	x->too_large = false;
	x->errbuf[0] = '\0';
	x->req = req;
	x->sh = sh;

	const char *body = req->body ? req->body : cfg->body;
	size_t body_len = req->body ? req->body_len : cfg->body_len;
	const char *method = xfer_method(req, cfg);
	snprintf(x->method, sizeof x->method, "%s", method);

	struct curl_slist *headers = request_headers(x);
	if (!headers) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	if (sh->savedir && (x->fd = savedir_temp(sh->savedir, x->tmp)) < 0) {
		snprintf(err, errlen, "cannot create a file in '%s': %s",
			 cfg->output_dir, strerror(errno));
		return -1;
	}

	CURLcode rc = CURLE_OK;
#define SET(opt, val) \
	do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
	/* Options stay set from one transfer to the next: between two plain
	 * requests only the URL changes (and with it whether to wait for an
	 * HTTP/2 connection). That saves curl_easy_reset() and some twenty
	 * options a request. */
	bool plain = !req->method && !req->nheaders && !req->body && !req->body_is_json;
	if (plain && x->plain_ready) {
		SET(CURLOPT_URL, req->url);
		SET(CURLOPT_PIPEWAIT, may_multiplex(cfg, req->url) ? 1L : 0L);
		goto done;
	}
	curl_easy_reset(e);
	x->plain_ready = false;
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, x);
	if (msg_get_level() >= MSG_TRACE) {
		SET(CURLOPT_VERBOSE, 1L);
		SET(CURLOPT_DEBUGFUNCTION, debug_cb);
		SET(CURLOPT_DEBUGDATA, x);
	}
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, cfg->max_redirs > 0 ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, cfg->max_redirs);
	SET(CURLOPT_USERAGENT, cfg->user_agent);
	SET(CURLOPT_HTTPHEADER, headers);
	if (cfg->compressed)
		SET(CURLOPT_ACCEPT_ENCODING, "");
	if (cfg->connect_timeout > 0)
		SET(CURLOPT_CONNECTTIMEOUT_MS, (long)num_ceil(cfg->connect_timeout * 1000));
	if (cfg->idle_timeout > 0) {
		/* Below one byte per second for the whole period means no byte
		 * arrived; libcurl counts whole seconds. */
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME, (long)num_ceil(cfg->idle_timeout));
	}
	if (cfg->max_time > 0)
		SET(CURLOPT_TIMEOUT_MS, (long)num_ceil(cfg->max_time * 1000));
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body);
	SET(CURLOPT_HTTP_VERSION, curl_http_version(cfg));
	if (may_multiplex(cfg, req->url))
		SET(CURLOPT_PIPEWAIT, 1L);
	if (cfg->user)
		SET(CURLOPT_USERPWD, cfg->user);
	if (cfg->proxy)
		SET(CURLOPT_PROXY, cfg->proxy);
	if (cfg->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cfg->cacert)
		SET(CURLOPT_CAINFO, cfg->cacert);
	if (sh->resolve)
		SET(CURLOPT_RESOLVE, sh->resolve);
	if (cfg->unix_socket)
		SET(CURLOPT_UNIX_SOCKET_PATH, cfg->unix_socket);

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
	x->plain_ready = plain && rc == CURLE_OK;
done:
#undef SET
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

enum err_kind xfer_classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return ERR_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return ERR_DNS;
	case CURLE_COULDNT_CONNECT:
		return ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return ERR_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return ERR_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return ERR_TOO_LARGE;
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_UNSUPPORTED_PROTOCOL: /* see xfer_finish() for HTTP/0.9 */
		return ERR_REDIRECT;
	case CURLE_ABORTED_BY_CALLBACK:
		return ERR_ABORTED;
	case CURLE_WRITE_ERROR:
	case CURLE_READ_ERROR:
	case CURLE_OUT_OF_MEMORY:
		return ERR_IO;
	default:
		/* Cut-off or malformed responses, resets, HTTP/2 errors. */
		return ERR_PROTOCOL;
	}
}

static double seconds(CURL *e, CURLINFO what)
{
	curl_off_t us = 0;
	curl_easy_getinfo(e, what, &us);
	return (double)us / 1e6;
}

static const char *version_name(long v)
{
	switch (v) {
	case CURL_HTTP_VERSION_1_0: return "1.0";
	case CURL_HTTP_VERSION_1_1: return "1.1";
	case CURL_HTTP_VERSION_2_0: return "2";
	case CURL_HTTP_VERSION_3: return "3";
	default: return NULL;
	}
}

/* Whether the transfer met a redirect (followed or refused). */
static bool redirected(CURL *e)
{
	long count = 0;
	char *next = NULL;
	curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &count);
	curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &next);
	return count > 0 || next != NULL;
}

bool xfer_transient(struct xfer *x, CURLcode rc, long *status, double *retry_after)
{
	*status = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, status);
	*retry_after = x->retry_after;
	if (x->too_large || x->io_errno)
		return false;
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: /* the connection was reset mid-body */
		return true;
	default:
		return false;
	}
	switch (*status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return true;
	default:
		return false;
	}
}

void xfer_abandon(struct xfer *x)
{
	if (x->fd < 0)
		return;
	close(x->fd);
	x->fd = -1;
	savedir_discard(x->sh->savedir, x->tmp);
}

/* -O: close the body's file and move it to its name, or drop it when the
 * body is not whole. Returns 0, or -1 with errno. */
static int finish_file(struct xfer *x, struct result *res)
{
	int fd = x->fd;
	x->fd = -1;
	if (close(fd) != 0 && !x->io_errno)
		x->io_errno = errno;
	if (res->error || x->io_errno) {
		savedir_discard(x->sh->savedir, x->tmp);
		errno = x->io_errno;
		return res->error ? 0 : -1;
	}
	struct buf name = BUF_INIT;
	template_render(x->sh->name, res, &name);
	x->file.len = 0;
	int rc = savedir_commit(x->sh->savedir, x->tmp, name.data ? name.data : "", &x->file);
	buf_free(&name);
	if (rc == 0)
		res->file = x->file.data;
	return rc;
}

void xfer_finish(struct xfer *x, CURLcode rc, struct result *res)
{
	CURL *e = x->easy;
	memset(res, 0, sizeof *res);
	res->req = x->req;
	x->url_masked.len = 0;
	url_mask(&x->url_masked, x->req->url);
	res->url = x->url_masked.data;
	res->method = x->method;
	res->attempts = x->req->attempts;

	long status = 0, version = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
	res->status = status;
	res->http_version = status ? version_name(version) : NULL;
	if (status) {
		char *eff = NULL, *ctype = NULL;
		curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
		curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
		x->eff_masked.len = 0;
		url_mask(&x->eff_masked, eff ? eff : x->req->url);
		res->effective_url = x->eff_masked.data;
		res->content_type = ctype;
		if (x->sh->cfg->headers_out) {
			buf_reserve(&x->headers, 0);
			res->headers = x->headers.data;
			res->headers_len = x->headers.len;
		}
	}
	res->time.total = seconds(e, CURLINFO_TOTAL_TIME_T);
	res->time.dns = seconds(e, CURLINFO_NAMELOOKUP_TIME_T);
	res->time.connect = seconds(e, CURLINFO_CONNECT_TIME_T);
	res->time.tls = seconds(e, CURLINFO_APPCONNECT_TIME_T);
	res->time.ttfb = seconds(e, CURLINFO_STARTTRANSFER_TIME_T);
	res->size = x->size;

	if (x->too_large) {
		res->error = ERR_TOO_LARGE;
		res->error_message = "body larger than --max-body";
	} else if (x->io_errno) {
		res->error = ERR_IO;
		res->error_message = strerror(x->io_errno);
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL && !redirected(e)) {
		/* Not a redirect to another scheme: libcurl also says this of
		 * a reply that is not HTTP at all (HTTP/0.9). */
		res->error = ERR_PROTOCOL;
		res->error_message = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	} else if ((res->error = xfer_classify(rc)) != ERR_NONE) {
		res->error_message = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	}
	if (x->fd >= 0 && finish_file(x, res) != 0) {
		res->error = ERR_IO;
		res->error_message = strerror(errno);
	}
	if (res->error != ERR_NONE)
		return;
	res->ok = opts_status_ok(x->sh->cfg, status);
	if (!x->sh->savedir) {
		res->body = x->body.data ? x->body.data : "";
		res->body_len = x->body.len;
	}
}
