/*
 * csv.c - CSV input for the offline channels: the header's column map, a row as a
 * canonical JSON line, and where a record ends in a stream (csv.h).
 */
#include "csv.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The canonical fields a column can give (C_IGNORE: none). */
enum col {
	C_IGNORE,
	C_ID, C_CHANNEL, C_TEXT, C_TS, C_DIRECTION,
	C_CONVERSATION, C_IN_REPLY_TO, C_RETWEET_OF, C_QUOTE_OF, C_LANG, C_PLACE,
	C_AUTHOR_ID, C_HANDLE, C_NAME, C_FOLLOWERS, C_VERIFIED,
	C_RETWEETS, C_LIKES, C_REPLIES, C_QUOTES,
	C__COUNT
};

/* What a field becomes in the JSON line. */
enum kind { K_STR, K_TS, K_INT, K_BOOL };

static const struct {
	char key[16]; /* its key in the canonical schema (inside author/metrics for those),
		       * zero-padded: copied 16 bytes at a time */
	enum kind kind;
	uint8_t klen;
} fields[C__COUNT] = {
	[C_ID] = {"id", K_STR, 2},
	[C_CHANNEL] = {"channel", K_STR, 7},
	[C_TEXT] = {"text", K_STR, 4},
	[C_TS] = {"ts", K_TS, 2},
	[C_DIRECTION] = {"direction", K_STR, 9},
	[C_CONVERSATION] = {"conversation", K_STR, 12},
	[C_IN_REPLY_TO] = {"in_reply_to", K_STR, 11},
	[C_RETWEET_OF] = {"retweet_of", K_STR, 10},
	[C_QUOTE_OF] = {"quote_of", K_STR, 8},
	[C_LANG] = {"lang", K_STR, 4},
	[C_PLACE] = {"place", K_STR, 5},
	[C_AUTHOR_ID] = {"id", K_STR, 2},
	[C_HANDLE] = {"handle", K_STR, 6},
	[C_NAME] = {"name", K_STR, 4},
	[C_FOLLOWERS] = {"followers", K_INT, 9},
	[C_VERIFIED] = {"verified", K_BOOL, 8},
	[C_RETWEETS] = {"retweets", K_INT, 8},
	[C_LIKES] = {"likes", K_INT, 5},
	[C_REPLIES] = {"replies", K_INT, 7},
	[C_QUOTES] = {"quotes", K_INT, 6},
};

/* Header names, compared case-insensitively. */
static const struct {
	const char *name;
	enum col col;
} names[] = {
	{"id", C_ID},
	{"channel", C_CHANNEL},
	{"text", C_TEXT}, {"body", C_TEXT}, {"message", C_TEXT},
	{"ts", C_TS}, {"time", C_TS}, {"timestamp", C_TS}, {"date", C_TS}, {"created_at", C_TS},
	{"direction", C_DIRECTION},
	{"conversation", C_CONVERSATION}, {"thread", C_CONVERSATION},
	{"in_reply_to", C_IN_REPLY_TO},
	{"retweet_of", C_RETWEET_OF},
	{"quote_of", C_QUOTE_OF},
	{"lang", C_LANG},
	{"place", C_PLACE},
	{"author_id", C_AUTHOR_ID}, {"author.id", C_AUTHOR_ID},
	{"author_handle", C_HANDLE}, {"author.handle", C_HANDLE}, {"handle", C_HANDLE},
	{"author_name", C_NAME}, {"author.name", C_NAME}, {"name", C_NAME},
	{"followers", C_FOLLOWERS}, {"author_followers", C_FOLLOWERS}, {"author.followers", C_FOLLOWERS},
	{"verified", C_VERIFIED}, {"author_verified", C_VERIFIED}, {"author.verified", C_VERIFIED},
	{"retweets", C_RETWEETS}, {"metrics_retweets", C_RETWEETS}, {"metrics.retweets", C_RETWEETS},
	{"likes", C_LIKES}, {"metrics_likes", C_LIKES}, {"metrics.likes", C_LIKES},
	{"replies", C_REPLIES}, {"metrics_replies", C_REPLIES}, {"metrics.replies", C_REPLIES},
	{"quotes", C_QUOTES}, {"metrics_quotes", C_QUOTES}, {"metrics.quotes", C_QUOTES},
};

struct scrm_csv_map {
	const char *channel; /* --csv-channel (borrowed), NULL: none */
	size_t channel_len;
	size_t ncols;
	uint8_t col[]; /* enum col of each column */
};

void scrm_csv_map_free(scrm_csv_map *m)
{
	free(m);
}

size_t scrm_csv_columns(const scrm_csv_map *m)
{
	return m->ncols;
}

/* ------------------------------------------------------------------ fields ---- */

struct fld {
	const char *p; /* between the quotes for a quoted field ("" still doubled) */
	size_t n;
	bool q;
};

/*
 * The field at rec[*pos, len): 1, with *pos past it and its ',' and *last set when it
 * ends the record; 0 when it is not well-formed, with the reason in *why; -1 for a quoted
 * field that is never closed.
 */
static int next_field(const char *rec, size_t len, size_t *pos, struct fld *f, bool *last, const char **why)
{
	size_t i = *pos;
	if (i < len && rec[i] == '"') {
		size_t s = ++i;
		for (;;) {
			const char *q = i < len ? memchr(rec + i, '"', len - i) : NULL;
			if (!q) {
				*why = "a quoted field is never closed (a '\"' is missing)";
				return -1;
			}
			i = (size_t)(q - rec) + 1;
			if (i < len && rec[i] == '"') {
				i++;
				continue;
			}
			break;
		}
		*f = (struct fld){rec + s, i - 1 - s, true};
		if (i < len && rec[i] != ',') {
			*why = "text after the closing '\"' of a quoted field (write a '\"' inside quotes as \"\")";
			return 0;
		}
		*last = i == len;
		*pos = *last ? i : i + 1;
		return 1;
	}
	const char *c = i < len ? memchr(rec + i, ',', len - i) : NULL;
	size_t e = c ? (size_t)(c - rec) : len;
	if (e > i && memchr(rec + i, '"', e - i)) {
		*why = "a '\"' inside an unquoted field (quote the whole field and write '\"' as \"\")";
		return 0;
	}
	*f = (struct fld){rec + i, e - i, false};
	*last = !c;
	*pos = c ? e + 1 : len;
	return 1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* An unquoted field without its surrounding blanks (a quoted one is taken as written). */
static void trim_field(struct fld *f)
{
	if (f->q)
		return;
	const char *p = f->p;
	size_t n = f->n;
	while (n && is_blank(p[0]))
		p++, n--;
	while (n && is_blank(p[n - 1]))
		n--;
	f->p = p;
	f->n = n;
}

/* A quoted field's value: "" as ". @dst holds at least f.n bytes. */
static size_t undouble(struct fld f, char *dst)
{
	size_t k = 0;
	for (size_t i = 0; i < f.n; i++) {
		dst[k++] = f.p[i];
		if (f.q && f.p[i] == '"')
			i++;
	}
	return k;
}

static size_t drop_cr(const char *rec, size_t len)
{
	return len && rec[len - 1] == '\r' ? len - 1 : len;
}

/* ------------------------------------------------------------------ header ---- */

static enum col col_of(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == n && !strncasecmp(names[i].name, s, n))
			return names[i].col;
	return C__COUNT; /* unknown */
}

/* The header names that give column @c, for messages: "text (or body, message)". */
static void col_names(enum col c, char *dst, size_t cap)
{
	size_t k = 0;
	int seen = 0;
	dst[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0] && k < cap; i++) {
		if (names[i].col != c || strchr(names[i].name, '.'))
			continue;
		int w = snprintf(dst + k, cap - k, "%s%s", seen == 0 ? "" : seen == 1 ? " (or " : ", ", names[i].name);
		if (w < 0)
			break;
		k += (size_t)w;
		seen++;
	}
	if (seen > 1 && k < cap)
		snprintf(dst + k, cap - k, ")");
}

/* The next "NAME=FIELD" pair of a --csv-columns list at *p: its trimmed parts; false at
 * the end. */
static bool next_pair(const char **p, const char **name, size_t *nn, const char **field, size_t *fn)
{
	const char *s = *p;
	while (*s == ',' || is_blank(*s))
		s++;
	if (!*s)
		return false;
	const char *e = s;
	while (*e && *e != ',')
		e++;
	*p = e;
	const char *eq = memchr(s, '=', (size_t)(e - s));
	struct fld a = {s, eq ? (size_t)(eq - s) : (size_t)(e - s), false}, b = {eq ? eq + 1 : e, eq ? (size_t)(e - eq - 1) : 0, false};
	trim_field(&a);
	trim_field(&b);
	*name = a.p, *nn = a.n, *field = b.p, *fn = b.n;
	return true;
}

/* A name of extra data, x_...: a column ignored silently. */
static bool is_extra(const char *s, size_t n)
{
	return n >= 2 && !strncasecmp(s, "x_", 2);
}

/* The field a FIELD of --csv-columns names: a column name of the table above, or "-" or
 * x_... (ignored: C_IGNORE); C__COUNT when it is none. */
static enum col field_named(const char *s, size_t n)
{
	if ((n == 1 && s[0] == '-') || is_extra(s, n))
		return C_IGNORE;
	return col_of(s, n);
}

int scrm_csv_opts_check(const scrm_csv_opts *o, char *msg, size_t msglen)
{
	const char *p = o && o->columns ? o->columns : "", *nm, *fd;
	size_t nn, fn;
	while (next_pair(&p, &nm, &nn, &fd, &fn)) {
		if (!nn || !fn || field_named(fd, fn) == C__COUNT) {
			snprintf(msg, msglen,
				 "--csv-columns: '%.*s' is not HEADER=FIELD with FIELD a column name the CSV input knows "
				 "(id, channel, text, ts, direction, handle, name, ... as README lists), or - or x_... to ignore it",
				 (int)(p - nm), nm);
			return -EINVAL;
		}
	}
	if (o && o->channel && !*o->channel) {
		snprintf(msg, msglen, "--csv-channel: an empty channel name");
		return -EINVAL;
	}
	return 0;
}

/* The field the user's --csv-columns gives the header name s[0, n); C__COUNT + 1: none. */
static int user_col(const scrm_csv_opts *o, const char *s, size_t n)
{
	const char *p = o && o->columns ? o->columns : "", *nm, *fd;
	size_t nn, fn;
	while (next_pair(&p, &nm, &nn, &fd, &fn))
		if (nn == n && !strncasecmp(nm, s, n))
			return field_named(fd, fn);
	return C__COUNT + 1;
}

int scrm_csv_header(scrm_csv_map **out, const char *rec, size_t len, const scrm_csv_opts *o, char *msg,
		    size_t msglen)
{
	*out = NULL;
	msg[0] = '\0';
	size_t bom = scrm_utf8_bom(rec, len);
	rec += bom;
	len = drop_cr(rec, len - bom);
	size_t ncols = 0, pos = 0;
	bool last = false;
	const char *why;
	struct fld f;
	while (!last) {
		if (next_field(rec, len, &pos, &f, &last, &why) <= 0) {
			snprintf(msg, msglen, "the CSV header is not well-formed: %s", why);
			return -EINVAL;
		}
		ncols++;
	}
	scrm_csv_map *m = calloc(1, sizeof *m + ncols);
	if (!m)
		return -ENOMEM;
	m->ncols = ncols;
	char name[1024]; /* (a longer header name is only ever ignored, with a notice) */
	size_t where[C__COUNT] = {0}, nk = 0;
	int e = 0;
	pos = 0;
	for (size_t j = 0; j < ncols; j++) {
		next_field(rec, len, &pos, &f, &last, &why);
		trim_field(&f);
		size_t n = f.n < sizeof name ? undouble(f, name) : sizeof name; /* (longer: no known name) */
		int uc = n < sizeof name ? user_col(o, name, n) : C__COUNT + 1;
		enum col c = uc <= C__COUNT ? (enum col)uc : n < sizeof name ? col_of(name, n) : C__COUNT;
		if (c == C_IGNORE)
			continue; /* --csv-columns NAME=- */
		if (c == C__COUNT) {
			if (is_extra(f.p, f.n))
				continue;
			/* ignored: say so, in one notice */
			int w = snprintf(msg + nk, msglen > nk ? msglen - nk : 0, "%s'%.*s%s'", nk ? ", " : "ignoring column ",
					 (int)(n < 64 ? n : 60), n < sizeof name ? name : f.p, n < 64 ? "" : "...");
			if (w > 0)
				nk += (size_t)w;
			continue;
		}
		if (where[c]) {
			bool au = c >= C_AUTHOR_ID && c <= C_VERIFIED;
			snprintf(msg, msglen, "the CSV header gives the %s%s field twice (columns %zu and %zu)",
				 au ? "author " : "", fields[c].key, where[c], j + 1);
			e = -EINVAL;
			break;
		}
		where[c] = j + 1;
		m->col[j] = (uint8_t)c;
	}
	static const enum col required[] = {C_ID, C_CHANNEL, C_TEXT};
	m->channel = o ? o->channel : NULL;
	m->channel_len = m->channel ? strlen(m->channel) : 0;
	for (size_t i = 0; !e && i < sizeof required / sizeof required[0]; i++) {
		if (where[required[i]] || (required[i] == C_CHANNEL && m->channel))
			continue;
		char alts[96];
		col_names(required[i], alts, sizeof alts);
		snprintf(msg, msglen,
			 "the CSV header has no %s column (id, channel and text are required; --csv-columns "
			 "names other headers, --csv-channel gives a channel to all rows)",
			 alts);
		e = -EINVAL;
	}
	if (e) {
		free(m);
		return e;
	}
	if (nk && nk + 40 < msglen)
		snprintf(msg + nk, msglen - nk, " (not a field of the scrm schema; x_* columns are ignored silently)");
	*out = m;
	return 0;
}

/* ------------------------------------------------------------------ a row ---- */

/* Bytes a JSON string cannot hold as they are: '"', '\\' and the controls. */
static const uint8_t needs_escape[256] = {
	[0 ... 31] = 1, ['"'] = 1, ['\\'] = 1,
};

/* The field as a JSON string, quotes included, at d (room: 6 bytes a byte, and 2);
 * returns the end. Runs without anything to escape are copied whole. */
static char *put_json_str(char *d, const struct fld *f)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = f->p, *e = f->p + f->n;
	*d++ = '"';
	for (;;) {
		const char *q = p;
		while (q < e && !needs_escape[(unsigned char)*q])
			q++;
		memcpy(d, p, (size_t)(q - p));
		d += q - p;
		if (q == e)
			break;
		unsigned char c = (unsigned char)*q++;
		*d++ = '\\';
		if (c == '"') {
			q += f->q; /* "" in a quoted field */
			*d++ = '"';
		} else if (c == '\\') {
			*d++ = '\\';
		} else if (c == '\n') {
			*d++ = 'n';
		} else if (c == '\r') {
			*d++ = 'r';
		} else if (c == '\t') {
			*d++ = 't';
		} else {
			memcpy(d, "u00", 3);
			d[3] = hex[c >> 4];
			d[4] = hex[c & 15];
			d += 5;
		}
		p = q;
	}
	*d++ = '"';
	return d;
}

/* An integer as JSON writes one: -?(0|[1-9][0-9]*). */
static size_t digits(const char *s, size_t i, size_t n)
{
	size_t j = i;
	while (j < n && s[j] >= '0' && s[j] <= '9')
		j++;
	return j - i;
}

/* Whether s[0, n) is a JSON number (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?):
 * written as one, the canonical normalizer reads it as it reads NDJSON's (an integer; a
 * fraction or 1e400 as JSON input gets them). */
static bool json_number(const char *s, size_t n)
{
	size_t i = n && s[0] == '-', d = digits(s, i, n);
	if (!d || (s[i] == '0' && d > 1))
		return false;
	i += d;
	if (i < n && s[i] == '.') {
		if (!(d = digits(s, i + 1, n)))
			return false;
		i += 1 + d;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i += 1 + (i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-'));
		if (!(d = digits(s, i, n)))
			return false;
		i += d;
	}
	return i == n;
}

static bool word_is(const struct fld *f, const char *w)
{
	return f->n == strlen(w) && !strncasecmp(f->p, w, f->n);
}

static char *put_lit(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}
#define PUT_LIT(d, s) put_lit(d, s, sizeof s - 1)

/* One field's "key":value at d (after a ',' unless *first); returns the end. */
static char *put_field(char *d, enum col c, const struct fld *f, bool *first)
{
	if (!*first)
		*d++ = ',';
	*first = false;
	*d++ = '"';
	memcpy(d, fields[c].key, sizeof fields[c].key); /* (room: 40 bytes a field) */
	d += fields[c].klen;
	d = PUT_LIT(d, "\":");
	switch (fields[c].kind) {
	case K_TS:
	case K_INT:
		if (json_number(f->p, f->n)) /* (quoted or not: quotes are only CSV's syntax) */
			return put_lit(d, f->p, f->n);
		break; /* a string: the normalizer says what is wrong with it */
	case K_BOOL:
		if (word_is(f, "true") || word_is(f, "yes") || word_is(f, "1"))
			return PUT_LIT(d, "true");
		if (word_is(f, "false") || word_is(f, "no") || word_is(f, "0"))
			return PUT_LIT(d, "false");
		break;
	case K_STR:
		break;
	}
	return put_json_str(d, f);
}

int scrm_csv_to_json(const scrm_csv_map *m, const char *rec, size_t len, scrm_buf *out, char *why, size_t whylen)
{
	struct fld v[C__COUNT];
	bool have[C__COUNT] = {false};
	len = drop_cr(rec, len);
	size_t pos = 0, n = 0;
	bool last = false;
	const char *w;
	struct fld f;
	while (!last) {
		int ok = next_field(rec, len, &pos, &f, &last, &w);
		if (ok <= 0) {
			snprintf(why, whylen, "%s", w);
			return ok < 0 ? 2 : 1;
		}
		if (n < m->ncols && m->col[n] != C_IGNORE) {
			if (m->col[n] != C_TEXT) /* the text as written */
				trim_field(&f);
			if (f.n) {
				v[m->col[n]] = f;
				have[m->col[n]] = true;
			}
		}
		n++;
	}
	if (n != m->ncols) {
		snprintf(why, whylen, "%zu field%s, the header has %zu", n, n == 1 ? "" : "s", m->ncols);
		return 1;
	}
	/* room for it all: each value at most 6 bytes a byte and its quotes (the row's, and
	 * --csv-channel's), each key and its punctuation at most 40 bytes, the braces */
	size_t vals = len + m->channel_len;
	out->len = 0; /* (written from its start) */
	if (vals < len || vals > (SIZE_MAX - 64 * C__COUNT) / 6 || scrm_buf_reserve(out, 6 * vals + 40 * C__COUNT + 64))
		return -ENOMEM;
	char *d = out->data;
	bool first = true;
	*d++ = '{';
	for (int c = C_ID; c <= C_PLACE; c++)
		if (have[c])
			d = put_field(d, (enum col)c, &v[c], &first);
	if (!have[C_CHANNEL]) /* --csv-channel; else an empty string the normalizer refuses */
		d = put_field(d, C_CHANNEL, &(struct fld){m->channel ? m->channel : "", m->channel_len, false}, &first);
	for (int g = 0; g < 2; g++) {
		int lo = g ? C_RETWEETS : C_AUTHOR_ID, hi = g ? C_QUOTES : C_VERIFIED;
		bool any = false;
		for (int c = lo; c <= hi; c++)
			any |= have[c];
		if (!any)
			continue;
		bool fi = true;
		d = g ? PUT_LIT(d, ",\"metrics\":{") : PUT_LIT(d, ",\"author\":{");
		for (int c = lo; c <= hi; c++)
			if (have[c])
				d = put_field(d, (enum col)c, &v[c], &fi);
		*d++ = '}';
	}
	*d++ = '}';
	out->len = (size_t)(d - out->data);
	return 0;
}

bool scrm_csv_blank(const char *rec, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_blank(rec[i]) && rec[i] != '\r' && rec[i] != ',')
			return false;
	return true;
}

/* ------------------------------------------------------------- record ends ---- */

enum { S_START, S_UNQ, S_Q, S_QQ };

const char *scrm_csv_end(scrm_csv_scan *s, const char *p, size_t n)
{
	const char *e = p + n;
	uint8_t st = s->st;
	while (p < e) {
		if (st == S_START || st == S_UNQ) {
			/* no quote before the line's end: the record ends there */
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			const char *stop = nl ? nl : e;
			const char *q = memchr(p, '"', (size_t)(stop - p));
			if (!q) {
				if (nl) {
					s->st = S_START;
					return nl;
				}
				s->st = e[-1] == ',' ? S_START : S_UNQ;
				return NULL;
			}
			/* up to the quote: it opens a quoted field only at a field's start */
			if (q > p)
				st = q[-1] == ',' ? S_START : S_UNQ;
			p = q + 1;
			st = st == S_START ? S_Q : S_UNQ;
			continue;
		}
		if (st == S_Q) { /* to the closing quote, counting the line breaks on the way */
			const char *q = memchr(p, '"', (size_t)(e - p)), *lim = q ? q : e;
			for (const char *x = p; (x = memchr(x, '\n', (size_t)(lim - x))); x++)
				s->nl++;
			if (!q) {
				p = e;
				break;
			}
			p = q + 1;
			st = S_QQ;
			continue;
		}
		/* S_QQ: a quote inside a quoted field (""), or the field's end */
		char ch = *p++;
		if (ch == '"') {
			st = S_Q;
		} else if (ch == ',') {
			st = S_START;
		} else if (ch == '\n') {
			s->st = S_START;
			return p - 1;
		} else {
			st = S_UNQ; /* text after the closing quote: the row is bad_csv */
		}
	}
	s->st = st;
	return NULL;
}

const char *scrm_csv_record_end(const char *p, const char *stop, size_t max_record)
{
	scrm_csv_scan cs = {0};
	const char *nl = scrm_csv_end(&cs, p, (size_t)(stop - p)), *l1;
	size_t len = (size_t)((nl ? nl : stop) - p);
	/* longer than max_record, or cut at a line's end while inside quotes: the chunker
	 * took its first line alone */
	if ((len > max_record || (!nl && len && p[len - 1] == '\n')) && (l1 = memchr(p, '\n', len)))
		return l1;
	return nl;
}

bool scrm_csv_named(const char *name)
{
	static const char *const codecs[] = {".zst", ".gz", ".bz2", ".xz"};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		size_t k = strlen(codecs[i]);
		if (n > k && !strcasecmp(name + n - k, codecs[i])) {
			n -= k;
			break;
		}
	}
	return n > 4 && !strncasecmp(name + n - 4, ".csv", 4);
}
