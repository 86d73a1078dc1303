/*
 * test_vader.c - the VADER scorer (classifiers/vader.c) and the lexicon loader
 * (classifiers/lexicon.c).
 *
 *   - exactness against the reference outputs in ../shared/corpora/vader-reference
 *     (cjhutto/vaderSentiment @ 44fc044) on every set there: compound within 1e-4 and
 *     pos/neu/neg within 1e-3 on >= 99.9 % of texts; the disagreements are printed;
 *   - one hand-computed case per rule of the algorithm;
 *   - the loader: both formats, line-numbered errors, empty files, duplicates.
 *
 * Throughput on one core over all reference texts (off by default):
 *   SCRM_BENCH=1 ./build/tests/one_vader --jobs 1 --filter 'vader/bench*' --verbose
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lexicon.h"
#include "vader.h"

#define CORPORA "../shared/corpora/"
#define REFDIR CORPORA "vader-reference/"
#define LEXICON CORPORA "lexicons/vader/vader_lexicon.txt"
#define EMOJI CORPORA "lexicons/vader/emoji_utf8_lexicon.txt"

/* ---------------------------------------------------------------- helpers ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0, got;
	char *b = malloc(cap + 1);
	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(b, (cap *= 2) + 1);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	if (b)
		b[n] = 0;
	*len = n;
	return b;
}

/* One TSV file, fields unescaped in place (\\ \t \n \r). */
typedef struct tsv {
	char *buf;
	size_t ncol, nrow;
	char **cell; /* nrow * ncol, row 0 is the header */
	size_t *clen;
} tsv;

static size_t unescape(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[++i];
			s[o++] = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

static int tsv_load(tsv *t, const char *path)
{
	size_t len;
	memset(t, 0, sizeof *t);
	t->buf = slurp(path, &len);
	if (!t->buf)
		return -1;
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += t->buf[i] == '\n';
	char *nl = memchr(t->buf, '\n', len);
	t->ncol = 1;
	for (char *q = t->buf; q < (nl ? nl : t->buf + len); q++)
		t->ncol += *q == '\t';
	t->cell = calloc((lines + 1) * t->ncol, sizeof *t->cell);
	t->clen = calloc((lines + 1) * t->ncol, sizeof *t->clen);
	char *p = t->buf, *end = t->buf + len;
	while (p < end) {
		char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		size_t c = 0;
		char *f = p;
		for (char *q = p; q <= e && c < t->ncol; q++) {
			if (q == e || *q == '\t') {
				t->cell[t->nrow * t->ncol + c] = f;
				t->clen[t->nrow * t->ncol + c] = unescape(f, (size_t)(q - f));
				f[t->clen[t->nrow * t->ncol + c]] = 0; /* overwrites the TAB/LF */
				c++;
				f = q + 1;
			}
		}
		t->nrow++;
		p = e + 1;
	}
	return 0;
}

static void tsv_free(tsv *t)
{
	free(t->buf);
	free(t->cell);
	free(t->clen);
}

static long tsv_col(const tsv *t, const char *name)
{
	for (size_t c = 0; c < t->ncol; c++)
		if (t->cell[c] && strcmp(t->cell[c], name) == 0)
			return (long)c;
	return -1;
}

static scrm_lexicon *load_ref_lexicon(void)
{
	char err[256];
	scrm_lexicon *lex = NULL;
	int rc = scrm_lexicon_load(&lex, LEXICON, EMOJI, err, sizeof err);
	cr_assert_eq(rc, 0, "%s", err);
	return lex;
}

static int have_corpora(void)
{
	if (access(LEXICON, R_OK) == 0 && access(REFDIR, R_OK) == 0)
		return 1;
	return 0;
}


/* ------------------------------------------------------ exactness on the sets ---- */

struct idrow {
	const char *id;
	const char *text;
	size_t len;
};

static int idrow_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idrow *)a)->id, ((const struct idrow *)b)->id);
}

/* The reference file <set>.dev.tsv scores ../shared/corpora/<set>/dev.*.tsv. */
static int find_source(const char *set, char *path, size_t cap)
{
	static const char *const names[] = {"dev.tweets.tsv", "dev.groundtruth.tsv"};
	for (size_t k = 0; k < 2; k++) {
		snprintf(path, cap, CORPORA "%s/%s", set, names[k]);
		if (access(path, R_OK) == 0)
			return 0;
	}
	return -1;
}

struct agreement {
	size_t n, missing, compound_off, pnn_off, exact;
};

static struct agreement check_set(scrm_vader *v, const char *set)
{
	struct agreement a = {0};
	char refpath[512], srcpath[512];
	tsv ref, src;
	snprintf(refpath, sizeof refpath, REFDIR "%s.dev.tsv", set);
	cr_assert_eq(find_source(set, srcpath, sizeof srcpath), 0, "no source set for %s", set);
	cr_assert_eq(tsv_load(&ref, refpath), 0, "%s", refpath);
	cr_assert_eq(tsv_load(&src, srcpath), 0, "%s", srcpath);
	long sid = tsv_col(&src, "id"), stext = tsv_col(&src, "text");
	long rid = tsv_col(&ref, "id"), rneg = tsv_col(&ref, "neg"), rneu = tsv_col(&ref, "neu"),
	     rpos = tsv_col(&ref, "pos"), rcomp = tsv_col(&ref, "compound");
	cr_assert(sid >= 0 && stext >= 0 && rid >= 0 && rneg >= 0 && rneu >= 0 && rpos >= 0 && rcomp >= 0);

	struct idrow *rows = calloc(src.nrow, sizeof *rows);
	size_t nr = 0;
	for (size_t r = 1; r < src.nrow; r++) {
		char **c = &src.cell[r * src.ncol];
		if (!c[sid] || !c[stext])
			continue;
		rows[nr++] = (struct idrow){c[sid], c[stext], src.clen[r * src.ncol + (size_t)stext]};
	}
	qsort(rows, nr, sizeof *rows, idrow_cmp);

	for (size_t r = 1; r < ref.nrow; r++) {
		char **c = &ref.cell[r * ref.ncol];
		if (!c[rid] || !c[rcomp])
			continue;
		struct idrow key = {.id = c[rid]};
		const struct idrow *row = bsearch(&key, rows, nr, sizeof *rows, idrow_cmp);
		a.n++;
		if (!row) {
			a.missing++;
			continue;
		}
		scrm_sentiment s;
		cr_assert_eq(scrm_vader_score(v, row->text, row->len, &s), 0);
		double want_neg = atof(c[rneg]), want_neu = atof(c[rneu]), want_pos = atof(c[rpos]),
		       want_comp = atof(c[rcomp]);
		int comp_bad = fabs(s.compound - want_comp) > 1e-4 + 1e-12;
		int pnn_bad = fabs(s.neg - want_neg) > 1e-3 + 1e-12 || fabs(s.neu - want_neu) > 1e-3 + 1e-12 ||
			      fabs(s.pos - want_pos) > 1e-3 + 1e-12;
		a.exact += s.compound == want_comp && s.neg == want_neg && s.neu == want_neu && s.pos == want_pos;
		a.compound_off += comp_bad;
		a.pnn_off += pnn_bad;
		if (comp_bad || pnn_bad)
			printf("vader %s: disagreement id=%s text=\"%.*s\"\n  ours neg=%g neu=%g pos=%g "
			       "compound=%g\n  ref  neg=%g neu=%g pos=%g compound=%g\n",
			       set, row->id, (int)row->len, row->text, s.neg, s.neu, s.pos, s.compound, want_neg,
			       want_neu, want_pos, want_comp);
	}
	free(rows);
	tsv_free(&ref);
	tsv_free(&src);
	return a;
}

Test(vader, exact_against_reference_all_sets, .timeout = 120)
{
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora (lexicon or vader-reference) not found; run from the repo root");
		return;
	}
	scrm_lexicon *lex = load_ref_lexicon();
	scrm_vader *v = scrm_vader_create(lex);
	cr_assert_not_null(v);
	DIR *d = opendir(REFDIR);
	cr_assert_not_null(d);
	struct dirent *e;
	size_t nsets = 0;
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		const char *suf = ".dev.tsv";
		if (nl <= strlen(suf) || strcmp(e->d_name + nl - strlen(suf), suf) != 0)
			continue;
		char set[256];
		snprintf(set, sizeof set, "%.*s", (int)(nl - strlen(suf)), e->d_name);
		struct agreement a = check_set(v, set);
		nsets++;
		double cok = 100.0 * (double)(a.n - a.compound_off - a.missing) / (double)a.n;
		double pok = 100.0 * (double)(a.n - a.pnn_off - a.missing) / (double)a.n;
		printf("vader %-20s n=%zu missing=%zu compound<=1e-4: %.3f%% (%zu off)  pos/neu/neg<=1e-3: "
		       "%.3f%% (%zu off), bit-identical %zu\n",
		       set, a.n, a.missing, cok, a.compound_off, pok, a.pnn_off, a.exact);
		cr_expect_eq(a.missing, 0, "%s: %zu reference ids not in the set", set, a.missing);
		cr_expect_geq(cok, 99.9, "%s: compound agrees on %.3f%% only", set, cok);
		cr_expect_geq(pok, 99.9, "%s: pos/neu/neg agree on %.3f%% only", set, pok);
	}
	closedir(d);
	cr_expect_geq(nsets, 1, "no reference sets in " REFDIR);
	scrm_vader_free(v);
	scrm_lexicon_free(lex);
}

/* One core, all texts of all reference sets, best and median of 5 passes. */
static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

Test(vader, bench_texts_per_second, .timeout = 300)
{
	if (!getenv("SCRM_BENCH")) {
		cr_skip_test("set SCRM_BENCH=1 to measure");
		return;
	}
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora not found");
		return;
	}
	scrm_lexicon *lex = load_ref_lexicon();
	scrm_vader *v = scrm_vader_create(lex);
	static const char *const sets[] = {"airline-sentiment", "complaints", "semeval2017-4a", "sentiment140-test",
					   "vader-amazon", "vader-movie", "vader-nyt", "vader-tweets"};
	tsv t[8];
	size_t ntext = 0, nbytes = 0;
	for (size_t k = 0; k < 8; k++) {
		char path[512];
		cr_assert_eq(find_source(sets[k], path, sizeof path), 0);
		cr_assert_eq(tsv_load(&t[k], path), 0);
		long c = tsv_col(&t[k], "text");
		for (size_t r = 1; r < t[k].nrow; r++)
			if (t[k].cell[r * t[k].ncol + (size_t)c])
				ntext++, nbytes += t[k].clen[r * t[k].ncol + (size_t)c];
	}
	double rates[5];
	double check = 0;
	for (int pass = -1; pass < 5; pass++) { /* pass -1 warms up */
		struct timespec a, b;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		for (size_t k = 0; k < 8; k++) {
			long c = tsv_col(&t[k], "text");
			for (size_t r = 1; r < t[k].nrow; r++) {
				const char *s = t[k].cell[r * t[k].ncol + (size_t)c];
				if (!s)
					continue;
				scrm_sentiment o;
				scrm_vader_score(v, s, t[k].clen[r * t[k].ncol + (size_t)c], &o);
				check += o.compound;
			}
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		double sec = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
		if (pass >= 0)
			rates[pass] = (double)ntext / sec;
	}
	qsort(rates, 5, sizeof rates[0], dcmp);
	printf("vader bench: %zu texts (%zu bytes, mean %.0f B) per pass, one core (thread CPU time): "
	       "best %.0f texts/s, median %.0f texts/s, %.1f MB/s median (checksum %.4f)\n",
	       ntext, nbytes, (double)nbytes / (double)ntext, rates[4], rates[2],
	       rates[2] * (double)nbytes / (double)ntext / 1e6, check);
	for (size_t k = 0; k < 8; k++)
		tsv_free(&t[k]);
	scrm_vader_free(v);
	scrm_lexicon_free(lex);
}

/* ----------------------------------------------------------- rule by rule ---- */

/*
 * Each case is worked out by hand from the reference's rules with the lexicon values
 * good 1.9, bad -2.5, shit -2.6, problems -1.7, no -1.2, smiling 2.0 (every other word
 * here is not in the lexicon, or is a booster/negation). `sent` in the comments is the
 * reference's `sentiments` list; then score_valence: compound = normalize(sum + punct),
 * pos/neg/neu = (pos_sum | neg_sum | neutral count) / total, rounded.
 */
struct rule_case {
	const char *text;
	double neg, neu, pos, compound;
};

static const struct rule_case rule_cases[] = {
	/* plain: sent [0 0 0 1.9]; 1.9/sqrt(1.9^2+15) = 0.44044; 2.9/5.9, 3/5.9 */
	{"The book was good.", 0.0, 0.508, 0.492, 0.4404},
	/* negation, 1 back: [0, 1.9*-0.74 = -1.406] */
	{"not good", 0.706, 0.294, 0.0, -0.3412},
	/* booster then negation 2 back: [0, 0, (1.9+0.293)*-0.74] */
	{"not very good", 0.567, 0.433, 0.0, -0.3865},
	/* "never so": [0, 0, (1.9+0.293)*1.25] */
	{"never so good", 0.0, 0.348, 0.652, 0.5777},
	/* "but": before x0.5, after x1.5: [0.95, 0, -3.75] */
	{"good but bad", 0.617, 0.13, 0.253, -0.5859},
	/* ALL CAPS with some words not in caps: [1.9+0.733, 0] */
	{"GOOD movie", 0.0, 0.216, 0.784, 0.5622},
	/* all words in caps: no emphasis: [1.9] */
	{"GOOD", 0.0, 0.0, 1.0, 0.4404},
	/* capitalised booster: scalar 0.293+0.733: [0, 1.9+1.026, 0] */
	{"VERY good movie", 0.0, 0.337, 0.663, 0.6028},
	/* "least" negates unless after "at"/"very": [0, 0, 1.9*-0.74] */
	{"the least good", 0.546, 0.454, 0.0, -0.3412},
	{"at least good", 0.0, 0.408, 0.592, 0.4404},
	{"least good", 0.706, 0.294, 0.0, -0.3412},
	/* "kind of": "kind" (2.4 in the lexicon) scores 0, and the bigram is a dampener
	 * 3 words back: [0, 0, 0, 0, 1.9-0.293] */
	{"it is kind of good", 0.0, 0.605, 0.395, 0.3832},
	/* special idiom "the shit" (checked from the 4th word on): [0, 0, 0, 3] */
	{"this is the shit", 0.0, 0.429, 0.571, 0.6124},
	/* punctuation: ! adds 0.292 each (at most 4); 2-3 ? add 0.18 each, more add 0.96 */
	{"good!", 0.0, 0.0, 1.0, 0.4926},
	{"good??", 0.0, 0.0, 1.0, 0.504},
	{"good????", 0.0, 0.0, 1.0, 0.594},
	{"good!!!!!!", 0.0, 0.0, 1.0, 0.6209},
	/* "no" before a lexicon word scores 0 and negates it: [0, -1.406] */
	{"no good", 0.706, 0.294, 0.0, -0.3412},
	{"no problems", 0.0, 0.307, 0.693, 0.3089},
	/* emoji -> "beaming face with smiling eyes": [0 0 0 2.0 0] */
	{"\xF0\x9F\x98\x81", 0.0, 0.571, 0.429, 0.4588},
	{"good\xF0\x9F\x98\x81", 0.0, 0.404, 0.596, 0.7096},
	/* a space is put before the description but not after: "...eyesgood" */
	{"x\xF0\x9F\x98\x81good", 0.0, 0.625, 0.375, 0.4588},
	/* the README examples of the reference */
	{"VADER is smart, handsome, and funny.", 0.0, 0.254, 0.746, 0.8316},
	{"VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.0, 0.294, 0.706, 0.9469},
	{"VADER is not smart, handsome, nor funny.", 0.646, 0.354, 0.0, -0.7424},
	{"The plot was good, but the characters are uncompelling and the dialog is not great.", 0.327, 0.579,
	 0.094, -0.7042},
	{"Today only kinda sux! But I'll get by, lol", 0.127, 0.556, 0.317, 0.5249},
	{"Make sure you :) or :D today!", 0.0, 0.294, 0.706, 0.8633},
	/* str.isupper() beyond ASCII: "ДА" is all caps, so every word is and there is no
	 * emphasis ([1.9, 0]); "да" is not, so GOOD gets +0.733 */
	{"GOOD \xD0\x94\xD0\x90", 0.0, 0.256, 0.744, 0.4404},
	{"GOOD \xD0\xB4\xD0\xB0", 0.0, 0.216, 0.784, 0.5622},
	/* Unicode whitespace splits (U+3000), punctuation strips only ASCII */
	{"not\xE3\x80\x80good", 0.706, 0.294, 0.0, -0.3412},
	/* nothing to score */
	{"", 0.0, 0.0, 0.0, 0.0},
	{" \t\n\xE3\x80\x80 ", 0.0, 0.0, 0.0, 0.0},
};

Test(vader, rules_hand_computed)
{
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora/lexicons not found");
		return;
	}
	scrm_lexicon *lex = load_ref_lexicon();
	scrm_vader *v = scrm_vader_create(lex);
	for (size_t k = 0; k < sizeof rule_cases / sizeof rule_cases[0]; k++) {
		const struct rule_case *c = &rule_cases[k];
		scrm_sentiment s;
		cr_assert_eq(scrm_vader_score(v, c->text, strlen(c->text), &s), 0);
		cr_expect(s.neg == c->neg && s.neu == c->neu && s.pos == c->pos && s.compound == c->compound,
			  "\"%s\": got neg %g neu %g pos %g compound %g, want %g %g %g %g", c->text, s.neg, s.neu,
			  s.pos, s.compound, c->neg, c->neu, c->pos, c->compound);
	}
	scrm_vader_free(v);
	scrm_lexicon_free(lex);
}

/* A small lexicon of our own: the rules need no third-party file. */
static const char mini_lex[] = "good\t1.9\t0.9\t[2, 2]\n"
			       "bad\t-2.5\t0.5\t[-2, -3]\n"
			       "no\t-1.2\t0.5\t[-1]\n"
			       "smiling\t2.0\t0.5\t[2]\n";
static const char mini_emoji[] = "\xF0\x9F\x98\x81\tbeaming face with smiling eyes\n"
				 "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBB\tthumbs up: light skin tone\n";

Test(vader, rules_without_corpora)
{
	char err[256];
	scrm_lexicon *lex;
	cr_assert_eq(scrm_lexicon_load_mem(&lex, mini_lex, sizeof mini_lex - 1, "mini", mini_emoji,
					   sizeof mini_emoji - 1, "mini-emoji", err, sizeof err),
		     0, "%s", err);
	scrm_vader *v = scrm_vader_create(lex);
	scrm_sentiment s;
	static const char *const texts[] = {"not very good", "good but bad", "GOOD movie", "no good",
					    "x\xF0\x9F\x98\x81good"};
	static const double want[][4] = {{0.567, 0.433, 0.0, -0.3865},
					 {0.617, 0.13, 0.253, -0.5859},
					 {0.0, 0.216, 0.784, 0.5622},
					 {0.706, 0.294, 0.0, -0.3412},
					 {0.0, 0.625, 0.375, 0.4588}};
	for (size_t k = 0; k < 5; k++) {
		cr_assert_eq(scrm_vader_score(v, texts[k], strlen(texts[k]), &s), 0);
		cr_expect(s.neg == want[k][0] && s.neu == want[k][1] && s.pos == want[k][2] &&
				  s.compound == want[k][3],
			  "\"%s\": %g %g %g %g", texts[k], s.neg, s.neu, s.pos, s.compound);
	}
	/* not NUL-terminated: only the first 4 bytes count */
	cr_assert_eq(scrm_vader_score(v, "goodXXXX", 4, &s), 0);
	cr_expect_eq(s.compound, 0.4404);
	/* invalid UTF-8 is read, not rejected */
	static const char invalid[] = "good \xff\xfe bad \xc3";
	cr_assert_eq(scrm_vader_score(v, invalid, sizeof invalid - 1, &s), 0);
	cr_expect_lt(s.compound, 0);
	cr_expect_eq(scrm_vader_score(v, NULL, 3, &s), -EINVAL);
	scrm_vader_free(v);
	scrm_lexicon_free(lex);
}

Test(vader, long_text_and_scratch_reuse)
{
	scrm_lexicon *lex;
	cr_assert_eq(scrm_lexicon_load_mem(&lex, mini_lex, sizeof mini_lex - 1, "mini", mini_emoji,
					   sizeof mini_emoji - 1, "e", NULL, 0),
		     0);
	scrm_vader *v = scrm_vader_create(lex);
	size_t n = 200000;
	char *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = "good bad \xF0\x9F\x98\x81 but no "[i % 22];
	scrm_sentiment s, t;
	cr_assert_eq(scrm_vader_score(v, big, n, &s), 0);
	cr_expect(s.compound >= -1 && s.compound <= 1);
	cr_assert_eq(scrm_vader_score(v, "good", 4, &t), 0);
	cr_expect_eq(t.compound, 0.4404);
	free(big);
	scrm_vader_free(v);
	scrm_lexicon_free(lex);
	scrm_vader_free(NULL);
}

Test(vader, python_round)
{
	cr_expect_eq(scrm_py_round(2.675, 2), 2.67); /* 2.67499999... in binary */
	cr_expect_eq(scrm_py_round(0.125, 2), 0.12); /* exact tie: to even */
	cr_expect_eq(scrm_py_round(0.375, 2), 0.38);
	cr_expect_eq(scrm_py_round(-0.125, 2), -0.12);
	cr_expect_eq(scrm_py_round(0.0005, 3), 0.001);
	cr_expect_eq(scrm_py_round(2.5, 0), 2.0);
	cr_expect_eq(scrm_py_round(0.00015, 4), 0.0001);
	cr_expect_eq(scrm_py_round(1.00005, 4), 1.0001);
	cr_expect_eq(scrm_py_round(0.44044, 4), 0.4404);
}

/* ------------------------------------------------------------------ loader ---- */

static int load_mem(scrm_lexicon **lex, const char *s, char *err, size_t errlen)
{
	return scrm_lexicon_load_mem(lex, s, strlen(s), "t.txt", NULL, 0, NULL, err, errlen);
}

Test(vader, lexicon_vader_format)
{
	char err[256];
	scrm_lexicon *lex;
	double v;
	cr_assert_eq(load_mem(&lex, "good\t1.9\t0.9\t[1, 2]\r\n\n  bad\t-2.5\t0.5\t[-2]\nOK\t0.9\n", err, sizeof err), 0,
		     "%s", err);
	cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_VADER);
	cr_expect_eq(scrm_lexicon_size(lex), 3);
	cr_expect(scrm_lexicon_find(lex, "good", 4, &v) && v == 1.9);
	cr_expect(scrm_lexicon_find(lex, "bad", 3, &v) && v == -2.5); /* line stripped */
	cr_expect(scrm_lexicon_find(lex, "OK", 2, &v) && v == 0.9);   /* keys kept as written */
	cr_expect(!scrm_lexicon_find(lex, "ok", 2, &v));
	cr_expect(!scrm_lexicon_find(lex, "goo", 3, &v));
	scrm_lexicon_free(lex);
}

/* A file saved on Windows starts with a byte-order mark: the first entry is still found
 * under its own key (the mark was kept in it, so "good" was not in the lexicon), in both
 * formats and in the emoji lexicon. */
Test(vader, lexicon_byte_order_mark_skipped)
{
	char err[256];
	scrm_lexicon *lex;
	double v;
	cr_assert_eq(load_mem(&lex, "\xEF\xBB\xBFgood\t1.9\t0.9\t[1, 2]\nbad\t-2.5\n", err, sizeof err), 0, "%s", err);
	cr_expect_eq(scrm_lexicon_size(lex), 2);
	cr_expect(scrm_lexicon_find(lex, "good", 4, &v) && v == 1.9);
	scrm_lexicon_free(lex);
	cr_assert_eq(load_mem(&lex, "\xEF\xBB\xBF" "abandon\t-2\nbreathtaking\t5\n", err, sizeof err), 0, "%s", err);
	cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_AFINN);
	cr_expect(scrm_lexicon_find(lex, "abandon", 7, &v) && v == -2.0);
	scrm_lexicon_free(lex);
	static const char emoji[] = "\xEF\xBB\xBF\xF0\x9F\x98\x80\tgrinning face\n";
	cr_assert_eq(scrm_lexicon_load_mem(&lex, "good\t1.9\n", 8, "l", emoji, sizeof emoji - 1, "e", err, sizeof err),
		     0, "%s", err);
	size_t dl;
	const char *d = scrm_lexicon_emoji(lex, 0x1F600, &dl);
	cr_expect(d && dl == 13 && !memcmp(d, "grinning face", 13), "U+1F600 not found: its line had the mark");
	cr_expect_eq(scrm_lexicon_emoji_unreachable(lex), 0);
	scrm_lexicon_free(lex);
}

Test(vader, lexicon_afinn_format)
{
	char err[256];
	scrm_lexicon *lex;
	double v;
	cr_assert_eq(load_mem(&lex, "abandon\t-2\nbreathtaking\t5\ncan't stand\t-3\n", err, sizeof err), 0, "%s",
		     err);
	cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_AFINN);
	cr_expect_eq(scrm_lexicon_size(lex), 3);
	cr_expect(scrm_lexicon_find(lex, "breathtaking", 12, &v) && v == 5.0);
	cr_expect(scrm_lexicon_find(lex, "can't stand", 11, &v) && v == -3.0);
	scrm_lexicon_free(lex);
	if (access(CORPORA "lexicons/afinn-165/afinn-165.tsv", R_OK) == 0) {
		cr_assert_eq(scrm_lexicon_load(&lex, CORPORA "lexicons/afinn-165/afinn-165.tsv", NULL, err, sizeof err),
			     0, "%s", err);
		cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_AFINN);
		cr_expect_eq(scrm_lexicon_size(lex), 3382);
		scrm_lexicon_free(lex);
	}
}

/* A file is AFINN's only when every entry is word<TAB>integer: VADER's fields past the
 * second are optional, so a file of word<TAB>number lines, or one whose first line looks
 * like AFINN's, is VADER's (both were refused as bad AFINN lines). */
Test(vader, lexicon_format_from_every_line)
{
	char err[256];
	scrm_lexicon *lex;
	double v;
	cr_assert_eq(load_mem(&lex, "good\t2\nbad\t-1.5\n", err, sizeof err), 0, "%s", err);
	cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_VADER);
	cr_expect(scrm_lexicon_find(lex, "bad", 3, &v) && v == -1.5);
	scrm_lexicon_free(lex);
	cr_assert_eq(load_mem(&lex, "\n\n\ngood\t3\nbad\t-3\t0.5\n", err, sizeof err), 0, "%s", err);
	cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_VADER);
	cr_expect(scrm_lexicon_find(lex, "bad", 3, &v) && v == -3.0);
	scrm_lexicon_free(lex);
	cr_assert_eq(load_mem(&lex, "good\t3\r\nbad\t-3\r\n", err, sizeof err), 0, "%s", err);
	cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_AFINN);
	scrm_lexicon_free(lex);
	/* an emoji file: a letter as key (the word lexicon given as the emoji one), CR-only
	 * lines, no entries at all (scrm_lexicon_load) */
	static const char wrong[] = "$:\t-1.5\t0.8\t[]\nl\t2.0\t0.5\t[]\n";
	cr_expect_eq(scrm_lexicon_load_mem(&lex, "a\t1\n", 4, "l", wrong, sizeof wrong - 1, "e.txt", err, sizeof err),
		     -EINVAL);
	cr_expect_str_eq(err, "e.txt:2: key 'l' is an ASCII letter or digit: it would replace that character inside "
			      "every word (is this the word lexicon?)");
	static const char cr[] = "\xF0\x9F\x98\x80\tgrinning face\r\xF0\x9F\x98\x81\tbeaming face\r";
	cr_expect_eq(scrm_lexicon_load_mem(&lex, "a\t1\n", 4, "l", cr, sizeof cr - 1, "e.txt", err, sizeof err), -EINVAL);
	cr_expect_str_eq(err, "e.txt:1: a CR inside the line (a file with CR-only line endings?)");
	char path[] = "/tmp/scrm_lexXXXXXX", epath[] = "/tmp/scrm_emoXXXXXX";
	int fd = mkstemp(path), efd = mkstemp(epath);
	cr_assert(fd >= 0 && efd >= 0);
	cr_assert_eq(write(fd, "good\t2\n", 7), 7);
	close(fd);
	close(efd);
	lex = NULL;
	cr_expect_eq(scrm_lexicon_load(&lex, path, epath, err, sizeof err), -EINVAL);
	cr_expect_null(lex);
	char want[128];
	snprintf(want, sizeof want, "%s: no emoji lexicon entries (expected emoji<TAB>description lines)", epath);
	cr_expect_str_eq(err, want);
	unlink(path);
	unlink(epath);
}

Test(vader, lexicon_errors_name_the_line)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"good\t1.9\t0.9\t[]\nbad\tx\t0.5\t[]\n", "t.txt:2: expected a number (mean valence) in field 2, got 'x'"},
		{"good\t1.9\t0.9\t[]\nbad\t-1\tnan\t[]\n", "t.txt:2: expected a number (std dev) in field 3, got 'nan'"},
		{"good\n", "t.txt:1: expected TAB-separated fields (word<TAB>valence, VADER's or AFINN's format), got 'good'"},
		{"a\t1\nb\tx\n", "t.txt:2: expected a number (mean valence) in field 2, got 'x'"},
		/* CR-only line endings: one line to the reference, whose later entries were lost */
		{"good\t2.0\t0.5\t[1]\rbad\t-2.0\t0.5\t[1]\r", "t.txt:1: a CR inside the line (a file with CR-only line endings?)"},
		{"a\t1\nb\t\xff\n", "t.txt:2: not valid UTF-8"},
		{"good\tinf\t1\t[]\n", "t.txt:1: expected a number (mean valence) in field 2, got 'inf'"},
		/* found by fuzz_lexicon: a valence that overflows float in the explanation */
		{"good\t1\nbad\t-2222\n", "t.txt:2: valence -2222 is out of range (at most 1000 either way)"},
		{"good\t1.5\t0\t[]\nbad\t-1000.5\t0\t[]\n", "t.txt:2: valence -1000.5 is out of range (at most 1000 either way)"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char err[256] = "";
		scrm_lexicon *lex = (scrm_lexicon *)&err; /* must be reset to NULL */
		cr_expect_eq(load_mem(&lex, bad[k].text, err, sizeof err), -EINVAL, "case %zu", k);
		cr_expect_null(lex);
		cr_expect_str_eq(err, bad[k].msg);
	}
	char err[256];
	scrm_lexicon *lex;
	cr_expect_eq(scrm_lexicon_load(&lex, "/nonexistent/lex.txt", NULL, err, sizeof err), -ENOENT);
	cr_expect_str_eq(err, "/nonexistent/lex.txt: No such file or directory");
	/* an emoji file with no TAB */
	cr_expect_eq(scrm_lexicon_load_mem(&lex, "a\t1\n", 4, "l", "%\ty\n:)\n", 7, "e.txt", err, sizeof err), -EINVAL);
	cr_expect_str_eq(err, "e.txt:2: expected emoji<TAB>description, got ':)'");
	/* a file on disk: the path is in the message */
	char path[] = "/tmp/scrm_lexXXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "ok\t1\t1\t[]\nbroken\n", 17), 17);
	close(fd);
	cr_expect_eq(scrm_lexicon_load(&lex, path, NULL, err, sizeof err), -EINVAL);
	char want[128];
	snprintf(want, sizeof want, "%s:2: expected TAB-separated fields (word<TAB>valence, VADER's or AFINN's format), got 'broken'", path);
	cr_expect_str_eq(err, want);
	unlink(path);
}

Test(vader, lexicon_empty_and_duplicates)
{
	char err[256];
	scrm_lexicon *lex;
	double v;
	/* empty files are valid (the reference builds an empty dict): everything is neutral */
	cr_assert_eq(scrm_lexicon_load_mem(&lex, "", 0, "empty", "", 0, "empty-emoji", err, sizeof err), 0, "%s", err);
	cr_expect_eq(scrm_lexicon_size(lex), 0);
	cr_expect_eq(scrm_lexicon_emoji_size(lex), 0);
	cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_EMPTY);
	scrm_vader *vd = scrm_vader_create(lex);
	scrm_sentiment s;
	cr_assert_eq(scrm_vader_score(vd, "good day", 8, &s), 0);
	cr_expect(s.neg == 0 && s.neu == 1.0 && s.pos == 0 && s.compound == 0);
	scrm_vader_free(vd);
	scrm_lexicon_free(lex);
	/* duplicates: the last wins, as in a Python dict */
	cr_assert_eq(load_mem(&lex, "lol\t1.8\t0.6\t[]\nx\t1\t1\t[]\nlol\t2.9\t0.5\t[]\n", err, sizeof err), 0);
	cr_expect_eq(scrm_lexicon_size(lex), 2);
	cr_expect(scrm_lexicon_find(lex, "lol", 3, &v) && v == 2.9);
	scrm_lexicon_free(lex);
	/* emoji: multi-code-point keys can never match a single code point of text */
	cr_assert_eq(scrm_lexicon_load_mem(&lex, "", 0, "l", mini_emoji, sizeof mini_emoji - 1, "e", err, sizeof err),
		     0);
	cr_expect_eq(scrm_lexicon_emoji_size(lex), 1);
	cr_expect_eq(scrm_lexicon_emoji_unreachable(lex), 1);
	size_t dl;
	const char *d = scrm_lexicon_emoji(lex, 0x1F601, &dl);
	cr_assert_not_null(d);
	cr_expect_eq(dl, strlen("beaming face with smiling eyes"));
	cr_expect_null(scrm_lexicon_emoji(lex, 0x1F44D, &dl));
	scrm_lexicon_free(lex);
	scrm_lexicon_free(NULL);
	/* fuzz regression: an ASCII "emoji" with an empty description ("%<TAB><TAB>x": fields
	 * [0:2] are "%" and ""). "good%" becomes "good " as in the reference. (A letter as
	 * key is refused: test lexicon_format_from_every_line.) */
	cr_assert_eq(scrm_lexicon_load_mem(&lex, "good\t1.9\t1\t[]", 13, "l", "%\t\tx\n", 5, "e", err, sizeof err), 0,
		     "%s", err);
	cr_expect_eq(scrm_lexicon_emoji_size(lex), 1);
	vd = scrm_vader_create(lex);
	cr_assert_eq(scrm_vader_score(vd, "good%", 5, &s), 0);
	cr_expect_eq(s.compound, 0.4404);
	scrm_vader_free(vd);
	scrm_lexicon_free(lex);
}

Test(vader, lexicon_reference_files)
{
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora/lexicons not found");
		return;
	}
	scrm_lexicon *lex = load_ref_lexicon();
	/* 7,520 lines, 7,506 distinct keys (the file repeats a few, e.g. "lol") */
	cr_expect_eq(scrm_lexicon_size(lex), 7506);
	cr_expect_eq(scrm_lexicon_format(lex), SCRM_LEXICON_VADER);
	/* 3,570 lines: 1,212 single code points, 2,358 longer sequences */
	cr_expect_eq(scrm_lexicon_emoji_size(lex), 1212);
	cr_expect_eq(scrm_lexicon_emoji_unreachable(lex), 2358);
	scrm_lexicon_free(lex);
}

/* Every key of the reference lexicon is found with its (last) value by both lookups,
 * and the same key with one more byte is not: the table and the filter in front of it
 * (lexicon.c, bloom_may_have) agree with the file. */
Test(vader, lexicon_finds_every_key)
{
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora/lexicons not found");
		return;
	}
	scrm_lexicon *lex = load_ref_lexicon();
	FILE *f = fopen(LEXICON, "r");
	cr_assert_not_null(f);
	static char lines[8000][128];
	size_t keys = 0, found = 0, short_found = 0, extra_found = 0, last = 0;
	while (keys < 8000 && fgets(lines[keys], sizeof lines[keys], f))
		if (strchr(lines[keys], '\t') != NULL && lines[keys][0] != '\t')
			keys++;
	fclose(f);
	for (size_t i = 0; i < keys; i++) {
		char *line = lines[i];
		size_t n = (size_t)(strchr(line, '\t') - line);
		double want = strtod(line + n + 1, NULL), got = 0;
		int later = 0; /* a repeated key keeps its last line's value */
		for (size_t j = i + 1; j < keys && !later; j++)
			later = strncmp(lines[j], line, n + 1) == 0;
		found += scrm_lexicon_find(lex, line, n, &got);
		if (!later) {
			last++;
			cr_expect(got == want, "%.*s: %g, want %g", (int)n, line, got, want);
		}
		if (n <= 16) {
			char b[16] = {0};
			uint64_t w0, w1;
			memcpy(b, line, n);
			memcpy(&w0, b, 8);
			memcpy(&w1, b + 8, 8);
			double v2 = 0;
			int ok = scrm_lexicon_find_words(lex, w0, w1, n, scrm_lexicon_hash_words(w0, w1, n), &v2);
			cr_expect(ok && v2 == got, "find_words %.*s", (int)n, line);
			short_found += ok;
		}
		char more[130];
		memcpy(more, line, n);
		more[n] = '\x01'; /* no key holds a control character */
		extra_found += scrm_lexicon_find(lex, more, n + 1, &got);
	}
	cr_expect_eq(keys, 7520);
	cr_expect_eq(last, 7506);
	cr_expect_eq(found, keys);
	cr_expect_gt(short_found, 7000);
	cr_expect_eq(extra_found, 0);
	scrm_lexicon_free(lex);
}

/* ------------------------------------------------------ differential tests ---- */

/*
 * Generated texts that exercise every rule and both tokenizers: lexicon words and
 * emoticons, NEGATE words and "n't", boosters, "but", "kind of", "least", idioms,
 * capitals, ! and ?, tokens of 1, 2, 8, 16, 17 and more bytes, leading and trailing
 * punctuation, tabs and other ASCII whitespace, emoji and non-ASCII letters.
 */
static const char *const gen_words[] = {
	"good", "bad", "love", "hate", "great", "terrible", "happy", "sad", "nice", "awful", "lol", "wtf",
	":)", ":(", ":D", ":-)", "<3", "no", "not", "never", "nor", "or", "so", "this", "without", "doubt",
	"but", "BUT", "kind", "of", "sort", "just", "enough", "least", "at", "very", "the", "shit", "bomb",
	"bad", "ass", "yeah", "right", "kiss", "death", "to", "die", "for", "beating", "heart", "broken",
	"don't", "isn't", "can't", "won't", "DON'T", "ain't", "aint", "uh-uh", "nothing", "rarely",
	"extremely", "EXTREMELY", "barely", "kinda", "kind-of", "sort-of", "fucking", "totally", "more",
	"a", "I", "it", "is", "was", "movie", "service", "flight", "my", "you", "@user", "#fail",
	"http://example.com/a/very/long/path", "extraordinarily", "unbelievablegood", "abcdefgh",
	"abcdefghijklmnop", "abcdefghijklmnopq", "GOOD", "Good", "gOOD", "BAD!", "good!!!", "bad??",
	"(good)", "'bad'", "...", "!!", "?", "x", "-", "'", "n't", "1st", "10/10", "wasn't",
	"caf\xC3\xA9", "\xC3\x89NORME", "\xC4\xB0stanbul", "\xF0\x9F\x98\x81", "\xF0\x9F\x98\xA1",
	"\xE2\x9D\xA4", "\xE2\x80\x94", "na\xC3\xAFve", "\xD0\x94\xD0\x90", "good\xF0\x9F\x98\x82",
};
static const char *const gen_seps[] = {" ", " ", " ", " ", "  ", "\t", "\n", " \r\n", "\x1c", ", ", ". "};

static int all_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static uint64_t gen_next(uint64_t *st)
{
	uint64_t x = *st; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Text number k (deterministic) into buf; returns its length. */
static size_t gen_text(uint64_t *st, char *buf, size_t cap)
{
	size_t n = 0, words = 1 + gen_next(st) % 24;
	int ascii_only = gen_next(st) % 3 != 0;
	for (size_t w = 0; w < words; w++) {
		const char *word, *sep = gen_seps[gen_next(st) % (sizeof gen_seps / sizeof gen_seps[0])];
		do
			word = gen_words[gen_next(st) % (sizeof gen_words / sizeof gen_words[0])];
		while (ascii_only && !all_ascii(word, strlen(word)));
		size_t wl = strlen(word), sl = strlen(sep);
		if (n + wl + sl + 1 >= cap)
			break;
		memcpy(buf + n, word, wl);
		n += wl;
		if (w + 1 < words) {
			memcpy(buf + n, sep, sl);
			n += sl;
		}
	}
	return n;
}

static int same_sentiment(const scrm_sentiment *a, const scrm_sentiment *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* FNV-1a over the four doubles' bytes. */
static uint64_t sentiment_hash(uint64_t h, const scrm_sentiment *s)
{
	const double d[4] = {s->neg, s->neu, s->pos, s->compound};
	const unsigned char *p = (const unsigned char *)d;
	for (size_t i = 0; i < sizeof d; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * The ASCII fast path against the general path: a text that is plain ASCII scores the
 * same as the text with a NO-BREAK SPACE appended (U+00A0 is whitespace to str.split(),
 * so the tokens and the counts are unchanged, but the text now takes the UTF-8 path),
 * and the scorer's word cache does not change results: a second scorer fed the texts
 * in reverse order agrees bit for bit. The output hash was recorded with the scorer
 * before the fast path and the cache existed.
 */
Test(vader, differential_fast_path_and_cache, .timeout = 120)
{
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora/lexicons not found");
		return;
	}
	enum { NTEXT = 20000 };
	scrm_lexicon *lex = load_ref_lexicon();
	scrm_vader *v = scrm_vader_create(lex), *v2 = scrm_vader_create(lex);
	cr_assert(v && v2);
	scrm_sentiment *first = calloc(NTEXT, sizeof *first);
	uint64_t *seeds = calloc(NTEXT, sizeof *seeds);
	cr_assert(first && seeds);
	uint64_t st = 0x5eed5eed5eedULL, h = 0xcbf29ce484222325ULL;
	size_t nascii = 0;
	char buf[600];
	for (size_t k = 0; k < NTEXT; k++) {
		seeds[k] = st;
		size_t n = gen_text(&st, buf, sizeof buf - 2);
		cr_assert_eq(scrm_vader_score(v, buf, n, &first[k]), 0);
		h = sentiment_hash(h, &first[k]);
		if (!all_ascii(buf, n))
			continue;
		nascii++;
		memcpy(buf + n, "\xC2\xA0", 2);
		scrm_sentiment s;
		cr_assert_eq(scrm_vader_score(v, buf, n + 2, &s), 0);
		cr_expect(same_sentiment(&s, &first[k]), "fast and UTF-8 paths differ on \"%.*s\"", (int)n, buf);
		scrm_vader_set_slow_tokens(v, 1);
		cr_assert_eq(scrm_vader_score(v, buf, n + 2, &s), 0);
		scrm_vader_set_slow_tokens(v, 0);
		cr_expect(same_sentiment(&s, &first[k]), "fast and slow UTF-8 tokens differ on \"%.*s\"", (int)n, buf);
	}
	/* and every text, ASCII or not, with the UTF-8 tokenizer's ASCII tokens taken code
	 * point by code point */
	scrm_vader *slow = scrm_vader_create(lex);
	cr_assert(slow);
	scrm_vader_set_slow_tokens(slow, 1);
	uint64_t st3 = 0x5eed5eed5eedULL;
	for (size_t k = 0; k < NTEXT; k++) {
		size_t n = gen_text(&st3, buf, sizeof buf - 2);
		scrm_sentiment s;
		cr_assert_eq(scrm_vader_score(slow, buf, n, &s), 0);
		cr_expect(same_sentiment(&s, &first[k]), "slow UTF-8 tokens differ on \"%.*s\"", (int)n, buf);
	}
	scrm_vader_free(slow);
	for (size_t k = NTEXT; k-- > 0;) {
		uint64_t st2 = seeds[k];
		size_t n = gen_text(&st2, buf, sizeof buf - 2);
		scrm_sentiment s;
		cr_assert_eq(scrm_vader_score(v2, buf, n, &s), 0);
		cr_expect(same_sentiment(&s, &first[k]), "order-dependent result on \"%.*s\"", (int)n, buf);
	}
	cr_expect_geq(nascii, NTEXT / 2);
	printf("vader differential: %d texts (%zu ASCII), output hash %016llx\n", NTEXT, nascii,
	       (unsigned long long)h);
	cr_expect_eq(h, 0x73fc6a77a8e90037ULL, "output hash changed: %016llx", (unsigned long long)h);
	free(seeds);
	free(first);
	scrm_vader_free(v2);
	scrm_vader_free(v);
	scrm_lexicon_free(lex);
}

/* _but_check's O(n log n) form for long texts gives the very values of the reference's
 * loop (which looks each value up by equality as the list stands): random texts of 65 to
 * 600 tokens over words whose valences meet again when halved or scaled by 1.5 (1 and 2,
 * 0.5, 0.75, 1.5, 2.25, 3, 4.5 and their negatives), with "but", negations, boosters and
 * capitals, scored both ways, bit for bit; and a text that took the loop 20 s. */
Test(vader, but_check_long_texts_as_the_loop)
{
	static const char lexsrc[] = "waa\t1.0\nwbb\t2.0\nwcc\t0.5\nwdd\t1.5\nwee\t3.0\nwff\t0.75\nwgg\t4.5\nwhh\t2.25\n"
				     "wii\t-1.0\nwjj\t-2.0\nwkk\t-0.5\nwll\t-1.5\nwmm\t-3.0\nwnn\t-0.75\n";
	static const char *const other[] = {"but", "BUT", "not", "very", "WAA", "Wbb", "x", "the", "kind", "of", "never"};
	char err[256];
	scrm_lexicon *lex = NULL;
	cr_assert_eq(load_mem(&lex, lexsrc, err, sizeof err), 0, "%s", err);
	scrm_vader *v = scrm_vader_create(lex);
	uint64_t g = 77;
	char *text = malloc(8192);
	unsigned differ = 0, longs = 0;
	for (int round = 0; round < 400; round++) {
		g = g * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t ntok = 65 + (size_t)(g >> 33) % 536, o = 0;
		for (size_t k = 0; k < ntok && o < 8000; k++) {
			g = g * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned r = (unsigned)(g >> 35);
			const char *w;
			char wb[8];
			if (r % 3 == 0) {
				w = other[r / 3 % (sizeof other / sizeof other[0])];
			} else {
				snprintf(wb, sizeof wb, "w%c%c", 'a' + r / 3 % 14, 'a' + r / 3 % 14);
				w = wb;
			}
			o += (size_t)snprintf(text + o, 8192 - o, "%s%s", k ? " " : "", w);
		}
		scrm_sentiment a, b;
		scrm_vader_set_but_linear_from(SIZE_MAX);
		cr_assert_eq(scrm_vader_score(v, text, o, &a), 0);
		scrm_vader_set_but_linear_from(0);
		cr_assert_eq(scrm_vader_score(v, text, o, &b), 0);
		longs += strstr(text, "but") != NULL;
		if (memcmp(&a, &b, sizeof a) && differ++ < 3)
			fprintf(stderr, "round %d: loop %.4f/%.3f/%.3f/%.3f, heaps %.4f/%.3f/%.3f/%.3f\n", round, a.compound,
				a.neg, a.neu, a.pos, b.compound, b.neg, b.neu, b.pos);
	}
	cr_expect_eq(differ, 0);
	cr_expect_gt(longs, 300, "most texts hold a but");
	/* 100,000 tokens after a "but": the loop's minutes, now quick (not timed here) */
	size_t big = 100000 * 4 + 8;
	char *t2 = malloc(big);
	size_t o = (size_t)snprintf(t2, big, "but");
	for (int k = 0; k < 100000; k++)
		o += (size_t)snprintf(t2 + o, big - o, " w%c%c", 'a' + k % 14, 'a' + k % 14);
	scrm_vader_set_but_linear_from(256);
	scrm_sentiment c;
	cr_assert_eq(scrm_vader_score(v, t2, o, &c), 0);
	cr_expect(c.compound > 0.99, "%g", c.compound);
	free(t2);
	free(text);
	scrm_vader_free(v);
	scrm_lexicon_free(lex);
}
