/* test_gen.c - the synthetic firehose: determinism, shape, statistics, CLI. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "gen.h"
#include "normalize.h"

static const enum scrm_format all_formats[4] = {SCRM_FORMAT_TWITTER_V1, SCRM_FORMAT_TWITTER_V2,
						SCRM_FORMAT_REDDIT, SCRM_FORMAT_SCRM};

/* Generate into memory (NUL-terminated). */
static char *gen_mem(const scrm_gen_opts *o, size_t *len)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	cr_assert_eq(scrm_gen_write(fileno(f), o), 0);
	struct stat st;
	cr_assert_eq(fstat(fileno(f), &st), 0);
	char *buf = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(pread(fileno(f), buf, (size_t)st.st_size, 0), st.st_size);
	buf[st.st_size] = 0;
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static char *gen_fmt(enum scrm_format fmt, uint64_t count, uint64_t seed, size_t *len)
{
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.format = fmt;
	o.count = count;
	o.seed = seed;
	return gen_mem(&o, len);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_u32_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x < y) - (x > y);
}

static size_t count_lines(const char *buf, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

/* The string value that follows the first `"key":"` in [line, end), copied into out. */
static bool str_after(const char *line, const char *end, const char *key, char *out, size_t cap)
{
	const char *p = memmem(line, (size_t)(end - line), key, strlen(key));
	if (!p)
		return false;
	p += strlen(key);
	size_t n = 0;
	while (p < end && *p != '"' && n + 1 < cap)
		out[n++] = *p++;
	out[n] = 0;
	return p < end && *p == '"';
}

static bool has(const char *line, const char *end, const char *needle)
{
	return memmem(line, (size_t)(end - line), needle, strlen(needle)) != NULL;
}

/* ---- determinism and framing ---- */

Test(gen, same_seed_same_bytes_other_seed_other_bytes)
{
	for (int f = 0; f < 4; f++) {
		size_t a_len, b_len, c_len;
		char *a = gen_fmt(all_formats[f], 3000, 11, &a_len);
		char *b = gen_fmt(all_formats[f], 3000, 11, &b_len);
		char *c = gen_fmt(all_formats[f], 3000, 12, &c_len);
		cr_assert_eq(a_len, b_len, "format %d", f);
		cr_assert(memcmp(a, b, a_len) == 0, "format %d: same seed must give the same bytes", f);
		cr_assert(a_len != c_len || memcmp(a, c, a_len) != 0, "format %d: seeds 11 and 12 agree", f);
		free(a);
		free(b);
		free(c);
	}
}

Test(gen, prefix_of_a_longer_run_is_identical)
{
	/* A record never depends on how many come after it. */
	size_t a_len, b_len;
	char *a = gen_fmt(SCRM_FORMAT_TWITTER_V1, 500, 5, &a_len);
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.count = 900;
	o.seed = 5;
	o.authors = 1000; /* same population as the 500-record run */
	char *b = gen_mem(&o, &b_len);
	cr_assert_gt(b_len, a_len);
	cr_assert(memcmp(a, b, a_len) == 0);
	free(a);
	free(b);
}

Test(gen, exact_line_count_each_newline_terminated)
{
	static const uint64_t counts[] = {0, 1, 7, 1000};
	for (int f = 0; f < 4; f++)
		for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
			size_t len;
			char *buf = gen_fmt(all_formats[f], counts[k], 3, &len);
			cr_assert_eq(count_lines(buf, len), counts[k], "format %d count %zu", f, (size_t)counts[k]);
			if (counts[k]) {
				cr_assert_eq(buf[len - 1], '\n');
				cr_assert_eq(buf[0], '{');
				cr_assert_null(strstr(buf, "\n\n"), "no empty lines");
				cr_assert_eq(strlen(buf), len, "no NUL bytes");
			} else {
				cr_assert_eq(len, 0);
			}
			free(buf);
		}
}

/* ---- every line normalizes ---- */

Test(gen, every_line_normalizes_to_a_record_with_text)
{
	for (int f = 0; f < 4; f++) {
		size_t len;
		char *buf = gen_fmt(all_formats[f], 4000, 21, &len);
		scrm_normalizer *n = scrm_normalizer_create(SCRM_FORMAT_AUTO);
		cr_assert_not_null(n);
		scrm_recvec rv = {0};
		scrm_buf arena = {0};
		char *pad = malloc(1 << 16);
		size_t lines = 0, replies = 0, retweets = 0;
		for (char *line = buf; line < buf + len;) {
			char *nl = memchr(line, '\n', (size_t)(buf + len - line));
			size_t ll = (size_t)(nl - line);
			cr_assert_lt(ll + SCRM_PADDING, (size_t)1 << 16);
			memcpy(pad, line, ll);
			memset(pad + ll, ' ', SCRM_PADDING);
			cr_assert_eq(scrm_json_validate(n, pad, ll), 0, "format %d line %zu: invalid JSON", f, lines + 1);
			rv.len = 0;
			arena.len = 0;
			scrm_norm_result res;
			cr_assert_eq(scrm_normalize_line(n, pad, ll, &rv, &arena, &res), 0);
			cr_assert_eq(res.reject, SCRM_REJ_NONE, "format %d line %zu rejected: %s (%s)", f, lines + 1,
				     scrm_reject_name(res.reject), res.detail ? res.detail : "");
			cr_assert_eq(res.skip, SCRM_SKIP_NONE);
			cr_assert_eq(res.repaired, 0);
			cr_assert_geq(res.nrec, 1);
			const scrm_record *r = &rv.v[0];
			cr_assert_eq(r->schema, (uint8_t)all_formats[f], "format %d line %zu detected as %d", f,
				     lines + 1, r->schema);
			cr_assert(scrm_str_present(r->text) && r->text.len > 0, "format %d line %zu: empty text", f,
				  lines + 1);
			cr_assert(scrm_str_present(r->id) && r->id.len > 0);
			cr_assert(scrm_str_present(r->author_handle) && r->author_handle.len > 0);
			cr_assert_geq(r->ts_ms, SCRM_GEN_DEFAULT_START_MS);
			if (all_formats[f] == SCRM_FORMAT_TWITTER_V1 && has(line, nl, "\"truncated\":true")) {
				/* the normalizer must take extended_tweet.full_text (> 140 code points) */
				size_t cps = 0;
				const char *t = scrm_str_ptr(&arena, r->text);
				for (uint32_t k = 0; k < r->text.len; k++)
					cps += ((unsigned char)t[k] & 0xC0) != 0x80;
				cr_assert_gt(cps, 140, "line %zu: full text not used", lines + 1);
			}
			replies += scrm_str_present(r->in_reply_to);
			retweets += (r->flags & SCRM_REC_RETWEET) != 0;
			lines++;
			line = nl + 1;
		}
		cr_assert_eq(lines, 4000);
		cr_assert_gt(replies, 400, "format %d: %zu replies", f, replies);
		if (all_formats[f] != SCRM_FORMAT_REDDIT)
			cr_assert_gt(retweets, 80, "format %d: %zu retweets", f, retweets);
		free(pad);
		scrm_buf_free(&arena);
		scrm_recvec_free(&rv);
		scrm_normalizer_free(n);
		free(buf);
	}
}

/* ---- v1 shape and size ---- */

Test(gen, v1_average_record_is_700_to_900_bytes)
{
	size_t len;
	char *buf = gen_fmt(SCRM_FORMAT_TWITTER_V1, 20000, 42, &len);
	double avg = (double)len / 20000.0;
	cr_assert(avg >= 700.0 && avg <= 900.0, "average v1 record is %.1f bytes", avg);
	free(buf);
}

Test(gen, v1_escapes_like_twitter_and_has_retweets_and_extended_tweets)
{
	size_t len;
	char *buf = gen_fmt(SCRM_FORMAT_TWITTER_V1, 20000, 8, &len);
	for (size_t i = 0; i < len; i++)
		cr_assert_lt((unsigned char)buf[i], 0x80, "v1 writes non-ASCII as \\u escapes (offset %zu)", i);
	cr_assert_not_null(strstr(buf, "\\ud83d\\ude"), "emoji as surrogate pairs");
	cr_assert_not_null(strstr(buf, "https:\\/\\/t.co\\/"), "'/' escaped as \\/");
	cr_assert_not_null(strstr(buf, "&amp;"), "text HTML-escaped as Twitter delivers it");
	size_t rt = 0, trunc = 0, n = 0;
	size_t langs[4] = {0};
	static const char *const lang_keys[4] = {"\"lang\":\"es\"", "\"lang\":\"fr\"", "\"lang\":\"de\"",
						 "\"lang\":\"ja\""};
	for (char *line = buf; line < buf + len; n++) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		cr_assert(has(line, nl, "\"id\":") && has(line, nl, "\"id_str\":\""));
		cr_assert(has(line, nl, "\"timestamp_ms\":\""));
		if (has(line, nl, "\"retweeted_status\":{")) {
			rt++;
			cr_assert(has(line, nl, "\"text\":\"RT @"));
		}
		if (has(line, nl, "\"truncated\":true")) {
			trunc++;
			cr_assert(has(line, nl, "\"extended_tweet\":{\"full_text\":\""), "line %zu", n + 1);
		}
		for (int k = 0; k < 4; k++)
			langs[k] += has(line, nl, lang_keys[k]);
		line = nl + 1;
	}
	cr_assert(rt > 20000 * 0.035 && rt < 20000 * 0.07, "%zu retweets in 20000", rt);
	cr_assert(trunc > 20000 * 0.015 && trunc < 20000 * 0.05, "%zu extended tweets in 20000", trunc);
	for (int k = 0; k < 4; k++)
		cr_assert_gt(langs[k], 40, "%s: %zu", lang_keys[k], langs[k]);
	free(buf);
}

Test(gen, other_formats_write_raw_utf8)
{
	for (int f = 1; f < 4; f++) {
		size_t len;
		char *buf = gen_fmt(all_formats[f], 3000, 8, &len);
		cr_assert_not_null(strstr(buf, "\xF0\x9F"), "format %d: raw emoji", f);
		cr_assert_null(strstr(buf, "\\ud83"), "format %d: no surrogate escapes", f);
		cr_assert_null(strstr(buf, "\\/"), "format %d: '/' not escaped", f);
		free(buf);
	}
}

Test(gen, v2_reddit_scrm_shapes)
{
	size_t len;
	char *buf = gen_fmt(SCRM_FORMAT_TWITTER_V2, 2000, 4, &len);
	cr_assert_eq(strncmp(buf, "{\"data\":{\"id\":\"", 15), 0);
	cr_assert_not_null(strstr(buf, "\"includes\":{\"users\":[{\"id\":\""));
	cr_assert_not_null(strstr(buf, "\"matching_rules\":[{\"id\":\""));
	cr_assert_not_null(strstr(buf, "\"public_metrics\":{\"followers_count\":"));
	cr_assert_not_null(strstr(buf, "\"referenced_tweets\":[{\"type\":\"replied_to\""));
	cr_assert_not_null(strstr(buf, "\"referenced_tweets\":[{\"type\":\"retweeted\""));
	free(buf);

	buf = gen_fmt(SCRM_FORMAT_REDDIT, 2000, 4, &len);
	cr_assert_not_null(strstr(buf, "\"body\":\""), "comments");
	cr_assert_not_null(strstr(buf, "\"title\":\""), "submissions");
	cr_assert_not_null(strstr(buf, "\"subreddit\":\"SkyVista\""));
	cr_assert_not_null(strstr(buf, "\"parent_id\":\"t1_"));
	cr_assert_not_null(strstr(buf, "\"parent_id\":\"t3_"));
	cr_assert_not_null(strstr(buf, "\"distinguished\":\"moderator\""), "brand replies");
	free(buf);

	buf = gen_fmt(SCRM_FORMAT_SCRM, 3000, 4, &len);
	static const char *const ch[] = {"twitter", "facebook", "email", "chat", "phone", "forum", "review"};
	char key[48];
	for (size_t k = 0; k < sizeof(ch) / sizeof(ch[0]); k++) {
		snprintf(key, sizeof(key), "\"channel\":\"%s\"", ch[k]);
		cr_assert_not_null(strstr(buf, key), "%s", key);
	}
	cr_assert_not_null(strstr(buf, "\"direction\":\"out\""));
	cr_assert_not_null(strstr(buf, "\"direction\":\"in\""));
	cr_assert_not_null(strstr(buf, "@mail.example\""), "e-mail identities");
	cr_assert_not_null(strstr(buf, "\"handle\":\"+1555"), "phone identities");
	free(buf);
}

/* ---- threads ---- */

/* ids seen so far; Twitter ids increase, so a sorted array and bsearch would do, but
 * Reddit and scrm ids are not numeric: a linear table keyed by string is plenty here. */
struct idset {
	char (*v)[32];
	size_t n;
};

static bool idset_has(const struct idset *s, const char *id)
{
	for (size_t k = s->n; k-- > 0;)
		if (strcmp(s->v[k], id) == 0)
			return true;
	return false;
}

Test(gen, v1_threads_point_to_earlier_tweets_and_ids_increase)
{
	size_t len;
	char *buf = gen_fmt(SCRM_FORMAT_TWITTER_V1, 10000, 17, &len);
	uint64_t brand_ids[SCRM_GEN_BRANDS];
	for (unsigned b = 0; b < SCRM_GEN_BRANDS; b++) {
		scrm_gen_author_info a;
		cr_assert_eq(scrm_gen_brand(b, &a), 0);
		brand_ids[b] = a.id;
	}
	uint64_t *ids = malloc(10000 * sizeof(*ids));
	uint64_t *authors = malloc(10000 * sizeof(*authors));
	size_t n = 0, replies = 0, brand_replies = 0, followups = 0;
	uint64_t prev_ts = 0;
	for (char *line = buf; line < buf + len; n++) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		char v[64];
		cr_assert(str_after(line, nl, "\"id_str\":\"", v, sizeof(v)));
		size_t digits = strlen(v);
		cr_assert(digits >= 18 && digits <= 19, "id %s", v);
		ids[n] = strtoull(v, NULL, 10);
		if (n)
			cr_assert_gt(ids[n], ids[n - 1], "ids increase (line %zu)", n + 1);
		char num[80];
		snprintf(num, sizeof(num), "\"id\":%s,", v);
		cr_assert(has(line, nl, num), "numeric id equals id_str");
		cr_assert(str_after(line, nl, "\"timestamp_ms\":\"", v, sizeof(v)));
		uint64_t ts = strtoull(v, NULL, 10);
		cr_assert_geq(ts, prev_ts);
		prev_ts = ts;
		const char *u = memmem(line, (size_t)(nl - line), "\"user\":{\"id\":", 13);
		cr_assert_not_null(u);
		authors[n] = strtoull(u + 13, NULL, 10);
		bool by_brand = false;
		for (unsigned b = 0; b < SCRM_GEN_BRANDS; b++)
			by_brand |= authors[n] == brand_ids[b];
		if (str_after(line, nl, "\"in_reply_to_status_id_str\":\"", v, sizeof(v))) {
			uint64_t parent = strtoull(v, NULL, 10);
			replies++;
			size_t k = n;
			while (k > 0 && ids[k - 1] != parent)
				k--;
			cr_assert_gt(k, 0, "line %zu replies to %s, not an earlier tweet", n + 1, v);
			cr_assert(has(line, nl, "\"in_reply_to_screen_name\":\""));
			bool parent_by_brand = false;
			for (unsigned b = 0; b < SCRM_GEN_BRANDS; b++)
				parent_by_brand |= authors[k - 1] == brand_ids[b];
			brand_replies += by_brand;
			followups += !by_brand && parent_by_brand;
		}
		line = nl + 1;
	}
	cr_assert_eq(n, 10000);
	cr_assert_gt(replies, 1000, "%zu replies", replies);
	cr_assert_gt(brand_replies, 500, "%zu brand replies", brand_replies);
	cr_assert_gt(followups, 100, "%zu customer follow-ups to a brand reply", followups);
	free(ids);
	free(authors);
	free(buf);
}

Test(gen, v2_reddit_scrm_threads_point_to_earlier_posts)
{
	static const enum scrm_format fmts[3] = {SCRM_FORMAT_TWITTER_V2, SCRM_FORMAT_REDDIT, SCRM_FORMAT_SCRM};
	for (int f = 0; f < 3; f++) {
		size_t len;
		char *buf = gen_fmt(fmts[f], 5000, 23, &len);
		struct idset seen = {malloc(5000 * sizeof(*seen.v)), 0};
		size_t replies = 0, n = 0;
		for (char *line = buf; line < buf + len; n++) {
			char *nl = memchr(line, '\n', (size_t)(buf + len - line));
			char id[40], v[40], conv[40];
			bool reply = false;
			if (fmts[f] == SCRM_FORMAT_TWITTER_V2) {
				cr_assert(str_after(line, nl, "{\"data\":{\"id\":\"", id, sizeof(id)));
				cr_assert(str_after(line, nl, "\"conversation_id\":\"", conv, sizeof(conv)));
				cr_assert(strcmp(conv, id) == 0 || idset_has(&seen, conv), "line %zu", n + 1);
				reply = str_after(line, nl, "{\"type\":\"replied_to\",\"id\":\"", v, sizeof(v));
			} else if (fmts[f] == SCRM_FORMAT_REDDIT) {
				char raw[32];
				cr_assert(str_after(line, nl, "\"id\":\"", raw, sizeof(raw)));
				bool sub = has(line, nl, "\"title\":\"");
				snprintf(id, sizeof(id), "%s%s", sub ? "t3_" : "t1_", raw);
				if (!sub) {
					cr_assert(str_after(line, nl, "\"link_id\":\"", conv, sizeof(conv)));
					cr_assert(idset_has(&seen, conv), "line %zu: link_id %s", n + 1, conv);
					reply = str_after(line, nl, "\"parent_id\":\"", v, sizeof(v));
					cr_assert(reply);
				}
			} else {
				cr_assert(str_after(line, nl, "{\"id\":\"", id, sizeof(id)));
				cr_assert(str_after(line, nl, "\"conversation\":\"", conv, sizeof(conv)));
				cr_assert(strcmp(conv, id) == 0 || idset_has(&seen, conv), "line %zu", n + 1);
				reply = str_after(line, nl, "\"in_reply_to\":\"", v, sizeof(v));
			}
			if (reply) {
				cr_assert(idset_has(&seen, v), "format %d line %zu: parent %s not seen before", f, n + 1, v);
				replies++;
			}
			cr_assert_not(idset_has(&seen, id), "format %d line %zu: duplicate id %s", f, n + 1, id);
			snprintf(seen.v[seen.n++], 32, "%.31s", id);
			line = nl + 1;
		}
		cr_assert_gt(replies, 500, "format %d: %zu replies", f, replies);
		free(seen.v);
		free(buf);
	}
}

/* ---- statistics ---- */

/* Posts per customer of one generated v1 stream, most active first (brands' posts left
 * out: their user ids have 8 digits, customers' 10). *total gets the customers' posts. */
static uint32_t *posts_per_author(const char *buf, size_t len, size_t *distinct, size_t *total)
{
	size_t cap = 1 << 18;
	uint64_t *key = calloc(cap, sizeof(*key));
	uint32_t *cnt = calloc(cap, sizeof(*cnt));
	cr_assert(key && cnt);
	size_t m = 0, n = 0;
	for (const char *line = buf; line < buf + len;) {
		const char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		const char *u = memmem(line, (size_t)(nl - line), "\"user\":{\"id\":", 13);
		cr_assert_not_null(u);
		uint64_t id = strtoull(u + 13, NULL, 10);
		if (id >= 1000000000ull) {
			size_t h = (size_t)(id * 0x9E3779B97F4A7C15ull >> 46) & (cap - 1);
			while (key[h] && key[h] != id)
				h = (h + 1) & (cap - 1);
			m += !key[h];
			key[h] = id;
			cnt[h]++;
			n++;
			cr_assert_lt(m, cap / 2);
		}
		line = nl + 1;
	}
	uint32_t *v = malloc(m * sizeof(*v));
	size_t k = 0;
	for (size_t h = 0; h < cap; h++)
		if (key[h])
			v[k++] = cnt[h];
	qsort(v, m, sizeof(*v), cmp_u32_desc);
	free(key);
	free(cnt);
	*distinct = m;
	*total = n;
	return v;
}

/* Every customer's post (fresh, follow-up or retweet) is by an author drawn with
 * P(rank k) proportional to (k + Q)^-S over the default population, twice the count. Author
 * index i has rank i + 1 and the user id scrm_gen_author(seed, i) gives, so the share of
 * the posts by the first 0.1 % and 1 % of the population is checked against the formula
 * without the bias of sorting observed counts (the head is flat: many authors alike). */
Test(gen, author_activity_is_zipf_mandelbrot)
{
	const uint64_t count = 50000, seed = 7;
	const uint32_t N = 2 * count; /* the default population: max(1000, 2 * count) */
	size_t len;
	char *buf = gen_fmt(SCRM_FORMAT_TWITTER_V1, count, seed, &len);

	double H = 0, H01 = 0, H1 = 0;
	for (uint32_t k = 1; k <= N; k++) {
		H += pow(k + SCRM_GEN_ZIPF_Q, -SCRM_GEN_ZIPF_S);
		if (k == N / 1000)
			H01 = H;
		if (k == N / 100)
			H1 = H;
	}
	double exp_top01 = H01 / H, exp_top1 = H1 / H;

	/* the ids of the first N/100 authors, sorted, for bsearch */
	uint64_t *ids = malloc(N / 100 * sizeof(*ids));
	uint64_t *head = malloc(N / 1000 * sizeof(*head));
	for (uint32_t i = 0; i < N / 100; i++) {
		scrm_gen_author_info a;
		cr_assert_eq(scrm_gen_author(seed, i, &a), 0);
		ids[i] = a.id;
		if (i < N / 1000)
			head[i] = a.id;
	}
	qsort(ids, N / 100, sizeof(*ids), cmp_u64);
	qsort(head, N / 1000, sizeof(*head), cmp_u64);
	size_t total = 0, in1 = 0, in01 = 0;
	for (const char *line = buf; line < buf + len;) {
		const char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		const char *u = memmem(line, (size_t)(nl - line), "\"user\":{\"id\":", 13);
		cr_assert_not_null(u);
		uint64_t id = strtoull(u + 13, NULL, 10);
		if (id >= 1000000000ull) { /* a customer (brands' ids have 8 digits) */
			total++;
			in1 += bsearch(&id, ids, N / 100, sizeof(*ids), cmp_u64) != NULL;
			in01 += bsearch(&id, head, N / 1000, sizeof(*head), cmp_u64) != NULL;
		}
		line = nl + 1;
	}
	double top01 = (double)in01 / (double)total, top1 = (double)in1 / (double)total;
	/* the first 100 authors write ~2,000 posts (some in threads), the first 1,000 ~8,000 */
	cr_assert(fabs(top01 - exp_top01) < 0.12 * exp_top01, "top 0.1%% share %.4f, expected %.4f", top01, exp_top01);
	cr_assert(fabs(top1 - exp_top1) < 0.05 * exp_top1, "top 1%% share %.4f, expected %.4f", top1, exp_top1);
	free(ids);
	free(head);
	free(buf);
}

/* A stream of about 10,000 customers' posts is shaped like the real customer-care sets of
 * that size in ../shared/corpora (bench/author_activity.py; BENCHMARKS.md, "Who posts how
 * often"): airline-sentiment dev 1.68 posts per author, 67 % of authors seen once, the
 * most active 1 % of authors 6.9 % of the posts, the most active one 0.41 %; twcs
 * Spotify inbound 1.74, 61 %, 4.8 %, 0.13 %. The bands hold both sets. */
Test(gen, author_activity_is_shaped_like_real_customer_care)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		size_t len, distinct, total;
		char *buf = gen_fmt(SCRM_FORMAT_TWITTER_V1, 13000, seed, &len);
		uint32_t *v = posts_per_author(buf, len, &distinct, &total);
		size_t once = 0, top1 = 0;
		for (size_t i = 0; i < distinct; i++)
			once += v[i] == 1;
		for (size_t i = 0; i < distinct / 100; i++)
			top1 += v[i];
		double ppa = (double)total / (double)distinct, fonce = (double)once / (double)distinct;
		double ftop1 = (double)top1 / (double)total, ftop = (double)v[0] / (double)total;
		cr_assert(total > 9000 && total < 11500, "seed %" PRIu64 ": %zu customers' posts", seed, total);
		cr_assert(ppa > 1.5 && ppa < 1.9, "seed %" PRIu64 ": %.2f posts per author", seed, ppa);
		cr_assert(fonce > 0.58 && fonce < 0.72, "seed %" PRIu64 ": %.2f seen once", seed, fonce);
		cr_assert(ftop1 > 0.04 && ftop1 < 0.09, "seed %" PRIu64 ": top 1%% %.3f", seed, ftop1);
		cr_assert(ftop > 0.001 && ftop < 0.005, "seed %" PRIu64 ": top author %.4f", seed, ftop);
		free(v);
		free(buf);
	}
}

Test(gen, crisis_burst_in_10000_records)
{
	size_t len;
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.count = 10000;
	o.seed = 42;
	char *buf = gen_mem(&o, &len);
	int64_t *ts = malloc(o.count * sizeof(*ts));
	size_t n = 0;
	/* hashtag -> distinct authors, for the first hashtag of each line */
	enum { MAXTAG = 256 };
	char tags[MAXTAG][48];
	size_t ntags = 0, tag_posts[MAXTAG] = {0};
	int64_t tag_first[MAXTAG], tag_last[MAXTAG];
	char (*tag_auth)[MAXTAG] = calloc(1u << 14, MAXTAG); /* [author hash][tag] seen */
	size_t tag_distinct[MAXTAG] = {0};
	for (char *line = buf; line < buf + len; n++) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		char v[64];
		cr_assert(str_after(line, nl, "\"timestamp_ms\":\"", v, sizeof(v)));
		ts[n] = strtoll(v, NULL, 10);
		if (str_after(line, nl, "\"hashtags\":[{\"text\":\"", v, sizeof(v))) {
			size_t t = 0;
			while (t < ntags && strcmp(tags[t], v) != 0)
				t++;
			if (t == ntags && ntags < MAXTAG) {
				snprintf(tags[ntags++], sizeof(tags[0]), "%.47s", v);
				tag_first[t] = ts[n];
			}
			if (t < ntags) {
				const char *u = memmem(line, (size_t)(nl - line), "\"user\":{\"id\":", 13);
				uint64_t id = strtoull(u + 13, NULL, 10);
				size_t h = (size_t)(id * 0x9E3779B97F4A7C15ull >> 50);
				if (!tag_auth[h][t]) {
					tag_auth[h][t] = 1;
					tag_distinct[t]++;
				}
				tag_posts[t]++;
				tag_last[t] = ts[n];
			}
		}
		line = nl + 1;
	}
	/* the densest second holds at least 10x the mean rate */
	size_t best = 0;
	for (size_t i = 0, j = 0; i < n; i++) {
		while (ts[i] - ts[j] >= 1000)
			j++;
		if (i - j + 1 > best)
			best = i - j + 1;
	}
	cr_assert_geq(best, (size_t)(10 * o.rate), "densest second: %zu records", best);
	/* one hashtag shared by many authors, concentrated in time */
	size_t t = 0;
	for (size_t k = 1; k < ntags; k++)
		if (tag_distinct[k] > tag_distinct[t])
			t = k;
	cr_assert_geq(tag_distinct[t], 100, "#%s: %zu authors", tags[t], tag_distinct[t]);
	double span = (double)(ts[n - 1] - ts[0]);
	cr_assert_lt((double)(tag_last[t] - tag_first[t]), 0.5 * span, "#%s is spread over the whole run", tags[t]);
	free(tag_auth);
	free(ts);
	free(buf);
}

/* ---- authors ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

Test(gen, authors_are_pure_unique_and_power_law)
{
	enum { N = 100000 };
	scrm_gen_author_info a, b;
	cr_assert_eq(scrm_gen_author(9, 1234, &a), 0);
	cr_assert_eq(scrm_gen_author(9, 1234, &b), 0);
	cr_assert(memcmp(&a, &b, sizeof(a)) == 0, "a pure function of (seed, i)");
	cr_assert_eq(scrm_gen_author(9, 0, NULL), -EINVAL);

	char (*handles)[16] = malloc(N * sizeof(*handles));
	char (*emails)[64] = malloc(N * sizeof(*emails));
	uint64_t *ids = malloc(N * sizeof(*ids));
	size_t over500 = 0, over100k = 0, verified = 0;
	for (uint32_t i = 0; i < N; i++) {
		cr_assert_eq(scrm_gen_author(9, i, &a), 0);
		size_t hl = strlen(a.handle);
		cr_assert(hl >= 1 && hl <= 15, "handle '%s'", a.handle);
		cr_assert_eq(strspn(a.handle, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"), hl);
		cr_assert_gt(strlen(a.name), 0);
		cr_assert_not_null(strchr(a.email, '@'));
		cr_assert_eq(strncmp(a.phone, "+1555", 5), 0);
		cr_assert_eq(a.is_brand, 0);
		memcpy(handles[i], a.handle, 16);
		memcpy(emails[i], a.email, 64);
		ids[i] = a.id;
		over500 += a.followers > 500;
		over100k += a.followers > 100000;
		verified += a.verified;
	}
	qsort(handles, N, sizeof(*handles), cmp_str);
	qsort(emails, N, sizeof(*emails), cmp_str);
	qsort(ids, N, sizeof(*ids), cmp_u64);
	for (size_t i = 1; i < N; i++) {
		cr_assert_neq(strcmp(handles[i], handles[i - 1]), 0, "duplicate handle %s", handles[i]);
		cr_assert_neq(strcmp(emails[i], emails[i - 1]), 0, "duplicate e-mail %s", emails[i]);
		cr_assert_neq(ids[i], ids[i - 1], "duplicate id");
	}
	/* Pareto(alpha 0.9, scale 10) - 10: P(>500) = 51^-0.9 = 2.9 %, P(>100k) = 2.5e-4 */
	cr_assert(over500 > N * 0.02 && over500 < N * 0.04, "%zu above 500", over500);
	cr_assert(over100k >= 5 && over100k <= 60, "%zu above 100k", over100k);
	cr_assert(verified > 100 && verified < N * 0.02, "%zu verified", verified);
	free(handles);
	free(emails);
	free(ids);
}

Test(gen, brands_are_verified_big_accounts)
{
	scrm_gen_author_info a;
	for (unsigned b = 0; b < SCRM_GEN_BRANDS; b++) {
		cr_assert_eq(scrm_gen_brand(b, &a), 0);
		cr_assert_eq(a.verified, 1);
		cr_assert_eq(a.is_brand, 1);
		cr_assert_gt(a.followers, 100000);
		cr_assert_gt(strlen(a.handle), 0);
	}
	cr_assert_eq(scrm_gen_brand(SCRM_GEN_BRANDS, &a), -EINVAL);
	cr_assert_eq(scrm_gen_brand(0, NULL), -EINVAL);
}

/* ---- errors and the command line ---- */

Test(gen, write_rejects_bad_options_and_reports_epipe)
{
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.rate = 0;
	cr_assert_eq(scrm_gen_write(1, &o), -EINVAL);
	o.rate = NAN;
	cr_assert_eq(scrm_gen_write(1, &o), -EINVAL);
	scrm_gen_opts_default(&o);
	o.format = SCRM_FORMAT_AUTO;
	cr_assert_eq(scrm_gen_write(1, &o), -EINVAL);
	scrm_gen_opts_default(&o);
	o.start_ms = 0;
	cr_assert_eq(scrm_gen_write(1, &o), -EINVAL);
	cr_assert_eq(scrm_gen_write(1, NULL), -EINVAL);

	int p[2];
	cr_assert_eq(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	scrm_gen_opts_default(&o);
	o.count = 100000;
	cr_assert_eq(scrm_gen_write(p[1], &o), -EPIPE);
	close(p[1]);
}

static int run_cli(int argc, const char *const *argv)
{
	return scrm_gen_main(argc, (char **)argv);
}

#define CLI(...)                                                                   \
	({                                                                         \
		const char *const a_[] = {"gen", __VA_ARGS__};                    \
		run_cli((int)(sizeof(a_) / sizeof(a_[0])), a_);                    \
	})

Test(gen, cli_rejects_bad_options_with_exit_2, .init = cr_redirect_stderr)
{
	cr_assert_eq(CLI("--bogus"), 2);
	cr_assert_eq(CLI("extra"), 2);
	cr_assert_eq(CLI("--count"), 2, "missing value");
	cr_assert_eq(CLI("--count", "abc"), 2);
	cr_assert_eq(CLI("--count", ""), 2);
	cr_assert_eq(CLI("--count", "-5"), 2);
	cr_assert_eq(CLI("--count", "+5"), 2);
	cr_assert_eq(CLI("--count", " 5"), 2);
	cr_assert_eq(CLI("--count", "5x"), 2);
	cr_assert_eq(CLI("--count", "99999999999999999999999"), 2, "overflow");
	cr_assert_eq(CLI("--seed", "18446744073709551616"), 2, "2^64");
	cr_assert_eq(CLI("--count=1e3"), 2);
	cr_assert_eq(CLI("--format", "xml"), 2);
	cr_assert_eq(CLI("--format="), 2);
	cr_assert_eq(CLI("--rate", "0"), 2);
	cr_assert_eq(CLI("--rate", "-3"), 2);
	cr_assert_eq(CLI("--rate", "nan"), 2);
	cr_assert_eq(CLI("--rate", "inf"), 2);
	cr_assert_eq(CLI("--rate", "12abc"), 2);
	cr_assert_eq(CLI("--authors", "0"), 2);
	cr_assert_eq(CLI("--authors", "4294967296"), 2);
	cr_assert_eq(CLI("--start", "yesterday"), 2);
	cr_assert_eq(CLI("--start", "2026-13-01"), 2);
	cr_assert_eq(CLI("--start", "2026-02-30"), 2);
	cr_assert_eq(CLI("--start", "2026-01-05T25:00:00Z"), 2);
	cr_assert_eq(CLI("--start", "2026-01-05T09:00:00Q"), 2);
	cr_assert_eq(CLI("--start", "1999-01-01"), 2, "before the snowflake epoch");
	cr_assert_eq(CLI("-o"), 2);
	cr_assert_eq(CLI("-o", ""), 2);
	cr_assert_eq(CLI("--count", "1", "-o", "/nonexistent-dir/x.ndjson"), 1, "I/O error is exit 1");
}

Test(gen, cli_help_exits_0, .init = cr_redirect_stdout)
{
	cr_assert_eq(CLI("--help"), 0);
	cr_assert_eq(CLI("-h"), 0);
}

Test(gen, cli_writes_the_same_bytes_as_the_api)
{
	char path[] = "/tmp/scrm-test-gen-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(CLI("--count", "300", "--seed=77", "--format", "reddit", "--rate", "12.5", "--authors", "500",
			 "--start", "2026-01-05T10:00:00.250+01:00", "-o", path),
		     0);
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.count = 300;
	o.seed = 77;
	o.format = SCRM_FORMAT_REDDIT;
	o.rate = 12.5;
	o.authors = 500;
	o.start_ms = SCRM_GEN_DEFAULT_START_MS + 250;
	size_t len;
	char *want = gen_mem(&o, &len);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	char *got = malloc(len + 1);
	cr_assert_eq(fread(got, 1, len + 1, f), len);
	fclose(f);
	unlink(path);
	cr_assert(memcmp(got, want, len) == 0);
	/* the first record is at --start exactly */
	cr_assert_not_null(strstr(want, "\"created_utc\":1767603600,"));
	free(got);
	free(want);
}

Test(gen, start_and_rate_shape_the_timestamps)
{
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.count = 20000;
	o.rate = 200;
	o.format = SCRM_FORMAT_SCRM;
	size_t len;
	char *buf = gen_mem(&o, &len);
	cr_assert_eq(strncmp(strstr(buf, "\"ts\":\""), "\"ts\":\"2026-01-05T09:00:00.000Z\"", 31), 0);
	/* last ts: ~19,000 records at 200/s and the rest in a x20 burst: about 95 s */
	char *last = buf + len - 2;
	while (last > buf && last[-1] != '\n')
		last--;
	char *t = strstr(last, "\"ts\":\"2026-01-05T09:");
	cr_assert_not_null(t);
	int mm = atoi(t + 20), ss = atoi(t + 23);
	int sec = mm * 60 + ss;
	cr_assert(sec >= 88 && sec <= 102, "20000 records at 200/s end at +%d s", sec);
	free(buf);
}

/* ---- CSV: the scrm records as rows ---- */

static bool same_str(const scrm_buf *a, scrm_str x, const scrm_buf *b, scrm_str y)
{
	if (scrm_str_present(x) != scrm_str_present(y))
		return false;
	return !scrm_str_present(x) ||
	       (x.len == y.len && memcmp(scrm_str_ptr(a, x), scrm_str_ptr(b, y), x.len) == 0);
}

Test(gen, csv_rows_are_the_scrm_records)
{
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.format = SCRM_FORMAT_SCRM;
	o.count = 6000;
	o.seed = 41;
	size_t jn, cn;
	char *js = gen_mem(&o, &jn);
	o.csv = true;
	char *cs = gen_mem(&o, &cn);
	const char *hdr = "id,ts,channel,direction,text,author_id,handle,name,followers,verified,conversation,"
			  "in_reply_to,retweet_of,lang,retweets,likes,replies,quotes\r\n";
	cr_assert(cn > strlen(hdr) && !memcmp(cs, hdr, strlen(hdr)));

	char msg[256], why[128];
	scrm_csv_map *m = NULL;
	cr_assert_eq(scrm_csv_header(&m, cs, strlen(hdr) - 2, NULL, msg, sizeof msg), 0, "%s", msg);
	cr_assert_str_eq(msg, ""); /* every column known */
	scrm_normalizer *nz = scrm_normalizer_create(SCRM_FORMAT_SCRM);
	cr_assert_not_null(nz);
	scrm_recvec rj = {0}, rc = {0};
	scrm_buf aj = {0}, ac = {0}, json = {0};
	scrm_norm_result res;
	const char *jp = js, *cp = cs + strlen(hdr), *je = js + jn, *ce = cs + cn;
	size_t rows = 0, quoted = 0, offline = 0, retweets = 0, replies = 0;
	while (jp < je) {
		const char *jl = memchr(jp, '\n', (size_t)(je - jp));
		cr_assert_not_null(jl);
		scrm_csv_scan sc = {0};
		const char *cl = scrm_csv_end(&sc, cp, (size_t)(ce - cp));
		cr_assert_not_null(cl, "row %zu has no end", rows);
		cr_assert(cl > cp && cl[-1] == '\r', "row %zu ends in CRLF", rows);
		quoted += memchr(cp, '"', (size_t)(cl - cp)) != NULL;
		rj.len = rc.len = 0;
		cr_assert_eq(scrm_normalize_line(nz, jp, (size_t)(jl - jp), &rj, &aj, &res), 0);
		cr_assert_eq(res.reject, SCRM_REJ_NONE);
		cr_assert_eq(scrm_csv_to_json(m, cp, (size_t)(cl - cp), &json, why, sizeof why), 0, "row %zu: %s", rows,
			     why);
		cr_assert_eq(scrm_normalize_line(nz, json.data, json.len, &rc, &ac, &res), 0);
		cr_assert_eq(res.reject, SCRM_REJ_NONE, "row %zu: %s", rows, res.detail);
		cr_assert_eq(rj.len, 1);
		cr_assert_eq(rc.len, 1);
		const scrm_record *a = &rj.v[0], *b = &rc.v[0];
		cr_assert_eq(a->ts_ms, b->ts_ms, "row %zu", rows);
		cr_assert_eq(a->direction, b->direction, "row %zu", rows);
		cr_assert_eq(a->flags, b->flags, "row %zu", rows);
		cr_assert_eq(a->followers, b->followers, "row %zu", rows);
		cr_assert_eq(a->verified, b->verified, "row %zu", rows);
		cr_assert_eq(a->retweets, b->retweets, "row %zu", rows);
		cr_assert_eq(a->likes, b->likes, "row %zu", rows);
		cr_assert_eq(a->replies, b->replies, "row %zu", rows);
		cr_assert_eq(a->quotes, b->quotes, "row %zu", rows);
		cr_assert(same_str(&aj, a->id, &ac, b->id), "row %zu", rows);
		cr_assert(same_str(&aj, a->channel, &ac, b->channel), "row %zu", rows);
		cr_assert(same_str(&aj, a->text, &ac, b->text), "row %zu", rows);
		cr_assert(same_str(&aj, a->author_id, &ac, b->author_id), "row %zu", rows);
		cr_assert(same_str(&aj, a->author_handle, &ac, b->author_handle), "row %zu", rows);
		cr_assert(same_str(&aj, a->author_name, &ac, b->author_name), "row %zu", rows);
		cr_assert(same_str(&aj, a->conversation, &ac, b->conversation), "row %zu", rows);
		cr_assert(same_str(&aj, a->in_reply_to, &ac, b->in_reply_to), "row %zu", rows);
		cr_assert(same_str(&aj, a->retweet_of, &ac, b->retweet_of), "row %zu", rows);
		cr_assert(same_str(&aj, a->lang, &ac, b->lang), "row %zu", rows);
		offline += a->likes == SCRM_UNKNOWN_INT;
		retweets += scrm_str_present(a->retweet_of);
		replies += scrm_str_present(a->in_reply_to);
		rows++;
		jp = jl + 1;
		cp = cl + 1;
		aj.len = 0;
		ac.len = 0;
	}
	cr_assert_eq(cp, ce, "no rows after the last record");
	cr_assert_eq(rows, 6000);
	/* the rows exercise what CSV must get right: quoted cells, empty ones, links */
	cr_assert(quoted > 300 && offline > 300 && retweets > 100 && replies > 300,
		  "quoted %zu offline %zu retweets %zu replies %zu", quoted, offline, retweets, replies);

	/* a header alone for --count 0; CSV is a view of the scrm format only */
	o.count = 0;
	char *empty = gen_mem(&o, &cn);
	cr_assert_str_eq(empty, hdr);
	o.format = SCRM_FORMAT_TWITTER_V1;
	cr_assert_eq(scrm_gen_write(1, &o), -EINVAL);
	free(empty);
	scrm_buf_free(&json);
	scrm_buf_free(&aj);
	scrm_buf_free(&ac);
	scrm_recvec_free(&rj);
	scrm_recvec_free(&rc);
	scrm_normalizer_free(nz);
	scrm_csv_map_free(m);
	free(js);
	free(cs);
}
