#include "version.h"

#include <curl/curl.h>

#include "poller.h"

/* The libcurl features urlfan makes use of, in curl -V's names, and for
 * what. */
static const struct {
	const char *name;
	int bit;
} features[] = {
	{"AsynchDNS", CURL_VERSION_ASYNCHDNS},      /* name lookups that do not stop the loop */
	{"brotli", CURL_VERSION_BROTLI},            /* Accept-Encoding: br */
	{"HTTP2", CURL_VERSION_HTTP2},              /* --http2, multiplexing */
	{"HTTPS-proxy", CURL_VERSION_HTTPS_PROXY},  /* -x https://... */
	{"IDN", CURL_VERSION_IDN},                  /* host names beyond ASCII */
	{"IPv6", CURL_VERSION_IPV6},                /* -6, [::1] */
	{"libz", CURL_VERSION_LIBZ},                /* gzip, deflate */
	{"SSL", CURL_VERSION_SSL},                  /* https:// */
	{"UnixSockets", CURL_VERSION_UNIX_SOCKETS}, /* --unix-socket */
#ifdef CURL_VERSION_ZSTD
	{"zstd", CURL_VERSION_ZSTD}, /* Accept-Encoding: zstd */
#endif
};

void version_text(struct buf *out)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	buf_printf(out, "urlfan %s\n%s\n", URLFAN_VERSION, curl_version());
	buf_printf(out, "libcurl: %s (built with %s)\n", v->version, LIBCURL_VERSION);
	buf_printf(out, "TLS backend: %s\n", v->ssl_version ? v->ssl_version : "none");
	for (int has = 1; has >= 0; has--) {
		struct buf line = BUF_INIT;
		for (size_t i = 0; i < sizeof features / sizeof features[0]; i++)
			if (!(v->features & features[i].bit) == !has)
				buf_printf(&line, " %s", features[i].name);
		if (line.len)
			buf_printf(out, "%s:%.*s\n", has ? "Features" : "Missing", (int)line.len,
				   line.data);
		buf_free(&line);
	}
	buf_printf(out, "Poller: %s\n", poller_name());
}
