/*
 * vader.c - the VADER algorithm (cjhutto/vaderSentiment @ 44fc044), rule for rule.
 *
 * The function and variable names below follow the reference (sentiment_valence,
 * _negation_check, _special_idioms_check, _least_check, _but_check, score_valence) so
 * that the two can be read side by side. Floating-point operations are written in the
 * reference's order: the exactness test compares rounded outputs, and a different
 * association can move a value across a rounding boundary.
 *
 * Where the reference builds strings ("{0} {1}".format(...)) and looks them up in a
 * dict, we compare word ids: every word that appears in a constant phrase gets an id
 * in a small per-scorer table, and since tokens never contain spaces, "a b" equals
 * "x y" exactly when a equals x and b equals y.
 *
 * Speed (see vader.h for figures): plain-ASCII text is tokenized from a whitespace
 * bitmap (scan_ascii, tokenize_ascii) with each short token handled as two words, and
 * per-token facts that depend only on the lower-cased word (lexicon valence, constant-
 * word id, negation, booster) come from a per-scorer direct-mapped cache. The general
 * UTF-8 tokenizer (tokenize_utf8) is the original one; the two must agree bit for bit,
 * which the differential test checks by pushing ASCII texts through both.
 *
 * Stages (vader.h, internal section): scrm_vader_analyze() tokenizes and values every
 * token, scrm_vader_finish() applies _but_check and the rounding. sentiment.c runs the
 * scrm mode between the two on the same tokens, so both modes share one tokenization.
 * The extra word ids (scrm_vader_set_extra_words) and the '@' flag ride along in the
 * constant-word table, the word cache and the token; vader mode never reads them.
 */
#include "vader.h"
#include "bitruns.h"
#include "swar.h"

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <wctype.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define B_INCR SCRM_VADER_B_INCR /* scrm_vader_tok_boost() multiplies it by +1 or -1 */
#define B_DECR (-SCRM_VADER_B_INCR)
#define C_INCR 0.733
#define N_SCALAR (-0.74)

/* ------------------------------------------------- the reference's word lists ---- */

enum word_id {
	W_NONE,
	W_NO, W_OR, W_NOR, W_KIND, W_OF, W_LEAST, W_AT, W_VERY, W_NEVER, W_SO, W_THIS,
	W_WITHOUT, W_DOUBT, W_BUT,
	/* words of SPECIAL_CASES and of the multi-word BOOSTER_DICT keys */
	W_THE, W_SHIT, W_BOMB, W_BAD, W_ASS, W_BUS, W_STOP, W_YEAH, W_RIGHT, W_KISS, W_DEATH,
	W_TO, W_DIE, W_FOR, W_BEATING, W_HEART, W_BROKEN, W_JUST, W_ENOUGH, W_SORT,
	W__COUNT
};

static const char *const id_words[W__COUNT] = {
	[W_NO] = "no", [W_OR] = "or", [W_NOR] = "nor", [W_KIND] = "kind", [W_OF] = "of",
	[W_LEAST] = "least", [W_AT] = "at", [W_VERY] = "very", [W_NEVER] = "never", [W_SO] = "so",
	[W_THIS] = "this", [W_WITHOUT] = "without", [W_DOUBT] = "doubt", [W_BUT] = "but",
	[W_THE] = "the", [W_SHIT] = "shit", [W_BOMB] = "bomb", [W_BAD] = "bad", [W_ASS] = "ass",
	[W_BUS] = "bus", [W_STOP] = "stop", [W_YEAH] = "yeah", [W_RIGHT] = "right", [W_KISS] = "kiss",
	[W_DEATH] = "death", [W_TO] = "to", [W_DIE] = "die", [W_FOR] = "for", [W_BEATING] = "beating",
	[W_HEART] = "heart", [W_BROKEN] = "broken", [W_JUST] = "just", [W_ENOUGH] = "enough",
	[W_SORT] = "sort",
};

/* NEGATE */
static const char *const negate_words[] = {
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
	"ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
	"dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
	"don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
	"neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
	"oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
	"oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
	"without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
};

/* BOOSTER_DICT, single-word keys (the multi-word ones are matched by id below). */
static const struct booster {
	const char *w;
	double v;
} boosters[] = {
	{"absolutely", B_INCR}, {"amazingly", B_INCR}, {"awfully", B_INCR}, {"completely", B_INCR},
	{"considerable", B_INCR}, {"considerably", B_INCR}, {"decidedly", B_INCR}, {"deeply", B_INCR},
	{"effing", B_INCR}, {"enormous", B_INCR}, {"enormously", B_INCR}, {"entirely", B_INCR},
	{"especially", B_INCR}, {"exceptional", B_INCR}, {"exceptionally", B_INCR}, {"extreme", B_INCR},
	{"extremely", B_INCR}, {"fabulously", B_INCR}, {"flipping", B_INCR}, {"flippin", B_INCR},
	{"frackin", B_INCR}, {"fracking", B_INCR}, {"fricking", B_INCR}, {"frickin", B_INCR},
	{"frigging", B_INCR}, {"friggin", B_INCR}, {"fully", B_INCR}, {"fuckin", B_INCR},
	{"fucking", B_INCR}, {"fuggin", B_INCR}, {"fugging", B_INCR}, {"greatly", B_INCR},
	{"hella", B_INCR}, {"highly", B_INCR}, {"hugely", B_INCR}, {"incredible", B_INCR},
	{"incredibly", B_INCR}, {"intensely", B_INCR}, {"major", B_INCR}, {"majorly", B_INCR},
	{"more", B_INCR}, {"most", B_INCR}, {"particularly", B_INCR}, {"purely", B_INCR},
	{"quite", B_INCR}, {"really", B_INCR}, {"remarkably", B_INCR}, {"so", B_INCR},
	{"substantially", B_INCR}, {"thoroughly", B_INCR}, {"total", B_INCR}, {"totally", B_INCR},
	{"tremendous", B_INCR}, {"tremendously", B_INCR}, {"uber", B_INCR}, {"unbelievably", B_INCR},
	{"unusually", B_INCR}, {"utter", B_INCR}, {"utterly", B_INCR}, {"very", B_INCR},
	{"almost", B_DECR}, {"barely", B_DECR}, {"hardly", B_DECR}, {"kinda", B_DECR},
	{"kindof", B_DECR}, {"kind-of", B_DECR}, {"less", B_DECR}, {"little", B_DECR},
	{"marginal", B_DECR}, {"marginally", B_DECR}, {"occasional", B_DECR}, {"occasionally", B_DECR},
	{"partly", B_DECR}, {"scarce", B_DECR}, {"scarcely", B_DECR}, {"slight", B_DECR},
	{"slightly", B_DECR}, {"somewhat", B_DECR}, {"sorta", B_DECR}, {"sortof", B_DECR},
	{"sort-of", B_DECR},
};

/* BOOSTER_DICT, two-word keys: "just enough", "kind of", "sort of" (all B_DECR). */
static int booster_bigram(uint8_t a, uint8_t b)
{
	return (a == W_JUST && b == W_ENOUGH) || (a == W_KIND && b == W_OF) || (a == W_SORT && b == W_OF);
}

/* SPECIAL_CASES with two or three words ("badass" is a one-word key and can never equal
 * a joined n-gram, so it never fires; we keep that). */
static const struct special {
	uint8_t w[3];
	double v;
} specials[] = {
	{{W_THE, W_SHIT, 0}, 3},        {{W_THE, W_BOMB, 0}, 3},       {{W_BAD, W_ASS, 0}, 1.5},
	{{W_BUS, W_STOP, 0}, 0.0},      {{W_YEAH, W_RIGHT, 0}, -2},    {{W_KISS, W_OF, W_DEATH}, -1.5},
	{{W_TO, W_DIE, W_FOR}, 3},      {{W_BEATING, W_HEART, 0}, 3.1}, {{W_BROKEN, W_HEART, 0}, -2.9},
};

static int special2(uint8_t a, uint8_t b, double *v)
{
	if (!a || !b)
		return 0;
	for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++)
		if (specials[k].w[2] == 0 && specials[k].w[0] == a && specials[k].w[1] == b && a) {
			*v = specials[k].v;
			return 1;
		}
	return 0;
}

static int special3(uint8_t a, uint8_t b, uint8_t c, double *v)
{
	if (!a || !b || !c)
		return 0;
	for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++)
		if (specials[k].w[2] != 0 && specials[k].w[0] == a && specials[k].w[1] == b &&
		    specials[k].w[2] == c) {
			*v = specials[k].v;
			return 1;
		}
	return 0;
}

/* ------------------------------------------------------------ scorer state ---- */

#define SW_CAP 2048 /* power of two, > 2x the constant words plus the extra words */
#define SW_MAXLEN 16 /* every constant word is at most this long (checked at create) */

/* A constant word, keyed like the lexicon by its zero-padded first 16 bytes. */
struct sw_slot {
	uint64_t k0, k1;
	double boost;
	uint16_t xid; /* extra word id (scrm_vader_set_extra_words), 0 none */
	uint8_t len; /* 0: free */
	uint8_t id, neg, is_boost;
};

#define TC_CAP 16384 /* power of two */

struct tc_entry {
	uint64_t k0, k1;        /* the word, zero-padded (scrm_lexicon_hash_words) */
	scrm_vader_facts f;     /* f.klen: the word's length, 0 when empty */
};
_Static_assert(sizeof(scrm_vader_facts) == 16, "a token's facts are one 16-byte copy");

/* The token (scrm_vader_tok in vader.h, for sentiment.c). */
#define vtok scrm_vader_tok

struct scrm_vader {
	const scrm_lexicon *lex;
	locale_t loc; /* C.UTF-8 case tables for non-ASCII; (locale_t)0 if unavailable */
	int ascii_emoji;
	int slow_tokens; /* scrm_vader_set_slow_tokens(): no ASCII shortcut in tokenize_utf8 */
	char *text; /* ASCII path: the text, padded (scan_ascii) */
	size_t text_cap;
	char *rep; /* the text with emoji replaced (replace_emoji) */
	size_t rep_cap;
	char *low;
	size_t low_cap;
	struct vtok *tok;
	size_t tok_cap;
	double *sent;
	size_t sent_cap;
	uint64_t *spaces; /* ASCII path: bit i set when byte i of v->text is whitespace */
	size_t spaces_cap;
	void *but; /* but_check_long()'s scratch: its value table, then its heaps */
	size_t but_cap;
	uint64_t sw_bloom[16]; /* bit (hash >> 54) set for each constant word */
	struct sw_slot sw[SW_CAP];
	/* What classify_short() found for recently seen words, direct-mapped by hash:
	 * a few thousand words make up most tokens, and a hit is one probe instead of a
	 * lexicon lookup, a constant-word lookup and the "n't" test. */
	struct tc_entry cache[TC_CAP];
};

/* The zero-padded first 16 bytes of w[0..n) as two words. */
static inline void load_words(const char *w, size_t n, uint64_t *w0, uint64_t *w1)
{
	char b[16] = {0};
	memcpy(b, w, n < 16 ? n : 16);
	memcpy(w0, b, 8);
	memcpy(w1, b + 8, 8);
}

static struct sw_slot *sw_slot_for(scrm_vader *v, const char *w)
{
	size_t n = strlen(w);
	uint64_t w0, w1;
	assert(n > 0 && n <= SW_MAXLEN);
	load_words(w, n, &w0, &w1);
	uint64_t h = scrm_lexicon_hash_words(w0, w1, n);
	v->sw_bloom[h >> 60] |= 1ULL << (h >> 54 & 63);
	for (size_t i = h & (SW_CAP - 1);; i = (i + 1) & (SW_CAP - 1)) {
		struct sw_slot *s = &v->sw[i];
		if (!s->len) {
			s->k0 = w0;
			s->k1 = w1;
			s->len = (uint8_t)n;
			return s;
		}
		if (s->k0 == w0 && s->k1 == w1 && s->len == n)
			return s;
	}
}

static inline const struct sw_slot *sw_find(const scrm_vader *v, uint64_t w0, uint64_t w1, size_t n, uint64_t h)
{
	if (!(v->sw_bloom[h >> 60] >> (h >> 54 & 63) & 1)) /* most tokens: not a constant word */
		return NULL;
	for (size_t i = h & (SW_CAP - 1);; i = (i + 1) & (SW_CAP - 1)) {
		const struct sw_slot *s = &v->sw[i];
		if (!s->len)
			return NULL;
		if (s->k0 == w0 && s->k1 == w1 && s->len == n)
			return s;
	}
}

scrm_vader *scrm_vader_create(const scrm_lexicon *lex)
{
	assert(lex);
	scrm_vader *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->lex = lex;
	v->loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	for (size_t c = 0; c < 128; c++)
		v->ascii_emoji |= scrm_lexicon_emoji_has_ascii(lex, (unsigned char)c);
	for (size_t k = 1; k < W__COUNT; k++)
		sw_slot_for(v, id_words[k])->id = (uint8_t)k;
	for (size_t k = 0; k < sizeof negate_words / sizeof negate_words[0]; k++)
		sw_slot_for(v, negate_words[k])->neg = 1;
	for (size_t k = 0; k < sizeof boosters / sizeof boosters[0]; k++) {
		struct sw_slot *s = sw_slot_for(v, boosters[k].w);
		s->is_boost = 1;
		s->boost = boosters[k].v;
		assert(s->boost == B_INCR || s->boost == B_DECR); /* the cache keeps 0/1/2 */
	}
	return v;
}

void scrm_vader_free(scrm_vader *v)
{
	if (!v)
		return;
	if (v->loc)
		freelocale(v->loc);
	free(v->text);
	free(v->rep);
	free(v->low);
	free(v->tok);
	free(v->sent);
	free(v->spaces);
	free(v->but);
	free(v);
}

static int reserve(void **buf, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 256;
	while (ncap < need)
		ncap *= 2;
	void *nb = realloc(*buf, ncap * elem);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* ------------------------------------------------------------ text helpers ---- */

/* Strict UTF-8 decode of one code point; an invalid byte reads as U+FFFD, used = 1. */
static uint32_t decode(const unsigned char *s, size_t n, size_t *used)
{
	unsigned c = s[0], need, lo = 0x80, hi = 0xBF;
	uint32_t cp;
	if (c < 0x80) {
		*used = 1;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF)
		need = 1, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, cp = c & 0x0F, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, cp = c & 0x07, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		goto bad;
	if (n <= need || s[1] < lo || s[1] > hi)
		goto bad;
	cp = cp << 6 | (s[1] & 0x3F);
	for (unsigned k = 2; k <= need; k++) {
		if ((s[k] & 0xC0) != 0x80)
			goto bad;
		cp = cp << 6 | (s[k] & 0x3F);
	}
	*used = need + 1;
	return cp;
bad:
	*used = 1;
	return 0xFFFD;
}

static size_t encode(uint32_t cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Byte classes for the tokenizer's hot loop. */
enum {
	C_SPACE = 1,  /* ASCII whitespace of str.split() */
	C_USPACE = 2, /* lead byte of a possible non-ASCII whitespace character */
	C_PUNCT = 4,  /* string.punctuation */
	C_EMPH = 8,   /* ! or ? */
};

#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
static const uint8_t byte_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, C_SPACE, C_SPACE, C_SPACE, C_SPACE, C_SPACE, 0, 0, /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, C_SPACE, C_SPACE, C_SPACE, C_SPACE,       /* 0x10 */
	C_SPACE, C_PUNCT | C_EMPH, R4(C_PUNCT), R4(C_PUNCT), R4(C_PUNCT), C_PUNCT, C_PUNCT, /* 0x20 */
	R4(0), R4(0), 0, 0, C_PUNCT, C_PUNCT, C_PUNCT, C_PUNCT, C_PUNCT, C_PUNCT | C_EMPH, /* 0x30 */
	C_PUNCT, R4(0), R4(0), R4(0), 0, 0, 0,                                  /* 0x40 */
	R4(0), R4(0), 0, 0, 0, C_PUNCT, C_PUNCT, C_PUNCT, C_PUNCT, C_PUNCT,      /* 0x50 */
	C_PUNCT, R4(0), R4(0), R4(0), 0, 0, 0,                                  /* 0x60 */
	R4(0), R4(0), 0, 0, 0, C_PUNCT, C_PUNCT, C_PUNCT, C_PUNCT, 0,            /* 0x70 */
	R16(0), R16(0), R16(0), R16(0),                                         /* 0x80-0xBF */
	0, 0, C_USPACE, 0, R4(0), R4(0), R4(0),                                 /* 0xC0 */
	R16(0),                                                                 /* 0xD0 */
	0, C_USPACE, C_USPACE, C_USPACE, R4(0), R4(0), R4(0),                   /* 0xE0 */
	R16(0),                                                                 /* 0xF0 */
};
_Static_assert(sizeof byte_class == 256, "byte_class covers every byte");

/* Python str.isspace() for a non-ASCII code point (bidi WS/B/S or category Zs). */
static inline int uni_space(uint32_t cp)
{
	return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Length of the whitespace character at s (0 if none); s is valid UTF-8. */
static inline size_t space_len(const unsigned char *s, size_t n)
{
	uint8_t c = byte_class[s[0]];
	if (c & C_SPACE)
		return 1;
	if (!(c & C_USPACE))
		return 0;
	size_t used;
	uint32_t cp = decode(s, n, &used);
	return uni_space(cp) ? used : 0;
}

size_t scrm_vader_space_len(const char *s, size_t n)
{
	return n ? space_len((const unsigned char *)s, n) : 0;
}

static inline int ascii_punct(unsigned char c) { return byte_class[c] & C_PUNCT; }

/* A byte that ends a clause when it ends a token ("glitz." "really?!" "fine;"). */
static inline uint8_t clause_byte(unsigned char c) { return c == '.' || c == '!' || c == '?' || c == ';'; }

/* Whether the token [a, e) ends its clause: its last byte is one of clause_byte()'s, or
 * is after closing quotes and brackets ("glitz.\"", "working.)", "done.\u201d"). */
static __attribute__((noinline)) uint8_t clause_closed(const unsigned char *a, const unsigned char *e)
{
	while (e > a) {
		unsigned char c = e[-1];
		if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '}')
			e--;
		else if (e - a >= 3 && e[-3] == 0xE2 && e[-2] == 0x80 && (c == 0x9D || c == 0x99)) /* \u201d \u2019 */
			e -= 3;
		else if (e - a >= 2 && e[-2] == 0xC2 && c == 0xBB) /* \u00bb */
			e -= 2;
		else
			break;
	}
	return e > a && clause_byte(e[-1]);
}

/* The bytes a token that ends its clause may end in: clause_byte()'s, and the closing
 * quotes and brackets (ASCII, and the last bytes of U+2019, U+201D, U+00BB). */
static const uint64_t clause_last[4] = {
	1ull << '!' | 1ull << '"' | 1ull << '\'' | 1ull << ')' | 1ull << '.' | 1ull << ';' | 1ull << '?',
	1ull << (']' - 64) | 1ull << ('}' - 64),
	1ull << (0x99 - 128) | 1ull << (0x9D - 128) | 1ull << (0xBB - 128),
	0,
};

static inline uint8_t clause_end_of(const unsigned char *a, const unsigned char *e)
{
	unsigned char c = e[-1];
	if (!(clause_last[c >> 6] >> (c & 63) & 1)) /* nearly every token: one test */
		return 0;
	return clause_byte(c) ? 1 : clause_closed(a, e);
}

/* ------------------------------------------------------------ the algorithm ---- */

/* negated([word]) */
static inline int negated(const struct vtok *t) { return t->neg; }

/* scalar_inc_dec() */
static double scalar_inc_dec(const struct vtok *w, double valence, int is_cap_diff)
{
	double scalar = 0.0;
	if (w->is_boost) {
		scalar = scrm_vader_tok_boost(w);
		if (valence < 0)
			scalar *= -1;
		if (w->upper && is_cap_diff) {
			if (valence > 0)
				scalar += C_INCR;
			else
				scalar -= C_INCR;
		}
	}
	return scalar;
}

/* _negation_check() */
static double negation_check(double valence, const struct vtok *t, int start_i, size_t i)
{
	if (start_i == 0) {
		if (negated(&t[i - 1]))
			valence = valence * N_SCALAR;
	}
	if (start_i == 1) {
		if (t[i - 2].id == W_NEVER && (t[i - 1].id == W_SO || t[i - 1].id == W_THIS))
			valence = valence * 1.25;
		else if (t[i - 2].id == W_WITHOUT && t[i - 1].id == W_DOUBT)
			; /* "without doubt": unchanged */
		else if (negated(&t[i - 2]))
			valence = valence * N_SCALAR;
	}
	if (start_i == 2) {
		/* `a and b or c` in the reference: (never and so/this) or (i-1 is so/this) */
		if ((t[i - 3].id == W_NEVER && (t[i - 2].id == W_SO || t[i - 2].id == W_THIS)) ||
		    (t[i - 1].id == W_SO || t[i - 1].id == W_THIS))
			valence = valence * 1.25;
		else if (t[i - 3].id == W_WITHOUT && (t[i - 2].id == W_DOUBT || t[i - 1].id == W_DOUBT))
			; /* "without (a) doubt": unchanged */
		else if (negated(&t[i - 3]))
			valence = valence * N_SCALAR;
	}
	return valence;
}

/* _special_idioms_check(); i >= 3 */
static double special_idioms_check(double valence, const struct vtok *t, size_t n, size_t i)
{
	const uint8_t w0 = t[i].id, w1 = t[i - 1].id, w2 = t[i - 2].id, w3 = t[i - 3].id;
	double v;
	/* every idiom and two-word booster below is two or three neighbouring constant
	 * words (ids != 0): most words have none next to them */
	if (!((w1 && (w0 || w2)) || (w3 && w2) || (w0 && n - 1 > i && t[i + 1].id)))
		return valence;
	/* sequences = [onezero, twoonezero, twoone, threetwoone, threetwo]: first hit wins */
	if (special2(w1, w0, &v) || special3(w2, w1, w0, &v) || special2(w2, w1, &v) ||
	    special3(w3, w2, w1, &v) || special2(w3, w2, &v))
		valence = v;
	if (n - 1 > i && special2(w0, t[i + 1].id, &v))
		valence = v;
	if (n - 1 > i + 1 && special3(w0, t[i + 1].id, t[i + 2].id, &v))
		valence = v;
	/* n_grams = [threetwoone, threetwo, twoone]; no three-word booster keys exist */
	if (booster_bigram(w3, w2))
		valence = valence + B_DECR;
	if (booster_bigram(w2, w1))
		valence = valence + B_DECR;
	return valence;
}

/* _least_check() */
static double least_check(double valence, const struct vtok *t, size_t i)
{
	if (i > 1 && !t[i - 1].in_lex && t[i - 1].id == W_LEAST) {
		if (t[i - 2].id != W_AT && t[i - 2].id != W_VERY)
			valence = valence * N_SCALAR;
	} else if (i > 0 && !t[i - 1].in_lex && t[i - 1].id == W_LEAST) {
		valence = valence * N_SCALAR;
	}
	return valence;
}

/* sentiment_valence() for a token known to be in the lexicon */
__attribute__((always_inline)) static inline double sentiment_valence(const struct vtok *t, size_t n, size_t i,
									int is_cap_diff)
{
	const struct vtok *item = &t[i];
	double valence = item->val;
	if (item->id == W_NO && i != n - 1 && t[i + 1].in_lex)
		valence = 0.0;
	if ((i > 0 && t[i - 1].id == W_NO) || (i > 1 && t[i - 2].id == W_NO) ||
	    (i > 2 && t[i - 3].id == W_NO && (t[i - 1].id == W_OR || t[i - 1].id == W_NOR)))
		valence = item->val * N_SCALAR;
	if (item->upper && is_cap_diff) {
		if (valence > 0)
			valence += C_INCR;
		else
			valence -= C_INCR;
	}
	for (int start_i = 0; start_i < 3; start_i++) {
		if (i > (size_t)start_i && !t[i - (start_i + 1)].in_lex) {
			double s = scalar_inc_dec(&t[i - (start_i + 1)], valence, is_cap_diff);
			if (start_i == 1 && s != 0)
				s = s * 0.95;
			if (start_i == 2 && s != 0)
				s = s * 0.9;
			valence = valence + s;
			valence = negation_check(valence, t, start_i, i);
			if (start_i == 2)
				valence = special_idioms_check(valence, t, n, i);
		}
	}
	return least_check(valence, t, i);
}

/* Texts of more tokens than this take but_check_long(); scrm_vader_set_but_linear_from(). */
static size_t but_linear_from = 256;

void scrm_vader_set_but_linear_from(size_t n) { but_linear_from = n; }

/*
 * _but_check() in O(n log n) for long texts: the same result as the reference's loop
 * (below), which looks each value up by equality in the list as it stands, so every
 * step scans from the start. A value of 0 is left out (scaled, it stays equal to itself:
 * the list compares the same). Every other value keeps a min-heap of the positions that
 * hold it; a step takes the first position of its value, scales it and moves it to the
 * heap of the new value. The values' table (open addressing by the value's bits) and the
 * heaps (grown by copying within the scratch) come from v->but. 0, or -ENOMEM.
 */
struct but_slot {
	uint64_t key; /* the value's bits; 0: empty (+0.0 is never a key) */
	uint32_t off, len, cap; /* its heap: positions at heap[off .. off + len) */
};

static int but_check_long(scrm_vader *v, size_t n, size_t bi, double *sent)
{
	size_t tcap = 16;
	while (tcap < 4 * n)
		tcap *= 2;
	/* every heap's copies: at most 2n pushes into at most 2n heaps, each doubling from 4 */
	size_t hcap = 24 * n + 64;
	size_t need = tcap * sizeof(struct but_slot) + hcap * sizeof(uint32_t);
	if (need > v->but_cap) {
		void *nb = realloc(v->but, need);
		if (!nb)
			return -ENOMEM;
		v->but = nb;
		v->but_cap = need;
	}
	struct but_slot *tab = v->but;
	uint32_t *heap = (uint32_t *)(tab + tcap);
	size_t used = 0;
	memset(tab, 0, tcap * sizeof *tab);
	/* the slot of value @x, made when new */
#define BUT_SLOT(x, out)                                                                                 \
	do {                                                                                               \
		uint64_t key_;                                                                             \
		double x_ = (x);                                                                           \
		memcpy(&key_, &x_, sizeof key_);                                                           \
		size_t h_ = (size_t)((key_ * 0x9E3779B97F4A7C15ull) >> 32) & (tcap - 1);                 \
		while (tab[h_].key && tab[h_].key != key_)                                                 \
			h_ = (h_ + 1) & (tcap - 1);                                                        \
		tab[h_].key = key_;                                                                        \
		(out) = &tab[h_];                                                                          \
	} while (0)
	for (size_t j = 0; j < 2 * n; j++) {
		/* j < n: position j goes into its value's heap; then step j - n */
		size_t i = j < n ? j : j - n;
		double s = sent[i];
		if (s == 0)
			continue;
		struct but_slot *e;
		BUT_SLOT(s, e);
		uint32_t at;
		if (j >= n) { /* the step: the first position holding s */
			at = heap[e->off];
			if (at == bi)
				continue; /* neither before nor after the "but": unchanged */
			/* pop the least position */
			uint32_t last = heap[e->off + --e->len];
			size_t c = 0;
			while (e->len) {
				size_t l = 2 * c + 1, m = c;
				uint32_t *hp = heap + e->off;
				if (l < e->len && hp[l] < (m == c ? last : hp[m]))
					m = l;
				if (l + 1 < e->len && hp[l + 1] < (m == c ? last : hp[m]))
					m = l + 1;
				if (m == c)
					break;
				hp[c] = hp[m];
				c = m;
			}
			if (e->len)
				heap[e->off + c] = last;
			double ns = at < bi ? s * 0.5 : s * 1.5;
			sent[at] = ns;
			if (ns == 0)
				continue;
			BUT_SLOT(ns, e);
		} else {
			at = (uint32_t)i;
		}
		/* push @at into e's heap */
		if (e->len == e->cap) {
			uint32_t ncap = e->cap ? 2 * e->cap : 4;
			assert(used + ncap <= hcap); /* hcap bounds every copy */
			memcpy(heap + used, heap + e->off, e->len * sizeof *heap);
			e->off = (uint32_t)used;
			e->cap = ncap;
			used += ncap;
		}
		uint32_t *hp = heap + e->off;
		size_t c = e->len++;
		while (c && hp[(c - 1) / 2] > at) {
			hp[c] = hp[(c - 1) / 2];
			c = (c - 1) / 2;
		}
		hp[c] = at;
	}
#undef BUT_SLOT
	return 0;
}

/* _but_check(), including its sentiments.index(value) quirk: the value at position k
 * is looked up by equality, so it is the first equal value that gets scaled. */
static void but_check(scrm_vader *v, const struct vtok *t, size_t n, double *sent)
{
	size_t bi;
	for (bi = 0; bi < n && t[bi].id != W_BUT; bi++)
		;
	if (bi == n)
		return;
	if (n > but_linear_from && n < UINT32_MAX / 32) {
		int rc = but_check_long(v, n, bi, sent);
		if (v->but_cap > ((size_t)4 << 20)) { /* a text of ~100,000 words: not kept */
			free(v->but);
			v->but = NULL;
			v->but_cap = 0;
		}
		if (rc == 0)
			return;
	}
	for (size_t k = 0; k < n; k++) {
		double s = sent[k];
		size_t si = 0;
		while (sent[si] != s)
			si++;
		if (si < bi)
			sent[si] = s * 0.5;
		else if (si > bi)
			sent[si] = s * 1.5;
	}
}

static double normalize(double score)
{
	const double alpha = 15;
	double norm_score = score / sqrt((score * score) + alpha);
	if (norm_score < -1.0)
		return -1.0;
	if (norm_score > 1.0)
		return 1.0;
	return norm_score;
}

/* Near a tie: glibc printf rounds the exact binary value half-even, like Python's
 * dtoa-based round(); read the decimal back. */
static __attribute__((noinline)) double py_round_near_tie(double x, int ndigits)
{
	char buf[400];
	snprintf(buf, sizeof buf, "%.*f", ndigits, x);
	return strtod(buf, NULL);
}

/* scrm_py_round(x, ndigits) with scale = 10^ndigits, inline where it is called per text:
 * far from a half-way point, rounding the (inexact) product decides like rounding the
 * exact value, and r / scale is then the double nearest the decimal, as in Python. */
static inline double py_round(double x, double scale, int ndigits)
{
	double y = x * scale;
	if (__builtin_fabs(y) < 1e9) { /* false for NaN and the infinities */
		double r = scrm_round_even(y);
		if (0.5 - __builtin_fabs(y - r) > 1e-6)
			return r / scale;
	}
	return isfinite(y) ? py_round_near_tie(x, ndigits) : x;
}

double scrm_py_round(double x, int ndigits)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
				     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	assert(ndigits >= 0 && ndigits <= 15);
	return py_round(x, p10[ndigits], ndigits);
}

/* v if c, else +0.0, without a branch (the compiler branches on a ?: of doubles) */
static inline double keep_if(double v, int c)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	b &= -(uint64_t)(c != 0);
	memcpy(&v, &b, sizeof v);
	return v;
}

/* score_valence() and the sift */
static void score_valence(const double *sent, size_t n, unsigned ep_count, unsigned qm_count,
			  scrm_sentiment *out)
{
	double compound = 0.0, pos = 0.0, neg = 0.0, neu = 0.0;
	if (n) {
		/* Each sum adds its terms in the reference's order, but only the nonzero ones
		 * (picked out 64 at a time without a branch; most tokens are zero): adding a
		 * zero, or the +0.0 keep_if() gives for a term of the other sign, changes no
		 * sum, since none ever holds -0.0 (each starts at +0.0, and nonzero terms that
		 * cancel give +0.0). No branch on the signs either: a text's words make them
		 * random. */
		double sum_s = 0.0, pos_sum = 0.0, neg_sum = 0.0;
		size_t valued = 0;
		for (size_t b = 0; b < n; b += 64) {
			double nz[64];
			size_t m = 0, e = n - b < 64 ? n - b : 64;
			for (size_t k = 0; k < e; k++) {
				double s = sent[b + k];
				nz[m] = s;
				m += s != 0; /* NaN too, as the reference counts it: not neutral */
			}
			for (size_t k = 0; k < m; k++) {
				double s = nz[k];
				sum_s += s;
				pos_sum += keep_if(s + 1, s > 0);
				neg_sum += keep_if(s - 1, s < 0);
			}
			valued += m;
		}
		size_t neu_count = n - valued;
		/* _punctuation_emphasis */
		if (ep_count > 4)
			ep_count = 4;
		double ep_amplifier = ep_count * 0.292;
		double qm_amplifier = 0;
		if (qm_count > 1) {
			if (qm_count <= 3)
				qm_amplifier = qm_count * 0.18;
			else
				qm_amplifier = 0.96;
		}
		double punct_emph_amplifier = ep_amplifier + qm_amplifier;
		if (sum_s > 0)
			sum_s += punct_emph_amplifier;
		else if (sum_s < 0)
			sum_s -= punct_emph_amplifier;
		compound = normalize(sum_s);

		if (pos_sum > fabs(neg_sum))
			pos_sum += punct_emph_amplifier;
		else if (pos_sum < fabs(neg_sum))
			neg_sum -= punct_emph_amplifier;
		double total = pos_sum + fabs(neg_sum) + (double)neu_count;
		pos = fabs(pos_sum / total);
		neg = fabs(neg_sum / total);
		neu = fabs((double)neu_count / total);
	}
	out->neg = py_round(neg, 1e3, 3);
	out->neu = py_round(neu, 1e3, 3);
	out->pos = py_round(pos, 1e3, 3);
	out->compound = py_round(compound, 1e4, 4);
}

/* Replace emoji code points by their descriptions (polarity_scores' first loop) into
 * v->rep as valid UTF-8. Returns the length or -ENOMEM. Python's prev_space is derived
 * from what was written: true at the start, false right after a description, else
 * whether the last character written was ' '. */
static ssize_t replace_emoji(scrm_vader *v, const unsigned char *s, size_t len)
{
	size_t o = 0, i = 0, after_emoji = SIZE_MAX;
	if (reserve((void **)&v->rep, &v->rep_cap, len * 3 + 16, 1) < 0)
		return -ENOMEM;
	while (i < len) {
		size_t run = i;
		if (!v->ascii_emoji) /* the ASCII run up to the next byte >= 0x80, 16 bytes at a time */
			while (run + 16 <= len) {
				unsigned m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(s + run)));
				if (m) {
					run += (size_t)__builtin_ctz(m);
					break;
				}
				run += 16;
			}
		while (run < len && s[run] < 0x80 && !(v->ascii_emoji && scrm_lexicon_emoji_has_ascii(v->lex, s[run])))
			run++;
		if (run > i) {
			memcpy(v->rep + o, s + i, run - i);
			o += run - i;
			i = run;
			if (i == len)
				break;
		}
		size_t used, dl;
		uint32_t cp = decode(s + i, len - i, &used);
		const char *desc = scrm_lexicon_emoji(v->lex, cp, &dl);
		i += used;
		if (desc) {
			int prev_space = o == after_emoji ? 0 : o == 0 ? 1 : v->rep[o - 1] == ' ';
			if (reserve((void **)&v->rep, &v->rep_cap, o + 1 + dl + (len - i) * 3 + 16, 1) < 0)
				return -ENOMEM;
			if (!prev_space)
				v->rep[o++] = ' ';
			memcpy(v->rep + o, desc, dl);
			o += dl;
			after_emoji = o;
		} else {
			o += encode(cp, v->rep + o);
		}
	}
	return (ssize_t)o;
}

/* Masks of 16 bytes at p: bit k of *sp set when p[k] is ASCII whitespace (str.split()),
 * of *hi when p[k] >= 0x80, of *ex / *qu when it is '!' / '?'.
 * (*sp is only meaningful for ASCII bytes; callers give up on any *hi bit.) */
#if defined(__SSE2__)
static inline void scan16(const unsigned char *p, unsigned *sp, unsigned *hi, unsigned *ex, unsigned *qu)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* 0x09-0x0d or 0x1c-0x20 (signed compares: bytes >= 0x80 are caught by *hi) */
	__m128i ws = _mm_or_si128(
		_mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x08)), _mm_cmplt_epi8(x, _mm_set1_epi8(0x0e))),
		_mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x1b)), _mm_cmplt_epi8(x, _mm_set1_epi8(0x21))));
	__m128i e = _mm_cmpeq_epi8(x, _mm_set1_epi8('!')), q = _mm_cmpeq_epi8(x, _mm_set1_epi8('?'));
	*sp = (unsigned)_mm_movemask_epi8(ws);
	*hi = (unsigned)_mm_movemask_epi8(x);
	*ex = *qu = 0;
	if (_mm_movemask_epi8(_mm_or_si128(e, q))) { /* rare */
		*ex = (unsigned)_mm_movemask_epi8(e);
		*qu = (unsigned)_mm_movemask_epi8(q);
	}
}
#else
static inline void scan16(const unsigned char *p, unsigned *sp, unsigned *hi, unsigned *ex, unsigned *qu)
{
	*sp = *hi = *ex = *qu = 0;
	for (unsigned k = 0; k < 16; k++) {
		*sp |= (unsigned)((byte_class[p[k]] & C_SPACE) != 0) << k;
		*hi |= (unsigned)(p[k] >> 7) << k;
		*ex |= (unsigned)(p[k] == '!') << k;
		*qu |= (unsigned)(p[k] == '?') << k;
	}
}
#endif

/* The ASCII fast path's preparation: copy the text into v->text, zero-padded to a
 * multiple of 64 bytes plus 16 (so that 16-byte loads at any token start stay inside),
 * and build v->spaces, whose bits from len on are set (a sentinel for the token scan).
 * Counts ! and ?. Returns 1 if the text is plain
 * ASCII with (if check_emoji) no byte that is an emoji key, 0 if it is not (the
 * buffers are then unspecified), -ENOMEM. */
static int scan_ascii(scrm_vader *v, const unsigned char *s, size_t len, int check_emoji, unsigned *ep,
		      unsigned *qm)
{
	size_t nw = len / 64 + 1, padded = nw * 64 + 16;
	if (reserve((void **)&v->text, &v->text_cap, padded, 1) < 0 ||
	    reserve((void **)&v->spaces, &v->spaces_cap, nw, sizeof *v->spaces) < 0)
		return -ENOMEM;
	unsigned char *t = (unsigned char *)v->text;
	if (len)
		memcpy(t, s, len);
	memset(t + len, 0, padded - len);
	unsigned hi_any = 0, ep_count = 0, qm_count = 0;
	size_t nchunk = len / 16 + 1; /* 16-byte chunks holding text (and position len) */
	for (size_t w = 0; w < nw; w++) {
		uint64_t bits = 0;
		for (unsigned k = 0; k < 4 && w * 4 + k < nchunk; k++) {
			unsigned sp, hi, ex, qu;
			scan16(t + w * 64 + k * 16, &sp, &hi, &ex, &qu);
			bits |= (uint64_t)sp << (16 * k);
			hi_any |= hi;
			if (ex | qu) {
				ep_count += scrm_popcount64(ex);
				qm_count += scrm_popcount64(qu);
			}
		}
		v->spaces[w] = bits;
	}
	if (hi_any)
		return 0;
	if (check_emoji && v->ascii_emoji)
		for (size_t i = 0; i < len; i++)
			if (scrm_lexicon_emoji_has_ascii(v->lex, s[i]))
				return 0;
	v->spaces[nw - 1] |= ~0ULL << (len & 63);
	*ep = ep_count;
	*qm = qm_count;
	return 1;
}

/* Lower-case [a, b) of v->rep into v->low at *lo (Python str.lower()) and return
 * str.isupper() of it. */
static int lower_token(scrm_vader *v, const unsigned char *a, const unsigned char *b, size_t *lo)
{
	int cased = 0, lower = 0;
	char *o = v->low + *lo;
	while (a < b) {
		unsigned char c = *a;
		if (c < 0x80) {
			int up = (unsigned)(c - 'A') < 26, lw = (unsigned)(c - 'a') < 26;
			cased |= up;
			lower |= lw;
			*o++ = (char)(c + (up << 5));
			a++;
			continue;
		}
		size_t used;
		uint32_t cp = decode(a, (size_t)(b - a), &used);
		a += used;
		if (cp == 0x130) { /* 'İ'.lower() is 'i' + COMBINING DOT ABOVE */
			cased = 1;
			memcpy(o, "i\xcc\x87", 3);
			o += 3;
			continue;
		}
		uint32_t lc = cp;
		if (v->loc) {
			wint_t l = towlower_l((wint_t)cp, v->loc), u = towupper_l((wint_t)cp, v->loc);
			/* titlecase (Lt) makes isupper() False; glibc has no case mapping for the
			 * Greek letters with prosgegrammeni, which Python counts as titlecase */
			int title = (l != (wint_t)cp && u != (wint_t)cp) ||
				    (cp >= 0x1F88 && cp <= 0x1FAF && (cp & 0x8)) || cp == 0x1FBC || cp == 0x1FCC ||
				    cp == 0x1FFC;
			if (title)
				lower = 1;
			else if (l != (wint_t)cp || iswupper_l((wint_t)cp, v->loc))
				cased = 1;
			else if (u != (wint_t)cp || iswlower_l((wint_t)cp, v->loc))
				lower = 1;
			lc = (uint32_t)l;
		}
		o += encode(lc, o);
	}
	*lo = (size_t)(o - v->low);
	return cased && !lower;
}

/* ASCII text: lower-case all of it at once, 8 bytes at a time (tokens then keep their
 * offsets). For bytes < 0x80, adding 0x3f sets the top bit from 'A' up and adding 0x25
 * from '[' up, with no carry between bytes. */
static void lower_ascii(const unsigned char *s, size_t len, char *low)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		uint64_t upper = (w + 0x3f3f3f3f3f3f3f3fULL) & ~(w + 0x2525252525252525ULL) & 0x8080808080808080ULL;
		w |= upper >> 2;
		memcpy(low + i, &w, 8);
	}
	for (; i < len; i++)
		low[i] = (char)(s[i] + (((unsigned)(s[i] - 'A') < 26) << 5));
}

/* str.isupper() of an ASCII token, given its lower-cased copy. */
static int ascii_isupper(const unsigned char *a, size_t n, const char *low)
{
	if (memcmp(a, low, n) == 0)
		return 0; /* no capital letter */
	for (size_t k = 0; k < n; k++)
		if ((unsigned)(a[k] - 'a') < 26)
			return 0;
	return 1;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* lo_masks[n], hi_masks[n]: bytes 0..n-1 (n <= 16) of a token loaded as two
 * little-endian words. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the word-at-a-time token code assumes a little-endian host"
#endif
#define M(n) (~(~0ULL << (8 * (n))))
static const uint64_t lo_masks[17] = {
	0, M(1), M(2), M(3), M(4), M(5), M(6), M(7), ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL,
};
static const uint64_t hi_masks[17] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, M(1), M(2), M(3), M(4), M(5), M(6), M(7), ~0ULL,
};
#undef M

/* A token of n <= 16 bytes at p, with 16 bytes readable there, as two zero-padded
 * little-endian words. */
static inline void load_masked(const void *p, size_t n, uint64_t *o0, uint64_t *o1)
{
	memcpy(o0, p, 8);
	memcpy(o1, (const char *)p + 8, 8);
	*o0 &= lo_masks[n];
	*o1 &= hi_masks[n];
}

/* An ASCII token of up to 16 bytes as two zero-padded words: lower-case them in place
 * and return str.isupper() of it (a capital letter and no small one). For bytes < 0x80:
 * +0x3f sets the top bit from 'A' up, +0x25 from '[' up; +0x1f from 'a' up, +0x05 from
 * '{' up; no carries between bytes. */
static inline uint8_t lower_words(uint64_t *o0, uint64_t *o1)
{
	uint64_t up0 = (*o0 + 0x3f * ONES) & ~(*o0 + 0x25 * ONES) & HIGHS;
	uint64_t up1 = (*o1 + 0x3f * ONES) & ~(*o1 + 0x25 * ONES) & HIGHS;
	uint64_t lw = ((*o0 + 0x1f * ONES) & ~(*o0 + 0x05 * ONES)) | ((*o1 + 0x1f * ONES) & ~(*o1 + 0x05 * ONES));
	*o0 |= up0 >> 2;
	*o1 |= up1 >> 2;
	return (uint8_t)(((up0 | up1) != 0) & ((lw & HIGHS) == 0));
}

/* negated()'s "n't" in word, for a word not in NEGATE */
static int has_nt(const char *w, size_t n)
{
	for (size_t k = 1; k + 1 < n; k++)
		if (w[k] == '\'' && w[k - 1] == 'n' && w[k + 1] == 't')
			return 1;
	return 0;
}

/* The cache miss: look the word up in the lexicon and the constant words and fill e. */
static void cache_fill(const scrm_vader *v, struct tc_entry *e, size_t n, uint64_t w0, uint64_t w1, uint64_t h)
{
	double val = 0.0;
	e->k0 = w0;
	e->k1 = w1;
	memset(&e->f, 0, sizeof e->f);
	e->f.klen = (uint8_t)n;
	e->f.in_lex = (uint8_t)scrm_lexicon_find_words(v->lex, w0, w1, n, h, &val);
	e->f.val = val;
	const struct sw_slot *sw = sw_find(v, w0, w1, n, h);
	e->f.id = sw ? sw->id : W_NONE;
	e->f.xid = sw ? sw->xid : 0;
	e->f.is_boost = sw && sw->is_boost;
	e->f.boost = (int8_t)(e->f.is_boost ? (sw->boost > 0 ? 1 : -1) : 0);
	e->f.neg = sw ? sw->neg : 0;
	if (!e->f.neg && n >= 3) {
		char b[16];
		memcpy(b, &w0, 8);
		memcpy(b + 8, &w1, 8);
		e->f.neg = (uint8_t)has_nt(b, n);
	}
}

/* Fill in t's lexicon valence, constant-word fields and negation from its lower-cased
 * text of n <= 16 bytes, given zero-padded as two words, through the scorer's cache. */
__attribute__((always_inline)) static inline void classify_short(scrm_vader *v, struct vtok *t, size_t n,
								 uint64_t w0, uint64_t w1)
{
	uint64_t h = scrm_lexicon_hash_words(w0, w1, n);
	struct tc_entry *e = &v->cache[h & (TC_CAP - 1)];
	if (!(e->k0 == w0 && e->k1 == w1 && e->f.klen == n))
		cache_fill(v, e, n, w0, w1, h);
	t->facts = e->f;
}

/* The same for a token of any length at w, @room bytes readable from w (no constant
 * word is longer than 16 bytes; a short token with 16 readable bytes is loaded as two
 * words, else copied). */
static void classify(scrm_vader *v, struct vtok *t, const char *w, size_t n, size_t room)
{
	if (n <= 16) {
		uint64_t w0, w1;
		if (room >= 16)
			load_masked(w, n, &w0, &w1);
		else
			load_words(w, n, &w0, &w1);
		classify_short(v, t, n, w0, w1);
		return;
	}
	t->in_lex = (uint8_t)scrm_lexicon_find_hashed(v->lex, w, n, scrm_lexicon_hash(w, n), &t->val);
	t->id = W_NONE;
	t->xid = 0;
	t->is_boost = 0;
	t->boost = 0;
	t->neg = (uint8_t)has_nt(w, n);
}

/* SentiText for plain ASCII text prepared by scan_ascii(): split() by the whitespace
 * bitmap, strip punctuation, lower(), isupper(), each token of up to 16 bytes handled
 * as two words. Returns the token count. */
static size_t tokenize_ascii(scrm_vader *v, size_t len, size_t *nupper, int *has_but, size_t *nclause)
{
	const unsigned char *s = (const unsigned char *)v->text;
	size_t n = 0, nup = 0, ncl = 0, start, stop;
	int but = 0;
	scrm_bitruns r; /* the tokens: runs between whitespace (sentinel bits from len on) */
	scrm_bitruns_init(&r, v->spaces, len / 64 + 1);
	while (scrm_bitruns_next(&r, &start, &stop)) {
		const unsigned char *a = s + start, *b = s + stop, *sa = a, *sb = b;
		while (sa < sb && ascii_punct(*sa))
			sa++;
		while (sb > sa && ascii_punct(sb[-1]))
			sb--;
		if (sb - sa > 2) /* ASCII: bytes are code points */
			a = sa, b = sb;

		struct vtok *t = &v->tok[n++];
		t->mention = a > s + start && a[-1] == '@';
		t->clause_end = clause_end_of(s + start, s + stop);
		ncl += t->clause_end;
		size_t tl = (size_t)(b - a);
		t->len = (uint32_t)tl;
		t->off = (uint32_t)(a - s);
		if (tl <= 16) {
			uint64_t o0, o1;
			load_masked(a, tl, &o0, &o1);
			t->upper = lower_words(&o0, &o1);
			classify_short(v, t, tl, o0, o1);
		} else {
			char *w = v->low + t->off;
			lower_ascii(a, tl, w);
			t->upper = (uint8_t)ascii_isupper(a, tl, w);
			classify(v, t, w, tl, v->low_cap - t->off);
		}
		nup += t->upper;
		but |= t->id == W_BUT;
	}
	*nupper = nup;
	*has_but = but;
	*nclause = ncl;
	return n;
}

/* SentiText for any other text, already through replace_emoji(): tokens are lower-cased
 * into v->low one by one. */
static size_t tokenize_utf8(scrm_vader *v, const unsigned char *s, size_t tl, unsigned *ep, unsigned *qm,
			    size_t *nupper, int *has_but, size_t *nclause)
{
	const unsigned char *end = s + tl;
	size_t n = 0, lo = 0, nup = 0, ncl = 0;
	unsigned ep_count = 0, qm_count = 0;
	int but = 0;
	const unsigned char *p = s;
	while (p < end) {
		size_t sl = space_len(p, (size_t)(end - p));
		if (sl) {
			p += sl;
			continue;
		}
		const unsigned char *a = p, *a0 = p;
		while (p < end) {
			uint8_t c = byte_class[*p];
			if (c & (C_SPACE | C_USPACE | C_EMPH)) {
				if (space_len(p, (size_t)(end - p)))
					break;
				ep_count += *p == '!';
				qm_count += *p == '?';
			}
			p++;
		}
		const unsigned char *b = p, *sa = a, *sb = b;
		while (sa < sb && ascii_punct(*sa))
			sa++;
		while (sb > sa && ascii_punct(sb[-1]))
			sb--;
		/* keep the token as written if the stripped one has <= 2 code points (a code
		 * point is at most 4 bytes, so more than 8 bytes are always 3 or more) */
		size_t ncp = (size_t)(sb - sa);
		if (ncp > 2 && ncp <= 8) {
			ncp = 0;
			for (const unsigned char *q = sa; q < sb; q++)
				ncp += (*q & 0xC0) != 0x80;
		}
		int mention = 0;
		if (ncp > 2) {
			mention = sa > a && sa[-1] == '@';
			a = sa, b = sb;
		}

		struct vtok *t = &v->tok[n++];
		t->mention = (uint8_t)mention;
		t->clause_end = clause_end_of(a0, p);
		ncl += t->clause_end;
		t->off = (uint32_t)lo;
		size_t al = (size_t)(b - a);
		uint64_t o0 = HIGHS, o1 = 0;
		if (al <= 16 && (size_t)(a - s) + 16 <= v->rep_cap && lo + 16 <= v->low_cap && !v->slow_tokens)
			load_masked(a, al, &o0, &o1); /* s is v->rep: 16 bytes from a are inside it */
		if (!((o0 | o1) & HIGHS)) {
			/* an ASCII token of up to 16 bytes, as tokenize_ascii() takes it; its
			 * lower-cased bytes still go to v->low (16 stored, al kept) */
			t->upper = lower_words(&o0, &o1);
			memcpy(v->low + lo, &o0, 8);
			memcpy(v->low + lo + 8, &o1, 8);
			lo += al;
			t->len = (uint32_t)al;
			classify_short(v, t, al, o0, o1);
		} else {
			t->upper = (uint8_t)lower_token(v, a, b, &lo);
			t->len = (uint32_t)(lo - t->off);
			classify(v, t, v->low + t->off, t->len, v->low_cap - t->off);
		}
		nup += t->upper;
		but |= t->id == W_BUT;
	}
	*ep = ep_count;
	*qm = qm_count;
	*nupper = nup;
	*has_but = but;
	*nclause = ncl;
	return n;
}

int scrm_vader_analyze(scrm_vader *v, const char *text, size_t len, scrm_vader_text *x)
{
	if (!v || !x || (!text && len))
		return -EINVAL;
	memset(x, 0, sizeof *x);
	const unsigned char *s = (const unsigned char *)text;
	size_t n, nupper, nclause;
	unsigned ep_count, qm_count;
	int has_but, rc;
	if (reserve((void **)&v->tok, &v->tok_cap, len / 2 + 2, sizeof *v->tok) < 0 ||
	    reserve((void **)&v->sent, &v->sent_cap, len / 2 + 2, sizeof *v->sent) < 0 ||
	    reserve((void **)&v->low, &v->low_cap, len + 1, 1) < 0)
		return -ENOMEM;
	if ((rc = scan_ascii(v, s, len, 1, &ep_count, &qm_count)) < 0)
		return rc;
	if (!rc) {
		ssize_t tl = replace_emoji(v, s, len);
		if (tl < 0)
			return (int)tl;
		if (reserve((void **)&v->low, &v->low_cap, (size_t)tl * 2 + 16, 1) < 0 ||
		    reserve((void **)&v->tok, &v->tok_cap, (size_t)tl / 2 + 2, sizeof *v->tok) < 0 ||
		    reserve((void **)&v->sent, &v->sent_cap, (size_t)tl / 2 + 2, sizeof *v->sent) < 0)
			return -ENOMEM;
		/* emoji descriptions are ASCII: most texts are plain ASCII now (and must
		 * not have emoji replaced again) */
		if ((rc = scan_ascii(v, (const unsigned char *)v->rep, (size_t)tl, 0, &ep_count, &qm_count)) < 0)
			return rc;
		len = (size_t)tl;
	}
	if (rc)
		n = tokenize_ascii(v, len, &nupper, &has_but, &nclause);
	else
		n = tokenize_utf8(v, (const unsigned char *)v->rep, len, &ep_count, &qm_count, &nupper, &has_but,
				  &nclause);
	if (n && v->tok[n - 1].clause_end)
		nclause--; /* the last token's end cuts nothing off */
	/* allcap_differential */
	int is_cap_diff = nupper > 0 && nupper < n;

	const struct vtok *t = v->tok;
	double *sent = v->sent;
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		if (!t[i].in_lex || t[i].is_boost || (i < n - 1 && t[i].id == W_KIND && t[i + 1].id == W_OF))
			sent[i] = 0;
		else
			sent[i] = sentiment_valence(t, n, i, is_cap_diff);
		any |= sent[i] != 0;
	}
	x->tok = t;
	x->v = v;
	x->sent = sent;
	x->n = n;
	x->nupper = nupper;
	x->ep = ep_count;
	x->qm = qm_count;
	x->has_but = has_but;
	x->nclause = nclause;
	x->any = any;
	x->is_cap_diff = is_cap_diff;
	x->ascii = rc;
	x->text = v->text;
	x->low = v->low;
	return 0;
}

static inline double clause_valence(const scrm_vader_text *x, size_t i)
{
	const struct vtok *t = x->tok;
	size_t n = x->n, b = i, e = i + 1;
	/* sentiment_valence() looks at most 3 tokens back and 2 ahead */
	while (b > 0 && i - b < 3 && !t[b - 1].clause_end)
		b--;
	while (e < n && e - i < 3 && !t[e - 1].clause_end)
		e++;
	if ((b == 0 || i - b == 3) && (e == n || e - i == 3))
		return x->sent[i]; /* nothing out of reach is cut off */
	if (!t[i].in_lex || t[i].is_boost || (i + 1 < e && t[i].id == W_KIND && t[i + 1].id == W_OF))
		return 0;
	return sentiment_valence(t + b, e - b, i - b, x->is_cap_diff);
}

void scrm_vader_clause_valences(const scrm_vader_text *x, double *val)
{
	const struct vtok *t = x->tok;
	size_t n = x->n;
	if (!x->nclause)
		return;
	/* the tokens whose windows reach across a clause's end: from the one before it
	 * (looking ahead two) to the third after it (looking back three) */
	for (size_t k = 0; k + 1 < n; k++)
		if (t[k].clause_end)
			for (size_t i = k ? k - 1 : 0; i <= k + 3 && i < n; i++)
				if (t[i].in_lex) /* else 0 in any window */
					val[i] = clause_valence(x, i);
}

void scrm_vader_finish(const scrm_vader_text *x, double *sent, scrm_sentiment *out)
{
	memset(out, 0, sizeof *out);
	if (!x->any) { /* what score_valence() computes when every sentiment is 0 */
		out->neu = x->n ? 1.0 : 0.0;
		return;
	}
	if (x->has_but)
		but_check(x->v, x->tok, x->n, sent);
	score_valence(sent, x->n, x->ep, x->qm, out);
}

void scrm_vader_sift(const double *sent, size_t n, unsigned ep, unsigned qm, scrm_sentiment *out)
{
	score_valence(sent, n, ep, qm, out);
}

const char *scrm_vader_token_key(const scrm_vader_text *x, size_t i, char buf[16])
{
	const scrm_vader_tok *t = &x->tok[i];
	if (!x->ascii || t->len > 16)
		return x->low + t->off;
	lower_ascii((const unsigned char *)x->text + t->off, t->len, buf);
	return buf;
}

void scrm_vader_set_slow_tokens(scrm_vader *v, int on)
{
	v->slow_tokens = on != 0;
}

int scrm_vader_set_extra_words(scrm_vader *v, const char *const *words, size_t n)
{
	if (!v || (n && !words) || n > SW_CAP / 2 - 256)
		return -EINVAL;
	for (size_t k = 0; k < n; k++) {
		size_t l = strlen(words[k]);
		if (l == 0 || l > SW_MAXLEN)
			return -EINVAL;
	}
	for (size_t k = 0; k < n; k++)
		sw_slot_for(v, words[k])->xid = (uint16_t)(k + 1);
	for (size_t k = 0; k < TC_CAP; k++) /* cached words may have become extra words */
		v->cache[k].f.klen = 0;
	return 0;
}

int scrm_vader_score(scrm_vader *v, const char *text, size_t len, scrm_sentiment *out)
{
	if (!v || !out || (!text && len))
		return -EINVAL;
	scrm_vader_text x;
	int rc = scrm_vader_analyze(v, text, len, &x);
	if (rc < 0) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	scrm_vader_finish(&x, x.sent, out);
	return 0;
}
