/*
 * topics.c - compile listening topics and cues into one Hyperscan database; match.
 *
 * DESIGN: every distinct leaf pattern (term, phrase, hashtag, mention, regex) of every
 * topic and cue becomes one expression of a single block-mode database (identical
 * patterns are shared); a phrase's words are one space apart there, and the rare text
 * with other whitespace gets a second pass over the phrases alone (see "Phrases" at
 * scan_gaps). Each topic's query is flattened into a small postfix program over those
 * pattern ids (and the from:/lang: values, set per record from its author and language),
 * evaluated after the scan from a per-record bitset of matched patterns, for the topics
 * that one pattern of a necessary clause triggered (topic_triggers).
 *
 * Why not HS_FLAG_COMBINATION: Hyperscan's logical combinations can express AND/OR/NOT
 * of sub-expressions, but not NEAR/n (which needs match positions and a word count), nor
 * from:/lang: (record fields, not text). Splitting topics between two evaluators would
 * double the semantics to test; a postfix program over a bitset costs a few ns per
 * candidate topic, and only topics that one of their patterns triggered are evaluated
 * (plus those that can match without any pattern, e.g. `-spam` or `lang:ja OR -spam`).
 *
 * NEAR: Hyperscan reports end offsets only (start-of-match tracking is costly), so each
 * occurrence of a NEAR operand pattern is stored as (pattern, end offset); when a NEAR is
 * evaluated the text is swept once to turn end offsets into word indices; a pattern's
 * span is [last word - words in pattern + 1, last word].
 */
#include "topics.h"
#include "buf.h"
#include "influence.h"
#include "re_boundary.h"
#include "swar.h"

#include <assert.h>
#include <emmintrin.h>
#include <errno.h>
#include <fcntl.h>
#include <hs.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

enum op_code { OP_TERM, OP_FROM, OP_LANG, OP_NOT, OP_AND, OP_OR, OP_NEAR, OP_ANY };

struct op {
	uint8_t code;
	uint8_t neg;  /* under an odd number of NOTs: its matches do not explain a hit */
	uint16_t n;   /* OP_ANY: how many patterns (fast_programs) */
	uint32_t arg; /* OP_TERM: pattern id; OP_FROM/OP_LANG: string index; OP_NEAR: near index;
		       * OP_ANY: the first of its patterns in fpat[] */
};

struct pattern {
	char *expr;      /* a phrase's words are joined by one space (see scan_gaps) */
	char *disp;      /* the leaf as written in the rules file (first use), for `why` */
	unsigned flags;
	uint8_t nwords;  /* words the pattern spans (NEAR operands) */
	uint8_t near;    /* some NEAR uses it: record its positions */
	uint8_t lb, rb;  /* check a word boundary before / after the match (rb: RB_*) */
	uint8_t is_regex;
	uint8_t multi;   /* a phrase of several words: also in the gaps database */
	uint8_t byte;    /* a regex found by one byte outside Hyperscan (in bpats[], not in the database) */
	uint32_t fixed;  /* bytes every match spans (start = end - fixed), 0 if it varies */
	uint32_t line, col;
};

/*
 * Regexes anchored on one byte. A regex that is a run of one-byte atoms around one
 * literal punctuation byte, optionally ending in `$` or `(\s|$)` (e.g. /\?(\s|$)/ and
 * /\s\^[A-Z]{2}$/ of bench/rules-bench.scrm) is no literal, and Hyperscan brings in
 * engines for it that cost every scan: those two took 70 of the 625 ns that the topics
 * scan of that file costs per generated record. Such a regex is found outside Hyperscan
 * instead (byte_scan()): memchr() finds its byte, and the atoms before and after it and
 * the end are checked there. An atom is an escape, a class or an ASCII byte, with {n} or
 * no quantifier, that Hyperscan accepts alone with the regex's flags and reads as exactly
 * one byte (hs_expression_info: width 1, which in UTF-8 mode is an ASCII byte); its set
 * is what Hyperscan matches of the 128 ASCII bytes, so \s, \d, [A-Z] with /i and the
 * rest mean what they mean to Hyperscan. `$` (no m flag) matches at the end of the text
 * and before a final newline, as in Hyperscan. The tests topics/byte_regexes and
 * topics/byte_regexes_random compare the matches with Hyperscan on the regex as written.
 */
#define BYTE_POS_MAX 32
enum { BEND_NONE, BEND_DOLLAR, BEND_SPACE_OR_DOLLAR };
struct bytepat {
	uint32_t pat;
	uint8_t byte, nlead, ntail, end;
	uint64_t space[2];              /* BEND_SPACE_OR_DOLLAR: the bytes \s matches */
	uint64_t set[BYTE_POS_MAX][2]; /* the lead atoms' bytes, then the tail's (each {n} n times) */
};

enum { RB_NONE, RB_WORD, RB_ASCII }; /* RB_ASCII: a regex's trailing \b, see regex_trailing_boundary */
enum { LB_NONE, LB_WORD, LB_ASCII }; /* LB_ASCII: a regex's first \b, see regex_width */

struct near {
	uint16_t n;
	uint32_t a_off, a_n, b_off, b_n; /* into near_pat[] */
};

struct topic {
	char *name;
	uint8_t is_cue;
	uint32_t line;
	uint32_t op_off, op_n;
	uint32_t fop_off, fop_n; /* the program eval_topic() runs (see fast_programs) */
	uint64_t truth; /* tgroups > 0: bit a is the program's value when group i is (a >> i) & 1 */
	uint32_t tgroup_off; /* its OP_ANY groups, in order, from fops[] (see truth_tables) */
	uint8_t tgroups;     /* 0: run the program (it has NEAR or more than 6 groups) */
};

/*
 * An OP_ANY group of a truth-table topic as masks of the pattern bitset: the group
 * matched iff (pat_bits[w[0]] & m[0]) | (pat_bits[w[1]] & m[1]) is not zero. One AND per
 * word instead of a bit test per pattern with an early exit, whose branch went either
 * way from record to record. A group whose patterns lie in more than two 64-bit words
 * has m[0] == 0 and is tested pattern by pattern (any_matched).
 */
struct gmask {
	uint32_t w[2];
	uint64_t m[2];
};

/* The guests' ids in the database start here (the file's patterns are below it). */
#define GUEST_BASE SCRM_TOPICS_GUEST_MAX

struct scrm_topics {
	hs_database_t *db;   /* the patterns, ids 0..npats-1, and the guests' (topics.h), GUEST_BASE + their ids */
	hs_database_t *gaps; /* the phrases again, any whitespace between their words */
	uint32_t nguest;     /* guest expressions in db (0: none) */
	uint32_t guest_lim;  /* 1 + the largest guest id */
	hs_scratch_t *proto;
	struct pattern *pats;
	uint32_t npats, cappats;
	struct topic *topics;
	uint32_t ntopics;
	struct op *ops;
	uint32_t nops, capops;
	struct op *fops;  /* what eval_topic runs: ops with OR-ed terms merged into OP_ANY */
	struct op *tgrp;  /* the OP_ANY groups of the topics with a truth table */
	struct gmask *gmask; /* beside each tgrp group: its patterns' bits (see truth_tables) */
	uint32_t *fpat;   /* OP_ANY: arg indexes its n patterns here */
	struct near *nears;
	uint32_t nnears, capnears;
	uint32_t *near_pat;
	uint32_t nnear_pat, capnear_pat;
	char **strs; /* from:/lang: values */
	uint32_t nstrs, capstrs;
	/* Keys: the patterns (ids 0..npats-1), then each from:/lang: value as a field key
	 * (field_key()), set for a record by its author and language (mark_field). */
	uint32_t nkeys;
	uint32_t *key_off, *key_n; /* CSR into topic_of[]: the topics each key triggers */
	uint16_t *topic_of;
	struct bytepat *bpats; /* regexes found by one byte (by byte, then pattern id) */
	uint32_t nbpats;
	uint32_t *fmap;     /* open addressing: hash of a lower-cased value -> string index + 1 */
	uint32_t fmap_mask;
	uint16_t *always;   /* topics that can match without any pattern */
	uint32_t nalways;
	uint32_t max_stack;
	size_t db_size;
	double compile_ms;
	int cache; /* scrm_topics_cache_state() */
};

struct pos {
	uint32_t pat, end;
	int32_t word; /* index of the last word the match ends in or after; -1: before the
			 first word (an emoji or ":(" that starts the text: it was taken as in
			 word 0, one word too near the words after it) */
};

struct scrm_topics_scratch {
	const scrm_topics *t;
	hs_scratch_t *hs;
	scrm_topics_guest_fn guest_fn; /* where the guests' matches go (NULL: nowhere) */
	void *guest_ctx;
	uint64_t *pat_bits;
	uint32_t *pat_list;
	uint32_t npat_list;
	uint64_t *cand_bits;
	uint16_t *cands;
	uint32_t ncands;
	uint8_t *stack;
	uint32_t *xstart; /* explain_topic: per stack entry, where its terms start in xterm */
	uint32_t *xterm;  /* explain_topic: the terms of the entries on the stack */
	struct pos *pos; /* NEAR operands' occurrences: grows with the text (from 1024) */
	uint32_t npos, pos_cap;
	bool oom;        /* growing pos failed: the scan stopped (-ENOMEM) */
	bool words_done;
	const char *text; /* the record being scanned */
	size_t len;
	/* The gaps pass: the text with each whitespace run as one space, and for each of
	 * its bytes the offset in the text it came from (see scan_gaps). */
	char *norm;
	uint32_t *map;
	size_t norm_cap;
};

/* ------------------------------------------------------------------------------ */
/* Words                                                                            */

/*
 * The non-ASCII code points that Hyperscan 5.4's UCP \w matches (\p{L}, \p{N}, per its
 * Unicode tables), as inclusive ranges: extracted by scanning every code point with a
 * database of "\w" (HS_FLAG_UTF8 | HS_FLAG_UCP); the test topics/word_table_is_hyperscans
 * repeats that check, so a libhs with other Unicode tables is caught.
 */
static const uint32_t word_ranges[][2] = {
	{0xAA, 0xAA}, {0xB2, 0xB3}, {0xB5, 0xB5}, {0xB9, 0xBA}, {0xBC, 0xBE}, {0xC0, 0xD6},
	{0xD8, 0xF6}, {0xF8, 0x2C1}, {0x2C6, 0x2D1}, {0x2E0, 0x2E4}, {0x2EC, 0x2EC}, {0x2EE, 0x2EE},
	{0x370, 0x374}, {0x376, 0x377}, {0x37A, 0x37D}, {0x37F, 0x37F}, {0x386, 0x386}, {0x388, 0x38A},
	{0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481}, {0x48A, 0x52F}, {0x531, 0x556},
	{0x559, 0x559}, {0x561, 0x587}, {0x5D0, 0x5EA}, {0x5F0, 0x5F2}, {0x620, 0x64A}, {0x660, 0x669},
	{0x66E, 0x66F}, {0x671, 0x6D3}, {0x6D5, 0x6D5}, {0x6E5, 0x6E6}, {0x6EE, 0x6FC}, {0x6FF, 0x6FF},
	{0x710, 0x710}, {0x712, 0x72F}, {0x74D, 0x7A5}, {0x7B1, 0x7B1}, {0x7C0, 0x7EA}, {0x7F4, 0x7F5},
	{0x7FA, 0x7FA}, {0x800, 0x815}, {0x81A, 0x81A}, {0x824, 0x824}, {0x828, 0x828}, {0x840, 0x858},
	{0x8A0, 0x8B2}, {0x904, 0x939}, {0x93D, 0x93D}, {0x950, 0x950}, {0x958, 0x961}, {0x966, 0x96F},
	{0x971, 0x980}, {0x985, 0x98C}, {0x98F, 0x990}, {0x993, 0x9A8}, {0x9AA, 0x9B0}, {0x9B2, 0x9B2},
	{0x9B6, 0x9B9}, {0x9BD, 0x9BD}, {0x9CE, 0x9CE}, {0x9DC, 0x9DD}, {0x9DF, 0x9E1}, {0x9E6, 0x9F1},
	{0x9F4, 0x9F9}, {0xA05, 0xA0A}, {0xA0F, 0xA10}, {0xA13, 0xA28}, {0xA2A, 0xA30}, {0xA32, 0xA33},
	{0xA35, 0xA36}, {0xA38, 0xA39}, {0xA59, 0xA5C}, {0xA5E, 0xA5E}, {0xA66, 0xA6F}, {0xA72, 0xA74},
	{0xA85, 0xA8D}, {0xA8F, 0xA91}, {0xA93, 0xAA8}, {0xAAA, 0xAB0}, {0xAB2, 0xAB3}, {0xAB5, 0xAB9},
	{0xABD, 0xABD}, {0xAD0, 0xAD0}, {0xAE0, 0xAE1}, {0xAE6, 0xAEF}, {0xB05, 0xB0C}, {0xB0F, 0xB10},
	{0xB13, 0xB28}, {0xB2A, 0xB30}, {0xB32, 0xB33}, {0xB35, 0xB39}, {0xB3D, 0xB3D}, {0xB5C, 0xB5D},
	{0xB5F, 0xB61}, {0xB66, 0xB6F}, {0xB71, 0xB77}, {0xB83, 0xB83}, {0xB85, 0xB8A}, {0xB8E, 0xB90},
	{0xB92, 0xB95}, {0xB99, 0xB9A}, {0xB9C, 0xB9C}, {0xB9E, 0xB9F}, {0xBA3, 0xBA4}, {0xBA8, 0xBAA},
	{0xBAE, 0xBB9}, {0xBD0, 0xBD0}, {0xBE6, 0xBF2}, {0xC05, 0xC0C}, {0xC0E, 0xC10}, {0xC12, 0xC28},
	{0xC2A, 0xC39}, {0xC3D, 0xC3D}, {0xC58, 0xC59}, {0xC60, 0xC61}, {0xC66, 0xC6F}, {0xC78, 0xC7E},
	{0xC85, 0xC8C}, {0xC8E, 0xC90}, {0xC92, 0xCA8}, {0xCAA, 0xCB3}, {0xCB5, 0xCB9}, {0xCBD, 0xCBD},
	{0xCDE, 0xCDE}, {0xCE0, 0xCE1}, {0xCE6, 0xCEF}, {0xCF1, 0xCF2}, {0xD05, 0xD0C}, {0xD0E, 0xD10},
	{0xD12, 0xD3A}, {0xD3D, 0xD3D}, {0xD4E, 0xD4E}, {0xD60, 0xD61}, {0xD66, 0xD75}, {0xD7A, 0xD7F},
	{0xD85, 0xD96}, {0xD9A, 0xDB1}, {0xDB3, 0xDBB}, {0xDBD, 0xDBD}, {0xDC0, 0xDC6}, {0xDE6, 0xDEF},
	{0xE01, 0xE30}, {0xE32, 0xE33}, {0xE40, 0xE46}, {0xE50, 0xE59}, {0xE81, 0xE82}, {0xE84, 0xE84},
	{0xE87, 0xE88}, {0xE8A, 0xE8A}, {0xE8D, 0xE8D}, {0xE94, 0xE97}, {0xE99, 0xE9F}, {0xEA1, 0xEA3},
	{0xEA5, 0xEA5}, {0xEA7, 0xEA7}, {0xEAA, 0xEAB}, {0xEAD, 0xEB0}, {0xEB2, 0xEB3}, {0xEBD, 0xEBD},
	{0xEC0, 0xEC4}, {0xEC6, 0xEC6}, {0xED0, 0xED9}, {0xEDC, 0xEDF}, {0xF00, 0xF00}, {0xF20, 0xF33},
	{0xF40, 0xF47}, {0xF49, 0xF6C}, {0xF88, 0xF8C}, {0x1000, 0x102A}, {0x103F, 0x1049},
	{0x1050, 0x1055}, {0x105A, 0x105D}, {0x1061, 0x1061}, {0x1065, 0x1066}, {0x106E, 0x1070},
	{0x1075, 0x1081}, {0x108E, 0x108E}, {0x1090, 0x1099}, {0x10A0, 0x10C5}, {0x10C7, 0x10C7},
	{0x10CD, 0x10CD}, {0x10D0, 0x10FA}, {0x10FC, 0x1248}, {0x124A, 0x124D}, {0x1250, 0x1256},
	{0x1258, 0x1258}, {0x125A, 0x125D}, {0x1260, 0x1288}, {0x128A, 0x128D}, {0x1290, 0x12B0},
	{0x12B2, 0x12B5}, {0x12B8, 0x12BE}, {0x12C0, 0x12C0}, {0x12C2, 0x12C5}, {0x12C8, 0x12D6},
	{0x12D8, 0x1310}, {0x1312, 0x1315}, {0x1318, 0x135A}, {0x1369, 0x137C}, {0x1380, 0x138F},
	{0x13A0, 0x13F4}, {0x1401, 0x166C}, {0x166F, 0x167F}, {0x1681, 0x169A}, {0x16A0, 0x16EA},
	{0x16EE, 0x16F8}, {0x1700, 0x170C}, {0x170E, 0x1711}, {0x1720, 0x1731}, {0x1740, 0x1751},
	{0x1760, 0x176C}, {0x176E, 0x1770}, {0x1780, 0x17B3}, {0x17D7, 0x17D7}, {0x17DC, 0x17DC},
	{0x17E0, 0x17E9}, {0x17F0, 0x17F9}, {0x1810, 0x1819}, {0x1820, 0x1877}, {0x1880, 0x18A8},
	{0x18AA, 0x18AA}, {0x18B0, 0x18F5}, {0x1900, 0x191E}, {0x1946, 0x196D}, {0x1970, 0x1974},
	{0x1980, 0x19AB}, {0x19C1, 0x19C7}, {0x19D0, 0x19DA}, {0x1A00, 0x1A16}, {0x1A20, 0x1A54},
	{0x1A80, 0x1A89}, {0x1A90, 0x1A99}, {0x1AA7, 0x1AA7}, {0x1B05, 0x1B33}, {0x1B45, 0x1B4B},
	{0x1B50, 0x1B59}, {0x1B83, 0x1BA0}, {0x1BAE, 0x1BE5}, {0x1C00, 0x1C23}, {0x1C40, 0x1C49},
	{0x1C4D, 0x1C7D}, {0x1CE9, 0x1CEC}, {0x1CEE, 0x1CF1}, {0x1CF5, 0x1CF6}, {0x1D00, 0x1DBF},
	{0x1E00, 0x1F15}, {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57},
	{0x1F59, 0x1F59}, {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4},
	{0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3},
	{0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2070, 0x2071},
	{0x2074, 0x2079}, {0x207F, 0x2089}, {0x2090, 0x209C}, {0x2102, 0x2102}, {0x2107, 0x2107},
	{0x210A, 0x2113}, {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126},
	{0x2128, 0x2128}, {0x212A, 0x212D}, {0x212F, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149},
	{0x214E, 0x214E}, {0x2150, 0x2189}, {0x2460, 0x249B}, {0x24EA, 0x24FF}, {0x2776, 0x2793},
	{0x2C00, 0x2C2E}, {0x2C30, 0x2C5E}, {0x2C60, 0x2CE4}, {0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3},
	{0x2CFD, 0x2CFD}, {0x2D00, 0x2D25}, {0x2D27, 0x2D27}, {0x2D2D, 0x2D2D}, {0x2D30, 0x2D67},
	{0x2D6F, 0x2D6F}, {0x2D80, 0x2D96}, {0x2DA0, 0x2DA6}, {0x2DA8, 0x2DAE}, {0x2DB0, 0x2DB6},
	{0x2DB8, 0x2DBE}, {0x2DC0, 0x2DC6}, {0x2DC8, 0x2DCE}, {0x2DD0, 0x2DD6}, {0x2DD8, 0x2DDE},
	{0x2E2F, 0x2E2F}, {0x3005, 0x3007}, {0x3021, 0x3029}, {0x3031, 0x3035}, {0x3038, 0x303C},
	{0x3041, 0x3096}, {0x309D, 0x309F}, {0x30A1, 0x30FA}, {0x30FC, 0x30FF}, {0x3105, 0x312D},
	{0x3131, 0x318E}, {0x3192, 0x3195}, {0x31A0, 0x31BA}, {0x31F0, 0x31FF}, {0x3220, 0x3229},
	{0x3248, 0x324F}, {0x3251, 0x325F}, {0x3280, 0x3289}, {0x32B1, 0x32BF}, {0x3400, 0x4DB5},
	{0x4E00, 0x9FCC}, {0xA000, 0xA48C}, {0xA4D0, 0xA4FD}, {0xA500, 0xA60C}, {0xA610, 0xA62B},
	{0xA640, 0xA66E}, {0xA67F, 0xA69D}, {0xA6A0, 0xA6EF}, {0xA717, 0xA71F}, {0xA722, 0xA788},
	{0xA78B, 0xA78E}, {0xA790, 0xA7AD}, {0xA7B0, 0xA7B1}, {0xA7F7, 0xA801}, {0xA803, 0xA805},
	{0xA807, 0xA80A}, {0xA80C, 0xA822}, {0xA830, 0xA835}, {0xA840, 0xA873}, {0xA882, 0xA8B3},
	{0xA8D0, 0xA8D9}, {0xA8F2, 0xA8F7}, {0xA8FB, 0xA8FB}, {0xA900, 0xA925}, {0xA930, 0xA946},
	{0xA960, 0xA97C}, {0xA984, 0xA9B2}, {0xA9CF, 0xA9D9}, {0xA9E0, 0xA9E4}, {0xA9E6, 0xA9FE},
	{0xAA00, 0xAA28}, {0xAA40, 0xAA42}, {0xAA44, 0xAA4B}, {0xAA50, 0xAA59}, {0xAA60, 0xAA76},
	{0xAA7A, 0xAA7A}, {0xAA7E, 0xAAAF}, {0xAAB1, 0xAAB1}, {0xAAB5, 0xAAB6}, {0xAAB9, 0xAABD},
	{0xAAC0, 0xAAC0}, {0xAAC2, 0xAAC2}, {0xAADB, 0xAADD}, {0xAAE0, 0xAAEA}, {0xAAF2, 0xAAF4},
	{0xAB01, 0xAB06}, {0xAB09, 0xAB0E}, {0xAB11, 0xAB16}, {0xAB20, 0xAB26}, {0xAB28, 0xAB2E},
	{0xAB30, 0xAB5A}, {0xAB5C, 0xAB5F}, {0xAB64, 0xAB65}, {0xABC0, 0xABE2}, {0xABF0, 0xABF9},
	{0xAC00, 0xD7A3}, {0xD7B0, 0xD7C6}, {0xD7CB, 0xD7FB}, {0xF900, 0xFA6D}, {0xFA70, 0xFAD9},
	{0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFB1D, 0xFB1D}, {0xFB1F, 0xFB28}, {0xFB2A, 0xFB36},
	{0xFB38, 0xFB3C}, {0xFB3E, 0xFB3E}, {0xFB40, 0xFB41}, {0xFB43, 0xFB44}, {0xFB46, 0xFBB1},
	{0xFBD3, 0xFD3D}, {0xFD50, 0xFD8F}, {0xFD92, 0xFDC7}, {0xFDF0, 0xFDFB}, {0xFE70, 0xFE74},
	{0xFE76, 0xFEFC}, {0xFF10, 0xFF19}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0xFF66, 0xFFBE},
	{0xFFC2, 0xFFC7}, {0xFFCA, 0xFFCF}, {0xFFD2, 0xFFD7}, {0xFFDA, 0xFFDC}, {0x10000, 0x1000B},
	{0x1000D, 0x10026}, {0x10028, 0x1003A}, {0x1003C, 0x1003D}, {0x1003F, 0x1004D}, {0x10050, 0x1005D},
	{0x10080, 0x100FA}, {0x10107, 0x10133}, {0x10140, 0x10178}, {0x1018A, 0x1018B}, {0x10280, 0x1029C},
	{0x102A0, 0x102D0}, {0x102E1, 0x102FB}, {0x10300, 0x10323}, {0x10330, 0x1034A}, {0x10350, 0x10375},
	{0x10380, 0x1039D}, {0x103A0, 0x103C3}, {0x103C8, 0x103CF}, {0x103D1, 0x103D5}, {0x10400, 0x1049D},
	{0x104A0, 0x104A9}, {0x10500, 0x10527}, {0x10530, 0x10563}, {0x10600, 0x10736}, {0x10740, 0x10755},
	{0x10760, 0x10767}, {0x10800, 0x10805}, {0x10808, 0x10808}, {0x1080A, 0x10835}, {0x10837, 0x10838},
	{0x1083C, 0x1083C}, {0x1083F, 0x10855}, {0x10858, 0x10876}, {0x10879, 0x1089E}, {0x108A7, 0x108AF},
	{0x10900, 0x1091B}, {0x10920, 0x10939}, {0x10980, 0x109B7}, {0x109BE, 0x109BF}, {0x10A00, 0x10A00},
	{0x10A10, 0x10A13}, {0x10A15, 0x10A17}, {0x10A19, 0x10A33}, {0x10A40, 0x10A47}, {0x10A60, 0x10A7E},
	{0x10A80, 0x10A9F}, {0x10AC0, 0x10AC7}, {0x10AC9, 0x10AE4}, {0x10AEB, 0x10AEF}, {0x10B00, 0x10B35},
	{0x10B40, 0x10B55}, {0x10B58, 0x10B72}, {0x10B78, 0x10B91}, {0x10BA9, 0x10BAF}, {0x10C00, 0x10C48},
	{0x10E60, 0x10E7E}, {0x11003, 0x11037}, {0x11052, 0x1106F}, {0x11083, 0x110AF}, {0x110D0, 0x110E8},
	{0x110F0, 0x110F9}, {0x11103, 0x11126}, {0x11136, 0x1113F}, {0x11150, 0x11172}, {0x11176, 0x11176},
	{0x11183, 0x111B2}, {0x111C1, 0x111C4}, {0x111D0, 0x111DA}, {0x111E1, 0x111F4}, {0x11200, 0x11211},
	{0x11213, 0x1122B}, {0x112B0, 0x112DE}, {0x112F0, 0x112F9}, {0x11305, 0x1130C}, {0x1130F, 0x11310},
	{0x11313, 0x11328}, {0x1132A, 0x11330}, {0x11332, 0x11333}, {0x11335, 0x11339}, {0x1133D, 0x1133D},
	{0x1135D, 0x11361}, {0x11480, 0x114AF}, {0x114C4, 0x114C5}, {0x114C7, 0x114C7}, {0x114D0, 0x114D9},
	{0x11580, 0x115AE}, {0x11600, 0x1162F}, {0x11644, 0x11644}, {0x11650, 0x11659}, {0x11680, 0x116AA},
	{0x116C0, 0x116C9}, {0x118A0, 0x118F2}, {0x118FF, 0x118FF}, {0x11AC0, 0x11AF8}, {0x12000, 0x12398},
	{0x12400, 0x1246E}, {0x13000, 0x1342E}, {0x16800, 0x16A38}, {0x16A40, 0x16A5E}, {0x16A60, 0x16A69},
	{0x16AD0, 0x16AED}, {0x16B00, 0x16B2F}, {0x16B40, 0x16B43}, {0x16B50, 0x16B59}, {0x16B5B, 0x16B61},
	{0x16B63, 0x16B77}, {0x16B7D, 0x16B8F}, {0x16F00, 0x16F44}, {0x16F50, 0x16F50}, {0x16F93, 0x16F9F},
	{0x1B000, 0x1B001}, {0x1BC00, 0x1BC6A}, {0x1BC70, 0x1BC7C}, {0x1BC80, 0x1BC88}, {0x1BC90, 0x1BC99},
	{0x1D360, 0x1D371}, {0x1D400, 0x1D454}, {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2},
	{0x1D4A5, 0x1D4A6}, {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB}, {0x1D4BD, 0x1D4C3},
	{0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C}, {0x1D51E, 0x1D539},
	{0x1D53B, 0x1D53E}, {0x1D540, 0x1D544}, {0x1D546, 0x1D546}, {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5},
	{0x1D6A8, 0x1D6C0}, {0x1D6C2, 0x1D6DA}, {0x1D6DC, 0x1D6FA}, {0x1D6FC, 0x1D714}, {0x1D716, 0x1D734},
	{0x1D736, 0x1D74E}, {0x1D750, 0x1D76E}, {0x1D770, 0x1D788}, {0x1D78A, 0x1D7A8}, {0x1D7AA, 0x1D7C2},
	{0x1D7C4, 0x1D7CB}, {0x1D7CE, 0x1D7FF}, {0x1E800, 0x1E8C4}, {0x1E8C7, 0x1E8CF}, {0x1EE00, 0x1EE03},
	{0x1EE05, 0x1EE1F}, {0x1EE21, 0x1EE22}, {0x1EE24, 0x1EE24}, {0x1EE27, 0x1EE27}, {0x1EE29, 0x1EE32},
	{0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39}, {0x1EE3B, 0x1EE3B}, {0x1EE42, 0x1EE42}, {0x1EE47, 0x1EE47},
	{0x1EE49, 0x1EE49}, {0x1EE4B, 0x1EE4B}, {0x1EE4D, 0x1EE4F}, {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54},
	{0x1EE57, 0x1EE57}, {0x1EE59, 0x1EE59}, {0x1EE5B, 0x1EE5B}, {0x1EE5D, 0x1EE5D}, {0x1EE5F, 0x1EE5F},
	{0x1EE61, 0x1EE62}, {0x1EE64, 0x1EE64}, {0x1EE67, 0x1EE6A}, {0x1EE6C, 0x1EE72}, {0x1EE74, 0x1EE77},
	{0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E}, {0x1EE80, 0x1EE89}, {0x1EE8B, 0x1EE9B}, {0x1EEA1, 0x1EEA3},
	{0x1EEA5, 0x1EEA9}, {0x1EEAB, 0x1EEBB}, {0x1F100, 0x1F10C}, {0x20000, 0x2A6D6}, {0x2A700, 0x2B734},
	{0x2B740, 0x2B81D}, {0x2F800, 0x2FA1D},
};

/* ASCII word characters: [0-9A-Za-z_] (the fast path of the boundary and word scans). */
static const uint8_t ascii_word[128] = {
	['0'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['A'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['_'] = 1,
	['a'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Whether @cp lies in one of the @n sorted inclusive ranges @r. */
static bool in_ranges(const uint32_t (*r)[2], size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < r[mid][0])
			hi = mid;
		else if (cp > r[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int scrm_topics_is_word_cp(uint32_t cp)
{
	if (cp < 0x80)
		return ascii_word[cp];
	return in_ranges(word_ranges, sizeof(word_ranges) / sizeof(word_ranges[0]), cp);
}

/*
 * The combining marks (\p{M}: Mn, Mc, Me) and the zero-width joiners U+200C and U+200D,
 * as inclusive ranges (Unicode 14, from Python's unicodedata), but for the variation
 * selectors (U+FE00..FE0F, U+E0100..E01EF: "I" + U+FE0F, an emoji keyboard's, is still
 * the word "I"). They are not in UCP \w,
 * but they are inside words: Devanagari's vowel signs and virama, a decomposed accent
 * (e + U+0301), the joiners of Indic and emoji sequences. A boundary never falls before
 * one (`कम` does not match inside `कमाई`, `cafe` not inside `cafe\u0301`).
 */
static const uint32_t mark_ranges[][2] = {
	{0x300, 0x36F}, {0x483, 0x489}, {0x591, 0x5BD}, {0x5BF, 0x5BF}, {0x5C1, 0x5C2},
	{0x5C4, 0x5C5}, {0x5C7, 0x5C7}, {0x610, 0x61A}, {0x64B, 0x65F}, {0x670, 0x670},
	{0x6D6, 0x6DC}, {0x6DF, 0x6E4}, {0x6E7, 0x6E8}, {0x6EA, 0x6ED}, {0x711, 0x711},
	{0x730, 0x74A}, {0x7A6, 0x7B0}, {0x7EB, 0x7F3}, {0x7FD, 0x7FD}, {0x816, 0x819},
	{0x81B, 0x823}, {0x825, 0x827}, {0x829, 0x82D}, {0x859, 0x85B}, {0x898, 0x89F},
	{0x8CA, 0x8E1}, {0x8E3, 0x903}, {0x93A, 0x93C}, {0x93E, 0x94F}, {0x951, 0x957},
	{0x962, 0x963}, {0x981, 0x983}, {0x9BC, 0x9BC}, {0x9BE, 0x9C4}, {0x9C7, 0x9C8},
	{0x9CB, 0x9CD}, {0x9D7, 0x9D7}, {0x9E2, 0x9E3}, {0x9FE, 0x9FE}, {0xA01, 0xA03},
	{0xA3C, 0xA3C}, {0xA3E, 0xA42}, {0xA47, 0xA48}, {0xA4B, 0xA4D}, {0xA51, 0xA51},
	{0xA70, 0xA71}, {0xA75, 0xA75}, {0xA81, 0xA83}, {0xABC, 0xABC}, {0xABE, 0xAC5},
	{0xAC7, 0xAC9}, {0xACB, 0xACD}, {0xAE2, 0xAE3}, {0xAFA, 0xAFF}, {0xB01, 0xB03},
	{0xB3C, 0xB3C}, {0xB3E, 0xB44}, {0xB47, 0xB48}, {0xB4B, 0xB4D}, {0xB55, 0xB57},
	{0xB62, 0xB63}, {0xB82, 0xB82}, {0xBBE, 0xBC2}, {0xBC6, 0xBC8}, {0xBCA, 0xBCD},
	{0xBD7, 0xBD7}, {0xC00, 0xC04}, {0xC3C, 0xC3C}, {0xC3E, 0xC44}, {0xC46, 0xC48},
	{0xC4A, 0xC4D}, {0xC55, 0xC56}, {0xC62, 0xC63}, {0xC81, 0xC83}, {0xCBC, 0xCBC},
	{0xCBE, 0xCC4}, {0xCC6, 0xCC8}, {0xCCA, 0xCCD}, {0xCD5, 0xCD6}, {0xCE2, 0xCE3},
	{0xD00, 0xD03}, {0xD3B, 0xD3C}, {0xD3E, 0xD44}, {0xD46, 0xD48}, {0xD4A, 0xD4D},
	{0xD57, 0xD57}, {0xD62, 0xD63}, {0xD81, 0xD83}, {0xDCA, 0xDCA}, {0xDCF, 0xDD4},
	{0xDD6, 0xDD6}, {0xDD8, 0xDDF}, {0xDF2, 0xDF3}, {0xE31, 0xE31}, {0xE34, 0xE3A},
	{0xE47, 0xE4E}, {0xEB1, 0xEB1}, {0xEB4, 0xEBC}, {0xEC8, 0xECD}, {0xF18, 0xF19},
	{0xF35, 0xF35}, {0xF37, 0xF37}, {0xF39, 0xF39}, {0xF3E, 0xF3F}, {0xF71, 0xF84},
	{0xF86, 0xF87}, {0xF8D, 0xF97}, {0xF99, 0xFBC}, {0xFC6, 0xFC6}, {0x102B, 0x103E},
	{0x1056, 0x1059}, {0x105E, 0x1060}, {0x1062, 0x1064}, {0x1067, 0x106D}, {0x1071, 0x1074},
	{0x1082, 0x108D}, {0x108F, 0x108F}, {0x109A, 0x109D}, {0x135D, 0x135F}, {0x1712, 0x1715},
	{0x1732, 0x1734}, {0x1752, 0x1753}, {0x1772, 0x1773}, {0x17B4, 0x17D3}, {0x17DD, 0x17DD},
	{0x180B, 0x180D}, {0x180F, 0x180F}, {0x1885, 0x1886}, {0x18A9, 0x18A9}, {0x1920, 0x192B},
	{0x1930, 0x193B}, {0x1A17, 0x1A1B}, {0x1A55, 0x1A5E}, {0x1A60, 0x1A7C}, {0x1A7F, 0x1A7F},
	{0x1AB0, 0x1ACE}, {0x1B00, 0x1B04}, {0x1B34, 0x1B44}, {0x1B6B, 0x1B73}, {0x1B80, 0x1B82},
	{0x1BA1, 0x1BAD}, {0x1BE6, 0x1BF3}, {0x1C24, 0x1C37}, {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE8},
	{0x1CED, 0x1CED}, {0x1CF4, 0x1CF4}, {0x1CF7, 0x1CF9}, {0x1DC0, 0x1DFF}, {0x200C, 0x200D},
	{0x20D0, 0x20F0}, {0x2CEF, 0x2CF1}, {0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF}, {0x302A, 0x302F},
	{0x3099, 0x309A}, {0xA66F, 0xA672}, {0xA674, 0xA67D}, {0xA69E, 0xA69F}, {0xA6F0, 0xA6F1},
	{0xA802, 0xA802}, {0xA806, 0xA806}, {0xA80B, 0xA80B}, {0xA823, 0xA827}, {0xA82C, 0xA82C},
	{0xA880, 0xA881}, {0xA8B4, 0xA8C5}, {0xA8E0, 0xA8F1}, {0xA8FF, 0xA8FF}, {0xA926, 0xA92D},
	{0xA947, 0xA953}, {0xA980, 0xA983}, {0xA9B3, 0xA9C0}, {0xA9E5, 0xA9E5}, {0xAA29, 0xAA36},
	{0xAA43, 0xAA43}, {0xAA4C, 0xAA4D}, {0xAA7B, 0xAA7D}, {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4},
	{0xAAB7, 0xAAB8}, {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1}, {0xAAEB, 0xAAEF}, {0xAAF5, 0xAAF6},
	{0xABE3, 0xABEA}, {0xABEC, 0xABED}, {0xFB1E, 0xFB1E}, {0xFE20, 0xFE2F},
	{0x101FD, 0x101FD}, {0x102E0, 0x102E0}, {0x10376, 0x1037A}, {0x10A01, 0x10A03},
	{0x10A05, 0x10A06}, {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A}, {0x10A3F, 0x10A3F},
	{0x10AE5, 0x10AE6}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC}, {0x10F46, 0x10F50},
	{0x10F82, 0x10F85}, {0x11000, 0x11002}, {0x11038, 0x11046}, {0x11070, 0x11070},
	{0x11073, 0x11074}, {0x1107F, 0x11082}, {0x110B0, 0x110BA}, {0x110C2, 0x110C2},
	{0x11100, 0x11102}, {0x11127, 0x11134}, {0x11145, 0x11146}, {0x11173, 0x11173},
	{0x11180, 0x11182}, {0x111B3, 0x111C0}, {0x111C9, 0x111CC}, {0x111CE, 0x111CF},
	{0x1122C, 0x11237}, {0x1123E, 0x1123E}, {0x112DF, 0x112EA}, {0x11300, 0x11303},
	{0x1133B, 0x1133C}, {0x1133E, 0x11344}, {0x11347, 0x11348}, {0x1134B, 0x1134D},
	{0x11357, 0x11357}, {0x11362, 0x11363}, {0x11366, 0x1136C}, {0x11370, 0x11374},
	{0x11435, 0x11446}, {0x1145E, 0x1145E}, {0x114B0, 0x114C3}, {0x115AF, 0x115B5},
	{0x115B8, 0x115C0}, {0x115DC, 0x115DD}, {0x11630, 0x11640}, {0x116AB, 0x116B7},
	{0x1171D, 0x1172B}, {0x1182C, 0x1183A}, {0x11930, 0x11935}, {0x11937, 0x11938},
	{0x1193B, 0x1193E}, {0x11940, 0x11940}, {0x11942, 0x11943}, {0x119D1, 0x119D7},
	{0x119DA, 0x119E0}, {0x119E4, 0x119E4}, {0x11A01, 0x11A0A}, {0x11A33, 0x11A39},
	{0x11A3B, 0x11A3E}, {0x11A47, 0x11A47}, {0x11A51, 0x11A5B}, {0x11A8A, 0x11A99},
	{0x11C2F, 0x11C36}, {0x11C38, 0x11C3F}, {0x11C92, 0x11CA7}, {0x11CA9, 0x11CB6},
	{0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D45},
	{0x11D47, 0x11D47}, {0x11D8A, 0x11D8E}, {0x11D90, 0x11D91}, {0x11D93, 0x11D97},
	{0x11EF3, 0x11EF6}, {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36}, {0x16F4F, 0x16F4F},
	{0x16F51, 0x16F87}, {0x16F8F, 0x16F92}, {0x16FE4, 0x16FE4}, {0x16FF0, 0x16FF1},
	{0x1BC9D, 0x1BC9E}, {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1D165, 0x1D169},
	{0x1D16D, 0x1D172}, {0x1D17B, 0x1D182}, {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD},
	{0x1D242, 0x1D244}, {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75},
	{0x1DA84, 0x1DA84}, {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1E000, 0x1E006},
	{0x1E008, 0x1E018}, {0x1E01B, 0x1E021}, {0x1E023, 0x1E024}, {0x1E026, 0x1E02A},
	{0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF}, {0x1E8D0, 0x1E8D6},
	{0x1E944, 0x1E94A}
};

static bool is_mark_cp(uint32_t cp)
{
	return cp >= 0x300 && in_ranges(mark_ranges, sizeof(mark_ranges) / sizeof(mark_ranges[0]), cp);
}

static inline size_t gap_len(const char *text, size_t i, size_t n);

/* A code point of a word for boundaries and NEAR's word counts: UCP \w or a mark. */
static bool in_word(uint32_t cp) { return scrm_topics_is_word_cp(cp) || is_mark_cp(cp); }

/* Decode one UTF-8 sequence at s[0..n); invalid bytes decode as themselves (U+0080..). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
	if (k == 0 || k > n) {
		*cp = 0x80; /* stray byte: not a word character */
		return 1;
	}
	uint32_t v = k == 1 ? c : k == 2 ? (c & 0x1Fu) : k == 3 ? (c & 0x0Fu) : (c & 0x07u);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0x80;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	*cp = v;
	return k;
}

static uint32_t count_words(const char *s, size_t n)
{
	uint32_t w = 0;
	bool in = false;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += utf8_next((const unsigned char *)s + i, n - i, &cp);
		bool wc = in_word(cp);
		if (wc && !in)
			w++;
		in = wc;
	}
	return w;
}

/* ------------------------------------------------------------------------------ */
/* Compile                                                                          */

struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_putn(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_puts(struct sb *b, const char *s) { sb_putn(b, s, strlen(s)); }

/* Literal text as a pattern: ASCII punctuation escaped, UTF-8 passed through. */
static void sb_literal(struct sb *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (c < 0x80 && !alnum) {
			char e[5];
			if (c < 0x20 || c == 0x7F)
				snprintf(e, sizeof(e), "\\x%02x", c);
			else
				snprintf(e, sizeof(e), "\\%c", c);
			sb_puts(b, e);
		} else {
			/* ASCII letters lower-cased: every literal compiles caseless, so "REFUND"
			 * and "refund" are one pattern (and `refund -REFUND` is seen never to match) */
			if (c >= 'A' && c <= 'Z')
				c |= 0x20;
			sb_putn(b, (const char *)&c, 1);
		}
	}
}

struct build {
	scrm_topics *t;
	const scrm_rules *r;
	bool oom;
	bool neg;  /* generating under an odd number of NOTs */
	uint32_t *seen;   /* open addressing: pattern id + 1 by pattern_key(), to share patterns */
	uint32_t seen_cap; /* a power of two, at least twice the patterns */
};

/* What makes two leaves one pattern: expression, flags and boundary checks. */
static uint64_t pattern_key(const char *expr, unsigned flags, uint8_t lb, uint8_t rb)
{
	return XXH3_64bits_withSeed(expr, strlen(expr), (uint64_t)flags << 2 | (uint64_t)lb << 1 | rb);
}

/* The slot of a pattern like this one in b->seen: its id + 1, or the empty slot for it. */
static uint32_t *seen_slot(struct build *b, const char *expr, unsigned flags, uint8_t lb, uint8_t rb)
{
	const scrm_topics *t = b->t;
	uint32_t x = (uint32_t)pattern_key(expr, flags, lb, rb) & (b->seen_cap - 1);
	for (;; x = (x + 1) & (b->seen_cap - 1)) {
		uint32_t id = b->seen[x];
		if (!id)
			return &b->seen[x];
		const struct pattern *p = &t->pats[id - 1];
		if (p->flags == flags && p->lb == lb && p->rb == rb && !strcmp(p->expr, expr))
			return &b->seen[x];
	}
}

/* Room in b->seen for one more pattern (rehashed at half full). */
static bool seen_reserve(struct build *b)
{
	if (2 * (b->t->npats + 1) <= b->seen_cap)
		return true;
	uint32_t cap = b->seen_cap ? 2 * b->seen_cap : 256, old = b->seen_cap;
	uint32_t *prev = b->seen;
	b->seen = calloc(cap, sizeof(*b->seen));
	if (!b->seen) {
		b->seen = prev;
		return false;
	}
	b->seen_cap = cap;
	for (uint32_t i = 0; i < old; i++)
		if (prev[i]) {
			const struct pattern *p = &b->t->pats[prev[i] - 1];
			*seen_slot(b, p->expr, p->flags, p->lb, p->rb) = prev[i];
		}
	free(prev);
	return true;
}

#define GROW(b, arr, n, cap)                                                                  \
	do {                                                                                  \
		if ((n) == (cap)) {                                                           \
			uint32_t nc_ = (cap) ? (cap) * 2 : 32;                                \
			void *np_ = realloc((arr), nc_ * sizeof(*(arr)));                     \
			if (!np_) {                                                           \
				(b)->oom = true;                                              \
				return 0;                                                     \
			}                                                                     \
			(arr) = np_;                                                          \
			(cap) = nc_;                                                          \
		}                                                                             \
	} while (0)

/*
 * Word boundaries. Hyperscan refuses \b with HS_FLAG_UCP, and without UCP \w is ASCII
 * only (a boundary would split "café"); spelling a boundary as (?:^|\W) with UCP costs
 * 50-180 ms of compile time and ~190 KB per pattern (measured here). So literals are
 * compiled as plain caseless UTF-8 literals (with start-of-match reporting where their
 * length varies, see below), and the match callback checks the code points on each side
 * with scrm_topics_is_word_cp(), a copy of Hyperscan's own UCP \w table. An edge
 * in a script written without spaces (Han, kana, Thai, ...) gets no check: there a
 * boundary would forbid nearly every match.
 */
static bool is_spaceless(uint32_t cp)
{
	return (cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
	       (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x3040 && cp <= 0x30FF) ||
	       (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF66 && cp <= 0xFF9F) ||
	       (cp >= 0x20000 && cp <= 0x3FFFF);
}

static bool edge_needs_boundary(const char *s, size_t n, bool last)
{
	if (!n)
		return false;
	size_t i = 0;
	if (last) {
		i = n - 1;
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
			i--;
	}
	uint32_t cp;
	utf8_next((const unsigned char *)s + i, n - i, &cp);
	return in_word(cp) && !is_spaceless(cp);
}

/* Hyperscan's reading of the regex s[0, len): true, with the widths of its matches in
 * bytes (*max UINT_MAX: unbounded), when it accepts it; *oom when out of memory. */
static bool regex_widths(const char *s, size_t len, unsigned flags, bool *oom, unsigned *min, unsigned *max)
{
	char *re = strndup(s, len);
	if (!re) {
		*oom = true;
		return false;
	}
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *ce = NULL;
	bool ok = hs_expression_info(re, flags, &info, &ce) == HS_SUCCESS;
	if (ok) {
		*min = info->min_width;
		*max = info->max_width;
	}
	hs_free_compile_error(ce);
	free(info);
	free(re);
	return ok;
}

/*
 * A regex's final \b that applies to all of it is checked by the callback (RB_ASCII, see
 * re_boundary.h), where Hyperscan accepts both forms and the shorter one matches at least
 * one byte. The tests topics/regex_trailing_and_leading_boundary and ..._random compare
 * both forms.
 */
static bool regex_trailing_boundary(const char *s, size_t len, unsigned flags, bool *oom)
{
	unsigned min, max;
	return scrm_re_trailing_boundary(s, len) && regex_widths(s, len, flags, oom, &min, &max) &&
	       regex_widths(s, len - 2, flags, oom, &min, &max) && min > 0;
}

/*
 * A regex's first \b that applies to all of it (re_boundary.h) is checked by the callback
 * too (LB_ASCII) where the rest matches a fixed number of bytes: its width, returned
 * here (0 when it varies, is 0 or Hyperscan rejects it). The tests
 * topics/regex_trailing_and_leading_boundary and topics/regex_leading_boundary_random
 * compare both forms on random texts.
 */
static uint32_t regex_width(const char *s, size_t len, unsigned flags, bool *oom)
{
	unsigned min, max;
	return regex_widths(s, len, flags, oom, &min, &max) && min == max && max != UINT_MAX ? min : 0;
}

static int set_byte(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
	(void)id, (void)from, (void)fl;
	uint64_t *set = ctx;
	if (to >= 1 && to <= 128)
		set[(to - 1) >> 6] |= UINT64_C(1) << ((to - 1) & 63);
	return 0;
}

/* The ASCII bytes the one-byte atom a[0, n) matches (see struct bytepat): false when it
 * is not one (or on OOM: *oom). */
static bool atom_set(const char *a, size_t n, unsigned flags, uint64_t set[2], bool *oom)
{
	unsigned min, max;
	set[0] = set[1] = 0;
	if (!regex_widths(a, n, flags, oom, &min, &max) || min != 1 || max != 1)
		return false;
	char *re = strndup(a, n);
	hs_database_t *db = NULL;
	hs_compile_error_t *ce = NULL;
	hs_scratch_t *sc = NULL;
	bool ok = false;
	if (!re) {
		*oom = true;
	} else if (hs_compile(re, flags, HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
	} else if (hs_alloc_scratch(db, &sc) != HS_SUCCESS) {
		*oom = true;
	} else {
		char all[128];
		for (int i = 0; i < 128; i++)
			all[i] = (char)i;
		ok = hs_scan(db, all, sizeof all, 0, sc, set_byte, set) == HS_SUCCESS && (set[0] | set[1]);
	}
	hs_free_scratch(sc);
	hs_free_database(db);
	free(re);
	return ok;
}

static bool set_has(const uint64_t set[2], unsigned char c) { return c < 128 && (set[c >> 6] >> (c & 63) & 1); }

static unsigned set_count(const uint64_t set[2])
{
	return (unsigned)(scrm_popcount64(set[0]) + scrm_popcount64(set[1]));
}

/* Whether the regex s[0, len) is anchored on one byte (struct bytepat); its reading in
 * *bp (pat not set). */
static bool byte_regex(const char *s, size_t len, unsigned flags, struct bytepat *bp, bool *oom)
{
	static const char *const ends[] = {"(\\s|$)", "(?:\\s|$)", "($|\\s)", "(?:$|\\s)"};
	if (flags & HS_FLAG_MULTILINE)
		return false;
	memset(bp, 0, sizeof *bp);
	for (size_t k = 0; k < sizeof ends / sizeof ends[0] && !bp->end; k++) {
		size_t n = strlen(ends[k]);
		if (len > n && !memcmp(s + len - n, ends[k], n)) {
			bp->end = BEND_SPACE_OR_DOLLAR;
			len -= n;
			if (!atom_set("\\s", 2, flags, bp->space, oom))
				return false;
		}
	}
	if (!bp->end && len > 1 && s[len - 1] == '$') {
		size_t k = 0; /* backslashes before it: an odd count escapes it */
		while (k < len - 1 && s[len - 2 - k] == '\\')
			k++;
		if (k % 2 == 0) {
			bp->end = BEND_DOLLAR;
			len--;
		}
	}
	uint64_t pos[BYTE_POS_MAX][2];
	unsigned npos = 0;
	bool literal = true; /* every position one byte: a literal, which Hyperscan finds well */
	for (size_t i = 0; i < len;) {
		size_t a = i;
		char c = s[i];
		if (c == '\\') {
			if (i + 1 >= len || strchr("xcQEpPNokgu", s[i + 1]) || (s[i + 1] >= '0' && s[i + 1] <= '9'))
				return false;
			i += 2;
		} else if (c == '[') {
			size_t j = i + 1;
			if (j < len && s[j] == '^')
				j++;
			if (j < len && s[j] == ']')
				j++;
			while (j < len && s[j] != ']') {
				if (s[j] == '[' || (s[j] == '\\' && (j + 1 >= len || strchr("xcQEpPNo", s[j + 1]))))
					return false;
				j += s[j] == '\\' ? 2 : 1;
			}
			if (j >= len)
				return false;
			i = j + 1;
		} else if ((unsigned char)c >= 0x80 || strchr("^$|()*+?{}.]", c)) {
			return false;
		} else {
			i++;
		}
		size_t an = i - a;
		unsigned count = 1;
		if (i < len && s[i] == '{') {
			size_t j = i + 1;
			count = 0;
			while (j < len && s[j] >= '0' && s[j] <= '9' && count <= BYTE_POS_MAX)
				count = count * 10 + (unsigned)(s[j++] - '0');
			if (j == i + 1 || j >= len || s[j] != '}' || !count)
				return false;
			i = j + 1;
		}
		if (i < len && strchr("?*+{", s[i]))
			return false;
		if (npos + count > BYTE_POS_MAX)
			return false;
		uint64_t set[2];
		if (!atom_set(s + a, an, flags, set, oom))
			return false;
		literal &= set_count(set) == 1;
		for (unsigned k = 0; k < count; k++, npos++)
			pos[npos][0] = set[0], pos[npos][1] = set[1];
	}
	if (literal && !bp->end)
		return false;
	/* the anchor: the first position that is one punctuation byte */
	unsigned at = npos;
	for (unsigned k = 0; k < npos && at == npos; k++) {
		if (set_count(pos[k]) != 1)
			continue;
		unsigned char b = (unsigned char)(pos[k][0] ? __builtin_ctzll(pos[k][0]) : 64 + __builtin_ctzll(pos[k][1]));
		if (!((b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') || b == '_')) {
			at = k;
			bp->byte = b;
		}
	}
	if (at == npos)
		return false;
	bp->nlead = (uint8_t)at;
	bp->ntail = (uint8_t)(npos - at - 1);
	for (unsigned k = 0, o = 0; k < npos; k++)
		if (k != at) {
			bp->set[o][0] = pos[k][0];
			bp->set[o++][1] = pos[k][1];
		}
	return true;
}

/* Pattern id for leaf @n (created or shared); UINT32_MAX on OOM. */
static uint32_t leaf_pattern(struct build *b, const scrm_rules_node *n)
{
	scrm_topics *t = b->t;
	struct sb e = {0};
	bool multi = false;
	size_t lit = 0; /* bytes of text a literal matches (ASCII, no case folding) */
	unsigned flags = HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_CASELESS;
	const char *s = n->text;
	size_t len = n->len;
	uint32_t nwords = count_words(s, len);
	uint8_t lb = LB_NONE, rb = RB_NONE;
	uint32_t width = 0; /* a regex stripped of its first \b: the bytes every match spans */
	struct bytepat bp;
	bool is_byte = false; /* a regex found by one byte (struct bytepat) */
	switch (n->kind) {
	case SCRM_NODE_TERM:
	case SCRM_NODE_PHRASE: {
		/* words apart by spaces, TABs or Unicode spaces, as in the text (gap_len) */
		size_t g;
		while (len && (g = gap_len(s, 0, len)))
			s += g, len -= g;
		while (len) { /* and the gap that ends it, if one does */
			size_t st = len - 1;
			while (st > 0 && len - st < 3 && ((unsigned char)s[st] & 0xC0) == 0x80)
				st--;
			if (st + gap_len(s, st, len) != len)
				break;
			len = st;
		}
		lb = edge_needs_boundary(s, len, false);
		rb = !n->wildcard && edge_needs_boundary(s, len, true);
		for (size_t i = 0; i < len;) {
			size_t j = i;
			while (j < len && !gap_len(s, j, len))
				j++;
			sb_literal(&e, s + i, j - i);
			lit += j - i;
			if (j == len)
				break;
			/* One space: any whitespace run between the words is found by the
			 * gaps pass (scan_gaps) */
			sb_puts(&e, "\\ ");
			multi = true;
			lit++;
			while (j < len && (g = gap_len(s, j, len)))
				j += g;
			i = j;
		}
		break;
	}
	case SCRM_NODE_HASHTAG:
	case SCRM_NODE_MENTION:
		lb = LB_WORD;
		rb = edge_needs_boundary(s, len, true);
		sb_puts(&e, n->kind == SCRM_NODE_HASHTAG ? "#" : "@");
		sb_literal(&e, s, len);
		lit = len + 1;
		break;
	case SCRM_NODE_REGEX:
		/* No UCP: users write \b, which Hyperscan refuses in UCP mode; \w, \b are ASCII. */
		flags = HS_FLAG_UTF8;
		if (n->regex_flags & SCRM_RE_CASELESS)
			flags |= HS_FLAG_CASELESS;
		if (n->regex_flags & SCRM_RE_DOTALL)
			flags |= HS_FLAG_DOTALL;
		if (n->regex_flags & SCRM_RE_MULTILINE)
			flags |= HS_FLAG_MULTILINE;
		if (regex_trailing_boundary(s, len, flags, &b->oom)) {
			len -= 2;
			rb = RB_ASCII;
		}
		if (scrm_re_leading_boundary(s, len) && (width = regex_width(s + 2, len - 2, flags, &b->oom))) {
			s += 2;
			len -= 2;
			lb = LB_ASCII;
		}
		sb_putn(&e, s, len);
		is_byte = byte_regex(s, len, flags, &bp, &b->oom);
		break;
	default: assert(0); break;
	}
	/* The left boundary needs the match start. An ASCII literal matches a fixed number
	 * of bytes when Unicode case folding is off (no UCP: 'k' must not match the Kelvin
	 * sign anyway), a phrase too in the main database, where its words are one space
	 * apart, so its start is end - length; reporting the start of match (SOM) costs
	 * ~15% of scan time, so only non-ASCII literals pay for it (and, in the gaps
	 * database, every phrase). An ASCII literal has no UTF-8 flag either: its bytes
	 * match the same offsets in either mode, and without the flag Hyperscan builds a
	 * database that scans the generated corpus about 8% faster (and compiles in half
	 * the time). */
	uint32_t fixed = width;
	if (n->kind != SCRM_NODE_REGEX) {
		bool ascii = true;
		for (size_t i = 0; i < len; i++)
			ascii &= (unsigned char)s[i] < 0x80;
		if (ascii) {
			fixed = (uint32_t)lit;
			flags = HS_FLAG_CASELESS;
		}
	}
	if (lb && !fixed)
		flags |= HS_FLAG_SOM_LEFTMOST;
	if (e.oom || !e.p) {
		free(e.p);
		b->oom = true;
		return UINT32_MAX;
	}
	if (!seen_reserve(b)) {
		free(e.p);
		b->oom = true;
		return UINT32_MAX;
	}
	uint32_t *slot = seen_slot(b, e.p, flags, lb, rb);
	if (*slot) {
		free(e.p);
		return *slot - 1;
	}
	if (t->npats == t->cappats) {
		uint32_t cap = t->cappats ? t->cappats * 2 : 32;
		struct pattern *p = realloc(t->pats, cap * sizeof(*p));
		if (!p) {
			free(e.p);
			b->oom = true;
			return UINT32_MAX;
		}
		t->pats = p;
		t->cappats = cap;
	}
	struct sb d = {0};
	switch (n->kind) {
	case SCRM_NODE_PHRASE: sb_puts(&d, "\""); sb_putn(&d, n->text, n->len); sb_puts(&d, "\""); break;
	case SCRM_NODE_HASHTAG: sb_puts(&d, "#"); sb_putn(&d, n->text, n->len); break;
	case SCRM_NODE_MENTION: sb_puts(&d, "@"); sb_putn(&d, n->text, n->len); break;
	case SCRM_NODE_REGEX:
		sb_puts(&d, "/");
		sb_putn(&d, n->text, n->len);
		sb_puts(&d, "/");
		if (n->regex_flags & SCRM_RE_CASELESS)
			sb_puts(&d, "i");
		if (n->regex_flags & SCRM_RE_DOTALL)
			sb_puts(&d, "s");
		if (n->regex_flags & SCRM_RE_MULTILINE)
			sb_puts(&d, "m");
		break;
	default: sb_putn(&d, n->text, n->len); if (n->wildcard) sb_puts(&d, "*"); break;
	}
	if (d.oom || !d.p) {
		free(d.p);
		free(e.p);
		b->oom = true;
		return UINT32_MAX;
	}
	struct pattern *p = &t->pats[t->npats];
	memset(p, 0, sizeof(*p));
	p->expr = e.p;
	p->disp = d.p;
	p->flags = flags;
	p->lb = lb;
	p->rb = rb;
	p->is_regex = n->kind == SCRM_NODE_REGEX;
	p->multi = multi;
	p->fixed = fixed;
	p->nwords = (uint8_t)(nwords > 255 ? 255 : nwords);
	if (is_byte) {
		struct bytepat *nb = realloc(t->bpats, (t->nbpats + 1) * sizeof *nb);
		if (!nb) {
			free(d.p);
			free(e.p);
			b->oom = true;
			return UINT32_MAX;
		}
		t->bpats = nb;
		bp.pat = t->npats;
		nb[t->nbpats++] = bp;
		p->byte = 1;
	}
	p->line = n->line;
	p->col = n->col;
	*slot = t->npats + 1;
	return t->npats++;
}

static int emit(struct build *b, uint8_t code, uint32_t arg)
{
	scrm_topics *t = b->t;
	GROW(b, t->ops, t->nops, t->capops);
	t->ops[t->nops].code = code;
	t->ops[t->nops].neg = b->neg;
	t->ops[t->nops].n = 0;
	t->ops[t->nops].arg = arg;
	t->nops++;
	return 1;
}

static int add_str(struct build *b, const char *s, uint32_t *idx)
{
	scrm_topics *t = b->t;
	for (uint32_t i = 0; i < t->nstrs; i++)
		if (!strcasecmp(t->strs[i], s)) {
			*idx = i;
			return 1;
		}
	GROW(b, t->strs, t->nstrs, t->capstrs);
	t->strs[t->nstrs] = strdup(s);
	if (!t->strs[t->nstrs]) {
		b->oom = true;
		return 0;
	}
	*idx = t->nstrs++;
	return 1;
}

/* Pattern ids of the positional leaves under @i into near_pat[]. */
static int near_leaves(struct build *b, int32_t i)
{
	const scrm_rules_node *n = scrm_rules_node_at(b->r, i);
	if (n->kind == SCRM_NODE_OR)
		return near_leaves(b, n->a) && near_leaves(b, n->b);
	uint32_t p = leaf_pattern(b, n);
	if (p == UINT32_MAX)
		return 0;
	b->t->pats[p].near = 1;
	scrm_topics *t = b->t;
	GROW(b, t->near_pat, t->nnear_pat, t->capnear_pat);
	t->near_pat[t->nnear_pat++] = p;
	return 1;
}

/* Postfix code for node @i; returns the stack depth it needs (0 on OOM). */
static uint32_t gen(struct build *b, int32_t i)
{
	const scrm_rules_node *n = scrm_rules_node_at(b->r, i);
	uint32_t d1, d2, idx;
	switch (n->kind) {
	case SCRM_NODE_TERM:
	case SCRM_NODE_PHRASE:
	case SCRM_NODE_HASHTAG:
	case SCRM_NODE_MENTION:
	case SCRM_NODE_REGEX:
		idx = leaf_pattern(b, n);
		return idx != UINT32_MAX && emit(b, OP_TERM, idx) ? 1 : 0;
	case SCRM_NODE_FROM:
	case SCRM_NODE_LANG:
		if (!add_str(b, n->text, &idx))
			return 0;
		return emit(b, n->kind == SCRM_NODE_FROM ? OP_FROM : OP_LANG, idx) ? 1 : 0;
	case SCRM_NODE_NOT:
		b->neg = !b->neg;
		d1 = gen(b, n->a);
		b->neg = !b->neg;
		return d1 && emit(b, OP_NOT, 0) ? d1 : 0;
	case SCRM_NODE_AND:
	case SCRM_NODE_OR:
		d1 = gen(b, n->a);
		d2 = d1 ? gen(b, n->b) : 0;
		if (!d2 || !emit(b, n->kind == SCRM_NODE_AND ? OP_AND : OP_OR, 0))
			return 0;
		return d1 > d2 + 1 ? d1 : d2 + 1;
	case SCRM_NODE_NEAR: {
		scrm_topics *t = b->t;
		GROW(b, t->nears, t->nnears, t->capnears);
		struct near nr = {.n = n->near, .a_off = t->nnear_pat};
		if (!near_leaves(b, n->a))
			return 0;
		nr.a_n = t->nnear_pat - nr.a_off;
		nr.b_off = t->nnear_pat;
		if (!near_leaves(b, n->b))
			return 0;
		nr.b_n = t->nnear_pat - nr.b_off;
		t->nears[t->nnears] = nr;
		return emit(b, OP_NEAR, t->nnears++) ? 1 : 0;
	}
	}
	return 0;
}

#define ALWAYS UINT32_MAX

/* The key of a from: or lang: leaf: after the patterns, two per string (from, lang). */
static uint32_t field_key(const scrm_topics *t, const struct op *o)
{
	return t->npats + 2 * o->arg + (o->code == OP_LANG);
}

/*
 * The patterns that trigger topic @i: the topic can only be true when one of them
 * matched, so it is evaluated only then. Abstract evaluation of its program over sets of
 * patterns, kept as a stack in buf[] (each entry's patterns follow the one below it):
 * a leaf is its pattern(s) (from: and lang: their field key); NEAR needs both sides, one
 * is enough; AND keeps one operand; OR the union; NOT needs no pattern (ALWAYS), nor does
 * OR with such an operand. Of two sides the cheaper is kept: the one whose patterns the
 * fewest topics use (uses[]), since a pattern that many topics share (a brand's name,
 * before each of its products) is likely a frequent one; on a tie the right side.
 * Returns the count of patterns in buf[0..], which may repeat, or ALWAYS: the topic can
 * match without any.
 */
static uint64_t uses_of(const uint32_t *uses, const uint32_t *p, uint32_t n)
{
	uint64_t c = 0;
	for (uint32_t i = 0; i < n; i++)
		c += uses[p[i]];
	return c;
}

static uint32_t topic_triggers(const scrm_topics *t, uint32_t i, const uint32_t *uses, uint32_t *buf,
			       uint32_t *stk_n)
{
	const struct topic *tp = &t->topics[i];
	uint32_t sp = 0, top = 0; /* entries; end of the last entry's patterns in buf */
	for (uint32_t j = 0; j < tp->op_n; j++) {
		const struct op *o = &t->ops[tp->op_off + j];
		switch (o->code) {
		case OP_TERM: buf[top++] = o->arg; stk_n[sp++] = 1; break;
		case OP_NEAR: {
			const struct near *nr = &t->nears[o->arg];
			bool a = uses_of(uses, t->near_pat + nr->a_off, nr->a_n) <
				 uses_of(uses, t->near_pat + nr->b_off, nr->b_n);
			uint32_t off = a ? nr->a_off : nr->b_off, n = a ? nr->a_n : nr->b_n;
			memcpy(buf + top, t->near_pat + off, n * sizeof(*buf));
			top += n;
			stk_n[sp++] = n;
			break;
		}
		case OP_FROM:
		case OP_LANG: buf[top++] = field_key(t, o); stk_n[sp++] = 1; break;
		case OP_NOT:
			top -= stk_n[sp - 1] == ALWAYS ? 0 : stk_n[sp - 1];
			stk_n[sp - 1] = ALWAYS;
			break;
		case OP_AND:
		case OP_OR: {
			uint32_t y = stk_n[--sp], x = stk_n[sp - 1];
			uint32_t yn = y == ALWAYS ? 0 : y, xn = x == ALWAYS ? 0 : x;
			uint32_t yo = top - yn, xo = yo - xn;
			if (o->code == OP_OR) {
				stk_n[sp - 1] = x == ALWAYS || y == ALWAYS ? ALWAYS : xn + yn;
				if (stk_n[sp - 1] == ALWAYS)
					top = xo;
			} else if (y != ALWAYS &&
				   (x == ALWAYS || uses_of(uses, buf + yo, yn) <= uses_of(uses, buf + xo, xn))) {
				memmove(buf + xo, buf + yo, yn * sizeof(*buf));
				top = xo + yn;
				stk_n[sp - 1] = yn;
			} else {
				top = xo + xn; /* keep x (or both ALWAYS) */
			}
			break;
		}
		}
	}
	assert(sp == 1);
	return stk_n[0];
}

/* Which topics each pattern triggers (CSR, two passes), and the topics that can match
 * without any pattern (always evaluated). */
static bool link_patterns(scrm_topics *t)
{
	uint32_t cap = 1;
	for (uint32_t i = 0; i < t->ntopics; i++) {
		uint32_t n = 0;
		for (uint32_t j = 0; j < t->topics[i].op_n; j++) {
			const struct op *o = &t->ops[t->topics[i].op_off + j];
			n += o->code == OP_NEAR ? t->nears[o->arg].a_n + t->nears[o->arg].b_n : 1;
		}
		cap = n > cap ? n : cap;
	}
	t->nkeys = t->npats + 2 * t->nstrs;
	size_t nk = t->nkeys ? t->nkeys : 1;
	uint32_t *buf = malloc(cap * sizeof(*buf)), *stk = malloc(cap * sizeof(*stk));
	uint32_t *last = malloc(nk * sizeof(uint32_t));
	uint32_t *fill = calloc(nk, sizeof(uint32_t));
	uint32_t *uses = calloc(nk, sizeof(uint32_t));
	t->always = malloc((t->ntopics ? t->ntopics : 1) * sizeof(uint16_t));
	t->key_off = calloc(nk, sizeof(uint32_t));
	t->key_n = calloc(nk, sizeof(uint32_t));
	bool ok = false;
	if (!buf || !stk || !last || !fill || !uses || !t->always || !t->key_off || !t->key_n)
		goto out;
	for (uint32_t p = 0; p < t->nkeys; p++)
		last[p] = UINT32_MAX;
	for (uint32_t i = 0; i < t->ntopics; i++) /* how many topics use each pattern */
		for (uint32_t j = 0; j < t->topics[i].op_n; j++) {
			const struct op *o = &t->ops[t->topics[i].op_off + j];
			uint32_t fk = o->code == OP_FROM || o->code == OP_LANG ? field_key(t, o) : o->arg;
			const uint32_t *list = &fk;
			uint32_t n = o->code == OP_TERM || o->code == OP_FROM || o->code == OP_LANG;
			if (o->code == OP_NEAR) {
				list = t->near_pat + t->nears[o->arg].a_off;
				n = t->nears[o->arg].a_n + t->nears[o->arg].b_n; /* b follows a */
			}
			for (uint32_t k = 0; k < n; k++)
				if (last[list[k]] != i) {
					last[list[k]] = i;
					uses[list[k]]++;
				}
		}
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t p = 0; p < t->nkeys; p++)
			last[p] = UINT32_MAX;
		for (uint32_t i = 0; i < t->ntopics; i++) {
			uint32_t n = topic_triggers(t, i, uses, buf, stk);
			if (n == ALWAYS) {
				if (pass == 0)
					t->always[t->nalways++] = (uint16_t)i;
				continue;
			}
			for (uint32_t k = 0; k < n; k++) {
				uint32_t p = buf[k];
				if (last[p] == i)
					continue;
				last[p] = i;
				if (pass == 0)
					t->key_n[p]++;
				else
					t->topic_of[t->key_off[p] + fill[p]++] = (uint16_t)i;
			}
		}
		if (pass == 0) {
			uint32_t total = 0;
			for (uint32_t p = 0; p < t->nkeys; p++) {
				t->key_off[p] = total;
				total += t->key_n[p];
			}
			t->topic_of = malloc((total ? total : 1) * sizeof(uint16_t));
			if (!t->topic_of)
				goto out;
		}
	}
	ok = true;
out:
	free(buf);
	free(stk);
	free(last);
	free(fill);
	free(uses);
	return ok;
}

/* The first NEAR of @t equal to near @k (the same distance and leaves, either side first:
 * NEAR holds in either order): one variable for the same NEAR written twice. */
static uint32_t near_canon(const scrm_topics *t, uint32_t k)
{
	const struct near *b = &t->nears[k];
	const uint32_t *np = t->near_pat;
	for (uint32_t i = 0; i < k; i++) {
		const struct near *a = &t->nears[i];
		if (a->n != b->n)
			continue;
		if (a->a_n == b->a_n && a->b_n == b->b_n && !memcmp(np + a->a_off, np + b->a_off, a->a_n * sizeof *np) &&
		    !memcmp(np + a->b_off, np + b->b_off, a->b_n * sizeof *np))
			return i;
		if (a->a_n == b->b_n && a->b_n == b->a_n && !memcmp(np + a->a_off, np + b->b_off, a->a_n * sizeof *np) &&
		    !memcmp(np + a->b_off, np + b->a_off, a->b_n * sizeof *np))
			return i;
	}
	return k;
}

/* The primary subtag's length of a language code: up to its first '-' or '_'. */
static size_t lang_primary(const char *v, size_t n)
{
	size_t p = 0;
	while (p < n && v[p] != '-' && v[p] != '_')
		p++;
	return p;
}

/* Whether lang: value @p is the primary subtag of value @c (en of en-GB). */
static bool lang_primary_of(const char *p, const char *c)
{
	size_t pn = strlen(p), cn = strlen(c), cp = lang_primary(c, cn);
	return lang_primary(p, pn) == pn && cp < cn && cp == pn && strncasecmp(p, c, pn) == 0;
}

/* Whether lang: values @a and @b can both hold for one record: the same code, or one
 * the other's primary subtag (lang:en and lang:en-gb, for en-GB). */
static bool langs_nest(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0 || lang_primary_of(a, b) || lang_primary_of(b, a);
}

/*
 * Contradiction check: a search for an assignment of the topic's distinct leaves (terms,
 * from:, lang:, and each NEAR's "near enough") that satisfies it, with at most one lang:
 * and one from: true. The query is evaluated in three values (false, true, unknown) under
 * the leaves set so far, so a branch stops as soon as the query is settled, and only a
 * leaf the unsettled part depends on is set next (true first). A query the search cannot settle within SAT_STEPS op evaluations is not shown
 * never to match.
 */
#define SAT_STEPS 2000000
enum { F3 = 0, T3 = 1, U3 = 2 };

struct sat {
	const struct op *ops;
	uint32_t nops;
	const uint32_t *opvar;  /* per op: its leaf's variable (a NEAR: its own) */
	const uint32_t *nearv;  /* per NEAR op (by op index): its leaves' variables, a side then b */
	const uint32_t *nearv_off;
	const struct near *nears;
	const uint8_t *kind;
	const uint32_t *key;   /* per variable: its leaf's key (lang: a string index) */
	char *const *strs;     /* the topics' from:/lang: values */
	uint32_t nvars;
	uint8_t *val, *st;
	uint8_t *node;          /* per op: the value of its subquery in the last evaluation */
	const uint32_t *start;  /* per op: the first op of its subquery */
	long steps;
};

static uint8_t and3(uint8_t a, uint8_t b) { return a == F3 || b == F3 ? F3 : a == T3 && b == T3 ? T3 : U3; }
static uint8_t or3(uint8_t a, uint8_t b) { return a == T3 || b == T3 ? T3 : a == F3 && b == F3 ? F3 : U3; }

static uint8_t sat_eval(struct sat *s)
{
	uint32_t sp = 0;
	s->steps -= s->nops;
	for (uint32_t i = 0; i < s->nops; i++) {
		const struct op *o = &s->ops[i];
		switch (o->code) {
		case OP_TERM:
		case OP_FROM:
		case OP_LANG: s->st[sp++] = s->val[s->opvar[i]]; break;
		case OP_NEAR: {
			const struct near *nr = &s->nears[o->arg];
			const uint32_t *lv = s->nearv + s->nearv_off[i];
			uint8_t a = F3, b = F3;
			for (uint32_t j = 0; j < nr->a_n; j++)
				a = or3(a, s->val[lv[j]]);
			for (uint32_t j = 0; j < nr->b_n; j++)
				b = or3(b, s->val[lv[nr->a_n + j]]);
			s->st[sp++] = and3(and3(a, b), s->val[s->opvar[i]]);
			break;
		}
		case OP_NOT: s->st[sp - 1] = s->st[sp - 1] == U3 ? U3 : (uint8_t)!s->st[sp - 1]; break;
		case OP_AND: sp--; s->st[sp - 1] = and3(s->st[sp - 1], s->st[sp]); break;
		case OP_OR: sp--; s->st[sp - 1] = or3(s->st[sp - 1], s->st[sp]); break;
		}
		s->node[i] = s->st[sp - 1];
	}
	return sp ? s->st[0] : T3;
}

/* A variable not yet set that the unsettled subquery ending at op @i depends on. */
static uint32_t sat_pick(const struct sat *s, uint32_t i)
{
	for (;;) {
		const struct op *o = &s->ops[i];
		switch (o->code) {
		case OP_NOT: i--; continue;
		case OP_AND:
		case OP_OR: {
			uint32_t left = s->start[i - 1] - 1;
			i = s->node[left] == U3 ? left : i - 1;
			continue;
		}
		case OP_NEAR: { /* a side, b side, near enough: the first one unsettled */
			const struct near *nr = &s->nears[o->arg];
			const uint32_t *lv = s->nearv + s->nearv_off[i];
			uint8_t a = F3;
			for (uint32_t j = 0; j < nr->a_n; j++)
				a = or3(a, s->val[lv[j]]);
			uint32_t from = a == U3 ? 0 : nr->a_n, to = a == U3 ? nr->a_n : nr->a_n + nr->b_n;
			for (uint32_t j = from; j < to; j++)
				if (s->val[lv[j]] == U3)
					return lv[j];
			return s->opvar[i];
		}
		default: return s->opvar[i];
		}
	}
}

/* Whether setting from:/lang: leaf @v to @x contradicts the leaves set so far: a record
 * has one author and one language, and a language with a region is its primary one too
 * (en-GB is en: lang:en-gb true with lang:en false cannot be). */
static bool field_conflict(const struct sat *s, uint32_t v, uint8_t x)
{
	uint8_t k = s->kind[v];
	if (k != OP_LANG && k != OP_FROM)
		return false;
	for (uint32_t w = 0; w < s->nvars; w++) {
		if (w == v || s->kind[w] != k || s->val[w] == U3)
			continue;
		if (k == OP_FROM) {
			if (x == T3 && s->val[w] == T3)
				return true;
			continue;
		}
		const char *a = s->strs[s->key[v]], *b = s->strs[s->key[w]];
		if (x == T3 && s->val[w] == T3 && !langs_nest(a, b))
			return true;
		if (x == T3 && s->val[w] == F3 && lang_primary_of(b, a))
			return true;
		if (x == F3 && s->val[w] == T3 && lang_primary_of(a, b))
			return true;
	}
	return false;
}

/* 1: satisfiable from here (or not settled within the budget), 0: not. */
static int sat_search(struct sat *s)
{
	if (s->steps < 0)
		return 1;
	uint8_t r = sat_eval(s);
	if (r != U3)
		return r == T3;
	uint32_t v = sat_pick(s, s->nops - 1);
	int rc = 0;
	if (!field_conflict(s, v, T3)) {
		s->val[v] = T3;
		rc = sat_search(s);
	}
	if (!rc && !field_conflict(s, v, F3)) {
		s->val[v] = F3;
		rc = sat_search(s);
	}
	s->val[v] = U3;
	return rc;
}

/* The distinct leaves of a query, found by (kind, key) through an open-addressing table
 * (a linear search made the check quadratic in a topic's terms). */
struct sat_vars {
	uint32_t *key;
	uint8_t *kind;
	uint32_t n;
	uint32_t *slot; /* variable + 1; 0: empty */
	size_t mask;
};

/* The variable of leaf (@kind, @key), added when new. */
static uint32_t sat_var(struct sat_vars *vs, uint8_t kind, uint32_t key)
{
	uint64_t h = ((uint64_t)kind << 32 | key) * 0x9E3779B97F4A7C15ull;
	size_t x = (size_t)(h >> 32) & vs->mask;
	for (; vs->slot[x]; x = (x + 1) & vs->mask) {
		uint32_t v = vs->slot[x] - 1;
		if (vs->kind[v] == kind && vs->key[v] == key)
			return v;
	}
	uint32_t v = vs->n++;
	vs->kind[v] = kind;
	vs->key[v] = key;
	vs->slot[x] = v + 1;
	return v;
}

static bool never_matches(const scrm_topics *t, const struct topic *tp)
{
	const struct op *ops = t->ops + tp->op_off;
	uint32_t n = tp->op_n, nleaves = 0;
	for (uint32_t i = 0; i < n; i++)
		if (ops[i].code == OP_NEAR)
			nleaves += t->nears[ops[i].arg].a_n + t->nears[ops[i].arg].b_n;
	size_t cap = (size_t)n + nleaves + 1;
	uint32_t *var_key = malloc(cap * sizeof *var_key), *opvar = malloc(n * sizeof *opvar),
		 *nearv = malloc((nleaves + 1) * sizeof *nearv), *nearv_off = malloc(n * sizeof *nearv_off);
	uint8_t *var_kind = malloc(cap), *val = malloc(cap), *st = malloc(n + 1), *node = malloc(n + 1);
	uint32_t *start = malloc((n + 1) * sizeof *start);
	size_t scap = 16;
	while (scap < 2 * cap)
		scap *= 2;
	struct sat_vars vs = {.key = var_key, .kind = var_kind, .slot = calloc(scap, sizeof(uint32_t)), .mask = scap - 1};
	bool never = false;
	if (!var_key || !opvar || !nearv || !nearv_off || !var_kind || !val || !st || !node || !start || !vs.slot || !n)
		goto out; /* out of memory (or nothing to check): not shown */
	uint32_t nl = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t k = ops[i].code;
		start[i] = k == OP_NOT ? start[i - 1] : k == OP_AND || k == OP_OR ? start[start[i - 1] - 1] : i;
		if (k == OP_TERM || k == OP_FROM || k == OP_LANG) {
			opvar[i] = sat_var(&vs, k, ops[i].arg);
		} else if (k == OP_NEAR) {
			/* a variable of its own too: whether its A and B were near enough is
			 * free (under a negation, "never near" must not read as "never") */
			opvar[i] = sat_var(&vs, OP_NEAR, near_canon(t, ops[i].arg));
			const struct near *nr = &t->nears[ops[i].arg];
			nearv_off[i] = nl;
			for (uint32_t j = 0; j < nr->a_n + nr->b_n; j++)
				nearv[nl++] = sat_var(&vs, OP_TERM, t->near_pat[nr->a_off + j]);
		}
	}
	memset(val, U3, vs.n);
	struct sat s = {.ops = ops, .nops = n, .opvar = opvar, .nearv = nearv, .nearv_off = nearv_off,
			.nears = t->nears, .kind = var_kind, .key = var_key, .strs = t->strs, .nvars = vs.n, .val = val,
			.st = st, .node = node, .start = start, .steps = SAT_STEPS};
	never = sat_search(&s) == 0;
out:
	free(var_key);
	free(opvar);
	free(nearv);
	free(nearv_off);
	free(var_kind);
	free(val);
	free(st);
	free(node);
	free(start);
	free(vs.slot);
	return never;
}

/* The main database's flags of @p: SINGLEMATCH only where the first match settles it
 * (SOM excludes it anyway). */
static unsigned hs_flags_of(const struct pattern *p)
{
	return p->flags | (p->near || p->lb || p->rb ? 0 : HS_FLAG_SINGLEMATCH);
}

/*
 * After hs_compile_multi() failed: compile each pattern alone so that every rejected
 * pattern is reported, not only the first. A regex error's "at index N" moves the
 * caret onto the offending character. Return: how many were reported.
 */
static unsigned report_rejected(const scrm_topics *t, const scrm_rules *r, char *err, size_t errlen)
{
	unsigned bad = 0;
	for (uint32_t i = 0; i < t->npats; i++) {
		const struct pattern *p = &t->pats[i];
		hs_database_t *db = NULL;
		hs_compile_error_t *ce = NULL;
		if (p->byte) /* not in the database */
			continue;
		if (hs_compile(p->expr, hs_flags_of(p), HS_MODE_BLOCK, NULL, &db, &ce) == HS_SUCCESS) {
			hs_free_database(db);
			continue;
		}
		uint32_t col = p->col;
		const char *at = ce ? strstr(ce->message, " at index ") : NULL;
		if (p->is_regex && at) {
			unsigned long idx = strtoul(at + 10, NULL, 10);
			col++; /* the opening '/' */
			for (unsigned long k = 0; k < idx && p->expr[k]; k++)
				col += ((unsigned char)p->expr[k] & 0xC0) != 0x80;
		}
		char msg[512];
		snprintf(msg, sizeof(msg), "Hyperscan rejects this pattern (%s): %s", p->expr,
			 ce ? ce->message : "unknown error");
		scrm_rules_format_error(r, p->line, col, msg, err, errlen);
		hs_free_compile_error(ce);
		bad++;
	}
	return bad;
}

/* A hash of s[0, n) that ignores ASCII case, eight bytes a step (a from: handle or a
 * lang: code is looked up for every record: the byte-by-byte FNV it replaces was a chain
 * of a multiply per byte). */
static uint64_t fold_hash(const char *s, size_t n)
{
	const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
	uint64_t h = (uint64_t)n * k, w;
	for (; n >= 8; s += 8, n -= 8) {
		h = (h ^ scrm_lower8(scrm_load8(s))) * k;
		h ^= h >> 29;
	}
	if (n) { /* the last 1-7 bytes by 4, 2 and 1: fixed-size loads, no memcpy call */
		unsigned sh = 0;
		w = 0;
		if (n & 4) {
			uint32_t x;
			memcpy(&x, s, 4);
			w = x;
			s += 4;
			sh = 32;
		}
		if (n & 2) {
			uint16_t x;
			memcpy(&x, s, 2);
			w |= (uint64_t)x << sh;
			s += 2;
			sh += 16;
		}
		if (n & 1)
			w |= (uint64_t)(unsigned char)*s << sh;
		h = (h ^ scrm_lower8(w)) * k;
		h ^= h >> 29;
	}
	return h ^ (h >> 32);
}

/* The from:/lang: values by fold_hash, for mark_field(). */
static bool field_map(scrm_topics *t)
{
	if (!t->nstrs)
		return true;
	uint32_t cap = 8;
	while (cap < 2 * t->nstrs)
		cap *= 2;
	t->fmap = calloc(cap, sizeof(*t->fmap));
	if (!t->fmap)
		return false;
	t->fmap_mask = cap - 1;
	for (uint32_t i = 0; i < t->nstrs; i++) {
		uint32_t x = (uint32_t)fold_hash(t->strs[i], strlen(t->strs[i])) & t->fmap_mask;
		while (t->fmap[x])
			x = (x + 1) & t->fmap_mask;
		t->fmap[x] = i + 1;
	}
	return true;
}

/*
 * The programs eval_topic() runs: each term is a one-pattern OP_ANY, and an OR of two
 * OP_ANY (the top two entries of the stack when they are the last two ops) merges them
 * into one, whose patterns are contiguous in fpat[] (they were appended in that order).
 * "(a OR b OR c) (d OR e) -f" is then 4 ops instead of 11: fewer dispatches, which cost
 * a mispredicted indirect branch each as often as not.
 */
static bool fast_programs(scrm_topics *t)
{
	t->fops = malloc((t->nops ? t->nops : 1) * sizeof(*t->fops));
	t->fpat = malloc((t->nops ? t->nops : 1) * sizeof(*t->fpat));
	if (!t->fops || !t->fpat)
		return false;
	uint32_t nf = 0, np = 0;
	for (uint32_t i = 0; i < t->ntopics; i++) {
		struct topic *tp = &t->topics[i];
		tp->fop_off = nf;
		for (uint32_t j = 0; j < tp->op_n; j++) {
			struct op o = t->ops[tp->op_off + j];
			if (o.code == OP_TERM || o.code == OP_FROM || o.code == OP_LANG) {
				t->fpat[np] = o.code == OP_TERM ? o.arg : field_key(t, &o);
				o.code = OP_ANY;
				o.arg = np++;
				o.n = 1;
			} else if (o.code == OP_OR && nf - tp->fop_off >= 2 && t->fops[nf - 1].code == OP_ANY &&
				   t->fops[nf - 2].code == OP_ANY && t->fops[nf - 2].n + t->fops[nf - 1].n <= UINT16_MAX) {
				t->fops[nf - 2].n = (uint16_t)(t->fops[nf - 2].n + t->fops[nf - 1].n);
				nf--;
				continue;
			}
			t->fops[nf++] = o;
		}
		tp->fop_n = nf - tp->fop_off;
	}
	return true;
}

/*
 * Truth tables. A topic whose program has no NEAR and at most 6 OP_ANY groups is a
 * boolean function of those groups: its value for each of the 2^k assignments is
 * worked out here, once, and eval_topic() looks it up from the groups' bits instead of
 * dispatching on each op (an indirect branch each, mispredicted as often as not).
 */
#define TRUTH_MAX_GROUPS 6

/* NOT, AND or OR on the program stack st[0..*sp) of eval_topic() and truth_tables(). */
static inline void stack_op(uint8_t *st, uint32_t *sp, uint8_t code)
{
	switch (code) {
	case OP_NOT: st[*sp - 1] = !st[*sp - 1]; break;
	case OP_AND: --*sp; st[*sp - 1] &= st[*sp]; break;
	case OP_OR: --*sp; st[*sp - 1] |= st[*sp]; break;
	}
}

/* The masks of OP_ANY group @o (struct gmask); m[0] == 0 when they take more than two words. */
static void group_mask(const scrm_topics *t, const struct op *o, struct gmask *g)
{
	memset(g, 0, sizeof *g);
	uint32_t used = 0;
	for (uint32_t k = 0; k < o->n; k++) {
		uint32_t p = t->fpat[o->arg + k], w = p >> 6, i = 0;
		while (i < used && g->w[i] != w)
			i++;
		if (i == used) {
			if (used == 2) {
				memset(g, 0, sizeof *g);
				return;
			}
			g->w[used++] = w;
		}
		g->m[i] |= UINT64_C(1) << (p & 63);
	}
	if (used == 1)
		g->w[1] = g->w[0]; /* m[1] == 0: the second AND adds nothing */
}

static bool truth_tables(scrm_topics *t)
{
	t->tgrp = malloc((t->nops ? t->nops : 1) * sizeof(*t->tgrp));
	t->gmask = malloc((t->nops ? t->nops : 1) * sizeof(*t->gmask));
	if (!t->tgrp || !t->gmask)
		return false;
	uint32_t ng = 0;
	for (uint32_t i = 0; i < t->ntopics; i++) {
		struct topic *tp = &t->topics[i];
		const struct op *f = t->fops + tp->fop_off;
		uint32_t k = 0;
		bool ok = tp->fop_n <= 64;
		for (uint32_t j = 0; j < tp->fop_n && ok; j++) {
			ok = f[j].code != OP_NEAR;
			k += f[j].code == OP_ANY;
		}
		tp->tgroups = 0;
		if (!ok || k == 0 || k > TRUTH_MAX_GROUPS)
			continue;
		uint64_t truth = 0;
		for (uint32_t a = 0; a < (1u << k); a++) {
			uint8_t st[64];
			uint32_t sp = 0, g = 0;
			for (uint32_t j = 0; j < tp->fop_n; j++) {
				if (f[j].code == OP_ANY)
					st[sp++] = (a >> g++) & 1;
				else
					stack_op(st, &sp, f[j].code);
			}
			assert(sp == 1);
			truth |= (uint64_t)st[0] << a;
		}
		tp->truth = truth;
		tp->tgroup_off = ng;
		tp->tgroups = (uint8_t)k;
		for (uint32_t j = 0; j < tp->fop_n; j++)
			if (f[j].code == OP_ANY) {
				group_mask(t, &f[j], &t->gmask[ng]);
				t->tgrp[ng++] = f[j];
			}
	}
	return true;
}

/*
 * The compiled-database cache (scrm_topics_compile_cached). A file per database pair,
 * named by a 128-bit hash of everything the compile depends on: this format's version,
 * Hyperscan's version and this CPU's platform (hs_populate_platform), and each pattern's
 * expression, flags and whether the gaps database holds it. The file is a header (the
 * magic, the key itself, the pattern and guest counts, the two lengths), a checksum over
 * the header and the two serialized databases, then the databases; one that does not
 * check out (another key's file under this name, a database of another mode or of
 * patterns it does not hold) is compiled again and replaced. Read only when it is a
 * regular file. Written under a temporary name and renamed, so a reader never sees half
 * a file, and a failed write only costs the next run its compile.
 */
#define CACHE_MAGIC "SCRM-TOPICS-HSDB-3\n" /* 3: the key and counts in the header */

/* The header after the magic: key[2], npats, nguest, the two lengths. */
enum { CACHE_HDR = 6 };

static bool cache_key(const scrm_topics *t, const scrm_topics_guest *g, uint64_t key[2])
{
	hs_platform_info_t plat;
	memset(&plat, 0, sizeof plat); /* padding included: hashed as bytes */
	if (hs_populate_platform(&plat) != HS_SUCCESS)
		return false;
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		return false;
	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, CACHE_MAGIC, sizeof CACHE_MAGIC);
	const char *ver = hs_version();
	XXH3_128bits_update(st, ver, strlen(ver) + 1);
	XXH3_128bits_update(st, &plat, sizeof plat);
	for (uint32_t i = 0; i < t->npats; i++) {
		const struct pattern *p = &t->pats[i];
		uint32_t meta[3] = {hs_flags_of(p), p->multi, p->byte != 0};
		XXH3_128bits_update(st, meta, sizeof meta);
		XXH3_128bits_update(st, p->expr, strlen(p->expr) + 1);
	}
	if (g) { /* without guests, the key is what it was before there were any */
		uint64_t gk[2] = {g->key, g->n};
		XXH3_128bits_update(st, gk, sizeof gk);
	}
	XXH128_hash_t h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	key[0] = h.high64;
	key[1] = h.low64;
	return true;
}

/* The checksum of a cache file: its header words and the two databases. */
static uint64_t cache_sum(const uint64_t hdr[CACHE_HDR], const char *b0, const char *b1)
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		return 0;
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, hdr, CACHE_HDR * sizeof hdr[0]);
	XXH3_64bits_update(st, b0, hdr[4]);
	XXH3_64bits_update(st, b1 ? b1 : "", hdr[5]);
	uint64_t sum = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return sum;
}

/* A deserialized database fit for this scrm: block mode (a streaming one scans nothing). */
static bool block_mode(const hs_database_t *db)
{
	char *info = NULL;
	bool ok = hs_database_info(db, &info) == HS_SUCCESS && info && strstr(info, "Mode: BLOCK");
	free(info);
	return ok;
}

/* Load the cache file @path of @key into t->db and t->gaps: 0, or a negative errno
 * (-EINVAL: not a file of this key, or damaged). */
static int cache_load(scrm_topics *t, const char *path, const uint64_t key[2])
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO must not block */
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	char magic[sizeof CACHE_MAGIC];
	uint64_t hdr[CACHE_HDR], sum;
	char *blob = NULL;
	int rc = -EINVAL;
	const uint64_t fixed = sizeof magic + sizeof hdr + sizeof sum;
	if (fread(magic, 1, sizeof magic, f) != sizeof magic || memcmp(magic, CACHE_MAGIC, sizeof magic) ||
	    fread(hdr, sizeof hdr[0], CACHE_HDR, f) != CACHE_HDR || fread(&sum, sizeof sum, 1, f) != 1 ||
	    hdr[0] != key[0] || hdr[1] != key[1] || hdr[2] != t->npats || hdr[3] != t->nguest || hdr[4] == 0 ||
	    hdr[4] > (uint64_t)st.st_size || hdr[5] > (uint64_t)st.st_size ||
	    fixed + hdr[4] + hdr[5] != (uint64_t)st.st_size)
		goto out; /* the lengths must add up to the file's size before anything is allocated */
	blob = malloc(hdr[4] + hdr[5]);
	if (!blob) {
		rc = -ENOMEM;
		goto out;
	}
	if (fread(blob, 1, hdr[4] + hdr[5], f) != hdr[4] + hdr[5] || fgetc(f) != EOF ||
	    cache_sum(hdr, blob, blob + hdr[4]) != sum)
		goto out;
	if (hs_deserialize_database(blob, hdr[4], &t->db) != HS_SUCCESS) {
		t->db = NULL;
		goto out;
	}
	if (hdr[5] && hs_deserialize_database(blob + hdr[4], hdr[5], &t->gaps) != HS_SUCCESS)
		t->gaps = NULL;
	if (!block_mode(t->db) || (hdr[5] && (!t->gaps || !block_mode(t->gaps)))) {
		hs_free_database(t->db);
		hs_free_database(t->gaps);
		t->db = t->gaps = NULL;
		goto out;
	}
	rc = 0;
out:
	free(blob);
	fclose(f);
	return rc;
}

static int cache_store(const scrm_topics *t, const char *path, const uint64_t key[2])
{
	char *b[2] = {NULL, NULL};
	size_t n[2] = {0, 0};
	if (hs_serialize_database(t->db, &b[0], &n[0]) != HS_SUCCESS ||
	    (t->gaps && hs_serialize_database(t->gaps, &b[1], &n[1]) != HS_SUCCESS)) {
		free(b[0]);
		return -ENOMEM;
	}
	uint64_t hdr[CACHE_HDR] = {key[0], key[1], t->npats, t->nguest, n[0], n[1]};
	uint64_t sum = cache_sum(hdr, b[0], b[1]);
	char tmp[4160];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%p", path, (long)getpid(), (const void *)t);
	int rc = -EIO;
	FILE *f = fopen(tmp, "wb");
	if (!f)
		rc = -errno;
	if (f) {
		bool ok = fwrite(CACHE_MAGIC, 1, sizeof CACHE_MAGIC, f) == sizeof CACHE_MAGIC &&
			  fwrite(hdr, sizeof hdr[0], CACHE_HDR, f) == CACHE_HDR && fwrite(&sum, sizeof sum, 1, f) == 1 &&
			  fwrite(b[0], 1, n[0], f) == n[0] && (!n[1] || fwrite(b[1], 1, n[1], f) == n[1]);
		ok &= fclose(f) == 0;
		rc = ok && rename(tmp, path) == 0 ? 0 : -EIO;
		if (rc)
			unlink(tmp);
	}
	free(b[0]);
	free(b[1]);
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compile(scrm_topics **out, const scrm_rules *r, const char *cache_dir, const scrm_topics_guest *guest,
		   char *err, size_t errlen);

int scrm_topics_compile_rules(scrm_topics **out, const scrm_rules *r, const char *cache_dir,
			      const scrm_topics_guest *guest, char *err, size_t errlen)
{
	char buf[4096];
	const char *v;
	if (!cache_dir && (v = scrm_rules_get(r, "rules-cache", NULL)) &&
	    scrm_rules_resolve_path(r, v, buf, sizeof buf) == 0)
		cache_dir = buf;
	bool no_dir = false;
	if (cache_dir && *cache_dir && scrm_mkdir_parents(cache_dir) != 0 && errno != EEXIST) {
		cache_dir = NULL; /* no cache; the compile itself goes on */
		no_dir = true;
	}
	int rc = compile(out, r, cache_dir, guest, err, errlen);
	if (rc == 0 && no_dir)
		(*out)->cache = SCRM_TOPICS_CACHE_FAILED; /* as a cache file that cannot be written */
	return rc;
}

int scrm_topics_compile(scrm_topics **out, const scrm_rules *r, char *err, size_t errlen)
{
	return scrm_topics_compile_cached(out, r, NULL, err, errlen);
}

static int bytepat_cmp(const void *a, const void *b)
{
	const struct bytepat *x = a, *y = b;
	if (x->byte != y->byte)
		return x->byte < y->byte ? -1 : 1;
	return x->pat < y->pat ? -1 : x->pat > y->pat;
}

int scrm_topics_compile_cached(scrm_topics **out, const scrm_rules *r, const char *cache_dir, char *err,
			       size_t errlen)
{
	return compile(out, r, cache_dir, NULL, err, errlen);
}

static int compile(scrm_topics **out, const scrm_rules *r, const char *cache_dir, const scrm_topics_guest *guest,
		   char *err, size_t errlen)
{
	assert(out && r);
	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	double t0 = now_ms();
	scrm_topics *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	struct build b = {.t = t, .r = r};
	int rc = -ENOMEM;
	uint32_t n = 0;
	for (uint32_t i = 0; i < scrm_rules_stmt_count(r); i++) {
		scrm_rules_stmt_kind k = scrm_rules_stmt_at(r, i)->kind;
		n += k == SCRM_STMT_TOPIC || k == SCRM_STMT_CUE;
	}
	if (n > UINT16_MAX) {
		snprintf(err, errlen, "%s: more than %u topics and cues\n", scrm_rules_file(r), UINT16_MAX);
		rc = -E2BIG;
		goto fail;
	}
	t->topics = calloc(n ? n : 1, sizeof(*t->topics));
	if (!t->topics)
		goto fail;
	for (uint32_t i = 0; i < scrm_rules_stmt_count(r); i++) {
		const scrm_rules_stmt *s = scrm_rules_stmt_at(r, i);
		if (s->kind != SCRM_STMT_TOPIC && s->kind != SCRM_STMT_CUE)
			continue;
		struct topic *tp = &t->topics[t->ntopics];
		tp->name = strdup(s->name);
		if (!tp->name)
			goto fail;
		t->ntopics++;
		tp->is_cue = s->kind == SCRM_STMT_CUE;
		tp->line = s->line;
		tp->op_off = t->nops;
		uint32_t depth = gen(&b, s->root);
		if (!depth || b.oom)
			goto fail;
		tp->op_n = t->nops - tp->op_off;
		if (depth > t->max_stack)
			t->max_stack = depth;
	}
	free(b.seen);
	b.seen = NULL;
	if (!link_patterns(t) || !fast_programs(t) || !truth_tables(t) || !field_map(t))
		goto fail;
	if (t->nbpats == t->npats) {
		/* nothing else for Hyperscan: the regexes of one byte go there too */
		for (uint32_t i = 0; i < t->npats; i++)
			t->pats[i].byte = 0;
		t->nbpats = 0;
	}
	/* by byte (one memchr() pass each), then pattern id */
	if (t->nbpats)
		qsort(t->bpats, t->nbpats, sizeof *t->bpats, bytepat_cmp);
	if (t->npats) {
		/* guests only beside patterns of the file's own (without, the caller scans them) */
		uint32_t ng_max = guest ? guest->n : 0;
		for (uint32_t i = 0; i < ng_max; i++)
			if (guest->ids[i] >= SCRM_TOPICS_GUEST_MAX) {
				snprintf(err, errlen, "%s: a guest pattern id out of range\n", scrm_rules_file(r));
				rc = -EINVAL;
				goto fail;
			}
		const char **exprs = malloc((t->npats + ng_max) * sizeof(*exprs));
		unsigned *flags = malloc((t->npats + ng_max) * sizeof(*flags));
		unsigned *ids = malloc((t->npats + ng_max) * sizeof(*ids));
		if (!exprs || !flags || !ids) {
			free(exprs);
			free(flags);
			free(ids);
			goto fail;
		}
		uint32_t ndb = 0;
		for (uint32_t i = 0; i < t->npats; i++) {
			if (t->pats[i].byte)
				continue;
			exprs[ndb] = t->pats[i].expr;
			flags[ndb] = hs_flags_of(&t->pats[i]);
			ids[ndb++] = i;
		}
		for (uint32_t i = 0; i < ng_max; i++) {
			exprs[ndb + i] = guest->exprs[i];
			flags[ndb + i] = guest->flags[i];
			ids[ndb + i] = GUEST_BASE + guest->ids[i];
		}
		t->nguest = ng_max;
		for (uint32_t i = 0; i < ng_max; i++)
			if (guest->ids[i] >= t->guest_lim)
				t->guest_lim = guest->ids[i] + 1;
		uint64_t key[2] = {0, 0};
		char path[4096];
		bool cached = cache_dir && *cache_dir && cache_key(t, guest, key) &&
			      snprintf(path, sizeof path, "%s/topics-%016llx%016llx.hsdb", cache_dir,
				       (unsigned long long)key[0], (unsigned long long)key[1]) < (int)sizeof path;
		hs_error_t he = HS_SUCCESS;
		if (cached && cache_load(t, path, key) == 0) {
			t->cache = SCRM_TOPICS_CACHE_HIT;
		} else {
			hs_compile_error_t *ce = NULL;
			he = hs_compile_multi(exprs, flags, ids, ndb + ng_max, HS_MODE_BLOCK, NULL, &t->db, &ce);
			if (he != HS_SUCCESS && !report_rejected(t, r, err, errlen))
				snprintf(err, errlen, "%s: Hyperscan compile failed: %s\n", scrm_rules_file(r),
					 ce ? ce->message : "unknown error");
			hs_free_compile_error(ce);
			ce = NULL;
			/* The gaps database: the phrases alone, same ids (see scan_gaps) */
			uint32_t ng = 0;
			for (uint32_t i = 0; i < ndb && he == HS_SUCCESS; i++)
				if (t->pats[ids[i]].multi) {
					exprs[ng] = exprs[i];
					flags[ng] = flags[i];
					ids[ng++] = ids[i];
				}
			if (ng && he == HS_SUCCESS) {
				he = hs_compile_multi(exprs, flags, ids, ng, HS_MODE_BLOCK, NULL, &t->gaps, &ce);
				if (he != HS_SUCCESS)
					snprintf(err, errlen, "%s: Hyperscan compile failed (phrases): %s\n",
						 scrm_rules_file(r), ce ? ce->message : "unknown error");
				hs_free_compile_error(ce);
			}
			if (he == HS_SUCCESS && cached)
				t->cache = cache_store(t, path, key) == 0 ? SCRM_TOPICS_CACHE_STORED : SCRM_TOPICS_CACHE_FAILED;
		}
		free(exprs);
		free(flags);
		free(ids);
		if (he != HS_SUCCESS) {
			rc = -EINVAL;
			goto fail;
		}
		/* one scratch serves both databases */
		if (hs_alloc_scratch(t->db, &t->proto) != HS_SUCCESS ||
		    (t->gaps && hs_alloc_scratch(t->gaps, &t->proto) != HS_SUCCESS))
			goto fail;
		hs_database_size(t->db, &t->db_size);
		size_t gsz = 0;
		if (t->gaps && hs_database_size(t->gaps, &gsz) == HS_SUCCESS)
			t->db_size += gsz;
	}
	t->compile_ms = now_ms() - t0;
	*out = t;
	return 0;
fail:
	free(b.seen);
	if (rc == -ENOMEM && err && errlen && !err[0])
		snprintf(err, errlen, "%s: out of memory\n", scrm_rules_file(r));
	scrm_topics_free(t);
	return rc;
}

void scrm_topics_free(scrm_topics *t)
{
	if (!t)
		return;
	free(t->bpats);
	hs_free_scratch(t->proto);
	hs_free_database(t->db);
	hs_free_database(t->gaps);
	for (uint32_t i = 0; i < t->npats; i++) {
		free(t->pats[i].expr);
		free(t->pats[i].disp);
	}
	for (uint32_t i = 0; i < t->ntopics; i++)
		free(t->topics[i].name);
	for (uint32_t i = 0; i < t->nstrs; i++)
		free(t->strs[i]);
	free(t->pats);
	free(t->topics);
	free(t->ops);
	free(t->fops);
	free(t->tgrp);
	free(t->gmask);
	free(t->fpat);
	free(t->nears);
	free(t->near_pat);
	free(t->strs);
	free(t->topic_of);
	free(t->key_off);
	free(t->key_n);
	free(t->fmap);
	free(t->always);
	free(t);
}

uint32_t scrm_topics_count(const scrm_topics *t) { return t->ntopics; }

const char *scrm_topics_name(const scrm_topics *t, uint16_t id)
{
	assert(id < t->ntopics);
	return t->topics[id].name;
}

int scrm_topics_is_cue(const scrm_topics *t, uint16_t id)
{
	assert(id < t->ntopics);
	return t->topics[id].is_cue;
}

uint32_t scrm_topics_line(const scrm_topics *t, uint16_t id)
{
	assert(id < t->ntopics);
	return t->topics[id].line;
}

int scrm_topics_never_matches(const scrm_topics *t, uint16_t id)
{
	assert(id < t->ntopics);
	return never_matches(t, &t->topics[id]); /* only scrm check asks: computed then */
}

uint32_t scrm_topics_pattern_count(const scrm_topics *t) { return t->npats; }
uint32_t scrm_topics_byte_regex_count(const scrm_topics *t) { return t->nbpats; }
int scrm_topics_cache_state(const scrm_topics *t) { return t->cache; }
size_t scrm_topics_db_size(const scrm_topics *t) { return t->db_size; }
double scrm_topics_compile_ms(const scrm_topics *t) { return t->compile_ms; }

static int count_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *ctx)
{
	(void)id, (void)from, (void)to, (void)flags;
	++*(uint64_t *)ctx; /* a side effect, so that the scan is not a no-op to anyone */
	return 0;
}

/* ns per text of one pass over texts[0..n) with @db; < 0: failed */
static double time_pass(const hs_database_t *db, hs_scratch_t *s, const char *const *texts, const size_t *lens,
			size_t n, uint64_t *hits)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < n; i++)
		if (hs_scan(db, texts[i], (unsigned)(lens[i] < UINT32_MAX ? lens[i] : UINT32_MAX), 0, s, count_match,
			    hits) != HS_SUCCESS)
			return -1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n;
}

int scrm_topics_scan_cost(const scrm_topics *t, const char *const *texts, const size_t *lens, size_t n,
			  scrm_topics_cost *out)
{
	memset(out, 0, sizeof *out);
	if (!t || !t->db || !n)
		return -EINVAL;
	out->patterns = t->npats;
	const char **exprs = malloc(t->npats * sizeof(*exprs));
	unsigned *flags = malloc(t->npats * sizeof(*flags)), *ids = malloc(t->npats * sizeof(*ids));
	hs_database_t *lit = NULL;
	hs_scratch_t *s = NULL, *ls = NULL;
	int rc = -ENOMEM;
	if (!exprs || !flags || !ids)
		goto out;
	uint32_t k = 0;
	for (uint32_t i = 0; i < t->npats; i++) {
		if (t->pats[i].byte) {
			out->byte_regexes++; /* not in the database: found by memchr() */
			continue;
		}
		if (t->pats[i].is_regex) {
			out->regexes++;
			continue;
		}
		exprs[k] = t->pats[i].expr;
		flags[k] = hs_flags_of(&t->pats[i]);
		ids[k++] = i;
	}
	rc = -EIO;
	hs_compile_error_t *ce = NULL;
	if (out->regexes && k && hs_compile_multi(exprs, flags, ids, k, HS_MODE_BLOCK, NULL, &lit, &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
		goto out;
	}
	if (hs_alloc_scratch(t->db, &s) != HS_SUCCESS || (lit && hs_alloc_scratch(lit, &ls) != HS_SUCCESS))
		goto out;
	/* The two databases pass by pass, so that both see the same machine; the best pass
	 * of each, after a warm-up pass, over at least 3 passes and about 0.2 s. */
	uint64_t hits = 0;
	double spent = 0, best = -1, best_lit = -1;
	for (int pass = -1; pass < 3 || (spent < 2e8 && pass < 200); pass++) {
		double a = time_pass(t->db, s, texts, lens, n, &hits), b = lit ? time_pass(lit, ls, texts, lens, n, &hits) : 0;
		if (a < 0 || b < 0)
			goto out;
		if (pass < 0)
			continue;
		spent += (a + b) * (double)n;
		best = best < 0 || a < best ? a : best;
		best_lit = best_lit < 0 || b < best_lit ? b : best_lit;
	}
	out->ns_per_text = best;
	/* no other pattern: the scan without regexes is no scan */
	out->ns_without_regexes = !out->regexes ? best : best_lit;
	rc = 0;
out:
	hs_free_scratch(s);
	hs_free_scratch(ls);
	hs_free_database(lit);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* ------------------------------------------------------------------------------ */
/* Match                                                                            */

int scrm_topics_scratch_create(scrm_topics_scratch **out, const scrm_topics *t)
{
	*out = NULL;
	scrm_topics_scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->t = t;
	size_t pw = (t->nkeys + 63) / 64, tw = (t->ntopics + 63) / 64;
	s->pat_bits = calloc(pw ? pw : 1, sizeof(uint64_t));
	s->pat_list = malloc((t->nkeys ? t->nkeys : 1) * sizeof(uint32_t));
	s->cand_bits = calloc(tw ? tw : 1, sizeof(uint64_t));
	s->cands = malloc((t->ntopics ? t->ntopics : 1) * sizeof(uint16_t));
	s->stack = malloc(t->max_stack + 1);
	s->xstart = malloc((t->max_stack + 1) * sizeof *s->xstart);
	size_t xmax = 1; /* the most leaves one topic's program can list */
	for (uint32_t i = 0; i < t->ntopics; i++) {
		size_t n = 0;
		for (uint32_t j = 0; j < t->topics[i].fop_n; j++) {
			const struct op *o = &t->fops[t->topics[i].fop_off + j];
			n += o->code == OP_ANY ? o->n : o->code == OP_NEAR ? t->nears[o->arg].a_n + t->nears[o->arg].b_n : 0;
		}
		xmax = n > xmax ? n : xmax;
	}
	s->xterm = malloc(xmax * sizeof *s->xterm);
	s->pos_cap = 1024;
	s->pos = malloc(s->pos_cap * sizeof *s->pos);
	if (!s->pat_bits || !s->pat_list || !s->cand_bits || !s->cands || !s->stack || !s->pos || !s->xstart ||
	    !s->xterm)
		goto fail;
	if (t->proto && hs_clone_scratch(t->proto, &s->hs) != HS_SUCCESS)
		goto fail;
	if (t->gaps) { /* texts up to 1 KiB never allocate in the gaps pass */
		s->norm_cap = 1024;
		s->norm = malloc(s->norm_cap);
		s->map = malloc(s->norm_cap * sizeof(*s->map));
		if (!s->norm || !s->map)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	scrm_topics_scratch_free(s);
	return -ENOMEM;
}

void scrm_topics_scratch_free(scrm_topics_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s->pat_bits);
	free(s->pat_list);
	free(s->cand_bits);
	free(s->cands);
	free(s->stack);
	free(s->xstart);
	free(s->xterm);
	free(s->pos);
	free(s->norm);
	free(s->map);
	free(s);
}

static bool prev_is_word(const char *text, size_t at)
{
	if ((unsigned char)text[at - 1] < 0x80)
		return ascii_word[(unsigned char)text[at - 1]];
	size_t i = at - 1, stop = at > 4 ? at - 4 : 0;
	while (i > stop && ((unsigned char)text[i] & 0xC0) == 0x80)
		i--;
	uint32_t cp;
	if (i + utf8_next((const unsigned char *)text + i, at - i, &cp) != at)
		cp = 0x80; /* broken sequence: not a word character */
	return in_word(cp);
}

static bool next_is_word(const char *text, size_t n)
{
	if ((unsigned char)text[0] < 0x80)
		return ascii_word[(unsigned char)text[0]];
	uint32_t cp;
	utf8_next((const unsigned char *)text, n, &cp);
	return in_word(cp);
}

static void add_cand(scrm_topics_scratch *s, uint16_t topic)
{
	uint64_t bit = UINT64_C(1) << (topic & 63);
	if (s->cand_bits[topic >> 6] & bit)
		return;
	s->cand_bits[topic >> 6] |= bit;
	s->cands[s->ncands++] = topic;
}

/* Twice the room for NEAR positions (rare: a scratch starts with room for 1,024). */
static __attribute__((noinline, cold)) bool grow_pos(scrm_topics_scratch *s)
{
	struct pos *np = s->pos_cap < UINT32_MAX / 2 ? realloc(s->pos, 2 * (size_t)s->pos_cap * sizeof *np) : NULL;
	if (!np) {
		s->oom = true;
		return false;
	}
	s->pos = np;
	s->pos_cap *= 2;
	return true;
}

/* Pattern @id matched s->text[from, to): check its word boundaries, record it. */
static inline __attribute__((always_inline)) int hit(scrm_topics_scratch *s, unsigned id, size_t from, size_t to)
{
	const struct pattern *p = &s->t->pats[id];
	if (p->lb == LB_WORD && from > 0 && prev_is_word(s->text, (size_t)from))
		return 0;
	if (p->lb == LB_ASCII && !scrm_re_boundary_at(s->text, s->len, from))
		return 0;
	if (p->rb == RB_WORD && to < s->len && next_is_word(s->text + to, s->len - (size_t)to))
		return 0;
	if (p->rb == RB_ASCII && !scrm_re_boundary_at(s->text, s->len, to))
		return 0;
	uint64_t bit = UINT64_C(1) << (id & 63);
	if (!(s->pat_bits[id >> 6] & bit)) {
		s->pat_bits[id >> 6] |= bit;
		s->pat_list[s->npat_list++] = id;
		for (uint32_t i = 0; i < s->t->key_n[id]; i++)
			add_cand(s, s->t->topic_of[s->t->key_off[id] + i]);
	}
	if (p->near) {
		if (s->npos == s->pos_cap && !grow_pos(s))
			return 1; /* out of memory: stop the scan */
		s->pos[s->npos++] = (struct pos){.pat = id, .end = (uint32_t)to};
	}
	return 0;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		    void *ctx)
{
	(void)flags;
	scrm_topics_scratch *s = ctx;
	if (id >= s->t->npats) /* a guest's, or none of ours (the cache checks for that too) */
		return id >= GUEST_BASE && id - GUEST_BASE < s->t->guest_lim && s->guest_fn
			       ? s->guest_fn(s->guest_ctx, id - GUEST_BASE, to)
			       : 0;
	const struct pattern *p = &s->t->pats[id];
	return hit(s, id, p->fixed ? (size_t)(to - p->fixed) : (size_t)from, (size_t)to);
}

/* The regexes found by one byte (struct bytepat) in text[0, len): each occurrence of
 * each one's byte, its atoms around it and its end checked; 0 or -ENOMEM. */
static int byte_scan(scrm_topics_scratch *s, const char *text, size_t len)
{
	const scrm_topics *t = s->t;
	const unsigned char *u = (const unsigned char *)text;
	for (uint32_t g = 0, h; g < t->nbpats; g = h) {
		for (h = g + 1; h < t->nbpats && t->bpats[h].byte == t->bpats[g].byte;)
			h++;
		for (const unsigned char *p = u; (p = memchr(p, t->bpats[g].byte, len - (size_t)(p - u))); p++) {
			size_t at = (size_t)(p - u);
			for (uint32_t i = g; i < h; i++) {
				const struct bytepat *bp = &t->bpats[i];
				size_t e = at + 1 + bp->ntail;
				if (at < bp->nlead || e > len)
					continue;
				bool ok = true;
				for (unsigned k = 0; k < bp->nlead && ok; k++)
					ok = set_has(bp->set[k], u[at - bp->nlead + k]);
				for (unsigned k = 0; k < bp->ntail && ok; k++)
					ok = set_has(bp->set[bp->nlead + k], u[at + 1 + k]);
				if (!ok)
					continue;
				size_t from = at - bp->nlead;
				bool dollar = e == len || (e + 1 == len && u[e] == '\n');
				if (bp->end != BEND_SPACE_OR_DOLLAR) {
					if ((bp->end == BEND_NONE || dollar) && hit(s, bp->pat, from, e))
						return -ENOMEM;
					continue;
				}
				if (dollar && hit(s, bp->pat, from, e))
					return -ENOMEM;
				if (e < len && set_has(bp->space, u[e]) && hit(s, bp->pat, from, e + 1))
					return -ENOMEM;
			}
		}
	}
	return 0;
}

/*
 * Phrases. A phrase matches its words with any run of whitespace (space, TAB, CR, LF)
 * between them. Compiled that way (words joined by [ \t\r\n]+, with start-of-match
 * reporting for the left boundary), the phrases made the scan about 3x slower than
 * compiled as plain literals with one space (1,600 against 520 ns per generated tweet,
 * 178 topics with ~300 phrases, bench/rules-bench.scrm). So the main database holds the
 * one-space literals, which find every occurrence in a text whose only whitespace is
 * single spaces: most texts (88-99.7% of the labelled sets in ../shared). A text with a
 * TAB, CR, LF or two spaces in a row also gets the gaps pass: its whitespace runs become
 * one space each in a copy, the gaps database (the phrases alone) scans the copy, and each
 * match is mapped back to the text; a match whose text is byte for byte the copy's was
 * already reported by the main pass.
 */
/* The 16 bytes at @p: the bits of their spaces; *ctl: whether one is a TAB, CR or LF. */
static inline unsigned spaces16(const char *p, unsigned *ctl, unsigned *lead)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p);
	__m128i c = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
				 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
	*ctl = (unsigned)_mm_movemask_epi8(c);
	/* the bytes that may start a Unicode space (gap_len() above 1): 0xC2, 0xE1..0xE3;
	 * none where all 16 are ASCII */
	*lead = 0;
	if (_mm_movemask_epi8(v)) {
		__m128i l = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2)),
					 _mm_cmpeq_epi8(_mm_min_epu8(_mm_max_epu8(v, _mm_set1_epi8((char)0xE1)),
								     _mm_set1_epi8((char)0xE3)),
							v));
		*lead = (unsigned)_mm_movemask_epi8(l);
	}
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
}

/* The length of the gap at t[i] between a phrase's words in a text: 1 for a space, TAB,
 * CR or LF; 2 or 3 for a Unicode space (U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000: a pasted or typeset text's no-break and thin spaces); else 0. */
static size_t uni_gap_len(const unsigned char *t, size_t i, size_t n);

static inline size_t gap_len(const char *text, size_t i, size_t n)
{
	unsigned char c = (unsigned char)text[i];
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return 1;
	return c < 0xC2 ? 0 : uni_gap_len((const unsigned char *)text, i, n);
}

static size_t uni_gap_len(const unsigned char *t, size_t i, size_t n)
{
	unsigned char c = t[i];
	if (c == 0xC2)
		return i + 1 < n && t[i + 1] == 0xA0 ? 2 : 0;
	if ((c != 0xE1 && c != 0xE2 && c != 0xE3) || i + 2 >= n)
		return 0;
	unsigned b = t[i + 1], d = t[i + 2];
	if ((d & 0xC0) != 0x80) /* not a continuation byte: no character of these */
		return 0;
	if (c == 0xE1)
		return b == 0x9A && d == 0x80 ? 3 : 0;
	if (c == 0xE3)
		return b == 0x80 && d == 0x80 ? 3 : 0;
	return (b == 0x80 && (d <= 0x8A || d == 0xA8 || d == 0xA9 || d == 0xAF)) || (b == 0x81 && d == 0x9F) ? 3 : 0;
}

/* Whether one of the bytes @lead (bits from t + @at) starts a Unicode space. */
static bool uni_space_at(const char *t, size_t n, size_t at, unsigned lead)
{
	for (; lead; lead &= lead - 1)
		if (uni_gap_len((const unsigned char *)t, at + (size_t)__builtin_ctz(lead), n))
			return true;
	return false;
}

/* Whether @t has a TAB, CR or LF, two spaces in a row, or a Unicode space. */
static bool odd_spaces(const char *t, size_t n)
{
	bool prev = false; /* the byte before t[i] is a space */
	size_t i = 0;
	unsigned carry = 0, ctl; /* carry bit 0: the byte before this block is a space */
	for (; i + 16 <= n; i += 16) {
		unsigned lead, sp = spaces16(t + i, &ctl, &lead);
		if (ctl | (sp & (sp << 1 | carry)))
			return true;
		if (lead && uni_space_at(t, n, i, lead))
			return true;
		carry = sp >> 15;
	}
	if (i < n && n >= 16) {
		/* The last 16 bytes, overlapping what the loop saw: the pair across their first
		 * byte lies within the bytes before i, which the loop has checked. */
		unsigned lead, sp = spaces16(t + n - 16, &ctl, &lead);
		return (ctl | (sp & sp << 1)) != 0 || (lead && uni_space_at(t, n, n - 16, lead));
	}
	prev = carry != 0;
	for (; i < n; i++) {
		char c = t[i];
		if (c == '\t' || c == '\n' || c == '\r' || (c == ' ' && prev) || gap_len(t, i, n) > 1)
			return true;
		prev = c == ' ';
	}
	return false;
}

static int on_gap_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
			void *ctx)
{
	(void)flags;
	scrm_topics_scratch *s = ctx;
	const struct pattern *p = &s->t->pats[id];
	if (p->fixed)
		from = to - p->fixed;
	/* a phrase starts and ends with a word, so its first and last bytes map one to one */
	size_t of = s->map[from], ot = (size_t)s->map[to - 1] + 1, n = (size_t)(to - from);
	if (ot - of == n && !memcmp(s->text + of, s->norm + from, n))
		return 0; /* the main pass found this one */
	return hit(s, id, of, ot);
}

static int scan_gaps(scrm_topics_scratch *s, const char *text, size_t len)
{
	if (len > s->norm_cap) {
		size_t cap = s->norm_cap * 2 > len ? s->norm_cap * 2 : len;
		char *nb = realloc(s->norm, cap);
		if (nb)
			s->norm = nb;
		uint32_t *mb = nb ? realloc(s->map, cap * sizeof(*mb)) : NULL;
		if (!mb)
			return -ENOMEM;
		s->map = mb;
		s->norm_cap = cap;
	}
	size_t k = 0;
	for (size_t i = 0; i < len;) {
		s->map[k] = (uint32_t)i;
		size_t g = gap_len(text, i, len);
		if (g) {
			s->norm[k++] = ' ';
			for (i += g; i < len && (g = gap_len(text, i, len)); i += g)
				;
		} else {
			s->norm[k++] = text[i++];
		}
	}
	if (hs_scan(s->t->gaps, s->norm, (unsigned)k, 0, s->hs, on_gap_match, s) != HS_SUCCESS)
		return s->oom ? -ENOMEM : -EIO;
	return 0;
}

static int pos_cmp(const void *a, const void *b)
{
	const struct pos *x = a, *y = b;
	return x->end < y->end ? -1 : x->end > y->end ? 1 : x->pat < y->pat ? -1 : x->pat > y->pat;
}

/* End offsets of the recorded positions -> index of the word each match ends in; the
 * positions end up in end order. */
static void assign_words(scrm_topics_scratch *s, const char *text, size_t len)
{
	struct pos *p = s->pos;
	if (s->npos > 64) {
		qsort(p, s->npos, sizeof *p, pos_cmp); /* a long text: no quadratic worst case */
	} else {
		for (uint32_t i = 1; i < s->npos; i++) { /* insertion sort: nearly sorted already */
			struct pos x = p[i];
			uint32_t j = i;
			while (j > 0 && p[j - 1].end > x.end) {
				p[j] = p[j - 1];
				j--;
			}
			p[j] = x;
		}
	}
	uint32_t words = 0, k = 0;
	bool in = false;
	for (size_t i = 0; i <= len && k < s->npos;) {
		while (k < s->npos && p[k].end <= i)
			p[k++].word = (int32_t)words - 1;
		if (i == len || k == s->npos)
			break;
		if (i + 16 <= len) {
			/* 16 ASCII bytes at once: the bits of their word bytes ([0-9A-Za-z_], the
			 * ascii_word table), of the bytes that start a word, and the positions that
			 * end in these bytes */
			__m128i x = _mm_loadu_si128((const __m128i *)(text + i));
			if (!_mm_movemask_epi8(x)) {
				__m128i lo = _mm_or_si128(x, _mm_set1_epi8(0x20));
				__m128i d = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
							  _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
				__m128i a = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
							  _mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1)));
				__m128i u = _mm_cmpeq_epi8(x, _mm_set1_epi8('_'));
				uint32_t w = (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(d, a), u));
				uint32_t starts = w & ~((w << 1) | (uint32_t)in);
				while (k < s->npos && p[k].end <= i + 16) {
					uint32_t c = words + (uint32_t)scrm_popcount64(starts & ((1u << (p[k].end - i)) - 1));
					p[k++].word = (int32_t)c - 1;
				}
				words += (uint32_t)scrm_popcount64(starts);
				in = w >> 15 & 1;
				i += 16;
				continue;
			}
		}
		unsigned char c = (unsigned char)text[i];
		bool wc;
		if (c < 0x80) {
			wc = ascii_word[c];
			i++;
		} else {
			uint32_t cp;
			i += utf8_next((const unsigned char *)text + i, len - i, &cp);
			wc = in_word(cp);
		}
		words += wc && !in;
		in = wc;
	}
	s->words_done = true;
}

static bool in_list(const uint32_t *l, uint32_t n, uint32_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

/* Whether NEAR @nr holds, and the patterns of the pair that was near (the first found, in
 * end order) into *pa and *pb when they are not NULL. */
static bool eval_near_pair(scrm_topics_scratch *s, const struct near *nr, const char *text, size_t len,
			   uint32_t *pa, uint32_t *pb)
{
	const scrm_topics *t = s->t;
	const uint32_t *al = t->near_pat + nr->a_off, *bl = t->near_pat + nr->b_off;
	bool any_a = false, any_b = false;
	for (uint32_t i = 0; i < nr->a_n; i++)
		any_a |= (s->pat_bits[al[i] >> 6] >> (al[i] & 63)) & 1;
	for (uint32_t i = 0; i < nr->b_n; i++)
		any_b |= (s->pat_bits[bl[i] >> 6] >> (bl[i] & 63)) & 1;
	if (!any_a || !any_b)
		return false;
	if (!s->words_done)
		assign_words(s, text, len);
	/* One pass in end order. For a pair whose first-ending side x ends at word xe and
	 * whose other side y spans words [ys, ye] (xe <= ye), the words between them are
	 * ys - xe - 1 when x ends before y starts, else none (they overlap): the pair is near
	 * when xe >= ys - 1 - n. So keep the latest end seen of each side and test each
	 * occurrence against the other side's. O(occurrences), where all pairs were
	 * O(occurrences^2). */
	int64_t last_a = INT64_MIN, last_b = INT64_MIN, need;
	uint32_t last_a_pat = 0, last_b_pat = 0;
	for (uint32_t i = 0; i < s->npos; i++) {
		const struct pos *q = &s->pos[i];
		bool is_a = in_list(al, nr->a_n, q->pat), is_b = in_list(bl, nr->b_n, q->pat);
		if (!is_a && !is_b)
			continue;
		if (is_a && is_b) { /* one occurrence is both sides: no words between (x NEAR/n x) */
			if (pa)
				*pa = *pb = q->pat;
			return true;
		}
		int64_t e = q->word, st = e - t->pats[q->pat].nwords + 1;
		need = st - 1 - (int64_t)nr->n;
		if ((is_a && last_b != INT64_MIN && last_b >= need) || (is_b && last_a != INT64_MIN && last_a >= need)) {
			if (pa) {
				*pa = is_a ? q->pat : last_a_pat;
				*pb = is_b ? q->pat : last_b_pat;
			}
			return true;
		}
		if (is_a) {
			last_a = e;
			last_a_pat = q->pat;
		}
		if (is_b) {
			last_b = e;
			last_b_pat = q->pat;
		}
	}
	return false;
}

static bool eval_near(scrm_topics_scratch *s, const struct near *nr, const char *text, size_t len)
{
	return eval_near_pair(s, nr, text, len, NULL, NULL);
}

/* a[0..an) equals the string b, ASCII case folded (no strlen: most differ at once) */
static bool eq_fold(const char *a, size_t an, const char *b)
{
	for (size_t i = 0; i < an; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (!y)
			return false; /* b is shorter */
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return b[an] == 0;
}

/* Set the field key of @v (the author's handle, kind 0, or the language, kind 1), if it is
 * a from:/lang: value of the rules, and make the topics it triggers candidates. */
static void mark_field(scrm_topics_scratch *s, const char *v, size_t n, uint32_t kind)
{
	const scrm_topics *t = s->t;
	for (uint32_t x = (uint32_t)fold_hash(v, n) & t->fmap_mask; t->fmap[x]; x = (x + 1) & t->fmap_mask) {
		uint32_t i = t->fmap[x] - 1;
		if (!eq_fold(v, n, t->strs[i]))
			continue;
		uint32_t k = t->npats + 2 * i + kind;
		s->pat_bits[k >> 6] |= UINT64_C(1) << (k & 63);
		s->pat_list[s->npat_list++] = k;
		for (uint32_t j = 0; j < t->key_n[k]; j++)
			add_cand(s, t->topic_of[t->key_off[k] + j]);
		return;
	}
}

/* An OP_ANY group's value: whether one of its patterns (or field keys) matched. */
static inline uint32_t any_matched(const scrm_topics_scratch *s, const struct op *o)
{
	const uint32_t *pl = s->t->fpat + o->arg;
	uint32_t v = 0;
	for (uint32_t k = 0; k < o->n && !v; k++)
		v = (uint32_t)(s->pat_bits[pl[k] >> 6] >> (pl[k] & 63)) & 1;
	return v;
}

static bool eval_topic(scrm_topics_scratch *s, const struct topic *tp, const char *text, size_t len)
{
	const scrm_topics *t = s->t;
	if (tp->tgroups) {
		const struct op *g = t->tgrp + tp->tgroup_off;
		const struct gmask *gm = t->gmask + tp->tgroup_off;
		const uint64_t *bits = s->pat_bits;
		uint32_t a = 0;
		for (uint32_t i = 0; i < tp->tgroups; i++) {
			uint32_t v = gm[i].m[0] ? ((bits[gm[i].w[0]] & gm[i].m[0]) | (bits[gm[i].w[1]] & gm[i].m[1])) != 0
						: any_matched(s, &g[i]);
			a |= v << i;
		}
		return (tp->truth >> a) & 1;
	}
	uint8_t *st = s->stack;
	uint32_t sp = 0;
	for (uint32_t i = 0; i < tp->fop_n; i++) {
		const struct op *o = &t->fops[tp->fop_off + i];
		switch (o->code) {
		case OP_ANY: st[sp++] = (uint8_t)any_matched(s, o); break;
		case OP_NEAR: st[sp++] = eval_near(s, &t->nears[o->arg], text, len); break;
		default: stack_op(st, &sp, o->code); break;
		}
	}
	assert(sp == 1);
	return st[0];
}

static bool pat_matched(const scrm_topics_scratch *s, uint32_t p)
{
	return (s->pat_bits[p >> 6] >> (p & 63)) & 1;
}

static void add_term(scrm_topic_terms *terms, uint32_t first, uint16_t hit, uint32_t pat)
{
	for (uint32_t k = first; k < terms->n; k++)
		if (terms->pat[k] == pat)
			return;
	if (terms->n == SCRM_TOPICS_MAX_TERMS) {
		terms->dropped++;
		return;
	}
	terms->hit[terms->n] = hit;
	terms->pat[terms->n++] = pat;
}

/*
 * The terms that made topic @tp match (it just did, as hit @hit): its program run again,
 * each stack entry carrying the terms of its subexpression when that is true, so an OR
 * keeps only its true sides, an AND or a NEAR that failed gives none, and a NOT drops
 * its operand's (negated terms never explain a match). "(refund NEAR/1 waiting) OR late"
 * on "refund x x x waiting late" is explained by "late" alone. The terms of an entry are
 * contiguous in s->xterm, in stack order.
 */
static void explain_topic(scrm_topics_scratch *s, const struct topic *tp, uint16_t hit, scrm_topic_terms *terms)
{
	const scrm_topics *t = s->t;
	uint8_t *st = s->stack;
	uint32_t *xs = s->xstart, *xt = s->xterm, sp = 0, xn = 0;
	for (uint32_t i = 0; i < tp->fop_n; i++) {
		const struct op *o = &t->fops[tp->fop_off + i];
		switch (o->code) {
		case OP_ANY: {
			const uint32_t *pl = t->fpat + o->arg;
			uint8_t v = 0;
			xs[sp] = xn;
			for (uint32_t k = 0; k < o->n; k++)
				if (pat_matched(s, pl[k])) {
					v = 1;
					if (pl[k] < t->npats) /* from:/lang: keys explain nothing */
						xt[xn++] = pl[k];
				}
			st[sp++] = v;
			break;
		}
		case OP_NEAR: {
			/* the pair that was near, not every leaf of its sides that matched
			 * somewhere (found by review: "alpha x y gamma beta" explained
			 * (alpha OR beta) NEAR/1 gamma with alpha too) */
			const struct near *nr = &t->nears[o->arg];
			uint32_t pa = 0, pb = 0;
			uint8_t v = eval_near_pair(s, nr, s->text, s->len, &pa, &pb);
			xs[sp] = xn;
			if (v) {
				xt[xn++] = pa;
				if (pb != pa)
					xt[xn++] = pb;
			}
			st[sp++] = v;
			break;
		}
		case OP_NOT:
			st[sp - 1] = !st[sp - 1];
			xn = xs[sp - 1];
			break;
		case OP_AND:
			sp--;
			st[sp - 1] &= st[sp];
			if (!st[sp - 1])
				xn = xs[sp - 1];
			break;
		case OP_OR: {
			sp--;
			uint8_t a = st[sp - 1], b = st[sp];
			if (!a && b) { /* keep b's terms only: move them down */
				memmove(xt + xs[sp - 1], xt + xs[sp], (xn - xs[sp]) * sizeof *xt);
				xn = xs[sp - 1] + (xn - xs[sp]);
			} else if (a && !b) {
				xn = xs[sp];
			} else if (!a && !b) {
				xn = xs[sp - 1];
			}
			st[sp - 1] = a | b;
			break;
		}
		}
	}
	uint32_t first = terms->n;
	for (uint32_t k = 0; k < xn; k++)
		add_term(terms, first, hit, xt[k]);
}

const char *scrm_topics_term_text(const scrm_topics *t, uint32_t pat)
{
	assert(pat < t->npats);
	return t->pats[pat].disp;
}

void scrm_topics_scratch_guest(scrm_topics_scratch *s, scrm_topics_guest_fn fn, void *ctx)
{
	s->guest_fn = fn;
	s->guest_ctx = ctx;
}

int scrm_topics_has_guest(const scrm_topics *t)
{
	return t && t->nguest != 0;
}

int scrm_topics_match(scrm_topics_scratch *s, const char *text, size_t len, const char *handle,
		      size_t hlen, const char *lang, size_t llen, scrm_topic_hits *out)
{
	return scrm_topics_match_why(s, text, len, handle, hlen, lang, llen, out, NULL);
}

int scrm_topics_match_why(scrm_topics_scratch *s, const char *text, size_t len, const char *handle,
			  size_t hlen, const char *lang, size_t llen, scrm_topic_hits *out,
			  scrm_topic_terms *terms)
{
	const scrm_topics *t = s->t;
	int rc = 0;
	out->n = out->dropped = 0;
	if (terms)
		terms->n = terms->dropped = 0;
	s->npat_list = s->ncands = s->npos = 0;
	s->oom = false;
	s->words_done = false;
	if (handle && hlen && handle[0] == '@')
		handle++, hlen--;
	else if (handle) { /* Reddit's u/kim, as from:u/kim is kim (rules.c) */
		size_t u = scrm_reddit_user_prefix(handle, hlen);
		handle += u, hlen -= u;
	}
	for (uint32_t i = 0; i < t->nalways; i++)
		add_cand(s, t->always[i]);
	if (t->fmap) {
		if (handle && hlen)
			mark_field(s, handle, hlen, 0);
		if (lang && llen) {
			mark_field(s, lang, llen, 1);
			/* lang:pt is Portuguese wherever spoken: pt-BR, pt_PT too (a region after
			 * '-' or '_', as --sentiment-langs reads it); lang:pt-br that one only */
			size_t p = lang_primary(lang, llen);
			if (p < llen)
				mark_field(s, lang, p, 1);
		}
	}
	if (t->db && len > UINT32_MAX) {
		rc = -EINVAL;
		goto reset;
	}
	s->text = text;
	s->len = len;
	if (t->db && hs_scan(t->db, text ? text : "", (unsigned)len, 0, s->hs, on_match, s) != HS_SUCCESS) {
		rc = s->oom ? -ENOMEM : -EIO;
		goto reset;
	}
	if (t->nbpats && len && (rc = byte_scan(s, text, len)))
		goto reset;
	if (t->gaps && len && odd_spaces(text, len) && (rc = scan_gaps(s, text, len)))
		goto reset;
	/* Report in id order: sort the candidates (a few among many topics) or walk their
	 * bitset (more than a quarter as many as its words). */
	uint32_t words = (t->ntopics + 63) / 64;
	if (s->ncands < 2) {
	} else if (words > 4 * s->ncands) {
		for (uint32_t i = 1; i < s->ncands; i++) {
			uint16_t x = s->cands[i];
			uint32_t j = i;
			while (j > 0 && s->cands[j - 1] > x) {
				s->cands[j] = s->cands[j - 1];
				j--;
			}
			s->cands[j] = x;
		}
	} else {
		uint32_t k = 0;
		for (uint32_t w = 0; w < words; w++)
			for (uint64_t m = s->cand_bits[w]; m; m &= m - 1)
				s->cands[k++] = (uint16_t)(w * 64 + (uint32_t)__builtin_ctzll(m));
	}
	for (uint32_t i = 0; i < s->ncands; i++) {
		uint16_t id = s->cands[i];
		if (!eval_topic(s, &t->topics[id], text, len))
			continue;
		if (out->n < SCRM_TOPICS_MAX_HITS) {
			if (terms)
				explain_topic(s, &t->topics[id], (uint16_t)out->n, terms);
			out->ids[out->n++] = id;
		} else
			out->dropped++;
	}
reset:
	for (uint32_t i = 0; i < s->npat_list; i++)
		s->pat_bits[s->pat_list[i] >> 6] = 0;
	for (uint32_t i = 0; i < s->ncands; i++)
		s->cand_bits[s->cands[i] >> 6] = 0;
	return rc;
}

int scrm_topics_select(const scrm_topics *t, const char *list, const char *what, uint32_t *bits, char *err, size_t errlen)
{
	memset(bits, 0, 65536 / 8);
	if (!t) {
		snprintf(err, errlen, "%s: no rules file, so no topics to name (--rules FILE)", what);
		return -EINVAL;
	}
	uint32_t nt = scrm_topics_count(t);
	size_t names = 0;
	for (const char *p = list; *p;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		const char *s = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - s);
		if (!n)
			continue;
		bool prefix = s[n - 1] == '*';
		size_t cmp = prefix ? n - 1 : n;
		size_t hit = 0;
		for (uint32_t id = 0; id < nt; id++) {
			const char *name = scrm_topics_name(t, (uint16_t)id);
			if (strncmp(name, s, cmp) == 0 && (prefix || name[cmp] == '\0')) {
				bits[id >> 5] |= 1u << (id & 31);
				hit++;
			}
		}
		if (!hit) {
			snprintf(err, errlen, "%s: no topic or cue %s '%.*s' in the rules file", what,
				 prefix ? "starts with" : "is named", (int)cmp, s);
			return -EINVAL;
		}
		names++;
	}
	if (!names) {
		snprintf(err, errlen, "%s: an empty list (topic or cue names, e.g. brand.*)", what);
		return -EINVAL;
	}
	return 0;
}
