/*
 * event.h - the routed event: serializing a processed record as one NDJSON line.
 *
 * The schema is versioned (SCRM_EVENT_VERSION, the "v" field) and documented in
 * README.md ("Routed event schema"). Fields are always written in the same order and
 * absent values are written as null, so the same record always gives the same bytes.
 *
 * Threads: pure functions over their arguments; any thread.
 */
#ifndef SCRM_EVENT_H
#define SCRM_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "record.h"
#include "topics.h"

#define SCRM_EVENT_VERSION 1

/* Read-only names the serializer needs, quoted and escaped as JSON strings once per
 * run (scrm_event_names_init), so the hot path only copies them. */
typedef struct scrm_event_names {
	char **routes_json;        /* route index -> "name" */
	size_t *routes_json_len;
	size_t n_routes;
	char **inputs_json;        /* input index -> "path as given on the command line" */
	size_t *inputs_json_len;
	size_t n_inputs;
	char **topics_json;        /* topic/cue id -> "name" (NULL without rules) */
	size_t *topics_json_len;
	uint8_t *topic_is_cue;
	size_t n_topics;
	size_t topics_bound;       /* bytes the topics and cues lists of one event can take */
	char **terms_json;         /* topics term id -> "term as written" (why.topics) */
	size_t *terms_json_len;
	size_t n_terms;
	size_t terms_bound;        /* bytes the terms of why.topics can take */
	/* Classifiers [0] intent, [1] action (set by the pipeline; plain identifiers, written
	   unescaped): the classifier's name and its task's label names. */
	const char *clf_name[2];
	const char *clf_gated_name[2]; /* the classifier of a record with clf_gated bit k */
	const char *const *clf_labels[2];
	size_t clf_nlabels[2];
	/* Set by the pipeline when it routes (else NULL / 0): */
	char **rules_json;         /* routing rule i -> "FILE:LINE"; [n_rules] -> "default" */
	size_t *rules_json_len;
	size_t n_rules;
} scrm_event_names;

/* Build the quoted names. Returns 0 or -ENOMEM (nothing to free then). */
int scrm_event_names_init(scrm_event_names *nm, const char *const *routes, size_t n_routes,
			  const char *const *inputs, size_t n_inputs, const scrm_topics *topics);

/* The routing rules' "why.rule" strings: @whys[0..n) for the rules in file order, then
 * @default_why. Returns 0 or -ENOMEM. Freed by scrm_event_names_free(). */
int scrm_event_names_set_rules(scrm_event_names *nm, const char *const *whys, size_t n, const char *default_why);

/* Free what scrm_event_names_init allocated. Accepts NULL. */
void scrm_event_names_free(scrm_event_names *nm);

/* Append the event for `r` (strings in `arena`, which must be valid UTF-8, as the
 * normalizer guarantees) and a '\n' to `out`. Absent optional fields (in_reply_to,
 * retweet_of, quote_of, place, flags) are left out; the others are written as null.
 * Returns 0 or -ENOMEM. */
int scrm_event_write(scrm_buf *out, const scrm_record *r, const scrm_buf *arena,
		     const scrm_event_names *names);

/* Append `s` (n bytes of UTF-8) as a quoted JSON string. Bytes that are not valid
 * UTF-8 are written as \u00XX escapes of the byte value (so the output stays valid
 * JSON whatever the input). Returns 0 or -ENOMEM. */
int scrm_json_put_str(scrm_buf *out, const char *s, size_t n);

/* Append a signed decimal integer. Returns 0 or -ENOMEM. */
int scrm_json_put_i64(scrm_buf *out, int64_t v);

/* Format ms since the epoch as RFC 3339 UTC ("2015-02-24T19:15:45Z", with ".mmm"
 * when the milliseconds are not zero) into buf (>= 32 bytes). Returns the length. */
size_t scrm_format_time(char *buf, int64_t ms);

#endif
