/*
 * test_faults.c - regression tests from the review of ring/pipeline/sink/main (suite
 * "faults"). Each test names the finding it reproduces; all go through public APIs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "pipeline.h"
#include "sink.h"
#include "testutil.h"

static char g_dir[64];

static void mk_dir(void)
{
	snprintf(g_dir, sizeof g_dir, "/tmp/scrm-review-XXXXXX");
	cr_assert(mkdtemp(g_dir));
}

static off_t file_size(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

/* Make writes past `limit` bytes fail with EFBIG (a stand-in for a full disk). */
static void limit_file_size(rlim_t limit)
{
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {limit, limit};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* ---------------------------------------------------------------- sink.c */

/* sink.c:36-39 + 89-91: on an inherited O_APPEND descriptor (`scrm run >> log`) the
 * offset is 0 until the first write, so `good` starts at 0 and a failed batch
 * truncates the file to the bytes scrm wrote, destroying what was there before. */
Test(faults, sink_append_fd_failure_keeps_existing_content)
{
	mk_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/log", g_dir);
	static char old[64 << 10];
	memset(old, 'P', sizeof old);
	write_all(path, old, sizeof old);

	int fd = open(path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	scrm_sink *s;
	cr_assert_eq(scrm_sink_open_fd(&s, fd, "<stdout>"), 0);
	limit_file_size((64 + 8) << 10);
	static char batch[16 << 10];
	memset(batch, 'b', sizeof batch);
	cr_assert_eq(scrm_sink_write(s, batch, 4 << 10), 0);
	cr_assert_neq(scrm_sink_write(s, batch, sizeof batch), 0, "the write past the limit fails");
	scrm_sink_close(s);
	close(fd);

	cr_expect_geq(file_size(path), (off_t)(sizeof old + (4 << 10)),
		      "pre-existing content and the whole first batch must survive (file is %lld bytes)",
		      (long long)file_size(path));
	size_t n;
	char *got = read_file(path, &n);
	cr_expect(n >= sizeof old && memcmp(got, old, sizeof old) == 0, "pre-existing bytes changed");
	free(got);
}

/* scrm_sink_rollback(): the writer cuts the files a failed chunk already reached back
 * to their last whole batch; only a file the sink opened can be cut. */
Test(faults, sink_rollback_cuts_to_a_batch)
{
	mk_dir();
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/route.ndjson.zst", g_dir);
	scrm_sink *s;
	cr_assert_eq(scrm_sink_open_file(&s, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_sink_write(s, "batch one\n", 10), 0);
	uint64_t mark = scrm_sink_bytes(s);
	cr_assert_eq(scrm_sink_write(s, "batch two\n", 10), 0);
	cr_assert_eq(scrm_sink_rollback(s, 100), -EINVAL, "a size past the end is refused");
	cr_assert_eq(scrm_sink_rollback(s, mark), 0);
	cr_assert_eq(scrm_sink_bytes(s), 10);
	cr_assert_eq(file_size(path), 10);
	cr_assert_eq(scrm_sink_write(s, "batch 3\n", 8), 0, "writes go on at the cut");
	scrm_sink_close(s);
	size_t n;
	char *got = read_file(path, &n);
	cr_assert(n == 18 && memcmp(got, "batch one\nbatch 3\n", 18) == 0);
	free(got);

	int fd = open(path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	cr_assert_eq(scrm_sink_open_fd(&s, fd, "<stdout>"), 0);
	cr_assert_eq(scrm_sink_write(s, "x\n", 2), 0);
	cr_assert_eq(scrm_sink_rollback(s, 0), -ESPIPE, "an inherited descriptor is never cut");
	scrm_sink_close(s);
	close(fd);
	cr_assert_eq(file_size(path), 20);
}

/* sink.c:89-91: two sinks on one open file description (`scrm run > f 2>&1`: events on
 * stdout, rejects on stderr) each count only their own bytes; a failed batch on one
 * truncates to its private count and cuts away whole batches the other wrote. */
Test(faults, sink_shared_description_failure_keeps_other_batches)
{
	mk_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/shared", g_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0);
	int fd2 = dup(fd);
	scrm_sink *events, *rejects;
	cr_assert_eq(scrm_sink_open_fd(&events, fd, "<stdout>"), 0);
	cr_assert_eq(scrm_sink_open_fd(&rejects, fd2, "<stderr>"), 0);
	limit_file_size(20 << 10);
	static char batch[8 << 10];
	memset(batch, 'e', sizeof batch);
	cr_assert_eq(scrm_sink_write(events, batch, sizeof batch), 0);
	memset(batch, 'r', sizeof batch);
	cr_assert_eq(scrm_sink_write(rejects, batch, sizeof batch), 0);
	memset(batch, 'E', sizeof batch);
	cr_assert_neq(scrm_sink_write(events, batch, sizeof batch), 0);
	scrm_sink_close(events);
	scrm_sink_close(rejects);
	close(fd);
	close(fd2);
	cr_expect_geq(file_size(path), (off_t)(16 << 10),
		      "the two whole batches written before the failure must survive (file is %lld bytes)",
		      (long long)file_size(path));
}

/* ---------------------------------------------------------------- pipeline.c */

static int run_one(const char *input, size_t max_record, size_t chunk, const char *out_sub,
		   scrm_run_stats *st)
{
	static char out[128], rej[160];
	snprintf(out, sizeof out, "%s/%s", g_dir, out_sub);
	snprintf(rej, sizeof rej, "%s/%s.rej", g_dir, out_sub);
	const char *inputs[] = {input};
	scrm_pipeline_cfg cfg;
	scrm_pipeline_cfg_default(&cfg);
	cfg.inputs = inputs;
	cfg.n_inputs = 1;
	cfg.out_dir = out;
	cfg.rejects_path = rej;
	cfg.workers = 2;
	cfg.relate_threads = 2;
	cfg.max_record = max_record;
	cfg.chunk_size = chunk;
	return scrm_pipeline_run(&cfg, st);
}

/* pipeline.c analyze_chunk + source.c chunk_report: when one fill holds more than
 * SCRM_CHUNK_MAX_OVERSIZE oversize lines (cap > 16 * (max_record + 2), e.g.
 * --max-record 100 with the 4 KiB minimum chunk), the 17th and later are only counted,
 * so the offsets and line numbers of every later line in the chunk are wrong (and the
 * dropped oversize lines get no reject record and are missing from `lines`). */
Test(faults, oversize_overflow_keeps_positions)
{
	mk_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/over.ndjson", g_dir);
	char buf[8192];
	size_t n = 0;
	n += (size_t)snprintf(buf + n, sizeof buf - n,
			      "{\"id\":\"a\",\"channel\":\"chat\",\"text\":\"ok\",\"author\":{\"handle\":\"u\"}}\n");
	for (int i = 0; i < 20; i++) { /* lines 2..21: 101 bytes each, oversize */
		n += (size_t)snprintf(buf + n, sizeof buf - n, "{\"id\":\"o\",\"text\":\"");
		memset(buf + n, 'x', 81);
		n += 81;
		n += (size_t)snprintf(buf + n, sizeof buf - n, "\"}\n");
	}
	size_t bad_off = n;
	n += (size_t)snprintf(buf + n, sizeof buf - n, "{bad\n"); /* line 22 */
	write_all(path, buf, n);

	scrm_run_stats st;
	cr_assert_eq(run_one(path, 100, 4096, "o", &st), 0);
	cr_expect_eq(st.rejects[SCRM_REJ_OVERSIZE], 20);
	cr_expect_eq(st.lines, 22, "every line is counted (got %llu)", (unsigned long long)st.lines);
	char rp[160], want[256];
	snprintf(rp, sizeof rp, "%s/o.rej", g_dir);
	size_t rl;
	char *rj = read_file(rp, &rl);
	snprintf(want, sizeof want, "\"offset\":%zu,\"line\":22,\"reason\":\"bad_json\"", bad_off);
	cr_expect(strstr(rj, want), "want %s in rejects:\n%s", want, strstr(rj, "bad_json") ? strstr(rj, "bad_json") - 60 : rj);
	size_t oversize_records = 0;
	for (char *p = rj; (p = strstr(p, "\"reason\":\"oversize\"")); p++)
		oversize_records++;
	cr_expect_eq(oversize_records, 20, "one reject record per oversize line (got %zu)", oversize_records);
	free(rj);
}

/* A route that receives no event is left as a 0-byte .zst file, which is not a zstd
 * stream: `zstd -t` and `zstdcat` fail on the output of an empty or all-rejects input. */
Test(faults, empty_route_file_is_valid_zstd)
{
	mk_dir();
	char path[128], route[160];
	snprintf(path, sizeof path, "%s/rejects-only.ndjson", g_dir);
	write_all(path, "{bad\n{worse\n", 12);
	scrm_run_stats st;
	cr_assert_eq(run_one(path, 1 << 20, 1 << 20, "o", &st), 0);
	cr_assert_eq(st.rejected, 2);
	snprintf(route, sizeof route, "%s/o/inbox.ndjson.zst", g_dir);
	size_t n;
	char *z = read_file(route, &n);
	cr_expect_gt(n, 0, "route file is empty: not a zstd frame");
	if (n) {
		size_t fl = ZSTD_findFrameCompressedSize(z, n);
		cr_expect(!ZSTD_isError(fl) && fl == n, "route file is one whole zstd frame");
	}
	free(z);
}

/* Stop while stdin delivers data: the stop self-pipe makes sys_read_once return 0,
 * which the source and the chunker take for end of stream. A compressed stdin then
 * fails as "truncated zstd frame" (fatal: exit 1 instead of 128+N), and a plain
 * stdin's partial last line is quarantined as bad_json. */
typedef struct stop_run {
	scrm_pipeline_cfg cfg;
	scrm_run_stats st;
	int rc;
} stop_run;

static void *stop_run_main(void *arg)
{
	stop_run *r = arg;
	r->rc = scrm_pipeline_run(&r->cfg, &r->st);
	return NULL;
}

static volatile sig_atomic_t g_stop;

static void run_stdin_then_stop(const void *prefix, size_t n, stop_run *r)
{
	mk_dir();
	int in[2], stop[2];
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(stop), 0);
	cr_assert_eq(write(in[1], prefix, n), (ssize_t)n);
	cr_assert(dup2(in[0], STDIN_FILENO) >= 0);
	close(in[0]);
	static const char *const inputs[] = {"-"};
	static char out[128], rej[160];
	snprintf(out, sizeof out, "%s/o", g_dir);
	snprintf(rej, sizeof rej, "%s/o.rej", g_dir);
	scrm_pipeline_cfg_default(&r->cfg);
	r->cfg.inputs = inputs;
	r->cfg.n_inputs = 1;
	r->cfg.out_dir = out;
	r->cfg.rejects_path = rej;
	r->cfg.workers = 2;
	r->cfg.stop = &g_stop;
	r->cfg.stop_fd = stop[0];
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, stop_run_main, r), 0);
	usleep(300 * 1000);
	g_stop = SIGINT; /* what main.c's handler does */
	cr_assert_eq(write(stop[1], "x", 1), 1);
	pthread_join(th, NULL);
	close(in[1]); /* the writer end stays open until now: no EOF before the stop */
	close(stop[0]);
	close(stop[1]);
}

Test(faults, stop_on_compressed_stdin_is_not_an_error, .timeout = 20)
{
	static char plain[256 << 10];
	size_t n = 0;
	while (n + 100 < sizeof plain)
		n += (size_t)snprintf(plain + n, sizeof plain - n,
				      "{\"id\":\"z%zu\",\"channel\":\"chat\",\"text\":\"hello\",\"author\":{\"handle\":\"u\"}}\n", n);
	size_t bound = ZSTD_compressBound(n);
	char *z = malloc(bound);
	size_t zn = ZSTD_compress(z, bound, plain, n, 1);
	cr_assert(!ZSTD_isError(zn));
	stop_run r;
	run_stdin_then_stop(z, zn / 2, &r); /* half a frame has arrived when the stop comes */
	free(z);
	cr_expect_eq(r.rc, 0, "a stop is not a fatal error (got %d: %s)", r.rc, strerror(-r.rc));
	cr_expect(r.st.interrupted);
}

Test(faults, stop_does_not_quarantine_partial_line, .timeout = 20)
{
	static const char in[] = "{\"id\":\"a\",\"channel\":\"chat\",\"text\":\"hi\",\"author\":{\"handle\":\"u\"}}\n"
				 "{\"id\":\"b\",\"chan";
	stop_run r;
	run_stdin_then_stop(in, sizeof in - 1, &r);
	cr_assert_eq(r.rc, 0);
	cr_expect_eq(r.st.events_out, 1);
	cr_expect_eq(r.st.rejects[SCRM_REJ_BAD_JSON], 0,
		     "the half-received line cut by the stop is not bad input");
}
