/*
 * check.c - `scrm check RULES`: validate a rules file before anything runs.
 *
 * Parses (every bad line reported with file:line:col and a caret), compiles the routing
 * rules and the topics into the Hyperscan database (a bad rule or rejected pattern is
 * pointed at), then warns about what is legal but wrong: topics that can never match,
 * routing rules that can never fire or name a near-miss team (route.h, "Lint"), and
 * lists the topics no routing rule uses. The settings `scrm run` reads are checked as it
 * reads them: bad values and classifier names are errors (when the file is read); files
 * that do not open and a trained classifier without its model are warnings (an option
 * or the setup step can stand in for them), so nothing run refuses passes without a word;
 * a lexicon or model that opens is loaded as scrm run would load it, and one it would
 * refuse (a bad line, a corrupt model, a model of another task) is an error.
 * Prints a summary: topics, cues, settings, patterns, compile time, database size,
 * routing rules and teams. With --sample FILE, also Hyperscan's time per text on the
 * sample's texts, with and without the rules' regexes (scrm_topics_scan_cost).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "classifier.h"
#include "clf_cues.h"
#include "lexicon.h"
#include "linear.h"
#include "normalize.h"
#include "record.h"
#include "route.h"
#include "rules.h"
#include "source.h"
#include "topics.h"

enum { ERR_CAP = 64 * 1024, SAMPLE_MAX = 20000, SAMPLE_BYTES = 64 << 20 };

static void usage(FILE *fp)
{
	fprintf(fp, "usage: scrm check RULES [--sample FILE]\n\n"
		    "Parse and compile a rules file; report errors (exit 1) and warnings;\n"
		    "print the number of topics and cues, compile time and database size.\n"
		    "With --sample FILE (NDJSON records in any input schema, or lines of text,\n"
		    "compressed or not; its first %d lines, at most 64 MiB), also what the scan\n"
		    "costs per text, and how much of it the rules' regexes add.\n",
		SAMPLE_MAX);
}

/* The first whole lines of @path, up to SAMPLE_BYTES, read by the chunker as `scrm run`
 * reads them (zstd, gzip, bzip2, xz by their magic; a line over 1 MiB skipped) into *buf,
 * SCRM_PADDING bytes after them. Returns the bytes, or -errno with the reason in err. */
static long read_head(const char *path, char **buf, char *err, size_t errlen)
{
	scrm_source_opts o = {.no_uring = true, .quiet = true};
	scrm_source *src;
	scrm_chunker *ch = NULL;
	*buf = NULL;
	int e = scrm_source_open(&src, path, &o, err, errlen);
	if (e)
		return e;
	char *b = malloc(SAMPLE_BYTES + SCRM_PADDING);
	ssize_t n = -ENOMEM;
	if (b && scrm_chunker_create(&ch, src, 1u << 20) == 0) {
		scrm_chunk_info info;
		do /* a chunk of oversize lines alone is empty */
			n = scrm_chunker_next(ch, b, SAMPLE_BYTES, &info);
		while (n == 0 && !scrm_chunker_eof(ch));
		if (n < 0)
			snprintf(err, errlen, "%s", scrm_source_error(src));
	} else {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
	}
	scrm_chunker_free(ch);
	scrm_source_close(src);
	if (n < 0) {
		free(b);
		return (long)n;
	}
	memset(b + n, 0, SCRM_PADDING);
	*buf = b;
	return (long)n;
}

/* The texts of the first SAMPLE_MAX lines of @path: a record's text where the line
 * normalizes to records, else the line itself. Returns the count, or -errno. */
static long read_sample(const char *path, char ***texts, size_t **lens, char *err, size_t errlen)
{
	*texts = NULL;
	*lens = NULL;
	char *buf;
	long size = read_head(path, &buf, err, errlen);
	if (size < 0)
		return size;
	scrm_normalizer *nz = scrm_normalizer_create(SCRM_FORMAT_AUTO);
	char **tv = calloc(SAMPLE_MAX, sizeof *tv);
	size_t *lv = calloc(SAMPLE_MAX, sizeof *lv);
	long n = 0, rc = -ENOMEM;
	scrm_recvec rv = {0};
	scrm_buf arena = {0};
	if (!nz || !tv || !lv)
		goto out;
	for (const char *p = buf, *end = buf + size; p < end && n < SAMPLE_MAX;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *line = p;
		p += len + (nl != NULL);
		while (len && line[len - 1] == '\r')
			len--;
		scrm_norm_result res;
		rv.len = 0;
		arena.len = 0;
		if (scrm_normalize_line(nz, line, len, &rv, &arena, &res)) /* bytes after it: the buffer's */
			goto out;
		const char *t = line;
		size_t tl = len;
		if (rv.len && scrm_str_present(rv.v[0].text)) {
			t = scrm_str_ptr(&arena, rv.v[0].text);
			tl = rv.v[0].text.len;
		}
		if (!(tv[n] = malloc(tl + 1)))
			goto out;
		memcpy(tv[n], t, tl);
		tv[n][tl] = 0;
		lv[n++] = tl;
	}
	rc = n;
out:
	free(buf);
	scrm_recvec_free(&rv);
	scrm_buf_free(&arena);
	scrm_normalizer_free(nz);
	if (rc < 0) {
		snprintf(err, errlen, "%s", strerror((int)-rc));
		for (long i = 0; tv && i < n; i++)
			free(tv[i]);
		free(tv);
		free(lv);
		return rc;
	}
	*texts = tv;
	*lens = lv;
	return rc;
}

/* What the scan costs on the sample: printed after the summary line. Returns 0 or 1. */
static int report_scan_cost(const scrm_topics *t, const char *sample)
{
	char **texts;
	size_t *lens;
	char err[4096];
	long n = read_sample(sample, &texts, &lens, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "scrm check: --sample: %s\n", err);
		return 1;
	}
	int rc = 0;
	if (n == 0) {
		fprintf(stderr, "scrm check: --sample %s: no lines\n", sample);
		rc = 1;
	} else {
		scrm_topics_cost c;
		double bytes = 0;
		for (long i = 0; i < n; i++)
			bytes += (double)lens[i];
		int e = scrm_topics_scan_cost(t, (const char *const *)texts, lens, (size_t)n, &c);
		if (e) {
			fprintf(stderr, "scrm check: --sample: timing the scan failed: %s\n", strerror(-e));
			rc = 1;
		} else if (c.regexes) {
			printf("%s: scan (Hyperscan alone) of %ld sample texts, %.0f bytes each on average: %.0f ns per "
			       "text; its %u regexes add %.0f ns (%.0f%%): scanned without them, %.0f ns\n",
			       sample, n, bytes / (double)n, c.ns_per_text, c.regexes, c.ns_per_text - c.ns_without_regexes,
			       100.0 * (c.ns_per_text - c.ns_without_regexes) / c.ns_per_text, c.ns_without_regexes);
		} else {
			printf("%s: scan (Hyperscan alone) of %ld sample texts, %.0f bytes each on average: %.0f ns per "
			       "text; no regexes\n",
			       sample, n, bytes / (double)n, c.ns_per_text);
		}
		if (!e && c.byte_regexes)
			printf("%s: %u regexes found by one byte outside Hyperscan, not in that figure\n", sample,
			       c.byte_regexes);
	}
	for (long i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	return rc;
}

/* An error or warning at the line of `set KEY`. */
static void at_setting(const scrm_rules *r, uint32_t line, const char *msg, char *err, size_t cap)
{
	err[0] = 0;
	scrm_rules_format_error(r, line, 1, msg, err, cap);
	fputs(err, stderr);
}

/* A '*' inside a phrase is the character itself, not the wildcard (which ends a bare
 * term only): say so where a phrase holds one. Returns the warnings printed. */
static unsigned warn_phrase_stars(const scrm_rules *r)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < scrm_rules_stmt_count(r); i++) {
		const scrm_rules_stmt *st = scrm_rules_stmt_at(r, i);
		if ((st->kind != SCRM_STMT_TOPIC && st->kind != SCRM_STMT_CUE) || st->root < 0)
			continue;
		int32_t stack[128];
		int sp = 0;
		stack[sp++] = st->root;
		while (sp) {
			const scrm_rules_node *nd = scrm_rules_node_at(r, stack[--sp]);
			if (nd->kind == SCRM_NODE_PHRASE && memchr(nd->text, '*', nd->len)) {
				char msg[320], err[1024] = "";
				snprintf(msg, sizeof msg,
					 "warning: a '*' inside a phrase matches the character '*' (the wildcard ends "
					 "a bare term only: \"%.200s\")",
					 nd->text);
				scrm_rules_format_error(r, nd->line, nd->col, msg, err, sizeof err);
				fputs(err, stderr);
				n++;
			}
			if (nd->b >= 0 && sp < 128) /* the left side first */
				stack[sp++] = nd->b;
			if (nd->a >= 0 && sp < 128)
				stack[sp++] = nd->a;
		}
	}
	return n;
}

/* Load the file of setting @what (a word lexicon or a linear model) as scrm run would;
 * 0 if that works, else 1 with why in @msg. (The emoji lexicon loads only beside a word
 * lexicon: opening it is all that is checked.) */
static int load_fails(const char *what, const char *path, char *msg, size_t cap)
{
	char e[1024] = "";
	if (!strcmp(what, "lexicon")) {
		scrm_lexicon *lex = NULL;
		int rc = scrm_lexicon_load(&lex, path, NULL, e, sizeof e);
		scrm_lexicon_free(lex);
		if (rc)
			snprintf(msg, cap, "lexicon: %s", e[0] ? e : strerror(-rc));
		return rc != 0;
	}
	if (!strcmp(what, "emoji-lexicon")) { /* read as run reads it beside the word lexicon */
		uint8_t *data = NULL;
		size_t len = 0;
		int rc = scrm_read_file(path, (size_t)1 << 30, &data, &len, e, sizeof e);
		if (!rc) {
			scrm_lexicon *lex = NULL;
			rc = scrm_lexicon_load_mem(&lex, "", 0, "", (const char *)data, len, path, e, sizeof e);
			if (!rc && scrm_lexicon_emoji_size(lex) + scrm_lexicon_emoji_unreachable(lex) == 0) {
				snprintf(e, sizeof e, "%.900s: no emoji lexicon entries (expected emoji<TAB>description lines)",
					 path); /* as scrm_lexicon_load() says it */
				rc = -EINVAL;
			}
			scrm_lexicon_free(lex);
		}
		free(data);
		if (rc)
			snprintf(msg, cap, "emoji-lexicon: %s", e[0] ? e : strerror(-rc));
		return rc != 0;
	}
	size_t wl = strlen(what) - strlen("-model");
	if (strcmp(what + wl, "-model") != 0)
		return 0;
	scrm_linear *m = NULL;
	int rc = scrm_linear_load(&m, path, e, sizeof e);
	if (rc) {
		snprintf(msg, cap, "%s: %s", what, e[0] ? e : strerror(-rc));
		return 1;
	}
	int bad = strlen(scrm_linear_task(m)) != wl || strncmp(scrm_linear_task(m), what, wl) != 0;
	if (bad)
		snprintf(msg, cap, "%s: %s is a model for task '%s', not '%.*s'", what, path, scrm_linear_task(m), (int)wl,
			 what);
	scrm_linear_free(m);
	return bad;
}

/* What the loader cannot see of the settings `scrm run` applies (engine/main.c; names and
 * values are checked when the file is read): the files they name should open, and a
 * trained classifier needs its model. Returns the errors; adds the warnings (what a
 * command-line option or the setup step can make right) to *warnings. */
static unsigned check_settings(const scrm_rules *r, char *err, size_t cap, unsigned *warnings)
{
	unsigned errors = 0;
	char msg[4400], path[4096];
	uint32_t line;
	const char *v;
	static const char *const files[] = {"lexicon", "emoji-lexicon", "intent-model", "action-model",
					    "sentiment-model"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (!(v = scrm_rules_get(r, files[i], &line)))
			continue;
		if (scrm_rules_resolve_path(r, v, path, sizeof path)) {
			snprintf(msg, sizeof msg, "%s: path too long", files[i]);
			at_setting(r, line, msg, err, cap);
			errors++;
		} else if (access(path, R_OK)) {
			/* a warning: the file may not be there yet (a lexicon the setup step
			 * fetches), and an option can stand in for it */
			snprintf(msg, sizeof msg, "warning: %s: cannot read %s: %s (scrm run stops unless --%s gives another)",
				 files[i], path, strerror(errno), files[i]);
			at_setting(r, line, msg, err, cap);
			(*warnings)++;
		} else if (load_fails(files[i], path, msg, sizeof msg)) {
			at_setting(r, line, msg, err, cap);
			errors++;
		}
	}
	/* what needs a lexicon when the file names none: run stops unless --lexicon gives one */
	static const char *const need_lex[] = {"emoji-lexicon", "sentiment", "sentiment-langs"};
	for (size_t i = 0; i < sizeof need_lex / sizeof need_lex[0] && !scrm_rules_get(r, "lexicon", NULL); i++) {
		if (!scrm_rules_get(r, need_lex[i], &line))
			continue;
		snprintf(msg, sizeof msg, "warning: %s needs a lexicon: set lexicon here, or scrm run needs --lexicon",
			 need_lex[i]);
		at_setting(r, line, msg, err, cap);
		(*warnings)++;
	}
	static const char *const clf[2][2] = {{"intent", "intent-model"}, {"action", "action-model"}};
	static const scrm_task task[2] = {SCRM_TASK_INTENT, SCRM_TASK_ACTION};
	for (int k = 0; k < 2; k++) {
		if (!(v = scrm_rules_get(r, clf[k][0], &line)) || !strcmp(v, "none"))
			continue;
		const scrm_classifier_desc *d = scrm_classifier_find(task[k], v); /* the loader checked the name */
		if (d && d->train && !scrm_rules_get(r, clf[k][1], NULL)) {
			snprintf(msg, sizeof msg, "warning: %s = %s needs a model: set %s here, or scrm run needs --%s",
				 clf[k][0], v, clf[k][1], clf[k][1]);
			at_setting(r, line, msg, err, cap);
			(*warnings)++;
		}
	}
	return errors;
}

/* Whether `scrm run` with this file's settings alone has a classifier that reads the cue
 * lists (engine/main.c: `cues` unless the file names one, `linear` for a model alone). */
static bool uses_cues(const scrm_rules *r)
{
	static const char *const key[2][2] = {{"intent", "intent-model"}, {"action", "action-model"}};
	static const scrm_task task[2] = {SCRM_TASK_INTENT, SCRM_TASK_ACTION};
	for (int k = 0; k < 2; k++) {
		const char *name = scrm_rules_get(r, key[k][0], NULL);
		if (!name)
			name = scrm_rules_get(r, key[k][1], NULL) ? "linear" : "cues";
		const scrm_classifier_desc *d = strcmp(name, "none") ? scrm_classifier_find(task[k], name) : NULL;
		if (d && (d->flags & SCRM_CLF_USES_CUES))
			return true;
	}
	return false;
}

int scrm_check_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	const char *sample = NULL;
	if (argc == 4 && !strcmp(argv[2], "--sample"))
		sample = argv[3];
	else if (argc == 4 && !strcmp(argv[1], "--sample"))
		sample = argv[2], argv[1] = argv[3];
	else if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (argv[1][0] == '-' && argv[1][1]) { /* an option it does not know, not a file */
		fprintf(stderr, "scrm check: unknown option '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	static char err[ERR_CAP]; /* `scrm check` is a one-shot command: no threads */
	const char *path = argv[1];
	scrm_rules *r = NULL;
	scrm_topics *t = NULL;
	scrm_routes *rt = NULL;
	int rc = 1;
	int lrc = scrm_rules_load_partial(&r, path, err, sizeof(err));
	if (lrc != 0) {
		fputs(err, stderr);
		/* syntax errors: the routing rules' errors too, in one run (the topics whose
		 * query failed keep their names, so a route naming one is no error) */
		err[0] = 0;
		if (lrc == -EINVAL && r && scrm_route_compile(&rt, r, err, sizeof(err)) != 0)
			fputs(err, stderr);
		goto out;
	}
	/* Both compilers report what they find, so one run shows every bad rule. */
	int route_rc = scrm_route_compile(&rt, r, err, sizeof(err));
	if (route_rc)
		fputs(err, stderr);
	err[0] = 0;
	/* With the cue lists as guests when the file's classifiers read them, as `scrm run`
	 * compiles it: so what check stores in the rules cache is what run loads (found by
	 * review: run, with the default cues classifiers, missed it and compiled again). */
	scrm_topics_guest guest, *gp = NULL;
	if (uses_cues(r) && scrm_cues_guest(&guest) == 0)
		gp = &guest;
	if (scrm_topics_compile_rules(&t, r, NULL, gp, err, sizeof(err)) != 0) {
		fputs(err, stderr);
		goto out;
	}
	unsigned warnings = 0, topics = 0, cues = 0, sets = 0;
	if (check_settings(r, err, sizeof err, &warnings) || route_rc)
		goto out;
	uint32_t mt_line;
	const char *mt = scrm_rules_get(r, "model-topics", &mt_line);
	if (mt) { /* names the file's own topics: checked against them */
		uint32_t *bits = malloc(65536 / 8);
		char msg0[256];
		if (!bits || scrm_topics_select(t, mt, "model-topics", bits, msg0, sizeof msg0)) {
			err[0] = 0;
			scrm_rules_format_error(r, mt_line, 1, bits ? msg0 : "out of memory", err, sizeof(err));
			fputs(err, stderr);
			free(bits);
			goto out;
		}
		free(bits);
	}
	char msg[256];
	for (uint32_t i = 0; i < scrm_rules_stmt_count(r); i++) {
		const scrm_rules_stmt *s = scrm_rules_stmt_at(r, i);
		topics += s->kind == SCRM_STMT_TOPIC;
		cues += s->kind == SCRM_STMT_CUE;
		sets += s->kind == SCRM_STMT_SET;
	}
	err[0] = 0;
	scrm_route_lint_counts lc;
	scrm_route_lint(rt, r, err, sizeof(err), &lc);
	fputs(err, stderr);
	warnings += lc.warnings;
	warnings += warn_phrase_stars(r);
	for (uint32_t id = 0; id < scrm_topics_count(t); id++) {
		if (!scrm_topics_never_matches(t, (uint16_t)id))
			continue;
		err[0] = 0;
		snprintf(msg, sizeof(msg), "warning: %s '%s' can never match (its query contradicts itself)",
			 scrm_topics_is_cue(t, (uint16_t)id) ? "cue" : "topic", scrm_topics_name(t, (uint16_t)id));
		scrm_rules_format_error(r, scrm_topics_line(t, (uint16_t)id), 1, msg, err, sizeof(err));
		fputs(err, stderr);
		warnings++;
	}
	static const char *const cache[] = {"", " (loaded from the rules cache)", " (stored in the rules cache)",
					    " (the rules cache could not be written)"};
	printf("%s: ok: %u topics, %u cues, %u settings, %u patterns; compiled in %.1f ms%s; "
	       "database %zu bytes; %u routing rules, %u teams:",
	       path, topics, cues, sets, scrm_topics_pattern_count(t), scrm_topics_compile_ms(t),
	       cache[scrm_topics_cache_state(t) & 3], scrm_topics_db_size(t), scrm_route_rule_count(rt),
	       scrm_route_team_count(rt));
	for (uint32_t i = 0; i < scrm_route_team_count(rt); i++)
		printf(" %s", scrm_route_team_name(rt, (uint16_t)i));
	printf("; %u warnings\n", warnings);
	rc = sample ? report_scan_cost(t, sample) : 0;
out:
	fflush(stdout);
	scrm_routes_free(rt);
	scrm_topics_free(t);
	scrm_rules_free(r);
	return rc;
}
