/*
 * clf_sentiment.c - the two sentiment modes of sentiment.h as classifiers of task
 * "sentiment" ("vader" and "scrm"): label from the compound at the fixed cut
 * (scrm_clf_sentiment_class), score = compound.
 *
 * An item that already carries the mode's score (the analyze stage scored it) is not
 * rescored; otherwise the per-thread scorer scores the text. Confidence is the margin
 * from the nearest class boundary scaled to 0..1 within the class's compound range:
 * positive (c - 0.05) / 0.95, negative (-c - 0.05) / 0.95, neutral 1 - |c| / 0.05.
 * It orders records by how clearly they fall in their class; it is not a probability.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "sentiment.h"

typedef struct clf_sent {
	scrm_sent *s;
	scrm_sent_mode mode;
} clf_sent;

static int create_mode(void **state, const scrm_clf_config *cfg, scrm_sent_mode mode, char *err, size_t errlen)
{
	if (!cfg->lexicon) {
		snprintf(err, errlen, "sentiment classifier %s needs a lexicon", scrm_sent_mode_name(mode));
		return -EINVAL;
	}
	clf_sent *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	if (!(c->s = scrm_sent_create(cfg->lexicon))) {
		free(c);
		return -ENOMEM;
	}
	c->mode = mode;
	*state = c;
	return 0;
}

static int create_vader(void **state, const scrm_clf_config *cfg, char *err, size_t errlen)
{
	return create_mode(state, cfg, SCRM_SENT_VADER, err, errlen);
}

static int create_scrm(void **state, const scrm_clf_config *cfg, char *err, size_t errlen)
{
	return create_mode(state, cfg, SCRM_SENT_SCRM, err, errlen);
}

static void free_sent(void *state)
{
	clf_sent *c = state;
	if (!c)
		return;
	scrm_sent_free(c->s);
	free(c);
}

static float margin(double c, int label)
{
	double m = label == SCRM_SENT_POSITIVE   ? (c - 0.05) / 0.95
		   : label == SCRM_SENT_NEGATIVE ? (-c - 0.05) / 0.95
						 : 1.0 - fabs(c) / 0.05;
	return (float)(m < 0 ? 0 : m > 1 ? 1 : m);
}

/* "compound -0.7351: lost -1.30, on hold -1.50": whole terms only, as many as fit. */
static void explain(char why[SCRM_CLF_WHY_MAX], double compound, const scrm_sent_explain *ex)
{
	int n = snprintf(why, SCRM_CLF_WHY_MAX, "compound %.4f", compound);
	size_t len = n < 0 ? 0 : (size_t)n < SCRM_CLF_WHY_MAX ? (size_t)n : SCRM_CLF_WHY_MAX - 1;
	for (uint32_t i = 0; ex && i < ex->n; i++) {
		char term[SCRM_CLF_WHY_MAX];
		int tl = snprintf(term, sizeof term, "%s%.*s %+.2f", i ? ", " : ": ", (int)ex->term[i].len,
				  ex->term[i].word, (double)ex->term[i].valence);
		if (tl < 0 || len + (size_t)tl >= SCRM_CLF_WHY_MAX)
			break;
		memcpy(why + len, term, (size_t)tl + 1);
		len += (size_t)tl;
	}
}

static int classify_sent(void *state, const scrm_clf_item *items, size_t n, scrm_clf_out *out, unsigned flags)
{
	clf_sent *c = state;
	scrm_sent_explain ex;
	for (size_t i = 0; i < n; i++) {
		const scrm_clf_item *it = &items[i];
		scrm_sentiment sv;
		const scrm_sentiment *s = it->sentiment[c->mode];
		int have_ex = 0;
		if (!s) {
			have_ex = (flags & SCRM_CLF_EXPLAIN) != 0;
			int rc = scrm_sent_score(c->s, c->mode, it->text ? it->text : "", it->text ? it->len : 0, &sv,
						 have_ex ? &ex : NULL);
			if (rc)
				return rc;
			s = &sv;
		}
		int label = scrm_clf_sentiment_class(s->compound);
		out[i].label = (uint32_t)label;
		out[i].score = s->compound;
		out[i].confidence = margin(s->compound, label);
		out[i].why[0] = 0;
		if (flags & SCRM_CLF_EXPLAIN)
			explain(out[i].why, s->compound, have_ex ? &ex : NULL);
	}
	return 0;
}

const scrm_classifier_desc scrm_clf_sentiment_vader = {
	.task = SCRM_TASK_SENTIMENT,
	.name = "vader",
	.summary = "VADER, exact to the reference (compound at +-0.05)",
	.flags = SCRM_CLF_HAS_SCORE | SCRM_CLF_NEEDS_LEXICON,
	.create = create_vader,
	.free = free_sent,
	.classify = classify_sent,
	.train = NULL,
};

const scrm_classifier_desc scrm_clf_sentiment_scrm = {
	.task = SCRM_TASK_SENTIMENT,
	.name = "scrm",
	.summary = "VADER plus customer-care fixes (sentiment.h; compound at +-0.05)",
	.flags = SCRM_CLF_HAS_SCORE | SCRM_CLF_NEEDS_LEXICON,
	.create = create_scrm,
	.free = free_sent,
	.classify = classify_sent,
	.train = NULL,
};
