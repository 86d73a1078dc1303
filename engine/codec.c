/*
 * codec.c - gzip, bzip2 and xz decompression for archived corpora (see codec.h).
 *
 * One stepping interface over zlib, libbz2 and liblzma, so that source.c wraps any of
 * them with one read loop. Each codec decodes concatenated members (`cat a.gz b.gz`,
 * pbzip2's multi-stream output, xz's concatenated streams) as the command-line tools
 * do: after the end of one member, more input is another member.
 */
#include "codec.h"

#include <bzlib.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- gzip (zlib) ---- */

static void *gz_init(void)
{
	z_stream *z = calloc(1, sizeof *z);
	if (z && inflateInit2(z, 16 + MAX_WBITS) != Z_OK) { /* gzip wrapper only */
		free(z);
		z = NULL;
	}
	return z;
}

static int gz_step(void *st, scrm_codec_io *io, const char **detail)
{
	z_stream *z = st;
	z->next_in = (Bytef *)io->in;
	z->avail_in = (uInt)(io->in_len > UINT32_MAX ? UINT32_MAX : io->in_len);
	z->next_out = io->out;
	z->avail_out = (uInt)(io->out_len > UINT32_MAX ? UINT32_MAX : io->out_len);
	size_t in0 = z->avail_in, out0 = z->avail_out;
	int rc = inflate(z, Z_NO_FLUSH);
	io->in += in0 - z->avail_in;
	io->in_len -= in0 - z->avail_in;
	io->out += out0 - z->avail_out;
	io->out_len -= out0 - z->avail_out;
	if (rc == Z_STREAM_END)
		return SCRM_CODEC_END;
	if (rc == Z_OK || rc == Z_BUF_ERROR) /* BUF_ERROR: no progress possible, not fatal */
		return SCRM_CODEC_OK;
	*detail = z->msg ? z->msg : rc == Z_MEM_ERROR ? "out of memory" : "corrupt data";
	return rc == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
}

static int gz_reset(void *st)
{
	return inflateReset(st) == Z_OK ? 0 : -EBADMSG;
}

static void gz_end(void *st)
{
	inflateEnd(st);
	free(st);
}

/* ---- bzip2 (libbz2) ---- */

static void *bz_init(void)
{
	bz_stream *b = calloc(1, sizeof *b);
	if (b && BZ2_bzDecompressInit(b, 0, 0) != BZ_OK) {
		free(b);
		b = NULL;
	}
	return b;
}

static int bz_step(void *st, scrm_codec_io *io, const char **detail)
{
	bz_stream *b = st;
	b->next_in = (char *)io->in;
	b->avail_in = (unsigned)(io->in_len > UINT32_MAX ? UINT32_MAX : io->in_len);
	b->next_out = (char *)io->out;
	b->avail_out = (unsigned)(io->out_len > UINT32_MAX ? UINT32_MAX : io->out_len);
	size_t in0 = b->avail_in, out0 = b->avail_out;
	int rc = BZ2_bzDecompress(b);
	io->in += in0 - b->avail_in;
	io->in_len -= in0 - b->avail_in;
	io->out += out0 - b->avail_out;
	io->out_len -= out0 - b->avail_out;
	if (rc == BZ_STREAM_END)
		return SCRM_CODEC_END;
	if (rc == BZ_OK)
		return SCRM_CODEC_OK;
	*detail = rc == BZ_MEM_ERROR ? "out of memory" : rc == BZ_DATA_ERROR_MAGIC ? "not bzip2 data"
										    : "corrupt data";
	return rc == BZ_MEM_ERROR ? -ENOMEM : -EBADMSG;
}

static int bz_reset(void *st)
{
	bz_stream *b = st;
	BZ2_bzDecompressEnd(b);
	memset(b, 0, sizeof *b);
	return BZ2_bzDecompressInit(b, 0, 0) == BZ_OK ? 0 : -ENOMEM;
}

static void bz_end(void *st)
{
	BZ2_bzDecompressEnd(st);
	free(st);
}

/* ---- xz (liblzma) ---- */

static void *xz_init(void)
{
	lzma_stream *x = malloc(sizeof *x);
	if (!x)
		return NULL;
	*x = (lzma_stream)LZMA_STREAM_INIT;
	/* LZMA_CONCATENATED: the decoder itself takes stream after stream (and the
	 * padding between them), so a member end is only the end of all input */
	if (lzma_stream_decoder(x, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
		free(x);
		return NULL;
	}
	return x;
}

static int xz_step(void *st, scrm_codec_io *io, const char **detail)
{
	lzma_stream *x = st;
	x->next_in = io->in;
	x->avail_in = io->in_len;
	x->next_out = io->out;
	x->avail_out = io->out_len;
	/* LZMA_FINISH once the input is known to be over (io->in_eof), so a truncated
	 * stream is an error rather than a decoder waiting for more */
	lzma_ret rc = lzma_code(x, io->in_eof ? LZMA_FINISH : LZMA_RUN);
	io->out_len -= (size_t)(x->next_out - io->out);
	io->out = x->next_out;
	io->in_len -= (size_t)(x->next_in - io->in);
	io->in = x->next_in;
	if (rc == LZMA_STREAM_END)
		return SCRM_CODEC_END;
	if (rc == LZMA_OK || rc == LZMA_BUF_ERROR)
		return rc == LZMA_BUF_ERROR && io->in_eof ? (*detail = "truncated xz data", -EBADMSG) : SCRM_CODEC_OK;
	*detail = rc == LZMA_MEM_ERROR ? "out of memory" : rc == LZMA_FORMAT_ERROR ? "not xz data" : "corrupt data";
	return rc == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
}

static int xz_reset(void *st)
{
	(void)st; /* never called: the decoder takes concatenated streams itself */
	return -EBADMSG;
}

static void xz_end(void *st)
{
	lzma_end(st);
	free(st);
}

static const scrm_codec codecs[] = {
	{"gzip", gz_init, gz_step, gz_reset, gz_end},
	{"bzip2", bz_init, bz_step, bz_reset, bz_end},
	{"xz", xz_init, xz_step, xz_reset, xz_end},
};

bool scrm_codec_needs_more(const unsigned char *p, size_t n)
{
	return n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9';
}

const scrm_codec *scrm_codec_detect(const unsigned char *p, size_t n)
{
	if (n >= 3 && p[0] == 0x1F && p[1] == 0x8B && p[2] == 8)
		return &codecs[0];
	static const unsigned char block[6] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59}; /* pi */
	static const unsigned char eos[6] = {0x17, 0x72, 0x45, 0x38, 0x50, 0x90};  /* sqrt(pi) */
	if (n >= SCRM_CODEC_MAGIC_MAX && scrm_codec_needs_more(p, n) &&
	    (!memcmp(p + 4, block, 6) || !memcmp(p + 4, eos, 6)))
		return &codecs[1];
	if (n >= 4 && p[0] == 0xFD && p[1] == '7' && p[2] == 'z' && p[3] == 'X')
		return &codecs[2];
	return NULL;
}
