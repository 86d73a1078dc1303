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
 * variable part and the weights get exercised.
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
	free(p);
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
	memcpy(b, "scrmLIN\0", 8);
	b[8] = 1;                              /* version */
	b[12] = 8;                             /* D */
	b[16] = size ? 2 + data[0] % 4 : 2;    /* K */
	b[20] = 0x1f;                          /* kinds */
	b[24] = 1, b[25] = 3, b[26] = 5;       /* signed, char 3..5 */
	b[28] = 1;                             /* epochs */
	b[52] = size > 1 ? data[1] % 8 : 0;    /* T */
	memcpy(b + 64, data, size);
	uint64_t h = XXH3_64bits(b, n - 8);
	for (int i = 0; i < 8; i++)
		b[n - 8 + i] = (uint8_t)(h >> (8 * i));
	try_load(b, n);
	free(b);
	return 0;
}
