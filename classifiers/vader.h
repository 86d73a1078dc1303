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
 * fixed 512 KiB word cache per scorer. Text that is plain ASCII (after emoji
 * replacement, which yields ASCII descriptions) takes a fast path: one SSE2 pass builds
 * a whitespace bitmap and counts ! and ?, and each token of up to 16 bytes is
 * lower-cased, tested for isupper() and hashed as two 64-bit words, then looked up in a
 * direct-mapped cache of recently seen words that holds the lexicon valence, the
 * constant-word fields and the "n't" test together (a miss does the lexicon and
 * constant-word lookups and fills the slot). Other text goes through the general
 * UTF-8 tokenizer, which takes its short all-ASCII tokens the same way (the rest code
 * point by code point); both give bit-identical results (tests/test_vader.c checks this).
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
#include <stdint.h>

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

/*
 * ---- Internal to classifiers/: the stages of scrm_vader_score(), shared with
 * sentiment.c (the scrm mode), so that one tokenization serves both modes. ----
 *
 * scrm_vader_score(v, text, len, out) is exactly scrm_vader_analyze() then
 * scrm_vader_finish(&x, x.sent, out).
 */
/* What a token's word is, from the lexicon and the constant words (vader.c keeps these
 * per word in its cache and copies them into a token as one 16-byte block). */
typedef struct scrm_vader_facts {
	double val;        /* lexicon valence when in_lex */
	uint16_t xid;      /* extra word id (scrm_vader_set_extra_words), 0 none */
	uint8_t id, in_lex, is_boost, neg; /* id: vader.c's own word ids (opaque) */
	int8_t boost;      /* BOOSTER_DICT: +1 B_INCR, -1 B_DECR (scrm_vader_tok_boost) */
	uint8_t klen;      /* vader.c's word cache: the word's length; unused in a token */
} scrm_vader_facts;

typedef struct scrm_vader_tok {
	union {
		scrm_vader_facts facts;
		struct { /* the same, by name */
			double val;
			uint16_t xid;
			uint8_t id, in_lex, is_boost, neg;
			int8_t boost;
			uint8_t klen_unused;
		};
	};
	uint32_t off, len; /* the token's bytes: see scrm_vader_token_key() */
	uint8_t upper;     /* all capitals (str.isupper()) */
	uint8_t mention;   /* the stripped token came right after an '@' ("@united") */
	uint8_t clause_end; /* the token as written ends in '.', '!', '?' or ';' (not VADER's: the
			     * scrm mode's clause-bounded windows, scrm_vader_clause_valences) */
} scrm_vader_tok;

/* nearbyint(y) in the default rounding mode (half to even) for |y| < 2^52, without the
 * libm call: adding 2^52 to |y| leaves no fraction bits, so the FPU rounds it. */
static inline double scrm_round_even(double y)
{
	return __builtin_copysign((__builtin_fabs(y) + 0x1p52) - 0x1p52, y);
}

/* The BOOSTER_DICT value of a token (0 when it is not a booster): B_INCR or B_DECR. */
#define SCRM_VADER_B_INCR 0.293
static inline double scrm_vader_tok_boost(const scrm_vader_tok *t) { return t->boost * SCRM_VADER_B_INCR; }

typedef struct scrm_vader_text {
	const scrm_vader_tok *tok; /* n tokens, in text order */
	double *sent;              /* n valences of sentiment_valence(), before _but_check; the
				    * scorer's scratch, writable, valid until its next call */
	size_t n, nupper;          /* tokens; tokens that are all capitals */
	size_t nclause;            /* tokens but the last that end a clause (clause_end) */
	unsigned ep, qm;           /* '!' and '?' in the text */
	int has_but, any, is_cap_diff, ascii;
	const char *text, *low;    /* scratch the tokens point into (scrm_vader_token_key) */
	scrm_vader *v;             /* the scorer (its scratch for scrm_vader_finish) */
} scrm_vader_text;

/* Tokenize and value every token (polarity_scores() up to _but_check). Returns 0,
 * -ENOMEM, -EINVAL. Everything in *x lives until the scorer's next call. */
int scrm_vader_analyze(scrm_vader *v, const char *text, size_t len, scrm_vader_text *x);

/* _but_check() on sent (n values, modified in place; x->sent or a copy of it) and the
 * reference's rounding into *out. */
void scrm_vader_finish(const scrm_vader_text *x, double *sent, scrm_sentiment *out);

/* The bytes of the white space character at s[0..n) as the reference splits on it
 * (Python's str.split(): ASCII white space, U+00A0, U+2000..U+200A, U+202F, U+3000, ...),
 * or 0. */
size_t scrm_vader_space_len(const char *s, size_t n);

/* For tests: texts of more than @n tokens take the O(n log n) form of _but_check (256
 * unless set; SIZE_MAX: never). Both give the same values. Not thread-safe. */
void scrm_vader_set_but_linear_from(size_t n);

/* score_valence() alone (punctuation emphasis, normalize, proportions, rounding). */
void scrm_vader_sift(const double *sent, size_t n, unsigned ep, unsigned qm, scrm_sentiment *out);

/*
 * For every lexicon token i whose windows reach a clause's end: val[i] = its
 * sentiment_valence() as if its clause were the whole text (the windows that look back:
 * boosters, negation, "no", idioms, "least"; and ahead: "no" before a word, idioms,
 * "kind of"; stop at a token that ends a clause, scrm_vader_tok.clause_end). The other
 * values are left as they are (x->sent[i] is what they would be).
 */
void scrm_vader_clause_valences(const scrm_vader_text *x, double *val);

/* The lower-cased bytes (x->tok[i].len of them) of token i: in buf (for short ASCII
 * tokens) or in the scorer's scratch. */
const char *scrm_vader_token_key(const scrm_vader_text *x, size_t i, char buf[16]);

/*
 * Give each word of words[0..n) (1..16 bytes, lower-case, as tokens appear after
 * lower-casing) the id k + 1 in scrm_vader_tok.xid. Call once, before scoring; the
 * valences of vader mode do not depend on it. Returns 0 or -EINVAL (bad length,
 * more than 768 words).
 */
int scrm_vader_set_extra_words(scrm_vader *v, const char *const *words, size_t n);

/* Tests: with @on, the UTF-8 tokenizer lower-cases every token code point by code point
 * (lower_token) instead of taking a short ASCII token eight bytes at a time; the scores
 * must not change (vader/differential_fast_path_and_cache). */
void scrm_vader_set_slow_tokens(scrm_vader *v, int on);

#endif
