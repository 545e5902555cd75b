#define _GNU_SOURCE /* O_TMPFILE */
#include "bodysink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xalloc.h"

/* One body on its way out. */
struct spill {
	struct bodysink *bs;
	struct buf mem;
	int fd; /* -1 while in memory */
	unsigned long long len;
};

struct bodysink {
	size_t spill_at;
	char *tmpdir;
	struct spill *ready; /* committed, not taken yet */
	struct sink sink;
};

static void spill_free(struct spill *b)
{
	if (!b)
		return;
	buf_free(&b->mem);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

static void *spill_open(void *ctx)
{
	struct spill *b = xcalloc(1, sizeof *b);
	b->bs = ctx;
	b->fd = -1;
	return b;
}

/* An unlinked file: O_TMPFILE where the file system has it, else a
 * named file removed at once. */
static int temp_file(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/urlfan-body-XXXXXX", dir);
	fd = mkostemp(path.data, O_CLOEXEC);
	if (fd >= 0)
		unlink(path.data);
	int saved = errno;
	buf_free(&path);
	errno = saved;
	return fd;
}

static int write_all(int fd, const char *data, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t w = write(fd, data + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

static int spill_write(void *body, const char *data, size_t n)
{
	struct spill *b = body;
	if (b->fd < 0 && b->mem.len + n <= b->bs->spill_at) {
		buf_add(&b->mem, data, n);
		b->len += n;
		return 0;
	}
	if (b->fd < 0) {
		if ((b->fd = temp_file(b->bs->tmpdir)) < 0)
			return -1;
		if (write_all(b->fd, b->mem.data ? b->mem.data : "", b->mem.len) != 0)
			return -1;
		buf_free(&b->mem);
	}
	if (write_all(b->fd, data, n) != 0)
		return -1;
	b->len += n;
	return 0;
}

static int spill_commit(void *body, const struct result *res, struct buf *where)
{
	struct spill *b = body;
	(void)res;
	(void)where;
	spill_free(b->bs->ready);
	b->bs->ready = b;
	return 0;
}

static void spill_abandon(void *body)
{
	spill_free(body);
}

struct bodysink *bodysink_create(size_t spill_at, const char *tmpdir)
{
	struct bodysink *bs = xcalloc(1, sizeof *bs);
	const char *env = getenv("TMPDIR");
	bs->spill_at = spill_at;
	bs->tmpdir = xstrdup(tmpdir ? tmpdir : env && *env ? env : "/tmp");
	bs->sink = (struct sink){spill_open, spill_write, spill_commit, spill_abandon, bs, NULL};
	return bs;
}

void bodysink_destroy(struct bodysink *bs)
{
	if (!bs)
		return;
	spill_free(bs->ready);
	free(bs->tmpdir);
	free(bs);
}

const struct sink *bodysink_sink(struct bodysink *bs)
{
	return &bs->sink;
}

bool bodysink_take(struct bodysink *bs, struct buf *mem, int *fd, unsigned long long *len)
{
	struct spill *b = bs->ready;
	if (!b)
		return false;
	bs->ready = NULL;
	*len = b->len;
	*fd = b->fd;
	b->fd = -1;
	if (*fd < 0) {
		*mem = b->mem;
		b->mem = (struct buf)BUF_INIT;
	}
	spill_free(b);
	return true;
}
