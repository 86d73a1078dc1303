/*
 * linear.h - a multinomial logistic regression (softmax) over hashed features
 * (featurize.h): the model behind the `linear` classifier and `scrm train`.
 *
 * DESIGN. A model is K label names, the feature options it was trained with (so the
 * caller builds the same extractor at predict time: scrm_linear_feat_opts()), one bias
 * per label and a dense float32 weight matrix of 2^D x K, stored feature-major so that a
 * sparse vector touches K contiguous floats per entry. Training minimizes the mean
 * (optionally class-balanced) cross-entropy plus L2, by AdaGrad SGD: a fixed-seed
 * shuffle per epoch, a fixed number of epochs, the L2 gradient applied to the weights of
 * the features present in each sample (lazy L2: a rare feature is shrunk less often).
 * Same samples + options -> byte-identical model file (on one build; the arithmetic is
 * plain IEEE float, no threads, no FMA contraction is relied upon).
 * The model file format (v1) is specified byte for byte at the top of linear.c.
 *
 * A model is read-only after training/loading: any number of threads may call
 * scrm_linear_predict() on one model at once (it allocates nothing).
 *
 * Dependencies: featurize.h, libxxhash.
 */
#ifndef SCRM_LINEAR_H
#define SCRM_LINEAR_H

#include <stddef.h>
#include <stdint.h>

#include "featurize.h"

#define SCRM_LINEAR_VERSION 3   /* the newest version read; models without auxiliary models or encoder
				   features are written as 1, with auxiliary models only as 2 */
#define SCRM_LINEAR_MAX_AUX 8       /* auxiliary models of one model */
#define SCRM_LINEAR_AUX_NAME_MAX 31 /* bytes of an auxiliary model's name: a-z 0-9 _ - */
#define SCRM_LINEAR_MAX_K 1024      /* labels */
#define SCRM_LINEAR_NAME_MAX 255    /* bytes of a label or task name */
#define SCRM_LINEAR_TOP_PER_LABEL 24 /* named strongest features kept per label */
#define SCRM_LINEAR_EXPLAIN_MAX 8

typedef struct scrm_linear scrm_linear;

typedef struct scrm_linear_opts {
	uint32_t epochs;      /* passes over the data (default 8) */
	float learning_rate;  /* AdaGrad base rate (default 0.1) */
	float l2;             /* L2 strength per sample update (default 1e-3) */
	uint64_t seed;        /* shuffle seed (default 1) */
	uint32_t balanced;    /* 1: weigh each sample by n / (K * n_label) (default 1) */
	const char *task;     /* task name stored in the file, e.g. "intent" (default "") */
	scrm_feat_opts feat;  /* the extractor the samples came from (default scrm_feat_opts_default) */
} scrm_linear_opts;

void scrm_linear_opts_default(scrm_linear_opts *o);

/*
 * scrm_linear_train() - fit a model.
 * @set:    the samples (its dim_bits must equal opts->feat.dim_bits); its names give the
 *          model's table of strongest named features;
 * @rows:   which samples of @set to train on, @n of them; NULL: samples 0..n-1;
 * @labels: the label (0..K-1) of each of the @n training samples, in the order of @rows;
 * @label_names: K names, each 1..SCRM_LINEAR_NAME_MAX bytes, copied;
 * @K:      2..SCRM_LINEAR_MAX_K.
 * Cost: O(epochs x total nonzeros x K) time, 2 x 2^D x K floats of memory.
 * Return: 0 and a new model in *out (free with scrm_linear_free()); -EINVAL (bad
 * arguments, message in @err); -ENOMEM.
 */
int scrm_linear_train(scrm_linear **out, const scrm_feat_set *set, const uint32_t *rows, size_t n,
		      const uint32_t *labels, const char *const *label_names, uint32_t K,
		      const scrm_linear_opts *opts, char *err, size_t errlen);

/* NULL is ignored. */
void scrm_linear_free(scrm_linear *m);

uint32_t scrm_linear_nlabels(const scrm_linear *m);
/* Name of label @k (< K); lives as long as the model. */
const char *scrm_linear_label(const scrm_linear *m, uint32_t k);
/* Index of the label named @name, or -1. */
int scrm_linear_label_index(const scrm_linear *m, const char *name);
const char *scrm_linear_task(const scrm_linear *m);
/* The training options as stored (task points into the model). */
const scrm_linear_opts *scrm_linear_options(const scrm_linear *m);
/* The feature options to build the predict-time extractor with. */
const scrm_feat_opts *scrm_linear_feat_opts(const scrm_linear *m);

typedef struct scrm_linear_contrib {
	uint32_t idx;
	uint8_t kind;     /* scrm_feat_kind */
	float weight;     /* value x weight for the predicted label */
	const char *name; /* the feature string, NUL-terminated: from the vector's names, else
			     the model's table, else NULL (then explain by scrm_feat_kind_name) */
} scrm_linear_contrib;

typedef struct scrm_linear_explain {
	uint32_t n; /* contributions stored, strongest positive first */
	scrm_linear_contrib c[SCRM_LINEAR_EXPLAIN_MAX];
	float bias; /* the predicted label's bias */
} scrm_linear_explain;

/*
 * scrm_linear_predict() - probabilities of the K labels for @v.
 * @v:     a vector from an extractor with scrm_linear_feat_opts(m) (entries with idx
 *         beyond the dimension are ignored);
 * @probs: K floats, filled (sum 1);
 * @label: the argmax (lowest index on ties), may be NULL;
 * @ex:    if not NULL, the entries that pushed the predicted label up most.
 * Return: 0, or -EINVAL for NULL m/v/probs.
 */
int scrm_linear_predict(const scrm_linear *m, const scrm_feat_vec *v, float *probs, uint32_t *label,
			scrm_linear_explain *ex);

/*
 * The model's table of strongest named features for label @k: up to
 * SCRM_LINEAR_TOP_PER_LABEL, strongest first; returns how many were written to @out
 * (room for @max). Names live as long as the model.
 */
uint32_t scrm_linear_top_features(const scrm_linear *m, uint32_t k, scrm_linear_contrib *out, uint32_t max);

/*
 * AUXILIARY MODELS (stacking). A model may carry up to SCRM_LINEAR_MAX_AUX other models,
 * each under a short name, trained earlier on other data (e.g. a complaint model trained on
 * the complaints set, a sentiment model on airline tweets). Their class probabilities are
 * features of this model (featurize.h: scrm_feat_append(), kind SCRM_FEAT_AUX): the caller
 * predicts each auxiliary model on the vector it extracted and appends the results before
 * predicting this model, at training and at prediction alike (clf_linear.c does). An
 * auxiliary model must have the same feature options as this one and none of its own.
 * The file (version 2) holds each one's whole version-1 image, so a model file stays
 * self-contained.
 */

/* scrm_linear_add_aux() - attach the version-1 model file image @image (@len bytes,
 * copied; parsed and checked as scrm_linear_load_mem() does) under @name (1..31 bytes of
 * a-z 0-9 _ -, unique). Return: 0; -EINVAL with why in @err (bad name, too many, a bad
 * image, features that differ from @m's); -ENOMEM. */
int scrm_linear_add_aux(scrm_linear *m, const char *name, const void *image, size_t len, char *err, size_t errlen);
/* scrm_linear_create_empty() - a model with feature options @fo, two labels and no
 * weights: a holder for auxiliary models while the model that will own them is trained
 * (scrm_linear_move_aux()). Return: 0; -EINVAL; -ENOMEM. */
int scrm_linear_create_empty(scrm_linear **out, const scrm_feat_opts *fo);
/* Move every auxiliary model of @src to @dst (the checks of scrm_linear_add_aux(): same
 * features, distinct names, at most SCRM_LINEAR_MAX_AUX); @src keeps none. On an error
 * nothing moves. */
int scrm_linear_move_aux(scrm_linear *dst, scrm_linear *src, char *err, size_t errlen);
/* 0 if @name is a usable auxiliary model name, else -EINVAL. */
int scrm_linear_aux_name_check(const char *name);
uint32_t scrm_linear_naux(const scrm_linear *m);
/* Auxiliary model @i (< naux) and its name (may be NULL); NULL past the end. */
const scrm_linear *scrm_linear_aux(const scrm_linear *m, uint32_t i, const char **name);
/* Auxiliary outputs are probabilities times this: 1, 2, 3 and 4 gave intent macro-F1
 * 0.617, 0.627, 0.626 and 0.622 (5-fold on intent-scrm dev with intent-extra;
 * BENCHMARKS.md, "Stacked auxiliary models"). */
#define SCRM_LINEAR_AUX_SCALE 2.0f
/* A digest of the auxiliary models (names and images, in order): two models with equal
 * digests stack the same outputs onto the same vector. 0 without auxiliary models (or
 * when memory for hashing is short, which only costs sharing). */
uint64_t scrm_linear_aux_digest(const scrm_linear *m);
/* How many floats scrm_linear_stack() needs as scratch: the sum of the auxiliary models'
 * label counts (0 without any). */
uint32_t scrm_linear_stack_outputs(const scrm_linear *m);
/* scrm_linear_stack() - predict every auxiliary model of @m on @v, the vector @f's last
 * scrm_feat_extract() wrote, and append their outputs to it (scrm_feat_append(), entries
 * "x:NAME=LABEL" of kind SCRM_FEAT_AUX, value SCRM_LINEAR_AUX_SCALE x probability); then
 * @v is what scrm_linear_predict(m, ...) expects. @scratch: scrm_linear_stack_outputs(m)
 * floats. Nothing to do without auxiliary models. Return: 0; -ENOMEM (v->n is then 0). */
int scrm_linear_stack(const scrm_linear *m, scrm_feat *f, scrm_feat_vec *v, float *scratch);

/*
 * SENTENCE-ENCODER FEATURES (encoder.h). A model may take a pretrained sentence encoder's
 * 512-d output, times a scale, as 512 more entries of every vector (featurize.h: kind
 * SCRM_FEAT_ENC, "e:0".."e:511", appended after the auxiliary models' outputs); the caller
 * computes and appends them at training and at prediction alike (clf_linear.c does). The
 * model records the encoder file's digest (a model is never used with another encoder)
 * and the scale (file version 3).
 */
/* The scale the classifiers use: on intent-scrm dev with intent-extra, stacked, 5 folds,
 * BENCHMARKS.md "A pretrained sentence encoder". */
#define SCRM_LINEAR_ENC_SCALE 6.0f
/* Mark @m as using the encoder with @digest (nonzero) at @scale (finite, > 0); digest 0
 * removes the mark. Return 0, or -EINVAL. */
int scrm_linear_set_encoder(scrm_linear *m, uint64_t digest, float scale);
/* The digest of the encoder @m uses (0: none) and, if @scale is not NULL, its scale. */
uint64_t scrm_linear_encoder(const scrm_linear *m, float *scale);

/* scrm_linear_read_file() - the bytes of the file at @path in a new heap buffer (*buf,
 * *len; free() it), at most 4 GiB. Return: 0; -errno with "PATH: why" in @err. */
int scrm_linear_read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen);

/*
 * scrm_linear_serialize() - the model file image in a new heap buffer (*buf, *len;
 * free() it). Return: 0 or -ENOMEM.
 */
int scrm_linear_serialize(const scrm_linear *m, uint8_t **buf, size_t *len);

/*
 * scrm_linear_save() - write the model file to @path (through PATH.tmp + rename, so a
 * crash never leaves half a model). Return: 0; -errno of the failing call, with
 * "PATH: why" in @err.
 */
int scrm_linear_save(const scrm_linear *m, const char *path, char *err, size_t errlen);

/*
 * scrm_linear_load_mem() - parse a model file image (@data, @len; borrowed, copied).
 * @name: what to call the data in messages (the file name).
 * Every field is checked: magic, version, dimension and label count ranges, lengths,
 * the exact file size, finite weights and the XXH3-64 checksum.
 * Return: 0 and a new model in *out; -EINVAL (then *out is NULL and @err holds
 * "NAME: what is wrong [at offset N]"); -ENOMEM.
 */
int scrm_linear_load_mem(scrm_linear **out, const void *data, size_t len, const char *name, char *err,
			 size_t errlen);

/* scrm_linear_load() - read @path and scrm_linear_load_mem() it. -errno of open/read
 * failures (with "PATH: strerror" in @err), else as scrm_linear_load_mem(). */
int scrm_linear_load(scrm_linear **out, const char *path, char *err, size_t errlen);

#endif
