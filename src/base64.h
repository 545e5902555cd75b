/* base64: the RFC 4648 encoding, for bodies that are not UTF-8 and so
 * cannot be a JSON string as they are. Encoding only: urlfan never reads
 * base64 back. */
#ifndef URLFAN_BASE64_H
#define URLFAN_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Append the base64 (standard alphabet, '=' padded) encoding of s[0..n),
 * 4 * ceil(n / 3) bytes, to out. s may hold any bytes; n may be 0. */
void base64_encode(struct buf *out, const void *s, size_t n);

#endif
