/*
 * test_ilog.c - the interaction log (engine/ilog.c): round trip across partitions and
 * segment rollovers, every torn-tail length, a flipped byte, history against a
 * brute-force scan, checkpoints across reopen, the error paths, a fuzz-found input and
 * the command line (`scrm log verify|dump`, `scrm history`).
 * Every log lives in a fresh mkdtemp directory under /tmp, removed at the end.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "ilog.h"
#include "le.h"

/* ---- helpers ---- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static char *tmp_root(void)
{
	char *d = strdup("/tmp/scrm-ilog-XXXXXX");
	cr_assert(d && mkdtemp(d), "mkdtemp: %s", strerror(errno));
	return d;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static void rm_rf(const char *d)
{
	nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cat_path(char *out, size_t n, const char *a, const char *b)
{
	int k = snprintf(out, n, "%s/%s", a, b);
	cr_assert(k > 0 && (size_t)k < n);
}

/* Copy every file of directory src into dst (created). */
static void copy_dir(const char *src, const char *dst)
{
	cr_assert(mkdir(dst, 0755) == 0 || errno == EEXIST);
	DIR *d = opendir(src);
	cr_assert(d);
	struct dirent *de;
	char a[4096], b[4096];
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cat_path(a, sizeof a, src, de->d_name);
		cat_path(b, sizeof b, dst, de->d_name);
		FILE *in = fopen(a, "rb"), *out = fopen(b, "wb");
		cr_assert(in && out);
		char buf[65536];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, in)) > 0)
			cr_assert_eq(fwrite(buf, 1, n, out), n);
		fclose(in);
		cr_assert_eq(fclose(out), 0);
	}
	closedir(d);
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
	return (uint64_t)st.st_size;
}

static size_t count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	cr_assert(d);
	size_t n = 0, sl = strlen(suffix);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > sl && strcmp(de->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void seg_name(char *out, size_t n, const char *dir, uint32_t part, uint64_t seq)
{
	int k = snprintf(out, n, "%s/p%04" PRIu32 "-%012" PRIu64 ".seg", dir, part, seq);
	cr_assert(k > 0 && (size_t)k < n);
}

/* What a test appended, to compare reads against. */
typedef struct exp_rec {
	scrm_ilog_kind kind;
	uint64_t customer, seq, commit;
	int64_t ts;
	char data[160];
	size_t len;
	uint32_t ninputs;
} exp_rec;

typedef struct expect {
	exp_rec *v;
	size_t n, cap;
} expect;

static void exp_push(expect *e, const exp_rec *r)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 256;
		e->v = realloc(e->v, e->cap * sizeof *e->v);
		cr_assert(e->v);
	}
	e->v[e->n++] = *r;
}

/* An interaction of customer c with a payload drawn from rng. */
static exp_rec make_interaction(uint64_t c, uint64_t seq, uint64_t *rng)
{
	exp_rec e = {.kind = SCRM_ILOG_INTERACTION, .customer = c, .seq = seq, .ts = 1424804145000 + (int64_t)seq * 1000};
	static const char *chan[] = {"twitter", "email", "chat", "phone"};
	int words = (int)(splitmix64(rng) % 12);
	int k = snprintf(e.data, sizeof e.data, "{\"id\":\"%" PRIu64 "\",\"channel\":\"%s\",\"text\":\"msg", seq,
			 chan[seq % 4]);
	for (int i = 0; i < words && k < 120; i++)
		k += snprintf(e.data + k, sizeof e.data - (size_t)k, " w%u", (unsigned)(splitmix64(rng) % 1000));
	k += snprintf(e.data + k, sizeof e.data - (size_t)k, "\"}");
	e.len = (size_t)k;
	return e;
}

/* Append one interaction of customer c to its partition and remember it. */
static void add_interaction(scrm_ilog *log, expect *per_part, uint64_t c, uint64_t seq, uint64_t *rng)
{
	uint32_t part = scrm_ilog_part_of(c, scrm_ilog_nparts(log));
	exp_rec e = make_interaction(c, seq, rng);
	scrm_ilog_rec r = {.kind = SCRM_ILOG_INTERACTION, .customer = c, .ts_ms = e.ts, .seq = seq, .data = e.data, .len = e.len};
	cr_assert_eq(scrm_ilog_append(log, part, &r), 0);
	exp_push(&per_part[part], &e);
}

static void add_checkpoint(scrm_ilog *log, expect *per_part, uint32_t part, uint64_t commit)
{
	char name[2][32];
	snprintf(name[0], sizeof name[0], "in-%" PRIu64 ".ndjson", commit);
	snprintf(name[1], sizeof name[1], "stdin");
	scrm_ilog_input in[2] = {{name[0], strlen(name[0]), commit * 100}, {name[1], 5, commit * 7}};
	scrm_ilog_rec r = {.kind = SCRM_ILOG_CHECKPOINT, .commit = commit, .inputs = in, .ninputs = 2};
	cr_assert_eq(scrm_ilog_append(log, part, &r), 0);
	exp_rec e = {.kind = SCRM_ILOG_CHECKPOINT, .commit = commit, .ninputs = 2};
	exp_push(&per_part[part], &e);
}

static void commit_all(scrm_ilog *log)
{
	for (uint32_t p = 0; p < scrm_ilog_nparts(log); p++) {
		cr_assert_eq(scrm_ilog_commit(log, p), 0);
		cr_assert_eq(scrm_ilog_sync(log, p), 0);
	}
}

/* Iterate partition `part` and compare with exp (first n records); returns records read. */
static size_t check_part(const char *dir, uint32_t part, const expect *exp, size_t n)
{
	char err[512];
	scrm_ilog_iter *it;
	cr_assert_eq(scrm_ilog_iter_open(&it, dir, part, err, sizeof err), 0, "%s", err);
	scrm_ilog_rec r;
	size_t i = 0;
	int rc;
	while ((rc = scrm_ilog_iter_next(it, &r)) == 1) {
		cr_assert_lt(i, n, "partition %u: more records than appended", part);
		const exp_rec *e = &exp->v[i];
		cr_assert_eq(r.lsn, i);
		cr_assert_eq(r.kind, e->kind);
		if (e->kind == SCRM_ILOG_INTERACTION) {
			cr_assert_eq(r.customer, e->customer);
			cr_assert_eq(r.seq, e->seq);
			cr_assert_eq(r.ts_ms, e->ts);
			cr_assert_eq(r.len, e->len);
			cr_assert(memcmp(r.data, e->data, e->len) == 0);
		} else {
			cr_assert_eq(r.commit, e->commit);
			cr_assert_eq(r.ninputs, e->ninputs);
			cr_assert_eq(r.inputs[0].offset, e->commit * 100);
			cr_assert(r.inputs[1].input_len == 5 && memcmp(r.inputs[1].input, "stdin", 5) == 0);
		}
		i++;
	}
	cr_assert_eq(rc, 0, "partition %u: %s", part, scrm_ilog_iter_error(it));
	scrm_ilog_iter_free(it);
	cr_assert_eq(i, n, "partition %u: read %zu records, want %zu", part, i, n);
	return i;
}

typedef struct vsum {
	long problems;
	uint64_t records, blocks, segments, indexes;
	uint64_t first_bad;
	char first_path[4096];
	char first_why[256];
} vsum;

static void vsum_cb(void *ctx, const scrm_ilog_report *r)
{
	vsum *v = ctx;
	if (r->kind == SCRM_ILOG_REPORT_PROBLEM) {
		if (!v->problems++) {
			v->first_bad = r->offset;
			snprintf(v->first_path, sizeof v->first_path, "%s", r->path);
			snprintf(v->first_why, sizeof v->first_why, "%s", r->why);
		}
		return;
	}
	v->records += r->records;
	v->blocks += r->blocks;
	v->segments += r->segments;
	v->indexes += r->indexes;
}

static long verify(const char *dir, vsum *v)
{
	memset(v, 0, sizeof *v);
	char err[512];
	long n = scrm_ilog_verify(dir, vsum_cb, v, err, sizeof err);
	cr_assert_geq(n, 0, "verify: %s", err);
	cr_assert_eq(n, v->problems);
	return n;
}

typedef struct trunc_log {
	int calls;
	uint64_t bytes, offset;
	int removed;
} trunc_log;

static void on_trunc(void *ctx, const scrm_ilog_truncation *t)
{
	trunc_log *l = ctx;
	l->calls++;
	l->bytes += t->bytes;
	l->offset = t->offset;
	l->removed |= t->removed;
}

static scrm_ilog *open_log(const char *dir, uint32_t nparts, uint64_t seg_bytes, trunc_log *tl)
{
	scrm_ilog_opts o;
	scrm_ilog_opts_default(&o);
	if (seg_bytes)
		o.segment_bytes = seg_bytes;
	o.sync = SCRM_ILOG_SYNC_NEVER; /* the tests check logic, not the disk */
	o.on_truncate = tl ? on_trunc : NULL;
	o.ctx = tl;
	scrm_ilog *log;
	char err[512];
	int rc = scrm_ilog_open(&log, dir, nparts, &o, err, sizeof err);
	cr_assert_eq(rc, 0, "open %s: %s", dir, err);
	return log;
}

/* ---- round trip ---- */

Test(ilog, round_trip_partitions_and_rollover)
{
	char *root = tmp_root(), dir[4096];
	cat_path(dir, sizeof dir, root, "log");
	const uint32_t P = 4;
	expect exp[4] = {0};
	uint64_t rng = 42, seq = 0;
	scrm_ilog *log = open_log(dir, P, 4096, NULL);
	for (int batch = 0; batch < 60; batch++) {
		int n = 1 + (int)(splitmix64(&rng) % 80);
		for (int i = 0; i < n; i++)
			add_interaction(log, exp, splitmix64(&rng) % 300, seq++, &rng);
		if (batch % 7 == 3)
			add_checkpoint(log, exp, (uint32_t)batch % P, (uint64_t)batch);
		commit_all(log);
	}
	/* appended but not committed: discarded by close, as a crash would */
	scrm_ilog_rec junk = {.kind = SCRM_ILOG_INTERACTION, .customer = 1, .data = "{}", .len = 2};
	cr_assert_eq(scrm_ilog_append(log, 1, &junk), 0);
	cr_assert_eq(scrm_ilog_close(log), 0);

	size_t segs = count_files(dir, ".seg");
	cr_assert_gt(segs, 4 * P, "want several rollovers, got %zu segments", segs);
	cr_assert_eq(count_files(dir, ".idx"), segs, "every closed segment has an index");
	size_t total = 0;
	for (uint32_t p = 0; p < P; p++)
		total += check_part(dir, p, &exp[p], exp[p].n);
	vsum v;
	cr_assert_eq(verify(dir, &v), 0, "%s @ %" PRIu64 ": %s", v.first_path, v.first_bad, v.first_why);
	cr_assert_eq(v.records, total);
	cr_assert_eq(v.segments, segs);
	cr_assert_eq(v.indexes, segs);

	/* reopen (clean: nothing to truncate), append more, read everything back */
	trunc_log tl = {0};
	log = open_log(dir, P, 4096, &tl);
	uint32_t cuts = 9;
	cr_assert_eq(scrm_ilog_truncated(log, &cuts), 0);
	cr_assert_eq(cuts, 0);
	cr_assert_eq(tl.calls, 0);
	for (int i = 0; i < 500; i++)
		add_interaction(log, exp, splitmix64(&rng) % 300, seq++, &rng);
	commit_all(log);
	cr_assert_eq(scrm_ilog_close(log), 0);
	for (uint32_t p = 0; p < P; p++)
		check_part(dir, p, &exp[p], exp[p].n);
	cr_assert_eq(verify(dir, &v), 0, "%s @ %" PRIu64 ": %s", v.first_path, v.first_bad, v.first_why);

	for (uint32_t p = 0; p < P; p++)
		free(exp[p].v);
	rm_rf(root);
	free(root);
}

Test(ilog, sync_policies_and_bad_appends)
{
	char *root = tmp_root(), dir[4096];
	cat_path(dir, sizeof dir, root, "log");
	scrm_ilog_sync_policy pol[] = {SCRM_ILOG_SYNC_ALWAYS, SCRM_ILOG_SYNC_BATCH, SCRM_ILOG_SYNC_INTERVAL,
				       SCRM_ILOG_SYNC_NEVER};
	expect exp[2] = {0};
	uint64_t rng = 7, seq = 0;
	for (int k = 0; k < 4; k++) {
		scrm_ilog_opts o;
		scrm_ilog_opts_default(&o);
		o.sync = pol[k];
		o.interval_ms = 0;
		scrm_ilog *log;
		char err[512];
		cr_assert_eq(scrm_ilog_open(&log, dir, 2, &o, err, sizeof err), 0, "%s", err);
		for (int i = 0; i < 20; i++)
			add_interaction(log, exp, splitmix64(&rng), seq++, &rng);
		commit_all(log);
		/* wrong partition, unknown kind, empty input name, oversized payload */
		scrm_ilog_rec r = {.kind = SCRM_ILOG_INTERACTION, .customer = 3, .data = "{}", .len = 2};
		cr_assert_eq(scrm_ilog_append(log, 0, &r), -EINVAL);
		cr_assert_eq(scrm_ilog_append(log, 2, &r), -EINVAL);
		r.kind = (scrm_ilog_kind)9;
		cr_assert_eq(scrm_ilog_append(log, 1, &r), -EINVAL);
		scrm_ilog_input in = {"x", 0, 1};
		scrm_ilog_rec c = {.kind = SCRM_ILOG_CHECKPOINT, .inputs = &in, .ninputs = 1};
		cr_assert_eq(scrm_ilog_append(log, 0, &c), -EINVAL);
		r.kind = SCRM_ILOG_INTERACTION;
		r.len = SCRM_ILOG_PAYLOAD_MAX + 1;
		cr_assert_eq(scrm_ilog_append(log, 1, &r), -EMSGSIZE);
		cr_assert_eq(scrm_ilog_commit(log, 0), 0); /* nothing appended: no block */
		cr_assert_eq(scrm_ilog_close(log), 0);
	}
	for (uint32_t p = 0; p < 2; p++) {
		check_part(dir, p, &exp[p], exp[p].n);
		free(exp[p].v);
	}
	rm_rf(root);
	free(root);
}

/* All of a file's bytes, for comparing two logs. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	char *b = NULL;
	size_t cap = 0;
	*n = 0;
	for (;;) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 65536;
			b = realloc(b, cap);
			cr_assert_not_null(b);
		}
		size_t got = fread(b + *n, 1, cap - *n, f);
		*n += got;
		if (!got)
			break;
	}
	fclose(f);
	return b;
}

/* scrm_ilog_sync_many(): the partitions' fdatasyncs together through io_uring, and one
 * after the other (o.no_uring), over more partitions than one io_uring round holds (64):
 * both return 0, write the same bytes, and read back what was appended; bad partitions
 * are refused; a partition's sticky error comes back whatever its place in the list,
 * and the others are still synced (their records read back). */
Test(ilog, sync_many_together_and_one_by_one)
{
	char *root = tmp_root(), dir[2][4096];
	const uint32_t P = 70;
	for (int mode = 0; mode < 2; mode++) {
		cat_path(dir[mode], sizeof dir[mode], root, mode ? "one-by-one" : "together");
		scrm_ilog_opts o;
		scrm_ilog_opts_default(&o);
		o.sync = SCRM_ILOG_SYNC_BATCH;
		o.no_uring = mode;
		scrm_ilog *log;
		char err[512];
		cr_assert_eq(scrm_ilog_open(&log, dir[mode], P, &o, err, sizeof err), 0, "%s", err);
		expect *exp = calloc(P, sizeof *exp);
		uint64_t rng = 99, seq = 0;
		uint32_t all[P + 1];
		for (uint32_t p = 0; p < P; p++)
			all[p] = P - 1 - p; /* any order */
		for (int batch = 0; batch < 6; batch++) {
			for (int i = 0; i < 400; i++)
				add_interaction(log, exp, splitmix64(&rng) % 5000, seq++, &rng);
			for (uint32_t p = 0; p < P; p++)
				cr_assert_eq(scrm_ilog_commit(log, p), 0);
			cr_assert_eq(scrm_ilog_sync_many(log, all, P), 0, "batch %d", batch);
			cr_assert_eq(scrm_ilog_sync_many(log, all, P), 0, "nothing left to sync");
		}
		cr_assert_eq(scrm_ilog_sync_many(log, NULL, 0), 0);
		all[P] = P; /* out of range: refused before anything is synced */
		cr_assert_eq(scrm_ilog_sync_many(log, all + 1, P), -EINVAL);
		cr_assert_eq(scrm_ilog_close(log), 0);
		for (uint32_t p = 0; p < P; p++) {
			check_part(dir[mode], p, &exp[p], exp[p].n);
			free(exp[p].v);
		}
		free(exp);
	}
	for (uint32_t p = 0; p < P; p++) {
		char a[4200], b[4200];
		seg_name(a, sizeof a, dir[0], p, 1);
		seg_name(b, sizeof b, dir[1], p, 1);
		size_t na, nb;
		char *x = slurp(a, &na), *y = slurp(b, &nb);
		cr_assert(na == nb && memcmp(x, y, na) == 0, "partition %u: the two ways wrote other bytes", p);
		free(x);
		free(y);
	}

	/* a sticky error: partition 1's block passes the file size limit (EFBIG) */
	for (int mode = 0; mode < 2; mode++) {
		char d[4096];
		cat_path(d, sizeof d, root, mode ? "efbig-one-by-one" : "efbig-together");
		scrm_ilog_opts o;
		scrm_ilog_opts_default(&o);
		o.no_uring = mode;
		scrm_ilog *log;
		char err[512];
		cr_assert_eq(scrm_ilog_open(&log, d, 2, &o, err, sizeof err), 0, "%s", err);
		expect exp[2] = {0};
		uint64_t rng = 5, seq = 0;
		for (uint64_t c = 0; exp[0].n < 3 || exp[1].n < 3; c++)
			add_interaction(log, exp, c, seq++, &rng);
		cr_assert_eq(scrm_ilog_commit(log, 0), 0);
		struct rlimit old, lim;
		cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
		lim = old;
		lim.rlim_cur = 64; /* below anything a block adds to a segment */
		signal(SIGXFSZ, SIG_IGN);
		cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
		int crc = scrm_ilog_commit(log, 1);
		cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
		cr_assert_eq(crc, -EFBIG, "commit past the limit: %d", crc);
		uint32_t order[2][2] = {{0, 1}, {1, 0}};
		for (int k = 0; k < 2; k++)
			cr_assert_eq(scrm_ilog_sync_many(log, order[k], 2), -EFBIG, "order %d", k);
		cr_assert_eq(scrm_ilog_sync(log, 0), 0, "partition 0 is fine");
		scrm_ilog_close(log);
		check_part(d, 0, &exp[0], exp[0].n);
		free(exp[0].v);
		free(exp[1].v);
	}
	rm_rf(root);
	free(root);
}

/* Blocks built apart (scrm_ilog_builder, as the pipeline's workers build them) and
 * written with scrm_ilog_commit_built(): the same log, byte for byte, as the same records
 * appended and committed; checkpoints appended between them; the misuses refused. */
Test(ilog, built_blocks_are_the_appended_ones)
{
	char *root = tmp_root(), dir[2][4096];
	const uint32_t P = 5;
	for (int mode = 0; mode < 2; mode++) {
		cat_path(dir[mode], sizeof dir[mode], root, mode ? "built" : "appended");
		scrm_ilog *log = open_log(dir[mode], P, 8192, NULL); /* small segments: rollovers */
		scrm_ilog_builder *b = scrm_ilog_builder_new(scrm_ilog_zstd_level(log));
		cr_assert_not_null(b);
		scrm_buf blocks = {0}, custs = {0};
		expect *exp = calloc(P, sizeof *exp);
		uint64_t rng = 7, seq = 0;
		for (int batch = 0; batch < 40; batch++) {
			/* the batch's records, by partition, in order */
			expect mine[5] = {0};
			int n = 1 + (int)(splitmix64(&rng) % 90);
			for (int i = 0; i < n; i++) {
				uint64_t c = splitmix64(&rng) % 400;
				uint32_t part = scrm_ilog_part_of(c, P);
				if (mode == 0) {
					add_interaction(log, exp, c, seq++, &rng);
					continue;
				}
				/* the record add_interaction() makes (the same draws), kept in mine[]
				 * for the builder and in exp[] for the check */
				size_t before = exp[part].n;
				exp_rec r = make_interaction(c, seq++, &rng);
				exp_push(&mine[part], &r);
				exp_push(&exp[part], &r);
				cr_assert_eq(exp[part].n, before + 1);
			}
			if (mode == 1) {
				blocks.len = custs.len = 0;
				scrm_ilog_built bl[5];
				for (uint32_t p = 0; p < P; p++) {
					for (size_t i = 0; i < mine[p].n; i++) {
						const exp_rec *r = &mine[p].v[i];
						scrm_ilog_rec lr = {.kind = SCRM_ILOG_INTERACTION, .customer = r->customer,
								    .ts_ms = r->ts, .seq = r->seq, .data = r->data, .len = r->len};
						cr_assert_eq(scrm_ilog_builder_add(b, &lr), 0);
					}
					cr_assert_eq(scrm_ilog_builder_seal(b, &blocks, &custs, &bl[p]), 0);
					cr_assert_eq(bl[p].nrec, mine[p].n);
				}
				for (uint32_t p = 0; p < P; p++)
					cr_assert_eq(scrm_ilog_commit_built(log, p, &bl[p], &blocks, &custs), 0);
				for (uint32_t p = 0; p < P; p++)
					free(mine[p].v);
			} else {
				commit_all(log);
			}
			if (batch % 6 == 5) { /* a checkpoint of its own, appended and committed */
				add_checkpoint(log, exp, 0, (uint64_t)batch);
				cr_assert_eq(scrm_ilog_commit(log, 0), 0);
			}
		}
		if (mode == 1) {
			/* misuse: a partition with records appended and not committed, a customer of
			 * another partition; an empty block is nothing */
			scrm_ilog_rec lr = {.kind = SCRM_ILOG_INTERACTION, .customer = 0, .data = "{}", .len = 2};
			uint32_t p0 = scrm_ilog_part_of(0, P), p1 = (p0 + 1) % P;
			blocks.len = custs.len = 0;
			scrm_ilog_built bl;
			cr_assert_eq(scrm_ilog_builder_add(b, &lr), 0);
			cr_assert_eq(scrm_ilog_builder_seal(b, &blocks, &custs, &bl), 0);
			cr_assert_eq(scrm_ilog_commit_built(log, p1, &bl, &blocks, &custs), -EINVAL);
			cr_assert_eq(scrm_ilog_append(log, p0, &lr), 0);
			cr_assert_eq(scrm_ilog_commit_built(log, p0, &bl, &blocks, &custs), -EINVAL);
			scrm_ilog_built none;
			cr_assert_eq(scrm_ilog_builder_seal(b, &blocks, &custs, &none), 0);
			cr_assert_eq(none.nrec, 0);
			cr_assert_eq(scrm_ilog_commit_built(log, p1, &none, &blocks, &custs), 0);
		}
		cr_assert_eq(scrm_ilog_close(log), 0); /* the appended record is discarded */
		scrm_ilog_builder_free(b);
		scrm_buf_free(&blocks);
		scrm_buf_free(&custs);
		for (uint32_t p = 0; p < P; p++) {
			check_part(dir[mode], p, &exp[p], exp[p].n);
			free(exp[p].v);
		}
		free(exp);
		vsum v;
		cr_assert_eq(verify(dir[mode], &v), 0, "%s @ %" PRIu64 ": %s", v.first_path, v.first_bad, v.first_why);
	}
	/* the same files with the same bytes */
	for (uint32_t p = 0; p < P; p++)
		for (uint64_t seg = 1;; seg++) {
			char a[4200], b[4200];
			seg_name(a, sizeof a, dir[0], p, seg);
			seg_name(b, sizeof b, dir[1], p, seg);
			struct stat sa, sb;
			int ea = stat(a, &sa), eb = stat(b, &sb);
			cr_assert_eq(ea, eb, "%s / %s: one exists", a, b);
			if (ea)
				break;
			size_t na, nb;
			char *x = slurp(a, &na), *y = slurp(b, &nb);
			cr_assert(na == nb && memcmp(x, y, na) == 0, "%s differs from %s", b, a);
			free(x);
			free(y);
		}
	rm_rf(root);
	free(root);
}

/* ---- torn tail ---- */

Test(ilog, torn_tail_every_length)
{
	char *root = tmp_root(), dir[4096], copy[4096], seg[4096], cseg[4096];
	cat_path(dir, sizeof dir, root, "log");
	cat_path(copy, sizeof copy, root, "copy");
	const uint32_t P = 2;
	expect exp[2] = {0};
	uint64_t rng = 9, seq = 0;
	scrm_ilog *log = open_log(dir, P, 0, NULL);
	seg_name(seg, sizeof seg, dir, 1, 1);
	seg_name(cseg, sizeof cseg, copy, 1, 1);
	size_t before_last = 0;
	uint64_t last_start = 0;
	for (int batch = 0; batch < 6; batch++) {
		if (batch == 5) {
			before_last = exp[1].n;
			last_start = file_size(seg);
		}
		for (int i = 0; i < 12; i++) {
			uint64_t c = splitmix64(&rng);
			c += scrm_ilog_part_of(c, P) == 1 ? 0 : 1; /* everything in partition 1 */
			add_interaction(log, exp, c, seq++, &rng);
		}
		commit_all(log);
	}
	cr_assert_eq(scrm_ilog_close(log), 0);
	uint64_t end = file_size(seg);
	cr_assert_gt(end, last_start + 40);

	for (uint64_t len = last_start; len <= end; len++) {
		rm_rf(copy);
		copy_dir(dir, copy);
		cr_assert_eq(truncate(cseg, (off_t)len), 0);
		int torn = len > last_start && len < end;
		vsum v;
		long probs = verify(copy, &v);
		/* cut exactly at a block boundary: only the index (covering more) is stale */
		long want = len == end ? 0 : 1;
		cr_assert(torn ? probs >= 1 : probs == want, "len %" PRIu64 ": %ld problems (%s)", len, probs,
			  v.first_why);
		if (torn)
			cr_assert_eq(v.first_bad, last_start, "len %" PRIu64 ": problem at %" PRIu64, len, v.first_bad);

		trunc_log tl = {0};
		log = open_log(copy, P, 0, &tl);
		cr_assert_eq(tl.calls, torn, "len %" PRIu64, len);
		cr_assert_eq(scrm_ilog_truncated(log, NULL), torn ? len - last_start : 0);
		if (torn)
			cr_assert_eq(tl.offset, last_start);
		cr_assert_eq(file_size(cseg), torn || len == last_start ? last_start : end);
		/* appending after recovery works and lands after the kept blocks */
		exp_rec saved = exp[1].v[before_last];
		size_t keep = len == end ? exp[1].n : before_last;
		size_t nsaved = exp[1].n;
		exp[1].n = keep;
		uint64_t c = 1; /* 1 % 2 == 1 */
		add_interaction(log, exp, c, 999999, &rng);
		commit_all(log);
		cr_assert_eq(scrm_ilog_close(log), 0);
		check_part(copy, 1, &exp[1], keep + 1);
		check_part(copy, 0, &exp[0], 0);
		cr_assert_eq(verify(copy, &v), 0, "len %" PRIu64 ": %s", len, v.first_why);
		exp[1].n = nsaved;
		exp[1].v[before_last] = saved;
	}
	free(exp[1].v);
	free(exp[0].v);
	rm_rf(root);
	free(root);
}

/* A segment cut inside its own header (a crash while it was created) is removed. */
Test(ilog, torn_segment_header)
{
	char *root = tmp_root(), dir[4096], seg2[4096];
	cat_path(dir, sizeof dir, root, "log");
	expect exp[1] = {0};
	uint64_t rng = 5, seq = 0;
	scrm_ilog *log = open_log(dir, 1, 0, NULL);
	for (int i = 0; i < 30; i++)
		add_interaction(log, exp, splitmix64(&rng), seq++, &rng);
	add_checkpoint(log, exp, 0, 7);
	commit_all(log);
	cr_assert_eq(scrm_ilog_close(log), 0);
	seg_name(seg2, sizeof seg2, dir, 0, 2);
	FILE *f = fopen(seg2, "wb");
	cr_assert(f);
	fwrite("scrmILOG\1\0", 1, 10, f);
	fclose(f);
	/* a resumed run reads the checkpoint before recovery removes the torn segment */
	scrm_ilog_checkpoint *c;
	char err[512];
	cr_assert_eq(scrm_ilog_checkpoint_latest(dir, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c->commit, 7);
	scrm_ilog_checkpoint_free(c);
	trunc_log tl = {0};
	log = open_log(dir, 1, 0, &tl);
	cr_assert_eq(tl.calls, 1);
	cr_assert_eq(tl.removed, 1);
	cr_assert_eq(tl.bytes, 10);
	add_interaction(log, exp, splitmix64(&rng), seq++, &rng);
	commit_all(log);
	cr_assert_eq(scrm_ilog_close(log), 0);
	check_part(dir, 0, &exp[0], exp[0].n);
	free(exp[0].v);
	rm_rf(root);
	free(root);
}

/* ---- a flipped byte ---- */

static void flip(const char *path, uint64_t off)
{
	int fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0);
	unsigned char c;
	cr_assert_eq(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 0x10;
	cr_assert_eq(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

Test(ilog, flipped_byte)
{
	char *root = tmp_root(), dir[4096], seg[4096];
	cat_path(dir, sizeof dir, root, "log");
	expect exp[1] = {0};
	uint64_t rng = 11, seq = 0;
	scrm_ilog *log = open_log(dir, 1, 0, NULL);
	seg_name(seg, sizeof seg, dir, 0, 1);
	uint64_t boff[6];
	size_t nbefore[6];
	for (int b = 0; b < 6; b++) {
		boff[b] = file_size(seg);
		nbefore[b] = exp[0].n;
		for (int i = 0; i < 10; i++)
			add_interaction(log, exp, splitmix64(&rng), seq++, &rng);
		commit_all(log);
	}
	cr_assert_eq(scrm_ilog_close(log), 0);
	uint64_t end = file_size(seg);

	/* in block 3's data: verify names block 3; open cuts from it */
	char copy[4096];
	for (int where = 0; where < 4; where++) {
		char cname[16];
		snprintf(cname, sizeof cname, "c%d", where);
		cat_path(copy, sizeof copy, root, cname);
		copy_dir(dir, copy);
		char cseg[4096];
		seg_name(cseg, sizeof cseg, copy, 0, 1);
		/* a data byte, the header's length field, the header checksum, a filter byte
		 * (10 customers: a 16-byte filter after the 56-byte header) */
		static const uint64_t rel[] = {56 + 16 + 40, 5, 50, 56 + 3};
		uint64_t at = boff[3] + rel[where];
		flip(cseg, at);
		vsum v;
		cr_assert_geq(verify(copy, &v), 1);
		cr_assert_eq(v.first_bad, boff[3], "where %d: problem at %" PRIu64 " (%s)", where, v.first_bad,
			     v.first_why);
		cr_assert(strstr(v.first_path, ".seg") != NULL);
		/* the iterator stops there with -EBADMSG */
		scrm_ilog_iter *it;
		char err[512];
		cr_assert_eq(scrm_ilog_iter_open(&it, copy, 0, err, sizeof err), 0);
		scrm_ilog_rec r;
		size_t n = 0;
		int rc;
		while ((rc = scrm_ilog_iter_next(it, &r)) == 1)
			n++;
		cr_assert_eq(rc, -EBADMSG);
		cr_assert_eq(n, nbefore[3]);
		char want[64];
		snprintf(want, sizeof want, "@ %" PRIu64 ":", boff[3]);
		cr_assert(strstr(scrm_ilog_iter_error(it), want), "%s", scrm_ilog_iter_error(it));
		scrm_ilog_iter_free(it);

		trunc_log tl = {0};
		log = open_log(copy, 1, 0, &tl);
		cr_assert_eq(tl.calls, 1);
		cr_assert_eq(tl.offset, boff[3]);
		cr_assert_eq(tl.bytes, end - boff[3]);
		cr_assert_eq(scrm_ilog_close(log), 0);
		check_part(copy, 0, &exp[0], nbefore[3]);
		cr_assert_eq(verify(copy, &v), 0, "%s", v.first_why);
	}
	free(exp[0].v);
	rm_rf(root);
	free(root);
}

/* ---- history ---- */

typedef struct hits {
	uint64_t seq[4096];
	size_t n;
	uint64_t customer;
	int bad;
} hits;

static int hit_cb(void *ctx, uint32_t part, const scrm_ilog_rec *r)
{
	hits *h = ctx;
	if (r->customer != h->customer || r->kind != SCRM_ILOG_INTERACTION)
		h->bad = 1;
	if (h->n < 4096)
		h->seq[h->n++] = r->seq;
	return 0;
}

static void brute(const expect *exp, uint32_t P, uint64_t c, hits *h)
{
	const expect *e = &exp[scrm_ilog_part_of(c, P)];
	h->n = 0;
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].kind == SCRM_ILOG_INTERACTION && e->v[i].customer == c)
			h->seq[h->n++] = e->v[i].seq;
}

static void check_history(const char *dir, const expect *exp, uint32_t P, uint64_t nc, uint64_t *rng)
{
	static hits got, want;
	char err[512];
	for (int q = 0; q < 150; q++) {
		uint64_t c = q == 0 ? nc + 12345 : splitmix64(rng) % nc; /* the first: no records */
		brute(exp, P, c * 0x9E3779B97F4A7C15ull, &want);
		got.n = 0;
		got.bad = 0;
		got.customer = c * 0x9E3779B97F4A7C15ull;
		cr_assert_eq(scrm_ilog_history(dir, got.customer, hit_cb, &got, err, sizeof err), 0, "%s", err);
		cr_assert_not(got.bad);
		cr_assert_eq(got.n, want.n, "customer %" PRIu64 ": %zu records, want %zu", c, got.n, want.n);
		cr_assert(memcmp(got.seq, want.seq, got.n * sizeof got.seq[0]) == 0, "customer %" PRIu64, c);
	}
}

Test(ilog, history_matches_brute_force)
{
	char *root = tmp_root(), dir[4096];
	cat_path(dir, sizeof dir, root, "log");
	const uint32_t P = 8;
	const uint64_t NC = 400;
	expect exp[8] = {0};
	uint64_t rng = 1234, seq = 0;
	scrm_ilog *log = open_log(dir, P, 16384, NULL);
	for (int batch = 0; batch < 100; batch++) {
		for (int i = 0; i < 200; i++) {
			uint64_t u = splitmix64(&rng) % 1000;
			uint64_t c = (u * u / 1000) * NC / 1000; /* skewed: low numbers are busy */
			add_interaction(log, exp, c * 0x9E3779B97F4A7C15ull, seq++, &rng);
		}
		if (batch % 10 == 0)
			add_checkpoint(log, exp, 0, (uint64_t)batch);
		commit_all(log);
	}
	cr_assert_eq(scrm_ilog_close(log), 0);
	cr_assert_gt(count_files(dir, ".seg"), 3 * P);
	check_history(dir, exp, P, NC, &rng);

	/* reopened and appended to, still open: the open segment's new blocks are scanned */
	log = open_log(dir, P, 16384, NULL);
	for (int batch = 0; batch < 5; batch++) {
		for (int i = 0; i < 200; i++)
			add_interaction(log, exp, (splitmix64(&rng) % NC) * 0x9E3779B97F4A7C15ull, seq++, &rng);
		commit_all(log);
	}
	check_history(dir, exp, P, NC, &rng);
	cr_assert_eq(scrm_ilog_close(log), 0);
	check_history(dir, exp, P, NC, &rng);

	/* without any index: the same answers by scanning */
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".idx")) {
			cat_path(p, sizeof p, dir, de->d_name);
			cr_assert_eq(unlink(p), 0);
		}
	closedir(d);
	check_history(dir, exp, P, NC, &rng);
	vsum v;
	cr_assert_eq(verify(dir, &v), 0);
	cr_assert_eq(v.indexes, 0);
	for (uint32_t i = 0; i < P; i++)
		free(exp[i].v);
	rm_rf(root);
	free(root);
}

/* ---- checkpoints ---- */

Test(ilog, latest_checkpoint_after_reopen)
{
	char *root = tmp_root(), dir[4096];
	cat_path(dir, sizeof dir, root, "log");
	const uint32_t P = 4;
	expect exp[4] = {0};
	uint64_t rng = 3, seq = 0;
	scrm_ilog_checkpoint *c;
	char err[512];
	scrm_ilog *log = open_log(dir, P, 2048, NULL);
	for (int i = 0; i < 50; i++)
		add_interaction(log, exp, splitmix64(&rng), seq++, &rng);
	commit_all(log);
	cr_assert_eq(scrm_ilog_checkpoint_latest(dir, &c, err, sizeof err), -ENOENT);
	for (uint64_t commit = 1; commit <= 12; commit++) {
		for (int i = 0; i < 40; i++)
			add_interaction(log, exp, splitmix64(&rng), seq++, &rng);
		/* the highest commit lands in partition 2, in an early segment of it */
		add_checkpoint(log, exp, commit == 12 ? 2 : (uint32_t)(commit % P), commit == 12 ? 99 : commit);
		commit_all(log);
	}
	/* more interactions after it, so partition 2's last segments hold none */
	for (int b = 0; b < 20; b++) {
		for (int i = 0; i < 60; i++)
			add_interaction(log, exp, splitmix64(&rng), seq++, &rng);
		commit_all(log);
	}
	cr_assert_eq(scrm_ilog_close(log), 0);
	log = open_log(dir, P, 2048, NULL);
	cr_assert_eq(scrm_ilog_close(log), 0);
	cr_assert_eq(scrm_ilog_checkpoint_latest(dir, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(c->commit, 99);
	cr_assert_eq(c->part, 2);
	cr_assert_eq(c->ninputs, 2);
	cr_assert_str_eq(c->inputs[0].input, "in-99.ndjson");
	cr_assert_eq(c->inputs[0].offset, 9900);
	cr_assert_str_eq(c->inputs[1].input, "stdin");
	cr_assert_eq(c->inputs[1].offset, 693);
	scrm_ilog_checkpoint_free(c);
	for (uint32_t p = 0; p < P; p++) {
		check_part(dir, p, &exp[p], exp[p].n);
		free(exp[p].v);
	}
	rm_rf(root);
	free(root);
}

/* ---- errors ---- */

Test(ilog, errors_are_clear)
{
	char *root = tmp_root(), dir[4096], err[512];
	cat_path(dir, sizeof dir, root, "log");
	scrm_ilog *log = open_log(dir, 8, 0, NULL);

	/* a second writer */
	scrm_ilog *two;
	cr_assert_eq(scrm_ilog_open(&two, dir, 8, NULL, err, sizeof err), -EBUSY);
	cr_assert(strstr(err, "another process"), "%s", err);
	cr_assert_eq(scrm_ilog_close(log), 0);

	/* partition count mismatch */
	err[0] = 0;
	cr_assert_eq(scrm_ilog_open(&two, dir, 16, NULL, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "8 partitions") && strstr(err, "16"), "%s", err);
	cr_assert_null(two);

	/* out-of-range arguments */
	cr_assert_eq(scrm_ilog_open(&two, dir, 0, NULL, err, sizeof err), -EINVAL);
	cr_assert_eq(scrm_ilog_open(&two, dir, SCRM_ILOG_MAX_PARTS + 1, NULL, err, sizeof err), -EINVAL);

	/* a directory that cannot be created (its parent is a file) */
	char file[4096], bad[4096];
	cat_path(file, sizeof file, root, "plain");
	FILE *f = fopen(file, "w");
	cr_assert(f);
	fclose(f);
	cat_path(bad, sizeof bad, file, "log");
	err[0] = 0;
	cr_assert_eq(scrm_ilog_open(&two, bad, 8, NULL, err, sizeof err), -ENOTDIR);
	cr_assert(strstr(err, bad) && strstr(err, "cannot create"), "%s", err);

	/* readers on something that is not a log */
	scrm_ilog_iter *it;
	cr_assert_eq(scrm_ilog_iter_open(&it, root, 0, err, sizeof err), -ENOENT);
	cr_assert(strstr(err, "not an interaction log"), "%s", err);
	cr_assert_eq(scrm_ilog_verify(root, NULL, NULL, err, sizeof err), -ENOENT);
	cr_assert_eq(scrm_ilog_iter_open(&it, dir, 8, err, sizeof err), -EINVAL);

	/* a segment of another log's shape */
	char seg[4096];
	seg_name(seg, sizeof seg, dir, 9, 1);
	f = fopen(seg, "w");
	cr_assert(f);
	fclose(f);
	cr_assert_eq(scrm_ilog_open(&two, dir, 8, NULL, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "partition 9"), "%s", err);
	vsum v;
	cr_assert_eq(verify(dir, &v), 1);
	cr_assert(strstr(v.first_why, "partition"), "%s", v.first_why);
	rm_rf(root);
	free(root);
}

/* ---- found by fuzzing ---- */

/* A checkpoint whose input name holds a NUL byte: refused on append; read back from a
 * crafted block (checksums right) it is a corrupt block, not a short C string. */
Test(ilog, checkpoint_input_with_nul)
{
	char *root = tmp_root(), dir[4096], seg[4096], err[512];
	cat_path(dir, sizeof dir, root, "log");
	scrm_ilog *log = open_log(dir, 1, 0, NULL);
	scrm_ilog_input in = {"a\0b", 3, 1};
	scrm_ilog_rec c = {.kind = SCRM_ILOG_CHECKPOINT, .commit = 1, .inputs = &in, .ninputs = 1};
	cr_assert_eq(scrm_ilog_append(log, 0, &c), -EINVAL);
	cr_assert_eq(scrm_ilog_close(log), 0);

	/* record: frame + kind 2, commit 1, n 1, len 3 "a\0b", offset 9 */
	uint8_t raw[8 + 13 + 2 + 3 + 8] = {0};
	uint8_t *b = raw + 8;
	b[0] = 2;
	scrm_le_put64(b + 1, 1);
	scrm_le_put32(b + 9, 1);
	b[13] = 3;
	memcpy(b + 15, "a\0b", 3);
	scrm_le_put64(b + 18, 9);
	scrm_le_put32(raw, sizeof raw - 8);
	scrm_le_put32(raw + 4, (uint32_t)XXH3_64bits(b, sizeof raw - 8));
	uint8_t img[48 + 56 + 256];
	memset(img, 0, 48);
	memcpy(img, "scrmILOG", 8);
	scrm_le_put32(img + 8, 1);
	scrm_le_put32(img + 16, 1);
	scrm_le_put64(img + 24, 1);
	scrm_le_put64(img + 40, XXH3_64bits(img, 40));
	size_t clen = ZSTD_compress(img + 104, 256, raw, sizeof raw, 1);
	cr_assert(!ZSTD_isError(clen));
	uint8_t *h = img + 48;
	memset(h, 0, 56);
	memcpy(h, "ILBK", 4);
	scrm_le_put32(h + 4, (uint32_t)clen);
	scrm_le_put32(h + 8, sizeof raw);
	scrm_le_put32(h + 12, 1);
	scrm_le_put64(h + 32, XXH3_64bits(img + 104, clen)); /* no interaction: no filter */
	scrm_le_put64(h + 48, XXH3_64bits(h, 48));
	seg_name(seg, sizeof seg, dir, 0, 1);
	FILE *f = fopen(seg, "wb");
	cr_assert(f);
	cr_assert_eq(fwrite(img, 1, 104 + clen, f), 104 + clen);
	fclose(f);
	char idx[4200];
	snprintf(idx, sizeof idx, "%s.idx", seg);
	unlink(idx);

	scrm_ilog_checkpoint *ck;
	cr_assert_eq(scrm_ilog_checkpoint_latest(dir, &ck, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "NUL"), "%s", err);
	vsum v;
	cr_assert_eq(verify(dir, &v), 1);
	cr_assert_eq(v.first_bad, 48);
	trunc_log tl = {0};
	log = open_log(dir, 1, 0, &tl);
	cr_assert_eq(tl.calls, 1);
	cr_assert_eq(tl.offset, 48);
	cr_assert_eq(scrm_ilog_close(log), 0);
	cr_assert_eq(verify(dir, &v), 0);
	rm_rf(root);
	free(root);
}

/* ---- the command line ---- */

/* Run fn with stdout going to a file; returns its exit code, the output in *out. */
static int capture(int (*fn)(int, char **), int argc, char **argv, const char *file, char **out)
{
	fflush(stdout);
	fflush(stderr);
	int saved = dup(1), saved_err = dup(2);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644), null = open("/dev/null", O_WRONLY);
	cr_assert(saved >= 0 && saved_err >= 0 && fd >= 0 && null >= 0);
	dup2(fd, 1);
	dup2(null, 2); /* the diagnostics are not under test */
	close(fd);
	close(null);
	int rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved_err, 2);
	close(saved);
	close(saved_err);
	FILE *f = fopen(file, "rb");
	cr_assert(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	*out = buf;
	return rc;
}

Test(ilog, cli_verify_dump_history)
{
	char *root = tmp_root(), dir[4096], file[4096];
	cat_path(dir, sizeof dir, root, "log");
	cat_path(file, sizeof file, root, "out.txt");
	scrm_ilog *log = open_log(dir, 4, 0, NULL);
	const uint64_t cu = 0x0123456789abcdefull;
	const char *pay[] = {"{\"channel\":\"twitter\",\"direction\":\"in\",\"text\":\"bag lost\",\"route\":\"support\"}",
			     "{\"channel\":\"email\",\"direction\":\"out\",\"text\":\"sorry \\\"Jo\\\"\",\"route\":\"support\"}"};
	for (int i = 0; i < 2; i++) {
		/* the second happened first: history sorts by time */
		scrm_ilog_rec r = {.kind = SCRM_ILOG_INTERACTION, .customer = cu, .ts_ms = 2000 - i * 1000,
				   .seq = (uint64_t)i, .data = pay[i], .len = strlen(pay[i])};
		cr_assert_eq(scrm_ilog_append(log, scrm_ilog_part_of(cu, 4), &r), 0);
	}
	scrm_ilog_input in = {"in \"1\".ndjson", 13, 77};
	scrm_ilog_rec c = {.kind = SCRM_ILOG_CHECKPOINT, .commit = 5, .inputs = &in, .ninputs = 1};
	cr_assert_eq(scrm_ilog_append(log, 0, &c), 0);
	commit_all(log);
	cr_assert_eq(scrm_ilog_close(log), 0);

	char *out;
	char *av[] = {"log", "verify", dir, NULL};
	cr_assert_eq(capture(scrm_log_main, 3, av, file, &out), 0);
	cr_assert(strstr(out, "0 problems"), "%s", out);
	char *ad[] = {"log", "dump", dir, NULL};
	cr_assert_eq(capture(scrm_log_main, 3, ad, file, &out), 0);
	char want[1024];
	snprintf(want, sizeof want,
		 "{\"part\":0,\"commit\":5,\"checkpoint\":[{\"input\":\"in \\\"1\\\".ndjson\",\"offset\":77}]}\n"
		 "{\"part\":3,\"seq\":0,\"customer\":\"0123456789abcdef\",\"ts\":2000,\"data\":%s}\n"
		 "{\"part\":3,\"seq\":1,\"customer\":\"0123456789abcdef\",\"ts\":1000,\"data\":%s}\n",
		 pay[0], pay[1]);
	cr_assert_str_eq(out, want);
	char *ah[] = {"history", "--log", dir, "--json", "0123456789ABCDEF", NULL};
	cr_assert_eq(capture(scrm_history_main, 5, ah, file, &out), 0);
	snprintf(want, sizeof want,
		 "{\"part\":3,\"seq\":1,\"customer\":\"0123456789abcdef\",\"ts\":1000,\"data\":%s}\n"
		 "{\"part\":3,\"seq\":0,\"customer\":\"0123456789abcdef\",\"ts\":2000,\"data\":%s}\n",
		 pay[1], pay[0]);
	cr_assert_str_eq(out, want);
	char *at[] = {"history", "--log", dir, "0123456789abcdef", NULL};
	cr_assert_eq(capture(scrm_history_main, 4, at, file, &out), 0);
	cr_assert(strstr(out, "2 interactions"), "%s", out);
	char *e = strstr(out, "email");
	char *t = strstr(out, "twitter");
	cr_assert(e && t && e < t, "%s", out);
	cr_assert(strstr(out, "sorry \"Jo\""), "%s", out);
	char *bad[] = {"history", "--log", dir, "nobody", NULL};
	cr_assert_eq(capture(scrm_history_main, 4, bad, file, &out), 2);
	char *usage[] = {"log", "frobnicate", dir, NULL};
	cr_assert_eq(capture(scrm_log_main, 3, usage, file, &out), 2);

	/* a damaged block: verify exits 1 */
	char seg[4096];
	seg_name(seg, sizeof seg, dir, 3, 1);
	flip(seg, 48 + 56 + 8 + 3); /* past the header and the 8-byte filter (one customer) */
	cr_assert_eq(capture(scrm_log_main, 3, av, file, &out), 1);
	cr_assert(strstr(out, "block checksum mismatch"), "%s", out);
	rm_rf(root);
	free(root);
}

/* ---- threads: different partitions, different threads, no lock ---- */

typedef struct writer_arg {
	scrm_ilog *log;
	uint32_t first, step, nparts;
	int rc;
} writer_arg;

/* Writes 30 batches of 50 interactions into partitions first, first+step, ...; the
 * records are a function of (partition, batch, i) only, so the test can rebuild them. */
static void *writer(void *p)
{
	writer_arg *a = p;
	char buf[64];
	for (uint64_t batch = 0; batch < 30 && !a->rc; batch++)
		for (uint32_t part = a->first; part < a->nparts && !a->rc; part += a->step) {
			for (uint64_t i = 0; i < 50; i++) {
				uint64_t c = part + a->nparts * (i % 7);
				int n = snprintf(buf, sizeof buf, "{\"b\":%" PRIu64 ",\"i\":%" PRIu64 "}", batch, i);
				scrm_ilog_rec r = {.kind = SCRM_ILOG_INTERACTION, .customer = c, .ts_ms = (int64_t)batch,
						   .seq = batch * 50 + i, .data = buf, .len = (size_t)n};
				if ((a->rc = scrm_ilog_append(a->log, part, &r)))
					break;
			}
			if (!a->rc)
				a->rc = scrm_ilog_commit(a->log, part);
			if (!a->rc)
				a->rc = scrm_ilog_sync(a->log, part);
		}
	return NULL;
}

Test(ilog, concurrent_partitions)
{
	char *root = tmp_root(), dir[4096];
	cat_path(dir, sizeof dir, root, "log");
	const uint32_t P = 8, T = 4;
	scrm_ilog *log = open_log(dir, P, 8192, NULL);
	pthread_t th[4];
	writer_arg a[4];
	for (uint32_t t = 0; t < T; t++) {
		a[t] = (writer_arg){log, t, T, P, 0};
		cr_assert_eq(pthread_create(&th[t], NULL, writer, &a[t]), 0);
	}
	for (uint32_t t = 0; t < T; t++) {
		pthread_join(th[t], NULL);
		cr_assert_eq(a[t].rc, 0, "writer %u: %s", t, strerror(-a[t].rc));
	}
	cr_assert_eq(scrm_ilog_close(log), 0);
	for (uint32_t part = 0; part < P; part++) {
		char err[512];
		scrm_ilog_iter *it;
		cr_assert_eq(scrm_ilog_iter_open(&it, dir, part, err, sizeof err), 0);
		scrm_ilog_rec r;
		uint64_t n = 0;
		char want[64];
		while (scrm_ilog_iter_next(it, &r) == 1) {
			uint64_t batch = n / 50, i = n % 50;
			int k = snprintf(want, sizeof want, "{\"b\":%" PRIu64 ",\"i\":%" PRIu64 "}", batch, i);
			cr_assert_eq(r.customer, part + P * (i % 7));
			cr_assert_eq(r.seq, n);
			cr_assert(r.len == (size_t)k && memcmp(r.data, want, r.len) == 0);
			n++;
		}
		cr_assert_str_eq(scrm_ilog_iter_error(it), "");
		scrm_ilog_iter_free(it);
		cr_assert_eq(n, 30 * 50);
	}
	vsum v;
	cr_assert_eq(verify(dir, &v), 0, "%s", v.first_why);
	cr_assert_gt(v.segments, P);
	rm_rf(root);
	free(root);
}

/* ---- damage in a closed segment ---- */

Test(ilog, damaged_closed_segment)
{
	char *root = tmp_root(), dir[4096], seg[4096], err[512];
	cat_path(dir, sizeof dir, root, "log");
	expect exp[1] = {0};
	uint64_t rng = 77, seq = 0;
	scrm_ilog *log = open_log(dir, 1, 4096, NULL);
	for (int b = 0; b < 40; b++) {
		for (int i = 0; i < 20; i++)
			add_interaction(log, exp, 5 + (uint64_t)(i % 2), seq++, &rng);
		commit_all(log);
	}
	cr_assert_eq(scrm_ilog_close(log), 0);
	size_t nseg = count_files(dir, ".seg");
	cr_assert_geq(nseg, 3);
	seg_name(seg, sizeof seg, dir, 0, 1);
	flip(seg, 48 + 56 + 8 + 20); /* the first block's data (one 8-byte filter: 2 customers) */

	vsum v;
	cr_assert_geq(verify(dir, &v), 1);
	cr_assert_eq(v.first_bad, 48);
	cr_assert(strstr(v.first_path, "p0000-000000000001.seg"), "%s", v.first_path);
	/* history says where, after delivering what it could read */
	hits h = {.customer = 5};
	cr_assert_eq(scrm_ilog_history(dir, 5, hit_cb, &h, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "p0000-000000000001.seg @ 48"), "%s", err);
	cr_assert_gt(h.n, 0);
	cr_assert_not(h.bad);
	/* opening for writing checks only the tail: the damage stays for an operator */
	trunc_log tl = {0};
	log = open_log(dir, 1, 4096, &tl);
	cr_assert_eq(tl.calls, 0);
	cr_assert_eq(scrm_ilog_close(log), 0);
	free(exp[0].v);
	rm_rf(root);
	free(root);
}

/* ---- damage that must never pass for a new log or a crash ---- */

static void rm_segments(const char *dir, uint32_t part, uint64_t from, uint64_t to)
{
	char seg[4096];
	for (uint64_t q = from; q <= to; q++) {
		seg_name(seg, sizeof seg, dir, part, q);
		unlink(seg);
		strcat(seg, ".idx");
		unlink(seg);
	}
}

Test(ilog, damage_is_not_a_new_log)
{
	char *root = tmp_root(), dir[4096], d2[4096], path[4096], err[1024];
	cat_path(dir, sizeof dir, root, "log");
	const uint32_t P = 2;
	expect exp[2] = {0};
	uint64_t rng = 11, seq = 0;
	scrm_ilog_checkpoint *c;
	scrm_ilog *log = open_log(dir, P, 2048, NULL);
	/* a first batch without its checkpoint: one block per partition, cut as a crash's */
	for (int i = 0; i < 30; i++)
		add_interaction(log, exp, 100 + (uint64_t)(i % 6), seq++, &rng);
	commit_all(log);
	cr_assert_eq(scrm_ilog_checkpoint_latest(dir, &c, err, sizeof err), -ENOENT, "%s", err);
	for (uint64_t commit = 1; commit <= 30; commit++) {
		for (int i = 0; i < 12; i++)
			add_interaction(log, exp, 100 + (uint64_t)(i % 6), seq++, &rng);
		add_checkpoint(log, exp, 0, commit);
		commit_all(log);
	}
	cr_assert_eq(scrm_ilog_close(log), 0);
	cr_assert_geq(count_files(dir, ".seg"), 6);
	uint64_t cust1 = 100;
	while (scrm_ilog_part_of(cust1, P) != 1)
		cust1++;

	/* partition 0's segments (the checkpoints) gone: refused, not cut as a crash */
	cat_path(d2, sizeof d2, root, "nop0");
	copy_dir(dir, d2);
	rm_segments(d2, 0, 1, 1000);
	cr_assert_eq(scrm_ilog_checkpoint_latest(d2, &c, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "no checkpoint in the log, though partition 1 holds more than one batch"), "%s", err);

	/* ilog.meta gone: refused by every reader and by the writer, which makes none */
	cat_path(d2, sizeof d2, root, "nometa");
	copy_dir(dir, d2);
	cat_path(path, sizeof path, d2, "ilog.meta");
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(scrm_ilog_checkpoint_latest(d2, &c, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "ilog.meta is missing or empty, but the directory holds"), "%s", err);
	cr_assert_lt(scrm_ilog_verify(d2, NULL, NULL, err, sizeof err), 0);
	scrm_ilog_opts o;
	scrm_ilog_opts_default(&o);
	cr_assert_eq(scrm_ilog_open(&log, d2, P, &o, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "a damaged log, not a new one"), "%s", err);
	cr_assert_neq(access(path, F_OK), 0, "no new meta beside the old segments");
	FILE *f = fopen(path, "w"); /* an empty one, as a crash while creating it leaves */
	cr_assert(f && fclose(f) == 0);
	cr_assert_eq(scrm_ilog_checkpoint_latest(d2, &c, err, sizeof err), -EBADMSG);

	/* a partition's first segment gone: verify, the iterator and history all say so */
	cat_path(d2, sizeof d2, root, "nofirst");
	copy_dir(dir, d2);
	rm_segments(d2, 1, 1, 1);
	vsum v;
	cr_assert_geq(verify(d2, &v), 1);
	cr_assert(strstr(v.first_why, "segments missing before this one"), "%s", v.first_why);
	scrm_ilog_iter *it;
	cr_assert_eq(scrm_ilog_iter_open(&it, d2, 1, err, sizeof err), 0, "%s", err);
	scrm_ilog_rec r;
	cr_assert_eq(scrm_ilog_iter_next(it, &r), -EBADMSG);
	cr_assert(strstr(scrm_ilog_iter_error(it), "a segment is missing before this one"), "%s",
		  scrm_ilog_iter_error(it));
	scrm_ilog_iter_free(it);
	hits h = {.customer = cust1};
	cr_assert_eq(scrm_ilog_history(d2, cust1, hit_cb, &h, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "a segment is missing before this one"), "%s", err);

	/* all of a partition's segments gone */
	cat_path(d2, sizeof d2, root, "nopart");
	copy_dir(dir, d2);
	rm_segments(d2, 1, 1, 1000);
	cr_assert_geq(verify(d2, &v), 1);
	cr_assert(strstr(v.first_why, "the partition has no segment"), "%s", v.first_why);
	cr_assert_eq(scrm_ilog_iter_open(&it, d2, 1, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_ilog_iter_next(it, &r), -EBADMSG);
	scrm_ilog_iter_free(it);
	h = (hits){.customer = cust1};
	cr_assert_eq(scrm_ilog_history(d2, cust1, hit_cb, &h, err, sizeof err), -EBADMSG);
	cr_assert_eq(h.n, 0);

	/* the log itself is clean, and a crash's first batch alone is still cut */
	cr_assert_eq(verify(dir, &v), 0);
	for (uint32_t p = 0; p < P; p++)
		free(exp[p].v);
	rm_rf(root);
	free(root);
}

/* ---- cut_seq: what a crashed run wrote past its last checkpoint ---- */

Test(ilog, cut_seq_drops_blocks_past_the_checkpoint)
{
	char *root = tmp_root(), dir[512];
	cat_path(dir, sizeof dir, root, "log");
	scrm_ilog *log = open_log(dir, 2, 0, NULL);
	/* 10 batches of 10 interactions (seq 0..99), one block per partition per batch */
	for (uint64_t b = 0; b < 10; b++) {
		for (uint64_t k = 0; k < 10; k++) {
			uint64_t seq = 10 * b + k;
			scrm_ilog_rec r = {.kind = SCRM_ILOG_INTERACTION, .customer = seq, .ts_ms = (int64_t)seq,
					   .seq = seq, .data = "{}", .len = 2};
			cr_assert_eq(scrm_ilog_append(log, (uint32_t)(seq % 2), &r), 0);
		}
		cr_assert_eq(scrm_ilog_commit(log, 0), 0);
		cr_assert_eq(scrm_ilog_commit(log, 1), 0);
	}
	cr_assert_eq(scrm_ilog_close(log), 0);
	/* a checkpoint said 55 records: the batch holding 55 (50..59) and all after go */
	scrm_ilog_opts o;
	scrm_ilog_opts_default(&o);
	o.sync = SCRM_ILOG_SYNC_NEVER;
	o.cut_seq = 55;
	char err[512];
	cr_assert_eq(scrm_ilog_open(&log, dir, 2, &o, err, sizeof err), 0, "%s", err);
	uint32_t cuts = 0;
	cr_assert_gt(scrm_ilog_truncated(log, &cuts), 0);
	/* partition 1's batch 50..59 holds 51..59 (odd): 55 is among them, so it goes too */
	cr_assert_eq(cuts, 2);
	cr_assert_eq(scrm_ilog_close(log), 0);
	for (uint32_t p = 0; p < 2; p++) {
		scrm_ilog_iter *it;
		cr_assert_eq(scrm_ilog_iter_open(&it, dir, p, err, sizeof err), 0, "%s", err);
		scrm_ilog_rec r;
		uint64_t want = p, n = 0;
		while (scrm_ilog_iter_next(it, &r) == 1) {
			cr_assert_eq(r.seq, want, "partition %u: seq %llu, want %llu", p, (unsigned long long)r.seq,
				     (unsigned long long)want);
			want += 2;
			n++;
		}
		cr_assert_eq(n, 25, "partition %u kept %llu interactions (seq < 50)", p, (unsigned long long)n);
		scrm_ilog_iter_free(it);
	}
	rm_rf(root);
	free(root);
}
