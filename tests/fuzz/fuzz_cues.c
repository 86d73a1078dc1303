/*
 * fuzz_cues.c - libFuzzer target, differential: the `cues` matcher (clf_cues.c: the lists
 * written out as literals with their \b's checked in the callback, '?' found by memchr(),
 * the regex parts scanned alone where a gate literal was found) against Hyperscan's
 * leftmost start of match on the lists as written (cues_patterns.h), on any bytes.
 *
 * Invariant (a violation traps): the same matches, list, start and end, in the same order
 * (by end, then list, then start; one per list and end, the leftmost).
 *   make fuzz && build-fuzz/fuzz/fuzz_cues -max_total_time=60 CORPUS_DIR
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cues_patterns.h" /* the lists as written: the reference */
#include "fuzz.h"

enum { MAX_MATCHES = 4096 };

static struct {
	scrm_cues *cues;
	hs_database_t *ref;
	hs_scratch_t *scratch;
	scrm_cue_match want[MAX_MATCHES], got[MAX_MATCHES];
	size_t n;
} g;

static void init(void)
{
	char err[256];
	CHECK(scrm_cues_create(&g.cues, err, sizeof err) == 0);
	hs_compile_error_t *ce = NULL;
	CHECK(cues_compile_reference(&g.ref, &ce) == HS_SUCCESS);
	CHECK(hs_alloc_scratch(g.ref, &g.scratch) == HS_SUCCESS);
}

static int on_ref(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
	(void)fl;
	(void)ctx;
	CHECK(g.n < MAX_MATCHES);
	g.want[g.n++] = (scrm_cue_match){id, (uint32_t)from, (uint32_t)to};
	return 0;
}

/* Insertion sort by end, list, start (the matcher's order). */
static void sort_want(void)
{
	for (size_t i = 1; i < g.n; i++) {
		scrm_cue_match t = g.want[i];
		size_t j = i;
		for (; j && (g.want[j - 1].to > t.to || (g.want[j - 1].to == t.to && (g.want[j - 1].list > t.list ||
				(g.want[j - 1].list == t.list && g.want[j - 1].from > t.from)))); j--)
			g.want[j] = g.want[j - 1];
		g.want[j] = t;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g.cues)
		init();
	if (size > 2048)
		return 0; /* match counts grow with the text; 2 KB is many tweets */
	const char *text = (const char *)data;
	g.n = 0;
	if (size)
		CHECK(hs_scan(g.ref, text, (unsigned)size, 0, g.scratch, on_ref, NULL) == HS_SUCCESS);
	sort_want();
	long k = scrm_cues_matches(g.cues, text, size, g.got, MAX_MATCHES);
	CHECK(k >= 0 && (size_t)k == g.n);
	CHECK(!g.n || !memcmp(g.got, g.want, g.n * sizeof *g.got));
	return 0;
}
