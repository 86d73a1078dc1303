/*
 * influence.c - influence parts, mentions and the network-weight table (influence.h).
 */
#include "influence.h"

#include "ktab.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

static uint8_t pct(double x)
{
	if (!(x > 0))
		return 0;
	if (x >= 1)
		return 100;
	return (uint8_t)lround(100.0 * x);
}

/* reach by its formula: pct(log10(1 + followers) / 7) */
static uint8_t reach_formula(int64_t followers)
{
	if (followers <= 0)
		return 0;
	return pct(log10(1.0 + (double)followers) / 7.0);
}

/* reach_at[k]: the fewest followers whose reach is at least k (1..100). The formula is
 * non-decreasing in the follower count (consecutive counts move log10 by far more than
 * its rounding error up to 10^13 followers, and the conversion to double and the rounding
 * never go backwards), so reach(f) is the largest k with reach_at[k] <= f: a binary search
 * instead of a log10() and an lround() per record, the same values
 * (`influence/reach_table_is_the_formula`). */
static int64_t reach_at[101];
static pthread_once_t reach_once = PTHREAD_ONCE_INIT;

static void reach_table(void)
{
	reach_at[0] = INT64_MIN;
	for (int k = 1; k <= 100; k++) {
		int64_t lo = k == 1 ? 1 : reach_at[k - 1], hi = INT64_MAX; /* reach(hi) = 100 >= k */
		while (lo < hi) {
			int64_t mid = lo + (hi - lo) / 2;
			if (reach_formula(mid) >= k)
				hi = mid;
			else
				lo = mid + 1;
		}
		reach_at[k] = lo;
	}
}

uint8_t scrm_influence_reach(int64_t followers)
{
	if (followers <= 0)
		return 0;
	pthread_once(&reach_once, reach_table);
	/* the largest k in 0..100 with reach_at[k] <= followers (reach_at[0] is the least) */
	unsigned k = 0;
	for (unsigned step = 64; step; step >>= 1)
		if (k + step <= 100 && reach_at[k + step] <= followers)
			k += step;
	return (uint8_t)k;
}

uint8_t scrm_influence_reach_formula(int64_t followers)
{
	return reach_formula(followers);
}

uint8_t scrm_influence_engagement(int64_t followers, int64_t retweets, int64_t likes, int64_t replies,
				  int64_t quotes)
{
	const int64_t parts[] = {retweets, likes, replies, quotes};
	double e = 0;
	for (size_t i = 0; i < 4; i++)
		if (parts[i] > 0)
			e += (double)parts[i];
	if (e == 0)
		return 0; /* log10(1) = 0 exactly: no call */
	double base = followers > 100 ? (double)followers : 100.0;
	return pct(log10(1.0 + 1000.0 * e / base) / 3.0);
}

uint8_t scrm_influence_authority(int verified)
{
	return verified > 0 ? 100 : 0;
}

uint8_t scrm_influence_network(double weight)
{
	return pct(log10(1.0 + weight) / 3.0);
}

void scrm_influence_combine(scrm_influence *o)
{
	double s = 0.40 * o->reach + 0.20 * o->engagement + 0.15 * o->authority + 0.25 * o->network;
	o->score = (uint8_t)lround(s > 100 ? 100 : s);
}

size_t scrm_channel_lower(const char *channel, size_t clen, char *out)
{
	size_t l = clen < 64 ? clen : 64;
	for (size_t i = 0; i < l; i++)
		out[i] = (channel[i] >= 'A' && channel[i] <= 'Z') ? (char)(channel[i] + 32) : channel[i];
	return l;
}

uint64_t scrm_handle_key(const char *channel, size_t clen, const char *handle, size_t hlen)
{
	char buf[320];
	size_t n = 0;
	if (handle && hlen && handle[0] == '@')
		handle++, hlen--;
	/* as the CRM export's identities are read (customers.c): the channel in any case,
	 * and Reddit's u/kim or /u/kim is kim (found by review: "Twitter" and "twitter", or
	 * "u/kim" and "kim", were two prospects) */
	if (clen == 6 && !strncasecmp(channel, "reddit", 6) && handle) {
		size_t u = scrm_reddit_user_prefix(handle, hlen);
		handle += u, hlen -= u;
	}
	n = scrm_channel_lower(channel, clen, buf);
	buf[n++] = ':';
	buf[n++] = 'h';
	buf[n++] = ':';
	size_t l = hlen < 240 ? hlen : 240;
	for (size_t i = 0; i < l; i++) {
		char c = handle[i];
		buf[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	uint64_t h = XXH3_64bits(buf, n);
	return h ? h : 1;
}

static bool handle_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool same_handle(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	return true;
}

size_t scrm_mentions_scan(const char *text, size_t len, const char *channel, size_t clen, const char *self,
			  size_t slen, int is_reply, scrm_mention *out)
{
	size_t n = 0;
	if (self && slen && self[0] == '@')
		self++, slen--;
	bool rt = len >= 4 && lower((unsigned char)text[0]) == 'r' && lower((unsigned char)text[1]) == 't' &&
		  text[2] == ' ' && text[3] == '@';
	/* The leading run of @handles of a reply names whom it answers. */
	size_t lead_end = 0;
	for (size_t p = 0; is_reply > 0 && !rt && p < len;) {
		while (p < len && text[p] == ' ')
			p++;
		if (p == len || text[p] != '@')
			break;
		for (p++; p < len && handle_char((unsigned char)text[p]); p++)
			;
		lead_end = p;
	}
	for (size_t i = 0; i < len && n < SCRM_MENTIONS_MAX; i++) {
		const char *at = memchr(text + i, '@', len - i); /* most bytes are not '@' */
		if (!at)
			break;
		i = (size_t)(at - text);
		if (i > 0 && handle_char((unsigned char)text[i - 1]))
			continue;
		size_t s = i + 1, e = s;
		while (e < len && handle_char((unsigned char)text[e]))
			e++;
		size_t hl = e - s;
		float w = rt && i == 3 ? 2.0f : i < lead_end ? 1.5f : 1.0f;
		if (e > s)
			i = e - 1;
		if (hl == 0 || hl > 15 || (e < len && text[e] == '@'))
			continue;
		if (self && same_handle(text + s, hl, self, slen))
			continue;
		uint64_t k = scrm_handle_key(channel, clen, text + s, hl);
		size_t j = 0;
		while (j < n && out[j].key != k)
			j++;
		if (j < n) {
			if (w > out[j].weight)
				out[j].weight = w;
			continue;
		}
		out[n++] = (scrm_mention){k, w, (uint32_t)s << 4 | (uint32_t)hl};
	}
	return n;
}

/* ---------------------------------------------------------- the table ---- */

/* Slots: w = weight at ts, the time of the last update. */

scrm_nettab *scrm_nettab_create(size_t slots)
{
	return scrm_ktab_create(slots);
}

void scrm_nettab_free(scrm_nettab *t)
{
	scrm_ktab_free(t);
}

/* (A weight of mentions without a time, stamped INT64_MIN / 2 by the caller, counts as at
 * the newest: it decayed whole at the first timed read, found by review.) */
static double decayed(const scrm_ktab_slot *s, int64_t ts)
{
	if (ts <= s->ts || s->ts <= INT64_MIN / 2)
		return s->w;
	return s->w * exp2(-(double)(ts - s->ts) / (double)SCRM_NET_HALF_LIFE_MS);
}

double scrm_nettab_weight(const scrm_nettab *t, uint64_t key, int64_t ts_ms)
{
	const scrm_ktab_slot *s = scrm_ktab_find(t, key);
	return s ? decayed(s, ts_ms) : 0;
}

void scrm_nettab_add(scrm_nettab *t, uint64_t key, int64_t ts_ms, double w)
{
	int fresh;
	scrm_ktab_slot *e = scrm_ktab_get(t, key, &fresh);
	if (fresh) {
		e->ts = ts_ms;
		e->w = w;
		return;
	}
	if (ts_ms < e->ts)
		ts_ms = e->ts;
	e->w = decayed(e, ts_ms) + w;
	e->ts = ts_ms;
}
