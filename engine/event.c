/*
 * event.c - routed event serialization (see event.h).
 *
 * This is on the per-record hot path, so it appends into a buffer reserved once per
 * event, escapes strings with a byte-class table and copies unescaped runs whole.
 */
#include "event.h"

#include <errno.h>

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
		i++;
	}
	*o++ = '"';
	out->len = (size_t)(o - out->data);
	return 0;
}

static char *put_u64(char *o, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o++ = tmp[--n];
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

static char *put_2(char *o, unsigned v)
{
	*o++ = (char)('0' + v / 10);
	*o++ = (char)('0' + v % 10);
	return o;
}

size_t scrm_format_time(char *buf, int64_t ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	unsigned milli = (unsigned)(ms - secs * 1000);
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	unsigned sod = (unsigned)(secs - days * 86400);
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	char *o = buf;
	if (y < 0 || y > 9999) {
		/* Outside RFC 3339's range: clamp rather than write an invalid stamp. */
		y = y < 0 ? 0 : 9999;
	}
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

/* Small appenders used below; each reserves its own room. */
#define LIT(out, s) scrm_buf_append((out), (s), sizeof(s) - 1)

static int put_opt_str(scrm_buf *out, const scrm_buf *arena, scrm_str s)
{
	if (!scrm_str_present(s))
		return LIT(out, "null");
	return scrm_json_put_str(out, scrm_str_ptr(arena, s), s.len);
}

static int put_opt_int(scrm_buf *out, int64_t v)
{
	if (v == SCRM_UNKNOWN_INT)
		return LIT(out, "null");
	return scrm_json_put_i64(out, v);
}

static const char *const schema_names[] = {"scrm", "twitter_v1", "twitter_v2", "reddit"};

int scrm_event_write(scrm_buf *out, const scrm_record *r, const scrm_buf *arena,
		     const scrm_event_names *names)
{
	int rc = 0;
	char tbuf[40];
	rc |= LIT(out, "{\"v\":1,\"seq\":");
	rc |= scrm_json_put_i64(out, (int64_t)r->seq);
	rc |= LIT(out, ",\"id\":");
	rc |= put_opt_str(out, arena, r->id);
	rc |= LIT(out, ",\"ts\":");
	if (r->ts_ms == SCRM_UNKNOWN_INT) {
		rc |= LIT(out, "null");
	} else {
		tbuf[0] = '"';
		size_t n = scrm_format_time(tbuf + 1, r->ts_ms);
		tbuf[n + 1] = '"';
		rc |= scrm_buf_append(out, tbuf, n + 2);
	}
	rc |= LIT(out, ",\"channel\":");
	rc |= put_opt_str(out, arena, r->channel);
	rc |= r->direction == SCRM_DIR_OUT ? LIT(out, ",\"direction\":\"out\"")
					   : LIT(out, ",\"direction\":\"in\"");
	rc |= LIT(out, ",\"source\":\"");
	rc |= scrm_buf_append(out, schema_names[r->schema & 3], strlen(schema_names[r->schema & 3]));
	rc |= LIT(out, "\",\"conversation\":");
	rc |= put_opt_str(out, arena, r->conversation);
	rc |= LIT(out, ",\"in_reply_to\":");
	rc |= put_opt_str(out, arena, r->in_reply_to);
	rc |= LIT(out, ",\"retweet_of\":");
	rc |= put_opt_str(out, arena, r->retweet_of);
	rc |= LIT(out, ",\"quote_of\":");
	rc |= put_opt_str(out, arena, r->quote_of);
	rc |= LIT(out, ",\"lang\":");
	rc |= put_opt_str(out, arena, r->lang);
	rc |= LIT(out, ",\"customer\":{\"key\":\"p:");
	{
		char hex[16];
		for (int i = 0; i < 16; i++)
			hex[i] = hexdig[(r->cust_hash >> (60 - 4 * i)) & 15];
		rc |= scrm_buf_append(out, hex, 16);
	}
	rc |= LIT(out, "\",\"known\":false,\"partition\":");
	rc |= scrm_json_put_i64(out, r->partition);
	rc |= LIT(out, ",\"interactions\":");
	rc |= scrm_json_put_i64(out, r->cust_count);
	rc |= LIT(out, "},\"author\":{\"id\":");
	rc |= put_opt_str(out, arena, r->author_id);
	rc |= LIT(out, ",\"handle\":");
	rc |= put_opt_str(out, arena, r->author_handle);
	rc |= LIT(out, ",\"name\":");
	rc |= put_opt_str(out, arena, r->author_name);
	rc |= LIT(out, ",\"followers\":");
	rc |= put_opt_int(out, r->followers);
	rc |= LIT(out, ",\"verified\":");
	rc |= r->verified < 0 ? LIT(out, "null") : r->verified ? LIT(out, "true") : LIT(out, "false");
	rc |= LIT(out, "},\"metrics\":{\"retweets\":");
	rc |= put_opt_int(out, r->retweets);
	rc |= LIT(out, ",\"likes\":");
	rc |= put_opt_int(out, r->likes);
	rc |= LIT(out, ",\"replies\":");
	rc |= put_opt_int(out, r->replies);
	rc |= LIT(out, ",\"quotes\":");
	rc |= put_opt_int(out, r->quotes);
	rc |= LIT(out, "},\"place\":");
	rc |= put_opt_str(out, arena, r->place);
	rc |= LIT(out, ",\"text\":");
	rc |= put_opt_str(out, arena, r->text);
	rc |= LIT(out, ",\"flags\":[");
	{
		static const char *const fl[] = {"repaired_utf8", "retweet", "quote", "truncated"};
		int first = 1;
		for (int i = 0; i < 4; i++) {
			if (!(r->flags & (1u << i)))
				continue;
			if (!first)
				rc |= LIT(out, ",");
			first = 0;
			rc |= scrm_json_put_str(out, fl[i], strlen(fl[i]));
		}
	}
	rc |= LIT(out, "],\"route\":");
	rc |= scrm_json_put_str(out, names->routes[r->route], strlen(names->routes[r->route]));
	rc |= LIT(out, ",\"priority\":null,\"sla_due\":null,\"why\":{\"rule\":\"default\"}"
		       ",\"input\":{\"file\":");
	rc |= scrm_json_put_str(out, names->inputs[r->in_index], strlen(names->inputs[r->in_index]));
	rc |= LIT(out, ",\"offset\":");
	rc |= scrm_json_put_i64(out, (int64_t)r->in_offset);
	rc |= LIT(out, ",\"line\":");
	rc |= scrm_json_put_i64(out, (int64_t)r->in_line);
	rc |= LIT(out, ",\"sub\":");
	rc |= scrm_json_put_i64(out, r->sub);
	rc |= LIT(out, "}}\n");
	return rc ? -ENOMEM : 0;
}
