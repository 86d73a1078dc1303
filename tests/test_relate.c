/*
 * test_relate.c - the relate stage's customer table (engine/relate.c): what it keeps,
 * and what it forgets to stay within its limit.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relate.h"

#define HOUR (3600 * 1000LL)

/* The state of @key if the table holds it (a look that inserts nothing). */
static const scrm_cust_state *find(const scrm_custtab *t, uint64_t key)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key == key)
			return &t->slots[i];
	return NULL;
}

/* One interaction of @key at @ts_ms; returns her interaction count. */
static uint32_t touch(scrm_custtab *t, uint64_t key, int64_t ts_ms)
{
	scrm_cust_state *s = scrm_custtab_get(t, key);
	cr_assert_not_null(s);
	cr_assert_eq(s->key, key);
	scrm_cust_update u = {.ts_ms = ts_ms, .intent = -1};
	scrm_cust_view v;
	scrm_cust_state_add(s, &u, &v);
	return s->interactions;
}

Test(relate, custtab_without_limit_keeps_everyone)
{
	scrm_custtab t;
	cr_assert_eq(scrm_custtab_init(&t, 64, 0), 0);
	for (uint64_t k = 1; k <= 20000; k++)
		touch(&t, k * 7919, (int64_t)k * HOUR);
	for (uint64_t k = 1; k <= 20000; k++)
		cr_assert_eq(touch(&t, k * 7919, 20001 * HOUR), 2, "customer %lu", (unsigned long)k);
	cr_assert_eq(t.used, 20000);
	cr_assert_eq(t.forgotten, 0);
	scrm_custtab_free(&t);
}

/* A full table forgets its least recently active quarter; a customer seen again lately
 * stays, and one forgotten starts again. */
Test(relate, custtab_forgets_the_least_recently_active_quarter)
{
	scrm_custtab t;
	cr_assert_eq(scrm_custtab_init(&t, 4, 16), 0);
	for (uint64_t k = 1; k <= 16; k++) /* key k active at 4k hours: one bucket each */
		touch(&t, k, (int64_t)k * 4 * HOUR);
	cr_assert_eq(touch(&t, 3, 100 * HOUR), 2); /* key 3 again, lately */
	cr_assert_eq(t.used, 16);
	cr_assert_eq(t.forgotten, 0);
	touch(&t, 99, 101 * HOUR); /* the 17th: keys 1, 2, 4 and 5 go */
	cr_assert_eq(t.forgotten, 4);
	cr_assert_eq(t.forgotten_recent, 0); /* their last words: 80 h and more before key 3's */
	cr_assert_eq(t.used, 13);
	const uint64_t gone[] = {1, 2, 4, 5};
	for (size_t i = 0; i < 4; i++)
		cr_assert_null(find(&t, gone[i]), "key %lu kept", (unsigned long)gone[i]);
	for (uint64_t k = 6; k <= 16; k++)
		cr_assert_not_null(find(&t, k));
	cr_assert_eq(find(&t, 3)->interactions, 2);
	cr_assert_eq(touch(&t, 1, 102 * HOUR), 1); /* back: a new state */
	scrm_custtab_free(&t);
}

/* Forgetting customers who wrote in the last 24 h (counted by the table's newest 4-hour
 * bucket) is counted apart: their windows restart before they would have emptied. */
Test(relate, custtab_counts_customers_forgotten_within_a_day)
{
	scrm_custtab t;
	cr_assert_eq(scrm_custtab_init(&t, 4, 8), 0);
	/* keys 1-4 two days before, keys 5-8 within the last day (the newest at 100 h) */
	for (uint64_t k = 1; k <= 4; k++)
		touch(&t, k, (int64_t)(40 + k) * HOUR);
	for (uint64_t k = 5; k <= 8; k++)
		touch(&t, k, (int64_t)(76 + 6 * (k - 5)) * HOUR); /* 76, 82, 88, 94 h */
	touch(&t, 8, 100 * HOUR);
	touch(&t, 9, 100 * HOUR); /* full: forgets a quarter, keys 1 and 2, two days old */
	cr_assert_eq(t.forgotten, 2);
	cr_assert_eq(t.forgotten_recent, 0);
	touch(&t, 10, 100 * HOUR);
	touch(&t, 11, 100 * HOUR); /* full again: keys 3 and 4, still old */
	cr_assert_eq(t.forgotten, 4);
	cr_assert_eq(t.forgotten_recent, 0);
	touch(&t, 12, 100 * HOUR);
	touch(&t, 13, 100 * HOUR); /* keys 5 (76 h, bucket 19) and 6 (82 h, bucket 20) */
	cr_assert_eq(t.forgotten, 6);
	/* the newest bucket is 25 (100 h): buckets 20-25 are its 24 h, so key 6 is recent
	 * and key 5, 24 h before it to the bucket, is not */
	cr_assert_eq(t.forgotten_recent, 1);
	cr_assert_null(find(&t, 5));
	cr_assert_null(find(&t, 6));
	scrm_custtab_free(&t);
}

/* The message that makes the table forget counts as the partition's newest (found by
 * review: the table's own newest was used, so a message days after everyone in it
 * counted customers of the day before it as recent). */
Test(relate, custtab_forgotten_recent_counts_from_the_message_that_forgets)
{
	scrm_custtab t;
	cr_assert_eq(scrm_custtab_init(&t, 4, 4), 0);
	for (uint64_t k = 1; k <= 4; k++)
		touch(&t, k, (int64_t)k * HOUR); /* hours 1-4 */
	scrm_cust_state *s = scrm_custtab_get_at(&t, 5, 200 * HOUR); /* days later: forgets key 1 */
	cr_assert_not_null(s);
	cr_assert_eq(t.forgotten, 1);
	cr_assert_eq(t.forgotten_recent, 0);
	cr_assert_null(find(&t, 1));
	scrm_custtab_free(&t);
	/* ... as the table's newest did where it was the newer: key 1 is within its 24 h */
	cr_assert_eq(scrm_custtab_init(&t, 4, 4), 0);
	for (uint64_t k = 1; k <= 4; k++)
		touch(&t, k, (int64_t)k * HOUR);
	cr_assert_not_null(scrm_custtab_get_at(&t, 5, 0));
	cr_assert_eq(t.forgotten, 1);
	cr_assert_eq(t.forgotten_recent, 1);
	scrm_custtab_free(&t);
}

/* Customers with an open case are forgotten last; in one bucket, by key. */
Test(relate, custtab_keeps_open_cases_and_breaks_ties_by_key)
{
	scrm_custtab t;
	cr_assert_eq(scrm_custtab_init(&t, 4, 8), 0);
	touch(&t, 500, 1 * HOUR);
	scrm_custtab_get(&t, 500)->case_open = 1; /* the oldest, but her case is open */
	for (uint64_t k = 10; k < 17; k++)
		touch(&t, k, 50 * HOUR); /* seven in one bucket */
	touch(&t, 1000, 51 * HOUR); /* the 9th: two go, the smallest keys of the bucket */
	cr_assert_eq(t.forgotten, 2);
	cr_assert_not_null(find(&t, 500));
	cr_assert_null(find(&t, 10));
	cr_assert_null(find(&t, 11));
	for (uint64_t k = 12; k < 17; k++)
		cr_assert_not_null(find(&t, k));
	scrm_custtab_free(&t);
}

/* The reference: the same policy on a plain array. */
struct ref_cust {
	uint64_t key;
	int32_t hb;
	uint8_t open;
	uint32_t n;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct ref_cust *x = a, *y = b;
	if (x->open != y->open)
		return x->open < y->open ? -1 : 1;
	if (x->hb != y->hb)
		return x->hb < y->hb ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Random keys, times (mostly forward, sometimes late) and open cases against the
 * reference: the same customers kept with the same counts after every step, never
 * more than the limit. */
Test(relate, custtab_matches_a_reference_under_random_load)
{
	const size_t max[] = {1, 2, 7, 64, 1000};
	for (size_t m = 0; m < sizeof max / sizeof max[0]; m++) {
		scrm_custtab t;
		cr_assert_eq(scrm_custtab_init(&t, 16, max[m]), 0);
		struct ref_cust *ref = calloc(max[m] + 1, sizeof *ref);
		size_t nref = 0;
		uint64_t forgotten = 0, x = 0x9E3779B97F4A7C15ull + m;
		int64_t now = 0;
		for (int step = 0; step < 20000; step++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			uint64_t key = 1 + x % (3 * max[m] + 5);
			now += (int64_t)(x >> 40 & 3) * HOUR;
			int64_t ts = (x >> 50 & 15) == 0 ? now - 30 * HOUR : now; /* now and then a late one */
			size_t i = 0;
			while (i < nref && ref[i].key != key)
				i++;
			if (i == nref) { /* a new customer: room first */
				if (nref == max[m]) {
					qsort(ref, nref, sizeof *ref, ref_cmp);
					size_t k = nref / 4 ? nref / 4 : 1;
					memmove(ref, ref + k, (nref - k) * sizeof *ref);
					nref -= k;
					forgotten += k;
				}
				ref[nref++] = (struct ref_cust){key, INT32_MIN, 0, 0};
				i = nref - 1;
			}
			uint32_t n = touch(&t, key, ts);
			const scrm_cust_state *s = find(&t, key);
			ref[i].n++;
			ref[i].hb = s->hbucket; /* the bucket rule itself is relate.c's (tested in e2e) */
			if ((x >> 60) == 0) /* open or close her case */
				scrm_custtab_get(&t, key)->case_open = ref[i].open = !ref[i].open;
			cr_assert_eq(n, ref[i].n, "max %zu step %d key %lu", max[m], step, (unsigned long)key);
			cr_assert_eq(t.used, nref);
			cr_assert_leq(t.used, max[m]);
			cr_assert_eq(t.forgotten, forgotten);
		}
		for (size_t i = 0; i < nref; i++) {
			const scrm_cust_state *s = find(&t, ref[i].key);
			cr_assert_not_null(s);
			cr_assert_eq(s->interactions, ref[i].n);
		}
		free(ref);
		scrm_custtab_free(&t);
	}
}

/* The probe array (keys[]) mirrors the states' keys through growth, forgetting and the
 * moves removal makes in a cluster: every kept customer is found by her key with her
 * own count, and the prefetch calls (any key) change nothing. 2,000 keys at random
 * through a table of at most 300: it forgets a quarter about every 75 new keys. */
Test(relate, custtab_keys_follow_the_states)
{
	scrm_custtab t;
	cr_assert_eq(scrm_custtab_init(&t, 4, 300), 0);
	uint32_t count[2000] = {0};
	uint64_t x = 88172645463325252ull;
	for (int step = 0; step < 40000; step++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t k = 1 + x % 2000;
		scrm_custtab_prefetch(&t, k * 0x10000);
		scrm_custtab_prefetch_state(&t, k * 0x10000);
		size_t forgotten = t.forgotten;
		const scrm_cust_state *had = find(&t, k * 0x10000);
		uint32_t n = touch(&t, k * 0x10000, (int64_t)step * HOUR / 8);
		count[k - 1] = had ? count[k - 1] + 1 : 1;
		cr_assert_eq(n, count[k - 1], "step %d key %lu", step, (unsigned long)k);
		if (t.forgotten != forgotten || step % 997 == 0) {
			size_t used = 0;
			for (size_t i = 0; i < t.cap; i++) {
				cr_assert_eq(t.keys[i], t.slots[i].key, "slot %zu", i);
				used += t.keys[i] != 0;
			}
			cr_assert_eq(used, t.used);
		}
	}
	cr_assert_gt(t.forgotten, 1000);
	scrm_custtab_free(&t);
}

/* The windows count by event time, whatever the order the records come in. */
static scrm_cust_view add_at(scrm_cust_state *s, int64_t ts_ms, int intent)
{
	scrm_cust_update u = {.ts_ms = ts_ms, .intent = intent, .channel_bit = 1};
	scrm_cust_view v;
	scrm_cust_state_add(s, &u, &v);
	return v;
}

Test(relate, windows_by_event_time)
{
	scrm_custtab tab, *t = &tab;
	cr_assert_eq(scrm_custtab_init(t, 64, 0), 0);
	const int64_t jan1 = 1767225600000LL, day = 24 * HOUR; /* 2026-01-01T00:00:00Z */
	const int64_t U = SCRM_UNKNOWN_INT;
	/* a first message without a time stays in her windows when a timed one follows */
	scrm_cust_state *a = scrm_custtab_get(t, 1);
	cr_assert_eq(add_at(a, U, -1).interactions_24h, 1);
	cr_assert_eq(add_at(a, jan1 + 10 * HOUR, -1).interactions_24h, 2);
	cr_assert_eq(add_at(a, U, -1).interactions_24h, 3);
	/* older calls read after a later tweet: only what the windows hold by event time */
	scrm_cust_state *b = scrm_custtab_get(t, 2);
	scrm_cust_view v = add_at(b, jan1 + 9 * day, 0);
	cr_assert(v.interactions_24h == 1 && v.interactions_7d == 1 && v.intents_24h[0] == 1);
	for (int k = 0; k < 3; k++) {
		v = add_at(b, jan1 + k * day, 0);
		cr_assert(v.interactions_24h == 1 && v.interactions_7d == 1 && v.intents_24h[0] == 1, "day %d: %u %u", k,
			  v.interactions_24h, v.interactions_7d);
	}
	v = add_at(b, jan1 + 9 * day - 6 * HOUR, 0); /* 6 h earlier: in both windows */
	cr_assert(v.interactions_24h == 2 && v.interactions_7d == 2 && v.intents_24h[0] == 2);
	v = add_at(b, jan1 + 5 * day, 0); /* 4 days earlier: in the 7 days only */
	cr_assert(v.interactions_24h == 2 && v.interactions_7d == 3);
	cr_assert_eq(b->interactions, 6);
	/* a brand's reply days later reads the windows as they stand then */
	scrm_cust_state *c = scrm_custtab_get(t, 3);
	for (int k = 0; k < 3; k++)
		add_at(c, jan1 + k * HOUR, 1);
	scrm_cust_state_view_at(c, jan1 + 9 * day, &v);
	cr_assert(v.interactions_24h == 0 && v.interactions_7d == 0 && v.intents_24h[1] == 0);
	scrm_cust_state_view_at(c, jan1 - day, &v); /* an earlier time leaves them */
	cr_assert_eq(v.interactions_7d, 0);
	scrm_custtab_free(t);
}
