/*
 * classifier.c - the classifier registry, the tasks' label sets and the instance
 * wrapper (classifier.h has the contract).
 *
 * The registry is the built-in table below plus up to 64 descriptors added by
 * scrm_classifier_register() at start-up; both are only read afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classifier.h"

/* Adding a built-in classifier is one line here. */
static const scrm_classifier_desc *const builtin[] = {
	&scrm_clf_sentiment_vader,
	&scrm_clf_sentiment_scrm,
	&scrm_clf_intent_cues,
	&scrm_clf_intent_linear,
	&scrm_clf_action_cues,
	&scrm_clf_action_linear,
	&scrm_clf_complaint_cues,
	&scrm_clf_complaint_linear,
	&scrm_clf_airline_linear,
	&scrm_clf_sentiment_linear,
	&scrm_clf_sentiment_learned,
	&scrm_clf_labels_linear,
	&scrm_clf_influence_formula,
};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])

#define MAX_ADDED 64
static const scrm_classifier_desc *added[MAX_ADDED]; /* start-up config: written before workers start */
static size_t nadded;

static const char *const task_names[SCRM_TASK_COUNT] = {
	"sentiment", "intent", "action", "complaint", "airline-reason", "labels", "influence",
};

static const char *const sentiment_labels[] = {"negative", "neutral", "positive"};
static const char *const intent_labels[] = {"question", "complaint", "praise", "purchase",
					    "churn",    "suggestion", "spam",  "other"};
static const char *const yesno_labels[] = {"no", "yes"};
static const char *const influence_labels[] = {"low", "medium", "high"};
/* airline-sentiment's negativereason values as the corpus writes them (SOURCES.md). */
static const char *const airline_labels[] = {
	"Customer Service Issue", "Late Flight", "Can't Tell", "Cancelled Flight", "Lost Luggage",
	"Bad Flight", "Flight Booking Problems", "Flight Attendant Complaints", "longlines",
	"Damaged Luggage",
};

/* SCRM_TASK_LABELS: start-up config written by scrm_task_set_labels(), then only read. */
static char *dyn_labels[SCRM_TASK_MAX_LABELS];
static size_t ndyn;

static struct {
	const char *const *labels;
	size_t n;
} task_labels[SCRM_TASK_COUNT] = {
	[SCRM_TASK_SENTIMENT] = {sentiment_labels, 3},
	[SCRM_TASK_INTENT] = {intent_labels, 8},
	[SCRM_TASK_ACTION] = {yesno_labels, 2},
	[SCRM_TASK_COMPLAINT] = {yesno_labels, 2},
	[SCRM_TASK_AIRLINE_REASON] = {airline_labels, sizeof airline_labels / sizeof airline_labels[0]},
	[SCRM_TASK_LABELS] = {(const char *const *)dyn_labels, 0},
	[SCRM_TASK_INFLUENCE] = {influence_labels, 3},
};

int scrm_task_set_labels(scrm_task t, const char *const *names, size_t n)
{
	if (t != SCRM_TASK_LABELS || !names || n == 0 || n > SCRM_TASK_MAX_LABELS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !names[i][0])
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return -EINVAL;
	}
	char *copy[SCRM_TASK_MAX_LABELS];
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(names[i]))) {
			while (i)
				free(copy[--i]);
			return -ENOMEM;
		}
	for (size_t i = 0; i < ndyn; i++)
		free(dyn_labels[i]);
	memcpy(dyn_labels, copy, n * sizeof copy[0]);
	ndyn = n;
	task_labels[SCRM_TASK_LABELS].n = n;
	return 0;
}

const char *scrm_task_name(scrm_task t)
{
	return (unsigned)t < SCRM_TASK_COUNT ? task_names[t] : "?";
}

int scrm_task_parse(const char *name, scrm_task *t)
{
	if (!name || !t)
		return -EINVAL;
	for (int i = 0; i < SCRM_TASK_COUNT; i++)
		if (strcmp(name, task_names[i]) == 0) {
			*t = (scrm_task)i;
			return 0;
		}
	return -EINVAL;
}

const char *const *scrm_task_labels(scrm_task t, size_t *n)
{
	if ((unsigned)t >= SCRM_TASK_COUNT) {
		*n = 0;
		return NULL;
	}
	*n = task_labels[t].n;
	return task_labels[t].labels;
}

static int eq_nocase(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

int scrm_task_label_parse(scrm_task t, const char *s, size_t len)
{
	if ((unsigned)t >= SCRM_TASK_COUNT || !s)
		return -ENOENT;
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < task_labels[t].n; i++) {
		const char *l = task_labels[t].labels[i];
		if (t == SCRM_TASK_LABELS ? strlen(l) == len && memcmp(s, l, len) == 0 : eq_nocase(s, len, l))
			return (int)i;
	}
	if (t == SCRM_TASK_ACTION || t == SCRM_TASK_COMPLAINT) {
		if (eq_nocase(s, len, "0") || eq_nocase(s, len, "false"))
			return 0;
		if (eq_nocase(s, len, "1") || eq_nocase(s, len, "true"))
			return 1;
	}
	return -ENOENT;
}

int scrm_clf_sentiment_class(double compound)
{
	return compound >= 0.05 ? SCRM_SENT_POSITIVE : compound <= -0.05 ? SCRM_SENT_NEGATIVE : SCRM_SENT_NEUTRAL;
}

int scrm_clf_why_put(char why[SCRM_CLF_WHY_MAX], size_t *len, const char *a, const char *b, const char *c)
{
	/* byte by byte: the parts are a few bytes each, and strlen + memcpy calls cost more */
	const char *part[3] = {a, b, c};
	size_t o = *len;
	for (int i = 0; i < 3; i++)
		for (const char *p = part[i]; p && *p; p++) {
			if (o + 1 >= SCRM_CLF_WHY_MAX) {
				why[*len] = 0; /* all or nothing */
				return -1;
			}
			why[o++] = *p;
		}
	why[o] = 0;
	*len = o;
	return 0;
}

/* printf rounds the exact binary value half to even: with scale 10^decimals, k is
 * floor(scale |v|) made exact with fma() (whose single rounding cannot change a sign), and
 * the sign of scale |v| - (k + 1/2), also from fma(), says which way it rounds. */
size_t scrm_clf_fmt_fixed(char out[SCRM_CLF_NUM_MAX], double v, int decimals)
{
	static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	double scale = pow10[decimals], a = fabs(v), k = floor(a * scale);
	if (!(a * scale < 1e15)) { /* huge (k would not be exact) or not finite: printf's, cut to fit */
		snprintf(out, SCRM_CLF_NUM_MAX, "%+.*f", decimals, v);
		return strlen(out);
	}
	if (fma(a, scale, -k) < 0)
		k -= 1;
	else if (fma(a, scale, -(k + 1)) >= 0)
		k += 1;
	double d = fma(a, scale, -(k + 0.5));
	if (d > 0 || (d == 0 && fmod(k, 2) == 1))
		k += 1;
	unsigned long long q = (unsigned long long)k;
	char tmp[32];
	size_t n = 0, o = 0;
	for (int i = 0; i < decimals; i++, q /= 10)
		tmp[n++] = (char)('0' + q % 10);
	if (decimals)
		tmp[n++] = '.';
	do
		tmp[n++] = (char)('0' + q % 10);
	while (q /= 10);
	out[o++] = signbit(v) ? '-' : '+';
	while (n)
		out[o++] = tmp[--n];
	out[o] = 0;
	return o;
}

void scrm_clf_item_init(scrm_clf_item *it, const char *text, size_t len)
{
	memset(it, 0, sizeof *it);
	it->text = text;
	it->len = len;
	it->followers = -1;
	it->retweets = it->likes = it->replies = it->quotes = -1;
	it->network_weight = -1;
	it->verified = -1;
	it->is_reply = -1;
	it->spam_bits = -1;
}

/* ---- registry ---- */

size_t scrm_classifier_count(void)
{
	return NBUILTIN + nadded;
}

const scrm_classifier_desc *scrm_classifier_at(size_t i)
{
	if (i < NBUILTIN)
		return builtin[i];
	i -= NBUILTIN;
	return i < nadded ? added[i] : NULL;
}

const scrm_classifier_desc *scrm_classifier_find(scrm_task task, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < scrm_classifier_count(); i++) {
		const scrm_classifier_desc *d = scrm_classifier_at(i);
		if (d->task == task && strcmp(d->name, name) == 0)
			return d;
	}
	return NULL;
}

size_t scrm_classifier_list(scrm_task task, const scrm_classifier_desc **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < scrm_classifier_count(); i++) {
		const scrm_classifier_desc *d = scrm_classifier_at(i);
		if (d->task != task)
			continue;
		if (n < cap)
			out[n] = d;
		n++;
	}
	return n;
}

/* [a-z0-9_-]+: safe in file names (eval's temporary models) and in JSON keys. */
static int valid_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

int scrm_classifier_register(const scrm_classifier_desc *d)
{
	if (!d || (unsigned)d->task >= SCRM_TASK_COUNT || !valid_name(d->name) || !d->create || !d->free ||
	    !d->classify)
		return -EINVAL;
	if (scrm_classifier_find(d->task, d->name))
		return -EEXIST;
	if (nadded == MAX_ADDED)
		return -ENOSPC;
	added[nadded++] = d;
	return 0;
}

/* ---- instances ---- */

struct scrm_classifier {
	const scrm_classifier_desc *d;
	void *state;
};

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a, b);
}

int scrm_classifier_create(scrm_classifier **out, const scrm_classifier_desc *d, const scrm_clf_config *cfg,
			   char *err, size_t errlen)
{
	static const scrm_clf_config none = {0};
	if (err && errlen)
		err[0] = 0;
	if (!out || !d)
		return -EINVAL;
	*out = NULL;
	if (!cfg)
		cfg = &none;
	if ((d->flags & SCRM_CLF_NEEDS_LEXICON) && !cfg->lexicon) {
		set_err(err, errlen, "classifier %s/%s needs a lexicon", scrm_task_name(d->task), d->name);
		return -EINVAL;
	}
	if ((d->flags & SCRM_CLF_NEEDS_MODEL) && !cfg->model_path) {
		set_err(err, errlen, "classifier %s/%s needs a model file", scrm_task_name(d->task), d->name);
		return -EINVAL;
	}
	scrm_classifier *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->d = d;
	int rc = d->create(&c->state, cfg, err, errlen);
	if (rc) {
		free(c);
		if (err && errlen && !err[0])
			snprintf(err, errlen, "classifier %s/%s: %s", scrm_task_name(d->task), d->name,
				 strerror(-rc));
		return rc;
	}
	*out = c;
	return 0;
}

void scrm_classifier_free(scrm_classifier *c)
{
	if (!c)
		return;
	c->d->free(c->state);
	free(c);
}

bool scrm_classifier_uses_encoder(const scrm_classifier *c)
{
	return c->d->uses_encoder && c->d->uses_encoder(c->state);
}

const scrm_classifier_desc *scrm_classifier_desc_of(const scrm_classifier *c)
{
	return c->d;
}

int scrm_classifier_classify(scrm_classifier *c, const scrm_clf_item *items, size_t n, scrm_clf_out *out,
			     unsigned flags)
{
	if (!c || (n && (!items || !out)))
		return -EINVAL;
	if (!n)
		return 0;
	return c->d->classify(c->state, items, n, out, flags);
}

int scrm_classifier_train(const scrm_classifier_desc *d, const scrm_clf_config *cfg, const scrm_clf_item *items,
			  const uint32_t *gold, size_t n, const char *model_path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = 0;
	if (!d || !model_path || (n && (!items || !gold)))
		return -EINVAL;
	if (!d->train) {
		set_err(err, errlen, "classifier %s/%s is rule-based: nothing to train", scrm_task_name(d->task),
			d->name);
		return -EOPNOTSUPP;
	}
	static const scrm_clf_config none = {0};
	return d->train(cfg ? cfg : &none, items, gold, n, model_path, err, errlen);
}
