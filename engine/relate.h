/*
 * relate.h - prospect keys and per-customer state for the relate stage.
 *
 * An author the CRM export (customers.h) does not know is a prospect whose key is derived
 * from (channel, handle): "p:" followed by the 16 hex digits of scrm_customer_hash(); a
 * known one has her customer's key hash instead. That hash picks the logical partition,
 * so one customer's interactions always meet in the same relate thread, in input order.
 *
 * Threads: scrm_customer_hash is pure (any thread). A scrm_custtab is owned by one
 * relate thread.
 */
#ifndef SCRM_RELATE_H
#define SCRM_RELATE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* The prospect key hash: scrm_handle_key() of (channel, handle) (influence.h: XXH3-64 of
 * "<channel>:h:<lower-cased handle>"), falling back to the author id, then to the post id
 * ("<channel>:i:<id>", "<channel>:p:<id>"), so that every record has a key. */
uint64_t scrm_customer_hash(const scrm_record *r, const scrm_buf *arena);

/*
 * Per-customer state owned by one relate thread: open addressing on the 64-bit hash.
 *
 * Windows. Counts "in the last 24 h" are kept in SCRM_CUST_H_BUCKETS buckets of
 * SCRM_CUST_H_BUCKET_MS (4 h), counts "in the last 7 days" in 7 day buckets, both keyed
 * by the record's own timestamp (event time, not wall-clock time, so a replay routes as
 * the live run did). A count covers the bucket the record falls in and the earlier ones
 * of the window: "24 h" is the last 20 to 24 hours, "7 d" the last 6 to 7 days. Records
 * without a timestamp count in the customer's latest bucket. A record older than her
 * newest counts in its own bucket while the window still holds it, and in none of the
 * window when it is older than that (an input read after a later one: by event time, not
 * by the order the files were read in).
 */
#define SCRM_CUST_H_BUCKETS 6
#define SCRM_CUST_H_BUCKET_MS (4 * 3600 * 1000LL)
#define SCRM_CUST_D_BUCKETS 7
#define SCRM_CUST_D_BUCKET_MS (24 * 3600 * 1000LL)
/* Weight of the newest interaction in the rolling sentiment (exponential average). */
#define SCRM_CUST_SENT_ALPHA 0.3f
#define SCRM_CUST_INTENTS 8 /* the intent labels (classifier.h) */

typedef struct scrm_cust_state {
	uint64_t key;       /* customer hash; 0 marks an empty slot (hash 0 is remapped) */
	uint32_t interactions;
	int32_t hbucket;    /* index (ts / SCRM_CUST_H_BUCKET_MS) of the newest hour bucket; INT32_MIN: none */
	int32_t dbucket;    /* the same for day buckets */
	float sent_avg;     /* rolling scrm sentiment; meaningful when sent_n > 0 */
	uint16_t sent_n;    /* interactions with a sentiment (saturating) */
	uint8_t case_open;  /* an inbound message with an SLA waits for the brand's reply */
	int64_t case_opened_ms; /* its time (SCRM_UNKNOWN_INT: none) */
	int64_t case_due_ms;    /* its SLA due time (SCRM_UNKNOWN_INT: none) */
	uint64_t case_seq;      /* its seq */
	uint16_t inter_h[SCRM_CUST_H_BUCKETS];   /* ring by bucket index mod count */
	uint16_t intent_h[SCRM_CUST_INTENTS][SCRM_CUST_H_BUCKETS]; /* per intent label */
	uint16_t inter_d[SCRM_CUST_D_BUCKETS];
	uint16_t chan_d[SCRM_CUST_D_BUCKETS];    /* channel bits (scrm_cust_channel_bit) per day */
} scrm_cust_state;

/* What one interaction leaves in its customer's windows, and what they then hold. */
typedef struct scrm_cust_update {
	int64_t ts_ms;      /* SCRM_UNKNOWN_INT: no timestamp */
	int intent;         /* intent label index, -1 unknown (no intent classifier) */
	uint16_t channel_bit; /* scrm_cust_channel_bit() of the message's channel */
	int has_sentiment;
	float sentiment;    /* scrm compound when has_sentiment */
} scrm_cust_update;

typedef struct scrm_cust_view {
	uint32_t interactions_24h, interactions_7d; /* this one included */
	uint32_t intents_24h[SCRM_CUST_INTENTS];    /* by intent label */
	uint32_t channels_7d;                       /* channels written on */
	float sent_avg;     /* rolling sentiment, this one included; valid when sent_n > 0 */
	uint16_t sent_n;
} scrm_cust_view;

/* Count one interaction of the customer of @s (in input order) and fill @v. */
void scrm_cust_state_add(scrm_cust_state *s, const scrm_cust_update *u, scrm_cust_view *v);

/* The bit that stands for channel @name (@len bytes) in the 7-day channel sets: one bit
 * each for the channels of customers.h (twitter ... review), one of 7 more by hash for any
 * other name (two rare channels may then share a bit). */
uint16_t scrm_cust_channel_bit(const char *name, size_t len);

/* The windows as they stand (for a brand's reply, which does not count in them). */
void scrm_cust_state_view(const scrm_cust_state *s, scrm_cust_view *v);

/* The windows as they stand at @ts_ms (SCRM_UNKNOWN_INT: now): for a brand's reply days
 * after her last message, what fell out of them by then is cleared first. */
void scrm_cust_state_view_at(scrm_cust_state *s, int64_t ts_ms, scrm_cust_view *v);

typedef struct scrm_custtab {
	scrm_cust_state *slots;
	uint64_t *keys; /* slots[i].key, apart: what a lookup probes */
	size_t cap;   /* power of two */
	size_t used;
	size_t max;   /* customers kept at most, 0 no limit (scrm_custtab_get) */
	uint64_t forgotten; /* customers forgotten to stay within max */
	uint64_t forgotten_recent; /* of those, active in the 24 h up to the table's newest
				    * interaction: windows that restart before they would have
				    * emptied (a larger max would have kept them) */
} scrm_custtab;

/* An empty table with room for @initial customers before it grows, holding at most @max
 * (0: no limit). */
int scrm_custtab_init(scrm_custtab *t, size_t initial, size_t max);
void scrm_custtab_free(scrm_custtab *t);

/*
 * Find or create the state for `key`. Returns NULL on -ENOMEM (growth failed). The
 * pointer is valid until the next call.
 *
 * Memory stays bounded: when the table holds t->max customers and a new one comes, it
 * first forgets a quarter of them (at least one), the least recently active (by the
 * 4-hour bucket of their newest interaction), those with an open case last, ties by key.
 * A forgotten customer who comes back starts again (windows, interaction count,
 * sentiment average; her interaction log keeps her history). What is forgotten depends
 * only on the keys and times the table has seen, in order, so a table per logical
 * partition keeps the output the same for any -j and -p.
 */
scrm_cust_state *scrm_custtab_get(scrm_custtab *t, uint64_t key);

/* scrm_custtab_get() for a message at @ts_ms (SCRM_UNKNOWN_INT: none), which counts as the
 * partition's newest when it makes the table forget (forgotten_recent: the 24 h before
 * it, where the table's own newest was used, a few too many counted). */
scrm_cust_state *scrm_custtab_get_at(scrm_custtab *t, uint64_t key, int64_t ts_ms);

/* Start loading the keys @key's lookup probes first into the cache (a lookup some
 * records ahead), and, fewer records ahead, the state of its slot (found through the
 * keys, which the first call has brought in by then). */
void scrm_custtab_prefetch(const scrm_custtab *t, uint64_t key);
void scrm_custtab_prefetch_state(const scrm_custtab *t, uint64_t key);

#endif
