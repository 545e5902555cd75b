#include "json_fast.h"

/* Fast minifying, in one pass over 64-byte blocks, on x86-64 processors
 * with SSSE3, AVX2 or AVX-512 (VBMI2): the best the processor has is
 * picked at run time. On the bench's 20 KB document (docs/PROFILE.md):
 * 0.375 ns a byte with AVX-512, 0.485 with AVX2, 0.645 with SSSE3,
 * against 0.85 for the two-pass minifier this replaced and 0.9 for the
 * one-pass scanner (on 64 different documents of that shape, which the
 * branch predictor cannot learn: 0.62, 0.76, 0.90, 1.0 and 1.15). The
 * gain is less in instructions (AVX2: 8.9 a byte, the old minifier 10.4)
 * than in branches and in the steps each token waits for.
 *
 * Each block's byte classes become bit masks (bit i for byte i): quotes,
 * backslashes, white space, structural characters, control characters and
 * bytes >= 0x80. Backslashes mark the byte after them as escaped (and their
 * escape is checked); the unescaped quotes, prefix-XORed, give the bytes
 * inside strings, where control characters are refused. White space
 * outside strings is dropped when the block is copied out (compact()).
 * Any byte >= 0x80 means the whole text must be UTF-8 (it is then checked
 * once): outside strings such a byte is refused anyway.
 *
 * The grammar is checked on the tokens' first bytes only, which the masks
 * give directly: structural characters outside strings, opening quotes,
 * and the first byte of each word (a run of bytes that are neither white
 * space, structural, quote nor inside a string: numbers and literals).
 * Strings need no more look: their contents were checked by the masks.
 * Words are checked byte by byte, up to the first byte that ends a word,
 * so "12x" and "tru" are refused; two words with only white space between
 * them are two tokens, which the grammar refuses ("[1 2]"). */
#ifdef JSON_FAST_MIN
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* One block's byte classes, bit i for byte i. */
struct classes {
	uint64_t quote, bslash, ws, structural, ctrl;
	uint64_t comma, close; /* ',', and ']' or '}' */
	uint64_t high;         /* non-zero: some byte >= 0x80 */
};

/* What the grammar expects next. 0 is no state, so that a table left
 * at zero says "not here". Nine states, so that a state's transitions fit
 * in one 64-bit word (see grammar()). After '{' and after ',' in an
 * object the same is expected but for '}', and likewise in arrays: a
 * ',' right before a closing bracket is refused from the masks (step()). */
enum expect {
	X_BAD,
	X_VALUE,    /* the top-level value */
	X_END,      /* nothing more: the top-level value is complete */
	X_KEY,      /* after '{' or ',' in an object: a key (or '}') */
	X_COLON,    /* after a key */
	X_MEMBER,   /* after ':' */
	X_OBJ_NEXT, /* after a member: ',' or '}' */
	X_ITEM,     /* after '[' or ',' in an array: a value (or ']') */
	X_ARR_NEXT, /* after an item: ',' or ']' */
	X_COUNT
};

/* Where a value may come, the state after it; elsewhere X_BAD. */
static const unsigned char after_value[X_COUNT] = {
	[X_VALUE] = X_END,
	[X_MEMBER] = X_OBJ_NEXT,
	[X_ITEM] = X_ARR_NEXT,
};

/* The scan's state from one block to the next. */
struct run {
	uint64_t in_string; /* all ones when a block starts inside a string */
	uint64_t escaped;   /* 1: the block's first byte is escaped */
	uint64_t word_last; /* 1: the previous block ended with a word byte */
	uint64_t bad;       /* non-zero: not JSON */
	uint64_t high;      /* non-zero: some byte >= 0x80 */
	uint64_t comma;     /* 1: a ',' waits for the next token (white
			       space between) */
	unsigned expect;    /* enum expect, times 6 (see grammar()) */
	char *stack;        /* per open container, the state after it */
	size_t depth, cap;
	size_t max_depth; /* the deepest depth has been */
};

/* The letters that may follow a backslash, other than 'u'. */
static const unsigned char escape_letter[256] = {
	['"'] = 1, ['\\'] = 1, ['/'] = 1, ['b'] = 1, ['f'] = 1, ['n'] = 1, ['r'] = 1, ['t'] = 1,
};

/* Bytes that may be part of a word: all but white space, '"' and the
 * structural class as the blocks compute it (which takes in 0x0c and
 * 0x1a, see classify_ssse3()). Built with the CPU check. */
static unsigned char word_byte[256];

static inline __attribute__((always_inline)) bool valid_escape(const char *e)
{
	if (e[0] == 'u')
		return json_is_hex(e[1]) && json_is_hex(e[2]) && json_is_hex(e[3]) &&
		       json_is_hex(e[4]);
	return escape_letter[(unsigned char)e[0]];
}

/* Bytes escaped by a backslash in block p: each backslash not itself
 * escaped escapes the next byte, which must make a valid escape (checked
 * here for backslashes outside strings too: those are refused anyway).
 * Backslashes are rare; one step per backslash. p[64..69) must be
 * readable. */
static inline __attribute__((always_inline)) uint64_t escapes(struct run *r, const char *p,
							      uint64_t bs)
{
	uint64_t esc = r->escaped;
	r->escaped = 0;
	while (bs) {
		int i = __builtin_ctzll(bs);
		bs &= bs - 1;
		if (esc >> i & 1)
			continue;
		if (!valid_escape(p + i + 1))
			r->bad = 1;
		if (i == 63)
			r->escaped = 1;
		else
			esc |= 1ull << (i + 1);
	}
	return esc;
}

static inline uint64_t prefix_xor_shifts(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/* The same in one carry-less multiplication by all ones. */
__attribute__((target("pclmul,sse2"), always_inline)) static inline uint64_t
prefix_xor_clmul(uint64_t x)
{
	__m128i v = _mm_cvtsi64_si128((long long)x);
	return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(v, _mm_set1_epi8(-1), 0));
}

/* Whether the word at w (a token's first byte, before lim) is a number or
 * a literal that ends where the word ends. */
static inline __attribute__((always_inline)) bool word_ok(const char *w, const char *lim)
{
	const char *q = w;
	switch (*w) {
	case 't':
		if (lim - w < 4 || memcmp(w, "true", 4) != 0)
			return false;
		q += 4;
		break;
	case 'f':
		if (lim - w < 5 || memcmp(w, "false", 5) != 0)
			return false;
		q += 5;
		break;
	case 'n':
		if (lim - w < 4 || memcmp(w, "null", 4) != 0)
			return false;
		q += 4;
		break;
	default:
		if (*q == '-' && ++q == lim)
			return false;
		if (*q == '0')
			q++;
		else if (json_is_digit(*q))
			while (++q < lim && json_is_digit(*q))
				;
		else
			return false;
		if (q < lim && *q == '.') {
			if (++q == lim || !json_is_digit(*q))
				return false;
			while (++q < lim && json_is_digit(*q))
				;
		}
		if (q < lim && (*q == 'e' || *q == 'E')) {
			if (++q < lim && (*q == '+' || *q == '-'))
				q++;
			if (q == lim || !json_is_digit(*q))
				return false;
			while (++q < lim && json_is_digit(*q))
				;
		}
	}
	return q == lim || !word_byte[(unsigned char)*q];
}

/* The grammar, one 64-bit word per byte that starts a token: bits
 * 6x..6x+5 hold 6 times the state after that byte in state x (X_BAD, 0,
 * in every word's first field, so X_BAD stays), and the top two bits say
 * whether the byte opens or closes a container. States are kept times 6,
 * so that a step is a shift and a mask. For an opening bracket the field
 * is the state to push (the state after the container), and the state
 * inside is in bits 54-59. Built with the CPU check. */
#define T_OPEN (1ull << 62)
#define T_CLOSE (1ull << 63)
static uint64_t transitions[256];

static void grammar_init(void)
{
	for (unsigned x = 0; x < X_COUNT; x++) {
		unsigned v = after_value[x]; /* X_BAD: no value here */
		unsigned next[256] = {0};
		next['"'] = x == X_KEY ? X_COLON : v;
		next[':'] = x == X_COLON ? X_MEMBER : X_BAD;
		next[','] = x == X_OBJ_NEXT ? X_KEY : x == X_ARR_NEXT ? X_ITEM : X_BAD;
		/* Brackets that open: the state to push (its field is read
		 * before the state changes); the state inside them is in the
		 * word's bits 54-59. */
		next['{'] = v;
		next['['] = v;
		/* Any state but X_BAD: the one pushed replaces it. */
		next['}'] = x == X_KEY || x == X_OBJ_NEXT ? X_END : X_BAD;
		next[']'] = x == X_ITEM || x == X_ARR_NEXT ? X_END : X_BAD;
		/* Words are checked apart (words()): here a value. */
		static const char word_first[] = "-0123456789tfn";
		for (const char *w = word_first; *w; w++)
			next[(unsigned char)*w] = v;
		for (unsigned c = 0; c < 256; c++)
			transitions[c] |= (uint64_t)(6 * next[c]) << (6 * x);
	}
	transitions['{'] |= T_OPEN | (uint64_t)(6 * X_KEY) << 54;
	transitions['['] |= T_OPEN | (uint64_t)(6 * X_ITEM) << 54;
	transitions['}'] |= T_CLOSE;
	transitions[']'] |= T_CLOSE;
}

/* Check the tokens whose first bytes are the bits of ev, in block p, on
 * the grammar. Returns false when they break it. A token is a shift and
 * a mask on the state; brackets also take the stack. */
static inline __attribute__((always_inline)) bool grammar(struct run *r, const char *p, uint64_t ev,
							  char *small)
{
	const unsigned char *u = (const unsigned char *)p;
	uint64_t x = r->expect;
	while (ev) {
		uint64_t w = transitions[u[__builtin_ctzll(ev)]];
		ev &= ev - 1;
		x = w >> x & 63;
		if (__builtin_expect(w >= T_OPEN, 0) && x) {
			if (w & T_CLOSE) {
				x = (unsigned char)r->stack[--r->depth];
			} else {
				if (r->depth == r->cap)
					r->stack = json_stack_grow(r->stack, small, &r->cap);
				r->stack[r->depth++] = (char)x;
				if (r->depth > r->max_depth)
					r->max_depth = r->depth;
				x = w >> 54 & 63;
			}
		}
	}
	r->expect = (unsigned)x;
	return x != 0;
}

/* Check each word whose first byte is a bit of starts, in block p,
 * ending before lim. */
static inline __attribute__((always_inline)) bool words(const char *p, const char *lim,
							uint64_t starts)
{
	bool ok = true;
	while (starts) {
		ok &= word_ok(p + __builtin_ctzll(starts), lim);
		starts &= starts - 1;
	}
	return ok;
}

/* A block's unescaped quotes, after its escapes were checked. */
static inline __attribute__((always_inline)) uint64_t quotes(struct run *r, const char *p,
							     struct classes m)
{
	r->high |= m.high;
	uint64_t esc = (m.bslash | r->escaped) ? escapes(r, p, m.bslash) : 0;
	return m.quote & ~esc;
}

/* The rest of block p of classes m, words ending before lim, with its
 * unescaped quotes q and their prefix XOR qx: the run's state moves on,
 * and the bytes to keep (all but white space outside strings) are
 * returned as a mask. */
static inline __attribute__((always_inline)) uint64_t step(struct run *r, const char *p,
							   const char *lim, struct classes m,
							   uint64_t q, uint64_t qx, char *small)
{
	uint64_t in = qx ^ r->in_string; /* opening quotes and contents */
	r->in_string = (uint64_t)((int64_t)in >> 63);
	r->bad |= m.ctrl & in;
	/* A ',' followed (after white space) by a closing bracket: adding
	 * the bit after each ',' to the white space carries it through the
	 * run to the next token. */
	uint64_t ws = m.ws & ~in, comma = m.comma & ~in, next;
	bool c1 = __builtin_add_overflow(comma << 1, ws, &next);
	bool c2 = __builtin_add_overflow(next, r->comma, &next);
	r->bad |= next & ~ws & m.close & ~in;
	r->comma = (comma >> 63) | c1 | c2;
	uint64_t word = ~(in | m.quote | m.ws | m.structural);
	uint64_t starts = word & ~(word << 1 | r->word_last);
	r->word_last = word >> 63;
	if (!grammar(r, p, (m.structural & ~in) | (q & in) | starts, small) ||
	    (starts && !words(p, lim, starts)))
		r->bad = 1;
	return ~ws;
}

/* Compaction tables: for each 8-bit mask g, the pshufb control that
 * gathers the bytes whose bit is set (in order) into the low lanes, and
 * how many there are. Built once, with the CPU check. */
static uint64_t gather8[256];
static unsigned char count8[256];

/* The best JSON_FAST_* level the CPU has, once checked is set. */
static bool checked;
static int cpu_level;
/* The level json_minify_fast() uses: cpu_level unless a test chose. */
static int use_level;

/* Whether 64-bit GCC and clang builtins see this feature; both do for
 * all names below. */
#define CPU_HAS(f) __builtin_cpu_supports(f)

int json_fast_ready(void)
{
	if (!checked) {
		checked = true;
		__builtin_cpu_init();
		cpu_level = JSON_FAST_NONE;
		if (CPU_HAS("ssse3"))
			cpu_level = JSON_FAST_SSSE3;
		if (cpu_level && CPU_HAS("avx2") && CPU_HAS("bmi") && CPU_HAS("bmi2") &&
		    CPU_HAS("pclmul") && CPU_HAS("popcnt"))
			cpu_level = JSON_FAST_AVX2;
		if (cpu_level == JSON_FAST_AVX2 && CPU_HAS("avx512bw") && CPU_HAS("avx512vbmi2"))
			cpu_level = JSON_FAST_AVX512;
		use_level = cpu_level;
		grammar_init();
		for (unsigned g = 0; g < 256; g++) {
			uint64_t ctl = 0;
			unsigned k = 0;
			for (unsigned j = 0; j < 8; j++)
				if (g >> j & 1)
					ctl |= (uint64_t)j << (8 * k++);
			gather8[g] = ctl;
			count8[g] = (unsigned char)k;
			unsigned lo = g | 0x20;
			bool structural =
				g < 0x80 && (lo == ':' || lo == '{' || lo == ',' || lo == '}');
			word_byte[g] = !(structural || g == '"' || g == ' ' || g == '\t' ||
					 g == '\n' || g == '\r');
		}
	}
	return use_level;
}

int json_fast_use(int level)
{
	json_fast_ready();
	use_level = level < cpu_level ? level : cpu_level;
	return use_level;
}

/* --- SSSE3 (and the compaction AVX2 shares) ------------------------------ */

/* White space and structure are found by the byte's low nibble: pshufb
 * looks up the one byte of each class with that nibble (or 0xff, which no
 * byte gets: pshufb gives 0 for bytes >= 0x80) and the byte is of the
 * class when it is the one looked up. '[' and ']' are '{' and '}' without
 * the 0x20 bit, so structure is looked up with that bit set. That also
 * takes in 0x0c and 0x1a: control characters, refused in strings and,
 * outside them, by the grammar, as tokens that start nothing. The AVX2
 * and AVX-512 blocks use the same two tables. */
#define WS_OF ' ', -1, -1, -1, -1, -1, -1, -1, -1, '\t', '\n', -1, -1, '\r', -1, -1
#define ST_OF -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, ':', '{', ',', '}', -1, -1

__attribute__((target("ssse3"), always_inline)) static inline struct classes
classify_ssse3(const char *p)
{
	const __m128i ws_of = _mm_setr_epi8(WS_OF), st_of = _mm_setr_epi8(ST_OF);
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i comma = _mm_set1_epi8(','), close = _mm_set1_epi8('}');
	const __m128i bit5 = _mm_set1_epi8(0x20), us = _mm_set1_epi8(0x1f);
	const __m128i zero = _mm_setzero_si128();
	struct classes m = {0};
	__m128i any_b = zero, any_h = zero, b[4];
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		__m128i lo = _mm_or_si128(v, bit5);
		b[k] = _mm_cmpeq_epi8(v, bslash);
		any_b = _mm_or_si128(any_b, b[k]);
		any_h = _mm_or_si128(any_h, v);
		unsigned sh = 16 * (unsigned)k;
		m.quote |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << sh;
		m.comma |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) << sh;
		m.close |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(lo, close)) << sh;
		m.ws |= (uint64_t)(unsigned)_mm_movemask_epi8(
				_mm_cmpeq_epi8(_mm_shuffle_epi8(ws_of, v), v))
			<< sh;
		m.structural |= (uint64_t)(unsigned)_mm_movemask_epi8(
					_mm_cmpeq_epi8(_mm_shuffle_epi8(st_of, lo), lo))
				<< sh;
		m.ctrl |= (uint64_t)(unsigned)_mm_movemask_epi8(
				  _mm_cmpeq_epi8(_mm_subs_epu8(v, us), zero)) /* <= 0x1f */
			  << sh;
	}
	/* Backslashes are rare: one test for the block. */
	if (_mm_movemask_epi8(any_b))
		for (int k = 0; k < 4; k++)
			m.bslash |= (uint64_t)(unsigned)_mm_movemask_epi8(b[k]) << (16 * k);
	m.high = (unsigned)_mm_movemask_epi8(any_h);
	return m;
}

/* Copy the bytes of block p (64 bytes) whose bit is set in keep to o
 * (writable to o + 72); returns how many. */
__attribute__((target("ssse3"), always_inline)) static inline size_t
compact_ssse3(const char *p, uint64_t keep, char *o)
{
	if (keep == ~0ull) {
		memcpy(o, p, 64);
		return 64;
	}
	char *start = o;
	for (int h = 0; h < 64; h += 8, keep >>= 8) {
		unsigned g = (unsigned)(keep & 0xff);
		__m128i x = _mm_loadl_epi64((const __m128i *)(const void *)(p + h));
		__m128i ctl = _mm_loadl_epi64((const __m128i *)(const void *)&gather8[g]);
		_mm_storel_epi64((__m128i *)(void *)o, _mm_shuffle_epi8(x, ctl));
		o += count8[g];
	}
	return (size_t)(o - start);
}

/* --- AVX2 ------------------------------------------------------------------ */

__attribute__((target("avx2"), always_inline)) static inline struct classes
classify_avx2(const char *p)
{
	const __m256i ws_of = _mm256_setr_epi8(WS_OF, WS_OF),
		      st_of = _mm256_setr_epi8(ST_OF, ST_OF);
	const __m256i quote = _mm256_set1_epi8('"'), bslash = _mm256_set1_epi8('\\');
	const __m256i comma = _mm256_set1_epi8(','), close = _mm256_set1_epi8('}');
	const __m256i bit5 = _mm256_set1_epi8(0x20), us = _mm256_set1_epi8(0x1f);
	const __m256i zero = _mm256_setzero_si256();
	struct classes m = {0};
	__m256i any_h = zero;
	for (int k = 0; k < 2; k++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * k));
		__m256i lo = _mm256_or_si256(v, bit5);
		any_h = _mm256_or_si256(any_h, v);
		unsigned sh = 32 * (unsigned)k;
#define MASK32(x) ((uint64_t)(uint32_t)_mm256_movemask_epi8(x) << sh)
		m.quote |= MASK32(_mm256_cmpeq_epi8(v, quote));
		m.bslash |= MASK32(_mm256_cmpeq_epi8(v, bslash));
		m.comma |= MASK32(_mm256_cmpeq_epi8(v, comma));
		m.close |= MASK32(_mm256_cmpeq_epi8(lo, close));
		m.ws |= MASK32(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(ws_of, v), v));
		m.structural |= MASK32(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(st_of, lo), lo));
		m.ctrl |= MASK32(_mm256_cmpeq_epi8(_mm256_subs_epu8(v, us), zero));
#undef MASK32
	}
	m.high = (uint32_t)_mm256_movemask_epi8(any_h);
	return m;
}

/* --- AVX-512 (BW for the classes, VBMI2 for the compaction) ----------------- */

#define AVX512 "avx512f,avx512bw,avx512vbmi2,popcnt"

__attribute__((target(AVX512), always_inline)) static inline struct classes
classify_avx512(const char *p)
{
	const __m512i ws_of = _mm512_broadcast_i32x4(_mm_setr_epi8(WS_OF));
	const __m512i st_of = _mm512_broadcast_i32x4(_mm_setr_epi8(ST_OF));
	__m512i v = _mm512_loadu_si512((const void *)p);
	__m512i lo = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
	struct classes m;
	m.quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
	m.bslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
	m.comma = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(','));
	m.close = _mm512_cmpeq_epi8_mask(lo, _mm512_set1_epi8('}'));
	m.ws = _mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(ws_of, v), v);
	m.structural = _mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(st_of, lo), lo);
	m.ctrl = _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20));
	m.high = _mm512_movepi8_mask(v);
	return m;
}

/* Compress into a register, then store: vpcompressb straight to memory
 * is slow on some processors (AMD Zen 4). Writes 64 bytes at o. */
__attribute__((target(AVX512), always_inline)) static inline size_t
compact_avx512(const char *p, uint64_t keep, char *o)
{
	__m512i v = _mm512_loadu_si512((const void *)p);
	_mm512_storeu_si512((void *)o, _mm512_maskz_compress_epi8(keep, v));
	return (size_t)__builtin_popcountll(keep);
}

/* --- the pass, once per instruction set -------------------------------------- */

/* Minify s[0..n) into o (room for n + 176 bytes), with the classify(),
 * compact() and prefix_xor() of one instruction set; returns the end of
 * what was written. r says whether s is JSON (but for UTF-8, which the
 * caller checks when r->high says so); small is r's first stack.
 * Blocks are read whole while 16 bytes follow them (escapes() looks 5
 * ahead); the last 16 to 79 bytes are padded with spaces (dropped outside
 * strings; an unterminated string is refused anyway). Invalid text
 * stops the pass at the end of the block that shows it. */
#define MINIFY_PASS(classify, compact, prefix_xor)                                                 \
	do {                                                                                       \
		size_t i = 0;                                                                      \
		for (; n - i >= 80 && !r->bad; i += 64)                                            \
			MINIFY_BLOCK(classify, compact, prefix_xor, s + i, s + n);                 \
		if (r->bad)                                                                        \
			break;                                                                     \
		char tail[2 * 64 + 16];                                                            \
		memset(tail, ' ', sizeof tail);                                                    \
		memcpy(tail, s + i, n - i);                                                        \
		for (size_t t = 0; t < n - i; t += 64)                                             \
			MINIFY_BLOCK(classify, compact, prefix_xor, tail + t, tail + (n - i));     \
	} while (0)
#define MINIFY_BLOCK(classify, compact, prefix_xor, p, lim)                                        \
	do {                                                                                       \
		struct classes m_ = classify(p);                                                   \
		uint64_t q_ = quotes(r, p, m_);                                                    \
		o += compact(p, step(r, p, lim, m_, q_, prefix_xor(q_), small), o);                \
	} while (0)

__attribute__((target("ssse3"))) static char *minify_ssse3(const char *s, size_t n, char *o,
							   struct run *r, char *small)
{
	MINIFY_PASS(classify_ssse3, compact_ssse3, prefix_xor_shifts);
	return o;
}

__attribute__((target("avx2,bmi,bmi2,pclmul,popcnt"))) static char *
minify_avx2(const char *s, size_t n, char *o, struct run *r, char *small)
{
	MINIFY_PASS(classify_avx2, compact_ssse3, prefix_xor_clmul);
	return o;
}

__attribute__((target(AVX512 ",bmi,bmi2,pclmul"))) static char *
minify_avx512(const char *s, size_t n, char *o, struct run *r, char *small)
{
	MINIFY_PASS(classify_avx512, compact_avx512, prefix_xor_clmul);
	return o;
}

int json_minify_fast(const char *s, size_t n, struct buf *out, size_t *depth)
{
	size_t start = out->len;
	/* The pass keeps at most n + 112 bytes (the padded tail may keep up
	 * to 112 spaces inside an unterminated string) and stores up to 64
	 * past the last one it keeps. */
	buf_reserve(out, n + 192);
	char small[256];
	struct run r = {.expect = 6 * X_VALUE, .stack = small, .cap = sizeof small};
	char *m = out->data + start, *o;
	switch (use_level) {
	case JSON_FAST_AVX512: o = minify_avx512(s, n, m, &r, small); break;
	case JSON_FAST_AVX2: o = minify_avx2(s, n, m, &r, small); break;
	default: o = minify_ssse3(s, n, m, &r, small); break;
	}
	if (r.stack != small)
		free(r.stack);
	if (r.bad || r.in_string || r.depth || r.expect != 6 * X_END ||
	    (r.high && !utf8_valid(s, n))) {
		out->len = start;
		out->data[start] = '\0';
		return -1;
	}
	out->len = start + (size_t)(o - m);
	out->data[out->len] = '\0';
	if (depth)
		*depth = r.max_depth;
	return 0;
}
#endif
