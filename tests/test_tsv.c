/*
 * test_tsv.c - the corpora TSV reader (engine/tsv.c): escapes, header lookup, short and
 * long rows, CRLF, blank lines, headerless files, and the writer's round trip.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsv.h"

static FILE *mem(const char *s)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");
	cr_assert_not_null(f);
	return f;
}

Test(tsv, header_escapes_and_rows)
{
	FILE *f = mem("id\ttext\tlabel\r\n1\ta\\tb\\\\c\\nd\\re\\x\tpos\n2\tshort\n3\tx\ty\tz\tw\n\n");
	scrm_tsv *t;
	cr_assert_eq(scrm_tsv_open(&t, f, 1), 0);
	cr_assert_eq(scrm_tsv_ncols(t), 3);
	cr_assert_str_eq(scrm_tsv_colname(t, 2), "label"); /* CR dropped */
	cr_assert_eq(scrm_tsv_col(t, "text"), 1);
	cr_assert_eq(scrm_tsv_col(t, "nope"), -1);

	size_t len;
	cr_assert_eq(scrm_tsv_next(t), 1);
	cr_assert_eq(scrm_tsv_line(t), 2);
	const char *s = scrm_tsv_field(t, 1, &len);
	cr_assert_eq(len, 11);
	cr_assert_eq(memcmp(s, "a\tb\\c\nd\re\\x", 11), 0);
	cr_assert_str_eq(scrm_tsv_field(t, 2, NULL), "pos");
	cr_assert_eq(scrm_tsv_extra(t) + scrm_tsv_missing(t), 0);

	cr_assert_eq(scrm_tsv_next(t), 1);
	cr_assert_str_eq(scrm_tsv_field(t, 1, NULL), "short");
	cr_assert_str_eq(scrm_tsv_field(t, 2, &len), "");
	cr_assert_eq(len, 0);
	cr_assert_eq(scrm_tsv_missing(t), 1);

	cr_assert_eq(scrm_tsv_next(t), 1);
	cr_assert_str_eq(scrm_tsv_field(t, 2, NULL), "y");
	cr_assert_eq(scrm_tsv_extra(t), 2);
	cr_assert_eq(scrm_tsv_line(t), 4);

	cr_assert_eq(scrm_tsv_next(t), 1); /* the blank line is a row */
	cr_assert_eq(scrm_tsv_missing(t), 2);
	cr_assert_str_eq(scrm_tsv_field(t, 0, NULL), "");
	cr_assert_eq(scrm_tsv_next(t), 0);
	cr_assert_eq(scrm_tsv_field(t, 7, &len)[0], 0); /* out of range reads as empty */
	scrm_tsv_free(t);
	fclose(f);
}

Test(tsv, headerless_and_empty)
{
	FILE *f = mem("hello world\nsecond");
	scrm_tsv *t;
	cr_assert_eq(scrm_tsv_open(&t, f, 0), 0);
	cr_assert_eq(scrm_tsv_ncols(t), 1);
	cr_assert_str_eq(scrm_tsv_colname(t, 0), "");
	cr_assert_eq(scrm_tsv_next(t), 1);
	cr_assert_str_eq(scrm_tsv_field(t, 0, NULL), "hello world");
	cr_assert_eq(scrm_tsv_line(t), 1);
	cr_assert_eq(scrm_tsv_next(t), 1);
	cr_assert_str_eq(scrm_tsv_field(t, 0, NULL), "second"); /* no final LF */
	cr_assert_eq(scrm_tsv_next(t), 0);
	scrm_tsv_free(t);
	fclose(f);

	FILE *e = mem("");
	cr_assert_eq(scrm_tsv_open(&t, e, 1), -ENODATA);
	cr_assert_null(t);
	fclose(e);
	scrm_tsv_free(NULL);
}

Test(tsv, write_escaped_round_trips)
{
	const char in[] = "a\\b\tc\nd\re\0f";
	char *buf = NULL;
	size_t sz = 0;
	FILE *w = open_memstream(&buf, &sz);
	cr_assert_eq(scrm_tsv_write_escaped(w, in, sizeof in - 1), 0);
	fclose(w);
	cr_assert_eq(memchr(buf, '\t', sz), NULL);
	cr_assert_eq(memchr(buf, '\n', sz), NULL);
	size_t n = scrm_tsv_unescape(buf, sz);
	cr_assert_eq(n, sizeof in - 1);
	cr_assert_eq(memcmp(buf, in, n), 0);
	free(buf);
}

Test(tsv, open_with_a_header_read_by_the_caller)
{
	FILE *f = mem("7\tx\\ty\n");
	scrm_tsv *t;
	cr_assert_eq(scrm_tsv_open_header(&t, f, "id\ttext\r", 8), 0);
	cr_assert_eq(scrm_tsv_col(t, "text"), 1);
	cr_assert_eq(scrm_tsv_next(t), 1);
	cr_assert_eq(scrm_tsv_line(t), 2);
	cr_assert_str_eq(scrm_tsv_field(t, 1, NULL), "x\ty");
	cr_assert_eq(scrm_tsv_next(t), 0);
	scrm_tsv_free(t);
	fclose(f);
}

/* Open @data's header: a TSV for the two tests below (closed by tsv_done()). */
static scrm_tsv *open_data(const char *data, FILE **fp)
{
	*fp = mem(data);
	scrm_tsv *t;
	cr_assert_eq(scrm_tsv_open(&t, *fp, 1), 0);
	return t;
}

static void tsv_done(scrm_tsv *t, FILE *fp)
{
	scrm_tsv_free(t);
	fclose(fp);
}

/* A byte-order mark before the header (a file saved on Windows) is not part of the
 * first column's name. */
Test(tsv, bom_before_the_header)
{
	FILE *fp;
	scrm_tsv *t = open_data("\xEF\xBB\xBFtext\tlabel\ngood\tpositive\n", &fp);
	cr_assert_eq(scrm_tsv_col(t, "text"), 0);
	cr_assert_eq(scrm_tsv_col(t, "label"), 1);
	cr_assert_eq(scrm_tsv_next(t), 1);
	cr_assert_str_eq(scrm_tsv_field(t, 0, NULL), "good");
	tsv_done(t, fp);
}

/* A header naming a column twice: scrm_tsv_ambiguous() names it when a caller uses it. */
Test(tsv, ambiguous_columns)
{
	FILE *fp;
	scrm_tsv *t = open_data("id\ttext\tlabel\tlabel\tx\tx\n1\tgood\tpos\tneg\ta\tb\n", &fp);
	const char *a[] = {"text", "label"}, *b[] = {"text", NULL, "id"}, *c[] = {"x"};
	cr_assert_str_eq(scrm_tsv_ambiguous(t, a, 2), "label");
	cr_assert_null(scrm_tsv_ambiguous(t, b, 3));
	cr_assert_str_eq(scrm_tsv_ambiguous(t, c, 1), "x");
	tsv_done(t, fp);
}

/* stderr of @fn(@arg) as a string (caller frees) */
static char *stderr_of(void (*fn)(void *), void *arg)
{
	fflush(stderr);
	FILE *tmp = tmpfile();
	cr_assert_not_null(tmp);
	int saved = dup(2);
	dup2(fileno(tmp), 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	long n = ftell(tmp);
	cr_assert_geq(n, 0);
	char *s = calloc(1, (size_t)n + 1);
	rewind(tmp);
	cr_assert_eq(fread(s, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return s;
}

static int shaped; /* rows scrm_tsv_warn_shape() called misshapen */

static void warn_rows(void *arg)
{
	FILE *f = mem(arg);
	scrm_tsv *t;
	cr_assert_eq(scrm_tsv_open(&t, f, 1), 0);
	uint64_t warned = 0;
	shaped = 0;
	while (scrm_tsv_next(t) == 1)
		shaped += scrm_tsv_warn_shape(t, "scrm test", "x.tsv", &warned);
	cr_assert_eq(warned, (uint64_t)shaped);
	scrm_tsv_free(t);
	fclose(f);
}

Test(tsv, misshapen_rows_are_reported_both_ways)
{
	/* line 3: one field short; line 4: blank (not reported); line 5: one too many;
	 * line 6: well formed */
	char *e = stderr_of(warn_rows, "id\ttext\n1\thello\n2\n\n3\tgood\tthing\n4\tfine\n");
	cr_assert_eq(shaped, 2);
	cr_assert(strstr(e, "scrm test: x.tsv:3: 1 field, header has 2 (the missing ones read as empty)\n"), "%s", e);
	cr_assert(strstr(e, "scrm test: x.tsv:5: 3 fields, header has 2 (extra ignored)\n"), "%s", e);
	cr_assert_null(strstr(e, "x.tsv:4:"), "%s", e);
	cr_assert_null(strstr(e, "x.tsv:6:"), "%s", e);
	free(e);

	/* at most 10 lines of warnings, every misshapen row counted */
	char buf[512] = "a\tb\tc\n";
	for (int i = 0; i < 14; i++)
		strcat(buf, "x\n");
	e = stderr_of(warn_rows, buf);
	cr_assert_eq(shaped, 14);
	int lines = 0;
	for (const char *p = e; (p = strchr(p, '\n')); p++)
		lines++;
	cr_assert_eq(lines, 10, "%s", e);
	free(e);
}
