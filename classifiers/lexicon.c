/*
 * lexicon.c - loader and hash tables for sentiment and emoji lexicons (see lexicon.h).
 *
 * Everything is parsed from one in-memory copy of each file; keys and descriptions are
 * copied into one arena per table so that the loaded lexicon is three flat allocations.
 */
#include "lexicon.h"
#include "utf8.h"

#include "buf.h"
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EMPTY_SLOT UINT32_MAX

#define BLOOM_WORDS 1024 /* power of two */

struct lex_slot {
	uint64_t k0, k1; /* the key's first 16 bytes, zero-padded (scrm_lexicon_hash_words) */
	double val;
	uint32_t off; /* into keys; EMPTY_SLOT when free */
	uint32_t len;
};

struct emoji_slot {
	uint32_t cp; /* EMPTY_SLOT when free */
	uint32_t off; /* into descs */
	uint32_t len;
};

struct scrm_lexicon {
	struct lex_slot *slots;
	size_t cap, count; /* cap is a power of two */
	char *keys;
	size_t keys_len, keys_cap;
	struct emoji_slot *eslots;
	size_t ecap, ecount, eunreachable, emax;
	char *descs;
	size_t descs_len, descs_cap;
	uint64_t ascii_emoji[2]; /* bit c set: code point c < 128 has an entry */
	enum scrm_lexicon_format format;
	uint64_t bloom[BLOOM_WORDS]; /* see bloom_bits() */
};

/* ------------------------------------------------------------------ hashing ---- */

/*
 * A filter in front of the table: a word's hash sets two bits of one 64-bit word of
 * bloom[] (8 KiB, from hash bits the slot index does not use). A token not in the
 * lexicon, which is most of a text's tokens and nearly all of a word cache's misses
 * (vader.c), is then usually turned away without touching the 512 KiB table: with
 * VADER's 7,500 words about 5% get through.
 */
static inline uint64_t bloom_bits(uint64_t h) { return 1ULL << (h >> 36 & 63) | 1ULL << (h >> 42 & 63); }
static inline size_t bloom_word(uint64_t h) { return (size_t)(h >> 48) & (BLOOM_WORDS - 1); }
static inline int bloom_may_have(const scrm_lexicon *lex, uint64_t h)
{
	uint64_t b = bloom_bits(h);
	return (lex->bloom[bloom_word(h)] & b) == b;
}

/* The key's first 16 bytes, zero-padded, as two words. */
static void key_words(const char *key, size_t len, uint64_t *w0, uint64_t *w1)
{
	char b[16] = {0};
	if (len) /* key may be NULL when len is 0 */
		memcpy(b, key, len < 16 ? len : 16);
	memcpy(w0, b, 8);
	memcpy(w1, b + 8, 8);
}

uint64_t scrm_lexicon_hash(const void *key, size_t len)
{
	uint64_t w0, w1;
	key_words(key, len, &w0, &w1);
	uint64_t h = scrm_lexicon_hash_words(w0, w1, len);
	if (len <= 16)
		return h;
	const unsigned char *p = (const unsigned char *)key + 16;
	len -= 16;
	while (len) { /* longer keys are rare: fold the rest in, a word at a time */
		uint64_t w = 0;
		size_t k = len < 8 ? len : 8;
		memcpy(&w, p, k);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		p += k;
		len -= k;
	}
	return h;
}

static inline uint64_t cp_hash(uint32_t cp)
{
	uint64_t h = cp * 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

/* ------------------------------------------------------------------ lookups ---- */

int scrm_lexicon_find_hashed(const scrm_lexicon *lex, const char *key, size_t len, uint64_t hash,
			     double *valence)
{
	if (!bloom_may_have(lex, hash))
		return 0;
	uint64_t w0, w1;
	key_words(key, len, &w0, &w1);
	size_t mask = lex->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		const struct lex_slot *s = &lex->slots[i];
		if (s->off == EMPTY_SLOT)
			return 0;
		if (s->len == len && s->k0 == w0 && s->k1 == w1 &&
		    (len <= 16 || memcmp(lex->keys + s->off + 16, key + 16, len - 16) == 0)) {
			*valence = s->val;
			return 1;
		}
	}
}

int scrm_lexicon_find_words(const scrm_lexicon *lex, uint64_t w0, uint64_t w1, size_t len, uint64_t hash,
			    double *valence)
{
	if (!bloom_may_have(lex, hash))
		return 0;
	size_t mask = lex->cap - 1; /* len <= 16 (not asserted: this is the per-token path) */
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		const struct lex_slot *s = &lex->slots[i];
		if (s->off == EMPTY_SLOT)
			return 0;
		if (s->k0 == w0 && s->k1 == w1 && s->len == len) {
			*valence = s->val;
			return 1;
		}
	}
}

int scrm_lexicon_find(const scrm_lexicon *lex, const char *key, size_t len, double *valence)
{
	return scrm_lexicon_find_hashed(lex, key, len, scrm_lexicon_hash(key, len), valence);
}

const char *scrm_lexicon_emoji(const scrm_lexicon *lex, uint32_t cp, size_t *len)
{
	if (lex->ecount == 0)
		return NULL;
	size_t mask = lex->ecap - 1;
	for (size_t i = cp_hash(cp) & mask;; i = (i + 1) & mask) {
		const struct emoji_slot *s = &lex->eslots[i];
		if (s->cp == EMPTY_SLOT)
			return NULL;
		if (s->cp == cp) {
			*len = s->len;
			return lex->descs + s->off;
		}
	}
}

int scrm_lexicon_emoji_has_ascii(const scrm_lexicon *lex, unsigned char c)
{
	return c < 128 && (lex->ascii_emoji[c >> 6] >> (c & 63) & 1);
}

size_t scrm_lexicon_emoji_max_len(const scrm_lexicon *lex) { return lex->emax; }
size_t scrm_lexicon_size(const scrm_lexicon *lex) { return lex->count; }
size_t scrm_lexicon_emoji_size(const scrm_lexicon *lex) { return lex->ecount; }
size_t scrm_lexicon_emoji_unreachable(const scrm_lexicon *lex) { return lex->eunreachable; }
enum scrm_lexicon_format scrm_lexicon_format(const scrm_lexicon *lex) { return lex->format; }

/* ------------------------------------------------------------------ building ---- */

static int arena_put(char **buf, size_t *len, size_t *cap, const char *s, size_t n, uint32_t *off)
{
	if (n > UINT32_MAX / 2 || *len + n > UINT32_MAX / 2)
		return -E2BIG;
	if (*len + n > *cap || !*buf) { /* allocate even for n == 0: offsets point into it */
		size_t ncap = *cap ? *cap : 4096;
		while (ncap < *len + n)
			ncap *= 2;
		char *nb = realloc(*buf, ncap);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
	if (n)
		memcpy(*buf + *len, s, n);
	*off = (uint32_t)*len;
	*len += n;
	return 0;
}

static int lex_grow(scrm_lexicon *lex)
{
	size_t ncap = lex->cap ? lex->cap * 2 : 1024;
	struct lex_slot *ns = malloc(ncap * sizeof *ns);
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < ncap; i++)
		ns[i].off = EMPTY_SLOT;
	for (size_t i = 0; i < lex->cap; i++) {
		const struct lex_slot *s = &lex->slots[i];
		if (s->off == EMPTY_SLOT)
			continue;
		size_t j = scrm_lexicon_hash(lex->keys + s->off, s->len) & (ncap - 1);
		while (ns[j].off != EMPTY_SLOT)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(lex->slots);
	lex->slots = ns;
	lex->cap = ncap;
	return 0;
}

static int lex_put(scrm_lexicon *lex, const char *key, size_t len, double val)
{
	int rc;
	if ((lex->count + 1) * 2 > lex->cap && (rc = lex_grow(lex)) < 0)
		return rc;
	uint64_t h = scrm_lexicon_hash(key, len), w0, w1;
	key_words(key, len, &w0, &w1);
	size_t mask = lex->cap - 1, i;
	for (i = h & mask; lex->slots[i].off != EMPTY_SLOT; i = (i + 1) & mask) {
		struct lex_slot *s = &lex->slots[i];
		if (s->len == len && s->k0 == w0 && s->k1 == w1 && memcmp(lex->keys + s->off, key, len) == 0) {
			s->val = val; /* a duplicate: the last one wins, as in a Python dict */
			return 0;
		}
	}
	uint32_t off;
	if ((rc = arena_put(&lex->keys, &lex->keys_len, &lex->keys_cap, key, len, &off)) < 0)
		return rc;
	lex->slots[i] = (struct lex_slot){.k0 = w0, .k1 = w1, .off = off, .len = (uint32_t)len, .val = val};
	lex->bloom[bloom_word(h)] |= bloom_bits(h);
	lex->count++;
	return 0;
}

static int emoji_grow(scrm_lexicon *lex)
{
	size_t ncap = lex->ecap ? lex->ecap * 2 : 1024;
	struct emoji_slot *ns = malloc(ncap * sizeof *ns);
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < ncap; i++)
		ns[i].cp = EMPTY_SLOT;
	for (size_t i = 0; i < lex->ecap; i++) {
		const struct emoji_slot *s = &lex->eslots[i];
		if (s->cp == EMPTY_SLOT)
			continue;
		size_t j = cp_hash(s->cp) & (ncap - 1);
		while (ns[j].cp != EMPTY_SLOT)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(lex->eslots);
	lex->eslots = ns;
	lex->ecap = ncap;
	return 0;
}

static int emoji_put(scrm_lexicon *lex, uint32_t cp, const char *desc, size_t len)
{
	int rc;
	if ((lex->ecount + 1) * 2 > lex->ecap && (rc = emoji_grow(lex)) < 0)
		return rc;
	uint32_t off;
	if ((rc = arena_put(&lex->descs, &lex->descs_len, &lex->descs_cap, desc, len, &off)) < 0)
		return rc;
	if (len > lex->emax)
		lex->emax = len;
	size_t mask = lex->ecap - 1, i;
	for (i = cp_hash(cp) & mask; lex->eslots[i].cp != EMPTY_SLOT; i = (i + 1) & mask)
		if (lex->eslots[i].cp == cp)
			break;
	if (lex->eslots[i].cp == EMPTY_SLOT)
		lex->ecount++;
	lex->eslots[i] = (struct emoji_slot){.cp = cp, .off = off, .len = (uint32_t)len};
	if (cp < 128)
		lex->ascii_emoji[cp >> 6] |= 1ULL << (cp & 63);
	return 0;
}

/* ------------------------------------------------------------------ parsing ---- */

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}


static int is_ws(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

/* A field as a printable snippet for error messages. */
static const char *snip(const char *s, size_t n, char *buf, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < cap; i++)
		buf[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (n > 0 && k + 4 >= cap)
		buf[k++] = '.', buf[k++] = '.', buf[k++] = '.';
	buf[k] = 0;
	return buf;
}

/* Python float() for the usual spellings: decimal or exponent form, surrounding
 * whitespace allowed; also rejects nan/inf/hex, which no lexicon uses. */
static int parse_double(const char *s, size_t n, double *out)
{
	char tmp[64];
	while (n && is_ws((unsigned char)*s))
		s++, n--;
	while (n && is_ws((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof tmp)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
			return -1;
	}
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (end != tmp + n || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int parse_int(const char *s, size_t n, double *out)
{
	size_t i = 0;
	long v = 0;
	int neg = 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == n || n - i > 9)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = (double)(neg ? -v : v);
	return 0;
}

struct field {
	const char *p;
	size_t n;
};

/* Strip the line, split on TAB into at most `max` fields; returns the field count
 * (the last field keeps any further TABs only when max is reached: callers ask for
 * enough). 0 for a blank line. */
static size_t split_line(const char *p, size_t n, struct field *f, size_t max)
{
	while (n && is_ws((unsigned char)*p))
		p++, n--;
	while (n && is_ws((unsigned char)p[n - 1]))
		n--;
	if (n == 0)
		return 0;
	size_t k = 0;
	const char *end = p + n;
	while (k < max) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		f[k].p = p;
		f[k].n = (size_t)((tab ? tab : end) - p);
		k++;
		if (!tab)
			return k;
		p = tab + 1;
	}
	return k + 1; /* more fields than max; f[max - 1] ends at its TAB */
}

/* A lexicon file must be UTF-8 throughout: say on which line it stops being so. */
static int check_utf8(const char *buf, size_t len, const char *name, char *err, size_t errlen)
{
	size_t ok = scrm_utf8_valid_prefix((const unsigned char *)buf, len);
	if (ok == len)
		return 0;
	size_t line = 1;
	for (size_t i = 0; i < ok; i++)
		line += buf[i] == '\n';
	errf(err, errlen, "%s:%zu: not valid UTF-8", name, line);
	return -EINVAL;
}

/* The next line of [*p, end) without its '\n' (length in *len), or NULL at the end. */
static const char *next_line(const char **p, const char *end, size_t *len)
{
	if (*p >= end)
		return NULL;
	const char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));
	*len = (size_t)((nl ? nl : end) - line);
	*p = nl ? nl + 1 : end;
	return line;
}

/* A bare CR inside a stripped line: a file with CR-only (old Mac) line endings, which
 * would otherwise load as one line whose later entries sit unread in its last field. */
static int cr_inside(const char *line, size_t n, const char *name, size_t lineno, char *err, size_t errlen)
{
	while (n && is_ws((unsigned char)*line)) /* stripped as split_line() strips */
		line++, n--;
	while (n && is_ws((unsigned char)line[n - 1]))
		n--;
	if (memchr(line, '\r', n)) {
		errf(err, errlen, "%s:%zu: a CR inside the line (a file with CR-only line endings?)", name, lineno);
		return -EINVAL;
	}
	return 0;
}

/* The word list. Every line is read as VADER's (token, mean, then optional std and
 * ratings); the file is AFINN's when every entry is word<TAB>integer. */
static int parse_words(scrm_lexicon *lex, const char *buf, size_t len, const char *name, char *err,
		       size_t errlen)
{
	char sn[48];
	int vrc = check_utf8(buf, len, name, err, errlen);
	if (vrc)
		return vrc;
	/* a file saved on Windows starts with a byte-order mark: not part of the first word */
	const char *p = buf + scrm_utf8_bom(buf, len), *end = buf + len, *line;
	size_t lineno = 0, llen;
	bool afinn = true, any = false;
	while ((line = next_line(&p, end, &llen))) {
		struct field f[5];
		lineno++;
		size_t nf = split_line(line, llen, f, 4);
		if (nf == 0)
			continue;
		if ((vrc = cr_inside(line, llen, name, lineno, err, errlen)) < 0)
			return vrc;
		if (nf < 2) {
			errf(err, errlen, "%s:%zu: expected TAB-separated fields (word<TAB>valence, VADER's or AFINN's format), got '%s'",
			     name, lineno, snip(f[0].p, f[0].n, sn, sizeof sn));
			return -EINVAL;
		}
		double v, sd;
		if (parse_double(f[1].p, f[1].n, &v) < 0) {
			errf(err, errlen, "%s:%zu: expected a number (mean valence) in field 2, got '%s'", name, lineno,
			     snip(f[1].p, f[1].n, sn, sizeof sn));
			return -EINVAL;
		}
		if (nf >= 3 && parse_double(f[2].p, f[2].n, &sd) < 0) {
			errf(err, errlen, "%s:%zu: expected a number (std dev) in field 3, got '%s'", name, lineno,
			     snip(f[2].p, f[2].n, sn, sizeof sn));
			return -EINVAL;
		}
		if (fabs(v) > SCRM_LEXICON_MAX_VALENCE) {
			errf(err, errlen, "%s:%zu: valence %g is out of range (at most %g either way)", name, lineno, v,
			     (double)SCRM_LEXICON_MAX_VALENCE);
			return -EINVAL;
		}
		afinn &= nf == 2 && parse_int(f[1].p, f[1].n, &sd) == 0;
		any = true;
		int rc = lex_put(lex, f[0].p, f[0].n, v);
		if (rc < 0) {
			errf(err, errlen, "%s:%zu: %s", name, lineno, strerror(-rc));
			return rc;
		}
	}
	lex->format = !any ? SCRM_LEXICON_EMPTY : afinn ? SCRM_LEXICON_AFINN : SCRM_LEXICON_VADER;
	return 0;
}

static uint32_t utf8_decode1(const unsigned char *s, size_t n, size_t *used)
{
	unsigned c = s[0];
	if (c < 0x80 || n < 2) {
		*used = 1;
		return c;
	}
	if (c < 0xE0) {
		*used = 2;
		return (c & 0x1F) << 6 | (s[1] & 0x3F);
	}
	if (c < 0xF0 || n < 4) {
		*used = 3;
		return (c & 0x0F) << 12 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F);
	}
	*used = 4;
	return (c & 0x07) << 18 | (s[1] & 0x3F) << 12 | (s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

static int parse_emoji(scrm_lexicon *lex, const char *buf, size_t len, const char *name, char *err,
		       size_t errlen)
{
	char sn[48];
	int vrc = check_utf8(buf, len, name, err, errlen);
	if (vrc)
		return vrc;
	const char *p = buf + scrm_utf8_bom(buf, len), *end = buf + len, *line; /* as in parse_words() */
	size_t lineno = 0, llen;
	while ((line = next_line(&p, end, &llen))) {
		struct field f[3];
		lineno++;
		size_t nf = split_line(line, llen, f, 2);
		if (nf == 0)
			continue;
		if (nf < 2) {
			errf(err, errlen, "%s:%zu: expected emoji<TAB>description, got '%s'", name, lineno,
			     snip(f[0].p, f[0].n, sn, sizeof sn));
			return -EINVAL;
		}
		/* further fields are ignored: the reference keeps fields [0:2] */
		if ((vrc = cr_inside(line, llen, name, lineno, err, errlen)) < 0)
			return vrc;
		size_t used;
		uint32_t cp = utf8_decode1((const unsigned char *)f[0].p, f[0].n, &used);
		if (used == f[0].n && cp < 128 && (((cp | 32) >= 'a' && (cp | 32) <= 'z') || (cp >= '0' && cp <= '9'))) {
			errf(err, errlen,
			     "%s:%zu: key '%s' is an ASCII letter or digit: it would replace that character inside every word (is this the word lexicon?)",
			     name, lineno, snip(f[0].p, f[0].n, sn, sizeof sn));
			return -EINVAL;
		}
		if (used != f[0].n) {
			lex->eunreachable++;
			continue;
		}
		int rc = emoji_put(lex, cp, f[1].p, f[1].n);
		if (rc < 0) {
			errf(err, errlen, "%s:%zu: %s", name, lineno, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int scrm_lexicon_load_mem(scrm_lexicon **out, const char *lexbuf, size_t lex_len, const char *lex_name,
			  const char *emoji, size_t emoji_len, const char *emoji_name, char *err, size_t errlen)
{
	int rc;
	assert(out);
	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	if (!lexbuf && lex_len)
		return -EINVAL;
	scrm_lexicon *lex = calloc(1, sizeof *lex);
	if (!lex)
		return -ENOMEM;
	if ((rc = lex_grow(lex)) < 0 || (rc = emoji_grow(lex)) < 0) {
		errf(err, errlen, "%s: %s", lex_name, strerror(-rc));
		goto fail_lex;
	}
	if ((rc = parse_words(lex, lexbuf, lex_len, lex_name ? lex_name : "lexicon", err, errlen)) < 0)
		goto fail_lex;
	if (emoji &&
	    (rc = parse_emoji(lex, emoji, emoji_len, emoji_name ? emoji_name : "emoji lexicon", err, errlen)) < 0)
		goto fail_lex;
	*out = lex;
	return 0;
fail_lex:
	scrm_lexicon_free(lex);
	return rc;
}

static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	int rc;
	FILE *f = scrm_fopen_input(path);
	if (!f) {
		rc = -errno;
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	if (!b) {
		rc = -ENOMEM;
		goto fail_file;
	}
	for (;;) {
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f)) {
				rc = -EIO;
				goto fail_buf;
			}
			break;
		}
		char *nb = realloc(b, cap * 2);
		if (!nb) {
			rc = -ENOMEM;
			goto fail_buf;
		}
		b = nb;
		cap *= 2;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail_buf:
	free(b);
fail_file:
	errf(err, errlen, "%s: %s", path, strerror(-rc));
	fclose(f);
	return rc;
}

int scrm_lexicon_load(scrm_lexicon **out, const char *lexicon_path, const char *emoji_path, char *err,
		      size_t errlen)
{
	char *lb = NULL, *eb = NULL;
	size_t ll = 0, el = 0;
	int rc;
	assert(out && lexicon_path);
	*out = NULL;
	if ((rc = read_file(lexicon_path, &lb, &ll, err, errlen)) < 0)
		return rc;
	if (emoji_path && (rc = read_file(emoji_path, &eb, &el, err, errlen)) < 0)
		goto out_lex;
	rc = scrm_lexicon_load_mem(out, lb, ll, lexicon_path, eb, el, emoji_path, err, errlen);
	if (rc == 0 && emoji_path && scrm_lexicon_emoji_size(*out) + scrm_lexicon_emoji_unreachable(*out) == 0) {
		scrm_lexicon_free(*out); /* as for the words below */
		*out = NULL;
		errf(err, errlen, "%s: no emoji lexicon entries (expected emoji<TAB>description lines)", emoji_path);
		rc = -EINVAL;
	} else if (rc == 0 && scrm_lexicon_size(*out) == 0) {
		/* (the reference takes an empty file as an empty dict; a file given to score
		 * with is a mistake: every text would come out neutral) */
		scrm_lexicon_free(*out);
		*out = NULL;
		errf(err, errlen, "%s: no lexicon entries (expected word<TAB>valence lines, VADER's or AFINN's format)",
		     lexicon_path);
		rc = -EINVAL;
	}
	free(eb);
out_lex:
	free(lb);
	return rc;
}

void scrm_lexicon_free(scrm_lexicon *lex)
{
	if (!lex)
		return;
	free(lex->slots);
	free(lex->keys);
	free(lex->eslots);
	free(lex->descs);
	free(lex);
}

const char *scrm_lexicon_path(const char *given, char *err, size_t errlen)
{
	if (given)
		return given;
	const char *env = getenv("SCRM_LEXICON");
	if (env && *env)
		return env;
	if (access(SCRM_LEXICON_DEFAULT, R_OK) == 0)
		return SCRM_LEXICON_DEFAULT;
	errf(err, errlen, "no lexicon: pass --lexicon FILE (scripts/fetch-lexicons.sh fetches the default one into "
			  SCRM_LEXICON_DEFAULT ")");
	return NULL;
}
