/* opts: the command line, turned into a struct config (config.h).
 *
 * Only main.c uses this parser; every other module sees the config alone.
 * Strings in a config point into argv or are owned by the config (freed by
 * opts_free()). */
#ifndef URLFAN_OPTS_H
#define URLFAN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* The most urlfan reads from a file given to -d @FILE, --json @FILE,
 * --data-urlencode @FILE, -b FILE or -F (a pipe or FIFO there) that is
 * not a regular file: a device such as /dev/zero never ends. A longer
 * one is a usage error. A regular file is read whole. */
#define OPTS_FILE_MIB 64
#define OPTS_FILE_MAX ((size_t)OPTS_FILE_MIB * 1024 * 1024)

enum opts_action {
	OPTS_RUN,
	OPTS_HELP,
	OPTS_VERSION,
	OPTS_ERROR, /* err holds the message */
};

/* Fill cfg from argv. On OPTS_ERROR, err (errlen bytes) says what was wrong,
 * naming the option. cfg must be released with opts_free() whatever the
 * result. */
enum opts_action opts_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen);
/* Free what cfg owns (not argv's strings); cfg may be parsed again. */
void opts_free(struct config *cfg);

/* Print the --help text. */
void opts_usage(FILE *to);

/* Whether -u gave a user name without a password (curl then asks for
 * one on the terminal). */
bool opts_needs_password(const struct config *cfg);
/* Complete -u with password: cfg->user becomes "USER:PASSWORD", owned
 * by cfg from now on. */
void opts_set_password(struct config *cfg, const char *password);

/* Parse "N[.N]" seconds / "N[.N][K|M|G][iB|B]" sizes (powers of 1024
 * whatever the spelling, rounded down to a byte) / "A-B,C" status
 * ranges, one function each. Return 0 with the value in *out, or -1 (then *out may
 * have changed); exposed for the unit tests. */
int opts_parse_seconds(const char *s, double *out);
int opts_parse_size(const char *s, long long *out);
int opts_parse_ok(const char *s, struct ok_range *ranges, size_t *n);
/* "N[/s|/m|/h]" (N > 0, fractions allowed) as starts a second. */
int opts_parse_rate(const char *s, double *per_second);

#endif
