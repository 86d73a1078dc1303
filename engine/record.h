/*
 * record.h - the canonical scrm record: what every input schema is normalized into.
 *
 * A record lives inside a chunk (see chunk.h); its strings are scrm_str references
 * into that chunk's arena. The listen stage fills the "input" and "canonical" parts;
 * relate and act fill the rest. A record is written by one thread at a time: the
 * chunk it lives in is handed between stages through the rings.
 */
#ifndef SCRM_RECORD_H
#define SCRM_RECORD_H

#include <stdint.h>

#include "buf.h"

/* Marks an unknown integer field (followers, metrics). */
#define SCRM_UNKNOWN_INT INT64_MIN

enum scrm_schema {
	SCRM_SCHEMA_SCRM = 0,       /* the canonical scrm schema (README) */
	SCRM_SCHEMA_TWITTER_V1 = 1, /* X/Twitter API v1.1 tweet object */
	SCRM_SCHEMA_TWITTER_V2 = 2, /* X API v2 response page or stream line */
	SCRM_SCHEMA_REDDIT = 3,     /* Pushshift comment or submission */
};

/* What --format may force; AUTO detects per record. */
enum scrm_format {
	SCRM_FORMAT_AUTO = -1,
	SCRM_FORMAT_SCRM = SCRM_SCHEMA_SCRM,
	SCRM_FORMAT_TWITTER_V1 = SCRM_SCHEMA_TWITTER_V1,
	SCRM_FORMAT_TWITTER_V2 = SCRM_SCHEMA_TWITTER_V2,
	SCRM_FORMAT_REDDIT = SCRM_SCHEMA_REDDIT,
};

enum scrm_direction {
	SCRM_DIR_IN = 0,  /* from a customer / the public */
	SCRM_DIR_OUT = 1, /* the brand's own message */
};

/* Record flags. */
#define SCRM_REC_REPAIRED_UTF8 0x01u /* invalid UTF-8 was replaced with U+FFFD */
#define SCRM_REC_RETWEET 0x02u       /* a retweet/repost: retweet_of is set when known */
#define SCRM_REC_QUOTE 0x04u         /* quotes another post: quote_of is set */
#define SCRM_REC_TRUNCATED 0x08u     /* only truncated text was available */
#define SCRM_REC_REPAIRED_NUMBER 0x10u /* a number no 64-bit integer or double holds, or a negative count, was read as null */

/* One sentiment mode's scores (float: the event prints 3-4 decimals). */
typedef struct scrm_scores {
	float neg, neu, pos, compound;
} scrm_scores;

/* A topic term that explains hit `hit` of the record's topic_ids (topics.h term id). */
typedef struct scrm_topic_why_term {
	uint32_t hit;
	uint32_t term;
} scrm_topic_why_term;

typedef struct scrm_record {
	/* --- input position (set by the analyze worker) --- */
	uint64_t in_offset; /* byte offset of the line in its (decompressed) input */
	uint64_t in_line;   /* 1-based line number in its input */
	uint32_t in_index;  /* which input file (index into the run's input list) */
	uint32_t sub;       /* index of this record within its line (v2 pages hold many) */

	/* --- canonical fields (set by the normalizer) --- */
	int64_t ts_ms;      /* creation time, ms since the epoch; SCRM_UNKNOWN_INT if absent */
	int64_t followers;  /* author's followers; SCRM_UNKNOWN_INT if unknown */
	int64_t retweets;   /* repost count; SCRM_UNKNOWN_INT if unknown */
	int64_t likes;      /* like/favorite count or Reddit score; SCRM_UNKNOWN_INT if unknown */
	int64_t replies;    /* reply/comment count; SCRM_UNKNOWN_INT if unknown */
	int64_t quotes;     /* quote count; SCRM_UNKNOWN_INT if unknown */
	int8_t verified;    /* -1 unknown, 0 no, 1 yes */
	uint8_t schema;     /* enum scrm_schema */
	uint8_t direction;  /* enum scrm_direction */
	uint8_t flags;      /* SCRM_REC_* */

	scrm_str id;            /* post id as a string ("t1_..." / "t3_..." for Reddit) */
	scrm_str channel;       /* "twitter", "reddit", or the canonical record's channel */
	scrm_str conversation;  /* thread / conversation id */
	scrm_str in_reply_to;   /* id of the post this one answers */
	scrm_str retweet_of;    /* id of the reposted post */
	scrm_str quote_of;      /* id of the quoted post */
	scrm_str retweet_author; /* a native retweet: the reposted post's author's handle, no '@'
				    (its text is the original's, without "RT @x:") */
	scrm_str lang;          /* language tag as given by the source */
	scrm_str author_id;     /* platform user id */
	scrm_str author_handle; /* screen name / username / Reddit author, no '@' */
	scrm_str author_name;   /* display name */
	scrm_str place;         /* subreddit for Reddit; absent otherwise */
	scrm_str text;          /* full text, JSON-unescaped UTF-8, HTML entities &amp; &lt; &gt; decoded */

	/* --- analyze (set by the analyze worker) --- */
	scrm_scores sent[2];  /* [SCRM_SENT_VADER], [SCRM_SENT_SCRM] (sentiment.h modes) */
	uint8_t has_sentiment; /* bit m set: sent[m] is filled */
	uint8_t sent_primary;  /* the mode routing uses and `why` explains */
	uint8_t sent_learned;  /* sent[SCRM_SENT_SCRM].compound is scrm-learned's (--sentiment-model) */
	uint8_t sent_symbols;  /* a text in a language the lexicon does not score: scored (when
				  has_sentiment) on its emoji and emoticons alone (sentiment.h) */
	uint8_t spam;          /* SCRM_SPAM_* (spam.h) */
	scrm_str topic_ids;   /* matched topic/cue ids: uint16_t values stored in the arena
				 (len = 2 x count); absent when no rules are loaded */
	scrm_str topic_terms; /* why: scrm_topic_why_term array in the arena */
	scrm_str sent_terms;  /* why: scrm_sent_term array (sentiment.h) of the primary mode */
	scrm_str clf_why[2];  /* why: the intent [0] / action [1] classifier's explanation */
	float clf_conf[2];    /* their confidences */
	uint8_t clf_label[2]; /* intent label index, action (0 no, 1 yes) (classifier.h) */
	uint8_t has_clf;      /* bit 0: intent set, bit 1: action set */
	uint8_t clf_gated;    /* bit k: classifier k's model was gated off (model_topics): the
				  task's cues classifier decided */
	scrm_str mentions;    /* scrm_mention array (influence.h): whom the post points at */
	uint8_t infl[5];      /* influence score, reach, engagement, authority, network */
	uint64_t text_key;    /* near-duplicate key (spam.h), 0: none */
	uint64_t dup_first;   /* seq of the first post of the duplicate burst */
	uint32_t dup_count;   /* earlier posts in the burst (0: not a duplicate) */

	/* --- relate / act (set by the partition thread that owns the customer) --- */
	uint64_t seq;           /* global 0-based ordinal of the record in the run */
	uint64_t cust_hash;     /* XXH3 of the customer key material */
	uint32_t cust_count;    /* this customer's interaction count so far, this one included */
	uint16_t partition;     /* logical partition (fixed count, independent of -j) */
	const struct scrm_customer *cust; /* CRM export (customers.h): her row, NULL unknown
					     (lives as long as the run: tables are freed at its end) */
	/* the customer's windows after this interaction (relate.h scrm_cust_view) */
	uint32_t cust_int_24h, cust_int_7d, cust_channels_7d;
	uint32_t cust_intent_24h[8]; /* by intent label (classifier.h); valid with an intent classifier */
	float cust_sent_avg;
	uint8_t cust_sent_known; /* cust_sent_avg is set */

	/* --- act (set by the analyze worker once relate is done with the chunk) --- */
	uint16_t route;         /* index into the run's route table */
	uint8_t routed;         /* routing rules decided route..sla_due_ms (else the default "inbox") */
	uint8_t priority;       /* 0..3: P0..P3 */
	uint8_t alert;          /* 1: a copy also goes to the alerts route */
	uint8_t has_sla;        /* the rule (or default-sla) gave an SLA, whether or not ts is known */
	int32_t route_rule;     /* the rule that fired (file order), -1: the default route */
	int64_t sla_due_ms;     /* ts + the SLA; SCRM_UNKNOWN_INT: none */

	/* --- the closed loop (relate, with routing): the customer's case --- */
	uint8_t linked_out;     /* an outbound reply filed under the customer it answers */
	uint8_t open_case;      /* the customer had an open case before this record */
	uint8_t case_event;     /* SCRM_CASE_* */
	int8_t case_sla_met;    /* closed: 1 met, 0 missed, -1 no SLA or no time */
	uint64_t case_open_seq; /* opened / closed: seq of the message that opened it */
	int64_t case_ttfr_ms;   /* closed: time to first response; SCRM_UNKNOWN_INT unknown */
} scrm_record;

enum { SCRM_CASE_NONE = 0, SCRM_CASE_OPENED = 1, SCRM_CASE_CLOSED = 2 };

/* A growable array of records; owned like scrm_buf. */
typedef struct scrm_recvec {
	scrm_record *v;
	size_t len;
	size_t cap;
} scrm_recvec;

/* Append one zeroed record (strings SCRM_STR_NONE, ints unknown) and return it, or
 * NULL on -ENOMEM. The pointer is valid until the next push. */
scrm_record *scrm_recvec_push(scrm_recvec *rv);
void scrm_recvec_free(scrm_recvec *rv);

/* Reset a record to "all unknown". */
void scrm_record_init(scrm_record *r);

#endif
