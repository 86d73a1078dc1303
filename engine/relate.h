/*
 * relate.h - customer identity and per-customer state for the relate stage.
 *
 * Until CRM exports are loaded (a later issue), every author is a prospect whose key is
 * derived from (channel, handle): "p:" followed by the 16 hex digits of
 * scrm_customer_hash(). The same hash picks the logical partition, so one customer's
 * interactions always meet in the same relate thread, in input order.
 *
 * Threads: scrm_customer_hash is pure (any thread). A scrm_custtab is owned by one
 * relate thread.
 */
#ifndef SCRM_RELATE_H
#define SCRM_RELATE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* XXH3-64 of "<channel>:<lower-cased handle>", falling back to the author id, then to
 * the post id, so that every record has a key. */
uint64_t scrm_customer_hash(const scrm_record *r, const scrm_buf *arena);

/* Per-customer state owned by one relate thread: open addressing on the 64-bit hash. */
typedef struct scrm_cust_state {
	uint64_t key;       /* customer hash; 0 marks an empty slot (hash 0 is remapped) */
	uint32_t interactions;
} scrm_cust_state;

typedef struct scrm_custtab {
	scrm_cust_state *slots;
	size_t cap;   /* power of two */
	size_t used;
} scrm_custtab;

int scrm_custtab_init(scrm_custtab *t, size_t initial);
void scrm_custtab_free(scrm_custtab *t);

/* Find or create the state for `key`. Returns NULL on -ENOMEM (growth failed). The
 * pointer is valid until the next call. */
scrm_cust_state *scrm_custtab_get(scrm_custtab *t, uint64_t key);

#endif
