/* cfgfile: curl's config-file syntax (-K FILE, curl's .curlrc), one line
 * at a time. No libcurl, no files: the caller reads the text and decides
 * what each option means.
 *
 * A line holds one option: leading white space is skipped; an empty line
 * or one starting with '#' holds none. The option's name runs to the first
 * white space, '=' or ':', with its leading dashes optional ("url",
 * "--url", "-H"). Then white space, '=' and ':' are skipped, and the rest
 * is the value: within double quotes, with \\ \" \t \n \r \v escapes
 * (any other escaped character stands for itself); otherwise up to the
 * next white space. Anything after the value but white space or a '#'
 * comment is an error. */
#ifndef URLFAN_CFGFILE_H
#define URLFAN_CFGFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum cfgfile_line {
	CFGFILE_NONE,   /* blank or a comment */
	CFGFILE_OPTION, /* *name and *value filled */
	CFGFILE_ERROR,  /* *why says what is wrong */
};

/* Read line[0..n) (no newline). On CFGFILE_OPTION, name gets the name
 * without its dashes and *dashes how many there were (0, 1 or 2); value
 * gets the value, NUL-terminated, and *has_value says whether there was
 * one at all. Both buffers are emptied first and owned by the caller. */
enum cfgfile_line cfgfile_line(const char *line, size_t n, struct buf *name, int *dashes,
			       struct buf *value, bool *has_value, const char **why);

/* The default file read before the command line: $XDG_CONFIG_HOME/urlfan/
 * config, or $HOME/.config/urlfan/config when XDG_CONFIG_HOME is unset or
 * empty, appended to out. Returns false when neither variable is set. */
bool cfgfile_default_path(struct buf *out);

#endif
