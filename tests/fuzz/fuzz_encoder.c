/*
 * fuzz_encoder.c - libFuzzer target for the sentence encoder (classifiers/encoder.c):
 * its file loader, its tokenizer and its network on arbitrary bytes.
 *
 * Three uses of each input:
 *   1. the input as a whole encoder file image (scrm_encoder_load_mem): 0 or -EINVAL with
 *      a message naming it, never a crash;
 *   2. the input as the vocabulary block of an otherwise well-formed file (header made to
 *      fit, tensors all zero, built once): so the piece parser and the trie get exercised;
 *      when it loads, the input is also tokenized with that vocabulary: every id < 8000,
 *      the same ids twice;
 *   3. with the real encoder file (scripts/fetch-encoder.sh; $SCRM_ENCODER, else
 *      data/encoder/use-lite.bin; skipped when absent), the input as a text: ids < 8000,
 *      and for short inputs whose first byte is a multiple of 32 the 512-d output: finite
 *      and of unit length (the network costs about a second a text under the sanitizers).
 *
 *   make fuzz && build-fuzz/fuzz/fuzz_encoder -max_total_time=60 -max_len=4096 DIR
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encoder.h"
#include "fuzz.h"

#define NPIECES 8000
#define TFLOATS                                                                                         \
	((size_t)8002 * 256 + 128 + 256 * 2 + 256 * 768 + 768 + 256 * 512 + 512 + 256 * 512 + 512 + 512 * 2 + \
	 512 * 1536 + 1536 + 1536 * 512 + 512 + 512 * 2 + 512 * 1536 + 1536 + 512 * 512 + 512 + 512 * 2 +    \
	 512 * 1536 + 1536 + 1536 * 512 + 512 + 512 * 512 + 512)

static uint8_t *img; /* header + vocabulary (room for 64 KiB) + tensors; zero past the header
			between inputs */
static scrm_encoder *real;
static scrm_encoder_ws *ws;
static int real_tried;

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void tokenize_twice(const scrm_encoder *e, const uint8_t *data, size_t size)
{
	uint32_t a[SCRM_ENCODER_MAX_PIECES], b[SCRM_ENCODER_MAX_PIECES];
	size_t na = scrm_encoder_tokenize(e, ws, (const char *)data, size, a, SCRM_ENCODER_MAX_PIECES);
	size_t nb = scrm_encoder_tokenize(e, ws, (const char *)data, size, b, SCRM_ENCODER_MAX_PIECES);
	CHECK(na == nb);
	size_t k = na < SCRM_ENCODER_MAX_PIECES ? na : SCRM_ENCODER_MAX_PIECES;
	CHECK(memcmp(a, b, k * sizeof a[0]) == 0);
	for (size_t i = 0; i < k; i++)
		CHECK(a[i] < NPIECES);
	CHECK(na <= size + 1); /* at most one piece per code point, plus the leading U+2581 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	scrm_encoder *e = NULL;
	if (!ws)
		CHECK((ws = scrm_encoder_ws_create()) != NULL);
	/* 1 */
	int rc = scrm_encoder_load_mem(&e, data, size, "fuzz.bin", err, sizeof err);
	CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	CHECK(rc == 0 || (e == NULL && strncmp(err, "fuzz.bin: ", 10) == 0));
	scrm_encoder_free(e);
	/* 2 */
	if (size <= 65536) {
		if (!img)
			CHECK((img = calloc(1, 24 + 65536 + TFLOATS * 4)) != NULL);
		size_t vb = (size + 3) & ~(size_t)3;
		memcpy(img, "SCRMUSE1", 8);
		put32(img + 8, 1);
		put32(img + 12, NPIECES);
		put32(img + 16, (uint32_t)vb);
		put32(img + 20, (uint32_t)(TFLOATS * 4));
		memcpy(img + 24, data, size);
		memset(img + 24 + size, 0, vb - size);
		e = NULL;
		rc = scrm_encoder_load_mem(&e, img, 24 + vb + TFLOATS * 4, "fuzz.bin", err, sizeof err);
		CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
		if (rc == 0)
			tokenize_twice(e, data, size);
		scrm_encoder_free(e);
		memset(img + 24, 0, vb); /* all zero again past the header, as the tensors must be */
	}
	/* 3 */
	if (!real_tried) {
		real_tried = 1;
		const char *p = getenv("SCRM_ENCODER");
		if (scrm_encoder_load(&real, p && *p ? p : "data/encoder/use-lite.bin", err, sizeof err) != 0)
			real = NULL;
	}
	if (real) {
		tokenize_twice(real, data, size);
		if (size && size <= 200 && (data[0] & 31) == 0) { /* the network is slow under ASan */
			float v[SCRM_ENCODER_DIM];
			CHECK(scrm_encoder_embed(real, ws, (const char *)data, size, v) == 0);
			double s = 0;
			for (int i = 0; i < SCRM_ENCODER_DIM; i++) {
				CHECK(isfinite(v[i]));
				s += (double)v[i] * v[i];
			}
			CHECK(fabs(s - 1) < 1e-3);
			/* through a recent-outputs cache of 4 slots kept across inputs: a hit gives
			 * the bytes just computed, whatever the slot held before */
			static scrm_encoder_cache *recent;
			if (!recent)
				CHECK((recent = scrm_encoder_cache_create_recent(4)) != NULL);
			float u[SCRM_ENCODER_DIM];
			for (int k = 0; k < 2; k++) {
				CHECK(scrm_encoder_embed_cached(real, ws, recent, (const char *)data, size, u) == 0);
				CHECK(memcmp(u, v, sizeof v) == 0);
			}
		}
	}
	return 0;
}
