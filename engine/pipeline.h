/*
 * pipeline.h - the multi-core pipeline: listen -> analyze -> relate -> act -> emit.
 *
 * DESIGN. Threads and what they own:
 *   reader      opens the inputs (source.h), cuts them into chunks of whole lines (of
 *               whole records for a CSV input, whose header the reader reads into a
 *               column map the chunks point at: csv.h) and
 *               hands chunk k to analyze worker k mod N. Chunks come from a fixed pool:
 *               when every chunk is in flight the reader waits (backpressure), so
 *               memory is bounded by pool size x chunk size, whatever the input rate.
 *   worker w    (N of them, -j N) phase 1: parses and normalizes every line of its
 *               chunks (normalize.h; a CSV row as the canonical JSON line its map
 *               makes of it), quarantines bad lines, hashes the customer key,
 *               and gives every relate thread the chunk with the list of its records.
 *               Phase 2, once every relate thread has acknowledged the chunk:
 *               serializes the routed events and compresses one zstd frame per route.
 *   relate t    (P of them) owns the customers of the logical partitions p with
 *               p mod P = t (SCRM_PARTITIONS logical partitions, fixed, independent of
 *               -j). It consumes chunks strictly in chunk order, so each customer's
 *               interactions are processed in input order without locks; it assigns
 *               global sequence numbers, updates per-customer state, and acts (routes).
 *   writer      takes finished chunks in chunk order and appends each route's frame to
 *               its output, then returns the chunk to the pool.
 * Every arrow is a bounded SPSC ring (ring.h) carrying chunk pointers. Because every
 * consumer takes chunks in chunk order and the frames are cut per chunk, the output
 * bytes do not depend on N or P: the same input and config give identical outputs.
 *
 * Per record there is no malloc (buffers live in pooled chunks and grow to a high-water
 * mark), no lock, no syscall and no log line.
 */
#ifndef SCRM_PIPELINE_H
#define SCRM_PIPELINE_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lexicon.h"
#include "csv.h"
#include "normalize.h"
#include "topics.h"

#define SCRM_PARTITIONS 64  /* logical partitions of the customer space */
#define SCRM_DUP_SLOTS 4096 /* near-duplicate keys remembered per logical partition */
#define SCRM_NET_SLOTS 4096 /* handles with a network weight (influence.h) per partition */
#define SCRM_DEFAULT_DUP_WINDOW_MS (60 * 60 * 1000)
/* Customer states kept (6,144 per logical partition: each partition's table then stays
 * at 8,192 slots of 192 bytes, about 100 MB in all). */
#define SCRM_DEFAULT_MAX_CUSTOMERS (SCRM_PARTITIONS * 6144)
#define SCRM_MAX_WORKERS 256
#define SCRM_MAX_RELATE 64
#define SCRM_MAX_ROUTES 32
#define SCRM_MAX_RELOADS 64 /* replaced customer tables still in use by batches in flight */

#define SCRM_MAX_DIRECT 64 /* scrm_pipeline_cfg.direct_channels */
/* The longest record (--max-record) a run with an interaction log reads: its event, at
 * most 6x the record plus 64 KiB of analysis, fits one interaction (ilog.h
 * SCRM_ILOG_PAYLOAD_MAX, 16 MiB). */
#define SCRM_LOG_MAX_RECORD ((size_t)2 << 20)

/* What scrm_pipeline_run() returns when an output would replace an input, a file the run
 * reads, another output or standard output with the events: refused before anything is
 * written, a usage error (exit 2). */
#define SCRM_PIPELINE_CLASH (-ENOTUNIQ)

typedef struct scrm_pipeline_cfg {
	const char *const *inputs; /* paths; "-" is stdin */
	size_t n_inputs;
	/* Files the run reads besides its inputs (the rules file, the CRM export, lexicons,
	 * models, the encoder), and what each is: an output that names one is refused. */
	const char *const *read_files;
	const char *const *read_what;
	size_t n_read_files;
	const char *out_dir;       /* NULL: events as NDJSON on stdout */
	const char *rejects_path;  /* NULL: <out_dir>/rejects.ndjson, or stderr without out_dir */
	int workers;               /* analyze workers (>= 1) */
	int relate_threads;        /* relate/act threads (>= 1) */
	size_t chunk_size;         /* target bytes per chunk (a chunk grows past it only to
				      hold one line of up to max_record bytes) */
	size_t max_record;         /* longest accepted line */
	int zstd_level;            /* compression level of the route files */
	enum scrm_format format;   /* forced schema or SCRM_FORMAT_AUTO */
	bool csv;                  /* every input is CSV (csv.h; --format csv); else those
				      named *.csv[.zst|.gz|.bz2|.xz] */
	scrm_csv_opts csv_opts;    /* --csv-columns, --csv-channel (csv.h) */
	const scrm_lexicon *lexicon; /* NULL: no sentiment; else every record is scored in the
				        sentiment_modes (borrowed: must outlive the run) */
	size_t sentiment_max_text; /* score at most this many bytes of a text (0: 256 KiB) */
	unsigned sentiment_modes;  /* with a lexicon: bit 1 << scrm_sent_mode per mode scored
				      (0: the scrm mode only); the scrm mode is the primary one
				      (routing, `why`) when scored, else vader */
	int64_t dup_window_ms;     /* near-duplicate window (spam.h); 0: off */
	size_t max_customers;      /* customer states kept at most (relate.h scrm_custtab_get;
				      SCRM_DEFAULT_MAX_CUSTOMERS), spread over the logical
				      partitions; 0: no limit */
	/* The languages whose texts the lexicon scores by their words (sentiment.h,
	   scrm_sent_langs); a text tagged with another is scored on its emoji and emoticons
	   alone. NULL: all (every text by its words). Copied at scrm_pipeline_run(). */
	const struct scrm_sent_langs *sentiment_langs;
	/* Classifiers run on every record (classifier.h), NULL: none. [0] intent, [1] action
	   (action_needed); each worker creates its own instance with the model file given. */
	const struct scrm_classifier_desc *clf[2];
	const char *clf_model[2];
	/* The influence classifier (task influence), run in the relate stage, where the
	   network weights are; NULL: classifier.h's "formula". Each relate thread creates
	   its own instance (no model file: a trainable one is not offered yet). */
	const struct scrm_classifier_desc *influence;
	/* The sentence encoder (encoder.h), loaded, for linear models trained with it; NULL:
	   none (such a model is then refused). Borrowed: must outlive the run. */
	const struct scrm_encoder *encoder;
	/* A sentiment model (scrm train --task sentiment), NULL: none. With it the scrm mode's
	   compound is corrected by it (classifier.h's scrm-learned; the event's mode reads
	   "scrm-learned"), for routing and the customer windows too. Needs the scrm mode. */
	const char *sentiment_model;
	/* The topic and cue ids that gate the model classifiers (65,536 bits, as
	   scrm_topics_select() makes them from --model-topics), NULL: no gate. With it, an
	   intent or action classifier that needs a model (linear) classifies only the records
	   that matched at least one of these ids; every other record gets the task's cues
	   classifier, and its event names "cues". For models that cost milliseconds a record
	   (the sentence encoder): spend them on what is relevant. Borrowed. */
	const uint32_t *model_topics;
	const scrm_topics *topics; /* NULL: no listening topics; else every record is matched
				      (borrowed: must outlive the run) */
	/* Routing rules (route.h, compiled from the same rules file as topics, whose topic
	   and cue ids they use), NULL: every event goes to "inbox" with no priority or SLA.
	   With rules the route files are the teams (scrm_route_team_name), at most
	   SCRM_MAX_ROUTES. Borrowed: must outlive the run. */
	const struct scrm_routes *routes;
	/* The CRM export (customers.h), NULL: every author is a prospect. Borrowed, unless
	   customers_owned: then the run frees it (once a reload replaces it and no batch
	   uses it any more, or at its end), whatever scrm_pipeline_run() returns. */
	const struct scrm_customers *customers;
	bool customers_owned;
	/* The brand's own handles (no '@'; ASCII case-insensitive): their posts are outbound
	   (direction "out"), as are records marked so. An outbound reply that starts with
	   an @handle is filed under that customer and closes her open case. */
	const char *const *brands;
	size_t n_brands;
	/* Channels whose messages only the company receives (e-mail, chat, ...; ASCII
	   case-insensitive): the classifiers take a message there as addressed to it
	   (scrm_clf_item.direct). Borrowed. */
	const char *const *direct_channels;
	size_t n_direct_channels; /* at most SCRM_MAX_DIRECT */
	/* Reload (SIGHUP): when *reload is set, the calling thread clears it and calls
	   customers_reload(reload_ctx) for a new table (NULL: keep the old one; the callback
	   reports why), which then applies from the next batch a worker starts. The pipeline
	   owns the tables it gets and frees each once no batch in flight uses it. */
	volatile sig_atomic_t *reload;
	struct scrm_customers *(*customers_reload)(void *ctx);
	void *reload_ctx;
	/* The interaction log (ilog.h), NULL: none. Every routed event is appended, as its
	   customer's interaction, to the log partition of its customer (SCRM_PARTITIONS
	   partitions, so the log is the same for any -j/-p), one block per partition per
	   batch (more past 64 MiB), before the batch reaches the route outputs; then a
	   checkpoint of how far
	   each input was consumed. log_sync is a scrm_ilog_sync_policy. */
	const char *log_dir;
	int log_sync;
	uint32_t log_interval_ms;
	/* With a log that holds a checkpoint, a run resumes: it first streams the log's
	   interactions back through analyze and relate (state only, nothing emitted), so its
	   state is what the earlier runs left; numbers records on from theirs; appends to
	   the outputs from where the checkpoint left them; and skips the input bytes the
	   checkpoint says were consumed. log_from_start: read every input from its start
	   anyway (everything else as above). */
	bool log_from_start;
	bool no_uring;             /* read files with read(2), sync the log one partition at a time */
	bool follow;               /* the last input, a named file: read on as it grows, and open
				      its name again after a rotation or truncation, until stopped
				      (scrm_source_opts.follow) */
	/* replay */
	double speed;              /* > 0: pace at recorded time x speed; 0: as fast as possible */
	int64_t from_ms, to_ms;    /* keep records with from <= ts < to (INT64_MIN/MAX: open) */
	bool time_window;          /* from/to given: records without a timestamp are filtered */
	/* observability */
	double stats_interval;     /* > 0: a stats line on stderr every so many seconds */
	bool progress;             /* a progress line on stderr (when it is a terminal) */
	const char *stats_json;    /* write the final stats as JSON here (NULL: not) */
	volatile sig_atomic_t *stop; /* set by a signal handler: drain and stop (may be NULL) */
	int stop_fd;               /* readable once stop is set (a self-pipe), so a read blocked
				      on stdin or a pipe ends at once; -1: none */
} scrm_pipeline_cfg;

/* Fill with defaults: 1 worker, 1 relate thread, 512 KiB chunks, 1 MiB records,
 * zstd level SCRM_DEFAULT_ZSTD_LEVEL, auto format, no window. */
void scrm_pipeline_cfg_default(scrm_pipeline_cfg *cfg);

#define SCRM_DEFAULT_ZSTD_LEVEL 1

typedef struct scrm_stage_stats {
	uint64_t records;  /* records handled */
	uint64_t bytes;    /* bytes handled: input bytes (read, analyze, relate), event bytes
			      before compression (emit), bytes written (write) */
	uint64_t busy_ns;  /* summed over the stage's threads: their CPU time in the stage for
			      analyze, relate and emit (preempted time does not count); the wall
			      time of the read and write calls for read and write (disk waits
			      count) */
	uint64_t threads;
} scrm_stage_stats;

typedef struct scrm_run_stats {
	uint64_t lines;                 /* input lines seen (incl. blank and rejected) */
	uint64_t records_in;            /* records normalized (a v2 page gives several) */
	uint64_t events_out;            /* events written to a route */
	uint64_t rejected;              /* lines quarantined */
	uint64_t rejects[SCRM_REJ__COUNT];
	uint64_t skipped[SCRM_SKIP__COUNT];
	uint64_t filtered;              /* outside the replay window */
	uint64_t repaired;              /* lines whose invalid UTF-8 was repaired */
	uint64_t repaired_numbers;      /* lines with numbers out of range or negative counts read as null */
	uint64_t customers_forgotten;   /* customer states forgotten to stay within max_customers */
	uint64_t customers_forgotten_recent; /* of those, active in the partition's last 24 h */
	uint64_t customers_kept;        /* customer states held at the end */
	uint64_t held_lines;            /* with --log: unfinished last lines left for the next run */
	uint64_t topic_hits_dropped;    /* records matching more than SCRM_TOPICS_MAX_HITS topics+cues */
	uint64_t model_gated;           /* records the model classifiers left to cues (model_topics) */
	uint64_t encoder_texts;         /* texts the sentence encoder computed ... */
	uint64_t encoder_cached;        /* ... and texts it served from a worker's recent outputs */
	uint64_t sent_other_lang;       /* texts in a language the lexicon does not score ... */
	uint64_t sent_other_lang_none;  /* ... and of them, those with no emoji or emoticon: no sentiment */
	uint64_t bytes_in;              /* decompressed input bytes */
	uint64_t raw_bytes_in;          /* bytes read from files (compressed size for .zst) */
	uint64_t bytes_out;             /* bytes written to route outputs */
	uint64_t chunks;
	size_t n_routes;
	const char *route_names[SCRM_MAX_ROUTES];
	uint64_t route_events[SCRM_MAX_ROUTES];
	uint64_t alert_copies;          /* events also copied to the alerts route (not in events_out) */
	uint64_t log_records;           /* interactions appended to the interaction log */
	uint64_t log_truncated;         /* bytes recovery cut from torn log tails at start */
	uint64_t log_rebuilt;           /* interactions streamed back from the log to rebuild state */
	uint64_t resume_seq;            /* records of the earlier runs this one went on from */
	uint64_t skipped_bytes;         /* input bytes skipped: consumed by an earlier run */
	scrm_stage_stats read, analyze, relate, emit, write;
	uint64_t stalls_pool;           /* reader waited for a free chunk (backpressure) */
	uint64_t stalls_in;             /* reader found a worker's input ring full */
	uint64_t stalls_relate;         /* relate threads waited for the next chunk */
	uint64_t stalls_write;          /* writer waited for the next finished chunk */
	uint64_t sleeps;                /* futex sleeps over all threads */
	double wall_s;
	double cpu_user_s, cpu_sys_s;   /* over wall_s: the run itself */
	double setup_cpu_s;             /* CPU the process spent before the run began (loading the
					   rules, CRM export, lexicons, models) */
	long peak_rss_kb;
	int workers, relate_threads;
	bool uring;                     /* at least one input was read with io_uring */
	bool interrupted;
} scrm_run_stats;

/*
 * Run the pipeline to the end of all inputs (or until *cfg->stop is set, or a fatal
 * error). Rejected lines never stop the run. Returns 0 on success, or -errno after
 * printing a clear message on stderr (unreadable input, unwritable output, full disk);
 * every output is closed cleanly either way: route files end with whole zstd frames.
 * `st` receives the statistics (also on error).
 */
int scrm_pipeline_run(const scrm_pipeline_cfg *cfg, scrm_run_stats *st);

/* Print the human summary of a run on `fp` (stderr in the CLI). */
void scrm_run_stats_print(const scrm_run_stats *st, void *fp);

/* Write the stats as one JSON object to `path`. Returns 0 or -errno. */
int scrm_run_stats_write_json(const scrm_run_stats *st, const char *path);

#endif
