/*
 * tsv.h - reader for the TSV files of ../shared/corpora (and the TSV that users feed
 * `scrm score` / `scrm eval`).
 *
 * FORMAT (SOURCES.md): UTF-8, the first line is a header, one record per line, fields
 * separated by TAB. Inside fields `\` is written `\\`, TAB `\t`, LF `\n`, CR `\r`; nothing
 * is quoted. A trailing CR before the LF is dropped (files edited on Windows). Any other
 * backslash pair is kept as written (`\x` stays two bytes) and a lone trailing backslash
 * stays a backslash: the reader never fails on a field's contents.
 *
 * A row with fewer fields than the header reads the missing ones as empty; a row with
 * more keeps only the header's count and scrm_tsv_extra() says how many were cut, so
 * the caller can report "FILE:LINE: N fields, header has M" and decide.
 *
 * Memory: one line buffer that grows to the longest line; fields point into it and live
 * until the next scrm_tsv_next() call.
 * Threads: one reader per thread.
 */
#ifndef SCRM_TSV_H
#define SCRM_TSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct scrm_tsv scrm_tsv;

/*
 * scrm_tsv_open() - start reading @fp (borrowed; not closed by scrm_tsv_free()).
 * @header: nonzero to read the first line as the header; 0 for a headerless file
 *          (then the column count is fixed by the first row).
 * Return: 0 and a reader in *out; -ENOMEM; -EIO on a read error; -ENODATA when the file
 * is empty (no header line).
 */
int scrm_tsv_open(scrm_tsv **out, FILE *fp, int header);

/*
 * scrm_tsv_open_header() - the same, for a caller that has read the header line itself
 * (to look at it first): @header is that line, @len bytes without its LF; the rows come
 * from @fp, which must be positioned after it. Row line numbers start at 2.
 */
int scrm_tsv_open_header(scrm_tsv **out, FILE *fp, const char *header, size_t len);

/* Free the reader; NULL is ignored. */
void scrm_tsv_free(scrm_tsv *t);

/* Number of columns (of the header, or of the first row for headerless files). */
size_t scrm_tsv_ncols(const scrm_tsv *t);

/* The name of column @i (unescaped), or "" for headerless files. */
const char *scrm_tsv_colname(const scrm_tsv *t, size_t i);

/* The header's column names for an error message, each after a space: bytes that are
 * not printable ASCII or UTF-8 as \xHH, a name cut after 64 bytes, at most 32 names (a
 * binary file's "header" stays one readable line). */
void scrm_tsv_print_columns(FILE *f, const scrm_tsv *t);

/* Index of the column named @name, or -1. */
long scrm_tsv_col(const scrm_tsv *t, const char *name);

/* The first of @names[0..n) (NULL entries skipped) that names more than one column of the
 * header, or NULL: a caller that reads those columns reports it rather than silently
 * taking the first. */
const char *scrm_tsv_ambiguous(const scrm_tsv *t, const char *const *names, size_t n);

/*
 * scrm_tsv_next() - read the next row. Blank lines are rows too (every field empty), so
 * row numbers stay line numbers.
 * Return: 1 with a row; 0 at end of file; -EIO on a read error; -ENOMEM.
 */
int scrm_tsv_next(scrm_tsv *t);

/* Field @i of the current row, unescaped and NUL-terminated ("" when missing); its length
 * (it may hold NUL bytes written as data) in *len if len is not NULL. */
const char *scrm_tsv_field(const scrm_tsv *t, size_t i, size_t *len);

/* 1-based line number of the current row in the file (the header is line 1). */
uint64_t scrm_tsv_line(const scrm_tsv *t);

/* Fields in the current row beyond the column count (0 for a well-formed row), and
 * fields missing from it (0 for a well-formed row; a blank line misses all but one). */
size_t scrm_tsv_extra(const scrm_tsv *t);
size_t scrm_tsv_missing(const scrm_tsv *t);

/*
 * scrm_tsv_warn_shape() - say on stderr that the current row has more fields than the
 * header (the extra ones are ignored) or fewer (the missing ones read as empty), as
 * "WHO: PATH:LINE: N fields, header has M (...)"; a blank line (a row of empty fields)
 * is not reported. At most 10 warnings per *@warned counter, which counts every
 * misshapen row. Return: 1 if the row was misshapen, else 0.
 */
int scrm_tsv_warn_shape(const scrm_tsv *t, const char *who, const char *path, uint64_t *warned);

/* Undo the four escapes in place; returns the new length. */
size_t scrm_tsv_unescape(char *s, size_t n);

/* Write @len bytes of @s to @fp with the four escapes applied. Returns 0 or -EIO. */
int scrm_tsv_write_escaped(FILE *fp, const char *s, size_t len);

#endif
