/*
 * test_pipeline_clf.c - classifiers in the pipeline: every event carries the intent and
 * action_needed labels of the configured classifiers, with confidence and explanation,
 * identically for any -j / -p. Two toy classifiers registered here make the expected
 * values obvious.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classifier.h"
#include "pipeline.h"
#include "testutil.h"

/* intent: "complaint" when the text says refund, else "other"; action: yes on '?'. */
static int toy_create(void **st, const scrm_clf_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	*st = malloc(1);
	return *st ? 0 : -ENOMEM;
}

static int toy_intent(void *st, const scrm_clf_item *it, size_t n, scrm_clf_out *out, unsigned flags)
{
	(void)st;
	for (size_t i = 0; i < n; i++) {
		int refund = memmem(it[i].text, it[i].len, "refund", 6) != NULL;
		out[i].label = (uint32_t)scrm_task_label_parse(SCRM_TASK_INTENT, refund ? "complaint" : "other",
							     refund ? 9 : 5);
		out[i].confidence = refund ? 0.75f : 0.5f;
		out[i].score = 0;
		snprintf(out[i].why, sizeof out[i].why, "%s", (flags & SCRM_CLF_EXPLAIN) && refund ? "saw \"refund\"" : "");
	}
	return 0;
}

static _Atomic unsigned long toy_action_saw_marker; /* items whose text has "ZZRT" */

static int toy_action(void *st, const scrm_clf_item *it, size_t n, scrm_clf_out *out, unsigned flags)
{
	(void)st;
	(void)flags;
	for (size_t i = 0; i < n; i++) {
		if (memmem(it[i].text, it[i].len, "ZZRT", 4))
			toy_action_saw_marker++;
		int q = memchr(it[i].text, '?', it[i].len) != NULL;
		out[i].label = (uint32_t)q;
		out[i].confidence = 1.0f;
		out[i].score = 0;
		out[i].why[0] = 0;
	}
	return 0;
}

static const scrm_classifier_desc toy_i = {SCRM_TASK_INTENT, "toy", "test", 0, toy_create, free, toy_intent, NULL, NULL};
static const scrm_classifier_desc toy_a = {SCRM_TASK_ACTION, "toy", "test", 0, toy_create, free, toy_action, NULL, NULL};

/* Run @in at -j @j -p @p into @dir with the toy intent and action classifiers, or with
 * the influence classifier @infl (NULL: the built-in formula) when @toys is false; @want
 * events; return the inbox route's events (malloc'ed). */
static char *run_cfg(const char *dir, const char *in, int j, int p, bool toys, const scrm_classifier_desc *infl,
		     uint64_t want)
{
	scrm_pipeline_cfg cfg;
	scrm_pipeline_cfg_default(&cfg);
	const char *inputs[] = {in};
	cfg.inputs = inputs;
	cfg.n_inputs = 1;
	cfg.out_dir = dir;
	cfg.workers = j;
	cfg.relate_threads = p;
	cfg.chunk_size = 4096;
	if (toys) {
		cfg.clf[0] = scrm_classifier_find(SCRM_TASK_INTENT, "toy");
		cfg.clf[1] = scrm_classifier_find(SCRM_TASK_ACTION, "toy");
		cr_assert(cfg.clf[0] && cfg.clf[1]);
	}
	cfg.influence = infl;
	scrm_run_stats st;
	cr_assert_eq(scrm_pipeline_run(&cfg, &st), 0);
	cr_assert_eq(st.events_out, want);
	char path[512];
	snprintf(path, sizeof path, "%s/inbox.ndjson.zst", dir);
	size_t n;
	char *s = unzstd(path, &n);
	cr_assert_not_null(s);
	return s;
}

static char *run(const char *dir, const char *in, int j, int p) { return run_cfg(dir, in, j, p, true, NULL, 300); }

/* 300 records from @line(f, i) into a fresh directory (its name in @dir), run with the toy
 * classifiers at -j1 -p1 and at -j2 -p3; the outputs must be the same: return them. */
static char *run_toys_both_ways(char dir[21], void (*line)(FILE *f, int i))
{
	scrm_classifier_register(&toy_i);
	scrm_classifier_register(&toy_a);
	strcpy(dir, "/tmp/scrm-clf-XXXXXX");
	cr_assert(mkdtemp(dir));
	char in[300], d1[400], d2[400];
	snprintf(in, sizeof in, "%s/in.ndjson", dir);
	FILE *f = fopen(in, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 300; i++)
		line(f, i);
	fclose(f);
	snprintf(d1, sizeof d1, "%s/o1", dir);
	snprintf(d2, sizeof d2, "%s/o2", dir);
	char *a = run(d1, in, 1, 1), *b = run(d2, in, 2, 3);
	cr_assert_str_eq(a, b, "outputs differ between -j1 -p1 and -j2 -p3");
	free(b);
	return a;
}

static void chat_line(FILE *f, int i)
{
	fprintf(f, "{\"id\":\"m%d\",\"channel\":\"chat\",\"text\":\"%s %d\",\"author\":{\"handle\":\"u%d\"}}\n", i,
		i % 3 == 0 ? "where is my refund?" : i % 3 == 1 ? "lovely day" : "is it open?", i, i % 7);
}

Test(pipeline_clf, events_carry_intent_and_action)
{
	char dir[21];
	char *a = run_toys_both_ways(dir, chat_line);
	const char *first = strstr(a, "\"id\":\"m0\"");
	cr_assert(first);
	cr_assert(strstr(first, "\"intent\":{\"label\":\"complaint\",\"confidence\":0.75,\"classifier\":\"toy\"},"
				"\"action_needed\":{\"value\":true,\"confidence\":1.0,\"classifier\":\"toy\"}"),
		  "%.600s", first);
	cr_assert(strstr(first, "\"why\":{\"rule\":\"default\",\"intent\":\"saw \\\"refund\\\"\"}"), "%.900s", first);
	const char *second = strstr(a, "\"id\":\"m1\"");
	cr_assert(second && strstr(second, "\"intent\":{\"label\":\"other\",\"confidence\":0.5,"));
	cr_assert(strstr(second, "\"action_needed\":{\"value\":false,"));
	size_t complaints = 0;
	for (const char *p = a; (p = strstr(p, "\"label\":\"complaint\"")); p++)
		complaints++;
	cr_assert_eq(complaints, 100);
	free(a);
	rm_tree(dir);
}

/* A retweet needs no answer whatever the action classifier would say: with both
 * classifiers on (records classified one by one), the action classifier is not even
 * asked; the event says why. Its intent is still classified. */
static void retweet_line(FILE *f, int i)
{
	if (i % 3 == 0) /* a retweet: its words would make the toy say yes */
		fprintf(f, "{\"id\":\"m%d\",\"channel\":\"twitter\",\"text\":\"ZZRT where is my refund? %d\","
			   "\"retweet_of\":\"o%d\",\"author\":{\"handle\":\"u%d\"}}\n", i, i, i, i % 7);
	else
		fprintf(f, "{\"id\":\"m%d\",\"channel\":\"twitter\",\"text\":\"is it open? %d\",\"author\":{\"handle\":\"u%d\"}}\n",
			i, i, i % 7);
}

Test(pipeline_clf, retweets_need_no_action)
{
	char dir[21];
	toy_action_saw_marker = 0;
	char *a = run_toys_both_ways(dir, retweet_line);
	cr_assert_eq(toy_action_saw_marker, 0, "the action classifier was asked about %lu retweets",
		     (unsigned long)toy_action_saw_marker);
	const char *rt = strstr(a, "\"id\":\"m3\"");
	cr_assert(rt && strstr(rt, "\"intent\":{\"label\":\"complaint\",\"confidence\":0.75,\"classifier\":\"toy\"},"
				  "\"action_needed\":{\"value\":false,\"confidence\":1.0,\"classifier\":\"toy\"}"),
		  "%.700s", rt);
	cr_assert(strstr(rt, "\"action_needed\":\"no, retweet: a repost, its original is the post to answer\""), "%.900s", rt);
	const char *own = strstr(a, "\"id\":\"m4\"");
	cr_assert(own && strstr(own, "\"action_needed\":{\"value\":true,"), "%.700s", own);
	size_t no_rt = 0;
	for (const char *p = a; (p = strstr(p, "no, retweet")); p++)
		no_rt++;
	cr_assert_eq(no_rt, 100);
	free(a);
	rm_tree(dir);
}

/* A toy influence classifier in the relate stage: the score is the followers, the parts
 * show what the item carried (retweets, likes, verified, whether the stream had pointed
 * at the author), the same for any -j / -p. */
static int toy_influence(void *st, const scrm_clf_item *it, size_t n, scrm_clf_out *out, unsigned flags)
{
	(void)st;
	(void)flags;
	for (size_t i = 0; i < n; i++) {
		out[i].label = 0;
		out[i].confidence = 1.0f;
		out[i].score = it[i].followers < 0 ? 0 : (double)it[i].followers;
		out[i].parts[0] = (float)it[i].retweets;
		out[i].parts[1] = (float)it[i].likes;
		out[i].parts[2] = it[i].verified > 0 ? 100.0f : 0.0f;
		out[i].parts[3] = it[i].network_weight > 0 ? 50.0f : 0.0f;
		out[i].why[0] = 0;
	}
	return 0;
}

static const scrm_classifier_desc toy_infl = {SCRM_TASK_INFLUENCE, "toy", "test", SCRM_CLF_HAS_SCORE, toy_create, free,
					      toy_influence, NULL, NULL};

static char *run_influence(const char *dir, const char *in, int j, int p, const scrm_classifier_desc *d)
{
	return run_cfg(dir, in, j, p, false, d, 200);
}

Test(pipeline_clf, influence_is_a_classifier)
{
	scrm_classifier_register(&toy_infl);
	cr_assert_eq(scrm_classifier_find(SCRM_TASK_INFLUENCE, "toy"), &toy_infl);
	char dir[] = "/tmp/scrm-infl-XXXXXX";
	cr_assert(mkdtemp(dir));
	char in[300];
	snprintf(in, sizeof in, "%s/in.ndjson", dir);
	FILE *f = fopen(in, "w");
	/* u0 is mentioned by every odd post, so from the second post on the stream points at it */
	for (int i = 0; i < 200; i++)
		fprintf(f,
			"{\"id\":\"m%d\",\"channel\":\"twitter\",\"ts\":%d000,\"text\":\"%s\",\"author\":{\"handle\":\"u%d\","
			"\"followers\":%d,\"verified\":%s},\"metrics\":{\"retweets\":%d,\"likes\":%d}}\n",
			i, 1700000000 + i, i % 2 ? "hi @u0" : "hello", i % 2 ? 1 + i % 5 : 0, 150 + i % 7,
			i % 4 == 0 ? "true" : "false", i % 3, i % 11);
	fclose(f);
	char d1[400], d2[400], d3[400];
	snprintf(d1, sizeof d1, "%s/o1", dir);
	snprintf(d2, sizeof d2, "%s/o2", dir);
	snprintf(d3, sizeof d3, "%s/o3", dir);
	char *a = run_influence(d1, in, 1, 1, &toy_infl), *b = run_influence(d2, in, 2, 3, &toy_infl);
	cr_assert_str_eq(a, b, "outputs differ between -j1 -p1 and -j2 -p3");
	/* m0: u0, 150 followers, verified, no reactions, nobody mentioned u0 before it */
	const char *e = strstr(a, "\"id\":\"m0\"");
	cr_assert(e && strstr(e, "\"influence\":{\"score\":100,\"reach\":0,\"engagement\":0,\"authority\":100,\"network\":0}"),
		  "%.700s", e);
	/* m2: u0 again, after m1 mentioned it: 152 followers clamped to 100, 2 retweets, 2 likes */
	e = strstr(a, "\"id\":\"m2\"");
	cr_assert(e && strstr(e, "\"influence\":{\"score\":100,\"reach\":2,\"engagement\":2,\"authority\":0,\"network\":50}"),
		  "%.700s", e);
	/* m3: u4, 153 followers -> 100; 0 retweets, 3 likes; not verified, never mentioned */
	e = strstr(a, "\"id\":\"m3\"");
	cr_assert(e && strstr(e, "\"influence\":{\"score\":100,\"reach\":0,\"engagement\":3,\"authority\":0,\"network\":0}"),
		  "%.700s", e);
	/* the built-in formula (NULL: the default) gives its own values: m0's reach from 150
	 * followers is 100 log10(151) / 7 = 31.1 -> 31, score 0.4 x 31 + 0.15 x 100 = 27.4 -> 27 */
	char *c = run_influence(d3, in, 1, 1, NULL);
	e = strstr(c, "\"id\":\"m0\"");
	cr_assert(e && strstr(e, "\"influence\":{\"score\":27,\"reach\":31,\"engagement\":0,\"authority\":100,\"network\":0}"),
		  "%.700s", e);
	free(a);
	free(b);
	free(c);
	rm_tree(dir);
}
