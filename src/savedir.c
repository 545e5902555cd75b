#include "savedir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "hash.h"
#include "xalloc.h"

/* Bounds on names: each part fits every common file system (NAME_MAX is
 * 255 bytes, and a numeric suffix may be added), and the whole relative
 * path stays far below PATH_MAX, whatever DIR is. */
#define PART_MAX 200
#define PATH_PARTS 16
#define PATH_REL_MAX 1024
/* A part that is cut ends in "~" and 8 hex digits of the hash of the whole
 * part, so that names that differ only past the cut stay different. */
#define CUT_TAG 9
#define SUFFIX_TRIES 1000

struct savedir {
	int fd;
	char *path;
	bool overwrite;
	unsigned long counter;
};

/* mkdir -p, for the directory given on the command line (trusted). */
static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

struct savedir *savedir_open(const char *path, bool overwrite, char *err, size_t errlen)
{
	if (mkdirs(path) != 0) {
		snprintf(err, errlen, "cannot create directory '%s': %s", path, strerror(errno));
		return NULL;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open directory '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct savedir *sd = xcalloc(1, sizeof *sd);
	sd->fd = fd;
	sd->path = xstrdup(path);
	sd->overwrite = overwrite;
	return sd;
}

void savedir_close(struct savedir *sd)
{
	if (!sd)
		return;
	close(sd->fd);
	free(sd->path);
	free(sd);
}

int savedir_temp(struct savedir *sd, char tmp[64])
{
	for (int tries = 0; tries < 100; tries++) {
		snprintf(tmp, 64, ".urlfan-%ld-%lu.part", (long)getpid(), sd->counter++);
		int fd = openat(sd->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

void savedir_discard(struct savedir *sd, const char *tmp)
{
	unlinkat(sd->fd, tmp, 0);
}

/* One part of a wanted name, before it is cut. */
struct part {
	const char *s;
	size_t n;
};

/* The length a part of n bytes has in the result. */
static size_t cut_len(size_t n)
{
	return n > PART_MAX ? PART_MAX : n;
}

/* Append one sanitised path part: control characters become '_', and a
 * part longer than PART_MAX is cut, without splitting a UTF-8 sequence
 * where there is one to keep whole, and tagged with its hash. */
static void add_part(struct buf *out, const char *s, size_t n)
{
	size_t keep = n;
	if (n > PART_MAX) {
		keep = PART_MAX - CUT_TAG;
		while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
			keep--;
		if (keep == 0) /* no sequence start at all: not UTF-8 */
			keep = PART_MAX - CUT_TAG;
	}
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];
		buf_addc(out, c < 0x20 || c == 0x7f ? '_' : (char)c);
	}
	if (keep < n)
		buf_printf(out, "~%08x", (unsigned)(hash_mem(s, n) & 0xffffffffu));
}

/* Append parts[0..n) as one part, joined by '_', then cut as one. */
static void add_folded(struct buf *out, const struct part *parts, size_t n)
{
	struct buf joined = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(&joined, '_');
		buf_add(&joined, parts[i].s, parts[i].n);
	}
	add_part(out, joined.data, joined.len);
	buf_free(&joined);
}

void savedir_sanitize(const char *wanted, struct buf *out)
{
	struct part *parts = NULL;
	size_t nparts = 0;
	const char *s = wanted;
	while (*s) {
		size_t n = strcspn(s, "/");
		bool dots = (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
		if (n > 0 && !dots) {
			parts = xrealloc(parts, (nparts + 1) * sizeof *parts);
			parts[nparts++] = (struct part){s, n};
		}
		s += n;
		if (*s == '/')
			s++;
	}
	/* A name ending in '/' names a directory: the file inside is '_'
	 * (unless the part limit leaves no room for it). */
	if (nparts == 0 || (s > wanted && s[-1] == '/' && nparts < PATH_PARTS)) {
		parts = xrealloc(parts, (nparts + 1) * sizeof *parts);
		parts[nparts++] = (struct part){"_", 1};
	}
	/* Directories while the part count and the path length allow, with
	 * room for a last part of PART_MAX; the rest is folded into that
	 * last part rather than lost. */
	size_t used = 0, i = 0;
	for (; i + 1 < nparts && i + 1 < PATH_PARTS; i++) {
		size_t len = cut_len(parts[i].n) + 1;
		if (used + len + PART_MAX > PATH_REL_MAX)
			break;
		add_part(out, parts[i].s, parts[i].n);
		buf_addc(out, '/');
		used += len;
	}
	add_folded(out, parts + i, nparts - i);
	free(parts);
}

/* Open (creating) directory part name under dirfd without following
 * symlinks; if name is taken by something else, use name.N. */
static int open_subdir(int dirfd, struct buf *name)
{
	size_t base = name->len;
	for (int n = 0; n < SUFFIX_TRIES; n++) {
		if (n) {
			name->len = base;
			buf_printf(name, ".%d", n);
		}
		if (mkdirat(dirfd, name->data, 0777) != 0 && errno != EEXIST)
			return -1;
		int fd = openat(dirfd, name->data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != ENOTDIR && errno != ELOOP)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int savedir_commit(struct savedir *sd, const char *tmp, const char *wanted, struct buf *final)
{
	struct buf rel = BUF_INIT, part = BUF_INIT, done = BUF_INIT;
	int dirfd = sd->fd, rc = -1, saved = 0;
	savedir_sanitize(wanted, &rel);
	const char *p = rel.data;
	for (const char *slash; (slash = strchr(p, '/')); p = slash + 1) {
		part.len = 0;
		buf_add(&part, p, (size_t)(slash - p));
		int fd = open_subdir(dirfd, &part);
		if (fd < 0)
			goto out;
		if (dirfd != sd->fd)
			close(dirfd);
		dirfd = fd;
		buf_add(&done, part.data, part.len);
		buf_addc(&done, '/');
	}
	part.len = 0;
	buf_adds(&part, p);
	size_t base = part.len;
	for (int n = 0; n < SUFFIX_TRIES; n++) {
		if (n) {
			part.len = base;
			buf_printf(&part, ".%d", n);
		}
		int r = sd->overwrite ? renameat(sd->fd, tmp, dirfd, part.data)
				      : compat_rename_noreplace(sd->fd, tmp, dirfd, part.data);
		if (r == 0) {
			buf_adds(final, sd->path);
			if (final->len && final->data[final->len - 1] != '/')
				buf_addc(final, '/');
			buf_add(final, done.data ? done.data : "", done.len);
			buf_add(final, part.data, part.len);
			rc = 0;
			goto out;
		}
		/* Taken (or a directory is there): try the next suffix. */
		if (errno != EEXIST && errno != EISDIR && errno != ENOTEMPTY)
			goto out;
	}
	errno = EEXIST;
out:
	saved = errno;
	if (rc != 0)
		savedir_discard(sd, tmp);
	if (dirfd != sd->fd)
		close(dirfd);
	buf_free(&rel);
	buf_free(&part);
	buf_free(&done);
	errno = saved;
	return rc;
}
