/* hash: the one string hash for urlfan's tables (host keys, --skip-done
 * keys): 64-bit FNV-1a, cheap on short keys and well spread in its low
 * bits, which the power-of-two tables use. Not for untrusted adversarial
 * keys at scale: a table that must resist chosen collisions would need a
 * keyed hash. */
#ifndef URLFAN_HASH_H
#define URLFAN_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The hash of the NUL-terminated string s. */
static inline uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The same hash of the n bytes at s, NUL bytes included. */
static inline uint64_t hash_mem(const void *s, size_t n)
{
	const unsigned char *p = s;
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

#endif
