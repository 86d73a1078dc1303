/*
 * test_clf_memo.c - classifiers sharing per-record work through scrm_clf_memo
 * (classifier.h): the cues scan done for intent is reused for action, and so is the
 * reason in intent's explanation (clf_cues.c, put_reason_memo); the results (labels,
 * confidences, explanations) are the same as without the memo.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "classifier.h"

static const char *const texts[] = {
	"@SkyVistaAir where is my refund? still waiting after 3 weeks",
	"thanks so much @Northwave, all sorted now!",
	"how much is the family plan? want to sign up today",
	"cancel my subscription, switching to a competitor",
	"you should add a dark mode, would be great",
	"WIN a free iphone!!! click here https://t.co/x #giveaway",
	"lovely weather today",
	/* the longest reasons: a quote cut at 28 bytes, "link + " before a weak spam cue */
	"it would be great if you guys could add offline playlists for long flights",
	"free stuff for everyone here https://t.co/abc",
	"",
};
#define N (sizeof texts / sizeof texts[0])

static void run(scrm_classifier *c, scrm_clf_item *it, scrm_clf_out *out)
{
	cr_assert_eq(scrm_classifier_classify(c, it, N, out, SCRM_CLF_EXPLAIN), 0);
}

Test(clf_memo, shared_scan_gives_the_same_results)
{
	char err[256];
	scrm_clf_config cfg = {0};
	scrm_classifier *ci, *ca;
	cr_assert_eq(scrm_classifier_create(&ci, scrm_classifier_find(SCRM_TASK_INTENT, "cues"), &cfg, err, sizeof err), 0,
		     "%s", err);
	cr_assert_eq(scrm_classifier_create(&ca, scrm_classifier_find(SCRM_TASK_ACTION, "cues"), &cfg, err, sizeof err), 0,
		     "%s", err);
	scrm_clf_item it[N];
	scrm_clf_memo memo[N];
	scrm_clf_out ref_i[N], ref_a[N], got_i[N], got_a[N];
	for (size_t i = 0; i < N; i++) {
		scrm_clf_item_init(&it[i], texts[i], strlen(texts[i]));
		it[i].is_reply = (int8_t)(i == 0);
	}
	run(ci, it, ref_i); /* no memo */
	run(ca, it, ref_a);
	for (size_t i = 0; i < N; i++) {
		memo[i].owner = 0;
		it[i].memo = &memo[i];
	}
	run(ci, it, got_i);
	for (size_t i = 0; i < N; i++)
		cr_assert_neq(memo[i].owner, 0, "the intent classifier filled the memo of item %zu", i);
	run(ca, it, got_a); /* reuses the memo */
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(got_i[i].label, ref_i[i].label, "%s", texts[i]);
		cr_assert_eq(got_a[i].label, ref_a[i].label, "%s", texts[i]);
		cr_assert_float_eq(got_a[i].confidence, ref_a[i].confidence, 0, "%s", texts[i]);
		cr_assert_str_eq(got_i[i].why, ref_i[i].why);
		cr_assert_str_eq(got_a[i].why, ref_a[i].why);
	}
	scrm_classifier_free(ci);
	scrm_classifier_free(ca);
}
