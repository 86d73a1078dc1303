/*
 * influence.h - how influential an author is: a score 0-100 with its breakdown.
 *
 * DESIGN. Four parts, each 0-100, combined with fixed weights (README documents them):
 *   reach       followers, log-scaled: 100 * min(1, log10(1 + followers) / 7)
 *               (10 followers ~14, 1,000 ~43, 100k ~71, 10M = 100); unknown: 0;
 *   engagement  reactions to this post relative to its reach: with
 *               e = retweets + likes + replies + quotes (unknown counts as 0) and
 *               rate = e / max(followers, 100), 100 * min(1, log10(1 + 1000 * rate) / 3)
 *               (one reaction per 1,000 followers ~10, one per 100 ~35, one per 10 ~67);
 *   authority   verified: 100, not verified or unknown: 0 (account age where the source
 *               gives it is not in the canonical record yet);
 *   network     how much the stream itself points at the author: every @mention of a
 *               handle adds 1 to that handle's weight, a retweet ("RT @x:") 2, a reply
 *               (a post that answers another and starts with @x) 1.5; weights decay with a
 *               half-life of 24 hours of event time. 100 * min(1, log10(1 + w) / 3)
 *               (w = 1 ~10, 10 ~35, 100 ~67, 1,000 = 100).
 *   score = round(0.40 reach + 0.20 engagement + 0.15 authority + 0.25 network).
 *
 * The network weights live in the relate/act stage: one table per logical partition of
 * the customer space, owned by the thread that owns the partition, so the author's own
 * posts and the mentions of her meet in one place without locks. A post's mentions are
 * applied in input order, merged with the partition's own posts, so a post sees exactly
 * the mentions of the posts before it: the result does not depend on -j, -p or chunking.
 * The table is fixed-size and set-associative (the entry seen longest ago is replaced).
 *
 * Threads: scrm_influence_*_part() and scrm_mentions_scan() are pure; a scrm_nettab
 * belongs to one thread.
 */
#ifndef SCRM_INFLUENCE_H
#define SCRM_INFLUENCE_H

#include <stddef.h>
#include <stdint.h>

#define SCRM_NET_HALF_LIFE_MS (24 * 3600 * 1000LL)
#define SCRM_MENTIONS_MAX 8 /* mentions of one post that count */

typedef struct scrm_influence {
	uint8_t score, reach, engagement, authority, network;
} scrm_influence;

/* The parts that need only the post (unknown counts are INT64_MIN, verified -1/0/1). */
uint8_t scrm_influence_reach(int64_t followers);
/* The same by its formula (a log10() per call): scrm_influence_reach() reads a table of
 * the thresholds made from it; for tests. */
uint8_t scrm_influence_reach_formula(int64_t followers);
uint8_t scrm_influence_engagement(int64_t followers, int64_t retweets, int64_t likes, int64_t replies,
				  int64_t quotes);
uint8_t scrm_influence_authority(int verified);
uint8_t scrm_influence_network(double weight);
/* Combine the parts into out->score (the parts must be filled). */
void scrm_influence_combine(scrm_influence *out);

/* A handle the post points at, and how much (weights above). */
typedef struct scrm_mention {
	uint64_t key;     /* scrm_handle_key() of the handle (a caller may map it to a customer key) */
	float weight;
	uint32_t at;      /* where the handle (without '@') is in the text: offset << 4 | length */
} scrm_mention;

/* How long Reddit's user prefix of handle h[0, n) is: 3 for "/u/", 2 for "u/" (either
 * case), else 0 (a Reddit record's handle has none: "u/kim" is kim). */
static inline size_t scrm_reddit_user_prefix(const char *h, size_t n)
{
	if (n > 3 && h[0] == '/' && (h[1] | 0x20) == 'u' && h[2] == '/')
		return 3;
	return n > 2 && (h[0] | 0x20) == 'u' && h[1] == '/' ? 2 : 0;
}

/* Channel @channel[0, clen) lower-cased (ASCII; at most 64 bytes) into @out: how many. */
size_t scrm_channel_lower(const char *channel, size_t clen, char *out);

/*
 * scrm_handle_key() - the key of (channel, handle): XXH3-64 of
 * "<channel>:h:<lower-cased handle>", the channel lower-cased, the prospect key of that
 * author (relate.h), so a handle's network weight lives in the partition of its own
 * posts (the pipeline maps a CRM customer's handles to her customer key). A leading '@'
 * is ignored, and on Reddit its user prefix (scrm_reddit_user_prefix()).
 */
uint64_t scrm_handle_key(const char *channel, size_t clen, const char *handle, size_t hlen);

/*
 * scrm_mentions_scan() - the @handles of @text (handle characters: ASCII letters,
 * digits, '_'; at most 15 as on X, longer runs are not handles), at most
 * SCRM_MENTIONS_MAX distinct ones, with their weights: "RT @x:" at the start 2, the
 * leading @x of a reply (@is_reply) 1.5, any other mention 1. The author's own handle
 * (@self, may be NULL) is skipped. Returns the number written to out.
 */
size_t scrm_mentions_scan(const char *text, size_t len, const char *channel, size_t clen, const char *self,
			  size_t slen, int is_reply, scrm_mention *out);

typedef struct scrm_ktab scrm_nettab; /* a ktab.h table */

/* A table of @slots entries (rounded up to a power of two, >= 64). NULL on -ENOMEM. */
scrm_nettab *scrm_nettab_create(size_t slots);
void scrm_nettab_free(scrm_nettab *t);

/* The weight of @key at time @ts_ms (decayed; 0 if unknown). */
double scrm_nettab_weight(const scrm_nettab *t, uint64_t key, int64_t ts_ms);

/* Add @w to @key's weight at time @ts_ms (an older @ts_ms counts as the last one). */
void scrm_nettab_add(scrm_nettab *t, uint64_t key, int64_t ts_ms, double w);

#endif
