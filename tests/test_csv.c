/*
 * test_csv.c - CSV input (engine/csv.c): the header's columns, a row as canonical JSON
 * (and what the normalizer makes of it), record ends across pieces, and the chunker's
 * CSV mode against a reference splitter.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "normalize.h"
#include "record.h"
#include "source.h"

static scrm_csv_map *header(const char *h, char *msg, size_t cap)
{
	scrm_csv_map *m = NULL;
	int rc = scrm_csv_header(&m, h, strlen(h), NULL, msg, cap);
	cr_assert_eq(rc, 0, "header %s: %d %s", h, rc, msg);
	return m;
}

static int header_err(const char *h, char *msg, size_t cap)
{
	scrm_csv_map *m = (scrm_csv_map *)1;
	int rc = scrm_csv_header(&m, h, strlen(h), NULL, msg, cap);
	cr_assert_null(m);
	return rc;
}

/* The row's JSON (0) or its reason (1, 2), as a string in @out. */
static int row(const scrm_csv_map *m, const char *r, char *out, size_t cap)
{
	scrm_buf b = {0};
	char why[128];
	int rc = scrm_csv_to_json(m, r, strlen(r), &b, why, sizeof why);
	cr_assert_geq(rc, 0);
	if (rc == 0) {
		cr_assert_lt(b.len, cap);
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
	} else {
		snprintf(out, cap, "%s", why);
	}
	scrm_buf_free(&b);
	return rc;
}

Test(csv, header_columns_aliases_and_notices)
{
	char msg[512];
	/* byte-order mark, CRLF, any case, quoted names, aliases, x_* silent */
	scrm_csv_map *m = header("\xEF\xBB\xBF" "ID,\"Channel\",Body,Time, handle ,Name,x_agent,mood\r", msg, sizeof msg);
	cr_assert_eq(scrm_csv_columns(m), 8);
	cr_assert_str_eq(msg, "ignoring column 'mood' (not a field of the scrm schema; x_* columns are ignored silently)");
	char j[512];
	cr_assert_eq(row(m, "m-1,email,Hello there,2026-01-05T10:00:00Z,ann@example.com,Ann,bob,happy", j, sizeof j), 0);
	cr_assert_str_eq(j, "{\"id\":\"m-1\",\"channel\":\"email\",\"text\":\"Hello there\",\"ts\":\"2026-01-05T10:00:00Z\","
			    "\"author\":{\"handle\":\"ann@example.com\",\"name\":\"Ann\"}}");
	scrm_csv_map_free(m);

	m = header("id,channel,text", msg, sizeof msg);
	cr_assert_str_eq(msg, "");
	scrm_csv_map_free(m);

	/* required columns, a field given twice, a header that is not CSV */
	cr_assert_eq(header_err("id,channel,subject", msg, sizeof msg), -EINVAL);
	cr_assert_str_eq(msg, "the CSV header has no text (or body, message) column (id, channel and text are required; "
			      "--csv-columns names other headers, --csv-channel gives a channel to all rows)");
	cr_assert_eq(header_err("text,channel", msg, sizeof msg), -EINVAL);
	cr_assert(!strncmp(msg, "the CSV header has no id column (", 33), "%s", msg);
	cr_assert_eq(header_err("id,channel,text,body", msg, sizeof msg), -EINVAL);
	cr_assert_str_eq(msg, "the CSV header gives the text field twice (columns 3 and 4)");
	cr_assert_eq(header_err("id,channel,text,handle,author.handle", msg, sizeof msg), -EINVAL);
	cr_assert_str_eq(msg, "the CSV header gives the author handle field twice (columns 4 and 5)");
	cr_assert_eq(header_err("id,\"channel,text", msg, sizeof msg), -EINVAL);
	cr_assert_str_eq(msg, "the CSV header is not well-formed: a quoted field is never closed (a '\"' is missing)");
	cr_assert_eq(header_err("", msg, sizeof msg), -EINVAL);
}

/* --csv-columns and --csv-channel: an export with its own header names, of one channel */
Test(csv, user_columns_and_channel)
{
	char msg[512], j[512];
	scrm_csv_opts o = {.columns = " Ticket ID = id,Requester email=handle , Description=text,Internal note=-,"
				      "Subject=x_subject,created=ts",
			   .channel = "email"};
	cr_assert_eq(scrm_csv_opts_check(&o, msg, sizeof msg), 0, "%s", msg);
	scrm_csv_map *m = NULL;
	const char *h = "ticket id,Created,Requester Email,Subject,Description,Internal note,Status";
	cr_assert_eq(scrm_csv_header(&m, h, strlen(h), &o, msg, sizeof msg), 0, "%s", msg);
	cr_assert_str_eq(msg, "ignoring column 'Status' (not a field of the scrm schema; x_* columns are ignored silently)");
	cr_assert_eq(row(m, "7,2026-01-05T10:00:00Z,ann@example.com,Refund,\"My refund, still waiting\",call her,open", j,
			 sizeof j),
		     0);
	cr_assert_str_eq(j, "{\"id\":\"7\",\"text\":\"My refund, still waiting\",\"ts\":\"2026-01-05T10:00:00Z\","
			    "\"channel\":\"email\",\"author\":{\"handle\":\"ann@example.com\"}}");
	scrm_csv_map_free(m);
	/* a channel column wins where it has a value; the default fills the empty cells */
	h = "id,channel,text";
	cr_assert_eq(scrm_csv_header(&m, h, strlen(h), &o, msg, sizeof msg), 0);
	cr_assert_eq(row(m, "1,chat,hi", j, sizeof j), 0);
	cr_assert_str_eq(j, "{\"id\":\"1\",\"channel\":\"chat\",\"text\":\"hi\"}");
	cr_assert_eq(row(m, "2,,hi", j, sizeof j), 0);
	cr_assert_str_eq(j, "{\"id\":\"2\",\"text\":\"hi\",\"channel\":\"email\"}");
	scrm_csv_map_free(m);
	/* a mapping onto a field the header also gives: twice */
	scrm_csv_opts o2 = {.columns = "Body=text"};
	h = "id,channel,text,body";
	cr_assert_eq(scrm_csv_header(&m, h, strlen(h), &o2, msg, sizeof msg), -EINVAL);
	cr_assert_str_eq(msg, "the CSV header gives the text field twice (columns 3 and 4)");
	/* what the check refuses */
	static const struct {
		const char *columns, *channel;
	} bad[] = {{"Ticket=idd", NULL}, {"Ticket", NULL}, {"=id", NULL}, {"a=id,b=", NULL}, {NULL, ""}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		scrm_csv_opts ob = {bad[i].columns, bad[i].channel};
		cr_assert_eq(scrm_csv_opts_check(&ob, msg, sizeof msg), -EINVAL, "%zu", i);
		cr_assert(msg[0]);
	}
	cr_assert_eq(scrm_csv_opts_check(NULL, msg, sizeof msg), 0);

	/* a header name of a survey's length can be mapped too */
	char longname[300], cols[400], hdr[400];
	memset(longname, 'q', 280);
	longname[280] = '\0';
	snprintf(cols, sizeof cols, "%s=text", longname);
	snprintf(hdr, sizeof hdr, "id,channel,%s", longname);
	scrm_csv_opts o4 = {.columns = cols};
	cr_assert_eq(scrm_csv_opts_check(&o4, msg, sizeof msg), 0);
	cr_assert_eq(scrm_csv_header(&m, hdr, strlen(hdr), &o4, msg, sizeof msg), 0, "%s", msg);
	cr_assert_eq(row(m, "1,chat,hello", j, sizeof j), 0);
	cr_assert_str_eq(j, "{\"id\":\"1\",\"channel\":\"chat\",\"text\":\"hello\"}");
	scrm_csv_map_free(m);

	/* a --csv-channel far longer than the row: the JSON still fits (ASan watches) */
	char *big = malloc(20001);
	memset(big, '"', 20000);
	big[20000] = '\0';
	scrm_csv_opts o3 = {.channel = big};
	h = "id,text";
	cr_assert_eq(scrm_csv_header(&m, h, strlen(h), &o3, msg, sizeof msg), 0);
	scrm_buf b = {0};
	cr_assert_eq(scrm_csv_to_json(m, "1,a", 3, &b, msg, sizeof msg), 0);
	cr_assert_eq(b.len, strlen("{\"id\":\"1\",\"text\":\"a\",\"channel\":\"\"}") + 2 * 20000);
	scrm_buf_free(&b);
	scrm_csv_map_free(m);
	free(big);
}

Test(csv, rows_as_json)
{
	char msg[256], j[1024];
	scrm_csv_map *m = header("id,ts,channel,direction,text,author_id,followers,verified,conversation,likes,"
				 "metrics.replies,lang",
				 msg, sizeof msg);
	/* quotes, "", a line break and a TAB inside, control bytes escaped, blanks trimmed
	 * around everything but the text, integers and booleans as JSON, CRLF dropped */
	cr_assert_eq(row(m,
			 " c-1 ,1767607200000,phone,out,\"Said \"\"hi\"\",\r\nthen\tleft\x01\\\",  77 ,12,YES, case-9 ,0,3,en\r",
			 j, sizeof j),
		     0);
	cr_assert_str_eq(j, "{\"id\":\"c-1\",\"channel\":\"phone\",\"text\":\"Said \\\"hi\\\",\\r\\nthen\\tleft\\u0001\\\\\","
			    "\"ts\":1767607200000,\"direction\":\"out\",\"conversation\":\"case-9\","
			    "\"lang\":\"en\",\"author\":{\"id\":\"77\",\"followers\":12,\"verified\":true},"
			    "\"metrics\":{\"likes\":0,\"replies\":3}}");
	/* empty cells are absent; a number or a boolean that is not one stays a string */
	cr_assert_eq(row(m, "c-2,,chat,,hello,,012,maybe,,-4,,", j, sizeof j), 0);
	cr_assert_str_eq(j, "{\"id\":\"c-2\",\"channel\":\"chat\",\"text\":\"hello\",\"author\":{\"followers\":\"012\","
			    "\"verified\":\"maybe\"},\"metrics\":{\"likes\":-4}}");
	/* an empty channel is still given, for the normalizer to refuse */
	cr_assert_eq(row(m, "c-3,,,,hello,,,,,,,", j, sizeof j), 0);
	cr_assert_str_eq(j, "{\"id\":\"c-3\",\"text\":\"hello\",\"channel\":\"\"}");

	/* rows that are not well-formed */
	static const struct {
		const char *row;
		int rc;
		const char *why;
	} bad[] = {
		{"c-4,,chat,,hello", 1, "5 fields, the header has 12"},
		{"c-5,,chat,,hello,,,,,,,,", 1, "13 fields, the header has 12"},
		{"c-6,,chat,,a 5\" screen,,,,,,,", 1,
		 "a '\"' inside an unquoted field (quote the whole field and write '\"' as \"\")"},
		{"c-7,,chat,,\"quoted\" then,,,,,,,", 1,
		 "text after the closing '\"' of a quoted field (write a '\"' inside quotes as \"\")"},
		{"c-8,,chat,,\"never closed,,,,,,,\nc-9,,chat", 2, "a quoted field is never closed (a '\"' is missing)"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		cr_assert_eq(row(m, bad[k].row, j, sizeof j), bad[k].rc, "%s", bad[k].row);
		cr_assert_str_eq(j, bad[k].why);
	}

	/* quoting is only CSV's syntax: quoted numbers and booleans are numbers and booleans */
	cr_assert_eq(row(m, "\"c-9\",\"1767607200000\",chat,,hi,,\"12\",\"true\",,\"0\",,", j, sizeof j), 0);
	cr_assert_str_eq(j, "{\"id\":\"c-9\",\"channel\":\"chat\",\"text\":\"hi\",\"ts\":1767607200000,"
			    "\"author\":{\"followers\":12,\"verified\":true},\"metrics\":{\"likes\":0}}");

	cr_assert(scrm_csv_blank("", 0));
	cr_assert(scrm_csv_blank(" \t\r", 3));
	cr_assert(scrm_csv_blank(",", 1)); /* a spreadsheet's empty row */
	cr_assert(scrm_csv_blank(" , ,\r", 5));
	cr_assert(!scrm_csv_blank(",x,", 3));
	scrm_csv_map_free(m);
}

/* What the canonical normalizer makes of the rows' JSON: the record's fields. */
Test(csv, rows_normalized)
{
	char msg[256];
	scrm_csv_map *m = header("id,date,channel,direction,message,handle,name,thread,in_reply_to,followers", msg,
				 sizeof msg);
	scrm_normalizer *nz = scrm_normalizer_create(SCRM_FORMAT_SCRM);
	cr_assert_not_null(nz);
	scrm_recvec rv = {0};
	scrm_buf arena = {0}, json = {0};
	char why[128];
	scrm_norm_result res;

	const char *r1 = "e-1,2026-01-05 11:35:52 -0800,email,in,\"My order 1234 never arrived.\nStill waiting!\","
			 "Ann@Example.com,Ann,e-0,e-0,5";
	cr_assert_eq(scrm_csv_to_json(m, r1, strlen(r1), &json, why, sizeof why), 0);
	cr_assert_eq(scrm_normalize_line(nz, json.data, json.len, &rv, &arena, &res), 0);
	cr_assert_eq(res.reject, SCRM_REJ_NONE);
	cr_assert_eq(rv.len, 1);
	scrm_record *r = &rv.v[0];
	cr_assert_eq(r->schema, SCRM_SCHEMA_SCRM);
	cr_assert_eq(r->ts_ms, INT64_C(1767641752000));
	cr_assert_eq(r->direction, SCRM_DIR_IN);
	cr_assert_eq(r->followers, 5);
	cr_assert_eq(r->text.len, strlen("My order 1234 never arrived.\nStill waiting!"));
	cr_assert_eq(memcmp(scrm_str_ptr(&arena, r->text), "My order 1234 never arrived.\nStill waiting!", r->text.len), 0);
	cr_assert_eq(memcmp(scrm_str_ptr(&arena, r->author_handle), "Ann@Example.com", r->author_handle.len), 0);
	cr_assert_eq(memcmp(scrm_str_ptr(&arena, r->conversation), "e-0", 3), 0);
	cr_assert_eq(memcmp(scrm_str_ptr(&arena, r->in_reply_to), "e-0", 3), 0);

	/* the normalizer's own rejects, with the field named */
	static const struct {
		const char *row;
		enum scrm_reject why;
		const char *detail;
	} bad[] = {
		{",2026-01-05,email,in,hello,,,,,", SCRM_REJ_MISSING_ID, "scrm: no \"id\""},
		{"e-2,2026-01-05,email,in,,,,,,", SCRM_REJ_MISSING_TEXT, "scrm: no \"text\""},
		{"e-3,2026-01-05,,in,hello,,,,,", SCRM_REJ_UNKNOWN_SCHEMA, "scrm: \"channel\" must be a non-empty string"},
		{"e-4,2026-01-05,email,up,hello,,,,,", SCRM_REJ_UNKNOWN_SCHEMA, "scrm: \"direction\" must be \"in\" or \"out\""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rv.len = 0;
		cr_assert_eq(scrm_csv_to_json(m, bad[i].row, strlen(bad[i].row), &json, why, sizeof why), 0);
		cr_assert_eq(scrm_normalize_line(nz, json.data, json.len, &rv, &arena, &res), 0);
		cr_assert_eq(res.reject, bad[i].why, "%s", bad[i].row);
		cr_assert_str_eq(res.detail, bad[i].detail, "%s", bad[i].row);
		cr_assert_eq(rv.len, 0);
	}
	/* a number that is not an integer: the normalizer names the field */
	rv.len = 0;
	const char *r5 = "e-5,2026-01-05,email,in,hello,,,,,lots";
	cr_assert_eq(scrm_csv_to_json(m, r5, strlen(r5), &json, why, sizeof why), 0);
	cr_assert_eq(scrm_normalize_line(nz, json.data, json.len, &rv, &arena, &res), 0);
	cr_assert_eq(res.reject, SCRM_REJ_UNKNOWN_SCHEMA);
	cr_assert(strstr(res.detail, "followers"), "%s", res.detail);
	/* a number no integer holds: read as NDJSON reads it, null and flagged */
	rv.len = 0;
	const char *r7 = "e-7,2026-01-05,email,in,hello,,,,,1e400";
	cr_assert_eq(scrm_csv_to_json(m, r7, strlen(r7), &json, why, sizeof why), 0);
	cr_assert(memmem(json.data, json.len, "\"followers\":1e400", 17), "%.*s", (int)json.len, json.data);
	cr_assert_eq(scrm_normalize_line(nz, json.data, json.len, &rv, &arena, &res), 0);
	cr_assert_eq(res.reject, SCRM_REJ_NONE);
	cr_assert_eq(rv.len, 1);
	cr_assert(rv.v[0].flags & SCRM_REC_REPAIRED_NUMBER);
	cr_assert_eq(rv.v[0].followers, SCRM_UNKNOWN_INT);
	static const char *const notnum[] = {"1.", ".5", "01", "1e", "1e+", "--1", "0x10", "1,5"};
	for (size_t k = 0; k < sizeof notnum / sizeof notnum[0]; k++) {
		char row[64];
		snprintf(row, sizeof row, "e-8,,email,in,hello,,,,,\"%s\"", notnum[k]);
		cr_assert_eq(scrm_csv_to_json(m, row, strlen(row), &json, why, sizeof why), 0);
		cr_assert(memmem(json.data, json.len, "\"followers\":\"", 13), "%s: %.*s", notnum[k], (int)json.len,
			  json.data); /* a string: the normalizer's reject */
	}
	/* invalid UTF-8 in a cell: repaired, as in NDJSON input */
	rv.len = 0;
	const char *r6 = "e-6,,email,in,caf\xC3 ok,,,,,";
	cr_assert_eq(scrm_csv_to_json(m, r6, strlen(r6), &json, why, sizeof why), 0);
	cr_assert_eq(scrm_normalize_line(nz, json.data, json.len, &rv, &arena, &res), 0);
	cr_assert_eq(res.reject, SCRM_REJ_NONE);
	cr_assert_eq(rv.len, 1);
	cr_assert(rv.v[0].flags & SCRM_REC_REPAIRED_UTF8);
	cr_assert_eq(rv.v[0].ts_ms, SCRM_UNKNOWN_INT);

	scrm_buf_free(&json);
	scrm_buf_free(&arena);
	scrm_recvec_free(&rv);
	scrm_normalizer_free(nz);
	scrm_csv_map_free(m);
}

/* ---------------------------------------------------------------- record ends ---- */

/* The reference: where each record of s[0, n) ends (its '\n', or n for the last one) and
 * its line breaks inside quotes, by the rules of csv.h written out byte by byte. */
typedef struct {
	size_t end;
	unsigned long long nl;
} ref_rec;

static size_t ref_records(const char *s, size_t n, ref_rec *out)
{
	size_t k = 0;
	int st = 0; /* 0 field start, 1 unquoted, 2 quoted, 3 quote in quoted */
	unsigned long long nl = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n' && st != 2) {
			out[k++] = (ref_rec){i, nl};
			st = 0;
			nl = 0;
			continue;
		}
		switch (st) {
		case 0: st = c == '"' ? 2 : c == ',' ? 0 : 1; break;
		case 1: st = c == ',' ? 0 : 1; break;
		case 2:
			if (c == '"')
				st = 3;
			else if (c == '\n')
				nl++;
			break;
		case 3: st = c == '"' ? 2 : c == ',' ? 0 : 1; break;
		}
	}
	if (n && (k == 0 || out[k - 1].end + 1 < n))
		out[k++] = (ref_rec){n, nl};
	return k;
}

static uint64_t rs = 88172645463325252ull;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static void random_csv(char *p, size_t n)
{
	static const char alpha[] = "ab,\"\n\r x";
	for (size_t i = 0; i < n; i++)
		p[i] = alpha[rnd() % (sizeof alpha - 1)];
}

Test(csv, record_ends_in_any_pieces)
{
	static char s[4096];
	static ref_rec ref[4096];
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + rnd() % sizeof s;
		random_csv(s, n);
		size_t nref = ref_records(s, n, ref);
		/* fed in random pieces */
		size_t start = 0, pos = 0, k = 0;
		scrm_csv_scan cs = {0};
		while (pos < n) {
			size_t piece = 1 + rnd() % 64;
			if (piece > n - pos)
				piece = n - pos;
			const char *e = scrm_csv_end(&cs, s + pos, piece);
			if (!e) {
				pos += piece;
				continue;
			}
			cr_assert_lt(k, nref);
			cr_assert_eq((size_t)(e - s), ref[k].end, "round %d record %zu from %zu", round, k, start);
			cr_assert_eq(cs.nl, ref[k].nl, "round %d record %zu", round, k);
			k++;
			pos = start = (size_t)(e - s) + 1;
			cs = (scrm_csv_scan){0};
		}
		if (start < n) { /* the last record, without its '\n' */
			cr_assert_eq(k + 1, nref);
			cr_assert_eq(ref[k].end, n);
			cr_assert_eq(cs.nl, ref[k].nl);
			k++;
		}
		cr_assert_eq(k, nref, "round %d", round);
	}
}

/* The chunker in CSV mode delivers every byte, cuts only at record ends, and numbers
 * physical lines (the line a record starts on). */
Test(csv, chunker_cuts_at_record_ends)
{
	static char s[1 << 16];
	static ref_rec ref[1 << 16];
	for (int round = 0; round < 40; round++) {
		/* records of at most 200 bytes: well-formed rows whose quoted fields hold line breaks */
		size_t n = 0;
		while (n < sizeof s - 256) {
			size_t fields = 1 + rnd() % 4;
			for (size_t f = 0; f < fields; f++) {
				if (f)
					s[n++] = ',';
				if (rnd() % 3 == 0) {
					s[n++] = '"';
					for (size_t k = rnd() % 20; k; k--) {
						char c = "a\n\"\r,"[rnd() % 5];
						if (c == '"')
							s[n++] = '"'; /* "" */
						s[n++] = c;
					}
					s[n++] = '"';
				} else {
					for (size_t k = rnd() % 20; k; k--)
						s[n++] = "abc "[rnd() % 4];
				}
			}
			s[n++] = '\n';
		}
		size_t nref = ref_records(s, n, ref);
		size_t max_record = 256, cap = 256 + 1 + rnd() % 2048;
		scrm_source *src;
		cr_assert_eq(scrm_source_open_mem(&src, s, n, "mem.csv"), 0);
		scrm_chunker *ck;
		cr_assert_eq(scrm_chunker_create(&ck, src, max_record), 0);
		scrm_chunker_set_csv(ck, true);
		char *buf = malloc(cap + SCRM_PADDING);
		size_t pos = 0, k = 0;
		unsigned long long line = 1;
		for (;;) {
			scrm_chunk_info info;
			ssize_t got = scrm_chunker_next(ck, buf, cap, &info);
			cr_assert_geq(got, 0);
			cr_assert_eq(info.n_oversize, 0);
			if (!got)
				break;
			cr_assert_eq(memcmp(buf, s + pos, (size_t)got), 0);
			cr_assert_eq(info.base_offset, pos);
			cr_assert_eq(info.base_line, line, "round %d at %zu", round, pos);
			unsigned li = 0;
			for (size_t e = pos; k < nref && ref[k].end < pos + (size_t)got; k++) {
				cr_assert_lt(li, info.n_lines);
				cr_assert_eq(info.line_end[li++], ref[k].end - pos, "round %d record %zu", round, k);
				line += 1 + ref[k].nl;
				e = ref[k].end;
				(void)e;
			}
			cr_assert_eq(info.n_lines, li);
			pos += (size_t)got;
			cr_assert_eq(buf[got - 1], '\n');
			cr_assert_eq(info.end_offset, pos);
		}
		cr_assert_eq(pos, n);
		cr_assert_eq(k, nref);
		free(buf);
		scrm_chunker_free(ck);
		scrm_source_close(src);
	}
}

/* A quote that never closes loses no row: once its record passes --max-record, the
 * record's first line goes on alone and the lines after it are records again. */
Test(csv, chunker_runaway_quote_loses_no_row)
{
	char s[2048];
	size_t n = 0;
	n += (size_t)sprintf(s + n, "id,channel,text\n1,a,\"runaway\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)sprintf(s + n, "%d,b,line %d\n", 10 + i, i);
	n += (size_t)sprintf(s + n, "99,c,\"two\nlines\"\n100,d,last\n");
	size_t caps[] = {70, 100, 4096};
	for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
		scrm_source *src;
		cr_assert_eq(scrm_source_open_mem(&src, s, n, "mem.csv"), 0);
		scrm_chunker *ck;
		cr_assert_eq(scrm_chunker_create(&ck, src, 64), 0);
		scrm_chunker_set_csv(ck, true);
		char buf[4096 + SCRM_PADDING], all[4096];
		size_t alln = 0;
		unsigned long long line = 1;
		for (;;) {
			scrm_chunk_info info;
			ssize_t got = scrm_chunker_next(ck, buf, caps[ci], &info);
			cr_assert_geq(got, 0);
			cr_assert_eq(info.n_oversize, 0);
			if (!got)
				break;
			cr_assert_eq(info.base_offset, alln);
			cr_assert_eq(info.base_line, line, "cap %zu at %zu", caps[ci], alln);
			for (ssize_t i = 0; i < got; i++)
				line += buf[i] == '\n';
			memcpy(all + alln, buf, (size_t)got);
			alln += (size_t)got;
		}
		/* every byte, cut into records: the runaway's line alone, then each row, and the
		 * record whose quoted field holds a line break whole */
		cr_assert_eq(alln, n);
		cr_assert_eq(memcmp(all, s, n), 0);
		scrm_chunker_free(ck);
		scrm_source_close(src);
	}
	/* where the records end: found again by the worker's rule from each record start */
	scrm_csv_scan cs = {0};
	const char *p = s + 16, *e = scrm_csv_end(&cs, p, n - 16);
	cr_assert_not_null(e); /* (without --max-record the quote runs on to "two) */
	cr_assert_gt(e - p, 64);
}

/* A byte-order mark before a quoted first header name: the quote still opens the field
 * (the chunker steps over the file's mark, as csv.h asks of its callers). */
Test(csv, byte_order_mark_then_quote)
{
	const char s[] = "\xEF\xBB\xBF\"te\nxt\",id,channel,text\r\n\"a\nb\",1,chat,hi\r\n";
	size_t hl = strlen("\xEF\xBB\xBF\"te\nxt\",id,channel,text\r");
	scrm_csv_scan cs = {0};
	const char *e = scrm_csv_end(&cs, s + 3, sizeof s - 1 - 3);
	cr_assert_not_null(e);
	cr_assert_eq(e - s, (ptrdiff_t)hl);
	cr_assert_eq(cs.nl, 1);
	char msg[256];
	scrm_csv_map *m = NULL;
	cr_assert_eq(scrm_csv_header(&m, s, hl, NULL, msg, sizeof msg), 0, "%s", msg);
	cr_assert_eq(scrm_csv_columns(m), 4);
	cr_assert_str_eq(msg, "ignoring column 'te\nxt' (not a field of the scrm schema; x_* columns are ignored silently)");
	scrm_csv_map_free(m);
	/* through the chunker: the header, then the row over two lines, each a record */
	scrm_source *src;
	cr_assert_eq(scrm_source_open_mem(&src, s, sizeof s - 1, "bom.csv"), 0);
	scrm_chunker *ck;
	cr_assert_eq(scrm_chunker_create(&ck, src, 1024), 0);
	scrm_chunker_set_csv(ck, true);
	char buf[4096 + SCRM_PADDING];
	scrm_chunk_info info;
	cr_assert_eq(scrm_chunker_next(ck, buf, 4096, &info), (ssize_t)(sizeof s - 1));
	cr_assert_eq(info.n_lines, 2);
	cr_assert_eq(info.line_end[0], hl);
	cr_assert_eq(info.line_end[1], sizeof s - 2);
	scrm_chunker_free(ck);
	scrm_source_close(src);
}

Test(csv, named)
{
	cr_assert(scrm_csv_named("calls.csv"));
	cr_assert(scrm_csv_named("dir/CALLS.CSV"));
	cr_assert(scrm_csv_named("calls.csv.zst"));
	cr_assert(scrm_csv_named("calls.csv.gz"));
	cr_assert(scrm_csv_named("calls.csv.bz2"));
	cr_assert(scrm_csv_named("calls.csv.xz"));
	cr_assert(!scrm_csv_named("calls.ndjson"));
	cr_assert(!scrm_csv_named("calls.csvx"));
	cr_assert(!scrm_csv_named(".csv"));
	cr_assert(!scrm_csv_named("calls.zst"));
	cr_assert(!scrm_csv_named("-"));
}
