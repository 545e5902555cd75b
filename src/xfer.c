#include "xfer.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "body.h"
#include "buf.h"
#include "clock.h"
#include "compat.h"
#include "http.h"
#include "msg.h"
#include "termesc.h"
#include "url.h"
#include "xalloc.h"

/* A macro's value as a string literal. */
#define STR_(x) #x
#define STR(x) STR_(x)

struct xfer {
	CURL *easy;
	struct request *req;
	const struct xfer_env *env;
	struct curl_slist *own_headers; /* per-request list, when a spec has headers */
	struct body body;               /* this attempt's */
	struct buf headers;             /* "name\0value\0" of the latest response */
	double retry_after;             /* its Retry-After, seconds from now; -1: none */
	struct buf file;                /* BODY_SINK: where the body went */
	char errbuf[CURL_ERROR_SIZE];
	char message[CURL_ERROR_SIZE]; /* errbuf without timings */
	struct buf url_masked, eff_masked;
	struct buf url;          /* -G: the URL with the data in its query */
	curl_mime *mime;         /* -F: this attempt's multipart body */
	const char *own_message; /* urlfan's words for the error, or NULL */
	char method[32];
	/* The handle holds the options of a plain request (one without spec
	 * fields), which are the same for every plain request but the URL. */
	bool plain_ready;
	/* The latest response's header lines and bytes so far (status line
	 * included), against XFER_HEADER_LINES and XFER_HEADER_BYTES. */
	size_t header_lines, header_bytes;
	bool headers_too_big; /* the attempt was stopped for that */
	bool header_kept;     /* the last header line went into headers */
	/* The latest status line was an interim (1xx) one: the response it
	 * precedes counts its lines toward the same limits. */
	bool interim;
	/* Why the response's framing was refused (an invalid
	 * Content-Length), or "": the attempt was stopped for it. */
	char framing_message[96];
	/* --idle-timeout: when a byte last moved (0: the request has not
	 * gone out yet), the upload count last seen, and the message when
	 * the loop stopped the attempt for being idle. */
	double active_at;
	curl_off_t uploaded;
	char idle_message[96];
	/* Why socket() failed, when it did. */
	int socket_errno;
	/* -vv: the URL's user name, when it looks like a token. */
	struct buf token_user;
	/* -N: the time of the file already there, or -1 (no condition). */
	long long since;
};

/* Fill share's cookie store with the -b files' lines (read by opts at
 * the start). libcurl's file loader parses them in one pass, where one
 * CURLOPT_COOKIELIST call per line would sweep the whole store for
 * expired cookies each time (20,000 cookies: seconds). The lines go to
 * it through an anonymous in-memory file, so no file is read twice. */
static int load_cookies(CURLSH *share, const char *lines, char *err, size_t errlen)
{
	char path[COMPAT_ANON_PATH] = "";
	int rc = -1, fd = compat_anon_file("urlfan-cookies", path);
	CURL *e = curl_easy_init();
	size_t len = strlen(lines), done = 0;
	if (fd < 0 || !e) {
		snprintf(err, errlen, "cannot load the cookie files: %s",
			 fd < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, lines + done, len - done);
		if (n < 0) {
			snprintf(err, errlen, "cannot load the cookie files: %s", strerror(errno));
			goto out;
		}
		done += (size_t)n;
	}
	/* "RELOAD" reads the handle's cookie files into its store now: the
	 * shared one. */
	if (curl_easy_setopt(e, CURLOPT_SHARE, share) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_COOKIEFILE, path) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_COOKIELIST, "RELOAD") != CURLE_OK) {
		snprintf(err, errlen, "cannot load the cookie files");
		goto out;
	}
	rc = 0;
out:
	curl_easy_cleanup(e);
	if (fd >= 0)
		compat_anon_file_close(fd, path);
	return rc;
}

/* The run's share handle, when anything is shared: the cookie store of
 * -b FILE and of -c FILE. One thread uses it, so it needs no locks. */
static int share_init(struct xfer_env *env, char *err, size_t errlen)
{
	const struct config *cfg = env->cfg;
	CURLSHcode sc = CURLSHE_NOMEM;
	if (!(env->share = curl_share_init()) ||
	    (sc = curl_share_setopt(env->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION)) ||
	    (sc = curl_share_setopt(env->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS)) ||
	    ((cfg->cookie_lines || cfg->cookie_jar) &&
	     (sc = curl_share_setopt(env->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE)))) {
		snprintf(err, errlen, "libcurl: %s", curl_share_strerror(sc));
		return -1;
	}
	return cfg->cookie_lines ? load_cookies(env->share, cfg->cookie_lines, err, errlen) : 0;
}

int xfer_env_save_cookies(struct xfer_env *env, char *err, size_t errlen)
{
	const char *path = env->cfg->cookie_jar;
	struct curl_slist *list = NULL;
	struct buf tmp = BUF_INIT;
	CURL *e = NULL;
	FILE *f = NULL;
	int rc = -1;
	if (!env->share || !path)
		return 0;
	if (!(e = curl_easy_init()) || curl_easy_setopt(e, CURLOPT_SHARE, env->share) ||
	    curl_easy_getinfo(e, CURLINFO_COOKIELIST, &list)) {
		snprintf(err, errlen, "--cookie-jar: cannot read the cookies");
		goto out;
	}
	/* Beside the jar, so that the rename stays on one file system; 0600:
	 * cookies are credentials. */
	buf_printf(&tmp, "%s.urlfan-%ld", path, (long)getpid());
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "--cookie-jar: cannot write '%s': %s", tmp.data,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fputs("# Netscape HTTP Cookie File\n# Written by urlfan; edit at your own risk.\n\n", f);
	for (const struct curl_slist *l = list; l; l = l->next)
		fprintf(f, "%s\n", l->data);
	int bad = ferror(f);
	bad |= fclose(f);
	if (bad || rename(tmp.data, path) != 0) {
		snprintf(err, errlen, "--cookie-jar: cannot write '%s': %s", path, strerror(errno));
		unlink(tmp.data);
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(list);
	curl_easy_cleanup(e);
	buf_free(&tmp);
	return rc;
}

int xfer_env_init(struct xfer_env *env, const struct config *cfg, enum body_mode body,
		  const struct sink *sink, char *err, size_t errlen)
{
	memset(env, 0, sizeof *env);
	env->cfg = cfg;
	env->body = body;
	env->sink = sink;
	if (setopt_lists_init(&env->lists, cfg) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (share_init(env, err, errlen) != 0) {
		xfer_env_free(env);
		return -1;
	}
	return 0;
}

void xfer_env_free(struct xfer_env *env)
{
	setopt_lists_free(&env->lists);
	/* After every handle that used it is gone (curl_easy_cleanup()). */
	if (env->share)
		curl_share_cleanup(env->share);
	env->share = NULL;
}

struct xfer *xfer_create(void)
{
	struct xfer *x = xcalloc(1, sizeof *x);
	x->body = (struct body)BODY_INIT;
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
	body_free(&x->body);
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->own_headers);
	buf_free(&x->headers);
	buf_free(&x->file);
	buf_free(&x->url_masked);
	buf_free(&x->eff_masked);
	buf_free(&x->token_user);
	buf_free(&x->url);
	curl_mime_free(x->mime);
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
	x->active_at = clock_now();
	return body_write(&x->body, data, len) == 0 ? len : CURL_WRITEFUNC_ERROR;
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

/* Append a header value v[0..end) without the white space and CRLF
 * around it; a NUL inside would cut the "name\0value\0" list (older
 * libcurl lets one through): it shows as a space. Returns how many bytes
 * were added. */
static size_t add_value(struct buf *b, const char *v, const char *end)
{
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (const char *p = v; p < end; p++)
		buf_addc(b, *p ? *p : ' ');
	return (size_t)(end - v);
}

/* An obs-fold line (RFC 9112 5.2: starts with a space or tab) continues
 * the header before it: its text joins that header's value after one
 * space. */
static void fold_header(struct xfer *x, const char *v, const char *end)
{
	if (!x->header_kept)
		return;
	x->headers.data[x->headers.len - 1] = ' '; /* the value's NUL */
	if (add_value(&x->headers, v, end) == 0)
		x->headers.len--; /* nothing to join: no space either */
	buf_addc(&x->headers, '\0');
}

/* Whether a status line ("HTTP/1.1 103 ...", "HTTP/2 103") is an
 * interim (1xx) response's. */
static bool status_line_interim(const char *p, size_t n)
{
	const char *sp = memchr(p, ' ', n);
	return sp && (size_t)(sp - p) + 2 < n && sp[1] == '1' && isdigit((unsigned char)sp[2]);
}

/* An invalid Content-Length (0x7, "7, 99", 7abc): the body's end is
 * unknown, and libcurl would read the leading digits. The value is
 * shown trimmed, cut and with anything but printable ASCII as '?'. */
static void bad_length(struct xfer *x, const char *v, const char *end)
{
	char shown[40];
	size_t n = 0;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (; v < end && n + 4 < sizeof shown; v++)
		shown[n++] = *v >= 0x20 && *v < 0x7f ? *v : '?';
	if (v < end)
		n += (size_t)snprintf(shown + n, sizeof shown - n, "...");
	shown[n] = '\0';
	snprintf(x->framing_message, sizeof x->framing_message,
		 "invalid Content-Length in the response: '%s'", shown);
}

/* Keep the headers of the latest response: a status line starts a new
 * one (after a redirect or a 100 Continue). Whatever the server sends,
 * a response's headers cost at most XFER_HEADER_BYTES here (and in
 * libcurl's own list): past that, or XFER_HEADER_LINES, the attempt
 * stops. */
static size_t header_cb(char *data, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * n;
	x->active_at = clock_now();
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		x->headers.len = 0;
		x->retry_after = -1;
		x->header_kept = false;
		/* Interim responses (103 Early Hints ...) belong to the one
		 * they precede: a flood of them meets the limits of one head. */
		if (!x->interim)
			x->header_lines = x->header_bytes = 0;
		x->interim = status_line_interim(data, len);
	}
	x->header_bytes += len;
	if (++x->header_lines > XFER_HEADER_LINES || x->header_bytes > XFER_HEADER_BYTES) {
		x->headers_too_big = true;
		return 0; /* libcurl stops the transfer */
	}
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
		return len;
	bool keep = x->env->cfg->headers_out || x->env->cfg->keep_headers;
	if (len && (data[0] == ' ' || data[0] == '\t')) {
		if (keep)
			fold_header(x, data, data + len);
		return len;
	}
	x->header_kept = false;
	const char *colon = memchr(data, ':', len);
	if (!colon || colon == data)
		return len; /* the blank line, or not a header */
	if (colon - data == 11 && strncasecmp(data, "retry-after", 11) == 0)
		parse_retry_after(x, colon + 1, (size_t)(data + len - colon - 1));
	if (colon - data == 14 && strncasecmp(data, "content-length", 14) == 0 &&
	    !http_content_length_valid(colon + 1, (size_t)(data + len - colon - 1))) {
		bad_length(x, colon + 1, data + len);
		return 0; /* libcurl stops the transfer */
	}
	if (!keep)
		return len;
	/* A NUL would cut the "name\0value\0" list: older libcurl lets
	 * one through. */
	for (const char *p = data; p < colon; p++)
		buf_addc(&x->headers, *p ? (char)tolower((unsigned char)*p) : ' ');
	buf_addc(&x->headers, '\0');
	add_value(&x->headers, colon + 1, data + len);
	buf_addc(&x->headers, '\0');
	x->header_kept = true;
	return len;
}

/* Headers whose values never reach the trace: credentials and cookies,
 * both ways. */
static const struct {
	curl_infotype type;
	const char *name;
} secret_headers[] = {
	{CURLINFO_HEADER_OUT, "Authorization"}, {CURLINFO_HEADER_OUT, "Proxy-Authorization"},
	{CURLINFO_HEADER_OUT, "Cookie"},        {CURLINFO_HEADER_IN, "Set-Cookie"},
	{CURLINFO_HEADER_IN, "Set-Cookie2"},
};

/* Whether the header line p[0..n) of this direction is a secret one:
 * then the length of its name and colon, else 0. */
static size_t secret_header(curl_infotype type, const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	if (!colon)
		return 0;
	size_t len = (size_t)(colon - p);
	for (size_t i = 0; i < sizeof secret_headers / sizeof secret_headers[0]; i++)
		if (secret_headers[i].type == type && strlen(secret_headers[i].name) == len &&
		    strncasecmp(p, secret_headers[i].name, len) == 0)
			return len + 1;
	return 0;
}

/* A token in the URL's user name shows in libcurl's own words too ("Server
 * auth using Basic with user '...'"): mask it wherever it is. */
static void hide_token_user(const struct xfer *x, struct buf *line)
{
	const char *tok = x->token_user.data;
	size_t n = x->token_user.len;
	if (!n || !line->data || !compat_memmem(line->data, line->len, tok, n))
		return;
	struct buf out = BUF_INIT;
	const char *p = line->data, *end = line->data + line->len, *hit;
	while ((hit = compat_memmem(p, (size_t)(end - p), tok, n))) {
		buf_add(&out, p, (size_t)(hit - p));
		buf_adds(&out, "***");
		p = hit + n;
	}
	buf_add(&out, p, (size_t)(end - p));
	buf_free(line);
	*line = out;
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
	struct buf b = BUF_INIT, line = BUF_INIT;
	const char *p = data, *end = data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		size_t n = (size_t)(stop - p);
		if (n && p[n - 1] == '\r')
			n--;
		buf_printf(&b, "urlfan: [%zu] %s ", x->req->index, mark);
		/* Credentials never reach the trace, nor do server bytes that
		 * a terminal would obey. */
		size_t secret = secret_header(type, p, n);
		line.len = 0;
		url_mask_text(&line, p, secret ? secret : n);
		hide_token_user(x, &line);
		termesc_append(&b, line.data ? line.data : "", line.len);
		if (secret)
			buf_adds(&b, " ***");
		buf_addc(&b, '\n');
		p = nl ? nl + 1 : end;
	}
	msg_raw(b.data ? b.data : "", b.len);
	buf_free(&b);
	buf_free(&line);
	return 0;
}

const char *xfer_method(const struct request *req, const struct config *cfg)
{
	if (req->method)
		return req->method;
	if (cfg->method)
		return cfg->method;
	if (cfg->head)
		return "HEAD";
	/* -G sends the command line's data in the query; a spec's own body
	 * is still a body. */
	return req->body || (cfg->body && !cfg->get) || cfg->nforms ? "POST" : "GET";
}

/* The command line's body for req, when req has none of its own and it is
 * not in the query (-G) or a form (-F); NULL for none. */
static const char *default_body(const struct request *req, const struct config *cfg)
{
	return req->body || cfg->get || cfg->nforms ? NULL : cfg->body;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/* The connection is up and the request goes out: from now on, time
 * without a byte counts as idle. */
static int prereq_cb(void *userp, char *conn_primary_ip, char *conn_local_ip, int primary,
		     int local)
{
	struct xfer *x = userp;
	(void)conn_primary_ip;
	(void)conn_local_ip;
	(void)primary;
	(void)local;
	x->active_at = clock_now();
	return CURL_PREREQFUNC_OK;
}
#endif

/* A request body going out is activity too, as it was for libcurl's
 * low-speed check. */
static int xferinfo_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = userp;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	if (ulnow != x->uploaded) {
		x->uploaded = ulnow;
		x->active_at = clock_now();
	}
	return 0;
}

double xfer_active_at(const struct xfer *x)
{
	return x->active_at;
}

void xfer_idle_expired(struct xfer *x, double timeout)
{
	snprintf(x->idle_message, sizeof x->idle_message,
		 "no data received or sent for %g s (--idle-timeout)", timeout);
}

/* libcurl's own socket(), but the reason for a failure is kept: running
 * out of descriptors (EMFILE) is this machine's failure, which libcurl
 * would report as a failed connect. */
static curl_socket_t opensocket_cb(void *userp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct xfer *x = userp;
	(void)purpose;
	curl_socket_t fd = compat_socket_cloexec(addr->family, addr->socktype, addr->protocol);
	if (fd == CURL_SOCKET_BAD)
		x->socket_errno = errno;
	return fd;
}

/* The handle's own callbacks, set again after every curl_easy_reset(). */
static CURLcode callbacks(struct xfer *x)
{
	CURL *e = x->easy;
	CURLcode rc;
	if ((rc = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, x)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_HEADERDATA, x)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_SHARE, x->env->share)))
		return rc;
#if LIBCURL_VERSION_NUM >= 0x075000
	if ((rc = curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_PREREQDATA, x)))
		return rc;
#endif
	if (msg_get_level() >= MSG_TRACE &&
	    ((rc = curl_easy_setopt(e, CURLOPT_VERBOSE, 1L)) ||
	     (rc = curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb)) ||
	     (rc = curl_easy_setopt(e, CURLOPT_DEBUGDATA, x))))
		return rc;
	return CURLE_OK;
}

/* Everything but the URL for a request that is not plain (or the first
 * plain one on this handle). */
static CURLcode options(struct xfer *x, const struct request *req, const char *method)
{
	const struct config *cfg = x->env->cfg;
	CURLcode rc;
	const char *body = req->body ? req->body : default_body(req, cfg);
	size_t body_len = req->body ? req->body_len : cfg->body_len;
	curl_easy_reset(x->easy);
	x->plain_ready = false;
	/* libcurl refuses early a body whose Content-Length says it will not
	 * fit. */
	long long max_body = x->body.max;
	if ((rc = callbacks(x)) || (rc = setopt_common(x->easy, cfg, &x->env->lists, max_body)) ||
	    (rc = setopt_headers(x->easy, &x->env->lists, req, &x->own_headers)) ||
	    (rc = setopt_method(x->easy, method, body, body_len)))
		return rc;
	/* With -b, the share handle's cookie store (callbacks() set the
	 * share): an empty cookie file name turns the handle's cookie engine
	 * on without reading anything. */
	if ((x->env->cfg->cookie_lines || x->env->cfg->cookie_jar) &&
	    (rc = curl_easy_setopt(x->easy, CURLOPT_COOKIEFILE, "")))
		return rc;
	/* The progress callback only tells --idle-timeout of a body going out. */
	if (body && cfg->idle_timeout > 0 &&
	    ((rc = curl_easy_setopt(x->easy, CURLOPT_XFERINFOFUNCTION, xferinfo_cb)) ||
	     (rc = curl_easy_setopt(x->easy, CURLOPT_XFERINFODATA, x)) ||
	     (rc = curl_easy_setopt(x->easy, CURLOPT_NOPROGRESS, 0L))))
		return rc;
	return CURLE_OK;
}

/* The URL to fetch: req's, with -G the command line's data added to its
 * query (before any fragment). */
static const char *request_url(struct xfer *x, const struct request *req)
{
	const struct config *cfg = x->env->cfg;
	if (!cfg->get || !cfg->body || req->body)
		return req->url;
	size_t at = strcspn(req->url, "#");
	x->url.len = 0;
	buf_add(&x->url, req->url, at);
	buf_addc(&x->url, memchr(req->url, '?', at) ? '&' : '?');
	buf_add(&x->url, cfg->body, cfg->body_len);
	buf_adds(&x->url, req->url + at);
	return x->url.data;
}

/* -N: ask for the body only when it is newer than the file already
 * there (If-Modified-Since); -R and -N: ask for Last-Modified. Set on
 * every attempt, since a handle keeps its options from one to the next. */
static CURLcode condition(struct xfer *x, const struct request *req, enum body_mode mode)
{
	const struct xfer_env *env = x->env;
	const struct config *cfg = env->cfg;
	CURLcode rc;
	x->since = -1;
	if (!cfg->newer && !cfg->remote_time)
		return CURLE_OK;
	if (cfg->newer && mode == BODY_SINK && env->sink->since) {
		struct result r;
		memset(&r, 0, sizeof r);
		r.index = req->index;
		r.id = req->id;
		r.host = req->hostkey;
		url_path(req->url, &r.path, &r.path_len);
		x->url_masked.len = 0;
		url_mask(&x->url_masked, req->url);
		r.url = x->url_masked.data;
		r.method = x->method;
		r.filetime = -1;
		x->since = env->sink->since(env->sink->ctx, &r);
	}
	if ((rc = curl_easy_setopt(x->easy, CURLOPT_FILETIME, 1L)) ||
	    (rc = curl_easy_setopt(x->easy, CURLOPT_TIMECONDITION,
				   x->since >= 0 ? (long)CURL_TIMECOND_IFMODSINCE
						 : (long)CURL_TIMECOND_NONE)))
		return rc;
	return curl_easy_setopt(x->easy, CURLOPT_TIMEVALUE_LARGE,
				(curl_off_t)(x->since >= 0 ? x->since : 0));
}

int xfer_setup(struct xfer *x, const struct xfer_env *env, struct request *req, char *err,
	       size_t errlen)
{
	const struct config *cfg = env->cfg;
	curl_slist_free_all(x->own_headers);
	x->own_headers = NULL;
	x->headers.len = 0;
	x->retry_after = -1;
	x->header_lines = x->header_bytes = 0;
	x->headers_too_big = x->header_kept = x->interim = false;
	x->framing_message[0] = '\0';
	x->idle_message[0] = '\0';
	x->uploaded = 0;
	x->socket_errno = 0;
	const char *user;
	size_t user_len;
	x->token_user.len = 0;
	if (msg_get_level() >= MSG_TRACE && url_token_user(req->url, &user, &user_len))
		buf_add(&x->token_user, user, user_len);
	/* Without a callback to say when the request goes out, idle time
	 * counts from the start. */
	x->active_at = LIBCURL_VERSION_NUM >= 0x075000 ? 0 : clock_now();
	x->errbuf[0] = '\0';
	x->own_message = NULL;
	x->req = req;
	x->env = env;

	const char *method = xfer_method(req, cfg);
	snprintf(x->method, sizeof x->method, "%s", method);
	/* A HEAD response has no body to keep or store. */
	enum body_mode mode = strcmp(method, "HEAD") == 0 ? BODY_DISCARD : env->body;
	/* --max-body guards memory; files have their own limit. */
	long long max = mode == BODY_MEMORY ? cfg->max_body
			: mode == BODY_SINK ? cfg->max_filesize
					    : 0;
	if (body_open(&x->body, mode, env->sink, max) != 0) {
		snprintf(err, errlen, "cannot store the body: %s", strerror(errno));
		return -1;
	}

	/* Options stay set from one transfer to the next: between two plain
	 * requests only the URL changes (and with it whether to wait for an
	 * HTTP/2 connection). That saves curl_easy_reset() and some twenty
	 * options a request. */
	bool plain = !req->method && !req->nheaders && !req->body && !req->body_is_json;
	CURLcode rc = CURLE_OK;
	if (!(plain && x->plain_ready))
		rc = options(x, req, method);
	if (rc == CURLE_OK)
		rc = setopt_url(x->easy, cfg, request_url(x, req));
	if (rc == CURLE_OK)
		rc = condition(x, req, mode);
	/* Per attempt: a fresh form. */
	curl_mime_free(x->mime);
	x->mime = NULL;
	if (rc == CURLE_OK && cfg->nforms && !req->body)
		rc = setopt_form(x->easy, cfg, &x->mime);
	if (rc != CURLE_OK) {
		xfer_abandon(x);
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	x->plain_ready = plain;
	return 0;
}

/* The error kind for a libcurl result code. */
static enum err_kind classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK: return ERR_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return ERR_DNS;
	case CURLE_COULDNT_CONNECT: return ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT: return ERR_TIMEOUT;
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
	case CURLE_USE_SSL_FAILED: return ERR_TLS;
	case CURLE_FILESIZE_EXCEEDED: return ERR_TOO_LARGE;
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_UNSUPPORTED_PROTOCOL: /* see xfer_finish() for HTTP/0.9 */ return ERR_REDIRECT;
	case CURLE_ABORTED_BY_CALLBACK: return ERR_ABORTED;
	case CURLE_WRITE_ERROR:
	case CURLE_READ_ERROR:
	case CURLE_OUT_OF_MEMORY: return ERR_IO;
	default:
		/* Cut-off or malformed responses, resets, HTTP/2 errors. */
		return ERR_PROTOCOL;
	}
}

/* Whether the attempt failed for want of file descriptors here (a local
 * failure, not the server's): its errno, else 0. */
static int out_of_fds(struct xfer *x, CURLcode rc)
{
	long oserr = x->socket_errno;
	if (rc == CURLE_OK)
		return 0;
	if (!oserr)
		curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &oserr);
	return oserr == EMFILE || oserr == ENFILE ? (int)oserr : 0;
}

/* The final response's status; 0 when none came (an interim 1xx one
 * is no answer). */
static long final_status(struct xfer *x)
{
	long status = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	return status >= 100 && status < 200 ? 0 : status;
}

bool xfer_answered(struct xfer *x)
{
	return final_status(x) > 0;
}

void xfer_attempt(struct xfer *x, CURLcode rc, struct retry_attempt *a)
{
	a->method = x->method;
	a->status = final_status(x);
	a->retry_after = x->retry_after;
	a->answered = a->status > 0;
	a->host_down = false;
	if (x->body.too_large || x->body.io_errno || x->headers_too_big || x->framing_message[0] ||
	    out_of_fds(x, rc)) {
		a->cause = CAUSE_FATAL;
		return;
	}
	switch (rc) {
	case CURLE_OK: a->cause = CAUSE_RESPONSE; break;
	case CURLE_COULDNT_RESOLVE_HOST: a->cause = CAUSE_DNS; break;
	case CURLE_COULDNT_CONNECT: a->cause = CAUSE_REFUSED; break;
	case CURLE_OPERATION_TIMEDOUT: a->cause = CAUSE_TIMEOUT; break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: /* the connection was reset mid-body */
	/* HTTP/2's resets: RST_STREAM with an error (CURLE_HTTP2_STREAM),
	 * a GOAWAY that ends the connection under the request or cuts its
	 * body (CURLE_HTTP2; libcurl does not say which GOAWAY, so one
	 * below the request's stream, which RFC 9113 6.8 makes safe for
	 * any method, is retried as a reset is). REFUSED_STREAM libcurl
	 * retries itself. */
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: a->cause = CAUSE_RESET; break;
	default: a->cause = CAUSE_FATAL; break;
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

void xfer_done(struct xfer *x)
{
	body_trim(&x->body);
}

void xfer_abandon(struct xfer *x)
{
	body_abandon(&x->body);
}

void xfer_set_message(struct xfer *x, const char *message)
{
	/* Not into errbuf: libcurl may still write there while the handle
	 * leaves the multi handle. */
	x->own_message = message;
}

/* Skip " WORD <digits> UNIT" at s (UNIT one of units), or return s. */
static const char *skip_count(const char *s, const char *word, const char *const *units)
{
	size_t w = strlen(word);
	if (strncmp(s, word, w) != 0 || !isdigit((unsigned char)s[w]))
		return s;
	const char *p = s + w;
	while (isdigit((unsigned char)*p))
		p++;
	for (; *units; units++)
		if (strncmp(p, *units, strlen(*units)) == 0)
			return p + strlen(*units);
	return s;
}

/* libcurl's message without what differs from one run to the next
 * ("after 4 ms", "with 12 out of 100 bytes received"): timings live in
 * the record's time fields, and records of the same list must diff. */
static void scrub_message(const char *in, char *out, size_t outlen)
{
	static const char *const ms[] = {" milliseconds", " ms", NULL};
	static const char *const of[] = {" out of ", NULL};
	static const char *const bytes[] = {" bytes received", NULL};
	size_t o = 0;
	while (*in && o + 1 < outlen) {
		const char *next = skip_count(in, " after ", ms);
		if (next == in) {
			const char *p = skip_count(in, " with ", of);
			if (p != in)
				p = skip_count(p - 1, " ", bytes);
			else
				p = skip_count(in, " with ", bytes);
			next = p;
		}
		if (next != in) {
			in = next;
			continue;
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
}

/* The error of a finished attempt, if any, into res. */
static void set_error(struct xfer *x, CURLcode rc, struct result *res)
{
	int fds;
	if (x->idle_message[0]) {
		res->error = ERR_TIMEOUT;
		res->error_message = x->idle_message;
	} else if (x->body.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		/* libcurl's own words, when Content-Length told it early,
		 * would not say which option to change. */
		res->error = ERR_TOO_LARGE;
		res->error_message = x->body.mode == BODY_SINK ? "body larger than --max-filesize"
							       : "body larger than --max-body";
	} else if (x->body.io_errno) {
		res->error = ERR_IO;
		res->error_message = strerror(x->body.io_errno);
	} else if ((fds = out_of_fds(x, rc)) != 0) {
		res->error = ERR_IO;
		snprintf(x->errbuf, sizeof x->errbuf, "cannot open a socket: %s (see ulimit -n)",
			 strerror(fds));
		res->error_message = x->errbuf;
	} else if (x->framing_message[0]) {
		res->error = ERR_PROTOCOL;
		res->error_message = x->framing_message;
	} else if (x->headers_too_big) {
		res->error = ERR_PROTOCOL;
		res->error_message =
			x->header_lines > XFER_HEADER_LINES
				? "response with more than " STR(XFER_HEADER_LINES) " header lines"
				: "response headers larger than " STR(XFER_HEADER_KIB) " KiB";
	} else if (rc == CURLE_OUT_OF_MEMORY &&
		   seconds(x->easy, CURLINFO_STARTTRANSFER_TIME_T) > 0) {
		/* libcurl's words for a header line over its 100 KB limit:
		 * the server's fault, not this machine's. */
		res->error = ERR_PROTOCOL;
		res->error_message = "response header line longer than 100 KB";
	} else if (rc == CURLE_URL_MALFORMAT && !redirected(x->easy)) {
		/* The line's own URL, which urlfan's checks let through but
		 * libcurl cannot use: most often a host name with no ASCII
		 * (IDNA) form. Not the server's doing. */
		res->error = ERR_INVALID_INPUT;
		res->error_message =
			x->errbuf[0]
				? x->errbuf
				: "the URL cannot be used: its host name has no ASCII (IDNA) form, "
				  "or its format is bad";
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL && !redirected(x->easy)) {
		/* Not a redirect to another scheme: libcurl also says this of
		 * a reply that is not HTTP at all (HTTP/0.9). */
		res->error = ERR_PROTOCOL;
		res->error_message = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	} else if ((res->error = classify(rc)) != ERR_NONE) {
		scrub_message(x->errbuf, x->message, sizeof x->message);
		res->error_message = x->own_message  ? x->own_message
				     : x->message[0] ? x->message
						     : curl_easy_strerror(rc);
	}
}

void xfer_finish(struct xfer *x, CURLcode rc, struct result *res)
{
	CURL *e = x->easy;
	x->url_masked.len = 0;
	url_mask(&x->url_masked, x->req->url);
	res->url = x->url_masked.data;
	if (strcmp(res->url, x->req->url) != 0) {
		uint64_t d[2];
		url_digest(x->req->url, d);
		url_digest_hex(d, res->url_digest);
	}
	res->method = x->method;

	long status = final_status(x), version = 0;
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
		if ((x->env->cfg->headers_out || x->env->cfg->keep_headers) &&
		    !x->headers_too_big) {
			buf_reserve(&x->headers, 0);
			res->headers = x->headers.data;
			res->headers_len = x->headers.len;
			res->headers_in_record = x->env->cfg->headers_out;
		}
	}
	char *ip = NULL;
	curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
	res->remote_ip = ip && *ip ? ip : NULL;
	if (res->remote_ip)
		curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &res->remote_port);
	curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &res->redirects);
	res->time.total = seconds(e, CURLINFO_TOTAL_TIME_T);
	res->time.dns = seconds(e, CURLINFO_NAMELOOKUP_TIME_T);
	res->time.connect = seconds(e, CURLINFO_CONNECT_TIME_T);
	res->time.tls = seconds(e, CURLINFO_APPCONNECT_TIME_T);
	res->time.ttfb = seconds(e, CURLINFO_STARTTRANSFER_TIME_T);
	res->size = x->body.size;
	res->filetime = -1;
	const struct config *cfg = x->env->cfg;
	if (cfg->remote_time || cfg->newer) {
		curl_off_t ft = -1;
		curl_easy_getinfo(e, CURLINFO_FILETIME_T, &ft);
		res->filetime = ft;
	}
	/* -N: whether the file there is kept (304), replaced by a newer
	 * copy, or a new file. */
	if (cfg->newer && x->body.mode == BODY_SINK)
		res->file_state = x->since < 0                    ? "new"
				  : status == 304                 ? "kept"
				  : status >= 200 && status < 300 ? "refreshed"
								  : "new";

	set_error(x, rc, res);
	if (res->error != ERR_NONE) {
		xfer_abandon(x);
		return;
	}
	res->ok = config_status_ok(x->env->cfg, status);
	x->file.len = 0;
	if (!res->ok && x->env->cfg->fail) {
		/* -f: as curl, no body for a response outside --ok. */
		xfer_abandon(x);
		return;
	}
	if (body_commit(&x->body, res, &x->file) != 0) {
		res->ok = false;
		res->error = ERR_IO;
		res->error_message = strerror(errno);
	} else if (x->body.mode == BODY_MEMORY) {
		res->body = x->body.mem.data ? x->body.mem.data : "";
		res->body_len = x->body.mem.len;
	} else if (x->body.mode == BODY_SINK) {
		res->file = x->file.len ? x->file.data : NULL; /* a sink may say nothing */
	}
}
