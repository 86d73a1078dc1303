/* utf8.c - strict UTF-8 validation (see utf8.h). */
#include "utf8.h"

size_t scrm_utf8_step(const unsigned char *s, size_t n, int *valid)
{
	unsigned c = s[0], need, lo = 0x80, hi = 0xBF;
	if (c < 0x80) {
		*valid = 1;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		need = 0; /* 80..C1, F5..FF never start a sequence */
	unsigned k = 0;
	for (; k < need && 1 + k < n; k++)
		if (s[1 + k] < (k ? 0x80u : lo) || s[1 + k] > (k ? 0xBFu : hi))
			break;
	*valid = need && k == need;
	return 1 + k;
}

size_t scrm_utf8_char(const unsigned char *s, size_t n)
{
	int valid;
	size_t len = n ? scrm_utf8_step(s, n, &valid) : 0;
	return len && valid ? len : 0;
}

size_t scrm_utf8_valid_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = scrm_utf8_char(s + i, n - i);
		if (!l)
			return i;
		i += l;
	}
	return n;
}
