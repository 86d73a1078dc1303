/*
 * utf8.h - strict UTF-8 validation shared by the modules that must tell valid text from
 * bytes (rejects, lexicon files). Strict: no overlong forms, no UTF-16 surrogates, nothing
 * above U+10FFFF. Pure functions, any thread.
 */
#ifndef SCRM_UTF8_H
#define SCRM_UTF8_H

#include <stddef.h>

#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Length of the longest valid UTF-8 prefix of s[0..n). Equals n iff s is valid. */
size_t scrm_utf8_valid_prefix(const unsigned char *s, size_t n);

/* Bytes of the valid UTF-8 character at s (n available, n may be 0), or 0 if none starts
 * there. */
size_t scrm_utf8_char(const unsigned char *s, size_t n);

/* The sequence at s (n >= 1 available): the bytes of the valid character there (*valid
 * 1), or of the maximal subpart of an ill-formed one (*valid 0; at least 1: its lead byte
 * and the continuation bytes that could still have followed it), which a repair replaces
 * with one U+FFFD (Unicode ch. 3 "substitution of maximal subparts", errors="replace"). */
size_t scrm_utf8_step(const unsigned char *s, size_t n, int *valid);

/* 3 if s[0..n) starts with a UTF-8 byte-order mark (a file saved on Windows), else 0:
 * the bytes a reader skips. */
static inline size_t scrm_utf8_bom(const char *s, size_t n)
{
	return n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

#ifdef __cplusplus
}
#endif

#endif
