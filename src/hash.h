/* hash: the one string hash for urlfan's tables (host keys): 64-bit FNV-1a, cheap on short keys and
 * well spread in its low bits, which the power-of-two tables use. Not for untrusted adversarial
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

/* splitmix64's finaliser: a bijection of 64-bit words in which every
 * input bit changes about half the output bits. */
static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* A 128-bit digest of the n bytes at s, into d[0] and d[1]: for telling
 * keys apart by a fixed-size value (--skip-done holds millions), where
 * two different keys share a digest by chance about once in 2^128. Two
 * 64-bit lanes take each 8-byte word in turn, each step a bijection of
 * its lane for a given word (so two keys that differ in their last word
 * never meet), the second lane fed by the first. Not a cryptographic
 * hash: it guards against chance, not against someone choosing keys. */
static inline void hash_digest128(const void *s, size_t n, uint64_t d[2])
{
	const unsigned char *p = s;
	uint64_t a = 0x243f6a8885a308d3ULL ^ (uint64_t)n, b = 0x13198a2e03707344ULL;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;
		size_t k = n - i < 8 ? n - i : 8;
		for (size_t j = 0; j < k; j++)
			w |= (uint64_t)p[i + j] << (8 * j);
		a = hash_mix64(a ^ w);
		b = hash_mix64(b + w) ^ a;
	}
	d[0] = hash_mix64(a ^ (b << 32 | b >> 32));
	d[1] = hash_mix64(b + a + 0x452821e638d01377ULL);
}

#endif
