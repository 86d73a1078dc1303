/*
 * cues_expand.h - a regular expression of the cue lists' kind, written out as the finite
 * set of literals it matches, so that Hyperscan can scan for them without start-of-match
 * tracking: a literal's start is its end minus its length.
 *
 * Why: the `cues` classifier needs where each cue starts (explanations quote the words;
 * its rules compare spans). Hyperscan's leftmost start of match made the 49 phrase lists
 * a database that scanned about 1.6x slower than the same lists as ~2,100 literals
 * without it (cues_patterns.h has the figures).
 *
 * What expands: bytes (UTF-8 bytes stand for themselves; ASCII letters in any case, as
 * the lists are compiled caseless), escaped punctuation (\? \( \) \. and the like),
 * groups `(...)` and `(?:...)` with `|`, the `?` quantifier after a byte or a group, and
 * \b at a literal's start or end (which the caller checks in its match callback, as
 * re_boundary.h does for a final \b). Anything else (\w, \d, ., classes, +, *, {m,n},
 * anchors, a \b between two bytes of a literal) is not finite or not plainly so: the
 * regex, or the alternatives of its one top-level group that contain it, stay a regex.
 *
 * Dependencies: libc only.
 */
#ifndef SCRM_CUES_EXPAND_H
#define SCRM_CUES_EXPAND_H

#include <stddef.h>
#include <stdint.h>

#define SCRM_LIT_MAX 96 /* longest literal; a longer one leaves its regex unexpanded */

/* One literal: len bytes at pool + off (ASCII letters lower-cased); lead/trail: a \b
 * before/after it. */
typedef struct scrm_lit {
	uint32_t off;
	uint8_t len, lead, trail;
} scrm_lit;

typedef struct scrm_lits {
	scrm_lit *v;
	size_t n, cap;
	char *pool;
	size_t used, room;
} scrm_lits;

void scrm_lits_free(scrm_lits *l);

/*
 * scrm_re_expand() - append the literals regex @re matches to *@out, each once (the same
 * bytes, case aside, with the same \b flags). At most @limit literals for this regex.
 * Return: 1 expanded; 0 not expandable (nothing appended); -ENOMEM.
 */
int scrm_re_expand(const char *re, size_t limit, scrm_lits *out);

/*
 * scrm_re_expand_split() - as scrm_re_expand(), and when the whole regex does not
 * expand but has the form P(A1|...|An)S (one top-level group, P and S expandable and
 * without groups), expand each P(?:Ai)S that does; the rest, P(?:Aj|...|Ak)S of the
 * alternatives that do not (or @re itself), goes to *@rest (malloc'd; NULL when all of
 * it expanded). Return: 0, or -ENOMEM (then *@rest is NULL and *@out as it was).
 */
int scrm_re_expand_split(const char *re, size_t limit, scrm_lits *out, char **rest);

#endif
