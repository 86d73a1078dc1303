/*
 * cues_patterns.h - the built-in cue phrase lists of the `cues` classifier and how they
 * compile: included by clf_cues.c, which matches with them, and by gen/cues_dbgen.c, which
 * compiles them at build time into the serialized database embedded in the binary (so a
 * run does not spend ~0.25 s, and several seconds under AddressSanitizer, compiling them
 * at start-up). Both go through cues_compile() below, so the two databases are the same.
 */
#ifndef SCRM_CUES_PATTERNS_H
#define SCRM_CUES_PATTERNS_H

#include <hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clf_cues.h"
#include "cues_expand.h"
#include "re_boundary.h"

#define AP "(?:'|\xe2\x80\x99)?" /* an optional apostrophe, ASCII or U+2019 */

/*
 * SPEED. Start-of-match tracking is what Hyperscan charges for here: without it the scan
 * takes half the time, and nearly all of the extra was a few patterns with an unbounded
 * repeat (`\w*`, `(\w+ )?`). So a stem does not spell its word's tail: a pattern marked
 * `stem` ends at the stem ("\bdisappoint"), and on_match() extends the end to the end of
 * the word; that is the match `\bdisappoint\w*\b` had, start included. The one optional
 * middle word is bounded (`\w{1,30}`). Same hits and starts as the unbounded forms on the
 * 160k texts tried (every labelled set in ../shared and a generated firehose); the
 * scan costs 40-55% less.
 */
static const struct cue_pat {
	uint8_t group;
	const char *re;
	uint8_t stem; /* the match may stop inside a word: extend its end to the word's end */
	uint8_t emoticon; /* a bare literal whose context on_match() checks: at the start or
			   * after an ASCII space, not followed by '/'; the match then takes in
			   * that space and the byte after, as (^|\s)LIT($|[^/]) would (compiled
			   * that way it was 90 KB of the database, for one emoticon) */
	uint8_t negatable; /* trouble named as absent is none: take() drops a match right
			    * after a negation, an article, "any" or "had" between ("no issues", "zero
			    * problems", "never had a problem", "not a problem", "never
			    * disappoint"; not "did not resolve my issue"); praise named as absent
			    * is none either ("not impressed", "not the best", "no love") */
	const char *gate; /* for a list with a part that stays a regex (below): literals, '|'
			   * between them, one of which every match of that part contains (any
			   * case); the regex is scanned only in a text where one is found. The
			   * test cues/gates_are_in_every_match checks them on every corpus. */
} pats[] = {
	/* question */
	{SCRM_CUE_QUESTION, "\\?", 0, 0, 0, NULL},
	{SCRM_CUE_QUESTION, "\\bhow (do|can|should|would|does|did) (i|we|you|u|one)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_QUESTION, "\\bhow to\\b", 0, 0, 0, NULL},
	{SCRM_CUE_QUESTION, "\\b(can|could|may|should) (i|we|someone|anyone|u)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_QUESTION, "\\b(any ?(one|body)|does anyone|do you guys) (know|have|else)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_QUESTION, "\\b(is there|is it possible|am i able|are you able)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_QUESTION, "\\b(please|pls|plz) (help|advise|assist|see|check)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_QUESTION, "\\b(please|pls|plz|can you|could you|would someone|someone) (\\w{1,30} )?(dm|message|"
			    "send|tell|confirm|let me know|explain)\\b", 0, 0, 0,
	 " dm| message| send| tell| confirm| let me know| explain"},
	{SCRM_CUE_QUESTION, "\\b(help me|need help|need some help|any idea|any update|wondering)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_QUESTION, "\\b(what|where|when|which|who)" AP "(s| is| are| do| does| can| will| should| time)\\b", 0, 0, 0, NULL},
	/* complaint */
	{SCRM_CUE_COMPLAINT, "\\b(not|isn" AP "t|doesn" AP "t|don" AP "t|won" AP "t|can" AP "t|cannot|couldn" AP
			     "t|didn" AP "t|wasn" AP "t|aren" AP "t|wont|cant|dont|doesnt) (work|load|play|open|"
			     "let|connect|respond|log|show|sync|download|stream|get)", 1, 0, 0, NULL},
	{SCRM_CUE_COMPLAINT, "\\bstill (waiting|no|not|haven" AP "t|hasn" AP "t|nothing|broken|can" AP "t)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_COMPLAINT, "\\b(worst|terrible|horrible|awful|ridiculous|unacceptable|pathetic|useless|"
			     "disgusting|sucks?|rude|poor|crap|"
			     "wtf|smh|ugh|incompetent|lousy|nightmare|fed up|sick of|tired of|hate)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_COMPLAINT, "\\b(late|cancell?ed|lost|broken|missing|damaged|stuck|stranded|"
			     "on hold|error|"
			     "keeps? \\w+ing|refund|charged|fix|fixed yet|no response|no reply|no answer|"
			     "never (got|received|arrived|heard)|hasn" AP "t (arrived|come)|wrong|"
			     "stopped working|logged out|skipping|no longer)\\b", 0, 0, 0, "keep"},
	{SCRM_CUE_COMPLAINT, "\\b(frustrat|annoy|shit|overbook|glitch|crash|rebook)", 1, 0, 0, NULL},
	{SCRM_CUE_COMPLAINT, "\\b(issues?|problems?|bug|bugs)\\b", 0, 0, 1, NULL}, /* "no error message" is trouble */
	{SCRM_CUE_COMPLAINT, "\\b(disappoint|delay)", 1, 0, 1, NULL},
	{SCRM_CUE_COMPLAINT, "\\b(no one|nobody|waited|waiting|gave up|give up|unbelievable|"
			     "can" AP "t believe|cant believe|screwed|worse|isn" AP "t even|not even|not once|"
			     "took my money|my money back|(hasn|didn|doesn)" AP "t help\\w*|suddenly|\\w+sucks)\\b", 0, 0, 0,
	 "t help|sucks"},
	/* hours waited, not opening hours ("what are your customer service hours?") */
	{SCRM_CUE_COMPLAINT, "\\b(a few|few|couple|couple of|several|many|extra|for|over|one|two|three|four|five|"
			     "six|seven|eight|nine|ten|eleven|twelve) (hours|hrs)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_COMPLAINT, "\\b[0-9]+\\+? (hours|hrs)\\b", 0, 0, 0, " hours| hrs"},
	{SCRM_CUE_COMPLAINT, "\\b(hours|hrs) (on hold|on the phone|in line|later|of waiting|waiting)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_COMPLAINT, "\\b(why (is|are|did|do|does|has|have|would|was|were|can" AP "t|cant|won" AP "t|isn" AP
			     "t)|how come)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_COMPLAINT, "(:\\(|\xf0\x9f\x98\xa1|\xf0\x9f\x98\xa4|\xf0\x9f\x98\xa0|\xf0\x9f\x99\x84|"
			     "\xf0\x9f\x98\x92|\xf0\x9f\x98\xa9|\xf0\x9f\x98\x9e|\xf0\x9f\x98\xab|\xf0\x9f\x98\xa2|"
			     "\xf0\x9f\x98\xad|#fail\\w*)", 0, 0, 0, "#fail"},
	{SCRM_CUE_COMPLAINT, ":/", 0, 1, 0, NULL},
	/* praise */
	{SCRM_CUE_PRAISE, "\\b(thank|thanks|thx|thnx|ty|tysm|cheers)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_PRAISE, "\\b(love|loving|loved|awesome|amazing|great|best|excellent|fantastic|perfect|"
			  "kudos|brilliant|wonderful|helpful|sorted|works now|all good|"
			  "well done|good job|shout ?out|impressed)\\b", 0, 0, 1, NULL},
	{SCRM_CUE_PRAISE, "\\bappreciate", 1, 0, 0, NULL},
	{SCRM_CUE_PRAISE, "(\xe2\x9d\xa4|\xf0\x9f\x98\x8d|\xf0\x9f\x99\x8c|\xf0\x9f\x91\x8f|\xf0\x9f\x92\x99|"
			  "\xf0\x9f\x98\x8a|\xf0\x9f\x92\x9a|\xf0\x9f\x91\x8d)", 0, 0, 0, NULL},
	/* purchase */
	{SCRM_CUE_PURCHASE, "\\b(want|wanna|going|looking|trying|ready|planning|like|love|hoping) to (buy|purchase|"
			    "book|order|upgrade|sign up|subscribe|get (a|the|premium|family|student))\\b", 0, 0, 0, NULL},
	{SCRM_CUE_PURCHASE, "\\b(how much (is|are|does|do|would|will|for|to)|sign(ing)? up|upgrade (to|my)|"
			    "quote|pricing for|price (of|for)|where (can|do) i (buy|get|order|purchase)|"
			    "pre-?order|in stock|back in stock|family plan|"
			    "student (plan|discount|premium)|companion pass|flight booking problems)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_PURCHASE, "\\b((can|could|may) (i|we) (buy|purchase|order|pre-?order)|(when|where|how) (can|could) "
			    "(i|we) (buy|purchase|order|get one)|(thinking|thought) (of|about) (buying|purchasing|"
			    "upgrading|getting one)|interested (in|to) (buy|buying|purchase|purchasing|try|trying|"
			    "upgrade|upgrading)|how much (did|was|were|would it|will it)|discounts? (on|for) "
			    "(seats?|tickets?|flights?|wifi|groups?|children|kids|students?)|group (pricing|rates?|"
			    "discounts?))\\b", 0, 0, 0, NULL},
	{SCRM_CUE_PURCHASE, "\\brestock", 1, 0, 0, NULL},
	{SCRM_CUE_PURCHASE, "\\b(when|will) .{0,20}\\b(available|availability|come out|release)\\b", 0, 0, 0,
	 "availab|come out|release"},
	/* churn */
	{SCRM_CUE_CHURN, "\\bcancel+(ing|ed|s)? (my|our|the) (\\w+ )?(sub\\w*|account|membership|premium|plan|"
			 "service|family plan)\\b", 0, 0, 0, "cancel"},
	{SCRM_CUE_CHURN, "\\bunsubscrib", 1, 0, 0, NULL},
	{SCRM_CUE_CHURN, "\\b(switch(ing)? (to|back)|moving (to|over to)|"
			 "going back to|done with|first and last|last time i|delete my account|"
			 "close my account|taking my business|take my business|lost a (customer|client)|"
			 "losing a customer)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_CHURN, "\\bleaving (you|spotify)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_CHURN, "\\bnever (again|fly|flying|use|using|buy|buying|book|booking|going back|coming back|"
			 "choose|choosing)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_CHURN, "\\b(won" AP "t|will not|wont) (be )?((fly|flying|use|using|buy|buying|back|"
			 "book|booking|return)\\b|renew)", 1, 0, 0, NULL},
	{SCRM_CUE_CHURN, "\\b(fly|flying|stick|sticking|go|going|stay|staying|back) (to|with) @?(delta|"
			 "southwest|jetblue|virgin|alaska|spirit|frontier)\\b", 0, 0, 0, NULL},
	/* suggestion */
	{SCRM_CUE_SUGGESTION, "\\b(you|u|y" AP "all|you guys|spotify|they) (really |seriously |definitely )?"
			      "(should|need to|needs to)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_SUGGESTION, "\\bshould (add|make|let|bring|offer|consider|allow|introduce|implement|"
			      "include|create|start)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_SUGGESTION, "\\b(please|pls|plz) (add|make|bring|allow|consider|introduce|implement|"
			      "give us)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_SUGGESTION, "\\b(feature request|features?|would be (so |really |very |much )?(nice|great|cool|"
			      "awesome|helpful|amazing|better|faster|easier|an important)|i wish (you|there|spotify|they|it)|my wish|"
			      "i suggest|suggesting|suggestion|(great|good|an|my) idea|"
			      "how about|an option to|bring back|would love (to see|it if|a|an)|what if)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_SUGGESTION, "\\b(can|could) you (guys )?(add|make|bring|introduce|implement)\\b", 0, 0, 0, NULL},
	/* spam, strong */
	{SCRM_CUE_SPAM, "\\b(giveaway|cash(ed)? ?out|signup bonus|referral|promo code|discount code|coupon|"
			"use code|use my (link|code|promo ?code)|promo ?code|the code|newsletter|sweepstakes|"
			"new blog|blog (article|post)|listen to my|support the activities|lightning deal|"
			"shop now|buy now|order now|click here|visit us|read blog|check out my|"
			"follow us|now hiring|limited time|enter to win|chance to win|\\d+ ?% off)\\b", 0, 0, 0,
	 "% off"},
	{SCRM_CUE_SPAM, "#(ad|sponsored|giveaway|win|hiring|deals?|sale)\\b", 0, 0, 0, NULL},
	/* spam, weak: needs a link */
	{SCRM_CUE_SPAM_WEAK, "\\b(free|win|sale|promo|discount|shop|store|ebay|etsy|blog|subscribe|"
			     "check (it )?out|follow)\\b", 0, 0, 0, NULL},
	/* resolution confirmations (GUIDELINE.md: "All sorted now", "Fixed it!", "It got fixed"
	 * are praise); on_match() drops one preceded by a negation ("haven't fixed it") */
	{SCRM_CUE_RESOLVED, "\\b(problem|issue)s? (is |was |has been |have been |got |now |all )?(fixed|solved|resolved|"
			    "sorted)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_RESOLVED, "\\b(it|that|everything|all)(" AP "s| is| was| has been| got| is now| now| seems| looks)"
			    " (all )?(fixed|solved|resolved|sorted)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_RESOLVED, "\\b(got it|finally) (fixed|sorted|working|to work)\\b", 0, 0, 0, NULL},
	{SCRM_CUE_RESOLVED, "\\b(fixed|solved|sorted|resolved) (it|the (problem|issue))\\b", 0, 0, 0, NULL},
	{SCRM_CUE_RESOLVED, "\\b(working|works) again\\b", 0, 0, 0, NULL},
	/* information replies */
	/* a follow so that the writer can DM (GUIDELINE.md: "Follow me (back) so I can DM you" ->
	 * question, 1) */
	{SCRM_CUE_DM_REQUEST, "\\b(follow (me|us) back|follow back|follow (me|us) first|(need|have) to follow (me|us)|"
			      "follow (me|us) (so|in order|to dm|for dm|for a dm|and i|and we)|following me so)\\b", 0,
	 0, 0, NULL},
	{SCRM_CUE_INFO, "\\bscreenshot", 1, 0, 0, NULL},
	{SCRM_CUE_INFO, "\\b(done|sent|dm" AP "d|dmed|dm sent|version|ios|android|iphone|ipad|"
			"windows|mac|macbook|samsung|pixel|chromecast|ps4|xbox|app store|in advance|"
			"case number|confirmation number)\\b", 0, 0, 0, NULL},
};
#define NPATS (sizeof pats / sizeof pats[0])

/*
 * The database. Each list is written out as the literals it matches (cues_expand.h):
 * 2,178 of them, which Hyperscan finds without start-of-match tracking, as a literal's
 * start is its end minus its length; their \b's are the match callback's to check. What
 * cannot be written out (\w+, .{0,20}, \d+, cancel+) stays a regex: the whole list, or
 * the alternatives of the one top-level group that hold it (8 regexes from 8 of the 49
 * lists). A regex is compiled alone, with leftmost start of match, into a small database
 * of its own, scanned only for a text where its trigger matched in the main scan: one of
 * its list's gate literals (all 8 lists have them), or, for a list without gates, the
 * regex itself compiled without start of match into the main database.
 *
 * Measured (one core, 37,627 real texts, null callback, best of 5): with the 8 regexes in
 * the main database it scans in 264-266 ns per text, with their 18 gate literals instead
 * 229 (generated texts 215 and 180); each regex's own scan costs 31-65 ns (153 for the
 * one that starts with [0-9]+), and its gates are found in 0.2-4.5% of the real texts.
 */
enum cue_role {
	CUE_LIT,      /* a literal of a list */
	CUE_GATE,     /* a gate literal: its match triggers its regex's scan, reports nothing */
	CUE_RE,       /* a regex without gates: in the main database (no start of match) as
		       * its own trigger, and in its own database */
	CUE_RE_GATED, /* a regex with gates: in its own database only */
};

struct cue_expr {
	uint16_t pat;  /* index into pats[] */
	uint8_t width; /* a literal's length in bytes; 0: a regex */
	uint8_t lead;  /* a literal with a \b before it */
	uint8_t trail; /* a \b after it: a literal's, or the regex's final one cut out (re_boundary.h) */
	uint8_t role;  /* enum cue_role */
	uint8_t re;    /* CUE_GATE, CUE_RE, CUE_RE_GATED: the regex's slot (cue_exprs.re[]) */
	char *expr;    /* as compiled */
};

#define CUE_BYTES_MAX 4
#define CUE_RE_MAX 16

/* A literal of one byte ("?") is not compiled: the scan finds it with memchr(). In the
 * database it cost 17-19% of the scan (Hyperscan's literal matchers do worst with the
 * shortest literal), memchr() a few nanoseconds per text. */
struct cue_exprs {
	struct cue_expr *v;
	unsigned n;
	unsigned nre;   /* how many are regexes */
	uint32_t re[CUE_RE_MAX]; /* their indices, by slot */
	unsigned nbyte; /* the one-byte literals left out of the database: their indices */
	uint32_t byte_expr[CUE_BYTES_MAX];
	unsigned char byte[CUE_BYTES_MAX]; /* and their bytes */
};

static inline void cues_exprs_free(struct cue_exprs *x)
{
	for (unsigned i = 0; x->v && i < x->n; i++)
		free(x->v[i].expr);
	free(x->v);
	x->v = NULL;
	x->n = x->nre = x->nbyte = 0;
}

/* @l's bytes as a Hyperscan expression (letters and digits as they are, the rest \xHH),
 * or NULL (out of memory). */
static inline char *cues_literal_expr(const char *l, size_t len)
{
	char *e = malloc(4 * len + 1), *o = e;
	if (!e)
		return NULL;
	for (size_t j = 0; j < len; j++) {
		unsigned char c = (unsigned char)l[j];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			*o++ = (char)c;
		else
			o += sprintf(o, "\\x%02x", c);
	}
	*o = 0;
	return e;
}

/* How many gate literals pats[i] declares. */
static inline unsigned cues_ngates(unsigned i)
{
	unsigned n = 0;
	for (const char *g = pats[i].gate; g && *g; g += strcspn(g, "|") + (g[strcspn(g, "|")] != 0))
		n++;
	return n;
}

/* Write the lists out (deterministic: the embedded database's ids are these indices).
 * Return 0 or -1 (out of memory, or more than CUE_RE_MAX regexes). */
static inline int cues_build(struct cue_exprs *x)
{
	scrm_lits lits = {0};
	memset(x, 0, sizeof *x);
	char *rest[NPATS] = {0};
	size_t first[NPATS + 1];
	int rc = 0;
	for (unsigned i = 0; i < NPATS && rc == 0; i++) {
		first[i] = lits.n;
		rc = scrm_re_expand_split(pats[i].re, 4096, &lits, &rest[i]);
	}
	first[NPATS] = lits.n;
	size_t extra = 0;
	for (unsigned i = 0; i < NPATS; i++)
		extra += rest[i] ? 1 + cues_ngates(i) : 0;
	if (rc == 0 && !(x->v = calloc(lits.n + extra, sizeof *x->v)))
		rc = -1;
	for (unsigned i = 0; i < NPATS && rc == 0; i++) {
		for (size_t k = first[i]; k < first[i + 1] && rc == 0; k++) {
			const scrm_lit *l = &lits.v[k];
			char *e = cues_literal_expr(lits.pool + l->off, l->len);
			if (!e) {
				rc = -1;
				break;
			}
			unsigned char b0 = (unsigned char)lits.pool[l->off];
			if (l->len == 1 && x->nbyte < CUE_BYTES_MAX && !(b0 >= 'a' && b0 <= 'z')) { /* caseless: not a letter */
				x->byte[x->nbyte] = b0;
				x->byte_expr[x->nbyte++] = x->n;
			}
			x->v[x->n++] = (struct cue_expr){(uint16_t)i, l->len, l->lead, l->trail, CUE_LIT, 0, e};
		}
		if (rest[i] && rc == 0) {
			if (x->nre == CUE_RE_MAX) {
				rc = -1;
				break;
			}
			size_t len = strlen(rest[i]);
			uint8_t cut = scrm_re_trailing_boundary(rest[i], len);
			if (cut)
				rest[i][len - 2] = 0;
			uint8_t slot = (uint8_t)x->nre;
			x->re[x->nre++] = x->n;
			x->v[x->n++] = (struct cue_expr){(uint16_t)i, 0, 0, cut, pats[i].gate ? CUE_RE_GATED : CUE_RE, slot,
							 rest[i]};
			rest[i] = NULL;
			for (const char *g = pats[i].gate; g && *g && rc == 0;) {
				size_t gl = strcspn(g, "|");
				char *e = cues_literal_expr(g, gl);
				if (!e)
					rc = -1;
				else
					x->v[x->n++] = (struct cue_expr){(uint16_t)i, (uint8_t)gl, 0, 0, CUE_GATE, slot, e};
				g += gl + (g[gl] != 0);
			}
		}
	}
	for (unsigned i = 0; i < NPATS; i++)
		free(rest[i]);
	scrm_lits_free(&lits);
	if (rc)
		cues_exprs_free(x);
	return rc ? -1 : 0;
}

/* Whether x->v[i] is a one-byte literal the scan finds with memchr(). */
static inline int cues_is_byte(const struct cue_exprs *x, unsigned i)
{
	for (unsigned k = 0; k < x->nbyte; k++)
		if (x->byte_expr[k] == i)
			return 1;
	return 0;
}

/* The main database's expressions (every expression but the one-byte literals and the
 * gated regexes, caseless, no start of match; ids are indices into x->v) into exprs,
 * flags and ids (room for x->n each). Return how many. */
static inline unsigned cues_main_exprs(const struct cue_exprs *x, const char **exprs, unsigned *flags, unsigned *ids)
{
	unsigned k = 0;
	for (unsigned i = 0; i < x->n; i++) {
		if (cues_is_byte(x, i) || x->v[i].role == CUE_RE_GATED)
			continue;
		exprs[k] = x->v[i].expr;
		flags[k] = HS_FLAG_CASELESS;
		ids[k++] = i;
	}
	return k;
}

/* Compile the main database (cues_main_exprs()) and each regex's own (that regex alone,
 * with leftmost start of match, the same id) into re[0..x->nre). On an error every
 * database is freed. Return hs_compile_multi()'s. */
static inline hs_error_t cues_compile(const struct cue_exprs *x, hs_database_t **db, hs_database_t *re[CUE_RE_MAX],
				      hs_compile_error_t **ce)
{
	*db = NULL;
	for (unsigned k = 0; k < CUE_RE_MAX; k++)
		re[k] = NULL;
	const char **exprs = calloc(x->n, sizeof *exprs);
	unsigned *flags = calloc(x->n, sizeof *flags), *ids = calloc(x->n, sizeof *ids);
	hs_error_t err = HS_NOMEM;
	if (!exprs || !flags || !ids)
		goto out;
	unsigned k = cues_main_exprs(x, exprs, flags, ids);
	err = hs_compile_multi(exprs, flags, ids, k, HS_MODE_BLOCK, NULL, db, ce);
	for (unsigned s = 0; s < x->nre && err == HS_SUCCESS; s++) {
		unsigned id = x->re[s], fl = HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST;
		err = hs_compile_multi((const char *const *)&x->v[id].expr, &fl, &id, 1, HS_MODE_BLOCK, NULL, &re[s], ce);
		if (err != HS_SUCCESS && *ce && (*ce)->expression == 0)
			(*ce)->expression = (int)id; /* as in the main compile: an index into x->v */
	}
	if (err != HS_SUCCESS) {
		hs_free_database(*db);
		*db = NULL;
		for (unsigned s = 0; s < CUE_RE_MAX; s++) {
			hs_free_database(re[s]);
			re[s] = NULL;
		}
	}
out:
	free(exprs);
	free(flags);
	free(ids);
	return err;
}

/* The lists as written, caseless, with leftmost start of match, ids the indices into
 * pats[]: what the matcher must agree with (tests/test_clf_intent.c, fuzz_cues.c). */
static inline hs_error_t cues_compile_reference(hs_database_t **db, hs_compile_error_t **ce)
{
	const char *ex[NPATS];
	unsigned fl[NPATS], ids[NPATS];
	for (unsigned i = 0; i < NPATS; i++) {
		ex[i] = pats[i].re;
		fl[i] = HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST;
		ids[i] = i;
	}
	return hs_compile_multi(ex, fl, ids, NPATS, HS_MODE_BLOCK, NULL, db, ce);
}

#endif
