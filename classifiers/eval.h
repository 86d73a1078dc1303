/*
 * eval.h - `scrm eval`: benchmark classifiers on a labelled TSV (eval.c documents the
 * command, its output and its JSON); and `scrm train`, which writes the model files that
 * `scrm eval --model` and the pipeline load (train.c documents it).
 */
#ifndef SCRM_EVAL_H
#define SCRM_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "classifier.h"

/*
 * scrm_eval_main() - argv[0] is "eval". Prints the report (text, or one JSON object
 * with --json) on stdout, diagnostics on stderr. Uses getopt (resets it first).
 * Return: 0; 1 on an I/O or runtime error (unreadable file, a classifier failing);
 * 2 on a usage error, an unknown task or classifier, a missing column, a gold label the
 * task does not have, or an unloadable lexicon, rules or model.
 */
int scrm_eval_main(int argc, char **argv);

/*
 * scrm_train_main() - argv[0] is "train". Trains a classifier on a labelled TSV and
 * writes its model file; a summary on stdout, diagnostics on stderr.
 * Return: 0; 1 on an I/O or runtime error (unreadable data, unwritable model); 2 on a
 * usage error, an unknown task or classifier, a rule-based classifier, a missing column,
 * a gold label the task does not have, or an unloadable lexicon.
 */
int scrm_train_main(int argc, char **argv);

/*
 * How scrm eval and scrm train read the gold column: the task's label names
 * (scrm_task_label_parse()); for sentiment the gold may instead be numeric (a mean
 * rating): the file's first non-empty gold value decides, and a numeric column's values
 * are classed by sign as SOURCES.md derives label_sign3 (> 0 positive, < 0 negative, 0
 * neutral). One per file: set the first four fields, the rest zero.
 */
typedef struct scrm_gold_reader {
	const char *prog, *path, *col; /* for the messages: "PROG: PATH:LINE: ... column 'COL'" */
	scrm_task task;
	int decided, numeric;          /* the column has been looked at; it holds numbers */
	uint64_t first_line;           /* the line that decided */
} scrm_gold_reader;

/*
 * scrm_gold_read() - the label index of the non-empty gold value @g (@len bytes,
 * NUL-terminated) on line @line; in a numeric column its number goes into *@num.
 * Return: the label, or -1 after saying why on stderr (exit 2: a value that is no label of
 * the task, or no number in a numeric column).
 */
int scrm_gold_read(scrm_gold_reader *gr, const char *g, size_t len, uint64_t line, double *num);

/*
 * A TSV input of scrm train / scrm eval, which may be read twice at start-up: task
 * `labels` takes its label set from the file (scrm_task_labels_from_tsv()) before the
 * rows are loaded. A regular file is opened again; a pipe or a device (`--data <(cmd)`)
 * cannot be read again, so the first read keeps its bytes here and the second reads
 * them from memory. Zero-initialize with .path set; free with scrm_cli_input_free().
 */
typedef struct scrm_cli_input {
	const char *path;
	char *kept;       /* a non-regular input's bytes (NULL: none kept), kept_len of them */
	size_t kept_len;
} scrm_cli_input;

/*
 * scrm_cli_input_open() - a stream over @in's bytes: the kept ones if any, else @in->path
 * opened (scrm_fopen_input()); with @again (another read will follow), a pipe's or a
 * device's bytes are first read whole into @in. Return: the stream (fclose() it), or NULL
 * with errno set.
 */
FILE *scrm_cli_input_open(scrm_cli_input *in, int again);

/* Free @in's kept bytes (a later open reads @in->path again); NULL is ignored. */
void scrm_cli_input_free(scrm_cli_input *in);

/*
 * scrm_task_labels_from_tsv() - the label set of task `labels` (classifier.h): the
 * distinct non-empty values (spaces trimmed) of column @label_col in the TSV inputs
 * @ins[0..npaths) (opened with scrm_cli_input_open(..., 1): a pipe stays readable for the
 * rows), sorted by bytes, given to scrm_task_set_labels(). Start-up only.
 * Return: 0, or an exit code (1 I/O, 2 bad data: a missing column, fewer than 2 or more
 * than SCRM_TASK_MAX_LABELS labels) after printing why, prefixed with @prog.
 */
int scrm_task_labels_from_tsv(const char *prog, scrm_cli_input *ins, size_t npaths, const char *label_col);

/*
 * scrm_cli_aux_add() - one `--aux NAME=MODEL` option of scrm train / scrm eval: check
 * @spec (scrm_clf_aux_spec_check()) and append it to @list (room for
 * SCRM_LINEAR_MAX_AUX, *@n used). Return: 0, or 2 (the usage exit code) after printing
 * why, prefixed with @prog.
 */
int scrm_cli_aux_add(const char *prog, const char **list, unsigned *n, const char *spec);

/*
 * scrm_cli_output_clash() - whether output @out (given with option @opt, e.g. "-o") names
 * one of the files the command reads, @in[0..n) (NULL entries skipped; @in_opt[i] is the
 * option that named it, e.g. "--data"): writing the output would then replace that input.
 * A device or a named pipe (/dev/stdout) is written through and replaces nothing. (An
 * --aux "NAME=MODEL" is passed as its MODEL.) Start-up only.
 * Return: 1 after saying so on stderr (prefixed with @prog; the caller exits 2), else 0.
 */
int scrm_cli_output_clash(const char *prog, const char *opt, const char *out, const char *const *in,
			  const char *const *in_opt, size_t n);

/* scrm_cli_tmpdir() - a private directory $TMPDIR/scrm-@what-XXXXXX (else under /tmp) into
 * @dir[cap] for the files a command writes aside; -1 after saying why on stderr (prefixed
 * with @prog), @dir then empty. The caller removes what it put there, then the directory. */
int scrm_cli_tmpdir(const char *prog, const char *what, char *dir, size_t cap);

#endif
