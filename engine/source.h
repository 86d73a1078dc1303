/*
 * source.h - where the listen stage's bytes come from, behind one small interface.
 *
 * A source yields a byte stream. Implementations: a regular file read with io_uring
 * (falling back to read(2) where io_uring is unavailable), stdin or a pipe with read(2),
 * an in-memory buffer (tests), and a zstd, gzip, bzip2 or xz decompressor wrapped
 * around any of them (detected by the magic bytes, so `cat x.zst | scrm run -` works;
 * zstd's multi-frame and skippable frames, the others' concatenated members, are
 * handled; codec.h). Kafka will plug in as another implementation.
 *
 * Threads: a source is used by one thread at a time (the reader thread).
 */
#ifndef SCRM_SOURCE_H
#define SCRM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct scrm_source scrm_source;

typedef struct scrm_source_opts {
	bool no_uring;    /* force read(2) even where io_uring works */
	bool quiet;       /* do not print the one-line fallback notice */
	bool watch_stop;  /* pipes and terminals also watch stop_fd: */
	int stop_fd;      /* once it is readable, reads return -ECANCELED, so a signal
			     handler can stop a reader blocked on stdin */
	bool follow;      /* a named regular file: at its end, wait for it to grow (tail -F);
			     see scrm_source_follow_end() */
} scrm_source_opts;

/* Open `path` ("-" is stdin). Detects zstd by magic and decompresses transparently.
 * Returns 0 and sets *out, or -errno (ENOENT, EACCES, EISDIR, ...). On error, if
 * `err` is not NULL, a human-readable message is written to it (NUL-terminated). */
int scrm_source_open(scrm_source **out, const char *path, const scrm_source_opts *opts,
		     char *err, size_t errlen);

/* A byte stream implemented outside the engine (a Kafka consumer, a socket): how a new
 * kind of input plugs in without touching the stages. read returns > 0 bytes, 0 at the
 * end of the stream, or -errno (-ECANCELED: stopped); it is called from the reader
 * thread only. close (may be NULL) releases ctx when the source is closed. */
typedef struct scrm_stream_ops {
	ssize_t (*read)(void *ctx, void *buf, size_t cap);
	void (*close)(void *ctx);
} scrm_stream_ops;

/* Wrap a stream (ops must outlive the source; zstd is detected too). On success the
 * source owns ctx; on failure (-errno) the caller still does. */
int scrm_source_open_stream(scrm_source **out, const scrm_stream_ops *ops, void *ctx, const char *name);

/* A source over caller-owned memory (must outlive the source); zstd is detected too. */
int scrm_source_open_mem(scrm_source **out, const void *data, size_t len, const char *name);

/* Read up to `cap` bytes into `buf`. Returns the count (> 0), 0 at end of stream, or
 * -errno on a read or decompression error (-EBADMSG for corrupt zstd data). A short
 * count does not mean end of stream. */
ssize_t scrm_source_read(scrm_source *s, void *buf, size_t cap);

/* Name for messages and rejects ("-" shows as "<stdin>"). Valid until close. */
const char *scrm_source_name(const scrm_source *s);

/* Why the last failed scrm_source_read failed, naming the source (e.g. "x.zst:
 * truncated zstd frame"); "" before any failure. Valid until close. */
const char *scrm_source_error(const scrm_source *s);

/* True if this source reads with io_uring. */
bool scrm_source_uses_uring(const scrm_source *s);

/* Bytes read from the underlying file so far (compressed bytes for .zst). */
unsigned long long scrm_source_raw_bytes(const scrm_source *s);

/*
 * Following a file (scrm_source_opts.follow, a named regular file only; stdin and pipes
 * stream anyway). The read that reaches the file's end waits until it grows: an inotify
 * watch wakes it (where inotify is missing, a 250 ms timer), and once a second it also
 * checks whether the file was truncated (its size is below what was read) or another
 * file now has its name (rotated: renamed away and created again, or deleted). Either
 * ends this source, after the old file's last bytes, as an end of stream; then
 * scrm_source_follow_end() says why and the caller opens the name again. A file that is
 * empty when opened is waited on before its first bytes are looked at (zstd and the
 * other codecs are detected from them). stop_fd (watch_stop) ends a wait with -ECANCELED.
 */

/* Why a followed source ended ("truncated", "replaced by a new file"), or NULL if it
 * has not (or is not followed). */
const char *scrm_source_follow_end(const scrm_source *s);

/* Nanoseconds a followed source has waited for its file to grow, in all. */
unsigned long long scrm_source_waited_ns(const scrm_source *s);

/* The followed file's identity as fstat() gives it (device and inode), for a caller
 * that tells files apart; -ENOTSUP for a source that is not a named file. */
int scrm_source_file_stat(const scrm_source *s, struct stat *st);

/* Close and free. Accepts NULL. */
void scrm_source_close(scrm_source *s);

/*
 * The chunker cuts a source's stream into chunks of whole lines.
 *
 * A chunk is up to `cap` bytes ending at a line boundary (the last line of the stream
 * may lack its '\n'). A line longer than `max_record` bytes is never delivered: it is
 * skipped up to its '\n' and reported in the chunk info as oversize (with its offset,
 * line number and length), so line numbers and offsets stay exact.
 */
typedef struct scrm_chunker scrm_chunker;

#define SCRM_CHUNK_MAX_OVERSIZE 16
#define SCRM_CHUNK_LINES 4096 /* line ends a chunk records (scrm_chunk_info) */

typedef struct scrm_oversize {
	unsigned long long offset; /* byte offset of the line's first byte */
	unsigned long long line;   /* 1-based line number */
	unsigned long long length; /* its length without the '\n' */
	int unterminated;          /* the input's last line, without a '\n' */
} scrm_oversize;

typedef struct scrm_chunk_info {
	unsigned long long base_offset; /* stream offset of the chunk's first byte */
	unsigned long long base_line;   /* line number of the chunk's first line (1-based) */
	/* stream offset just past the chunk's last whole line, the oversize lines cut out of
	 * it included: where the next chunk's bytes start (a resumed run starts there) */
	unsigned long long end_offset;
	unsigned n_oversize;            /* oversize lines skipped before/inside this chunk */
	scrm_oversize oversize[SCRM_CHUNK_MAX_OVERSIZE];
	unsigned long long oversize_dropped; /* more than SCRM_CHUNK_MAX_OVERSIZE: only counted */
	/* Where the chunk's first n_lines lines end: the offset in the chunk of each one's
	 * '\n', in order (the chunker finds them anyway; the worker need not look again).
	 * Lines past SCRM_CHUNK_LINES, and past 4 GiB into a chunk, are not recorded. */
	unsigned n_lines;
	uint32_t line_end[SCRM_CHUNK_LINES];
} scrm_chunk_info;

/* Create a chunker over `src` (borrowed). `max_record` >= 1. Returns 0 or -ENOMEM. */
int scrm_chunker_create(scrm_chunker **out, scrm_source *src, size_t max_record);

/* Cut the stream at CSV record ends (csv.h: a '\n' inside a quoted field does not end a
 * record) instead of at every '\n'. Line numbers still count physical lines (the one a
 * record starts on); line_end[] and the oversize reports are then records. Set it before
 * the first scrm_chunker_next(). */
void scrm_chunker_set_csv(scrm_chunker *c, bool csv);

/* Fill `buf` (capacity `cap`, which must be > max_record; the caller also leaves
 * SCRM_PADDING bytes after cap) with the next chunk. Returns the chunk length (> 0),
 * 0 when no line was delivered, or -errno from the source. A chunk may carry oversize
 * reports whatever its length; reports are never dropped (reads are sized so that
 * they fit), so a run of oversize lines can also come as a 0-length chunk before the
 * end: only scrm_chunker_eof() says the stream has ended. */
ssize_t scrm_chunker_next(scrm_chunker *c, char *buf, size_t cap, scrm_chunk_info *info);

/* The source never makes a read wait (a regular file, not followed): a chunk whose reads
 * the oversize reports cut short goes on reading to the target (a small --max-record made
 * small chunks). Else a chunk ends with the first read that completes a line, so a pipe or
 * a followed file is not held until more arrives. Default false. */
void scrm_chunker_set_fill(scrm_chunker *c, bool fill);

/* True once the source reached its end (everything has been delivered). */
bool scrm_chunker_eof(const scrm_chunker *c);

/* Aim for chunks of about `target` bytes (0, the default: fill the whole buffer). A
 * smaller target keeps the working set in cache while the buffer still has room for
 * a max_record line: a fill stops reading at the target once it holds a whole line. */
void scrm_chunker_set_target(scrm_chunker *c, size_t target);

/* Total bytes delivered or skipped so far (the stream offset reached). */
unsigned long long scrm_chunker_offset(const scrm_chunker *c);

/* The bytes the chunker holds undelivered: a line (CSV: a record) not finished yet, as a
 * followed file or a pipe may leave it when the run stops. Returns their count (an
 * oversize line being dropped counts too), with where they start: the stream offset and
 * the 1-based line, and (CSV) how many line breaks inside an open quote they hold
 * (lines a stray quote keeps back). 0: nothing pending. */
unsigned long long scrm_chunker_pending(const scrm_chunker *c, unsigned long long *off, unsigned long long *line,
					unsigned long long *quoted_lines);

void scrm_chunker_free(scrm_chunker *c);

/* The wide encoding (UTF-16LE/BE, UTF-32LE/BE) bytes p[0, n) start in, as iconv names
 * it, or NULL: a byte-order mark, or NUL bytes beside the first JSON character (with
 * @csv: beside any first character, a header name). */
const char *scrm_wide_encoding(const unsigned char *p, size_t n, bool csv);

#endif
