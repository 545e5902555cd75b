/* report: files a CI system reads at the end of a run - a JUnit XML
 * report (--report-junit) and a Markdown summary (--report-markdown, for
 * $GITHUB_STEP_SUMMARY) - fed from the same results as the output, in any
 * output format.
 *
 * Memory stays bounded whatever the run's length: testcases and failures
 * stream into unlinked temporary files as results come, and only the
 * totals and the slowest few requests are kept. Each FILE is written at
 * the end through a temporary file beside it renamed into place, so a
 * reader never sees half a report, also after an early stop. */
#ifndef URLFAN_REPORT_H
#define URLFAN_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "result.h"

struct report;

/* NULL when cfg asks for no report (nothing to do, nothing to free), or
 * on failure with the reason in err and *failed set. */
struct report *report_create(const struct config *cfg, bool *failed, char *err, size_t errlen);
/* Free r, removing temporary files. Accepts NULL. */
void report_destroy(struct report *r);

/* One request's result. skipped: it never ran because the run stopped
 * early (reported as skipped, not as a failure). */
void report_record(struct report *r, const struct result *res, bool skipped);

/* Write the files asked for. wall is the run's time in seconds; started
 * its start (seconds since the epoch). stopped names what stopped the
 * run early, or NULL. Returns 0, or -1 with the reason in err (the first
 * file that could not be written). */
int report_finish(struct report *r, double wall, double started, const char *stopped, char *err,
		  size_t errlen);

#endif
