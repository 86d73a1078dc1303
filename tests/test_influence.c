/*
 * test_influence.c - influence parts (hand-computed from the formulas in influence.h),
 * mention extraction, and the decaying network-weight table.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "influence.h"

#define UNKNOWN INT64_MIN

/* reach from its threshold table equals the formula: every count up to 2,000,000, each
 * threshold and its neighbours, powers of ten and of two, and 2,000,000 random counts of
 * every magnitude up to 2^63. */
Test(influence, reach_table_is_the_formula)
{
	uint64_t mism = 0, n = 0;
	for (int64_t f = -5; f <= 2000000; f++, n++)
		mism += scrm_influence_reach(f) != scrm_influence_reach_formula(f);
	for (int64_t f = 1;; f = f * 10 + 1) { /* 1, 11, 111, ...: every power of ten's neighbourhood */
		for (int64_t d = -3; d <= 3; d++, n++)
			mism += scrm_influence_reach(f + d) != scrm_influence_reach_formula(f + d);
		if (f > (INT64_MAX - 1) / 10)
			break;
	}
	for (int b = 0; b < 63; b++)
		for (int64_t d = -2; d <= 2; d++, n++) {
			int64_t f = ((int64_t)1 << b) + d;
			mism += scrm_influence_reach(f) != scrm_influence_reach_formula(f);
		}
	/* the thresholds themselves: where the formula steps, the table steps too */
	for (int64_t f = 1; f < 2000000000; f += f / 64 + 1) {
		int64_t lo = f, hi = f + f / 64 + 1;
		if (scrm_influence_reach_formula(lo) == scrm_influence_reach_formula(hi))
			continue;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			if (scrm_influence_reach_formula(mid) == scrm_influence_reach_formula(lo))
				lo = mid;
			else
				hi = mid;
		}
		for (int64_t d = -2; d <= 2; d++, n++)
			mism += scrm_influence_reach(hi + d) != scrm_influence_reach_formula(hi + d);
	}
	uint64_t x = 0x9E3779B97F4A7C15u;
	for (int i = 0; i < 2000000; i++, n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t f = (int64_t)(x >> (1 + x % 63));
		mism += scrm_influence_reach(f) != scrm_influence_reach_formula(f);
	}
	cr_log_info("reach: %llu counts, %llu differ from the formula", (unsigned long long)n, (unsigned long long)mism);
	cr_assert_eq(mism, 0);
	cr_assert_eq(scrm_influence_reach(INT64_MAX), 100);
	cr_assert_eq(scrm_influence_reach(INT64_MIN), 0);
}

Test(influence, parts_and_score)
{
	/* reach = 100 log10(1 + f) / 7 */
	cr_assert_eq(scrm_influence_reach(UNKNOWN), 0);
	cr_assert_eq(scrm_influence_reach(0), 0);
	cr_assert_eq(scrm_influence_reach(9), 14);     /* log10(10)/7 = 0.1429 */
	cr_assert_eq(scrm_influence_reach(999), 43);   /* 3/7 = 0.4286 */
	cr_assert_eq(scrm_influence_reach(99999), 71); /* 5/7 = 0.7143 */
	cr_assert_eq(scrm_influence_reach(20000000), 100);
	/* engagement = 100 log10(1 + 1000 e / max(f, 100)) / 3 */
	cr_assert_eq(scrm_influence_engagement(10000, 0, 0, 0, 0), 0);
	cr_assert_eq(scrm_influence_engagement(10000, 5, 5, UNKNOWN, 0), 10); /* 1000*10/1e4 = 1: log10(2)/3 */
	cr_assert_eq(scrm_influence_engagement(10, 1, 0, 0, 0), 35);         /* base 100: log10(11)/3 = 0.347 */
	cr_assert_eq(scrm_influence_engagement(1000, 30, 0, 0, 0), 50);      /* log10(31)/3 = 0.497 */
	cr_assert_eq(scrm_influence_engagement(100, 60, 20, 10, 10), 100);   /* log10(1001)/3 > 1 */
	cr_assert_eq(scrm_influence_authority(1), 100);
	cr_assert_eq(scrm_influence_authority(0), 0);
	cr_assert_eq(scrm_influence_authority(-1), 0);
	/* network = 100 log10(1 + w) / 3 */
	cr_assert_eq(scrm_influence_network(0), 0);
	cr_assert_eq(scrm_influence_network(1), 10);
	cr_assert_eq(scrm_influence_network(9), 33);
	cr_assert_eq(scrm_influence_network(999), 100);
	/* 0.40*43 + 0.20*35 + 0.15*100 + 0.25*33 = 17.2 + 7 + 15 + 8.25 = 47.45 */
	scrm_influence inf = {0, 43, 35, 100, 33};
	scrm_influence_combine(&inf);
	cr_assert_eq(inf.score, 47);
	scrm_influence top = {0, 100, 100, 100, 100};
	scrm_influence_combine(&top);
	cr_assert_eq(top.score, 100);
}

static size_t scan(const char *t, const char *self, int reply, scrm_mention *m)
{
	return scrm_mentions_scan(t, strlen(t), "twitter", 7, self, self ? strlen(self) : 0, reply, m);
}

static uint64_t key(const char *h)
{
	return scrm_handle_key("twitter", 7, h, strlen(h));
}

Test(influence, mentions_and_their_weights)
{
	scrm_mention m[SCRM_MENTIONS_MAX];
	cr_assert_eq(key("@SkyVista"), key("skyvista")); /* '@' and case do not matter */
	cr_assert_neq(key("skyvista"), scrm_handle_key("reddit", 6, "skyvista", 8));
	/* the channel's case, and Reddit's u/, as the CRM export's identities are read (found
	 * by review: "Twitter" and "twitter", "u/kim" and "kim" were two prospects) */
	cr_assert_eq(scrm_handle_key("Twitter", 7, "Kim", 3), key("kim"));
	cr_assert_eq(scrm_handle_key("REDDIT", 6, "u/kim", 5), scrm_handle_key("reddit", 6, "kim", 3));
	cr_assert_eq(scrm_handle_key("reddit", 6, "/U/kim", 6), scrm_handle_key("reddit", 6, "kim", 3));
	cr_assert_neq(scrm_handle_key("twitter", 7, "u/kim", 5), key("kim")); /* only on Reddit */
	cr_assert_neq(scrm_handle_key("reddit", 6, "u/", 2), scrm_handle_key("reddit", 6, "", 0));

	cr_assert_eq(scan("RT @brand: big news via @partner", NULL, 0, m), 2);
	cr_assert_eq(m[0].key, key("brand"));
	cr_assert_float_eq(m[0].weight, 2.0f, 0);
	cr_assert_eq(m[1].key, key("partner"));
	cr_assert_float_eq(m[1].weight, 1.0f, 0);

	/* a reply's leading handles are whom it answers */
	cr_assert_eq(scan("@SkyVistaAir @ann still waiting, cc @bob", "carl", 1, m), 3);
	cr_assert_float_eq(m[0].weight, 1.5f, 0);
	cr_assert_float_eq(m[1].weight, 1.5f, 0);
	cr_assert_float_eq(m[2].weight, 1.0f, 0);
	cr_assert_eq(scan("@SkyVistaAir still waiting", "carl", 0, m), 1); /* not a reply */
	cr_assert_float_eq(m[0].weight, 1.0f, 0);

	/* not mentions: an e-mail address, a 16-character run, the author herself, "@" alone */
	cr_assert_eq(scan("mail me at ann@example.com or @abcdefghijklmnop or @Carl or @ !", "carl", 0, m), 0);
	/* duplicates count once, with the larger weight */
	cr_assert_eq(scan("@ann hi @ANN", NULL, 1, m), 1);
	cr_assert_float_eq(m[0].weight, 1.5f, 0);
	/* at most SCRM_MENTIONS_MAX */
	cr_assert_eq(scan("@a1 @a2 @a3 @a4 @a5 @a6 @a7 @a8 @a9 @a10", NULL, 0, m), SCRM_MENTIONS_MAX);
	cr_assert_eq(scan("", NULL, 0, m), 0);
}

Test(influence, network_weights_decay_and_are_bounded)
{
	scrm_nettab *t = scrm_nettab_create(100);
	cr_assert_not_null(t);
	const int64_t day = SCRM_NET_HALF_LIFE_MS;
	uint64_t k = key("brand");
	cr_assert_float_eq(scrm_nettab_weight(t, k, 0), 0.0, 0);
	scrm_nettab_add(t, k, 0, 2.0);
	scrm_nettab_add(t, k, 0, 2.0);
	cr_assert_float_eq(scrm_nettab_weight(t, k, 0), 4.0, 1e-12);
	cr_assert_float_eq(scrm_nettab_weight(t, k, day), 2.0, 1e-12);   /* one half-life */
	cr_assert_float_eq(scrm_nettab_weight(t, k, 2 * day), 1.0, 1e-12);
	scrm_nettab_add(t, k, day, 1.0);                                  /* 2 + 1 at day */
	cr_assert_float_eq(scrm_nettab_weight(t, k, day), 3.0, 1e-12);
	scrm_nettab_add(t, k, 0, 1.0);                                    /* late: counts at day */
	cr_assert_float_eq(scrm_nettab_weight(t, k, day), 4.0, 1e-12);
	/* mentions without a time (the caller's INT64_MIN / 2) count as at the newest: whole
	 * at the first timed read, then decaying from the first timed one (found by review:
	 * they had decayed to nothing) */
	uint64_t u = key("untimed");
	scrm_nettab_add(t, u, INT64_MIN / 2, 1.0);
	scrm_nettab_add(t, u, INT64_MIN / 2, 1.0);
	cr_assert_float_eq(scrm_nettab_weight(t, u, 5 * day), 2.0, 1e-12);
	scrm_nettab_add(t, u, 5 * day, 1.0);
	cr_assert_float_eq(scrm_nettab_weight(t, u, 6 * day), 1.5, 1e-12);
	scrm_nettab_free(t);

	/* 64 slots = 16 sets of 4: a fifth key in one set evicts the one updated longest ago */
	t = scrm_nettab_create(64);
	for (uint64_t i = 0; i < 5; i++)
		scrm_nettab_add(t, (i << 20) | 1, (int64_t)i, 1.0);
	cr_assert_float_eq(scrm_nettab_weight(t, (0ull << 20) | 1, 10), 0.0, 0);
	cr_assert_gt(scrm_nettab_weight(t, (4ull << 20) | 1, 10), 0.99);
	scrm_nettab_free(t);
	scrm_nettab_free(NULL);
}
