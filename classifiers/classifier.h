/*
 * classifier.h - one interface for every classifier: sentiment (both modes), intent,
 * action-needed, complaint, airline negative reason, influence; `scrm eval`, `scrm train`
 * and the pipeline pick any of them by (task, name).
 *
 * DESIGN. A classifier is a static, immutable descriptor (scrm_classifier_desc): its
 * task, its name, a function table and flags. The task fixes the label set, so every
 * classifier of one task writes indices into the same labels and `scrm eval` can put
 * them side by side. Built-in descriptors are listed in one table in classifier.c
 * (adding a classifier is one line there); scrm_classifier_register() adds more at
 * start-up (tests, later plug-ins).
 *
 * A classifier instance (scrm_classifier) is made from a config (borrowed lexicon,
 * compiled topics, optional model path) and holds per-thread state only: one instance
 * per analyze worker, created at start-up, like a Hyperscan scratch. It classifies a
 * BATCH of analyzed records (scrm_clf_item: the text and what the analyze stage already
 * found) and writes, per record, a label index, a score where the task has one, a
 * confidence in 0..1 and a short explanation.
 *
 * Trainable classifiers (the later `linear`) have a `train` hook: items + gold label
 * indices -> a model file; the instance then loads that file through config.model_path.
 * Rule-based ones leave `train` NULL.
 *
 * Threads: descriptors and the registry are read-only after start-up; lookups may run on
 * any thread once every scrm_classifier_register() call has returned (register only from
 * the main thread, before starting workers). An instance is used by one thread at a
 * time. The config's lexicon and topics are shared read-only by all instances and must
 * outlive them.
 *
 * Errors: functions return 0 or -errno; where a human-readable reason helps (bad model
 * file, missing lexicon), it is written to err (NUL-terminated, truncated to errlen).
 *
 * Dependencies: lexicon.h, topics.h, vader.h (scrm_sentiment). Hierarchy: common <-
 * classifiers <- engine.
 */
#ifndef SCRM_CLASSIFIER_H
#define SCRM_CLASSIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lexicon.h"
#include "topics.h"
#include "vader.h"

/* ---- Tasks and their label sets ---- */

typedef enum scrm_task {
	SCRM_TASK_SENTIMENT = 0, /* negative / neutral / positive (+ compound score) */
	SCRM_TASK_INTENT,        /* question complaint praise purchase churn suggestion spam other */
	SCRM_TASK_ACTION,        /* action_needed: no / yes */
	SCRM_TASK_COMPLAINT,     /* complaint vs not: no / yes */
	SCRM_TASK_AIRLINE_REASON,/* airline-sentiment negativereason (10 classes) */
	SCRM_TASK_LABELS,        /* any label set, taken from the data or the model (e.g. banking77) */
	SCRM_TASK_INFLUENCE,     /* how influential the author is: low / medium / high, with the
				    score 0-100 and its parts (influence.h); from the author's
				    counts and the stream, not from text */
	SCRM_TASK_COUNT
} scrm_task;

/* Sentiment label indices (the cut of scrm_clf_sentiment_class()). */
enum { SCRM_SENT_NEGATIVE = 0, SCRM_SENT_NEUTRAL = 1, SCRM_SENT_POSITIVE = 2 };

/* "sentiment", "intent", "action", "complaint", "airline-reason", "labels", "influence"; "?"
 * out of range. */
const char *scrm_task_name(scrm_task t);

/* Parse a task name (exact, as above) into *t: 0 or -EINVAL. */
int scrm_task_parse(const char *name, scrm_task *t);

/* The task's label names (static) and their count in *n. Label index i is labels[i].
 * SCRM_TASK_LABELS has the names last given to scrm_task_set_labels() (none before). */
const char *const *scrm_task_labels(scrm_task t, size_t *n);

#define SCRM_TASK_MAX_LABELS 1024

/*
 * scrm_task_set_labels() - the label set of SCRM_TASK_LABELS: @n (1..SCRM_TASK_MAX_LABELS)
 * distinct names, copied; replaces the previous set. Start-up configuration: call it
 * before any classifier of that task is created, from one thread (`scrm eval` and
 * `scrm train` take the set from the data or from the model). Gold values of that task
 * match a name exactly (after trimming spaces), not case-insensitively.
 * Return: 0; -EINVAL (another task, n out of range, an empty or repeated name); -ENOMEM.
 */
int scrm_task_set_labels(scrm_task t, const char *const *names, size_t n);

/*
 * scrm_task_label_parse() - the label index of a gold value as written in a corpus:
 * a label name, ASCII case-insensitive, surrounding spaces ignored; for the two yes/no
 * tasks also "0"/"1" and "false"/"true" (as the corpora write them). Numeric gold for
 * sentiment (a mean rating) is not a label: see scrm_clf_sentiment_class().
 * Return: the index (>= 0), or -ENOENT when the value is no label of the task.
 */
int scrm_task_label_parse(scrm_task t, const char *s, size_t len);

/*
 * The fixed 3-class cut on a sentiment compound (VADER's thresholds):
 * >= 0.05 positive, <= -0.05 negative, else neutral. Returns SCRM_SENT_*.
 */
int scrm_clf_sentiment_class(double compound);

/* ---- What a classifier sees and writes ---- */

/*
 * One analyzed record. Everything is borrowed from the caller for the duration of the
 * classify call. Fields the caller did not compute are NULL / -1: a classifier must cope
 * (compute what it needs itself, or do without) and never fail on them.
 */
/*
 * Scratch that the classifiers of one record share within a batch, so that work several
 * of them need (the cues scan that intent, action and linear all use) is done once. The
 * caller zeroes `owner` before the first classifier sees the record; a classifier that
 * fills `data` sets `owner` to its own nonzero tag, and one that finds its tag reuses it.
 */
#define SCRM_CLF_MEMO_BYTES 256
typedef struct scrm_clf_memo {
	uint32_t owner;
	uint32_t reserved;
	_Alignas(8) unsigned char data[SCRM_CLF_MEMO_BYTES];
} scrm_clf_memo;

typedef struct scrm_clf_item {
	const char *text; /* UTF-8, len bytes, need not be NUL-terminated */
	size_t len;
	/* Topic and cue ids matched by the rules of config.topics (topics.h); NULL when no
	 * rules were given or the caller did not match. */
	const scrm_topic_hits *hits;
	/* Sentiment by mode (index scrm_sent_mode: [0] vader, [1] scrm); NULL where not
	 * scored. The sentiment classifiers use a given score instead of rescoring. */
	const scrm_sentiment *sentiment[2];
	int64_t followers; /* author followers, -1 unknown */
	int64_t retweets, likes, replies, quotes; /* the post's reactions, -1 unknown */
	/* How much the stream has pointed at the author so far (influence.h's decayed network
	 * weight, which the pipeline's relate stage keeps); negative: unknown */
	double network_weight;
	int8_t verified;   /* author verified: 1, 0, or -1 unknown */
	int8_t is_reply;   /* the record replies to another: 1, 0, or -1 unknown */
	int8_t direct;     /* 1: it came on a channel that only goes to the company (e-mail,
			      chat, phone; --direct-channels), so it is addressed to it; else 0 */
	int16_t spam_bits; /* scrm_spam_scan() of the text when the caller has it, else -1 */
	/* The cues scan of the text (clf_cues.h), when the caller made it in its topics pass
	 * (the cue expressions as the rules database's guests); NULL: the classifiers that
	 * use the cues scan the text themselves */
	const struct scrm_cues_hits *cues;
	scrm_clf_memo *memo; /* shared scratch (above), NULL: none; set by the caller */
} scrm_clf_item;

/* Initialize an item: text only, every other field unknown. */
void scrm_clf_item_init(scrm_clf_item *it, const char *text, size_t len);

#define SCRM_CLF_WHY_MAX 64

/*
 * scrm_clf_why_put() - append @a @b @c (NULLs skipped) to the explanation why[*len..] as
 * one unit: all of it if it fits (with the NUL), else nothing, so explanations keep whole
 * terms. No printf: classifiers build an explanation per record.
 * Return: 0, or -1 when it did not fit.
 */
int scrm_clf_why_put(char why[SCRM_CLF_WHY_MAX], size_t *len, const char *a, const char *b, const char *c);

/*
 * scrm_clf_why_putn() - scrm_clf_why_put() of the @n bytes at @s, a part whose length the
 * caller knows (SCRM_CLF_WHY_LIT: a string literal's): one copy of known length instead
 * of a loop that looks for each part's end.
 */
static inline int scrm_clf_why_putn(char why[SCRM_CLF_WHY_MAX], size_t *len, const char *s, size_t n)
{
	if (*len + n >= SCRM_CLF_WHY_MAX) {
		why[*len] = 0; /* all or nothing */
		return -1;
	}
	memcpy(why + *len, s, n);
	*len += n;
	why[*len] = 0;
	return 0;
}
#define SCRM_CLF_WHY_LIT(why, len, lit) scrm_clf_why_putn((why), (len), "" lit, sizeof(lit) - 1)

#define SCRM_CLF_NUM_MAX 32

/*
 * scrm_clf_fmt_fixed() - @v as printf's "%+.*f" writes it with @decimals (0..6) digits,
 * byte for byte ("+0.12", "-0.00", "+1.3"), into @out; return its length. Explanations
 * print scores and weights with it (no printf per record). Values with |v| x 10^decimals
 * >= 1e15 and non-finite ones get printf's output, cut to fit.
 */
size_t scrm_clf_fmt_fixed(char out[SCRM_CLF_NUM_MAX], double v, int decimals);

typedef struct scrm_clf_out {
	uint32_t label;    /* index into the task's labels */
	float confidence;  /* 0..1: how sure (classifier-defined; see its descriptor's doc) */
	double score;      /* the task's numeric score (sentiment: compound; influence: 0-100); 0 if none */
	/* The score's parts, for the tasks whose score has some (influence: reach, engagement,
	 * authority, network, each 0-100); other tasks' classifiers leave them unwritten */
	float parts[4];
	/* NUL-terminated, at most SCRM_CLF_WHY_MAX - 1 bytes, whole words/terms only; ""
	 * unless SCRM_CLF_EXPLAIN was passed. */
	char why[SCRM_CLF_WHY_MAX];
} scrm_clf_out;

/* ---- Descriptors ---- */

typedef struct scrm_clf_config {
	const scrm_lexicon *lexicon; /* borrowed; NULL if none loaded */
	const scrm_topics *topics;   /* borrowed, compiled rules; NULL if none */
	const char *model_path;      /* copied by create if needed; NULL if none */
	const char *features;        /* training only: a feature spec (featurize.h,
					scrm_feat_opts_parse) over the classifier's defaults; NULL: none */
	const char *const *aux;      /* training only: n_aux "NAME=MODEL" auxiliary models whose */
	unsigned n_aux;              /* outputs are features of the trained one (linear.h) */
	const struct scrm_encoder *encoder; /* borrowed, loaded (encoder.h); NULL if none: models
					       trained with it are trained to use it, models that
					       use it need it */
	struct scrm_encoder_cache *encoder_cache; /* borrowed; NULL: none (eval and train
						     keep each text's output, the pipeline not) */
} scrm_clf_config;

/* 0 if @spec is "NAME=MODEL" with a usable auxiliary model name (linear.h) and MODEL a
 * file that is there (it is read at training), else -EINVAL or stat()'s -errno with why
 * in @err. */
int scrm_clf_aux_spec_check(const char *spec, char *err, size_t errlen);

enum scrm_clf_flags {
	SCRM_CLF_HAS_SCORE = 1u << 0,       /* writes a meaningful scrm_clf_out.score */
	SCRM_CLF_NEEDS_LEXICON = 1u << 1,   /* create fails (-EINVAL) without config.lexicon */
	SCRM_CLF_NEEDS_MODEL = 1u << 2,     /* create fails (-EINVAL) without config.model_path */
	SCRM_CLF_USES_SENTIMENT = 1u << 3,  /* reads item.sentiment: callers should fill it */
	SCRM_CLF_USES_TOPICS = 1u << 4,     /* reads item.hits: callers should match rules */
	SCRM_CLF_USES_CUES = 1u << 5,       /* reads item.cues (clf_cues.h), scanning the text itself
					       when it is NULL: callers that scan for topics may
					       scan for the cues in the same pass */
};

/* scrm_classifier_classify() flags */
#define SCRM_CLF_EXPLAIN 1u /* fill scrm_clf_out.why (costs some formatting per record) */

typedef struct scrm_classifier_desc {
	scrm_task task;
	const char *name;    /* unique within the task: [a-z0-9_-]+ */
	const char *summary; /* one line for listings */
	unsigned flags;      /* enum scrm_clf_flags */

	/* Make per-thread state from cfg in *state. 0, -ENOMEM, -EINVAL (config lacks what
	 * the classifier needs), -errno or -EBADMSG for a model file; reason in err. */
	int (*create)(void **state, const scrm_clf_config *cfg, char *err, size_t errlen);
	/* Free state; NULL is ignored. */
	void (*free)(void *state);
	/* Classify items[0..n) into out[0..n). No allocation once warm is expected in the
	 * pipeline. Return 0, or -ENOMEM (then out is unspecified). */
	int (*classify)(void *state, const scrm_clf_item *items, size_t n, scrm_clf_out *out,
			unsigned flags);
	/* NULL for rule-based classifiers. Fit a model on items[0..n) with gold label
	 * indices gold[0..n) and write it to model_path (created or replaced). cfg is the
	 * config the model will be used with (model_path in it is ignored). May run on any
	 * thread; keeps nothing. Return 0 or -errno, reason in err. */
	int (*train)(const scrm_clf_config *cfg, const scrm_clf_item *items, const uint32_t *gold, size_t n,
		     const char *model_path, char *err, size_t errlen);
	/* NULL for a classifier that never reads the sentence encoder. Whether this instance
	 * reads cfg->encoder (its model was trained with it), so that a caller that gave one
	 * learns whether it is needed. */
	bool (*uses_encoder)(const void *state);
} scrm_classifier_desc;

/* ---- Registry ---- */

/*
 * scrm_classifier_register() - add a descriptor (borrowed: static storage, or anything
 * that outlives every lookup). Start-up only, main thread, before any other thread
 * looks classifiers up.
 * Return: 0; -EEXIST (same task and name already registered); -EINVAL (bad task, a
 * name not [a-z0-9_-]+, NULL create/free/classify); -ENOSPC (more than 64 added).
 */
int scrm_classifier_register(const scrm_classifier_desc *d);

/* The descriptor of (task, name), or NULL. */
const scrm_classifier_desc *scrm_classifier_find(scrm_task task, const char *name);

/* Number of registered descriptors (built-in first, then registered, in that order). */
size_t scrm_classifier_count(void);

/* Descriptor i (0 .. count-1), or NULL out of range. */
const scrm_classifier_desc *scrm_classifier_at(size_t i);

/*
 * The descriptors of one task, in registry order, into out[0..cap). Returns how many
 * the task has (may exceed cap: then only cap were stored).
 */
size_t scrm_classifier_list(scrm_task task, const scrm_classifier_desc **out, size_t cap);

/* ---- Instances ---- */

typedef struct scrm_classifier scrm_classifier;

/*
 * scrm_classifier_create() - one instance of @d on @cfg (its lexicon and topics must
 * outlive the instance; model_path is not kept). Free with scrm_classifier_free().
 * Return: 0 and *out; -ENOMEM; -EINVAL or another -errno from the descriptor's create,
 * with the reason in err.
 */
int scrm_classifier_create(scrm_classifier **out, const scrm_classifier_desc *d, const scrm_clf_config *cfg,
			   char *err, size_t errlen);

/* NULL is ignored. */
void scrm_classifier_free(scrm_classifier *c);

/* Whether the instance reads its config's sentence encoder (desc.uses_encoder). */
bool scrm_classifier_uses_encoder(const scrm_classifier *c);

/* The instance's descriptor. */
const scrm_classifier_desc *scrm_classifier_desc_of(const scrm_classifier *c);

/*
 * scrm_classifier_classify() - items[0..n) into out[0..n); flags: SCRM_CLF_EXPLAIN or 0.
 * Return: 0, -ENOMEM, -EINVAL (NULL arguments).
 */
int scrm_classifier_classify(scrm_classifier *c, const scrm_clf_item *items, size_t n, scrm_clf_out *out,
			     unsigned flags);

/*
 * scrm_classifier_train() - the descriptor's train hook; -EOPNOTSUPP when it has none
 * (a rule-based classifier).
 */
int scrm_classifier_train(const scrm_classifier_desc *d, const scrm_clf_config *cfg, const scrm_clf_item *items,
			  const uint32_t *gold, size_t n, const char *model_path, char *err, size_t errlen);

/* ---- Built-in descriptors (clf_sentiment.c) ---- */

/* Task sentiment, "vader": the exact VADER (vader.h); label from the compound at the
 * fixed cut; score = compound; confidence = distance from the nearest class boundary,
 * scaled to 0..1 within the class's compound range (a margin, not a probability). */
extern const scrm_classifier_desc scrm_clf_sentiment_vader;
/* Task sentiment, "scrm": the scrm mode of sentiment.h; the same label, score and
 * confidence rules. */
extern const scrm_classifier_desc scrm_clf_sentiment_scrm;

/* ---- Built-in descriptors (clf_cues.c): "cues", transparent rules ---- */

/* Tasks intent, action and complaint, "cues": built-in cue phrases (Hyperscan), the
 * scrm sentiment, spam.h's structural signals and reply structure, in a fixed precedence
 * (clf_cues.c); why names the rule and the words. Confidence: 0.8 a phrase decided, 0.6
 * sentiment or a structural signal did, 0.5 nothing matched (not a probability). */
extern const scrm_classifier_desc scrm_clf_intent_cues;
extern const scrm_classifier_desc scrm_clf_action_cues;
extern const scrm_classifier_desc scrm_clf_complaint_cues;

/* ---- Built-in descriptors (clf_linear.c): "linear", trained ---- */

/* Tasks intent, action, complaint, airline-reason, labels and sentiment, "linear": softmax over hashed text
 * features, the cues' evidence, scrm sentiment and is_reply (linear.h); needs a model file
 * of its task (scrm train); confidence = the label's probability; why = the label and its
 * strongest contributing features. */
extern const scrm_classifier_desc scrm_clf_intent_linear;
extern const scrm_classifier_desc scrm_clf_action_linear;
extern const scrm_classifier_desc scrm_clf_complaint_linear;
extern const scrm_classifier_desc scrm_clf_airline_linear;
extern const scrm_classifier_desc scrm_clf_labels_linear;   /* the labels of scrm_task_set_labels() */
extern const scrm_classifier_desc scrm_clf_sentiment_linear; /* 3 classes; score 0 */
/* Task sentiment, "scrm-learned": the scrm mode with a learned correction. It needs a
 * lexicon and a sentiment model (the linear one's: scrm train --task sentiment); score =
 * W x the scrm mode's compound + (1 - W) x (P(positive) - P(negative)) of the model; the
 * label is cut from that score at +-0.05, as for the rule modes. */
extern const scrm_classifier_desc scrm_clf_sentiment_learned;

/* ---- Built-in descriptor (clf_influence.c) ---- */

/* Task influence, "formula": influence.h's fixed formula (README, "Influence"): reach from
 * followers, engagement from the post's reactions, authority from verified, network from
 * item.network_weight; score = the weighted sum (0-100), parts = the four parts; label low
 * (score < 25), medium (< 50) or high; confidence 1 (a formula, not an estimate); why =
 * "reach R, engagement E, authority A, network N". The text is not read. */
extern const scrm_classifier_desc scrm_clf_influence_formula;

#endif
