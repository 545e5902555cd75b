/* Unit tests for compat.c: each call behaves the same whether the
 * system's own is used or the fallback (-Dportable=true builds every
 * fallback; CI runs these tests on both builds). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"

/* The obvious answers, to compare with. */
static const char *naive_memmem(const char *h, size_t hn, const char *n, size_t nn)
{
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, n, nn) == 0)
			return h + i;
	return NULL;
}

static const char *naive_memrchr(const char *s, int c, size_t n)
{
	const char *hit = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == (char)c)
			hit = s + i;
	return hit;
}

static void test_compat_memmem(void **state)
{
	(void)state;
	static const char *hays[] = {"", "a", "aaa", "abcabd", "xx://y://", "ab\0ab\0abc", "aab"};
	static const size_t hay_len[] = {0, 1, 3, 6, 9, 9, 3};
	static const char *needles[] = {"",     "a",   "ab", "abd",    "://",
					"\0ab", "aab", "zz", "abcabdx"};
	static const size_t needle_len[] = {0, 1, 2, 3, 3, 3, 3, 2, 7};
	for (size_t i = 0; i < sizeof hays / sizeof *hays; i++)
		for (size_t j = 0; j < sizeof needles / sizeof *needles; j++) {
			const char *want =
				naive_memmem(hays[i], hay_len[i], needles[j], needle_len[j]);
			const char *got =
				compat_memmem(hays[i], hay_len[i], needles[j], needle_len[j]);
			if (got != want)
				fail_msg("hay %zu needle %zu: at %td, want %td", i, j,
					 got ? got - hays[i] : -1, want ? want - hays[i] : -1);
		}
}

static void test_compat_memrchr(void **state)
{
	(void)state;
	static const char s[] = "u@p@h\0@x";
	for (size_t n = 0; n <= sizeof s - 1; n++)
		for (int c = 0; c < 3; c++) {
			int ch = "@\0x"[c];
			assert_ptr_equal(compat_memrchr(s, ch, n), naive_memrchr(s, ch, n));
		}
}

static void test_compat_rename_noreplace(void **state)
{
	(void)state;
	char dir[] = "/tmp/urlfan-compat-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(d >= 0);
	for (int i = 0; i < 2; i++) {
		int fd = openat(d, i ? "b" : "a", O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, i ? "B" : "A", 1), 1);
		close(fd);
	}
	/* Taken: EEXIST, and both stay as they were. */
	errno = 0;
	assert_int_equal(compat_rename_noreplace(d, "a", d, "b"), -1);
	assert_int_equal(errno, EEXIST);
	char c;
	int fd = openat(d, "b", O_RDONLY);
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'B');
	close(fd);
	/* Free: renamed, the old name gone. */
	assert_int_equal(compat_rename_noreplace(d, "a", d, "c"), 0);
	struct stat st;
	assert_int_equal(fstatat(d, "a", &st, 0), -1);
	fd = openat(d, "c", O_RDONLY);
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'A');
	close(fd);
	/* A missing source: ENOENT, nothing made. */
	errno = 0;
	assert_int_equal(compat_rename_noreplace(d, "a", d, "e"), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(fstatat(d, "e", &st, 0), -1);
	assert_int_equal(unlinkat(d, "b", 0), 0);
	assert_int_equal(unlinkat(d, "c", 0), 0);
	close(d);
	assert_int_equal(rmdir(dir), 0);
}

/* What is written to the fd can be read by opening the path, and the
 * close leaves no file behind. */
static void test_compat_anon_file(void **state)
{
	(void)state;
	char path[COMPAT_ANON_PATH] = "";
	int fd = compat_anon_file("urlfan-test", path);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(fd, "cookie", 6), 6);
	int rd = open(path, O_RDONLY);
	assert_true(rd >= 0);
	char got[8] = "";
	assert_int_equal(read(rd, got, sizeof got), 6);
	assert_memory_equal(got, "cookie", 6);
	close(rd);
	int proc = strncmp(path, "/proc/", 6) == 0;
	compat_anon_file_close(fd, path);
	if (!proc) {
		struct stat st;
		assert_int_equal(stat(path, &st), -1);
	}
}

static void test_compat_socket_cloexec(void **state)
{
	(void)state;
	int fd = compat_socket_cloexec(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	compat_mmap_threshold(128 * 1024); /* no way to look, but it must not fail */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compat_memmem),
		cmocka_unit_test(test_compat_memrchr),
		cmocka_unit_test(test_compat_rename_noreplace),
		cmocka_unit_test(test_compat_anon_file),
		cmocka_unit_test(test_compat_socket_cloexec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
