/*
 * cues_expand.c - a finite regular expression as its literals (see cues_expand.h).
 *
 * A recursive-descent parser over the accepted subset computes, for each group and
 * sequence, the set of (bytes, \b before, \b after) it matches; a sequence's set is the
 * product of its atoms' sets. Any construct outside the subset, a set over the limit or
 * a literal over SCRM_LIT_MAX bytes makes the whole expansion fail (st.bad), and the
 * caller keeps the regex.
 */
#include "cues_expand.h"
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct part {
	uint8_t len, lead, trail, bnd; /* bnd: the \b atom itself (no bytes) */
	char b[SCRM_LIT_MAX];
};

struct set {
	struct part *v;
	size_t n, cap;
};

struct st {
	const char *p, *end;
	size_t limit;
	int bad;   /* not expandable */
	int nomem;
};

static void set_free(struct set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int set_add(struct st *st, struct set *s, const struct part *x)
{
	if (s->n == st->limit) {
		st->bad = 1;
		return -1;
	}
	if (scrm_array_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v, 8)) {
		st->nomem = st->bad = 1;
		return -1;
	}
	s->v[s->n++] = *x;
	return 0;
}

static unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

/* x followed by y, or st->bad when a \b would fall between two bytes */
static int concat(struct st *st, const struct part *x, const struct part *y, struct part *r)
{
	*r = *x;
	r->bnd = 0;
	if (y->bnd || (y->len == 0 && (y->lead || y->trail))) {
		if (r->len == 0)
			r->lead = 1;
		else
			r->trail = 1;
		return 0;
	}
	if (y->len == 0)
		return 0;
	if (x->trail || (x->len && y->lead) || x->len + y->len > SCRM_LIT_MAX) {
		st->bad = 1;
		return -1;
	}
	memcpy(r->b + r->len, y->b, y->len);
	if (x->len == 0)
		r->lead = (uint8_t)(x->lead | y->lead);
	r->len = (uint8_t)(x->len + y->len);
	r->trail = y->trail;
	return 0;
}

static int parse_alt(struct st *st, struct set *out);

/* One atom and its quantifier, into *out. */
static int parse_atom(struct st *st, struct set *out)
{
	struct part x = {0};
	unsigned char c = (unsigned char)*st->p;
	if (c == '(') {
		st->p++;
		if (st->p < st->end && *st->p == '?') {
			if (st->end - st->p < 2 || st->p[1] != ':') {
				st->bad = 1;
				return -1;
			}
			st->p += 2;
		}
		if (parse_alt(st, out) < 0)
			return -1;
		if (st->p == st->end || *st->p != ')') {
			st->bad = 1;
			return -1;
		}
		st->p++;
	} else if (c == '\\') {
		if (st->end - st->p < 2) {
			st->bad = 1;
			return -1;
		}
		unsigned char e = (unsigned char)st->p[1];
		st->p += 2;
		if (e == 'b') {
			x.bnd = 1;
		} else if (e < 0x80 && !(e >= '0' && e <= '9') && !(e >= 'A' && e <= 'Z') && !(e >= 'a' && e <= 'z') &&
			   e > ' ') {
			x.b[0] = (char)e; /* escaped punctuation stands for itself */
			x.len = 1;
		} else {
			st->bad = 1; /* \w, \d, \s, \x.., \Q, a back-reference ... */
			return -1;
		}
		if (set_add(st, out, &x) < 0)
			return -1;
	} else if (strchr(".[]*+{}^$?|)", c) && c) {
		st->bad = 1;
		return -1;
	} else {
		x.b[0] = (char)lower(c);
		x.len = 1;
		st->p++;
		if (set_add(st, out, &x) < 0)
			return -1;
	}
	/* the quantifier: only a greedy '?' */
	if (st->p < st->end && strchr("?*+{", *st->p)) {
		if (*st->p != '?' || (st->end - st->p > 1 && strchr("?+", st->p[1]))) {
			st->bad = 1;
			return -1;
		}
		st->p++;
		struct part empty = {0};
		if (set_add(st, out, &empty) < 0)
			return -1;
	}
	return 0;
}

/* A sequence of atoms up to '|', ')' or the end. */
static int parse_seq(struct st *st, struct set *out)
{
	struct part empty = {0};
	if (set_add(st, out, &empty) < 0)
		return -1;
	while (st->p < st->end && *st->p != '|' && *st->p != ')') {
		struct set a = {0}, r = {0};
		if (parse_atom(st, &a) < 0) {
			set_free(&a);
			return -1;
		}
		for (size_t i = 0; i < out->n && !st->bad; i++)
			for (size_t j = 0; j < a.n && !st->bad; j++) {
				struct part x;
				if (concat(st, &out->v[i], &a.v[j], &x) == 0)
					set_add(st, &r, &x);
			}
		set_free(&a);
		set_free(out);
		*out = r;
		if (st->bad)
			return -1;
	}
	return 0;
}

static int parse_alt(struct st *st, struct set *out)
{
	for (;;) {
		struct set s = {0};
		if (parse_seq(st, &s) < 0) {
			set_free(&s);
			return -1;
		}
		for (size_t i = 0; i < s.n && !st->bad; i++)
			set_add(st, out, &s.v[i]);
		set_free(&s);
		if (st->bad)
			return -1;
		if (st->p == st->end || *st->p != '|')
			return 0;
		st->p++;
	}
}

static int part_cmp(const void *a, const void *b)
{
	const struct part *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->b, y->b, n);
	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->lead != y->lead)
		return x->lead < y->lead ? -1 : 1;
	return (x->trail > y->trail) - (x->trail < y->trail);
}

void scrm_lits_free(scrm_lits *l)
{
	free(l->v);
	free(l->pool);
	memset(l, 0, sizeof *l);
}

static int lits_add(scrm_lits *l, const struct part *x)
{
	if (scrm_array_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, 64) ||
	    scrm_array_grow((void **)&l->pool, &l->room, l->used + x->len, 1, 4096))
		return -ENOMEM;
	memcpy(l->pool + l->used, x->b, x->len);
	l->v[l->n++] = (scrm_lit){(uint32_t)l->used, x->len, x->lead, x->trail};
	l->used += x->len;
	return 0;
}

int scrm_re_expand(const char *re, size_t limit, scrm_lits *out)
{
	struct st st = {re, re + strlen(re), limit ? limit : 1, 0, 0};
	struct set s = {0};
	int rc = parse_alt(&st, &s);
	if (rc == 0 && st.p != st.end)
		st.bad = 1; /* an unmatched ')' */
	for (size_t i = 0; i < s.n && !st.bad; i++)
		if (s.v[i].len == 0)
			st.bad = 1; /* it would match the empty string */
	if (st.bad) {
		set_free(&s);
		return st.nomem ? -ENOMEM : 0;
	}
	qsort(s.v, s.n, sizeof *s.v, part_cmp);
	size_t n0 = out->n, u0 = out->used;
	for (size_t i = 0; i < s.n; i++) {
		if (i && part_cmp(&s.v[i - 1], &s.v[i]) == 0)
			continue;
		if (lits_add(out, &s.v[i]) < 0) {
			out->n = n0;
			out->used = u0;
			set_free(&s);
			return -ENOMEM;
		}
	}
	set_free(&s);
	return 1;
}

/* Past the byte or escape at re[i]. */
static size_t skip1(const char *re, size_t i, size_t n) { return re[i] == '\\' && i + 1 < n ? i + 2 : i + 1; }

/* The regex re = P G S split at its top-level group G = re[a..b] (optional when @opt:
 * then S starts after the '?'): each P(?:Ai)S that expands goes to *out, the others are
 * joined into *rest. Return 1 when at least one expanded, 0 when none did (nothing
 * appended, *rest untouched), -ENOMEM. */
static int split_at(const char *re, size_t n, size_t a, size_t b, int opt, size_t limit, scrm_lits *out, char **rest)
{
	size_t g = a + 1, s0 = b + 1 + (opt != 0);
	if (g < b && re[g] == '?') {
		if (g + 1 >= b || re[g + 1] != ':')
			return 0; /* (?i) and the like */
		g += 2;
	}
	size_t n0 = out->n, u0 = out->used, nleft = 0, kept = 0, alts = 0, cap = 2 * n + 8;
	int rc = -ENOMEM, empty_left = 0;
	char *buf = malloc(cap), *left = malloc(cap);
	if (!buf || !left)
		goto done;
	/* the alternatives re[g..b) split at its top-level '|', and the empty one when G is
	 * optional */
	for (size_t s = g, i = g, d = 0;; i = skip1(re, i, b)) {
		if (i < b && re[i] == '(')
			d++;
		else if (i < b && re[i] == ')')
			d--;
		if (i < b && !(re[i] == '|' && d == 0))
			continue;
		for (int e = 0; e <= (i >= b && opt); e++) {
			size_t from = e ? i : s; /* e: the empty alternative */
			snprintf(buf, cap, "%.*s(?:%.*s)%s", (int)a, re, (int)(i - from), re + from, re + s0);
			alts++;
			int x = scrm_re_expand(buf, limit, out);
			if (x < 0)
				goto done;
			if (x == 0) {
				if (e) {
					empty_left = 1;
				} else {
					if (kept)
						left[nleft++] = '|';
					memcpy(left + nleft, re + s, i - s);
					nleft += i - s;
					kept++;
				}
			}
		}
		if (i >= b)
			break;
		s = i + 1;
	}
	rc = kept + (size_t)empty_left < alts;
	if (rc && (kept || empty_left)) {
		char *r = malloc(cap + 4);
		if (!r) {
			rc = -ENOMEM;
			goto done;
		}
		if (kept)
			snprintf(r, cap + 4, "%.*s(?:%.*s%s)%s", (int)a, re, (int)nleft, left, empty_left ? "|" : "", re + s0);
		else
			snprintf(r, cap + 4, "%.*s%s", (int)a, re, re + s0);
		*rest = r;
	}
done:
	if (rc <= 0) {
		out->n = n0;
		out->used = u0;
	}
	free(buf);
	free(left);
	return rc;
}

int scrm_re_expand_split(const char *re, size_t limit, scrm_lits *out, char **rest)
{
	*rest = NULL;
	int rc = scrm_re_expand(re, limit, out);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	/* the top-level groups, when there is no class (which could hide a parenthesis) and
	 * no top-level '|' */
	size_t n = strlen(re), depth = 0, a = 0;
	int plain = 1;
	for (size_t i = 0; i < n && plain; i = skip1(re, i, n))
		plain = re[i] != '[' && !(re[i] == '|' && depth == 0) && !(re[i] == ')' && depth == 0) &&
			(re[i] == '(' ? depth++, 1 : re[i] == ')' ? depth--, 1 : 1);
	for (size_t i = 0; plain && !depth && i < n; i = skip1(re, i, n)) {
		if (re[i] != '(')
			continue;
		a = i;
		size_t d = 0, b = i;
		for (; b < n; b = skip1(re, b, n))
			if (re[b] == '(')
				d++;
			else if (re[b] == ')' && --d == 0)
				break;
		/* a group that repeats cannot be split; an optional one has the empty alternative */
		int opt = b + 1 < n && re[b + 1] == '?' && !(b + 2 < n && strchr("?+", re[b + 2]));
		if (!(b + 1 < n && strchr("*+{", re[b + 1])) && !(b + 1 < n && re[b + 1] == '?' && !opt)) {
			rc = split_at(re, n, a, b, opt, limit, out, rest);
			if (rc < 0)
				return rc;
			if (rc == 1)
				return 0;
		}
		i = b; /* on past this group */
	}
	return (*rest = strdup(re)) ? 0 : -ENOMEM;
}
