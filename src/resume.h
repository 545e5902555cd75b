/* resume: carrying an interrupted run on later.
 *
 * --skip-done FILE reads an earlier run's ndjson records and answers, for
 * each new request, whether an ok record for it exists already: by id when
 * the request has one, by URL otherwise. --save-unfinished FILE collects
 * the lines of every request without an ok record while the run goes on;
 * when the run was interrupted, the rest of the input is added and the
 * file kept, so that `urlfan < FILE` carries on. A run that was not
 * interrupted removes the file again. */
#ifndef URLFAN_RESUME_H
#define URLFAN_RESUME_H

#include <stdbool.h>
#include <stddef.h>

#include "opts.h"
#include "result.h"
#include "source.h"

struct resume;

/* Returns NULL with the reason in err when a file cannot be read or
 * created; a resume with neither option does nothing and costs nothing. */
struct resume *resume_create(const struct config *cfg, char *err, size_t errlen);
/* Free r without finishing it (see resume_finish()). Accepts NULL. */
void resume_destroy(struct resume *r);

/* Whether --skip-done has an ok record for req. */
bool resume_skip(const struct resume *r, const struct request *req);
/* Note a record: a line without an ok record is saved. */
void resume_record(struct resume *r, const struct result *res);
/* End of run: when interrupted, add the input's remaining request lines
 * that can be read without waiting (all of a file or the arguments; what a
 * pipe holds now) and keep the file; otherwise remove it. Returns 0, or -1
 * with the reason in err. */
int resume_finish(struct resume *r, bool interrupted, struct source *src, char *err, size_t errlen);

/* The key an ok record is remembered under, appended to out: "i:" and the
 * minified id, or "u:" and the masked URL. Exposed for tests. */
void resume_key(struct buf *out, const char *id, const char *url);

#endif
