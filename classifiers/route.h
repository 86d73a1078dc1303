/*
 * route.h - routing rules: which team gets an analyzed event, at what priority and SLA.
 *
 * Routing rules live in the rules file (rules.h) with the topics they refer to:
 *
 *   route pr      when topic = nestle and sentiment < -0.5 and influence >= 60  priority P0 alert
 *   route sales   when intent = purchase                                          priority P2 sla 4h
 *   route support when intent = complaint and customer.tier = gold                priority P1 sla 15m
 *   route support when customer.complaints_24h >= 3 or customer.open_case         priority P1 sla 1h
 *   drop          when spam
 *   route support when action_needed                                              sla 2h
 *
 * ---- Semantics (README-ready) ----------------------------------------------------------
 *
 * First match wins. Rules are tried in file order, like a firewall; the first rule whose
 * condition holds decides the event's team, priority and SLA, and no later rule is looked
 * at. A rule without `when` (or `when true`) matches every event: put it last.
 *
 * Default route. When no rule matches, the event goes to `set default-route = TEAM`
 * (default `inbox`) with priority `set default-priority = Pn` (default P3) and SLA
 * `set default-sla = DURATION` (default: none); its `why.rule` is "default".
 *
 * Priority and SLA of a rule. `priority P0`..`P3` (P0 most urgent) and `sla DURATION`
 * (90s, 15m, 4h, 2d, 500ms, at most 366d; a bare number is seconds; `sla 0` is due at
 * once; the event's sla_due is its timestamp plus the SLA) are
 * optional: a rule without them takes default-priority and default-sla, except that an
 * event routed to `drop` (by a rule, or as the default route) has no SLA unless its rule
 * gives one (nobody answers spam).
 *
 * Alerts. `alert` sends a copy of the event to the `alerts` team as well; the event's own
 * route stays the rule's team. On a rule that routes to `alerts` itself it adds nothing.
 *
 * Drop. `drop [when C] [...]` is shorthand for `route drop [when C] [...]`. Dropped events
 * are NOT lost: they are counted, appended to the interaction log and written to the
 * `drop` stream like any other team's (so a rule that drops too much can be audited and
 * replayed); they are simply not a work item for anyone.
 *
 * Teams. A team is any name [a-z][a-z0-9_-]* (at most 64 bytes; it names the team's
 * output stream <team>.ndjson.zst). The default teams always exist, with fixed ids:
 * support 0, pr 1, marketing 2, sales 3, product 4, alerts 5, drop 6, inbox 7
 * (SCRM_TEAM_*). Any other name used by a rule or by default-route is a team too, with
 * ids from 8 in order of first use in the file. There is no declaration: `scrm check`
 * lists the teams and warns about a name one typo away from a default team (two for
 * names of six letters or more: `suppose` for `support`).
 *
 * Missing values. A field can be missing for an event: no sentiment computed, no intent
 * classifier, followers or verification not given by the source, the tier and ltv of a
 * customer not in the CRM (customer.known is then false; her windows, the counts,
 * channels_7d, sentiment_avg and open_case, are kept for her prospect key like anyone's),
 * an empty lang or tier. Any comparison with a missing value is false, except `!=`, which
 * is true; a bare boolean or count field is `= true` / `> 0` and so false when missing.
 * `not` negates the result as it is (two-valued logic, not SQL's NULL): with sentiment
 * missing, `sentiment < 0` and `sentiment >= 0` are both false and `not sentiment < 0`
 * is true. Topics, cues and spam signals are sets, never missing: not matched = false.
 *
 * Numbers compare as doubles, except the scores that the event carries in single
 * precision (sentiment, sentiment.pos/.neg/.neu, intent.p, customer.sentiment_avg):
 * both sides are rounded to float first, so `sentiment >= 0.7` holds for an event whose
 * score is the float 0.7. A NaN number (customers.h's unknown lifetime value) behaves
 * exactly as a missing one. Strings (channel, lang, customer.tier) compare ASCII
 * case-insensitively and exactly otherwise ("pt-BR" = "pt-br", "pt" != "pt-br").
 *
 * ---- Grammar ----------------------------------------------------------------------------
 *
 *   rule     := "route" TEAM [ "when" cond ] action*
 *             | "drop" [ "when" cond ] action*
 *   action   := "priority" ("P0"|"P1"|"P2"|"P3") | "sla" DURATION | "alert"   (each once)
 *   cond     := or
 *   or       := and ( "or" and )*                loosest
 *   and      := unary ( "and" unary )*
 *   unary    := "not" unary | primary
 *   primary  := "(" cond ")" | "true" | "false" | FIELD [ OP VALUE ]
 *   OP       := "=" | "!=" | "<" | "<=" | ">" | ">="
 *   VALUE    := NUMBER | WORD | "quoted string"
 *   NUMBER   := [+-]? digits [ "." digits ]    (or .digits; at most 15 significant digits)
 *   WORD     := [A-Za-z_][A-Za-z0-9_.-]*
 *
 * So `a or b and not c` is `a or (b and (not c))`. Keywords (when, and, or, not, true,
 * false, priority, sla, alert) are lower case; AND, OR and NOT are also accepted upper
 * case, as in topic queries. A condition ends at the first action keyword. Nesting of
 * parentheses and `not` is limited to SCRM_RULES_DEPTH_MAX, a rule to SCRM_ROUTE_ATOMS_MAX
 * comparisons.
 *
 * Fields, by type (a bare FIELD is allowed where shown; a type mismatch, an operator the
 * type does not have, and an unknown field, topic, cue, intent label or spam signal are
 * errors pointing at the offending word):
 *
 *   topic = NAME, topic != NAME   the event matched listening topic NAME (declared in the
 *                                 file by `topic NAME:`; a cue name is an error)
 *   cue = NAME, cue != NAME       the event matched cue NAME (declared by `cue NAME:`)
 *   sentiment                     number: the primary mode's compound (scrm unless
 *                                 --sentiment vader), -1..1
 *   sentiment.pos/.neg/.neu       numbers: the primary mode's proportions, 0..1
 *   intent = LABEL, != LABEL      question complaint praise purchase churn suggestion
 *                                 spam other (classifier.h)
 *   intent.p                      number: the intent's confidence, 0..1
 *   action_needed                 boolean (bare ok)
 *   spam                          boolean (bare ok): any spam signal (spam.h)
 *   spam.NAME                     boolean (bare ok): one signal: links hashtags mentions
 *                                 repeated_text cue duplicate
 *   dup                           count (bare ok: dup > 0): earlier near-duplicates in the
 *                                 post's burst
 *   influence                     number: author influence score 0..100 (influence.h)
 *   followers                     count (bare ok)
 *   verified, retweet, reply      booleans (bare ok)
 *   channel, lang                 strings: = and != only
 *   direction                     in | out: = and != only
 *   customer.known                boolean (bare ok), never missing
 *   customer.tier                 string: = and != only
 *   customer.ltv                  number
 *   customer.open_case            boolean (bare ok)
 *   customer.complaints_24h       counts (bare ok): her messages the intent classifier
 *   customer.questions_24h          labelled so in the last 24 h (missing without an
 *   customer.praise_24h             intent classifier)
 *   customer.purchases_24h
 *   customer.churn_24h
 *   customer.suggestions_24h
 *   customer.spam_24h
 *   customer.other_24h
 *   customer.interactions_24h     counts: all her messages, last 24 h / 7 days
 *   customer.interactions_7d
 *   customer.channels_7d          count: the channels she wrote on in the last 7 days
 *   customer.sentiment_avg        number: rolling mean compound of the customer's messages
 *
 * A boolean compares with true or false (`verified = false`); numbers and counts with
 * any OP; labels, strings, topics and cues with = and !=.
 *
 * ---- Lint (scrm_route_lint, `scrm check`) ------------------------------------------------
 *
 * Rule j is reported as shadowed by an earlier rule i (it can never fire) when
 *   (1) rule i has no condition or its condition is `true`; or
 *   (2) both conditions are ORs of ANDs of comparisons (a comparison, a bare field, or
 *       `not` directly before one; `a and (b or c)` is not of that shape and is not
 *       checked), and every AND-group of j implies some AND-group of i: each comparison
 *       of i's group is implied by a comparison of j's group.
 * One comparison implies another when it is the same one (a bare field is the same as
 * `= true` / `> 0`), or for the same number field when its range of values lies inside
 * the other's (`influence >= 80` implies `influence > 60`; `x = 3` implies `x != 4`),
 * or for the same single-valued field (string, label, direction, boolean) when it is
 * `= v` and the other `!= w` with w != v, or when `spam.NAME` is compared with `spam`
 * (`spam.links` implies `spam`). Identical conditions are case (2) with one group each.
 * This is sound (a reported rule really never fires) but not complete.
 * Also reported: a rule whose condition is `false` (never fires), `alert` on a rule that
 * routes to alerts, a team a typo or two away from a default team (warnings), and the topics
 * that no rule uses (info, only when the file has routing rules).
 *
 * ---- Lifecycle and threads -----------------------------------------------------------------
 *
 * scrm_route_compile() runs once, at start-up or reload, on any thread; the scrm_routes
 * it returns is immutable and shared read-only by every thread; scrm_route_eval() may
 * run concurrently on any number of threads: no allocation, lock, syscall or string
 * compare beyond the short string fields, O(comparisons on the path taken). A rules
 * reload compiles a new scrm_routes and swaps it whole; free the old one only after no
 * thread evaluates it any more.
 *
 * Dependencies: rules.h, classifier.h (intent labels), spam.h (signal names). libc.
 */
#ifndef SCRM_ROUTE_H
#define SCRM_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCRM_ROUTE_ATOMS_MAX 256 /* comparisons in one rule's condition */
#define SCRM_ROUTE_SLA_MAX_MS (366LL * 86400000) /* longest sla / default-sla: 366d */
#define SCRM_ROUTE_TEAMS_MAX 32 /* teams, the 8 default ones included: one output file each */

/* The default teams: always present, with these ids. Other teams get ids from
 * SCRM_TEAM__DEFAULTS on. */
enum {
	SCRM_TEAM_SUPPORT = 0,
	SCRM_TEAM_PR,
	SCRM_TEAM_MARKETING,
	SCRM_TEAM_SALES,
	SCRM_TEAM_PRODUCT,
	SCRM_TEAM_ALERTS,
	SCRM_TEAM_DROP,
	SCRM_TEAM_INBOX,
	SCRM_TEAM__DEFAULTS
};

/*
 * The per-record fields a rule may read. Numbers live in facts.num[f]; booleans are bit
 * f of facts.yes; strings facts.str[f - SCRM_RF_CHANNEL]; the two enumerations have
 * fields of their own. Bit f of facts.known says field f is filled (else it is missing,
 * see "Missing values" above). Topics, cues and spam signals are never missing.
 */
typedef enum scrm_route_field {
	/* numbers */
	SCRM_RF_SENTIMENT = 0,     /* scrm compound, -1..1 (float precision) */
	SCRM_RF_SENT_POS,          /* float precision */
	SCRM_RF_SENT_NEG,          /* float precision */
	SCRM_RF_SENT_NEU,          /* float precision */
	SCRM_RF_INTENT_P,          /* float precision */
	SCRM_RF_DUP,               /* near-duplicate count (record.dup_count) */
	SCRM_RF_INFLUENCE,         /* 0..100 (record.infl[0]) */
	SCRM_RF_FOLLOWERS,
	SCRM_RF_CUST_LTV,
	SCRM_RF_CUST_COMPLAINTS_24H,
	SCRM_RF_CUST_INTERACTIONS_24H,
	SCRM_RF_CUST_INTERACTIONS_7D,
	SCRM_RF_CUST_SENTIMENT_AVG, /* float precision */
	SCRM_RF_CUST_QUESTIONS_24H,  /* the customer's messages of each other intent, last 24 h */
	SCRM_RF_CUST_PRAISE_24H,
	SCRM_RF_CUST_PURCHASES_24H,
	SCRM_RF_CUST_CHURN_24H,
	SCRM_RF_CUST_SUGGESTIONS_24H,
	SCRM_RF_CUST_SPAM_24H,
	SCRM_RF_CUST_OTHER_24H,
	SCRM_RF_CUST_CHANNELS_7D,    /* channels she wrote on in the last 7 days */
	SCRM_RF_NUM__END,
	/* booleans */
	SCRM_RF_ACTION_NEEDED = SCRM_RF_NUM__END,
	SCRM_RF_VERIFIED,
	SCRM_RF_RETWEET,
	SCRM_RF_REPLY,
	SCRM_RF_CUST_KNOWN,        /* the caller should always set it (false when unknown) */
	SCRM_RF_CUST_OPEN_CASE,
	/* strings */
	SCRM_RF_CHANNEL,
	SCRM_RF_LANG,
	SCRM_RF_CUST_TIER,
	/* enumerations */
	SCRM_RF_INTENT,            /* facts.intent: label index (classifier.h, SCRM_TASK_INTENT) */
	SCRM_RF_DIRECTION,         /* facts.direction: 0 in, 1 out (record.h scrm_direction) */
	SCRM_RF__COUNT
} scrm_route_field;

#define SCRM_RF_STR_FIRST SCRM_RF_CHANNEL
#define SCRM_RF_STR_COUNT 3

typedef struct scrm_route_str {
	const char *p; /* borrowed for the scrm_route_eval() call; need not be NUL-terminated */
	uint32_t len;  /* 0: missing */
} scrm_route_str;

/*
 * What one record brings to the rules. The caller fills it (on its own stack, per
 * record) and keeps every pointer valid for the scrm_route_eval() call. Zeroed (or
 * scrm_route_facts_init()), everything is missing and nothing matched.
 */
typedef struct scrm_route_facts {
	uint64_t known; /* bit f: field f is filled */
	uint64_t yes;   /* bit f: boolean field f is true (read only where known) */
	double num[SCRM_RF_NUM__END];
	scrm_route_str str[SCRM_RF_STR_COUNT];
	uint8_t intent;    /* SCRM_RF_INTENT */
	uint8_t direction; /* SCRM_RF_DIRECTION */
	uint32_t spam;     /* SCRM_SPAM_* bits (spam.h) */
	/* Topic and cue ids matched (topics.h ids: file order), as a bitset: id i is bit
	 * i % 64 of hits[i / 64]; ids from 64 * hit_words on count as not matched. See
	 * scrm_route_hits_fill() and scrm_route_hit_words(). */
	const uint64_t *hits;
	uint32_t hit_words;
} scrm_route_facts;

/* Everything missing, nothing matched. */
static inline void scrm_route_facts_init(scrm_route_facts *f)
{
	*f = (scrm_route_facts){0};
}

/* Fill a number field (SCRM_RF_SENTIMENT .. SCRM_RF_CUST_SENTIMENT_AVG). */
static inline void scrm_route_facts_num(scrm_route_facts *f, scrm_route_field k, double v)
{
	f->num[k] = v;
	f->known |= 1ull << k;
}

/* Fill a boolean field; @v < 0 (unknown, as record.h's verified -1) leaves it missing. */
static inline void scrm_route_facts_bool(scrm_route_facts *f, scrm_route_field k, int v)
{
	if (v < 0)
		return;
	f->known |= 1ull << k;
	if (v)
		f->yes |= 1ull << k;
	else
		f->yes &= ~(1ull << k);
}

/* Fill a string field (channel, lang, customer.tier); an empty string stays missing. */
static inline void scrm_route_facts_str(scrm_route_facts *f, scrm_route_field k, const char *p, size_t len)
{
	f->str[k - SCRM_RF_STR_FIRST] = (scrm_route_str){p, (uint32_t)len};
	if (len)
		f->known |= 1ull << k;
}

/* Fill intent (label index) and intent.p (its confidence). */
static inline void scrm_route_facts_intent(scrm_route_facts *f, unsigned label, float p)
{
	f->intent = (uint8_t)label;
	f->known |= 1ull << SCRM_RF_INTENT;
	scrm_route_facts_num(f, SCRM_RF_INTENT_P, p);
}

/* Fill direction: 0 in, 1 out. */
static inline void scrm_route_facts_direction(scrm_route_facts *f, unsigned dir)
{
	f->direction = (uint8_t)dir;
	f->known |= 1ull << SCRM_RF_DIRECTION;
}

/*
 * scrm_route_hits_fill() - turn @n topic/cue ids (topics.h scrm_topic_hits.ids) into the
 * bitset @words (@nwords words, zeroed first); ids that do not fit are ignored. Returns
 * @nwords, for facts.hit_words.
 */
static inline uint32_t scrm_route_hits_fill(uint64_t *words, uint32_t nwords, const uint16_t *ids, uint32_t n)
{
	for (uint32_t i = 0; i < nwords; i++)
		words[i] = 0;
	for (uint32_t i = 0; i < n; i++)
		if ((uint32_t)(ids[i] >> 6) < nwords)
			words[ids[i] >> 6] |= 1ull << (ids[i] & 63);
	return nwords;
}

/* The outcome of routing one record. */
typedef struct scrm_route_decision {
	int32_t rule;       /* index of the rule that fired (file order, from 0); -1: default */
	uint16_t team;      /* team id: scrm_route_team_name() */
	uint8_t priority;   /* 0..3 for P0..P3 */
	uint8_t alert;      /* 1: also send a copy to SCRM_TEAM_ALERTS (never when team is it) */
	int64_t sla_ms;     /* SLA in milliseconds; -1: none */
	const char *why;    /* "FILE:LINE" of the rule (FILE: the rules file's base name), or
			       "default"; NUL-terminated, lives as long as the scrm_routes */
} scrm_route_decision;

typedef struct scrm_routes scrm_routes;

/*
 * scrm_route_compile() - parse and compile the route/drop statements of @r.
 * @out: on success a new scrm_routes (free with scrm_routes_free()); NULL on error.
 *       A file without routing rules compiles too: everything goes to the default route.
 * @r:   parsed rules: topic and cue names and ids come from its TOPIC/CUE statements
 *       (ids in file order, as topics.h numbers them), the defaults from its `set`
 *       statements. Only read; not referenced after the call returns.
 * @err: on error, every bad rule as "FILE:LINE:COL: message" + source line + caret
 *       (scrm_rules_format_error()), appended after what @err already holds, truncated to
 *       @errlen; may be NULL when @errlen is 0.
 * Return: 0; -EINVAL (a rule has errors); -ENOMEM; -E2BIG (more than 65,536 teams).
 */
int scrm_route_compile(scrm_routes **out, const scrm_rules *r, char *err, size_t errlen);

/* scrm_routes_free() - NULL is a no-op. */
void scrm_routes_free(scrm_routes *rt);

/*
 * scrm_route_eval() - route one record: the first rule whose condition holds for @f, or
 * the default route. Fills @d (every field). Pure: any thread, no allocation, lock or
 * syscall. Return: d->rule.
 */
int32_t scrm_route_eval(const scrm_routes *rt, const scrm_route_facts *f, scrm_route_decision *d);

/* The decision for an event that no rule matches (default route, priority, SLA). */
void scrm_route_default(const scrm_routes *rt, scrm_route_decision *d);

/* Words of the hits bitset that cover every topic and cue of the file (ceil(ids / 64)). */
uint32_t scrm_route_hit_words(const scrm_routes *rt);

/*
 * Which fields any rule reads: bit f (1ull << SCRM_RF_*) per field, plus
 * SCRM_ROUTE_USES_TOPICS / _SPAM, so the engine can skip work no rule needs.
 */
#define SCRM_ROUTE_USES_TOPICS (1ull << 62) /* topic = / cue = */
#define SCRM_ROUTE_USES_SPAM (1ull << 63)   /* spam, spam.NAME */
uint64_t scrm_route_fields_used(const scrm_routes *rt);

/* Rules, in file order. @i must be in range (asserted). */
uint32_t scrm_route_rule_count(const scrm_routes *rt);
uint32_t scrm_route_rule_line(const scrm_routes *rt, uint32_t i);
/* The decision's why string of rule @i ("FILE:LINE"), or of the default route for -1. */
const char *scrm_route_rule_why(const scrm_routes *rt, int32_t i);

/*
 * scrm_route_rule_string() - rule @i written back in canonical form: every and/or
 * parenthesized, a bare count as `> 0`, string values lower-cased, the actions it gives
 * in the order priority, sla, alert, e.g.
 * "route pr when ((topic = nestle and sentiment < -0.5) or spam) priority P0 sla 15m alert"
 * into @buf (truncated to @cap, NUL-terminated when @cap > 0). It parses back to the
 * same rule. For tests and tools.
 * Return: the length it would have had.
 */
size_t scrm_route_rule_string(const scrm_routes *rt, uint32_t i, char *buf, size_t cap);

/*
 * scrm_route_shadowed_by() - the index of the earlier rule that keeps rule @i from ever
 * firing, by the criterion above, or -1 when none is found.
 */
int32_t scrm_route_shadowed_by(const scrm_routes *rt, uint32_t i);

/* Teams: ids 0 .. count-1; names NUL-terminated, living as long as @rt. */
uint32_t scrm_route_team_count(const scrm_routes *rt);
const char *scrm_route_team_name(const scrm_routes *rt, uint16_t id);
/* The id of team @name, or -ENOENT. */
int scrm_route_team_find(const scrm_routes *rt, const char *name);

/* Counts of what scrm_route_lint() reported. */
typedef struct scrm_route_lint_counts {
	unsigned warnings, infos;
} scrm_route_lint_counts;

/*
 * scrm_route_lint() - the lint above for @rt, compiled from @r (the same rules: their
 * source lines are quoted): one "FILE:LINE:COL: warning: ..." block with a caret per
 * finding, and "FILE: info: ..." lines, appended to @out (truncated to @outlen).
 * @counts may be NULL. Return: warnings + infos.
 */
unsigned scrm_route_lint(const scrm_routes *rt, const scrm_rules *r, char *out, size_t outlen,
			 scrm_route_lint_counts *counts);

#ifdef __cplusplus
}
#endif

#endif
