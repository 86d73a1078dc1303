/*
 * ktab.h - a fixed-size, 4-way set-associative table of 64-bit keys stamped with a time:
 * the bounded memory behind the near-duplicate window (spam.h) and the network weights
 * (influence.h). When every way of a key's set is taken, a new key replaces the entry
 * whose stamp is oldest, so memory stays fixed whatever the stream; forgetting a key only
 * makes it count from zero again.
 *
 * Threads: a table belongs to one thread.
 */
#ifndef SCRM_KTAB_H
#define SCRM_KTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct scrm_ktab_slot {
	uint64_t key;   /* nonzero; 0 marks an empty slot */
	int64_t ts;     /* the stamp eviction compares (the caller's last update time) */
	union {         /* payload, the caller's: */
		uint64_t a; /* a number (the near-duplicate window) */
		double w;   /* or a weight (the network weights) */
	};
	uint32_t n;
	uint32_t back; /* the near-duplicate window's: from the burst's oldest copy to ts (spam.c back_of) */
} scrm_ktab_slot; /* 32 bytes: a set of 4 is two cache lines */
_Static_assert(sizeof(scrm_ktab_slot) == 32, "four slots to two cache lines");

typedef struct scrm_ktab scrm_ktab;

/* A table of @slots entries (rounded up to a power of two, >= 64). NULL on -ENOMEM. */
scrm_ktab *scrm_ktab_create(size_t slots);
void scrm_ktab_free(scrm_ktab *t);

/* The slot of @key, or NULL. */
const scrm_ktab_slot *scrm_ktab_find(const scrm_ktab *t, uint64_t key);

/*
 * scrm_ktab_get() - the slot of @key; when absent, a slot taken for it (an empty one, or
 * the set's oldest), zeroed but for key, and *@fresh set to 1 (else 0).
 */
scrm_ktab_slot *scrm_ktab_get(scrm_ktab *t, uint64_t key, int *fresh);

/* Start loading the set of @key into the cache (a lookup a few records ahead). */
void scrm_ktab_prefetch(const scrm_ktab *t, uint64_t key);

#endif
