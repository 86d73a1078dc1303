/*
 * test_spam.c - structural spam signals, the near-duplicate key and its window
 * (classifiers/spam.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spam.h"
#include "testutil.h"

static unsigned scan(const char *s, scrm_spam_counts *c)
{
	return scrm_spam_scan(s, strlen(s), c);
}

Test(spam, structural_signals)
{
	scrm_spam_counts c;
	cr_assert_eq(scan("my flight was delayed again, still waiting on a refund", &c), 0);
	cr_assert_eq(c.words, 10);
	cr_assert_eq(c.top_repeat, 1);

	cr_assert_eq(scan("deals http://a.co/1 https://b.co/2 www.c.com more", &c), SCRM_SPAM_LINKS);
	cr_assert_eq(c.links, 3);
	cr_assert_eq(scan("HTTP://A.CO Https://B.CO WWW.C.COM", &c), SCRM_SPAM_LINKS); /* any case */
	cr_assert_eq(c.links, 3);
	cr_assert_eq(scan("win https://x.co #free #iphone", NULL), SCRM_SPAM_LINKS);
	cr_assert_eq(scan("see https://x.co for the #outage #update details today", NULL), 0);

	cr_assert_eq(scan("#followback #f4f #teamfollow #gain", &c), SCRM_SPAM_HASHTAGS);
	cr_assert_eq(c.hashtags, 4);
	cr_assert_eq(scan("love it #a #b #c", NULL), SCRM_SPAM_HASHTAGS);
	cr_assert_eq(scan("really love the new app #a #b #c", NULL), 0);
	cr_assert_eq(scan("# # # plain", NULL), 0); /* a bare '#' is not a hashtag */

	cr_assert_eq(scan("@a @b @c @d @e check this", &c), SCRM_SPAM_MENTIONS);
	cr_assert_eq(c.mentions, 5);
	cr_assert_eq(scan("@a @b @c @d thanks", NULL), 0);

	cr_assert_eq(scan("buy BUY buy! Buy now", &c), SCRM_SPAM_REPEAT);
	cr_assert_eq(c.top_repeat, 4);
	cr_assert_eq(scan("no no no no, I said the plan was fine and then it was not", NULL), 0);
	cr_assert_eq(scan("", &c), 0);
	cr_assert_eq(c.words, 0);
}

/* A reply's opening @handles (its addressees): the pipeline leaves them out of the spam
 * signals (a reply in a thread of five was flagged as mention spam). */
Test(spam, reply_prefix)
{
	static const struct {
		const char *text;
		size_t want;
	} cases[] = {
		{"@a @b @c @d @e thanks, fixed now", 15},
		{"  @a\t@b  hi", 9},
		{"@a", 2},
		{"@a @b", 5},
		{"hi @a @b", 0},
		{"@ @a hi", 0}, /* a bare '@' is not a handle */
		{"", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_assert_eq(scrm_spam_reply_prefix(cases[i].text, strlen(cases[i].text)), cases[i].want, "%s",
			     cases[i].text);
	const char *t = "@a @b @c @d @e thanks, fixed now";
	size_t k = scrm_spam_reply_prefix(t, strlen(t));
	cr_assert(scrm_spam_scan(t, strlen(t), NULL) & SCRM_SPAM_MENTIONS);
	cr_assert_eq(scrm_spam_scan(t + k, strlen(t) - k, NULL), 0);
	cr_assert_eq(scrm_spam_text_key(t + k, strlen(t) - k), scrm_spam_text_key(t, strlen(t)),
		     "the near-duplicate key ignores @handles anyway");
}

Test(spam, names)
{
	cr_assert_str_eq(scrm_spam_name(0), "links");
	cr_assert_str_eq(scrm_spam_name(3), "repeated_text");
	cr_assert_str_eq(scrm_spam_name(5), "duplicate");
	cr_assert_str_eq(scrm_spam_name(99), "?");
}

Test(spam, text_key_ignores_what_copies_vary)
{
	uint64_t k = scrm_spam_text_key("Win a FREE trip to Paris today!!", 32);
	cr_assert_neq(k, 0);
	const char *same[] = {
		"RT @promo: win a free trip to paris today",
		"win a free trip to Paris today https://t.co/xyz @friend",
		"Win  a free trip, to Paris... today 2024",
	};
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(scrm_spam_text_key(same[i], strlen(same[i])), k, "%s", same[i]);
	const char *other = "win a free trip to Rome today";
	cr_assert_neq(scrm_spam_text_key(other, strlen(other)), k);
	cr_assert_eq(scrm_spam_text_key("thank you so!", 13), 0); /* three words: no key */
	cr_assert_eq(scrm_spam_text_key("RT @a: https://x.co @b", 22), 0);
}

Test(spam, signals_is_scan_and_key_in_one_pass)
{
	const char *texts[] = {
		"RT @promo: win a free trip to paris today",
		"buy buy BUY buy! now",
		"#a #b #c http://x.example/1 win",
		"@a @b @c @d @e hello",
		"thank you so!",
		"",
	};
	unsigned want[] = {0, SCRM_SPAM_REPEAT, SCRM_SPAM_LINKS | SCRM_SPAM_HASHTAGS, SCRM_SPAM_MENTIONS, 0, 0};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t n = strlen(texts[i]);
		uint64_t key = 7;
		cr_assert_eq(scrm_spam_signals(texts[i], n, &key), want[i], "%s", texts[i]);
		cr_assert_eq(scrm_spam_scan(texts[i], n, NULL), want[i], "%s", texts[i]);
		cr_assert_eq(key, scrm_spam_text_key(texts[i], n), "%s", texts[i]);
		cr_assert_eq(scrm_spam_signals(texts[i], n, NULL), want[i]);
	}
	uint64_t key = 7;
	scrm_spam_signals(texts[4], strlen(texts[4]), &key);
	cr_assert_eq(key, 0); /* three words: no key, and it is stored */
	/* a text longer than the key's 1 KiB buffer: the key stops growing, the counts do not */
	static char big[4096];
	size_t o = 0;
	for (int i = 0; i < 400; i++)
		o += (size_t)snprintf(big + o, sizeof big - o, "w%c ", 'a' + i % 26);
	scrm_spam_counts c;
	cr_assert_eq(scrm_spam_scan(big, o, &c), 0);
	cr_assert_eq(c.words, 400);
	cr_assert_neq(scrm_spam_text_key(big, o), 0);
}

Test(spam, window_bursts)
{
	scrm_dupwin *w = scrm_dupwin_create(100);
	cr_assert_not_null(w);
	uint64_t first = 99;
	const int64_t min = 60000;
	cr_assert_eq(scrm_dupwin_see(w, 42, 1000, 10, 10 * min, &first), 0);
	cr_assert_eq(first, 10);
	cr_assert_eq(scrm_dupwin_see(w, 42, 1000 + 5 * min, 11, 10 * min, &first), 1);
	cr_assert_eq(first, 10);
	cr_assert_eq(scrm_dupwin_see(w, 42, 1000 + 14 * min, 12, 10 * min, &first), 2); /* 9 min gap */
	cr_assert_eq(scrm_dupwin_see(w, 42, 1000 + 13 * min, 13, 10 * min, &first), 3); /* out of order */
	cr_assert_eq(scrm_dupwin_see(w, 42, 1000 + 30 * min, 14, 10 * min, &first), 0); /* gap > window */
	cr_assert_eq(first, 14);
	cr_assert_eq(scrm_dupwin_see(w, 43, 0, 15, 10 * min, &first), 0);
	/* newest first (a search export): copies days apart are no burst, as oldest first;
	 * copies minutes apart are one */
	const int64_t day = 24 * 60 * min;
	for (int k = 0; k < 4; k++)
		cr_assert_eq(scrm_dupwin_see(w, 44, (40 - 10 * k) * day, 20 + (uint64_t)k, 10 * min, &first), 0, "%d", k);
	for (int k = 0; k < 4; k++) {
		cr_assert_eq(scrm_dupwin_see(w, 45, 50 * day - 3 * k * min, 30 + (uint64_t)k, 10 * min, &first),
			     (uint32_t)k);
		cr_assert_eq(first, 30);
	}
	/* ... a copy older than the newest by more than the window starts a new burst, and the
	 * next, within the window of the newest copy, is in the new one */
	cr_assert_eq(scrm_dupwin_see(w, 45, 49 * day, 40, 10 * min, &first), 0);
	cr_assert_eq(first, 40);
	/* a copy without a time counts as at the burst's newest */
	cr_assert_eq(scrm_dupwin_see(w, 45, INT64_MIN / 2, 41, 10 * min, &first), 1);
	cr_assert_eq(first, 40);
	/* newest first, copies 6 min apart over 30 min: one burst, measured from its oldest
	 * copy so far (found by review: it ended once it spanned one window) */
	for (int k = 0; k < 6; k++)
		cr_assert_eq(scrm_dupwin_see(w, 46, 60 * day - 6 * k * min, 50 + (uint64_t)k, 10 * min, &first),
			     (uint32_t)k, "%d", k);
	cr_assert_eq(first, 50);
	/* a copy between the oldest and the newest is in it; one past the oldest by more
	 * than the window is not */
	cr_assert_eq(scrm_dupwin_see(w, 46, 60 * day - 7 * min, 56, 10 * min, &first), 6);
	cr_assert_eq(scrm_dupwin_see(w, 46, 60 * day - 41 * min, 57, 10 * min, &first), 0);
	/* a burst of a copy without a time takes the first timed one */
	cr_assert_eq(scrm_dupwin_see(w, 47, INT64_MIN / 2, 60, 10 * min, &first), 0);
	cr_assert_eq(scrm_dupwin_see(w, 47, 5 * day, 61, 10 * min, &first), 1);
	cr_assert_eq(scrm_dupwin_see(w, 47, 5 * day + min, 62, 10 * min, &first), 2);
	cr_assert_eq(first, 60);
	scrm_dupwin_free(w);
	scrm_dupwin_free(NULL);
}

Test(spam, window_is_bounded_and_evicts_oldest)
{
	scrm_dupwin *w = scrm_dupwin_create(64); /* 16 sets of 4 ways */
	uint64_t first;
	/* Five keys in one set (same bits 7..10): the oldest is evicted by the fifth. */
	for (uint64_t i = 0; i < 5; i++)
		cr_assert_eq(scrm_dupwin_see(w, (i << 20) | 1, (int64_t)i, i, 1000000, &first), 0);
	cr_assert_eq(scrm_dupwin_see(w, (4ull << 20) | 1, 10, 5, 1000000, &first), 1);
	cr_assert_eq(scrm_dupwin_see(w, (1ull << 20) | 1, 10, 6, 1000000, &first), 1);
	cr_assert_eq(scrm_dupwin_see(w, (0ull << 20) | 1, 10, 7, 1000000, &first), 0); /* was evicted */
	scrm_dupwin_free(w);
}

/* ---- the word scan eight bytes at a time reads as the plain byte-by-byte one ---- */

/* The reference: signals() as it was written byte by byte (commit 87851c5). */
#include <stdbool.h>
#include <strings.h>
#include <xxhash.h>
#include "swar.h"

#define signals ref_signals
#define next_word ref_next_word
#define is_link ref_is_link
#define word_hash ref_word_hash
#define is_space ref_is_space
#define space_of ref_space_of
#define key_of ref_key_of
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

#undef REPEAT_WORDS
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
	/* the key's text, whole (it was cut at 1,023 bytes: long texts alike in their first
	 * ~1,000 letters were near-duplicates, found by review) */
	char *buf = malloc(2 * len + 2);
	cr_assert_not_null(buf);
	size_t o = 0;
	uint32_t kwords = 0;
	size_t i = 0, n;
	const char *w;
	while ((w = next_word(text, len, &i, &n))) {
		bool link = is_link(w, n);
		if (key) {
			bool rt = c.words == 0 && n == 2 && (w[0] == 'R' || w[0] == 'r') && (w[1] == 'T' || w[1] == 't');
			if (!rt && w[0] != '@' && !link) {
				size_t before = o;
				for (size_t k = 0; k < n; k++) {
					unsigned char ch = key_of[(unsigned char)w[k]];
					buf[o] = (char)ch;
					o += ch != 0;
				}
				if (o > before) {
					kwords++;
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
			if (nh == REPEAT_WORDS - 1) /* the words up to the last one counted */
				c.rep_words = c.words;
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
	free(buf);
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
	if (nh < REPEAT_WORDS)
		c.rep_words = c.words;
	if (c.top_repeat >= 4 && 2 * c.top_repeat >= c.rep_words)
		f |= SCRM_SPAM_REPEAT;
	if (counts)
		*counts = c;
	return f;
}

#undef signals
#undef next_word
#undef is_link
#undef word_hash
#undef is_space
#undef space_of
#undef key_of

static uint64_t ref_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

static void same_signals(const char *t, size_t n)
{
	scrm_spam_counts a, b;
	uint64_t ka = 0, kb = 0;
	unsigned fa = ref_signals(t, n, &a, &ka);
	unsigned fb = scrm_spam_scan(t, n, &b);
	kb = scrm_spam_text_key(t, n);
	cr_assert(fa == fb && !memcmp(&a, &b, sizeof a) && ka == kb,
		  "'%.*s': flags %u/%u words %u/%u links %u/%u hashtags %u/%u mentions %u/%u top %u/%u key %016llx/%016llx",
		  (int)n, t, fb, fa, b.words, a.words, b.links, a.links, b.hashtags, a.hashtags, b.mentions, a.mentions,
		  b.top_repeat, a.top_repeat, (unsigned long long)kb, (unsigned long long)ka);
	uint64_t k2, k3;
	cr_assert_eq(scrm_spam_signals(t, n, &k2), fa);
	cr_assert_eq(k2, ka);
	cr_assert_eq(scrm_spam_signals_wordwise(t, n, &k3), fa);
	cr_assert_eq(k3, ka);
}

/* Texts made to fall between the whole-text pass's shortcuts: links that repeat (no
 * ordinary words, so no repeated_text however many), "RT" only as the first word, an
 * @word or #word of one byte, a word that keeps no byte, words across the 64-byte
 * blocks, and a key just under and over its 1,023 bytes. */
Test(spam, whole_text_pass_edge_cases)
{
	static char big[1200];
	const char *texts[] = {
		"http://x http://x http://x http://x buy now ok fine",
		"www.a.b www.a.b www.a.b www.a.b WWW.A.B one two three four",
		"RT @a: buy buy buy buy", "ok RT buy buy buy buy", "rT x y z w", "RTT x y z w",
		"@ # @@ ## @a #b !!! ... 123 ok", "buy!!! buy... BUY buy? now",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bb cc dd ee",
		"x                                                              @handle_across_the_block y z w",
		"\xc2\xa0" "buy\xc2\xa0" "buy buy buy", "h w H W hw wh http ht www", "",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		same_signals(texts[i], strlen(texts[i]));
	cr_assert_eq(scrm_spam_scan(texts[0], strlen(texts[0]), NULL), SCRM_SPAM_LINKS);
	for (size_t n = 1000; n < 1100; n += 3) { /* "ab " words: the key is the text */
		for (size_t k = 0; k < n; k++)
			big[k] = k % 3 == 2 ? ' ' : (char)('a' + k % 3);
		same_signals(big, n);
	}
}

/* Random texts of links and their near misses, every ASCII space, letters in both cases,
 * digits, punctuation and UTF-8, words long and short, and texts long enough to fill the
 * key's buffer and to take the path of texts over 4,096 bytes. */
Test(spam, word_scan_matches_the_bytewise_reading)
{
	static const char *const parts[] = {"http://x", "HTTPS://y.z/a", "www.a", "WwW.", "http://", "https://", "http:/x",
					    "htt", "h", "w", "RT", "rt", "@a", "@", "#b", "#", "buy", "BUY!", "buy.", "now?",
					    "Free", "abcdefgh", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", "x1y2", "d\xc3\xa9j\xc3\xa0",
					    "\xf0\x9f\x98\x80", "_", "!!!", "a", "ok", "12345678901", "\xe2\x80\x99s"};
	/* every third text from these alone: repeats near the flag's threshold, both sides */
	static const char *const few[] = {"buy", "BUY!", "buy.", "Buy", "bUY?,", "now", "ok", "#b", "@a", "http://x", "\xc3\xa9t\xc3\xa9"};
	static const char *const seps[] = {" ", " ", " ", "  ", "\t", "\n", "\v", "\f", "\r", " \r\n", "\xc2\xa0"};
	const size_t np = sizeof parts / sizeof parts[0], ns = sizeof seps / sizeof seps[0];
	const size_t nf = sizeof few / sizeof few[0];
	unsigned repeats = 0;
	uint64_t seed = 11;
	static char buf[7000];
	for (int t = 0; t < 40000; t++) {
		size_t n = 0, cap = t % 10 == 0 ? sizeof buf : 240;
		int words = (int)(ref_rand(&seed) % (t % 10 == 0 ? 1200 : 30));
		for (int w = 0; w < words; w++) {
			uint64_t v = ref_rand(&seed);
			const char *p = t % 3 == 1 ? few[v % nf] : parts[v % np], *q = seps[(v >> 16) % ns];
			size_t a = strlen(p), b = strlen(q);
			if (n + a + b > cap)
				break;
			memcpy(buf + n, p, a);
			n += a;
			memcpy(buf + n, q, b);
			n += b;
		}
		size_t skip = (size_t)(ref_rand(&seed) % 3); /* the text need not start at a word */
		same_signals(buf + (skip < n ? skip : 0), skip < n ? n - skip : n);
		repeats += (scrm_spam_scan(buf + (skip < n ? skip : 0), skip < n ? n - skip : n, NULL) & SCRM_SPAM_REPEAT) != 0;
	}
	cr_log_info("spam: %u of 40000 random texts flagged repeated_text", repeats);
	cr_assert_gt(repeats, 100); /* the flag's both sides are exercised */
}

static void same_signals_line(const char *line, size_t n, void *ctx)
{
	(void)ctx;
	same_signals(line, n);
}

/* The same on the real texts of ../shared/corpora (each line whole). */
Test(spam, word_scan_matches_the_bytewise_reading_on_corpora)
{
	static const char *const files[] = {
		"../shared/corpora/twcs/dev.spotify_inbound.tsv",      "../shared/corpora/airline-sentiment/dev.tweets.tsv",
		"../shared/corpora/semeval2017-4a/dev.tweets.tsv",   "../shared/corpora/complaints/dev.tweets.tsv",
		"../shared/corpora/sentiment140-test/dev.tweets.tsv",
	};
	size_t lines = for_each_line(files, sizeof files / sizeof files[0], same_signals_line, NULL);
	if (!lines)
		cr_skip_test("../shared/corpora not found (run from the repo root)");
	cr_log_info("spam: %zu corpus lines read as the byte-by-byte scan reads them", lines);
	cr_assert_gt(lines, 20000);
}

/* swar.h's popcount against the compiler's, on every single bit, runs of ones and
 * pseudo-random words. */
Test(spam, swar_popcount)
{
	cr_expect_eq(scrm_popcount64(0), 0);
	cr_expect_eq(scrm_popcount64(~UINT64_C(0)), 64);
	for (unsigned b = 0; b < 64; b++) {
		cr_expect_eq(scrm_popcount64(UINT64_C(1) << b), 1);
		cr_expect_eq(scrm_popcount64(~UINT64_C(0) >> b), 64 - b);
	}
	uint64_t x = UINT64_C(0x9E3779B97F4A7C15);
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t v = i & 1 ? x : x & (x >> 3);
		cr_assert_eq(scrm_popcount64(v), (unsigned)__builtin_popcountll(v), "%016llx", (unsigned long long)v);
	}
}

/* Two long texts alike in their first ~1,200 letters and apart at the end are no
 * near-duplicates (found by review: the key was cut at 1,023 bytes); the same text twice,
 * on either pass, is. */
Test(spam, long_texts_differ_by_their_ends)
{
	char a[2000], b[2000];
	size_t n = 0;
	while (n < 1200)
		n += (size_t)snprintf(a + n, sizeof a - n, "we waited for the order again and ");
	memcpy(b, a, n);
	size_t na = n + (size_t)snprintf(a + n, sizeof a - n, "please refund my money");
	size_t nb = n + (size_t)snprintf(b + n, sizeof b - n, "I want to cancel my account");
	uint64_t ka, kb, ka2, ka3;
	scrm_spam_signals(a, na, &ka);
	scrm_spam_signals(b, nb, &kb);
	scrm_spam_signals_wordwise(a, na, &ka2);
	ka3 = scrm_spam_text_key(a, na);
	cr_assert_neq(ka, 0);
	cr_assert_neq(ka, kb);
	cr_assert_eq(ka, ka2);
	cr_assert_eq(ka, ka3);
}

/* A text of one word repeated, however long, is repeated_text (found by review: from 129
 * words on the 64 counted could never be half of them); a long text whose words only
 * start with repeats, then vary, is judged on the words up to the 64th counted. */
Test(spam, repeated_text_of_any_length)
{
	for (int words = 10; words <= 1500; words = words < 200 ? words + 1 : words * 2) {
		size_t cap = (size_t)words * 8 + 64, n = 0;
		char *t = malloc(cap);
		cr_assert_not_null(t);
		for (int i = 0; i < words; i++)
			n += (size_t)snprintf(t + n, cap - n, "%sfollow", i ? " " : "");
		uint64_t key;
		cr_assert(scrm_spam_signals(t, n, &key) & SCRM_SPAM_REPEAT, "%d words", words);
		cr_assert(scrm_spam_signals_wordwise(t, n, &key) & SCRM_SPAM_REPEAT, "%d words", words);
		same_signals(t, n);
		free(t);
	}
}

/* A key of fewer than four words is none, however long (found by review: a key streamed
 * past 1,023 bytes was made from one 1,200-letter word), on both passes. */
Test(spam, long_keys_of_few_words_are_none)
{
	static char t[2000];
	memset(t, 'x', 1200);
	uint64_t k1 = 7, k2 = 7;
	scrm_spam_signals(t, 1200, &k1);
	scrm_spam_signals_wordwise(t, 1200, &k2);
	cr_assert_eq(k1, 0);
	cr_assert_eq(k2, 0);
	memset(t, 'a', 500);
	t[500] = ' ';
	memset(t + 501, 'b', 500);
	t[1001] = ' ';
	memset(t + 1002, 'c', 500);
	scrm_spam_signals(t, 1502, &k1);
	cr_assert_eq(k1, 0);
	t[1502] = ' ';
	memset(t + 1503, 'd', 10); /* a fourth word: a key */
	scrm_spam_signals(t, 1513, &k1);
	scrm_spam_signals_wordwise(t, 1513, &k2);
	cr_assert_neq(k1, 0);
	cr_assert_eq(k1, k2);
}

/* A newest-first burst of copies 30 days apart, with a 30-day window, is one burst as
 * oldest first is (found by review: the span stopped at 49.7 days and it split). */
Test(spam, newest_first_bursts_over_months)
{
	scrm_dupwin *w = scrm_dupwin_create(100);
	uint64_t first;
	const int64_t day = 86400000;
	for (int k = 0; k < 8; k++)
		cr_assert_eq(scrm_dupwin_see(w, 9, 400 * day - 30 * k * day, 100 + (uint64_t)k, 30 * day, &first),
			     (uint32_t)k, "%d", k);
	cr_assert_eq(first, 100);
	/* past the oldest (210 days before the newest) by more than the window: a new one */
	cr_assert_eq(scrm_dupwin_see(w, 9, 400 * day - 241 * day, 200, 30 * day, &first), 0);
	for (int k = 0; k < 8; k++)
		cr_assert_eq(scrm_dupwin_see(w, 10, 30 * k * day, 300 + (uint64_t)k, 30 * day, &first), (uint32_t)k);
	scrm_dupwin_free(w);
}
