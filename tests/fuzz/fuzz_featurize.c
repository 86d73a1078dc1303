/*
 * fuzz_featurize.c - libFuzzer target for the feature spec parser and the featurizer
 * (classifiers/featurize.c): the first line is a feature spec (scrm train --features),
 * the rest is the text; a few extras (cue ids, sentiment, reply) come from the input's
 * first bytes. Invariants (a violation traps):
 *   - a spec is accepted (0) or refused (-EINVAL) with a message; an accepted one passes
 *     scrm_feat_opts_check();
 *   - the vector is sorted by index, unique, in range, finite, and names are non-empty;
 *   - without char n-grams no name starts with "c:";
 *   - extracting the same text twice gives the same vector (the scratch is reused);
 *   - appending named entries (scrm_feat_append, as stacking does; names cut from the
 *     text) keeps the vector sorted, unique and finite, with at most that many more.
 *   make fuzz && build-fuzz/fuzz/fuzz_featurize -max_total_time=60 CORPUS_DIR
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "featurize.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t sl = nl ? (size_t)(nl - data) : size;
	if (sl > 256)
		return 0;
	char spec[257];
	memcpy(spec, data, sl);
	spec[sl] = 0;
	if (memchr(spec, 0, sl))
		return 0;
	const char *text = nl ? (const char *)nl + 1 : "";
	size_t tl = nl ? size - sl - 1 : 0;

	scrm_feat_opts o;
	scrm_feat_opts_default(&o);
	char err[256] = "";
	int rc = scrm_feat_opts_parse(spec, &o, err, sizeof err);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		CHECK(err[0] != 0);
		return 0;
	}
	CHECK(scrm_feat_opts_check(&o) == 0);
	if (o.dim_bits > 18)
		o.dim_bits = 18; /* the vector does not depend on it beyond the mask */

	scrm_feat *f;
	CHECK(scrm_feat_create(&f, &o) == 0);
	uint16_t ids[4] = {0};
	size_t nid = 0;
	for (size_t i = 0; i < 4 && i * 2 + 1 < sl; i++)
		ids[nid++] = (uint16_t)(data[2 * i] | data[2 * i + 1] << 8);
	scrm_sentiment s = {0.1, 0.6, 0.3, sl ? (double)(int8_t)data[0] / 128.0 : 0.0};
	scrm_feat_extras x = {.cue_ids = ids, .n_cues = (uint32_t)nid, .sent = &s, .is_reply = (int)(sl % 3) - 1};
	scrm_feat_vec v;
	CHECK(scrm_feat_extract(f, text, tl, &x, &v) == 0);
	uint32_t n = v.n;
	uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
	float *val = malloc((n ? n : 1) * sizeof *val);
	CHECK(idx && val);
	for (uint32_t i = 0; i < n; i++) {
		CHECK(v.idx[i] < (1u << o.dim_bits));
		CHECK(isfinite(v.val[i]));
		CHECK(v.name[i] && v.name[i][0]);
		if (!(o.kinds & SCRM_FEAT_K(SCRM_FEAT_CHAR)))
			CHECK(strncmp(v.name[i], "c:", 2) != 0);
		if (i)
			CHECK(v.idx[i - 1] < v.idx[i]);
		idx[i] = v.idx[i];
		val[i] = v.val[i];
	}
	CHECK(scrm_feat_extract(f, text, tl, &x, &v) == 0);
	CHECK(v.n == n);
	for (uint32_t i = 0; i < n; i++)
		CHECK(v.idx[i] == idx[i] && memcmp(&v.val[i], &val[i], sizeof val[i]) == 0);
	/* three appended entries: names from the text (up to 200 bytes, cut at 150 inside),
	 * the last one an existing feature's name (a merge) */
	char nb[3][201];
	snprintf(nb[2], sizeof nb[2], "%s", n ? v.name[0] : "x:none"); /* a copy: the scratch may move */
	for (int k = 0; k < 2; k++) {
		size_t off = tl ? (size_t)k * tl / 2 : 0, nl = tl - off < 200 ? tl - off : 200;
		memcpy(nb[k], text + off, nl);
		nb[k][nl] = 0;
		if (!nb[k][0])
			nb[k][0] = 'x', nb[k][1] = 0;
	}
	const char *names[3] = {nb[0], nb[1], nb[2]};
	const float vals[3] = {0.5f, -1.25f, 2.0f};
	CHECK(scrm_feat_append(f, &v, SCRM_FEAT_AUX, names, vals, 3) == 0);
	CHECK(v.n <= n + 3);
	for (uint32_t i = 0; i < v.n; i++) {
		CHECK(v.idx[i] < (1u << o.dim_bits) && isfinite(v.val[i]));
		if (i)
			CHECK(v.idx[i - 1] < v.idx[i]);
	}
	free(idx);
	free(val);
	scrm_feat_free(f);
	return 0;
}
