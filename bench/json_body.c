/* json_body: what embedding a JSON body costs urlfan, in nanoseconds a
 * byte, at each SIMD level this processor has and with the portable
 * scanner, for docs/PROFILE.md.
 *
 *     json_body FILE [REPS]
 *
 * Minifies FILE (as record_body_value() does: json_reformat(body, n, out,
 * -1) into a reused buffer, here with json_minify_simd() per level) REPS times (default 1000) in
 * each of 25 rounds, and prints for each way the best and the median round, in ns a byte of FILE.
 * The ways are timed interleaved, round by round, so that a busy moment of the machine falls on all
 * of them. Under valgrind --tool=callgrind (with REPS small) it gives instructions a byte; valgrind
 * hides AVX-512, so that level is timed only. scripts/bench's json-20k document is medium_json()
 * there. Exit status 2 on bad usage, 1 when FILE is not JSON.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "json.h"

#define ROUNDS 25

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_value_cb(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, got);
	fclose(f);
	*n = b.len;
	return b.data ? b.data : calloc(1, 1);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: json_body FILE [REPS]\n");
		return 2;
	}
	long reps = argc > 2 ? atol(argv[2]) : 1000;
	size_t n;
	char *s = read_file(argv[1], &n);
	if (!s || reps < 1 || n == 0) {
		fprintf(stderr, "json_body: cannot read %s, or bad REPS\n", argv[1]);
		return 2;
	}
	static const char *const names[] = {"portable", "SSSE3", "AVX2", "AVX-512"};
	double t[4][ROUNDS];
	bool have[4] = {true};
	struct buf out = BUF_INIT;
	for (int w = 1; w < 4; w++)
		have[w] = json_minify_simd(w, s, n, &out) != -2;
	for (int r = 0; r < ROUNDS; r++) {
		for (int w = 0; w < 4; w++) {
			if (!have[w])
				continue;
			double t0 = now();
			for (long k = 0; k < reps; k++) {
				out.len = 0;
				int rc = w ? json_minify_simd(w, s, n, &out)
					   : json_minify_portable(s, n, &out);
				if (rc != 0) {
					fprintf(stderr, "json_body: %s is not JSON\n", argv[1]);
					return 1;
				}
			}
			t[w][r] = (now() - t0) / (double)reps / (double)n * 1e9;
		}
	}
	printf("%s: %zu bytes, minified %zu\n", argv[1], n, out.len);
	for (int w = 0; w < 4; w++) {
		if (!have[w])
			continue;
		qsort(t[w], ROUNDS, sizeof t[w][0], by_value_cb);
		printf("%-9s best %.3f ns/B  median %.3f ns/B\n", names[w], t[w][0],
		       t[w][ROUNDS / 2]);
	}
	buf_free(&out);
	free(s);
	return 0;
}
