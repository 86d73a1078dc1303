/* sink.c - batch-atomic output files and descriptors (see sink.h). */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct scrm_sink {
	const scrm_sink_ops *ops; /* a sink implemented elsewhere, or NULL for a descriptor */
	void *ctx;
	int fd;
	bool owns_fd;
	bool seekable;  /* regular file: a torn batch can be truncated away */
	int error;      /* sticky -errno */
	uint64_t good;  /* bytes of whole batches written */
	char *name;
};

static int sink_new(scrm_sink **out, int fd, bool owns, const char *name)
{
	scrm_sink *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->name = strdup(name);
	if (!s->name) {
		free(s);
		return -ENOMEM;
	}
	struct stat stt;
	s->fd = fd;
	s->owns_fd = owns;
	/* Only a file we created may be cut back: an inherited descriptor may share its
	 * offset with other writers or be in append mode, and its bytes are not ours. */
	s->seekable = owns && fstat(fd, &stt) == 0 && S_ISREG(stt.st_mode);
	if (s->seekable) {
		off_t pos = lseek(fd, 0, SEEK_CUR);
		s->good = pos > 0 ? (uint64_t)pos : 0;
	}
	*out = s;
	return 0;
}

int scrm_sink_open_file(scrm_sink **out, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		if (err)
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(e));
		return -e;
	}
	int rc = sink_new(out, fd, true, path);
	if (rc) {
		close(fd);
		if (err)
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(-rc));
	}
	return rc;
}

int scrm_sink_open_file_at(scrm_sink **out, const char *path, uint64_t size, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	int e = 0;
	if (fd < 0)
		e = errno;
	else if (fstat(fd, &st))
		e = errno;
	else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < size)
		e = ESTALE;
	else if (ftruncate(fd, (off_t)size) || lseek(fd, (off_t)size, SEEK_SET) < 0)
		e = errno;
	if (e) {
		if (err && e == ESTALE)
			snprintf(err, errlen, "%s: %llu bytes, shorter than the %llu the checkpoint counted", path,
				 fd >= 0 ? (unsigned long long)st.st_size : 0ULL, (unsigned long long)size);
		else if (err)
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	int rc = sink_new(out, fd, true, path);
	if (rc) {
		close(fd);
		if (err)
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(-rc));
	}
	return rc;
}

int scrm_sink_open_fd(scrm_sink **out, int fd, const char *name)
{
	return sink_new(out, fd, false, name);
}

int scrm_sink_open_custom(scrm_sink **out, const scrm_sink_ops *ops, void *ctx, const char *name)
{
	if (!ops || !ops->write)
		return -EINVAL;
	scrm_sink *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->name = strdup(name ? name : "<sink>");
	if (!s->name) {
		free(s);
		return -ENOMEM;
	}
	s->ops = ops;
	s->ctx = ctx;
	s->fd = -1;
	*out = s;
	return 0;
}

int scrm_sink_write(scrm_sink *s, const void *p, size_t n)
{
	if (s->error)
		return s->error;
	if (s->ops) {
		int rc = s->ops->write(s->ctx, p, n);
		if (rc)
			s->error = rc < 0 ? rc : -EIO;
		else
			s->good += n;
		return s->error;
	}
	const char *c = p;
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(s->fd, c + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->error = -errno;
			break;
		}
		if (w == 0) {
			s->error = -ENOSPC;
			break;
		}
		done += (size_t)w;
	}
	if (s->error) {
		/* Drop the torn batch so the file ends on a whole frame. */
		if (s->seekable && done) {
			if (ftruncate(s->fd, (off_t)s->good) == 0)
				lseek(s->fd, (off_t)s->good, SEEK_SET);
		}
		return s->error;
	}
	s->good += n;
	return 0;
}

const char *scrm_sink_name(const scrm_sink *s) { return s->name; }

uint64_t scrm_sink_bytes(const scrm_sink *s) { return s->good; }

int scrm_sink_rollback(scrm_sink *s, uint64_t size)
{
	if (s->ops || !s->seekable)
		return -ESPIPE;
	if (size > s->good)
		return -EINVAL;
	if (size == s->good)
		return 0;
	if (ftruncate(s->fd, (off_t)size) || lseek(s->fd, (off_t)size, SEEK_SET) < 0)
		return -errno;
	s->good = size;
	return 0;
}

int scrm_sink_close(scrm_sink *s)
{
	if (!s)
		return 0;
	int rc = 0;
	if (s->ops) {
		if (s->ops->close)
			rc = s->ops->close(s->ctx);
	} else if (s->owns_fd && close(s->fd) != 0) {
		rc = -errno;
	}
	free(s->name);
	free(s);
	return rc;
}
