/*
 * csv.h - CSV input for the offline channels (call notes, e-mails, chat transcripts as a
 * contact-center tool exports them): `scrm run calls.csv`.
 *
 * FORMAT. CSV as RFC 4180 writes it: fields separated by ',', a field that holds ',',
 * '"', CR or LF is enclosed in double quotes and a '"' inside it is written "";
 * records end in LF or CRLF, and a quoted field may hold line breaks (a record then
 * spans several physical lines); an optional UTF-8 byte-order mark; the first record
 * is the header. An input is CSV when its name ends in ".csv" (before a compression
 * suffix: calls.csv.zst) or when --format csv says so (stdin included).
 *
 * COLUMNS are matched by header name, case-insensitively, in any order, to the fields
 * of the canonical scrm schema (normalize.h):
 *
 *   id                          required column; a row with it empty is missing_id
 *   channel                     required column ("email", "phone", "chat", ...)
 *   text | body | message       required column; a row with it empty is missing_text
 *   ts | time | timestamp | date | created_at
 *                               RFC 3339 / ISO 8601, or an integer of milliseconds
 *   direction                   in | out
 *   author_id, author_handle (or handle), author_name (or name), followers, verified
 *   conversation (or thread), in_reply_to, retweet_of, quote_of, lang, place
 *   retweets, likes, replies, quotes
 *   x_*                         extra data, ignored
 *
 * A dotted name (author.handle, metrics.likes) is the same column as its underscored or
 * short one. Other columns are ignored, and scrm_csv_header() names them in a notice.
 *
 * A ROW becomes one canonical JSON line (scrm_csv_to_json()) that the canonical
 * normalizer then reads, so every field means exactly what it means in NDJSON input: an
 * empty cell is an absent field; followers, the metrics and an all-digit ts are numbers
 * (quoted or not); verified is true/false (also yes/no, 1/0); a value of the wrong kind
 * rejects the row as
 * unknown_schema naming the field. A row that is not well-formed CSV (a quote never
 * closed, text after a closing quote, a quote inside an unquoted field, more or fewer
 * fields than the header) is bad_csv, with the reason.
 *
 * Threads: a map is immutable once made; any number of threads may read it.
 */
#ifndef SCRM_CSV_H
#define SCRM_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct scrm_csv_map scrm_csv_map;

/* What the user says of her exports (`--csv-columns`, `--csv-channel`). */
typedef struct scrm_csv_opts {
	/* "Ticket ID=id,Requester email=handle,Internal note=-": header names (any case)
	 * given a field (a column name of the table above) or ignored ("-", "x_..."), before the
	 * names above are tried. NULL: none. */
	const char *columns;
	/* The channel of a row without one (no channel column, or an empty cell): an export
	 * of one channel. NULL: the column is required. Borrowed by every map made with it. */
	const char *channel;
} scrm_csv_opts;

/* Whether @o is usable: 0, or -EINVAL with the reason in @msg (a pair that is not
 * NAME=FIELD with a known FIELD, an empty channel). */
int scrm_csv_opts_check(const scrm_csv_opts *o, char *msg, size_t msglen);

/*
 * scrm_csv_header() - make the column map of the header record @rec (@len bytes, without
 * its line break; a leading byte-order mark and a final CR are skipped), with @o (NULL:
 * none).
 * Return: 0 and the map in *out, with @msg holding a notice naming the ignored columns
 * (or ""); -EINVAL with the reason in @msg (a required column missing, a column given
 * twice, a header that is not well-formed CSV); -ENOMEM.
 */
int scrm_csv_header(scrm_csv_map **out, const char *rec, size_t len, const scrm_csv_opts *o, char *msg,
		    size_t msglen);

void scrm_csv_map_free(scrm_csv_map *m);

/* The header's column count. */
size_t scrm_csv_columns(const scrm_csv_map *m);

/*
 * scrm_csv_to_json() - the canonical JSON line of the row @rec (@len bytes without its
 * line break; a final CR is dropped), written to @out from its start (out->len is set,
 * and SCRM_PADDING bytes are readable after it, as scrm_normalize_line() wants).
 * Return: 0; 1 for a row that is not well-formed CSV, with the reason in @why, 2 when that
 * is a quoted field never closed (so the row ran on to the end of the input: the caller
 * may take its first line alone, see pipeline.c); -ENOMEM.
 */
int scrm_csv_to_json(const scrm_csv_map *m, const char *rec, size_t len, scrm_buf *out, char *why,
		     size_t whylen);

/* Whether a row holds nothing but blanks and commas (an empty line, a spreadsheet's
 * empty row): skipped as empty. */
bool scrm_csv_blank(const char *rec, size_t len);

/*
 * Finding where a record ends in a stream that arrives in pieces: the '\n' that is not
 * inside a quoted field. Start with a zeroed scan at a record's first byte and call
 * scrm_csv_end() on each piece in order: it returns the record's '\n' or NULL (the
 * record goes on in the next piece; the scan keeps where it was). nl counts the line
 * breaks inside the record's quoted fields so far. After a record end, zero it again.
 * A file's byte-order mark is the caller's to step over (else the quote of a quoted
 * first field after it would not open the field).
 */
typedef struct scrm_csv_scan {
	uint8_t st;
	unsigned long long nl;
} scrm_csv_scan;

const char *scrm_csv_end(scrm_csv_scan *s, const char *p, size_t n);

/*
 * scrm_csv_record_end() - where the record that starts at @p ends as the chunker in CSV
 * mode cut it (source.c, chunk_scan), for a reader of its chunk that lost the chunker's
 * record ends. @stop is where the data stops being the input's next bytes: the chunk's
 * end, or where the chunker cut an oversize line out of it. Its '\n' outside quotes, or
 * its first line's end when it is longer than @max_record or still inside quotes at a
 * line's end at @stop (the chunker took that first line alone); NULL when it runs to
 * @stop unfinished (the input's last bytes).
 */
const char *scrm_csv_record_end(const char *p, const char *stop, size_t max_record);

/* Whether the input named @name is CSV by its name: "*.csv", also followed by a
 * compression suffix (.zst, .gz, .bz2, .xz). */
bool scrm_csv_named(const char *name);

#endif
