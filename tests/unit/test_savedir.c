/* Unit tests for savedir.c: how a wanted name becomes a relative path
 * (savedir_sanitize), and how bodies land in files under the directory
 * (savedir_open/temp/commit/discard) on a fresh mkdtemp() directory:
 * suffixes instead of replacing, --overwrite, symlinks never followed.
 *
 * Bounds: a part is at most 200 bytes (a cut part keeps 191 bytes and
 * ends in "~" and 8 hex digits of the whole part's hash), at most 16
 * parts, and the whole relative path at most 1024 bytes. */
#define _GNU_SOURCE /* mkdtemp, nftw's FTW_DEPTH | FTW_PHYS */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "savedir.h"

/* --- savedir_sanitize ---------------------------------------------------- */

/* The sanitised form of wanted, in a static buffer. */
static const char *sanitized(const char *wanted)
{
	static char out[8192];
	struct buf b = BUF_INIT;
	savedir_sanitize(wanted, &b);
	assert_non_null(b.data);
	assert_int_equal(strlen(b.data), b.len); /* no NUL inside */
	assert_true(b.len < sizeof out);
	memcpy(out, b.data, b.len + 1);
	buf_free(&b);
	return out;
}

/* A string of n copies of c, in a new allocation. */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* "p0/p1/.../p<n-1>", with sep between the parts, plus tail. */
static void numbered_parts(struct buf *b, int n, const char *sep, const char *tail)
{
	for (int i = 0; i < n; i++)
		buf_printf(b, "%sp%d", i ? sep : "", i);
	buf_adds(b, tail);
}

static void test_savedir_sanitize_table(void **state)
{
	(void)state;
	static const struct {
		const char *wanted, *want;
	} cases[] = {
		{"index", "index"},
		{"a/b/c", "a/b/c"},
		/* "." and ".." parts are dropped, never resolved. */
		{"..", "_"},
		{".", "_"},
		{"../../x", "x"},
		{"./a/./b", "a/b"},
		{"a/../b", "a/b"},
		{"a/..", "a"},
		{"...", "..."}, /* only "." and ".." are special */
		{"..x/.y", "..x/.y"},
		/* Empty parts: no absolute path, no "//". */
		{"", "_"},
		{"/", "_"},
		{"/abs/x", "abs/x"},
		{"//a///b", "a/b"},
		/* A trailing slash names a directory: the file is "_" in it. */
		{"dir/", "dir/_"},
		{"a/b//", "a/b/_"},
		{"a/../", "a/_"},
		{"../", "_"},
		/* Control characters (C0 and DEL) become "_"; other bytes stay. */
		{"a\x01"
		 "b\x1f"
		 "c\x7f"
		 "d",
		 "a_b_c_d"},
		{"tab\there\nnl", "tab_here_nl"},
		{"\x1b[31mred", "_[31mred"},
		/* So do C1 controls and bytes that are not UTF-8: the name on
		 * disk is the record's "file", which JSON holds as UTF-8. */
		{"a\xc2\x9b"
		 "b\xc2\x85"
		 "c",
		 "a_b_c"},
		{"\xc2\xa0nbsp", "\xc2\xa0nbsp"},
		{"raw\x9b"
		 "csi\xff\xfe",
		 "raw_csi__"},
		{"cut\xe2\x82", "cut__"},
		{"over\xc0\xaf", "over__"},
		{"caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac"},
		{"sp ace", "sp ace"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = sanitized(cases[i].wanted);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("sanitize(\"%s\") = \"%s\", want \"%s\"", cases[i].wanted, got,
				 cases[i].want);
	}
}

static void test_savedir_sanitize_appends(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "pre:");
	savedir_sanitize("..", &b); /* nothing left of it: "_", after the prefix */
	assert_string_equal(b.data, "pre:_");
	savedir_sanitize("x/", &b);
	assert_string_equal(b.data, "pre:_x/_");
	buf_free(&b);
}

static void test_savedir_sanitize_folds_parts_past_16(void **state)
{
	(void)state;
	/* wanted: n parts "p<i>" joined by sep, then tail; the result: want_n
	 * parts joined by "/", then want_tail. */
	static const struct {
		int n;
		const char *sep, *tail;
		int want_n;
		const char *want_tail;
	} cases[] = {
		/* 16 parts stay as they are. */
		{16, "/", "", 16, ""},
		/* 20: 15 directories, the other 5 folded with "_" into the
		 * 16th, nothing lost. */
		{20, "/", "", 15, "/p15_p16_p17_p18_p19"},
		/* Dropped parts do not count: ".." and empty ones between. */
		{16, "/../", "//p16", 15, "/p15_p16"},
		/* A trailing slash at the limit adds no 17th part "_"... */
		{16, "/", "/", 16, ""},
		/* ...below it, it does. */
		{15, "/", "/", 15, "/_"},
	};
	struct buf in = BUF_INIT, want = BUF_INIT;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		in.len = want.len = 0;
		numbered_parts(&in, cases[i].n, cases[i].sep, cases[i].tail);
		numbered_parts(&want, cases[i].want_n, "/", cases[i].want_tail);
		assert_string_equal(sanitized(in.data), want.data);
	}
	buf_free(&in);
	buf_free(&want);
}

/* What a cut part keeps of its text, before its "~hash" tag. */
#define KEPT 191

/* Whether got is want[0..kept) followed by "~" and 8 hex digits. */
static void assert_cut(const char *got, const char *want, size_t kept)
{
	if (strlen(got) != kept + 9 || memcmp(got, want, kept) != 0 || got[kept] != '~' ||
	    strspn(got + kept + 1, "0123456789abcdef") != 8)
		fail_msg("\"%s\" is not the first %zu bytes of the part and its tag", got, kept);
}

static void test_savedir_sanitize_cuts_long_parts_at_200(void **state)
{
	(void)state;
	struct buf in = BUF_INIT;
	char *a300 = repeat('a', 300), *a200 = repeat('a', 200);

	/* 200 bytes stay whole; 201 are cut to 200 with the tag. */
	assert_string_equal(sanitized(a200), a200);
	assert_cut(sanitized(a300), a300, KEPT);
	assert_int_equal(strlen(sanitized(a300)), 200);
	/* Each part on its own; later parts are kept. */
	buf_printf(&in, "%s/%s/b", a300, a300);
	const char *got = sanitized(in.data);
	const char *slash = strchr(got, '/');
	assert_non_null(slash);
	assert_int_equal(slash - got, 200);
	assert_memory_equal(slash + 1, got, 200);
	assert_string_equal(slash + 201, "/b");

	/* Never through a UTF-8 sequence: a 2-byte one across the cut is
	 * left out whole, one ending at it is kept whole, and so are 3- and
	 * 4-byte ones. */
	static const struct {
		size_t pad;
		const char *seq;
		size_t want_len;
	} cut[] = {
		{KEPT - 1, "\xc3\xa9", KEPT - 1},     {KEPT - 2, "\xc3\xa9", KEPT},
		{KEPT - 4, "\xf0\x9f\x98\x80", KEPT}, {KEPT - 2, "\xf0\x9f\x98\x80", KEPT - 2},
		{KEPT - 3, "\xe2\x82\xac", KEPT},     {KEPT - 1, "\xe2\x82\xac", KEPT - 1},
	};
	for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		in.len = 0;
		buf_add(&in, a300, cut[i].pad);
		for (int k = 0; k < 40; k++)
			buf_adds(&in, cut[i].seq);
		assert_cut(sanitized(in.data), in.data, cut[i].want_len);
	}

	free(a300);
	free(a200);
	buf_free(&in);
}

static void test_savedir_sanitize_cut_parts_stay_distinct(void **state)
{
	(void)state;
	/* Two parts alike in their first 300 bytes: different names. */
	struct buf a = BUF_INIT, b = BUF_INIT, got = BUF_INIT;
	char *x300 = repeat('x', 300);
	buf_printf(&a, "%s-one", x300);
	buf_printf(&b, "%s-two", x300);
	buf_adds(&got, sanitized(a.data));
	assert_string_not_equal(got.data, sanitized(b.data));
	/* The same part always gets the same name. */
	assert_string_equal(got.data, sanitized(a.data));
	free(x300);
	buf_free(&a);
	buf_free(&b);
	buf_free(&got);
}

/* Every part of s at most 200 bytes, not empty, at most 16 of them, and
 * the whole at most 1024 bytes. */
static void assert_bounded(const char *s)
{
	size_t n = strlen(s), parts = 0;
	assert_true(n > 0 && n <= 1024);
	for (const char *p = s;; p++) {
		size_t len = strcspn(p, "/");
		assert_true(len > 0 && len <= 200);
		parts++;
		p += len;
		if (!*p)
			break;
	}
	assert_true(parts <= 16);
}

static void test_savedir_sanitize_folded_part_is_bounded(void **state)
{
	(void)state;
	/* 17 parts of 200 bytes: as many directories as the 1024-byte bound
	 * allows, the rest folded into the last part, which is cut. */
	struct buf in = BUF_INIT, other = BUF_INIT, got = BUF_INIT;
	char *a200 = repeat('a', 200);
	for (int i = 0; i < 17; i++)
		buf_printf(&in, "%s%s", i ? "/" : "", a200);
	buf_adds(&got, sanitized(in.data));
	assert_bounded(got.data);
	assert_memory_equal(got.data, a200, 200);
	/* Names that differ only in a folded part far past the cut differ. */
	buf_printf(&other, "%s/x", in.data);
	assert_string_not_equal(got.data, sanitized(other.data));
	assert_bounded(sanitized(other.data));
	/* Short parts past the 16th still fold whole (nothing lost). */
	in.len = 0;
	for (int i = 0; i < 40; i++)
		buf_printf(&in, "%s%d", i ? "/" : "", i);
	const char *s = sanitized(in.data);
	assert_bounded(s);
	assert_non_null(strstr(s, "/15_16_17_"));
	assert_non_null(strstr(s, "_38_39"));
	/* Many middle-sized parts: the 1024-byte bound decides. */
	in.len = 0;
	char *b90 = repeat('b', 90);
	for (int i = 0; i < 15; i++)
		buf_printf(&in, "%s%s%d", i ? "/" : "", b90, i);
	assert_bounded(sanitized(in.data));
	free(b90);
	free(a200);
	buf_free(&in);
	buf_free(&other);
	buf_free(&got);
}

static void test_savedir_sanitize_continuation_bytes_are_cut_too(void **state)
{
	(void)state;
	/* A long part with no UTF-8 sequence to keep whole (all continuation
	 * bytes) is cut at the byte limit: never to nothing, so that no part
	 * is empty and nothing starts with "/". */
	struct buf in = BUF_INIT;
	char *cont = repeat('\x80', 300), *under = repeat('_', 300);
	buf_printf(&in, "%s/b", cont);
	const char *got = sanitized(in.data);
	assert_int_equal(strlen(got), 200 + 2);
	assert_string_equal(got + 200, "/b");
	in.len = 0;
	buf_add(&in, got, 200);
	/* Each byte that is not UTF-8 is shown as '_'. */
	assert_cut(in.data, under, KEPT);
	in.len = 0;
	buf_printf(&in, "a/%s", cont);
	got = sanitized(in.data);
	assert_memory_equal(got, "a/", 2);
	assert_cut(got + 2, under, KEPT);
	/* Within the bound they are kept, as '_'. */
	assert_string_equal(sanitized("\x80\x80/b"), "__/b");
	free(cont);
	free(under);
	buf_free(&in);
}

/* --- savedir_open / temp / commit / discard ------------------------------ */

struct fixture {
	char root[64]; /* a fresh mkdtemp() directory */
	char dir[128]; /* root/out: the -O directory */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	snprintf(fx->root, sizeof fx->root, "/tmp/urlfan-test-savedir-XXXXXX");
	if (!mkdtemp(fx->root)) {
		free(fx);
		return -1;
	}
	snprintf(fx->dir, sizeof fx->dir, "%s/out", fx->root);
	*state = fx;
	return 0;
}

static int remove_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int rc = nftw(fx->root, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return rc;
}

/* root-relative path -> absolute, in one of four static buffers used in
 * turn, so that a call may take two of them. */
static const char *at(const struct fixture *fx, const char *rel)
{
	static char path[4][8192];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", fx->root, rel);
	return p;
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The whole content of a regular file (not a link), in a static buffer. */
static const char *content(const char *path)
{
	static char data[4096];
	struct stat st;
	if (lstat(path, &st) != 0)
		fail_msg("%s: %s", path, strerror(errno));
	assert_true(S_ISREG(st.st_mode));
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(data, 1, sizeof data - 1, f);
	fclose(f);
	data[n] = '\0';
	return data;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Without O_TMPFILE (-Dportable=true), temporary files live in one
 * private directory ".urlfan-PID-N.tmp" that no final name may enter: it
 * is not one of the names these listings compare. */
static int show_private; /* a test that looks at the private directory */

static int is_private_dir(const char *name)
{
	size_t n = strlen(name);
	return !HAVE_O_TMPFILE && !show_private && strncmp(name, ".urlfan-", 8) == 0 && n > 4 &&
	       strcmp(name + n - 4, ".tmp") == 0;
}

/* Entries of a directory, sorted, joined by " ": "" when empty. */
static const char *listing(const char *path)
{
	static char out[4096];
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		fail_msg("%s: %s", path, strerror(errno));
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !is_private_dir(name)) {
			if (out[0])
				strcat(out, " ");
			strcat(out, name);
		}
		free(names[i]);
	}
	free(names);
	return out;
}

static struct savedir *open_dir(const struct fixture *fx, bool overwrite)
{
	char err[256] = "";
	struct savedir *sd = savedir_open(fx->dir, overwrite, err, sizeof err);
	if (!sd)
		fail_msg("savedir_open: %s", err);
	return sd;
}

/* A temporary file holding body, committed as wanted; returns the final
 * path in a static buffer, or NULL (errno set) when the commit failed. */
static const char *save(struct savedir *sd, const char *wanted, const char *body)
{
	static char final[8192];
	char tmp[64];
	int fd = savedir_temp(sd, tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	struct buf out = BUF_INIT;
	int rc = savedir_commit(sd, fd, tmp, wanted, &out);
	int saved = errno;
	if (rc == 0) {
		assert_true(out.len < sizeof final);
		memcpy(final, out.data, out.len + 1);
	}
	buf_free(&out);
	errno = saved;
	return rc == 0 ? final : NULL;
}

static void test_savedir_open_creates_parents(void **state)
{
	struct fixture *fx = *state;
	snprintf(fx->dir, sizeof fx->dir, "%s/a/b/c", fx->root);
	struct savedir *sd = open_dir(fx, false);
	struct stat st;
	assert_int_equal(stat(fx->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	savedir_close(sd);
	/* An existing directory opens as well; a file in the way does not. */
	savedir_close(open_dir(fx, false));
	write_file(at(fx, "file"), "x");
	snprintf(fx->dir, sizeof fx->dir, "%s/file/sub", fx->root);
	char err[256] = "";
	assert_null(savedir_open(fx->dir, false, err, sizeof err));
	assert_non_null(strstr(err, fx->dir));
	savedir_close(NULL); /* accepts NULL */
}

static void test_savedir_temp_and_discard(void **state)
{
	struct fixture *fx = *state;
	struct savedir *sd;
	char tmp[64], tmp2[64];
	int fd, fd2;
#if HAVE_O_TMPFILE
	sd = open_dir(fx, false);
	fd = savedir_temp(sd, tmp);
	fd2 = savedir_temp(sd, tmp2);
	assert_true(fd >= 0 && fd2 >= 0);
	/* O_TMPFILE: no name in the directory at all. */
	assert_string_equal(tmp, "");
	assert_string_equal(listing(fx->dir), "");
	savedir_discard(sd, fd, tmp);
	savedir_discard(sd, fd2, tmp2);
	assert_string_equal(listing(fx->dir), "");
	savedir_close(sd);
#endif

	/* Without O_TMPFILE: distinct names in one private directory. */
	show_private = 1;
	sd = open_dir(fx, false);
	savedir_no_tmpfile(sd);
	fd = savedir_temp(sd, tmp);
	fd2 = savedir_temp(sd, tmp2);
	assert_true(fd >= 0 && fd2 >= 0);
	assert_string_not_equal(tmp, tmp2);
	const char *priv = listing(fx->dir);
	assert_int_equal(strncmp(priv, ".urlfan-", 8), 0);
	assert_null(strchr(priv, ' '));
	char path[256];
	snprintf(path, sizeof path, "%s/%s/%s", fx->dir, priv, tmp);
	assert_true(exists(path));
	savedir_discard(sd, fd, tmp);
	assert_false(exists(path));
	savedir_discard(sd, fd2, tmp2);
	savedir_close(sd);
	/* The private directory goes with the last of its files. */
	assert_string_equal(listing(fx->dir), "");
	show_private = 0;
}

/* No final name meets another body's temporary file, whatever --name
 * renders to: the private directory's name and its files' names
 * included, with and without --overwrite. */
static void test_savedir_final_names_never_meet_temporary_files(void **state)
{
	struct fixture *fx = *state;
	show_private = 1;
	for (int overwrite = 0; overwrite < 2; overwrite++) {
		struct savedir *sd = open_dir(fx, overwrite);
		savedir_no_tmpfile(sd);
		char tmp[64], priv[128], wanted[512];
		int fd = savedir_temp(sd, tmp);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "pending", 7), 7);
		snprintf(priv, sizeof priv, "%s", listing(fx->dir));
		snprintf(wanted, sizeof wanted, "%s/%s", priv, tmp);
		const char *final = save(sd, wanted, "other");
		assert_non_null(final);
		snprintf(wanted, sizeof wanted, "%s/%s/", fx->dir, priv);
		assert_null(strstr(final, wanted));
		assert_non_null(save(sd, priv, "third"));
		struct buf out = BUF_INIT;
		assert_int_equal(savedir_commit(sd, fd, tmp, "mine", &out), 0);
		assert_string_equal(content(out.data), "pending");
		buf_free(&out);
		savedir_close(sd);
		snprintf(wanted, sizeof wanted, "%s/%s", fx->dir, priv);
		assert_false(exists(wanted)); /* the private directory is gone */
		/* Start the next round in an empty directory. */
		size_t len = strlen(fx->dir);
		assert_true(len + 2 < sizeof fx->dir);
		fx->dir[len] = (char)('0' + overwrite);
		fx->dir[len + 1] = '\0';
	}
	show_private = 0;
}

/* The thousand-and-first body with one name still gets a file. */
static void test_savedir_many_bodies_with_one_name(void **state)
{
	struct fixture *fx = *state;
	struct savedir *sd = open_dir(fx, false);
	const char *final = NULL;
	for (int i = 0; i < 1003; i++) {
		final = save(sd, "same", "x");
		assert_non_null(final);
	}
	assert_non_null(strstr(final, "/same.~"));
	savedir_close(sd);
}

static void test_savedir_commit_lands_at_the_sanitised_path(void **state)
{
	struct fixture *fx = *state;
	struct savedir *sd = open_dir(fx, false);
	const char *final = save(sd, "../../a/./b\x01/c", "body");
	assert_non_null(final);
	assert_string_equal(final, at(fx, "out/a/b_/c"));
	assert_string_equal(content(final), "body");
	assert_string_equal(listing(fx->dir), "a"); /* the temporary file is gone */
	assert_string_equal(listing(at(fx, "out/a/b_")), "c");
	/* A name for a directory: the file "_" in it. */
	assert_string_equal(save(sd, "d/", "x"), at(fx, "out/d/_"));
	savedir_close(sd);
	/* The directory given with a trailing slash: no "//" in the path. */
	snprintf(fx->dir, sizeof fx->dir, "%s/out/", fx->root);
	sd = open_dir(fx, false);
	assert_string_equal(save(sd, "top", "y"), at(fx, "out/top"));
	savedir_close(sd);
}

static void test_savedir_commit_never_replaces(void **state)
{
	struct fixture *fx = *state;
	struct savedir *sd = open_dir(fx, false);
	assert_string_equal(save(sd, "a/f", "one"), at(fx, "out/a/f"));
	assert_string_equal(save(sd, "a/f", "two"), at(fx, "out/a/f.1"));
	assert_string_equal(save(sd, "a/f", "three"), at(fx, "out/a/f.2"));
	assert_string_equal(content(at(fx, "out/a/f")), "one");
	assert_string_equal(content(at(fx, "out/a/f.1")), "two");
	assert_string_equal(content(at(fx, "out/a/f.2")), "three");
	/* A directory where the file would go: the next suffix as well. */
	assert_string_equal(save(sd, "a", "four"), at(fx, "out/a.1"));
	/* A file where a directory would go: that directory gets the suffix. */
	assert_string_equal(save(sd, "a.1/g", "five"), at(fx, "out/a.1.1/g"));
	assert_string_equal(content(at(fx, "out/a.1")), "four");
	assert_string_equal(listing(fx->dir), "a a.1 a.1.1");
	savedir_close(sd);
}

static void test_savedir_commit_overwrite_replaces(void **state)
{
	struct fixture *fx = *state;
	struct savedir *sd = open_dir(fx, false);
	assert_string_equal(save(sd, "f", "old"), at(fx, "out/f"));
	savedir_close(sd);
	sd = open_dir(fx, true);
	assert_string_equal(save(sd, "f", "new"), at(fx, "out/f"));
	assert_string_equal(content(at(fx, "out/f")), "new");
	assert_string_equal(listing(fx->dir), "f");
	/* A directory is not replaced, even so. */
	assert_int_equal(mkdir(at(fx, "out/d"), 0777), 0);
	assert_string_equal(save(sd, "d", "x"), at(fx, "out/d.1"));
	savedir_close(sd);
}

/* -N: savedir_find() sees the file a name gives (never a symlink or a
 * directory), and savedir_replace() puts a newer copy in its place
 * whatever --overwrite says. */
static void test_savedir_find_and_replace(void **state)
{
	struct fixture *fx = *state;
	struct savedir *sd = open_dir(fx, false);
	struct stat st;
	struct buf where = BUF_INIT;
	assert_int_equal(savedir_find(sd, "a/f", &st, &where), -1);
	assert_string_equal(save(sd, "a/f", "old"), at(fx, "out/a/f"));
	assert_int_equal(savedir_find(sd, "a//./f", &st, &where), 0); /* sanitised alike */
	assert_string_equal(where.data, at(fx, "out/a/f"));
	assert_int_equal(st.st_size, 3);
	char tmp[64];
	int fd = savedir_temp(sd, tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "newer", 5), 5);
	where.len = 0;
	assert_int_equal(savedir_replace(sd, fd, tmp, "a/f", &where), 0);
	assert_string_equal(where.data, at(fx, "out/a/f"));
	assert_string_equal(content(at(fx, "out/a/f")), "newer");
	assert_string_equal(listing(at(fx, "out/a")), "f");
	/* --overwrite stays as it was: the next commit gets a suffix. */
	assert_string_equal(save(sd, "a/f", "third"), at(fx, "out/a/f.1"));
	assert_int_equal(unlink(at(fx, "out/a/f.1")), 0);
	/* Not a regular file: not found. */
	assert_int_equal(symlink("f", at(fx, "out/a/link")), 0);
	assert_int_equal(savedir_find(sd, "a/link", &st, NULL), -1);
	assert_int_equal(savedir_find(sd, "a", &st, NULL), -1);
	buf_free(&where);
	savedir_close(sd);
}

static void test_savedir_commit_does_not_follow_symlinks(void **state)
{
	struct fixture *fx = *state;
	struct savedir *sd = open_dir(fx, false);
	assert_int_equal(mkdir(at(fx, "outside"), 0777), 0);
	write_file(at(fx, "outside-file"), "orig");
	assert_int_equal(symlink(at(fx, "outside"), at(fx, "out/evil")), 0);
	assert_int_equal(symlink("../outside", at(fx, "out/rel")), 0);
	assert_int_equal(symlink(at(fx, "outside-file"), at(fx, "out/evilf")), 0);

	/* A linked directory part is not entered: the next suffix is made. */
	assert_string_equal(save(sd, "evil/x", "1"), at(fx, "out/evil.1/x"));
	assert_string_equal(save(sd, "rel/x", "2"), at(fx, "out/rel.1/x"));
	/* A link at the final name is neither written through nor replaced... */
	assert_string_equal(save(sd, "evilf", "3"), at(fx, "out/evilf.1"));
	savedir_close(sd);
	/* ...and with overwrite, the link itself is replaced, not its target. */
	sd = open_dir(fx, true);
	assert_string_equal(save(sd, "evilf", "4"), at(fx, "out/evilf"));
	assert_string_equal(content(at(fx, "out/evilf")), "4");
	assert_string_equal(save(sd, "evil/y", "5"), at(fx, "out/evil.1/y"));
	savedir_close(sd);

	assert_string_equal(listing(at(fx, "outside")), "");
	assert_string_equal(content(at(fx, "outside-file")), "orig");
	char link[256];
	ssize_t n = readlink(at(fx, "out/evil"), link, sizeof link - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, at(fx, "outside"));
	assert_string_equal(listing(fx->root), "out outside outside-file");
}

/* A name of more than 16 long parts is saved, within the bounds, and a
 * second one that differs only at its end gets a name of its own, even
 * with overwrite. */
static void test_savedir_commit_deep_long_name(void **state)
{
	struct fixture *fx = *state;
	struct savedir *sd = open_dir(fx, true);
	struct buf name = BUF_INIT, first = BUF_INIT;
	char *a200 = repeat('a', 200);
	for (int i = 0; i < 20; i++)
		buf_printf(&name, "%s%c%s", i ? "/" : "", 'a' + i, a200 + 1);
	const char *final = save(sd, name.data, "one");
	assert_non_null(final);
	assert_int_equal(strncmp(final, fx->dir, strlen(fx->dir)), 0);
	assert_bounded(final + strlen(fx->dir) + 1);
	assert_string_equal(content(final), "one");
	buf_adds(&first, final);
	buf_adds(&name, "-other");
	final = save(sd, name.data, "two");
	assert_non_null(final);
	assert_string_not_equal(final, first.data);
	assert_string_equal(content(final), "two");
	assert_string_equal(content(first.data), "one");
	free(a200);
	buf_free(&name);
	buf_free(&first);
	savedir_close(sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_savedir_sanitize_table),
		cmocka_unit_test(test_savedir_sanitize_appends),
		cmocka_unit_test(test_savedir_sanitize_folds_parts_past_16),
		cmocka_unit_test(test_savedir_sanitize_cuts_long_parts_at_200),
		cmocka_unit_test(test_savedir_sanitize_cut_parts_stay_distinct),
		cmocka_unit_test(test_savedir_sanitize_folded_part_is_bounded),
		cmocka_unit_test(test_savedir_sanitize_continuation_bytes_are_cut_too),
		cmocka_unit_test_setup_teardown(test_savedir_open_creates_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_savedir_final_names_never_meet_temporary_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_savedir_many_bodies_with_one_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_savedir_temp_and_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_savedir_commit_lands_at_the_sanitised_path,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_savedir_commit_never_replaces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_savedir_commit_overwrite_replaces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_savedir_find_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_savedir_commit_does_not_follow_symlinks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_savedir_commit_deep_long_name, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
