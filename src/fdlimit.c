#include "fdlimit.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>

#include "compat.h"

/* Where a soft limit of "unlimited" would leave select()-free code
 * anyway: a number, so that the arithmetic below stays finite. */
#define FDLIMIT_CEILING (1L << 20)

long fdlimit_raise(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur != rl.rlim_max) {
		struct rlimit up = rl;
		up.rlim_cur = rl.rlim_max;
		/* An unlimited hard limit is not a valid soft one for
		 * RLIMIT_NOFILE: take the kernel's ceiling's usual value. */
		if (up.rlim_cur == RLIM_INFINITY || up.rlim_cur > (rlim_t)FDLIMIT_CEILING)
			up.rlim_cur = (rlim_t)FDLIMIT_CEILING;
		if (up.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)FDLIMIT_CEILING)
		return FDLIMIT_CEILING;
	return (long)rl.rlim_cur;
}

/* Where there is no /proc/self/fd: ask each descriptor below the soft
 * limit (at most FDLIMIT_SCAN of them) whether it is open. */
#define FDLIMIT_SCAN (1L << 16)

static long count_by_fcntl(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	long top = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)FDLIMIT_SCAN
			   ? FDLIMIT_SCAN
			   : (long)rl.rlim_cur;
	long n = 0;
	for (long fd = 0; fd < top; fd++)
		n += fcntl((int)fd, F_GETFD) != -1;
	return n;
}

long fdlimit_in_use(void)
{
	DIR *d = compat_proc_fd() ? opendir("/proc/self/fd") : NULL;
	if (!d)
		return count_by_fcntl();
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

long fdlimit_needed(long n, long in_use, bool files)
{
	return in_use + FDLIMIT_MARGIN + n * (FDLIMIT_PER_REQUEST + (files ? FDLIMIT_PER_FILE : 0));
}

long fdlimit_parallel(long want, long limit, long in_use, bool files)
{
	if (fdlimit_needed(want, in_use, files) <= limit)
		return want;
	long per = FDLIMIT_PER_REQUEST + (files ? FDLIMIT_PER_FILE : 0);
	long fit = (limit - in_use - FDLIMIT_MARGIN) / per;
	return fit < 1 ? 1 : fit;
}

long fdlimit_connections(long n, long limit, long in_use, bool files)
{
	/* A request's socket and its share of the cache are connections;
	 * the rest of its descriptors are not. */
	long other = FDLIMIT_PER_REQUEST - 2 + (files ? FDLIMIT_PER_FILE : 0);
	long left = limit - in_use - FDLIMIT_MARGIN - n * other;
	return left > 2 * n ? left : 2 * n;
}
