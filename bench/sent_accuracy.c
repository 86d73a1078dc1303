/*
 * sent_accuracy.c - accuracy of both sentiment modes (vader, scrm) on every labelled set
 * of ../shared/corpora, as a markdown table.
 *
 * Usage: sent_accuracy [--corpora DIR] [--param NAME=VALUE]... [--dump FILE]
 *
 * Per set, mode and split (dev half A, dev half B, all dev): n, Pearson r against the
 * human mean (the vader-* sets), and 3-class accuracy, macro-recall and macro-F1 with
 * VADER's cut (compound >= 0.05 positive, <= -0.05 negative, else neutral). Gold: vader-*
 * `label_sign3`, semeval2017-4a and sentiment140-test `label`, airline-sentiment
 * `airline_sentiment`.
 *
 * Halves: a row is in half A when XXH64(split key, seed 0) is even, else half B; the key
 * is the set's split key of SOURCES.md (`id`, or `tweet_id` for airline-sentiment), so
 * rows that share a key share a half. The scrm constants were tuned on half A only.
 *
 * --param sets a scrm constant (scrm_sent_set_param) for ablations. --dump writes one
 * line per text: set, half, gold class (-1/0/1), gold mean, vader compound, scrm compound,
 * the sums of the scrm terms' positive and negative valences, text, the scrm terms.
 * The last line is a hash of every score, so that a fast wrong answer cannot pass.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "lexicon.h"
#include "sentiment.h"
#include "tsv.h"

struct set_def {
	const char *name, *file, *key, *label, *mean;
};

static const struct set_def sets[] = {
	{"vader-tweets", "vader-tweets/dev.groundtruth.tsv", "id", "label_sign3", "mean_rating"},
	{"vader-movie", "vader-movie/dev.groundtruth.tsv", "id", "label_sign3", "mean_rating"},
	{"vader-amazon", "vader-amazon/dev.groundtruth.tsv", "id", "label_sign3", "mean_rating"},
	{"vader-nyt", "vader-nyt/dev.groundtruth.tsv", "id", "label_sign3", "mean_rating"},
	{"semeval2017-4a", "semeval2017-4a/dev.tweets.tsv", "id", "label", NULL},
	{"airline-sentiment", "airline-sentiment/dev.tweets.tsv", "tweet_id", "airline_sentiment", NULL},
	{"sentiment140-test", "sentiment140-test/dev.tweets.tsv", "id", "label", NULL},
};
#define NSETS (sizeof sets / sizeof sets[0])

/* Running sums for one (set, mode, split). */
struct acc {
	size_t n;
	size_t conf[3][3]; /* [gold][pred]: 0 neg, 1 neu, 2 pos */
	double sx, sy, sxx, syy, sxy;
	size_t nr; /* rows with a mean */
};

static int class_of(double c) { return c >= 0.05 ? 2 : c <= -0.05 ? 0 : 1; }

static int label_class(const char *l)
{
	if (strcmp(l, "negative") == 0)
		return 0;
	if (strcmp(l, "neutral") == 0)
		return 1;
	if (strcmp(l, "positive") == 0)
		return 2;
	return -1;
}

static void acc_add(struct acc *a, int gold, double compound, int has_mean, double mean)
{
	a->n++;
	a->conf[gold][class_of(compound)]++;
	if (has_mean) {
		a->nr++;
		a->sx += compound;
		a->sy += mean;
		a->sxx += compound * compound;
		a->syy += mean * mean;
		a->sxy += compound * mean;
	}
}

struct metrics {
	double r, accuracy, macro_recall, macro_f1;
};

/* Macro averages over the classes present in the gold (a class with no gold rows has
 * no recall; VADER's sets have tiny neutral classes, which still count). */
static struct metrics acc_metrics(const struct acc *a)
{
	struct metrics m = {NAN, 0, 0, 0};
	size_t correct = 0, ncls = 0;
	double rsum = 0, fsum = 0;
	for (int c = 0; c < 3; c++) {
		size_t gold = 0, pred = 0;
		for (int k = 0; k < 3; k++) {
			gold += a->conf[c][k];
			pred += a->conf[k][c];
		}
		correct += a->conf[c][c];
		if (!gold)
			continue;
		ncls++;
		double rec = (double)a->conf[c][c] / (double)gold;
		double prec = pred ? (double)a->conf[c][c] / (double)pred : 0;
		rsum += rec;
		fsum += prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
	}
	if (a->n) {
		m.accuracy = (double)correct / (double)a->n;
		m.macro_recall = rsum / (double)ncls;
		m.macro_f1 = fsum / (double)ncls;
	}
	if (a->nr > 1) {
		double n = (double)a->nr;
		double cov = a->sxy - a->sx * a->sy / n, vx = a->sxx - a->sx * a->sx / n, vy = a->syy - a->sy * a->sy / n;
		m.r = vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : NAN;
	}
	return m;
}

static void usage(void)
{
	fprintf(stderr, "usage: sent_accuracy [--corpora DIR] [--param NAME=VALUE]... [--dump FILE]\n");
}

static void dump_text(FILE *f, const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		fputc(s[k] == '\t' || s[k] == '\n' || s[k] == '\r' ? ' ' : s[k], f);
}

int main(int argc, char **argv)
{
	const char *corpora = "../shared/corpora";
	const char *dump_path = NULL;
	const char *params[32];
	size_t nparams = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--corpora") == 0 && i + 1 < argc)
			corpora = argv[++i];
		else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
			dump_path = argv[++i];
		else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc && nparams < 32)
			params[nparams++] = argv[++i];
		else {
			usage();
			return 2;
		}
	}
	char path[4096], path2[4096], err[512];
	snprintf(path, sizeof path, "%s/lexicons/vader/vader_lexicon.txt", corpora);
	snprintf(path2, sizeof path2, "%s/lexicons/vader/emoji_utf8_lexicon.txt", corpora);
	scrm_lexicon *lex = NULL;
	int rc = scrm_lexicon_load(&lex, path, path2, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "sent_accuracy: %s\n", err);
		return 1;
	}
	scrm_sent *s = scrm_sent_create(lex);
	if (!s) {
		fprintf(stderr, "sent_accuracy: out of memory\n");
		return 1;
	}
	for (size_t k = 0; k < nparams; k++) {
		char name[64];
		const char *eq = strchr(params[k], '=');
		if (!eq || (size_t)(eq - params[k]) >= sizeof name) {
			usage();
			return 2;
		}
		snprintf(name, sizeof name, "%.*s", (int)(eq - params[k]), params[k]);
		if (scrm_sent_set_param(s, name, atof(eq + 1)) < 0) {
			fprintf(stderr, "sent_accuracy: unknown parameter '%s'\n", name);
			return 2;
		}
	}
	FILE *dump = NULL;
	if (dump_path && !(dump = fopen(dump_path, "w"))) {
		perror(dump_path);
		return 1;
	}

	printf("# Sentiment accuracy: vader vs scrm\n\ncorpora: %s; lexicon: %s (+ emoji); cut: compound >= 0.05 "
	       "positive, <= -0.05 negative; half A: XXH64(split key) even; scrm params:",
	       corpora, path);
	for (size_t k = 0; k < nparams; k++)
		printf(" %s", params[k]);
	printf("%s\n\n", nparams ? "" : " defaults");
	printf("| set | split | n | mode | Pearson r | accuracy | macro-recall | macro-F1 |\n");
	printf("|---|---|---:|---|---:|---:|---:|---:|\n");

	XXH64_state_t *hs = XXH64_createState();
	XXH64_reset(hs, 0);
	int failed = 0;
	for (size_t si = 0; si < NSETS; si++) {
		const struct set_def *d = &sets[si];
		snprintf(path, sizeof path, "%s/%s", corpora, d->file);
		FILE *fp = fopen(path, "rb");
		if (!fp) {
			fprintf(stderr, "sent_accuracy: %s: %s (skipped)\n", path, strerror(errno));
			failed = 1;
			continue;
		}
		scrm_tsv *t = NULL;
		if ((rc = scrm_tsv_open(&t, fp, 1)) < 0) {
			fprintf(stderr, "sent_accuracy: %s: cannot read header (%d)\n", path, rc);
			fclose(fp);
			failed = 1;
			continue;
		}
		long ck = scrm_tsv_col(t, d->key), ct = scrm_tsv_col(t, "text"), cl = scrm_tsv_col(t, d->label),
		     cm = d->mean ? scrm_tsv_col(t, d->mean) : -1;
		if (ck < 0 || ct < 0 || cl < 0 || (d->mean && cm < 0)) {
			fprintf(stderr, "sent_accuracy: %s: missing a column\n", path);
			scrm_tsv_free(t);
			fclose(fp);
			failed = 1;
			continue;
		}
		struct acc a[2][3]; /* [mode][half A, half B, all] */
		memset(a, 0, sizeof a);
		while ((rc = scrm_tsv_next(t)) == 1) {
			size_t kl, tl;
			const char *key = scrm_tsv_field(t, (size_t)ck, &kl);
			const char *text = scrm_tsv_field(t, (size_t)ct, &tl);
			int gold = label_class(scrm_tsv_field(t, (size_t)cl, NULL));
			if (gold < 0 || kl == 0)
				continue;
			double mean = cm >= 0 ? atof(scrm_tsv_field(t, (size_t)cm, NULL)) : 0;
			int half = (int)(XXH64(key, kl, 0) & 1);
			scrm_sentiment sv, ss;
			scrm_sent_explain ex;
			if (scrm_sent_score_both(s, text, tl, &sv, &ss, NULL, dump ? &ex : NULL) < 0) {
				fprintf(stderr, "sent_accuracy: scoring failed\n");
				return 1;
			}
			XXH64_update(hs, &sv.compound, sizeof sv.compound);
			XXH64_update(hs, &ss.compound, sizeof ss.compound);
			acc_add(&a[0][half], gold, sv.compound, cm >= 0, mean);
			acc_add(&a[0][2], gold, sv.compound, cm >= 0, mean);
			acc_add(&a[1][half], gold, ss.compound, cm >= 0, mean);
			acc_add(&a[1][2], gold, ss.compound, cm >= 0, mean);
			if (dump) {
				double pv = 0, nv = 0;
				for (uint32_t k = 0; k < ex.n; k++)
					*(ex.term[k].valence > 0 ? &pv : &nv) += ex.term[k].valence;
				fprintf(dump, "%s\t%c\t%d\t%g\t%.4f\t%.4f\t%.4f\t%.4f\t", d->name, half ? 'B' : 'A',
					gold - 1, mean, sv.compound, ss.compound, pv, nv);
				dump_text(dump, text, tl);
				fputc('\t', dump);
				for (uint32_t k = 0; k < ex.n; k++)
					fprintf(dump, "%s%.*s:%.3f", k ? "|" : "", (int)ex.term[k].len, ex.term[k].word,
						ex.term[k].valence);
				fputc('\n', dump);
			}
		}
		if (rc < 0) {
			fprintf(stderr, "sent_accuracy: %s: read error (%d)\n", path, rc);
			failed = 1;
		}
		static const char *const split_name[3] = {"A", "B", "all"};
		for (int h = 0; h < 3; h++)
			for (int m = 0; m < 2; m++) {
				struct metrics x = acc_metrics(&a[m][h]);
				char rbuf[32] = "-";
				if (!isnan(x.r))
					snprintf(rbuf, sizeof rbuf, "%.4f", x.r);
				printf("| %s | %s | %zu | %s | %s | %.4f | %.4f | %.4f |\n", d->name, split_name[h],
				       a[m][h].n, m ? "scrm" : "vader", rbuf, x.accuracy, x.macro_recall, x.macro_f1);
			}
		scrm_tsv_free(t);
		fclose(fp);
	}
	printf("\nscore hash (XXH64 of every compound, both modes): %016" PRIx64 "\n", (uint64_t)XXH64_digest(hs));
	XXH64_freeState(hs);
	if (dump)
		fclose(dump);
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
	return failed;
}
