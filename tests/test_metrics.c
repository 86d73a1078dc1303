/*
 * test_metrics.c - classifiers/metrics.c on small inputs whose metrics are computed by
 * hand below (the arithmetic is in the comments), the zero-division cases, Pearson r on
 * a hand example and against a two-pass reference, and the K-fold rule.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

#define EPS 1e-12
#define near(a, b) cr_assert(fabs((a) - (b)) < EPS, "%s = %.17g, expected %.17g", #a, (double)(a), (double)(b))

/* Fill a k x k matrix from rows of counts m[gold][pred]. */
static void fill(scrm_confusion *c, size_t k, const unsigned *m)
{
	cr_assert_eq(scrm_confusion_init(c, k), 0);
	for (size_t g = 0; g < k; g++)
		for (size_t p = 0; p < k; p++)
			for (unsigned i = 0; i < m[g * k + p]; i++)
				cr_assert_eq(scrm_confusion_add(c, g, p), 0);
}

Test(metrics, three_classes_by_hand)
{
	/*        pred 0  1  2   support
	 * gold 0      3  1  0   4
	 * gold 1      1  1  0   2
	 * gold 2      0  2  2   4
	 * predicted   4  4  2   n = 10, trace = 3 + 1 + 2 = 6, accuracy 0.6
	 * class 0: P = 3/4 = 0.75, R = 3/4 = 0.75, F1 = 0.75
	 * class 1: P = 1/4,        R = 1/2,        F1 = 2(1/4)(1/2)/(3/4) = 1/3
	 * class 2: P = 2/2 = 1,    R = 2/4 = 0.5,  F1 = 2(1)(0.5)/1.5 = 2/3
	 * macro P = (0.75 + 0.25 + 1)/3 = 2/3; macro R = (0.75 + 0.5 + 0.5)/3 = 1.75/3;
	 * macro F1 = (0.75 + 1/3 + 2/3)/3 = 1.75/3.
	 */
	static const unsigned m[] = {3, 1, 0, 1, 1, 0, 0, 2, 2};
	scrm_confusion c;
	fill(&c, 3, m);
	scrm_class_metrics pc[3];
	scrm_metrics t;
	cr_assert_eq(scrm_metrics_compute(&c, pc, &t), 0);
	cr_assert_eq(t.n, 10);
	cr_assert_eq(t.correct, 6);
	cr_assert_eq(t.present, 3);
	near(t.accuracy, 0.6);
	near(pc[0].precision, 0.75);
	near(pc[0].recall, 0.75);
	near(pc[0].f1, 0.75);
	near(pc[1].precision, 0.25);
	near(pc[1].recall, 0.5);
	near(pc[1].f1, 1.0 / 3);
	near(pc[2].precision, 1.0);
	near(pc[2].recall, 0.5);
	near(pc[2].f1, 2.0 / 3);
	cr_assert_eq(pc[0].support, 4);
	cr_assert_eq(pc[1].support, 2);
	cr_assert_eq(pc[2].support, 4);
	cr_assert_eq(pc[0].predicted, 4);
	cr_assert_eq(pc[1].predicted, 4);
	cr_assert_eq(pc[2].predicted, 2);
	near(t.macro_precision, 2.0 / 3);
	near(t.macro_recall, 1.75 / 3);
	near(t.macro_f1, 1.75 / 3);
	cr_assert_eq(scrm_confusion_at(&c, 2, 1), 2);
	cr_assert_eq(scrm_confusion_at(&c, 3, 1), 0, "out of range reads 0");
	scrm_confusion_free(&c);
	scrm_confusion_free(&c); /* a freed matrix is ignored */
}

Test(metrics, never_predicted_class_has_precision_zero)
{
	/* pairs (gold, pred): (0,0) (0,0) (1,0) (2,2)
	 * class 0: tp 2, predicted 3, support 2: P = 2/3, R = 1, F1 = 2(2/3)/(5/3) = 0.8
	 * class 1: tp 0, predicted 0 (P = 0/0 -> 0), support 1: R = 0, F1 = 0
	 * class 2: P = R = F1 = 1
	 * accuracy 3/4; macro over 3 present: P = (2/3 + 0 + 1)/3 = 5/9, R = 2/3, F1 = 1.8/3 = 0.6
	 * A 4th label that neither occurs nor is predicted is not averaged in. */
	for (size_t k = 3; k <= 4; k++) {
		scrm_confusion c;
		cr_assert_eq(scrm_confusion_init(&c, k), 0);
		scrm_confusion_add(&c, 0, 0);
		scrm_confusion_add(&c, 0, 0);
		scrm_confusion_add(&c, 1, 0);
		scrm_confusion_add(&c, 2, 2);
		scrm_class_metrics pc[4];
		scrm_metrics t;
		cr_assert_eq(scrm_metrics_compute(&c, pc, &t), 0);
		near(t.accuracy, 0.75);
		near(pc[0].precision, 2.0 / 3);
		near(pc[0].recall, 1.0);
		near(pc[0].f1, 0.8);
		near(pc[1].precision, 0.0);
		near(pc[1].recall, 0.0);
		near(pc[1].f1, 0.0);
		cr_assert_eq(t.present, 3);
		near(t.macro_precision, 5.0 / 9);
		near(t.macro_recall, 2.0 / 3);
		near(t.macro_f1, 0.6);
		if (k == 4) {
			near(pc[3].precision, 0.0);
			near(pc[3].f1, 0.0);
			cr_assert_eq(pc[3].support, 0);
		}
		scrm_confusion_free(&c);
	}
}

Test(metrics, predicted_class_absent_from_gold)
{
	/* (0,0) (0,1): class 1 is predicted once but never gold: R = 0/0 -> 0, P = 0/1 = 0,
	 * F1 0, and it IS averaged (present in the predictions). Class 0: P = 1/1,
	 * R = 1/2, F1 = 2(1)(1/2)/(3/2) = 2/3. macro F1 = (2/3 + 0)/2 = 1/3;
	 * macro R = (1/2 + 0)/2 = 1/4; macro P = (1 + 0)/2 = 1/2. */
	scrm_confusion c;
	cr_assert_eq(scrm_confusion_init(&c, 2), 0);
	scrm_confusion_add(&c, 0, 0);
	scrm_confusion_add(&c, 0, 1);
	scrm_class_metrics pc[2];
	scrm_metrics t;
	cr_assert_eq(scrm_metrics_compute(&c, pc, &t), 0);
	near(pc[1].precision, 0.0);
	near(pc[1].recall, 0.0);
	near(pc[0].f1, 2.0 / 3);
	near(t.macro_f1, 1.0 / 3);
	near(t.macro_recall, 0.25);
	near(t.macro_precision, 0.5);
	near(t.accuracy, 0.5);
	scrm_confusion_free(&c);
}

Test(metrics, empty_and_bad_input)
{
	scrm_confusion c;
	cr_assert_eq(scrm_confusion_init(&c, 0), -EINVAL);
	cr_assert_eq(scrm_confusion_init(&c, SCRM_METRICS_MAX_K + 1), -EINVAL);
	cr_assert_eq(scrm_confusion_init(&c, 3), 0);
	scrm_metrics t;
	scrm_class_metrics pc[3];
	cr_assert_eq(scrm_metrics_compute(&c, pc, &t), 0);
	cr_assert_eq(t.n, 0);
	cr_assert_eq(t.present, 0);
	near(t.accuracy, 0.0);
	near(t.macro_f1, 0.0);
	near(t.macro_recall, 0.0);
	cr_assert_eq(scrm_confusion_add(&c, 3, 0), -ERANGE);
	cr_assert_eq(scrm_confusion_add(&c, 0, 3), -ERANGE);
	cr_assert_eq(c.n, 0, "a rejected pair is not counted");
	cr_assert_eq(scrm_metrics_compute(&c, NULL, &t), 0, "per_class may be NULL");
	cr_assert_eq(scrm_metrics_compute(NULL, pc, &t), -EINVAL);
	scrm_confusion_free(&c);
	cr_assert_eq(scrm_metrics_compute(&c, pc, &t), -EINVAL, "a freed matrix");
}

/* The slow obvious reference: two passes, textbook formula. */
static double pearson_ref(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++)
		mx += x[i], my += y[i];
	mx /= (double)n, my /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	return sxy / sqrt(sxx * syy);
}

Test(metrics, pearson_by_hand)
{
	/* x = 1 2 3 4 5 (mean 3), y = 2 4 5 4 5 (mean 4)
	 * dx = -2 -1 0 1 2, dy = -2 0 1 0 1
	 * Sxy = 4 + 0 + 0 + 0 + 2 = 6, Sxx = 4+1+0+1+4 = 10, Syy = 4+0+1+0+1 = 6
	 * r = 6 / sqrt(10 * 6) = 6 / sqrt(60) = 0.7745966692414834 */
	static const double x[] = {1, 2, 3, 4, 5}, y[] = {2, 4, 5, 4, 5};
	scrm_pearson p;
	scrm_pearson_init(&p);
	for (int i = 0; i < 5; i++)
		scrm_pearson_add(&p, x[i], y[i]);
	double r;
	cr_assert_eq(scrm_pearson_r(&p, &r), 0);
	near(r, 6 / sqrt(60));
	/* far from zero: Welford keeps the digits that sum-of-squares would lose */
	scrm_pearson_init(&p);
	for (int i = 0; i < 5; i++)
		scrm_pearson_add(&p, x[i] + 1e9, y[i] - 1e9);
	cr_assert_eq(scrm_pearson_r(&p, &r), 0);
	cr_assert(fabs(r - 6 / sqrt(60)) < 1e-9, "r = %.17g", r);
	/* y = 1 - 2x: r = -1 exactly (clamped) */
	scrm_pearson_init(&p);
	for (int i = 0; i < 5; i++)
		scrm_pearson_add(&p, x[i], 1 - 2 * x[i]);
	cr_assert_eq(scrm_pearson_r(&p, &r), 0);
	near(r, -1.0);
}

Test(metrics, pearson_matches_two_pass_reference)
{
	double x[1000], y[1000];
	unsigned s = 12345; /* fixed seed */
	for (int i = 0; i < 1000; i++) {
		s = s * 1103515245u + 12345u;
		x[i] = (double)(s >> 8) / (1 << 24) * 2 - 1;
		s = s * 1103515245u + 12345u;
		y[i] = 0.5 * x[i] + (double)(s >> 8) / (1 << 24);
	}
	scrm_pearson p;
	scrm_pearson_init(&p);
	for (int i = 0; i < 1000; i++)
		scrm_pearson_add(&p, x[i], y[i]);
	double r;
	cr_assert_eq(scrm_pearson_r(&p, &r), 0);
	cr_assert(fabs(r - pearson_ref(x, y, 1000)) < 1e-12, "%.17g vs %.17g", r, pearson_ref(x, y, 1000));
}

Test(metrics, pearson_undefined)
{
	scrm_pearson p;
	double r = 7;
	scrm_pearson_init(&p);
	cr_assert_eq(scrm_pearson_r(&p, &r), -EDOM, "n = 0");
	cr_assert_eq(r, 0);
	scrm_pearson_add(&p, 1, 2);
	cr_assert_eq(scrm_pearson_r(&p, &r), -EDOM, "n = 1");
	scrm_pearson_add(&p, 1, 3);
	scrm_pearson_add(&p, 1, 4);
	cr_assert_eq(scrm_pearson_r(&p, &r), -EDOM, "x constant");
	scrm_pearson_init(&p);
	scrm_pearson_add(&p, 1, 0);
	scrm_pearson_add(&p, 2, 0);
	cr_assert_eq(scrm_pearson_r(&p, &r), -EDOM, "y constant");
}

Test(metrics, kfold_is_deterministic_and_keeps_ids_together)
{
	/* The rule is XXH64(id, seed 0) mod k. XXH64 of the empty input, seed 0, is
	 * 0xEF46DB3751D8E999 (the xxHash specification's test vector); mod 5 = 1. */
	cr_assert_eq(scrm_kfold_of("", 0, 5), (uint32_t)(0xEF46DB3751D8E999ull % 5));
	cr_assert_eq(scrm_kfold_of("", 0, 5), 1);
	cr_assert_eq(scrm_kfold_of("abc", 3, 0), 0);
	cr_assert_eq(scrm_kfold_of("abc", 3, 1), 0);
	size_t count[5] = {0};
	char id[32];
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(id, sizeof id, "id-%d", i);
		uint32_t f = scrm_kfold_of(id, (size_t)n, 5);
		cr_assert_lt(f, 5);
		/* the same id (a copy at another address) lands in the same fold */
		char copy[32];
		memcpy(copy, id, (size_t)n);
		cr_assert_eq(scrm_kfold_of(copy, (size_t)n, 5), f);
		count[f]++;
	}
	for (int f = 0; f < 5; f++) /* 2000 expected; binomial sd ~ 40 */
		cr_assert(count[f] > 1800 && count[f] < 2200, "fold %d holds %zu of 10000", f, count[f]);
}

/* scrm_bootstrap(): a perfect classifier's intervals are [1, 1], an always-wrong one's
 * accuracy [0, 0]; one right on every other row of 400 has accuracy 0.5 with a binomial
 * standard error of sqrt(0.25 / 400) = 0.025, so its 95% interval is about 0.5 +- 0.049;
 * the paired comparison puts the perfect one above in every resample; the same arguments
 * give the same intervals; bad arguments are -EINVAL. */
Test(metrics, bootstrap_intervals_and_paired_comparison)
{
	enum { N = 400, K = 3 };
	static uint32_t gold[N], perfect[N], half[N], wrong[N];
	for (uint32_t i = 0; i < N; i++) {
		gold[i] = i % K;
		perfect[i] = gold[i];
		half[i] = i % 2 ? gold[i] : (gold[i] + 1) % K;
		wrong[i] = (gold[i] + 1) % K;
	}
	const uint32_t *preds[4] = {perfect, half, wrong, half};
	double acc[4][2], f1[4][2], higher[16];
	cr_assert_eq(scrm_bootstrap(K, gold, preds, 4, N, 1000, 7, acc, f1, higher), 0);
	cr_assert(acc[0][0] == 1.0 && acc[0][1] == 1.0 && f1[0][0] == 1.0 && f1[0][1] == 1.0);
	cr_assert(acc[2][0] == 0.0 && acc[2][1] == 0.0 && f1[2][1] == 0.0);
	cr_assert(acc[1][0] > 0.44 && acc[1][0] < 0.47, "lo %g", acc[1][0]);
	cr_assert(acc[1][1] > 0.53 && acc[1][1] < 0.56, "hi %g", acc[1][1]);
	cr_assert(f1[1][0] < f1[1][1]);
	cr_assert_eq(higher[0 * 4 + 1], 1.0);
	cr_assert_eq(higher[1 * 4 + 0], 0.0);
	cr_assert_eq(higher[1 * 4 + 3], 0.0, "identical predictions are never strictly higher");
	cr_assert_eq(higher[1 * 4 + 2], 1.0);
	double acc2[4][2], f12[4][2];
	cr_assert_eq(scrm_bootstrap(K, gold, preds, 4, N, 1000, 7, acc2, f12, NULL), 0);
	cr_assert(!memcmp(acc, acc2, sizeof acc) && !memcmp(f1, f12, sizeof f1), "not deterministic");
	cr_assert_eq(scrm_bootstrap(K, gold, preds, 4, 0, 1000, 7, acc, f1, NULL), -EINVAL);
	cr_assert_eq(scrm_bootstrap(K, gold, preds, 4, N, 1, 7, acc, f1, NULL), -EINVAL);
	cr_assert_eq(scrm_bootstrap(2, gold, preds, 4, N, 100, 7, acc, f1, NULL), -EINVAL, "label 2 >= k");
}

/* scrm_bootstrap_pearson(): a score equal to the gold has r = 1 on every resample; a
 * noisy one a lower interval, and the exact one is higher on every resample; a score
 * that is a linear function of the gold (r = -1) has the interval [-1, -1]. */
Test(metrics, bootstrap_pearson)
{
	enum { N = 300 };
	static double gold[N], exact[N], noisy[N], neg[N];
	uint64_t x = 42;
	for (int i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		gold[i] = (double)(i % 17) - 8;
		exact[i] = gold[i];
		noisy[i] = gold[i] + (double)(x % 1000) / 100.0 - 5; /* noise sd ~2.9 against gold sd ~4.9 */
		neg[i] = 3 - 2 * gold[i];
	}
	const double *sc[3] = {exact, noisy, neg};
	double ci[3][2], higher[9];
	cr_assert_eq(scrm_bootstrap_pearson(gold, sc, 3, N, 500, 3, ci, higher), 0);
	cr_assert(fabs(ci[0][0] - 1) < 1e-12 && fabs(ci[0][1] - 1) < 1e-12, "[%g, %g]", ci[0][0], ci[0][1]);
	cr_assert(ci[1][0] > 0.7 && ci[1][1] < 0.95 && ci[1][0] < ci[1][1], "[%g, %g]", ci[1][0], ci[1][1]);
	cr_assert(fabs(ci[2][0] + 1) < 1e-12 && fabs(ci[2][1] + 1) < 1e-12);
	cr_assert_eq(higher[0 * 3 + 1], 1.0);
	cr_assert_eq(higher[1 * 3 + 0], 0.0);
	cr_assert_eq(scrm_bootstrap_pearson(gold, sc, 3, 1, 500, 3, ci, NULL), -EINVAL);
}

/* A resample on which r is undefined (its gold constant) is left out, not counted as
 * r = 0. Gold 0, 0, 1 with the score equal to it: about a third of the resamples miss the
 * 1 or hold only it, and every other one has r = 1 exactly, so the interval is [1, 1] (it
 * was [0, 1]). Gold without variance: r is undefined on every resample, and so is the
 * interval and the comparison (NaN; they were [0, 0] and 0). */
Test(metrics, bootstrap_pearson_leaves_undefined_resamples_out)
{
	static const double gold[3] = {0, 0, 1}, flat[3] = {2, 2, 2}, other[3] = {0.5, -1, 3};
	const double *sc[2] = {gold, other};
	double ci[2][2], higher[4];
	cr_assert_eq(scrm_bootstrap_pearson(gold, sc, 2, 3, 1000, 5, ci, higher), 0);
	cr_assert_eq(ci[0][0], 1.0, "[%g, %g]", ci[0][0], ci[0][1]);
	cr_assert_eq(ci[0][1], 1.0, "[%g, %g]", ci[0][0], ci[0][1]);
	cr_assert(higher[0 * 2 + 1] >= 0 && higher[0 * 2 + 1] <= 1, "%g", higher[1]);
	cr_assert_eq(scrm_bootstrap_pearson(flat, sc, 2, 3, 1000, 5, ci, higher), 0);
	for (int c = 0; c < 2; c++)
		cr_assert(isnan(ci[c][0]) && isnan(ci[c][1]), "classifier %d: [%g, %g]", c, ci[c][0], ci[c][1]);
	cr_assert(isnan(higher[0 * 2 + 1]) && isnan(higher[1 * 2 + 0]), "%g %g", higher[1], higher[2]);
}
