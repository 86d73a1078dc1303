/* ktab.c - the set-associative keyed table (see ktab.h). */
#include "ktab.h"

#include <stdlib.h>

#include "buf.h"

#define WAYS 4

_Static_assert(sizeof(scrm_ktab_slot) * WAYS == 128, "a set is two cache lines");

struct scrm_ktab {
	scrm_ktab_slot *s;
	size_t sets; /* power of two */
};

scrm_ktab *scrm_ktab_create(size_t slots)
{
	size_t n = 64;
	while (n < slots && n < ((size_t)1 << 30))
		n <<= 1;
	scrm_ktab *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->s = scrm_table_zalloc(n, sizeof *t->s); /* written up front: see buf.h */
	if (!t->s) {
		free(t);
		return NULL;
	}
	t->sets = n / WAYS;
	return t;
}

void scrm_ktab_free(scrm_ktab *t)
{
	if (!t)
		return;
	free(t->s);
	free(t);
}

/* Bits above the low ones, which callers use for partitioning. */
static scrm_ktab_slot *set_of(const scrm_ktab *t, uint64_t key)
{
	return &t->s[(key >> 7 & (t->sets - 1)) * WAYS];
}

const scrm_ktab_slot *scrm_ktab_find(const scrm_ktab *t, uint64_t key)
{
	const scrm_ktab_slot *set = set_of(t, key);
	for (int k = 0; k < WAYS; k++)
		if (set[k].key == key)
			return &set[k];
	return NULL;
}

void scrm_ktab_prefetch(const scrm_ktab *t, uint64_t key)
{
	const char *set = (const char *)set_of(t, key);
	for (size_t o = 0; o < WAYS * sizeof(scrm_ktab_slot); o += 64)
		__builtin_prefetch(set + o, 1);
	__builtin_prefetch(set + WAYS * sizeof(scrm_ktab_slot) - 1, 1);
}

scrm_ktab_slot *scrm_ktab_get(scrm_ktab *t, uint64_t key, int *fresh)
{
	scrm_ktab_slot *set = set_of(t, key), *victim = &set[0];
	for (int k = 0; k < WAYS; k++) {
		scrm_ktab_slot *e = &set[k];
		if (e->key == key) {
			*fresh = 0;
			return e;
		}
		if (victim->key && (!e->key || e->ts < victim->ts))
			victim = e;
	}
	*victim = (scrm_ktab_slot){.key = key};
	*fresh = 1;
	return victim;
}
