/*
 * spam.h - spam, bot and banter signals that need counting rather than matching, and
 * the near-duplicate window.
 *
 * DESIGN. Spam words and phrases ("giveaway", "free followers", "$500/day") are cues in
 * the rules file (rules.h), matched in the one Hyperscan pass; every cue whose name
 * starts with "spam." counts as a spam reason. What the grammar cannot say lives here:
 * structural signals computed in one pass over the text (links, hashtags, mentions,
 * repeated words), and near-duplicates: a key made from the text with what varies
 * between copies removed (case, URLs, @mentions, a leading "RT @x:", punctuation,
 * digits, extra spaces), looked up in a sliding window of recent keys. A retweet storm
 * or a copy-paste campaign then shows as many records with one key.
 *
 * The window is owned by one thread (the relate thread that owns the key's logical
 * partition, so its contents depend only on input order, never on -j). It is a fixed
 * set-associative table: memory is bounded whatever the stream; when every way of a
 * set is live, the entry seen longest ago is replaced (a lost key only means a later
 * copy is counted from 1 again).
 *
 * Threads: scrm_spam_scan(), scrm_spam_text_key() and scrm_spam_signals() are pure. A scrm_dupwin belongs to
 * one thread.
 */
#ifndef SCRM_SPAM_H
#define SCRM_SPAM_H

#include <stddef.h>
#include <stdint.h>

/* Structural spam signals (bits of scrm_spam_scan()'s result). */
enum {
	SCRM_SPAM_LINKS = 1u << 0,    /* >= 3 links, or links and hashtags with almost no words */
	SCRM_SPAM_HASHTAGS = 1u << 1, /* >= 3 hashtags and no more than 2 other words */
	SCRM_SPAM_MENTIONS = 1u << 2, /* >= 5 @mentions (mention spam / tag farming) */
	SCRM_SPAM_REPEAT = 1u << 3,   /* one word is >= 4 occurrences and >= half of the words */
	SCRM_SPAM_CUE = 1u << 4,      /* a rules-file cue named spam.* matched (set by caller) */
	SCRM_SPAM_DUP = 1u << 5,      /* a copy with >= SCRM_DUP_SPAM_MIN earlier copies in its
					 burst (set by the caller from scrm_dupwin_see): a
					 customer repeating herself once is not a campaign;
					 nor is a retweet storm, a post going round */
};
#define SCRM_DUP_SPAM_MIN 2
#define SCRM_SPAM__COUNT 6

/* The names used in events and rules: "links", "hashtags", "mentions", "repeated_text",
 * "cue", "duplicate"; bit index i. */
const char *scrm_spam_name(unsigned bit);

/* Counts found by scrm_spam_scan() (for tests and explanations). */
typedef struct scrm_spam_counts {
	uint32_t words, links, hashtags, mentions, top_repeat;
	/* the words up to the last one the repeat count saw (the 64th ordinary word; all of
	 * them in a shorter text): what top_repeat must be half of (a text of 129 words or
	 * more, one word repeated throughout, was never flagged: found by review) */
	uint32_t rep_words;
} scrm_spam_counts;

/*
 * scrm_spam_scan() - the structural signals of @len bytes of UTF-8 @text.
 * Words are runs of non-space bytes; a link starts with http:// or https:// or www.
 * @counts may be NULL. Returns an OR of SCRM_SPAM_LINKS/HASHTAGS/MENTIONS/REPEAT.
 * Cost: one pass, no allocation; repeats are counted over the first 64 words.
 */
unsigned scrm_spam_scan(const char *text, size_t len, scrm_spam_counts *counts);

/*
 * scrm_spam_text_key() - the near-duplicate key of @text: XXH3-64 of its letters,
 * ASCII-lower-cased, with URLs, @mentions, a leading "RT @handle:", digits and
 * punctuation removed and runs of spaces folded. Returns 0 (no key: never a duplicate)
 * when fewer than 4 words are left, so "thank you!" is not a campaign.
 */
uint64_t scrm_spam_text_key(const char *text, size_t len);

/* Both in one pass over the words: returns scrm_spam_scan()'s bits, and stores
 * scrm_spam_text_key()'s key in *key unless @key is NULL. */
unsigned scrm_spam_signals(const char *text, size_t len, uint64_t *key);

/* The same, always word by word (scrm_spam_signals() reads a text of up to 4,096 bytes
 * as a whole, 16 bytes at a time): for tests that compare the two. */
unsigned scrm_spam_signals_wordwise(const char *text, size_t len, uint64_t *key);

/*
 * scrm_spam_reply_prefix() - the bytes of @text taken by a reply's opening @handles (and
 * the spaces after them): "@a @b thanks" -> 6. X puts the thread's participants there
 * itself (display_text_range starts after them), so for a reply they are addressees, not
 * mentions the author typed: the pipeline leaves them out of the spam signals, so that a
 * reply in a thread of five is not mention spam. 0 when @text does not open with one.
 */
size_t scrm_spam_reply_prefix(const char *text, size_t len);

typedef struct scrm_ktab scrm_dupwin; /* a ktab.h table */

/* A window of @slots entries (rounded up to a power of two, >= 64). NULL on -ENOMEM. */
scrm_dupwin *scrm_dupwin_create(size_t slots);
void scrm_dupwin_free(scrm_dupwin *w);

/*
 * scrm_dupwin_see() - record one post with key @key (nonzero) at time @ts_ms, sequence
 * number @seq; @window_ms > 0 is the window length. Copies of one key form a burst as
 * long as each comes within @window_ms of the previous one (a session window: a retweet
 * storm that keeps going stays one burst). Returns how many earlier posts of the current
 * burst the window holds (0: first sighting, or the previous copy is older than the
 * window), and the sequence number of the burst's first post in *first_seq. Out-of-order
 * input: a post older than the burst's newest copy is in the burst when within
 * @window_ms of it, else it starts a new burst (input newest first, as a search export
 * comes, gives the bursts oldest first would); a post without a time (@ts_ms <=
 * INT64_MIN / 2) counts as at the burst's newest.
 */
uint32_t scrm_dupwin_see(scrm_dupwin *w, uint64_t key, int64_t ts_ms, uint64_t seq, int64_t window_ms,
			 uint64_t *first_seq);

#endif
