/*
 * fuzz_lexicon.c - libFuzzer target for the lexicon loader (classifiers/lexicon.c) and
 * the VADER scorer on whatever it loads (classifiers/vader.c).
 *
 * The input is a word lexicon, optionally followed by a NUL byte and an emoji lexicon.
 * It is loaded from memory; a rejected input must leave the output NULL and a message
 * of the form "name:line: why". An accepted one is used to score a few fixed texts and
 * the input itself. Invariants checked (a violation traps):
 *   - load returns 0 or a negative errno; on error *out is NULL and err is non-empty
 *     and starts with the file name;
 *   - every score is finite, compound in [-1, 1], neg/neu/pos in [0, 1], and either all
 *     zero or summing to 1 within the rounding (3 x 0.0005);
 *   - scoring the same text twice (warm scratch) gives the same result;
 *   - through scrm_sent (sentiment.h): the vader mode equals scrm_vader_score, the scrm
 *     mode obeys the same ranges, scoring both modes in one call equals two calls, and
 *     every explain term has a non-empty word and a finite valence.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iclassifiers \
 *       tests/fuzz/fuzz_lexicon.c classifiers/lexicon.c classifiers/vader.c -lm \
 *       -o build-fuzz/fuzz_lexicon
 *   build-fuzz/fuzz_lexicon -max_total_time=60 CORPUS_DIR
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"
#include "sentiment.h"
#include "vader.h"
#include "fuzz.h"

static void check_score(scrm_vader *v, const char *text, size_t len)
{
	scrm_sentiment a, b;
	CHECK(scrm_vader_score(v, text, len, &a) == 0);
	CHECK(isfinite(a.compound) && isfinite(a.neg) && isfinite(a.neu) && isfinite(a.pos));
	CHECK(a.compound >= -1.0 && a.compound <= 1.0);
	CHECK(a.neg >= 0 && a.neg <= 1 && a.neu >= 0 && a.neu <= 1 && a.pos >= 0 && a.pos <= 1);
	double sum = a.neg + a.neu + a.pos;
	CHECK(sum == 0 || fabs(sum - 1.0) <= 0.0015 + 1e-9);
	CHECK(scrm_vader_score(v, text, len, &b) == 0);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
}

static void check_ranges(const scrm_sentiment *a)
{
	CHECK(isfinite(a->compound) && a->compound >= -1.0 && a->compound <= 1.0);
	CHECK(a->neg >= 0 && a->neg <= 1 && a->neu >= 0 && a->neu <= 1 && a->pos >= 0 && a->pos <= 1);
}

static void check_explain(const scrm_sent_explain *ex)
{
	CHECK(ex->n <= SCRM_SENT_EXPLAIN_MAX);
	for (uint32_t i = 0; i < ex->n; i++)
		CHECK(ex->term[i].word && ex->term[i].len > 0 && isfinite(ex->term[i].valence));
}

static void check_modes(scrm_sent *s, scrm_vader *v, const char *text, size_t len)
{
	scrm_sentiment ref, a, b, bv, bs;
	scrm_sent_explain ea, eb, exv, exs;
	CHECK(scrm_vader_score(v, text, len, &ref) == 0);
	CHECK(scrm_sent_score(s, SCRM_SENT_VADER, text, len, &a, &ea) == 0);
	CHECK(memcmp(&a, &ref, sizeof a) == 0);
	CHECK(scrm_sent_score(s, SCRM_SENT_SCRM, text, len, &b, &eb) == 0);
	check_ranges(&b);
	check_explain(&ea);
	check_explain(&eb);
	CHECK(scrm_sent_score_both(s, text, len, &bv, &bs, &exv, &exs) == 0);
	CHECK(memcmp(&bv, &a, sizeof a) == 0 && memcmp(&bs, &b, sizeof b) == 0);
	CHECK(exv.n == ea.n && exs.n == eb.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const texts[] = {
		"The book was good.", "not very good", "good but bad", "GOOD movie, VERY bad food!!",
		"At least it isn't a horrible book.", "it is kind of the shit??? never so good",
		"\xF0\x9F\x98\x81 x\xF0\x9F\x98\x81y \xE2\x9D\xA4 :) :-( lol",
	};
	const char *lex = (const char *)data, *emoji = NULL;
	size_t lex_len = size, emoji_len = 0;
	const char *nul = memchr(data, 0, size);
	if (nul) {
		lex_len = (size_t)(nul - lex);
		emoji = nul + 1;
		emoji_len = size - lex_len - 1;
	}
	char err[256];
	scrm_lexicon *l = (scrm_lexicon *)err;
	int rc = scrm_lexicon_load_mem(&l, lex, lex_len, "fuzz.lex", emoji, emoji_len, "fuzz.emoji", err, sizeof err);
	if (rc < 0) {
		CHECK(l == NULL);
		CHECK(strncmp(err, "fuzz.", 5) == 0);
		return 0;
	}
	CHECK(rc == 0 && l != NULL);
	scrm_vader *v = scrm_vader_create(l);
	CHECK(v != NULL);
	for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
		check_score(v, texts[k], strlen(texts[k]));
	check_score(v, lex, lex_len);
	if (emoji)
		check_score(v, emoji, emoji_len);
	scrm_sent *s = scrm_sent_create(l);
	CHECK(s != NULL);
	for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
		check_modes(s, v, texts[k], strlen(texts[k]));
	check_modes(s, v, lex, lex_len);
	scrm_sent_free(s);
	scrm_vader_free(v);
	scrm_lexicon_free(l);
	return 0;
}
