/*
 * fuzz_route.c - libFuzzer target for the routing rules (route.c).
 *
 * Input: the routing part of a rules file; two topics and two cues are put in front of
 * it so that topic/cue names resolve. Checks: parsing and compiling never crash or
 * leak; a failure is -EINVAL with a message that points into the file
 * ("fuzz.scrm:LINE:") or -ENOMEM/-E2BIG; on success every rule's canonical form
 * (scrm_route_rule_string) compiles again to the same canonical form, the lint runs,
 * and a few fixed facts (nothing known; everything known and matched) evaluate to a
 * rule in range or the default route, with a team in range.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "rules.h"
#include "fuzz.h"

static const char head[] = "topic a: alpha\ntopic b.c-d: beta\ncue urgent: asap\ncue spam.x: xx\n";

static char err[16384];

static void check_eval(const scrm_routes *rt, const scrm_route_facts *f)
{
	scrm_route_decision d;
	int32_t k = scrm_route_eval(rt, f, &d);
	CHECK(k == d.rule && k >= -1 && k < (int32_t)scrm_route_rule_count(rt));
	CHECK(d.team < scrm_route_team_count(rt) && d.priority <= 3 && d.sla_ms >= -1 && d.why && d.why[0]);
	CHECK(!(d.alert && d.team == SCRM_TEAM_ALERTS));
}

static void facts_all(scrm_route_facts *f, uint64_t *hits, double v, int yes, const char *s)
{
	scrm_route_facts_init(f);
	for (int k = 0; k < SCRM_RF_NUM__END; k++)
		scrm_route_facts_num(f, k, v);
	for (int k = SCRM_RF_ACTION_NEEDED; k <= SCRM_RF_CUST_OPEN_CASE; k++)
		scrm_route_facts_bool(f, k, yes);
	for (int k = SCRM_RF_CHANNEL; k <= SCRM_RF_CUST_TIER; k++)
		scrm_route_facts_str(f, k, s, strlen(s));
	scrm_route_facts_intent(f, 1, (float)v);
	scrm_route_facts_direction(f, (unsigned)yes);
	f->spam = yes ? 0x3f : 0;
	uint16_t ids[] = {0, 1, 2, 3};
	f->hits = hits;
	f->hit_words = scrm_route_hits_fill(hits, 1, ids, yes ? 4 : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	size_t n = sizeof(head) - 1 + size;
	char *src = malloc(n ? n : 1);
	if (!src)
		return 0;
	memcpy(src, head, sizeof(head) - 1);
	memcpy(src + sizeof(head) - 1, data, size);
	scrm_rules *r = NULL;
	scrm_routes *rt = NULL;
	int rc = scrm_rules_parse(&r, "fuzz.scrm", src, n, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc)
		goto out;
	err[0] = 0;
	rc = scrm_route_compile(&rt, r, err, sizeof(err));
	CHECK(memchr(err, 0, sizeof(err)));
	if (rc) {
		CHECK(rc == -EINVAL || rc == -ENOMEM || rc == -E2BIG);
		CHECK(!rt);
		CHECK(rc != -EINVAL || !strncmp(err, "fuzz.scrm:", 10));
		goto out;
	}
	CHECK(!err[0]);

	scrm_route_facts f;
	uint64_t hits[1];
	scrm_route_facts_init(&f);
	check_eval(rt, &f);
	facts_all(&f, hits, 0.7, 1, "Gold");
	check_eval(rt, &f);
	facts_all(&f, hits, -1e300, 0, "x");
	check_eval(rt, &f);
	facts_all(&f, hits, NAN, 1, "twitter");
	check_eval(rt, &f);

	scrm_route_lint_counts c;
	err[0] = 0;
	scrm_route_lint(rt, r, err, sizeof(err), &c);
	for (uint32_t i = 0; i < scrm_route_rule_count(rt); i++)
		CHECK(scrm_route_shadowed_by(rt, i) < (int32_t)i);

	/* Canonical forms compile back to themselves. */
	size_t cap = sizeof(head) + 64 + (size_t)scrm_route_rule_count(rt) * 4096;
	char *canon = malloc(cap), *line = malloc(4096), *line2 = malloc(4096);
	if (canon && line && line2) {
		size_t len = sizeof(head) - 1;
		memcpy(canon, head, len);
		bool fits = true;
		for (uint32_t i = 0; i < scrm_route_rule_count(rt); i++) {
			size_t k = scrm_route_rule_string(rt, i, line, 4096);
			fits = fits && k < 4095;
			if (k < 4095) {
				memcpy(canon + len, line, k);
				len += k;
				canon[len++] = '\n';
			}
		}
		scrm_rules *r2 = NULL;
		scrm_routes *rt2 = NULL;
		if (fits && scrm_rules_parse(&r2, "fuzz.scrm", canon, len, err, sizeof(err)) == 0) {
			rc = scrm_route_compile(&rt2, r2, err, sizeof(err));
			CHECK(rc == 0 || rc == -ENOMEM);
			for (uint32_t i = 0; rt2 && i < scrm_route_rule_count(rt); i++) {
				scrm_route_rule_string(rt, i, line, 4096);
				scrm_route_rule_string(rt2, i, line2, 4096);
				CHECK(!strcmp(line, line2));
			}
		} else {
			/* The rules parser accepted the original lines; it must accept these. */
			CHECK(!fits);
		}
		scrm_routes_free(rt2);
		scrm_rules_free(r2);
	}
	free(canon);
	free(line);
	free(line2);
out:
	scrm_routes_free(rt);
	scrm_rules_free(r);
	free(src);
	return 0;
}
