/*
 * bitruns.h - the runs of 0 bits in a bitmap, in order: the words of a text whose
 * separator bytes were marked 16 or 64 at a time (bit i of w[i / 64] set: byte i
 * separates). The tokenizers of vader.c and spam.c walk their bitmaps with it.
 *
 * The bitmap must have every bit from the text's end on set (a sentinel), so that each
 * run ends inside it.
 */
#ifndef SCRM_BITRUNS_H
#define SCRM_BITRUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct scrm_bitruns {
	const uint64_t *w;
	size_t nw, wi;
	uint64_t cur; /* the 0 bits of w[wi] not visited yet */
} scrm_bitruns;

static inline void scrm_bitruns_init(scrm_bitruns *r, const uint64_t *w, size_t nw)
{
	r->w = w;
	r->nw = nw;
	r->wi = 0;
	r->cur = ~w[0];
}

/* The next run [*start, *stop) of 0 bits; false when there is none. */
static inline bool scrm_bitruns_next(scrm_bitruns *r, size_t *start, size_t *stop)
{
	while (!r->cur) {
		if (++r->wi == r->nw)
			return false;
		r->cur = ~r->w[r->wi];
	}
	size_t a = r->wi * 64 + (size_t)__builtin_ctzll(r->cur);
	uint64_t e = r->w[r->wi] & (~UINT64_C(0) << (a & 63)); /* the run ends at the next 1 */
	while (!e)
		e = r->w[++r->wi];
	size_t b = r->wi * 64 + (size_t)__builtin_ctzll(e);
	r->cur = ~r->w[r->wi] & (~UINT64_C(0) << (b & 63));
	*start = a;
	*stop = b;
	return true;
}

#endif
