/*
 * metrics.h - classification metrics for `scrm eval` and the benchmarks: confusion
 * matrix over K labels, accuracy, per-class precision / recall / F1 / support, macro
 * averages, Pearson r for numeric gold, and the K-fold split.
 *
 * Definitions (the ones scikit-learn uses, with zero_division=0):
 *   precision_c = tp_c / predicted_c, and 0 when the class was never predicted;
 *   recall_c    = tp_c / support_c,   and 0 when the class never occurs in the gold;
 *   F1_c        = 2 P R / (P + R),    and 0 when P + R = 0;
 *   accuracy    = trace / n,          and 0 when n = 0;
 *   macro-P/R/F1 = the unweighted mean over the classes PRESENT, those that occur in the
 *   gold or in the predictions (scikit-learn's default label set, unique_labels(y_true,
 *   y_pred)); a label of the task that neither occurs nor is predicted is not averaged
 *   in (it would add a 0). With no class present every macro value is 0.
 *
 * Memory: a confusion matrix owns its k*k counts (init allocates, free releases).
 * Threads: no shared state; one matrix / accumulator per thread.
 */
#ifndef SCRM_METRICS_H
#define SCRM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define SCRM_METRICS_MAX_K 4096 /* labels per confusion matrix */

typedef struct scrm_confusion {
	size_t k;    /* labels 0..k-1 */
	uint64_t n;  /* pairs added */
	uint64_t *m; /* k*k counts: m[gold * k + pred] */
} scrm_confusion;

/* Allocate a zeroed k x k matrix into *c. 0; -EINVAL (k == 0 or > SCRM_METRICS_MAX_K);
 * -ENOMEM. */
int scrm_confusion_init(scrm_confusion *c, size_t k);

/* Release the counts (c itself is the caller's); a zeroed or freed c is ignored. */
void scrm_confusion_free(scrm_confusion *c);

/* Count one (gold, pred) pair. 0, or -ERANGE when either is >= k (nothing counted). */
int scrm_confusion_add(scrm_confusion *c, size_t gold, size_t pred);

/* The count of (gold, pred); 0 out of range. */
uint64_t scrm_confusion_at(const scrm_confusion *c, size_t gold, size_t pred);

typedef struct scrm_class_metrics {
	uint64_t tp;        /* gold c, predicted c */
	uint64_t support;   /* gold c */
	uint64_t predicted; /* predicted c */
	double precision, recall, f1;
} scrm_class_metrics;

typedef struct scrm_metrics {
	uint64_t n, correct;
	double accuracy;
	double macro_precision, macro_recall, macro_f1;
	size_t present; /* classes averaged into the macro values */
} scrm_metrics;

/*
 * scrm_metrics_compute() - every metric of @c: per class into per_class[0..k) (may be
 * NULL), the totals into *out. Return 0, or -EINVAL for NULL c/out or an empty c.
 */
int scrm_metrics_compute(const scrm_confusion *c, scrm_class_metrics *per_class, scrm_metrics *out);

/*
 * Pearson's r, accumulated in one pass with Welford's updates on values shifted by the
 * first pair (stable for large n and for values far from 0).
 */
typedef struct scrm_pearson {
	uint64_t n;
	double kx, ky;       /* the shift: the first pair */
	double mx, my;       /* running means of the shifted values */
	double sxx, syy, sxy; /* sums of squared / cross deviations */
} scrm_pearson;

void scrm_pearson_init(scrm_pearson *p);
void scrm_pearson_add(scrm_pearson *p, double x, double y);

/* r in [-1, 1] into *r: 0, or -EDOM when n < 2 or either variable is constant (r is
 * undefined; *r is set to 0). */
int scrm_pearson_r(const scrm_pearson *p, double *r);

/*
 * scrm_kfold_of() - the fold (0..k-1) of a row whose split key is @id (@len bytes):
 * XXH64(id, seed 0) mod k. Deterministic across runs and machines, and rows sharing a
 * key always share a fold. Folds are balanced only on average: a small file can leave
 * a fold empty. k == 0 returns 0.
 */
uint32_t scrm_kfold_of(const void *id, size_t len, uint32_t k);

/*
 * scrm_bootstrap() - percentile-bootstrap 95% intervals of accuracy and macro-F1 for
 * @nclf classifiers scored on the same @n rows, paired: each of the @B resamples draws n
 * rows with replacement (xorshift64* from @seed, so the same arguments give the same
 * result) and scores every classifier on those rows.
 * @gold[n] and @pred[c][n] are labels < @k. Out, per classifier c: acc_ci[c] and
 * f1_ci[c] = {lo, hi}, the resampled values of rank floor(0.025 B) and ceil(0.975 B) - 1
 * (0-based, ascending); and, when @higher is not NULL, higher[a * nclf + b] = the share
 * of resamples in which a's macro-F1 exceeds b's (a paired comparison: near 1 or 0 means
 * the difference holds up; near 0.5, it may be noise).
 * Cost: B x (n + nclf x (n + k^2)). Return: 0; -EINVAL (n == 0, B < 2, k == 0 or too
 * large, a label >= k); -ENOMEM.
 */
int scrm_bootstrap(size_t k, const uint32_t *gold, const uint32_t *const *pred, size_t nclf, size_t n, uint32_t B,
		   uint64_t seed, double (*acc_ci)[2], double (*f1_ci)[2], double *higher);

/*
 * scrm_bootstrap_pearson() - the same for Pearson's r of each classifier's @score[c][n]
 * against numeric @gold[n]: r_ci[c] = {lo, hi}; higher[a * nclf + b] = the share of
 * resamples in which a's r exceeds b's. A resample on which r is undefined (its gold or
 * the score constant) is left out: the interval is over the resamples with an r, and
 * {NaN, NaN} when none has one (r is undefined, as scrm_pearson_r() says of all rows); a
 * share is over the resamples where both have one, NaN when none.
 * With the same @seed and @n it draws the same resamples as scrm_bootstrap().
 * Return: 0; -EINVAL (n < 2, B < 2, nclf == 0); -ENOMEM.
 */
int scrm_bootstrap_pearson(const double *gold, const double *const *score, size_t nclf, size_t n, uint32_t B,
			   uint64_t seed, double (*r_ci)[2], double *higher);

#endif
