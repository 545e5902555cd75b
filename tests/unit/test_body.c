/* Unit tests for body.c with each kind of sink: memory (with its
 * --max-body limit), discard, and the -O file sink (filesink.c): commit
 * renames the file to the rendered --name, abandon leaves nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "body.h"
#include "filesink.h"

static void test_body_memory_keeps_bytes_up_to_max(void **state)
{
	(void)state;
	struct body b = BODY_INIT;
	assert_int_equal(body_open(&b, BODY_MEMORY, NULL, 10), 0);
	assert_int_equal(body_write(&b, "hello", 5), 0);
	assert_int_equal(body_write(&b, " you", 4), 0);
	assert_int_equal(body_write(&b, "!", 1), 0); /* exactly max */
	assert_int_equal(b.size, 10);
	assert_int_equal(b.mem.len, 10);
	assert_memory_equal(b.mem.data, "hello you!", 10);
	/* One byte more is refused, and says why. */
	assert_int_equal(body_write(&b, "x", 1), -1);
	assert_true(b.too_large);
	assert_int_equal(b.size, 10);
	assert_int_equal(body_commit(&b, NULL, NULL), 0);
	/* The next attempt starts empty, with its flags cleared. */
	assert_int_equal(body_open(&b, BODY_MEMORY, NULL, 10), 0);
	assert_false(b.too_large);
	assert_int_equal(b.size, 0);
	assert_int_equal(b.mem.len, 0);
	body_free(&b);
}

static void test_body_memory_frees_a_large_buffer(void **state)
{
	(void)state;
	struct body b = BODY_INIT;
	static char chunk[64 * 1024];
	assert_int_equal(body_open(&b, BODY_MEMORY, NULL, 8 << 20), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(body_write(&b, chunk, sizeof chunk), 0);
	assert_true(b.mem.cap > BODY_KEEP_CAP);
	assert_int_equal(body_open(&b, BODY_MEMORY, NULL, 8 << 20), 0);
	assert_true(b.mem.cap <= BODY_KEEP_CAP);
	/* A small one is kept for reuse. */
	assert_int_equal(body_write(&b, chunk, 100), 0);
	size_t cap = b.mem.cap;
	assert_int_equal(body_open(&b, BODY_MEMORY, NULL, 8 << 20), 0);
	assert_int_equal(b.mem.cap, cap);
	body_free(&b);
}

static void test_body_discard_counts_only(void **state)
{
	(void)state;
	struct body b = BODY_INIT;
	assert_int_equal(body_open(&b, BODY_DISCARD, NULL, 1), 0);
	/* No limit: nothing is kept. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(body_write(&b, "0123456789", 10), 0);
	assert_int_equal(b.size, 10000);
	assert_int_equal(b.mem.len, 0);
	assert_false(b.too_large);
	assert_int_equal(body_commit(&b, NULL, NULL), 0);
	body_free(&b);
}

/* The names in dir, sorted, joined with spaces. */
/* Without O_TMPFILE (-Dportable=true), temporary files live in one
 * private directory ".urlfan-PID-N.tmp" that no final name may enter: it
 * is not one of the names these listings compare. */
static int is_private_dir(const char *name)
{
	size_t n = strlen(name);
	return !HAVE_O_TMPFILE && strncmp(name, ".urlfan-", 8) == 0 && n > 4 &&
	       strcmp(name + n - 4, ".tmp") == 0;
}

static void list_dir(const char *dir, char *out, size_t n)
{
	struct dirent **ents;
	int k = scandir(dir, &ents, NULL, alphasort);
	assert_true(k >= 0);
	out[0] = '\0';
	for (int i = 0; i < k; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..") &&
		    !is_private_dir(ents[i]->d_name)) {
			if (out[0])
				strncat(out, " ", n - strlen(out) - 1);
			strncat(out, ents[i]->d_name, n - strlen(out) - 1);
		}
		free(ents[i]);
	}
	free(ents);
}

static void read_file(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t got = fread(out, 1, n - 1, f);
	out[got] = '\0';
	fclose(f);
}

static void test_body_file_sink_commit_and_abandon(void **state)
{
	(void)state;
	char dir[] = "/tmp/urlfan-test-body-XXXXXX", err[256], names[512], text[64];
	assert_non_null(mkdtemp(dir));
	struct filesink *fs =
		filesink_create(dir, "%{host}%{path}.%{index}", false, err, sizeof err);
	assert_non_null(fs);
	const struct sink *sink = filesink_sink(fs);
	struct body b = BODY_INIT;
	struct result res = {.index = 7, .host = "example.org:80", .path = "/a/b", .path_len = 4};
	struct buf where = BUF_INIT;

	/* Committed: the temporary file becomes the rendered name. */
	assert_int_equal(body_open(&b, BODY_SINK, sink, 0), 0);
	assert_int_equal(body_write(&b, "first ", 6), 0);
	assert_int_equal(body_write(&b, "body", 4), 0);
	list_dir(dir, names, sizeof names);
	assert_string_equal(names, ""); /* in progress, with no name in DIR */
	assert_int_equal(body_commit(&b, &res, &where), 0);
	char want[256];
	snprintf(want, sizeof want, "%s/example.org/a/b.7", dir);
	assert_string_equal(where.data, want);
	read_file(want, text, sizeof text);
	assert_string_equal(text, "first body");

	/* Abandoned: no file, no temporary file. */
	assert_int_equal(body_open(&b, BODY_SINK, sink, 0), 0);
	assert_int_equal(body_write(&b, "second", 6), 0);
	body_abandon(&b);
	body_abandon(&b); /* twice is harmless */
	list_dir(dir, names, sizeof names);
	assert_string_equal(names, "example.org");

	/* The same name again: a suffix, not an overwrite. */
	assert_int_equal(body_open(&b, BODY_SINK, sink, 0), 0);
	assert_int_equal(body_write(&b, "third", 5), 0);
	where.len = 0;
	assert_int_equal(body_commit(&b, &res, &where), 0);
	snprintf(want, sizeof want, "%s/example.org/a/b.7.1", dir);
	assert_string_equal(where.data, want);
	read_file(want, text, sizeof text);
	assert_string_equal(text, "third");

	/* --max-filesize: a file body past its limit is refused. */
	assert_int_equal(body_open(&b, BODY_SINK, sink, 8), 0);
	assert_int_equal(body_write(&b, "12345678", 8), 0);
	assert_int_equal(body_write(&b, "9", 1), -1);
	assert_true(b.too_large);
	body_abandon(&b);

	/* Opening again after a commit abandons nothing that was kept; a
	 * body left open when the body is freed is abandoned. */
	assert_int_equal(body_open(&b, BODY_SINK, sink, 0), 0);
	assert_int_equal(body_write(&b, "fourth", 6), 0);
	body_free(&b);
	list_dir(dir, names, sizeof names);
	assert_string_equal(names, "example.org");
	buf_free(&where);
	filesink_destroy(fs);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_body_file_sink_write_error(void **state)
{
	(void)state;
	char dir[] = "/tmp/urlfan-test-body-XXXXXX", err[256];
	assert_non_null(mkdtemp(dir));
	/* A directory gone after it was opened (which stops root as well as
	 * anyone): open fails, with errno. */
	struct filesink *fs = filesink_create(dir, NULL, false, err, sizeof err);
	assert_non_null(fs);
	assert_int_equal(rmdir(dir), 0);
	struct body b = BODY_INIT;
	errno = 0;
	assert_int_equal(body_open(&b, BODY_SINK, filesink_sink(fs), 1), -1);
	/* ENOENT, or EPERM for an O_TMPFILE in a removed directory. */
	assert_true(errno == ENOENT || errno == EPERM);
	assert_null(b.open);
	body_free(&b);
	filesink_destroy(fs);
	/* A bad --name is refused up front. */
	assert_null(filesink_create("/tmp", "%{nope}", false, err, sizeof err));
	assert_non_null(strstr(err, "nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_memory_keeps_bytes_up_to_max),
		cmocka_unit_test(test_body_memory_frees_a_large_buffer),
		cmocka_unit_test(test_body_discard_counts_only),
		cmocka_unit_test(test_body_file_sink_commit_and_abandon),
		cmocka_unit_test(test_body_file_sink_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
