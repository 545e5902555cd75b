/* view: a result as the bytes of its record, in the view the run asked
 * for.
 *
 * ndjson and json records come from the field table (record.h), -w from
 * its template; the text view is urlfan's own, for a person: a status line
 * in colour, the headers, the body with JSON pretty-printed. Bound for a
 * terminal, every view escapes control characters and refuses binary
 * bodies with a note. --format body writes the bodies alone, failures
 * going to stderr as curl's do.
 *
 * A view only appends one record's bytes to a buffer; queueing, ordering
 * and writing them belong to output.c. */
#ifndef URLFAN_VIEW_H
#define URLFAN_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "bodysink.h"
#include "buf.h"
#include "config.h"
#include "json_pretty.h"
#include "result.h"

struct view;

/* A JSON body too large to lay out at once in the text view: its minified
 * text, laid out a piece at a time (view_job_step()) as the reader takes
 * it, at offset at of the record's bytes. Or --format body's body waiting
 * in its unlinked file (bodysink.h), copied out a piece at a time. A
 * struct copy moves it; a zeroed job is empty. */
struct view_job {
	char *doc;  /* NUL-terminated, owned; NULL: no pretty job */
	size_t len; /* the doc's length, or the body's in its file */
	size_t at;
	struct json_pretty pretty;
	int file;                    /* the body's file descriptor + 1, owned; 0: none */
	unsigned long long file_off; /* the bytes of the file copied out */
};

/* Whether job holds work (a pretty body or a body's file). */
bool view_job_pending(const struct view_job *job);

/* --format body: bodies that came through the bodysink are taken from it
 * (borrowed: it must outlive the view) and written exactly as received. */
void view_set_bodies(struct view *v, struct bodysink *bodies);

/* The view for cfg, its records bound for a terminal or not. NULL when
 * the -w template is invalid, with the reason in err. */
struct view *view_create(const struct config *cfg, bool tty, char *err, size_t errlen);
/* Accepts NULL. */
void view_destroy(struct view *v);

/* Append res's record to b (nothing when the view has nothing to show for
 * it). A large JSON body is left to job, which must be empty on entry;
 * the caller then owns it. -w's %{stderr} part is written at once. */
void view_record(struct view *v, const struct result *res, struct buf *b, struct view_job *job);
/* The text view: how many records of requests that never started (after
 * a signal or --deadline) were left out, for one line at the end. */
size_t view_not_started(const struct view *v);
/* Whether the records are the elements of one JSON array (--format json),
 * whose punctuation depends on the order they are written in. */
bool view_is_json_array(const struct view *v);

/* Append job's next piece (about chunk bytes) to out. Returns true while
 * more remains; false once done (then view_job_free() is all it needs). */
bool view_job_step(struct view_job *job, struct buf *out, size_t chunk);
/* Free job's text; job is empty afterwards. */
void view_job_free(struct view_job *job);
/* Hand from's work to to (whose own is not freed); from holds none after. */
void view_job_move(struct view_job *to, struct view_job *from);

#endif
