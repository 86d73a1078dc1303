/*
 * score.c - `scrm score`: sentiment of every row of a TSV file (or of every line of a
 * plain text file), in input order.
 *
 *   scrm score [--mode vader|scrm] [--lexicon F] [--emoji-lexicon F]
 *              [--text-col NAME] [--id-col NAME] [--plain] [FILE|-]
 *
 * Input: a TSV in the corpora format (tsv.h) whose header has the text column (default
 * "text"); ids come from the id column (default "id") or, without one, the line number.
 * A file whose first line has no "text" column is read as plain text: every line (the
 * first too, after a leading byte-order mark) is one text, as written (no TSV escapes),
 * the id is its line number (--plain forces this even when the first line looks like a
 * header); a column named with --text-col or --id-col that the header lacks is an error.
 * Output on stdout:
 *   id<TAB>neg<TAB>neu<TAB>pos<TAB>compound
 * with a header line, numbers printed as Python prints floats (shortest repr: "0.0",
 * "0.344"), so the output of --mode vader compares byte for byte with the reference
 * implementation's. Rows with more fields than the header are scored (extra fields
 * ignored) and reported on stderr with their line number; nothing is skipped.
 * Exit: 0; 1 on an I/O error; 2 on a usage error or an unloadable lexicon.
 */
#include "buf.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lexicon.h"
#include "score.h"
#include "sentiment.h"
#include "tsv.h"
#include "utf8.h"




static void usage(FILE *fp)
{
	fputs("usage: scrm score [--mode vader|scrm] [--lexicon FILE] [--emoji-lexicon FILE]\n"
	      "                  [--text-col NAME] [--id-col NAME] [--plain] [FILE|-]\n"
	      "\n"
	      "Score the sentiment of every row of a TSV (header line; the text column, default\n"
	      "'text') or of every line of a plain text file; write TSV id, neg, neu, pos, compound\n"
	      "in input order. --mode: scrm (default) or vader (the reference algorithm, exact).\n"
	      "Lexicon: --lexicon, else $SCRM_LEXICON, else " SCRM_LEXICON_DEFAULT "\n"
	      "(scripts/fetch-lexicons.sh fetches it).\n",
	      fp);
}

/* A float as Python's repr() prints it: the shortest string that reads back the same. */
static void put_pyfloat(FILE *fp, double v)
{
	char b[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(b, sizeof b, "%.*g", prec, v);
		if (strtod(b, NULL) == v)
			break;
	}
	if (strcmp(b, "-0") == 0)
		memcpy(b, "-0.0", 5);
	fputs(b, fp);
	if (!strpbrk(b, ".eEn"))
		fputs(".0", fp);
}

/* One output line. Returns 0, or -errno of a failed write (the stream's error flag is
 * looked at once, after the line: errno is then still the failed write's). */
static int emit(FILE *out, const char *id, size_t idlen, const scrm_sentiment *s)
{
	(void)scrm_tsv_write_escaped(out, id, idlen);
	fputc('\t', out);
	put_pyfloat(out, s->neg);
	fputc('\t', out);
	put_pyfloat(out, s->neu);
	fputc('\t', out);
	put_pyfloat(out, s->pos);
	fputc('\t', out);
	put_pyfloat(out, s->compound);
	fputc('\n', out);
	return ferror(out) ? -(errno ? errno : EIO) : 0;
}

enum { OPT_MODE = 256, OPT_LEX, OPT_EMOJI, OPT_TEXTCOL, OPT_IDCOL, OPT_PLAIN, OPT_HELP };

int scrm_score_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"mode", required_argument, 0, OPT_MODE},
		{"lexicon", required_argument, 0, OPT_LEX},
		{"emoji-lexicon", required_argument, 0, OPT_EMOJI},
		{"text-col", required_argument, 0, OPT_TEXTCOL},
		{"id-col", required_argument, 0, OPT_IDCOL},
		{"plain", no_argument, 0, OPT_PLAIN},
		{"help", no_argument, 0, OPT_HELP},
		{0, 0, 0, 0},
	};
	scrm_sent_mode mode = SCRM_SENT_SCRM;
	const char *lex_path = NULL, *emoji_path = NULL, *text_col = "text", *id_col = "id";
	int plain = 0, named_text = 0, named_id = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_MODE:
			if (scrm_sent_mode_parse(optarg, &mode)) {
				fprintf(stderr, "scrm score: invalid value for --mode: '%s' (vader or scrm)\n", optarg);
				return 2;
			}
			break;
		case OPT_LEX: lex_path = optarg; break;
		case OPT_EMOJI: emoji_path = optarg; break;
		case OPT_TEXTCOL: text_col = optarg; named_text = 1; break;
		case OPT_IDCOL: id_col = optarg; named_id = 1; break;
		case OPT_PLAIN: plain = 1; break;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	const char *in_path = optind < argc ? argv[optind] : "-";
	char err[512];
	if (!(lex_path = scrm_lexicon_path(lex_path, err, sizeof err))) {
		fprintf(stderr, "scrm score: %s\n", err);
		return 2;
	}
	scrm_lexicon *lex = NULL;
	if (scrm_lexicon_load(&lex, lex_path, emoji_path, err, sizeof err)) {
		fprintf(stderr, "scrm score: %s\n", err);
		return 2;
	}
	int rc = 2;
	scrm_sent *s = NULL;
	scrm_tsv *t = NULL;
	char *line = NULL;
	size_t cap = 0;
	FILE *in = strcmp(in_path, "-") ? scrm_fopen_input(in_path) : stdin;
	if (!in) {
		fprintf(stderr, "scrm score: %s: %s\n", in_path, strerror(errno));
		rc = 1; /* unreadable input */
		goto out;
	}
	if (!(s = scrm_sent_create(lex))) {
		fprintf(stderr, "scrm score: %s\n", strerror(ENOMEM));
		rc = 1;
		goto out;
	}
	/* A TSV names the text column in its first line; anything else is plain text. */
	ssize_t n = getline(&line, &cap, in);
	long tcol = -1, icol = -1;
	if (n >= 0 && !plain) {
		size_t hl = (size_t)n - (n > 0 && line[n - 1] == '\n');
		int hrc = scrm_tsv_open_header(&t, in, line, hl);
		if (hrc) {
			fprintf(stderr, "scrm score: %s: %s\n", in_path, strerror(-hrc));
			rc = 1;
			goto out;
		}
		const char *used[] = {text_col, id_col}, *dup;
		if ((dup = scrm_tsv_ambiguous(t, used, 2))) {
			fprintf(stderr, "scrm score: %s: the header names column '%s' more than once\n", in_path, dup);
			rc = 2;
			goto out;
		}
		tcol = scrm_tsv_col(t, text_col);
		icol = scrm_tsv_col(t, id_col);
		/* Only the default 'text' falls back to plain text: a column the user named
		 * and the file lacks is a mistake to report, not a format to guess; and a
		 * header that holds the --id-col named is a TSV's, so it needs its text column. */
		const char *missing = named_text && tcol < 0 ? text_col
				      : named_id && icol < 0 ? id_col
				      : named_id && tcol < 0 ? text_col
							     : NULL;
		if (missing) {
			fprintf(stderr, "scrm score: %s: no column '%s' (columns:", in_path, missing);
			scrm_tsv_print_columns(stderr, t);
			fputs(")\n", stderr);
			rc = 2;
			goto out;
		}
	}
	fputs("id\tneg\tneu\tpos\tcompound\n", stdout);
	uint64_t lineno = 0, warned = 0;
	char num[24];
	scrm_sentiment sv;
	int src = 0, orc = 0; /* scoring, output */
	if (tcol < 0) {
		/* Plain text: every line (the first one too) is one text, its id the line number. */
		for (; n >= 0 && !src && !orc; n = getline(&line, &cap, in)) {
			size_t len = (size_t)n;
			if (len && line[len - 1] == '\n')
				len--;
			if (len && line[len - 1] == '\r')
				len--;
			/* the byte-order mark a Windows editor puts first is not part of the text */
			size_t bom = lineno == 0 ? scrm_utf8_bom(line, len) : 0;
			int idlen = snprintf(num, sizeof num, "%" PRIu64, ++lineno);
			src = scrm_sent_score(s, mode, line + bom, len - bom, &sv, NULL);
			if (!src)
				orc = emit(stdout, num, (size_t)idlen, &sv);
		}
	} else {
		int trc = 0;
		while (!src && !orc && (trc = scrm_tsv_next(t)) == 1) {
			size_t len, idlen;
			const char *text = scrm_tsv_field(t, (size_t)tcol, &len), *id;
			scrm_tsv_warn_shape(t, "scrm score", in_path, &warned);
			if (icol >= 0) {
				id = scrm_tsv_field(t, (size_t)icol, &idlen);
			} else {
				idlen = (size_t)snprintf(num, sizeof num, "%" PRIu64, scrm_tsv_line(t));
				id = num;
			}
			src = scrm_sent_score(s, mode, text, len, &sv, NULL);
			if (!src)
				orc = emit(stdout, id, idlen, &sv);
		}
		if (!src && !orc && trc < 0)
			src = trc;
	}
	if (orc) { /* the output's error, not the input's: /dev/full says ENOSPC */
		fprintf(stderr, "scrm score: stdout: %s\n", strerror(-orc));
		rc = 1;
		goto out;
	}
	if (src || ferror(in)) {
		fprintf(stderr, "scrm score: %s: %s\n", in_path, strerror(src ? -src : EIO));
		rc = 1;
		goto out;
	}
	rc = fflush(stdout) ? 1 : 0;
	if (rc)
		fprintf(stderr, "scrm score: stdout: %s\n", strerror(errno));
out:
	free(line);
	scrm_tsv_free(t);
	if (in && in != stdin)
		fclose(in);
	scrm_sent_free(s);
	scrm_lexicon_free(lex);
	return rc;
}
