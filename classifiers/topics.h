/*
 * topics.h - listening topics and cues: one Hyperscan pass per record.
 *
 * Every term, phrase, hashtag, mention and regex of every topic and cue in a rules file
 * (rules.h) is compiled into ONE Hyperscan block-mode database. A record is scanned once;
 * the callback records which terms matched (and, for NEAR operands, where), then each
 * candidate topic's boolean expression is evaluated from that. Topics and cues share one
 * id space: id i is the i-th topic/cue statement of the file, in file order.
 *
 * Lifecycle and threads:
 *   scrm_topics_compile()         once, at start-up or reload, on any thread;
 *   scrm_topics_scratch_create()  once per analyze worker, at start-up (clones the
 *                                 Hyperscan scratch: never in the scan path);
 *   scrm_topics_match()           per record, on the worker owning the scratch; no
 *                                 allocation, lock or syscall;
 *   the scrm_topics is read-only after compile and shared by all workers; free it only
 *   after every scratch made from it has been freed.
 *
 * Dependencies: rules.h, Hyperscan (libhs >= 5.x).
 */
#ifndef SCRM_TOPICS_H
#define SCRM_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ids reported per record: a record matching more (topics and cues together) keeps
 * the first 512 in file order and counts the rest in dropped (the pipeline reports
 * such records: stats topic_hits_dropped). It was 64, which a rules file of many broad
 * topics could reach, crowding out the cues after them (a spam cue, and its route). */
#define SCRM_TOPICS_MAX_HITS 512

typedef struct scrm_topics scrm_topics;
typedef struct scrm_topics_scratch scrm_topics_scratch;

/* The topics and cues one record matched, ids ascending (file order). */
typedef struct scrm_topic_hits {
	uint32_t n;        /* ids stored in ids[] */
	uint32_t dropped;  /* further matching ids not stored (n == SCRM_TOPICS_MAX_HITS) */
	uint16_t ids[SCRM_TOPICS_MAX_HITS];
} scrm_topic_hits;

/*
 * scrm_topics_compile() - compile the topics and cues of @r.
 * @out: on success a new database (free with scrm_topics_free()); NULL on error.
 * @r:   parsed rules; only read, and not referenced after the call returns.
 * @err: on error, "FILE:LINE:COL: message" + source line + caret for the offending
 *       pattern (e.g. a regex Hyperscan rejects), truncated to @errlen.
 * Return: 0; -EINVAL (a pattern was rejected); -ENOMEM; -E2BIG (more than 65,535 topics).
 */
int scrm_topics_compile(scrm_topics **out, const scrm_rules *r, char *err, size_t errlen);

/*
 * scrm_topics_compile_cached() - the same, with the compiled databases kept in directory
 * @cache_dir (which must exist; NULL or "": no cache): a later compile of the same
 * patterns on the same CPU and Hyperscan loads them instead of compiling (a file per set
 * of patterns, named by a hash of them; see topics.c). A cache file that is damaged or
 * cannot be read or written only means a compile: never an error.
 */
int scrm_topics_compile_cached(scrm_topics **out, const scrm_rules *r, const char *cache_dir, char *err,
			       size_t errlen);

/* What the cache did in the compile that made @t. */
enum {
	SCRM_TOPICS_CACHE_NONE = 0,   /* no cache directory, or no patterns */
	SCRM_TOPICS_CACHE_HIT = 1,    /* loaded from the cache */
	SCRM_TOPICS_CACHE_STORED = 2, /* compiled and written to the cache */
	SCRM_TOPICS_CACHE_FAILED = 3, /* compiled; writing the cache file failed */
};
int scrm_topics_cache_state(const scrm_topics *t);

/*
 * Guests: another matcher's expressions compiled into the same database, so that one
 * Hyperscan pass per record serves both (the intent cues of clf_cues.h when a classifier
 * uses them: scrm_cues_guest()). A guest's match never makes a topic; it goes to the
 * scratch's guest callback (scrm_topics_scratch_guest()) with the guest's own id and the
 * match's end offset, or nowhere without one. Guests are compiled in only beside patterns
 * of the file's own (a file without any gives no database: the guest then scans alone).
 */
#define SCRM_TOPICS_GUEST_MAX (1u << 30) /* guest ids are below it */
typedef struct scrm_topics_guest {
	unsigned n;               /* expressions */
	const char *const *exprs; /* Hyperscan expressions, */
	const unsigned *flags;    /* their Hyperscan flags, */
	const unsigned *ids;      /* and the ids the callback receives */
	uint64_t key;             /* names the set: part of the cache file's key */
} scrm_topics_guest;
/* Return nonzero to stop the scan (scrm_topics_match() then fails with -EIO). */
typedef int (*scrm_topics_guest_fn)(void *ctx, unsigned id, unsigned long long to);

/*
 * scrm_topics_compile_rules() - scrm_topics_compile_cached() with the cache directory
 * @cache_dir, or when it is NULL the rules file's `set rules-cache = DIR` (relative to the
 * file); the directory is made when missing (one level); and with the guest expressions
 * of @guest (may be NULL) in the database. What `scrm run/replay/check/eval` call.
 */
int scrm_topics_compile_rules(scrm_topics **out, const scrm_rules *r, const char *cache_dir,
			      const scrm_topics_guest *guest, char *err, size_t errlen);
/* 1 if @t's database holds guest expressions (NULL: 0). */
int scrm_topics_has_guest(const scrm_topics *t);

/* scrm_topics_free() - NULL is a no-op. */
void scrm_topics_free(scrm_topics *t);

/* Number of topics + cues; ids are 0 .. count-1. */
uint32_t scrm_topics_count(const scrm_topics *t);
/* Name of topic/cue @id (lives as long as @t). */
const char *scrm_topics_name(const scrm_topics *t, uint16_t id);
/* 1 if @id is a cue, 0 if a topic. */
int scrm_topics_is_cue(const scrm_topics *t, uint16_t id);
/* Select topics and cues of @t by name: @list holds names separated by commas or spaces,
 * a name ending in '*' standing for every name that starts with what precedes it
 * (brand.*). Sets the bit of each selected id in @bits (65,536 bits, zeroed first).
 * Returns 0, or -EINVAL with a message that starts with @what in @err: no topics (@t
 * NULL), an empty list, a name or prefix that selects nothing. */
int scrm_topics_select(const scrm_topics *t, const char *list, const char *what, uint32_t *bits, char *err,
		       size_t errlen);
/* Rules-file line of @id. */
uint32_t scrm_topics_line(const scrm_topics *t, uint16_t id);
/* Distinct patterns in the database, its size (hs_database_size), compile wall time. */
uint32_t scrm_topics_pattern_count(const scrm_topics *t);
size_t scrm_topics_db_size(const scrm_topics *t);
double scrm_topics_compile_ms(const scrm_topics *t);
/* How many of its regexes it finds by one byte outside Hyperscan (topics.c: struct bytepat). */
uint32_t scrm_topics_byte_regex_count(const scrm_topics *t);

/*
 * scrm_topics_scan_cost() - what Hyperscan's scan of the database costs on the n texts
 * texts[i] (lens[i] bytes each), one scan per text with no work in the match callback
 * (ns per text, the best of at least 3 passes and about 0.2 s), and the same, pass by
 * pass in turn, for a database of every pattern but
 * the regexes (`/.../`): regexes can bring in engines that run over every text whatever
 * they match (`scrm check --sample`). Compiles that second database (tens of ms).
 * Return: 0, -EINVAL (no database or no texts), -ENOMEM, or -EIO (Hyperscan failed).
 */
typedef struct scrm_topics_cost {
	double ns_per_text;          /* the database as compiled */
	double ns_without_regexes;   /* without its regexes (= ns_per_text when it has none) */
	uint32_t regexes, patterns;  /* how many of its patterns are regexes */
	uint32_t byte_regexes;       /* regexes found by one byte outside Hyperscan (not in regexes) */
} scrm_topics_cost;
int scrm_topics_scan_cost(const scrm_topics *t, const char *const *texts, const size_t *lens, size_t n,
			  scrm_topics_cost *out);

/*
 * scrm_topics_scratch_create() - per-thread match state for @t (Hyperscan scratch
 * cloned, bitsets and position buffers sized once). @t must outlive it.
 * Return: 0 or -ENOMEM.
 */
int scrm_topics_scratch_create(scrm_topics_scratch **out, const scrm_topics *t);
/* NULL is a no-op. */
void scrm_topics_scratch_free(scrm_topics_scratch *s);
/* Where the guests' matches of scrm_topics_match() on @s go: @fn(@ctx, id, end), called
 * from inside the scan (so @fn must not scan with @s). NULL @fn: nowhere (the default). */
void scrm_topics_scratch_guest(scrm_topics_scratch *s, scrm_topics_guest_fn fn, void *ctx);

/*
 * scrm_topics_match() - which topics and cues a record matches.
 * @text:   the message text, @len bytes of UTF-8 (listen's normalized text). Invalid
 *          UTF-8 is safe (fuzzed) but matches near the bad bytes are unspecified;
 * @handle: the author handle (without '@'; a leading '@' is ignored), @hlen bytes; may
 *          be NULL with @hlen 0: then from: is false;
 * @lang:   the record's language code, @llen bytes; NULL/0: lang: is false;
 * @out:    filled with the matching ids, ascending.
 * Every occurrence of a NEAR operand counts, however long the text (the positions grow
 * from 1,024; they were capped there, shared by all of a record's NEARs); a NEAR costs
 * one pass over them, sorted once per record.
 * Cost: one hs_scan() plus a few ns per candidate topic; no lock or syscall, and no
 * allocation unless a text has more than 1,024 NEAR operand occurrences
 * (sample rules, 94 patterns, ~70-byte texts: ~0.43 us/record on one core).
 * Return: 0, -EIO if Hyperscan fails, -ENOMEM if the positions cannot grow (out->n is
 * then 0).
 */
int scrm_topics_match(scrm_topics_scratch *s, const char *text, size_t len, const char *handle,
		      size_t hlen, const char *lang, size_t llen, scrm_topic_hits *out);

#define SCRM_TOPICS_MAX_TERMS 64

/* Why each hit matched: the leaves (terms, phrases, hashtags, mentions, regexes) of its
 * query that matched the text, not counting leaves under a negation; in query order,
 * each leaf once per hit. from:/lang: are field filters, not terms: not listed. */
typedef struct scrm_topic_terms {
	uint32_t n;
	uint32_t dropped;                      /* further terms not stored */
	uint16_t hit[SCRM_TOPICS_MAX_TERMS];   /* index into scrm_topic_hits.ids */
	uint32_t pat[SCRM_TOPICS_MAX_TERMS];   /* term id: scrm_topics_term_text() */
} scrm_topic_terms;

/*
 * scrm_topics_match_why() - scrm_topics_match() that also fills @terms (may be NULL:
 * then it is scrm_topics_match()). Costs a walk over each hit's query.
 */
int scrm_topics_match_why(scrm_topics_scratch *s, const char *text, size_t len, const char *handle,
			  size_t hlen, const char *lang, size_t llen, scrm_topic_hits *out,
			  scrm_topic_terms *terms);

/* The term @pat as written in the rules file (`refund*`, `"still waiting"`, `#tag`,
 * `@handle`, `/re/i`), NUL-terminated; lives as long as @t. A term shared by several
 * queries is shown as first written. */
const char *scrm_topics_term_text(const scrm_topics *t, uint32_t pat);

/*
 * scrm_topics_never_matches() - 1 if topic/cue @id can be shown never to match: a
 * contradiction such as `a -a` or `lang:en lang:fr` (a search over assignments of its
 * distinct leaves that stops where the query is settled, within a budget of steps; 0 =
 * not shown).
 */
int scrm_topics_never_matches(const scrm_topics *t, uint16_t id);

/* 1 if code point @cp is a word character: exactly Hyperscan's UCP \w (letters, digits,
 * '_'). Word boundaries and NEAR's word counts use it. */
int scrm_topics_is_word_cp(uint32_t cp);

#ifdef __cplusplus
}
#endif

#endif
