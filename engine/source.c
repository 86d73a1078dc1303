/*
 * source.c - byte sources (file, stdin, memory, zstd, gzip/bzip2/xz) and the line chunker
 * (see source.h).
 *
 * Design. A source is a small vtable (read/name/close) in front of per-kind state, so
 * Kafka can plug in as one more kind. Regular files are read with io_uring: one small
 * ring per source, one IORING_OP_READ at the file offset straight into the caller's
 * buffer, submit and wait. Keeping a second read in flight into an internal buffer
 * was measured (1 GB file in page cache, 4 MiB reads: 14.7 GB/s against 26.2 GB/s
 * direct) and lost: a page-cache read completes inline at submit time, so there is
 * nothing to overlap and the extra memcpy is pure cost.
 * Where io_uring is unavailable (seccomp, old kernels) files fall back to read(2)
 * with one notice per process; pipes and terminals always use read(2).
 *
 * Every opened source peeks at its first 4 bytes: a zstd frame or skippable-frame
 * magic wraps it in a ZSTD_DStream decompressor that writes straight into the caller's
 * buffer, a gzip, bzip2 or xz magic in the same kind of loop over codec.h's stepping
 * decoders; otherwise the peeked bytes are handed out first, by themselves.
 *
 * The chunker reads into the caller's buffer right after the carried partial line, so
 * bulk data is copied once (by the kernel). Only the partial last line (at most
 * max_record bytes, else it is oversize and being skipped) is kept between calls, in
 * the chunker's own storage, because the next call gets a different buffer. Oversize
 * lines are cut out of the buffer in the same pass that counts lines: bytes after a
 * removed line are moved down once, so a fill stays linear in the bytes read.
 * A fill returns as soon as one read leaves a whole line in the buffer: a file read
 * fills the buffer, and a short read from a pipe is delivered rather than waited on.
 * So oversize lines beyond SCRM_CHUNK_MAX_OVERSIZE are only counted when they precede
 * the chunk's first byte (harmless: base_offset/base_line stay exact) or when one
 * buffer holds more than 16 of them (cap > 16 * (max_record + 2)).
 */
#include "source.h"

#include "codec.h"
#include "csv.h"
#include "utf8.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

/* The largest single read: io_uring takes a 32-bit length, and read(2) caps at
 * about 2 GiB anyway. */
#define SCRM_READ_MAX ((size_t)1 << 30)

/* zstd input buffer: large enough that a file feeds the decoder in few reads. */
#define SCRM_ZSTD_IN_CAP ((size_t)256 << 10)

#define SCRM_MAGIC_LEN 4
static_assert(SCRM_CODEC_MAGIC_MAX >= SCRM_MAGIC_LEN, "the peek holds zstd's magic");

typedef struct scrm_source_ops {
	/* Read up to cap (> 0) bytes; as scrm_source_read, without the peeked bytes. */
	ssize_t (*read)(scrm_source *s, void *buf, size_t cap);
	const char *(*name)(const scrm_source *s);
	bool (*uses_uring)(const scrm_source *s);
	unsigned long long (*raw_bytes)(const scrm_source *s);
	void (*close)(scrm_source *s);
} scrm_source_ops;

/* The part every kind shares; each kind embeds it as its first member. */
struct scrm_source {
	const scrm_source_ops *ops;
	char *name;
	unsigned long long raw_bytes;
	unsigned char peek[SCRM_CODEC_MAGIC_MAX]; /* read by open, handed out first */
	unsigned peek_len, peek_pos;
	char errmsg[160]; /* why the last read failed, for scrm_source_error */
};

static const char *base_name(const scrm_source *s)
{
	return s->name;
}

static bool base_no_uring(const scrm_source *s)
{
	(void)s;
	return false;
}

static unsigned long long base_raw_bytes(const scrm_source *s)
{
	return s->raw_bytes;
}

static int base_init(scrm_source *s, const scrm_source_ops *ops, const char *name)
{
	s->ops = ops;
	s->name = strdup(name);
	return s->name ? 0 : -ENOMEM;
}

static void set_err(char *err, size_t errlen, const char *fmt_path, const char *path, int e)
{
	if (err && errlen)
		snprintf(err, errlen, fmt_path, path, strerror(e));
}

/* ---- file descriptors: regular files (io_uring or read(2)), pipes, stdin ---- */

typedef struct fd_source {
	scrm_source base;
	int fd;
	bool own_fd;  /* false for stdin */
	bool regular; /* a short read means end of file, so fill the whole buffer */
	bool uring;
	int stop_fd;  /* >= 0: end the stream when it becomes readable (pipes, followed files) */
	unsigned long long off; /* file offset of the next read (we opened it at 0) */
	struct io_uring ring;
	/* Following (scrm_source_opts.follow): armed once the codec is detected. */
	bool follow;
	const char *follow_end; /* why following ended (the source is at its end then) */
	int ino_fd;   /* inotify on the file, or -1: wake by timer */
	dev_t dev;    /* the file we have open */
	ino_t ino;
	unsigned long long waited_ns; /* in follow_wait()'s polls */
	unsigned long long rotated_ms; /* another file under the name, seen at (monotonic ms)
					  with the old one at its end; 0: not seen */
} fd_source;

/* How long a followed file's wait sleeps before it checks for a truncation or a new
 * file under the name (with inotify, which wakes it when data is written), or between
 * looks at the size (without). */
#define FOLLOW_CHECK_MS 1000
#define FOLLOW_POLL_MS 250
/* After a rotation (another file under the name), the old file is read on while its
 * writer may still append to it (logrotate's `create`: until the application reopens):
 * the new file is taken once it holds data, or once the old one has been still this
 * long. */
#define FOLLOW_ROTATE_MS 5000

static unsigned long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long long)t.tv_sec * 1000u + (unsigned long long)t.tv_nsec / 1000000u;
}

/*
 * Wait at a followed file's end until there is more to read (1), it was truncated or
 * another file took its name (0: follow_end says which; the old file's bytes were all
 * read by then), or stop_fd became readable (-ECANCELED). Other failures -errno.
 */
static int follow_wait(fd_source *f)
{
	for (;;) {
		struct stat fs, ps;
		if (fstat(f->fd, &fs) < 0)
			return -errno;
		if ((unsigned long long)fs.st_size > f->off) {
			f->rotated_ms = 0; /* still written: read on, wherever the name points */
			return 1;
		}
		if ((unsigned long long)fs.st_size < f->off) {
			f->follow_end = "truncated";
			return 0;
		}
		/* rotated: the name now stands for another file (or for none yet: then the
		 * old one may still be written, so it is read on). The old one's writer may
		 * not have moved yet: it is left once the new file holds data (the writer
		 * reopened; what it wrote to the old one before is there by now: one more
		 * look at its size) or once it has been still for FOLLOW_ROTATE_MS. */
		if (stat(f->base.name, &ps) == 0 && (ps.st_dev != f->dev || ps.st_ino != f->ino)) {
			unsigned long long now = mono_ms();
			if (!f->rotated_ms)
				f->rotated_ms = now;
			if (ps.st_size > 0 || now - f->rotated_ms >= FOLLOW_ROTATE_MS) {
				if (fstat(f->fd, &fs) < 0)
					return -errno;
				if ((unsigned long long)fs.st_size > f->off)
					return 1;
				f->follow_end = "replaced by a new file";
				return 0;
			}
		}
		struct pollfd p[2];
		nfds_t np = 0;
		int stop_at = -1, ino_at = -1;
		if (f->stop_fd >= 0) {
			stop_at = (int)np;
			p[np++] = (struct pollfd){.fd = f->stop_fd, .events = POLLIN};
		}
		if (f->ino_fd >= 0) {
			ino_at = (int)np;
			p[np++] = (struct pollfd){.fd = f->ino_fd, .events = POLLIN};
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int n = poll(p, np, f->ino_fd >= 0 ? FOLLOW_CHECK_MS : FOLLOW_POLL_MS);
		int e = errno;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		f->waited_ns += (unsigned long long)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
		if (n < 0 && e != EINTR)
			return -e;
		if (stop_at >= 0 && p[stop_at].revents)
			return -ECANCELED;
		if (ino_at >= 0 && p[ino_at].revents) {
			/* what happened is looked up above; the events only woke us */
			char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
			while (read(f->ino_fd, ev, sizeof ev) > 0) {
			}
		}
	}
}

static ssize_t uring_read_once(fd_source *f, void *buf, size_t len)
{
	for (;;) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&f->ring);
		if (!sqe)
			return -EBUSY; /* cannot happen: one read in flight at most */
		io_uring_prep_read(sqe, f->fd, buf, (unsigned)len, f->off);
		int rc = io_uring_submit_and_wait(&f->ring, 1);
		/* A signal can interrupt the submit before the kernel took the SQE; if it
		 * is still queued, submit again, otherwise only the wait was cut short. */
		while ((rc == -EINTR || rc == -EAGAIN) && io_uring_sq_ready(&f->ring))
			rc = io_uring_submit_and_wait(&f->ring, 1);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN)
			return rc;
		struct io_uring_cqe *cqe;
		do
			rc = io_uring_wait_cqe(&f->ring, &cqe);
		while (rc == -EINTR);
		if (rc < 0)
			return rc;
		int res = cqe->res;
		io_uring_cqe_seen(&f->ring, cqe);
		if (res == -EAGAIN || res == -EINTR)
			continue;
		return res;
	}
}

static ssize_t sys_read_once(fd_source *f, void *buf, size_t len)
{
	for (;;) {
		if (f->stop_fd >= 0) {
			/* Wait for data or for the stop signal; a stop ends the stream. */
			struct pollfd p[2] = {{.fd = f->fd, .events = POLLIN}, {.fd = f->stop_fd, .events = POLLIN}};
			if (poll(p, 2, -1) < 0 && errno != EINTR)
				return -errno;
			if (p[1].revents)
				return -ECANCELED; /* stopped: not an end of stream, not an error */
			if (!p[0].revents)
				continue;
		}
		ssize_t n = read(f->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
		/* EAGAIN: someone handed us a non-blocking descriptor; wait for data. */
		if (errno == EAGAIN) {
			struct pollfd p = {.fd = f->fd, .events = POLLIN};
			(void)poll(&p, 1, -1);
		}
	}
}

static ssize_t fd_read(scrm_source *s, void *buf, size_t cap)
{
	fd_source *f = (fd_source *)s;
	size_t got = 0;
	while (got < cap) {
		size_t want = cap - got < SCRM_READ_MAX ? cap - got : SCRM_READ_MAX;
		ssize_t n = f->uring ? uring_read_once(f, (char *)buf + got, want)
				     : sys_read_once(f, (char *)buf + got, want);
		if (n < 0) {
			snprintf(s->errmsg, sizeof s->errmsg, "%s: read: %s", s->name,
				 strerror((int)-n));
			/* Hand out what arrived; the error repeats on the next call. */
			return got ? (ssize_t)got : n;
		}
		if (n == 0) {
			/* a followed file's end: wait for more, unless something is in hand */
			if (f->follow && !got && !f->follow_end) {
				int w = follow_wait(f);
				if (w > 0)
					continue;
				if (w < 0) {
					snprintf(s->errmsg, sizeof s->errmsg, "%s: following it: %s", s->name,
						 strerror(-w));
					return w;
				}
			}
			break;
		}
		got += (size_t)n;
		f->off += (unsigned long long)n;
		s->raw_bytes += (unsigned long long)n;
		/* A pipe returns what is there: give it to the caller rather than block. */
		if (!f->regular)
			break;
	}
	return (ssize_t)got;
}

static bool fd_uses_uring(const scrm_source *s)
{
	return ((const fd_source *)s)->uring;
}

static void fd_close(scrm_source *s)
{
	fd_source *f = (fd_source *)s;
	if (f->uring)
		io_uring_queue_exit(&f->ring);
	if (f->ino_fd >= 0)
		close(f->ino_fd);
	if (f->own_fd)
		close(f->fd);
	free(s->name);
	free(f);
}

static const scrm_source_ops fd_ops = {
	.read = fd_read,
	.name = base_name,
	.uses_uring = fd_uses_uring,
	.raw_bytes = base_raw_bytes,
	.close = fd_close,
};

/* One notice per process, however many files fall back. */
static atomic_flag uring_notice_done = ATOMIC_FLAG_INIT;

static void uring_notice(const scrm_source_opts *opts, const char *why)
{
	if (opts && opts->quiet)
		return;
	if (!atomic_flag_test_and_set(&uring_notice_done))
		fprintf(stderr, "scrm: io_uring unavailable (%s); reading files with read(2)\n",
			why);
}

/* Set up io_uring for a regular file; 0 if it works, else -errno (caller falls back). */
static int fd_uring_setup(fd_source *f, const scrm_source_opts *opts)
{
	int rc = io_uring_queue_init(4, &f->ring, 0);
	if (rc < 0) {
		uring_notice(opts, strerror(-rc));
		return rc;
	}
	/* Kernels before 5.6 have rings but no IORING_OP_READ. */
	struct io_uring_probe *probe = io_uring_get_probe_ring(&f->ring);
	bool has_read = probe && io_uring_opcode_supported(probe, IORING_OP_READ);
	io_uring_free_probe(probe);
	if (!has_read) {
		io_uring_queue_exit(&f->ring);
		uring_notice(opts, "no IORING_OP_READ");
		return -EOPNOTSUPP;
	}
	f->uring = true;
	return 0;
}

static int fd_source_open(scrm_source **out, const char *path, const scrm_source_opts *opts,
			  char *err, size_t errlen)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	int rc;
	/* A named pipe's open() waits for a writer, deaf to the stop pipe: opened without
	 * waiting, then blocking again; its first read polls the stop pipe and waits for
	 * the writer (a pipe that never had one reports no hang-up: no early end). */
	struct stat pst;
	bool fifo = !is_stdin && opts && opts->watch_stop && opts->stop_fd >= 0 && stat(path, &pst) == 0 &&
		    S_ISFIFO(pst.st_mode);
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
	if (fd >= 0 && fifo) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
			rc = -errno;
			close(fd);
			set_err(err, errlen, "%s: %s", path, -rc);
			return rc;
		}
	}
	if (fd < 0) {
		rc = -errno;
		set_err(err, errlen, "%s: %s", path, -rc);
		return rc;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		set_err(err, errlen, "%s: %s", name, -rc);
		goto close_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		set_err(err, errlen, "%s: %s (expected a file or '-')", name, EISDIR);
		goto close_fd;
	}
	fd_source *f = calloc(1, sizeof *f);
	if (!f) {
		rc = -ENOMEM;
		set_err(err, errlen, "%s: %s", name, ENOMEM);
		goto close_fd;
	}
	f->fd = fd;
	f->ino_fd = -1;
	f->own_fd = !is_stdin;
	f->regular = S_ISREG(st.st_mode);
	f->stop_fd = (!f->regular && opts && opts->watch_stop) ? opts->stop_fd : -1;
	rc = base_init(&f->base, &fd_ops, name);
	if (rc < 0) {
		set_err(err, errlen, "%s: %s", name, -rc);
		goto free_f;
	}
	if (f->regular) {
		/* Only advice: a failure changes nothing. */
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		if (!is_stdin && !(opts && opts->no_uring))
			(void)fd_uring_setup(f, opts);
		if (!is_stdin && opts && opts->follow) {
			f->dev = st.st_dev;
			f->ino = st.st_ino;
			if (opts->watch_stop)
				f->stop_fd = opts->stop_fd;
			/* without a watch (no inotify, or its limits reached) a timer wakes us */
			f->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
			if (f->ino_fd >= 0 &&
			    inotify_add_watch(f->ino_fd, path, IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF |
								     IN_DELETE_SELF) < 0) {
				close(f->ino_fd);
				f->ino_fd = -1;
			}
		}
	}
	*out = &f->base;
	return 0;

free_f:
	free(f);
close_fd:
	if (!is_stdin)
		close(fd);
	return rc;
}

/* ---- memory ---- */

typedef struct mem_source {
	scrm_source base;
	const unsigned char *data;
	size_t len, pos;
} mem_source;

static ssize_t mem_read(scrm_source *s, void *buf, size_t cap)
{
	mem_source *m = (mem_source *)s;
	size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
	if (n)
		memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	s->raw_bytes += n;
	return (ssize_t)n;
}

static void mem_close(scrm_source *s)
{
	free(s->name);
	free(s);
}

static const scrm_source_ops mem_ops = {
	.read = mem_read,
	.name = base_name,
	.uses_uring = base_no_uring,
	.raw_bytes = base_raw_bytes,
	.close = mem_close,
};

/* ---- a stream implemented elsewhere (Kafka, sockets): scrm_source_open_stream ---- */

typedef struct stream_source {
	scrm_source base;
	const scrm_stream_ops *ops;
	void *ctx;
} stream_source;

static ssize_t stream_read(scrm_source *s, void *buf, size_t cap)
{
	stream_source *st = (stream_source *)s;
	ssize_t n = st->ops->read(st->ctx, buf, cap);
	if (n > 0)
		s->raw_bytes += (unsigned long long)n;
	else if (n < 0)
		snprintf(s->errmsg, sizeof s->errmsg, "%s: %s", s->name, strerror((int)-n));
	return n;
}

static void stream_close(scrm_source *s)
{
	stream_source *st = (stream_source *)s;
	if (st->ops->close)
		st->ops->close(st->ctx);
	free(s->name);
	free(s);
}

static const scrm_source_ops stream_ops = {
	.read = stream_read,
	.name = base_name,
	.uses_uring = base_no_uring,
	.raw_bytes = base_raw_bytes,
	.close = stream_close,
};

/* ---- a decoder layered on another source (zstd, gzip, bzip2, xz) ---- */

/* The first member of each decoder's source: its name, whether it reads with io_uring
 * and its raw byte count are those of the source it decodes. */
typedef struct layer_source {
	scrm_source base;
	scrm_source *inner;
} layer_source;

static const char *layer_name(const scrm_source *s)
{
	const scrm_source *in = ((const layer_source *)s)->inner;
	return in->ops->name(in);
}

static bool layer_uses_uring(const scrm_source *s)
{
	const scrm_source *in = ((const layer_source *)s)->inner;
	return in->ops->uses_uring(in);
}

static unsigned long long layer_raw_bytes(const scrm_source *s)
{
	const scrm_source *in = ((const layer_source *)s)->inner;
	return in->ops->raw_bytes(in);
}

/* ---- zstd decompressor around another source ---- */

typedef struct zstd_source {
	layer_source l;
	ZSTD_DStream *ds;
	unsigned char *in;
	ZSTD_inBuffer ib;
	bool in_eof;    /* the inner source returned 0 */
	bool in_short;  /* its last read was short: it may block, so return output first */
	bool mid_frame; /* the decoder is inside a frame or still holds output */
	int err;        /* sticky: the decoder state is lost after an error */
} zstd_source;

static ssize_t zstd_fail(zstd_source *z, size_t produced, const char *what, const char *detail)
{
	z->err = -EBADMSG;
	snprintf(z->l.base.errmsg, sizeof z->l.base.errmsg, "%s: %s%s%s", z->l.inner->ops->name(z->l.inner),
		 what, detail ? ": " : "", detail ? detail : "");
	/* Output decoded before the bad spot is good: hand it out, fail next call. */
	return produced ? (ssize_t)produced : -EBADMSG;
}

static ssize_t zstd_read(scrm_source *s, void *buf, size_t cap)
{
	zstd_source *z = (zstd_source *)s;
	if (z->err)
		return z->err;
	ZSTD_outBuffer ob = {buf, cap, 0};
	for (;;) {
		if (z->ib.pos < z->ib.size || z->mid_frame) {
			size_t out0 = ob.pos, in0 = z->ib.pos;
			size_t ret = ZSTD_decompressStream(z->ds, &ob, &z->ib);
			if (ZSTD_isError(ret))
				return zstd_fail(z, ob.pos,
						 ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation
							 ? "cannot allocate the zstd frame's window (a --long archive needs up to 2 GiB)"
							 : "corrupt zstd data",
						 ZSTD_getErrorName(ret));
			z->mid_frame = ret != 0;
			if (ob.pos == ob.size)
				break;
			if (ob.pos > out0 || z->ib.pos > in0)
				continue;
			/* No progress with room to write: the decoder needs more input. */
			if (z->ib.pos < z->ib.size)
				return zstd_fail(z, ob.pos, "zstd decoder stalled", NULL);
		}
		if (z->in_eof)
			break;
		if (ob.pos > 0 && z->in_short)
			break;
		ssize_t n = scrm_source_read(z->l.inner, z->in, SCRM_ZSTD_IN_CAP);
		if (n < 0) {
			snprintf(s->errmsg, sizeof s->errmsg, "%s", scrm_source_error(z->l.inner));
			return ob.pos ? (ssize_t)ob.pos : n;
		}
		if (n == 0) {
			z->in_eof = true;
			break;
		}
		z->ib = (ZSTD_inBuffer){z->in, (size_t)n, 0};
		z->in_short = (size_t)n < SCRM_ZSTD_IN_CAP;
	}
	if (ob.pos == 0 && z->mid_frame)
		return zstd_fail(z, 0, "truncated zstd frame", NULL);
	return (ssize_t)ob.pos;
}

static void zstd_close(scrm_source *s)
{
	zstd_source *z = (zstd_source *)s;
	scrm_source_close(z->l.inner);
	ZSTD_freeDStream(z->ds);
	free(z->in);
	free(z);
}

static const scrm_source_ops zstd_ops = {
	.read = zstd_read,
	.name = layer_name,
	.uses_uring = layer_uses_uring,
	.raw_bytes = layer_raw_bytes,
	.close = zstd_close,
};

static bool is_zstd_magic(const unsigned char *p, size_t n)
{
	if (n < SCRM_MAGIC_LEN)
		return false;
	uint32_t m = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		     (uint32_t)p[3] << 24;
	return m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

/* Wrap *sp in a decompressor, taking over its peeked bytes as the first input. */
static int zstd_wrap(scrm_source **sp)
{
	scrm_source *inner = *sp;
	zstd_source *z = calloc(1, sizeof *z);
	if (!z)
		return -ENOMEM;
	z->l.base.ops = &zstd_ops;
	z->in = malloc(SCRM_ZSTD_IN_CAP);
	if (!z->in)
		goto free_z;
	z->ds = ZSTD_createDStream();
	if (!z->ds)
		goto free_in;
	/* Archives made with `zstd --long=31` (the Pushshift dumps) need a window beyond
	 * zstd's 128 MiB default: allowed up to the format's 2 GiB (it is allocated only for
	 * a frame that asks for it). */
	if (ZSTD_isError(ZSTD_initDStream(z->ds)) || ZSTD_isError(ZSTD_DCtx_setParameter(z->ds, ZSTD_d_windowLogMax, 31)))
		goto free_ds;
	memcpy(z->in, inner->peek, inner->peek_len);
	z->ib = (ZSTD_inBuffer){z->in, inner->peek_len, 0};
	inner->peek_len = inner->peek_pos = 0;
	z->l.inner = inner;
	*sp = &z->l.base;
	return 0;

free_ds:
	ZSTD_freeDStream(z->ds);
free_in:
	free(z->in);
free_z:
	free(z);
	return -ENOMEM;
}

/* ---- gzip, bzip2, xz (codec.h) around another source ---- */

typedef struct codec_source {
	layer_source l;
	const scrm_codec *codec;
	void *st;
	unsigned char *in;
	const unsigned char *ip; /* unread input: ip[0..ilen) */
	size_t ilen;
	bool in_eof, in_short; /* as zstd_source's */
	bool mid;              /* inside a member: its end not yet decoded */
	bool need_reset;       /* a member ended: reset before decoding more input */
	bool full;             /* the last step filled the caller's buffer: the decoder may
				* hold output without needing input (a bzip2 block) */
	int err;               /* sticky */
} codec_source;

static ssize_t codec_fail(codec_source *d, size_t produced, const char *what, const char *detail)
{
	d->err = -EBADMSG;
	snprintf(d->l.base.errmsg, sizeof d->l.base.errmsg, "%s: %s %s data%s%s", d->l.inner->ops->name(d->l.inner), what,
		 d->codec->name, detail ? ": " : "", detail ? detail : "");
	return produced ? (ssize_t)produced : -EBADMSG;
}

static ssize_t codec_read(scrm_source *s, void *buf, size_t cap)
{
	codec_source *d = (codec_source *)s;
	if (d->err)
		return d->err;
	unsigned char *out = buf;
	size_t pos = 0;
	for (;;) {
		if (d->ilen || (d->in_eof && d->mid) || (d->full && d->mid)) {
			if (d->need_reset) {
				/* zero bytes after a member are padding (a tape or tar block),
				 * skipped as gzip(1) does */
				while (d->ilen && !*d->ip) {
					d->ip++;
					d->ilen--;
				}
				if (!d->ilen)
					goto more;
				if (d->codec->reset(d->st))
					return codec_fail(d, pos, "corrupt", "cannot start the next member");
				d->need_reset = false;
			}
			const char *detail = NULL;
			scrm_codec_io io = {d->ip, d->ilen, out + pos, cap - pos, d->in_eof};
			int rc = d->codec->step(d->st, &io, &detail);
			size_t used = d->ilen - io.in_len, made = (cap - pos) - io.out_len;
			d->ip = io.in;
			d->ilen = io.in_len;
			pos += made;
			d->full = pos == cap;
			if (rc == -ENOMEM) {
				d->err = -ENOMEM;
				snprintf(d->l.base.errmsg, sizeof d->l.base.errmsg, "%s: decoding %s data: %s",
					 d->l.inner->ops->name(d->l.inner), d->codec->name, strerror(ENOMEM));
				return pos ? (ssize_t)pos : -ENOMEM;
			}
			if (rc < 0)
				return codec_fail(d, pos, "corrupt", detail);
			d->mid = rc != SCRM_CODEC_END;
			d->need_reset = rc == SCRM_CODEC_END;
			if (pos == cap)
				break;
			if (used || made || rc == SCRM_CODEC_END)
				continue;
			/* No progress with room to write: the decoder needs more input. */
			if (d->ilen)
				return codec_fail(d, pos, "stalled on", NULL);
			if (d->in_eof)
				break; /* mid: truncated (below) */
		}
more:
		if (d->in_eof)
			break;
		if (pos > 0 && d->in_short)
			break;
		ssize_t n = scrm_source_read(d->l.inner, d->in, SCRM_ZSTD_IN_CAP);
		if (n < 0) {
			snprintf(s->errmsg, sizeof s->errmsg, "%s", scrm_source_error(d->l.inner));
			return pos ? (ssize_t)pos : n;
		}
		if (n == 0) {
			d->in_eof = true;
			continue; /* lets a decoder that needs to know (xz) finish */
		}
		d->ip = d->in;
		d->ilen = (size_t)n;
		d->in_short = (size_t)n < SCRM_ZSTD_IN_CAP;
	}
	if (pos == 0 && d->mid && d->in_eof)
		return codec_fail(d, 0, "truncated", NULL);
	return (ssize_t)pos;
}

static void codec_close(scrm_source *s)
{
	codec_source *d = (codec_source *)s;
	scrm_source_close(d->l.inner);
	d->codec->end(d->st);
	free(d->in);
	free(d);
}

static const scrm_source_ops codec_ops = {
	.read = codec_read,
	.name = layer_name,
	.uses_uring = layer_uses_uring,
	.raw_bytes = layer_raw_bytes,
	.close = codec_close,
};

/* Wrap *sp in codec's decoder, taking over its peeked bytes as the first input. */
static int codec_wrap(scrm_source **sp, const scrm_codec *codec)
{
	scrm_source *inner = *sp;
	codec_source *d = calloc(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	d->l.base.ops = &codec_ops;
	d->codec = codec;
	if (!(d->in = malloc(SCRM_ZSTD_IN_CAP)) || !(d->st = codec->init())) {
		free(d->in);
		free(d);
		return -ENOMEM;
	}
	memcpy(d->in, inner->peek, inner->peek_len);
	d->ip = d->in;
	d->ilen = inner->peek_len;
	d->mid = true; /* a magic was seen: the input must hold a whole member */
	inner->peek_len = inner->peek_pos = 0;
	d->l.inner = inner;
	*sp = &d->l.base;
	return 0;
}

/* Read the first bytes of a fresh source and wrap it in a decompressor if they are
 * the magic of zstd, gzip, bzip2 or xz. */
static int detect_codec(scrm_source **sp)
{
	scrm_source *s = *sp;
	/* 4 bytes tell zstd, gzip and xz; bzip2's "BZh1".."BZh9" is ASCII that a text line
	 * can start with, so for it read on to its block magic (scrm_codec_detect) */
	unsigned want = SCRM_MAGIC_LEN;
	for (;;) {
		while (s->peek_len < want) {
			ssize_t n = s->ops->read(s, s->peek + s->peek_len, want - s->peek_len);
			if (n < 0)
				return (int)n;
			if (n == 0)
				break;
			s->peek_len += (unsigned)n;
		}
		if (want == SCRM_CODEC_MAGIC_MAX || s->peek_len < want || !scrm_codec_needs_more(s->peek, s->peek_len))
			break;
		want = SCRM_CODEC_MAGIC_MAX;
	}
	const scrm_codec *codec = scrm_codec_detect(s->peek, s->peek_len);
	if (codec)
		return codec_wrap(sp, codec);
	if (!is_zstd_magic(s->peek, s->peek_len))
		return 0;
	return zstd_wrap(sp);
}

/* ---- the public source API ---- */

int scrm_source_open(scrm_source **out, const char *path, const scrm_source_opts *opts,
		     char *err, size_t errlen)
{
	scrm_source *s = NULL;
	*out = NULL;
	int rc = fd_source_open(&s, path, opts, err, errlen);
	if (rc < 0)
		return rc;
	fd_source *f = (fd_source *)s;
	/* Following: an empty file's first bytes are waited for, since the codec is told
	 * from them; the wait at the end is armed after that look. */
	bool follow = f->regular && strcmp(path, "-") && opts && opts->follow;
	struct stat st;
	if (follow && fstat(f->fd, &st) == 0 && st.st_size == 0 && (rc = follow_wait(f)) < 0) {
		set_err(err, errlen, "%s: %s", s->name, -rc);
		goto close_s;
	}
	if (!f->follow_end && (rc = detect_codec(&s)) < 0) {
		set_err(err, errlen, "%s: %s", s->ops->name(s), -rc);
		goto close_s;
	}
	f->follow = follow;
	*out = s;
	return 0;

close_s:
	scrm_source_close(s);
	return rc;
}

int scrm_source_open_mem(scrm_source **out, const void *data, size_t len, const char *name)
{
	*out = NULL;
	mem_source *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->data = data;
	m->len = len;
	int rc = base_init(&m->base, &mem_ops, name ? name : "<memory>");
	if (rc < 0)
		goto free_m;
	scrm_source *s = &m->base;
	rc = detect_codec(&s);
	if (rc < 0)
		goto close_m;
	*out = s;
	return 0;

close_m:
	free(m->base.name);
free_m:
	free(m);
	return rc;
}

int scrm_source_open_stream(scrm_source **out, const scrm_stream_ops *ops, void *ctx, const char *name)
{
	*out = NULL;
	if (!ops || !ops->read)
		return -EINVAL;
	stream_source *st = calloc(1, sizeof *st);
	if (!st)
		return -ENOMEM;
	st->ops = ops;
	st->ctx = ctx;
	int rc = base_init(&st->base, &stream_ops, name ? name : "<stream>");
	if (rc < 0) {
		free(st);
		return rc;
	}
	scrm_source *s = &st->base;
	rc = detect_codec(&s);
	if (rc < 0) {
		/* The caller keeps ctx on failure: do not call ops->close. */
		free(st->base.name);
		free(st);
		return rc;
	}
	*out = s;
	return 0;
}

ssize_t scrm_source_read(scrm_source *s, void *buf, size_t cap)
{
	if (cap == 0)
		return -EINVAL;
	if (cap > SSIZE_MAX)
		cap = SSIZE_MAX;
	if (s->peek_pos < s->peek_len) {
		size_t k = s->peek_len - s->peek_pos < cap ? s->peek_len - s->peek_pos : cap;
		memcpy(buf, s->peek + s->peek_pos, k);
		s->peek_pos += (unsigned)k;
		/* by themselves: reading on could wait, on a pipe or a followed file that has
		 * nothing more yet, with a whole line in hand */
		return (ssize_t)k;
	}
	return s->ops->read(s, buf, cap);
}

const char *scrm_source_name(const scrm_source *s)
{
	return s->ops->name(s);
}

const char *scrm_source_error(const scrm_source *s)
{
	return s->errmsg;
}

bool scrm_source_uses_uring(const scrm_source *s)
{
	return s->ops->uses_uring(s);
}

unsigned long long scrm_source_raw_bytes(const scrm_source *s)
{
	return s->ops->raw_bytes(s);
}

/* The file descriptor source under any codec layers; NULL for memory and streams. */
static const fd_source *fd_below(const scrm_source *s)
{
	while (s && s->ops != &fd_ops)
		s = (s->ops == &zstd_ops || s->ops == &codec_ops) ? ((const layer_source *)s)->inner : NULL;
	return (const fd_source *)s;
}

const char *scrm_source_follow_end(const scrm_source *s)
{
	const fd_source *f = fd_below(s);
	return f ? f->follow_end : NULL;
}

unsigned long long scrm_source_waited_ns(const scrm_source *s)
{
	const fd_source *f = fd_below(s);
	return f ? f->waited_ns : 0;
}

int scrm_source_file_stat(const scrm_source *s, struct stat *st)
{
	const fd_source *f = fd_below(s);
	if (!f || !f->own_fd)
		return -ENOTSUP;
	return fstat(f->fd, st) < 0 ? -errno : 0;
}

void scrm_source_close(scrm_source *s)
{
	if (s)
		s->ops->close(s);
}

/* ---- chunker ---- */

struct scrm_chunker {
	scrm_source *src;
	size_t max_record;
	char *carry; /* the partial line after the last chunk: at most max_record bytes */
	size_t carry_len;
	/* The line being assembled (the carry) or skipped: where it starts. */
	unsigned long long line_off;
	unsigned long long line_no;
	bool skipping;                /* the current line is oversize: drop to its '\n' */
	unsigned long long skip_len;  /* bytes of it dropped so far */
	/* CSV (scrm_chunker_set_csv): a record ends at a '\n' outside quotes; cs scans the
	 * current one. A record over max_record goes out as its first line alone (see
	 * chunk_scan), or is dropped to its line's end when it is one long line. */
	bool csv;
	scrm_csv_scan cs;
	bool eof;
	bool started; /* the stream's first bytes were read (and checked: scrm_wide_encoding) */
	int err; /* sticky source error */
	size_t target; /* bytes per fill when whole lines fit (0: fill the buffer) */
	bool fill;     /* scrm_chunker_set_fill() */
};

void scrm_chunker_set_fill(scrm_chunker *c, bool fill)
{
	c->fill = fill;
}

void scrm_chunker_set_target(scrm_chunker *c, size_t target)
{
	c->target = target;
}

void scrm_chunker_set_csv(scrm_chunker *c, bool csv)
{
	c->csv = csv;
}

int scrm_chunker_create(scrm_chunker **out, scrm_source *src, size_t max_record)
{
	*out = NULL;
	if (max_record < 1 || max_record == SIZE_MAX)
		return -EINVAL;
	scrm_chunker *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->carry = malloc(max_record + 1);
	if (!c->carry)
		goto free_c;
	c->src = src;
	c->max_record = max_record;
	c->line_no = 1;
	*out = c;
	return 0;

free_c:
	free(c);
	return -ENOMEM;
}

static void chunk_report(scrm_chunk_info *info, unsigned long long off,
			 unsigned long long line, unsigned long long len, int unterminated)
{
	if (info->n_oversize < SCRM_CHUNK_MAX_OVERSIZE)
		info->oversize[info->n_oversize++] = (scrm_oversize){off, line, len, unterminated};
	else
		info->oversize_dropped++;
}

/*
 * Scan the n bytes just read at buf[w] (w is the end of the kept data; buf[done..w)
 * is the partial line). Complete lines are moved down to w when an oversize line was
 * cut out before them; an oversize line is dropped from the buffer and reported.
 * Updates *done and *w; returns nothing because nothing here can fail.
 */
static void chunk_scan(scrm_chunker *c, char *buf, size_t *donep, size_t *wp, size_t n,
		       scrm_chunk_info *info)
{
	size_t done = *donep, w = *wp;
	size_t r = w, end = w + n;
	while (r < end) {
		/* (CSV: the stream's byte-order mark is not part of the header's first field) */
		size_t bom = c->csv && c->line_off == 0 && r == 0 ? scrm_utf8_bom(buf, end) : 0;
		char *nl = c->csv && !c->skipping ? (char *)scrm_csv_end(&c->cs, buf + r + bom, end - r - bom)
						   : memchr(buf + r, '\n', end - r);
		size_t seg = (nl ? (size_t)(nl - buf) : end) - r;
		if (c->skipping) {
			c->skip_len += seg;
			r += seg;
			if (!nl)
				break;
			chunk_report(info, c->line_off, c->line_no, c->skip_len, 0);
			c->skipping = false;
			c->line_off += c->skip_len + 1;
			c->line_no++;
			r++;
			if (done == 0) {
				info->base_offset = c->line_off;
				info->base_line = c->line_no;
			}
			continue;
		}
		size_t len = (w - done) + seg;
		if (len > c->max_record && c->csv) {
			/* A CSV record this long is most likely a quote that never closes:
			 * unless it is one long line, its first line goes on alone (the worker
			 * rejects it as bad_csv, with its bytes) and the lines after it are read
			 * as records again, so one stray quote loses no row. */
			if (w != r) { /* the record in one piece: buf[done, w + seg) */
				memmove(buf + w, buf + r, end - r);
				end -= r - w;
				r = w;
			}
			char *nl1 = memchr(buf + done, '\n', w + seg - done);
			c->cs = (scrm_csv_scan){0};
			if (nl1) {
				size_t len1 = (size_t)(nl1 - buf) - done;
				r = (size_t)(nl1 - buf) + 1;
				if (len1 <= c->max_record) {
					w = done = r;
					if (info->n_lines < SCRM_CHUNK_LINES && w - 1 <= UINT32_MAX)
						info->line_end[info->n_lines++] = (uint32_t)(w - 1);
				} else {
					w = done;
					chunk_report(info, c->line_off, c->line_no, len1, 0);
				}
				c->line_off += len1 + 1;
				c->line_no++;
				if (done == 0) {
					info->base_offset = c->line_off;
					info->base_line = c->line_no;
				}
				continue;
			}
			/* one line: dropped to its end below, as any oversize line (cs is clear) */
		}
		if (len > c->max_record) {
			w = done;
			r += seg;
			if (!nl) {
				c->skipping = true;
				c->skip_len = len;
				break;
			}
			chunk_report(info, c->line_off, c->line_no, len, 0);
			c->line_off += len + 1;
			c->line_no++;
			r++;
			if (done == 0) {
				info->base_offset = c->line_off;
				info->base_line = c->line_no;
			}
			continue;
		}
		size_t take = seg + (nl ? 1 : 0);
		if (w != r)
			memmove(buf + w, buf + r, take);
		w += take;
		r += take;
		if (nl) {
			c->line_off += len + 1;
			c->line_no += 1 + c->cs.nl; /* (CSV: the line breaks inside its quotes) */
			c->cs = (scrm_csv_scan){0};
			done = w;
			if (info->n_lines < SCRM_CHUNK_LINES && w - 1 <= UINT32_MAX)
				info->line_end[info->n_lines++] = (uint32_t)(w - 1);
		}
	}
	*donep = done;
	*wp = w;
}

/* A character a JSON line can start with: what a wide encoding's first unit holds. */
static bool json_lead(unsigned char ch)
{
	return ch == '{' || ch == '[' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The encoding a stream's first bytes show when it is UTF-16 or UTF-32: after an
 * optional byte-order mark, a first unit that is '{', '[' or white space with NUL high
 * bytes (no UTF-8 JSON line has a NUL byte). Else NULL: a garbage first line that only
 * starts like a byte-order mark is one bad line, not a wide file. */
const char *scrm_wide_encoding(const unsigned char *p, size_t n, bool csv)
{
	/* a UTF-32 mark is enough on its own (a first read from a pipe may end after it):
	 * FF FE 00 00 as UTF-16 would be a mark and a NUL character, never JSON */
	if (n >= 4 && p[0] == 0xFF && p[1] == 0xFE && !p[2] && !p[3])
		return "UTF-32LE";
	if (n >= 4 && !p[0] && !p[1] && p[2] == 0xFE && p[3] == 0xFF)
		return "UTF-32BE";
	else if (n >= 4 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
		p += 2, n -= 2; /* UTF-16 mark */
	if (n >= 4 && json_lead(p[0]) && !p[1] && !p[2] && !p[3])
		return "UTF-32LE";
	if (n >= 4 && !p[0] && !p[1] && !p[2] && json_lead(p[3]))
		return "UTF-32BE";
	if (n >= 2 && json_lead(p[0]) && !p[1])
		return "UTF-16LE";
	if (n >= 2 && !p[0] && json_lead(p[1]))
		return "UTF-16BE";
	/* CSV starts with a header name: any character beside a NUL byte (text has none) */
	if (csv && n >= 2 && p[0] && !p[1])
		return "UTF-16LE";
	if (csv && n >= 2 && !p[0] && p[1])
		return "UTF-16BE";
	return NULL;
}

ssize_t scrm_chunker_next(scrm_chunker *c, char *buf, size_t cap, scrm_chunk_info *info)
{
	scrm_chunk_info dummy;
	if (!info)
		info = &dummy;
	info->n_oversize = 0;
	info->oversize_dropped = 0;
	info->n_lines = 0;
	info->base_offset = c->line_off;
	info->base_line = c->line_no;
	info->end_offset = c->line_off;
	if (cap <= c->max_record)
		return -EINVAL;
	if (c->err)
		return c->err;
	if (c->eof)
		return 0;

	memcpy(buf, c->carry, c->carry_len);
	size_t done = 0, w = c->carry_len;
	ssize_t ret;
	/* Stop once a whole line is in: a full read filled the buffer (or reached the
	 * target), a short one came from a pipe that would make us wait. A read the
	 * oversize reports cut short (below) is followed by more where reads never wait
	 * (scrm_chunker_set_fill()). */
	bool more = true;
	while (done == 0 || more) {
		/* Here w - done <= max_record < cap, so there is room to read. */
		/* Read up to the target size; past it only to complete a long line. */
		size_t want = cap - w;
		if (c->target && w < c->target && c->target - w < want)
			want = c->target - w;
		if (done && (want == 0 || (c->target && w >= c->target)))
			break;
		/* A read of k * (max_record + 2) bytes can finish at most k + 1 oversize
		 * lines: read no more than the free report slots can take, so no report
		 * is ever dropped (positions after it would be wrong). When the slots are
		 * full, deliver what we have, even if that is no line at all. With a small
		 * --max-record that cap is small (15 x 1 KiB): reading goes on, one capped
		 * read at a time, to the target (batches of ~15 KiB instead of 512 KiB made
		 * output 55% larger and the run twice as slow). */
		unsigned slots = SCRM_CHUNK_MAX_OVERSIZE - info->n_oversize;
		if (slots <= 1)
			break;
		size_t lim = (size_t)(slots - 1) * (c->max_record + 2);
		bool capped = want > lim;
		if (capped)
			want = lim;
		ssize_t n = scrm_source_read(c->src, buf + w, want);
		more = c->fill && capped && n == (ssize_t)want;
		if (n < 0) {
			c->err = (int)n;
			ret = n;
			goto keep_tail;
		}
		if (n == 0) {
			c->eof = true;
			if (c->skipping) {
				chunk_report(info, c->line_off, c->line_no, c->skip_len, 1);
				c->skipping = false;
				c->line_off += c->skip_len;
				if (done == 0) {
					info->base_offset = c->line_off;
					info->base_line = c->line_no;
				}
			}
			/* The last line, without its '\n', goes out as it is. */
			c->line_off += w - done;
			done = w;
			break;
		}
		const char *wide;
		bool first = !c->started;
		c->started = true;
		if (first && (wide = scrm_wide_encoding((unsigned char *)buf + w, (size_t)n, c->csv))) {
			/* every line would be bad JSON: one clear error instead */
			snprintf(c->src->errmsg, sizeof c->src->errmsg,
				 "%s: the input is %s, not UTF-8 (convert it: iconv -f %s -t UTF-8)",
				 scrm_source_name(c->src), wide, wide);
			c->err = -EILSEQ;
			ret = -EILSEQ;
			goto keep_tail;
		}
		chunk_scan(c, buf, &done, &w, (size_t)n, info);
	}
	ret = (ssize_t)done;

keep_tail:
	info->end_offset = c->line_off;
	c->carry_len = w - done;
	memcpy(c->carry, buf + done, c->carry_len);
	return done ? (ssize_t)done : ret;
}

bool scrm_chunker_eof(const scrm_chunker *c)
{
	return c->eof;
}

unsigned long long scrm_chunker_offset(const scrm_chunker *c)
{
	return c->line_off + (c->skipping ? c->skip_len : 0);
}

unsigned long long scrm_chunker_pending(const scrm_chunker *c, unsigned long long *off, unsigned long long *line,
					unsigned long long *quoted_lines)
{
	*off = c->line_off;
	*line = c->line_no;
	*quoted_lines = c->csv && !c->skipping ? c->cs.nl : 0;
	return c->carry_len + (c->skipping ? c->skip_len : 0);
}

void scrm_chunker_free(scrm_chunker *c)
{
	if (!c)
		return;
	free(c->carry);
	free(c);
}
