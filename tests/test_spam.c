/*
 * test_spam.c - structural spam signals, the near-duplicate key and its window
 * (classifiers/spam.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "spam.h"

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
