/*
 * pipeline.c - threads, chunks and rings of the scrm pipeline (design in pipeline.h).
 *
 * Chunk lifecycle (one owner at a time, handed over by ring pushes):
 *   pool --(free ring)--> reader --(in[w])--> worker w: analyze
 *   worker w --(to_relate[w][t], every t)--> relate t: relate + act on its records
 *   relate t --(ack[t][w])--> worker w: once all P acks are in, emit (serialize+zstd)
 *   worker w --(to_writer[w])--> writer: append frames in chunk order --> free ring
 * While relate threads hold a chunk they only write the records they own (disjoint
 * slots); the worker reads them again only after every relate thread has released the
 * chunk through its ack ring (acquire/release on the ring indices).
 *
 * End of stream: the reader sends N end markers with the next N chunk numbers, one to
 * each worker; every consumer that walks chunk numbers in order stops after N markers.
 */
#include "pipeline.h"

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "buf.h"
#include "csv.h"
#include "event.h"
#include "ilog.h"
#include "logstream.h"
#include "record.h"
#include "relate.h"
#include "ring.h"
#include "sink.h"
#include "source.h"
#include "utf8.h"
#include "classifier.h"
#include "clf_cues.h"
#include "encoder.h"
#include "customers.h"
#include "route.h"
#include "influence.h"
#include "ktab.h"
#include "sentiment.h"
#include "spam.h"

/* In-flight limits. IN_CAP chunks may wait for a worker, a worker keeps at most
 * PENDING chunks between analyze and emit, and OUT_CAP finished chunks may wait for
 * the writer. The ack and to_relate rings hold PENDING entries, so pushes into them
 * never block (no cycle can deadlock). */
#ifndef IN_CAP
#define IN_CAP 2
#endif
#ifndef PENDING
#define PENDING 4
#endif
#ifndef OUT_CAP
#define OUT_CAP 4
#endif

/* The most records (lines) one batch takes from the reader: a chunk of more is sent as
 * several (reader_send_bounded()), so what a batch holds is bounded by its lines too. */
#define BATCH_RECORDS SCRM_CHUNK_LINES

/* One block of the interaction log a chunk writes (chunk.lbs). */
struct logblock {
	uint32_t part;
	scrm_ilog_built b;
};

typedef struct chunk {
	uint64_t seq;
	uint32_t in_index;
	bool end;                 /* end-of-stream marker */
	/* with a log, for a regular input: which file the chunk is from (file_id()) and its
	 * first bytes (head_of(); 0: not known yet), for the checkpoint (the name may stand
	 * for another file after a rotation) */
	uint64_t fid, fhd;
	bool last_of_file;        /* the end of a file that was rotated away or truncated: its
				     unfinished last line will not grow, so it is not held */
	bool silent;              /* state rebuild from the log: analyzed and related, never emitted */
	const scrm_csv_map *csv;  /* a CSV input's columns (its header), NULL: NDJSON */
	const scrm_customers *custs; /* the CRM table this chunk resolves with (one per chunk) */
	_Atomic unsigned dup_done; /* relate threads done with the chunk's near-duplicates */
	char *data;               /* input bytes, cap + SCRM_PADDING allocated */
	size_t len, cap;
	scrm_chunk_info info;
	scrm_recvec recs;
	scrm_buf arena;
	uint32_t *pidx;           /* record indices grouped by relate thread */
	size_t pidx_cap;
	uint32_t pstart[SCRM_MAX_RELATE + 1];
	uint32_t *didx;           /* indices of records with a near-duplicate key, grouped by
				     the relate thread that owns the key's window */
	size_t didx_cap;
	uint32_t dstart[SCRM_MAX_RELATE + 1];
	uint32_t *midx;           /* mentions (record index << 3 | mention index), grouped by the
				     relate thread that owns the mentioned handle's partition */
	size_t midx_cap;
	uint32_t mstart[SCRM_MAX_RELATE + 1];
	scrm_buf out[SCRM_MAX_ROUTES]; /* per route: a zstd frame, or plain NDJSON */
	uint64_t route_events[SCRM_MAX_ROUTES];
	uint64_t alert_copies;    /* events also written to the alerts route */
	scrm_buf logblk, logcust; /* with a log: its blocks, built by the worker
				     (scrm_ilog_builder), written by the writer */
	struct logblock *lbs;     /* the blocks, in partition order: one per partition it
				     touched, more where one would pass SCRM_ILOG_BLOCK_MAX */
	size_t nlbs, lbs_cap;
	scrm_buf rej;             /* reject lines (NDJSON) */
	uint64_t lines, rejected, repaired, repaired_num, filtered, hits_dropped;
	uint64_t other_lang, other_lang_none; /* sentiment: texts in another language (sentiment.h) */
	uint64_t gated;           /* records whose model classifiers model_topics left to cues */
	uint64_t rejects[SCRM_REJ__COUNT];
	uint64_t skipped[SCRM_SKIP__COUNT];
	bool held;                /* its input's unfinished last line was left unread (hold_tail) */
	bool held_oversize;       /* ... and it is longer than --max-record so far */
	uint64_t held_off, held_line, held_len;
	unsigned acks;            /* worker-local: relate threads done with this chunk */
	bool failed;              /* analysis or emit failed: the writer must not use it */
	uint8_t relate_failed[SCRM_MAX_RELATE]; /* set by relate thread t (its own slot) */
} chunk;

typedef struct pipeline pipeline;

typedef struct worker {
	pipeline *pl;
	int id;
	pthread_t th;
	scrm_waiter wait;
	scrm_ring in;                     /* reader -> this worker */
	scrm_ring to_relate[SCRM_MAX_RELATE];
	scrm_ring to_writer;
	scrm_normalizer *norm;
	scrm_normalizer *norm_auto;       /* for the log's events when --format is forced */
	scrm_normalizer *norm_csv;        /* CSV rows, as canonical JSON (any_csv) */
	scrm_buf csv_json;                /* a CSV row's JSON line */
	scrm_sent *sent;                  /* NULL without a lexicon */
	char *symbols;                    /* a text in another language's emoji and emoticons
					     (scrm_sent_symbols), pl->sent_max bytes */
	scrm_topics_scratch *topics;      /* NULL without rules */
	scrm_cues *cues;                  /* when the rules' database holds the cues as guests
					     (topics.h): fed by the topics scan; else NULL */
	scrm_cues_hits *cue_hits;         /* with cues: each record's (grows to a chunk) */
	scrm_cues_kept *cue_kept;         /* each record's matches from the topics pass, until
					   * the cues' own pass over the chunk */
	size_t cue_cap;
	scrm_classifier *clf[2];          /* intent, action: NULL when not configured */
	scrm_classifier *clf_gated[2];    /* with model_topics: the task's cues classifier for
					     the records the gate keeps from clf[k]; else NULL */
	scrm_classifier *sent_learned;    /* --sentiment-model: scrm-learned, else NULL */
	struct scrm_encoder_cache *enc_recent; /* with an encoder: its recent outputs (encoder.h),
						 shared by this worker's classifiers; else NULL */
	scrm_clf_item *items;             /* classifier batch scratch (grows to a chunk) */
	scrm_clf_out *outs;
	scrm_clf_out *outs2;              /* the second classifier's, when both run */
	scrm_sentiment *sents;
	scrm_topic_hits *hits;
	scrm_clf_memo *memos;             /* one per record: work the classifiers share */
	size_t items_cap;
	ZSTD_CCtx *cctx;
	scrm_ilog_builder *lbuild;        /* with a log: builds each chunk's blocks (lazily) */
	uint32_t *lorder;                 /* with a log: record indices by partition */
	size_t lorder_cap;
	struct logref {                   /* with a log: where emit wrote record i's event */
		uint32_t off, len;        /* (the payload: its bytes but the newline) */
		scrm_buf *buf;            /* a route's scratch, or c->out[0] without zstd */
	} *logref;
	size_t logref_cap;
	scrm_buf scratch[SCRM_MAX_ROUTES];
	chunk *pending[PENDING];          /* FIFO of analyzed chunks awaiting acks */
	unsigned pend_head, pend_len;
	_Atomic uint64_t records, bytes, ns_analyze, ns_emit, event_bytes;
	int error;
} worker;

typedef struct relate {
	pipeline *pl;
	int id;
	pthread_t th;
	scrm_waiter wait;
	scrm_ring ack[SCRM_MAX_WORKERS];  /* this relate thread -> worker w */
	scrm_classifier *infl;            /* the influence classifier (classifier.h), this thread's */
	_Atomic uint64_t records, ns;
	int error;
} relate;

struct pipeline {
	const scrm_pipeline_cfg *cfg;
	int nw, np;
	worker *workers;
	relate *relates;
	chunk *pool;
	size_t pool_n;
	chunk *ends;
	scrm_ring free_ring;              /* writer -> reader */
	scrm_waiter reader_wait, writer_wait;
	scrm_sink *route_sink[SCRM_MAX_ROUTES];
	scrm_sink *rej_sink;
	bool rej_tty;                     /* rejects go to stderr, where the progress line is:
					     written under term_mu, the line cleared first */
	pthread_mutex_t term_mu;
	scrm_event_names names;
	const char *route_names[SCRM_MAX_ROUTES];
	size_t n_routes;
	bool compress;
	size_t sent_max;                  /* bytes of a text given to VADER at most */
	scrm_sent_langs sent_langs;       /* the languages the lexicon's words score */
	unsigned sent_modes;              /* bit per scrm_sent_mode scored */
	scrm_sent_mode sent_primary;      /* the mode `why` explains (scrm when scored) */
	uint32_t spam_cue_bits[65536 / 32]; /* cue ids named spam.* */
	bool have_spam_cues;
	scrm_dupwin *dupwin[SCRM_PARTITIONS]; /* window p: owned by relate thread p mod np */
	scrm_custtab *custs[SCRM_PARTITIONS]; /* customer states of partition p: the same owner */
	scrm_nettab *net[SCRM_PARTITIONS];    /* network weights (influence.h), owned likewise */
	uint32_t hit_words;               /* routing: words of the topic/cue bitset */
	uint64_t alert_copies;            /* events also written to the alerts route */
	/* The CRM table in force: swapped whole by a reload (the calling thread); tables
	 * replaced are kept until the run ends, since events may still point into them. */
	_Atomic(const scrm_customers *) customers;
	/* SIGHUP's tables. `owned`: the one in use, if a reload loaded it (the first is the
	 * caller's). A replaced one is retired with the count of chunks dispatched when it was
	 * swapped out (every later chunk sees the new one) and freed once the writer has
	 * popped that many: by then no chunk can point into it (reclaim_customers()). */
	scrm_customers *owned;
	scrm_customers **first; /* the caller's table when it gave it (customers_owned), until retired */
	uint64_t reload_sent;   /* rd_chunks at the last reload (a reload waits for a batch read since) */
	struct {
		scrm_customers *table;
		uint64_t until; /* free when popped_chunks >= until */
	} retired[SCRM_MAX_RELOADS];
	int nretired;
	_Atomic uint64_t popped_chunks; /* chunks the writer has taken: emit, the last use of a table, is done */
	scrm_ilog *ilog;                  /* the interaction log, written by the writer thread */
	uint64_t log_commit, log_records, log_truncated;
	/* Resume (set up before the threads start, then read-only): the log's latest
	 * checkpoint says how far each input and output got and how many records there
	 * were; the reader first streams the log's interactions back (silent chunks) to
	 * rebuild the state, then skips what the inputs already gave. */
	bool resume;
	uint64_t resume_seq;              /* records of earlier runs (the next seq) */
	uint64_t log_max_record;          /* the largest --max-record of the runs that wrote the
					     log (checkpoint "mr"; 0: an older log without it) */
	bool rebuild_checked;             /* the writer compared rebuilt with resume_seq */
	uint64_t rebuild_oversize;        /* logged events the rebuild found too long to read */
	uint64_t *resume_in;              /* per input: bytes already consumed, UINT64_MAX all */
	uint64_t *done_at;                /* writer, with a log: per input, the bytes consumed so
					     far (the checkpoint's in:PATH; UINT64_MAX all, from a
					     checkpoint of an older scrm) */
	uint64_t held;                    /* writer: such lines (hold_tail) */
	bool any_csv;                     /* an input is CSV (in_csv()) */
	scrm_csv_map **csv_maps;          /* reader: the CSV headers read, freed at the end */
	size_t n_csv_maps, csv_maps_cap;
	bool *in_regular;                 /* with a log: per input, a regular file (stat at start:
					     only those are resumed and hold their last line) */
	uint64_t *in_fid;                 /* ... and which file: file_id() (the checkpoint's
					     fid:PATH), 0 for anything else */
	uint64_t *in_head;                /* ... and its first bytes: head_changed() (fhd:PATH) */
	int log_lockfd;                   /* --log: the directory, flock'ed for the whole run */
	uint64_t resume_out[SCRM_MAX_ROUTES + 1]; /* per route, then rejects: bytes; UINT64_MAX unknown */
	uint64_t next_seq;                /* writer: records so far */
	uint64_t rebuilt, skipped_bytes;  /* records streamed back from the log; input bytes skipped */
	scrm_ilog_input *ckpt;            /* the checkpoint's entries (ckpt_setup) */
	size_t nckpt;
	size_t *ckpt_id_at;               /* per input: its fid: entry (its fhd: entry next),
					     which each chunk of it sets (the file it came from
					     changes with a rotation); 0: none (not a regular file) */
	/* per input, resumed: the file the checkpoint counted, found beside a new one under
	 * the name (rotated while no run was reading it: rotated_away()); NULL: none */
	char **resume_old;
	uint64_t *resume_old_off, *resume_old_fid, *resume_old_fhd;
	char *ckpt_names;
	uint64_t ckpt_bytes;              /* about how long one checkpoint is (ckpt_setup) */
	uint64_t ckpt_since;              /* writer: input bytes of the batches since the last
					     checkpoint written, */
	bool ckpt_pending;                /* ... whether their state is not in one yet
					     (log_checkpoint()), */
	bool ckpt_any;                    /* ... and whether this run wrote one */
	bool writer_stopped;              /* writer-local: outputs end at the last good chunk */
	_Atomic int fatal;                /* -errno of the first fatal error */
	_Atomic int done;
	/* Start gate: threads wait here until every thread exists (1) or one could not
	 * be created (-1: they all return at once). Start-up only, never per record. */
	pthread_mutex_t gate_mu;
	pthread_cond_t gate_cv;
	int gate;
	/* reader stats */
	_Atomic uint64_t rd_raw, rd_ns, rd_chunks;
	double cpu0_user, cpu0_sys;       /* the process's CPU when the run began */
	_Atomic bool uring;
	/* writer stats */
	_Atomic uint64_t wr_events, wr_bytes, wr_ns, wr_chunks;
	/* the input of the batches written: bytes (a CSV header's too, counted when read;
	 * the progress line reads it) and records */
	_Atomic uint64_t in_bytes;
	uint64_t records_in;
	uint64_t route_events[SCRM_MAX_ROUTES];
	uint64_t lines, rejected, repaired, repaired_num, filtered, hits_dropped;
	uint64_t other_lang, other_lang_none;
	uint64_t model_gated;
	uint64_t rejects[SCRM_REJ__COUNT];
	uint64_t skipped[SCRM_SKIP__COUNT];
	/* model_topics: the topic and cue ids that let a record reach the model classifiers
	   (65,536 bits), NULL: no gate; model_gate[k]: classifier k is gated */
	const uint32_t *model_bits; /* cfg->model_topics */
	size_t direct_len[SCRM_MAX_DIRECT]; /* strlen() of each of cfg->direct_channels ... */
	size_t n_direct;                    /* ... of the first n_direct (at most SCRM_MAX_DIRECT) */
	bool model_gate[2];
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* CPU time of the calling thread: what a stage's busy time counts (a thread that the
 * kernel preempts for another process, or that blocks, is not busy meanwhile). */
static uint64_t cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

static bool gate_pass(pipeline *pl)
{
	pthread_mutex_lock(&pl->gate_mu);
	while (pl->gate == 0)
		pthread_cond_wait(&pl->gate_cv, &pl->gate_mu);
	bool go = pl->gate > 0;
	pthread_mutex_unlock(&pl->gate_mu);
	return go;
}

static void gate_open(pipeline *pl, int value)
{
	pthread_mutex_lock(&pl->gate_mu);
	pl->gate = value;
	pthread_cond_broadcast(&pl->gate_cv);
	pthread_mutex_unlock(&pl->gate_mu);
}

static void set_fatal(pipeline *pl, int err)
{
	int zero = 0;
	atomic_compare_exchange_strong(&pl->fatal, &zero, err);
}

static bool should_stop(pipeline *pl)
{
	if (atomic_load_explicit(&pl->fatal, memory_order_relaxed))
		return true;
	return pl->cfg->stop && *pl->cfg->stop;
}

void scrm_pipeline_cfg_default(scrm_pipeline_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->workers = 1;
	cfg->relate_threads = 1;
	cfg->chunk_size = 512u << 10;
	cfg->max_record = 1u << 20;
	cfg->zstd_level = SCRM_DEFAULT_ZSTD_LEVEL;
	cfg->format = SCRM_FORMAT_AUTO;
	cfg->from_ms = INT64_MIN;
	cfg->to_ms = INT64_MAX;
	cfg->stop_fd = -1;
	cfg->dup_window_ms = SCRM_DEFAULT_DUP_WINDOW_MS;
	cfg->max_customers = SCRM_DEFAULT_MAX_CUSTOMERS;
}

/* ------------------------------------------------------------------ rejects */

static const char b64tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int put_base64(scrm_buf *out, const unsigned char *s, size_t n)
{
	if (scrm_buf_reserve(out, (n + 2) / 3 * 4 + 2))
		return -ENOMEM;
	char *o = out->data + out->len;
	*o++ = '"';
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*o++ = b64tab[v >> 18];
		*o++ = b64tab[(v >> 12) & 63];
		*o++ = b64tab[(v >> 6) & 63];
		*o++ = b64tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
		*o++ = b64tab[v >> 18];
		*o++ = b64tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o++ = '"';
	out->len = (size_t)(o - out->data);
	return 0;
}


#define LIT(b, s) scrm_buf_append((b), (s), sizeof(s) - 1)

/* One quarantine line: where the line was, why, and the line itself (as a JSON string
 * when it is valid UTF-8, else base64 in raw_b64) so nothing is lost. */
static int write_reject(scrm_buf *o, const char *input, uint64_t offset, uint64_t line,
			const char *reason, const char *detail, const char *raw, size_t rawlen,
			uint64_t length)
{
	int rc = 0;
	rc |= LIT(o, "{\"input\":");
	rc |= scrm_json_put_str(o, input, strlen(input));
	rc |= LIT(o, ",\"offset\":");
	rc |= scrm_json_put_i64(o, (int64_t)offset);
	rc |= LIT(o, ",\"line\":");
	rc |= scrm_json_put_i64(o, (int64_t)line);
	rc |= LIT(o, ",\"reason\":");
	rc |= scrm_json_put_str(o, reason, strlen(reason));
	rc |= LIT(o, ",\"detail\":");
	if (detail)
		rc |= scrm_json_put_str(o, detail, strlen(detail));
	else
		rc |= LIT(o, "null");
	rc |= LIT(o, ",\"length\":");
	rc |= scrm_json_put_i64(o, (int64_t)length);
	if (raw) {
		if (scrm_utf8_valid_prefix((const unsigned char *)raw, rawlen) == rawlen) {
			rc |= LIT(o, ",\"raw\":");
			rc |= scrm_json_put_str(o, raw, rawlen);
		} else {
			rc |= LIT(o, ",\"raw_b64\":");
			rc |= put_base64(o, (const unsigned char *)raw, rawlen);
		}
	}
	rc |= LIT(o, "}\n");
	return rc ? -ENOMEM : 0;
}

/* ------------------------------------------------------------------ analyze */

/* Called by the worker when it takes a chunk from the reader: nothing from the
 * chunk's previous trip through the pool may survive (outputs, acks, flags). */
static void chunk_reset(chunk *c)
{
	c->recs.len = 0;
	c->arena.len = 0;
	c->rej.len = 0;
	for (int r = 0; r < SCRM_MAX_ROUTES; r++)
		c->out[r].len = 0;
	memset(c->pstart, 0, sizeof c->pstart);
	memset(c->dstart, 0, sizeof c->dstart);
	memset(c->mstart, 0, sizeof c->mstart);
	memset(c->relate_failed, 0, sizeof c->relate_failed);
	c->failed = false;
	c->lines = c->rejected = c->repaired = c->repaired_num = c->filtered = c->hits_dropped = 0;
	c->other_lang = c->other_lang_none = c->gated = 0;
	c->held = c->held_oversize = false;
	memset(c->rejects, 0, sizeof c->rejects);
	memset(c->skipped, 0, sizeof c->skipped);
	memset(c->route_events, 0, sizeof c->route_events);
	c->alert_copies = 0;
	c->logblk.len = c->logcust.len = 0;
	c->nlbs = 0;
	atomic_store_explicit(&c->dup_done, 0, memory_order_relaxed);
	c->acks = 0;
}

static bool in_window(const scrm_pipeline_cfg *cfg, int64_t ts)
{
	if (!cfg->time_window)
		return true;
	if (ts == SCRM_UNKNOWN_INT)
		return false;
	return ts >= cfg->from_ms && ts < cfg->to_ms;
}

static bool is_spam_cue(const pipeline *pl, uint16_t id)
{
	return (pl->spam_cue_bits[id >> 5] >> (id & 31)) & 1;
}

/* scrm-learned's compound for @r's scrm mode, where the correction applies. */
static void apply_learned(scrm_record *r, double score)
{
	if (!(r->has_sentiment & (1u << SCRM_SENT_SCRM)) || !scrm_str_present(r->text) || r->sent_symbols)
		return; /* the correction reads the words: not for a text scored on its symbols */
	r->sent[SCRM_SENT_SCRM].compound = (float)score;
	r->sent_learned = 1;
}

/* The record came on one of cfg->direct_channels. */
static int8_t is_direct(const pipeline *pl, const scrm_record *r, const scrm_buf *arena)
{
	if (!scrm_str_present(r->channel))
		return 0;
	for (size_t i = 0; i < pl->n_direct; i++)
		if (pl->direct_len[i] == r->channel.len &&
		    strncasecmp(pl->cfg->direct_channels[i], scrm_str_ptr(arena, r->channel), r->channel.len) == 0)
			return 1;
	return 0;
}

/* What the classifiers get as the text's scrm_spam_scan(): analyze_records() scanned the
 * structure, and its four bits are all that scan sets. */
static inline int16_t clf_spam_bits(const scrm_record *r)
{
	return (int16_t)(r->spam & (SCRM_SPAM_LINKS | SCRM_SPAM_HASHTAGS | SCRM_SPAM_MENTIONS | SCRM_SPAM_REPEAT));
}

/* A classifier item's author and post fields from the record (unknown: -1). */
static void item_author(scrm_clf_item *it, const scrm_record *r)
{
	it->followers = r->followers == SCRM_UNKNOWN_INT ? -1 : r->followers;
	it->retweets = r->retweets == SCRM_UNKNOWN_INT ? -1 : r->retweets;
	it->likes = r->likes == SCRM_UNKNOWN_INT ? -1 : r->likes;
	it->replies = r->replies == SCRM_UNKNOWN_INT ? -1 : r->replies;
	it->quotes = r->quotes == SCRM_UNKNOWN_INT ? -1 : r->quotes;
	it->verified = r->verified;
	it->is_reply = scrm_str_present(r->in_reply_to) ? 1 : 0;
}

/*
 * Why a record's action_needed is "no" whatever an action classifier would say, or NULL:
 * - the brand's own post (`set brands`, or marked outbound): nobody at the company needs
 *   to answer it, whatever its words say to a classifier trained on customers' messages
 *   (a brand's "sorry this is taking so long" read as a complaint that needs an answer);
 * - a retweet: a repost of someone else's post, addressed to nobody (its "RT @user:"
 *   names the author it quotes) and with nothing of its own to answer; the original post
 *   is the one that may need an answer. A quote post has words of its own and is
 *   classified.
 */
static const char *no_action_of(const scrm_record *r)
{
	if (r->direction == SCRM_DIR_OUT)
		return "no, outbound: the brand's own post";
	if (r->flags & SCRM_REC_RETWEET)
		return "no, retweet: a repost, its original is the post to answer";
	return NULL;
}

/* The configured classifiers (intent, action, the learned sentiment correction) over the
 * chunk's records: one batch each, or record by record (below). */
static int classify_records(worker *wk, chunk *c)
{
	if (!wk->clf[0] && !wk->clf[1] && !wk->sent_learned)
		return 0;
	scrm_recvec *rv = &c->recs;
	if (wk->items_cap < rv->len) {
		size_t cap = rv->cap;
		scrm_clf_item *it = realloc(wk->items, cap * sizeof *it);
		if (it)
			wk->items = it;
		scrm_clf_out *o = realloc(wk->outs, cap * sizeof *o);
		if (o)
			wk->outs = o;
		scrm_clf_out *o2 = realloc(wk->outs2, cap * sizeof *o2);
		if (o2)
			wk->outs2 = o2;
		scrm_sentiment *se = realloc(wk->sents, cap * sizeof *se);
		if (se)
			wk->sents = se;
		scrm_topic_hits *h = wk->topics ? realloc(wk->hits, cap * sizeof *h) : NULL;
		if (h)
			wk->hits = h;
		scrm_clf_memo *mm = realloc(wk->memos, cap * sizeof *mm);
		if (mm)
			wk->memos = mm;
		if (!it || !o || !o2 || !se || !mm || (wk->topics && !h))
			return -ENOMEM;
		wk->items_cap = cap;
	}
	scrm_topic_hits *hits = wk->hits; /* rebuilt from each record's ids, when used */
	bool need_hits = false;
	for (int k = 0; k < 2; k++)
		need_hits |= (wk->clf[k] && (scrm_classifier_desc_of(wk->clf[k])->flags & SCRM_CLF_USES_TOPICS)) ||
			     (wk->clf_gated[k] &&
			      (scrm_classifier_desc_of(wk->clf_gated[k])->flags & SCRM_CLF_USES_TOPICS));
	for (size_t i = 0; i < rv->len; i++) {
		const scrm_record *r = &rv->v[i];
		scrm_clf_item *it = &wk->items[i];
		const char *text = scrm_str_present(r->text) ? scrm_str_ptr(&c->arena, r->text) : "";
		scrm_clf_item_init(it, text, scrm_str_present(r->text) ? r->text.len : 0);
		if (need_hits && wk->topics && scrm_str_present(r->topic_ids)) {
			size_t n = r->topic_ids.len / sizeof(uint16_t);
			hits[i].n = (uint32_t)n;
			hits[i].dropped = 0;
			memcpy(hits[i].ids, scrm_str_ptr(&c->arena, r->topic_ids), n * sizeof(uint16_t));
			it->hits = &hits[i];
		}
		if (r->has_sentiment & (1u << SCRM_SENT_SCRM)) {
			const scrm_scores *sc = &r->sent[SCRM_SENT_SCRM];
			wk->sents[i] = (scrm_sentiment){sc->neg, sc->neu, sc->pos, sc->compound};
			it->sentiment[SCRM_SENT_SCRM] = &wk->sents[i];
		} else if (r->sent_symbols) {
			/* a text in another language without emoji or emoticons: no evidence, which
			 * the classifiers must not rescore from its words */
			wk->sents[i] = (scrm_sentiment){0, 1, 0, 0};
			it->sentiment[SCRM_SENT_SCRM] = &wk->sents[i];
		}
		item_author(it, r);
		it->direct = is_direct(wk->pl, r, &c->arena);
		if (scrm_str_present(r->text)) {
			it->spam_bits = clf_spam_bits(r);
			if (wk->cues)
				it->cues = &wk->cue_hits[i];
		}
		wk->memos[i].owner = 0;
		it->memo = &wk->memos[i];
	}
	/* The scrm mode's learned correction (--sentiment-model): the compound becomes the
	 * blend of classifier.h's scrm-learned (the intent and action models below were
	 * trained on the rule scores, which they still get: the item holds a copy).
	 * Record by record with the other classifiers when they share something per record:
	 * the cues scan (memo), linear's vector, the sentence encoder's recent outputs (a
	 * batch over the chunk would push a record's encoding out before the next classifier
	 * reads it), or when model_topics picks the classifier per record. */
	bool any = wk->clf[0] || wk->clf[1];
	bool per_record = wk->clf_gated[0] || wk->clf_gated[1] || (wk->clf[0] && wk->clf[1]) ||
			  (wk->sent_learned && wk->enc_recent && any);
	if (wk->sent_learned && !per_record) {
		int rc = scrm_classifier_classify(wk->sent_learned, wk->items, rv->len, wk->outs, 0);
		if (rc)
			return rc;
		for (size_t i = 0; i < rv->len; i++)
			apply_learned(&rv->v[i], wk->outs[i].score);
	}
	scrm_clf_out *outk[2] = {wk->outs, wk->outs2};
	if (per_record) {
		const pipeline *pl = wk->pl;
		for (size_t i = 0; i < rv->len; i++) {
			scrm_record *r = &rv->v[i];
			if (wk->sent_learned) {
				int rc = scrm_classifier_classify(wk->sent_learned, &wk->items[i], 1, &outk[0][i], 0);
				if (rc)
					return rc;
				apply_learned(r, outk[0][i].score);
			}
			/* model_topics: the model for a record that matched one of the topics, the
			 * task's cues classifier for any other */
			bool in = !pl->model_bits;
			if (!in && scrm_str_present(r->topic_ids)) {
				const uint8_t *ids = (const uint8_t *)scrm_str_ptr(&c->arena, r->topic_ids);
				for (size_t j = 0; j + 1 < r->topic_ids.len && !in; j += 2) {
					uint16_t id;
					memcpy(&id, ids + j, sizeof id);
					in = (pl->model_bits[id >> 5] >> (id & 31)) & 1;
				}
			}
			r->clf_gated = 0;
			for (int k = 0; k < 2; k++) {
				if (!wk->clf[k])
					continue;
				scrm_classifier *cl = wk->clf[k];
				if (wk->clf_gated[k] && !in) {
					cl = wk->clf_gated[k];
					r->clf_gated |= (uint8_t)(1u << k);
				}
				if (k == 1 && no_action_of(r))
					continue; /* the brand's own post, a retweet: action_needed is set below */
				int rc = scrm_classifier_classify(cl, &wk->items[i], 1, &outk[k][i], SCRM_CLF_EXPLAIN);
				if (rc)
					return rc;
			}
			c->gated += r->clf_gated != 0;
		}
	} else {
		for (int k = 0; k < 2; k++) {
			int rc = wk->clf[k] ? scrm_classifier_classify(wk->clf[k], wk->items, rv->len, outk[k],
								  SCRM_CLF_EXPLAIN)
					    : 0;
			if (rc)
				return rc;
		}
	}
	for (int k = 0; k < 2; k++) {
		if (!wk->clf[k])
			continue;
		for (size_t i = 0; i < rv->len; i++) {
			scrm_record *r = &rv->v[i];
			const scrm_clf_out *o = &outk[k][i];
			r->has_clf |= (uint8_t)(1u << k);
			const char *no_why = k == 1 ? no_action_of(r) : NULL;
			if (no_why) {
				r->clf_label[1] = 0;
				r->clf_conf[1] = 1.0f;
				r->clf_why[1] = scrm_buf_add_str(&c->arena, no_why, strlen(no_why));
				if (!scrm_str_present(r->clf_why[1]))
					return -ENOMEM;
				continue;
			}
			r->clf_label[k] = (uint8_t)o->label;
			r->clf_conf[k] = o->confidence;
			size_t wl = strnlen(o->why, SCRM_CLF_WHY_MAX);
			if (wl) {
				r->clf_why[k] = scrm_buf_add_str(&c->arena, o->why, wl);
				if (!scrm_str_present(r->clf_why[k]))
					return -ENOMEM;
			}
		}
	}
	return 0;
}

/* Where a text longer than @max bytes is cut for sentiment: after its last white space
 * within the first @max bytes when one is among their last 256 (a word is not cut in
 * two), else at the last UTF-8 character boundary there (a text of emoji without spaces
 * keeps its first @max bytes, not the few before an early space). */
static size_t sent_cut(const char *text, size_t max)
{
	for (size_t i = max; i > 0 && i + 256 > max; i--)
		if (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n' || text[i - 1] == '\r')
			return i;
	size_t i = max; /* text[max] is there: the text is longer */
	while (i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/*
 * Analysis of a chunk's records, one analyzer at a time over the whole chunk: each pass
 * keeps its own tables hot (the Hyperscan database, the lexicon and word cache) instead
 * of evicting the others record by record (measured with the 214-topic bench rules and
 * both the lexicon and topics: analyze busy time 5% lower than interleaving per record).
 */
static int analyze_records(worker *wk, chunk *c)
{
	pipeline *pl = wk->pl;
	scrm_recvec *rv = &c->recs;
	/* Structural spam signals and the near-duplicate key. */
	for (size_t i = 0; i < rv->len; i++) {
		scrm_record *r = &rv->v[i];
		if (!scrm_str_present(r->text))
			continue;
		const char *text = scrm_str_ptr(&c->arena, r->text);
		size_t skip = scrm_str_present(r->in_reply_to) ? scrm_spam_reply_prefix(text, r->text.len) : 0;
		r->spam |= (uint8_t)scrm_spam_signals(text + skip, r->text.len - skip,
						      pl->cfg->dup_window_ms > 0 ? &r->text_key : NULL);
	}
	/* Whom each post points at, for influence's network part (the relate stage). */
	for (size_t i = 0; i < rv->len; i++) {
		scrm_record *r = &rv->v[i];
		if (!scrm_str_present(r->text))
			continue;
		scrm_mention m[SCRM_MENTIONS_MAX];
		const char *ch = scrm_str_present(r->channel) ? scrm_str_ptr(&c->arena, r->channel) : "";
		const char *self = scrm_str_present(r->author_handle) ? scrm_str_ptr(&c->arena, r->author_handle) : NULL;
		size_t n = scrm_mentions_scan(scrm_str_ptr(&c->arena, r->text), r->text.len, ch,
					      scrm_str_present(r->channel) ? r->channel.len : 0, self,
					      self ? r->author_handle.len : 0, scrm_str_present(r->in_reply_to), m);
		/* A mention of a CRM customer's handle counts for the customer (all her
		 * channels), the key her own posts are partitioned and looked up by. */
		for (size_t k = 0; c->custs && k < n; k++) {
			const scrm_customer *cu =
				scrm_customers_find(c->custs, ch, scrm_str_present(r->channel) ? r->channel.len : 0,
						    scrm_str_ptr(&c->arena, r->text) + (m[k].at >> 4), m[k].at & 15);
			if (cu)
				m[k].key = cu->key_hash;
		}
		/* A native retweet's text is the original's, without its "RT @x:": whom it
		 * reposts counts as that would (weight 2; found by review: no credit at all) */
		if (scrm_str_present(r->retweet_author) && r->retweet_author.len) {
			const char *h = scrm_str_ptr(&c->arena, r->retweet_author);
			size_t hl = r->retweet_author.len, cl = scrm_str_present(r->channel) ? r->channel.len : 0;
			const scrm_customer *cu = c->custs ? scrm_customers_find(c->custs, ch, cl, h, hl) : NULL;
			uint64_t key = cu ? cu->key_hash : scrm_handle_key(ch, cl, h, hl);
			size_t j = 0;
			while (j < n && m[j].key != key)
				j++;
			/* her own post reposted: by key, as her handle and the CRM read it ("@dave"
			 * and "Dave" are one; found by review) */
			bool own = false;
			if (self) {
				const scrm_customer *su =
					c->custs ? scrm_customers_find(c->custs, ch, cl, self, r->author_handle.len) : NULL;
				own = (su ? su->key_hash : scrm_handle_key(ch, cl, self, r->author_handle.len)) == key;
			}
			if (own) {
				/* her own post reposted: no credit, as a mention of herself */
			} else if (j < n) {
				m[j].weight = m[j].weight < 2.0f ? 2.0f : m[j].weight;
			} else if (n < SCRM_MENTIONS_MAX) {
				m[n++] = (scrm_mention){.key = key, .weight = 2.0f, .at = 0};
			}
		}
		if (n) {
			r->mentions = scrm_buf_add_str(&c->arena, m, n * sizeof m[0]);
			if (!scrm_str_present(r->mentions))
				return -ENOMEM;
		}
	}
	/* Sentiment. Appending to the arena may move it: pointers are taken per record. */
	for (size_t i = 0; wk->sent && i < rv->len; i++) {
		scrm_record *r = &rv->v[i];
		if (!scrm_str_present(r->text))
			continue;
		const char *text = scrm_str_ptr(&c->arena, r->text);
		/* The scorer's scratch grows with the text: bound it, at the last white space
		 * before the bound (a word, or a UTF-8 character, is never cut in two) */
		size_t tl = r->text.len <= pl->sent_max ? r->text.len : sent_cut(text, pl->sent_max);
		/* A text in a language the lexicon does not read: its emoji and emoticons only. */
		if (wk->symbols && scrm_str_present(r->lang) &&
		    !scrm_sent_lang_scored(&pl->sent_langs, scrm_str_ptr(&c->arena, r->lang), r->lang.len)) {
			r->sent_symbols = 1;
			c->other_lang++;
			tl = scrm_sent_symbols(pl->cfg->lexicon, text, tl, wk->symbols, pl->sent_max);
			if (!tl) {
				c->other_lang_none++;
				continue;
			}
			text = wk->symbols;
		}
		scrm_sentiment sv[2];
		scrm_sent_explain ex;
		int vrc;
		if (pl->sent_modes == 3u)
			vrc = scrm_sent_score_both(wk->sent, text, tl, &sv[SCRM_SENT_VADER], &sv[SCRM_SENT_SCRM],
						   pl->sent_primary == SCRM_SENT_VADER ? &ex : NULL,
						   pl->sent_primary == SCRM_SENT_SCRM ? &ex : NULL);
		else
			vrc = scrm_sent_score(wk->sent, pl->sent_primary, text, tl, &sv[pl->sent_primary], &ex);
		if (vrc)
			return vrc;
		for (int m = 0; m < 2; m++) {
			if (!(pl->sent_modes & (1u << m)))
				continue;
			r->sent[m] = (scrm_scores){(float)sv[m].neg, (float)sv[m].neu, (float)sv[m].pos,
						   (float)sv[m].compound};
		}
		r->has_sentiment = (uint8_t)pl->sent_modes;
		r->sent_primary = (uint8_t)pl->sent_primary;
		if (ex.n) {
			r->sent_terms = scrm_buf_add_str(&c->arena, ex.term, ex.n * sizeof ex.term[0]);
			if (!scrm_str_present(r->sent_terms))
				return -ENOMEM;
		}
	}
	/* Topics and cues, with the terms that matched; with wk->cues, the classifiers' cues
	 * in the same scan. */
	if (wk->cues && wk->cue_cap < rv->len) {
		scrm_cues_hits *ch = realloc(wk->cue_hits, rv->cap * sizeof *ch);
		if (ch)
			wk->cue_hits = ch;
		scrm_cues_kept *ck = realloc(wk->cue_kept, rv->cap * sizeof *ck);
		if (ck)
			wk->cue_kept = ck;
		if (!ch || !ck)
			return -ENOMEM;
		wk->cue_cap = rv->cap;
	}
	if (wk->cues)
		scrm_cues_keep_reset(wk->cues);
	for (size_t i = 0; wk->topics && i < rv->len; i++) {
		scrm_record *r = &rv->v[i];
		if (!scrm_str_present(r->text))
			continue;
		const char *text = scrm_str_ptr(&c->arena, r->text);
		scrm_topic_hits hits;
		scrm_topic_terms terms;
		const char *h = scrm_str_present(r->author_handle) ? scrm_str_ptr(&c->arena, r->author_handle) : NULL;
		const char *lg = scrm_str_present(r->lang) ? scrm_str_ptr(&c->arena, r->lang) : NULL;
		if (wk->cues)
			scrm_cues_feed_begin(wk->cues, text, r->text.len);
		int trc = scrm_topics_match_why(wk->topics, text, r->text.len, h, h ? r->author_handle.len : 0, lg,
						lg ? r->lang.len : 0, &hits, &terms);
		if (trc || (wk->cues && (trc = scrm_cues_feed_keep(wk->cues, &wk->cue_kept[i]))))
			return trc;
		c->hits_dropped += hits.dropped != 0;
		r->topic_ids = scrm_buf_add_str(&c->arena, hits.ids, hits.n * sizeof hits.ids[0]);
		if (!scrm_str_present(r->topic_ids))
			return -ENOMEM;
		if (terms.n) {
			scrm_topic_why_term wt[SCRM_TOPICS_MAX_TERMS];
			for (uint32_t k = 0; k < terms.n; k++)
				wt[k] = (scrm_topic_why_term){terms.hit[k], terms.pat[k]};
			r->topic_terms = scrm_buf_add_str(&c->arena, wt, terms.n * sizeof wt[0]);
			if (!scrm_str_present(r->topic_terms))
				return -ENOMEM;
		}
		if (pl->have_spam_cues)
			for (uint32_t k = 0; k < hits.n; k++)
				if (is_spam_cue(pl, hits.ids[k]))
					r->spam |= SCRM_SPAM_CUE;
	}
	/* The cues' rest (their one-byte literals, gated regexes, the rules' view), in a pass
	 * of their own: record by record inside the topics pass, their code and databases
	 * evicted the topics' from the instruction cache (callgrind's cache simulation: 7
	 * first-level instruction misses per record without the cues, 54 with them). */
	for (size_t i = 0; wk->cues && wk->topics && i < rv->len; i++) {
		const scrm_record *r = &rv->v[i];
		if (!scrm_str_present(r->text))
			continue;
		int trc = scrm_cues_kept_end(wk->cues, &wk->cue_kept[i], scrm_str_ptr(&c->arena, r->text), r->text.len,
					     clf_spam_bits(r), &wk->cue_hits[i]);
		if (trc)
			return trc;
	}
	return classify_records(wk, c);
}

/* Counting sort of the chunk's record indices by owner thread (input order kept). */
static int group_by_thread(chunk *c, int np, uint32_t **idx, size_t *idx_cap, uint32_t *start, bool dup)
{
	if (*idx_cap < c->recs.len) {
		size_t cap = c->recs.cap;
		uint32_t *p2 = realloc(*idx, cap * sizeof *p2);
		if (!p2)
			return -ENOMEM;
		*idx = p2;
		*idx_cap = cap;
	}
	uint32_t cnt[SCRM_MAX_RELATE + 1] = {0};
	for (size_t i = 0; i < c->recs.len; i++) {
		const scrm_record *r = &c->recs.v[i];
		if (!dup)
			cnt[r->partition % np + 1]++;
		else if (r->text_key)
			cnt[(r->text_key % SCRM_PARTITIONS) % np + 1]++;
	}
	for (int t = 0; t < np; t++)
		cnt[t + 1] += cnt[t];
	memcpy(start, cnt, sizeof(uint32_t) * (size_t)(np + 1));
	for (size_t i = 0; i < c->recs.len; i++) {
		const scrm_record *r = &c->recs.v[i];
		if (!dup)
			(*idx)[cnt[r->partition % np]++] = (uint32_t)i;
		else if (r->text_key)
			(*idx)[cnt[(r->text_key % SCRM_PARTITIONS) % np]++] = (uint32_t)i;
	}
	return 0;
}

/* Mention @k of record @r (stored unaligned in the chunk's arena). */
static scrm_mention mention_of(const chunk *c, const scrm_record *r, size_t k)
{
	scrm_mention m;
	memcpy(&m, scrm_str_ptr(&c->arena, r->mentions) + k * sizeof m, sizeof m);
	return m;
}

/* Mentions grouped by the relate thread owning the mentioned handle (input order kept). */
static int group_mentions(chunk *c, int np)
{
	size_t total = 0;
	for (size_t i = 0; i < c->recs.len; i++)
		total += c->recs.v[i].mentions.len / sizeof(scrm_mention);
	if (c->midx_cap < total) {
		uint32_t *p2 = realloc(c->midx, total * sizeof *p2);
		if (!p2)
			return -ENOMEM;
		c->midx = p2;
		c->midx_cap = total;
	}
	uint32_t cnt[SCRM_MAX_RELATE + 1] = {0};
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->recs.len; i++) {
			const scrm_record *r = &c->recs.v[i];
			size_t n = r->mentions.len / sizeof(scrm_mention);
			for (size_t k = 0; k < n; k++) {
				scrm_mention m = mention_of(c, r, k);
				int t = (int)((m.key % SCRM_PARTITIONS) % (uint64_t)np);
				if (pass == 0)
					cnt[t + 1]++;
				else
					c->midx[cnt[t]++] = (uint32_t)i << 3 | (uint32_t)k;
			}
		}
		if (pass == 0) {
			for (int t = 0; t < np; t++)
				cnt[t + 1] += cnt[t];
			memcpy(c->mstart, cnt, sizeof(uint32_t) * (size_t)(np + 1));
		}
	}
	return 0;
}

/* Phase 1: lines -> records (or rejects), customer hash and partition grouping. */
/* The author is one of the brand's own accounts (--brand, `set brands`). */
static bool is_brand(const scrm_pipeline_cfg *cfg, const scrm_record *r, const scrm_buf *arena)
{
	if (!cfg->n_brands || !scrm_str_present(r->author_handle))
		return false;
	const char *h = scrm_str_ptr(arena, r->author_handle);
	size_t n = r->author_handle.len;
	if (n && h[0] == '@')
		h++, n--;
	for (size_t b = 0; b < cfg->n_brands; b++)
		if (strlen(cfg->brands[b]) == n && strncasecmp(cfg->brands[b], h, n) == 0)
			return true;
	return false;
}

/*
 * The closed loop: a brand's reply that starts with the @handle it answers (as replies
 * on X and most social channels do) is filed under that customer: her key, her
 * partition, her case. Otherwise it stays the brand's own interaction.
 */
static void link_outbound(const scrm_customers *custs, scrm_record *r, const scrm_buf *arena)
{
	if (!scrm_str_present(r->text) || !scrm_str_present(r->channel))
		return;
	const char *t = scrm_str_ptr(arena, r->text);
	size_t n = r->text.len, p = 0;
	while (p < n && (t[p] == ' ' || t[p] == '\n'))
		p++;
	if (p == n || t[p] != '@')
		return;
	/* X handles are letters, digits and '_'; other channels' also hold '.' and '-'
	 * (Instagram's ann.smith, Reddit's ann-r), though not as their last character: a
	 * sentence's full stop after the handle */
	const char *ch = scrm_str_ptr(arena, r->channel);
	bool x = (r->channel.len == 7 && !strncasecmp(ch, "twitter", 7)) || (r->channel.len == 1 && (*ch | 32) == 'x');
	size_t s = ++p;
	while (p < n && p - s < 64 &&
	       (isalnum((unsigned char)t[p]) || t[p] == '_' || (!x && (t[p] == '.' || t[p] == '-'))))
		p++;
	while (p > s && (t[p - 1] == '.' || t[p - 1] == '-'))
		p--;
	if (p == s)
		return;
	const scrm_customer *cu = custs ? scrm_customers_find(custs, ch, r->channel.len, t + s, p - s) : NULL;
	r->cust = cu;
	r->cust_hash = cu ? cu->key_hash : scrm_customers_prospect_hash(ch, r->channel.len, t + s, p - s);
	r->linked_out = 1;
}

/* Whether input i is CSV (csv.h): by --format csv, or by its name. */
static bool in_csv(const scrm_pipeline_cfg *cfg, size_t i)
{
	return cfg->csv || scrm_csv_named(cfg->inputs[i]);
}

/* Where the record at p ends: its '\n' (NULL: at end); a CSV chunk's as the chunker cut
 * it (scrm_csv_record_end(): where the chunker's record ends were not kept, past
 * SCRM_CHUNK_LINES or after a cut, the two must agree). @stop: where the chunker cut an
 * oversize line out of the chunk after p, else end. */
static const char *record_end(const chunk *c, const char *p, const char *stop, const char *end, size_t max_record)
{
	return c->csv ? scrm_csv_record_end(p, stop, max_record) : memchr(p, '\n', (size_t)(end - p));
}

/* A record's line breaks inside quotes (CSV), for the next record's line number. */
static unsigned long long inner_breaks(const chunk *c, const char *p, size_t len)
{
	unsigned long long k = 0;
	if (c->csv)
		for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + len - q))); q++)
			k++;
	return k;
}

/* Normalize the record p[0, len) of chunk c: a JSON line, or a CSV row (as its JSON).
 * 0, -ENOMEM, or 1 for a CSV row whose quote is never closed (bad_csv). */
static int normalize_record(worker *wk, chunk *c, const char *p, size_t len, scrm_norm_result *res, char *why,
			    size_t whylen)
{
	if (!c->csv)
		return scrm_normalize_line(c->silent && wk->norm_auto ? wk->norm_auto : wk->norm, p, len, &c->recs,
					   &c->arena, res);
	*res = (scrm_norm_result){0};
	if (scrm_csv_blank(p, len)) {
		res->skip = SCRM_SKIP_EMPTY;
		return 0;
	}
	int rc = scrm_csv_to_json(c->csv, p, len, &wk->csv_json, why, whylen);
	if (rc < 0)
		return rc;
	if (rc) {
		res->reject = SCRM_REJ_BAD_CSV;
		res->detail = why;
		return rc == 2 ? 1 : 0;
	}
	return scrm_normalize_line(wk->norm_csv, wk->csv_json.data, wk->csv_json.len, &c->recs, &c->arena, res);
}

/*
 * A file's last line without its newline that is not JSON yet is, with an interaction
 * log, most likely a record still being written: a writer appending to the file was
 * read mid-line. Rejecting it would lose the record (the next run resumes after it and
 * rejects its other half too). So it is left unread: the checkpoint ends before it, the
 * next run over the same file (resumed from the log) reads it whole, and this run says
 * so on stderr and counts it (`held_lines`). The same for such a line that is already
 * longer than --max-record: the next run rejects it whole, once; and for one that stops
 * inside a UTF-8 sequence (bad_utf8: simdjson checks the encoding first). Without a log,
 * or from stdin, a pipe or anything but a regular file, which a later run never resumes,
 * it is rejected as any other bad line.
 */
static bool hold_tail(const pipeline *pl, const chunk *c)
{
	/* both set up with a log */
	return pl->done_at && !c->silent && pl->in_regular[c->in_index] && !c->last_of_file;
}

/* An oversize line that is the input's unfinished last line (too long so far, maybe
 * still being written): left for the next run, see hold_tail(). */
static bool hold_oversize(const pipeline *pl, chunk *c, const scrm_oversize *ov)
{
	if (!ov->unterminated || !hold_tail(pl, c))
		return false;
	c->held = c->held_oversize = true;
	c->held_off = ov->offset;
	c->held_line = ov->line;
	c->held_len = ov->length;
	return true;
}

/* Out of line (once per chunk) so that a profile shows the analyze stage as one function:
 * bench/clf_instr.sh reads its instruction count. */
__attribute__((noinline)) static int analyze_chunk(worker *wk, chunk *c)
{
	pipeline *pl = wk->pl;
	const scrm_pipeline_cfg *cfg = pl->cfg;
	const char *input = cfg->inputs[c->in_index];
	/* The CRM table of this chunk: one snapshot, so a reload never splits a batch. */
	const scrm_customers *custs = atomic_load_explicit(&pl->customers, memory_order_seq_cst);
	c->custs = custs;

	const scrm_chunk_info *info = &c->info;
	unsigned oi = 0;
	for (; oi < info->n_oversize && info->oversize[oi].offset < info->base_offset; oi++) {
		const scrm_oversize *ov = &info->oversize[oi];
		if (hold_oversize(pl, c, ov))
			continue;
		if (write_reject(&c->rej, input, ov->offset, ov->line, "oversize",
				 "line longer than --max-record", NULL, 0, ov->length))
			return -ENOMEM;
		c->rejects[SCRM_REJ_OVERSIZE]++;
		c->rejected++;
		c->lines++;
	}

	const char *p = c->data, *end = c->data + c->len;
	uint64_t off = info->base_offset, lineno = info->base_line;
	unsigned li = 0; /* the next line end the chunker recorded */
	while (p < end) {
		/* An oversize line the chunker cut out of the middle of this chunk. */
		while (oi < info->n_oversize && info->oversize[oi].offset == off) {
			const scrm_oversize *ov = &info->oversize[oi++];
			if (write_reject(&c->rej, input, ov->offset, ov->line, "oversize",
					 "line longer than --max-record", NULL, 0, ov->length))
				return -ENOMEM;
			c->rejects[SCRM_REJ_OVERSIZE]++;
			c->rejected++;
			c->lines++;
			off += ov->length + 1;
			lineno++;
		}
		const char *nl;
		if (li < info->n_lines) {
			nl = c->data + info->line_end[li++];
		} else { /* (CSV: the data stops being the input's at a cut-out line) */
			const char *stop = oi < info->n_oversize && info->oversize[oi].offset > off
						   ? p + (info->oversize[oi].offset - off)
						   : end;
			nl = record_end(c, p, stop < end ? stop : end, end, cfg->max_record);
		}
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t first = c->recs.len;
		scrm_norm_result res;
		char why[128];
		int rc = normalize_record(wk, c, p, len, &res, why, sizeof why);
		if (rc < 0)
			return rc;
		/* The input's unfinished end, left for a later run that reads it whole: a line
		 * without its newline, or a CSV row cut inside its quoted lines (one that ends
		 * in a line break is not unfinished: record_end() gave its first line, the
		 * input is taken as finished). */
		bool holdable = !nl && hold_tail(pl, c);
		const char *nl1;
		if (rc == 1 && !holdable && (nl1 = memchr(p, '\n', len))) {
			/* A quote that opens and never closes ran the row on to the input's end:
			 * reject its first line alone and read the lines after it as rows again
			 * (their ends found anew). */
			nl = nl1;
			len = (size_t)(nl - p);
			li = info->n_lines;
		}
		if (holdable &&
		    (res.reject == SCRM_REJ_BAD_JSON || res.reject == SCRM_REJ_BAD_UTF8 || res.reject == SCRM_REJ_BAD_CSV)) {
			c->held = true;
			c->held_off = off;
			c->held_line = lineno;
			c->held_len = len;
			break; /* the input's last bytes */
		}
		c->lines++;
		if (res.skip != SCRM_SKIP_NONE)
			c->skipped[res.skip]++;
		c->repaired += (res.repaired & SCRM_REPAIR_UTF8) != 0;
		c->repaired_num += (res.repaired & SCRM_REPAIR_NUMBER) != 0;
		if (res.reject != SCRM_REJ_NONE) {
			size_t rawlen = len && p[len - 1] == '\r' ? len - 1 : len;
			if (write_reject(&c->rej, input, off, lineno, scrm_reject_name(res.reject),
					 res.detail, p, rawlen, rawlen))
				return -ENOMEM;
			c->rejects[res.reject]++;
			c->rejected++;
		}
		size_t keep = first;
		for (size_t i = first; i < c->recs.len; i++) {
			scrm_record *r = &c->recs.v[i];
			if (!in_window(cfg, r->ts_ms)) {
				c->filtered++;
				continue;
			}
			r->in_offset = off;
			r->in_line = lineno;
			r->in_index = c->in_index;
			r->cust_hash = scrm_customer_hash(r, &c->arena);
			if (custs && scrm_str_present(r->channel) && scrm_str_present(r->author_handle)) {
				const scrm_customer *cu = scrm_customers_find(
					custs, scrm_str_ptr(&c->arena, r->channel), r->channel.len,
					scrm_str_ptr(&c->arena, r->author_handle), r->author_handle.len);
				if (cu) {
					r->cust_hash = cu->key_hash;
					r->cust = cu;
				}
			}
			if (r->direction != SCRM_DIR_OUT && is_brand(cfg, r, &c->arena))
				r->direction = SCRM_DIR_OUT;
			if (r->direction == SCRM_DIR_OUT)
				link_outbound(custs, r, &c->arena);
			r->partition = (uint16_t)(r->cust_hash % SCRM_PARTITIONS);
			if (keep != i)
				c->recs.v[keep] = *r;
			keep++;
		}
		c->recs.len = keep;
		off += len + 1;
		lineno += 1 + inner_breaks(c, p, len);
		p += len + 1;
	}
	for (; oi < info->n_oversize; oi++) {
		const scrm_oversize *ov = &info->oversize[oi];
		if (hold_oversize(pl, c, ov))
			continue;
		if (write_reject(&c->rej, input, ov->offset, ov->line, "oversize",
				 "line longer than --max-record", NULL, 0, ov->length))
			return -ENOMEM;
		c->rejects[SCRM_REJ_OVERSIZE]++;
		c->rejected++;
		c->lines++;
	}
	if (info->oversize_dropped) {
		c->rejects[SCRM_REJ_OVERSIZE] += info->oversize_dropped;
		c->rejected += info->oversize_dropped;
	}

	int arc = analyze_records(wk, c);
	if (arc)
		return arc;

	/* Group record indices by relate thread: by customer, and by near-duplicate key. */
	int gr = group_by_thread(c, pl->np, &c->pidx, &c->pidx_cap, c->pstart, false);
	if (!gr && pl->cfg->dup_window_ms > 0)
		gr = group_by_thread(c, pl->np, &c->didx, &c->didx_cap, c->dstart, true);
	if (!gr)
		gr = group_mentions(c, pl->np);
	return gr;
}

/*
 * Act: the routing rules decide the record's team, priority, SLA and alert. Runs in the
 * relate thread that owns the customer, in input order, after her windows are updated
 * and after every relate thread fed the chunk's near-duplicate keys (dup_barrier).
 */
_Static_assert(SCRM_MAX_ROUTES >= SCRM_ROUTE_TEAMS_MAX, "a route file per team the rules can name");

/* Words of route_record()'s topic/cue bitset: one bit for every possible id (ids are
 * uint16_t), 8 KiB of stack; a record fills only as many words as the rules name. */
#define ROUTE_HIT_WORDS_MAX (65536 / 64)

static void route_record(const pipeline *pl, scrm_record *r, const scrm_buf *arena)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	scrm_route_facts f;
	uint64_t hits[ROUTE_HIT_WORDS_MAX]; /* only the first pl->hit_words are filled */
	scrm_route_facts_init(&f);
	int prim = r->sent_primary;
	if ((r->has_sentiment >> prim) & 1) {
		scrm_route_facts_num(&f, SCRM_RF_SENTIMENT, r->sent[prim].compound);
		scrm_route_facts_num(&f, SCRM_RF_SENT_POS, r->sent[prim].pos);
		scrm_route_facts_num(&f, SCRM_RF_SENT_NEG, r->sent[prim].neg);
		scrm_route_facts_num(&f, SCRM_RF_SENT_NEU, r->sent[prim].neu);
	}
	if (r->has_clf & 1)
		scrm_route_facts_intent(&f, r->clf_label[0], r->clf_conf[0]);
	if (r->has_clf & 2)
		scrm_route_facts_bool(&f, SCRM_RF_ACTION_NEEDED, r->clf_label[1] == 1);
	scrm_route_facts_num(&f, SCRM_RF_DUP, r->dup_count);
	scrm_route_facts_num(&f, SCRM_RF_INFLUENCE, r->infl[0]);
	if (r->followers != SCRM_UNKNOWN_INT)
		scrm_route_facts_num(&f, SCRM_RF_FOLLOWERS, (double)r->followers);
	scrm_route_facts_bool(&f, SCRM_RF_VERIFIED, r->verified);
	scrm_route_facts_bool(&f, SCRM_RF_RETWEET, (r->flags & SCRM_REC_RETWEET) != 0);
	scrm_route_facts_bool(&f, SCRM_RF_REPLY, scrm_str_present(r->in_reply_to));
	if (scrm_str_present(r->channel))
		scrm_route_facts_str(&f, SCRM_RF_CHANNEL, scrm_str_ptr(arena, r->channel), r->channel.len);
	if (scrm_str_present(r->lang))
		scrm_route_facts_str(&f, SCRM_RF_LANG, scrm_str_ptr(arena, r->lang), r->lang.len);
	scrm_route_facts_direction(&f, r->direction);
	f.spam = r->spam;
	const scrm_customer *cu = r->cust;
	scrm_route_facts_bool(&f, SCRM_RF_CUST_KNOWN, cu != NULL);
	if (cu) {
		scrm_route_facts_str(&f, SCRM_RF_CUST_TIER, cu->tier, cu->tier_len);
		scrm_route_facts_num(&f, SCRM_RF_CUST_LTV, cu->ltv);
	}
	scrm_route_facts_num(&f, SCRM_RF_CUST_INTERACTIONS_24H, r->cust_int_24h);
	scrm_route_facts_num(&f, SCRM_RF_CUST_INTERACTIONS_7D, r->cust_int_7d);
	scrm_route_facts_num(&f, SCRM_RF_CUST_CHANNELS_7D, r->cust_channels_7d);
	if (r->has_clf & 1) {
		/* intent label index -> its field (classifier.h's order) */
		static const scrm_route_field by_label[8] = {
			SCRM_RF_CUST_QUESTIONS_24H,  SCRM_RF_CUST_COMPLAINTS_24H, SCRM_RF_CUST_PRAISE_24H,
			SCRM_RF_CUST_PURCHASES_24H,  SCRM_RF_CUST_CHURN_24H,      SCRM_RF_CUST_SUGGESTIONS_24H,
			SCRM_RF_CUST_SPAM_24H,       SCRM_RF_CUST_OTHER_24H,
		};
		for (int k = 0; k < 8; k++)
			scrm_route_facts_num(&f, by_label[k], r->cust_intent_24h[k]);
	}
	if (r->cust_sent_known)
		scrm_route_facts_num(&f, SCRM_RF_CUST_SENTIMENT_AVG, r->cust_sent_avg);
	scrm_route_facts_bool(&f, SCRM_RF_CUST_OPEN_CASE, r->open_case);
	if (pl->hit_words && scrm_str_present(r->topic_ids)) {
		uint16_t ids[SCRM_TOPICS_MAX_HITS];
		size_t n = r->topic_ids.len / sizeof(uint16_t);
		if (n > SCRM_TOPICS_MAX_HITS)
			n = SCRM_TOPICS_MAX_HITS;
		memcpy(ids, scrm_str_ptr(arena, r->topic_ids), n * sizeof ids[0]);
		f.hit_words = scrm_route_hits_fill(hits, pl->hit_words, ids, (uint32_t)n);
		f.hits = hits;
	}
	scrm_route_decision d;
	scrm_route_eval(cfg->routes, &f, &d);
	r->routed = 1;
	r->route = d.team;
	r->priority = d.priority;
	r->alert = d.alert;
	r->route_rule = d.rule;
	r->has_sla = d.sla_ms >= 0;
	r->sla_due_ms = d.sla_ms >= 0 && r->ts_ms != SCRM_UNKNOWN_INT ? r->ts_ms + d.sla_ms : SCRM_UNKNOWN_INT;
}

/*
 * With a log: each partition's block of the chunk's interactions, in input order (what
 * the writer used to append and commit itself, built here so that the compression runs
 * on the workers; the writer only writes them: log_chunk()).
 */
/* The records added to the worker's builder so far as a block of partition @p, appended
 * to the chunk's list (none when there are none). */
static int seal_log_block(worker *wk, chunk *c, uint32_t p)
{
	int rc = scrm_array_grow((void **)&c->lbs, &c->lbs_cap, c->nlbs + 1, sizeof *c->lbs, 16);
	if (rc)
		return rc;
	struct logblock *lb = &c->lbs[c->nlbs];
	if ((rc = scrm_ilog_builder_seal(wk->lbuild, &c->logblk, &c->logcust, &lb->b)))
		return rc;
	lb->part = p;
	c->nlbs += lb->b.nrec > 0;
	return 0;
}

static int build_log_blocks(worker *wk, chunk *c)
{
	pipeline *pl = wk->pl;
	size_t n = c->recs.len;
	if (!wk->lbuild && !(wk->lbuild = scrm_ilog_builder_new(scrm_ilog_zstd_level(pl->ilog))))
		return -ENOMEM;
	int rc = scrm_array_grow((void **)&wk->lorder, &wk->lorder_cap, n ? n : 1, sizeof *wk->lorder, 1024);
	if (rc)
		return rc;
	uint32_t start[SCRM_PARTITIONS + 1] = {0}, at[SCRM_PARTITIONS];
	for (size_t i = 0; i < n; i++)
		start[c->recs.v[i].partition + 1]++;
	for (uint32_t p = 0; p < SCRM_PARTITIONS; p++)
		start[p + 1] += start[p];
	memcpy(at, start, sizeof at);
	for (size_t i = 0; i < n; i++)
		wk->lorder[at[c->recs.v[i].partition]++] = (uint32_t)i;
	for (uint32_t p = 0; p < SCRM_PARTITIONS; p++) {
		for (uint32_t k = start[p]; k < start[p + 1]; k++) {
			const scrm_record *r = &c->recs.v[wk->lorder[k]];
			const struct logref *lf = &wk->logref[wk->lorder[k]];
			scrm_ilog_rec lr = {
				.kind = SCRM_ILOG_INTERACTION,
				.customer = r->cust_hash,
				.ts_ms = r->ts_ms == SCRM_UNKNOWN_INT ? SCRM_ILOG_NO_TIME : r->ts_ms,
				.seq = r->seq,
				.data = lf->buf->data + lf->off,
				.len = lf->len,
			};
			rc = scrm_ilog_builder_add(wk->lbuild, &lr);
			if (rc == -E2BIG && !(rc = seal_log_block(wk, c, p))) /* full: many small events */
				rc = scrm_ilog_builder_add(wk->lbuild, &lr); /* of one customer: the next block */
			if (rc)
				return rc;
		}
		if ((rc = seal_log_block(wk, c, p)))
			return rc;
	}
	return 0;
}

/* Phase 2: events per route, one zstd frame (or plain text) per route. */
static int emit_chunk(worker *wk, chunk *c)
{
	pipeline *pl = wk->pl;
	size_t nr = pl->n_routes;
	for (size_t r = 0; r < nr; r++) {
		wk->scratch[r].len = 0;
		c->out[r].len = 0;
	}
	if (c->silent)
		return 0; /* state only: the log already holds these events */
	if (pl->ilog &&
	    scrm_array_grow((void **)&wk->logref, &wk->logref_cap, c->recs.len ? c->recs.len : 1, sizeof *wk->logref, 1024))
		return -ENOMEM;
	for (size_t i = 0; i < c->recs.len; i++) {
		scrm_record *r = &c->recs.v[i];
		size_t route = pl->compress ? r->route : 0;
		scrm_buf *dst = pl->compress ? &wk->scratch[route] : &c->out[0];
		size_t before = dst->len;
		if (scrm_event_write(dst, r, &c->arena, &pl->names))
			return -ENOMEM;
		if (pl->ilog) /* the interaction's payload: the event without its newline,
			       * read where it is by build_log_blocks() (before the zstd below) */
			wk->logref[i] = (struct logref){(uint32_t)before, (uint32_t)(dst->len - before - 1), dst};
		c->route_events[r->route]++;
		if (r->alert && pl->compress && r->route != SCRM_TEAM_ALERTS) {
			/* the copy for the alerts route (stdout gets the event once, "alert":true) */
			if (scrm_event_write(&wk->scratch[SCRM_TEAM_ALERTS], r, &c->arena, &pl->names))
				return -ENOMEM;
			c->alert_copies++;
		}
	}
	int rc;
	if (pl->ilog && (rc = build_log_blocks(wk, c)))
		return rc;
	if (!pl->compress)
		return 0;
	for (size_t r = 0; r < nr; r++) {
		const scrm_buf *src = &wk->scratch[r];
		if (!src->len)
			continue;
		size_t bound = ZSTD_compressBound(src->len);
		if (scrm_buf_reserve(&c->out[r], bound))
			return -ENOMEM;
		size_t z = ZSTD_compress2(wk->cctx, c->out[r].data, bound, src->data, src->len);
		if (ZSTD_isError(z)) {
			fprintf(stderr, "scrm: zstd: %s\n", ZSTD_getErrorName(z));
			return -EIO;
		}
		c->out[r].len = z;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	worker *wk = arg;
	pipeline *pl = wk->pl;
	if (!gate_pass(pl))
		return NULL;
	int np = pl->np;
	bool ended = false;
	for (;;) {
		bool progress = false;
		/* Collect acks; they arrive in chunk order from each relate thread. */
		for (int t = 0; t < np; t++) {
			chunk *a;
			while ((a = scrm_ring_try_pop(&pl->relates[t].ack[wk->id]))) {
				a->acks++;
				progress = true;
			}
		}
		/* Emit the oldest pending chunk once every relate thread is done with it. */
		while (wk->pend_len) {
			chunk *c = wk->pending[wk->pend_head];
			if (c->acks < (unsigned)np)
				break;
			wk->pend_head = (wk->pend_head + 1) % PENDING;
			wk->pend_len--;
			if (!c->end) {
				uint64_t t0 = cpu_ns();
				for (int t = 0; t < np; t++)
					c->failed |= c->relate_failed[t] != 0;
				int rc = (wk->error || c->failed) ? 0 : emit_chunk(wk, c);
				if (rc) {
					fprintf(stderr, "scrm: worker %d: emitting events: %s\n", wk->id, strerror(-rc));
					wk->error = rc;
					set_fatal(pl, rc);
				}
				if (wk->error)
					c->failed = true;
				/* The emit stage's bytes are the events before compression. */
				uint64_t evb = 0;
				for (size_t r = 0; !c->failed && r < pl->n_routes; r++)
					evb += pl->compress ? wk->scratch[r].len : c->out[r].len;
				atomic_fetch_add_explicit(&wk->event_bytes, evb, memory_order_relaxed);
				atomic_fetch_add_explicit(&wk->ns_emit, cpu_ns() - t0, memory_order_relaxed);
			}
			scrm_ring_push(&wk->to_writer, c);
			progress = true;
			if (c->end)
				return NULL;
		}
		if (!ended && wk->pend_len < PENDING) {
			chunk *c = scrm_ring_try_pop(&wk->in);
			if (c) {
				if (c->end) {
					ended = true;
				} else {
					uint64_t t0 = cpu_ns();
					chunk_reset(c);
					int rc = wk->error ? 0 : analyze_chunk(wk, c);
					if (rc) {
						fprintf(stderr, "scrm: worker %d: analyzing %s: %s\n", wk->id,
							pl->cfg->inputs[c->in_index], strerror(-rc));
						wk->error = rc;
						set_fatal(pl, rc);
					}
					if (wk->error) {
						/* Relate threads still see the chunk (they count
						 * chunks), but with no records in it. */
						c->failed = true;
						c->recs.len = 0;
						c->rej.len = 0;
						memset(c->pstart, 0, sizeof c->pstart);
					}
					atomic_fetch_add_explicit(&wk->records, c->recs.len, memory_order_relaxed);
					atomic_fetch_add_explicit(&wk->bytes, c->len, memory_order_relaxed);
					atomic_fetch_add_explicit(&wk->ns_analyze, cpu_ns() - t0, memory_order_relaxed);
				}
				wk->pending[(wk->pend_head + wk->pend_len) % PENDING] = c;
				wk->pend_len++;
				for (int t = 0; t < np; t++)
					scrm_ring_push(&wk->to_relate[t], c);
				progress = true;
			}
		}
		if (progress)
			continue;
		/* Nothing to do: sleep until a ring we read from changes. */
		uint32_t tok = scrm_waiter_prepare(&wk->wait);
		bool ready = false;
		for (int t = 0; t < np && !ready; t++)
			ready = scrm_ring_count(&pl->relates[t].ack[wk->id]) > 0;
		if (!ready && !ended && wk->pend_len < PENDING)
			ready = scrm_ring_count(&wk->in) > 0;
		if (ready)
			scrm_waiter_cancel(&wk->wait);
		else
			scrm_waiter_sleep(&wk->wait, tok);
	}
}

/* ------------------------------------------------------------------ relate/act */

/*
 * Act on one record in its customer's partition, in input order: the routing rules
 * decide (they read the customer's windows and open case), then the case opens on an
 * inbound message the rules give an SLA, and closes on the brand's first reply.
 */
static void act_record(pipeline *pl, scrm_record *r, scrm_cust_state *cs, const scrm_buf *arena)
{
	r->open_case = cs && cs->case_open;
	if (!pl->cfg->routes)
		return;
	route_record(pl, r, arena);
	if (!cs)
		return;
	if (r->linked_out) {
		if (!cs->case_open)
			return; /* a reply with no case waiting (a follow-up, or a case already answered) */
		r->case_event = SCRM_CASE_CLOSED;
		r->case_open_seq = cs->case_seq;
		if (r->ts_ms != SCRM_UNKNOWN_INT && cs->case_opened_ms != SCRM_UNKNOWN_INT) /* (a reply
			 * stamped before the message, clocks that disagree: answered at once) */
			r->case_ttfr_ms = r->ts_ms > cs->case_opened_ms ? r->ts_ms - cs->case_opened_ms : 0;
		r->case_sla_met = cs->case_due_ms == SCRM_UNKNOWN_INT || r->ts_ms == SCRM_UNKNOWN_INT
					  ? -1
					  : r->ts_ms <= cs->case_due_ms;
		cs->case_open = 0;
		return;
	}
	/* routed with an SLA: a case opens even when the message has no time (then its due
	 * time is unknown, and the reply's sla_met is unknown too) */
	if (r->direction == SCRM_DIR_IN && !cs->case_open && r->route != SCRM_TEAM_DROP && r->has_sla) {
		cs->case_open = 1;
		cs->case_opened_ms = r->ts_ms;
		cs->case_due_ms = r->sla_due_ms;
		cs->case_seq = r->seq;
		r->case_event = SCRM_CASE_OPENED;
		r->case_open_seq = r->seq;
	}
}

/*
 * Wait until every relate thread has fed this chunk's near-duplicate keys to its
 * windows: routing (next) reads dup counts that other threads wrote. Every relate
 * thread takes the chunks in the same order, so all of them reach this point.
 */
static void dup_barrier(pipeline *pl, chunk *c)
{
	atomic_fetch_add_explicit(&c->dup_done, 1, memory_order_acq_rel);
	for (unsigned spins = 0; atomic_load_explicit(&c->dup_done, memory_order_acquire) < (unsigned)pl->np; spins++)
		if (spins > 64)
			sched_yield();
}

/* How many records ahead the relate thread starts loading the table entries it will
 * touch (customer windows, near-duplicate and network sets: megabytes, read at random). */
#define RELATE_AHEAD 8
/* ... and how many ahead the customer state found through those keys */
#define RELATE_NEAR 4

/* A score 0-100 as the event writes it (an influence classifier's, rounded half up and
 * clamped; for v > 0 as lround() rounds, without its call). */
static uint8_t pct_of(double v)
{
	if (!(v > 0))
		return 0;
	return v >= 100 ? 100 : (uint8_t)(v + 0.5);
}

/* The influence classifier on one record (the author's counts, the stream's weight for
 * her), into r->infl: score, then reach, engagement, authority, network. */
static int influence_of(scrm_classifier *cl, scrm_record *r, const scrm_buf *arena, double network_weight)
{
	scrm_clf_item it;
	bool has_text = scrm_str_present(r->text);
	scrm_clf_item_init(&it, has_text ? scrm_str_ptr(arena, r->text) : NULL, has_text ? r->text.len : 0);
	item_author(&it, r);
	it.network_weight = network_weight;
	scrm_clf_out o;
	int rc = scrm_classifier_classify(cl, &it, 1, &o, 0);
	if (rc)
		return rc;
	r->infl[0] = pct_of(o.score);
	for (int k = 0; k < 4; k++)
		r->infl[1 + k] = pct_of(o.parts[k]);
	return 0;
}

static void *relate_main(void *arg)
{
	relate *rt = arg;
	pipeline *pl = rt->pl;
	if (!gate_pass(pl))
		return NULL;
	int nw = pl->nw;
	uint64_t base = 0;
	int ends = 0;
	for (uint64_t k = 0; ends < nw; k++) {
		int w = (int)(k % (uint64_t)nw);
		chunk *c = scrm_ring_pop(&pl->workers[w].to_relate[rt->id]);
		if (c->end) {
			ends++;
		} else {
			uint64_t t0 = cpu_ns();
			/* Near-duplicates first: the windows of the partitions this thread owns,
			 * keyed by text, fed in input order (so the counts do not depend on -j). */
			int64_t win = pl->cfg->dup_window_ms;
			for (uint32_t i = c->dstart[rt->id]; i < c->dstart[rt->id + 1]; i++) {
				uint32_t idx = c->didx[i];
				scrm_record *r = &c->recs.v[idx];
				if (i + RELATE_AHEAD < c->dstart[rt->id + 1]) { /* tables: random access */
					uint64_t dk = c->recs.v[c->didx[i + RELATE_AHEAD]].text_key;
					scrm_ktab_prefetch(pl->dupwin[dk % SCRM_PARTITIONS], dk);
				}
				int64_t ts = r->ts_ms == SCRM_UNKNOWN_INT ? INT64_MIN / 2 : r->ts_ms;
				r->dup_count = scrm_dupwin_see(pl->dupwin[r->text_key % SCRM_PARTITIONS], r->text_key, ts,
							       base + idx, win, &r->dup_first);
				/* a storm of retweets is a post going round, not a campaign:
				 * counted (dup), but no spam signal of its own */
				if (r->dup_count >= SCRM_DUP_SPAM_MIN && !(r->flags & SCRM_REC_RETWEET))
					r->spam |= SCRM_SPAM_DUP;
			}
			if (pl->np > 1 && pl->cfg->routes)
				dup_barrier(pl, c);
			uint32_t b = c->pstart[rt->id], e = c->pstart[rt->id + 1];
			uint32_t mi = c->mstart[rt->id], me = c->mstart[rt->id + 1];
			for (uint32_t i = b; i <= e; i++) {
				uint32_t idx = i < e ? c->pidx[i] : UINT32_MAX;
				if (i + RELATE_AHEAD < e && !rt->error) {
					const scrm_record *a = &c->recs.v[c->pidx[i + RELATE_AHEAD]];
					scrm_custtab_prefetch(pl->custs[a->partition], a->cust_hash);
					scrm_ktab_prefetch(pl->net[a->partition], a->cust_hash);
				}
				if (i + RELATE_NEAR < e && !rt->error) { /* its keys are in by now */
					const scrm_record *a = &c->recs.v[c->pidx[i + RELATE_NEAR]];
					scrm_custtab_prefetch_state(pl->custs[a->partition], a->cust_hash);
				}
				/* Mentions made by the posts before this one, in input order. */
				for (; mi < me && (c->midx[mi] >> 3) < idx; mi++) {
					if (mi + RELATE_AHEAD < me) {
						uint32_t ma = c->midx[mi + RELATE_AHEAD];
						scrm_mention m = mention_of(c, &c->recs.v[ma >> 3], ma & 7);
						scrm_ktab_prefetch(pl->net[m.key % SCRM_PARTITIONS], m.key);
					}
					const scrm_record *src = &c->recs.v[c->midx[mi] >> 3];
					scrm_mention m = mention_of(c, src, c->midx[mi] & 7);
					int64_t mts = src->ts_ms == SCRM_UNKNOWN_INT ? INT64_MIN / 2 : src->ts_ms;
					scrm_nettab_add(pl->net[m.key % SCRM_PARTITIONS], m.key, mts, m.weight);
				}
				if (i == e)
					break;
				scrm_record *r = &c->recs.v[idx];
				r->seq = base + idx;
				scrm_cust_state *cs = rt->error ? NULL : scrm_custtab_get_at(pl->custs[r->partition], r->cust_hash, r->ts_ms);
				if (!cs) {
					if (!rt->error)
						fprintf(stderr, "scrm: relate thread %d: customer table: %s\n",
							rt->id, strerror(ENOMEM));
					rt->error = -ENOMEM;
					set_fatal(pl, -ENOMEM);
					c->relate_failed[rt->id] = 1;
				} else {
					int prim = r->sent_primary;
					/* a retweet is one of her interactions, but its words are
					 * the original author's: no intent or sentiment of hers */
					int own = !(r->flags & SCRM_REC_RETWEET);
					scrm_cust_update u = {
						.ts_ms = r->ts_ms,
						.intent = own && (r->has_clf & 1) ? r->clf_label[0] : -1,
						.channel_bit = scrm_str_present(r->channel)
								       ? scrm_cust_channel_bit(scrm_str_ptr(&c->arena, r->channel),
											       r->channel.len)
								       : 0,
						.has_sentiment = own && ((r->has_sentiment >> prim) & 1),
						.sentiment = r->sent[prim].compound,
					};
					scrm_cust_view v;
					if (r->linked_out) /* the brand's reply: hers to read, not her own words */
						scrm_cust_state_view_at(cs, r->ts_ms, &v);
					else
						scrm_cust_state_add(cs, &u, &v);
					r->cust_count = cs->interactions;
					r->cust_int_24h = v.interactions_24h;
					r->cust_int_7d = v.interactions_7d;
					r->cust_channels_7d = v.channels_7d;
					memcpy(r->cust_intent_24h, v.intents_24h, sizeof r->cust_intent_24h);
					r->cust_sent_avg = v.sent_avg;
					r->cust_sent_known = v.sent_n > 0;
				}
				/* influence, by the influence classifier: the network part from the
				 * weights the stream gave her so far (a brand's reply filed under the
				 * customer it answers has none here) */
				int64_t ts = r->ts_ms == SCRM_UNKNOWN_INT ? INT64_MIN / 2 : r->ts_ms;
				double netw = r->linked_out ? 0 : scrm_nettab_weight(pl->net[r->partition], r->cust_hash, ts);
				int irc = influence_of(rt->infl, r, &c->arena, netw);
				if (irc) {
					if (!rt->error)
						fprintf(stderr, "scrm: relate thread %d: influence: %s\n", rt->id,
							strerror(-irc));
					rt->error = irc;
					set_fatal(pl, irc);
					c->relate_failed[rt->id] = 1;
				}
				act_record(pl, r, cs, &c->arena);
			}
			base += c->recs.len;
			atomic_fetch_add_explicit(&rt->records, e - b, memory_order_relaxed);
			atomic_fetch_add_explicit(&rt->ns, cpu_ns() - t0, memory_order_relaxed);
		}
		scrm_ring_push(&rt->ack[w], c);
	}
	return NULL;
}

/*
 * With --log: the latest checkpoint decides where this run starts (README "Interaction
 * log"). No log or no checkpoint: from the start (a log without a checkpoint has only
 * what a crashed first batch wrote: all of it is cut). Setup only.
 */
/* How long a line of the log's events can be, in --max-record terms: the largest of
 * this run's and the earlier runs' (checkpoint "mr"). */
static uint64_t log_max_record(const pipeline *pl)
{
	return pl->log_max_record > pl->cfg->max_record ? pl->log_max_record : pl->cfg->max_record;
}

/* A fingerprint of the n bytes at b: n in the top 16 bits, a hash of them below. */
static uint64_t head_of(const unsigned char *b, size_t n)
{
	return (uint64_t)n << 48 | (XXH3_64bits(b, n) & ((UINT64_C(1) << 48) - 1));
}

/* Whether the first @got bytes at b (-1: unreadable) still start as the fingerprint @was
 * says (head_of() of the first was >> 48 bytes); 0, an unknown fingerprint, matches. */
static bool head_matches(const unsigned char *b, ssize_t got, uint64_t was)
{
	size_t n = (size_t)(was >> 48);
	return !was || (got >= (ssize_t)n && head_of(b, n) == was);
}

/* The first bytes (up to 512) of the file at @path: how many, or -1 if unreadable. */
static ssize_t read_head(const char *path, unsigned char (*b)[512])
{
	ssize_t got = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = pread(fd, *b, sizeof *b, 0);
		close(fd);
	}
	return got;
}

/* Input i's first bytes (up to 512) into pl->in_head[i] (the checkpoint's fhd:PATH; 0 if
 * it has none or cannot be read); true when @was, an earlier run's fingerprint, no
 * longer matches them (the file was truncated and written again). One read. */
static bool head_changed(pipeline *pl, size_t i, uint64_t was)
{
	unsigned char b[512];
	ssize_t got = read_head(pl->cfg->inputs[i], &b);
	pl->in_head[i] = got > 0 ? head_of(b, (size_t)got) : 0;
	return !head_matches(b, got, was);
}

/* The fingerprint head_changed() keeps of the file at @path now (0: empty or unreadable). */
static uint64_t file_head(const char *path)
{
	unsigned char b[512];
	ssize_t got = read_head(path, &b);
	return got > 0 ? head_of(b, (size_t)got) : 0;
}

/* The input a checkpoint entry for the path name[0..n) stands for: the j-th entry of a
 * path is its j-th place among the regular inputs (the checkpoint lists them in input
 * order: a path given twice has two entries). Marks it in @taken; -1 if none is left. */
static ptrdiff_t input_place(const pipeline *pl, bool *taken, const char *name, size_t n)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	for (size_t i = 0; i < cfg->n_inputs; i++)
		if (pl->in_regular[i] && !taken[i] && strlen(cfg->inputs[i]) == n && !memcmp(cfg->inputs[i], name, n)) {
			taken[i] = true;
			return (ptrdiff_t)i;
		}
	return -1;
}

/* A regular file's identity for the checkpoint: device and inode, never 0. */
static uint64_t file_id(const struct stat *sb)
{
	uint64_t h = ((uint64_t)sb->st_dev * 0x9E3779B97F4A7C15ull) ^ (uint64_t)sb->st_ino;
	h ^= h >> 29;
	return h ? h : 1;
}

/*
 * Input i's file as the checkpoint counted it (@fid, @fhd) where a rotation put it: a
 * regular file in the same directory with that identity and, when known, those first
 * bytes (an inode number is reused once its file is deleted). Sets pl->resume_old[i]
 * (allocating the per-input arrays); false if there is none. Setup only.
 */
static bool rotated_away(pipeline *pl, size_t i, uint64_t fid, uint64_t fhd)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	size_t ni = cfg->n_inputs;
	if (!pl->resume_old_off && !(pl->resume_old_off = calloc(3 * ni, sizeof *pl->resume_old_off)))
		return false; /* out of memory: read from the start as before */
	if (!pl->resume_old && !(pl->resume_old = calloc(ni, sizeof *pl->resume_old)))
		return false; /* (both freed with the pipeline) */
	pl->resume_old_fid = pl->resume_old_off + ni;
	pl->resume_old_fhd = pl->resume_old_off + 2 * ni;
	const char *path = cfg->inputs[i], *slash = strrchr(path, '/');
	char dir[4096];
	int dl = slash ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) : snprintf(dir, sizeof dir, ".");
	if (dl < 0 || (size_t)dl >= sizeof dir)
		return false;
	if (slash && slash == path)
		strcpy(dir, "/");
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *de;
	char cand[8192];
	while (!pl->resume_old[i] && (de = readdir(d))) {
		struct stat sb;
		int cl = snprintf(cand, sizeof cand, "%s/%s", dir, de->d_name);
		if (cl < 0 || (size_t)cl >= sizeof cand || stat(cand, &sb) || !S_ISREG(sb.st_mode) || file_id(&sb) != fid)
			continue;
		unsigned char b[512];
		if (!head_matches(b, read_head(cand, &b), fhd))
			continue;
		pl->resume_old[i] = strdup(cand);
	}
	closedir(d);
	return pl->resume_old[i] != NULL;
}

static int resume_setup(pipeline *pl)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	for (size_t r = 0; r <= SCRM_MAX_ROUTES; r++)
		pl->resume_out[r] = UINT64_MAX;
	/* Lock the log before anything reads its checkpoint or touches an output: a second
	 * process on the same log must stop here, not after cutting the outputs back to the
	 * checkpoint it read (the log's own lock, in scrm_ilog_open(), comes later). */
	if (scrm_mkdir_parents(cfg->log_dir) && errno != EEXIST) {
		int e = errno;
		fprintf(stderr, "scrm: interaction log: %s: cannot create: %s\n", cfg->log_dir, strerror(e));
		return -e;
	}
	/* A run killed a moment ago holds the lock until the kernel has torn it down (its
	 * io_uring and threads go first): a supervisor restarting at once would be refused.
	 * So a held lock is retried for up to 2 s before it counts as another process's. */
	int lrc = -1;
	if ((pl->log_lockfd = open(cfg->log_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		for (int tries = 0; (lrc = flock(pl->log_lockfd, LOCK_EX | LOCK_NB)) && errno == EWOULDBLOCK && tries < 20;
		     tries++)
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	if (pl->log_lockfd < 0 || lrc) {
		int e = errno;
		fprintf(stderr, "scrm: interaction log: %s: %s\n", cfg->log_dir,
			e == EWOULDBLOCK ? "the log is open for writing by another process" : strerror(e));
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	/* Which inputs a later run can resume: regular files (stdin, a pipe or a device gives a
	 * new stream every time) */
	if (!(pl->in_regular = calloc(cfg->n_inputs ? cfg->n_inputs : 1, sizeof *pl->in_regular)) ||
	    !(pl->in_fid = calloc(cfg->n_inputs ? cfg->n_inputs : 1, sizeof *pl->in_fid)) ||
	    !(pl->in_head = calloc(cfg->n_inputs ? cfg->n_inputs : 1, sizeof *pl->in_head)))
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_inputs; i++) {
		struct stat sb;
		pl->in_regular[i] = strcmp(cfg->inputs[i], "-") && stat(cfg->inputs[i], &sb) == 0 && S_ISREG(sb.st_mode);
		if (pl->in_regular[i])
			pl->in_fid[i] = file_id(&sb);
	}
	scrm_ilog_checkpoint *ck = NULL;
	char err[1024];
	int rc = scrm_ilog_checkpoint_latest(cfg->log_dir, &ck, err, sizeof err);
	if (rc == -ENOENT) {
		pl->resume_seq = 0; /* interactions without a checkpoint are cut */
		for (size_t i = 0; i < cfg->n_inputs; i++)
			if (pl->in_regular[i])
				head_changed(pl, i, 0);
		return 0;
	}
	if (rc) {
		fprintf(stderr, "scrm: interaction log: %s\n", err);
		return rc;
	}
	bool have_seq = false;
	/* per input: which of its in:, fid: and fhd: entries were seen (input_place), and
	 * the fid: and fhd: values */
	size_t ni = cfg->n_inputs ? cfg->n_inputs : 1;
	bool *taken = calloc(3 * ni, sizeof *taken);
	uint64_t *was_fid = calloc(2 * ni, sizeof *was_fid), *was_head = was_fid + ni;
	if (!taken || !was_fid || !(pl->resume_in = calloc(ni, sizeof *pl->resume_in))) {
		free(taken);
		free(was_fid);
		scrm_ilog_checkpoint_free(ck);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < ck->ninputs; k++) {
		const scrm_ilog_input *e = &ck->inputs[k];
		if (e->input_len == 3 && !memcmp(e->input, "seq", 3)) {
			pl->resume_seq = e->offset;
			have_seq = true;
		} else if (e->input_len == 3 && !memcmp(e->input, "rej", 3)) {
			pl->resume_out[SCRM_MAX_ROUTES] = e->offset;
		} else if (e->input_len == 2 && !memcmp(e->input, "mr", 2)) {
			pl->log_max_record = e->offset;
		} else if (e->input_len > 4 && !memcmp(e->input, "out:", 4)) {
			for (size_t r = 0; r < pl->n_routes; r++)
				if (strlen(pl->route_names[r]) == e->input_len - 4 &&
				    !memcmp(pl->route_names[r], e->input + 4, e->input_len - 4))
					pl->resume_out[r] = e->offset;
		} else if (e->input_len > 3 && !memcmp(e->input, "in:", 3) && !cfg->log_from_start) {
			ptrdiff_t i = input_place(pl, taken, e->input + 3, e->input_len - 3);
			if (i >= 0) {
				pl->resume_in[i] = e->offset;
				if (e->offset == UINT64_MAX)
					fprintf(stderr,
						"scrm: %s: the log's checkpoint (written by an older scrm) counts it as "
						"read whole: lines appended to it since are not read (--from-start reads "
						"every input again)\n",
						cfg->inputs[i]);
			}
		} else if (e->input_len > 4 && !memcmp(e->input, "fid:", 4) && !cfg->log_from_start) {
			ptrdiff_t i = input_place(pl, taken + ni, e->input + 4, e->input_len - 4);
			if (i >= 0)
				was_fid[i] = e->offset;
		} else if (e->input_len > 4 && !memcmp(e->input, "fhd:", 4) && !cfg->log_from_start) {
			ptrdiff_t i = input_place(pl, taken + 2 * ni, e->input + 4, e->input_len - 4);
			if (i >= 0)
				was_head[i] = e->offset;
		}
	}
	/* A file that is not the one the checkpoint counted is read from its start, not from
	 * the old file's offset: a new file under the same name (rotated), or the same file
	 * with other first bytes (truncated and written again: logrotate's copytruncate).
	 * When the counted file was rotated and is still beside the new one, the rest of it
	 * is read first (also when the runs before had not begun it: offset 0). */
	for (size_t i = 0; i < cfg->n_inputs; i++) {
		if (!pl->in_regular[i])
			continue;
		bool rewritten = head_changed(pl, i, was_head[i]); /* sets in_head[i] for this run */
		bool renamed = was_fid[i] && was_fid[i] != pl->in_fid[i];
		if (renamed && pl->resume_in[i] != UINT64_MAX && rotated_away(pl, i, was_fid[i], was_head[i])) {
			fprintf(stderr, "scrm: %s: a new file under that name; the file the log's checkpoint counted "
					"is %s now: read from byte %" PRIu64 " to its end, then %s from its start\n",
				cfg->inputs[i], pl->resume_old[i], pl->resume_in[i], cfg->inputs[i]);
			pl->resume_old_off[i] = pl->resume_in[i];
			pl->resume_old_fid[i] = was_fid[i];
			pl->resume_old_fhd[i] = was_head[i];
			pl->resume_in[i] = 0;
			continue;
		}
		if (!pl->resume_in[i])
			continue;
		const char *why = renamed ? "a new file under that name"
				: rewritten ? "its first bytes changed: truncated and written again"
					    : NULL;
		if (why) {
			fprintf(stderr, "scrm: %s: not the file the log's checkpoint counted (%s): read from its start\n",
				cfg->inputs[i], why);
			pl->resume_in[i] = 0;
		}
	}
	free(taken);
	free(was_fid);
	pl->log_commit = ck->commit;
	scrm_ilog_checkpoint_free(ck);
	if (!have_seq) {
		fprintf(stderr, "scrm: interaction log %s: its checkpoint has no record count (written by an older "
				"scrm): cannot resume; use a new --log directory\n", cfg->log_dir);
		return -EINVAL;
	}
	pl->resume = true; /* a checkpoint: even with no record yet (only rejects), its outputs are kept */
	return 0;
}

/* Free the retired tables no chunk can still use (all of them when `all`: the run is
 * over). Calling thread only. */
static void reclaim_customers(pipeline *pl, bool all)
{
	uint64_t popped = atomic_load_explicit(&pl->popped_chunks, memory_order_acquire);
	int keep = 0;
	for (int i = 0; i < pl->nretired; i++) {
		if (all || popped >= pl->retired[i].until)
			scrm_customers_free(pl->retired[i].table);
		else
			pl->retired[keep++] = pl->retired[i];
	}
	pl->nretired = keep;
	if (all) {
		scrm_customers_free(pl->owned);
		pl->owned = NULL;
	}
}

/* SIGHUP: load the CRM export again and swap it in whole; the stream goes on. On an
 * error the old table stays. Calling thread only. */
static void reload_customers(pipeline *pl)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	reclaim_customers(pl, false);
	if (pl->nretired == SCRM_MAX_RELOADS) {
		fprintf(stderr, "scrm: customers not reloaded: %d earlier tables are still in use by batches in flight\n",
			SCRM_MAX_RELOADS);
		return;
	}
	scrm_customers *fresh = cfg->customers_reload(cfg->reload_ctx);
	if (!fresh)
		return; /* the callback said why */
	/* Sequentially consistent with the reader's count: a chunk the reader counts after
	 * this load of the count is analysed after the store, so it sees the new table. */
	atomic_store_explicit(&pl->customers, fresh, memory_order_seq_cst);
	uint64_t sent = atomic_load_explicit(&pl->rd_chunks, memory_order_seq_cst);
	scrm_customers *old = pl->owned;
	if (!old && pl->first && *pl->first) { /* the caller's, given to the run */
		old = *pl->first;
		*pl->first = NULL;
	}
	if (old) {
		pl->retired[pl->nretired].table = old;
		pl->retired[pl->nretired++].until = sent;
	}
	pl->owned = fresh;
	pl->reload_sent = sent;
}

/* ------------------------------------------------------------------ writer */

/*
 * Write the chunk's interactions to the log: the blocks of each partition it touched
 * (one, or more past SCRM_ILOG_BLOCK_MAX; built by the worker: build_log_blocks(), the
 * records in input order), sync them
 * (BATCH); the checkpoint of the inputs consumed so far comes after the route outputs
 * (log_checkpoint). Writer thread only.
 */
static int log_chunk(pipeline *pl, chunk *c)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	uint32_t touched[SCRM_PARTITIONS];
	size_t n = 0;
	int rc = 0;
	for (size_t k = 0; k < c->nlbs && !rc; k++) {
		const struct logblock *lb = &c->lbs[k];
		rc = scrm_ilog_commit_built(pl->ilog, lb->part, &lb->b, &c->logblk, &c->logcust);
		if (!n || touched[n - 1] != lb->part) /* (in partition order) */
			touched[n++] = lb->part;
	}
	if (!rc && cfg->log_sync == SCRM_ILOG_SYNC_BATCH) /* all of them at once */
		rc = scrm_ilog_sync_many(pl->ilog, touched, n);
	if (!rc)
		pl->log_records += c->recs.len;
	return rc;
}

/* The checkpoint's entries, named once at setup (log_checkpoint() fills the offsets):
 * "seq", "in:PATH" per input, then with -o "out:ROUTE" per route, with -o or
 * --rejects "rej" (the rejects file), and "mr": the largest --max-record of this run
 * and the runs before it on this log (a fixed value: how long a logged event can be,
 * which a later run's rebuild must read whatever its own --max-record). */
static int ckpt_setup(pipeline *pl)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	size_t n = 2 + 3 * cfg->n_inputs + (cfg->out_dir ? pl->n_routes : 0) + (cfg->out_dir || cfg->rejects_path), bytes = 0;
	for (size_t k = 0; k < cfg->n_inputs; k++)
		bytes += 3 + 4 + 4 + 3 * strlen(cfg->inputs[k]);
	for (size_t r = 0; cfg->out_dir && r < pl->n_routes; r++)
		bytes += 4 + strlen(pl->route_names[r]);
	if (!(pl->ckpt = calloc(n, sizeof *pl->ckpt)) || !(pl->ckpt_names = malloc(bytes ? bytes : 1)))
		return -ENOMEM;
	char *o = pl->ckpt_names;
	size_t e = 0;
	pl->ckpt[e++] = (scrm_ilog_input){"seq", 3, 0};
	for (size_t k = 0; k < cfg->n_inputs; k++) {
		size_t l = strlen(cfg->inputs[k]);
		memcpy(o, "in:", 3);
		memcpy(o + 3, cfg->inputs[k], l);
		pl->ckpt[e++] = (scrm_ilog_input){o, l + 3, 0};
		o += l + 3;
	}
	for (size_t r = 0; cfg->out_dir && r < pl->n_routes; r++) {
		size_t l = strlen(pl->route_names[r]);
		memcpy(o, "out:", 4);
		memcpy(o + 4, pl->route_names[r], l);
		pl->ckpt[e++] = (scrm_ilog_input){o, l + 4, 0};
		o += l + 4;
	}
	if (cfg->out_dir || cfg->rejects_path) /* the rejects file: DIR/rejects.ndjson or --rejects */
		pl->ckpt[e++] = (scrm_ilog_input){"rej", 3, 0};
	pl->ckpt[e++] = (scrm_ilog_input){"mr", 2, log_max_record(pl)};
	/* which file each regular input was (fid:PATH, file_id()) and its first bytes
	 * (fhd:PATH, head_changed()): a resumed run reads another file under the same name, or
	 * one truncated and written again, from its start. Last, after the entries
	 * log_checkpoint() rewrites; an older scrm ignores them. */
	if (pl->in_fid && !(pl->ckpt_id_at = calloc(cfg->n_inputs ? cfg->n_inputs : 1, sizeof *pl->ckpt_id_at)))
		return -ENOMEM;
	for (size_t k = 0; pl->in_fid && k < cfg->n_inputs; k++) {
		/* a regular input's entries change with the file its chunks come from (a
		 * rotation): always both, set by each chunk (log_checkpoint()) */
		if (!pl->in_regular[k])
			continue;
		pl->ckpt_id_at[k] = e;
		for (int h = 0; h < 2; h++) {
			uint64_t v = h ? pl->in_head[k] : pl->in_fid[k];
			size_t l = strlen(cfg->inputs[k]);
			memcpy(o, h ? "fhd:" : "fid:", 4);
			memcpy(o + 4, cfg->inputs[k], l);
			pl->ckpt[e++] = (scrm_ilog_input){o, l + 4, v};
			o += l + 4;
		}
	}
	pl->nckpt = e;
	for (size_t k = 0; k < e; k++)
		pl->ckpt_bytes += pl->ckpt[k].input_len + 12;
	return 0;
}

/* A checkpoint this long is written after each batch; a longer one (over ~1,000 inputs:
 * each lists them all) at most once per as many input bytes as it has. */
#define CKPT_EVERY_BATCH (64u << 10)

/* Write the checkpoint pl->ckpt holds: the state after the last batch written. */
static int ckpt_write(pipeline *pl)
{
	scrm_ilog_rec ck = {.kind = SCRM_ILOG_CHECKPOINT, .commit = ++pl->log_commit, .inputs = pl->ckpt,
			    .ninputs = (uint32_t)pl->nckpt};
	int rc = scrm_ilog_append(pl->ilog, 0, &ck);
	if (!rc)
		rc = scrm_ilog_commit(pl->ilog, 0);
	if (!rc && pl->cfg->log_sync == SCRM_ILOG_SYNC_BATCH)
		rc = scrm_ilog_sync(pl->ilog, 0);
	if (!rc) {
		pl->ckpt_pending = false;
		pl->ckpt_any = true;
		pl->ckpt_since = 0;
	}
	return rc;
}

/* After a failed write: each of the @n outputs @wrote reached in this batch cut back to
 * where it was before it (@before), so that every file ends on the same whole batch. */
static void rollback_outputs(scrm_sink *const *wrote, const uint64_t *before, size_t n)
{
	for (size_t o = 0; o < n; o++) {
		int rb = scrm_sink_rollback(wrote[o], before[o]);
		if (rb && rb != -ESPIPE)
			fprintf(stderr, "scrm: cutting %s back to its last whole batch: %s\n", scrm_sink_name(wrote[o]),
				strerror(-rb));
	}
}

/*
 * The chunk's checkpoint, committed (and synced under BATCH) to partition 0 once its
 * interactions are in the log and its events in the outputs (entries: ckpt_setup(); the
 * README "Interaction log" says what each means): each input's bytes consumed so far, the
 * chunk's to its last line (or to the unfinished line it left unread, hold_tail). A
 * resumed run starts from exactly this state, and reads what was appended to any input
 * since. (Inputs before the chunk's were once saved as whole, UINT64_MAX: lines
 * appended to them later were never read.)
 *
 * Each checkpoint lists every input, so with thousands of small inputs (a batch each)
 * the log grew with their square (20,000 one-record files wrote 5.9 GB of it). A
 * checkpoint longer than CKPT_EVERY_BATCH is therefore written once the batches since
 * the last one read as many input bytes as it has, after the run's first batch, and at
 * the run's end (writer_main()); a crash redoes the batches since (recovery cuts their
 * interactions, the resumed run their outputs), as it redoes one batch otherwise.
 * Writer thread only.
 */
static int log_checkpoint(pipeline *pl, chunk *c)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	scrm_ilog_input *in = pl->ckpt;
	in[0].offset = pl->next_seq;
	pl->done_at[c->in_index] = c->held ? c->held_off : c->info.end_offset;
	for (uint32_t k = 0; k < cfg->n_inputs; k++)
		in[1 + k].offset = pl->done_at[k];
	size_t id_at = pl->ckpt_id_at ? pl->ckpt_id_at[c->in_index] : 0;
	if (id_at) {
		in[id_at].offset = c->fid;
		in[id_at + 1].offset = c->fhd;
	}
	size_t at = 1 + cfg->n_inputs;
	if (cfg->out_dir)
		for (size_t r = 0; r < pl->n_routes; r++)
			in[at++].offset = scrm_sink_bytes(pl->route_sink[r]);
	if (cfg->out_dir || cfg->rejects_path)
		in[at].offset = pl->rej_sink ? scrm_sink_bytes(pl->rej_sink) : 0;
	pl->ckpt_pending = true;
	pl->ckpt_since += c->len;
	if (pl->ckpt_any && pl->ckpt_bytes > CKPT_EVERY_BATCH && pl->ckpt_since < pl->ckpt_bytes)
		return 0;
	return ckpt_write(pl);
}

/* Before the chunk's blocks go to the log: a checkpoint left pending is written first
 * when one of them would start a segment (scrm_ilog_would_roll(): recovery cuts the
 * interactions past the last checkpoint in a partition's last segment only). */
static int log_checkpoint_before(pipeline *pl, const chunk *c)
{
	if (!pl->ckpt_pending)
		return 0;
	size_t run = 0; /* (a partition's blocks follow each other: their bytes so far) */
	for (size_t k = 0; k < c->nlbs; k++) {
		run = (k && c->lbs[k - 1].part == c->lbs[k].part ? run : 0) + c->lbs[k].b.len;
		if (scrm_ilog_would_roll(pl->ilog, c->lbs[k].part, run))
			return ckpt_write(pl);
	}
	return 0;
}

/* After the rebuild: the interactions read back from the log must be as many as its
 * checkpoint counts, or every later seq and customer count is off (segments cut or lost
 * since: damage, which recovery cannot tell from a crash's torn tail). false: the run
 * stops (-EIO) before writing anything. Writer thread only. */
static bool rebuild_check(pipeline *pl)
{
	pl->rebuild_checked = true;
	if (pl->rebuilt == pl->resume_seq)
		return true;
	fprintf(stderr, "scrm: interaction log %s: rebuilding state read %" PRIu64
			" interactions back where its checkpoint counts %" PRIu64 "; stopping before writing anything",
		pl->cfg->log_dir, pl->rebuilt, pl->resume_seq);
	if (pl->rebuild_oversize)
		fprintf(stderr, " (%" PRIu64 " logged events were longer than this run reads back, "
				"8 x --max-record + 64 KiB: the log was written with a larger "
				"--max-record; run again with it)\n",
			pl->rebuild_oversize);
	else
		fprintf(stderr, " (`scrm log verify` checks the log)\n");
	set_fatal(pl, -EIO);
	pl->writer_stopped = true;
	return false;
}

static void *writer_main(void *arg)
{
	pipeline *pl = arg;
	if (!gate_pass(pl))
		return NULL;
	int nw = pl->nw;
	int ends = 0;
	for (uint64_t k = 0; ends < nw; k++) {
		int w = (int)(k % (uint64_t)nw);
		chunk *c = scrm_ring_pop(&pl->workers[w].to_writer);
		if (c->end) {
			ends++;
			continue;
		}
		/* the worker is done with it, events written: no longer a user of its table */
		atomic_fetch_add_explicit(&pl->popped_chunks, 1, memory_order_release);
		uint64_t t0 = now_ns();
		if (c->failed)
			pl->writer_stopped = true;
		if (c->recs.len)
			pl->next_seq = c->recs.v[c->recs.len - 1].seq + 1;
		if (c->silent && !pl->writer_stopped) {
			pl->rebuilt += c->recs.len;
			pl->rebuild_oversize += c->rejects[SCRM_REJ_OVERSIZE];
			scrm_ring_push(&pl->free_ring, c);
			continue;
		}
		if (!c->silent && pl->resume && !pl->rebuild_checked && !pl->writer_stopped && !rebuild_check(pl)) {
			/* the first live chunk: its seqs continue the rebuilt count */
			scrm_ring_push(&pl->free_ring, c);
			continue;
		}
		if (pl->writer_stopped) {
			/* After a failure the outputs end at the last whole chunk before it:
			 * a clean prefix of the input, never a chunk with a hole. */
			scrm_ring_push(&pl->free_ring, c);
			continue;
		}
		/* The interaction log first: an event reaches a route output only once its
		 * interaction is in the log (synced per the policy). */
		int rc = 0;
		const char *what = NULL;
		if (pl->ilog && ((rc = log_checkpoint_before(pl, c)) || (rc = log_chunk(pl, c))))
			what = "the interaction log";
		/* Rejects first, then each route; the first failed write stops all
		 * output and the chunk is not counted as written: the files this chunk
		 * already reached are cut back, so that every file ends on the same whole
		 * batch (the one the last checkpoint counts). */
		uint64_t before[SCRM_MAX_ROUTES + 1];
		size_t reached = 0; /* outputs written: the rejects file is [SCRM_MAX_ROUTES] */
		scrm_sink *wrote[SCRM_MAX_ROUTES + 1];
		if (!rc && c->rej.len && pl->rej_sink) {
			before[reached] = scrm_sink_bytes(pl->rej_sink);
			wrote[reached] = pl->rej_sink;
			if (pl->rej_tty) {
				pthread_mutex_lock(&pl->term_mu);
				fputs("\r\033[K", stderr);
			}
			rc = scrm_sink_write(pl->rej_sink, c->rej.data, c->rej.len);
			if (pl->rej_tty)
				pthread_mutex_unlock(&pl->term_mu);
			what = scrm_sink_name(pl->rej_sink);
			reached += !rc;
		}
		uint64_t bytes = 0;
		for (size_t r = 0; r < pl->n_routes && !rc; r++) {
			if (!c->out[r].len)
				continue;
			before[reached] = scrm_sink_bytes(pl->route_sink[r]);
			wrote[reached] = pl->route_sink[r];
			rc = scrm_sink_write(pl->route_sink[r], c->out[r].data, c->out[r].len);
			what = scrm_sink_name(pl->route_sink[r]);
			if (!rc) {
				bytes += c->out[r].len;
				reached++;
			}
		}
		if (rc) {
			rollback_outputs(wrote, before, reached);
			/* A reader that went away (| head) is not worth a message. */
			if (!atomic_load(&pl->fatal) && rc != -EPIPE)
				fprintf(stderr, "scrm: writing %s: %s\n", what, strerror(-rc));
			set_fatal(pl, rc);
			pl->writer_stopped = true;
			scrm_ring_push(&pl->free_ring, c);
			continue;
		}
		if (pl->ilog && (rc = log_checkpoint(pl, c))) {
			/* not counted, so not in the outputs either (a resumed run cuts them back
			 * to the last checkpoint all the same) */
			rollback_outputs(wrote, before, reached);
			if (!atomic_load(&pl->fatal))
				fprintf(stderr, "scrm: writing the interaction log's checkpoint: %s\n", strerror(-rc));
			set_fatal(pl, rc);
			pl->writer_stopped = true;
			scrm_ring_push(&pl->free_ring, c);
			continue;
		}
		uint64_t ev = 0;
		for (size_t r = 0; r < pl->n_routes; r++) {
			pl->route_events[r] += c->route_events[r];
			ev += c->route_events[r];
		}
		pl->alert_copies += c->alert_copies;
		pl->records_in += c->recs.len;
		/* the input bytes of the batches written (after an error, the clean prefix; not
		 * the log a resumed run streams back, nor a last line left for the next run) */
		atomic_fetch_add_explicit(&pl->in_bytes,
					  (uint64_t)c->len - (c->held && !c->held_oversize ? c->held_len : 0),
					  memory_order_relaxed);
		pl->lines += c->lines;
		pl->rejected += c->rejected;
		pl->repaired += c->repaired;
		pl->repaired_num += c->repaired_num;
		pl->hits_dropped += c->hits_dropped;
		pl->other_lang += c->other_lang;
		pl->other_lang_none += c->other_lang_none;
		pl->model_gated += c->gated;
		pl->filtered += c->filtered;
		if (c->held) {
			pl->held++;
			fprintf(stderr,
				"scrm: %s: its last line (line %" PRIu64 ", %" PRIu64 " bytes at byte %" PRIu64
				") has no newline and is %s: left unread for the next run with this log, "
				"which reads it from there\n",
				pl->cfg->inputs[c->in_index], c->held_line, c->held_len, c->held_off,
				c->held_oversize ? "longer than --max-record so far"
				: c->csv	 ? "a CSV row cut short"
						 : "not complete JSON");
		}
		for (int i = 0; i < SCRM_REJ__COUNT; i++)
			pl->rejects[i] += c->rejects[i];
		for (int i = 0; i < SCRM_SKIP__COUNT; i++)
			pl->skipped[i] += c->skipped[i];
		atomic_fetch_add_explicit(&pl->wr_events, ev, memory_order_relaxed);
		atomic_fetch_add_explicit(&pl->wr_bytes, bytes, memory_order_relaxed);
		atomic_fetch_add_explicit(&pl->wr_chunks, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&pl->wr_ns, now_ns() - t0, memory_order_relaxed);
		scrm_ring_push(&pl->free_ring, c);
	}
	/* the last batches' checkpoint, when log_checkpoint() left it pending */
	int rc;
	if (pl->ilog && pl->ckpt_pending && !pl->writer_stopped && (rc = ckpt_write(pl))) {
		if (!atomic_load(&pl->fatal))
			fprintf(stderr, "scrm: writing the interaction log's checkpoint: %s\n", strerror(-rc));
		set_fatal(pl, rc);
		pl->writer_stopped = true;
	}
	/* a run with nothing new to read: the log it rebuilt from is checked all the same
	 * (unless a signal cut the rebuild short) */
	if (pl->resume && !pl->rebuild_checked && !pl->writer_stopped && !(pl->cfg->stop && *pl->cfg->stop))
		rebuild_check(pl);
	atomic_store(&pl->done, 1);
	return NULL;
}

/* ------------------------------------------------------------------ reader */

typedef struct reader_state {
	pipeline *pl;
	uint64_t next_seq;
	chunk *spare;
	scrm_normalizer *pace_norm; /* replay pacing: timestamps of lines */
	scrm_normalizer *pace_norm_csv; /* ... of CSV rows */
	scrm_buf pace_json;
	scrm_recvec pace_recs;
	scrm_buf pace_arena;
	bool paced_started;
	int64_t pace_ts0;
	uint64_t pace_wall0;
	/* the followed input's file, for its chunks (chunk.fid, .fhd): need_head until its
	 * first bytes were seen, after it was opened again */
	uint64_t fid, fhd;
	bool need_head;
} reader_state;

static chunk *reader_get_chunk(reader_state *rs)
{
	if (rs->spare) {
		chunk *c = rs->spare;
		rs->spare = NULL;
		return c;
	}
	return scrm_ring_pop(&rs->pl->free_ring);
}

static void reader_send(reader_state *rs, chunk *c)
{
	pipeline *pl = rs->pl;
	c->seq = rs->next_seq++;
	c->end = false;
	atomic_fetch_add_explicit(&pl->rd_chunks, 1, memory_order_seq_cst); /* before the push: see reload_customers() */
	scrm_ring_push(&pl->workers[c->seq % (uint64_t)pl->nw].in, c);
}

/*
 * The first chunk of the CSV input @name: its first record is the header. Make its
 * column map (kept in pl->csv_maps until the end), say which columns are ignored, and
 * cut the header out of the chunk (the rows' positions stay those of the file). 0, or
 * -EINVAL (said on stderr: the header is not usable), -ENOMEM.
 */
static int csv_header(pipeline *pl, chunk *c, const char *name, const scrm_csv_map **out)
{
	if (c->info.n_oversize && c->info.oversize[0].offset == 0) { /* (every open reads from 0) */
		fprintf(stderr, "scrm: %s: line %llu: the CSV header is longer than --max-record (%zu bytes)\n", name,
			c->info.oversize[0].line, pl->cfg->max_record);
		return -EINVAL;
	}
	scrm_csv_scan cs = {0};
	size_t bom = scrm_utf8_bom(c->data, c->len);
	const char *nl = scrm_csv_end(&cs, c->data + bom, c->len - bom);
	size_t hl = nl ? (size_t)(nl - c->data) : c->len;
	char msg[512];
	scrm_csv_map *m = NULL;
	int rc = scrm_csv_header(&m, c->data, hl, &pl->cfg->csv_opts, msg, sizeof msg);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		fprintf(stderr, "scrm: %s: line %llu: %s\n", name, c->info.base_line, msg);
		return rc;
	}
	if (pl->n_csv_maps == pl->csv_maps_cap &&
	    scrm_array_grow((void **)&pl->csv_maps, &pl->csv_maps_cap, pl->n_csv_maps + 1, sizeof *pl->csv_maps, 4)) {
		scrm_csv_map_free(m);
		return -ENOMEM;
	}
	pl->csv_maps[pl->n_csv_maps++] = m;
	if (*msg)
		fprintf(stderr, "scrm: %s: %s\n", name, msg);
	size_t cut = nl ? hl + 1 : hl;
	memmove(c->data, c->data + cut, c->len - cut);
	c->len -= cut;
	c->info.base_offset += cut;
	c->info.base_line += 1 + cs.nl;
	c->info.n_lines = 0; /* the worker finds them */
	*out = m;
	return 0;
}

/* Timestamp of the first record of a line, for pacing (SCRM_UNKNOWN_INT if none). */
static int64_t line_ts(reader_state *rs, const chunk *c, const char *p, size_t len)
{
	scrm_norm_result res;
	rs->pace_recs.len = 0;
	rs->pace_arena.len = 0;
	scrm_normalizer *nz = rs->pace_norm;
	if (c->csv) { /* a CSV row: its JSON line */
		char why[128];
		if (!rs->pace_norm_csv && !(rs->pace_norm_csv = scrm_normalizer_create(SCRM_FORMAT_SCRM)))
			return SCRM_UNKNOWN_INT;
		if (scrm_csv_blank(p, len) || scrm_csv_to_json(c->csv, p, len, &rs->pace_json, why, sizeof why))
			return SCRM_UNKNOWN_INT;
		nz = rs->pace_norm_csv;
		p = rs->pace_json.data;
		len = rs->pace_json.len;
	}
	if (scrm_normalize_line(nz, p, len, &rs->pace_recs, &rs->pace_arena, &res))
		return SCRM_UNKNOWN_INT;
	return rs->pace_recs.len ? rs->pace_recs.v[0].ts_ms : SCRM_UNKNOWN_INT;
}

/* Sleep until t, waking every 50 ms so a stop request is seen promptly. */
static void sleep_until_ns(pipeline *pl, uint64_t t)
{
	for (;;) {
		uint64_t now = now_ns();
		if (t <= now || should_stop(pl))
			return;
		uint64_t d = t - now;
		if (d > 50000000ull)
			d = 50000000ull;
		struct timespec ts = {(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
}

/* A CSV chunk with an oversize line cut out of it: its records' ends past the cut are the
 * worker's to find (record_end()), so it goes whole, never split. */
static bool csv_cut_inside(const chunk *c)
{
	for (unsigned k = 0; c->csv && k < c->info.n_oversize; k++)
		if (c->info.oversize[k].offset > c->info.base_offset)
			return true;
	return false;
}

/* Split chunk c at byte @cut (a record's start; @lines: the input lines in c before
 * it): the rest moves to a fresh chunk from the pool, with its own input position, which
 * is returned; c keeps the line ends the chunker recorded before the cut. Oversize lines
 * the chunker cut out before the cut point stay with the first piece (and shift the
 * second piece's offset and line number). */
static chunk *split_chunk(reader_state *rs, chunk *c, size_t cut, uint64_t lines_before_cut)
{
	chunk *d = reader_get_chunk(rs);
	memcpy(d->data, c->data + cut, c->len - cut);
	d->len = c->len - cut;
	d->in_index = c->in_index;
	d->silent = c->silent; /* a pooled chunk keeps a rebuild's flag otherwise */
	d->csv = c->csv;
	d->fid = c->fid;
	d->fhd = c->fhd;
	d->last_of_file = c->last_of_file; /* (the end is in the second piece) */
	c->last_of_file = false;
	d->info = c->info;
	unsigned keep = 0, moved = 0;
	uint64_t gap_b = 0, gap_l = 0;
	for (unsigned i = 0; i < c->info.n_oversize; i++) {
		scrm_oversize ov = c->info.oversize[i];
		bool before = ov.offset < c->info.base_offset ||
			      ov.offset - c->info.base_offset - gap_b <= cut;
		if (before) {
			if (ov.offset >= c->info.base_offset) {
				gap_b += ov.length + 1;
				gap_l++;
			}
			c->info.oversize[keep++] = ov;
		} else {
			d->info.oversize[moved++] = ov;
		}
	}
	c->info.n_oversize = keep;
	d->info.n_oversize = moved;
	unsigned kept = 0; /* c's recorded line ends before the cut */
	while (kept < c->info.n_lines && c->info.line_end[kept] < cut)
		kept++;
	c->info.n_lines = kept;
	d->info.n_lines = 0; /* the worker finds them */
	d->info.oversize_dropped = 0;
	d->info.base_offset = c->info.base_offset + cut + gap_b;
	d->info.base_line = c->info.base_line + lines_before_cut + gap_l;
	c->info.end_offset = d->info.base_offset;
	c->len = cut;
	return d;
}

/* A chunk of more than BATCH_RECORDS records goes as several batches: what a batch
 * makes (records, events, reject lines) grows with its records, not its bytes, and the
 * pool keeps every buffer at its largest, so a chunk of 1-byte lines (~260,000 in
 * 512 KiB, each a reject line of ~150 bytes) held ~40 MB per pooled chunk. A CSV chunk
 * with an oversize line cut out of it goes whole (as in reader_send_paced()). */
static void reader_send_bounded(reader_state *rs, chunk *c)
{
	const size_t max_record = rs->pl->cfg->max_record;
	for (;;) {
		size_t cut = c->len;
		if (csv_cut_inside(c)) {
			/* as it is */
		} else if (c->info.n_lines == SCRM_CHUNK_LINES) {
			cut = (size_t)c->info.line_end[SCRM_CHUNK_LINES - 1] + 1;
		} else if (c->info.n_lines == 0 && c->len <= UINT32_MAX) {
			/* cut or split before (a header, a resumed run's skip): find them */
			const char *p = c->data, *end = c->data + c->len;
			unsigned k = 0;
			while (p < end && k < SCRM_CHUNK_LINES) {
				const char *nl = record_end(c, p, end, end, max_record);
				if (!nl)
					break;
				c->info.line_end[k++] = (uint32_t)(nl - c->data);
				p = nl + 1;
			}
			c->info.n_lines = k;
			if (k == SCRM_CHUNK_LINES)
				cut = (size_t)(p - c->data);
		}
		if (cut >= c->len) {
			reader_send(rs, c);
			return;
		}
		uint64_t lines = 0; /* (CSV: with the line breaks inside quotes) */
		for (const char *q = c->data; (q = memchr(q, '\n', (size_t)(c->data + cut - q))); q++)
			lines++;
		chunk *d = split_chunk(rs, c, cut, lines);
		reader_send(rs, c);
		c = d;
	}
}

/* Replay at recorded pace: send the chunk in pieces, each released when the wall
 * clock reaches the scheduled time of its first line (ts scaled by 1/speed). */
static void reader_send_paced(reader_state *rs, chunk *c)
{
	pipeline *pl = rs->pl;
	const double speed = pl->cfg->speed;
	const uint64_t slack = 20000000ull; /* lines due within 20 ms travel together */
	for (;;) {
		const char *p = c->data, *end = c->data + c->len;
		uint64_t first_due = 0;
		bool have_due = false;
		size_t cut = c->len;
		uint64_t lines_before_cut = 0;
		/* a CSV chunk with an oversize line cut out of it goes whole, paced by its first
		 * row (csv_cut_inside()) */
		bool whole = csv_cut_inside(c);
		unsigned recs = 0;
		while (p < end && !(whole && have_due)) {
			if (recs++ == BATCH_RECORDS) { /* a batch's records are bounded, as unpaced */
				cut = (size_t)(p - c->data);
				break;
			}
			const char *nl = record_end(c, p, end, end, pl->cfg->max_record);
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			int64_t ts = line_ts(rs, c, p, len);
			if (ts != SCRM_UNKNOWN_INT && in_window(pl->cfg, ts)) {
				if (!rs->paced_started) {
					rs->paced_started = true;
					rs->pace_ts0 = ts;
					rs->pace_wall0 = now_ns();
				}
				double dt = (double)(ts - rs->pace_ts0) / speed * 1e6; /* ns from the first */
				/* saturated: a slow replay of a long archive is "never" past 2^63 ns,
				 * not a wrapped, early due time */
				uint64_t due = dt <= 0 ? rs->pace_wall0
					       : dt >= 9.2e18 - (double)rs->pace_wall0 ? UINT64_MAX
										      : rs->pace_wall0 + (uint64_t)dt;
				if (!have_due) {
					have_due = true;
					first_due = due;
				} else if (due > first_due + slack) {
					cut = (size_t)(p - c->data);
					break;
				}
			}
			lines_before_cut += 1 + inner_breaks(c, p, len);
			p += len + 1;
		}
		if (have_due)
			sleep_until_ns(pl, first_due);
		if (have_due && should_stop(pl) && now_ns() < first_due) {
			/* stopped while it waited for this piece's first record: the records not
			 * due yet are not sent (with --log the next run starts at them) */
			assert(!rs->spare); /* (c came from reader_get_chunk(), which took it) */
			rs->spare = c;
			return;
		}
		if (cut >= c->len) {
			reader_send(rs, c);
			return;
		}
		/* Split: the rest moves to a fresh chunk (split_chunk). */
		chunk *d = split_chunk(rs, c, cut, lines_before_cut);
		reader_send(rs, c);
		c = d;
	}
}

/* The longest logged event a resumed run reads back: an event of a line of at most
 * max_record bytes writes each input byte as at most 6 ("\u00XX"), plus at most a few
 * KiB of analysis and explanation. An event past it would be dropped from the rebuilt
 * state (the stress test found events over --max-record dropped). */
static size_t rebuild_max_record(const pipeline *pl)
{
	return 8 * log_max_record(pl) + (64u << 10);
}

static int reader_run(pipeline *pl)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	reader_state rs = {.pl = pl};
	int err = 0;
	if (cfg->speed > 0) {
		rs.pace_norm = scrm_normalizer_create(cfg->format);
		if (!rs.pace_norm)
			err = -ENOMEM;
	}
	scrm_source_opts sopts = {.no_uring = cfg->no_uring, .watch_stop = cfg->stop_fd >= 0,
				  .stop_fd = cfg->stop_fd};
	/* --follow: the last input, when it is a named file (stdin streams anyway) */
	ptrdiff_t follow_i = cfg->follow && cfg->n_inputs && strcmp(cfg->inputs[cfg->n_inputs - 1], "-")
				     ? (ptrdiff_t)cfg->n_inputs - 1
				     : -1;
	bool reopened = false; /* the followed file's name opened again: from its start */
	bool old_done = false; /* input i's rotated-away file (pl->resume_old) was read */
	/* Input -1 (with a resume): the log's own interactions, to rebuild the state. */
	for (ptrdiff_t i = pl->resume ? -1 : 0; i < (ptrdiff_t)cfg->n_inputs && !err && !should_stop(pl); i++) {
		char msg[512];
		scrm_source *src = NULL;
		scrm_chunker *ck = NULL;
		bool silent = i < 0;
		/* resumed after a rotation: the rest of the file the checkpoint counted first */
		const char *old = !silent && !old_done && pl->resume_old ? pl->resume_old[i] : NULL;
		uint64_t skip = old ? pl->resume_old_off[i] : silent || reopened ? 0 : pl->resume_in ? pl->resume_in[i] : 0;
		bool followed = !old && !silent && i == follow_i; /* (both -1: the log is never followed) */
		if (skip == UINT64_MAX)
			continue; /* consumed whole by an earlier run */
		int rc;
		if (silent) {
			static const scrm_stream_ops log_ops = {scrm_logstream_read, scrm_logstream_close};
			scrm_logstream *ls = NULL;
			rc = scrm_logstream_open(&ls, cfg->log_dir, pl->resume_seq, msg, sizeof msg);
			if (!rc && (rc = scrm_source_open_stream(&src, &log_ops, ls, "<interaction log>"))) {
				scrm_logstream_close(ls);
				snprintf(msg, sizeof msg, "%s: %s", cfg->log_dir, strerror(-rc));
			}
		} else {
			sopts.follow = followed;
			rc = scrm_source_open(&src, old ? old : cfg->inputs[i], &sopts, msg, sizeof msg);
		}
		if (rc == -ECANCELED)
			break; /* stopped while open() peeked at a pipe for the zstd magic */
		if (rc) {
			fprintf(stderr, "scrm: %s%s\n", silent ? "rebuilding state from the interaction log: " : "", msg);
			err = rc;
			break;
		}
		if (scrm_source_uses_uring(src))
			atomic_store(&pl->uring, true);
		if (!silent && pl->in_fid) { /* the file its chunks come from, for the checkpoint */
			struct stat sb;
			if (old) { /* as the checkpoint counted it */
				rs.fid = pl->resume_old_fid[i];
				rs.fhd = pl->resume_old_fhd[i];
				rs.need_head = false;
			} else if (!reopened) { /* as the checkpoint's setup saw it */
				rs.fid = pl->in_fid[i];
				rs.fhd = pl->in_head[i];
				rs.need_head = pl->in_regular[i] && !rs.fhd;
			} else {
				rs.fid = scrm_source_file_stat(src, &sb) == 0 ? file_id(&sb) : 0;
				rs.fhd = 0;
				rs.need_head = true;
			}
		}
		reopened = false;
		rc = scrm_chunker_create(&ck, src, silent ? rebuild_max_record(pl) : cfg->max_record);
		if (rc) {
			scrm_source_close(src);
			err = rc;
			break;
		}
		scrm_chunker_set_target(ck, cfg->chunk_size);
		struct stat fsb; /* a regular file, not followed: chunks filled to the target */
		scrm_chunker_set_fill(ck, !followed && scrm_source_file_stat(src, &fsb) == 0 && S_ISREG(fsb.st_mode));
		/* a CSV input: its first record is the header, read before any row */
		bool csv = !silent && in_csv(cfg, (size_t)i), need_header = csv;
		const scrm_csv_map *map = NULL;
		scrm_chunker_set_csv(ck, csv);
		for (;;) {
			if (should_stop(pl))
				break;
			chunk *c = reader_get_chunk(&rs);
			uint64_t t0 = now_ns(), w0 = scrm_source_waited_ns(src);
			ssize_t n = scrm_chunker_next(ck, c->data, c->cap, &c->info);
			/* waiting for a followed file to grow is not reading */
			atomic_fetch_add_explicit(&pl->rd_ns, now_ns() - t0 - (scrm_source_waited_ns(src) - w0),
						  memory_order_relaxed);
			if (n == -ECANCELED) {
				/* Stopped by a signal while waiting for input: the lines
				 * already delivered are drained; a partial line is not read
				 * (a --log run's checkpoint stops before it), and stderr says so. */
				rs.spare = c;
				unsigned long long poff, pline, pq;
				unsigned long long pn = scrm_chunker_pending(ck, &poff, &pline, &pq);
				if (pn && !silent) {
					char q[96] = "";
					if (pq)
						snprintf(q, sizeof q, ": a CSV quote opened there is still open %llu line%s later",
							 pq, pq > 1 ? "s" : "");
					fprintf(stderr, "scrm: %s: stopped while line %llu (%llu bytes so far at byte %llu) was "
							"unfinished%s: left unread%s\n",
						cfg->inputs[i], pline, pn, poff, q,
						cfg->log_dir ? " for the next run with this log, which reads it from there" : "");
				}
				break;
			}
			if (n < 0) {
				const char *why = scrm_source_error(src);
				if (why && *why)
					fprintf(stderr, "scrm: reading %s\n", why);
				else
					fprintf(stderr, "scrm: reading %s: %s\n", cfg->inputs[i], strerror((int)-n));
				rs.spare = c;
				err = (int)n;
				break;
			}
			if (n == 0 && c->info.n_oversize == 0 && c->info.oversize_dropped == 0) {
				rs.spare = c;
				if (scrm_chunker_eof(ck))
					break;
				continue;
			}
			c->len = (size_t)n;
			c->in_index = silent ? 0 : (uint32_t)i;
			c->silent = silent;
			if (need_header) {
				need_header = false;
				size_t had = c->len;
				if ((rc = csv_header(pl, c, old ? old : cfg->inputs[i], &map))) {
					rs.spare = c;
					err = rc;
					break;
				}
				/* the header was read too (bytes_in counts it) */
				atomic_fetch_add_explicit(&pl->in_bytes, (uint64_t)(had - c->len), memory_order_relaxed);
				n = (ssize_t)c->len;
			}
			c->csv = map;
			/* the end of a file rotated away or truncated (hold_tail) */
			c->last_of_file = scrm_chunker_eof(ck) && (old || (followed && scrm_source_follow_end(src)));
			if (skip && (c->info.base_offset < skip || (c->info.n_oversize && c->info.oversize[0].offset < skip))) {
				/* resumed: drop what an earlier run consumed (whole lines). skip is
				 * a stream offset; the chunk's bytes lack the oversize lines the
				 * chunker cut out of it, so those before skip shrink the cut. An
				 * oversize line reported with a chunk that starts at or after skip
				 * (it ended the read before) was reported by the earlier run too. */
				bool before = c->info.base_offset < skip;
				uint64_t cut = before ? skip - c->info.base_offset : 0, gap_l = 0;
				unsigned keep = 0;
				for (unsigned k = 0; k < c->info.n_oversize; k++) {
					const scrm_oversize *ov = &c->info.oversize[k];
					if (ov->offset >= skip) {
						c->info.oversize[keep++] = *ov;
					} else if (ov->offset >= c->info.base_offset) {
						uint64_t rm = ov->length + 1 < skip - ov->offset ? ov->length + 1
												  : skip - ov->offset;
						cut -= rm < cut ? rm : cut;
						gap_l++;
					}
				}
				c->info.n_oversize = keep;
				if (!before) {
					/* the chunk's own bytes are all new */
				} else if (cut >= c->len) {
					pl->skipped_bytes += c->len;
					c->info.base_offset = skip;
					c->len = 0;
				} else {
					unsigned long long lines = 0;
					for (const char *q = c->data; (q = memchr(q, '\n', (size_t)(c->data + cut - q))); q++)
						lines++;
					memmove(c->data, c->data + cut, c->len - cut);
					c->len -= cut;
					c->info.n_lines = 0; /* the worker finds them */
					c->info.base_offset = skip;
					c->info.base_line += lines + gap_l;
					pl->skipped_bytes += cut;
				}
				n = (ssize_t)c->len;
			}
			if (!c->len && !c->info.n_oversize) { /* all of it was a header, or consumed before */
				rs.spare = c;
				if (scrm_chunker_eof(ck))
					break;
				continue;
			}
			if (!silent && pl->in_fid) {
				if (rs.need_head) { /* the file has bytes now: its first ones */
					rs.fhd = file_head(cfg->inputs[i]);
					rs.need_head = !rs.fhd;
				}
				c->fid = rs.fid;
				c->fhd = rs.fhd;
			}
			if (cfg->speed > 0 && n > 0 && !silent)
				reader_send_paced(&rs, c);
			else
				reader_send_bounded(&rs, c);
			if (scrm_chunker_eof(ck))
				break;
		}

		if (!silent)
			atomic_fetch_add_explicit(&pl->rd_raw, scrm_source_raw_bytes(src), memory_order_relaxed);
		/* a followed file that was truncated or renamed away: its name again */
		const char *why = followed ? scrm_source_follow_end(src) : NULL;
		scrm_chunker_free(ck);
		scrm_source_close(src);
		if (why && !err && !should_stop(pl)) {
			fprintf(stderr, "scrm: %s: %s; reading it from its start\n", cfg->inputs[i], why);
			reopened = true;
			i--;
		} else if (old && !err) { /* now the file under the name, from its start */
			old_done = true;
			i--;
		} else {
			old_done = false;
		}
	}
	if (err)
		set_fatal(pl, err);
	/* End markers: the next N chunk numbers, one per worker. */
	for (int i = 0; i < pl->nw; i++) {
		chunk *e = &pl->ends[i];
		e->end = true;
		e->seq = rs.next_seq + (uint64_t)i;
		scrm_ring_push(&pl->workers[e->seq % (uint64_t)pl->nw].in, e);
	}
	scrm_normalizer_free(rs.pace_norm);
	scrm_normalizer_free(rs.pace_norm_csv);
	scrm_recvec_free(&rs.pace_recs);
	scrm_buf_free(&rs.pace_arena);
	scrm_buf_free(&rs.pace_json);
	return err;
}

/* ------------------------------------------------------------------ setup */

static void chunk_free(chunk *c)
{
	free(c->data);
	free(c->lbs);
	scrm_recvec_free(&c->recs);
	scrm_buf_free(&c->arena);
	free(c->pidx);
	free(c->didx);
	free(c->midx);
	for (int r = 0; r < SCRM_MAX_ROUTES; r++)
		scrm_buf_free(&c->out[r]);
	scrm_buf_free(&c->rej);
	scrm_buf_free(&c->logblk);
	scrm_buf_free(&c->logcust);
}

/* One empty zstd frame: a valid stream with no events. Says so on stderr if it fails. */
static int write_empty_frame(scrm_sink *sk)
{
	char frame[64];
	size_t z = ZSTD_compress(frame, sizeof frame, "", 0, 1);
	int rc = ZSTD_isError(z) ? -EIO : scrm_sink_write(sk, frame, z);
	if (rc)
		fprintf(stderr, "scrm: writing %s: %s\n", scrm_sink_name(sk), strerror(-rc));
	return rc;
}

/*
 * The files this run writes, against its inputs and one another, before any is opened:
 * an output opened for writing empties the file (an input would be read empty: `-o out
 * out/rejects.ndjson` lost the quarantined lines), and two outputs on one file interleave
 * (--rejects onto a route's zstd file). -EINVAL with the reason on stderr.
 */
static int check_outputs(pipeline *pl)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	enum { MAXO = SCRM_MAX_ROUTES + 1 }; /* (--stats-json: main.c checks it) */
	char *outs[MAXO];
	const char *what[MAXO];
	size_t no = 0;
	int rc = 0;
	for (size_t r = 0; cfg->out_dir && r < pl->n_routes && r < SCRM_MAX_ROUTES; r++) {
		if (asprintf(&outs[no], "%s/%s.ndjson.zst", cfg->out_dir, pl->route_names[r]) < 0)
			goto oom;
		what[no++] = "a route output";
	}
	if (cfg->rejects_path || cfg->out_dir) {
		if (cfg->rejects_path ? !(outs[no] = strdup(cfg->rejects_path))
				      : asprintf(&outs[no], "%s/rejects.ndjson", cfg->out_dir) < 0)
			goto oom;
		what[no++] = "the rejects file";
	}
	for (size_t o = 0; o < no && !rc; o++) {
		/* standard output, where the events go, whatever it is (| jq, a terminal: the
		 * lines were mixed into the events, found by review) */
		if (!cfg->out_dir && scrm_names_fd(outs[o], STDOUT_FILENO)) {
			fprintf(stderr, "scrm: %s %s is standard output, where the events go: name another file\n",
				what[o], outs[o]);
			rc = SCRM_PIPELINE_CLASH;
			break;
		}
		struct stat st;
		if (stat(outs[o], &st) == 0 && !S_ISREG(st.st_mode))
			continue; /* /dev/stderr, a pipe: written as they are, nothing emptied */
		for (size_t i = 0; i < cfg->n_inputs && !rc; i++)
			if (scrm_output_is_input(outs[o], cfg->inputs[i])) {
				if (strcmp(cfg->inputs[i], "-"))
					fprintf(stderr, "scrm: %s is also an input (%s %s): writing it would empty it; name "
							"another output\n", cfg->inputs[i], what[o], outs[o]);
				else
					fprintf(stderr, "scrm: %s %s is the file standard input comes from: writing it would "
							"empty it; name another output\n", what[o], outs[o]);
				rc = SCRM_PIPELINE_CLASH;
			}
		for (size_t k = 0; k < cfg->n_read_files && !rc; k++)
			if (scrm_same_file(outs[o], cfg->read_files[k])) {
				fprintf(stderr, "scrm: %s is the %s this run reads (%s %s): writing it would empty it; "
						"name another output\n", cfg->read_files[k], cfg->read_what[k], what[o],
					outs[o]);
				rc = SCRM_PIPELINE_CLASH;
			}
		for (size_t k = o + 1; k < no && !rc; k++)
			if (scrm_same_file(outs[o], outs[k])) {
				fprintf(stderr, "scrm: %s and %s are one file (%s): name another\n", what[o], what[k],
					outs[k]);
				rc = SCRM_PIPELINE_CLASH;
			}
	}
	for (size_t o = 0; o < no; o++)
		free(outs[o]);
	return rc;
oom:
	for (size_t o = 0; o < no; o++)
		free(outs[o]);
	return -ENOMEM;
}

/* An output's open() cut short by SIGINT/SIGTERM (a FIFO waiting for its reader): a stop,
 * not an error to report (-EINTR goes back; the caller exits as for the signal). */
static bool stopped_open(const scrm_pipeline_cfg *cfg, int rc) { return rc == -EINTR && cfg->stop && *cfg->stop; }

static int open_outputs(pipeline *pl)
{
	const scrm_pipeline_cfg *cfg = pl->cfg;
	char path[4096], err[512];
	int rc = check_outputs(pl);
	if (rc)
		return rc;
	if (cfg->out_dir) {
		if (mkdir(cfg->out_dir, 0755) != 0 && errno != EEXIST) {
			rc = -errno;
			fprintf(stderr, "scrm: cannot create output directory %s: %s\n", cfg->out_dir, strerror(errno));
			return rc;
		}
		for (size_t r = 0; r < pl->n_routes; r++) {
			snprintf(path, sizeof path, "%s/%s.ndjson.zst", cfg->out_dir, pl->route_names[r]);
			/* a resumed run goes on where the checkpoint left each file */
			rc = pl->resume && pl->resume_out[r] != UINT64_MAX
				     ? scrm_sink_open_file_at(&pl->route_sink[r], path, pl->resume_out[r], err, sizeof err)
				     : scrm_sink_open_file(&pl->route_sink[r], path, err, sizeof err);
			if (rc) {
				if (!stopped_open(cfg, rc))
					fprintf(stderr, "scrm: %s%s\n", err,
						rc == -ESTALE ? " (cannot resume; move the log away)" : "");
				return rc;
			}
			/* A new file starts as a valid (empty) zstd stream: a route that never
			 * gets an event, or a disk that fills before its first batch, still
			 * leaves a file that decompresses (frames concatenate). */
			if (pl->compress && scrm_sink_bytes(pl->route_sink[r]) == 0 &&
			    (rc = write_empty_frame(pl->route_sink[r]))) {
				unlink(path); /* a file cut short there (0 bytes) does not decompress */
				return rc;
			}
		}
	} else {
		rc = scrm_sink_open_fd(&pl->route_sink[0], STDOUT_FILENO, "<stdout>");
		if (rc)
			return rc;
	}
	struct stat rst;
	if (cfg->rejects_path) {
		/* resumed: on where the checkpoint left it, as DIR/rejects.ndjson (not a FIFO or
		 * a device such as /dev/stderr: those are opened as they are) */
		uint64_t at = pl->resume_out[SCRM_MAX_ROUTES];
		bool special = stat(cfg->rejects_path, &rst) == 0 && !S_ISREG(rst.st_mode);
		rc = pl->resume && at != UINT64_MAX && !special
			     ? scrm_sink_open_file_at(&pl->rej_sink, cfg->rejects_path, at, err, sizeof err)
			     : scrm_sink_open_file(&pl->rej_sink, cfg->rejects_path, err, sizeof err);
	} else if (cfg->out_dir) {
		snprintf(path, sizeof path, "%s/rejects.ndjson", cfg->out_dir);
		uint64_t at = pl->resume_out[SCRM_MAX_ROUTES];
		rc = pl->resume && at != UINT64_MAX ? scrm_sink_open_file_at(&pl->rej_sink, path, at, err, sizeof err)
						    : scrm_sink_open_file(&pl->rej_sink, path, err, sizeof err);
	} else {
		rc = scrm_sink_open_fd(&pl->rej_sink, STDERR_FILENO, "<stderr>");
		pl->rej_tty = cfg->progress;
		snprintf(err, sizeof err, "cannot use stderr");
	}
	if (rc) {
		if (!stopped_open(cfg, rc))
			fprintf(stderr, "scrm: %s\n", err);
		return rc;
	}
	return 0;
}

static int close_outputs(pipeline *pl)
{
	int first = 0;
	for (size_t r = 0; r < SCRM_MAX_ROUTES; r++) {
		if (!pl->route_sink[r])
			continue;
		int rc = scrm_sink_close(pl->route_sink[r]); /* it began with an empty frame */
		if (rc && !first) {
			fprintf(stderr, "scrm: closing %s output: %s\n", pl->route_names[r], strerror(-rc));
			first = rc;
		}
		pl->route_sink[r] = NULL;
	}
	int rc = scrm_sink_close(pl->rej_sink);
	pl->rej_sink = NULL;
	return first ? first : rc;
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + tv.tv_usec / 1e6; }

static void collect_stats(pipeline *pl, scrm_run_stats *st, uint64_t t_start)
{
	memset(st, 0, sizeof *st);
	st->workers = pl->nw;
	st->relate_threads = pl->np;
	st->n_routes = pl->n_routes;
	for (size_t r = 0; r < pl->n_routes; r++) {
		st->route_names[r] = pl->route_names[r];
		st->route_events[r] = pl->route_events[r];
		st->events_out += pl->route_events[r];
	}
	st->alert_copies = pl->alert_copies;
	st->log_records = pl->log_records;
	st->log_truncated = pl->log_truncated;
	st->log_rebuilt = pl->rebuilt;
	st->resume_seq = pl->resume_seq;
	st->skipped_bytes = pl->skipped_bytes;
	st->lines = pl->lines;
	st->rejected = pl->rejected;
	st->repaired = pl->repaired;
	st->repaired_numbers = pl->repaired_num;
	for (int p = 0; p < SCRM_PARTITIONS; p++)
		if (pl->custs[p]) {
			st->customers_forgotten += pl->custs[p]->forgotten;
			st->customers_forgotten_recent += pl->custs[p]->forgotten_recent;
			st->customers_kept += pl->custs[p]->used;
		}
	st->held_lines = pl->held;
	st->topic_hits_dropped = pl->hits_dropped;
	st->sent_other_lang = pl->other_lang;
	st->sent_other_lang_none = pl->other_lang_none;
	st->model_gated = pl->model_gated;
	st->filtered = pl->filtered;
	memcpy(st->rejects, pl->rejects, sizeof st->rejects);
	memcpy(st->skipped, pl->skipped, sizeof st->skipped);
	st->bytes_in = atomic_load(&pl->in_bytes);
	st->raw_bytes_in = atomic_load(&pl->rd_raw);
	st->chunks = atomic_load(&pl->rd_chunks);
	st->bytes_out = atomic_load(&pl->wr_bytes);
	st->uring = atomic_load(&pl->uring);
	st->read = (scrm_stage_stats){st->lines, st->bytes_in, atomic_load(&pl->rd_ns), 1};
	st->write = (scrm_stage_stats){st->events_out, st->bytes_out, atomic_load(&pl->wr_ns), 1};
	for (int w = 0; w < pl->nw; w++) {
		worker *wk = &pl->workers[w];
		st->analyze.records += atomic_load(&wk->records);
		st->analyze.bytes += atomic_load(&wk->bytes);
		st->analyze.busy_ns += atomic_load(&wk->ns_analyze);
		st->emit.records += atomic_load(&wk->records);
		st->emit.bytes += atomic_load(&wk->event_bytes);
		st->emit.busy_ns += atomic_load(&wk->ns_emit);
		st->stalls_in += atomic_load(&wk->in.full_stalls);
		st->stalls_write += atomic_load(&wk->to_writer.empty_stalls);
		st->sleeps += atomic_load(&wk->wait.sleeps);
		uint64_t hits, misses; /* the workers have stopped */
		scrm_encoder_cache_counts(wk->enc_recent, &hits, &misses);
		st->encoder_cached += hits;
		st->encoder_texts += misses;
	}
	/* the records of the batches written (after an error, the clean prefix the outputs
	 * hold); the records streamed back from the log were analyzed again, not emitted */
	st->records_in = pl->records_in;
	st->emit.records -= pl->rebuilt < st->emit.records ? pl->rebuilt : st->emit.records;
	st->analyze.threads = st->emit.threads = (uint64_t)pl->nw;
	for (int t = 0; t < pl->np; t++) {
		relate *rt = &pl->relates[t];
		st->relate.records += atomic_load(&rt->records);
		st->relate.busy_ns += atomic_load(&rt->ns);
		for (int w = 0; w < pl->nw; w++)
			st->stalls_relate += atomic_load(&pl->workers[w].to_relate[t].empty_stalls);
		st->sleeps += atomic_load(&rt->wait.sleeps);
	}
	st->relate.bytes = st->analyze.bytes;
	st->relate.threads = (uint64_t)pl->np;
	st->stalls_pool = atomic_load(&pl->free_ring.empty_stalls);
	st->sleeps += atomic_load(&pl->reader_wait.sleeps) + atomic_load(&pl->writer_wait.sleeps);
	st->wall_s = (double)(now_ns() - t_start) / 1e9;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		/* over the same time as wall_s; what came before is setup */
		st->cpu_user_s = tv_s(ru.ru_utime) - pl->cpu0_user;
		st->cpu_sys_s = tv_s(ru.ru_stime) - pl->cpu0_sys;
		st->setup_cpu_s = pl->cpu0_user + pl->cpu0_sys;
		st->peak_rss_kb = ru.ru_maxrss;
	}
}

/* The progress line (stderr on a terminal): rewritten in place, cleared to its end. */
static void print_progress(pipeline *pl, uint64_t t_start, bool final)
{
	double s = (double)(now_ns() - t_start) / 1e9;
	uint64_t b = atomic_load_explicit(&pl->in_bytes, memory_order_relaxed);
	uint64_t ev = atomic_load_explicit(&pl->wr_events, memory_order_relaxed);
	pthread_mutex_lock(&pl->term_mu);
	fprintf(stderr, "\rscrm: %.1f s  %" PRIu64 " events  %.1f MB read  %.1f MB/s  %.0f events/s\033[K%s",
		s, ev, b / 1e6, s > 0 ? b / 1e6 / s : 0.0, s > 0 ? ev / s : 0.0, final ? "\n" : "");
	pthread_mutex_unlock(&pl->term_mu);
}

/* A --stats line: counts since the start, rates averaged since then and over the last
 * interval (a followed input that went quiet shows 0 there). Over the progress line,
 * when there is one. */
static void print_interval(pipeline *pl, uint64_t t_start, uint64_t *last_ns, uint64_t *last_b, uint64_t *last_ev)
{
	uint64_t now = now_ns();
	double s = (double)(now - t_start) / 1e9, dt = (double)(now - *last_ns) / 1e9;
	uint64_t b = atomic_load_explicit(&pl->in_bytes, memory_order_relaxed);
	uint64_t ev = atomic_load_explicit(&pl->wr_events, memory_order_relaxed);
	uint64_t ob = atomic_load_explicit(&pl->wr_bytes, memory_order_relaxed);
	pthread_mutex_lock(&pl->term_mu);
	fprintf(stderr,
		"%sscrm: stats t=%.1fs read=%.1fMB events=%" PRIu64 " written=%.1fMB %.1fMB/s %.0f events/s"
		" (last %.1fs: %.1fMB/s %.0f events/s)\n",
		pl->cfg->progress ? "\r\033[K" : "", s, b / 1e6, ev, ob / 1e6, s > 0 ? b / 1e6 / s : 0.0,
		s > 0 ? ev / s : 0.0, dt, dt > 0 ? (b - *last_b) / 1e6 / dt : 0.0, dt > 0 ? (ev - *last_ev) / dt : 0.0);
	pthread_mutex_unlock(&pl->term_mu);
	*last_ns = now;
	*last_b = b;
	*last_ev = ev;
}

static void *reader_thread(void *arg)
{
	if (gate_pass(arg))
		reader_run(arg);
	return NULL;
}

static int pipeline_run(const scrm_pipeline_cfg *cfg, scrm_run_stats *st, scrm_customers **first)
{
	uint64_t t_start = now_ns();
	pipeline *pl = calloc(1, sizeof *pl);
	if (!pl)
		return -ENOMEM;
	int rc = 0;
	pl->cfg = cfg;
	pl->first = first;
	pl->reload_sent = UINT64_MAX;
	pl->log_lockfd = -1;
	struct rusage ru0;
	if (getrusage(RUSAGE_SELF, &ru0) == 0) {
		pl->cpu0_user = tv_s(ru0.ru_utime);
		pl->cpu0_sys = tv_s(ru0.ru_stime);
	}
	pthread_mutex_init(&pl->gate_mu, NULL);
	pthread_mutex_init(&pl->term_mu, NULL);
	pthread_cond_init(&pl->gate_cv, NULL);
	pl->nw = cfg->workers < 1 ? 1 : cfg->workers > SCRM_MAX_WORKERS ? SCRM_MAX_WORKERS : cfg->workers;
	pl->np = cfg->relate_threads < 1 ? 1 : cfg->relate_threads > SCRM_MAX_RELATE ? SCRM_MAX_RELATE : cfg->relate_threads;
	pl->compress = cfg->out_dir != NULL;
	pl->sent_max = cfg->sentiment_max_text ? cfg->sentiment_max_text : (size_t)256 << 10;
	if (cfg->sentiment_langs)
		pl->sent_langs = *cfg->sentiment_langs;
	else
		scrm_sent_langs_default(&pl->sent_langs);
	pl->sent_modes = cfg->sentiment_modes ? cfg->sentiment_modes & 3u : 1u << SCRM_SENT_SCRM;
	pl->sent_primary = pl->sent_modes & (1u << SCRM_SENT_SCRM) ? SCRM_SENT_SCRM : SCRM_SENT_VADER;
	for (uint32_t id = 0; cfg->topics && id < scrm_topics_count(cfg->topics); id++) {
		if (scrm_topics_is_cue(cfg->topics, (uint16_t)id) &&
		    !strncmp(scrm_topics_name(cfg->topics, (uint16_t)id), "spam.", 5)) {
			pl->spam_cue_bits[id >> 5] |= 1u << (id & 31);
			pl->have_spam_cues = true;
		}
	}
	pl->n_routes = 1;
	pl->route_names[0] = "inbox";
	atomic_init(&pl->customers, cfg->customers);
	if (cfg->routes) {
		uint32_t nt = scrm_route_team_count(cfg->routes);
		if (nt > SCRM_MAX_ROUTES) {
			fprintf(stderr, "scrm: the routing rules name %u teams; at most %d\n", nt, SCRM_MAX_ROUTES);
			free(pl);
			return -E2BIG;
		}
		pl->n_routes = nt;
		for (uint32_t t = 0; t < nt; t++)
			pl->route_names[t] = scrm_route_team_name(cfg->routes, (uint16_t)t);
		pl->hit_words = scrm_route_hit_words(cfg->routes);
		if (pl->hit_words > ROUTE_HIT_WORDS_MAX)
			pl->hit_words = ROUTE_HIT_WORDS_MAX; /* every uint16_t topic/cue id */
	}
	if (scrm_event_names_init(&pl->names, pl->route_names, pl->n_routes, cfg->inputs, cfg->n_inputs,
				  cfg->topics)) {
		free(pl);
		return -ENOMEM;
	}
	if (cfg->routes) {
		uint32_t nr = scrm_route_rule_count(cfg->routes);
		const char **whys = malloc((nr ? nr : 1) * sizeof *whys);
		int src = whys ? 0 : -ENOMEM;
		for (uint32_t i = 0; whys && i < nr; i++)
			whys[i] = scrm_route_rule_why(cfg->routes, (int32_t)i);
		if (!src)
			src = scrm_event_names_set_rules(&pl->names, whys, nr, scrm_route_rule_why(cfg->routes, -1));
		free(whys);
		if (src) {
			scrm_event_names_free(&pl->names);
			free(pl);
			return -ENOMEM;
		}
	}
	pl->model_bits = cfg->model_topics;
	pl->n_direct = cfg->n_direct_channels < SCRM_MAX_DIRECT ? cfg->n_direct_channels : SCRM_MAX_DIRECT;
	for (size_t i = 0; i < pl->n_direct; i++)
		pl->direct_len[i] = strlen(cfg->direct_channels[i]);
	for (int k = 0; k < 2; k++) {
		if (!cfg->clf[k])
			continue;
		pl->names.clf_name[k] = cfg->clf[k]->name;
		pl->names.clf_gated_name[k] = cfg->clf[k]->name;
		if (pl->model_bits && (cfg->clf[k]->flags & SCRM_CLF_NEEDS_MODEL)) {
			pl->model_gate[k] = true;
			pl->names.clf_gated_name[k] = k == 0 ? scrm_clf_intent_cues.name : scrm_clf_action_cues.name;
		}
		pl->names.clf_labels[k] = scrm_task_labels(cfg->clf[k]->task, &pl->names.clf_nlabels[k]);
	}
	scrm_waiter_init(&pl->reader_wait);
	scrm_waiter_init(&pl->writer_wait);
	pl->workers = calloc((size_t)pl->nw, sizeof *pl->workers);
	pl->relates = calloc((size_t)pl->np, sizeof *pl->relates);
	pl->ends = calloc((size_t)pl->nw, sizeof *pl->ends);
	pl->pool_n = (size_t)pl->nw * (IN_CAP + PENDING) + 4;
	pl->pool = calloc(pl->pool_n, sizeof *pl->pool);
	if (!pl->workers || !pl->relates || !pl->ends || !pl->pool) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (cfg->log_dir && (rc = resume_setup(pl)))
		goto out_free;
	/* Buffers have room for a max-size line; fills aim at chunk_size. */
	size_t cap = cfg->chunk_size > cfg->max_record ? cfg->chunk_size : cfg->max_record + 1;
	/* A resumed run reads the log's events back, and an event is longer than the line it
	 * came from (escapes, why, topics): its chunks must hold rebuild_max_record(). The
	 * buffers are reserved, not touched, beyond what a fill uses. */
	if (cfg->log_dir && cap <= rebuild_max_record(pl))
		cap = rebuild_max_record(pl) + 1;
	if ((rc = scrm_ring_init(&pl->free_ring, pl->pool_n, &pl->writer_wait, &pl->reader_wait)))
		goto out_free;
	for (size_t i = 0; i < pl->pool_n; i++) {
		chunk *c = &pl->pool[i];
		c->cap = cap;
		c->data = malloc(cap + SCRM_PADDING);
		if (!c->data) {
			fprintf(stderr, "scrm: cannot reserve %zu batch buffers of %zu bytes (%s): %s\n", pl->pool_n,
				cap + SCRM_PADDING,
				cfg->log_dir ? "with --log each holds 8 x the largest --max-record of the runs on the "
					       "log + 64 KiB, for the events read back"
					     : "--chunk-size or --max-record",
				strerror(ENOMEM));
			rc = -ENOMEM;
			goto out_free;
		}
		memset(c->data + cap, 0, SCRM_PADDING);
		scrm_ring_try_push(&pl->free_ring, c);
	}
	for (size_t i = 0; i < cfg->n_inputs; i++)
		pl->any_csv |= in_csv(cfg, i);
	for (int w = 0; w < pl->nw; w++) {
		worker *wk = &pl->workers[w];
		wk->pl = pl;
		wk->id = w;
		scrm_waiter_init(&wk->wait);
		wk->norm = scrm_normalizer_create(cfg->format);
		if (pl->resume && cfg->format != SCRM_FORMAT_AUTO && !(wk->norm_auto = scrm_normalizer_create(SCRM_FORMAT_AUTO)))
			wk->norm = NULL; /* reported as out of memory below */
		if (pl->any_csv && !(wk->norm_csv = scrm_normalizer_create(SCRM_FORMAT_SCRM)))
			wk->norm = NULL;
		wk->cctx = ZSTD_createCCtx();
		wk->sent = cfg->lexicon ? scrm_sent_create(cfg->lexicon) : NULL;
		wk->symbols = cfg->lexicon && !pl->sent_langs.all ? malloc(pl->sent_max) : NULL;
		if (cfg->topics && scrm_topics_scratch_create(&wk->topics, cfg->topics))
			wk->topics = NULL;
		if (wk->topics && scrm_topics_has_guest(cfg->topics)) {
			char err[256];
			if ((rc = scrm_cues_create(&wk->cues, err, sizeof err))) {
				fprintf(stderr, "scrm: %s\n", err);
				goto out_free;
			}
			scrm_topics_scratch_guest(wk->topics, scrm_cues_feed, wk->cues);
		}
		if (cfg->encoder && !(wk->enc_recent = scrm_encoder_cache_create_recent(SCRM_ENCODER_RECENT_DEFAULT))) {
			rc = -ENOMEM;
			goto out_free;
		}
		if (cfg->sentiment_model) {
			char err[512];
			scrm_clf_config cc = {.lexicon = cfg->lexicon,
					      .topics = cfg->topics,
					      .model_path = cfg->sentiment_model,
					      .encoder = cfg->encoder,
					      .encoder_cache = wk->enc_recent};
			if ((rc = scrm_classifier_create(&wk->sent_learned, &scrm_clf_sentiment_learned, &cc, err,
							 sizeof err))) {
				fprintf(stderr, "scrm: --sentiment-model: %s\n", err);
				goto out_free;
			}
		}
		for (int k = 0; k < 2; k++) {
			if (!cfg->clf[k])
				continue;
			char err[256];
			scrm_clf_config cc = {.lexicon = cfg->lexicon,
					      .topics = cfg->topics,
					      .model_path = cfg->clf_model[k],
					      .encoder = cfg->encoder,
					      .encoder_cache = wk->enc_recent};
			if ((rc = scrm_classifier_create(&wk->clf[k], cfg->clf[k], &cc, err, sizeof err))) {
				fprintf(stderr, "scrm: %s\n", err);
				goto out_free;
			}
			if (pl->model_gate[k]) {
				scrm_clf_config gc = {.lexicon = cfg->lexicon, .topics = cfg->topics};
				if ((rc = scrm_classifier_create(&wk->clf_gated[k],
								 k == 0 ? &scrm_clf_intent_cues : &scrm_clf_action_cues, &gc,
								 err, sizeof err))) {
					fprintf(stderr, "scrm: %s\n", err);
					goto out_free;
				}
			}
		}
		if (!wk->norm || !wk->cctx || (cfg->lexicon && (!wk->sent || (!pl->sent_langs.all && !wk->symbols))) ||
		    (cfg->topics && !wk->topics)) {
			rc = -ENOMEM;
			goto out_free;
		}
		ZSTD_CCtx_setParameter(wk->cctx, ZSTD_c_compressionLevel, cfg->zstd_level);
		ZSTD_CCtx_setParameter(wk->cctx, ZSTD_c_checksumFlag, 1);
		if ((rc = scrm_ring_init(&wk->in, IN_CAP, &pl->reader_wait, &wk->wait)) ||
		    (rc = scrm_ring_init(&wk->to_writer, OUT_CAP, &wk->wait, &pl->writer_wait)))
			goto out_free;
	}
	for (int p = 0; cfg->dup_window_ms > 0 && p < SCRM_PARTITIONS; p++) {
		if (!(pl->dupwin[p] = scrm_dupwin_create(SCRM_DUP_SLOTS))) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	for (int p = 0; p < SCRM_PARTITIONS; p++) {
		if (!(pl->net[p] = scrm_nettab_create(SCRM_NET_SLOTS))) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	/* each logical partition keeps its share of the customers, the shares adding up to
	 * the limit (the first max % 64 partitions one more), at least one each */
	size_t per_part = cfg->max_customers / SCRM_PARTITIONS, extra = cfg->max_customers % SCRM_PARTITIONS;
	for (int p = 0; p < SCRM_PARTITIONS; p++) {
		size_t share = per_part + ((size_t)p < extra);
		if (!(pl->custs[p] = calloc(1, sizeof *pl->custs[p])) ||
		    scrm_custtab_init(pl->custs[p], 64, cfg->max_customers ? (share ? share : 1) : 0)) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	for (int t = 0; t < pl->np; t++) {
		relate *rt = &pl->relates[t];
		rt->pl = pl;
		rt->id = t;
		scrm_waiter_init(&rt->wait);
		char err[256];
		scrm_clf_config ic = {.lexicon = cfg->lexicon, .topics = cfg->topics};
		if ((rc = scrm_classifier_create(&rt->infl, cfg->influence ? cfg->influence : &scrm_clf_influence_formula,
						 &ic, err, sizeof err))) {
			fprintf(stderr, "scrm: influence: %s\n", err);
			goto out_free;
		}
		for (int w = 0; w < pl->nw; w++) {
			if ((rc = scrm_ring_init(&pl->workers[w].to_relate[t], PENDING, &pl->workers[w].wait, &rt->wait)) ||
			    (rc = scrm_ring_init(&rt->ack[w], PENDING, &rt->wait, &pl->workers[w].wait)))
				goto out_free;
		}
	}
	if ((rc = open_outputs(pl)))
		goto out_close;
	if (cfg->log_dir) {
		scrm_ilog_opts lo;
		scrm_ilog_opts_default(&lo);
		lo.sync = (scrm_ilog_sync_policy)cfg->log_sync;
		lo.cut_seq = pl->resume_seq; /* what a crashed run wrote past its checkpoint */
		lo.no_uring = cfg->no_uring;
		if (cfg->log_interval_ms)
			lo.interval_ms = cfg->log_interval_ms;
		char err[1024];
		if ((rc = ckpt_setup(pl)))
			goto out_close;
		if (!(pl->done_at = calloc(cfg->n_inputs ? cfg->n_inputs : 1, sizeof *pl->done_at))) {
			rc = -ENOMEM;
			goto out_close;
		}
		for (uint32_t k = 0; pl->resume_in && k < cfg->n_inputs; k++)
			pl->done_at[k] = pl->resume_in[k];
		if ((rc = scrm_ilog_open(&pl->ilog, cfg->log_dir, SCRM_PARTITIONS, &lo, err, sizeof err))) {
			fprintf(stderr, "scrm: interaction log: %s\n", err);
			goto out_close;
		}
		uint32_t cuts = 0;
		pl->log_truncated = scrm_ilog_truncated(pl->ilog, &cuts);
		if (cuts)
			fprintf(stderr,
				"scrm: interaction log %s: recovery cut %" PRIu64 " bytes in %u partition%s (torn blocks, "
				"or interactions past the last checkpoint that this run writes again)\n",
				cfg->log_dir, pl->log_truncated, cuts, cuts == 1 ? "" : "s");
	}

	pthread_t rd, wr;
	bool rd_ok = false, wr_ok = false;
	int nw_started = 0, np_started = 0;
	for (; np_started < pl->np; np_started++)
		if (pthread_create(&pl->relates[np_started].th, NULL, relate_main, &pl->relates[np_started]))
			break;
	for (; np_started == pl->np && nw_started < pl->nw; nw_started++)
		if (pthread_create(&pl->workers[nw_started].th, NULL, worker_main, &pl->workers[nw_started]))
			break;
	wr_ok = nw_started == pl->nw && pthread_create(&wr, NULL, writer_main, pl) == 0;
	rd_ok = wr_ok && pthread_create(&rd, NULL, reader_thread, pl) == 0;
	gate_open(pl, rd_ok ? 1 : -1);
	if (!rd_ok) {
		/* Not every thread exists: the ones that do return at the gate. */
		fprintf(stderr, "scrm: cannot start the pipeline's threads: %s\n", strerror(EAGAIN));
		set_fatal(pl, -EAGAIN);
		if (wr_ok)
			pthread_join(wr, NULL);
		goto joined_main;
	}

	/* The calling thread reports progress while the pipeline runs; the timed join
	 * returns as soon as the writer (the last stage) is done. */
	/* --stats: a line every interval on the clock of the start (not the 100 ms tick's) */
	const uint64_t interval = cfg->stats_interval > 0 ? (uint64_t)(cfg->stats_interval * 1e9) : 0;
	uint64_t next_interval = t_start + interval, last_ns = t_start, last_b = 0, last_ev = 0;
	for (;;) {
		uint64_t now = now_ns(), wake = now + 100000000ull;
		if (interval && next_interval < wake)
			wake = next_interval;
		/* the join's deadline is on the realtime clock: now there plus what is left */
		uint64_t left = wake > now ? wake - now : 0;
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += (time_t)(left / 1000000000ull);
		dl.tv_nsec += (long)(left % 1000000000ull);
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(wr, NULL, &dl) == 0)
			break;
		/* A reload waits until a batch was read since the last one: while the stream
		 * stands (a stalled reader of the output), SIGHUPs come to one reload, not a
		 * table kept per signal (65 tables, 1.6 GB: found by review) */
		if (cfg->reload && *cfg->reload && cfg->customers_reload &&
		    (pl->reload_sent == UINT64_MAX ||
		     atomic_load_explicit(&pl->rd_chunks, memory_order_seq_cst) != pl->reload_sent)) {
			*cfg->reload = 0;
			reload_customers(pl);
		}
		reclaim_customers(pl, false);
		if (cfg->progress)
			print_progress(pl, t_start, false);
		if (interval && now_ns() >= next_interval) {
			print_interval(pl, t_start, &last_ns, &last_b, &last_ev);
			next_interval += interval;
			if (next_interval <= now_ns()) /* fell behind (a stopped process): from now */
				next_interval = now_ns() + interval;
		}
	}
	if (cfg->progress)
		print_progress(pl, t_start, true);
	pthread_join(rd, NULL);
joined_main:
	for (int w = 0; w < nw_started; w++)
		pthread_join(pl->workers[w].th, NULL);
	for (int t = 0; t < np_started; t++)
		pthread_join(pl->relates[t].th, NULL);
	rc = atomic_load(&pl->fatal);

out_close:;
	int crc = close_outputs(pl);
	if (!rc)
		rc = crc;
	if (pl->ilog) {
		int lrc = scrm_ilog_close(pl->ilog);
		pl->ilog = NULL;
		if (lrc)
			fprintf(stderr, "scrm: closing the interaction log: %s\n", strerror(-lrc));
		if (!rc)
			rc = lrc;
	}
out_free:
	reclaim_customers(pl, true);
	if (st) {
		collect_stats(pl, st, t_start);
		st->interrupted = cfg->stop && *cfg->stop;
	}
	for (int w = 0; pl->workers && w < pl->nw; w++) {
		worker *wk = &pl->workers[w];
		scrm_normalizer_free(wk->norm);
		scrm_normalizer_free(wk->norm_auto);
		scrm_normalizer_free(wk->norm_csv);
		scrm_buf_free(&wk->csv_json);
		scrm_sent_free(wk->sent);
		free(wk->symbols);
		scrm_classifier_free(wk->clf[0]);
		scrm_classifier_free(wk->clf[1]);
		scrm_classifier_free(wk->clf_gated[0]);
		scrm_classifier_free(wk->clf_gated[1]);
		scrm_encoder_cache_free(wk->enc_recent);
		scrm_classifier_free(wk->sent_learned);
		free(wk->items);
		free(wk->outs);
		free(wk->outs2);
		free(wk->sents);
		free(wk->hits);
		free(wk->memos);
		free(wk->cue_hits);
		free(wk->cue_kept);
		scrm_cues_free(wk->cues);
		scrm_topics_scratch_free(wk->topics);
		ZSTD_freeCCtx(wk->cctx);
		scrm_ilog_builder_free(wk->lbuild);
		free(wk->lorder);
		free(wk->logref);
		for (int r = 0; r < SCRM_MAX_ROUTES; r++)
			scrm_buf_free(&wk->scratch[r]);
		scrm_ring_destroy(&wk->in);
		scrm_ring_destroy(&wk->to_writer);
		for (int t = 0; t < pl->np; t++)
			scrm_ring_destroy(&wk->to_relate[t]);
	}
	for (int t = 0; pl->relates && t < pl->np; t++) {
		scrm_classifier_free(pl->relates[t].infl);
		for (int w = 0; w < pl->nw; w++)
			scrm_ring_destroy(&pl->relates[t].ack[w]);
	}
	for (int p = 0; p < SCRM_PARTITIONS; p++) {
		scrm_dupwin_free(pl->dupwin[p]);
		scrm_nettab_free(pl->net[p]);
		scrm_custtab_free(pl->custs[p]);
		free(pl->custs[p]);
	}
	for (size_t i = 0; pl->pool && i < pl->pool_n; i++)
		chunk_free(&pl->pool[i]);
	scrm_ring_destroy(&pl->free_ring);
	free(pl->pool);
	free(pl->ends);
	free(pl->workers);
	free(pl->relates);
	free(pl->resume_in);
	free(pl->done_at);
	free(pl->in_regular);
	for (size_t k = 0; k < pl->n_csv_maps; k++)
		scrm_csv_map_free(pl->csv_maps[k]);
	free(pl->csv_maps);
	free(pl->in_fid);
	free(pl->in_head);
	for (size_t k = 0; pl->resume_old && k < cfg->n_inputs; k++)
		free(pl->resume_old[k]);
	free(pl->resume_old);
	free(pl->resume_old_off);
	free(pl->ckpt_id_at);
	if (pl->log_lockfd >= 0)
		close(pl->log_lockfd);
	free(pl->ckpt);
	free(pl->ckpt_names);
	scrm_event_names_free(&pl->names);
	pthread_mutex_destroy(&pl->gate_mu);
	pthread_mutex_destroy(&pl->term_mu);
	pthread_cond_destroy(&pl->gate_cv);
	free(pl);
	return rc;
}

int scrm_pipeline_run(const scrm_pipeline_cfg *cfg, scrm_run_stats *st)
{
	/* the caller's table, when it gives it: the run retires it at the first reload (and
	 * frees it with the others), or it is freed here (found by review: a reloaded
	 * stream kept the first table for good, a third table's worth of memory) */
	scrm_customers *first = cfg->customers_owned ? (scrm_customers *)cfg->customers : NULL;
	int rc = pipeline_run(cfg, st, &first);
	scrm_customers_free(first);
	return rc;
}
