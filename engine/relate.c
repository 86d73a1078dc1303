/* relate.c - customer keys and per-partition customer state (see relate.h). */
#include "relate.h"

#include "customers.h"
#include "influence.h"
#include "swar.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <xxhash.h>

uint64_t scrm_customer_hash(const scrm_record *r, const scrm_buf *arena)
{
	char buf[320];
	size_t n = 0;
	if (scrm_str_present(r->channel)) /* in any case, as scrm_handle_key() */
		n = scrm_channel_lower(scrm_str_ptr(arena, r->channel), r->channel.len, buf);
	buf[n++] = ':';
	scrm_str who = r->author_handle;
	char tag = 'h';
	if (scrm_str_present(who) && who.len > 0)
		/* the same key as a mention of the handle (influence.h) */
		return scrm_handle_key(scrm_str_present(r->channel) ? scrm_str_ptr(arena, r->channel) : "",
				       scrm_str_present(r->channel) ? r->channel.len : 0, scrm_str_ptr(arena, who), who.len);
	if (!scrm_str_present(who) || who.len == 0) {
		who = r->author_id;
		tag = 'i';
	}
	if (!scrm_str_present(who) || who.len == 0) {
		who = r->id;
		tag = 'p';
	}
	buf[n++] = tag;
	buf[n++] = ':';
	if (scrm_str_present(who)) {
		const char *s = scrm_str_ptr(arena, who);
		size_t l = who.len < 240 ? who.len : 240;
		for (size_t i = 0; i < l; i++) {
			char c = s[i];
			buf[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
	}
	uint64_t h = XXH3_64bits(buf, n);
	return h ? h : 1;
}

int scrm_custtab_init(scrm_custtab *t, size_t initial, size_t max)
{
	size_t cap = 16;
	while (cap * 3 < initial * 4)
		cap *= 2;
	t->slots = scrm_table_zalloc(cap, sizeof *t->slots);
	t->keys = scrm_table_zalloc(cap, sizeof *t->keys);
	if (!t->slots || !t->keys) {
		free(t->slots);
		free(t->keys);
		t->slots = NULL;
		t->keys = NULL;
		return -ENOMEM;
	}
	t->cap = cap;
	t->used = 0;
	t->max = max;
	t->forgotten = t->forgotten_recent = 0;
	return 0;
}

void scrm_custtab_free(scrm_custtab *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->keys);
	t->slots = NULL;
	t->keys = NULL;
	t->cap = t->used = 0;
}

/* The first slot @key probes in a table of @cap (a power of two). */
static size_t home_of(uint64_t key, size_t cap) { return (size_t)(key * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1); }

/* The slot of @key, or the empty one where it would go: the probe reads only keys[] (eight
 * slots to a cache line, against a third of a line each in slots[]). */
static size_t probe(const uint64_t *keys, size_t cap, uint64_t key)
{
	size_t i = home_of(key, cap);
	while (keys[i] && keys[i] != key)
		i = (i + 1) & (cap - 1);
	return i;
}

/* The table rehashed into @cap slots. */
static int rebuild(scrm_custtab *t, size_t cap)
{
	scrm_cust_state *n = scrm_table_zalloc(cap, sizeof *n);
	uint64_t *nk = scrm_table_zalloc(cap, sizeof *nk);
	if (!n || !nk) {
		free(n);
		free(nk);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i]) {
			size_t j = probe(nk, cap, t->keys[i]);
			nk[j] = t->keys[i];
			n[j] = t->slots[i];
		}
	free(t->slots);
	free(t->keys);
	t->slots = n;
	t->keys = nk;
	t->cap = cap;
	return 0;
}

/* Empty slot @i, moving back the entries after it that probe past it (Knuth's
 * algorithm R for linear probing): no tombstones, every other key stays reachable. */
static void remove_at(scrm_custtab *t, size_t i)
{
	size_t mask = t->cap - 1, j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!t->keys[j])
			break;
		size_t h = home_of(t->keys[j], t->cap);
		/* the entry at j stays where it is if its home lies cyclically in (i, j] */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		t->slots[i] = t->slots[j];
		t->keys[i] = t->keys[j];
		i = j;
	}
	t->slots[i].key = 0;
	t->keys[i] = 0;
	t->used--;
}

/* The order in which customers are forgotten: no open case first, then the least
 * recently active, then by key (keys are unique, so the order is total). */
struct age {
	uint8_t open;
	int32_t hb;
	uint64_t key;
};

static int age_cmp(const void *a, const void *b)
{
	const struct age *x = a, *y = b;
	if (x->open != y->open)
		return x->open < y->open ? -1 : 1;
	if (x->hb != y->hb)
		return x->hb < y->hb ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static inline void age_swap(struct age *a, size_t i, size_t j)
{
	struct age t = a[i];
	a[i] = a[j];
	a[j] = t;
}

/* Reorder a[0..n) so that a[k] is the element of rank k (0-based) in age_cmp's order,
 * a[0..k) the k before it and a[k+1..n) the rest: quickselect with a median-of-three
 * pivot, O(n) on average. The order is total, so which elements come first is the same
 * whatever the algorithm or the input's order. */
static void age_select(struct age *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;
		if (age_cmp(&a[mid], &a[lo]) < 0)
			age_swap(a, mid, lo);
		if (age_cmp(&a[hi], &a[lo]) < 0)
			age_swap(a, hi, lo);
		if (age_cmp(&a[hi], &a[mid]) < 0)
			age_swap(a, hi, mid);
		struct age p = a[mid]; /* lo <= p <= hi: both ends stop the scans below */
		size_t i = lo, j = hi;
		for (;;) {
			while (age_cmp(&a[i], &p) < 0)
				i++;
			while (age_cmp(&a[j], &p) > 0)
				j--;
			if (i >= j)
				break;
			age_swap(a, i, j);
			i++;
			j--;
		}
		/* a[lo..j] <= p <= a[j+1..hi]; lo <= k <= hi stays true */
		if (k <= j)
			hi = j;
		else
			lo = j + 1;
	}
}

static int32_t bucket_of(int64_t ts, int64_t width)
{
	int64_t b = ts >= 0 ? ts / width : -((-ts + width - 1) / width);
	return b < INT32_MIN + 1 ? INT32_MIN + 1 : b > INT32_MAX ? INT32_MAX : (int32_t)b;
}

/* Forget the oldest quarter of a full table (scrm_custtab_get), in place: the table
 * keeps its slots, so forgetting writes no fresh pages. */
static int forget(scrm_custtab *t, int64_t ts_ms)
{
	size_t n = 0, k = t->used / 4 ? t->used / 4 : 1;
	struct age *a = malloc(t->used * sizeof *a);
	if (!a)
		return -ENOMEM;
	int32_t newest = INT32_MIN;
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i]) {
			a[n++] = (struct age){t->slots[i].case_open != 0, t->slots[i].hbucket, t->keys[i]};
			newest = t->slots[i].hbucket > newest ? t->slots[i].hbucket : newest;
		}
	if (ts_ms != SCRM_UNKNOWN_INT) { /* the message that makes it forget */
		int32_t hb = bucket_of(ts_ms, SCRM_CUST_H_BUCKET_MS);
		newest = hb > newest ? hb : newest;
	}
	age_select(a, n, k - 1); /* a[0..k): the k oldest */
	for (size_t i = 0; i < k; i++) {
		/* in the newest 24 h window: one of its SCRM_CUST_H_BUCKETS buckets */
		t->forgotten_recent += a[i].hb != INT32_MIN && (int64_t)a[i].hb > (int64_t)newest - SCRM_CUST_H_BUCKETS;
		remove_at(t, probe(t->keys, t->cap, a[i].key));
	}
	free(a);
	t->forgotten += k;
	return 0;
}

void scrm_custtab_prefetch(const scrm_custtab *t, uint64_t key)
{
	if (!key)
		key = 1;
	__builtin_prefetch(&t->keys[home_of(key, t->cap)], 0);
}

void scrm_custtab_prefetch_state(const scrm_custtab *t, uint64_t key)
{
	if (!key)
		key = 1;
	const char *s = (const char *)&t->slots[probe(t->keys, t->cap, key)];
	for (size_t o = 0; o < sizeof(scrm_cust_state); o += 64)
		__builtin_prefetch(s + o, 1);
	__builtin_prefetch(s + sizeof(scrm_cust_state) - 1, 1);
}

scrm_cust_state *scrm_custtab_get(scrm_custtab *t, uint64_t key)
{
	return scrm_custtab_get_at(t, key, SCRM_UNKNOWN_INT);
}

scrm_cust_state *scrm_custtab_get_at(scrm_custtab *t, uint64_t key, int64_t ts_ms)
{
	if (!key)
		key = 1;
	size_t i = probe(t->keys, t->cap, key);
	if (t->keys[i])
		return &t->slots[i];
	bool moved = false;
	if (t->max && t->used >= t->max) {
		if (forget(t, ts_ms))
			return NULL;
		moved = true;
	}
	if ((t->used + 1) * 4 > t->cap * 3) {
		if (rebuild(t, t->cap * 2))
			return NULL;
		moved = true;
	}
	if (moved)
		i = probe(t->keys, t->cap, key);
	scrm_cust_state *s = &t->slots[i];
	memset(s, 0, sizeof *s);
	s->key = key;
	t->keys[i] = key;
	s->hbucket = s->dbucket = INT32_MIN;
	t->used++;
	return s;
}

static unsigned slot(int64_t b, int n)
{
	int64_t m = b % n;
	return (unsigned)(m < 0 ? m + n : m);
}

/* Move a bucket clock to @b, clearing the slots it passes in each of the @nr rings that
 * share it (@n slots each); returns the bucket the record counts in (never older than
 * the newest). */
static int32_t advance(int32_t *newest, int32_t b, uint16_t *const *rings, int nr, int n)
{
	if (*newest == INT32_MIN) {
		*newest = b;
		return b;
	}
	if (b <= *newest)
		return *newest;
	int64_t gap = (int64_t)b - *newest;
	for (int64_t k = 1; k <= gap && k <= n; k++) {
		unsigned i = slot((int64_t)*newest + k, n);
		for (int r = 0; r < nr; r++)
			rings[r][i] = 0;
	}
	*newest = b;
	return b;
}

static uint32_t ring_sum(const uint16_t *ring, int n)
{
	uint32_t t = 0;
	for (int i = 0; i < n; i++)
		t += ring[i];
	return t;
}

static void bump(uint16_t *c)
{
	if (*c < UINT16_MAX)
		(*c)++;
}

uint16_t scrm_cust_channel_bit(const char *name, size_t len)
{
	int ch = scrm_customers_channel(name, len);
	if (ch >= 0 && ch < 9)
		return (uint16_t)(1u << ch);
	return (uint16_t)(1u << (9 + XXH3_64bits(name, len) % 7));
}

void scrm_cust_state_view(const scrm_cust_state *s, scrm_cust_view *v)
{
	v->interactions_24h = ring_sum(s->inter_h, SCRM_CUST_H_BUCKETS);
	for (int k = 0; k < SCRM_CUST_INTENTS; k++)
		v->intents_24h[k] = ring_sum(s->intent_h[k], SCRM_CUST_H_BUCKETS);
	v->interactions_7d = ring_sum(s->inter_d, SCRM_CUST_D_BUCKETS);
	unsigned bits = 0;
	for (int d = 0; d < SCRM_CUST_D_BUCKETS; d++)
		bits |= s->chan_d[d];
	v->channels_7d = (uint32_t)scrm_popcount64(bits);
	v->sent_avg = s->sent_avg;
	v->sent_n = s->sent_n;
}

/* The ring slot a record of bucket @b counts in: its own, once the clock @newest has
 * moved to it (a newer bucket moves the clock, clearing the slots it passes), or -1
 * when @b is older than the ring holds. A record without a time (@b INT32_MIN) counts
 * in the newest bucket; with no clock yet, in slot 0, leaving the clock to the first
 * timed record (which then keeps it). */
static int place(int32_t *newest, int32_t b, uint16_t *const *rings, int nr, int n)
{
	if (b == INT32_MIN)
		return *newest == INT32_MIN ? 0 : (int)slot(*newest, n);
	if (*newest == INT32_MIN || b > *newest)
		return (int)slot(advance(newest, b, rings, nr, n), n);
	return (int64_t)*newest - b < n ? (int)slot(b, n) : -1;
}

/* The rings each clock runs: the hour clock inter_h and the intent rows, the day clock
 * inter_d and chan_d. */
struct rings {
	uint16_t *hour[1 + SCRM_CUST_INTENTS];
	uint16_t *day[2];
};

static void rings_of(scrm_cust_state *s, struct rings *g)
{
	g->hour[0] = s->inter_h;
	for (int i = 0; i < SCRM_CUST_INTENTS; i++)
		g->hour[1 + i] = s->intent_h[i];
	g->day[0] = s->inter_d;
	g->day[1] = s->chan_d;
}

/* The hour and day buckets of a time; INT32_MIN for none. */
static void buckets_of(int64_t ts_ms, int32_t *hb, int32_t *db)
{
	*hb = ts_ms == SCRM_UNKNOWN_INT ? INT32_MIN : bucket_of(ts_ms, SCRM_CUST_H_BUCKET_MS);
	*db = ts_ms == SCRM_UNKNOWN_INT ? INT32_MIN : bucket_of(ts_ms, SCRM_CUST_D_BUCKET_MS);
}

void scrm_cust_state_add(scrm_cust_state *s, const scrm_cust_update *u, scrm_cust_view *v)
{
	s->interactions++;
	int32_t hb, db;
	buckets_of(u->ts_ms, &hb, &db);
	struct rings g;
	rings_of(s, &g);
	int h = place(&s->hbucket, hb, g.hour, 1 + SCRM_CUST_INTENTS, SCRM_CUST_H_BUCKETS);
	int d = place(&s->dbucket, db, g.day, 2, SCRM_CUST_D_BUCKETS);
	if (h >= 0) { /* (an older record than the window holds counts in none of it) */
		bump(&s->inter_h[h]);
		if (u->intent >= 0 && u->intent < SCRM_CUST_INTENTS)
			bump(&s->intent_h[u->intent][h]);
	}
	if (d >= 0) {
		bump(&s->inter_d[d]);
		s->chan_d[d] |= u->channel_bit;
	}
	if (u->has_sentiment) {
		s->sent_avg = s->sent_n ? SCRM_CUST_SENT_ALPHA * u->sentiment + (1 - SCRM_CUST_SENT_ALPHA) * s->sent_avg
					: u->sentiment;
		if (s->sent_n < UINT16_MAX)
			s->sent_n++;
	}
	scrm_cust_state_view(s, v);
}

void scrm_cust_state_view_at(scrm_cust_state *s, int64_t ts_ms, scrm_cust_view *v)
{
	int32_t hb, db;
	buckets_of(ts_ms, &hb, &db);
	struct rings g;
	rings_of(s, &g);
	/* the clocks move to a later time (what fell out of the windows by then is cleared;
	 * advance() leaves them at an earlier one); no time, or no clock yet, leaves them */
	if (hb != INT32_MIN && s->hbucket != INT32_MIN)
		advance(&s->hbucket, hb, g.hour, 1 + SCRM_CUST_INTENTS, SCRM_CUST_H_BUCKETS);
	if (db != INT32_MIN && s->dbucket != INT32_MIN)
		advance(&s->dbucket, db, g.day, 2, SCRM_CUST_D_BUCKETS);
	scrm_cust_state_view(s, v);
}
