/*
 * featurize.h - text to a sparse hashed feature vector, for the linear classifier
 * (linear.h) and `scrm train`.
 *
 * DESIGN. Every feature is a short string with a kind prefix ("w:refund", "b:my|refund",
 * "c:ref", "cue:12", "s:compound", "p:?", "len:2", "reply:1"); its index in the vector is
 * XXH3-64 of that string (seed 0) masked to the low `dim_bits` bits, and, with signed
 * hashing, its sign is bit 63 of the same hash (so colliding features tend to cancel
 * instead of adding up). Nothing is stored per feature, so the dimension is fixed (2^D)
 * and a model never meets an "unknown word"; the strings are kept in the extractor's
 * scratch only so that an explanation can name what it used.
 *
 * Text features (the tokenizer is ASCII-case-folding and allocation-free):
 *   tokens   lower-cased words (letters, digits, inner apostrophes; U+2019 reads as '),
 *            URLs -> "<url>", @mentions -> "<user>", numbers -> "<num>", #hashtags kept
 *            with their '#', each emoji one token (skin tones, VS16 and ZWJ dropped),
 *            runs of '?' and of '!' one token each, HTML entities (&amp;) skipped;
 *   w:       unigrams;  b: bigrams of adjacent tokens (if word_ngrams >= 2);
 *   c:       character n-grams of char_min..char_max code points inside each plain word,
 *            padded with '<' and '>' ("<re", "ref", ..., "nd>").
 * Token counts go through 1 + ln(count); the unigram+bigram block and the char block
 * are each scaled to unit L2 norm, so long and short texts weigh alike.
 * Dense extras (from the text, or given by the caller in scrm_feat_extras):
 *   p:?  p:!  (present: 1)  p:!n p:?n (count / 3, capped at 1)   text punctuation
 *   len:B    one of 6 length buckets (bytes: <20, <50, <100, <140, <200, more)
 *   cue:ID   each matched cue/topic id (topics.h), value 1
 *   s:compound s:pos s:neg  the given sentiment (one mode), and s:polarity=+/-/0
 *   reply:0|1               when is_reply is known
 * Which groups are produced is a bit mask (SCRM_FEAT_K_*), so the same extractor serves
 * "text only" and "text + cues + sentiment" models; the model file records the options.
 *
 * The vector is sorted by index with duplicates merged (values summed); it is a pure
 * function of (options, text, extras): deterministic on every platform with IEEE floats.
 *
 * Threads: an extractor (scrm_feat) is per-thread; its scratch grows to the longest text
 * seen and is then reused (no allocation per call once warm). A scrm_feat_set is a
 * single-threaded training store.
 *
 * Dependencies: vader.h (scrm_sentiment), libxxhash.
 */
#ifndef SCRM_FEATURIZE_H
#define SCRM_FEATURIZE_H

#include <stddef.h>
#include <stdint.h>

#include "vader.h"

#define SCRM_FEAT_DIM_BITS_MIN 8
#define SCRM_FEAT_DIM_BITS_MAX 24
#define SCRM_FEAT_DIM_BITS_DEFAULT 18

/* Feature kinds, the low byte of each entry's kind and the bits of scrm_feat_opts.kinds. */
typedef enum scrm_feat_kind {
	SCRM_FEAT_WORD = 0,   /* w: unigram */
	SCRM_FEAT_BIGRAM = 1, /* b: bigram */
	SCRM_FEAT_CHAR = 2,   /* c: char n-gram */
	SCRM_FEAT_PUNCT = 3,  /* p: punctuation */
	SCRM_FEAT_LEN = 4,    /* len: length bucket */
	SCRM_FEAT_CUE = 5,    /* cue: matched cue/topic id */
	SCRM_FEAT_SENT = 6,   /* s: sentiment */
	SCRM_FEAT_REPLY = 7,  /* reply: */
	SCRM_FEAT_NKINDS = 8  /* the kinds of scrm_feat_opts.kinds */
} scrm_feat_kind;

/* The kind of entries added by scrm_feat_append() ("x:": another model's output). It is
 * not one of the option kinds: a model has such entries exactly when it has auxiliary
 * models (linear.h), whatever scrm_feat_opts.kinds says. */
#define SCRM_FEAT_AUX 8

/* The kind of a sentence encoder's entries ("e:0".."e:511", linear.h), also appended. */
#define SCRM_FEAT_ENC 9

/* Bytes of an appended entry's name that scrm_feat_append() hashes and keeps. */
#define SCRM_FEAT_APPEND_NAME_MAX 150

#define SCRM_FEAT_K(kind) (1u << (kind))
/* Everything computable from the text alone. */
#define SCRM_FEAT_K_TEXT                                                                            \
	(SCRM_FEAT_K(SCRM_FEAT_WORD) | SCRM_FEAT_K(SCRM_FEAT_BIGRAM) | SCRM_FEAT_K(SCRM_FEAT_CHAR) | \
	 SCRM_FEAT_K(SCRM_FEAT_PUNCT) | SCRM_FEAT_K(SCRM_FEAT_LEN))
#define SCRM_FEAT_K_ALL ((1u << SCRM_FEAT_NKINDS) - 1)

typedef struct scrm_feat_opts {
	uint8_t dim_bits;    /* D: the vector has 2^D slots; SCRM_FEAT_DIM_BITS_MIN..MAX */
	uint8_t signed_hash; /* 1: sign from hash bit 63 */
	uint8_t char_min;    /* char n-gram lengths in code points, 1 <= min <= max <= 8 ... */
	uint8_t char_max;    /* ... (only when SCRM_FEAT_CHAR is in kinds) */
	uint32_t kinds;      /* mask of SCRM_FEAT_K(kind) */
} scrm_feat_opts;

/* Defaults: D = 18, signed hashing, char n-grams 3..5, kinds SCRM_FEAT_K_ALL. */
void scrm_feat_opts_default(scrm_feat_opts *o);

/* 0 if @o is usable, else -EINVAL. */
int scrm_feat_opts_check(const scrm_feat_opts *o);

/*
 * scrm_feat_opts_parse() - apply a feature spec to *@o (start from the defaults): a
 * comma-separated list of
 *   KIND        keep only the kinds listed this way (word, bigram, char, punct, len, cue,
 *               sent, reply; the first bare kind clears the others)
 *   -KIND       drop a kind       +KIND  add one
 *   chars=A-B   char n-gram lengths (code points, 1 <= A <= B <= 8)
 *   dim=D       2^D hashed slots (SCRM_FEAT_DIM_BITS_MIN..MAX)
 * e.g. "-char" (no char n-grams: about 10x fewer features per tweet), "word,bigram,cue",
 * "chars=2-4,dim=16". Return 0, or -EINVAL with a message in @err naming the item.
 */
int scrm_feat_opts_parse(const char *spec, scrm_feat_opts *o, char *err, size_t errlen);

/* scrm_feat_opts_parse() over the defaults, result dropped: is @spec usable? (the
 * commands check --features before reading any data). Return as scrm_feat_opts_parse(). */
int scrm_feat_spec_check(const char *spec, char *err, size_t errlen);

/* What the caller knows beyond the text; every member may be left zero/NULL. */
typedef struct scrm_feat_extras {
	const uint16_t *cue_ids; /* matched cue/topic ids (scrm_topic_hits.ids), n_cues of them */
	uint32_t n_cues;
	const scrm_sentiment *sent; /* one mode's scores; NULL: no s: features */
	int is_reply;               /* 1 reply, 0 not, -1 unknown (no feature) */
} scrm_feat_extras;

/*
 * A sparse vector. Entries are sorted by idx, unique. name[i] is the feature string of
 * entry i (for a merged collision, the first one in index order); kind[i] its kind.
 * From scrm_feat_extract() every array lives in the extractor's scratch until its next
 * call; from scrm_feat_set_get() they live as long as the set and name is NULL.
 */
typedef struct scrm_feat_vec {
	uint32_t n;
	const uint32_t *idx;
	const float *val;
	const uint8_t *kind;
	const char *const *name; /* may be NULL */
} scrm_feat_vec;

typedef struct scrm_feat scrm_feat;

/* Create an extractor for @o (copied). Return: 0; -EINVAL (bad options); -ENOMEM. */
int scrm_feat_create(scrm_feat **out, const scrm_feat_opts *o);

/* NULL is ignored. */
void scrm_feat_free(scrm_feat *f);

/* The options the extractor was made with. */
const scrm_feat_opts *scrm_feat_options(const scrm_feat *f);

/*
 * scrm_feat_extract() - the features of @len bytes of UTF-8 @text (need not be
 * NUL-terminated; invalid bytes are kept inside words, never read past @len) plus @x
 * (may be NULL) into *out, which points into the extractor's scratch until its next call.
 * Return: 0; -ENOMEM (then out->n is 0); -EINVAL for NULL f/out or text NULL with len > 0.
 */
int scrm_feat_extract(scrm_feat *f, const char *text, size_t len, const scrm_feat_extras *x,
		      scrm_feat_vec *out);

/*
 * scrm_feat_append() - add @n dense entries of kind @kind to @v, the vector that @f's
 * last scrm_feat_extract() wrote (and that no other call has changed since): entry i is
 * named names[i] (at most SCRM_FEAT_APPEND_NAME_MAX bytes are hashed and kept; not
 * pointing into @f's scratch,
 * such as @v's own names, which the call may move) with value vals[i]. @v is
 * re-sorted and merged as scrm_feat_extract() does and, like it, lives in the
 * extractor's scratch. Return: 0; -ENOMEM (then v->n is 0); -EINVAL (NULL arguments).
 */
int scrm_feat_append(scrm_feat *f, scrm_feat_vec *v, unsigned kind, const char *const *names, const float *vals,
		     uint32_t n);

/* "word", "bigram", "char", "punct", "len", "cue", "sent", "reply", "aux", "enc" ("?" otherwise). */
const char *scrm_feat_kind_name(unsigned kind);

/*
 * scrm_feat_set - an append-only store of vectors for training: copies each vector into
 * one growing arena and keeps ONE name per index (the first seen, so the table is bounded
 * by the dimension and by the distinct features met), which training uses to name the
 * strongest weights of a model.
 */
typedef struct scrm_feat_set scrm_feat_set;

/* Return: 0 or -ENOMEM. @dim_bits as in scrm_feat_opts (-EINVAL outside the range). */
int scrm_feat_set_create(scrm_feat_set **out, unsigned dim_bits);
/* NULL is ignored. */
void scrm_feat_set_free(scrm_feat_set *s);
/* Copy @v (and its names if any) in. Return: 0; -ENOMEM; -EINVAL (an idx >= 2^dim_bits). */
int scrm_feat_set_add(scrm_feat_set *s, const scrm_feat_vec *v);
size_t scrm_feat_set_count(const scrm_feat_set *s);
unsigned scrm_feat_set_dim_bits(const scrm_feat_set *s);
/* Vector @i (< count) into *out (name is NULL); valid as long as the set. */
void scrm_feat_set_get(const scrm_feat_set *s, size_t i, scrm_feat_vec *out);
/* The first name seen for index @idx, or NULL; lives as long as the set. */
const char *scrm_feat_set_name(const scrm_feat_set *s, uint32_t idx);

#endif
