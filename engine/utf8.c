/* utf8.c - strict UTF-8 validation (see utf8.h). */
#include "utf8.h"

size_t scrm_utf8_char(const unsigned char *s, size_t n)
{
	if (!n)
		return 0;
	unsigned c = s[0], need, lo = 0x80, hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (n <= need || s[1] < lo || s[1] > hi)
		return 0;
	for (unsigned k = 2; k <= need; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	return need + 1;
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
