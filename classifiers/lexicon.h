/*
 * lexicon.h - sentiment lexicons (word -> valence) and the emoji description table,
 * loaded once and shared read-only by every analyze worker.
 *
 * DESIGN. A lexicon is data, never code: the project does not ship one (see
 * scripts/fetch-lexicons.sh). Two word-list formats are read; a file is AFINN's when every
 * entry is word<TAB>integer, else VADER's (every line is read by VADER's rules):
 *
 *   VADER  token<TAB>mean<TAB>std<TAB>ratings   (cjhutto/vaderSentiment vader_lexicon.txt)
 *          fields past the second are optional; when present, std must be a number.
 *   AFINN  word<TAB>integer                      (afinn-165.tsv)
 *
 * Values are used as written (AFINN's -5..+5 is not rescaled); a |value| above
 * SCRM_LEXICON_MAX_VALENCE is a load error. Like the reference
 * (a Python dict), keys are stored exactly as written (not lower-cased: callers look up
 * lower-cased tokens, so a key with capitals never matches) and a duplicate key
 * replaces the earlier value. Each line is stripped of surrounding ASCII whitespace
 * (CR included) before it is split on TAB; blank lines are skipped. Any other bad
 * line is a load error "path:line: why"; so is a file that is not UTF-8, and a CR
 * inside a line (CR-only line endings, which the reference reads as one line).
 *
 * The emoji file is emoji<TAB>description. The reference replaces each *code point*
 * of the text found in this table by its description, so only keys that are a single
 * code point can ever match; longer keys (ZWJ sequences, keycaps, flags) are loaded,
 * counted in scrm_lexicon_emoji_unreachable() and otherwise ignored, as in the reference.
 * A key that is an ASCII letter or digit is a load error (the reference would replace
 * that letter inside every word: the word lexicon given as the emoji one), and so is,
 * in scrm_lexicon_load(), an emoji file without entries.
 *
 * Both tables are open-addressing hash tables (linear probing, load <= 1/2): the word
 * table keyed by the key's bytes with scrm_lexicon_hash(), the emoji table by code point.
 * A word slot holds the first 16 bytes of its key inline, so that looking up a key of
 * at most 16 bytes (nearly every token) compares two words and never touches the key
 * arena; scrm_lexicon_find_words() is that lookup for callers that already hold the
 * key as words.
 *
 * Threads: load/free from one thread; every other function may be called by any number
 * of threads at once on a loaded lexicon (it is never written after load).
 */
#ifndef SCRM_LEXICON_H
#define SCRM_LEXICON_H

#include <stddef.h>
#include <stdint.h>

typedef struct scrm_lexicon scrm_lexicon;

/* Largest |valence| a lexicon may hold (VADER uses -4..4, AFINN -5..5): beyond it a line
 * is a load error, so sums and explanations stay finite in float. */
#define SCRM_LEXICON_MAX_VALENCE 1000.0

enum scrm_lexicon_format {
	SCRM_LEXICON_EMPTY = 0, /* the file held no entries */
	SCRM_LEXICON_VADER = 1,
	SCRM_LEXICON_AFINN = 2,
};

/*
 * Load a word lexicon and, if emoji_path is not NULL, an emoji description lexicon.
 * On success returns 0 and stores a new lexicon in *out (free it with
 * scrm_lexicon_free). On failure returns -errno (-ENOENT, -EISDIR, -EINVAL for a bad
 * line or a word file without any entry, -ENOMEM ...), leaves *out NULL and writes a
 * NUL-terminated message such as "lex.txt:12: expected a number in field 2, got 'x'"
 * into err (if errlen > 0). (scrm_lexicon_load_mem() takes an empty word list, as the
 * reference does.)
 */
int scrm_lexicon_load(scrm_lexicon **out, const char *lexicon_path, const char *emoji_path, char *err,
		      size_t errlen);

/*
 * The same from memory (used by the fuzz target and tests). The buffers need not be
 * NUL-terminated and are not kept; the names are used only in error messages.
 * emoji may be NULL (no emoji table).
 */
int scrm_lexicon_load_mem(scrm_lexicon **out, const char *lex, size_t lex_len, const char *lex_name,
			  const char *emoji, size_t emoji_len, const char *emoji_name, char *err, size_t errlen);

/* Where scripts/fetch-lexicons.sh puts the default lexicon (relative to the checkout). */
#define SCRM_LEXICON_DEFAULT "data/lexicons/vader_lexicon.txt"

/*
 * scrm_lexicon_path() - the lexicon a command uses: @given when not NULL, else
 * $SCRM_LEXICON when set, else SCRM_LEXICON_DEFAULT when readable. Returns NULL when
 * there is none and writes "no lexicon: pass --lexicon FILE (...)" into err.
 */
const char *scrm_lexicon_path(const char *given, char *err, size_t errlen);

/* Free a lexicon; NULL is ignored. No scorer created on it may be used afterwards. */
void scrm_lexicon_free(scrm_lexicon *lex);

/* The hash the word table uses; pass its result to scrm_lexicon_find_hashed(). */
uint64_t scrm_lexicon_hash(const void *key, size_t len);

/*
 * scrm_lexicon_hash() of a key of len <= 16 bytes given as two words: the key's bytes
 * zero-padded to 16 and read with memcpy (host byte order) into w0 (bytes 0-7) and w1
 * (bytes 8-15). Inline so that a tokenizer holding the words pays a few multiplies.
 */
static inline uint64_t scrm_lexicon_hash_words(uint64_t w0, uint64_t w1, size_t len)
{
	uint64_t h = (w0 ^ (len * 0xff51afd7ed558ccdULL) ^ 0x9E3779B97F4A7C15ULL) * 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	h = (h ^ w1) * 0x94d049bb133111ebULL;
	h ^= h >> 32;
	return h;
}

/*
 * Look a key up (exact bytes). Returns 1 and stores the valence in *valence if found,
 * else 0. `hash` must be scrm_lexicon_hash(key, len).
 */
int scrm_lexicon_find_hashed(const scrm_lexicon *lex, const char *key, size_t len, uint64_t hash,
			     double *valence);
int scrm_lexicon_find(const scrm_lexicon *lex, const char *key, size_t len, double *valence);

/*
 * The same for a key of len <= 16 bytes given as words (see scrm_lexicon_hash_words;
 * `hash` must be scrm_lexicon_hash_words(w0, w1, len)).
 */
int scrm_lexicon_find_words(const scrm_lexicon *lex, uint64_t w0, uint64_t w1, size_t len, uint64_t hash,
			    double *valence);

/*
 * The description of the single-code-point emoji `cp`, or NULL. *len receives its
 * length in bytes. The pointer lives as long as the lexicon.
 */
const char *scrm_lexicon_emoji(const scrm_lexicon *lex, uint32_t cp, size_t *len);

/* Nonzero if some ASCII code point (< 128) has an emoji entry (rare; lets scorers skip
 * the lookup for plain ASCII text). */
int scrm_lexicon_emoji_has_ascii(const scrm_lexicon *lex, unsigned char c);

/* Longest emoji description in bytes (0 without an emoji table). */
size_t scrm_lexicon_emoji_max_len(const scrm_lexicon *lex);

size_t scrm_lexicon_size(const scrm_lexicon *lex);            /* distinct word keys */
size_t scrm_lexicon_emoji_size(const scrm_lexicon *lex);      /* single-code-point emojis */
size_t scrm_lexicon_emoji_unreachable(const scrm_lexicon *lex); /* multi-code-point keys */
enum scrm_lexicon_format scrm_lexicon_format(const scrm_lexicon *lex);

#endif
