/*
 * clf_cues.h - the built-in intent cues: phrase lists for question, complaint, praise,
 * purchase, churn, suggestion, spam and mid-thread information replies, compiled once
 * into a Hyperscan database of their own, and the transparent rules of the `cues`
 * classifier (clf_cues.c) that turn cue hits, the scrm-mode sentiment, spam.h's
 * structural signals and reply structure into an intent and action_needed.
 *
 * The `linear` classifier (clf_linear.c) uses the same matcher: the cue groups that fired
 * and the rules' intent are features of its model, so both classifiers see the same
 * evidence.
 *
 * Lifecycle and threads: the first scrm_cues_create() in the process loads the database
 * (the copy compiled at build time and embedded in the binary, else compiled then; once,
 * thread-safe; it is shared read-only and lives as long as the process);
 * every create allocates its own Hyperscan scratch, and the object is then used by one
 * thread at a time (one per classifier instance, so per analyze worker). Scanning
 * allocates only when a text has more cue matches than any before it in this instance
 * (its match buffer starts at 64 and doubles).
 *
 * Dependencies: libhs, spam.h, vader.h (scrm_sentiment), classifier.h (label indices).
 */
#ifndef SCRM_CLF_CUES_H
#define SCRM_CLF_CUES_H

#include <stddef.h>
#include <stdint.h>

#include "vader.h"

/* Cue groups (bit i of scrm_cues_hits.groups). */
typedef enum scrm_cue_group {
	SCRM_CUE_QUESTION = 0,  /* "how do i", "can i", "?", "anyone know" */
	SCRM_CUE_COMPLAINT,     /* "still waiting", "not working", "worst", "delayed" */
	SCRM_CUE_PRAISE,        /* "thank", "love", "awesome" */
	SCRM_CUE_PURCHASE,      /* "want to buy", "how much", "sign up", "upgrade", "quote" */
	SCRM_CUE_CHURN,         /* "cancel my", "switching to", "never again" */
	SCRM_CUE_SUGGESTION,    /* "would be great if", "please add", "you should" */
	SCRM_CUE_SPAM,          /* "giveaway", "promo code", "cashed out" (strong) */
	SCRM_CUE_SPAM_WEAK,     /* "free", "win", "sale": spam only with a link */
	SCRM_CUE_INFO,          /* mid-thread information: "done", "dm sent", an OS or device */
	SCRM_CUE_RESOLVED,      /* a resolution: "problem fixed", "got it working" (counts as praise;
				 * the complaint words inside it do not count) */
	SCRM_CUE_DM_REQUEST,    /* "follow me back", "need to follow me": so that the writer can DM,
				 * a question (GUIDELINE.md); its "you need to" is no suggestion */
	SCRM_CUE_NGROUPS
} scrm_cue_group;

/* "question", "complaint", ..., "spam_weak", "info". */
const char *scrm_cue_group_name(unsigned g);

/* What one text matched: per group, the first (leftmost) match as a byte range. */
typedef struct scrm_cues_hits {
	uint32_t groups;                       /* bit g: group g matched */
	uint32_t from[SCRM_CUE_NGROUPS];       /* leftmost match of group g: text[from, to) */
	uint32_t to[SCRM_CUE_NGROUPS];
	uint32_t mention;                      /* 1: an @mention in the text */
	uint32_t hashtags;                     /* #hashtags in the text */
	uint32_t links;                        /* http://, https://, www. links */
	uint32_t spam_bits;                    /* scrm_spam_scan() of the text */
} scrm_cues_hits;

typedef struct scrm_cues scrm_cues;

/*
 * scrm_cues_create() - a matcher: the shared databases (compiled on the first call when
 * the embedded ones cannot be used, about 0.2 s) and scratches of its own. Return: 0; -ENOMEM; -EIO if Hyperscan rejects the lists (a bug:
 * the message names the pattern).
 */
int scrm_cues_create(scrm_cues **out, char *err, size_t errlen);
/* NULL is ignored. */
void scrm_cues_free(scrm_cues *c);

/* 1 when the database is the one compiled at build time and embedded in the binary, 0
 * when it was compiled at start-up (another CPU than the build machine's, or none
 * embedded). Loads it if needed. */
int scrm_cues_db_embedded(void);

/* Scan @len bytes of @text into *h; @spam_bits is scrm_spam_scan() of the text when the
 * caller has it (>= 0), else -1 and it is computed. Return: 0, -EIO if Hyperscan fails,
 * -ENOMEM if the match buffer cannot grow. */
int scrm_cues_scan(scrm_cues *c, const char *text, size_t len, int spam_bits, scrm_cues_hits *h);

/*
 * The cues scanned by another scan: the rules file's database (topics.h) holds the main
 * database's expressions as its guests, so that one Hyperscan pass per record finds the
 * listening topics and the cues (the pipeline does this when a classifier uses the cues).
 *   scrm_cues_guest()       the expressions, their flags and ids, and a key naming the
 *                           set (for topics.h's cache); they live as long as the process.
 *                           Return 0, -ENOMEM, or scrm_cues_create()'s error;
 *   scrm_cues_feed_begin()  before the other scan of @text (@len bytes);
 *   scrm_cues_feed()        the other scan's callback for each guest match (@cues: the
 *                           scrm_cues; @id: the guest id; @to: the match's end); returns
 *                           0, so that it never stops the other scan;
 *   scrm_cues_feed_end()    after it: what scrm_cues_scan() of the same text would give
 *                           (the one-byte literals and gated regexes are found here).
 *                           Return 0, -EIO, or -ENOMEM (also when a feed could not keep a
 *                           match).
 * The text must stay in place from begin to end.
 */
struct scrm_topics_guest;
int scrm_cues_guest(struct scrm_topics_guest *g);
void scrm_cues_feed_begin(scrm_cues *c, const char *text, size_t len);
int scrm_cues_feed(void *cues, unsigned id, unsigned long long to);
int scrm_cues_feed_end(scrm_cues *c, int spam_bits, scrm_cues_hits *h);

/*
 * The same, with the rest of the work deferred: a chunk's texts are all scanned before any
 * is finished, so that the other scan's code and tables stay in the caches instead of
 * being evicted, record by record, by the cues' own (the one-byte literals, the gated
 * regexes' databases, the rules' view). Per chunk:
 *   scrm_cues_keep_reset()  forget what was kept;
 *   per text: scrm_cues_feed_begin(), the other scan with scrm_cues_feed(), then
 *   scrm_cues_feed_keep()   keeps its matches under *@k (no text is kept: the caller's
 *                           must stay where it is). Return 0 or -ENOMEM;
 *   then per text: scrm_cues_kept_end() with the same @k, text and length: what
 *                           scrm_cues_feed_end() would have given. Return as it does.
 */
typedef struct scrm_cues_kept {
	uint32_t at, n, trig;
} scrm_cues_kept;
void scrm_cues_keep_reset(scrm_cues *c);
int scrm_cues_feed_keep(scrm_cues *c, scrm_cues_kept *k);
int scrm_cues_kept_end(scrm_cues *c, const scrm_cues_kept *k, const char *text, size_t len, int spam_bits,
		       scrm_cues_hits *h);

/* One match of a cue list, as the rules receive it: list @list (an index into the lists
 * of cues_patterns.h) matched text[from, to), the leftmost start of its matches ending
 * at @to (a stem's end not yet extended to its word's end). */
typedef struct scrm_cue_match {
	uint32_t list, from, to;
} scrm_cue_match;

/* The matches of @text in the order the rules take them (by end, then list), at most
 * @max of them written to @out. For tests, which compare them with Hyperscan's start of
 * match on the lists as written. Return how many there are, or -EIO / -ENOMEM. */
long scrm_cues_matches(scrm_cues *c, const char *text, size_t len, scrm_cue_match *out, size_t max);

/* The rules' decision for one text (clf_cues.c documents the precedence). */
typedef struct scrm_cues_decision {
	uint32_t intent;   /* SCRM_TASK_INTENT label index */
	uint32_t action;   /* 0 / 1 */
	int group;         /* the cue group that decided the intent, or -1 (sentiment or none) */
	float confidence;  /* by kind of evidence, see clf_cues.c; not a probability */
	uint8_t addressed; /* 1: an @mention or a known reply; 2: only its direct channel; 0: not */
} scrm_cues_decision;

/*
 * scrm_cues_decide() - apply the rules to hits @h of @text, the scrm-mode sentiment @s
 * (NULL: unknown, sentiment rules do not fire), @is_reply (1, 0, -1 unknown) and @direct
 * (1: the message came on a channel that only goes to the company, e-mail or chat, so it
 * is addressed to it without an @mention; scrm_clf_item.direct).
 */
void scrm_cues_decide(const scrm_cues_hits *h, const scrm_sentiment *s, int is_reply, int direct,
		      scrm_cues_decision *d);

struct scrm_sent;
struct scrm_clf_item;
/*
 * scrm_cues_analyze() - scan item @it's text and decide in one step, from the item's
 * is_reply, direct and spam_bits (as for scrm_cues_scan()); its cues (may be NULL), the
 * hits of a scan the caller already made (scrm_cues_feed_end()), are used instead of
 * scanning. *@s is the scrm-mode sentiment the caller has (may be NULL); when it is NULL
 * and @sent (a scorer of sentiment.h) is not, the text is scored into *@scratch and *@s
 * points there. With the item's memo (classifier.h; may be NULL) the result is kept
 * there, and a later call on the same record reuses it instead of scanning again.
 * Return 0 or -errno.
 */
int scrm_cues_analyze(scrm_cues *c, struct scrm_sent *sent, const struct scrm_clf_item *it, const scrm_sentiment **s,
		      scrm_sentiment *scratch, scrm_cues_hits *h, scrm_cues_decision *d);

#endif
