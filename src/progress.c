#include "progress.h"

#include <math.h> /* isfinite(), a macro */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "json_string.h"
#include "termesc.h"
#include "num.h"
#include "url.h"
#include "xalloc.h"

/* Latency histogram. Bucket i (1..HIST_N) holds times in
 * [HIST_LO * R^(i-1), HIST_LO * R^i) with R = 2^(1/HIST_STEPS); bucket 0
 * holds anything below HIST_LO and bucket HIST_N + 1 anything from
 * HIST_LO * R^HIST_N (about 1074 s) up. A percentile is reported as its
 * bucket's geometric midpoint, which is within a factor sqrt(R) = 2^(1/16)
 * of every value in the bucket: a relative error of at most 4.43%. The
 * result is then clamped to the exact min and max seen, which only moves it
 * closer to the truth. 242 counters cover 1 us to 1000 s, whatever the
 * number of records. */
#define HIST_LO 1e-6
#define HIST_STEPS 8 /* what num_log2_eighths() counts in */
#define HIST_N 240   /* 8 * log2(1000 s / 1 us) = 239.2, rounded up */
#define HIST_BUCKETS (HIST_N + 2)

/* HTTP statuses are three digits; curl refuses anything else. */
#define STATUS_MAX 1000

/* Indexed by enum err_kind; ERR_IO is the last kind. */
#define KIND_MAX 32
_Static_assert(ERR_IO < KIND_MAX, "err_kind outgrew progress's table");

/* Space-Saving heavy hitters (Metwally et al., 2005): HH_SLOTS counters.
 * A host not in the table takes over the counter with the smallest count
 * and starts from that count plus one, so counts never under-estimate and
 * over-estimate by at most `over`, itself at most records / HH_SLOTS. Any
 * host with more than records / HH_SLOTS requests is therefore always in
 * the table. While no more than HH_SLOTS distinct hosts are seen, nothing
 * is evicted and every count is exact. */
#define HH_SLOTS 64
#define HH_SHOWN 5

/* The line is redrawn at most this often, in seconds: faster than the eye
 * needs, slow enough that a busy terminal costs nothing. */
#define DRAW_INTERVAL 0.1

/* req/s on the line is an exponentially weighted moving average with this
 * time constant (seconds): the last few seconds dominate, so the rate and
 * ETA follow a run that speeds up or stalls, without jumping with every
 * batch of completions. It is updated from samples at least RATE_MIN_DT
 * apart, since shorter intervals hold too few records to mean anything. */
#define RATE_TAU 5.0
#define RATE_MIN_DT 0.25

struct hh {
	long long count;  /* requests, an upper bound once evictions happen */
	long long over;   /* how much count may over-estimate */
	long long failed; /* records not ok since the host took this slot */
	long limit;       /* -p auto: the host's limit now; 0: none known */
	long highest;     /* and the highest it reached */
	uint32_t hash;
	char key[URL_HOSTKEY_MAX];
};

struct progress {
	FILE *to;
	bool line;
	long long total;

	/* Counts. */
	long long records, ok, failed;
	long long errors; /* records with error != ERR_NONE */
	unsigned long long bytes;
	long long status[STATUS_MAX];
	long long kinds[KIND_MAX];

	/* Latency, over records that got a response. */
	long long hist[HIST_BUCKETS];
	long long responses;
	double lat_min, lat_max;

	struct hh hosts[HH_SLOTS];
	size_t nhosts;

	/* Clock. */
	bool started;
	double start;

	/* The line. */
	bool drawn;   /* a draw happened at all: last_draw is meaningful */
	bool visible; /* the line is on screen now */
	double last_draw;
	int width;         /* columns; 0: unknown, the line is not cut */
	bool redraw;       /* the width changed: draw at the next tick */
	long per_host;     /* the per-host cap, for "6/6 per host" */
	bool host_bound;   /* that cap, not -j, holds requests back now */
	bool finishing;    /* interrupted: those in flight are finishing */
	long long aborted; /* records of kind aborted (not counted as failed) */

	/* Rate. */
	bool rate_valid;
	double rate;         /* req/s, smoothed */
	double rate_t;       /* time of the last sample */
	long long rate_done; /* records at that sample */

	double limited; /* seconds a rate limit, not the network, set the pace */
};

struct progress *progress_create(FILE *to, bool line, long long total)
{
	struct progress *p = xcalloc(1, sizeof *p);
	p->to = to;
	p->line = line;
	p->total = total >= 0 ? total : -1;
	return p;
}

void progress_destroy(struct progress *p)
{
	free(p);
}

static int hist_index(double t)
{
	/* Also sends NaN and negative times to bucket 0. */
	if (!(t >= HIST_LO))
		return 0;
	if (!(t < HIST_LO * num_exp2_eighths(HIST_N))) /* also infinity */
		return HIST_N + 1;
	return num_log2_eighths(t / HIST_LO) + 1;
}

static void set_key(struct hh *h, const char *key, uint32_t hash)
{
	size_t len = strnlen(key, sizeof h->key - 1);
	memcpy(h->key, key, len);
	h->key[len] = '\0';
	h->hash = hash;
}

/* The slot counting key: its own, a free one, or (Space-Saving) the least
 * counted one, taken over. */
static struct hh *host_slot(struct progress *p, const char *key)
{
	uint32_t hash = (uint32_t)hash_str(key);
	struct hh *h = NULL;
	for (size_t i = 0; i < p->nhosts && !h; i++)
		if (p->hosts[i].hash == hash && strcmp(p->hosts[i].key, key) == 0)
			h = &p->hosts[i];
	if (!h && p->nhosts < HH_SLOTS) {
		h = &p->hosts[p->nhosts++];
		memset(h, 0, sizeof *h);
		set_key(h, key, hash);
	} else if (!h) {
		/* Take over the least counted slot; a linear scan of 64 slots
		 * is cheaper than keeping a heap for a per-record update. */
		h = &p->hosts[0];
		for (size_t i = 1; i < HH_SLOTS; i++)
			if (p->hosts[i].count < h->count)
				h = &p->hosts[i];
		h->over = h->count;
		h->failed = 0;
		h->limit = h->highest = 0;
		set_key(h, key, hash);
	}
	return h;
}

static void count_host(struct progress *p, const char *key, bool ok)
{
	struct hh *h = host_slot(p, key);
	h->count++;
	if (!ok)
		h->failed++;
}

void progress_host_limit(struct progress *p, const char *key, long limit)
{
	if (!p || !key[0])
		return;
	struct hh *h = host_slot(p, key);
	h->limit = limit;
	if (limit > h->highest)
		h->highest = limit;
}

void progress_rate_limited(struct progress *p, double seconds)
{
	if (p)
		p->limited = seconds;
}

/* The share of the run so far (0 to 100) in which a rate limit set the
 * pace. */
static double limited_pct(const struct progress *p, double wall)
{
	if (!(wall > 0) || !(p->limited > 0))
		return 0;
	double pct = p->limited / wall * 100;
	return pct > 100 ? 100 : pct;
}

void progress_record(struct progress *p, const struct result *res)
{
	if (!p)
		return;
	p->records++;
	if (res->ok)
		p->ok++;
	else
		p->failed++;
	p->bytes += res->size; /* in memory or written to a file (-O) */
	if (res->error == ERR_ABORTED)
		p->aborted++;
	if (res->error != ERR_NONE) {
		p->errors++;
		if ((unsigned)res->error < KIND_MAX)
			p->kinds[res->error]++;
	} else if (!res->ok && res->status > 0 && res->status < STATUS_MAX) {
		/* An HTTP failure: a response outside --ok. A response cut
		 * short by an error counts as that error only, so that status
		 * and error counts add up to failed. */
		p->status[res->status]++;
	}
	if (res->status != 0) {
		double t = res->time.total;
		if (!(t >= 0) || !isfinite(t))
			t = 0; /* keep NaN out of the JSON */
		p->hist[hist_index(t)]++;
		if (p->responses == 0 || t < p->lat_min)
			p->lat_min = t;
		if (p->responses == 0 || t > p->lat_max)
			p->lat_max = t;
		p->responses++;
	}
	if (res->host && res->host[0])
		count_host(p, res->host, res->ok);
}

static void update_rate(struct progress *p, double now)
{
	double dt = now - p->rate_t;
	if (dt < RATE_MIN_DT)
		return;
	double inst = (double)(p->records - p->rate_done) / dt;
	double age = now - p->start;
	if (age > 0 && age < RATE_TAU) {
		/* Too young for the average to have settled: the run's own
		 * average is the better estimate (an EWMA starting from its
		 * first, often empty, sample would lag for several TAU). */
		p->rate = (double)p->records / age;
		p->rate_valid = true;
	} else if (p->rate_valid) {
		/* Continuous-time EWMA: correct for irregular sample spacing. */
		double a = 1 - num_exp_neg(-dt / RATE_TAU);
		p->rate += a * (inst - p->rate);
	} else {
		p->rate = inst;
		p->rate_valid = true;
	}
	p->rate_t = now;
	p->rate_done = p->records;
}

static void format_eta(struct buf *b, double secs)
{
	long s = (long)num_ceil(secs);
	if (s < 60)
		buf_printf(b, "%lds", s);
	else if (s < 3600)
		buf_printf(b, "%ldm%02lds", s / 60, s % 60);
	else if (s < 100 * 3600)
		buf_printf(b, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else
		buf_adds(b, ">99h");
}

/* The parts of the line, in the order they are dropped when the terminal
 * is too narrow: the line never wraps, since a wrapped line cannot be
 * redrawn in place. */
enum part {
	PART_ETA,
	PART_LIMITED,
	PART_RATE,
	PART_HOST,
	PART_ABORTED,
	PART_FAILED,
	PART_INFLIGHT,
	PARTS
};

/* Lay the line out in b for at most limit columns (0: no limit): the
 * count first, then the parts that fit, dropped in enum part's order.
 * Every byte is one column: the line is ASCII. */
static void layout(const struct progress *p, size_t inflight, double now, size_t limit,
		   struct buf *b)
{
	struct buf part[PARTS] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT,
				  BUF_INIT, BUF_INIT, BUF_INIT};
	struct buf count = BUF_INIT, bare = BUF_INIT;
	if (p->total >= 0) {
		double pct = 100;
		if (p->total > 0 && p->records < p->total)
			/* Rounded down, so that 100% means done. */
			pct = num_floor((double)p->records * 1000 / (double)p->total) / 10;
		buf_printf(&count, "%lld/%lld (%.1f%%)", p->records, p->total, pct);
		buf_printf(&bare, "%lld/%lld", p->records, p->total);
		buf_adds(&part[PART_ETA], "ETA ");
		long long left = p->total - p->records;
		if (left <= 0)
			buf_adds(&part[PART_ETA], "0s");
		else if (p->rate_valid && p->rate > 1e-9)
			format_eta(&part[PART_ETA], (double)left / p->rate);
		else
			buf_adds(&part[PART_ETA], "--");
	} else {
		buf_printf(&count, "%lld", p->records);
		buf_printf(&bare, "%lld", p->records);
	}
	buf_printf(&part[PART_RATE], "%.1f req/s", p->rate_valid ? p->rate : 0.0);
	buf_printf(&part[PART_INFLIGHT], "%zu %s", inflight,
		   p->finishing ? "finishing" : "in flight");
	if (p->host_bound && !p->finishing)
		buf_printf(&part[PART_HOST], "%ld/%ld per host", p->per_host, p->per_host);
	buf_printf(&part[PART_FAILED], "%lld failed", p->failed - p->aborted);
	if (p->aborted)
		buf_printf(&part[PART_ABORTED], "%lld aborted", p->aborted);
	if (p->limited > 0)
		buf_printf(&part[PART_LIMITED], "rate-limited %.0f%%",
			   limited_pct(p, now - p->start));

	/* The line's order on screen. */
	static const enum part order[] = {PART_RATE,    PART_INFLIGHT, PART_HOST, PART_FAILED,
					  PART_ABORTED, PART_LIMITED,  PART_ETA};
	size_t len = count.len;
	for (int i = 0; i < PARTS; i++)
		len += part[i].len ? part[i].len + 2 : 0;
	for (int i = 0; limit && len > limit && i < PARTS; i++) {
		len -= part[i].len ? part[i].len + 2 : 0;
		part[i].len = 0;
	}
	const struct buf *head = limit && len > limit ? &bare : &count;
	buf_add(b, head->data, limit && head->len > limit ? limit : head->len);
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		if (!part[order[i]].len)
			continue;
		buf_adds(b, "  ");
		buf_add(b, part[order[i]].data, part[order[i]].len);
	}
	for (int i = 0; i < PARTS; i++)
		buf_free(&part[i]);
	buf_free(&count);
	buf_free(&bare);
}

static void draw(struct progress *p, size_t inflight, double now)
{
	struct buf b = BUF_INIT;
	buf_addc(&b, '\r');
	/* One column short of the width: a line that fills the last column
	 * leaves the cursor waiting to wrap on some terminals. */
	layout(p, inflight, now, p->width > 1 ? (size_t)p->width - 1 : 0, &b);
	/* Erase what a longer earlier line left to the right. */
	buf_adds(&b, "\033[K");
	fwrite(b.data, 1, b.len, p->to);
	fflush(p->to);
	buf_free(&b);
	p->drawn = true;
	p->visible = true;
	p->redraw = false;
}

void progress_set_width(struct progress *p, int columns)
{
	if (!p || columns == p->width)
		return;
	p->width = columns > 0 ? columns : 0;
	p->redraw = true;
}

void progress_set_host_bound(struct progress *p, long per_host, bool bound)
{
	if (!p)
		return;
	p->per_host = per_host;
	p->host_bound = bound;
}

void progress_set_finishing(struct progress *p)
{
	if (p)
		p->finishing = true;
}

void progress_tick(struct progress *p, double now, size_t inflight)
{
	if (!p)
		return;
	if (!p->started) {
		p->started = true;
		p->start = now;
		p->rate_t = now;
	}
	update_rate(p, now);
	if (!p->line)
		return;
	if (p->drawn && now - p->last_draw < DRAW_INTERVAL && !p->redraw)
		return;
	p->last_draw = now;
	draw(p, inflight, now);
}

void progress_clear(struct progress *p)
{
	if (!p)
		return;
	if (!p->visible)
		return;
	fputs("\r\033[K", p->to);
	fflush(p->to);
	p->visible = false;
}

/* The q-quantile (nearest rank) of the latency histogram; see HIST_*. */
static double percentile(const struct progress *p, double q)
{
	long long rank = (long long)num_ceil(q * (double)p->responses);
	if (rank < 1)
		rank = 1;
	long long seen = 0;
	int i = 0;
	for (; i < HIST_BUCKETS - 1; i++) {
		seen += p->hist[i];
		if (seen >= rank)
			break;
	}
	double v;
	if (i == 0)
		v = HIST_LO;
	else if (i > HIST_N)
		v = p->lat_max;
	else
		v = HIST_LO * num_exp2_eighths(i - 1) * 1.0442737824274138; /* 2^(1/16) */
	if (v < p->lat_min)
		v = p->lat_min;
	if (v > p->lat_max)
		v = p->lat_max;
	return v;
}

static int cmp_hh(const void *a, const void *b)
{
	const struct hh *x = *(const struct hh *const *)a;
	const struct hh *y = *(const struct hh *const *)b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The busiest hosts, most requests first, into top[]; returns how many. */
static size_t top_hosts(const struct progress *p, const struct hh **top)
{
	const struct hh *all[HH_SLOTS];
	for (size_t i = 0; i < p->nhosts; i++)
		all[i] = &p->hosts[i];
	qsort(all, p->nhosts, sizeof all[0], cmp_hh);
	size_t n = p->nhosts < HH_SHOWN ? p->nhosts : HH_SHOWN;
	memcpy(top, all, n * sizeof all[0]);
	return n;
}

static void format_bytes(struct buf *b, unsigned long long n)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	if (n < 1024) {
		buf_printf(b, "%lluB", n);
		return;
	}
	double v = (double)n / 1024;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		u++;
	}
	buf_printf(b, "%.1f%s", v, units[u]);
}

/* Latencies in milliseconds, with about three significant digits. */
static void format_ms(struct buf *b, double secs)
{
	double ms = secs * 1000;
	if (ms < 10)
		buf_printf(b, "%.2fms", ms);
	else if (ms < 100)
		buf_printf(b, "%.1fms", ms);
	else
		buf_printf(b, "%.0fms", ms);
}

static const double quantiles[] = {0.50, 0.90, 0.99};
static const char *const quantile_names[] = {"p50", "p90", "p99"};

static void summary_text(const struct progress *p, struct buf *b, double wall, double rps)
{
	buf_printf(b, "requests %lld  ok %lld  failed %lld  bytes ", p->records, p->ok, p->failed);
	format_bytes(b, p->bytes);
	buf_printf(b, "  wall %.2fs  %.1f req/s\n", wall, rps);

	bool any = false;
	for (int s = 0; s < STATUS_MAX; s++) {
		if (!p->status[s])
			continue;
		buf_printf(b, "%s%d: %lld", any ? "  " : "status   ", s, p->status[s]);
		any = true;
	}
	if (any)
		buf_addc(b, '\n');

	any = false;
	for (int k = ERR_NONE + 1; k < KIND_MAX; k++) {
		const char *name = result_kind_name((enum err_kind)k);
		if (!p->kinds[k] || !name)
			continue;
		buf_printf(b, "%s%s: %lld", any ? "  " : "errors   ", name, p->kinds[k]);
		any = true;
	}
	if (any)
		buf_addc(b, '\n');

	if (p->responses) {
		buf_adds(b, "latency ");
		for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++) {
			buf_printf(b, " %s ", quantile_names[i]);
			format_ms(b, percentile(p, quantiles[i]));
			buf_addc(b, ' ');
		}
		buf_adds(b, " max ");
		format_ms(b, p->lat_max);
		buf_addc(b, '\n');
	}

	const struct hh *top[HH_SHOWN];
	size_t n = top_hosts(p, top);
	for (size_t i = 0; i < n; i++) {
		/* "~": the count is an upper bound (see HH_SLOTS). */
		/* A host name is the input's: its control bytes are shown
		 * escaped, never obeyed by the terminal. */
		buf_adds(b, i ? "  " : "host     ");
		termesc_append(b, top[i]->key, strlen(top[i]->key));
		buf_printf(b, " %s%lld", top[i]->over ? "~" : "", top[i]->count);
		if (top[i]->failed)
			buf_printf(b, " (%lld failed)", top[i]->failed);
		if (top[i]->limit)
			buf_printf(b, " limit %ld (highest %ld)", top[i]->limit, top[i]->highest);
	}
	if (n)
		buf_addc(b, '\n');
	if (p->limited > 0)
		buf_printf(b, "pace     rate-limited %.0f%% of the time\n", limited_pct(p, wall));
}

/* A host name as a JSON string that a terminal shows without obeying:
 * C1 controls (U+0080..U+009F) and DEL escaped as \u00XX too, not only
 * what JSON requires. In json_write_string()'s output such a character
 * can only be DEL or the bytes C2 80..C2 9F. */
static void host_json(struct buf *b, const char *key)
{
	struct buf t = BUF_INIT;
	json_write_string(&t, key, strlen(key));
	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.data[i];
		unsigned char next = i + 1 < t.len ? (unsigned char)t.data[i + 1] : 0;
		if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
			buf_printf(b, "\\u%04x", next);
			i++;
		} else if (c == 0x7f) {
			buf_adds(b, "\\u007f");
		} else {
			buf_addc(b, (char)c);
		}
	}
	buf_free(&t);
}

static void summary_json(const struct progress *p, struct buf *b, double wall, double rps)
{
	buf_printf(b, "{\"requests\":%lld,\"ok\":%lld,\"failed\":%lld,\"status\":{", p->records,
		   p->ok, p->failed);
	bool any = false;
	for (int s = 0; s < STATUS_MAX; s++) {
		if (!p->status[s])
			continue;
		buf_printf(b, "%s\"%d\":%lld", any ? "," : "", s, p->status[s]);
		any = true;
	}
	buf_adds(b, "},\"errors\":{");
	any = false;
	for (int k = ERR_NONE + 1; k < KIND_MAX; k++) {
		const char *name = result_kind_name((enum err_kind)k);
		if (!p->kinds[k] || !name)
			continue;
		if (any)
			buf_addc(b, ',');
		json_write_string(b, name, strlen(name));
		buf_printf(b, ":%lld", p->kinds[k]);
		any = true;
	}
	buf_adds(b, "},\"latency\":{");
	for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++) {
		buf_printf(b, "\"%s\":", quantile_names[i]);
		if (p->responses)
			buf_printf(b, "%.6f,", percentile(p, quantiles[i]));
		else
			buf_adds(b, "null,");
	}
	if (p->responses)
		buf_printf(b, "\"max\":%.6f}", p->lat_max);
	else
		buf_adds(b, "\"max\":null}");
	buf_printf(b, ",\"bytes\":%llu,\"wall\":%.6f,\"rps\":%.3f,\"hosts\":[", p->bytes, wall,
		   rps);
	const struct hh *top[HH_SHOWN];
	size_t n = top_hosts(p, top);
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, i ? ",{\"host\":" : "{\"host\":");
		host_json(b, top[i]->key);
		/* "estimated": the counts are upper bounds (see HH_SLOTS), as
		 * the text summary's "~" says. */
		buf_printf(b, ",\"requests\":%lld,\"failed\":%lld,\"estimated\":%s", top[i]->count,
			   top[i]->failed, top[i]->over ? "true" : "false");
		if (top[i]->limit)
			buf_printf(b, ",\"limit\":%ld,\"highest_limit\":%ld", top[i]->limit,
				   top[i]->highest);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	if (p->limited > 0)
		buf_printf(b, ",\"rate_limited\":%.4f", limited_pct(p, wall) / 100);
	buf_adds(b, "}\n");
}

void progress_summary(struct progress *p, FILE *to, bool json, double now)
{
	if (!p)
		return;
	progress_clear(p);
	double wall = p->started ? now - p->start : 0;
	/* A clock that is not monotonic, or no tick at all, must not give a
	 * negative or infinite rate, nor non-JSON numbers. */
	if (!(wall > 0) || !isfinite(wall))
		wall = 0;
	double rps = wall > 0 ? (double)p->records / wall : 0;
	struct buf b = BUF_INIT;
	if (json)
		summary_json(p, &b, wall, rps);
	else
		summary_text(p, &b, wall, rps);
	fwrite(b.data, 1, b.len, to);
	fflush(to);
	buf_free(&b);
}
