/* buf.c - growable byte buffers (see buf.h). */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int scrm_buf_reserve(scrm_buf *b, size_t extra)
{
	size_t need = b->len + extra + SCRM_PADDING;
	if (need < b->len)
		return -ENOMEM;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int scrm_buf_append(scrm_buf *b, const void *p, size_t n)
{
	int rc = scrm_buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

scrm_str scrm_buf_add_str(scrm_buf *b, const void *p, size_t n)
{
	if (b->len + n >= UINT32_MAX || n >= UINT32_MAX)
		return SCRM_STR_NONE;
	uint32_t off = (uint32_t)b->len;
	if (scrm_buf_append(b, p, n))
		return SCRM_STR_NONE;
	return (scrm_str){off, (uint32_t)n};
}

void scrm_buf_free(scrm_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int scrm_array_grow(void **p, size_t *cap, size_t need, size_t size, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : (first ? first : 1);
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return -ENOMEM;
		c *= 2;
	}
	if (size && c > SIZE_MAX / size)
		return -ENOMEM;
	void *q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

void *scrm_table_zalloc(size_t n, size_t size)
{
	const size_t huge = (size_t)2 << 20;
	if (size && n > (SIZE_MAX - huge) / size)
		return NULL;
	size_t bytes = n * size;
	void *p;
	if (bytes >= 2 * huge) {
		bytes = (bytes + huge - 1) & ~(huge - 1);
		p = aligned_alloc(huge, bytes);
		if (p)
			(void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: fine if refused */
	} else {
		p = malloc(bytes ? bytes : 1);
	}
	if (p)
		memset(p, 0, bytes);
	return p;
}

void scrm_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int scrm_read_file(const char *path, size_t max, uint8_t **bufp, size_t *lenp, char *err, size_t errlen)
{
	*bufp = NULL;
	*lenp = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		scrm_set_err(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	int rc;
	uint8_t *buf = NULL;
	struct stat st;
	if (fstat(fileno(fp), &st) != 0) {
		rc = -errno;
		scrm_set_err(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > (uint64_t)max) {
		rc = -EINVAL;
		scrm_set_err(err, errlen, "%s: not a regular file of at most %zu bytes", path, max);
		goto out;
	}
	size_t len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		rc = -ENOMEM;
		scrm_set_err(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (fread(buf, 1, len, fp) != len) {
		rc = -EIO;
		scrm_set_err(err, errlen, "%s: read error", path);
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	fclose(fp);
	return rc;
}

FILE *scrm_fopen_input(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	if (fp && fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		errno = EISDIR;
		return NULL;
	}
	return fp;
}

/* The descriptor a name of an open one (/dev/stdout, /dev/fd/N, /proc/self/fd/N) means, or
 * -1: what it names is the descriptor's file, written in place even when that is a regular
 * file (stdout redirected: a rename beside /proc/self/fd/1 cannot be made). */
static int fd_of_name(const char *p)
{
	const char *d = !strcmp(p, "/dev/stdout") ? "1" : !strcmp(p, "/dev/stderr") ? "2"
		      : !strncmp(p, "/dev/fd/", 8)   ? p + 8
		      : !strncmp(p, "/proc/self/fd/", 14) ? p + 14
						      : NULL;
	if (!d || !*d)
		return -1;
	long v = 0;
	for (; *d; d++) {
		if (*d < '0' || *d > '9' || v > 1000000)
			return -1;
		v = v * 10 + (*d - '0');
	}
	return (int)v;
}

int scrm_out_fd(const char *path)
{
	/* the descriptor itself, so the file position is the one it shares (reopening
	 * /dev/stdout gave a position of its own: gen --customers /dev/stdout > f wrote the
	 * stream over the export, found by review) */
	int fd = fd_of_name(path);
	fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int scrm_write_in_place(const char *path, const void *b, size_t len)
{
	int fd = scrm_out_fd(path);
	if (fd < 0)
		return fd;
	int rc = 0;
	for (size_t done = 0; done < len && !rc;) {
		ssize_t w = write(fd, (const char *)b + done, len - done);
		if (w > 0)
			done += (size_t)w;
		else if (w < 0 && errno != EINTR)
			rc = -errno;
		else if (w == 0)
			rc = -EIO;
	}
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

bool scrm_names_fd(const char *path, int fd)
{
	int n = fd_of_name(path);
	if (n >= 0)
		return n == fd;
	struct stat sp, sf;
	return stat(path, &sp) == 0 && fstat(fd, &sf) == 0 && sp.st_dev == sf.st_dev && sp.st_ino == sf.st_ino;
}

int scrm_out_path(const char *path, char *out, size_t outlen)
{
	struct stat st;
	if (snprintf(out, outlen, "%s", path) >= (int)outlen)
		return -ENAMETOOLONG;
	if (fd_of_name(path) >= 0)
		return stat(path, &st) != 0 ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : 0;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 1 : -errno;
	if (S_ISLNK(st.st_mode)) {
		/* the link's target, made absolute against the link's directory */
		char t[PATH_MAX];
		ssize_t n = readlink(path, t, sizeof t - 1);
		if (n < 0)
			return -errno;
		t[n] = 0;
		const char *slash = strrchr(path, '/');
		int k = t[0] == '/' || !slash ? snprintf(out, outlen, "%s", t)
					       : snprintf(out, outlen, "%.*s/%s", (int)(slash - path), path, t);
		if (k < 0 || (size_t)k >= outlen)
			return -ENAMETOOLONG;
		if (stat(out, &st) != 0)
			return errno == ENOENT ? 1 : -errno; /* a dangling link: its target is made */
	}
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISREG(st.st_mode) ? 1 : 0;
}

/* @path with its directory resolved (the name itself may not exist yet), or as given
 * when its directory does not exist either. */
static void canon_path(const char *path, char *out, size_t cap)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (realpath(dir, real))
		snprintf(out, cap, "%s/%s", real, base);
	else
		snprintf(out, cap, "%s", path);
}

bool scrm_same_file_fd(const char *path, int fd)
{
	struct stat sp, sf;
	return stat(path, &sp) == 0 && fstat(fd, &sf) == 0 && S_ISREG(sp.st_mode) && sp.st_dev == sf.st_dev &&
	       sp.st_ino == sf.st_ino;
}

bool scrm_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	bool ha = stat(a, &sa) == 0, hb = stat(b, &sb) == 0;
	if (ha && hb)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (ha != hb)
		return false;
	char ca[PATH_MAX + 256], cb[PATH_MAX + 256];
	canon_path(a, ca, sizeof ca);
	canon_path(b, cb, sizeof cb);
	return !strcmp(ca, cb);
}

int scrm_mkdir_parents(const char *dir)
{
	char p[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof p) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i < n; i++) {
		if (p[i] != '/')
			continue;
		p[i] = 0;
		if (mkdir(p, 0755) && errno != EEXIST) {
			p[i] = '/';
			return -1;
		}
		p[i] = '/';
	}
	return mkdir(p, 0755);
}

bool scrm_output_is_input(const char *path, const char *input)
{
	return strcmp(input, "-") ? scrm_same_file(path, input) : scrm_same_file_fd(path, STDIN_FILENO);
}
