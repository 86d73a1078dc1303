/*
 * featurize.c - hashed features for the linear classifier (see featurize.h for what is
 * produced and why).
 *
 * One call: tokenize into the scratch (lower-cased token bytes + spans), write every
 * feature string into the name buffer and hash it where it lies, sort the entries by
 * index, merge, weigh, normalize, add the dense extras, sort and merge again. The
 * scratch arrays only ever grow, so a warm extractor does not allocate.
 */
#include "featurize.h"
#include "buf.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* the n-grams are short: the inlined hash saves the call per feature */
#include <xxhash.h>

#define TOK_MAX 64    /* bytes of a token kept; the rest of a longer token is dropped */
#define NAME_MAX_ 160 /* room always left in the name buffer before writing one name */

typedef struct tok {
	uint32_t off; /* into scrm_feat.tok */
	uint16_t len;
	uint8_t plain; /* an ordinary word: gets char n-grams */
} tok;

typedef struct ent {
	uint32_t idx;
	uint32_t name; /* offset into scrm_feat.names */
	float val;
	uint8_t kind;
} ent;

struct scrm_feat {
	scrm_feat_opts o;
	uint32_t mask;

	char *tok; /* token bytes */
	size_t tok_cap;
	tok *toks;
	size_t toks_cap;
	char *names;
	size_t names_len, names_cap;
	ent *ents;
	size_t ents_len, ents_cap;
	ent *sort_tmp; /* the radix sort's other buffer */
	size_t sort_tmp_cap;

	/* the output vector's arrays */
	uint32_t *idx;
	float *val;
	uint8_t *kind;
	const char **name;
	size_t out_cap;
};

void scrm_feat_opts_default(scrm_feat_opts *o)
{
	memset(o, 0, sizeof *o);
	o->dim_bits = SCRM_FEAT_DIM_BITS_DEFAULT;
	o->signed_hash = 1;
	o->char_min = 3;
	o->char_max = 5;
	o->kinds = SCRM_FEAT_K_ALL;
}

int scrm_feat_opts_check(const scrm_feat_opts *o)
{
	if (!o || o->dim_bits < SCRM_FEAT_DIM_BITS_MIN || o->dim_bits > SCRM_FEAT_DIM_BITS_MAX)
		return -EINVAL;
	if (o->signed_hash > 1 || (o->kinds & ~(uint32_t)SCRM_FEAT_K_ALL) || o->kinds == 0)
		return -EINVAL;
	if ((o->kinds & SCRM_FEAT_K(SCRM_FEAT_CHAR)) &&
	    (o->char_min < 1 || o->char_min > o->char_max || o->char_max > 8))
		return -EINVAL;
	return 0;
}

static int kind_of(const char *s, size_t n)
{
	for (unsigned k = 0; k < SCRM_FEAT_NKINDS; k++)
		if (strlen(scrm_feat_kind_name(k)) == n && strncmp(scrm_feat_kind_name(k), s, n) == 0)
			return (int)k;
	return -1;
}

/* A decimal in s[0..n) into *v, 0..max; -1 if it is not one. */
static int small_num(const char *s, size_t n, unsigned max, unsigned *v)
{
	unsigned x = 0;
	if (n == 0 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (unsigned)(s[i] - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

int scrm_feat_opts_parse(const char *spec, scrm_feat_opts *o, char *err, size_t errlen)
{
	if (!spec || !o)
		return -EINVAL;
	int bare_seen = 0;
	const char *p = spec;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		unsigned a, b;
		int k;
		if (n > 6 && strncmp(p, "chars=", 6) == 0) {
			const char *dash = memchr(p + 6, '-', n - 6);
			if (!dash || small_num(p + 6, (size_t)(dash - p - 6), 8, &a) ||
			    small_num(dash + 1, (size_t)(p + n - dash - 1), 8, &b) || a < 1 || a > b) {
				snprintf(err, errlen, "feature spec: '%.*s': want chars=A-B with 1 <= A <= B <= 8", (int)n, p);
				return -EINVAL;
			}
			o->char_min = (uint8_t)a;
			o->char_max = (uint8_t)b;
		} else if (n > 4 && strncmp(p, "dim=", 4) == 0) {
			if (small_num(p + 4, n - 4, 99, &a) || a < SCRM_FEAT_DIM_BITS_MIN || a > SCRM_FEAT_DIM_BITS_MAX) {
				snprintf(err, errlen, "feature spec: '%.*s': want dim=D with %d <= D <= %d", (int)n, p,
					 SCRM_FEAT_DIM_BITS_MIN, SCRM_FEAT_DIM_BITS_MAX);
				return -EINVAL;
			}
			o->dim_bits = (uint8_t)a;
		} else if (n > 1 && (p[0] == '-' || p[0] == '+') && (k = kind_of(p + 1, n - 1)) >= 0) {
			if (p[0] == '-')
				o->kinds &= ~SCRM_FEAT_K(k);
			else
				o->kinds |= SCRM_FEAT_K(k);
		} else if ((k = kind_of(p, n)) >= 0) {
			if (!bare_seen)
				o->kinds = 0;
			bare_seen = 1;
			o->kinds |= SCRM_FEAT_K(k);
		} else {
			snprintf(err, errlen,
				 "feature spec: unknown item '%.*s' (kinds: word bigram char punct len cue sent reply, "
				 "as KIND, -KIND or +KIND; chars=A-B; dim=D)",
				 (int)n, p);
			return -EINVAL;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (o->kinds == 0) {
		snprintf(err, errlen, "feature spec '%s' leaves no feature kind", spec);
		return -EINVAL;
	}
	return scrm_feat_opts_check(o);
}

int scrm_feat_spec_check(const char *spec, char *err, size_t errlen)
{
	scrm_feat_opts o;
	scrm_feat_opts_default(&o);
	return scrm_feat_opts_parse(spec, &o, err, errlen);
}

const char *scrm_feat_kind_name(unsigned kind)
{
	static const char *const names[SCRM_FEAT_NKINDS] = {"word", "bigram", "char", "punct",
							     "len",  "cue",    "sent", "reply"};
	return kind < SCRM_FEAT_NKINDS ? names[kind] : kind == SCRM_FEAT_AUX ? "aux" : kind == SCRM_FEAT_ENC ? "enc" : "?";
}

int scrm_feat_create(scrm_feat **out, const scrm_feat_opts *o)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (scrm_feat_opts_check(o) < 0)
		return -EINVAL;
	scrm_feat *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	f->o = *o;
	f->mask = (uint32_t)((1ull << o->dim_bits) - 1);
	*out = f;
	return 0;
}

void scrm_feat_free(scrm_feat *f)
{
	if (!f)
		return;
	free(f->tok);
	free(f->toks);
	free(f->names);
	free(f->ents);
	free(f->sort_tmp);
	free(f->idx);
	free(f->val);
	free(f->kind);
	free(f->name);
	free(f);
}

const scrm_feat_opts *scrm_feat_options(const scrm_feat *f)
{
	return &f->o;
}

/* ---- tokenizer ---- */

/* Decode one code point at s[0..n) (n >= 1); invalid bytes read as U+FFFD, length 1. */
static uint32_t utf8_cp(const unsigned char *s, size_t n, size_t *clen)
{
	unsigned c = s[0];
	size_t need;
	uint32_t cp;
	if (c < 0x80) {
		*clen = 1;
		return c;
	} else if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		cp = c & 0x07;
	} else {
		*clen = 1;
		return 0xFFFD;
	}
	if (need > n) {
		*clen = 1;
		return 0xFFFD;
	}
	for (size_t k = 1; k < need; k++) {
		if ((s[k] & 0xC0) != 0x80) {
			*clen = 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[k] & 0x3F);
	}
	*clen = need;
	return cp;
}

/* Dropped silently: variation selectors, ZWJ, keycap, skin tones, tag characters. */
static int cp_is_modifier(uint32_t cp)
{
	return cp == 0xFE0F || cp == 0xFE0E || cp == 0x200D || cp == 0x20E3 ||
	       (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F);
}

static int cp_is_emoji(uint32_t cp)
{
	return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
	       (cp >= 0x2300 && cp <= 0x23FF) || (cp >= 0x2B00 && cp <= 0x2BFF) || cp == 0x3030 ||
	       cp == 0x303D;
}

/* Non-ASCII separators: Latin-1 punctuation and spaces, general punctuation, CJK
 * punctuation, fullwidth ASCII punctuation, the replacement-free BOM. */
static int cp_is_sep(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
	       (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) || cp == 0xFEFF;
}

static int ascii_word(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Is s[i..n) the start of a word character (ASCII alnum/_ or a non-ASCII letter)? */
static int word_at(const unsigned char *s, size_t n, size_t i, size_t *clen)
{
	if (s[i] < 0x80) {
		*clen = 1;
		return ascii_word(s[i]);
	}
	uint32_t cp = utf8_cp(s + i, n - i, clen);
	return !(cp_is_emoji(cp) || cp_is_modifier(cp) || cp_is_sep(cp));
}

static int prefix_ci(const unsigned char *s, size_t n, const char *p)
{
	size_t k = 0;
	for (; p[k]; k++)
		if (k >= n || (s[k] | 0x20) != (unsigned char)p[k])
			return 0;
	return 1;
}

static int push_tok(scrm_feat *f, size_t *ntok, size_t *tlen, const char *b, size_t len, int plain)
{
	if (scrm_array_grow((void **)&f->toks, &f->toks_cap, *ntok + 1, sizeof(tok), 64) < 0 ||
	    scrm_array_grow((void **)&f->tok, &f->tok_cap, *tlen + len, 1, 64) < 0)
		return -ENOMEM;
	memcpy(f->tok + *tlen, b, len);
	f->toks[*ntok] = (tok){.off = (uint32_t)*tlen, .len = (uint16_t)len, .plain = (uint8_t)plain};
	*tlen += len;
	(*ntok)++;
	return 0;
}

/* Split the text into tokens (see featurize.h). Returns the count or -ENOMEM. */
static long tokenize(scrm_feat *f, const unsigned char *s, size_t n)
{
	size_t ntok = 0, tlen = 0, i = 0, cl;
	char w[TOK_MAX + 4];
	while (i < n) {
		unsigned c = s[i];
		if (c <= 0x20 || c == 0x7F) {
			i++;
			continue;
		}
		if ((c == 'h' || c == 'H' || c == 'w' || c == 'W') &&
		    (prefix_ci(s + i, n - i, "http://") || prefix_ci(s + i, n - i, "https://") ||
		     prefix_ci(s + i, n - i, "www."))) {
			while (i < n && s[i] > 0x20)
				i++;
			if (push_tok(f, &ntok, &tlen, "<url>", 5, 0) < 0)
				return -ENOMEM;
			continue;
		}
		if (c == '@' && i + 1 < n && ascii_word(s[i + 1])) {
			for (i++; i < n && ascii_word(s[i]); i++)
				;
			if (push_tok(f, &ntok, &tlen, "<user>", 6, 0) < 0)
				return -ENOMEM;
			continue;
		}
		if (c == '&') { /* an HTML entity such as &amp; or &#39; is skipped whole */
			size_t j = i + 1;
			if (j < n && s[j] == '#')
				j++;
			while (j < n && j - i <= 9 && ascii_word(s[j]))
				j++;
			if (j < n && s[j] == ';' && j > i + 1) {
				i = j + 1;
				continue;
			}
			i++;
			continue;
		}
		if (c == '?' || c == '!') {
			while (i < n && s[i] == c)
				i++;
			if (push_tok(f, &ntok, &tlen, c == '?' ? "?" : "!", 1, 0) < 0)
				return -ENOMEM;
			continue;
		}
		int hashtag = c == '#' && i + 1 < n && word_at(s, n, i + 1, &cl);
		if (!hashtag && c < 0x80 && !ascii_word(c)) {
			i++; /* other ASCII punctuation */
			continue;
		}
		if (!hashtag && c >= 0x80) {
			uint32_t cp = utf8_cp(s + i, n - i, &cl);
			if (cp_is_modifier(cp) || cp_is_sep(cp)) {
				i += cl;
				continue;
			}
			if (cp_is_emoji(cp)) {
				if (push_tok(f, &ntok, &tlen, (const char *)s + i, cl, 0) < 0)
					return -ENOMEM;
				i += cl;
				continue;
			}
		}
		/* A word (or the body of a hashtag): word chars, inner apostrophes, and
		 * '.' ',' ':' between digits. Kept lower-cased, truncated to TOK_MAX bytes. */
		size_t wl = 0, lim = TOK_MAX; /* lim drops to wl once a code point does not fit */
		int digits_only = !hashtag;
		if (hashtag) {
			w[wl++] = '#';
			i++;
		}
		while (i < n) {
			unsigned d = s[i];
			size_t adv;
			if (word_at(s, n, i, &adv)) {
				if (d < 0x80) {
					if (!(d >= '0' && d <= '9'))
						digits_only = 0;
					if (wl < lim)
						w[wl++] = (char)(d >= 'A' && d <= 'Z' ? d | 0x20 : d);
				} else {
					uint32_t cp = utf8_cp(s + i, n - i, &adv);
					digits_only = 0;
					if (cp == 0xFFFD && adv == 1) {
						if (wl < lim)
							w[wl++] = (char)d;
					} else if (wl + adv <= lim) {
						memcpy(w + wl, s + i, adv);
						wl += adv;
					} else {
						lim = wl; /* full: keep whole code points only (setting wl
							 * to TOK_MAX here kept unwritten bytes: the fuzzer
							 * found names that changed between calls) */
					}
				}
				i += adv;
				continue;
			}
			/* apostrophe (' or U+2019/U+2018) between word chars */
			size_t alen = 0;
			if (d == '\'')
				alen = 1;
			else if (d == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0x99 || s[i + 2] == 0x98))
				alen = 3;
			if (alen && wl > 0 && i + alen < n && word_at(s, n, i + alen, &adv)) {
				if (wl < lim)
					w[wl++] = '\'';
				digits_only = 0;
				i += alen;
				continue;
			}
			if ((d == '.' || d == ',' || d == ':') && wl > 0 && w[wl - 1] >= '0' && w[wl - 1] <= '9' &&
			    i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
				if (wl < lim)
					w[wl++] = (char)d;
				i++;
				continue;
			}
			break;
		}
		if (wl == 0)
			continue;
		int rc = digits_only ? push_tok(f, &ntok, &tlen, "<num>", 5, 0)
				     : push_tok(f, &ntok, &tlen, w, wl, !hashtag);
		if (rc < 0)
			return -ENOMEM;
	}
	return (long)ntok;
}

/* ---- feature emission ---- */

/* Make room for one more entry and one name of at most NAME_MAX_ bytes. */
static int reserve(scrm_feat *f)
{
	if (f->ents_len + 1 <= f->ents_cap && f->names_len + NAME_MAX_ <= f->names_cap)
		return 0; /* the usual case, without two calls per feature */
	if (scrm_array_grow((void **)&f->ents, &f->ents_cap, f->ents_len + 1, sizeof(ent), 64) < 0 ||
	    scrm_array_grow((void **)&f->names, &f->names_cap, f->names_len + NAME_MAX_, 1, 64) < 0)
		return -ENOMEM;
	return 0;
}

/* The name (already written at f->names + names_len, nl bytes) becomes an entry. */
static void commit(scrm_feat *f, size_t nl, unsigned kind, float val)
{
	char *nm = f->names + f->names_len;
	uint64_t h = XXH3_64bits(nm, nl);
	nm[nl] = 0;
	float sign = (f->o.signed_hash && (h >> 63)) ? -1.0f : 1.0f;
	f->ents[f->ents_len++] = (ent){
		.idx = (uint32_t)h & f->mask, .name = (uint32_t)f->names_len, .val = sign * val, .kind = (uint8_t)kind};
	f->names_len += nl + 1;
}

/* Emit prefix + up to three pieces (b/c may be NULL). */
static int emit(scrm_feat *f, unsigned kind, float val, const char *pre, const char *a, size_t al,
		const char *b, size_t bl)
{
	if (reserve(f) < 0)
		return -ENOMEM;
	size_t pl = strlen(pre);
	assert(pl + al + bl + 1 < NAME_MAX_);
	char *nm = f->names + f->names_len;
	memcpy(nm, pre, pl);
	memcpy(nm + pl, a, al);
	if (b)
		memcpy(nm + pl + al, b, bl);
	commit(f, pl + al + bl, kind, val);
	return 0;
}

/*
 * Sort e[0..n) by (idx, kind), stably. Entries are appended in name order, so this is the
 * order (idx, kind, name), which makes the sums below the same whatever the sort. An LSD
 * radix sort (kind, then idx a byte at a time) rather than qsort: a tweet has ~200
 * entries, and qsort's calls through a comparator were the classifier's largest cost.
 */
static int sort_ents(scrm_feat *f, ent *e, size_t n)
{
	if (n < 2)
		return 0;
	if (n <= 24) { /* insertion sort, stable */
		for (size_t i = 1; i < n; i++) {
			ent x = e[i];
			size_t j = i;
			while (j > 0 && (e[j - 1].idx > x.idx || (e[j - 1].idx == x.idx && e[j - 1].kind > x.kind))) {
				e[j] = e[j - 1];
				j--;
			}
			e[j] = x;
		}
		return 0;
	}
	if (scrm_array_grow((void **)&f->sort_tmp, &f->sort_tmp_cap, n, sizeof(ent), 256) < 0)
		return -ENOMEM;
	/* the key is idx << 4 | kind (kinds < 16, idx < 2^24): ceil((D + 4) / 8) byte passes,
	 * all their counts taken in one read */
	unsigned bits = 4;
	for (uint32_t m = f->mask; m; m >>= 1)
		bits++;
	unsigned passes = (bits + 7) / 8;
	uint32_t cnt[4][256];
	memset(cnt, 0, sizeof cnt[0] * passes);
#define KEY(x) ((x).idx << 4 | (uint32_t)(x).kind)
	for (size_t i = 0; i < n; i++) {
		uint32_t k = KEY(e[i]);
		for (unsigned p = 0; p < passes; p++)
			cnt[p][(k >> (8 * p)) & 255u]++;
	}
	ent *src = e, *dst = f->sort_tmp;
	for (unsigned p = 0; p < passes; p++) {
		unsigned sh = 8 * p;
		uint32_t *c = cnt[p];
		if (c[(KEY(src[0]) >> sh) & 255u] == n)
			continue; /* one digit value: the pass would not move anything */
		uint32_t sum = 0;
		for (unsigned d = 0; d < 256; d++) {
			uint32_t t = c[d];
			c[d] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(KEY(src[i]) >> sh) & 255u]++] = src[i];
		ent *t = src;
		src = dst;
		dst = t;
	}
#undef KEY
	if (src != e)
		memcpy(e, src, n * sizeof(ent));
	return 0;
}

/* Sort ents[0..n) and merge equal indices (and equal kinds if by_kind), summing values;
 * entries that cancel to 0 are dropped. Returns the new end, or -ENOMEM. */
static long sum_equal(ent *e, size_t n, int by_kind);

static long sort_merge(scrm_feat *f, size_t n, int by_kind)
{
	if (sort_ents(f, f->ents, n) < 0)
		return -ENOMEM;
	return sum_equal(f->ents, n, by_kind);
}

/*
 * The same when ents[0..sorted) are already in order: sort the tail alone and merge the
 * two runs. On equal (idx, kind) the first run goes first: its names come first.
 */
static long sort_merge_tail(scrm_feat *f, size_t sorted, size_t n, int by_kind)
{
	if (n == sorted) /* nothing appended (and with no entries at all, ents may be NULL) */
		return sum_equal(f->ents, n, by_kind);
	ent *e = f->ents;
	if (sort_ents(f, e + sorted, n - sorted) < 0 ||
	    scrm_array_grow((void **)&f->sort_tmp, &f->sort_tmp_cap, n, sizeof(ent), 256) < 0)
		return -ENOMEM;
	ent *t = f->sort_tmp;
	size_t i = 0, j = sorted, o = 0;
	while (i < sorted && j < n) {
		if (e[j].idx < e[i].idx || (e[j].idx == e[i].idx && e[j].kind < e[i].kind))
			t[o++] = e[j++];
		else
			t[o++] = e[i++];
	}
	while (i < sorted)
		t[o++] = e[i++];
	while (j < n)
		t[o++] = e[j++];
	memcpy(e, t, n * sizeof(ent));
	return sum_equal(e, n, by_kind);
}

/* Merge equal neighbours of sorted e[0..n) (see sort_merge). */
static long sum_equal(ent *e, size_t n, int by_kind)
{
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		if (w > 0 && e[w - 1].idx == e[r].idx && (!by_kind || e[w - 1].kind == e[r].kind)) {
			e[w - 1].val += e[r].val;
			continue;
		}
		if (w > 0 && e[w - 1].val == 0.0f)
			w--;
		e[w++] = e[r];
	}
	if (w > 0 && e[w - 1].val == 0.0f)
		w--;
	return (long)w;
}

static int char_ngrams(scrm_feat *f, const char *t, size_t tl)
{
	/* "<" + word + ">" and the byte offset of each code point in it */
	char pad[TOK_MAX + 2];
	uint16_t pos[TOK_MAX + 3];
	size_t pl = 0, ncp = 0, cl;
	pad[pl++] = '<';
	memcpy(pad + pl, t, tl);
	pl += tl;
	pad[pl++] = '>';
	for (size_t i = 0; i < pl; i += cl) {
		pos[ncp++] = (uint16_t)i;
		utf8_cp((const unsigned char *)pad + i, pl - i, &cl);
	}
	pos[ncp] = (uint16_t)pl;
	for (size_t L = f->o.char_min; L <= f->o.char_max; L++)
		for (size_t st = 0; st + L <= ncp; st++)
			if (emit(f, SCRM_FEAT_CHAR, 1.0f, "c:", pad + pos[st], pos[st + L] - pos[st], NULL, 0) < 0)
				return -ENOMEM;
	return 0;
}

static int emit_text(scrm_feat *f, const unsigned char *s, size_t n)
{
	uint32_t k = f->o.kinds;
	if (!(k & (SCRM_FEAT_K(SCRM_FEAT_WORD) | SCRM_FEAT_K(SCRM_FEAT_BIGRAM) | SCRM_FEAT_K(SCRM_FEAT_CHAR))))
		return 0;
	long nt = tokenize(f, s, n);
	if (nt < 0)
		return -ENOMEM;
	for (long i = 0; i < nt; i++) {
		const tok *t = &f->toks[i];
		const char *tb = f->tok + t->off;
		if ((k & SCRM_FEAT_K(SCRM_FEAT_WORD)) && emit(f, SCRM_FEAT_WORD, 1.0f, "w:", tb, t->len, NULL, 0) < 0)
			return -ENOMEM;
		if ((k & SCRM_FEAT_K(SCRM_FEAT_BIGRAM)) && i + 1 < nt) {
			const tok *u = &f->toks[i + 1];
			char mid[TOK_MAX + 1];
			mid[0] = '|';
			memcpy(mid + 1, f->tok + u->off, u->len);
			if (emit(f, SCRM_FEAT_BIGRAM, 1.0f, "b:", tb, t->len, mid, (size_t)u->len + 1) < 0)
				return -ENOMEM;
		}
		if ((k & SCRM_FEAT_K(SCRM_FEAT_CHAR)) && t->plain && char_ngrams(f, tb, t->len) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int emit_num(scrm_feat *f, unsigned kind, const char *name, float v)
{
	return emit(f, kind, v, "", name, strlen(name), NULL, 0);
}

static int emit_extras(scrm_feat *f, const unsigned char *s, size_t n, const scrm_feat_extras *x)
{
	uint32_t k = f->o.kinds;
	char buf[32];
	if (k & SCRM_FEAT_K(SCRM_FEAT_PUNCT)) {
		unsigned q = 0, e = 0;
		for (size_t i = 0; i < n; i++) {
			q += s[i] == '?';
			e += s[i] == '!';
		}
		if (q && (emit_num(f, SCRM_FEAT_PUNCT, "p:?", 1.0f) < 0 ||
			  emit_num(f, SCRM_FEAT_PUNCT, "p:?n", (q > 3 ? 3 : q) / 3.0f) < 0))
			return -ENOMEM;
		if (e && (emit_num(f, SCRM_FEAT_PUNCT, "p:!", 1.0f) < 0 ||
			  emit_num(f, SCRM_FEAT_PUNCT, "p:!n", (e > 3 ? 3 : e) / 3.0f) < 0))
			return -ENOMEM;
	}
	if (k & SCRM_FEAT_K(SCRM_FEAT_LEN)) {
		static const size_t lim[] = {20, 50, 100, 140, 200};
		unsigned b = 0;
		while (b < 5 && n >= lim[b])
			b++;
		char lb[6] = {'l', 'e', 'n', ':', (char)('0' + b), 0};
		if (emit_num(f, SCRM_FEAT_LEN, lb, 1.0f) < 0)
			return -ENOMEM;
	}
	if (!x)
		return 0;
	if ((k & SCRM_FEAT_K(SCRM_FEAT_CUE)) && x->cue_ids)
		for (uint32_t i = 0; i < x->n_cues; i++) {
			/* "cue:%u" without printf (once per cue per record) */
			char dig[8];
			size_t nd = 0, o = 0;
			unsigned id = x->cue_ids[i];
			do {
				dig[nd++] = (char)('0' + id % 10);
				id /= 10;
			} while (id);
			memcpy(buf, "cue:", 4);
			o = 4;
			while (nd)
				buf[o++] = dig[--nd];
			buf[o] = 0;
			if (emit_num(f, SCRM_FEAT_CUE, buf, 1.0f) < 0)
				return -ENOMEM;
		}
	if ((k & SCRM_FEAT_K(SCRM_FEAT_SENT)) && x->sent) {
		const scrm_sentiment *st = x->sent;
		double c = isfinite(st->compound) ? st->compound : 0.0;
		const char *pol = c >= 0.05 ? "s:polarity=+" : c <= -0.05 ? "s:polarity=-" : "s:polarity=0";
		if (emit_num(f, SCRM_FEAT_SENT, "s:compound", (float)c) < 0 ||
		    emit_num(f, SCRM_FEAT_SENT, "s:pos", isfinite(st->pos) ? (float)st->pos : 0.0f) < 0 ||
		    emit_num(f, SCRM_FEAT_SENT, "s:neg", isfinite(st->neg) ? (float)st->neg : 0.0f) < 0 ||
		    emit_num(f, SCRM_FEAT_SENT, pol, 1.0f) < 0)
			return -ENOMEM;
	}
	if ((k & SCRM_FEAT_K(SCRM_FEAT_REPLY)) && x->is_reply >= 0 &&
	    emit_num(f, SCRM_FEAT_REPLY, x->is_reply ? "reply:1" : "reply:0", 1.0f) < 0)
		return -ENOMEM;
	return 0;
}

/* Sort and merge the entries appended after the sorted ents[0..nt), and copy the result
 * to the output arrays that *out points to. */
static int finish(scrm_feat *f, size_t nt, scrm_feat_vec *out)
{
	long sn = sort_merge_tail(f, nt, f->ents_len, 0);
	if (sn < 0)
		return -ENOMEM;
	size_t n = (size_t)sn;

	if (n > f->out_cap) {
		/* the four output arrays share one capacity */
		size_t cap = f->out_cap ? f->out_cap : 64;
		while (cap < n)
			cap *= 2;
		uint32_t *ix = realloc(f->idx, cap * sizeof(uint32_t));
		if (!ix)
			return -ENOMEM;
		f->idx = ix;
		float *v = realloc(f->val, cap * sizeof(float));
		if (!v)
			return -ENOMEM;
		f->val = v;
		uint8_t *kd = realloc(f->kind, cap);
		if (!kd)
			return -ENOMEM;
		f->kind = kd;
		const char **nm = realloc(f->name, cap * sizeof(char *));
		if (!nm)
			return -ENOMEM;
		f->name = nm;
		f->out_cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		f->idx[i] = f->ents[i].idx;
		f->val[i] = f->ents[i].val;
		f->kind[i] = f->ents[i].kind;
		f->name[i] = f->names + f->ents[i].name;
	}
	out->n = (uint32_t)n;
	out->idx = f->idx;
	out->val = f->val;
	out->kind = f->kind;
	out->name = f->name;
	return 0;
}

int scrm_feat_extract(scrm_feat *f, const char *text, size_t len, const scrm_feat_extras *x,
		      scrm_feat_vec *out)
{
	if (!f || !out || (!text && len))
		return -EINVAL;
	memset(out, 0, sizeof *out);
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	f->ents_len = 0;
	f->names_len = 0;
	if (emit_text(f, s, len) < 0)
		return -ENOMEM;

	/* count -> 1 + ln(count) (keeping the hash sign), then unit L2 per block */
	long snt = sort_merge(f, f->ents_len, 1);
	if (snt < 0)
		return -ENOMEM;
	size_t nt = (size_t)snt;
	double ss_w = 0, ss_c = 0;
	for (size_t i = 0; i < nt; i++) {
		ent *e = &f->ents[i];
		float a = fabsf(e->val);
		e->val = copysignf(1.0f + logf(a), e->val);
		if (e->kind == SCRM_FEAT_CHAR)
			ss_c += (double)e->val * e->val;
		else
			ss_w += (double)e->val * e->val;
	}
	float sc_w = ss_w > 0 ? (float)(1.0 / sqrt(ss_w)) : 0, sc_c = ss_c > 0 ? (float)(1.0 / sqrt(ss_c)) : 0;
	for (size_t i = 0; i < nt; i++)
		f->ents[i].val *= f->ents[i].kind == SCRM_FEAT_CHAR ? sc_c : sc_w;
	f->ents_len = nt;

	if (emit_extras(f, s, len, x) < 0)
		return -ENOMEM;
	return finish(f, nt, out);
}

int scrm_feat_append(scrm_feat *f, scrm_feat_vec *v, unsigned kind, const char *const *names, const float *vals,
		     uint32_t n)
{
	if (!f || !v || (n && (!names || !vals)) || (v->n && v->idx != f->idx))
		return -EINVAL;
	/* ents[0..v->n) still hold @v, sorted and merged, with their names */
	size_t nt = v->n;
	f->ents_len = nt;
	for (uint32_t i = 0; i < n; i++) {
		size_t nl = strnlen(names[i], SCRM_FEAT_APPEND_NAME_MAX);
		if (emit(f, kind, vals[i], "", names[i], nl, NULL, 0) < 0) {
			v->n = 0;
			return -ENOMEM;
		}
	}
	int rc = finish(f, nt, v);
	if (rc < 0)
		v->n = 0;
	return rc;
}

/* ---- training store ---- */

struct scrm_feat_set {
	unsigned dim_bits;
	size_t n, rows_cap; /* vectors */
	size_t *row;        /* n + 1 offsets into the entry arrays */
	uint32_t *idx;
	float *val;
	uint8_t *kind;
	size_t len, cap; /* entries */
	/* one name per index: open addressing, key idx + 1 (0 = empty) */
	uint32_t *hkey;
	uint32_t *hname; /* offset into names */
	size_t hcap, hused;
	char *names;
	size_t names_len, names_cap;
};

int scrm_feat_set_create(scrm_feat_set **out, unsigned dim_bits)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (dim_bits < SCRM_FEAT_DIM_BITS_MIN || dim_bits > SCRM_FEAT_DIM_BITS_MAX)
		return -EINVAL;
	scrm_feat_set *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->dim_bits = dim_bits;
	s->row = malloc(sizeof(size_t));
	if (!s->row) {
		free(s);
		return -ENOMEM;
	}
	s->row[0] = 0;
	s->rows_cap = 1;
	*out = s;
	return 0;
}

void scrm_feat_set_free(scrm_feat_set *s)
{
	if (!s)
		return;
	free(s->row);
	free(s->idx);
	free(s->val);
	free(s->kind);
	free(s->hkey);
	free(s->hname);
	free(s->names);
	free(s);
}

static size_t hslot(uint32_t idx, size_t cap)
{
	return (size_t)((idx * 0x9E3779B1u) & (uint32_t)(cap - 1));
}

static int set_rehash(scrm_feat_set *s)
{
	size_t ncap = s->hcap ? s->hcap * 2 : 1024;
	uint32_t *k = calloc(ncap, sizeof *k), *nm = malloc(ncap * sizeof *nm);
	if (!k || !nm) {
		free(k);
		free(nm);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->hcap; i++) {
		if (!s->hkey[i])
			continue;
		size_t j = hslot(s->hkey[i] - 1, ncap);
		while (k[j])
			j = (j + 1) & (ncap - 1);
		k[j] = s->hkey[i];
		nm[j] = s->hname[i];
	}
	free(s->hkey);
	free(s->hname);
	s->hkey = k;
	s->hname = nm;
	s->hcap = ncap;
	return 0;
}

static int set_name(scrm_feat_set *s, uint32_t idx, const char *name)
{
	if ((s->hused + 1) * 2 > s->hcap && set_rehash(s) < 0)
		return -ENOMEM;
	size_t j = hslot(idx, s->hcap);
	while (s->hkey[j]) {
		if (s->hkey[j] == idx + 1)
			return 0; /* first name seen wins */
		j = (j + 1) & (s->hcap - 1);
	}
	size_t nl = strlen(name) + 1;
	if (scrm_array_grow((void **)&s->names, &s->names_cap, s->names_len + nl, 1, 64) < 0)
		return -ENOMEM;
	if (s->names_len > UINT32_MAX - nl)
		return -ENOMEM;
	memcpy(s->names + s->names_len, name, nl);
	s->hkey[j] = idx + 1;
	s->hname[j] = (uint32_t)s->names_len;
	s->names_len += nl;
	s->hused++;
	return 0;
}

int scrm_feat_set_add(scrm_feat_set *s, const scrm_feat_vec *v)
{
	if (!s || !v || (v->n && (!v->idx || !v->val)))
		return -EINVAL;
	uint32_t dim = 1u << s->dim_bits;
	for (uint32_t i = 0; i < v->n; i++)
		if (v->idx[i] >= dim)
			return -EINVAL;
	size_t need = s->len + v->n, cap = s->cap;
	if (scrm_array_grow((void **)&s->idx, &cap, need, sizeof(uint32_t), 64) < 0)
		return -ENOMEM;
	if (cap != s->cap) {
		float *nv = realloc(s->val, cap * sizeof(float));
		if (!nv)
			return -ENOMEM; /* idx grew; cap stays: the next call retries */
		s->val = nv;
		uint8_t *nk = realloc(s->kind, cap);
		if (!nk)
			return -ENOMEM;
		s->kind = nk;
		s->cap = cap;
	}
	if (scrm_array_grow((void **)&s->row, &s->rows_cap, s->n + 2, sizeof(size_t), 64) < 0)
		return -ENOMEM;
	if (v->name)
		for (uint32_t i = 0; i < v->n; i++)
			if (v->name[i] && set_name(s, v->idx[i], v->name[i]) < 0)
				return -ENOMEM;
	memcpy(s->idx + s->len, v->idx, v->n * sizeof(uint32_t));
	memcpy(s->val + s->len, v->val, v->n * sizeof(float));
	if (v->kind)
		memcpy(s->kind + s->len, v->kind, v->n);
	else
		memset(s->kind + s->len, 0, v->n);
	s->len += v->n;
	s->row[++s->n] = s->len;
	return 0;
}

size_t scrm_feat_set_count(const scrm_feat_set *s)
{
	return s->n;
}

unsigned scrm_feat_set_dim_bits(const scrm_feat_set *s)
{
	return s->dim_bits;
}

void scrm_feat_set_get(const scrm_feat_set *s, size_t i, scrm_feat_vec *out)
{
	assert(i < s->n);
	size_t a = s->row[i];
	out->n = (uint32_t)(s->row[i + 1] - a);
	out->idx = s->idx + a;
	out->val = s->val + a;
	out->kind = s->kind + a;
	out->name = NULL;
}

const char *scrm_feat_set_name(const scrm_feat_set *s, uint32_t idx)
{
	if (!s->hcap)
		return NULL;
	size_t j = hslot(idx, s->hcap);
	while (s->hkey[j]) {
		if (s->hkey[j] == idx + 1)
			return s->names + s->hname[j];
		j = (j + 1) & (s->hcap - 1);
	}
	return NULL;
}
