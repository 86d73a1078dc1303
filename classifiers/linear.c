/*
 * linear.c - softmax regression over hashed features: training (AdaGrad SGD), prediction
 * with an explanation, and the model file.
 *
 * MODEL FILE FORMAT, versions 1, 2 and 3. All integers are unsigned little-endian, floats are
 * IEEE-754 binary32 little-endian; there is no padding anywhere.
 *
 *   offset  size  field
 *   ------  ----  -----------------------------------------------------------------
 *        0     8  magic: the bytes 73 63 72 6D 4C 49 4E 00 ("scrmLIN\0")
 *        8     4  version: 1, or 2 for a model with auxiliary models (linear.h), or 3
 *                 for a model with sentence-encoder features (with or without them)
 *       12     4  D: dimension bits; the feature space has 2^D slots; 8 <= D <= 24
 *       16     4  K: number of labels; 2 <= K <= 1024; 2^D x K <= 2^28
 *       20     4  feature kinds: bit mask of scrm_feat_kind (featurize.h), bits 0..7 only
 *       24     1  signed hashing: 0 or 1
 *       25     1  char n-gram min length (code points)   \ 1 <= min <= max <= 8 when the
 *       26     1  char n-gram max length (code points)   / char kind (bit 2) is set
 *       27     1  balanced class weights: 0 or 1
 *       28     4  epochs                                 \
 *       32     4  learning rate (f32)                     | training hyperparameters,
 *       36     4  L2 strength (f32)                       | informational (the weights
 *       40     8  shuffle seed (u64)                      | below are what predicts)
 *       48     4  number of training samples             /
 *       52     4  T: entries in the named-feature table; T <= K x 24
 *       56     4  version 1: zero; version 2: A, the number of auxiliary models, 1..8;
 *                 version 3: A, 0..8
 *       60     4  versions 1 and 2: zero; version 3: the encoder features' scale (f32,
 *                 finite, > 0): the encoder's output times it is appended to every vector
 *       64        variable part, in this order:
 *                 task name:        1 byte length L (0..255), L bytes
 *                 K label names:    each 1 byte length L (1..255), L bytes
 *                 T table entries:  4 label (< K), 4 feature index (< 2^D),
 *                                   4 weight (f32: what the feature adds to the label's
 *                                   logit at value 1, i.e. the weight times its hash
 *                                   sign), 1 byte name length L (1..255),
 *                                   L bytes of the feature string
 *                 K biases (f32), label order
 *                 2^D x K weights (f32), feature-major: the weight of feature i for
 *                                   label k is entry i*K + k
 *                 versions 2 and 3, A auxiliary models, each:
 *                                   1 byte name length L (1..31), L bytes of name
 *                                   (a-z 0-9 _ -, distinct), 8 byte image length N,
 *                                   N bytes: a whole version-1 model file (its own
 *                                   checksum), with this model's D, signed hashing,
 *                                   feature kinds and char n-gram lengths
 *                 version 3 only: 8 bytes, the digest of the encoder file the model was
 *                                   trained with (encoder.h: scrm_encoder_digest(), nonzero)
 *                 8 checksum: XXH3_64bits (seed 0) of every byte before it
 *   The file ends right after the checksum. Names hold no NUL byte; label names are
 *   distinct. Every float must be finite.
 *
 * The named-feature table is the only place feature strings survive (a hashed index
 * cannot be turned back into text): for each label, its strongest positive weights whose
 * feature string was seen in training, strongest first. It is for explaining a model;
 * predict() names a vector's own features from the vector.
 *
 * A loader checks, in this order: enough bytes for the 64-byte header (after the magic,
 * if 8 bytes are there), magic, version, the header's ranges, the variable part's
 * lengths, the exact total size implied by D and K, the checksum, then each name and
 * weight. Any failure is -EINVAL with "NAME: what [at offset N]"; nothing is trusted
 * before it is checked, so a hostile file cannot make it read out of bounds or allocate
 * more than the file's own size (fuzzed: tests/fuzz/fuzz_linear_model.c).
 */
#include "linear.h"
#include "le.h"
#include "buf.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#define HEADER_SIZE 64
#define MAGIC "scrmLIN\0"
#define MAX_CELLS (1u << 28) /* 2^D x K */
#define LOGITS_AHEAD 8
#define AUX_XNAME_MAX SCRM_FEAT_APPEND_NAME_MAX /* bytes of an auxiliary feature's name */

typedef struct top_ent {
	uint32_t label, idx;
	float weight;
	char *name; /* into the model's string arena */
} top_ent;

struct scrm_linear {
	scrm_linear_opts o; /* o.task points at task[] */
	char task[SCRM_LINEAR_NAME_MAX + 1];
	uint32_t K, n_train;
	uint32_t dim; /* 2^D */
	char **label;
	float *bias;   /* K */
	float *w;      /* dim x K */
	top_ent *top;  /* grouped by label, strongest first */
	uint32_t n_top;
	char *strs; /* label and feature names */
	uint32_t n_aux;
	struct aux_ent {
		char name[SCRM_LINEAR_AUX_NAME_MAX + 1];
		scrm_linear *m;
		uint64_t img_hash; /* XXH3-64 of its version-1 file image (which serializing it
				      gives back: the format has one encoding) */
		char *xarena; /* the feature names "x:NAME=LABEL", one per label */
	} aux[SCRM_LINEAR_MAX_AUX];
	uint32_t n_aux_out;      /* sum of the auxiliary models' K */
	uint64_t enc_digest;     /* the sentence encoder's (encoder.h); 0: no encoder features */
	float enc_scale;
	const char **aux_names; /* n_aux_out: every auxiliary model's feature names, in order */
};

void scrm_linear_opts_default(scrm_linear_opts *o)
{
	memset(o, 0, sizeof *o);
	/* chosen by 5-fold cross-validation on the intent-scrm and complaints dev files
	 * (text features only; tests/test_linear.c prints the figures) */
	o->epochs = 8;
	o->learning_rate = 0.1f;
	o->l2 = 1e-3f;
	o->seed = 1;
	o->balanced = 1;
	o->task = "";
	scrm_feat_opts_default(&o->feat);
}

void scrm_linear_free(scrm_linear *m)
{
	if (!m)
		return;
	free(m->label);
	free(m->bias);
	free(m->w);
	free(m->top);
	free(m->strs);
	for (uint32_t i = 0; i < m->n_aux; i++) {
		scrm_linear_free(m->aux[i].m);
		free(m->aux[i].xarena);
	}
	free(m->aux_names);
	free(m);
}

uint32_t scrm_linear_nlabels(const scrm_linear *m)
{
	return m->K;
}

const char *scrm_linear_label(const scrm_linear *m, uint32_t k)
{
	return k < m->K ? m->label[k] : NULL;
}

int scrm_linear_label_index(const scrm_linear *m, const char *name)
{
	for (uint32_t k = 0; k < m->K; k++)
		if (strcmp(m->label[k], name) == 0)
			return (int)k;
	return -1;
}

const char *scrm_linear_task(const scrm_linear *m)
{
	return m->task;
}

const scrm_linear_opts *scrm_linear_options(const scrm_linear *m)
{
	return &m->o;
}

const scrm_feat_opts *scrm_linear_feat_opts(const scrm_linear *m)
{
	return &m->o.feat;
}

int scrm_linear_set_encoder(scrm_linear *m, uint64_t digest, float scale)
{
	if (!m || (digest && !(isfinite(scale) && scale > 0)))
		return -EINVAL;
	m->enc_digest = digest;
	m->enc_scale = digest ? scale : 0;
	return 0;
}

uint64_t scrm_linear_encoder(const scrm_linear *m, float *scale)
{
	if (scale)
		*scale = m ? m->enc_scale : 0;
	return m ? m->enc_digest : 0;
}

uint32_t scrm_linear_naux(const scrm_linear *m)
{
	return m->n_aux;
}

const scrm_linear *scrm_linear_aux(const scrm_linear *m, uint32_t i, const char **name)
{
	if (i >= m->n_aux)
		return NULL;
	if (name)
		*name = m->aux[i].name;
	return m->aux[i].m;
}

int scrm_linear_aux_name_check(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > SCRM_LINEAR_AUX_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return -EINVAL;
	}
	return 0;
}

/* 0 if @a's features can be read off @m's vectors: the same dimension, hashing and
 * feature kinds; else -EINVAL with why. */
static int aux_fits(const scrm_linear *m, const scrm_linear *a, const char *name, char *err, size_t errlen)
{
	const scrm_feat_opts *x = &m->o.feat, *y = &a->o.feat;
	if (x->dim_bits != y->dim_bits || x->signed_hash != y->signed_hash || x->kinds != y->kinds ||
	    ((x->kinds & SCRM_FEAT_K(SCRM_FEAT_CHAR)) && (x->char_min != y->char_min || x->char_max != y->char_max))) {
		scrm_set_err(err, errlen,
			     "auxiliary model '%s' was trained with other features (dim 2^%u, kinds 0x%x, chars %u-%u) "
			     "than this model (dim 2^%u, kinds 0x%x, chars %u-%u): train both with the same --features",
			     name, y->dim_bits, y->kinds, y->char_min, y->char_max, x->dim_bits, x->kinds, x->char_min,
			     x->char_max);
		return -EINVAL;
	}
	return 0;
}

static int load_image(scrm_linear **out, const void *data, size_t len, const char *name, int nested, char *err,
		      size_t errlen);
static int model_new(scrm_linear **out, uint32_t D, uint32_t K, const char *const *labels, const char *task);

int scrm_linear_add_aux(scrm_linear *m, const char *name, const void *image, size_t len, char *err, size_t errlen)
{
	if (!m || !image) {
		scrm_set_err(err, errlen, "no model or image");
		return -EINVAL;
	}
	if (scrm_linear_aux_name_check(name)) {
		scrm_set_err(err, errlen, "auxiliary model name '%s': 1..%d bytes of a-z 0-9 _ -", name ? name : "",
			     SCRM_LINEAR_AUX_NAME_MAX);
		return -EINVAL;
	}
	if (m->n_aux == SCRM_LINEAR_MAX_AUX) {
		scrm_set_err(err, errlen, "more than %d auxiliary models", SCRM_LINEAR_MAX_AUX);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < m->n_aux; i++)
		if (strcmp(m->aux[i].name, name) == 0) {
			scrm_set_err(err, errlen, "auxiliary model name '%s' given twice", name);
			return -EINVAL;
		}
	scrm_linear *a;
	char what[SCRM_LINEAR_AUX_NAME_MAX + 24];
	snprintf(what, sizeof what, "auxiliary model '%s'", name);
	int rc = load_image(&a, image, len, what, 1, err, errlen);
	if (rc)
		return rc;
	if ((rc = aux_fits(m, a, name, err, errlen))) {
		scrm_linear_free(a);
		return rc;
	}
	/* the features' names: "x:" NAME "=" LABEL, at most AUX_XNAME_MAX bytes (a long
	 * label is cut: the name is only hashed and shown) */
	char *arena = malloc((size_t)a->K * (AUX_XNAME_MAX + 1));
	const char **xn = realloc(m->aux_names, (m->n_aux_out + a->K) * sizeof *xn);
	if (xn)
		m->aux_names = xn;
	if (!arena || !xn) {
		free(arena);
		scrm_linear_free(a);
		scrm_set_err(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < a->K; k++) {
		char *d = arena + (size_t)k * (AUX_XNAME_MAX + 1);
		snprintf(d, AUX_XNAME_MAX + 1, "x:%s=%s", name, a->label[k]);
		xn[m->n_aux_out + k] = d;
	}
	struct aux_ent *e = &m->aux[m->n_aux++];
	snprintf(e->name, sizeof e->name, "%s", name);
	e->m = a;
	e->img_hash = XXH3_64bits(image, len);
	e->xarena = arena;
	m->n_aux_out += a->K;
	return 0;
}

int scrm_linear_create_empty(scrm_linear **out, const scrm_feat_opts *fo)
{
	static const char *const two[2] = {"a", "b"};
	if (!out || !fo || scrm_feat_opts_check(fo) < 0)
		return -EINVAL;
	int rc = model_new(out, fo->dim_bits, 2, two, "");
	if (rc)
		return rc;
	scrm_linear_opts_default(&(*out)->o);
	(*out)->o.feat = *fo;
	(*out)->o.task = (*out)->task;
	return 0;
}

int scrm_linear_move_aux(scrm_linear *dst, scrm_linear *src, char *err, size_t errlen)
{
	if (dst->n_aux + src->n_aux > SCRM_LINEAR_MAX_AUX) {
		scrm_set_err(err, errlen, "more than %d auxiliary models", SCRM_LINEAR_MAX_AUX);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < src->n_aux; i++) {
		int rc = aux_fits(dst, src->aux[i].m, src->aux[i].name, err, errlen);
		for (uint32_t j = 0; !rc && j < dst->n_aux; j++)
			if (strcmp(dst->aux[j].name, src->aux[i].name) == 0) {
				scrm_set_err(err, errlen, "auxiliary model name '%s' given twice", src->aux[i].name);
				rc = -EINVAL;
			}
		if (rc)
			return rc;
	}
	const char **xn = realloc(dst->aux_names, (dst->n_aux_out + src->n_aux_out) * sizeof *xn);
	if (!xn) {
		scrm_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	dst->aux_names = xn;
	memcpy(xn + dst->n_aux_out, src->aux_names, src->n_aux_out * sizeof *xn); /* into the moved arenas */
	memcpy(dst->aux + dst->n_aux, src->aux, src->n_aux * sizeof src->aux[0]);
	dst->n_aux += src->n_aux;
	dst->n_aux_out += src->n_aux_out;
	src->n_aux = src->n_aux_out = 0;
	return 0;
}

uint64_t scrm_linear_aux_digest(const scrm_linear *m)
{
	if (!m->n_aux)
		return 0;
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		return 0;
	XXH3_64bits_reset(st);
	for (uint32_t i = 0; i < m->n_aux; i++) {
		XXH3_64bits_update(st, m->aux[i].name, strlen(m->aux[i].name) + 1);
		XXH3_64bits_update(st, &m->aux[i].img_hash, sizeof m->aux[i].img_hash);
	}
	uint64_t h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h | 1; /* never 0, the digest of "none" */
}

uint32_t scrm_linear_stack_outputs(const scrm_linear *m)
{
	return m->n_aux_out;
}

int scrm_linear_stack(const scrm_linear *m, scrm_feat *f, scrm_feat_vec *v, float *scratch)
{
	if (!m->n_aux)
		return 0;
	/* every auxiliary model reads the vector as extracted, then all their outputs are
	 * appended at once */
	uint32_t o = 0;
	for (uint32_t i = 0; i < m->n_aux; i++) {
		const scrm_linear *a = m->aux[i].m;
		int rc = scrm_linear_predict(a, v, scratch + o, NULL, NULL);
		if (rc)
			return rc;
		o += a->K;
	}
	for (uint32_t j = 0; j < o; j++)
		scratch[j] *= SCRM_LINEAR_AUX_SCALE;
	return scrm_feat_append(f, v, SCRM_FEAT_AUX, m->aux_names, scratch, o);
}

/* ---- training ---- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Logits that overflowed (a model file's weights may be any finite floats): +inf ones
 * share the probability; NaN (inf - inf) and -inf ones get none; none finite and none
 * +inf: uniform. */
static void softmax_nonfinite(float *z, uint32_t K)
{
	uint32_t pinf = 0, fin = 0;
	float mx = -INFINITY;
	for (uint32_t k = 0; k < K; k++) {
		pinf += z[k] == INFINITY;
		if (isfinite(z[k])) {
			fin++;
			if (z[k] > mx)
				mx = z[k];
		}
	}
	double sum = 0;
	for (uint32_t k = 0; k < K; k++) {
		z[k] = pinf ? (z[k] == INFINITY ? 1.0f : 0.0f) : !fin ? 1.0f : isfinite(z[k]) ? expf(z[k] - mx) : 0.0f;
		sum += z[k];
	}
	for (uint32_t k = 0; k < K; k++)
		z[k] = (float)(z[k] / sum);
}

/* Softmax of K logits in place (max-shifted). */
static void softmax(float *z, uint32_t K)
{
	float mx = z[0];
	int finite = isfinite(z[0]);
	for (uint32_t k = 1; k < K; k++) {
		finite &= isfinite(z[k]);
		if (z[k] > mx)
			mx = z[k];
	}
	if (!finite) {
		softmax_nonfinite(z, K);
		return;
	}
	double sum = 0;
	for (uint32_t k = 0; k < K; k++) {
		z[k] = expf(z[k] - mx);
		sum += z[k];
	}
	float inv = (float)(1.0 / sum);
	for (uint32_t k = 0; k < K; k++)
		z[k] *= inv;
}

static void logits(const scrm_linear *m, const scrm_feat_vec *v, float *z)
{
	const uint32_t K = m->K;
	memcpy(z, m->bias, K * sizeof(float));
	for (uint32_t j = 0; j < v->n; j++) {
		/* the rows are scattered over 2^D x K floats: ask for one a few entries ahead */
		if (j + LOGITS_AHEAD < v->n && v->idx[j + LOGITS_AHEAD] < m->dim)
			__builtin_prefetch(m->w + (size_t)v->idx[j + LOGITS_AHEAD] * K);
		if (v->idx[j] >= m->dim)
			continue;
		const float *wr = m->w + (size_t)v->idx[j] * K;
		const float x = v->val[j];
		for (uint32_t k = 0; k < K; k++)
			z[k] += x * wr[k];
	}
}

/* Does top entry a rank before b (for one label)? weight desc, then idx asc. */
static int top_before(const top_ent *a, const top_ent *b)
{
	return a->weight > b->weight || (a->weight == b->weight && a->idx < b->idx);
}

/* Keep the strongest named positive weights of each label (see the format comment). */
static int build_top(scrm_linear *m, const scrm_feat_set *set)
{
	const uint32_t K = m->K, P = SCRM_LINEAR_TOP_PER_LABEL;
	top_ent *t = calloc((size_t)K * P, sizeof *t);
	uint32_t *cnt = calloc(K, sizeof *cnt);
	const char **nm = calloc((size_t)K * P, sizeof *nm);
	if (!t || !cnt || !nm)
		goto nomem;
	for (uint32_t i = 0; i < m->dim; i++) {
		const char *name = scrm_feat_set_name(set, i);
		if (!name || !name[0])
			continue;
		/* with signed hashing the feature enters as -value when bit 63 of its hash is set */
		float sign = m->o.feat.signed_hash && (XXH3_64bits(name, strlen(name)) >> 63) ? -1.0f : 1.0f;
		for (uint32_t k = 0; k < K; k++) {
			top_ent e = {.label = k, .idx = i, .weight = sign * m->w[(size_t)i * K + k]};
			if (!(e.weight > 0))
				continue;
			top_ent *row = t + (size_t)k * P;
			const char **nrow = nm + (size_t)k * P;
			if (cnt[k] == P && !top_before(&e, &row[P - 1]))
				continue;
			uint32_t pos = cnt[k] < P ? cnt[k]++ : P - 1;
			while (pos > 0 && top_before(&e, &row[pos - 1])) {
				row[pos] = row[pos - 1];
				nrow[pos] = nrow[pos - 1];
				pos--;
			}
			row[pos] = e;
			nrow[pos] = name;
		}
	}
	/* compact, and copy the names into one arena after the label names */
	size_t total = 0, n = 0, old = 0;
	for (uint32_t k = 0; k < K; k++)
		for (uint32_t j = 0; j < cnt[k]; j++) {
			size_t l = strlen(nm[(size_t)k * P + j]);
			total += (l > SCRM_LINEAR_NAME_MAX ? SCRM_LINEAR_NAME_MAX : l) + 1;
		}
	for (uint32_t k = 0; k < K; k++)
		old += strlen(m->label[k]) + 1;
	char *arena = malloc(old + total + 1);
	if (!arena)
		goto nomem;
	memcpy(arena, m->strs, old);
	for (uint32_t k = 0; k < K; k++) /* re-point the labels into the new arena */
		m->label[k] = arena + (m->label[k] - m->strs);
	free(m->strs);
	m->strs = arena;
	char *p = arena + old;
	for (uint32_t k = 0; k < K; k++)
		for (uint32_t j = 0; j < cnt[k]; j++) {
			const char *s = nm[(size_t)k * P + j];
			size_t l = strlen(s);
			if (l > SCRM_LINEAR_NAME_MAX)
				l = SCRM_LINEAR_NAME_MAX;
			memcpy(p, s, l);
			p[l] = 0;
			t[n] = t[(size_t)k * P + j];
			t[n].name = p;
			p += l + 1;
			n++;
		}
	m->top = t;
	m->n_top = (uint32_t)n;
	free(cnt);
	free(nm);
	return 0;
nomem:
	free(t);
	free(cnt);
	free(nm);
	return -ENOMEM;
}

static int check_name(const char *s, const char *what, char *err, size_t errlen, int allow_empty)
{
	size_t l = s ? strlen(s) : 0;
	if (!s || (!allow_empty && l == 0) || l > SCRM_LINEAR_NAME_MAX) {
		scrm_set_err(err, errlen, "%s must be %s1..%d bytes", what, allow_empty ? "0 or " : "",
			SCRM_LINEAR_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

/* A model shell with K labels copied in and zeroed weights. */
static int model_new(scrm_linear **out, uint32_t D, uint32_t K, const char *const *labels, const char *task)
{
	scrm_linear *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->K = K;
	m->dim = 1u << D;
	size_t sl = 0;
	for (uint32_t k = 0; k < K; k++)
		sl += strlen(labels[k]) + 1;
	m->label = malloc(K * sizeof(char *));
	m->strs = malloc(sl);
	m->bias = calloc(K, sizeof(float));
	m->w = calloc((size_t)m->dim * K, sizeof(float));
	if (!m->label || !m->strs || !m->bias || !m->w) {
		scrm_linear_free(m);
		return -ENOMEM;
	}
	char *p = m->strs;
	for (uint32_t k = 0; k < K; k++) {
		size_t l = strlen(labels[k]);
		memcpy(p, labels[k], l + 1);
		m->label[k] = p;
		p += l + 1;
	}
	snprintf(m->task, sizeof m->task, "%s", task);
	*out = m;
	return 0;
}

int scrm_linear_train(scrm_linear **out, const scrm_feat_set *set, const uint32_t *rows, size_t n,
		      const uint32_t *labels, const char *const *label_names, uint32_t K,
		      const scrm_linear_opts *opts, char *err, size_t errlen)
{
	if (out)
		*out = NULL;
	if (!out || !set || !labels || !label_names || !opts) {
		scrm_set_err(err, errlen, "train: NULL argument");
		return -EINVAL;
	}
	const scrm_feat_opts *fo = &opts->feat;
	if (scrm_feat_opts_check(fo) < 0 || fo->dim_bits != scrm_feat_set_dim_bits(set)) {
		scrm_set_err(err, errlen, "train: bad feature options or dimension (%u bits) unlike the samples' (%u)",
			(unsigned)fo->dim_bits, scrm_feat_set_dim_bits(set));
		return -EINVAL;
	}
	if (K < 2 || K > SCRM_LINEAR_MAX_K || ((uint64_t)1 << fo->dim_bits) * K > MAX_CELLS) {
		scrm_set_err(err, errlen, "train: %u labels (2..%d, and 2^D x K <= 2^28)", K, SCRM_LINEAR_MAX_K);
		return -EINVAL;
	}
	if (n == 0 || n > UINT32_MAX || opts->epochs == 0 || opts->epochs > 100000 ||
	    !(opts->learning_rate > 0) || !isfinite(opts->learning_rate) || !(opts->l2 >= 0) ||
	    !isfinite(opts->l2) || opts->balanced > 1) {
		scrm_set_err(err, errlen, "train: need samples, 1..100000 epochs, a positive learning rate, l2 >= 0");
		return -EINVAL;
	}
	if (check_name(opts->task, "task name", err, errlen, 1) < 0)
		return -EINVAL;
	for (uint32_t k = 0; k < K; k++) {
		if (check_name(label_names[k], "label name", err, errlen, 0) < 0)
			return -EINVAL;
		for (uint32_t j = 0; j < k; j++)
			if (strcmp(label_names[j], label_names[k]) == 0) {
				scrm_set_err(err, errlen, "train: label \"%s\" given twice", label_names[k]);
				return -EINVAL;
			}
	}
	size_t nset = scrm_feat_set_count(set);
	for (size_t i = 0; i < n; i++) {
		if (labels[i] >= K || (rows ? rows[i] : i) >= nset) {
			scrm_set_err(err, errlen, "train: sample %zu: label %u or row out of range", i, labels[i]);
			return -EINVAL;
		}
	}

	scrm_linear *m = NULL;
	int rc = model_new(&m, fo->dim_bits, K, label_names, opts->task);
	if (rc < 0)
		return rc;
	m->o = *opts;
	m->o.task = m->task;
	m->n_train = (uint32_t)n;

	rc = -ENOMEM;
	float *G = calloc((size_t)m->dim * K, sizeof(float));
	float *Gb = calloc(K, sizeof(float));
	float *z = malloc(K * sizeof(float));
	float *cw = malloc(K * sizeof(float));
	uint32_t *order = malloc(n * sizeof(uint32_t));
	if (!G || !Gb || !z || !cw || !order)
		goto out;

	/* class weights: n / (K * n_k) when balanced */
	for (uint32_t k = 0; k < K; k++)
		cw[k] = 0;
	for (size_t i = 0; i < n; i++)
		cw[labels[i]] += 1;
	for (uint32_t k = 0; k < K; k++)
		cw[k] = opts->balanced ? (cw[k] > 0 ? (float)n / ((float)K * cw[k]) : 0.0f) : 1.0f;

	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	uint64_t rng = opts->seed;
	const float lr = opts->learning_rate, l2 = opts->l2, eps = 1e-6f;
	for (uint32_t ep = 0; ep < opts->epochs; ep++) {
		for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t j = (size_t)(splitmix64(&rng) % (i + 1));
			uint32_t t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (size_t s = 0; s < n; s++) {
			uint32_t i = order[s];
			scrm_feat_vec v;
			scrm_feat_set_get(set, rows ? rows[i] : i, &v);
			logits(m, &v, z);
			softmax(z, K);
			const float wgt = cw[labels[i]];
			for (uint32_t k = 0; k < K; k++) /* dL/dz_k */
				z[k] = (z[k] - (k == labels[i] ? 1.0f : 0.0f)) * wgt;
			for (uint32_t k = 0; k < K; k++) {
				Gb[k] += z[k] * z[k];
				m->bias[k] -= lr * z[k] / (sqrtf(Gb[k]) + eps);
			}
			for (uint32_t j = 0; j < v.n; j++) {
				float *wr = m->w + (size_t)v.idx[j] * K, *gr = G + (size_t)v.idx[j] * K;
				const float x = v.val[j];
				for (uint32_t k = 0; k < K; k++) {
					float g = z[k] * x + l2 * wr[k];
					gr[k] += g * g;
					wr[k] -= lr * g / (sqrtf(gr[k]) + eps);
				}
			}
		}
	}
	rc = build_top(m, set);
out:
	free(G);
	free(Gb);
	free(z);
	free(cw);
	free(order);
	if (rc < 0) {
		scrm_linear_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* ---- prediction ---- */

static const char *table_name(const scrm_linear *m, uint32_t idx)
{
	for (uint32_t t = 0; t < m->n_top; t++)
		if (m->top[t].idx == idx)
			return m->top[t].name;
	return NULL;
}

int scrm_linear_predict(const scrm_linear *m, const scrm_feat_vec *v, float *probs, uint32_t *label,
			scrm_linear_explain *ex)
{
	if (!m || !v || !probs)
		return -EINVAL;
	const uint32_t K = m->K;
	logits(m, v, probs);
	softmax(probs, K);
	uint32_t best = 0;
	for (uint32_t k = 1; k < K; k++)
		if (probs[k] > probs[best])
			best = k;
	if (label)
		*label = best;
	if (!ex)
		return 0;
	ex->n = 0;
	ex->bias = m->bias[best];
	/* one test per entry against what a new contribution must beat: 0 until the list is
	 * full, then its weakest (most entries fall below it: a branch that predicts well,
	 * where "c > 0" alone is a coin toss) */
	float thr = 0;
	for (uint32_t j = 0; j < v->n; j++) {
		if (v->idx[j] >= m->dim)
			continue;
		float c = v->val[j] * m->w[(size_t)v->idx[j] * K + best];
		if (!(c > thr))
			continue;
		uint32_t pos = ex->n < SCRM_LINEAR_EXPLAIN_MAX ? ex->n++ : SCRM_LINEAR_EXPLAIN_MAX - 1;
		while (pos > 0 && c > ex->c[pos - 1].weight) {
			ex->c[pos] = ex->c[pos - 1];
			pos--;
		}
		ex->c[pos] = (scrm_linear_contrib){
			.idx = v->idx[j], .kind = v->kind ? v->kind[j] : 0, .weight = c, .name = NULL};
		ex->c[pos].name = v->name ? v->name[j] : NULL; /* resolved below if NULL */
		if (ex->n == SCRM_LINEAR_EXPLAIN_MAX)
			thr = ex->c[SCRM_LINEAR_EXPLAIN_MAX - 1].weight;
	}
	for (uint32_t i = 0; i < ex->n; i++)
		if (!ex->c[i].name)
			ex->c[i].name = table_name(m, ex->c[i].idx);
	return 0;
}

uint32_t scrm_linear_top_features(const scrm_linear *m, uint32_t k, scrm_linear_contrib *out, uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t t = 0; t < m->n_top && n < max; t++) {
		if (m->top[t].label != k)
			continue;
		out[n++] = (scrm_linear_contrib){.idx = m->top[t].idx, .weight = m->top[t].weight,
						 .name = m->top[t].name, .kind = 0};
		/* the kind is in the name's prefix ("w:", "c:" ...); 0 here */
	}
	return n;
}

/* ---- the file ---- */

static void put_f32(uint8_t *p, float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	scrm_le_put32(p, u);
}

static float get_f32(const uint8_t *p)
{
	uint32_t u = scrm_le_get32(p);
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static uint8_t *put_name(uint8_t *p, const char *s)
{
	size_t l = strlen(s);
	assert(l <= SCRM_LINEAR_NAME_MAX);
	*p++ = (uint8_t)l;
	memcpy(p, s, l);
	return p + l;
}

int scrm_linear_serialize(const scrm_linear *m, uint8_t **buf, size_t *len)
{
	const uint32_t K = m->K;
	size_t size = HEADER_SIZE + 1 + strlen(m->task);
	for (uint32_t k = 0; k < K; k++)
		size += 1 + strlen(m->label[k]);
	for (uint32_t t = 0; t < m->n_top; t++)
		size += 13 + strlen(m->top[t].name);
	size += 4 * (size_t)K + 4 * (size_t)m->dim * K + 8 + (m->enc_digest ? 8 : 0);
	uint8_t *img[SCRM_LINEAR_MAX_AUX] = {0};
	size_t img_len[SCRM_LINEAR_MAX_AUX] = {0};
	for (uint32_t i = 0; i < m->n_aux; i++) {
		if (scrm_linear_serialize(m->aux[i].m, &img[i], &img_len[i])) {
			for (uint32_t j = 0; j < i; j++)
				free(img[j]);
			return -ENOMEM;
		}
		size += 1 + strlen(m->aux[i].name) + 8 + img_len[i];
	}
	uint8_t *b = calloc(1, size), *p = b;
	if (!b) {
		for (uint32_t i = 0; i < m->n_aux; i++)
			free(img[i]);
		return -ENOMEM;
	}
	const scrm_linear_opts *o = &m->o;
	memcpy(p, MAGIC, 8);
	/* version 1 unless there are auxiliary models: a model without them is the same file
	 * as before version 2 existed */
	scrm_le_put32(p + 8, m->enc_digest ? 3 : m->n_aux ? 2 : 1);
	scrm_le_put32(p + 12, o->feat.dim_bits);
	scrm_le_put32(p + 16, K);
	scrm_le_put32(p + 20, o->feat.kinds);
	p[24] = o->feat.signed_hash;
	p[25] = o->feat.char_min;
	p[26] = o->feat.char_max;
	p[27] = (uint8_t)o->balanced;
	scrm_le_put32(p + 28, o->epochs);
	put_f32(p + 32, o->learning_rate);
	put_f32(p + 36, o->l2);
	scrm_le_put64(p + 40, o->seed);
	scrm_le_put32(p + 48, m->n_train);
	scrm_le_put32(p + 52, m->n_top);
	scrm_le_put32(p + 56, m->n_aux);
	if (m->enc_digest)
		put_f32(p + 60, m->enc_scale);
	p += HEADER_SIZE; /* else 60..63 stay zero */
	p = put_name(p, m->task);
	for (uint32_t k = 0; k < K; k++)
		p = put_name(p, m->label[k]);
	for (uint32_t t = 0; t < m->n_top; t++) {
		scrm_le_put32(p, m->top[t].label);
		scrm_le_put32(p + 4, m->top[t].idx);
		put_f32(p + 8, m->top[t].weight);
		p = put_name(p + 12, m->top[t].name);
	}
	for (uint32_t k = 0; k < K; k++, p += 4)
		put_f32(p, m->bias[k]);
	const size_t cells = (size_t)m->dim * K;
	for (size_t i = 0; i < cells; i++, p += 4)
		put_f32(p, m->w[i]);
	for (uint32_t i = 0; i < m->n_aux; i++) {
		p = put_name(p, m->aux[i].name);
		scrm_le_put64(p, img_len[i]);
		memcpy(p + 8, img[i], img_len[i]);
		p += 8 + img_len[i];
		free(img[i]);
	}
	if (m->enc_digest) {
		scrm_le_put64(p, m->enc_digest);
		p += 8;
	}
	scrm_le_put64(p, XXH3_64bits(b, (size_t)(p - b)));
	p += 8;
	assert((size_t)(p - b) == size);
	*buf = b;
	*len = size;
	return 0;
}

int scrm_linear_save(const scrm_linear *m, const char *path, char *err, size_t errlen)
{
	uint8_t *b;
	size_t len;
	int rc = scrm_linear_serialize(m, &b, &len);
	if (rc < 0) {
		scrm_set_err(err, errlen, "%s: out of memory", path);
		return rc;
	}
	/* a symbolic link's target is what is replaced; a device or pipe is written in place */
	char dst[PATH_MAX];
	int where = scrm_out_path(path, dst, sizeof dst);
	if (where < 0) {
		free(b);
		scrm_set_err(err, errlen, "%s: %s", path, strerror(-where));
		return where;
	}
	if (where == 0) { /* in place: a device, a pipe, a descriptor's name */
		int werr = scrm_write_in_place(path, b, len);
		free(b);
		if (werr)
			scrm_set_err(err, errlen, "%s: write failed: %s", path, strerror(-werr));
		return werr;
	}
	path = dst;
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 5);
	if (!tmp) {
		free(b);
		scrm_set_err(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	memcpy(tmp, path, pl);
	memcpy(tmp + pl, ".tmp", 5);
	FILE *fp = fopen(tmp, "wb");
	if (!fp) {
		rc = -errno;
		scrm_set_err(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	size_t wr = fwrite(b, 1, len, fp);
	int werr = wr != len ? errno : 0;
	if (fclose(fp) != 0 && !werr)
		werr = errno;
	if (wr != len || werr) {
		rc = -(werr ? werr : EIO);
		scrm_set_err(err, errlen, "%s: write failed: %s", tmp, strerror(-rc));
		remove(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = -errno;
		scrm_set_err(err, errlen, "%s: rename from %s: %s", path, tmp, strerror(errno));
		remove(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(b);
	return rc;
}

/* A bounds-checked reader over the image; the first failure sticks. */
typedef struct rd {
	const uint8_t *b;
	size_t len, pos;
} rd;

/* Read a length-prefixed name at r->pos; NULL if it does not fit. */
static const uint8_t *rd_name(rd *r, size_t *l)
{
	if (r->pos + 1 > r->len)
		return NULL;
	*l = r->b[r->pos];
	if (r->pos + 1 + *l > r->len)
		return NULL;
	const uint8_t *s = r->b + r->pos + 1;
	r->pos += 1 + *l;
	return s;
}

#define FAIL(...)                                                \
	do {                                                     \
		scrm_set_err(err, errlen, __VA_ARGS__);               \
		rc = -EINVAL;                                    \
		goto fail;                                       \
	} while (0)

int scrm_linear_load_mem(scrm_linear **out, const void *data, size_t len, const char *name, char *err,
			 size_t errlen)
{
	return load_image(out, data, len, name, 0, err, errlen);
}

/* @nested: the image is an auxiliary model inside another model's file: version 1 only. */
static int load_image(scrm_linear **out, const void *data, size_t len, const char *name, int nested, char *err,
		      size_t errlen)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!name)
		name = "model";
	if (!data && len) {
		scrm_set_err(err, errlen, "%s: no data", name);
		return -EINVAL;
	}
	const uint8_t *b = data;
	int rc;
	scrm_linear *m = NULL;
	const char **labels = NULL;
	char *lab_arena = NULL;

	if (len >= 8 && memcmp(b, MAGIC, 8) != 0)
		FAIL("%s: not a scrm linear model (bad magic at offset 0)", name);
	if (len < HEADER_SIZE)
		FAIL("%s: truncated: %zu bytes, shorter than the %d-byte header", name, len, HEADER_SIZE);
	uint32_t version = scrm_le_get32(b + 8);
	if (version < 1 || version > SCRM_LINEAR_VERSION)
		FAIL("%s: unsupported model version %u (this build reads versions 1..%d) at offset 8", name, version,
		     SCRM_LINEAR_VERSION);
	if (nested && version != 1)
		FAIL("%s: an auxiliary model must be version 1 (no auxiliary models of its own), not %u, at offset 8",
		     name, version);
	uint32_t D = scrm_le_get32(b + 12), K = scrm_le_get32(b + 16), kinds = scrm_le_get32(b + 20);
	if (D < SCRM_FEAT_DIM_BITS_MIN || D > SCRM_FEAT_DIM_BITS_MAX)
		FAIL("%s: dimension bits %u out of range %d..%d at offset 12", name, D, SCRM_FEAT_DIM_BITS_MIN,
		     SCRM_FEAT_DIM_BITS_MAX);
	if (K < 2 || K > SCRM_LINEAR_MAX_K || ((uint64_t)1 << D) * K > MAX_CELLS)
		FAIL("%s: label count %u out of range (2..%d, 2^D x K <= 2^28) at offset 16", name, K,
		     SCRM_LINEAR_MAX_K);
	scrm_linear_opts o;
	scrm_linear_opts_default(&o);
	o.feat.dim_bits = (uint8_t)D;
	o.feat.kinds = kinds;
	o.feat.signed_hash = b[24];
	o.feat.char_min = b[25];
	o.feat.char_max = b[26];
	if (scrm_feat_opts_check(&o.feat) < 0)
		FAIL("%s: bad feature options (kinds 0x%x, signed %u, char n-grams %u..%u) at offset 20", name,
		     kinds, b[24], b[25], b[26]);
	if (b[27] > 1)
		FAIL("%s: balanced flag %u is not 0 or 1 at offset 27", name, b[27]);
	o.balanced = b[27];
	o.epochs = scrm_le_get32(b + 28);
	o.learning_rate = get_f32(b + 32);
	o.l2 = get_f32(b + 36);
	o.seed = scrm_le_get64(b + 40);
	uint32_t n_train = scrm_le_get32(b + 48), T = scrm_le_get32(b + 52);
	if (!isfinite(o.learning_rate) || !isfinite(o.l2))
		FAIL("%s: non-finite hyperparameter at offset 32", name);
	if (T > K * SCRM_LINEAR_TOP_PER_LABEL)
		FAIL("%s: %u named features, more than %u for %u labels, at offset 52", name, T,
		     K * SCRM_LINEAR_TOP_PER_LABEL, K);
	uint32_t A = version >= 2 ? scrm_le_get32(b + 56) : 0;
	if ((version == 2 && (A < 1 || A > SCRM_LINEAR_MAX_AUX)) || (version == 3 && A > SCRM_LINEAR_MAX_AUX))
		FAIL("%s: %u auxiliary models, a version-%u file has %d..%d, at offset 56", name, A, version,
		     version == 2 ? 1 : 0, SCRM_LINEAR_MAX_AUX);
	float enc_scale = get_f32(b + 60);
	if (version == 3 && !(isfinite(enc_scale) && enc_scale > 0))
		FAIL("%s: encoder feature scale %g is not a positive number at offset 60", name, (double)enc_scale);
	if ((version < 3 && scrm_le_get32(b + 60) != 0) || (version == 1 && scrm_le_get32(b + 56) != 0))
		FAIL("%s: reserved bytes at offset %d are not zero", name, version == 1 ? 56 : 60);

	/* variable part: lengths first, contents after the checksum */
	rd r = {.b = b, .len = len, .pos = HEADER_SIZE};
	size_t tl, task_at = r.pos;
	const uint8_t *task = rd_name(&r, &tl);
	if (!task)
		FAIL("%s: truncated in the task name at offset %zu", name, task_at);
	size_t labels_at = r.pos;
	for (uint32_t k = 0; k < K; k++) {
		size_t at = r.pos, l;
		if (!rd_name(&r, &l))
			FAIL("%s: truncated in label name %u at offset %zu", name, k, at);
		if (l == 0)
			FAIL("%s: label name %u is empty at offset %zu", name, k, at);
	}
	size_t top_at = r.pos;
	for (uint32_t t = 0; t < T; t++) {
		size_t at = r.pos, l;
		r.pos += 12;
		if (r.pos > len || !rd_name(&r, &l))
			FAIL("%s: truncated in named feature %u at offset %zu", name, t, at);
		if (l == 0)
			FAIL("%s: named feature %u has an empty name at offset %zu", name, t, at);
	}
	const size_t dim = (size_t)1 << D;
	const size_t weights_end = r.pos + 4 * (size_t)K + 4 * dim * K;
	size_t need = weights_end + 8;
	if (len < need)
		FAIL("%s: truncated: %zu bytes, but 2^%u features x %u labels need %zu", name, len, D, K, need);
	size_t aux_at[SCRM_LINEAR_MAX_AUX], aux_len[SCRM_LINEAR_MAX_AUX];
	const uint8_t *aux_name[SCRM_LINEAR_MAX_AUX];
	size_t aux_nl[SCRM_LINEAR_MAX_AUX];
	r.pos = weights_end;
	for (uint32_t i = 0; i < A; i++) {
		size_t at = r.pos;
		aux_name[i] = rd_name(&r, &aux_nl[i]);
		if (!aux_name[i] || r.pos + 8 > len)
			FAIL("%s: truncated in auxiliary model %u at offset %zu", name, i, at);
		uint64_t il = scrm_le_get64(b + r.pos);
		r.pos += 8;
		if (il < HEADER_SIZE || il > len - r.pos)
			FAIL("%s: auxiliary model %u: length %llu does not fit the file at offset %zu", name, i,
			     (unsigned long long)il, r.pos - 8);
		aux_at[i] = r.pos;
		aux_len[i] = (size_t)il;
		r.pos += (size_t)il;
	}
	uint64_t enc_digest = 0;
	if (version == 3) {
		if (r.pos + 8 > len)
			FAIL("%s: truncated before the encoder digest at offset %zu", name, r.pos);
		if (!(enc_digest = scrm_le_get64(b + r.pos)))
			FAIL("%s: zero encoder digest at offset %zu", name, r.pos);
		r.pos += 8;
	}
	need = r.pos + 8;
	if (len < need)
		FAIL("%s: truncated: %zu bytes, but the model and its auxiliary models need %zu", name, len, need);
	if (len > need)
		FAIL("%s: %zu unexpected bytes after the checksum at offset %zu", name, len - need, need);
	uint64_t sum = scrm_le_get64(b + need - 8), want = XXH3_64bits(b, need - 8);
	if (sum != want)
		FAIL("%s: checksum mismatch (file says %016llx, contents give %016llx): the file is corrupt", name,
		     (unsigned long long)sum, (unsigned long long)want);

	/* contents */
	labels = malloc(K * sizeof(char *));
	lab_arena = malloc((size_t)K * (SCRM_LINEAR_NAME_MAX + 1));
	if (!labels || !lab_arena) {
		rc = -ENOMEM;
		scrm_set_err(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	if (memchr(task, 0, tl))
		FAIL("%s: NUL byte in the task name at offset %zu", name, task_at);
	r.pos = labels_at;
	for (uint32_t k = 0; k < K; k++) {
		size_t at = r.pos, l;
		const uint8_t *s = rd_name(&r, &l);
		char *dst = lab_arena + (size_t)k * (SCRM_LINEAR_NAME_MAX + 1);
		if (memchr(s, 0, l))
			FAIL("%s: NUL byte in label name %u at offset %zu", name, k, at);
		memcpy(dst, s, l);
		dst[l] = 0;
		labels[k] = dst;
		for (uint32_t j = 0; j < k; j++)
			if (strcmp(labels[j], dst) == 0)
				FAIL("%s: label \"%s\" appears twice (offset %zu)", name, dst, at);
	}
	char task_s[SCRM_LINEAR_NAME_MAX + 1];
	memcpy(task_s, task, tl);
	task_s[tl] = 0;
	rc = model_new(&m, D, K, labels, task_s);
	if (rc < 0) {
		scrm_set_err(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	o.task = m->task;
	m->o = o;
	m->n_train = n_train;
	m->enc_digest = enc_digest;
	m->enc_scale = version == 3 ? enc_scale : 0;

	/* named features: one arena after the labels */
	size_t old = 0, tot = 0;
	for (uint32_t k = 0; k < K; k++)
		old += strlen(m->label[k]) + 1;
	r.pos = top_at;
	for (uint32_t t = 0; t < T; t++) {
		tot += (size_t)b[r.pos + 12] + 1;
		r.pos += 13 + b[r.pos + 12];
	}
	char *arena = malloc(old + tot + 1);
	m->top = calloc(T ? T : 1, sizeof(top_ent));
	if (!arena || !m->top) {
		free(arena);
		rc = -ENOMEM;
		scrm_set_err(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	memcpy(arena, m->strs, old);
	for (uint32_t k = 0; k < K; k++)
		m->label[k] = arena + (m->label[k] - m->strs);
	free(m->strs);
	m->strs = arena;
	char *p = arena + old;
	r.pos = top_at;
	for (uint32_t t = 0; t < T; t++) {
		size_t at = r.pos, l;
		top_ent *e = &m->top[t];
		e->label = scrm_le_get32(b + r.pos);
		e->idx = scrm_le_get32(b + r.pos + 4);
		e->weight = get_f32(b + r.pos + 8);
		r.pos += 12;
		const uint8_t *s = rd_name(&r, &l);
		if (e->label >= K || e->idx >= dim || !isfinite(e->weight))
			FAIL("%s: named feature %u: label %u / index %u / weight out of range at offset %zu", name, t,
			     e->label, e->idx, at);
		if (memchr(s, 0, l))
			FAIL("%s: NUL byte in named feature %u at offset %zu", name, t, at);
		memcpy(p, s, l);
		p[l] = 0;
		e->name = p;
		p += l + 1;
	}
	m->n_top = T;
	for (uint32_t k = 0; k < K; k++, r.pos += 4)
		if (!isfinite(m->bias[k] = get_f32(b + r.pos)))
			FAIL("%s: non-finite bias for label %u at offset %zu", name, k, r.pos);
	const size_t cells = dim * K;
	for (size_t i = 0; i < cells; i++, r.pos += 4)
		if (!isfinite(m->w[i] = get_f32(b + r.pos)))
			FAIL("%s: non-finite weight %zu at offset %zu", name, i, r.pos);
	assert(r.pos == weights_end);
	for (uint32_t i = 0; i < A; i++) {
		char an[SCRM_LINEAR_NAME_MAX + 1];
		if (memchr(aux_name[i], 0, aux_nl[i]))
			FAIL("%s: NUL byte in the name of auxiliary model %u", name, i);
		memcpy(an, aux_name[i], aux_nl[i]);
		an[aux_nl[i]] = 0;
		char sub[512];
		if ((rc = scrm_linear_add_aux(m, an, b + aux_at[i], aux_len[i], sub, sizeof sub)) < 0) {
			scrm_set_err(err, errlen, "%s: auxiliary model %u at offset %zu: %s", name, i, aux_at[i], sub);
			goto fail;
		}
	}
	free(labels);
	free(lab_arena);
	*out = m;
	return 0;
fail:
	scrm_linear_free(m);
	free(labels);
	free(lab_arena);
	return rc;
}

int scrm_linear_read_file(const char *path, uint8_t **bufp, size_t *lenp, char *err, size_t errlen)
{
	return scrm_read_file(path, (size_t)4 << 30, bufp, lenp, err, errlen);
}

int scrm_linear_load(scrm_linear **out, const char *path, char *err, size_t errlen)
{
	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	uint8_t *buf;
	size_t len;
	int rc = scrm_linear_read_file(path, &buf, &len, err, errlen);
	if (rc)
		return rc;
	rc = scrm_linear_load_mem(out, buf, len, path, err, errlen);
	free(buf);
	return rc;
}
