#include "body.h"

#include <errno.h>

void body_trim(struct body *b)
{
	if (b->mem.cap > BODY_KEEP_CAP)
		buf_free(&b->mem);
	b->mem.len = 0;
}

int body_open(struct body *b, enum body_mode mode, const struct sink *sink, long long max)
{
	body_abandon(b);
	body_trim(b);
	b->mode = mode;
	b->sink = sink;
	b->max = max;
	b->size = 0;
	b->too_large = false;
	b->io_errno = 0;
	if (mode == BODY_SINK && !(b->open = sink->open(sink->ctx)))
		return -1;
	return 0;
}

int body_write(struct body *b, const char *data, size_t n)
{
	if (b->max > 0 && b->mode != BODY_DISCARD && (long long)(b->size + n) > b->max) {
		b->too_large = true;
		return -1;
	}
	switch (b->mode) {
	case BODY_MEMORY: buf_add(&b->mem, data, n); break;
	case BODY_DISCARD: break;
	case BODY_SINK:
		if (b->sink->write(b->open, data, n) != 0) {
			b->io_errno = errno ? errno : EIO;
			return -1;
		}
		break;
	}
	b->size += n;
	return 0;
}

int body_commit(struct body *b, const struct result *res, struct buf *where)
{
	if (b->mode != BODY_SINK || !b->open)
		return 0;
	void *open = b->open;
	b->open = NULL;
	return b->sink->commit(open, res, where);
}

void body_abandon(struct body *b)
{
	if (!b->open)
		return;
	b->sink->abandon(b->open);
	b->open = NULL;
}

void body_free(struct body *b)
{
	body_abandon(b);
	buf_free(&b->mem);
}
