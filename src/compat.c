/* HAVE_*: 0 or 1 from meson (src/meson.build), never guessed here. */
#if HAVE_MEMRCHR || HAVE_MEMMEM || HAVE_RENAMEAT2 || HAVE_MEMFD_CREATE
#define _GNU_SOURCE /* memrchr, memmem, renameat2, memfd_create: only with it */
#endif
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#if HAVE_MALLOPT
#include <malloc.h>
#endif
#if HAVE_MEMFD_CREATE
#include <sys/mman.h>
#endif

void *compat_memrchr(const void *s, int c, size_t n)
{
#if HAVE_MEMRCHR
	return memrchr(s, c, n);
#else
	const unsigned char *p = s;
	while (n--)
		if (p[n] == (unsigned char)c)
			return (void *)(p + n);
	return NULL;
#endif
}

void *compat_memmem(const void *hay, size_t hay_len, const void *needle, size_t needle_len)
{
#if HAVE_MEMMEM
	return memmem(hay, hay_len, needle, needle_len);
#else
	const unsigned char *h = hay, *n = needle;
	if (needle_len == 0)
		return (void *)h;
	/* memchr for the first byte, memcmp for the rest: the needles
	 * urlfan looks for are short. */
	while (hay_len >= needle_len) {
		const unsigned char *p = memchr(h, n[0], hay_len - needle_len + 1);
		if (!p)
			return NULL;
		if (memcmp(p, n, needle_len) == 0)
			return (void *)p;
		hay_len -= (size_t)(p - h) + 1;
		h = p + 1;
	}
	return NULL;
#endif
}

/* A new name by a hard link, then the old one gone: linkat() fails with
 * EEXIST where to exists, which is the no-replace promise. */
static int link_then_unlink(int fromdir, const char *from, int todir, const char *to)
{
	if (linkat(fromdir, from, todir, to, 0) != 0)
		return -1;
	if (unlinkat(fromdir, from, 0) != 0) {
		int saved = errno;
		unlinkat(todir, to, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

int compat_rename_noreplace(int fromdir, const char *from, int todir, const char *to)
{
#if HAVE_RENAMEAT2
	if (renameat2(fromdir, from, todir, to, RENAME_NOREPLACE) == 0)
		return 0;
	/* The kernel or the file system does not know the flag. */
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
#endif
	return link_then_unlink(fromdir, from, todir, to);
}

int compat_socket_cloexec(int domain, int type, int protocol)
{
#if HAVE_SOCK_CLOEXEC
	return socket(domain, type | SOCK_CLOEXEC, protocol);
#else
	int fd = socket(domain, type, protocol);
	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
#endif
}

int compat_anon_file(const char *name, char path[COMPAT_ANON_PATH])
{
#if HAVE_MEMFD_CREATE
	if (compat_proc_fd()) {
		int fd = memfd_create(name, MFD_CLOEXEC);
		if (fd >= 0) {
			snprintf(path, COMPAT_ANON_PATH, "/proc/self/fd/%d", fd);
			if (access(path, R_OK) == 0)
				return fd;
			close(fd);
		}
	}
#endif
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int n = snprintf(path, COMPAT_ANON_PATH, "%s/%s-XXXXXX", dir, name);
	if (n < 0 || n >= COMPAT_ANON_PATH) {
		path[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(path); /* mode 0600 */
	if (fd < 0) {
		path[0] = '\0';
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		int saved = errno;
		compat_anon_file_close(fd, path);
		errno = saved;
		return -1;
	}
	return fd;
}

void compat_anon_file_close(int fd, const char *path)
{
	close(fd);
	if (path[0] && strncmp(path, "/proc/", 6) != 0)
		unlink(path);
}

void compat_mmap_threshold(int bytes)
{
#if HAVE_MALLOPT
	mallopt(M_MMAP_THRESHOLD, bytes);
#else
	(void)bytes;
#endif
}

int compat_proc_fd(void)
{
	return HAVE_PROC_FD;
}
