/*
 * spam.c - structural spam signals and the near-duplicate window (see spam.h).
 */
#include "spam.h"

#include "ktab.h"
#include "swar.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

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

/* A link, its scheme in any case ("HTTP://", "Www."), as the cue scan reads links. */
static bool is_link(const char *w, size_t n)
{
	return (n > 7 && !strncasecmp(w, "http://", 7)) || (n > 8 && !strncasecmp(w, "https://", 8)) ||
	       (n > 4 && !strncasecmp(w, "www.", 4));
}

#define REPEAT_WORDS 64

/* A word's identity for the repeat count: lw[0..m) (m <= 32, zero bytes after it up to
 * the next multiple of 8) mixed 8 bytes at a time (only equality matters; a collision is
 * ~2^-64 per pair). */
static uint64_t word_hash(const char *lw, size_t m)
{
	uint64_t h = m * UINT64_C(0x9E3779B97F4A7C15);
	for (size_t k = 0; k < m; k += 8) {
		uint64_t v;
		memcpy(&v, lw + k, 8);
		h = (h ^ v) * UINT64_C(0xBF58476D1CE4E5B9);
		h ^= h >> 31;
	}
	return h;
}

/* One pass over the words for both: the structural signals and (when @key) the
 * near-duplicate key. */
static unsigned signals(const char *text, size_t len, scrm_spam_counts *counts, uint64_t *key)
{
	scrm_spam_counts c = {0};
	uint64_t h[REPEAT_WORDS];
	uint32_t nh = 0;
	char buf[1024]; /* the key's text */
	size_t o = 0;
	uint32_t kwords = 0;
	size_t i = 0, n;
	const char *w;
	while ((w = next_word(text, len, &i, &n))) {
		bool link = is_link(w, n);
		if (key && o < sizeof buf - 1) {
			bool rt = c.words == 0 && n == 2 && (w[0] == 'R' || w[0] == 'r') && (w[1] == 'T' || w[1] == 't');
			if (!rt && w[0] != '@' && !link) {
				/* o grows by at most one a byte: as many bytes as there is room left fit
				 * unchecked (dropped bytes can leave room for more: then another round) */
				size_t before = o, k = 0;
				while (k < n && o < sizeof buf - 1) {
					size_t room = sizeof buf - 1 - o, lim = k + (n - k < room ? n - k : room);
					for (; k < lim; k++) {
						unsigned char ch = key_of[(unsigned char)w[k]];
						buf[o] = (char)ch;
						o += ch != 0;
					}
				}
				if (o > before) {
					kwords++;
					if (o < sizeof buf - 1)
						buf[o++] = ' ';
				}
			}
		}
		c.words++;
		if (link) {
			c.links++;
		} else if (w[0] == '#' && n > 1) {
			c.hashtags++;
		} else if (w[0] == '@' && n > 1) {
			c.mentions++;
		} else if (nh < REPEAT_WORDS && n >= 2) {
			/* lower-cased, trailing punctuation dropped: "buy", "BUY", "buy!" are one */
			char lw[40] = {0};
			size_t m = n < 32 ? n : 32;
			memcpy(lw, w, m);
			for (size_t k = 0; k < m; k += 8) {
				uint64_t v;
				memcpy(&v, lw + k, 8);
				v = scrm_lower8(v);
				memcpy(lw + k, &v, 8);
			}
			while (m > 1 && (lw[m - 1] == '!' || lw[m - 1] == '.' || lw[m - 1] == ',' || lw[m - 1] == '?'))
				lw[--m] = 0;
			h[nh++] = word_hash(lw, m);
		}
	}
	if (key) {
		uint64_t k = kwords < 4 ? 0 : XXH3_64bits(buf, o);
		*key = kwords < 4 ? 0 : k ? k : 1;
	}
	/* The most repeated ordinary word: counts in an open-addressing table of 128 slots
	 * (at most 64 words), whose used bits are the only part that needs clearing. */
	uint64_t used[2] = {0, 0};
	uint64_t slot_h[128];
	uint8_t slot_n[128];
	for (uint32_t a = 0; a < nh; a++) {
		uint32_t x = (uint32_t)(h[a] >> 57);
		while ((used[x >> 6] >> (x & 63) & 1) && slot_h[x] != h[a])
			x = (x + 1) & 127;
		if (!(used[x >> 6] >> (x & 63) & 1)) {
			used[x >> 6] |= UINT64_C(1) << (x & 63);
			slot_h[x] = h[a];
			slot_n[x] = 0;
		}
		if (++slot_n[x] > c.top_repeat)
			c.top_repeat = slot_n[x];
	}
	uint32_t plain = c.words - c.links - c.hashtags - c.mentions;
	unsigned f = 0;
	if (c.links >= 3 || (c.links >= 1 && c.hashtags >= 2 && plain <= 1))
		f |= SCRM_SPAM_LINKS;
	if (c.hashtags >= 3 && plain <= 2)
		f |= SCRM_SPAM_HASHTAGS;
	if (c.mentions >= 5)
		f |= SCRM_SPAM_MENTIONS;
	if (c.top_repeat >= 4 && 2 * c.top_repeat >= c.words)
		f |= SCRM_SPAM_REPEAT;
	if (counts)
		*counts = c;
	return f;
}

unsigned scrm_spam_scan(const char *text, size_t len, scrm_spam_counts *counts)
{
	return signals(text, len, counts, NULL);
}

uint64_t scrm_spam_text_key(const char *text, size_t len)
{
	uint64_t k;
	signals(text, len, NULL, &k);
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

uint32_t scrm_dupwin_see(scrm_dupwin *w, uint64_t key, int64_t ts_ms, uint64_t seq, int64_t window_ms,
			 uint64_t *first_seq)
{
	int fresh;
	scrm_ktab_slot *e = scrm_ktab_get(w, key, &fresh);
	if (!fresh && ts_ms < e->ts)
		ts_ms = e->ts;
	if (fresh || ts_ms - e->ts > window_ms) {
		e->n = 0; /* first sighting, or the last burst is over: start a new one */
		e->a = seq;
	}
	e->ts = ts_ms;
	*first_seq = e->a;
	return e->n++;
}
