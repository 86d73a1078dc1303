/*
 * bench_parse.c - one-core speeds of the listen stage's pieces over one NDJSON file in
 * memory: newline scan (the physical floor of splitting), JSON parse alone (simdjson,
 * full validation), and parse + normalize into canonical records.
 *
 * Usage: bench_parse FILE [REPEATS]
 * Prints one line per measurement with min and median over REPEATS passes, and a hash
 * of what was computed so that a fast wrong answer cannot pass for a fast right one.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "normalize.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *t, int reps, size_t bytes, uint64_t recs, uint64_t hash)
{
	qsort(t, (size_t)reps, sizeof *t, cmp_d);
	double min = t[0], med = t[reps / 2];
	printf("%-22s min %8.3f s  median %8.3f s  %8.1f MB/s  %10.0f rec/s  hash %016" PRIx64 "\n",
	       name, min, med, bytes / 1e6 / min, recs / min, hash);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_parse FILE [REPEATS]\n");
		return 2;
	}
	int reps = argc > 2 ? atoi(argv[2]) : 3;
	if (reps < 1 || reps > 100)
		reps = 3;
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	struct stat sb;
	fstat(fd, &sb);
	size_t n = (size_t)sb.st_size;
	/* Copy into a padded heap buffer: the parser may read SCRM_PADDING past a line. */
	char *buf = malloc(n + SCRM_PADDING);
	void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	if (!buf || m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(buf, m, n);
	memset(buf + n, 0, SCRM_PADDING);
	munmap(m, n);
	close(fd);

	double t[100];
	uint64_t lines = 0, hash = 0;

	for (int r = 0; r < reps; r++) {
		double t0 = now_s();
		uint64_t c = 0;
		for (const char *p = buf, *e = buf + n; p < e;) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			if (!nl)
				break;
			c++;
			p = nl + 1;
		}
		t[r] = now_s() - t0;
		lines = c;
	}
	report("newline scan", t, reps, n, lines, lines);

	scrm_normalizer *nz = scrm_normalizer_create(SCRM_FORMAT_AUTO);
	for (int r = 0; r < reps; r++) {
		double t0 = now_s();
		uint64_t bad = 0;
		for (const char *p = buf, *e = buf + n; p < e;) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
			bad += scrm_json_validate(nz, p, len) != 0;
			p += len + 1;
		}
		t[r] = now_s() - t0;
		hash = bad;
	}
	report("json parse alone", t, reps, n, lines, hash);

	scrm_recvec rv = {0};
	scrm_buf arena = {0};
	uint64_t recs = 0;
	for (int r = 0; r < reps; r++) {
		double t0 = now_s();
		XXH64_state_t *hs = XXH64_createState();
		XXH64_reset(hs, 0);
		recs = 0;
		for (const char *p = buf, *e = buf + n; p < e;) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
			scrm_norm_result res;
			rv.len = 0;
			arena.len = 0;
			scrm_normalize_line(nz, p, len, &rv, &arena, &res);
			for (size_t i = 0; i < rv.len; i++) {
				const scrm_record *rec = &rv.v[i];
				if (scrm_str_present(rec->text))
					XXH64_update(hs, arena.data + rec->text.off, rec->text.len);
			}
			recs += rv.len;
			p += len + 1;
		}
		t[r] = now_s() - t0;
		hash = XXH64_digest(hs);
		XXH64_freeState(hs);
	}
	report("parse + normalize", t, reps, n, recs, hash);
	printf("file %s: %zu bytes, %" PRIu64 " lines, %" PRIu64 " records, %.0f bytes/line\n",
	       argv[1], n, lines, recs, lines ? (double)n / lines : 0.0);
	scrm_recvec_free(&rv);
	scrm_buf_free(&arena);
	scrm_normalizer_free(nz);
	free(buf);
	return 0;
}
