/*
 * fuzz_re_boundary.c - libFuzzer target for re_boundary.h, the reading of a regex that
 * decides whether its first or last \b may be checked outside Hyperscan.
 *
 * Input: a regex (any bytes). Checks: the readers stay inside the regex (ASan: it is
 * copied into a buffer of exactly its size); and where a reader says yes and Hyperscan
 * compiles both forms, the stripped regex plus the boundary check finds exactly the match
 * ends Hyperscan finds with the regex as written, on the input's own bytes and a few
 * texts made from them. The first \b is taken off only where the rest has a fixed width,
 * as topics.c does (regex_width).
 */
#include <hs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "re_boundary.h"
#include "fuzz.h"

enum { MAX_RE = 48, MAX_TEXT = 64 };

struct ends {
	uint64_t bits[2]; /* match end e (0..MAX_TEXT) sets bit e */
};

static int on_end(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
	(void)id, (void)from, (void)fl;
	struct ends *e = ctx;
	e->bits[to >> 6] |= UINT64_C(1) << (to & 63);
	return 0;
}

static bool compile(const char *re, hs_database_t **db)
{
	hs_compile_error_t *ce = NULL;
	if (hs_compile(re, HS_FLAG_UTF8, HS_MODE_BLOCK, NULL, db, &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
		return false;
	}
	return true;
}

/* Whether Hyperscan reads re as matching at least one byte; with width, whether it
 * matches a fixed number of bytes (into *width, at most MAX_TEXT). */
static bool min_max(const char *re, unsigned *width)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *ce = NULL;
	bool ok = false;
	if (hs_expression_info(re, HS_FLAG_UTF8, &info, &ce) == HS_SUCCESS) {
		ok = info->min_width > 0;
		if (width) {
			ok = ok && info->min_width == info->max_width && info->max_width <= MAX_TEXT;
			*width = info->min_width;
		}
	}
	hs_free_compile_error(ce);
	free(info);
	return ok;
}

static struct ends scan(hs_database_t *db, const char *text, size_t n)
{
	struct ends e = {{0, 0}};
	hs_scratch_t *s = NULL;
	CHECK(hs_alloc_scratch(db, &s) == HS_SUCCESS);
	hs_scan(db, text, (unsigned)n, 0, s, on_end, &e);
	hs_free_scratch(s);
	return e;
}

/* The ends of `cut` (the regex less its first and/or last \b) that pass the checks. */
static struct ends filtered(hs_database_t *cut, const char *text, size_t n, bool lead, unsigned width, bool trail)
{
	struct ends raw = scan(cut, text, n), out = {{0, 0}};
	for (size_t to = 0; to <= n; to++) {
		if (!(raw.bits[to >> 6] >> (to & 63) & 1))
			continue;
		if (trail && !scrm_re_boundary_at(text, n, to))
			continue;
		if (lead && !scrm_re_boundary_at(text, n, to - width))
			continue;
		out.bits[to >> 6] |= UINT64_C(1) << (to & 63);
	}
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *re = malloc(size ? size : 1);
	CHECK(re != NULL);
	memcpy(re, data, size);
	/* as topics.c reads it: the last \b first, then the first \b of what is left */
	bool trail = scrm_re_trailing_boundary(re, size);
	size_t b = trail ? size - 2 : size;
	bool lead = scrm_re_leading_boundary(re, b);
	free(re);
	if (trail)
		CHECK(size >= 3 && data[size - 1] == 'b' && data[size - 2] == '\\');
	if (lead)
		CHECK(b >= 3 && data[0] == '\\' && data[1] == 'b' && !memchr("?*+{", data[2], 4));
	if (size > MAX_RE || memchr(data, 0, size) || !(lead || trail))
		return 0;

	char full[MAX_RE + 1], cut[MAX_RE + 1];
	memcpy(full, data, size);
	full[size] = 0;
	size_t a = lead ? 2 : 0;
	memcpy(cut, full + a, b - a);
	cut[b - a] = 0;
	hs_database_t *dfull = NULL, *dcut = NULL;
	if (!compile(full, &dfull))
		return 0;
	/* topics.c takes a \b off only where the rest still matches at least one byte
	 * (the last) or a fixed number of bytes (the first): other inputs test nothing */
	unsigned width = 0;
	if (trail) {
		char tcut[MAX_RE + 1];
		memcpy(tcut, full, b);
		tcut[b] = 0;
		if (!min_max(tcut, NULL) || (lead && !min_max(cut, &width)))
			goto out;
	} else if (!min_max(cut, &width)) {
		goto out;
	}
	if (!compile(cut, &dcut))
		goto out;
	/* texts: the regex's own bytes, and them with spaces and word bytes around */
	char texts[4][MAX_TEXT + 1];
	size_t tn[4];
	size_t k = size < MAX_TEXT - 4 ? size : MAX_TEXT - 4;
	memcpy(texts[0], data, k), tn[0] = k;
	texts[1][0] = ' ', memcpy(texts[1] + 1, data, k), texts[1][k + 1] = ' ', tn[1] = k + 2;
	texts[2][0] = 'a', memcpy(texts[2] + 1, data, k), texts[2][k + 1] = '_', tn[2] = k + 2;
	memcpy(texts[3], "ab 12 _x- SV123456 ", 19), tn[3] = 19;
	for (int i = 0; i < 4; i++) {
		struct ends want = scan(dfull, texts[i], tn[i]);
		struct ends got = filtered(dcut, texts[i], tn[i], lead, width, trail);
		CHECK(want.bits[0] == got.bits[0] && want.bits[1] == got.bits[1]);
	}
out:
	hs_free_database(dfull);
	hs_free_database(dcut);
	return 0;
}
