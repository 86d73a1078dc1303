/*
 * rules.c - parser for the scrm rules file (see rules.h for the language).
 *
 * DESIGN: the file is split into lines; each line is one statement. A query is tokenized
 * lazily by a one-token-lookahead lexer and parsed by recursive descent into a node pool
 * (indices, not pointers, so the pool can grow). An error records its message with the
 * source line and a caret, abandons the statement and resumes with the next line: one
 * run reports every bad line. Nesting is bounded (SCRM_RULES_DEPTH_MAX) so hostile input
 * cannot exhaust the stack.
 */
#include "rules.h"
#include "classifier.h"
#include "influence.h"
#include "csv.h"
#include "sentiment.h"
#include "utf8.h"

#include <xxhash.h>
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scrm_rules {
	char *file;
	char *src;          /* copy of the text, NUL-terminated */
	size_t srclen;
	uint32_t *line_off; /* byte offset of each line's start, [nlines] */
	uint32_t nlines;
	scrm_rules_node *nodes;
	uint32_t nnodes, capnodes;
	scrm_rules_stmt *stmts;
	uint32_t nstmts, capstmts;
	char **strs; /* every string the nodes and statements point to */
	uint32_t nstrs, capstrs;
};

/* ------------------------------------------------------------------------------ */
/* Error formatting                                                                 */

static size_t line_len(const char *s)
{
	size_t n = 0;
	while (s[n] && s[n] != '\n')
		n++;
	if (n && s[n - 1] == '\r')
		n--;
	return n;
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

#define ECHO_MAX 160 /* bytes of a long source line echoed around the error's column */
#define MORE_MSG "(more errors not shown: fix these first)\n"

/* Byte offset of column col (1-based, in code points) in s[0, n); n if past the end. */
static size_t col_offset(const char *s, size_t n, uint32_t col)
{
	uint32_t c = 1;
	size_t i = 0;
	while (i < n && c < col) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		c++;
	}
	return i;
}

/* Start of the UTF-8 character holding byte i of s. */
static size_t char_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

void scrm_rules_format_error(const scrm_rules *r, uint32_t line, uint32_t col, const char *msg,
			     char *err, size_t errlen)
{
	if (!err || !errlen)
		return;
	/* One whole entry or none: when the next would not fit, one note says so (the
	 * room for it is kept back), so a long list is never cut mid-message silently. */
	char e[1024];
	size_t el = 0;
#define PUT(...) (el += (size_t)snprintf(e + el, el < sizeof e ? sizeof e - el : 0, __VA_ARGS__))
	PUT("%s:%u:%u: %s\n", r->file, line, col, msg);
	if (line >= 1 && line <= r->nlines) {
		const char *s = r->src + r->line_off[line - 1];
		size_t n = line_len(s), from = 0, to = n;
		size_t at = col_offset(s, n, col);
		if (n > ECHO_MAX) { /* a window around the column */
			from = char_start(s, at > ECHO_MAX / 2 ? at - ECHO_MAX / 2 : 0);
			to = from + ECHO_MAX < n ? char_start(s, from + ECHO_MAX) : n;
		}
		PUT("%s%.*s%s\n", from ? "..." : "", (int)(to - from), s + from, to < n ? "..." : "");
		/* Caret under the column: copy tabs so it lines up, one space per character. */
		if (from)
			PUT("   ");
		for (size_t i = from; i < at && i < to; i++) {
			unsigned char ch = (unsigned char)s[i];
			if ((ch & 0xC0) != 0x80)
				PUT("%c", ch == '\t' ? '\t' : ' ');
		}
		for (uint32_t c = scrm_rules_col(s, s + (at < n ? at : n), 1); c < col; c++)
			PUT(" "); /* past the end of the line */
		PUT("^\n");
	}
#undef PUT
	if (el >= sizeof e)
		el = sizeof e - 1;
	size_t used = strnlen(err, errlen), room = errlen - used;
	if (room > el + sizeof MORE_MSG) {
		memcpy(err + used, e, el);
		err[used + el] = 0;
	} else if (room > sizeof MORE_MSG - 1 && !(used >= sizeof MORE_MSG - 1 &&
						    !memcmp(err + used - (sizeof MORE_MSG - 1), MORE_MSG, sizeof MORE_MSG - 1))) {
		memcpy(err + used, MORE_MSG, sizeof MORE_MSG);
	} else if (used == 0) { /* a buffer too small for anything whole: the start of the first */
		memcpy(err, e, room - 1);
		err[room - 1] = 0;
	}
}

uint32_t scrm_rules_col(const char *from, const char *at, uint32_t col0)
{
	uint32_t c = col0;
	for (const char *q = from; q < at; q++)
		if (((unsigned char)*q & 0xC0) != 0x80)
			c++;
	return c;
}

void scrm_rules_format_errorv(const scrm_rules *r, uint32_t line, uint32_t col, char *err, size_t errlen,
			      const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	scrm_rules_format_error(r, line, col, msg, err, errlen);
}

/* ------------------------------------------------------------------------------ */
/* Storage                                                                          */

static char *keep_str(scrm_rules *r, const char *s, size_t n)
{
	if (r->nstrs == r->capstrs) {
		uint32_t cap = r->capstrs ? r->capstrs * 2 : 32;
		char **p = realloc(r->strs, cap * sizeof(*p));
		if (!p)
			return NULL;
		r->strs = p;
		r->capstrs = cap;
	}
	char *c = malloc(n + 1);
	if (!c)
		return NULL;
	memcpy(c, s, n);
	c[n] = 0;
	r->strs[r->nstrs++] = c;
	return c;
}

static int32_t new_node(scrm_rules *r, scrm_rules_node_kind kind, uint32_t line, uint32_t col)
{
	if (r->nnodes == r->capnodes) {
		uint32_t cap = r->capnodes ? r->capnodes * 2 : 64;
		scrm_rules_node *p = realloc(r->nodes, cap * sizeof(*p));
		if (!p)
			return -1;
		r->nodes = p;
		r->capnodes = cap;
	}
	scrm_rules_node *n = &r->nodes[r->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->a = n->b = -1;
	n->line = line;
	n->col = col;
	n->text = "";
	return (int32_t)r->nnodes++;
}

static scrm_rules_stmt *new_stmt(scrm_rules *r)
{
	if (r->nstmts == r->capstmts) {
		uint32_t cap = r->capstmts ? r->capstmts * 2 : 16;
		scrm_rules_stmt *p = realloc(r->stmts, cap * sizeof(*p));
		if (!p)
			return NULL;
		r->stmts = p;
		r->capstmts = cap;
	}
	scrm_rules_stmt *s = &r->stmts[r->nstmts++];
	memset(s, 0, sizeof(*s));
	s->root = -1;
	return s;
}

/* ------------------------------------------------------------------------------ */
/* Lexer                                                                            */

enum tok {
	T_EOL,
	T_LPAREN,
	T_RPAREN,
	T_OR,
	T_AND,
	T_NEAR,
	T_NOT, /* '-' glued to what follows */
	T_TERM,
	T_PHRASE,
	T_HASHTAG,
	T_MENTION,
	T_REGEX,
	T_FROM,
	T_LANG,
};

struct parser {
	scrm_rules *r;
	char *err;
	size_t errlen;
	unsigned nerrors;
	bool oom;
	bool failed; /* current statement has an error */
	bool partial; /* scrm_rules_load_partial(): a topic or cue whose query fails keeps its name */
	uint32_t line;
	const char *ls;  /* line start */
	const char *le;  /* line end (exclusive) */
	const char *p;   /* lexer position */
	/* current token */
	enum tok t;
	const char *ts, *te; /* token text span in the line (payload for leaves) */
	const char *tpos;    /* where the token starts (for columns) */
	uint16_t near;
	uint8_t wildcard, reflags;
	int depth;
	const char *col_ls, *col_at; /* col_of(): the line and place last asked for */
	uint32_t col;
	/* the topics' and cues' names so far, for the duplicate check (a scan of every
	 * earlier statement made 60,000 topics take 30 s): statement index + 1 by name
	 * hash, open addressing; names_upto statements are in it */
	uint32_t *names;
	size_t names_cap, names_n, names_upto;
};

static uint64_t name_hash(const char *s, size_t n)
{
	return XXH3_64bits(s, n);
}

/* The topic or cue named s[0, n) defined before, or NULL. */
static const scrm_rules_stmt *find_name(struct parser *ps, const char *s, size_t n)
{
	scrm_rules *r = ps->r;
	for (; ps->names_upto < r->nstmts; ps->names_upto++) {
		const scrm_rules_stmt *o = &r->stmts[ps->names_upto];
		if (o->kind != SCRM_STMT_TOPIC && o->kind != SCRM_STMT_CUE)
			continue;
		if (2 * (ps->names_n + 1) > ps->names_cap) {
			size_t cap = ps->names_cap ? 2 * ps->names_cap : 256;
			uint32_t *t = calloc(cap, sizeof *t);
			if (!t) {
				ps->oom = ps->failed = true;
				return NULL;
			}
			for (size_t k = 0; k < ps->names_cap; k++) {
				if (!ps->names[k])
					continue;
				const char *nm = r->stmts[ps->names[k] - 1].name;
				size_t h = (size_t)name_hash(nm, strlen(nm)) & (cap - 1);
				while (t[h])
					h = (h + 1) & (cap - 1);
				t[h] = ps->names[k];
			}
			free(ps->names);
			ps->names = t;
			ps->names_cap = cap;
		}
		size_t h = (size_t)name_hash(o->name, strlen(o->name)) & (ps->names_cap - 1);
		while (ps->names[h])
			h = (h + 1) & (ps->names_cap - 1);
		ps->names[h] = ps->names_upto + 1;
		ps->names_n++;
	}
	if (!ps->names_cap)
		return NULL;
	for (size_t h = (size_t)name_hash(s, n) & (ps->names_cap - 1); ps->names[h]; h = (h + 1) & (ps->names_cap - 1)) {
		const scrm_rules_stmt *o = &r->stmts[ps->names[h] - 1];
		if (strlen(o->name) == n && !memcmp(o->name, s, n))
			return o;
	}
	return NULL;
}

/* The column of @at in the current line: counted on from the last one asked for when it
 * is further on (a scan from the line's start for every token made long lines quadratic:
 * 26 s for one line of 40,000 words, found by review). */
static uint32_t col_of(struct parser *ps, const char *at)
{
	if (ps->col_ls != ps->ls || !ps->col_at || at < ps->col_at) {
		ps->col_ls = ps->ls;
		ps->col_at = ps->ls;
		ps->col = 1;
	}
	ps->col = scrm_rules_col(ps->col_at, at, ps->col);
	ps->col_at = at;
	return ps->col;
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

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; } /* a bare CR too: no term ends in one (CRLF strips it) */
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-'; }
static bool ends_term(char c) { return is_space(c) || c == '(' || c == ')' || c == '"'; }

/* A byte that may be part of a hashtag, mention or handle: ASCII word char or UTF-8. */
static bool is_tag_char(char c) { return is_alpha(c) || is_digit(c) || c == '_' || ((unsigned char)c & 0x80); }

static void lex(struct parser *ps)
{
	while (ps->p < ps->le && is_space(*ps->p))
		ps->p++;
	ps->tpos = ps->ts = ps->p;
	ps->wildcard = 0;
	ps->reflags = 0;
	if (ps->p >= ps->le) {
		ps->t = T_EOL;
		ps->te = ps->p;
		return;
	}
	char c = *ps->p;
	if (c == '(' || c == ')') {
		ps->t = c == '(' ? T_LPAREN : T_RPAREN;
		ps->te = ++ps->p;
		return;
	}
	if (c == '-') {
		if (ps->p + 1 >= ps->le || is_space(ps->p[1]) || ps->p[1] == ')') {
			perror_at(ps, ps->p, "'-' must be followed by what it negates");
			ps->t = T_EOL;
			return;
		}
		ps->t = T_NOT;
		ps->te = ++ps->p;
		return;
	}
	if (c == '"') {
		const char *q = ps->p + 1;
		while (q < ps->le && *q != '"')
			q++;
		if (q >= ps->le) {
			perror_at(ps, ps->p, "unterminated phrase: missing '\"'");
			ps->t = T_EOL;
			return;
		}
		ps->ts = ps->p + 1;
		ps->te = q;
		ps->p = q + 1;
		const char *w = ps->ts;
		while (w < ps->te && is_space(*w))
			w++;
		if (w == ps->te) {
			perror_at(ps, ps->tpos, "empty phrase");
			ps->t = T_EOL;
			return;
		}
		ps->t = T_PHRASE;
		return;
	}
	if (c == '/') {
		const char *q = ps->p + 1;
		while (q < ps->le && *q != '/') {
			if (*q == '\\' && q + 1 < ps->le)
				q++;
			q++;
		}
		if (q >= ps->le) {
			perror_at(ps, ps->p, "unterminated regex: missing closing '/'");
			ps->t = T_EOL;
			return;
		}
		ps->ts = ps->p + 1;
		ps->te = q;
		if (ps->te == ps->ts) {
			perror_at(ps, ps->p, "empty regex");
			ps->t = T_EOL;
			return;
		}
		q++;
		while (q < ps->le && !ends_term(*q)) {
			switch (*q) {
			case 'i': ps->reflags |= SCRM_RE_CASELESS; break;
			case 's': ps->reflags |= SCRM_RE_DOTALL; break;
			case 'm': ps->reflags |= SCRM_RE_MULTILINE; break;
			default:
				perror_at(ps, q, "unknown regex flag '%c' (expected i, s or m; a '/' inside a regex ends it: write it \\/)",
					  *q);
				ps->t = T_EOL;
				return;
			}
			q++;
		}
		ps->p = q;
		ps->t = T_REGEX;
		return;
	}
	/* A bare word: up to whitespace, parenthesis or quote. */
	const char *q = ps->p;
	while (q < ps->le && !ends_term(*q))
		q++;
	/* A no-break space (U+00A0, what text pasted from a web page or a word processor
	 * often has between words) is no separator: the words and an OR around it would
	 * be one term that never matches, so it is an error where it is (found by review). */
	const char *nb = memmem(ps->p, (size_t)(q - ps->p), "\xC2\xA0", 2);
	if (nb) {
		perror_at(ps, nb, "a no-break space (U+00A0) inside a term: write a plain space there");
		ps->t = T_EOL;
		return;
	}
	ps->p = q;
	ps->te = q;
	size_t n = (size_t)(q - ps->ts);
	const char *s = ps->ts;
	if (n == 2 && !memcmp(s, "OR", 2)) {
		ps->t = T_OR;
		return;
	}
	if (n == 3 && !memcmp(s, "AND", 3)) {
		ps->t = T_AND;
		return;
	}
	if ((n == 4 && !memcmp(s, "NEAR", 4)) || (n > 4 && !memcmp(s, "NEAR/", 5))) {
		if (n == 4) {
			perror_at(ps, s, "NEAR needs a distance: NEAR/n");
			ps->t = T_EOL;
			return;
		}
		unsigned v = 0;
		size_t i = 5;
		for (; i < n && is_digit(s[i]) && v <= 255; i++)
			v = v * 10 + (unsigned)(s[i] - '0');
		if (i == 5 || i != n || v > 255) {
			perror_at(ps, s + 5, "NEAR/n: n must be a number from 0 to 255");
			ps->t = T_EOL;
			return;
		}
		ps->near = (uint16_t)v;
		ps->t = T_NEAR;
		return;
	}
	if (c == '#' || c == '@') {
		ps->ts = s + 1;
		if (n == 1) {
			perror_at(ps, s, "empty %s", c == '#' ? "hashtag" : "mention");
			ps->t = T_EOL;
			return;
		}
		for (const char *w = s + 1; w < q; w++)
			if (!is_tag_char(*w)) {
				perror_at(ps, w, "unexpected '%c' in %s", *w, c == '#' ? "hashtag" : "mention");
				ps->t = T_EOL;
				return;
			}
		ps->t = c == '#' ? T_HASHTAG : T_MENTION;
		return;
	}
	/* letters followed by ':' is an operator: from:, lang: or an unsupported one. */
	const char *colon = s;
	while (colon < q && is_alpha(*colon))
		colon++;
	if (colon > s && colon < q && *colon == ':') {
		size_t kn = (size_t)(colon - s);
		const char *v = colon + 1;
		if (kn == 4 && !memcmp(s, "from", 4)) {
			if (v < q && *v == '@')
				v++;
			/* Reddit's u/kim or /u/kim: the record's handle is kim (the CRM export's
			 * identities drop the prefix too; found by review: never matched) */
			else
				v += scrm_reddit_user_prefix(v, (size_t)(q - v));
			if (v == q) {
				perror_at(ps, s, "from: needs a handle");
				ps->t = T_EOL;
				return;
			}
			/* any author handle, as the record carries it: an X handle, an e-mail
			 * address (ann@example.com), kim.doe, kim (u/kim), +15551234 (the word ends
			 * at white space, a parenthesis or a quote) */
			ps->ts = v;
			ps->t = T_FROM;
			return;
		}
		if (kn == 4 && !memcmp(s, "lang", 4)) {
			/* BCP 47-ish: 2-3 letters, optional -REGION */
			const char *w = v;
			while (w < q && is_alpha(*w))
				w++;
			size_t ln = (size_t)(w - v);
			if (ln >= 2 && ln <= 3 && w < q && *w == '-') {
				w++;
				while (w < q && (is_alpha(*w) || is_digit(*w)))
					w++;
			}
			if (ln < 2 || ln > 3 || w != q || q[-1] == '-') {
				perror_at(ps, v, "lang: needs a language code such as en or pt-BR");
				ps->t = T_EOL;
				return;
			}
			ps->ts = v;
			ps->t = T_LANG;
			return;
		}
		perror_at(ps, s, "unknown operator '%.*s:' (supported: from:, lang:)", (int)kn, s);
		ps->t = T_EOL;
		return;
	}
	/* A term; '*' only as a trailing wildcard after >= 2 characters. */
	for (const char *w = s; w < q; w++) {
		if (*w != '*')
			continue;
		if (w != q - 1) {
			perror_at(ps, w, "wildcard '*' is only supported at the end of a term");
			ps->t = T_EOL;
			return;
		}
		if (col_of(ps, w) - col_of(ps, s) < 2) {
			perror_at(ps, w, "wildcard '*' needs at least 2 characters before it");
			ps->t = T_EOL;
			return;
		}
		ps->wildcard = 1;
		ps->te = w;
	}
	ps->t = T_TERM;
}

/* ------------------------------------------------------------------------------ */
/* Parser                                                                           */

static int32_t parse_or(struct parser *ps);

static int32_t leaf(struct parser *ps, scrm_rules_node_kind kind)
{
	int32_t i = new_node(ps->r, kind, ps->line, col_of(ps, ps->tpos));
	if (i < 0) {
		ps->oom = ps->failed = true;
		return -1;
	}
	const char *text = keep_str(ps->r, ps->ts, (size_t)(ps->te - ps->ts));
	if (!text) {
		ps->oom = ps->failed = true;
		return -1;
	}
	scrm_rules_node *n = &ps->r->nodes[i];
	n->text = text;
	n->len = (uint32_t)(ps->te - ps->ts);
	n->wildcard = ps->wildcard;
	n->regex_flags = ps->reflags;
	lex(ps);
	return i;
}

static int32_t binary(struct parser *ps, scrm_rules_node_kind kind, int32_t a, int32_t b, uint32_t line,
		      uint32_t col)
{
	if (a < 0 || b < 0)
		return -1;
	int32_t i = new_node(ps->r, kind, line, col);
	if (i < 0) {
		ps->oom = ps->failed = true;
		return -1;
	}
	ps->r->nodes[i].a = a;
	ps->r->nodes[i].b = b;
	return i;
}

static bool starts_operand(enum tok t)
{
	return t == T_LPAREN || t == T_NOT || t >= T_TERM;
}

static int32_t parse_unary(struct parser *ps)
{
	if (ps->failed)
		return -1;
	if (++ps->depth > SCRM_RULES_DEPTH_MAX) {
		perror_at(ps, ps->tpos, "query nested too deep: at most %d parentheses or negations inside each other",
			  SCRM_RULES_DEPTH_MAX - 1);
		return -1;
	}
	int32_t res = -1;
	const char *at = ps->tpos;
	switch (ps->t) {
	case T_NOT: {
		lex(ps);
		if (!starts_operand(ps->t)) {
			perror_at(ps, at, "'-' must be followed by what it negates");
			break;
		}
		int32_t a = parse_unary(ps);
		if (a < 0)
			break;
		res = new_node(ps->r, SCRM_NODE_NOT, ps->line, col_of(ps, at));
		if (res < 0) {
			ps->oom = ps->failed = true;
			break;
		}
		ps->r->nodes[res].a = a;
		break;
	}
	case T_LPAREN: {
		lex(ps);
		if (ps->t == T_RPAREN) {
			perror_at(ps, at, "empty parentheses");
			break;
		}
		res = parse_or(ps);
		if (res < 0)
			break;
		if (ps->t != T_RPAREN) {
			perror_at(ps, at, "unbalanced '(': missing ')'");
			res = -1;
			break;
		}
		lex(ps);
		break;
	}
	case T_TERM: res = leaf(ps, SCRM_NODE_TERM); break;
	case T_PHRASE: res = leaf(ps, SCRM_NODE_PHRASE); break;
	case T_HASHTAG: res = leaf(ps, SCRM_NODE_HASHTAG); break;
	case T_MENTION: res = leaf(ps, SCRM_NODE_MENTION); break;
	case T_REGEX: res = leaf(ps, SCRM_NODE_REGEX); break;
	case T_FROM: res = leaf(ps, SCRM_NODE_FROM); break;
	case T_LANG: res = leaf(ps, SCRM_NODE_LANG); break;
	case T_RPAREN: perror_at(ps, at, "unbalanced ')': no matching '('"); break;
	case T_OR: perror_at(ps, at, "OR needs an operand on each side"); break;
	case T_AND: perror_at(ps, at, "AND needs an operand on each side"); break;
	case T_NEAR: perror_at(ps, at, "NEAR/%u needs a left operand", ps->near); break;
	case T_EOL: perror_at(ps, at, "expected a term"); break;
	}
	ps->depth--;
	return res;
}

/* NEAR operands: terms, phrases, hashtags, mentions, and ORs of them. */
static bool positional(const scrm_rules *r, int32_t i)
{
	const scrm_rules_node *n = &r->nodes[i];
	switch (n->kind) {
	case SCRM_NODE_TERM:
	case SCRM_NODE_PHRASE:
	case SCRM_NODE_HASHTAG:
	case SCRM_NODE_MENTION: return true;
	case SCRM_NODE_OR: return positional(r, n->a) && positional(r, n->b);
	default: return false;
	}
}

static int32_t parse_near(struct parser *ps)
{
	int32_t a = parse_unary(ps);
	if (a < 0 || ps->t != T_NEAR)
		return a;
	const char *at = ps->tpos;
	uint16_t n = ps->near;
	lex(ps);
	if (!starts_operand(ps->t)) {
		perror_at(ps, at, "NEAR/%u needs a right operand", n);
		return -1;
	}
	int32_t b = parse_unary(ps);
	if (b < 0)
		return -1;
	if (!positional(ps->r, a) || !positional(ps->r, b)) {
		perror_at(ps, at,
			  "NEAR/%u operands must be terms, phrases, hashtags, mentions or ORs of them", n);
		return -1;
	}
	if (ps->t == T_NEAR) {
		perror_at(ps, ps->tpos, "NEAR cannot be chained: use parentheses and AND");
		return -1;
	}
	int32_t i = binary(ps, SCRM_NODE_NEAR, a, b, ps->line, col_of(ps, at));
	if (i >= 0)
		ps->r->nodes[i].near = n;
	return i;
}

/*
 * An AND or OR chain ("a b c ...", "a OR b OR c ...") as a tree. Up to CHAIN_LEFT
 * operands it leans left, ((a AND b) AND c), as it always has (scrm check prints it so);
 * a longer one is split in halves above that, so the tree's depth grows with the log of
 * its length: a topic of 200,000 words in a row made a tree as deep, and every walk of it
 * (the compiler's, the checks') overflowed the stack (found by review: SIGSEGV).
 * @ops: the operands, @cols: the column of the operator before each (cols[0] unused).
 */
#define CHAIN_LEFT 64

static int32_t chain_tree(struct parser *ps, scrm_rules_node_kind kind, const int32_t *ops, const uint32_t *cols,
			  size_t lo, size_t hi, uint32_t line)
{
	if (hi - lo <= CHAIN_LEFT) {
		int32_t a = ops[lo];
		for (size_t k = lo + 1; k < hi; k++)
			a = binary(ps, kind, a, ops[k], line, cols[k]);
		return a;
	}
	size_t mid = lo + (hi - lo) / 2;
	int32_t a = chain_tree(ps, kind, ops, cols, lo, mid, line);
	int32_t b = chain_tree(ps, kind, ops, cols, mid, hi, line);
	return binary(ps, kind, a, b, line, cols[mid]);
}

struct chain {
	int32_t *ops, sops[16];
	uint32_t *cols, scols[16];
	size_t n, cap;
};

static bool chain_add(struct parser *ps, struct chain *c, int32_t op, uint32_t col)
{
	if (c->n == c->cap) {
		size_t cap = c->cap * 2;
		int32_t *o = malloc(cap * sizeof *o);
		uint32_t *k = malloc(cap * sizeof *k);
		if (!o || !k) {
			free(o);
			free(k);
			ps->oom = ps->failed = true;
			return false;
		}
		memcpy(o, c->ops, c->n * sizeof *o);
		memcpy(k, c->cols, c->n * sizeof *k);
		if (c->ops != c->sops) {
			free(c->ops);
			free(c->cols);
		}
		c->ops = o;
		c->cols = k;
		c->cap = cap;
	}
	c->ops[c->n] = op;
	c->cols[c->n++] = col;
	return true;
}

/* A chain of the operand @first (its inline arrays for the first 16). */
static void chain_start(struct parser *ps, struct chain *c, int32_t first)
{
	c->ops = c->sops;
	c->cols = c->scols;
	c->n = 0;
	c->cap = 16;
	chain_add(ps, c, first, 0);
}

static int32_t chain_end(struct parser *ps, struct chain *c, scrm_rules_node_kind kind, bool ok)
{
	int32_t res = ok ? chain_tree(ps, kind, c->ops, c->cols, 0, c->n, ps->line) : -1;
	if (c->ops != c->sops) {
		free(c->ops);
		free(c->cols);
	}
	return res;
}

static int32_t parse_and(struct parser *ps)
{
	int32_t a = parse_near(ps);
	if (a < 0)
		return -1;
	struct chain c;
	chain_start(ps, &c, a);
	for (;;) {
		const char *at = ps->tpos;
		if (ps->t == T_AND) {
			lex(ps);
			if (!starts_operand(ps->t)) {
				perror_at(ps, at, "AND needs an operand on each side");
				return chain_end(ps, &c, SCRM_NODE_AND, false);
			}
		} else if (!starts_operand(ps->t)) {
			return chain_end(ps, &c, SCRM_NODE_AND, true);
		}
		uint32_t col = col_of(ps, at);
		int32_t b = parse_near(ps);
		if (b < 0 || !chain_add(ps, &c, b, col))
			return chain_end(ps, &c, SCRM_NODE_AND, false);
	}
}

static int32_t parse_or(struct parser *ps)
{
	int32_t a = parse_and(ps);
	if (a < 0)
		return -1;
	struct chain c;
	chain_start(ps, &c, a);
	while (ps->t == T_OR) {
		const char *at = ps->tpos;
		uint32_t col = col_of(ps, at);
		lex(ps);
		if (!starts_operand(ps->t)) {
			perror_at(ps, at, "OR needs an operand on each side");
			return chain_end(ps, &c, SCRM_NODE_OR, false);
		}
		int32_t b = parse_and(ps);
		if (b < 0 || !chain_add(ps, &c, b, col))
			return chain_end(ps, &c, SCRM_NODE_OR, false);
	}
	return chain_end(ps, &c, SCRM_NODE_OR, true);
}

static int32_t parse_query(struct parser *ps, const char *start)
{
	ps->p = start;
	ps->depth = 0;
	lex(ps);
	if (ps->failed)
		return -1;
	if (ps->t == T_EOL) {
		perror_at(ps, start, "empty query");
		return -1;
	}
	int32_t root = parse_or(ps);
	if (ps->failed)
		return -1;
	if (root >= 0 && ps->t != T_EOL) {
		if (ps->t == T_RPAREN)
			perror_at(ps, ps->tpos, "unbalanced ')': no matching '('");
		else
			perror_at(ps, ps->tpos, "unexpected token");
		return -1;
	}
	return root;
}

/* ------------------------------------------------------------------------------ */
/* Statements                                                                       */

static const char *skip_space(const char *p, const char *e)
{
	while (p < e && is_space(*p))
		p++;
	return p;
}

/* Parse NAME at *pp; returns its end or NULL after reporting. */
static const char *parse_name(struct parser *ps, const char *p, const char *what)
{
	const char *s = p;
	if (p >= ps->le || !(is_alpha(*p) || *p == '_')) {
		perror_at(ps, p, "expected a %s name", what);
		return NULL;
	}
	while (p < ps->le && is_name_char(*p))
		p++;
	if (p - s > SCRM_RULES_NAME_MAX) {
		perror_at(ps, s, "%s name longer than %d bytes", what, SCRM_RULES_NAME_MAX);
		return NULL;
	}
	return p;
}

/* The settings the engine reads (see rules.h). */
static const char *const settings[] = {"lexicon", "emoji-lexicon", "sentiment", "sentiment-langs", "dup-window",
				       "intent", "intent-model", "action", "action-model",
				       "default-route", "default-priority", "default-sla", "brands", "sentiment-model",
				       "rules-cache", "encoder", "model-topics", "direct-channels", "influence",
				       "max-customers", "csv-columns", "csv-channel"};
#define SETTINGS_LIST                                                                         \
	"lexicon, emoji-lexicon, sentiment, sentiment-langs, dup-window, intent, intent-model, action, action-model, " \
	"default-route, default-priority, default-sla, brands, sentiment-model, rules-cache, encoder, model-topics, " \
	"direct-channels, influence, max-customers, csv-columns, csv-channel"

static bool known_setting(const char *k, size_t n)
{
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		if (strlen(settings[i]) == n && !memcmp(settings[i], k, n))
			return true;
	return false;
}

int scrm_rules_parse_duration(const char *s, size_t n, int64_t *ms)
{
	size_t i = 0;
	int64_t v = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (s[i++] - '0');
	}
	if (i == 0)
		return -EINVAL;
	static const struct { const char *unit; int64_t mul; } units[] = {
		{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
	};
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		if (strlen(units[u].unit) == n - i && !memcmp(s + i, units[u].unit, n - i)) {
			if (v > INT64_MAX / units[u].mul)
				return -EINVAL;
			*ms = v * units[u].mul;
			return 0;
		}
	}
	return -EINVAL;
}

int scrm_rules_parse_count(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i++] - '0');
	}
	if (i == 0 || n - i > 1)
		return -EINVAL;
	unsigned shift = 0;
	if (i < n) {
		char c = s[i];
		shift = c == 'k' || c == 'K' ? 10 : c == 'm' || c == 'M' ? 20 : c == 'g' || c == 'G' ? 30 : 64;
		if (shift == 64)
			return -EINVAL;
	}
	if (v > (max >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static bool eqn(const char *a, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(a, lit, n);
}

/* Whether a classifier of @task is registered under the name v[0..vn). */
static bool classifier_named(scrm_task task, const char *v, size_t vn)
{
	char name[64];
	if (vn >= sizeof name)
		return false;
	memcpy(name, v, vn);
	name[vn] = 0;
	return scrm_classifier_find(task, name) != NULL;
}

/* What is wrong with the value of a setting whose syntax is fixed, or NULL: the file is
 * checked before anything runs (scrm check too), not when the engine reads it. */
const char *scrm_rules_next_name(const char *s, const char *end, size_t *n)
{
	for (;;) {
		while (s < end && (*s == ' ' || *s == ',' || *s == '\t'))
			s++;
		if (s == end)
			return NULL;
		s += *s == '@';
		const char *e = s;
		while (e < end && *e != ' ' && *e != ',' && *e != '\t')
			e++;
		if (e > s) {
			*n = (size_t)(e - s);
			return s;
		}
	}
}

static const char *bad_setting_value(const char *k, size_t kn, const char *v, size_t vn)
{
	if (eqn(k, kn, "sentiment"))
		return eqn(v, vn, "scrm") || eqn(v, vn, "vader") || eqn(v, vn, "both") ? NULL
										     : "expected scrm, vader or both";
	if (eqn(k, kn, "sentiment-langs")) {
		scrm_sent_langs l;
		return scrm_sent_langs_parse(v, vn, &l) ? "expected all or language codes such as en or en,es" : NULL;
	}
	int64_t ms;
	if (eqn(k, kn, "dup-window"))
		return scrm_rules_parse_duration(v, vn, &ms) ? "expected a duration such as 90s, 30m, 1h or 0" : NULL;
	uint64_t count;
	if (eqn(k, kn, "max-customers")) /* the limit of --max-customers */
		return scrm_rules_parse_count(v, vn, (uint64_t)1 << 32, &count)
			       ? "expected a number of customers such as 1000000 or 4M, or 0 for no limit"
			       : NULL;
	if (eqn(k, kn, "default-sla")) /* the limit route.c's sla has: SCRM_ROUTE_SLA_MAX_MS */
		return scrm_rules_parse_duration(v, vn, &ms) || ms > 366LL * 86400000
			       ? "expected a duration of at most 366d such as 90s, 30m, 1h or 0"
			       : NULL;
	/* the classifiers `run` looks up (plugins register before the rules are read) */
	if (eqn(k, kn, "intent") || eqn(k, kn, "action"))
		return eqn(v, vn, "none") || classifier_named(k[0] == 'i' ? SCRM_TASK_INTENT : SCRM_TASK_ACTION, v, vn)
			       ? NULL
		       : k[0] == 'i' ? "expected none or an intent classifier (scrm eval --list shows them)"
				     : "expected none or an action classifier (scrm eval --list shows them)";
	if (eqn(k, kn, "influence"))
		return classifier_named(SCRM_TASK_INFLUENCE, v, vn)
			       ? NULL
			       : "expected an influence classifier such as formula (scrm eval --list shows them)";
	if (eqn(k, kn, "csv-columns")) { /* --csv-columns's syntax (csv.h) */
		char col[4096], msg[512];
		if (vn >= sizeof col)
			return "too long";
		memcpy(col, v, vn);
		col[vn] = 0;
		scrm_csv_opts o = {.columns = col};
		return scrm_csv_opts_check(&o, msg, sizeof msg)
			       ? "expected HEADER=FIELD pairs separated by commas, FIELD a column the CSV input knows "
				 "(id, channel, text, ts, handle, name, ...) or - to ignore the header"
			       : NULL;
	}
	if (eqn(k, kn, "brands") || eqn(k, kn, "direct-channels")) { /* main.c's MAX_BRANDS */
		size_t names = 0, nl;
		for (const char *p = v, *e = v + vn; (p = scrm_rules_next_name(p, e, &nl)); p += nl)
			names++;
		if (names > SCRM_RULES_MAX_NAMES)
			return k[0] == 'b' ? "at most 64 brand handles" : "at most 64 channels";
		return NULL;
	}
	if (eqn(k, kn, "default-priority"))
		return vn == 2 && v[0] == 'P' && v[1] >= '0' && v[1] <= '3' ? NULL : "expected P0, P1, P2 or P3";
	if (eqn(k, kn, "default-route")) {
		/* A team name becomes a file name (<team>.ndjson.zst): route.h's TEAM syntax. */
		bool ok = vn <= SCRM_RULES_NAME_MAX && v[0] >= 'a' && v[0] <= 'z';
		for (size_t i = 1; ok && i < vn; i++)
			ok = (v[i] >= 'a' && v[i] <= 'z') || is_digit(v[i]) || v[i] == '_' || v[i] == '-';
		return ok ? NULL : "expected a team name ([a-z][a-z0-9_-]*) such as inbox or support";
	}
	return NULL;
}

static void parse_line(struct parser *ps)
{
	scrm_rules *r = ps->r;
	const char *p = skip_space(ps->ls, ps->le);
	if (p == ps->le || *p == '#')
		return;
	const char *kw = p;
	while (p < ps->le && (is_alpha(*p) || *p == '_'))
		p++;
	size_t kn = (size_t)(p - kw);
	bool topic = kn == 5 && !memcmp(kw, "topic", 5);
	bool cue = kn == 3 && !memcmp(kw, "cue", 3);
	if (topic || cue) {
		const char *ns = skip_space(p, ps->le);
		if (ns == p) {
			perror_at(ps, p, "expected a %s name", kw[0] == 't' ? "topic" : "cue");
			return;
		}
		const char *ne = parse_name(ps, ns, topic ? "topic" : "cue");
		if (!ne)
			return;
		const char *c = skip_space(ne, ps->le);
		if (c >= ps->le || *c != ':') {
			perror_at(ps, c, "expected ':' after the %s name", topic ? "topic" : "cue");
			return;
		}
		const scrm_rules_stmt *o = find_name(ps, ns, (size_t)(ne - ns));
		if (ps->oom)
			return;
		if (o) {
			perror_at(ps, ns, "duplicate name '%.*s' (first defined at line %u)", (int)(ne - ns), ns, o->line);
			return;
		}
		int32_t root = parse_query(ps, c + 1);
		if (root < 0 && !ps->partial)
			return;
		const char *name = keep_str(r, ns, (size_t)(ne - ns));
		scrm_rules_stmt *s = name ? new_stmt(r) : NULL;
		if (!s) {
			ps->oom = ps->failed = true;
			return;
		}
		s->kind = topic ? SCRM_STMT_TOPIC : SCRM_STMT_CUE;
		s->line = ps->line;
		s->col = col_of(ps, kw);
		s->name = name;
		s->root = root;
		return;
	}
	if (kn == 3 && !memcmp(kw, "set", 3)) {
		const char *ks = skip_space(p, ps->le);
		if (ks == p) {
			perror_at(ps, p, "expected a setting name");
			return;
		}
		const char *ke = parse_name(ps, ks, "setting");
		if (!ke)
			return;
		const char *eq = skip_space(ke, ps->le);
		if (eq >= ps->le || *eq != '=') {
			perror_at(ps, eq, "expected '=' after the setting name");
			return;
		}
		const char *vs = skip_space(eq + 1, ps->le), *ve = ps->le;
		while (ve > vs && is_space(ve[-1]))
			ve--;
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		if (ve == vs) {
			perror_at(ps, eq + 1, "empty value for setting '%.*s'", (int)(ke - ks), ks);
			return;
		}
		if (!known_setting(ks, (size_t)(ke - ks))) {
			perror_at(ps, ks, "unknown setting '%.*s' (known: %s)", (int)(ke - ks), ks, SETTINGS_LIST);
			return;
		}
		for (uint32_t i = 0; i < r->nstmts; i++) {
			const scrm_rules_stmt *o = &r->stmts[i];
			if (o->kind == SCRM_STMT_SET && strlen(o->name) == (size_t)(ke - ks) &&
			    !memcmp(o->name, ks, (size_t)(ke - ks))) {
				perror_at(ps, ks, "setting '%.*s' already set at line %u", (int)(ke - ks), ks, o->line);
				return;
			}
		}
		const char *bad = bad_setting_value(ks, (size_t)(ke - ks), vs, (size_t)(ve - vs));
		if (bad) {
			perror_at(ps, vs, "%.*s: %s, not '%.*s'", (int)(ke - ks), ks, bad, (int)(ve - vs), vs);
			return;
		}
		const char *key = keep_str(r, ks, (size_t)(ke - ks));
		const char *val = key ? keep_str(r, vs, (size_t)(ve - vs)) : NULL;
		scrm_rules_stmt *s = val ? new_stmt(r) : NULL;
		if (!s) {
			ps->oom = ps->failed = true;
			return;
		}
		s->kind = SCRM_STMT_SET;
		s->line = ps->line;
		s->col = col_of(ps, kw);
		s->name = key;
		s->value = val;
		return;
	}
	bool route = kn == 5 && !memcmp(kw, "route", 5);
	bool drop = kn == 4 && !memcmp(kw, "drop", 4);
	if ((route || drop) && (p == ps->le || is_space(*p))) {
		const char *val = keep_str(r, kw, (size_t)(ps->le - kw));
		scrm_rules_stmt *s = val ? new_stmt(r) : NULL;
		if (!s) {
			ps->oom = ps->failed = true;
			return;
		}
		s->kind = route ? SCRM_STMT_ROUTE : SCRM_STMT_DROP;
		s->line = ps->line;
		s->col = col_of(ps, kw);
		s->value = val;
		return;
	}
	if (!kn) { /* not a letter: name the whole character, or say the file is not UTF-8 */
		size_t cl = scrm_utf8_char((const unsigned char *)kw, (size_t)(ps->le - kw));
		if (!cl) {
			perror_at(ps, kw, "byte 0x%02x is not UTF-8 text (save the rules file as UTF-8)", (unsigned char)*kw);
			return;
		}
		kn = cl;
	}
	/* the whole word as written (a non-ASCII letter or a no-break space cut it short:
	 * "tópic" said 't', "route" + U+00A0 said 'route') */
	const char *we = kw + kn, *nb;
	while (we < ps->le && !is_space(*we) && *we != ':')
		we++;
	if ((nb = memmem(kw, (size_t)(we - kw), "\xC2\xA0", 2))) {
		we = nb;
		perror_at(ps, we, "a no-break space (U+00A0) after '%.*s': write a plain space there", (int)(we - kw), kw);
		return;
	}
	perror_at(ps, kw, "unknown keyword '%.*s' (expected topic, cue, set, route or drop)", (int)(we - kw), kw);
}

static int parse_impl(scrm_rules **out, const char *file, const char *buf, size_t len, char *err, size_t errlen,
		      bool partial)
{
	assert(out && file && (buf || !len));
	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	size_t bom = scrm_utf8_bom(buf, len);
	buf += bom;
	len -= bom;
	scrm_rules *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->file = strdup(file);
	r->src = malloc(len + 1);
	if (!r->file || !r->src)
		goto fail_oom;
	if (len)
		memcpy(r->src, buf, len);
	r->src[len] = 0;
	r->srclen = len;
	/* NUL bytes would cut lines short in messages: treat them as spaces. */
	for (size_t i = 0; i < len; i++)
		if (!r->src[i])
			r->src[i] = ' ';
	uint32_t cap = 1;
	for (size_t i = 0; i < len; i++)
		cap += r->src[i] == '\n';
	r->line_off = malloc(cap * sizeof(uint32_t));
	if (!r->line_off)
		goto fail_oom;
	r->line_off[r->nlines++] = 0;
	for (size_t i = 0; i < len; i++)
		if (r->src[i] == '\n')
			r->line_off[r->nlines++] = (uint32_t)(i + 1);

	struct parser ps = {.r = r, .err = err, .errlen = errlen, .partial = partial};
	for (uint32_t l = 0; l < r->nlines; l++) {
		ps.line = l + 1;
		ps.ls = r->src + r->line_off[l];
		ps.le = ps.ls + line_len(ps.ls);
		ps.failed = false;
		parse_line(&ps);
		if (ps.oom) {
			free(ps.names);
			goto fail_oom;
		}
	}
	free(ps.names);
	if (ps.nerrors) {
		if (partial)
			*out = r;
		else
			scrm_rules_free(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
fail_oom:
	scrm_rules_free(r);
	append(err, errlen, "%s: out of memory\n", file);
	return -ENOMEM;
}

static int load_impl(scrm_rules **out, const char *path, char *err, size_t errlen, bool partial)
{
	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		append(err, errlen, "%s: %s\n", path, strerror(e));
		return -e;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int rc = 0;
	errno = 0;
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (len < cap)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (!buf) {
		rc = -ENOMEM;
	} else if (ferror(fp)) {
		rc = errno ? -errno : -EIO; /* EISDIR: a directory (it said "read error") */
		append(err, errlen, "%s: %s\n", path, strerror(-rc));
	}
	fclose(fp);
	if (!rc)
		rc = parse_impl(out, path, buf, len, err, errlen, partial);
	free(buf);
	return rc;
}

int scrm_rules_parse(scrm_rules **out, const char *file, const char *buf, size_t len, char *err,
		     size_t errlen)
{
	return parse_impl(out, file, buf, len, err, errlen, false);
}

int scrm_rules_load(scrm_rules **out, const char *path, char *err, size_t errlen)
{
	return load_impl(out, path, err, errlen, false);
}

int scrm_rules_load_partial(scrm_rules **out, const char *path, char *err, size_t errlen)
{
	return load_impl(out, path, err, errlen, true);
}

void scrm_rules_free(scrm_rules *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	free(r->strs);
	free(r->stmts);
	free(r->nodes);
	free(r->line_off);
	free(r->src);
	free(r->file);
	free(r);
}

const char *scrm_rules_file(const scrm_rules *r) { return r->file; }
uint32_t scrm_rules_stmt_count(const scrm_rules *r) { return r->nstmts; }

const scrm_rules_stmt *scrm_rules_stmt_at(const scrm_rules *r, uint32_t i)
{
	assert(i < r->nstmts);
	return &r->stmts[i];
}

const scrm_rules_node *scrm_rules_node_at(const scrm_rules *r, int32_t i)
{
	assert(i >= 0 && (uint32_t)i < r->nnodes);
	return &r->nodes[i];
}

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

static void node_str(const scrm_rules *r, int32_t i, struct sbuf *b)
{
	const scrm_rules_node *n = scrm_rules_node_at(r, i);
	switch (n->kind) {
	case SCRM_NODE_TERM: sput(b, "%s%s", n->text, n->wildcard ? "*" : ""); break;
	case SCRM_NODE_PHRASE: sput(b, "\"%s\"", n->text); break;
	case SCRM_NODE_HASHTAG: sput(b, "#%s", n->text); break;
	case SCRM_NODE_MENTION: sput(b, "@%s", n->text); break;
	case SCRM_NODE_REGEX:
		sput(b, "/%s/%s%s%s", n->text, n->regex_flags & SCRM_RE_CASELESS ? "i" : "",
		     n->regex_flags & SCRM_RE_DOTALL ? "s" : "", n->regex_flags & SCRM_RE_MULTILINE ? "m" : "");
		break;
	case SCRM_NODE_FROM: sput(b, "from:%s", n->text); break;
	case SCRM_NODE_LANG: sput(b, "lang:%s", n->text); break;
	case SCRM_NODE_NOT:
		sput(b, "-");
		node_str(r, n->a, b);
		break;
	case SCRM_NODE_AND:
	case SCRM_NODE_OR:
	case SCRM_NODE_NEAR:
		sput(b, "(");
		node_str(r, n->a, b);
		if (n->kind == SCRM_NODE_NEAR)
			sput(b, " NEAR/%u ", n->near);
		else
			sput(b, n->kind == SCRM_NODE_AND ? " AND " : " OR ");
		node_str(r, n->b, b);
		sput(b, ")");
		break;
	}
}

size_t scrm_rules_node_string(const scrm_rules *r, int32_t i, char *buf, size_t cap)
{
	struct sbuf b = {buf, cap, 0};
	if (cap)
		buf[0] = 0;
	node_str(r, i, &b);
	return b.len;
}

const char *scrm_rules_get(const scrm_rules *r, const char *key, uint32_t *line)
{
	for (uint32_t i = 0; i < r->nstmts; i++) {
		const scrm_rules_stmt *s = &r->stmts[i];
		if (s->kind == SCRM_STMT_SET && strcmp(s->name, key) == 0) {
			if (line)
				*line = s->line;
			return s->value;
		}
	}
	return NULL;
}

int scrm_rules_resolve_path(const scrm_rules *r, const char *value, char *buf, size_t cap)
{
	const char *slash = value[0] == '/' ? NULL : strrchr(r->file, '/');
	int dir = slash ? (int)(slash - r->file) + 1 : 0;
	int n = snprintf(buf, cap, "%.*s%s", dir, r->file, value);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}
