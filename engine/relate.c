/* relate.c - customer keys and per-partition customer state (see relate.h). */
#include "relate.h"

#include "influence.h"

#include <errno.h>
#include <stdlib.h>
#include <xxhash.h>

uint64_t scrm_customer_hash(const scrm_record *r, const scrm_buf *arena)
{
	char buf[320];
	size_t n = 0;
	if (scrm_str_present(r->channel)) {
		size_t l = r->channel.len < 64 ? r->channel.len : 64;
		memcpy(buf, scrm_str_ptr(arena, r->channel), l);
		n = l;
	}
	buf[n++] = ':';
	scrm_str who = r->author_handle;
	char tag = 'h';
	if (scrm_str_present(who) && who.len > 0)
		/* the same key as a mention of the handle (influence.h) */
		return scrm_handle_key(scrm_str_present(r->channel) ? scrm_str_ptr(arena, r->channel) : "",
				       scrm_str_present(r->channel) ? r->channel.len : 0, scrm_str_ptr(arena, who), who.len);
	if (!scrm_str_present(who) || who.len == 0) {
		who = r->author_id;
		tag = 'i';
	}
	if (!scrm_str_present(who) || who.len == 0) {
		who = r->id;
		tag = 'p';
	}
	buf[n++] = tag;
	buf[n++] = ':';
	if (scrm_str_present(who)) {
		const char *s = scrm_str_ptr(arena, who);
		size_t l = who.len < 240 ? who.len : 240;
		for (size_t i = 0; i < l; i++) {
			char c = s[i];
			buf[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
	}
	uint64_t h = XXH3_64bits(buf, n);
	return h ? h : 1;
}

int scrm_custtab_init(scrm_custtab *t, size_t initial)
{
	size_t cap = 1024;
	while (cap < initial)
		cap *= 2;
	t->slots = calloc(cap, sizeof *t->slots);
	if (!t->slots)
		return -ENOMEM;
	t->cap = cap;
	t->used = 0;
	return 0;
}

void scrm_custtab_free(scrm_custtab *t)
{
	if (!t)
		return;
	free(t->slots);
	t->slots = NULL;
	t->cap = t->used = 0;
}

static scrm_cust_state *probe(scrm_cust_state *slots, size_t cap, uint64_t key)
{
	size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(scrm_custtab *t)
{
	size_t cap = t->cap * 2;
	scrm_cust_state *n = calloc(cap, sizeof *n);
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key)
			*probe(n, cap, t->slots[i].key) = t->slots[i];
	free(t->slots);
	t->slots = n;
	t->cap = cap;
	return 0;
}

scrm_cust_state *scrm_custtab_get(scrm_custtab *t, uint64_t key)
{
	if (!key)
		key = 1;
	if ((t->used + 1) * 4 > t->cap * 3 && grow(t))
		return NULL;
	scrm_cust_state *s = probe(t->slots, t->cap, key);
	if (!s->key) {
		s->key = key;
		s->interactions = 0;
		t->used++;
	}
	return s;
}
