/* config: what the user asked for, as plain data.
 *
 * opts.c fills a struct config from the command line; every other module
 * sees only this header, so nothing below main depends on the parser. No
 * libcurl here either: xfer.c and setopt.c turn the config into easy-handle
 * options. Strings in a config point into argv or are owned by the config
 * (opts_free() frees them). */
#ifndef URLFAN_CONFIG_H
#define URLFAN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "shard.h"

enum format { FORMAT_TEXT, FORMAT_NDJSON, FORMAT_JSON, FORMAT_BODY };
enum order { ORDER_COMPLETION, ORDER_INPUT };
enum toggle { TOGGLE_AUTO, TOGGLE_ON, TOGGLE_OFF };
enum stats_mode { STATS_NONE, STATS_TEXT, STATS_JSON };
enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
enum http_version { HTTPV_DEFAULT, HTTPV_1_1, HTTPV_2, HTTPV_2_PRIOR };

struct ok_range {
	int lo, hi;
};

#define OK_RANGES_MAX 64

struct config {
	/* Input. */
	char **urls; /* --url and positional URLs in command-line order:
		      an owned array of argv strings */
	size_t nurls;
	const char *input; /* -i FILE, "-" for stdin; NULL: args or stdin */

	/* Concurrency. */
	long parallel;
	long per_host;

	/* HTTP. */
	const char *method;   /* -X, NULL: GET, POST with a body, HEAD with -I */
	const char **headers; /* -H lines, validated, owned array */
	size_t nheaders;
	char *body; /* -d / --json, owned; NULL when none */
	size_t body_len;
	bool body_is_json; /* --json: also set the JSON content headers */
	const char *user_agent;
	const char *user;
	const char *proxy;
	bool insecure;
	const char *cacert;
	enum http_version http_version;
	const char **resolve; /* owned array of argv strings */
	size_t nresolve;
	const char *unix_socket;
	bool head;
	long max_redirs;
	bool compressed;

	/* Timeouts and limits, seconds (0: none). */
	double connect_timeout;
	double idle_timeout;
	double max_time;
	long long max_body;     /* bodies kept in memory */
	long long max_filesize; /* -O files (0: no limit) */
	double deadline;        /* --deadline: the whole run (0: none) */

	/* Retries. */
	long retry; /* more tries after the first */
	double retry_delay;
	double retry_max_delay;
	bool retry_all_methods;

	/* Resuming. */
	const char *save_unfinished;
	const char *skip_done;

	/* Output. */
	enum format format;
	const char *write_out; /* -w template, NULL: the format */
	bool no_body;
	bool headers_out; /* --headers: response headers in records */
	enum order order;
	const char *output_dir; /* -O: bodies to files under it */
	const char *name;       /* --name template for -O */
	bool overwrite;
	enum toggle progress;
	enum stats_mode stats;
	struct ok_range ok[OK_RANGES_MAX];
	size_t nok;
	enum color_mode color;
	int verbose;
	bool silent;

	/* curl's vocabulary. */
	bool show_error;           /* -S: with -s, error messages still shown */
	bool fail;                 /* -f: bodies of responses outside --ok left out */
	bool all_bodies;           /* --all-bodies: --format body writes those too */
	int ip_version;            /* -4 / -6; 0: either */
	bool get;                  /* -G: the body goes into the query, GET */
	const char *referer;       /* -e */
	char *cookie;              /* -b NAME=VALUE strings joined by "; ", owned */
	char *cookie_lines;        /* -b FILE: the files' lines, owned */
	const char *noproxy;       /* --noproxy */
	bool netrc;                /* -n, --netrc */
	const char *netrc_file;    /* --netrc-file */
	char *cert;                /* -E, --cert FILE (owned copy) */
	const char *cert_password; /* -E FILE:PASSWORD */
	const char *key;           /* --key */
	const char *cert_type;     /* --cert-type */
	const char **forms;        /* -F parts as given (checked), owned array */
	size_t nforms;
	/* Per -F part: the contents of a file that is not a regular one (a
	 * pipe, a FIFO), read once at the start since it cannot be read
	 * again; data NULL for a value or a regular file. Owned. */
	struct opts_form_data {
		char *data;
		size_t len;
	} * form_data;
	long long limit_rate; /* --limit-rate, bytes per second; 0: none */
	bool keep_headers;    /* a -w or --name template reads headers */
	char *userpwd;        /* "USER:PASSWORD" after a prompt, owned */
	/* Politeness and scale. */
	double rate;        /* --rate: starts a second overall; 0: no limit */
	double host_rate;   /* --host-rate: starts a second per host; 0: none */
	bool per_host_auto; /* -p auto: per_host_max is the ceiling */
	long per_host_max;  /* -p auto's MAX (default 64), at most --parallel */
	struct shard shard; /* --shard, --shard-by */
};

/* Whether status counts as ok under cfg's --ok ranges. */
static inline bool config_status_ok(const struct config *cfg, long status)
{
	for (size_t i = 0; i < cfg->nok; i++)
		if (status >= cfg->ok[i].lo && status <= cfg->ok[i].hi)
			return true;
	return false;
}

#endif
