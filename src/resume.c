#include "resume.h"

#include <errno.h>
#include <fcntl.h>
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

/* One --skip-done key: a 128-bit digest (see url.h); all zero is an
 * empty slot. */
struct digest {
	uint64_t d[2];
};

struct resume {
	/* --skip-done: an open-addressing set of digests, at most three
	 * quarters full. */
	struct digest *keys;
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

/* Of each --skip-done line, only this much is held: a record's index,
 * id, url, url_digest and ok come first and fit (an input line is at
 * most SOURCE_LINE_MAX); the body after them is passed over unread. */
#define SKIP_HEAD_MAX (2 * SOURCE_LINE_MAX)

static bool is_empty(const struct digest *k)
{
	return !k->d[0] && !k->d[1];
}

static void set_add(struct resume *r, struct digest key)
{
	if (is_empty(&key))
		key.d[0] = 1;
	if (4 * (r->nkeys + 1) > 3 * r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct digest *keys = xcalloc(cap, sizeof *keys);
		for (size_t i = 0; i < r->cap; i++) {
			if (is_empty(&r->keys[i]))
				continue;
			size_t j = r->keys[i].d[0] & (cap - 1);
			while (!is_empty(&keys[j]))
				j = (j + 1) & (cap - 1);
			keys[j] = r->keys[i];
		}
		free(r->keys);
		r->keys = keys;
		r->cap = cap;
	}
	size_t j = key.d[0] & (r->cap - 1);
	while (!is_empty(&r->keys[j])) {
		if (r->keys[j].d[0] == key.d[0] && r->keys[j].d[1] == key.d[1])
			return;
		j = (j + 1) & (r->cap - 1);
	}
	r->keys[j] = key;
	r->nkeys++;
}

static bool set_has(const struct resume *r, struct digest key)
{
	if (!r->cap)
		return false;
	if (is_empty(&key))
		key.d[0] = 1;
	for (size_t j = key.d[0] & (r->cap - 1); !is_empty(&r->keys[j]); j = (j + 1) & (r->cap - 1))
		if (r->keys[j].d[0] == key.d[0] && r->keys[j].d[1] == key.d[1])
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
		buf_adds(out, url);
	}
}

/* The digest of resume_key(id, url): for a URL, url_digest()'s. */
static struct digest key_digest(const char *id, const char *url)
{
	struct digest k;
	if (id) {
		struct buf key = BUF_INIT;
		resume_key(&key, id, url);
		hash_digest128(key.data, key.len, k.d);
		buf_free(&key);
	} else {
		url_digest(url, k.d);
	}
	return k;
}

/* Remember one earlier record if it is ok. Lines that are not records
 * (a text-format run, a --format json bracket) are passed over; so is a
 * record cut short (by SKIP_HEAD_MAX) before its ok. A record without
 * url_digest (one whose URL showed no credentials, or one written before
 * urlfan wrote url_digest) is keyed by its url as shown: the same as the
 * unmasked URL when nothing was masked. */
static void load_record(struct resume *r, const char *line, size_t n)
{
	size_t pos = 0;
	struct json_member m;
	struct buf url = BUF_INIT, id = BUF_INIT, hex = BUF_INIT;
	bool ok = false, id_text = false;
	const char *idv = NULL;
	size_t idn = 0;
	while (json_object_next(line, n, &pos, &m) == 1) {
		if (m.key_len == 4 && memcmp(m.key, "\"ok\"", 4) == 0)
			ok = m.val_len == 4 && memcmp(m.val, "true", 4) == 0;
		else if (m.key_len == 5 && memcmp(m.key, "\"url\"", 5) == 0)
			json_string_decode(m.val, m.val_len, &url);
		else if (m.key_len == 12 && memcmp(m.key, "\"url_digest\"", 12) == 0)
			json_string_decode(m.val, m.val_len, &hex);
		else if (m.key_len == 4 && memcmp(m.key, "\"id\"", 4) == 0)
			idv = m.val, idn = m.val_len;
		else if (m.key_len == 13 && memcmp(m.key, "\"id_encoding\"", 13) == 0)
			id_text = m.val_len == 6 && memcmp(m.val, "\"text\"", 6) == 0;
	}
	/* An id jq could not read was written as a string of its text. */
	if (idv && id_text)
		json_string_decode(idv, idn, &id);
	else if (idv)
		json_reformat(idv, idn, &id, -1);
	struct digest k;
	if (!ok) {
		/* not done */
	} else if (id.data) {
		set_add(r, key_digest(id.data, NULL));
	} else if (hex.data && url_digest_parse(hex.data, hex.len, k.d)) {
		set_add(r, k);
	} else if (url.data && !memchr(url.data, '\0', url.len)) {
		set_add(r, key_digest(NULL, url.data));
	}
	buf_free(&url);
	buf_free(&id);
	buf_free(&hex);
}

/* Read FILE's lines, each held up to SKIP_HEAD_MAX bytes. FILE must be a
 * regular file or a pipe: a device (/dev/zero) may never end a line, nor
 * itself. */
static int load(struct resume *r, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		snprintf(err, errlen, "--skip-done: cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
		snprintf(err, errlen, "--skip-done: '%s' is not a regular file or a pipe", path);
		close(fd);
		return -1;
	}
	char *line = xmalloc(SKIP_HEAD_MAX);
	char chunk[65536];
	size_t len = 0;
	ssize_t got;
	int read_errno = 0;
	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			read_errno = errno;
		if (got <= 0)
			break;
		const char *p = chunk, *end = chunk + got;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t take = (size_t)((nl ? nl : end) - p);
			size_t room = SKIP_HEAD_MAX - len;
			if (take > room) /* the rest of a long line is dropped */
				take = room;
			memcpy(line + len, p, take);
			len += take;
			if (!nl)
				break;
			/* --format json puts ",\n" between records: strip it. */
			while (len > 0 && (line[len - 1] == ',' || line[len - 1] == '\r'))
				len--;
			load_record(r, line, len);
			len = 0;
			p = nl + 1;
		}
	}
	if (got == 0 && len)
		load_record(r, line, len);
	free(line);
	close(fd);
	if (got < 0) {
		snprintf(err, errlen, "--skip-done: error reading '%s': %s", path,
			 strerror(read_errno));
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

/* FILE is replaced by a rename: that is right only for a regular file (or
 * none yet). A symlink would become a file, a FIFO's reader would wait
 * forever, a device (/dev/stderr as root) would be gone for every
 * process; and the file stdout goes to would take the ok records written
 * to it along with its old inode. All are refused before anything is
 * fetched. */
static int check_save_path(const char *path, char *err, size_t errlen)
{
	struct stat st, out;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "--save-unfinished: '%s': %s", path, strerror(errno));
		return -1;
	}
	const char *what = S_ISREG(st.st_mode)                          ? NULL
			   : S_ISDIR(st.st_mode)                        ? "a directory"
			   : S_ISLNK(st.st_mode)                        ? "a symbolic link"
			   : S_ISFIFO(st.st_mode)                       ? "a FIFO"
			   : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
									: "not a regular file";
	if (what) {
		snprintf(err, errlen,
			 "--save-unfinished: '%s' is %s: it would be replaced; give a regular "
			 "file or a new name",
			 path, what);
		return -1;
	}
	if (fstat(1, &out) == 0 && out.st_dev == st.st_dev && out.st_ino == st.st_ino) {
		snprintf(err, errlen,
			 "--save-unfinished: '%s' is where standard output goes: the records "
			 "written there would be lost; give another file",
			 path);
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
		if (check_save_path(r->save_path, err, errlen) != 0)
			goto fail;
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
	free(r->keys);
	remove_temp(r);
	free(r);
}

bool resume_skip(const struct resume *r, const struct request *req)
{
	if (!r->nkeys)
		return false;
	return set_has(r, key_digest(req->id, req->url));
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
	/* What FILE is may have changed since the start: check again, just
	 * before replacing it. */
	if (check_save_path(r->save_path, err, errlen) != 0) {
		remove_temp(r);
		return -1;
	}
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
