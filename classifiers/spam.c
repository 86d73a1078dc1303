/*
 * spam.c - structural spam signals and the near-duplicate window (see spam.h).
 */
#include "spam.h"

#include "bitruns.h"
#include "ktab.h"
#include "swar.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char *const names[SCRM_SPAM__COUNT] = {
	"links", "hashtags", "mentions", "repeated_text", "cue", "duplicate",
};

const char *scrm_spam_name(unsigned bit)
{
	return bit < SCRM_SPAM__COUNT ? names[bit] : "?";
}

/* The six ASCII spaces. */
static const uint8_t space_of[256] = {['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1};

static bool is_space(unsigned char c) { return space_of[c]; }

/* What the near-duplicate key keeps of byte c: ASCII letters lower-cased, bytes >= 0x80;
 * 0: dropped (digits, punctuation). */
static const unsigned char key_of[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
	112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 0, 0, 0, 0, 0,
	0, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
	112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 0, 0, 0, 0, 0,
	128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143,
	144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159,
	160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175,
	176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191,
	192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207,
	208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223,
	224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
	240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255,
};

/* The next run of non-space bytes at or after *i (NULL at the end); *n its length. */
static const char *next_word(const char *text, size_t len, size_t *i, size_t *n)
{
	size_t p = *i;
	while (p < len && is_space((unsigned char)text[p]))
		p++;
	if (p == len)
		return NULL;
	size_t s = p;
	while (p < len && !is_space((unsigned char)text[p]))
		p++;
	*i = p;
	*n = p - s;
	return text + s;
}

/* A link, its scheme in any case ("HTTP://", "Www."), as the cue scan reads links:
 * http:// or https:// with something after it, or www. with something after it. */
static bool is_link(const char *w, size_t n)
{
	unsigned char c = (unsigned char)w[0] | 0x20;
	if (c == 'w')
		return n > 4 && ((unsigned char)w[1] | 0x20) == 'w' && ((unsigned char)w[2] | 0x20) == 'w' && w[3] == '.';
	if (c != 'h' || n <= 7)
		return false;
	uint64_t v = scrm_lower8(scrm_load8(w)); /* n >= 8 */
	uint64_t http, https;
	memcpy(&http, "http://\0", 8);
	memcpy(&https, "https://", 8);
	return (v & UINT64_C(0x00FFFFFFFFFFFFFF)) == http || (n > 8 && v == https);
}

#define REPEAT_WORDS 64

/* A word's identity for the repeat count: lw, m <= 32 bytes as little-endian words
 * (zero bytes after it up to the next multiple of 8), mixed 8 bytes at a time (only
 * equality matters; a collision is ~2^-64 per pair). */
static uint64_t word_hash(const uint64_t *lw, size_t m)
{
	uint64_t h = m * UINT64_C(0x9E3779B97F4A7C15);
	for (size_t k = 0; k < m; k += 8) {
		h = (h ^ lw[k / 8]) * UINT64_C(0xBF58476D1CE4E5B9);
		h ^= h >> 31;
	}
	return h;
}

/* What signals() carries from word to word. */
struct scan {
	scrm_spam_counts c;
	uint64_t h[REPEAT_WORDS]; /* want_top: the ordinary words' hashes */
	const char *ow[REPEAT_WORDS]; /* else the words themselves, hashed only if ... */
	uint8_t on[REPEAT_WORDS];
	uint8_t first[64]; /* ... as many share a first byte as the repeat flag needs */
	uint8_t most;      /* the largest count in first[] */
	uint32_t nh;
	int want_top; /* the counts are wanted: top_repeat exactly, not only the flag */
	uint32_t kwords;
	size_t o;
	int want_key;
	const char *end; /* the text's end: 8-byte loads stop before it */
	/* The key's text, hashed on in xs when it passes the buffer (a key of over 1,023
	 * bytes was cut there, so long texts alike in their first ~1,000 letters were
	 * near-duplicates: found by review); XXH3 of the pieces streamed is XXH3 of the
	 * whole, so a key that fits is hashed as before. */
	bool streamed;
	XXH3_state_t xs;
	char buf[1024];
};

/* The key buffer is full: its text goes into the streamed hash. Cold: texts of over
 * ~1,000 bytes of kept letters. */
static __attribute__((noinline, cold)) void key_flush(struct scan *st, size_t o)
{
	if (!st->streamed) {
		XXH3_64bits_reset(&st->xs);
		st->streamed = true;
	}
	XXH3_64bits_update(&st->xs, st->buf, o);
}

/* An ordinary word's identity for the repeat count, w[0..n) (n >= 2), the text ending at
 * @end: lower-cased, trailing punctuation dropped: "buy", "BUY", "buy!" are one. */
static uint64_t ordinary_hash(const char *w, size_t n, const char *end)
{
	/* in registers (a byte-sized copy read back eight bytes at a time stalled on
	 * store forwarding) */
	uint64_t lw[4];
	size_t m = n < 32 ? n : 32, nc = (m + 7) / 8;
	for (size_t k = 0; k < nc; k++) {
		size_t have = m - 8 * k < 8 ? m - 8 * k : 8;
		uint64_t v = 0;
		if ((size_t)(end - (w + 8 * k)) >= 8)
			v = scrm_load8(w + 8 * k);
		else
			for (size_t b = 0; b < have; b++)
				v |= (uint64_t)(unsigned char)w[8 * k + b] << (8 * b);
		if (have < 8)
			v &= (UINT64_C(1) << (8 * have)) - 1;
		lw[k] = scrm_lower8(v);
	}
	for (;;) {
		unsigned char last = (unsigned char)(lw[(m - 1) / 8] >> (8 * ((m - 1) % 8)));
		if (m <= 1 || !(last == '!' || last == '.' || last == ',' || last == '?'))
			break;
		m--;
	}
	if (m % 8)
		lw[(m - 1) / 8] &= (UINT64_C(1) << (8 * (m % 8))) - 1;
	return word_hash(lw, m);
}

#ifdef __SSE2__
/* Of 16 bytes x: the key's lowering (ASCII letters lower-cased, the rest as it is) into
 * *low, and which bytes the key keeps (letters, bytes >= 0x80: key_of[] nonzero). */
static inline __m128i key_bytes16(__m128i x, __m128i *low)
{
	__m128i du = _mm_sub_epi8(x, _mm_set1_epi8('A'));
	__m128i up = _mm_cmpeq_epi8(_mm_min_epu8(du, _mm_set1_epi8(25)), du);
	__m128i l = _mm_or_si128(x, _mm_and_si128(up, _mm_set1_epi8(0x20)));
	__m128i dl = _mm_sub_epi8(l, _mm_set1_epi8('a'));
	*low = l;
	return _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(dl, _mm_set1_epi8(25)), dl),
			    _mm_cmplt_epi8(x, _mm_setzero_si128()));
}

/* Which of 16 bytes x are one of the six ASCII spaces (space_of[]). */
static inline __m128i spaces16(__m128i x)
{
	__m128i d9 = _mm_sub_epi8(x, _mm_set1_epi8(9));
	return _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(_mm_min_epu8(d9, _mm_set1_epi8(4)), d9));
}
#endif

/* One word, w[0..n) (n >= 1): its counts, its repeat hash and its part of the key.
 * Inlined into the word loops (gcc called it: ~6% more time per text). */
static inline __attribute__((always_inline)) void scan_word(struct scan *st, const char *w, size_t n)
{
	bool link = is_link(w, n);
	if (st->want_key) {
		bool rt = st->c.words == 0 && n == 2 && (w[0] == 'R' || w[0] == 'r') && (w[1] == 'T' || w[1] == 't');
		if (!rt && w[0] != '@' && !link) {
			/* o grows by at most one a byte: as many bytes as there is room left fit
			 * unchecked (dropped bytes can leave room for more: then another round) */
			char *buf = st->buf;
			size_t before = st->o, o = st->o, k = 0;
			bool kept_any = false; /* a byte was kept before a flush of the buffer */
#ifdef __SSE2__
			/* a word of up to 16 bytes whose kept bytes (letters, lower-cased, and bytes
			 * >= 0x80) come first ("thanks!"): all of it stored at once, the end
			 * advanced past what is kept (the rest is overwritten or past the end) */
			if (n <= 16 && (size_t)(st->end - w) >= 16 && o + 16 <= sizeof st->buf - 1) {
				__m128i l, kept = key_bytes16(_mm_loadu_si128((const __m128i *)w), &l);
				unsigned km = (unsigned)_mm_movemask_epi8(kept) & ((1u << n) - 1);
				if (!(km & (km + 1))) {
					_mm_storeu_si128((__m128i *)(buf + o), l);
					o += (size_t)__builtin_ctz(~km); /* the ones of a prefix (popcount is a call without -mpopcnt) */
					k = n;
				}
			}
#endif
			while (k < n) {
				if (o >= sizeof st->buf - 1) {
					key_flush(st, o);
					kept_any |= o > before;
					before = o = 0;
				}
				size_t room = sizeof st->buf - 1 - o, lim = k + (n - k < room ? n - k : room);
				for (; k < lim; k++) {
					unsigned char ch = key_of[(unsigned char)w[k]];
					buf[o] = (char)ch;
					o += ch != 0;
				}
			}
			if (o > before || kept_any) {
				st->kwords++;
				if (o >= sizeof st->buf - 1) {
					key_flush(st, o);
					o = 0;
				}
				buf[o++] = ' ';
			}
			st->o = o;
		}
	}
	st->c.words++;
	if (link) {
		st->c.links++;
	} else if (w[0] == '#' && n > 1) {
		st->c.hashtags++;
	} else if (w[0] == '@' && n > 1) {
		st->c.mentions++;
	} else if (st->nh < REPEAT_WORDS && n >= 2) {
		if (st->nh == REPEAT_WORDS - 1)
			st->c.rep_words = st->c.words; /* the last one the count sees */
		if (st->want_top) {
			st->h[st->nh++] = ordinary_hash(w, n, st->end);
		} else {
			/* its first byte, ASCII lower-cased, survives ordinary_hash()'s folding */
			unsigned char f = (unsigned char)w[0];
			f |= (unsigned char)((unsigned)(f - 'A') < 26u ? 0x20 : 0);
			uint8_t c = ++st->first[f & 63]; /* at most REPEAT_WORDS */
			st->most = c > st->most ? c : st->most;
			st->ow[st->nh] = w;
			st->on[st->nh++] = (uint8_t)(n < 255 ? n : 255);
		}
	}
}

/* Texts up to this long find their words through a bitmap of their spaces. */
#define BITMAP_MAX 4096

/* Bit i of sp[i / 64]: text[i] is one of the six ASCII spaces; bits from len on are set
 * (so the last word ends). Sixteen bytes at a time with SSE2. */
static void space_bitmap(const unsigned char *t, size_t len, uint64_t *sp)
{
	size_t i = 0;
	uint64_t m = 0;
#ifdef __SSE2__
#define SPACES16(p) ((uint64_t)(uint16_t)_mm_movemask_epi8(spaces16(_mm_loadu_si128((const __m128i *)(p)))))
	for (; i + 64 <= len; i += 64)
		sp[i / 64] = SPACES16(t + i) | SPACES16(t + i + 16) << 16 | SPACES16(t + i + 32) << 32 |
			     SPACES16(t + i + 48) << 48;
	for (; i + 16 <= len; i += 16)
		m |= SPACES16(t + i) << (i % 64);
#undef SPACES16
#else
	for (; i + 64 <= len; i += 64) {
		uint64_t b = 0;
		for (size_t k = 0; k < 64; k++)
			b |= (uint64_t)space_of[t[i + k]] << k;
		sp[i / 64] = b;
	}
#endif
	for (; i < len; i++) /* the last 63 bytes at most: all in the word of bit len */
		m |= (uint64_t)space_of[t[i]] << (i % 64);
	sp[len / 64] = m | ~UINT64_C(0) << (len % 64); /* and the sentinel bits */
}

/* The near-duplicate key of a key text of @kwords words whose XXH3 is @h: none under
 * four, never 0 else. */
static uint64_t key_of_hash(uint64_t h, uint32_t kwords)
{
	return kwords < 4 ? 0 : h ? h : 1;
}

/* ... of the key text buf[0..o) (not hashed under four words). */
static uint64_t key_of_text(const char *buf, size_t o, uint32_t kwords)
{
	return kwords < 4 ? 0 : key_of_hash(XXH3_64bits(buf, o), kwords);
}

/* The most repeated of the ordinary words' hashes h[0..nh) (nh <= 64): counts in an
 * open-addressing table of 128 slots, whose used bits are the only part that needs
 * clearing. */
static uint32_t top_repeat(const uint64_t *h, uint32_t nh)
{
	uint32_t top = 0;
	unsigned __int128 used = 0; /* in a register: no branch on which half, no wait for
				     * a store as with an array */
	uint64_t slot_h[128];
	uint8_t slot_n[128];
	for (uint32_t a = 0; a < nh; a++) {
		uint32_t x = (uint32_t)(h[a] >> 57);
		while (((used >> x) & 1) && slot_h[x] != h[a])
			x = (x + 1) & 127;
		if (!((used >> x) & 1)) {
			used |= (unsigned __int128)1 << x;
			slot_h[x] = h[a];
			slot_n[x] = 0;
		}
		if (++slot_n[x] > top)
			top = slot_n[x];
	}
	return top;
}

/* The signals the counts make. */
static unsigned flags_of(const scrm_spam_counts *c)
{
	uint32_t plain = c->words - c->links - c->hashtags - c->mentions;
	unsigned f = 0;
	if (c->links >= 3 || (c->links >= 1 && c->hashtags >= 2 && plain <= 1))
		f |= SCRM_SPAM_LINKS;
	if (c->hashtags >= 3 && plain <= 2)
		f |= SCRM_SPAM_HASHTAGS;
	if (c->mentions >= 5)
		f |= SCRM_SPAM_MENTIONS;
	if (c->top_repeat >= 4 && 2 * c->top_repeat >= c->rep_words)
		f |= SCRM_SPAM_REPEAT;
	return f;
}

/* The repeat flag needs one word to be this many of the words. */
static uint32_t repeat_need(uint32_t words) { return words < 8 ? 4 : (words + 1) / 2; }

/* One pass over the words for both: the structural signals and (when @key) the
 * near-duplicate key. The words come from the space bitmap (no branch per byte), or for
 * a text over BITMAP_MAX bytes from next_word(). */
static unsigned signals(const char *text, size_t len, scrm_spam_counts *counts, uint64_t *key)
{
	struct scan st;
	memset(&st.c, 0, sizeof st.c);
	st.nh = st.kwords = 0;
	st.o = 0;
	st.streamed = false;
	st.want_key = key != NULL;
	st.want_top = counts != NULL;
	st.most = 0;
	if (!st.want_top)
		memset(st.first, 0, sizeof st.first);
	st.end = text + len;
	if (len <= BITMAP_MAX) {
		uint64_t sp[BITMAP_MAX / 64 + 1];
		space_bitmap((const unsigned char *)text, len, sp);
		scrm_bitruns r;
		scrm_bitruns_init(&r, sp, len / 64 + 1);
		size_t start, stop;
		while (scrm_bitruns_next(&r, &start, &stop))
			scan_word(&st, text + start, stop - start);
	} else {
		size_t i = 0, n;
		const char *w;
		while ((w = next_word(text, len, &i, &n)))
			scan_word(&st, w, n);
	}
	scrm_spam_counts c = st.c;
	uint64_t *h = st.h;
	uint32_t nh = st.nh, kwords = st.kwords;
	if (nh < REPEAT_WORDS)
		c.rep_words = c.words;
	if (!st.want_top) {
		/* Only the flag: top_repeat >= 4 and twice it >= the words. Repeats share their
		 * first byte, so unless that many do, no word is hashed. */
		uint32_t need = repeat_need(c.rep_words);
		if (st.most < need)
			nh = 0;
		for (uint32_t a = 0; a < nh; a++)
			h[a] = ordinary_hash(st.ow[a], st.on[a], st.end);
	}
	if (key && st.streamed) { /* (none under four words, however long) */
		XXH3_64bits_update(&st.xs, st.buf, st.o);
		*key = key_of_hash(XXH3_64bits_digest(&st.xs), kwords);
	} else if (key) {
		*key = key_of_text(st.buf, st.o, kwords);
	}
	c.top_repeat = top_repeat(h, nh);
	if (counts)
		*counts = c;
	return flags_of(&c);
}

#ifdef __SSE2__
/* ------------------------------------------------- the whole-text pass (SSE2) ---- */

/* What signals_text() reads of 64 bytes of a text: bit i for byte i. */
struct text_block {
	uint64_t sp;   /* the six ASCII spaces; every bit from the text's end on */
	uint64_t kp;   /* bytes the key keeps: letters, bytes >= 0x80 */
	uint64_t at;   /* '@' */
	uint64_t hash; /* '#' */
	uint64_t hw;   /* 'h', 'w' in either case: where a link may start */
};
#define TEXT_BLOCKS (BITMAP_MAX / 64 + 2) /* one past the text's end */

/* The bits of t[@skip..16) into *m from bit @sh on, and the lowered copy of t[0..16)
 * (letters lower-cased, spaces as ' ') into low[0..16). */
static inline void bits16(struct text_block *m, const unsigned char *t, unsigned sh, char *low, unsigned skip)
{
	__m128i x = _mm_loadu_si128((const __m128i *)t), sp = spaces16(x), l, kept = key_bytes16(x, &l);
	__m128i hw = _mm_or_si128(_mm_cmpeq_epi8(l, _mm_set1_epi8('h')), _mm_cmpeq_epi8(l, _mm_set1_epi8('w')));
	_mm_storeu_si128((__m128i *)low, _mm_or_si128(_mm_andnot_si128(sp, l), _mm_and_si128(sp, _mm_set1_epi8(' '))));
	m->sp |= (uint64_t)((unsigned)_mm_movemask_epi8(sp) >> skip) << sh;
	m->kp |= (uint64_t)((unsigned)_mm_movemask_epi8(kept) >> skip) << sh;
	m->at |= (uint64_t)((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('@'))) >> skip) << sh;
	m->hash |= (uint64_t)((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('#'))) >> skip) << sh;
	m->hw |= (uint64_t)((unsigned)_mm_movemask_epi8(hw) >> skip) << sh;
}

/* The first space at or after byte p (the sentinel bits make one). */
static inline size_t space_from(const struct text_block *b, size_t p)
{
	size_t w = p / 64;
	uint64_t x = b[w].sp & (~UINT64_C(0) << (p % 64));
	while (!x)
		x = b[++w].sp;
	return w * 64 + (size_t)__builtin_ctzll(x);
}

/* Bytes [a, e) out of the key. */
static inline void drop_from_key(struct text_block *b, size_t a, size_t e)
{
	for (size_t i = a; i < e;) {
		size_t w = i / 64, stop = (w + 1) * 64 < e ? (w + 1) * 64 : e;
		unsigned lo = (unsigned)(i % 64), n = (unsigned)(stop - i);
		b[w].kp &= ~((n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1) << lo);
		i = stop;
	}
}

/*
 * signals() with the key, for a text of up to BITMAP_MAX bytes, from bit arrays of the
 * whole text instead of word by word: the words are the runs between spaces, their
 * count a popcount of where they start; only the words that start with '@', '#' or a
 * possible link, and the first (an "RT"), are looked at one by one.
 * A word keeps a place in the key when a kept byte is left in it: adding its start bit
 * to the bits of its other bytes carries through the word to its end only when there
 * is none. The key is then the kept bytes and those ends, copied run by run. -1 when
 * the key would pass signals()'s 1,023 bytes (the caller then runs signals()).
 */
static int signals_text(const char *text, size_t len, uint64_t *key)
{
	const unsigned char *t = (const unsigned char *)text;
	struct text_block b[TEXT_BLOCKS];
	char low[BITMAP_MAX + 160]; /* the lowered copy (bits16) */
	size_t nw = len / 64 + 1;   /* blocks holding bits 0..len */
	memset(b, 0, (nw + 1) * sizeof b[0]);
	size_t i = 0;
	for (; i + 16 <= len; i += 16)
		bits16(&b[i / 64], t + i, (unsigned)(i % 64), low + i, 0);
	if (i < len && len >= 16) { /* the last bytes: the text's last 16, those before skipped */
		bits16(&b[i / 64], t + len - 16, (unsigned)(i % 64), low + len - 16, (unsigned)(16 - (len - i)));
	} else if (i < len) { /* a short text, from a zeroed copy (a NUL is nothing of the above) */
		unsigned char tail[16] = {0};
		memcpy(tail, t, len);
		bits16(&b[0], tail, 0, low, 0);
	}
	b[len / 64].sp |= ~UINT64_C(0) << (len % 64);
	b[nw].sp = ~UINT64_C(0);
	memset(low + len, ' ', 16); /* the last word's end */

	uint64_t st[TEXT_BLOCKS], en[TEXT_BLOCKS], two[TEXT_BLOCKS];
	scrm_spam_counts c = {0};
	uint64_t prev = 1; /* before the text: a space */
	for (size_t w = 0; w < nw; w++) {
		uint64_t s = b[w].sp, before = s << 1 | prev, after = s >> 1 | b[w + 1].sp << 63;
		prev = s >> 63;
		st[w] = ~s & before;     /* a word starts */
		en[w] = s & ~before;     /* the space (or the end) just after a word */
		two[w] = st[w] & ~after; /* a word of two bytes or more starts */
		c.words += (uint32_t)scrm_popcount64(st[w]);
	}
	/* one by one, the few words that may be out of the key or counted apart: "RT"
	 * first, @words (mentions when two bytes or more), #words, links */
	for (size_t w = 0; w < nw; w++)
		if (st[w]) {
			size_t p = w * 64 + (size_t)__builtin_ctzll(st[w]);
			if (space_from(b, p) - p == 2 && (t[p] | 0x20) == 'r' && (t[p + 1] | 0x20) == 't')
				drop_from_key(b, p, p + 2);
			break;
		}
	for (size_t w = 0; w < nw; w++) {
		uint64_t cand = st[w] & (b[w].at | b[w].hash | b[w].hw);
		while (cand) {
			unsigned bit = (unsigned)__builtin_ctzll(cand);
			size_t p = w * 64 + bit;
			cand &= cand - 1;
			if (t[p] == '#') {
				c.hashtags += (unsigned)(two[w] >> bit) & 1;
				continue;
			}
			size_t e = space_from(b, p);
			if (t[p] == '@') {
				c.mentions += (unsigned)(two[w] >> bit) & 1;
				drop_from_key(b, p, e);
			} else if (is_link(text + p, e - p)) {
				c.links++;
				drop_from_key(b, p, e);
				two[w] &= ~(UINT64_C(1) << bit); /* not an ordinary word */
			}
		}
	}
	/* the key's places: the kept bytes, and the ends of words that keep one */
	uint64_t keep[TEXT_BLOCKS];
	uint32_t kwords = 0;
	uint64_t carry = 0;
	for (size_t w = 0; w < nw; w++) {
		uint64_t y = ~b[w].sp & ~b[w].kp; /* word bytes the key drops */
		unsigned __int128 sum = (unsigned __int128)y + st[w] + carry;
		carry = (uint64_t)(sum >> 64);
		uint64_t stop = (uint64_t)sum & ~y; /* where each start's carry stopped */
		uint64_t sep = en[w] & ~stop;       /* ... not at its word's end: it keeps a byte */
		keep[w] = b[w].kp | sep;
		kwords += (uint32_t)scrm_popcount64(sep);
	}
	/* at most one place a byte (and the end): past signals()'s buffer only when long */
	const size_t kmax = sizeof ((struct scan *)0)->buf - 1;
	if (len + 1 > kmax) {
		size_t klen = 0;
		for (size_t w = 0; w < nw; w++)
			klen += (size_t)scrm_popcount64(keep[w]);
		if (klen > kmax)
			return -1;
	}
	char buf[sizeof ((struct scan *)0)->buf + 64];
	size_t o = 0;
	if (kwords >= 4)
		for (size_t w = 0; w < nw; w++)
			for (uint64_t m = keep[w]; m;) {
				unsigned a = (unsigned)__builtin_ctzll(m);
				uint64_t inv = ~(m >> a);
				unsigned r = inv ? (unsigned)__builtin_ctzll(inv) : 64 - a;
				const char *src = low + w * 64 + a;
				for (unsigned k = 0; k < r; k += 16)
					_mm_storeu_si128((__m128i *)(buf + o + k), _mm_loadu_si128((const __m128i *)(src + k)));
				o += r;
				m &= r == 64 ? 0 : ~(((UINT64_C(1) << r) - 1) << a);
			}
	*key = key_of_text(buf, o, kwords);
	/* the repeat flag: the first 64 ordinary words (two bytes or more, no hashtag,
	 * mention or link), hashed only if as many as it needs share a first byte */
	c.rep_words = c.words;
	if (c.words - c.links - c.hashtags - c.mentions >= 4) { /* else too few of them */
		uint8_t firsts[64] = {0}, most = 0;
		uint32_t pos[REPEAT_WORDS], n = 0;
		for (size_t w = 0; w < nw && n < REPEAT_WORDS; w++)
			for (uint64_t m = two[w] & ~b[w].at & ~b[w].hash; m && n < REPEAT_WORDS; m &= m - 1) {
				uint32_t p = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(m));
				uint8_t f = ++firsts[(unsigned char)low[p] & 63];
				most = f > most ? f : most;
				pos[n++] = p;
			}
		if (n == REPEAT_WORDS) { /* the words that start up to the last one counted */
			size_t wl = pos[n - 1] / 64, bit = pos[n - 1] % 64;
			uint32_t k = 0;
			for (size_t w = 0; w < wl; w++)
				k += (uint32_t)scrm_popcount64(st[w]);
			k += (uint32_t)scrm_popcount64(st[wl] & (bit == 63 ? ~UINT64_C(0) : (UINT64_C(2) << bit) - 1));
			c.rep_words = k;
		}
		uint32_t need = repeat_need(c.rep_words);
		if (most >= need) {
			uint64_t h[REPEAT_WORDS];
			for (uint32_t a = 0; a < n; a++) {
				size_t wl = space_from(b, pos[a]) - pos[a];
				h[a] = ordinary_hash(text + pos[a], wl < 255 ? wl : 255, text + len);
			}
			c.top_repeat = top_repeat(h, n);
		}
	}
	return (int)flags_of(&c);
}
#endif

unsigned scrm_spam_scan(const char *text, size_t len, scrm_spam_counts *counts)
{
	return signals(text, len, counts, NULL);
}

uint64_t scrm_spam_text_key(const char *text, size_t len)
{
	uint64_t k;
	scrm_spam_signals(text, len, &k);
	return k;
}

size_t scrm_spam_reply_prefix(const char *text, size_t len)
{
	size_t i = 0, end = 0, n;
	const char *w;
	while ((w = next_word(text, len, &i, &n)) && w[0] == '@' && n > 1) {
		end = i;
		while (end < len && is_space((unsigned char)text[end]))
			end++;
	}
	return end;
}

unsigned scrm_spam_signals(const char *text, size_t len, uint64_t *key)
{
#ifdef __SSE2__
	if (key && len <= BITMAP_MAX) {
		int f = signals_text(text, len, key);
		if (f >= 0)
			return (unsigned)f;
	}
#endif
	return signals(text, len, NULL, key);
}

/* ------------------------------------------------------------ the window ---- */

/* Slots: a = seq of the burst's first post, n = posts in the burst, ts = the last one. */

scrm_dupwin *scrm_dupwin_create(size_t slots)
{
	return scrm_ktab_create(slots);
}

void scrm_dupwin_free(scrm_dupwin *w)
{
	scrm_ktab_free(w);
}

/* A burst's span (newest - oldest) in a slot's 32 bits: milliseconds below 2^31 (24.8
 * days), else seconds, rounded up, with the top bit set (a span of up to 68 years; in
 * milliseconds alone it stopped at 49.7 days and a longer newest-first burst split,
 * found by review). */
static uint32_t back_of(uint64_t ms)
{
	if (ms < (UINT64_C(1) << 31))
		return (uint32_t)ms;
	uint64_t s = (ms + 999) / 1000;
	return 0x80000000u | (uint32_t)(s < 0x7fffffff ? s : 0x7fffffff);
}

static int64_t back_ms(uint32_t b)
{
	return b & 0x80000000u ? (int64_t)(b & 0x7fffffffu) * 1000 : (int64_t)b;
}

uint32_t scrm_dupwin_see(scrm_dupwin *w, uint64_t key, int64_t ts_ms, uint64_t seq, int64_t window_ms,
			 uint64_t *first_seq)
{
	int fresh;
	scrm_ktab_slot *e = scrm_ktab_get(w, key, &fresh);
	if (!fresh && ts_ms <= INT64_MIN / 2)
		ts_ms = e->ts; /* no time (the caller's INT64_MIN / 2): as at the burst's last */
	/* A copy joins the burst when it is within the window of its newest copy after it,
	 * or of its oldest before it: input newest first (a search export) gives the bursts
	 * oldest first does (measured from the newest alone, a newest-first burst ended once
	 * it spanned one window: found by review). A burst of copies without a time so far
	 * takes the first timed one. */
	int64_t oldest = e->ts - back_ms(e->back);
	bool joins = !fresh && (e->ts <= INT64_MIN / 2 ||
				(ts_ms <= e->ts ? ts_ms >= oldest - window_ms : ts_ms - e->ts <= window_ms));
	if (!joins) {
		e->n = 0; /* first sighting, or the last burst is over: start a new one */
		e->a = seq;
		e->ts = ts_ms;
		e->back = 0;
	} else if (e->ts <= INT64_MIN / 2) {
		e->ts = ts_ms;
	} else if (ts_ms > e->ts) {
		e->back = back_of((uint64_t)back_ms(e->back) + (uint64_t)(ts_ms - e->ts));
		e->ts = ts_ms;
	} else if (ts_ms < oldest) {
		e->back = back_of((uint64_t)(e->ts - ts_ms));
	}
	*first_seq = e->a;
	return e->n++;
}

unsigned scrm_spam_signals_wordwise(const char *text, size_t len, uint64_t *key)
{
	return signals(text, len, NULL, key);
}
