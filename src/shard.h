/* shard: which requests this process handles when one list is spread over
 * several processes or machines (--shard K/N, --shard-by). Pure.
 *
 * By index, request i belongs to shard i % N + 1. By host, to shard
 * FNV-1a(host key) % N + 1: the hash (hash.h) is the same on every machine
 * and build, so N processes given the same list split it the same way, and
 * each host is fetched by exactly one of them (its per-host limits then
 * hold across all). A line that is not a valid request has no host key and
 * goes by its index, so exactly one shard reports it. */
#ifndef URLFAN_SHARD_H
#define URLFAN_SHARD_H

#include <stdbool.h>
#include <stddef.h>

enum shard_by { SHARD_BY_INDEX, SHARD_BY_HOST };

struct shard {
	long k, n; /* shard k of n, 1 <= k <= n; n == 0: no sharding */
	enum shard_by by;
};

/* Whether the request with index and host key (NULL for an invalid
 * line) belongs to shard s. Always true without sharding. */
bool shard_mine(const struct shard *s, size_t index, const char *hostkey);

/* Parse "K/N" (1 <= K <= N <= 1000000) into s->k and s->n. Returns 0, or
 * -1 when text is not that (s unchanged). */
int shard_parse(const char *text, struct shard *s);

#endif
