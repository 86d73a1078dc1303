/*
 * utf8.h - strict UTF-8 validation shared by the modules that must tell valid text from
 * bytes (rejects, lexicon files). Strict: no overlong forms, no UTF-16 surrogates, nothing
 * above U+10FFFF. Pure functions, any thread.
 */
#ifndef SCRM_UTF8_H
#define SCRM_UTF8_H

#include <stddef.h>

/* Length of the longest valid UTF-8 prefix of s[0..n). Equals n iff s is valid. */
size_t scrm_utf8_valid_prefix(const unsigned char *s, size_t n);

#endif
