/*
 * metrics.c - confusion matrix, per-class and macro metrics, Pearson r, K-fold
 * (metrics.h has the definitions, zero divisions included).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "metrics.h"

int scrm_confusion_init(scrm_confusion *c, size_t k)
{
	if (!c || k == 0 || k > SCRM_METRICS_MAX_K)
		return -EINVAL;
	memset(c, 0, sizeof *c);
	if (!(c->m = calloc(k * k, sizeof *c->m)))
		return -ENOMEM;
	c->k = k;
	return 0;
}

void scrm_confusion_free(scrm_confusion *c)
{
	if (!c)
		return;
	free(c->m);
	memset(c, 0, sizeof *c);
}

int scrm_confusion_add(scrm_confusion *c, size_t gold, size_t pred)
{
	if (gold >= c->k || pred >= c->k)
		return -ERANGE;
	c->m[gold * c->k + pred]++;
	c->n++;
	return 0;
}

uint64_t scrm_confusion_at(const scrm_confusion *c, size_t gold, size_t pred)
{
	return gold < c->k && pred < c->k ? c->m[gold * c->k + pred] : 0;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

int scrm_metrics_compute(const scrm_confusion *c, scrm_class_metrics *per_class, scrm_metrics *out)
{
	if (!c || !out || !c->m || !c->k)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	out->n = c->n;
	double sp = 0, sr = 0, sf = 0;
	for (size_t i = 0; i < c->k; i++) {
		scrm_class_metrics m = {0};
		m.tp = c->m[i * c->k + i];
		for (size_t j = 0; j < c->k; j++) {
			m.support += c->m[i * c->k + j];
			m.predicted += c->m[j * c->k + i];
		}
		m.precision = ratio(m.tp, m.predicted);
		m.recall = ratio(m.tp, m.support);
		m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
		out->correct += m.tp;
		if (m.support || m.predicted) {
			out->present++;
			sp += m.precision;
			sr += m.recall;
			sf += m.f1;
		}
		if (per_class)
			per_class[i] = m;
	}
	out->accuracy = ratio(out->correct, out->n);
	if (out->present) {
		out->macro_precision = sp / (double)out->present;
		out->macro_recall = sr / (double)out->present;
		out->macro_f1 = sf / (double)out->present;
	}
	return 0;
}

void scrm_pearson_init(scrm_pearson *p)
{
	memset(p, 0, sizeof *p);
}

void scrm_pearson_add(scrm_pearson *p, double x, double y)
{
	if (p->n == 0) {
		p->kx = x;
		p->ky = y;
	}
	x -= p->kx; /* shifted by the first pair: values far from 0 keep their digits */
	y -= p->ky;
	p->n++;
	double dx = x - p->mx, dy = y - p->my;
	p->mx += dx / (double)p->n;
	p->my += dy / (double)p->n;
	p->sxx += dx * (x - p->mx);
	p->syy += dy * (y - p->my);
	p->sxy += dx * (y - p->my);
}

int scrm_pearson_r(const scrm_pearson *p, double *r)
{
	*r = 0;
	if (p->n < 2 || !(p->sxx > 0) || !(p->syy > 0))
		return -EDOM;
	double v = p->sxy / sqrt(p->sxx * p->syy);
	*r = v > 1 ? 1 : v < -1 ? -1 : v;
	return 0;
}

uint32_t scrm_kfold_of(const void *id, size_t len, uint32_t k)
{
	return k ? (uint32_t)(XXH64(id, len, 0) % k) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One bootstrap resample of n rows: w[i] = how often row i was drawn (xorshift64* state
 * *x; the same state sequence gives the same resamples). */
static void resample(uint32_t *w, size_t n, uint64_t *x)
{
	memset(w, 0, n * sizeof *w);
	for (size_t j = 0; j < n; j++) {
		*x ^= *x >> 12, *x ^= *x << 25, *x ^= *x >> 27;
		uint64_t r = *x * UINT64_C(0x2545F4914F6CDD1D);
		w[(size_t)(((unsigned __int128)(r >> 32) * n) >> 32)]++; /* uniform in [0, n) */
	}
}

/* The 95% percentile interval of the values of v[0..B) that are defined (not NaN: a
 * resample without a Pearson r) into ci, NaN when none is; v is reordered. */
static void interval(double *v, uint32_t B, double ci[2])
{
	uint32_t m = 0;
	for (uint32_t b = 0; b < B; b++)
		if (!isnan(v[b]))
			v[m++] = v[b];
	if (m == 0) {
		ci[0] = ci[1] = NAN;
		return;
	}
	qsort(v, m, sizeof *v, cmp_double);
	ci[0] = v[(size_t)floor(0.025 * m)];
	ci[1] = v[(size_t)ceil(0.975 * m) - 1];
}

/* higher[a * nclf + o]: the share of the resamples in which v[a] > v[o], among those where
 * both are defined (not NaN), NaN when there is none (v per classifier, B values each, in
 * resample order). */
static void paired(const double *v, size_t nclf, uint32_t B, double *higher)
{
	for (size_t a = 0; a < nclf; a++)
		for (size_t o = 0; o < nclf; o++) {
			uint32_t wins = 0, both = 0;
			for (uint32_t b = 0; b < B; b++) {
				double x = v[a * B + b], y = v[o * B + b];
				if (isnan(x) || isnan(y))
					continue;
				both++;
				wins += x > y;
			}
			higher[a * nclf + o] = both ? (double)wins / both : NAN;
		}
}

int scrm_bootstrap(size_t k, const uint32_t *gold, const uint32_t *const *pred, size_t nclf, size_t n, uint32_t B,
		   uint64_t seed, double (*acc_ci)[2], double (*f1_ci)[2], double *higher)
{
	if (!n || B < 2 || !k || k > SCRM_METRICS_MAX_K || !nclf)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (gold[i] >= k)
			return -EINVAL;
		for (size_t c = 0; c < nclf; c++)
			if (pred[c][i] >= k)
				return -EINVAL;
	}
	uint32_t *w = calloc(n, sizeof *w);
	double *acc = malloc((size_t)B * nclf * sizeof *acc), *f1 = malloc((size_t)B * nclf * sizeof *f1);
	scrm_confusion conf = {0};
	int rc = 0;
	if (!w || !acc || !f1 || scrm_confusion_init(&conf, k)) {
		rc = -ENOMEM;
		goto out;
	}
	uint64_t x = seed ? seed : 1;
	for (uint32_t b = 0; b < B; b++) {
		resample(w, n, &x);
		for (size_t c = 0; c < nclf; c++) {
			memset(conf.m, 0, k * k * sizeof *conf.m);
			for (size_t i = 0; i < n; i++)
				conf.m[(size_t)gold[i] * k + pred[c][i]] += w[i];
			conf.n = n;
			scrm_metrics m;
			scrm_metrics_compute(&conf, NULL, &m);
			acc[c * B + b] = m.accuracy;
			f1[c * B + b] = m.macro_f1;
		}
	}
	if (higher)
		paired(f1, nclf, B, higher);
	for (size_t c = 0; c < nclf; c++) {
		interval(acc + c * B, B, acc_ci[c]);
		interval(f1 + c * B, B, f1_ci[c]);
	}
out:
	free(w);
	free(acc);
	free(f1);
	scrm_confusion_free(&conf);
	return rc;
}

int scrm_bootstrap_pearson(const double *gold, const double *const *score, size_t nclf, size_t n, uint32_t B,
			   uint64_t seed, double (*r_ci)[2], double *higher)
{
	if (n < 2 || B < 2 || !nclf)
		return -EINVAL;
	uint32_t *w = calloc(n, sizeof *w);
	double *rv = malloc((size_t)B * nclf * sizeof *rv);
	if (!w || !rv) {
		free(w);
		free(rv);
		return -ENOMEM;
	}
	uint64_t x = seed ? seed : 1;
	for (uint32_t b = 0; b < B; b++) {
		resample(w, n, &x);
		for (size_t c = 0; c < nclf; c++) {
			scrm_pearson p;
			scrm_pearson_init(&p);
			for (size_t i = 0; i < n; i++)
				for (uint32_t k = 0; k < w[i]; k++)
					scrm_pearson_add(&p, score[c][i], gold[i]);
			double r;
			/* undefined (a resample whose gold or score is constant): left out, as
			   counting it as 0 would put an interval around a value that has none */
			rv[c * B + b] = scrm_pearson_r(&p, &r) == 0 ? r : NAN;
		}
	}
	if (higher)
		paired(rv, nclf, B, higher);
	for (size_t c = 0; c < nclf; c++)
		interval(rv + c * B, B, r_ci[c]);
	free(w);
	free(rv);
	return 0;
}
