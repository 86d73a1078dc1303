/*
 * re_boundary.h - is a regex's final \b a word boundary at the end of every match?
 *
 * Hyperscan scans a database much slower when one of its regexes ends in \b and also has
 * a \b elsewhere: /\b(SV|NW|FB|ST|CW|KM)[0-9]{6}\b/ added 30% to the scan of
 * bench/rules-bench.scrm's 657 patterns, and the `cues` classifier's 38 such phrase lists
 * cost it 18% (callgrind, Hyperscan's instructions per generated text). A regex R\b
 * matches at an end E exactly where R matches at E and E is a word boundary, so the
 * callers compile R and check the boundary at the end of each match instead (Hyperscan's
 * \w without UCP is ASCII [0-9A-Za-z_]; the text's edges count as non-word). That holds
 * when the final \b belongs to the whole regex: it is outside any group, class or
 * top-level alternative. Only what is plainly so is accepted: no (?...) construct other
 * than a (?:...) group (inline options such as (?x) could make it a comment), no \Q, \E
 * or \c (their next bytes are not what they seem: [\E]...] keeps the class open), no '['
 * inside a class ([[:digit:]...]: the ']' of a POSIX class does not end the class).
 */
#ifndef SCRM_RE_BOUNDARY_H
#define SCRM_RE_BOUNDARY_H

#include <stdbool.h>
#include <stddef.h>

/* Is s[0, n) plainly one whole regex: every group closed, no class left open, no
 * top-level alternative, and none of the constructs named above? */
static inline bool scrm_re_plain(const char *s, size_t n)
{
	int depth = 0;
	bool in_class = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\') {
			if (i + 1 >= n || s[i + 1] == 'Q' || s[i + 1] == 'E' || s[i + 1] == 'c')
				return false;
			i++;
			continue;
		}
		if (in_class) {
			if (c == '[')
				return false; /* [[:digit:]...]: its ']' does not end the class */
			if (c == ']')
				in_class = false;
			continue;
		}
		if (c == '[') {
			in_class = true;
			/* a ']' first in the class (after an optional '^') is a literal */
			if (i + 1 < n && s[i + 1] == '^')
				i++;
			if (i + 1 < n && s[i + 1] == ']')
				i++;
		} else if (c == '(') {
			if (i + 1 < n && s[i + 1] == '?' && (i + 2 >= n || s[i + 2] != ':'))
				return false;
			depth++;
		} else if (c == ')') {
			if (--depth < 0)
				return false;
		} else if (c == '|' && depth == 0) {
			return false;
		}
	}
	return !in_class && depth == 0;
}

static inline bool scrm_re_trailing_boundary(const char *s, size_t len)
{
	if (len < 3 || s[len - 1] != 'b')
		return false;
	size_t k = 0; /* backslashes right before the final 'b' */
	while (k < len - 1 && s[len - 2 - k] == '\\')
		k++;
	return k % 2 == 1 && scrm_re_plain(s, len - 2);
}

/*
 * The same for a first \b: \bR matches s[S, E) exactly where R does and S is a word
 * boundary. The callers use it only where R matches a fixed number of bytes (Hyperscan's
 * hs_expression_info: min_width == max_width), so that S is E minus that width without
 * start-of-match reporting. /\b(SV|NW|FB|ST|CW|KM)[0-9]{6}/ cost 8% of the topics scan
 * of bench/rules-bench.scrm on real texts with its \b, measured here.
 */
static inline bool scrm_re_leading_boundary(const char *s, size_t len)
{
	if (len < 3 || s[0] != '\\' || s[1] != 'b')
		return false;
	char q = s[2]; /* a quantifier would apply to the \b */
	return q != '?' && q != '*' && q != '+' && q != '{' && scrm_re_plain(s + 2, len - 2);
}

/* Hyperscan's \w without UCP at text[i]: ASCII [0-9A-Za-z_]; beyond the text is not */
static inline bool scrm_re_word_at(const char *text, size_t len, size_t i)
{
	unsigned char c = i < len ? (unsigned char)text[i] : 0;
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

/* Is text[to] (to <= len; the edges count as non-word) a word boundary? */
static inline bool scrm_re_boundary_at(const char *text, size_t len, size_t to)
{
	return scrm_re_word_at(text, len, to - 1) != scrm_re_word_at(text, len, to);
}

#endif
