/*
 * fuzz_rules.c - libFuzzer target for the rules-file parser.
 *
 * Input: a rules file. Checks: the parser never crashes or leaks; on error the message
 * is non-empty, NUL-terminated and starts with "fuzz.scrm:" and a line number; on
 * success every topic/cue written back in canonical form (scrm_rules_node_string)
 * parses again to the same canonical form (unless the canonical form's parentheses
 * exceed the nesting limit, which must then be the reported error). Small inputs
 * without regexes (whose compile time is unbounded) are also compiled into Hyperscan
 * and every line of the input itself, arbitrary bytes included, is matched: ids must
 * be in range and ascending.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "topics.h"
#include "fuzz.h"

static char err[8192];

static void check_topics(const scrm_rules *r, const char *data, size_t size)
{
	scrm_topics *t = NULL;
	int rc = scrm_topics_compile(&t, r, err, sizeof(err));
	if (rc) { /* e.g. an invalid UTF-8 term: must point into the file */
		CHECK(rc == -EINVAL && !t && !strncmp(err, "fuzz.scrm:", 10));
		return;
	}
	scrm_topics_scratch *s = NULL;
	CHECK(scrm_topics_scratch_create(&s, t) == 0);
	for (size_t i = 0; i <= size;) {
		const char *e = memchr(data + i, '\n', size - i);
		size_t n = e ? (size_t)(e - (data + i)) : size - i;
		scrm_topic_hits h;
		CHECK(scrm_topics_match(s, data + i, n, data + i, n < 8 ? n : 8, data + i, n < 2 ? n : 2, &h) == 0);
		for (uint32_t k = 0; k < h.n; k++)
			CHECK(h.ids[k] < scrm_topics_count(t) && (k == 0 || h.ids[k - 1] < h.ids[k]));
		i += n + 1;
	}
	/* scrm_topics_select (model-topics): the file's own `set model-topics`, else its first
	 * line, as a list; a selection names only ids of @t, every selected name matches */
	static uint32_t bits[65536 / 32];
	const char *list = scrm_rules_get(r, "model-topics", NULL);
	char first[256];
	if (!list) {
		const char *e = memchr(data, '\n', size);
		size_t n = e ? (size_t)(e - data) : size;
		n = n < sizeof first - 1 ? n : sizeof first - 1;
		memcpy(first, data, n);
		first[n] = 0;
		list = first;
	}
	rc = scrm_topics_select(t, list, "mt", bits, err, sizeof(err));
	CHECK(rc == 0 || (rc == -EINVAL && !strncmp(err, "mt: ", 4)));
	for (uint32_t id = scrm_topics_count(t); rc == 0 && id < 65536; id++)
		CHECK(!((bits[id >> 5] >> (id & 31)) & 1));
	/* a list made of the file's own names: the first name whole, a prefix of the last
	 * one; exactly the names equal to the first or starting with the prefix are selected */
	uint32_t nt = scrm_topics_count(t);
	if (nt) {
		const char *n0 = scrm_topics_name(t, 0), *n1 = scrm_topics_name(t, (uint16_t)(nt - 1));
		size_t l0 = strlen(n0), l1 = strlen(n1) / 2;
		char *mk = malloc(l0 + l1 + 4);
		CHECK(mk);
		memcpy(mk, n0, l0);
		mk[l0] = ',';
		memcpy(mk + l0 + 1, n1, l1);
		mk[l0 + 1 + l1] = '*';
		mk[l0 + 2 + l1] = 0;
		CHECK(scrm_topics_select(t, mk, "mt", bits, err, sizeof(err)) == 0);
		for (uint32_t id = 0; id < nt; id++) {
			const char *nm = scrm_topics_name(t, (uint16_t)id);
			bool want = !strcmp(nm, n0) || !strncmp(nm, n1, l1);
			CHECK(((bits[id >> 5] >> (id & 31)) & 1) == want);
		}
		free(mk);
	}
	scrm_topics_scratch_free(s);
	scrm_topics_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scrm_rules *r = NULL;
	int rc = scrm_rules_parse(&r, "fuzz.scrm", (const char *)data, size, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL);
	CHECK(memchr(err, 0, sizeof(err)));
	if (rc) {
		CHECK(!r);
		CHECK(!strncmp(err, "fuzz.scrm:", 10) && err[10] >= '1' && err[10] <= '9');
		return 0;
	}
	CHECK(r && !err[0]);
	for (uint32_t i = 0; i < scrm_rules_stmt_count(r); i++) {
		const scrm_rules_stmt *s = scrm_rules_stmt_at(r, i);
		if (s->kind != SCRM_STMT_TOPIC && s->kind != SCRM_STMT_CUE)
			continue;
		size_t n = scrm_rules_node_string(r, s->root, NULL, 0);
		char *canon = malloc(n + 1), *src = malloc(n + 16);
		CHECK(canon && src);
		CHECK(scrm_rules_node_string(r, s->root, canon, n + 1) == n);
		CHECK(strlen(canon) == n);
		int m = snprintf(src, n + 16, "topic t: %s\n", canon);
		scrm_rules *r2 = NULL;
		int rc2 = scrm_rules_parse(&r2, "fuzz.scrm", src, (size_t)m, err, sizeof(err));
		if (rc2) {
			CHECK(strstr(err, "nested too deep"));
		} else {
			char *again = malloc(n + 1);
			CHECK(again);
			CHECK(scrm_rules_node_string(r2, scrm_rules_stmt_at(r2, 0)->root, again, n + 1) == n);
			if (strcmp(again, canon)) {
				fprintf(stderr, "canon: %s\nagain: %s\n", canon, again);
				CHECK(0);
			}
			free(again);
		}
		scrm_rules_free(r2);
		free(canon);
		free(src);
	}
	if (size <= 512 && !memchr(data, '/', size))
		check_topics(r, (const char *)data, size);
	scrm_rules_free(r);
	return 0;
}
