/*
 * tsan_stress.c - the ring and the whole pipeline under ThreadSanitizer.
 *
 * Criterion cannot run under TSan (its inheritable arena fails to map: upstream
 * Snaipe/Criterion#274), so this is a plain program: `make tsan` builds it with
 * -fsanitize=thread and runs it; TSan aborts on the first race (halt_on_error=1), and
 * the program checks real values itself.
 * Usage: tsan_stress INPUT.ndjson OUTDIR [RULES [LEXICON]]
 * With RULES and LEXICON the analyzers run too: the shared, read-only Hyperscan database
 * and lexicon are read by every worker at once.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "lexicon.h"
#include "pipeline.h"
#include "rules.h"
#include "route.h"
#include "customers.h"
#include "topics.h"
#include "ring.h"

static int passed, failed;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (cond) {                                                \
			passed++;                                          \
		} else {                                                   \
			failed++;                                          \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

typedef struct payload {
	uint64_t value;
	uint64_t check;
} payload;

typedef struct pc {
	scrm_ring *r;
	payload *items;
	uint64_t n;
	uint64_t sum, errors;
} pc;

static void *producer(void *arg)
{
	pc *p = arg;
	for (uint64_t i = 0; i < p->n; i++) {
		payload *it = &p->items[i];
		it->value = i;
		it->check = i ^ 0x5bd1e995u;
		scrm_ring_push(p->r, it);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	pc *p = arg;
	for (uint64_t i = 0; i < p->n; i++) {
		payload *it = scrm_ring_pop(p->r);
		if (it->value != i || it->check != (i ^ 0x5bd1e995u))
			p->errors++;
		p->sum += it->value;
	}
	return NULL;
}

static void ring_stress(size_t cap, uint64_t n)
{
	scrm_waiter wp, wc;
	scrm_waiter_init(&wp);
	scrm_waiter_init(&wc);
	scrm_ring r;
	scrm_ring_init(&r, cap, &wp, &wc);
	pc p = {.r = &r, .items = calloc(n, sizeof(payload)), .n = n};
	pthread_t a, b;
	pthread_create(&b, NULL, consumer, &p);
	pthread_create(&a, NULL, producer, &p);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK(p.errors == 0, "ring cap %zu: %" PRIu64 " torn/out-of-order items", cap, p.errors);
	CHECK(p.sum == n * (n - 1) / 2, "ring cap %zu: sum %" PRIu64, cap, p.sum);
	free(p.items);
	scrm_ring_destroy(&r);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long l = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *b = malloc((size_t)l + 1);
	if (fread(b, 1, (size_t)l, fp) != (size_t)l)
		l = 0;
	fclose(fp);
	*n = (size_t)l;
	return b;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 6) {
		fprintf(stderr, "usage: tsan_stress INPUT.ndjson OUTDIR [RULES [LEXICON [CUSTOMERS.csv]]]\n");
		return 2;
	}
	scrm_rules *rules = NULL;
	scrm_topics *topics = NULL;
	scrm_routes *routes = NULL;
	scrm_customers *customers = NULL;
	scrm_lexicon *lex = NULL;
	char err[2048];
	if (argc > 3 && (scrm_rules_load(&rules, argv[3], err, sizeof err) ||
			 scrm_topics_compile(&topics, rules, err, sizeof err) ||
			 scrm_route_compile(&routes, rules, err, sizeof err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (argc > 5 && scrm_customers_load(&customers, argv[5], err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (argc > 4 && strcmp(argv[4], "-") != 0 && scrm_lexicon_load(&lex, argv[4], NULL, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	/* the brands of the rules file (`set brands`): replies close cases across partitions */
	const char *brands[16];
	size_t n_brands = 0;
	char blist[512] = "";
	const char *bl = rules ? scrm_rules_get(rules, "brands", NULL) : NULL;
	if (bl)
		snprintf(blist, sizeof blist, "%s", bl);
	for (char *p = blist; *p && n_brands < 16;) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		brands[n_brands++] = p;
		while (*p && *p != ' ')
			p++;
	}
	ring_stress(2, 100000);
	ring_stress(8, 200000);

	const char *inputs[] = {argv[1]};
	/* the last also syncs the log per batch (its partitions together, through io_uring):
	 * the same bytes as the others */
	const struct { int w, p, sync; } cfgs[] = {{1, 1, 3}, {2, 1, 3}, {4, 2, 3}, {3, 3, 0}};
	char first[512] = "";
	uint64_t first_events = 0;
	for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
		char out[400];
		snprintf(out, sizeof out, "%s/j%dp%d", argv[2], cfgs[i].w, cfgs[i].p);
		scrm_pipeline_cfg cfg;
		scrm_pipeline_cfg_default(&cfg);
		cfg.inputs = inputs;
		cfg.n_inputs = 1;
		cfg.out_dir = out;
		cfg.workers = cfgs[i].w;
		cfg.relate_threads = cfgs[i].p;
		cfg.chunk_size = 32 << 10;
		cfg.max_record = 8 << 10;
		cfg.topics = topics;
		cfg.routes = routes && scrm_route_rule_count(routes) ? routes : NULL;
		cfg.customers = customers;
		cfg.brands = brands;
		cfg.n_brands = n_brands;
		char logdir[512];
		snprintf(logdir, sizeof logdir, "%s/log", out);
		cfg.log_dir = logdir;
		cfg.log_sync = cfgs[i].sync; /* 3: SCRM_ILOG_SYNC_NEVER, 0: SCRM_ILOG_SYNC_BATCH */
		cfg.lexicon = lex;
		cfg.sentiment_modes = 3; /* both modes */
		cfg.clf[0] = scrm_classifier_find(SCRM_TASK_INTENT, "cues");
		cfg.clf[1] = scrm_classifier_find(SCRM_TASK_ACTION, "cues");
		CHECK(cfg.clf[0] && cfg.clf[1], "cues classifiers not registered");
		scrm_run_stats st;
		int rc = scrm_pipeline_run(&cfg, &st);
		CHECK(rc == 0, "pipeline -j%d -p%d returned %d", cfgs[i].w, cfgs[i].p, rc);
		CHECK(st.events_out > 0, "pipeline -j%d produced no events", cfgs[i].w);
		if (!first[0]) {
			snprintf(first, sizeof first, "%s", out);
			first_events = st.events_out;
			continue;
		}
		CHECK(st.events_out == first_events, "event count differs at -j%d", cfgs[i].w);
		CHECK(st.log_records == st.events_out, "log holds %llu of %llu events at -j%d",
		      (unsigned long long)st.log_records, (unsigned long long)st.events_out, cfgs[i].w);
		for (unsigned p = 0; p < 64; p++) {
			char pa[1024], pb[1024];
			snprintf(pa, sizeof pa, "%s/log/p%04u-000000000001.seg", first, p);
			snprintf(pb, sizeof pb, "%s/log/p%04u-000000000001.seg", out, p);
			size_t na = 0, nb = 0;
			char *a = slurp(pa, &na), *b = slurp(pb, &nb);
			CHECK((!a && !b) || (a && b && na == nb && memcmp(a, b, na) == 0), "%s differs from %s", pb, pa);
			free(a);
			free(b);
		}
		for (size_t r = 0; r < st.n_routes; r++) {
			char pa[1024], pb[1024];
			snprintf(pa, sizeof pa, "%s/%s.ndjson.zst", first, st.route_names[r]);
			snprintf(pb, sizeof pb, "%s/%s.ndjson.zst", out, st.route_names[r]);
			size_t na, nb;
			char *a = slurp(pa, &na), *b = slurp(pb, &nb);
			CHECK(a && b && na == nb && memcmp(a, b, na) == 0, "%s differs from %s", pb, pa);
			free(a);
			free(b);
		}
	}
	if (topics && lex)
		printf("tsan: the pipeline ran with topics, both sentiment modes, intent and action classifiers%s%s, %zu brands\n",
		       routes && scrm_route_rule_count(routes) ? ", routing rules" : "", customers ? ", customers" : "",
		       n_brands);
	scrm_topics_free(topics);
	scrm_routes_free(routes);
	scrm_customers_free(customers);
	scrm_rules_free(rules);
	scrm_lexicon_free(lex);
	printf("tsan: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
