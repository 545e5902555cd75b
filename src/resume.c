#include "resume.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "hash.h"
#include "json.h"
#include "json_string.h"
#include "msg.h"
#include "shard.h"
#include "url.h"
#include "wake.h"
#include "xalloc.h"

struct resume {
	/* --skip-done: an open-addressing set of keys. */
	char **keys;
	size_t nkeys, cap; /* cap is a power of two, or 0 */
	/* --save-unfinished */
	FILE *save; /* the temporary file */
	const char *save_path;
	char *tmp_path;     /* beside save_path; NULL once renamed or removed */
	size_t saved;       /* lines in it */
	struct shard shard; /* --shard: only this shard's lines are saved */
};

/* Unread input saved after an early stop from a pipe or a terminal: no
 * more than this many lines, or seconds, when it does not end by itself
 * (yes URL | urlfan ...). */
#define UNREAD_MAX_LINES 1000000
#define UNREAD_MAX_BYTES (64u << 20)
#define UNREAD_MAX_SECS 30.0

static void set_add(struct resume *r, char *key)
{
	if (2 * (r->nkeys + 1) > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		char **keys = xcalloc(cap, sizeof *keys);
		for (size_t i = 0; i < r->cap; i++) {
			if (!r->keys[i])
				continue;
			size_t j = hash_str(r->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = r->keys[i];
		}
		free(r->keys);
		r->keys = keys;
		r->cap = cap;
	}
	size_t j = hash_str(key) & (r->cap - 1);
	while (r->keys[j]) {
		if (strcmp(r->keys[j], key) == 0) {
			free(key);
			return;
		}
		j = (j + 1) & (r->cap - 1);
	}
	r->keys[j] = key;
	r->nkeys++;
}

static bool set_has(const struct resume *r, const char *key)
{
	if (!r->cap)
		return false;
	for (size_t j = hash_str(key) & (r->cap - 1); r->keys[j]; j = (j + 1) & (r->cap - 1))
		if (strcmp(r->keys[j], key) == 0)
			return true;
	return false;
}

void resume_key(struct buf *out, const char *id, const char *url)
{
	if (id) {
		buf_adds(out, "i:");
		buf_adds(out, id);
	} else {
		buf_adds(out, "u:");
		url_mask(out, url);
	}
}

/* Remember one earlier record if it is ok. Lines that are not records
 * (a text-format run, a --format json bracket) are passed over. */
static void load_record(struct resume *r, const char *line, size_t n)
{
	size_t pos = 0;
	struct json_member m;
	struct buf url = BUF_INIT, id = BUF_INIT;
	bool ok = false;
	while (json_object_next(line, n, &pos, &m) == 1) {
		if (m.key_len == 4 && memcmp(m.key, "\"ok\"", 4) == 0)
			ok = m.val_len == 4 && memcmp(m.val, "true", 4) == 0;
		else if (m.key_len == 5 && memcmp(m.key, "\"url\"", 5) == 0)
			json_string_decode(m.val, m.val_len, &url);
		else if (m.key_len == 4 && memcmp(m.key, "\"id\"", 4) == 0)
			json_reformat(m.val, m.val_len, &id, -1);
	}
	if (ok && (url.data || id.data)) {
		struct buf key = BUF_INIT;
		/* A masked URL stays masked: keys compare masked forms. */
		if (id.data) {
			buf_adds(&key, "i:");
			buf_adds(&key, id.data);
		} else {
			buf_adds(&key, "u:");
			buf_adds(&key, url.data);
		}
		set_add(r, key.data);
	}
	buf_free(&url);
	buf_free(&id);
}

static int load(struct resume *r, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "--skip-done: cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		/* --format json puts ",\n" between records: strip it. */
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ',' || line[n - 1] == '\r'))
			n--;
		load_record(r, line, (size_t)n);
	}
	free(line);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "--skip-done: error reading '%s'", path);
		return -1;
	}
	return 0;
}

/* A new temporary file in FILE's directory, mode 0600. */
static int open_temp(struct resume *r, char *err, size_t errlen)
{
	const char *slash = strrchr(r->save_path, '/');
	struct buf path = BUF_INIT;
	if (slash)
		buf_add(&path, r->save_path, (size_t)(slash - r->save_path) + 1);
	buf_printf(&path, ".%s.urlfan-XXXXXX", slash ? slash + 1 : r->save_path);
	int fd = mkstemp(path.data);
	if (fd < 0 || !(r->save = fdopen(fd, "w"))) {
		snprintf(err, errlen, "--save-unfinished: cannot create a file beside '%s': %s",
			 r->save_path, strerror(errno));
		if (fd >= 0) {
			unlink(path.data);
			close(fd);
		}
		buf_free(&path);
		return -1;
	}
	r->tmp_path = path.data;
	return 0;
}

struct resume *resume_create(const struct config *cfg, char *err, size_t errlen)
{
	struct resume *r = xcalloc(1, sizeof *r);
	r->shard = cfg->shard;
	if (cfg->skip_done && load(r, cfg->skip_done, err, errlen) != 0)
		goto fail;
	if (cfg->save_unfinished) {
		r->save_path = cfg->save_unfinished;
		struct stat st;
		if (stat(r->save_path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "--save-unfinished: '%s' is a directory",
				 r->save_path);
			goto fail;
		}
		if (open_temp(r, err, errlen) != 0)
			goto fail;
	}
	return r;
fail:
	resume_destroy(r);
	return NULL;
}

/* Drop the temporary file. */
static void remove_temp(struct resume *r)
{
	if (r->save)
		fclose(r->save);
	r->save = NULL;
	if (r->tmp_path)
		unlink(r->tmp_path);
	free(r->tmp_path);
	r->tmp_path = NULL;
}

void resume_destroy(struct resume *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->cap; i++)
		free(r->keys[i]);
	free(r->keys);
	remove_temp(r);
	free(r);
}

bool resume_skip(const struct resume *r, const struct request *req)
{
	if (!r->nkeys)
		return false;
	struct buf key = BUF_INIT;
	resume_key(&key, req->id, req->url);
	bool has = set_has(r, key.data);
	buf_free(&key);
	return has;
}

static void save_line(struct resume *r, const char *line, size_t len)
{
	fwrite(line, 1, len, r->save);
	fputc('\n', r->save);
	r->saved++;
}

/* A tag: the line, with its length in front. */
struct held_line {
	size_t len;
	char line[];
};

void *resume_record(struct resume *r, const struct result *res)
{
	if (!r->save)
		return NULL;
	if (!res->ok) {
		save_line(r, res->line, res->line_len);
		return NULL;
	}
	struct held_line *h = xmalloc(sizeof *h + res->line_len);
	h->len = res->line_len;
	memcpy(h->line, res->line, res->line_len);
	return h;
}

void resume_fate(struct resume *r, void *tag, bool written)
{
	struct held_line *h = tag;
	if (!written && r->save)
		save_line(r, h->line, h->len);
	free(h);
}

void resume_dropped(struct resume *r, const struct request *req)
{
	if (r->save)
		save_line(r, req->line, req->line_len);
}

/* Wait until the source may have more, or a signal came; false when it is
 * time to stop (a second interrupt, or the time is up). */
static bool wait_input(struct source *src, int wake_fd, int (*interrupted)(void *ctx), void *ctx,
		       double until)
{
	double left = until - clock_now();
	if (left <= 0 || (interrupted && interrupted(ctx) >= 2))
		return false;
	if (wake_poll(source_fd(src), POLLIN, wake_fd, (int)(left * 1000) + 1) != 0)
		return false;
	return !(interrupted && interrupted(ctx) >= 2);
}

/* Copy the input's request lines not read yet; see resume_finish(). */
static void save_unread(struct resume *r, struct source *src, int wake_fd,
			int (*interrupted)(void *ctx), void *ctx)
{
	bool bounded = source_fd(src) >= 0 && !source_is_regular(src);
	double until = clock_now() + UNREAD_MAX_SECS;
	size_t lines = 0, bytes = 0;
	bool told = false;
	for (;;) {
		struct request *req;
		enum source_status st = source_next(src, &req);
		if (st == SOURCE_REQUEST) {
			if (!shard_mine(&r->shard, req->index, req->error ? NULL : req->hostkey))
				; /* another shard's to carry on */
			else if (req->error || !resume_skip(r, req))
				save_line(r, req->line, req->line_len);
			bytes += req->line_len + 1;
			request_free(req);
			if (bounded && (++lines >= UNREAD_MAX_LINES || bytes >= UNREAD_MAX_BYTES))
				break;
			continue;
		}
		if (st != SOURCE_AGAIN)
			return;
		if (!told) {
			msg_warn("saving the unread input to '%s' until it ends (Ctrl-C again to "
				 "stop)",
				 r->save_path);
			told = true;
		}
		if (!wait_input(src, wake_fd, interrupted, ctx, until))
			break;
	}
	msg_warn("stopped saving the unread input after %zu lines: the rest is not in '%s'", lines,
		 r->save_path);
}

int resume_finish(struct resume *r, bool stopped_early, struct source *src, int wake_fd,
		  int (*interrupted)(void *ctx), void *ctx, char *err, size_t errlen)
{
	if (!r->save)
		return 0;
	if (!stopped_early) {
		remove_temp(r);
		return 0;
	}
	save_unread(r, src, wake_fd, interrupted, ctx);
	int bad = ferror(r->save);
	if (fflush(r->save) != 0 || fsync(fileno(r->save)) != 0)
		bad = 1;
	if (bad || r->saved == 0) {
		remove_temp(r);
		if (bad) {
			snprintf(err, errlen, "--save-unfinished: cannot write beside '%s'",
				 r->save_path);
			return -1;
		}
		return 0;
	}
	fclose(r->save);
	r->save = NULL;
	if (rename(r->tmp_path, r->save_path) != 0) {
		snprintf(err, errlen, "--save-unfinished: cannot rename to '%s': %s", r->save_path,
			 strerror(errno));
		remove_temp(r);
		return -1;
	}
	free(r->tmp_path);
	r->tmp_path = NULL;
	return 0;
}
