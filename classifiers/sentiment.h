/*
 * sentiment.h - sentiment scoring in two modes behind one per-thread scorer:
 *
 *   vader  the exact VADER of vader.h (bit-identical to scrm_vader_score);
 *   scrm   VADER's tokens and rules plus fixes for customer-care text: a
 *          project-written domain lexicon (domain_lexicon.c: "delayed", "on hold",
 *          "no response", "not working"), requests that VADER reads as praise
 *          ("please", "help"), @handles that VADER reads as words ("@united"), "like"
 *          as a preposition, a positional "but" (VADER's list.index quirk removed),
 *          damped positive words in questions, heavier negatives, length
 *          normalization, and a calibrated neutral zone (the 3-class
 *          cut at +-0.05 stays; the compound is rescaled so that weak evidence falls in
 *          it). Every constant and what it was tuned on is documented in sentiment.c;
 *          bench/sent_accuracy.c prints both modes on every labelled corpus.
 *
 * Both modes share one tokenization, so scrm_sent_score_both() costs little more than one
 * mode. The explain output lists the terms that carried the score, without allocating.
 *
 * Threads: a scrm_sent is per-thread (one per analyze worker, created at start-up); any
 * number of scorers may share one lexicon, which must outlive them.
 */
#ifndef SCRM_SENTIMENT_H
#define SCRM_SENTIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "vader.h" /* scrm_sentiment {neg,neu,pos,compound} */

#define SCRM_SENT_EXPLAIN_MAX 16

typedef struct scrm_sent_term {
	/* The term: a lexicon key (lower-cased), a domain-lexicon entry ("on hold") or a rule
	 * name ("not working" is the domain entry; rules are named like "negated:working").
	 * Not NUL-terminated; `len` bytes. Lexicon keys live in the scorer (interned on first
	 * use: valid as long as the scorer, and the lexicon); domain entries and rule names
	 * are static. */
	const char *word;
	uint16_t len;
	/* This term's contribution to the summed valence after all rules (negation,
	 * boosters, capitals, the but-shift, question damping). */
	float valence;
} scrm_sent_term;

typedef struct scrm_sent_explain {
	uint32_t n;    /* terms stored, in order of first mention; a term said again adds its
			* contribution to its entry */
	uint32_t more; /* mentions of terms past the first SCRM_SENT_EXPLAIN_MAX, not stored */
	scrm_sent_term term[SCRM_SENT_EXPLAIN_MAX];
} scrm_sent_explain;

typedef enum scrm_sent_mode { SCRM_SENT_VADER = 0, SCRM_SENT_SCRM = 1 } scrm_sent_mode;

typedef struct scrm_sent scrm_sent;

/*
 * Create a scorer on `lex` (the VADER lexicon, with its emoji table if any; borrowed,
 * must outlive the scorer). Returns NULL on allocation failure.
 */
scrm_sent *scrm_sent_create(const scrm_lexicon *lex);

/* Free a scorer; NULL is ignored. */
void scrm_sent_free(scrm_sent *s);

/*
 * Score `len` bytes of UTF-8 `text` (need not be NUL-terminated) in `mode` into *out.
 * If ex is not NULL it receives the terms (otherwise nothing is spent on them).
 * No allocation once warm (scratch grows to the largest text seen; the term table to
 * the lexicon words met). Returns 0; -ENOMEM (then *out is zeroed and ex->n is 0);
 * -EINVAL for NULL arguments or an unknown mode. Vader mode equals scrm_vader_score().
 */
int scrm_sent_score(scrm_sent *s, scrm_sent_mode mode, const char *text, size_t len, scrm_sentiment *out,
		    scrm_sent_explain *ex);

/*
 * Both modes from one tokenization. Either ex may be NULL. Returns as scrm_sent_score().
 */
int scrm_sent_score_both(scrm_sent *s, const char *text, size_t len, scrm_sentiment *vader,
			 scrm_sentiment *scrm, scrm_sent_explain *ex_vader, scrm_sent_explain *ex_scrm);

/* "vader" / "scrm" ("?" for anything else). */
const char *scrm_sent_mode_name(scrm_sent_mode m);

/* Parse "vader" or "scrm" into *m: 0, or -EINVAL. */
int scrm_sent_mode_parse(const char *name, scrm_sent_mode *m);

/*
 * For bench/sent_accuracy and tests only (ablations): set one of the scrm mode's tuned
 * constants on this scorer by name (see the table in sentiment.c). Returns 0 or -EINVAL.
 */
int scrm_sent_set_param(scrm_sent *s, const char *name, double value);

/* ---- Which languages the lexicon's words score (the pipeline's --sentiment-langs) ----
 *
 * VADER's lexicon is English. Read as English, a text in another language scores its
 * false friends: German and Dutch "die" (-2.9), French "pain"; Spanish "no" and "sin"
 * and French "retard" are, by chance, often right ("no funciona"). With a list (say
 * "en"), the pipeline scores a text by its words only when its language is one of them,
 * or unknown: no language given, "und" (undetermined), "zxx" (no linguistic content) or
 * one of X's q* codes (qme, qht, qam, qct, qst: media, hashtags, mentions, cashtags,
 * short text only). Any other text is scored on its emoji and emoticons alone
 * (scrm_sent_symbols), which mean the same in every language. The default is "all":
 * every text by its words, as VADER does.
 */
#define SCRM_SENT_LANGS_MAX 16
#define SCRM_SENT_LANG_LEN 8 /* a primary language subtag: 2-3 letters (ISO 639), at most 8 */
typedef struct scrm_sent_langs {
	uint8_t all; /* every text, whatever its language ("all") */
	uint8_t n;
	char code[SCRM_SENT_LANGS_MAX][SCRM_SENT_LANG_LEN + 1]; /* lower-case, NUL-terminated */
} scrm_sent_langs;

/* The default: all (every text scored by its words). */
void scrm_sent_langs_default(scrm_sent_langs *l);

/* Parse "all" or a list of language codes separated by commas and/or spaces ("en",
 * "en,es", "en es"; letters only, 1-8 each, ASCII case-insensitive; a region after '-'
 * or '_' is ignored: "en-GB" is "en"; at most SCRM_SENT_LANGS_MAX). 0, or -EINVAL with
 * *l unchanged. */
int scrm_sent_langs_parse(const char *s, size_t n, scrm_sent_langs *l);

/* Whether a text tagged lang[0..len) is scored by its words (see above); len 0: no tag. */
int scrm_sent_lang_scored(const scrm_sent_langs *l, const char *lang, size_t len);

/* The emoji (code points of lex's emoji table) and emoticons (an ASCII token between
 * white space that holds one of :;=<>()[]{}|/\^*~ and whose lower-case form is a lexicon
 * key: ":)", ":-(", "<3", ":D", ";)") of text[0..len), each followed by one space, into
 * out[0..cap): what scrm_sent_score() scores a text in another language on. Returns the
 * bytes written (0: none; a symbol that does not fit is left out). */
size_t scrm_sent_symbols(const scrm_lexicon *lex, const char *text, size_t len, char *out, size_t cap);

/* ---- The domain lexicon (domain_lexicon.c) ---- */
typedef enum scrm_domain_kind {
	SCRM_DOMAIN_WORD,     /* a word; replaces VADER's valence if VADER has one */
	SCRM_DOMAIN_ABSENCE,  /* something asked for: negative when negated */
	SCRM_DOMAIN_PHRASE,   /* words (space-separated) valued together */
	SCRM_DOMAIN_FUNCTION, /* something that should work: negative when negated */
	SCRM_DOMAIN_DURATION, /* a length of time ("hours"): a WORD (a wait), except after a
			       * timetable word ("opening hours", "your hours"): then neutral */
} scrm_domain_kind;

typedef struct scrm_domain_entry {
	const char *text; /* lower-case; words of at most 16 bytes */
	double valence;
	scrm_domain_kind kind;
} scrm_domain_entry;

extern const scrm_domain_entry scrm_domain_lexicon[];
extern const size_t scrm_domain_lexicon_size;

#endif
