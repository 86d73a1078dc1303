/*
 * vader.h - VADER sentiment scoring, faithful to the reference implementation
 * (cjhutto/vaderSentiment at 44fc044, vaderSentiment/vaderSentiment.py).
 *
 * DESIGN. The scorer reproduces the reference step by step, including its quirks:
 * emoji code points replaced by their descriptions (a space before, none after), Python
 * str.split() on Unicode whitespace, str.strip(string.punctuation) keeping tokens whose
 * stripped form has <= 2 code points as written, str.isupper()/str.lower() semantics
 * (non-ASCII via the C.UTF-8 locale's case tables), the booster/negation/idiom rules,
 * the first-equal-value indexing of _but_check, and Python's round() (half-even on the
 * exact binary value). The word lists of the reference (negations, boosters, special
 * idioms) are algorithm constants compiled in here; the valences come from the lexicon.
 *
 * Invalid UTF-8 in the input is read as U+FFFD per bad byte, like bytes.decode(errors=
 * 'replace') (the reference itself only ever sees decoded str).
 *
 * Cost: no allocation per call once warm: per-scorer scratch buffers grow to the
 * largest text seen and stay (a few bytes per input byte, 48 per token), plus a
 * fixed 256 KiB word cache per scorer. Text that is plain ASCII (after emoji
 * replacement, which yields ASCII descriptions) takes a fast path: one SSE2 pass builds
 * a whitespace bitmap and counts ! and ?, and each token of up to 16 bytes is
 * lower-cased, tested for isupper() and hashed as two 64-bit words, then looked up in a
 * direct-mapped cache of recently seen words that holds the lexicon valence, the
 * constant-word fields and the "n't" test together (a miss does the lexicon and
 * constant-word lookups and fills the slot). Other text goes through the general
 * UTF-8 tokenizer; both give bit-identical results (tests/test_vader.c checks this).
 * Measured 1.55-1.65 M texts/s (best of 5) on one core over the 39,735 reference texts
 * (mean 100 B), against 0.91-0.93 M before the fast path in the same runs; callgrind:
 * 4,560 instructions per text (was 7,880); in the pipeline (scrm run -j1, 300k
 * generated records) 0.64 us per record (was 0.95 us):
 *   SCRM_BENCH=1 ./build/tests/one_vader --jobs 1 --filter 'vader/bench*' --verbose
 * Texts containing "but" cost O(tokens x position of first equal value) in _but_check
 * (the reference's list.index quirk, kept for exactness): fine for posts, quadratic for
 * adversarial megabyte texts; callers should bound text length.
 *
 * Known departures (none occur in the reference sets): Python lower-cases a final
 * capital sigma to U+03C2, we to U+03C3; case tables are glibc's C.UTF-8 (checked equal
 * to Python 3.11 / Unicode 14 for every code point below U+20000, single characters);
 * without a C.UTF-8 locale, non-ASCII characters are treated as uncased.
 *
 * Threads: a scrm_vader is per-thread scratch (one per analyze worker, created at
 * start-up). Any number of scorers may share one lexicon; the lexicon must outlive them.
 */
#ifndef SCRM_VADER_H
#define SCRM_VADER_H

#include <stddef.h>

#include "lexicon.h"

typedef struct scrm_sentiment {
	double neg, neu, pos; /* proportions, rounded to 3 decimals as the reference does */
	double compound;      /* normalized sum in [-1, 1], rounded to 4 decimals */
} scrm_sentiment;

typedef struct scrm_vader scrm_vader;

/*
 * Create a scorer on `lex` (borrowed, must outlive the scorer). Returns NULL on
 * allocation failure.
 */
scrm_vader *scrm_vader_create(const scrm_lexicon *lex);

/* Free a scorer and its scratch; NULL is ignored. */
void scrm_vader_free(scrm_vader *v);

/*
 * Score `len` bytes of UTF-8 text (need not be NUL-terminated) into *out, exactly as the
 * reference's polarity_scores() would. Returns 0, or -ENOMEM if the scratch could not
 * grow (then *out is zeroed), or -EINVAL for NULL arguments. Text without any token
 * scores all zeros, as in the reference.
 */
int scrm_vader_score(scrm_vader *v, const char *text, size_t len, scrm_sentiment *out);

/*
 * Python's round(x, ndigits) for ndigits in 0..15: the double nearest to x rounded
 * half-even at the decimal place, decided on x's exact binary value. Exposed for tests.
 */
double scrm_py_round(double x, int ndigits);

#endif
