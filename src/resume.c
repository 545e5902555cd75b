#include "resume.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "hash.h"
#include "json.h"
#include "json_string.h"
#include "shard.h"
#include "url.h"
#include "xalloc.h"

struct resume {
	/* --skip-done: an open-addressing set of keys. */
	char **keys;
	size_t nkeys, cap; /* cap is a power of two, or 0 */
	/* --save-unfinished */
	FILE *save;
	const char *save_path;
	struct shard shard; /* --shard: only this shard's lines are saved */
};

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

struct resume *resume_create(const struct config *cfg, char *err, size_t errlen)
{
	struct resume *r = xcalloc(1, sizeof *r);
	r->shard = cfg->shard;
	if (cfg->skip_done && load(r, cfg->skip_done, err, errlen) != 0)
		goto fail;
	if (cfg->save_unfinished) {
		r->save_path = cfg->save_unfinished;
		if (!(r->save = fopen(r->save_path, "w"))) {
			snprintf(err, errlen, "--save-unfinished: cannot create '%s': %s",
				 r->save_path, strerror(errno));
			goto fail;
		}
	}
	return r;
fail:
	resume_destroy(r);
	return NULL;
}

void resume_destroy(struct resume *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->cap; i++)
		free(r->keys[i]);
	free(r->keys);
	if (r->save)
		fclose(r->save);
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
}

void resume_record(struct resume *r, const struct result *res)
{
	if (r->save && !res->ok)
		save_line(r, res->line, res->line_len);
}

int resume_finish(struct resume *r, bool interrupted, struct source *src, char *err, size_t errlen)
{
	if (!r->save)
		return 0;
	if (!interrupted) {
		fclose(r->save);
		r->save = NULL;
		unlink(r->save_path);
		return 0;
	}
	struct request *req;
	while (source_next(src, &req) == SOURCE_REQUEST) {
		if (!shard_mine(&r->shard, req->index, req->error ? NULL : req->hostkey))
			; /* another shard's to carry on */
		else if (req->error || !resume_skip(r, req))
			save_line(r, req->line, req->line_len);
		request_free(req);
	}
	int bad = ferror(r->save);
	if (fclose(r->save) != 0)
		bad = 1;
	r->save = NULL;
	if (bad) {
		snprintf(err, errlen, "--save-unfinished: cannot write '%s'", r->save_path);
		return -1;
	}
	return 0;
}
