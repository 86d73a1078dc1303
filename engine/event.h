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

#define SCRM_EVENT_VERSION 1

/* Read-only names the serializer needs; built once per run. */
typedef struct scrm_event_names {
	const char *const *routes; /* route index -> name */
	const char *const *inputs; /* input index -> name as given on the command line */
} scrm_event_names;

/* Append the event for `r` (strings in `arena`) and a '\n' to `out`.
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
