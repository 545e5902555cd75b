#include "filesink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "savedir.h"
#include "template.h"
#include "xalloc.h"

struct filesink {
	struct savedir *dir;
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
	fs->scratch.len = 0;
	template_render(fs->name, res, &fs->scratch);
	int rc = savedir_commit(fs->dir, b->fd, b->tmp, fs->scratch.data ? fs->scratch.data : "",
				where);
	free(b);
	return rc;
}

static void file_abandon(void *body)
{
	struct file_body *b = body;
	savedir_discard(b->fs->dir, b->fd, b->tmp);
	free(b);
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
	fs->sink = (struct sink){file_open, file_write, file_commit, file_abandon, fs};
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

const struct sink *filesink_sink(struct filesink *fs)
{
	return &fs->sink;
}
