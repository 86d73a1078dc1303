/*
 * test_linear.c - hashed features (classifiers/featurize.c) and the softmax model
 * (classifiers/linear.c): the tokenizer's special tokens, determinism, a separable toy
 * problem, byte-identical model files, the save/load round trip, every kind of corrupt
 * model file, and 5-fold cross-validation on the real dev corpora when they are present
 * (intent-scrm: 8 intents; complaints: complaint vs not), text features only.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "featurize.h"
#include "linear.h"
#include "tsv.h"

/* ---- featurize ---- */

static int has_name(const scrm_feat_vec *v, const char *name)
{
	for (uint32_t i = 0; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0)
			return 1;
	return 0;
}

Test(featurize, special_tokens_and_ngrams)
{
	scrm_feat_opts o;
	scrm_feat_opts_default(&o);
	scrm_feat *f;
	cr_assert_eq(scrm_feat_create(&f, &o), 0);
	const char *t = "@United WHY is flight 1234 late?? See https://t.co/xyz #fail \xF0\x9F\x98\xA1\xF0\x9F\x8F\xBD "
			"don\xE2\x80\x99t &amp; ok!";
	scrm_feat_vec v;
	cr_assert_eq(scrm_feat_extract(f, t, strlen(t), NULL, &v), 0);
	const char *want[] = {"w:<user>", "w:why", "w:<num>", "w:?", "w:<url>", "w:#fail", "w:\xF0\x9F\x98\xA1",
			      "w:don't", "w:ok", "w:!", "b:<user>|why", "b:late|?", "c:<wh", "c:why>", "c:ate>", "c:<late",
			      "p:?", "p:?n", "p:!", "len:2"}; /* 87 bytes */
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		cr_assert(has_name(&v, want[i]), "missing feature %s", want[i]);
	const char *absent[] = {"w:amp", "w:united", "w:1234", "w:\xF0\x9F\x8F\xBD", "c:<#f", "w:t", "cue:1"};
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
		cr_assert_not(has_name(&v, absent[i]), "unexpected feature %s", absent[i]);
	/* sorted, unique, in range, finite */
	for (uint32_t i = 0; i < v.n; i++) {
		cr_assert_lt(v.idx[i], 1u << o.dim_bits);
		cr_assert(isfinite(v.val[i]));
		if (i)
			cr_assert_lt(v.idx[i - 1], v.idx[i]);
	}
	scrm_feat_free(f);
}

/* A long word is cut at whole code points: 63 ASCII letters then a 2-byte letter keep the
 * 63 (the fuzzer found the old cut kept 64 bytes, one of them never written). */
Test(featurize, long_word_cut_at_code_point)
{
	scrm_feat_opts o;
	scrm_feat_opts_default(&o);
	scrm_feat *f;
	cr_assert_eq(scrm_feat_create(&f, &o), 0);
	char t[128], want[80];
	memset(t, 'a', 63);
	memcpy(t + 63, "\xc3\xa9" "bc xyz", 8);
	memcpy(want, "w:", 2);
	memset(want + 2, 'a', 63);
	want[65] = 0;
	scrm_feat_vec v;
	cr_assert_eq(scrm_feat_extract(f, t, 71, NULL, &v), 0);
	cr_assert(has_name(&v, want), "no 63-letter word");
	cr_assert(has_name(&v, "w:xyz"));
	for (uint32_t i = 0; i < v.n; i++)
		if (strncmp(v.name[i], "w:", 2) == 0)
			cr_assert_leq(strlen(v.name[i]), 2 + 64);
	scrm_feat_free(f);
}

Test(featurize, spec_parse)
{
	scrm_feat_opts o;
	char err[256];
	scrm_feat_opts_default(&o);
	cr_assert_eq(scrm_feat_opts_parse("-char", &o, err, sizeof err), 0, "%s", err);
	cr_assert_eq(o.kinds, SCRM_FEAT_K_ALL & ~SCRM_FEAT_K(SCRM_FEAT_CHAR));
	cr_assert_eq(o.dim_bits, SCRM_FEAT_DIM_BITS_DEFAULT);
	scrm_feat_opts_default(&o);
	cr_assert_eq(scrm_feat_opts_parse("word,bigram,cue,dim=16", &o, err, sizeof err), 0, "%s", err);
	cr_assert_eq(o.kinds, SCRM_FEAT_K(SCRM_FEAT_WORD) | SCRM_FEAT_K(SCRM_FEAT_BIGRAM) | SCRM_FEAT_K(SCRM_FEAT_CUE));
	cr_assert_eq(o.dim_bits, 16);
	scrm_feat_opts_default(&o);
	cr_assert_eq(scrm_feat_opts_parse("chars=2-4,-len,+len", &o, err, sizeof err), 0, "%s", err);
	cr_assert_eq(o.char_min, 2);
	cr_assert_eq(o.char_max, 4);
	cr_assert_eq(o.kinds, SCRM_FEAT_K_ALL);
	const char *bad[] = {"chars=4-2", "chars=0-3", "chars=3", "dim=99", "dim=", "-chars", "words", "word,-word",
			     "", ",", "chars=1-9"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		scrm_feat_opts_default(&o);
		err[0] = 0;
		int rc = scrm_feat_opts_parse(bad[i], &o, err, sizeof err);
		if (!bad[i][0]) { /* the empty spec changes nothing */
			cr_assert_eq(rc, 0, "empty spec");
			continue;
		}
		cr_assert_eq(rc, -EINVAL, "'%s' accepted", bad[i]);
		cr_assert(strstr(err, "feature spec"), "'%s': message '%s'", bad[i], err);
	}
	/* without char n-grams a tweet has far fewer features, and none of them c: */
	const char *t = "@United why is my flight delayed again?? still waiting for a refund, so frustrating";
	scrm_feat_opts full, fast;
	scrm_feat_opts_default(&full);
	scrm_feat_opts_default(&fast);
	cr_assert_eq(scrm_feat_opts_parse("-char", &fast, err, sizeof err), 0);
	scrm_feat *ff, *fs;
	cr_assert_eq(scrm_feat_create(&ff, &full), 0);
	cr_assert_eq(scrm_feat_create(&fs, &fast), 0);
	scrm_feat_vec vf, vs;
	cr_assert_eq(scrm_feat_extract(ff, t, strlen(t), NULL, &vf), 0);
	cr_assert_eq(scrm_feat_extract(fs, t, strlen(t), NULL, &vs), 0);
	cr_assert_gt(vf.n, 4 * vs.n, "full %u, -char %u", vf.n, vs.n);
	for (uint32_t i = 0; i < vs.n; i++)
		cr_assert_neq(strncmp(vs.name[i], "c:", 2), 0, "char n-gram %s", vs.name[i]);
	cr_assert(has_name(&vs, "w:refund") && has_name(&vs, "b:still|waiting"));
	scrm_feat_free(ff);
	scrm_feat_free(fs);
}

Test(featurize, extras_deterministic_and_warm)
{
	scrm_feat_opts o;
	scrm_feat_opts_default(&o);
	o.dim_bits = 12;
	scrm_feat *f;
	cr_assert_eq(scrm_feat_create(&f, &o), 0);
	uint16_t cues[] = {3, 17};
	scrm_sentiment s = {.neg = 0.4, .neu = 0.6, .pos = 0, .compound = -0.5};
	scrm_feat_extras x = {.cue_ids = cues, .n_cues = 2, .sent = &s, .is_reply = 1};
	const char *t = "My card was charged twice, I want a refund!";
	scrm_feat_vec a, b;
	cr_assert_eq(scrm_feat_extract(f, t, strlen(t), &x, &a), 0);
	cr_assert(has_name(&a, "cue:3") && has_name(&a, "cue:17") && has_name(&a, "s:compound") &&
		  has_name(&a, "s:polarity=-") && has_name(&a, "reply:1"));
	uint32_t n = a.n;
	uint32_t *idx = malloc(n * sizeof *idx);
	float *val = malloc(n * sizeof *val);
	memcpy(idx, a.idx, n * sizeof *idx);
	memcpy(val, a.val, n * sizeof *val);
	const uint32_t *p = a.idx;
	/* other texts in between, then the same text again: the same vector, same buffers */
	cr_assert_eq(scrm_feat_extract(f, "short", 5, NULL, &b), 0);
	cr_assert_eq(scrm_feat_extract(f, "", 0, NULL, &b), 0);
	cr_assert_eq(scrm_feat_extract(f, t, strlen(t), &x, &b), 0);
	cr_assert_eq(b.n, n);
	cr_assert_eq(b.idx, p, "a warm extractor reuses its buffers");
	cr_assert_eq(memcmp(b.idx, idx, n * sizeof *idx), 0);
	cr_assert_eq(memcmp(b.val, val, n * sizeof *val), 0);
	/* the text blocks are unit-norm: sum of squares of word+bigram entries is ~1 */
	double ss = 0;
	for (uint32_t i = 0; i < b.n; i++)
		if (b.kind[i] == SCRM_FEAT_WORD || b.kind[i] == SCRM_FEAT_BIGRAM)
			ss += (double)b.val[i] * b.val[i];
	cr_assert(fabs(ss - 1.0) < 0.05, "word block norm^2 %f", ss); /* collisions may merge */
	free(idx);
	free(val);
	/* invalid UTF-8 and NUL bytes never crash or read past len */
	const char bad[] = "\xff\xfe caf\xc3 \xe2\x80 a\0b \xf0\x9f";
	cr_assert_eq(scrm_feat_extract(f, bad, sizeof bad - 1, NULL, &b), 0);
	cr_assert_eq(scrm_feat_extract(NULL, bad, 1, NULL, &b), -EINVAL);
	scrm_feat_free(f);
	scrm_feat_opts_default(&o);
	o.dim_bits = 30;
	cr_assert_eq(scrm_feat_create(&f, &o), -EINVAL);
	cr_assert_null(f);
}

/* ---- the toy problem ---- */

static const char *const toy_labels[] = {"billing", "shipping", "praise"};

/* 3 x 20 texts, each built from its class's words plus shared filler. */
static const char *toy_text(size_t i, char *buf, size_t cap)
{
	static const char *const words[3][5] = {
		{"invoice", "charged", "refund", "billing", "payment"},
		{"package", "delivery", "tracking", "courier", "arrived"},
		{"love", "thanks", "awesome", "great", "amazing"},
	};
	static const char *const filler[] = {"the", "my", "please", "today", "again", "team"};
	size_t c = i % 3, k = i / 3;
	snprintf(buf, cap, "%s %s %s %s %s", filler[k % 6], words[c][k % 5], filler[(k + 2) % 6],
		 words[c][(k + 3) % 5], k % 4 == 0 ? "!" : "?");
	return buf;
}

#define TOY_N 60

typedef struct toy {
	scrm_feat *f;
	scrm_feat_set *set;
	uint32_t labels[TOY_N];
	scrm_linear_opts o;
} toy;

static void toy_build(toy *t)
{
	scrm_linear_opts_default(&t->o);
	t->o.feat.dim_bits = 14;
	t->o.task = "toy";
	cr_assert_eq(scrm_feat_create(&t->f, &t->o.feat), 0);
	cr_assert_eq(scrm_feat_set_create(&t->set, t->o.feat.dim_bits), 0);
	char buf[256];
	for (size_t i = 0; i < TOY_N; i++) {
		const char *s = toy_text(i, buf, sizeof buf);
		scrm_feat_vec v;
		cr_assert_eq(scrm_feat_extract(t->f, s, strlen(s), NULL, &v), 0);
		cr_assert_eq(scrm_feat_set_add(t->set, &v), 0);
		t->labels[i] = (uint32_t)(i % 3);
	}
}

static void toy_free(toy *t)
{
	scrm_feat_free(t->f);
	scrm_feat_set_free(t->set);
}

static scrm_linear *toy_train(toy *t)
{
	scrm_linear *m;
	char err[256] = "";
	int rc = scrm_linear_train(&m, t->set, NULL, TOY_N, t->labels, toy_labels, 3, &t->o, err, sizeof err);
	cr_assert_eq(rc, 0, "train: %s", err);
	return m;
}

/* The toy model trained and serialized: its image in *img (free it), *len bytes. */
static scrm_linear *toy_image(toy *t, uint8_t **img, size_t *len)
{
	toy_build(t);
	scrm_linear *m = toy_train(t);
	cr_assert_eq(scrm_linear_serialize(m, img, len), 0);
	return m;
}

Test(linear, toy_separable_and_explained)
{
	toy t;
	toy_build(&t);
	scrm_linear *m = toy_train(&t);
	cr_assert_eq(scrm_linear_nlabels(m), 3);
	cr_assert_str_eq(scrm_linear_label(m, 1), "shipping");
	cr_assert_eq(scrm_linear_label_index(m, "praise"), 2);
	cr_assert_str_eq(scrm_linear_task(m), "toy");
	char buf[256];
	float p[3];
	for (size_t i = 0; i < TOY_N; i++) {
		const char *s = toy_text(i, buf, sizeof buf);
		scrm_feat_vec v;
		uint32_t lab;
		scrm_linear_explain ex;
		cr_assert_eq(scrm_feat_extract(t.f, s, strlen(s), NULL, &v), 0);
		cr_assert_eq(scrm_linear_predict(m, &v, p, &lab, &ex), 0);
		cr_assert_eq(lab, t.labels[i], "sample %zu \"%s\": %u", i, s, lab);
		cr_assert(fabsf(p[0] + p[1] + p[2] - 1.0f) < 1e-5f);
		cr_assert_gt(ex.n, 0);
		cr_assert_not_null(ex.c[0].name);
		for (uint32_t j = 1; j < ex.n; j++)
			cr_assert_geq(ex.c[j - 1].weight, ex.c[j].weight);
	}
	/* a new text from the billing words */
	scrm_feat_vec v;
	uint32_t lab;
	scrm_linear_explain ex;
	const char *s = "refund the invoice";
	cr_assert_eq(scrm_feat_extract(t.f, s, strlen(s), NULL, &v), 0);
	cr_assert_eq(scrm_linear_predict(m, &v, p, &lab, &ex), 0);
	cr_assert_eq(lab, 0);
	/* the model's named table: billing's strongest features are billing words */
	scrm_linear_contrib top[SCRM_LINEAR_TOP_PER_LABEL];
	uint32_t n = scrm_linear_top_features(m, 0, top, SCRM_LINEAR_TOP_PER_LABEL);
	cr_assert_gt(n, 3);
	static const char *const bw[] = {"<invoice>", "<charged>", "<refund>", "<billing>", "<payment>"};
	uint32_t seen = 0;
	for (uint32_t i = 0; i < n; i++) {
		const char *body = strchr(top[i].name, ':') + 1; /* "c:fun" -> "fun", "w:refund" */
		char w[64];
		snprintf(w, sizeof w, "%s%s%s", top[i].name[0] == 'w' ? "<" : "", body, top[i].name[0] == 'w' ? ">" : "");
		int hit = 0;
		for (size_t j = 0; j < 5; j++)
			hit |= strstr(bw[j], w) != NULL || strstr(body, bw[j] + 1) != NULL;
		seen += hit;
	}
	cr_assert_gt(seen, n / 2, "%u of %u top billing features are billing words", seen, n);
	scrm_linear_free(m);
	toy_free(&t);
}

Test(linear, train_rejects_bad_arguments)
{
	toy t;
	toy_build(&t);
	scrm_linear *m;
	char err[256] = "";
	const char *dup[] = {"a", "a", "b"};
	cr_assert_eq(scrm_linear_train(&m, t.set, NULL, TOY_N, t.labels, dup, 3, &t.o, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "twice"), "%s", err);
	cr_assert_null(m);
	cr_assert_eq(scrm_linear_train(&m, t.set, NULL, TOY_N, t.labels, toy_labels, 2, &t.o, err, sizeof err),
		     -EINVAL); /* label 2 >= K */
	t.o.feat.dim_bits = 15;
	cr_assert_eq(scrm_linear_train(&m, t.set, NULL, TOY_N, t.labels, toy_labels, 3, &t.o, err, sizeof err),
		     -EINVAL);
	cr_assert(strstr(err, "dimension"), "%s", err);
	toy_free(&t);
}

Test(linear, deterministic_bytes)
{
	toy t;
	toy_build(&t);
	scrm_linear *a = toy_train(&t), *b = toy_train(&t);
	uint8_t *ba, *bb;
	size_t la, lb;
	cr_assert_eq(scrm_linear_serialize(a, &ba, &la), 0);
	cr_assert_eq(scrm_linear_serialize(b, &bb, &lb), 0);
	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(ba, bb, la), 0, "same samples and options give a byte-identical model");
	/* a different seed gives a different model */
	t.o.seed = 2;
	scrm_linear *c = toy_train(&t);
	uint8_t *bc;
	size_t lc;
	cr_assert_eq(scrm_linear_serialize(c, &bc, &lc), 0);
	cr_assert(lc != la || memcmp(ba, bc, la) != 0);
	free(ba);
	free(bb);
	free(bc);
	scrm_linear_free(a);
	scrm_linear_free(b);
	scrm_linear_free(c);
	toy_free(&t);
}

Test(linear, save_load_round_trip)
{
	toy t;
	toy_build(&t);
	scrm_linear *m = toy_train(&t);
	char dir[] = "/tmp/scrm-linear-XXXXXX", path[64], err[512] = "";
	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/toy.model", dir);
	cr_assert_eq(scrm_linear_save(m, path, err, sizeof err), 0, "%s", err);
	scrm_linear *l;
	cr_assert_eq(scrm_linear_load(&l, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_linear_nlabels(l), 3);
	for (uint32_t k = 0; k < 3; k++)
		cr_assert_str_eq(scrm_linear_label(l, k), toy_labels[k]);
	cr_assert_str_eq(scrm_linear_task(l), "toy");
	const scrm_feat_opts *fa = scrm_linear_feat_opts(m), *fb = scrm_linear_feat_opts(l);
	cr_assert(fa->dim_bits == fb->dim_bits && fa->kinds == fb->kinds && fa->signed_hash == fb->signed_hash &&
		  fa->char_min == fb->char_min && fa->char_max == fb->char_max);
	cr_assert_eq(scrm_linear_options(l)->epochs, scrm_linear_options(m)->epochs);
	cr_assert_eq(scrm_linear_options(l)->seed, scrm_linear_options(m)->seed);
	char buf[256];
	const char *extra[] = {"refund please", "where is my package", "you are awesome", "", "???"};
	for (size_t i = 0; i < TOY_N + 5; i++) {
		const char *s = i < TOY_N ? toy_text(i, buf, sizeof buf) : extra[i - TOY_N];
		scrm_feat_vec v;
		float pa[3], pb[3];
		uint32_t la, lb;
		cr_assert_eq(scrm_feat_extract(t.f, s, strlen(s), NULL, &v), 0);
		cr_assert_eq(scrm_linear_predict(m, &v, pa, &la, NULL), 0);
		cr_assert_eq(scrm_linear_predict(l, &v, pb, &lb, NULL), 0);
		cr_assert_eq(la, lb);
		cr_assert_eq(memcmp(pa, pb, sizeof pa), 0, "identical probabilities for \"%s\"", s);
	}
	/* the named table survives, and re-serializing the loaded model gives the same bytes */
	scrm_linear_contrib ta[SCRM_LINEAR_TOP_PER_LABEL], tb[SCRM_LINEAR_TOP_PER_LABEL];
	uint32_t na = scrm_linear_top_features(m, 2, ta, SCRM_LINEAR_TOP_PER_LABEL);
	cr_assert_eq(scrm_linear_top_features(l, 2, tb, SCRM_LINEAR_TOP_PER_LABEL), na);
	for (uint32_t i = 0; i < na; i++)
		cr_assert_str_eq(ta[i].name, tb[i].name);
	uint8_t *ba, *bb;
	size_t la, lb;
	cr_assert_eq(scrm_linear_serialize(m, &ba, &la), 0);
	cr_assert_eq(scrm_linear_serialize(l, &bb, &lb), 0);
	cr_assert(la == lb && memcmp(ba, bb, la) == 0);
	free(ba);
	free(bb);
	/* a missing file is -ENOENT with the path */
	char missing[80];
	snprintf(missing, sizeof missing, "%s/nope.model", dir);
	scrm_linear *x;
	cr_assert_eq(scrm_linear_load(&x, missing, err, sizeof err), -ENOENT);
	cr_assert(strstr(err, missing));
	cr_assert_null(x);
	unlink(path);
	rmdir(dir);
	scrm_linear_free(l);
	scrm_linear_free(m);
	toy_free(&t);
}

/* Load @img and expect -EINVAL with a message naming the file and containing @why. */
static void expect_bad(const uint8_t *img, size_t len, const char *why, const char *what)
{
	scrm_linear *m = (scrm_linear *)&m; /* not NULL: the loader must clear it */
	char err[512] = "";
	int rc = scrm_linear_load_mem(&m, img, len, "toy.model", err, sizeof err);
	cr_assert_eq(rc, -EINVAL, "%s: rc %d", what, rc);
	cr_assert_null(m, "%s", what);
	cr_assert(strncmp(err, "toy.model: ", 11) == 0, "%s: message \"%s\" names the file", what, err);
	cr_assert(strstr(err, why), "%s: message \"%s\" says \"%s\"", what, err, why);
}

/* A copy of @img with byte @off set to @v must fail to load with @why. */
static void expect_bad_byte(const uint8_t *img, size_t len, size_t off, uint8_t v, const char *why, const char *what)
{
	uint8_t *cp = malloc(len);
	cr_assert_not_null(cp);
	memcpy(cp, img, len);
	cp[off] = v;
	expect_bad(cp, len, why, what);
	free(cp);
}

Test(linear, corrupt_files_are_clear_errors)
{
	toy t;
	uint8_t *img;
	size_t len;
	scrm_linear *m = toy_image(&t, &img, &len);
	uint8_t *cp = malloc(len + 1);
	char what[64];

	/* the image itself loads */
	scrm_linear *ok;
	char err[512];
	cr_assert_eq(scrm_linear_load_mem(&ok, img, len, "toy.model", err, sizeof err), 0, "%s", err);
	scrm_linear_free(ok);

	/* truncated anywhere */
	const size_t cuts[] = {0, 1, 7, 8, 12, 40, 63, 64, 65, 70, 100, 200, len / 2, len - 9, len - 8, len - 1};
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		snprintf(what, sizeof what, "truncated at %zu", cuts[i]);
		expect_bad(img, cuts[i], "truncated", what);
	}
	/* a flipped byte in the weights, in a bias, in the checksum */
	const size_t flips[] = {len - 8 - 4 * 100, len - 20, len - 3};
	for (size_t i = 0; i < 3; i++) {
		memcpy(cp, img, len);
		cp[flips[i]] ^= 0x10;
		snprintf(what, sizeof what, "byte %zu flipped", flips[i]);
		expect_bad(cp, len, "checksum mismatch", what);
	}
	/* wrong magic */
	memcpy(cp, img, len);
	cp[0] = 'S';
	expect_bad(cp, len, "bad magic", "wrong magic");
	expect_bad((const uint8_t *)"hello, world, this is not a model", 33, "bad magic", "text file");
	/* wrong version (4, 3 without an encoder scale, 2 without auxiliary models, and 0) */
	memcpy(cp, img, len);
	cp[8] = 4;
	expect_bad(cp, len, "unsupported model version 4", "version 4");
	cp[8] = 3;
	expect_bad(cp, len, "encoder feature scale 0 is not a positive number at offset 60", "version 3");
	cp[8] = 2;
	expect_bad(cp, len, "0 auxiliary models, a version-2 file has 1..8", "version 2 without aux");
	cp[8] = 1;
	cp[56] = 1;
	expect_bad(cp, len, "reserved bytes at offset 56", "version 1 with an aux count");
	cp[56] = 0;
	cp[8] = 0;
	expect_bad(cp, len, "unsupported model version 0", "version 0");
	/* dimension / K inconsistent with the size */
	expect_bad_byte(img, len, 12, 15, "truncated", "dimension changed"); /* D 14 -> 15: much too short */
	expect_bad_byte(img, len, 12, 13, "unexpected bytes", "dimension shrunk"); /* D 14 -> 13: too long */
	expect_bad_byte(img, len, 12, 40, "dimension bits 40", "dimension out of range");
	expect_bad_byte(img, len, 16, 1, "label count 1", "K = 1");
	/* one byte too many */
	memcpy(cp, img, len);
	cp[len] = 0;
	expect_bad(cp, len + 1, "unexpected bytes", "trailing byte");
	/* NaN weight with a correct checksum (a writer bug must not load either) */
	memcpy(cp, img, len);
	const uint8_t nan_le[4] = {0x00, 0x00, 0xC0, 0x7F};
	memcpy(cp + len - 8 - 4 * 7, nan_le, 4);
	uint64_t h = XXH3_64bits(cp, len - 8);
	for (int i = 0; i < 8; i++)
		cp[len - 8 + i] = (uint8_t)(h >> (8 * i));
	expect_bad(cp, len, "non-finite weight", "NaN weight");

	/* through the file loader: the message names the path */
	char dir[] = "/tmp/scrm-linear-XXXXXX", path[64];
	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/bad.model", dir);
	FILE *fp = fopen(path, "wb");
	cr_assert(fp);
	cr_assert_eq(fwrite(img, 1, len / 3, fp), len / 3);
	fclose(fp);
	scrm_linear *x;
	cr_assert_eq(scrm_linear_load(&x, path, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, path) && strstr(err, "truncated"), "%s", err);
	cr_assert_null(x);
	unlink(path);
	rmdir(dir);

	free(cp);
	free(img);
	scrm_linear_free(m);
	toy_free(&t);
}

/* ---- real data: 5-fold cross-validation ---- */

#define FOLDS 5

typedef struct corpus {
	scrm_feat_set *set;
	uint32_t *label, *fold;
	size_t n;
} corpus;

/* Read @path; label is the index of the @label_col value in @names (rows with another
 * value fail the test). Returns 0, or -ENOENT when the file is missing. */
static int corpus_load(corpus *c, const char *path, const char *label_col, const char *const *values,
		       uint32_t K, const scrm_feat_opts *fo)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -ENOENT;
	scrm_tsv *t;
	cr_assert_eq(scrm_tsv_open(&t, fp, 1), 0);
	long ci = scrm_tsv_col(t, "id"), ct = scrm_tsv_col(t, "text"), cl = scrm_tsv_col(t, label_col);
	cr_assert(ci >= 0 && ct >= 0 && cl >= 0, "%s: columns id, text, %s", path, label_col);
	scrm_feat *f;
	cr_assert_eq(scrm_feat_create(&f, fo), 0);
	cr_assert_eq(scrm_feat_set_create(&c->set, fo->dim_bits), 0);
	size_t cap = 1024;
	c->n = 0;
	c->label = malloc(cap * sizeof *c->label);
	c->fold = malloc(cap * sizeof *c->fold);
	int rc;
	while ((rc = scrm_tsv_next(t)) == 1) {
		size_t il, tl;
		const char *id = scrm_tsv_field(t, (size_t)ci, &il), *text = scrm_tsv_field(t, (size_t)ct, &tl);
		const char *lab = scrm_tsv_field(t, (size_t)cl, NULL);
		if (il == 0 && tl == 0)
			continue; /* a blank line */
		uint32_t k = 0;
		while (k < K && strcmp(values[k], lab) != 0)
			k++;
		cr_assert_lt(k, K, "%s:%llu: unknown label \"%s\"", path, (unsigned long long)scrm_tsv_line(t), lab);
		if (c->n == cap) {
			cap *= 2;
			c->label = realloc(c->label, cap * sizeof *c->label);
			c->fold = realloc(c->fold, cap * sizeof *c->fold);
		}
		scrm_feat_vec v;
		cr_assert_eq(scrm_feat_extract(f, text, tl, NULL, &v), 0);
		cr_assert_eq(scrm_feat_set_add(c->set, &v), 0);
		c->label[c->n] = k;
		c->fold[c->n] = (uint32_t)(XXH3_64bits(id, il) % FOLDS);
		c->n++;
	}
	cr_assert_eq(rc, 0);
	scrm_tsv_free(t);
	fclose(fp);
	scrm_feat_free(f);
	return 0;
}

static void corpus_free(corpus *c)
{
	scrm_feat_set_free(c->set);
	free(c->label);
	free(c->fold);
}

/* Macro-F1 (and per-class F1 into f1 if not NULL) of a K x K confusion matrix. */
static double macro_f1(const uint32_t *cm, uint32_t K, double *f1, double *acc)
{
	double sum = 0, right = 0, all = 0;
	for (uint32_t k = 0; k < K; k++) {
		double tp = cm[k * K + k], gold = 0, pred = 0;
		for (uint32_t j = 0; j < K; j++) {
			gold += cm[k * K + j];
			pred += cm[j * K + k];
		}
		double f = gold + pred > 0 ? 2 * tp / (gold + pred) : 0;
		if (f1)
			f1[k] = f;
		sum += f;
		right += tp;
		all += gold;
	}
	if (acc)
		*acc = all ? right / all : 0;
	return sum / K;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 5-fold CV; prints per fold and overall; returns pooled macro-F1, per-class F1 in f1. */
static double cross_validate(const corpus *c, const char *const *names, uint32_t K, const scrm_linear_opts *o,
			     const char *title, double *f1)
{
	uint32_t *cm = calloc((size_t)K * K, sizeof *cm), *fcm = calloc((size_t)K * K, sizeof *fcm);
	uint32_t *rows = malloc(c->n * sizeof *rows), *labs = malloc(c->n * sizeof *labs);
	float *p = malloc(K * sizeof *p);
	double train_s = 0;
	fprintf(stderr, "%s: %zu rows, %u labels, 5 folds (fold = XXH3(id) %% 5), D=%u, epochs %u, lr %g, l2 %g, %s\n",
		title, c->n, K, (unsigned)o->feat.dim_bits, o->epochs, o->learning_rate, o->l2,
		o->balanced ? "balanced" : "unweighted");
	for (uint32_t fo = 0; fo < FOLDS; fo++) {
		size_t n = 0;
		for (size_t i = 0; i < c->n; i++)
			if (c->fold[i] != fo) {
				rows[n] = (uint32_t)i;
				labs[n++] = c->label[i];
			}
		scrm_linear *m;
		char err[256] = "";
		double t0 = now_s();
		cr_assert_eq(scrm_linear_train(&m, c->set, rows, n, labs, names, K, o, err, sizeof err), 0, "%s", err);
		double dt = now_s() - t0;
		train_s += dt;
		memset(fcm, 0, (size_t)K * K * sizeof *fcm);
		for (size_t i = 0; i < c->n; i++) {
			if (c->fold[i] != fo)
				continue;
			scrm_feat_vec v;
			uint32_t lab;
			scrm_feat_set_get(c->set, i, &v);
			cr_assert_eq(scrm_linear_predict(m, &v, p, &lab, NULL), 0);
			fcm[c->label[i] * K + lab]++;
			cm[c->label[i] * K + lab]++;
		}
		double acc, mf = macro_f1(fcm, K, NULL, &acc);
		fprintf(stderr, "  fold %u: train %zu, test %zu, accuracy %.3f, macro-F1 %.3f, training %.2f s\n", fo, n,
			c->n - n, acc, mf, dt);
		scrm_linear_free(m);
	}
	double acc, mf = macro_f1(cm, K, f1, &acc);
	fprintf(stderr, "  overall: accuracy %.3f, macro-F1 %.3f, training %.2f s for 5 models (%.2f s each)\n", acc,
		mf, train_s, train_s / FOLDS);
	for (uint32_t k = 0; k < K; k++) {
		uint32_t sup = 0;
		for (uint32_t j = 0; j < K; j++)
			sup += cm[k * K + j];
		fprintf(stderr, "    %-14s F1 %.3f  (support %u)\n", names[k], f1[k], sup);
	}
	free(cm);
	free(fcm);
	free(rows);
	free(labs);
	free(p);
	return mf;
}

/* Macro-F1 of always answering the most frequent label. */
static double majority_macro_f1(const corpus *c, uint32_t K)
{
	uint32_t *cnt = calloc(K, sizeof *cnt), best = 0;
	for (size_t i = 0; i < c->n; i++)
		cnt[c->label[i]]++;
	for (uint32_t k = 1; k < K; k++)
		if (cnt[k] > cnt[best])
			best = k;
	/* precision n_best / n, recall 1: F1 = 2 n_best / (n_best + n); others 0 */
	double f = 2.0 * cnt[best] / ((double)cnt[best] + (double)c->n);
	free(cnt);
	return f / K;
}

/* A model file may hold any finite weights: logits that overflow to +-inf (or NaN, inf -
 * inf) still give probabilities that are finite and sum to 1, the +inf labels sharing them
 * (the fuzzer found NaN probabilities from such a file). */
Test(linear, overflowing_weights_give_finite_probabilities)
{
	toy t;
	uint8_t *img;
	size_t len;
	scrm_linear *m = toy_image(&t, &img, &len);
	/* every weight (the 2^14 x 3 floats before the checksum) to +-3e38 (label 1 negative):
	 * with signed hashing the sums overflow to +inf, -inf and NaN */
	size_t cells = ((size_t)1 << 14) * 3, at = len - 8 - 4 * cells;
	for (size_t i = 0; i < cells; i++) {
		float w = i % 3 == 1 ? -3e38f : 3e38f;
		memcpy(img + at + 4 * i, &w, 4);
	}
	uint64_t sum = XXH3_64bits(img, len - 8);
	for (int i = 0; i < 8; i++)
		img[len - 8 + i] = (uint8_t)(sum >> (8 * i));
	scrm_linear *l = NULL;
	char err[512] = "";
	cr_assert_eq(scrm_linear_load_mem(&l, img, len, "big.model", err, sizeof err), 0, "%s", err);
	const char *s = "refund the invoice please, where is my package";
	scrm_feat_vec v;
	float p[3];
	uint32_t lab;
	scrm_linear_explain ex;
	cr_assert_eq(scrm_feat_extract(t.f, s, strlen(s), NULL, &v), 0);
	cr_assert_eq(scrm_linear_predict(l, &v, p, &lab, &ex), 0);
	for (int k = 0; k < 3; k++)
		cr_assert(isfinite(p[k]) && p[k] >= 0 && p[k] <= 1, "p[%d] = %g", k, p[k]);
	cr_assert_float_eq(p[0] + p[1] + p[2], 1.0f, 1e-6f);
	cr_assert_lt(lab, 3);
	cr_assert_float_eq(p[lab], fmaxf(p[0], fmaxf(p[1], p[2])), 0, "the label is the most probable");
	free(img);
	scrm_linear_free(l);
	scrm_linear_free(m);
	toy_free(&t);
}

/* ---- auxiliary models (stacking) ---- */

/* A second toy model over the same features: is the text about money (billing) or not. */
static scrm_linear *toy_aux(toy *t)
{
	static const char *const yn[2] = {"no", "money"};
	uint32_t lab[TOY_N];
	for (size_t i = 0; i < TOY_N; i++)
		lab[i] = t->labels[i] == 0;
	scrm_linear_opts o = t->o;
	o.task = "money";
	scrm_linear *m = NULL;
	char err[256] = "";
	cr_assert_eq(scrm_linear_train(&m, t->set, NULL, TOY_N, lab, yn, 2, &o, err, sizeof err), 0, "%s", err);
	return m;
}

Test(featurize, append_merges_named_entries)
{
	scrm_feat_opts o;
	scrm_feat_opts_default(&o);
	scrm_feat *f, *g;
	cr_assert_eq(scrm_feat_create(&f, &o), 0);
	cr_assert_eq(scrm_feat_create(&g, &o), 0);
	const char *t = "where is my refund?";
	scrm_feat_vec v, w;
	cr_assert_eq(scrm_feat_extract(f, t, strlen(t), NULL, &v), 0);
	uint32_t n0 = v.n;
	const char *names[2] = {"x:m=no", "x:m=money"};
	const float vals[2] = {0.5f, 1.5f};
	cr_assert_eq(scrm_feat_append(f, &v, SCRM_FEAT_AUX, names, vals, 2), 0);
	cr_assert_eq(v.n, n0 + 2);
	int seen = 0;
	for (uint32_t i = 0; i < v.n; i++) {
		if (i)
			cr_assert_lt(v.idx[i - 1], v.idx[i], "sorted and unique after the append");
		for (int j = 0; j < 2; j++)
			if (strcmp(v.name[i], names[j]) == 0) {
				cr_assert_eq(v.kind[i], SCRM_FEAT_AUX);
				cr_assert_float_eq(fabsf(v.val[i]), vals[j], 0, "value of %s", names[j]);
				seen |= 1 << j;
			}
	}
	cr_assert_eq(seen, 3);
	cr_assert(has_name(&v, "w:refund"), "the text's features stay");
	cr_assert_str_eq(scrm_feat_kind_name(SCRM_FEAT_AUX), "aux");
	/* only the extractor's own last vector can take an append */
	cr_assert_eq(scrm_feat_extract(g, t, strlen(t), NULL, &w), 0);
	cr_assert_eq(scrm_feat_append(f, &w, SCRM_FEAT_AUX, names, vals, 2), -EINVAL);
	scrm_feat_free(f);
	scrm_feat_free(g);
}

Test(linear, aux_models_round_trip_and_stack)
{
	toy t;
	toy_build(&t);
	scrm_linear *m = toy_train(&t), *a = toy_aux(&t);
	uint8_t *ai, *img;
	size_t al, len;
	char err[512] = "";
	cr_assert_eq(scrm_linear_serialize(a, &ai, &al), 0);
	cr_assert_eq(ai[8], 1, "a model without auxiliary models stays version 1");
	cr_assert_eq(scrm_linear_naux(m), 0);
	cr_assert_eq(scrm_linear_stack_outputs(m), 0);
	cr_assert_eq(scrm_linear_add_aux(m, "money", ai, al, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_linear_naux(m), 1);
	cr_assert_eq(scrm_linear_stack_outputs(m), 2);
	const char *an = NULL;
	cr_assert_not_null(scrm_linear_aux(m, 0, &an));
	cr_assert_str_eq(an, "money");
	cr_assert_null(scrm_linear_aux(m, 1, NULL));
	/* bad names, a duplicate, a nested version 2 */
	cr_assert_eq(scrm_linear_add_aux(m, "money", ai, al, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "given twice"), "%s", err);
	cr_assert_eq(scrm_linear_add_aux(m, "Money", ai, al, err, sizeof err), -EINVAL);
	cr_assert_eq(scrm_linear_add_aux(m, "", ai, al, err, sizeof err), -EINVAL);
	cr_assert_eq(scrm_linear_add_aux(m, "abcdefghijabcdefghijabcdefghijab", ai, al, err, sizeof err), -EINVAL);
	cr_assert_eq(scrm_linear_serialize(m, &img, &len), 0);
	cr_assert_eq(img[8], 2, "with an auxiliary model: version 2");
	cr_assert_eq(img[56], 1, "one auxiliary model");
	cr_assert_eq(scrm_linear_add_aux(a, "nested", img, len, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "must be version 1"), "%s", err);

	/* load it back: the same auxiliary model, the same bytes again */
	scrm_linear *l = NULL;
	cr_assert_eq(scrm_linear_load_mem(&l, img, len, "toy.model", err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_linear_naux(l), 1);
	uint8_t *img2;
	size_t len2;
	cr_assert_eq(scrm_linear_serialize(l, &img2, &len2), 0);
	cr_assert(len2 == len && memcmp(img, img2, len) == 0);
	free(img2);

	/* stacking: the auxiliary model's probabilities x SCALE, named x:money=LABEL */
	float scratch[2], pa[2];
	const char *s = "refund the invoice";
	scrm_feat_vec v;
	cr_assert_eq(scrm_feat_extract(t.f, s, strlen(s), NULL, &v), 0);
	cr_assert_eq(scrm_linear_predict(a, &v, pa, NULL, NULL), 0);
	cr_assert_gt(pa[1], 0.5f, "the aux model calls a billing text money");
	uint32_t n0 = v.n;
	cr_assert_eq(scrm_linear_stack(l, t.f, &v, scratch), 0);
	cr_assert_eq(v.n, n0 + 2);
	int seen = 0;
	for (uint32_t i = 0; i < v.n; i++) {
		if (strcmp(v.name[i], "x:money=money") == 0) {
			cr_assert_float_eq(fabsf(v.val[i]), SCRM_LINEAR_AUX_SCALE * pa[1], 1e-6f);
			seen |= 1;
		}
		if (strcmp(v.name[i], "x:money=no") == 0) {
			cr_assert_float_eq(fabsf(v.val[i]), SCRM_LINEAR_AUX_SCALE * pa[0], 1e-6f);
			seen |= 2;
		}
	}
	cr_assert_eq(seen, 3);

	/* damage: an auxiliary length past the end, a flipped byte inside the image (with the
	 * outer checksum redone, the inner one catches it), the wrong count */
	uint8_t *cp = malloc(len);
	size_t at = len - 8 - al - 8; /* the image length field */
	memcpy(cp, img, len);
	cp[at + 5] = 0x7f;
	expect_bad(cp, len, "does not fit", "aux length too big");
	memcpy(cp, img, len);
	cp[len - 8 - al + 70] ^= 0x40;
	uint64_t sum = XXH3_64bits(cp, len - 8);
	for (int i = 0; i < 8; i++)
		cp[len - 8 + i] = (uint8_t)(sum >> (8 * i));
	expect_bad(cp, len, "auxiliary model 0", "inner damage");
	free(cp);
	expect_bad_byte(img, len, 56, 2, "truncated", "count says 2");
	expect_bad_byte(img, len, 56, 9, "9 auxiliary models", "count 9");

	/* other features than the model's: refused */
	scrm_feat_opts o2 = t.o.feat;
	o2.char_max = 4;
	scrm_linear *e = NULL;
	cr_assert_eq(scrm_linear_create_empty(&e, &o2), 0);
	cr_assert_eq(scrm_linear_add_aux(e, "money", ai, al, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "other features"), "%s", err);
	scrm_linear_free(e);
	/* a holder passes its auxiliary models on */
	cr_assert_eq(scrm_linear_create_empty(&e, &t.o.feat), 0);
	cr_assert_eq(scrm_linear_add_aux(e, "money", ai, al, err, sizeof err), 0, "%s", err);
	scrm_linear *m2 = toy_train(&t);
	cr_assert_eq(scrm_linear_move_aux(m2, e, err, sizeof err), 0, "%s", err);
	cr_assert_eq(scrm_linear_serialize(m2, &img2, &len2), 0);
	cr_assert(len2 == len && memcmp(img, img2, len) == 0, "the same file as adding directly");
	free(img2);
	scrm_linear_free(m2);
	scrm_linear_free(e);
	free(img);
	free(ai);
	scrm_linear_free(l);
	scrm_linear_free(a);
	scrm_linear_free(m);
	toy_free(&t);
}

Test(linear, intent_scrm_cross_validation, .timeout = 600)
{
	static const char *const intents[] = {"question", "complaint", "praise", "purchase",
					      "churn",    "suggestion", "spam",  "other"};
	const char *path = "../shared/corpora/intent-scrm/dev.tweets.tsv";
	scrm_linear_opts o;
	scrm_linear_opts_default(&o);
	o.task = "intent";
	o.feat.kinds = SCRM_FEAT_K_TEXT;
	corpus c;
	if (corpus_load(&c, path, "intent", intents, 8, &o.feat) == -ENOENT) {
		fprintf(stderr, "intent_scrm_cross_validation: skipped: %s not found (run from the repo root, "
				"with ../shared/corpora present)\n",
			path);
		cr_skip_test("%s not found", path);
	}
	cr_assert_eq(c.n, 942);
	double f1[8], base = majority_macro_f1(&c, 8);
	double mf = cross_validate(&c, intents, 8, &o, "intent-scrm intent", f1);
	fprintf(stderr, "  majority-class baseline macro-F1 %.3f\n", base);
	cr_assert_gt(mf, base + 0.2, "macro-F1 %.3f vs majority baseline %.3f", mf, base);
	corpus_free(&c);
}

Test(linear, complaints_cross_validation, .timeout = 600)
{
	static const char *const vals[] = {"0", "1"};
	static const char *const names[] = {"not_complaint", "complaint"};
	const char *path = "../shared/corpora/complaints/dev.tweets.tsv";
	scrm_linear_opts o;
	scrm_linear_opts_default(&o);
	o.task = "complaint";
	o.feat.kinds = SCRM_FEAT_K_TEXT;
	corpus c;
	if (corpus_load(&c, path, "complaint", vals, 2, &o.feat) == -ENOENT) {
		fprintf(stderr, "complaints_cross_validation: skipped: %s not found\n", path);
		cr_skip_test("%s not found", path);
	}
	double f1[2], base = majority_macro_f1(&c, 2);
	double mf = cross_validate(&c, names, 2, &o, "complaints complaint", f1);
	fprintf(stderr, "  majority-class baseline macro-F1 %.3f (issue goal: >= 0.80)\n", base);
	cr_assert_gt(mf, base + 0.2, "macro-F1 %.3f vs majority baseline %.3f", mf, base);
	corpus_free(&c);
}
