/*
 * event.c - routed event serialization (see event.h).
 *
 * This is on the per-record hot path, so it appends into a buffer reserved once per
 * event, escapes strings with a byte-class table and copies unescaped runs whole.
 */
#include "event.h"

#include "classifier.h"
#include "sentiment.h"
#include "customers.h"
#include "spam.h"

#include <errno.h>
#include <stdlib.h>

/* 0: copy as is; 1: needs a short escape or \u00XX; 2: start of a multi-byte UTF-8
 * sequence to validate. */
static const uint8_t esc_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x5c '\\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static const char hexdig[] = "0123456789abcdef";

/* The JSON escape of one byte that may not appear raw in a string. */
static char *put_escape(char *o, unsigned c)
{
	*o++ = '\\';
	switch (c) {
	case '"': *o++ = '"'; break;
	case '\\': *o++ = '\\'; break;
	case '\n': *o++ = 'n'; break;
	case '\r': *o++ = 'r'; break;
	case '\t': *o++ = 't'; break;
	case '\b': *o++ = 'b'; break;
	case '\f': *o++ = 'f'; break;
	default:
		*o++ = 'u';
		*o++ = '0';
		*o++ = '0';
		*o++ = hexdig[c >> 4];
		*o++ = hexdig[c & 15];
	}
	return o;
}

/* Length of a valid UTF-8 sequence at s (n bytes available), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

int scrm_json_put_str(scrm_buf *out, const char *str, size_t n)
{
	/* Worst case every byte becomes \u00XX (6 bytes), plus the quotes. */
	if (scrm_buf_reserve(out, n * 6 + 2))
		return -ENOMEM;
	const unsigned char *s = (const unsigned char *)str;
	char *o = out->data + out->len;
	*o++ = '"';
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && esc_class[s[run]] == 0)
			run++;
		memcpy(o, s + i, run - i);
		o += run - i;
		i = run;
		if (i >= n)
			break;
		unsigned c = s[i];
		if (esc_class[c] == 2) {
			size_t l = utf8_seq_len(s + i, n - i);
			if (l) {
				memcpy(o, s + i, l);
				o += l;
				i += l;
				continue;
			}
		}
		o = put_escape(o, c);
		i++;
	}
	*o++ = '"';
	out->len = (size_t)(o - out->data);
	return 0;
}

/* "00" .. "99": two digits per division (a fifth of the event writer's instructions
 * went to printing numbers one digit at a time). */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				     "8081828384858687888990919293949596979899";

/* v (0..99) as two digits. */
static inline char *put_2(char *o, unsigned v)
{
	memcpy(o, digit_pairs + 2 * v, 2);
	return o + 2;
}

static char *put_u64(char *o, uint64_t v)
{
	if (v < 10) { /* most of an event's numbers: counts, parts, flags */
		*o = (char)('0' + v);
		return o + 1;
	}
	if (v < 100)
		return put_2(o, (unsigned)v);
	char tmp[20];
	char *p = tmp + sizeof tmp;
	while (v >= 100) {
		uint64_t q = v / 100;
		put_2(p -= 2, (unsigned)(v - 100 * q));
		v = q;
	}
	if (v < 10)
		*--p = (char)('0' + v);
	else
		put_2(p -= 2, (unsigned)v);
	while (p < tmp + sizeof tmp)
		*o++ = *p++;
	return o;
}

int scrm_json_put_i64(scrm_buf *out, int64_t v)
{
	if (scrm_buf_reserve(out, 24))
		return -ENOMEM;
	char *o = out->data + out->len;
	uint64_t u = (uint64_t)v;
	if (v < 0) {
		*o++ = '-';
		u = 0 - u;
	}
	o = put_u64(o, u);
	out->len = (size_t)(o - out->data);
	return 0;
}

/* Howard Hinnant's civil_from_days: days since 1970-01-01 -> y/m/d. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

size_t scrm_format_time(char *buf, int64_t ms)
{
	/* Outside RFC 3339's years 0000-9999 (a time plus an SLA past the end of 9999):
	 * the nearest stamp it can write, never an invalid one. */
	if (ms < -62167219200000LL)
		ms = -62167219200000LL; /* 0000-01-01T00:00:00.000Z */
	else if (ms > 253402300799999LL)
		ms = 253402300799999LL; /* 9999-12-31T23:59:59.999Z */
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	unsigned milli = (unsigned)(ms - secs * 1000);
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	unsigned sod = (unsigned)(secs - days * 86400);
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	char *o = buf;
	unsigned yy = (unsigned)y;
	o = put_2(o, yy / 100);
	o = put_2(o, yy % 100);
	*o++ = '-';
	o = put_2(o, m);
	*o++ = '-';
	o = put_2(o, d);
	*o++ = 'T';
	o = put_2(o, sod / 3600);
	*o++ = ':';
	o = put_2(o, sod / 60 % 60);
	*o++ = ':';
	o = put_2(o, sod % 60);
	if (milli) {
		*o++ = '.';
		*o++ = (char)('0' + milli / 100);
		o = put_2(o, milli % 100);
	}
	*o++ = 'Z';
	*o = 0;
	return (size_t)(o - buf);
}

/*
 * The event writer reserves an upper bound once per event and then writes through a
 * plain pointer: no per-field calls into the buffer code.
 */

#define PUT_LIT(o, s) (memcpy((o), (s), sizeof(s) - 1), (o) + sizeof(s) - 1)

/* Strings from the arena are valid UTF-8 (the parser validated or repaired them), so
 * only '"', '\\' and control bytes need escaping; scan 8 bytes at a time for them. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t needs_escape8(uint64_t v)
{
	uint64_t lt20 = (v - ONES * 0x20) & ~v;
	uint64_t q = v ^ (ONES * '"');
	uint64_t bs = v ^ (ONES * '\\');
	return (lt20 | ((q - ONES) & ~q) | ((bs - ONES) & ~bs)) & HIGHS;
}

static char *put_valid_str(char *o, const char *s, size_t n)
{
	*o++ = '"';
	size_t i = 0;
	while (i < n) {
		while (i + 8 <= n) {
			uint64_t v;
			memcpy(&v, s + i, 8);
			if (needs_escape8(v))
				break;
			memcpy(o, &v, 8);
			o += 8;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = (unsigned char)s[i++];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		o = put_escape(o, c);
	}
	*o++ = '"';
	return o;
}

static char *put_i64(char *o, int64_t v)
{
	uint64_t u = (uint64_t)v;
	if (v < 0) {
		*o++ = '-';
		u = 0 - u;
	}
	return put_u64(o, u);
}

/* A score already rounded to `dec` decimals, printed the shortest way that keeps them
 * ("0.0", "-0.5829", "0.704", "1.0"): exact and locale-free, unlike printf("%g"). */
static inline __attribute__((always_inline)) char *put_fixed(char *o, double v, int dec)
{
	/* inlined where dec is a constant: the divisions by scale and 10 become multiplies */
	int64_t scale = dec == 4 ? 10000 : 1000;
	double x = v * (double)scale;
	int64_t q = (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
	if (q < 0) {
		*o++ = '-';
		q = -q;
	}
	o = put_u64(o, (uint64_t)(q / scale));
	*o++ = '.';
	int64_t frac = q % scale;
	char d[4];
	int n = dec;
	if (dec == 4) { /* two digit pairs */
		put_2(d, (unsigned)(frac / 100));
		put_2(d + 2, (unsigned)(frac % 100));
	} else { /* a digit and a pair */
		d[0] = (char)('0' + frac / 100);
		put_2(d + 1, (unsigned)(frac % 100));
	}
	while (n > 1 && d[n - 1] == '0')
		n--;
	memcpy(o, d, (size_t)n);
	return o + n;
}

static inline char *put_arena_str(char *o, const scrm_buf *arena, scrm_str s)
{
	if (!scrm_str_present(s))
		return PUT_LIT(o, "null");
	return put_valid_str(o, scrm_str_ptr(arena, s), s.len);
}

static inline char *put_opt_int(char *o, int64_t v)
{
	if (v == SCRM_UNKNOWN_INT)
		return PUT_LIT(o, "null");
	return put_i64(o, v);
}

static inline size_t str_bound(scrm_str s) { return scrm_str_present(s) ? 6u * s.len + 2 : 4; }

static inline char *put_sep_name(char *o, const char **sep, const char *name)
{
	if (**sep)
		*o++ = ',';
	*sep = ",";
	*o++ = '"';
	size_t n = strlen(name);
	memcpy(o, name, n);
	o += n;
	*o++ = '"';
	return o;
}

static const char *const schema_names[] = {"scrm", "twitter_v1", "twitter_v2", "reddit"};
static const char *const flag_names[] = {"repaired_utf8", "retweet", "quote", "truncated", "repaired_number"};

int scrm_event_write(scrm_buf *out, const scrm_record *r, const scrm_buf *arena,
		     const scrm_event_names *names)
{
	const char *route = names->routes_json[r->route];
	const char *input = names->inputs_json[r->in_index];
	size_t route_len = names->routes_json_len[r->route], input_len = names->inputs_json_len[r->in_index];
	size_t sent_bound = 0;
	scrm_sent_term st[SCRM_SENT_EXPLAIN_MAX];
	size_t nst = 0;
	if (scrm_str_present(r->sent_terms)) {
		nst = r->sent_terms.len / sizeof st[0];
		if (nst > SCRM_SENT_EXPLAIN_MAX)
			nst = SCRM_SENT_EXPLAIN_MAX;
		memcpy(st, scrm_str_ptr(arena, r->sent_terms), nst * sizeof st[0]);
		/* one key per word: "bad bad bad" is {"bad":-7.35}, not the key three times */
		size_t m = 0;
		for (size_t i = 0; i < nst; i++) {
			size_t j = 0;
			while (j < m && !(st[j].len == st[i].len && !memcmp(st[j].word, st[i].word, st[i].len)))
				j++;
			if (j < m)
				st[j].valence += st[i].valence;
			else
				st[m++] = st[i];
		}
		nst = m;
		for (size_t i = 0; i < nst; i++)
			sent_bound += 6u * st[i].len + 24;
	}
	const scrm_customer *cust = r->cust;
	size_t rule_idx = r->route_rule < 0 ? names->n_rules : (size_t)r->route_rule;
	size_t cust_bound = cust ? 6u * (cust->key_len + cust->tier_len) + 64 : 0;
	size_t rule_bound = r->routed && names->rules_json ? names->rules_json_len[rule_idx] : 0;
	size_t bound = 1024 + cust_bound + rule_bound + 2 * (6 * SCRM_CLF_WHY_MAX + 96) + sent_bound + 2 * names->topics_bound + names->terms_bound + route_len + input_len + names->topics_bound + str_bound(r->id) + str_bound(r->channel) +
		       str_bound(r->conversation) + str_bound(r->in_reply_to) + str_bound(r->retweet_of) + str_bound(r->retweet_author) +
		       str_bound(r->quote_of) + 2 * str_bound(r->lang) + str_bound(r->author_id) +
		       str_bound(r->author_handle) + str_bound(r->author_name) + str_bound(r->place) +
		       str_bound(r->text);
	if (scrm_buf_reserve(out, bound))
		return -ENOMEM;
	char *o = out->data + out->len;

	o = PUT_LIT(o, "{\"v\":1,\"seq\":");
	o = put_u64(o, r->seq);
	o = PUT_LIT(o, ",\"id\":");
	o = put_arena_str(o, arena, r->id);
	o = PUT_LIT(o, ",\"ts\":");
	if (r->ts_ms == SCRM_UNKNOWN_INT) {
		o = PUT_LIT(o, "null");
	} else {
		*o++ = '"';
		o += scrm_format_time(o, r->ts_ms);
		*o++ = '"';
	}
	o = PUT_LIT(o, ",\"channel\":");
	o = put_arena_str(o, arena, r->channel);
	o = r->direction == SCRM_DIR_OUT ? PUT_LIT(o, ",\"direction\":\"out\",\"source\":\"")
					 : PUT_LIT(o, ",\"direction\":\"in\",\"source\":\"");
	const char *sn = schema_names[r->schema & 3];
	size_t snl = strlen(sn);
	memcpy(o, sn, snl);
	o += snl;
	o = PUT_LIT(o, "\",\"conversation\":");
	o = put_arena_str(o, arena, r->conversation);
	/* Optional links and place: written only when present. */
	if (scrm_str_present(r->in_reply_to)) {
		o = PUT_LIT(o, ",\"in_reply_to\":");
		o = put_arena_str(o, arena, r->in_reply_to);
	}
	if (scrm_str_present(r->retweet_of)) {
		o = PUT_LIT(o, ",\"retweet_of\":");
		o = put_arena_str(o, arena, r->retweet_of);
	}
	if (scrm_str_present(r->retweet_author)) {
		o = PUT_LIT(o, ",\"retweet_author\":");
		o = put_arena_str(o, arena, r->retweet_author);
	}
	if (scrm_str_present(r->quote_of)) {
		o = PUT_LIT(o, ",\"quote_of\":");
		o = put_arena_str(o, arena, r->quote_of);
	}
	o = PUT_LIT(o, ",\"lang\":");
	o = put_arena_str(o, arena, r->lang);
	if (cust) {
		o = PUT_LIT(o, ",\"customer\":{\"key\":");
		o = put_valid_str(o, cust->key, cust->key_len);
		o = PUT_LIT(o, ",\"known\":true,\"tier\":");
		o = cust->tier_len ? put_valid_str(o, cust->tier, cust->tier_len) : PUT_LIT(o, "null");
		o = PUT_LIT(o, ",\"partition\":");
	} else {
		o = PUT_LIT(o, ",\"customer\":{\"key\":\"p:");
		for (int i = 0; i < 16; i++)
			*o++ = hexdig[(r->cust_hash >> (60 - 4 * i)) & 15];
		o = PUT_LIT(o, "\",\"known\":false,\"partition\":");
	}
	o = put_u64(o, r->partition);
	o = PUT_LIT(o, ",\"interactions\":");
	o = put_u64(o, r->cust_count);
	if (r->routed)
		o = r->open_case ? PUT_LIT(o, ",\"open_case\":true") : PUT_LIT(o, ",\"open_case\":false");
	o = PUT_LIT(o, "},\"author\":{\"id\":");
	o = put_arena_str(o, arena, r->author_id);
	o = PUT_LIT(o, ",\"handle\":");
	o = put_arena_str(o, arena, r->author_handle);
	o = PUT_LIT(o, ",\"name\":");
	o = put_arena_str(o, arena, r->author_name);
	o = PUT_LIT(o, ",\"followers\":");
	o = put_opt_int(o, r->followers);
	o = PUT_LIT(o, ",\"verified\":");
	o = r->verified < 0 ? PUT_LIT(o, "null") : r->verified ? PUT_LIT(o, "true") : PUT_LIT(o, "false");
	o = PUT_LIT(o, "},\"metrics\":{\"retweets\":");
	o = put_opt_int(o, r->retweets);
	o = PUT_LIT(o, ",\"likes\":");
	o = put_opt_int(o, r->likes);
	o = PUT_LIT(o, ",\"replies\":");
	o = put_opt_int(o, r->replies);
	o = PUT_LIT(o, ",\"quotes\":");
	o = put_opt_int(o, r->quotes);
	*o++ = '}';
	if (scrm_str_present(r->place)) {
		o = PUT_LIT(o, ",\"place\":");
		o = put_arena_str(o, arena, r->place);
	}
	o = PUT_LIT(o, ",\"influence\":{\"score\":");
	o = put_u64(o, r->infl[0]);
	o = PUT_LIT(o, ",\"reach\":");
	o = put_u64(o, r->infl[1]);
	o = PUT_LIT(o, ",\"engagement\":");
	o = put_u64(o, r->infl[2]);
	o = PUT_LIT(o, ",\"authority\":");
	o = put_u64(o, r->infl[3]);
	o = PUT_LIT(o, ",\"network\":");
	o = put_u64(o, r->infl[4]);
	*o++ = '}';
	o = PUT_LIT(o, ",\"text\":");
	o = put_arena_str(o, arena, r->text);
	if (scrm_str_present(r->topic_ids)) {
		/* Topics and cues matched, in rules-file order. */
		size_t n = r->topic_ids.len / sizeof(uint16_t);
		const char *ids = scrm_str_ptr(arena, r->topic_ids);
		for (int cue = 0; cue < 2; cue++) {
			o = cue ? PUT_LIT(o, ",\"cues\":[") : PUT_LIT(o, ",\"topics\":[");
			const char *sep = "";
			for (size_t i = 0; i < n; i++) {
				uint16_t id;
				memcpy(&id, ids + i * sizeof id, sizeof id);
				if (id >= names->n_topics || names->topic_is_cue[id] != cue)
					continue;
				if (*sep)
					*o++ = ',';
				sep = ",";
				memcpy(o, names->topics_json[id], names->topics_json_len[id]);
				o += names->topics_json_len[id];
			}
			*o++ = ']';
		}
	}
	for (int k = 0; k < 2; k++) {
		/* The primary mode as "sentiment", the other (when scored) as "sentiment_<mode>". */
		int m = k == 0 ? r->sent_primary : !r->sent_primary;
		if (!(r->has_sentiment & (1u << m)))
			continue;
		if (k == 0)
			o = PUT_LIT(o, ",\"sentiment\":{\"mode\":");
		else
			o = m == SCRM_SENT_VADER ? PUT_LIT(o, ",\"sentiment_vader\":{\"mode\":")
						 : PUT_LIT(o, ",\"sentiment_scrm\":{\"mode\":");
		o = m == SCRM_SENT_VADER ? PUT_LIT(o, "\"vader\",\"compound\":")
		    : r->sent_learned    ? PUT_LIT(o, "\"scrm-learned\",\"compound\":")
					 : PUT_LIT(o, "\"scrm\",\"compound\":");
		o = put_fixed(o, r->sent[m].compound, 4);
		o = PUT_LIT(o, ",\"pos\":");
		o = put_fixed(o, r->sent[m].pos, 3);
		o = PUT_LIT(o, ",\"neu\":");
		o = put_fixed(o, r->sent[m].neu, 3);
		o = PUT_LIT(o, ",\"neg\":");
		o = put_fixed(o, r->sent[m].neg, 3);
		*o++ = '}';
	}
	if (r->spam) {
		o = PUT_LIT(o, ",\"spam\":[");
		const char *sep = "";
		for (unsigned i = 0; i < SCRM_SPAM__COUNT; i++) {
			if (!(r->spam & (1u << i)))
				continue;
			o = put_sep_name(o, &sep, scrm_spam_name(i));
		}
		*o++ = ']';
	}
	if (r->dup_count) {
		o = PUT_LIT(o, ",\"dup\":{\"count\":");
		o = put_u64(o, r->dup_count);
		o = PUT_LIT(o, ",\"first_seq\":");
		o = put_u64(o, r->dup_first);
		*o++ = '}';
	}
	static const char *const clf_key[2] = {",\"intent\":{\"label\":\"", ",\"action_needed\":{\"value\":"};
	for (int k = 0; k < 2; k++) {
		if (!(r->has_clf & (1u << k)) || r->clf_label[k] >= names->clf_nlabels[k])
			continue;
		size_t kl = strlen(clf_key[k]);
		memcpy(o, clf_key[k], kl);
		o += kl;
		if (k == 0) {
			const char *lab = names->clf_labels[0][r->clf_label[0]];
			size_t ll = strlen(lab);
			memcpy(o, lab, ll);
			o += ll;
			*o++ = '"';
		} else {
			o = r->clf_label[1] ? PUT_LIT(o, "true") : PUT_LIT(o, "false");
		}
		o = PUT_LIT(o, ",\"confidence\":");
		o = put_fixed(o, r->clf_conf[k], 3);
		o = PUT_LIT(o, ",\"classifier\":\"");
		const char *cn = (r->clf_gated >> k) & 1 ? names->clf_gated_name[k] : names->clf_name[k];
		size_t nl = strlen(cn);
		memcpy(o, cn, nl);
		o += nl;
		o = PUT_LIT(o, "\"}");
	}
	if (r->flags) {
		o = PUT_LIT(o, ",\"flags\":[");
		const char *sep = "";
		for (int i = 0; i < (int)(sizeof flag_names / sizeof flag_names[0]); i++) {
			if (!(r->flags & (1u << i)))
				continue;
			if (*sep)
				*o++ = ',';
			sep = ",";
			*o++ = '"';
			size_t fl = strlen(flag_names[i]);
			memcpy(o, flag_names[i], fl);
			o += fl;
			*o++ = '"';
		}
		*o++ = ']';
	}
	o = PUT_LIT(o, ",\"route\":");
	memcpy(o, route, route_len);
	o += route_len;
	if (r->routed && names->rules_json) {
		o = PUT_LIT(o, ",\"priority\":\"P");
		*o++ = (char)('0' + (r->priority & 3));
		o = PUT_LIT(o, "\",\"sla_due\":");
		if (r->sla_due_ms == SCRM_UNKNOWN_INT) {
			o = PUT_LIT(o, "null");
		} else {
			*o++ = '"';
			o += scrm_format_time(o, r->sla_due_ms);
			*o++ = '"';
		}
		if (r->alert)
			o = PUT_LIT(o, ",\"alert\":true");
		if (r->case_event == SCRM_CASE_OPENED) {
			o = PUT_LIT(o, ",\"case\":{\"event\":\"opened\",\"opened_seq\":");
			o = put_u64(o, r->case_open_seq);
			*o++ = '}';
		} else if (r->case_event == SCRM_CASE_CLOSED) {
			o = PUT_LIT(o, ",\"case\":{\"event\":\"closed\",\"opened_seq\":");
			o = put_u64(o, r->case_open_seq);
			o = PUT_LIT(o, ",\"ttfr_s\":");
			o = r->case_ttfr_ms == SCRM_UNKNOWN_INT ? PUT_LIT(o, "null") : put_fixed(o, r->case_ttfr_ms / 1000.0, 3);
			o = PUT_LIT(o, ",\"sla_met\":");
			o = r->case_sla_met < 0 ? PUT_LIT(o, "null") : r->case_sla_met ? PUT_LIT(o, "true") : PUT_LIT(o, "false");
			*o++ = '}';
		}
		o = PUT_LIT(o, ",\"why\":{\"rule\":");
		memcpy(o, names->rules_json[rule_idx], names->rules_json_len[rule_idx]);
		o += names->rules_json_len[rule_idx];
	} else {
		o = PUT_LIT(o, ",\"priority\":null,\"sla_due\":null,\"why\":{\"rule\":\"default\"");
	}
	if (scrm_str_present(r->topic_terms) && scrm_str_present(r->topic_ids)) {
		/* {"topic":["term",...],...}: the terms that made each topic and cue match. */
		size_t nt = r->topic_terms.len / sizeof(scrm_topic_why_term);
		size_t nh = r->topic_ids.len / sizeof(uint16_t);
		const char *tt = scrm_str_ptr(arena, r->topic_terms), *ids = scrm_str_ptr(arena, r->topic_ids);
		o = PUT_LIT(o, ",\"topics\":{");
		uint32_t open = UINT32_MAX;
		for (size_t i = 0; i < nt; i++) {
			scrm_topic_why_term w;
			memcpy(&w, tt + i * sizeof w, sizeof w);
			if (w.hit >= nh || w.term >= names->n_terms)
				continue;
			if (w.hit != open) {
				uint16_t id;
				memcpy(&id, ids + w.hit * sizeof id, sizeof id);
				if (id >= names->n_topics)
					continue;
				if (open != UINT32_MAX)
					o = PUT_LIT(o, "],");
				memcpy(o, names->topics_json[id], names->topics_json_len[id]);
				o += names->topics_json_len[id];
				o = PUT_LIT(o, ":[");
				open = w.hit;
			} else {
				*o++ = ',';
			}
			memcpy(o, names->terms_json[w.term], names->terms_json_len[w.term]);
			o += names->terms_json_len[w.term];
		}
		if (open != UINT32_MAX)
			*o++ = ']';
		*o++ = '}';
	}
	for (int k = 0; k < 2; k++) {
		if (!scrm_str_present(r->clf_why[k]))
			continue;
		o = k == 0 ? PUT_LIT(o, ",\"intent\":") : PUT_LIT(o, ",\"action_needed\":");
		o = put_arena_str(o, arena, r->clf_why[k]);
	}
	if (nst) {
		/* {"word":valence,...}: what moved the primary mode's score, after its rules. */
		o = PUT_LIT(o, ",\"sentiment\":{");
		for (size_t i = 0; i < nst; i++) {
			if (i)
				*o++ = ',';
			o = put_valid_str(o, st[i].word, st[i].len);
			*o++ = ':';
			o = put_fixed(o, st[i].valence, 3);
		}
		*o++ = '}';
	}
	if (r->sent_symbols) {
		/* the text's language is not the lexicon's: sentiment from emoji and emoticons */
		o = PUT_LIT(o, ",\"sentiment_lang\":");
		o = put_arena_str(o, arena, r->lang);
	}
	o = PUT_LIT(o, "},\"input\":{\"file\":");
	memcpy(o, input, input_len);
	o += input_len;
	o = PUT_LIT(o, ",\"offset\":");
	o = put_u64(o, r->in_offset);
	o = PUT_LIT(o, ",\"line\":");
	o = put_u64(o, r->in_line);
	o = PUT_LIT(o, ",\"sub\":");
	o = put_u64(o, r->sub);
	o = PUT_LIT(o, "}}\n");
	out->len = (size_t)(o - out->data);
	return 0;
}

/* Quote and escape each name once, as scrm_json_put_str would. */
static int quote_all(const char *const *in, size_t n, char ***out, size_t **lens)
{
	*out = calloc(n ? n : 1, sizeof **out);
	*lens = calloc(n ? n : 1, sizeof **lens);
	if (!*out || !*lens)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		scrm_buf b = {0};
		if (scrm_json_put_str(&b, in[i], strlen(in[i])) || scrm_buf_append(&b, "", 1)) {
			scrm_buf_free(&b);
			return -ENOMEM;
		}
		(*out)[i] = b.data;
		(*lens)[i] = b.len - 1;
	}
	return 0;
}

int scrm_event_names_set_rules(scrm_event_names *nm, const char *const *whys, size_t n, const char *default_why)
{
	const char **all = malloc((n + 1) * sizeof *all);
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		all[i] = whys[i];
	all[n] = default_why;
	nm->n_rules = n; /* so that scrm_event_names_free() also frees a partial table */
	int rc = quote_all(all, n + 1, &nm->rules_json, &nm->rules_json_len);
	free(all);
	return rc ? -ENOMEM : 0;
}

int scrm_event_names_init(scrm_event_names *nm, const char *const *routes, size_t n_routes,
			  const char *const *inputs, size_t n_inputs, const scrm_topics *topics)
{
	memset(nm, 0, sizeof *nm);
	nm->n_routes = n_routes;
	nm->n_inputs = n_inputs;
	if (quote_all(routes, n_routes, &nm->routes_json, &nm->routes_json_len) ||
	    quote_all(inputs, n_inputs, &nm->inputs_json, &nm->inputs_json_len))
		goto nomem;
	if (topics) {
		size_t n = scrm_topics_count(topics);
		const char **names = calloc(n ? n : 1, sizeof *names);
		nm->topic_is_cue = calloc(n ? n : 1, 1);
		if (!names || !nm->topic_is_cue) {
			free(names);
			goto nomem;
		}
		for (size_t i = 0; i < n; i++) {
			names[i] = scrm_topics_name(topics, (uint16_t)i);
			nm->topic_is_cue[i] = (uint8_t)scrm_topics_is_cue(topics, (uint16_t)i);
		}
		nm->n_topics = n;
		int rc = quote_all(names, n, &nm->topics_json, &nm->topics_json_len);
		free(names);
		if (rc)
			goto nomem;
		/* Room for every name once (an event lists each matched id once). */
		nm->topics_bound = 32;
		for (size_t i = 0; i < n; i++)
			nm->topics_bound += nm->topics_json_len[i] + 1;
		size_t nt = scrm_topics_pattern_count(topics);
		const char **terms = calloc(nt ? nt : 1, sizeof *terms);
		if (!terms)
			goto nomem;
		for (size_t i = 0; i < nt; i++)
			terms[i] = scrm_topics_term_text(topics, (uint32_t)i);
		nm->n_terms = nt;
		rc = quote_all(terms, nt, &nm->terms_json, &nm->terms_json_len);
		free(terms);
		if (rc)
			goto nomem;
		size_t longest = 0;
		for (size_t i = 0; i < nt; i++)
			longest = nm->terms_json_len[i] > longest ? nm->terms_json_len[i] : longest;
		nm->terms_bound = 32 + SCRM_TOPICS_MAX_TERMS * (longest + 4);
	}
	return 0;
nomem:
	scrm_event_names_free(nm);
	return -ENOMEM;
}

void scrm_event_names_free(scrm_event_names *nm)
{
	if (!nm)
		return;
	for (size_t i = 0; nm->routes_json && i < nm->n_routes; i++)
		free(nm->routes_json[i]);
	for (size_t i = 0; nm->inputs_json && i < nm->n_inputs; i++)
		free(nm->inputs_json[i]);
	for (size_t i = 0; nm->topics_json && i < nm->n_topics; i++)
		free(nm->topics_json[i]);
	free(nm->topics_json);
	for (size_t i = 0; nm->terms_json && i < nm->n_terms; i++)
		free(nm->terms_json[i]);
	free(nm->terms_json);
	free(nm->terms_json_len);
	free(nm->topics_json_len);
	free(nm->topic_is_cue);
	for (size_t i = 0; nm->rules_json && i <= nm->n_rules; i++)
		free(nm->rules_json[i]);
	free(nm->rules_json);
	free(nm->rules_json_len);
	free(nm->routes_json);
	free(nm->inputs_json);
	free(nm->routes_json_len);
	free(nm->inputs_json_len);
	memset(nm, 0, sizeof *nm);
}
