#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "utf8.h"
#include "xalloc.h"

/* How many of the slowest requests the Markdown summary lists. */
#define SLOWEST 10

struct slow {
	double time;
	long status;
	char *url;
};

struct report {
	const struct config *cfg;
	FILE *cases;    /* --report-junit: the <testcase> elements so far */
	FILE *failures; /* --report-markdown: the failures' table rows */
	size_t tests, ok, failed, skipped;
	double time_sum;
	struct slow slow[SLOWEST]; /* slowest first */
	size_t nslow;
	struct buf scratch;
};

struct report *report_create(const struct config *cfg, bool *failed, char *err, size_t errlen)
{
	*failed = false;
	if (!cfg->report_junit && !cfg->report_markdown)
		return NULL;
	struct report *r = xcalloc(1, sizeof *r);
	r->cfg = cfg;
	if ((cfg->report_junit && !(r->cases = tmpfile())) ||
	    (cfg->report_markdown && !(r->failures = tmpfile()))) {
		snprintf(err, errlen, "--report-%s: cannot create a temporary file: %s",
			 cfg->report_junit && !r->cases ? "junit" : "markdown", strerror(errno));
		report_destroy(r);
		*failed = true;
		return NULL;
	}
	return r;
}

void report_destroy(struct report *r)
{
	if (!r)
		return;
	if (r->cases)
		fclose(r->cases);
	if (r->failures)
		fclose(r->failures);
	for (size_t i = 0; i < r->nslow; i++)
		free(r->slow[i].url);
	buf_free(&r->scratch);
	free(r);
}

/* Each character of s[0..n) to b: a UTF-8 sequence of several bytes as
 * it is, any other byte through one() (bad: no valid sequence starts
 * there). */
static void each_char(struct buf *b, const char *s, size_t n,
		      void (*one)(struct buf *b, unsigned char c, bool bad))
{
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq((const unsigned char *)s + i, n - i);
		if (len > 1) {
			buf_add(b, s + i, len);
			i += len;
			continue;
		}
		one(b, (unsigned char)s[i++], len == 0);
	}
}

static void xml_char(struct buf *b, unsigned char c, bool bad)
{
	switch (c) {
	case '&': buf_adds(b, "&amp;"); break;
	case '<': buf_adds(b, "&lt;"); break;
	case '>': buf_adds(b, "&gt;"); break;
	case '"': buf_adds(b, "&quot;"); break;
	case '\'': buf_adds(b, "&apos;"); break;
	case '\t': buf_adds(b, "&#9;"); break;
	case '\n': buf_adds(b, "&#10;"); break;
	default:
		if (bad || c < 0x20 || c == 0x7F)
			buf_adds(b, "\xEF\xBF\xBD");
		else
			buf_addc(b, (char)c);
	}
}

/* s[0..n) as XML text or attribute value: markup escaped, and what XML
 * 1.0 cannot hold (control characters, bytes that are no UTF-8) as
 * U+FFFD. */
static void xml_text(struct buf *b, const char *s, size_t n)
{
	each_char(b, s, n, xml_char);
}

static void xml_str(struct buf *b, const char *s)
{
	xml_text(b, s ? s : "", s ? strlen(s) : 0);
}

static void md_char(struct buf *b, unsigned char c, bool bad)
{
	if (c == '\n' || c == '\r' || c == '\t')
		buf_addc(b, ' ');
	else if (bad || c < 0x20 || c == 0x7F)
		buf_adds(b, "\xEF\xBF\xBD");
	else if (strchr("\\`*_{}[]()<>#+!|~&", c))
		buf_printf(b, "\\%c", c);
	else
		buf_addc(b, (char)c);
}

/* s as the text of a Markdown table cell: one line, with the characters
 * Markdown would read as markup escaped. */
static void md_cell(struct buf *b, const char *s)
{
	s = s ? s : "";
	each_char(b, s, strlen(s), md_char);
}

/* Why a request is not ok, in a kind and a message. */
static void why_not_ok(const struct result *res, const char **kind, struct buf *message)
{
	if (res->error) {
		*kind = result_kind_name(res->error);
		buf_adds(message, res->error_message ? res->error_message : *kind);
	} else {
		*kind = "status";
		buf_printf(message, "HTTP %ld is outside --ok", res->status);
	}
}

static void note_slow(struct report *r, const struct result *res)
{
	double t = res->time.total;
	size_t at = r->nslow;
	while (at > 0 && r->slow[at - 1].time < t)
		at--;
	if (at >= SLOWEST)
		return;
	if (r->nslow == SLOWEST)
		free(r->slow[--r->nslow].url);
	memmove(&r->slow[at + 1], &r->slow[at], (r->nslow - at) * sizeof *r->slow);
	r->slow[at] = (struct slow){t, res->status, xstrndup(res->url, strlen(res->url))};
	r->nslow++;
}

void report_record(struct report *r, const struct result *res, bool skipped)
{
	if (!r)
		return;
	struct buf *b = &r->scratch, message = BUF_INIT;
	const char *kind = NULL;
	r->tests++;
	if (skipped)
		r->skipped++;
	else if (res->ok)
		r->ok++;
	else
		r->failed++;
	if (!res->ok && !skipped)
		why_not_ok(res, &kind, &message);
	if (!skipped) {
		r->time_sum += res->time.total;
		note_slow(r, res);
	}
	if (r->cases) {
		b->len = 0;
		buf_adds(b, "    <testcase classname=\"urlfan\" name=\"");
		xml_str(b, res->url);
		buf_printf(b, "\" time=\"%.3f\"", skipped ? 0.0 : res->time.total);
		if (res->ok) {
			buf_adds(b, "/>\n");
		} else if (skipped) {
			buf_adds(b, ">\n      <skipped message=\"");
			xml_str(b, res->error_message ? res->error_message : "not started");
			buf_adds(b, "\"/>\n    </testcase>\n");
		} else {
			buf_adds(b, ">\n      <failure type=\"");
			xml_str(b, kind);
			buf_adds(b, "\" message=\"");
			xml_text(b, message.data, message.len);
			buf_printf(b, "\">%s %s", res->method ? res->method : "GET",
				   res->status ? "" : "(no response)");
			if (res->status)
				buf_printf(b, "status %ld", res->status);
			buf_printf(b, ", %ld attempt%s", res->attempts,
				   res->attempts == 1 ? "" : "s");
			buf_adds(b, "</failure>\n    </testcase>\n");
		}
		fwrite(b->data, 1, b->len, r->cases);
	}
	if (r->failures && kind) {
		b->len = 0;
		buf_adds(b, "| ");
		if (res->status)
			buf_printf(b, "%ld", res->status);
		else
			buf_adds(b, "-");
		buf_printf(b, " | %s | ", kind);
		md_cell(b, res->url);
		buf_adds(b, " | ");
		md_cell(b, message.data);
		buf_adds(b, " |\n");
		fwrite(b->data, 1, b->len, r->failures);
	}
	buf_free(&message);
}

/* Copy what a temporary file holds to out. */
static int copy(FILE *from, FILE *out)
{
	char chunk[65536];
	size_t n;
	if (fflush(from) != 0 || fseek(from, 0, SEEK_SET) != 0)
		return -1;
	while ((n = fread(chunk, 1, sizeof chunk, from)) > 0)
		if (fwrite(chunk, 1, n, out) != n)
			return -1;
	return ferror(from) ? -1 : 0;
}

/* Write path through a temporary file beside it: head, then what from
 * holds (may be NULL), then tail. */
static int write_file(const char *opt, const char *path, const struct buf *head, FILE *from,
		      const char *tail, char *err, size_t errlen)
{
	struct buf tmp = BUF_INIT;
	int rc = -1;
	buf_printf(&tmp, "%s.urlfan-%ld.tmp", path, (long)getpid());
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "--%s: cannot write '%s': %s", opt, tmp.data,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	int bad = fwrite(head->data, 1, head->len, f) != head->len;
	if (from && copy(from, f) != 0)
		bad = 1;
	fputs(tail, f);
	bad |= ferror(f);
	bad |= fclose(f);
	if (bad || rename(tmp.data, path) != 0) {
		snprintf(err, errlen, "--%s: cannot write '%s': %s", opt, path,
			 errno ? strerror(errno) : "write error");
		unlink(tmp.data);
		goto out;
	}
	rc = 0;
out:
	buf_free(&tmp);
	return rc;
}

static int write_junit(struct report *r, double wall, double started, char *err, size_t errlen)
{
	struct buf h = BUF_INIT;
	char stamp[32] = "";
	time_t t = (time_t)started;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char totals[200];
	snprintf(totals, sizeof totals,
		 "tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\"",
		 r->tests, r->failed, r->skipped, wall);
	buf_printf(&h,
		   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites name=\"urlfan\" %s>\n"
		   "  <testsuite name=\"urlfan\" %s timestamp=\"%s\">\n",
		   totals, totals, stamp);
	int rc = write_file("report-junit", r->cfg->report_junit, &h, r->cases,
			    "  </testsuite>\n</testsuites>\n", err, errlen);
	buf_free(&h);
	return rc;
}

static int write_markdown(struct report *r, double wall, const char *stopped, char *err,
			  size_t errlen)
{
	struct buf h = BUF_INIT;
	buf_printf(&h, "## urlfan: %zu request%s, %zu ok, %zu failed", r->tests,
		   r->tests == 1 ? "" : "s", r->ok, r->failed);
	if (r->skipped)
		buf_printf(&h, ", %zu not started", r->skipped);
	buf_adds(&h, "\n\n");
	if (stopped)
		buf_printf(&h, "The run stopped early: %s.\n\n", stopped);
	size_t ran = r->tests - r->skipped;
	buf_printf(&h,
		   "| requests | ok | failed | not started | wall time | mean time |\n"
		   "|---:|---:|---:|---:|---:|---:|\n"
		   "| %zu | %zu | %zu | %zu | %.3f s | %.3f s |\n\n",
		   r->tests, r->ok, r->failed, r->skipped, wall,
		   ran ? r->time_sum / (double)ran : 0.0);
	if (r->nslow) {
		buf_adds(&h, "### Slowest requests\n\n| time | status | URL |\n|---:|---:|---|\n");
		for (size_t i = 0; i < r->nslow; i++) {
			buf_printf(&h, "| %.3f s | ", r->slow[i].time);
			if (r->slow[i].status)
				buf_printf(&h, "%ld", r->slow[i].status);
			else
				buf_adds(&h, "-");
			buf_adds(&h, " | ");
			md_cell(&h, r->slow[i].url);
			buf_adds(&h, " |\n");
		}
		buf_adds(&h, "\n");
	}
	if (r->failed)
		buf_adds(&h,
			 "### Failures\n\n| status | kind | URL | message |\n|---:|---|---|---|\n");
	else
		buf_adds(&h, "No failures.\n");
	int rc = write_file("report-markdown", r->cfg->report_markdown, &h,
			    r->failed ? r->failures : NULL, "", err, errlen);
	buf_free(&h);
	return rc;
}

int report_finish(struct report *r, double wall, double started, const char *stopped, char *err,
		  size_t errlen)
{
	if (!r)
		return 0;
	int rc = 0;
	if (r->cfg->report_junit && write_junit(r, wall, started, err, errlen) != 0)
		rc = -1;
	if (r->cfg->report_markdown &&
	    write_markdown(r, wall, stopped, rc ? NULL : err, rc ? 0 : errlen) != 0)
		rc = -1;
	return rc;
}
