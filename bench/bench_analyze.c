/*
 * bench_analyze.c - one-core speed of the analyze stage alone (issue 3): topics and cues
 * (one Hyperscan pass per record) and VADER sentiment, over the records of one NDJSON
 * corpus, against the parse + normalize speed of the same records in the same run.
 *
 * Every line is normalized ONCE before anything is timed; the texts, author handles and
 * languages are copied into one padded buffer, so the timed passes measure the
 * classifiers and nothing else. Each measurement is a warm-up pass and REPEATS timed
 * passes on one thread, reported as min and median of thread CPU time
 * (CLOCK_THREAD_CPUTIME_ID: a noisy neighbour on a shared machine steals mostly wall
 * time; it still shares caches) with the wall time beside it, as records per CPU-second, ns per record and
 * MB/s of text, and a hash of what was computed (topic ids and compounds rounded to 4
 * decimals, in record order) so that a fast wrong answer cannot pass for a fast right
 * one: the combined rows must hash the same parts as the rows alone, and the vader
 * mode of scrm_sent_score_both() the same as scrm_vader_score().
 *
 * Rows: parse + normalize (the limit), (a) topics scan alone, (b) VADER alone
 * (scrm_vader_score), (b2) both sentiment modes (scrm_sent_score_both), (c) scan + VADER,
 * (d) scan + both modes: the analyze stage as issue 3 defines it; (e) what the pipeline's
 * analyze_records() does on top of it (topic terms, the scrm mode's explanation, spam
 * signals, near-duplicate key), without its arena appends; (f) (e) and then the `cues` intent
 * and action classifiers as the pipeline runs them (issue 4 item 6: what classification
 * adds to the analyze stage): the cue lists scanned for in the topics scan, as guests of
 * the rules' database (topics.h), the rest of the cues' work in a pass of its own over the
 * block, and the classifiers given the hits; (f1) the same with the classifiers scanning
 * for the cues themselves (a second Hyperscan pass, as without a rules file); (f2) as (f),
 * with the rest of the cues' work done record by record inside the topics scan (the
 * pipeline before it deferred it). Like analyze_records() over a
 * chunk, each analysis of a combined row runs over a block of records before the next
 * starts (--block, default 600: a 512 KiB chunk of generated records); record by record
 * (--block 1) the scan's and the lexicon's tables evict each other, and (d) costs 10-15%
 * more here.
 *
 * Usage:
 *   bench_analyze [options] CORPUS.ndjson
 *     --rules FILE          topics and cues (rules.h); without it no scan rows
 *     --lexicon FILE        VADER lexicon; without it no sentiment rows
 *     --emoji-lexicon FILE  emoji descriptions for VADER
 *     --repeats R           timed passes per measurement (default 5; plus one warm-up)
 *     --records N           use the first N records only (default: all)
 *     --block N             records each analysis runs over before the next one starts,
 *                           as the pipeline does per chunk (default 600; 1: record by record)
 *     --rows LIST           time only these rows, e.g. "d" or "a,b2" (of a, b, c, b2, d, e, f, f1,
 *                           f2; default all): one row alone for perf or callgrind; a row's
 *                           results are checked against those of the rows that ran
 *     --topic-stats         also print how many records each topic and cue matched
 *   bench_analyze --dump-texts OUT [--count N] CORPUS.ndjson
 *     write N texts (default 20000, spread evenly over the corpus) to OUT, one per line,
 *     with '\\', newline, CR and TAB escaped as \\ \n \r \t (for bench/vader_compare.sh)
 *   bench_analyze --score-texts IN --lexicon FILE [--out OUT] [--repeats R]
 *     score the texts of such a file with VADER (one warm-up, R timed passes), print
 *     texts per CPU-second, and write each compound ("%.4f") to OUT, one per line
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "classifier.h"
#include "clf_cues.h"
#include "normalize.h"
#include "rules.h"
#include "sentiment.h"
#include "spam.h"
#include "topics.h"
#include "vader.h"

#define MAX_REPS 100
/* The pipeline bounds what VADER sees (its "but" rule is quadratic): the same bound. */
#define SENT_MAX_TEXT 16384

/* One record as the analyze stage sees it: three strings in the text buffer. */
typedef struct rec_view {
	uint64_t text_off;
	uint32_t text_len;
	uint32_t handle_len; /* the handle follows the text, the language follows the handle */
	uint32_t lang_len;
	uint32_t has_handle : 1, has_lang : 1, is_reply : 1;
} rec_view;

typedef struct corpus {
	char *buf;       /* texts, handles, langs back to back, SCRM_PADDING at the end */
	size_t len, cap;
	rec_view *v;
	size_t n, vcap;
	uint64_t text_bytes;
} corpus;

typedef struct timing {
	double cpu[MAX_REPS], wall[MAX_REPS];
} timing;

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Min and median of n values (sorts them). */
static void min_med(double *t, int n, double *min, double *med)
{
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	*min = t[0];
	*med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Mixes one value into an order-dependent hash (cheap enough for the timed loop). */
static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static inline int64_t round4(double x) { return (int64_t)(x * 10000.0 + (x < 0 ? -0.5 : 0.5)); }

static const char *rec_text(const corpus *c, const rec_view *r) { return c->buf + r->text_off; }
static const char *rec_handle(const corpus *c, const rec_view *r)
{
	return r->has_handle ? c->buf + r->text_off + r->text_len : NULL;
}
static const char *rec_lang(const corpus *c, const rec_view *r)
{
	return r->has_lang ? c->buf + r->text_off + r->text_len + r->handle_len : NULL;
}

static int corpus_add(corpus *c, const char *t, size_t tl, const char *h, size_t hl, const char *l,
		      size_t ll, int is_reply)
{
	size_t need = c->len + tl + hl + ll + SCRM_PADDING;
	if (need > c->cap) {
		size_t cap = c->cap ? c->cap : 1 << 20;
		while (cap < need)
			cap *= 2;
		char *b = realloc(c->buf, cap);
		if (!b)
			return -ENOMEM;
		c->buf = b;
		c->cap = cap;
	}
	if (c->n == c->vcap) {
		size_t cap = c->vcap ? c->vcap * 2 : 4096;
		rec_view *v = realloc(c->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->vcap = cap;
	}
	rec_view *r = &c->v[c->n++];
	r->text_off = c->len;
	r->text_len = (uint32_t)tl;
	r->handle_len = (uint32_t)hl;
	r->lang_len = (uint32_t)ll;
	r->has_handle = h != NULL;
	r->has_lang = l != NULL;
	r->is_reply = is_reply != 0;
	memcpy(c->buf + c->len, t, tl);
	c->len += tl;
	if (h) {
		memcpy(c->buf + c->len, h, hl);
		c->len += hl;
	}
	if (l) {
		memcpy(c->buf + c->len, l, ll);
		c->len += ll;
	}
	memset(c->buf + c->len, 0, SCRM_PADDING);
	c->text_bytes += tl;
	return 0;
}

/* The file in a heap buffer with SCRM_PADDING zero bytes after it (the parser may read
 * past a line). */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return NULL;
	}
	struct stat sb;
	if (fstat(fd, &sb)) {
		perror(path);
		close(fd);
		return NULL;
	}
	size_t n = (size_t)sb.st_size;
	char *buf = malloc(n + SCRM_PADDING);
	void *m = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	if (!buf || m == MAP_FAILED) {
		perror(path);
		free(buf);
		close(fd);
		return NULL;
	}
	if (n) {
		memcpy(buf, m, n);
		munmap(m, n);
	}
	memset(buf + n, 0, SCRM_PADDING);
	close(fd);
	*len = n;
	return buf;
}

/*
 * One pass of parse + normalize over the file (the listen stage's per-record work, the
 * "parse-alone limit" of the analyze figures). With @keep, the records' texts, handles
 * and languages are appended to @c (only in the untimed pass). Returns records or -errno.
 */
static int64_t normalize_pass(scrm_normalizer *nz, const char *buf, size_t n, uint64_t max_recs,
			      corpus *keep, uint64_t *hash, size_t *consumed)
{
	scrm_recvec rv = {0};
	scrm_buf arena = {0};
	uint64_t recs = 0, h = 0;
	int64_t rc = 0;
	const char *p = buf;
	for (const char *e = buf + n; p < e && recs < max_recs;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
		scrm_norm_result res;
		rv.len = 0;
		arena.len = 0;
		if (scrm_normalize_line(nz, p, len, &rv, &arena, &res)) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < rv.len && recs < max_recs; i++) {
			const scrm_record *r = &rv.v[i];
			if (!scrm_str_present(r->text))
				continue;
			recs++;
			h = mix(h, r->text.len);
			if (!keep)
				continue;
			const char *hd = scrm_str_present(r->author_handle) ? scrm_str_ptr(&arena, r->author_handle) : NULL;
			const char *lg = scrm_str_present(r->lang) ? scrm_str_ptr(&arena, r->lang) : NULL;
			if (corpus_add(keep, scrm_str_ptr(&arena, r->text), r->text.len, hd,
				       hd ? r->author_handle.len : 0, lg, lg ? r->lang.len : 0,
				       scrm_str_present(r->in_reply_to))) {
				rc = -ENOMEM;
				goto out;
			}
		}
		p += len + 1;
	}
	rc = (int64_t)recs;
	*hash = h;
	*consumed = (size_t)(p - buf) < n ? (size_t)(p - buf) : n;
out:
	scrm_recvec_free(&rv);
	scrm_buf_free(&arena);
	return rc;
}

enum {
	DO_SCAN = 1,  /* scrm_topics_match */
	DO_VADER = 2, /* scrm_vader_score */
	DO_BOTH = 4,  /* scrm_sent_score_both */
	DO_FULL = 8,  /* what the pipeline's analyze_record() does: the scan with the terms that
		       * matched, both modes with the scrm mode's explanation, spam signals and
		       * the near-duplicate key */
	DO_CLF = 16,  /* and then, as the pipeline's classify_records(): the `cues` intent and
		       * action classifiers, record by record (the second reuses the first's
		       * scan through the memo), with explanations */
	DO_GUEST = 32, /* with DO_CLF: the cues scanned for in the topics scan (ts_guest) */
	DO_INLINE = 64, /* with DO_GUEST: the cues' rest finished record by record in that scan */
};

typedef struct analyzers {
	scrm_topics_scratch *ts;
	scrm_topics_scratch *ts_guest; /* the rules' database with the cues as guests (DO_GUEST) */
	scrm_cues *cues;               /* fed by ts_guest's scan */
	scrm_cues_hits *cue_hits;      /* per record of a block */
	scrm_cues_kept *cue_kept;      /* per record of a block (DO_GUEST without DO_INLINE) */
	scrm_vader *vader;
	scrm_sent *sent;      /* both sentiment modes (sentiment.h) */
	uint64_t *topic_hits; /* per id, filled when not NULL */
	scrm_classifier *clf[2]; /* intent and action `cues` (DO_CLF) */
	scrm_clf_item *items;    /* per record of a block */
	scrm_clf_memo *memos;
	scrm_sentiment *sents;
	int16_t *spam;
	scrm_clf_out *outs;
} analyzers;

/* What one analyze pass computed: hashes of the topic ids (scan) and of the compounds
 * rounded to 4 decimals (VADER; the scrm mode apart), in record order, and plain sums. */
typedef struct pass_sums {
	uint64_t h_scan, h_vader, h_scrm, h_spam, h_clf, id_sum;
	int64_t compound_sum, scrm_sum; /* in units of 1e-4 */
} pass_sums;

/* One pass of the analyze stage over every record. Returns 0 or -errno. */
/* Records per block: each analysis runs over a block before the next analysis starts, as
 * the pipeline's analyze_records() does over a chunk (a 512 KiB chunk holds about 600
 * generated records); 1 interleaves them record by record. --block sets it. */
static size_t block = 600;

static int analyze_pass(const corpus *c, analyzers *a, int what, pass_sums *out)
{
	uint64_t h = 0, hv = 0, hs = 0, hp = 0, hx = 0, ht = 0, hc = 0, ids = 0;
	int64_t cs = 0, ss = 0;
	for (size_t b0 = 0; b0 < c->n; b0 += block) {
		size_t b1 = c->n - b0 < block ? c->n : b0 + block;
		if (what & DO_FULL) /* spam signals and the near-duplicate key */
			for (size_t i = b0; i < b1; i++) {
				const rec_view *r = &c->v[i];
				const char *t = rec_text(c, r);
				uint64_t key;
				unsigned bits = scrm_spam_signals(t, r->text_len, &key);
				hp = mix(hp, bits);
				hp = mix(hp, key);
				if (what & DO_CLF)
					a->spam[i - b0] = (int16_t)bits;
			}
		if (what & DO_VADER)
			for (size_t i = b0; i < b1; i++) {
				const rec_view *r = &c->v[i];
				scrm_sentiment s;
				size_t tl = r->text_len < SENT_MAX_TEXT ? r->text_len : SENT_MAX_TEXT;
				int rc = scrm_vader_score(a->vader, rec_text(c, r), tl, &s);
				if (rc)
					return rc;
				int64_t q = round4(s.compound);
				hv = mix(hv, (uint64_t)q);
				cs += q;
			}
		if (what & (DO_BOTH | DO_FULL))
			for (size_t i = b0; i < b1; i++) {
				const rec_view *r = &c->v[i];
				scrm_sentiment sv, sc;
				scrm_sent_explain ex;
				size_t tl = r->text_len < SENT_MAX_TEXT ? r->text_len : SENT_MAX_TEXT;
				int rc = scrm_sent_score_both(a->sent, rec_text(c, r), tl, &sv, &sc, NULL,
							      (what & DO_FULL) ? &ex : NULL);
				if (rc)
					return rc;
				int64_t q = round4(sv.compound), qs = round4(sc.compound);
				hv = mix(hv, (uint64_t)q);
				hs = mix(hs, (uint64_t)qs);
				cs += q;
				ss += qs;
				if (what & DO_FULL)
					hx = mix(hx, ex.n);
				if (what & DO_CLF)
					a->sents[i - b0] = sc;
			}
		if (what & (DO_SCAN | DO_FULL))
			for (size_t i = b0; i < b1; i++) {
				const rec_view *r = &c->v[i];
				scrm_topic_hits hits;
				scrm_topic_terms terms;
				const char *hd = rec_handle(c, r), *lg = rec_lang(c, r);
				bool guest = (what & DO_GUEST) != 0, inl = (what & DO_INLINE) != 0;
				if (guest && i == b0)
					scrm_cues_keep_reset(a->cues);
				if (guest)
					scrm_cues_feed_begin(a->cues, rec_text(c, r), r->text_len);
				if (scrm_topics_match_why(guest ? a->ts_guest : a->ts, rec_text(c, r), r->text_len, hd,
							  r->handle_len, lg, r->lang_len, &hits, (what & DO_FULL) ? &terms : NULL) ||
				    (guest && inl && scrm_cues_feed_end(a->cues, a->spam[i - b0], &a->cue_hits[i - b0])) ||
				    (guest && !inl && scrm_cues_feed_keep(a->cues, &a->cue_kept[i - b0])))
					return -EIO;
				h = mix(h, hits.n);
				for (uint32_t k = 0; k < hits.n; k++) {
					h = mix(h, hits.ids[k]);
					ids += hits.ids[k];
					if (a->topic_hits && !(what & DO_FULL))
						a->topic_hits[hits.ids[k]]++;
				}
				if (what & DO_FULL)
					ht = mix(ht, terms.n);
			}
		if ((what & DO_GUEST) && !(what & DO_INLINE))
			for (size_t i = b0; i < b1; i++) {
				const rec_view *r = &c->v[i];
				if (scrm_cues_kept_end(a->cues, &a->cue_kept[i - b0], rec_text(c, r), r->text_len, a->spam[i - b0],
						       &a->cue_hits[i - b0]))
					return -EIO;
			}
		if (what & DO_CLF) {
			for (size_t i = b0; i < b1; i++) {
				const rec_view *r = &c->v[i];
				scrm_clf_item *it = &a->items[i - b0];
				scrm_clf_item_init(it, rec_text(c, r), r->text_len);
				it->sentiment[SCRM_SENT_SCRM] = &a->sents[i - b0];
				it->is_reply = (int8_t)r->is_reply;
				it->spam_bits = a->spam[i - b0];
				if (what & DO_GUEST)
					it->cues = &a->cue_hits[i - b0];
				a->memos[i - b0].owner = 0;
				it->memo = &a->memos[i - b0];
			}
			for (size_t i = 0; i < b1 - b0; i++)
				for (int k = 0; k < 2; k++) {
					int rc = scrm_classifier_classify(a->clf[k], &a->items[i], 1, &a->outs[k], SCRM_CLF_EXPLAIN);
					if (rc)
						return rc;
					hc = mix(mix(hc, a->outs[k].label), strnlen(a->outs[k].why, SCRM_CLF_WHY_MAX));
				}
		}
	}
	out->h_clf = hc;
	out->h_scan = h;
	out->h_vader = hv;
	out->h_scrm = hs;
	out->h_spam = mix(mix(hp, hx), ht);
	out->id_sum = ids;
	out->compound_sum = cs;
	out->scrm_sum = ss;
	return 0;
}

static void print_row(const char *name, timing *t, int reps, uint64_t recs, uint64_t text_bytes,
		      double ref_ns, const char *ref_name, const char *hash)
{
	double cmin, cmed, wmin, wmed;
	min_med(t->cpu, reps, &cmin, &cmed);
	min_med(t->wall, reps, &wmin, &wmed);
	double ns = cmin / recs * 1e9;
	printf("%-30s cpu min %7.3f s  median %7.3f s  wall min %7.3f s  %10.0f rec/cpu-s  %10.0f rec/s  %7.1f ns/rec  %7.1f MB/s text",
	       name, cmin, cmed, wmin, recs / cmin, recs / wmin, ns, text_bytes / 1e6 / cmin);
	if (ref_ns > 0)
		printf("  %5.2fx %s", ns / ref_ns, ref_name);
	printf("  %s\n", hash);
}

/* Timed passes of one analyze configuration; returns 0 or -errno. */
static int time_analyze(const char *name, const corpus *c, analyzers *a, int what, int reps, double ref_ns,
			pass_sums *sums, double *ns_out)
{
	timing t;
	pass_sums s = {0}, prev = {0};
	for (int r = -1; r < reps; r++) {
		double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
		int rc = analyze_pass(c, a, what, &s);
		double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = clock_s(CLOCK_MONOTONIC);
		if (rc)
			return rc;
		if (r >= 0) {
			t.cpu[r] = c1 - c0;
			t.wall[r] = w1 - w0;
		}
		if (r >= 0 && (s.h_scan != prev.h_scan || s.h_vader != prev.h_vader || s.h_scrm != prev.h_scrm ||
			       s.h_spam != prev.h_spam || s.h_clf != prev.h_clf)) {
			fprintf(stderr, "bench_analyze: %s: passes disagree\n", name);
			return -EPROTO;
		}
		prev = s;
	}
	char hs[256];
	int k = 0;
	if (what & (DO_SCAN | DO_FULL))
		k += snprintf(hs + k, sizeof hs - (size_t)k, "scan %016" PRIx64 " (id sum %" PRIu64 ") ", s.h_scan,
			      s.id_sum);
	if (what & (DO_VADER | DO_BOTH | DO_FULL))
		k += snprintf(hs + k, sizeof hs - (size_t)k, "vader %016" PRIx64 " (compound sum %.4f) ", s.h_vader,
			      s.compound_sum / 1e4);
	if (what & (DO_BOTH | DO_FULL))
		k += snprintf(hs + k, sizeof hs - (size_t)k, "scrm %016" PRIx64 " (compound sum %.4f) ", s.h_scrm,
			      s.scrm_sum / 1e4);
	if (what & DO_FULL)
		k += snprintf(hs + k, sizeof hs - (size_t)k, "spam+why %016" PRIx64, s.h_spam);
	if (what & DO_CLF)
		snprintf(hs + k, sizeof hs - (size_t)k, " clf %016" PRIx64, s.h_clf);
	double cmin = t.cpu[0];
	for (int r = 1; r < reps; r++)
		cmin = t.cpu[r] < cmin ? t.cpu[r] : cmin;
	print_row(name, &t, reps, c->n, c->text_bytes, ref_ns, "parse+normalize", hs);
	*sums = s;
	*ns_out = cmin / c->n * 1e9;
	return 0;
}

static void put_escaped(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		switch (ch) {
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default: fputc(ch, f); break;
		}
	}
	fputc('\n', f);
}

/* Undo put_escaped() in place on one line; returns the new length. */
static size_t unescape(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			s[o++] = s[i];
			continue;
		}
		char e = s[++i];
		s[o++] = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
	}
	return o;
}

static int dump_texts(const corpus *c, const char *path, uint64_t count)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	if (count > c->n)
		count = c->n;
	/* Evenly spread: the first records of a generated corpus are one crisis burst. */
	for (uint64_t k = 0; k < count; k++) {
		const rec_view *r = &c->v[(size_t)(k * c->n / count)];
		put_escaped(f, rec_text(c, r), r->text_len);
	}
	if (fclose(f)) {
		perror(path);
		return 1;
	}
	printf("dumped %" PRIu64 " texts of %zu records to %s\n", count, c->n, path);
	return 0;
}

static int score_texts(const char *in, const char *out, const scrm_lexicon *lex, int reps)
{
	size_t n;
	char *buf = slurp(in, &n);
	if (!buf)
		return 1;
	corpus c = {0};
	int ret = 1;
	for (char *p = buf, *e = buf + n; p < e;) {
		char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
		size_t ul = unescape(p, len);
		if (corpus_add(&c, p, ul, NULL, 0, NULL, 0, 0)) {
			fprintf(stderr, "bench_analyze: out of memory\n");
			goto out;
		}
		p += len + 1;
	}
	scrm_vader *v = scrm_vader_create(lex);
	double *comp = malloc((c.n ? c.n : 1) * sizeof *comp);
	if (!v || !comp) {
		fprintf(stderr, "bench_analyze: out of memory\n");
		scrm_vader_free(v);
		free(comp);
		goto out;
	}
	/* A pass over 20,000 texts takes ~10 ms here, too short to time on a noisy machine:
	 * a timed pass scores the set `loops` times (about 400,000 texts), reported per text. */
	size_t loops = c.n ? (400000 + c.n - 1) / c.n : 1;
	timing t;
	for (int r = -1; r < reps; r++) {
		double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
		for (size_t l = 0; l < loops; l++) {
			for (size_t i = 0; i < c.n; i++) {
				scrm_sentiment s;
				size_t tl = c.v[i].text_len < SENT_MAX_TEXT ? c.v[i].text_len : SENT_MAX_TEXT;
				if (scrm_vader_score(v, rec_text(&c, &c.v[i]), tl, &s)) {
					fprintf(stderr, "bench_analyze: scrm_vader_score failed\n");
					goto out_free;
				}
				comp[i] = s.compound;
			}
		}
		double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = clock_s(CLOCK_MONOTONIC);
		if (r >= 0) {
			t.cpu[r] = (c1 - c0) / (double)loops;
			t.wall[r] = (w1 - w0) / (double)loops;
		}
	}
	double cmin, cmed, wmin, wmed;
	min_med(t.cpu, reps, &cmin, &cmed);
	min_med(t.wall, reps, &wmin, &wmed);
	printf("scrm texts %zu  cpu min %.4f s  median %.4f s  wall min %.4f s  texts/cpu-s %.0f  (per pass of the set; "
	       "%zu sets per timed pass)\n",
	       c.n, cmin, cmed, wmin, c.n / cmin, loops);
	if (out) {
		FILE *f = fopen(out, "w");
		if (!f) {
			perror(out);
		} else {
			for (size_t i = 0; i < c.n; i++)
				fprintf(f, "%.4f\n", comp[i]);
			if (fclose(f) == 0)
				ret = 0;
		}
	} else {
		ret = 0;
	}
out_free:
	scrm_vader_free(v);
	free(comp);
out:
	free(c.buf);
	free(c.v);
	free(buf);
	return ret;
}

/* The analysis rows to time (--rows): a bit each, all by default. */
enum { ROW_A = 1, ROW_B = 2, ROW_C = 4, ROW_B2 = 8, ROW_D = 16, ROW_E = 32, ROW_F = 64, ROW_F1 = 128, ROW_F2 = 256 };
static unsigned rows = ~0u;

static int parse_rows(const char *arg)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {{"a", ROW_A}, {"b", ROW_B}, {"c", ROW_C}, {"b2", ROW_B2}, {"d", ROW_D}, {"e", ROW_E}, {"f", ROW_F}, {"f1", ROW_F1}, {"f2", ROW_F2}};
	rows = 0;
	for (const char *p = arg; *p;) {
		size_t n = strcspn(p, ",");
		unsigned bit = 0;
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].name) == n && !strncmp(p, names[i].name, n))
				bit = names[i].bit;
		if (!bit)
			return -1;
		rows |= bit;
		p += n + (p[n] == ',');
	}
	return rows ? 0 : -1;
}

/* Whether both rows ran, so that their results can be compared. */
static int ran(unsigned a, unsigned b) { return (rows & a) && (rows & b); }

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_analyze [--rules FILE] [--lexicon FILE] [--emoji-lexicon FILE] [--repeats R]\n"
		"                     [--records N] [--block N] [--rows LIST] [--topic-stats] CORPUS.ndjson\n"
		"       bench_analyze --dump-texts OUT [--count N] CORPUS.ndjson\n"
		"       bench_analyze --score-texts IN --lexicon FILE [--out OUT] [--repeats R]\n");
}

int main(int argc, char **argv)
{
	const char *rules_path = NULL, *lex_path = NULL, *emoji_path = NULL;
	const char *dump_path = NULL, *score_path = NULL, *out_path = NULL;
	uint64_t max_recs = UINT64_MAX, dump_count = 20000;
	int reps = 5, topic_stats = 0;
	const char *rows_arg = NULL;
	static const struct option opts[] = {
		{"rules", required_argument, NULL, 'r'},      {"lexicon", required_argument, NULL, 'l'},
		{"emoji-lexicon", required_argument, NULL, 'e'}, {"repeats", required_argument, NULL, 'R'},
		{"records", required_argument, NULL, 'n'},    {"topic-stats", no_argument, NULL, 's'},
		{"block", required_argument, NULL, 'b'},      {"rows", required_argument, NULL, 'w'},
		{"dump-texts", required_argument, NULL, 'd'}, {"count", required_argument, NULL, 'c'},
		{"score-texts", required_argument, NULL, 'S'}, {"out", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	for (int ch; (ch = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		switch (ch) {
		case 'r': rules_path = optarg; break;
		case 'l': lex_path = optarg; break;
		case 'e': emoji_path = optarg; break;
		case 'R': reps = atoi(optarg); break;
		case 'b': block = strtoull(optarg, NULL, 10); break;
		case 'w': rows_arg = optarg; break;
		case 'n': max_recs = strtoull(optarg, NULL, 10); break;
		case 's': topic_stats = 1; break;
		case 'd': dump_path = optarg; break;
		case 'c': dump_count = strtoull(optarg, NULL, 10); break;
		case 'S': score_path = optarg; break;
		case 'o': out_path = optarg; break;
		default: usage(); return 2;
		}
	}
	if (rows_arg && parse_rows(rows_arg) < 0) {
		fprintf(stderr, "bench_analyze: --rows takes a comma-separated list of a, b, c, b2, d, e, f\n");
		return 2;
	}
	if (block < 1) {
		fprintf(stderr, "bench_analyze: --block must be at least 1\n");
		return 2;
	}
	if (reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "bench_analyze: --repeats must be 1..%d\n", MAX_REPS);
		return 2;
	}
	if (max_recs == 0)
		max_recs = UINT64_MAX;

	int ret = 1;
	char err[4096];
	scrm_lexicon *lex = NULL;
	scrm_rules *rules = NULL;
	scrm_topics *topics = NULL, *topics_guest = NULL;
	analyzers a = {0};
	corpus c = {0};
	char *buf = NULL;
	scrm_normalizer *nz = NULL;

	if (lex_path && scrm_lexicon_load(&lex, lex_path, emoji_path, err, sizeof err)) {
		fprintf(stderr, "bench_analyze: %s\n", err);
		goto out;
	}
	if (score_path) {
		if (!lex) {
			fprintf(stderr, "bench_analyze: --score-texts needs --lexicon\n");
			ret = 2;
			goto out;
		}
		ret = score_texts(score_path, out_path, lex, reps);
		goto out;
	}
	if (optind + 1 != argc) {
		usage();
		ret = 2;
		goto out;
	}
	/* A bad rules file is an error before any work starts. */
	if (rules_path) {
		if (scrm_rules_load(&rules, rules_path, err, sizeof err) ||
		    scrm_topics_compile(&topics, rules, err, sizeof err)) {
			fprintf(stderr, "bench_analyze: %s\n", err);
			goto out;
		}
		if (scrm_topics_scratch_create(&a.ts, topics))
			goto out;
	}
	const char *path = argv[optind];
	size_t n;
	buf = slurp(path, &n);
	nz = scrm_normalizer_create(SCRM_FORMAT_AUTO);
	if (!buf || !nz)
		goto out;
	uint64_t nh;
	size_t nbytes;
	if (normalize_pass(nz, buf, n, max_recs, &c, &nh, &nbytes) < 0) {
		fprintf(stderr, "bench_analyze: out of memory\n");
		goto out;
	}
	if (dump_path) {
		ret = dump_texts(&c, dump_path, dump_count);
		goto out;
	}

	printf("corpus %s: %zu bytes, %zu records with text, %.1f bytes of text per record (mean); "
	       "each analysis runs over blocks of %zu records\n",
	       path, n, c.n, c.n ? (double)c.text_bytes / c.n : 0.0, block);
	if (!c.n)
		goto out;

	/* The parse-alone limit: parse + normalize the same lines, same repeats. */
	timing t;
	uint64_t recs = 0;
	for (int r = -1; r < reps; r++) {
		double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
		size_t used;
		int64_t got = normalize_pass(nz, buf, nbytes, max_recs, NULL, &nh, &used);
		double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = clock_s(CLOCK_MONOTONIC);
		if (got < 0)
			goto out;
		recs = (uint64_t)got;
		if (r >= 0) {
			t.cpu[r] = c1 - c0;
			t.wall[r] = w1 - w0;
		}
	}
	double pmin, pmed;
	min_med(t.cpu, reps, &pmin, &pmed);
	double parse_ns = pmin / recs * 1e9;
	{
		char hs[64];
		snprintf(hs, sizeof hs, "hash %016" PRIx64 "  (%.1f MB/s of JSON)", nh, nbytes / 1e6 / pmin);
		print_row("parse + normalize (limit)", &t, reps, recs, c.text_bytes, 0, "", hs);
	}

	if (topics) {
		uint32_t nt = scrm_topics_count(topics), ncue = 0;
		for (uint32_t i = 0; i < nt; i++)
			ncue += scrm_topics_is_cue(topics, (uint16_t)i);
		printf("rules %s: %u topics, %u cues, %u patterns, compiled in %.1f ms, database %zu bytes\n",
		       rules_path, nt - ncue, ncue, scrm_topics_pattern_count(topics), scrm_topics_compile_ms(topics),
		       scrm_topics_db_size(topics));
	}
	if (lex) {
		a.vader = scrm_vader_create(lex);
		a.sent = scrm_sent_create(lex);
		if (!a.vader || !a.sent)
			goto out;
		printf("lexicon %s: %zu words%s%s (%zu emoji)\n", lex_path, scrm_lexicon_size(lex),
		       emoji_path ? " + " : "", emoji_path ? emoji_path : "", scrm_lexicon_emoji_size(lex));
	}

	pass_sums s_scan = {0}, s_vader = {0}, s_both = {0}, s_modes = {0}, s_full = {0}, s_pipe = {0};
	double ns_scan = 0, ns_vader = 0, ns_both = 0, ns_modes = 0, ns_full = 0, ns_pipe = 0;
	int rc = 0;
	/* each row's results are checked against the rows that ran before it */
	if (a.ts && (rows & ROW_A) &&
	    (rc = time_analyze("(a) topics scan alone", &c, &a, DO_SCAN, reps, parse_ns, &s_scan, &ns_scan)))
		goto fail;
	if (a.vader && (rows & ROW_B) &&
	    (rc = time_analyze("(b) VADER alone", &c, &a, DO_VADER, reps, parse_ns, &s_vader, &ns_vader)))
		goto fail;
	if (a.ts && a.vader && (rows & ROW_C)) {
		if ((rc = time_analyze("(c) scan + VADER", &c, &a, DO_SCAN | DO_VADER, reps, parse_ns, &s_both,
				       &ns_both)))
			goto fail;
		if ((ran(ROW_A, ROW_C) && s_both.h_scan != s_scan.h_scan) ||
		    (ran(ROW_B, ROW_C) && s_both.h_vader != s_vader.h_vader)) {
			fprintf(stderr, "bench_analyze: scan + VADER disagrees with the rows alone\n");
			goto out;
		}
	}
	if (a.sent && (rows & ROW_B2)) {
		if ((rc = time_analyze("(b2) both sentiment modes", &c, &a, DO_BOTH, reps, parse_ns, &s_modes,
				       &ns_modes)))
			goto fail;
		if (ran(ROW_B, ROW_B2) && s_modes.h_vader != s_vader.h_vader) {
			fprintf(stderr, "bench_analyze: scrm_sent_score_both's vader mode differs from scrm_vader_score\n");
			goto out;
		}
	}
	if (a.ts && a.sent && (rows & ROW_D)) {
		if ((rc = time_analyze("(d) scan + both modes", &c, &a, DO_SCAN | DO_BOTH, reps, parse_ns, &s_full,
				       &ns_full)))
			goto fail;
		if ((ran(ROW_A, ROW_D) && s_full.h_scan != s_scan.h_scan) ||
		    (ran(ROW_B, ROW_D) && s_full.h_vader != s_vader.h_vader) ||
		    (ran(ROW_B2, ROW_D) && s_full.h_scrm != s_modes.h_scrm)) {
			fprintf(stderr, "bench_analyze: scan + both modes disagrees with the rows alone\n");
			goto out;
		}
		printf("analyze stage (scan + both sentiment modes) per record: %.1f ns = %.2fx parse+normalize (%.1f ns); "
		       "%.0f rec/cpu-s; parse + normalize + analyze: %.0f rec/cpu-s\n",
		       ns_full, ns_full / parse_ns, parse_ns, 1e9 / ns_full, 1e9 / (parse_ns + ns_full));
		if (ran(ROW_A, ROW_B2))
			printf("sum of the parts (a)+(b2): %.1f ns/rec%s", ns_scan + ns_modes, rows & ROW_C ? "" : "\n");
		if (rows & ROW_C)
			printf("%s(c) scan + VADER: %.1f ns/rec\n", ran(ROW_A, ROW_B2) ? "; " : "", ns_both);
	}
	if (a.ts && a.sent && (rows & ROW_E)) {
		if ((rc = time_analyze("(e) as the pipeline does it", &c, &a, DO_FULL, reps, parse_ns, &s_pipe, &ns_pipe)))
			goto fail;
		if ((ran(ROW_A, ROW_E) && s_pipe.h_scan != s_scan.h_scan) ||
		    (ran(ROW_B, ROW_E) && s_pipe.h_vader != s_vader.h_vader) ||
		    (ran(ROW_B2, ROW_E) && s_pipe.h_scrm != s_modes.h_scrm)) {
			fprintf(stderr, "bench_analyze: (e) disagrees with the rows alone\n");
			goto out;
		}
		if (rows & ROW_D)
			printf("(e) adds to (d): the topic terms that matched, the scrm mode's explanation, spam signals and "
			       "the near-duplicate key: %.1f ns/rec; ", ns_pipe - ns_full);
		printf("parse + normalize + (e): %.0f rec/cpu-s\n", 1e9 / (parse_ns + ns_pipe));
	}
	if (a.ts && a.sent && (rows & (ROW_F | ROW_F1 | ROW_F2))) {
		static const scrm_task tasks[2] = {SCRM_TASK_INTENT, SCRM_TASK_ACTION};
		scrm_topics_guest guest;
		snprintf(err, sizeof err, "out of memory");
		if (scrm_cues_guest(&guest) || scrm_topics_compile_rules(&topics_guest, rules, NULL, &guest, err, sizeof err) ||
		    scrm_topics_scratch_create(&a.ts_guest, topics_guest) || scrm_cues_create(&a.cues, err, sizeof err)) {
			fprintf(stderr, "bench_analyze: the rules with the cues as guests: %s\n", err);
			goto out;
		}
		scrm_topics_scratch_guest(a.ts_guest, scrm_cues_feed, a.cues);
		scrm_clf_config cfg = {.lexicon = lex, .topics = topics};
		for (int k = 0; k < 2; k++)
			if (scrm_classifier_create(&a.clf[k], scrm_classifier_find(tasks[k], "cues"), &cfg, err, sizeof err)) {
				fprintf(stderr, "bench_analyze: %s\n", err);
				goto out;
			}
		a.items = calloc(block, sizeof *a.items);
		a.memos = calloc(block, sizeof *a.memos);
		a.sents = calloc(block, sizeof *a.sents);
		a.spam = calloc(block, sizeof *a.spam);
		a.outs = calloc(2, sizeof *a.outs);
		a.cue_hits = calloc(block, sizeof *a.cue_hits);
		a.cue_kept = calloc(block, sizeof *a.cue_kept);
		if (!a.items || !a.memos || !a.sents || !a.spam || !a.outs || !a.cue_hits || !a.cue_kept)
			goto out;
		static const struct {
			const char *name, *title;
			unsigned row, what;
		} fr[] = {
			{"f", "(f) (e) + cues intent, action", ROW_F, DO_GUEST},
			{"f1", "(f1) (f), cues scanned apart", ROW_F1, 0},
			{"f2", "(f2) (f), cues finished inline", ROW_F2, DO_GUEST | DO_INLINE},
		};
		pass_sums s_clf[3];
		double ns_clf[3];
		for (int g = 0; g < 3; g++) {
			if (!(rows & fr[g].row))
				continue;
			if ((rc = time_analyze(fr[g].title, &c, &a, DO_FULL | DO_CLF | fr[g].what, reps, parse_ns, &s_clf[g],
					       &ns_clf[g])))
				goto fail;
			if (ran(ROW_E, fr[g].row) && (s_clf[g].h_scan != s_pipe.h_scan || s_clf[g].h_spam != s_pipe.h_spam)) {
				fprintf(stderr, "bench_analyze: (%s) disagrees with (e)\n", fr[g].name);
				goto out;
			}
			if (g && ran(ROW_F, fr[g].row) && s_clf[g].h_clf != s_clf[0].h_clf) {
				fprintf(stderr, "bench_analyze: (%s) disagrees with (f)\n", fr[g].name);
				goto out;
			}
			if (rows & ROW_E)
				printf("(%s) adds to (e): classification %.1f ns/rec = %+.1f%% of parse + normalize + (e) (%.1f "
				       "ns), the pipeline's analyze stage without its arena appends\n",
				       fr[g].name, ns_clf[g] - ns_pipe, (ns_clf[g] - ns_pipe) / (parse_ns + ns_pipe) * 100,
				       parse_ns + ns_pipe);
		}
	}
	if (topic_stats && a.ts) {
		a.topic_hits = calloc(scrm_topics_count(topics), sizeof *a.topic_hits);
		pass_sums ps;
		if (!a.topic_hits || analyze_pass(&c, &a, DO_SCAN, &ps))
			goto out;
		uint32_t never = 0;
		uint64_t total = 0;
		for (uint32_t i = 0; i < scrm_topics_count(topics); i++) {
			printf("  %-4s %-28s %9" PRIu64 "  %6.2f%%\n", scrm_topics_is_cue(topics, (uint16_t)i) ? "cue" : "topic",
			       scrm_topics_name(topics, (uint16_t)i), a.topic_hits[i], 100.0 * a.topic_hits[i] / c.n);
			never += a.topic_hits[i] == 0;
			total += a.topic_hits[i];
		}
		printf("topics/cues matched per record: %.2f (mean); %u of %u never matched\n", (double)total / c.n, never,
		       scrm_topics_count(topics));
	}
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "bench_analyze: analyze pass failed: %s\n", strerror(-rc));
out:
	for (int k = 0; k < 2; k++)
		scrm_classifier_free(a.clf[k]);
	free(a.items);
	free(a.memos);
	free(a.cue_hits);
	free(a.cue_kept);
	scrm_cues_free(a.cues);
	scrm_topics_scratch_free(a.ts_guest);
	scrm_topics_free(topics_guest);
	free(a.sents);
	free(a.spam);
	free(a.outs);
	free(a.topic_hits);
	scrm_topics_scratch_free(a.ts);
	scrm_vader_free(a.vader);
	scrm_sent_free(a.sent);
	scrm_topics_free(topics);
	scrm_rules_free(rules);
	scrm_lexicon_free(lex);
	scrm_normalizer_free(nz);
	free(c.buf);
	free(c.v);
	free(buf);
	return ret;
}
