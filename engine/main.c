/*
 * main.c - the scrm command line: one binary, subcommands.
 *
 * Exit codes: 0 success (rejected lines are not failures), 1 runtime error (unreadable
 * input, unwritable output, full disk), 2 usage error, 128+N after a signal N stopped
 * the run (in-flight batches are drained and outputs flushed first).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval.h"
#include "gen.h"
#include "ilog.h"
#include "lexicon.h"
#include "rules.h"
#include "classifier.h"
#include "clf_cues.h"
#include "customers.h"
#include "encode.h"
#include "encoder.h"
#include "route.h"
#include "score.h"
#include "sentiment.h"
#include "topics.h"
#include "normalize.h"
#include "buf.h"
#include "pipeline.h"

#ifndef SCRM_VERSION
#define SCRM_VERSION "0.1.0"
#endif

/* The channels of the canonical schema whose messages only the company receives: what is
 * said there is addressed to it (for the cues rules, as an @mention is on X). */
#define SCRM_DIRECT_DEFAULT "email,chat,phone,sms,whatsapp,messenger,review"

static volatile sig_atomic_t g_stop; /* set by the signal handler only */
static volatile sig_atomic_t g_reload; /* SIGHUP: reload the CRM export */

static void on_hup(int sig)
{
	(void)sig;
	g_reload = 1;
}

/* --follow: a file not there yet is waited for (a service that has not started writing
 * it), as tail -F does. 0 once it is there (or cannot be looked at: the open says why),
 * -1 if a signal stopped the wait. */
static int wait_to_appear(const char *path, int stop_fd)
{
	struct stat sb;
	bool said = false;
	while (stat(path, &sb) < 0 && errno == ENOENT) {
		if (!said) {
			fprintf(stderr, "scrm: %s: not there yet; waiting for it (--follow)\n", path);
			said = true;
		}
		if (g_stop)
			return -1;
		struct pollfd p = {.fd = stop_fd, .events = POLLIN};
		(void)poll(&p, stop_fd >= 0 ? 1 : 0, 250);
	}
	return 0;
}

/* The pipeline's customers_reload: the export given by --customers, loaded again. */
static scrm_customers *reload_customers_file(void *ctx)
{
	const char *path = ctx;
	char err[4096];
	scrm_customers *c = NULL;
	if (scrm_customers_load(&c, path, err, sizeof err)) {
		fprintf(stderr, "scrm: SIGHUP: %s%skeeping the customers loaded before\n", err,
			err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
		return NULL;
	}
	fprintf(stderr, "scrm: SIGHUP: reloaded %zu customers from %s\n", scrm_customers_count(c), path);
	return c;
}
static int g_stop_pipe[2] = {-1, -1};  /* written by the handler: wakes a blocked reader */
/* Which of stdin, stdout and stderr the process was started without (bit fd). */
static unsigned g_closed_std;

static void on_signal(int sig)
{
	g_stop = sig;
	if (g_stop_pipe[1] >= 0) {
		int saved = errno;
		ssize_t w = write(g_stop_pipe[1], "x", 1);
		(void)w;
		errno = saved;
	}
}

static void usage(FILE *fp)
{
	fputs("usage: scrm <command> [options]\n"
	      "\n"
	      "commands:\n"
	      "  run [options] [INPUT...]       process inputs (NDJSON or .zst; '-' or none: stdin)\n"
	      "  replay [options] ARCHIVE...    replay archives at recorded pace (--speed X|max)\n"
	      "  gen --count N --seed S ...     write a synthetic firehose (scrm gen --help)\n"
	      "  check RULES [--sample FILE]    validate a rules file: errors with file:line:col;\n"
	      "                                 with a sample, what the scan costs and the regexes' part\n"
	      "  score [options] [FILE]         sentiment of each row of a TSV or line of text\n"
	      "  eval --task T --data FILE.tsv  benchmark classifiers on labelled data (scrm eval --help)\n"
	      "  train --task T --data F -o M   train a classifier's model file (scrm train --help)\n"
	      "  encode --encoder F [FILE]      the sentence encoder's vectors of each line (--tokens, --check)\n"
	      "  log verify|dump DIR            check or export an interaction log (--log of run)\n"
	      "  history [--log DIR] [--customers F] [--channel CH] [--json] WHO\n"
	      "                                 a customer's interactions: c:ID, @handle, e-mail, p:HASH\n"
	      "  version                        print the version\n"
	      "\n"
	      "run / replay options:\n"
	      "  -o, --out DIR          one zstd NDJSON file per route in DIR, plus DIR/rejects.ndjson\n"
	      "                         (default: events as NDJSON on stdout, rejects on stderr)\n"
	      "  -j, --jobs N           analyze workers (default: online cores)\n"
	      "  -p, --partition-threads N  relate/act threads (default: ceil(N/4))\n"
	      "      --format F         auto|scrm|twitter-v1|twitter-v2|reddit (default auto, per record),\n"
	      "                         or csv: every input is CSV (else only those named *.csv)\n"
	      "      --csv-columns LIST CSV header names given a field: \"Ticket ID=id,Requester=handle,\n"
	      "                         Note=-\" (- ignores the column; README lists the fields;\n"
	      "                         also `set csv-columns` in the rules file)\n"
	      "      --csv-channel NAME the channel of CSV rows without one (an export of one channel;\n"
	      "                         also `set csv-channel`)\n"
	      "      --max-record SIZE  longest accepted line (default 1M)\n"
	      "      --chunk-size SIZE  target bytes per batch (default 512K)\n"
	      "      --zstd-level L     compression level of route files (default 1; negative = faster)\n"
	      "      --rejects FILE     where quarantined lines go\n"
	      "      --no-uring         no io_uring: read files with read(2), sync the log one partition at a time\n"
	      "      --stats[=SECS]     a stats line on stderr every SECS seconds (default 1)\n"
	      "      --stats-json FILE  write the final statistics as JSON\n"
	      "      --no-progress      no progress line even on a terminal\n"
	      "  -q, --quiet            no summary at exit\n"
	      "      --lexicon FILE     score sentiment with this lexicon (VADER or AFINN format;\n"
	      "                         scripts/fetch-lexicons.sh fetches the default one)\n"
	      "      --emoji-lexicon FILE  emoji descriptions for VADER (emoji_utf8_lexicon.txt format;\n"
	      "                         scripts/fetch-lexicons.sh writes one beside the lexicon)\n"
	      "      --sentiment MODES  scrm (default), vader, or both: the scores events carry;\n"
	      "                         routing and why use scrm when it is scored\n"
	      "      --sentiment-model F  a model from scrm train --task sentiment: the scrm mode's\n"
	      "                         learned correction (scrm-learned)\n"
	      "      --sentiment-langs L  languages whose texts the lexicon's words score, e.g. en\n"
	      "                         or en,es (default all); a text tagged with another\n"
	      "                         language is scored on its emoji and emoticons alone\n"
	      "      --dup-window DUR   near-duplicate window, e.g. 90s, 30m, 1h (default), 0 = off\n"
	      "      --max-customers N  customer states kept in memory (default 393216, ~100 MB);\n"
	      "                         past it the least recently active are forgotten; 0 = no limit\n"
	      "      --intent NAME      intent classifier: cues (default: rules, no model), linear\n"
	      "                         (needs --intent-model), or none\n"
	      "      --intent-model F   model file for --intent linear (scrm train --task intent);\n"
	      "                         given alone, it selects linear\n"
	      "      --action NAME      action_needed classifier: cues (default), linear, none\n"
	      "      --action-model F   model file for --action linear (scrm train --task action)\n"
	      "      --influence NAME   influence classifier (default formula: README \"Influence\";\n"
	      "                         also `set influence`; scrm eval --list shows them)\n"
	      "      --encoder F        the sentence encoder (scripts/fetch-encoder.sh), for linear\n"
	      "                         models trained with it (also `set encoder`; a few ms per record)\n"
	      "      --model-topics LIST  the models of --intent-model / --action-model classify only\n"
	      "                         records that matched one of these topics or cues (names,\n"
	      "                         brand.* for a prefix); the others get cues (`set model-topics`)\n"
	      "      --customers FILE   CRM export (CSV, README \"Customers\"): authors resolve to customers\n"
	      "      --brand HANDLE     a brand account (repeatable; also `set brands`): its posts are\n"
	      "                         replies that close the case of the customer they answer\n"
	      "      --direct-channels LIST  channels whose messages all go to the company, so they are\n"
	      "                         addressed to it without an @mention (also `set direct-channels`;\n"
	      "                         default " SCRM_DIRECT_DEFAULT "; none for no channel)\n"
	      "      --log DIR          append every interaction to the interaction log in DIR\n"
	      "      --fsync P          log durability: batch (default), always, interval[=MS], never\n"
	      "      --from-start       with --log: read the inputs from their start, not from the\n"
	      "                         log's checkpoint (state and numbering still go on from the log)\n"
	      "      --rules FILE       topics, cues, routing rules and settings (corpora/sample/rules.scrm);\n"
	      "                         options given here win over the file's settings\n"
	      "      --rules-cache DIR  keep the compiled topic databases in DIR and load them from there\n"
	      "                         when the same patterns come again (`set rules-cache = DIR`)\n"
	      "run only:\n"
	      "  -f, --follow           keep reading the last input as it grows, like tail -F (a file\n"
	      "                         renamed away or truncated: its name is read again from its\n"
	      "                         start; one not there yet is waited for); until SIGINT or\n"
	      "                         SIGTERM, which drain and flush\n"
	      "replay only:\n"
	      "      --speed X|max      recorded pace times X (default 1); max: as fast as possible\n"
	      "      --from TIME        skip records before TIME (RFC 3339 or ms since epoch)\n"
	      "      --to TIME          stop at records from TIME on\n",
	      fp);
}

/* "123", "64K", "2M", "1G" (binary multiples), "1MiB". */
static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	unsigned long long mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	default: break;
	}
	if (mul > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
		end += strlen(end);
	if (*end || v == 0 || v > (1ull << 40) / mul)
		return -EINVAL;
	*out = (size_t)(v * mul);
	return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_time_arg(const char *s, int64_t *ms)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!errno && end != s && !*end) {
		*ms = v;
		return 0;
	}
	return scrm_parse_time(s, strlen(s), ms);
}

static int parse_format(const char *s, enum scrm_format *f)
{
	static const struct { const char *name; enum scrm_format f; } tab[] = {
		{"auto", SCRM_FORMAT_AUTO}, {"scrm", SCRM_FORMAT_SCRM},
		{"twitter-v1", SCRM_FORMAT_TWITTER_V1}, {"twitter-v2", SCRM_FORMAT_TWITTER_V2},
		{"reddit", SCRM_FORMAT_REDDIT},
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(s, tab[i].name) == 0) {
			*f = tab[i].f;
			return 0;
		}
	return -EINVAL;
}

#define STR_(x) #x
#define XSTR(x) STR_(x)

/* A bad option value: which option, the value, and what it takes. */
static int bad_opt(const char *cmd, const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "scrm %s: invalid value for %s: '%s' (%s)\n", cmd, opt, val, want);
	return 2;
}

/* Load @path as a @d model into *@keep (0, or the reason in @err), with @encoder when one
 * is given; *@uses_encoder: whether the model reads it (a model trained with the sentence
 * encoder refuses to load without one). The caller keeps the instance until the pipeline
 * has made its own, which then share its loaded model (clf_linear.c) instead of reading
 * the file again. */
#define SCRM_ENCODER_CHUNK (64u << 10) /* --chunk-size default when a model uses the encoder */

static int probe_model(const scrm_classifier_desc *d, const scrm_pipeline_cfg *cfg, const char *path,
		       const scrm_encoder *encoder, scrm_classifier **keep, bool *uses_encoder, char *err,
		       size_t errlen)
{
	scrm_clf_config cc = {.lexicon = cfg->lexicon, .topics = cfg->topics, .model_path = path, .encoder = encoder};
	int rc = scrm_classifier_create(keep, d, &cc, err, errlen);
	*uses_encoder = !rc && scrm_classifier_uses_encoder(*keep);
	return rc;
}

enum {
	OPT_FORMAT = 256, OPT_MAXREC, OPT_CHUNK, OPT_ZLEVEL, OPT_REJECTS, OPT_NOURING,
	OPT_STATS, OPT_STATSJSON, OPT_NOPROGRESS, OPT_SPEED, OPT_FROM, OPT_TO, OPT_HELP,
	OPT_LEXICON, OPT_EMOJI, OPT_RULES, OPT_RULES_CACHE, OPT_SENTIMENT, OPT_DUPWIN, OPT_MAXCUST, OPT_INTENT, OPT_INTENT_MODEL,
	OPT_ACTION, OPT_ACTION_MODEL, OPT_CUSTOMERS, OPT_LOG, OPT_FSYNC, OPT_FROM_START, OPT_BRAND,
	OPT_SENT_MODEL, OPT_SENT_LANGS, OPT_ENCODER, OPT_MODEL_TOPICS, OPT_DIRECT, OPT_INFLUENCE,
	OPT_CSV_COLUMNS, OPT_CSV_CHANNEL,
};

#define MAX_BRANDS SCRM_RULES_MAX_NAMES
_Static_assert(MAX_BRANDS <= SCRM_MAX_DIRECT, "--direct-channels takes at most MAX_BRANDS names");

/* Add the names of @list ("@a, b c": brand handles, a leading '@' dropped, or channels)
 * to names[]; -E2BIG past MAX_BRANDS. The strings are copied into @store (freed by the
 * caller). */
static int add_names(const char *list, const char **names, size_t *n, char **store)
{
	size_t len = strlen(list), nl;
	char *copy = malloc(len + 1), *o = copy;
	if (!copy)
		return -ENOMEM;
	*store = copy;
	for (const char *p = list; (p = scrm_rules_next_name(p, list + len, &nl)); p += nl) {
		if (*n == MAX_BRANDS)
			return -E2BIG;
		memcpy(o, p, nl);
		o[nl] = 0;
		names[(*n)++] = o;
		o += nl + 1;
	}
	return 0;
}

/* --sentiment / `set sentiment`: "scrm", "vader" or "both" -> mode bits. */
static int parse_modes(const char *s, unsigned *modes)
{
	scrm_sent_mode m;
	if (strcmp(s, "both") == 0) {
		*modes = 1u << SCRM_SENT_VADER | 1u << SCRM_SENT_SCRM;
		return 0;
	}
	if (scrm_sent_mode_parse(s, &m))
		return -EINVAL;
	*modes = 1u << m;
	return 0;
}

static int parse_duration(const char *s, int64_t *ms)
{
	return scrm_rules_parse_duration(s, strlen(s), ms);
}

/* The classifier settings of the rules file that no option overrode. */
static int apply_clf_settings(const scrm_rules *rules, const char **name, bool *name_set, const char **model,
			      char (*modelbuf)[4096], const char *cmd)
{
	static const char *const keys[2][2] = {{"intent", "intent-model"}, {"action", "action-model"}};
	for (int k = 0; k < 2; k++) {
		uint32_t line;
		const char *v;
		if (!name_set[k] && (v = scrm_rules_get(rules, keys[k][0], &line))) {
			name[k] = v;
			name_set[k] = true;
		}
		if (!model[k] && (v = scrm_rules_get(rules, keys[k][1], &line))) {
			if (scrm_rules_resolve_path(rules, v, modelbuf[k], sizeof modelbuf[k])) {
				fprintf(stderr, "scrm %s: %s:%u: path too long\n", cmd, scrm_rules_file(rules), line);
				return 2;
			}
			model[k] = modelbuf[k];
		}
	}
	return 0;
}

static int apply_settings(const char *cmd, const scrm_rules *rules, const char **lexicon_path,
			  const char **emoji_path, char *lexbuf, char *emojibuf, size_t cap, unsigned *modes,
			  bool *modes_set, int64_t *dup_ms, bool *dup_set)
{
	uint32_t line;
	const char *v, *file = scrm_rules_file(rules);
	if (!*lexicon_path && (v = scrm_rules_get(rules, "lexicon", &line))) {
		if (scrm_rules_resolve_path(rules, v, lexbuf, cap))
			goto toolong;
		*lexicon_path = lexbuf;
	}
	/* whatever gave the word lexicon (--lexicon wins over `set lexicon`, not over this:
	 * it was dropped without a word, found by review) */
	if (!*emoji_path && (v = scrm_rules_get(rules, "emoji-lexicon", &line))) {
		if (scrm_rules_resolve_path(rules, v, emojibuf, cap))
			goto toolong;
		*emoji_path = emojibuf;
	}
	if (!*modes_set && (v = scrm_rules_get(rules, "sentiment", &line))) {
		if (parse_modes(v, modes)) {
			fprintf(stderr, "scrm %s: %s:%u: sentiment must be scrm, vader or both, not '%s'\n", cmd,
				file, line, v);
			return 2;
		}
		*modes_set = true;
	}
	if (!*dup_set && (v = scrm_rules_get(rules, "dup-window", &line))) {
		if (parse_duration(v, dup_ms)) {
			fprintf(stderr, "scrm %s: %s:%u: dup-window must be a duration (90s, 30m, 1h, 0), not '%s'\n",
				cmd, file, line, v);
			return 2;
		}
		*dup_set = true;
	}
	return 0;
toolong:
	fprintf(stderr, "scrm %s: %s:%u: path too long\n", cmd, file, line);
	return 2;
}

/* `set sentiment-langs` of the rules file, unless --sentiment-langs was given. */
static int apply_langs_setting(const char *cmd, const scrm_rules *rules, scrm_sent_langs *langs, bool *set,
			       const struct scrm_sent_langs **out)
{
	uint32_t line;
	const char *v = scrm_rules_get(rules, "sentiment-langs", &line);
	if (*set || !v)
		return 0;
	if (scrm_sent_langs_parse(v, strlen(v), langs)) { /* scrm_rules_parse checked it */
		fprintf(stderr, "scrm %s: %s:%u: sentiment-langs must be all or language codes (en,es), not '%s'\n",
			cmd, scrm_rules_file(rules), line, v);
		return 2;
	}
	*out = langs;
	*set = true;
	return 0;
}

static int cmd_run(int argc, char **argv, bool replay)
{
	const char *cmd = replay ? "replay" : "run";
	scrm_pipeline_cfg cfg;
	scrm_pipeline_cfg_default(&cfg);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cfg.workers = ncpu > 0 ? (int)ncpu : 1;
	cfg.relate_threads = -1;
	cfg.progress = isatty(STDERR_FILENO);
	if (replay)
		cfg.speed = 1.0;
	bool quiet = false;
	const char *lexicon_path = NULL, *emoji_path = NULL, *rules_path = NULL, *rules_cache = NULL;
	const char *encoder_path = NULL;
	scrm_encoder *encoder = NULL;
	scrm_classifier *probes[3] = {NULL, NULL, NULL}; /* the models' first instances (probe_model) */
	const char *model_topics = NULL; /* --model-topics, else `set model-topics` */
	const char *direct_list = NULL;  /* --direct-channels, else `set direct-channels`, else the default */
	const char *direct[MAX_BRANDS];
	size_t n_direct = 0;
	char *direct_store = NULL;
	static uint32_t model_bits[65536 / 32]; /* its topic and cue ids (cfg.model_topics) */
	uint32_t mt_line = 0; /* the line of `set model-topics`, when the run takes it from there */
	bool chunk_set = false;
	bool modes_set = false, dup_set = false, langs_set = false, maxcust_set = false;
	scrm_sent_langs sent_langs;
	/* cues by default: events carry intent and action_needed for about a quarter of the
	 * analyze stage's cost (BENCHMARKS.md); a model given alone means linear (below) */
	const char *clf_name[2] = {"cues", "cues"};
	bool clf_set[2] = {false, false};
	const char *infl_name = NULL; /* --influence; NULL: `set influence`, else formula */
	char modelbuf[2][4096];
	static const struct option opts[] = {
		{"out", required_argument, 0, 'o'},
		{"jobs", required_argument, 0, 'j'},
		{"partition-threads", required_argument, 0, 'p'},
		{"format", required_argument, 0, OPT_FORMAT},
		{"csv-columns", required_argument, 0, OPT_CSV_COLUMNS},
		{"csv-channel", required_argument, 0, OPT_CSV_CHANNEL},
		{"max-record", required_argument, 0, OPT_MAXREC},
		{"chunk-size", required_argument, 0, OPT_CHUNK},
		{"zstd-level", required_argument, 0, OPT_ZLEVEL},
		{"rejects", required_argument, 0, OPT_REJECTS},
		{"no-uring", no_argument, 0, OPT_NOURING},
		{"follow", no_argument, 0, 'f'},
		{"stats", optional_argument, 0, OPT_STATS},
		{"stats-json", required_argument, 0, OPT_STATSJSON},
		{"no-progress", no_argument, 0, OPT_NOPROGRESS},
		{"quiet", no_argument, 0, 'q'},
		{"speed", required_argument, 0, OPT_SPEED},
		{"from", required_argument, 0, OPT_FROM},
		{"to", required_argument, 0, OPT_TO},
		{"help", no_argument, 0, OPT_HELP},
		{"lexicon", required_argument, 0, OPT_LEXICON},
		{"emoji-lexicon", required_argument, 0, OPT_EMOJI},
		{"rules", required_argument, 0, OPT_RULES},
		{"rules-cache", required_argument, 0, OPT_RULES_CACHE},
		{"sentiment", required_argument, 0, OPT_SENTIMENT},
		{"sentiment-langs", required_argument, 0, OPT_SENT_LANGS},
		{"dup-window", required_argument, 0, OPT_DUPWIN},
		{"max-customers", required_argument, 0, OPT_MAXCUST},
		{"intent", required_argument, 0, OPT_INTENT},
		{"influence", required_argument, 0, OPT_INFLUENCE},
		{"intent-model", required_argument, 0, OPT_INTENT_MODEL},
		{"action", required_argument, 0, OPT_ACTION},
		{"action-model", required_argument, 0, OPT_ACTION_MODEL},
		{"customers", required_argument, 0, OPT_CUSTOMERS},
		{"log", required_argument, 0, OPT_LOG},
		{"fsync", required_argument, 0, OPT_FSYNC},
		{"from-start", no_argument, 0, OPT_FROM_START},
		{"brand", required_argument, 0, OPT_BRAND},
		{"direct-channels", required_argument, 0, OPT_DIRECT},
		{"sentiment-model", required_argument, 0, OPT_SENT_MODEL},
		{"encoder", required_argument, 0, OPT_ENCODER},
		{"model-topics", required_argument, 0, OPT_MODEL_TOPICS},
		{0, 0, 0, 0},
	};
	const char *customers_path = NULL;
	const char *brands[MAX_BRANDS];
	size_t n_brands = 0;
	char *brand_store[MAX_BRANDS + 1] = {0};
	size_t n_store = 0;
	optind = 1;
	int c;
	long v;
	while ((c = getopt_long(argc, argv, "o:j:p:qfh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': cfg.out_dir = optarg; break;
		case 'j':
			if (parse_int(optarg, 1, SCRM_MAX_WORKERS, &v))
				return bad_opt(cmd, "-j", optarg, "a whole number of workers, 1 to " XSTR(SCRM_MAX_WORKERS));
			cfg.workers = (int)v;
			break;
		case 'p':
			if (parse_int(optarg, 1, SCRM_MAX_RELATE, &v))
				return bad_opt(cmd, "-p", optarg, "a whole number of relate threads, 1 to " XSTR(SCRM_MAX_RELATE));
			cfg.relate_threads = (int)v;
			break;
		case OPT_CSV_COLUMNS:
			cfg.csv_opts.columns = optarg;
			break;
		case OPT_CSV_CHANNEL:
			cfg.csv_opts.channel = optarg;
			break;
		case OPT_FORMAT:
			cfg.csv = strcmp(optarg, "csv") == 0;
			if (cfg.csv)
				cfg.format = SCRM_FORMAT_AUTO; /* (a rebuild from the log reads NDJSON) */
			else if (parse_format(optarg, &cfg.format))
				return bad_opt(cmd, "--format", optarg, "auto, scrm, twitter-v1, twitter-v2, reddit or csv");
			break;
		case OPT_MAXCUST: { /* the syntax of `set max-customers` too */
			uint64_t mc;
			maxcust_set = true;
			if (scrm_rules_parse_count(optarg, strlen(optarg), (uint64_t)1 << 32, &mc))
				return bad_opt(cmd, "--max-customers", optarg,
					       "a number of customers such as 1000000 or 4M, or 0 for no limit");
			cfg.max_customers = (size_t)mc;
			break;
		}
		case OPT_MAXREC:
			if (parse_size(optarg, &cfg.max_record) || cfg.max_record > ((size_t)1 << 30))
				return bad_opt(cmd, "--max-record", optarg, "a size such as 1M or 65536, at most 1G"); /* README */
			break;
		case OPT_CHUNK:
			if (parse_size(optarg, &cfg.chunk_size) || cfg.chunk_size < 4096)
				return bad_opt(cmd, "--chunk-size", optarg, "a size such as 512K, at least 4K");
			chunk_set = true;
			break;
		case OPT_ZLEVEL:
			if (parse_int(optarg, -131072, 22, &v))
				return bad_opt(cmd, "--zstd-level", optarg, "a zstd level, -131072 to 22");
			cfg.zstd_level = (int)v;
			break;
		case OPT_REJECTS: cfg.rejects_path = optarg; break;
		case OPT_NOURING: cfg.no_uring = true; break;
		case 'f':
			if (replay) {
				fprintf(stderr, "scrm replay: --follow is a run option (scrm run --follow FILE)\n");
				return 2;
			}
			cfg.follow = true;
			break;
		case OPT_STATS:
			cfg.stats_interval = 1.0;
			if (optarg) {
				char *end;
				double d = strtod(optarg, &end);
				if (*end || !(d > 0) || !(d <= 1e6)) /* at most ~11 days: its ns fit in 64 bits */
					return bad_opt(cmd, "--stats", optarg, "seconds between stats lines, more than 0 and at most 1e6");
				cfg.stats_interval = d;
			}
			break;
		case OPT_STATSJSON: cfg.stats_json = optarg; break;
		case OPT_NOPROGRESS: cfg.progress = false; break;
		case 'q': quiet = true; break;
		case OPT_SPEED:
			if (!replay) {
				fprintf(stderr, "scrm run: --speed is a replay option (scrm replay)\n");
				return 2;
			}
			if (strcmp(optarg, "max") == 0) {
				cfg.speed = 0;
			} else {
				char *end;
				double d = strtod(optarg, &end);
				if (*end || !(d >= 1e-6) || !(d <= 1e9)) /* past these, a recorded second
									   * is beyond 64-bit ns or under 1 ns */
					return bad_opt(cmd, "--speed", optarg, "a factor of the recorded pace, 1e-6 to 1e9, or max");
				cfg.speed = d;
			}
			break;
		case OPT_FROM:
		case OPT_TO: {
			int64_t ms;
			if (!replay) {
				fprintf(stderr, "scrm run: --from/--to are replay options (scrm replay)\n");
				return 2;
			}
			if (parse_time_arg(optarg, &ms))
				return bad_opt(cmd, c == OPT_FROM ? "--from" : "--to", optarg,
					       "an RFC 3339 time such as 2015-02-24T11:35:52Z, or ms since the epoch");
			if (c == OPT_FROM)
				cfg.from_ms = ms;
			else
				cfg.to_ms = ms;
			cfg.time_window = true;
			break;
		}
		case OPT_LEXICON: lexicon_path = optarg; break;
		case OPT_EMOJI: emoji_path = optarg; break;
		case OPT_RULES: rules_path = optarg; break;
		case OPT_RULES_CACHE: rules_cache = optarg; break;
		case OPT_SENTIMENT:
			if (parse_modes(optarg, &cfg.sentiment_modes))
				return bad_opt(cmd, "--sentiment", optarg, "scrm, vader or both");
			modes_set = true;
			break;
		case OPT_SENT_LANGS:
			if (scrm_sent_langs_parse(optarg, strlen(optarg), &sent_langs))
				return bad_opt(cmd, "--sentiment-langs", optarg, "all, or language codes such as en,es");
			cfg.sentiment_langs = &sent_langs;
			langs_set = true;
			break;
		case OPT_INTENT: clf_name[0] = optarg; clf_set[0] = true; break;
		case OPT_INFLUENCE: infl_name = optarg; break;
		case OPT_ACTION: clf_name[1] = optarg; clf_set[1] = true; break;
		case OPT_INTENT_MODEL: cfg.clf_model[0] = optarg; break;
		case OPT_CUSTOMERS: customers_path = optarg; break;
		case OPT_LOG: cfg.log_dir = optarg; break;
		case OPT_FROM_START: cfg.log_from_start = true; break;
		case OPT_SENT_MODEL: cfg.sentiment_model = optarg; break;
		case OPT_ENCODER: encoder_path = optarg; break;
		case OPT_MODEL_TOPICS: model_topics = optarg; break;
		case OPT_DIRECT: direct_list = optarg; break;
		case OPT_BRAND:
			if (n_store == MAX_BRANDS || add_names(optarg, brands, &n_brands, &brand_store[n_store++])) {
				fprintf(stderr, "scrm %s: at most %d brand handles\n", cmd, MAX_BRANDS);
				for (size_t i = 0; i < n_store; i++)
					free(brand_store[i]);
				return 2;
			}
			break;
		case OPT_FSYNC:
			if (!strcmp(optarg, "always"))
				cfg.log_sync = SCRM_ILOG_SYNC_ALWAYS;
			else if (!strcmp(optarg, "batch"))
				cfg.log_sync = SCRM_ILOG_SYNC_BATCH;
			else if (!strcmp(optarg, "never"))
				cfg.log_sync = SCRM_ILOG_SYNC_NEVER;
			else if (!strcmp(optarg, "interval"))
				cfg.log_sync = SCRM_ILOG_SYNC_INTERVAL;
			else if (!strncmp(optarg, "interval=", 9) && !parse_int(optarg + 9, 1, 3600000, &v)) {
				cfg.log_sync = SCRM_ILOG_SYNC_INTERVAL;
				cfg.log_interval_ms = (uint32_t)v;
			} else
				return bad_opt(cmd, "--fsync", optarg, "batch, always, interval, interval=MS (1 to 3600000) or never");
			break;
		case OPT_ACTION_MODEL: cfg.clf_model[1] = optarg; break;
		case OPT_DUPWIN:
			if (parse_duration(optarg, &cfg.dup_window_ms))
				return bad_opt(cmd, "--dup-window", optarg, "a duration such as 90s, 30m or 1h, or 0 for off");
			dup_set = true;
			break;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (cfg.time_window && cfg.from_ms >= cfg.to_ms) {
		/* an empty window would replay nothing and exit 0: a mistyped date */
		fprintf(stderr, "scrm replay: --from must be before --to (the window keeps records with from <= ts < to)\n");
		return 2;
	}
	if (cfg.log_dir && cfg.max_record > SCRM_LOG_MAX_RECORD) {
		/* an event is at most ~6x its record (a CSV cell's control bytes escaped) plus
		 * its analysis, and the log keeps each whole: SCRM_ILOG_PAYLOAD_MAX */
		fprintf(stderr, "scrm %s: with --log, --max-record is at most 2M: the log keeps every event whole, "
				"and one interaction holds at most 16 MiB\n", cmd);
		return 2;
	}
	if (cfg.relate_threads < 0)
		cfg.relate_threads = (cfg.workers + 3) / 4;
	char csv_msg[512];
	if (scrm_csv_opts_check(&cfg.csv_opts, csv_msg, sizeof csv_msg)) {
		fprintf(stderr, "scrm %s: %s\n", cmd, csv_msg);
		return 2;
	}
	static const char *const stdin_only[] = {"-"};
	cfg.inputs = (const char *const *)(argv + optind);
	cfg.n_inputs = (size_t)(argc - optind);
	if (cfg.n_inputs == 0) {
		if (replay) {
			fprintf(stderr, "scrm replay: no archive given\n");
			return 2;
		}
		cfg.inputs = stdin_only;
		cfg.n_inputs = 1;
	}
	if (!cfg.out_dir && (g_closed_std & 2)) {
		fprintf(stderr, "scrm %s: standard output is closed, and without -o DIR the events go there\n", cmd);
		return 1;
	}
	for (size_t i = 0; i < cfg.n_inputs && (g_closed_std & 1); i++)
		if (!strcmp(cfg.inputs[i], "-")) {
			fprintf(stderr, "scrm %s: -: standard input is closed\n", cmd);
			return 1;
		}
	if (pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) == 0)
		cfg.stop_fd = g_stop_pipe[0];
	/* SIGINT/SIGTERM from here on stop the run as any run (a signal during the setup:
	 * rules, lexicons, models, is seen before the pipeline starts) */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (customers_path) {
		/* SIGHUP reloads the export: from here on, so one during the setup (the export,
		 * rules and models loading) is a reload once the stream starts, not the default
		 * action's exit 129 (found by review) */
		struct sigaction hup;
		memset(&hup, 0, sizeof hup);
		hup.sa_handler = on_hup;
		sigemptyset(&hup.sa_mask);
		hup.sa_flags = SA_RESTART;
		sigaction(SIGHUP, &hup, NULL);
	}
	scrm_rules *rules = NULL;
	scrm_topics *topics = NULL;
	scrm_routes *routes = NULL;
	scrm_customers *customers = NULL;
	scrm_lexicon *lex = NULL;
	char lexbuf[4096], emojibuf[4096], smbuf[4096], encbuf[4096];
	int rc = 2;
	if (rules_path) {
		char err[2048];
		if (scrm_rules_load(&rules, rules_path, err, sizeof err)) {
			fprintf(stderr, "scrm %s: %s", cmd, err);
			goto out;
		}
		if (scrm_route_compile(&routes, rules, err, sizeof err)) {
			fprintf(stderr, "scrm %s: %s", cmd, err);
			goto out;
		}
		/* Routing is on when the file routes (rules or a default-route); otherwise
		 * every event goes to "inbox" as without rules. */
		if (scrm_route_rule_count(routes) || scrm_rules_get(rules, "default-route", NULL))
			cfg.routes = routes;
		uint32_t sml;
		const char *em = scrm_rules_get(rules, "encoder", &sml);
		if (em && !encoder_path) {
			if (scrm_rules_resolve_path(rules, em, encbuf, sizeof encbuf)) {
				fprintf(stderr, "scrm %s: %s:%u: path too long\n", cmd, scrm_rules_file(rules), sml);
				goto out;
			}
			encoder_path = encbuf;
		}
		const char *mt = scrm_rules_get(rules, "model-topics", &mt_line);
		if (mt && !model_topics)
			model_topics = mt;
		else
			mt_line = 0; /* given on the command line */
		const char *sm = scrm_rules_get(rules, "sentiment-model", &sml);
		if (sm && !cfg.sentiment_model) {
			if (scrm_rules_resolve_path(rules, sm, smbuf, sizeof smbuf)) {
				fprintf(stderr, "scrm %s: %s:%u: path too long\n", cmd, scrm_rules_file(rules), sml);
				goto out;
			}
			cfg.sentiment_model = smbuf;
		}
		if (!direct_list)
			direct_list = scrm_rules_get(rules, "direct-channels", NULL);
		const char *bl = scrm_rules_get(rules, "brands", NULL);
		if (bl && !n_brands && add_names(bl, brands, &n_brands, &brand_store[n_store++])) {
			fprintf(stderr, "scrm %s: %s: at most %d brand handles\n", cmd, rules_path, MAX_BRANDS);
			goto out;
		}
		if ((rc = apply_settings(cmd, rules, &lexicon_path, &emoji_path, lexbuf, emojibuf, sizeof lexbuf,
					 &cfg.sentiment_modes, &modes_set, &cfg.dup_window_ms, &dup_set)) ||
		    (rc = apply_langs_setting(cmd, rules, &sent_langs, &langs_set, &cfg.sentiment_langs)) ||
		    (rc = apply_clf_settings(rules, clf_name, clf_set, cfg.clf_model, modelbuf, cmd)))
			goto out;
		if (!infl_name)
			infl_name = scrm_rules_get(rules, "influence", NULL);
		const char *mc = maxcust_set ? NULL : scrm_rules_get(rules, "max-customers", NULL);
		uint64_t mcv;
		if (mc && !scrm_rules_parse_count(mc, strlen(mc), (uint64_t)1 << 32, &mcv)) /* checked at load */
			cfg.max_customers = (size_t)mcv;
		/* the CSV exports' columns and channel, unless given as options (checked at load) */
		if (!cfg.csv_opts.columns)
			cfg.csv_opts.columns = scrm_rules_get(rules, "csv-columns", NULL);
		if (!cfg.csv_opts.channel)
			cfg.csv_opts.channel = scrm_rules_get(rules, "csv-channel", NULL);
		rc = 2;
	}
	if (infl_name && !(cfg.influence = scrm_classifier_find(SCRM_TASK_INFLUENCE, infl_name))) {
		fprintf(stderr, "scrm %s: no influence classifier '%s' (scrm eval --list shows them)\n", cmd, infl_name);
		goto out;
	}
	if (emoji_path && !lexicon_path) {
		fprintf(stderr, "scrm %s: an emoji lexicon (--emoji-lexicon or `set emoji-lexicon`) needs a lexicon "
				"(--lexicon FILE or `set lexicon` in the rules)\n", cmd);
		goto out;
	}
	if (cfg.sentiment_model && (!lexicon_path || (cfg.sentiment_modes && !(cfg.sentiment_modes & (1u << SCRM_SENT_SCRM))))) {
		fprintf(stderr, "scrm %s: --sentiment-model corrects the scrm sentiment mode: it needs a lexicon and "
				"the scrm mode (--sentiment scrm or both)\n", cmd);
		goto out;
	}
	if (langs_set && !lexicon_path) {
		fprintf(stderr, "scrm %s: --sentiment-langs needs a lexicon (--lexicon FILE or `set lexicon` in the "
				"rules)\n", cmd);
		goto out;
	}
	if (modes_set && !lexicon_path) {
		fprintf(stderr, "scrm %s: --sentiment needs a lexicon (--lexicon FILE or `set lexicon` in the rules)\n",
			cmd);
		goto out;
	}
	static const scrm_task clf_task[2] = {SCRM_TASK_INTENT, SCRM_TASK_ACTION};
	static const char *const clf_opt[2] = {"--intent", "--action"};
	for (int k = 0; k < 2; k++) {
		if (!clf_set[k] && cfg.clf_model[k])
			clf_name[k] = "linear"; /* --intent-model F (or set intent-model) alone */
		if (strcmp(clf_name[k], "none") == 0) {
			if (cfg.clf_model[k] && cfg.clf_model[k] != modelbuf[k]) {
				fprintf(stderr, "scrm %s: %s-model given with %s none\n", cmd, clf_opt[k], clf_opt[k]);
				goto out;
			}
			cfg.clf_model[k] = NULL; /* a model set in the rules file, for a classifier turned off */
			continue;
		}
		cfg.clf[k] = scrm_classifier_find(clf_task[k], clf_name[k]);
		if (!cfg.clf[k]) {
			fprintf(stderr, "scrm %s: no %s classifier '%s' (scrm eval --list shows them)\n", cmd,
				scrm_task_name(clf_task[k]), clf_name[k]);
			goto out;
		}
		if ((cfg.clf[k]->flags & SCRM_CLF_NEEDS_MODEL) && !cfg.clf_model[k]) {
			fprintf(stderr, "scrm %s: %s %s needs %s-model FILE (scrm train --task %s)\n", cmd, clf_opt[k],
				clf_name[k], clf_opt[k], scrm_task_name(clf_task[k]));
			goto out;
		}
	}
	if (rules) {
		/* The cues that the intent and action classifiers read are scanned for in the
		 * rules file's Hyperscan pass, as its guests (topics.h): one pass per record for
		 * both. Should the cues fail to load here, the classifiers report it when the
		 * pipeline creates them. */
		scrm_topics_guest guest, *gp = NULL;
		bool cues_used = false;
		for (int k = 0; k < 2; k++)
			cues_used |= cfg.clf[k] && (cfg.clf[k]->flags & SCRM_CLF_USES_CUES);
		if (cues_used && scrm_cues_guest(&guest) == 0)
			gp = &guest;
		char err[2048];
		if (scrm_topics_compile_rules(&topics, rules, rules_cache, gp, err, sizeof err)) {
			fprintf(stderr, "scrm %s: %s", cmd, err);
			goto out;
		}
		cfg.topics = topics;
	}
	if (model_topics) { /* parsed once; the pipeline reads the ids */
		bool gated = false;
		for (int k = 0; k < 2; k++)
			gated |= cfg.clf[k] && (cfg.clf[k]->flags & SCRM_CLF_NEEDS_MODEL);
		char err[512];
		int src = scrm_topics_select(cfg.topics, model_topics, "model-topics", model_bits, err, sizeof err);
		if (src && mt_line) /* from the rules file: where */
			fprintf(stderr, "scrm %s: %s:%u: %s\n", cmd, scrm_rules_file(rules), mt_line,
				err);
		else if (src)
			fprintf(stderr, "scrm %s: %s\n", cmd, err);
		if (src)
			goto out;
		if (gated)
			cfg.model_topics = model_bits;
		else if (!quiet)
			fprintf(stderr, "scrm %s: model-topics has no effect: no intent or action classifier with a "
					"model (--intent-model, --action-model)\n", cmd);
	}
	if (customers_path) {
		char err[4096];
		if (scrm_customers_load(&customers, customers_path, err, sizeof err)) {
			fprintf(stderr, "scrm %s: %s%s", cmd, err, err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
			goto out;
		}
		cfg.customers = customers;
		cfg.customers_owned = true; /* freed by the pipeline once a reload replaces it */
		if (!quiet) { /* what the export gave, before the stream starts */
			struct scrm_customers_stats cs;
			scrm_customers_stats(customers, &cs);
			fprintf(stderr, "scrm %s: %s: %zu customers, %zu identities%s", cmd, customers_path, cs.customers,
				cs.identities, cs.unlinked ? "" : "\n");
			if (cs.unlinked)
				fprintf(stderr, ", %zu without any identity (no record can reach them)\n", cs.unlinked);
		}
	}
	if (lexicon_path) {
		char err[512];
		if (scrm_lexicon_load(&lex, lexicon_path, emoji_path, err, sizeof err)) {
			fprintf(stderr, "scrm %s: %s\n", cmd, err);
			goto out;
		}
		cfg.lexicon = lex;
	} else if (!quiet) {
		/* said once, at the start: a run without one is legal, but its events then lack
		 * what routing and the classifiers lean on most */
		fprintf(stderr, "scrm %s: no sentiment lexicon (--lexicon FILE, or `set lexicon` in the rules file; "
				"scripts/fetch-lexicons.sh fetches the default): events carry no sentiment%s\n",
			cmd, cfg.clf[0] || cfg.clf[1] ? ", and intent and action are decided without it" : "");
	}
	if (encoder_path) {
		char err[512];
		if (scrm_encoder_load(&encoder, encoder_path, err, sizeof err)) {
			fprintf(stderr, "scrm %s: %s\n", cmd, err);
			goto out;
		}
		cfg.encoder = encoder;
	}
	/* A model that does not load is a usage error found now, like a bad rules file or
	 * lexicon, not a runtime failure of the pipeline once it has started. */
	bool enc_used = false;
	for (int k = 0; k < 3; k++) {
		const scrm_classifier_desc *d = k < 2 ? cfg.clf[k] : &scrm_clf_sentiment_learned;
		const char *path = k < 2 ? cfg.clf_model[k] : cfg.sentiment_model;
		if (!d || !path)
			continue;
		char err[512];
		bool uses = false;
		if (probe_model(d, &cfg, path, encoder, &probes[k], &uses, err, sizeof err)) {
			fprintf(stderr, "scrm %s: %s-model: %s\n", cmd, k < 2 ? clf_opt[k] : "--sentiment", err);
			goto out;
		}
		enc_used |= uses;
	}
	/* A model with the encoder spends milliseconds a record: chunks of 64 KiB (about a
	 * hundred records) instead of 512 keep the workers evenly busy and a Ctrl-C's drain
	 * of the chunks in flight short (5.4 s to 0.8 s at -j2 here), for the same events
	 * and CPU (BENCHMARKS.md, "The encoder behind topics"). */
	if (enc_used && !chunk_set && cfg.chunk_size > SCRM_ENCODER_CHUNK)
		cfg.chunk_size = SCRM_ENCODER_CHUNK;
	if (encoder && !enc_used) { /* given (or set in the rules), but no model reads it */
		if (!quiet)
			fprintf(stderr, "scrm %s: no model uses the sentence encoder (--encoder, `set encoder`): not loaded\n",
				cmd);
		scrm_encoder_free(encoder);
		encoder = NULL;
		cfg.encoder = NULL;
	}

	/* the progress line, on a terminal's stderr, is no use on the terminal the events
	 * scroll through (it was glued to them) */
	if (cfg.progress && !cfg.out_dir && isatty(STDOUT_FILENO))
		cfg.progress = false;
	cfg.stop = &g_stop;
	cfg.brands = brands;
	cfg.n_brands = n_brands;
	if (!direct_list)
		direct_list = SCRM_DIRECT_DEFAULT;
	if (strcmp(direct_list, "none") != 0 && add_names(direct_list, direct, &n_direct, &direct_store)) {
		fprintf(stderr, "scrm %s: --direct-channels: at most %d channels\n", cmd, MAX_BRANDS);
		goto out;
	}
	cfg.direct_channels = direct;
	cfg.n_direct_channels = n_direct;
	if (customers_path) {
		cfg.reload = &g_reload;
		cfg.customers_reload = reload_customers_file;
		cfg.reload_ctx = (void *)customers_path;
	}

	/* the files it reads besides its inputs: no output may name one (check_outputs()) */
	const char *rfiles[8], *rwhat[8];
	size_t nread = 0;
	const char *const reads[8][2] = {
		{rules_path, "rules file"},		{customers_path, "CRM export"},
		{lexicon_path, "lexicon"},		{emoji_path, "emoji lexicon"},
		{encoder_path, "encoder"},		{cfg.clf_model[0], "intent model"},
		{cfg.clf_model[1], "action model"},	{cfg.sentiment_model, "sentiment model"},
	};
	for (size_t k = 0; k < 8; k++)
		if (reads[k][0]) {
			rfiles[nread] = reads[k][0];
			rwhat[nread++] = reads[k][1];
		}
	cfg.read_files = rfiles;
	cfg.read_what = rwhat;
	cfg.n_read_files = nread;

	if (cfg.stats_json) { /* found unwritable now, not after the whole run */
		/* not an input, a file it reads, the rejects file, a route output, or where the
		 * events and messages go: it replaces what it names */
		struct stat sj_st;
		bool existed = stat(cfg.stats_json, &sj_st) == 0;
		bool special = existed && !S_ISREG(sj_st.st_mode); /* /dev/stderr on a terminal */
		const char *clash = NULL;
		char clashbuf[64];
		for (size_t i = 0; i < cfg.n_inputs && !special && !clash; i++)
			if (scrm_output_is_input(cfg.stats_json, cfg.inputs[i]))
				clash = strcmp(cfg.inputs[i], "-") ? "an input" : "the file standard input comes from";
		for (size_t k = 0; k < nread && !special && !clash; k++)
			if (scrm_same_file(cfg.stats_json, rfiles[k])) {
				snprintf(clashbuf, sizeof clashbuf, "the %s this run reads", rwhat[k]);
				clash = clashbuf;
			}
		if (!clash && !cfg.out_dir && scrm_names_fd(cfg.stats_json, STDOUT_FILENO))
			clash = "standard output, where the events go";
		if (!clash && scrm_same_file_fd(cfg.stats_json, STDERR_FILENO))
			clash = "standard error, where the summary and messages go";
		char rej[4096];
		if (cfg.rejects_path || cfg.out_dir)
			snprintf(rej, sizeof rej, "%s%s", cfg.rejects_path ? cfg.rejects_path : cfg.out_dir,
				 cfg.rejects_path ? "" : "/rejects.ndjson");
		if (!special && !clash && (cfg.rejects_path || cfg.out_dir) && scrm_same_file(cfg.stats_json, rej))
			clash = "the rejects file";
		size_t sl = strlen(cfg.stats_json);
		if (!special && !clash && cfg.out_dir && sl > 11 && !strcmp(cfg.stats_json + sl - 11, ".ndjson.zst")) {
			char dir[4096];
			const char *slash = strrchr(cfg.stats_json, '/');
			snprintf(dir, sizeof dir, "%.*s/x", slash ? (int)(slash - cfg.stats_json) : 1,
				 slash ? cfg.stats_json : ".");
			char od[4096];
			snprintf(od, sizeof od, "%s/x", cfg.out_dir);
			if (scrm_same_file(dir, od))
				clash = "a route output's name in -o DIR";
		}
		if (clash) {
			fprintf(stderr, "scrm %s: --stats-json %s is %s: writing it would replace it; name another file\n",
				cmd, cfg.stats_json, clash);
			rc = 2;
			goto out;
		}
		FILE *sj = fopen(cfg.stats_json, "a");
		if (!sj) {
			fprintf(stderr, "scrm %s: cannot write %s: %s\n", cmd, cfg.stats_json, strerror(errno));
			rc = 1;
			goto out;
		}
		fclose(sj);
		if (!existed) /* written at the end: a run stopped before it leaves no empty file */
			unlink(cfg.stats_json);
	}
	if ((cfg.follow && strcmp(cfg.inputs[cfg.n_inputs - 1], "-") &&
	     wait_to_appear(cfg.inputs[cfg.n_inputs - 1], cfg.stop_fd) < 0) ||
	    g_stop) { /* stopped before anything was read or written */
		rc = 128 + g_stop;
		goto out;
	}
	scrm_run_stats st;
	rc = scrm_pipeline_run(&cfg, &st);
	customers = NULL; /* the pipeline's now (cfg.customers_owned): freed by it */
	if (!quiet)
		scrm_run_stats_print(&st, stderr);
	int jrc = 0;
	if (cfg.stats_json && (jrc = scrm_run_stats_write_json(&st, cfg.stats_json)))
		fprintf(stderr, "scrm: cannot write %s: %s\n", cfg.stats_json, strerror(-jrc));
	/* (-EINTR with a stop: an output's open() waited for a FIFO's reader when it came) */
	rc = rc == SCRM_PIPELINE_CLASH ? 2 : rc == -EINTR && g_stop && !jrc ? 128 + g_stop : rc || jrc ? 1 : g_stop ? 128 + g_stop : 0;
out:
	for (int k = 0; k < 3; k++)
		scrm_classifier_free(probes[k]);
	free(direct_store);
	for (size_t i = 0; i < n_store; i++)
		free(brand_store[i]);
	scrm_lexicon_free(lex);
	scrm_encoder_free(encoder);
	scrm_customers_free(customers);
	scrm_routes_free(routes);
	scrm_topics_free(topics);
	scrm_rules_free(rules);
	return rc;
}

/* `scrm history`: who the user typed -> the customer key hash the log files it under. */
struct who_ctx {
	const scrm_customers *customers;
	const char *channel;
	bool channel_set; /* --channel given */
};

static int resolve_who(void *ctx, const char *who, uint64_t *hash)
{
	const struct who_ctx *w = ctx;
	size_t n = strlen(who);
	if (n > 2 && who[0] == 'c' && who[1] == ':') {
		/* a CRM key: its hash is XXH3 of the key itself (customers.h), with or without
		 * the export (one that no longer lists her still finds what the log holds: it
		 * said "unknown customer", found by review) */
		*hash = scrm_customers_key_hash(who, n);
		return 0;
	}
	if (n > 2 && who[0] == 'p' && who[1] == ':') {
		/* the hash as log dump prints it (strtoull would take a sign and spaces too) */
		return scrm_history_parse_hash(who + 2, hash);
	}
	/* an identity: "@handle" on --channel (default twitter), or an e-mail address */
	const char *ch = w->channel, *id = who;
	if (who[0] == '@') {
		id = who + 1;
	} else if (strchr(who, '@') && !w->channel_set) {
		ch = "email"; /* (an e-mail-shaped handle of another channel: --channel names it) */
	} else if (!w->customers && !w->channel_set) {
		return -EINVAL;
	}
	if (w->customers) {
		const scrm_customer *c = scrm_customers_find(w->customers, ch, strlen(ch), id, strlen(id));
		if (c) {
			*hash = c->key_hash;
			return 0;
		}
	}
	/* not in the CRM: the prospect key its messages were filed under */
	if (!*id)
		return -EINVAL;
	*hash = scrm_customers_prospect_hash(ch, strlen(ch), id, strlen(id));
	return 0;
}

static int cmd_history(int argc, char **argv)
{
	struct who_ctx w = {NULL, "twitter", false};
	const char *cpath = NULL;
	char **args = calloc((size_t)argc + 1, sizeof *args);
	if (!args)
		return 1;
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && (!strcmp(argv[i], "--customers") || !strcmp(argv[i], "--channel")) && i + 1 == argc) {
			fprintf(stderr, "scrm history: %s needs a value\n", argv[i]);
			free(args);
			return 2;
		}
		if (i > 0 && !strcmp(argv[i], "--customers"))
			cpath = argv[++i];
		else if (i > 0 && !strncmp(argv[i], "--customers=", 12))
			cpath = argv[i] + 12; /* the --opt=VALUE form, as --log= */
		else if (i > 0 && !strcmp(argv[i], "--channel"))
			w.channel = argv[++i], w.channel_set = true;
		else if (i > 0 && !strncmp(argv[i], "--channel=", 10))
			w.channel = argv[i] + 10, w.channel_set = true;
		else
			args[n++] = argv[i];
	}
	scrm_customers *cust = NULL;
	int rc = 2;
	if (cpath) {
		char err[4096];
		if (scrm_customers_load(&cust, cpath, err, sizeof err)) {
			fprintf(stderr, "scrm history: %s%s", err, err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
			goto out;
		}
		w.customers = cust;
	}
	scrm_history_resolver r = {resolve_who, &w};
	rc = scrm_history_main_with(n, args, &r);
out:
	scrm_customers_free(cust);
	free(args);
	return rc;
}

/* A standard descriptor started closed is opened on /dev/null, so that no file or pipe
 * scrm opens lands on it (an internal pipe taken for stdin hung a run, `scrm run <&-`);
 * reading a closed stdin is then refused (cmd_run). */
static void guard_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			g_closed_std |= 1u << fd;
			int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
			if (n >= 0 && n != fd) { /* (open takes the lowest free: fd itself) */
				dup2(n, fd);
				close(n);
			}
		}
}

int main(int argc, char **argv)
{
	guard_std_fds();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1, false);
	if (strcmp(cmd, "replay") == 0)
		return cmd_run(argc - 1, argv + 1, true);
	if (strcmp(cmd, "gen") == 0)
		return scrm_gen_main(argc - 1, argv + 1);
	if (strcmp(cmd, "log") == 0)
		return scrm_log_main(argc - 1, argv + 1);
	if (strcmp(cmd, "history") == 0)
		return cmd_history(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return scrm_check_main(argc - 1, argv + 1);
	if (strcmp(cmd, "score") == 0)
		return scrm_score_main(argc - 1, argv + 1);
	if (strcmp(cmd, "encode") == 0)
		return scrm_encode_main(argc - 1, argv + 1);
	if (strcmp(cmd, "eval") == 0)
		return scrm_eval_main(argc - 1, argv + 1);
	if (strcmp(cmd, "train") == 0)
		return scrm_train_main(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("scrm %s\n", SCRM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "scrm: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
