/*
 * gen.h - `scrm gen`: a synthetic, deterministic social-CRM firehose.
 *
 * The generator writes NDJSON that looks like what the real sources deliver (X/Twitter
 * API v1.1 stream tweets, X API v2 filtered-stream lines, Pushshift Reddit comments and
 * submissions, or the canonical scrm schema), for tests and load benchmarks.
 *
 * What the stream holds:
 *   - customers drawn from an author population (twice the record count by default)
 *     whose activity is Zipf-Mandelbrot-distributed (SCRM_GEN_ZIPF_S and _Q; author 0
 *     is the most active), fitted to the real customer-care sets: most authors post
 *     once or twice, the most active 1 % write ~6 % of 10,000 posts (see
 *     bench/author_activity.py); each with attributes that are a pure function of
 *     (seed, author index): see scrm_gen_author();
 *   - SCRM_GEN_BRANDS invented, verified brand accounts that customers @mention and
 *     that answer: threads of customer post -> brand reply -> customer follow-up ...
 *     (replies come ~150 records after their parent); reply ids always point to
 *     earlier records;
 *   - texts from template grammars: questions, complaints, praise, purchase intent,
 *     churn, suggestions, spam and off-topic chatter; emoji, hashtags, mentions, URLs,
 *     ALL CAPS, "!!!", negations; ~6 % es/fr/de/ja; ~5 % retweets, ~3 % long posts
 *     (v1: truncated, with extended_tweet.full_text); brand announcements;
 *   - crisis bursts: the arrival rate jumps x20 and most posts are complaints by many
 *     authors about one brand's outage or recall under a shared hashtag. The first
 *     starts at record 500-3,000 and lasts 400-1,200 records; then one every
 *     ~200,000 records, 2,000-10,000 long;
 *   - Poisson arrivals at `rate` records per simulated second (the first record at
 *     start_ms), non-decreasing timestamps, increasing snowflake ids (18-19 digits).
 *
 * Formats:
 *   TWITTER_V1  v1.1 stream tweets, trimmed to about 870 bytes: created_at, id, id_str,
 *               text, source, in_reply_to_status_id(_str), in_reply_to_user_id_str,
 *               in_reply_to_screen_name, user{id, id_str, name, screen_name, location,
 *               description, verified, followers_count, friends_count, created_at},
 *               retweeted_status, extended_tweet, quote/reply/retweet/favorite counts,
 *               entities{hashtags, urls, user_mentions}, lang, timestamp_ms. To keep the
 *               size, null fields, empty entity arrays and the flags truncated and
 *               is_quote_status when false are left out. Non-ASCII is written as
 *               \uXXXX (surrogate pairs), '/' as "\/", and text holds &amp; &lt; &gt;,
 *               all as Twitter writes them.
 *   TWITTER_V2  filtered-stream lines: {"data":{...},"includes":{"users":[...],
 *               "tweets":[...]},"matching_rules":[...]}; raw UTF-8.
 *   REDDIT      Pushshift comments (parent_id, link_id) and submissions (~1 in 6), one
 *               subreddit per brand plus a few general ones; raw UTF-8.
 *   SCRM        the canonical schema over channels twitter, facebook, email, chat,
 *               phone, forum, review; brand messages have direction "out"; e-mail and
 *               phone authors are known by address and number (see the author info).
 *
 * Determinism: the same options (seed included) give byte-identical output, whatever
 * the buffering of `fd`. No global state, no clock, no rand(): every call may run on
 * any thread, concurrently with others.
 *
 * Dependencies: libc and libm only.
 */
#ifndef SCRM_GEN_H
#define SCRM_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The authors' activity distribution: P(rank k) proportional to (k + Q)^-S, k = 1 .. the
 * population (Zipf-Mandelbrot). */
#define SCRM_GEN_ZIPF_S 0.8
#define SCRM_GEN_ZIPF_Q 100

/* Number of brand accounts (indices 0 .. SCRM_GEN_BRANDS-1). */
#define SCRM_GEN_BRANDS 6

/* 2026-01-05T09:00:00Z, the default timestamp of the first record. */
#define SCRM_GEN_DEFAULT_START_MS INT64_C(1767603600000)

typedef struct scrm_gen_opts {
	uint64_t count;          /* records to write */
	uint64_t seed;           /* same seed + opts => byte-identical output */
	enum scrm_format format; /* SCRM_FORMAT_TWITTER_V1 (default), _TWITTER_V2, _REDDIT, _SCRM */
	int64_t start_ms;        /* timestamp of the first record, ms since the epoch */
	double rate;             /* mean records per simulated second (> 0) */
	uint32_t authors;        /* author population; 0 means max(1000, 2 * count) */
	bool csv;                /* with SCRM_FORMAT_SCRM: the same records as CSV rows (a header
				  * naming the canonical columns, RFC 4180 quoting, CRLF) */
} scrm_gen_opts;

/*
 * One author (or brand) as every record that carries them describes them.
 * All strings are NUL-terminated UTF-8 inside the struct: no allocation, no lifetime.
 */
typedef struct scrm_gen_author_info {
	uint64_t id;            /* platform user id (customers: 10 digits; brands: 8) */
	char handle[16];        /* screen name, 1-15 of [A-Za-z0-9_], unique within a seed */
	char name[64];          /* display name (may hold non-ASCII and emoji) */
	char location[48];      /* "" when the profile has none */
	char description[128];  /* "" when the profile has none */
	char email[64];         /* the address the e-mail channel uses, unique */
	char phone[24];         /* the number the phone channel uses, unique (fictional 555) */
	char lang[4];           /* the author's usual language: "en", "es", "fr", "de", "ja" */
	uint64_t followers;     /* follower count (Pareto: most < 500, a few > 100k) */
	uint64_t friends;       /* accounts followed */
	uint64_t statuses;      /* posts so far */
	int64_t created_ms;     /* account creation time */
	int verified;           /* 0 or 1 */
	int is_brand;           /* 1 for a brand account */
} scrm_gen_author_info;

/* Fill `o` with the defaults: count 1000, seed 1, TWITTER_V1, start
 * SCRM_GEN_DEFAULT_START_MS, rate 50, authors 0 (automatic). */
void scrm_gen_opts_default(scrm_gen_opts *o);

/*
 * Write `o->count` NDJSON records (each ending in '\n'; with o->csv a header line and
 * `o->count` CSV rows, each ending in CRLF) to `fd` with large write(2)s,
 * retrying on EINTR and short writes. Does not close `fd`.
 * Returns 0, or -errno: -EINVAL for bad options (`o` NULL, rate not in (0, 1e9], a
 * format other than the four above, csv with a format other than SCRM, start_ms before the snowflake epoch
 * 2010-11-04T01:42:54.657Z or after 2070-01-01), -ENOMEM, or the error of write(2)
 * (-EPIPE when the reader went away, -ENOSPC, ...). On error some records may already
 * have been written. Timestamps stop advancing at 2080-07-10 (41-bit snowflakes).
 * Memory: about 12 MiB, whatever the count.
 */
int scrm_gen_write(int fd, const scrm_gen_opts *o);

/*
 * Customer `i`'s attributes for `seed`: a pure function of (seed, i), independent of
 * the other options, so that a CRM export can be written to match a generated stream.
 * Handles, ids, e-mails and phone numbers are unique across i for one seed.
 * Returns 0, or -EINVAL if `out` is NULL.
 */
int scrm_gen_author(uint64_t seed, uint32_t i, scrm_gen_author_info *out);

/*
 * Brand `b`'s account (0 <= b < SCRM_GEN_BRANDS); the same for every seed.
 * Returns 0, or -EINVAL if b is out of range or `out` is NULL.
 */
int scrm_gen_brand(unsigned b, scrm_gen_author_info *out);

/*
 * Write the CRM export (the CSV of customers.h, CRLF line ends) that goes with the
 * stream scrm_gen_write() writes for the same options: one row per known customer, in
 * author order, with customer_id (unique, unordered digits), name, tier (gold, silver,
 * bronze or empty), lifetime_value (log-normal around the tier's typical value; empty for
 * ~8 %), the identities the records carry and x_gen_author (the author index).
 *   - Known authors: 98 % of the most active, falling to 72 % at the end of the
 *     population (so about 4 in 5 of the authors a run shows, and ~85 % of their
 *     records); the rest are strangers, absent from the file. Brands never appear.
 *   - twitter-v1/v2: columns twitter (always; sometimes "@Handle" or lower case),
 *     email (~60 %) and phone (~40 %), which these streams never show.
 *     reddit: reddit (always; sometimes "u/name" or "/u/name") and email.
 *     scrm: twitter ~95 %, facebook ~85 %, email ~97 %, phone ~90 % (half written
 *     "+1 (555) 000-000-0042"), chat ~90 %, forum ~75 %, review ~75 %, each exactly the
 *     handle, address or number the records of that channel carry.
 *   - ~10 % of the e-mail cells hold a second, older address ("a; b").
 * A pure function of (seed, format, population): the customers, tiers and values are
 * the same in every format. Writing it does not touch the firehose's generator.
 * Returns 0, or -errno as scrm_gen_write() (-EINVAL bad options, -ENOMEM, write(2)).
 * Memory: 1 MiB; time: O(population).
 */
int scrm_gen_customers_write(int fd, const scrm_gen_opts *o);

/*
 * `scrm gen [options]`; argv[0] is "gen". Options:
 *   --count N  --seed S  --format twitter-v1|twitter-v2|reddit|scrm|csv
 *   --start ISO8601 (2026-01-05T09:00:00Z, fractional seconds and +hh:mm allowed,
 *   or a bare date)  --rate R  --authors N  -o FILE  --customers FILE  --help
 * (also --opt=value). Writes to stdout unless -o is given; messages go to stderr.
 * Returns the process exit code: 0 success (also when the reader of stdout went away:
 * EPIPE), 1 an I/O error, 2 a usage error (unknown option, missing or malformed value).
 */
int scrm_gen_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
