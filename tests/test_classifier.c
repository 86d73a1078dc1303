/*
 * test_classifier.c - the classifier interface (classifiers/classifier.h): tasks and
 * their labels, gold-label parsing, the registry, and the two sentiment classifiers
 * (label at the fixed cut, score, confidence, explanation, given scores not rescored).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "classifier.h"
#include "lexicon.h"
#include "sentiment.h"

/* The reference lexicon's values for these words. */
static const char mini_lexicon[] = "good\t1.9\nbad\t-2.5\nhappy\t2.7\n";

static scrm_lexicon *mini(void)
{
	scrm_lexicon *lex = NULL;
	char err[256];
	cr_assert_eq(scrm_lexicon_load_mem(&lex, mini_lexicon, sizeof mini_lexicon - 1, "mini", NULL, 0, NULL, err,
					   sizeof err),
		     0, "%s", err);
	return lex;
}

Test(classifier, tasks_and_labels)
{
	scrm_task t;
	static const char *const names[] = {"sentiment", "intent", "action", "complaint", "airline-reason", "labels",
					    "influence"};
	cr_assert_eq(sizeof names / sizeof names[0], SCRM_TASK_COUNT);
	for (int i = 0; i < SCRM_TASK_COUNT; i++) {
		cr_assert_eq(scrm_task_parse(names[i], &t), 0);
		cr_assert_eq(t, (scrm_task)i);
		cr_assert_str_eq(scrm_task_name(t), names[i]);
	}
	cr_assert_eq(scrm_task_parse("Sentiment", &t), -EINVAL, "task names are exact");
	cr_assert_str_eq(scrm_task_name(SCRM_TASK_COUNT), "?");
	size_t n;
	const char *const *l = scrm_task_labels(SCRM_TASK_SENTIMENT, &n);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(l[SCRM_SENT_NEGATIVE], "negative");
	cr_assert_str_eq(l[SCRM_SENT_NEUTRAL], "neutral");
	cr_assert_str_eq(l[SCRM_SENT_POSITIVE], "positive");
	l = scrm_task_labels(SCRM_TASK_INTENT, &n);
	cr_assert_eq(n, 8);
	cr_assert_str_eq(l[0], "question");
	cr_assert_str_eq(l[7], "other");
	l = scrm_task_labels(SCRM_TASK_AIRLINE_REASON, &n);
	cr_assert_eq(n, 10);
}

Test(classifier, labels_task_takes_any_label_set)
{
	static const char *const names[] = {"card_arrival", "Card_Arrival", "top_up"};
	static const char *const two[] = {"b", "a"};
	static const char *const dup[] = {"x", "x"};
	static const char *const empty[] = {"x", ""};
	size_t n;
	cr_assert_eq(scrm_task_set_labels(SCRM_TASK_INTENT, names, 3), -EINVAL, "fixed sets stay fixed");
	cr_assert_eq(scrm_task_set_labels(SCRM_TASK_LABELS, dup, 2), -EINVAL, "repeated name");
	cr_assert_eq(scrm_task_set_labels(SCRM_TASK_LABELS, empty, 2), -EINVAL, "empty name");
	cr_assert_eq(scrm_task_set_labels(SCRM_TASK_LABELS, names, 0), -EINVAL);
	cr_assert_eq(scrm_task_set_labels(SCRM_TASK_LABELS, names, 3), 0);
	const char *const *l = scrm_task_labels(SCRM_TASK_LABELS, &n);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(l[1], "Card_Arrival");
	cr_assert_eq(scrm_task_label_parse(SCRM_TASK_LABELS, " Card_Arrival ", 14), 1, "exact, spaces trimmed");
	cr_assert_eq(scrm_task_label_parse(SCRM_TASK_LABELS, "card_arrival", 12), 0, "case matters");
	cr_assert_eq(scrm_task_label_parse(SCRM_TASK_LABELS, "CARD_ARRIVAL", 12), -ENOENT);
	cr_assert_eq(scrm_task_label_parse(SCRM_TASK_LABELS, "top_up_x", 6), 2, "len bytes only");
	cr_assert_eq(scrm_task_set_labels(SCRM_TASK_LABELS, two, 2), 0, "a new set replaces the old");
	l = scrm_task_labels(SCRM_TASK_LABELS, &n);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(l[0], "b");
	cr_assert_eq(scrm_task_label_parse(SCRM_TASK_LABELS, "top_up", 6), -ENOENT);
	cr_assert_not_null(scrm_classifier_find(SCRM_TASK_LABELS, "linear"));
}

Test(classifier, gold_label_parsing)
{
#define P(task, s) scrm_task_label_parse(task, s, strlen(s))
	cr_assert_eq(P(SCRM_TASK_SENTIMENT, "positive"), SCRM_SENT_POSITIVE);
	cr_assert_eq(P(SCRM_TASK_SENTIMENT, " NEGATIVE "), SCRM_SENT_NEGATIVE, "case and spaces");
	cr_assert_eq(P(SCRM_TASK_SENTIMENT, "Neutral"), SCRM_SENT_NEUTRAL);
	cr_assert_eq(P(SCRM_TASK_SENTIMENT, "positve"), -ENOENT);
	cr_assert_eq(P(SCRM_TASK_SENTIMENT, "1"), -ENOENT, "numbers are not sentiment labels");
	cr_assert_eq(P(SCRM_TASK_SENTIMENT, ""), -ENOENT);
	cr_assert_eq(P(SCRM_TASK_COMPLAINT, "1"), 1);
	cr_assert_eq(P(SCRM_TASK_COMPLAINT, "0"), 0);
	cr_assert_eq(P(SCRM_TASK_ACTION, "TRUE"), 1);
	cr_assert_eq(P(SCRM_TASK_ACTION, "no"), 0);
	cr_assert_eq(P(SCRM_TASK_ACTION, "2"), -ENOENT);
	cr_assert_eq(P(SCRM_TASK_INTENT, "Churn"), 4);
	cr_assert_eq(P(SCRM_TASK_INTENT, "1"), -ENOENT);
	cr_assert_eq(P(SCRM_TASK_AIRLINE_REASON, "can't tell"), 2);
	cr_assert_eq(P(SCRM_TASK_AIRLINE_REASON, "longlines"), 8);
	cr_assert_eq(scrm_task_label_parse(SCRM_TASK_SENTIMENT, "positive!", 8), SCRM_SENT_POSITIVE, "len bytes only");
#undef P
	cr_assert_eq(scrm_clf_sentiment_class(0.05), SCRM_SENT_POSITIVE);
	cr_assert_eq(scrm_clf_sentiment_class(0.0499), SCRM_SENT_NEUTRAL);
	cr_assert_eq(scrm_clf_sentiment_class(-0.05), SCRM_SENT_NEGATIVE);
	cr_assert_eq(scrm_clf_sentiment_class(-0.0499), SCRM_SENT_NEUTRAL);
}

Test(classifier, registry)
{
	cr_assert_geq(scrm_classifier_count(), 2);
	const scrm_classifier_desc *v = scrm_classifier_find(SCRM_TASK_SENTIMENT, "vader");
	const scrm_classifier_desc *s = scrm_classifier_find(SCRM_TASK_SENTIMENT, "scrm");
	cr_assert(v && s);
	cr_assert_eq(v, &scrm_clf_sentiment_vader);
	cr_assert_eq(s, &scrm_clf_sentiment_scrm);
	cr_assert_null(scrm_classifier_find(SCRM_TASK_INTENT, "vader"), "names are per task");
	cr_assert_null(scrm_classifier_find(SCRM_TASK_SENTIMENT, "nope"));
	cr_assert_null(scrm_classifier_find(SCRM_TASK_SENTIMENT, NULL));
	cr_assert_null(scrm_classifier_at(scrm_classifier_count()));
	const scrm_classifier_desc *list[4];
	cr_assert_eq(scrm_classifier_list(SCRM_TASK_SENTIMENT, list, 4), 4);
	cr_assert_eq(list[0], v, "registry order");
	cr_assert_eq(list[1], s);
	cr_assert_eq(list[2], &scrm_clf_sentiment_linear);
	cr_assert_eq(list[3], &scrm_clf_sentiment_learned);
	cr_assert_eq(scrm_classifier_list(SCRM_TASK_SENTIMENT, list, 1), 4, "the count even past cap");
	cr_assert_null(v->train, "rule-based");
	cr_assert(v->flags & SCRM_CLF_HAS_SCORE);

	cr_assert_eq(scrm_classifier_register(&scrm_clf_sentiment_vader), -EEXIST);
	scrm_classifier_desc bad = scrm_clf_sentiment_vader;
	bad.name = "other";
	bad.classify = NULL;
	cr_assert_eq(scrm_classifier_register(&bad), -EINVAL);
	cr_assert_eq(scrm_classifier_register(NULL), -EINVAL);
	bad = scrm_clf_sentiment_vader;
	bad.name = "Bad Name";
	cr_assert_eq(scrm_classifier_register(&bad), -EINVAL, "names are [a-z0-9_-]+");
	static scrm_classifier_desc extra; /* must outlive lookups */
	extra = scrm_clf_sentiment_vader;
	extra.task = SCRM_TASK_COMPLAINT;
	extra.name = "test-extra";
	size_t before = scrm_classifier_count();
	cr_assert_eq(scrm_classifier_register(&extra), 0);
	cr_assert_eq(scrm_classifier_count(), before + 1);
	cr_assert_eq(scrm_classifier_find(SCRM_TASK_COMPLAINT, "test-extra"), &extra);
	cr_assert_eq(scrm_classifier_at(before), &extra, "added after the built-ins");

	char err[128];
	scrm_clf_item it;
	scrm_clf_item_init(&it, "x", 1);
	uint32_t gold = 0;
	cr_assert_eq(scrm_classifier_train(v, NULL, &it, &gold, 1, "/nonexistent/m", err, sizeof err), -EOPNOTSUPP);
	cr_assert(strstr(err, "rule-based"), "%s", err);
}

Test(classifier, create_needs_a_lexicon)
{
	scrm_classifier *c = (scrm_classifier *)1;
	char err[128];
	scrm_clf_config cfg = {0};
	cr_assert_eq(scrm_classifier_create(&c, &scrm_clf_sentiment_vader, &cfg, err, sizeof err), -EINVAL);
	cr_assert_null(c);
	cr_assert(strstr(err, "needs a lexicon"), "%s", err);
	cr_assert_eq(scrm_classifier_create(&c, &scrm_clf_sentiment_scrm, NULL, err, sizeof err), -EINVAL);
	scrm_classifier_free(NULL);
}

Test(classifier, vader_labels_scores_confidence_and_why)
{
	scrm_lexicon *lex = mini();
	scrm_clf_config cfg = {.lexicon = lex};
	scrm_classifier *c;
	char err[128];
	cr_assert_eq(scrm_classifier_create(&c, &scrm_clf_sentiment_vader, &cfg, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_classifier_desc_of(c), &scrm_clf_sentiment_vader);
	static const char *const texts[] = {"good", "bad", "meh", "good bad good bad good bad good bad good bad"};
	scrm_clf_item it[4];
	scrm_clf_out out[4];
	for (int i = 0; i < 4; i++)
		scrm_clf_item_init(&it[i], texts[i], strlen(texts[i]));
	cr_assert_eq(it[0].followers, -1);
	cr_assert_eq(it[0].verified, -1);
	cr_assert_eq(it[0].is_reply, -1);
	cr_assert_eq(scrm_classifier_classify(c, it, 4, out, SCRM_CLF_EXPLAIN), 0);
	/* "good": 1.9 / sqrt(1.9^2 + 15) = 0.44043 -> 0.4404, positive; confidence
	 * (0.4404 - 0.05) / 0.95 = 0.41095 */
	cr_assert_eq(out[0].label, SCRM_SENT_POSITIVE);
	cr_assert_float_eq(out[0].score, 0.4404, 1e-12);
	cr_assert_float_eq(out[0].confidence, (0.4404 - 0.05) / 0.95, 1e-6);
	cr_assert_str_eq(out[0].why, "compound 0.4404: good +1.90");
	/* "bad": -2.5 / sqrt(21.25) = -0.54233 -> -0.5423 */
	cr_assert_eq(out[1].label, SCRM_SENT_NEGATIVE);
	cr_assert_float_eq(out[1].score, -0.5423, 1e-12);
	cr_assert_str_eq(out[1].why, "compound -0.5423: bad -2.50");
	/* no lexicon word: compound 0, neutral, confidence 1 - 0/0.05 = 1 */
	cr_assert_eq(out[2].label, SCRM_SENT_NEUTRAL);
	cr_assert_float_eq(out[2].confidence, 1.0, 1e-9);
	cr_assert_str_eq(out[2].why, "compound 0.0000");
	/* a word said again is one term, its mentions added; whole terms only, within the
	 * buffer */
	size_t wl = strlen(out[3].why);
	cr_assert_lt(wl, SCRM_CLF_WHY_MAX);
	cr_assert(out[3].why[wl - 1] >= '0' && out[3].why[wl - 1] <= '9', "ends with a whole term: %s", out[3].why);
	cr_assert(strstr(out[3].why, "good +9.50, bad -12.50"), "%s", out[3].why);
	for (int i = 0; i < 4; i++)
		cr_assert(out[i].confidence >= 0 && out[i].confidence <= 1);

	/* without SCRM_CLF_EXPLAIN: no why, same label and score */
	scrm_clf_out o2[4];
	cr_assert_eq(scrm_classifier_classify(c, it, 4, o2, 0), 0);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(o2[i].label, out[i].label);
		cr_assert_eq(o2[i].score, out[i].score);
		cr_assert_str_eq(o2[i].why, "");
	}
	/* a score the analyze stage already computed is used as given */
	scrm_sentiment given = {.neg = 1, .compound = -0.9};
	it[0].sentiment[SCRM_SENT_VADER] = &given;
	cr_assert_eq(scrm_classifier_classify(c, it, 1, o2, SCRM_CLF_EXPLAIN), 0);
	cr_assert_eq(o2[0].label, SCRM_SENT_NEGATIVE);
	cr_assert_eq(o2[0].score, -0.9);
	cr_assert_str_eq(o2[0].why, "compound -0.9000");
	it[0].sentiment[SCRM_SENT_VADER] = NULL;
	it[0].sentiment[SCRM_SENT_SCRM] = &given; /* the other mode's score is not vader's */
	cr_assert_eq(scrm_classifier_classify(c, it, 1, o2, 0), 0);
	cr_assert_eq(o2[0].label, SCRM_SENT_POSITIVE);

	cr_assert_eq(scrm_classifier_classify(c, it, 0, NULL, 0), 0, "an empty batch");
	cr_assert_eq(scrm_classifier_classify(NULL, it, 1, o2, 0), -EINVAL);
	scrm_classifier_free(c);
	scrm_lexicon_free(lex);
}

Test(classifier, scrm_mode_through_the_interface)
{
	scrm_lexicon *lex = mini();
	scrm_clf_config cfg = {.lexicon = lex};
	scrm_classifier *c;
	char err[128];
	cr_assert_eq(scrm_classifier_create(&c, &scrm_clf_sentiment_scrm, &cfg, err, sizeof err), 0, "%s", err);
	static const char *const texts[] = {"so happy with it", "bad bad bad", ""};
	scrm_clf_item it[3];
	scrm_clf_out out[3];
	for (int i = 0; i < 3; i++)
		scrm_clf_item_init(&it[i], texts[i], strlen(texts[i]));
	cr_assert_eq(scrm_classifier_classify(c, it, 3, out, SCRM_CLF_EXPLAIN), 0);
	cr_assert_eq(out[0].label, SCRM_SENT_POSITIVE);
	cr_assert_eq(out[1].label, SCRM_SENT_NEGATIVE);
	cr_assert_eq(out[2].label, SCRM_SENT_NEUTRAL);
	for (int i = 0; i < 3; i++)
		cr_assert_eq((int)out[i].label, scrm_clf_sentiment_class(out[i].score), "label is the cut of the score");
	cr_assert(strncmp(out[0].why, "compound ", 9) == 0, "%s", out[0].why);
	scrm_classifier_free(c);
	scrm_lexicon_free(lex);
}

/* scrm_clf_fmt_fixed() writes what printf's "%+.2f" (and, for the linear classifier's
 * weights, "%+.1f") writes: every value with up to four decimals in [-3, 3] (the scores
 * explanations print), the halfway points k/200 and their neighbours one ulp away, signed
 * zeros, huge and non-finite values, and a million pseudo-random doubles. */
static void same_as_printf_dec(double v, int dec)
{
	char want[64], got[SCRM_CLF_NUM_MAX];
	int wn = snprintf(want, sizeof want, "%+.*f", dec, v);
	size_t n = scrm_clf_fmt_fixed(got, v, dec);
	cr_assert_eq(n, strlen(got));
	if ((size_t)wn >= sizeof got) { /* a huge value: printf's, cut */
		cr_assert_eq(n, sizeof got - 1);
		cr_assert(!strncmp(got, want, n), "%.17g: got %s, printf %s", v, got, want);
		return;
	}
	cr_assert_str_eq(got, want, "%.17g: got %s, printf %s", v, got, want);
	cr_assert_eq(n, (size_t)wn);
}

static void same_as_printf(double v)
{
	same_as_printf_dec(v, 2);
	same_as_printf_dec(v, 1);
	same_as_printf_dec((float)v, 1); /* the linear model's weights are floats */
}

Test(classifier, fmt_fixed_is_printfs)
{
	for (int k = -30000; k <= 30000; k++)
		same_as_printf(k / 10000.0);
	for (int k = -600; k <= 600; k++) {
		double h = k / 200.0;
		same_as_printf(h);
		same_as_printf(nextafter(h, INFINITY));
		same_as_printf(nextafter(h, -INFINITY));
	}
	static const double special[] = {0.0, -0.0, 1e-300, -1e-300, 0.005, -0.005, 0.015, 0.125, -0.125, 0.135,
					 0.145, 99.995, 123456.785, 1e7, 9999999999999.995, 1e13, -1e300, INFINITY, -INFINITY, NAN};
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		same_as_printf(special[i]);
	uint64_t x = 0x9E3779B97F4A7C15u;
	for (int i = 0; i < 1000000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		double u = (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
		same_as_printf((u - 0.5) * 4 * (i % 3 == 0 ? 100 : 1));
	}
}

/* Influence through the interface: influence.h's formula, values worked out by hand
 * (README "Influence"). */
Test(classifier, influence_formula)
{
	const scrm_classifier_desc *d = scrm_classifier_find(SCRM_TASK_INFLUENCE, "formula");
	cr_assert_eq(d, &scrm_clf_influence_formula);
	cr_assert_str_eq(scrm_task_name(SCRM_TASK_INFLUENCE), "influence");
	cr_assert(d->flags & SCRM_CLF_HAS_SCORE);
	scrm_classifier *c;
	char err[128];
	scrm_clf_config cfg = {0};
	cr_assert_eq(scrm_classifier_create(&c, d, &cfg, err, sizeof err), 0, "%s", err);
	scrm_clf_item it[3];
	/* 1,000 followers: reach 100 log10(1001) / 7 = 42.9 -> 43; one retweet: engagement
	 * 100 log10(1 + 1000 / 1000) / 3 = 10.0 -> 10; verified 100; weight 10: network
	 * 100 log10(11) / 3 = 34.7 -> 35; score 0.4 x 43 + 0.2 x 10 + 0.15 x 100 + 0.25 x 35
	 * = 42.95 -> 43 (medium) */
	scrm_clf_item_init(&it[0], "ignored", 7);
	it[0].followers = 1000;
	it[0].retweets = 1;
	it[0].verified = 1;
	it[0].network_weight = 10;
	/* all unknown: 0 everywhere (low) */
	scrm_clf_item_init(&it[1], NULL, 0);
	/* 10M followers, 10,000 likes, verified, weight 1,000: every part 100 (high) */
	scrm_clf_item_init(&it[2], "", 0);
	it[2].followers = 10000000;
	it[2].likes = 10000000;
	it[2].verified = 1;
	it[2].network_weight = 1000;
	scrm_clf_out o[3];
	cr_assert_eq(scrm_classifier_classify(c, it, 3, o, SCRM_CLF_EXPLAIN), 0);
	const float want[3][5] = {{43, 43, 10, 100, 35}, {0, 0, 0, 0, 0}, {100, 100, 100, 100, 100}};
	const char *labels[3] = {"medium", "low", "high"};
	const char *why[3] = {"reach 43, engagement 10, authority 100, network 35",
			      "reach 0, engagement 0, authority 0, network 0",
			      "reach 100, engagement 100, authority 100, network 100"};
	size_t nl;
	const char *const *names = scrm_task_labels(SCRM_TASK_INFLUENCE, &nl);
	cr_assert_eq(nl, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(o[i].score, want[i][0], "item %d: score %g", i, o[i].score);
		for (int k = 0; k < 4; k++)
			cr_assert_eq(o[i].parts[k], want[i][1 + k], "item %d part %d: %g", i, k, (double)o[i].parts[k]);
		cr_assert_str_eq(names[o[i].label], labels[i]);
		cr_assert_eq(o[i].confidence, 1.0f);
		cr_assert_str_eq(o[i].why, why[i]);
	}
	cr_assert_eq(scrm_classifier_classify(c, it, 1, o, 0), 0);
	cr_assert_str_eq(o[0].why, "", "no explanation unless asked");
	scrm_classifier_free(c);
}
