/*
 * encoder.c - Universal Sentence Encoder lite in C (encoder.h).
 *
 * FILE FORMAT (written by scripts/use-convert.js; little-endian):
 *   offset  size
 *        0     8  magic "SCRMUSE1"
 *        8     4  format version (1)
 *       12     4  P: pieces in the vocabulary (8000)
 *       16     4  VB: bytes of the vocabulary block (a multiple of 4)
 *       20     4  TB: bytes of the tensor block (exactly TENSOR_FLOATS x 4)
 *       24    VB  P x { f64 log-probability (a null score reads 0), u8 n, n bytes of UTF-8 },
 *                 then zero bytes up to VB
 *    24+VB    TB  float32 tensors, row-major, in the order of the `layout` table below
 * The file is exactly 24 + VB + TB bytes.
 *
 * The tokenizer and the network follow the package's TensorFlow.js code and graph (see
 * encoder.h); scripts/use-convert.js checks the constants built in here (head sizes,
 * attention scales, layer-norm epsilon, the 128-piece limit) against the graph.
 */
#include "encoder.h"
#include "buf.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

#define MAGIC "SCRMUSE1"
#define NPIECES 8000
#define NEMB 8002
#define D0 256   /* embedding and layer-0 width */
#define D1 512   /* model width after layer 0 */
#define DFF 1536 /* feed-forward width */
#define HEADS 4
#define TMAX SCRM_ENCODER_MAX_PIECES
#define RT 6                                /* rows of a matmul tile */
#define TROWS ((TMAX + RT - 1) / RT * RT)   /* workspace rows: whole tiles */
#define PANEL 64                            /* columns of a packed weight panel */
#define CP_MAX 4096    /* code points of a text considered (after NFKC) */
#define BYTES_MAX 8192 /* bytes of a text normalized (a code point decomposes to <= 18) */
#define RESERVED 6     /* pieces 0..5 are reserved; 0 is the unknown piece */

/* The tensor block, in file order. */
enum {
	T_EMB,
	T_INV,
	/* layer 0 */
	T0_LN_S, T0_LN_B, T0_QKV_W, T0_QKV_B, T0_OUT_W, T0_OUT_B, T0_RES_W, T0_RES_B,
	T0_FLN_S, T0_FLN_B, T0_C1_W, T0_C1_B, T0_C2_W, T0_C2_B,
	/* layer 1 */
	T1_LN_S, T1_LN_B, T1_QKV_W, T1_QKV_B, T1_OUT_W, T1_OUT_B,
	T1_FLN_S, T1_FLN_B, T1_C1_W, T1_C1_B, T1_C2_W, T1_C2_B,
	/* output */
	T_TANH_W, T_TANH_B,
	T_COUNT
};

static const size_t layout[T_COUNT] = {
	[T_EMB] = (size_t)NEMB * D0, [T_INV] = D0 / 2,
	[T0_LN_S] = D0, [T0_LN_B] = D0, [T0_QKV_W] = D0 * 3 * D0, [T0_QKV_B] = 3 * D0,
	[T0_OUT_W] = D0 * D1, [T0_OUT_B] = D1, [T0_RES_W] = D0 * D1, [T0_RES_B] = D1,
	[T0_FLN_S] = D1, [T0_FLN_B] = D1, [T0_C1_W] = D1 * DFF, [T0_C1_B] = DFF,
	[T0_C2_W] = DFF * D1, [T0_C2_B] = D1,
	[T1_LN_S] = D1, [T1_LN_B] = D1, [T1_QKV_W] = D1 * 3 * D1, [T1_QKV_B] = 3 * D1,
	[T1_OUT_W] = D1 * D1, [T1_OUT_B] = D1,
	[T1_FLN_S] = D1, [T1_FLN_B] = D1, [T1_C1_W] = D1 * DFF, [T1_C1_B] = DFF,
	[T1_C2_W] = DFF * D1, [T1_C2_B] = D1,
	[T_TANH_W] = D1 * D1, [T_TANH_B] = D1,
};

/* Trie over code points: node 0 is the root; a child is found through an open-addressing
 * table keyed by (parent, code point). */
typedef struct trie_slot {
	uint32_t parent; /* UINT32_MAX: empty */
	int32_t cp;
	uint32_t child;
} trie_slot;

struct scrm_encoder {
	float *w;              /* the tensor block */
	const float *t[T_COUNT];
	double *score;         /* per piece */
	uint8_t *u16len;       /* per piece: its length in UTF-16 units (what the JS backtracks by) */
	int32_t *node_piece;   /* per trie node: the piece ending there, or -1 */
	uint32_t nnodes;
	trie_slot *slots;
	uint32_t slot_mask;
	uint64_t digest;
};

struct scrm_encoder_ws {
	uint8_t clean[BYTES_MAX + 4 * 3]; /* the text with invalid UTF-8 replaced */
	utf8proc_int32_t cps[BYTES_MAX * 18 + 2];
	double best[CP_MAX + 2];
	int32_t words[CP_MAX + 2];
	uint32_t rev[CP_MAX + 2];
	uint32_t ids[TMAX];
	float *x0, *h, *qkv, *att, *o, *y, *z, *f; /* activations, TROWS rows each (att: TMAX x TMAX) */
};

/* ---- loading ---- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t slot_hash(uint32_t parent, int32_t cp, uint32_t mask)
{
	uint64_t k = ((uint64_t)parent << 32 | (uint32_t)cp) * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(k >> 32) & mask;
}

static uint32_t trie_find(const scrm_encoder *e, uint32_t parent, int32_t cp)
{
	for (uint32_t i = slot_hash(parent, cp, e->slot_mask);; i = (i + 1) & e->slot_mask) {
		const trie_slot *s = &e->slots[i];
		if (s->parent == UINT32_MAX)
			return 0;
		if (s->parent == parent && s->cp == cp)
			return s->child;
	}
}

/* The child of @parent by @cp, made if missing; 0 when the node table is full. */
static uint32_t trie_add(scrm_encoder *e, uint32_t parent, int32_t cp, uint32_t max_nodes)
{
	uint32_t i = slot_hash(parent, cp, e->slot_mask);
	for (;; i = (i + 1) & e->slot_mask) {
		trie_slot *s = &e->slots[i];
		if (s->parent == UINT32_MAX)
			break;
		if (s->parent == parent && s->cp == cp)
			return s->child;
	}
	if (e->nnodes >= max_nodes)
		return 0;
	e->slots[i] = (trie_slot){.parent = parent, .cp = cp, .child = e->nnodes};
	e->node_piece[e->nnodes] = -1;
	return e->nnodes++;
}

/* Rewrite the K x N row-major matrix @m in place as N / PANEL panels, each K rows of PANEL
 * contiguous floats: what matmul() reads, one cache line after another. */
static void pack(float *m, float *tmp, size_t K, size_t N)
{
	for (size_t j0 = 0; j0 < N; j0 += PANEL)
		for (size_t k = 0; k < K; k++)
			memcpy(tmp + j0 * K + k * PANEL, m + k * N + j0, PANEL * sizeof(float));
	memcpy(m, tmp, K * N * sizeof(float));
}

#define FAIL(...)                                         \
	do {                                              \
		snprintf(err, errlen, __VA_ARGS__);       \
		scrm_encoder_free(e);                     \
		return -EINVAL;                           \
	} while (0)

int scrm_encoder_load_mem(scrm_encoder **out, const void *data, size_t len, const char *name, char *err,
			  size_t errlen)
{
	const uint8_t *b = data;
	scrm_encoder *e = NULL;
	if (!out || (!data && len))
		return -EINVAL;
	*out = NULL;
	name = name ? name : "encoder";
	size_t tfloats = 0;
	for (int i = 0; i < T_COUNT; i++)
		tfloats += layout[i];
	if (len < 24 || memcmp(b, MAGIC, 8) != 0)
		FAIL("%s: not an encoder file (expected magic \"%s\"; make one with scripts/fetch-encoder.sh)", name,
		     MAGIC);
	uint32_t ver = get32(b + 8), np = get32(b + 12), vb = get32(b + 16), tb = get32(b + 20);
	if (ver != 1)
		FAIL("%s: encoder format version %u, this scrm reads version 1", name, ver);
	if (np != NPIECES)
		FAIL("%s: %u vocabulary pieces, expected %u", name, np, NPIECES);
	if (vb % 4 || tb != tfloats * 4 || (uint64_t)24 + vb + tb != len)
		FAIL("%s: block sizes do not match the file (vocabulary %u bytes, tensors %u of %zu bytes, file %zu "
		     "bytes)",
		     name, vb, tb, tfloats * 4, len);
	if (!(e = calloc(1, sizeof *e)))
		return -ENOMEM;
	e->digest = XXH3_64bits(data, len);
	size_t max_nodes = (size_t)vb + 1; /* at most one node per vocabulary byte, plus the root */
	uint32_t cap = 1;
	while (cap < 2 * max_nodes)
		cap <<= 1;
	e->w = malloc(tfloats * sizeof(float));
	e->score = malloc(np * sizeof(double));
	e->u16len = malloc(np);
	e->node_piece = malloc(max_nodes * sizeof(int32_t));
	e->slots = malloc((size_t)cap * sizeof(trie_slot));
	if (!e->w || !e->score || !e->u16len || !e->node_piece || !e->slots) {
		scrm_encoder_free(e);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cap; i++)
		e->slots[i].parent = UINT32_MAX;
	e->slot_mask = cap - 1;
	e->nnodes = 1;
	e->node_piece[0] = -1;
	size_t off = 24, vend = 24 + (size_t)vb;
	for (uint32_t p = 0; p < np; p++) {
		if (off + 9 > vend)
			FAIL("%s: vocabulary block ends inside piece %u at offset %zu", name, p, off);
		double sc;
		memcpy(&sc, b + off, 8); /* little-endian hosts only, as the rest of scrm */
		uint8_t n = b[off + 8];
		off += 9;
		if (!isfinite(sc) || n == 0 || off + n > vend)
			FAIL("%s: bad piece %u at offset %zu", name, p, off - 9);
		e->score[p] = sc;
		uint32_t node = 0, u16 = 0;
		for (size_t k = 0; k < n;) {
			utf8proc_int32_t cp;
			utf8proc_ssize_t r = utf8proc_iterate(b + off + k, (utf8proc_ssize_t)(n - k), &cp);
			if (r <= 0)
				FAIL("%s: piece %u is not valid UTF-8 (offset %zu)", name, p, off + k);
			k += (size_t)r;
			u16 += cp > 0xFFFF ? 2 : 1;
			if (p >= RESERVED && !(node = trie_add(e, node, cp, (uint32_t)max_nodes)))
				FAIL("%s: vocabulary trie overflow at piece %u", name, p);
		}
		e->u16len[p] = (uint8_t)(u16 > 255 ? 255 : u16);
		if (p >= RESERVED)
			e->node_piece[node] = (int32_t)p; /* a later duplicate wins, as in the JS trie */
		off += n;
	}
	for (; off < vend; off++)
		if (b[off])
			FAIL("%s: nonzero padding after the vocabulary at offset %zu", name, off);
	memcpy(e->w, b + vend, tfloats * sizeof(float));
	for (size_t i = 0; i < tfloats; i++)
		if (!isfinite(e->w[i]))
			FAIL("%s: weight %zu is not finite (offset %zu)", name, i, vend + 4 * i);
	float *p = e->w;
	for (int i = 0; i < T_COUNT; i++) {
		e->t[i] = p;
		p += layout[i];
	}
	/* the matmul weights as column panels (pack()) */
	static const struct {
		int t;
		size_t k, n;
	} mats[] = {
		{T0_QKV_W, D0, 3 * D0}, {T0_OUT_W, D0, D1}, {T0_RES_W, D0, D1}, {T0_C1_W, D1, DFF}, {T0_C2_W, DFF, D1},
		{T1_QKV_W, D1, 3 * D1}, {T1_OUT_W, D1, D1}, {T1_C1_W, D1, DFF}, {T1_C2_W, DFF, D1},
	};
	float *tmp = malloc((size_t)DFF * D1 * sizeof(float));
	if (!tmp) {
		scrm_encoder_free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++)
		pack((float *)e->t[mats[i].t], tmp, mats[i].k, mats[i].n);
	free(tmp);
	*out = e;
	return 0;
}
#undef FAIL

int scrm_encoder_load(scrm_encoder **out, const char *path, char *err, size_t errlen)
{
	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	uint8_t *buf;
	size_t len;
	int rc = scrm_read_file(path, (size_t)1 << 30, &buf, &len, err, errlen);
	if (rc == -ENOENT)
		snprintf(err, errlen, "%s: %s (make it with scripts/fetch-encoder.sh)", path, strerror(ENOENT));
	if (rc)
		return rc;
	rc = scrm_encoder_load_mem(out, buf, len, path, err, errlen);
	free(buf);
	return rc;
}

void scrm_encoder_free(scrm_encoder *e)
{
	if (!e)
		return;
	free(e->w);
	free(e->score);
	free(e->u16len);
	free(e->node_piece);
	free(e->slots);
	free(e);
}

uint64_t scrm_encoder_digest(const scrm_encoder *e)
{
	return e ? e->digest : 0;
}

scrm_encoder_ws *scrm_encoder_ws_create(void)
{
	scrm_encoder_ws *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	/* zeroed, so that the row tiles of matmul() read finite values past the last row */
	w->x0 = calloc((size_t)TROWS * D0, sizeof(float));
	w->h = calloc((size_t)TROWS * D1, sizeof(float));
	w->qkv = calloc((size_t)TROWS * 3 * D1, sizeof(float));
	w->att = calloc((size_t)TMAX * TMAX, sizeof(float));
	w->o = calloc((size_t)TROWS * D1, sizeof(float));
	w->y = calloc((size_t)TROWS * D1, sizeof(float));
	w->z = calloc((size_t)TROWS * D1, sizeof(float));
	w->f = calloc((size_t)TROWS * DFF, sizeof(float));
	if (!w->x0 || !w->h || !w->qkv || !w->att || !w->o || !w->y || !w->z || !w->f) {
		scrm_encoder_ws_free(w);
		return NULL;
	}
	return w;
}

void scrm_encoder_ws_free(scrm_encoder_ws *w)
{
	if (!w)
		return;
	free(w->x0);
	free(w->h);
	free(w->qkv);
	free(w->att);
	free(w->o);
	free(w->y);
	free(w->z);
	free(w->f);
	free(w);
}

/* ---- tokenizer ---- */

/* NFKC code points of at most BYTES_MAX bytes of @text into w->cps; returns how many
 * (at most CP_MAX). Invalid UTF-8 reads as U+FFFD (what a JS string decoder makes). */
static size_t normalize(scrm_encoder_ws *w, const char *text, size_t len)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	if (len > BYTES_MAX) { /* cut at a character boundary */
		len = BYTES_MAX;
		while (len > 0 && (s[len] & 0xC0) == 0x80)
			len--;
	}
	utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
	size_t cap = sizeof w->cps / sizeof w->cps[0];
	utf8proc_ssize_t n = utf8proc_decompose(s, (utf8proc_ssize_t)len, w->cps, (utf8proc_ssize_t)cap, opt);
	if (n == UTF8PROC_ERROR_INVALIDUTF8) {
		size_t o = 0;
		for (size_t i = 0; i < len;) {
			utf8proc_int32_t cp;
			utf8proc_ssize_t r = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
			if (r > 0) {
				memcpy(w->clean + o, s + i, (size_t)r);
				o += (size_t)r;
				i += (size_t)r;
			} else {
				memcpy(w->clean + o, "\xEF\xBF\xBD", 3);
				o += 3;
				i++;
			}
			if (o > BYTES_MAX) /* each byte gave at most 3 (U+FFFD) or itself */
				break;
		}
		n = utf8proc_decompose(w->clean, (utf8proc_ssize_t)(o > BYTES_MAX ? BYTES_MAX : o), w->cps,
				       (utf8proc_ssize_t)cap, opt);
	}
	if (n < 0 || (size_t)n > cap)
		return 0;
	n = utf8proc_normalize_utf32(w->cps, n, opt);
	if (n < 0)
		return 0;
	return (size_t)n > CP_MAX ? CP_MAX : (size_t)n;
}

size_t scrm_encoder_tokenize(const scrm_encoder *e, scrm_encoder_ws *w, const char *text, size_t len,
			     uint32_t *ids, size_t max)
{
	if (!e || !w || (!text && len))
		return 0;
	size_t m = normalize(w, text ? text : "", len);
	if (m == 0)
		return 0;
	/* "\u2581" + text with ' ' -> U+2581: shift right by one */
	if (m == CP_MAX)
		m--;
	memmove(w->cps + 1, w->cps, m * sizeof w->cps[0]);
	w->cps[0] = 0x2581;
	m++;
	for (size_t i = 1; i < m; i++)
		if (w->cps[i] == ' ')
			w->cps[i] = 0x2581;
	/* Viterbi, as the package's code: position e's best score starts at 0 and is replaced
	 * when it is 0 or a path scores >= it; pieces are tried by start, ascending (every
	 * piece ending at a start is known by then) */
	for (size_t i = 0; i <= m; i++) {
		w->best[i] = 0;
		w->words[i] = 0;
	}
	for (size_t i = 0; i < m; i++) {
		uint32_t node = trie_find(e, 0, w->cps[i]);
		int any = 0;
		for (size_t k = i; node; ) {
			int32_t p = e->node_piece[node];
			if (p >= 0) {
				any = 1;
				size_t end = k + 1;
				double sc = e->score[p] + w->best[i];
				if (w->best[end] == 0 || sc >= w->best[end]) {
					w->best[end] = sc;
					w->words[end] = p;
				}
			}
			if (++k >= m)
				break;
			node = trie_find(e, node, w->cps[k]);
		}
		if (!any) { /* the unknown piece, score 0, one character */
			double sc = 0 + w->best[i];
			if (w->best[i + 1] == 0 || sc >= w->best[i + 1]) {
				w->best[i + 1] = sc;
				w->words[i + 1] = 0;
			}
		}
	}
	size_t nr = 0;
	for (size_t it = m; it > 0;) {
		int32_t p = w->words[it];
		w->rev[nr++] = (uint32_t)p;
		size_t l = e->u16len[p];
		it = l > it ? 0 : it - l;
	}
	size_t n = 0;
	int prev_unk = 0;
	for (size_t i = 0; i < nr; i++) { /* backwards: drop an unknown after an unknown */
		uint32_t id = w->rev[i];
		if (!(prev_unk && id == 0))
			w->rev[n++] = id;
		prev_unk = id == 0;
	}
	for (size_t i = 0; i < n && i < max; i++)
		ids[i] = w->rev[n - 1 - i];
	return n;
}

/* ---- the network ---- */

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));

/*
 * C[T x N] = A[T x K] B[K x N] + bias, B packed as column panels (pack(); N a multiple of
 * PANEL). Rows in tiles of RT = 6 (the workspace has TROWS rows, whole tiles, so a last
 * partial tile reads finite rows it does not keep), each panel of B read once per tile
 * sequentially: 6 x 4 = 24 vector accumulators.
 */
#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer: an ifunc resolver runs before its runtime is up and crashes the program
 * at start-up (seen with `scrm gen` under make tsan): one plain version */
#define MATMUL_ATTRS
#elif defined(__clang__)
#define MATMUL_ATTRS __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else /* GCC does not fuse a*b+c into FMA in ISO C mode unless told */
#define MATMUL_ATTRS __attribute__((target_clones("avx512f", "arch=haswell", "default"), optimize("fp-contract=fast")))
#endif
MATMUL_ATTRS static void
matmul(float *restrict C, const float *restrict A, const float *restrict B, const float *restrict bias, size_t T,
       size_t K, size_t N)
{
	for (size_t j0 = 0; j0 < N; j0 += PANEL) {
		const float *panel = B + j0 * K;
		for (size_t t0 = 0; t0 < T; t0 += RT) {
			size_t rows = T - t0 < RT ? T - t0 : RT;
			v16 a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23;
			v16 a30, a31, a32, a33, a40, a41, a42, a43, a50, a51, a52, a53;
			a00 = a10 = a20 = a30 = a40 = a50 = *(const v16u *)(bias + j0);
			a01 = a11 = a21 = a31 = a41 = a51 = *(const v16u *)(bias + j0 + 16);
			a02 = a12 = a22 = a32 = a42 = a52 = *(const v16u *)(bias + j0 + 32);
			a03 = a13 = a23 = a33 = a43 = a53 = *(const v16u *)(bias + j0 + 48);
			const float *x0 = A + t0 * K, *x1 = x0 + K, *x2 = x1 + K, *x3 = x2 + K, *x4 = x3 + K, *x5 = x4 + K;
			for (size_t k = 0; k < K; k++) {
				const float *brow = panel + k * PANEL;
				v16 b0 = *(const v16u *)(brow), b1 = *(const v16u *)(brow + 16);
				v16 b2 = *(const v16u *)(brow + 32), b3 = *(const v16u *)(brow + 48);
#define ROW(x, c0, c1, c2, c3)                                                           \
	do {                                                                             \
		float av = (x)[k];                                                       \
		v16 a = {av, av, av, av, av, av, av, av, av, av, av, av, av, av, av, av}; \
		c0 += a * b0;                                                            \
		c1 += a * b1;                                                            \
		c2 += a * b2;                                                            \
		c3 += a * b3;                                                            \
	} while (0)
				ROW(x0, a00, a01, a02, a03);
				ROW(x1, a10, a11, a12, a13);
				ROW(x2, a20, a21, a22, a23);
				ROW(x3, a30, a31, a32, a33);
				ROW(x4, a40, a41, a42, a43);
				ROW(x5, a50, a51, a52, a53);
#undef ROW
			}
			v16 acc[RT][4] = {{a00, a01, a02, a03}, {a10, a11, a12, a13}, {a20, a21, a22, a23},
					  {a30, a31, a32, a33}, {a40, a41, a42, a43}, {a50, a51, a52, a53}};
			for (size_t r = 0; r < rows; r++)
				for (int c = 0; c < 4; c++)
					*(v16u *)(C + (t0 + r) * N + j0 + 16 * c) = acc[r][c];
		}
	}
}

static void layer_norm(float *out, const float *x, const float *scale, const float *bias, size_t T, size_t D)
{
	for (size_t t = 0; t < T; t++) {
		const float *r = x + t * D;
		float *o = out + t * D;
		float mu = 0;
		for (size_t i = 0; i < D; i++)
			mu += r[i];
		mu /= (float)D;
		float var = 0;
		for (size_t i = 0; i < D; i++)
			var += (r[i] - mu) * (r[i] - mu);
		var /= (float)D;
		float rs = 1.0f / sqrtf(var + 1e-6f);
		for (size_t i = 0; i < D; i++)
			o[i] = scale[i] * rs * (r[i] - mu) + bias[i];
	}
}

/* x . y over @n floats (a multiple of 16), in 16 lanes summed at the end. */
MATMUL_ATTRS static float dot(const float *x, const float *y, size_t n)
{
	v16 acc = {0};
	for (size_t i = 0; i < n; i += 16)
		acc += *(const v16u *)(x + i) * *(const v16u *)(y + i);
	float s = 0;
	for (int l = 0; l < 16; l++)
		s += acc[l];
	return s;
}

/* o += p x over @n floats (a multiple of 16). */
MATMUL_ATTRS static void axpy(float *o, float p, const float *x, size_t n)
{
	v16 pv = {p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p};
	for (size_t i = 0; i < n; i += 16)
		*(v16u *)(o + i) += pv * *(const v16u *)(x + i);
}

/* Multi-head self-attention over w->h (T x D, already normalized): qkv = h Wqkv + b,
 * 4 heads of D/4, q scaled; the heads' outputs side by side into w->o (T x D). */
static void attention(scrm_encoder_ws *w, const float *wqkv, const float *bqkv, size_t T, size_t D, float scale)
{
	matmul(w->qkv, w->h, wqkv, bqkv, T, D, 3 * D);
	size_t hd = D / HEADS, S = 3 * D;
	for (size_t t = 0; t < T; t++)
		for (size_t i = 0; i < D; i++)
			w->qkv[t * S + i] *= scale;
	for (size_t hh = 0; hh < HEADS; hh++) {
		const float *q = w->qkv + hh * hd, *k = w->qkv + D + hh * hd, *v = w->qkv + 2 * D + hh * hd;
		for (size_t t = 0; t < T; t++) {
			float *a = w->att + t * T, mx = -INFINITY;
			for (size_t u = 0; u < T; u++) {
				float s = dot(q + t * S, k + u * S, hd);
				a[u] = s;
				mx = s > mx ? s : mx;
			}
			float sum = 0;
			for (size_t u = 0; u < T; u++) {
				a[u] = expf(a[u] - mx);
				sum += a[u];
			}
			float *o = w->o + t * D + hh * hd;
			memset(o, 0, hd * sizeof(float));
			for (size_t u = 0; u < T; u++)
				axpy(o, a[u] / sum, v + u * S, hd);
		}
	}
}

/* z = y + FFN(LN(y)) for T rows of width D1. */
static void ffn(scrm_encoder_ws *w, const scrm_encoder *e, int l1, size_t T)
{
	const float *const *t = e->t;
	int s = l1 ? T1_FLN_S : T0_FLN_S;
	layer_norm(w->h, w->y, t[s], t[s + 1], T, D1);
	matmul(w->f, w->h, t[s + 2], t[s + 3], T, D1, DFF);
	for (size_t i = 0; i < T * DFF; i++)
		w->f[i] = w->f[i] > 0 ? w->f[i] : 0;
	matmul(w->z, w->f, t[s + 4], t[s + 5], T, DFF, D1);
	for (size_t i = 0; i < T * D1; i++)
		w->z[i] += w->y[i];
}

int scrm_encoder_embed(const scrm_encoder *e, scrm_encoder_ws *w, const char *text, size_t len, float *out)
{
	if (!e || !w || !out || (!text && len))
		return -EINVAL;
	size_t T = scrm_encoder_tokenize(e, w, text, len, w->ids, TMAX);
	if (T > TMAX)
		T = TMAX;
	const float *const *t = e->t;
	float mean[D1];
	if (T == 0) {
		memset(mean, 0, sizeof mean);
	} else {
		/* layer 0: x0 = 2 E[id] + [sin(pos inv), cos(pos inv)] */
		for (size_t p = 0; p < T; p++) {
			const float *emb = t[T_EMB] + (size_t)w->ids[p] * D0;
			float *x = w->x0 + p * D0;
			for (size_t i = 0; i < D0 / 2; i++) {
				float a = (float)p * t[T_INV][i];
				x[i] = emb[i] + (emb[i] + sinf(a));
				x[D0 / 2 + i] = emb[D0 / 2 + i] + (emb[D0 / 2 + i] + cosf(a));
			}
		}
		layer_norm(w->h, w->x0, t[T0_LN_S], t[T0_LN_B], T, D0);
		attention(w, t[T0_QKV_W], t[T0_QKV_B], T, D0, 0.125f);
		matmul(w->y, w->o, t[T0_OUT_W], t[T0_OUT_B], T, D0, D1);
		matmul(w->z, w->x0, t[T0_RES_W], t[T0_RES_B], T, D0, D1); /* the residual, widened */
		for (size_t i = 0; i < T * D1; i++)
			w->y[i] += w->z[i];
		ffn(w, e, 0, T);
		/* layer 1 */
		layer_norm(w->h, w->z, t[T1_LN_S], t[T1_LN_B], T, D1);
		attention(w, t[T1_QKV_W], t[T1_QKV_B], T, D1, 0.0883883461356163f);
		matmul(w->y, w->o, t[T1_OUT_W], t[T1_OUT_B], T, D1, D1);
		for (size_t i = 0; i < T * D1; i++)
			w->y[i] += w->z[i];
		ffn(w, e, 1, T);
		for (size_t i = 0; i < D1; i++) {
			float s = 0;
			for (size_t p = 0; p < T; p++)
				s += w->z[p * D1 + i];
			mean[i] = s / (float)T;
		}
	}
	float ss = 0;
	memcpy(out, t[T_TANH_B], D1 * sizeof(float));
	for (size_t i = 0; i < D1; i++) {
		const float *r = t[T_TANH_W] + i * D1;
		for (size_t j = 0; j < D1; j++)
			out[j] += mean[i] * r[j];
	}
	for (size_t j = 0; j < D1; j++) {
		out[j] = tanhf(out[j]);
		ss += out[j] * out[j];
	}
	float rs = 1.0f / sqrtf(ss > 1e-12f ? ss : 1e-12f);
	for (size_t j = 0; j < D1; j++)
		out[j] *= rs;
	return 0;
}

/* ---- the cache ---- */

typedef struct cache_slot {
	XXH128_hash_t key;
	uint32_t at; /* 1 + index of the output in vecs; 0: empty */
} cache_slot;

struct scrm_encoder_cache {
	pthread_mutex_t mu;
	cache_slot *slots;
	size_t mask, used, max;
	float *vecs;
	bool recent;            /* direct-mapped, a new text replaces the slot's (the pipeline's) */
	uint64_t hits, misses;  /* texts served from the cache, texts computed */
};

/* A cache of @slots slots (a power of two) and room for @vecs outputs. */
static scrm_encoder_cache *cache_new(size_t slots, size_t vecs, bool recent)
{
	scrm_encoder_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->slots = calloc(slots, sizeof *c->slots);
	c->vecs = malloc(vecs * SCRM_ENCODER_DIM * sizeof(float));
	if (!c->slots || !c->vecs) {
		free(c->slots);
		free(c->vecs);
		free(c);
		return NULL;
	}
	c->mask = slots - 1;
	c->max = vecs;
	c->recent = recent;
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

scrm_encoder_cache *scrm_encoder_cache_create(size_t max_entries)
{
	if (max_entries == 0 || max_entries > (1u << 24))
		return NULL;
	size_t cap = 16;
	while (cap < 2 * max_entries)
		cap <<= 1;
	return cache_new(cap, max_entries, false);
}

scrm_encoder_cache *scrm_encoder_cache_create_recent(size_t slots)
{
	if (slots == 0 || slots > (1u << 20))
		return NULL;
	size_t cap = 1;
	while (cap < slots)
		cap <<= 1;
	return cache_new(cap, cap, true);
}

void scrm_encoder_cache_counts(const scrm_encoder_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
}

void scrm_encoder_cache_free(scrm_encoder_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->slots);
	free(c->vecs);
	free(c);
}

/* The slot of @k: its entry, or the empty slot where it would go. */
static cache_slot *cache_find(scrm_encoder_cache *c, XXH128_hash_t k)
{
	for (size_t i = (size_t)k.low64 & c->mask;; i = (i + 1) & c->mask)
		if (!c->slots[i].at || (c->slots[i].key.low64 == k.low64 && c->slots[i].key.high64 == k.high64))
			return &c->slots[i];
}

int scrm_encoder_embed_cached(const scrm_encoder *e, scrm_encoder_ws *w, scrm_encoder_cache *c, const char *text,
			      size_t len, float *out)
{
	if (!c)
		return scrm_encoder_embed(e, w, text, len, out);
	if (!e || !w || !out || (!text && len))
		return -EINVAL;
	XXH128_hash_t k = XXH3_128bits_withSeed(text ? text : "", len, e->digest);
	if (c->recent) { /* one thread's: no lock; the slot of the key holds it or another */
		size_t i = (size_t)k.low64 & c->mask;
		cache_slot *s = &c->slots[i];
		float *v = c->vecs + i * SCRM_ENCODER_DIM;
		if (s->at && s->key.low64 == k.low64 && s->key.high64 == k.high64) {
			memcpy(out, v, SCRM_ENCODER_DIM * sizeof(float));
			c->hits++;
			return 0;
		}
		int rc = scrm_encoder_embed(e, w, text, len, out);
		if (rc)
			return rc;
		memcpy(v, out, SCRM_ENCODER_DIM * sizeof(float));
		s->key = k;
		s->at = 1;
		c->misses++;
		return 0;
	}
	pthread_mutex_lock(&c->mu);
	cache_slot *s = cache_find(c, k);
	if (s->at) {
		memcpy(out, c->vecs + (size_t)(s->at - 1) * SCRM_ENCODER_DIM, SCRM_ENCODER_DIM * sizeof(float));
		c->hits++;
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	pthread_mutex_unlock(&c->mu);
	int rc = scrm_encoder_embed(e, w, text, len, out);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->mu);
	s = cache_find(c, k); /* another thread may have added it meanwhile */
	c->misses++;
	if (!s->at && c->used < c->max) {
		memcpy(c->vecs + c->used * SCRM_ENCODER_DIM, out, SCRM_ENCODER_DIM * sizeof(float));
		s->key = k;
		s->at = (uint32_t)++c->used;
	}
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* ---- filling a cache on several threads ---- */

struct fill_job {
	const scrm_encoder *e;
	scrm_encoder_cache *c;
	const char *const *texts;
	const size_t *lens;
	size_t n;
	_Atomic size_t next;
	_Atomic int rc;
};

static void *fill_main(void *arg)
{
	struct fill_job *j = arg;
	scrm_encoder_ws *w = scrm_encoder_ws_create();
	float out[SCRM_ENCODER_DIM];
	if (!w) {
		atomic_store(&j->rc, -ENOMEM);
		return NULL;
	}
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->n || atomic_load(&j->rc))
			break;
		int rc = scrm_encoder_embed_cached(j->e, w, j->c, j->texts[i], j->lens[i], out);
		if (rc) {
			atomic_store(&j->rc, rc);
			break;
		}
	}
	scrm_encoder_ws_free(w);
	return NULL;
}

int scrm_encoder_cache_fill(const scrm_encoder *e, scrm_encoder_cache *c, const char *const *texts, const size_t *lens,
			    size_t n, unsigned threads)
{
	if (!e || !c || c->recent || (n && (!texts || !lens)))
		return -EINVAL;
	if (n > c->max) /* what would not be kept is computed when it is needed */
		n = c->max;
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	if (threads > n)
		threads = n ? (unsigned)n : 1;
	struct fill_job j = {.e = e, .c = c, .texts = texts, .lens = lens, .n = n};
	atomic_init(&j.next, 0);
	atomic_init(&j.rc, 0);
	pthread_t th[64];
	unsigned started = 0;
	for (; started + 1 < threads; started++) /* the calling thread is the last one */
		if (pthread_create(&th[started], NULL, fill_main, &j))
			break;
	fill_main(&j);
	for (unsigned t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	return atomic_load(&j.rc);
}
