/*
 * test_encoder.c - the sentence encoder (encoder.h) against the package's own
 * TensorFlow.js outputs (tests/fixtures/encoder_ref.tsv, made by encoder_ref.js from
 * encoder_texts.txt), its loader's checks, and model files that record an encoder
 * (linear.h, version 3).
 *
 * The encoder file is third-party data fetched by scripts/fetch-encoder.sh (make check
 * does); the tests that need it skip, saying so, when it is missing. $SCRM_ENCODER
 * overrides the default data/encoder/use-lite.bin.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classifier.h"
#include "encoder.h"
#include "linear.h"
#include "testutil.h"

#define ENC_DEFAULT "data/encoder/use-lite.bin"
#define ENC_DIGEST 0x2641fd8fc008a56aull /* of the file scripts/fetch-encoder.sh makes */

static scrm_encoder *load_or_skip(void)
{
	const char *p = getenv("SCRM_ENCODER");
	p = p && *p ? p : ENC_DEFAULT;
	FILE *fp = fopen(p, "rb");
	if (!fp)
		cr_skip_test("no encoder file at %s (scripts/fetch-encoder.sh makes it; make check fetches it)", p);
	fclose(fp);
	char err[512];
	scrm_encoder *e = NULL;
	int rc = scrm_encoder_load(&e, p, err, sizeof err);
	cr_assert_eq(rc, 0, "%s", err);
	return e;
}

static float norm(const float *v)
{
	double s = 0;
	for (int i = 0; i < SCRM_ENCODER_DIM; i++)
		s += (double)v[i] * v[i];
	return (float)sqrt(s);
}

Test(encoder, matches_the_reference_implementation)
{
	scrm_encoder *e = load_or_skip();
	cr_assert_eq(scrm_encoder_digest(e), ENC_DIGEST, "digest %016llx",
		     (unsigned long long)scrm_encoder_digest(e));
	scrm_encoder_ws *w = scrm_encoder_ws_create();
	cr_assert(w);
	FILE *tf = fopen("tests/fixtures/encoder_texts.txt", "r"), *rf = fopen("tests/fixtures/encoder_ref.tsv", "r");
	cr_assert(tf && rf, "fixtures not found: run from the repo root");
	char *text = NULL, *ref = NULL;
	size_t tcap = 0, rcap = 0;
	ssize_t tn;
	int rows = 0, long_rows = 0;
	double worst = 0;
	while ((tn = getline(&text, &tcap, tf)) > 0) {
		cr_assert(getline(&ref, &rcap, rf) > 0, "encoder_ref.tsv is shorter than encoder_texts.txt");
		if (text[tn - 1] == '\n')
			text[--tn] = 0;
		rows++;
		/* line<TAB>ids<TAB>v0..v15<TAB>sum */
		char *save = NULL, *f = strtok_r(ref, "\t\n", &save);
		cr_assert(f && atoi(f) == rows);
		char *ids_s = strtok_r(NULL, "\t\n", &save);
		cr_assert(ids_s);
		uint32_t want[4096], got[SCRM_ENCODER_MAX_PIECES];
		size_t nw = 0;
		for (char *q = ids_s, *end; *q; q = end) {
			cr_assert_lt(nw, 4096);
			want[nw++] = (uint32_t)strtoul(q, &end, 10);
			cr_assert(end != q);
			while (*end == ' ')
				end++;
		}
		size_t ng = scrm_encoder_tokenize(e, w, text, (size_t)tn, got, SCRM_ENCODER_MAX_PIECES);
		cr_assert_eq(ng, nw, "row %d: %zu pieces, the reference has %zu", rows, ng, nw);
		for (size_t i = 0; i < nw && i < SCRM_ENCODER_MAX_PIECES; i++)
			cr_assert_eq(got[i], want[i], "row %d piece %zu: %u, the reference has %u", rows, i, got[i],
				     want[i]);
		long_rows += nw > SCRM_ENCODER_MAX_PIECES;
		float v[SCRM_ENCODER_DIM];
		cr_assert_eq(scrm_encoder_embed(e, w, text, (size_t)tn, v), 0);
		cr_assert_float_eq(norm(v), 1.0f, 1e-5);
		double sum = 0;
		for (int i = 0; i < SCRM_ENCODER_DIM; i++)
			sum += v[i];
		for (int i = 0; i < 16; i++) {
			f = strtok_r(NULL, "\t\n", &save);
			cr_assert(f);
			double d = fabs(strtod(f, NULL) - v[i]);
			worst = d > worst ? d : worst;
			cr_assert_lt(d, 1e-5, "row %d dim %d: %g, the reference has %s", rows, i, v[i], f);
		}
		f = strtok_r(NULL, "\t\n", &save);
		cr_assert(f);
		cr_assert_lt(fabs(strtod(f, NULL) - sum), 1e-4, "row %d: sum %g, the reference has %s", rows, sum, f);
	}
	cr_assert_eq(rows, 17);
	cr_assert_geq(long_rows, 1, "the fixture should hold a text of more than 128 pieces");
	printf("encoder: %d texts agree with the reference (largest difference %.2g)\n", rows, worst);
	free(text);
	free(ref);
	fclose(tf);
	fclose(rf);
	scrm_encoder_ws_free(w);
	scrm_encoder_free(e);
}

Test(encoder, any_bytes_give_a_unit_vector)
{
	scrm_encoder *e = load_or_skip();
	scrm_encoder_ws *w = scrm_encoder_ws_create();
	float v[SCRM_ENCODER_DIM], v2[SCRM_ENCODER_DIM];
	/* empty: the reference cannot embed it; here the pooled vector is zero */
	cr_assert_eq(scrm_encoder_embed(e, w, "", 0, v), 0);
	cr_assert_float_eq(norm(v), 1.0f, 1e-5);
	cr_assert_eq(scrm_encoder_embed(e, w, NULL, 0, v), 0);
	cr_assert_eq(scrm_encoder_embed(e, w, NULL, 3, v), -EINVAL);
	/* invalid UTF-8, NUL bytes, and a text far over the limits, all deterministic */
	size_t n = 200000;
	char *junk = malloc(n);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		junk[i] = (char)(i % 7 == 0 ? ' ' : (int)(x & 0xff));
	}
	for (size_t len = 1; len <= n; len *= 7) {
		cr_assert_eq(scrm_encoder_embed(e, w, junk, len, v), 0);
		for (int i = 0; i < SCRM_ENCODER_DIM; i++)
			cr_assert(isfinite(v[i]));
		cr_assert_float_eq(norm(v), 1.0f, 1e-5);
		cr_assert_eq(scrm_encoder_embed(e, w, junk, len, v2), 0);
		cr_assert_eq(memcmp(v, v2, sizeof v), 0, "not deterministic at %zu bytes", len);
	}
	/* invalid bytes read as U+FFFD: "a\xff b" is tokenized as "a\uFFFD b" */
	uint32_t a[16], b[16];
	size_t na = scrm_encoder_tokenize(e, w, "a\xff b", 4, a, 16);
	size_t nb = scrm_encoder_tokenize(e, w, "a\xef\xbf\xbd b", 6, b, 16);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(a, b, na * sizeof a[0]), 0);
	free(junk);
	scrm_encoder_ws_free(w);
	scrm_encoder_free(e);
}

Test(encoder, cache_returns_what_it_computed)
{
	scrm_encoder *e = load_or_skip();
	scrm_encoder_ws *w = scrm_encoder_ws_create();
	scrm_encoder_cache *c = scrm_encoder_cache_create(2);
	cr_assert(c);
	const char *t[3] = {"where is my refund", "love the new update", "how do I reset my password?"};
	float v[SCRM_ENCODER_DIM], u[SCRM_ENCODER_DIM];
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 3; i++) {
			cr_assert_eq(scrm_encoder_embed_cached(e, w, c, t[i], strlen(t[i]), v), 0);
			cr_assert_eq(scrm_encoder_embed(e, w, t[i], strlen(t[i]), u), 0);
			cr_assert_eq(memcmp(u, v, sizeof v), 0, "text %d round %d", i, round);
		}
	/* different texts, different vectors */
	scrm_encoder_embed(e, w, t[0], strlen(t[0]), v);
	cr_assert_neq(memcmp(u, v, sizeof v), 0);
	scrm_encoder_cache_free(c);
	scrm_encoder_ws_free(w);
	scrm_encoder_free(e);
}

/* A well-formed file with zero weights and a tiny vocabulary (6 "▁a", 7 "b", 8 "▁", 9 "a",
 * the rest "z"; piece p scores -p): what the loader checks needs no third-party data. */
static uint8_t *tiny_file(size_t *len)
{
	size_t tfloats = (size_t)8002 * 256 + 128 + /* layer 0 */ 256 * 2 + 256 * 768 + 768 + 256 * 512 + 512 +
			 256 * 512 + 512 + 512 * 2 + 512 * 1536 + 1536 + 1536 * 512 + 512 +
			 /* layer 1 */ 512 * 2 + 512 * 1536 + 1536 + 512 * 512 + 512 + 512 * 2 + 512 * 1536 + 1536 +
			 1536 * 512 + 512 + /* output */ 512 * 512 + 512;
	size_t vb = 0;
	uint8_t vocab[8000 * 12];
	for (int p = 0; p < 8000; p++) {
		double sc = -(double)p;
		const char *s = p == 6 ? "\xe2\x96\x81" "a" : p == 7 ? "b" : p == 8 ? "\xe2\x96\x81" : p == 9 ? "a" : "z";
		memcpy(vocab + vb, &sc, 8);
		vocab[vb + 8] = (uint8_t)strlen(s);
		memcpy(vocab + vb + 9, s, strlen(s));
		vb += 9 + strlen(s);
	}
	while (vb % 4)
		vocab[vb++] = 0;
	*len = 24 + vb + tfloats * 4;
	uint8_t *b = calloc(1, *len);
	memcpy(b, "SCRMUSE1", 8);
	uint32_t h[4] = {1, 8000, (uint32_t)vb, (uint32_t)(tfloats * 4)};
	memcpy(b + 8, h, sizeof h);
	memcpy(b + 24, vocab, vb);
	return b;
}

Test(encoder, loader_checks_the_file)
{
	size_t len;
	uint8_t *b = tiny_file(&len);
	char err[512];
	scrm_encoder *e = NULL;
	cr_assert_eq(scrm_encoder_load_mem(&e, b, len, "tiny", err, sizeof err), 0, "%s", err);
	scrm_encoder_ws *w = scrm_encoder_ws_create();
	uint32_t ids[8];
	/* "▁a▁b": "▁a" (-6) beats "▁" + "a" (-17), then "▁" and "b" */
	size_t n = scrm_encoder_tokenize(e, w, "a b", 3, ids, 8);
	cr_assert_eq(n, 3);
	cr_assert_eq(ids[0], 6);
	cr_assert_eq(ids[1], 8);
	cr_assert_eq(ids[2], 7);
	/* "▁a▁c▁c": "c" has no piece, so it is the unknown piece, each time: 6 8 0 8 0 */
	n = scrm_encoder_tokenize(e, w, "a c c", 5, ids, 8);
	cr_assert_eq(n, 5);
	uint32_t want[5] = {6, 8, 0, 8, 0};
	cr_assert_eq(memcmp(ids, want, sizeof want), 0);
	/* consecutive unknown characters become one unknown piece */
	n = scrm_encoder_tokenize(e, w, "a cc", 4, ids, 8);
	cr_assert_eq(n, 3);
	cr_assert_eq(ids[2], 0);
	float v[SCRM_ENCODER_DIM];
	cr_assert_eq(scrm_encoder_embed(e, w, "a b", 3, v), 0); /* zero weights: tanh(0) = 0 */
	for (int i = 0; i < SCRM_ENCODER_DIM; i++)
		cr_assert_eq(v[i], 0.0f);
	scrm_encoder_ws_free(w);
	scrm_encoder_free(e);

	struct {
		size_t at;
		uint8_t byte, byte2; /* written at at, and (if nonzero) at at - 1 */
		const char *msg;
	} bad[] = {
		{0, 'X', 0, "not an encoder file"},
		{8, 2, 0, "format version 2"},
		{12, 7, 0, "vocabulary pieces"},
		{16, 0, 0, "block sizes"},
		{24 + 8, 0, 0, "bad piece 0"},            /* a piece of length 0 */
		{24 + 9, 0xff, 0, "not valid UTF-8"},     /* piece 0's byte */
		{24 + 7, 0x7f, 0xf8, "bad piece 0"},      /* its score becomes a NaN */
		{len - 1, 0x7f, 0x80, "not finite"},      /* the last weight becomes +inf */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t keep = b[bad[i].at], keep2 = bad[i].byte2 ? b[bad[i].at - 1] : 0;
		b[bad[i].at] = bad[i].byte;
		if (bad[i].byte2)
			b[bad[i].at - 1] = bad[i].byte2;
		e = NULL;
		int rc = scrm_encoder_load_mem(&e, b, len, "tiny", err, sizeof err);
		cr_assert_eq(rc, -EINVAL, "case %zu loaded", i);
		cr_assert_null(e);
		cr_assert(strstr(err, bad[i].msg), "case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].msg);
		b[bad[i].at] = keep;
		if (bad[i].byte2)
			b[bad[i].at - 1] = keep2;
	}
	for (size_t cut = 0; cut < len; cut += len / 7 + 1) {
		cr_assert_eq(scrm_encoder_load_mem(&e, b, cut, "tiny", err, sizeof err), -EINVAL);
		cr_assert_null(e);
	}
	cr_assert_eq(scrm_encoder_load(&e, "/nonexistent/use-lite.bin", err, sizeof err), -ENOENT);
	cr_assert(strstr(err, "fetch-encoder.sh"));
	free(b);
}

Test(encoder, model_files_record_the_encoder)
{
	scrm_feat_opts fo;
	scrm_feat_opts_default(&fo);
	fo.dim_bits = 8;
	scrm_linear *m = NULL;
	cr_assert_eq(scrm_linear_create_empty(&m, &fo), 0);
	cr_assert_eq(scrm_linear_encoder(m, NULL), 0);
	cr_assert_eq(scrm_linear_set_encoder(m, 1234, NAN), -EINVAL);
	cr_assert_eq(scrm_linear_set_encoder(m, 1234, 0), -EINVAL);
	cr_assert_eq(scrm_linear_set_encoder(m, ENC_DIGEST, 6.0f), 0);
	uint8_t *img;
	size_t len;
	cr_assert_eq(scrm_linear_serialize(m, &img, &len), 0);
	cr_assert_eq(img[8], 3, "version %u", img[8]);
	char err[512];
	scrm_linear *back = NULL;
	cr_assert_eq(scrm_linear_load_mem(&back, img, len, "m3", err, sizeof err), 0, "%s", err);
	float scale;
	cr_assert_eq(scrm_linear_encoder(back, &scale), ENC_DIGEST);
	cr_assert_float_eq(scale, 6.0f, 0);
	/* serializing again gives the same bytes */
	uint8_t *img2;
	size_t len2;
	cr_assert_eq(scrm_linear_serialize(back, &img2, &len2), 0);
	cr_assert_eq(len2, len);
	cr_assert_eq(memcmp(img, img2, len), 0);
	/* a damaged digest is caught by the checksum; a version-1 reader's reserved bytes too */
	img[len - 9] ^= 1;
	scrm_linear *bad = NULL;
	cr_assert_eq(scrm_linear_load_mem(&bad, img, len, "m3", err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "checksum"), "%s", err);
	/* without the mark, the file is version 1 again */
	cr_assert_eq(scrm_linear_set_encoder(back, 0, 0), 0);
	free(img2);
	cr_assert_eq(scrm_linear_serialize(back, &img2, &len2), 0);
	cr_assert_eq(img2[8], 1);
	cr_assert_eq(len2, len - 8);
	free(img);
	free(img2);
	scrm_linear_free(m);
	scrm_linear_free(back);
}

/* The synthetic file, loaded. */
static scrm_encoder *tiny_encoder(void)
{
	size_t len;
	uint8_t *b = tiny_file(&len);
	scrm_encoder *e = NULL;
	char err[256];
	cr_assert_eq(scrm_encoder_load_mem(&e, b, len, "tiny", err, sizeof err), 0, "%s", err);
	free(b);
	return e;
}

Test(encoder, recent_cache_keeps_the_latest_per_slot)
{
	/* the synthetic file: what is counted and replaced needs no third-party data */
	scrm_encoder *e = tiny_encoder();
	scrm_encoder_ws *w = scrm_encoder_ws_create();
	cr_assert_null(scrm_encoder_cache_create_recent(0));
	/* one slot: every new text replaces the last one */
	scrm_encoder_cache *c = scrm_encoder_cache_create_recent(1);
	cr_assert(c);
	const char *t[3] = {"where is my refund", "love the new update", "how do I reset my password?"};
	float v[SCRM_ENCODER_DIM], u[SCRM_ENCODER_DIM];
	const int seq[] = {0, 0, 0, 1, 1, 0, 2, 2, 2, 1};
	uint64_t hits, misses;
	for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
		const char *x = t[seq[k]];
		cr_assert_eq(scrm_encoder_embed_cached(e, w, c, x, strlen(x), v), 0);
		cr_assert_eq(scrm_encoder_embed(e, w, x, strlen(x), u), 0);
		cr_assert_eq(memcmp(u, v, sizeof v), 0, "step %zu: a hit must give the computed bytes", k);
	}
	scrm_encoder_cache_counts(c, &hits, &misses);
	cr_assert_eq(hits, 5, "%llu hits", (unsigned long long)hits); /* 0 0 | 1 | 2 2 */
	cr_assert_eq(misses, 5, "%llu misses", (unsigned long long)misses);
	scrm_encoder_cache_free(c);
	/* many slots: each text computed once unless two share a slot (the hash decides) */
	c = scrm_encoder_cache_create_recent(SCRM_ENCODER_RECENT_DEFAULT);
	cr_assert(c);
	for (int round = 0; round < 4; round++)
		for (int i = 0; i < 3; i++)
			cr_assert_eq(scrm_encoder_embed_cached(e, w, c, t[i], strlen(t[i]), v), 0);
	scrm_encoder_cache_counts(c, &hits, &misses);
	cr_assert_eq(hits + misses, 12);
	cr_assert(misses >= 3 && hits >= 3, "%llu misses", (unsigned long long)misses);
	scrm_encoder_cache_counts(NULL, &hits, &misses);
	cr_assert_eq(hits + misses, 0);
	scrm_encoder_cache_free(c);
	scrm_encoder_ws_free(w);
	scrm_encoder_free(e);
}

Test(encoder, cache_fill_on_threads_gives_what_one_thread_computes)
{
	scrm_encoder *e = tiny_encoder();
	enum { N = 60 };
	char buf[N][32];
	const char *t[N];
	size_t l[N];
	for (int i = 0; i < N; i++) { /* 30 distinct texts, each twice */
		l[i] = (size_t)snprintf(buf[i], sizeof buf[i], "ab a %d b", i % 30);
		t[i] = buf[i];
	}
	scrm_encoder_cache *c = scrm_encoder_cache_create(64);
	cr_assert(c);
	cr_assert_eq(scrm_encoder_cache_fill(e, c, t, l, N, 4), 0);
	uint64_t hits, misses;
	scrm_encoder_cache_counts(c, &hits, &misses);
	cr_assert_eq(hits + misses, N);
	cr_assert(misses >= 30, "%llu computed", (unsigned long long)misses); /* two threads may race on a copy */
	const uint64_t filled = misses, found = hits;
	scrm_encoder_ws *w = scrm_encoder_ws_create();
	float v[SCRM_ENCODER_DIM], u[SCRM_ENCODER_DIM];
	for (int i = 0; i < N; i++) {
		cr_assert_eq(scrm_encoder_embed_cached(e, w, c, t[i], l[i], v), 0);
		cr_assert_eq(scrm_encoder_embed(e, w, t[i], l[i], u), 0);
		cr_assert_eq(memcmp(u, v, sizeof v), 0, "text %d", i);
	}
	scrm_encoder_cache_counts(c, &hits, &misses);
	cr_assert_eq(misses, filled, "every text was found in the filled cache");
	cr_assert_eq(hits, found + N);
	scrm_encoder_cache_free(c);
	/* a per-thread recent cache is not for filling; nothing to fill is fine */
	scrm_encoder_cache *r = scrm_encoder_cache_create_recent(8);
	cr_assert_eq(scrm_encoder_cache_fill(e, r, t, l, N, 2), -EINVAL);
	scrm_encoder_cache_free(r);
	c = scrm_encoder_cache_create(4);
	cr_assert_eq(scrm_encoder_cache_fill(e, c, NULL, NULL, 0, 8), 0);
	cr_assert_eq(scrm_encoder_cache_fill(e, c, t, l, N, 2), 0); /* past the capacity: the first 4 */
	scrm_encoder_cache_counts(c, &hits, &misses);
	cr_assert_eq(hits + misses, 4);
	scrm_encoder_cache_free(c);
	scrm_encoder_ws_free(w);
	scrm_encoder_free(e);
}

/* A model trained with the encoder says so on its instance (scrm run then loads the
 * encoder only for such models, and keeps the instance so the workers share its model);
 * one trained without it does not, given an encoder or not. */
Test(encoder, classifier_instances_say_whether_they_read_it)
{
	scrm_encoder *e = tiny_encoder();
	size_t nl;
	(void)scrm_task_labels(SCRM_TASK_INTENT, &nl);
	static const char *const texts[] = {"where is my order?", "this app is broken again", "love it, thanks",
					    "how much is premium", "cancel my account now", "please add a dark mode",
					    "win a free phone click here", "ok"};
	scrm_clf_item items[8];
	uint32_t gold[8];
	for (uint32_t i = 0; i < 8; i++) {
		scrm_clf_item_init(&items[i], texts[i], strlen(texts[i]));
		gold[i] = i % (uint32_t)nl;
	}
	char dir[] = "/tmp/scrm-enc-XXXXXX", with[64], without[64], err[512];
	cr_assert(mkdtemp(dir));
	snprintf(with, sizeof with, "%s/with.model", dir);
	snprintf(without, sizeof without, "%s/without.model", dir);
	scrm_clf_config cfg = {.encoder = e};
	cr_assert_eq(scrm_classifier_train(&scrm_clf_intent_linear, &cfg, items, gold, 8, with, err, sizeof err), 0,
		     "%s", err);
	scrm_clf_config plain = {0};
	cr_assert_eq(scrm_classifier_train(&scrm_clf_intent_linear, &plain, items, gold, 8, without, err, sizeof err),
		     0, "%s", err);
	scrm_classifier *c = NULL;
	cfg.model_path = with;
	cr_assert_eq(scrm_classifier_create(&c, &scrm_clf_intent_linear, &cfg, err, sizeof err), 0, "%s", err);
	cr_assert(scrm_classifier_uses_encoder(c));
	scrm_classifier_free(c);
	cfg.model_path = without;
	cr_assert_eq(scrm_classifier_create(&c, &scrm_clf_intent_linear, &cfg, err, sizeof err), 0, "%s", err);
	cr_assert(!scrm_classifier_uses_encoder(c));
	scrm_classifier_free(c);
	/* rule-based classifiers never do */
	cr_assert_eq(scrm_classifier_create(&c, scrm_classifier_find(SCRM_TASK_INTENT, "cues"), &cfg, err, sizeof err),
		     0, "%s", err);
	cr_assert(!scrm_classifier_uses_encoder(c));
	scrm_classifier_free(c);
	remove(with);
	remove(without);
	rmdir(dir);
	scrm_encoder_free(e);
}
