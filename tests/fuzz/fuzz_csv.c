/*
 * fuzz_csv.c - libFuzzer target for CSV input (engine/csv.c) and the chunker's CSV mode.
 *
 * Input: byte 0 picks max_record (8..263), byte 1 the chunk capacity (max_record+1 ..
 * max_record+256), byte 2 the piece size for the piecewise scan (1..256); the rest is the
 * stream. Invariants (a violation traps):
 *   - scrm_csv_end() finds the same record ends whether the stream comes whole or in
 *     pieces, with the same count of line breaks inside quotes;
 *   - the chunker in CSV mode accounts for every byte (delivered, or in an oversize
 *     report), delivers bytes equal to the stream's at each chunk's base offset, numbers
 *     physical lines (base_line is 1 + the '\n' before base_offset), records only '\n'
 *     bytes as record ends, and no record it delivers is longer than max_record;
 *   - scrm_csv_record_end() from each record's start finds the end the chunker cut it at
 *     (the rule a worker applies where the chunker's record ends were not kept);
 *   - the header parses (0) or is refused (-EINVAL) with a message; each delivered row
 *     then converts to JSON (0) or is bad_csv (1, 2) with a reason, and the JSON it
 *     writes always parses (the canonical normalizer never says bad_json of it).
 *   make fuzz && build-fuzz/fuzz/fuzz_csv -max_total_time=60 CORPUS_DIR
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "csv.h"
#include "normalize.h"
#include "record.h"
#include "source.h"
#include "utf8.h"
#include "fuzz.h"

static unsigned long long count_nl(const char *p, size_t n)
{
	unsigned long long k = 0;
	for (size_t i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t max_record = 8 + data[0], cap = max_record + 1 + data[1], piece = 1 + (size_t)data[2];
	const char *s = (const char *)data + 3;
	size_t n = size - 3;

	/* record ends: whole against in pieces */
	{
		size_t start = 0;
		while (start < n) {
			scrm_csv_scan whole = {0}, part = {0};
			const char *e1 = scrm_csv_end(&whole, s + start, n - start), *e2 = NULL;
			for (size_t at = start; at < n && !e2; at += piece)
				e2 = scrm_csv_end(&part, s + at, n - at < piece ? n - at : piece);
			CHECK(e1 == e2);
			CHECK(whole.nl == part.nl);
			CHECK(!e1 || *e1 == '\n');
			CHECK(whole.nl <= count_nl(s + start, (size_t)((e1 ? e1 : s + n) - (s + start))));
			if (!e1)
				break;
			start = (size_t)(e1 - s) + 1;
		}
	}

	/* byte 2 odd: the stream's first line is also a --csv-columns list (and "fuzz" the
	 * --csv-channel), checked, and used for the header when it passes */
	char cols[256];
	scrm_csv_opts opts = {0}, *op = NULL;
	if (data[2] & 1) {
		size_t k = 0;
		for (; k < n && k < sizeof cols - 1 && s[k] != '\n'; k++)
			cols[k] = s[k] ? s[k] : ' ';
		cols[k] = '\0';
		opts = (scrm_csv_opts){.columns = cols, .channel = (data[2] & 2) ? "fuzz" : NULL};
		char m[512];
		int rc = scrm_csv_opts_check(&opts, m, sizeof m);
		CHECK(rc == 0 || (rc == -EINVAL && m[0]));
		op = rc == 0 ? &opts : NULL;
	}

	/* the chunker, and each row through the map (a stream that starts like a compressed
	 * one is decoded by the source: fuzz_chunker covers that) */
	const unsigned char *u = (const unsigned char *)s;
	if ((n >= 4 && u[0] == 0x28 && u[1] == 0xB5 && u[2] == 0x2F && u[3] == 0xFD) ||
	    (n >= 4 && (u[0] & 0xF0) == 0x50 && u[1] == 0x2A && u[2] == 0x4D && u[3] == 0x18) ||
	    (n >= 4 && scrm_codec_detect(u, n)))
		return 0;
	scrm_source *src;
	CHECK(scrm_source_open_mem(&src, s, n, "fuzz.csv") == 0);
	scrm_chunker *ck;
	CHECK(scrm_chunker_create(&ck, src, max_record) == 0);
	scrm_chunker_set_csv(ck, true);
	char *buf = malloc(cap + SCRM_PADDING);
	CHECK(buf);
	scrm_csv_map *map = NULL;
	bool header_done = false;
	scrm_normalizer *nz = scrm_normalizer_create(SCRM_FORMAT_SCRM);
	CHECK(nz);
	scrm_buf json = {0}, arena = {0};
	scrm_recvec rv = {0};
	unsigned long long accounted = 0;
	for (int calls = 0; calls < 100000; calls++) {
		scrm_chunk_info info;
		ssize_t got = scrm_chunker_next(ck, buf, cap, &info);
		if (got < 0) { /* a UTF-16 or UTF-32 stream, or one a codec's magic starts (bad data) */
			CHECK(got == -EILSEQ || got == -EBADMSG);
			accounted = n;
			break;
		}
		CHECK(got >= 0 && (size_t)got <= cap);
		for (unsigned k = 0; k < info.n_oversize; k++) {
			const scrm_oversize *ov = &info.oversize[k];
			CHECK(ov->offset + ov->length <= n);
			CHECK(ov->line == 1 + count_nl(s, ov->offset));
			accounted += ov->length + (ov->unterminated ? 0 : 1);
		}
		CHECK(!info.oversize_dropped);
		if (!got) {
			if (scrm_chunker_eof(ck))
				break;
			continue;
		}
		CHECK(info.base_line == 1 + count_nl(s, info.base_offset));
		bool inner_oversize = false;
		for (unsigned k = 0; k < info.n_oversize; k++)
			inner_oversize |= info.oversize[k].offset > info.base_offset;
		if (!inner_oversize) {
			CHECK(info.base_offset + (size_t)got <= n);
			CHECK(!memcmp(buf, s + info.base_offset, (size_t)got));
		}
		accounted += (unsigned long long)got;
		CHECK(buf[got - 1] == '\n' || scrm_chunker_eof(ck));
		/* its records, as the worker finds them */
		size_t at = 0;
		for (unsigned li = 0; at < (size_t)got; li++) {
			const char *nl;
			/* the worker's rule for a record end it must find itself agrees with
			 * the chunker's (where no oversize line was cut out of the chunk) */
			const char *mine = inner_oversize ? NULL
						: scrm_csv_record_end(buf + at, buf + got, max_record);
			/* (not the stream's first record after a byte-order mark: the header,
			 * which no worker scans again) */
			bool bom_header = info.base_offset == 0 && at == 0 && scrm_utf8_bom(buf, (size_t)got);
			if (li < info.n_lines) {
				CHECK(info.line_end[li] < (size_t)got && buf[info.line_end[li]] == '\n');
				nl = buf + info.line_end[li];
				CHECK(inner_oversize || bom_header || mine == nl);
			} else {
				nl = inner_oversize ? scrm_csv_record_end(buf + at, buf + got, max_record) : mine;
			}
			size_t len = (size_t)((nl ? nl : buf + got) - (buf + at));
			CHECK(len <= max_record);
			char msg[256], why[128];
			if (!header_done) {
				header_done = true;
				int rc = scrm_csv_header(&map, buf + at, len, op, msg, sizeof msg);
				CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
				CHECK(rc != -EINVAL || (msg[0] && !map));
				CHECK(rc || scrm_csv_columns(map) >= (op && op->channel ? 2 : 3));
			} else if (map && !scrm_csv_blank(buf + at, len)) {
				int rc = scrm_csv_to_json(map, buf + at, len, &json, why, sizeof why);
				CHECK(rc >= 0 || rc == -ENOMEM);
				CHECK(rc <= 0 || why[0]);
				if (rc == 0) {
					scrm_norm_result res;
					rv.len = 0;
					arena.len = 0;
					CHECK(scrm_normalize_line(nz, json.data, json.len, &rv, &arena, &res) == 0);
					CHECK(res.reject != SCRM_REJ_BAD_JSON && res.reject != SCRM_REJ_TOO_DEEP);
				}
			}
			at += len + 1;
		}
	}
	CHECK(accounted == n);
	scrm_csv_map_free(map);
	scrm_buf_free(&json);
	scrm_buf_free(&arena);
	scrm_recvec_free(&rv);
	scrm_normalizer_free(nz);
	free(buf);
	scrm_chunker_free(ck);
	scrm_source_close(src);
	return 0;
}
