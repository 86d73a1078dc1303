/*
 * bench_ilog.c - the interaction log's write rate and history latency.
 *
 * Writes N interactions (~200-byte JSON payloads, like the routed events the pipeline
 * logs) for C customers with a skewed (Zipf-ish: rank = C * u^2) activity into a log of
 * P partitions, committing every partition at the end of each batch of B records as the
 * pipeline does; then closes the log and times scrm_ilog_history() for Q customers drawn
 * with the same skew (an operator looks up active customers more often), min / median /
 * max. It repeats the queries with the open segments' indexes removed (the state of a
 * log that is still being written, or after a crash) to show the scan's cost.
 * The page cache is warm (the log was just written): this is the CPU + syscall cost.
 * Prints its whole configuration and a hash of every history answer, so a fast wrong
 * answer cannot pass for a fast right one.
 *
 *   cc -O2 -D_GNU_SOURCE -Iengine bench/bench_ilog.c build/libscrm.a -o build/bench/bench_ilog \
 *      -lzstd -lxxhash -lm
 *   build/bench/bench_ilog [-n N] [-p P] [-c C] [-b B] [-q Q] [-s SEGMENT_MIB] [--sync never|batch] DIR
 * DIR must not exist or be empty (it is created; remove it afterwards).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "ilog.h"

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Customer of activity rank r (0 = busiest): a hash, as relate would compute. */
static uint64_t customer_of(uint64_t rank)
{
	uint64_t s = rank * 0x2545F4914F6CDD1Dull + 7;
	return splitmix64(&s);
}

static uint64_t draw_rank(uint64_t *rng, uint64_t C)
{
	double u = (double)(splitmix64(rng) >> 11) * (1.0 / 9007199254740992.0);
	uint64_t r = (uint64_t)(u * u * (double)C);
	return r < C ? r : C - 1;
}

static const char *WORDS[] = {"my", "bag", "is", "lost", "again", "flight", "delayed", "still", "waiting",
			      "on", "hold", "thanks", "for", "the", "help", "refund", "please", "card",
			      "charged", "twice", "great", "service", "app", "crashes", "when", "I", "login"};
static const char *CHANNELS[] = {"twitter", "email", "chat", "phone", "reddit"};
static const char *ROUTES[] = {"support", "pr", "marketing", "sales", "product", "alerts"};
static const char *INTENTS[] = {"complaint", "question", "praise", "request", "other"};

static size_t make_payload(char *buf, size_t cap, uint64_t seq, uint64_t *rng)
{
	uint64_t r = splitmix64(rng);
	int k = snprintf(buf, cap,
			 "{\"id\":\"%" PRIu64 "\",\"channel\":\"%s\",\"direction\":\"%s\",\"text\":\"", (uint64_t)(570301031407624196ull + seq),
			 CHANNELS[r % 5], (r >> 8) % 4 ? "in" : "out");
	int words = 10 + (int)((r >> 16) % 10);
	for (int i = 0; i < words && k < (int)cap - 160; i++)
		k += snprintf(buf + k, cap - (size_t)k, "%s%s", i ? " " : "",
			      WORDS[splitmix64(rng) % (sizeof WORDS / sizeof WORDS[0])]);
	k += snprintf(buf + k, cap - (size_t)k,
		      "\",\"sentiment\":%.4f,\"intent\":\"%s\",\"route\":\"%s\",\"priority\":\"P%u\",\"sla\":%u}",
		      (double)((int64_t)((r >> 24) % 20001) - 10000) / 10000.0, INTENTS[(r >> 40) % 5],
		      ROUTES[(r >> 44) % 6], (unsigned)((r >> 50) % 4), (unsigned)((r >> 52) % 4) * 900);
	return (size_t)k;
}

typedef struct qres {
	size_t n;
	uint64_t h;
} qres;

static int hist_cb(void *ctx, uint32_t part, const scrm_ilog_rec *r)
{
	qres *q = ctx;
	q->n++;
	q->h = XXH3_64bits_withSeed(&r->seq, sizeof r->seq, q->h);
	return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Time history for each customer; prints min/median/max and returns a hash of answers. */
static uint64_t run_queries(const char *dir, const uint64_t *cust, int Q, const char *label, size_t *total)
{
	double *ms = malloc((size_t)Q * sizeof *ms);
	uint64_t all = 0;
	*total = 0;
	char err[512];
	for (int i = 0; i < Q; i++) {
		qres q = {0, 0};
		double t0 = now_s();
		int rc = scrm_ilog_history(dir, cust[i], hist_cb, &q, err, sizeof err);
		ms[i] = (now_s() - t0) * 1e3;
		if (rc) {
			fprintf(stderr, "history: %s\n", err);
			exit(1);
		}
		*total += q.n;
		all = XXH3_64bits_withSeed(&q.h, sizeof q.h, all ^ q.n);
	}
	qsort(ms, (size_t)Q, sizeof *ms, dbl_cmp);
	printf("history %-28s min %8.3f ms  median %8.3f ms  max %8.3f ms  (%d customers, %.1f records each)\n",
	       label, ms[0], ms[Q / 2], ms[Q - 1], Q, (double)*total / Q);
	free(ms);
	return all;
}

static uint64_t dir_bytes(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	uint64_t n = 0;
	struct dirent *de;
	char p[4096];
	size_t sl = strlen(suffix);
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < sl || strcmp(de->d_name + l - sl, suffix))
			continue;
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0)
			n += (uint64_t)st.st_size;
	}
	if (d)
		closedir(d);
	return n;
}

static void print_config(uint64_t N, uint32_t P, uint64_t C, uint64_t B, int Q, uint64_t seg, const char *sync)
{
	char cpu[512] = "?", commit[64] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "model name", 10)) {
			char *c = strchr(line, ':');
			snprintf(cpu, sizeof cpu, "%s", c ? c + 2 : line);
			cpu[strcspn(cpu, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
	f = popen("git rev-parse --short HEAD 2>/dev/null", "r");
	if (f) {
		if (fgets(commit, sizeof commit, f))
			commit[strcspn(commit, "\n")] = 0;
		pclose(f);
	}
	printf("bench_ilog: commit %s, compiler %s%s, cpu %s, %ld cores, zstd %s, xxhash %u\n", commit, __VERSION__,
#ifdef __OPTIMIZE__
	       " (optimized)",
#else
	       " (-O0)",
#endif
	       cpu, sysconf(_SC_NPROCESSORS_ONLN), ZSTD_versionString(), XXH_versionNumber());
	printf("config: N=%" PRIu64 " interactions, P=%" PRIu32 " partitions, C=%" PRIu64
	       " customers (rank = C*u^2), batch=%" PRIu64 ", segment=%" PRIu64 " MiB, sync=%s, zstd level 1, Q=%d\n",
	       N, P, C, B, seg >> 20, sync, Q);
}

int main(int argc, char **argv)
{
	uint64_t N = 10000000, C = 1000000, B = 4096, seg = 64u << 20;
	uint32_t P = 64;
	int Q = 100;
	const char *dir = NULL, *sync = "never";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-n") && i + 1 < argc)
			N = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(a, "-p") && i + 1 < argc)
			P = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(a, "-c") && i + 1 < argc)
			C = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(a, "-b") && i + 1 < argc)
			B = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(a, "-q") && i + 1 < argc)
			Q = atoi(argv[++i]);
		else if (!strcmp(a, "-s") && i + 1 < argc)
			seg = strtoull(argv[++i], NULL, 10) << 20;
		else if (!strcmp(a, "--sync") && i + 1 < argc)
			sync = argv[++i];
		else if (a[0] != '-' && !dir)
			dir = a;
		else {
			fprintf(stderr, "usage: bench_ilog [-n N] [-p P] [-c C] [-b B] [-q Q] [-s SEGMENT_MIB] "
					"[--sync never|batch|always] DIR\n");
			return 2;
		}
	}
	if (!dir || !N || !C || !B || Q < 1 || !P || P > SCRM_ILOG_MAX_PARTS) {
		fprintf(stderr, "usage: bench_ilog [-n N] [-p P] [-c C] [-b B] [-q Q] [-s SEGMENT_MIB] [--sync never|batch|always] DIR\n");
		return 2;
	}
	print_config(N, P, C, B, Q, seg, sync);

	scrm_ilog_opts o;
	scrm_ilog_opts_default(&o);
	o.segment_bytes = seg;
	o.sync = !strcmp(sync, "batch") ? SCRM_ILOG_SYNC_BATCH : !strcmp(sync, "always") ? SCRM_ILOG_SYNC_ALWAYS
											: SCRM_ILOG_SYNC_NEVER;
	scrm_ilog *log;
	char err[512];
	if (scrm_ilog_open(&log, dir, P, &o, err, sizeof err)) {
		fprintf(stderr, "bench_ilog: %s\n", err);
		return 1;
	}
	/* A pool of distinct payloads made up front, so the timing is the log's alone;
	 * blocks are compressed independently, so reuse across blocks does not help zstd. */
	enum { POOL = 1 << 16, SLOT = 512 };
	char *pool = malloc((size_t)POOL * SLOT);
	size_t *plen = malloc(POOL * sizeof *plen);
	uint64_t rng = 20240601, payload_bytes = 0;
	for (uint64_t i = 0; i < POOL; i++)
		plen[i] = make_payload(pool + i * SLOT, SLOT, i, &rng);
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	double t0 = now_s();
	for (uint64_t seq = 0; seq < N; seq++) {
		uint64_t c = customer_of(draw_rank(&rng, C));
		uint64_t pi = splitmix64(&rng) % POOL;
		size_t len = plen[pi];
		payload_bytes += len;
		scrm_ilog_rec r = {.kind = SCRM_ILOG_INTERACTION, .customer = c, .ts_ms = 1424804145000 + (int64_t)seq,
				   .seq = seq, .data = pool + pi * SLOT, .len = len};
		uint32_t part = scrm_ilog_part_of(c, P);
		if (scrm_ilog_append(log, part, &r)) {
			fprintf(stderr, "append failed\n");
			return 1;
		}
		if ((seq + 1) % B == 0 || seq + 1 == N) {
			for (uint32_t p = 0; p < P; p++) {
				int rc = scrm_ilog_commit(log, p);
				if (!rc)
					rc = scrm_ilog_sync(log, p);
				if (rc) {
					fprintf(stderr, "commit: %s\n", strerror(-rc));
					return 1;
				}
			}
		}
	}
	double t_write = now_s() - t0;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) * 1e-9;
	free(pool);
	free(plen);
	double t1 = now_s();
	if (scrm_ilog_close(log)) {
		fprintf(stderr, "close failed\n");
		return 1;
	}
	double t_close = now_s() - t1;
	uint64_t seg_bytes = dir_bytes(dir, ".seg"), idx_bytes = dir_bytes(dir, ".idx");
	printf("write: %.2f s wall (%.2f s CPU, one thread), %.2f M interactions/s, %.1f MB/s of payload "
	       "(%.1f MB/s per CPU second); close (writes the open segments' indexes) %.2f s\n",
	       t_write, cpu, N / t_write / 1e6, payload_bytes / t_write / 1e6, payload_bytes / cpu / 1e6, t_close);
	printf("size: payload %.1f MB -> segments %.1f MB (%.2fx), indexes %.1f MB, %.1f bytes/interaction on disk\n",
	       payload_bytes / 1e6, seg_bytes / 1e6, (double)payload_bytes / (double)seg_bytes, idx_bytes / 1e6,
	       (double)(seg_bytes + idx_bytes) / (double)N);

	uint64_t *cust = malloc((size_t)Q * sizeof *cust);
	uint64_t qrng = 99;
	for (int i = 0; i < Q; i++)
		cust[i] = customer_of(draw_rank(&qrng, C));
	size_t total;
	run_queries(dir, cust, Q, "(warm-up)", &total);
	uint64_t h1 = run_queries(dir, cust, Q, "(indexed)", &total);

	/* The open segments of a log being written have no index yet: remove those. */
	DIR *d = opendir(dir);
	struct dirent *de;
	char last[SCRM_ILOG_MAX_PARTS][64];
	memset(last, 0, sizeof last);
	while (d && (de = readdir(d))) {
		unsigned part;
		if (strlen(de->d_name) == 22 && sscanf(de->d_name, "p%4u-", &part) == 1 && part < P &&
		    strcmp(de->d_name, last[part]) > 0)
			memcpy(last[part], de->d_name, 23); /* 22 bytes and the NUL, checked above */
	}
	if (d)
		closedir(d);
	for (uint32_t p = 0; p < P; p++)
		if (last[p][0]) {
			char path[8192];
			int k = snprintf(path, sizeof path, "%s/%s.idx", dir, last[p]);
			if (k > 0 && (size_t)k < sizeof path)
				unlink(path);
		}
	uint64_t h2 = run_queries(dir, cust, Q, "(open segments scanned)", &total);
	printf("answers hash %016" PRIx64 "%s\n", h1, h1 == h2 ? " (same with and without open-segment indexes)" : " MISMATCH");
	free(cust);
	return h1 == h2 ? 0 : 1;
}
