/*
 * codec.h - the decompressors for archived corpora besides zstd: gzip, bzip2, xz.
 *
 * source.c detects them by their magic bytes, as it does zstd, and wraps the source in
 * one read loop over this stepping interface (engine/codec.c implements it with zlib,
 * libbz2 and liblzma).
 */
#ifndef SCRM_CODEC_H
#define SCRM_CODEC_H

#include <stdbool.h>
#include <stddef.h>

/* One step's buffers: the step consumes from in and writes to out, advancing both. */
typedef struct scrm_codec_io {
	const unsigned char *in;
	size_t in_len;
	unsigned char *out;
	size_t out_len;
	bool in_eof; /* no input will come after in[0..in_len) */
} scrm_codec_io;

enum { SCRM_CODEC_OK = 0, SCRM_CODEC_END = 1 };

typedef struct scrm_codec {
	const char *name; /* "gzip", "bzip2", "xz" */
	void *(*init)(void); /* a decoder state, NULL when out of memory */
	/* Decode what fits: SCRM_CODEC_OK (call again with more input or room),
	 * SCRM_CODEC_END (a member ended: more input is the next member, after reset),
	 * or -EBADMSG / -ENOMEM with *detail set. */
	int (*step)(void *st, scrm_codec_io *io, const char **detail);
	int (*reset)(void *st); /* ready for the next member */
	void (*end)(void *st);
} scrm_codec;

/* The most bytes detection looks at: bzip2's "BZh" + level + a block's (or the empty
 * stream's end) 6-byte magic. */
#define SCRM_CODEC_MAGIC_MAX 10

/* The codec whose magic p[0..n) starts with, else NULL: gzip, xz from 4 bytes; bzip2
 * needs SCRM_CODEC_MAGIC_MAX (its "BZh1" is ASCII a text line can start with). */
const scrm_codec *scrm_codec_detect(const unsigned char *p, size_t n);
/* p[0..n) (n >= 4) may be a bzip2 stream: detection needs SCRM_CODEC_MAGIC_MAX bytes. */
bool scrm_codec_needs_more(const unsigned char *p, size_t n);

#endif
