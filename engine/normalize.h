/*
 * normalize.h - parse one NDJSON line and normalize it into canonical records.
 *
 * Implemented in json_shim.cpp on top of simdjson (a thin C++ shim behind this C API).
 * One normalizer per thread: it owns the parser's reusable buffers. Nothing here
 * allocates per record once the buffers have grown to the largest line seen.
 *
 * Schemas (detected per line, or forced):
 *   - X/Twitter API v1.1 tweet objects (text / full_text / extended_tweet.full_text,
 *     retweeted_status, quoted_status, user.*, in_reply_to_status_id_str, ...)
 *   - X API v2 response pages and filtered-stream lines: `data` (object or array) with
 *     `includes.users` / `includes.tweets`; one line yields one record per tweet.
 *   - Reddit / Pushshift comments and submissions.
 *   - the canonical scrm schema (README.md, "Canonical input schema").
 * Twitter stream control messages (delete, limit, warning, ...) are not records: they
 * are reported as skipped with their kind, and counted by the caller.
 */
#ifndef SCRM_NORMALIZE_H
#define SCRM_NORMALIZE_H

#include <stddef.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why a line was quarantined. Stable names: scrm_reject_name(). */
enum scrm_reject {
	SCRM_REJ_NONE = 0,
	SCRM_REJ_BAD_JSON,       /* not a JSON document (detail: the parser's message) */
	SCRM_REJ_BAD_UTF8,       /* invalid UTF-8 that could not be repaired */
	SCRM_REJ_MISSING_TEXT,   /* a post without usable text (incl. [deleted]/[removed]) */
	SCRM_REJ_MISSING_ID,     /* a post without an id */
	SCRM_REJ_UNKNOWN_SCHEMA, /* valid JSON, but no known schema matches */
	SCRM_REJ_API_ERROR,      /* an API error body ({"errors":[...]} without data) */
	SCRM_REJ_OVERSIZE,       /* line longer than the configured maximum (set by the chunker) */
	SCRM_REJ_TOO_DEEP,       /* nesting deeper than the parser allows */
	SCRM_REJ_BAD_CSV,        /* a CSV row that is not well-formed (csv.h; detail: why) */
	SCRM_REJ__COUNT
};

/* Stream control messages that are skipped (counted, not quarantined). */
enum scrm_skip {
	SCRM_SKIP_NONE = 0,
	SCRM_SKIP_DELETE,     /* {"delete":...} */
	SCRM_SKIP_LIMIT,      /* {"limit":...} */
	SCRM_SKIP_WARNING,    /* {"warning":...} stall warning */
	SCRM_SKIP_WITHHELD,   /* status_withheld / user_withheld */
	SCRM_SKIP_CONTROL,    /* friends, direct_message, event, scrub_geo, disconnect, control */
	SCRM_SKIP_EMPTY,      /* a blank line (only whitespace) */
	SCRM_SKIP__COUNT
};

const char *scrm_reject_name(enum scrm_reject r); /* "bad_json", "bad_utf8", ... */
const char *scrm_skip_name(enum scrm_skip s);     /* "delete", "limit", ... */

/* scrm_norm_result.repaired bits. */
enum {
	SCRM_REPAIR_UTF8 = 1,   /* invalid UTF-8 or a lone surrogate escape became U+FFFD */
	SCRM_REPAIR_NUMBER = 2, /* a number beyond int64/uint64/double became null */
};

typedef struct scrm_norm_result {
	int nrec;                 /* records appended to the vector */
	enum scrm_reject reject;  /* SCRM_REJ_NONE unless the line was quarantined */
	enum scrm_skip skip;      /* SCRM_SKIP_NONE unless the line was a control message */
	int repaired;             /* SCRM_REPAIR_* bits: what the line needed to parse */
	const char *detail;       /* static string with more detail on a reject, or NULL */
} scrm_norm_result;

typedef struct scrm_normalizer scrm_normalizer;

/* Create a normalizer. `format` is SCRM_FORMAT_AUTO or a forced schema.
 * Returns NULL on allocation failure. */
scrm_normalizer *scrm_normalizer_create(enum scrm_format format);

/* Free a normalizer. Accepts NULL. */
void scrm_normalizer_free(scrm_normalizer *n);

/*
 * Normalize one line (without its '\n'; a trailing '\r' is allowed).
 * `line` must be followed by at least SCRM_PADDING readable bytes (their content
 * does not matter). Records are appended to `out`; their strings are copied into
 * `arena`. Each appended record has its canonical fields set and `sub` numbered from
 * 0; the caller sets the input position fields.
 * Returns 0 and fills *res (a reject or skip is not an error), or -ENOMEM.
 * On a reject nothing is appended to `out` (the arena may have grown).
 *
 * One exception, for X API v2 pages (many tweets per line): tweets of a page that
 * are unusable (no id, no text, not an object) are not dropped silently. If at least
 * one tweet of the page is usable, those records are appended (nrec > 0, `sub`
 * numbered 0..nrec-1 over the kept ones) AND res->reject is set to the reason of the
 * first unusable tweet (MISSING_ID, MISSING_TEXT or UNKNOWN_SCHEMA) with a detail:
 * the line is "partial". The caller keeps the records and counts the line as
 * partially quarantined. If no tweet is usable it is an ordinary reject (nrec == 0).
 * A v2 page whose `data` is an empty array is skipped as SCRM_SKIP_CONTROL (paging
 * metadata, not a message).
 */
int scrm_normalize_line(scrm_normalizer *n, const char *line, size_t len,
			scrm_recvec *out, scrm_buf *arena, scrm_norm_result *res);

/* Parse (and fully validate) one line as JSON without normalizing it: the benchmark's
 * "parse alone" figure. Returns 0 if valid JSON, 1 if not, -ENOMEM. */
int scrm_json_validate(scrm_normalizer *n, const char *line, size_t len);

/* Parse a timestamp as used by the sources: RFC 3339 / ISO 8601
 * ("2015-02-24T19:15:45Z", "2015-02-24 11:35:52 -0800", fractional seconds allowed) or
 * Twitter's "Wed Aug 27 13:08:45 +0000 2008". Returns 0 and sets *ms, or -EINVAL. */
int scrm_parse_time(const char *s, size_t len, int64_t *ms);

#ifdef __cplusplus
}
#endif

#endif
