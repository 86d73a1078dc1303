/*
 * test_eval.c - `scrm eval` (classifiers/eval.c) on small TSV files written to a temp
 * dir, run in-process through scrm_eval_main() with stdout and stderr redirected to
 * files; the printed JSON numbers are checked against values computed by hand (the
 * arithmetic is in the comments). Also: errors (unknown label with file:line, missing
 * column, unknown task or classifier), the training paths (--train, --folds, --model)
 * through a test-only trainable classifier, and on the real sentiment140-test corpus
 * (skipped when ../shared/corpora is absent) vader's accuracy recomputed independently
 * from `scrm score --mode vader` with awk, through the built binary ($SCRM).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classifier.h"
#include "eval.h"
#include "metrics.h"
#include "testutil.h"

#define CORPORA "../shared/corpora/"
#define S140 CORPORA "sentiment140-test/dev.tweets.tsv"
#define LEXICON CORPORA "lexicons/vader/vader_lexicon.txt"

static char dir[64];
static char out_path[128], err_path[128], lex_path[128];
static char *out_text, *err_text;

static void path_in(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

static void put(const char *name, const char *text)
{
	char p[128];
	path_in(p, sizeof p, name);
	write_all(p, text, strlen(text));
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/scrm-test-eval-XXXXXX");
	cr_assert(mkdtemp(dir));
	path_in(out_path, sizeof out_path, "out.txt");
	path_in(err_path, sizeof err_path, "err.txt");
	path_in(lex_path, sizeof lex_path, "lex.txt");
	/* the reference lexicon's values for these two words */
	put("lex.txt", "good\t1.9\t0.9\t[2, 2]\nbad\t-2.5\t0.5\t[-3, -2]\n");
}

static void teardown(void)
{
	free(out_text);
	free(err_text);
	out_text = err_text = NULL;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(eval, .init = setup, .fini = teardown);

/* main_fn(argv) (scrm_eval_main, scrm_train_main) with stdout/stderr into
 * out.txt/err.txt, read back into out_text/err_text. argv ends with NULL; argv[0] is the
 * command's name. */
static int run_main(int (*main_fn)(int, char **), const char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	int so = dup(1), se = dup(2);
	int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
	dup2(fo, 1);
	dup2(fe, 2);
	close(fo);
	close(fe);
	int rc = main_fn(argc, (char **)argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	free(out_text);
	free(err_text);
	size_t n;
	out_text = read_file(out_path, &n);
	err_text = read_file(err_path, &n);
	cr_assert(out_text && err_text);
	return rc;
}

static int run(const char **argv)
{
	return run_main(scrm_eval_main, argv);
}

static int run_train(const char **argv)
{
	return run_main(scrm_train_main, argv);
}

/* The number after the last of keys[], each searched after the previous one in the JSON
 * (keys appear in print order, so {"\"vader\":", "\"per_class\":", "\"neutral\":",
 * "\"f1\":"} is vader's neutral F1). */
static double num(const char *json, const char *const *keys)
{
	const char *p = json;
	for (; *keys; keys++) {
		const char *q = strstr(p, *keys);
		cr_assert(q, "no %s after ...%.40s in %s", *keys, p, json);
		p = q + strlen(*keys);
	}
	char *end;
	double v = strtod(p, &end);
	cr_assert(end != p, "no number at %.40s", p);
	return v;
}

#define NUM(...) num(out_text, (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT(v, want) cr_assert(fabs((v) - (want)) < 1e-12, "%s = %.17g, want %.17g", #v, (double)(v), (double)(want))

/* Six labelled rows, one without a label (skipped), one with an extra field (used). With
 * the two-word lexicon vader predicts: "good..." positive, "bad..." negative, else neutral.
 *   line  text               gold       vader
 *   2     good day           positive   positive  ok
 *   3     bad day            negative   negative  ok
 *   4     meh                neutral    neutral   ok
 *   5     good grief         negative   positive
 *   6     meh again          positive   neutral
 *   7     bad again          NEGATIVE   negative  ok  (gold is case-insensitive; extra field)
 *   8     good but unlabeled (empty)    skipped
 * confusion (rows gold neg/neu/pos, columns predicted):
 *   neg [2 0 1], neu [0 1 0], pos [0 1 1]; correct 4 of 6 -> accuracy 2/3
 *   negative: P = 2/2 = 1,   R = 2/3, F1 = 2(2/3)/(5/3) = 0.8
 *   neutral:  P = 1/2,       R = 1/1, F1 = 2(0.5)/1.5 = 2/3
 *   positive: P = 1/2,       R = 1/2, F1 = 0.5
 *   macro F1 = (0.8 + 2/3 + 0.5)/3 = 59/90; macro R = (2/3 + 1 + 1/2)/3 = 13/18;
 *   macro P = (1 + 1/2 + 1/2)/3 = 2/3 */
static const char six_rows[] = "id\ttext\tlabel\n"
			       "1\tgood day\tpositive\n"
			       "2\tbad day\tnegative\n"
			       "3\tmeh\tneutral\n"
			       "4\tgood grief\tnegative\n"
			       "5\tmeh again\tpositive\n"
			       "6\tbad again\tNEGATIVE\textra\n"
			       "7\tgood but unlabeled\t\n";

Test(eval, hand_computed_metrics_in_json)
{
	put("d.tsv", six_rows);
	char data[128];
	path_in(data, sizeof data, "d.tsv");
	const char *argv[] = {"eval", "--task", "sentiment", "--data", data, "--classifier", "vader",
			      "--lexicon", lex_path, "--json", NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	cr_assert_eq(count_lines(out_text, strlen(out_text)), 1, "one JSON line: %s", out_text);
	EXPECT(NUM("\"rows\":"), 6);
	EXPECT(NUM("\"skipped_no_label\":"), 1);
	cr_assert(strstr(out_text, "\"gold\":\"categorical\""));
	cr_assert(strstr(out_text, "\"labels\":[\"negative\",\"neutral\",\"positive\"]"));
	cr_assert_null(strstr(out_text, "\"scrm\":{"), "only the classifier asked for");
	cr_assert_null(strstr(out_text, "pearson_r"), "no numeric gold");
	EXPECT(NUM("\"vader\":", "\"n\":"), 6);
	EXPECT(NUM("\"vader\":", "\"correct\":"), 4);
	EXPECT(NUM("\"vader\":", "\"accuracy\":"), 2.0 / 3);
	EXPECT(NUM("\"vader\":", "\"macro_f1\":"), 59.0 / 90);
	EXPECT(NUM("\"vader\":", "\"macro_recall\":"), 13.0 / 18);
	EXPECT(NUM("\"vader\":", "\"macro_precision\":"), 2.0 / 3);
	EXPECT(NUM("\"per_class\":", "\"negative\":", "\"precision\":"), 1.0);
	EXPECT(NUM("\"per_class\":", "\"negative\":", "\"recall\":"), 2.0 / 3);
	EXPECT(NUM("\"per_class\":", "\"negative\":", "\"f1\":"), 0.8);
	EXPECT(NUM("\"per_class\":", "\"negative\":", "\"support\":"), 3);
	EXPECT(NUM("\"per_class\":", "\"neutral\":", "\"precision\":"), 0.5);
	EXPECT(NUM("\"per_class\":", "\"neutral\":", "\"f1\":"), 2.0 / 3);
	EXPECT(NUM("\"per_class\":", "\"neutral\":", "\"predicted\":"), 2);
	EXPECT(NUM("\"per_class\":", "\"positive\":", "\"f1\":"), 0.5);
	EXPECT(NUM("\"per_class\":", "\"positive\":", "\"support\":"), 2);
	cr_assert(strstr(out_text, "\"confusion\":[[2,0,1],[0,1,0],[0,1,1]]"), "%s", out_text);
	cr_assert(NUM("\"records_per_s\":") > 0);
	cr_assert(strstr(out_text, "\"trained\":\"rule-based\""));
	cr_assert(strstr(err_text, "d.tsv:7: 4 fields, header has 3"), "extra field reported: %s", err_text);
}

Test(eval, text_report_side_by_side)
{
	put("d.tsv", six_rows);
	char data[128];
	path_in(data, sizeof data, "d.tsv");
	const char *argv[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	/* both registered sentiment classifiers, in one run, vader first */
	const char *head = strstr(out_text, "vader");
	cr_assert(head && strstr(head, "scrm"), "%s", out_text);
	cr_assert(strstr(out_text, "6 rows of"));
	cr_assert(strstr(out_text, "1 rows without a gold label skipped"));
	const char *acc = strstr(out_text, "\naccuracy");
	cr_assert(acc && strstr(acc, "0.6667"), "%s", out_text);
	cr_assert(strstr(out_text, "\nmacro-F1"));
	cr_assert(strstr(out_text, "\nmacro-recall"));
	cr_assert(strstr(out_text, "\nrecords/s"));
	cr_assert(strstr(out_text, "confusion vader (rows gold, columns predicted)"));
	cr_assert(strstr(out_text, "confusion scrm (rows gold, columns predicted)"));
	/* the per-class line of negative: support 3, vader P R F1 = 1.000 0.667 0.800 */
	cr_assert(strstr(out_text, "3  1.000  0.667  0.800"), "%s", out_text);
	cr_assert_null(strstr(out_text, "pearson"), "no numeric gold");

	const char *jargv[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--json", NULL};
	cr_assert_eq(run(jargv), 0);
	const char *v = strstr(out_text, "\"vader\":{"), *s = strstr(out_text, "\"scrm\":{");
	cr_assert(v && s && v < s, "%s", out_text);
}

/* Numeric gold (a mean rating, like the mean_rating of vader-tweets dev.groundtruth.tsv):
 *   text   gold   class (sign)  vader compound   predicted
 *   good    2.5   positive       0.4404          positive
 *   bad    -1.0   negative      -0.5423          negative
 *   meh     0     neutral        0               neutral
 *   good   -0.5   negative       0.4404          positive
 * accuracy 3/4. Pearson: mean x = 0.3385/4 = 0.084625, mean y = 1/4 = 0.25;
 * Sxy = 1.338475, Sxx = 0.6533480475, Syy = 7.25; r = Sxy / sqrt(Sxx Syy) = 0.61499128546 */
Test(eval, numeric_gold_gives_pearson_r)
{
	put("n.tsv", "id\ttext\tmean_rating\tlabel_sign3\n"
		     "1\tgood\t2.5\tpositive\n"
		     "2\tbad\t-1.0\tnegative\n"
		     "3\tmeh\t0\tneutral\n"
		     "4\tgood\t-0.5\tnegative\n");
	char data[128];
	path_in(data, sizeof data, "n.tsv");
	const char *argv[] = {"eval",     "--task",  "sentiment",     "--data", data, "--classifier", "vader",
			      "--lexicon", lex_path, "--label-col", "mean_rating", "--json", NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	cr_assert(strstr(out_text, "\"gold\":\"numeric\""), "%s", out_text);
	EXPECT(NUM("\"vader\":", "\"accuracy\":"), 0.75);
	double sxy = 1.338475, sxx = 0.6533480475, syy = 7.25;
	cr_assert(fabs(NUM("\"vader\":", "\"pearson_r\":") - sxy / sqrt(sxx * syy)) < 1e-9, "%s", out_text);
	cr_assert(strstr(out_text, "\"confusion\":[[1,0,1],[0,1,0],[0,0,1]]"), "%s", out_text);

	/* --bootstrap with numeric gold: an interval of r around r, and the paired share */
	const char *argvb[] = {"eval",       "--task",     "sentiment",   "--data",      data,
			       "--classifier", "vader",    "--classifier", "scrm",        "--lexicon",
			       lex_path,     "--label-col", "mean_rating", "--bootstrap", "200",
			       "--json",     NULL};
	cr_assert_eq(run(argvb), 0, "%s", err_text);
	double rv = NUM("\"vader\":", "\"pearson_r\":");
	double lo = NUM("\"vader\":", "\"pearson_r_ci95\":["), hi = NUM("\"vader\":", "\"pearson_r_ci95\":[", ",");
	cr_assert(lo <= rv && rv <= hi && lo >= -1 && hi <= 1, "r %g in [%g, %g]", rv, lo, hi);
	double sh = NUM("\"vader\":", "\"pearson_r_higher_than\":{\"scrm\":");
	cr_assert(sh >= 0 && sh <= 1);

	/* gold without variance: r is undefined, and so is its bootstrap interval (it was
	 * [0,0]: the undefined resamples counted as r = 0) */
	put("c.tsv", "id\ttext\tr\n1\tgood\t1\n2\tbad\t1\n3\tmeh\t1\n");
	char cdata[128];
	path_in(cdata, sizeof cdata, "c.tsv");
	const char *argvc[] = {"eval",	      "--task",	   "sentiment", "--data",      cdata, "--classifier",
			       "vader",	      "--classifier", "scrm",	   "--lexicon",   lex_path, "--label-col",
			       "r",	      "--bootstrap", "100",	   "--json",	  NULL};
	cr_assert_eq(run(argvc), 0, "%s", err_text);
	cr_assert(strstr(out_text, "\"pearson_r\":null"), "%s", out_text);
	cr_assert(strstr(out_text, "\"pearson_r_ci95\":null"), "%s", out_text);
	cr_assert(strstr(out_text, "\"pearson_r_higher_than\":{\"scrm\":null}"), "%s", out_text);
	cr_assert_eq(run((const char *[]){"eval", "--task", "sentiment", "--data", cdata, "--classifier", "vader",
					  "--lexicon", lex_path, "--label-col", "r", "--bootstrap", "100", NULL}),
		     0, "%s", err_text);
	cr_assert(strstr(out_text, "pearson r 95% CI"), "%s", out_text);
	cr_assert_null(strstr(out_text, "0.000..0.000"), "%s", out_text);

	/* the same file by its categorical column: no Pearson r */
	const char *argv2[] = {"eval",     "--task",  "sentiment",     "--data", data, "--classifier", "vader",
			       "--lexicon", lex_path, "--label-col", "label_sign3", "--json", NULL};
	cr_assert_eq(run(argv2), 0, "%s", err_text);
	cr_assert_null(strstr(out_text, "pearson_r"));
	EXPECT(NUM("\"vader\":", "\"accuracy\":"), 0.75);

	/* a word in a numeric column is an error with its line */
	put("m.tsv", "text\tlabel\ngood\t1.5\nbad\tnegative\n");
	path_in(data, sizeof data, "m.tsv");
	const char *argv3[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, NULL};
	cr_assert_eq(run(argv3), 2);
	cr_assert(strstr(err_text, "m.tsv:3: gold 'negative' in column 'label' is not a number"), "%s", err_text);
}

/* scrm train reads numeric sentiment gold as eval does (classes by sign), not as an unknown
 * label: 2.5 positive, -1.0 and -0.5 negative, 0 neutral, the empty one skipped. */
Test(eval, train_takes_numeric_gold_as_eval_does)
{
	put("n.tsv", "id\ttext\tmean_rating\n"
		     "1\tgood\t2.5\n"
		     "2\tbad\t-1.0\n"
		     "3\tmeh\t0\n"
		     "4\tgood\t-0.5\n"
		     "5\tok\t\n");
	char data[128], model[128];
	path_in(data, sizeof data, "n.tsv");
	path_in(model, sizeof model, "n.model");
	const char *argv[] = {"train", "--task", "sentiment", "--data", data, "--lexicon", lex_path,
			      "--label-col", "mean_rating", "-o", model, NULL};
	cr_assert_eq(run_train(argv), 0, "%s", err_text);
	cr_assert(strstr(out_text, "4 rows of"), "%s", out_text);
	cr_assert(strstr(out_text, "numeric: classes by sign"), "%s", out_text);
	cr_assert(strstr(out_text, "1 rows without a gold label skipped"), "%s", out_text);
	cr_assert(strstr(out_text, "labels: negative 2, neutral 1, positive 1"), "%s", out_text);
	/* a word in the numeric column: the same error as eval's, with its line */
	put("m.tsv", "text\tlabel\ngood\t1.5\nbad\tnegative\n");
	path_in(data, sizeof data, "m.tsv");
	const char *argv2[] = {"train", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "-o", model, NULL};
	cr_assert_eq(run_train(argv2), 2);
	cr_assert(strstr(err_text, "scrm train: "), "%s", err_text);
	cr_assert(strstr(err_text, "m.tsv:3: gold 'negative' in column 'label' is not a number"), "%s", err_text);
	/* a label the task lacks is still an error naming the line */
	put("u.tsv", "text\tlabel\ngood\tpositive\nbad\tpositve\n");
	path_in(data, sizeof data, "u.tsv");
	cr_assert_eq(run_train(argv2), 2);
	cr_assert(strstr(err_text, "u.tsv:3: unknown label 'positve' in column 'label' for task sentiment"), "%s",
		  err_text);
}

/* Rows with more or fewer fields than the header are reported by train as by eval (they
 * are used: extra fields ignored, missing ones empty), not silently cut. */
Test(eval, train_reports_misshapen_rows)
{
	put("s.tsv", "id\tlabel\ttext\n"
		     "1\tpositive\tgood\tday\n"
		     "2\tnegative\tbad\n"
		     "3\tneutral\n");
	char data[128], model[128];
	path_in(data, sizeof data, "s.tsv");
	path_in(model, sizeof model, "s.model");
	const char *argv[] = {"train", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "-o", model, NULL};
	cr_assert_eq(run_train(argv), 0, "%s", err_text);
	cr_assert(strstr(err_text, "scrm train: "), "%s", err_text);
	cr_assert(strstr(err_text, "s.tsv:2: 4 fields, header has 3 (extra ignored)"), "%s", err_text);
	cr_assert(strstr(err_text, "s.tsv:4: 2 fields, header has 3 (the missing ones read as empty)"), "%s", err_text);
	cr_assert(strstr(out_text, "3 rows of"), "%s", out_text);
	/* eval says the same of the same file */
	const char *e[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--classifier", "vader",
			   NULL};
	cr_assert_eq(run(e), 0, "%s", err_text);
	cr_assert(strstr(err_text, "s.tsv:2: 4 fields, header has 3 (extra ignored)"), "%s", err_text);
}

Test(eval, unknown_label_is_an_error_naming_file_and_line)
{
	put("u.tsv", "id\ttext\tlabel\n1\tgood\tpositive\n2\tbad\tnegative\n3\tgood\tpositve\n4\tbad\tnegative\n");
	char data[128];
	path_in(data, sizeof data, "u.tsv");
	const char *argv[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, NULL};
	cr_assert_eq(run(argv), 2);
	cr_assert(strstr(err_text, "u.tsv:4: unknown label 'positve' in column 'label' for task sentiment"), "%s",
		  err_text);
	cr_assert(strstr(err_text, "negative, neutral, positive"), "%s", err_text);
	cr_assert_str_eq(out_text, "", "no report on error");
}

Test(eval, missing_columns)
{
	put("c.tsv", "id\tbody\tlabel\n1\tgood\tpositive\n");
	char data[128];
	path_in(data, sizeof data, "c.tsv");
	const char *argv[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, NULL};
	cr_assert_eq(run(argv), 2);
	cr_assert(strstr(err_text, "no column 'text' (--text-col; columns: id body label)"), "%s", err_text);
	const char *argv2[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path,
			       "--text-col", "body", "--label-col", "gold", NULL};
	cr_assert_eq(run(argv2), 2);
	cr_assert(strstr(err_text, "no column 'gold' (--label-col"), "%s", err_text);
	const char *argv3[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path,
			       "--text-col", "body", "--json", NULL};
	cr_assert_eq(run(argv3), 0, "%s", err_text);
	EXPECT(NUM("\"vader\":", "\"accuracy\":"), 1.0);
}

Test(eval, usage_errors)
{
	put("d.tsv", six_rows);
	char data[128], missing[128];
	path_in(data, sizeof data, "d.tsv");
	path_in(missing, sizeof missing, "missing.tsv");
	const char *a1[] = {"eval", "--task", "mood", "--data", data, NULL};
	cr_assert_eq(run(a1), 2);
	cr_assert(strstr(err_text, "unknown task 'mood'"), "%s", err_text);
	const char *a2[] = {"eval", "--task", "sentiment", "--data", data, "--classifier", "bert", "--lexicon", lex_path, NULL};
	cr_assert_eq(run(a2), 2);
	cr_assert(strstr(err_text, "no classifier 'bert' for task sentiment (have: vader, scrm, linear, scrm-learned)"), "%s", err_text);
	const char *a3[] = {"eval", "--task", "intent", "--data", data, "--classifier", "bert", NULL};
	cr_assert_eq(run(a3), 2);
	cr_assert(strstr(err_text, "no classifier 'bert' for task intent (have: cues, linear)"), "%s", err_text);
	const char *a4[] = {"eval", "--data", data, NULL};
	cr_assert_eq(run(a4), 2);
	cr_assert(strstr(err_text, "--task is required"), "%s", err_text);
	const char *a5[] = {"eval", "--task", "sentiment", "--data", missing, "--lexicon", lex_path, NULL};
	cr_assert_eq(run(a5), 1, "an unreadable file is a runtime error");
	cr_assert(strstr(err_text, "missing.tsv: No such file"), "%s", err_text);
	const char *a6[] = {"eval", "--task", "sentiment", "--data", data, "--folds", "1", NULL};
	cr_assert_eq(run(a6), 2);
	const char *a7[] = {"eval", "--task", "sentiment", "--data", data, "--folds", "2", "--model", data, NULL};
	cr_assert_eq(run(a7), 2);
	cr_assert(strstr(err_text, "--model loads a trained model"), "%s", err_text);
	const char *a8[] = {"eval", "--list", NULL};
	cr_assert_eq(run(a8), 0);
	cr_assert(strstr(out_text, "sentiment (labels: negative, neutral, positive)"), "%s", out_text);
	cr_assert(strstr(out_text, "  vader "), "%s", out_text);
	cr_assert(strstr(out_text, "intent (labels: question"), "%s", out_text);
}

/* An output that names a file the command reads (the labelled data, a --train file, a
 * model, a lexicon) is refused with exit 2 before anything is written: the file is kept. A
 * device is written through and replaces nothing. */
Test(eval, outputs_onto_inputs_are_refused)
{
	put("d.tsv", six_rows);
	put("m.model", "not read: refused before\n");
	char data[128], model[128], dot[160];
	path_in(data, sizeof data, "d.tsv");
	path_in(model, sizeof model, "m.model");
	snprintf(dot, sizeof dot, "%s/./d.tsv", dir); /* another name for the same file */
	const char *t1[] = {"train", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "-o", dot, NULL};
	cr_assert_eq(run_train(t1), 2, "%s", err_text);
	cr_assert(strstr(err_text, "is also --data"), "%s", err_text);
	const char *t2[] = {"train", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "-o", lex_path, NULL};
	cr_assert_eq(run_train(t2), 2, "%s", err_text);
	cr_assert(strstr(err_text, "is also --lexicon"), "%s", err_text);
	char aux[160];
	snprintf(aux, sizeof aux, "a=%s", model);
	const char *t3[] = {"train", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--aux", aux,
			    "-o", model, NULL};
	cr_assert_eq(run_train(t3), 2, "%s", err_text);
	cr_assert(strstr(err_text, "is also --aux"), "%s", err_text);
	put("x.tsv", "text\nnot in d.tsv\n");
	char excl[128];
	path_in(excl, sizeof excl, "x.tsv");
	const char *t4[] = {"train", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--exclude", excl,
			    "-o", excl, NULL};
	cr_assert_eq(run_train(t4), 2, "%s", err_text);
	cr_assert(strstr(err_text, "is also --exclude"), "%s", err_text);
	const char *t5[] = {"train", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--exclude", excl,
			    "-o", model, NULL};
	cr_assert_eq(run_train(t5), 0, "%s", err_text); /* -o elsewhere: trained */

	const char *e1[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--classifier",
			    "vader", "--predictions", dot, NULL};
	cr_assert_eq(run(e1), 2, "%s", err_text);
	cr_assert(strstr(err_text, "--predictions"), "%s", err_text);
	cr_assert(strstr(err_text, "is also --data"), "%s", err_text);
	cr_assert_str_eq(out_text, "", "no report");
	const char *e2[] = {"eval", "--task", "sentiment", "--data", lex_path, "--lexicon", lex_path, "--text-col",
			    "x", "--train", data, "--classifier", "linear", "--predictions", data, NULL};
	cr_assert_eq(run(e2), 2, "%s", err_text);
	cr_assert(strstr(err_text, "is also --train"), "%s", err_text);
	const char *e3[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--classifier",
			    "linear", "--model", model, "--predictions", model, NULL};
	cr_assert_eq(run(e3), 2, "%s", err_text);
	cr_assert(strstr(err_text, "is also --model"), "%s", err_text);
	size_t n;
	char *kept = read_file(data, &n);
	cr_assert_str_eq(kept, six_rows, "the labelled data was replaced");
	free(kept);
	const char *e4[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--classifier",
			    "vader", "--predictions", "/dev/null", NULL};
	cr_assert_eq(run(e4), 0, "%s", err_text);
}

Test(eval, folds_with_only_rule_based_classifiers_is_a_note)
{
	put("d.tsv", six_rows);
	char data[128];
	path_in(data, sizeof data, "d.tsv");
	const char *argv[] = {"eval", "--task", "sentiment", "--data", data, "--classifier", "vader",
			      "--lexicon", lex_path, "--folds", "3", "--json", NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	cr_assert(strstr(err_text, "--folds: no trainable classifier for task sentiment among those selected (vader is "
				   "rule-based)"),
		  "%s", err_text);
	EXPECT(NUM("\"folds\":"), 3);
	EXPECT(NUM("\"vader\":", "\"accuracy\":"), 2.0 / 3);
	cr_assert(strstr(out_text, "\"trained\":\"rule-based\""));
}

/* ---- a trainable classifier (test only): predicts the majority gold label of its
 * training data (ties: the lower index), kept in a one-line model file. ---- */

static int maj_create(void **state, const scrm_clf_config *cfg, char *err, size_t errlen)
{
	FILE *fp = fopen(cfg->model_path, "r");
	if (!fp) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", cfg->model_path, strerror(e));
		return -e;
	}
	unsigned v;
	int ok = fscanf(fp, "majority %u", &v) == 1 && v < 2;
	fclose(fp);
	if (!ok) {
		snprintf(err, errlen, "%s: not a majority model", cfg->model_path);
		return -EBADMSG;
	}
	uint32_t *s = malloc(sizeof *s);
	if (!s)
		return -ENOMEM;
	*s = v;
	*state = s;
	return 0;
}

static void maj_free(void *state)
{
	free(state);
}

static int maj_classify(void *state, const scrm_clf_item *items, size_t n, scrm_clf_out *out, unsigned flags)
{
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].label = *(uint32_t *)state;
		out[i].confidence = 1;
	}
	return 0;
}

static int maj_train(const scrm_clf_config *cfg, const scrm_clf_item *items, const uint32_t *gold, size_t n,
		     const char *path, char *err, size_t errlen)
{
	size_t c[2] = {0};
	for (size_t i = 0; i < n; i++)
		c[gold[i]]++;
	FILE *fp = fopen(path, "w");
	if (!fp)
		return -errno;
	fprintf(fp, "majority %u\n", c[1] > c[0] ? 1u : 0u);
	return fclose(fp) ? -EIO : 0;
}

static const scrm_classifier_desc majority = {
	.task = SCRM_TASK_COMPLAINT,
	.name = "majority",
	.summary = "test only: the majority class of the training data",
	.flags = SCRM_CLF_NEEDS_MODEL,
	.create = maj_create,
	.free = maj_free,
	.classify = maj_classify,
	.train = maj_train,
};

/* TMPDIR for eval's model files: a dir of our own, to see that it is left empty. */
static void private_tmp(char *tmp, size_t cap)
{
	path_in(tmp, cap, "tmp");
	cr_assert_eq(mkdir(tmp, 0700), 0);
	setenv("TMPDIR", tmp, 1);
}

static void assert_empty_dir(const char *p)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", p);
	cr_assert_eq(system(cmd), 0, "%s is not empty: model files left behind", p);
}

/* Options the trained model cannot have are a usage error in eval's training as in
 * scrm train: 2^24 slots x 20 labels is more than the 2^28 cells a model may hold. */
Test(eval, training_option_errors_exit_2_as_in_train)
{
	char text[2048] = "id\ttext\tlabel\n";
	for (int i = 0; i < 40; i++) {
		size_t l = strlen(text);
		snprintf(text + l, sizeof text - l, "%d\tword%d text\tl%d\n", i, i % 20, i % 20);
	}
	put("l20.tsv", text);
	char data[128], tmp[128], model[128];
	path_in(data, sizeof data, "l20.tsv");
	path_in(model, sizeof model, "l20.model");
	private_tmp(tmp, sizeof tmp);
	const char *e[] = {"eval", "--task", "labels", "--data", data, "--lexicon", lex_path, "--folds", "2",
			   "--features=dim=24", NULL};
	cr_assert_eq(run(e), 2, "%s", err_text);
	cr_assert(strstr(err_text, "20 labels (2..1024, and 2^D x K <= 2^28)"), "%s", err_text);
	const char *e2[] = {"eval", "--task", "labels", "--data", data, "--lexicon", lex_path, "--train", data,
			    "--features=dim=24", NULL};
	cr_assert_eq(run(e2), 2, "%s", err_text);
	const char *t[] = {"train", "--task", "labels", "--data", data, "--lexicon", lex_path, "--features=dim=24",
			   "-o", model, NULL};
	cr_assert_eq(run_train(t), 2, "%s", err_text);
	assert_empty_dir(tmp);
}

/* --train: the train file's gold is yes, yes, no -> majority "yes"; the data's gold is
 * 1 0 0 1 0 (0/1 read as no/yes), every prediction is yes:
 *   accuracy 2/5; yes: P = 2/5, R = 2/2 = 1, F1 = 2(0.4)(1)/1.4 = 4/7;
 *   no: never predicted, P = 0 (zero division), R = 0/3 = 0, F1 = 0;
 *   macro F1 = (4/7 + 0)/2 = 2/7; macro R = (1 + 0)/2 = 0.5; macro P = 0.2 */
Test(eval, train_file_then_evaluate)
{
	cr_assert_eq(scrm_classifier_register(&majority), 0);
	put("train.tsv", "id\ttext\tcomplaint\n1\ta\tyes\n2\tb\tYES\n3\tc\tno\n");
	put("data.tsv", "id\ttext\tcomplaint\n1\ta\t1\n2\tb\t0\n3\tc\t0\n4\td\t1\n5\te\t0\n");
	char train[128], data[128], tmp[128];
	path_in(train, sizeof train, "train.tsv");
	path_in(data, sizeof data, "data.tsv");
	private_tmp(tmp, sizeof tmp);
	const char *argv[] = {"eval", "--task", "complaint", "--data", data, "--label-col", "complaint",
			      "--classifier", "majority", "--train", train, "--json", NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	cr_assert(strstr(out_text, "\"trained\":\"train-file\""), "%s", out_text);
	EXPECT(NUM("\"majority\":", "\"accuracy\":"), 0.4);
	EXPECT(NUM("\"majority\":", "\"macro_f1\":"), 2.0 / 7);
	EXPECT(NUM("\"majority\":", "\"macro_recall\":"), 0.5);
	EXPECT(NUM("\"majority\":", "\"macro_precision\":"), 0.2);
	EXPECT(NUM("\"per_class\":", "\"yes\":", "\"f1\":"), 4.0 / 7);
	EXPECT(NUM("\"per_class\":", "\"no\":", "\"precision\":"), 0);
	cr_assert(strstr(out_text, "\"confusion\":[[0,3],[0,2]]"), "%s", out_text);
	cr_assert(NUM("\"train_s\":") >= 0);
	assert_empty_dir(tmp);

	/* --model: a model file given as is (all "no": accuracy 3/5) */
	put("no.model", "majority 0\n");
	char model[128];
	path_in(model, sizeof model, "no.model");
	const char *argv2[] = {"eval", "--task", "complaint", "--data", data, "--label-col", "complaint",
			       "--classifier", "majority", "--model", model, "--json", NULL};
	cr_assert_eq(run(argv2), 0, "%s", err_text);
	cr_assert(strstr(out_text, "\"trained\":\"model\""), "%s", out_text);
	EXPECT(NUM("\"majority\":", "\"accuracy\":"), 0.6);

	/* a corrupt model is a clear error; no model at all too */
	put("bad.model", "minority 7\n");
	path_in(model, sizeof model, "bad.model");
	cr_assert_eq(run(argv2), 2);
	cr_assert(strstr(err_text, "bad.model: not a majority model"), "%s", err_text);
	const char *argv3[] = {"eval",	    "--task",	   "complaint", "--data", data, "--classifier",
			       "majority", "--label-col", "complaint", NULL};
	cr_assert_eq(run(argv3), 2);
	cr_assert(strstr(err_text, "needs a model file"), "%s", err_text);
	const char *argv4[] = {"eval", "--task", "complaint", "--data", data, "--label-col", "complaint",
			       "--classifier", "majority", "--model", model, "--train", train, NULL};
	cr_assert_eq(run(argv4), 2, "--model with --train");
}

/* --folds K: the expected pooled predictions come from the documented split rule
 * (scrm_kfold_of of the id) and the majority of the other folds, computed here. */
/* Field @col (0-based) of line @ln (0 = header) of a TSV text, into buf. */
static const char *tsv_cell(const char *text, int ln, int col, char *buf, size_t cap)
{
	const char *p = text;
	for (int i = 0; i < ln; i++) {
		p = strchr(p, '\n');
		cr_assert(p, "no line %d in %s", ln, text);
		p++;
	}
	for (int i = 0; i < col; i++) {
		const char *t = strchr(p, '\t'), *e = strchr(p, '\n');
		cr_assert(t && (!e || t < e), "no field %d on line %d of %s", col, ln, text);
		p = t + 1;
	}
	size_t n = strcspn(p, "\t\n");
	cr_assert_lt(n, cap);
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

/* --predictions: every evaluated row in file order, the skipped one left out, with the
 * gold, each classifier's label, confidence, score and explanation, and the text written
 * back with its escapes. vader with the two-word lexicon: "good day" has compound
 * 1.9 / sqrt(1.9^2 + 15) = 0.44043, rounded to 4 places as the reference does. */
Test(eval, predictions_file_lists_every_row)
{
	char text[512];
	snprintf(text, sizeof text, "%s8\tbad\\ttab\\\\n\tnegative\n", six_rows);
	put("d.tsv", text); /* six_rows, then line 9: "bad<TAB>tab\n" (escaped in the file) */
	char data[128], pred[128], b[128];
	path_in(data, sizeof data, "d.tsv");
	path_in(pred, sizeof pred, "pred.tsv");
	const char *argv[] = {"eval", "--task", "sentiment", "--data", data, "--classifier", "vader",
			      "--lexicon", lex_path, "--predictions", pred, "--json", NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	EXPECT(NUM("\"vader\":", "\"correct\":"), 5); /* the 6 rows above (4 right) + "bad..." */
	size_t n;
	char *p = read_file(pred, &n);
	cr_assert(p);
	cr_assert_eq(count_lines(p, n), 8, "header + 7 rows (line 8 has no gold): %s", p);
	cr_assert(!strncmp(p, "id\tline\tgold\tvader\tvader_confidence\tvader_score\tvader_why\ttext\n", 63), "%s", p);
	static const char *const want[][4] = {
		/* id, line, gold, predicted */
		{"1", "2", "positive", "positive"}, {"2", "3", "negative", "negative"},
		{"3", "4", "neutral", "neutral"},   {"4", "5", "negative", "positive"},
		{"5", "6", "positive", "neutral"},  {"6", "7", "negative", "negative"},
		{"8", "9", "negative", "negative"},
	};
	static const char *const texts[] = {"good day", "bad day", "meh", "good grief", "meh again", "bad again",
					    "bad\\ttab\\\\n"};
	for (int i = 0; i < 7; i++) {
		cr_assert_str_eq(tsv_cell(p, i + 1, 0, b, sizeof b), want[i][0], "row %d", i);
		cr_assert_str_eq(tsv_cell(p, i + 1, 1, b, sizeof b), want[i][1], "row %d", i);
		cr_assert_str_eq(tsv_cell(p, i + 1, 2, b, sizeof b), want[i][2], "row %d", i);
		cr_assert_str_eq(tsv_cell(p, i + 1, 3, b, sizeof b), want[i][3], "row %d", i);
		cr_assert_str_eq(tsv_cell(p, i + 1, 7, b, sizeof b), texts[i], "row %d", i);
	}
	cr_assert_str_eq(tsv_cell(p, 1, 5, b, sizeof b), "0.4404");
	cr_assert_str_eq(tsv_cell(p, 1, 6, b, sizeof b), "compound 0.4404: good +1.90");
	cr_assert_str_eq(tsv_cell(p, 3, 5, b, sizeof b), "0");
	double conf = strtod(tsv_cell(p, 1, 4, b, sizeof b), NULL);
	cr_assert(conf > 0 && conf <= 1, "confidence %s", b);
	free(p);
	/* an unwritable path is an I/O error, after the metrics were computed */
	path_in(pred, sizeof pred, "no/such/dir/pred.tsv");
	cr_assert_eq(run(argv), 1);
	cr_assert(strstr(err_text, "--predictions"), "%s", err_text);
}

/* --bootstrap: the JSON carries each classifier's 95% intervals (around its own value)
 * and the paired comparison; the text report prints them; a bad count is a usage error. */
Test(eval, bootstrap_intervals)
{
	put("d.tsv", six_rows);
	char data[128];
	path_in(data, sizeof data, "d.tsv");
	const char *argv[] = {"eval", "--task", "sentiment", "--data", data, "--classifier", "vader", "--classifier",
			      "scrm", "--lexicon", lex_path, "--bootstrap", "500", "--json", NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	EXPECT(NUM("\"bootstrap\":"), 500);
	double lo = NUM("\"vader\":", "\"accuracy_ci95\":["), hi = NUM("\"vader\":", "\"accuracy_ci95\":[", ",");
	cr_assert(lo >= 0 && lo <= 2.0 / 3 && hi >= 2.0 / 3 && hi <= 1 && lo < hi, "[%g, %g]", lo, hi);
	lo = NUM("\"vader\":", "\"macro_f1_ci95\":["), hi = NUM("\"vader\":", "\"macro_f1_ci95\":[", ",");
	cr_assert(lo <= 59.0 / 90 && hi >= 59.0 / 90, "[%g, %g]", lo, hi);
	double p = NUM("\"vader\":", "\"macro_f1_higher_than\":{\"scrm\":");
	cr_assert(p >= 0 && p <= 1);
	const char *text_argv[] = {"eval", "--task", "sentiment", "--data", data, "--classifier", "vader",
				   "--classifier", "scrm", "--lexicon", lex_path, "--bootstrap", "500", NULL};
	cr_assert_eq(run(text_argv), 0, "%s", err_text);
	cr_assert(strstr(out_text, "macro-F1 95% CI"), "%s", out_text);
	cr_assert(strstr(out_text, "bootstrap: 500 resamples of the 6 rows"), "%s", out_text);
	cr_assert(strstr(out_text, "macro-F1 of vader above scrm's in "), "%s", out_text);
	const char *bad[] = {"eval", "--task", "sentiment", "--data", data, "--bootstrap", "5", NULL};
	cr_assert_eq(run(bad), 2);
	cr_assert(strstr(err_text, "--bootstrap"), "%s", err_text);
}

/* --by COL: the metrics again over the rows of each value, in order of appearance.
 *   A: "good day" positive->positive, "bad day" negative->negative: accuracy 1, F1 1 and 1
 *   B: "meh" neutral->neutral, "good grief" negative->positive, "meh again"
 *      positive->neutral: accuracy 1/3; negative F1 0, neutral P 1/2 R 1 F1 2/3,
 *      positive F1 0: macro-F1 (0 + 2/3 + 0)/3 = 2/9 */
Test(eval, by_column_metrics_per_value)
{
	put("g.tsv", "id\ttext\tlabel\tsrc\n"
		     "1\tgood day\tpositive\tA\n"
		     "2\tmeh\tneutral\tB\n"
		     "3\tbad day\tnegative\tA\n"
		     "4\tgood grief\tnegative\tB\n"
		     "5\tmeh again\tpositive\tB\n");
	char data[128];
	path_in(data, sizeof data, "g.tsv");
	const char *argv[] = {"eval", "--task", "sentiment", "--data", data, "--classifier", "vader",
			      "--lexicon", lex_path, "--by", "src", "--json", NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	cr_assert(strstr(out_text, "\"by\":{\"column\":\"src\",\"groups\":[{\"value\":\"A\",\"n\":2,"), "%s",
		  out_text);
	EXPECT(NUM("\"value\":\"A\"", "\"accuracy\":"), 1.0);
	EXPECT(NUM("\"value\":\"A\"", "\"macro_f1\":"), 1.0);
	EXPECT(NUM("\"value\":\"B\"", "\"n\":"), 3);
	EXPECT(NUM("\"value\":\"B\"", "\"accuracy\":"), 1.0 / 3);
	EXPECT(NUM("\"value\":\"B\"", "\"macro_f1\":"), 2.0 / 9);
	const char *text_argv[] = {"eval", "--task", "sentiment", "--data", data, "--classifier", "vader",
				   "--lexicon", lex_path, "--by", "src", NULL};
	cr_assert_eq(run(text_argv), 0, "%s", err_text);
	cr_assert(strstr(out_text, "macro-F1 by 'src'"), "%s", out_text);
	cr_assert(strstr(out_text, "accuracy by 'src'"), "%s", out_text);
	const char *bad[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--by", "nope", NULL};
	cr_assert_eq(run(bad), 2);
	cr_assert(strstr(err_text, "no column 'nope' (--by)"), "%s", err_text);
	/* more than 64 values is a usage error naming the line */
	char many[8192] = "id\ttext\tlabel\tsrc\n";
	for (int i = 0; i < 70; i++) {
		size_t l = strlen(many);
		snprintf(many + l, sizeof many - l, "%d\tgood\tpositive\tv%d\n", i, i);
	}
	put("many.tsv", many);
	path_in(data, sizeof data, "many.tsv");
	const char *toomany[] = {"eval", "--task", "sentiment", "--data", data, "--lexicon", lex_path, "--by", "src", NULL};
	cr_assert_eq(run(toomany), 2);
	cr_assert(strstr(err_text, "many.tsv:66: column 'src' has more than 64 values"), "%s", err_text);
}

Test(eval, folds_pool_out_of_fold_predictions)
{
	cr_assert_eq(scrm_classifier_register(&majority), 0);
	static const char *const ids[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "a", "b"};
	static const int gold[] = {1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1};
	enum { N = 12, K = 3 };
	char text[1024] = "id\ttext\tcomplaint\n";
	for (int i = 0; i < N; i++) {
		size_t l = strlen(text);
		snprintf(text + l, sizeof text - l, "%s\tt%d\t%d\n", ids[i], i, gold[i]);
	}
	put("f.tsv", text);
	int pred[N], correct = 0, used[K] = {0};
	for (int f = 0; f < K; f++) {
		int c[2] = {0};
		for (int i = 0; i < N; i++)
			if (scrm_kfold_of(ids[i], 1, K) != (uint32_t)f)
				c[gold[i]]++;
		for (int i = 0; i < N; i++)
			if (scrm_kfold_of(ids[i], 1, K) == (uint32_t)f) {
				pred[i] = c[1] > c[0];
				used[f]++;
			}
	}
	for (int i = 0; i < N; i++)
		correct += pred[i] == gold[i];
	for (int f = 0; f < K; f++)
		cr_assert_lt(used[f], N, "a fold holding every row cannot train: pick other ids");
	/* rows sharing an id ("a", "b" twice) share a fold */
	cr_assert_eq(scrm_kfold_of("a", 1, K), scrm_kfold_of(ids[10], 1, K));

	char data[128], tmp[128];
	path_in(data, sizeof data, "f.tsv");
	private_tmp(tmp, sizeof tmp);
	char pred_path[128], cell[32];
	path_in(pred_path, sizeof pred_path, "pred.tsv");
	const char *argv[] = {"eval", "--task", "complaint", "--data", data, "--label-col", "complaint",
			      "--classifier", "majority", "--folds", "3", "--json", "--predictions", pred_path, NULL};
	cr_assert_eq(run(argv), 0, "%s", err_text);
	cr_assert(strstr(out_text, "\"trained\":\"folds\""), "%s", out_text);
	/* the predictions file holds each row's out-of-fold label */
	size_t plen, nl;
	char *pt = read_file(pred_path, &plen);
	const char *const *names = scrm_task_labels(SCRM_TASK_COMPLAINT, &nl);
	cr_assert(pt && nl == 2);
	cr_assert_eq(count_lines(pt, plen), N + 1);
	for (int i = 0; i < N; i++) {
		cr_assert_str_eq(tsv_cell(pt, i + 1, 0, cell, sizeof cell), ids[i]);
		cr_assert_str_eq(tsv_cell(pt, i + 1, 2, cell, sizeof cell), names[gold[i]]);
		cr_assert_str_eq(tsv_cell(pt, i + 1, 3, cell, sizeof cell), names[pred[i]], "row %d", i);
	}
	free(pt);
	EXPECT(NUM("\"folds\":"), 3);
	EXPECT(NUM("\"majority\":", "\"n\":"), N);
	EXPECT(NUM("\"majority\":", "\"correct\":"), correct);
	EXPECT(NUM("\"majority\":", "\"accuracy\":"), (double)correct / N);
	assert_empty_dir(tmp);
	/* the same split again: the same numbers (deterministic) */
	cr_assert_eq(run(argv), 0);
	EXPECT(NUM("\"majority\":", "\"correct\":"), correct);
}

/* Real data: vader's accuracy on sentiment140-test (dev) equals what awk computes from
 * `scrm score --mode vader` at the same cut, through the built binary. */
Test(eval, vader_on_sentiment140_matches_scrm_score)
{
	if (access(S140, R_OK) || access(LEXICON, R_OK)) {
		printf("skip: %s or %s absent (the corpora live in ../shared)\n", S140, LEXICON);
		cr_skip_test("corpora absent");
	}
	const char *scrm = getenv("SCRM") ? getenv("SCRM") : "build/scrm";
	if (access(scrm, X_OK)) {
		printf("skip: no scrm binary at %s (make; SCRM=path)\n", scrm);
		cr_skip_test("no binary");
	}
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' eval --task sentiment --data " S140 " --classifier vader --lexicon " LEXICON
				  " --json > '%s/eval.json'",
		 scrm, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof cmd, "'%s' score --mode vader --lexicon " LEXICON " " S140 " > '%s/score.tsv'", scrm,
		 dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	/* score.tsv has one line per input line (header included), in order: line i of one
	 * is line i of the other. Gold is column 3 (id, text, label, ...). */
	snprintf(cmd, sizeof cmd,
		 "awk -F'\\t' 'NR == FNR { if (FNR > 1) g[FNR] = $3; next }"
		 " FNR > 1 { c = $5 + 0; p = c >= 0.05 ? \"positive\" : c <= -0.05 ? \"negative\" : \"neutral\";"
		 " n++; if (p == g[FNR]) k++ } END { printf \"%%d %%d\\n\", k, n }' " S140 " '%s/score.tsv' > '%s/awk.txt'",
		 dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	char p[160];
	size_t len;
	snprintf(p, sizeof p, "%s/awk.txt", dir);
	char *awk = read_file(p, &len);
	int k = -1, n = -1;
	cr_assert_eq(sscanf(awk, "%d %d", &k, &n), 2, "%s", awk);
	free(awk);
	snprintf(p, sizeof p, "%s/eval.json", dir);
	free(out_text);
	out_text = read_file(p, &len);
	cr_assert_eq(n, 355, "SOURCES.md: 355 dev rows");
	EXPECT(NUM("\"rows\":"), n);
	EXPECT(NUM("\"vader\":", "\"correct\":"), k);
	EXPECT(NUM("\"vader\":", "\"accuracy\":"), (double)k / n);
	printf("sentiment140-test dev: vader %d of %d correct (accuracy %.4f), eval and scrm score+awk agree\n", k, n,
	       (double)k / n);
}
