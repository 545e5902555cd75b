#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_add_uint(struct buf *b, unsigned long long v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, tmp + i, sizeof tmp - i);
}

void buf_add_seconds(struct buf *b, double secs)
{
	if (!(secs >= 0 && secs < 1e12)) { /* NaN, negative, absurd: rare */
		buf_printf(b, "%.6f", secs);
		return;
	}
	unsigned long long us = (unsigned long long)(secs * 1e6 + 0.5);
	buf_add_uint(b, us / 1000000);
	char frac[7];
	unsigned long long f = us % 1000000;
	for (int i = 5; i >= 0; i--) {
		frac[i + 1] = (char)('0' + f % 10);
		f /= 10;
	}
	frac[0] = '.';
	buf_add(b, frac, sizeof frac);
}
