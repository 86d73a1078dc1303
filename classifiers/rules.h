/*
 * rules.h - the scrm rules file: parser and syntax tree.
 *
 * One file configures the whole engine. It is line-oriented; a statement is one line.
 *
 *   # comment                  (only as a whole line: inside a query '#' starts a hashtag)
 *   topic NAME: QUERY          listening topic, a boolean query (grammar below)
 *   cue NAME: QUERY            spam/intent cue: same grammar, reported as a cue
 *   set KEY = VALUE            engine setting (e.g. set lexicon = ../data/vader_lexicon.txt)
 *   route ... / drop ...       routing rules. This parser keeps such lines raw, with their
 *                              line and column (SCRM_STMT_ROUTE/_DROP); route.h defines
 *                              their grammar and scrm_route_compile() parses them.
 *
 * Settings (each at most once; an unknown key is an error; command-line options win):
 *   lexicon = PATH         sentiment lexicon (VADER or AFINN format), like --lexicon
 *   emoji-lexicon = PATH   emoji descriptions, like --emoji-lexicon
 *   sentiment = MODES      which sentiment scores events carry: scrm, vader or both
 *                          (like --sentiment; routing always uses the scrm mode)
 *   sentiment-langs = LIST languages the lexicon's words score (en; en,es; all); like
 *                          --sentiment-langs (sentiment.h, scrm_sent_langs)
 *   dup-window = DURATION  near-duplicate window, e.g. 30m, 1h, 0 (off); like --dup-window
 *   intent = NAME          intent classifier (none, cues, linear); like --intent
 *   intent-model = PATH    its model file; like --intent-model
 *   action = NAME          action_needed classifier; like --action
 *   action-model = PATH    its model file; like --action-model
 *   brands = H1 H2 ...     the brand's own handles (space- or comma-separated, '@'
 *                          optional): their posts are outbound replies (README)
 *   sentiment-model = PATH the scrm mode's learned correction; like --sentiment-model
 *   rules-cache = DIR      keep the compiled topic databases there; like --rules-cache
 *                          (topics.h, scrm_topics_compile_rules)
 *   default-route = TEAM   where an event goes when no routing rule matches (route.h;
 *                          default inbox); TEAM is [a-z][a-z0-9_-]*
 *   default-priority = Pn  priority P0..P3 of such events and of rules that give none (P3)
 *   default-sla = DURATION their SLA, like dup-window's durations (default: none)
 * A relative PATH is relative to the directory of the rules file, so a rules file and
 * the lexicons next to it work from any working directory.
 *
 * NAME is [A-Za-z_][A-Za-z0-9_.-]* (at most 64 bytes); topics and cues share one
 * namespace and one id space (file order). KEY is [A-Za-z_][A-Za-z0-9_.-]*; VALUE is the
 * rest of the line, trimmed, with one pair of surrounding double quotes removed.
 *
 * Query grammar (X PowerTrack / Brandwatch), loosest binding first:
 *
 *   query   := or
 *   or      := and ( "OR" and )*
 *   and     := near ( ["AND"] near )*        implicit AND: juxtaposition
 *   near    := unary [ "NEAR/" n unary ]     n in 0..255, not chainable
 *   unary   := "-" unary | primary
 *   primary := TERM | "PHRASE" | #hashtag | @mention | from:HANDLE | lang:CODE
 *            | /REGEX/flags | "(" query ")"
 *
 * So AND binds tighter than OR (as in PowerTrack): `a b OR c` is `(a b) OR c`, and NEAR
 * binds tighter than AND. Operators are upper case; lower-case `or` is a term.
 *
 * TERM is a run of bytes other than space, tab, ( ) and ". Terms, phrases, hashtags and
 * mentions match case-insensitively (Unicode case folding where they have non-ASCII
 * letters; an all-ASCII one folds ASCII only, so `k` does not match the Kelvin sign) and
 * the words of a phrase match with any run of spaces (Unicode's too: no-break, thin,
 * ideographic), tabs and line breaks between them;
 * all are word-bounded with
 * Unicode word characters (exactly Hyperscan's UCP \w: letters, digits, '_'), so
 * `refund` does not match "refunded", `café` does not match "cafés", and a boundary
 * never splits a UTF-8 character. A term edge that is not a word character (the '+' of
 * `c++`), or that belongs to a script written without spaces (Han, kana, Thai, ...: `返金`
 * matches inside "返金はまだ"), carries no boundary check. A trailing `*` is a wildcard
 * for the rest of the word (`refund*` matches refund, refunds, refunded); it needs at
 * least two characters before it and is allowed nowhere else. A bare term also matches
 * inside hashtags and mentions (`skyvista` matches "#SkyVista"), as PowerTrack's
 * tokenized keyword match does; `#skyvista` matches only the hashtag (not "#skyvistadown",
 * not "x#skyvista"). The words of a PHRASE match in order, separated in the text by one or
 * more spaces, tabs, CRs or LFs, or the Unicode spaces U+00A0, U+1680, U+2000..U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000 ("still no" matches "Still  NO" and "still" NBSP
 * "no", not "still, no");
 * punctuation inside a phrase word must match exactly ("haven't had").
 * /REGEX/ is a Hyperscan (PCRE-subset) pattern in UTF-8 mode, flags i (caseless),
 * s (dot matches newline), m (multi-line); its \w and \b are ASCII (Hyperscan refuses \b
 * with Unicode classes). It must not match the empty string. A regex made only of
 * character classes (e.g. /[A-Z]{5,}/) has no literal for Hyperscan to anchor on and is
 * costly on every record: prefer regexes with a literal part. from: and lang: compare
 * against the record's author handle and language (ASCII case-insensitive, a leading '@'
 * of the handle ignored), not against the text.
 *
 * A NEAR/n B is true when some match of A and some match of B have at most n words
 * between them, in either order (overlapping matches count as 0): `refund NEAR/2 waiting`
 * matches "refund a b waiting", not "refund a b c waiting". Words are maximal runs of
 * word characters (so "haven't" is two words); a match spans the words it overlaps. Its
 * operands must be terms, phrases, hashtags or mentions, or parenthesized ORs of those.
 * Comments are whole lines only; a statement cannot continue on the next line.
 *
 * Errors: every error is reported as
 *     FILE:LINE:COL: message
 *     <the source line>
 *     <spaces>^
 * (columns count UTF-8 characters from 1). The parser goes on with the next line, so one
 * run reports every bad line.
 *
 * Threads: a parsed scrm_rules is immutable; any thread may read it concurrently.
 * Dependencies: libc only.
 */
#ifndef SCRM_RULES_H
#define SCRM_RULES_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCRM_RULES_NAME_MAX 64
#define SCRM_RULES_DEPTH_MAX 64 /* parenthesis / negation nesting */
#define SCRM_RULES_MAX_NAMES 64 /* handles of `set brands`, channels of `set direct-channels` */

/* The next name of a list such as `set brands`'s ("@a, b c": separated by spaces, commas
 * or tabs, a leading '@' dropped) in s[.., end): its start and *n bytes, or NULL at the
 * end. */
const char *scrm_rules_next_name(const char *s, const char *end, size_t *n);

typedef enum scrm_rules_node_kind {
	SCRM_NODE_TERM,    /* text: the word(s), wildcard set for a trailing '*' */
	SCRM_NODE_PHRASE,  /* text: the phrase as written between the quotes */
	SCRM_NODE_HASHTAG, /* text: without the '#' */
	SCRM_NODE_MENTION, /* text: without the '@' */
	SCRM_NODE_REGEX,   /* text: the pattern; regex_flags: 'i','s','m' as SCRM_RE_* */
	SCRM_NODE_FROM,    /* text: handle without '@' */
	SCRM_NODE_LANG,    /* text: language code */
	SCRM_NODE_AND,     /* a, b */
	SCRM_NODE_OR,      /* a, b */
	SCRM_NODE_NOT,     /* a */
	SCRM_NODE_NEAR,    /* a, b, near */
} scrm_rules_node_kind;

enum { SCRM_RE_CASELESS = 1, SCRM_RE_DOTALL = 2, SCRM_RE_MULTILINE = 4 };

typedef struct scrm_rules_node {
	scrm_rules_node_kind kind;
	int32_t a, b;         /* child node indices, -1 when absent */
	uint32_t line, col;   /* where the node starts (col in UTF-8 characters, from 1) */
	const char *text;     /* leaves: NUL-terminated, owned by the scrm_rules */
	uint32_t len;         /* strlen(text) */
	uint16_t near;        /* NEAR/n: n */
	uint8_t wildcard;     /* TERM ended with '*' (not included in text) */
	uint8_t regex_flags;  /* REGEX: SCRM_RE_* */
} scrm_rules_node;

typedef enum scrm_rules_stmt_kind {
	SCRM_STMT_TOPIC,
	SCRM_STMT_CUE,
	SCRM_STMT_SET,
	SCRM_STMT_ROUTE, /* kept raw here, parsed by route.c */
	SCRM_STMT_DROP,  /* kept raw here, parsed by route.c */
} scrm_rules_stmt_kind;

typedef struct scrm_rules_stmt {
	scrm_rules_stmt_kind kind;
	uint32_t line;
	const char *name;  /* TOPIC/CUE: the name; SET: the key; else NULL */
	const char *value; /* SET: the value; ROUTE/DROP: the whole line; else NULL */
	int32_t root;      /* TOPIC/CUE: root node index; else -1 */
	uint32_t col;      /* column of the statement's keyword (UTF-8 characters, from 1):
			      ROUTE/DROP's value starts there */
} scrm_rules_stmt;

typedef struct scrm_rules scrm_rules;

/*
 * scrm_rules_parse() - parse a rules file held in memory.
 * @out:    on success, a new scrm_rules; free with scrm_rules_free(). NULL on error.
 * @file:   the name used in messages (copied).
 * @buf:    the text, @len bytes, need not be NUL-terminated; not retained (copied).
 * @err:    receives every error message (format above), NUL-terminated and truncated
 *          to @errlen; may be NULL when @errlen is 0. Left empty on success.
 * Return: 0; -EINVAL when the file has errors; -ENOMEM.
 */
int scrm_rules_parse(scrm_rules **out, const char *file, const char *buf, size_t len,
		     char *err, size_t errlen);

/* scrm_rules_load() - scrm_rules_parse() on the contents of @path; -errno if unreadable. */
int scrm_rules_load(scrm_rules **out, const char *path, char *err, size_t errlen);

/*
 * scrm_rules_load_partial() - scrm_rules_load() that, when the file has errors, still
 * returns -EINVAL with *out set to what parsed, so that `scrm check` can report the
 * routing rules' errors too: a topic or cue whose query failed keeps its name, with
 * root -1. For reporting only: never compile its topics.
 */
int scrm_rules_load_partial(scrm_rules **out, const char *path, char *err, size_t errlen);

/* scrm_rules_free() - release @r and everything it owns; NULL is a no-op. */
void scrm_rules_free(scrm_rules *r);

/* Read-only views; pointers live as long as @r. Indices must be in range (asserted). */
const char *scrm_rules_file(const scrm_rules *r);
uint32_t scrm_rules_stmt_count(const scrm_rules *r);
const scrm_rules_stmt *scrm_rules_stmt_at(const scrm_rules *r, uint32_t i);
const scrm_rules_node *scrm_rules_node_at(const scrm_rules *r, int32_t i);

/*
 * scrm_rules_get() - the value of `set @key = ...`, or NULL when the file does not set it;
 * its line number in *line (if not NULL). The pointer lives as long as @r.
 */
const char *scrm_rules_get(const scrm_rules *r, const char *key, uint32_t *line);

/*
 * scrm_rules_resolve_path() - a path setting's @value resolved against the directory of
 * the rules file (absolute values are kept), into @buf. Return: 0 or -ENAMETOOLONG.
 */
int scrm_rules_resolve_path(const scrm_rules *r, const char *value, char *buf, size_t cap);

/*
 * scrm_rules_parse_duration() - "0", "90s", "30m", "1h", "2d", "500ms" (a bare number is
 * seconds), @n bytes, into milliseconds. Return: 0 or -EINVAL (also on overflow).
 */
int scrm_rules_parse_duration(const char *s, size_t n, int64_t *ms);

/*
 * scrm_rules_parse_count() - a whole number of @n bytes, optionally followed by K, M or
 * G (x1024, x1024^2, x1024^3, either case), as `--max-customers` takes it: "0",
 * "1000000", "4M". Return: 0 or -EINVAL (also above @max).
 */
int scrm_rules_parse_count(const char *s, size_t n, uint64_t max, uint64_t *out);

/*
 * scrm_rules_format_error() - write "FILE:LINE:COL: MSG\n<line>\n<caret>\n" for a
 * position in @r's source to @err (truncated to @errlen, appended after what @err
 * already holds). Used by later stages (Hyperscan compile errors) to point into the file.
 */
void scrm_rules_format_error(const scrm_rules *r, uint32_t line, uint32_t col, const char *msg,
			     char *err, size_t errlen);

/* scrm_rules_format_error() with a printf-style message (at most 511 bytes). */
void scrm_rules_format_errorv(const scrm_rules *r, uint32_t line, uint32_t col, char *err, size_t errlen,
			      const char *fmt, va_list ap);

/* The column (UTF-8 characters) of @at in a line whose byte @from is at column @col0. */
uint32_t scrm_rules_col(const char *from, const char *at, uint32_t col0);

/*
 * scrm_rules_node_string() - the query below node @i written back in canonical, fully
 * parenthesized form, e.g. "((a AND b) OR c)", into @buf (truncated to @cap). For tests
 * and `scrm check`. Return: the length it would have had.
 */
size_t scrm_rules_node_string(const scrm_rules *r, int32_t i, char *buf, size_t cap);

/*
 * scrm_check_main() - `scrm check RULES`: argv[0] is "check", argv[1] the rules file.
 * Parses and compiles; prints errors (stderr) and warnings, then the number of topics
 * and cues, compile time and database size (stdout).
 * Return: 0 when the rules are usable, 1 on errors, 2 on usage errors.
 */
int scrm_check_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
