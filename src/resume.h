/* resume: carrying an interrupted run on later.
 *
 * --skip-done FILE reads an earlier run's ndjson records and answers, for
 * each new request, whether an ok record for it exists already: by id when
 * the request has one, by the unmasked URL otherwise (the record's
 * url_digest, or its url when nothing in it was masked). Memory: 16 bytes
 * of digest per ok record in a table at most 3/4 full.
 *
 * --save-unfinished FILE keeps the rule that after any early stop every
 * input line is in exactly one place: an ok record that was written, or
 * FILE. Lines are collected in a temporary file beside FILE (mode 0600: a
 * line can hold credentials) as the run learns their fate - a record that
 * is not ok, an ok record that was never written (the output broke), a
 * request dropped at a stop, input not read yet - and the temporary file
 * replaces FILE by a rename only when the run stopped early and there is
 * something to save. A run that finishes leaves FILE alone; FILE may be
 * the input itself, which is read as it was. */
#ifndef URLFAN_RESUME_H
#define URLFAN_RESUME_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "result.h"
#include "source.h"

struct resume;

/* Returns NULL with the reason in err when a file cannot be read or
 * created; a resume with neither option does nothing and costs nothing. */
struct resume *resume_create(const struct config *cfg, char *err, size_t errlen);
/* Free r, removing a temporary file resume_finish() did not keep. Accepts
 * NULL. */
void resume_destroy(struct resume *r);

/* Whether --skip-done has an ok record for req. */
bool resume_skip(const struct resume *r, const struct request *req);
/* Note a record before it is written. A record that is not ok is saved
 * now; for an ok one the result is a tag to hand to the output, whose fate
 * (resume_fate()) says whether it must be saved; NULL when nothing is
 * saved at all. */
void *resume_record(struct resume *r, const struct result *res);
/* The fate of a tagged record: written whole, or never. Frees tag. */
void resume_fate(struct resume *r, void *tag, bool written);
/* A request the run dropped without a record (the run stopped). */
void resume_dropped(struct resume *r, const struct request *req);

/* End of run. When it stopped early, add the input's request lines not
 * read yet: all of a file or the arguments; from a pipe or a terminal
 * until its end, wake_fd (a signal's self-pipe) making it ask
 * interrupted(ctx) >= 2 to stop, or the bounds in resume.c, saying so on
 * stderr; a line not ended when it stops is not saved. Then rename the
 * temporary file over FILE when it holds a line. A run that did not stop
 * early removes the temporary file and leaves FILE alone. Returns 0, or
 * -1 with the reason in err. */
int resume_finish(struct resume *r, bool stopped_early, struct source *src, int wake_fd,
		  int (*interrupted)(void *ctx), void *ctx, char *err, size_t errlen);

/* The key an ok record is remembered under, appended to out: "i:" and the
 * minified id, or "u:" and the URL, unmasked (two users' credentials must
 * not compare equal). The set holds only its 128-bit digest (see url.h's
 * url_digest(), which records carry as url_digest when their URL shows
 * credentials masked). Exposed for tests. */
void resume_key(struct buf *out, const char *id, const char *url);

#endif
