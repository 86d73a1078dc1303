/*
 * test_clf_intent.c - the intent classifiers: every rule of `cues` on hand-made texts
 * (label, action_needed and the explanation naming the rule), the `linear` classifier
 * through the classifier interface (train hook -> model file -> create -> classify, a
 * model for the wrong task and a corrupt one rejected), and `scrm eval --folds 5` of both
 * on the real dev corpora when they are present (intent and action on intent-scrm,
 * complaint on complaints), each against the majority-class macro-F1.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classifier.h"
#include "clf_cues.h"
#include "sentiment.h"
#include "testutil.h"

/* ---- cues ---- */

typedef struct cue_case {
	const char *text;
	int is_reply;      /* -1 unknown */
	double compound;   /* scrm sentiment given to the item; NAN-free sentinel 9 = none */
	const char *intent;
	int action;
	const char *why;   /* substring of the intent explanation */
	const char *awhy;  /* substring of the action explanation */
} cue_case;

#define NOSENT 9.0
#define DIRECT 2 /* is_reply 0, direct 1 */

static const cue_case cue_cases[] = {
	/* question: phrase, addressed / not addressed */
	{"@acme how do i change my password", -1, NOSENT, "question", 1, "question: \"how do i\"", "yes, question"},
	{"anyone know a good pizza place", -1, NOSENT, "question", 0, "question: \"anyone know\"", "not addressed"},
	/* a bare '?' counts only when addressed */
	{"@acme open on sunday?", -1, NOSENT, "question", 1, "question: \"?\"", "@mention"},
	{"is it sunday already?", -1, NOSENT, "other", 0, "other: no cue", "no, other"},
	/* complaint: phrase; negative sentiment addressed to someone */
	{"@acme still waiting for my order", -1, NOSENT, "complaint", 1, "complaint: \"still waiting\"", "@mention"},
	/* hours as a wait is a complaint, opening hours are not */
	{"@acme on hold for 2 hours", -1, NOSENT, "complaint", 1, "complaint: \"on hold\"", "@mention"},
	{"@acme waited three hours at the desk", -1, NOSENT, "complaint", 1, "complaint: \"waited\"", "@mention"},
	{"@acme six hrs and counting", -1, NOSENT, "complaint", 1, "complaint: \"six hrs\"", "@mention"},
	{"@acme my bag is 24 hours late", -1, NOSENT, "complaint", 1, "complaint: \"24 hours\"", "@mention"},
	{"@acme 2+ hrs", -1, NOSENT, "complaint", 1, "complaint: \"2+ hrs\"", "@mention"},
	{"@acme hours on the phone for nothing", -1, NOSENT, "complaint", 1, "complaint: \"hours on the phone\"",
	 "@mention"},
	{"@acme what are your customer service hours on sunday", -1, NOSENT, "question", 1,
	 "question: \"what are\"", "@mention"},
	/* trouble named as absent is none; trouble not fixed still is */
	{"@acme no issues at all, great service", -1, NOSENT, "praise", 0, "praise: \"great\"", "no, praise"},
	{"@acme zero problems, love it", -1, NOSENT, "praise", 0, "praise: \"love\"", "no, praise"},
	{"@acme haven't had any issues since the update, thanks", -1, NOSENT, "praise", 0, "praise: \"thanks\"",
	 "no, praise"},
	{"@acme never had a problem with you", -1, NOSENT, "other", 0, "other: no cue", "no"},
	{"@acme you did not resolve my issue", -1, NOSENT, "complaint", 1, "complaint: \"issue\"", "@mention"},
	{"@acme no error message, it just fails", -1, NOSENT, "complaint", 1, "complaint: \"error\"", "@mention"},
	/* praise named as absent is none: "not impressed", "not the best", "no love" */
	{"@acme not impressed with the update", -1, NOSENT, "other", 0, "other: no cue", "no"},
	{"@acme not impressed with the update", -1, -0.4, "complaint", 1, "complaint: sentiment -0.40 + addressed",
	 "yes"},
	{"@acme not the best day for your app", -1, NOSENT, "other", 0, "other: no cue", "no"},
	{"@acme never great, always late", -1, NOSENT, "complaint", 1, "complaint: \"late\"", "@mention"},
	{"@acme great service, not impressed by the price though", -1, NOSENT, "praise", 0, "praise: \"great\"",
	 "no, praise"},
	{"@acme meh meh meh", -1, -0.6, "complaint", 1, "complaint: sentiment -0.60 + addressed", "yes"},
	{"meh meh meh", -1, -0.6, "other", 0, "other: no cue", "no"},
	{"the app is not working again", -1, NOSENT, "complaint", 0, "complaint: \"not working\"", "not addressed"},
	/* on a direct channel (e-mail, chat: scrm_clf_item.direct) a message is addressed to the
	 * company without an @mention */
	{"the app is not working again", DIRECT, NOSENT, "complaint", 1, "complaint: \"not working\"",
	 "yes, complaint: \"not working\", direct channel"},
	{"meh meh meh", DIRECT, -0.6, "complaint", 1, "complaint: sentiment -0.60 + addressed", "direct channel"},
	{"is it sunday already?", DIRECT, NOSENT, "question", 1, "question: \"?\"", "direct channel"},
	{"i want to buy a new phone", DIRECT, NOSENT, "purchase", 1, "purchase: \"want to buy\"", "direct channel"},
	{"@acme still waiting for my order", DIRECT, NOSENT, "complaint", 1, "complaint: \"still waiting\"",
	 "@mention"},
	{"thank you so much", DIRECT, NOSENT, "praise", 0, "praise: \"thank\"", "no, praise"},
	/* praise: phrase; positive sentiment in a reply */
	{"@acme thank you so much", -1, NOSENT, "praise", 0, "praise: \"thank\"", "no, praise"},
	{"so good", 1, 0.8, "praise", 0, "praise: sentiment +0.80", "no"},
	/* purchase */
	{"@acme how much is the family plan", -1, NOSENT, "purchase", 1, "purchase: \"how much is\"", "@mention"},
	{"i want to buy a new phone", -1, NOSENT, "purchase", 0, "purchase: \"want to buy\"", "not addressed"},
	/* buying asked as a question is purchase, not question (GUIDELINE.md rule 4) */
	{"@acme can i buy premium with a debit card?", -1, NOSENT, "purchase", 1, "purchase: \"can i buy\"",
	 "@mention"},
	{"@acme when can i buy the framed print?", -1, NOSENT, "purchase", 1, "purchase: \"when can i buy\"",
	 "@mention"},
	{"@acme thinking of buying a voucher for a friend", -1, NOSENT, "purchase", 1,
	 "purchase: \"thinking of buying\"", "@mention"},
	{"@acme how much was the package deal", -1, NOSENT, "purchase", 1, "purchase: \"how much was\"", "@mention"},
	{"@acme do you offer discounts for kids under 2?", -1, NOSENT, "purchase", 1,
	 "purchase: \"discounts for kids\"", "@mention"},
	/* a follow so the writer can DM is a question, and its "you need to" no suggestion */
	{"@acme you need to follow me so i can dm you", -1, NOSENT, "question", 1,
	 "question: \"need to follow me\"", "@mention"},
	{"@acme happily! but follow me back first", -1, NOSENT, "question", 1, "question: \"follow me back\"",
	 "@mention"},
	{"@acme you need to add a sleep timer", -1, NOSENT, "suggestion", 1, "suggestion: \"you need to\"",
	 "@mention"},
	/* "please let me know" asks; it is no suggestion */
	{"@acme please let me know if you found my hat", -1, NOSENT, "question", 1, "question: \"please let me know\"",
	 "@mention"},
	/* churn: always action */
	{"@acme i am cancelling my subscription", -1, NOSENT, "churn", 1, "churn: \"cancelling my subscription\"", "yes"},
	{"never again with this airline", -1, NOSENT, "churn", 1, "churn: \"never again\"", "yes"},
	/* suggestion */
	{"@acme please add a sleep timer", -1, NOSENT, "suggestion", 1, "suggestion: \"please add\"", "@mention"},
	{"it would be great if it had a sleep timer", -1, NOSENT, "suggestion", 0, "suggestion: \"would be great\"",
	 "not addressed"},
	/* spam: strong cue; weak cue + link; structural */
	{"huge giveaway retweet to enter", -1, NOSENT, "spam", 0, "spam: \"giveaway\"", "no, spam"},
	{"free stuff here https://x.co/abc", -1, NOSENT, "spam", 0, "spam: link + \"free\"", "no"},
	{"#one #two #three #four", -1, NOSENT, "spam", 0, "spam: hashtags", "no"},
	/* other: nothing; a mid-thread information reply */
	{"nice weather for ducks", -1, NOSENT, "other", 0, "other: no cue", "no, other"},
	{"@acme done, iphone 8 on ios 11", 1, NOSENT, "other", 1, "other: no cue", "info reply"},
	{"@acme ok", 1, NOSENT, "other", 0, "other: no cue", "no info cue"},
	/* precedence: spam > churn > purchase > suggestion > complaint > question > praise */
	{"@acme the app is not working, i am switching to deezer", -1, NOSENT, "churn", 1, "churn: \"switching to\"",
	 "yes"},
	{"@acme i want to buy it but checkout is broken", -1, NOSENT, "complaint", 1, "complaint: \"broken\"", "yes"},
	{"@acme thanks but how do i log in?", -1, NOSENT, "question", 1, "question:", "yes"},
	{"@acme giveaway: free promo code, how do i enter?", -1, NOSENT, "spam", 0, "spam: \"giveaway\"", "no"},
	/* a resolution is praise, and the complaint word inside it no complaint; a negated
	 * one is not a resolution; a complaint word outside it still counts */
	{"@acme problem fixed in 20 minutes", -1, NOSENT, "praise", 0, "praise: \"problem fixed\"", "no, praise"},
	{"@acme it's all sorted now", -1, NOSENT, "praise", 0, "praise: \"it's all sorted\"", "no"},
	{"@acme I got it working", -1, NOSENT, "praise", 0, "praise: \"got it working\"", "no"},
	{"@acme you haven't fixed it", -1, NOSENT, "other", 0, "other: no cue", "no"},
	{"@acme you didn\xe2\x80\x99t fixed it", -1, NOSENT, "other", 0, "other: no cue", "no"},
	{"@acme never got it working", -1, NOSENT, "complaint", 1, "complaint: \"never got\"", "yes"},
	/* the negation may be up to three words back, within the clause */
	{"they never really fixed the problem", -1, NOSENT, "complaint", 0, "complaint: \"problem\"", "no"},
	{"I haven't yet fixed it", -1, NOSENT, "other", 0, "other: no cue", "no"},
	{"No, it's fixed now", -1, NOSENT, "praise", 0, "praise: \"it's fixed\"", "no"},
	/* a question phrase after a bare '?' still counts (the '?' alone needs addressing) */
	{"Hello? how do i reset my password", -1, NOSENT, "question", 0, "question: \"how do i\"", "not addressed"},
	/* a complaint word inside "Flight Booking Problems" is none, one elsewhere still is */
	{"Flight Booking Problems: my flight was cancelled", -1, NOSENT, "complaint", 0, "complaint: \"cancelled\"",
	 "not addressed"},
	{"@acme the issue was resolved but the app crashes again", -1, NOSENT, "complaint", 1,
	 "complaint: \"crashes\"", "yes"},
	/* the ":/" emoticon: after a space or at the start, not a link's "://"; the quote takes
	 * in the space before and the byte after */
	{"@acme thanks :/ ok", -1, NOSENT, "complaint", 1, "complaint: \" :/ \"", "yes"},
	{":/", -1, NOSENT, "complaint", 0, "complaint: \":/\"", "no, complaint"},
	/* ... but never half a character: the byte after it may start one (valid UTF-8 why) */
	{"ok :/\xc3\xa9 bof", -1, NOSENT, "complaint", 0, "complaint: \" :/\"", "no, complaint"},
	{"@acme see http://x.co/a", -1, NOSENT, "other", 0, "other: no cue", "no"},
	{"@acme thanks:/", -1, NOSENT, "praise", 0, "praise: \"thanks\"", "no"},
};

static int run_cues(scrm_task task, const cue_case *cc, scrm_clf_out *out)
{
	const scrm_classifier_desc *d = scrm_classifier_find(task, "cues");
	cr_assert_not_null(d, "cues for task %s", scrm_task_name(task));
	cr_assert_null(d->train, "cues is rule-based");
	scrm_classifier *c;
	char err[256];
	scrm_clf_config cfg = {0}; /* no lexicon: the items carry sentiment or go without */
	cr_assert_eq(scrm_classifier_create(&c, d, &cfg, err, sizeof err), 0, "%s", err);
	scrm_clf_item it;
	scrm_clf_item_init(&it, cc->text, strlen(cc->text));
	it.is_reply = (int8_t)(cc->is_reply == DIRECT ? 0 : cc->is_reply);
	it.direct = cc->is_reply == DIRECT;
	scrm_sentiment s = {0, 1, 0, cc->compound};
	if (cc->compound != NOSENT)
		it.sentiment[SCRM_SENT_SCRM] = &s;
	int rc = scrm_classifier_classify(c, &it, 1, out, SCRM_CLF_EXPLAIN);
	scrm_classifier_free(c);
	return rc;
}

/* The cue database comes from the binary (compiled at build time for this machine), not
 * from a compile at start-up; and it matches: a question cue and a complaint stem whose
 * end is extended to the end of its word. */
Test(cues, database_embedded_and_matching)
{
	cr_assert_eq(scrm_cues_db_embedded(), 1, "the embedded cue database was not used");
	scrm_cues *c;
	char err[256];
	cr_assert_eq(scrm_cues_create(&c, err, sizeof err), 0, "%s", err);
	const char *t = "how do i get a refund? so disappointed";
	scrm_cues_hits h;
	cr_assert_eq(scrm_cues_scan(c, t, strlen(t), -1, &h), 0);
	cr_assert(h.groups & (1u << SCRM_CUE_QUESTION));
	cr_assert_eq(h.from[SCRM_CUE_QUESTION], 0);
	cr_assert(h.groups & (1u << SCRM_CUE_COMPLAINT));
	/* "refund" (at 15) is the leftmost complaint cue */
	cr_assert_eq(h.from[SCRM_CUE_COMPLAINT], 15, "complaint at %u", h.from[SCRM_CUE_COMPLAINT]);
	scrm_cues_free(c);
	const char *t2 = "so disappointed today";
	cr_assert_eq(scrm_cues_create(&c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_cues_scan(c, t2, strlen(t2), -1, &h), 0);
	cr_assert_eq(h.from[SCRM_CUE_COMPLAINT], 3);
	cr_assert_eq(h.to[SCRM_CUE_COMPLAINT], 15, "the stem's end is not the word's end");
	scrm_cues_free(c);
}

Test(cues, every_rule_label_action_and_why)
{
	size_t nl;
	const char *const *labels = scrm_task_labels(SCRM_TASK_INTENT, &nl);
	for (size_t i = 0; i < sizeof cue_cases / sizeof cue_cases[0]; i++) {
		const cue_case *cc = &cue_cases[i];
		scrm_clf_out o;
		cr_assert_eq(run_cues(SCRM_TASK_INTENT, cc, &o), 0);
		cr_expect_str_eq(labels[o.label], cc->intent, "'%s': intent %s, want %s (why: %s)", cc->text,
				 labels[o.label], cc->intent, o.why);
		cr_expect(strstr(o.why, cc->why), "'%s': why '%s' lacks '%s'", cc->text, o.why, cc->why);
		cr_expect(strlen(o.why) < SCRM_CLF_WHY_MAX);
		cr_expect(o.confidence >= 0.5f && o.confidence <= 0.8f);
		cr_assert_eq(run_cues(SCRM_TASK_ACTION, cc, &o), 0);
		cr_expect_eq((int)o.label, cc->action, "'%s': action %u, want %d (why: %s)", cc->text, o.label,
			     cc->action, o.why);
		cr_expect(strstr(o.why, cc->awhy), "'%s': action why '%s' lacks '%s'", cc->text, o.why, cc->awhy);
	}
}

Test(cues, complaint_task_and_no_explain)
{
	cue_case cc = {"@acme my flight was delayed 5 hours", -1, NOSENT, NULL, 0, NULL, NULL};
	scrm_clf_out o;
	cr_assert_eq(run_cues(SCRM_TASK_COMPLAINT, &cc, &o), 0);
	cr_assert_eq(o.label, 1);
	cr_assert(strstr(o.why, "yes, complaint: \"delayed\""), "%s", o.why);
	cue_case churn = {"cancel my account now", -1, NOSENT, NULL, 0, NULL, NULL};
	cr_assert_eq(run_cues(SCRM_TASK_COMPLAINT, &churn, &o), 0);
	cr_assert_eq(o.label, 1, "churn counts as a complaint: %s", o.why);
	/* without SCRM_CLF_EXPLAIN why stays empty; empty text is other */
	scrm_classifier *c;
	char err[256];
	cr_assert_eq(scrm_classifier_create(&c, scrm_classifier_find(SCRM_TASK_INTENT, "cues"), NULL, err, sizeof err),
		     0);
	scrm_clf_item it[2];
	scrm_clf_item_init(&it[0], "", 0);
	scrm_clf_item_init(&it[1], NULL, 0);
	scrm_clf_out out[2];
	memset(out, 'x', sizeof out);
	cr_assert_eq(scrm_classifier_classify(c, it, 2, out, 0), 0);
	cr_assert_eq(out[0].label, 7);
	cr_assert_eq(out[1].label, 7);
	cr_assert_eq(out[0].why[0], 0);
	scrm_classifier_free(c);
}

/* ---- linear through the interface ---- */

static const struct {
	const char *text;
	uint32_t yes;
} toy[] = {
	{"@acme my order is late again", 1},           {"@acme the app is broken and crashing", 1},
	{"@acme still no refund after two weeks", 1},  {"@acme worst service ever, order late", 1},
	{"@acme refund me, the box arrived broken", 1}, {"@acme the delivery is late and broken", 1},
	{"@acme crashing every time i open it", 1},    {"@acme where is my refund, so late", 1},
	{"@acme love the new update, thanks", 0},      {"@acme thanks for the quick help", 0},
	{"@acme great playlist today", 0},             {"@acme love this song so much", 0},
	{"happy friday everyone", 0},                  {"@acme thanks, all sorted now", 0},
	{"@acme great job on the new design", 0},      {"what a lovely morning", 0},
};
#define NTOY (sizeof toy / sizeof toy[0])

static void toy_model(const char *path)
{
	scrm_clf_item items[NTOY];
	uint32_t gold[NTOY];
	for (size_t i = 0; i < NTOY; i++) {
		scrm_clf_item_init(&items[i], toy[i].text, strlen(toy[i].text));
		gold[i] = toy[i].yes;
	}
	const scrm_classifier_desc *d = scrm_classifier_find(SCRM_TASK_COMPLAINT, "linear");
	cr_assert_not_null(d);
	cr_assert_not_null(d->train);
	cr_assert(d->flags & SCRM_CLF_NEEDS_MODEL);
	char err[512];
	scrm_clf_config cfg = {0};
	cr_assert_eq(scrm_classifier_train(d, &cfg, items, gold, NTOY, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(access(path, R_OK), 0);
}

Test(linear_clf, train_save_create_classify)
{
	char path[] = "/tmp/scrm-test-linear-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	toy_model(path);
	const scrm_classifier_desc *d = scrm_classifier_find(SCRM_TASK_COMPLAINT, "linear");
	scrm_classifier *c;
	char err[512];
	scrm_clf_config cfg = {.model_path = path};
	cr_assert_eq(scrm_classifier_create(&c, d, &cfg, err, sizeof err), 0, "%s", err);
	const char *texts[] = {"@acme my parcel is late and the lid is broken", "@acme thanks, love it"};
	scrm_clf_item it[2];
	for (int i = 0; i < 2; i++)
		scrm_clf_item_init(&it[i], texts[i], strlen(texts[i]));
	scrm_clf_out o[2];
	cr_assert_eq(scrm_classifier_classify(c, it, 2, o, SCRM_CLF_EXPLAIN), 0);
	cr_assert_eq(o[0].label, 1, "why: %s", o[0].why);
	cr_assert_eq(o[1].label, 0, "why: %s", o[1].why);
	cr_assert(o[0].confidence > 0.5f && o[0].confidence <= 1.0f);
	/* the explanation: the label, then the strongest features, whole terms */
	cr_assert(strncmp(o[0].why, "yes: ", 5) == 0, "%s", o[0].why);
	cr_assert(strstr(o[0].why, "late") || strstr(o[0].why, "broken") || strstr(o[0].why, "cue:complaint"), "%s",
		  o[0].why);
	cr_assert(strncmp(o[1].why, "no: ", 4) == 0, "%s", o[1].why);
	fprintf(stderr, "linear toy: '%s' -> %s; '%s' -> %s\n", texts[0], o[0].why, texts[1], o[1].why);
	scrm_classifier_free(c);

	/* needs a model; a model for another task; a corrupt file: clear errors naming it */
	scrm_clf_config none = {0};
	cr_assert_eq(scrm_classifier_create(&c, d, &none, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "model"), "%s", err);
	cr_assert_eq(scrm_classifier_create(&c, scrm_classifier_find(SCRM_TASK_INTENT, "linear"), &cfg, err, sizeof err),
		     -EINVAL);
	cr_assert(strstr(err, path) && strstr(err, "task 'complaint', not 'intent'"), "%s", err);
	cr_assert_eq(scrm_classifier_create(&c, scrm_classifier_find(SCRM_TASK_ACTION, "linear"), &cfg, err, sizeof err),
		     -EINVAL, "same labels (no/yes), other task: still refused");
	FILE *fp = fopen(path, "r+b");
	cr_assert_not_null(fp);
	fseek(fp, 100, SEEK_SET);
	int ch = fgetc(fp);
	fseek(fp, 100, SEEK_SET);
	fputc(ch ^ 0x55, fp);
	fclose(fp);
	cr_assert_eq(scrm_classifier_create(&c, d, &cfg, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, path), "%s", err);
	fprintf(stderr, "linear corrupt model: %s\n", err);
	unlink(path);
	cr_assert_neq(scrm_classifier_create(&c, d, &cfg, err, sizeof err), 0);
	cr_assert(strstr(err, path), "%s", err);
}

Test(linear_clf, registered_for_four_tasks)
{
	scrm_task t[] = {SCRM_TASK_INTENT, SCRM_TASK_ACTION, SCRM_TASK_COMPLAINT, SCRM_TASK_AIRLINE_REASON};
	for (size_t i = 0; i < 4; i++) {
		const scrm_classifier_desc *d = scrm_classifier_find(t[i], "linear");
		cr_assert_not_null(d, "%s", scrm_task_name(t[i]));
		cr_assert_not_null(d->train);
	}
	cr_assert_not_null(scrm_classifier_find(SCRM_TASK_INTENT, "cues"));
	cr_assert_not_null(scrm_classifier_find(SCRM_TASK_ACTION, "cues"));
}

/* ---- scrm eval on the real dev corpora ---- */

static const char *LEXICONS[] = {"../shared/corpora/lexicons/vader/vader_lexicon.txt",
				 "data/lexicons/vader_lexicon.txt"};

/* The number after "KEY": at or after p, or -1. */
static double num_after(const char *p, const char *key)
{
	const char *q = strstr(p, key);
	return q ? strtod(q + strlen(key), NULL) : -1;
}

static void eval_both(const char *task, const char *data, const char *label_col)
{
	const char *scrm = getenv("SCRM");
	if (!scrm || access(scrm, X_OK) != 0) {
		fprintf(stderr, "eval %s: skipped: $SCRM (the built binary) not set\n", task);
		cr_skip_test("SCRM not set");
	}
	if (access(data, R_OK) != 0) {
		fprintf(stderr, "eval %s: skipped: %s not found (run from the repo root with ../shared/corpora)\n", task,
			data);
		cr_skip_test("%s not found", data);
	}
	const char *lex = NULL;
	for (size_t i = 0; i < 2 && !lex; i++)
		if (access(LEXICONS[i], R_OK) == 0)
			lex = LEXICONS[i];
	if (!lex) {
		fprintf(stderr, "eval %s: skipped: no VADER lexicon\n", task);
		cr_skip_test("no lexicon");
	}
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "'%s' eval --task %s --data '%s' --label-col %s --lexicon '%s' --classifier cues --classifier linear "
		 "--folds 5 --json",
		 scrm, task, data, label_col, lex);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	static char js[1 << 16];
	size_t n = fread(js, 1, sizeof js - 1, p);
	js[n] = 0;
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
	/* majority-class macro-F1 from the gold supports (macro over the gold classes) */
	const char *pc = strstr(js, "\"per_class\":{");
	cr_assert_not_null(pc);
	const char *end = strstr(pc, "},\"confusion\"");
	double sup[64], total = 0, best = 0;
	int k = 0;
	for (const char *q = pc; (q = strstr(q, "\"support\":")) && q < end && k < 64; q++) {
		sup[k] = strtod(q + 10, NULL);
		total += sup[k];
		if (sup[k] > best)
			best = sup[k];
		k++;
	}
	int present = 0;
	for (int i = 0; i < k; i++)
		present += sup[i] > 0;
	double base = 2 * best / (best + total) / present;
	const char *cu = strstr(js, "\"cues\":{"), *li = strstr(js, "\"linear\":{");
	cr_assert(cu && li);
	double f_cues = num_after(cu, "\"macro_f1\":"), f_lin = num_after(li, "\"macro_f1\":");
	double a_cues = num_after(cu, "\"accuracy\":"), a_lin = num_after(li, "\"accuracy\":");
	fprintf(stderr, "eval %s on %s, 5-fold: macro-F1 cues %.4f, linear %.4f (accuracy %.4f, %.4f); majority %.4f\n",
		task, data, f_cues, f_lin, a_cues, a_lin, base);
	cr_expect_gt(f_cues, base + 0.1, "cues %.4f vs majority %.4f", f_cues, base);
	cr_expect_gt(f_lin, base + 0.1, "linear %.4f vs majority %.4f", f_lin, base);
}

Test(eval_corpora, intent_scrm_intent, .timeout = 300)
{
	eval_both("intent", "../shared/corpora/intent-scrm/dev.tweets.tsv", "intent");
}

Test(eval_corpora, intent_scrm_action, .timeout = 300)
{
	eval_both("action", "../shared/corpora/intent-scrm/dev.tweets.tsv", "action_needed");
}

Test(eval_corpora, complaints, .timeout = 300)
{
	eval_both("complaint", "../shared/corpora/complaints/dev.tweets.tsv", "complaint");
}

/* ---- the cue lists written out as literals (cues_expand.h) match as the lists do ---- */

#include "cues_patterns.h" /* the lists as written: the reference */

static uint64_t cue_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

typedef struct {
	hs_database_t *db;
	hs_scratch_t *scratch;
	scrm_cue_match *m;
	size_t n, cap;
} cue_ref;

static int ref_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
	(void)fl;
	cue_ref *r = ctx;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->m = realloc(r->m, r->cap * sizeof *r->m);
		cr_assert_not_null(r->m);
	}
	r->m[r->n++] = (scrm_cue_match){id, (uint32_t)from, (uint32_t)to};
	return 0;
}

static int match_cmp(const void *a, const void *b)
{
	const scrm_cue_match *x = a, *y = b;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	if (x->list != y->list)
		return x->list < y->list ? -1 : 1;
	return (x->from > y->from) - (x->from < y->from);
}

static void ref_open(cue_ref *r)
{
	hs_compile_error_t *ce = NULL;
	memset(r, 0, sizeof *r);
	cr_assert_eq(cues_compile_reference(&r->db, &ce), HS_SUCCESS, "%s", ce ? ce->message : "?");
	cr_assert_eq(hs_alloc_scratch(r->db, &r->scratch), HS_SUCCESS);
}

static void ref_close(cue_ref *r)
{
	hs_free_scratch(r->scratch);
	hs_free_database(r->db);
	free(r->m);
}

/* Compare the matcher with Hyperscan's leftmost start of match on the lists as written;
 * return how many matches the text had. */
static size_t same_matches(scrm_cues *c, cue_ref *r, const char *t, size_t n)
{
	static scrm_cue_match got[4096];
	r->n = 0;
	if (n)
		cr_assert_eq(hs_scan(r->db, t, (unsigned)n, 0, r->scratch, ref_match, r), HS_SUCCESS);
	if (r->n)
		qsort(r->m, r->n, sizeof *r->m, match_cmp);
	long k = scrm_cues_matches(c, t, n, got, 4096);
	cr_assert(k >= 0 && k <= 4096, "matches %ld", k);
	if ((size_t)k != r->n || (r->n && memcmp(got, r->m, r->n * sizeof *got))) {
		size_t i = 0;
		while (i < r->n && i < (size_t)k && !memcmp(&got[i], &r->m[i], sizeof *got))
			i++;
		cr_assert_fail("'%.*s': %ld matches, the lists as written %zu; first difference at %zu: got list %u "
			       "[%u,%u), want list %u [%u,%u)",
			       (int)n, t, k, r->n, i, i < (size_t)k ? got[i].list : 0, i < (size_t)k ? got[i].from : 0,
			       i < (size_t)k ? got[i].to : 0, i < r->n ? r->m[i].list : 0, i < r->n ? r->m[i].from : 0,
			       i < r->n ? r->m[i].to : 0);
	}
	return r->n;
}

/* Random texts from the lists' own words (in any case), emoji, digits and the bytes
 * around them that decide a \b: random_text() writes text number @t (< 30,000) into @buf
 * (600 bytes) and returns its length. */
static size_t random_text(uint64_t *seed, char *buf, size_t cap)
{
	/* the words: every run of letters in the lists, and what the lists' regexes name */
	static char words[4096][32];
	static size_t nw;
	if (!nw)
		for (unsigned i = 0; i < NPATS; i++)
			for (const char *p = pats[i].re; *p;) {
				size_t k = 0;
				while ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z'))
					k++;
				if (k && k < 32 && nw < 4096 && !(p > pats[i].re && p[-1] == '\\')) {
					memcpy(words[nw], p, k);
					words[nw++][k] = 0;
				}
				p += k ? k : 1;
			}
	static const char *const extra[] = {"?", ":(", ":/", ":/ ", "#fail", "#failed", "50", "7", "% off", "%",
					    "\xe2\x80\x99", "'", "@delta", "@", "#", "\xf0\x9f\x98\xa1", "\xe2\x9d\xa4",
					    "_", "x", "s", "ing", "ed", "keeps", "sucks", "crashing", "waiting", "http://t.co/x"};
	static const char *const seps[] = {" ", " ", " ", "", "  ", "-", "'", "\xe2\x80\x99", "_", ".", "\n", ",", "?", "9"};
	const size_t nx = sizeof extra / sizeof extra[0], ns = sizeof seps / sizeof seps[0];
	size_t n = 0;
	int nwords = 1 + (int)(cue_rand(seed) % 14);
	for (int w = 0; w < nwords; w++) {
		uint64_t v = cue_rand(seed);
		const char *s = v % 5 ? words[(v >> 8) % nw] : extra[(v >> 8) % nx];
		const char *sep = seps[(v >> 32) % ns];
		size_t a = strlen(s), b = strlen(sep);
		if (n + a + b >= cap)
			break;
		for (size_t k = 0; k < a; k++)
			buf[n + k] = (v >> 40) % 7 == 0 && s[k] >= 'a' && s[k] <= 'z' ? (char)(s[k] - 32) : s[k];
		n += a;
		memcpy(buf + n, sep, b);
		n += b;
	}
	return n;
}

/* Every match, start and end as Hyperscan gives them for the lists as written (leftmost
 * start of match), on 30,000 random texts. */
Test(cues, literals_match_as_the_lists_do)
{
	scrm_cues *c;
	char err[256];
	cr_assert_eq(scrm_cues_create(&c, err, sizeof err), 0, "%s", err);
	cue_ref r;
	ref_open(&r);
	uint64_t seed = 0x9E3779B97F4A7C15u;
	size_t matches = 0;
	for (int t = 0; t < 30000; t++) {
		char buf[600];
		size_t n = random_text(&seed, buf, sizeof buf);
		matches += same_matches(c, &r, buf, n);
	}
	cr_log_info("cues: 30,000 random texts, %zu matches, the same as the lists as written", matches);
	cr_assert_gt(matches, 30000, "too few matches to tell (%zu)", matches);
	ref_close(&r);
	scrm_cues_free(c);
}

/* A list's regex part is scanned only where one of its gates is found (cues_patterns.h):
 * each gate list must hold one literal found inside every match of that part. Checked
 * on the random texts and every corpus line, each part compiled alone with leftmost
 * start of match; it must match often enough to tell. */
typedef struct {
	struct cue_exprs x;
	hs_database_t *db[CUE_RE_MAX];
	hs_scratch_t *scratch;
	const char *text;
	size_t matches[CUE_RE_MAX], lines;
	unsigned slot;
} gate_ctx;

static int gate_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
	(void)id;
	(void)fl;
	gate_ctx *g = ctx;
	const char *gate = pats[g->x.v[g->x.re[g->slot]].pat].gate;
	int found = 0;
	for (const char *p = gate; *p && !found; p += strcspn(p, "|") + (p[strcspn(p, "|")] != 0)) {
		size_t gl = strcspn(p, "|");
		for (unsigned long long i = from; i + gl <= to && !found; i++)
			found = !strncasecmp(g->text + i, p, gl);
	}
	cr_assert(found, "'%.*s' matches regex part %u ('%s') without a gate of '%s'", (int)(to - from),
		  g->text + from, g->slot, g->x.v[g->x.re[g->slot]].expr, gate);
	g->matches[g->slot]++;
	return 0;
}

static void gate_check(const char *t, size_t n, void *ctx)
{
	gate_ctx *g = ctx;
	g->text = t;
	g->lines++;
	for (g->slot = 0; n && g->slot < g->x.nre; g->slot++)
		cr_assert_eq(hs_scan(g->db[g->slot], t, (unsigned)n, 0, g->scratch, gate_match, g), HS_SUCCESS);
}

Test(cues, gates_are_in_every_match)
{
	static gate_ctx g;
	cr_assert_eq(cues_build(&g.x), 0);
	unsigned gated = 0;
	for (unsigned k = 0; k < g.x.nre; k++) {
		const struct cue_expr *e = &g.x.v[g.x.re[k]];
		gated += e->role == CUE_RE_GATED;
		unsigned fl = HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST, id = 0;
		hs_compile_error_t *ce = NULL;
		cr_assert_eq(hs_compile_multi((const char *const *)&e->expr, &fl, &id, 1, HS_MODE_BLOCK, NULL, &g.db[k], &ce),
			     HS_SUCCESS);
		cr_assert_eq(hs_alloc_scratch(g.db[k], &g.scratch), HS_SUCCESS);
	}
	cr_assert_eq(gated, g.x.nre, "every regex part has gates (%u of %u)", gated, g.x.nre);
	uint64_t seed = 0x9E3779B97F4A7C15u;
	for (int t = 0; t < 30000; t++) {
		char buf[600];
		size_t n = random_text(&seed, buf, sizeof buf);
		gate_check(buf, n, &g);
	}
	static const char *const files[] = {
		"../shared/corpora/intent-scrm/dev.tweets.tsv",     "../shared/corpora/twcs/dev.spotify_inbound.tsv",
		"../shared/corpora/airline-sentiment/dev.tweets.tsv", "../shared/corpora/complaints/dev.tweets.tsv",
		"../shared/corpora/semeval2017-4a/dev.tweets.tsv",  "../shared/corpora/banking77/dev.queries.tsv",
		"../shared/corpora/sentiment140-test/dev.tweets.tsv",
	};
	size_t lines = for_each_line(files, sizeof files / sizeof files[0], gate_check, &g);
	for (unsigned k = 0; k < g.x.nre; k++) {
		cr_log_info("cues: regex part %u matched %zu times, each with a gate ('%s')", k, g.matches[k],
			    pats[g.x.v[g.x.re[k]].pat].gate);
		cr_assert_gt(g.matches[k], 10, "regex part %u: too few matches to tell", k);
		hs_free_database(g.db[k]);
	}
	if (!lines)
		cr_log_warn("cues: ../shared/corpora not found: gates checked on the random texts alone");
	hs_free_scratch(g.scratch);
	cues_exprs_free(&g.x);
}

struct line_ctx {
	scrm_cues *c;
	cue_ref *r;
	size_t matches;
};

static void same_matches_line(const char *line, size_t n, void *ctx)
{
	struct line_ctx *lc = ctx;
	lc->matches += same_matches(lc->c, lc->r, line, n);
}

/* The same on the real texts of ../shared/corpora (each line whole). */
Test(cues, literals_match_as_the_lists_do_on_corpora)
{
	static const char *const files[] = {
		"../shared/corpora/intent-scrm/dev.tweets.tsv",     "../shared/corpora/twcs/dev.spotify_inbound.tsv",
		"../shared/corpora/airline-sentiment/dev.tweets.tsv", "../shared/corpora/complaints/dev.tweets.tsv",
		"../shared/corpora/semeval2017-4a/dev.tweets.tsv",  "../shared/corpora/banking77/dev.queries.tsv",
	};
	scrm_cues *c;
	char err[256];
	cr_assert_eq(scrm_cues_create(&c, err, sizeof err), 0, "%s", err);
	cue_ref r;
	ref_open(&r);
	struct line_ctx lc = {c, &r, 0};
	size_t lines = for_each_line(files, sizeof files / sizeof files[0], same_matches_line, &lc), matches = lc.matches;
	ref_close(&r);
	scrm_cues_free(c);
	if (!lines)
		cr_skip_test("../shared/corpora not found (run from the repo root)");
	cr_log_info("cues: %zu corpus lines, %zu matches, the same as the lists as written", lines, matches);
	cr_assert_gt(lines, 30000);
}

/* The structural counts of scrm_cues_scan() (an @mention, #hashtags, links; each at a
 * word start) against a plain reading of every position, on random texts made of link
 * schemes, their near misses and the bytes around them. */
static int ref_word(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

Test(cues, structural_counts)
{
	static const char *const parts[] = {"http://", "https://", "HTTP://", "hTtPs://", "www.", "WwW.", "ww.", "http:/",
					    "https:", "http//", "htt://", "@", "#", "a", "b", "_", " ", " ", ".", ":", "/", "h",
					    "w", "s", "x@y", "ttp://", "\xc3\xa9", "9", "@x", "#x", "\n", "ps://", "RT ", "RT @x:"};
	const size_t np = sizeof parts / sizeof parts[0];
	scrm_cues *c;
	char err[256];
	cr_assert_eq(scrm_cues_create(&c, err, sizeof err), 0, "%s", err);
	uint64_t seed = 7;
	unsigned links = 0, tags = 0;
	for (int t = 0; t < 50000; t++) {
		char buf[256];
		size_t n = 0;
		int k = (int)(cue_rand(&seed) % 24);
		for (int w = 0; w < k; w++) {
			const char *s = parts[cue_rand(&seed) % np];
			size_t a = strlen(s);
			if (n + a >= sizeof buf)
				break;
			memcpy(buf + n, s, a);
			n += a;
		}
		uint32_t mention = 0, hashtags = 0, nlinks = 0;
		const unsigned char *u = (const unsigned char *)buf;
		for (size_t i = 0; i < n; i++) {
			if (i && ref_word(u[i - 1]))
				continue;
			if ((u[i] == '@' || u[i] == '#') && i + 1 < n && ref_word(u[i + 1])) {
				/* "RT @x" opening the text: the reposted author, no address */
				mention |= u[i] == '@' && !(i == 3 && !memcmp(buf, "RT ", 3));
				hashtags += u[i] == '#';
			} else if ((n - i >= 8 && !strncasecmp(buf + i, "https://", 8)) ||
				   (n - i >= 7 && !strncasecmp(buf + i, "http://", 7)) ||
				   (n - i >= 4 && !strncasecmp(buf + i, "www.", 4))) {
				nlinks++;
			}
		}
		scrm_cues_hits h;
		cr_assert_eq(scrm_cues_scan(c, buf, n, 0, &h), 0);
		cr_assert(h.mention == mention && h.hashtags == hashtags && h.links == nlinks,
			  "'%.*s': mention %u hashtags %u links %u, want %u %u %u", (int)n, buf, h.mention, h.hashtags,
			  h.links, mention, hashtags, nlinks);
		links += nlinks;
		tags += hashtags;
	}
	static const struct {
		const char *text;
		uint32_t mention;
	} rt[] = {{"RT @kim: where is my refund?", 0}, {"RT @kim where is my refund?", 0}, {"RT @kim: ask @acme", 1},
		  {"so RT @kim: refund?", 1}, {"rt @kim: refund?", 1}, {"@kim: refund?", 1}};
	for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++) {
		scrm_cues_hits h;
		cr_assert_eq(scrm_cues_scan(c, rt[i].text, strlen(rt[i].text), 0, &h), 0);
		cr_assert_eq(h.mention, rt[i].mention, "'%s'", rt[i].text);
	}
	cr_log_info("cues: 50,000 texts, %u links, %u hashtags counted as a plain reading does", links, tags);
	cr_assert_gt(links, 10000);
	scrm_cues_free(c);
}

/* ---- the cues as guests of the rules' database (topics.h): one scan for both ---- */

#include "rules.h"
#include "topics.h"

typedef struct {
	scrm_cues *own, *fed;
	scrm_topics_scratch *plain, *guest, *guest_mute; /* mute: the guest database, no callback */
	size_t texts, with_cues, with_topics;
} guest_ctx;

/* The same text three ways: the cues' own scan against the one fed by the topics scan
 * (every field of the hits), and the topics of the database with guests, with and
 * without a callback, against the plain one's. */
static void guest_check(const char *t, size_t n, void *ctx)
{
	guest_ctx *g = ctx;
	int spam = (int)(n % 5) - 1; /* -1 (computed) or bits given, as the pipeline gives them */
	scrm_cues_hits own, fed;
	scrm_topic_hits h0, h1, h2;
	cr_assert_eq(scrm_cues_scan(g->own, t, n, spam, &own), 0);
	cr_assert_eq(scrm_topics_match(g->plain, t, n, NULL, 0, NULL, 0, &h0), 0);
	scrm_cues_feed_begin(g->fed, t, n);
	cr_assert_eq(scrm_topics_match(g->guest, t, n, NULL, 0, NULL, 0, &h1), 0);
	cr_assert_eq(scrm_cues_feed_end(g->fed, spam, &fed), 0);
	cr_assert_eq(scrm_topics_match(g->guest_mute, t, n, NULL, 0, NULL, 0, &h2), 0);
	cr_assert(memcmp(&own, &fed, sizeof own) == 0, "'%.*s': cue groups %#x scanned apart, %#x in the topics scan",
		  (int)n, t, own.groups, fed.groups);
	cr_assert(h0.n == h1.n && h0.n == h2.n && !memcmp(h0.ids, h1.ids, h0.n * sizeof h0.ids[0]) &&
			  !memcmp(h0.ids, h2.ids, h0.n * sizeof h0.ids[0]),
		  "'%.*s': %u topics, %u with the guests, %u with them and no callback", (int)n, t, h0.n, h1.n, h2.n);
	g->texts++;
	g->with_cues += own.groups != 0;
	g->with_topics += h0.n != 0;
}

/* The bench rules and the cues' guests, for the tests below. */
static void bench_rules_and_guests(scrm_rules **r, scrm_topics_guest *gu)
{
	char err[2048];
	cr_assert_eq(scrm_rules_load(r, "bench/rules-bench.scrm", err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_cues_guest(gu), 0);
	cr_assert_gt(gu->n, 1000u, "the cues' main database has %u expressions", gu->n);
}

Test(cues, guest_scan_is_the_own_scan, .timeout = 120)
{
	char err[2048];
	scrm_rules *r;
	scrm_topics_guest gu;
	bench_rules_and_guests(&r, &gu);
	scrm_topics *plain, *guest;
	cr_assert_eq(scrm_topics_compile_rules(&plain, r, NULL, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_topics_compile_rules(&guest, r, NULL, &gu, err, sizeof err), 0, "%s", err);
	cr_assert(!scrm_topics_has_guest(plain) && scrm_topics_has_guest(guest));
	guest_ctx g = {0};
	cr_assert_eq(scrm_cues_create(&g.own, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_cues_create(&g.fed, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_topics_scratch_create(&g.plain, plain), 0);
	cr_assert_eq(scrm_topics_scratch_create(&g.guest, guest), 0);
	cr_assert_eq(scrm_topics_scratch_create(&g.guest_mute, guest), 0);
	scrm_topics_scratch_guest(g.guest, scrm_cues_feed, g.fed);
	uint64_t seed = 0x243F6A8885A308D3u;
	for (int t = 0; t < 30000; t++) {
		char buf[600];
		size_t n = random_text(&seed, buf, sizeof buf);
		guest_check(buf, n, &g);
	}
	guest_check("", 0, &g);
	cr_assert_gt(g.with_cues, 20000u, "random texts with cues: %zu", g.with_cues);
	static const char *const files[] = {
		"../shared/corpora/intent-scrm/dev.tweets.tsv",       "../shared/corpora/twcs/dev.spotify_inbound.tsv",
		"../shared/corpora/airline-sentiment/dev.tweets.tsv", "../shared/corpora/complaints/dev.tweets.tsv",
	};
	size_t lines = for_each_line(files, sizeof files / sizeof files[0], guest_check, &g);
	cr_log_info("cues as guests: %zu texts (%zu corpus lines), %zu with cues, %zu with topics: the same hits as "
		    "scanned apart", g.texts, lines, g.with_cues, g.with_topics);
	if (!lines)
		cr_log_warn("cues as guests: ../shared/corpora not found: checked on the random texts alone");
	else
		cr_assert_gt(g.with_topics, 1000u, "texts with topics: %zu", g.with_topics);
	scrm_topics_scratch_free(g.plain);
	scrm_topics_scratch_free(g.guest);
	scrm_topics_scratch_free(g.guest_mute);
	scrm_cues_free(g.own);
	scrm_cues_free(g.fed);
	scrm_topics_free(plain);
	scrm_topics_free(guest);
	scrm_rules_free(r);
}

/* The cues' rest deferred (scrm_cues_feed_keep(), then scrm_cues_kept_end()), as the
 * pipeline runs it over a chunk: batches of 1 to 97 texts all scanned before any is
 * finished give, text by text, every field of the cues' own scan. */
Test(cues, guest_kept_is_the_own_scan, .timeout = 120)
{
	char err[2048];
	scrm_rules *r;
	scrm_topics_guest gu;
	bench_rules_and_guests(&r, &gu);
	scrm_topics *guest;
	cr_assert_eq(scrm_topics_compile_rules(&guest, r, NULL, &gu, err, sizeof err), 0, "%s", err);
	scrm_cues *own, *fed;
	scrm_topics_scratch *s;
	cr_assert_eq(scrm_cues_create(&own, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_cues_create(&fed, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_topics_scratch_create(&s, guest), 0);
	scrm_topics_scratch_guest(s, scrm_cues_feed, fed);
	enum { BATCH = 97 };
	static char buf[BATCH][600];
	size_t len[BATCH];
	scrm_cues_kept kept[BATCH];
	uint64_t seed = 0x13198A2E03707344u;
	size_t texts = 0, with_cues = 0, batches = 0, matches = 0;
	while (texts < 20000) {
		size_t n = 1 + (size_t)(cue_rand(&seed) % BATCH);
		scrm_cues_keep_reset(fed);
		for (size_t i = 0; i < n; i++) {
			len[i] = i == 0 && batches % 50 == 7 ? 0 : random_text(&seed, buf[i], sizeof buf[i]);
			scrm_topic_hits h;
			scrm_cues_feed_begin(fed, buf[i], len[i]);
			cr_assert_eq(scrm_topics_match(s, buf[i], len[i], NULL, 0, NULL, 0, &h), 0);
			cr_assert_eq(scrm_cues_feed_keep(fed, &kept[i]), 0);
			matches += kept[i].n;
		}
		for (size_t i = 0; i < n; i++) {
			int spam = (int)(len[i] % 5) - 1;
			scrm_cues_hits a, b;
			cr_assert_eq(scrm_cues_scan(own, buf[i], len[i], spam, &a), 0);
			cr_assert_eq(scrm_cues_kept_end(fed, &kept[i], buf[i], len[i], spam, &b), 0);
			cr_assert(memcmp(&a, &b, sizeof a) == 0, "'%.*s' (text %zu of a batch of %zu): cue groups %#x apart, %#x kept",
				  (int)len[i], buf[i], i, n, a.groups, b.groups);
			with_cues += a.groups != 0;
		}
		texts += n;
		batches++;
	}
	cr_log_info("cues kept for later: %zu texts in %zu batches, %zu matches kept, %zu texts with cues", texts,
		    batches, matches, with_cues);
	cr_assert_gt(with_cues, texts / 2);
	cr_assert_gt(matches, texts);
	scrm_topics_scratch_free(s);
	scrm_cues_free(own);
	scrm_cues_free(fed);
	scrm_topics_free(guest);
	scrm_rules_free(r);
}

/* The rules cache (`set rules-cache`) keeps the database with guests apart from the one
 * without: each is compiled and stored once, then loaded, and the loaded one still
 * feeds the cues. */
Test(cues, guest_database_cached_apart)
{
	char dir[] = "/tmp/scrm-guest-cache-XXXXXX", err[2048];
	cr_assert_not_null(mkdtemp(dir));
	scrm_rules *r;
	scrm_topics_guest gu;
	bench_rules_and_guests(&r, &gu);
	static const int want[4] = {SCRM_TOPICS_CACHE_STORED, SCRM_TOPICS_CACHE_STORED, SCRM_TOPICS_CACHE_HIT,
				    SCRM_TOPICS_CACHE_HIT};
	for (int k = 0; k < 4; k++) {
		const scrm_topics_guest *gp = k % 2 ? &gu : NULL;
		scrm_topics *t;
		cr_assert_eq(scrm_topics_compile_rules(&t, r, dir, gp, err, sizeof err), 0, "%s", err);
		cr_assert_eq(scrm_topics_cache_state(t), want[k], "compile %d (%s guests): cache state %d", k,
			     gp ? "with" : "without", scrm_topics_cache_state(t));
		cr_assert_eq(scrm_topics_has_guest(t), gp != NULL);
		if (gp) {
			scrm_topics_scratch *s;
			scrm_cues *own, *fed;
			cr_assert_eq(scrm_topics_scratch_create(&s, t), 0);
			cr_assert_eq(scrm_cues_create(&own, err, sizeof err), 0, "%s", err);
			cr_assert_eq(scrm_cues_create(&fed, err, sizeof err), 0, "%s", err);
			scrm_topics_scratch_guest(s, scrm_cues_feed, fed);
			static const char text[] = "@SkyVistaAir still waiting on my refund?? switching to another airline";
			scrm_cues_hits a, b;
			scrm_topic_hits h;
			cr_assert_eq(scrm_cues_scan(own, text, sizeof text - 1, -1, &a), 0);
			scrm_cues_feed_begin(fed, text, sizeof text - 1);
			cr_assert_eq(scrm_topics_match(s, text, sizeof text - 1, NULL, 0, NULL, 0, &h), 0);
			cr_assert_eq(scrm_cues_feed_end(fed, -1, &b), 0);
			cr_assert(a.groups & (1u << SCRM_CUE_COMPLAINT) && a.groups & (1u << SCRM_CUE_CHURN),
				  "groups %#x", a.groups);
			cr_assert(memcmp(&a, &b, sizeof a) == 0, "groups %#x apart, %#x fed", a.groups, b.groups);
			scrm_cues_free(own);
			scrm_cues_free(fed);
			scrm_topics_scratch_free(s);
		}
		scrm_topics_free(t);
	}
	scrm_rules_free(r);
	rm_tree(dir);
}
