/*
 * eval.c - `scrm eval`: benchmark the classifiers of one task on a labelled TSV, side by
 * side in one run.
 *
 *   scrm eval --task T --data FILE.tsv [--classifier NAME]... [--model MODEL]
 *             [--text-col NAME] [--label-col NAME] [--id-col NAME]
 *             [--lexicon F] [--emoji-lexicon F] [--rules F]
 *             [--folds K | --train FILE] [--json] [--predictions FILE] [--bootstrap N]
 *             [--by COL]
 *   scrm eval --list
 *
 * T is sentiment, intent, action, complaint, airline-reason or labels (classifier.h has the
 * label sets; `labels` is any label set: the distinct gold values of --data and --train,
 * sorted by bytes, or with --model the model's labels; its gold values match exactly).
 * Default classifiers: every one registered for the task.
 *
 * INPUT: the corpora TSV format (tsv.h); the text column (default "text") and the gold
 * column (default "label"). Gold values are the task's label names, ASCII
 * case-insensitive (plus 0/1, false/true for the yes/no tasks). For sentiment the gold
 * may instead be numeric (a mean rating, as vader-*'s `mean_rating`): the file's first
 * non-empty gold value decides. Numeric gold is classed by its sign, as SOURCES.md
 * derives `label_sign3` (> 0 positive, < 0 negative, 0 neutral), and Pearson r of each
 * classifier's score against it is reported.
 * Rows whose gold is EMPTY are counted and skipped ("missing", as the format says; e.g.
 * airline `negativereason` outside negatives). A gold value that is not a label of the
 * task is an ERROR (exit 2) naming FILE:LINE and the value: it means the wrong --task or
 * --label-col, and silently dropping such rows would bias every number. Rows with more
 * fields than the header are used (extra fields ignored) and reported.
 *
 * WHAT RUNS. The file is read once; the shared analysis (topic/cue matching with
 * --rules; both sentiment modes when a selected classifier reads item sentiment) runs
 * once, timed apart. Then each classifier gets a fresh instance and classifies every
 * row in batches of 256. records/s counts classification only (no reading, no shared
 * analysis): the fastest of up to 5 passes over the rows (passes stop once 0.5 s is
 * spent); every pass must give the same labels and scores, or eval fails (exit 1).
 *
 * TRAINING. --folds K: each trainable classifier is trained K times, on the rows whose
 * fold (scrm_kfold_of of the --id-col value, default "id"; the line number without such
 * a column) differs from k, and predicts the rows of fold k; the metrics pool every
 * row's out-of-fold prediction. --train FILE: trained on FILE (same columns), evaluated
 * on --data. Both: K-fold over --data, with every row of FILE added to each fold's
 * training rows (extra training data that is never scored). Models go to a temporary
 * directory, removed at exit. Rule-based
 * classifiers ignore both and are evaluated on all of --data; when none of the selected
 * classifiers is trainable, a note says so (not an error). --model MODEL is the model
 * file of the classifiers that load one (not with --folds/--train).
 *
 * OUTPUT (text): a header (task, file, rows, skipped, gold kind, lexicon), then one
 * column per classifier: accuracy, macro-F1, macro-recall, macro-precision, Pearson r,
 * records/s, how it was trained; per-class precision / recall / F1 beside the gold
 * support; and one confusion matrix per classifier (rows gold, columns predicted).
 * Metrics are those of metrics.h (zero divisions count as 0; macro averages over the
 * classes present in gold or predictions).
 *
 * OUTPUT (--json): one object on one line:
 *   {"task","data","train","folds","text_col","label_col","gold":"categorical"|"numeric",
 *    "rows","skipped_no_label","labels":[...],"lexicon","analysis_s",
 *    "encoder" (null, or with --encoder {"texts","threads","cpu_s","wall_s"}: the texts it
 *    computed before the classifiers ran, which records_per_s does not count),
 *    "classifiers":{NAME:{"trained":"rule-based"|"model"|"train-file"|"folds",
 *      "n","correct","accuracy","macro_f1","macro_recall","macro_precision",
 *      "pearson_r" (numeric gold and a scoring classifier only; null if undefined),
 *      "records_per_s","classify_s","train_s",
 *      "per_class":{LABEL:{"precision","recall","f1","support","predicted"}},
 *      "confusion":[[...gold row 0...],...]}, ...}}
 * Numbers are printed as the shortest decimal that reads back to the same double.
 *
 * PREDICTIONS (--predictions FILE): every evaluated row, in file order, as a TSV in the
 * corpora format (header line, TAB-separated, the four escapes): `id` (the --id-col value;
 * the line number where it is empty or the file has no such column), `line` (of --data), `gold` (the label name, or the number of a
 * numeric gold), then per classifier NAME: `NAME` (the predicted label), `NAME_confidence`
 * (four decimals), `NAME_score` (classifiers with a score only) and `NAME_why` (its
 * explanation), and last `text`. With --folds the prediction is the out-of-fold one. The explanations come from
 * one more pass with explanations on, after the timed passes (so records/s is the same
 * with or without this option); its labels must equal the timed passes' (else exit 1).
 * This is what an error analysis reads: `awk -F'\t' '$3 != $4'` lists the misses.
 *
 * BOOTSTRAP (--bootstrap N, 100..100000): scrm_bootstrap() over the predictions (paired:
 * every classifier scored on the same N resamples of the rows, seed 1, so a run repeats
 * exactly): 95% percentile intervals of accuracy and macro-F1 (text: two more rows;
 * JSON: "bootstrap":N at the top and per classifier "accuracy_ci95":[lo,hi],
 * "macro_f1_ci95":[lo,hi], "macro_f1_higher_than":{OTHER: share of resamples}; with
 * numeric gold also "pearson_r_ci95" and "pearson_r_higher_than", among the classifiers
 * that have a Pearson r, over the resamples on which r is defined: null, and "undefined"
 * in the text, when it is defined on none). They
 * measure the sampling of the rows only: with --folds the models are not retrained per
 * resample.
 *
 * BY (--by COL): accuracy, macro-F1 and macro-recall of each classifier again over the
 * rows of each distinct value of column COL of --data (at most 64 values, in order of
 * appearance; more is a usage error naming the line), e.g. --by source on intent-scrm.
 * Text: two tables (macro-F1, accuracy; rows per value). JSON: "by":{"column":COL,
 * "groups":[{"value","n","classifiers":{NAME:{"accuracy","macro_f1","macro_recall"}}}]}.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "classifier.h"
#include "event.h"
#include "featurize.h"
#include "encoder.h"
#include "eval.h"
#include "lexicon.h"
#include "linear.h"
#include "metrics.h"
#include "rules.h"
#include "sentiment.h"
#include "topics.h"
#include "tsv.h"

#define BATCH 256
#define MAX_GROUPS 64 /* --by: distinct values */
#define MAX_CLF 32
#define MAX_PASSES 5
#define PASS_BUDGET_S 0.5

static void usage(FILE *fp)
{
	fputs("usage: scrm eval --task TASK --data FILE.tsv [--classifier NAME]... [--model MODEL]\n"
	      "                 [--text-col NAME] [--label-col NAME] [--id-col NAME]\n"
	      "                 [--lexicon FILE] [--emoji-lexicon FILE] [--rules FILE]\n"
	      "                 [--folds K | --train FILE] [--features SPEC] [--json]\n"
	      "                 [--predictions FILE] [--bootstrap N] [--by COL] [--aux NAME=MODEL]...\n"
	      "                 [--encoder FILE]\n"
	      "       scrm eval --list\n"
	      "\n"
	      "Benchmark classifiers on a labelled TSV (../shared/corpora format): accuracy, macro-F1,\n"
	      "macro-recall, per-class precision/recall/F1, confusion matrix, Pearson r (numeric gold),\n"
	      "records/s; every classifier of the task side by side unless --classifier picks some.\n"
	      "TASK: sentiment, intent, action, complaint, airline-reason, labels. Columns default to\n"
	      "'text' and 'label'. Empty gold values are skipped; unknown ones are an error (file:line).\n"
	      "Task 'labels' takes any label set: the distinct values of the label column (of --data\n"
	      "and --train), or the labels of --model.\n"
	      "--folds K / --train FILE train the trainable classifiers (K-fold by --id-col, default\n"
	      "'id'; or on FILE) and evaluate on the rest; both: FILE joins every fold's training rows.\n"
	      "--features SPEC: what the trained classifiers' features are (scrm train --help).\n"
	      "--aux NAME=MODEL: an auxiliary model for the models eval trains (scrm train --help).\n"
	      "--encoder FILE: the sentence encoder (scripts/fetch-encoder.sh): the models eval trains\n"
	      "use its output as features (a few ms per text, every text once, on every online\n"
	      "core); --model files trained with it need it.\n"
	      "--predictions FILE: every row's gold, each classifier's label, confidence and\n"
	      "explanation, and the text, as a TSV (out-of-fold predictions with --folds).\n"
	      "--bootstrap N: 95% intervals of accuracy and macro-F1 from N resamples of the rows,\n"
	      "and how often each classifier's macro-F1 beats each other's on the same resample.\n"
	      "--by COL: accuracy and macro-F1 again for the rows of each value of column COL\n"
	      "(e.g. --by source: how each classifier does on each stream; at most 64 values).\n"
	      "--list shows the registered classifiers.\n"
	      "Lexicon: --lexicon, else $SCRM_LEXICON, else " SCRM_LEXICON_DEFAULT ".\n",
	      fp);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the labelled rows ---- */

typedef struct row {
	size_t off, len;  /* text in the arena */
	size_t id_off, id_len; /* the --id-col value in the arena (id_len 0: none) */
	uint64_t line;    /* line number in the file */
	uint32_t gold;    /* label index */
	uint32_t fold;
	uint32_t group;   /* --by: index of the row's value in dataset.groups */
	double num;       /* numeric gold (numeric files only) */
} row;

typedef struct dataset {
	const char *path;
	scrm_cli_input *in; /* path's bytes, when task labels has read them already */
	row *rows;
	size_t n, cap;
	char *arena;
	size_t alen, acap;
	int numeric;       /* gold column read as numbers */
	uint64_t skipped;  /* empty gold */
	scrm_clf_item *items; /* built once every row is read (the arena has stopped moving) */
	uint32_t *gold;
	char *groups[MAX_GROUPS]; /* --by: the column's distinct values, in order of appearance */
	uint32_t ngroups;
} dataset;

static void dataset_free(dataset *d)
{
	free(d->rows);
	free(d->arena);
	free(d->items);
	free(d->gold);
	for (uint32_t g = 0; g < d->ngroups; g++)
		free(d->groups[g]);
	memset(d, 0, sizeof *d);
}

static int arena_put(dataset *d, const char *s, size_t len, size_t *off)
{
	if (d->acap - d->alen < len + 1) {
		size_t cap = d->acap ? d->acap : 1 << 16;
		while (cap - d->alen < len + 1)
			cap *= 2;
		char *a = realloc(d->arena, cap);
		if (!a)
			return -ENOMEM;
		d->arena = a;
		d->acap = cap;
	}
	memcpy(d->arena + d->alen, s, len);
	d->arena[d->alen + len] = 0;
	*off = d->alen;
	d->alen += len + 1;
	return 0;
}

/* A whole field that is a finite number (surrounding spaces allowed). */
static int parse_number(const char *s, double *v)
{
	char *end;
	while (*s == ' ')
		s++;
	if (!*s)
		return -EINVAL;
	errno = 0;
	double x = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end == s || *end || errno == ERANGE || !isfinite(x))
		return -EINVAL;
	*v = x;
	return 0;
}

struct opts {
	scrm_task task;
	const char *data, *train, *model, *text_col, *label_col, *id_col;
	const char *lexicon, *emoji, *rules, *features, *predictions, *by, *encoder;
	const char *aux[SCRM_LINEAR_MAX_AUX];
	unsigned n_aux;
	long folds;
	long bootstrap; /* resamples; 0: off */
	int json;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int scrm_cli_aux_add(const char *prog, const char **list, unsigned *n, const char *spec)
{
	char err[256];
	if (*n == SCRM_LINEAR_MAX_AUX) {
		fprintf(stderr, "%s: at most %d --aux models\n", prog, SCRM_LINEAR_MAX_AUX);
		return 2;
	}
	if (scrm_clf_aux_spec_check(spec, err, sizeof err)) {
		fprintf(stderr, "%s: --aux: %s\n", prog, err);
		return 2;
	}
	list[(*n)++] = spec;
	return 0;
}

int scrm_cli_tmpdir(const char *prog, const char *what, char *dir, size_t cap)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, cap, "%s/scrm-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		dir[0] = 0;
		return -1;
	}
	return 0;
}

int scrm_cli_output_clash(const char *prog, const char *opt, const char *out, const char *const *in,
			  const char *const *in_opt, size_t n)
{
	struct stat st;
	if (!out || (stat(out, &st) == 0 && !S_ISREG(st.st_mode)))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (in[i] && scrm_same_file(out, in[i])) {
			fprintf(stderr, "%s: %s %s is also %s %s: writing it would replace it; name another output\n",
				prog, opt, out, in_opt[i], in[i]);
			return 1;
		}
	return 0;
}

FILE *scrm_cli_input_open(scrm_cli_input *in, int again)
{
	if (in->kept)
		return fmemopen(in->kept, in->kept_len, "rb");
	FILE *fp = scrm_fopen_input(in->path);
	struct stat st;
	if (!fp || !again || (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode)))
		return fp;
	scrm_buf b = {0};
	int e = 0;
	for (;;) {
		if (scrm_buf_reserve(&b, 1 << 16)) {
			e = ENOMEM;
			break;
		}
		size_t got = fread(b.data + b.len, 1, b.cap - b.len - SCRM_PADDING, fp);
		b.len += got;
		if (got == 0) {
			e = ferror(fp) ? EIO : 0;
			break;
		}
	}
	fclose(fp);
	if (e) {
		scrm_buf_free(&b);
		errno = e;
		return NULL;
	}
	in->kept = b.data;
	in->kept_len = b.len;
	return fmemopen(in->kept, in->kept_len, "rb");
}

void scrm_cli_input_free(scrm_cli_input *in)
{
	if (!in)
		return;
	free(in->kept);
	in->kept = NULL;
	in->kept_len = 0;
}

int scrm_task_labels_from_tsv(const char *prog, scrm_cli_input *ins, size_t npaths, const char *label_col)
{
	char *names[SCRM_TASK_MAX_LABELS];
	size_t n = 0;
	int ret = 0;
	for (size_t p = 0; p < npaths && !ret; p++) {
		const char *path = ins[p].path;
		FILE *fp = scrm_cli_input_open(&ins[p], 1);
		if (!fp) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			ret = 1;
			break;
		}
		scrm_tsv *t = NULL;
		int rc = scrm_tsv_open(&t, fp, 1);
		long lcol = rc ? -1 : scrm_tsv_col(t, label_col);
		if (rc || lcol < 0) {
			if (rc)
				fprintf(stderr, "%s: %s: %s\n", prog, path,
					rc == -ENODATA ? "empty file (no header line)" : strerror(-rc));
			else
				fprintf(stderr, "%s: %s: no column '%s' (--label-col)\n", prog, path, label_col);
			ret = rc && rc != -ENODATA ? 1 : 2;
		}
		while (!ret && (rc = scrm_tsv_next(t)) == 1) {
			size_t len;
			const char *g = scrm_tsv_field(t, (size_t)lcol, &len);
			while (len && (*g == ' ' || *g == '\t')) {
				g++;
				len--;
			}
			while (len && (g[len - 1] == ' ' || g[len - 1] == '\t'))
				len--;
			if (!len)
				continue;
			size_t i = 0;
			while (i < n && !(strlen(names[i]) == len && memcmp(names[i], g, len) == 0))
				i++;
			if (i < n)
				continue;
			if (n == SCRM_TASK_MAX_LABELS) {
				fprintf(stderr, "%s: %s:%" PRIu64 ": more than %d distinct labels in column '%s'\n", prog,
					path, scrm_tsv_line(t), SCRM_TASK_MAX_LABELS, label_col);
				ret = 2;
			} else if (!(names[n] = strndup(g, len))) {
				ret = 1;
			} else {
				n++;
			}
		}
		if (!ret && (rc < 0 || ferror(fp))) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(rc < 0 ? -rc : EIO));
			ret = 1;
		}
		scrm_tsv_free(t);
		fclose(fp);
	}
	if (!ret && n < 2) {
		fprintf(stderr, "%s: column '%s' holds %zu distinct label%s: a classifier needs at least 2\n", prog,
			label_col, n, n == 1 ? "" : "s");
		ret = 2;
	}
	if (!ret) {
		qsort(names, n, sizeof names[0], cmp_str);
		int rc = scrm_task_set_labels(SCRM_TASK_LABELS, (const char *const *)names, n);
		if (rc) {
			fprintf(stderr, "%s: labels: %s\n", prog, strerror(-rc));
			ret = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return ret;
}

/* Task labels with --model: the label set is the model's. 0 or an exit code. */
static int labels_from_model(const char *path)
{
	char err[1024];
	scrm_linear *m = NULL;
	if (scrm_linear_load(&m, path, err, sizeof err)) {
		fprintf(stderr, "scrm eval: %s\n", err);
		return 2;
	}
	uint32_t k = scrm_linear_nlabels(m);
	const char *names[SCRM_TASK_MAX_LABELS];
	int ret = 0;
	if (k > SCRM_TASK_MAX_LABELS) {
		fprintf(stderr, "scrm eval: %s: %u labels (at most %d)\n", path, k, SCRM_TASK_MAX_LABELS);
		ret = 2;
	}
	for (uint32_t i = 0; !ret && i < k; i++)
		names[i] = scrm_linear_label(m, i);
	if (!ret && scrm_task_set_labels(SCRM_TASK_LABELS, names, k)) {
		fprintf(stderr, "scrm eval: %s: the model's labels cannot be used\n", path);
		ret = 2;
	}
	scrm_linear_free(m);
	return ret;
}

static void list_labels(FILE *fp, scrm_task task)
{
	size_t nl;
	const char *const *labels = scrm_task_labels(task, &nl);
	for (size_t i = 0; i < nl; i++)
		fprintf(fp, "%s%s", i ? ", " : "", labels[i]);
}

int scrm_gold_read(scrm_gold_reader *gr, const char *g, size_t len, uint64_t line, double *num)
{
	int label = scrm_task_label_parse(gr->task, g, len);
	double v;
	if (!gr->decided) {
		gr->numeric = gr->task == SCRM_TASK_SENTIMENT && label < 0 && parse_number(g, &v) == 0;
		gr->decided = 1;
		gr->first_line = line;
	}
	if (gr->numeric) {
		if (parse_number(g, &v)) {
			fprintf(stderr,
				"%s: %s:%" PRIu64 ": gold '%s' in column '%s' is not a number (the column is numeric: "
				"line %" PRIu64 " holds one)\n",
				gr->prog, gr->path, line, g, gr->col, gr->first_line);
			return -1;
		}
		*num = v;
		return v > 0 ? SCRM_SENT_POSITIVE : v < 0 ? SCRM_SENT_NEGATIVE : SCRM_SENT_NEUTRAL;
	}
	if (label < 0) {
		fprintf(stderr, "%s: %s:%" PRIu64 ": unknown label '%s' in column '%s' for task %s (labels: ", gr->prog,
			gr->path, line, g, gr->col, scrm_task_name(gr->task));
		list_labels(stderr, gr->task);
		fputs(gr->task == SCRM_TASK_SENTIMENT ? "; or a numeric gold column)\n" : ")\n", stderr);
	}
	return label;
}

/*
 * Read @d->path. Returns 0, or an exit code (1 I/O, 2 bad data) after printing why.
 */
static int dataset_load(dataset *d, const struct opts *o)
{
	FILE *fp = scrm_cli_input_open(d->in, 0);
	if (!fp) {
		fprintf(stderr, "scrm eval: %s: %s\n", d->path, strerror(errno));
		return 1;
	}
	scrm_tsv *t = NULL;
	int rc = scrm_tsv_open(&t, fp, 1), ret = 0;
	if (rc) {
		fprintf(stderr, "scrm eval: %s: %s\n", d->path,
			rc == -ENODATA ? "empty file (no header line)" : strerror(-rc));
		ret = rc == -ENODATA ? 2 : 1;
		goto out;
	}
	const char *used[] = {o->text_col, o->label_col, o->id_col, o->by}, *dup;
	if ((dup = scrm_tsv_ambiguous(t, used, sizeof used / sizeof used[0]))) {
		fprintf(stderr, "scrm eval: %s: the header names column '%s' more than once\n", d->path, dup);
		ret = 2;
		goto out;
	}
	long tcol = scrm_tsv_col(t, o->text_col), lcol = scrm_tsv_col(t, o->label_col);
	long icol = scrm_tsv_col(t, o->id_col), bcol = o->by ? scrm_tsv_col(t, o->by) : -1;
	if (o->by && bcol < 0) {
		fprintf(stderr, "scrm eval: %s: no column '%s' (--by)\n", d->path, o->by);
		ret = 2;
		goto out;
	}
	if (tcol < 0 || lcol < 0) {
		fprintf(stderr, "scrm eval: %s: no column '%s' (%s; columns:", d->path,
			tcol < 0 ? o->text_col : o->label_col, tcol < 0 ? "--text-col" : "--label-col");
		scrm_tsv_print_columns(stderr, t);
		fputs(")\n", stderr);
		ret = 2;
		goto out;
	}
	if (o->folds && icol < 0)
		fprintf(stderr, "scrm eval: %s: no column '%s': folds are split by line number\n", d->path, o->id_col);
	scrm_gold_reader gr = {.prog = "scrm eval", .path = d->path, .col = o->label_col, .task = o->task};
	uint64_t warned = 0;
	char num[24];
	while ((rc = scrm_tsv_next(t)) == 1) {
		size_t glen, tlen, ilen;
		const char *g = scrm_tsv_field(t, (size_t)lcol, &glen);
		uint64_t line = scrm_tsv_line(t);
		scrm_tsv_warn_shape(t, "scrm eval", d->path, &warned);
		size_t sp = 0;
		while (sp < glen && (g[sp] == ' ' || g[sp] == '\t'))
			sp++;
		if (sp == glen) {
			d->skipped++;
			continue;
		}
		row r = {0};
		int label = scrm_gold_read(&gr, g, glen, line, &r.num);
		if (label < 0) {
			ret = 2;
			goto out;
		}
		d->numeric = gr.numeric;
		r.gold = (uint32_t)label;
		const char *text = scrm_tsv_field(t, (size_t)tcol, &tlen);
		if (arena_put(d, text, tlen, &r.off)) {
			rc = -ENOMEM;
			break;
		}
		r.len = tlen;
		r.line = line;
		if (bcol >= 0) {
			size_t blen;
			const char *bv = scrm_tsv_field(t, (size_t)bcol, &blen);
			uint32_t gi = 0;
			while (gi < d->ngroups && (strlen(d->groups[gi]) != blen || memcmp(d->groups[gi], bv, blen)))
				gi++;
			if (gi == d->ngroups) {
				if (gi == MAX_GROUPS) {
					fprintf(stderr, "scrm eval: %s:%" PRIu64 ": column '%s' has more than %d values (--by)\n",
						d->path, line, o->by, MAX_GROUPS);
					ret = 2;
					goto out;
				}
				if (!(d->groups[gi] = strndup(bv, blen))) {
					rc = -ENOMEM;
					break;
				}
				d->ngroups++;
			}
			r.group = gi;
		}
		if (icol >= 0) {
			const char *id = scrm_tsv_field(t, (size_t)icol, &ilen);
			if (arena_put(d, id, ilen, &r.id_off)) {
				rc = -ENOMEM;
				break;
			}
			r.id_len = ilen;
		}
		if (o->folds) {
			const char *id;
			if (icol >= 0) {
				id = d->arena + r.id_off;
				ilen = r.id_len;
			} else {
				ilen = (size_t)snprintf(num, sizeof num, "%" PRIu64, line);
				id = num;
			}
			r.fold = scrm_kfold_of(id, ilen, (uint32_t)o->folds);
		}
		if (d->n == d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 1024;
			row *nr = realloc(d->rows, cap * sizeof *nr);
			if (!nr) {
				rc = -ENOMEM;
				break;
			}
			d->rows = nr;
			d->cap = cap;
		}
		d->rows[d->n++] = r;
	}
	if (rc < 0 || ferror(fp)) {
		fprintf(stderr, "scrm eval: %s: %s\n", d->path, strerror(rc < 0 ? -rc : EIO));
		ret = 1;
		goto out;
	}
	if (d->n == 0) {
		fprintf(stderr, "scrm eval: %s: no row with a gold label in column '%s'\n", d->path, o->label_col);
		ret = 2;
		goto out;
	}
	d->items = calloc(d->n, sizeof *d->items);
	d->gold = calloc(d->n, sizeof *d->gold);
	if (!d->items || !d->gold) {
		fprintf(stderr, "scrm eval: %s\n", strerror(ENOMEM));
		ret = 1;
		goto out;
	}
	for (size_t i = 0; i < d->n; i++) {
		scrm_clf_item_init(&d->items[i], d->arena + d->rows[i].off, d->rows[i].len);
		d->gold[i] = d->rows[i].gold;
	}
out:
	scrm_tsv_free(t);
	fclose(fp);
	return ret;
}

/* ---- shared analysis: what the pipeline's analyze stage gives a classifier ---- */

typedef struct analysis {
	scrm_topic_hits *hits;
	scrm_sentiment *sent; /* 2 per row: vader, scrm */
	double secs;
	/* --encoder: the texts the sentence encoder computed before the classifiers ran (every
	   text of --data and --train once), its CPU and wall seconds and threads; the
	   classifiers then read them from the cache, so records/s does not count them */
	uint64_t enc_texts;
	double enc_cpu_s, enc_wall_s;
	unsigned enc_threads;
} analysis;

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The sentence encoder's outputs of every text of @a and @b into @c, on every online
 * core: the folds then read them from the cache. What it cost goes into @an. */
static int encode_all(const scrm_encoder *e, scrm_encoder_cache *c, const dataset *a, const dataset *b,
		      analysis *an)
{
	size_t n = a->n + b->n;
	const char **t = malloc((n ? n : 1) * sizeof *t);
	size_t *l = malloc((n ? n : 1) * sizeof *l);
	if (!t || !l) {
		free(t);
		free(l);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const scrm_clf_item *it = i < a->n ? &a->items[i] : &b->items[i - a->n];
		t[i] = it->text;
		l[i] = it->len;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	an->enc_threads = cpus > 0 ? (unsigned)cpus : 1;
	uint64_t h0, m0, h1, m1;
	scrm_encoder_cache_counts(c, &h0, &m0);
	double w0 = now_s(), c0 = cpu_s();
	int rc = scrm_encoder_cache_fill(e, c, t, l, n, an->enc_threads);
	an->enc_cpu_s = cpu_s() - c0;
	an->enc_wall_s = now_s() - w0;
	scrm_encoder_cache_counts(c, &h1, &m1);
	an->enc_texts = m1 - m0;
	free(t);
	free(l);
	return rc;
}

static int analyze(dataset *d, analysis *a, const scrm_topics *topics, const scrm_lexicon *lex, int want_sent)
{
	int rc = 0;
	scrm_topics_scratch *ts = NULL;
	scrm_sent *ss = NULL;
	if (topics) {
		if (!(a->hits = calloc(d->n, sizeof *a->hits)) || (rc = scrm_topics_scratch_create(&ts, topics)))
			goto out;
	}
	if (want_sent && lex) {
		if (!(a->sent = calloc(2 * d->n, sizeof *a->sent)) || !(ss = scrm_sent_create(lex)))
			goto nomem;
	}
	double t0 = now_s();
	for (size_t i = 0; i < d->n; i++) {
		scrm_clf_item *it = &d->items[i];
		if (ts) {
			if ((rc = scrm_topics_match(ts, it->text, it->len, NULL, 0, NULL, 0, &a->hits[i])))
				goto out;
			it->hits = &a->hits[i];
		}
		if (ss) {
			scrm_sentiment *s = &a->sent[2 * i];
			if ((rc = scrm_sent_score_both(ss, it->text, it->len, &s[0], &s[1], NULL, NULL)))
				goto out;
			it->sentiment[SCRM_SENT_VADER] = &s[0];
			it->sentiment[SCRM_SENT_SCRM] = &s[1];
		}
	}
	if (ts || ss)
		a->secs = now_s() - t0;
	goto out;
nomem:
	rc = -ENOMEM;
out:
	scrm_topics_scratch_free(ts);
	scrm_sent_free(ss);
	return rc;
}

/* ---- one classifier ---- */

typedef struct result {
	const scrm_classifier_desc *d;
	const char *trained; /* "rule-based", "model", "train-file", "folds" */
	uint32_t *pred;      /* per row of the data */
	double *score;
	float *confid;       /* with --predictions: confidence and explanation per row */
	char *why;           /* SCRM_CLF_WHY_MAX bytes per row */
	double classify_s, train_s;
	scrm_confusion conf;
	scrm_class_metrics *pc;
	scrm_metrics m;
	int has_r, r_ok;
	double r;
} result;

/* --by COL: each classifier's metrics over the rows of each value (dataset.groups). */
typedef struct by_groups {
	uint32_t ngroups;
	uint64_t n[MAX_GROUPS];      /* rows per value */
	scrm_metrics *m;             /* [group * nres + classifier] */
} by_groups;

/* --bootstrap: 95% intervals and the paired comparison (scrm_bootstrap()). */
typedef struct boot {
	uint32_t resamples; /* 0: not asked for */
	double acc[MAX_CLF][2], f1[MAX_CLF][2];
	double higher[MAX_CLF * MAX_CLF];
	int has_r;          /* numeric gold: Pearson r of the classifiers with a score (res[c].has_r) */
	double r[MAX_CLF][2], r_higher[MAX_CLF * MAX_CLF]; /* by classifier, as acc/f1/higher */
} boot;

/*
 * Classify items[0..n) with a fresh instance of @d on @cfg: labels and scores into
 * pred/score, the fastest pass's time added to *secs. With @conf (and @why: n x
 * SCRM_CLF_WHY_MAX bytes), one more untimed pass with explanations fills them.
 * Returns 0 or an exit code.
 */
static int classify_rows(const scrm_classifier_desc *d, const scrm_clf_config *cfg, const scrm_clf_item *items,
			 size_t n, uint32_t *pred, double *score, double *secs, float *conf, char *why)
{
	char err[512];
	scrm_classifier *c = NULL;
	int rc = scrm_classifier_create(&c, d, cfg, err, sizeof err);
	if (rc) {
		fprintf(stderr, "scrm eval: %s\n", err);
		return rc == -ENOMEM ? 1 : 2;
	}
	scrm_clf_out *out = malloc(BATCH * sizeof *out);
	int ret = 0;
	if (!out) {
		rc = -ENOMEM;
		goto fail;
	}
	double best = INFINITY, spent = 0;
	for (int pass = 0; pass < MAX_PASSES && (pass == 0 || spent < PASS_BUDGET_S); pass++) {
		double t = 0;
		for (size_t i = 0; i < n; i += BATCH) {
			size_t m = n - i < BATCH ? n - i : BATCH;
			double t0 = now_s();
			rc = scrm_classifier_classify(c, items + i, m, out, 0);
			t += now_s() - t0;
			if (rc)
				goto fail;
			for (size_t j = 0; j < m; j++) {
				if (pass == 0) {
					pred[i + j] = out[j].label;
					score[i + j] = out[j].score;
				} else if (pred[i + j] != out[j].label ||
					   memcmp(&score[i + j], &out[j].score, sizeof(double))) {
					fprintf(stderr, "scrm eval: classifier %s is not deterministic: row %zu differs "
							"between passes 1 and %d\n",
						d->name, i + j + 1, pass + 1);
					ret = 1;
					goto out;
				}
			}
		}
		spent += t;
		if (t < best)
			best = t;
	}
	*secs += best;
	for (size_t i = 0; conf && i < n; i += BATCH) {
		size_t m = n - i < BATCH ? n - i : BATCH;
		if ((rc = scrm_classifier_classify(c, items + i, m, out, SCRM_CLF_EXPLAIN)))
			goto fail;
		for (size_t j = 0; j < m; j++) {
			if (pred[i + j] != out[j].label) {
				fprintf(stderr, "scrm eval: classifier %s: row %zu gets another label when it explains itself\n",
					d->name, i + j + 1);
				ret = 1;
				goto out;
			}
			conf[i + j] = out[j].confidence;
			memcpy(why + (i + j) * SCRM_CLF_WHY_MAX, out[j].why, SCRM_CLF_WHY_MAX);
		}
	}
	goto out;
fail:
	fprintf(stderr, "scrm eval: classifier %s: %s\n", d->name, strerror(-rc));
	ret = 1;
out:
	free(out);
	scrm_classifier_free(c);
	return ret;
}

static int train_model(const scrm_classifier_desc *d, const scrm_clf_config *cfg, const scrm_clf_item *items,
		       const uint32_t *gold, size_t n, const char *path, double *secs)
{
	char err[512];
	double t0 = now_s();
	int rc = scrm_classifier_train(d, cfg, items, gold, n, path, err, sizeof err);
	*secs += now_s() - t0;
	if (rc) {
		fprintf(stderr, "scrm eval: training %s: %s\n", d->name, err[0] ? err : strerror(-rc));
		return rc == -EINVAL ? 2 : 1; /* as scrm train: options the model cannot have (--features, --aux) */
	}
	return 0;
}

/* K-fold: train on the other folds, predict fold k; every row predicted once. */
/* K-fold over @d; every fold's training rows also hold all of @extra (--train with --folds). */
static int run_folds(result *r, const scrm_clf_config *base, const dataset *d, const dataset *extra, long k,
		     const char *tmpdir)
{
	size_t trcap = d->n + extra->n;
	scrm_clf_item *tr_items = malloc(trcap * sizeof *tr_items), *te_items = malloc(d->n * sizeof *te_items);
	uint32_t *tr_gold = malloc(trcap * sizeof *tr_gold), *te_pred = malloc(d->n * sizeof *te_pred);
	size_t *te_row = malloc(d->n * sizeof *te_row);
	double *te_score = malloc(d->n * sizeof *te_score);
	float *te_conf = r->confid ? malloc(d->n * sizeof *te_conf) : NULL;
	char *te_why = r->confid ? malloc(d->n * SCRM_CLF_WHY_MAX) : NULL;
	int ret = 0;
	if (!tr_items || !te_items || !tr_gold || !te_pred || !te_row || !te_score || (r->confid && (!te_conf || !te_why))) {
		fprintf(stderr, "scrm eval: %s\n", strerror(ENOMEM));
		ret = 1;
		goto out;
	}
	for (long f = 0; f < k && !ret; f++) {
		size_t ntr = 0, nte = 0;
		for (size_t i = 0; i < d->n; i++) {
			if (d->rows[i].fold == (uint32_t)f) {
				te_items[nte] = d->items[i];
				te_row[nte++] = i;
			} else {
				tr_items[ntr] = d->items[i];
				tr_gold[ntr++] = d->gold[i];
			}
		}
		for (size_t i = 0; i < extra->n; i++) {
			tr_items[ntr] = extra->items[i];
			tr_gold[ntr++] = extra->gold[i];
		}
		if (nte == 0)
			continue; /* nothing to predict in this fold */
		if (ntr == 0) {
			fprintf(stderr, "scrm eval: fold %ld of %ld holds every row: nothing to train on (fewer folds?)\n",
				f + 1, k);
			ret = 2;
			break;
		}
		char path[4096];
		if ((size_t)snprintf(path, sizeof path, "%s/%s.fold%ld.model", tmpdir, r->d->name, f) >= sizeof path) {
			fprintf(stderr, "scrm eval: %s: %s\n", tmpdir, strerror(ENAMETOOLONG));
			ret = 1;
			break;
		}
		scrm_clf_config cfg = *base;
		cfg.model_path = path;
		ret = train_model(r->d, &cfg, tr_items, tr_gold, ntr, path, &r->train_s);
		if (!ret)
			ret = classify_rows(r->d, &cfg, te_items, nte, te_pred, te_score, &r->classify_s, te_conf, te_why);
		for (size_t j = 0; !ret && j < nte; j++) {
			r->pred[te_row[j]] = te_pred[j];
			r->score[te_row[j]] = te_score[j];
			if (r->confid) {
				r->confid[te_row[j]] = te_conf[j];
				memcpy(r->why + te_row[j] * SCRM_CLF_WHY_MAX, te_why + j * SCRM_CLF_WHY_MAX, SCRM_CLF_WHY_MAX);
			}
		}
		unlink(path);
	}
out:
	free(tr_items);
	free(te_items);
	free(tr_gold);
	free(te_pred);
	free(te_row);
	free(te_score);
	free(te_conf);
	free(te_why);
	return ret;
}

static int score_result(result *r, const dataset *d, size_t k)
{
	if (scrm_confusion_init(&r->conf, k) || !(r->pc = calloc(k, sizeof *r->pc)))
		return -ENOMEM;
	scrm_pearson p;
	scrm_pearson_init(&p);
	for (size_t i = 0; i < d->n; i++) {
		if (scrm_confusion_add(&r->conf, d->gold[i], r->pred[i]))
			return -ERANGE; /* a classifier wrote a label outside its task's set */
		scrm_pearson_add(&p, r->score[i], d->rows[i].num);
	}
	scrm_metrics_compute(&r->conf, r->pc, &r->m);
	r->has_r = d->numeric && (r->d->flags & SCRM_CLF_HAS_SCORE);
	r->r_ok = r->has_r && scrm_pearson_r(&p, &r->r) == 0;
	return 0;
}

/* ---- output ---- */

/* The shortest decimal that reads back to v; null when not finite. */
static void put_num(FILE *fp, double v)
{
	if (!isfinite(v)) {
		fputs("null", fp);
		return;
	}
	char b[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(b, sizeof b, "%.*g", prec, v);
		if (strtod(b, NULL) == v)
			break;
	}
	fputs(b, fp);
}

/* A JSON string, valid whatever the bytes (a label or a path need not be UTF-8): the
 * event writer's escaping, which writes a byte that is not UTF-8 as \u00XX. */
static void put_str(FILE *fp, const char *s)
{
	scrm_buf b = {0};
	if (scrm_json_put_str(&b, s, strlen(s)) == 0)
		fwrite(b.data, 1, b.len, fp);
	else
		fputs("\"\"", fp); /* out of memory: an empty string keeps the JSON whole */
	scrm_buf_free(&b);
}

static void key(FILE *fp, const char *k)
{
	put_str(fp, k);
	fputc(':', fp);
}

static double per_s(const result *r, size_t n)
{
	return r->classify_s > 0 ? (double)n / r->classify_s : 0;
}

/* --bootstrap in the JSON: ,"METRIC_ci95":[lo,hi] and, with @higher, ,"METRIC_higher_than":
 * {OTHER: share} over the other classifiers (those with a Pearson r only, for r). */
static void put_boot(FILE *fp, const char *metric, const double ci[2], const double *higher, const result *res,
		     size_t nres, size_t c, int r_only)
{
	if (isfinite(ci[0])) {
		fprintf(fp, ",\"%s_ci95\":[", metric), put_num(fp, ci[0]);
		fputc(',', fp), put_num(fp, ci[1]), fputc(']', fp);
	} else {
		fprintf(fp, ",\"%s_ci95\":null", metric); /* r undefined on every resample */
	}
	if (!higher)
		return;
	fprintf(fp, ",\"%s_higher_than\":{", metric);
	for (size_t o = 0, first = 1; o < nres; o++) {
		if (o == c || (r_only && !res[o].has_r))
			continue;
		fputs(first ? "" : ",", fp), key(fp, res[o].d->name);
		put_num(fp, higher[c * nres + o]);
		first = 0;
	}
	fputc('}', fp);
}

/* --bootstrap in the text: one line per pair of classifiers (with a Pearson r only, for r). */
static void put_pairs(FILE *fp, const char *metric, const double *higher, const result *res, size_t nres, int r_only)
{
	for (size_t a = 0; a < nres; a++)
		for (size_t b = a + 1; b < nres; b++)
			if (r_only && (!res[a].has_r || !res[b].has_r))
				continue;
			else if (isnan(higher[a * nres + b]))
				fprintf(fp, "\n  %s of %s and %s: not compared (never both defined on a resample)", metric,
					res[a].d->name, res[b].d->name);
			else
				fprintf(fp, "\n  %s of %s above %s's in %.1f%% of resamples, below in %.1f%%", metric,
					res[a].d->name, res[b].d->name, 100 * higher[a * nres + b],
					100 * higher[b * nres + a]);
}

static void print_json(FILE *fp, const struct opts *o, const dataset *d, const analysis *a, const char *lexpath,
		       result *res, size_t nres, const boot *bs, const by_groups *bg)
{
	size_t k;
	const char *const *labels = scrm_task_labels(o->task, &k);
	fputc('{', fp);
	key(fp, "task"), put_str(fp, scrm_task_name(o->task));
	fputc(',', fp), key(fp, "data"), put_str(fp, o->data);
	fputc(',', fp), key(fp, "train");
	o->train ? put_str(fp, o->train) : (void)fputs("null", fp);
	fprintf(fp, ",\"folds\":%ld,", o->folds);
	key(fp, "text_col"), put_str(fp, o->text_col);
	fputc(',', fp), key(fp, "label_col"), put_str(fp, o->label_col);
	fprintf(fp, ",\"gold\":\"%s\",\"rows\":%zu,\"skipped_no_label\":%" PRIu64 ",\"labels\":[",
		d->numeric ? "numeric" : "categorical", d->n, d->skipped);
	for (size_t i = 0; i < k; i++)
		fputs(i ? "," : "", fp), put_str(fp, labels[i]);
	fputs("],\"lexicon\":", fp);
	lexpath ? put_str(fp, lexpath) : (void)fputs("null", fp);
	fputs(",\"analysis_s\":", fp), put_num(fp, a->secs);
	if (a->enc_texts) {
		fprintf(fp, ",\"encoder\":{\"texts\":%" PRIu64 ",\"threads\":%u,\"cpu_s\":", a->enc_texts, a->enc_threads);
		put_num(fp, a->enc_cpu_s);
		fputs(",\"wall_s\":", fp), put_num(fp, a->enc_wall_s), fputc('}', fp);
	} else {
		fputs(",\"encoder\":null", fp);
	}
	fprintf(fp, ",\"bootstrap\":%u", bs->resamples);
	fputs(",\"classifiers\":{", fp);
	for (size_t c = 0; c < nres; c++) {
		const result *r = &res[c];
		fputs(c ? "," : "", fp), key(fp, r->d->name);
		fprintf(fp, "{\"trained\":\"%s\",\"n\":%" PRIu64 ",\"correct\":%" PRIu64 ",\"accuracy\":", r->trained,
			r->m.n, r->m.correct);
		put_num(fp, r->m.accuracy);
		fputs(",\"macro_f1\":", fp), put_num(fp, r->m.macro_f1);
		fputs(",\"macro_recall\":", fp), put_num(fp, r->m.macro_recall);
		fputs(",\"macro_precision\":", fp), put_num(fp, r->m.macro_precision);
		if (r->has_r)
			fputs(",\"pearson_r\":", fp), r->r_ok ? put_num(fp, r->r) : (void)fputs("null", fp);
		fprintf(fp, ",\"records_per_s\":%.0f,\"classify_s\":", per_s(r, d->n));
		put_num(fp, r->classify_s);
		fputs(",\"train_s\":", fp), put_num(fp, r->train_s);
		if (bs->resamples) {
			put_boot(fp, "accuracy", bs->acc[c], NULL, res, nres, c, 0);
			put_boot(fp, "macro_f1", bs->f1[c], bs->higher, res, nres, c, 0);
			if (bs->has_r && r->has_r)
				put_boot(fp, "pearson_r", bs->r[c], bs->r_higher, res, nres, c, 1);
		}
		fputs(",\"per_class\":{", fp);
		for (size_t i = 0; i < k; i++) {
			const scrm_class_metrics *m = &r->pc[i];
			fputs(i ? "," : "", fp), key(fp, labels[i]);
			fputs("{\"precision\":", fp), put_num(fp, m->precision);
			fputs(",\"recall\":", fp), put_num(fp, m->recall);
			fputs(",\"f1\":", fp), put_num(fp, m->f1);
			fprintf(fp, ",\"support\":%" PRIu64 ",\"predicted\":%" PRIu64 "}", m->support, m->predicted);
		}
		fputs("},\"confusion\":[", fp);
		for (size_t g = 0; g < k; g++) {
			fputs(g ? ",[" : "[", fp);
			for (size_t p = 0; p < k; p++)
				fprintf(fp, "%s%" PRIu64, p ? "," : "", scrm_confusion_at(&r->conf, g, p));
			fputc(']', fp);
		}
		fputs("]}", fp);
	}
	fputc('}', fp);
	if (o->by) {
		fputs(",\"by\":{\"column\":", fp), put_str(fp, o->by);
		fputs(",\"groups\":[", fp);
		for (uint32_t g = 0; g < bg->ngroups; g++) {
			fputs(g ? ",{\"value\":" : "{\"value\":", fp), put_str(fp, d->groups[g]);
			fprintf(fp, ",\"n\":%" PRIu64 ",\"classifiers\":{", bg->n[g]);
			for (size_t c = 0; c < nres; c++) {
				const scrm_metrics *m = &bg->m[g * nres + c];
				fputs(c ? "," : "", fp), key(fp, res[c].d->name);
				fputs("{\"accuracy\":", fp), put_num(fp, m->accuracy);
				fputs(",\"macro_f1\":", fp), put_num(fp, m->macro_f1);
				fputs(",\"macro_recall\":", fp), put_num(fp, m->macro_recall);
				fputc('}', fp);
			}
			fputs("}}", fp);
		}
		fputs("]}", fp);
	}
	fputs("}\n", fp);
}

static void print_text(FILE *fp, const struct opts *o, const dataset *d, const analysis *a, const char *lexpath,
		       result *res, size_t nres, const boot *bs, const by_groups *bg)
{
	size_t k, lw = 12;
	const char *const *labels = scrm_task_labels(o->task, &k);
	for (size_t i = 0; i < k; i++)
		if (strlen(labels[i]) + 2 > lw)
			lw = strlen(labels[i]) + 2;
	int cw = bs->resamples ? 17 : 12; /* one classifier's column ("-0.123..-0.045" fits) */
	for (size_t c = 0; c < nres; c++)
		if ((int)strlen(res[c].d->name) + 2 > cw)
			cw = (int)strlen(res[c].d->name) + 2;

	fprintf(fp, "task %s: %zu rows of %s (text '%s', gold '%s', %s)", scrm_task_name(o->task), d->n, o->data,
		o->text_col, o->label_col,
		d->numeric ? "numeric: classes by sign, Pearson r on the score" : "categorical");
	if (d->skipped)
		fprintf(fp, "; %" PRIu64 " rows without a gold label skipped", d->skipped);
	fputc('\n', fp);
	if (o->train && !o->folds)
		fprintf(fp, "trainable classifiers trained on %s\n", o->train);
	if (o->folds)
		fprintf(fp, "trainable classifiers: %ld-fold cross-validation by '%s'%s%s\n", o->folds, o->id_col,
			o->train ? ", every fold also trained on all of " : "", o->train ? o->train : "");
	if (lexpath)
		fprintf(fp, "lexicon %s\n", lexpath);
	if (a->hits || a->sent)
		fprintf(fp, "shared analysis (%s%s%s): %.0f records/s, not counted below\n", a->hits ? "topics" : "",
			a->hits && a->sent ? " + " : "", a->sent ? "sentiment" : "",
			a->secs > 0 ? (double)d->n / a->secs : 0);
	if (a->enc_texts)
		fprintf(fp, "sentence encoder: %" PRIu64 " texts, %.2f ms CPU each (%.1f s on %u threads), not counted below\n",
			a->enc_texts, 1e3 * a->enc_cpu_s / (double)a->enc_texts, a->enc_wall_s, a->enc_threads);

	fprintf(fp, "\n%-*s", (int)lw + 6, "");
	for (size_t c = 0; c < nres; c++)
		fprintf(fp, "%*s", cw, res[c].d->name);
	static const char *const rowname[] = {"accuracy", "macro-F1", "macro-recall", "macro-precision"};
	for (int m = 0; m < 4; m++) {
		fprintf(fp, "\n%-*s", (int)lw + 6, rowname[m]);
		for (size_t c = 0; c < nres; c++) {
			const scrm_metrics *x = &res[c].m;
			double v = m == 0 ? x->accuracy : m == 1 ? x->macro_f1 : m == 2 ? x->macro_recall : x->macro_precision;
			fprintf(fp, "%*.4f", cw, v);
		}
	}
	if (d->numeric) {
		fprintf(fp, "\n%-*s", (int)lw + 6, "pearson r");
		for (size_t c = 0; c < nres; c++) {
			if (res[c].r_ok)
				fprintf(fp, "%*.4f", cw, res[c].r);
			else
				fprintf(fp, "%*s", cw, res[c].has_r ? "undefined" : "-");
		}
	}
	for (int m = 0; bs->resamples && m < 3; m++) {
		if (m == 2 && !bs->has_r)
			break;
		fprintf(fp, "\n%-*s", (int)lw + 6, m == 2 ? "pearson r 95% CI" : m ? "macro-F1 95% CI" : "accuracy 95% CI");
		for (size_t c = 0; c < nres; c++) {
			if (m == 2 && !res[c].has_r) {
				fprintf(fp, "%*s", cw, "-");
				continue;
			}
			const double *ci = m == 2 ? bs->r[c] : m ? bs->f1[c] : bs->acc[c];
			char cell[48];
			if (isfinite(ci[0]))
				snprintf(cell, sizeof cell, "%.3f..%.3f", ci[0], ci[1]);
			else
				snprintf(cell, sizeof cell, "undefined");
			fprintf(fp, "%*s", cw, cell);
		}
	}
	fprintf(fp, "\n%-*s", (int)lw + 6, "records/s");
	for (size_t c = 0; c < nres; c++)
		fprintf(fp, "%*.0f", cw, per_s(&res[c], d->n));
	fprintf(fp, "\n%-*s", (int)lw + 6, "model");
	for (size_t c = 0; c < nres; c++)
		fprintf(fp, "%*s", cw, res[c].trained);

	if (bs->resamples)
		fprintf(fp, "\n\nbootstrap: %u resamples of the %zu rows (95%% percentile intervals above)", bs->resamples,
			d->n);
	if (bs->resamples)
		put_pairs(fp, "macro-F1", bs->higher, res, nres, 0);
	if (bs->has_r)
		put_pairs(fp, "pearson r", bs->r_higher, res, nres, 1);
	for (int m = 0; o->by && m < 2; m++) {
		fprintf(fp, "\n\n%s by '%s'\n%-*s%8s", m ? "accuracy" : "macro-F1", o->by, (int)lw, "", "rows");
		for (size_t c = 0; c < nres; c++)
			fprintf(fp, "%*s", cw, res[c].d->name);
		for (uint32_t g = 0; g < bg->ngroups; g++) {
			fprintf(fp, "\n%-*.*s%8" PRIu64, (int)lw, (int)lw - 1, d->groups[g], bg->n[g]);
			for (size_t c = 0; c < nres; c++) {
				const scrm_metrics *x = &bg->m[g * nres + c];
				fprintf(fp, "%*.4f", cw, m ? x->accuracy : x->macro_f1);
			}
		}
	}
	fprintf(fp, "\n\nper class: precision recall F1\n%-*s%8s", (int)lw, "", "support");
	int pw = cw > 21 ? cw : 21;
	for (size_t c = 0; c < nres; c++)
		fprintf(fp, "%*s", pw, res[c].d->name);
	for (size_t i = 0; i < k; i++) {
		fprintf(fp, "\n%-*s%8" PRIu64, (int)lw, labels[i], res[0].pc[i].support);
		for (size_t c = 0; c < nres; c++) {
			const scrm_class_metrics *m = &res[c].pc[i];
			fprintf(fp, "%*s%.3f  %.3f  %.3f", pw - 19, "", m->precision, m->recall, m->f1);
		}
	}
	fputc('\n', fp);

	for (size_t c = 0; c < nres; c++) {
		fprintf(fp, "\nconfusion %s (rows gold, columns predicted)\n%-*s", res[c].d->name, (int)lw, "");
		for (size_t p = 0; p < k; p++)
			fprintf(fp, "%*.*s", 9, 8, labels[p]);
		for (size_t g = 0; g < k; g++) {
			fprintf(fp, "\n%-*s", (int)lw, labels[g]);
			for (size_t p = 0; p < k; p++)
				fprintf(fp, "%9" PRIu64, scrm_confusion_at(&res[c].conf, g, p));
		}
		fputc('\n', fp);
	}
}

/* --predictions: the TSV that eval.c's header describes. Returns 0 or 1 (I/O). */
static int write_predictions(const char *path, const struct opts *o, const dataset *d, const result *res, size_t nres)
{
	FILE *fp = fopen(path, "w");
	if (!fp) {
		fprintf(stderr, "scrm eval: --predictions %s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t k;
	const char *const *labels = scrm_task_labels(o->task, &k);
	fputs("id\tline\tgold", fp);
	for (size_t c = 0; c < nres; c++) {
		const char *nm = res[c].d->name;
		fprintf(fp, "\t%s\t%s_confidence", nm, nm);
		if (res[c].d->flags & SCRM_CLF_HAS_SCORE)
			fprintf(fp, "\t%s_score", nm);
		fprintf(fp, "\t%s_why", nm);
	}
	fputs("\ttext\n", fp);
	int bad = 0;
	for (size_t i = 0; i < d->n && !bad; i++) {
		const row *r = &d->rows[i];
		if (r->id_len)
			bad |= scrm_tsv_write_escaped(fp, d->arena + r->id_off, r->id_len) != 0;
		else
			fprintf(fp, "%" PRIu64, r->line);
		fprintf(fp, "\t%" PRIu64 "\t", r->line);
		if (d->numeric)
			put_num(fp, r->num);
		else
			fputs(labels[r->gold], fp);
		for (size_t c = 0; c < nres; c++) {
			fprintf(fp, "\t%s\t%.4f", labels[res[c].pred[i]], (double)res[c].confid[i]);
			if (res[c].d->flags & SCRM_CLF_HAS_SCORE) {
				fputc('\t', fp);
				put_num(fp, res[c].score[i]);
			}
			fputc('\t', fp);
			const char *w = res[c].why + i * SCRM_CLF_WHY_MAX;
			bad |= scrm_tsv_write_escaped(fp, w, strnlen(w, SCRM_CLF_WHY_MAX)) != 0;
		}
		fputc('\t', fp);
		bad |= scrm_tsv_write_escaped(fp, d->arena + r->off, r->len) != 0;
		fputc('\n', fp);
	}
	if (ferror(fp))
		bad = 1;
	if (fclose(fp))
		bad = 1;
	if (bad) {
		fprintf(stderr, "scrm eval: --predictions %s: %s\n", path, strerror(errno ? errno : EIO));
		return 1;
	}
	return 0;
}

static void list_classifiers(FILE *fp)
{
	for (int t = 0; t < SCRM_TASK_COUNT; t++) {
		const scrm_classifier_desc *ds[MAX_CLF];
		size_t n = scrm_classifier_list((scrm_task)t, ds, MAX_CLF);
		fprintf(fp, "%s (labels: ", scrm_task_name((scrm_task)t));
		list_labels(fp, (scrm_task)t);
		fputs(")\n", fp);
		if (n == 0)
			fputs("  (no classifier yet)\n", fp);
		for (size_t i = 0; i < n && i < MAX_CLF; i++)
			fprintf(fp, "  %-12s %-10s %s\n", ds[i]->name, ds[i]->train ? "trainable" : "rule-based",
				ds[i]->summary ? ds[i]->summary : "");
	}
}

enum {
	OPT_TASK = 256, OPT_DATA, OPT_CLF, OPT_MODEL, OPT_TEXTCOL, OPT_LABELCOL, OPT_IDCOL, OPT_LEX, OPT_EMOJI,
	OPT_RULES, OPT_FOLDS, OPT_TRAIN, OPT_JSON, OPT_LIST, OPT_FEATURES, OPT_PREDICTIONS, OPT_BOOTSTRAP, OPT_BY, OPT_AUX,
	OPT_ENCODER, OPT_HELP,
};

/* @arg as a whole decimal number in [lo, hi] into *out; else -1 after saying so. */
static int parse_count(const char *opt, const char *arg, long lo, long hi, const char *unit, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		fprintf(stderr, "scrm eval: invalid value for %s: '%s' (%ld..%ld%s)\n", opt, arg, lo, hi, unit);
		return -1;
	}
	*out = v;
	return 0;
}

int scrm_eval_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"task", required_argument, 0, OPT_TASK},
		{"data", required_argument, 0, OPT_DATA},
		{"classifier", required_argument, 0, OPT_CLF},
		{"model", required_argument, 0, OPT_MODEL},
		{"text-col", required_argument, 0, OPT_TEXTCOL},
		{"label-col", required_argument, 0, OPT_LABELCOL},
		{"id-col", required_argument, 0, OPT_IDCOL},
		{"lexicon", required_argument, 0, OPT_LEX},
		{"emoji-lexicon", required_argument, 0, OPT_EMOJI},
		{"rules", required_argument, 0, OPT_RULES},
		{"folds", required_argument, 0, OPT_FOLDS},
		{"train", required_argument, 0, OPT_TRAIN},
		{"features", required_argument, 0, OPT_FEATURES},
		{"aux", required_argument, 0, OPT_AUX},
		{"encoder", required_argument, 0, OPT_ENCODER},
		{"json", no_argument, 0, OPT_JSON},
		{"predictions", required_argument, 0, OPT_PREDICTIONS},
		{"bootstrap", required_argument, 0, OPT_BOOTSTRAP},
		{"by", required_argument, 0, OPT_BY},
		{"list", no_argument, 0, OPT_LIST},
		{"help", no_argument, 0, OPT_HELP},
		{0, 0, 0, 0},
	};
	struct opts o = {.text_col = "text", .label_col = "label", .id_col = "id"};
	const char *task_name = NULL, *clf_names[MAX_CLF];
	size_t nnames = 0;
	int c, list = 0;
	optind = 0; /* GNU: full re-initialization, so scrm_eval_main can run twice in a process */
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_TASK: task_name = optarg; break;
		case OPT_DATA: o.data = optarg; break;
		case OPT_CLF:
			if (nnames == MAX_CLF) {
				fprintf(stderr, "scrm eval: at most %d --classifier\n", MAX_CLF);
				return 2;
			}
			clf_names[nnames++] = optarg;
			break;
		case OPT_MODEL: o.model = optarg; break;
		case OPT_TEXTCOL: o.text_col = optarg; break;
		case OPT_LABELCOL: o.label_col = optarg; break;
		case OPT_IDCOL: o.id_col = optarg; break;
		case OPT_LEX: o.lexicon = optarg; break;
		case OPT_ENCODER: o.encoder = optarg; break;
		case OPT_EMOJI: o.emoji = optarg; break;
		case OPT_RULES: o.rules = optarg; break;
		case OPT_FEATURES: o.features = optarg; break;
		case OPT_AUX:
			if (scrm_cli_aux_add("scrm eval", o.aux, &o.n_aux, optarg))
				return 2;
			break;
		case OPT_FOLDS:
			if (parse_count("--folds", optarg, 2, 1000, "", &o.folds))
				return 2;
			break;
		case OPT_TRAIN: o.train = optarg; break;
		case OPT_JSON: o.json = 1; break;
		case OPT_PREDICTIONS: o.predictions = optarg; break;
		case OPT_BY: o.by = optarg; break;
		case OPT_BOOTSTRAP:
			if (parse_count("--bootstrap", optarg, 100, 100000, " resamples", &o.bootstrap))
				return 2;
			break;
		case OPT_LIST: list = 1; break;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (list) {
		list_classifiers(stdout);
		return fflush(stdout) ? 1 : 0;
	}
	if (optind < argc || !task_name || !o.data) {
		if (optind < argc)
			fprintf(stderr, "scrm eval: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(stderr, "scrm eval: %s is required\n", task_name ? "--data" : "--task");
		usage(stderr);
		return 2;
	}
	if (scrm_task_parse(task_name, &o.task)) {
		fprintf(stderr, "scrm eval: unknown task '%s' (sentiment, intent, action, complaint, airline-reason, labels)\n",
			task_name);
		return 2;
	}
	if (o.task == SCRM_TASK_INFLUENCE) {
		fprintf(stderr, "scrm eval: task influence scores authors from their counts (followers, verified, "
				"reactions) and the stream's mentions, which a TSV of texts does not have; "
				"bench/influence_check.py checks it against retweets on ../shared/corpora/firehose\n");
		return 2;
	}
	if (o.features) {
		char ferr[256];
		if (scrm_feat_spec_check(o.features, ferr, sizeof ferr)) { /* before any data is read */
			fprintf(stderr, "scrm eval: --features: %s\n", ferr);
			return 2;
		}
		if (!o.folds && !o.train)
			fprintf(stderr, "scrm eval: --features applies to the models eval trains (--folds, --train); "
					"a --model keeps the features it was trained with\n");
	}
	if (o.n_aux && !o.folds && !o.train) {
		fprintf(stderr, "scrm eval: --aux applies to the models eval trains (--folds, --train); "
				"a --model carries its own\n");
		return 2;
	}
	if (o.model && (o.folds || o.train)) {
		fprintf(stderr, "scrm eval: --model loads a trained model; --folds/--train train new ones: pick one\n");
		return 2;
	}

	/* The classifiers, in registry order unless named. */
	const scrm_classifier_desc *sel[MAX_CLF];
	size_t nsel = 0;
	if (nnames == 0) {
		nsel = scrm_classifier_list(o.task, sel, MAX_CLF);
		if (nsel > MAX_CLF)
			nsel = MAX_CLF;
		if (nsel == 0) {
			fprintf(stderr, "scrm eval: no classifier is registered for task %s yet (scrm eval --list)\n",
				task_name);
			return 2;
		}
		/* Unless asked to train or given a model, the default set is what can run as is. */
		if (!o.folds && !o.train && !o.model) {
			size_t k = 0;
			for (size_t i = 0; i < nsel; i++) {
				if (sel[i]->flags & SCRM_CLF_NEEDS_MODEL)
					fprintf(stderr, "scrm eval: leaving out %s (it needs --model, --folds or --train)\n",
						sel[i]->name);
				else
					sel[k++] = sel[i];
			}
			if (k == 0) {
				fprintf(stderr, "scrm eval: every classifier of task %s needs a model: give --model, "
						"--folds K or --train FILE\n", task_name);
				return 2;
			}
			nsel = k;
		}
	}
	for (size_t i = 0; i < nnames; i++) {
		const scrm_classifier_desc *d = scrm_classifier_find(o.task, clf_names[i]);
		if (!d) {
			const scrm_classifier_desc *all[MAX_CLF];
			size_t na = scrm_classifier_list(o.task, all, MAX_CLF);
			fprintf(stderr, "scrm eval: no classifier '%s' for task %s (", clf_names[i], task_name);
			if (na == 0)
				fputs("none registered yet", stderr);
			for (size_t j = 0; j < na && j < MAX_CLF; j++)
				fprintf(stderr, "%s%s", j ? ", " : "have: ", all[j]->name);
			fputs(")\n", stderr);
			return 2;
		}
		int dup = 0;
		for (size_t j = 0; j < nsel; j++)
			dup |= sel[j] == d;
		if (!dup)
			sel[nsel++] = d;
	}
	int need_lex = 0, want_sent = 0, trainable = 0;
	for (size_t i = 0; i < nsel; i++) {
		need_lex |= (sel[i]->flags & (SCRM_CLF_NEEDS_LEXICON | SCRM_CLF_USES_SENTIMENT)) != 0;
		want_sent |= (sel[i]->flags & SCRM_CLF_USES_SENTIMENT) != 0;
		trainable += sel[i]->train != NULL;
	}
	if ((o.folds || o.train) && !trainable) {
		fprintf(stderr, "scrm eval: %s: no trainable classifier for task %s among those selected (", 
			o.folds ? "--folds" : "--train", task_name);
		for (size_t i = 0; i < nsel; i++)
			fprintf(stderr, "%s%s", i ? ", " : "", sel[i]->name);
		fprintf(stderr, " %s rule-based); evaluating on all of %s\n", nsel == 1 ? "is" : "are", o.data);
	}

	int ret = 2;
	scrm_lexicon *lex = NULL;
	scrm_encoder *enc = NULL;
	scrm_encoder_cache *enc_cache = NULL;
	scrm_rules *rules = NULL;
	scrm_topics *topics = NULL;
	scrm_cli_input inputs[2] = {{.path = o.data}, {.path = o.train}};
	dataset data = {.path = o.data, .in = &inputs[0]}, tdata = {.path = o.train, .in = &inputs[1]};
	analysis an = {0}, tan = {0};
	result res[MAX_CLF];
	memset(res, 0, sizeof res);
	char tmpdir[4096] = "";
	const char *lexpath = o.lexicon;

	char err[2048];
	if ((need_lex || o.emoji) && !(lexpath = scrm_lexicon_path(lexpath, err, sizeof err))) {
		fprintf(stderr, "scrm eval: %s\n", err);
		goto out;
	}
	/* --predictions onto a file eval reads would empty it (the labelled data, say):
	 * refused before anything is read */
	const char *in[7 + SCRM_LINEAR_MAX_AUX] = {o.data, o.train, o.model, lexpath, o.emoji, o.rules, o.encoder};
	const char *in_opt[7 + SCRM_LINEAR_MAX_AUX] = {"--data",	  "--train", "--model",  "--lexicon",
						       "--emoji-lexicon", "--rules", "--encoder"};
	size_t nin = 7;
	for (unsigned i = 0; i < o.n_aux; i++) {
		in[nin] = strchr(o.aux[i], '=') + 1; /* checked by scrm_cli_aux_add() */
		in_opt[nin++] = "--aux";
	}
	if (scrm_cli_output_clash("scrm eval", "--predictions", o.predictions, in, in_opt, nin))
		goto out;
	if (lexpath && scrm_lexicon_load(&lex, lexpath, o.emoji, err, sizeof err)) {
		fprintf(stderr, "scrm eval: %s\n", err);
		goto out;
	}
	if (o.encoder && (scrm_encoder_load(&enc, o.encoder, err, sizeof err) ||
			  !(enc_cache = scrm_encoder_cache_create(SCRM_ENCODER_CACHE_DEFAULT)))) {
		fprintf(stderr, "scrm eval: %s\n", enc ? "out of memory" : err);
		goto out;
	}
	if (o.rules && (scrm_rules_load(&rules, o.rules, err, sizeof err) ||
			scrm_topics_compile_rules(&topics, rules, NULL, NULL, err, sizeof err))) {
		fprintf(stderr, "scrm eval: %s", err);
		goto out;
	}
	if (o.task == SCRM_TASK_LABELS) {
		if ((ret = o.model ? labels_from_model(o.model)
				   : scrm_task_labels_from_tsv("scrm eval", inputs, o.train ? 2 : 1, o.label_col)))
			goto out;
		ret = 2;
	}
	if ((ret = dataset_load(&data, &o)))
		goto out;
	if (o.train && trainable) {
		struct opts to = o;
		to.folds = 0;
		to.by = NULL; /* the training rows are not reported by value */
		if ((ret = dataset_load(&tdata, &to)))
			goto out;
	}
	scrm_cli_input_free(&inputs[0]); /* the rows hold what they need */
	scrm_cli_input_free(&inputs[1]);
	ret = 1;
	int arc = analyze(&data, &an, topics, lex, want_sent);
	if (!arc && tdata.n)
		arc = analyze(&tdata, &tan, topics, lex, want_sent);
	if (arc) {
		fprintf(stderr, "scrm eval: analysis: %s\n", strerror(-arc));
		goto out;
	}
	/* only for the classifiers that can read it: a trained or loaded model */
	if (enc && trainable && (o.folds || o.train || o.model) &&
	    (arc = encode_all(enc, enc_cache, &data, &tdata, &an))) {
		fprintf(stderr, "scrm eval: sentence encoder: %s\n", strerror(-arc));
		goto out;
	}
	if ((o.folds || o.train) && trainable && scrm_cli_tmpdir("scrm eval", "eval", tmpdir, sizeof tmpdir))
		goto out;

	size_t k;
	scrm_task_labels(o.task, &k);
	scrm_clf_config cfg = {.lexicon = lex,
			       .topics = topics,
			       .model_path = o.model,
			       .features = o.features,
			       .aux = o.aux,
			       .n_aux = o.n_aux,
			       .encoder = enc,
			       .encoder_cache = enc_cache};
	for (size_t i = 0; i < nsel; i++) {
		result *r = &res[i];
		r->d = sel[i];
		r->pred = calloc(data.n, sizeof *r->pred);
		r->score = calloc(data.n, sizeof *r->score);
		if (o.predictions) {
			r->confid = calloc(data.n, sizeof *r->confid);
			r->why = calloc(data.n, SCRM_CLF_WHY_MAX);
		}
		if (!r->pred || !r->score || (o.predictions && (!r->confid || !r->why))) {
			fprintf(stderr, "scrm eval: %s\n", strerror(ENOMEM));
			goto out;
		}
		if (r->d->train && o.folds) {
			r->trained = "folds";
			ret = run_folds(r, &cfg, &data, &tdata, o.folds, tmpdir);
		} else if (r->d->train && o.train) {
			char path[4096];
			if ((size_t)snprintf(path, sizeof path, "%s/%s.model", tmpdir, r->d->name) >= sizeof path) {
				fprintf(stderr, "scrm eval: %s: %s\n", tmpdir, strerror(ENAMETOOLONG));
				ret = 1;
				goto out;
			}
			scrm_clf_config tc = cfg;
			tc.model_path = path;
			r->trained = "train-file";
			ret = train_model(r->d, &tc, tdata.items, tdata.gold, tdata.n, path, &r->train_s);
			if (!ret)
				ret = classify_rows(r->d, &tc, data.items, data.n, r->pred, r->score, &r->classify_s,
						    r->confid, r->why);
			unlink(path);
		} else {
			r->trained = r->d->train || (r->d->flags & SCRM_CLF_NEEDS_MODEL) ? "model" : "rule-based";
			ret = classify_rows(r->d, &cfg, data.items, data.n, r->pred, r->score, &r->classify_s, r->confid,
					    r->why);
		}
		if (ret)
			goto out;
		int src = score_result(r, &data, k);
		if (src) {
			fprintf(stderr, "scrm eval: classifier %s: %s\n", r->d->name,
				src == -ERANGE ? "wrote a label outside the task's set" : strerror(-src));
			ret = 1;
			goto out;
		}
	}
	if (o.predictions && (ret = write_predictions(o.predictions, &o, &data, res, nsel)))
		goto out;
	static boot bs; /* large: not on the stack */
	memset(&bs, 0, sizeof bs);
	if (o.bootstrap) {
		const uint32_t *preds[MAX_CLF];
		for (size_t i = 0; i < nsel; i++)
			preds[i] = res[i].pred;
		int brc = scrm_bootstrap(k, data.gold, preds, nsel, data.n, (uint32_t)o.bootstrap, 1, bs.acc, bs.f1,
					 bs.higher);
		if (brc) {
			fprintf(stderr, "scrm eval: --bootstrap: %s\n", strerror(-brc));
			ret = 1;
			goto out;
		}
		bs.resamples = (uint32_t)o.bootstrap;
		/* Pearson r of the classifiers that have one, bootstrapped as a list of their own
		 * (idx: their places), then put back by classifier */
		const double *scores[MAX_CLF];
		size_t idx[MAX_CLF], nr = 0;
		for (size_t i = 0; i < nsel; i++)
			if (res[i].has_r) {
				idx[nr] = i;
				scores[nr++] = res[i].score;
			}
		if (data.numeric && nr) {
			double *gnum = malloc(data.n * sizeof *gnum), r[MAX_CLF][2], rh[MAX_CLF * MAX_CLF];
			if (!gnum) {
				fprintf(stderr, "scrm eval: %s\n", strerror(ENOMEM));
				ret = 1;
				goto out;
			}
			for (size_t i = 0; i < data.n; i++)
				gnum[i] = data.rows[i].num;
			brc = scrm_bootstrap_pearson(gnum, scores, nr, data.n, (uint32_t)o.bootstrap, 1, r, rh);
			free(gnum);
			if (brc) {
				fprintf(stderr, "scrm eval: --bootstrap: %s\n", strerror(-brc));
				ret = 1;
				goto out;
			}
			for (size_t a = 0; a < nr; a++) {
				memcpy(bs.r[idx[a]], r[a], sizeof r[a]);
				for (size_t b = 0; b < nr; b++)
					bs.r_higher[idx[a] * nsel + idx[b]] = rh[a * nr + b];
			}
			bs.has_r = 1;
		}
	}
	by_groups bg = {.ngroups = data.ngroups};
	if (o.by) {
		bg.m = calloc((size_t)data.ngroups * nsel + 1, sizeof *bg.m);
		scrm_confusion gc = {0};
		if (!bg.m || scrm_confusion_init(&gc, k)) {
			free(bg.m);
			fprintf(stderr, "scrm eval: %s\n", strerror(ENOMEM));
			ret = 1;
			goto out;
		}
		for (size_t i = 0; i < data.n; i++)
			bg.n[data.rows[i].group]++;
		for (uint32_t g = 0; g < data.ngroups; g++)
			for (size_t ci = 0; ci < nsel; ci++) {
				memset(gc.m, 0, k * k * sizeof *gc.m);
				gc.n = 0;
				for (size_t i = 0; i < data.n; i++)
					if (data.rows[i].group == g)
						(void)scrm_confusion_add(&gc, data.gold[i], res[ci].pred[i]);
				(void)scrm_metrics_compute(&gc, NULL, &bg.m[g * nsel + ci]);
			}
		scrm_confusion_free(&gc);
	}
	if (o.json)
		print_json(stdout, &o, &data, &an, lexpath, res, nsel, &bs, &bg);
	else
		print_text(stdout, &o, &data, &an, lexpath, res, nsel, &bs, &bg);
	free(bg.m);
	ret = 0;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "scrm eval: stdout: %s\n", strerror(errno));
		ret = 1;
	}
out:
	for (size_t i = 0; i < nsel; i++) {
		free(res[i].pred);
		free(res[i].score);
		free(res[i].confid);
		free(res[i].why);
		free(res[i].pc);
		scrm_confusion_free(&res[i].conf);
	}
	if (tmpdir[0])
		rmdir(tmpdir);
	free(an.hits);
	free(an.sent);
	free(tan.hits);
	free(tan.sent);
	dataset_free(&data);
	dataset_free(&tdata);
	scrm_cli_input_free(&inputs[0]);
	scrm_cli_input_free(&inputs[1]);
	scrm_topics_free(topics);
	scrm_rules_free(rules);
	scrm_lexicon_free(lex);
	scrm_encoder_cache_free(enc_cache);
	scrm_encoder_free(enc);
	return ret;
}
