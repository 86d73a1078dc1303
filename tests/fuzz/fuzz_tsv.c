/*
 * fuzz_tsv.c - libFuzzer target for the TSV reader (engine/tsv.c).
 *
 * The input is read as a TSV file with a header. Invariants (a violation traps):
 *   - every row has exactly ncols fields; a field's length never exceeds the line's;
 *   - writing every field back with scrm_tsv_write_escaped() and reading the result
 *     gives the same fields (escaping round-trips whatever the bytes);
 *   - line numbers increase by one per row.
 *   make fuzz && build-fuzz/fuzz/fuzz_tsv -max_total_time=60 CORPUS_DIR
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	scrm_tsv *t;
	int rc = scrm_tsv_open(&t, in, 1);
	CHECK(rc == 0 || rc == -ENODATA || rc == -ENOMEM);
	if (rc) {
		fclose(in);
		return 0;
	}
	size_t ncols = scrm_tsv_ncols(t);
	CHECK(ncols >= 1);
	char *copy = NULL;
	size_t copy_len = 0;
	FILE *out = open_memstream(&copy, &copy_len);
	CHECK(out != NULL);
	/* the header back, escaped */
	for (size_t c = 0; c < ncols; c++) {
		const char *n = scrm_tsv_colname(t, c);
		if (c)
			fputc('\t', out);
		CHECK(scrm_tsv_write_escaped(out, n, strlen(n)) == 0);
	}
	fputc('\n', out);
	uint64_t line = scrm_tsv_line(t);
	size_t rows = 0;
	while ((rc = scrm_tsv_next(t)) == 1) {
		CHECK(scrm_tsv_line(t) == line + 1);
		line++;
		for (size_t c = 0; c < ncols; c++) {
			size_t len;
			const char *f = scrm_tsv_field(t, c, &len);
			CHECK(len <= size);
			if (c)
				fputc('\t', out);
			CHECK(scrm_tsv_write_escaped(out, f, len) == 0);
		}
		fputc('\n', out);
		rows++;
	}
	CHECK(rc == 0);
	fclose(out);
	/* Re-read what was written: the same fields, row by row. */
	fseek(in, 0, SEEK_SET);
	scrm_tsv *a, *b;
	FILE *again = fmemopen(copy, copy_len, "r");
	CHECK(again && scrm_tsv_open(&a, in, 1) == 0 && scrm_tsv_open(&b, again, 1) == 0);
	CHECK(scrm_tsv_ncols(b) == ncols);
	for (size_t r = 0; r < rows; r++) {
		CHECK(scrm_tsv_next(a) == 1 && scrm_tsv_next(b) == 1);
		for (size_t c = 0; c < ncols; c++) {
			size_t la, lb;
			const char *fa = scrm_tsv_field(a, c, &la), *fb = scrm_tsv_field(b, c, &lb);
			CHECK(la == lb && memcmp(fa, fb, la) == 0);
			CHECK(scrm_tsv_extra(b) == 0);
		}
	}
	CHECK(scrm_tsv_next(b) == 0);
	scrm_tsv_free(a);
	scrm_tsv_free(b);
	fclose(again);
	free(copy);
	scrm_tsv_free(t);
	fclose(in);
	return 0;
}
