/*
 * fuzz_normalize.c - libFuzzer target for the normalizer (engine/json_shim.cpp).
 *
 * The input is one line. It is normalized by a warm auto-detecting normalizer and by
 * one forced to a schema picked from the input length, validated, and its bytes are
 * also fed to scrm_parse_time. Invariants checked (a violation traps):
 *   - scrm_normalize_line returns 0; nrec equals the records appended, and a skip or
 *     a full reject appends nothing and leaves the arena as it was;
 *   - every string of every record lies inside the arena and is valid UTF-8; id,
 *     channel and text are present and non-empty; sub runs 0..nrec-1;
 *   - a repaired line marks every record SCRM_REC_REPAIRED_UTF8 / _NUMBER, as repaired;
 *   - the normalizer and scrm_json_validate agree on what is JSON.
 *
 *   make fuzz && build-fuzz/fuzz/fuzz_normalize -max_total_time=60 CORPUS_DIR
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "utf8.h"
#include "fuzz.h"

/* The engine's strict validator: independent of the simdjson code under test. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	return scrm_utf8_valid_prefix(s, n) == n;
}

static void check_str(const scrm_buf *arena, scrm_str s, int required)
{
	if (!scrm_str_present(s)) {
		CHECK(!required);
		return;
	}
	CHECK((size_t)s.off + s.len <= arena->len);
	CHECK(!required || s.len > 0);
	CHECK(utf8_valid((const unsigned char *)scrm_str_ptr(arena, s), s.len));
}

static int not_json(enum scrm_reject r)
{
	return r == SCRM_REJ_BAD_JSON || r == SCRM_REJ_BAD_UTF8 || r == SCRM_REJ_TOO_DEEP;
}

/* Normalize once and check the result; returns the reject. */
static enum scrm_reject one(scrm_normalizer *n, const char *line, size_t len, scrm_recvec *rv, scrm_buf *arena)
{
	scrm_norm_result res;
	size_t before = rv->len, alen = arena->len, numflags = 0;
	CHECK(scrm_normalize_line(n, line, len, rv, arena, &res) == 0);
	CHECK(res.nrec >= 0 && rv->len - before == (size_t)res.nrec);
	CHECK(res.reject >= SCRM_REJ_NONE && res.reject < SCRM_REJ__COUNT);
	CHECK(res.skip >= SCRM_SKIP_NONE && res.skip < SCRM_SKIP__COUNT);
	if (res.skip != SCRM_SKIP_NONE)
		CHECK(res.nrec == 0 && res.reject == SCRM_REJ_NONE);
	if (res.nrec == 0 && (res.reject != SCRM_REJ_NONE || res.skip != SCRM_SKIP_NONE))
		CHECK(arena->len == alen);
	if (res.reject == SCRM_REJ_NONE && res.skip == SCRM_SKIP_NONE)
		CHECK(res.nrec > 0);
	if (res.reject != SCRM_REJ_NONE)
		CHECK(res.detail != NULL);
	for (size_t i = before; i < rv->len; i++) {
		const scrm_record *r = &rv->v[i];
		CHECK(r->sub == i - before);
		CHECK(r->schema <= SCRM_SCHEMA_REDDIT && r->direction <= SCRM_DIR_OUT);
		CHECK(r->verified >= -1 && r->verified <= 1);
		CHECK(!(res.repaired & SCRM_REPAIR_UTF8) == !(r->flags & SCRM_REC_REPAIRED_UTF8));
		/* a number repaired in parsing flags every record of the line, a negative
		 * count only its own record */
		CHECK(!(r->flags & SCRM_REC_REPAIRED_NUMBER) || (res.repaired & SCRM_REPAIR_NUMBER));
		numflags += (r->flags & SCRM_REC_REPAIRED_NUMBER) != 0;
		/* counts are unknown or not negative; likes may hold a Reddit score */
		const int64_t counts[] = {r->followers, r->retweets, r->replies, r->quotes};
		for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
			CHECK(counts[k] == SCRM_UNKNOWN_INT || counts[k] >= 0);
		CHECK(r->likes == SCRM_UNKNOWN_INT || r->likes >= 0 || r->schema == SCRM_SCHEMA_REDDIT ||
		      r->schema == SCRM_SCHEMA_SCRM);
		/* a retweet names its original, unless it is an X one known only by its text
		 * ("RT @handle:" at the start: a v1.1 manual retweet, a v2 page without
		 * referenced_tweets) */
		CHECK(!(r->flags & SCRM_REC_RETWEET) || scrm_str_present(r->retweet_of) ||
		      ((r->schema == SCRM_SCHEMA_TWITTER_V1 || r->schema == SCRM_SCHEMA_TWITTER_V2) &&
		       r->text.len > 4 && !memcmp(scrm_str_ptr(arena, r->text), "RT @", 4)));
		CHECK(!(r->flags & SCRM_REC_QUOTE) || scrm_str_present(r->quote_of));
		check_str(arena, r->id, 1);
		check_str(arena, r->channel, 1);
		check_str(arena, r->text, 1);
		const scrm_str opt[] = {r->conversation, r->in_reply_to, r->retweet_of, r->quote_of, r->lang,
					r->author_id, r->author_handle, r->author_name, r->place};
		for (size_t k = 0; k < sizeof opt / sizeof opt[0]; k++)
			check_str(arena, opt[k], 0);
	}
	if (res.nrec > 0 && (res.repaired & SCRM_REPAIR_NUMBER))
		CHECK(numflags > 0);
	if (res.nrec > 0 && !res.repaired)
		CHECK(scrm_json_validate(n, line, len) == 0);
	return res.reject;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static scrm_normalizer *autodet, *forced[4];
	static scrm_recvec rv;
	static scrm_buf arena;
	if (!autodet) {
		autodet = scrm_normalizer_create(SCRM_FORMAT_AUTO);
		for (int i = 0; i < 4; i++)
			forced[i] = scrm_normalizer_create((enum scrm_format)i);
	}
	/* An exact-size copy: ASan catches any read beyond the promised padding. */
	char *line = malloc(size + SCRM_PADDING);
	if (!line)
		return 0;
	if (size)
		memcpy(line, data, size);
	memset(line + size, 0, SCRM_PADDING);

	rv.len = 0;
	arena.len = 0;
	enum scrm_reject r = one(autodet, line, size, &rv, &arena);
	one(forced[size % 4], line, size, &rv, &arena);
	int valid = scrm_json_validate(autodet, line, size) == 0;
	if (valid)
		CHECK(!not_json(r));

	int64_t ms;
	(void)scrm_parse_time(line, size < 64 ? size : 64, &ms);
	free(line);
	return 0;
}
