/*
 * train.c - `scrm train`: fit a trainable classifier (classifier.h's train hook) on a
 * labelled TSV and write its model file.
 *
 *   scrm train --task T --data FILE.tsv -o MODEL [--classifier NAME] [--text-col NAME]
 *              [--label-col NAME] [--lexicon F]
 *
 * The input is read as `scrm eval` reads it (tsv.h; gold values are the task's label
 * names, ASCII case-insensitive, plus 0/1 and false/true for the yes/no tasks, or for
 * sentiment a numeric column classed by sign: scrm_gold_read(); empty gold is skipped;
 * an unknown one is an error naming FILE:LINE; a row with more or fewer fields than the
 * header is used and reported, scrm_tsv_warn_shape()). Each row gets what the
 * pipeline's analyze stage would give a classifier: both sentiment modes when the
 * classifier reads sentiment (then a lexicon is required: --lexicon, else $SCRM_LEXICON,
 * else data/lexicons/vader_lexicon.txt). The default classifier is `linear`.
 *
 * Prints (stdout): rows and skipped rows, the label counts, the training time, the
 * training accuracy (the written model, loaded back through the classifier's create,
 * classifying the training rows: a check that the file round-trips, not an estimate of
 * accuracy on new data: use `scrm eval --folds K` for that) and the model's size. A device
 * or a named pipe as -o is written in place and cannot be read back: the model is trained
 * into a private temporary file, checked from there, then copied to it; with the model on
 * standard output the report goes to stderr.
 *
 * Exit: 0; 1 I/O or runtime error (unreadable data, model not writable); 2 usage error,
 * unknown task or classifier, a rule-based classifier, a missing column, an unknown gold
 * label, no labelled rows, or an unloadable lexicon.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "buf.h"
#include "classifier.h"
#include "featurize.h"
#include "encoder.h"
#include "eval.h"
#include "lexicon.h"
#include "linear.h"
#include "rules.h"
#include "sentiment.h"
#include "topics.h"
#include "tsv.h"


static void usage(FILE *fp)
{
	fputs("usage: scrm train --task TASK --data FILE.tsv -o MODEL [--classifier NAME]\n"
	      "                  [--text-col NAME] [--label-col NAME] [--lexicon FILE]\n"
	      "                  [--emoji-lexicon FILE] [--rules FILE] [--features SPEC]\n"
	      "                  [--aux NAME=MODEL]... [--exclude FILE.tsv]... [--encoder FILE]\n"
	      "\n"
	      "Train a classifier (default 'linear') on a labelled TSV (../shared/corpora format) and\n"
	      "write its model file; prints rows, label counts, training time and training accuracy.\n"
	      "TASK: sentiment, intent, action, complaint, airline-reason, labels (any label set: the values\n"
	      "of the label column). Columns default to 'text' and 'label'.\n"
	      "Use the model with: scrm eval --task TASK --data FILE --classifier NAME --model MODEL.\n"
	      "--features SPEC (linear): feature kinds and sizes over the defaults, comma-separated:\n"
	      "KIND / -KIND / +KIND (word bigram char punct len cue sent reply), chars=A-B, dim=D;\n"
	      "e.g. -char (about 10x fewer features per tweet: a faster model). The model file\n"
	      "records them.\n"
	      "--aux NAME=MODEL (linear, up to 8): a linear model trained earlier (e.g. on another\n"
	      "labelled set, with the same --features) whose class probabilities become features\n"
	      "(\"x:NAME=LABEL\"); the new model file carries a copy of it (model version 2).\n"
	      "--exclude FILE.tsv: leave out the training rows whose text (column --text-col, else\n"
	      "'text') is also a text of FILE, e.g. to train an auxiliary model without the rows of\n"
	      "the set the stacked model will be evaluated on.\n"
	      "--encoder FILE (linear): the sentence encoder (scripts/fetch-encoder.sh): its 512-d\n"
	      "output for each text becomes features (\"e:0\"..\"e:511\"; model version 3); the model\n"
	      "then needs the same file wherever it is used. A few ms per text, computed once for\n"
	      "each text on every online core before training.\n"
	      "Lexicon: --lexicon, else $SCRM_LEXICON, else " SCRM_LEXICON_DEFAULT ".\n",
	      fp);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct rows {
	char **text;
	size_t *len;
	uint32_t *gold;
	size_t n, cap;
	uint64_t skipped;
	int numeric; /* sentiment gold read as numbers, classed by sign (scrm_gold_read()) */
} rows;

static void rows_free(rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->text[i]);
	free(r->text);
	free(r->len);
	free(r->gold);
}

static int rows_push(rows *r, const char *s, size_t len, uint32_t gold)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		char **t = realloc(r->text, cap * sizeof *t);
		if (t)
			r->text = t;
		size_t *l = realloc(r->len, cap * sizeof *l);
		if (l)
			r->len = l;
		uint32_t *g = realloc(r->gold, cap * sizeof *g);
		if (g)
			r->gold = g;
		if (!t || !l || !g)
			return -ENOMEM;
		r->cap = cap;
	}
	char *c = malloc(len + 1);
	if (!c)
		return -ENOMEM;
	memcpy(c, s, len);
	c[len] = 0;
	r->text[r->n] = c;
	r->len[r->n] = len;
	r->gold[r->n++] = gold;
	return 0;
}

/* Returns 0 or an exit code after printing why. */
static int load(rows *r, scrm_cli_input *in, scrm_task task, const char *text_col, const char *label_col)
{
	const char *path = in->path;
	FILE *fp = scrm_cli_input_open(in, 0);
	if (!fp) {
		fprintf(stderr, "scrm train: %s: %s\n", path, strerror(errno));
		return 1;
	}
	scrm_tsv *t = NULL;
	int rc = scrm_tsv_open(&t, fp, 1), ret = 0;
	if (rc) {
		fprintf(stderr, "scrm train: %s: %s\n", path, rc == -ENODATA ? "empty file (no header line)" : strerror(-rc));
		ret = rc == -ENODATA ? 2 : 1;
		goto out;
	}
	const char *used[] = {text_col, label_col}, *dup;
	if ((dup = scrm_tsv_ambiguous(t, used, 2))) {
		fprintf(stderr, "scrm train: %s: the header names column '%s' more than once\n", path, dup);
		ret = 2;
		goto out;
	}
	long tcol = scrm_tsv_col(t, text_col), lcol = scrm_tsv_col(t, label_col);
	scrm_gold_reader gr = {.prog = "scrm train", .path = path, .col = label_col, .task = task};
	if (tcol < 0 || lcol < 0) {
		fprintf(stderr, "scrm train: %s: no column '%s' (%s; columns:", path, tcol < 0 ? text_col : label_col,
			tcol < 0 ? "--text-col" : "--label-col");
		scrm_tsv_print_columns(stderr, t);
		fputs(")\n", stderr);
		ret = 2;
		goto out;
	}
	uint64_t warned = 0;
	while ((rc = scrm_tsv_next(t)) == 1) {
		size_t glen, tlen;
		const char *g = scrm_tsv_field(t, (size_t)lcol, &glen);
		scrm_tsv_warn_shape(t, "scrm train", path, &warned);
		size_t sp = 0;
		while (sp < glen && (g[sp] == ' ' || g[sp] == '\t'))
			sp++;
		if (sp == glen) {
			r->skipped++;
			continue;
		}
		double num;
		int label = scrm_gold_read(&gr, g, glen, scrm_tsv_line(t), &num);
		if (label < 0) {
			ret = 2;
			goto out;
		}
		r->numeric = gr.numeric;
		const char *text = scrm_tsv_field(t, (size_t)tcol, &tlen);
		if ((rc = rows_push(r, text, tlen, (uint32_t)label)))
			break;
	}
	if (rc < 0 || ferror(fp)) {
		fprintf(stderr, "scrm train: %s: %s\n", path, strerror(rc < 0 ? -rc : EIO));
		ret = 1;
		goto out;
	}
	if (r->n == 0) {
		fprintf(stderr, "scrm train: %s: no row with a gold label in column '%s'\n", path, label_col);
		ret = 2;
	}
out:
	scrm_tsv_free(t);
	fclose(fp);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Drop the rows of @r whose text is a text of column @text_col (else "text") of @path.
 * Returns 0 or an exit code after printing why. */
static int exclude_texts(rows *r, const char *path, const char *text_col)
{
	FILE *fp = scrm_fopen_input(path);
	if (!fp) {
		fprintf(stderr, "scrm train: --exclude %s: %s\n", path, strerror(errno));
		return 1;
	}
	scrm_tsv *t = NULL;
	uint64_t *h = NULL;
	size_t nh = 0, cap = 0;
	int rc = scrm_tsv_open(&t, fp, 1), ret = 0;
	if (rc) {
		fprintf(stderr, "scrm train: --exclude %s: %s\n", path,
			rc == -ENODATA ? "empty file (no header line)" : strerror(-rc));
		ret = rc == -ENODATA ? 2 : 1;
		goto out;
	}
	long col = scrm_tsv_col(t, text_col);
	if (col < 0)
		col = scrm_tsv_col(t, "text");
	if (col < 0) {
		fprintf(stderr, "scrm train: --exclude %s: no column '%s'%s\n", path, text_col,
			strcmp(text_col, "text") ? " or 'text'" : "");
		ret = 2;
		goto out;
	}
	while ((rc = scrm_tsv_next(t)) == 1) {
		size_t len;
		const char *s = scrm_tsv_field(t, (size_t)col, &len);
		if (scrm_array_grow((void **)&h, &cap, nh + 1, sizeof *h, 1024)) {
			rc = -ENOMEM;
			break;
		}
		h[nh++] = XXH3_64bits(s, len);
	}
	if (rc < 0 || ferror(fp)) {
		fprintf(stderr, "scrm train: --exclude %s: %s\n", path, strerror(rc < 0 ? -rc : EIO));
		ret = 1;
		goto out;
	}
	qsort(h, nh, sizeof *h, cmp_u64);
	size_t w = 0, dropped = 0;
	for (size_t i = 0; i < r->n; i++) {
		uint64_t k = XXH3_64bits(r->text[i], r->len[i]);
		if (nh && bsearch(&k, h, nh, sizeof *h, cmp_u64)) {
			free(r->text[i]);
			dropped++;
			continue;
		}
		r->text[w] = r->text[i];
		r->len[w] = r->len[i];
		r->gold[w++] = r->gold[i];
	}
	r->n = w;
	fprintf(stderr, "excluded %zu training rows whose text is in %s\n", dropped, path);
	if (r->n == 0) {
		fprintf(stderr, "scrm train: no training rows left after --exclude %s\n", path);
		ret = 2;
	}
out:
	free(h);
	scrm_tsv_free(t);
	fclose(fp);
	return ret;
}

/* Copy the model file at @from to @to, a device or a named pipe, in place. Returns 0 or 1
 * (an I/O error, said on stderr). */
static int copy_model(const char *from, const char *to)
{
	char err[512];
	uint8_t *b;
	size_t len;
	if (scrm_linear_read_file(from, &b, &len, err, sizeof err)) {
		fprintf(stderr, "scrm train: %s\n", err);
		return 1;
	}
	int werr = scrm_write_in_place(to, b, len);
	free(b);
	if (werr)
		fprintf(stderr, "scrm train: %s: write failed: %s\n", to, strerror(-werr));
	return werr ? 1 : 0;
}

enum { OPT_TASK = 256, OPT_DATA, OPT_CLF, OPT_TEXTCOL, OPT_LABELCOL, OPT_LEX, OPT_EMOJI, OPT_RULES, OPT_FEATURES, OPT_AUX, OPT_EXCLUDE, OPT_ENCODER, OPT_HELP };

int scrm_train_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"task", required_argument, 0, OPT_TASK},
		{"data", required_argument, 0, OPT_DATA},
		{"out", required_argument, 0, 'o'},
		{"classifier", required_argument, 0, OPT_CLF},
		{"text-col", required_argument, 0, OPT_TEXTCOL},
		{"label-col", required_argument, 0, OPT_LABELCOL},
		{"lexicon", required_argument, 0, OPT_LEX},
		{"emoji-lexicon", required_argument, 0, OPT_EMOJI},
		{"rules", required_argument, 0, OPT_RULES},
		{"features", required_argument, 0, OPT_FEATURES},
		{"aux", required_argument, 0, OPT_AUX},
		{"encoder", required_argument, 0, OPT_ENCODER},
		{"exclude", required_argument, 0, OPT_EXCLUDE},
		{"help", no_argument, 0, OPT_HELP},
		{0, 0, 0, 0},
	};
	const char *task_name = NULL, *data = NULL, *out = NULL, *clf = "linear", *text_col = "text";
	const char *label_col = "label", *lexpath = NULL, *features = NULL, *emoji = NULL, *rules_path = NULL;
	const char *encpath = NULL;
	const char *aux[SCRM_LINEAR_MAX_AUX], *excl[8];
	unsigned n_aux = 0, n_excl = 0;
	char ferr[256];
	int c;
	optind = 0; /* GNU: full re-initialization */
	while ((c = getopt_long(argc, argv, "ho:", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_TASK: task_name = optarg; break;
		case OPT_DATA: data = optarg; break;
		case 'o': out = optarg; break;
		case OPT_CLF: clf = optarg; break;
		case OPT_TEXTCOL: text_col = optarg; break;
		case OPT_LABELCOL: label_col = optarg; break;
		case OPT_LEX: lexpath = optarg; break;
		case OPT_ENCODER: encpath = optarg; break;
		case OPT_EMOJI: emoji = optarg; break;
		case OPT_RULES: rules_path = optarg; break;
		case OPT_FEATURES: features = optarg; break;
		case OPT_AUX:
			if (scrm_cli_aux_add("scrm train", aux, &n_aux, optarg))
				return 2;
			break;
		case OPT_EXCLUDE:
			if (n_excl == 8) {
				fprintf(stderr, "scrm train: at most 8 --exclude files\n");
				return 2;
			}
			excl[n_excl++] = optarg;
			break;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !task_name || !data || !out) {
		if (optind < argc)
			fprintf(stderr, "scrm train: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(stderr, "scrm train: %s is required\n", !task_name ? "--task" : !data ? "--data" : "-o MODEL");
		usage(stderr);
		return 2;
	}
	if (features && scrm_feat_spec_check(features, ferr, sizeof ferr)) { /* before any data is read */
		fprintf(stderr, "scrm train: --features: %s\n", ferr);
		return 2;
	}
	scrm_task task;
	if (scrm_task_parse(task_name, &task)) {
		fprintf(stderr, "scrm train: unknown task '%s' (sentiment, intent, action, complaint, airline-reason, labels)\n",
			task_name);
		return 2;
	}
	const scrm_classifier_desc *d = scrm_classifier_find(task, clf);
	if (!d) {
		fprintf(stderr, "scrm train: no classifier '%s' for task %s (scrm eval --list)\n", clf, task_name);
		return 2;
	}
	if (!d->train) {
		fprintf(stderr, "scrm train: classifier %s/%s is rule-based: nothing to train\n", task_name, clf);
		return 2;
	}

	int ret = 2;
	char err[2048];
	scrm_lexicon *lex = NULL;
	scrm_encoder *enc = NULL;
	scrm_encoder_cache *enc_cache = NULL;
	scrm_sent *ss = NULL;
	scrm_clf_item *items = NULL;
	scrm_sentiment *sent = NULL;
	scrm_classifier *inst = NULL;
	scrm_rules *rules = NULL;
	scrm_topics *topics = NULL;
	scrm_topics_scratch *ts = NULL;
	scrm_topic_hits *hits = NULL;
	rows r = {0};
	scrm_cli_input input = {.path = data};
	char tmpdir[PATH_MAX] = "", tmpmodel[PATH_MAX + 8];
	int want_sent = (d->flags & (SCRM_CLF_USES_SENTIMENT | SCRM_CLF_NEEDS_LEXICON)) != 0;
	if (want_sent && !(lexpath = scrm_lexicon_path(lexpath, err, sizeof err))) {
		fprintf(stderr, "scrm train: %s\n", err);
		goto out;
	}
	/* -o onto a file train reads would replace it (the labelled data, say): refused
	 * before anything is read */
	const char *in[5 + 8 + SCRM_LINEAR_MAX_AUX] = {data, lexpath, emoji, rules_path, encpath};
	const char *in_opt[5 + 8 + SCRM_LINEAR_MAX_AUX] = {"--data", "--lexicon", "--emoji-lexicon", "--rules",
							   "--encoder"};
	size_t nin = 5;
	for (unsigned i = 0; i < n_excl; i++) {
		in[nin] = excl[i];
		in_opt[nin++] = "--exclude";
	}
	for (unsigned i = 0; i < n_aux; i++) {
		in[nin] = strchr(aux[i], '=') + 1; /* checked by scrm_cli_aux_add() */
		in_opt[nin++] = "--aux";
	}
	if (scrm_cli_output_clash("scrm train", "-o", out, in, in_opt, nin))
		goto out;
	if (lexpath && scrm_lexicon_load(&lex, lexpath, emoji, err, sizeof err)) {
		fprintf(stderr, "scrm train: %s\n", err);
		goto out;
	}
	if (encpath && (scrm_encoder_load(&enc, encpath, err, sizeof err) ||
			!(enc_cache = scrm_encoder_cache_create(SCRM_ENCODER_CACHE_DEFAULT)))) {
		fprintf(stderr, "scrm train: %s\n", enc ? "out of memory" : err);
		goto out;
	}
	/* the rules file's topic and cue ids are features of the model, as in scrm eval */
	if (rules_path && (d->flags & SCRM_CLF_USES_TOPICS) &&
	    (scrm_rules_load(&rules, rules_path, err, sizeof err) ||
	     scrm_topics_compile_rules(&topics, rules, NULL, NULL, err, sizeof err))) {
		fprintf(stderr, "scrm train: %s\n", err);
		goto out;
	}
	if (task == SCRM_TASK_LABELS && (ret = scrm_task_labels_from_tsv("scrm train", &input, 1, label_col)))
		goto out;
	if ((ret = load(&r, &input, task, text_col, label_col)))
		goto out;
	scrm_cli_input_free(&input); /* the rows hold what they need */
	for (unsigned i = 0; i < n_excl; i++)
		if ((ret = exclude_texts(&r, excl[i], text_col)))
			goto out;
	ret = 1;
	items = calloc(r.n, sizeof *items);
	sent = calloc(2 * r.n, sizeof *sent);
	if (topics && (!(hits = calloc(r.n, sizeof *hits)) || scrm_topics_scratch_create(&ts, topics))) {
		fprintf(stderr, "scrm train: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (!items || !sent || (lex && !(ss = scrm_sent_create(lex)))) {
		fprintf(stderr, "scrm train: %s\n", strerror(ENOMEM));
		goto out;
	}
	for (size_t i = 0; i < r.n; i++) {
		scrm_clf_item_init(&items[i], r.text[i], r.len[i]);
		if (ts) {
			int rc = scrm_topics_match(ts, r.text[i], r.len[i], NULL, 0, NULL, 0, &hits[i]);
			if (rc) {
				fprintf(stderr, "scrm train: topics: %s\n", strerror(-rc));
				goto out;
			}
			items[i].hits = &hits[i];
		}
		if (ss) {
			int rc = scrm_sent_score_both(ss, r.text[i], r.len[i], &sent[2 * i], &sent[2 * i + 1], NULL, NULL);
			if (rc) {
				fprintf(stderr, "scrm train: sentiment: %s\n", strerror(-rc));
				goto out;
			}
			items[i].sentiment[SCRM_SENT_VADER] = &sent[2 * i];
			items[i].sentiment[SCRM_SENT_SCRM] = &sent[2 * i + 1];
		}
	}
	if (enc) { /* every text's encoding on every online core, before the epochs read them */
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		int rc = scrm_encoder_cache_fill(enc, enc_cache, (const char *const *)r.text, r.len, r.n,
						 cpus > 0 ? (unsigned)cpus : 1);
		if (rc) {
			fprintf(stderr, "scrm train: sentence encoder: %s\n", strerror(-rc));
			goto out;
		}
	}
	/* A device or a named pipe (-o /dev/stdout, a FIFO) is written in place and cannot be
	 * read back (opening a FIFO to read would wait for a second writer forever): the
	 * model is trained into a private file, checked from there, then copied to -o. */
	const char *model = out;
	char dst[PATH_MAX];
	if (scrm_out_path(out, dst, sizeof dst) == 0) {
		if (scrm_cli_tmpdir("scrm train", "train", tmpdir, sizeof tmpdir))
			goto out;
		snprintf(tmpmodel, sizeof tmpmodel, "%s/model", tmpdir);
		model = tmpmodel;
	}
	scrm_clf_config cfg = {
		.lexicon = lex, .topics = topics, .model_path = model, .features = features, .aux = aux,
		.n_aux = n_aux, .encoder = enc, .encoder_cache = enc_cache};
	double t0 = now_s();
	int rc = scrm_classifier_train(d, &cfg, items, r.gold, r.n, model, err, sizeof err);
	double secs = now_s() - t0;
	if (rc) {
		fprintf(stderr, "scrm train: %s\n", err[0] ? err : strerror(-rc));
		ret = rc == -EINVAL ? 2 : 1;
		goto out;
	}
	if ((rc = scrm_classifier_create(&inst, d, &cfg, err, sizeof err))) {
		fprintf(stderr, "scrm train: reading back %s: %s\n", model, err);
		goto out;
	}
	scrm_clf_out o[256];
	uint64_t correct = 0;
	for (size_t i = 0; i < r.n; i += 256) {
		size_t m = r.n - i < 256 ? r.n - i : 256;
		if ((rc = scrm_classifier_classify(inst, items + i, m, o, 0))) {
			fprintf(stderr, "scrm train: classify: %s\n", strerror(-rc));
			goto out;
		}
		for (size_t j = 0; j < m; j++)
			correct += o[j].label == r.gold[i + j];
	}
	struct stat st;
	long long size = stat(model, &st) == 0 ? (long long)st.st_size : -1LL;
	if (model != out && copy_model(model, out))
		goto out;
	/* with the model on standard output (-o /dev/stdout), the report goes to stderr */
	struct stat so;
	FILE *rep = stat(out, &st) == 0 && fstat(STDOUT_FILENO, &so) == 0 && st.st_dev == so.st_dev &&
			    st.st_ino == so.st_ino ? stderr : stdout;
	size_t nl;
	const char *const *labels = scrm_task_labels(task, &nl);
	fprintf(rep, "task %s, classifier %s: %zu rows of %s (text '%s', gold '%s'%s)", task_name, clf, r.n, data,
		text_col, label_col, r.numeric ? ", numeric: classes by sign" : "");
	if (r.skipped)
		fprintf(rep, "; %" PRIu64 " rows without a gold label skipped", r.skipped);
	fprintf(rep, "\nlabels:");
	for (size_t k = 0; k < nl; k++) {
		size_t cnt = 0;
		for (size_t i = 0; i < r.n; i++)
			cnt += r.gold[i] == k;
		fprintf(rep, "%s %s %zu", k ? "," : "", labels[k], cnt);
	}
	fprintf(rep,
		"\nlexicon %s\ntraining time %.3f s\ntraining accuracy %.4f (%" PRIu64 " of %zu; on the training rows)\n"
		"model %s (%lld bytes)\n",
		lexpath ? lexpath : "(none)", secs, (double)correct / (double)r.n, correct, r.n, out, size);
	ret = 0;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "scrm train: stdout: %s\n", strerror(errno));
		ret = 1;
	}
out:
	scrm_cli_input_free(&input);
	if (tmpdir[0]) {
		unlink(tmpmodel);
		rmdir(tmpdir);
	}
	scrm_classifier_free(inst);
	scrm_topics_scratch_free(ts);
	free(hits);
	scrm_topics_free(topics);
	scrm_rules_free(rules);
	free(items);
	free(sent);
	rows_free(&r);
	scrm_sent_free(ss);
	scrm_lexicon_free(lex);
	scrm_encoder_cache_free(enc_cache);
	scrm_encoder_free(enc);
	return ret;
}
