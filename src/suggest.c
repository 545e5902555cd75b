#include "suggest.h"

#include <string.h>

size_t suggest_distance(const char *a, size_t n, const char *b)
{
	/* Words are short (option names, schemes): three rows will do. */
	size_t m = strlen(b), rows[3][64];
	if (n >= 63 || m >= 63)
		return 4;
	for (size_t j = 0; j <= m; j++)
		rows[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t *row = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i + 1) % 3];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			row[j] = d;
		}
	}
	size_t d = rows[n % 3][m];
	return d > 3 ? 4 : d;
}
