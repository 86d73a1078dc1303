/*
 * buf.h - growable byte buffers and the string references that point into them.
 *
 * A scrm_buf is owned by exactly one stage at a time (it travels inside a chunk).
 * It grows geometrically and never shrinks, so a buffer that is reused for every
 * chunk stops allocating once it has seen the largest chunk: no per-record malloc.
 *
 * Strings inside a record are scrm_str: an offset and a length into the owning
 * chunk's arena, so they stay valid when the arena is reallocated.
 */
#ifndef SCRM_BUF_H
#define SCRM_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

/* Bytes that must stay readable past the end of any buffer handed to the JSON
 * parser (simdjson reads up to 64 bytes ahead). */
#define SCRM_PADDING 64

typedef struct scrm_buf {
	char *data;
	size_t len;
	size_t cap;
} scrm_buf;

/* A string inside an arena. SCRM_STR_NONE marks an absent field (JSON null). */
typedef struct scrm_str {
	uint32_t off;
	uint32_t len;
} scrm_str;

#define SCRM_STR_NONE ((scrm_str){UINT32_MAX, 0})

static inline int scrm_str_present(scrm_str s) { return s.off != UINT32_MAX; }

/* Ensure room for `extra` more bytes plus SCRM_PADDING. Returns 0 or -ENOMEM. */
int scrm_buf_reserve(scrm_buf *b, size_t extra);

/* Append bytes. Returns 0 or -ENOMEM. */
int scrm_buf_append(scrm_buf *b, const void *p, size_t n);

/* Append bytes and return a scrm_str for them (SCRM_STR_NONE on -ENOMEM or if the
 * arena would pass 4 GiB). */
scrm_str scrm_buf_add_str(scrm_buf *b, const void *p, size_t n);

/* Release the memory; the buffer is left empty and reusable. Accepts NULL. */
void scrm_buf_free(scrm_buf *b);

/*
 * scrm_array_grow() - make the array *p of *cap elements of @size bytes hold at least
 * @need, doubling from @first (the first allocation) so appends cost O(1) amortized.
 * On success *p and *cap are updated; on failure both are left as they were.
 * Return: 0 or -ENOMEM (also when the size would overflow).
 */
int scrm_array_grow(void **p, size_t *cap, size_t need, size_t size, size_t first);

/*
 * scrm_table_zalloc() - a zeroed array of @n elements of @size bytes for a hash table,
 * written once up front. calloc's lazily zeroed pages would fault twice under a table's
 * random accesses (a read maps the shared zero page, the first write then copies it, and
 * in a threaded process that copy flushes every core's TLB); a large array also asks for
 * transparent huge pages, since every lookup lands on a random slot. Freed with free().
 * Return: the array, or NULL on -ENOMEM (also when the size would overflow).
 */
void *scrm_table_zalloc(size_t n, size_t size);

/*
 * scrm_read_file() - the bytes of the regular file at @path (at most @max) in a new heap
 * buffer (*buf, *len; free() it). Return: 0; -errno of open/stat, -EINVAL (not a regular
 * file, or larger than @max), -EIO, -ENOMEM; with "PATH: why" in @err.
 */
int scrm_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);

/*
 * scrm_fopen_input() - fopen(@path, "rb") for an input that is read through: a file, a
 * pipe, a device, but not a directory (fopen() opens one, and its first read fails with a
 * misleading error). Return: the stream, or NULL with errno set (EISDIR for a directory).
 */
FILE *scrm_fopen_input(const char *path);

/*
 * scrm_out_path() - where an output file written aside and then renamed into place
 * ("PATH.tmp", then rename) must go for @path: @path itself when it is a regular file
 * or absent, the file a symbolic link points at (so the link stays a link), written in
 * place instead when @path (or the link's target) is a device or a pipe (/dev/stdout:
 * a rename would replace the node), or names an open descriptor (/dev/stdout, /dev/fd/N,
 * /proc/self/fd/N, whatever file is behind it: write it appending, so `>> file` is not
 * truncated). Return: 1 rename onto @out, 0 write @path in place, -errno (-EISDIR for a
 * directory, -ENAMETOOLONG).
 */
int scrm_out_path(const char *path, char *out, size_t outlen);

/* Whether paths @a and @b name one file: both there and one inode, or (neither there
 * yet) one place by name, their directories resolved. */
bool scrm_same_file(const char *a, const char *b);

/* Whether the regular file at @path is the one open on descriptor @fd (standard output
 * redirected to it, say); false for anything but a regular file. */
bool scrm_same_file_fd(const char *path, int fd);

/* Whether output @path is input @input: the same file, or for "-" (standard input) the
 * regular file standard input was redirected from. */
bool scrm_output_is_input(const char *path, const char *input);

/* Whether @path names descriptor @fd: /dev/stdout, /dev/fd/N, /proc/self/fd/N by name, or
 * the same file (a pipe, a terminal, a regular file) by device and inode. */
bool scrm_names_fd(const char *path, int fd);

/* A descriptor to write @path in place (scrm_out_path() returned 0): a name of an open
 * descriptor (/dev/stdout) is that descriptor duplicated, sharing its file position (what
 * is written after it through the descriptor goes after it), else @path opened to write,
 * appending. -errno on failure. */
int scrm_out_fd(const char *path);

/* Write b[0, len) to @path in place (scrm_out_fd()). 0, or -errno. */
int scrm_write_in_place(const char *path, const void *b, size_t len);

/* printf into err[errlen] (both may be NULL/0: then nothing): a function's error message. */
__attribute__((format(printf, 3, 4))) void scrm_set_err(char *err, size_t errlen, const char *fmt, ...);

/* Pointer to a string's first byte (not NUL-terminated). */
static inline const char *scrm_str_ptr(const scrm_buf *arena, scrm_str s)
{
	return arena->data + s.off;
}

/*
 * scrm_mkdir_parents() - mkdir -p: the directory @dir and any missing parents (`-o out
 * --log out/log` before out exists).
 * Return: 0, or -1 with errno (EEXIST when it was there already).
 */
int scrm_mkdir_parents(const char *dir);

#endif
