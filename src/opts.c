#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "http.h"
#include "suggest.h"
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
	OPT_MAX_FILESIZE,
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
	OPT_URL,
	OPT_DATA_BINARY,
	OPT_DATA_RAW,
	OPT_DATA_URLENCODE,
	OPT_NOPROXY,
	OPT_NETRC_FILE,
	OPT_KEY,
	OPT_CERT_TYPE,
	OPT_LIMIT_RATE,
	OPT_ALL_BODIES,
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
 * kept side by side. Adding an option:
 *   - here: the option table (an OPT_ code above for a long-only one), the
 *     usage text, and the typed table when its value is a number, a size,
 *     a duration or a choice, else a case in opts_parse()'s switch;
 *   - its field in struct config (config.h);
 *   - setopt.c when it becomes a libcurl option (one of its groups);
 *   - man/urlfan.1.scd, and the bash, zsh and fish completions in
 *     completions/ (test_output.py and test_docs.py check that they list
 *     the same long options as --help);
 *   - tests: tests/README.md says where. */
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
	{"max-filesize", required_argument, NULL, OPT_MAX_FILESIZE},
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
	/* curl's spellings (curl(1) says what they do). */
	{"url", required_argument, NULL, OPT_URL},
	{"location", no_argument, NULL, 'L'},
	{"show-error", no_argument, NULL, 'S'},
	{"fail", no_argument, NULL, 'f'},
	{"all-bodies", no_argument, NULL, OPT_ALL_BODIES},
	{"ipv4", no_argument, NULL, '4'},
	{"ipv6", no_argument, NULL, '6'},
	{"data-binary", required_argument, NULL, OPT_DATA_BINARY},
	{"data-raw", required_argument, NULL, OPT_DATA_RAW},
	{"data-urlencode", required_argument, NULL, OPT_DATA_URLENCODE},
	{"get", no_argument, NULL, 'G'},
	{"form", required_argument, NULL, 'F'},
	{"referer", required_argument, NULL, 'e'},
	{"cookie", required_argument, NULL, 'b'},
	{"noproxy", required_argument, NULL, OPT_NOPROXY},
	{"netrc", no_argument, NULL, 'n'},
	{"netrc-file", required_argument, NULL, OPT_NETRC_FILE},
	{"cert", required_argument, NULL, 'E'},
	{"key", required_argument, NULL, OPT_KEY},
	{"cert-type", required_argument, NULL, OPT_CERT_TYPE},
	{"limit-rate", required_argument, NULL, OPT_LIMIT_RATE},
	{NULL, 0, NULL, 0},
};

/* curl options urlfan does not take, with what to type instead: a curl
 * user's fingers type them anyway. short_name 0: long only; long_name
 * NULL: short only (curl's long name means something else here). */
static const struct curl_only {
	char short_name;
	const char *long_name;
	const char *instead;
} curl_only[] = {
	{'o', "output", "use -O DIR --name TEMPLATE, or --format body > FILE"},
	{'c', "cookie-jar", "urlfan keeps no cookie jar; -J --headers shows each set-cookie"},
	{'T', "upload-file", "use -X PUT -d @FILE"},
	{'D', "dump-header", "use --headers (in -J records too)"},
	{0, "include", "use --headers (urlfan's -i is --input)"},
	{'r', "range", "use -H 'Range: bytes=START-END'"},
	{'K', "config", "put the options in a script or a shell alias"},
	{'#', "progress-bar",
	 "the progress line is on by default on a terminal; --progress forces it"},
	{'N', "no-buffer", "records are written as soon as they are whole"},
	{'Z', NULL, "urlfan always runs requests in parallel; -j N says how many"},
	{0, "parallel-max", "use -j N"},
	{'g', "globoff", "urlfan does no URL globbing: every URL is used as written"},
	{'y', "speed-time", "use --idle-timeout SECS"},
	{'Y', "speed-limit", "use --idle-timeout SECS"},
	{'U', "proxy-user",
	 "put the credentials in the proxy URL: -x http://USER:PASSWORD@HOST:PORT"},
	{0, "remote-name", "use -O DIR --name '%{path}'"},
	{0, "remote-name-all", "use -O DIR --name '%{path}'"},
	{0, "retry-connrefused", "--retry retries refused connections already"},
	{0, "fail-with-body", "without -f the bodies of failed responses are kept"},
	{0, "trace", "use -vv"},
	{0, "trace-ascii", "use -vv"},
	{0, "create-dirs", "-O creates the directories it needs"},
	{0, "http3", "urlfan speaks HTTP/1.1 and HTTP/2"},
};

/* The largest size opts_parse_size() accepts (1 PiB, 1048576G), and the
 * most seconds opts_parse_seconds() does (some 31 years). */
#define SIZE_MAX_VALUE (1LL << 50)
#define SECONDS_MAX 1e9

/* How a typed option's value is read, and what its message says. */
enum kind {
	KIND_LONG,    /* a decimal within [lo, hi] */
	KIND_SECONDS, /* opts_parse_seconds(): decimal seconds, 0 to SECONDS_MAX */
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
	{OPT_MAX_BODY, KIND_SIZE, FIELD(max_body, long long), 1, SIZE_MAX_VALUE, NULL},
	{OPT_MAX_FILESIZE, KIND_SIZE, FIELD(max_filesize, long long), 1, SIZE_MAX_VALUE, NULL},
	{OPT_DEADLINE, KIND_SECONDS, FIELD(deadline, double), 0, 0, NULL},
	{OPT_RETRY, KIND_LONG, FIELD(retry, long), 0, 1000, NULL},
	{OPT_RETRY_DELAY, KIND_SECONDS, FIELD(retry_delay, double), 0, 0, NULL},
	{OPT_RETRY_MAX_DELAY, KIND_SECONDS, FIELD(retry_max_delay, double), 0, 0, NULL},
	{OPT_FORMAT, KIND_CHOICE, FIELD(format, enum format), 0, 0, format_choices},
	{OPT_COLOR, KIND_CHOICE, FIELD(color, enum color_mode), 0, 0, color_choices},
	{OPT_ORDER, KIND_CHOICE, FIELD(order, enum order), 0, 0, order_choices},
	{OPT_STATS, KIND_CHOICE, FIELD(stats, enum stats_mode), 0, 0, stats_choices},
	{OPT_LIMIT_RATE, KIND_SIZE, FIELD(limit_rate, long long), 0, SIZE_MAX_VALUE, NULL},
	{OPT_SHARD_BY, KIND_CHOICE, FIELD(shard.by, enum shard_by), 0, 0, shard_by_choices},
};
#undef FIELD

/* "-": URLs come back in order (code 1) among the options, so --url and
 * positional URLs keep the order they were typed in. ":": missing values
 * are reported as ':'. */
static const char short_options[] = "-:i:j:p:X:H:d:A:u:x:kIm:Jw:O:svhVLSf46Ge:b:nE:F:";

/* In parts: ISO C promises string literals of only 4095 bytes. */
static const char *const usage_text[] = {
	"Usage: urlfan [OPTIONS] [URL...]\n"
	"       urlfan [OPTIONS] < urls.txt\n"
	"       urlfan [OPTIONS] -i requests.ndjson\n"
	"\n"
	"Fetch many URLs concurrently and print one record per request.\n"
	"Input lines are URLs or JSON request specs ({\"url\": ...}); blank lines\n"
	"and lines starting with # are skipped. A URL without a scheme is taken\n"
	"as http://, as curl does.\n"
	"\n",
	"Input and concurrency:\n"
	"  -i, --input FILE          read requests from FILE (- for stdin)\n"
	"      --url URL             one more URL (repeatable)\n"
	"  -j, --parallel N          requests in flight overall (default 50)\n"
	"  -p, --per-host N|auto[:MAX]  requests in flight per host (default 6);\n"
	"                            auto: adapt each host's limit, up to MAX (64)\n"
	"      --rate N[/s|/m|/h]    at most N request starts a second/minute/hour\n"
	"      --host-rate N[/s|/m|/h]  the same for each host\n"
	"      --shard K/N           fetch only the requests of shard K of N\n"
	"      --shard-by index|host  how requests are split (default index)\n"
	"\n",
	"HTTP (curl's options, with curl's meaning):\n"
	"  -X, --request METHOD      request method\n"
	"  -H, --header 'K: V'       add a request header (repeatable)\n"
	"  -d, --data TEXT|@FILE     request body (POST unless -X); parts joined by &\n"
	"      --data-binary TEXT|@FILE  the same as -d\n"
	"      --data-raw TEXT       request body; a leading @ is just a character\n"
	"      --data-urlencode [NAME=]TEXT|[NAME]@FILE  a URL-encoded body part\n"
	"      --json TEXT|@FILE     JSON request body with JSON Content-Type/Accept\n"
	"  -F, --form NAME=VALUE|NAME=@FILE  a multipart form part (repeatable)\n"
	"  -G, --get                 send the -d data in the URL's query, with GET\n"
	"  -A, --user-agent STRING   User-Agent (default urlfan/VERSION)\n"
	"  -e, --referer URL         Referer header\n"
	"  -b, --cookie NAME=VAL|FILE  send cookies: a string, or a cookie file\n"
	"  -u, --user USER[:PASSWORD]  server credentials (asks on a terminal)\n"
	"  -n, --netrc               server credentials from ~/.netrc\n"
	"      --netrc-file FILE     server credentials from FILE\n"
	"  -x, --proxy URL           use this proxy\n"
	"      --noproxy HOSTS       comma-separated hosts to reach without a proxy\n"
	"  -k, --insecure            do not verify TLS certificates\n"
	"      --cacert FILE         CA certificates to verify with\n"
	"  -E, --cert FILE[:PASSWORD]  TLS client certificate\n"
	"      --key FILE            private key of the client certificate\n"
	"      --cert-type TYPE      client certificate type: PEM, DER or P12\n"
	"      --http1.1             use HTTP/1.1\n"
	"      --http2               use HTTP/2 where possible\n"
	"      --http2-prior-knowledge  HTTP/2 without HTTP/1.1 upgrade\n"
	"  -4, --ipv4                connect over IPv4 only\n"
	"  -6, --ipv6                connect over IPv6 only\n"
	"      --resolve HOST:PORT:ADDR  resolve HOST:PORT to ADDR (repeatable)\n"
	"      --unix-socket PATH    connect through this Unix socket\n"
	"  -I, --head                send HEAD requests\n"
	"  -L, --location            follow redirects (always on; see --max-redirs)\n"
	"      --max-redirs N        redirects to follow (default 10, 0: none)\n"
	"      --compressed          ask for compressed responses (default)\n"
	"      --no-compressed       do not ask for compressed responses\n"
	"      --limit-rate SPEED    cap each transfer's speed, bytes/s (K, M, G)\n"
	"\n",
	"Timeouts and limits:\n"
	"      --connect-timeout SECS  connect timeout (default 10)\n"
	"      --idle-timeout SECS   abort when no byte arrives for SECS (default 30)\n"
	"  -m, --max-time SECS       cap on one request (default none)\n"
	"      --max-body SIZE       longest body kept in memory, K/M/G (default 100M)\n"
	"      --max-filesize SIZE   longest body written to a file with -O (default none)\n"
	"      --deadline SECS       stop the whole run after SECS, as on SIGINT\n"
	"      --retry N             retry transient failures N times (default 0)\n"
	"      --retry-delay SECS    first backoff delay (default 0.5)\n"
	"      --retry-max-delay SECS  longest backoff delay (default 30)\n"
	"      --retry-all-methods   retry non-idempotent methods too\n"
	"\n",
	"Resuming:\n"
	"      --save-unfinished FILE  when interrupted, save lines without an ok record\n"
	"      --skip-done FILE      skip requests with an ok record in FILE (ndjson)\n"
	"\n",
	"Output:\n"
	"      --format FORMAT       text, ndjson, json or body (default text)\n"
	"  -J                        same as --format ndjson\n"
	"  -w, --write-out TEMPLATE  print TEMPLATE per record, e.g. '%{status} %{url}\\n'\n"
	"      --no-body             leave bodies out of the output\n"
	"  -f, --fail                leave out the bodies of responses outside --ok\n"
	"      --all-bodies          --format body: bodies of responses outside --ok too\n"
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
	"  -s, --silent              no progress, no summary, no diagnostics but fatal ones\n"
	"  -S, --show-error          with -s, still show error messages\n"
	"  -v, --verbose             show each request's lifecycle (-vv: libcurl trace)\n"
	"  -h, --help                show this help\n"
	"  -V, --version             show urlfan's and libcurl's versions\n"
	"\n",
	"Exit status: 0 all ok, 1 some status outside --ok, 2 usage error,\n"
	"3 some request failed or some input line was invalid.\n"
	"See urlfan(1) for details.\n",
};

void opts_usage(FILE *to)
{
	for (size_t i = 0; i < sizeof usage_text / sizeof *usage_text; i++)
		fputs(usage_text[i], to);
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

/* Seconds as opts_parse_seconds() takes them; *range tells a number out
 * of range from text that is no number at all. */
static int parse_seconds(const char *s, double *out, bool *range)
{
	/* Plain decimals only: strtod would also take hex floats, "inf" and
	 * "nan". */
	char *end;
	*range = false;
	if (s[strspn(s, "0123456789.eE+-")] != '\0' ||
	    !(isdigit((unsigned char)s[0]) || s[0] == '.' ||
	      (s[0] == '-' && (isdigit((unsigned char)s[1]) || s[1] == '.'))))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end)
		return -1;
	if (errno || !isfinite(v) || s[0] == '-' || v > SECONDS_MAX) {
		*range = true;
		return -1;
	}
	*out = v;
	return 0;
}

int opts_parse_seconds(const char *s, double *out)
{
	bool range;
	return parse_seconds(s, out, &range);
}

/* A size as opts_parse_size() takes it; *range tells a size out of range
 * from text that is no size at all. */
static int parse_size(const char *s, long long *out, bool *range)
{
	const char *p = s;
	long long whole = 0, frac = 0, scale = 1;
	bool has_frac = false;
	*range = false;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++)
		if (whole <= SIZE_MAX_VALUE)
			whole = whole * 10 + (*p - '0');
	if (*p == '.') {
		has_frac = true;
		if (!isdigit((unsigned char)*++p))
			return -1;
		/* Nine digits are more than a byte's worth of GiB. */
		for (; isdigit((unsigned char)*p); p++) {
			if (scale < 1000000000) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
		}
	}
	int shift = 0;
	switch (toupper((unsigned char)*p)) {
	case '\0': break;
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	default: return -1;
	}
	if (shift) {
		p++;
		if ((*p == 'i' || *p == 'I') && (p[1] == 'B' || p[1] == 'b'))
			p += 2;
		else if (*p == 'B' || *p == 'b')
			p++;
	} else if (has_frac) {
		return -1; /* no fraction of a byte */
	}
	if (*p)
		return -1;
	long long mult = 1LL << shift;
	/* frac < scale <= 1e9 and mult <= 2^30: frac * mult fits. */
	if (whole > SIZE_MAX_VALUE / mult || whole * mult + frac * mult / scale > SIZE_MAX_VALUE) {
		*range = true;
		return -1;
	}
	*out = whole * mult + frac * mult / scale;
	return 0;
}

int opts_parse_size(const char *s, long long *out)
{
	bool range;
	return parse_size(s, out, &range);
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

/* Read a whole file for -d @FILE / --json @FILE / -b FILE / -F ("-" is
 * stdin): at most OPTS_FILE_MAX bytes of one that is not a regular file
 * (or is but grows past its size and that), so an endless one is refused
 * instead of filling memory. */
static int slurp(const char *path, struct buf *out, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return fail(err, errlen, "cannot read '%s': %s", path, strerror(errno));
	struct stat st;
	size_t limit = OPTS_FILE_MAX, got = 0;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > limit)
		limit = (size_t)st.st_size;
	char chunk[65536];
	size_t n;
	while (got <= limit && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		got += n;
		if (got <= limit)
			buf_add(out, chunk, n);
	}
	int bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (got > limit)
		return fail(err, errlen,
			    "'%s' is longer than %d MiB, the most read from a file that is not "
			    "a regular file (an endless one, such as /dev/zero?)",
			    path, OPTS_FILE_MIB);
	if (bad)
		return fail(err, errlen, "cannot read '%s'", path);
	return 0;
}

/* An option whose value is read after the whole command line is, because
 * it may read standard input (-d @-, -b -) - which must not happen when
 * standard input holds the URLs - or because it builds up a value in
 * order (the body). */
struct later {
	int code; /* as in options[] */
	const char *arg;
};

/* The file --data-urlencode reads ("[NAME]@FILE"), or NULL for text. */
static const char *urlencode_file(const char *arg)
{
	const char *p = strpbrk(arg, "=@");
	return p && *p == '@' ? p + 1 : NULL;
}

/* The file a later option reads: a -d @FILE, a -b FILE; NULL for none. */
static const char *later_file(const struct later *l)
{
	switch (l->code) {
	case 'd':
	case OPT_DATA_BINARY:
	case OPT_JSON: return l->arg[0] == '@' ? l->arg + 1 : NULL;
	case OPT_DATA_URLENCODE: return urlencode_file(l->arg);
	case 'b': return l->arg;
	default: return NULL;
	}
}

/* Append s[0..n) percent-encoded as curl's --data-urlencode does: all
 * but RFC 3986's unreserved characters as %XX. */
static void urlencode(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			buf_addc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_add(b, e, 3);
		}
	}
}

/* Add one body option's part to the body. Parts of -d and its kin are
 * joined with '&' as curl does; repeated --json parts are concatenated. */
static int add_body(struct config *cfg, const struct later *l, char *err, size_t errlen)
{
	bool json = l->code == OPT_JSON;
	struct buf b = BUF_INIT, text = BUF_INIT;
	const char *file = later_file(l);
	if (cfg->body) {
		buf_add(&b, cfg->body, cfg->body_len);
		if (!json)
			buf_addc(&b, '&');
	}
	if (file && slurp(file, &text, err, errlen) != 0) {
		buf_free(&b);
		buf_free(&text);
		return -1;
	}
	if (l->code == OPT_DATA_URLENCODE) {
		/* "TEXT", "=TEXT", "NAME=TEXT", "@FILE" or "NAME@FILE". */
		const char *sep = strpbrk(l->arg, "=@");
		if (sep && sep > l->arg) {
			buf_add(&b, l->arg, (size_t)(sep - l->arg));
			buf_addc(&b, '=');
		}
		if (file)
			urlencode(&b, text.data ? text.data : "", text.len);
		else
			urlencode(&b, sep ? sep + 1 : l->arg, strlen(sep ? sep + 1 : l->arg));
	} else if (file) {
		buf_add(&b, text.data ? text.data : "", text.len);
	} else {
		buf_adds(&b, l->arg);
	}
	buf_free(&text);
	free(cfg->body);
	buf_addc(&b, '\0'); /* keep an empty body non-NULL */
	cfg->body = b.data;
	cfg->body_len = b.len - 1;
	if (json)
		cfg->body_is_json = true;
	return 0;
}

/* -b FILE: the cookie file's lines, for every request to start from. */
static int add_cookie_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	if (cfg->cookie_lines) {
		buf_adds(&b, cfg->cookie_lines);
		buf_addc(&b, '\n');
	}
	if (slurp(path, &b, err, errlen) != 0) {
		buf_free(&b);
		return -1;
	}
	buf_addc(&b, '\0');
	free(cfg->cookie_lines);
	cfg->cookie_lines = b.data;
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

/* A size bound as the user would write it: 1048576G rather than 2^50. */
static void size_text(char *out, size_t n, long long v)
{
	static const char units[] = "GMK";
	for (int i = 0; i < 3; i++) {
		long long m = 1LL << (30 - 10 * i);
		if (v >= m && v % m == 0) {
			snprintf(out, n, "%lld%c", v / m, units[i]);
			return;
		}
	}
	snprintf(out, n, "%lld", v);
}

/* Store arg, read as t says, in t's field of cfg. arg is NULL only for an
 * optional argument left out. */
static int set_typed(const struct typed *t, const char *arg, struct config *cfg, char *err,
		     size_t errlen)
{
	char tmp[2];
	const char *name = option_name(t->code, tmp);
	void *field = (char *)cfg + t->offset;
	bool range;
	switch (t->kind) {
	case KIND_LONG:
		if (parse_long(arg, t->lo, t->hi, field) == 0)
			return 0;
		return fail(err, errlen, "--%s: '%s' is not a number from %lld to %lld", name, arg,
			    t->lo, t->hi);
	case KIND_SECONDS:
		if (parse_seconds(arg, field, &range) == 0)
			return 0;
		if (range)
			return fail(err, errlen, "--%s: '%s' is out of range: 0 to %.0f seconds",
				    name, arg, SECONDS_MAX);
		return fail(err, errlen, "--%s: '%s' is not a number of seconds", name, arg);
	case KIND_SIZE: {
		long long v;
		char lo[32], hi[32];
		int rc = parse_size(arg, &v, &range);
		if (rc == 0 && v >= t->lo && v <= t->hi) {
			*(long long *)field = v;
			return 0;
		}
		size_text(lo, sizeof lo, t->lo);
		size_text(hi, sizeof hi, t->hi);
		if (range || rc == 0) /* a size, but not one this option takes */
			return fail(err, errlen, "--%s: '%s' is out of range: %s to %s", name, arg,
				    lo, hi);
		return fail(err, errlen, "--%s: '%s' is not a size like 512K, 1.5M or 2G", name,
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

static const struct curl_only *curl_only_long(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof curl_only / sizeof *curl_only; i++)
		if (curl_only[i].long_name && strlen(curl_only[i].long_name) == n &&
		    memcmp(curl_only[i].long_name, name, n) == 0)
			return &curl_only[i];
	return NULL;
}

static const struct curl_only *curl_only_short(int c)
{
	for (size_t i = 0; i < sizeof curl_only / sizeof *curl_only; i++)
		if (c && curl_only[i].short_name == c)
			return &curl_only[i];
	return NULL;
}

/* An unknown long option name[0..n): the message names the options it
 * may have meant - every option it is a prefix of (ambiguous), a curl
 * option's urlfan way, or the nearest spelling. */
static void unknown_long(const char *arg, const char *name, size_t n, char *err, size_t errlen)
{
	const struct curl_only *c = curl_only_long(name, n);
	if (c) {
		fail(err, errlen, "option '--%.*s' is curl's, not urlfan's: %s", (int)n, name,
		     c->instead);
		return;
	}
	struct buf b = BUF_INIT;
	size_t prefixed = 0, best = 3;
	const char *nearest = NULL;
	for (const struct option *o = options; o->name; o++) {
		if (strncmp(o->name, name, n) == 0)
			buf_printf(&b, "%s--%s", prefixed++ ? ", " : "", o->name);
		/* A close spelling, not merely a short word one edit away. */
		size_t d = suggest_distance(name, n, o->name);
		if (d < best && d * 3 <= n) {
			best = d;
			nearest = o->name;
		}
	}
	if (prefixed > 1)
		fail(err, errlen, "option '--%.*s' is ambiguous: %s", (int)n, name, b.data);
	else if (nearest)
		fail(err, errlen, "unknown option '%s'; did you mean '--%s'?", arg, nearest);
	else
		fail(err, errlen, "unknown option '%s'", arg);
	buf_free(&b);
}

/* getopt_long() returned ':' or '?': name the option as the user wrote it,
 * and what to type instead. */
static enum opts_action getopt_error(int c, char **argv, char *err, size_t errlen)
{
	const char *arg = argv[optind - 1];
	const char *eq = strchr(arg, '=');
	bool is_long = strncmp(arg, "--", 2) == 0;
	const struct curl_only *co;
	if (c == ':')
		fail(err, errlen, "option '%s' needs a value", arg);
	else if (is_long && eq && optopt)
		fail(err, errlen, "option '%.*s' takes no value", (int)(eq - arg), arg);
	else if (is_long)
		unknown_long(arg, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2), err,
			     errlen);
	else if ((co = curl_only_short(optopt)))
		fail(err, errlen, "option '-%c' is curl's, not urlfan's: %s", optopt, co->instead);
	else if (!optopt)
		fail(err, errlen, "unknown option '%s'", arg);
	else
		fail(err, errlen, "unknown option '-%c'", optopt);
	return OPTS_ERROR;
}

/* The argv element that held the long option getopt_long() just
 * returned: its value may have been the next element. */
static const char *option_text(char **argv)
{
	if (optarg && optind >= 2 && argv[optind - 1] == optarg)
		return argv[optind - 2];
	return argv[optind - 1];
}

/* A long option typed as a prefix of urlfan's (--output for --output-dir)
 * that is a curl option of its own: refuse it rather than guess. */
static int curl_prefix(char **argv, int li, char *err, size_t errlen)
{
	const char *text = option_text(argv);
	if (strncmp(text, "--", 2) != 0)
		return 0;
	size_t n = strcspn(text + 2, "=");
	const struct curl_only *c;
	if (n != strlen(options[li].name) && (c = curl_only_long(text + 2, n)))
		return fail(err, errlen, "option '--%.*s' is curl's, not urlfan's: %s", (int)n,
			    text + 2, c->instead);
	return 0;
}

/* -F: the part must parse; its file is checked once the line is read. */
static int add_form(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	struct http_form_part part;
	const char *why;
	if (http_form_part(arg, &part, &why) != 0)
		return fail(err, errlen, "--form '%s': %s", arg, why);
	cfg->forms = xrealloc(cfg->forms, (cfg->nforms + 1) * sizeof *cfg->forms);
	cfg->forms[cfg->nforms++] = arg;
	return 0;
}

/* A file an option names must be there, and (dir false) not be a
 * directory, before anything is fetched. */
static int check_file(const char *opt, const char *path, bool dir, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return fail(err, errlen, "--%s: cannot use '%s': %s", opt, path, strerror(errno));
	if (!dir && S_ISDIR(st.st_mode))
		return fail(err, errlen, "--%s: '%s' is a directory", opt, path);
	return 0;
}

/* A -F part's file that is not a regular file (a pipe from <(cmd), a
 * FIFO) gives its contents once: they are read now, so every request and
 * retry sends them and nothing in the loop waits for a writer. A regular
 * file is left to libcurl, which streams it. */
static int read_form_file(struct opts_form_data *fd, const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	struct buf b = BUF_INIT;
	if (slurp(path, &b, err, errlen) != 0) {
		buf_free(&b);
		return -1;
	}
	buf_addc(&b, '\0'); /* an empty file is still data */
	fd->data = b.data;
	fd->len = b.len - 1;
	return 0;
}

/* -E FILE[:PASSWORD]: FILE when such a file exists, else split at the
 * first ':' as curl does. */
static void set_cert(struct config *cfg, const char *arg)
{
	const char *colon = strchr(arg, ':');
	struct stat st;
	free(cfg->cert);
	cfg->cert_password = NULL;
	if (colon && stat(arg, &st) != 0) {
		cfg->cert = xstrndup(arg, (size_t)(colon - arg));
		cfg->cert_password = colon + 1;
	} else {
		cfg->cert = xstrndup(arg, strlen(arg));
	}
}

/* What the whole command line allows only together: files that must be
 * there, options that exclude each other, and standard input read by at
 * most one of them. Then the values read later are read. */
static int settle(struct config *cfg, const struct later *later, size_t nlater, char *err,
		  size_t errlen)
{
	char tmp[2];
	bool urls_on_stdin = !cfg->nurls && (!cfg->input || strcmp(cfg->input, "-") == 0);
	bool body = false;
	int body_code = 0;
	for (size_t i = 0; i < nlater; i++) {
		const char *file = later_file(&later[i]);
		const char *name = option_name(later[i].code, tmp);
		if (file && strcmp(file, "-") == 0 && urls_on_stdin)
			return fail(err, errlen,
				    "--%s %s and the URLs both read standard input; give the URLs "
				    "as arguments, with --url or with -i FILE",
				    name, later[i].arg);
		if (later[i].code != 'b' && !body) {
			body = true;
			body_code = later[i].code;
		}
	}
	const char *body_name = option_name(body_code, tmp);
	if (cfg->name && !cfg->output_dir)
		return fail(err, errlen, "--name needs --output-dir");
	if (cfg->input && cfg->nurls)
		return fail(err, errlen, "URL arguments and --input cannot be used together");
	if (cfg->head && !cfg->get && (body || cfg->nforms))
		return fail(err, errlen, "--head and --%s cannot be used together",
			    body ? body_name : "form");
	if (cfg->nforms && body)
		return fail(err, errlen, "--form and --%s cannot be used together", body_name);
	if (cfg->get && cfg->nforms)
		return fail(err, errlen, "--get and --form cannot be used together");
	if (cfg->fail && cfg->all_bodies)
		return fail(err, errlen, "--fail and --all-bodies cannot be used together");
	if (cfg->shard.by != SHARD_BY_INDEX && cfg->shard.n == 0)
		return fail(err, errlen, "--shard-by needs --shard");
	/* -p auto never goes above -j: more could never run. */
	if (cfg->per_host_auto && cfg->per_host_max > cfg->parallel)
		cfg->per_host_max = cfg->parallel;
	if (cfg->input && strstr(cfg->input, "://"))
		return fail(err, errlen,
			    "--input: '%s' is a URL, not a file of requests; give URLs as "
			    "arguments (curl's -i is urlfan's --headers)",
			    cfg->input);
	if (cfg->output_dir && strstr(cfg->output_dir, "://"))
		return fail(err, errlen,
			    "--output-dir: '%s' is a URL, not a directory; -O DIR writes bodies "
			    "under DIR (curl's -O is -O DIR --name '%%{path}')",
			    cfg->output_dir);
	const struct {
		const char *opt, *path;
	} files[] = {
		{"input", cfg->input && strcmp(cfg->input, "-") != 0 ? cfg->input : NULL},
		{"cacert", cfg->cacert},
		{"unix-socket", cfg->unix_socket},
		{"cert", cfg->cert},
		{"key", cfg->key},
		{"netrc-file", cfg->netrc_file},
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		if (files[i].path && check_file(files[i].opt, files[i].path, false, err, errlen))
			return -1;
	if (cfg->nforms)
		cfg->form_data = xcalloc(cfg->nforms, sizeof *cfg->form_data);
	for (size_t i = 0; i < cfg->nforms; i++) {
		struct http_form_part part;
		const char *why;
		http_form_part(cfg->forms[i], &part, &why);
		if (part.kind == HTTP_FORM_VALUE)
			continue;
		char *path = xstrndup(part.value, part.value_len);
		int rc = strcmp(path, "-") == 0
				 ? fail(err, errlen,
					"--form '%s': a part from standard input is not supported; "
					"use a file",
					cfg->forms[i])
				 : check_file("form", path, false, err, errlen);
		if (rc == 0 && read_form_file(&cfg->form_data[i], path, err, errlen) != 0) {
			char *reason = xstrndup(err, strlen(err));
			rc = fail(err, errlen, "--form: %s", reason);
			free(reason);
		}
		free(path);
		if (rc)
			return -1;
	}
	for (size_t i = 0; i < nlater; i++) {
		const struct later *l = &later[i];
		int rc;
		if (l->code == 'b')
			rc = add_cookie_file(cfg, l->arg, err, errlen);
		else
			rc = add_body(cfg, l, err, errlen);
		if (rc) {
			/* Which option read the file. */
			char *why = xstrndup(err, strlen(err));
			fail(err, errlen, "--%s: %s", option_name(l->code, tmp), why);
			free(why);
			return -1;
		}
	}
	/* %{header{NAME}} needs the headers kept, --headers or not. */
	if ((cfg->write_out && strstr(cfg->write_out, "header{")) ||
	    (cfg->name && strstr(cfg->name, "header{")))
		cfg->keep_headers = true;
	return 0;
}

static void add_url(struct config *cfg, char *url)
{
	cfg->urls = xrealloc(cfg->urls, (cfg->nurls + 1) * sizeof *cfg->urls);
	cfg->urls[cfg->nurls++] = url;
}

enum opts_action opts_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	defaults(cfg);
	const char *why;
	int c, li;
	struct later *later = xcalloc((size_t)argc + 1, sizeof *later);
	size_t nlater = 0;
	enum opts_action act = OPTS_ERROR;
	/* Our own messages, naming the option, replace getopt's. */
	opterr = 0;
	optind = 0; /* 0, not 1: also resets glibc's state inside grouped flags */
	while (li = -1, (c = getopt_long(argc, argv, short_options, options, &li)) != -1) {
		if (li >= 0 && curl_prefix(argv, li, err, errlen) != 0)
			goto out;
		const struct typed *t = find_typed(c);
		if (t) {
			if (set_typed(t, optarg, cfg, err, errlen) != 0)
				goto out;
			continue;
		}
		int rc = 0;
		switch (c) {
		case 1: add_url(cfg, optarg); break;
		case OPT_URL: add_url(cfg, optarg); break;
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
			if ((why = http_framing_header(optarg, strlen(optarg), false))) {
				rc = fail(err, errlen,
					  "--header '%s': %s is set by urlfan (it frames the "
					  "message)",
					  optarg, why);
				break;
			}
			cfg->headers =
				xrealloc(cfg->headers, (cfg->nheaders + 1) * sizeof *cfg->headers);
			cfg->headers[cfg->nheaders++] = optarg;
			break;
		case 'd':
		case OPT_DATA_BINARY:
		case OPT_DATA_RAW:
		case OPT_DATA_URLENCODE:
		case OPT_JSON: later[nlater++] = (struct later){c, optarg}; break;
		case 'b':
			if (strchr(optarg, '=')) {
				/* NAME=VALUE pairs, as curl tells them from a file. */
				struct buf b = BUF_INIT;
				if (cfg->cookie)
					buf_printf(&b, "%s; ", cfg->cookie);
				buf_adds(&b, optarg);
				free(cfg->cookie);
				cfg->cookie = b.data;
			} else {
				later[nlater++] = (struct later){c, optarg};
			}
			break;
		case 'F': rc = add_form(cfg, optarg, err, errlen); break;
		case 'G': cfg->get = true; break;
		case 'e': cfg->referer = optarg; break;
		case 'A': cfg->user_agent = optarg; break;
		case 'u': cfg->user = optarg; break;
		case 'n': cfg->netrc = true; break;
		case OPT_NETRC_FILE: cfg->netrc_file = optarg; break;
		case 'x': cfg->proxy = optarg; break;
		case OPT_NOPROXY: cfg->noproxy = optarg; break;
		case 'k': cfg->insecure = true; break;
		case OPT_CACERT: cfg->cacert = optarg; break;
		case 'E': set_cert(cfg, optarg); break;
		case OPT_KEY: cfg->key = optarg; break;
		case OPT_CERT_TYPE: cfg->cert_type = optarg; break;
		case OPT_HTTP11: cfg->http_version = HTTPV_1_1; break;
		case OPT_HTTP2: cfg->http_version = HTTPV_2; break;
		case OPT_HTTP2_PRIOR: cfg->http_version = HTTPV_2_PRIOR; break;
		case '4': cfg->ip_version = 4; break;
		case '6': cfg->ip_version = 6; break;
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
		case 'L': break; /* redirects are followed anyway (--max-redirs) */
		case OPT_COMPRESSED: cfg->compressed = true; break;
		case OPT_NO_COMPRESSED: cfg->compressed = false; break;
		case 'J': cfg->format = FORMAT_NDJSON; break;
		case OPT_NO_BODY: cfg->no_body = true; break;
		case 'f': cfg->fail = true; break;
		case OPT_ALL_BODIES: cfg->all_bodies = true; break;
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
		case 'S': cfg->show_error = true; break;
		case 'v': cfg->verbose++; break;
		case 'h': act = OPTS_HELP; goto out;
		case 'V': act = OPTS_VERSION; goto out;
		default: getopt_error(c, argv, err, errlen); goto out;
		}
		if (rc)
			goto out;
	}
	/* After "--": URLs all. */
	for (int i = optind; i < argc; i++)
		add_url(cfg, argv[i]);
	if (settle(cfg, later, nlater, err, errlen) == 0)
		act = OPTS_RUN;
out:
	free(later);
	return act;
}

bool opts_needs_password(const struct config *cfg)
{
	return cfg->user && !strchr(cfg->user, ':');
}

void opts_set_password(struct config *cfg, const char *password)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s:%s", cfg->user, password);
	free(cfg->userpwd);
	cfg->userpwd = b.data;
	cfg->user = cfg->userpwd;
}

void opts_free(struct config *cfg)
{
	free(cfg->urls);
	free(cfg->headers);
	free(cfg->resolve);
	free(cfg->body);
	free(cfg->cookie);
	free(cfg->cookie_lines);
	free(cfg->cert);
	for (size_t i = 0; cfg->form_data && i < cfg->nforms; i++)
		free(cfg->form_data[i].data);
	free(cfg->form_data);
	cfg->form_data = NULL;
	free((void *)cfg->forms);
	if (cfg->userpwd) /* a password: not left in freed memory */
		memset(cfg->userpwd, 0, strlen(cfg->userpwd));
	free(cfg->userpwd);
	cfg->urls = NULL;
	cfg->headers = NULL;
	cfg->resolve = NULL;
	cfg->body = NULL;
	cfg->cookie = cfg->cookie_lines = cfg->cert = cfg->userpwd = NULL;
	cfg->forms = NULL;
}
