/*
 * json_shim.cpp - normalize.h on top of simdjson's DOM parser (a thin C++ shim behind a
 * C API: C-like code, simdjson's error-code API only; no exception escapes: the C
 * entry points catch std::bad_alloc from the reused vectors and return -ENOMEM).
 *
 * Why DOM and not On-Demand: listen must quarantine every line that is not strict
 * JSON (RFC 8259, incl. UTF-8), and the DOM parser validates the whole document
 * before we look at it. One parser per normalizer, reused, so its buffers stop
 * growing after the largest line; records and their strings go into the caller's
 * recvec and arena; the only other buffers (repair scratch, v2 include indexes) are
 * per normalizer and reused. Nothing allocates per record once warm.
 *
 * Every object is walked once: each key is looked up in a small perfect-ish hash
 * table built at compile time (keytab), and the values we need are kept by slot.
 *
 * Detection (SCRM_FORMAT_AUTO), in this order: "channel" -> scrm schema (no
 * platform object has a top-level "channel"); "data" object/array -> X API v2; a
 * "user" object plus "text"/"full_text" -> Twitter v1.1; "subreddit" plus "body" or
 * "title" -> Reddit; then Twitter stream control messages (skipped), an "errors" body
 * (api_error), else unknown_schema. A forced format only tries its own test (Twitter
 * formats still skip control messages and report API errors). A repeated key keeps
 * its first value, as simdjson's at_key does.
 *
 * Choices the sources leave open: v1.1 has no conversation id, so conversation = the
 * parent (in_reply_to) or, for a post that answers nothing, its own id; v2 uses
 * conversation_id and falls back the same way when default fields omit it. A Reddit
 * author "[deleted]" leaves author_handle absent (it is a placeholder shared by
 * thousands, not a person). Twitter and Reddit text has &amp; &lt; &gt; decoded.
 *
 * Invalid input, in order of the work done on it:
 *   - a trailing '\r' is dropped; a line of only JSON whitespace is SKIP_EMPTY;
 *   - invalid UTF-8: the line is copied into scratch with each maximal subpart of an
 *     ill-formed sequence replaced by U+FFFD (Unicode ch. 3 "substitution of maximal
 *     subparts", the WHATWG/Python errors="replace" policy), and parsed again;
 *   - lone or inverted UTF-16 surrogate escapes (simdjson 3.0.1 rejects them with
 *     STRING_ERROR) are rewritten in place to \ufffd (same length) and parsed again;
 *   - a number JSON allows but no int64/uint64/finite double holds (an integer beyond
 *     64 bits, 1e400), which simdjson refuses, is rewritten in place to `null` padded
 *     with spaces and the line parsed again: an unrepresentable value reads as absent
 *     instead of losing the whole line;
 *   - a line that parses only after a repair has res->repaired set (SCRM_REPAIR_UTF8,
 *     SCRM_REPAIR_NUMBER) and SCRM_REC_REPAIRED_UTF8 / _NUMBER on each record.
 *
 * Canonical scrm input schema (one JSON object per line):
 *
 *   {"id":          string, required, non-empty
 *    "ts":          RFC 3339 / ISO 8601 string (see scrm_parse_time), or an integer
 *                   count of milliseconds since 1970-01-01T00:00:00Z
 *    "channel":     string, required, non-empty ("email", "chat", "call", "twitter", ...)
 *    "direction":   "in" | "out"; default "in" (from a customer; "out" = the brand's own)
 *    "text":        string, required, non-empty; kept verbatim (no entity decoding)
 *    "author":      {"id": string, "handle": string, "name": string,
 *                    "followers": integer, "verified": boolean}
 *    "conversation": string,   "in_reply_to": string,
 *    "retweet_of":  string (sets the retweet flag), "quote_of": string (sets the quote flag),
 *    "lang":        string,    "place": string,
 *    "metrics":     {"retweets": integer, "likes": integer, "replies": integer,
 *                    "quotes": integer}}
 *
 *   Every field but id, channel and text is optional; null means absent. Unknown keys
 *   are ignored. A field of the wrong type rejects the line as unknown_schema with a
 *   detail naming the field; a missing id is missing_id; a missing, null or empty text
 *   is missing_text. A line is taken as a scrm record when it has a top-level "channel".
 */
#include <simdjson.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

/* The C headers do not wrap buf.h/record.h in extern "C"; give them C linkage here. */
extern "C" {
#include "normalize.h"
#include "utf8.h"
}

using simdjson::error_code;
using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;
using sv = std::string_view;

static constexpr scrm_str k_none = {UINT32_MAX, 0};

/* ---------------------------------------------------------------- key tables ---- */

/*
 * A compile-time perfect hash from key name to slot index. A key is read as two words
 * that hold all of its bytes when it is at most 16 long (key_words); the hash of the
 * words and the length uses a multiplier that make_keytab searches for, so that every
 * name of a set gets a slot of its own. A lookup is then one probe: no chain to walk,
 * and one compare of the words and length (plus the middle bytes of a key over 16).
 * Entry 0 is a sentinel of length 0 that no key matches, so an empty slot needs no
 * test of its own.
 */
#define KEYTAB_BITS 9
struct keytab {
	uint64_t mul;
	uint64_t wa[65], wb[65];
	const char *name[65];
	uint8_t len[65];
	uint16_t slot[1u << KEYTAB_BITS]; /* entry index, 0 = none */
};

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "key words are built little-endian at compile time");

static constexpr uint64_t word_of(const char *s, size_t nbytes)
{
	uint64_t w = 0;
	for (size_t i = 0; i < nbytes; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return w;
}

/* The two words of an n-byte key, 1 <= n: the first and last 8 bytes from 8 bytes up;
 * the first and last 4 from 4 up; else the first, middle and last byte. Never reads
 * outside the key. constexpr twin of load_words. */
static constexpr void key_words_c(const char *s, size_t n, uint64_t &a, uint64_t &b)
{
	if (n >= 8) {
		a = word_of(s, 8);
		b = word_of(s + n - 8, 8);
	} else if (n >= 4) {
		a = word_of(s, 4) | word_of(s + n - 4, 4) << 32;
		b = 0;
	} else {
		a = word_of(s, 1) | word_of(s + n / 2, 1) << 8 | word_of(s + n - 1, 1) << 16;
		b = 0;
	}
}

static inline void key_words(const char *s, size_t n, uint64_t &a, uint64_t &b) noexcept
{
	uint32_t x, y;
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		a = x | (uint64_t)y << 32;
		b = 0;
	} else {
		a = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
		    (uint64_t)(unsigned char)s[n - 1] << 16;
		b = 0;
	}
}

static constexpr unsigned key_hash(uint64_t mul, uint64_t a, uint64_t b, size_t n)
{
	return (unsigned)(((a ^ (b * 0x9E3779B97F4A7C15ull) ^ n) * mul) >> (64 - KEYTAB_BITS));
}

static constexpr size_t cstr_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

template <size_t N> static constexpr bool keytab_try(keytab &t, const char *const (&names)[N], uint64_t mul)
{
	for (unsigned h = 0; h < (1u << KEYTAB_BITS); h++)
		t.slot[h] = 0;
	t.mul = mul;
	for (size_t i = 0; i < N; i++) {
		unsigned h = key_hash(mul, t.wa[i + 1], t.wb[i + 1], t.len[i + 1]);
		if (t.slot[h])
			return false;
		t.slot[h] = (uint16_t)(i + 1);
	}
	return true;
}

template <size_t N> static constexpr keytab make_keytab(const char *const (&names)[N])
{
	static_assert(N <= 64, "a key set must fit the 64-bit presence mask");
	keytab t{};
	t.name[0] = "";
	for (size_t i = 0; i < N; i++) {
		size_t n = cstr_len(names[i]);
		if (n < 1 || n > 40)
			throw "key length out of range"; /* not a constant expression: fails the build */
		t.name[i + 1] = names[i];
		t.len[i + 1] = (uint8_t)n;
		key_words_c(names[i], n, t.wa[i + 1], t.wb[i + 1]);
	}
	/* Odd multipliers from a fixed sequence until one separates every key. */
	uint64_t mul = 0x9E3779B97F4A7C15ull;
	for (int tries = 0; tries < 100000; tries++) {
		if (keytab_try(t, names, mul | 1))
			return t;
		mul = mul * 6364136223846793005ull + 1442695040888963407ull;
	}
	throw "no perfect hash found"; /* fails the build */
}

/* Equality of two n-byte strings with overlapping word loads that never read past
 * either: cheaper than a memcmp call for short keys. */
static inline bool key_eq(const char *a, const char *b, size_t n) noexcept
{
	uint64_t x, y, x2, y2;
	uint32_t u, w, u2, w2;
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return false;
		}
		memcpy(&x2, a + n - 8, 8);
		memcpy(&y2, b + n - 8, 8);
		return x2 == y2;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&w, b, 4);
		memcpy(&u2, a + n - 4, 4);
		memcpy(&w2, b + n - 4, 4);
		return u == w && u2 == w2;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The slot of key k in t, or -1. */
static inline __attribute__((always_inline)) int key_find(const keytab &t, sv k) noexcept
{
	size_t n = k.size();
	uint64_t a, b;
	if (n - 1 >= 40) /* 0 or over 40: no such key */
		return -1;
	key_words(k.data(), n, a, b);
	unsigned i = t.slot[key_hash(t.mul, a, b, n)];
	if (((t.wa[i] ^ a) | (t.wb[i] ^ b) | (t.len[i] ^ n)) != 0)
		return -1;
	if (n > 16 && !key_eq(t.name[i] + 8, k.data() + 8, n - 16))
		return -1;
	return (int)i - 1;
}

/* Keys of a post-like object: the top level of every schema, a v1 tweet (also when
 * nested as retweeted_status), a v2 tweet. Shared names (id, text, ...) share a slot. */
#define POST_KEYS(X)                                                                     \
	X(DELETE, "delete") X(LIMIT, "limit") X(WARNING, "warning")                      \
	X(STATUS_WITHHELD, "status_withheld") X(USER_WITHHELD, "user_withheld")          \
	X(FRIENDS, "friends") X(FRIENDS_STR, "friends_str")                              \
	X(DIRECT_MESSAGE, "direct_message") X(EVENT, "event") X(SCRUB_GEO, "scrub_geo")  \
	X(DISCONNECT, "disconnect") X(CONTROL, "control")                                \
	X(DATA, "data") X(INCLUDES, "includes") X(ERRORS, "errors")                      \
	X(ID, "id") X(ID_STR, "id_str") X(TEXT, "text") X(FULL_TEXT, "full_text")        \
	X(EXTENDED_TWEET, "extended_tweet") X(RETWEETED_STATUS, "retweeted_status")      \
	X(QUOTED_STATUS, "quoted_status") X(QUOTED_STATUS_ID_STR, "quoted_status_id_str") \
	X(QUOTED_STATUS_ID, "quoted_status_id") X(TRUNCATED, "truncated")                \
	X(TIMESTAMP_MS, "timestamp_ms") X(CREATED_AT, "created_at") X(USER, "user")      \
	X(IN_REPLY_TO_STATUS_ID_STR, "in_reply_to_status_id_str")                        \
	X(IN_REPLY_TO_STATUS_ID, "in_reply_to_status_id") X(LANG, "lang")                \
	X(RETWEET_COUNT, "retweet_count") X(FAVORITE_COUNT, "favorite_count")            \
	X(REPLY_COUNT, "reply_count") X(QUOTE_COUNT, "quote_count")                      \
	X(AUTHOR_ID, "author_id") X(NOTE_TWEET, "note_tweet")                            \
	X(REFERENCED_TWEETS, "referenced_tweets") X(CONVERSATION_ID, "conversation_id")  \
	X(PUBLIC_METRICS, "public_metrics")                                              \
	X(NAME, "name") X(BODY, "body") X(TITLE, "title") X(SELFTEXT, "selftext")        \
	X(AUTHOR, "author") X(AUTHOR_FULLNAME, "author_fullname")                        \
	X(SUBREDDIT, "subreddit") X(CREATED_UTC, "created_utc") X(PARENT_ID, "parent_id") \
	X(LINK_ID, "link_id") X(SCORE, "score") X(NUM_COMMENTS, "num_comments")          \
	X(TS, "ts") X(CHANNEL, "channel") X(DIRECTION, "direction")                      \
	X(CONVERSATION, "conversation") X(IN_REPLY_TO, "in_reply_to")                    \
	X(RETWEET_OF, "retweet_of") X(QUOTE_OF, "quote_of") X(PLACE, "place")            \
	X(METRICS, "metrics") X(KIND, "kind") X(FLAGS, "flags") X(RETWEET_AUTHOR, "retweet_author")

/* Keys of a user object: v1 user, v2 includes.users entry, canonical author. */
#define USER_KEYS(X)                                                                     \
	X(ID, "id") X(ID_STR, "id_str") X(SCREEN_NAME, "screen_name")                    \
	X(USERNAME, "username") X(HANDLE, "handle") X(NAME, "name")                      \
	X(FOLLOWERS_COUNT, "followers_count") X(FOLLOWERS, "followers")                  \
	X(VERIFIED, "verified") X(PUBLIC_METRICS, "public_metrics")

/* Keys of a metrics object: v2 public_metrics, canonical metrics. */
#define METRIC_KEYS(X)                                                                   \
	X(RETWEET_COUNT, "retweet_count") X(LIKE_COUNT, "like_count")                    \
	X(REPLY_COUNT, "reply_count") X(QUOTE_COUNT, "quote_count")                      \
	X(FOLLOWERS_COUNT, "followers_count") X(RETWEETS, "retweets") X(LIKES, "likes")  \
	X(REPLIES, "replies") X(QUOTES, "quotes")

#define KEY_ENUM_P(e, s) P_##e,
#define KEY_ENUM_U(e, s) U_##e,
#define KEY_ENUM_M(e, s) M_##e,
#define KEY_NAME(e, s) s,
enum post_key { POST_KEYS(KEY_ENUM_P) P__COUNT };
enum user_key { USER_KEYS(KEY_ENUM_U) U__COUNT };
enum metric_key { METRIC_KEYS(KEY_ENUM_M) M__COUNT };
static constexpr const char *k_post_names[] = {POST_KEYS(KEY_NAME)};
static constexpr const char *k_user_names[] = {USER_KEYS(KEY_NAME)};
static constexpr const char *k_metric_names[] = {METRIC_KEYS(KEY_NAME)};
static constexpr keytab k_post = make_keytab(k_post_names);
static constexpr keytab k_user = make_keytab(k_user_names);
static constexpr keytab k_metric = make_keytab(k_metric_names);

/* The values of the known keys of one object; `have` says which slots are set. The
 * slots are raw storage, constructed only when a key is seen: a post_fields is ~1 KB
 * and zeroing it twice per tweet would cost more than filling it. */
template <int N> struct fields {
	uint64_t have = 0;
	union slot {
		element e;
		slot() noexcept {}
	} v_[N];
	bool has(int k) const { return (have >> k) & 1u; }
	const element &v(int k) const { return v_[k].e; }
};
using post_fields = fields<P__COUNT>;
using user_fields = fields<U__COUNT>;
using metric_fields = fields<M__COUNT>;

/* Walk an object once. A repeated key keeps its first value, as simdjson's at_key
 * does. With a `want` mask the walk stops once all those keys are seen: a v1 user
 * object has some 40 keys and the six we need come early. */
template <int N> static void scan(object o, const keytab &t, fields<N> &f, uint64_t want = 0) noexcept
{
	for (simdjson::dom::key_value_pair kv : o) {
		int k = key_find(t, kv.key);
		if (k < 0 || f.has(k))
			continue;
		new (&f.v_[k].e) element(kv.value);
		f.have |= 1ull << k;
		if (want && (f.have & want) == want)
			return;
	}
}

/* ------------------------------------------------------------- value access ---- */

static bool str_of(element e, sv &s) noexcept
{
	return e.type() == element_type::STRING && e.get_string().get(s) == SUCCESS;
}

template <int N> static bool get_str(const fields<N> &f, int k, sv &s) noexcept
{
	return f.has(k) && str_of(f.v(k), s);
}

/* A non-empty string (an empty id or name is as good as none). */
template <int N> static bool get_nstr(const fields<N> &f, int k, sv &s) noexcept
{
	return get_str(f, k, s) && !s.empty();
}

template <int N> static bool get_obj(const fields<N> &f, int k, object &o) noexcept
{
	return f.has(k) && f.v(k).type() == element_type::OBJECT && f.v(k).get_object().get(o) == SUCCESS;
}

template <int N> static bool get_arr(const fields<N> &f, int k, array &a) noexcept
{
	return f.has(k) && f.v(k).type() == element_type::ARRAY && f.v(k).get_array().get(a) == SUCCESS;
}

template <int N> static int get_bool(const fields<N> &f, int k) noexcept /* -1 absent */
{
	bool b;
	if (!f.has(k) || f.v(k).type() != element_type::BOOL || f.v(k).get_bool().get(b) != SUCCESS)
		return -1;
	return b;
}

template <int N> static bool is_null(const fields<N> &f, int k) noexcept
{
	return !f.has(k) || f.v(k).type() == element_type::NULL_VALUE;
}

/* An integer count. Integral doubles are taken (some producers write 3.0). One beyond
 * 64 bits (above INT64_MAX, stored as uint64, or a double out of range) is read as
 * SCRM_UNKNOWN_INT, which put_count() and put_signed() flag as repaired_number (it was
 * clamped to INT64_MAX, unflagged). */
static bool int_of(element e, int64_t &v) noexcept
{
	switch (e.type()) {
	case element_type::INT64:
		return e.get_int64().get(v) == SUCCESS;
	case element_type::UINT64:
		v = SCRM_UNKNOWN_INT; /* only above INT64_MAX is a value stored as uint64 */
		return true;
	case element_type::DOUBLE: {
		double d;
		if (e.get_double().get(d) != SUCCESS)
			return false;
		if (!(d > -9.2e18 && d < 9.2e18)) {
			v = SCRM_UNKNOWN_INT;
			return true;
		}
		if (d != std::floor(d))
			return false;
		v = (int64_t)d;
		return true;
	}
	default:
		return false;
	}
}

template <int N> static bool get_int(const fields<N> &f, int k, int64_t &v) noexcept
{
	return f.has(k) && int_of(f.v(k), v);
}

static sv fmt_u64(uint64_t v, char (&buf)[24]) noexcept
{
	char *end = buf + sizeof buf, *p = end;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return sv(p, (size_t)(end - p));
}

/* An id: a non-empty string, or a non-negative integer written in decimal. Doubles
 * are refused: above 2^53 they are not exact. */
static bool id_of(element e, char (&buf)[24], sv &s) noexcept
{
	switch (e.type()) {
	case element_type::STRING:
		return str_of(e, s) && !s.empty();
	case element_type::INT64: {
		int64_t v;
		if (e.get_int64().get(v) != SUCCESS || v < 0)
			return false;
		s = fmt_u64((uint64_t)v, buf);
		return true;
	}
	case element_type::UINT64: {
		uint64_t v;
		if (e.get_uint64().get(v) != SUCCESS)
			return false;
		s = fmt_u64(v, buf);
		return true;
	}
	default:
		return false;
	}
}

/* The id of a v1 object: id_str when present (exact), else the numeric id (2006-2010
 * tweets and old stream messages have no id_str). */
template <int N> static bool v1_id(const fields<N> &f, int k_str, int k_num, char (&buf)[24], sv &s) noexcept
{
	return (f.has(k_str) && id_of(f.v(k_str), buf, s)) || (f.has(k_num) && id_of(f.v(k_num), buf, s));
}

/* The value of 8 ASCII digits (first digit in the low byte), or -1 if one is not a
 * digit: three multiplies instead of a chain of eight (Lemire's SWAR method). */
static int64_t digits8(const char *p) noexcept
{
	uint64_t w, d;
	memcpy(&w, p, 8);
	d = w - 0x3030303030303030ull; /* no borrow: only bytes 0x30..0x3F pass the next test */
	if ((w & 0xF0F0F0F0F0F0F0F0ull) != 0x3030303030303030ull || ((d + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull))
		return -1;
	d = d * 10 + (d >> 8); /* pairs */
	d = ((d & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
	     ((d >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >> 32;
	return (int64_t)d;
}

/* A time the engine can carry: years 0000 to 9999, as RFC 3339 writes them. Others are
 * unknown (the social schemas) or an error (the scrm schema); this keeps every sum of
 * a time and a duration in the stages far from overflow. */
#define SCRM_TS_MIN (-62167219200000LL) /* 0000-01-01T00:00:00Z */
#define SCRM_TS_MAX 253402300799999LL   /* 9999-12-31T23:59:59.999Z */
static inline bool ts_ok(int64_t ms) noexcept { return ms >= SCRM_TS_MIN && ms <= SCRM_TS_MAX; }

/* Milliseconds from an all-digits string (timestamp_ms has 13). */
static bool digits_ms(sv s, int64_t &v) noexcept
{
	size_t n = s.size(), i = 0;
	const char *p = s.data();
	int64_t x = 0;
	if (n == 0 || n > 18)
		return false;
	for (; i + 8 <= n; i += 8) {
		int64_t d = digits8(p + i);
		if (d < 0)
			return false;
		x = x * 100000000 + d;
	}
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (p[i] - '0');
	}
	v = x;
	return true;
}

/* "secs[.frac]" -> ms, sub-millisecond digits dropped. */
static bool decimal_secs_ms(sv s, int64_t &ms) noexcept
{
	size_t dot = s.find('.');
	int64_t secs, frac = 0;
	if (!digits_ms(s.substr(0, dot), secs) || secs > INT64_MAX / 1000)
		return false;
	if (dot != sv::npos) {
		sv f = s.substr(dot + 1);
		int nd = 0;
		for (char ch : f) {
			if (ch < '0' || ch > '9')
				return false;
			if (nd < 3)
				frac = frac * 10 + (ch - '0'), nd++;
		}
		for (; nd < 3; nd++)
			frac *= 10;
	}
	ms = secs * 1000 + frac;
	return true;
}

/* Seconds since the epoch (Reddit created_utc): integer, float, or either as a string. */
static bool secs_ms(element e, int64_t &ms) noexcept
{
	double d;
	sv s;
	int64_t i;
	switch (e.type()) {
	case element_type::INT64:
		if (e.get_int64().get(i) != SUCCESS || i > INT64_MAX / 1000 || i < INT64_MIN / 1000)
			return false;
		ms = i * 1000;
		return true;
	case element_type::DOUBLE:
		if (e.get_double().get(d) != SUCCESS)
			return false;
		break;
	case element_type::STRING:
		/* "1234567890" or "1706745600.0": parsed by hand, strtod would follow the locale. */
		return str_of(e, s) && decimal_secs_ms(s, ms);
	default:
		return false;
	}
	if (!(d > -9.2e15 && d < 9.2e15))
		return false;
	ms = (int64_t)std::llround(d * 1000.0);
	return true;
}

/* ------------------------------------------------------------- the normalizer ---- */

struct ix_entry {
	sv id;
	element e;
};

/* id -> object over an includes array (v2 users, tweets); rebuilt per page, reused. */
struct id_index {
	std::vector<ix_entry> ent;
	std::vector<int32_t> slot;
	uint32_t mask = 0;
};

struct scrm_normalizer {
	simdjson::dom::parser parser;
	enum scrm_format format;
	char *scratch = nullptr; /* repair copy of a line, SCRM_PADDING bytes of slack */
	size_t scratch_cap = 0;
	id_index users, tweets;

	~scrm_normalizer() { free(scratch); }
};

/* State of one scrm_normalize_line call. */
struct ctx {
	scrm_normalizer *n;
	scrm_recvec *out;
	scrm_buf *arena;
	scrm_norm_result *res;
	uint8_t flags0; /* flags every record of this line gets (REPAIRED_UTF8) */
	bool oom;
};

static uint32_t hash_id(sv s) noexcept
{
	uint64_t h = 1469598103934665603ull;
	for (unsigned char ch : s)
		h = (h ^ ch) * 1099511628211ull;
	return (uint32_t)(h ^ (h >> 29));
}

/* May throw std::bad_alloc (caught at the entry point). */
static void ix_build(id_index &ix, array a)
{
	ix.ent.clear();
	for (element e : a) {
		object o;
		element id;
		sv s;
		if (e.get_object().get(o) == SUCCESS && o.at_key("id").get(id) == SUCCESS && str_of(id, s))
			ix.ent.push_back({s, e});
	}
	size_t size = 16;
	while (size < ix.ent.size() * 2)
		size *= 2;
	ix.slot.assign(size, -1);
	ix.mask = (uint32_t)size - 1;
	for (size_t i = 0; i < ix.ent.size(); i++) {
		uint32_t h = hash_id(ix.ent[i].id) & ix.mask;
		while (ix.slot[h] >= 0)
			h = (h + 1) & ix.mask;
		ix.slot[h] = (int32_t)i;
	}
}

static void ix_clear(id_index &ix) noexcept
{
	ix.ent.clear();
}

static bool ix_find(const id_index &ix, sv id, object &o) noexcept
{
	if (ix.ent.empty())
		return false;
	for (uint32_t h = hash_id(id) & ix.mask; ix.slot[h] >= 0; h = (h + 1) & ix.mask) {
		const ix_entry &en = ix.ent[(size_t)ix.slot[h]];
		if (en.id == id)
			return en.e.get_object().get(o) == SUCCESS;
	}
	return false;
}

/* ------------------------------------------------------------ arena output ---- */

static bool arena_room(ctx &c, size_t n) noexcept
{
	/* scrm_str offsets are 32-bit: a chunk's arena stops at 4 GiB (reported as -ENOMEM;
	 * the caller starts a new chunk long before). The common case, room already there,
	 * is tested here: scrm_buf_reserve is a call per string. */
	size_t need = c.arena->len + n;
	if (simdjson_likely(!c.oom && need < UINT32_MAX && need + SCRM_PADDING <= c.arena->cap))
		return true;
	if (c.oom || need >= UINT32_MAX || scrm_buf_reserve(c.arena, n)) {
		c.oom = true;
		return false;
	}
	return true;
}

static void arena_raw(ctx &c, sv s) noexcept
{
	if (!arena_room(c, s.size()))
		return;
	memcpy(c.arena->data + c.arena->len, s.data(), s.size());
	c.arena->len += s.size();
}

/* Append text, decoding the only HTML entities Twitter and Reddit emit (&amp; &lt;
 * &gt;). One pass, so "&amp;lt;" becomes "&lt;", as the APIs mean it. */
static void arena_text(ctx &c, sv s, bool decode) noexcept
{
	if (!decode)
		return arena_raw(c, s);
	if (!arena_room(c, s.size()))
		return;
	char *d = c.arena->data + c.arena->len, *d0 = d;
	const char *p = s.data(), *end = p + s.size();
	while (p < end) {
		const char *amp = (const char *)memchr(p, '&', (size_t)(end - p));
		if (!amp) {
			memcpy(d, p, (size_t)(end - p));
			d += end - p;
			break;
		}
		memcpy(d, p, (size_t)(amp - p));
		d += amp - p;
		size_t left = (size_t)(end - amp);
		if (left >= 5 && memcmp(amp, "&amp;", 5) == 0) {
			*d++ = '&';
			p = amp + 5;
		} else if (left >= 4 && (memcmp(amp, "&lt;", 4) == 0 || memcmp(amp, "&gt;", 4) == 0)) {
			*d++ = amp[1] == 'l' ? '<' : '>';
			p = amp + 4;
		} else {
			*d++ = '&';
			p = amp + 1;
		}
	}
	c.arena->len += (size_t)(d - d0);
}

static scrm_str str_since(const ctx &c, size_t off) noexcept
{
	if (c.oom)
		return k_none;
	return scrm_str{(uint32_t)off, (uint32_t)(c.arena->len - off)};
}

static scrm_str put(ctx &c, sv s) noexcept
{
	size_t off = c.arena->len;
	arena_raw(c, s);
	return str_since(c, off);
}

static scrm_str put2(ctx &c, sv a, sv b) noexcept
{
	size_t off = c.arena->len;
	arena_raw(c, a);
	arena_raw(c, b);
	return str_since(c, off);
}

/* A Reddit reference (parent_id, link_id): a fullname string as given, or (some Pushshift
 * dumps) the id as an integer, the base-36 id written in decimal: then its fullname is
 * made, "t3_" when it is the submission @link (a top-level comment), else @kind. */
/* A Reddit id given as a non-negative integer (the base-36 id written in decimal) as its
 * base-36 digits, in @d; false for anything else. */
static bool reddit_b36(element e, char (&d)[16], sv &out) noexcept
{
	uint64_t v;
	if (e.type() == element_type::INT64) {
		int64_t i;
		if (e.get_int64().get(i) != SUCCESS || i < 0)
			return false;
		v = (uint64_t)i;
	} else if (e.type() != element_type::UINT64 || e.get_uint64().get(v) != SUCCESS) {
		return false;
	}
	char *p = d + sizeof d;
	do
		*--p = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
	while (v /= 36);
	out = sv(p, (size_t)(d + sizeof d - p));
	return true;
}

template <int N>
static bool reddit_ref(const fields<N> &f, int k, const char *kind, const sv *link, char (&buf)[24], sv &out) noexcept
{
	if (!f.has(k))
		return false;
	element e = f.v(k);
	if (e.type() == element_type::STRING)
		return str_of(e, out) && !out.empty();
	char d[16];
	sv b;
	if (!reddit_b36(e, d, b))
		return false;
	bool sub = link && link->size() == 3 + b.size() && link->substr(3) == b;
	memcpy(buf, sub ? "t3_" : kind, 3);
	memcpy(buf + 3, b.data(), b.size());
	out = sv(buf, 3 + b.size());
	return true;
}

static scrm_str put_opt(ctx &c, bool present, sv s) noexcept
{
	return present && !s.empty() ? put(c, s) : k_none;
}

/* A count (followers, reposts, likes, replies, quotes): a negative one is none the
 * source can mean, so it is read as unknown, and the record is flagged repaired_number
 * and the line counted as such, as for a number beyond 64 bits. (Reddit's score, which
 * goes below zero with downvotes, is no count.) */
static void put_count(ctx &c, scrm_record *r, int64_t v, int64_t &dst) noexcept
{
	if (v >= 0) {
		dst = v;
		return;
	}
	r->flags |= SCRM_REC_REPAIRED_NUMBER;
	c.res->repaired |= SCRM_REPAIR_NUMBER;
}

/* A signed integer (Reddit's score, a canonical record's likes): one beyond 64 bits
 * (SCRM_UNKNOWN_INT from int_of) is unknown and flagged repaired_number. */
static void put_signed(ctx &c, scrm_record *r, int64_t v, int64_t &dst) noexcept
{
	dst = v;
	if (v == SCRM_UNKNOWN_INT) {
		r->flags |= SCRM_REC_REPAIRED_NUMBER;
		c.res->repaired |= SCRM_REPAIR_NUMBER;
	}
}

template <int N> static void get_count(ctx &c, scrm_record *r, const fields<N> &f, int k, int64_t &dst) noexcept
{
	int64_t v;
	if (get_int(f, k, v))
		put_count(c, r, v, dst);
}

static scrm_record *push(ctx &c, enum scrm_schema schema, uint8_t flags) noexcept
{
	scrm_record *r = scrm_recvec_push(c.out);
	if (!r) {
		c.oom = true;
		return nullptr;
	}
	r->sub = (uint32_t)c.res->nrec++;
	r->schema = (uint8_t)schema;
	r->direction = SCRM_DIR_IN;
	r->flags = (uint8_t)(c.flags0 | flags);
	return r;
}

static int reject(ctx &c, enum scrm_reject why, const char *detail) noexcept
{
	c.res->reject = why;
	c.res->detail = detail;
	return 0;
}

/* ------------------------------------------------------------- Twitter v1.1 ---- */

/*
 * Whether an X text is a repost by its form: "RT @handle:" at its start, as X writes a
 * native retweet's own text and people once typed by hand. It marks a retweet that came
 * without the original's object: a v1.1 old-style manual retweet, or a v2 page fetched
 * without the referenced_tweets field. Handles are 1 to 15 of [A-Za-z0-9_].
 */
static bool rt_prefix(sv text) noexcept
{
	if (text.size() < 6 || text.compare(0, 4, "RT @") != 0)
		return false;
	size_t i = 4;
	while (i < text.size() && i < 4 + 15 &&
	       ((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z') ||
		(text[i] >= '0' && text[i] <= '9') || text[i] == '_'))
		i++;
	return i > 4 && i < text.size() && text[i] == ':';
}

/* The full text of a v1 status: extended_tweet.full_text (stream, compat mode), else
 * full_text (REST tweet_mode=extended), else text. Sets *trunc when the status says
 * it is truncated and no full text came with it. */
static bool v1_text(const post_fields &s, sv &text, bool &trunc) noexcept
{
	object ext;
	element ft;
	trunc = false;
	/* an empty full text does not hide a usable shorter one */
	if (get_obj(s, P_EXTENDED_TWEET, ext) && ext.at_key("full_text").get(ft) == SUCCESS && str_of(ft, text) &&
	    !text.empty())
		return true;
	if (get_str(s, P_FULL_TEXT, text) && !text.empty())
		return true;
	trunc = get_bool(s, P_TRUNCATED) == 1;
	return get_str(s, P_TEXT, text);
}

static void v1_user(ctx &c, scrm_record *r, object uo) noexcept
{
	user_fields u;
	char buf[24];
	sv s;
	const uint64_t want = 1u << U_ID | 1u << U_ID_STR | 1u << U_SCREEN_NAME | 1u << U_NAME |
			      1u << U_FOLLOWERS_COUNT | 1u << U_VERIFIED;
	scan(uo, k_user, u, want);
	if (v1_id(u, U_ID_STR, U_ID, buf, s))
		r->author_id = put(c, s);
	r->author_handle = put_opt(c, get_str(u, U_SCREEN_NAME, s), s);
	r->author_name = put_opt(c, get_str(u, U_NAME, s), s);
	get_count(c, r, u, U_FOLLOWERS_COUNT, r->followers);
	r->verified = (int8_t)get_bool(u, U_VERIFIED);
}

static int64_t v1_ts(const post_fields &f) noexcept
{
	int64_t ms;
	sv s;
	if (f.has(P_TIMESTAMP_MS)) {
		if ((get_str(f, P_TIMESTAMP_MS, s) ? digits_ms(s, ms) : int_of(f.v(P_TIMESTAMP_MS), ms)) && ts_ok(ms))
			return ms;
	}
	if (get_str(f, P_CREATED_AT, s) && scrm_parse_time(s.data(), s.size(), &ms) == 0 && ts_ok(ms))
		return ms;
	return SCRM_UNKNOWN_INT;
}

/* The quoted post: quoted_status_id_str, quoted_status_id, or quoted_status's own id. */
static bool v1_quote(const post_fields &f, char (&buf)[24], sv &s) noexcept
{
	object qo;
	element e;
	if (v1_id(f, P_QUOTED_STATUS_ID_STR, P_QUOTED_STATUS_ID, buf, s))
		return true;
	if (!get_obj(f, P_QUOTED_STATUS, qo))
		return false;
	return (qo.at_key("id_str").get(e) == SUCCESS && id_of(e, buf, s)) ||
	       (qo.at_key("id").get(e) == SUCCESS && id_of(e, buf, s));
}

static int norm_v1(ctx &c, const post_fields &f) noexcept
{
	char idb[24], rtb[24], qb[24], rpb[24];
	sv id, text, rt_id, q_id, rp_id, s, rt_author;
	bool trunc, rt_known = false, rt_has_author = false;
	uint8_t flags = 0;
	object rso, uo;

	if (!v1_id(f, P_ID_STR, P_ID, idb, id))
		return reject(c, SCRM_REJ_MISSING_ID, "tweet without id_str or id");
	bool rt_obj = get_obj(f, P_RETWEETED_STATUS, rso);
	if (rt_obj) {
		/* A retweet's own text is "RT @user: " plus a cut-off copy: use the original's. */
		post_fields rs;
		scan(rso, k_post, rs);
		if (!v1_text(rs, text, trunc))
			return reject(c, SCRM_REJ_MISSING_TEXT, "retweeted_status without text");
		if (v1_id(rs, P_ID_STR, P_ID, rtb, rt_id)) {
			flags |= SCRM_REC_RETWEET;
			rt_known = true;
		}
		object ruo; /* whom it reposts: the network part credits her (influence.h) */
		if (get_obj(rs, P_USER, ruo)) {
			user_fields ru;
			scan(ruo, k_user, ru);
			rt_has_author = get_nstr(ru, U_SCREEN_NAME, rt_author);
		}
	} else if (!v1_text(f, text, trunc)) {
		return reject(c, SCRM_REJ_MISSING_TEXT, "tweet without text");
	} else if (rt_prefix(text)) {
		flags |= SCRM_REC_RETWEET; /* a repost whose original did not come with it */
	}
	if (text.empty())
		return reject(c, SCRM_REJ_MISSING_TEXT, "empty text");
	if (trunc)
		flags |= SCRM_REC_TRUNCATED;
	/* A retweet quotes nothing itself: X copies a quoted original's quoted_status_id_str
	 * onto some of its retweets only (as v2, where the quote is the original's). */
	if (!rt_obj && v1_quote(f, qb, q_id))
		flags |= SCRM_REC_QUOTE;

	scrm_record *r = push(c, SCRM_SCHEMA_TWITTER_V1, flags);
	if (!r)
		return 0;
	r->id = put(c, id);
	r->channel = put(c, "twitter");
	if (rt_known)
		r->retweet_of = put(c, rt_id);
	r->retweet_author = put_opt(c, rt_has_author, rt_author);
	if (flags & SCRM_REC_QUOTE)
		r->quote_of = put(c, q_id);
	/* v1.1 has no conversation id: the parent stands in for it (a reply joins its
	 * parent's thread; a post that answers nothing starts its own). */
	if (v1_id(f, P_IN_REPLY_TO_STATUS_ID_STR, P_IN_REPLY_TO_STATUS_ID, rpb, rp_id)) {
		r->in_reply_to = put(c, rp_id);
		r->conversation = r->in_reply_to;
	} else {
		r->conversation = r->id;
	}
	r->lang = put_opt(c, get_str(f, P_LANG, s), s);
	if (get_obj(f, P_USER, uo))
		v1_user(c, r, uo);
	r->ts_ms = v1_ts(f);
	/* A retweet object carries the original's counts (retweet_count copied, likes 0),
	 * not its own: they would credit the retweeter with the original's reach. Unknown.
	 * A manual retweet (rt_prefix, no retweeted_status) is a tweet of its own: its
	 * counts are its own. */
	if (!rt_known) {
		get_count(c, r, f, P_RETWEET_COUNT, r->retweets);
		get_count(c, r, f, P_FAVORITE_COUNT, r->likes);
		get_count(c, r, f, P_REPLY_COUNT, r->replies);
		get_count(c, r, f, P_QUOTE_COUNT, r->quotes);
	}
	size_t off = c.arena->len;
	arena_text(c, text, true);
	r->text = str_since(c, off);
	return 0;
}

/* ---------------------------------------------------------------- X API v2 ---- */

/* A v2 tweet's full text: note_tweet.text (long posts) else text. */
static bool v2_text(const post_fields &t, sv &text) noexcept
{
	object nt;
	element e;
	if (get_obj(t, P_NOTE_TWEET, nt) && nt.at_key("text").get(e) == SUCCESS && str_of(e, text) && !text.empty())
		return true;
	return get_str(t, P_TEXT, text);
}

static void v2_author(ctx &c, scrm_record *r, sv author_id) noexcept
{
	object uo, pm;
	user_fields u;
	element e;
	sv s;
	int64_t v;
	if (!ix_find(c.n->users, author_id, uo))
		return;
	scan(uo, k_user, u);
	r->author_handle = put_opt(c, get_str(u, U_USERNAME, s), s);
	r->author_name = put_opt(c, get_str(u, U_NAME, s), s);
	r->verified = (int8_t)get_bool(u, U_VERIFIED);
	if (get_obj(u, U_PUBLIC_METRICS, pm) && pm.at_key("followers_count").get(e) == SUCCESS && int_of(e, v))
		put_count(c, r, v, r->followers);
}

static void v2_metrics(ctx &c, scrm_record *r, object pm) noexcept
{
	metric_fields m;
	scan(pm, k_metric, m);
	get_count(c, r, m, M_RETWEET_COUNT, r->retweets);
	get_count(c, r, m, M_LIKE_COUNT, r->likes);
	get_count(c, r, m, M_REPLY_COUNT, r->replies);
	get_count(c, r, m, M_QUOTE_COUNT, r->quotes);
}

/* The ids a v2 tweet references, by kind. */
struct v2_refs {
	sv retweet_of, quote_of, reply_to;
};

static void v2_refs_of(const post_fields &t, v2_refs &rf) noexcept
{
	array a;
	if (!get_arr(t, P_REFERENCED_TWEETS, a))
		return;
	for (element e : a) {
		element te, ie;
		sv type, id;
		if (e.at_key("type").get(te) != SUCCESS || e.at_key("id").get(ie) != SUCCESS || !str_of(te, type) ||
		    !str_of(ie, id) || id.empty())
			continue;
		if (type == "retweeted")
			rf.retweet_of = id;
		else if (type == "quoted")
			rf.quote_of = id;
		else if (type == "replied_to")
			rf.reply_to = id;
	}
}

/* Normalize one tweet of a page; returns SCRM_REJ_NONE or why it was unusable.
 * @page_refs: a tweet of the page has referenced_tweets (it was asked for). */
static enum scrm_reject norm_v2_tweet(ctx &c, element te, bool page_refs) noexcept
{
	post_fields t;
	object to, rto, pm;
	v2_refs rf;
	sv id, text, s, rt_author;
	uint8_t flags = 0;
	int64_t ms;
	bool manual = false; /* a manual retweet: a tweet of its own, with its own counts */
	bool rt_has_author = false;

	if (te.get_object().get(to) != SUCCESS)
		return SCRM_REJ_UNKNOWN_SCHEMA;
	scan(to, k_post, t);
	if (!get_nstr(t, P_ID, id))
		return SCRM_REJ_MISSING_ID;
	if (!v2_text(t, text) || text.empty())
		return SCRM_REJ_MISSING_TEXT;
	v2_refs_of(t, rf);
	if (!rf.retweet_of.empty()) {
		/* Like v1, a retweet carries the original's full text when the page has it. */
		post_fields rt;
		sv full;
		flags |= SCRM_REC_RETWEET;
		if (ix_find(c.n->tweets, rf.retweet_of, rto) && (scan(rto, k_post, rt), v2_text(rt, full)) && !full.empty())
			text = full;
		else
			flags |= SCRM_REC_TRUNCATED;
		/* whom it reposts (includes.tweets' author_id, then includes.users): the network
		 * part credits her, as "RT @x:" does (influence.h) */
		sv aid;
		object ruo;
		if (get_nstr(rt, P_AUTHOR_ID, aid) && ix_find(c.n->users, aid, ruo)) {
			user_fields ru;
			scan(ruo, k_user, ru);
			rt_has_author = get_nstr(ru, U_USERNAME, rt_author);
		}
	} else if (rt_prefix(text)) {
		/* a repost by its text: on a page with referenced_tweets a manual one (X's own
		 * would reference its original), else maybe X's, whose counts are not its own */
		flags |= SCRM_REC_RETWEET;
		manual = page_refs || t.has(P_REFERENCED_TWEETS);
	}
	if (!rf.quote_of.empty())
		flags |= SCRM_REC_QUOTE;

	scrm_record *r = push(c, SCRM_SCHEMA_TWITTER_V2, flags);
	if (!r)
		return SCRM_REJ_NONE;
	r->id = put(c, id);
	r->channel = put(c, "twitter");
	r->retweet_of = put_opt(c, true, rf.retweet_of);
	r->retweet_author = put_opt(c, rt_has_author, rt_author);
	r->quote_of = put_opt(c, true, rf.quote_of);
	r->in_reply_to = put_opt(c, true, rf.reply_to);
	/* Default-fields pages have no conversation_id: fall back as for v1. */
	if (get_nstr(t, P_CONVERSATION_ID, s))
		r->conversation = put(c, s);
	else
		r->conversation = scrm_str_present(r->in_reply_to) ? r->in_reply_to : r->id;
	r->lang = put_opt(c, get_str(t, P_LANG, s), s);
	if (get_nstr(t, P_AUTHOR_ID, s)) {
		r->author_id = put(c, s);
		v2_author(c, r, s);
	}
	if (get_str(t, P_CREATED_AT, s) && scrm_parse_time(s.data(), s.size(), &ms) == 0 && ts_ok(ms))
		r->ts_ms = ms;
	if ((!(flags & SCRM_REC_RETWEET) || manual) && get_obj(t, P_PUBLIC_METRICS, pm))
		v2_metrics(c, r, pm); /* a retweet's are the original's, as in v1 */
	size_t off = c.arena->len;
	arena_text(c, text, true);
	r->text = str_since(c, off);
	return SCRM_REJ_NONE;
}

static const char *v2_partial_detail(enum scrm_reject why) noexcept
{
	switch (why) {
	case SCRM_REJ_MISSING_ID:
		return "v2: a tweet in data has no id";
	case SCRM_REJ_MISSING_TEXT:
		return "v2: a tweet in data has no text";
	default:
		return "v2: an element of data is not an object";
	}
}

static int norm_v2(ctx &c, const post_fields &f)
{
	object inc;
	array a;
	enum scrm_reject first = SCRM_REJ_NONE;

	ix_clear(c.n->users);
	ix_clear(c.n->tweets);
	if (get_obj(f, P_INCLUDES, inc)) {
		element e;
		if (inc.at_key("users").get(e) == SUCCESS && e.get_array().get(a) == SUCCESS)
			ix_build(c.n->users, a);
		if (inc.at_key("tweets").get(e) == SUCCESS && e.get_array().get(a) == SUCCESS)
			ix_build(c.n->tweets, a);
	}
	if (f.v(P_DATA).type() == element_type::OBJECT) {
		first = norm_v2_tweet(c, f.v(P_DATA), false);
	} else if (f.v(P_DATA).get_array().get(a) == SUCCESS) {
		bool refs = false;
		for (element te : a) {
			object to;
			element ignored;
			if (!refs && te.get_object().get(to) == SUCCESS && to.at_key("referenced_tweets").get(ignored) == SUCCESS)
				refs = true;
		}
		for (element te : a) {
			enum scrm_reject why = norm_v2_tweet(c, te, refs);
			if (first == SCRM_REJ_NONE)
				first = why;
		}
		if (a.size() == 0) {
			/* An empty result page: paging metadata, not a message. */
			c.res->skip = SCRM_SKIP_CONTROL;
			return 0;
		}
	}
	/* Unusable tweets are never dropped silently: the line reports the first reason,
	 * with nrec > 0 when other tweets of the page were kept (see normalize.h). */
	if (first != SCRM_REJ_NONE)
		return reject(c, first, v2_partial_detail(first));
	return 0;
}

/* ----------------------------------------------------------- Reddit/Pushshift ---- */

static bool reddit_gone(sv s) noexcept
{
	return s == "[deleted]" || s == "[removed]";
}

static int norm_reddit(ctx &c, const post_fields &f) noexcept
{
	sv body, title, self, s;
	int64_t v;
	char buf[24];
	bool comment = get_str(f, P_BODY, body);
	bool has_self = false, has_name;

	if (comment) {
		if (reddit_gone(body))
			return reject(c, SCRM_REJ_MISSING_TEXT, "deleted");
		if (body.empty())
			return reject(c, SCRM_REJ_MISSING_TEXT, "empty body");
	} else {
		get_str(f, P_TITLE, title);
		has_self = get_str(f, P_SELFTEXT, self) && !self.empty() && !reddit_gone(self);
		if (title.empty() && !has_self)
			return reject(c, SCRM_REJ_MISSING_TEXT, "submission without title or selftext");
	}
	/* The id is the fullname: `name` when given, else the kind prefix plus `id`. */
	sv name, id;
	has_name = get_nstr(f, P_NAME, name);
	char b36[16]; /* an integer id is the base-36 id in decimal, as parent_id's (reddit_ref) */
	if (!has_name && !(f.has(P_ID) && (reddit_b36(f.v(P_ID), b36, id) || id_of(f.v(P_ID), buf, id))))
		return reject(c, SCRM_REJ_MISSING_ID, "reddit post without id or name");

	scrm_record *r = push(c, SCRM_SCHEMA_REDDIT, 0);
	if (!r)
		return 0;
	if (has_name)
		r->id = put(c, name);
	else if (id.size() > 3 && id[0] == 't' && id[2] == '_')
		r->id = put(c, id);
	else
		r->id = put2(c, comment ? "t1_" : "t3_", id);
	r->channel = put(c, "reddit");
	/* "[deleted]" is a placeholder, not a handle: many people would share it. */
	if (get_nstr(f, P_AUTHOR, s) && !reddit_gone(s))
		r->author_handle = put(c, s);
	r->author_id = put_opt(c, get_str(f, P_AUTHOR_FULLNAME, s), s);
	r->place = put_opt(c, get_str(f, P_SUBREDDIT, s), s);
	if (f.has(P_CREATED_UTC) && secs_ms(f.v(P_CREATED_UTC), v) && ts_ok(v))
		r->ts_ms = v;
	if (comment) {
		sv link;
		char lbuf[24], pbuf[24];
		bool has_link = reddit_ref(f, P_LINK_ID, "t3_", nullptr, lbuf, link);
		bool has_parent = reddit_ref(f, P_PARENT_ID, "t1_", has_link ? &link : nullptr, pbuf, s);
		/* the newer Pushshift API gives a top-level comment "parent_id": null: it
		 * answers the submission */
		if (!has_parent && has_link && f.has(P_PARENT_ID) && is_null(f, P_PARENT_ID)) {
			s = link;
			has_parent = true;
		}
		r->in_reply_to = put_opt(c, has_parent, s);
		r->conversation = put_opt(c, has_link, link);
	} else {
		r->conversation = r->id;
	}
	if (get_int(f, P_SCORE, v))
		put_signed(c, r, v, r->likes);
	get_count(c, r, f, P_NUM_COMMENTS, r->replies);
	size_t off = c.arena->len;
	if (comment) {
		arena_text(c, body, true);
	} else {
		arena_text(c, title, true);
		if (has_self) {
			if (!title.empty())
				arena_raw(c, "\n\n");
			arena_text(c, self, true);
		}
	}
	r->text = str_since(c, off);
	return 0;
}

/* ------------------------------------------------------- canonical scrm schema ---- */

/* An optional string field: absent/null -> none, string -> copied, else an error. */
template <int N> static bool scrm_opt_str(ctx &c, const fields<N> &f, int k, scrm_str &dst) noexcept
{
	sv s;
	if (is_null(f, k))
		return true;
	if (!get_str(f, k, s))
		return false;
	dst = put_opt(c, true, s);
	return true;
}

/* An optional id field: as scrm_opt_str(), and a non-negative integer is taken as its
 * decimal digits (a database export's numeric ids, as a CSV row's are read). */
template <int N> static bool scrm_opt_id(ctx &c, const fields<N> &f, int k, scrm_str &dst) noexcept
{
	sv s;
	char buf[24];
	if (is_null(f, k))
		return true;
	if (f.v(k).type() == element_type::STRING)
		return scrm_opt_str(c, f, k, dst);
	if (!id_of(f.v(k), buf, s))
		return false;
	dst = put(c, s);
	return true;
}

/* An integer field of the canonical schema: a whole number, also written as a double
 * (3.0, 1e3: pandas writes integer columns with gaps so), as the other schemas read it. */
template <int N> static bool scrm_opt_int(const fields<N> &f, int k, int64_t &dst) noexcept
{
	if (is_null(f, k))
		return true;
	element_type t = f.v(k).type();
	return (t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE) &&
	       int_of(f.v(k), dst);
}

/* scrm_opt_int() of a count: a negative one as put_count() reads it. */
template <int N> static bool scrm_opt_count(ctx &c, scrm_record *r, const fields<N> &f, int k, int64_t &dst) noexcept
{
	int64_t v;
	if (is_null(f, k))
		return true;
	if (!scrm_opt_int(f, k, v))
		return false;
	put_count(c, r, v, dst);
	return true;
}

static const char *scrm_author(ctx &c, scrm_record *r, const post_fields &f) noexcept
{
	object o;
	user_fields u;
	if (is_null(f, P_AUTHOR))
		return nullptr;
	if (!get_obj(f, P_AUTHOR, o))
		return "scrm: \"author\" must be an object";
	scan(o, k_user, u);
	if (!scrm_opt_id(c, u, U_ID, r->author_id))
		return "scrm: \"author.id\" must be a string or a non-negative integer";
	if (!scrm_opt_str(c, u, U_HANDLE, r->author_handle))
		return "scrm: \"author.handle\" must be a string";
	if (!scrm_opt_str(c, u, U_NAME, r->author_name))
		return "scrm: \"author.name\" must be a string";
	if (!scrm_opt_count(c, r, u, U_FOLLOWERS, r->followers))
		return "scrm: \"author.followers\" must be an integer";
	if (!is_null(u, U_VERIFIED) && (r->verified = (int8_t)get_bool(u, U_VERIFIED)) < 0)
		return "scrm: \"author.verified\" must be a boolean";
	return nullptr;
}

static const char *scrm_metrics(ctx &c, scrm_record *r, const post_fields &f) noexcept
{
	object o;
	metric_fields m;
	if (is_null(f, P_METRICS))
		return nullptr;
	if (!get_obj(f, P_METRICS, o))
		return "scrm: \"metrics\" must be an object";
	scan(o, k_metric, m);
	if (!scrm_opt_count(c, r, m, M_RETWEETS, r->retweets))
		return "scrm: \"metrics.retweets\" must be an integer";
	int64_t likes = SCRM_UNKNOWN_INT;
	if (!scrm_opt_int(m, M_LIKES, likes))
		return "scrm: \"metrics.likes\" must be an integer";
	if (!is_null(m, M_LIKES))
		put_signed(c, r, likes, r->likes);
	if (!scrm_opt_count(c, r, m, M_REPLIES, r->replies))
		return "scrm: \"metrics.replies\" must be an integer";
	if (!scrm_opt_count(c, r, m, M_QUOTES, r->quotes))
		return "scrm: \"metrics.quotes\" must be an integer";
	return nullptr;
}

static const char *scrm_ts(scrm_record *r, const post_fields &f) noexcept
{
	sv s;
	int64_t ms;
	element_type t = f.has(P_TS) ? f.v(P_TS).type() : element_type::NULL_VALUE;
	if (t == element_type::NULL_VALUE)
		return nullptr;
	if (get_str(f, P_TS, s) ? scrm_parse_time(s.data(), s.size(), &ms) == 0
				: ((t == element_type::INT64 || t == element_type::DOUBLE) && int_of(f.v(P_TS), ms))) {
		if (!ts_ok(ms))
			return "scrm: \"ts\" is outside the years 0000 to 9999";
		r->ts_ms = ms;
		return nullptr;
	}
	return "scrm: \"ts\" must be an ISO-8601 string or integer milliseconds";
}

static const char *scrm_direction(scrm_record *r, const post_fields &f) noexcept
{
	sv s;
	if (is_null(f, P_DIRECTION))
		return nullptr;
	if (get_str(f, P_DIRECTION, s) && (s == "in" || s == "out")) {
		r->direction = s == "in" ? SCRM_DIR_IN : SCRM_DIR_OUT;
		return nullptr;
	}
	return "scrm: \"direction\" must be \"in\" or \"out\"";
}

/* The optional string fields, in the order of the spec. */
static const char *scrm_strings(ctx &c, scrm_record *r, const post_fields &f) noexcept
{
	if (!scrm_opt_id(c, f, P_CONVERSATION, r->conversation))
		return "scrm: \"conversation\" must be a string or a non-negative integer";
	if (!scrm_opt_id(c, f, P_IN_REPLY_TO, r->in_reply_to))
		return "scrm: \"in_reply_to\" must be a string or a non-negative integer";
	if (!scrm_opt_id(c, f, P_RETWEET_OF, r->retweet_of))
		return "scrm: \"retweet_of\" must be a string or a non-negative integer";
	if (!scrm_opt_id(c, f, P_QUOTE_OF, r->quote_of))
		return "scrm: \"quote_of\" must be a string or a non-negative integer";
	if (!scrm_opt_str(c, f, P_RETWEET_AUTHOR, r->retweet_author))
		return "scrm: \"retweet_author\" must be a string";
	if (!scrm_opt_str(c, f, P_LANG, r->lang))
		return "scrm: \"lang\" must be a string";
	if (!scrm_opt_str(c, f, P_PLACE, r->place))
		return "scrm: \"place\" must be a string";
	if (scrm_str_present(r->retweet_of))
		r->flags |= SCRM_REC_RETWEET;
	if (scrm_str_present(r->quote_of))
		r->flags |= SCRM_REC_QUOTE;
	/* An event's flags, as it reads back (a resumed run rebuilds its state from the
	 * logged events: a manual retweet, flagged by its text alone, came back as a post of
	 * its own, found by review); other flags are the engine's to set */
	if (!is_null(f, P_FLAGS)) {
		array a;
		if (f.v(P_FLAGS).get_array().get(a) != SUCCESS)
			return "scrm: \"flags\" must be an array of strings";
		for (element e : a) {
			sv fl;
			if (!str_of(e, fl))
				return "scrm: \"flags\" must be an array of strings";
			if (fl == "retweet")
				r->flags |= SCRM_REC_RETWEET;
			else if (fl == "quote")
				r->flags |= SCRM_REC_QUOTE;
		}
	}
	return nullptr;
}

/* Fields are checked while the record is filled; on an error the entry point pops the
 * record and restores the arena. */
static int norm_scrm(ctx &c, const post_fields &f) noexcept
{
	sv id, channel, text;
	char idb[24];
	const char *err;

	if (is_null(f, P_ID))
		return reject(c, SCRM_REJ_MISSING_ID, "scrm: no \"id\"");
	if (f.v(P_ID).type() == element_type::STRING ? !get_str(f, P_ID, id) : !id_of(f.v(P_ID), idb, id))
		return reject(c, SCRM_REJ_UNKNOWN_SCHEMA, "scrm: \"id\" must be a string or a non-negative integer");
	if (id.empty())
		return reject(c, SCRM_REJ_MISSING_ID, "scrm: empty \"id\"");
	if (!get_nstr(f, P_CHANNEL, channel))
		return reject(c, SCRM_REJ_UNKNOWN_SCHEMA, "scrm: \"channel\" must be a non-empty string");
	if (is_null(f, P_TEXT))
		return reject(c, SCRM_REJ_MISSING_TEXT, "scrm: no \"text\"");
	if (!get_str(f, P_TEXT, text))
		return reject(c, SCRM_REJ_UNKNOWN_SCHEMA, "scrm: \"text\" must be a string");
	if (text.empty())
		return reject(c, SCRM_REJ_MISSING_TEXT, "scrm: empty \"text\"");

	scrm_record *r = push(c, SCRM_SCHEMA_SCRM, 0);
	if (!r)
		return 0;
	r->id = put(c, id);
	r->channel = put(c, channel);
	if ((err = scrm_ts(r, f)) || (err = scrm_direction(r, f)) || (err = scrm_author(c, r, f)) ||
	    (err = scrm_strings(c, r, f)) || (err = scrm_metrics(c, r, f))) {
		c.out->len--;
		c.res->nrec--;
		return reject(c, SCRM_REJ_UNKNOWN_SCHEMA, err);
	}
	r->text = put(c, text);
	return 0;
}

/* ------------------------------------------------------ detection and dispatch ---- */

static bool is_v2(const post_fields &f) noexcept
{
	return f.has(P_DATA) && (f.v(P_DATA).type() == element_type::OBJECT || f.v(P_DATA).type() == element_type::ARRAY);
}

static bool is_v1(const post_fields &f) noexcept
{
	object o;
	sv s;
	return get_obj(f, P_USER, o) && (get_str(f, P_TEXT, s) || get_str(f, P_FULL_TEXT, s));
}

static bool is_reddit(const post_fields &f) noexcept
{
	return f.has(P_SUBREDDIT) && (f.has(P_BODY) || f.has(P_TITLE));
}

/* A top-level "channel" marks a scrm record (no platform object has one), so a scrm
 * record without text is quarantined as missing_text, not as an unknown schema. */
static bool is_scrm(const post_fields &f) noexcept
{
	return f.has(P_CHANNEL);
}

/* Twitter stream messages that are not posts; checked after the post schemas. */
static enum scrm_skip control_kind(const post_fields &f) noexcept
{
	if (f.has(P_DELETE))
		return SCRM_SKIP_DELETE;
	if (f.has(P_LIMIT))
		return SCRM_SKIP_LIMIT;
	if (f.has(P_WARNING))
		return SCRM_SKIP_WARNING;
	if (f.has(P_STATUS_WITHHELD) || f.has(P_USER_WITHHELD))
		return SCRM_SKIP_WITHHELD;
	const int other[] = {P_FRIENDS, P_FRIENDS_STR, P_DIRECT_MESSAGE, P_EVENT, P_SCRUB_GEO, P_DISCONNECT, P_CONTROL};
	for (int k : other)
		if (f.has(k))
			return SCRM_SKIP_CONTROL;
	return SCRM_SKIP_NONE;
}

/* What is not a post in a Twitter feed: control messages and API error bodies. */
static int twitter_other(ctx &c, const post_fields &f) noexcept
{
	array a;
	enum scrm_skip sk = control_kind(f);
	if (sk != SCRM_SKIP_NONE) {
		c.res->skip = sk;
		return 0;
	}
	if (get_arr(f, P_ERRORS, a))
		return reject(c, SCRM_REJ_API_ERROR, "API error body: errors without data");
	/* A line with a text that no schema takes is most often a hand-made record missing
	 * the one key its schema needs: say which. */
	if (f.has(P_TEXT) || f.has(P_FULL_TEXT))
		return reject(c, SCRM_REJ_UNKNOWN_SCHEMA,
			      f.has(P_USER) ? "no known schema matches: an X v1.1 tweet needs a \"user\" object and a "
					      "string \"text\" or \"full_text\""
					    : "no known schema matches: a scrm record needs \"channel\" (with \"id\" and "
					      "\"text\"), an X v1.1 tweet a \"user\" object");
	return reject(c, SCRM_REJ_UNKNOWN_SCHEMA, "no known schema matches");
}

/* Reddit's own API (and PRAW dumps) wrap a comment or a submission as
 * {"kind":"t1"|"t3","data":{...}}: the inner object, when it is a Reddit post. */
static bool reddit_thing(const post_fields &f, post_fields &inner) noexcept
{
	sv kind;
	object d;
	if (!get_str(f, P_KIND, kind) || (kind != "t1" && kind != "t3") || !get_obj(f, P_DATA, d))
		return false;
	scan(d, k_post, inner);
	return is_reddit(inner);
}

/* A Reddit API Listing, {"kind":"Listing","data":{"children":[{"kind":"t1","data":{...}},
 * ...]}}: one record per t1/t3 child, as a v2 page gives one per tweet ("more" stubs and
 * other kinds are paging, skipped). The line reports its first unusable post, with
 * nrec > 0 when others were kept; no post at all is a control line. */
/* The posts of a Listing's children, in order, each comment followed by its replies
 * (a comment's `replies`: a Listing of its own, or "" when it has none), depth first. */
struct listing_state {
	enum scrm_reject first;
	const char *first_detail;
	size_t posts;
};

static void reddit_children(ctx &c, array a, listing_state &st) noexcept
{
	for (element e : a) {
		object o;
		post_fields cf, inner;
		sv kind;
		if (e.get_object().get(o) == SUCCESS)
			scan(o, k_post, cf);
		bool post = e.type() == element_type::OBJECT && get_str(cf, P_KIND, kind);
		if (post && kind == "more")
			continue; /* a stub for comments not on the page */
		st.posts++;
		if (!post || (kind != "t1" && kind != "t3")) {
			/* a subreddit (t5), an account (t2), a message (t4), or no thing at all:
			 * unusable, reported as the line's first such (it vanished unrecorded) */
			if (st.first == SCRM_REJ_NONE) {
				st.first = SCRM_REJ_UNKNOWN_SCHEMA;
				st.first_detail = "a Listing child that is not a Reddit comment or submission (kind t1/t3)";
			}
			continue;
		}
		if (!reddit_thing(cf, inner)) {
			c.res->reject = SCRM_REJ_UNKNOWN_SCHEMA;
			c.res->detail = "a Listing child of kind t1/t3 that is not a Reddit post";
		} else {
			norm_reddit(c, inner);
		}
		if (c.res->reject != SCRM_REJ_NONE && st.first == SCRM_REJ_NONE) {
			st.first = c.res->reject;
			st.first_detail = c.res->detail;
		}
		c.res->reject = SCRM_REJ_NONE;
		object d, rd;
		element rep, rch;
		array ra;
		if (get_obj(cf, P_DATA, d) && d.at_key("replies").get(rep) == SUCCESS && rep.get_object().get(rd) == SUCCESS &&
		    rd.at_key("data").get(rep) == SUCCESS && rep.at_key("children").get(rch) == SUCCESS &&
		    rch.get_array().get(ra) == SUCCESS)
			reddit_children(c, ra, st);
	}
}

/* A Listing: a record per t1/t3 child and per reply nested in one; the line reports the
 * first unusable post. A Listing of none (only `more` stubs) is skipped as control. */
static int norm_reddit_listing(ctx &c, const post_fields &f, listing_state &st) noexcept
{
	object d;
	element ch;
	array a;
	if (!get_obj(f, P_DATA, d) || d.at_key("children").get(ch) != SUCCESS || ch.get_array().get(a) != SUCCESS)
		return reject(c, SCRM_REJ_UNKNOWN_SCHEMA, "a Reddit Listing without data.children");
	reddit_children(c, a, st);
	return 0;
}

static int listing_end(ctx &c, const listing_state &st) noexcept
{
	if (!st.posts) {
		c.res->skip = SCRM_SKIP_CONTROL;
		return 0;
	}
	return st.first != SCRM_REJ_NONE ? reject(c, st.first, st.first_detail) : 0;
}

/* A whole thread as Reddit's API gives it (/comments/ID.json): an array of Listings, the
 * submission's and its comments'. -1: not such an array. */
static int norm_reddit_thread(ctx &c, array a) noexcept
{
	listing_state st{SCRM_REJ_NONE, nullptr, 0};
	size_t n = 0;
	for (element e : a) {
		object o;
		post_fields f;
		sv kind;
		if (e.get_object().get(o) != SUCCESS)
			return -1;
		scan(o, k_post, f);
		if (!get_str(f, P_KIND, kind) || kind != "Listing" || !f.has(P_DATA))
			return -1;
		n++;
	}
	if (!n)
		return -1;
	for (element e : a) {
		object o;
		post_fields f;
		if (e.get_object().get(o) != SUCCESS) /* (checked above) */
			continue;
		scan(o, k_post, f);
		if (norm_reddit_listing(c, f, st) < 0 || c.res->reject != SCRM_REJ_NONE)
			return 0;
	}
	return listing_end(c, st);
}

static int dispatch(ctx &c, element root)
{
	object o;
	post_fields f, inner;
	enum scrm_format fmt = c.n->format;

	array top;
	if ((fmt == SCRM_FORMAT_AUTO || fmt == SCRM_FORMAT_REDDIT) && root.get_array().get(top) == SUCCESS) {
		int rc = norm_reddit_thread(c, top);
		if (rc >= 0)
			return rc;
	}
	if (root.get_object().get(o) != SUCCESS)
		return reject(c, SCRM_REJ_UNKNOWN_SCHEMA, "not a JSON object");
	scan(o, k_post, f);
	sv kind; /* Reddit's API wrapping: only lines with "kind" and "data" pay for it */
	if ((fmt == SCRM_FORMAT_AUTO || fmt == SCRM_FORMAT_REDDIT) && f.has(P_DATA) && get_str(f, P_KIND, kind) &&
	    !is_scrm(f)) {
		if (reddit_thing(f, inner))
			return norm_reddit(c, inner);
		if (kind == "Listing") {
			listing_state st{SCRM_REJ_NONE, nullptr, 0};
			if (norm_reddit_listing(c, f, st) || c.res->reject != SCRM_REJ_NONE)
				return 0;
			return listing_end(c, st);
		}
		if (kind.size() == 2 && kind[0] == 't' && kind[1] >= '1' && kind[1] <= '9')
			return reject(c, SCRM_REJ_UNKNOWN_SCHEMA,
				      "a Reddit API object that is not a post: only kind t1 (comment), t3 "
				      "(submission) and a Listing of them are");
	}
	switch (fmt) {
	case SCRM_FORMAT_TWITTER_V1:
		return is_v1(f) ? norm_v1(c, f) : twitter_other(c, f);
	case SCRM_FORMAT_TWITTER_V2:
		return is_v2(f) ? norm_v2(c, f) : twitter_other(c, f);
	case SCRM_FORMAT_REDDIT:
		return is_reddit(f) ? norm_reddit(c, f) : reject(c, SCRM_REJ_UNKNOWN_SCHEMA, "not a reddit post");
	case SCRM_FORMAT_SCRM:
		return is_scrm(f) ? norm_scrm(c, f)
				  : reject(c, SCRM_REJ_UNKNOWN_SCHEMA, "not a scrm record (needs \"channel\")");
	default:
		break;
	}
	/* No platform object has a top-level "channel": testing the scrm schema first lets
	 * a scrm record carry any other key (even "data" or "user") and still be ignored. */
	if (is_scrm(f))
		return norm_scrm(c, f);
	if (is_v2(f))
		return norm_v2(c, f);
	if (is_v1(f))
		return norm_v1(c, f);
	if (is_reddit(f))
		return norm_reddit(c, f);
	return twitter_other(c, f);
}

/* --------------------------------------------------------------- UTF-8 repair ---- */

/* Copy src to dst replacing each maximal subpart of an ill-formed UTF-8 sequence with
 * U+FFFD. dst must hold 3 * len bytes. Returns the bytes written. */
static size_t utf8_repair(const unsigned char *s, size_t len, char *dst) noexcept
{
	char *d = dst;
	size_t i = 0;
	while (i < len) {
		int valid;
		size_t k = scrm_utf8_step(s + i, len - i, &valid);
		if (valid) {
			memcpy(d, s + i, k);
			d += k;
		} else { /* the byte after the subpart is looked at afresh */
			memcpy(d, "\xEF\xBF\xBD", 3);
			d += 3;
		}
		i += k;
	}
	return (size_t)(d - dst);
}

static int hex_digit(char ch) noexcept
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)(ch | 0x20);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static bool hex4(const char *p, const char *end, unsigned &cp) noexcept
{
	if (end - p < 4)
		return false;
	cp = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_digit(p[i]);
		if (h < 0)
			return false;
		cp = cp << 4 | (unsigned)h;
	}
	return true;
}

/* Rewrite, in place, each \uD800-\uDFFF escape that is not half of a high-low pair to
 * \ufffd (same length). Follows string boundaries and escapes, so "\\ud800" (an
 * escaped backslash) is left alone. Returns how many escapes were rewritten. */
static size_t surrogate_repair(char *p, size_t len) noexcept
{
	size_t fixed = 0;
	bool in_str = false;
	const char *end = p + len;
	for (size_t i = 0; i < len; i++) {
		if (!in_str) {
			in_str = p[i] == '"';
			continue;
		}
		if (p[i] == '"') {
			in_str = false;
			continue;
		}
		if (p[i] != '\\' || i + 1 >= len)
			continue;
		unsigned cp, lo;
		if (p[i + 1] != 'u' || !hex4(p + i + 2, end, cp)) {
			i++; /* skip the escaped character, which may be a quote */
			continue;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 12 <= len && p[i + 6] == '\\' && p[i + 7] == 'u' &&
		    hex4(p + i + 8, end, lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
			i += 11;
			continue;
		}
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			memcpy(p + i, "\\ufffd", 6);
			fixed++;
		}
		i += 5;
	}
	return fixed;
}

/* The JSON number at p[0..len) (RFC 8259 grammar, len > 0): true when it is well formed.
 * *integer: it has no fraction and no exponent. */
static bool number_form(const char *p, size_t len, bool &integer) noexcept
{
	size_t i = 0;
	if (p[i] == '-')
		i++;
	if (i == len || p[i] < '0' || p[i] > '9')
		return false;
	if (p[i] == '0')
		i++;
	else
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
	integer = true;
	if (i < len && p[i] == '.') {
		integer = false;
		if (++i == len || p[i] < '0' || p[i] > '9')
			return false;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		integer = false;
		if (++i < len && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i == len || p[i] < '0' || p[i] > '9')
			return false;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	return i == len;
}

/* A well-formed JSON number that no 64-bit integer or finite double holds: an integer
 * below INT64_MIN or above UINT64_MAX, or a number whose magnitude rounds to infinity
 * (1e400). simdjson refuses these (NUMBER_ERROR / BIGINT_ERROR); JSON allows them. */
static bool number_out_of_range(const char *p, size_t len) noexcept
{
	bool integer;
	if (!number_form(p, len, integer))
		return false;
	if (integer) {
		bool neg = p[0] == '-';
		const char *d = p + neg;
		size_t n = len - neg;
		const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
		size_t ln = strlen(lim);
		return n > ln || (n == ln && memcmp(d, lim, n) > 0);
	}
	/* The same value in a form strtod can take whatever the mantissa's length: "0." +
	 * its first 800 significant digits (+ "1" when a non-zero digit follows them) + "e" +
	 * the decimal exponent. */
	size_t i = p[0] == '-', point = 0, nd = 0;
	long exp10 = 0;
	bool seen = false, in_frac = false, sticky = false;
	char buf[840] = "0.";
	size_t o = 2;
	for (; i < len && p[i] != 'e' && p[i] != 'E'; i++) {
		if (p[i] == '.') {
			in_frac = true;
			continue;
		}
		if (!seen && p[i] == '0') {
			if (in_frac)
				exp10--; /* 0.001: each leading fraction zero lowers the magnitude */
			continue;
		}
		seen = true;
		if (!in_frac)
			point++;
		if (nd < 800) { /* a double's rounding is decided within 768 digits */
			buf[o++] = p[i];
			nd++;
		} else if (p[i] != '0') {
			sticky = true;
		}
	}
	if (!seen)
		return false; /* zero */
	if (sticky)
		buf[o++] = '1'; /* a non-zero digit cut off: keeps a value just past a rounding
				 * midpoint (DBL_MAX + half an ulp) on the side it is on */
	exp10 += (long)point;
	if (i < len) { /* the exponent, clamped far beyond any double's range */
		bool eneg = p[++i] == '-';
		if (p[i] == '-' || p[i] == '+')
			i++;
		long e = 0;
		for (; i < len; i++)
			if (e < 100000)
				e = e * 10 + (p[i] - '0');
		exp10 += eneg ? -e : e;
	}
	snprintf(buf + o, sizeof buf - o, "e%ld", exp10);
	double d = strtod(buf, nullptr);
	return std::isinf(d);
}

/* Rewrite, in place, each number outside strings that number_out_of_range() to `null`
 * padded with spaces (every such number is at least 5 bytes long: "1e309"). Returns
 * how many were rewritten. */
static size_t number_repair(char *p, size_t len) noexcept
{
	size_t fixed = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char ch = p[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
			continue;
		}
		if (ch == '"') {
			in_str = true;
			continue;
		}
		if (ch != '-' && (ch < '0' || ch > '9'))
			continue;
		size_t s = i;
		while (i < len && (p[i] == '-' || p[i] == '+' || p[i] == '.' || p[i] == 'e' || p[i] == 'E' ||
				   (p[i] >= '0' && p[i] <= '9')))
			i++;
		if (i - s >= 4 && number_out_of_range(p + s, i - s)) {
			memcpy(p + s, "null", 4);
			memset(p + s + 4, ' ', i - s - 4);
			fixed++;
		}
		i--; /* the loop's i++ looks at the byte after the token */
	}
	return fixed;
}

/* Make the scratch buffer hold `len` bytes plus the parser's padding. */
static char *scratch_get(scrm_normalizer *n, size_t len)
{
	if (len + SCRM_PADDING > n->scratch_cap) {
		size_t cap = len + SCRM_PADDING + (len >> 1);
		char *p = (char *)realloc(n->scratch, cap);
		if (!p)
			throw std::bad_alloc();
		n->scratch = p;
		n->scratch_cap = cap;
	}
	return n->scratch;
}

/* Parse a line, repairing what stops it and can be repaired: invalid UTF-8 (found
 * before anything else), then, as the parser meets them, lone surrogate escapes and
 * numbers out of range, each kind once. Returns the final error; *first is the first
 * parse's error. */
static error_code parse_repair(ctx &c, const char *p, size_t len, element &root, error_code &first)
{
	simdjson::dom::parser &ps = c.n->parser;
	error_code err = ps.parse(p, len, false).get(root);
	/* simdjson reports a string left open or a control character in one before the bytes
	 * that are not UTF-8: a line with both is a bad_utf8 line too (it was bad_json) */
	if (err && err != simdjson::UTF8_ERROR && err != simdjson::MEMALLOC && err != simdjson::DEPTH_ERROR &&
	    !simdjson::validate_utf8(p, len))
		err = simdjson::UTF8_ERROR;
	first = err;
	int repaired = 0;
	if (err == simdjson::UTF8_ERROR) {
		char *s = scratch_get(c.n, 3 * len);
		len = utf8_repair((const unsigned char *)p, len, s);
		p = s;
		repaired |= SCRM_REPAIR_UTF8;
		err = ps.parse(p, len, false).get(root);
	}
	bool tried_str = false, tried_num = false;
	for (;;) {
		bool str = err == simdjson::STRING_ERROR && !tried_str;
		bool num = err == simdjson::NUMBER_ERROR && !tried_num;
		if (!str && !num)
			break;
		char *s = c.n->scratch;
		if (p != s) {
			s = scratch_get(c.n, len);
			memcpy(s, p, len);
			p = s;
		}
		size_t fixed;
		if (str) {
			tried_str = true;
			if ((fixed = surrogate_repair(s, len)))
				repaired |= SCRM_REPAIR_UTF8;
		} else {
			tried_num = true;
			if ((fixed = number_repair(s, len)))
				repaired |= SCRM_REPAIR_NUMBER;
		}
		if (!fixed)
			break;
		err = ps.parse(p, len, false).get(root);
	}
	if (!err && repaired) {
		c.res->repaired = repaired;
		if (repaired & SCRM_REPAIR_UTF8)
			c.flags0 |= SCRM_REC_REPAIRED_UTF8;
		if (repaired & SCRM_REPAIR_NUMBER)
			c.flags0 |= SCRM_REC_REPAIRED_NUMBER;
	}
	return err;
}

static bool is_blank(const char *p, size_t len) noexcept
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return false;
	return true;
}

/*
 * The detail of a line whose bytes were not valid UTF-8 and that, once they were
 * repaired, still did not parse: it stays bad_utf8 (the bad bytes came first), and the
 * detail says both what was wrong with the bytes and what the parser then found, so
 * that "improper structure" does not stand alone under the reason "bad_utf8". A static
 * string per error code, as res.detail must be (made once, thread-safe).
 */
static const char *utf8_then(error_code err) noexcept
{
	static const struct table {
		char s[simdjson::NUM_ERROR_CODES][224];
		table() noexcept
		{
			for (int e = 0; e < simdjson::NUM_ERROR_CODES; e++)
				snprintf(s[e], sizeof s[e], "invalid UTF-8 (repaired), and then: %s",
					 simdjson::error_message(error_code(e)));
		}
	} t;
	int e = int(err);
	return e >= 0 && e < simdjson::NUM_ERROR_CODES ? t.s[e] : simdjson::error_message(err);
}

static int normalize(ctx &c, const char *line, size_t len)
{
	element root;
	error_code first;

	if (len && line[len - 1] == '\r')
		len--;
	size_t bom = scrm_utf8_bom(line, len);
	line += bom;
	len -= bom;
	if (is_blank(line, len)) {
		c.res->skip = SCRM_SKIP_EMPTY;
		return 0;
	}
	error_code err = parse_repair(c, line, len, root, first);
	if (err == simdjson::MEMALLOC)
		return -ENOMEM;
	if (err == simdjson::DEPTH_ERROR)
		return reject(c, SCRM_REJ_TOO_DEEP, simdjson::error_message(err));
	if (err && first == simdjson::UTF8_ERROR && err != simdjson::UTF8_ERROR)
		return reject(c, SCRM_REJ_BAD_UTF8, utf8_then(err));
	if (err)
		return reject(c, first == simdjson::UTF8_ERROR ? SCRM_REJ_BAD_UTF8 : SCRM_REJ_BAD_JSON,
			      simdjson::error_message(err));
	return dispatch(c, root);
}

/* ------------------------------------------------------------------- C API ---- */

extern "C" scrm_normalizer *scrm_normalizer_create(enum scrm_format format)
{
	if (format < SCRM_FORMAT_AUTO || format > SCRM_FORMAT_REDDIT) {
		errno = EINVAL;
		return nullptr;
	}
	scrm_normalizer *n = new (std::nothrow) scrm_normalizer;
	if (!n) {
		errno = ENOMEM;
		return nullptr;
	}
	n->format = format;
	return n;
}

extern "C" void scrm_normalizer_free(scrm_normalizer *n)
{
	delete n;
}

extern "C" int scrm_normalize_line(scrm_normalizer *n, const char *line, size_t len, scrm_recvec *out,
				   scrm_buf *arena, scrm_norm_result *res)
{
	ctx c = {n, out, arena, res, 0, false};
	size_t out_mark = out->len, arena_mark = arena->len;
	int rc;

	*res = scrm_norm_result{0, SCRM_REJ_NONE, SCRM_SKIP_NONE, 0, nullptr};
	try {
		rc = normalize(c, line, len);
	} catch (...) { /* only std::bad_alloc can come out of the vectors and scratch */
		rc = -ENOMEM;
	}
	if (c.oom)
		rc = -ENOMEM;
	if (rc || (res->reject != SCRM_REJ_NONE && res->nrec == 0)) {
		out->len = out_mark;
		arena->len = arena_mark;
		res->nrec = 0;
	}
	return rc;
}

extern "C" int scrm_json_validate(scrm_normalizer *n, const char *line, size_t len)
{
	element root;
	if (len && line[len - 1] == '\r')
		len--;
	size_t bom = scrm_utf8_bom(line, len); /* as normalize() does */
	line += bom;
	len -= bom;
	error_code err = n->parser.parse(line, len, false).get(root);
	if (err == simdjson::MEMALLOC)
		return -ENOMEM;
	return err ? 1 : 0;
}

extern "C" const char *scrm_reject_name(enum scrm_reject r)
{
	static const char *const names[SCRM_REJ__COUNT] = {
		"none",        "bad_json", "bad_utf8",  "missing_text", "missing_id",
		"unknown_schema", "api_error", "oversize", "too_deep", "bad_csv",
	};
	return (unsigned)r < SCRM_REJ__COUNT ? names[r] : "invalid";
}

extern "C" const char *scrm_skip_name(enum scrm_skip s)
{
	static const char *const names[SCRM_SKIP__COUNT] = {
		"none", "delete", "limit", "warning", "withheld", "control", "empty",
	};
	return (unsigned)s < SCRM_SKIP__COUNT ? names[s] : "invalid";
}

/* --------------------------------------------------------------------- time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil):
 * exact for any year, no libc timezone or locale involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) noexcept
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(int y) noexcept
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool date_ok(int y, int m, int d) noexcept
{
	static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* A cursor over the string being parsed. */
struct tcur {
	const char *p, *end;
	bool eat(char ch) noexcept { return p < end && *p == ch ? (p++, true) : false; }
	bool num(int ndig, int &v) noexcept
	{
		if (end - p < ndig)
			return false;
		v = 0;
		for (int i = 0; i < ndig; i++, p++) {
			if (*p < '0' || *p > '9')
				return false;
			v = v * 10 + (*p - '0');
		}
		return true;
	}
};

/* hh:mm[:ss[.fff...]] -> ms into the day. */
static bool parse_clock(tcur &t, int64_t &ms, bool need_sec) noexcept
{
	int hh, mi, ss = 0, frac = 0;
	if (!t.num(2, hh) || !t.eat(':') || !t.num(2, mi) || hh > 23 || mi > 59)
		return false;
	if (t.eat(':')) {
		if (!t.num(2, ss) || ss > 60) /* 60: a leap second */
			return false;
		if (t.eat('.') || t.eat(',')) {
			int nd = 0;
			for (; t.p < t.end && *t.p >= '0' && *t.p <= '9'; t.p++, nd++)
				if (nd < 3)
					frac = frac * 10 + (*t.p - '0');
			if (nd == 0)
				return false;
			for (; nd < 3; nd++)
				frac *= 10;
		}
	} else if (need_sec) {
		return false;
	}
	ms = ((hh * 60 + mi) * 60 + ss) * 1000LL + frac;
	return true;
}

/* Z, +hh:mm, +hhmm, +hh (or - ...) -> offset in ms east of UTC. */
static bool parse_zone(tcur &t, int64_t &off) noexcept
{
	int hh, mm = 0;
	off = 0;
	if (t.eat('Z') || t.eat('z'))
		return true;
	int sign = t.eat('+') ? 1 : t.eat('-') ? -1 : 0;
	if (!sign || !t.num(2, hh) || hh > 23)
		return false;
	if (t.eat(':')) {
		if (!t.num(2, mm))
			return false;
	} else if (t.end - t.p >= 2 && t.p[0] >= '0' && t.p[0] <= '9') {
		if (!t.num(2, mm))
			return false;
	}
	if (mm > 59)
		return false;
	off = sign * (hh * 60 + mm) * 60000LL;
	return true;
}

/* 2015-02-24T19:15:45.123Z, 2015-02-24 11:35:52 -0800, 2015-02-24T19:15 (UTC). */
static bool parse_iso(tcur t, int64_t &ms) noexcept
{
	int y, mo, d;
	int64_t clock = 0, off = 0;
	if (!t.num(4, y) || !t.eat('-') || !t.num(2, mo) || !t.eat('-') || !t.num(2, d) || !date_ok(y, mo, d))
		return false;
	if (t.p < t.end) {
		if (!(t.eat('T') || t.eat('t') || t.eat(' ')) || !parse_clock(t, clock, false))
			return false;
		t.eat(' ');
		if (t.p < t.end && !parse_zone(t, off))
			return false;
	}
	if (t.p != t.end)
		return false;
	ms = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000LL + clock - off;
	return true;
}

/* Twitter v1.1: "Wed Aug 27 13:08:45 +0000 2008". */
static bool parse_twitter(tcur t, int64_t &ms) noexcept
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int y, d, mo = 0;
	int64_t clock, off;
	if (t.end - t.p < 30 || t.p[3] != ' ' || t.p[7] != ' ')
		return false;
	for (int i = 0; i < 12; i++)
		if (memcmp(months + 3 * i, t.p + 4, 3) == 0)
			mo = i + 1;
	t.p += 8;
	if (!mo || !t.num(2, d) || !t.eat(' ') || !parse_clock(t, clock, true) || !t.eat(' ') ||
	    !parse_zone(t, off) || !t.eat(' ') || !t.num(4, y) || t.p != t.end || !date_ok(y, mo, d))
		return false;
	ms = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000LL + clock - off;
	return true;
}

extern "C" int scrm_parse_time(const char *s, size_t len, int64_t *ms)
{
	tcur t = {s, s + len};
	int64_t v;
	if (len >= 10 && s[0] >= '0' && s[0] <= '9' ? parse_iso(t, v) : parse_twitter(t, v)) {
		*ms = v;
		return 0;
	}
	return -EINVAL;
}
