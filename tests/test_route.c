/*
 * test_route.c - routing rules (classifiers/route.c): parser errors with their columns,
 * precedence, missing-value semantics, first match, alerts, defaults, every field type,
 * the shadowing lint and `scrm check`; and a differential test: random rules x random
 * facts, the compiled branch program against a slow, obvious evaluator over the test's
 * own syntax tree.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "route.h"
#include "rules.h"
#include "spam.h"

#define HEAD "topic nestle: nestle\ntopic refunds: refund*\ncue spam.giveaway: giveaway\ncue urgent: asap\n"
/* ids: nestle 0, refunds 1, spam.giveaway 2, urgent 3 */

struct fx {
	scrm_rules *r;
	scrm_routes *rt;
};

static struct fx compile_ok(const char *src)
{
	static char err[8192];
	struct fx f = {0};
	int rc = scrm_rules_parse(&f.r, "dir/t.scrm", src, strlen(src), err, sizeof err);
	cr_assert_eq(rc, 0, "parse: %s", err);
	err[0] = 0;
	rc = scrm_route_compile(&f.rt, f.r, err, sizeof err);
	cr_assert_eq(rc, 0, "compile: %s", err);
	cr_assert_str_empty(err);
	return f;
}

static void fx_free(struct fx *f)
{
	scrm_routes_free(f->rt);
	scrm_rules_free(f->r);
}

/* The first line of the error for @src (after HEAD) must be @want. */
static void expect_error(const char *rule, const char *want)
{
	char src[1024], err[4096] = "";
	snprintf(src, sizeof src, HEAD "%s\n", rule);
	scrm_rules *r = NULL;
	cr_assert_eq(scrm_rules_parse(&r, "t.scrm", src, strlen(src), err, sizeof err), 0, "%s", err);
	scrm_routes *rt = NULL;
	cr_assert_eq(scrm_route_compile(&rt, r, err, sizeof err), -EINVAL, "rule '%s' compiled", rule);
	cr_assert_null(rt);
	char *nl = strchr(err, '\n');
	cr_assert(nl);
	*nl = 0;
	cr_assert_str_eq(err, want, "rule: %s", rule);
	scrm_rules_free(r);
}

/* Canonical form of rule 0 of HEAD + @rule. */
static void expect_canon(const char *rule, const char *want)
{
	char src[1024], buf[1024];
	snprintf(src, sizeof src, HEAD "%s\n", rule);
	struct fx f = compile_ok(src);
	cr_assert_eq(scrm_route_rule_count(f.rt), 1);
	scrm_route_rule_string(f.rt, 0, buf, sizeof buf);
	cr_assert_str_eq(buf, want, "rule: %s", rule);
	fx_free(&f);
}

/* Does rule 0 of HEAD + "route pr when COND" fire for @facts? */
static bool fires(const char *cond, const scrm_route_facts *facts)
{
	char src[1024];
	snprintf(src, sizeof src, HEAD "route pr when %s\n", cond);
	struct fx f = compile_ok(src);
	scrm_route_decision d;
	int32_t k = scrm_route_eval(f.rt, facts, &d);
	fx_free(&f);
	return k == 0;
}

/* ------------------------------------------------------------------------------ */

Test(route, parse_errors_and_columns)
{
	expect_error("route pr when topic = nestl", "t.scrm:5:23: unknown topic 'nestl' (did you mean 'nestle'?)");
	expect_error("route pr when topic = zzz", "t.scrm:5:23: unknown topic 'zzz' (declare it with `topic zzz: QUERY`)");
	expect_error("route pr when topic = urgent", "t.scrm:5:23: 'urgent' is a cue, not a topic: write cue = urgent");
	expect_error("route pr when cue = nestle", "t.scrm:5:21: 'nestle' is a topic, not a cue: write topic = nestle");
	expect_error("route pr when topic < nestle", "t.scrm:5:21: 'topic' is a topic test: only = and != apply");
	expect_error("route pr when topic", "t.scrm:5:15: topic needs = NAME or != NAME");
	expect_error("route pr when sentimnet < 0", "t.scrm:5:15: unknown field 'sentimnet' (did you mean 'sentiment'?)");
	expect_error("route pr when nestle", "t.scrm:5:15: unknown field 'nestle' (for the topic, write topic = nestle)");
	expect_error("route pr when bogus", "t.scrm:5:15: unknown field 'bogus'");
	expect_error("route pr when sentiment < low", "t.scrm:5:27: 'sentiment' is a number: expected a number, not 'low'");
	expect_error("route pr when sentiment", "t.scrm:5:15: 'sentiment' is a number: compare it, e.g. sentiment < 0");
	expect_error("route pr when intent", "t.scrm:5:15: 'intent' is an intent label: compare it with = or !=");
	expect_error("route pr when intent = complain",
		     "t.scrm:5:24: unknown intent 'complain' (labels: question, complaint, praise, purchase, churn, "
		     "suggestion, spam, other)");
	expect_error("route pr when intent > question", "t.scrm:5:22: 'intent' is an intent label: only = and != apply");
	expect_error("route pr when spam.giveaway",
		     "t.scrm:5:15: unknown spam signal 'giveaway' (signals: links, hashtags, mentions, repeated_text, "
		     "cue, duplicate; for the cue, write cue = spam.giveaway)");
	expect_error("route pr when verified = maybe", "t.scrm:5:26: 'verified' is a boolean: expected true or false, not 'maybe'");
	expect_error("route pr when verified < true", "t.scrm:5:24: 'verified' is a boolean: only = and != apply");
	expect_error("route pr when channel > x", "t.scrm:5:23: 'channel' is a string: only = and != apply");
	expect_error("route pr when channel", "t.scrm:5:15: 'channel' is a string: compare it with = or !=");
	expect_error("route pr when channel = \"\"", "t.scrm:5:25: empty string: an empty value counts as missing");
	expect_error("route pr when channel = \"abc", "t.scrm:5:25: unterminated string: missing '\"'");
	expect_error("route pr when direction = sideways", "t.scrm:5:27: direction is in or out, not 'sideways'");
	expect_error("route pr when followers >= 1.2.3",
		     "t.scrm:5:28: bad number '1.2.3' (expected e.g. 3, -0.5 or 60.25, at most 15 significant digits)");
	expect_error("route pr when followers >= 1234567890123456",
		     "t.scrm:5:28: bad number '1234567890123456' (expected e.g. 3, -0.5 or 60.25, at most 15 significant "
		     "digits)");
	/* found by fuzz_route: a 19-digit integer overflowed the mantissa (UB) before the check */
	expect_error("route pr when followers >= 4444444444444444444",
		     "t.scrm:5:28: bad number '4444444444444444444' (expected e.g. 3, -0.5 or 60.25, at most 15 "
		     "significant digits)");
	expect_error("route pr when followers >= 10k",
		     "t.scrm:5:28: bad number '10k' (expected e.g. 3, -0.5 or 60.25, at most 15 significant digits)");
	expect_error("route pr when sentiment == 1", "t.scrm:5:25: use '=' to compare, not '=='");
	expect_error("route pr when ! spam", "t.scrm:5:15: unexpected '!': write 'not' to negate, '!=' to compare");
	expect_error("route pr when sentiment < ", "t.scrm:5:27: expected a value after '<'");
	expect_error("route pr when spam & verified", "t.scrm:5:20: unexpected '&'");
	/* structure */
	expect_error("route", "t.scrm:5:6: expected a team name after 'route'");
	expect_error("route when spam", "t.scrm:5:7: expected a team name after 'route'");
	expect_error("route Pr when spam", "t.scrm:5:7: bad team name 'Pr': a team is [a-z][a-z0-9_-]*, at most 64 bytes");
	expect_error("route pr when", "t.scrm:5:10: empty condition after 'when'");
	expect_error("route pr when spam and", "t.scrm:5:20: 'and' needs a condition on each side");
	expect_error("route pr when spam OR", "t.scrm:5:20: 'OR' needs a condition on each side");
	expect_error("route pr when not", "t.scrm:5:15: 'not' needs a condition after it");
	expect_error("route pr when (spam or verified", "t.scrm:5:15: unbalanced '(': missing ')'");
	expect_error("route pr when spam or verified)", "t.scrm:5:31: unbalanced ')': no matching '('");
	expect_error("route pr when ()", "t.scrm:5:15: empty parentheses");
	expect_error("route pr when spam foo", "t.scrm:5:20: unexpected 'foo': expected and, or, priority, sla or alert");
	/* a condition after the actions: said so (the message offered 'and' while refusing it) */
	expect_error("route pr when spam priority P1 and channel = chat",
		     "t.scrm:5:32: 'and' after priority, sla or alert: the condition comes before them");
	expect_error("route pr when spam sla 1h foo", "t.scrm:5:27: unexpected 'foo': expected priority, sla or alert");
	expect_error("route pr priority P1 foo", "t.scrm:5:22: unexpected 'foo': expected priority, sla or alert");
	expect_error("route pr spam", "t.scrm:5:10: unexpected 'spam': expected when, priority, sla or alert");
	expect_error("drop support when spam", "t.scrm:5:6: unexpected 'support': expected when, priority, sla or alert");
	expect_error("route pr when priority P1", "t.scrm:5:15: expected a condition, not 'priority'");
	expect_error("route pr priority P1 when spam", "t.scrm:5:22: 'when' must come right after the team name");
	expect_error("route pr when spam priority P5", "t.scrm:5:29: expected P0, P1, P2 or P3 after 'priority'");
	expect_error("route pr when spam priority", "t.scrm:5:28: expected P0, P1, P2 or P3 after 'priority'");
	expect_error("route pr when spam priority P1 priority P2", "t.scrm:5:32: priority given twice");
	expect_error("route pr when spam sla 5x", "t.scrm:5:24: bad duration '5x' (expected e.g. 90s, 15m, 4h, 2d or 500ms)");
	expect_error("route pr when spam sla", "t.scrm:5:20: expected a duration after 'sla', e.g. 15m, 4h or 2d");
	/* an SLA so long that time + SLA would overflow (UBSan) or leave the year 9999 */
	expect_error("route pr when spam sla 367d", "t.scrm:5:24: sla '367d' is longer than 366d");
	/* the 33rd team (each is an output file): at the rule that names it, as run would refuse it */
	expect_error("route a1 when spam\nroute a2 when spam\nroute a3 when spam\nroute a4 when spam\n"
		     "route a5 when spam\nroute a6 when spam\nroute a7 when spam\nroute a8 when spam\n"
		     "route a9 when spam\nroute a10 when spam\nroute a11 when spam\nroute a12 when spam\n"
		     "route a13 when spam\nroute a14 when spam\nroute a15 when spam\nroute a16 when spam\n"
		     "route a17 when spam\nroute a18 when spam\nroute a19 when spam\nroute a20 when spam\n"
		     "route a21 when spam\nroute a22 when spam\nroute a23 when spam\nroute a24 when spam\n"
		     "route a25 when spam",
		     "t.scrm:29:7: team 'a25' is one too many: at most 32 teams, the 8 default ones included "
		     "(each is an output file)");
	expect_error("route pr when spam sla 9223372036854775s", "t.scrm:5:24: sla '9223372036854775s' is longer than 366d");
	expect_error("route pr sla 1h sla 2h", "t.scrm:5:17: sla given twice");
	expect_error("drop when spam alert alert", "t.scrm:5:22: alert given twice");
	/* columns count UTF-8 characters and start where the statement does */
	expect_error("  \troute pr when channel = \"café\" and bogus", "t.scrm:5:39: unknown field 'bogus'");
}

Test(route, every_bad_rule_is_reported_with_a_caret)
{
	const char *src = HEAD "route pr when bogus\nroute sales\ndrop when spam priority P9\n";
	scrm_rules *r = NULL;
	char err[4096];
	cr_assert_eq(scrm_rules_parse(&r, "t.scrm", src, strlen(src), err, sizeof err), 0);
	scrm_routes *rt = NULL;
	err[0] = 0;
	cr_assert_eq(scrm_route_compile(&rt, r, err, sizeof err), -EINVAL);
	cr_assert_str_eq(err, "t.scrm:5:15: unknown field 'bogus'\n"
			      "route pr when bogus\n"
			      "              ^\n"
			      "t.scrm:7:25: expected P0, P1, P2 or P3 after 'priority'\n"
			      "drop when spam priority P9\n"
			      "                        ^\n");
	scrm_rules_free(r);
}

Test(route, settings_are_checked_by_the_rules_parser)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
		{"set default-route = Inbox\n",
		 "t.scrm:1:21: default-route: expected a team name ([a-z][a-z0-9_-]*) such as inbox or support, not 'Inbox'"},
		{"set default-priority = P4\n", "t.scrm:1:24: default-priority: expected P0, P1, P2 or P3, not 'P4'"},
		{"set default-sla = soon\n",
		 "t.scrm:1:19: default-sla: expected a duration of at most 366d such as 90s, 30m, 1h or 0, not 'soon'"},
		{"set default-sla = 367d\n", /* at the value, like the others (was column 1, from route.c) */
		 "t.scrm:1:19: default-sla: expected a duration of at most 366d such as 90s, 30m, 1h or 0, not '367d'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		scrm_rules *r = NULL;
		char err[1024];
		cr_assert_eq(scrm_rules_parse(&r, "t.scrm", cases[i].src, strlen(cases[i].src), err, sizeof err), -EINVAL);
		*strchr(err, '\n') = 0;
		cr_assert_str_eq(err, cases[i].want);
	}
}

Test(route, precedence_and_canonical_form)
{
	expect_canon("route pr when spam or verified and not reply", "route pr when (spam or (verified and not reply))");
	expect_canon("route pr when (spam or verified) and not reply",
		     "route pr when ((spam or verified) and not reply)");
	expect_canon("route pr when not spam or verified", "route pr when (not spam or verified)");
	expect_canon("route pr when not (spam or verified)", "route pr when not (spam or verified)");
	expect_canon("route pr when spam OR verified AND NOT reply", "route pr when (spam or (verified and not reply))");
	expect_canon("route pr when spam or verified and reply or retweet",
		     "route pr when ((spam or (verified and reply)) or retweet)");
	expect_canon("route pr when not not spam", "route pr when not not spam");
	/* normal forms: bare fields, lower-cased strings, quoting, durations, number text */
	expect_canon("drop when dup", "drop when dup > 0");
	expect_canon("route support when customer.tier = GOLD and channel = \"Call Notes\" priority P1 sla 900s alert",
		     "route support when (customer.tier = gold and channel = \"call notes\") priority P1 sla 15m alert");
	expect_canon("route pr when sentiment < -.50 and influence >= +060.0 sla 1500ms",
		     "route pr when (sentiment < -0.5 and influence >= 60) sla 1500ms");
	expect_canon("route pr when spam.links != true and spam = false sla 0",
		     "route pr when (spam.links = false and spam = false) sla 0");
	expect_canon("route pr when verified != true and reply = false", "route pr when (verified != true and reply = false)");
	expect_canon("route pr when topic != nestle and cue = spam.giveaway and intent = Complaint and direction = OUT",
		     "route pr when (((topic != nestle and cue = spam.giveaway) and intent = complaint) and direction = out)");
	/* found by fuzz_route: %g wrote -2e-06, which the grammar cannot read back */
	expect_canon("route pr when sentiment < -.0000020000 and followers >= 1000000000000000",
		     "route pr when (sentiment < -0.000002 and followers >= 1000000000000000)");
	expect_canon("route marketing", "route marketing");
	expect_canon("route marketing when true priority P0", "route marketing when true priority P0");
}

Test(route, canonical_form_parses_back_to_itself)
{
	const char *rules[] = {
		"route pr when topic = nestle and sentiment < -0.5 and influence >= 60 priority P0 alert",
		"route support when customer.complaints_24h >= 3 or customer.open_case priority P1 sla 1h",
		"route x-y_z when not (lang = \"pt-BR\" or lang = en) and followers > 1000000000000",
		"drop when spam.duplicate or spam.cue and not customer.known",
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		char src[2048], a[1024], b[1024];
		snprintf(src, sizeof src, HEAD "%s\n", rules[i]);
		struct fx f = compile_ok(src);
		scrm_route_rule_string(f.rt, 0, a, sizeof a);
		fx_free(&f);
		snprintf(src, sizeof src, HEAD "%s\n", a);
		f = compile_ok(src);
		scrm_route_rule_string(f.rt, 0, b, sizeof b);
		fx_free(&f);
		cr_assert_str_eq(a, b);
	}
}

Test(route, missing_values)
{
	scrm_route_facts f;
	scrm_route_facts_init(&f);
	/* a comparison with a missing value is false, != true; not negates the result */
	cr_assert_not(fires("sentiment < 0", &f));
	cr_assert_not(fires("sentiment >= 0", &f));
	cr_assert_not(fires("sentiment = 0", &f));
	cr_assert(fires("sentiment != 0", &f));
	cr_assert(fires("not sentiment < 0", &f));
	cr_assert_not(fires("verified", &f));
	cr_assert_not(fires("verified = false", &f));
	cr_assert(fires("verified != true", &f));
	cr_assert(fires("verified != false", &f));
	cr_assert_not(fires("followers", &f));
	cr_assert_not(fires("customer.tier = gold", &f));
	cr_assert(fires("customer.tier != gold", &f));
	cr_assert_not(fires("intent = other", &f));
	cr_assert(fires("intent != other", &f));
	cr_assert_not(fires("direction = in", &f));
	/* sets are never missing: not matched */
	cr_assert_not(fires("topic = nestle", &f));
	cr_assert(fires("topic != nestle", &f));
	cr_assert_not(fires("spam", &f));
	cr_assert(fires("spam = false", &f));
	/* an empty string is missing even when flagged known; NaN behaves as missing */
	f.known |= 1ull << SCRM_RF_CUST_TIER;
	cr_assert(fires("customer.tier != gold", &f));
	cr_assert_not(fires("customer.tier = gold", &f));
	scrm_route_facts_num(&f, SCRM_RF_CUST_LTV, NAN);
	cr_assert_not(fires("customer.ltv >= 0", &f));
	cr_assert_not(fires("customer.ltv < 0", &f));
	cr_assert(fires("customer.ltv != 0", &f));
	/* unknown booleans (record.h -1) stay missing */
	scrm_route_facts_bool(&f, SCRM_RF_VERIFIED, -1);
	cr_assert_not(fires("verified = false", &f));
}

Test(route, every_field_type)
{
	scrm_route_facts f;
	scrm_route_facts_init(&f);
	uint64_t hits[2];
	uint16_t ids[] = {1, 3}; /* refunds, urgent */
	f.hits = hits;
	f.hit_words = scrm_route_hits_fill(hits, 2, ids, 2);
	scrm_route_facts_num(&f, SCRM_RF_SENTIMENT, (float)0.7);
	scrm_route_facts_num(&f, SCRM_RF_SENT_POS, 0.5);
	scrm_route_facts_num(&f, SCRM_RF_SENT_NEG, 0.1);
	scrm_route_facts_num(&f, SCRM_RF_SENT_NEU, 0.4);
	scrm_route_facts_intent(&f, 1 /* complaint */, 0.93f);
	scrm_route_facts_bool(&f, SCRM_RF_ACTION_NEEDED, 1);
	f.spam = SCRM_SPAM_LINKS;
	scrm_route_facts_num(&f, SCRM_RF_DUP, 2);
	scrm_route_facts_num(&f, SCRM_RF_INFLUENCE, 61);
	scrm_route_facts_num(&f, SCRM_RF_FOLLOWERS, 5120);
	scrm_route_facts_bool(&f, SCRM_RF_VERIFIED, 0);
	scrm_route_facts_str(&f, SCRM_RF_CHANNEL, "Twitter", 7);
	scrm_route_facts_direction(&f, 0);
	scrm_route_facts_str(&f, SCRM_RF_LANG, "pt-BR", 5);
	scrm_route_facts_bool(&f, SCRM_RF_RETWEET, 0);
	scrm_route_facts_bool(&f, SCRM_RF_REPLY, 1);
	scrm_route_facts_bool(&f, SCRM_RF_CUST_KNOWN, 1);
	scrm_route_facts_str(&f, SCRM_RF_CUST_TIER, "gold", 4);
	scrm_route_facts_num(&f, SCRM_RF_CUST_LTV, 1250.5);
	scrm_route_facts_bool(&f, SCRM_RF_CUST_OPEN_CASE, 1);
	scrm_route_facts_num(&f, SCRM_RF_CUST_COMPLAINTS_24H, 3);
	scrm_route_facts_num(&f, SCRM_RF_CUST_INTERACTIONS_24H, 4);
	scrm_route_facts_num(&f, SCRM_RF_CUST_INTERACTIONS_7D, 9);
	scrm_route_facts_num(&f, SCRM_RF_CUST_SENTIMENT_AVG, -0.25);

	static const struct {
		const char *cond;
		bool want;
	} cases[] = {
		{"topic = refunds", true}, {"topic = nestle", false}, {"topic != nestle", true},
		{"cue = urgent", true}, {"cue = spam.giveaway", false},
		/* float fields compare in float: the float 0.7 is >= 0.7 and = 0.7 */
		{"sentiment >= 0.7", true}, {"sentiment = 0.7", true}, {"sentiment > 0.7", false},
		{"sentiment.pos > 0.4", true}, {"sentiment.neg <= 0.1", true}, {"sentiment.neu < 0.4", false},
		{"intent = complaint", true}, {"intent != complaint", false}, {"intent = purchase", false},
		{"intent.p > 0.9", true}, {"intent.p = 0.93", true},
		{"action_needed", true}, {"action_needed = false", false},
		{"spam", true}, {"spam.links", true}, {"spam.duplicate", false}, {"spam.duplicate = false", true},
		{"spam != true", false},
		{"dup", true}, {"dup >= 3", false}, {"dup = 2", true},
		{"influence >= 60", true}, {"influence > 61", false},
		{"followers", true}, {"followers >= 5120", true}, {"followers > 5120", false},
		{"verified", false}, {"verified = false", true}, {"not verified", true},
		{"channel = twitter", true}, {"channel = \"TWITTER\"", true}, {"channel != reddit", true},
		{"direction = in", true}, {"direction = out", false}, {"direction != out", true},
		{"lang = pt-br", true}, {"lang = pt", false}, {"lang = \"PT-BR\"", true},
		{"retweet", false}, {"reply", true},
		{"customer.known", true}, {"customer.tier = gold", true}, {"customer.tier = Gold", true},
		{"customer.tier = silver", false}, {"customer.ltv > 1000", true}, {"customer.ltv = 1250.5", true},
		{"customer.open_case", true}, {"customer.complaints_24h >= 3", true}, {"customer.complaints_24h", true},
		{"customer.interactions_24h = 4", true}, {"customer.interactions_7d < 9", false},
		{"customer.sentiment_avg < -0.2", true},
		{"true", true}, {"false", false}, {"not false", true},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_eq(fires(cases[i].cond, &f), cases[i].want, "%s: expected %d", cases[i].cond, cases[i].want);
}

Test(route, first_match_alerts_and_defaults)
{
	struct fx f = compile_ok(HEAD "set default-priority = P2\n"
				      "route pr      when topic = nestle and sentiment < -0.5 and influence >= 60 priority P0 alert\n"
				      "route sales   when intent = purchase priority P2 sla 4h\n"
				      "route support when intent = complaint and customer.tier = gold priority P1 sla 15m\n"
				      "drop          when spam\n"
				      "route support when action_needed sla 2h\n"
				      "route alerts  when dup >= 5 alert\n"
				      "route vip when customer.tier = platinum\n"
				      "route drop when cue = urgent sla 1m\n");
	const scrm_routes *rt = f.rt;
	cr_assert_eq(scrm_route_rule_count(rt), 8);
	cr_assert_eq(scrm_route_rule_line(rt, 0), 6);
	cr_assert_eq(scrm_route_team_count(rt), 9);
	cr_assert_str_eq(scrm_route_team_name(rt, SCRM_TEAM_SUPPORT), "support");
	cr_assert_str_eq(scrm_route_team_name(rt, SCRM_TEAM_INBOX), "inbox");
	cr_assert_str_eq(scrm_route_team_name(rt, 8), "vip");
	cr_assert_eq(scrm_route_team_find(rt, "vip"), 8);
	cr_assert_eq(scrm_route_team_find(rt, "nobody"), -ENOENT);
	cr_assert_eq(scrm_route_hit_words(rt), 1);

	scrm_route_facts facts;
	scrm_route_facts_init(&facts);
	scrm_route_decision d;
	/* nothing matches: the default route */
	cr_assert_eq(scrm_route_eval(rt, &facts, &d), -1);
	cr_assert_eq(d.team, SCRM_TEAM_INBOX);
	cr_assert_eq(d.priority, 2);
	cr_assert_eq(d.sla_ms, -1);
	cr_assert_eq(d.alert, 0);
	cr_assert_str_eq(d.why, "default");

	/* the first matching rule wins, even when a later one matches too */
	uint64_t hits[1];
	uint16_t ids[] = {0, 3};
	facts.hits = hits;
	facts.hit_words = scrm_route_hits_fill(hits, 1, ids, 2);
	scrm_route_facts_num(&facts, SCRM_RF_SENTIMENT, -0.8);
	scrm_route_facts_num(&facts, SCRM_RF_INFLUENCE, 60);
	facts.spam = SCRM_SPAM_HASHTAGS;
	cr_assert_eq(scrm_route_eval(rt, &facts, &d), 0);
	cr_assert_eq(d.team, SCRM_TEAM_PR);
	cr_assert_eq(d.priority, 0);
	cr_assert_eq(d.sla_ms, -1);
	cr_assert_eq(d.alert, 1);
	cr_assert_str_eq(d.why, "t.scrm:6"); /* base name: the same from any directory */

	scrm_route_facts_num(&facts, SCRM_RF_INFLUENCE, 59.5);
	cr_assert_eq(scrm_route_eval(rt, &facts, &d), 3);
	cr_assert_eq(d.team, SCRM_TEAM_DROP);
	cr_assert_eq(d.priority, 2); /* default-priority */
	cr_assert_eq(d.sla_ms, -1);  /* drop: no SLA */
	cr_assert_str_eq(d.why, "t.scrm:9");

	facts.spam = 0;
	scrm_route_facts_intent(&facts, 1, 0.9f);
	scrm_route_facts_str(&facts, SCRM_RF_CUST_TIER, "GOLD", 4);
	cr_assert_eq(scrm_route_eval(rt, &facts, &d), 2);
	cr_assert_eq(d.sla_ms, 15 * 60 * 1000);
	cr_assert_eq(d.priority, 1);

	scrm_route_facts_str(&facts, SCRM_RF_CUST_TIER, "platinum", 8);
	scrm_route_facts_num(&facts, SCRM_RF_DUP, 7);
	cr_assert_eq(scrm_route_eval(rt, &facts, &d), 5);
	cr_assert_eq(d.team, SCRM_TEAM_ALERTS);
	cr_assert_eq(d.alert, 0); /* already the alerts team: one copy */

	scrm_route_facts_num(&facts, SCRM_RF_DUP, 0);
	cr_assert_eq(scrm_route_eval(rt, &facts, &d), 6);
	cr_assert_eq(d.team, 8);

	scrm_route_facts_str(&facts, SCRM_RF_CUST_TIER, "bronze", 6);
	cr_assert_eq(scrm_route_eval(rt, &facts, &d), 7);
	cr_assert_eq(d.team, SCRM_TEAM_DROP);
	cr_assert_eq(d.sla_ms, 60000); /* a drop rule's own sla counts */
	fx_free(&f);
}

Test(route, default_settings_and_custom_default_team)
{
	struct fx f = compile_ok("set default-route = triage\nset default-sla = 8h\nset default-priority = P1\n"
				 "route support when reply\nroute pr when verified priority P0 sla 10m\n");
	scrm_route_decision d;
	scrm_route_default(f.rt, &d);
	cr_assert_str_eq(scrm_route_team_name(f.rt, d.team), "triage");
	cr_assert_eq(d.team, SCRM_TEAM__DEFAULTS);
	cr_assert_eq(d.priority, 1);
	cr_assert_eq(d.sla_ms, 8 * 3600 * 1000);
	scrm_route_facts facts;
	scrm_route_facts_init(&facts);
	scrm_route_facts_bool(&facts, SCRM_RF_REPLY, 1);
	cr_assert_eq(scrm_route_eval(f.rt, &facts, &d), 0);
	cr_assert_eq(d.priority, 1);          /* default-priority */
	cr_assert_eq(d.sla_ms, 8 * 3600000);  /* default-sla */
	scrm_route_facts_bool(&facts, SCRM_RF_REPLY, 0);
	scrm_route_facts_bool(&facts, SCRM_RF_VERIFIED, 1);
	cr_assert_eq(scrm_route_eval(f.rt, &facts, &d), 1);
	cr_assert_eq(d.priority, 0);
	cr_assert_eq(d.sla_ms, 600000);
	cr_assert_eq(scrm_route_fields_used(f.rt), (1ull << SCRM_RF_REPLY) | (1ull << SCRM_RF_VERIFIED));
	fx_free(&f);

	/* no routing rules: everything to inbox, P3, no SLA */
	f = compile_ok(HEAD);
	scrm_route_facts_init(&facts);
	cr_assert_eq(scrm_route_eval(f.rt, &facts, &d), -1);
	cr_assert_eq(d.team, SCRM_TEAM_INBOX);
	cr_assert_eq(d.priority, 3);
	cr_assert_eq(d.sla_ms, -1);
	cr_assert_eq(scrm_route_fields_used(f.rt), 0);
	fx_free(&f);
}

Test(route, hits_beyond_the_bitset_are_not_matched)
{
	char src[8192] = "";
	for (int i = 0; i < 70; i++)
		snprintf(src + strlen(src), sizeof src - strlen(src), "topic t%d: w%d\n", i, i);
	strcat(src, "route pr when topic = t66\nroute sales when topic != t1\n");
	struct fx f = compile_ok(src);
	cr_assert_eq(scrm_route_hit_words(f.rt), 2);
	scrm_route_facts facts;
	scrm_route_facts_init(&facts);
	uint64_t hits[2];
	uint16_t ids[] = {1, 66};
	facts.hits = hits;
	facts.hit_words = scrm_route_hits_fill(hits, 2, ids, 2);
	scrm_route_decision d;
	cr_assert_eq(scrm_route_eval(f.rt, &facts, &d), 0);
	facts.hit_words = scrm_route_hits_fill(hits, 1, ids, 2); /* 66 does not fit */
	cr_assert_eq(scrm_route_eval(f.rt, &facts, &d), -1);
	facts.hits = NULL;
	cr_assert_eq(scrm_route_eval(f.rt, &facts, &d), 1);
	fx_free(&f);
}

/* ------------------------------------------------------------------------------ */
/* Lint                                                                             */

/* scrm_route_shadowed_by() of the last of two rules. */
static int32_t shadow2(const char *a, const char *b)
{
	char src[1024];
	snprintf(src, sizeof src, HEAD "%s\n%s\n", a, b);
	struct fx f = compile_ok(src);
	int32_t s = scrm_route_shadowed_by(f.rt, 1);
	fx_free(&f);
	return s;
}

Test(route, shadowing)
{
	/* (1) catch-alls */
	cr_assert_eq(shadow2("route marketing", "route pr when spam"), 0);
	cr_assert_eq(shadow2("route marketing when true", "route pr"), 0);
	cr_assert_eq(shadow2("route pr when spam", "route marketing"), -1);
	/* identical conditions, whatever the spelling */
	cr_assert_eq(shadow2("route pr when spam and verified", "route sales when (spam) AND verified = true"), 0);
	cr_assert_eq(shadow2("drop when dup", "route pr when dup > 0"), 0);
	/* subsets of a conjunction */
	cr_assert_eq(shadow2("route pr when topic = nestle", "route pr when topic = nestle and influence >= 60"), 0);
	cr_assert_eq(shadow2("route pr when topic = nestle and influence >= 60", "route pr when topic = nestle"), -1);
	/* number ranges */
	cr_assert_eq(shadow2("route pr when influence >= 60", "route pr when influence > 70"), 0);
	cr_assert_eq(shadow2("route pr when influence >= 60", "route pr when influence = 60"), 0);
	cr_assert_eq(shadow2("route pr when influence > 60", "route pr when influence >= 60"), -1);
	cr_assert_eq(shadow2("route pr when sentiment < -0.5", "route pr when sentiment <= -0.7"), 0);
	cr_assert_eq(shadow2("route pr when sentiment != 0", "route pr when sentiment < 0"), 0);
	cr_assert_eq(shadow2("route pr when sentiment != 0", "route pr when sentiment <= 0"), -1);
	cr_assert_eq(shadow2("route pr when sentiment < 0", "route pr when sentiment != 1"), -1); /* missing */
	/* single-valued fields: = v implies != w */
	cr_assert_eq(shadow2("route pr when intent != purchase", "route pr when intent = complaint"), 0);
	cr_assert_eq(shadow2("route pr when intent != purchase", "route pr when intent = purchase"), -1);
	cr_assert_eq(shadow2("route pr when customer.tier != gold", "route pr when customer.tier = silver"), 0);
	cr_assert_eq(shadow2("route pr when verified != false", "route pr when verified"), 0);
	/* but topics are not single-valued */
	cr_assert_eq(shadow2("route pr when topic != nestle", "route pr when topic = refunds"), -1);
	/* spam signals */
	cr_assert_eq(shadow2("drop when spam", "route pr when spam.links and verified"), 0);
	cr_assert_eq(shadow2("drop when spam.links", "route pr when spam"), -1);
	cr_assert_eq(shadow2("drop when spam.links = false", "route pr when spam = false"), 0);
	/* ORs: every group of the later rule must be covered */
	cr_assert_eq(shadow2("route pr when spam or reply", "route pr when reply and verified"), 0);
	cr_assert_eq(shadow2("route pr when spam or reply", "route pr when spam.cue or reply and verified"), 0);
	cr_assert_eq(shadow2("route pr when spam or reply", "route pr when spam.cue or verified"), -1);
	/* not: only the same literal */
	cr_assert_eq(shadow2("route pr when not verified", "route pr when not verified and reply"), 0);
	cr_assert_eq(shadow2("route pr when not reply", "route pr when reply"), -1);
	cr_assert_eq(shadow2("route pr when not influence > 60", "route pr when not influence > 70"), -1);
	/* shapes the check does not take apart */
	cr_assert_eq(shadow2("route pr when spam", "route pr when spam and (reply or verified)"), -1);
	cr_assert_eq(shadow2("route pr when false", "route pr when spam"), -1);
}

Test(route, lint_messages_and_counts)
{
	const char *src = HEAD "route pr when topic = nestle and influence >= 60 priority P0 alert\n"
			       "route pr when topic = nestle and influence > 70\n"
			       "route alerts when dup >= 5 alert\n"
			       "route pr when false\n"
			       "route suport when reply\n"
			       "route marketing\n"
			       "  route product when verified\n";
	struct fx f = compile_ok(src);
	char out[4096] = "";
	scrm_route_lint_counts c;
	cr_assert_eq(scrm_route_lint(f.rt, f.r, out, sizeof out, &c), 6);
	cr_assert_eq(c.warnings, 5);
	cr_assert_eq(c.infos, 1);
	cr_assert_str_eq(out,
			 "dir/t.scrm:6:1: warning: rule never fires: every event it matches is taken first by the rule at line 5\n"
			 "route pr when topic = nestle and influence > 70\n"
			 "^\n"
			 "dir/t.scrm:7:28: warning: 'alert' adds nothing: this rule already routes to alerts\n"
			 "route alerts when dup >= 5 alert\n"
			 "                           ^\n"
			 "dir/t.scrm:8:1: warning: rule never fires: its condition is false\n"
			 "route pr when false\n"
			 "^\n"
			 "dir/t.scrm:11:3: warning: rule never fires: every event it matches is taken first by the catch-all rule at line 10\n"
			 "  route product when verified\n"
			 "  ^\n"
			 "dir/t.scrm:9:7: warning: team 'suport' is not a default team: did you mean 'support'? (any other name makes a new team)\n"
			 "route suport when reply\n"
			 "      ^\n"
			 "dir/t.scrm: info: 1 topic is not used by any routing rule: refunds\n");
	fx_free(&f);

	/* no routing rules: no info about unused topics */
	f = compile_ok(HEAD);
	out[0] = 0;
	cr_assert_eq(scrm_route_lint(f.rt, f.r, out, sizeof out, NULL), 0);
	cr_assert_str_empty(out);
	fx_free(&f);
}

static int check_src(const char *src)
{
	char path[] = "/tmp/scrm-route-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, src, strlen(src)), (ssize_t)strlen(src));
	close(fd);
	char *argv[] = {"check", path, NULL};
	int rc = scrm_check_main(2, argv);
	unlink(path);
	return rc;
}

Test(route, check_command)
{
	cr_assert_eq(check_src(HEAD "route pr when topic = nestle priority P0\ndrop when spam\nroute marketing\n"
				    "route pr when spam\n"), 0); /* warnings only */
	cr_assert_eq(check_src(HEAD "route pr when topic = nothing\n"), 1);
	cr_assert_eq(check_src("set default-route = Bad\n"), 1);
}

/* ------------------------------------------------------------------------------ */
/* Differential: the branch program against a slow, obvious tree evaluator          */

enum gtype { G_TOPIC, G_CUE, G_NUM, G_COUNT, G_BOOL, G_SPAM, G_STR, G_INTENT, G_DIR };

static const struct gfield {
	const char *name;
	enum gtype type;
	int field;
	bool f32;
	unsigned mask;
} gfields[] = {
	{"topic", G_TOPIC, 0, 0, 0},
	{"cue", G_CUE, 0, 0, 0},
	{"sentiment", G_NUM, SCRM_RF_SENTIMENT, 1, 0},
	{"sentiment.pos", G_NUM, SCRM_RF_SENT_POS, 1, 0},
	{"sentiment.neg", G_NUM, SCRM_RF_SENT_NEG, 1, 0},
	{"intent.p", G_NUM, SCRM_RF_INTENT_P, 1, 0},
	{"customer.sentiment_avg", G_NUM, SCRM_RF_CUST_SENTIMENT_AVG, 1, 0},
	{"influence", G_NUM, SCRM_RF_INFLUENCE, 0, 0},
	{"customer.ltv", G_NUM, SCRM_RF_CUST_LTV, 0, 0},
	{"dup", G_COUNT, SCRM_RF_DUP, 0, 0},
	{"followers", G_COUNT, SCRM_RF_FOLLOWERS, 0, 0},
	{"customer.complaints_24h", G_COUNT, SCRM_RF_CUST_COMPLAINTS_24H, 0, 0},
	{"customer.interactions_7d", G_COUNT, SCRM_RF_CUST_INTERACTIONS_7D, 0, 0},
	{"action_needed", G_BOOL, SCRM_RF_ACTION_NEEDED, 0, 0},
	{"verified", G_BOOL, SCRM_RF_VERIFIED, 0, 0},
	{"reply", G_BOOL, SCRM_RF_REPLY, 0, 0},
	{"customer.known", G_BOOL, SCRM_RF_CUST_KNOWN, 0, 0},
	{"customer.open_case", G_BOOL, SCRM_RF_CUST_OPEN_CASE, 0, 0},
	{"spam", G_SPAM, 0, 0, 0x3f},
	{"spam.links", G_SPAM, 0, 0, SCRM_SPAM_LINKS},
	{"spam.cue", G_SPAM, 0, 0, SCRM_SPAM_CUE},
	{"spam.duplicate", G_SPAM, 0, 0, SCRM_SPAM_DUP},
	{"channel", G_STR, SCRM_RF_CHANNEL, 0, 0},
	{"lang", G_STR, SCRM_RF_LANG, 0, 0},
	{"customer.tier", G_STR, SCRM_RF_CUST_TIER, 0, 0},
	{"intent", G_INTENT, SCRM_RF_INTENT, 0, 0},
	{"direction", G_DIR, SCRM_RF_DIRECTION, 0, 0},
};
#define NG (sizeof gfields / sizeof gfields[0])

enum { NTOPICS = 66, NCUES = 3 }; /* ids 0..65 topics, 66..68 cues: two bitset words */

static const double kpool[] = {-0.7, -0.5, 0, 0.05, 0.7, 1, 3, 60, 1250.5};
static const char *const spool[] = {"twitter", "reddit", "en", "pt-br", "gold", "silver", "call notes"};
static const char *const fstr[] = {"twitter", "Twitter", "REDDIT", "en", "EN", "pt-BR", "gold", "Gold",
				   "silver", "call notes", "pt"};
static const double fnum[] = {-1, -0.7, -0.5, -0.25, 0, 0.05, 0.3, 0.7, 1, 2, 3, 60, 61, 1250.5};
static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">="};
static const char *const intents[] = {"question", "complaint", "praise", "purchase", "churn", "suggestion", "spam", "other"};

struct gnode {
	int type; /* 0 atom, 1 and, 2 or, 3 not, 4 true, 5 false */
	int a, b;
	int fi, op; /* op -1: bare */
	int v;      /* value index: id, kpool, spool, intent, direction, want */
};

struct gen {
	uint64_t s;
	struct gnode n[512];
	int nn;
};

static uint32_t rnd(struct gen *g, uint32_t n)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return (uint32_t)((g->s >> 11) % n);
}

static int gen_atom(struct gen *g)
{
	struct gnode *x = &g->n[g->nn];
	memset(x, 0, sizeof *x);
	x->fi = (int)rnd(g, NG);
	const struct gfield *f = &gfields[x->fi];
	bool bare_ok = f->type == G_COUNT || f->type == G_BOOL || f->type == G_SPAM;
	bool eq_only = f->type != G_NUM && f->type != G_COUNT;
	x->op = bare_ok && rnd(g, 3) == 0 ? -1 : (int)rnd(g, eq_only ? 2 : 6);
	switch (f->type) {
	case G_TOPIC: x->v = (int)rnd(g, NTOPICS); break;
	case G_CUE: x->v = NTOPICS + (int)rnd(g, NCUES); break;
	case G_NUM:
	case G_COUNT: x->v = (int)rnd(g, sizeof kpool / sizeof kpool[0]); break;
	case G_BOOL:
	case G_SPAM:
	case G_DIR: x->v = (int)rnd(g, 2); break;
	case G_STR: x->v = (int)rnd(g, sizeof spool / sizeof spool[0]); break;
	case G_INTENT: x->v = (int)rnd(g, 8); break;
	}
	return g->nn++;
}

static int gen_tree(struct gen *g, int depth)
{
	if (depth == 0 || rnd(g, 10) < 3) {
		if (rnd(g, 30) == 0) {
			g->n[g->nn] = (struct gnode){.type = 4 + (int)rnd(g, 2)};
			return g->nn++;
		}
		return gen_atom(g);
	}
	int t = 1 + (int)rnd(g, 5); /* and, or, not, more and/or */
	if (t > 3)
		t = t == 4 ? 1 : 2;
	int a = gen_tree(g, depth - 1);
	int b = t == 3 ? -1 : gen_tree(g, depth - 1);
	g->n[g->nn] = (struct gnode){.type = t, .a = a, .b = b};
	return g->nn++;
}

static void put(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

static void print_atom(struct gen *g, const struct gnode *x, char *buf, size_t cap)
{
	const struct gfield *f = &gfields[x->fi];
	if (x->op < 0) {
		put(buf, cap, "%s", f->name);
		return;
	}
	put(buf, cap, rnd(g, 2) ? "%s %s " : "%s%s", f->name, ops[x->op]);
	switch (f->type) {
	case G_TOPIC: put(buf, cap, "t%d", x->v); break;
	case G_CUE: put(buf, cap, x->v == NTOPICS + 2 ? "spam.c%d" : "c%d", x->v - NTOPICS); break;
	case G_NUM:
	case G_COUNT: put(buf, cap, "%.15g", kpool[x->v]); break;
	case G_BOOL:
	case G_SPAM: put(buf, cap, "%s", x->v ? "true" : "false"); break;
	case G_DIR: put(buf, cap, "%s", x->v ? (rnd(g, 2) ? "OUT" : "out") : "in"); break;
	case G_INTENT: put(buf, cap, "%s", intents[x->v]); break;
	case G_STR: {
		const char *s = spool[x->v];
		bool q = strchr(s, ' ') || rnd(g, 3) == 0;
		char up[32];
		for (size_t i = 0; i <= strlen(s); i++)
			up[i] = rnd(g, 4) == 0 && s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 32) : s[i];
		put(buf, cap, q ? "\"%s\"" : "%s", up);
		break;
	}
	}
}

static int prec(const struct gnode *x) { return x->type == 2 ? 1 : x->type == 1 ? 2 : x->type == 3 ? 3 : 4; }

static void print_tree(struct gen *g, int i, int ctx, char *buf, size_t cap)
{
	const struct gnode *x = &g->n[i];
	bool paren = prec(x) < ctx || (x->type != 0 && rnd(g, 8) == 0);
	if (paren)
		put(buf, cap, rnd(g, 2) ? "(" : "( ");
	switch (x->type) {
	case 0: print_atom(g, x, buf, cap); break;
	case 1:
	case 2:
		print_tree(g, x->a, prec(x), buf, cap);
		put(buf, cap, x->type == 1 ? (rnd(g, 2) ? " and " : " AND ") : (rnd(g, 2) ? " or " : " OR "));
		print_tree(g, x->b, prec(x) + 1, buf, cap);
		break;
	case 3:
		put(buf, cap, rnd(g, 2) ? "not " : "NOT ");
		print_tree(g, x->a, 3, buf, cap);
		break;
	case 4: put(buf, cap, "true"); break;
	case 5: put(buf, cap, "false"); break;
	}
	if (paren)
		put(buf, cap, rnd(g, 2) ? ")" : " )");
}

/* The documented semantics, written out the obvious way. */
static double as_f32(double v) { return (double)(float)v; }

static bool lower_eq(const scrm_route_str *s, const char *c)
{
	if (s->len != strlen(c))
		return false;
	for (uint32_t i = 0; i < s->len; i++) {
		char a = s->p[i] >= 'A' && s->p[i] <= 'Z' ? (char)(s->p[i] + 32) : s->p[i];
		if (a != c[i])
			return false;
	}
	return true;
}

static bool ref_atom(const struct gnode *x, const scrm_route_facts *f)
{
	const struct gfield *g = &gfields[x->fi];
	bool known = (f->known >> g->field) & 1;
	switch (g->type) {
	case G_TOPIC:
	case G_CUE: {
		bool hit = (unsigned)x->v / 64 < f->hit_words && ((f->hits[x->v / 64] >> (x->v % 64)) & 1);
		return x->op == 0 ? hit : !hit;
	}
	case G_NUM:
	case G_COUNT: {
		if (x->op < 0)
			return known && f->num[g->field] > 0;
		if (!known)
			return x->op == 1;
		double v = f->num[g->field], k = kpool[x->v];
		if (g->f32) {
			v = as_f32(v);
			k = as_f32(k);
		}
		switch (x->op) {
		case 0: return v == k;
		case 1: return v != k;
		case 2: return v < k;
		case 3: return v <= k;
		case 4: return v > k;
		default: return v >= k;
		}
	}
	case G_BOOL: {
		bool yes = (f->yes >> g->field) & 1;
		if (x->op < 0)
			return known && yes;
		if (!known)
			return x->op == 1;
		return x->op == 0 ? yes == (bool)x->v : yes != (bool)x->v;
	}
	case G_SPAM: {
		bool any = (f->spam & g->mask) != 0;
		if (x->op < 0)
			return any;
		return x->op == 0 ? any == (bool)x->v : any != (bool)x->v;
	}
	case G_STR: {
		const scrm_route_str *s = &f->str[g->field - SCRM_RF_STR_FIRST];
		if (!known || !s->len)
			return x->op == 1;
		return lower_eq(s, spool[x->v]) == (x->op == 0);
	}
	case G_INTENT:
	case G_DIR: {
		if (!known)
			return x->op == 1;
		int v = g->type == G_INTENT ? f->intent : f->direction;
		return (v == x->v) == (x->op == 0);
	}
	}
	return false;
}

static bool ref_eval(const struct gen *g, int i, const scrm_route_facts *f)
{
	const struct gnode *x = &g->n[i];
	switch (x->type) {
	case 0: return ref_atom(x, f);
	case 1: return ref_eval(g, x->a, f) && ref_eval(g, x->b, f);
	case 2: return ref_eval(g, x->a, f) || ref_eval(g, x->b, f);
	case 3: return !ref_eval(g, x->a, f);
	case 4: return true;
	default: return false;
	}
}

static void random_facts(struct gen *g, scrm_route_facts *f, uint64_t *hits)
{
	scrm_route_facts_init(f);
	for (int k = 0; k < SCRM_RF_NUM__END; k++)
		if (rnd(g, 4))
			scrm_route_facts_num(f, k, rnd(g, 12) == 0 ? NAN : fnum[rnd(g, sizeof fnum / sizeof fnum[0])]);
	for (int k = SCRM_RF_ACTION_NEEDED; k <= SCRM_RF_CUST_OPEN_CASE; k++)
		scrm_route_facts_bool(f, k, (int)rnd(g, 3) - 1);
	for (int k = SCRM_RF_CHANNEL; k <= SCRM_RF_CUST_TIER; k++)
		if (rnd(g, 4)) {
			const char *s = rnd(g, 10) ? fstr[rnd(g, sizeof fstr / sizeof fstr[0])] : "";
			scrm_route_facts_str(f, k, s, strlen(s));
		}
	if (rnd(g, 4))
		scrm_route_facts_intent(f, rnd(g, 8), 0.5f);
	if (rnd(g, 4))
		scrm_route_facts_direction(f, rnd(g, 2));
	f->spam = rnd(g, 2) ? rnd(g, 64) : 0;
	uint16_t ids[8];
	uint32_t n = rnd(g, 6);
	for (uint32_t i = 0; i < n; i++)
		ids[i] = (uint16_t)rnd(g, NTOPICS + NCUES);
	f->hits = hits;
	f->hit_words = scrm_route_hits_fill(hits, 2, ids, n);
}

Test(route, differential_random_rules, .timeout = 120)
{
	static const char *const teams[] = {"support", "pr", "sales", "vip", "drop", "alerts"};
	struct gen g = {.s = 0x9E3779B97F4A7C15ull};
	static char head[4096], src[65536], canon[65536], err[16384];
	head[0] = 0;
	for (int i = 0; i < NTOPICS; i++)
		put(head, sizeof head, "topic t%d: w%d\n", i, i);
	put(head, sizeof head, "cue c0: x\ncue c1: y\ncue spam.c2: z\n");
	unsigned long evals = 0, defaults = 0, disagreements = 0, shadowed = 0, shadow_bad = 0;
	for (int file = 0; file < 1500; file++) {
		int nrules = 1 + (int)rnd(&g, 8);
		int root[8], team[8];
		bool alert[8];
		g.nn = 0;
		snprintf(src, sizeof src, "%s", head);
		for (int k = 0; k < nrules; k++) {
			team[k] = (int)rnd(&g, 6);
			alert[k] = rnd(&g, 4) == 0;
			root[k] = rnd(&g, 20) == 0 ? -1 : gen_tree(&g, 1 + (int)rnd(&g, 4));
			if (team[k] == 4 && rnd(&g, 2))
				put(src, sizeof src, "drop");
			else
				put(src, sizeof src, "route %s", teams[team[k]]);
			if (root[k] >= 0) {
				put(src, sizeof src, " when ");
				print_tree(&g, root[k], 0, src, sizeof src);
			}
			if (rnd(&g, 2))
				put(src, sizeof src, " priority P%u", rnd(&g, 4));
			if (rnd(&g, 2))
				put(src, sizeof src, " sla %um", 1 + rnd(&g, 90));
			put(src, sizeof src, alert[k] ? " alert\n" : "\n");
		}
		scrm_rules *r = NULL;
		scrm_routes *rt = NULL;
		cr_assert_eq(scrm_rules_parse(&r, "d.scrm", src, strlen(src), err, sizeof err), 0, "%s", err);
		err[0] = 0;
		cr_assert_eq(scrm_route_compile(&rt, r, err, sizeof err), 0, "%s\n%s", err, src + strlen(head));
		cr_assert_eq(scrm_route_rule_count(rt), (uint32_t)nrules);

		for (int q = 0; q < 200; q++) {
			scrm_route_facts f;
			uint64_t hits[2];
			random_facts(&g, &f, hits);
			int want = -1;
			for (int k = 0; k < nrules && want < 0; k++)
				if (root[k] < 0 || ref_eval(&g, root[k], &f))
					want = k;
			scrm_route_decision d;
			int32_t got = scrm_route_eval(rt, &f, &d);
			evals++;
			defaults += want < 0;
			if (got != want || d.rule != got) {
				if (disagreements++ < 5)
					fprintf(stderr, "disagreement: want rule %d, got %d in\n%s", want, got, src + strlen(head));
				continue;
			}
			if (want >= 0) {
				cr_assert_str_eq(scrm_route_team_name(rt, d.team), teams[team[want]]);
				cr_assert_eq(d.alert, alert[want] && team[want] != 5);
			}
			/* shadowing is sound: whatever the later rule matches, the earlier one does */
			for (int k = 1; k < nrules; k++) {
				int32_t s = scrm_route_shadowed_by(rt, (uint32_t)k);
				if (s < 0 || root[k] < 0)
					continue;
				shadowed++;
				bool jk = ref_eval(&g, root[k], &f), js = root[s] < 0 || ref_eval(&g, root[s], &f);
				if (jk && !js && shadow_bad++ < 5)
					fprintf(stderr, "unsound shadow: rule %d by %d in\n%s", k, s, src + strlen(head));
			}
		}
		/* the canonical form parses back to itself */
		snprintf(canon, sizeof canon, "%s", head);
		for (int k = 0; k < nrules; k++) {
			char line[8192];
			scrm_route_rule_string(rt, (uint32_t)k, line, sizeof line);
			put(canon, sizeof canon, "%s\n", line);
		}
		scrm_rules *r2 = NULL;
		scrm_routes *rt2 = NULL;
		cr_assert_eq(scrm_rules_parse(&r2, "d.scrm", canon, strlen(canon), err, sizeof err), 0, "%s", err);
		cr_assert_eq(scrm_route_compile(&rt2, r2, err, sizeof err), 0, "%s", err);
		for (int k = 0; k < nrules; k++) {
			char a[8192], b[8192];
			scrm_route_rule_string(rt, (uint32_t)k, a, sizeof a);
			scrm_route_rule_string(rt2, (uint32_t)k, b, sizeof b);
			cr_assert_str_eq(a, b);
		}
		scrm_routes_free(rt2);
		scrm_rules_free(r2);
		scrm_routes_free(rt);
		scrm_rules_free(r);
	}
	cr_assert_eq(disagreements, 0, "%lu of %lu evaluations disagree", disagreements, evals);
	cr_assert_eq(shadow_bad, 0);
	/* the test must exercise both outcomes and the lint */
	cr_assert_gt(defaults, evals / 20);
	cr_assert_lt(defaults, evals - evals / 20);
	cr_assert_gt(shadowed, 1000);
	fprintf(stderr, "route differential: %lu evaluations, %lu default, %lu shadow checks, 0 disagreements\n",
		evals, defaults, shadowed);
}
