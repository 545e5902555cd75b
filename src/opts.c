#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "xalloc.h"

/* Long-only options get codes above the char range. */
enum {
	OPT_JSON = 256,
	OPT_CACERT,
	OPT_HTTP11,
	OPT_HTTP2,
	OPT_HTTP2_PRIOR,
	OPT_RESOLVE,
	OPT_UNIX_SOCKET,
	OPT_MAX_REDIRS,
	OPT_COMPRESSED,
	OPT_NO_COMPRESSED,
	OPT_CONNECT_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_MAX_BODY,
	OPT_FORMAT,
	OPT_NO_BODY,
	OPT_OK,
	OPT_COLOR,
	OPT_HEADERS,
	OPT_ORDER,
	OPT_NAME,
	OPT_OVERWRITE,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_STATS,
	OPT_DEADLINE,
	OPT_RETRY,
	OPT_RETRY_DELAY,
	OPT_RETRY_MAX_DELAY,
	OPT_RETRY_ALL_METHODS,
	OPT_SAVE_UNFINISHED,
	OPT_SKIP_DONE,
	OPT_RATE,
	OPT_HOST_RATE,
	OPT_SHARD,
	OPT_SHARD_BY,
};

/* The values an option takes by name; the first entry is also the value of
 * an optional argument left out (--stats). */
struct choice {
	const char *name;
	int value;
};

static const struct choice format_choices[] = {
	{"text", FORMAT_TEXT},
	{"ndjson", FORMAT_NDJSON},
	{"json", FORMAT_JSON},
	{"body", FORMAT_BODY},
	{NULL, 0},
};
static const struct choice color_choices[] = {
	{"auto", COLOR_AUTO},
	{"always", COLOR_ALWAYS},
	{"never", COLOR_NEVER},
	{NULL, 0},
};
static const struct choice order_choices[] = {
	{"completion", ORDER_COMPLETION},
	{"input", ORDER_INPUT},
	{NULL, 0},
};
static const struct choice stats_choices[] = {
	{"text", STATS_TEXT},
	{"json", STATS_JSON},
	{NULL, 0},
};
static const struct choice shard_by_choices[] = {
	{"index", SHARD_BY_INDEX},
	{"host", SHARD_BY_HOST},
	{NULL, 0},
};

/* The option table, the typed table after it and the usage text below are
 * kept side by side: a new option goes into the option table and the usage
 * text, and when its value is a number, a size, a duration or a choice,
 * into the typed table instead of opts_parse()'s switch (and into the man
 * page and the bash completion; tests check those). */
static const struct option options[] = {
	{"input", required_argument, NULL, 'i'},
	{"parallel", required_argument, NULL, 'j'},
	{"per-host", required_argument, NULL, 'p'},
	{"request", required_argument, NULL, 'X'},
	{"header", required_argument, NULL, 'H'},
	{"data", required_argument, NULL, 'd'},
	{"json", required_argument, NULL, OPT_JSON},
	{"user-agent", required_argument, NULL, 'A'},
	{"user", required_argument, NULL, 'u'},
	{"proxy", required_argument, NULL, 'x'},
	{"insecure", no_argument, NULL, 'k'},
	{"cacert", required_argument, NULL, OPT_CACERT},
	{"http1.1", no_argument, NULL, OPT_HTTP11},
	{"http2", no_argument, NULL, OPT_HTTP2},
	{"http2-prior-knowledge", no_argument, NULL, OPT_HTTP2_PRIOR},
	{"resolve", required_argument, NULL, OPT_RESOLVE},
	{"unix-socket", required_argument, NULL, OPT_UNIX_SOCKET},
	{"head", no_argument, NULL, 'I'},
	{"max-redirs", required_argument, NULL, OPT_MAX_REDIRS},
	{"compressed", no_argument, NULL, OPT_COMPRESSED},
	{"no-compressed", no_argument, NULL, OPT_NO_COMPRESSED},
	{"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
	{"max-time", required_argument, NULL, 'm'},
	{"max-body", required_argument, NULL, OPT_MAX_BODY},
	{"deadline", required_argument, NULL, OPT_DEADLINE},
	{"retry", required_argument, NULL, OPT_RETRY},
	{"retry-delay", required_argument, NULL, OPT_RETRY_DELAY},
	{"retry-max-delay", required_argument, NULL, OPT_RETRY_MAX_DELAY},
	{"retry-all-methods", no_argument, NULL, OPT_RETRY_ALL_METHODS},
	{"save-unfinished", required_argument, NULL, OPT_SAVE_UNFINISHED},
	{"skip-done", required_argument, NULL, OPT_SKIP_DONE},
	{"rate", required_argument, NULL, OPT_RATE},
	{"host-rate", required_argument, NULL, OPT_HOST_RATE},
	{"shard", required_argument, NULL, OPT_SHARD},
	{"shard-by", required_argument, NULL, OPT_SHARD_BY},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"no-body", no_argument, NULL, OPT_NO_BODY},
	{"ok", required_argument, NULL, OPT_OK},
	{"color", required_argument, NULL, OPT_COLOR},
	{"write-out", required_argument, NULL, 'w'},
	{"headers", no_argument, NULL, OPT_HEADERS},
	{"order", required_argument, NULL, OPT_ORDER},
	{"output-dir", required_argument, NULL, 'O'},
	{"name", required_argument, NULL, OPT_NAME},
	{"overwrite", no_argument, NULL, OPT_OVERWRITE},
	{"progress", no_argument, NULL, OPT_PROGRESS},
	{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	{"stats", optional_argument, NULL, OPT_STATS},
	{"silent", no_argument, NULL, 's'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* How a typed option's value is read, and what its message says. */
enum kind {
	KIND_LONG,    /* a decimal within [lo, hi] */
	KIND_SECONDS, /* opts_parse_seconds(): decimal seconds, 0 to 1e9 */
	KIND_SIZE,    /* opts_parse_size(), then within [lo, hi] */
	KIND_CHOICE,  /* a name from choices */
};

/* Options whose value only sets one config field, found by offset. */
struct typed {
	int code; /* as in options[] */
	enum kind kind;
	size_t offset;                /* of a long, double, long long or enum field */
	long long lo, hi;             /* KIND_LONG, KIND_SIZE: the accepted range */
	const struct choice *choices; /* KIND_CHOICE */
};

/* The offset of field f of struct config, which must have type t: an entry
 * naming the wrong type for its field fails to compile. */
#define FIELD(f, t) _Generic(((struct config *)0)->f, t : offsetof(struct config, f))

/* set_typed() stores a choice through an int pointer. */
_Static_assert(sizeof(enum format) == sizeof(int) && sizeof(enum color_mode) == sizeof(int) &&
		       sizeof(enum order) == sizeof(int) &&
		       sizeof(enum stats_mode) == sizeof(int) &&
		       sizeof(enum shard_by) == sizeof(int),
	       "choice fields are int-sized enums");

static const struct typed typed[] = {
	{'j', KIND_LONG, FIELD(parallel, long), 1, 100000, NULL},
	{OPT_MAX_REDIRS, KIND_LONG, FIELD(max_redirs, long), 0, 1000, NULL},
	{OPT_CONNECT_TIMEOUT, KIND_SECONDS, FIELD(connect_timeout, double), 0, 0, NULL},
	{OPT_IDLE_TIMEOUT, KIND_SECONDS, FIELD(idle_timeout, double), 0, 0, NULL},
	{'m', KIND_SECONDS, FIELD(max_time, double), 0, 0, NULL},
	{OPT_MAX_BODY, KIND_SIZE, FIELD(max_body, long long), 1, LLONG_MAX, NULL},
	{OPT_DEADLINE, KIND_SECONDS, FIELD(deadline, double), 0, 0, NULL},
	{OPT_RETRY, KIND_LONG, FIELD(retry, long), 0, 1000, NULL},
	{OPT_RETRY_DELAY, KIND_SECONDS, FIELD(retry_delay, double), 0, 0, NULL},
	{OPT_RETRY_MAX_DELAY, KIND_SECONDS, FIELD(retry_max_delay, double), 0, 0, NULL},
	{OPT_FORMAT, KIND_CHOICE, FIELD(format, enum format), 0, 0, format_choices},
	{OPT_COLOR, KIND_CHOICE, FIELD(color, enum color_mode), 0, 0, color_choices},
	{OPT_ORDER, KIND_CHOICE, FIELD(order, enum order), 0, 0, order_choices},
	{OPT_STATS, KIND_CHOICE, FIELD(stats, enum stats_mode), 0, 0, stats_choices},
	{OPT_SHARD_BY, KIND_CHOICE, FIELD(shard.by, enum shard_by), 0, 0, shard_by_choices},
};
#undef FIELD

static const char short_options[] = ":i:j:p:X:H:d:A:u:x:kIm:Jw:O:svhV";

static const char usage_text[] =
	"Usage: urlfan [OPTIONS] [URL...]\n"
	"       urlfan [OPTIONS] < urls.txt\n"
	"       urlfan [OPTIONS] -i requests.ndjson\n"
	"\n"
	"Fetch many URLs concurrently and print one record per request.\n"
	"Input lines are URLs or JSON request specs ({\"url\": ...}); blank lines\n"
	"and lines starting with # are skipped.\n"
	"\n"
	"Input and concurrency:\n"
	"  -i, --input FILE          read requests from FILE (- for stdin)\n"
	"  -j, --parallel N          requests in flight overall (default 50)\n"
	"  -p, --per-host N|auto[:MAX]  requests in flight per host (default 6);\n"
	"                            auto: adapt each host's limit, up to MAX (64)\n"
	"      --rate N[/s|/m|/h]    at most N request starts a second/minute/hour\n"
	"      --host-rate N[/s|/m|/h]  the same for each host\n"
	"      --shard K/N           fetch only the requests of shard K of N\n"
	"      --shard-by index|host  how requests are split (default index)\n"
	"\n"
	"HTTP:\n"
	"  -X, --request METHOD      request method\n"
	"  -H, --header 'K: V'       add a request header (repeatable)\n"
	"  -d, --data TEXT|@FILE     request body (POST unless -X)\n"
	"      --json TEXT|@FILE     JSON request body with JSON Content-Type/Accept\n"
	"  -A, --user-agent STRING   User-Agent (default urlfan/VERSION)\n"
	"  -u, --user USER:PASSWORD  server credentials\n"
	"  -x, --proxy URL           use this proxy\n"
	"  -k, --insecure            do not verify TLS certificates\n"
	"      --cacert FILE         CA certificates to verify with\n"
	"      --http1.1             use HTTP/1.1\n"
	"      --http2               use HTTP/2 where possible\n"
	"      --http2-prior-knowledge  HTTP/2 without HTTP/1.1 upgrade\n"
	"      --resolve HOST:PORT:ADDR  resolve HOST:PORT to ADDR (repeatable)\n"
	"      --unix-socket PATH    connect through this Unix socket\n"
	"  -I, --head                send HEAD requests\n"
	"      --max-redirs N        redirects to follow (default 10, 0: none)\n"
	"      --compressed          ask for compressed responses (default)\n"
	"      --no-compressed       do not ask for compressed responses\n"
	"\n"
	"Timeouts and limits:\n"
	"      --connect-timeout SECS  connect timeout (default 10)\n"
	"      --idle-timeout SECS   abort when no byte arrives for SECS (default 30)\n"
	"  -m, --max-time SECS       cap on one request (default none)\n"
	"      --max-body SIZE       longest body, K/M/G suffixes (default 100M)\n"
	"      --deadline SECS       stop the whole run after SECS, as on SIGINT\n"
	"      --retry N             retry transient failures N times (default 0)\n"
	"      --retry-delay SECS    first backoff delay (default 0.5)\n"
	"      --retry-max-delay SECS  longest backoff delay (default 30)\n"
	"      --retry-all-methods   retry non-idempotent methods too\n"
	"\n"
	"Resuming:\n"
	"      --save-unfinished FILE  when interrupted, save lines without an ok record\n"
	"      --skip-done FILE      skip requests with an ok record in FILE (ndjson)\n"
	"\n"
	"Output:\n"
	"      --format FORMAT       text, ndjson, json or body (default text)\n"
	"  -J                        same as --format ndjson\n"
	"  -w, --write-out TEMPLATE  print TEMPLATE per record, e.g. '%{status} %{url}\\n'\n"
	"      --no-body             leave bodies out of the output\n"
	"      --headers             include response headers in records\n"
	"      --order ORDER         completion (default) or input\n"
	"  -O, --output-dir DIR      write bodies to files under DIR\n"
	"      --name TEMPLATE       file names under DIR (default %{index})\n"
	"      --overwrite           replace existing files under DIR\n"
	"      --ok RANGES           statuses that count as ok (default 200-399)\n"
	"      --color WHEN          auto, always or never (default auto)\n"
	"      --progress            show the progress line even when not a terminal\n"
	"      --no-progress         never show the progress line\n"
	"      --stats[=json]        print a summary to stderr at the end\n"
	"  -s, --silent              no diagnostics but fatal ones\n"
	"  -v, --verbose             show each request's lifecycle (-vv: libcurl trace)\n"
	"  -h, --help                show this help\n"
	"  -V, --version             show urlfan's and libcurl's versions\n"
	"\n"
	"Exit status: 0 all ok, 1 some status outside --ok, 2 usage error,\n"
	"3 some request failed or some input line was invalid.\n"
	"See urlfan(1) for details.\n";

void opts_usage(FILE *to)
{
	fputs(usage_text, to);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_long(const char *s, long long lo, long long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int opts_parse_seconds(const char *s, double *out)
{
	/* Plain decimals only: strtod would also take hex floats, "inf" and
	 * "nan". */
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (s[strspn(s, "0123456789.eE+-")] != '\0' ||
	    !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -1;
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e9)
		return -1;
	*out = v;
	return 0;
}

int opts_parse_size(const char *s, long long *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		return -1;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s)
		return -1;
	long long mult = 1;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K':
		mult = 1LL << 10;
		end++;
		break;
	case 'M':
		mult = 1LL << 20;
		end++;
		break;
	case 'G':
		mult = 1LL << 30;
		end++;
		break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > (1LL << 50) / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int opts_parse_ok(const char *s, struct ok_range *ranges, size_t *n)
{
	*n = 0;
	const char *p = s;
	for (;;) {
		char *end;
		long lo = strtol(p, &end, 10), hi;
		if (end == p || !isdigit((unsigned char)*p))
			return -1;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			hi = strtol(p, &end, 10);
			p = end;
		} else {
			hi = lo;
		}
		if (lo < 100 || hi > 599 || lo > hi || *n == OK_RANGES_MAX)
			return -1;
		ranges[*n].lo = (int)lo;
		ranges[*n].hi = (int)hi;
		(*n)++;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return -1;
		p++;
	}
}

int opts_parse_rate(const char *s, double *per_second)
{
	static const struct {
		const char *unit;
		double secs;
	} units[] = {{"", 1}, {"/s", 1}, {"/m", 60}, {"/h", 3600}};
	char *end;
	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -1;
	errno = 0;
	double n = strtod(s, &end);
	if (errno || end == s || !isfinite(n) || !(n > 0) || n > 1e9 ||
	    strspn(s, "0123456789.") != (size_t)(end - s))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) == 0) {
			*per_second = n / units[i].secs;
			return 0;
		}
	}
	return -1;
}

/* -p N or auto[:MAX]. */
static int parse_per_host(const char *arg, struct config *cfg, char *err, size_t errlen)
{
	long v;
	if (strncmp(arg, "auto", 4) == 0 && (arg[4] == '\0' || arg[4] == ':')) {
		cfg->per_host_auto = true;
		cfg->per_host_max = 64;
		if (arg[4] == ':' && parse_long(arg + 5, 1, 100000, &cfg->per_host_max) != 0)
			return fail(err, errlen,
				    "--per-host: '%s' is not auto:MAX with MAX from 1 to 100000",
				    arg);
		return 0;
	}
	if (parse_long(arg, 1, 100000, &v) != 0)
		return fail(err, errlen, "--per-host: '%s' is not a number from 1 to 100000%s", arg,
			    isdigit((unsigned char)arg[0]) || arg[0] == '-' ? ""
									    : ", auto or auto:MAX");
	cfg->per_host = v;
	cfg->per_host_auto = false;
	return 0;
}

static int set_rate(const char *opt, const char *arg, double *out, char *err, size_t errlen)
{
	if (opts_parse_rate(arg, out) == 0)
		return 0;
	return fail(err, errlen, "--%s: '%s' is not a rate above 0 like 10, 10/s, 600/m or 1000/h",
		    opt, arg);
}

bool opts_status_ok(const struct config *cfg, long status)
{
	for (size_t i = 0; i < cfg->nok; i++)
		if (status >= cfg->ok[i].lo && status <= cfg->ok[i].hi)
			return true;
	return false;
}

/* Read a whole file for -d @FILE / --json @FILE ("-" is stdin). */
static int slurp(const char *path, struct buf *out, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return fail(err, errlen, "cannot read '%s': %s", path, strerror(errno));
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(out, chunk, n);
	int bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad)
		return fail(err, errlen, "cannot read '%s'", path);
	return 0;
}

/* Add one -d or --json argument to the body. Repeated -d parts are joined
 * with '&' as curl does; repeated --json parts are concatenated. */
static int add_body(struct config *cfg, const char *arg, bool json, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	if (cfg->body) {
		buf_add(&b, cfg->body, cfg->body_len);
		if (!json)
			buf_addc(&b, '&');
	}
	if (arg[0] == '@') {
		if (slurp(arg + 1, &b, err, errlen) != 0) {
			buf_free(&b);
			return -1;
		}
	} else {
		buf_adds(&b, arg);
	}
	free(cfg->body);
	buf_addc(&b, '\0'); /* keep an empty body non-NULL */
	cfg->body = b.data;
	cfg->body_len = b.len - 1;
	if (json)
		cfg->body_is_json = true;
	return 0;
}

static void defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->parallel = 50;
	cfg->per_host = 6;
	cfg->user_agent = "urlfan/" URLFAN_VERSION;
	cfg->max_redirs = 10;
	cfg->compressed = true;
	cfg->connect_timeout = 10;
	cfg->idle_timeout = 30;
	cfg->max_body = 100LL << 20;
	cfg->retry_delay = 0.5;
	cfg->retry_max_delay = 30;
	cfg->ok[0].lo = 200;
	cfg->ok[0].hi = 399;
	cfg->nok = 1;
}

static const char *option_name(int c, char *tmp)
{
	for (const struct option *o = options; o->name; o++)
		if (o->val == c)
			return o->name;
	tmp[0] = (char)c;
	tmp[1] = '\0';
	return tmp;
}

/* Set *out to the value named arg, or fail with a message that lists the
 * names. */
static int parse_choice(const char *opt, const char *arg, const struct choice *choices, int *out,
			char *err, size_t errlen)
{
	for (const struct choice *c = choices; c->name; c++) {
		if (strcmp(arg, c->name) == 0) {
			*out = c->value;
			return 0;
		}
	}
	struct buf names = BUF_INIT;
	for (const struct choice *c = choices; c->name; c++)
		buf_printf(&names, "%s%s", c == choices ? "" : ", ", c->name);
	fail(err, errlen, "--%s: '%s' is not one of %s", opt, arg, names.data);
	buf_free(&names);
	return -1;
}

/* Store arg, read as t says, in t's field of cfg. arg is NULL only for an
 * optional argument left out. */
static int set_typed(const struct typed *t, const char *arg, struct config *cfg, char *err,
		     size_t errlen)
{
	char tmp[2];
	const char *name = option_name(t->code, tmp);
	void *field = (char *)cfg + t->offset;
	switch (t->kind) {
	case KIND_LONG:
		if (parse_long(arg, t->lo, t->hi, field) == 0)
			return 0;
		return fail(err, errlen, "--%s: '%s' is not a number from %lld to %lld", name, arg,
			    t->lo, t->hi);
	case KIND_SECONDS:
		if (opts_parse_seconds(arg, field) == 0)
			return 0;
		return fail(err, errlen, "--%s: '%s' is not a number of seconds", name, arg);
	case KIND_SIZE: {
		long long v;
		if (opts_parse_size(arg, &v) == 0 && v >= t->lo && v <= t->hi) {
			*(long long *)field = v;
			return 0;
		}
		return fail(err, errlen, "--%s: '%s' is not a size like 512K, 100M or 2G", name,
			    arg);
	}
	case KIND_CHOICE:
		if (!arg) {
			*(int *)field = t->choices[0].value;
			return 0;
		}
		return parse_choice(name, arg, t->choices, field, err, errlen);
	}
	return -1;
}

static const struct typed *find_typed(int code)
{
	for (size_t i = 0; i < sizeof typed / sizeof *typed; i++)
		if (typed[i].code == code)
			return &typed[i];
	return NULL;
}

/* getopt_long() returned ':' or '?': name the option as the user wrote it. */
static enum opts_action getopt_error(int c, char **argv, char *err, size_t errlen)
{
	const char *arg = argv[optind - 1];
	const char *eq = strchr(arg, '=');
	bool is_long = strncmp(arg, "--", 2) == 0;
	if (c == ':')
		fail(err, errlen, "option '%s' needs a value", arg);
	else if (is_long && eq && optopt)
		fail(err, errlen, "option '%.*s' takes no value", (int)(eq - arg), arg);
	else if (is_long || !optopt)
		fail(err, errlen, "unknown option '%s'", arg);
	else
		fail(err, errlen, "unknown option '-%c'", optopt);
	return OPTS_ERROR;
}

enum opts_action opts_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	defaults(cfg);
	const char *why;
	int c;
	/* Our own messages, naming the option, replace getopt's. */
	opterr = 0;
	optind = 0; /* 0, not 1: also resets glibc's state inside grouped flags */
	while ((c = getopt_long(argc, argv, short_options, options, NULL)) != -1) {
		const struct typed *t = find_typed(c);
		if (t) {
			if (set_typed(t, optarg, cfg, err, errlen) != 0)
				return OPTS_ERROR;
			continue;
		}
		int rc = 0;
		switch (c) {
		case 'i': cfg->input = optarg; break;
		case 'X':
			if (!http_is_method(optarg, strlen(optarg)))
				rc = fail(err, errlen, "--request: '%s' is not a valid method",
					  optarg);
			cfg->method = optarg;
			break;
		case 'H':
			if (http_check_header(optarg, strlen(optarg), &why) != 0) {
				rc = fail(err, errlen, "--header '%s': %s", optarg, why);
				break;
			}
			cfg->headers =
				xrealloc(cfg->headers, (cfg->nheaders + 1) * sizeof *cfg->headers);
			cfg->headers[cfg->nheaders++] = optarg;
			break;
		case 'd': rc = add_body(cfg, optarg, false, err, errlen); break;
		case OPT_JSON: rc = add_body(cfg, optarg, true, err, errlen); break;
		case 'A': cfg->user_agent = optarg; break;
		case 'u': cfg->user = optarg; break;
		case 'x': cfg->proxy = optarg; break;
		case 'k': cfg->insecure = true; break;
		case OPT_CACERT: cfg->cacert = optarg; break;
		case OPT_HTTP11: cfg->http_version = HTTPV_1_1; break;
		case OPT_HTTP2: cfg->http_version = HTTPV_2; break;
		case OPT_HTTP2_PRIOR: cfg->http_version = HTTPV_2_PRIOR; break;
		case OPT_RESOLVE:
			if (strchr(optarg, ':') == NULL)
				rc = fail(err, errlen, "--resolve: '%s' is not HOST:PORT:ADDR",
					  optarg);
			cfg->resolve =
				xrealloc(cfg->resolve, (cfg->nresolve + 1) * sizeof *cfg->resolve);
			cfg->resolve[cfg->nresolve++] = optarg;
			break;
		case OPT_UNIX_SOCKET: cfg->unix_socket = optarg; break;
		case 'I': cfg->head = true; break;
		case OPT_COMPRESSED: cfg->compressed = true; break;
		case OPT_NO_COMPRESSED: cfg->compressed = false; break;
		case 'J': cfg->format = FORMAT_NDJSON; break;
		case OPT_NO_BODY: cfg->no_body = true; break;
		case OPT_OK:
			if (opts_parse_ok(optarg, cfg->ok, &cfg->nok))
				rc = fail(err, errlen,
					  "--ok: '%s' is not a list of statuses and ranges like "
					  "200,300-399",
					  optarg);
			break;
		case 'w': cfg->write_out = optarg; break;
		case OPT_HEADERS: cfg->headers_out = true; break;
		case 'O':
			if (!*optarg)
				rc = fail(err, errlen, "--output-dir: the directory name is empty");
			cfg->output_dir = optarg;
			break;
		case OPT_NAME:
			if (!*optarg)
				rc = fail(err, errlen, "--name: the template is empty");
			cfg->name = optarg;
			break;
		case OPT_OVERWRITE: cfg->overwrite = true; break;
		case OPT_PROGRESS: cfg->progress = TOGGLE_ON; break;
		case OPT_NO_PROGRESS: cfg->progress = TOGGLE_OFF; break;
		case OPT_RETRY_ALL_METHODS: cfg->retry_all_methods = true; break;
		case OPT_SAVE_UNFINISHED: cfg->save_unfinished = optarg; break;
		case OPT_SKIP_DONE: cfg->skip_done = optarg; break;
		case 'p': rc = parse_per_host(optarg, cfg, err, errlen); break;
		case OPT_RATE: rc = set_rate("rate", optarg, &cfg->rate, err, errlen); break;
		case OPT_HOST_RATE:
			rc = set_rate("host-rate", optarg, &cfg->host_rate, err, errlen);
			break;
		case OPT_SHARD:
			if (shard_parse(optarg, &cfg->shard) != 0)
				rc = fail(err, errlen,
					  "--shard: '%s' is not K/N with 1 <= K <= N, like 2/4",
					  optarg);
			break;
		case 's': cfg->silent = true; break;
		case 'v': cfg->verbose++; break;
		case 'h': return OPTS_HELP;
		case 'V': return OPTS_VERSION;
		default: return getopt_error(c, argv, err, errlen);
		}
		if (rc)
			return OPTS_ERROR;
	}
	cfg->urls = argv + optind;
	cfg->nurls = (size_t)(argc - optind);
	if (cfg->name && !cfg->output_dir) {
		fail(err, errlen, "--name needs --output-dir");
		return OPTS_ERROR;
	}
	if (cfg->input && cfg->nurls) {
		fail(err, errlen, "URL arguments and --input cannot be used together");
		return OPTS_ERROR;
	}
	if (cfg->shard.by != SHARD_BY_INDEX && cfg->shard.n == 0) {
		fail(err, errlen, "--shard-by needs --shard");
		return OPTS_ERROR;
	}
	/* -p auto never goes above -j: more could never run. */
	if (cfg->per_host_auto && cfg->per_host_max > cfg->parallel)
		cfg->per_host_max = cfg->parallel;
	return OPTS_RUN;
}

void opts_free(struct config *cfg)
{
	free(cfg->headers);
	free(cfg->resolve);
	free(cfg->body);
	cfg->headers = NULL;
	cfg->resolve = NULL;
	cfg->body = NULL;
}
