/* compat: the few calls urlfan wants that POSIX 2008 lacks, each with a
 * fallback written from POSIX alone. Which one is built is decided by
 * meson's checks of this system (-DHAVE_...), not by guessing
 * from the OS's name; -Dportable=true builds every fallback, so that
 * they are compiled and tested on Linux too. Only compat.c needs
 * _GNU_SOURCE; its callers need no feature macro. */
#ifndef URLFAN_COMPAT_H
#define URLFAN_COMPAT_H

#include <stddef.h>

/* memrchr(3): the last c in s[0..n), or NULL. */
void *compat_memrchr(const void *s, int c, size_t n);
/* memmem(3): the first needle in hay, or NULL; an empty needle is at hay. */
void *compat_memmem(const void *hay, size_t hay_len, const void *needle, size_t needle_len);
/* renameat2(..., RENAME_NOREPLACE): rename, but never over an existing
 * name: -1 with errno EEXIST when to is taken. Where the system (or the
 * file system) has no such rename, linkat() then unlinkat(), which keeps
 * the promise but needs a file system with hard links. 0 or -1/errno. */
int compat_rename_noreplace(int fromdir, const char *from, int todir, const char *to);
/* socket(2) with close-on-exec, atomic where SOCK_CLOEXEC exists, set
 * right after creation elsewhere (urlfan starts no programs while its
 * sockets open, so the gap does not matter). */
int compat_socket_cloexec(int domain, int type, int protocol);
/* An unnamed file that a library which opens files only by name can
 * still read: its fd, and in path a name that opens it. memfd_create()
 * and /proc/self/fd/N where both exist; else a file made by mkstemp() in
 * $TMPDIR (or /tmp), mode 0600. -1 with errno when neither works.
 * compat_anon_file_close() closes it and removes the file if one was
 * made. */
#define COMPAT_ANON_PATH 4096
int compat_anon_file(const char *name, char path[COMPAT_ANON_PATH]);
void compat_anon_file_close(int fd, const char *path);
/* Fix glibc's malloc mmap threshold at bytes (mallopt M_MMAP_THRESHOLD);
 * nothing where there is no mallopt. */
void compat_mmap_threshold(int bytes);
/* Whether /proc/self/fd may be used (false when -Dportable=true forces
 * the fallbacks; true does not promise it exists: callers still fall
 * back when opening it fails). */
int compat_proc_fd(void);

#endif
