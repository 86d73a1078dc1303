/*
 * ilog.c - the interaction log (see ilog.h): writer, recovery, readers, verifier.
 *
 * ON-DISK FORMAT, version 1. All integers are little-endian with the widths given;
 * there is no padding anywhere. "XXH3" is XXH3_64bits with seed 0.
 *
 * A log is a directory:
 *   ilog.meta                     the log's identity
 *   pPPPP-SSSSSSSSSSSS.seg        segment SSSSSSSSSSSS (12 decimal digits, from 1,
 *                                 consecutive) of partition PPPP (4 decimal digits)
 *   pPPPP-SSSSSSSSSSSS.seg.idx    that segment's index (optional: derived data)
 *
 * ilog.meta (24 bytes):
 *   offset  size  field
 *        0     8  magic: 73 63 72 6D 49 4C 47 4D ("scrmILGM")
 *        8     4  version: 1
 *       12     4  nparts: number of partitions, 1..4096
 *       16     8  XXH3 of bytes 0..15
 *   The meta file is also the writer's lock (flock LOCK_EX).
 *
 * Segment file: a 48-byte header, then zero or more blocks back to back, nothing else.
 *   offset  size  field
 *        0     8  magic: 73 63 72 6D 49 4C 4F 47 ("scrmILOG")
 *        8     4  version: 1
 *       12     4  partition (equals PPPP of the file name)
 *       16     4  nparts (equals the meta file's)
 *       20     4  reserved, zero
 *       24     8  segment sequence number (equals SSSSSSSSSSSS of the file name)
 *       32     8  base LSN: the LSN of the segment's first record (the previous
 *                 segment's base LSN plus its record count; 0 for the first segment)
 *       40     8  XXH3 of bytes 0..39
 *
 * Block (one commit of one partition): a 56-byte header, F bytes of customer filter,
 * C bytes of data.
 *   offset  size  field
 *        0     4  magic: 49 4C 42 4B ("ILBK")
 *        4     4  C: compressed length, 1..ZSTD_compressBound(64 MiB)
 *        8     4  R: raw length, 1..67108864 (SCRM_ILOG_BLOCK_MAX)
 *       12     4  N: record count, 1..R/21
 *       16     4  F: filter length, a multiple of 8, <= 2N + 8; 0 exactly when the
 *                 block holds no INTERACTION
 *       20     4  reserved, zero
 *       24     8  LSN of the block's first record (the previous block's first LSN plus
 *                 its N; the segment's base LSN for its first block)
 *       32     8  XXH3 of the C data bytes
 *       40     8  XXH3 of the F filter bytes (0 when F is 0)
 *       48     8  XXH3 of bytes 0..47 of this header
 *       56     F  filter: a Bloom filter of the block's interaction customers, so a
 *                 scan for one customer decompresses only the blocks that may hold it
 *     56+F     C  one zstd frame that decompresses to exactly R bytes: N records
 *   A record's LSN is its position in the partition: 0, 1, 2, ... across segments.
 *   The filter: U = the number of distinct customers of the block's interactions,
 *   F = 8 * ceil(10 * U / 64) (ten bits a customer), m = 8F bits; bit j is bit j % 8
 *   of byte j / 8. A customer hash x sets 7 bits: z = x; z = (z ^ z >> 30) *
 *   0xBF58476D1CE4E5B9; z = (z ^ z >> 27) * 0x94D049BB133111EB; z ^= z >> 31 (64-bit
 *   wrap-around arithmetic); h1 = z mod 2^32; h2 = (z >> 32) | 1; bits
 *   (h1 + i * h2) mod m for i = 0..6 (computed in 64 bits). About 1% false positives.
 *
 * Record (inside a block's raw bytes): an 8-byte frame and an L-byte body.
 *   offset  size  field
 *        0     4  L: body length
 *        4     4  the low 32 bits of XXH3 of the body
 *        8     L  body; its first byte is the kind:
 *   INTERACTION (kind 1), L >= 25:
 *        0     1  kind: 1
 *        1     8  customer key hash; the record is in partition hash % nparts
 *        9     8  ts_ms: event time, ms since 1970-01-01 UTC, two's complement
 *       17     8  seq: the writer's record sequence number
 *       25  L-25  payload, opaque (by convention one compact JSON object)
 *   CHECKPOINT (kind 2), L >= 13:
 *        0     1  kind: 2
 *        1     8  commit sequence number
 *        9     4  n: number of inputs, 0..65535
 *       13        n times: 2 length K (1..4096), K bytes of input identity (no NUL
 *                 byte), 8 byte offset consumed; the inputs end exactly at L
 *
 * Index file (pPPPP-SSSSSSSSSSSS.seg.idx): which blocks of the segment hold which
 * customers' interactions, for the blocks that start before `covered`.
 *   offset  size  field
 *        0     8  magic: 73 63 72 6D 49 49 44 58 ("scrmIIDX")
 *        8     4  version: 1
 *       12     4  partition
 *       16     8  segment sequence number
 *       24     8  covered: a block boundary of the segment (48 = no block); the
 *                 blocks at offsets >= covered are not in the index
 *       32     4  K: number of customers
 *       36     4  E: number of block offsets
 *       40  16*K  K entries sorted by customer, strictly ascending:
 *                 8 customer hash, 4 first (index of its first offset; the sum of the
 *                 counts before it), 4 count (>= 1)
 *   40+16K   8*E  block offsets (of block headers in the segment), each customer's
 *                 strictly ascending
 *   40+16K+8E  8  XXH3 of every byte before it
 *   The file is exactly 48 + 16K + 8E bytes. It is written to a temporary name and
 *   renamed, when a segment is closed (rollover) and when the log is closed cleanly
 *   (covering the open segment up to its end; appends after a reopen are beyond
 *   `covered` and scanned). Recovery deletes an index that covers more than it kept.
 *
 * Recovery (scrm_ilog_open): for each partition, the last segment's header must verify
 * (else the file is deleted and the previous segment is the last); then blocks are
 * walked from offset 48 while each header (magic, header checksum, lengths within the
 * file, LSN continuity) and data checksum verify; the file is cut at the end of the
 * last such block. A commit is one write of one whole block, so a crash mid-write
 * leaves at most one partial block, which this removes.
 *
 * Readers trust nothing before it is checked: lengths are checked against the file
 * size and the format's limits before any allocation or read, checksums before
 * decompression, and every record's framing against the raw block (fuzzed:
 * tests/fuzz/fuzz_ilog.c).
 */
#include "ilog.h"
#include "buf.h"
#include "le.h"

#include <assert.h>
#include <liburing.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#define META_NAME "ilog.meta"
#define META_SIZE 24
#define SEG_HDR 48
#define BLK_HDR 56
#define BLOOM_K 7
#define IDX_HDR 40
#define FRAME 8
#define INTER_MIN 25
#define CKPT_MIN 13
#define NAME_LEN 22 /* "p0000-000000000000.seg" */
#define PATH_CAP (PATH_MAX + 32)

static const char META_MAGIC[8] = {'s', 'c', 'r', 'm', 'I', 'L', 'G', 'M'};
static const char SEG_MAGIC[8] = {'s', 'c', 'r', 'm', 'I', 'L', 'O', 'G'};
static const char IDX_MAGIC[8] = {'s', 'c', 'r', 'm', 'I', 'I', 'D', 'X'};
static const char BLK_MAGIC[4] = {'I', 'L', 'B', 'K'};

/* blk_read(): the block runs past the end of the file (a torn write, or a writer that
 * is still writing it). Internal; callers turn it into -EBADMSG or an end. */
#define BLK_TORN (-ENODATA)
/* blk_read(): the block's filter rules the wanted customer out; its data was not read. */
#define BLK_SKIP 2

/* ---- little-endian fields ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	uint8_t *b = buf;
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(fd, b + done, n - done, (off_t)(off + done));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return BLK_TORN; /* the file shrank under us */
		done += (size_t)r;
	}
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	const uint8_t *b = buf;
	size_t done = 0;
	while (done < n) {
		ssize_t w = pwrite(fd, b + done, n - done, (off_t)(off + done));
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -ENOSPC;
		done += (size_t)w;
	}
	return 0;
}

/* ---- names and listing ---- */

typedef struct seg_ref {
	uint32_t part;
	uint64_t seq;
} seg_ref;

static void seg_path(char *buf, const char *dir, uint32_t part, uint64_t seq, const char *suffix)
{
	snprintf(buf, PATH_CAP, "%s/p%04" PRIu32 "-%012" PRIu64 ".seg%s", dir, part, seq, suffix);
}

/* "p0003-000000000017.seg" -> 3, 17; anything else is not a segment. */
static int parse_seg_name(const char *s, uint32_t *part, uint64_t *seq)
{
	if (strlen(s) != NAME_LEN || s[0] != 'p' || s[5] != '-' || strcmp(s + 18, ".seg") != 0)
		return 0;
	uint32_t pa = 0;
	uint64_t sq = 0;
	for (int i = 1; i < 5; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		pa = pa * 10 + (uint32_t)(s[i] - '0');
	}
	for (int i = 6; i < 18; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		sq = sq * 10 + (uint64_t)(s[i] - '0');
	}
	if (sq == 0)
		return 0;
	*part = pa;
	*seq = sq;
	return 1;
}

static int seg_cmp(const void *a, const void *b)
{
	const seg_ref *x = a, *y = b;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Segments of partition `part` (or of all when part is UINT32_MAX), sorted by
 * (part, seq). *out is malloc'd (may be NULL when *n is 0). */
static int list_segments(const char *dir, uint32_t part, seg_ref **out, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	seg_ref *v = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		seg_ref s;
		if (!parse_seg_name(de->d_name, &s.part, &s.seq))
			continue;
		if (part != UINT32_MAX && s.part != part)
			continue;
		rc = scrm_array_grow((void **)&v, &cap, len + 1, sizeof *v, 16);
		if (rc)
			goto fail;
		v[len++] = s;
	}
	closedir(d);
	if (len)
		qsort(v, len, sizeof *v, seg_cmp);
	*out = v;
	*n = len;
	return 0;
fail:
	closedir(d);
	free(v);
	return rc;
}

/* For a directory without a meta file (or with an empty one): -EBADMSG with the reason
 * when segment files are there all the same (a damaged log, not a new one), else 0. */
static int orphan_segments(const char *dir, char *err, size_t errlen)
{
	seg_ref *segs = NULL;
	size_t nseg = 0;
	if (list_segments(dir, UINT32_MAX, &segs, &nseg))
		return 0; /* no directory: a new log */
	free(segs);
	if (!nseg)
		return 0;
	scrm_set_err(err, errlen,
		"%s: %s is missing or empty, but the directory holds %zu segment file%s: a damaged log, not a new one "
		"(restore %s, or move the directory away to start a new log)",
		dir, META_NAME, nseg, nseg == 1 ? "" : "s", META_NAME);
	return -EBADMSG;
}

/* nparts of the log in dir. -ENOENT: not a log (no meta, or an empty one). */
static int meta_read(const char *dir, uint32_t *nparts, char *err, size_t errlen)
{
	char path[PATH_CAP];
	snprintf(path, sizeof path, "%s/" META_NAME, dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && orphan_segments(dir, err, errlen))
			return -EBADMSG;
		if (e == ENOENT)
			scrm_set_err(err, errlen, "%s: not an interaction log (no %s)", dir, META_NAME);
		else
			scrm_set_err(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	uint8_t m[META_SIZE];
	struct stat st;
	int rc = fstat(fd, &st) ? -errno : 0;
	if (!rc && st.st_size == 0) {
		if (orphan_segments(dir, err, errlen)) {
			rc = -EBADMSG;
		} else {
			scrm_set_err(err, errlen, "%s: not an interaction log (empty %s)", dir, META_NAME);
			rc = -ENOENT;
		}
	} else if (!rc && st.st_size != META_SIZE) {
		scrm_set_err(err, errlen, "%s: bad size %lld (want %d)", path, (long long)st.st_size, META_SIZE);
		rc = -EINVAL;
	} else if (!rc && (rc = pread_all(fd, m, META_SIZE, 0)) != 0) {
		scrm_set_err(err, errlen, "%s: cannot read", path);
		rc = rc == BLK_TORN ? -EINVAL : rc;
	} else if (!rc) {
		uint32_t np = scrm_le_get32(m + 12);
		if (memcmp(m, META_MAGIC, 8) || scrm_le_get32(m + 8) != SCRM_ILOG_VERSION ||
		    scrm_le_get64(m + 16) != XXH3_64bits(m, 16) || np == 0 || np > SCRM_ILOG_MAX_PARTS) {
			scrm_set_err(err, errlen, "%s: bad header (not a version %d interaction log)", path,
				SCRM_ILOG_VERSION);
			rc = -EINVAL;
		} else {
			*nparts = np;
		}
	}
	close(fd);
	return rc;
}

/* ---- reading blocks ---- */

/* A reader's buffers, reused from block to block (allocation only when they grow). */
typedef struct blk_reader {
	ZSTD_DCtx *dctx;
	uint8_t *cbuf;
	size_t ccap;
	uint8_t *raw;
	size_t rcap;
	uint8_t *fbuf; /* the filter */
	size_t fcap;
	uint32_t clen, rlen, nrec, flen;
	uint64_t blen; /* header + filter + data */
	uint64_t first_lsn;
	scrm_ilog_input *ins; /* a checkpoint's inputs, decoded */
	size_t inscap;
} blk_reader;

static void blk_reader_free(blk_reader *b)
{
	ZSTD_freeDCtx(b->dctx);
	free(b->cbuf);
	free(b->fbuf);
	free(b->raw);
	free(b->ins);
	memset(b, 0, sizeof *b);
}

/* Decode the record at *pos of the raw block. check: verify the frame checksum and
 * structure (done once per block, in blk_read); without it the block is trusted. */
static int rec_decode(blk_reader *b, size_t *pos, scrm_ilog_rec *r, int check, const char **why)
{
	const uint8_t *p = b->raw + *pos;
	size_t left = b->rlen - *pos;
	if (left < FRAME || scrm_le_get32(p) > left - FRAME) {
		*why = "record frame runs past the block";
		return -EBADMSG;
	}
	uint32_t L = scrm_le_get32(p);
	const uint8_t *body = p + FRAME;
	if (check && (uint32_t)XXH3_64bits(body, L) != scrm_le_get32(p + 4)) {
		*why = "record checksum mismatch";
		return -EBADMSG;
	}
	memset(r, 0, sizeof *r);
	if (L >= INTER_MIN && body[0] == SCRM_ILOG_INTERACTION) {
		r->kind = SCRM_ILOG_INTERACTION;
		r->customer = scrm_le_get64(body + 1);
		r->ts_ms = (int64_t)scrm_le_get64(body + 9);
		r->seq = scrm_le_get64(body + 17);
		r->data = body + INTER_MIN;
		r->len = L - INTER_MIN;
		if (check && r->len > SCRM_ILOG_PAYLOAD_MAX) {
			*why = "payload too long";
			return -EBADMSG;
		}
	} else if (L >= CKPT_MIN && body[0] == SCRM_ILOG_CHECKPOINT) {
		r->kind = SCRM_ILOG_CHECKPOINT;
		r->commit = scrm_le_get64(body + 1);
		uint32_t n = scrm_le_get32(body + 9);
		if (n > SCRM_ILOG_CKPT_MAX || (size_t)n * 11 > L - CKPT_MIN) {
			*why = "bad checkpoint input count";
			return -EBADMSG;
		}
		if (scrm_array_grow((void **)&b->ins, &b->inscap, n ? n : 1, sizeof *b->ins, 8))
			return -ENOMEM;
		size_t q = CKPT_MIN;
		for (uint32_t i = 0; i < n; i++) {
			if (L - q < 2) {
				*why = "checkpoint input runs past the record";
				return -EBADMSG;
			}
			size_t k = (size_t)body[q] | (size_t)body[q + 1] << 8;
			if (k == 0 || k > SCRM_ILOG_INPUT_MAX || L - q - 2 < k + 8) {
				*why = "bad checkpoint input length";
				return -EBADMSG;
			}
			if (check && memchr(body + q + 2, 0, k)) {
				*why = "checkpoint input holds a NUL byte";
				return -EBADMSG;
			}
			b->ins[i].input = (const char *)body + q + 2;
			b->ins[i].input_len = k;
			b->ins[i].offset = scrm_le_get64(body + q + 2 + k);
			q += 2 + k + 8;
		}
		if (q != L) {
			*why = "checkpoint record has trailing bytes";
			return -EBADMSG;
		}
		r->inputs = b->ins;
		r->ninputs = n;
	} else {
		*why = "unknown record kind or short record";
		return -EBADMSG;
	}
	*pos += FRAME + L;
	return 0;
}

/* The filter's probe sequence of a customer (see the format). */
static void bloom_hashes(uint64_t x, uint64_t *h1, uint64_t *h2)
{
	uint64_t z = x;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	*h1 = (uint32_t)z;
	*h2 = (z >> 32) | 1;
}

static void bloom_add(uint8_t *f, uint64_t m, uint64_t x)
{
	uint64_t h1, h2;
	bloom_hashes(x, &h1, &h2);
	for (uint64_t i = 0; i < BLOOM_K; i++) {
		uint64_t j = (h1 + i * h2) % m;
		f[j / 8] |= (uint8_t)(1u << (j % 8));
	}
}

static int bloom_has(const uint8_t *f, uint64_t m, uint64_t x)
{
	uint64_t h1, h2;
	bloom_hashes(x, &h1, &h2);
	for (uint64_t i = 0; i < BLOOM_K; i++) {
		uint64_t j = (h1 + i * h2) % m;
		if (!(f[j / 8] & (1u << (j % 8))))
			return 0;
	}
	return 1;
}

static size_t bloom_bytes(size_t distinct)
{
	return 8 * ((10 * distinct + 63) / 64);
}

/*
 * Read the block at off of a segment of fsize bytes into b. decode: also decompress
 * and check every record. Returns 1 (a block), 0 (off == fsize: the end), BLK_TORN
 * (the block runs past the end of the file), -EBADMSG (corrupt; *why says what),
 * -ENOMEM or -errno.
 */
static int blk_read(blk_reader *b, int fd, uint64_t off, uint64_t fsize, int decode, const uint64_t *want,
		    const char **why)
{
	assert(off <= fsize);
	if (off == fsize)
		return 0;
	if (fsize - off < BLK_HDR) {
		*why = "torn block header";
		return BLK_TORN;
	}
	uint8_t h[BLK_HDR];
	int rc = pread_all(fd, h, BLK_HDR, off);
	if (rc) {
		*why = "torn block header";
		return rc;
	}
	if (memcmp(h, BLK_MAGIC, 4)) {
		*why = "bad block magic";
		return -EBADMSG;
	}
	if (scrm_le_get64(h + 48) != XXH3_64bits(h, 48)) {
		*why = "block header checksum mismatch";
		return -EBADMSG;
	}
	uint32_t clen = scrm_le_get32(h + 4), rlen = scrm_le_get32(h + 8), nrec = scrm_le_get32(h + 12), flen = scrm_le_get32(h + 16);
	if (clen == 0 || clen > ZSTD_compressBound(SCRM_ILOG_BLOCK_MAX) || rlen == 0 ||
	    rlen > SCRM_ILOG_BLOCK_MAX || nrec == 0 || nrec > rlen / (FRAME + CKPT_MIN) || flen % 8 ||
	    flen > 2 * (uint64_t)nrec + 8 || scrm_le_get32(h + 20) != 0 || (flen == 0 && scrm_le_get64(h + 40) != 0)) {
		*why = "bad block lengths";
		return -EBADMSG;
	}
	if ((uint64_t)clen + flen > fsize - off - BLK_HDR) {
		*why = "torn block (runs past the end of the segment)";
		return BLK_TORN;
	}
	b->clen = clen;
	b->rlen = rlen;
	b->nrec = nrec;
	b->flen = flen;
	b->blen = BLK_HDR + (uint64_t)flen + clen;
	b->first_lsn = scrm_le_get64(h + 24);
	if (flen) {
		if ((rc = scrm_array_grow((void **)&b->fbuf, &b->fcap, flen, 1, 256)))
			return rc;
		if ((rc = pread_all(fd, b->fbuf, flen, off + BLK_HDR))) {
			*why = "torn block";
			return rc;
		}
		if (XXH3_64bits(b->fbuf, flen) != scrm_le_get64(h + 40)) {
			*why = "block filter checksum mismatch";
			return -EBADMSG;
		}
	}
	if (want && (!flen || !bloom_has(b->fbuf, (uint64_t)flen * 8, *want)))
		return BLK_SKIP;
	if ((rc = scrm_array_grow((void **)&b->cbuf, &b->ccap, clen, 1, 4096)))
		return rc;
	rc = pread_all(fd, b->cbuf, clen, off + BLK_HDR + flen);
	if (rc) {
		*why = "torn block";
		return rc;
	}
	if (XXH3_64bits(b->cbuf, clen) != scrm_le_get64(h + 32)) {
		*why = "block checksum mismatch";
		return -EBADMSG;
	}
	if (!decode)
		return 1;
	if (!b->dctx && !(b->dctx = ZSTD_createDCtx()))
		return -ENOMEM;
	if ((rc = scrm_array_grow((void **)&b->raw, &b->rcap, rlen, 1, 4096)))
		return rc;
	size_t got = ZSTD_decompressDCtx(b->dctx, b->raw, rlen, b->cbuf, clen);
	if (ZSTD_isError(got) || got != rlen) {
		*why = "block does not decompress to its raw length";
		return -EBADMSG;
	}
	/* Every record's framing, and the filter against the customers: a filter that
	 * missed one would hide that customer's record from history. */
	size_t pos = 0;
	int any = 0;
	for (uint32_t i = 0; i < nrec; i++) {
		scrm_ilog_rec r;
		if ((rc = rec_decode(b, &pos, &r, 1, why)))
			return rc;
		if (r.kind == SCRM_ILOG_INTERACTION) {
			any = 1;
			if (!flen || !bloom_has(b->fbuf, (uint64_t)flen * 8, r.customer)) {
				*why = "block filter misses a customer of the block";
				return -EBADMSG;
			}
		}
	}
	if (pos != rlen) {
		*why = "block has bytes after its last record";
		return -EBADMSG;
	}
	if (!any && flen) {
		*why = "block filter without interactions";
		return -EBADMSG;
	}
	return 1;
}

/* Open a segment and check its header against its name (and nparts when non-zero). */
static int seg_open(const char *path, uint32_t part, uint64_t seq, uint32_t nparts, int flags, int *fdp,
		    uint64_t *fsize, uint64_t *base_lsn, const char **why)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	uint8_t h[SEG_HDR];
	int rc = 0;
	if (fstat(fd, &st)) {
		rc = -errno;
		goto fail;
	}
	if (st.st_size < SEG_HDR) {
		*why = "torn segment header";
		rc = -EBADMSG;
		goto fail;
	}
	if ((rc = pread_all(fd, h, SEG_HDR, 0))) {
		*why = "torn segment header";
		rc = rc == BLK_TORN ? -EBADMSG : rc;
		goto fail;
	}
	if (memcmp(h, SEG_MAGIC, 8) || scrm_le_get32(h + 8) != SCRM_ILOG_VERSION || scrm_le_get64(h + 40) != XXH3_64bits(h, 40)) {
		*why = "bad segment header (magic, version or checksum)";
		rc = -EBADMSG;
		goto fail;
	}
	if (scrm_le_get32(h + 12) != part || scrm_le_get64(h + 24) != seq || scrm_le_get32(h + 20) != 0) {
		*why = "segment header does not match its file name";
		rc = -EBADMSG;
		goto fail;
	}
	if (nparts && scrm_le_get32(h + 16) != nparts) {
		*why = "segment belongs to a log with a different partition count";
		rc = -EINVAL;
		goto fail;
	}
	*fdp = fd;
	*fsize = (uint64_t)st.st_size;
	*base_lsn = scrm_le_get64(h + 32);
	return 0;
fail:
	close(fd);
	return rc;
}

/* Call fn for each record of the decoded block in b (fn returns non-zero to stop). */
typedef int (*rec_cb)(void *ctx, const scrm_ilog_rec *r);

static int blk_each(blk_reader *b, rec_cb fn, void *ctx)
{
	size_t pos = 0;
	const char *why;
	for (uint32_t i = 0; i < b->nrec; i++) {
		scrm_ilog_rec r;
		int rc = rec_decode(b, &pos, &r, 0, &why);
		assert(rc == 0); /* blk_read checked the whole block */
		if (rc)
			return rc;
		r.lsn = b->first_lsn + i;
		if ((rc = fn(ctx, &r)))
			return rc;
	}
	return 0;
}

/* ---- index files ---- */

typedef struct ix_pair {
	uint64_t h;
	uint64_t off;
} ix_pair;

static int pair_cmp(const void *a, const void *b)
{
	const ix_pair *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sort and deduplicate the pairs, write "<seg>.idx" via a temporary and rename. */
static int idx_write(const char *dir, uint32_t part, uint64_t seq, uint64_t covered, ix_pair *ix, size_t n)
{
	if (n)
		qsort(ix, n, sizeof *ix, pair_cmp);
	size_t E = 0, K = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && ix[i].h == ix[i - 1].h && ix[i].off == ix[i - 1].off)
			continue;
		ix[E++] = ix[i];
		if (E == 1 || ix[E - 1].h != ix[E - 2].h)
			K++;
	}
	if (K > UINT32_MAX || E > UINT32_MAX)
		return -EOVERFLOW;
	size_t size = IDX_HDR + 16 * K + 8 * E + 8;
	uint8_t *b = malloc(size);
	if (!b)
		return -ENOMEM;
	memcpy(b, IDX_MAGIC, 8);
	scrm_le_put32(b + 8, SCRM_ILOG_VERSION);
	scrm_le_put32(b + 12, part);
	scrm_le_put64(b + 16, seq);
	scrm_le_put64(b + 24, covered);
	scrm_le_put32(b + 32, (uint32_t)K);
	scrm_le_put32(b + 36, (uint32_t)E);
	uint8_t *ke = b + IDX_HDR, *oe = b + IDX_HDR + 16 * K;
	size_t k = 0;
	for (size_t i = 0; i < E; i++) {
		if (i == 0 || ix[i].h != ix[i - 1].h) {
			scrm_le_put64(ke + 16 * k, ix[i].h);
			scrm_le_put32(ke + 16 * k + 8, (uint32_t)i);
			scrm_le_put32(ke + 16 * k + 12, 0);
			k++;
		}
		uint8_t *cnt = ke + 16 * (k - 1) + 12;
		scrm_le_put32(cnt, scrm_le_get32(cnt) + 1);
		scrm_le_put64(oe + 8 * i, ix[i].off);
	}
	scrm_le_put64(b + size - 8, XXH3_64bits(b, size - 8));

	char path[PATH_CAP], tmp[PATH_CAP];
	seg_path(path, dir, part, seq, ".idx");
	seg_path(tmp, dir, part, seq, ".idx.tmp");
	int rc = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out_buf;
	}
	rc = pwrite_all(fd, b, size, 0);
	if (close(fd) && !rc)
		rc = -errno;
	/* No fsync: the index is derived data, checksummed and checked against its
	 * segment; a lost or torn one only makes history scan that segment. */
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
out_buf:
	free(b);
	return rc;
}

/* A loaded, verified index. */
typedef struct idx_file {
	uint8_t *b;
	uint64_t covered;
	uint32_t K, E;
} idx_file;

/* Load and check "<seg>.idx" for a segment of fsize bytes. -ENOENT if absent,
 * -EBADMSG (with *why) if it does not verify. */
static int idx_load(const char *path, uint32_t part, uint64_t seq, uint64_t fsize, idx_file *ix, const char **why)
{
	memset(ix, 0, sizeof *ix);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st)) {
		rc = -errno;
		goto out;
	}
	/* Compressed blocks can hold any number of records, so the only bound on an
	 * index is its own size: nothing is allocated beyond what the file holds. */
	if (st.st_size < IDX_HDR + 8 || (uint64_t)st.st_size > SIZE_MAX / 2) {
		*why = "index has an impossible size";
		rc = -EBADMSG;
		goto out;
	}
	size_t size = (size_t)st.st_size;
	ix->b = malloc(size);
	if (!ix->b) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = pread_all(fd, ix->b, size, 0))) {
		*why = "index shrank while read";
		rc = rc == BLK_TORN ? -EBADMSG : rc;
		goto out;
	}
	const uint8_t *b = ix->b;
	uint64_t K = scrm_le_get32(b + 32), E = scrm_le_get32(b + 36);
	if (memcmp(b, IDX_MAGIC, 8) || scrm_le_get32(b + 8) != SCRM_ILOG_VERSION || IDX_HDR + 16 * K + 8 * E + 8 != size ||
	    scrm_le_get64(b + size - 8) != XXH3_64bits(b, size - 8)) {
		*why = "bad index (magic, version, size or checksum)";
		rc = -EBADMSG;
		goto out;
	}
	if (scrm_le_get32(b + 12) != part || scrm_le_get64(b + 16) != seq) {
		*why = "index does not match its segment";
		rc = -EBADMSG;
		goto out;
	}
	ix->covered = scrm_le_get64(b + 24);
	if (ix->covered < SEG_HDR || ix->covered > fsize) {
		*why = "index covers more than its segment";
		rc = -EBADMSG;
		goto out;
	}
	/* Structure: sorted keys, contiguous counts, ascending offsets inside covered. */
	uint64_t next = 0;
	for (uint64_t k = 0; k < K; k++) {
		const uint8_t *e = b + IDX_HDR + 16 * k;
		uint64_t first = scrm_le_get32(e + 8), cnt = scrm_le_get32(e + 12);
		if ((k && scrm_le_get64(e) <= scrm_le_get64(e - 16)) || first != next || cnt == 0 || cnt > E - first) {
			*why = "index entries out of order";
			rc = -EBADMSG;
			goto out;
		}
		const uint8_t *o = b + IDX_HDR + 16 * K + 8 * first;
		for (uint64_t j = 0; j < cnt; j++) {
			uint64_t off = scrm_le_get64(o + 8 * j);
			if (off < SEG_HDR || off >= ix->covered || (j && off <= scrm_le_get64(o + 8 * (j - 1)))) {
				*why = "index offsets out of order or range";
				rc = -EBADMSG;
				goto out;
			}
		}
		next = first + cnt;
	}
	if (next != E) {
		*why = "index offsets not all owned";
		rc = -EBADMSG;
		goto out;
	}
	ix->K = (uint32_t)K;
	ix->E = (uint32_t)E;
out:
	close(fd);
	if (rc) {
		free(ix->b);
		ix->b = NULL;
	}
	return rc;
}

/* The offsets of customer h in a loaded index (n = 0 when absent). */
static const uint8_t *idx_find(const idx_file *ix, uint64_t h, uint32_t *n)
{
	size_t lo = 0, hi = ix->K;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t v = scrm_le_get64(ix->b + IDX_HDR + 16 * mid);
		if (v < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = 0;
	if (lo == ix->K || scrm_le_get64(ix->b + IDX_HDR + 16 * lo) != h)
		return NULL;
	const uint8_t *e = ix->b + IDX_HDR + 16 * lo;
	*n = scrm_le_get32(e + 12);
	return ix->b + IDX_HDR + 16 * (size_t)ix->K + 8 * (size_t)scrm_le_get32(e + 8);
}

/* ---- the writer ---- */

/* The records of one block and how they become its bytes (ilog.h). */
struct scrm_ilog_builder {
	uint8_t *raw; /* the records, framed */
	size_t raw_len, raw_cap;
	uint32_t nrec;
	uint64_t *bh; /* the interactions' customers (sorted and unique once sealed) */
	size_t nbh, bhcap;
	ZSTD_CCtx *cctx;
	int level;
};

/* A builder's compression context and level; 0 or -ENOMEM. */
static int bb_init(scrm_ilog_builder *b, int level)
{
	b->level = level;
	return (b->cctx = ZSTD_createCCtx()) ? 0 : -ENOMEM;
}

/* What a builder holds (not the builder itself). */
static void bb_release(scrm_ilog_builder *b)
{
	ZSTD_freeCCtx(b->cctx);
	free(b->raw);
	free(b->bh);
}

typedef struct ipart {
	int fd; /* the open segment, -1 if none */
	uint32_t part;
	uint64_t seg_seq;
	uint64_t seg_size; /* bytes of whole blocks in the open segment */
	uint64_t next_lsn;
	scrm_ilog_builder bb; /* the current block's records (scrm_ilog_append) */
	uint8_t *out; /* block header + compressed data */
	size_t out_cap;
	ix_pair *ix; /* the open segment's (customer, block) pairs */
	size_t nix, ixcap;
	int unsynced;
	uint64_t last_sync_ms;
	int error; /* sticky -errno */
} ipart;

struct scrm_ilog {
	char *dir;
	int dirfd;
	int lockfd;
	uint32_t nparts;
	scrm_ilog_opts o;
	ipart **parts; /* each on its own cache lines: written by different threads */
	uint64_t truncated;
	uint32_t truncated_parts;
	struct io_uring *ring; /* scrm_ilog_sync_many(), made on its first use */
	int ring_failed;       /* io_uring_queue_init() failed: one sync after the other */
};

void scrm_ilog_opts_default(scrm_ilog_opts *o)
{
	memset(o, 0, sizeof *o);
	o->segment_bytes = 64u << 20;
	o->sync = SCRM_ILOG_SYNC_BATCH;
	o->interval_ms = 1000;
	o->zstd_level = 1;
	o->cut_seq = UINT64_MAX;
}

uint32_t scrm_ilog_nparts(const scrm_ilog *log)
{
	return log->nparts;
}

uint64_t scrm_ilog_truncated(const scrm_ilog *log, uint32_t *parts)
{
	if (parts)
		*parts = log->truncated_parts;
	return log->truncated;
}

static int part_sync(scrm_ilog *log, ipart *p)
{
	if (p->error)
		return p->error;
	if (log->o.sync == SCRM_ILOG_SYNC_NEVER || !p->unsynced || p->fd < 0)
		return 0;
	if (fdatasync(p->fd)) {
		p->error = -errno;
		return p->error;
	}
	p->unsynced = 0;
	p->last_sync_ms = now_ms();
	return 0;
}

static int part_new_segment(scrm_ilog *log, ipart *p, uint64_t seq)
{
	char path[PATH_CAP];
	seg_path(path, log->dir, p->part, seq, "");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	uint8_t h[SEG_HDR] = {0};
	memcpy(h, SEG_MAGIC, 8);
	scrm_le_put32(h + 8, SCRM_ILOG_VERSION);
	scrm_le_put32(h + 12, p->part);
	scrm_le_put32(h + 16, log->nparts);
	scrm_le_put64(h + 24, seq);
	scrm_le_put64(h + 32, p->next_lsn);
	scrm_le_put64(h + 40, XXH3_64bits(h, 40));
	int rc = pwrite_all(fd, h, SEG_HDR, 0);
	/* The segment must exist after a crash before any block in it is acknowledged. */
	if (!rc && log->o.sync != SCRM_ILOG_SYNC_NEVER && (fdatasync(fd) || fsync(log->dirfd)))
		rc = -errno;
	if (rc) {
		close(fd);
		unlink(path);
		return rc;
	}
	p->fd = fd;
	p->seg_seq = seq;
	p->seg_size = SEG_HDR;
	p->nix = 0;
	return 0;
}

/* Close the open segment: sync, index, close. */
static int part_close_segment(scrm_ilog *log, ipart *p)
{
	if (p->fd < 0)
		return 0;
	int rc = part_sync(log, p);
	/* A failed index costs history a scan of this segment, never data. */
	if (!p->error)
		(void)idx_write(log->dir, p->part, p->seg_seq, p->seg_size, p->ix, p->nix);
	p->nix = 0;
	if (close(p->fd) && !rc)
		rc = -errno;
	p->fd = -1;
	return rc;
}

static int ix_add_block(ipart *p, blk_reader *b, uint64_t off);

/* blk_each: 1 (stop) at the first interaction at or past the seq in *ctx. */
static int past_seq_cb(void *ctx, const scrm_ilog_rec *r)
{
	return r->kind == SCRM_ILOG_INTERACTION && r->seq >= *(const uint64_t *)ctx;
}


typedef struct recover_ctx {
	scrm_ilog *log;
	ipart *p;
	char *err;
	size_t errlen;
} recover_ctx;

static void report_trunc(recover_ctx *c, const char *path, uint64_t off, uint64_t bytes, int removed, const char *why)
{
	scrm_ilog_truncation t = {c->p->part, path, off, bytes, removed, why};
	c->log->truncated += bytes;
	c->log->truncated_parts++;
	if (c->log->o.on_truncate)
		c->log->o.on_truncate(c->log->o.ctx, &t);
}

/*
 * Recover one partition: make its last segment end on its last whole block and load
 * that segment's index pairs (from its index where it covers them, else by decoding).
 */
static int part_recover(recover_ctx *c, seg_ref *segs, size_t nseg)
{
	scrm_ilog *log = c->log;
	ipart *p = c->p;
	blk_reader b = {0};
	int rc = 0, fd = -1;
	char path[PATH_CAP], ipath[PATH_CAP];
	const char *why = NULL;
	uint64_t fsize = 0, base = 0;

	while (nseg) {
		seg_ref s = segs[nseg - 1];
		seg_path(path, log->dir, s.part, s.seq, "");
		rc = seg_open(path, s.part, s.seq, log->nparts, O_RDWR, &fd, &fsize, &base, &why);
		if (rc == 0)
			break;
		if (rc != -EBADMSG) {
			scrm_set_err(c->err, c->errlen, "%s: %s", path, rc == -EINVAL ? why : strerror(-rc));
			goto out;
		}
		/* A segment no longer than its header never held a block: its creation was
		 * cut by a crash (the header is synced before the first block is written),
		 * so it goes. A longer one with a bad header is damage, not a crash: its
		 * blocks are not ours to throw away. */
		struct stat st;
		uint64_t bytes = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
		if (bytes > SEG_HDR) {
			rc = -EBADMSG;
			scrm_set_err(c->err, c->errlen,
				"%s: %s, and %" PRIu64 " bytes follow it: refusing to delete them (move the file "
				"away to open the log)", path, why, bytes - SEG_HDR);
			goto out;
		}
		if (unlink(path)) {
			rc = -errno;
			scrm_set_err(c->err, c->errlen, "%s: cannot remove: %s", path, strerror(errno));
			goto out;
		}
		seg_path(ipath, log->dir, s.part, s.seq, ".idx");
		unlink(ipath);
		report_trunc(c, path, 0, bytes, 1, why);
		nseg--;
	}
	if (!nseg) {
		p->next_lsn = 0;
		rc = part_new_segment(log, p, 1);
		if (rc)
			scrm_set_err(c->err, c->errlen, "%s: cannot create partition %u's segment: %s", log->dir, p->part,
				strerror(-rc));
		goto out;
	}
	uint64_t seq = segs[nseg - 1].seq;

	/* An index of a previous clean close covers a prefix of this segment. */
	idx_file ix;
	seg_path(ipath, log->dir, p->part, seq, ".idx");
	int ixrc = idx_load(ipath, p->part, seq, fsize, &ix, &why);
	int have_ix = ixrc == 0;
	if (ixrc == -EBADMSG)
		unlink(ipath); /* stale (its segment was cut): it would name future blocks wrongly */
	if (have_ix && log->o.cut_seq != UINT64_MAX) {
		/* A cut by seq reads every block of the segment: a run that stopped on an
		 * error still closed cleanly (indexing what it wrote past its checkpoint).
		 * The index is made again from the blocks kept. */
		free(ix.b);
		have_ix = 0;
		unlink(ipath);
	}
	int covered_ok = have_ix && ix.covered == SEG_HDR;

	uint64_t off = SEG_HDR, lsn = base;
	for (;;) {
		rc = blk_read(&b, fd, off, fsize, 0, NULL, &why);
		if (rc == 1 && b.first_lsn != lsn) {
			why = "block LSN does not follow the previous block";
			rc = -EBADMSG;
		}
		if (rc != 1)
			break;
		off += b.blen;
		lsn += b.nrec;
		if (have_ix && off == ix.covered)
			covered_ok = 1;
	}
	if (rc < 0 && rc != -EBADMSG && rc != BLK_TORN) {
		scrm_set_err(c->err, c->errlen, "%s: %s", path, strerror(-rc));
		goto out_ix;
	}
	rc = 0;
	uint64_t good = off;
	if (have_ix && !covered_ok)
		unlink(ipath); /* it names blocks recovery is about to cut */

	/* Rebuild the open segment's pairs: the index's part, then decode the blocks after
	 * it. A block whose checksums hold but whose records do not decode (a writer bug,
	 * or a crafted file) is cut like a corrupt one. */
	uint64_t from = SEG_HDR;
	if (have_ix && covered_ok) {
		if ((rc = scrm_array_grow((void **)&p->ix, &p->ixcap, ix.E ? ix.E : 1, sizeof *p->ix, 1024)))
			goto oom;
		for (uint32_t k = 0; k < ix.K; k++) {
			uint32_t n;
			uint64_t h = scrm_le_get64(ix.b + IDX_HDR + 16 * (size_t)k);
			const uint8_t *o = idx_find(&ix, h, &n);
			for (uint32_t j = 0; j < n; j++)
				p->ix[p->nix++] = (ix_pair){h, scrm_le_get64(o + 8 * j)};
		}
		from = ix.covered;
	}
	for (uint64_t o2 = from; o2 < good; o2 += b.blen) {
		rc = blk_read(&b, fd, o2, good, 1, NULL, &why);
		if (rc == -EBADMSG) {
			good = o2;
			lsn = b.first_lsn;
			rc = 0;
			break;
		}
		if (rc != 1) {
			rc = rc < 0 && rc != BLK_TORN ? rc : -EIO;
			scrm_set_err(c->err, c->errlen, "%s @ %" PRIu64 ": %s", path, o2, strerror(-rc));
			goto out_ix;
		}
		if (log->o.cut_seq != UINT64_MAX && blk_each(&b, past_seq_cb, &log->o.cut_seq) == 1) {
			/* written after the last checkpoint: the run that wrote it never
			 * acknowledged it, and the resumed run writes it again */
			good = o2;
			lsn = b.first_lsn;
			why = "interactions past the last checkpoint";
			rc = 0;
			break;
		}
		if ((rc = ix_add_block(p, &b, o2)))
			goto oom;
	}
	if (good < fsize) {
		if (ftruncate(fd, (off_t)good) || (log->o.sync != SCRM_ILOG_SYNC_NEVER && fdatasync(fd))) {
			rc = -errno;
			scrm_set_err(c->err, c->errlen, "%s: cannot truncate: %s", path, strerror(errno));
			goto out_ix;
		}
		report_trunc(c, path, good, fsize - good, 0, why);
	}
	p->fd = fd;
	fd = -1;
	p->seg_seq = seq;
	p->seg_size = good;
	p->next_lsn = lsn;
	goto out_ix;
oom:
	scrm_set_err(c->err, c->errlen, "%s: out of memory", path);
out_ix:
	if (have_ix)
		free(ix.b);
out:
	if (fd >= 0)
		close(fd);
	blk_reader_free(&b);
	return rc;
}

static int add_customer_cb(void *ctx, const scrm_ilog_rec *r)
{
	ipart *p = ctx;
	if (r->kind != SCRM_ILOG_INTERACTION)
		return 0;
	if (scrm_array_grow((void **)&p->bb.bh, &p->bb.bhcap, p->bb.nbh + 1, sizeof *p->bb.bh, 256))
		return -ENOMEM;
	p->bb.bh[p->bb.nbh++] = r->customer;
	return 0;
}

/* Add the (customer, off) pairs of block b (decoded) to p's index pairs. */
static int ix_add_block(ipart *p, blk_reader *b, uint64_t off)
{
	p->bb.nbh = 0;
	int rc = blk_each(b, add_customer_cb, p);
	if (rc)
		return rc;
	if (p->bb.nbh)
		qsort(p->bb.bh, p->bb.nbh, sizeof *p->bb.bh, u64_cmp);
	if ((rc = scrm_array_grow((void **)&p->ix, &p->ixcap, p->nix + p->bb.nbh, sizeof *p->ix, 1024)))
		return rc;
	for (size_t i = 0; i < p->bb.nbh; i++)
		if (i == 0 || p->bb.bh[i] != p->bb.bh[i - 1])
			p->ix[p->nix++] = (ix_pair){p->bb.bh[i], off};
	p->bb.nbh = 0;
	return 0;
}

static void part_free(ipart *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	bb_release(&p->bb);
	free(p->out);
	free(p->ix);
	free(p);
}

/* Give the io_uring of scrm_ilog_sync_many() back; syncs go one after the other from
 * now on. */
static void drop_ring(scrm_ilog *log)
{
	log->ring_failed = 1;
	if (log->ring) {
		io_uring_queue_exit(log->ring);
		free(log->ring);
		log->ring = NULL;
	}
}

static void log_free(scrm_ilog *log)
{
	if (!log)
		return;
	if (log->parts)
		for (uint32_t i = 0; i < log->nparts; i++)
			part_free(log->parts[i]);
	free(log->parts);
	drop_ring(log);
	if (log->dirfd >= 0)
		close(log->dirfd);
	if (log->lockfd >= 0)
		close(log->lockfd); /* drops the flock */
	free(log->dir);
	free(log);
}

/* Create or check ilog.meta (the lock is held). */
static int meta_init(scrm_ilog *log, char *err, size_t errlen)
{
	char path[PATH_CAP];
	snprintf(path, sizeof path, "%s/" META_NAME, log->dir);
	struct stat st;
	if (fstat(log->lockfd, &st)) {
		scrm_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (st.st_size == 0) {
		uint8_t m[META_SIZE];
		memcpy(m, META_MAGIC, 8);
		scrm_le_put32(m + 8, SCRM_ILOG_VERSION);
		scrm_le_put32(m + 12, log->nparts);
		scrm_le_put64(m + 16, XXH3_64bits(m, 16));
		int rc = pwrite_all(log->lockfd, m, META_SIZE, 0);
		if (!rc && (fsync(log->lockfd) || fsync(log->dirfd)))
			rc = -errno;
		if (rc)
			scrm_set_err(err, errlen, "%s: cannot write: %s", path, strerror(-rc));
		return rc;
	}
	uint32_t np = 0;
	int rc = meta_read(log->dir, &np, err, errlen);
	if (rc)
		return rc;
	if (np != log->nparts) {
		scrm_set_err(err, errlen, "%s: the log has %" PRIu32 " partitions, opened with %" PRIu32
			" (the partition count is fixed when a log is created)", log->dir, np, log->nparts);
		return -EINVAL;
	}
	return 0;
}

int scrm_ilog_open(scrm_ilog **out, const char *dir, uint32_t nparts, const scrm_ilog_opts *o, char *err,
		   size_t errlen)
{
	assert(out && dir);
	*out = NULL;
	if (nparts == 0 || nparts > SCRM_ILOG_MAX_PARTS) {
		scrm_set_err(err, errlen, "%s: partition count %" PRIu32 " out of range 1..%d", dir, nparts,
			SCRM_ILOG_MAX_PARTS);
		return -EINVAL;
	}
	if (strlen(dir) == 0 || strlen(dir) > PATH_MAX - 64) {
		scrm_set_err(err, errlen, "interaction log: bad directory name");
		return -EINVAL;
	}
	scrm_ilog_opts def;
	if (!o) {
		scrm_ilog_opts_default(&def);
		o = &def;
	}
	if (o->zstd_level < ZSTD_minCLevel() || o->zstd_level > ZSTD_maxCLevel() || o->segment_bytes < SEG_HDR ||
	    (unsigned)o->sync > SCRM_ILOG_SYNC_NEVER) {
		scrm_set_err(err, errlen, "%s: bad options", dir);
		return -EINVAL;
	}
	int rc = -ENOMEM;
	seg_ref *segs = NULL;
	size_t nseg = 0;
	scrm_ilog *log = calloc(1, sizeof *log);
	if (!log)
		goto fail_oom;
	log->dirfd = log->lockfd = -1;
	log->nparts = nparts;
	log->o = *o;
	if (!(log->dir = strdup(dir)))
		goto fail_oom;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		rc = -errno;
		scrm_set_err(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		goto fail;
	}
	if ((log->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = -errno;
		scrm_set_err(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	char path[PATH_CAP];
	snprintf(path, sizeof path, "%s/" META_NAME, dir);
	struct stat mst;
	if ((stat(path, &mst) || mst.st_size == 0) && (rc = orphan_segments(dir, err, errlen)))
		goto fail; /* segments without their meta: never taken for a new log */
	if ((log->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		rc = -errno;
		scrm_set_err(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		goto fail;
	}
	if (flock(log->lockfd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		scrm_set_err(err, errlen, "%s: %s", dir,
			rc == -EBUSY ? "the log is open for writing by another process" : strerror(errno));
		goto fail;
	}
	if ((rc = meta_init(log, err, errlen)))
		goto fail;
	if ((rc = list_segments(dir, UINT32_MAX, &segs, &nseg))) {
		scrm_set_err(err, errlen, "%s: %s", dir, strerror(-rc));
		goto fail;
	}
	if (nseg && segs[nseg - 1].part >= nparts) {
		rc = -EINVAL;
		scrm_set_err(err, errlen, "%s: has segments of partition %" PRIu32 ", but the log has %" PRIu32 " partitions",
			dir, segs[nseg - 1].part, nparts);
		goto fail;
	}
	rc = -ENOMEM;
	if (!(log->parts = calloc(nparts, sizeof *log->parts)))
		goto fail_oom;
	size_t psize = (sizeof(ipart) + 63) / 64 * 64;
	size_t first = 0;
	for (uint32_t i = 0; i < nparts; i++) {
		ipart *p = aligned_alloc(64, psize);
		if (!p)
			goto fail_oom;
		memset(p, 0, psize);
		p->fd = -1;
		p->part = i;
		p->last_sync_ms = now_ms();
		log->parts[i] = p;
		if (bb_init(&p->bb, log->o.zstd_level))
			goto fail_oom;
		size_t end = first;
		while (end < nseg && segs[end].part == i)
			end++;
		recover_ctx c = {log, p, err, errlen};
		if ((rc = part_recover(&c, segs ? segs + first : NULL, end - first)))
			goto fail;
		first = end;
	}
	free(segs);
	*out = log;
	return 0;
fail_oom:
	rc = -ENOMEM;
	scrm_set_err(err, errlen, "%s: out of memory", dir);
fail:
	free(segs);
	log_free(log);
	return rc;
}

/* Frame record r at the end of b's records (any kind; its partition is the caller's
 * to check). 0, -EINVAL, -EMSGSIZE, -E2BIG (the block would pass
 * SCRM_ILOG_BLOCK_MAX), -ENOMEM. */
static int bb_add(scrm_ilog_builder *b, const scrm_ilog_rec *r)
{
	size_t body;
	if (r->kind == SCRM_ILOG_INTERACTION) {
		if (r->len && !r->data)
			return -EINVAL;
		if (r->len > SCRM_ILOG_PAYLOAD_MAX)
			return -EMSGSIZE;
		body = INTER_MIN + r->len;
	} else if (r->kind == SCRM_ILOG_CHECKPOINT) {
		if (r->ninputs > SCRM_ILOG_CKPT_MAX || (r->ninputs && !r->inputs))
			return -EINVAL;
		body = CKPT_MIN;
		for (uint32_t i = 0; i < r->ninputs; i++) {
			if (r->inputs[i].input_len == 0 || !r->inputs[i].input)
				return -EINVAL;
			if (r->inputs[i].input_len > SCRM_ILOG_INPUT_MAX)
				return -EMSGSIZE;
			if (memchr(r->inputs[i].input, 0, r->inputs[i].input_len))
				return -EINVAL; /* read back as a C string */
			body += 2 + r->inputs[i].input_len + 8;
		}
	} else {
		return -EINVAL;
	}
	if (b->raw_len + FRAME + body > SCRM_ILOG_BLOCK_MAX)
		return -E2BIG;
	int rc = scrm_array_grow((void **)&b->raw, &b->raw_cap, b->raw_len + FRAME + body, 1, 64 << 10);
	if (rc)
		return rc;
	uint8_t *f = b->raw + b->raw_len, *d = f + FRAME;
	scrm_le_put32(f, (uint32_t)body);
	d[0] = (uint8_t)r->kind;
	if (r->kind == SCRM_ILOG_INTERACTION) {
		if ((rc = scrm_array_grow((void **)&b->bh, &b->bhcap, b->nbh + 1, sizeof *b->bh, 256)))
			return rc;
		b->bh[b->nbh++] = r->customer;
		scrm_le_put64(d + 1, r->customer);
		scrm_le_put64(d + 9, (uint64_t)r->ts_ms);
		scrm_le_put64(d + 17, r->seq);
		if (r->len)
			memcpy(d + INTER_MIN, r->data, r->len);
	} else {
		scrm_le_put64(d + 1, r->commit);
		scrm_le_put32(d + 9, r->ninputs);
		size_t q = CKPT_MIN;
		for (uint32_t i = 0; i < r->ninputs; i++) {
			size_t k = r->inputs[i].input_len;
			d[q] = (uint8_t)k;
			d[q + 1] = (uint8_t)(k >> 8);
			memcpy(d + q + 2, r->inputs[i].input, k);
			scrm_le_put64(d + q + 2 + k, r->inputs[i].offset);
			q += 2 + k + 8;
		}
		assert(q == body);
	}
	scrm_le_put32(f + 4, (uint32_t)XXH3_64bits(d, body));
	b->raw_len += FRAME + body;
	b->nrec++;
	return 0;
}

/* The block of b's records (b->nrec > 0) into (*out)[at..at + *blen): header (but its
 * LSN and its own checksum, part_write()'s), filter, compressed data; b->bh becomes its
 * distinct customers, ascending (b->nbh of them). 0 or -ENOMEM. */
static int bb_seal(scrm_ilog_builder *b, uint8_t **out, size_t *out_cap, size_t at, size_t *blen)
{
	size_t u = 0;
	if (b->nbh) {
		qsort(b->bh, b->nbh, sizeof *b->bh, u64_cmp);
		for (size_t i = 0; i < b->nbh; i++)
			if (i == 0 || b->bh[i] != b->bh[u - 1])
				b->bh[u++] = b->bh[i];
	}
	b->nbh = u;
	size_t flen = bloom_bytes(u);
	size_t bound = ZSTD_compressBound(b->raw_len);
	int rc = scrm_array_grow((void **)out, out_cap, at + BLK_HDR + flen + bound, 1, 64 << 10);
	if (rc)
		return rc;
	uint8_t *h = *out + at, *filter = h + BLK_HDR, *data = filter + flen;
	size_t clen = ZSTD_compressCCtx(b->cctx, data, bound, b->raw, b->raw_len, b->level);
	if (ZSTD_isError(clen))
		return -ENOMEM; /* with a bound-sized output only the workspace can fail */
	memset(filter, 0, flen);
	for (size_t i = 0; i < u; i++)
		bloom_add(filter, (uint64_t)flen * 8, b->bh[i]);
	memcpy(h, BLK_MAGIC, 4);
	scrm_le_put32(h + 4, (uint32_t)clen);
	scrm_le_put32(h + 8, (uint32_t)b->raw_len);
	scrm_le_put32(h + 12, b->nrec);
	scrm_le_put32(h + 16, (uint32_t)flen);
	scrm_le_put32(h + 20, 0);
	scrm_le_put64(h + 24, 0); /* the LSN: part_write() */
	scrm_le_put64(h + 32, XXH3_64bits(data, clen));
	scrm_le_put64(h + 40, flen ? XXH3_64bits(filter, flen) : 0);
	scrm_le_put64(h + 48, 0); /* the header's checksum: part_write() */
	*blen = BLK_HDR + flen + clen;
	return 0;
}

static void bb_reset(scrm_ilog_builder *b)
{
	b->raw_len = 0;
	b->nrec = 0;
	b->nbh = 0;
}

/* Write the sealed block h (blen bytes, nrec records, the distinct customers cust) as
 * p's next block: its LSN and header checksum, a new segment first if it would pass
 * segment_bytes, the write, the index pairs, the sync the policy asks for. */
static int part_write(scrm_ilog *log, ipart *p, uint8_t *h, size_t blen, uint32_t nrec, const uint64_t *cust,
		      size_t ncust)
{
	/* reserved before writing, so nothing can fail between the write and the bookkeeping */
	int rc = scrm_array_grow((void **)&p->ix, &p->ixcap, p->nix + ncust, sizeof *p->ix, 1024);
	if (rc)
		return rc;
	scrm_le_put64(h + 24, p->next_lsn);
	scrm_le_put64(h + 48, XXH3_64bits(h, 48));
	if (p->seg_size > SEG_HDR && p->seg_size + blen > log->o.segment_bytes) {
		rc = part_close_segment(log, p);
		if (!rc)
			rc = part_new_segment(log, p, p->seg_seq + 1);
		if (rc) {
			p->error = rc;
			return rc;
		}
	}
	rc = pwrite_all(p->fd, h, blen, p->seg_size);
	if (rc) {
		/* Cut the torn block so the file ends on a whole one; if even that fails,
		 * recovery cuts it at the next open. */
		int cut = ftruncate(p->fd, (off_t)p->seg_size);
		(void)cut;
		p->error = rc;
		return rc;
	}
	for (size_t i = 0; i < ncust; i++)
		p->ix[p->nix++] = (ix_pair){cust[i], p->seg_size};
	p->seg_size += blen;
	p->next_lsn += nrec;
	p->unsynced = 1;
	if (log->o.sync == SCRM_ILOG_SYNC_ALWAYS ||
	    (log->o.sync == SCRM_ILOG_SYNC_INTERVAL && now_ms() - p->last_sync_ms >= log->o.interval_ms))
		return part_sync(log, p);
	return 0;
}

int scrm_ilog_append(scrm_ilog *log, uint32_t part, const scrm_ilog_rec *r)
{
	assert(log && r);
	if (part >= log->nparts)
		return -EINVAL;
	ipart *p = log->parts[part];
	if (p->error)
		return p->error;
	if (r->kind == SCRM_ILOG_INTERACTION && scrm_ilog_part_of(r->customer, log->nparts) != part)
		return -EINVAL;
	return bb_add(&p->bb, r);
}

int scrm_ilog_commit(scrm_ilog *log, uint32_t part)
{
	assert(log);
	if (part >= log->nparts)
		return -EINVAL;
	ipart *p = log->parts[part];
	if (p->error)
		return p->error;
	if (p->bb.nrec == 0)
		return 0;
	size_t blen;
	int rc = bb_seal(&p->bb, &p->out, &p->out_cap, 0, &blen);
	if (!rc)
		rc = part_write(log, p, p->out, blen, p->bb.nrec, p->bb.bh, p->bb.nbh);
	if (!rc)
		bb_reset(&p->bb);
	return rc;
}

scrm_ilog_builder *scrm_ilog_builder_new(int zstd_level)
{
	scrm_ilog_builder *b = calloc(1, sizeof *b);
	if (b && bb_init(b, zstd_level)) {
		bb_release(b);
		free(b);
		b = NULL;
	}
	return b;
}

void scrm_ilog_builder_free(scrm_ilog_builder *b)
{
	if (b)
		bb_release(b);
	free(b);
}

int scrm_ilog_builder_add(scrm_ilog_builder *b, const scrm_ilog_rec *r)
{
	assert(b && r);
	return bb_add(b, r);
}

int scrm_ilog_builder_seal(scrm_ilog_builder *b, scrm_buf *blocks, scrm_buf *custs, scrm_ilog_built *out)
{
	assert(b && blocks && custs && out);
	memset(out, 0, sizeof *out);
	out->off = blocks->len;
	out->cust_off = custs->len;
	if (!b->nrec)
		return 0;
	uint8_t *data = (uint8_t *)blocks->data;
	size_t cap = blocks->cap, blen;
	int rc = bb_seal(b, &data, &cap, blocks->len, &blen);
	blocks->data = (char *)data;
	blocks->cap = cap;
	if (!rc)
		rc = scrm_buf_reserve(custs, b->nbh * sizeof *b->bh);
	if (rc)
		return rc;
	memcpy(custs->data + custs->len, b->bh, b->nbh * sizeof *b->bh);
	custs->len += b->nbh * sizeof *b->bh;
	blocks->len += blen;
	out->len = blen;
	out->nrec = b->nrec;
	out->ncust = b->nbh;
	bb_reset(b);
	return 0;
}

int scrm_ilog_commit_built(scrm_ilog *log, uint32_t part, const scrm_ilog_built *bl, scrm_buf *blocks,
			   const scrm_buf *custs)
{
	assert(log && bl && blocks && custs);
	if (part >= log->nparts)
		return -EINVAL;
	ipart *p = log->parts[part];
	if (p->error)
		return p->error;
	if (!bl->nrec)
		return 0;
	if (p->bb.nrec || bl->len < BLK_HDR || bl->off + bl->len > blocks->len ||
	    bl->cust_off + bl->ncust * sizeof(uint64_t) > custs->len)
		return -EINVAL; /* records appended and not committed would come after it */
	uint8_t *h = (uint8_t *)blocks->data + bl->off;
	const uint64_t *cust = (const uint64_t *)(const void *)(custs->data + bl->cust_off);
	if (memcmp(h, BLK_MAGIC, 4) != 0)
		return -EINVAL;
	for (size_t i = 0; i < bl->ncust; i++)
		if (scrm_ilog_part_of(cust[i], log->nparts) != part)
			return -EINVAL;
	return part_write(log, p, h, bl->len, bl->nrec, cust, bl->ncust);
}

bool scrm_ilog_would_roll(const scrm_ilog *log, uint32_t part, size_t blen)
{
	assert(log);
	if (part >= log->nparts)
		return false;
	const ipart *p = log->parts[part];
	return p->seg_size > SEG_HDR && p->seg_size + blen > log->o.segment_bytes;
}

int scrm_ilog_zstd_level(const scrm_ilog *log)
{
	return log->o.zstd_level;
}

int scrm_ilog_sync(scrm_ilog *log, uint32_t part)
{
	assert(log);
	if (part >= log->nparts)
		return -EINVAL;
	return part_sync(log, log->parts[part]);
}

/* The io_uring of scrm_ilog_sync_many(), NULL where there is none to be had. */
#define SYNC_RING 64

static struct io_uring *sync_ring(scrm_ilog *log)
{
	if (log->ring || log->ring_failed || log->o.no_uring)
		return log->ring;
	struct io_uring *r = malloc(sizeof *r);
	if (!r || io_uring_queue_init(SYNC_RING, r, 0) < 0) {
		free(r);
		log->ring_failed = 1;
		return NULL;
	}
	return log->ring = r;
}

int scrm_ilog_sync_many(scrm_ilog *log, const uint32_t *parts, size_t n)
{
	assert(log && (parts || !n));
	for (size_t i = 0; i < n; i++)
		if (parts[i] >= log->nparts)
			return -EINVAL;
	int first = 0;
	size_t first_at = SIZE_MAX;
#define NOTE(rc, at)                                                                                              \
	do {                                                                                                      \
		if ((rc) && (at) < first_at)                                                                      \
			first = (rc), first_at = (at);                                                            \
	} while (0)
	for (size_t i = 0; i < n;) {
		struct io_uring *ring = log->o.sync == SCRM_ILOG_SYNC_NEVER ? NULL : sync_ring(log);
		if (!ring) { /* one after the other */
			for (; i < n; i++)
				NOTE(part_sync(log, log->parts[parts[i]]), i);
			break;
		}
		/* up to SYNC_RING partitions that need a sync, submitted together */
		size_t group = i, queued = 0;
		for (; i < n && queued < SYNC_RING; i++) {
			ipart *p = log->parts[parts[i]];
			struct io_uring_sqe *sqe;
			if (p->error || !p->unsynced || p->fd < 0 || !(sqe = io_uring_get_sqe(ring))) {
				NOTE(part_sync(log, p), i); /* 0 when it needs none, or its error */
				continue;
			}
			io_uring_prep_fsync(sqe, p->fd, IORING_FSYNC_DATASYNC);
			io_uring_sqe_set_data64(sqe, i);
			queued++;
		}
		int sub = 0;
		while (queued && (sub = io_uring_submit(ring)) == -EINTR)
			;
		for (size_t done = 0; done < queued; done++) {
			struct io_uring_cqe *cqe = NULL;
			int w = sub < 0 ? sub : (size_t)sub < queued ? -EIO : 0;
			while (!w && (w = io_uring_wait_cqe(ring, &cqe)) == -EINTR)
				w = 0;
			if (w < 0) {
				/* the ring failed: this group is synced one after the other (what
				 * already completed needs nothing), and so is everything after it */
				drop_ring(log);
				for (size_t k = group; k < i; k++)
					if (!log->parts[parts[k]]->error)
						NOTE(part_sync(log, log->parts[parts[k]]), k);
				break;
			}
			size_t k = (size_t)io_uring_cqe_get_data64(cqe);
			ipart *p = log->parts[parts[k]];
			int res = cqe->res;
			io_uring_cqe_seen(ring, cqe);
			if (res == -EINVAL || res == -EOPNOTSUPP) {
				/* a kernel without IORING_OP_FSYNC: fdatasync, now and from now on */
				log->ring_failed = 1;
				NOTE(part_sync(log, p), k);
			} else if (res < 0) {
				p->error = res;
				NOTE(res, k);
			} else {
				p->unsynced = 0;
				p->last_sync_ms = now_ms();
			}
		}
		if (log->ring_failed)
			drop_ring(log);
	}
#undef NOTE
	return first;
}

int scrm_ilog_close(scrm_ilog *log)
{
	if (!log)
		return 0;
	int rc = 0;
	for (uint32_t i = 0; i < log->nparts; i++) {
		ipart *p = log->parts[i];
		p->bb.raw_len = 0; /* uncommitted records are not in the log */
		p->bb.nrec = 0;
		p->bb.nbh = 0;
		int r = part_close_segment(log, p);
		if (r && !rc)
			rc = r;
	}
	log_free(log);
	return rc;
}

/* ---- the iterator ---- */

struct scrm_ilog_iter {
	char *dir;
	uint32_t part, nparts;
	seg_ref *segs;
	size_t nseg, cur;
	int fd;
	uint64_t fsize, off;
	uint64_t expect_lsn;
	int have_expect;
	blk_reader b;
	size_t rpos;
	uint32_t ri; /* records of the current block delivered */
	int error;
	char err[PATH_CAP + 128];
};

int scrm_ilog_iter_open(scrm_ilog_iter **out, const char *dir, uint32_t part, char *err, size_t errlen)
{
	assert(out && dir);
	*out = NULL;
	uint32_t nparts;
	int rc = meta_read(dir, &nparts, err, errlen);
	if (rc)
		return rc;
	if (part >= nparts) {
		scrm_set_err(err, errlen, "%s: partition %" PRIu32 " out of range (the log has %" PRIu32 ")", dir, part,
			nparts);
		return -EINVAL;
	}
	scrm_ilog_iter *it = calloc(1, sizeof *it);
	if (!it || !(it->dir = strdup(dir))) {
		free(it);
		scrm_set_err(err, errlen, "%s: out of memory", dir);
		return -ENOMEM;
	}
	it->part = part;
	it->nparts = nparts;
	it->fd = -1;
	if ((rc = list_segments(dir, part, &it->segs, &it->nseg))) {
		scrm_set_err(err, errlen, "%s: %s", dir, strerror(-rc));
		scrm_ilog_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

static int iter_fail(scrm_ilog_iter *it, int rc, const char *path, uint64_t off, const char *why)
{
	it->error = rc;
	snprintf(it->err, sizeof it->err, "%s @ %" PRIu64 ": %s", path, off, rc == -EBADMSG ? why : strerror(-rc));
	return rc;
}

int scrm_ilog_iter_next(scrm_ilog_iter *it, scrm_ilog_rec *r)
{
	assert(it && r);
	char path[PATH_CAP];
	const char *why = "";
	for (;;) {
		if (it->error)
			return it->error;
		if (it->fd >= 0 && it->ri < it->b.nrec) {
			int rc = rec_decode(&it->b, &it->rpos, r, 0, &why);
			assert(rc == 0); /* checked by blk_read */
			if (rc)
				return rc;
			r->lsn = it->b.first_lsn + it->ri++;
			return 1;
		}
		if (it->nseg == 0) { /* every writer makes a partition's first segment */
			seg_path(path, it->dir, it->part, 1, "");
			return iter_fail(it, -EBADMSG, path, 0, "missing: the partition has no segment");
		}
		if (it->cur == it->nseg)
			return 0;
		seg_ref s = it->segs[it->cur];
		seg_path(path, it->dir, s.part, s.seq, "");
		if (it->fd < 0) {
			uint64_t base;
			int rc = seg_open(path, s.part, s.seq, it->nparts, O_RDONLY, &it->fd, &it->fsize, &base, &why);
			if (rc)
				return iter_fail(it, rc == -EINVAL ? -EBADMSG : rc, path, 0, why);
			if (it->cur == 0 ? s.seq != 1 : s.seq != it->segs[it->cur - 1].seq + 1)
				return iter_fail(it, -EBADMSG, path, 0, "a segment is missing before this one");
			if (base != (it->have_expect ? it->expect_lsn : 0))
				return iter_fail(it, -EBADMSG, path, 0,
						 it->have_expect ? "segment base LSN does not follow the previous segment"
								 : "the first segment's base LSN is not 0");
			it->expect_lsn = base;
			it->have_expect = 1;
			it->off = SEG_HDR;
			it->b.nrec = 0;
			it->ri = 0;
		}
		int rc = blk_read(&it->b, it->fd, it->off, it->fsize, 1, NULL, &why);
		if (rc == 1 && it->b.first_lsn != it->expect_lsn) {
			rc = -EBADMSG;
			why = "block LSN does not follow the previous block";
		}
		/* A torn tail of the last segment is a commit in progress (or one a crash
		 * cut that recovery will remove): not in the log yet. */
		if (rc == 0 || (rc == BLK_TORN && it->cur + 1 == it->nseg)) {
			close(it->fd);
			it->fd = -1;
			it->cur++;
			if (rc == BLK_TORN)
				it->cur = it->nseg;
			continue;
		}
		if (rc < 0)
			return iter_fail(it, rc == BLK_TORN ? -EBADMSG : rc, path, it->off, why);
		it->expect_lsn = it->b.first_lsn + it->b.nrec;
		it->off += it->b.blen;
		it->rpos = 0;
		it->ri = 0;
	}
}

const char *scrm_ilog_iter_error(const scrm_ilog_iter *it)
{
	return it->err;
}

void scrm_ilog_iter_free(scrm_ilog_iter *it)
{
	if (!it)
		return;
	if (it->fd >= 0)
		close(it->fd);
	blk_reader_free(&it->b);
	free(it->segs);
	free(it->dir);
	free(it);
}

/* ---- verify ---- */

typedef struct verify_ctx {
	scrm_ilog_report_fn fn;
	void *ctx;
	long problems;
	scrm_ilog_report part;
	ix_pair *ix;
	size_t nix, ixcap;
	uint64_t blk_off;
	int oom;
} verify_ctx;

static void problem(verify_ctx *v, uint32_t part, const char *path, uint64_t off, const char *why)
{
	v->problems++;
	if (!v->fn)
		return;
	scrm_ilog_report r = {.kind = SCRM_ILOG_REPORT_PROBLEM, .part = part, .path = path, .offset = off, .why = why};
	v->fn(v->ctx, &r);
}

static int verify_rec_cb(void *ctx, const scrm_ilog_rec *r)
{
	verify_ctx *v = ctx;
	v->part.records++;
	if (r->kind == SCRM_ILOG_CHECKPOINT) {
		v->part.checkpoints++;
		return 0;
	}
	v->part.interactions++;
	/* One pair per record; idx_write-style dedup happens after sorting. */
	if (scrm_array_grow((void **)&v->ix, &v->ixcap, v->nix + 1, sizeof *v->ix, 1024)) {
		v->oom = 1;
		return -ENOMEM;
	}
	v->ix[v->nix++] = (ix_pair){r->customer, v->blk_off};
	return 0;
}

/* Does the loaded index list exactly the pairs of the blocks before its covered? */
static int verify_index(verify_ctx *v, const idx_file *ix)
{
	size_t n = 0;
	for (size_t i = 0; i < v->nix; i++)
		if (v->ix[i].off < ix->covered)
			v->ix[n++] = v->ix[i];
	if (n)
		qsort(v->ix, n, sizeof *v->ix, pair_cmp);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || pair_cmp(&v->ix[i], &v->ix[u - 1]))
			v->ix[u++] = v->ix[i];
	if (u != ix->E)
		return 0;
	size_t e = 0;
	for (uint32_t k = 0; k < ix->K; k++) {
		uint32_t cnt;
		uint64_t h = scrm_le_get64(ix->b + IDX_HDR + 16 * (size_t)k);
		const uint8_t *o = idx_find(ix, h, &cnt);
		for (uint32_t j = 0; j < cnt; j++, e++)
			if (v->ix[e].h != h || v->ix[e].off != scrm_le_get64(o + 8 * j))
				return 0;
	}
	return 1;
}

long scrm_ilog_verify(const char *dir, scrm_ilog_report_fn fn, void *ctx, char *err, size_t errlen)
{
	assert(dir);
	uint32_t nparts;
	int rc = meta_read(dir, &nparts, err, errlen);
	if (rc)
		return rc;
	seg_ref *segs;
	size_t nseg;
	if ((rc = list_segments(dir, UINT32_MAX, &segs, &nseg))) {
		scrm_set_err(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	verify_ctx v = {.fn = fn, .ctx = ctx};
	blk_reader b = {0};
	char path[PATH_CAP], ipath[PATH_CAP];
	size_t si = 0;
	long result = 0;
	for (uint32_t part = 0; part < nparts; part++) {
		memset(&v.part, 0, sizeof v.part);
		v.part.kind = SCRM_ILOG_REPORT_PART;
		v.part.part = part;
		uint64_t expect_lsn = 0, prev_seq = 0;
		int first = 1;
		for (; si < nseg && segs[si].part == part; si++) {
			seg_ref s = segs[si];
			seg_path(path, dir, s.part, s.seq, "");
			v.part.segments++;
			int last = si + 1 == nseg || segs[si + 1].part != part;
			bool gap = first ? s.seq != 1 : s.seq != prev_seq + 1;
			if (gap)
				problem(&v, part, path, 0, "segments missing before this one");
			prev_seq = s.seq;
			int fd;
			uint64_t fsize, base;
			const char *why = "";
			rc = seg_open(path, s.part, s.seq, nparts, O_RDONLY, &fd, &fsize, &base, &why);
			if (rc) {
				problem(&v, part, path, 0, rc == -EBADMSG || rc == -EINVAL ? why : strerror(-rc));
				first = 0;
				continue;
			}
			v.part.bytes += fsize;
			if (base != expect_lsn && !gap) /* (after a gap it cannot follow) */
				problem(&v, part, path, 0, first ? "the first segment's base LSN is not 0"
								  : "segment base LSN does not follow the previous segment");
			first = 0;
			idx_file ix;
			seg_path(ipath, dir, s.part, s.seq, ".idx");
			const char *ixwhy = "";
			int ixrc = idx_load(ipath, part, s.seq, fsize, &ix, &ixwhy);
			int covered_ok = 0;
			uint64_t off = SEG_HDR, lsn = base;
			v.nix = 0;
			for (;;) {
				if (ixrc == 0 && off == ix.covered)
					covered_ok = 1;
				rc = blk_read(&b, fd, off, fsize, 1, NULL, &why);
				if (rc == 1 && b.first_lsn != lsn) {
					rc = -EBADMSG;
					why = "block LSN does not follow the previous block";
				}
				if (rc == 0)
					break;
				if (rc < 0) {
					if (rc == -ENOMEM) {
						result = -ENOMEM;
						scrm_set_err(err, errlen, "%s: out of memory", path);
						if (ixrc == 0)
							free(ix.b);
						close(fd);
						goto out;
					}
					if (rc == BLK_TORN && last)
						why = "torn tail (an interrupted commit; opening the log removes it)";
					problem(&v, part, path, off, rc == -EBADMSG || rc == BLK_TORN ? why : strerror(-rc));
					break;
				}
				v.part.blocks++;
				v.blk_off = off;
				if (blk_each(&b, verify_rec_cb, &v) && v.oom) {
					result = -ENOMEM;
					scrm_set_err(err, errlen, "%s: out of memory", path);
					if (ixrc == 0)
						free(ix.b);
					close(fd);
					goto out;
				}
				off += b.blen;
				lsn += b.nrec;
			}
			expect_lsn = lsn;
			if (ixrc == 0) {
				if (!covered_ok || !verify_index(&v, &ix))
					problem(&v, part, ipath, 0, "index does not match its segment");
				else
					v.part.indexes++;
				free(ix.b);
			} else if (ixrc == -EBADMSG) {
				problem(&v, part, ipath, 0, ixwhy);
			} else if (ixrc != -ENOENT) {
				problem(&v, part, ipath, 0, strerror(-ixrc));
			}
			close(fd);
		}
		if (!v.part.segments) {
			seg_path(path, dir, part, 1, "");
			problem(&v, part, path, 0, "missing: the partition has no segment (every writer makes its first)");
		}
		if (fn)
			fn(ctx, &v.part);
	}
	if (si < nseg) {
		seg_path(path, dir, segs[si].part, segs[si].seq, "");
		problem(&v, segs[si].part, path, 0, "segment of a partition the log does not have");
	}
	result = v.problems;
out:
	blk_reader_free(&b);
	free(v.ix);
	free(segs);
	return result;
}

/* ---- history ---- */

typedef struct hist_ctx {
	uint64_t customer;
	uint32_t part;
	scrm_ilog_rec_fn fn;
	void *ctx;
} hist_ctx;

static int hist_cb(void *ctx, const scrm_ilog_rec *r)
{
	hist_ctx *h = ctx;
	if (r->kind != SCRM_ILOG_INTERACTION || r->customer != h->customer)
		return 0;
	return h->fn(h->ctx, h->part, r);
}

int scrm_ilog_history(const char *dir, uint64_t customer, scrm_ilog_rec_fn fn, void *ctx, char *err,
		      size_t errlen)
{
	assert(dir && fn);
	uint32_t nparts;
	int rc = meta_read(dir, &nparts, err, errlen);
	if (rc)
		return rc;
	hist_ctx h = {customer, scrm_ilog_part_of(customer, nparts), fn, ctx};
	seg_ref *segs;
	size_t nseg;
	if ((rc = list_segments(dir, h.part, &segs, &nseg))) {
		scrm_set_err(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	blk_reader b = {0};
	char path[PATH_CAP], ipath[PATH_CAP];
	int bad = 0;
	rc = 0;
	if (nseg == 0) { /* every writer makes a partition's first segment */
		seg_path(path, dir, h.part, 1, "");
		scrm_set_err(err, errlen, "%s: missing: the customer's partition has no segment", path);
		bad = -EBADMSG;
	}
	for (size_t i = 0; i < nseg && !rc; i++) {
		seg_path(path, dir, h.part, segs[i].seq, "");
		int fd;
		uint64_t fsize, base, from = SEG_HDR;
		const char *why = "";
		int r = seg_open(path, h.part, segs[i].seq, nparts, O_RDONLY, &fd, &fsize, &base, &why);
		if (!r && (i == 0 ? segs[i].seq != 1 || base != 0 : segs[i].seq != segs[i - 1].seq + 1)) {
			/* an interaction of hers may have been in the lost segments */
			if (!bad)
				scrm_set_err(err, errlen, "%s: a segment is missing before this one", path);
			bad = -EBADMSG;
		}
		if (r) {
			if (!bad)
				scrm_set_err(err, errlen, "%s: %s", path, r == -EBADMSG || r == -EINVAL ? why : strerror(-r));
			bad = r == -EINVAL ? -EBADMSG : r;
			continue;
		}
		idx_file ix;
		seg_path(ipath, dir, h.part, segs[i].seq, ".idx");
		if (idx_load(ipath, h.part, segs[i].seq, fsize, &ix, &why) == 0) {
			uint32_t n;
			const uint8_t *o = idx_find(&ix, customer, &n);
			for (uint32_t j = 0; j < n && !rc; j++) {
				uint64_t off = scrm_le_get64(o + 8 * j);
				r = blk_read(&b, fd, off, fsize, 1, &customer, &why);
				if (r == BLK_SKIP)
					continue; /* a (checksummed) index that disagrees with its block */
				if (r != 1) {
					if (!bad)
						scrm_set_err(err, errlen, "%s @ %" PRIu64 ": %s", path, off,
							r == -EBADMSG || r == BLK_TORN ? why : strerror(-r));
					bad = r == BLK_TORN || r == 0 ? -EBADMSG : r;
					continue;
				}
				rc = blk_each(&b, hist_cb, &h);
			}
			from = ix.covered;
			free(ix.b);
		}
		for (uint64_t off = from; !rc;) {
			r = blk_read(&b, fd, off, fsize, 1, &customer, &why);
			if (r == 0 || (r == BLK_TORN && i + 1 == nseg))
				break;
			if (r == BLK_SKIP) {
				off += b.blen;
				continue;
			}
			if (r < 0) {
				if (!bad)
					scrm_set_err(err, errlen, "%s @ %" PRIu64 ": %s", path, off,
						r == -EBADMSG || r == BLK_TORN ? why : strerror(-r));
				bad = r == BLK_TORN ? -EBADMSG : r;
				break;
			}
			rc = blk_each(&b, hist_cb, &h);
			off += b.blen;
		}
		close(fd);
	}
	blk_reader_free(&b);
	free(segs);
	return rc ? rc : bad;
}

/* ---- latest checkpoint ---- */

void scrm_ilog_checkpoint_free(scrm_ilog_checkpoint *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->ninputs; i++)
		free((char *)c->inputs[i].input);
	free(c->inputs);
	free(c);
}

typedef struct ckpt_ctx {
	uint32_t part;
	scrm_ilog_checkpoint *c; /* the last one met in this partition */
} ckpt_ctx;

static int ckpt_cb(void *ctx, const scrm_ilog_rec *r)
{
	ckpt_ctx *k = ctx;
	if (r->kind != SCRM_ILOG_CHECKPOINT)
		return 0;
	scrm_ilog_checkpoint *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->part = k->part;
	c->lsn = r->lsn;
	c->commit = r->commit;
	if (r->ninputs && !(c->inputs = calloc(r->ninputs, sizeof *c->inputs))) {
		free(c);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < r->ninputs; i++) {
		char *s = malloc(r->inputs[i].input_len + 1);
		if (!s) {
			scrm_ilog_checkpoint_free(c);
			return -ENOMEM;
		}
		memcpy(s, r->inputs[i].input, r->inputs[i].input_len);
		s[r->inputs[i].input_len] = 0;
		c->inputs[i] = (scrm_ilog_input){s, r->inputs[i].input_len, r->inputs[i].offset};
		c->ninputs = i + 1;
	}
	scrm_ilog_checkpoint_free(k->c);
	k->c = c;
	return 0;
}

/* Whether partition part (its segments segs[0..n)) holds more than one block: only a
 * log whose first batch never reached its checkpoint may lack one, and that batch wrote
 * at most one block to each partition. Reads at most one block header per segment. */
static bool more_than_one_block(const char *dir, const seg_ref *segs, size_t n)
{
	int blocks = 0;
	for (size_t i = 0; i < n && blocks < 2; i++) {
		char path[PATH_CAP];
		seg_path(path, dir, segs[i].part, segs[i].seq, "");
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0)
			continue;
		uint8_t h[BLK_HDR];
		if (!fstat(fd, &st) && (uint64_t)st.st_size > SEG_HDR) {
			blocks++;
			if (pread_all(fd, h, BLK_HDR, SEG_HDR) == 0 && !memcmp(h, BLK_MAGIC, 4)) {
				uint64_t end = SEG_HDR + BLK_HDR + (uint64_t)scrm_le_get32(h + 16) + scrm_le_get32(h + 4);
				if ((uint64_t)st.st_size > end)
					blocks++; /* something after its first block */
			}
		}
		close(fd);
	}
	return blocks > 1;
}

int scrm_ilog_checkpoint_latest(const char *dir, scrm_ilog_checkpoint **out, char *err, size_t errlen)
{
	assert(dir && out);
	*out = NULL;
	uint32_t nparts;
	int rc = meta_read(dir, &nparts, err, errlen); /* -EBADMSG for segments without it */
	if (rc)
		return rc;
	seg_ref *segs;
	size_t nseg;
	if ((rc = list_segments(dir, UINT32_MAX, &segs, &nseg))) {
		scrm_set_err(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	blk_reader b = {0};
	scrm_ilog_checkpoint *best = NULL;
	char path[PATH_CAP];
	size_t end = nseg;
	while (end > 0 && !rc) {
		size_t start = end;
		uint32_t part = segs[end - 1].part;
		while (start > 0 && segs[start - 1].part == part)
			start--;
		ckpt_ctx k = {part, NULL};
		for (size_t i = end; i > start && !k.c && !rc; i--) {
			seg_path(path, dir, part, segs[i - 1].seq, "");
			int fd;
			uint64_t fsize, base;
			const char *why = "";
			rc = seg_open(path, part, segs[i - 1].seq, nparts, O_RDONLY, &fd, &fsize, &base, &why);
			struct stat st;
			if ((rc == -EBADMSG || rc == -EINVAL) && i == end && stat(path, &st) == 0 &&
			    (uint64_t)st.st_size <= SEG_HDR) {
				/* the last segment, cut while it was created: it never held a block,
				 * and recovery removes it (part_recover()) */
				rc = 0;
				continue;
			}
			if (rc) {
				scrm_set_err(err, errlen, "%s: %s", path, rc == -EBADMSG || rc == -EINVAL ? why : strerror(-rc));
				rc = rc == -EINVAL ? -EBADMSG : rc;
				break;
			}
			for (uint64_t off = SEG_HDR; !rc;) {
				int r = blk_read(&b, fd, off, fsize, 1, NULL, &why);
				if (r == 0 || (r == BLK_TORN && i == end))
					break;
				if (r < 0) {
					rc = r == BLK_TORN ? -EBADMSG : r;
					scrm_set_err(err, errlen, "%s @ %" PRIu64 ": %s", path, off,
						rc == -EBADMSG ? why : strerror(-rc));
					break;
				}
				rc = blk_each(&b, ckpt_cb, &k);
				off += b.blen;
			}
			close(fd);
		}
		if (k.c && (!best || k.c->commit > best->commit ||
			    (k.c->commit == best->commit && k.c->part < best->part))) {
			scrm_ilog_checkpoint_free(best);
			best = k.c;
		} else {
			scrm_ilog_checkpoint_free(k.c);
		}
		end = start;
	}
	blk_reader_free(&b);
	if (!rc && !best) {
		/* None: a first batch that never reached its checkpoint (at most one block
		 * in each partition, which the caller cuts), or checkpoints lost (partition
		 * 0's segments damaged or gone) from a log that held more */
		for (size_t e = nseg; e > 0 && !rc;) {
			size_t st = e;
			while (st > 0 && segs[st - 1].part == segs[e - 1].part)
				st--;
			if (more_than_one_block(dir, segs + st, e - st)) {
				scrm_set_err(err, errlen,
					"%s: no checkpoint in the log, though partition %" PRIu32 " holds more than one "
					"batch of interactions: its checkpoints (partition 0's segments) are damaged or "
					"missing; refusing to cut the log (`scrm log verify %s` shows what is wrong)",
					dir, segs[e - 1].part, dir);
				rc = -EBADMSG;
			}
			e = st;
		}
	}
	free(segs);
	if (rc) {
		if (rc == -ENOMEM)
			scrm_set_err(err, errlen, "%s: out of memory", dir);
		scrm_ilog_checkpoint_free(best);
		return rc;
	}
	if (!best) {
		scrm_set_err(err, errlen, "%s: no checkpoint in the log", dir);
		return -ENOENT;
	}
	*out = best;
	return 0;
}
