#include "result.h"

#include <string.h>

#include "url.h"

const char *result_header_value(const char *name)
{
	return name + strlen(name) + 1;
}

const char *result_header_next(const char *name)
{
	const char *value = result_header_value(name);
	return value + strlen(value) + 1;
}

const char *result_kind_name(enum err_kind kind)
{
	static const char *const names[] = {
		[ERR_NONE] = NULL,
		[ERR_INVALID_INPUT] = "invalid_input",
		[ERR_DNS] = "dns",
		[ERR_CONNECT] = "connect",
		[ERR_TLS] = "tls",
		[ERR_TIMEOUT] = "timeout",
		[ERR_TOO_LARGE] = "too_large",
		[ERR_PROTOCOL] = "protocol",
		[ERR_REDIRECT] = "redirect",
		[ERR_ABORTED] = "aborted",
		[ERR_IO] = "io",
	};
	return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : NULL;
}

void result_describe(struct result *res, const struct request *req, long attempts)
{
	memset(res, 0, sizeof *res);
	res->index = req->index;
	res->id = req->id;
	res->line = req->line;
	res->line_len = req->line_len;
	res->host = req->error ? "" : req->hostkey;
	if (!req->error)
		url_path(req->url, &res->path, &res->path_len);
	res->attempts = attempts;
}
