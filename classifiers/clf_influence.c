/*
 * clf_influence.c - influence as a classifier of the one interface (classifier.h): task
 * influence, "formula", influence.h's fixed formula over the item's author fields.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "influence.h"

/* No state: a formula. The interface wants a non-NULL state for an instance. */
static int create_formula(void **state, const scrm_clf_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	static const char none = 0;
	*state = (void *)&none;
	return 0;
}

static void free_formula(void *state) { (void)state; }

/* "reach 43, engagement 10, authority 0, network 6" (at most 52 bytes). */
static void explain(char why[SCRM_CLF_WHY_MAX], const scrm_influence *in)
{
	static const char *const name[4] = {"reach ", ", engagement ", ", authority ", ", network "};
	static const uint8_t nlen[4] = {6, 13, 12, 10};
	const uint8_t v[4] = {in->reach, in->engagement, in->authority, in->network};
	size_t len = 0;
	why[0] = 0;
	for (int k = 0; k < 4; k++) {
		char num[4];
		size_t n = 0;
		if (v[k] >= 100)
			num[n++] = (char)('0' + v[k] / 100);
		if (v[k] >= 10)
			num[n++] = (char)('0' + v[k] / 10 % 10);
		num[n++] = (char)('0' + v[k] % 10);
		(void)scrm_clf_why_putn(why, &len, name[k], nlen[k]);
		(void)scrm_clf_why_putn(why, &len, num, n);
	}
}

static int classify_formula(void *state, const scrm_clf_item *items, size_t n, scrm_clf_out *out, unsigned flags)
{
	(void)state;
	for (size_t i = 0; i < n; i++) {
		const scrm_clf_item *it = &items[i];
		scrm_influence in = {
			.reach = scrm_influence_reach(it->followers),
			.engagement = scrm_influence_engagement(it->followers, it->retweets, it->likes, it->replies,
								it->quotes),
			.authority = scrm_influence_authority(it->verified),
			.network = it->network_weight > 0 ? scrm_influence_network(it->network_weight) : 0,
		};
		scrm_influence_combine(&in);
		scrm_clf_out *o = &out[i];
		o->label = in.score < 25 ? 0u : in.score < 50 ? 1u : 2u;
		o->confidence = 1.0f;
		o->score = in.score;
		o->parts[0] = in.reach;
		o->parts[1] = in.engagement;
		o->parts[2] = in.authority;
		o->parts[3] = in.network;
		if (flags & SCRM_CLF_EXPLAIN)
			explain(o->why, &in);
		else
			o->why[0] = 0;
	}
	return 0;
}

const scrm_classifier_desc scrm_clf_influence_formula = {
	.task = SCRM_TASK_INFLUENCE,
	.name = "formula",
	.summary = "influence.h's formula: reach (followers), engagement (reactions), authority (verified), "
		   "network (the stream's mentions); score 0-100",
	.flags = SCRM_CLF_HAS_SCORE,
	.create = create_formula,
	.free = free_formula,
	.classify = classify_formula,
};
