/*
 * test_source.c - sources (file via io_uring and read(2), stdin, memory, zstd) and the
 * chunker, which is checked against a slow obvious reference splitter.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "source.h"

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, fixed seed per test. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

typedef struct bytes {
	unsigned char *p;
	size_t len, cap;
} bytes;

static void bytes_add(bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 16;
		b->p = realloc(b->p, b->cap);
		cr_assert(b->p);
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void bytes_free(bytes *b)
{
	free(b->p);
	*b = (bytes){0};
}

/* Read a source to its end with read sizes cycling through caps[]; returns 0 or the
 * first negative read result. */
static ssize_t read_all(scrm_source *s, bytes *out, const size_t *caps, size_t ncaps)
{
	size_t maxcap = 0;
	for (size_t i = 0; i < ncaps; i++)
		maxcap = caps[i] > maxcap ? caps[i] : maxcap;
	unsigned char *buf = malloc(maxcap);
	cr_assert(buf);
	ssize_t rc = 0;
	for (size_t i = 0;; i++) {
		size_t cap = caps[i % ncaps];
		ssize_t n = scrm_source_read(s, buf, cap);
		if (n <= 0) {
			rc = n;
			break;
		}
		cr_assert_leq((size_t)n, cap);
		bytes_add(out, buf, (size_t)n);
	}
	free(buf);
	return rc;
}

static char *write_temp(const void *data, size_t len)
{
	char *path = strdup("/tmp/scrm_test_source_XXXXXX");
	cr_assert(path);
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		cr_assert_gt(n, 0);
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return path;
}

static void random_text(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (unsigned char)(' ' + rng_below(95));
		if (rng_below(60) == 0)
			p[i] = '\n';
	}
}

static bytes zstd_frame(const void *p, size_t n, int level)
{
	bytes b = {0};
	size_t bound = ZSTD_compressBound(n);
	b.p = malloc(bound);
	cr_assert(b.p);
	size_t z = ZSTD_compress(b.p, bound, p, n, level);
	cr_assert(!ZSTD_isError(z), "%s", ZSTD_getErrorName(z));
	b.len = z;
	b.cap = bound;
	return b;
}

static void skippable_frame(bytes *b, uint32_t magic, const char *payload)
{
	uint32_t len = (uint32_t)strlen(payload);
	unsigned char hdr[8] = {magic & 0xff, magic >> 8 & 0xff, magic >> 16 & 0xff, magic >> 24,
				len & 0xff, len >> 8 & 0xff, len >> 16 & 0xff, len >> 24};
	bytes_add(b, hdr, sizeof hdr);
	bytes_add(b, payload, len);
}

/* Make fd 0 read the given bytes through a pipe (a child process writes them). */
static pid_t stdin_from_pipe(const void *data, size_t len, size_t piece)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		const char *d = data;
		while (len) {
			size_t n = len < piece ? len : piece;
			ssize_t w = write(p[1], d, n);
			if (w <= 0)
				_exit(1);
			d += w;
			len -= (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(dup2(p[0], 0), 0);
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- sources ---- */

Test(source, memory_plain_with_tiny_reads)
{
	static const char text[] = "ab\ncd";
	for (size_t cap = 1; cap <= 7; cap++) {
		scrm_source *s;
		cr_assert_eq(scrm_source_open_mem(&s, text, 5, NULL), 0);
		cr_assert_str_eq(scrm_source_name(s), "<memory>");
		cr_assert(!scrm_source_uses_uring(s));
		bytes out = {0};
		cr_assert_eq(read_all(s, &out, &cap, 1), 0);
		cr_assert_eq(out.len, 5);
		cr_assert_eq(memcmp(out.p, text, 5), 0);
		cr_assert_eq(scrm_source_raw_bytes(s), 5);
		bytes_free(&out);
		scrm_source_close(s);
	}
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, "", 0, "empty"), 0);
	char c;
	cr_assert_eq(scrm_source_read(s, &c, 1), 0);
	cr_assert_str_eq(scrm_source_name(s), "empty");
	scrm_source_close(s);
	scrm_source_close(NULL);
}

Test(source, file_uring_matches_read2)
{
	rng_state = 0x5eed0001;
	size_t len = (5u << 20) + 12345;
	unsigned char *data = malloc(len);
	cr_assert(data);
	random_text(data, len);
	char *path = write_temp(data, len);

	static const size_t caps[] = {1 << 20, 4096, 777, 3 << 20, 1};
	bytes got[2] = {{0}};
	bool uring[2];
	for (int forced = 0; forced < 2; forced++) {
		scrm_source_opts o = {.no_uring = forced, .quiet = true};
		scrm_source *s;
		char err[256];
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		cr_assert_str_eq(scrm_source_name(s), path);
		uring[forced] = scrm_source_uses_uring(s);
		cr_assert_eq(read_all(s, &got[forced], caps, 5), 0);
		cr_assert_eq(scrm_source_raw_bytes(s), len);
		scrm_source_close(s);
	}
	cr_assert(!uring[1], "no_uring must force read(2)");
	cr_assert_eq(got[1].len, len);
	cr_assert_eq(memcmp(got[1].p, data, len), 0);
	bool same = got[0].len == len && memcmp(got[0].p, data, len) == 0;
	unlink(path);
	bytes_free(&got[0]);
	bytes_free(&got[1]);
	free(data);
	free(path);
	if (!uring[0])
		cr_skip_test("io_uring unavailable here: only the read(2) path was checked");
	cr_assert(same, "io_uring read different bytes than read(2)");
}

/* Block io_uring_setup with EPERM, as Docker's default seccomp profile does. */
static void deny_io_uring(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	cr_assert_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0);
}

Test(source, uring_denied_falls_back_with_one_notice)
{
	static const char text[] = "hello\nworld\n";
	char *path = write_temp(text, 12);
	char *errpath = strdup("/tmp/scrm_test_stderr_XXXXXX");
	int efd = mkstemp(errpath);
	cr_assert_geq(efd, 0);
	fflush(stderr);
	int saved = dup(2);
	cr_assert_eq(dup2(efd, 2), 2);
	deny_io_uring();

	for (int i = 0; i < 3; i++) {
		scrm_source_opts o = {0};
		scrm_source *s;
		char err[256];
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		cr_assert(!scrm_source_uses_uring(s));
		bytes got = {0};
		size_t cap = 64;
		cr_assert_eq(read_all(s, &got, &cap, 1), 0);
		cr_assert_eq(got.len, 12);
		cr_assert_eq(memcmp(got.p, text, 12), 0);
		bytes_free(&got);
		scrm_source_close(s);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	char log[512] = {0};
	cr_assert_geq(pread(efd, log, sizeof log - 1, 0), 0);
	close(efd);
	unlink(errpath);
	unlink(path);
	free(errpath);
	free(path);
	cr_assert_str_eq(log, "scrm: io_uring unavailable (Operation not permitted); "
			      "reading files with read(2)\n");
}

Test(source, open_errors_name_path_and_reason)
{
	scrm_source *s = (scrm_source *)1;
	char err[256];
	scrm_source_opts o = {.quiet = true};
	int rc = scrm_source_open(&s, "/nonexistent/scrm/x.ndjson", &o, err, sizeof err);
	cr_assert_eq(rc, -ENOENT);
	cr_assert_null(s);
	cr_assert_str_eq(err, "/nonexistent/scrm/x.ndjson: No such file or directory");

	rc = scrm_source_open(&s, "/tmp", &o, err, sizeof err);
	cr_assert_eq(rc, -EISDIR);
	cr_assert_null(s);
	cr_assert_str_eq(err, "/tmp: Is a directory (expected a file or '-')");

	/* err may be NULL */
	cr_assert_eq(scrm_source_open(&s, "/nonexistent", &o, NULL, 0), -ENOENT);
}

Test(source, char_device_uses_read2)
{
	scrm_source *s;
	char err[256];
	scrm_source_opts o = {0};
	cr_assert_eq(scrm_source_open(&s, "/dev/zero", &o, err, sizeof err), 0, "%s", err);
	cr_assert(!scrm_source_uses_uring(s));
	char buf[1000];
	memset(buf, 1, sizeof buf);
	/* the 4 peeked bytes come first, by themselves; then reads fill the buffer */
	cr_assert_eq(scrm_source_read(s, buf, sizeof buf), 4);
	cr_assert_eq(scrm_source_read(s, buf + 4, sizeof buf - 4), 996);
	for (size_t i = 0; i < sizeof buf; i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(scrm_source_raw_bytes(s), 1000); /* the 4 peeked bytes included */
	scrm_source_close(s);
}

Test(source, stdin_pipe)
{
	rng_state = 0x5eed0002;
	size_t len = 300000;
	unsigned char *data = malloc(len);
	random_text(data, len);
	pid_t pid = stdin_from_pipe(data, len, 1000);
	scrm_source *s;
	char err[256];
	scrm_source_opts o = {0};
	cr_assert_eq(scrm_source_open(&s, "-", &o, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(scrm_source_name(s), "<stdin>");
	cr_assert(!scrm_source_uses_uring(s));
	bytes out = {0};
	static const size_t caps[] = {65536, 3, 100000};
	cr_assert_eq(read_all(s, &out, caps, 3), 0);
	cr_assert_eq(out.len, len);
	cr_assert_eq(memcmp(out.p, data, len), 0);
	cr_assert_eq(scrm_source_raw_bytes(s), len);
	scrm_source_close(s);
	reap(pid);
	/* fd 0 is not ours to close */
	cr_assert_neq(fcntl(0, F_GETFD), -1);
	bytes_free(&out);
	free(data);
}

Test(source, stdin_pipe_zstd)
{
	rng_state = 0x5eed0003;
	size_t len = 1 << 20;
	unsigned char *data = malloc(len);
	random_text(data, len);
	bytes z = zstd_frame(data, len, 3);
	pid_t pid = stdin_from_pipe(z.p, z.len, 777);
	scrm_source *s;
	char err[256];
	cr_assert_eq(scrm_source_open(&s, "-", NULL, err, sizeof err), 0, "%s", err);
	bytes out = {0};
	static const size_t caps[] = {1 << 16};
	cr_assert_eq(read_all(s, &out, caps, 1), 0);
	cr_assert_eq(out.len, len);
	cr_assert_eq(memcmp(out.p, data, len), 0);
	cr_assert_eq(scrm_source_raw_bytes(s), z.len);
	cr_assert_str_eq(scrm_source_name(s), "<stdin>");
	scrm_source_close(s);
	reap(pid);
	bytes_free(&out);
	bytes_free(&z);
	free(data);
}

Test(source, zstd_single_frame_file_and_memory)
{
	rng_state = 0x5eed0004;
	size_t len = 3 << 20;
	unsigned char *data = malloc(len);
	random_text(data, len);
	bytes z = zstd_frame(data, len, 1);
	char *path = write_temp(z.p, z.len);
	static const size_t caps[] = {1 << 20, 5, 65536};

	scrm_source *s;
	char err[256];
	scrm_source_opts o = {.quiet = true};
	cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(scrm_source_name(s), path);
	bytes out = {0};
	cr_assert_eq(read_all(s, &out, caps, 3), 0);
	cr_assert_eq(out.len, len);
	cr_assert_eq(memcmp(out.p, data, len), 0);
	cr_assert_eq(scrm_source_raw_bytes(s), z.len);
	scrm_source_close(s);
	bytes_free(&out);

	cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, "mem.zst"), 0);
	cr_assert_eq(read_all(s, &out, caps, 3), 0);
	cr_assert_eq(out.len, len);
	cr_assert_eq(memcmp(out.p, data, len), 0);
	cr_assert_eq(scrm_source_raw_bytes(s), z.len);
	cr_assert_str_eq(scrm_source_name(s), "mem.zst");
	scrm_source_close(s);

	unlink(path);
	free(path);
	bytes_free(&out);
	bytes_free(&z);
	free(data);
}

/* Frames compressed separately, a skippable frame between, and one at the start. */
static bytes multi_frame(const unsigned char *data, size_t len, bytes *plain)
{
	bytes z = {0};
	skippable_frame(&z, 0x184D2A5F, "metadata at the start");
	size_t off = 0;
	for (int i = 0; off < len; i++) {
		size_t piece = 1 + rng_below(len / 3);
		if (piece > len - off)
			piece = len - off;
		bytes f = zstd_frame(data + off, piece, 1 + i % 5);
		bytes_add(&z, f.p, f.len);
		bytes_free(&f);
		bytes_add(plain, data + off, piece);
		off += piece;
		if (i == 1)
			skippable_frame(&z, 0x184D2A50, "in between");
	}
	/* An empty frame is valid too. */
	bytes e = zstd_frame("", 0, 1);
	bytes_add(&z, e.p, e.len);
	bytes_free(&e);
	return z;
}

Test(source, zstd_multi_frame_and_skippable)
{
	rng_state = 0x5eed0005;
	size_t len = 400000;
	unsigned char *data = malloc(len);
	random_text(data, len);
	bytes plain = {0};
	bytes z = multi_frame(data, len, &plain);
	cr_assert_eq(plain.len, len);
	static const size_t caps[] = {4096, 1, 100000};
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, "multi"), 0);
	bytes out = {0};
	cr_assert_eq(read_all(s, &out, caps, 3), 0);
	cr_assert_eq(out.len, len);
	cr_assert_eq(memcmp(out.p, data, len), 0);
	scrm_source_close(s);

	/* Only a skippable frame: an empty stream. */
	bytes sk = {0};
	skippable_frame(&sk, 0x184D2A55, "nothing else");
	cr_assert_eq(scrm_source_open_mem(&s, sk.p, sk.len, "skip"), 0);
	char buf[16];
	cr_assert_eq(scrm_source_read(s, buf, sizeof buf), 0);
	scrm_source_close(s);

	bytes_free(&sk);
	bytes_free(&out);
	bytes_free(&plain);
	bytes_free(&z);
	free(data);
}

Test(source, zstd_tiny_reads_exact)
{
	rng_state = 0x5eed0006;
	size_t len = 20000;
	unsigned char *data = malloc(len);
	random_text(data, len);
	bytes plain = {0};
	bytes z = multi_frame(data, len, &plain);
	for (size_t cap = 1; cap <= 7; cap++) {
		scrm_source *s;
		cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, NULL), 0);
		bytes out = {0};
		cr_assert_eq(read_all(s, &out, &cap, 1), 0);
		cr_assert_eq(out.len, len, "cap %zu", cap);
		cr_assert_eq(memcmp(out.p, data, len), 0, "cap %zu", cap);
		scrm_source_close(s);
		bytes_free(&out);
	}
	bytes_free(&plain);
	bytes_free(&z);
	free(data);
}

Test(source, zstd_truncated_is_ebadmsg)
{
	rng_state = 0x5eed0007;
	size_t len = 200000;
	unsigned char *data = malloc(len);
	random_text(data, len);
	bytes z = zstd_frame(data, len, 3);
	/* Cut at several points, including right after the magic. */
	size_t cuts[] = {4, 5, 9, z.len / 2, z.len - 1};
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		scrm_source *s;
		cr_assert_eq(scrm_source_open_mem(&s, z.p, cuts[i], "cut.zst"), 0);
		bytes out = {0};
		static const size_t caps[] = {1000};
		cr_assert_eq(read_all(s, &out, caps, 1), -EBADMSG, "cut at %zu", cuts[i]);
		cr_assert_leq(out.len, len);
		cr_assert(out.len == 0 || memcmp(out.p, data, out.len) == 0);
		cr_assert_str_eq(scrm_source_error(s), "cut.zst: truncated zstd frame");
		/* sticky */
		char c;
		cr_assert_eq(scrm_source_read(s, &c, 1), -EBADMSG);
		scrm_source_close(s);
		bytes_free(&out);
	}
	bytes_free(&z);
	free(data);
}

Test(source, zstd_garbage_is_ebadmsg)
{
	/* The magic, then junk. */
	static const unsigned char junk[] = {0x28, 0xB5, 0x2F, 0xFD, 0xff, 0xff, 0xff, 0xff,
					     0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
					     0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
					     0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, junk, sizeof junk, "junk.zst"), 0);
	char buf[256];
	cr_assert_eq(scrm_source_read(s, buf, sizeof buf), -EBADMSG);
	cr_assert(strncmp(scrm_source_error(s), "junk.zst: corrupt zstd data: ", 29) == 0, "%s",
		  scrm_source_error(s));
	scrm_source_close(s);

	/* A good frame followed by bytes that are not a frame. */
	bytes z = zstd_frame("hello\n", 6, 1);
	bytes_add(&z, "plain text", 10);
	cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, "tail.zst"), 0);
	bytes out = {0};
	static const size_t caps[] = {256};
	cr_assert_eq(read_all(s, &out, caps, 1), -EBADMSG);
	cr_assert_eq(out.len, 6);
	cr_assert_eq(memcmp(out.p, "hello\n", 6), 0);
	scrm_source_close(s);
	bytes_free(&out);

	/* A file that is not zstd keeps its first bytes, even shorter than the magic. */
	for (size_t n = 0; n <= 5; n++) {
		cr_assert_eq(scrm_source_open_mem(&s, "\x28\xB5\x2F\x00z", n, NULL), 0);
		bytes o2 = {0};
		static const size_t one[] = {2};
		cr_assert_eq(read_all(s, &o2, one, 1), 0);
		cr_assert_eq(o2.len, n);
		cr_assert_eq(memcmp(o2.p ? (void *)o2.p : (void *)"", "\x28\xB5\x2F\x00z", n), 0);
		scrm_source_close(s);
		bytes_free(&o2);
	}
	bytes_free(&z);
}

/* Found by fuzz_chunker (as a harness bug, kept as a regression): a frame whose
 * content was altered hands out the decoded bytes, then fails its checksum. */
Test(source, zstd_bad_checksum_is_ebadmsg)
{
	static const char text[] = "first line\nsecond line\n";
	size_t len = sizeof text - 1;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	cr_assert(cc);
	cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
	unsigned char z[256];
	size_t zn = ZSTD_compress2(cc, z, sizeof z, text, len);
	cr_assert(!ZSTD_isError(zn));
	ZSTD_freeCCtx(cc);
	z[zn - 1] ^= 0x55; /* the last 4 bytes are the checksum */
	for (size_t cap = 1; cap <= 64; cap *= 4) {
		scrm_source *s;
		cr_assert_eq(scrm_source_open_mem(&s, z, zn, "sum.zst"), 0);
		bytes out = {0};
		cr_assert_eq(read_all(s, &out, &cap, 1), -EBADMSG);
		cr_assert_leq(out.len, len);
		cr_assert(out.len == 0 || memcmp(out.p, text, out.len) == 0);
		cr_assert(strstr(scrm_source_error(s), "checksum"), "%s", scrm_source_error(s));
		scrm_source_close(s);
		bytes_free(&out);
	}
}

/* ---- chunker ---- */

/* The obvious splitter: what the chunker must deliver and report. */
typedef struct ref_line {
	unsigned long long off, line, len;
	int unterminated; /* the input's last line, without a '\n' */
} ref_line;

typedef struct ref_split {
	bytes out;      /* the input minus oversize lines */
	ref_line *kept; /* delivered lines, in order */
	size_t nkept;
	ref_line *over; /* oversize lines, in order */
	size_t nover;
} ref_split;

static void ref_split_run(ref_split *r, const unsigned char *in, size_t n, size_t max_record)
{
	*r = (ref_split){0};
	r->kept = malloc((n + 1) * sizeof *r->kept);
	r->over = malloc((n + 1) * sizeof *r->over);
	cr_assert(r->kept && r->over);
	unsigned long long line = 1;
	for (size_t i = 0; i < n; line++) {
		size_t len = 0;
		while (i + len < n && in[i + len] != '\n')
			len++;
		size_t take = len + (i + len < n);
		ref_line l = {i, line, len, i + len == n};
		if (len > max_record) {
			r->over[r->nover++] = l;
		} else {
			r->kept[r->nkept++] = l;
			bytes_add(&r->out, in + i, take);
		}
		i += take;
	}
}

static void ref_split_free(ref_split *r)
{
	bytes_free(&r->out);
	free(r->kept);
	free(r->over);
}

/* The stream offset past the last line consumed: the first ki kept lines and the
 * first oi oversize lines of the reference (each with its '\n', if it has one). */
static unsigned long long consumed_end(const ref_split *r, size_t ki, size_t oi, size_t in_len)
{
	unsigned long long end = 0;
	const ref_line *last[2] = {ki ? &r->kept[ki - 1] : NULL, oi ? &r->over[oi - 1] : NULL};
	for (int k = 0; k < 2; k++) {
		if (!last[k])
			continue;
		unsigned long long e = last[k]->off + last[k]->len;
		e += e < in_len; /* its '\n' */
		if (e > end)
			end = e;
	}
	return end;
}

/* Run the chunker over src and compare everything with the reference. */
static void check_chunker(scrm_source *src, const ref_split *r, size_t in_len, size_t max_record,
			  size_t cap, const char *what)
{
	scrm_chunker *c;
	cr_assert_eq(scrm_chunker_create(&c, src, max_record), 0);
	size_t pos = 0, ki = 0, oi = 0;
	bool ended_unterminated = false;
	for (int calls = 0;; calls++) {
		cr_assert_lt(calls, 10000000);
		/* A fresh buffer each call, poisoned: the chunker must not keep pointers. */
		char *buf = malloc(cap + SCRM_PADDING);
		cr_assert(buf);
		memset(buf, 0xA5, cap + SCRM_PADDING);
		scrm_chunk_info info;
		memset(&info, 0x5A, sizeof info);
		ssize_t n = scrm_chunker_next(c, buf, cap, &info);
		cr_assert_geq(n, 0, "%s", what);
		cr_assert_leq((size_t)n, cap, "%s", what);
		cr_assert_leq(info.n_oversize, SCRM_CHUNK_MAX_OVERSIZE);
		if (info.oversize_dropped)
			cr_assert_eq(info.n_oversize, SCRM_CHUNK_MAX_OVERSIZE);
		for (unsigned k = 0; k < info.n_oversize; k++) {
			cr_assert_lt(oi + k, r->nover, "%s: extra oversize report", what);
			const ref_line *e = &r->over[oi + k];
			cr_assert_eq(info.oversize[k].offset, e->off, "%s: oversize offset", what);
			cr_assert_eq(info.oversize[k].line, e->line, "%s: oversize line", what);
			cr_assert_eq(info.oversize[k].length, e->len, "%s: oversize length", what);
			cr_assert_eq(info.oversize[k].unterminated, e->unterminated, "%s: oversize line %llu unterminated", what,
				     e->line);
		}
		oi += info.n_oversize + info.oversize_dropped;
		if (n == 0) {
			cr_assert_eq(info.end_offset, consumed_end(r, ki, oi, in_len), "%s: end_offset", what);
			free(buf);
			break;
		}
		cr_assert(!ended_unterminated, "%s: data after an unterminated line", what);
		cr_assert_leq(pos + (size_t)n, r->out.len, "%s: too many bytes", what);
		cr_assert_eq(memcmp(buf, r->out.p + pos, (size_t)n), 0, "%s: bytes at %zu", what,
			     pos);
		cr_assert_lt(ki, r->nkept);
		cr_assert_eq(info.base_offset, r->kept[ki].off, "%s: base_offset", what);
		cr_assert_eq(info.base_line, r->kept[ki].line, "%s: base_line", what);
		/* the line ends it records: the first SCRM_CHUNK_LINES '\n' of the chunk */
		unsigned nl = 0;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n') {
				if (nl < SCRM_CHUNK_LINES) {
					cr_assert_lt(nl, info.n_lines, "%s: line end %zd not recorded", what, i);
					cr_assert_eq(info.line_end[nl], (uint32_t)i, "%s: line end %u", what, nl);
				}
				nl++;
				ki++;
			}
		cr_assert_eq(info.n_lines, nl < SCRM_CHUNK_LINES ? nl : SCRM_CHUNK_LINES, "%s: line ends", what);
		if (buf[n - 1] != '\n') {
			/* Only the stream's last line may lack its '\n'. */
			ended_unterminated = true;
			ki++;
			cr_assert_eq(pos + (size_t)n, r->out.len, "%s: chunk ends mid-line", what);
		}
		pos += (size_t)n;
		/* where a resumed run would start: past every line delivered or reported */
		cr_assert_eq(info.end_offset, consumed_end(r, ki, oi, in_len), "%s: end_offset", what);
		free(buf);
	}
	cr_assert_eq(pos, r->out.len, "%s: delivered %zu of %zu", what, pos, r->out.len);
	cr_assert_eq(ki, r->nkept, "%s", what);
	cr_assert_eq(oi, r->nover, "%s: oversize count", what);
	cr_assert_eq(scrm_chunker_offset(c), in_len, "%s", what);
	/* End of stream stays end of stream. */
	char *tail = malloc(cap + SCRM_PADDING);
	scrm_chunk_info info;
	cr_assert_eq(scrm_chunker_next(c, tail, cap, &info), 0);
	cr_assert_eq(info.n_oversize, 0);
	free(tail);
	scrm_chunker_free(c);
}

static size_t gen_input(unsigned char *p, size_t room, size_t max_record)
{
	size_t n = 0, lines = rng_below(40);
	for (size_t l = 0; l < lines; l++) {
		size_t len;
		switch (rng_below(8)) {
		case 0: len = 0; break;
		case 1: len = max_record; break;
		case 2: len = max_record + 1; break;
		case 3: len = max_record + 1 + rng_below(3 * max_record + 5); break;
		default: len = rng_below(max_record + 1); break;
		}
		if (n + len + 1 > room)
			break;
		for (size_t i = 0; i < len; i++)
			p[n++] = (unsigned char)(rng_below(2) ? 'a' + rng_below(26) : rng_below(256));
		/* keep '\n' only as terminators: other bytes are arbitrary, even NUL */
		for (size_t i = n - len; i < n; i++)
			if (p[i] == '\n')
				p[i] = 'N';
		p[n++] = '\n';
	}
	if (n && rng_below(2))
		n--; /* no final newline */
	return n;
}

Test(chunker, differential_against_reference, .timeout = 120)
{
	rng_state = 0x5eed0100;
	static const size_t max_records[] = {1, 2, 3, 5, 8, 17, 40};
	size_t room = 40 * (4 * 40 + 6) + 1;
	unsigned char *in = malloc(room);
	cr_assert(in);
	char what[128];
	for (size_t m = 0; m < sizeof max_records / sizeof max_records[0]; m++) {
		size_t mr = max_records[m];
		for (int t = 0; t < 25; t++) {
			size_t n = gen_input(in, room, mr);
			ref_split r;
			ref_split_run(&r, in, n, mr);
			for (size_t cap = mr + 1; cap <= 3 * mr + 2; cap++) {
				scrm_source *s;
				cr_assert_eq(scrm_source_open_mem(&s, in, n, "gen"), 0);
				snprintf(what, sizeof what, "max_record %zu input %d cap %zu", mr, t,
					 cap);
				check_chunker(s, &r, n, mr, cap, what);
				scrm_source_close(s);
			}
			ref_split_free(&r);
		}
	}
	free(in);
}

Test(chunker, differential_through_zstd)
{
	rng_state = 0x5eed0101;
	size_t room = 40 * (4 * 40 + 6) + 1;
	unsigned char *in = malloc(room);
	char what[128];
	for (int t = 0; t < 40; t++) {
		size_t mr = 1 + rng_below(30);
		size_t n = gen_input(in, room, mr);
		ref_split r;
		ref_split_run(&r, in, n, mr);
		bytes z = zstd_frame(in, n, 1);
		for (size_t cap = mr + 1; cap <= 3 * mr + 2; cap += 3) {
			scrm_source *s;
			cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, "gen.zst"), 0);
			snprintf(what, sizeof what, "zstd max_record %zu input %d cap %zu", mr, t, cap);
			check_chunker(s, &r, n, mr, cap, what);
			scrm_source_close(s);
		}
		bytes_free(&z);
		ref_split_free(&r);
	}
	free(in);
}

/* ---- gzip, bzip2, xz (engine/codec.c) ---- */

enum { GZ, BZ, XZ };
static const char *const codec_names[] = {"gzip", "bzip2", "xz"};

/* Append p[0..n) to b as one member of the codec, compressed by its own library. */
static void codec_member(bytes *b, int codec, const void *p, size_t n)
{
	size_t room = n + n / 2 + 1024;
	unsigned char *o = malloc(room);
	cr_assert(o);
	size_t len = room;
	if (codec == GZ) {
		z_stream z = {0};
		cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (Bytef *)p;
		z.avail_in = (uInt)n;
		z.next_out = o;
		z.avail_out = (uInt)room;
		cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
		len = room - z.avail_out;
		deflateEnd(&z);
	} else if (codec == BZ) {
		unsigned l = (unsigned)room;
		cr_assert_eq(BZ2_bzBuffToBuffCompress((char *)o, &l, (char *)p, (unsigned)n, 1, 0, 0), BZ_OK);
		len = l;
	} else {
		size_t pos = 0;
		cr_assert_eq(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, p, n, o, &pos, room), LZMA_OK);
		len = pos;
	}
	bytes_add(b, o, len);
	free(o);
}

/* Members split at random points, zero padding between some (gzip, bzip2): what the
 * chunker delivers must equal the plain input's split, for every read size. */
Test(chunker, differential_through_gzip_bzip2_xz)
{
	rng_state = 0x5eed0104;
	size_t room = 40 * (4 * 40 + 6) + 1;
	unsigned char *in = malloc(room);
	char what[128];
	for (int codec = GZ; codec <= XZ; codec++) {
		for (int t = 0; t < 30; t++) {
			size_t mr = 1 + rng_below(30);
			size_t n = gen_input(in, room, mr);
			ref_split r;
			ref_split_run(&r, in, n, mr);
			bytes z = {0};
			size_t at = 0, members = 1 + rng_below(3);
			for (size_t m = 0; m < members; m++) {
				size_t len = m + 1 == members ? n - at : rng_below(n - at + 1);
				codec_member(&z, codec, in + at, len);
				at += len;
				if (codec != XZ && rng_below(3) == 0)
					bytes_add(&z, "\0\0\0\0\0\0\0\0", 1 + rng_below(8));
			}
			for (size_t cap = mr + 1; cap <= 3 * mr + 2; cap += 3) {
				scrm_source *s;
				cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, "gen.c"), 0);
				snprintf(what, sizeof what, "%s max_record %zu input %d cap %zu", codec_names[codec],
					 mr, t, cap);
				check_chunker(s, &r, n, mr, cap, what);
				scrm_source_close(s);
			}
			bytes_free(&z);
			ref_split_free(&r);
		}
	}
	free(in);
}

/* Large members through a pipe (short reads), then cut or damaged data: the bytes
 * before the damage come out, then one clear error naming the codec. */
Test(source, gzip_bzip2_xz_pipe_truncated_corrupt)
{
	rng_state = 0x5eed0105;
	size_t len = 1 << 20;
	unsigned char *data = malloc(len);
	random_text(data, len);
	static const size_t caps[] = {1 << 16, 7, 100000};
	for (int codec = GZ; codec <= XZ; codec++) {
		bytes z = {0};
		codec_member(&z, codec, data, len / 3);
		codec_member(&z, codec, data + len / 3, len - len / 3);
		pid_t pid = stdin_from_pipe(z.p, z.len, 4099);
		scrm_source *s;
		char err[256];
		cr_assert_eq(scrm_source_open(&s, "-", NULL, err, sizeof err), 0, "%s", err);
		bytes out = {0};
		cr_assert_eq(read_all(s, &out, caps, 3), 0, "%s", codec_names[codec]);
		cr_assert_eq(out.len, len, "%s", codec_names[codec]);
		cr_assert_eq(memcmp(out.p, data, len), 0);
		cr_assert_eq(scrm_source_raw_bytes(s), z.len);
		scrm_source_close(s);
		reap(pid);
		bytes_free(&out);

		char want[96];
		/* cut in the second member */
		cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len - z.len / 4, "cut"), 0);
		cr_assert_eq(read_all(s, &out, caps, 3), -EBADMSG, "%s", codec_names[codec]);
		cr_assert_geq(out.len, len / 3);
		cr_assert_lt(out.len, len);
		cr_assert_eq(memcmp(out.p, data, out.len), 0, "what came out before the cut is the data");
		snprintf(want, sizeof want, "cut: truncated %s data", codec_names[codec]);
		cr_assert_str_eq(scrm_source_error(s), want);
		cr_assert_eq(scrm_source_read(s, out.p, 16), -EBADMSG, "sticky");
		scrm_source_close(s);
		bytes_free(&out);

		/* damaged in the middle: an error, never wrong bytes passed off as data
		 * past the check the codec has (gzip CRC32 per member, bzip2 per block,
		 * xz CRC64) */
		for (size_t i = z.len / 2; i < z.len / 2 + 8; i++)
			z.p[i] ^= 0x5A;
		cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, "bad"), 0);
		cr_assert_eq(read_all(s, &out, caps, 3), -EBADMSG, "%s", codec_names[codec]);
		snprintf(want, sizeof want, "bad: corrupt %s data", codec_names[codec]);
		cr_assert_eq(strncmp(scrm_source_error(s), want, strlen(want)), 0, "%s", scrm_source_error(s));
		scrm_source_close(s);
		bytes_free(&out);
		bytes_free(&z);
	}
	/* a magic alone, and trailing bytes that are neither padding nor a member */
	scrm_source *s;
	bytes out = {0};
	cr_assert_eq(scrm_source_open_mem(&s, "\x1f\x8b\x08", 3, "magic"), 0);
	cr_assert_eq(read_all(s, &out, caps, 1), -EBADMSG);
	cr_assert_str_eq(scrm_source_error(s), "magic: truncated gzip data");
	scrm_source_close(s);
	bytes z = {0};
	codec_member(&z, GZ, "{}\n", 3);
	bytes_add(&z, "\0\0not gzip", 10);
	cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, "tail"), 0);
	cr_assert_eq(read_all(s, &out, caps, 1), -EBADMSG);
	cr_assert_eq(out.len, 3);
	cr_assert_eq(strncmp(scrm_source_error(s), "tail: corrupt gzip data", 23), 0, "%s", scrm_source_error(s));
	scrm_source_close(s);
	bytes_free(&z);
	bytes_free(&out);
	/* "BZh1".."BZh9" is ASCII: a text line may start so (found by review: the file was
	 * taken for bzip2 and lost); bzip2 needs its block magic after it */
	static const char bzh[] = "BZh5 garbage first line\n{\"a\":1}\n";
	cr_assert_eq(scrm_source_open_mem(&s, bzh, sizeof bzh - 1, "bzh"), 0);
	cr_assert_eq(read_all(s, &out, caps, 1), 0);
	cr_assert_eq(out.len, sizeof bzh - 1);
	cr_assert_eq(memcmp(out.p, bzh, out.len), 0);
	scrm_source_close(s);
	bytes_free(&out);
	free(data);
}

/* Through a pipe the reads come back short and at arbitrary points. */
Test(chunker, differential_through_pipe)
{
	rng_state = 0x5eed0102;
	size_t len = 1 << 20;
	unsigned char *in = malloc(len);
	size_t n = 0;
	while (n < len - 4000) {
		size_t l = rng_below(10) == 0 ? 600 + rng_below(2000) : rng_below(400);
		random_text(in + n, l);
		for (size_t i = n; i < n + l; i++)
			if (in[i] == '\n')
				in[i] = '.';
		n += l;
		in[n++] = '\n';
	}
	ref_split r;
	ref_split_run(&r, in, n, 512);
	pid_t pid = stdin_from_pipe(in, n, 333);
	scrm_source *s;
	char err[256];
	cr_assert_eq(scrm_source_open(&s, "-", NULL, err, sizeof err), 0, "%s", err);
	check_chunker(s, &r, n, 512, 4096, "pipe");
	scrm_source_close(s);
	reap(pid);
	ref_split_free(&r);
	free(in);
}

/* UTF-16 and UTF-32 input (Windows "Unicode" exports): one clear error naming the
 * encoding, not a bad_json reject per line. UTF-8 with its byte-order mark is fine. */
Test(chunker, wide_encodings_refused)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *enc;
	} cases[] = {
		{"\xff\xfe{\0\"\0", 6, "UTF-16LE"},
		{"{\0\"\0", 4, "UTF-16LE"}, /* no byte-order mark */
		{"\xfe\xff\0{\0\"", 6, "UTF-16BE"},
		{"\0{\0\"", 4, "UTF-16BE"},
		{"\xff\xfe\0\0{\0\0\0", 8, "UTF-32LE"},
		{"\0\0\xfe\xff\0\0\0{", 8, "UTF-32BE"},
		{"{\0\0\0\n\0\0\0", 8, "UTF-32LE"}, /* no byte-order mark */
		{"\0\0\0[\0\0\0\"", 8, "UTF-32BE"},
	};
	char buf[256 + SCRM_PADDING];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		scrm_source *s;
		cr_assert_eq(scrm_source_open_mem(&s, cases[i].bytes, cases[i].len, "w.ndjson"), 0);
		scrm_chunker *c;
		cr_assert_eq(scrm_chunker_create(&c, s, 64), 0);
		scrm_chunk_info info;
		cr_assert_eq(scrm_chunker_next(c, buf, 256, &info), -EILSEQ, "%s", cases[i].enc);
		cr_assert_eq(scrm_chunker_next(c, buf, 256, &info), -EILSEQ, "sticky");
		char want[160];
		snprintf(want, sizeof want, "w.ndjson: the input is %s, not UTF-8 (convert it: iconv -f %s -t UTF-8)",
			 cases[i].enc, cases[i].enc);
		cr_assert_str_eq(scrm_source_error(s), want);
		scrm_chunker_free(c);
		scrm_source_close(s);
	}
	/* A UTF-32 mark through a pipe written 5 bytes at a time: the first read may end
	 * just after the mark (found by review: then taken for UTF-16 and missed) */
	{
		static const char u32[] = "\xff\xfe\0\0{\0\0\0}\0\0\0\n\0\0\0";
		pid_t pid = stdin_from_pipe(u32, sizeof u32 - 1, 5);
		scrm_source *s;
		char err[256];
		cr_assert_eq(scrm_source_open(&s, "-", NULL, err, sizeof err), 0, "%s", err);
		scrm_chunker *c;
		cr_assert_eq(scrm_chunker_create(&c, s, 64), 0);
		scrm_chunk_info info;
		cr_assert_eq(scrm_chunker_next(c, buf, 256, &info), -EILSEQ);
		cr_assert(strstr(scrm_source_error(s), "UTF-32LE"), "%s", scrm_source_error(s));
		scrm_chunker_free(c);
		scrm_source_close(s);
		reap(pid);
	}
	/* Only the stream's first bytes count: here a later read (of a 16-byte buffer)
	 * starts inside an oversize first line at "\0{" (found by fuzz_chunker) */
	{
		static const char in[] = "aaaaaaaaaaaaaaaa\0{bb\n{}\n";
		scrm_source *s;
		cr_assert_eq(scrm_source_open_mem(&s, in, sizeof in - 1, "m.ndjson"), 0);
		scrm_chunker *c;
		cr_assert_eq(scrm_chunker_create(&c, s, 8), 0);
		scrm_chunk_info info;
		ssize_t got = scrm_chunker_next(c, buf, 16, &info);
		cr_assert_eq(got, 3);
		cr_assert_eq(info.n_oversize, 1);
		cr_assert_eq(info.oversize[0].length, 20);
		scrm_chunker_free(c);
		scrm_source_close(s);
	}
	/* UTF-8 with a byte-order mark, a NUL later in a line, and a garbage first line
	 * that starts like a UTF-16 mark (found by tests/stress_resume.py): delivered as
	 * they are, for the normalizer to judge line by line */
	const char *ok[] = {"\xef\xbb\xbf{\"a\":1}\n", "{\"a\":\"x\0\"}\n", "\xff\xfe garbage \x80\x81 {\n{}\n"};
	size_t ok_len[] = {11, 11, 19};
	for (size_t i = 0; i < 3; i++) {
		scrm_source *s;
		cr_assert_eq(scrm_source_open_mem(&s, ok[i], ok_len[i], "u.ndjson"), 0);
		scrm_chunker *c;
		cr_assert_eq(scrm_chunker_create(&c, s, 64), 0);
		scrm_chunk_info info;
		cr_assert_eq(scrm_chunker_next(c, buf, 256, &info), (ssize_t)ok_len[i]);
		scrm_chunker_free(c);
		scrm_source_close(s);
	}
}

Test(chunker, big_file_through_uring)
{
	rng_state = 0x5eed0103;
	size_t len = (3u << 20) + 17;
	unsigned char *in = malloc(len);
	random_text(in, len);
	in[len / 2 - 5000] = 'x'; /* somewhere there: a line over max_record */
	memset(in + len / 2 - 5000, 'x', 9000);
	ref_split r;
	ref_split_run(&r, in, len, 4096);
	cr_assert_geq(r.nover, 1);
	char *path = write_temp(in, len);
	for (int forced = 0; forced < 2; forced++) {
		scrm_source *s;
		scrm_source_opts o = {.no_uring = forced, .quiet = true};
		char err[256];
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		check_chunker(s, &r, len, 4096, 1 << 20, forced ? "file read(2)" : "file uring");
		scrm_source_close(s);
	}
	unlink(path);
	free(path);
	ref_split_free(&r);
	free(in);
}

Test(chunker, oversize_line_spanning_many_reads)
{
	/* max_record 10, cap 11: a 100000-byte line is skipped over ~10000 fills' worth of
	 * reads and still reported with its exact length, line and offset. */
	size_t len = 100000;
	bytes in = {0};
	bytes_add(&in, "ok\n\n", 4);
	for (size_t i = 0; i < len; i++)
		bytes_add(&in, "y", 1);
	bytes_add(&in, "\nlast", 5);
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, in.p, in.len, NULL), 0);
	scrm_chunker *c;
	cr_assert_eq(scrm_chunker_create(&c, s, 10), 0);
	char buf[11 + SCRM_PADDING];
	scrm_chunk_info info;
	cr_assert_eq(scrm_chunker_next(c, buf, 11, &info), 4);
	cr_assert_eq(memcmp(buf, "ok\n\n", 4), 0);
	cr_assert_eq(info.base_offset, 0);
	cr_assert_eq(info.base_line, 1);
	cr_assert_eq(info.n_oversize, 0);
	cr_assert_eq(scrm_chunker_offset(c), 4);
	cr_assert_eq(scrm_chunker_next(c, buf, 11, &info), 4);
	cr_assert_eq(memcmp(buf, "last", 4), 0);
	cr_assert_eq(info.base_offset, 4 + len + 1);
	cr_assert_eq(info.base_line, 4);
	cr_assert_eq(info.n_oversize, 1);
	cr_assert_eq(info.oversize[0].offset, 4);
	cr_assert_eq(info.oversize[0].line, 3);
	cr_assert_eq(info.oversize[0].length, len);
	cr_assert_eq(scrm_chunker_next(c, buf, 11, &info), 0);
	cr_assert_eq(info.n_oversize, 0);
	cr_assert_eq(scrm_chunker_offset(c), in.len);
	scrm_chunker_free(c);
	scrm_source_close(s);
	bytes_free(&in);
}

Test(chunker, only_oversize_reports_at_eof)
{
	/* One unterminated oversize line: nothing delivered, reported by the 0 return. */
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, "abcdefgh", 8, NULL), 0);
	scrm_chunker *c;
	cr_assert_eq(scrm_chunker_create(&c, s, 3), 0);
	char buf[4 + SCRM_PADDING];
	scrm_chunk_info info;
	cr_assert_eq(scrm_chunker_next(c, buf, 4, &info), 0);
	cr_assert_eq(info.n_oversize, 1);
	cr_assert_eq(info.oversize[0].offset, 0);
	cr_assert_eq(info.oversize[0].line, 1);
	cr_assert_eq(info.oversize[0].length, 8);
	cr_assert_eq(scrm_chunker_offset(c), 8);
	scrm_chunker_free(c);
	scrm_source_close(s);
}

/* 40 oversize lines in a row: more than one chunk's report slots. None is dropped: they
 * come over several fills (0-length chunks with reports until the slots can take the
 * rest), each with its exact offset and line, and eof is only reported at the end. */
Test(chunker, more_than_max_oversize_are_all_reported)
{
	bytes in = {0};
	for (int i = 0; i < 40; i++)
		bytes_add(&in, "toolong\n", 8);
	bytes_add(&in, "ok\n", 3);
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, in.p, in.len, NULL), 0);
	scrm_chunker *c;
	cr_assert_eq(scrm_chunker_create(&c, s, 3), 0);
	char buf[1000 + SCRM_PADDING];
	scrm_chunk_info info;
	unsigned seen = 0, fills = 0;
	bool got_ok = false;
	while (!scrm_chunker_eof(c)) {
		ssize_t n = scrm_chunker_next(c, buf, 1000, &info);
		cr_assert_geq(n, 0);
		cr_assert_eq(info.oversize_dropped, 0);
		for (unsigned k = 0; k < info.n_oversize; k++, seen++) {
			cr_assert_eq(info.oversize[k].offset, 8 * seen);
			cr_assert_eq(info.oversize[k].line, seen + 1);
			cr_assert_eq(info.oversize[k].length, 7);
		}
		if (n > 0) {
			cr_assert_eq(n, 3);
			cr_assert_eq(memcmp(buf, "ok\n", 3), 0);
			cr_assert_eq(info.base_offset, 320);
			cr_assert_eq(info.base_line, 41);
			got_ok = true;
		}
		cr_assert_lt(++fills, 20, "no progress");
	}
	cr_assert_eq(seen, 40);
	cr_assert(got_ok);
	cr_assert_gt(fills, 2, "40 reports cannot fit in one fill of %d slots", SCRM_CHUNK_MAX_OVERSIZE);
	scrm_chunker_free(c);
	scrm_source_close(s);
	bytes_free(&in);
}

Test(chunker, empty_input_and_bad_args)
{
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, "", 0, NULL), 0);
	scrm_chunker *c;
	cr_assert_eq(scrm_chunker_create(&c, s, 0), -EINVAL);
	cr_assert_eq(scrm_chunker_create(&c, s, 8), 0);
	char buf[16 + SCRM_PADDING];
	scrm_chunk_info info;
	cr_assert_eq(scrm_chunker_next(c, buf, 8, &info), -EINVAL); /* cap must exceed max_record */
	cr_assert_eq(scrm_chunker_next(c, buf, 16, &info), 0);
	cr_assert_eq(info.n_oversize, 0);
	cr_assert_eq(info.base_offset, 0);
	cr_assert_eq(scrm_chunker_next(c, buf, 16, NULL), 0);
	cr_assert_eq(scrm_chunker_offset(c), 0);
	scrm_chunker_free(c);
	scrm_chunker_free(NULL);
	scrm_source_close(s);
}

/* A zstd frame of @text, then the start of a corrupt one. */
static bytes damaged_stream(const char *text)
{
	bytes z = zstd_frame(text, strlen(text), 1);
	bytes_add(&z, "\x28\xB5\x2F\xFD\xff\xff\xff\xff\xff\xff", 10);
	return z;
}

Test(chunker, source_error_is_returned)
{
	/* A corrupt zstd stream after some good lines: the lines, then -EBADMSG; the
	 * unfinished line is what the chunker holds (scrm_chunker_pending). */
	bytes z = damaged_stream("one\ntwo\nthr");
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, NULL), 0);
	scrm_chunker *c;
	cr_assert_eq(scrm_chunker_create(&c, s, 8), 0);
	char buf[64 + SCRM_PADDING];
	scrm_chunk_info info;
	cr_assert_eq(scrm_chunker_next(c, buf, 64, &info), 8);
	cr_assert_eq(memcmp(buf, "one\ntwo\n", 8), 0);
	cr_assert_eq(scrm_chunker_next(c, buf, 64, &info), -EBADMSG);
	cr_assert_eq(scrm_chunker_next(c, buf, 64, &info), -EBADMSG);
	unsigned long long off, line, q;
	cr_assert_eq(scrm_chunker_pending(c, &off, &line, &q), 3); /* "thr" */
	cr_assert_eq(off, 8);
	cr_assert_eq(line, 3);
	cr_assert_eq(q, 0);
	scrm_chunker_free(c);
	scrm_source_close(s);
	bytes_free(&z);
}

/* A CSV record behind an open quote when the stream stops short (a followed file, a
 * pipe, here a damaged stream): all of it is pending, with the line breaks it holds. */
Test(chunker, pending_csv_record_behind_an_open_quote)
{
	const char *csv = "id,channel,text\n1,a,x\n2,a,\"open\n3,a,y\n4,a,z\n";
	bytes z = damaged_stream(csv);
	scrm_source *s;
	cr_assert_eq(scrm_source_open_mem(&s, z.p, z.len, NULL), 0);
	scrm_chunker *c;
	cr_assert_eq(scrm_chunker_create(&c, s, 64), 0);
	scrm_chunker_set_csv(c, true);
	char buf[128 + SCRM_PADDING];
	scrm_chunk_info info;
	unsigned long long off, line, q;
	cr_assert_eq(scrm_chunker_pending(c, &off, &line, &q), 0);
	cr_assert_eq(scrm_chunker_next(c, buf, 128, &info), 22); /* the header and row 1 */
	cr_assert_eq(scrm_chunker_next(c, buf, 128, &info), -EBADMSG);
	cr_assert_eq(scrm_chunker_pending(c, &off, &line, &q), strlen(csv) - 22);
	cr_assert_eq(off, 22);
	cr_assert_eq(line, 3);
	cr_assert_eq(q, 3); /* the rows 3 and 4 behind the open quote, and its own line break */
	scrm_chunker_free(c);
	scrm_source_close(s);
	bytes_free(&z);
}

/* With a target, chunks stay near the target; a line longer than the target (but within
 * max_record) still arrives whole, and the concatenation is the input. */
Test(chunker, target_limits_chunk_size_but_not_line_size)
{
	size_t n = 0, cap = 4096, max_record = 4000, target = 256;
	char *in = malloc(200000);
	for (int i = 0; i < 2000; i++) {
		size_t len = (i % 97 == 0) ? 3000 : (size_t)(i % 50);
		memset(in + n, 'a' + i % 26, len);
		n += len;
		in[n++] = '\n';
	}
	scrm_source *s;
	scrm_chunker *c;
	cr_assert_eq(scrm_source_open_mem(&s, in, n, "mem"), 0);
	cr_assert_eq(scrm_chunker_create(&c, s, max_record), 0);
	scrm_chunker_set_target(c, target);
	char *buf = malloc(cap + SCRM_PADDING);
	size_t got = 0, chunks = 0, small = 0;
	scrm_chunk_info info;
	ssize_t k;
	while ((k = scrm_chunker_next(c, buf, cap, &info)) > 0) {
		cr_assert_eq(info.base_offset, got);
		cr_assert_eq(memcmp(buf, in + got, (size_t)k), 0);
		cr_assert_eq(buf[k - 1], '\n');
		/* Over the target only when one line needed the room. */
		if ((size_t)k > target) {
			const char *first_nl = memchr(buf, '\n', (size_t)k);
			cr_assert((size_t)(first_nl - buf) + 1 > target / 2 || (size_t)k <= 2 * target,
				  "chunk of %zd bytes without a long line", k);
		} else {
			small++;
		}
		got += (size_t)k;
		chunks++;
	}
	cr_assert_eq(k, 0);
	cr_assert_eq(got, n);
	cr_assert_gt(chunks, n / 1024, "target must make many small chunks (%zu)", chunks);
	cr_assert_gt(small, chunks / 2);
	scrm_chunker_free(c);
	scrm_source_close(s);
	free(buf);
	free(in);
}

/* ---- following a file (scrm_source_opts.follow) ---- */

static void append_bytes(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void append_file(const char *path, const char *text)
{
	append_bytes(path, text, strlen(text));
}

/* Read once into a fresh buffer and compare with @want. */
static void read_expect(scrm_source *s, const char *want)
{
	char buf[256];
	ssize_t n = scrm_source_read(s, buf, sizeof buf);
	cr_assert_eq(n, (ssize_t)strlen(want), "read %zd bytes, want \"%s\"", n, want);
	cr_assert(!memcmp(buf, want, (size_t)n));
}

typedef struct {
	const char *path;
	const void *data;
	size_t len;
	int delay_ms;
} later_append;

static void *append_later(void *arg)
{
	later_append *a = arg;
	usleep((useconds_t)a->delay_ms * 1000);
	append_bytes(a->path, a->data, a->len);
	return NULL;
}

Test(source, follow_reads_growth_truncation_and_rotation)
{
	int stop[2];
	cr_assert_eq(pipe(stop), 0);
	for (int uring = 0; uring < 2; uring++) {
		char *path = write_temp("a1\n", 3);
		scrm_source_opts o = {.no_uring = !uring, .quiet = true, .watch_stop = true, .stop_fd = stop[0],
				      .follow = true};
		scrm_source *s;
		char err[256];
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		read_expect(s, "a1\n");
		/* appended before the read: no wait */
		append_file(path, "a2\n");
		read_expect(s, "a2\n");
		/* appended while the read waits at the end: the watch wakes it */
		pthread_t t;
		later_append la = {path, "a3\n", 3, 150};
		cr_assert_eq(pthread_create(&t, NULL, append_later, &la), 0);
		read_expect(s, "a3\n");
		pthread_join(t, NULL);
		cr_assert_null(scrm_source_follow_end(s));
		struct stat st1, st2;
		cr_assert_eq(scrm_source_file_stat(s, &st1), 0);
		cr_assert_eq(stat(path, &st2), 0);
		cr_assert_eq(st1.st_ino, st2.st_ino);

		/* truncated (copytruncate): the end, and why */
		cr_assert_eq(truncate(path, 0), 0);
		append_file(path, "b\n");
		char buf[64];
		cr_assert_eq(scrm_source_read(s, buf, sizeof buf), 0);
		cr_assert_str_eq(scrm_source_follow_end(s), "truncated");
		cr_assert_eq(scrm_source_read(s, buf, sizeof buf), 0, "stays at its end");
		scrm_source_close(s);

		/* renamed away and created again: the old file's last bytes first, then the end */
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		read_expect(s, "b\n");
		char old[300];
		snprintf(old, sizeof old, "%s.1", path);
		cr_assert_eq(rename(path, old), 0);
		append_file(old, "b2\n"); /* the writer still had the old file open */
		append_file(path, "c\n");
		read_expect(s, "b2\n");
		cr_assert_eq(scrm_source_read(s, buf, sizeof buf), 0);
		cr_assert_str_eq(scrm_source_follow_end(s), "replaced by a new file");
		scrm_source_close(s);

		/* renamed and created again empty while the writer still appends to the old
		 * file (logrotate's create, before the application reopens): the old file is
		 * read on, past a check of the name, until the new one holds data */
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		read_expect(s, "c\n");
		char old2[300];
		snprintf(old2, sizeof old2, "%s.2", path);
		cr_assert_eq(rename(path, old2), 0);
		int nfd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		cr_assert_geq(nfd, 0);
		close(nfd);
		la = (later_append){old2, "c2\n", 3, 1300}; /* after a check of the name */
		cr_assert_eq(pthread_create(&t, NULL, append_later, &la), 0);
		read_expect(s, "c2\n");
		pthread_join(t, NULL);
		append_file(path, "c\n"); /* the writer reopened */
		cr_assert_eq(scrm_source_read(s, buf, sizeof buf), 0);
		cr_assert_str_eq(scrm_source_follow_end(s), "replaced by a new file");
		scrm_source_close(s);
		unlink(old2);

		/* deleted and not yet created again: the old file is read on meanwhile */
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		read_expect(s, "c\n");
		cr_assert_eq(unlink(path), 0);
		la = (later_append){path, "d\n", 2, 1500}; /* after a check of the name */
		cr_assert_eq(pthread_create(&t, NULL, append_later, &la), 0);
		cr_assert_eq(scrm_source_read(s, buf, sizeof buf), 0);
		cr_assert_str_eq(scrm_source_follow_end(s), "replaced by a new file");
		pthread_join(t, NULL);
		scrm_source_close(s);

		/* the stop pipe ends a wait, not as an end of stream */
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		read_expect(s, "d\n");
		cr_assert_eq(write(stop[1], "x", 1), 1);
		cr_assert_eq(scrm_source_read(s, buf, sizeof buf), -ECANCELED);
		cr_assert_null(scrm_source_follow_end(s));
		scrm_source_close(s);
		/* ... also the wait of an empty file's open for its first bytes */
		cr_assert_eq(truncate(path, 0), 0);
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), -ECANCELED);
		cr_assert_eq(read(stop[0], buf, 1), 1);

		/* an empty file: open waits for its first bytes, and detects zstd from them */
		bytes z = zstd_frame("z1\nz2\n", 6, 1);
		la = (later_append){path, z.p, z.len, 150};
		cr_assert_eq(pthread_create(&t, NULL, append_later, &la), 0);
		cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
		pthread_join(t, NULL);
		read_expect(s, "z1\nz2\n");
		scrm_source_close(s);
		bytes_free(&z);

		unlink(old);
		unlink(path);
		free(path);
	}
	close(stop[0]);
	close(stop[1]);
}

Test(source, follow_is_off_for_stdin_and_unfollowed_files)
{
	char *path = write_temp("x\n", 2);
	scrm_source_opts o = {.quiet = true};
	scrm_source *s;
	char err[256], buf[16];
	cr_assert_eq(scrm_source_open(&s, path, &o, err, sizeof err), 0, "%s", err);
	read_expect(s, "x\n");
	cr_assert_eq(scrm_source_read(s, buf, sizeof buf), 0, "an end without waiting");
	cr_assert_null(scrm_source_follow_end(s));
	cr_assert_eq(scrm_source_waited_ns(s), 0);
	struct stat st;
	cr_assert_eq(scrm_source_file_stat(s, &st), 0);
	scrm_source_close(s);
	cr_assert_eq(scrm_source_open_mem(&s, "m\n", 2, NULL), 0);
	cr_assert_eq(scrm_source_file_stat(s, &st), -ENOTSUP);
	cr_assert_null(scrm_source_follow_end(s));
	scrm_source_close(s);
	unlink(path);
	free(path);
}
