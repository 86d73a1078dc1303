/*
 * sentiment.c - the two sentiment modes (see sentiment.h).
 *
 * DESIGN. One scrm_vader does the tokenizing and VADER's per-token rules
 * (scrm_vader_analyze). Vader mode finishes exactly as the reference. Scrm mode starts
 * from the same per-token valences and changes them:
 *
 *   1. domain lexicon (domain_lexicon.c): words VADER lacks get a valence, valued with
 *      VADER's own negation, booster and capitals rules; words VADER has are rescaled
 *      to the domain valence; "no" before a domain word is a determiner (VADER already
 *      treats "no" so before its own words);
 *   2. ABSENCE entries ("no response", "never got a refund") and FUNCTION entries
 *      ("not working", "won't load") become negative when negated;
 *   3. phrases replace their words' valences ("on hold", "still waiting", "customer
 *      care");
 *   4. "help" in a request is not praise (help_scale); "@united" is a handle, not a
 *      word (mention); "like" counts fully only as a verb, after a pronoun or a
 *      negation (like_other: "looks like", "like a" are not liking);
 *   5. "but": words before it x0.5, after it x1.5, by position (VADER scales the first
 *      token with an equal value, a quirk of list.index; this changes little);
 *   6. in a text with a '?', positive valences are damped (q_pos): questions to a brand
 *      ("can you help?", "any update?") are rarely praise;
 *   7. negative valences weigh neg_weight times the positive ones (people label a text
 *      negative on less evidence), long texts are scaled down (len_norm: one word in
 *      forty is weaker evidence than one in five), and every valence by gain (the
 *      same as a larger alpha in VADER's normalize());
 *   8. the compound is squashed so that 0 < compound < dz_pos lands inside the unchanged
 *      +-0.05 neutral band (monotone; above dz_pos it is left alone, which keeps the
 *      Pearson r on VADER's own sets): VADER calls almost any text with one weak
 *      positive word positive, while about half of the tweets people label are neutral;
 *   9. clauses: VADER's windows (boosters, negation, "no", idioms) and the rules above
 *      that look at neighbours stop at a token that ends in '.', '!', '?' or ';' ("no
 *      glitz. Beautiful day": "Beautiful" is not negated); a lexicon word next to one is
 *      valued by VADER's own rules on its clause alone (scrm_vader_clause_valences);
 *  10. expletives: "damn", "freaking", "bloody" ... right before a word with a valence
 *      boost it as VADER's boosters do ("freaking love") instead of scoring negative.
 *
 * Results (bench/sent_accuracy, all dev rows): scrm beats vader on Pearson r on the four
 * vader-* sets and on accuracy, macro-recall and macro-F1 on semeval2017-4a, airline-
 * sentiment and sentiment140-test; 3-class accuracy on the vader-* sets (gold: the sign
 * of the human mean, almost never neutral) goes down, the cost of the neutral zone and
 * of neg_weight. SemEval macro-recall is 0.589 (vader 0.571).
 *
 * TUNING. The constants in scrm_default_params were chosen on dev half A only (half A:
 * XXH64 of the row's split key, seed 0, even; bench/sent_accuracy.c) of the seven
 * labelled sets (vader-tweets/movie/amazon/nyt, semeval2017-4a, airline-sentiment,
 * sentiment140-test) by small grids, keeping only settings where every set gained over
 * VADER on half A and then taking the best SemEval macro-recall; half B was only read to
 * report. The values are round numbers on purpose. The domain lexicon's entries were
 * written by reading what the words mean in support messages. Half A was then used
 * twice: to drop an entry that misled ("on time": customers write it about flights that
 * were not), and, from a count of which lexicon terms fire on texts of each gold class,
 * to spot VADER words that mislead in support text; the few added from that ("security",
 * "credit card", "customer care", "health care", "joke", the "like" and "@handle"
 * rules) were written as judgements, not fitted weights.
 * Every constant can be changed per scorer for ablations (scrm_sent_set_param).
 */
#include "sentiment.h"

#include "utf8.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N_SCALAR (-0.74)
#define C_INCR 0.733

/* ------------------------------------------------------------- parameters ---- */

struct scrm_params {
	double dom_scale;   /* multiplier on domain-lexicon valences */
	double absence_neg; /* valence of a negated ABSENCE entry */
	double func_neg;    /* valence of a negated FUNCTION entry */
	double help_scale;  /* multiplier on "help" */
	double q_pos;       /* multiplier on positive valences in a text with '?' */
	double but_pos;     /* 1: positional but-check; 0: VADER's */
	double phrases;     /* 1: phrases on */
	double dz_pos;      /* |compound| below this (positive side) maps into the neutral band */
	double dz_neg;      /* the same, negative side */
	double dz_shape;    /* 0: above the zone, stretch linearly to 1; 1: leave it as is */
	double mention;     /* multiplier on @handles ("@united" is a brand, not praise) */
	double neg_weight;  /* multiplier on negative valences */
	double len_norm;    /* valences / (1 + len_norm * max(0, tokens - 12) / 12) */
	double like_other;  /* multiplier on "like" when it is not the verb ("like a", "looks like") */
	double gain;        /* multiplier on every valence (VADER's normalize() alpha = 15 / gain^2) */
	double clauses;     /* 1: negation, boosters and idioms stop at a clause's end ("no glitz. Beautiful") */
	double expletives;  /* 1: "damn good", "freaking love": the swear word boosts, not scores */
};

static const struct scrm_params scrm_default_params = {
	.dom_scale = 1.0,    /* the domain table's own scale (not tuned) */
	.absence_neg = -1.3, /* written, not tuned: about VADER's "no" (-1.2) */
	.func_neg = -1.6,    /* written, not tuned: about "broken" / "fail" scaled down */
	.help_scale = 0.0,   /* written: a request */
	.q_pos = 0.5,        /* written; kept because half A improved */
	.but_pos = 1.0,
	.phrases = 1.0,
	.dz_pos = 0.15,      /* tuned on half A, grid 0..0.4 step 0.05 */
	.dz_neg = 0.0,       /* tuned on half A, grid 0..0.3: any zone costs negatives */
	.dz_shape = 1.0,     /* tuned on half A: stretching hurts Pearson r on vader-tweets */
	.mention = 0.0,      /* written: a handle is a name */
	.neg_weight = 1.4,   /* tuned on half A, grid 1.0..2.0 step 0.1-0.2 */
	.len_norm = 0.5,     /* tuned on half A, grid {0, 0.25, 0.5, 0.75, 1} */
	.like_other = 0.5,   /* tuned on half A, grid {0, 0.5, 1} */
	.gain = 0.7,         /* tuned on half A, grid {0.7 .. 1.25} */
	.clauses = 1.0,      /* written: a negation's scope ends with its sentence */
	.expletives = 1.0,   /* written: VADER's BOOSTER_DICT has "fucking", not "freaking" */
};

static const struct param_name {
	const char *name;
	size_t off;
} param_names[] = {
	{"dom_scale", offsetof(struct scrm_params, dom_scale)},
	{"absence_neg", offsetof(struct scrm_params, absence_neg)},
	{"func_neg", offsetof(struct scrm_params, func_neg)},
	{"help_scale", offsetof(struct scrm_params, help_scale)},
	{"q_pos", offsetof(struct scrm_params, q_pos)},
	{"but_pos", offsetof(struct scrm_params, but_pos)},
	{"phrases", offsetof(struct scrm_params, phrases)},
	{"dz_pos", offsetof(struct scrm_params, dz_pos)},
	{"dz_neg", offsetof(struct scrm_params, dz_neg)},
	{"dz_shape", offsetof(struct scrm_params, dz_shape)},
	{"mention", offsetof(struct scrm_params, mention)},
	{"neg_weight", offsetof(struct scrm_params, neg_weight)},
	{"len_norm", offsetof(struct scrm_params, len_norm)},
	{"like_other", offsetof(struct scrm_params, like_other)},
	{"gain", offsetof(struct scrm_params, gain)},
	{"clauses", offsetof(struct scrm_params, clauses)},
	{"expletives", offsetof(struct scrm_params, expletives)},
};

/* ------------------------------------------------------------ rule words ---- */

/* Words the rules test, ids 1.. in scrm_vader_tok.xid; domain words follow. */
enum {
	X_NONE, X_BUT, X_NO, X_HELP, X_LIKE,
	X_I, X_WE, X_YOU, X_THEY, X_U, X_REALLY, X_ALSO, X_WOULD, X_TOTALLY, X_JUST, X_DO, X_DID, X_ID,
	/* before a duration, these make it a timetable, not a wait ("opening hours") */
	X_OPENING, X_BUSINESS, X_OFFICE, X_SERVICE, X_WORKING, X_OPERATING, X_STORE, X_SUPPORT, X_YOUR,
	X_OUR, X_NORMAL, X_REGULAR, X_HOLIDAY, X_VISITING, X_CALL, X_CENTER, X_CENTRE, X_DESK,
	/* swear words that intensify the word after them ("damn good") */
	X_DAMN, X_DAMNED, X_FREAKING, X_FREAKIN, X_BLOODY, X_GODDAMN, X_GODDAMNED,
	X__RULE
};
static const char *const rule_words[X__RULE] = {
	[X_BUT] = "but", [X_NO] = "no", [X_HELP] = "help", [X_LIKE] = "like",
	/* before "like", these make it the verb */
	[X_I] = "i", [X_WE] = "we", [X_YOU] = "you", [X_THEY] = "they", [X_U] = "u", [X_REALLY] = "really",
	[X_ALSO] = "also", [X_WOULD] = "would", [X_TOTALLY] = "totally", [X_JUST] = "just", [X_DO] = "do",
	[X_DID] = "did", [X_ID] = "i'd",
	[X_OPENING] = "opening", [X_BUSINESS] = "business", [X_OFFICE] = "office", [X_SERVICE] = "service",
	[X_WORKING] = "working", [X_OPERATING] = "operating", [X_STORE] = "store", [X_SUPPORT] = "support",
	[X_YOUR] = "your", [X_OUR] = "our", [X_NORMAL] = "normal", [X_REGULAR] = "regular",
	[X_HOLIDAY] = "holiday", [X_VISITING] = "visiting", [X_CALL] = "call", [X_CENTER] = "center",
	[X_CENTRE] = "centre", [X_DESK] = "desk",
	[X_DAMN] = "damn", [X_DAMNED] = "damned", [X_FREAKING] = "freaking", [X_FREAKIN] = "freakin",
	[X_BLOODY] = "bloody", [X_GODDAMN] = "goddamn", [X_GODDAMNED] = "goddamned",
};

#define MAX_WORDS 700
#define MAX_PHRASE_WORDS 4

struct phrase {
	uint16_t w[MAX_PHRASE_WORDS];
	uint8_t n;
	const scrm_domain_entry *e;
};

/* A lexicon key, interned so that explain terms can point at it. */
struct intern_slot {
	uint64_t w0, w1; /* the first 16 bytes, zero-padded */
	const char *p;
	uint32_t len;
	uint64_t h;
};

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

struct scrm_sent {
	scrm_vader *v;
	struct scrm_params p;
	const char *words[MAX_WORDS]; /* xid - 1 -> word (owned: wbuf) */
	size_t nwords;
	char *wbuf;
	int16_t single[MAX_WORDS + 1]; /* xid -> domain entry index, -1 none */
	/* the phrases by first word: those that start with word xid are phrases[phrase_at[xid]
	 * .. phrase_at[xid] + phrase_n[xid]), in the domain lexicon's order (the first that
	 * matches wins) */
	uint8_t phrase_at[MAX_WORDS + 1], phrase_n[MAX_WORDS + 1];
	struct phrase *phrases;
	size_t nphrases;
	double *s2; /* scrm valences */
	const scrm_domain_entry **src; /* the domain entry a scrm valence came from, or NULL */
	const char **key; /* interned key of token i, or NULL: shared by both explains of a call */
	size_t cap;
	struct intern_slot *itab;
	size_t icap, icount;
	struct arena_block *arena;
};

static int word_id(scrm_sent *s, const char *w, size_t n)
{
	for (size_t k = 0; k < s->nwords; k++)
		if (strlen(s->words[k]) == n && memcmp(s->words[k], w, n) == 0)
			return (int)k + 1;
	return 0;
}

/* Add word w[0..n) (copied into wbuf at *wo) if new; returns its xid or -EINVAL. */
static int add_word(scrm_sent *s, const char *w, size_t n, size_t *wo)
{
	int id = word_id(s, w, n);
	if (id)
		return id;
	if (n == 0 || n > 16 || s->nwords >= MAX_WORDS)
		return -EINVAL;
	char *d = s->wbuf + *wo;
	memcpy(d, w, n);
	d[n] = 0;
	*wo += n + 1;
	s->words[s->nwords++] = d;
	return (int)s->nwords;
}

static int build_tables(scrm_sent *s)
{
	size_t bytes = 64, wo = 0;
	for (size_t k = 1; k < X__RULE; k++)
		bytes += strlen(rule_words[k]) + 1;
	for (size_t k = 0; k < scrm_domain_lexicon_size; k++)
		bytes += strlen(scrm_domain_lexicon[k].text) + 1;
	s->wbuf = malloc(bytes);
	s->phrases = calloc(scrm_domain_lexicon_size, sizeof *s->phrases);
	if (!s->wbuf || !s->phrases)
		return -ENOMEM;
	for (size_t k = 1; k < X__RULE; k++)
		if (add_word(s, rule_words[k], strlen(rule_words[k]), &wo) != (int)k)
			return -EINVAL;
	for (size_t k = 0; k <= MAX_WORDS; k++)
		s->single[k] = -1;
	for (size_t k = 0; k < scrm_domain_lexicon_size; k++) {
		const scrm_domain_entry *e = &scrm_domain_lexicon[k];
		const char *p = e->text;
		struct phrase ph = {.e = e};
		while (*p) {
			const char *q = strchr(p, ' ');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			int id = add_word(s, p, n, &wo);
			if (id < 0 || ph.n == MAX_PHRASE_WORDS)
				return -EINVAL;
			ph.w[ph.n++] = (uint16_t)id;
			p += n + (q != NULL);
		}
		if (ph.n == 0 || (ph.n > 1) != (e->kind == SCRM_DOMAIN_PHRASE))
			return -EINVAL;
		if (ph.n == 1)
			s->single[ph.w[0]] = (int16_t)k;
		else
			s->phrases[s->nphrases++] = ph;
	}
	if (s->nphrases > UINT8_MAX)
		return -EINVAL;
	/* grouped by first word, each group in the lexicon's order (a stable sort) */
	for (size_t k = 1; k < s->nphrases; k++) {
		struct phrase ph = s->phrases[k];
		size_t j = k;
		for (; j > 0 && s->phrases[j - 1].w[0] > ph.w[0]; j--)
			s->phrases[j] = s->phrases[j - 1];
		s->phrases[j] = ph;
	}
	for (size_t k = s->nphrases; k-- > 0;) {
		s->phrase_at[s->phrases[k].w[0]] = (uint8_t)k;
		s->phrase_n[s->phrases[k].w[0]]++;
	}
	return scrm_vader_set_extra_words(s->v, s->words, s->nwords);
}

scrm_sent *scrm_sent_create(const scrm_lexicon *lex)
{
	assert(lex);
	scrm_sent *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->p = scrm_default_params;
	s->v = scrm_vader_create(lex);
	if (!s->v || build_tables(s) < 0)
		goto fail;
	return s;
fail:
	scrm_sent_free(s);
	return NULL;
}

void scrm_sent_free(scrm_sent *s)
{
	if (!s)
		return;
	scrm_vader_free(s->v);
	free(s->wbuf);
	free(s->phrases);
	free(s->s2);
	free(s->src);
	free(s->key);
	free(s->itab);
	for (struct arena_block *b = s->arena, *nb; b; b = nb) {
		nb = b->next;
		free(b);
	}
	free(s);
}

int scrm_sent_set_param(scrm_sent *s, const char *name, double value)
{
	if (!s || !name)
		return -EINVAL;
	for (size_t k = 0; k < sizeof param_names / sizeof param_names[0]; k++)
		if (strcmp(param_names[k].name, name) == 0) {
			memcpy((char *)&s->p + param_names[k].off, &value, sizeof value);
			return 0;
		}
	return -EINVAL;
}

const char *scrm_sent_mode_name(scrm_sent_mode m)
{
	return m == SCRM_SENT_VADER ? "vader" : m == SCRM_SENT_SCRM ? "scrm" : "?";
}

void scrm_sent_langs_default(scrm_sent_langs *l)
{
	memset(l, 0, sizeof *l);
	l->all = 1;
}

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int is_ascii_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* The primary subtag of lang[0..len): what comes before '-' or '_'. */
static size_t primary_len(const char *lang, size_t len)
{
	size_t k = 0;
	while (k < len && lang[k] != '-' && lang[k] != '_')
		k++;
	return k;
}

int scrm_sent_langs_parse(const char *s, size_t n, scrm_sent_langs *l)
{
	scrm_sent_langs t;
	memset(&t, 0, sizeof t);
	size_t i = 0;
	bool any = false;
	while (i < n) {
		while (i < n && (s[i] == ',' || s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			break;
		size_t j = i;
		while (j < n && s[j] != ',' && s[j] != ' ' && s[j] != '\t')
			j++;
		const char *w = s + i;
		size_t wl = j - i, pl = primary_len(w, wl);
		i = j;
		if (wl == 3 && !strncasecmp(w, "all", 3)) {
			t.all = 1;
			any = true;
			continue;
		}
		if (pl == 0 || pl > SCRM_SENT_LANG_LEN || pl + 1 == wl) /* "", too long, "en-" */
			return -EINVAL;
		for (size_t k = 0; k < wl; k++) /* letters; after them a region: letters, digits, '-', '_' */
			if (!is_ascii_alpha(w[k]) &&
			    !(k >= pl && ((w[k] >= '0' && w[k] <= '9' && k > pl) || w[k] == '-' || w[k] == '_')))
				return -EINVAL;
		char code[SCRM_SENT_LANG_LEN + 1];
		for (size_t k = 0; k < pl; k++)
			code[k] = (char)ascii_lower(w[k]);
		code[pl] = 0;
		any = true;
		bool dup = false;
		for (unsigned k = 0; k < t.n; k++)
			dup |= strcmp(t.code[k], code) == 0;
		if (dup)
			continue;
		if (t.n == SCRM_SENT_LANGS_MAX)
			return -EINVAL;
		memcpy(t.code[t.n++], code, pl + 1);
	}
	if (!any)
		return -EINVAL;
	*l = t;
	return 0;
}

int scrm_sent_lang_scored(const scrm_sent_langs *l, const char *lang, size_t len)
{
	if (l->all)
		return 1;
	size_t pl = primary_len(lang, len);
	if (pl == 0)
		return 1; /* no language given */
	/* undetermined, no linguistic content, X's "qme", "qht", "qam", "qct", "qst" */
	if (pl == 3 && (!strncasecmp(lang, "und", 3) || !strncasecmp(lang, "zxx", 3) || ascii_lower(lang[0]) == 'q'))
		return 1;
	for (unsigned i = 0; i < l->n; i++)
		if (strlen(l->code[i]) == pl && !strncasecmp(lang, l->code[i], pl))
			return 1;
	return 0;
}

static int emoticon_char(unsigned char c) { return c && strchr(":;=<>()[]{}|/\\^*~", c) != NULL; }

size_t scrm_sent_symbols(const scrm_lexicon *lex, const char *text, size_t len, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t o = 0, i = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
				i++;
				continue;
			}
			/* an ASCII token between white space, Unicode's too (French writes
			 * "Merci\u00a0:)"), or the text's ends: one glued to a character before
			 * it ("é:)") is not whole */
			bool starts = i == 0 || s[i - 1] == ' ' || (s[i - 1] >= '\t' && s[i - 1] <= '\r');
			for (size_t b = 2; !starts && b <= 3 && b <= i; b++) /* U+00A0 .. U+3000 */
				starts = scrm_vader_space_len(text + i - b, b) == b;
			size_t j = i;
			bool mark = false;
			while (j < len && s[j] < 0x80 && s[j] != ' ' && !(s[j] >= '\t' && s[j] <= '\r'))
				mark |= emoticon_char(s[j++]) != 0;
			bool whole = j == len || scrm_vader_space_len(text + j, len - j) > 0;
			char low[16];
			double val;
			if (mark && starts && whole && j - i <= sizeof low) {
				for (size_t k = i; k < j; k++)
					low[k - i] = (char)ascii_lower(s[k]);
				if (scrm_lexicon_find(lex, low, j - i, &val) && o + (j - i) + 1 <= cap) {
					memcpy(out + o, s + i, j - i);
					o += j - i;
					out[o++] = ' ';
				}
			}
			i = j;
			continue;
		}
		size_t n = scrm_utf8_char(s + i, len - i);
		if (!n) { /* not UTF-8: skip the byte */
			i++;
			continue;
		}
		uint32_t cp = n == 2 ? (s[i] & 0x1Fu) : n == 3 ? (s[i] & 0x0Fu) : (s[i] & 0x07u);
		for (size_t k = 1; k < n; k++)
			cp = cp << 6 | (s[i + k] & 0x3Fu);
		size_t dl;
		if (scrm_lexicon_emoji(lex, cp, &dl) && o + n + 1 <= cap) {
			memcpy(out + o, s + i, n);
			o += n;
			out[o++] = ' ';
		}
		i += n;
	}
	return o;
}

int scrm_sent_mode_parse(const char *name, scrm_sent_mode *m)
{
	if (!name || !m)
		return -EINVAL;
	if (strcmp(name, "vader") == 0)
		*m = SCRM_SENT_VADER;
	else if (strcmp(name, "scrm") == 0)
		*m = SCRM_SENT_SCRM;
	else
		return -EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- interning ---- */

static int intern_grow(scrm_sent *s)
{
	size_t ncap = s->icap ? s->icap * 2 : 1024;
	struct intern_slot *nt = calloc(ncap, sizeof *nt);
	if (!nt)
		return -ENOMEM;
	for (size_t k = 0; k < s->icap; k++) {
		if (!s->itab[k].p)
			continue;
		size_t j = s->itab[k].h & (ncap - 1);
		while (nt[j].p)
			j = (j + 1) & (ncap - 1);
		nt[j] = s->itab[k];
	}
	free(s->itab);
	s->itab = nt;
	s->icap = ncap;
	return 0;
}

/* A stable copy of p[0..n): the same pointer for the same bytes, for the scorer's life.
 * Keys of up to 16 bytes (nearly all) are hashed and compared as two words. */
static const char *intern(scrm_sent *s, const char *p, size_t n)
{
	if (2 * (s->icount + 1) > s->icap && intern_grow(s) < 0)
		return NULL;
	char b16[16] = {0};
	uint64_t w0, w1;
	memcpy(b16, p, n < 16 ? n : 16);
	memcpy(&w0, b16, 8);
	memcpy(&w1, b16 + 8, 8);
	uint64_t h = n <= 16 ? scrm_lexicon_hash_words(w0, w1, n) : scrm_lexicon_hash(p, n);
	size_t j = h & (s->icap - 1);
	for (; s->itab[j].p; j = (j + 1) & (s->icap - 1)) {
		const struct intern_slot *e = &s->itab[j];
		if (e->h == h && e->len == n && e->w0 == w0 && e->w1 == w1 && (n <= 16 || memcmp(e->p, p, n) == 0))
			return e->p;
	}
	struct arena_block *b = s->arena;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 8192 ? n : 8192;
		struct arena_block *nb = malloc(sizeof *nb + cap);
		if (!nb)
			return NULL;
		nb->next = b;
		nb->used = 0;
		nb->cap = cap;
		s->arena = b = nb;
	}
	char *d = b->data + b->used;
	memcpy(d, p, n);
	b->used += n;
	s->itab[j] = (struct intern_slot){w0, w1, d, (uint32_t)n, h};
	s->icount++;
	return d;
}

/* ------------------------------------------------------------------ scoring ---- */

static int reserve_scratch(scrm_sent *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	size_t ncap = s->cap ? s->cap : 64;
	while (ncap < n)
		ncap *= 2;
	double *a = realloc(s->s2, ncap * sizeof *a);
	if (!a)
		return -ENOMEM;
	s->s2 = a;
	const scrm_domain_entry **b = realloc(s->src, ncap * sizeof *b);
	if (!b)
		return -ENOMEM;
	s->src = b;
	const char **c = realloc(s->key, ncap * sizeof *c);
	if (!c)
		return -ENOMEM;
	s->key = c;
	s->cap = ncap;
	return 0;
}

/* Whether token k ends a clause, when the windows stop there (param clauses). */
static inline int ends_clause(const struct scrm_params *p, const scrm_vader_tok *t, size_t k)
{
	return p->clauses != 0 && t[k].clause_end;
}

/* A negation word ("not", "n't", "never", "no", "without" ...) among the three tokens
 * before i (VADER's window), in i's clause. */
static int negated_at(const struct scrm_params *p, const scrm_vader_tok *t, size_t i)
{
	for (size_t k = 1; k <= 3 && k <= i && !ends_clause(p, t, i - k); k++)
		if (t[i - k].neg || t[i - k].xid == X_NO)
			return 1;
	return 0;
}

/* A domain word's valence with VADER's rules for a lexicon word: capitals, boosters
 * among the three tokens before it, negation. */
static double domain_valence(const struct scrm_params *p, const scrm_vader_text *x, size_t i, double base)
{
	const scrm_vader_tok *t = x->tok;
	double v = base;
	if (v == 0)
		return 0;
	if (t[i].upper && x->is_cap_diff)
		v += v > 0 ? C_INCR : -C_INCR;
	static const double decay[4] = {0, 1.0, 0.95, 0.9};
	for (size_t k = 1; k <= 3 && k <= i && !ends_clause(p, t, i - k); k++)
		if (t[i - k].is_boost && !t[i - k].in_lex)
			v += (v > 0 ? scrm_vader_tok_boost(&t[i - k]) : -scrm_vader_tok_boost(&t[i - k])) * decay[k];
	if (negated_at(p, t, i))
		v *= N_SCALAR;
	return v;
}

/* Whether token i, a duration, is a wait, as it is in most support messages ("3 hours
 * on hold", "spent hours"), rather than a timetable: "opening hours", "your hours",
 * "customer service hours", "call center hours". */
static int is_wait(const scrm_vader_text *x, size_t i)
{
	return i == 0 || x->tok[i - 1].xid < X_OPENING || x->tok[i - 1].xid > X_DESK;
}

/* Scrm valences of the tokens of x into s->s2 (and their domain entries into s->src). */
static void scrm_valences(scrm_sent *s, const scrm_vader_text *x, int *any)
{
	const scrm_vader_tok *t = x->tok;
	const struct scrm_params *p = &s->p;
	double *s2 = s->s2;
	const scrm_domain_entry **src = s->src;
	size_t n = x->n;
	memcpy(s2, x->sent, n * sizeof *s2);
	memset(src, 0, n * sizeof *src);
	if (p->clauses != 0)
		scrm_vader_clause_valences(x, s2);
	for (size_t i = 0; i < n; i++) {
		unsigned xid = t[i].xid;
		if (t[i].mention) {
			s2[i] *= p->mention;
			continue;
		}
		if (!xid)
			continue;
		/* A swear word right before a word with a valence, in its clause, intensifies
		 * it as a booster would ("damn good", "freaking love"); VADER scores it as a
		 * negative word of its own. (s2[i + 1] is not yet changed by this loop.) */
		if (xid >= X_DAMN && xid <= X_GODDAMNED && p->expletives != 0) {
			if (i + 1 < n && !ends_clause(p, t, i) && s2[i + 1] != 0 && !t[i + 1].mention) {
				s2[i] = 0;
				s2[i + 1] += s2[i + 1] > 0 ? SCRM_VADER_B_INCR : -SCRM_VADER_B_INCR;
			}
			continue;
		}
		if (s->phrase_n[xid] && p->phrases != 0) {
			const struct phrase *hit = NULL;
			for (size_t k = s->phrase_at[xid]; k < (size_t)s->phrase_at[xid] + s->phrase_n[xid] && !hit; k++) {
				const struct phrase *ph = &s->phrases[k];
				if (i + ph->n > n)
					continue;
				size_t j = 1;
				while (j < ph->n && t[i + j].xid == ph->w[j] && !ends_clause(p, t, i + j - 1))
					j++;
				if (j == ph->n)
					hit = ph;
			}
			if (hit) {
				size_t last = i + hit->n - 1;
				for (size_t j = i; j < last; j++)
					s2[j] = 0;
				double v = hit->e->valence * p->dom_scale;
				if (negated_at(p, t, i))
					v *= N_SCALAR;
				s2[last] = v;
				src[last] = hit->e;
				if (i > 0 && t[i - 1].xid == X_NO && !t[i - 1].neg && !ends_clause(p, t, i - 1))
					s2[i - 1] = 0;
				i = last;
				continue;
			}
		}
		if (xid == X_HELP && t[i].in_lex) {
			s2[i] *= p->help_scale;
			continue;
		}
		if (xid == X_LIKE && t[i].in_lex) {
			unsigned prev = i > 0 ? t[i - 1].xid : 0;
			if (!(i > 0 && (t[i - 1].neg || (prev >= X_I && prev <= X_ID))))
				s2[i] *= p->like_other;
			continue;
		}
		int d = s->single[xid];
		if (d < 0)
			continue;
		const scrm_domain_entry *e = &scrm_domain_lexicon[d];
		double v = s2[i];
		switch (e->kind) {
		case SCRM_DOMAIN_DURATION:
			if (!is_wait(x, i))
				break; /* not a wait: VADER's own valence, if any */
			__attribute__((fallthrough)); /* a wait is valued as a word */
		case SCRM_DOMAIN_WORD:
			if (t[i].in_lex && !t[i].is_boost)
				v = t[i].val != 0 ? s2[i] * (e->valence * p->dom_scale) / t[i].val : 0;
			else if (!t[i].in_lex)
				v = domain_valence(p, x, i, e->valence * p->dom_scale);
			break;
		case SCRM_DOMAIN_ABSENCE:
			v = negated_at(p, t, i) ? p->absence_neg : e->valence * p->dom_scale;
			break;
		case SCRM_DOMAIN_FUNCTION:
			v = negated_at(p, t, i) ? p->func_neg : 0;
			break;
		case SCRM_DOMAIN_PHRASE:
			break;
		}
		s2[i] = v;
		src[i] = e;
		/* "no" as a determiner before a word we value, as VADER does before its own */
		if (v != 0 && i > 0 && t[i - 1].xid == X_NO && src[i - 1] == NULL && !ends_clause(p, t, i - 1))
			s2[i - 1] = 0;
	}
	if (p->but_pos != 0 && x->has_but) {
		size_t bi = 0;
		while (bi < n && t[bi].xid != X_BUT)
			bi++;
		for (size_t k = 0; k < n; k++)
			s2[k] *= k < bi ? 0.5 : k > bi ? 1.5 : 1.0;
	} else if (x->has_but) {
		scrm_sentiment tmp; /* VADER's own but-check, in place */
		scrm_vader_text y = *x;
		y.any = 1;
		scrm_vader_finish(&y, s2, &tmp);
	}
	double pos_mul = x->qm ? p->q_pos : 1.0, neg_mul = p->neg_weight, len_mul = 1.0;
	if (n > 12)
		len_mul = 1.0 / (1.0 + p->len_norm * (double)(n - 12) / 12.0);
	pos_mul *= len_mul * p->gain;
	neg_mul *= len_mul * p->gain;
	int a = 0;
	for (size_t k = 0; k < n; k++) {
		s2[k] *= s2[k] > 0 ? pos_mul : neg_mul;
		a |= s2[k] != 0;
	}
	*any = a;
}

/* The neutral-zone rescaling of the compound (see DESIGN, 7). */
static double calibrate(const struct scrm_params *p, double c)
{
	double a = fabs(c), t = c > 0 ? p->dz_pos : p->dz_neg, r;
	if (t <= 0 || t >= 1)
		return c;
	if (a < t)
		r = a * (0.0499 / t);
	else if (p->dz_shape != 0)
		r = a;
	else
		r = 0.05 + (a - t) * (0.95 / (1 - t));
	r = scrm_round_even(r * 1e4) / 1e4; /* r <= 1 */
	return c < 0 ? -r : r;
}

static void scrm_finish(scrm_sent *s, const scrm_vader_text *x, scrm_sentiment *out)
{
	int any;
	scrm_valences(s, x, &any);
	memset(out, 0, sizeof *out);
	if (!any) {
		out->neu = x->n ? 1.0 : 0.0;
		return;
	}
	scrm_vader_sift(s->s2, x->n, x->ep, x->qm, out);
	out->compound = calibrate(&s->p, out->compound);
}

/* The explain terms of valences val[0..n) (src: domain entries, NULL for lexicon keys). */
static int explain(scrm_sent *s, const scrm_vader_text *x, const double *val,
		   const scrm_domain_entry *const *src, scrm_sent_explain *ex)
{
	ex->n = ex->more = 0;
	double sum[SCRM_SENT_EXPLAIN_MAX];
	for (size_t i = 0; i < x->n; i++) {
		if (val[i] == 0)
			continue;
		const char *word;
		size_t len;
		if (src && src[i]) {
			word = src[i]->text;
			len = strlen(src[i]->text);
		} else {
			len = x->tok[i].len;
			if (!s->key[i]) {
				char buf[16];
				s->key[i] = intern(s, scrm_vader_token_key(x, i, buf), len);
				if (!s->key[i]) {
					ex->n = ex->more = 0;
					return -ENOMEM;
				}
			}
			word = s->key[i];
		}
		/* a word said again adds to its entry (interned and static texts: one pointer
		 * for one text), so the 16 entries are 16 words, not the first 16 mentions */
		uint32_t k = 0;
		while (k < ex->n && ex->term[k].word != word)
			k++;
		if (k < ex->n) {
			sum[k] += val[i];
			continue;
		}
		if (ex->n == SCRM_SENT_EXPLAIN_MAX) {
			ex->more++;
			continue;
		}
		ex->term[k].word = word;
		ex->term[k].len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
		sum[k] = val[i];
		ex->n++;
	}
	for (uint32_t k = 0; k < ex->n; k++)
		ex->term[k].valence = (float)sum[k];
	return 0;
}

static int run(scrm_sent *s, const char *text, size_t len, scrm_sentiment *vader, scrm_sentiment *scrm,
	       scrm_sent_explain *ex_vader, scrm_sent_explain *ex_scrm)
{
	scrm_vader_text x;
	int rc = scrm_vader_analyze(s->v, text, len, &x);
	if (rc == 0 && (rc = reserve_scratch(s, x.n + 1)) == 0 && (ex_vader || ex_scrm))
		memset(s->key, 0, x.n * sizeof *s->key);
	if (rc == 0 && scrm) {
		scrm_finish(s, &x, scrm);
		if (ex_scrm)
			rc = explain(s, &x, s->s2, s->src, ex_scrm);
	}
	if (rc == 0 && vader) {
		scrm_vader_finish(&x, x.sent, vader);
		if (ex_vader)
			rc = explain(s, &x, x.sent, NULL, ex_vader);
	}
	if (rc < 0) {
		if (vader)
			memset(vader, 0, sizeof *vader);
		if (scrm)
			memset(scrm, 0, sizeof *scrm);
		if (ex_vader)
			ex_vader->n = ex_vader->more = 0;
		if (ex_scrm)
			ex_scrm->n = ex_scrm->more = 0;
	}
	return rc;
}

int scrm_sent_score(scrm_sent *s, scrm_sent_mode mode, const char *text, size_t len, scrm_sentiment *out,
		    scrm_sent_explain *ex)
{
	if (!s || !out || (!text && len) || (mode != SCRM_SENT_VADER && mode != SCRM_SENT_SCRM))
		return -EINVAL;
	if (mode == SCRM_SENT_VADER)
		return run(s, text, len, out, NULL, ex, NULL);
	return run(s, text, len, NULL, out, NULL, ex);
}

int scrm_sent_score_both(scrm_sent *s, const char *text, size_t len, scrm_sentiment *vader,
			 scrm_sentiment *scrm, scrm_sent_explain *ex_vader, scrm_sent_explain *ex_scrm)
{
	if (!s || !vader || !scrm || (!text && len))
		return -EINVAL;
	return run(s, text, len, vader, scrm, ex_vader, ex_scrm);
}
