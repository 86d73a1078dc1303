/*
 * customers.c - the CRM export loader and the (channel, identity) -> customer table
 * (see customers.h for the file format and the contract).
 *
 * DESIGN. One pass over the bytes: a small RFC 4180 record reader unescapes each record
 * into a scratch buffer, the header fixes what every column means, and each row is
 * checked and linked at once, so errors come out in line order. A file is read through
 * a window (1 MiB, larger only for a record that does not fit): the reader stops at the
 * window's end without a verdict, the window moves on, and the record is read again from
 * its start, so the bytes of the file are never all in memory at once. Everything the table
 * keeps goes into one arena (offsets while it grows, pointers once it is final):
 *   - customers: an array in file order;
 *   - identities: open addressing (linear probing, load <= 1/2) on XXH3-64 of the
 *     normalized identity seeded with the channel, with a full key compare, so a hash
 *     collision can never link the wrong customer;
 *   - a second table on customer_id, used only while loading to find duplicates.
 * A lookup normalizes into a stack buffer and probes: no allocation, no lock, no write,
 * so any number of threads may share a finished table. A lookup in a table larger than
 * the caches costs a slot miss and an arena miss (measured, loaded 2-core VM: ~50 ns
 * for 1k authors, ~450-650 ns for 250k authors / 1.2M links); the tables ask for huge
 * pages so that the TLB does not double that.
 */
#include "customers.h"
#include "buf.h"

#include "influence.h"
#include "source.h"
#include "utf8.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static const char *const channel_names[SCRM_CUST_CH__COUNT] = {
	"twitter", "facebook", "instagram", "reddit", "email", "phone", "chat", "forum", "review",
};

/* A link in the identity table (16 bytes: a CRM export has millions). The identity
 * is in the arena at `off` as its channel (one byte), its length (two, little-endian)
 * and its normalized bytes: see ident_eq(). */
struct slot {
	uint64_t hash;
	uint32_t off;        /* the identity in the arena */
	uint32_t cust_plus1; /* index into the customers array + 1; 0: an empty slot */
};

/* Whether the identity at @a (as struct slot describes it) is channel @ch's s[0..n). */
static inline bool ident_eq(const char *a, unsigned ch, const char *s, size_t n)
{
	return (unsigned char)a[0] == ch && ((size_t)(unsigned char)a[1] | (size_t)(unsigned char)a[2] << 8) == n &&
	       memcmp(a + 3, s, n) == 0;
}

struct scrm_customers {
	scrm_customer *cust;
	size_t ncust;
	char *arena;
	struct slot *slots;
	size_t mask; /* slot count - 1; a power of two minus one */
	struct scrm_customers_stats st;
};

/* ------------------------------------------------------------------ pure helpers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static void trim(const char **s, size_t *n)
{
	const char *p = *s, *e = *s + *n;
	while (p < e && is_blank(*p))
		p++;
	while (e > p && is_blank(e[-1]))
		e--;
	*s = p;
	*n = (size_t)(e - p);
}

static bool eq_nocase(const char *a, size_t n, const char *lit)
{
	size_t m = strlen(lit);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lit[i])
			return false;
	return true;
}

int scrm_customers_channel(const char *name, size_t len)
{
	if (!name)
		return -ENOENT;
	for (unsigned ch = 0; ch < SCRM_CUST_CH__COUNT; ch++)
		if (eq_nocase(name, len, channel_names[ch]))
			return (int)ch;
	return -ENOENT;
}

const char *scrm_customers_channel_name(unsigned ch)
{
	return ch < SCRM_CUST_CH__COUNT ? channel_names[ch] : NULL;
}

ssize_t scrm_customers_normalize(unsigned ch, const char *in, size_t len, char *out, size_t cap)
{
	if (ch >= SCRM_CUST_CH__COUNT)
		return -EINVAL;
	if (!in) {
		in = "";
		len = 0;
	}
	const char *s = in;
	trim(&s, &len);
	const char *e = s + len;
	size_t n = 0;
	if (ch == SCRM_CUST_CH_PHONE) {
		bool plus = s < e && *s == '+', digit = false;
		if (plus) {
			if (cap < 1)
				return -ENOBUFS;
			out[n++] = '+';
			s++;
		}
		for (; s < e; s++) {
			if (*s < '0' || *s > '9')
				continue; /* separators, spaces, brackets, letters: not part of a number */
			if (n >= cap)
				return -ENOBUFS;
			out[n++] = *s;
			digit = true;
		}
		return digit ? (ssize_t)n : 0; /* "+" alone is no number */
	}
	if (ch != SCRM_CUST_CH_EMAIL) {
		if (s < e && *s == '@')
			s++;
		if (ch == SCRM_CUST_CH_REDDIT) {
			if (e - s >= 3 && s[0] == '/' && lower(s[1]) == 'u' && s[2] == '/')
				s += 3;
			else if (e - s >= 2 && lower(s[0]) == 'u' && s[1] == '/')
				s += 2;
		}
	}
	if ((size_t)(e - s) > cap)
		return -ENOBUFS;
	for (; s < e; s++)
		out[n++] = lower(*s);
	return (ssize_t)n;
}

uint64_t scrm_customers_prospect_hash(const char *channel, size_t clen, const char *handle, size_t hlen)
{
	/* relate.c keys a record with a handle by exactly this call: one definition, so the
	 * two can never drift apart. */
	return scrm_handle_key(channel ? channel : "", channel ? clen : 0, handle ? handle : "", handle ? hlen : 0);
}

static uint64_t ident_hash(unsigned ch, const char *s, size_t n)
{
	return XXH3_64bits_withSeed(s, n, 0x9E3779B97F4A7C15ull * (ch + 1));
}

/* ------------------------------------------------------------------------ lookup ---- */

const scrm_customer *scrm_customers_find_ch(const scrm_customers *c, unsigned ch, const char *handle,
					    size_t hlen)
{
	if (!c || ch >= SCRM_CUST_CH__COUNT)
		return NULL;
	char buf[SCRM_CUSTOMERS_HANDLE_MAX];
	ssize_t n = scrm_customers_normalize(ch, handle, hlen, buf, sizeof(buf));
	if (n <= 0)
		return NULL;
	uint64_t h = ident_hash(ch, buf, (size_t)n);
	for (size_t i = (size_t)h & c->mask;; i = (i + 1) & c->mask) {
		const struct slot *s = &c->slots[i];
		if (!s->cust_plus1)
			return NULL;
		if (s->hash == h && ident_eq(c->arena + s->off, ch, buf, (size_t)n))
			return &c->cust[s->cust_plus1 - 1];
	}
}

const scrm_customer *scrm_customers_find(const scrm_customers *c, const char *channel, size_t clen,
					 const char *handle, size_t hlen)
{
	if (!c)
		return NULL;
	int ch = scrm_customers_channel(channel, clen);
	if (ch < 0)
		return NULL;
	return scrm_customers_find_ch(c, (unsigned)ch, handle, hlen);
}

size_t scrm_customers_count(const scrm_customers *c)
{
	return c ? c->ncust : 0;
}

const scrm_customer *scrm_customers_at(const scrm_customers *c, size_t i)
{
	assert(c && i < c->ncust);
	return &c->cust[i];
}

void scrm_customers_stats(const scrm_customers *c, struct scrm_customers_stats *st)
{
	if (!st)
		return;
	if (!c) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = c->st;
}

void scrm_customers_free(scrm_customers *c)
{
	if (!c)
		return;
	free(c->cust);
	free(c->arena);
	free(c->slots);
	free(c);
}

/* ----------------------------------------------------------------------- builder ---- */

/* Offsets of a customer's strings while the arena can still move. */
struct row {
	uint32_t id, key, name, tier;
	uint32_t nident;
};

struct idslot {
	uint64_t hash;
	uint32_t cust_plus1; /* 0: empty */
};

struct field {
	size_t off, len; /* in the scratch buffer */
	bool quoted;
};

enum { COL_ID, COL_NAME, COL_TIER, COL_LTV, COL_IGNORE, COL_CH0 };

struct build {
	const char *name;
	/* errors */
	char *err;
	size_t errlen, errused;
	size_t nerr, dropped;
	/* the table being built */
	char *arena;
	size_t alen, acap;
	scrm_customer *cust;
	struct row *rows;
	size_t ncust, ccap;
	struct slot *slots;
	size_t scap, nident;
	size_t per_channel[SCRM_CUST_CH__COUNT];
	struct idslot *ids;
	size_t icap;
	/* the record reader: [p, end) is the input still to read; all of it (eof), or a
	 * window onto fd that more() moves and refills */
	const char *p, *end;
	bool eof;
	int fd;
	char *win;
	size_t wcap, wread; /* its size; the most one read() asks for (0: all it can hold) */
	uint64_t total;      /* bytes read from fd */
	uint32_t line;       /* line of the next byte */
	char *sb;            /* unescaped fields of the current record */
	size_t slen, sbcap;
	struct field *f;
	size_t nf, fcap;
	/* the header */
	int *col;            /* COL_* per column */
	size_t ncols;
};

/* Room kept at the end of err for the "N more errors" line. */
#define ERR_TAIL 96

static void errf(struct build *b, uint32_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void errf(struct build *b, uint32_t line, const char *fmt, ...)
{
	b->nerr++;
	if (!b->err || b->errlen <= ERR_TAIL || b->dropped) {
		b->dropped++;
		return;
	}
	char msg[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t room = b->errlen - ERR_TAIL - b->errused;
	int n = snprintf(b->err + b->errused, room, "%s:%u: %s\n", b->name, line, msg);
	if (n < 0 || (size_t)n >= room) {
		/* Only whole messages: a cut one would read as a different error. */
		b->err[b->errused] = 0;
		b->dropped++;
		return;
	}
	b->errused += (size_t)n;
}

static void err_finish(struct build *b)
{
	if (!b->dropped || !b->err || b->errlen == 0)
		return;
	size_t room = b->errlen - b->errused;
	if (room <= 1)
		return;
	snprintf(b->err + b->errused, room, "%s: %zu more error%s not shown\n", b->name, b->dropped,
		 b->dropped == 1 ? "" : "s");
}

/* A value for a message: in quotes, control bytes and bytes that are not UTF-8 (a
 * Latin-1 export) escaped as \xNN, so the message itself is always text; long ones cut. */
static const char *show(char *dst, size_t cap, const char *s, size_t n)
{
	assert(cap >= 16);
	size_t o = 0;
	dst[o++] = '\'';
	size_t lim = cap - 6; /* room for "...'" and NUL */
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t cl = scrm_utf8_char((const unsigned char *)s + i, n - i);
		bool esc = !cl || c < 0x20 || c == 0x7f || c == '\'' || c == '\\';
		size_t need = esc ? 4 : cl;
		if (o + need > lim) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (esc) {
			snprintf(dst + o, 5, "\\x%02x", c);
			o += 4;
			i++;
		} else {
			memcpy(dst + o, s + i, cl);
			o += cl;
			i += cl;
		}
	}
	dst[o++] = '\'';
	dst[o] = 0;
	return dst;
}

/* Whether s[0, n) holds any byte of `set`. */
static bool strpbrk_n(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (memchr(set, s[i], strlen(set)))
			return true;
	return false;
}

/* NULL if s is acceptable text, else why not. */
static const char *bad_text(const char *s, size_t n)
{
	if (scrm_utf8_valid_prefix((const unsigned char *)s, n) != n)
		return "is not valid UTF-8";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "holds a control character";
	return NULL;
}

/* Append s[0..n) and a NUL to the arena; its offset in *off. */
static int arena_put(struct build *b, const char *s, size_t n, uint32_t *off)
{
	int rc;
	if (b->alen + n + 1 > UINT32_MAX)
		return -EFBIG;
	if ((rc = scrm_array_grow((void **)&b->arena, &b->acap, b->alen + n + 1, 1, 4096)))
		return rc;
	*off = (uint32_t)b->alen;
	if (n)
		memcpy(b->arena + b->alen, s, n);
	b->arena[b->alen + n] = 0;
	b->alen += n + 1;
	return 0;
}

static struct slot *slot_probe(struct slot *slots, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);
	while (slots[i].cust_plus1)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}


static int slots_grow(struct build *b, size_t want)
{
	size_t cap = b->scap ? b->scap * 2 : 16;
	while (cap * 3 < want * 4) /* at most three quarters full */
		cap *= 2;
	struct slot *n = scrm_table_zalloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < b->scap; i++)
		if (b->slots[i].cust_plus1)
			*slot_probe(n, cap, b->slots[i].hash) = b->slots[i];
	free(b->slots);
	b->slots = n;
	b->scap = cap;
	return 0;
}

/* Link identity norm[0..n) of channel ch to customer cust (a row on `line`). */
static int ident_add(struct build *b, unsigned ch, const char *norm, size_t n, uint32_t cust, uint32_t line)
{
	int rc;
	if ((b->nident + 1) * 4 > b->scap * 3 && (rc = slots_grow(b, 0)))
		return rc;
	uint64_t h = ident_hash(ch, norm, n);
	size_t i = (size_t)h & (b->scap - 1);
	for (; b->slots[i].cust_plus1; i = (i + 1) & (b->scap - 1)) {
		const struct slot *s = &b->slots[i];
		if (s->hash != h || !ident_eq(b->arena + s->off, ch, norm, n))
			continue;
		uint32_t other = s->cust_plus1 - 1;
		if (other != cust) {
			char v[96], a[96], c2[96];
			const scrm_customer *first = &b->cust[other];
			errf(b, line, "%s identity %s is linked to two customers: %s on line %u and %s on line %u",
			     channel_names[ch], show(v, sizeof(v), norm, n),
			     show(a, sizeof(a), b->arena + b->rows[other].id, first->id_len), first->line,
			     show(c2, sizeof(c2), b->arena + b->rows[cust].id, b->cust[cust].id_len), line);
		}
		return 0; /* the same customer twice: one link */
	}
	/* n <= SCRM_CUSTOMERS_HANDLE_MAX: the caller normalized into a buffer of that size */
	char rec[3 + SCRM_CUSTOMERS_HANDLE_MAX];
	rec[0] = (char)ch;
	rec[1] = (char)(n & 0xff);
	rec[2] = (char)(n >> 8);
	memcpy(rec + 3, norm, n);
	uint32_t off;
	if ((rc = arena_put(b, rec, n + 3, &off)))
		return rc;
	b->slots[i] = (struct slot){.hash = h, .off = off, .cust_plus1 = cust + 1};
	b->nident++;
	b->per_channel[ch]++;
	b->rows[cust].nident++;
	return 0;
}

static int ids_grow(struct build *b)
{
	size_t cap = b->icap ? b->icap * 2 : 16;
	struct idslot *n = scrm_table_zalloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < b->icap; i++) {
		if (!b->ids[i].cust_plus1)
			continue;
		size_t k = (size_t)b->ids[i].hash & (cap - 1);
		while (n[k].cust_plus1)
			k = (k + 1) & (cap - 1);
		n[k] = b->ids[i];
	}
	free(b->ids);
	b->ids = n;
	b->icap = cap;
	return 0;
}

/* The customer whose id is s[0..n), or -1; *slot_out: where a new one would go. */
static long id_find(const struct build *b, const char *s, size_t n, uint64_t h, size_t *slot_out)
{
	size_t i = (size_t)h & (b->icap - 1);
	for (; b->ids[i].cust_plus1; i = (i + 1) & (b->icap - 1)) {
		uint32_t c = b->ids[i].cust_plus1 - 1;
		if (b->ids[i].hash == h && b->cust[c].id_len == n && memcmp(b->arena + b->rows[c].id, s, n) == 0)
			return (long)c;
	}
	*slot_out = i;
	return -1;
}

/* --------------------------------------------------------------- record reader ---- */

static int sb_put(struct build *b, char c)
{
	int rc;
	if (b->slen == b->sbcap && (rc = scrm_array_grow((void **)&b->sb, &b->sbcap, b->slen + 1, 1, 1024)))
		return rc;
	b->sb[b->slen++] = c;
	return 0;
}

static int field_push(struct build *b, size_t off, bool quoted)
{
	if (b->nf == b->fcap) {
		size_t cap = b->fcap ? b->fcap * 2 : 16;
		struct field *n = realloc(b->f, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->f = n;
		b->fcap = cap;
	}
	b->f[b->nf++] = (struct field){off, b->slen - off, quoted};
	return 0;
}

/* csv_next(): the record may go on past the window's end: read more and call again. */
#define CSV_MORE 2

/*
 * Read one record into b->f / b->sb. Return: 1 with a record (*bad when it had a syntax
 * error, already reported; its fields are then not to be trusted), 0 at the end, -ENOMEM,
 * or CSV_MORE (before the end of the input only) when it reached the end of the window
 * before it could tell: nothing is reported or consumed then.
 */
static int csv_next(struct build *b, uint32_t *rec_line, bool *bad)
{
	int rc;
	if (b->p >= b->end)
		return b->eof ? 0 : CSV_MORE;
	const char *start = b->p;
	uint32_t start_line = b->line;
	*rec_line = b->line;
	*bad = false;
	b->nf = 0;
	b->slen = 0;
	bool stray_quote = false;
	for (;;) {
		size_t off = b->slen;
		bool quoted = b->p < b->end && *b->p == '"';
		if (quoted) {
			uint32_t open_line = b->line;
			b->p++;
			for (;;) {
				if (b->p >= b->end) {
					if (!b->eof)
						goto more;
					errf(b, open_line, "a quoted field is never closed (a '\"' is missing)");
					*bad = true;
					if ((rc = field_push(b, off, true)))
						return rc;
					return 1;
				}
				char c = *b->p++;
				if (c == '"') {
					if (b->p >= b->end && !b->eof)
						goto more; /* "" or the closing quote? */
					if (b->p < b->end && *b->p == '"') {
						b->p++;
					} else {
						break;
					}
				} else if (c == '\n') {
					b->line++;
				}
				if ((rc = sb_put(b, c)))
					return rc;
			}
			if (!b->eof && *b->p == '\r' && b->p + 1 == b->end)
				goto more;
			bool ok = b->p >= b->end || *b->p == ',' || *b->p == '\n' ||
				  (*b->p == '\r' && (b->p + 1 == b->end || b->p[1] == '\n'));
			if (!ok && !b->eof && !memchr(b->p, '\n', (size_t)(b->end - b->p)))
				goto more; /* the line's end, where reading goes on, is not in yet */
			if (!ok && open_line != b->line) /* where the quote opened: a '"' missing there */
				errf(b, open_line,
				     "a quoted field opened here runs to line %u, where text follows its closing '\"' (a '\"' "
				     "missing on this line?)",
				     b->line);
			else if (!ok)
				errf(b, b->line, "text after the closing '\"' of a quoted field (write a '\"' inside quotes as \"\")");
			if (!ok) {
				*bad = true;
				while (b->p < b->end && *b->p != '\n')
					b->p++;
			} else if (b->p < b->end && *b->p == '\r') {
				b->p++;
			}
		} else {
			while (b->p < b->end && *b->p != ',' && *b->p != '\n') {
				if (*b->p == '"')
					stray_quote = true;
				if ((rc = sb_put(b, *b->p++)))
					return rc;
			}
			if (b->p >= b->end && !b->eof)
				goto more;
			if (b->slen > off && b->sb[b->slen - 1] == '\r')
				b->slen--; /* CRLF */
		}
		if ((rc = field_push(b, off, quoted)))
			return rc;
		if (b->p < b->end && *b->p == ',') {
			b->p++;
			continue;
		}
		if (b->p < b->end && *b->p == '\n') {
			b->p++;
			b->line++;
		}
		break;
	}
	if (stray_quote && !*bad) {
		errf(b, *rec_line, "a '\"' inside an unquoted field (quote the whole field and write '\"' as \"\")");
		*bad = true;
	}
	return 1;
more:
	b->p = start;
	b->line = start_line;
	return CSV_MORE;
}

/*
 * Move the window past what was read and fill the rest from fd (a window that is all one
 * unfinished record doubles, so a record of any length is read again only O(log length)
 * times). Sets b->eof at the end of the file. 0, or -errno, -EFBIG past
 * SCRM_CUSTOMERS_FILE_MAX (reported), -ENOMEM.
 */
static int more(struct build *b)
{
	if (b->fd < 0) {
		b->eof = true;
		return 0;
	}
	size_t keep = (size_t)(b->end - b->p);
	if (keep && b->p != b->win)
		memmove(b->win, b->p, keep);
	int rc;
	if (keep == b->wcap && (rc = scrm_array_grow((void **)&b->win, &b->wcap, keep + 1, 1, 4096)))
		return rc;
	ssize_t got;
	size_t ask = b->wread && b->wread < b->wcap - keep ? b->wread : b->wcap - keep;
	while ((got = read(b->fd, b->win + keep, ask)) < 0)
		if (errno != EINTR)
			return -errno;
	b->total += (uint64_t)got;
	if (b->total > SCRM_CUSTOMERS_FILE_MAX) {
		errf(b, 1, "the export is larger than %u bytes", (unsigned)SCRM_CUSTOMERS_FILE_MAX);
		return -EFBIG;
	}
	b->eof = got == 0;
	b->p = b->win;
	b->end = b->win + keep + (size_t)got;
	return 0;
}

/* csv_next() through the window. */
static int next_record(struct build *b, uint32_t *rec_line, bool *bad)
{
	for (;;) {
		int rc = csv_next(b, rec_line, bad);
		if (rc != CSV_MORE)
			return rc;
		/* a record is a customer's row: one past 16 MiB is a quote never closed (the
		 * window held the rest of a 1 GiB file for it: found by review) */
		if ((size_t)(b->end - b->p) > SCRM_CUSTOMERS_RECORD_MAX) {
			errf(b, b->line, "a record of more than %u MiB from here on (a quoted field never closed?)",
			     (unsigned)(SCRM_CUSTOMERS_RECORD_MAX >> 20));
			return -EINVAL;
		}
		if ((rc = more(b)))
			return rc;
	}
}

static bool record_blank(const struct build *b)
{
	if (b->nf != 1 || b->f[0].quoted)
		return false;
	for (size_t i = 0; i < b->f[0].len; i++)
		if (!is_blank(b->sb[b->f[0].off + i]))
			return false;
	return true;
}

/* --------------------------------------------------------------------- header ---- */

static int header(struct build *b, uint32_t line)
{
	b->ncols = b->nf;
	b->col = malloc(b->ncols * sizeof(*b->col));
	if (!b->col)
		return -ENOMEM;
	size_t before = b->nerr;
	long id_col = -1;
	for (size_t i = 0; i < b->ncols; i++) {
		const char *s = b->sb + b->f[i].off;
		size_t n = b->f[i].len;
		trim(&s, &n);
		char v[96];
		int role = -1;
		int ch;
		if (eq_nocase(s, n, "customer_id"))
			role = COL_ID;
		else if (eq_nocase(s, n, "name"))
			role = COL_NAME;
		else if (eq_nocase(s, n, "tier"))
			role = COL_TIER;
		else if (eq_nocase(s, n, "lifetime_value"))
			role = COL_LTV;
		else if ((ch = scrm_customers_channel(s, n)) >= 0)
			role = COL_CH0 + ch;
		else if (n >= 2 && lower(s[0]) == 'x' && s[1] == '_')
			role = COL_IGNORE;
		else if (n == 0 && i + 1 == b->ncols && i > 0)
			role = COL_IGNORE; /* a trailing comma, as spreadsheets write: no column */
		if (role < 0) {
			errf(b, line, "unknown column %s (expected customer_id, name, tier, lifetime_value, a channel: "
				      "twitter, facebook, instagram, reddit, email, phone, chat, forum, review, or x_*)",
			     show(v, sizeof(v), s, n));
			b->col[i] = COL_IGNORE;
			continue;
		}
		b->col[i] = role;
		if (role == COL_ID)
			id_col = (long)i;
		for (size_t k = 0; k < i && role != COL_IGNORE; k++)
			if (b->col[k] == role) {
				errf(b, line, "column %s appears twice (columns %zu and %zu)", show(v, sizeof(v), s, n), k + 1, i + 1);
				break;
			}
	}
	if (id_col < 0)
		errf(b, line, "no customer_id column in the header");
	return b->nerr > before ? -EINVAL : 0;
}

/* ----------------------------------------------------------------------- rows ---- */

/* A strict decimal number: [+-]digits[.digits][(e|E)[+-]digits], at least one digit. */
static bool parse_number(const char *s, size_t n, double *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return false;
	size_t i = 0, digits = 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (!digits)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t ed = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, ed++;
		if (!ed)
			return false;
	}
	if (i != n)
		return false;
	/* strtod (C locale: the engine never calls setlocale) on a checked copy: it would
	 * also take "inf", "nan" and hex, which an export should not hold. */
	memcpy(buf, s, n);
	buf[n] = 0;
	char *end;
	double v = strtod(buf, &end);
	if (end != buf + n || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* Room for @cap customers. */
static int customers_reserve(struct build *b, size_t cap)
{
	if (cap <= b->ccap)
		return 0;
	scrm_customer *c = realloc(b->cust, cap * sizeof(*c));
	if (!c)
		return -ENOMEM;
	b->cust = c;
	struct row *r = realloc(b->rows, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	b->rows = r;
	b->ccap = cap;
	return 0;
}

static int customer_new(struct build *b, uint32_t *idx)
{
	int rc;
	if (b->ncust == b->ccap && (rc = customers_reserve(b, b->ccap ? b->ccap * 2 : 64)))
		return rc;
	if (b->ncust >= UINT32_MAX - 1)
		return -EFBIG;
	*idx = (uint32_t)b->ncust++;
	memset(&b->cust[*idx], 0, sizeof(b->cust[*idx]));
	memset(&b->rows[*idx], 0, sizeof(b->rows[*idx]));
	return 0;
}

/* Check and link one data row. Errors are reported; only -ENOMEM/-EFBIG are returned. */
static int row(struct build *b, uint32_t line)
{
	int rc;
	char v[96];
	if (b->nf != b->ncols) {
		errf(b, line, "%zu field%s, the header has %zu", b->nf, b->nf == 1 ? "" : "s", b->ncols);
		return 0;
	}
	/* customer_id first: the identities are linked to it. */
	uint32_t cust = UINT32_MAX;
	for (size_t i = 0; i < b->ncols; i++) {
		if (b->col[i] != COL_ID)
			continue;
		const char *s = b->sb + b->f[i].off;
		size_t n = b->f[i].len;
		trim(&s, &n);
		const char *why;
		if (n == 0) {
			errf(b, line, "empty customer_id");
			break;
		}
		if (n > SCRM_CUSTOMERS_ID_MAX) {
			errf(b, line, "customer_id %s is longer than %d bytes", show(v, sizeof(v), s, n), SCRM_CUSTOMERS_ID_MAX);
			break;
		}
		if ((why = bad_text(s, n))) {
			errf(b, line, "customer_id %s %s", show(v, sizeof(v), s, n), why);
			break;
		}
		if ((b->ncust + 1) * 2 > b->icap && (rc = ids_grow(b)))
			return rc;
		uint64_t h = XXH3_64bits(s, n);
		size_t slot = 0;
		long dup = id_find(b, s, n, h, &slot);
		if (dup >= 0) {
			errf(b, line, "duplicate customer_id %s (first on line %u)", show(v, sizeof(v), s, n),
			     b->cust[dup].line);
			break;
		}
		if ((rc = customer_new(b, &cust)))
			return rc;
		scrm_customer *c = &b->cust[cust];
		struct row *r = &b->rows[cust];
		c->line = line;
		c->index = cust;
		c->ltv = NAN;
		c->id_len = (uint32_t)n;
		c->key_len = (uint32_t)n + 2;
		char key[SCRM_CUSTOMERS_ID_MAX + 2];
		memcpy(key, "c:", 2);
		memcpy(key + 2, s, n);
		if ((rc = arena_put(b, s, n, &r->id)) || (rc = arena_put(b, key, n + 2, &r->key)))
			return rc;
		c->key_hash = scrm_customers_key_hash(b->arena + r->key, c->key_len);
		b->ids[slot] = (struct idslot){h, cust + 1};
		break;
	}
	for (size_t i = 0; i < b->ncols; i++) {
		int role = b->col[i];
		if (role == COL_ID || role == COL_IGNORE)
			continue;
		const char *s = b->sb + b->f[i].off;
		size_t n = b->f[i].len;
		trim(&s, &n);
		const char *why;
		if (role == COL_NAME || role == COL_TIER) {
			const char *what = role == COL_NAME ? "name" : "tier";
			if ((why = bad_text(s, n))) {
				errf(b, line, "%s %s %s", what, show(v, sizeof(v), s, n), why);
				continue;
			}
			if (cust == UINT32_MAX)
				continue;
			uint32_t off;
			if ((rc = arena_put(b, s, n, &off)))
				return rc;
			if (role == COL_NAME) {
				b->rows[cust].name = off;
				b->cust[cust].name_len = (uint32_t)n;
			} else {
				b->rows[cust].tier = off;
				b->cust[cust].tier_len = (uint32_t)n;
			}
			continue;
		}
		if (role == COL_LTV) {
			double x;
			if (n == 0)
				continue;
			if (!parse_number(s, n, &x)) {
				errf(b, line, "lifetime_value %s is not a number", show(v, sizeof(v), s, n));
				continue;
			}
			if (cust != UINT32_MAX)
				b->cust[cust].ltv = x;
			continue;
		}
		/* A channel: ';'-separated identities. */
		unsigned ch = (unsigned)(role - COL_CH0);
		const char *e = s + n;
		while (s <= e) {
			const char *q = memchr(s, ';', (size_t)(e - s));
			const char *ie = q ? q : e;
			const char *item = s;
			size_t il = (size_t)(ie - s);
			s = ie + 1;
			trim(&item, &il);
			if (il == 0)
				continue; /* "a;;b", a trailing ';' */
			char norm[SCRM_CUSTOMERS_HANDLE_MAX];
			ssize_t nl = scrm_customers_normalize(ch, item, il, norm, sizeof(norm));
			if (nl == -ENOBUFS) {
				errf(b, line, "%s identity %s is longer than %d bytes", channel_names[ch],
				     show(v, sizeof(v), item, il), SCRM_CUSTOMERS_HANDLE_MAX);
				continue;
			}
			assert(nl >= 0);
			if (nl == 0) {
				errf(b, line, "%s identity %s is empty once normalized", channel_names[ch],
				     show(v, sizeof(v), item, il));
				continue;
			}
			if ((why = bad_text(norm, (size_t)nl))) {
				errf(b, line, "%s identity %s %s", channel_names[ch], show(v, sizeof(v), item, il), why);
				continue;
			}
			/* X, Instagram and Reddit handles and e-mail addresses hold no space or comma:
			 * "@bob, @carol" is two identities written with the wrong separator */
			if ((ch == SCRM_CUST_CH_TWITTER || ch == SCRM_CUST_CH_INSTAGRAM || ch == SCRM_CUST_CH_REDDIT ||
			     ch == SCRM_CUST_CH_EMAIL) &&
			    strpbrk_n(norm, (size_t)nl, " \t,")) {
				errf(b, line, "%s identity %s holds a space or a comma (separate identities with ';')",
				     channel_names[ch], show(v, sizeof(v), item, il));
				continue;
			}
			if (cust != UINT32_MAX && (rc = ident_add(b, ch, norm, (size_t)nl, cust, line)))
				return rc;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- parse ---- */

static void build_free(struct build *b)
{
	free(b->arena);
	free(b->cust);
	free(b->rows);
	free(b->slots);
	free(b->ids);
	free(b->sb);
	free(b->f);
	free(b->col);
	free(b->win);
}

/*
 * Build the table from b's input: [b->p, b->end) with b->eof (in memory; fsize: its
 * length), or the file b->fd of fsize bytes (0: not known) through a window. b is set
 * up but for the scratch buffer; build_free() is the caller's.
 */
static int build_table(struct build *b, uint64_t fsize, scrm_customers **out)
{
	int rc = 0;
	/* The scratch buffer exists from the start: field pointers are never NULL + 0. */
	b->sb = malloc(1024);
	if (!b->sb) {
		rc = -ENOMEM;
		goto out;
	}
	b->sbcap = 1024;
	while (!b->eof && b->end - b->p < 8) /* what scrm_wide_encoding() looks at, and a mark */
		if ((rc = more(b)))
			goto out;
	const char *wide = scrm_wide_encoding((const unsigned char *)b->p, (size_t)(b->end - b->p), true);
	if (wide) { /* a spreadsheet's "Unicode text": one clear error, not bytes as column names */
		errf(b, 1, "the export is %s, not UTF-8 (convert it: iconv -f %s -t UTF-8)", wide, wide);
		rc = -EINVAL;
		goto out;
	}
	b->p += scrm_utf8_bom(b->p, (size_t)(b->end - b->p)); /* the byte order mark spreadsheet programs write */

	uint32_t line;
	bool bad;
	for (;;) {
		rc = next_record(b, &line, &bad);
		if (rc < 0)
			goto out;
		if (rc == 0) {
			errf(b, b->line, "empty file: expected a header line naming the columns (customer_id, ...)");
			rc = -EINVAL;
			goto out;
		}
		if (!record_blank(b))
			break;
	}
	if (bad || (rc = header(b, line))) {
		rc = rc < 0 ? rc : -EINVAL;
		goto out;
	}
	/* Size the identity table once for a typical export (a row links one to three
	 * identities, two most often) rather than rehash it again and again while it
	 * fills; it doubles if it gets three quarters full. */
	size_t nch = 0, lines = 0;
	for (size_t i = 0; i < b->ncols; i++)
		nch += b->col[i] >= COL_CH0;
	/* the rows: lines that start with something else than a blank and hold a comma for
	 * each column after the first (the lines of a long quoted note seldom do: counting
	 * them sized the tables for a 1 MB note's 60,000 lines, 1 GB; found by review), each
	 * at least one byte a column long; counted in what is in memory, and for a file
	 * scaled up to the bytes it has left */
	for (const char *q = b->p - 1; q && q + 1 < b->end; q = memchr(q + 1, '\n', (size_t)(b->end - q - 1))) {
		if (is_blank(q[1]))
			continue;
		size_t commas = 0;
		for (const char *c = q + 1; c < b->end && *c != '\n' && commas + 1 < b->ncols; c++)
			commas += *c == ',';
		lines += commas + 1 >= b->ncols;
	}
	uint64_t seen = (uint64_t)(b->end - b->p), before = b->fd >= 0 ? b->total - seen : 0;
	uint64_t rest = b->fd >= 0 && fsize > before ? fsize - before : seen, len = b->fd >= 0 ? before + rest : fsize;
	if (rest > seen && seen)
		lines = (size_t)((double)lines * (double)rest / (double)seen);
	size_t most = (size_t)(rest / (b->ncols + 1) + 1);
	lines = lines < most ? lines : most;
	/* and the customers (at most one a row) and their strings (each comes from a field
	 * of the file, with at most 24 bytes more a row: "c:", the identities' headers and
	 * NULs; what is left over is given back at the end) */
	size_t strings = len + lines * 24 > UINT32_MAX ? UINT32_MAX : (size_t)len + lines * 24;
	if ((rc = slots_grow(b, lines * (nch < 2 ? nch : 2))) || (rc = customers_reserve(b, lines)) ||
	    (rc = scrm_array_grow((void **)&b->arena, &b->acap, strings, 1, strings)))
		goto out;
	while ((rc = next_record(b, &line, &bad)) == 1) {
		if (bad || record_blank(b))
			continue;
		if ((rc = row(b, line)))
			goto out;
	}
	if (rc < 0)
		goto out;
	if (b->nerr) {
		rc = -EINVAL;
		goto out;
	}

	scrm_customers *c = calloc(1, sizeof(*c));
	if (!c) {
		rc = -ENOMEM;
		goto out;
	}
	/* Final: the arena and the customers array give back what doubling left unused,
	 * then offsets become pointers; the arena no longer moves. */
	char *arena = b->alen ? realloc(b->arena, b->alen) : NULL;
	if (arena)
		b->arena = arena, b->acap = b->alen;
	scrm_customer *cus = b->ncust ? realloc(b->cust, b->ncust * sizeof(*cus)) : NULL;
	if (cus)
		b->cust = cus;
	for (size_t i = 0; i < b->ncust; i++) {
		scrm_customer *cu = &b->cust[i];
		const struct row *r = &b->rows[i];
		cu->id = b->arena + r->id;
		cu->key = b->arena + r->key;
		cu->name = cu->name_len ? b->arena + r->name : "";
		cu->tier = cu->tier_len ? b->arena + r->tier : "";
		c->st.unlinked += r->nident == 0;
	}
	c->cust = b->cust;
	c->ncust = b->ncust;
	c->arena = b->arena;
	c->slots = b->slots;
	c->mask = b->scap - 1;
	c->st.customers = b->ncust;
	c->st.identities = b->nident;
	memcpy(c->st.per_channel, b->per_channel, sizeof(c->st.per_channel));
	b->cust = NULL;
	b->arena = NULL;
	b->slots = NULL;
	*out = c;
out:
	return rc;
}

/* The end of a load: the message for an error, the build freed. */
static int build_done(struct build *b, int rc)
{
	if (rc && rc != -EFBIG && rc != -EINVAL && rc != -ENOMEM && b->fd >= 0 && b->err && b->errused + 1 < b->errlen)
		snprintf(b->err + b->errused, b->errlen - b->errused, "%s: %s\n", b->name, strerror(-rc));
	else if (rc == -ENOMEM && b->err && b->errused + 1 < b->errlen)
		snprintf(b->err + b->errused, b->errlen - b->errused, "%s: out of memory\n", b->name);
	else if (rc)
		err_finish(b);
	build_free(b);
	return rc;
}

int scrm_customers_parse(scrm_customers **out, const char *name, const char *buf, size_t len,
			 char *err, size_t errlen)
{
	assert(out);
	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	struct build b = {.name = name ? name : "<customers>", .err = err, .errlen = err ? errlen : 0, .line = 1,
			  .fd = -1, .eof = true};
	if (len > SCRM_CUSTOMERS_FILE_MAX) {
		errf(&b, 1, "the export is larger than %u bytes", (unsigned)SCRM_CUSTOMERS_FILE_MAX);
		return build_done(&b, -EFBIG);
	}
	if (!buf) {
		buf = "";
		len = 0;
	}
	b.p = buf;
	b.end = buf + len;
	return build_done(&b, build_table(&b, len, out));
}

int scrm_customers_read_fd(scrm_customers **out, const char *name, int fd, size_t read_max, char *err,
			   size_t errlen)
{
	assert(out && fd >= 0);
	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	struct build b = {.name = name ? name : "<customers>", .err = err, .errlen = err ? errlen : 0, .line = 1,
			  .fd = fd};
	/* a window smaller than the reads it is asked to take would only grow */
	b.wcap = read_max && read_max < SCRM_CUSTOMERS_WINDOW ? read_max : SCRM_CUSTOMERS_WINDOW;
	b.wread = read_max;
	b.win = malloc(b.wcap);
	if (!b.win)
		return build_done(&b, -ENOMEM);
	b.p = b.end = b.win;
	struct stat st;
	uint64_t fsize = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (fsize > SCRM_CUSTOMERS_FILE_MAX) {
		errf(&b, 1, "the export is larger than %u bytes", (unsigned)SCRM_CUSTOMERS_FILE_MAX);
		return build_done(&b, -EFBIG);
	}
	return build_done(&b, build_table(&b, fsize, out));
}

int scrm_customers_load(scrm_customers **out, const char *path, char *err, size_t errlen)
{
	assert(out && path);
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s\n", path, strerror(-rc));
		return rc;
	}
	/* Read to EOF rather than trusting st_size: a pipe or /dev/stdin works too. */
	int rc = scrm_customers_read_fd(out, path, fd, 0, err, errlen);
	close(fd);
	return rc;
}

uint64_t scrm_customers_key_hash(const char *key, size_t len)
{
	uint64_t h = XXH3_64bits(key, len);
	return h ? h : 1;
}
