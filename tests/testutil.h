/*
 * testutil.h - small helpers the Criterion tests share (test code only).
 */
#ifndef SCRM_TESTUTIL_H
#define SCRM_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* Remove a test's temporary directory and everything in it (asserts it went). */
static inline void rm_tree(const char *dir)
{
	char cmd[4200];
	cr_assert_lt((size_t)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir), sizeof cmd);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Whole file into a NUL-terminated heap buffer, or NULL if it cannot be opened. */
static inline char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = 0;
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Decompress a (multi-frame) zstd file; fails the test on corrupt data. */
static inline char *unzstd(const char *path, size_t *outlen)
{
	size_t zl;
	char *z = read_file(path, &zl);
	cr_assert(z, "cannot read %s", path);
	ZSTD_DStream *ds = ZSTD_createDStream();
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);
	ZSTD_inBuffer in = {z, zl, 0};
	while (in.pos < in.size) {
		if (cap - len < (1 << 16)) {
			cap *= 2;
			out = realloc(out, cap);
		}
		ZSTD_outBuffer ob = {out + len, cap - len, 0};
		size_t rc = ZSTD_decompressStream(ds, &ob, &in);
		cr_assert_not(ZSTD_isError(rc), "%s: %s", path, ZSTD_getErrorName(rc));
		len += ob.pos;
	}
	ZSTD_freeDStream(ds);
	free(z);
	*outlen = len;
	return out;
}

static inline size_t count_lines(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

/* Call fn on every line (newline included) of the files that exist; returns how many
 * lines were read (0: none of the files was found). */
static inline size_t for_each_line(const char *const *files, size_t nfiles,
				   void (*fn)(const char *line, size_t n, void *ctx), void *ctx)
{
	size_t lines = 0;
	for (size_t f = 0; f < nfiles; f++) {
		FILE *fp = fopen(files[f], "r");
		if (!fp)
			continue;
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while ((n = getline(&line, &cap, fp)) > 0) {
			fn(line, (size_t)n, ctx);
			lines++;
		}
		free(line);
		fclose(fp);
	}
	return lines;
}

/* Create `path` holding exactly n bytes. */
static inline void write_all(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	cr_assert(fp, "cannot create %s", path);
	cr_assert_eq(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

#endif
