/*
 * tsv.c - reader for the corpora's TSV format (see tsv.h).
 *
 * DESIGN. getline() into one growing buffer; the fields are cut in place (each TAB and
 * the LF become NULs) and unescaped in place, so a row costs no allocation once the
 * buffer and the field table have reached their high-water marks.
 */
#include "tsv.h"
#include "utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scrm_tsv {
	FILE *fp;
	char *line;        /* getline buffer */
	size_t line_cap;
	size_t ncols;
	char **names;      /* header names (copied) */
	const char **field; /* current row: ncols pointers */
	size_t *flen;
	size_t extra, missing;
	uint64_t lineno;
	int pending;       /* headerless: the first row was read by open() */
};

size_t scrm_tsv_unescape(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < n) {
			char e = s[i + 1];
			char r = e == '\\' ? '\\' : e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : 0;
			if (r) {
				s[o++] = r;
				i++;
				continue;
			}
		}
		s[o++] = c;
	}
	return o;
}

int scrm_tsv_write_escaped(FILE *fp, const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		const char *rep = s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t" : s[i] == '\n' ? "\\n" : s[i] == '\r' ? "\\r" : NULL;
		if (!rep)
			continue;
		if (i > start && fwrite(s + start, 1, i - start, fp) != i - start)
			return -EIO;
		if (fwrite(rep, 1, 2, fp) != 2)
			return -EIO;
		start = i + 1;
	}
	if (len > start && fwrite(s + start, 1, len - start, fp) != len - start)
		return -EIO;
	return 0;
}

/* Read one line into t->line without its LF (and a CR before it). 1, 0 at EOF, -errno. */
static int read_line(scrm_tsv *t, size_t *len)
{
	errno = 0;
	ssize_t n = getline(&t->line, &t->line_cap, t->fp);
	if (n < 0) {
		if (ferror(t->fp))
			return errno == ENOMEM ? -ENOMEM : -EIO;
		return 0;
	}
	if (n > 0 && t->line[n - 1] == '\n')
		n--;
	if (n > 0 && t->line[n - 1] == '\r')
		n--;
	t->line[n] = 0;
	t->lineno++;
	*len = (size_t)n;
	return 1;
}

static size_t count_fields(const char *s, size_t n)
{
	size_t k = 1;
	for (const char *p = s; (p = memchr(p, '\t', (size_t)(s + n - p))); p++)
		k++;
	return k;
}

/* Cut the current line into fields (at most ncols). */
static void split(scrm_tsv *t, size_t n)
{
	char *p = t->line, *end = t->line + n;
	size_t c = 0;
	t->extra = 0;
	for (;;) {
		char *tab = memchr(p, '\t', (size_t)(end - p));
		char *fe = tab ? tab : end;
		if (c < t->ncols) {
			*fe = 0;
			t->flen[c] = scrm_tsv_unescape(p, (size_t)(fe - p));
			p[t->flen[c]] = 0;
			t->field[c] = p;
			c++;
		} else {
			t->extra++;
		}
		if (!tab)
			break;
		p = tab + 1;
	}
	t->missing = t->ncols - c;
	for (; c < t->ncols; c++) {
		t->field[c] = "";
		t->flen[c] = 0;
	}
}

static int alloc_cols(scrm_tsv *t, size_t ncols)
{
	t->ncols = ncols;
	t->names = calloc(ncols, sizeof *t->names);
	t->field = calloc(ncols, sizeof *t->field);
	t->flen = calloc(ncols, sizeof *t->flen);
	return t->names && t->field && t->flen ? 0 : -ENOMEM;
}

/* Open on @fp; the first line is @first (n bytes, LF excluded) when given, else read. */
static int open_common(scrm_tsv **out, FILE *fp, int header, const char *first, size_t flen)
{
	*out = NULL;
	scrm_tsv *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->fp = fp;
	size_t n = flen;
	int rc = 1;
	if (first) {
		t->line_cap = flen + 1;
		t->line = malloc(t->line_cap);
		if (!t->line) {
			scrm_tsv_free(t);
			return -ENOMEM;
		}
		memcpy(t->line, first, flen);
		if (n > 0 && t->line[n - 1] == '\r')
			n--;
		t->line[n] = 0;
		t->lineno = 1;
	} else {
		rc = read_line(t, &n);
	}
	if (rc <= 0) {
		scrm_tsv_free(t);
		return rc ? rc : -ENODATA;
	}
	size_t bom = scrm_utf8_bom(t->line, n);
	if (bom) {
		memmove(t->line, t->line + bom, n - bom + 1);
		n -= bom;
	}
	if ((rc = alloc_cols(t, count_fields(t->line, n)))) {
		scrm_tsv_free(t);
		return rc;
	}
	split(t, n);
	if (header) {
		for (size_t c = 0; c < t->ncols; c++) {
			t->names[c] = strdup(t->field[c]);
			if (!t->names[c]) {
				scrm_tsv_free(t);
				return -ENOMEM;
			}
		}
	} else {
		t->pending = 1;
	}
	*out = t;
	return 0;
}

int scrm_tsv_open(scrm_tsv **out, FILE *fp, int header)
{
	return open_common(out, fp, header, NULL, 0);
}

int scrm_tsv_open_header(scrm_tsv **out, FILE *fp, const char *header, size_t len)
{
	return open_common(out, fp, 1, header, len);
}

void scrm_tsv_free(scrm_tsv *t)
{
	if (!t)
		return;
	for (size_t c = 0; t->names && c < t->ncols; c++)
		free(t->names[c]);
	free(t->names);
	free(t->field);
	free(t->flen);
	free(t->line);
	free(t);
}

size_t scrm_tsv_ncols(const scrm_tsv *t) { return t->ncols; }

const char *scrm_tsv_colname(const scrm_tsv *t, size_t i)
{
	return i < t->ncols && t->names[i] ? t->names[i] : "";
}

long scrm_tsv_col(const scrm_tsv *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (t->names[c] && strcmp(t->names[c], name) == 0)
			return (long)c;
	return -1;
}

const char *scrm_tsv_ambiguous(const scrm_tsv *t, const char *const *names, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!names[k])
			continue;
		size_t seen = 0;
		for (size_t c = 0; c < t->ncols; c++)
			seen += t->names[c] && strcmp(t->names[c], names[k]) == 0;
		if (seen > 1)
			return names[k];
	}
	return NULL;
}

int scrm_tsv_next(scrm_tsv *t)
{
	if (t->pending) {
		t->pending = 0;
		return 1;
	}
	size_t n;
	int rc = read_line(t, &n);
	if (rc <= 0)
		return rc;
	split(t, n);
	return 1;
}

const char *scrm_tsv_field(const scrm_tsv *t, size_t i, size_t *len)
{
	const char *f = i < t->ncols && t->field[i] ? t->field[i] : "";
	if (len)
		*len = i < t->ncols && t->field[i] ? t->flen[i] : 0;
	return f;
}

uint64_t scrm_tsv_line(const scrm_tsv *t) { return t->lineno; }
size_t scrm_tsv_extra(const scrm_tsv *t) { return t->extra; }
size_t scrm_tsv_missing(const scrm_tsv *t) { return t->missing; }

int scrm_tsv_warn_shape(const scrm_tsv *t, const char *who, const char *path, uint64_t *warned)
{
	bool blank = t->missing + 1 == t->ncols && t->flen[0] == 0;
	if (!t->extra && (!t->missing || blank))
		return 0;
	size_t n = t->ncols + t->extra - t->missing;
	if ((*warned)++ < 10)
		fprintf(stderr, "%s: %s:%" PRIu64 ": %zu field%s, header has %zu (%s)\n", who, path, t->lineno, n,
			n == 1 ? "" : "s", t->ncols, t->extra ? "extra ignored" : "the missing ones read as empty");
	return 1;
}

void scrm_tsv_print_columns(FILE *f, const scrm_tsv *t)
{
	size_t n = scrm_tsv_ncols(t);
	for (size_t i = 0; i < n && i < 32; i++) {
		const unsigned char *c = (const unsigned char *)scrm_tsv_colname(t, i);
		size_t len = strlen((const char *)c), k = 0;
		fputc(' ', f);
		while (k < len && k < 64) {
			int valid;
			size_t step = scrm_utf8_step(c + k, len - k, &valid);
			if (valid && (step > 1 || (c[k] >= 0x20 && c[k] < 0x7f)))
				fwrite(c + k, 1, step, f); /* printable ASCII, or a whole UTF-8 character */
			else
				for (size_t j = 0; j < step; j++)
					fprintf(f, "\\x%02X", c[k + j]);
			k += step;
		}
		if (k < len)
			fputs("...", f);
	}
	if (n > 32)
		fprintf(f, " ... (%zu columns)", n);
}
