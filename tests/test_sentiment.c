/*
 * test_sentiment.c - the two sentiment modes (classifiers/sentiment.c) and their
 * explain output.
 *
 *   - one hand-computed case per scrm rule, on a small in-memory lexicon that carries
 *     the reference lexicon's own values for the words used (runs without corpora);
 *   - vader mode through this API equals scrm_vader_score() bit for bit (on every
 *     corpus text when ../shared/corpora exists);
 *   - explain: text order, valences, the SCRM_SENT_EXPLAIN_MAX cap, stable pointers;
 *   - accuracy: on every labelled corpus, scrm beats vader (Pearson r on vader-*;
 *     accuracy, macro-recall and macro-F1 on the others); skipped without corpora.
 *
 * Throughput on one core (off by default):
 *   SCRM_BENCH=1 ./build/tests/one_sentiment --jobs 1 --filter 'sentiment/bench*' --verbose
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lexicon.h"
#include "sentiment.h"
#include "tsv.h"
#include "vader.h"

#define CORPORA "../shared/corpora/"
#define LEXICON CORPORA "lexicons/vader/vader_lexicon.txt"
#define EMOJI CORPORA "lexicons/vader/emoji_utf8_lexicon.txt"

/* The reference lexicon's values for the words these tests use (and one made-up word). */
static const char mini_lexicon[] = "problems\t-1.7\n"
				   "complaints\t-1.7\n"
				   "bad\t-2.5\n"
				   "good\t1.9\n"
				   "disappoints\t-1.6\n"
				   "united\t1.8\n"
				   "help\t1.7\n"
				   "please\t1.3\n"
				   "no\t-1.2\n"
				   "like\t1.5\n"
				   "thanks\t1.9\n"
				   "beautiful\t2.9\n"
				   "love\t3.2\n"
				   "rude\t-2.0\n"
				   "damn\t-1.7\n"
				   "freaking\t-1.8\n"
				   "twicegood\t3.8\n"; /* made up, for the but-check quirk */

static scrm_lexicon *mini(void)
{
	scrm_lexicon *lex = NULL;
	char err[256];
	int rc = scrm_lexicon_load_mem(&lex, mini_lexicon, sizeof mini_lexicon - 1, "mini", NULL, 0, NULL, err,
				       sizeof err);
	cr_assert_eq(rc, 0, "%s", err);
	return lex;
}

/* VADER's normalize() and rounding to 4 places, for the expected values. */
static double norm4(double sum)
{
	double c = sum / sqrt(sum * sum + 15);
	return round(c * 1e4) / 1e4;
}

/* The scrm multipliers applied to every valence of a text of <= 12 tokens without '?'
 * (sentiment.c: gain 0.7, negatives x1.4). */
#define POS 0.7
#define NEG (0.7 * 1.4)

static scrm_sentiment scrm_of(scrm_sent *s, const char *text, scrm_sent_explain *ex)
{
	scrm_sentiment out;
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_SCRM, text, strlen(text), &out, ex), 0);
	return out;
}

static scrm_sentiment vader_of(scrm_sent *s, const char *text)
{
	scrm_sentiment out;
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_VADER, text, strlen(text), &out, NULL), 0);
	return out;
}

/* The valence of term `w` in ex (asserts it is there). */
static double term(const scrm_sent_explain *ex, const char *w)
{
	for (uint32_t k = 0; k < ex->n; k++)
		if (ex->term[k].len == strlen(w) && memcmp(ex->term[k].word, w, ex->term[k].len) == 0)
			return ex->term[k].valence;
	cr_assert_fail("term '%s' not in the explain output (%u terms)", w, ex->n);
	return 0;
}

#define NEAR(a, b) (fabs((a) - (b)) < 1e-4)

/* ------------------------------------------------------------- the rules ---- */

Test(sentiment, negation_no_problems_or_complaints)
{
	scrm_lexicon *lex = mini();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sent_explain ex;
	/* VADER: "no" before a lexicon word is 0, problems and complaints -1.7 * -0.74 */
	scrm_sentiment o = scrm_of(s, "no problems or complaints", &ex);
	double each = 1.7 * 0.74 * POS;
	cr_assert(NEAR(o.compound, norm4(2 * each)), "compound %g", o.compound);
	cr_assert(o.compound >= 0.05);
	cr_assert(NEAR(term(&ex, "problems"), each));
	cr_assert(NEAR(term(&ex, "complaints"), each));
	cr_assert(scrm_of(s, "not bad", NULL).compound >= 0.05);
	cr_assert(NEAR(scrm_of(s, "never disappoints", NULL).compound, norm4(1.6 * 0.74 * POS)));
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

Test(sentiment, domain_words_and_negation)
{
	scrm_lexicon *lex = mini();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sent_explain ex;
	/* "issues" (-1.0) is not in VADER's lexicon; "without" negates it */
	scrm_of(s, "everything went without issues", &ex);
	cr_assert(NEAR(term(&ex, "issues"), 1.0 * 0.74 * POS), "%g", term(&ex, "issues"));
	/* "delayed" replaces nothing here (not in the mini lexicon): -1.6 */
	scrm_sentiment o = scrm_of(s, "my flight is delayed", &ex);
	cr_assert(NEAR(o.compound, norm4(-1.6 * NEG)), "%g", o.compound);
	cr_assert_eq(vader_of(s, "my flight is delayed").compound, 0.0);
	/* a booster before a domain word, as VADER: "really" +0.293 away from zero */
	scrm_of(s, "really delayed", &ex);
	cr_assert(NEAR(term(&ex, "delayed"), (-1.6 - 0.293) * NEG));
	/* "no" before a domain word is a determiner: no valence of its own */
	scrm_of(s, "no delays today", &ex);
	cr_assert_eq(ex.n, 1);
	cr_assert(NEAR(term(&ex, "delays"), 1.5 * 0.74 * POS));
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

Test(sentiment, absence_function_and_phrases)
{
	scrm_lexicon *lex = mini();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sent_explain ex;
	scrm_sentiment o = scrm_of(s, "never got a refund", &ex);
	cr_assert(NEAR(o.compound, norm4(-1.3 * NEG)), "%g", o.compound);
	cr_assert_eq(vader_of(s, "never got a refund").compound, 0.0);
	o = scrm_of(s, "the app is not working", &ex);
	cr_assert(NEAR(o.compound, norm4(-1.6 * NEG)), "%g", o.compound);
	cr_assert(NEAR(term(&ex, "working"), -1.6 * NEG));
	cr_assert_eq(scrm_of(s, "the app is working", &ex).compound, 0.0);
	o = scrm_of(s, "still waiting for my bag", &ex);
	cr_assert(NEAR(o.compound, norm4(-1.9 * NEG)), "%g", o.compound);
	cr_assert_eq(ex.n, 1);
	cr_assert(NEAR(term(&ex, "still waiting"), -1.9 * NEG));
	o = scrm_of(s, "on hold for an hour", &ex);
	cr_assert(NEAR(term(&ex, "on hold"), -1.6 * NEG));
	cr_assert_eq(vader_of(s, "on hold for an hour").compound, 0.0);
	/* hours are a wait, unless they are a timetable */
	o = scrm_of(s, "waited 3 hours for my bag", &ex);
	cr_assert(NEAR(term(&ex, "hours"), -0.4 * NEG));
	o = scrm_of(s, "spent hours on it", &ex);
	cr_assert(NEAR(o.compound, norm4(-0.4 * NEG)), "%g", o.compound);
	cr_assert(NEAR(term(&ex, "hours"), -0.4 * NEG));
	cr_assert_eq(scrm_of(s, "what are your hours on sunday", &ex).compound, 0.0);
	cr_assert_eq(ex.n, 0);
	cr_assert_eq(scrm_of(s, "customer service hours", &ex).compound, 0.0);
	cr_assert_eq(scrm_of(s, "opening hrs", &ex).compound, 0.0);
	o = scrm_of(s, "six hrs", &ex);
	cr_assert(NEAR(term(&ex, "hrs"), -0.5 * NEG));
	/* a problem that is over is good news; one that is not over stays bad */
	o = scrm_of(s, "issue resolved in 20 minutes", &ex);
	cr_assert(NEAR(o.compound, norm4(1.6 * POS)), "%g", o.compound);
	cr_assert(NEAR(term(&ex, "issue resolved"), 1.6 * POS));
	cr_assert_lt(scrm_of(s, "issue not resolved", &ex).compound, 0.0);
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

Test(sentiment, requests_handles_and_like)
{
	scrm_lexicon *lex = mini();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sent_explain ex;
	cr_assert(vader_of(s, "please help me").compound >= 0.05);
	scrm_sentiment o = scrm_of(s, "please help me", &ex);
	cr_assert_eq(o.compound, 0.0);
	cr_assert_eq(o.neu, 1.0);
	cr_assert_eq(ex.n, 0);
	/* "@united" is a handle; "thanks" still counts */
	o = scrm_of(s, "@united thanks", &ex);
	cr_assert_eq(ex.n, 1);
	cr_assert(NEAR(o.compound, norm4(1.9 * POS)), "%g", o.compound);
	cr_assert(NEAR(vader_of(s, "@united thanks").compound, norm4(1.8 + 1.9)));
	/* "like" is the verb after a pronoun, else it counts half */
	scrm_of(s, "i like it", &ex);
	cr_assert(NEAR(term(&ex, "like"), 1.5 * POS));
	scrm_of(s, "looks like rain", &ex);
	cr_assert(NEAR(term(&ex, "like"), 1.5 * 0.5 * POS));
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

Test(sentiment, but_questions_and_neutral_zone)
{
	scrm_lexicon *lex = mini();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sent_explain ex;
	/* positional but: x0.5 before, x1.5 after */
	scrm_of(s, "the food was good but the service was bad", &ex);
	cr_assert(NEAR(term(&ex, "good"), 1.9 * 0.5 * POS));
	cr_assert(NEAR(term(&ex, "bad"), -2.5 * 1.5 * NEG));
	/* VADER's list.index quirk: once 3.8 is halved to 1.9, the "good" (1.9) after it
	 * finds that one first and halves it again, itself unchanged; scrm halves each once */
	scrm_sentiment v;
	scrm_sent_explain exv;
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_VADER, "twicegood good but", 18, &v, &exv), 0);
	cr_assert_eq(exv.n, 2);
	cr_assert(NEAR(exv.term[0].valence, 3.8 * 0.25) && NEAR(exv.term[1].valence, 1.9));
	scrm_of(s, "twicegood good but", &ex);
	cr_assert(NEAR(ex.term[0].valence, 3.8 * 0.5 * POS) && NEAR(ex.term[1].valence, 1.9 * 0.5 * POS));
	/* a question halves positive words */
	scrm_of(s, "is it good?", &ex);
	cr_assert(NEAR(term(&ex, "good"), 1.9 * 0.5 * POS));
	/* weak evidence falls into the neutral band: |compound| < 0.15 maps below 0.05 */
	scrm_sentiment o = scrm_of(s, "we went without issues", &ex);
	double raw = (1.0 * 0.74 * POS) / sqrt(pow(1.0 * 0.74 * POS, 2) + 15);
	cr_assert(raw < 0.15 && raw >= 0.05);
	cr_assert(o.compound > 0 && o.compound < 0.05, "%g", o.compound);
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

Test(sentiment, clauses_and_swear_words)
{
	scrm_lexicon *lex = mini();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sent_explain ex;
	/* VADER negates "beautiful" two tokens after "no", across the full stop */
	const char *t = "no glitz. beautiful day";
	cr_assert(NEAR(vader_of(s, t).compound, norm4(-1.2 + 2.9 * -0.74)), "%g", vader_of(s, t).compound);
	scrm_sentiment o = scrm_of(s, t, &ex);
	cr_assert(NEAR(term(&ex, "beautiful"), 2.9 * POS), "%g", term(&ex, "beautiful"));
	cr_assert(NEAR(term(&ex, "no"), -1.2 * NEG));
	cr_assert(NEAR(o.compound, norm4(2.9 * POS - 1.2 * NEG)), "%g", o.compound);
	/* in one clause the negation stands; "!" and "?" end a clause too */
	scrm_of(s, "no glitz beautiful day", &ex);
	cr_assert(NEAR(term(&ex, "beautiful"), 2.9 * -0.74 * NEG));
	scrm_of(s, "not now! beautiful day", &ex);
	cr_assert(NEAR(term(&ex, "beautiful"), 2.9 * POS));
	/* and so does one before closing quotes or brackets, ASCII or not (negated across
	 * them before: found by review) */
	static const char *const closed[] = {"no glitz.\" beautiful day", "no glitz.) beautiful day",
					     "no glitz.'\") beautiful day", "no glitz.\xE2\x80\x9D beautiful day",
					     "no glitz!\xC2\xBB beautiful day", "no \xC3\xA9glitz.\xE2\x80\x99 beautiful day"};
	for (size_t k = 0; k < sizeof closed / sizeof closed[0]; k++) {
		scrm_of(s, closed[k], &ex);
		cr_assert(NEAR(term(&ex, "beautiful"), 2.9 * POS), "case %zu: %g", k, term(&ex, "beautiful"));
	}
	scrm_of(s, "no glitz\" beautiful day", &ex);
	cr_assert(NEAR(term(&ex, "beautiful"), 2.9 * -0.74 * NEG), "a quote alone ends nothing");
	/* a booster stops there as well: "really." does not raise "good" */
	scrm_of(s, "really. good", &ex);
	cr_assert(NEAR(term(&ex, "good"), 1.9 * POS));
	/* a domain word: "never got a refund" is an absence, "never. refund" is not */
	scrm_of(s, "never got a refund", &ex);
	cr_assert(NEAR(term(&ex, "refund"), -1.3 * NEG));
	scrm_of(s, "never. refund", &ex);
	cr_assert(ex.n == 1 && NEAR(term(&ex, "refund"), -0.6 * NEG), "%u terms", ex.n);

	/* a swear word before a word with a valence is a booster, not a negative word */
	o = scrm_of(s, "freaking love it", &ex);
	cr_assert_eq(ex.n, 1);
	cr_assert(NEAR(term(&ex, "love"), (3.2 + 0.293) * POS), "%g", term(&ex, "love"));
	cr_assert(NEAR(o.compound, norm4((3.2 + 0.293) * POS)));
	cr_assert(NEAR(vader_of(s, "freaking love it").compound, norm4(-1.8 + 3.2)));
	scrm_of(s, "damn rude", &ex);
	cr_assert_eq(ex.n, 1);
	cr_assert(NEAR(term(&ex, "rude"), (-2.0 - 0.293) * NEG));
	/* before a word without one, or at a clause's end, it is its own negative word */
	scrm_of(s, "damn it", &ex);
	cr_assert(ex.n == 1 && NEAR(term(&ex, "damn"), -1.7 * NEG));
	scrm_of(s, "damn. good", &ex);
	cr_assert(ex.n == 2 && NEAR(term(&ex, "damn"), -1.7 * NEG) && NEAR(term(&ex, "good"), 1.9 * POS));

	/* both rules can be turned off (sent_accuracy --param) */
	cr_assert_eq(scrm_sent_set_param(s, "clauses", 0), 0);
	cr_assert_eq(scrm_sent_set_param(s, "expletives", 0), 0);
	scrm_of(s, "no glitz. beautiful day", &ex);
	cr_assert(NEAR(term(&ex, "beautiful"), 2.9 * -0.74 * NEG));
	scrm_of(s, "freaking love it", &ex);
	cr_assert(ex.n == 2 && NEAR(term(&ex, "freaking"), -1.8 * NEG) && NEAR(term(&ex, "love"), 3.2 * POS));
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

/* ---------------------------------------------------------------- the API ---- */

Test(sentiment, modes_and_arguments)
{
	scrm_sent_mode m;
	cr_assert_str_eq(scrm_sent_mode_name(SCRM_SENT_VADER), "vader");
	cr_assert_str_eq(scrm_sent_mode_name(SCRM_SENT_SCRM), "scrm");
	cr_assert_eq(scrm_sent_mode_parse("vader", &m), 0);
	cr_assert_eq(m, SCRM_SENT_VADER);
	cr_assert_eq(scrm_sent_mode_parse("scrm", &m), 0);
	cr_assert_eq(m, SCRM_SENT_SCRM);
	cr_assert_eq(scrm_sent_mode_parse("Vader", &m), -EINVAL);
	cr_assert_eq(scrm_sent_mode_parse(NULL, &m), -EINVAL);
	scrm_lexicon *lex = mini();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sentiment o;
	cr_assert_eq(scrm_sent_score(s, (scrm_sent_mode)7, "x", 1, &o, NULL), -EINVAL);
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_SCRM, NULL, 1, &o, NULL), -EINVAL);
	cr_assert_eq(scrm_sent_score(NULL, SCRM_SENT_SCRM, "x", 1, &o, NULL), -EINVAL);
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_SCRM, NULL, 0, &o, NULL), 0);
	cr_assert_eq(o.neu, 0.0);
	cr_assert_eq(scrm_sent_set_param(s, "nope", 1), -EINVAL);
	scrm_sent_free(s);
	scrm_sent_free(NULL);
	scrm_lexicon_free(lex);
}

Test(sentiment, explain_order_cap_and_pointers)
{
	scrm_lexicon *lex = mini();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sent_explain ex;
	scrm_sentiment o;
	const char *t = "GOOD day, bad day";
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_VADER, t, strlen(t), &o, &ex), 0);
	cr_assert_eq(ex.n, 2);
	cr_assert_eq(ex.more, 0);
	cr_assert_eq(ex.term[0].len, 4);
	cr_assert(memcmp(ex.term[0].word, "good", 4) == 0); /* lower-cased lexicon key */
	cr_assert(memcmp(ex.term[1].word, "bad", 3) == 0);
	cr_assert(NEAR(ex.term[0].valence, 1.9 + 0.733)); /* capitals */
	cr_assert(NEAR(ex.term[1].valence, -2.5));
	const char *good = ex.term[0].word;
	char many[256] = "";
	for (int k = 0; k < 20; k++)
		strcat(many, "good ");
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_VADER, many, strlen(many), &o, &ex), 0);
	cr_assert_eq(ex.n, 1, "a word said again adds to its entry");
	cr_assert_eq(ex.more, 0);
	cr_assert_eq(ex.term[0].word, good, "one interned copy per word");
	cr_assert(NEAR(ex.term[0].valence, 20 * 1.9));
	/* the cap counts words, not mentions: 16 "bad" and a "good" after them (the good
	 * one was lost), then 20 other words in a lexicon of their own */
	char mix[256] = "";
	for (int k = 0; k < 16; k++)
		strcat(mix, "bad ");
	strcat(mix, "good");
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_VADER, mix, strlen(mix), &o, &ex), 0);
	cr_assert_eq(ex.n, 2);
	cr_assert(memcmp(ex.term[1].word, "good", 4) == 0 && NEAR(ex.term[1].valence, 1.9));
	cr_assert(NEAR(ex.term[0].valence, 16 * -2.5));
	char wl[1024] = "", txt[512] = "";
	for (int k = 0; k < 20; k++) {
		char e[32];
		snprintf(e, sizeof e, "w%c%c\t1.5\t0.5\t[]\n", 'a' + k, 'a' + k);
		strcat(wl, e);
		snprintf(e, sizeof e, "w%c%c w%c%c ", 'a' + k, 'a' + k, 'a' + k, 'a' + k);
		strcat(txt, e);
	}
	scrm_lexicon *lex20 = NULL;
	char err[256];
	cr_assert_eq(scrm_lexicon_load_mem(&lex20, wl, strlen(wl), "w", NULL, 0, NULL, err, sizeof err), 0, "%s", err);
	scrm_sent *s20 = scrm_sent_create(lex20);
	cr_assert_eq(scrm_sent_score(s20, SCRM_SENT_VADER, txt, strlen(txt), &o, &ex), 0);
	cr_assert_eq(ex.n, SCRM_SENT_EXPLAIN_MAX);
	cr_assert_eq(ex.more, 2 * (20 - SCRM_SENT_EXPLAIN_MAX), "the mentions of the words left out");
	cr_assert(NEAR(ex.term[15].valence, 3.0));
	scrm_sent_free(s20);
	scrm_lexicon_free(lex20);
	/* the same through both modes at once */
	scrm_sentiment v2, s2, v1, s1;
	scrm_sent_explain e1, e2;
	t = "The staff was not helpful but the seats were good, still waiting for a refund!!";
	cr_assert_eq(scrm_sent_score_both(s, t, strlen(t), &v2, &s2, &e1, &e2), 0);
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_VADER, t, strlen(t), &v1, NULL), 0);
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_SCRM, t, strlen(t), &s1, NULL), 0);
	cr_assert(memcmp(&v1, &v2, sizeof v1) == 0 && memcmp(&s1, &s2, sizeof s1) == 0);
	cr_assert_eq(scrm_sent_score_both(s, t, strlen(t), &v2, &s2, NULL, NULL), 0);
	cr_assert(memcmp(&v1, &v2, sizeof v1) == 0 && memcmp(&s1, &s2, sizeof s1) == 0);
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

/* ------------------------------------------------------ against the corpora ---- */

static int have_corpora(void) { return access(LEXICON, R_OK) == 0 && access(EMOJI, R_OK) == 0; }

static scrm_lexicon *ref_lexicon(void)
{
	scrm_lexicon *lex = NULL;
	char err[256];
	cr_assert_eq(scrm_lexicon_load(&lex, LEXICON, EMOJI, err, sizeof err), 0, "%s", err);
	return lex;
}

struct set_def {
	const char *name, *file, *label, *mean;
};
static const struct set_def sets[] = {
	{"vader-tweets", "vader-tweets/dev.groundtruth.tsv", "label_sign3", "mean_rating"},
	{"vader-movie", "vader-movie/dev.groundtruth.tsv", "label_sign3", "mean_rating"},
	{"vader-amazon", "vader-amazon/dev.groundtruth.tsv", "label_sign3", "mean_rating"},
	{"vader-nyt", "vader-nyt/dev.groundtruth.tsv", "label_sign3", "mean_rating"},
	{"semeval2017-4a", "semeval2017-4a/dev.tweets.tsv", "label", NULL},
	{"airline-sentiment", "airline-sentiment/dev.tweets.tsv", "airline_sentiment", NULL},
	{"sentiment140-test", "sentiment140-test/dev.tweets.tsv", "label", NULL},
};
#define NSETS (sizeof sets / sizeof sets[0])

/* All texts (and golds) of one set, in memory. */
struct texts {
	char **text;
	size_t *len;
	int *gold;
	double *mean;
	size_t n;
};

static int cls_of(double c) { return c >= 0.05 ? 2 : c <= -0.05 ? 0 : 1; }

static void load_set(const struct set_def *d, struct texts *t)
{
	char path[512];
	snprintf(path, sizeof path, CORPORA "%s", d->file);
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "%s", path);
	scrm_tsv *r = NULL;
	cr_assert_eq(scrm_tsv_open(&r, fp, 1), 0);
	long ct = scrm_tsv_col(r, "text"), cl = scrm_tsv_col(r, d->label), cm = d->mean ? scrm_tsv_col(r, d->mean) : -1;
	cr_assert(ct >= 0 && cl >= 0);
	size_t cap = 1024;
	memset(t, 0, sizeof *t);
	t->text = malloc(cap * sizeof *t->text);
	t->len = malloc(cap * sizeof *t->len);
	t->gold = malloc(cap * sizeof *t->gold);
	t->mean = malloc(cap * sizeof *t->mean);
	while (scrm_tsv_next(r) == 1) {
		const char *l = scrm_tsv_field(r, (size_t)cl, NULL);
		int g = !strcmp(l, "negative") ? 0 : !strcmp(l, "neutral") ? 1 : !strcmp(l, "positive") ? 2 : -1;
		if (g < 0)
			continue;
		if (t->n == cap) {
			cap *= 2;
			t->text = realloc(t->text, cap * sizeof *t->text);
			t->len = realloc(t->len, cap * sizeof *t->len);
			t->gold = realloc(t->gold, cap * sizeof *t->gold);
			t->mean = realloc(t->mean, cap * sizeof *t->mean);
		}
		size_t tl;
		const char *tx = scrm_tsv_field(r, (size_t)ct, &tl);
		t->text[t->n] = malloc(tl + 1);
		memcpy(t->text[t->n], tx, tl + 1);
		t->len[t->n] = tl;
		t->gold[t->n] = g;
		t->mean[t->n] = cm >= 0 ? atof(scrm_tsv_field(r, (size_t)cm, NULL)) : 0;
		t->n++;
	}
	scrm_tsv_free(r);
	fclose(fp);
}

static void free_set(struct texts *t)
{
	for (size_t k = 0; k < t->n; k++)
		free(t->text[k]);
	free(t->text);
	free(t->len);
	free(t->gold);
	free(t->mean);
}

struct metrics {
	double r, acc, mrec, mf1;
};

static struct metrics metrics_of(const struct texts *t, const double *c)
{
	struct metrics m = {0};
	size_t conf[3][3] = {{0}};
	double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = (double)t->n;
	for (size_t k = 0; k < t->n; k++) {
		conf[t->gold[k]][cls_of(c[k])]++;
		sx += c[k], sy += t->mean[k], sxx += c[k] * c[k], syy += t->mean[k] * t->mean[k];
		sxy += c[k] * t->mean[k];
	}
	double vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
	m.r = vx > 0 && vy > 0 ? (sxy - sx * sy / n) / sqrt(vx * vy) : 0;
	size_t ok = 0, ncls = 0;
	for (int g = 0; g < 3; g++) {
		size_t gold = conf[g][0] + conf[g][1] + conf[g][2], pred = conf[0][g] + conf[1][g] + conf[2][g];
		ok += conf[g][g];
		if (!gold)
			continue;
		ncls++;
		double rec = (double)conf[g][g] / (double)gold, prec = pred ? (double)conf[g][g] / (double)pred : 0;
		m.mrec += rec;
		m.mf1 += prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
	}
	m.acc = (double)ok / n;
	m.mrec /= (double)ncls;
	m.mf1 /= (double)ncls;
	return m;
}

Test(sentiment, scrm_beats_vader_on_every_set, .timeout = 120)
{
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora not found (run from the repo root): accuracy not checked");
		return;
	}
	scrm_lexicon *lex = ref_lexicon();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_vader *v = scrm_vader_create(lex);
	for (size_t si = 0; si < NSETS; si++) {
		struct texts t;
		load_set(&sets[si], &t);
		double *cv = malloc(t.n * sizeof *cv), *cs = malloc(t.n * sizeof *cs);
		for (size_t k = 0; k < t.n; k++) {
			scrm_sentiment a, b, ref;
			cr_assert_eq(scrm_sent_score_both(s, t.text[k], t.len[k], &a, &b, NULL, NULL), 0);
			cr_assert_eq(scrm_vader_score(v, t.text[k], t.len[k], &ref), 0);
			cr_assert(memcmp(&a, &ref, sizeof a) == 0, "%s: vader mode differs on \"%s\"", sets[si].name,
				  t.text[k]);
			cv[k] = a.compound;
			cs[k] = b.compound;
		}
		struct metrics mv = metrics_of(&t, cv), ms = metrics_of(&t, cs);
		printf("sentiment %-18s n=%5zu  vader r=%.4f acc=%.4f mrec=%.4f mf1=%.4f  scrm r=%.4f acc=%.4f "
		       "mrec=%.4f mf1=%.4f\n",
		       sets[si].name, t.n, mv.r, mv.acc, mv.mrec, mv.mf1, ms.r, ms.acc, ms.mrec, ms.mf1);
		if (sets[si].mean) {
			cr_expect_gt(ms.r, mv.r, "%s: Pearson r scrm %.4f <= vader %.4f", sets[si].name, ms.r, mv.r);
		} else {
			cr_expect_gt(ms.acc, mv.acc, "%s: accuracy scrm %.4f <= vader %.4f", sets[si].name, ms.acc, mv.acc);
			cr_expect_gt(ms.mrec, mv.mrec, "%s: macro-recall scrm %.4f <= vader %.4f", sets[si].name, ms.mrec,
				     mv.mrec);
			cr_expect_gt(ms.mf1, mv.mf1, "%s: macro-F1 scrm %.4f <= vader %.4f", sets[si].name, ms.mf1, mv.mf1);
		}
		free(cv);
		free(cs);
		free_set(&t);
	}
	scrm_vader_free(v);
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

/* One core, every text of the seven sets, best and median of 5 passes (thread CPU). */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The clause rule acts only at a clause's end: with '.', '!', '?' and ';' taken out of
 * every text of every set, the scrm mode scores alike with and without it; with them
 * in, it changes some texts (so the comparison is not vacuous). */
Test(sentiment, clause_rule_acts_only_at_clause_ends, .timeout = 120)
{
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora not found (run from the repo root): clause property not checked");
		return;
	}
	scrm_lexicon *lex = ref_lexicon();
	scrm_sent *on = scrm_sent_create(lex), *off = scrm_sent_create(lex);
	cr_assert_eq(scrm_sent_set_param(off, "clauses", 0), 0);
	size_t texts = 0, changed = 0, stripped_changed = 0;
	char *buf = NULL;
	size_t cap = 0;
	for (size_t si = 0; si < NSETS; si++) {
		struct texts t;
		load_set(&sets[si], &t);
		for (size_t k = 0; k < t.n; k++, texts++) {
			scrm_sentiment a, b;
			cr_assert_eq(scrm_sent_score(on, SCRM_SENT_SCRM, t.text[k], t.len[k], &a, NULL), 0);
			cr_assert_eq(scrm_sent_score(off, SCRM_SENT_SCRM, t.text[k], t.len[k], &b, NULL), 0);
			changed += memcmp(&a, &b, sizeof a) != 0;
			if (t.len[k] + 1 > cap) {
				cap = 2 * (t.len[k] + 1);
				buf = realloc(buf, cap);
				cr_assert_not_null(buf);
			}
			size_t n = 0;
			for (size_t i = 0; i < t.len[k]; i++)
				if (!strchr(".!?;", t.text[k][i]) || !t.text[k][i])
					buf[n++] = t.text[k][i];
			cr_assert_eq(scrm_sent_score(on, SCRM_SENT_SCRM, buf, n, &a, NULL), 0);
			cr_assert_eq(scrm_sent_score(off, SCRM_SENT_SCRM, buf, n, &b, NULL), 0);
			if (memcmp(&a, &b, sizeof a) != 0 && stripped_changed++ < 5)
				cr_log_error("%s: \"%.*s\" scores %g with the clause rule, %g without", sets[si].name,
					     (int)n, buf, a.compound, b.compound);
		}
		free_set(&t);
	}
	printf("clause rule: changes %zu of %zu texts, none once '.!?;' are taken out (%zu)\n", changed, texts,
	       stripped_changed);
	cr_expect_eq(stripped_changed, 0);
	cr_expect_gt(changed, texts / 100, "the clause rule changed only %zu of %zu texts", changed, texts);
	free(buf);
	scrm_sent_free(on);
	scrm_sent_free(off);
	scrm_lexicon_free(lex);
}

Test(sentiment, bench_texts_per_second, .timeout = 300)
{
	if (!getenv("SCRM_BENCH")) {
		cr_skip_test("set SCRM_BENCH=1 to measure");
		return;
	}
	if (!have_corpora()) {
		cr_skip_test("../shared/corpora not found");
		return;
	}
	scrm_lexicon *lex = ref_lexicon();
	scrm_sent *s = scrm_sent_create(lex);
	scrm_vader *v = scrm_vader_create(lex);
	struct texts t[NSETS];
	size_t ntext = 0, nbytes = 0;
	for (size_t si = 0; si < NSETS; si++) {
		load_set(&sets[si], &t[si]);
		ntext += t[si].n;
		for (size_t k = 0; k < t[si].n; k++)
			nbytes += t[si].len[k];
	}
	static const char *const what[] = {"scrm_vader_score", "sent vader", "sent scrm", "sent both",
					   "sent both + explain"};
	for (int w = 0; w < 5; w++) {
		double rate[5], check = 0;
		for (int pass = 0; pass < 6; pass++) {
			double t0 = cpu_now();
			check = 0;
			for (size_t si = 0; si < NSETS; si++)
				for (size_t k = 0; k < t[si].n; k++) {
					scrm_sentiment a, b;
					scrm_sent_explain ea, eb;
					const char *x = t[si].text[k];
					size_t l = t[si].len[k];
					switch (w) {
					case 0: scrm_vader_score(v, x, l, &a); b = a; break;
					case 1: scrm_sent_score(s, SCRM_SENT_VADER, x, l, &a, NULL); b = a; break;
					case 2: scrm_sent_score(s, SCRM_SENT_SCRM, x, l, &b, NULL); a = b; break;
					case 3: scrm_sent_score_both(s, x, l, &a, &b, NULL, NULL); break;
					default: scrm_sent_score_both(s, x, l, &a, &b, &ea, &eb); break;
					}
					check += a.compound + b.compound;
				}
			if (pass > 0) /* the first pass warms the caches */
				rate[pass - 1] = (double)ntext / (cpu_now() - t0);
		}
		qsort(rate, 5, sizeof rate[0], dcmp);
		printf("sentiment bench %-20s %zu texts (mean %.0f B), one core: best %.0f texts/s, median %.0f "
		       "texts/s (%.3f us/text; checksum %.4f)\n",
		       what[w], ntext, (double)nbytes / (double)ntext, rate[4], rate[2], 1e6 / rate[2], check);
	}
	for (size_t si = 0; si < NSETS; si++)
		free_set(&t[si]);
	scrm_vader_free(v);
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}

/* ------------------------------------------- languages and symbols (--sentiment-langs) ---- */

Test(sentiment, langs_parse)
{
	scrm_sent_langs l;
	scrm_sent_langs_default(&l);
	cr_assert_eq(l.all, 1);
	cr_assert_eq(scrm_sent_langs_parse("en", 2, &l), 0);
	cr_assert_eq(l.all, 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.code[0], "en");
	const char *s = "EN-gb, es  pt_BR,es";
	cr_assert_eq(scrm_sent_langs_parse(s, strlen(s), &l), 0);
	cr_assert_eq(l.n, 3, "en, es, pt (the repeated es once)");
	cr_assert_str_eq(l.code[0], "en");
	cr_assert_str_eq(l.code[1], "es");
	cr_assert_str_eq(l.code[2], "pt");
	cr_assert_eq(scrm_sent_langs_parse("All", 3, &l), 0);
	cr_assert_eq(l.all, 1);
	/* bad values leave *l as it was */
	scrm_sent_langs_parse("de", 2, &l);
	const char *bad[] = {"", " , ", "e1", "en-", "-gb", "toolonglang", "en;es", "ç"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(scrm_sent_langs_parse(bad[i], strlen(bad[i]), &l), -EINVAL, "'%s'", bad[i]);
		cr_assert(l.n == 1 && !strcmp(l.code[0], "de") && !l.all, "'%s' changed the list", bad[i]);
	}
	char many[256] = "";
	for (int i = 0; i <= SCRM_SENT_LANGS_MAX; i++)
		sprintf(many + strlen(many), "a%c,", 'a' + i);
	cr_assert_eq(scrm_sent_langs_parse(many, strlen(many), &l), -EINVAL, "more than SCRM_SENT_LANGS_MAX");
	many[strlen(many) - 4] = 0; /* one fewer */
	cr_assert_eq(scrm_sent_langs_parse(many, strlen(many), &l), 0);
	cr_assert_eq(l.n, SCRM_SENT_LANGS_MAX);
}

Test(sentiment, lang_scored)
{
	scrm_sent_langs l;
	cr_assert_eq(scrm_sent_langs_parse("en,pt", 5, &l), 0);
	struct {
		const char *lang;
		int scored;
	} cases[] = {{"", 1},    {"en", 1},  {"EN", 1},    {"en-GB", 1}, {"pt_BR", 1}, {"und", 1}, {"zxx", 1},
		     {"qme", 1}, {"qht", 1}, {"es", 0},    {"nl", 0},    {"de-AT", 0}, {"eng", 0}, {"e", 0},
		     {"ptx", 0}, {"q", 0},   {"undx", 0}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_assert_eq(scrm_sent_lang_scored(&l, cases[i].lang, strlen(cases[i].lang)), cases[i].scored, "'%s'",
			     cases[i].lang);
	scrm_sent_langs_default(&l);
	cr_assert_eq(scrm_sent_lang_scored(&l, "nl", 2), 1, "all: every language");
}

Test(sentiment, symbols_of_a_text)
{
	static const char words[] = "die\t-2.9\n:)\t2.0\n<3\t1.9\n:d\t2.3\nhappy\t2.7\n";
	static const char emoji[] = "\xf0\x9f\x98\x8d\tsmiling face with heart-eyes\n"
				    "\xf0\x9f\x91\x8e\tthumbs down\n";
	scrm_lexicon *lex = NULL;
	char err[256];
	cr_assert_eq(scrm_lexicon_load_mem(&lex, words, sizeof words - 1, "w", emoji, sizeof emoji - 1, "e", err,
					   sizeof err),
		     0, "%s", err);
	char out[256];
	/* words (even lexicon words), unknown emoji and non-emoticon tokens are left out;
	 * an emoticon must stand between white space; :D is found as :d */
	const char *t = "Ik vind die :) leuk \xf0\x9f\x98\x8d\xf0\x9f\x8e\x82 <3\tx:) :D :-/ \xf0\x9f\x91\x8e";
	size_t n = scrm_sent_symbols(lex, t, strlen(t), out, sizeof out);
	cr_assert_eq(n, strlen(":) \xf0\x9f\x98\x8d <3 :D \xf0\x9f\x91\x8e "));
	cr_assert(!memcmp(out, ":) \xf0\x9f\x98\x8d <3 :D \xf0\x9f\x91\x8e ", n), "%.*s", (int)n, out);
	cr_assert_eq(scrm_sent_symbols(lex, "die happy", 9, out, sizeof out), 0);
	/* glued to a character before it, ASCII or not, an emoticon is no token of its own
	 * ("\xc3\xa9:)" was found: review) */
	cr_assert_eq(scrm_sent_symbols(lex, "tr\xc3\xa8s bien \xc3\xa9:)", 15, out, sizeof out), 0);
	cr_assert_eq(scrm_sent_symbols(lex, "\xf0\x9f\x98\x8d:)", 6, out, sizeof out), 5);
	/* but a Unicode space before or after one is white space (French "Merci\u00a0:)",
	 * "Super\u202f:D": the reference splits there too; found by review) */
	cr_assert_eq(scrm_sent_symbols(lex, "Merci\xC2\xA0:)", 9, out, sizeof out), 3);
	cr_assert_eq(scrm_sent_symbols(lex, "Super\xE2\x80\xAF:D\xE3\x80\x80ok", 15, out, sizeof out), 3);
	cr_assert_eq(scrm_sent_symbols(lex, "", 0, out, sizeof out), 0);
	/* a symbol that does not fit is left out; invalid UTF-8 is skipped */
	cr_assert_eq(scrm_sent_symbols(lex, ":) \xf0\x9f\x98\x8d", 7, out, 4), 3);
	cr_assert_eq(scrm_sent_symbols(lex, "\xff\xf0\x9f :)", 6, out, sizeof out), 3);
	/* scored as a text, the symbols give what VADER gives them */
	scrm_sent *s = scrm_sent_create(lex);
	scrm_sentiment a, b;
	n = scrm_sent_symbols(lex, t, strlen(t), out, sizeof out);
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_VADER, out, n, &a, NULL), 0);
	cr_assert_eq(scrm_sent_score(s, SCRM_SENT_VADER, ":) \xf0\x9f\x98\x8d <3 :D \xf0\x9f\x91\x8e", n - 1, &b, NULL),
		     0);
	cr_assert_eq(a.compound, b.compound);
	cr_assert_gt(a.compound, 0.5);
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
}
