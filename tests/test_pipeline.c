/*
 * test_pipeline.c - the whole pipeline in-process: determinism across -j, rejects with
 * exact positions, clean errors. Also run under ThreadSanitizer (make tsan).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "event.h"
#include "gen.h"
#include "record.h"
#include "sentiment.h"
#include "pipeline.h"
#include "testutil.h"

static char g_dir[256];
static char g_in_a[300], g_in_b[300];
static size_t g_bad_line_off; /* byte offset of the bad-JSON line in input B */

#define GEN_COUNT 20000

static void make_inputs(void)
{
	snprintf(g_dir, sizeof g_dir, "/tmp/scrm-pipe-XXXXXX");
	cr_assert(mkdtemp(g_dir));
	snprintf(g_in_a, sizeof g_in_a, "%s/a.ndjson", g_dir);
	snprintf(g_in_b, sizeof g_in_b, "%s/b.ndjson", g_dir);
	int fd = open(g_in_a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0);
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.count = GEN_COUNT;
	o.seed = 7;
	cr_assert_eq(scrm_gen_write(fd, &o), 0);
	close(fd);

	FILE *fp = fopen(g_in_b, "wb");
	cr_assert(fp);
	fputs("{\"id\":\"c1\",\"channel\":\"email\",\"text\":\"Where is my refund?\","
	      "\"ts\":\"2026-01-05T10:00:00Z\",\"author\":{\"handle\":\"ann\"}}\n", fp);
	g_bad_line_off = (size_t)ftell(fp);
	fputs("{\"id\": \"broken\", \"text\": \n", fp); /* line 2: bad JSON */
	fputs("\n", fp);                                /* line 3: blank, skipped */
	fputs("{\"delete\":{\"status\":{\"id_str\":\"1\"}}}\n", fp); /* line 4: control */
	fputc('{', fp);                                 /* line 5: oversize (> 16 KiB) */
	for (int i = 0; i < 20000; i++)
		fputc('x', fp);
	fputs("}\n", fp);
	fputs("{\"id\":\"c2\",\"channel\":\"chat\",\"text\":\"thanks, all sorted \xe2\x9c\x85\","
	      "\"ts\":\"2026-01-05T10:01:00Z\",\"author\":{\"handle\":\"ANN\"}}\n", fp); /* line 6 */
	fputs("{\"id\":\"c3\",\"channel\":\"chat\",\"text\":\"bad \xff byte\",\"author\":{\"handle\":\"bob\"}}", fp);
	/* line 7: invalid UTF-8, repaired; no final newline */
	fclose(fp);
}

static int run_cfg(int workers, int relate, const char *sub, scrm_run_stats *st)
{
	char out[400];
	snprintf(out, sizeof out, "%s/%s", g_dir, sub);
	const char *inputs[] = {g_in_a, g_in_b};
	scrm_pipeline_cfg cfg;
	scrm_pipeline_cfg_default(&cfg);
	cfg.inputs = inputs;
	cfg.n_inputs = 2;
	cfg.out_dir = out;
	cfg.workers = workers;
	cfg.relate_threads = relate;
	cfg.chunk_size = 64 << 10; /* many chunks, so ordering across workers matters */
	cfg.max_record = 16 << 10;
	return scrm_pipeline_run(&cfg, st);
}

static void assert_same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = read_file(a, &la), *y = read_file(b, &lb);
	cr_assert(x && y, "missing %s or %s", a, b);
	cr_assert_eq(la, lb, "%s and %s differ in size (%zu vs %zu)", a, b, la, lb);
	cr_assert_eq(memcmp(x, y, la), 0, "%s and %s differ", a, b);
	free(x);
	free(y);
}

Test(pipeline, deterministic_across_jobs_with_rejects)
{
	make_inputs();
	scrm_run_stats st1, st;
	cr_assert_eq(run_cfg(1, 1, "j1", &st1), 0);
	/* GEN_COUNT generated records + c1, c2, c3 */
	cr_assert_eq(st1.records_in, GEN_COUNT + 3);
	cr_assert_eq(st1.events_out, GEN_COUNT + 3);
	cr_assert_eq(st1.rejected, 2);
	cr_assert_eq(st1.rejects[SCRM_REJ_BAD_JSON], 1);
	cr_assert_eq(st1.rejects[SCRM_REJ_OVERSIZE], 1);
	cr_assert_eq(st1.skipped[SCRM_SKIP_DELETE], 1);
	cr_assert_eq(st1.skipped[SCRM_SKIP_EMPTY], 1);
	cr_assert_eq(st1.repaired, 1);
	cr_assert_eq(st1.lines, GEN_COUNT + 7);

	const struct { int w, p; const char *sub; } cfgs[] = {
		{2, 1, "j2"}, {4, 2, "j4"}, {3, 3, "j3p3"},
	};
	char a[512], b[512];
	for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
		cr_assert_eq(run_cfg(cfgs[i].w, cfgs[i].p, cfgs[i].sub, &st), 0);
		cr_assert_eq(st.events_out, st1.events_out);
		snprintf(a, sizeof a, "%s/j1/inbox.ndjson.zst", g_dir);
		snprintf(b, sizeof b, "%s/%s/inbox.ndjson.zst", g_dir, cfgs[i].sub);
		assert_same_file(a, b);
		snprintf(a, sizeof a, "%s/j1/rejects.ndjson", g_dir);
		snprintf(b, sizeof b, "%s/%s/rejects.ndjson", g_dir, cfgs[i].sub);
		assert_same_file(a, b);
	}

	/* Events: one per record, seq 0..n-1 in order. */
	snprintf(a, sizeof a, "%s/j1/inbox.ndjson.zst", g_dir);
	size_t n;
	char *ev = unzstd(a, &n);
	cr_assert_eq(count_lines(ev, n), GEN_COUNT + 3);
	uint64_t expect = 0;
	for (char *p = ev; p < ev + n; p = strchr(p, '\n') + 1) {
		cr_assert_eq(strncmp(p, "{\"v\":1,\"seq\":", 13), 0);
		cr_assert_eq(strtoull(p + 13, NULL, 10), expect, "seq out of order");
		expect++;
	}
	/* The two e-mail/chat messages by ann/ANN are one customer: 2nd interaction. */
	char *c2 = strstr(ev, "\"id\":\"c2\"");
	cr_assert(c2);
	char *line_end = strchr(c2, '\n');
	char *inter = strstr(c2, "\"interactions\":");
	cr_assert(inter && inter < line_end);
	cr_assert_eq(strtol(inter + 15, NULL, 10), 1, "different channels are different prospects");
	char *c3 = strstr(ev, "\"id\":\"c3\"");
	cr_assert(c3);
	cr_assert(strstr(c3, "\"text\":\"bad \xef\xbf\xbd byte\""), "invalid byte repaired to U+FFFD");
	cr_assert(strstr(c3, "\"repaired_utf8\""));
	free(ev);

	/* Rejects: exact input, offset and line. */
	snprintf(a, sizeof a, "%s/j1/rejects.ndjson", g_dir);
	char *rj = read_file(a, &n);
	cr_assert_eq(count_lines(rj, n), 2);
	char want[600];
	snprintf(want, sizeof want, "{\"input\":\"%s\",\"offset\":%zu,\"line\":2,\"reason\":\"bad_json\"",
		 g_in_b, g_bad_line_off);
	cr_assert(strstr(rj, want), "missing %s in\n%s", want, rj);
	cr_assert(strstr(rj, "\"raw\":\"{\\\"id\\\": \\\"broken\\\", \\\"text\\\": \""));
	cr_assert(strstr(rj, "\"line\":5,\"reason\":\"oversize\""), "%s", rj);
	free(rj);
}

Test(pipeline, stdout_mode_matches_route_file_content)
{
	/* Without -o the same events go to stdout; compare with the decompressed file. */
	make_inputs();
	scrm_run_stats st;
	cr_assert_eq(run_cfg(2, 1, "z", &st), 0);
	char path[512];
	snprintf(path, sizeof path, "%s/z/inbox.ndjson.zst", g_dir);
	size_t zn;
	char *ev = unzstd(path, &zn);

	char outp[512];
	snprintf(outp, sizeof outp, "%s/stdout.ndjson", g_dir);
	fflush(stdout);
	int saved = dup(1);
	int fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 1);
	close(fd);
	const char *inputs[] = {g_in_a, g_in_b};
	scrm_pipeline_cfg cfg;
	scrm_pipeline_cfg_default(&cfg);
	cfg.inputs = inputs;
	cfg.n_inputs = 2;
	cfg.workers = 3;
	cfg.chunk_size = 64 << 10;
	cfg.max_record = 16 << 10;
	char rej[512];
	snprintf(rej, sizeof rej, "%s/stdout-rejects.ndjson", g_dir);
	cfg.rejects_path = rej;
	int rc = scrm_pipeline_run(&cfg, &st);
	dup2(saved, 1);
	close(saved);
	cr_assert_eq(rc, 0);
	size_t sn;
	char *so = read_file(outp, &sn);
	cr_assert_eq(sn, zn);
	cr_assert_eq(memcmp(so, ev, sn), 0);
	free(so);
	free(ev);
}

Test(pipeline, full_disk_is_a_clean_error)
{
	make_inputs();
	const char *inputs[] = {g_in_a, g_in_b};
	char out[400];
	snprintf(out, sizeof out, "%s/full", g_dir);
	scrm_pipeline_cfg cfg;
	scrm_pipeline_cfg_default(&cfg);
	cfg.inputs = inputs;
	cfg.n_inputs = 2;
	cfg.out_dir = out;
	cfg.workers = 2;
	cfg.chunk_size = 64 << 10;
	cfg.max_record = 16 << 10;
	cfg.rejects_path = "/dev/full"; /* every write fails with ENOSPC */
	scrm_run_stats st;
	int rc = scrm_pipeline_run(&cfg, &st);
	cr_assert_eq(rc, -ENOSPC);
	/* The route file still holds only whole, valid frames. */
	char path[512];
	snprintf(path, sizeof path, "%s/inbox.ndjson.zst", out);
	size_t n;
	char *ev = unzstd(path, &n);
	free(ev);
}

Test(pipeline, missing_input_and_bad_output_dir_are_errors)
{
	make_inputs();
	scrm_pipeline_cfg cfg;
	scrm_run_stats st;
	const char *missing[] = {"/nonexistent/scrm-input.ndjson"};
	char out[400];
	snprintf(out, sizeof out, "%s/out-missing", g_dir);
	scrm_pipeline_cfg_default(&cfg);
	cfg.inputs = missing;
	cfg.n_inputs = 1;
	cfg.out_dir = out;
	cr_assert_eq(scrm_pipeline_run(&cfg, &st), -ENOENT);
	char path[512];
	snprintf(path, sizeof path, "%s/inbox.ndjson.zst", out);
	size_t zn;
	char *z = unzstd(path, &zn); /* created, closed, valid zstd even on error */
	cr_assert_eq(zn, 0, "no events were written");
	free(z);

	const char *inputs[] = {g_in_b};
	char bad[400];
	snprintf(bad, sizeof bad, "%s/out", g_in_b); /* a path under a regular file */
	scrm_pipeline_cfg_default(&cfg);
	cfg.inputs = inputs;
	cfg.n_inputs = 1;
	cfg.out_dir = bad;
	cr_assert_eq(scrm_pipeline_run(&cfg, &st), -ENOTDIR);
}

Test(pipeline, stop_flag_drains_and_closes)
{
	make_inputs();
	volatile sig_atomic_t stop = 1;
	const char *inputs[] = {g_in_a};
	char out[400];
	snprintf(out, sizeof out, "%s/stopped", g_dir);
	scrm_pipeline_cfg cfg;
	scrm_pipeline_cfg_default(&cfg);
	cfg.inputs = inputs;
	cfg.n_inputs = 1;
	cfg.out_dir = out;
	cfg.workers = 2;
	cfg.stop = &stop;
	scrm_run_stats st;
	cr_assert_eq(scrm_pipeline_run(&cfg, &st), 0);
	cr_assert(st.interrupted);
	cr_assert_eq(st.events_out, 0);
}

/* The event writer's integers (two digits per division since this test came) are
 * printf's: every value below 1,000,000, the neighbours of each power of ten, the ends of
 * the range and 1,000,000 random values of every magnitude, one buffer. */
Test(pipeline, event_integers_are_printfs)
{
	scrm_buf b = {0};
	char want[32];
	uint64_t n = 0;
	int64_t v;
#define CHECK_I64(x)                                                                              \
	do {                                                                                      \
		v = (x);                                                                          \
		b.len = 0;                                                                        \
		cr_assert_eq(scrm_json_put_i64(&b, v), 0);                                        \
		int wl = snprintf(want, sizeof want, "%" PRId64, v);                              \
		cr_assert(b.len == (size_t)wl && !memcmp(b.data, want, b.len), "%" PRId64 ": got '%.*s'", v, \
			  (int)b.len, b.data);                                                    \
		n++;                                                                              \
	} while (0)
	for (int64_t i = -1000; i < 1000000; i++)
		CHECK_I64(i);
	for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10)
		for (int d = -2; d <= 2; d++) {
			CHECK_I64(p * 10 + d);
			CHECK_I64(-(p * 10) + d);
		}
	CHECK_I64(INT64_MAX);
	CHECK_I64(INT64_MIN);
	CHECK_I64(INT64_MIN + 1);
	uint64_t x = 0x243F6A8885A308D3u;
	for (int i = 0; i < 1000000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		CHECK_I64((int64_t)(x >> (x % 64)));
	}
#undef CHECK_I64
	cr_log_info("event integers: %llu values as printf writes them", (unsigned long long)n);
	scrm_buf_free(&b);
}

/* An event's strings (here its text and author name) escaped as scrm_json_put_str()
 * escapes valid UTF-8: 20,000 random strings of 0-120 bytes of ASCII, every control byte,
 * quotes, backslashes and 2-4 byte characters, so that escapes fall at every offset of
 * the writer's 16- and 8-byte steps and its tail. */
Test(pipeline, event_strings_escape_as_json_put_str)
{
	scrm_event_names nm;
	const char *routes[] = {"inbox"}, *inputs[] = {"in"};
	cr_assert_eq(scrm_event_names_init(&nm, routes, 1, inputs, 1, NULL), 0);
	static const char *const pieces[] = {"a", "Z", " ", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "/",
					     "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "abcdefgh", "0123456789abcdef"};
	scrm_buf arena = {0}, out = {0}, want = {0};
	char text[160];
	uint64_t x = 0x9E3779B97F4A7C15u;
	for (int t = 0; t < 20000; t++) {
		size_t n = 0, cap = (size_t)(t % 121);
		for (;;) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			const char *pc = pieces[x % (sizeof pieces / sizeof pieces[0])];
			size_t l = strlen(pc);
			if (n + l > cap)
				break;
			memcpy(text + n, pc, l);
			n += l;
		}
		if (t % 7 == 0 && n < cap)
			text[n++] = '\0'; /* a NUL byte: \u0000 */
		scrm_record r;
		scrm_record_init(&r);
		arena.len = 0;
		r.text = scrm_buf_add_str(&arena, text, n);
		size_t half = n / 2; /* at a character's start: the writer takes valid UTF-8 */
		while (half > 0 && ((unsigned char)text[half] & 0xC0) == 0x80)
			half--;
		r.author_name = scrm_buf_add_str(&arena, text, half);
		out.len = 0;
		cr_assert_eq(scrm_event_write(&out, &r, &arena, &nm), 0);
		want.len = 0;
		cr_assert_eq(scrm_buf_append(&want, "\"text\":", 7), 0);
		cr_assert_eq(scrm_json_put_str(&want, text, n), 0);
		cr_assert(memmem(out.data, out.len, want.data, want.len), "%.*s not in %.*s", (int)want.len, want.data,
			  (int)out.len, out.data);
		want.len = 0;
		cr_assert_eq(scrm_buf_append(&want, "\"name\":", 7), 0);
		cr_assert_eq(scrm_json_put_str(&want, text, half), 0);
		cr_assert(memmem(out.data, out.len, want.data, want.len), "%.*s not in %.*s", (int)want.len, want.data,
			  (int)out.len, out.data);
	}
	scrm_buf_free(&arena);
	scrm_buf_free(&out);
	scrm_buf_free(&want);
	scrm_event_names_free(&nm);
}

/* The digits of an event's scores (compound to 4 decimals, pos / neu / neg to 3, rounded
 * half away from zero, trailing zeros dropped, one kept) as the digit-by-digit writer
 * printed them, for every value the writer can be asked for in [-1, 1]. */
static void score_ref(char *out, size_t cap, float v, int dec)
{
	int64_t scale = dec == 4 ? 10000 : 1000;
	double x = v * (double)scale;
	int64_t q = (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
	int neg = q < 0;
	if (neg)
		q = -q;
	int n = snprintf(out, cap, "%s%" PRId64 ".%0*" PRId64, neg ? "-" : "", q / scale, dec, q % scale);
	while (out[n - 1] == '0' && out[n - 2] != '.')
		out[--n] = 0;
}

Test(pipeline, event_scores_digits)
{
	scrm_event_names nm;
	const char *routes[] = {"inbox"}, *inputs[] = {"in"};
	cr_assert_eq(scrm_event_names_init(&nm, routes, 1, inputs, 1, NULL), 0);
	scrm_buf arena = {0}, out = {0};
	scrm_record r;
	size_t n = 0;
	for (int k = -10000; k <= 10000; k++) {
		scrm_record_init(&r);
		r.has_sentiment = 1u << SCRM_SENT_SCRM;
		r.sent_primary = SCRM_SENT_SCRM;
		int k3 = (k < 0 ? -k : k) / 10;
		r.sent[SCRM_SENT_SCRM] = (scrm_scores){(float)k3 / 1000.0f, (float)(1000 - k3) / 1000.0f,
						       (float)(k % 1001 < 0 ? -(k % 1001) : k % 1001) / 1000.0f,
						       (float)k / 10000.0f};
		out.len = 0;
		cr_assert_eq(scrm_event_write(&out, &r, &arena, &nm), 0);
		char want[160], c[16], p[16], u[16], g[16];
		score_ref(c, sizeof c, r.sent[SCRM_SENT_SCRM].compound, 4);
		score_ref(p, sizeof p, r.sent[SCRM_SENT_SCRM].pos, 3);
		score_ref(u, sizeof u, r.sent[SCRM_SENT_SCRM].neu, 3);
		score_ref(g, sizeof g, r.sent[SCRM_SENT_SCRM].neg, 3);
		snprintf(want, sizeof want, "\"sentiment\":{\"mode\":\"scrm\",\"compound\":%s,\"pos\":%s,\"neu\":%s,\"neg\":%s}", c,
			 p, u, g);
		cr_assert(memmem(out.data, out.len, want, strlen(want)), "%s not in %.*s", want, (int)out.len, out.data);
		n++;
	}
	cr_log_info("event scores: %zu events, their four scores as the digit-by-digit writer printed them", n);
	scrm_buf_free(&out);
	scrm_buf_free(&arena);
	scrm_event_names_free(&nm);
}
