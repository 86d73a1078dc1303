/* fault_alloc.c - LD_PRELOAD shim for tests/e2e_faults.sh (test-only, not linked into scrm;
 * preload it into scrm only: it routes malloc/realloc to jemalloc):
 * allocations of at least $FAIL_MIN bytes made off the main thread fail with ENOMEM;
 * $FAIL_LOG: log them (size, thread, caller) instead of failing. Needs jemalloc (mallocx).
 * $FAIL_THREAD=N: the N-th pthread_create fails with EAGAIN. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
extern void *mallocx(size_t, int);
extern void *rallocx(void *, size_t, int);
static int should_fail(size_t n, void *ra)
{
	static size_t min = (size_t)-1;
	static int init;
	if (!init) {
		const char *s = getenv("FAIL_MIN");
		if (s)
			min = strtoull(s, NULL, 10);
		init = 1;
	}
	if (n < min || syscall(SYS_gettid) == getpid())
		return 0;
	if (getenv("FAIL_LOG")) {
		Dl_info di = {0};
		dladdr(ra, &di);
		char b[256];
		int l = snprintf(b, sizeof b, "big alloc %zu tid %ld %s+%lx\n", n, (long)syscall(SYS_gettid),
				 di.dli_fname, (unsigned long)((char *)ra - (char *)di.dli_fbase));
		if (write(2, b, (size_t)l) < 0)
			return 0;
		return 0;
	}
	return 1;
}
static void *do_malloc(size_t n, void *ra)
{
	if (should_fail(n, ra)) {
		errno = ENOMEM;
		return NULL;
	}
	return mallocx(n ? n : 1, 0);
}
void *malloc(size_t n) { return do_malloc(n, __builtin_return_address(0)); }
void *realloc(void *p, size_t n)
{
	if (!p)
		return do_malloc(n, __builtin_return_address(0));
	if (!n) {
		free(p);
		return NULL;
	}
	if (should_fail(n, __builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return rallocx(p, n, 0);
}

/* $FAIL_THREAD=N: the N-th pthread_create (1-based) fails with EAGAIN. */
#include <pthread.h>
int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	static int calls;
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	if (!real)
		real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(RTLD_NEXT, "pthread_create");
	const char *s = getenv("FAIL_THREAD");
	if (s && ++calls == atoi(s))
		return EAGAIN;
	return real(t, a, fn, arg);
}

/* $FAIL_PWRITE=SUBSTR and $FAIL_PWRITE_N=N: the N-th pwrite (1-based) to a file whose path
 * holds SUBSTR fails with ENOSPC (the interaction log's partition 0, where the checkpoints
 * go: "p0000-"). */
#include <string.h>
#include <sys/types.h>
static ssize_t fail_pwrite(int fd)
{
	static int calls;
	const char *pat = getenv("FAIL_PWRITE"), *n = getenv("FAIL_PWRITE_N");
	if (!pat || !n)
		return 0;
	char lk[64], path[4096];
	snprintf(lk, sizeof lk, "/proc/self/fd/%d", fd);
	ssize_t l = readlink(lk, path, sizeof path - 1);
	if (l <= 0)
		return 0;
	path[l] = 0;
	if (!strstr(path, pat) || __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST) != atoi(n))
		return 0;
	errno = ENOSPC;
	return -1;
}
ssize_t pwrite(int fd, const void *b, size_t len, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	return fail_pwrite(fd) ? -1 : real(fd, b, len, off);
}
ssize_t pwrite64(int fd, const void *b, size_t len, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
	return fail_pwrite(fd) ? -1 : real(fd, b, len, off);
}
