/*
 * clf_cues.c - the `cues` classifier of tasks intent, action and complaint: transparent
 * rules over built-in cue phrases, the scrm-mode sentiment, spam.h's structural signals
 * and reply structure. Every decision names the rule and the words that made it.
 *
 * MATCHER. The phrase lists (cues_patterns.h) form a Hyperscan block-mode database of their
 * own, compiled at build time and embedded (else compiled on the first create, ~0.2 s).
 * An explanation quotes the words, so every match needs its start: the lists are written
 * out as literals (cues_expand.h), whose start is their end minus their length, and the
 * 8 parts that cannot be are regexes, each in a small database of its own with Hyperscan's
 * leftmost start of match, scanned only for a text where one of its gate literals (words
 * every match of it contains, cues_patterns.h) was found. Each list's matches that
 * end together count once, with the leftmost start (as start of match reports them), and
 * the rules take them by end: one scan per record finds every group's leftmost hit.
 * Hyperscan rather than a hand-written matcher: about 100 patterns with alternations and
 * word boundaries are one pass per record instead of one pass per phrase, and the engine
 * already links Hyperscan for the rules file (topics.h). The lists are independent of
 * the user's rules file on purpose: the classifier behaves the same with or without one.
 * With one, the pipeline compiles the main database's expressions into the rules'
 * database as its guests (scrm_cues_guest(), topics.h), feeds their matches from that
 * one scan per record (scrm_cues_feed_begin/feed/feed_end: the one-byte literals and the
 * gated regexes are found after it, as here) and hands the hits to the classifiers
 * (scrm_clf_item.cues): the same hits for about a quarter less scanning.
 *
 * RULES, first that fires wins (the precedence; README "Benchmarking classifiers" has
 * the same list):
 *   1. spam        a strong spam cue ("giveaway", "promo code", "cashed out", "#ad"), or
 *                  a weak one ("free", "win", "sale") with a link, or a structural signal
 *                  of scrm_spam_scan() (many links, hashtag stuffing, mention spam,
 *                  repeated words), unless a complaint or question cue is also present;
 *   2. churn       a churn cue ("cancel my subscription", "switching to", "never again");
 *   3. purchase    a purchase cue ("want to buy", "can i buy", "how much", "sign up", "upgrade",
 *                  "quote") without a complaint cue (a purchase blocked by a failure is
 *                  a complaint, GUIDELINE.md rule 4);
 *   4. suggestion  a suggestion cue ("would be great if", "please add", "you should")
 *                  without a complaint cue;
 *   5. complaint   a complaint cue ("still waiting", "not working", "delayed", "worst"),
 *                  or negative scrm sentiment (compound <= -0.05) addressed to someone
 *                  (an @mention or a reply);
 *   6. question    a question cue ("how do i", "can i", "?", "anyone know"), or an
 *                  addressed request to be followed so the writer can DM ("follow me
 *                  back", "you need to follow me"; its "you need to" is then no
 *                  suggestion cue);
 *   7. praise      a praise cue ("thank", "love"; a praise word right after a negation
 *                  is none: "not impressed", "not the best"), a resolution ("problem fixed", "got it
 *                  working"; not after a negation) or positive sentiment (>= 0.5); a
 *                  complaint cue inside a resolution ("problem") does not count (resolve());
 *   8. other.
 * action_needed (GUIDELINE.md "action_needed: rules"): churn -> yes always; complaint,
 * question, purchase and suggestion -> yes when addressed (an @mention anywhere, a known
 * reply, or a message on a direct channel such as e-mail or chat: scrm_clf_item.direct);
 * other -> yes only for a mid-thread information reply (an info cue: "done", "dm sent",
 * an OS or device name) that is addressed; praise and spam -> no.
 * complaint task: yes when the intent is complaint or churn.
 *
 * Confidence (a margin of evidence, not a probability): 0.8 when a phrase cue decided,
 * 0.6 when sentiment or a structural signal did, 0.5 for other with nothing matched.
 *
 * The lists were tuned on intent-scrm dev rows only (README has the figures).
 */
#include <emmintrin.h>
#include <errno.h>
#include <hs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "buf.h"
#include "classifier.h"
#include "clf_cues.h"
#include "utf8.h"
#include "sentiment.h"
#include "spam.h"
#include "topics.h"

#include "cues_patterns.h"

static const char *const group_names[SCRM_CUE_NGROUPS] = {
	"question", "complaint", "praise", "purchase", "churn", "suggestion", "spam", "spam_weak", "info", "resolved",
	"dm_request",
};

const char *scrm_cue_group_name(unsigned g)
{
	return g < SCRM_CUE_NGROUPS ? group_names[g] : "?";
}

/*
 * The databases: loaded once per process, on first use, and read-only afterwards (like
 * start-up config; they are never freed): deserialized from the copies compiled at build
 * time, or compiled here (~0.2 s) when those cannot be used. Each instance only allocates
 * its own scratches and report buffer.
 */
static struct {
	pthread_once_t once;
	hs_database_t *db;              /* every expression of x but the gated regexes, no start of match */
	hs_database_t *re[CUE_RE_MAX];  /* each regex of x alone, with leftmost start of match */
	struct cue_exprs x;             /* cues_build(): the ids of all databases index it */
	int rc;
	int embedded; /* 1: the databases came from the binary, not compiled at start-up */
	char err[256];
	/* the main database as expressions, for scrm_cues_guest() (made on its first call) */
	pthread_once_t guest_once;
	const char **gexprs;
	unsigned *gflags, *gids, gn;
	uint64_t gkey;
} shared = {PTHREAD_ONCE_INIT, NULL, {NULL}, {0}, 0, 0, "", PTHREAD_ONCE_INIT, NULL, NULL, NULL, 0, 0};

/* The databases gen/cues_dbgen.c compiled and serialized at build time ($(BUILD)/gen/cues_db.c;
 * empty when it could not), and how many expressions and regexes it wrote out. */
extern const unsigned char scrm_cues_db_blob[];
extern const size_t scrm_cues_db_blob_len;
extern const unsigned scrm_cues_db_nexpr, scrm_cues_re_count;
extern const unsigned char *const scrm_cues_re_blob[];
extern const size_t scrm_cues_re_blob_len[];

static void free_dbs(void)
{
	hs_free_database(shared.db);
	shared.db = NULL;
	for (unsigned k = 0; k < CUE_RE_MAX; k++) {
		hs_free_database(shared.re[k]);
		shared.re[k] = NULL;
	}
}

/* The embedded databases, unless this CPU cannot run them (they were compiled for the
 * build machine: Hyperscan refuses another platform's database) or they are damaged or
 * not of these lists. Return 1 if they are loaded. */
static int load_embedded(void)
{
	if (!scrm_cues_db_blob_len || scrm_cues_db_nexpr != shared.x.n || scrm_cues_re_count != shared.x.nre ||
	    hs_deserialize_database((const char *)scrm_cues_db_blob, scrm_cues_db_blob_len, &shared.db) != HS_SUCCESS)
		return 0;
	for (unsigned k = 0; k < shared.x.nre; k++)
		if (hs_deserialize_database((const char *)scrm_cues_re_blob[k], scrm_cues_re_blob_len[k], &shared.re[k]) !=
		    HS_SUCCESS) {
			free_dbs();
			return 0;
		}
	return 1;
}

static void compile_once(void)
{
	if (cues_build(&shared.x) < 0) {
		snprintf(shared.err, sizeof shared.err, "cues: out of memory");
		shared.rc = -ENOMEM;
		return;
	}
	if (load_embedded()) {
		shared.embedded = 1;
		return;
	}
	hs_compile_error_t *ce = NULL;
	if (cues_compile(&shared.x, &shared.db, shared.re, &ce) != HS_SUCCESS) {
		int e = ce ? ce->expression : -1;
		snprintf(shared.err, sizeof shared.err, "cues: built-in pattern %d rejected: %s",
			 e >= 0 && (unsigned)e < shared.x.n ? shared.x.v[e].pat : -1, ce ? ce->message : "?");
		hs_free_compile_error(ce);
		shared.rc = -EIO;
	}
}

int scrm_cues_db_embedded(void)
{
	pthread_once(&shared.once, compile_once);
	return shared.embedded;
}

enum { MAX_SPANS = 8 };

struct span {
	uint32_t from, to;
};

struct scan_ctx {
	scrm_cues_hits *h;
	scrm_cues *c;
	const char *text;
	size_t len;
	uint32_t trig; /* bit k: regex slot k's trigger matched, its own scan is due */
	/* every complaint match and every resolution, for resolve() (n > MAX_SPANS: too many
	 * complaint matches to tell, the complaint stands) */
	struct span comp[MAX_SPANS], res[MAX_SPANS];
	uint32_t ncomp, nres;
};

/* One match of the main scan, before the rules look at it: the expression, and where */
struct report {
	uint32_t expr, from, to;
};

struct scrm_cues {
	hs_scratch_t *scratch; /* for every database */
	struct report *rep; /* this text's matches (grows when a text has more than any before) */
	uint32_t nrep;
	size_t cap;
	int overflow;       /* the buffer could not grow: the scan fails with -ENOMEM */
	struct scan_ctx fx; /* the text being fed (scrm_cues_feed_begin()) */
	struct report *kept; /* the fed texts' matches, kept for later (scrm_cues_feed_keep()) */
	size_t nkept, kept_cap;
};

int scrm_cues_create(scrm_cues **out, char *err, size_t errlen)
{
	*out = NULL;
	pthread_once(&shared.once, compile_once);
	if (shared.rc) {
		snprintf(err, errlen, "%s", shared.err);
		return shared.rc;
	}
	scrm_cues *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	int rc = scrm_array_grow((void **)&c->rep, &c->cap, 64, sizeof *c->rep, 64) ||
		 hs_alloc_scratch(shared.db, &c->scratch) != HS_SUCCESS;
	for (unsigned k = 0; k < shared.x.nre && !rc; k++)
		rc = hs_alloc_scratch(shared.re[k], &c->scratch) != HS_SUCCESS;
	if (rc) {
		scrm_cues_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void scrm_cues_free(scrm_cues *c)
{
	if (!c)
		return;
	hs_free_scratch(c->scratch);
	free(c->rep);
	free(c->kept);
	free(c);
}

/* ASCII word bytes (stems, below; the structural pass of scrm_cues_scan()). */
static const uint8_t word_byte[256] = {
	['_'] = 1,
	['0'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['A'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['a'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static int is_word(unsigned char ch) { return word_byte[ch]; }

/* Hyperscan's \s without UCP: space, \t, \n, \v, \f, \r. */
static int is_space6(unsigned char ch) { return ch == ' ' || (ch >= '\t' && ch <= '\r'); }

/* Only the counts: the spans are written before they are read (a designated
 * initializer would clear all 144 bytes with `rep stos`, 19% of the scan's own time). */
static inline void ctx_init(struct scan_ctx *x, scrm_cues_hits *h, scrm_cues *c, const char *text, size_t len)
{
	x->h = h;
	x->c = c;
	x->text = text;
	x->len = len;
	x->trig = 0;
	x->ncomp = x->nres = 0;
}

/* Record s as group g's match if it is the leftmost so far (on equal starts, the longer). */
static void leftmost(scrm_cues_hits *h, unsigned g, struct span s)
{
	if (!(h->groups & (1u << g)) || s.from < h->from[g] || (s.from == h->from[g] && s.to > h->to[g])) {
		h->groups |= 1u << g;
		h->from[g] = s.from;
		h->to[g] = s.to;
	}
}

/* Whether the word before text[at] negates what follows: not, never, no, a word ending
 * in n't (ASCII or U+2019 apostrophe) or an apostrophe-less form ("dont", "havent"):
 * "haven't fixed it", "never got it working". */
static int negated_before(const char *text, size_t at, int words)
{
	/* The words, each with its length, which is compared first (a strlen() of each word
	 * was most of this function's time). between: may stand between a negation and the
	 * trouble it negates ("never had any issues"). */
#define W(s) {s, sizeof s - 1}
	static const struct {
		const char *w;
		size_t n;
	} between[] = {W("a"), W("an"), W("any"), W("the"), W("had"), W("have"), W("has")},
	  bare[] = {W("not"),	 W("never"),   W("no"),	      W("zero"),     W("without"), W("dont"),  W("cant"),
		    W("wont"),	 W("didnt"),   W("doesnt"),   W("isnt"),     W("wasnt"),   W("hasnt"), W("havent"),
		    W("hadnt"),	 W("couldnt"), W("wouldnt"),  W("shouldnt"), W("arent"),   W("werent"), W("aint")};
#undef W
	const unsigned char *u = (const unsigned char *)text;
	size_t e = at;
	/* the @words words before it (a resolution: three, as VADER looks back, "never
	 * really fixed it"; trouble: one, not counting an article, "any" or "had": "not
	 * a problem", "never had any issues"), within the clause: punctuation ends the
	 * look-back ("No, it's fixed now") */
	for (int w = 0, skipped = 0; w < words; w++) {
		while (e && u[e - 1] == ' ')
			e--;
		size_t b = e;
		while (b && is_word(u[b - 1]))
			b--;
		size_t n = e - b;
		if (!n) {
			/* "n't" splits a word: "haven't" is "haven", "'", "t" to is_word() */
			return 0;
		}
		if (n == 1 && (u[b] | 0x20) == 't') {
			if ((b >= 2 && u[b - 1] == '\'' && (u[b - 2] | 0x20) == 'n') ||
			    (b >= 4 && u[b - 1] == 0x99 && u[b - 2] == 0x80 && u[b - 3] == 0xE2 && (u[b - 4] | 0x20) == 'n'))
				return 1;
			/* skip the rest of the contraction ("isn't" before "t") */
			b -= b >= 1 && u[b - 1] == '\'' ? 1 : b >= 3 && u[b - 1] == 0x99 ? 3 : 0;
			while (b && is_word(u[b - 1]))
				b--;
		} else {
			for (size_t k = 0; k < sizeof bare / sizeof bare[0]; k++)
				if (bare[k].n == n && !strncasecmp(text + b, bare[k].w, n))
					return 1;
			if (words == 1 && skipped < 2)
				for (size_t k = 0; k < sizeof between / sizeof between[0]; k++)
					if (between[k].n == n && !strncasecmp(text + b, between[k].w, n)) {
						w--, skipped++; /* does not count */
						break;
					}
		}
		e = b;
	}
	return 0;
}

/* Keep a match of expression @id at text[from, to) (the report buffer grows); 1 when it
 * cannot (the scan stops, -ENOMEM). */
static int report(struct scan_ctx *x, unsigned id, uint32_t from, uint32_t to)
{
	scrm_cues *c = x->c;
	if (c->nrep == c->cap &&
	    (c->cap >= (1u << 24) || scrm_array_grow((void **)&c->rep, &c->cap, c->cap + 1, sizeof *c->rep, 64))) {
		c->overflow = 1;
		return 1; /* stop the scan */
	}
	c->rep[c->nrep++] = (struct report){id, from, to};
	return 0;
}

/* The main scan's callback: a literal starts its length before its end, and its \b's
 * are checked here; a gate or a regex only marks its regex's own scan as due. */
static int collect(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
	(void)from;
	(void)fl;
	struct scan_ctx *x = ctx;
	const struct cue_expr *e = &shared.x.v[id];
	if (e->role != CUE_LIT) {
		x->trig |= 1u << e->re;
		return 0;
	}
	if (e->trail && !scrm_re_boundary_at(x->text, x->len, (size_t)to))
		return 0;
	uint32_t f = (uint32_t)to - e->width;
	if (e->lead && !scrm_re_boundary_at(x->text, x->len, f))
		return 0;
	return report(x, id, f, (uint32_t)to);
}

/* A regex's own scan's callback: its match with its leftmost start. */
static int collect_re(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
	(void)fl;
	struct scan_ctx *x = ctx;
	if (shared.x.v[id].trail && !scrm_re_boundary_at(x->text, x->len, (size_t)to))
		return 0;
	return report(x, id, (uint32_t)from, (uint32_t)to);
}

/* By end, then list, then start: a list's matches that end together are adjacent, the
 * leftmost first (insertion sort: the scan reports them nearly in this order). */
static void sort_reports(struct report *r, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		struct report t = r[i];
		uint32_t tp = shared.x.v[t.expr].pat, j = i;
		for (; j; j--) {
			const struct report *q = &r[j - 1];
			uint32_t qp = shared.x.v[q->expr].pat;
			if (q->to < t.to || (q->to == t.to && (qp < tp || (qp == tp && q->from <= t.from))))
				break;
			r[j] = r[j - 1];
		}
		r[j] = t;
	}
}

/* List @id matched text[from, to) (the leftmost start of its matches that end at @to,
 * what Hyperscan's start of match would report): the rules' view of it. */
static void take(struct scan_ctx *x, unsigned id, uint32_t from, uint32_t to)
{
	unsigned g = pats[id].group;
	if (pats[id].negatable && negated_before(x->text, (size_t)from, 1))
		return;
	if (pats[id].stem && to && is_word((unsigned char)x->text[to - 1]))
		while (to < x->len && is_word((unsigned char)x->text[to]))
			to++;
	if (pats[id].emoticon) {
		const unsigned char *u = (const unsigned char *)x->text;
		if ((from && !is_space6(u[from - 1])) || (to < x->len && u[to] == '/'))
			return;
		from -= from != 0;
		to += to < x->len;
	}
	if (g == SCRM_CUE_RESOLVED) {
		if (negated_before(x->text, (size_t)from, 3))
			return;
		if (x->nres < MAX_SPANS)
			x->res[x->nres++] = (struct span){from, to};
	} else if (g == SCRM_CUE_COMPLAINT) {
		if (x->ncomp < MAX_SPANS)
			x->comp[x->ncomp] = (struct span){from, to};
		x->ncomp++;
	}
	scrm_cues_hits *h = x->h;
	if (g == SCRM_CUE_QUESTION && (h->groups >> g & 1) && h->to[g] - h->from[g] == 1 && to - from > 1) {
		/* a question phrase wins over a bare '?' before it ("Hello? how do i ..."): the
		 * rules treat a lone '?' as weaker, and it must not hide the phrase */
		h->from[g] = from;
		h->to[g] = to;
		return;
	}
	leftmost(h, g, (struct span){from, to});
}

/* Scan @text: its list matches, each list's matches that end together as one (the
 * leftmost), in c->rep by end. Return 0, -EIO (Hyperscan failed) or -ENOMEM. */
static int find_rest(scrm_cues *c, struct scan_ctx *x);
static int find(scrm_cues *c, struct scan_ctx *x)
{
	c->nrep = 0;
	c->overflow = 0;
	if (!x->len)
		return 0;
	if (hs_scan(shared.db, x->text, (unsigned)x->len, 0, c->scratch, collect, x) != HS_SUCCESS)
		return c->overflow ? -ENOMEM : -EIO;
	return find_rest(c, x);
}

/* What find() does after the main database's scan (or after another scan that fed its
 * matches, scrm_cues_feed()): the one-byte literals, the regexes whose gates matched,
 * the reports in order. */
static int find_rest(scrm_cues *c, struct scan_ctx *x)
{
	for (unsigned k = 0; k < shared.x.nbyte; k++) {
		const char *p = x->text, *end = x->text + x->len;
		uint32_t id = shared.x.byte_expr[k];
		while ((p = memchr(p, shared.x.byte[k], (size_t)(end - p)))) {
			p++;
			if (collect(id, 0, (unsigned long long)(p - x->text), 0, x))
				return -ENOMEM;
		}
	}
	for (uint32_t m = x->trig; m; m &= m - 1) {
		unsigned k = (unsigned)__builtin_ctz(m);
		if (hs_scan(shared.re[k], x->text, (unsigned)x->len, 0, c->scratch, collect_re, x) != HS_SUCCESS)
			return c->overflow ? -ENOMEM : -EIO;
	}
	sort_reports(c->rep, c->nrep);
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nrep; i++) {
		const struct report *r = &c->rep[i];
		if (n && c->rep[n - 1].to == r->to && shared.x.v[c->rep[n - 1].expr].pat == shared.x.v[r->expr].pat)
			continue;
		c->rep[n++] = *r;
	}
	c->nrep = n;
	return 0;
}

/* A resolution counts as praise, and a complaint word inside one ("problem fixed") is no
 * complaint: the complaint group keeps only its matches outside every resolution. */
static void resolve(struct scan_ctx *x)
{
	scrm_cues_hits *h = x->h;
	/* airline-sentiment writes "Flight Booking Problems" for a booking: a complaint word
	 * inside the purchase match is no complaint either (others in the text still are) */
	int purchase = (h->groups >> SCRM_CUE_PURCHASE) & 1;
	struct span buy = {h->from[SCRM_CUE_PURCHASE], h->to[SCRM_CUE_PURCHASE]};
	if (!x->nres && !purchase)
		return;
	if ((h->groups & (1u << SCRM_CUE_COMPLAINT)) && x->ncomp <= MAX_SPANS) {
		h->groups &= ~(1u << SCRM_CUE_COMPLAINT);
		for (uint32_t i = 0; i < x->ncomp; i++) {
			int inside = purchase && buy.from <= x->comp[i].from && x->comp[i].to <= buy.to;
			for (uint32_t j = 0; j < x->nres && !inside; j++)
				inside = x->res[j].from <= x->comp[i].from && x->comp[i].to <= x->res[j].to;
			if (!inside)
				leftmost(h, SCRM_CUE_COMPLAINT, x->comp[i]);
		}
	}
	if (x->nres)
		leftmost(h, SCRM_CUE_PRAISE, (struct span){h->from[SCRM_CUE_RESOLVED], h->to[SCRM_CUE_RESOLVED]});
}

/* "http://", "https://" or "www." (any case) at text[i..len). */
static int link_at(const char *t, size_t i, size_t len)
{
	size_t n = len - i;
	const unsigned char *u = (const unsigned char *)t + i;
	if ((u[0] | 0x20) == 'w')
		return n >= 4 && (u[1] | 0x20) == 'w' && (u[2] | 0x20) == 'w' && u[3] == '.';
	if (n < 7 || (u[0] | 0x20) != 'h' || (u[1] | 0x20) != 't' || (u[2] | 0x20) != 't' || (u[3] | 0x20) != 'p')
		return 0;
	size_t k = (u[4] | 0x20) == 's' ? 5 : 4;
	return n >= k + 3 && u[k] == ':' && u[k + 1] == '/' && u[k + 2] == '/';
}

/* Count what text[p] marks: a mention or hashtag starting there, or a link whose ':'
 * ("http://", "https://") or '.' ("www.") it is. */
static inline void structural_mark(scrm_cues_hits *h, const char *text, size_t p, size_t len)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t i;
	if (u[p] == '@' || u[p] == '#') {
		if ((p && is_word(u[p - 1])) || p + 1 >= len || !is_word(u[p + 1]))
			return;
		/* "RT @handle" opening a repost names the author it reposts: no address */
		if (u[p] == '@' && p == 3 && u[0] == 'R' && u[1] == 'T' && u[2] == ' ')
			return;
		if (u[p] == '@')
			h->mention = 1;
		else
			h->hashtags++;
		return;
	}
	if (u[p] == ':')
		i = p >= 5 && (u[p - 1] | 0x20) == 's' ? p - 5 : p >= 4 ? p - 4 : p;
	else
		i = p >= 3 ? p - 3 : p;
	/* the scheme the mark belongs to: a ':' after "www." is not that link's mark */
	if (i != p && (u[i] | 0x20) == (u[p] == ':' ? 'h' : 'w') && !(i && is_word(u[i - 1])) && link_at(text, i, len))
		h->links++;
}

long scrm_cues_matches(scrm_cues *c, const char *text, size_t len, scrm_cue_match *out, size_t max)
{
	scrm_cues_hits h;
	struct scan_ctx x;
	ctx_init(&x, &h, c, text, len > UINT32_MAX ? UINT32_MAX : len);
	int rc = find(c, &x);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < c->nrep && i < max; i++)
		out[i] = (scrm_cue_match){shared.x.v[c->rep[i].expr].pat, c->rep[i].from, c->rep[i].to};
	return c->nrep;
}

static void hits_clear(scrm_cues_hits *h)
{
	/* field by field: memset() of the whole became `rep stos`, slow to start */
	h->groups = h->mention = h->hashtags = h->links = h->spam_bits = 0;
	memset(h->from, 0, sizeof h->from);
	memset(h->to, 0, sizeof h->to);
}

static void finish(struct scan_ctx *x, int spam_bits);

int scrm_cues_scan(scrm_cues *c, const char *text, size_t len, int spam_bits, scrm_cues_hits *h)
{
	hits_clear(h);
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	struct scan_ctx x;
	ctx_init(&x, h, c, text, len);
	int rc = find(c, &x);
	if (rc < 0)
		return rc;
	finish(&x, spam_bits);
	return 0;
}

void scrm_cues_feed_begin(scrm_cues *c, const char *text, size_t len)
{
	ctx_init(&c->fx, NULL, c, text, len > UINT32_MAX ? UINT32_MAX : len);
	c->nrep = 0;
	c->overflow = 0;
}

int scrm_cues_feed(void *cues, unsigned id, unsigned long long to)
{
	scrm_cues *c = cues;
	/* a buffer that cannot grow fails scrm_cues_feed_end(), not the other scan */
	(void)collect(id, 0, to, 0, &c->fx);
	return 0;
}

int scrm_cues_feed_end(scrm_cues *c, int spam_bits, scrm_cues_hits *h)
{
	hits_clear(h);
	c->fx.h = h;
	if (c->overflow)
		return -ENOMEM;
	int rc = find_rest(c, &c->fx);
	if (rc < 0)
		return rc;
	finish(&c->fx, spam_bits);
	return 0;
}

void scrm_cues_keep_reset(scrm_cues *c)
{
	c->nkept = 0;
}

int scrm_cues_feed_keep(scrm_cues *c, scrm_cues_kept *k)
{
	if (c->overflow || c->nkept + c->nrep > UINT32_MAX ||
	    scrm_array_grow((void **)&c->kept, &c->kept_cap, c->nkept + c->nrep, sizeof *c->kept, 256))
		return -ENOMEM;
	if (c->nrep)
		memcpy(c->kept + c->nkept, c->rep, c->nrep * sizeof *c->rep);
	*k = (scrm_cues_kept){(uint32_t)c->nkept, c->nrep, c->fx.trig};
	c->nkept += c->nrep;
	return 0;
}

int scrm_cues_kept_end(scrm_cues *c, const scrm_cues_kept *k, const char *text, size_t len, int spam_bits,
		       scrm_cues_hits *h)
{
	/* c->rep holds at least as many: every text's matches passed through it */
	scrm_cues_feed_begin(c, text, len);
	c->fx.trig = k->trig;
	if (k->n)
		memcpy(c->rep, c->kept + k->at, k->n * sizeof *c->rep);
	c->nrep = k->n;
	return scrm_cues_feed_end(c, spam_bits, h);
}

static void build_guest(void)
{
	const struct cue_exprs *x = &shared.x;
	shared.gexprs = calloc(x->n, sizeof *shared.gexprs);
	shared.gflags = calloc(x->n, sizeof *shared.gflags);
	shared.gids = calloc(x->n, sizeof *shared.gids);
	if (!shared.gexprs || !shared.gflags || !shared.gids)
		return; /* gn stays 0: out of memory */
	shared.gn = cues_main_exprs(x, shared.gexprs, shared.gflags, shared.gids);
	XXH3_state_t *st = XXH3_createState();
	if (!st) {
		shared.gn = 0;
		return;
	}
	XXH3_64bits_reset(st);
	for (unsigned i = 0; i < shared.gn; i++) {
		unsigned meta[2] = {shared.gflags[i], shared.gids[i]};
		XXH3_64bits_update(st, meta, sizeof meta);
		XXH3_64bits_update(st, shared.gexprs[i], strlen(shared.gexprs[i]) + 1);
	}
	shared.gkey = XXH3_64bits_digest(st);
	XXH3_freeState(st);
}

int scrm_cues_guest(scrm_topics_guest *g)
{
	pthread_once(&shared.once, compile_once);
	if (shared.rc)
		return shared.rc;
	pthread_once(&shared.guest_once, build_guest);
	if (!shared.gn)
		return -ENOMEM;
	*g = (scrm_topics_guest){shared.gn, shared.gexprs, shared.gflags, shared.gids, shared.gkey};
	return 0;
}

/* The rules' view of the reports find() left in c->rep, into x->h. */
static void finish(struct scan_ctx *x, int spam_bits)
{
	scrm_cues *c = x->c;
	scrm_cues_hits *h = x->h;
	const char *text = x->text;
	size_t len = x->len;
	for (uint32_t i = 0; i < c->nrep; i++)
		take(x, shared.x.v[c->rep[i].expr].pat, c->rep[i].from, c->rep[i].to);
	resolve(x);
	/* @mentions, #hashtags and links, each at a word start (the byte before it, if any,
	 * is not a word byte): the bytes that mark one ('@', '#', the ':' of "http://" and
	 * "https://", the '.' of "www.") are found sixteen at a time (SSE2), and only those
	 * are looked at (not every 'h' and 'w', which cost 150 ns per record in the
	 * pipeline; eight at a time with SWAR was half of this function's time) */
	const unsigned char *u = (const unsigned char *)text;
	size_t i = 0;
	const __m128i at = _mm_set1_epi8('@'), hash = _mm_set1_epi8('#'), colon = _mm_set1_epi8(':'),
		      dot = _mm_set1_epi8('.');
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(u + i));
		__m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, at), _mm_cmpeq_epi8(v, hash)),
					 _mm_or_si128(_mm_cmpeq_epi8(v, colon), _mm_cmpeq_epi8(v, dot)));
		for (unsigned m = (unsigned)_mm_movemask_epi8(e); m; m &= m - 1)
			structural_mark(h, text, i + (size_t)__builtin_ctz(m), len);
	}
	for (; i < len; i++)
		if (u[i] == '@' || u[i] == '#' || u[i] == ':' || u[i] == '.')
			structural_mark(h, text, i, len);
	h->spam_bits = spam_bits >= 0 ? (uint32_t)spam_bits : (uint32_t)scrm_spam_scan(text, len, NULL);
}

enum { L_QUESTION, L_COMPLAINT, L_PRAISE, L_PURCHASE, L_CHURN, L_SUGGESTION, L_SPAM, L_OTHER };

#define NEG_CUT (-0.05)
#define POS_CUT 0.5

void scrm_cues_decide(const scrm_cues_hits *h, const scrm_sentiment *s, int is_reply, int direct,
		      scrm_cues_decision *d)
{
	uint32_t g = h->groups;
	/* airline-sentiment writes "Flight Booking Problems" for a booking: not a complaint */
	if (((g >> SCRM_CUE_COMPLAINT) & 1) && ((g >> SCRM_CUE_PURCHASE) & 1) &&
	    h->from[SCRM_CUE_COMPLAINT] >= h->from[SCRM_CUE_PURCHASE] && h->to[SCRM_CUE_COMPLAINT] <= h->to[SCRM_CUE_PURCHASE])
		g &= ~(1u << SCRM_CUE_COMPLAINT);
	/* "you need to follow me (so I can DM you)" asks for a follow: no suggestion */
	if ((g >> SCRM_CUE_DM_REQUEST) & 1)
		g &= ~(1u << SCRM_CUE_SUGGESTION);
#define HAS(x) ((g >> (x)) & 1u)
	int addressed = h->mention || is_reply == 1 || direct;
	int neg = s && s->compound <= NEG_CUT, pos = s && s->compound >= POS_CUT;
	int link = h->links > 0;
	d->addressed = (uint8_t)(h->mention || is_reply == 1 ? 1 : direct ? 2 : 0);
	d->group = -1;
	d->confidence = 0.8f;
	int care = HAS(SCRM_CUE_COMPLAINT);
	if (HAS(SCRM_CUE_SPAM) && !care) {
		d->intent = L_SPAM, d->group = SCRM_CUE_SPAM;
	} else if (HAS(SCRM_CUE_SPAM_WEAK) && link && !care) {
		d->intent = L_SPAM, d->group = SCRM_CUE_SPAM_WEAK;
	} else if ((h->spam_bits & (SCRM_SPAM_LINKS | SCRM_SPAM_HASHTAGS | SCRM_SPAM_MENTIONS | SCRM_SPAM_REPEAT)) &&
		   !care) {
		d->intent = L_SPAM, d->confidence = 0.6f;
	} else if (HAS(SCRM_CUE_CHURN)) {
		d->intent = L_CHURN, d->group = SCRM_CUE_CHURN;
	} else if (HAS(SCRM_CUE_PURCHASE) && !HAS(SCRM_CUE_COMPLAINT)) {
		d->intent = L_PURCHASE, d->group = SCRM_CUE_PURCHASE;
	} else if (HAS(SCRM_CUE_SUGGESTION) && !HAS(SCRM_CUE_COMPLAINT)) {
		d->intent = L_SUGGESTION, d->group = SCRM_CUE_SUGGESTION;
	} else if (HAS(SCRM_CUE_COMPLAINT)) {
		d->intent = L_COMPLAINT, d->group = SCRM_CUE_COMPLAINT;
	} else if (neg && addressed) {
		d->intent = L_COMPLAINT, d->confidence = 0.6f;
	} else if (HAS(SCRM_CUE_QUESTION) && (addressed || h->to[SCRM_CUE_QUESTION] - h->from[SCRM_CUE_QUESTION] > 1)) {
		d->intent = L_QUESTION, d->group = SCRM_CUE_QUESTION;
	} else if (HAS(SCRM_CUE_DM_REQUEST) && addressed) {
		d->intent = L_QUESTION, d->group = SCRM_CUE_DM_REQUEST;
	} else if (HAS(SCRM_CUE_PRAISE)) {
		d->intent = L_PRAISE, d->group = SCRM_CUE_PRAISE;
	} else if (pos && addressed) {
		d->intent = L_PRAISE, d->confidence = 0.6f;
	} else {
		d->intent = L_OTHER, d->confidence = 0.5f;
	}
	switch (d->intent) {
	case L_CHURN: d->action = 1; break;
	case L_COMPLAINT:
	case L_QUESTION:
	case L_PURCHASE:
	case L_SUGGESTION: d->action = (uint32_t)addressed; break;
	case L_OTHER: d->action = addressed && HAS(SCRM_CUE_INFO); break;
	default: d->action = 0; break;
	}
#undef HAS
}

/* ---- the classifier ---- */

/* The explanations are built from parts of known length (scrm_clf_why_putn()): copying
 * byte by byte to each part's NUL cost a mispredicted branch per part (callgrind's branch
 * simulation: 23 of the 54 that classification added per record). */
#define PUT(why, len, lit) ((void)SCRM_CLF_WHY_LIT(why, len, lit))

/* "question: ", ..., "other: ": each intent label as an explanation starts it, made once
 * from scrm_task_labels() when the first classifier is created (create_task()). */
static struct {
	char s[16];
	uint8_t n;
} label_prefix[L_OTHER + 1];
static pthread_once_t label_once = PTHREAD_ONCE_INIT;

static void label_prefixes(void)
{
	size_t nl;
	const char *const *labels = scrm_task_labels(SCRM_TASK_INTENT, &nl);
	for (size_t i = 0; i < nl && i <= L_OTHER; i++) {
		size_t n = strnlen(labels[i], sizeof label_prefix[i].s - 3);
		memcpy(label_prefix[i].s, labels[i], n);
		memcpy(label_prefix[i].s + n, ": ", 3);
		label_prefix[i].n = (uint8_t)(n + 2);
	}
}

typedef struct clf_cues {
	scrm_cues *cues;
	scrm_sent *sent; /* NULL without a lexicon: items without sentiment then go without */
	scrm_task task;
} clf_cues;

static int create_task(void **state, const scrm_clf_config *cfg, scrm_task task, char *err, size_t errlen)
{
	clf_cues *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->task = task;
	pthread_once(&label_once, label_prefixes);
	int rc = scrm_cues_create(&c->cues, err, errlen);
	if (!rc && cfg->lexicon && !(c->sent = scrm_sent_create(cfg->lexicon)))
		rc = -ENOMEM;
	if (rc) {
		scrm_cues_free(c->cues);
		free(c);
		return rc;
	}
	*state = c;
	return 0;
}

static int create_intent(void **s, const scrm_clf_config *cfg, char *err, size_t errlen)
{
	return create_task(s, cfg, SCRM_TASK_INTENT, err, errlen);
}

static int create_action(void **s, const scrm_clf_config *cfg, char *err, size_t errlen)
{
	return create_task(s, cfg, SCRM_TASK_ACTION, err, errlen);
}

static int create_complaint(void **s, const scrm_clf_config *cfg, char *err, size_t errlen)
{
	return create_task(s, cfg, SCRM_TASK_COMPLAINT, err, errlen);
}

static void free_cues(void *state)
{
	clf_cues *c = state;
	if (!c)
		return;
	scrm_cues_free(c->cues);
	scrm_sent_free(c->sent);
	free(c);
}

/* The matched words of group g, quoted, at most 28 bytes (cut at a space), controls as spaces. */
static void put_match(char why[SCRM_CLF_WHY_MAX], size_t *len, const char *text, const scrm_cues_hits *h,
		      unsigned g)
{
	char q[32];
	size_t n = h->to[g] - h->from[g], qn = 0;
	if (n > 28) {
		n = 28;
		while (n && text[h->from[g] + n] != ' ')
			n--;
		if (!n)
			return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)text[h->from[g] + i];
		q[1 + qn++] = ch < 0x20 || ch == '"' ? ' ' : (char)ch;
	}
	/* whole UTF-8 characters only: an emoticon's span takes in the byte after it, which
	 * may be the first of a character ("ok :/é") */
	qn = scrm_utf8_valid_prefix((const unsigned char *)q + 1, qn);
	q[0] = q[qn + 1] = '"';
	(void)scrm_clf_why_putn(why, len, q, qn + 2);
}

/* "complaint: \"still waiting\"", "complaint: sentiment -0.62 + @mention", "spam: links". */
static void put_reason(char why[SCRM_CLF_WHY_MAX], size_t *len, const char *text, const scrm_cues_hits *h,
		       const scrm_cues_decision *d, const scrm_sentiment *s)
{
	(void)scrm_clf_why_putn(why, len, label_prefix[d->intent].s, label_prefix[d->intent].n);
	if (d->group >= 0) {
		if (d->group == SCRM_CUE_SPAM_WEAK)
			PUT(why, len, "link + ");
		put_match(why, len, text, h, (unsigned)d->group);
	} else if (d->intent == L_SPAM) {
		for (unsigned b = 0; b < SCRM_SPAM__COUNT; b++)
			if (h->spam_bits & (1u << b)) {
				(void)scrm_clf_why_put(why, len, scrm_spam_name(b), NULL, NULL);
				break;
			}
	} else if (s && (d->intent == L_COMPLAINT || d->intent == L_PRAISE)) {
		static const char sent[] = "sentiment ", addr[] = " + addressed";
		char part[sizeof sent - 1 + SCRM_CLF_NUM_MAX + sizeof addr];
		memcpy(part, sent, sizeof sent - 1);
		size_t n = sizeof sent - 1 + scrm_clf_fmt_fixed(part + sizeof sent - 1, s->compound, 2);
		if (d->intent == L_COMPLAINT) {
			memcpy(part + n, addr, sizeof addr - 1);
			n += sizeof addr - 1;
		}
		(void)scrm_clf_why_putn(why, len, part, n);
	} else {
		PUT(why, len, "no cue");
	}
}

/* What scrm_cues_analyze() keeps in a record's memo; reason: put_reason()'s text, for
 * the next classifier of the same record (intent's, then again inside action's why). */
struct cues_memo {
	scrm_cues_hits h;
	scrm_cues_decision d;
	scrm_sentiment sv;
	int has_sv;
	uint8_t has_reason, reason_len;
	char reason[SCRM_CLF_WHY_MAX];
};
#define CUES_MEMO_TAG 0x63756573u /* "cues" */
_Static_assert(sizeof(struct cues_memo) <= SCRM_CLF_MEMO_BYTES, "cues memo too large");

/* put_reason() through the record's memo (NULL: none). A reason is at most 43 bytes
 * ("spam: link + " and a quote of 30) after a prefix of at most 5 ("yes, "), so none of
 * put_reason()'s parts is ever left out and appending the whole reason writes the same
 * bytes; where it would not fit, put_reason() runs again. */
static void put_reason_memo(char why[SCRM_CLF_WHY_MAX], size_t *len, const char *text, const scrm_cues_hits *h,
			    const scrm_cues_decision *d, const scrm_sentiment *s, struct scrm_clf_memo *memo)
{
	struct cues_memo *m = memo && memo->owner == CUES_MEMO_TAG ? (struct cues_memo *)memo->data : NULL;
	if (m && m->has_reason && *len + m->reason_len < SCRM_CLF_WHY_MAX) {
		memcpy(why + *len, m->reason, (size_t)m->reason_len + 1);
		*len += m->reason_len;
		return;
	}
	size_t start = *len;
	put_reason(why, len, text, h, d, s);
	if (m && start == 0) {
		memcpy(m->reason, why, *len + 1);
		m->reason_len = (uint8_t)*len;
		m->has_reason = 1;
	}
}

static void explain(const clf_cues *c, char why[SCRM_CLF_WHY_MAX], const char *text, const scrm_cues_hits *h,
		    const scrm_cues_decision *d, const scrm_sentiment *s, struct scrm_clf_memo *memo)
{
	size_t len = 0;
	why[0] = 0;
	if (c->task == SCRM_TASK_INTENT) {
		put_reason_memo(why, &len, text, h, d, s, memo);
		return;
	}
	int yes = c->task == SCRM_TASK_COMPLAINT ? d->intent == L_COMPLAINT || d->intent == L_CHURN : (int)d->action;
	if (yes)
		PUT(why, &len, "yes, ");
	else
		PUT(why, &len, "no, ");
	put_reason_memo(why, &len, text, h, d, s, memo);
	if (c->task == SCRM_TASK_COMPLAINT || d->intent == L_PRAISE || d->intent == L_SPAM || d->intent == L_CHURN)
		return;
	if (d->intent == L_OTHER && d->addressed && !d->action)
		PUT(why, &len, ", no info cue");
	else if (d->intent == L_OTHER && d->action)
		PUT(why, &len, ", info reply");
	else if (!d->addressed)
		PUT(why, &len, ", not addressed");
	else if (h->mention)
		PUT(why, &len, ", @mention");
	else if (d->addressed == 1)
		PUT(why, &len, ", reply");
	else
		PUT(why, &len, ", direct channel");
}

int scrm_cues_analyze(scrm_cues *c, struct scrm_sent *sent, const scrm_clf_item *it, const scrm_sentiment **s,
		      scrm_sentiment *scratch, scrm_cues_hits *h, scrm_cues_decision *d)
{
	scrm_clf_memo *memo = it->memo;
	const char *text = it->text ? it->text : "";
	size_t len = it->text ? it->len : 0;
	if (memo && memo->owner == CUES_MEMO_TAG) {
		const struct cues_memo *m = (const struct cues_memo *)memo->data;
		*h = m->h;
		*d = m->d;
		if (!*s && m->has_sv) {
			*scratch = m->sv;
			*s = scratch;
		}
		return 0;
	}
	int rc = 0;
	if (it->cues)
		*h = *it->cues;
	else if ((rc = scrm_cues_scan(c, text, len, it->spam_bits, h)))
		return rc;
	if (!*s && sent) {
		if ((rc = scrm_sent_score(sent, SCRM_SENT_SCRM, text, len, scratch, NULL)))
			return rc;
		*s = scratch;
	}
	scrm_cues_decide(h, *s, it->is_reply, it->direct, d);
	if (memo) {
		struct cues_memo *m = (struct cues_memo *)memo->data;
		m->h = *h;
		m->d = *d;
		m->has_sv = *s != NULL;
		if (*s)
			m->sv = **s;
		m->has_reason = 0;
		memo->owner = CUES_MEMO_TAG;
	}
	return 0;
}

static int classify_cues(void *state, const scrm_clf_item *items, size_t n, scrm_clf_out *out, unsigned flags)
{
	clf_cues *c = state;
	for (size_t i = 0; i < n; i++) {
		const scrm_clf_item *it = &items[i];
		const char *text = it->text ? it->text : "";
		scrm_cues_hits h;
		scrm_cues_decision d;
		const scrm_sentiment *s = it->sentiment[SCRM_SENT_SCRM];
		scrm_sentiment sv;
		int rc = scrm_cues_analyze(c->cues, c->sent, it, &s, &sv, &h, &d);
		if (rc)
			return rc;
		out[i].label = c->task == SCRM_TASK_INTENT    ? d.intent
			       : c->task == SCRM_TASK_ACTION ? d.action
							     : (uint32_t)(d.intent == L_COMPLAINT || d.intent == L_CHURN);
		out[i].confidence = d.confidence;
		out[i].score = 0;
		out[i].why[0] = 0;
		if (flags & SCRM_CLF_EXPLAIN)
			explain(c, out[i].why, text, &h, &d, s, it->memo);
	}
	return 0;
}

#define CUES_FLAGS (SCRM_CLF_USES_SENTIMENT | SCRM_CLF_USES_CUES)

const scrm_classifier_desc scrm_clf_intent_cues = {
	.task = SCRM_TASK_INTENT,
	.name = "cues",
	.summary = "transparent rules: built-in cue phrases, scrm sentiment, spam signals, replies",
	.flags = CUES_FLAGS,
	.create = create_intent,
	.free = free_cues,
	.classify = classify_cues,
};

const scrm_classifier_desc scrm_clf_action_cues = {
	.task = SCRM_TASK_ACTION,
	.name = "cues",
	.summary = "the intent rules + addressed (@mention, reply or direct channel), GUIDELINE.md's action rules",
	.flags = CUES_FLAGS,
	.create = create_action,
	.free = free_cues,
	.classify = classify_cues,
};

const scrm_classifier_desc scrm_clf_complaint_cues = {
	.task = SCRM_TASK_COMPLAINT,
	.name = "cues",
	.summary = "yes when the intent rules say complaint or churn",
	.flags = CUES_FLAGS,
	.create = create_complaint,
	.free = free_cues,
	.classify = classify_cues,
};
