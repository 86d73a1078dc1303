/*
 * route.c - routing rules: parser, compiler, evaluator and lint (route.h has the
 * language and its semantics).
 *
 * DESIGN. rules.c keeps route/drop lines raw; this file parses each by recursive
 * descent into a small tree (one node pool, indices), resolving every name as it goes:
 * topics and cues to their ids, intent labels to indices, spam signals to bits, teams to
 * ids, string values lower-cased into one string pool. The trees are then compiled,
 * last rule first, into ONE branch program for the whole file: an instruction is a
 * single comparison with two successors, "next if true" and "next if false", each
 * either another instruction or a terminal ("rule k fires", "no rule: default route").
 * `and`, `or` and `not` cost nothing at run time: they only decide where successors
 * point (`not` swaps them), so evaluation is short-circuit, needs no stack, and a rule
 * whose condition fails falls through to the next rule's first comparison. Successors
 * always point at instructions emitted earlier (lower indices), so a walk ends after at
 * most as many steps as there are instructions. The trees stay, for the lint and for
 * canonical strings; the evaluator never looks at them.
 */
#include "route.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "spam.h"

/* ------------------------------------------------------------------------------ */
/* Fields                                                                           */

enum kind {
	K_NUM,  /* facts.num[field] op k */
	K_BOOL, /* facts.yes bit field == val */
	K_STR,  /* facts.str[field] == pool[val..val+len) (ASCII case-insensitive) */
	K_ENUM, /* facts.intent / facts.direction == val */
	K_HIT,  /* topic/cue id val matched (never missing) */
	K_SPAM, /* facts.spam & val != 0 (never missing) */
};

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
static const char *const op_text[] = {"=", "!=", "<", "<=", ">", ">="};

enum ftype { FT_NUM, FT_COUNT, FT_BOOL, FT_STR, FT_INTENT, FT_DIR, FT_TOPIC, FT_CUE, FT_SPAM };

static const struct field_def {
	const char *name;
	enum ftype type;
	uint8_t field; /* scrm_route_field (FT_TOPIC/CUE/SPAM: unused) */
} fields[] = {
	{"topic", FT_TOPIC, 0},
	{"cue", FT_CUE, 0},
	{"sentiment", FT_NUM, SCRM_RF_SENTIMENT},
	{"sentiment.pos", FT_NUM, SCRM_RF_SENT_POS},
	{"sentiment.neg", FT_NUM, SCRM_RF_SENT_NEG},
	{"sentiment.neu", FT_NUM, SCRM_RF_SENT_NEU},
	{"intent", FT_INTENT, SCRM_RF_INTENT},
	{"intent.p", FT_NUM, SCRM_RF_INTENT_P},
	{"action_needed", FT_BOOL, SCRM_RF_ACTION_NEEDED},
	{"spam", FT_SPAM, 0},
	{"dup", FT_COUNT, SCRM_RF_DUP},
	{"influence", FT_NUM, SCRM_RF_INFLUENCE},
	{"followers", FT_COUNT, SCRM_RF_FOLLOWERS},
	{"verified", FT_BOOL, SCRM_RF_VERIFIED},
	{"channel", FT_STR, SCRM_RF_CHANNEL},
	{"direction", FT_DIR, SCRM_RF_DIRECTION},
	{"lang", FT_STR, SCRM_RF_LANG},
	{"retweet", FT_BOOL, SCRM_RF_RETWEET},
	{"reply", FT_BOOL, SCRM_RF_REPLY},
	{"customer.known", FT_BOOL, SCRM_RF_CUST_KNOWN},
	{"customer.tier", FT_STR, SCRM_RF_CUST_TIER},
	{"customer.ltv", FT_NUM, SCRM_RF_CUST_LTV},
	{"customer.open_case", FT_BOOL, SCRM_RF_CUST_OPEN_CASE},
	{"customer.complaints_24h", FT_COUNT, SCRM_RF_CUST_COMPLAINTS_24H},
	{"customer.interactions_24h", FT_COUNT, SCRM_RF_CUST_INTERACTIONS_24H},
	{"customer.interactions_7d", FT_COUNT, SCRM_RF_CUST_INTERACTIONS_7D},
	{"customer.sentiment_avg", FT_NUM, SCRM_RF_CUST_SENTIMENT_AVG},
	{"customer.questions_24h", FT_COUNT, SCRM_RF_CUST_QUESTIONS_24H},
	{"customer.praise_24h", FT_COUNT, SCRM_RF_CUST_PRAISE_24H},
	{"customer.purchases_24h", FT_COUNT, SCRM_RF_CUST_PURCHASES_24H},
	{"customer.churn_24h", FT_COUNT, SCRM_RF_CUST_CHURN_24H},
	{"customer.suggestions_24h", FT_COUNT, SCRM_RF_CUST_SUGGESTIONS_24H},
	{"customer.spam_24h", FT_COUNT, SCRM_RF_CUST_SPAM_24H},
	{"customer.other_24h", FT_COUNT, SCRM_RF_CUST_OTHER_24H},
	{"customer.channels_7d", FT_COUNT, SCRM_RF_CUST_CHANNELS_7D},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* Scores the record holds as float: compared in float (route.h, "Numbers"). */
static bool is_f32(unsigned field)
{
	return field == SCRM_RF_SENTIMENT || field == SCRM_RF_SENT_POS || field == SCRM_RF_SENT_NEG ||
	       field == SCRM_RF_SENT_NEU || field == SCRM_RF_INTENT_P || field == SCRM_RF_CUST_SENTIMENT_AVG;
}

/* Round to float where float can hold the value (out of range it stays: no UB). */
static double to_f32(double v)
{
	return v >= -FLT_MAX && v <= FLT_MAX ? (double)(float)v : v;
}

static const char *const default_teams[SCRM_TEAM__DEFAULTS] = {
	"support", "pr", "marketing", "sales", "product", "alerts", "drop", "inbox",
};

/* ------------------------------------------------------------------------------ */
/* Structures                                                                       */

struct atom {
	uint8_t kind, op, field;
	uint32_t val; /* BOOL: wanted value; ENUM: value; HIT: id; SPAM: mask; STR: pool offset */
	uint32_t len; /* STR: length */
	double num;   /* NUM: as written (canonical strings) */
	double k;     /* NUM: as compared (rounded to float for float fields) */
};

enum ntype { N_ATOM, N_AND, N_OR, N_NOT, N_TRUE, N_FALSE };

struct node {
	uint8_t type;
	int32_t a, b; /* children; AND/OR: a, b; NOT: a */
	struct atom at;
};

/* One comparison of the branch program; t/f >= 0: instruction, < 0: terminal -(k + 1)
 * (rule k fires; k == nrules: default route). */
struct ins {
	uint8_t kind, op, field, f32;
	uint32_t val, len;
	int32_t t, f;
	double k;
};

struct rule {
	uint32_t line, col;   /* the statement's keyword */
	uint32_t team_col;    /* the team name (the keyword for drop) */
	uint32_t alert_col;
	int32_t cond;         /* root node; -1: no `when` */
	uint16_t team;
	int8_t priority;      /* -1: not given */
	uint8_t alert, drop_kw;
	int64_t sla_ms;       /* -1: not given */
	uint32_t why;         /* pool offset of "FILE:LINE" */
};

struct name {
	uint32_t off;  /* pool offset */
	uint32_t line; /* declared (topics/cues) or first used (teams) */
	uint32_t col;
	uint8_t is_cue;
	uint8_t used;  /* topics: referenced by a rule */
};

struct scrm_routes {
	struct rule *rules;
	uint32_t nrules, caprules;
	struct node *nodes;
	uint32_t nnodes, capnodes;
	struct ins *prog;
	uint32_t nprog, capprog;
	int32_t entry;
	scrm_route_decision *dec; /* per rule, precomputed */
	scrm_route_decision def;
	char *pool;
	uint32_t pool_len, pool_cap;
	struct name *teams;
	uint32_t nteams, capteams;
	struct name *names; /* topics and cues, by id */
	uint32_t nnames;
	uint32_t def_why;   /* pool offset of "default" */
	uint64_t used;
};

/* ------------------------------------------------------------------------------ */
/* Storage                                                                          */

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	if (need <= *cap)
		return true;
	uint64_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	if (c > UINT32_MAX / 2 || c * size > SIZE_MAX / 2)
		return false;
	void *q = realloc(*p, (size_t)c * size);
	if (!q)
		return false;
	*p = q;
	*cap = (uint32_t)c;
	return true;
}

/* Copy @n bytes (lower-cased when @lower) into the pool, NUL-terminated; its offset or
 * UINT32_MAX on -ENOMEM. */
static uint32_t pool_add(scrm_routes *rt, const char *s, size_t n, bool lower)
{
	if (n > UINT32_MAX / 4 || rt->pool_len + n + 1 > UINT32_MAX / 2 ||
	    !grow((void **)&rt->pool, &rt->pool_cap, rt->pool_len + (uint32_t)n + 1, 1))
		return UINT32_MAX;
	uint32_t off = rt->pool_len;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		rt->pool[off + i] = lower && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	rt->pool[off + n] = 0;
	rt->pool_len += (uint32_t)n + 1;
	return off;
}

static const char *pool_str(const scrm_routes *rt, uint32_t off) { return rt->pool + off; }

static int32_t new_node(scrm_routes *rt, enum ntype type)
{
	if (rt->nnodes >= INT32_MAX / 4 || !grow((void **)&rt->nodes, &rt->capnodes, rt->nnodes + 1, sizeof(struct node)))
		return -1;
	struct node *n = &rt->nodes[rt->nnodes];
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	n->a = n->b = -1;
	return (int32_t)rt->nnodes++;
}

static bool name_eq(const char *a, size_t an, const char *b)
{
	return strlen(b) == an && !memcmp(a, b, an);
}

static bool ascii_ieq(const char *a, size_t an, const char *b)
{
	if (strlen(b) != an)
		return false;
	for (size_t i = 0; i < an; i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (char)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/* Team id of @s, creating it (first use at @line:@col); -ENOMEM, -E2BIG. */
static int team_id(scrm_routes *rt, const char *s, size_t n, uint32_t line, uint32_t col)
{
	for (uint32_t i = 0; i < rt->nteams; i++)
		if (name_eq(s, n, pool_str(rt, rt->teams[i].off)))
			return (int)i;
	if (rt->nteams >= SCRM_ROUTE_TEAMS_MAX)
		return -E2BIG;
	if (!grow((void **)&rt->teams, &rt->capteams, rt->nteams + 1, sizeof(struct name)))
		return -ENOMEM;
	uint32_t off = pool_add(rt, s, n, false);
	if (off == UINT32_MAX)
		return -ENOMEM;
	rt->teams[rt->nteams] = (struct name){.off = off, .line = line, .col = col};
	return (int)rt->nteams++;
}

/* Damerau-Levenshtein (optimal string alignment) distance, for "did you mean". */
static unsigned edit_distance(const char *a, size_t an, const char *b, size_t bn)
{
	enum { M = SCRM_RULES_NAME_MAX + 1 };
	if (an >= M || bn >= M)
		return 99;
	unsigned d[M][M];
	for (size_t i = 0; i <= an; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= bn; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= an; i++)
		for (size_t j = 1; j <= bn; j++) {
			unsigned c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[an][bn];
}

/* A near miss worth a "did you mean": one edit, or two in a name of 6+ bytes. */
static bool near_miss(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	unsigned d = edit_distance(a, an, b, bn);
	return d > 0 && (d == 1 || (d == 2 && an >= 6 && bn >= 6));
}

/* ------------------------------------------------------------------------------ */
/* Lexer                                                                            */

enum tok { T_EOL, T_LPAREN, T_RPAREN, T_OP, T_NUM, T_WORD, T_STR };

struct parser {
	scrm_routes *rt;
	const scrm_rules *r;
	char *err;
	size_t errlen;
	unsigned nerrors;
	bool oom, failed;
	uint32_t line, col0;  /* col0: column of value[0] */
	const char *s, *e;    /* the statement text */
	const char *p;
	enum tok t;
	const char *ts, *te;  /* token text (T_STR: inside the quotes) */
	const char *tpos;     /* token start, for columns */
	enum op op;
	double num;
	int depth;
	unsigned atoms;
};

static uint32_t col_of(const struct parser *ps, const char *at)
{
	return scrm_rules_col(ps->s, at, ps->col0);
}

static void perror_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	if (ps->failed)
		return;
	ps->failed = true;
	ps->nerrors++;
	va_list ap;
	va_start(ap, fmt);
	scrm_rules_format_errorv(ps->r, ps->line, col_of(ps, at), ps->err, ps->errlen, fmt, ap);
	va_end(ap);
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_word_start(char c) { return is_alpha(c) || c == '_'; }
static bool is_word_char(char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-'; }

/* A decimal number without exponent, exactly as strtod would round it (at most 15
 * significant digits: the quotient of two exact doubles is correctly rounded), and
 * independent of the locale. Return: 0 or -EINVAL. */
static int parse_number(const char *s, size_t n, double *out)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
				     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	const char *ip = s + i;
	size_t in = 0, fn = 0;
	while (i < n && is_digit(s[i]))
		i++, in++;
	const char *fp = s + i + 1;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && is_digit(s[i]))
			i++, fn++;
	}
	if (i != n || in + fn == 0)
		return -EINVAL;
	while (in && *ip == '0') /* leading zeros are not significant */
		ip++, in--;
	while (fn && fp[fn - 1] == '0') /* nor trailing zeros of the fraction */
		fn--;
	size_t tz = 0; /* trailing zeros of an integer: a power of ten */
	if (!fn)
		while (tz < in && ip[in - 1 - tz] == '0')
			tz++;
	int64_t m = 0;
	size_t sig = 0;
	if (in - tz > 15)
		return -EINVAL; /* more significant digits than a double keeps (and m would overflow) */
	for (size_t k = 0; k < in - tz; k++, sig++)
		m = m * 10 + (ip[k] - '0');
	for (size_t k = 0; k < fn; k++) {
		if (m || fp[k] != '0')
			sig++;
		m = m * 10 + (fp[k] - '0');
		if (sig > 15)
			return -EINVAL;
	}
	if (sig > 15 || fn > 22 || tz > 22)
		return -EINVAL;
	double v = fn ? (double)m / p10[fn] : (double)m * p10[tz];
	*out = neg ? -v : v;
	return 0;
}

static void lex(struct parser *ps)
{
	while (ps->p < ps->e && is_space(*ps->p))
		ps->p++;
	const char *p = ps->p;
	ps->tpos = ps->ts = p;
	if (p >= ps->e) {
		ps->t = T_EOL;
		ps->te = p;
		return;
	}
	char c = *p;
	char c1 = p + 1 < ps->e ? p[1] : 0;
	ps->t = T_OP;
	switch (c) {
	case '(':
	case ')':
		ps->t = c == '(' ? T_LPAREN : T_RPAREN;
		ps->p = ps->te = p + 1;
		return;
	case '=':
		if (c1 == '=') {
			perror_at(ps, p, "use '=' to compare, not '=='");
			ps->t = T_EOL;
			return;
		}
		ps->op = OP_EQ;
		ps->p = ps->te = p + 1;
		return;
	case '!':
		if (c1 != '=') {
			perror_at(ps, p, "unexpected '!': write 'not' to negate, '!=' to compare");
			ps->t = T_EOL;
			return;
		}
		ps->op = OP_NE;
		ps->p = ps->te = p + 2;
		return;
	case '<':
	case '>':
		ps->op = c == '<' ? (c1 == '=' ? OP_LE : OP_LT) : (c1 == '=' ? OP_GE : OP_GT);
		ps->p = ps->te = p + (c1 == '=' ? 2 : 1);
		return;
	case '"': {
		const char *q = p + 1;
		while (q < ps->e && *q != '"')
			q++;
		if (q >= ps->e) {
			perror_at(ps, p, "unterminated string: missing '\"'");
			ps->t = T_EOL;
			return;
		}
		if (q == p + 1) {
			perror_at(ps, p, "empty string: an empty value counts as missing");
			ps->t = T_EOL;
			return;
		}
		ps->t = T_STR;
		ps->ts = p + 1;
		ps->te = q;
		ps->p = q + 1;
		return;
	}
	default: break;
	}
	bool sign = (c == '-' || c == '+') && (is_digit(c1) || c1 == '.');
	if (is_digit(c) || sign || (c == '.' && is_digit(c1))) {
		const char *q = p + (sign ? 1 : 0);
		while (q < ps->e && (is_digit(*q) || *q == '.'))
			q++;
		const char *end = q;
		while (end < ps->e && is_word_char(*end))
			end++;
		if (end != q || parse_number(p, (size_t)(q - p), &ps->num)) {
			perror_at(ps, p, "bad number '%.*s' (expected e.g. 3, -0.5 or 60.25, at most 15 significant digits)",
				  (int)(end - p), p);
			ps->t = T_EOL;
			return;
		}
		ps->t = T_NUM;
		ps->p = ps->te = q;
		return;
	}
	if (is_word_start(c)) {
		const char *q = p;
		while (q < ps->e && is_word_char(*q))
			q++;
		ps->t = T_WORD;
		ps->p = ps->te = q;
		return;
	}
	if ((unsigned char)c >= 0x80 || (unsigned char)c < 0x20)
		perror_at(ps, p, "unexpected character");
	else
		perror_at(ps, p, "unexpected '%c'", c);
	ps->t = T_EOL;
}

static bool tok_is(const struct parser *ps, const char *w)
{
	return ps->t == T_WORD && name_eq(ps->ts, (size_t)(ps->te - ps->ts), w);
}

/* and / or / not, lower or upper case */
static bool tok_kw(const struct parser *ps, const char *lower, const char *upper)
{
	return tok_is(ps, lower) || tok_is(ps, upper);
}

static bool tok_reserved(const struct parser *ps)
{
	static const char *const kw[] = {"when", "and", "or", "not", "AND", "OR", "NOT", "priority", "sla", "alert"};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (tok_is(ps, kw[i]))
			return true;
	return false;
}

/* The current token as text, for messages. */
static int tok_len(const struct parser *ps)
{
	if (ps->t == T_STR)
		return (int)(ps->te - ps->ts) + 2;
	return (int)(ps->te - ps->tpos);
}

/* ------------------------------------------------------------------------------ */
/* Parser                                                                           */

static int32_t parse_or(struct parser *ps);

static int32_t atom_node(struct parser *ps, const struct atom *at, const char *pos)
{
	if (++ps->atoms > SCRM_ROUTE_ATOMS_MAX) {
		perror_at(ps, pos, "condition has more than %d comparisons", SCRM_ROUTE_ATOMS_MAX);
		return -1;
	}
	int32_t i = new_node(ps->rt, N_ATOM);
	if (i < 0) {
		ps->oom = ps->failed = true;
		return -1;
	}
	ps->rt->nodes[i].at = *at;
	return i;
}

/* Topic or cue @name: its id, or -1 after reporting. */
static int32_t resolve_name(struct parser *ps, bool cue, const char *at, const char *s, size_t n)
{
	scrm_routes *rt = ps->rt;
	for (uint32_t i = 0; i < rt->nnames; i++) {
		if (!name_eq(s, n, pool_str(rt, rt->names[i].off)))
			continue;
		if (rt->names[i].is_cue != cue) {
			perror_at(ps, at, "'%.*s' is a %s, not a %s: write %s = %.*s", (int)n, s, cue ? "topic" : "cue",
				  cue ? "cue" : "topic", cue ? "topic" : "cue", (int)n, s);
			return -1;
		}
		return (int32_t)i;
	}
	for (uint32_t i = 0; i < rt->nnames; i++)
		if (rt->names[i].is_cue == cue && near_miss(s, n, pool_str(rt, rt->names[i].off))) {
			perror_at(ps, at, "unknown %s '%.*s' (did you mean '%s'?)", cue ? "cue" : "topic", (int)n, s,
				  pool_str(rt, rt->names[i].off));
			return -1;
		}
	perror_at(ps, at, "unknown %s '%.*s' (declare it with `%s %.*s: QUERY`)", cue ? "cue" : "topic", (int)n, s,
		  cue ? "cue" : "topic", (int)n, s);
	return -1;
}

static void unknown_field(struct parser *ps, const char *s, size_t n)
{
	scrm_routes *rt = ps->rt;
	for (uint32_t i = 0; i < rt->nnames; i++)
		if (name_eq(s, n, pool_str(rt, rt->names[i].off))) {
			const char *k = rt->names[i].is_cue ? "cue" : "topic";
			perror_at(ps, s, "unknown field '%.*s' (for the %s, write %s = %.*s)", (int)n, s, k, k, (int)n, s);
			return;
		}
	for (size_t i = 0; i < NFIELDS; i++)
		if (near_miss(s, n, fields[i].name)) {
			perror_at(ps, s, "unknown field '%.*s' (did you mean '%s'?)", (int)n, s, fields[i].name);
			return;
		}
	perror_at(ps, s, "unknown field '%.*s'", (int)n, s);
}

static const char *type_name(enum ftype t)
{
	switch (t) {
	case FT_NUM: return "a number";
	case FT_COUNT: return "a count";
	case FT_BOOL:
	case FT_SPAM: return "a boolean";
	case FT_STR: return "a string";
	case FT_INTENT: return "an intent label";
	case FT_DIR: return "a direction (in or out)";
	case FT_TOPIC: return "a topic test";
	case FT_CUE: return "a cue test";
	}
	return "?";
}

/* FIELD [OP VALUE], the current token being the field's word. */
static int32_t parse_comparison(struct parser *ps)
{
	const char *fs = ps->ts;
	size_t fn = (size_t)(ps->te - ps->ts);
	struct atom at = {0};
	enum ftype type;
	const struct field_def *fd = NULL;
	for (size_t i = 0; i < NFIELDS && !fd; i++)
		if (name_eq(fs, fn, fields[i].name))
			fd = &fields[i];
	if (fd) {
		type = fd->type;
		at.field = fd->field;
	} else if (fn > 5 && !memcmp(fs, "spam.", 5)) {
		type = FT_SPAM;
		unsigned bit = 0;
		for (; bit < SCRM_SPAM__COUNT; bit++)
			if (name_eq(fs + 5, fn - 5, scrm_spam_name(bit)))
				break;
		if (bit == SCRM_SPAM__COUNT) {
			bool cue = false;
			for (uint32_t i = 0; i < ps->rt->nnames && !cue; i++)
				cue = ps->rt->names[i].is_cue && name_eq(fs, fn, pool_str(ps->rt, ps->rt->names[i].off));
			perror_at(ps, fs,
				  "unknown spam signal '%.*s' (signals: links, hashtags, mentions, repeated_text, cue, "
				  "duplicate%s%.*s)",
				  (int)(fn - 5), fs + 5, cue ? "; for the cue, write cue = " : "", cue ? (int)fn : 0, fs);
			return -1;
		}
		at.val = 1u << bit;
	} else {
		unknown_field(ps, fs, fn);
		return -1;
	}
	if (type == FT_SPAM && fd)
		at.val = (1u << SCRM_SPAM__COUNT) - 1;
	lex(ps);
	if (ps->failed)
		return -1;

	if (ps->t != T_OP) { /* bare field */
		switch (type) {
		case FT_BOOL:
			at.kind = K_BOOL;
			at.op = OP_EQ;
			at.val = 1;
			break;
		case FT_SPAM:
			at.kind = K_SPAM;
			at.op = OP_EQ;
			break;
		case FT_COUNT:
			at.kind = K_NUM;
			at.op = OP_GT;
			at.num = at.k = 0;
			break;
		case FT_TOPIC:
		case FT_CUE:
			perror_at(ps, fs, "%.*s needs = NAME or != NAME", (int)fn, fs);
			return -1;
		case FT_NUM:
			perror_at(ps, fs, "'%.*s' is a number: compare it, e.g. %.*s < 0", (int)fn, fs, (int)fn, fs);
			return -1;
		default:
			perror_at(ps, fs, "'%.*s' is %s: compare it with = or !=", (int)fn, fs, type_name(type));
			return -1;
		}
		ps->rt->used |= type == FT_SPAM ? SCRM_ROUTE_USES_SPAM : 1ull << at.field;
		return atom_node(ps, &at, fs);
	}

	enum op op = ps->op;
	const char *opos = ps->tpos;
	if (op > OP_NE && type != FT_NUM && type != FT_COUNT) {
		perror_at(ps, opos, "'%.*s' is %s: only = and != apply", (int)fn, fs, type_name(type));
		return -1;
	}
	lex(ps);
	if (ps->failed)
		return -1;
	const char *vpos = ps->tpos, *vs = ps->ts;
	size_t vn = (size_t)(ps->te - ps->ts);
	if (ps->t == T_EOL || ps->t == T_LPAREN || ps->t == T_RPAREN || ps->t == T_OP) {
		perror_at(ps, vpos, "expected a value after '%s'", op_text[op]);
		return -1;
	}
	at.op = (uint8_t)op;
	switch (type) {
	case FT_NUM:
	case FT_COUNT:
		if (ps->t != T_NUM) {
			perror_at(ps, vpos, "'%.*s' is %s: expected a number, not '%.*s'", (int)fn, fs, type_name(type),
				  tok_len(ps), vpos);
			return -1;
		}
		at.kind = K_NUM;
		at.num = ps->num;
		at.k = is_f32(at.field) ? to_f32(ps->num) : ps->num;
		break;
	case FT_BOOL:
	case FT_SPAM: {
		bool want;
		if (tok_is(ps, "true"))
			want = true;
		else if (tok_is(ps, "false"))
			want = false;
		else {
			perror_at(ps, vpos, "'%.*s' is a boolean: expected true or false, not '%.*s'", (int)fn, fs,
				  tok_len(ps), vpos);
			return -1;
		}
		if (type == FT_BOOL) {
			at.kind = K_BOOL;
			at.val = want;
		} else { /* never missing: `spam != true` is `spam = false` */
			at.kind = K_SPAM;
			at.op = (uint8_t)((op == OP_EQ) == want ? OP_EQ : OP_NE);
		}
		break;
	}
	case FT_STR:
		if (vn > SCRM_RULES_NAME_MAX) {
			perror_at(ps, vpos, "value longer than %d bytes", SCRM_RULES_NAME_MAX);
			return -1;
		}
		at.kind = K_STR;
		at.len = (uint32_t)vn;
		at.val = pool_add(ps->rt, vs, vn, true);
		if (at.val == UINT32_MAX) {
			ps->oom = ps->failed = true;
			return -1;
		}
		break;
	case FT_INTENT: {
		size_t nl = 0;
		const char *const *labels = scrm_task_labels(SCRM_TASK_INTENT, &nl);
		size_t i = 0;
		while (i < nl && !ascii_ieq(vs, vn, labels[i]))
			i++;
		if (i == nl || ps->t == T_NUM) {
			char list[256] = "";
			for (size_t k = 0; k < nl; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "", labels[k]);
			perror_at(ps, vpos, "unknown intent '%.*s' (labels: %s)", tok_len(ps), vpos, list);
			return -1;
		}
		at.kind = K_ENUM;
		at.val = (uint32_t)i;
		break;
	}
	case FT_DIR:
		if (ascii_ieq(vs, vn, "in") || ascii_ieq(vs, vn, "out")) {
			at.kind = K_ENUM;
			at.val = ascii_ieq(vs, vn, "out");
			break;
		}
		perror_at(ps, vpos, "direction is in or out, not '%.*s'", tok_len(ps), vpos);
		return -1;
	case FT_TOPIC:
	case FT_CUE: {
		if (ps->t == T_NUM) {
			perror_at(ps, vpos, "expected a %s name, not '%.*s'", type == FT_CUE ? "cue" : "topic", tok_len(ps),
				  vpos);
			return -1;
		}
		int32_t id = resolve_name(ps, type == FT_CUE, vpos, vs, vn);
		if (id < 0)
			return -1;
		ps->rt->names[id].used = 1;
		at.kind = K_HIT;
		at.val = (uint32_t)id;
		break;
	}
	}
	ps->rt->used |= type == FT_SPAM ? SCRM_ROUTE_USES_SPAM
			: type == FT_TOPIC || type == FT_CUE ? SCRM_ROUTE_USES_TOPICS
							      : 1ull << at.field;
	lex(ps);
	if (ps->failed)
		return -1;
	return atom_node(ps, &at, fs);
}

static int32_t parse_unary(struct parser *ps)
{
	if (ps->failed)
		return -1;
	if (++ps->depth > SCRM_RULES_DEPTH_MAX) {
		perror_at(ps, ps->tpos, "condition nested too deep: at most %d parentheses or negations inside each other",
			  SCRM_RULES_DEPTH_MAX - 1);
		return -1;
	}
	int32_t res = -1;
	const char *at = ps->tpos;
	if (tok_kw(ps, "not", "NOT")) {
		lex(ps);
		if (ps->t == T_EOL && !ps->failed) {
			perror_at(ps, at, "'not' needs a condition after it");
		} else {
			int32_t a = parse_unary(ps);
			if (a >= 0) {
				res = new_node(ps->rt, N_NOT);
				if (res < 0)
					ps->oom = ps->failed = true;
				else
					ps->rt->nodes[res].a = a;
			}
		}
	} else if (ps->t == T_LPAREN) {
		lex(ps);
		if (ps->t == T_RPAREN) {
			perror_at(ps, at, "empty parentheses");
		} else {
			res = parse_or(ps);
			if (res >= 0 && ps->t != T_RPAREN) {
				perror_at(ps, at, "unbalanced '(': missing ')'");
				res = -1;
			} else if (res >= 0) {
				lex(ps);
			}
		}
	} else if (tok_is(ps, "true") || tok_is(ps, "false")) {
		res = new_node(ps->rt, tok_is(ps, "true") ? N_TRUE : N_FALSE);
		if (res < 0)
			ps->oom = ps->failed = true;
		else
			lex(ps);
	} else if (ps->t == T_WORD && !tok_reserved(ps)) {
		res = parse_comparison(ps);
	} else if (ps->t == T_RPAREN) {
		perror_at(ps, at, "unbalanced ')': no matching '('");
	} else if (ps->t == T_EOL) {
		perror_at(ps, at, "expected a condition");
	} else {
		perror_at(ps, at, "expected a condition, not '%.*s'", tok_len(ps), at);
	}
	ps->depth--;
	return ps->failed ? -1 : res;
}

static int32_t binary(struct parser *ps, enum ntype type, int32_t a, int32_t b)
{
	if (a < 0 || b < 0)
		return -1;
	int32_t i = new_node(ps->rt, type);
	if (i < 0) {
		ps->oom = ps->failed = true;
		return -1;
	}
	ps->rt->nodes[i].a = a;
	ps->rt->nodes[i].b = b;
	return i;
}

static int32_t parse_and(struct parser *ps)
{
	int32_t a = parse_unary(ps);
	while (a >= 0 && tok_kw(ps, "and", "AND")) {
		const char *at = ps->tpos;
		lex(ps);
		if (ps->t == T_EOL && !ps->failed) {
			perror_at(ps, at, "'%.*s' needs a condition on each side", 3, at);
			return -1;
		}
		a = binary(ps, N_AND, a, parse_unary(ps));
	}
	return a;
}

static int32_t parse_or(struct parser *ps)
{
	int32_t a = parse_and(ps);
	while (a >= 0 && tok_kw(ps, "or", "OR")) {
		const char *at = ps->tpos;
		lex(ps);
		if (ps->t == T_EOL && !ps->failed) {
			perror_at(ps, at, "'%.*s' needs a condition on each side", 2, at);
			return -1;
		}
		a = binary(ps, N_OR, a, parse_and(ps));
	}
	return a;
}

static bool valid_team(const char *s, size_t n)
{
	if (!n || n > SCRM_RULES_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* "FILE:LINE" with FILE the base name: the event's why.rule, the same from any cwd. */
static uint32_t why_string(scrm_routes *rt, const scrm_rules *r, uint32_t line)
{
	const char *file = scrm_rules_file(r);
	const char *slash = strrchr(file, '/');
	char buf[SCRM_RULES_NAME_MAX * 4 + 16];
	int n = snprintf(buf, sizeof(buf), "%s:%u", slash ? slash + 1 : file, line);
	if (n < 0)
		return UINT32_MAX;
	return pool_add(rt, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, false);
}

/* One route/drop statement into rt->rules (nothing is added on error). */
static void parse_rule(struct parser *ps, const scrm_rules_stmt *st)
{
	scrm_routes *rt = ps->rt;
	ps->line = st->line;
	ps->col0 = st->col ? st->col : 1;
	ps->s = ps->p = st->value;
	ps->e = st->value + strlen(st->value);
	ps->failed = false;
	ps->depth = 0;
	ps->atoms = 0;
	struct rule ru = {.line = st->line, .col = ps->col0, .cond = -1, .priority = -1, .sla_ms = -1};
	lex(ps); /* the keyword */
	assert(ps->t == T_WORD);
	ru.drop_kw = st->kind == SCRM_STMT_DROP;
	ru.team_col = ps->col0;
	lex(ps);
	if (ps->failed)
		return;
	if (ru.drop_kw) {
		ru.team = SCRM_TEAM_DROP;
	} else {
		const char *at = ps->tpos;
		if (ps->t != T_WORD || tok_reserved(ps)) {
			perror_at(ps, at, "expected a team name after 'route'");
			return;
		}
		size_t n = (size_t)(ps->te - ps->ts);
		if (!valid_team(ps->ts, n)) {
			perror_at(ps, at, "bad team name '%.*s': a team is [a-z][a-z0-9_-]*, at most %d bytes", (int)n,
				  ps->ts, SCRM_RULES_NAME_MAX);
			return;
		}
		ru.team_col = col_of(ps, at);
		int id = team_id(rt, ps->ts, n, ps->line, ru.team_col);
		if (id == -E2BIG) {
			perror_at(ps, at, "team '%.*s' is one too many: at most %d teams, the 8 default ones included "
					  "(each is an output file)", (int)n, ps->ts, SCRM_ROUTE_TEAMS_MAX);
			return;
		}
		if (id < 0) {
			ps->oom = ps->failed = true;
			return;
		}
		ru.team = (uint16_t)id;
		lex(ps);
		if (ps->failed)
			return;
	}
	if (tok_is(ps, "when")) {
		const char *at = ps->tpos;
		lex(ps);
		if (ps->failed)
			return;
		if (ps->t == T_EOL) {
			perror_at(ps, at, "empty condition after 'when'");
			return;
		}
		ru.cond = parse_or(ps);
		if (ru.cond < 0)
			return;
	}
	bool sla_given = false, acted = false; /* acted: a priority, sla or alert read */
	while (ps->t != T_EOL) {
		const char *at = ps->tpos;
		if (tok_is(ps, "priority")) {
			lex(ps);
			if (ps->failed)
				return;
			if (!(ps->t == T_WORD && ps->te - ps->ts == 2 && ps->ts[0] == 'P' && ps->ts[1] >= '0' &&
			      ps->ts[1] <= '3')) {
				perror_at(ps, ps->tpos, "expected P0, P1, P2 or P3 after 'priority'");
				return;
			}
			if (ru.priority >= 0) {
				perror_at(ps, at, "priority given twice");
				return;
			}
			ru.priority = (int8_t)(ps->ts[1] - '0');
		} else if (tok_is(ps, "sla")) {
			/* A duration is not a token of the condition language: read the word raw. */
			const char *ds = ps->p;
			while (ds < ps->e && is_space(*ds))
				ds++;
			const char *q = ds;
			while (q < ps->e && !is_space(*q))
				q++;
			if (ds == q) {
				perror_at(ps, at, "expected a duration after 'sla', e.g. 15m, 4h or 2d");
				return;
			}
			int64_t ms;
			if (scrm_rules_parse_duration(ds, (size_t)(q - ds), &ms)) {
				perror_at(ps, ds, "bad duration '%.*s' (expected e.g. 90s, 15m, 4h, 2d or 500ms)", (int)(q - ds),
					  ds);
				return;
			}
			if (ms > SCRM_ROUTE_SLA_MAX_MS) {
				perror_at(ps, ds, "sla '%.*s' is longer than 366d", (int)(q - ds), ds);
				return;
			}
			if (sla_given) {
				perror_at(ps, at, "sla given twice");
				return;
			}
			sla_given = true;
			ru.sla_ms = ms;
			ps->p = q;
		} else if (tok_is(ps, "alert")) {
			if (ru.alert) {
				perror_at(ps, at, "alert given twice");
				return;
			}
			ru.alert = 1;
			ru.alert_col = col_of(ps, at);
		} else if (tok_is(ps, "when")) {
			perror_at(ps, at, "'when' must come right after the %s", ru.drop_kw ? "'drop'" : "team name");
			return;
		} else if (ps->t == T_RPAREN && ru.cond >= 0) {
			perror_at(ps, at, "unbalanced ')': no matching '('");
			return;
		} else if (acted && (tok_is(ps, "and") || tok_is(ps, "or") || tok_is(ps, "not"))) {
			/* ("expected and, or, ..." for an 'and' read as self-contradicting: review) */
			perror_at(ps, at, "'%.*s' after priority, sla or alert: the condition comes before them", tok_len(ps),
				  at);
			return;
		} else {
			perror_at(ps, at, "unexpected '%.*s': expected %spriority, sla or alert", tok_len(ps), at,
				  acted ? "" : ru.cond >= 0 ? "and, or, " : "when, ");
			return;
		}
		acted = true;
		lex(ps);
		if (ps->failed)
			return;
	}
	ru.why = why_string(rt, ps->r, st->line);
	if (ru.why == UINT32_MAX || !grow((void **)&rt->rules, &rt->caprules, rt->nrules + 1, sizeof(struct rule))) {
		ps->oom = ps->failed = true;
		return;
	}
	rt->rules[rt->nrules++] = ru;
}

/* ------------------------------------------------------------------------------ */
/* Compiler                                                                         */

static int32_t emit(scrm_routes *rt, const struct atom *at, int32_t t, int32_t f, bool *oom)
{
	if (rt->nprog >= INT32_MAX / 4 || !grow((void **)&rt->prog, &rt->capprog, rt->nprog + 1, sizeof(struct ins))) {
		*oom = true;
		return t;
	}
	/* Successors point backwards: the walk in scrm_route_eval() always ends. */
	assert(t < (int32_t)rt->nprog && f < (int32_t)rt->nprog);
	rt->prog[rt->nprog] = (struct ins){
		.kind = at->kind,
		.op = at->op,
		.field = at->field,
		.f32 = at->kind == K_NUM && is_f32(at->field),
		.val = at->val,
		.len = at->len,
		.t = t,
		.f = f,
		.k = at->k,
	};
	return (int32_t)rt->nprog++;
}

/* Entry of the code for node @n that goes to @t when it holds and to @f when not. */
static int32_t compile_cond(scrm_routes *rt, int32_t n, int32_t t, int32_t f, bool *oom)
{
	const struct node *nd = &rt->nodes[n];
	switch ((enum ntype)nd->type) {
	case N_TRUE: return t;
	case N_FALSE: return f;
	case N_NOT: return compile_cond(rt, nd->a, f, t, oom);
	case N_AND: return compile_cond(rt, nd->a, compile_cond(rt, nd->b, t, f, oom), f, oom);
	case N_OR: return compile_cond(rt, nd->a, t, compile_cond(rt, nd->b, t, f, oom), oom);
	case N_ATOM: return emit(rt, &nd->at, t, f, oom);
	}
	return f;
}

static void append(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	size_t used = strnlen(err, errlen);
	if (used >= errlen - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

/* The `set` statement of @key (for its position), or NULL. */
static const scrm_rules_stmt *setting(const scrm_rules *r, const char *key)
{
	for (uint32_t i = 0; i < scrm_rules_stmt_count(r); i++) {
		const scrm_rules_stmt *s = scrm_rules_stmt_at(r, i);
		if (s->kind == SCRM_STMT_SET && !strcmp(s->name, key))
			return s;
	}
	return NULL;
}

/* The defaults from `set default-*`; rules.c has checked their syntax already, so a
 * failure here is a rules file that did not come from scrm_rules_parse(). */
static int read_defaults(scrm_routes *rt, const scrm_rules *r, char *err, size_t errlen, uint8_t *prio,
			 int64_t *sla, uint16_t *team)
{
	const scrm_rules_stmt *s;
	*prio = 3;
	*sla = -1;
	*team = SCRM_TEAM_INBOX;
	if ((s = setting(r, "default-priority"))) {
		if (!(strlen(s->value) == 2 && s->value[0] == 'P' && s->value[1] >= '0' && s->value[1] <= '3')) {
			scrm_rules_format_error(r, s->line, s->col, "default-priority: expected P0, P1, P2 or P3", err, errlen);
			return -EINVAL;
		}
		*prio = (uint8_t)(s->value[1] - '0');
	}
	if ((s = setting(r, "default-sla")) &&
	    (scrm_rules_parse_duration(s->value, strlen(s->value), sla) || *sla > SCRM_ROUTE_SLA_MAX_MS)) {
		scrm_rules_format_error(r, s->line, s->col, "default-sla: expected a duration of at most 366d", err,
					errlen);
		return -EINVAL;
	}
	if ((s = setting(r, "default-route"))) {
		if (!valid_team(s->value, strlen(s->value))) {
			scrm_rules_format_error(r, s->line, s->col, "default-route: expected a team name", err, errlen);
			return -EINVAL;
		}
		int id = team_id(rt, s->value, strlen(s->value), s->line, s->col);
		if (id == -E2BIG) {
			scrm_rules_format_error(r, s->line, s->col, "default-route: one team too many (at most 32)", err,
						errlen);
			return -EINVAL;
		}
		if (id < 0)
			return id;
		*team = (uint16_t)id;
	}
	return 0;
}

static void decide(const scrm_routes *rt, scrm_route_decision *d, int32_t rule, uint16_t team, int prio,
		   int64_t sla, bool alert, uint32_t why)
{
	d->rule = rule;
	d->team = team;
	d->priority = (uint8_t)prio;
	d->sla_ms = sla;
	d->alert = alert && team != SCRM_TEAM_ALERTS;
	d->why = pool_str(rt, why);
}

int scrm_route_compile(scrm_routes **out, const scrm_rules *r, char *err, size_t errlen)
{
	assert(out && r && (err || !errlen));
	*out = NULL;
	int rc = -ENOMEM;
	scrm_routes *rt = calloc(1, sizeof(*rt));
	if (!rt)
		goto fail;
	for (unsigned i = 0; i < SCRM_TEAM__DEFAULTS; i++)
		if (team_id(rt, default_teams[i], strlen(default_teams[i]), 0, 0) != (int)i)
			goto fail;
	uint32_t nstmts = scrm_rules_stmt_count(r), nnames = 0;
	for (uint32_t i = 0; i < nstmts; i++) {
		scrm_rules_stmt_kind k = scrm_rules_stmt_at(r, i)->kind;
		nnames += k == SCRM_STMT_TOPIC || k == SCRM_STMT_CUE;
	}
	rt->names = calloc(nnames ? nnames : 1, sizeof(*rt->names));
	if (!rt->names)
		goto fail;
	for (uint32_t i = 0; i < nstmts; i++) {
		const scrm_rules_stmt *s = scrm_rules_stmt_at(r, i);
		if (s->kind != SCRM_STMT_TOPIC && s->kind != SCRM_STMT_CUE)
			continue;
		uint32_t off = pool_add(rt, s->name, strlen(s->name), false);
		if (off == UINT32_MAX)
			goto fail;
		rt->names[rt->nnames++] = (struct name){
			.off = off, .line = s->line, .col = s->col, .is_cue = s->kind == SCRM_STMT_CUE};
	}
	uint8_t def_prio;
	int64_t def_sla;
	uint16_t def_team;
	rc = read_defaults(rt, r, err, errlen, &def_prio, &def_sla, &def_team);
	if (rc)
		goto fail;
	rc = -ENOMEM;

	struct parser ps = {.rt = rt, .r = r, .err = err, .errlen = errlen};
	for (uint32_t i = 0; i < nstmts; i++) {
		const scrm_rules_stmt *s = scrm_rules_stmt_at(r, i);
		if (s->kind != SCRM_STMT_ROUTE && s->kind != SCRM_STMT_DROP)
			continue;
		parse_rule(&ps, s);
		if (ps.oom)
			goto fail;
	}
	if (ps.nerrors) {
		rc = -EINVAL;
		goto fail;
	}

	/* Last rule first: a rule's "false" successor is the next rule's entry. */
	bool oom = false;
	int32_t next = -(int32_t)rt->nrules - 1;
	for (uint32_t i = rt->nrules; i-- > 0;) {
		int32_t match = -(int32_t)i - 1;
		next = rt->rules[i].cond < 0 ? match : compile_cond(rt, rt->rules[i].cond, match, next, &oom);
	}
	if (oom)
		goto fail;
	rt->entry = next;

	rt->def_why = pool_add(rt, "default", 7, false);
	rt->dec = calloc(rt->nrules ? rt->nrules : 1, sizeof(*rt->dec));
	if (rt->def_why == UINT32_MAX || !rt->dec)
		goto fail;
	/* The pool does not move any more: decisions may point into it. */
	decide(rt, &rt->def, -1, def_team, def_prio, def_team == SCRM_TEAM_DROP ? -1 : def_sla, false, rt->def_why);
	for (uint32_t i = 0; i < rt->nrules; i++) {
		const struct rule *ru = &rt->rules[i];
		/* Nobody answers what is dropped: no SLA unless the rule itself asks for one. */
		int64_t sla = ru->sla_ms >= 0 ? ru->sla_ms : ru->team == SCRM_TEAM_DROP ? -1 : def_sla;
		decide(rt, &rt->dec[i], (int32_t)i, ru->team, ru->priority >= 0 ? ru->priority : def_prio, sla,
		       ru->alert, ru->why);
	}
	*out = rt;
	return 0;
fail:
	if (rc == -ENOMEM)
		append(err, errlen, "%s: out of memory\n", scrm_rules_file(r));
	scrm_routes_free(rt);
	return rc;
}

void scrm_routes_free(scrm_routes *rt)
{
	if (!rt)
		return;
	free(rt->rules);
	free(rt->nodes);
	free(rt->prog);
	free(rt->dec);
	free(rt->pool);
	free(rt->teams);
	free(rt->names);
	free(rt);
}

/* ------------------------------------------------------------------------------ */
/* Evaluator                                                                        */

static bool str_ieq(const scrm_route_str *s, const char *lower, uint32_t len)
{
	if (s->len != len)
		return false;
	for (uint32_t i = 0; i < len; i++) {
		char c = s->p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lower[i])
			return false;
	}
	return true;
}

static bool test(const scrm_routes *rt, const struct ins *in, const scrm_route_facts *f)
{
	bool ne = in->op == OP_NE;
	bool known = f->known >> in->field & 1;
	switch ((enum kind)in->kind) {
	case K_NUM: {
		if (!known)
			return ne;
		double v = f->num[in->field];
		if (in->f32)
			v = to_f32(v);
		switch ((enum op)in->op) {
		case OP_EQ: return v == in->k;
		case OP_NE: return v != in->k;
		case OP_LT: return v < in->k;
		case OP_LE: return v <= in->k;
		case OP_GT: return v > in->k;
		case OP_GE: return v >= in->k;
		}
		return false;
	}
	case K_BOOL:
		return known ? ((f->yes >> in->field & 1) == in->val) != ne : ne;
	case K_STR: {
		const scrm_route_str *s = &f->str[in->field - SCRM_RF_STR_FIRST];
		return known && s->len ? str_ieq(s, rt->pool + in->val, in->len) != ne : ne;
	}
	case K_ENUM:
		return known ? ((in->field == SCRM_RF_INTENT ? f->intent : f->direction) == in->val) != ne : ne;
	case K_HIT: {
		uint32_t w = in->val >> 6;
		bool hit = f->hits && w < f->hit_words && (f->hits[w] >> (in->val & 63) & 1);
		return hit != ne;
	}
	case K_SPAM:
		return ((f->spam & in->val) != 0) != ne;
	}
	return false;
}

int32_t scrm_route_eval(const scrm_routes *rt, const scrm_route_facts *f, scrm_route_decision *d)
{
	assert(rt && f && d);
	int32_t pc = rt->entry;
	while (pc >= 0) {
		const struct ins *in = &rt->prog[pc];
		pc = test(rt, in, f) ? in->t : in->f;
	}
	uint32_t k = (uint32_t)(-(int64_t)pc - 1);
	*d = k < rt->nrules ? rt->dec[k] : rt->def;
	return d->rule;
}

void scrm_route_default(const scrm_routes *rt, scrm_route_decision *d) { *d = rt->def; }

uint32_t scrm_route_hit_words(const scrm_routes *rt) { return (rt->nnames + 63) / 64; }
uint64_t scrm_route_fields_used(const scrm_routes *rt) { return rt->used; }
const char *scrm_route_rule_why(const scrm_routes *rt, int32_t i)
{
	if (i < 0)
		return pool_str(rt, rt->def_why);
	assert((uint32_t)i < rt->nrules);
	return pool_str(rt, rt->rules[i].why);
}

uint32_t scrm_route_rule_count(const scrm_routes *rt) { return rt->nrules; }

uint32_t scrm_route_rule_line(const scrm_routes *rt, uint32_t i)
{
	assert(i < rt->nrules);
	return rt->rules[i].line;
}

uint32_t scrm_route_team_count(const scrm_routes *rt) { return rt->nteams; }

const char *scrm_route_team_name(const scrm_routes *rt, uint16_t id)
{
	assert(id < rt->nteams);
	return pool_str(rt, rt->teams[id].off);
}

int scrm_route_team_find(const scrm_routes *rt, const char *name)
{
	for (uint32_t i = 0; i < rt->nteams; i++)
		if (!strcmp(pool_str(rt, rt->teams[i].off), name))
			return (int)i;
	return -ENOENT;
}

/* ------------------------------------------------------------------------------ */
/* Canonical strings                                                                */

struct sbuf {
	char *p;
	size_t cap, len;
};

static void sput(struct sbuf *b, const char *fmt, ...)
{
	bool room = b->len < b->cap;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(room ? b->p + b->len : NULL, room ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static const char *field_name(unsigned field)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].field == field && fields[i].type != FT_TOPIC && fields[i].type != FT_CUE &&
		    fields[i].type != FT_SPAM)
			return fields[i].name;
	return "?";
}

/* @v as the grammar writes numbers (no exponent: %g's "-2e-06" would not parse back):
 * the fewest decimals that parse back to @v. */
static void num_str(double v, char *buf, size_t cap)
{
	for (int dec = 0; dec <= 22; dec++) {
		double back;
		int n = snprintf(buf, cap, "%.*f", dec, v);
		if (n > 0 && (size_t)n < cap && parse_number(buf, (size_t)n, &back) == 0 && back == v)
			return;
	}
	snprintf(buf, cap, "%.15g", v); /* not reached for a number the parser produced */
}

static void atom_str(const scrm_routes *rt, const struct atom *at, struct sbuf *b)
{
	const char *op = op_text[at->op];
	char num[64];
	switch ((enum kind)at->kind) {
	case K_NUM:
		num_str(at->num, num, sizeof num);
		sput(b, "%s %s %s", field_name(at->field), op, num);
		break;
	case K_BOOL:
		if (at->op == OP_EQ && at->val)
			sput(b, "%s", field_name(at->field));
		else
			sput(b, "%s %s %s", field_name(at->field), op, at->val ? "true" : "false");
		break;
	case K_STR: {
		const char *v = pool_str(rt, at->val);
		bool word = is_word_start(v[0]);
		for (uint32_t i = 0; word && i < at->len; i++)
			word = is_word_char(v[i]);
		sput(b, word ? "%s %s %s" : "%s %s \"%s\"", field_name(at->field), op, v);
		break;
	}
	case K_ENUM:
		if (at->field == SCRM_RF_INTENT) {
			size_t nl = 0;
			const char *const *labels = scrm_task_labels(SCRM_TASK_INTENT, &nl);
			sput(b, "intent %s %s", op, at->val < nl ? labels[at->val] : "?");
		} else {
			sput(b, "direction %s %s", op, at->val ? "out" : "in");
		}
		break;
	case K_HIT:
		sput(b, "%s %s %s", rt->names[at->val].is_cue ? "cue" : "topic", op, pool_str(rt, rt->names[at->val].off));
		break;
	case K_SPAM: {
		unsigned all = (1u << SCRM_SPAM__COUNT) - 1;
		if (at->val == all)
			sput(b, "spam");
		else
			for (unsigned bit = 0; bit < SCRM_SPAM__COUNT; bit++)
				if (at->val == 1u << bit)
					sput(b, "spam.%s", scrm_spam_name(bit));
		if (at->op == OP_NE)
			sput(b, " = false");
		break;
	}
	}
}

static void node_str(const scrm_routes *rt, int32_t n, struct sbuf *b)
{
	const struct node *nd = &rt->nodes[n];
	switch ((enum ntype)nd->type) {
	case N_ATOM: atom_str(rt, &nd->at, b); break;
	case N_TRUE: sput(b, "true"); break;
	case N_FALSE: sput(b, "false"); break;
	case N_NOT:
		sput(b, "not ");
		node_str(rt, nd->a, b);
		break;
	case N_AND:
	case N_OR:
		sput(b, "(");
		node_str(rt, nd->a, b);
		sput(b, nd->type == N_AND ? " and " : " or ");
		node_str(rt, nd->b, b);
		sput(b, ")");
		break;
	}
}

static void duration_str(int64_t ms, struct sbuf *b)
{
	static const struct { int64_t mul; const char *unit; } u[] = {
		{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
		if (ms && ms % u[i].mul == 0) {
			sput(b, "%lld%s", (long long)(ms / u[i].mul), u[i].unit);
			return;
		}
	sput(b, ms ? "%lldms" : "%lld", (long long)ms);
}

size_t scrm_route_rule_string(const scrm_routes *rt, uint32_t i, char *buf, size_t cap)
{
	assert(i < rt->nrules);
	const struct rule *ru = &rt->rules[i];
	struct sbuf b = {buf, cap, 0};
	if (cap)
		buf[0] = 0;
	if (ru->drop_kw)
		sput(&b, "drop");
	else
		sput(&b, "route %s", pool_str(rt, rt->teams[ru->team].off));
	if (ru->cond >= 0) {
		sput(&b, " when ");
		node_str(rt, ru->cond, &b);
	}
	if (ru->priority >= 0)
		sput(&b, " priority P%d", ru->priority);
	if (ru->sla_ms >= 0) {
		sput(&b, " sla ");
		duration_str(ru->sla_ms, &b);
	}
	if (ru->alert)
		sput(&b, " alert");
	return b.len;
}

/* ------------------------------------------------------------------------------ */
/* Shadowing (route.h, "Lint")                                                      */

/* A condition as an OR of AND-groups of literals: literal = node index of an atom,
 * negated as -(index + 1) when `not` stands directly before it. */
struct dnf {
	uint32_t ng, nl;
	uint32_t start[SCRM_ROUTE_ATOMS_MAX + 1]; /* group g: lit[start[g] .. start[g + 1]) */
	int32_t lit[SCRM_ROUTE_ATOMS_MAX];
};

static bool dnf_and(const scrm_routes *rt, int32_t n, struct dnf *d)
{
	const struct node *nd = &rt->nodes[n];
	if (nd->type == N_AND)
		return dnf_and(rt, nd->a, d) && dnf_and(rt, nd->b, d);
	int32_t lit;
	if (nd->type == N_ATOM)
		lit = n;
	else if (nd->type == N_NOT && rt->nodes[nd->a].type == N_ATOM)
		lit = -nd->a - 1;
	else
		return false;
	if (d->nl >= SCRM_ROUTE_ATOMS_MAX)
		return false;
	d->lit[d->nl++] = lit;
	return true;
}

static bool dnf_or(const scrm_routes *rt, int32_t n, struct dnf *d)
{
	const struct node *nd = &rt->nodes[n];
	if (nd->type == N_OR)
		return dnf_or(rt, nd->a, d) && dnf_or(rt, nd->b, d);
	if (d->ng >= SCRM_ROUTE_ATOMS_MAX)
		return false;
	d->start[d->ng++] = d->nl;
	if (!dnf_and(rt, n, d))
		return false;
	d->start[d->ng] = d->nl;
	return true;
}

static bool atom_same(const scrm_routes *rt, const struct atom *a, const struct atom *b)
{
	if (a->kind != b->kind || a->op != b->op || a->field != b->field)
		return false;
	if (a->kind == K_NUM)
		return a->k == b->k;
	if (a->kind == K_STR)
		return a->len == b->len && !memcmp(pool_str(rt, a->val), pool_str(rt, b->val), a->len);
	return a->val == b->val;
}

/* Every known value x with "x opa a" also has "x opb b" (missing values make both
 * sides of a non-!= antecedent false, so only known values matter). */
static bool num_implies(enum op opa, double a, enum op opb, double b)
{
	switch (opb) {
	case OP_LT: return (opa == OP_LT && a <= b) || ((opa == OP_LE || opa == OP_EQ) && a < b);
	case OP_LE: return (opa == OP_LT || opa == OP_LE || opa == OP_EQ) && a <= b;
	case OP_GT: return (opa == OP_GT && a >= b) || ((opa == OP_GE || opa == OP_EQ) && a > b);
	case OP_GE: return (opa == OP_GT || opa == OP_GE || opa == OP_EQ) && a >= b;
	case OP_EQ: return opa == OP_EQ && a == b;
	case OP_NE:
		switch (opa) {
		case OP_EQ: return a != b;
		case OP_NE: return a == b;
		case OP_LT: return a <= b;
		case OP_LE: return a < b;
		case OP_GT: return a >= b;
		case OP_GE: return a > b;
		}
	}
	return false;
}

static bool atom_implies(const scrm_routes *rt, const struct atom *a, const struct atom *b)
{
	if (a->kind != b->kind)
		return false;
	if (atom_same(rt, a, b))
		return true;
	switch ((enum kind)a->kind) {
	case K_NUM: return a->field == b->field && num_implies(a->op, a->k, b->op, b->k);
	case K_BOOL:
	case K_ENUM:
	case K_STR: /* single-valued: "= v" excludes every other value */
		if (a->field != b->field || a->op != OP_EQ || b->op != OP_NE)
			return false;
		if (a->kind == K_STR)
			return a->len != b->len || memcmp(pool_str(rt, a->val), pool_str(rt, b->val), a->len);
		return a->val != b->val;
	case K_HIT: return false; /* many topics can match at once */
	case K_SPAM:
		if (a->op != b->op)
			return false;
		return a->op == OP_EQ ? !(a->val & ~b->val) : !(b->val & ~a->val);
	}
	return false;
}

static bool lit_implies(const scrm_routes *rt, int32_t a, int32_t b)
{
	if ((a < 0) != (b < 0))
		return false;
	const struct atom *x = &rt->nodes[a < 0 ? -a - 1 : a].at, *y = &rt->nodes[b < 0 ? -b - 1 : b].at;
	return a < 0 ? atom_same(rt, x, y) : atom_implies(rt, x, y);
}

/* Every event that matches rule j also matches rule i. */
static bool covers(const scrm_routes *rt, uint32_t i, uint32_t j)
{
	int32_t ci = rt->rules[i].cond, cj = rt->rules[j].cond;
	if (ci < 0 || rt->nodes[ci].type == N_TRUE)
		return true;
	if (cj < 0)
		return false;
	struct dnf *di = malloc(2 * sizeof(struct dnf)), *dj = di + 1;
	bool ok = false;
	if (!di)
		return false;
	di->ng = di->nl = dj->ng = dj->nl = 0;
	if (!dnf_or(rt, ci, di) || !dnf_or(rt, cj, dj))
		goto out;
	for (uint32_t gj = 0; gj < dj->ng; gj++) {
		bool found = false;
		for (uint32_t gi = 0; gi < di->ng && !found; gi++) {
			found = true;
			for (uint32_t x = di->start[gi]; x < di->start[gi + 1] && found; x++) {
				bool implied = false;
				for (uint32_t y = dj->start[gj]; y < dj->start[gj + 1] && !implied; y++)
					implied = lit_implies(rt, dj->lit[y], di->lit[x]);
				found = implied;
			}
		}
		if (!found)
			goto out;
	}
	ok = true;
out:
	free(di);
	return ok;
}

int32_t scrm_route_shadowed_by(const scrm_routes *rt, uint32_t j)
{
	assert(j < rt->nrules);
	for (uint32_t i = 0; i < j; i++)
		if (covers(rt, i, j))
			return (int32_t)i;
	return -1;
}

/* ------------------------------------------------------------------------------ */
/* Lint                                                                             */

unsigned scrm_route_lint(const scrm_routes *rt, const scrm_rules *r, char *out, size_t outlen,
			 scrm_route_lint_counts *counts)
{
	scrm_route_lint_counts c = {0, 0};
	char msg[512];
	for (uint32_t j = 0; j < rt->nrules; j++) {
		const struct rule *ru = &rt->rules[j];
		int32_t i;
		if (ru->cond >= 0 && rt->nodes[ru->cond].type == N_FALSE) {
			snprintf(msg, sizeof(msg), "warning: rule never fires: its condition is false");
			scrm_rules_format_error(r, ru->line, ru->col, msg, out, outlen);
			c.warnings++;
		} else if ((i = scrm_route_shadowed_by(rt, j)) >= 0) {
			int32_t ci = rt->rules[i].cond;
			bool all = ci < 0 || rt->nodes[ci].type == N_TRUE;
			snprintf(msg, sizeof(msg),
				 "warning: rule never fires: every event it matches is taken first by %s at line %u",
				 all ? "the catch-all rule" : "the rule", rt->rules[i].line);
			scrm_rules_format_error(r, ru->line, ru->col, msg, out, outlen);
			c.warnings++;
		}
		if (ru->alert && ru->team == SCRM_TEAM_ALERTS) {
			snprintf(msg, sizeof(msg), "warning: 'alert' adds nothing: this rule already routes to alerts");
			scrm_rules_format_error(r, ru->line, ru->alert_col, msg, out, outlen);
			c.warnings++;
		}
	}
	for (uint32_t t = SCRM_TEAM__DEFAULTS; t < rt->nteams; t++) {
		const char *name = pool_str(rt, rt->teams[t].off);
		for (unsigned d = 0; d < SCRM_TEAM__DEFAULTS; d++) {
			if (!near_miss(name, strlen(name), default_teams[d]))
				continue;
			snprintf(msg, sizeof(msg),
				 "warning: team '%s' is not a default team: did you mean '%s'? (any other name makes "
				 "a new team)",
				 name, default_teams[d]);
			scrm_rules_format_error(r, rt->teams[t].line, rt->teams[t].col, msg, out, outlen);
			c.warnings++;
			break;
		}
	}
	if (rt->nrules) {
		for (uint32_t i = 0; i < rt->nnames; i++)
			c.infos += !rt->names[i].is_cue && !rt->names[i].used;
		if (c.infos) {
			append(out, outlen, "%s: info: %u topic%s not used by any routing rule:", scrm_rules_file(r), c.infos,
			       c.infos == 1 ? " is" : "s are");
			for (uint32_t i = 0; i < rt->nnames; i++)
				if (!rt->names[i].is_cue && !rt->names[i].used)
					append(out, outlen, " %s", pool_str(rt, rt->names[i].off));
			append(out, outlen, "\n");
		}
	}
	if (counts)
		*counts = c;
	return c.warnings + c.infos;
}
