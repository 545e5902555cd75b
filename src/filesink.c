#include "filesink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "savedir.h"
#include "template.h"
#include "xalloc.h"

struct filesink {
	struct savedir *dir;
	bool remote_time; /* -R: files take the Last-Modified time */
	struct template *name;
	struct buf scratch; /* the rendered name */
	struct sink sink;
};

/* One body on its way to a file. */
struct file_body {
	struct filesink *fs;
	int fd;
	char tmp[64];
};

static void *file_open(void *ctx)
{
	struct filesink *fs = ctx;
	struct file_body *b = xmalloc(sizeof *b);
	b->fs = fs;
	if ((b->fd = savedir_temp(fs->dir, b->tmp)) < 0) {
		int saved = errno;
		free(b);
		errno = saved;
		return NULL;
	}
	return b;
}

static int file_write(void *body, const char *data, size_t n)
{
	struct file_body *b = body;
	for (size_t done = 0; done < n;) {
		ssize_t w = write(b->fd, data + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

static int file_commit(void *body, const struct result *res, struct buf *where)
{
	struct file_body *b = body;
	struct filesink *fs = b->fs;
	int rc;
	/* -R: the time goes on before the file gets its name, so that no
	 * reader sees it with the wrong one. */
	if (fs->remote_time && res->filetime >= 0) {
		struct timespec t[2] = {{(time_t)res->filetime, 0}, {(time_t)res->filetime, 0}};
		futimens(b->fd, t);
	}
	fs->scratch.len = 0;
	template_render(fs->name, res, &fs->scratch);
	const char *name = fs->scratch.data ? fs->scratch.data : "";
	const char *state = res->file_state ? res->file_state : "";
	if (strcmp(state, "kept") == 0) {
		/* 304: the file there is current; the empty body goes. */
		struct stat st;
		savedir_discard(fs->dir, b->fd, b->tmp);
		if ((rc = savedir_find(fs->dir, name, &st, where)) != 0)
			errno = ENOENT;
	} else if (strcmp(state, "refreshed") == 0) {
		rc = savedir_replace(fs->dir, b->fd, b->tmp, name, where);
	} else {
		rc = savedir_commit(fs->dir, b->fd, b->tmp, name, where);
	}
	free(b);
	return rc;
}

static void file_abandon(void *body)
{
	struct file_body *b = body;
	savedir_discard(b->fs->dir, b->fd, b->tmp);
	free(b);
}

/* -N: the time of the file the request's name gives, if one is there. */
static long long file_since(void *ctx, const struct result *req)
{
	struct filesink *fs = ctx;
	struct stat st;
	fs->scratch.len = 0;
	template_render(fs->name, req, &fs->scratch);
	if (savedir_find(fs->dir, fs->scratch.data ? fs->scratch.data : "", &st, NULL) != 0)
		return -1;
	return (long long)st.st_mtime;
}

struct filesink *filesink_create(const char *dir, const char *name, bool overwrite, char *err,
				 size_t errlen)
{
	struct filesink *fs = xcalloc(1, sizeof *fs);
	if (!(fs->name = template_compile(name ? name : "%{index}", err, errlen)))
		goto fail;
	if (template_has_streams(fs->name)) {
		snprintf(err, errlen, "%%{stdout} and %%{stderr} have no place in a --name");
		goto fail;
	}
	if (!(fs->dir = savedir_open(dir, overwrite, err, errlen)))
		goto fail;
	fs->sink = (struct sink){file_open, file_write, file_commit, file_abandon, fs, file_since};
	return fs;
fail:
	filesink_destroy(fs);
	return NULL;
}

void filesink_destroy(struct filesink *fs)
{
	if (!fs)
		return;
	savedir_close(fs->dir);
	template_destroy(fs->name);
	buf_free(&fs->scratch);
	free(fs);
}

void filesink_remote_time(struct filesink *fs)
{
	fs->remote_time = true;
}

const struct sink *filesink_sink(struct filesink *fs)
{
	return &fs->sink;
}
