/*
 * fuzz_linear_model.c - libFuzzer target for the linear model loader
 * (classifiers/linear.c, scrm_linear_load_mem).
 *
 * The input is a model file image, loaded from memory. Invariants (a violation traps):
 *   - load returns 0, -EINVAL or -ENOMEM; on error the model is NULL and the message
 *     starts with the name given ("fuzz.model: ");
 *   - an accepted model has 2..1024 labels with non-empty names, serializes back to
 *     exactly the input bytes (the format has one encoding), and predicts on a fixed
 *     vector and on vectors with out-of-range indices: probabilities finite, in [0, 1],
 *     summing to 1, the argmax < K, explanation names NUL-terminated.
 * Inputs that merely pass the magic and version checks are rare by chance, so the
 * harness also tries the input with a valid header prepended whenever it does not start
 * with the magic; then only the checksum can stop it, which it fixes up too, so the
 * variable part and the weights get exercised. A third try builds a version-2 file: the
 * first part of the input as the outer model's variable part and weights, then one
 * auxiliary model named "a" whose image is a valid header, the rest of the input and a
 * good checksum (both checksums fixed up), so the auxiliary section and the nested
 * loader get exercised; an accepted model with auxiliary models also stacks their
 * outputs onto a real vector (scrm_linear_stack) before predicting.
 *
 *   make fuzz && build-fuzz/fuzz/fuzz_linear_model -max_total_time=60 -max_len=70000 DIR
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "featurize.h"
#include "linear.h"
#include "fuzz.h"

static void exercise(const scrm_linear *m, const uint8_t *img, size_t len)
{
	uint32_t K = scrm_linear_nlabels(m);
	CHECK(K >= 2 && K <= SCRM_LINEAR_MAX_K);
	for (uint32_t k = 0; k < K; k++)
		CHECK(scrm_linear_label(m, k) && scrm_linear_label(m, k)[0]);
	uint8_t *b;
	size_t bl;
	CHECK(scrm_linear_serialize(m, &b, &bl) == 0);
	CHECK(bl == len && memcmp(b, img, len) == 0);
	free(b);

	static const uint32_t idx[] = {0, 1, 77, 255, 256, 4095, 65535, 1u << 20, 0xFFFFFFFFu};
	static const float val[] = {1, -1, 0.5f, 3, 1e3f, -2, 0.25f, 1, 1};
	static const uint8_t kind[] = {0, 1, 2, 3, 4, 5, 6, 7, 0};
	scrm_feat_vec v = {.n = 9, .idx = idx, .val = val, .kind = kind, .name = NULL};
	float *p = malloc(K * sizeof *p);
	CHECK(p);
	uint32_t lab;
	scrm_linear_explain ex;
	CHECK(scrm_linear_predict(m, &v, p, &lab, &ex) == 0);
	CHECK(lab < K);
	double sum = 0;
	for (uint32_t k = 0; k < K; k++) {
		CHECK(isfinite(p[k]) && p[k] >= 0 && p[k] <= 1.0001f);
		sum += p[k];
	}
	CHECK(fabs(sum - 1.0) < 1e-3);
	CHECK(ex.n <= SCRM_LINEAR_EXPLAIN_MAX);
	for (uint32_t i = 0; i < ex.n; i++)
		CHECK(!ex.c[i].name || strlen(ex.c[i].name) <= SCRM_LINEAR_NAME_MAX);
	if (scrm_linear_naux(m)) {
		scrm_feat *f;
		CHECK(scrm_feat_create(&f, scrm_linear_feat_opts(m)) == 0);
		scrm_feat_vec fv;
		CHECK(scrm_feat_extract(f, "refund please ok?", 17, NULL, &fv) == 0);
		uint32_t n0 = fv.n, no = scrm_linear_stack_outputs(m);
		float *sc = malloc(no * sizeof *sc);
		CHECK(sc);
		CHECK(scrm_linear_stack(m, f, &fv, sc) == 0);
		CHECK(fv.n <= n0 + no);
		for (uint32_t i = 1; i < fv.n; i++)
			CHECK(fv.idx[i - 1] < fv.idx[i]);
		CHECK(scrm_linear_predict(m, &fv, p, &lab, NULL) == 0 && lab < K);
		free(sc);
		scrm_feat_free(f);
	}
	free(p);
}

/* A version-1 header for D = 8, K labels, T named features, at @b. */
static void header(uint8_t *b, unsigned version, unsigned K, unsigned T)
{
	memcpy(b, "scrmLIN\0", 8);
	b[8] = (uint8_t)version;
	b[12] = 8;                       /* D */
	b[16] = (uint8_t)K;              /* K */
	b[20] = 0x1f;                    /* kinds */
	b[24] = 1, b[25] = 3, b[26] = 5; /* signed, char 3..5 */
	b[28] = 1;                       /* epochs */
	b[52] = (uint8_t)T;              /* T */
}

static void fix_sum(uint8_t *b, size_t n)
{
	uint64_t h = XXH3_64bits(b, n - 8);
	for (int i = 0; i < 8; i++)
		b[n - 8 + i] = (uint8_t)(h >> (8 * i));
}

static void try_load(const uint8_t *data, size_t size)
{
	scrm_linear *m = (scrm_linear *)&m;
	char err[512];
	err[0] = 0;
	int rc = scrm_linear_load_mem(&m, data, size, "fuzz.model", err, sizeof err);
	if (rc < 0) {
		CHECK(rc == -EINVAL || rc == -ENOMEM);
		CHECK(m == NULL);
		CHECK(strncmp(err, "fuzz.model: ", 12) == 0);
		return;
	}
	CHECK(rc == 0 && m);
	exercise(m, data, size);
	scrm_linear_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_load(data, size);
	if (size >= 8 && memcmp(data, "scrmLIN", 8) == 0)
		return 0;
	/* a valid header (D = 8, K from the first input byte) + the input + a good checksum */
	size_t n = 64 + size + 8;
	uint8_t *b = calloc(1, n);
	CHECK(b);
	header(b, 1, size ? 2 + data[0] % 4 : 2, size > 1 ? data[1] % 8 : 0);
	memcpy(b + 64, data, size);
	fix_sum(b, n);
	try_load(b, n);
	free(b);
	if (size < 4)
		return 0;
	/* version 2: header, input[4..cut), the aux entry "a" holding header + input[cut..) +
	 * checksum, then the outer checksum. The outer model has no named features and @cut
	 * is where its names and weights end if the input's length bytes are taken as they
	 * are (so the aux entry lands where the loader looks for it), else a byte of data[2]. */
	unsigned K = 2 + data[0] % 4;
	size_t cut = 4;
	for (unsigned i = 0; i <= K && cut < size; i++)
		cut += 1 + data[cut];
	cut += 4 * (size_t)K + 4 * 256 * (size_t)K;
	if (cut > size)
		cut = 4 + (size - 4) * data[2] / 255;
	size_t inner = 64 + (size - cut) + 8;
	n = 64 + (cut - 4) + 2 + 8 + inner + 8;
	b = calloc(1, n);
	CHECK(b);
	header(b, 2, K, 0);
	b[56] = 1;
	memcpy(b + 64, data + 4, cut - 4);
	uint8_t *q = b + 64 + (cut - 4);
	q[0] = 1;
	q[1] = 'a';
	for (int i = 0; i < 8; i++)
		q[2 + i] = (uint8_t)((uint64_t)inner >> (8 * i));
	uint8_t *in = q + 10;
	header(in, 1, 2 + data[3] % 3, data[3] / 3 % 4);
	memcpy(in + 64, data + cut, size - cut);
	fix_sum(in, inner);
	fix_sum(b, n);
	try_load(b, n);
	free(b);
	return 0;
}
