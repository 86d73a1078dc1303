/*
 * sink.h - where emitted bytes go, behind one small interface.
 *
 * A sink appends whole batches. If a write to a file the sink created fails part-way
 * (a full disk), the sink truncates the file back to the end of the last whole batch,
 * so it always ends on a batch boundary (for route files: a complete zstd frame). An
 * inherited descriptor (stdout, `>> file`) is never truncated: its bytes may not be ours. Implementations: a
 * file (created or truncated), an inherited descriptor (stdout/stderr). A Kafka
 * producer will plug in as another implementation.
 *
 * Threads: one thread at a time (the writer thread).
 */
#ifndef SCRM_SINK_H
#define SCRM_SINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct scrm_sink scrm_sink;

/* Create/truncate `path` for writing. Returns 0 or -errno (message in err). */
int scrm_sink_open_file(scrm_sink **out, const char *path, char *err, size_t errlen);

/* Open an existing output at byte @size to go on where a checkpoint left it: bytes past
 * @size (a batch the checkpoint does not cover) are cut, then writes append. A missing
 * file is created (then @size must be 0). -ESTALE (message in @err) when the file is
 * shorter than @size or not a regular file; -errno otherwise. */
int scrm_sink_open_file_at(scrm_sink **out, const char *path, uint64_t size, char *err, size_t errlen);

/* Wrap an open descriptor (not closed by scrm_sink_close). */
int scrm_sink_open_fd(scrm_sink **out, int fd, const char *name);

/* A sink implemented outside the engine (a Kafka producer, a socket): how a new kind
 * of output plugs in without touching the stages. write must take the whole batch or
 * fail with -errno (then the sink refuses further writes); it is called from the
 * writer thread only. close (may be NULL) flushes and releases ctx; returns 0 or -errno. */
typedef struct scrm_sink_ops {
	int (*write)(void *ctx, const void *p, size_t n);
	int (*close)(void *ctx);
} scrm_sink_ops;

/* Wrap a custom sink (ops must outlive it). On success the sink owns ctx. */
int scrm_sink_open_custom(scrm_sink **out, const scrm_sink_ops *ops, void *ctx, const char *name);

/* Append n bytes as one batch. Returns 0 or -errno; after an error the sink refuses
 * further writes with the same error. */
int scrm_sink_write(scrm_sink *s, const void *p, size_t n);

const char *scrm_sink_name(const scrm_sink *s);
uint64_t scrm_sink_bytes(const scrm_sink *s);

/* Cut a file sink back to `size` bytes (a size scrm_sink_bytes() gave after an earlier
 * batch): undo the whole batches written since, when a later output of the same chunk
 * failed, so that every file ends on the same batch. Returns 0; -ESPIPE for a sink that
 * cannot be cut (a descriptor it did not open, a custom sink), -EINVAL for a size past
 * its end, or -errno from ftruncate. The sink's sticky error is left as it was. */
int scrm_sink_rollback(scrm_sink *s, uint64_t size);

/* Close (fsync is not implied). Returns 0 or -errno from close. Accepts NULL. */
int scrm_sink_close(scrm_sink *s);

#endif
