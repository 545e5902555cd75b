#if HAVE_O_TMPFILE
#define _GNU_SOURCE /* O_TMPFILE */
#endif
#include "savedir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "hash.h"
#include "utf8.h"
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
	/* Where temporary files live, out of the final names' space: no
	 * name at all (O_TMPFILE, linked in by its /proc/self/fd path), or,
	 * where the file system has no O_TMPFILE, a private directory
	 * (privfd) in DIR that no final path may enter. */
	bool no_tmpfile;
	int privfd; /* -1 until made */
	char privname[64];
	/* The last relative path committed and the next numeric suffix to
	 * try for it: many bodies with one --name cost one rename each, not
	 * one per body before them. */
	uint64_t last_rel;
	unsigned long last_n;
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
	sd->privfd = -1;
	/* An O_TMPFILE file is linked in by its /proc/self/fd path
	 * (linkat's AT_EMPTY_PATH needs a capability): without /proc, the
	 * private directory. */
	sd->no_tmpfile = !HAVE_O_TMPFILE || !compat_proc_fd() || access("/proc/self/fd", X_OK) != 0;
	return sd;
}

void savedir_close(struct savedir *sd)
{
	if (!sd)
		return;
	if (sd->privfd >= 0) {
		close(sd->privfd);
		unlinkat(sd->fd, sd->privname, AT_REMOVEDIR); /* if empty */
	}
	close(sd->fd);
	free(sd->path);
	free(sd);
}

/* The private directory for temporary files, made at first need. */
static int private_dir(struct savedir *sd)
{
	if (sd->privfd >= 0)
		return 0;
	for (int tries = 0; tries < 100; tries++) {
		snprintf(sd->privname, sizeof sd->privname, ".urlfan-%ld-%lu.tmp", (long)getpid(),
			 sd->counter++);
		if (mkdirat(sd->fd, sd->privname, 0700) != 0) {
			if (errno == EEXIST)
				continue;
			return -1;
		}
		sd->privfd = openat(sd->fd, sd->privname,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return sd->privfd >= 0 ? 0 : -1;
	}
	errno = EEXIST;
	return -1;
}

int savedir_temp(struct savedir *sd, char tmp[64])
{
#if HAVE_O_TMPFILE
	if (!sd->no_tmpfile) {
		tmp[0] = '\0';
		int fd = openat(sd->fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		/* No O_TMPFILE here (EOPNOTSUPP, or EISDIR on an old
		 * kernel): the private directory. */
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return -1;
		sd->no_tmpfile = true;
	}
#endif
	if (private_dir(sd) != 0)
		return -1;
	for (int tries = 0; tries < 100; tries++) {
		snprintf(tmp, 64, "%lu.part", sd->counter++);
		int fd = openat(sd->privfd, tmp,
				O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

void savedir_no_tmpfile(struct savedir *sd)
{
	sd->no_tmpfile = true;
}

int savedir_replace(struct savedir *sd, int fd, const char *tmp, const char *wanted,
		    struct buf *final)
{
	/* --overwrite's path, for this one file: the loop is the only
	 * thread. */
	bool overwrite = sd->overwrite;
	sd->overwrite = true;
	sd->last_n = 0; /* the name itself, not the suffix after the last one */
	int rc = savedir_commit(sd, fd, tmp, wanted, final);
	sd->overwrite = overwrite;
	return rc;
}

int savedir_find(struct savedir *sd, const char *wanted, struct stat *st, struct buf *final)
{
	struct buf rel = BUF_INIT;
	savedir_sanitize(wanted, &rel);
	int rc = fstatat(sd->fd, rel.data, st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st->st_mode)
			 ? 0
			 : -1;
	if (rc == 0 && final) {
		buf_adds(final, sd->path);
		if (final->len && final->data[final->len - 1] != '/')
			buf_addc(final, '/');
		buf_adds(final, rel.data);
	}
	buf_free(&rel);
	return rc;
}

void savedir_discard(struct savedir *sd, int fd, const char *tmp)
{
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlinkat(sd->privfd, tmp, 0);
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

/* Append one sanitised path part: control characters (C0, DEL and C1)
 * and each byte that is not part of well-formed UTF-8 become '_', so
 * that the name on disk is the record's "file" byte for byte (a JSON
 * string holds only UTF-8) and safe to show; and a part longer than
 * PART_MAX is cut, without splitting a UTF-8 sequence where there is one
 * to keep whole, and tagged with its hash. */
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
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < keep;) {
		size_t len = u[i] < 0x80 ? 1 : utf8_seq(u + i, keep - i);
		bool c1 = len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0;
		if (len == 0 || c1 || u[i] < 0x20 || u[i] == 0x7f) {
			buf_addc(out, '_');
			i += len ? len : 1;
		} else {
			buf_add(out, s + i, len);
			i += len;
		}
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
 * symlinks; if name is taken by something else, or is the private
 * directory of temporary files (avoid, at the top only), use name.N. */
static int open_subdir(int dirfd, struct buf *name, const char *avoid)
{
	size_t base = name->len;
	for (int n = 0; n < SUFFIX_TRIES; n++) {
		if (n) {
			name->len = base;
			buf_printf(name, ".%d", n);
		}
		if (avoid && strcmp(name->data, avoid) == 0)
			continue;
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

/* Give the O_TMPFILE file fd the fresh name side in dirfd, for
 * --overwrite: linkat never replaces, so the file is linked beside its
 * final name, then renamed over it. The side name lives only inside one
 * savedir_commit(), and the loop is the only thread, so no other body's
 * final name meets it. (An O_TMPFILE file can be linked once only: the
 * side name is kept until a rename takes.) */
static int link_side(struct savedir *sd, int fd, int dirfd, char side[64])
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	for (int tries = 0; tries < 100; tries++) {
		snprintf(side, 64, ".urlfan-%ld-%lu.link", (long)getpid(), sd->counter++);
		if (linkat(AT_FDCWD, proc, dirfd, side, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	side[0] = '\0';
	return -1;
}

/* Give the temporary file the name dirfd/name: the file srcdir/src when
 * src is a name, else the O_TMPFILE file fd. Never replaces anything
 * unless --overwrite, and never a directory. Returns 0, or -1 with errno
 * (EEXIST: the name is taken). */
static int place(struct savedir *sd, int fd, int srcdir, const char *src, int dirfd,
		 const char *name)
{
	if (src[0]) {
		if (sd->overwrite)
			return renameat(srcdir, src, dirfd, name);
		return compat_rename_noreplace(srcdir, src, dirfd, name);
	}
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
}

/* The name for try n of a name whose plain form is taken: numbered
 * suffixes ".1", ".2", ...; after SUFFIX_TRIES of them, one made unique
 * by this process and a counter (".~PID-N"), so that the thousand-and-
 * first body with one --name still gets a file. */
static void suffixed(struct savedir *sd, struct buf *part, size_t base, unsigned long n)
{
	part->len = base;
	if (n < SUFFIX_TRIES)
		buf_printf(part, ".%lu", n);
	else
		buf_printf(part, ".~%ld-%lu", (long)getpid(), sd->counter++);
}

int savedir_commit(struct savedir *sd, int fd, const char *tmp, const char *wanted,
		   struct buf *final)
{
	struct buf rel = BUF_INIT, part = BUF_INIT, done = BUF_INIT;
	int dirfd = sd->fd, rc = -1, saved = 0;
	/* A named temporary file is closed (and a late write error seen)
	 * before it is given its name; an O_TMPFILE one after. */
	if (tmp[0]) {
		int c = close(fd);
		fd = -1;
		if (c != 0)
			goto out;
	}
	savedir_sanitize(wanted, &rel);
	const char *p = rel.data;
	for (const char *slash; (slash = strchr(p, '/')); p = slash + 1) {
		part.len = 0;
		buf_add(&part, p, (size_t)(slash - p));
		int sub = open_subdir(dirfd, &part,
				      dirfd == sd->fd && sd->privfd >= 0 ? sd->privname : NULL);
		if (sub < 0)
			goto out;
		if (dirfd != sd->fd)
			close(dirfd);
		dirfd = sub;
		buf_add(&done, part.data, part.len);
		buf_addc(&done, '/');
	}
	part.len = 0;
	buf_adds(&part, p);
	size_t base = part.len;
	uint64_t h = hash_str(rel.data);
	unsigned long n = h == sd->last_rel && sd->last_n ? sd->last_n : 0;
	bool placed = false;
	int srcdir = sd->privfd;
	const char *src = tmp;
	char side[64] = "";
	if (!tmp[0] && sd->overwrite) {
		if (link_side(sd, fd, dirfd, side) != 0)
			goto out;
		srcdir = dirfd;
		src = side;
	}
	for (int tries = 0; tries < 2 * SUFFIX_TRIES && !placed; tries++, n++) {
		if (n)
			suffixed(sd, &part, base, n);
		placed = place(sd, fd, srcdir, src, dirfd, part.data) == 0;
		/* Taken (or a directory is there): try the next suffix. */
		if (!placed && errno != EEXIST && errno != EISDIR && errno != ENOTEMPTY)
			break;
		if (!placed)
			errno = EEXIST;
	}
	if (!placed) {
		saved = errno;
		if (side[0])
			unlinkat(dirfd, side, 0);
		errno = saved;
		goto out;
	}
	if (fd >= 0) {
		int c = close(fd);
		fd = -1;
		if (c != 0) {
			saved = errno;
			unlinkat(dirfd, part.data, 0);
			errno = saved;
			goto out;
		}
	}
	sd->last_rel = h;
	sd->last_n = n;
	buf_adds(final, sd->path);
	if (final->len && final->data[final->len - 1] != '/')
		buf_addc(final, '/');
	buf_add(final, done.data ? done.data : "", done.len);
	buf_add(final, part.data, part.len);
	rc = 0;
out:
	saved = errno;
	if (rc != 0)
		savedir_discard(sd, fd, tmp);
	if (dirfd != sd->fd)
		close(dirfd);
	buf_free(&rel);
	buf_free(&part);
	buf_free(&done);
	errno = saved;
	return rc;
}
