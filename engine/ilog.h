/*
 * ilog.h - the interaction log: append-only, partitioned, segmented, checksummed storage
 * of every customer interaction and of the pipeline's input checkpoints.
 *
 * DESIGN. A log is a directory holding a fixed number of partitions (chosen when the log
 * is created, e.g. 64, never from the thread count, so the same input gives the same
 * bytes whatever the thread layout). A customer's interactions all live in partition
 * `customer_hash % nparts` (the contract every writer and reader here relies on). Each
 * partition is a sequence of segment files; a segment is a header and then blocks; a
 * block is one commit (one batch of one partition): a checksummed header, a small
 * Bloom filter of its customers, and a zstd frame of length+checksum framed records.
 * When a segment passes the size limit the next commit starts a new one, and the
 * closed segment gets an index file (customer -> block offsets), so
 * `scrm_ilog_history()` reads a handful of blocks instead of the log; in the open
 * segment (not indexed yet) the filters let it skip the blocks without decompressing
 * them. The byte-for-byte format is specified at the top of ilog.c.
 *
 * Crash safety. A commit is one write() of one whole block at the end of the segment.
 * Opening an existing log walks the last segment of every partition and truncates it
 * after the last block whose header and checksum verify (a torn or corrupt tail), so
 * the log always ends on a whole commit. What a crash can lose depends on the fsync
 * policy (scrm_ilog_sync_policy); nothing that was committed and synced is ever lost.
 *
 * Threads. A partition is written by one thread at a time; different partitions are
 * written concurrently by different threads with no lock (each partition's state,
 * buffers and compression context are its own; the log's shared fields are read-only
 * after open), except scrm_ilog_sync_many(), which uses the log's one io_uring: one
 * thread at a time may call it. A scrm_ilog_builder (blocks built apart) belongs to
 * whichever thread uses it. scrm_ilog_open/close are called by one thread while no
 * writer runs.
 * The readers (iterator, verify, history, checkpoint) open the files themselves and
 * share nothing; any number may run at once, also beside a writer (they see whole
 * blocks only, up to the size they found when they looked).
 *
 * Memory. Per partition: the current block (raw + compressed, grown geometrically and
 * then reused), and the open segment's index entries: 16 bytes per distinct (customer,
 * block) pair, i.e. at most about a sixth of the segment size (bounded by the segment
 * size limit). Per record: no allocation, no syscall.
 *
 * Dependencies: libzstd, libxxhash.
 */
#ifndef SCRM_ILOG_H
#define SCRM_ILOG_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

#define SCRM_ILOG_VERSION 1
#define SCRM_ILOG_MAX_PARTS 4096          /* partitions per log */
#define SCRM_ILOG_PAYLOAD_MAX (16u << 20) /* bytes of one interaction's payload */
#define SCRM_ILOG_BLOCK_MAX (64u << 20)   /* raw (uncompressed) bytes of one block */
#define SCRM_ILOG_INPUT_MAX 4096          /* bytes of one checkpoint input identity */
#define SCRM_ILOG_CKPT_MAX 65535          /* inputs in one checkpoint */

typedef struct scrm_ilog scrm_ilog;

/*
 * When commits reach the disk, and what a crash (power loss, kernel panic; a process
 * crash alone loses nothing that was committed, the page cache keeps it) can lose:
 *   ALWAYS:   scrm_ilog_commit() fdatasyncs the partition before it returns. Loses
 *             nothing committed. One fdatasync per partition per batch on the writer's
 *             thread: the slowest.
 *   BATCH:    commit writes only; scrm_ilog_sync() or scrm_ilog_sync_many() (the
 *             pipeline calls the latter for every partition a chunk touched, all at
 *             once, before it writes the chunk's checkpoint) fdatasyncs. Loses at most
 *             the commits since the last sync, and never any commit a checkpoint
 *             covers. The default.
 *   INTERVAL: commit fdatasyncs when more than interval_ms passed since the partition's
 *             last sync. Loses at most about interval_ms of commits per partition.
 *   NEVER:    the log never syncs (close does not either); the OS writes back when it
 *             likes (typically within 30 s). For benchmarks and replays.
 * Whatever the policy, a crash never leaves a partial block behind after recovery.
 */
typedef enum scrm_ilog_sync_policy {
	SCRM_ILOG_SYNC_BATCH = 0,
	SCRM_ILOG_SYNC_ALWAYS,
	SCRM_ILOG_SYNC_INTERVAL,
	SCRM_ILOG_SYNC_NEVER,
} scrm_ilog_sync_policy;

/* What recovery cut from a partition's last segment (see scrm_ilog_opts.on_truncate).
 * @path: the segment file; @offset: where it now ends (removed: 0, the file is gone);
 * @bytes: how many bytes were cut; @why: the reason, e.g. "torn block header". */
typedef struct scrm_ilog_truncation {
	uint32_t part;
	const char *path;
	uint64_t offset;
	uint64_t bytes;
	int removed; /* 1: the segment's own header was bad, the file was deleted */
	const char *why;
} scrm_ilog_truncation;

typedef struct scrm_ilog_opts {
	uint64_t segment_bytes;       /* roll over to a new segment past this (default 64 MiB) */
	scrm_ilog_sync_policy sync;   /* default SCRM_ILOG_SYNC_BATCH */
	uint32_t interval_ms;         /* for SCRM_ILOG_SYNC_INTERVAL (default 1000) */
	int zstd_level;               /* default 1 */
	/* Recovery also cuts, in each partition's last segment, the first block (and all
	 * after it) holding an INTERACTION whose seq is >= cut_seq: what a crashed run wrote
	 * past its last checkpoint. Blocks an index covers are not read. UINT64_MAX
	 * (default): no such cut. */
	uint64_t cut_seq;
	/* Called by scrm_ilog_open() for each truncation recovery makes (may be NULL);
	 * the pointers in *t live for the call only. */
	void (*on_truncate)(void *ctx, const scrm_ilog_truncation *t);
	void *ctx;
	/* scrm_ilog_sync_many() syncs one partition after the other, without io_uring. */
	int no_uring;
} scrm_ilog_opts;

void scrm_ilog_opts_default(scrm_ilog_opts *o);

/* ---- records ---- */

typedef enum scrm_ilog_kind {
	SCRM_ILOG_INTERACTION = 1,
	SCRM_ILOG_CHECKPOINT = 2,
} scrm_ilog_kind;

/* One input of a checkpoint: its identity (a path, "kafka:topic/partition", ...; no
 * NUL byte in it; not NUL-terminated when read back by an iterator) and how many of
 * its bytes were durably consumed. */
typedef struct scrm_ilog_input {
	const char *input;
	size_t input_len; /* 1..SCRM_ILOG_INPUT_MAX */
	uint64_t offset;
} scrm_ilog_input;

/*
 * A record, as appended and as read back. Only the fields of its kind are used.
 * INTERACTION: @customer (the customer key hash; decides the partition), @ts_ms (event
 * time, ms since the epoch), @seq (the caller's record sequence number, e.g. the routed
 * event's "seq"), @data/@len (an opaque payload; by convention one compact JSON object,
 * which `scrm log dump` and `scrm history` print as is; 0..SCRM_ILOG_PAYLOAD_MAX bytes).
 * CHECKPOINT: @commit (the caller's commit sequence; the latest checkpoint of a log is
 * the one with the highest), @inputs/@ninputs (0..SCRM_ILOG_CKPT_MAX).
 * @lsn is set by readers: the record's position in its partition (0, 1, 2, ...).
 * Pointers in a record read back live until the next call on the reader that gave it.
 */
/* An interaction's ts_ms when its message had no time (logs written before 2026-12-07's
 * twenty-second session have 0 there). */
#define SCRM_ILOG_NO_TIME INT64_MIN

typedef struct scrm_ilog_rec {
	scrm_ilog_kind kind;
	uint64_t lsn;
	uint64_t customer;
	int64_t ts_ms;
	uint64_t seq;
	const void *data;
	size_t len;
	uint64_t commit;
	const scrm_ilog_input *inputs;
	uint32_t ninputs;
} scrm_ilog_rec;

/* ---- writing ---- */

/*
 * scrm_ilog_open() - open the log in @dir for appending, creating @dir (one level, mode
 * 0755) and the log if missing.
 * @nparts: 1..SCRM_ILOG_MAX_PARTS; must equal the count the log was created with.
 * @o: options (NULL: defaults); copied.
 * On an existing log it recovers each partition (see the file comment); truncations are
 * reported through o->on_truncate and counted (scrm_ilog_truncated()). A last segment
 * whose own header is bad is deleted when nothing follows the header (a crash while it
 * was created), and refused (-EBADMSG) otherwise. Segments other than the last are not
 * read (scrm_ilog_verify() checks them). The directory is locked
 * (flock) while the log is open: a second writer gets -EBUSY.
 * Return: 0 and the log in *out (close with scrm_ilog_close()); -EINVAL (bad arguments,
 * a different partition count, a segment that belongs to another log), -EBADMSG (a
 * damaged segment header, see above), -EBUSY, -ENOMEM,
 * or the -errno of a failed file operation; the message is in @err.
 */
int scrm_ilog_open(scrm_ilog **out, const char *dir, uint32_t nparts, const scrm_ilog_opts *o, char *err,
		   size_t errlen);

uint32_t scrm_ilog_nparts(const scrm_ilog *log);

/* The partition of a customer: customer % nparts. */
static inline uint32_t scrm_ilog_part_of(uint64_t customer, uint32_t nparts)
{
	return (uint32_t)(customer % nparts);
}

/* Bytes recovery cut at open (0 after a clean shutdown); *cuts (may be NULL) gets how
 * many cuts it made (one per truncated or removed segment). */
uint64_t scrm_ilog_truncated(const scrm_ilog *log, uint32_t *cuts);

/*
 * scrm_ilog_append() - add a record to partition @part's current block (the batch).
 * An INTERACTION must be in partition scrm_ilog_part_of(r->customer): -EINVAL if not.
 * Copies the record; no syscall; allocates only when the block buffer grows.
 * Nothing reaches the file before scrm_ilog_commit().
 * Threads: the one thread that writes @part now.
 * Return: 0; -EINVAL (bad record); -EMSGSIZE (payload or input too long); -E2BIG (the
 * block would pass SCRM_ILOG_BLOCK_MAX raw bytes: commit more often); -ENOMEM; or the
 * partition's earlier write error (errors are sticky: see scrm_ilog_commit()).
 */
int scrm_ilog_append(scrm_ilog *log, uint32_t part, const scrm_ilog_rec *r);

/*
 * scrm_ilog_commit() - end of a batch: compress @part's block and write it with one
 * write() (rolling over to a new segment first if the current one would pass the size
 * limit), then fdatasync as the policy says. A block with no records is not written.
 * Threads: the one thread that writes @part now.
 * Return: 0, or -errno of a failed write/fsync: the partition then refuses every later
 * append/commit with that error (after a failed fsync the page cache can no longer be
 * trusted); the file is cut back to its last whole block where possible.
 */
int scrm_ilog_commit(scrm_ilog *log, uint32_t part);

/*
 * Blocks built away from the log: a scrm_ilog_builder (one per thread) frames records
 * and compresses them into the bytes that scrm_ilog_append() + scrm_ilog_commit() would
 * write for them (but the LSN and the header's own checksum, which only the log knows);
 * scrm_ilog_commit_built() writes such a block as a partition's next one. So most of a
 * commit's cost (zstd) can run on other threads than the one that writes the log, and
 * the log is the same, byte for byte.
 *
 * scrm_ilog_builder_add() takes records as scrm_ilog_append() does (the same checks and
 * errors, but the partition's: commit_built checks that every customer of the block
 * belongs to the partition it is written to). scrm_ilog_builder_seal() turns the
 * records added since the last seal into one block appended to @blocks (its customers,
 * distinct and ascending, as uint64_t to @custs) and describes it in *out (nrec 0 and
 * nothing appended when there were none). scrm_ilog_commit_built() writes the block *bl
 * of @blocks / @custs (it fills in its LSN and checksum in @blocks) to @part, which must
 * have no records appended and not committed: -EINVAL then, and for a block that is not
 * one or a customer of another partition; else as scrm_ilog_commit(). A builder is used
 * by one thread at a time; commit_built by the partition's writer, as commit.
 */
typedef struct scrm_ilog_builder scrm_ilog_builder;
typedef struct scrm_ilog_built {
	size_t off, len;      /* the block: blocks->data[off, off + len) */
	size_t cust_off;      /* its customers: custs->data + cust_off, ncust uint64_t */
	size_t ncust;
	uint32_t nrec;        /* records; 0: no block */
} scrm_ilog_built;

scrm_ilog_builder *scrm_ilog_builder_new(int zstd_level); /* NULL: out of memory */
void scrm_ilog_builder_free(scrm_ilog_builder *b);
int scrm_ilog_builder_add(scrm_ilog_builder *b, const scrm_ilog_rec *r);
int scrm_ilog_builder_seal(scrm_ilog_builder *b, scrm_buf *blocks, scrm_buf *custs, scrm_ilog_built *out);
int scrm_ilog_commit_built(scrm_ilog *log, uint32_t part, const scrm_ilog_built *bl, scrm_buf *blocks,
			   const scrm_buf *custs);

/* Whether a block of @blen bytes committed to @part now would start a new segment
 * (the current one holds a block and would pass opts.segment_bytes). Recovery's cut of
 * what was written past the last checkpoint (opts.cut_seq) reads each partition's last
 * segment only: a writer that leaves several batches without a checkpoint writes one
 * before a block that would start a segment. Threads: as commit. */
bool scrm_ilog_would_roll(const scrm_ilog *log, uint32_t part, size_t blen);

/* The zstd level the log compresses with (for its builders). */
int scrm_ilog_zstd_level(const scrm_ilog *log);

/* fdatasync @part if it has commits not yet synced (any policy but NEVER). The batch
 * boundary of SCRM_ILOG_SYNC_BATCH. Threads: as commit. Return: 0 or -errno (sticky). */
int scrm_ilog_sync(scrm_ilog *log, uint32_t part);

/*
 * scrm_ilog_sync() for each of the @n partitions @parts, all at once: their fdatasyncs
 * go to io_uring together (run in parallel, a journaling file system commits them in
 * one transaction: ~4x faster than one after the other for 64 partitions, measured),
 * or, where io_uring is unavailable or o.no_uring is set, one after the other. Every
 * partition is synced even when one fails. The caller must own all @parts (the
 * pipeline's writer thread), and no other thread may be in scrm_ilog_sync_many() (the
 * log's io_uring is one). Return: 0, or the first failed partition's -errno (each
 * failure is sticky on its partition), -EINVAL for a partition out of range.
 */
int scrm_ilog_sync_many(scrm_ilog *log, const uint32_t *parts, size_t n);

/*
 * scrm_ilog_close() - sync every partition (unless NEVER), write the index of each
 * open segment (so history needs no scan), close the files, unlock, free.
 * Records appended but not committed are discarded, as a crash would: a batch is in
 * the log only once committed. Accepts NULL.
 * Return: 0 or the first -errno met (the log is freed in any case).
 */
int scrm_ilog_close(scrm_ilog *log);

/* ---- reading ---- */

typedef struct scrm_ilog_iter scrm_ilog_iter;

/*
 * scrm_ilog_iter_open() - iterate partition @part of the log in @dir in log order (all
 * its segments, oldest first). Sees the blocks present when each segment is reached.
 * Return: 0 and *out (free with scrm_ilog_iter_free()); -ENOENT (@dir is not a log),
 * -EINVAL (@part out of range), -ENOMEM, -errno; message in @err.
 */
int scrm_ilog_iter_open(scrm_ilog_iter **out, const char *dir, uint32_t part, char *err, size_t errlen);

/* Next record into *r (valid until the next call). A block that runs past the end of
 * the partition's last segment (a commit being written, or a torn one recovery will
 * cut) is the end. Return: 1 a record, 0 the end,
 * -EBADMSG a corrupt block or segment (scrm_ilog_iter_error() says where; the iterator
 * stops there), -errno an I/O error. */
int scrm_ilog_iter_next(scrm_ilog_iter *it, scrm_ilog_rec *r);

/* The message of the last error ("" if none); lives as long as the iterator. */
const char *scrm_ilog_iter_error(const scrm_ilog_iter *it);

void scrm_ilog_iter_free(scrm_ilog_iter *it);

/*
 * What scrm_ilog_verify() reports: one PROBLEM per defect found (@path, @offset of the
 * bad segment header/block/index, @why), then one PART summary per partition (counts
 * of what verified; a partition with no segment reports zeros).
 */
typedef enum scrm_ilog_report_kind { SCRM_ILOG_REPORT_PROBLEM, SCRM_ILOG_REPORT_PART } scrm_ilog_report_kind;

typedef struct scrm_ilog_report {
	scrm_ilog_report_kind kind;
	uint32_t part;
	const char *path;   /* PROBLEM */
	uint64_t offset;    /* PROBLEM */
	const char *why;    /* PROBLEM */
	uint64_t segments;  /* PART */
	uint64_t indexes;   /* PART: valid index files */
	uint64_t blocks;    /* PART */
	uint64_t records;   /* PART */
	uint64_t interactions, checkpoints; /* PART */
	uint64_t bytes;     /* PART: segment bytes */
} scrm_ilog_report;

typedef void (*scrm_ilog_report_fn)(void *ctx, const scrm_ilog_report *r);

/*
 * scrm_ilog_verify() - check every segment (headers, every block's checksums, its
 * records' framing and checksums, that its filter admits each of its customers,
 * sequence continuity) and every index (checksum, and that it lists exactly the blocks
 * of each customer) of the log in @dir. Read-only.
 * After a problem in a segment the rest of that segment is not trusted (not counted).
 * Return: the number of problems found (0: clean), or -errno when the log cannot be
 * read at all (message in @err).
 */
long scrm_ilog_verify(const char *dir, scrm_ilog_report_fn fn, void *ctx, char *err, size_t errlen);

/* Called per record found; return 0 to go on, non-zero to stop (then returned). */
typedef int (*scrm_ilog_rec_fn)(void *ctx, uint32_t part, const scrm_ilog_rec *r);

/*
 * scrm_ilog_history() - every INTERACTION of @customer in partition
 * scrm_ilog_part_of(@customer), in log order. Closed segments are read through their
 * index (only the blocks that hold the customer); what an index does not cover (the
 * open segment, an index missing or bad) is scanned, reading each block's header and
 * filter and decompressing only the blocks whose filter admits the customer.
 * Cost (bench/bench_ilog.c, 10 M interactions, 64 partitions, warm page cache): about
 * 1 ms through indexes, about 20 ms when a whole 13 MB partition is unindexed.
 * Return: 0; the callback's non-zero value; -EBADMSG when a block could not be read
 * (the records before it were delivered; the message says where); -ENOENT (not a log);
 * -errno. Message in @err.
 */
int scrm_ilog_history(const char *dir, uint64_t customer, scrm_ilog_rec_fn fn, void *ctx, char *err,
		      size_t errlen);

/* A checkpoint read back: owns its strings (NUL-terminated). */
typedef struct scrm_ilog_checkpoint {
	uint32_t part;
	uint64_t lsn;
	uint64_t commit;
	uint32_t ninputs;
	scrm_ilog_input *inputs;
} scrm_ilog_checkpoint;

/*
 * scrm_ilog_checkpoint_latest() - the checkpoint with the highest commit sequence
 * across all partitions (on a tie, the lowest partition). Each partition is read from
 * its last segment backwards, stopping at the first segment that holds a checkpoint.
 * The pipeline writes a chunk's checkpoint only after syncing every partition's blocks
 * of that chunk, so resuming from it loses nothing (under ALWAYS and BATCH).
 * Return: 0 and *out (free with scrm_ilog_checkpoint_free()); -ENOENT (no checkpoint,
 * or not a log), -EBADMSG (corrupt block met first), -ENOMEM, -errno; message in @err.
 */
int scrm_ilog_checkpoint_latest(const char *dir, scrm_ilog_checkpoint **out, char *err, size_t errlen);

void scrm_ilog_checkpoint_free(scrm_ilog_checkpoint *c);

/* ---- command line (ilog_cli.c) ---- */

/* `scrm log verify DIR` (exit 0 clean, 1 problems, 2 usage) and `scrm log dump DIR`
 * (NDJSON on stdout, partition by partition, log order). argv[0] is "log". */
int scrm_log_main(int argc, char **argv);

/*
 * Turns what the user typed (a handle, an e-mail, a customer key) into a customer hash;
 * returns 0, or -ENOENT when unknown (any other -errno is an error). The engine plugs in
 * the CRM's identity table here; without one, history takes a 16-hex-digit hash.
 */
typedef struct scrm_history_resolver {
	int (*resolve)(void *ctx, const char *who, uint64_t *hash);
	void *ctx;
} scrm_history_resolver;

/* `scrm history --log DIR [--json] WHO`: one customer's interactions in time order, as
 * a table or NDJSON. argv[0] is "history". @r may be NULL (hex hashes only).
 * Exit 0 (also when the customer has none), 1 (log unreadable or corrupt), 2 usage. */
int scrm_history_main_with(int argc, char **argv, const scrm_history_resolver *r);

int scrm_history_main(int argc, char **argv);

/* A customer key hash as `scrm log dump` prints it: exactly 16 hex digits (an optional
 * 0x first) -> *h. 0 or -EINVAL. */
int scrm_history_parse_hash(const char *s, uint64_t *h);

#endif
