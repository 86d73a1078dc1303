/*
 * customers.h - customer identity: the CRM export that links (channel, handle) to a
 * known customer, for the relate stage (`--customers FILE`).
 *
 * FILE FORMAT. CSV as RFC 4180 writes it: fields separated by ',', a field that holds
 * ',', '"', CR or LF is enclosed in double quotes and a '"' inside it is written "";
 * records end in LF or CRLF; an optional UTF-8 byte order mark; the first line is the
 * header. Blank lines are skipped. Every row has exactly as many fields as the header.
 * Columns are matched by header name, case-insensitively, in any order:
 *
 *   customer_id      required; non-empty, unique (compared byte for byte after trimming)
 *   name             display name; may be empty
 *   tier             free text (gold, silver, bronze, ...); may be empty; kept as written
 *   lifetime_value   a decimal number (-12, 3.5, 1e3); empty means unknown (NaN)
 *   twitter facebook instagram reddit email phone chat forum review
 *                    the customer's identities on that channel, as records carry the
 *                    channel name; one cell may hold several, separated by ';'
 *   x_*              any column whose name starts with "x_" is extra data, ignored
 *
 * Any other column name is an error. Text fields are trimmed of ASCII blanks (space,
 * TAB, CR, LF, VT, FF) and must be valid UTF-8 without control characters; customer_id
 * is at most SCRM_CUSTOMERS_ID_MAX bytes. An empty item of a ';' list is skipped; an
 * item that normalizes to nothing ("@", a phone without digits) is an error.
 *
 * NORMALIZATION (the same function keys the table and the records' lookups, so what
 * matches is exactly what normalizes equal):
 *   twitter, instagram, facebook, chat, forum, review: trim; strip one leading '@';
 *                    ASCII letters to lower case (other bytes are kept as they are)
 *   reddit           the same, and after the '@' also one leading "u/" or "/u/"
 *                    (any case): "/u/Bob", "u/bob" and "bob" are one identity
 *   email            trim; ASCII lower case (the whole address, local part included)
 *   phone            keep a leading '+' (the first byte after trimming) and the digits;
 *                    drop everything else: "+1 (555) 010-0001" is "+15550100001".
 *                    No country-code inference: "0044 20..." and "+44 20..." differ
 * A normalized identity longer than SCRM_CUSTOMERS_HANDLE_MAX bytes is an error in the
 * file and never matches in a lookup.
 *
 * Links come only from identifiers in the file; nothing is inferred (no fuzzy names, no
 * e-mail-to-handle guesses). An identity listed under two different customers is an
 * error that names both lines; listed twice for the same customer it counts once.
 *
 * ERRORS are collected like a compiler's, one per line "FILE:LINE: message\n" (LINE is
 * the physical line where the record starts), and the load fails with -EINVAL.
 *
 * KEYS. A known customer's key is "c:<customer_id>", its hash XXH3-64 of the key string
 * (0 remapped to 1, as relate.c does). An author the table does not know stays a
 * prospect: the pipeline keys it with scrm_customer_hash() (relate.h), unchanged;
 * scrm_customers_prospect_hash() computes the same value from a (channel, handle).
 *
 * OWNERSHIP AND THREADS. scrm_customers_parse()/_load() create a table that is immutable
 * from then on: any number of threads may call the const functions on it concurrently.
 * All strings and scrm_customer structs belong to the table and live until
 * scrm_customers_free(). Reload (SIGHUP) loads a new table and swaps the pointer whole;
 * the old one may be freed only once no thread still reads it. The pure functions
 * (channel, normalize, prospect hash) may be called from any thread.
 *
 * Dependencies: libc, xxhash, utf8.h, influence.h (scrm_handle_key, for the prospect
 * hash).
 */
#ifndef SCRM_CUSTOMERS_H
#define SCRM_CUSTOMERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest normalized identity that can be linked or matched, in bytes. */
#define SCRM_CUSTOMERS_HANDLE_MAX 256

/* Longest customer_id, in bytes. */
#define SCRM_CUSTOMERS_ID_MAX 256

/* Largest export accepted, in bytes (offsets inside the table are 32-bit). */
#define SCRM_CUSTOMERS_FILE_MAX (UINT32_C(1) << 30)
/* A record (a row, quoted line breaks and all) longer than this is an error. */
#define SCRM_CUSTOMERS_RECORD_MAX ((size_t)16 << 20)

/* The identity channels, in the order of scrm_customers_channel_name(). */
enum scrm_cust_channel {
	SCRM_CUST_CH_TWITTER,
	SCRM_CUST_CH_FACEBOOK,
	SCRM_CUST_CH_INSTAGRAM,
	SCRM_CUST_CH_REDDIT,
	SCRM_CUST_CH_EMAIL,
	SCRM_CUST_CH_PHONE,
	SCRM_CUST_CH_CHAT,
	SCRM_CUST_CH_FORUM,
	SCRM_CUST_CH_REVIEW,
	SCRM_CUST_CH__COUNT
};

/* One known customer. Strings are NUL-terminated and owned by the table. */
typedef struct scrm_customer {
	const char *id;    /* customer_id, non-empty */
	const char *key;   /* "c:" + customer_id: the event's customer.key */
	const char *name;  /* "" when empty */
	const char *tier;  /* "" when empty */
	double ltv;        /* lifetime_value; NaN when empty */
	uint64_t key_hash; /* XXH3-64 of key (0 remapped to 1): partitions, the log */
	uint32_t id_len, key_len, name_len, tier_len;
	uint32_t line;     /* the row's line in the export (for messages) */
	uint32_t index;    /* position in the export, 0-based: scrm_customers_at(c, index) */
} scrm_customer;

typedef struct scrm_customers scrm_customers;

/* Counts for the run summary. */
struct scrm_customers_stats {
	size_t customers;                           /* rows */
	size_t identities;                          /* distinct (channel, identity) links */
	size_t per_channel[SCRM_CUST_CH__COUNT];    /* links per channel */
	size_t unlinked;                            /* customers without any identity */
};

/*
 * scrm_customers_channel() - the channel called @name (@len bytes, ASCII case ignored).
 * Return: its enum scrm_cust_channel value, or -ENOENT for any other name.
 */
int scrm_customers_channel(const char *name, size_t len);

/* scrm_customers_channel_name() - "twitter", ...; NULL when @ch is out of range. */
const char *scrm_customers_channel_name(unsigned ch);

/*
 * scrm_customers_normalize() - normalize one identity of channel @ch (rules above).
 * @in:  @len bytes, need not be NUL-terminated.
 * @out: receives the normalized bytes (not NUL-terminated), at most @cap of them.
 * Return: the normalized length (0 when nothing is left, e.g. "@"); -ENOBUFS when it
 * would exceed @cap (nothing useful in @out); -EINVAL when @ch is out of range.
 * No allocation; any thread.
 */
ssize_t scrm_customers_normalize(unsigned ch, const char *in, size_t len, char *out, size_t cap);

/*
 * scrm_customers_parse() - build a table from a CRM export held in memory.
 * @out:  on success a new table (free with scrm_customers_free()); NULL on error.
 * @name: the file name used in messages (not retained).
 * @buf:  @len bytes, need not be NUL-terminated; not retained.
 * @err:  receives every error, "NAME:LINE: message\n" each, NUL-terminated and truncated
 *        to @errlen (the last line then says how many were left out); may be NULL when
 *        @errlen is 0. Left empty on success.
 * Return: 0; -EINVAL when the file has errors (an empty file included; a header alone
 * is a valid table with no customers); -EFBIG above SCRM_CUSTOMERS_FILE_MAX; -ENOMEM.
 */
int scrm_customers_parse(scrm_customers **out, const char *name, const char *buf, size_t len,
			 char *err, size_t errlen);

/*
 * scrm_customers_load() - scrm_customers_parse() on the contents of the file @path,
 * read through a window of SCRM_CUSTOMERS_WINDOW bytes (scrm_customers_read_fd()).
 * Return: as scrm_customers_parse(), or -errno when @path cannot be read (then @err
 * holds "PATH: reason\n").
 */
int scrm_customers_load(scrm_customers **out, const char *path, char *err, size_t errlen);

/* How much of a file scrm_customers_load() holds at a time (more for a longer record). */
#define SCRM_CUSTOMERS_WINDOW ((size_t)1 << 20)

/*
 * scrm_customers_read_fd() - the same table from what @fd reads to its end (a file, a
 * pipe), through a window of SCRM_CUSTOMERS_WINDOW bytes that doubles for a record that
 * does not fit: the same customers, identities and messages as scrm_customers_parse()
 * on all of it. One read() asks for at most @read_max bytes (0: as many as the window
 * has room for; tests read a byte at a time so that the window ends everywhere).
 * @name names it in messages. Return: as scrm_customers_load() (a read error: -errno,
 * with "NAME: reason\n" in @err). @fd is not closed.
 */
int scrm_customers_read_fd(scrm_customers **out, const char *name, int fd, size_t read_max, char *err,
			   size_t errlen);

/* scrm_customers_free() - release @c and everything it owns; NULL is a no-op. */
void scrm_customers_free(scrm_customers *c);

/*
 * scrm_customers_find() - the customer that (@channel, @handle) is linked to.
 * @channel: the record's channel name, @clen bytes (ASCII case ignored).
 * @handle:  the record's handle as it carries it, @hlen bytes; normalized here with
 *           scrm_customers_normalize() into a stack buffer.
 * Return: the customer (owned by @c), or NULL when @c is NULL, the channel is not an
 * identity channel, or the identity is unknown or longer than SCRM_CUSTOMERS_HANDLE_MAX
 * once normalized. No allocation, no lock; any thread.
 */
const scrm_customer *scrm_customers_find(const scrm_customers *c, const char *channel, size_t clen,
					 const char *handle, size_t hlen);

/* scrm_customers_find_ch() - scrm_customers_find() with the channel already resolved
 * (@ch from scrm_customers_channel(); out of range: NULL). */
const scrm_customer *scrm_customers_find_ch(const scrm_customers *c, unsigned ch, const char *handle,
					    size_t hlen);

/* scrm_customers_count() - number of customers (rows); 0 for NULL. */
size_t scrm_customers_count(const scrm_customers *c);

/* scrm_customers_at() - customer @i in file order (i < count, asserted). */
const scrm_customer *scrm_customers_at(const scrm_customers *c, size_t i);

/* scrm_customers_stats() - fill @st with the table's counts (all zero for NULL). */
void scrm_customers_stats(const scrm_customers *c, struct scrm_customers_stats *st);

/*
 * scrm_customers_prospect_hash() - the key hash of an author no customer matches: equal
 * to scrm_customer_hash() (relate.h) of any record with this channel and a non-empty
 * author handle (XXH3-64 of "<channel>:h:<handle without one leading '@', ASCII lower
 * case>", channel cut at 64 bytes and handle at 240, 0 remapped to 1). It hashes the
 * handle as the record carries it, not scrm_customers_normalize()'s form, because that
 * is what relate.c hashes. Records without a handle fall back to the author or post id
 * in scrm_customer_hash(); this function does not cover them. Any thread.
 */
uint64_t scrm_customers_prospect_hash(const char *channel, size_t clen, const char *handle, size_t hlen);

/* The key hash of CRM key @key ("c:" + customer_id, @len bytes): scrm_customer.key_hash
 * without the table (XXH3-64, 0 remapped to 1). Any thread. */
uint64_t scrm_customers_key_hash(const char *key, size_t len);

#ifdef __cplusplus
}
#endif

#endif
