/*
 * encode.c - `scrm encode`: the sentence encoder from the command line.
 *
 *   scrm encode --encoder FILE [--tokens] [FILE|-]
 *   scrm encode --encoder FILE --check
 *
 * Every line of the input (a plain text file: one text per line, as written, no escapes;
 * a final line without a newline counts) is one text. Output on stdout, one line per input
 * line, in input order:
 *   line<TAB>v0<TAB>...<TAB>v511     the 512-d unit vector (%.7g)
 *   line<TAB>id id id ...            with --tokens: the SentencePiece ids it is read as
 * --check loads the file and prints its digest (what models trained with it record).
 * Exit: 0; 1 on an I/O error; 2 on a usage error or an unloadable encoder file.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "encode.h"
#include "encoder.h"

static void usage(FILE *fp)
{
	fputs("usage: scrm encode --encoder FILE [--tokens] [FILE|-]\n"
	      "       scrm encode --encoder FILE --check\n"
	      "\n"
	      "The sentence encoder's 512-d output (or with --tokens its SentencePiece ids) for\n"
	      "every line of a text file, as TSV: line number, then the values, in input order.\n"
	      "--check: load FILE and print its digest. scripts/fetch-encoder.sh makes the file.\n",
	      fp);
}

int scrm_encode_main(int argc, char **argv)
{
	enum { OPT_ENCODER = 256, OPT_TOKENS, OPT_CHECK, OPT_HELP };
	static const struct option opts[] = {
		{"encoder", required_argument, 0, OPT_ENCODER},
		{"tokens", no_argument, 0, OPT_TOKENS},
		{"check", no_argument, 0, OPT_CHECK},
		{"help", no_argument, 0, OPT_HELP},
		{0, 0, 0, 0},
	};
	const char *path = NULL;
	int tokens = 0, check = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ENCODER: path = optarg; break;
		case OPT_TOKENS: tokens = 1; break;
		case OPT_CHECK: check = 1; break;
		case OPT_HELP:
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind + 1 < argc || (check && optind < argc)) {
		usage(stderr);
		return 2;
	}
	char err[512];
	scrm_encoder *e = NULL;
	if (scrm_encoder_load(&e, path, err, sizeof err)) {
		fprintf(stderr, "scrm encode: %s\n", err);
		return 2;
	}
	if (check) {
		printf("encoder %s: digest %016" PRIx64 "\n", path, scrm_encoder_digest(e));
		scrm_encoder_free(e);
		return 0;
	}
	const char *in = optind < argc ? argv[optind] : "-";
	FILE *fp = strcmp(in, "-") == 0 ? stdin : fopen(in, "r");
	if (!fp) {
		fprintf(stderr, "scrm encode: %s: %s\n", in, strerror(errno));
		scrm_encoder_free(e);
		return 1;
	}
	scrm_encoder_ws *w = scrm_encoder_ws_create();
	int ret = w ? 0 : 1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	float v[SCRM_ENCODER_DIM];
	uint32_t ids[SCRM_ENCODER_MAX_PIECES];
	for (uint64_t ln = 1; w && (n = getline(&line, &cap, fp)) >= 0; ln++) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		printf("%" PRIu64, ln);
		if (tokens) {
			size_t k = scrm_encoder_tokenize(e, w, line, (size_t)n, ids, SCRM_ENCODER_MAX_PIECES);
			for (size_t i = 0; i < k && i < SCRM_ENCODER_MAX_PIECES; i++)
				printf("%c%u", i ? ' ' : '\t', ids[i]);
			if (k == 0)
				putchar('\t');
		} else {
			scrm_encoder_embed(e, w, line, (size_t)n, v);
			for (int i = 0; i < SCRM_ENCODER_DIM; i++)
				printf("\t%.7g", (double)v[i]);
		}
		putchar('\n');
	}
	if (ferror(fp)) {
		fprintf(stderr, "scrm encode: %s: read error\n", in);
		ret = 1;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "scrm encode: write error\n");
		ret = 1;
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	scrm_encoder_ws_free(w);
	scrm_encoder_free(e);
	return ret;
}
