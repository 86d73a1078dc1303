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
 * or the setup step can stand in for them), so nothing run refuses passes without a word.
 * Prints a summary: topics, cues, settings, patterns, compile time, database size,
 * routing rules and teams.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "classifier.h"
#include "route.h"
#include "rules.h"
#include "topics.h"

enum { ERR_CAP = 64 * 1024 };

static void usage(FILE *fp)
{
	fprintf(fp, "usage: scrm check RULES\n\n"
		    "Parse and compile a rules file; report errors (exit 1) and warnings;\n"
		    "print the number of topics and cues, compile time and database size.\n");
}

/* An error or warning at the line of `set KEY`. */
static void at_setting(const scrm_rules *r, uint32_t line, const char *msg, char *err, size_t cap)
{
	err[0] = 0;
	scrm_rules_format_error(r, line, 1, msg, err, cap);
	fputs(err, stderr);
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
		}
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

int scrm_check_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2) {
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
	if (scrm_topics_compile_rules(&t, r, NULL, err, sizeof(err)) != 0) {
		fputs(err, stderr);
		goto out;
	}
	unsigned warnings = 0, topics = 0, cues = 0, sets = 0;
	if (check_settings(r, err, sizeof err, &warnings) || route_rc)
		goto out;
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
	rc = 0;
out:
	fflush(stdout);
	scrm_routes_free(rt);
	scrm_topics_free(t);
	scrm_rules_free(r);
	return rc;
}
