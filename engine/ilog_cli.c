/*
 * ilog_cli.c - `scrm log verify|dump` and `scrm history`: the interaction log for an
 * operator (see ilog.h for the log itself).
 *
 * Output is for people (tables) or for jq (NDJSON on stdout); diagnostics go to stderr.
 * The payload of an interaction is opaque to the log; `history` only peeks at a few
 * top-level string fields of it (channel, direction, route, priority, text) for its
 * table, with a small JSON walker that never trusts the payload to be well-formed.
 */
#include "event.h"
#include "ilog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- output helpers ---- */

/* A JSON string of s[0, n), as the events write theirs (scrm_json_put_str(): a byte that
 * is not UTF-8, an input path's say, as \u00XX; it was written raw, invalid JSON). */
static void json_str(FILE *f, const char *s, size_t n)
{
	scrm_buf b = {0};
	if (scrm_json_put_str(&b, s, n) == 0)
		fwrite(b.data, 1, b.len, f);
	else
		fputs("null", f);
	scrm_buf_free(&b);
}

/* An interaction as one NDJSON line (the format `log dump` and `history --json` share). */
static void print_interaction(FILE *f, uint32_t part, const scrm_ilog_rec *r)
{
	fprintf(f, "{\"part\":%" PRIu32 ",\"seq\":%" PRIu64 ",\"customer\":\"%016" PRIx64 "\",\"ts\":", part,
		r->seq, r->customer);
	if (r->ts_ms == SCRM_ILOG_NO_TIME)
		fputs("null", f);
	else
		fprintf(f, "%" PRId64, r->ts_ms);
	fputs(",\"data\":", f);
	if (r->len)
		fwrite(r->data, 1, r->len, f);
	else
		fputs("null", f);
	fputs("}\n", f);
}

static void print_checkpoint(FILE *f, uint32_t part, const scrm_ilog_rec *r)
{
	fprintf(f, "{\"part\":%" PRIu32 ",\"commit\":%" PRIu64 ",\"checkpoint\":[", part, r->commit);
	for (uint32_t i = 0; i < r->ninputs; i++) {
		fputs(i ? ",{\"input\":" : "{\"input\":", f);
		json_str(f, r->inputs[i].input, r->inputs[i].input_len);
		fprintf(f, ",\"offset\":%" PRIu64 "}", r->inputs[i].offset);
	}
	fputs("]}\n", f);
}

/* ---- scrm log ---- */

static void log_usage(FILE *f)
{
	fputs("usage: scrm log verify DIR     check every segment and index (exit 0 clean, 1 problems)\n"
	      "       scrm log dump DIR       every record as NDJSON, partition by partition, in log order\n",
	      f);
}

typedef struct verify_out {
	uint64_t segments, blocks, records, interactions, checkpoints, bytes, indexes;
	uint32_t parts_with_data;
} verify_out;

static void verify_print(void *ctx, const scrm_ilog_report *r)
{
	verify_out *v = ctx;
	if (r->kind == SCRM_ILOG_REPORT_PROBLEM) {
		printf("problem: partition %" PRIu32 ": %s @ %" PRIu64 ": %s\n", r->part, r->path, r->offset, r->why);
		return;
	}
	if (!r->segments)
		return;
	if (!v->parts_with_data++)
		printf("%-9s %8s %8s %10s %12s %11s %12s %7s\n", "partition", "segments", "blocks", "records",
		       "interactions", "checkpoints", "bytes", "indexes");
	printf("%-9" PRIu32 " %8" PRIu64 " %8" PRIu64 " %10" PRIu64 " %12" PRIu64 " %11" PRIu64 " %12" PRIu64
	       " %7" PRIu64 "\n",
	       r->part, r->segments, r->blocks, r->records, r->interactions, r->checkpoints, r->bytes, r->indexes);
	v->segments += r->segments;
	v->blocks += r->blocks;
	v->records += r->records;
	v->interactions += r->interactions;
	v->checkpoints += r->checkpoints;
	v->bytes += r->bytes;
	v->indexes += r->indexes;
}

static int log_verify(const char *dir)
{
	verify_out v = {0};
	char err[512] = "";
	long n = scrm_ilog_verify(dir, verify_print, &v, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "scrm log verify: %s\n", err);
		return 1;
	}
	printf("%-9s %8" PRIu64 " %8" PRIu64 " %10" PRIu64 " %12" PRIu64 " %11" PRIu64 " %12" PRIu64 " %7" PRIu64
	       "\n",
	       "total", v.segments, v.blocks, v.records, v.interactions, v.checkpoints, v.bytes, v.indexes);
	/* The interactions the latest checkpoint counts ("seq", pipeline.c) must all be
	 * there: a partition's last segments removed or cut leave no gap the walk above can
	 * see (found by review: "0 problems" where a resumed run refused the log). */
	scrm_ilog_checkpoint *ck = NULL;
	char cerr[512];
	if (scrm_ilog_checkpoint_latest(dir, &ck, cerr, sizeof cerr) == 0) {
		for (uint32_t i = 0; i < ck->ninputs; i++) {
			const scrm_ilog_input *e = &ck->inputs[i];
			if (e->input_len == 3 && !memcmp(e->input, "seq", 3) && v.interactions < e->offset) {
				printf("problem: the log holds %" PRIu64 " interactions where its latest checkpoint counts %" PRIu64
				       ": segments lost or cut at the end of some partition\n",
				       v.interactions, e->offset);
				n++;
			}
		}
		scrm_ilog_checkpoint_free(ck);
	}
	printf("%ld problem%s\n", n, n == 1 ? "" : "s");
	return n ? 1 : 0;
}

static int log_dump(const char *dir)
{
	char err[512] = "";
	int rc = 0;
	for (uint32_t part = 0;; part++) {
		scrm_ilog_iter *it;
		int r = scrm_ilog_iter_open(&it, dir, part, err, sizeof err);
		if (r == -EINVAL && part > 0)
			break; /* past the last partition */
		if (r) {
			fprintf(stderr, "scrm log dump: %s\n", err);
			return 1;
		}
		scrm_ilog_rec rec;
		while ((r = scrm_ilog_iter_next(it, &rec)) == 1) {
			if (rec.kind == SCRM_ILOG_INTERACTION)
				print_interaction(stdout, part, &rec);
			else
				print_checkpoint(stdout, part, &rec);
		}
		if (r < 0) {
			fprintf(stderr, "scrm log dump: %s\n", scrm_ilog_iter_error(it));
			rc = 1; /* go on with the other partitions: dump what can be read */
		}
		scrm_ilog_iter_free(it);
	}
	if (fflush(stdout)) {
		fprintf(stderr, "scrm log dump: write error: %s\n", strerror(errno));
		return 1;
	}
	return rc;
}

int scrm_log_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		log_usage(stdout);
		return 0;
	}
	if (argc == 3 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"))) { /* scrm log verify --help */
		log_usage(stdout);
		return 0;
	}
	if (argc != 3) {
		log_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "verify"))
		return log_verify(argv[2]);
	if (!strcmp(argv[1], "dump"))
		return log_dump(argv[2]);
	fprintf(stderr, "scrm log: unknown subcommand '%s'\n", argv[1]);
	log_usage(stderr);
	return 2;
}

/* ---- scrm history ---- */

static void history_usage(FILE *f)
{
	fputs("usage: scrm history [--log DIR] [--customers FILE] [--channel CH] [--json] CUSTOMER\n"
	      "  CUSTOMER     c:ID (a customer of the CRM export), p:HASH (a prospect's key),\n"
	      "               @handle (on --channel, default twitter) or an e-mail address\n"
	      "               (resolved through --customers FILE, else to the prospect's key),\n"
	      "               or the key hash, 16 hex digits (as `scrm log dump` prints it)\n"
	      "  --log DIR    the interaction log (default: $SCRM_LOG)\n"
	      "  --json       NDJSON (one interaction a line) instead of a table\n",
	      f);
}

typedef struct hist_item {
	uint32_t part;
	int64_t ts;
	uint64_t lsn, seq;
	char *data;
	size_t len;
} hist_item;

typedef struct hist_list {
	hist_item *v;
	size_t n, cap;
} hist_list;

static int hist_collect(void *ctx, uint32_t part, const scrm_ilog_rec *r)
{
	hist_list *l = ctx;
	if (l->n == l->cap) {
		size_t c = l->cap ? 2 * l->cap : 64;
		hist_item *v = realloc(l->v, c * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = c;
	}
	char *d = malloc(r->len + 1);
	if (!d)
		return -ENOMEM;
	memcpy(d, r->data, r->len);
	d[r->len] = 0;
	l->v[l->n++] = (hist_item){part, r->ts_ms, r->lsn, r->seq, d, r->len};
	return 0;
}

/* Time order; log order (one partition: the LSN) among equal times. */
/* In time order; those without a time (SCRM_ILOG_NO_TIME, the least) first. */
static int hist_cmp(const void *a, const void *b)
{
	const hist_item *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->lsn < y->lsn ? -1 : x->lsn > y->lsn;
}

/* A JSON walker over untrusted bytes: each returns the position after what it read,
 * or NULL when the bytes are not JSON. */
static const char *ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *skip_str(const char *p, const char *e)
{
	if (p >= e || *p != '"')
		return NULL;
	for (p++; p < e; p++) {
		if (*p == '\\') {
			if (++p == e)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

static const char *skip_value(const char *p, const char *e, int depth)
{
	p = ws(p, e);
	if (p >= e || depth > 64)
		return NULL;
	if (*p == '"')
		return skip_str(p, e);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		p = ws(p + 1, e);
		if (p < e && *p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (!(p = skip_str(ws(p, e), e)))
					return NULL;
				p = ws(p, e);
				if (p >= e || *p != ':')
					return NULL;
				p++;
			}
			if (!(p = skip_value(p, e, depth + 1)))
				return NULL;
			p = ws(p, e);
			if (p < e && *p == ',') {
				p++;
				continue;
			}
			return p < e && *p == close ? p + 1 : NULL;
		}
	}
	/* number, true, false, null */
	const char *s = p;
	while (p < e && (strchr("+-.eE", *p) || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
		p++;
	return p > s ? p : NULL;
}

static void put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
	char b[4];
	size_t k;
	if (cp < 0x80)
		b[0] = (char)cp, k = 1;
	else if (cp < 0x800)
		b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
	else if (cp < 0x10000)
		b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		b[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
	else
		b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), k = 4;
	if (*n + k < cap) {
		memcpy(out + *n, b, k);
		*n += k;
	}
}

static int hex4(const char *p, const char *e, uint32_t *v)
{
	if (e - p < 4)
		return 0;
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return 0;
		*v = *v << 4 | (uint32_t)d;
	}
	return 1;
}

/* The top-level string field `key` of a JSON object, unescaped into out (control
 * characters become spaces; cut at cap - 1 bytes). "" when absent or not a string. */
static void json_field(const char *p, size_t len, const char *key, char *out, size_t cap)
{
	const char *e = p + len;
	out[0] = 0;
	p = ws(p, e);
	if (p >= e || *p != '{')
		return;
	p++;
	size_t klen = strlen(key);
	for (;;) {
		p = ws(p, e);
		const char *ks = p;
		if (!(p = skip_str(p, e)))
			return;
		int match = (size_t)(p - ks) == klen + 2 && memcmp(ks + 1, key, klen) == 0;
		p = ws(p, e);
		if (p >= e || *p != ':')
			return;
		p = ws(p + 1, e);
		if (match && p < e && *p == '"') {
			size_t n = 0;
			for (p++; p < e && *p != '"' && n + 1 < cap; p++) {
				unsigned char c = (unsigned char)*p;
				if (c != '\\') {
					out[n++] = c < 0x20 ? ' ' : (char)c;
					continue;
				}
				if (++p == e)
					break;
				uint32_t cp;
				switch (*p) {
				case 'n': case 't': case 'r': case 'b': case 'f': out[n++] = ' '; break;
				case 'u':
					if (!hex4(p + 1, e, &cp))
						goto done;
					p += 4;
					if (cp >= 0xD800 && cp < 0xDC00 && e - p > 6 && p[1] == '\\' && p[2] == 'u') {
						uint32_t lo;
						if (hex4(p + 3, e, &lo) && lo >= 0xDC00 && lo < 0xE000) {
							cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
							p += 6;
						}
					}
					if (cp >= 0xD800 && cp < 0xE000)
						cp = 0xFFFD;
					put_utf8(out, cap, &n, cp < 0x20 ? ' ' : cp);
					break;
				default: out[n++] = *p; break;
				}
			}
		done:
			out[n] = 0;
			return;
		}
		if (!(p = skip_value(p, e, 0)))
			return;
		p = ws(p, e);
		if (p >= e || *p != ',')
			return;
		p++;
	}
}

/* Keep the first `cols` code points of s; if it had more, the last three kept become
 * "..." (cut on a UTF-8 boundary). */
static void clip(char *s, size_t cols)
{
	size_t total = 0;
	for (const char *p = s; *p; p++)
		total += ((unsigned char)*p & 0xC0) != 0x80;
	if (total <= cols)
		return;
	size_t n = 0;
	for (char *p = s; *p; p++) {
		if (((unsigned char)*p & 0xC0) == 0x80)
			continue;
		if (n++ == cols - 3) {
			memcpy(p, "...", 4); /* more than 3 code points follow: room for 4 bytes */
			return;
		}
	}
}

/* The bytes right after the first @pat in the payload (our own events: a quote inside a
 * string value is escaped, so "key": patterns only match keys), copied up to the next
 * ',' or '}' into out; "" when absent. */
static void event_value(const char *p, size_t len, const char *pat, char *out, size_t cap)
{
	size_t pl = strlen(pat);
	out[0] = 0;
	const char *hit = len >= pl ? memmem(p, len, pat, pl) : NULL;
	if (!hit)
		return;
	const char *v = hit + pl, *e = p + len;
	size_t n = 0;
	while (v < e && *v != ',' && *v != '}' && n + 1 < cap)
		out[n++] = *v++;
	out[n] = 0;
}

/* "opened", "closed 20m met", "closed 2h0m missed" from the event's case object. */
static void case_text(const hist_item *it, char *out, size_t cap)
{
	char ev[16], ttfr[32], met[8];
	out[0] = 0;
	event_value(it->data, it->len, "\"case\":{\"event\":", ev, sizeof ev);
	if (!strcmp(ev, "\"opened\"")) {
		snprintf(out, cap, "opened");
	} else if (!strcmp(ev, "\"closed\"")) {
		event_value(it->data, it->len, "\"ttfr_s\":", ttfr, sizeof ttfr);
		event_value(it->data, it->len, "\"sla_met\":", met, sizeof met);
		double s = atof(ttfr);
		long m = (long)(s / 60);
		char dur[24];
		if (!ttfr[0] || !strcmp(ttfr, "null"))
			snprintf(dur, sizeof dur, "?");
		else if (m >= 60)
			snprintf(dur, sizeof dur, "%ldh%ldm", m / 60, m % 60);
		else if (m > 0)
			snprintf(dur, sizeof dur, "%ldm", m);
		else
			snprintf(dur, sizeof dur, "%.0fs", s);
		snprintf(out, cap, "closed %s%s", dur,
			 !strcmp(met, "true") ? " met" : !strcmp(met, "false") ? " missed" : "");
	}
}

static void print_row(const hist_item *it)
{
	char when[32] = "?";
	time_t t = (time_t)(it->ts / 1000);
	struct tm tm;
	if (it->ts != SCRM_ILOG_NO_TIME && gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	char channel[24], dir[8], route[24], prio[8], text[512];
	json_field(it->data, it->len, "channel", channel, sizeof channel);
	json_field(it->data, it->len, "direction", dir, sizeof dir);
	json_field(it->data, it->len, "route", route, sizeof route);
	json_field(it->data, it->len, "priority", prio, sizeof prio);
	json_field(it->data, it->len, "text", text, sizeof text);
	char sent[16], cs[40];
	event_value(it->data, it->len, "\"compound\":", sent, sizeof sent);
	case_text(it, cs, sizeof cs);
	clip(text, 60);
	printf("%-19s  %-10.10s %-3.3s  %-10.10s %-4.4s %7.7s  %-18.18s %s\n", when, channel, dir, route, prio,
	       sent[0] ? sent : "-", cs[0] ? cs : "-", text);
}

int scrm_history_parse_hash(const char *s, uint64_t *h)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (strlen(s) != 16)
		return -EINVAL;
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*h = v;
	return 0;
}

int scrm_history_main_with(int argc, char **argv, const scrm_history_resolver *res)
{
	const char *dir = NULL, *who = NULL;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			history_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--log") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strncmp(a, "--log=", 6)) {
			dir = a + 6;
		} else if (!strcmp(a, "--log")) {
			fprintf(stderr, "scrm history: --log needs a value\n");
			return 2;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "scrm history: unknown option '%s'\n", a);
			history_usage(stderr);
			return 2;
		} else if (!who) {
			who = a;
		} else {
			history_usage(stderr);
			return 2;
		}
	}
	if (!dir)
		dir = getenv("SCRM_LOG"); /* the log a deployment always uses */
	if (!dir || !*dir || !who) {
		if (who && (!dir || !*dir))
			fprintf(stderr, "scrm history: no log: give --log DIR or set SCRM_LOG\n");
		history_usage(stderr);
		return 2;
	}
	uint64_t h;
	if (scrm_history_parse_hash(who, &h)) {
		int r = res && res->resolve ? res->resolve(res->ctx, who, &h) : -EINVAL;
		if (r == -ENOENT) {
			fprintf(stderr, "scrm history: unknown customer '%s'\n", who);
			return 1;
		}
		if (r) {
			fprintf(stderr,
				"scrm history: '%s' is not a customer: c:ID, p:HASH, @handle, an e-mail address or "
				"16 hex digits%s\n",
				who, res && res->resolve ? "" : " (and no customer table is loaded)");
			return r == -EINVAL ? 2 : 1;
		}
	}
	hist_list l = {0};
	char err[512] = "";
	int rc = scrm_ilog_history(dir, h, hist_collect, &l, err, sizeof err);
	int status = 0;
	if (rc == -ENOMEM)
		snprintf(err, sizeof err, "out of memory");
	if (rc) {
		fprintf(stderr, "scrm history: %s\n", err);
		status = 1; /* still print what was read before the damage, if anything */
		if (!l.n) {
			free(l.v);
			return status; /* no log to read (missing, not a log): nothing on stdout */
		}
	}
	if (l.n)
		qsort(l.v, l.n, sizeof *l.v, hist_cmp);
	if (json) {
		for (size_t i = 0; i < l.n; i++) {
			scrm_ilog_rec r = {.kind = SCRM_ILOG_INTERACTION, .customer = h, .ts_ms = l.v[i].ts,
					   .seq = l.v[i].seq, .data = l.v[i].data, .len = l.v[i].len};
			print_interaction(stdout, l.v[i].part, &r);
		}
	} else {
		printf("customer %016" PRIx64 ": %zu interaction%s\n", h, l.n, l.n == 1 ? "" : "s");
		if (l.n)
			printf("%-19s  %-10s %-3s  %-10s %-4s %7s  %-18s %s\n", "TIME (UTC)", "CHANNEL", "DIR", "ROUTE",
			       "PRIO", "SENT", "CASE", "TEXT");
		for (size_t i = 0; i < l.n; i++)
			print_row(&l.v[i]);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].data);
	free(l.v);
	if (fflush(stdout)) {
		fprintf(stderr, "scrm history: write error: %s\n", strerror(errno));
		return 1;
	}
	return status;
}

int scrm_history_main(int argc, char **argv)
{
	return scrm_history_main_with(argc, argv, NULL);
}
