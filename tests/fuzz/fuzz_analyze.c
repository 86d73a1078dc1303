/*
 * fuzz_analyze.c - libFuzzer target for what the analyze stage runs on a record's text
 * (any bytes: the normalizer repairs UTF-8, but the analyzers must not rely on it): both
 * sentiment modes with their explanations (classifiers/sentiment.c, vader.c), the spam
 * signals and the near-duplicate key (spam.c), the mentions (influence.c), the listening
 * topics with their terms (topics.c: the bench rules, with NEAR/n, regexes, several
 * languages), the cues scan and decision (clf_cues.c), the `cues` intent and action
 * classifiers with their explanations, the influence formula as a classifier (counts taken
 * from the input's bytes), the features (featurize.c) and the emoji and emoticons of a
 * text in another language (scrm_sent_symbols).
 *
 * Invariants (a violation traps): every call succeeds; sentiment values are finite, pos /
 * neu / neg in [0, 1] and compound in [-1, 1]; both modes score the text again to the same
 * values, and VADER's to the values of a scorer that takes every token of a UTF-8 text code
 * point by code point (scrm_vader_set_slow_tokens); topic ids and terms are in range; cue ranges lie inside the text; the cues
 * scanned for in the topics scan (as the rules database's guests, topics.h) give the same
 * hits as their own scan, and the topics the same ids; mentions lie inside the text; the
 * classifiers' labels are in range and their explanations NUL-terminated within
 * SCRM_CLF_WHY_MAX and valid UTF-8; influence and its parts lie in 0..100; the feature
 * vector is sorted, unique and in range.
 *
 * The lexicon is ../shared/corpora/lexicons/vader/vader_lexicon.txt (+ the emoji lexicon)
 * when it is there (run from the project root), else a few words; the rules are
 * bench/rules-bench.scrm, else corpora/sample/rules.scrm.
 *   make fuzz && build-fuzz/fuzz/fuzz_analyze -max_total_time=60 CORPUS_DIR
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "clf_cues.h"
#include "featurize.h"
#include "influence.h"
#include "lexicon.h"
#include "rules.h"
#include "sentiment.h"
#include "spam.h"
#include "topics.h"
#include "utf8.h"
#include "fuzz.h"

static struct {
	int ready;
	scrm_lexicon *lex;
	scrm_sent *sent;
	scrm_vader *vslow; /* the UTF-8 tokenizer without its ASCII shortcut */
	scrm_topics *topics;
	scrm_topics_scratch *ts;
	scrm_topics *topics_guest;      /* the same rules with the cues as guests */
	scrm_topics_scratch *ts_guest;
	scrm_cues *cues, *cues_fed;
	scrm_feat *feat;
	scrm_classifier *clf[3]; /* cues intent, cues action, influence formula */
} g;

static void init(void)
{
	char err[1024];
	if (scrm_lexicon_load(&g.lex, "../shared/corpora/lexicons/vader/vader_lexicon.txt",
			      "../shared/corpora/lexicons/vader/emoji_utf8_lexicon.txt", err, sizeof err)) {
		static const char mini[] = "good\t1.9\t0.3\t[2]\nbad\t-2.5\t0.5\t[-3]\nlove\t3.2\t0.4\t[3]\n"
					   "hate\t-2.7\t0.6\t[-3]\nno\t-1.2\t0.4\t[-1]\n";
		CHECK(scrm_lexicon_load_mem(&g.lex, mini, sizeof mini - 1, "mini", NULL, 0, NULL, err, sizeof err) == 0);
	}
	CHECK((g.sent = scrm_sent_create(g.lex)) != NULL);
	CHECK((g.vslow = scrm_vader_create(g.lex)) != NULL);
	scrm_vader_set_slow_tokens(g.vslow, 1);
	scrm_rules *r = NULL;
	if (scrm_rules_load(&r, "bench/rules-bench.scrm", err, sizeof err) &&
	    scrm_rules_load(&r, "corpora/sample/rules.scrm", err, sizeof err))
		r = NULL;
	if (r) {
		CHECK(scrm_topics_compile(&g.topics, r, err, sizeof err) == 0);
		CHECK(scrm_topics_scratch_create(&g.ts, g.topics) == 0);
		scrm_topics_guest gu;
		CHECK(scrm_cues_guest(&gu) == 0);
		CHECK(scrm_topics_compile_rules(&g.topics_guest, r, NULL, &gu, err, sizeof err) == 0);
		CHECK(scrm_topics_scratch_create(&g.ts_guest, g.topics_guest) == 0);
		CHECK(scrm_cues_create(&g.cues_fed, err, sizeof err) == 0);
		scrm_topics_scratch_guest(g.ts_guest, scrm_cues_feed, g.cues_fed);
		scrm_rules_free(r);
	}
	CHECK(scrm_cues_create(&g.cues, err, sizeof err) == 0);
	scrm_feat_opts o;
	scrm_feat_opts_default(&o);
	CHECK(scrm_feat_create(&g.feat, &o) == 0);
	scrm_clf_config cc = {.lexicon = g.lex};
	const scrm_classifier_desc *d[3] = {&scrm_clf_intent_cues, &scrm_clf_action_cues, &scrm_clf_influence_formula};
	for (int k = 0; k < 3; k++)
		CHECK(scrm_classifier_create(&g.clf[k], d[k], &cc, err, sizeof err) == 0);
	g.ready = 1;
}

static void check_scores(const scrm_sentiment *s)
{
	CHECK(isfinite(s->pos) && isfinite(s->neu) && isfinite(s->neg) && isfinite(s->compound));
	CHECK(s->pos >= 0 && s->pos <= 1 && s->neu >= 0 && s->neu <= 1 && s->neg >= 0 && s->neg <= 1);
	CHECK(s->compound >= -1 && s->compound <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g.ready)
		init();
	const char *text = (const char *)data;

	scrm_sentiment v, m, v2, m2;
	scrm_sent_explain ev, em;
	CHECK(scrm_sent_score_both(g.sent, text, size, &v, &m, &ev, &em) == 0);
	check_scores(&v);
	check_scores(&m);
	CHECK(scrm_sent_score(g.sent, SCRM_SENT_VADER, text, size, &v2, NULL) == 0);
	CHECK(scrm_sent_score(g.sent, SCRM_SENT_SCRM, text, size, &m2, NULL) == 0);
	CHECK(memcmp(&v, &v2, sizeof v) == 0 && memcmp(&m, &m2, sizeof m) == 0);
	scrm_sentiment vs;
	CHECK(scrm_vader_score(g.vslow, text, size, &vs) == 0);
	CHECK(memcmp(&v, &vs, sizeof v) == 0);

	/* A text in another language's symbols (--sentiment-langs): bounded by the buffer,
	 * valid UTF-8 made of tokens each followed by one space, the same when taken again
	 * from its own output (a fixed point), and scored like any text. */
	static char sym[4096], sym2[4096];
	size_t ns = scrm_sent_symbols(g.lex, text, size, sym, sizeof sym);
	CHECK(ns <= sizeof sym && (ns == 0 || sym[ns - 1] == ' '));
	CHECK(scrm_utf8_valid_prefix((const unsigned char *)sym, ns) == ns);
	CHECK(scrm_sent_symbols(g.lex, sym, ns, sym2, sizeof sym2) == ns && memcmp(sym, sym2, ns) == 0);
	CHECK(scrm_sent_symbols(g.lex, text, size, sym2, size & 15) <= (size & 15));
	scrm_sentiment sv;
	CHECK(scrm_sent_score(g.sent, SCRM_SENT_SCRM, sym, ns, &sv, NULL) == 0);
	check_scores(&sv);

	unsigned spam = scrm_spam_scan(text, size, NULL);
	CHECK((spam & ~(unsigned)(SCRM_SPAM_LINKS | SCRM_SPAM_HASHTAGS | SCRM_SPAM_MENTIONS | SCRM_SPAM_REPEAT)) == 0);
	/* the whole-text pass against the word-by-word one: flags and key */
	uint64_t key, wkey;
	unsigned fast = scrm_spam_signals(text, size, &key);
	CHECK(fast == scrm_spam_signals_wordwise(text, size, &wkey) && key == wkey);
	CHECK(fast == spam && key == scrm_spam_text_key(text, size));

	scrm_mention men[SCRM_MENTIONS_MAX];
	size_t nm = scrm_mentions_scan(text, size, "twitter", 7, "me", 2, (int)(size & 1), men);
	CHECK(nm <= SCRM_MENTIONS_MAX);
	for (size_t i = 0; i < nm; i++)
		CHECK((men[i].at >> 4) + (men[i].at & 15) <= size && isfinite(men[i].weight));

	if (g.topics) {
		scrm_topic_hits h;
		scrm_topic_terms terms;
		CHECK(scrm_topics_match_why(g.ts, text, size, "SkyVistaAir", 11, "en", 2, &h, &terms) == 0);
		CHECK(h.n <= SCRM_TOPICS_MAX_HITS);
		for (uint32_t i = 0; i < h.n; i++)
			CHECK(h.ids[i] < scrm_topics_count(g.topics));
		CHECK(terms.n <= SCRM_TOPICS_MAX_TERMS);
		for (uint32_t i = 0; i < terms.n; i++)
			CHECK(terms.hit[i] < h.n);
	}

	scrm_cues_hits ch;
	scrm_cues_decision d;
	CHECK(scrm_cues_scan(g.cues, text, size, -1, &ch) == 0);
	for (unsigned k = 0; k < SCRM_CUE_NGROUPS; k++)
		if (ch.groups & (1u << k))
			CHECK(ch.from[k] <= ch.to[k] && ch.to[k] <= size);
	CHECK(ch.spam_bits == spam);
	if (g.topics) {
		scrm_topic_hits h0, h1;
		scrm_cues_hits fed;
		CHECK(scrm_topics_match(g.ts, text, size, NULL, 0, NULL, 0, &h0) == 0);
		scrm_cues_feed_begin(g.cues_fed, text, size);
		CHECK(scrm_topics_match(g.ts_guest, text, size, NULL, 0, NULL, 0, &h1) == 0);
		CHECK(scrm_cues_feed_end(g.cues_fed, -1, &fed) == 0);
		CHECK(memcmp(&fed, &ch, sizeof ch) == 0);
		CHECK(h0.n == h1.n && memcmp(h0.ids, h1.ids, h0.n * sizeof h0.ids[0]) == 0);
		/* deferred, as the pipeline runs it: the text and its first half both scanned,
		 * then finished the other way round */
		scrm_cues_kept kept[2];
		size_t half = size / 2;
		scrm_cues_keep_reset(g.cues_fed);
		for (int k = 0; k < 2; k++) {
			scrm_cues_feed_begin(g.cues_fed, text, k ? half : size);
			CHECK(scrm_topics_match(g.ts_guest, text, k ? half : size, NULL, 0, NULL, 0, &h1) == 0);
			CHECK(scrm_cues_feed_keep(g.cues_fed, &kept[k]) == 0);
		}
		scrm_cues_hits hh, fh;
		CHECK(scrm_cues_scan(g.cues, text, half, -1, &hh) == 0);
		CHECK(scrm_cues_kept_end(g.cues_fed, &kept[1], text, half, -1, &fh) == 0);
		CHECK(memcmp(&fh, &hh, sizeof hh) == 0);
		CHECK(scrm_cues_kept_end(g.cues_fed, &kept[0], text, size, -1, &fed) == 0);
		CHECK(memcmp(&fed, &ch, sizeof ch) == 0);
	}
	scrm_cues_decide(&ch, &m, (int)(size % 3) - 1, (int)(size / 3 % 2), &d);
	CHECK(d.intent < 8 && d.action <= 1);

	/* the classifiers as the pipeline runs them: one memo shared by intent and action;
	 * influence from counts made of the input's first bytes (any sign, huge included) */
	scrm_clf_item it;
	scrm_clf_memo memo = {0};
	scrm_clf_item_init(&it, text, size);
	it.is_reply = (int8_t)((int)(size % 3) - 1);
	it.direct = (int8_t)(size / 3 % 2);
	it.memo = &memo;
	int64_t cnt[6] = {-1, -1, -1, -1, -1, -1};
	for (size_t k = 0; k < 6 && 8 * (k + 1) <= size; k++)
		memcpy(&cnt[k], data + 8 * k, 8);
	it.followers = cnt[0];
	it.retweets = cnt[1];
	it.likes = cnt[2];
	it.replies = cnt[3];
	it.quotes = cnt[4];
	double w;
	memcpy(&w, &cnt[5], sizeof w);
	it.network_weight = w;
	it.verified = (int8_t)(size % 3) - 1;
	for (int k = 0; k < 3; k++) {
		scrm_clf_out o;
		CHECK(scrm_classifier_classify(g.clf[k], &it, 1, &o, SCRM_CLF_EXPLAIN) == 0);
		size_t nl;
		scrm_task_labels(scrm_classifier_desc_of(g.clf[k])->task, &nl);
		CHECK(o.label < nl);
		size_t wl = strnlen(o.why, SCRM_CLF_WHY_MAX);
		CHECK(wl < SCRM_CLF_WHY_MAX);
		CHECK(scrm_utf8_valid_prefix((const unsigned char *)o.why, wl) == wl);
		if (k == 2) {
			CHECK(o.score >= 0 && o.score <= 100);
			for (int p = 0; p < 4; p++)
				CHECK(o.parts[p] >= 0 && o.parts[p] <= 100);
		}
	}

	scrm_feat_extras x = {.sent = &m, .is_reply = (int)(size % 3) - 1};
	scrm_feat_vec fv;
	CHECK(scrm_feat_extract(g.feat, text, size, &x, &fv) == 0);
	for (uint32_t i = 0; i < fv.n; i++) {
		CHECK(fv.idx[i] < (1u << SCRM_FEAT_DIM_BITS_DEFAULT) && isfinite(fv.val[i]));
		if (i)
			CHECK(fv.idx[i - 1] < fv.idx[i]);
	}
	return 0;
}
