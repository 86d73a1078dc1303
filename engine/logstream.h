/*
 * logstream.h - the interactions of an interaction log (ilog.h) as one NDJSON byte
 * stream in input order, so that a restarted run can feed them through analyze and
 * relate again and rebuild every piece of state the stream taught the engine (customer
 * windows, near-duplicate windows, influence network weights) exactly as the
 * uninterrupted run had it.
 *
 * DESIGN. Each partition's records are in increasing seq order (the pipeline appends
 * them in input order and numbers records across runs), so a merge of the partitions'
 * iterators by seq gives the input order back. Each line is an interaction's payload
 * (the routed event, which the normalizer reads as a canonical scrm record) and '\n'.
 * Checkpoints and interactions whose seq is >= the limit are left out.
 *
 * Threads: one stream is used by one thread at a time (the pipeline's reader thread).
 */
#ifndef SCRM_LOGSTREAM_H
#define SCRM_LOGSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct scrm_logstream scrm_logstream;

/*
 * scrm_logstream_open() - a stream over the log in @dir (read-only; it may be open for
 * appending elsewhere as long as nothing is appended while the stream is read).
 * @below_seq: interactions with seq >= this are left out.
 * Return: 0 and *out; -errno with a message in @err.
 */
int scrm_logstream_open(scrm_logstream **out, const char *dir, uint64_t below_seq, char *err, size_t errlen);

/* Up to @cap bytes of the stream into @buf: > 0, 0 at its end, or -errno (a corrupt
 * block: -EBADMSG; scrm_logstream_error() says where). The scrm_stream_ops read. */
ssize_t scrm_logstream_read(void *s, void *buf, size_t cap);

/* Why the last read failed; "" before any failure. */
const char *scrm_logstream_error(const scrm_logstream *s);

/* Interactions delivered so far. */
uint64_t scrm_logstream_count(const scrm_logstream *s);

/* NULL is ignored. The scrm_stream_ops close. */
void scrm_logstream_close(void *s);

#endif
