/*
 * fuzz_chunker.c - libFuzzer target for the chunker and the zstd source.
 *
 * Input: byte 0 picks max_record (1..64), byte 1 picks cap (max_record+1 ..
 * 3*max_record+1), byte 2 bit 0 asks to zstd-compress the stream first; the rest is
 * the stream. A stream that starts with a zstd magic is decoded by the source itself,
 * so the reference decodes it too and, if the data is bad, expects -EBADMSG after a
 * prefix of the good output. Checks: delivered bytes == stream minus oversize lines,
 * chunks end at '\n' (except the stream's last line), base offsets/lines and oversize
 * reports equal the obvious splitter's, the chunker's offset ends at the stream length.
 * Byte 2 bits 1-3 also run the stream through gzip, bzip2 and xz (compressed here by
 * their libraries, as one member) with the same checks. A stream that starts with a
 * gzip, bzip2 or xz magic is run unchecked against a reference (ASan and UBSan watch
 * the decoders' wrapper; the run must end in 0 or -EBADMSG, every chunk within cap).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader */
#include <zstd.h>

#include "buf.h"
#include "codec.h"
#include "source.h"
#include "fuzz.h"

/* Reference decoding stops here: a few bytes of zstd can declare gigabytes. */
#define REF_MAX_OUT ((size_t)1 << 20)

typedef struct ref_line {
	unsigned long long off, line, len;
	int unterminated; /* the stream's last line, without a '\n' */
} ref_line;

typedef struct ref_split {
	unsigned char *out;
	size_t out_len;
	ref_line *kept, *over;
	size_t nkept, nover;
} ref_split;

static int ref_split_run(ref_split *r, const unsigned char *in, size_t n, size_t max_record)
{
	memset(r, 0, sizeof *r);
	r->out = malloc(n + 1);
	r->kept = malloc((n + 1) * sizeof *r->kept);
	r->over = malloc((n + 1) * sizeof *r->over);
	if (!r->out || !r->kept || !r->over)
		return -ENOMEM;
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
			memcpy(r->out + r->out_len, in + i, take);
			r->out_len += take;
		}
		i += take;
	}
	return 0;
}

static void ref_split_free(ref_split *r)
{
	free(r->out);
	free(r->kept);
	free(r->over);
}

/* Decode all frames, at most `step` output bytes per call; returns 0 if the data is
 * good, 1 if bad (*out holds what decoded before the bad spot; it is reused by the next
 * call), -1 if the output would be too big to check. On an error zstd does not report the output of the failing
 * call, so to know everything that can come out before an error, decode again with
 * step 1. */
static int ref_decode_step(const unsigned char *in, size_t n, size_t step, unsigned char **out,
			   size_t *out_len)
{
	/* Contexts are reused across runs: creating them dominates a run's cost. */
	static ZSTD_DCtx *d;
	if (!d)
		d = ZSTD_createDCtx();
	CHECK(d);
	ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
	/* the window the engine allows (source.c: up to 2 GiB, for --long archives) */
	CHECK(!ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 31)));
	/* The output buffer is kept too: fresh megabytes cost page faults every run. */
	static unsigned char *o;
	static size_t room;
	if (!o) {
		room = 1 << 16;
		o = malloc(room);
	}
	CHECK(o);
	ZSTD_inBuffer ib = {in, n, 0};
	ZSTD_outBuffer ob = {o, 0, 0};
	size_t ret = 0;
	int rc = 0;
	for (;;) {
		if (ib.pos == ib.size && ret == 0)
			break;
		size_t in0 = ib.pos, out0 = ob.pos;
		size_t want = ob.pos + step < REF_MAX_OUT + 1 ? ob.pos + step : REF_MAX_OUT + 1;
		if (want > room) {
			room = want > 2 * room ? want : 2 * room;
			o = realloc(o, room);
			CHECK(o);
			ob.dst = o;
		}
		ob.size = want;
		ret = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(ret)) {
			rc = 1;
			break;
		}
		if (ob.pos > REF_MAX_OUT) {
			rc = -1;
			break;
		}
		if (ib.pos == in0 && ob.pos == out0) {
			rc = 1; /* truncated */
			break;
		}
	}
	*out = o;
	*out_len = ob.pos;
	return rc;
}

/* Whether a frame of the stream asks for a window over zstd's default 128 MiB: both
 * decoders would allocate it (up to 2 GiB) on every such run, past the fuzzer's memory
 * limit, so those inputs are left out (e2e.sh reads a --long=28 archive). */
static bool wants_big_window(const unsigned char *p, size_t n)
{
	while (n) {
		ZSTD_frameHeader h;
		if (ZSTD_getFrameHeader(&h, p, n) != 0)
			return false; /* bad or cut: both decoders say so */
		if (h.frameType == ZSTD_frame && h.windowSize > ((unsigned long long)1 << 27))
			return true;
		size_t fs = ZSTD_findFrameCompressedSize(p, n);
		if (ZSTD_isError(fs) || fs > n)
			return false;
		p += fs;
		n -= fs;
	}
	return false;
}

static int ref_decode(const unsigned char *in, size_t n, unsigned char **out, size_t *out_len)
{
	int rc = ref_decode_step(in, n, (size_t)1 << 20, out, out_len);
	if (rc != 1)
		return rc;
	return ref_decode_step(in, n, 1, out, out_len);
}

/* A stream the chunker may refuse as UTF-16/32: every wide first unit it looks for
 * has a NUL byte among the stream's first 8 (a superset, independent of source.c). */
static bool looks_wide(const unsigned char *p, size_t n)
{
	return memchr(p, 0, n < 8 ? n : 8) != NULL;
}

/* Chunker settings of this input (its third byte): fill to the target where reads never
 * wait (scrm_chunker_set_fill), and a target below the buffer. */
static bool g_fill;
static size_t g_target;

static void set_up(scrm_chunker *c)
{
	scrm_chunker_set_fill(c, g_fill);
	scrm_chunker_set_target(c, g_target);
}

static void run(const unsigned char *stream, size_t n, const unsigned char *ref_in, size_t ref_n,
		bool expect_error, size_t max_record, size_t cap)
{
	ref_split r;
	CHECK(ref_split_run(&r, ref_in, ref_n, max_record) == 0);
	scrm_source *s;
	CHECK(scrm_source_open_mem(&s, stream, n, "fuzz") == 0);
	scrm_chunker *c;
	CHECK(scrm_chunker_create(&c, s, max_record) == 0);
	set_up(c);
	size_t pos = 0, ki = 0, oi = 0;
	bool unterminated = false;
	ssize_t got;
	for (;;) {
		/* A fresh buffer per call: the chunker may not rely on the previous one. */
		char *buf = malloc(cap + SCRM_PADDING);
		CHECK(buf);
		scrm_chunk_info info;
		got = scrm_chunker_next(c, buf, cap, &info);
		if (got == -EILSEQ) {
			/* refused as UTF-16/32, before delivering anything */
			CHECK(looks_wide(ref_in, ref_n) && pos == 0);
			free(buf);
			scrm_chunker_free(c);
			scrm_source_close(s);
			ref_split_free(&r);
			return;
		}
		if (got < 0) {
			free(buf);
			break;
		}
		CHECK((size_t)got <= cap);
		CHECK(info.n_oversize <= SCRM_CHUNK_MAX_OVERSIZE);
		CHECK(info.oversize_dropped == 0); /* reads are sized so no report is dropped */
		for (unsigned k = 0; k < info.n_oversize; k++) {
			CHECK(oi + k < r.nover);
			CHECK(info.oversize[k].offset == r.over[oi + k].off);
			CHECK(info.oversize[k].line == r.over[oi + k].line);
			CHECK(info.oversize[k].length == r.over[oi + k].len);
			CHECK(info.oversize[k].unterminated == r.over[oi + k].unterminated);
		}
		oi += info.n_oversize;
		if (got == 0) {
			free(buf);
			/* 0 with reports can come before the end: only eof ends the stream. */
			if (scrm_chunker_eof(c) || !info.n_oversize)
				break;
			continue;
		}
		CHECK(!unterminated);
		CHECK(pos + (size_t)got <= r.out_len);
		CHECK(memcmp(buf, r.out + pos, (size_t)got) == 0);
		CHECK(ki < r.nkept);
		CHECK(info.base_offset == r.kept[ki].off);
		CHECK(info.base_line == r.kept[ki].line);
		unsigned nl = 0; /* the line ends recorded: the chunk's first '\n's */
		for (ssize_t i = 0; i < got; i++)
			if (buf[i] == '\n') {
				CHECK(nl >= SCRM_CHUNK_LINES || (nl < info.n_lines && info.line_end[nl] == (uint32_t)i));
				nl++;
				ki++;
			}
		CHECK(info.n_lines == (nl < SCRM_CHUNK_LINES ? nl : SCRM_CHUNK_LINES));
		if (buf[got - 1] != '\n') {
			unterminated = true;
			ki++;
			if (!expect_error)
				CHECK(pos + (size_t)got == r.out_len);
		}
		pos += (size_t)got;
		free(buf);
	}
	if (expect_error) {
		/* Good output first, then the error (an unterminated tail may be cut). */
		CHECK(got == -EBADMSG);
	} else {
		CHECK(got == 0);
		CHECK(pos == r.out_len);
		CHECK(ki == r.nkept);
		CHECK(oi == r.nover);
		CHECK(scrm_chunker_offset(c) == ref_n);
	}
	scrm_chunker_free(c);
	scrm_source_close(s);
	ref_split_free(&r);
}

/* Drive the chunker over a stream no reference decodes (a gzip/bzip2/xz magic
 * followed by anything): it must end cleanly or with -EBADMSG. */
static void run_unchecked(const unsigned char *stream, size_t n, size_t max_record, size_t cap)
{
	scrm_source *s;
	CHECK(scrm_source_open_mem(&s, stream, n, "fuzz") == 0);
	scrm_chunker *c;
	CHECK(scrm_chunker_create(&c, s, max_record) == 0);
	set_up(c);
	char *buf = malloc(cap + SCRM_PADDING);
	CHECK(buf);
	ssize_t got;
	scrm_chunk_info info;
	while ((got = scrm_chunker_next(c, buf, cap, &info)) > 0)
		CHECK((size_t)got <= cap);
	CHECK(got == 0 || got == -EBADMSG || got == -EILSEQ);
	free(buf);
	scrm_chunker_free(c);
	scrm_source_close(s);
}

/* stream compressed as one member of gzip (0), bzip2 (1) or xz (2); NULL if the
 * library refuses (it never should). */
static unsigned char *compress_with(int codec, const unsigned char *p, size_t n, size_t *len)
{
	size_t room = n + n / 2 + 1024;
	unsigned char *o = malloc(room);
	CHECK(o);
	if (codec == 0) {
		z_stream z = {0};
		CHECK(deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
		z.next_in = (Bytef *)p;
		z.avail_in = (uInt)n;
		z.next_out = o;
		z.avail_out = (uInt)room;
		CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
		*len = room - z.avail_out;
		deflateEnd(&z);
	} else if (codec == 1) {
		unsigned l = (unsigned)room;
		CHECK(BZ2_bzBuffToBuffCompress((char *)o, &l, (char *)p, (unsigned)n, 1, 0, 0) == BZ_OK);
		*len = l;
	} else {
		size_t pos = 0;
		CHECK(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, p, n, o, &pos, room) == LZMA_OK);
		*len = pos;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t max_record = 1 + data[0] % 64;
	size_t cap = max_record + 1 + data[1] % (2 * max_record + 1);
	bool compress = data[2] & 1;
	g_fill = data[2] & 2;
	g_target = data[2] & 4 ? cap / 2 : 0;
	const unsigned char *stream = data + 3;
	size_t n = size - 3;

	uint32_t magic = n >= 4 ? (uint32_t)stream[0] | (uint32_t)stream[1] << 8 |
					  (uint32_t)stream[2] << 16 | (uint32_t)stream[3] << 24
				: 0;
	bool is_zstd = n >= 4 && (magic == ZSTD_MAGICNUMBER ||
				  (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START);
	if (scrm_codec_detect(stream, n)) {
		run_unchecked(stream, n, max_record, cap);
		return 0;
	}
	if (is_zstd) {
		if (wants_big_window(stream, n))
			return 0;
		unsigned char *plain;
		size_t plain_len;
		int bad = ref_decode(stream, n, &plain, &plain_len);
		if (bad >= 0)
			run(stream, n, plain, plain_len, bad == 1, max_record, cap);
		return 0;
	}
	run(stream, n, stream, n, false, max_record, cap);
	if (compress) {
		size_t bound = ZSTD_compressBound(n);
		unsigned char *z = malloc(bound);
		CHECK(z);
		static ZSTD_CCtx *cc;
		if (!cc)
			cc = ZSTD_createCCtx();
		CHECK(cc);
		size_t zn = ZSTD_compressCCtx(cc, z, bound, stream, n, 1);
		CHECK(!ZSTD_isError(zn));
		run(z, zn, stream, n, false, max_record, cap);
		free(z);
	}
	for (int codec = 0; codec < 3; codec++) {
		if (!(data[2] & 2 << codec))
			continue;
		size_t zn;
		unsigned char *z = compress_with(codec, stream, n, &zn);
		run(z, zn, stream, n, false, max_record, cap);
		free(z);
	}
	return 0;
}
