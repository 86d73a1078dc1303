/*
 * gen.c - `scrm gen`, the synthetic firehose (see gen.h for the contract).
 *
 * DESIGN. One pass, one state struct, no global mutable state. Every record is drawn
 * from a small model and then serialized by the format's writer straight into a 4 MiB
 * output buffer that is handed to write(2) whole:
 *
 *   time      simulated seconds advance by exponential gaps at `rate` (x20 in a burst);
 *   slot      each arrival is either a due pending event (a brand reply or a customer
 *             follow-up, kept in a min-heap; due ~150 records after its parent, so
 *             threads are as dense in a 400-record sample as in a 1 GB run), a crisis
 *             post during a burst, a retweet of a recent post, or a fresh post by a
 *             Zipf-drawn author;
 *   text      a template (language x kind) is expanded into UTF-8 while entity
 *             offsets (hashtags, mentions, URLs) are recorded in code points; a
 *             customer's post gets her own opener, time and sign-off around it
 *             (struct voice), so that only campaigns and retweets repeat word for word;
 *   writers   v1 (\uXXXX and \/ escapes as Twitter writes them), v2 stream lines,
 *             Pushshift comments/submissions, canonical scrm.
 *
 * Randomness: xoshiro256** seeded by splitmix64 from the seed. Authors' attributes come
 * from their own stream seeded by (seed, index), so they never depend on the order of
 * the records. Zipf ranks are drawn by rejection-inversion (Hormann & Derflinger 1996),
 * so any population size costs O(1) memory.
 */
#include "gen.h"
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------ */
/* PRNG                                                                            */

typedef struct rng {
	uint64_t s[4];
} rng;

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return out;
}

/* Uniform in [0, 1). */
static inline double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Uniform in [0, n) (multiply-shift; the bias is below 2^-32). */
static inline uint32_t rng_below(rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline bool rng_chance(rng *r, double p) { return rng_unit(r) < p; }

/* Exponential with the given mean. */
static inline double rng_exp(rng *r, double mean) { return -log1p(-rng_unit(r)) * mean; }

/* ------------------------------------------------------------------------------ */
/* Zipf by rejection-inversion                                                      */

typedef struct zipf {
	double s, m, n, hx1, hn, sv;
} zipf;

static double zipf_helper1(double x) /* log1p(x)/x */
{
	return fabs(x) > 1e-8 ? log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

static double zipf_helper2(double x) /* expm1(x)/x */
{
	return fabs(x) > 1e-8 ? expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
}

static double zipf_h(const zipf *z, double x) { return exp(-z->s * log(x)); }

static double zipf_H(const zipf *z, double x)
{
	double lx = log(x);
	return zipf_helper2((1.0 - z->s) * lx) * lx;
}

static double zipf_Hinv(const zipf *z, double x)
{
	double t = x * (1.0 - z->s);
	if (t < -1.0)
		t = -1.0;
	return exp(zipf_helper1(t) * x);
}

/* P(rank k) proportional to (k + q)^-s for k = 1 .. n (Zipf-Mandelbrot; q = 0 is Zipf):
 * rejection-inversion over the integers m = 1 + q .. m + n - 1 of h(x) = x^-s. */
static void zipf_init(zipf *z, double s, uint32_t q, uint32_t n)
{
	z->s = s;
	z->m = 1.0 + q;
	z->n = n;
	z->hx1 = zipf_H(z, z->m + 0.5) - zipf_h(z, z->m);
	z->hn = zipf_H(z, z->m + n - 0.5);
	z->sv = z->m + 1.0 - zipf_Hinv(z, zipf_H(z, z->m + 1.5) - zipf_h(z, z->m + 1.0));
}

/* A rank in [0, n): 0 is the most frequent. */
static uint32_t zipf_draw(const zipf *z, rng *r)
{
	double lo = z->m, hi = z->m + z->n - 1.0;
	for (;;) {
		double u = z->hn + rng_unit(r) * (z->hx1 - z->hn);
		double x = zipf_Hinv(z, u);
		double k = floor(x + 0.5);
		if (k < lo)
			k = lo;
		else if (k > hi)
			k = hi;
		if (k - x <= z->sv || u >= zipf_H(z, k + 0.5) - zipf_h(z, k))
			return (uint32_t)(k - lo);
	}
}

/* The author population: `--authors`, or twice the record count (at least 1,000). */
static uint32_t gen_population(const scrm_gen_opts *o)
{
	if (o->authors)
		return o->authors;
	uint64_t n = o->count > UINT32_MAX / 2 ? UINT32_MAX : o->count * 2;
	return n > 1000 ? (uint32_t)n : 1000;
}

/* ------------------------------------------------------------------------------ */
/* Calendar                                                                         */

/* Days since 1970-01-01 -> civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static inline int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

static inline char *put4(char *p, int v)
{
	p = put2(p, v / 100);
	return put2(p, v % 100);
}

/* "Mon Jan 05 09:00:00 +0000 2026" (30 bytes). */
static char *put_twitter_time(char *p, int64_t ms)
{
	static const char wd[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
	static const char mn[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int64_t sec = floor_div(ms, 1000);
	int64_t days = floor_div(sec, 86400);
	int sod = (int)(sec - days * 86400);
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	int w = (int)(((days % 7) + 7) % 7);
	memcpy(p, wd[w], 3);
	p[3] = ' ';
	memcpy(p + 4, mn[m - 1], 3);
	p[7] = ' ';
	p = put2(p + 8, d);
	*p++ = ' ';
	p = put2(p, sod / 3600);
	*p++ = ':';
	p = put2(p, sod / 60 % 60);
	*p++ = ':';
	p = put2(p, sod % 60);
	memcpy(p, " +0000 ", 7);
	return put4(p + 7, y);
}

/* "2026-01-05T09:00:00.000Z" (24 bytes), or without the milliseconds (20). */
static char *put_iso_time(char *p, int64_t ms, bool with_ms)
{
	int64_t sec = floor_div(ms, 1000);
	int64_t days = floor_div(sec, 86400);
	int sod = (int)(sec - days * 86400);
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	p = put4(p, y);
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, sod / 3600);
	*p++ = ':';
	p = put2(p, sod / 60 % 60);
	*p++ = ':';
	p = put2(p, sod % 60);
	if (with_ms) {
		int frac = (int)(ms - sec * 1000);
		*p++ = '.';
		*p++ = (char)('0' + frac / 100);
		p = put2(p, frac % 100);
	}
	*p++ = 'Z';
	return p;
}

/* ------------------------------------------------------------------------------ */
/* Output primitives                                                                */

#define PUT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) += sizeof(lit) - 1)

static inline char *put_mem(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static inline char *put_cstr(char *p, const char *s) { return put_mem(p, s, strlen(s)); }

static inline char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static inline char *put_u64q(char *p, uint64_t v)
{
	*p++ = '"';
	p = put_u64(p, v);
	*p++ = '"';
	return p;
}

static char *put_base36(char *p, uint64_t v)
{
	char tmp[16];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
		v /= 36;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static inline char *put_bool(char *p, bool b)
{
	if (b)
		PUT(p, "true");
	else
		PUT(p, "false");
	return p;
}

/*
 * A JSON string, quoted. v1: as Twitter's v1.1 writer does it, every non-ASCII code
 * point as \uXXXX (UTF-16 surrogate pairs above the BMP, lowercase hex) and '/' as
 * "\/". Otherwise raw UTF-8 with only '"', '\\' and control characters escaped.
 * `s` is valid UTF-8 (we wrote it).
 */
static char *put_jstr(char *p, const char *s, size_t n, bool v1)
{
	/* bit 0: escaped in every format; bit 1: escaped in v1 only */
	static const unsigned char esc[256] = {
		[0 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, ['/'] = 2, [0x80 ... 0xFF] = 2,
	};
	const unsigned char mask = v1 ? 3 : 1;
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s, *e = u + n;
	*p++ = '"';
	while (u < e) {
		const unsigned char *run = u;
		while (u < e && !(esc[*u] & mask))
			u++;
		memcpy(p, run, (size_t)(u - run));
		p += u - run;
		if (u >= e)
			break;
		unsigned c = *u;
		if (c == '"' || c == '\\' || c == '/') {
			*p++ = '\\';
			*p++ = (char)c;
			u++;
			continue;
		}
		if (c < 0x20) {
			*p++ = '\\';
			if (c == '\n')
				*p++ = 'n';
			else if (c == '\t')
				*p++ = 't';
			else if (c == '\r')
				*p++ = 'r';
			else {
				PUT(p, "u00");
				*p++ = hex[c >> 4];
				*p++ = hex[c & 15];
			}
			u++;
			continue;
		}
		/* non-ASCII, v1 only */
		uint32_t cp;
		if (c < 0xE0) {
			cp = ((c & 0x1Fu) << 6) | (u[1] & 0x3Fu);
			u += 2;
		} else if (c < 0xF0) {
			cp = ((c & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
			u += 3;
		} else {
			cp = ((c & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) |
			     (u[3] & 0x3Fu);
			u += 4;
		}
		uint32_t units[2];
		int nu = 0;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[nu++] = 0xD800 + (cp >> 10);
			units[nu++] = 0xDC00 + (cp & 0x3FF);
		} else {
			units[nu++] = cp;
		}
		for (int i = 0; i < nu; i++) {
			*p++ = '\\';
			*p++ = 'u';
			*p++ = hex[(units[i] >> 12) & 15];
			*p++ = hex[(units[i] >> 8) & 15];
			*p++ = hex[(units[i] >> 4) & 15];
			*p++ = hex[units[i] & 15];
		}
	}
	*p++ = '"';
	return p;
}

static inline char *put_jcstr(char *p, const char *s, bool v1) { return put_jstr(p, s, strlen(s), v1); }

/* ------------------------------------------------------------------------------ */
/* The world: brands, languages, names, templates                                  */

enum lang { L_EN, L_ES, L_FR, L_DE, L_JA, L__COUNT };
static const char *const lang_tag[L__COUNT] = {"en", "es", "fr", "de", "ja"};

struct crisis {
	const char *phrase; /* a noun phrase: "the network outage" */
	const char *tag;    /* shared hashtag, without '#' */
};

struct brand {
	const char *handle, *name, *subreddit, *domain, *ref_word, *ref_prefix;
	const char *location, *description;
	uint64_t id, followers, friends, statuses;
	int64_t created_ms;
	uint64_t subreddit_id, subscribers;
	const char *products[6];
	const char *competitors[2];
	const char *tags[4];
	const char *help_paths[3];
	struct crisis crises[2];
	uint64_t rule_id;
};

#define NO_BRAND 0xFF

static const struct brand brands[SCRM_GEN_BRANDS] = {
	{"SkyVistaAir", "SkyVista Airlines", "SkyVista", "skyvista.example", "booking reference", "SV",
	 "Everywhere we fly", "Official customer care for SkyVista Airlines. We're here 24/7 \xE2\x9C\x88\xEF\xB8\x8F",
	 14270193, 1240385, 1834, 412093, INT64_C(1237802400000), 3811520, 48210,
	 {"flight", "checked bag", "seat upgrade", "boarding pass", "lounge pass", "connecting flight"},
	 {"AeroNimbus", "Bluekite Air"},
	 {"SkyVista", "travel", "customerservice", "avgeek"},
	 {"help/refunds", "help/baggage", "manage-booking"},
	 {{"the check-in system outage", "SkyVistaDown"}, {"all these cancelled flights", "SkyVistaChaos"}},
	 1493302718270181377ull},
	{"NorthwaveMobile", "Northwave Mobile", "Northwave", "northwave.example", "account number", "NW",
	 "United Kingdom", "Northwave Mobile help team. Mon-Sun 8am-10pm. Network status: northwave.example/status",
	 17845226, 862114, 2205, 603321, INT64_C(1251799200000), 6017244, 30122,
	 {"data plan", "5G signal", "phone bill", "SIM card", "roaming pack", "home broadband"},
	 {"Telvora", "Cellix"},
	 {"Northwave", "5G", "customerservice", "nosignal"},
	 {"help/billing", "status", "plans"},
	 {{"the network outage", "NorthwaveDown"}, {"no signal since this morning", "NorthwaveOutage"}},
	 1493302718270181378ull},
	{"FairbridgeBank", "Fairbridge Bank", "FairbridgeBank", "fairbridge.example", "customer number", "FB",
	 "London & Edinburgh", "Here to help 7am-11pm. We'll never ask for your PIN or password.",
	 19322871, 455907, 980, 288410, INT64_C(1262340000000), 7120399, 21870,
	 {"debit card", "mobile app", "bank transfer", "mortgage application", "savings account", "credit card"},
	 {"Corvant Bank", "Ledgerly"},
	 {"Fairbridge", "banking", "fraud", "customerservice"},
	 {"help/cards", "help/app", "security"},
	 {{"the app being down", "FairbridgeDown"}, {"cards being declined everywhere", "FairbridgeOutage"}},
	 1493302718270181379ull},
	{"StreamlyHQ", "Streamly", "Streamly", "streamly.example", "account email", "ST",
	 "Los Angeles, CA", "Questions about your Streamly account? Tweet us. \xF0\x9F\x8D\xBF",
	 25004119, 2313706, 611, 153802, INT64_C(1296554400000), 8892671, 154330,
	 {"subscription", "4K plan", "TV app", "offline downloads", "family plan", "gift card"},
	 {"Flixora", "ViewHaven"},
	 {"Streamly", "bingewatch", "nowwatching", "StreamlyOriginals"},
	 {"help/account", "help/playback", "plans"},
	 {{"the outage during the finale", "StreamlyDown"}, {"the price hike", "StreamlyPriceHike"}},
	 1493302718270181380ull},
	{"CartwellShop", "Cartwell", "Cartwell", "cartwell.example", "order number", "CW",
	 "Leeds, England", "Cartwell customer care. Orders, deliveries & returns. Mon-Sat 8-8.",
	 30566710, 708233, 1422, 351022, INT64_C(1313920800000), 9920348, 19211,
	 {"order", "delivery", "return", "gift card", "loyalty points", "click & collect order"},
	 {"ShopNest", "Baskety"},
	 {"Cartwell", "shopping", "customerservice", "deals"},
	 {"help/delivery", "help/returns", "orders"},
	 {{"the data breach", "CartwellBreach"}, {"all the missing deliveries", "CartwellDelays"}},
	 1493302718270181381ull},
	{"KestrelMotors", "Kestrel Motors", "KestrelMotors", "kestrel.example", "VIN", "KM",
	 "Stuttgart / Detroit", "Official Kestrel Motors support. Drive electric. \xE2\x9A\xA1",
	 41283306, 1977016, 403, 98214, INT64_C(1325412000000), 11830914, 88412,
	 {"EV", "service appointment", "software update", "home charger", "warranty claim", "test drive"},
	 {"Voltaro", "Marden Auto"},
	 {"Kestrel", "EV", "electriccars", "recall"},
	 {"support/recalls", "support/charging", "service"},
	 {{"the brake recall", "KestrelRecall"}, {"the battery recall", "KestrelBatteryRecall"}},
	 1493302718270181382ull},
};

/* Subreddits that are not a brand's (off-topic and spam go there). */
static const struct {
	const char *name;
	uint64_t id, subscribers;
} general_subs[] = {
	{"AskReddit", 2187012, 45012376}, {"mildlyinfuriating", 2361551, 8120334},
	{"CasualConversation", 3010112, 2301877}, {"personalfinance", 2457190, 18221032},
};
#define N_SUBS (SCRM_GEN_BRANDS + (int)ARRAY_LEN(general_subs))

struct pname {
	const char *disp; /* display form (UTF-8) */
	const char *ascii; /* for handles and e-mails */
};

static const struct pname first_en[] = {
	{"Mira", "mira"}, {"James", "james"}, {"Aisha", "aisha"}, {"Lucas", "lucas"}, {"Sofia", "sofia"},
	{"Daniel", "daniel"}, {"Priya", "priya"}, {"Chloe", "chloe"}, {"Omar", "omar"}, {"Hannah", "hannah"},
	{"Noah", "noah"}, {"Fatima", "fatima"}, {"Liam", "liam"}, {"Grace", "grace"}, {"Tariq", "tariq"},
	{"Ethan", "ethan"}, {"Zoe", "zoe"}, {"Leila", "leila"}, {"Marcus", "marcus"}, {"Freya", "freya"},
	{"Anika", "anika"}, {"Samuel", "samuel"}, {"Maya", "maya"}, {"Ravi", "ravi"}, {"Julia", "julia"},
	{"Kwame", "kwame"}, {"Emma", "emma"}, {"Nora", "nora"}, {"Arjun", "arjun"}, {"Olivia", "olivia"},
	{"Malik", "malik"}, {"Tom", "tom"}, {"Jess", "jess"}, {"Ben", "ben"}, {"Amara", "amara"},
	{"Connor", "connor"}, {"Ellie", "ellie"}, {"Kai", "kai"}, {"Rosa", "rosa"}, {"Dev", "dev"},
};
static const struct pname last_en[] = {
	{"Hart", "hart"}, {"Okafor", "okafor"}, {"Nguyen", "nguyen"}, {"Rossi", "rossi"}, {"Silva", "silva"},
	{"Khan", "khan"}, {"Novak", "novak"}, {"Patel", "patel"}, {"Lindqvist", "lindqvist"},
	{"Haddad", "haddad"}, {"Murphy", "murphy"}, {"Mensah", "mensah"}, {"Walsh", "walsh"},
	{"Brennan", "brennan"}, {"Varga", "varga"}, {"Osei", "osei"}, {"Kim", "kim"}, {"Ahmed", "ahmed"},
	{"Jansen", "jansen"}, {"Reyes", "reyes"}, {"Carter", "carter"}, {"Doyle", "doyle"},
	{"Fletcher", "fletcher"}, {"Shaw", "shaw"}, {"Bishop", "bishop"}, {"Ellison", "ellison"},
	{"Kowalski", "kowalski"}, {"Adeyemi", "adeyemi"}, {"Price", "price"}, {"Holt", "holt"},
};
static const struct pname first_es[] = {
	{"Jos\xC3\xA9", "jose"}, {"Luc\xC3\255a", "lucia"}, {"Mateo", "mateo"}, {"Valentina", "valentina"},
	{"Alejandro", "alejandro"}, {"Camila", "camila"}, {"Andr\xC3\xA9s", "andres"}, {"Sof\xC3\255a", "sofia"},
	{"Javier", "javier"}, {"Mar\xC3\255a", "maria"},
};
static const struct pname last_es[] = {
	{"Garc\xC3\255a", "garcia"}, {"Fern\xC3\xA1ndez", "fernandez"}, {"L\xC3\xB3pez", "lopez"},
	{"Mart\xC3\xADnez", "martinez"}, {"Ruiz", "ruiz"}, {"Ortega", "ortega"}, {"Navarro", "navarro"},
	{"Castillo", "castillo"},
};
static const struct pname first_fr[] = {
	{"Chlo\xC3\xA9", "chloe"}, {"L\xC3\251a", "lea"}, {"Hugo", "hugo"}, {"\xC3\x89tienne", "etienne"},
	{"Manon", "manon"}, {"Th\xC3\xA9o", "theo"}, {"Camille", "camille"}, {"Ana\xC3\xAFs", "anais"},
};
static const struct pname last_fr[] = {
	{"Moreau", "moreau"}, {"Dubois", "dubois"}, {"Lef\xC3\xA8vre", "lefevre"}, {"Girard", "girard"},
	{"Bernard", "bernard"}, {"Roux", "roux"}, {"Fontaine", "fontaine"},
};
static const struct pname first_de[] = {
	{"J\xC3\xBCrgen", "juergen"}, {"Lena", "lena"}, {"Lukas", "lukas"}, {"Anna", "anna"},
	{"Maximilian", "max"}, {"S\xC3\xB6ren", "soeren"}, {"Katrin", "katrin"}, {"Felix", "felix"},
};
static const struct pname last_de[] = {
	{"M\xC3\xBCller", "mueller"}, {"Schmidt", "schmidt"}, {"Wei\xC3\x9F", "weiss"}, {"Becker", "becker"},
	{"Fischer", "fischer"}, {"Hoffmann", "hoffmann"}, {"Kr\xC3\xA4mer", "kraemer"},
};
static const struct pname first_ja[] = {
	{"\xE3\x82\x86\xE3\x81\x84", "yui"}, {"\xE3\x81\xAF\xE3\x82\x8B\xE3\x81\xA8", "haruto"},
	{"\xE3\x81\x95\xE3\x81\x8F\xE3\x82\x89", "sakura"}, {"\xE3\x81\x91\xE3\x82\x93\xE3\x81\x9F", "kenta"},
	{"\xE3\x81\x82\xE3\x81\x8A\xE3\x81\x84", "aoi"}, {"\xE3\x82\x8A\xE3\x81\x8F", "riku"},
};
static const struct pname last_ja[] = {
	{"\xE4\xBD\x90\xE8\x97\xA4", "sato"}, {"\xE9\x88\xB4\xE6\x9C\xA8", "suzuki"},
	{"\xE9\xAB\x98\xE6\xA9\x8B", "takahashi"}, {"\xE7\x94\xB0\xE4\xB8\xAD", "tanaka"},
	{"\xE6\xB8\xA1\xE8\xBE\xBA", "watanabe"}, {"\xE4\xBC\x8A\xE8\x97\xA4", "ito"},
};

static const struct {
	const struct pname *first, *last;
	unsigned nfirst, nlast;
} names[L__COUNT] = {
	{first_en, last_en, ARRAY_LEN(first_en), ARRAY_LEN(last_en)},
	{first_es, last_es, ARRAY_LEN(first_es), ARRAY_LEN(last_es)},
	{first_fr, last_fr, ARRAY_LEN(first_fr), ARRAY_LEN(last_fr)},
	{first_de, last_de, ARRAY_LEN(first_de), ARRAY_LEN(last_de)},
	{first_ja, last_ja, ARRAY_LEN(first_ja), ARRAY_LEN(last_ja)},
};

static const char *const locations[L__COUNT][8] = {
	{"London, England", "Austin, TX", "Toronto, Ontario", "Manchester", "Dublin, Ireland",
	 "Lagos, Nigeria", "Chicago, IL", "somewhere over the rainbow"},
	{"Madrid, Espa\xC3\261a", "Ciudad de M\xC3\xA9xico", "Buenos Aires", "Bogot\xC3\xA1",
	 "Sevilla", "Valencia", "Lima, Per\xC3\xBA", "Barcelona"},
	{"Paris, France", "Lyon", "Montr\xC3\251al, Qu\xC3\251bec", "Marseille", "Bruxelles",
	 "Nantes", "Toulouse", "Bordeaux"},
	{"Berlin, Deutschland", "M\xC3\xBCnchen", "Wien", "Hamburg", "K\xC3\xB6ln", "Z\xC3\xBCrich",
	 "Leipzig", "Frankfurt am Main"},
	{"\xE6\x9D\xB1\xE4\xBA\xAC", "\xE5\xA4\xA7\xE9\x98\xAA\xE5\xB8\x82", "Japan", "Tokyo, Japan",
	 "\xE7\xA6\x8F\xE5\xB2\xA1", "\xE5\x90\x8D\xE5\x8F\xA4\xE5\xB1\x8B", "Kyoto", "\xE6\x9C\xAD\xE5\xB9\x8C"},
};

static const char *const bio_bits[L__COUNT][10] = {
	{"coffee addict \xE2\x98\x95", "dad of two", "views my own", "runner \xF0\x9F\x8F\x83",
	 "software engineer", "nurse", "football fan \xE2\x9A\xBD", "dog mum \xF0\x9F\x90\xB6",
	 "books & tea", "she/her"},
	{"amante del caf\xC3\xA9 \xE2\x98\x95", "ingeniera", "opiniones propias", "futbolero \xE2\x9A\xBD",
	 "viajar es vivir \xE2\x9C\x88\xEF\xB8\x8F", "mam\xC3\xA1 de dos", "m\xC3\xBAsica y series",
	 "estudiante", "profe", "Madrid \xE2\x9D\xA4\xEF\xB8\x8F"},
	{"caf\xC3\xA9 & croissants", "d\xC3\xA9veloppeur", "avis perso", "fan de foot",
	 "voyageuse \xE2\x9C\x88\xEF\xB8\x8F", "papa de deux", "lectrice", "\xC3\xA9tudiant", "infirmi\xC3\xA8re",
	 "cin\xC3\xA9phile"},
	{"Kaffee & Code", "Papa von zwei", "Meinung privat", "Fu\xC3\237ballfan \xE2\x9A\xBD",
	 "reise gern \xE2\x9C\x88\xEF\xB8\x8F", "Lehrerin", "Student", "Musik \xF0\x9F\x8E\xB6", "Ingenieur",
	 "Hundemensch \xF0\x9F\x90\xB6"},
	{"\xE3\x82\xB3\xE3\x83\xBC\xE3\x83\x92\xE3\x83\xBC\xE5\xA5\xBD\xE3\x81\x8D \xE2\x98\x95",
	 "\xE4\xBC\x9A\xE7\xA4\xBE\xE5\x93\xA1", "\xE6\x97\x85\xE8\xA1\x8C \xE2\x9C\x88\xEF\xB8\x8F",
	 "\xE3\x82\xB2\xE3\x83\xBC\xE3\x83\xA0", "\xE7\x8C\xAB \xF0\x9F\x90\xB1", "\xE5\xAD\xA6\xE7\x94\x9F",
	 "\xE9\x9F\xB3\xE6\xA5\xBD \xF0\x9F\x8E\xB6", "\xE5\x80\x8B\xE4\xBA\xBA\xE3\x81\xAE\xE6\x84\x8F\xE8\xA6\x8B",
	 "\xE3\x82\xA2\xE3\x83\x8B\xE3\x83\xA1", "\xE3\x82\xB5\xE3\x83\x83\xE3\x82\xAB\xE3\x83\xBC \xE2\x9A\xBD"},
};

static const char *const mail_domains[] = {"mail.example", "inbox.example", "post.example",
					   "webmail.example", "example.net"};

static const char *const emoji_neg[] = {
	"\xF0\x9F\x98\xA1", "\xF0\x9F\x98\xA4", "\xF0\x9F\xA4\xAC", "\xF0\x9F\x98\xA9", "\xF0\x9F\x99\x84",
	"\xF0\x9F\x98\x9E", "\xF0\x9F\x98\xAD", "\xF0\x9F\x91\x8E", "\xF0\x9F\x92\x94",
};
static const char *const emoji_pos[] = {
	"\xF0\x9F\x98\x8D", "\xF0\x9F\x99\x8F", "\xF0\x9F\x91\x8F", "\xE2\x9D\xA4\xEF\xB8\x8F",
	"\xF0\x9F\x98\x8A", "\xF0\x9F\x8E\x89", "\xF0\x9F\x91\x8D", "\xF0\x9F\x99\x8C", "\xE2\x9C\xA8",
};
static const char *const emoji_any[] = {
	"\xF0\x9F\x98\x82", "\xF0\x9F\xA4\x94", "\xF0\x9F\x91\x80", "\xE2\x98\x95", "\xF0\x9F\x94\xA5",
	"\xF0\x9F\x98\x85", "\xF0\x9F\xA4\xB7", "\xF0\x9F\x98\x82\xF0\x9F\x98\x82",
};

static const char *const offtopic_tags[] = {"MondayMotivation", "coffee", "gameday", "weekendvibes",
					    "nowplaying", "tbt", "bookworm", "catsoftwitter"};

static const char *const features[] = {
	"pause my plan for a month", "pay with my phone", "use dark mode", "export my history as a CSV",
	"chat with a real person in the app", "split a bill with friends",
	"get a notification when prices drop", "change my details without calling",
};

static const char *const spam_domains[] = {"fr33-gifts.example", "shrt.example", "win-big.example",
					   "crypto-moon.example"};
static const char *const misc_domains[] = {"news.example", "vidz.example", "blog.example",
					   "photos.example"};

/* Template kinds. */
enum kind {
	K_COMPLAINT,
	K_QUESTION,
	K_PRAISE,
	K_PURCHASE,
	K_CHURN,
	K_SUGGEST,
	K_SPAM,
	K_OFFTOPIC,
	K_CRISIS,
	K_ANNOUNCE,
	K_CRISIS_ANNOUNCE,
	K_REPLY_COMPLAINT,
	K_REPLY_QUESTION,
	K_REPLY_PRAISE,
	K_REPLY_PURCHASE,
	K_REPLY_CHURN,
	K_REPLY_SUGGEST,
	K_REPLY_CRISIS,
	K_REPLY_FOLLOWUP,
	K_FOLLOW_NEG,
	K_FOLLOW_POS,
	K_FILL_NEG,
	K_FILL_POS,
	K__COUNT
};

/*
 * Template placeholders:
 *   {B} the brand: @handle on Twitter, its name elsewhere     {b} brand name
 *   {P} one of the brand's products   {C} a competitor   {K} what to DM (booking reference)
 *   {R} a reference number   {N} a count 2-60   {n} a count 2-7   {D} days 2-21
 *   {W} a feature request
 *   {U} a brand help URL   {S} a spam URL   {L} some other URL
 *   {H} a brand hashtag   {O} an off-topic hashtag   {X} the crisis hashtag
 *   {T} the crisis, as a noun phrase   {M} @customer (replies)   {F} customer first name
 *   {@} another customer   {A} agent initials   {E} {e} {h} emoji: any / negative / positive
 * A literal "#word" after a space becomes a hashtag entity.
 */
static const char *const en_complaint[] = {
	"{B} my {P} was delayed AGAIN and nobody can tell me why {e}",
	"{B} been on hold for {N} minutes now. still waiting {e}",
	"{B} you charged me twice for my {P} and I still haven't had a refund!!!",
	"{B} cancelled my {P} with zero notice. not ok. ref {R}",
	"still waiting on my refund from {B}, it's been {D} days {H}",
	"{B} worst customer service ever. {D} days and no reply to my emails {e}",
	"is anyone else having problems with {b}'s {P}? mine won't work at all {e}",
	"{B} your app keeps crashing every time I open my {P}. please fix it",
	"hey {B} why is my {P} still not working?? third time this week {e}",
	"{B} I was charged a fee I never agreed to. I want my money back",
	"so disappointed with {B} today. {P} broken & no help from support {e}",
	"{B} don't tell me to DM you, I've sent {N} DMs already and nobody answers",
	"{B} never again. {D} days waiting for my {P} and nobody cares {e}{e}",
	"{B} I've been a loyal customer for {N} years and this is how you treat me? {e}",
	"{B} on hold for over an hour then the call dropped. unbelievable",
	"{B} my {P} is not working and your chat bot is useless {e}",
	"thanks for nothing {B}. {P} still broken, still waiting, still paying {e}",
	"{B} where is my refund?? ref {R} {e}",
	"{B} the {P} I paid for never arrived. this is not acceptable",
	"{B} why does it take {D} days to process a simple refund? {e}",
	"can't believe {B} just cancelled my {P} without telling me {e} {H}",
	"{B} I was promised a callback {D} days ago. nothing. {e}",
	"{B} hidden charges on my {P} again. not happy at all",
	"{B} no one at your help desk can answer a simple question about my {P} {e}",
	"{B} still waiting {e}",
	"ugh {B} {e}",
	"{B} refund???",
	"{B} on hold AGAIN",
	"{B} not impressed {e}",
	"{B} {P} delayed. again.",
	"{B} this is a joke",
	"{B} charged twice?!",
};
static const char *const en_question[] = {
	"{B} how do I change my {P}?",
	"{B} is there any way to get a refund on my {P}?",
	"{B} hi, can I transfer my {P} to someone else?",
	"{B} what are your customer service hours on Sunday?",
	"does anyone know if {B} charges extra for the {P}? {E}",
	"{B} quick question: how long does a refund usually take?",
	"{B} do I need to bring anything for my {P}?",
	"{B} is the {P} included or do I have to pay for it separately?",
	"{B} how can I update the email address on my account?",
	"{B} can you tell me the status of my {P}? ref {R}",
	"{B} is there a number I can call? your website doesn't say",
	"{B} why can't I log in to my account today?",
	"hey {B}, what happens to my {P} if I move abroad?",
	"{B} any discount for students on the {P}? {E}",
	"{B} are you open today?",
	"{B} is the app down?",
	"{B} DM'd you, can you check?",
};
static const char *const en_praise[] = {
	"huge thanks to {B} for sorting out my {P} so quickly {h}",
	"{B} best {P} experience I've had in years, well done team {h} {H}",
	"shoutout to the {b} agent who helped me today, absolute legend {h}",
	"I love my new {P} from {B} {h}{h}",
	"{B} you guys are amazing, problem fixed in {N} minutes {h}",
	"credit where it's due: {B} handled my {P} perfectly {h}",
	"{B} thank you!! didn't expect such a fast reply {h}",
	"not gonna lie, {b} has the best customer service {h} {H}",
	"{B} smooth {P}, friendly staff, zero issues. more of this please {h}",
	"well done {B}, my {P} was sorted without any fuss {h}",
	"{B} can't fault you today. thanks for the help with my {P} {h}",
	"honestly impressed with {B} today {h} {L}",
	"{B} you're the best {h}",
	"love {B} {h}",
	"{B} thank you!! {h}",
};
static const char *const en_purchase[] = {
	"thinking about getting the {P} from {B}, any deals this week? {E}",
	"{B} I want to upgrade my {P}, how much would it cost?",
	"just ordered the {P} from {B}, can't wait!! {h}",
	"{B} do you have the {P} available today? ready to buy",
	"{B} what's the best {P} for a family of {N}? looking to sign up {E}",
	"{B} is the {P} offer still on? want to buy before it ends",
	"ok I'm finally doing it, signing up for the {P} with {B} {h}",
	"{B} can I get a quote for the {P}? {U}",
	"{B} how much is the {P}?",
};
static const char *const en_churn[] = {
	"{B} I'm switching to {C}. done with you after {N} years {e}",
	"how do I cancel my subscription with {B}? seriously done {e}",
	"{B} please cancel my account. {C} gave me a better offer",
	"after {D} days of this I'm leaving {b} for {C} {H}",
	"{B} if my {P} isn't fixed by Friday I'm switching to {C}",
	"{B} cancel my subscription NOW. I'm not paying for this anymore",
	"{B} {C} is cheaper and actually works. bye {e}",
	"seriously considering {C} after this week. {B} you're losing a customer",
	"{B} I'm done. bye",
	"hello {C} \xF0\x9F\x91\x8B bye {B}",
};
static const char *const en_suggest[] = {
	"{B} would be great if the app let me {W}",
	"{B} please add a way to {W}, it would save so much time {h}",
	"feature request for {B}: let me {W} {E}",
	"{B} any plans to let customers {W}? would use it every day",
	"{B} suggestion: let us {W}. you're welcome {h}",
	"{B} why can't I {W} yet? everyone else does it",
	"idea for {B}: let people {W} {L}",
};
static const char *const en_spam[] = {
	"\xF0\x9F\x8E\x81 GIVEAWAY \xF0\x9F\x8E\x81 win a free {P} from {b}! RT + follow to enter {S} #giveaway #win",
	"Earn $500/day from home!!! no experience needed {S} {S}",
	"free followers fast \xF0\x9F\x94\xA5\xF0\x9F\x94\xA5 {S} #followback #f4f",
	"{b} gift card generator 100% working {S}",
	"get {N}% off {b} today only >>> {S} #deal #sale",
	"DM me for cheap {P} deals, legit {h} {S}",
	"{@} {@} {@} check this out {S}",
	"crypto signals that actually work \xF0\x9F\x9A\x80\xF0\x9F\x9A\x80 {S} #crypto",
};
static const char *const en_offtopic[] = {
	"can't believe it's Monday again {e}",
	"anyone watching the game tonight? {O}",
	"coffee first, then the world {h} {O}",
	"my cat just knocked my phone off the table AGAIN {E}",
	"{@} lol same",
	"this weather is ridiculous. not leaving the house today {e}",
	"new playlist is up {L} {O}",
	"who else is still awake {E}",
	"finally finished that book. no spoilers but wow {h}",
	"{@} happy birthday!! {h}{h}",
	"traffic on the ring road is a nightmare this morning {e}",
	"that moment when the wifi works on the first try {h}",
	"{@} same",
	"lol",
	"mood {E}",
	"{@} this \xF0\x9F\x91\x86",
	"ok",
	"{@} ha! {E}",
};
static const char *const en_crisis[] = {
	"{B} any update on {T}? {X}",
	"{T} is a joke. {N} hours and counting {X} {e}",
	"{X} thanks to {T} I'm stuck. {B} fix this!!!",
	"so {T} is still going on? {B} {X}",
	"{B} {T} has ruined my day {e} {X}",
	"is it just me or is {b} completely broken right now? {X}",
	"{B} I need an answer about {T}, not a copy-paste reply {X} {e}",
	"{X} {B} when will {T} be fixed?? {e}",
	"day ruined by {T}. thanks {B} {X}",
};
static const char *const en_announce[] = {
	"Our winter sale starts now! Up to {N}% off selected {P}s {U} {H}",
	"New: you can now manage your {P} right in the app {h} {U}",
	"We're hiring customer care heroes! Join the team {U} {H}",
	"Planned maintenance tonight from 1am to 3am. Sorry for any inconvenience {U}",
	"Thank you for choosing {b} {h} Tell us about your {P} with {H}",
};
static const char *const en_crisis_announce[] = {
	"We're aware of {T} and our teams are working on it. Updates here: {U} {X}",
	"Update on {T}: we're sorry for the disruption. We'll post the latest here {U} {X}",
};
static const char *const en_reply_complaint[] = {
	"{M} Hi {F}, we're sorry to hear this. Please send us a DM with your {K} and we'll look into it right away. ^{A}",
	"{M} That's not the experience we want for you, {F}. Can you DM us your {K}? We'll get this sorted. ^{A}",
	"{M} Sorry for the wait, {F}. We've escalated your case and you'll hear from us within {n} hours. ^{A}",
	"{M} We've refunded the duplicate charge, {F}. It should show within {n} working days. ^{A}",
};
static const char *const en_reply_question[] = {
	"{M} Hi {F}! You can do this in the app under Settings > Account. Anything else we can help with? ^{A}",
	"{M} Great question, {F}. Full details are here: {U} ^{A}",
	"{M} Hi {F}, yes you can. Just DM us your {K} and we'll set it up for you. ^{A}",
};
static const char *const en_reply_praise[] = {
	"{M} Thanks so much, {F}! We'll pass this on to the team {h} ^{A}",
	"{M} Love to hear it, {F}! Enjoy {h} ^{A}",
};
static const char *const en_reply_purchase[] = {
	"{M} Hi {F}, our current offers are here: {U} Let us know if you have questions! ^{A}",
	"{M} Great choice, {F} {h} DM us and we'll help you pick the right {P}. ^{A}",
};
static const char *const en_reply_churn[] = {
	"{M} We'd hate to see you go, {F}. Could you DM us so we can see what we can do? ^{A}",
	"{M} Sorry to hear that, {F}. Please DM us, we'd like the chance to put this right. ^{A}",
};
static const char *const en_reply_suggest[] = {
	"{M} Thanks for the suggestion, {F}! We've shared it with our product team {h} ^{A}",
};
static const char *const en_reply_crisis[] = {
	"{M} Hi {F}, we're aware of {T} and our engineers are working on it. Updates: {U} ^{A}",
	"{M} Sorry {F}, we know about {T}. We'll post updates here as soon as we have them {U} ^{A}",
};
static const char *const en_reply_followup[] = {
	"{M} Thanks {F}, we've got your DM and we're on it. ^{A}",
	"{M} Sorry this is taking so long, {F}. We've chased it up for you. ^{A}",
};
static const char *const en_follow_neg[] = {
	"{B} still waiting. it's been another {D} days {e}",
	"{B} I already did that. twice.",
	"{B} ???",
	"{B} no.",
	"{B} that's not good enough, I want a refund {e}",
	"{B} DM sent {N} hours ago, nothing back {e}",
	"{B} hello?? anyone there? still waiting {e}",
};
static const char *const en_follow_pos[] = {
	"{B} DM sent, thanks {h}",
	"{B} thanks, that worked! {h}",
	"{B} all sorted now, appreciate it {h}",
	"{B} great, thanks for the quick reply",
	"{B} thank you!",
	"{B} cheers {h}",
};
static const char *const en_fill_neg[] = {
	"I've been a customer for {N} years and this has never happened before.",
	"Honestly expected better from you.",
	"Please sort this out as soon as possible.",
	"I have called, emailed and messaged and nobody gets back to me.",
	"Not asking for much, just a straight answer.",
	"The agent on the phone was polite but couldn't do anything.",
	"Update: still nothing.",
};
static const char *const en_fill_pos[] = {
	"Just wanted to say this publicly.",
	"Keep it up, seriously.",
	"Will definitely recommend you to friends and family.",
	"The agent was patient and actually listened.",
};

static const char *const es_complaint[] = {
	"{B} mi pedido lleva {D} d\xC3\255as de retraso y nadie responde {e}",
	"{B} me cobraron dos veces, quiero un reembolso!!",
	"{B} llevo {N} minutos en espera. p\xC3\xA9simo servicio {e}",
	"{B} no funciona la app otra vez {e}",
	"{B} cancelaron mi reserva sin avisar. ref {R}",
};
static const char *const es_question[] = {
	"{B} \xC2\277c\xC3\xB3mo puedo cambiar los datos de mi cuenta?",
	"{B} \xC2\277cu\xC3\xA1nto tarda un reembolso?",
	"{B} hola, \xC2\xBFtienen atenci\xC3\xB3n al cliente el domingo?",
};
static const char *const es_praise[] = {
	"Gracias {B} por la ayuda tan r\xC3\xA1pida {h}",
	"{B} excelente servicio, muy contento {h}",
};
static const char *const es_churn[] = {
	"{B} me cambio a {C}, ya no aguanto m\xC3\xA1s {e}",
	"{B} quiero cancelar mi suscripci\xC3\xB3n",
};
static const char *const es_offtopic[] = {
	"qu\xC3\xA9 calor hace hoy {e}",
	"buenos d\xC3\255as a todos {h}",
	"{@} jajaja no puede ser",
};
static const char *const es_crisis[] = {
	"{B} \xC2\xBFotra vez ca\xC3\255do? {X} {e}",
	"{X} {B} llevo {N} horas sin servicio",
};
static const char *const es_reply[] = {
	"{M} Hola {F}, lamentamos lo ocurrido. Env\xC3\255anos un DM con tu n\xC3\xBAmero de referencia y lo revisamos. ^{A}",
	"{M} Hola {F}, gracias por escribirnos. Te respondemos por DM en breve. ^{A}",
};
static const char *const es_reply_praise[] = {
	"{M} \xC2\xA1Gracias {F}! Nos alegra saberlo {h} ^{A}",
};
static const char *const es_follow_neg[] = {"{B} sigo esperando {e}"};
static const char *const es_follow_pos[] = {"{B} gracias, ya est\xC3\xA1 resuelto {h}"};

static const char *const fr_complaint[] = {
	"{B} toujours en attente de mon remboursement depuis {D} jours {e}",
	"{B} on m'a factur\xC3\xA9 deux fois, c'est inadmissible",
	"{B} {N} minutes en attente au t\xC3\xA9l\xC3\xA9phone\xE2\x80\xA6 s\xC3\xA9rieusement ? {e}",
	"{B} ma commande est en retard, encore une fois",
};
static const char *const fr_question[] = {
	"{B} comment je peux annuler mon abonnement ?",
	"{B} bonjour, vous \xC3\xAAtes ouverts le dimanche ?",
	"{B} combien de temps pour un remboursement ?",
};
static const char *const fr_praise[] = {
	"{B} merci pour votre aide rapide {h}",
	"{B} service au top, merci \xC3\xA0 l'\xC3\xA9quipe {h}",
};
static const char *const fr_churn[] = {
	"{B} je passe chez {C}, c'est fini {e}",
	"{B} je veux r\xC3\xA9silier mon abonnement",
};
static const char *const fr_offtopic[] = {
	"encore lundi\xE2\x80\xA6 {e}",
	"quelle belle journ\xC3\251e {h}",
	"{@} mdr trop vrai",
};
static const char *const fr_crisis[] = {
	"{B} encore en panne ?? {X} {e}",
	"{X} {B} aucun service depuis {N} heures",
};
static const char *const fr_reply[] = {
	"{M} Bonjour {F}, nous sommes d\xC3\xA9sol\xC3\xA9s. Pouvez-vous nous envoyer un DM avec votre r\xC3\251f\xC3\xA9rence ? ^{A}",
};
static const char *const fr_reply_praise[] = {"{M} Merci {F} ! {h} ^{A}"};
static const char *const fr_follow_neg[] = {"{B} toujours rien {e}"};
static const char *const fr_follow_pos[] = {"{B} merci, c'est r\xC3\xA9gl\xC3\xA9 {h}"};

static const char *const de_complaint[] = {
	"{B} warte seit {D} Tagen auf meine Erstattung {e}",
	"{B} mir wurde doppelt abgebucht. Geht gar nicht!",
	"{B} seit {N} Minuten in der Warteschleife {e}",
	"{B} meine Bestellung ist schon wieder versp\xC3\xA4tet",
};
static const char *const de_question[] = {
	"{B} wie kann ich mein Abo k\xC3\xBCndigen?",
	"{B} hallo, habt ihr sonntags ge\xC3\266ffnet?",
	"{B} wie lange dauert eine Erstattung?",
};
static const char *const de_praise[] = {
	"{B} danke f\xC3\xBCr die schnelle Hilfe {h}",
	"{B} super Service, vielen Dank {h}",
};
static const char *const de_churn[] = {
	"{B} ich wechsle zu {C}. Reicht mir {e}",
	"{B} bitte k\xC3\xBCndigt meinen Vertrag",
};
static const char *const de_offtopic[] = {
	"schon wieder Montag\xE2\x80\xA6 {e}",
	"endlich Wochenende {h}",
	"{@} haha genau so",
};
static const char *const de_crisis[] = {
	"{B} schon wieder St\xC3\xB6rung?? {X} {e}",
	"{X} {B} seit {N} Stunden kein Service",
};
static const char *const de_reply[] = {
	"{M} Hallo {F}, das tut uns leid. Schick uns bitte eine DM mit deiner Referenznummer. ^{A}",
};
static const char *const de_reply_praise[] = {"{M} Danke {F}! {h} ^{A}"};
static const char *const de_follow_neg[] = {"{B} immer noch nichts {e}"};
static const char *const de_follow_pos[] = {"{B} danke, hat geklappt {h}"};

static const char *const ja_complaint[] = {
	"{B} \xE8\xBF\x94\xE9\x87\x91\xE3\x81\xAF\xE3\x81\xBE\xE3\x81\xA0\xE3\x81\xA7\xE3\x81\x99\xE3\x81\x8B\xEF\xBC\x9F{D}\xE6\x97\xA5\xE3\x82\x82\xE5\xBE\x85\xE3\x81\xA3\xE3\x81\xA6\xE3\x81\x84\xE3\x81\xBE\xE3\x81\x99 {e}",
	"{B} \xE4\xBA\x8C\xE9\x87\x8D\xE3\x81\xAB\xE8\xAB\x8B\xE6\xB1\x82\xE3\x81\x95\xE3\x82\x8C\xE3\x81\xBE\xE3\x81\x97\xE3\x81\x9F\xE3\x80\x82\xE5\xAF\xBE\xE5\xBF\x9C\xE3\x81\x97\xE3\x81\xA6\xE3\x81\x8F\xE3\x81\xA0\xE3\x81\x95\xE3\x81\x84",
	"{B} \xE3\x82\xA2\xE3\x83\x97\xE3\x83\xAA\xE3\x81\x8C\xE5\x85\xA8\xE7\x84\xB6\xE5\x8B\x95\xE3\x81\x8B\xE3\x81\xAA\xE3\x81\x84\xE2\x80\xA6 {e}",
	"{B} \xE9\x9B\xBB\xE8\xA9\xB1\xE3\x81\x8C{N}\xE5\x88\x86\xE3\x82\x82\xE3\x81\xA4\xE3\x81\xAA\xE3\x81\x8C\xE3\x82\x89\xE3\x81\xAA\xE3\x81\x84 {e}",
};
static const char *const ja_question[] = {
	"{B} \xE8\xA7\xA3\xE7\xB4\x84\xE3\x81\xAF\xE3\x81\xA9\xE3\x81\x86\xE3\x81\x99\xE3\x82\x8C\xE3\x81\xB0\xE3\x81\x84\xE3\x81\x84\xE3\x81\xA7\xE3\x81\x99\xE3\x81\x8B\xEF\xBC\x9F",
	"{B} \xE6\x97\xA5\xE6\x9B\x9C\xE6\x97\xA5\xE3\x82\x82\xE5\x96\xB6\xE6\xA5\xAD\xE3\x81\x97\xE3\x81\xA6\xE3\x81\x84\xE3\x81\xBE\xE3\x81\x99\xE3\x81\x8B\xEF\xBC\x9F",
};
static const char *const ja_praise[] = {
	"{B} \xE8\xBF\x85\xE9\x80\x9F\xE3\x81\xAA\xE5\xAF\xBE\xE5\xBF\x9C\xE3\x81\x82\xE3\x82\x8A\xE3\x81\x8C\xE3\x81\xA8\xE3\x81\x86\xE3\x81\x94\xE3\x81\x96\xE3\x81\x84\xE3\x81\xBE\xE3\x81\x97\xE3\x81\x9F\xEF\xBC\x81 {h}",
	"{B} \xE3\x81\x84\xE3\x81\xA4\xE3\x82\x82\xE5\x8A\xA9\xE3\x81\x8B\xE3\x81\xA3\xE3\x81\xA6\xE3\x81\xBE\xE3\x81\x99 {h}",
};
static const char *const ja_churn[] = {
	"{B} {C}\xE3\x81\xAB\xE4\xB9\x97\xE3\x82\x8A\xE6\x8F\x9B\xE3\x81\x88\xE3\x81\xBE\xE3\x81\x99 {e}",
};
static const char *const ja_offtopic[] = {
	"\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xAF\xE3\x81\x84\xE3\x81\x84\xE5\xA4\xA9\xE6\xB0\x97 {h}",
	"\xE6\x9C\x88\xE6\x9B\x9C\xE6\x97\xA5\xE3\x81\xA4\xE3\x82\x89\xE3\x81\x84\xE2\x80\xA6 {e}",
	"{@} \xE3\x81\x9D\xE3\x82\x8C\xE3\x81\xAA",
};
static const char *const ja_crisis[] = {
	"{B} \xE3\x81\xBE\xE3\x81\x9F\xE9\x9A\x9C\xE5\xAE\xB3\xEF\xBC\x9F {X} {e}",
	"{X} {B} {N}\xE6\x99\x82\xE9\x96\x93\xE3\x82\x82\xE3\x81\xA4\xE3\x81\xAA\xE3\x81\x8C\xE3\x82\x89\xE3\x81\xAA\xE3\x81\x84",
};
static const char *const ja_reply[] = {
	"{M} {F}\xE6\xA7\x98\xE3\x80\x81\xE3\x81\x94\xE4\xB8\x8D\xE4\xBE\xBF\xE3\x82\x92\xE3\x81\x8A\xE3\x81\x8B\xE3\x81\x91\xE3\x81\x97\xE3\x81\xA6\xE7\x94\xB3\xE3\x81\x97\xE8\xA8\xB3\xE3\x81\x94\xE3\x81\x96\xE3\x81\x84\xE3\x81\xBE\xE3\x81\x9B\xE3\x82\x93\xE3\x80\202DM\xE3\x81\xAB\xE3\x81\xA6\xE8\xA9\xB3\xE7\xB4\xB0\xE3\x82\x92\xE3\x81\x8A\xE7\x9F\xA5\xE3\x82\x89\xE3\x81\x9B\xE3\x81\x8F\xE3\x81\xA0\xE3\x81\x95\xE3\x81\x84\xE3\x80\x82^{A}",
};
static const char *const ja_reply_praise[] = {
	"{M} {F}\xE6\xA7\x98\xE3\x80\x81\xE3\x81\x82\xE3\x82\x8A\xE3\x81\x8C\xE3\x81\xA8\xE3\x81\x86\xE3\x81\x94\xE3\x81\x96\xE3\x81\x84\xE3\x81\xBE\xE3\x81\x99\xEF\xBC\x81 {h} ^{A}",
};
static const char *const ja_follow_neg[] = {
	"{B} \xE3\x81\xBE\xE3\x81\xA0\xE8\xBF\x94\xE4\xBA\x8B\xE3\x81\x8C\xE3\x81\x82\xE3\x82\x8A\xE3\x81\xBE\xE3\x81\x9B\xE3\x82\x93 {e}",
};
static const char *const ja_follow_pos[] = {
	"{B} \xE8\xA7\xA3\xE6\xB1\xBA\xE3\x81\x97\xE3\x81\xBE\xE3\x81\x97\xE3\x81\x9F\xE3\x80\x81\xE3\x81\x82\xE3\x82\x8A\xE3\x81\x8C\xE3\x81\xA8\xE3\x81\x86\xE3\x81\x94\xE3\x81\x96\xE3\x81\x84\xE3\x81\xBE\xE3\x81\x99 {h}",
};

struct tset {
	const char *const *t;
	unsigned n;
};
#define TS(a) {a, ARRAY_LEN(a)}
#define TS_NONE {NULL, 0}

/* [lang][kind]; an empty set falls back to English (and the post is then English). */
static const struct tset templates[L__COUNT][K__COUNT] = {
	[L_EN] = {
		[K_COMPLAINT] = TS(en_complaint), [K_QUESTION] = TS(en_question),
		[K_PRAISE] = TS(en_praise), [K_PURCHASE] = TS(en_purchase), [K_CHURN] = TS(en_churn),
		[K_SUGGEST] = TS(en_suggest), [K_SPAM] = TS(en_spam), [K_OFFTOPIC] = TS(en_offtopic),
		[K_CRISIS] = TS(en_crisis), [K_ANNOUNCE] = TS(en_announce),
		[K_CRISIS_ANNOUNCE] = TS(en_crisis_announce),
		[K_REPLY_COMPLAINT] = TS(en_reply_complaint), [K_REPLY_QUESTION] = TS(en_reply_question),
		[K_REPLY_PRAISE] = TS(en_reply_praise), [K_REPLY_PURCHASE] = TS(en_reply_purchase),
		[K_REPLY_CHURN] = TS(en_reply_churn), [K_REPLY_SUGGEST] = TS(en_reply_suggest),
		[K_REPLY_CRISIS] = TS(en_reply_crisis), [K_REPLY_FOLLOWUP] = TS(en_reply_followup),
		[K_FOLLOW_NEG] = TS(en_follow_neg), [K_FOLLOW_POS] = TS(en_follow_pos),
		[K_FILL_NEG] = TS(en_fill_neg), [K_FILL_POS] = TS(en_fill_pos),
	},
	[L_ES] = {
		[K_COMPLAINT] = TS(es_complaint), [K_QUESTION] = TS(es_question), [K_PRAISE] = TS(es_praise),
		[K_CHURN] = TS(es_churn), [K_OFFTOPIC] = TS(es_offtopic), [K_CRISIS] = TS(es_crisis),
		[K_REPLY_COMPLAINT] = TS(es_reply), [K_REPLY_QUESTION] = TS(es_reply),
		[K_REPLY_CHURN] = TS(es_reply), [K_REPLY_FOLLOWUP] = TS(es_reply),
		[K_REPLY_PRAISE] = TS(es_reply_praise),
		[K_FOLLOW_NEG] = TS(es_follow_neg), [K_FOLLOW_POS] = TS(es_follow_pos),
	},
	[L_FR] = {
		[K_COMPLAINT] = TS(fr_complaint), [K_QUESTION] = TS(fr_question), [K_PRAISE] = TS(fr_praise),
		[K_CHURN] = TS(fr_churn), [K_OFFTOPIC] = TS(fr_offtopic), [K_CRISIS] = TS(fr_crisis),
		[K_REPLY_COMPLAINT] = TS(fr_reply), [K_REPLY_QUESTION] = TS(fr_reply),
		[K_REPLY_CHURN] = TS(fr_reply), [K_REPLY_FOLLOWUP] = TS(fr_reply),
		[K_REPLY_PRAISE] = TS(fr_reply_praise),
		[K_FOLLOW_NEG] = TS(fr_follow_neg), [K_FOLLOW_POS] = TS(fr_follow_pos),
	},
	[L_DE] = {
		[K_COMPLAINT] = TS(de_complaint), [K_QUESTION] = TS(de_question), [K_PRAISE] = TS(de_praise),
		[K_CHURN] = TS(de_churn), [K_OFFTOPIC] = TS(de_offtopic), [K_CRISIS] = TS(de_crisis),
		[K_REPLY_COMPLAINT] = TS(de_reply), [K_REPLY_QUESTION] = TS(de_reply),
		[K_REPLY_CHURN] = TS(de_reply), [K_REPLY_FOLLOWUP] = TS(de_reply),
		[K_REPLY_PRAISE] = TS(de_reply_praise),
		[K_FOLLOW_NEG] = TS(de_follow_neg), [K_FOLLOW_POS] = TS(de_follow_pos),
	},
	[L_JA] = {
		[K_COMPLAINT] = TS(ja_complaint), [K_QUESTION] = TS(ja_question), [K_PRAISE] = TS(ja_praise),
		[K_CHURN] = TS(ja_churn), [K_OFFTOPIC] = TS(ja_offtopic), [K_CRISIS] = TS(ja_crisis),
		[K_REPLY_COMPLAINT] = TS(ja_reply), [K_REPLY_QUESTION] = TS(ja_reply),
		[K_REPLY_CHURN] = TS(ja_reply), [K_REPLY_FOLLOWUP] = TS(ja_reply),
		[K_REPLY_PRAISE] = TS(ja_reply_praise),
		[K_FOLLOW_NEG] = TS(ja_follow_neg), [K_FOLLOW_POS] = TS(ja_follow_pos),
	},
};

/*
 * A customer's own voice around a template: how she opens, when it happened, how she
 * signs off, each picked uniformly with "" (nothing) among the choices. Without them the
 * templates repeated word for word across customers, and at the default rate the
 * near-duplicate detector took about a third of all customer posts for copy-paste
 * campaigns (real firehose samples: under 1%). Spam and brand posts keep their
 * templates: a campaign and a care desk's canned replies do repeat. Chatter gets an
 * opener and a remark of its own. Japanese posts,
 * which have no spaces to key words by, are left as they are.
 */
static const char *const en_open[] = {"", "", "hey", "hi", "hello", "ok so", "so", "honestly", "um", "yo",
				      "right", "guys", "well", "morning all", "hiya", "fyi", "quick one,", "erm",
				      "dear", "look,"};
static const char *const en_when[] = {"", "", "today", "this morning", "since monday", "all week",
				      "last night", "this weekend", "for the second time", "since friday",
				      "right now", "this afternoon", "tonight", "yesterday", "since tuesday",
				      "on my lunch break", "before work", "after work", "over the holidays",
				      "at the airport", "at home", "on the way in"};
static const char *const en_close_neg[] = {"", "pls", "smh", "come on", "seriously", "sort it out", "fix this",
					   "so annoying", "not happy", "unreal", "ridiculous", "get it together",
					   "fed up", "every single time", "not again", "absolute joke",
					   "why is this so hard", "anyone?", "sigh", "just wow", "do better",
					   "sick of this", "what a mess", "so frustrating", "no words"};
static const char *const en_close_pos[] = {"", "thanks", "love it", "great job", "cheers", "ty", "you guys rock",
					   "much appreciated", "well done", "so happy", "brilliant", "made my day",
					   "nice one", "legends", "big thanks", "keep it up", "top service",
					   "couldn't be happier", "what a team", "superb"};
static const char *const en_close_ask[] = {"", "thanks in advance", "anyone?", "pls", "cheers", "asap", "tia",
					   "thx", "any idea", "just wondering", "please advise", "help",
					   "would be great", "pls let me know", "ta", "thanks", "if possible",
					   "no rush", "curious", "many thanks"};
static const char *const es_open[] = {"", "", "hola", "buenas", "oye", "a ver", "bueno", "perdón,", "ey"};
static const char *const es_when[] = {"", "", "hoy", "esta mañana", "desde el lunes", "toda la semana", "anoche",
				      "este finde", "otra vez hoy", "desde el viernes", "ahora mismo", "esta tarde"};
static const char *const es_close_neg[] = {"", "por favor", "qué vergüenza", "en serio", "arreglen esto",
					   "estoy harta", "increíble", "siempre igual", "qué pena", "ya basta",
					   "nadie responde", "fatal"};
static const char *const es_close_pos[] = {"", "gracias", "genial", "mil gracias", "un crack", "qué bien",
					   "buen trabajo", "encantada", "de diez"};
static const char *const fr_open[] = {"", "", "bonjour", "salut", "alors", "bon", "euh", "coucou", "svp,"};
static const char *const fr_when[] = {"", "", "aujourd'hui", "ce matin", "depuis lundi", "toute la semaine",
				      "hier soir", "ce week-end", "encore aujourd'hui", "depuis vendredi",
				      "en ce moment", "cet après-midi"};
static const char *const fr_close_neg[] = {"", "svp", "sérieux", "c'est pénible", "réglez ça",
					   "j'en ai marre", "incroyable", "toujours pareil", "quelle honte",
					   "ça suffit", "personne ne répond", "nul"};
static const char *const fr_close_pos[] = {"", "merci", "top", "merci beaucoup", "bravo", "génial",
					   "super boulot", "ravie", "au top"};
static const char *const de_open[] = {"", "", "hallo", "hi", "also", "na ja", "ähm", "moin", "sorry,"};
static const char *const de_when[] = {"", "", "heute", "heute morgen", "seit montag", "die ganze woche",
				      "gestern abend", "am wochenende", "schon wieder heute", "seit freitag",
				      "gerade eben", "heute nachmittag"};
static const char *const de_close_neg[] = {"", "bitte", "echt jetzt", "nervt total", "regelt das",
					   "mir reicht's", "unglaublich", "immer dasselbe", "peinlich",
					   "es reicht", "keiner antwortet", "katastrophe"};
static const char *const de_close_pos[] = {"", "danke", "super", "vielen dank", "klasse", "top",
					   "gute arbeit", "sehr zufrieden", "spitze"};
static const char *const en_close_chat[] = {"", "lol", "haha", "tbh", "ngl", "honestly", "omg", "fr", "lmao",
					    "same", "just saying", "anyway", "oh well", "vibes", "classic", "rip",
					    "send help", "iykyk", "no thoughts", "love that"};
static const char *const es_close_chat[] = {"", "jaja", "en fin", "la verdad", "qué risa", "bueno", "ay",
					    "jajaja", "madre mía"};
static const char *const fr_close_chat[] = {"", "mdr", "bref", "franchement", "bon", "haha", "la vie",
					    "trop bien", "oh là là"};
static const char *const de_close_chat[] = {"", "haha", "egal", "ehrlich", "naja", "lol", "wie immer",
					    "herrlich", "krass"};
struct voice {
	struct tset open, when, neg, pos, ask, chat;
};
static const struct voice voices[L__COUNT] = {
	[L_EN] = {TS(en_open), TS(en_when), TS(en_close_neg), TS(en_close_pos), TS(en_close_ask), TS(en_close_chat)},
	[L_ES] = {TS(es_open), TS(es_when), TS(es_close_neg), TS(es_close_pos), TS(es_close_neg), TS(es_close_chat)},
	[L_FR] = {TS(fr_open), TS(fr_when), TS(fr_close_neg), TS(fr_close_pos), TS(fr_close_neg), TS(fr_close_chat)},
	[L_DE] = {TS(de_open), TS(de_when), TS(de_close_neg), TS(de_close_pos), TS(de_close_neg), TS(de_close_chat)},
	[L_JA] = {TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE, TS_NONE},
};

/* Twitter clients; v1 writes them as the escaped HTML anchor, v2 as the name. */
static const struct {
	const char *name, *v1;
} sources[] = {
	{"Twitter for iPhone", "\\u003ca href=\\\"http:\\/\\/twitter.com\\/download\\/iphone\\\" rel=\\\"nofollow\\\"\\u003eTwitter for iPhone\\u003c\\/a\\u003e"},
	{"Twitter for Android", "\\u003ca href=\\\"http:\\/\\/twitter.com\\/download\\/android\\\" rel=\\\"nofollow\\\"\\u003eTwitter for Android\\u003c\\/a\\u003e"},
	{"Twitter Web App", "\\u003ca href=\\\"https:\\/\\/mobile.twitter.com\\\" rel=\\\"nofollow\\\"\\u003eTwitter Web App\\u003c\\/a\\u003e"},
	{"TweetDeck", "\\u003ca href=\\\"https:\\/\\/about.twitter.com\\/products\\/tweetdeck\\\" rel=\\\"nofollow\\\"\\u003eTweetDeck\\u003c\\/a\\u003e"},
};
enum { SRC_IPHONE, SRC_ANDROID, SRC_WEB, SRC_DECK };

/* Canonical-schema channels. */
enum channel { CH_TWITTER, CH_FACEBOOK, CH_EMAIL, CH_CHAT, CH_PHONE, CH_FORUM, CH_REVIEW, CH__COUNT };
static const char *const channel_name[CH__COUNT] = {"twitter", "facebook", "email", "chat",
						    "phone", "forum", "review"};
static const char *const channel_prefix[CH__COUNT] = {"", "fb-", "em-", "ch-", "ph-", "fo-", "rv-"};

/* ------------------------------------------------------------------------------ */
/* Authors                                                                          */

/* A bijection on 32 bits, keyed: ids are unique and look unordered. */
static uint32_t perm32(uint32_t x, uint64_t key)
{
	x ^= (uint32_t)key;
	x *= 0x9E3779B1u;
	x ^= x >> 15;
	x += (uint32_t)(key >> 32) | 1u;
	x *= 0x85EBCA77u;
	x ^= x >> 13;
	x *= 0xC2B2AE3Du;
	x ^= x >> 16;
	return x;
}

static size_t copy_trunc(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
		n--; /* never cut a UTF-8 sequence */
	memcpy(dst, src, n);
	dst[n] = 0;
	return n;
}

static size_t strlcat_utf8(char *dst, size_t cap, const char *src)
{
	size_t len = strlen(dst);
	return len + copy_trunc(dst + len, cap - len, src);
}

int scrm_gen_author(uint64_t seed, uint32_t i, scrm_gen_author_info *a)
{
	if (!a)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	uint64_t x = seed ^ 0xA0761D6478BD642Full;
	x += ((uint64_t)i + 1) * 0xE7037ED1A0B428DBull;
	rng r;
	rng_seed(&r, splitmix64(&x));

	double u = rng_unit(&r);
	int lang = u < 0.90 ? L_EN : u < 0.935 ? L_ES : u < 0.955 ? L_FR : u < 0.975 ? L_DE : L_JA;
	memcpy(a->lang, lang_tag[lang], 3);
	const struct pname *fn = &names[lang].first[rng_below(&r, names[lang].nfirst)];
	const struct pname *ln = &names[lang].last[rng_below(&r, names[lang].nlast)];

	/* Display name. */
	u = rng_unit(&r);
	if (lang == L_JA) {
		if (u < 0.6) {
			copy_trunc(a->name, sizeof(a->name), ln->disp);
			strlcat_utf8(a->name, sizeof(a->name), fn->disp);
		} else {
			copy_trunc(a->name, sizeof(a->name), fn->disp);
			strlcat_utf8(a->name, sizeof(a->name), emoji_pos[rng_below(&r, ARRAY_LEN(emoji_pos))]);
		}
	} else if (u < 0.55) {
		snprintf(a->name, sizeof(a->name), "%s %s", fn->disp, ln->disp);
	} else if (u < 0.75) {
		copy_trunc(a->name, sizeof(a->name), fn->disp);
	} else if (u < 0.85) {
		snprintf(a->name, sizeof(a->name), "%s %s %s", fn->disp, ln->disp,
			 emoji_any[rng_below(&r, ARRAY_LEN(emoji_any) - 1)]);
	} else if (u < 0.95) {
		snprintf(a->name, sizeof(a->name), "%s %.1s.", fn->disp, ln->ascii);
		a->name[strlen(a->name) - 2] = (char)(a->name[strlen(a->name) - 2] - 'a' + 'A');
	} else {
		snprintf(a->name, sizeof(a->name), "%s %s", fn->ascii, ln->ascii);
	}

	/* Handle: letters from the name, then the author's index in decimal, so that the
	 * trailing digits identify the author and handles are unique. */
	char digits[12];
	int nd = snprintf(digits, sizeof(digits), "%u", i);
	int sep = rng_chance(&r, 0.3);
	int budget = 15 - nd - sep;
	char letters[40];
	u = rng_unit(&r);
	if (u < 0.35)
		snprintf(letters, sizeof(letters), "%s%s", fn->ascii, ln->ascii);
	else if (u < 0.55)
		snprintf(letters, sizeof(letters), "%s_%s", fn->ascii, ln->ascii);
	else if (u < 0.75)
		snprintf(letters, sizeof(letters), "%.1s%s", fn->ascii, ln->ascii);
	else if (u < 0.9)
		snprintf(letters, sizeof(letters), "%s", fn->ascii);
	else {
		snprintf(letters, sizeof(letters), "%s%s", fn->ascii, ln->ascii);
		letters[0] = (char)(letters[0] - 'a' + 'A');
		size_t fl = strlen(fn->ascii);
		letters[fl] = (char)(letters[fl] - 'a' + 'A');
	}
	int nl = (int)strlen(letters);
	if (nl > budget)
		nl = budget;
	while (nl > 1 && letters[nl - 1] == '_')
		nl--;
	memcpy(a->handle, letters, (size_t)nl);
	if (sep)
		a->handle[nl++] = '_';
	memcpy(a->handle + nl, digits, (size_t)nd + 1);

	a->id = 1000000000ull + perm32(i, seed);

	/* Followers: Pareto (alpha 0.9, scale 10): ~3 % above 500, ~0.03 % above 100k. */
	double f = 10.0 * pow(1.0 - rng_unit(&r), -1.0 / 0.9) - 10.0;
	a->followers = f > 5e7 ? 50000000u : (uint64_t)f;
	a->friends = (uint64_t)(20.0 * exp(rng_unit(&r) * 4.5));
	a->statuses = (uint64_t)(50.0 * exp(rng_unit(&r) * 7.0));
	a->verified = (a->followers > 100000 && rng_chance(&r, 0.6)) || rng_chance(&r, 0.004);
	/* Created between 2008-03-01 and 2025-06-30, on a whole second. */
	int64_t lo = INT64_C(1204329600), hi = INT64_C(1751241600);
	a->created_ms = (lo + (int64_t)(rng_unit(&r) * (double)(hi - lo))) * 1000;

	if (rng_chance(&r, 0.35))
		copy_trunc(a->location, sizeof(a->location), locations[lang][rng_below(&r, 8)]);
	u = rng_unit(&r);
	if (u < 0.2) {
		copy_trunc(a->description, sizeof(a->description), bio_bits[lang][rng_below(&r, 10)]);
	} else if (u < 0.26) {
		unsigned b1 = rng_below(&r, 10), b2 = (b1 + 1 + rng_below(&r, 9)) % 10;
		copy_trunc(a->description, sizeof(a->description), bio_bits[lang][b1]);
		strlcat_utf8(a->description, sizeof(a->description), " | ");
		strlcat_utf8(a->description, sizeof(a->description), bio_bits[lang][b2]);
	}

	size_t hl = strlen(a->handle);
	for (size_t k = 0; k < hl; k++)
		a->email[k] = (a->handle[k] >= 'A' && a->handle[k] <= 'Z') ? (char)(a->handle[k] + 32)
									: a->handle[k];
	a->email[hl] = '@';
	copy_trunc(a->email + hl + 1, sizeof(a->email) - hl - 1,
		   mail_domains[rng_below(&r, ARRAY_LEN(mail_domains))]);
	snprintf(a->phone, sizeof(a->phone), "+1555%010u", i);
	return 0;
}

int scrm_gen_brand(unsigned b, scrm_gen_author_info *a)
{
	if (!a || b >= SCRM_GEN_BRANDS)
		return -EINVAL;
	const struct brand *br = &brands[b];
	memset(a, 0, sizeof(*a));
	a->id = br->id;
	copy_trunc(a->handle, sizeof(a->handle), br->handle);
	copy_trunc(a->name, sizeof(a->name), br->name);
	copy_trunc(a->location, sizeof(a->location), br->location);
	copy_trunc(a->description, sizeof(a->description), br->description);
	snprintf(a->email, sizeof(a->email), "care@%s", br->domain);
	snprintf(a->phone, sizeof(a->phone), "+1555010000%u", b);
	memcpy(a->lang, "en", 3);
	a->followers = br->followers;
	a->friends = br->friends;
	a->statuses = br->statuses;
	a->created_ms = br->created_ms;
	a->verified = 1;
	a->is_brand = 1;
	return 0;
}

/* ------------------------------------------------------------------------------ */
/* Texts                                                                            */

#define TEXT_MAX 1400
#define MAX_ENTS 12
#define MAX_MENTIONS 5
#define MAX_URLS 4

enum ent_type { E_HASHTAG, E_MENTION, E_URL };

struct ent {
	uint8_t type;
	uint8_t ref;       /* mention or url index */
	uint16_t a, b;     /* code point offsets [a, b) in the text */
	uint16_t off, len; /* hashtag: bytes of the tag (without '#') in the text */
};

struct mention {
	uint64_t id;
	char handle[16];
	char name[64];
};

struct url {
	char tco[11];
	char expanded[112];
};

struct text {
	char s[TEXT_MAX];
	uint16_t len;  /* bytes */
	uint16_t cp;   /* code points (an escaped "&amp;" is five) */
	uint16_t chars; /* characters as Twitter counts a tweet's length ("&amp;" is one) */
	uint8_t ne, nm, nu;
	struct ent e[MAX_ENTS];
	struct mention m[MAX_MENTIONS];
	struct url u[MAX_URLS];
};

enum style { ST_TWITTER, ST_REDDIT, ST_PLAIN };

/* The state of one text expansion. */
struct xctx {
	rng *r;
	struct text *t;
	const struct brand *br; /* NULL: no brand (off-topic) */
	const scrm_gen_author_info *brand_acct;
	const scrm_gen_author_info *cust; /* the thread's customer, for {M} and {F} */
	const struct crisis *crisis;
	uint64_t seed;
	uint32_t nauthors;
	int style;
	bool html; /* write & < > as HTML entities, as Twitter and Reddit deliver text */
	bool caps; /* shout: upper-case the template's own words */
};

static inline void tx_clear(struct text *t)
{
	t->len = 0;
	t->cp = 0;
	t->chars = 0;
	t->ne = t->nm = t->nu = 0;
}

/* Append bytes of UTF-8 text. */
static void tx_put(struct xctx *x, const char *s, size_t n, bool literal)
{
	struct text *t = x->t;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		if (t->len + 6 >= TEXT_MAX)
			return;
		if (x->html && (c == '&' || c == '<' || c == '>')) {
			const char *ent = c == '&' ? "&amp;" : c == '<' ? "&lt;" : "&gt;";
			size_t el = strlen(ent);
			memcpy(t->s + t->len, ent, el);
			t->len = (uint16_t)(t->len + el);
			t->cp = (uint16_t)(t->cp + el);
			t->chars++;
			continue;
		}
		if (literal && x->caps && c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 32);
		t->s[t->len++] = (char)c;
		if ((c & 0xC0) != 0x80) {
			t->cp++;
			t->chars++;
		}
	}
}

static inline void tx_puts(struct xctx *x, const char *s) { tx_put(x, s, strlen(s), false); }

static void tx_add_ent(struct text *t, int type, int ref, uint16_t a, uint16_t off, uint16_t len)
{
	if (t->ne >= MAX_ENTS)
		return;
	struct ent *e = &t->e[t->ne++];
	e->type = (uint8_t)type;
	e->ref = (uint8_t)ref;
	e->a = a;
	e->b = t->cp;
	e->off = off;
	e->len = len;
}

static void tx_hashtag(struct xctx *x, const char *tag)
{
	struct text *t = x->t;
	uint16_t a = t->cp;
	tx_puts(x, "#");
	uint16_t off = t->len;
	tx_puts(x, tag);
	tx_add_ent(t, E_HASHTAG, 0, a, off, (uint16_t)(t->len - off));
}

static void tx_mention(struct xctx *x, const scrm_gen_author_info *who)
{
	struct text *t = x->t;
	if (x->style == ST_REDDIT) {
		tx_puts(x, "u/");
		tx_puts(x, who->handle);
		return;
	}
	if (x->style == ST_PLAIN) {
		tx_puts(x, who->name);
		return;
	}
	uint16_t a = t->cp;
	tx_puts(x, "@");
	tx_puts(x, who->handle);
	if (t->nm < MAX_MENTIONS) {
		struct mention *m = &t->m[t->nm];
		m->id = who->id;
		memcpy(m->handle, who->handle, sizeof(m->handle));
		memcpy(m->name, who->name, sizeof(m->name));
		tx_add_ent(t, E_MENTION, t->nm, a, 0, 0);
		t->nm++;
	}
}

static void gen_tco(rng *r, char out[11])
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	for (int k = 0; k < 10; k++)
		out[k] = b62[rng_below(r, 62)];
	out[10] = 0;
}

static void tx_url(struct xctx *x, const char *expanded)
{
	struct text *t = x->t;
	if (x->style != ST_TWITTER || t->nu >= MAX_URLS) {
		tx_puts(x, expanded);
		return;
	}
	struct url *u = &t->u[t->nu];
	gen_tco(x->r, u->tco);
	copy_trunc(u->expanded, sizeof(u->expanded), expanded);
	uint16_t a = t->cp;
	tx_puts(x, "https://t.co/");
	tx_puts(x, u->tco);
	tx_add_ent(t, E_URL, t->nu, a, 0, 0);
	t->nu++;
}

static void tx_expand(struct xctx *x, const char *tpl)
{
	rng *r = x->r;
	const struct brand *br = x->br ? x->br : &brands[0];
	char tmp[160];
	const char *s = tpl;
	while (*s) {
		if (*s == '#' && (s == tpl || s[-1] == ' ') &&
		    ((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z') || (s[1] >= '0' && s[1] <= '9'))) {
			const char *w = s + 1;
			while ((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') || (*w >= '0' && *w <= '9') || *w == '_')
				w++;
			size_t n = (size_t)(w - s - 1);
			memcpy(tmp, s + 1, n);
			tmp[n] = 0;
			tx_hashtag(x, tmp);
			s = w;
			continue;
		}
		if (*s != '{' || !s[1] || s[2] != '}') {
			const char *run = s;
			while (*s && *s != '{' && *s != '#')
				s++;
			if (s == run)
				s++;
			tx_put(x, run, (size_t)(s - run), true);
			continue;
		}
		char ph = s[1];
		s += 3;
		size_t before = x->t->len;
		switch (ph) {
		case 'B':
			if (x->style == ST_TWITTER)
				tx_mention(x, x->brand_acct);
			else if (x->t->len) /* not as the first word of a mail, chat or comment */
				tx_puts(x, br->name);
			break;
		case 'b':
			tx_puts(x, br->name);
			break;
		case 'P':
			tx_puts(x, br->products[rng_below(r, 6)]);
			break;
		case 'C':
			tx_puts(x, br->competitors[rng_below(r, 2)]);
			break;
		case 'K':
			tx_puts(x, br->ref_word);
			break;
		case 'R':
			snprintf(tmp, sizeof(tmp), "%s%06u", br->ref_prefix, rng_below(r, 1000000));
			tx_puts(x, tmp);
			break;
		case 'N':
			snprintf(tmp, sizeof(tmp), "%u", 2 + rng_below(r, 59));
			tx_puts(x, tmp);
			break;
		case 'D':
			snprintf(tmp, sizeof(tmp), "%u", 2 + rng_below(r, 20));
			tx_puts(x, tmp);
			break;
		case 'n':
			snprintf(tmp, sizeof(tmp), "%u", 2 + rng_below(r, 6));
			tx_puts(x, tmp);
			break;
		case 'W':
			tx_puts(x, features[rng_below(r, ARRAY_LEN(features))]);
			break;
		case 'U':
			snprintf(tmp, sizeof(tmp), "https://%s/%s", br->domain, br->help_paths[rng_below(r, 3)]);
			tx_url(x, tmp);
			break;
		case 'S': {
			char code[11];
			gen_tco(r, code);
			snprintf(tmp, sizeof(tmp), "https://%s/%s", spam_domains[rng_below(r, ARRAY_LEN(spam_domains))],
				 code + 4);
			tx_url(x, tmp);
			break;
		}
		case 'L': {
			char code[11];
			gen_tco(r, code);
			snprintf(tmp, sizeof(tmp), "https://%s/p/%s", misc_domains[rng_below(r, ARRAY_LEN(misc_domains))],
				 code + 2);
			tx_url(x, tmp);
			break;
		}
		case 'H':
			tx_hashtag(x, br->tags[rng_below(r, 4)]);
			break;
		case 'O':
			tx_hashtag(x, offtopic_tags[rng_below(r, ARRAY_LEN(offtopic_tags))]);
			break;
		case 'X':
			tx_hashtag(x, x->crisis ? x->crisis->tag : br->crises[0].tag);
			break;
		case 'T':
			tx_puts(x, x->crisis ? x->crisis->phrase : br->crises[0].phrase);
			break;
		case 'M':
			if (x->cust && x->style == ST_TWITTER)
				tx_mention(x, x->cust);
			break;
		case 'F':
			if (x->cust) {
				/* first word of the display name */
				const char *nm = x->cust->name;
				size_t n = strcspn(nm, " ");
				tx_put(x, nm, n, false);
			}
			break;
		case '@': {
			scrm_gen_author_info other;
			scrm_gen_author(x->seed, rng_below(r, x->nauthors), &other);
			tx_mention(x, &other);
			break;
		}
		case 'A': {
			char ini[3] = {(char)('A' + rng_below(r, 26)), (char)('A' + rng_below(r, 26)), 0};
			tx_puts(x, ini);
			break;
		}
		case 'E':
			tx_puts(x, emoji_any[rng_below(r, ARRAY_LEN(emoji_any))]);
			break;
		case 'e':
			tx_puts(x, emoji_neg[rng_below(r, ARRAY_LEN(emoji_neg))]);
			break;
		case 'h':
			tx_puts(x, emoji_pos[rng_below(r, ARRAY_LEN(emoji_pos))]);
			break;
		default:
			break;
		}
		/* A placeholder that wrote nothing takes the space after it along. */
		if (x->t->len == before && *s == ' ')
			s++;
	}
}

/* ------------------------------------------------------------------------------ */
/* Posts, threads, the generator                                                    */

struct post {
	uint64_t id;       /* snowflake (Twitter, scrm) */
	uint64_t rid;      /* Reddit id (base36 when written) */
	int64_t ts_ms;
	uint64_t conv_id;
	uint64_t reply_id;       /* 0: not a reply */
	uint64_t reply_user_id;
	char reply_handle[16];
	uint64_t reply_rid, link_rid; /* Reddit: parent and submission */
	bool reply_is_sub;
	bool is_sub;             /* Reddit submission */
	bool by_brand;
	uint8_t kind, lang, brand, channel, source, subreddit;
	uint8_t rule;            /* v2 matching rule: a brand, or NO_BRAND for the sample rule */
	uint32_t cust;           /* author index when !by_brand */
	uint32_t retweets, likes, replies, quotes;
	uint64_t sub_score, sub_comments;
	scrm_gen_author_info au;
	struct text tx;
	char slug[48];           /* Reddit submission slug (own, or the parent thread's) */
	const struct post *rt;   /* the retweeted post, or NULL */
};

enum pend_kind { P_BRAND_REPLY, P_FOLLOWUP };

struct pend {
	uint64_t due;            /* record index from which it may be written */
	uint64_t order;          /* tie-break: scheduling order */
	uint64_t parent_id, conv_id, parent_rid, link_rid;
	uint32_t cust;
	uint8_t kind, brand, lang, parent_kind, channel, depth, subreddit;
	bool parent_by_brand, parent_is_sub, negative;
	uint8_t crisis;          /* 1 + crisis index, or 0 */
	char slug[48];
};

#define PEND_MAX 4096u
#define RING 32
#define OUT_CAP (4u << 20)
#define REC_MAX (96u << 10) /* headroom kept free for one record */
#define TW_EPOCH INT64_C(1288834974657)
/* Snowflakes hold 41 bits of milliseconds: timestamps stop advancing at 2080-07-10, so
 * ids stay below 2^63 (v1 writes them as JSON numbers). */
#define TS_MAX (TW_EPOCH + (INT64_C(1) << 41) - 1)
#define START_MAX INT64_C(3155760000000) /* 2070-01-01 */

struct cache_ent {
	uint32_t tag;
	bool valid;
	scrm_gen_author_info a;
};
#define CACHE_SIZE 16384

struct gen {
	scrm_gen_opts o;
	rng r;
	zipf z;
	uint32_t nauthors;
	double t;                /* simulated seconds since start */
	int64_t last_ms;
	uint64_t last_id;
	uint64_t rec;
	/* bursts */
	uint64_t burst_start, burst_end;
	uint8_t burst_brand, burst_crisis;
	bool burst_announced;
	/* pending replies and follow-ups (min-heap by due, order) */
	struct pend *heap;
	size_t nheap;
	uint64_t pend_order;
	/* retweetable recent posts */
	struct post *ring;
	unsigned ring_n, ring_pos;
	/* Reddit */
	uint64_t rd_comment, rd_sub;
	uint64_t rd_thread[N_SUBS];
	char rd_slug[N_SUBS][48];
	/* authors */
	struct cache_ent *cache;
	scrm_gen_author_info brand_acct[SCRM_GEN_BRANDS];
	/* the record being made, and scratch */
	struct post cur;
	struct text scratch;
	/* output */
	int fd;
	char *buf;
	size_t len;
};

static const scrm_gen_author_info *author_get(struct gen *g, uint32_t i)
{
	struct cache_ent *c = &g->cache[i & (CACHE_SIZE - 1)];
	if (!c->valid || c->tag != i) {
		scrm_gen_author(g->o.seed, i, &c->a);
		c->tag = i;
		c->valid = true;
	}
	return &c->a;
}

static bool pend_less(const struct pend *a, const struct pend *b)
{
	return a->due != b->due ? a->due < b->due : a->order < b->order;
}

static void pend_push(struct gen *g, struct pend *p)
{
	if (g->nheap >= PEND_MAX)
		return; /* saturated: this reply never comes, like a busy care desk */
	p->order = g->pend_order++;
	size_t i = g->nheap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!pend_less(p, &g->heap[parent]))
			break;
		g->heap[i] = g->heap[parent];
		i = parent;
	}
	g->heap[i] = *p;
}

static void pend_pop(struct gen *g, struct pend *out)
{
	*out = g->heap[0];
	struct pend last = g->heap[--g->nheap];
	size_t i = 0, n = g->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && pend_less(&g->heap[c + 1], &g->heap[c]))
			c++;
		if (!pend_less(&g->heap[c], &last))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (n)
		g->heap[i] = last;
}

static uint64_t next_snowflake(struct gen *g, int64_t ms)
{
	uint64_t id = ((uint64_t)(ms - TW_EPOCH) << 22) | ((uint64_t)rng_below(&g->r, 1024) << 12);
	if (id <= g->last_id)
		id = g->last_id + 1;
	g->last_id = id;
	return id;
}

static int pick_lang(struct gen *g, const scrm_gen_author_info *a)
{
	for (int l = 1; l < L__COUNT; l++)
		if (memcmp(a->lang, lang_tag[l], 3) == 0)
			return rng_chance(&g->r, 0.85) ? l : L_EN;
	return L_EN;
}

static int style_of(const struct gen *g, int channel)
{
	if (g->o.format == SCRM_FORMAT_REDDIT)
		return ST_REDDIT;
	if (g->o.format == SCRM_FORMAT_SCRM && channel != CH_TWITTER)
		return ST_PLAIN;
	return ST_TWITTER;
}

/* Expand a template of `kind` in `lang` (falling back to English); returns the language used. */
static int write_text(struct gen *g, struct post *p, int kind, int lang, const scrm_gen_author_info *cust,
		      const struct crisis *crisis)
{
	const struct tset *ts = &templates[lang][kind];
	if (!ts->n) {
		lang = L_EN;
		ts = &templates[L_EN][kind];
	}
	struct xctx x = {
		.r = &g->r,
		.t = &p->tx,
		.br = p->brand == NO_BRAND ? NULL : &brands[p->brand],
		.brand_acct = &g->brand_acct[p->brand == NO_BRAND ? 0 : p->brand],
		.cust = cust,
		.crisis = crisis,
		.seed = g->o.seed,
		.nauthors = g->nauthors,
		.style = style_of(g, p->channel),
		.html = g->o.format != SCRM_FORMAT_SCRM,
		.caps = false,
	};
	bool shouty = kind == K_COMPLAINT || kind == K_CHURN || kind == K_CRISIS || kind == K_FOLLOW_NEG;
	if (shouty && lang != L_JA && rng_chance(&g->r, 0.07))
		x.caps = true;
	tx_clear(&p->tx);
	const char *tpl = ts->t[rng_below(&g->r, ts->n)];
	const struct voice *vo = &voices[lang];
	bool voiced = !p->by_brand && vo->open.n &&
		      (kind == K_COMPLAINT || kind == K_QUESTION || kind == K_PRAISE || kind == K_PURCHASE ||
		       kind == K_CHURN || kind == K_SUGGEST || kind == K_FOLLOW_NEG || kind == K_FOLLOW_POS ||
		       kind == K_OFFTOPIC || kind == K_CRISIS);
	if (voiced) { /* her opener, after the @brand a reply starts with */
		const char *op = vo->open.t[rng_below(&g->r, vo->open.n)];
		if (*op) {
			if (!strncmp(tpl, "{B} ", 4)) {
				tx_expand(&x, "{B} ");
				tpl += 4;
			}
			tx_expand(&x, op);
			tx_puts(&x, " ");
		}
	}
	if (!voiced) {
		tx_expand(&x, tpl);
	} else { /* when, and how she signs off, before the emoji the template ends with */
		size_t tl = strlen(tpl), cut = tl;
		while (cut >= 3 && tpl[cut - 3] == '{' && tpl[cut - 1] == '}' &&
		       (tpl[cut - 2] == 'e' || tpl[cut - 2] == 'E' || tpl[cut - 2] == 'h')) {
			cut -= 3;
			while (cut && tpl[cut - 1] == ' ')
				cut--;
		}
		char head[256];
		if (cut == tl || cut >= sizeof head) { /* nothing to put before (or too long to split) */
			tx_expand(&x, tpl);
			cut = tl;
		} else {
			memcpy(head, tpl, cut);
			head[cut] = 0;
			tx_expand(&x, head);
		}
		bool pos = kind == K_PRAISE || kind == K_FOLLOW_POS;
		bool ask = kind == K_QUESTION || kind == K_PURCHASE || kind == K_SUGGEST;
		bool chat = kind == K_OFFTOPIC;
		const struct tset *cl = chat ? &vo->chat : pos ? &vo->pos : ask ? &vo->ask : &vo->neg;
		const char *wh = pos || chat || kind == K_SUGGEST || kind == K_PURCHASE
					 ? ""
					 : vo->when.t[rng_below(&g->r, vo->when.n)];
		const char *cs = cl->t[rng_below(&g->r, cl->n)];
		if (*wh) {
			tx_puts(&x, " ");
			tx_expand(&x, wh);
		}
		if (*cs) {
			tx_puts(&x, " ");
			tx_expand(&x, cs);
		}
		if (cut < tl)
			tx_expand(&x, tpl + cut);
	}

	/* Now and then a long post (> 140 code points: truncated in v1). */
	if (lang == L_EN && !p->by_brand &&
	    (kind == K_COMPLAINT || kind == K_PRAISE || kind == K_CHURN || kind == K_QUESTION) &&
	    rng_chance(&g->r, 0.08)) {
		const struct tset *fs = &templates[L_EN][kind == K_PRAISE ? K_FILL_POS : K_FILL_NEG];
		x.caps = false;
		for (int k = 0; k < 8 && p->tx.chars <= 150; k++) {
			tx_puts(&x, " ");
			tx_expand(&x, fs->t[rng_below(&g->r, fs->n)]);
		}
	}
	if ((shouty || kind == K_PRAISE) && rng_chance(&g->r, 0.08) && p->tx.len &&
	    p->tx.s[p->tx.len - 1] != '.' && p->tx.s[p->tx.len - 1] != '?')
		tx_puts(&x, "!!!");
	if (!p->by_brand && kind != K_SPAM && rng_chance(&g->r, 0.06)) {
		tx_puts(&x, " ");
		tx_expand(&x, kind == K_PRAISE ? "{h}" : shouty ? "{e}" : "{E}");
	}
	if (kind == K_COMPLAINT && rng_chance(&g->r, 0.04)) {
		tx_puts(&x, " ");
		tx_expand(&x, "cc {@}");
	}
	return lang;
}

static void set_metrics(struct gen *g, struct post *p)
{
	double reach = 1.0 + log10(1.0 + (double)p->au.followers);
	if (p->by_brand)
		reach *= 2.5;
	double u = rng_unit(&g->r);
	double base = pow(1.0 - u, -1.0 / 1.6) - 1.0; /* heavy-tailed, mostly < 1 */
	p->likes = (uint32_t)fmin(base * reach, 1e6);
	p->retweets = (uint32_t)(p->likes * rng_unit(&g->r) * 0.4);
	p->replies = (uint32_t)(p->likes * rng_unit(&g->r) * 0.3);
	p->quotes = rng_chance(&g->r, 0.03) ? 1 + rng_below(&g->r, 3) : 0;
}

static uint8_t pick_source(struct gen *g, bool by_brand)
{
	if (by_brand)
		return rng_chance(&g->r, 0.8) ? SRC_DECK : SRC_WEB;
	double u = rng_unit(&g->r);
	return u < 0.42 ? SRC_IPHONE : u < 0.68 ? SRC_ANDROID : u < 0.98 ? SRC_WEB : SRC_DECK;
}

static uint8_t pick_channel(struct gen *g)
{
	if (g->o.format != SCRM_FORMAT_SCRM)
		return CH_TWITTER;
	double u = rng_unit(&g->r);
	return u < 0.48 ? CH_TWITTER : u < 0.58 ? CH_FACEBOOK : u < 0.71 ? CH_EMAIL : u < 0.83 ? CH_CHAT
	       : u < 0.89 ? CH_PHONE : u < 0.95 ? CH_FORUM : CH_REVIEW;
}

static void make_slug(const struct text *t, char *out, size_t cap)
{
	size_t o = 0;
	bool us = false;
	for (size_t k = 0; k < t->len && o + 2 < cap; k++) {
		char c = t->s[k];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			out[o++] = c;
			us = false;
		} else if (!us && o) {
			out[o++] = '_';
			us = true;
		}
	}
	while (o && out[o - 1] == '_')
		o--;
	if (!o)
		out[o++] = 'x';
	out[o] = 0;
}

/* Reddit placement of a thread-starting post: a new submission or a comment. */
static void reddit_place(struct gen *g, struct post *p)
{
	int sub = p->brand == NO_BRAND ? SCRM_GEN_BRANDS + (int)rng_below(&g->r, ARRAY_LEN(general_subs)) : p->brand;
	p->subreddit = (uint8_t)sub;
	if (!g->rd_thread[sub] || rng_chance(&g->r, 0.25)) {
		p->is_sub = true;
		g->rd_sub += 1 + rng_below(&g->r, 40);
		p->rid = g->rd_sub;
		p->link_rid = p->rid;
		g->rd_thread[sub] = p->rid;
		make_slug(&p->tx, g->rd_slug[sub], 41);
		memcpy(p->slug, g->rd_slug[sub], sizeof(p->slug));
		p->sub_score = (uint64_t)(pow(1.0 - rng_unit(&g->r), -1.0 / 0.8));
		p->sub_comments = rng_below(&g->r, 40);
	} else {
		g->rd_comment += 1 + rng_below(&g->r, 3);
		p->rid = g->rd_comment;
		p->reply_rid = g->rd_thread[sub];
		p->reply_is_sub = true;
		p->link_rid = g->rd_thread[sub];
		memcpy(p->slug, g->rd_slug[sub], sizeof(p->slug));
	}
}

static void ring_add(struct gen *g, const struct post *p)
{
	g->ring[g->ring_pos] = *p;
	g->ring[g->ring_pos].rt = NULL;
	g->ring_pos = (g->ring_pos + 1) % RING;
	if (g->ring_n < RING)
		g->ring_n++;
}

static double reply_chance(int kind)
{
	switch (kind) {
	case K_COMPLAINT: return 0.45;
	case K_QUESTION: return 0.50;
	case K_CHURN: return 0.45;
	case K_PURCHASE: return 0.35;
	case K_PRAISE: return 0.20;
	case K_SUGGEST: return 0.25;
	case K_CRISIS: return 0.10;
	default: return 0.0;
	}
}

static void schedule_brand_reply(struct gen *g, const struct post *parent, int parent_kind, int depth,
				 int crisis)
{
	struct pend q;
	memset(&q, 0, sizeof(q));
	q.kind = P_BRAND_REPLY;
	q.due = g->rec + 10 + (uint64_t)rng_exp(&g->r, 150.0);
	q.parent_id = parent->id;
	q.conv_id = parent->conv_id;
	q.parent_rid = parent->rid;
	q.parent_is_sub = parent->is_sub;
	q.link_rid = parent->link_rid;
	q.cust = parent->cust;
	q.brand = parent->brand;
	q.lang = parent->lang;
	q.parent_kind = (uint8_t)parent_kind;
	q.channel = parent->channel;
	q.depth = (uint8_t)depth;
	q.subreddit = parent->subreddit;
	q.parent_by_brand = parent->by_brand;
	q.crisis = (uint8_t)crisis;
	memcpy(q.slug, parent->slug, sizeof(q.slug));
	pend_push(g, &q);
}

static void schedule_followup(struct gen *g, const struct post *parent, int parent_kind, int depth,
			      bool negative, int crisis)
{
	struct pend q;
	memset(&q, 0, sizeof(q));
	q.kind = P_FOLLOWUP;
	q.due = g->rec + 5 + (uint64_t)rng_exp(&g->r, 100.0);
	q.parent_id = parent->id;
	q.conv_id = parent->conv_id;
	q.parent_rid = parent->rid;
	q.parent_is_sub = parent->is_sub;
	q.link_rid = parent->link_rid;
	q.cust = parent->cust; /* a brand reply carries its customer too */
	q.brand = parent->brand;
	q.lang = parent->lang;
	q.parent_kind = (uint8_t)parent_kind;
	q.channel = parent->channel;
	q.depth = (uint8_t)depth;
	q.subreddit = parent->subreddit;
	q.parent_by_brand = parent->by_brand;
	q.negative = negative;
	q.crisis = (uint8_t)crisis;
	memcpy(q.slug, parent->slug, sizeof(q.slug));
	pend_push(g, &q);
}

static void post_reset(struct post *p, int64_t ts)
{
	p->id = p->rid = 0;
	p->ts_ms = ts;
	p->conv_id = p->reply_id = p->reply_user_id = 0;
	p->reply_handle[0] = 0;
	p->reply_rid = p->link_rid = 0;
	p->reply_is_sub = p->is_sub = p->by_brand = false;
	p->kind = K_OFFTOPIC;
	p->lang = L_EN;
	p->brand = NO_BRAND;
	p->channel = CH_TWITTER;
	p->source = SRC_WEB;
	p->subreddit = 0;
	p->rule = NO_BRAND;
	p->cust = 0;
	p->sub_score = p->sub_comments = 0;
	p->slug[0] = 0;
	p->rt = NULL;
}

/* A reply or follow-up that came due. */
static void make_pending(struct gen *g, struct post *p, const struct pend *q)
{
	p->brand = q->brand;
	p->rule = q->brand;
	p->channel = q->channel;
	p->subreddit = q->subreddit;
	p->cust = q->cust;
	p->conv_id = q->conv_id;
	p->reply_id = q->parent_id;
	memcpy(p->slug, q->slug, sizeof(p->slug));
	const scrm_gen_author_info *cust = author_get(g, q->cust);
	const scrm_gen_author_info *bacct = &g->brand_acct[q->brand];
	const scrm_gen_author_info *parent_au = q->parent_by_brand ? bacct : cust;
	p->reply_user_id = parent_au->id;
	memcpy(p->reply_handle, parent_au->handle, sizeof(p->reply_handle));
	const struct crisis *crisis = q->crisis ? &brands[q->brand].crises[q->crisis - 1] : NULL;

	int kind;
	if (q->kind == P_BRAND_REPLY) {
		p->by_brand = true;
		p->au = *bacct;
		switch (q->parent_kind) {
		case K_COMPLAINT: kind = K_REPLY_COMPLAINT; break;
		case K_QUESTION: kind = K_REPLY_QUESTION; break;
		case K_PRAISE: kind = K_REPLY_PRAISE; break;
		case K_PURCHASE: kind = K_REPLY_PURCHASE; break;
		case K_CHURN: kind = K_REPLY_CHURN; break;
		case K_SUGGEST: kind = K_REPLY_SUGGEST; break;
		case K_CRISIS: kind = K_REPLY_CRISIS; break;
		default: kind = K_REPLY_FOLLOWUP; break;
		}
	} else {
		p->au = *cust;
		kind = q->negative ? K_FOLLOW_NEG : K_FOLLOW_POS;
	}
	p->kind = (uint8_t)kind;
	p->source = pick_source(g, p->by_brand);
	p->lang = (uint8_t)write_text(g, p, kind, q->lang, cust, crisis);
	if (g->o.format == SCRM_FORMAT_REDDIT) {
		g->rd_comment += 1 + rng_below(&g->r, 3);
		p->rid = g->rd_comment;
		p->reply_rid = q->parent_rid;
		p->reply_is_sub = q->parent_is_sub;
		p->link_rid = q->link_rid;
	}

	/* What may come next in this thread. */
	if (q->depth >= 5)
		return;
	if (q->kind == P_BRAND_REPLY) {
		if (rng_chance(&g->r, 0.35)) {
			bool neg = (q->parent_kind == K_COMPLAINT || q->parent_kind == K_CHURN ||
				    q->parent_kind == K_CRISIS || q->parent_kind == K_FOLLOW_NEG) &&
				   rng_chance(&g->r, 0.5);
			schedule_followup(g, p, kind, q->depth + 1, neg, q->crisis);
		}
	} else if (q->negative && rng_chance(&g->r, 0.5)) {
		schedule_brand_reply(g, p, K_FOLLOW_NEG, q->depth + 1, q->crisis);
	}
}

/* A new post that starts a thread (or stands alone). */
static void make_fresh(struct gen *g, struct post *p, bool crisis_post)
{
	rng *r = &g->r;
	int kind;
	const struct crisis *crisis = NULL;
	if (crisis_post) {
		kind = K_CRISIS;
		p->brand = g->burst_brand;
		crisis = &brands[p->brand].crises[g->burst_crisis];
	} else {
		double u = rng_unit(r);
		kind = u < 0.30 ? K_COMPLAINT : u < 0.47 ? K_QUESTION : u < 0.59 ? K_PRAISE : u < 0.66 ? K_PURCHASE
		       : u < 0.71 ? K_CHURN : u < 0.76 ? K_SUGGEST : u < 0.84 ? K_SPAM : K_OFFTOPIC;
		u = rng_unit(r);
		p->brand = u < 0.22 ? 0 : u < 0.42 ? 1 : u < 0.58 ? 2 : u < 0.74 ? 3 : u < 0.90 ? 4 : 5;
	}
	p->rule = kind == K_OFFTOPIC ? NO_BRAND : p->brand;
	p->cust = zipf_draw(&g->z, r);
	p->au = *author_get(g, p->cust);
	p->channel = pick_channel(g);
	p->source = pick_source(g, false);
	int lang = pick_lang(g, &p->au);
	if (crisis_post && rng_chance(r, 0.85))
		lang = L_EN;
	p->kind = (uint8_t)kind;
	p->lang = (uint8_t)write_text(g, p, kind, lang, NULL, crisis);
	if (kind == K_OFFTOPIC)
		p->brand = NO_BRAND;
	p->conv_id = p->id;
	if (g->o.format == SCRM_FORMAT_REDDIT)
		reddit_place(g, p);
	if (p->brand == NO_BRAND)
		return;
	int ci = crisis ? 1 + g->burst_crisis : 0;
	if (rng_chance(r, reply_chance(kind)))
		schedule_brand_reply(g, p, kind, 0, ci);
	else if ((kind == K_COMPLAINT || kind == K_CHURN) && rng_chance(r, 0.12))
		schedule_followup(g, p, kind, 1, true, ci); /* "hello?? anyone there?" */
}

/* A brand's own post: an announcement, or the status update that opens a crisis. */
static void make_announcement(struct gen *g, struct post *p, bool crisis)
{
	if (!crisis)
		p->brand = (uint8_t)rng_below(&g->r, SCRM_GEN_BRANDS);
	else
		p->brand = g->burst_brand;
	p->rule = p->brand;
	p->by_brand = true;
	p->au = g->brand_acct[p->brand];
	p->channel = g->o.format == SCRM_FORMAT_SCRM && rng_chance(&g->r, 0.3) ? CH_FACEBOOK : CH_TWITTER;
	p->source = pick_source(g, true);
	p->kind = crisis ? K_CRISIS_ANNOUNCE : K_ANNOUNCE;
	p->lang = (uint8_t)write_text(g, p, p->kind, L_EN, NULL,
				      crisis ? &brands[p->brand].crises[g->burst_crisis] : NULL);
	p->conv_id = p->id;
	if (g->o.format == SCRM_FORMAT_REDDIT)
		reddit_place(g, p);
}

/* "RT @orig: text", cut at 140 code points as Twitter does. */
static void make_retweet(struct gen *g, struct post *p)
{
	const struct post *o = &g->ring[rng_below(&g->r, g->ring_n)];
	p->rt = o;
	p->cust = zipf_draw(&g->z, &g->r);
	p->au = *author_get(g, p->cust);
	p->source = pick_source(g, false);
	p->brand = o->brand;
	p->rule = o->rule;
	p->kind = o->kind;
	p->lang = o->lang;
	p->channel = CH_TWITTER;
	p->conv_id = p->id;

	struct text *t = &p->tx;
	struct xctx x = {.r = &g->r, .t = t, .style = ST_TWITTER};
	tx_clear(t);
	tx_puts(&x, "RT ");
	tx_mention(&x, &o->au);
	tx_puts(&x, ": ");
	uint16_t shift = t->cp;
	const struct text *ot = &o->tx;
	size_t keep = ot->len;
	uint16_t keep_cp = ot->cp;
	bool cut = shift + ot->cp > 140;
	if (cut) {
		/* Keep at most 139 - shift code points, ending before a space. */
		uint16_t limit = (uint16_t)(139 - shift), cp = 0;
		size_t last_space = 0;
		uint16_t last_space_cp = 0;
		size_t k = 0;
		for (; k < ot->len; k++) {
			unsigned char c = (unsigned char)ot->s[k];
			if ((c & 0xC0) != 0x80) {
				if (cp == limit)
					break;
				cp++;
			}
			if (c == ' ') {
				last_space = k;
				last_space_cp = (uint16_t)(cp - 1);
			}
		}
		keep = last_space ? last_space : k;
		keep_cp = last_space ? last_space_cp : cp;
	}
	uint16_t pre = t->len;
	memcpy(t->s + t->len, ot->s, keep);
	t->len = (uint16_t)(t->len + keep);
	t->cp = (uint16_t)(t->cp + keep_cp);
	if (cut) {
		memcpy(t->s + t->len, "\xE2\x80\xA6", 3);
		t->len = (uint16_t)(t->len + 3);
		t->cp++;
	}
	for (unsigned k = 0; k < ot->ne && t->ne < MAX_ENTS; k++) {
		struct ent e = ot->e[k];
		if (e.b > keep_cp)
			continue;
		e.a = (uint16_t)(e.a + shift);
		e.b = (uint16_t)(e.b + shift);
		if (e.type == E_HASHTAG)
			e.off = (uint16_t)(e.off + pre);
		if (e.type == E_MENTION) {
			if (t->nm >= MAX_MENTIONS)
				continue;
			t->m[t->nm] = ot->m[e.ref];
			e.ref = t->nm++;
		} else if (e.type == E_URL) {
			if (t->nu >= MAX_URLS)
				continue;
			t->u[t->nu] = ot->u[e.ref];
			e.ref = t->nu++;
		}
		t->e[t->ne++] = e;
	}
	p->likes = p->replies = p->quotes = 0;
	p->retweets = 0;
}

/* Start/stop crisis bursts by record index. */
static void burst_update(struct gen *g)
{
	if (g->rec == g->burst_end && g->burst_end) {
		g->burst_start = g->burst_end + 150000 + rng_below(&g->r, 100000);
		g->burst_end = g->burst_start + 2000 + rng_below(&g->r, 8000);
	}
	if (g->rec == g->burst_start) {
		g->burst_brand = (uint8_t)rng_below(&g->r, SCRM_GEN_BRANDS);
		g->burst_crisis = (uint8_t)rng_below(&g->r, 2);
		g->burst_announced = false;
	}
}

static inline bool in_burst(const struct gen *g) { return g->rec >= g->burst_start && g->rec < g->burst_end; }

/* Draw the next record into g->cur. */
static void next_post(struct gen *g)
{
	struct post *p = &g->cur;
	burst_update(g);
	bool burst = in_burst(g);
	if (g->rec) /* the first record lands exactly at start_ms */
		g->t += rng_exp(&g->r, 1.0 / (g->o.rate * (burst ? 20.0 : 1.0)));
	double ms = (double)g->o.start_ms + g->t * 1000.0;
	int64_t ts = ms < (double)TS_MAX ? (int64_t)ms : TS_MAX;
	if (ts < g->last_ms)
		ts = g->last_ms;
	g->last_ms = ts;
	post_reset(p, ts);
	p->id = next_snowflake(g, ts);

	bool tw = g->o.format != SCRM_FORMAT_REDDIT; /* retweets: Twitter, and scrm's twitter channel */
	if (g->nheap && g->heap[0].due <= g->rec) {
		struct pend q;
		pend_pop(g, &q);
		make_pending(g, p, &q);
	} else if (burst && !g->burst_announced) {
		g->burst_announced = true;
		make_announcement(g, p, true);
	} else if (burst && rng_chance(&g->r, 0.75)) {
		make_fresh(g, p, true);
	} else if (tw && g->ring_n && rng_chance(&g->r, 0.075)) {
		make_retweet(g, p);
	} else if (rng_chance(&g->r, 0.01)) {
		make_announcement(g, p, false);
	} else {
		make_fresh(g, p, false);
	}
	if (!p->rt)
		set_metrics(g, p);
	/* Retweets pick from a sample of recent thread-starting posts (every brand post,
	 * a tenth of the others: copying each one would cost more than it buys). */
	if (p->rt || p->reply_id || p->kind == K_OFFTOPIC || (g->o.format == SCRM_FORMAT_SCRM && p->channel != CH_TWITTER))
		return;
	if (p->by_brand || rng_chance(&g->r, 0.1))
		ring_add(g, p);
}

/* ------------------------------------------------------------------------------ */
/* Writers                                                                          */

static char *put_display_url(char *p, const char *expanded, bool v1)
{
	const char *s = expanded;
	if (strncmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncmp(s, "http://", 7) == 0)
		s += 7;
	if (strncmp(s, "www.", 4) == 0)
		s += 4;
	size_t n = strlen(s);
	if (n <= 26)
		return put_jstr(p, s, n, v1);
	char tmp[40];
	memcpy(tmp, s, 26);
	memcpy(tmp + 26, "\xE2\x80\xA6", 3);
	return put_jstr(p, tmp, 29, v1);
}

static char *put_tco(char *p, const char *code, bool v1)
{
	if (v1)
		PUT(p, "\"https:\\/\\/t.co\\/");
	else
		PUT(p, "\"https://t.co/");
	p = put_mem(p, code, 10);
	*p++ = '"';
	return p;
}

/* The link a truncated tweet's short text ends with. */
struct self_link {
	char tco[11];
	char expanded[64];
	uint16_t a, b;
};

/* v1 "entities" object over `t`, keeping only entities that end at or before `max_cp`,
 * plus `self` (a truncated tweet's link to itself) when not NULL. Empty arrays are
 * left out, like the null fields (see put_v1_tweet). */
static char *put_v1_entities(char *p, const struct text *t, unsigned max_cp, const struct self_link *self)
{
	static const int order[3] = {E_HASHTAG, E_URL, E_MENTION};
	static const char *const key[3] = {"\"hashtags\":[", "\"urls\":[", "\"user_mentions\":["};
	bool any = false;
	*p++ = '{';
	for (int o = 0; o < 3; o++) {
		bool first = true;
		for (unsigned k = 0; k <= t->ne; k++) {
			const struct ent *e = k < t->ne ? &t->e[k] : NULL;
			if (e ? e->type != order[o] || e->b > max_cp : !(self && order[o] == E_URL))
				continue;
			if (first) {
				if (any)
					*p++ = ',';
				p = put_cstr(p, key[o]);
				any = true;
			} else {
				*p++ = ',';
			}
			first = false;
			unsigned a = e ? e->a : self->a, b = e ? e->b : self->b;
			if (order[o] == E_HASHTAG) {
				PUT(p, "{\"text\":");
				p = put_jstr(p, t->s + e->off, e->len, true);
			} else if (order[o] == E_URL) {
				const char *tco = e ? t->u[e->ref].tco : self->tco;
				const char *expanded = e ? t->u[e->ref].expanded : self->expanded;
				PUT(p, "{\"url\":");
				p = put_tco(p, tco, true);
				PUT(p, ",\"expanded_url\":");
				p = put_jcstr(p, expanded, true);
			} else {
				const struct mention *m = &t->m[e->ref];
				PUT(p, "{\"screen_name\":\"");
				p = put_cstr(p, m->handle);
				PUT(p, "\",\"id_str\":");
				p = put_u64q(p, m->id);
			}
			PUT(p, ",\"indices\":[");
			p = put_u64(p, a);
			*p++ = ',';
			p = put_u64(p, b);
			PUT(p, "]}");
		}
		if (!first)
			*p++ = ']';
	}
	*p++ = '}';
	return p;
}

/* `full`: with the profile text (location, description); nested retweeted users go without. */
static char *put_v1_user(char *p, const scrm_gen_author_info *a, bool full)
{
	PUT(p, "{\"id\":");
	p = put_u64(p, a->id);
	PUT(p, ",\"id_str\":");
	p = put_u64q(p, a->id);
	PUT(p, ",\"name\":");
	p = put_jcstr(p, a->name, true);
	PUT(p, ",\"screen_name\":\"");
	p = put_cstr(p, a->handle);
	*p++ = '"';
	if (full && a->location[0]) {
		PUT(p, ",\"location\":");
		p = put_jcstr(p, a->location, true);
	}
	if (full && a->description[0]) {
		PUT(p, ",\"description\":");
		p = put_jcstr(p, a->description, true);
	}
	PUT(p, ",\"verified\":");
	p = put_bool(p, a->verified);
	PUT(p, ",\"followers_count\":");
	p = put_u64(p, a->followers);
	PUT(p, ",\"friends_count\":");
	p = put_u64(p, a->friends);
	PUT(p, ",\"created_at\":\"");
	p = put_twitter_time(p, a->created_ms);
	PUT(p, "\"}");
	return p;
}

/* The 140-code-point "text" of a long tweet: a prefix cut at a space, "\u2026", and the
 * t.co link to the tweet (described in *self). Returns the code points of the prefix
 * kept: entities that end after it are left out of the short text's "entities". */
static unsigned v1_short_text(const struct text *full, struct text *out, uint64_t id,
			      struct self_link *self)
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	tx_clear(out);
	size_t k = 0, last_space = 0;
	unsigned cp = 0, last_space_cp = 0;
	for (; k < full->len; k++) {
		unsigned char c = (unsigned char)full->s[k];
		if ((c & 0xC0) != 0x80) {
			if (cp == 114)
				break;
			cp++;
		}
		if (c == ' ') {
			last_space = k;
			last_space_cp = cp - 1;
		}
	}
	size_t keep = last_space ? last_space : k;
	unsigned keep_cp = last_space ? last_space_cp : cp;
	memcpy(out->s, full->s, keep);
	out->len = (uint16_t)keep;
	memcpy(out->s + out->len, "\xE2\x80\xA6 https://t.co/", 17);
	out->len = (uint16_t)(out->len + 17);
	uint64_t h = id * 0x9E3779B97F4A7C15ull;
	for (int j = 0; j < 10; j++) {
		self->tco[j] = b62[h % 62];
		h /= 62;
	}
	self->tco[10] = 0;
	memcpy(out->s + out->len, self->tco, 10);
	out->len = (uint16_t)(out->len + 10);
	snprintf(self->expanded, sizeof(self->expanded), "https://twitter.com/i/web/status/%llu",
		 (unsigned long long)id);
	self->a = (uint16_t)(keep_cp + 2);
	self->b = (uint16_t)(self->a + 23);
	out->cp = self->b;
	return keep_cp;
}

static char *put_v1_tweet(struct gen *g, char *p, const struct post *s, bool top)
{
	PUT(p, "{\"created_at\":\"");
	p = put_twitter_time(p, s->ts_ms);
	PUT(p, "\",\"id\":");
	p = put_u64(p, s->id);
	PUT(p, ",\"id_str\":");
	p = put_u64q(p, s->id);
	PUT(p, ",\"text\":");
	bool trunc = !s->rt && s->tx.chars > 140;
	unsigned keep_cp = s->tx.cp;
	struct self_link self;
	if (trunc) {
		struct text *st = &g->scratch;
		keep_cp = v1_short_text(&s->tx, st, s->id, &self);
		p = put_jstr(p, st->s, st->len, true);
	} else {
		p = put_jstr(p, s->tx.s, s->tx.len, true);
	}
	if (top) {
		PUT(p, ",\"source\":\"");
		p = put_cstr(p, sources[s->source].v1);
		*p++ = '"';
	}
	if (trunc)
		PUT(p, ",\"truncated\":true");
	if (s->reply_id) {
		PUT(p, ",\"in_reply_to_status_id\":");
		p = put_u64(p, s->reply_id);
		PUT(p, ",\"in_reply_to_status_id_str\":");
		p = put_u64q(p, s->reply_id);
		PUT(p, ",\"in_reply_to_user_id_str\":");
		p = put_u64q(p, s->reply_user_id);
		PUT(p, ",\"in_reply_to_screen_name\":\"");
		p = put_cstr(p, s->reply_handle);
		*p++ = '"';
	}
	PUT(p, ",\"user\":");
	p = put_v1_user(p, &s->au, top);
	if (s->rt) {
		PUT(p, ",\"retweeted_status\":");
		p = put_v1_tweet(g, p, s->rt, false);
	}
	if (trunc) {
		PUT(p, ",\"extended_tweet\":{\"full_text\":");
		p = put_jstr(p, s->tx.s, s->tx.len, true);
		PUT(p, ",\"display_text_range\":[0,");
		p = put_u64(p, s->tx.cp);
		PUT(p, "],\"entities\":");
		p = put_v1_entities(p, &s->tx, UINT16_MAX, NULL);
		*p++ = '}';
	}
	if (top) {
		PUT(p, ",\"quote_count\":");
		p = put_u64(p, s->quotes);
		PUT(p, ",\"reply_count\":");
		p = put_u64(p, s->replies);
	}
	PUT(p, ",\"retweet_count\":");
	p = put_u64(p, s->retweets);
	PUT(p, ",\"favorite_count\":");
	p = put_u64(p, s->likes);
	PUT(p, ",\"entities\":");
	p = put_v1_entities(p, &s->tx, keep_cp, trunc ? &self : NULL);
	PUT(p, ",\"lang\":\"");
	p = put_cstr(p, lang_tag[s->lang]);
	*p++ = '"';
	if (top) {
		PUT(p, ",\"timestamp_ms\":\"");
		p = put_u64(p, (uint64_t)s->ts_ms);
		*p++ = '"';
	}
	*p++ = '}';
	return p;
}

/* v2 "entities": start/end in code points; omitted when empty. */
static char *put_v2_entities(char *p, const struct text *t)
{
	if (!t->ne)
		return p;
	PUT(p, ",\"entities\":{");
	bool any = false;
	static const int order[3] = {E_MENTION, E_HASHTAG, E_URL};
	static const char *const key[3] = {"\"mentions\":[", "\"hashtags\":[", "\"urls\":["};
	for (int o = 0; o < 3; o++) {
		bool first = true;
		for (unsigned k = 0; k < t->ne; k++) {
			const struct ent *e = &t->e[k];
			if (e->type != order[o])
				continue;
			if (first) {
				if (any)
					*p++ = ',';
				p = put_cstr(p, key[o]);
				any = true;
			} else {
				*p++ = ',';
			}
			first = false;
			PUT(p, "{\"start\":");
			p = put_u64(p, e->a);
			PUT(p, ",\"end\":");
			p = put_u64(p, e->b);
			if (e->type == E_MENTION) {
				PUT(p, ",\"username\":\"");
				p = put_cstr(p, t->m[e->ref].handle);
				PUT(p, "\",\"id\":");
				p = put_u64q(p, t->m[e->ref].id);
			} else if (e->type == E_HASHTAG) {
				PUT(p, ",\"tag\":");
				p = put_jstr(p, t->s + e->off, e->len, false);
			} else {
				const struct url *u = &t->u[e->ref];
				PUT(p, ",\"url\":");
				p = put_tco(p, u->tco, false);
				PUT(p, ",\"expanded_url\":");
				p = put_jcstr(p, u->expanded, false);
				PUT(p, ",\"display_url\":");
				p = put_display_url(p, u->expanded, false);
			}
			*p++ = '}';
		}
		if (!first)
			*p++ = ']';
	}
	*p++ = '}';
	return p;
}

static char *put_v2_metrics(char *p, const struct post *s)
{
	PUT(p, ",\"public_metrics\":{\"retweet_count\":");
	p = put_u64(p, s->retweets);
	PUT(p, ",\"reply_count\":");
	p = put_u64(p, s->replies);
	PUT(p, ",\"like_count\":");
	p = put_u64(p, s->likes);
	PUT(p, ",\"quote_count\":");
	p = put_u64(p, s->quotes);
	*p++ = '}';
	return p;
}

static char *put_v2_user(char *p, const scrm_gen_author_info *a)
{
	PUT(p, "{\"id\":");
	p = put_u64q(p, a->id);
	PUT(p, ",\"username\":\"");
	p = put_cstr(p, a->handle);
	PUT(p, "\",\"name\":");
	p = put_jcstr(p, a->name, false);
	PUT(p, ",\"verified\":");
	p = put_bool(p, a->verified);
	PUT(p, ",\"created_at\":\"");
	p = put_iso_time(p, a->created_ms, true);
	*p++ = '"';
	if (a->location[0]) {
		PUT(p, ",\"location\":");
		p = put_jcstr(p, a->location, false);
	}
	PUT(p, ",\"description\":");
	p = put_jcstr(p, a->description, false);
	PUT(p, ",\"public_metrics\":{\"followers_count\":");
	p = put_u64(p, a->followers);
	PUT(p, ",\"following_count\":");
	p = put_u64(p, a->friends);
	PUT(p, ",\"tweet_count\":");
	p = put_u64(p, a->statuses);
	PUT(p, ",\"listed_count\":");
	p = put_u64(p, a->followers / 200);
	PUT(p, "}}");
	return p;
}

/* The tweet object of a v2 "data" or "includes.tweets" entry. */
static char *put_v2_tweet(char *p, const struct post *s)
{
	PUT(p, "{\"id\":");
	p = put_u64q(p, s->id);
	PUT(p, ",\"text\":");
	p = put_jstr(p, s->tx.s, s->tx.len, false);
	PUT(p, ",\"author_id\":");
	p = put_u64q(p, s->au.id);
	PUT(p, ",\"conversation_id\":");
	p = put_u64q(p, s->conv_id ? s->conv_id : s->id);
	PUT(p, ",\"created_at\":\"");
	p = put_iso_time(p, s->ts_ms, true);
	PUT(p, "\",\"lang\":\"");
	p = put_cstr(p, lang_tag[s->lang]);
	PUT(p, "\",\"source\":\"");
	p = put_cstr(p, sources[s->source].name);
	PUT(p, "\",\"reply_settings\":\"everyone\",\"possibly_sensitive\":false,\"edit_history_tweet_ids\":[");
	p = put_u64q(p, s->id);
	*p++ = ']';
	if (s->reply_id) {
		PUT(p, ",\"in_reply_to_user_id\":");
		p = put_u64q(p, s->reply_user_id);
		PUT(p, ",\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":");
		p = put_u64q(p, s->reply_id);
		PUT(p, "}]");
	} else if (s->rt) {
		PUT(p, ",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":");
		p = put_u64q(p, s->rt->id);
		PUT(p, "}]");
	}
	p = put_v2_metrics(p, s);
	p = put_v2_entities(p, &s->tx);
	*p++ = '}';
	return p;
}

static char *put_v2_line(char *p, const struct post *s)
{
	PUT(p, "{\"data\":");
	p = put_v2_tweet(p, s);
	PUT(p, ",\"includes\":{\"users\":[");
	p = put_v2_user(p, &s->au);
	if (s->rt && s->rt->au.id != s->au.id) {
		*p++ = ',';
		p = put_v2_user(p, &s->rt->au);
	}
	*p++ = ']';
	if (s->rt) {
		PUT(p, ",\"tweets\":[");
		p = put_v2_tweet(p, s->rt);
		*p++ = ']';
	}
	PUT(p, "},\"matching_rules\":[{\"id\":\"");
	if (s->rule == NO_BRAND) {
		PUT(p, "1493302718270181376\",\"tag\":\"sample\"}]}");
	} else {
		p = put_u64(p, brands[s->rule].rule_id);
		PUT(p, "\",\"tag\":\"brand:");
		p = put_cstr(p, brands[s->rule].subreddit);
		PUT(p, "\"}]}");
	}
	return p;
}

static void subreddit_of(int sub, const char **name, uint64_t *id, uint64_t *subscribers)
{
	if (sub < SCRM_GEN_BRANDS) {
		*name = brands[sub].subreddit;
		*id = brands[sub].subreddit_id;
		*subscribers = brands[sub].subscribers;
	} else {
		*name = general_subs[sub - SCRM_GEN_BRANDS].name;
		*id = general_subs[sub - SCRM_GEN_BRANDS].id;
		*subscribers = general_subs[sub - SCRM_GEN_BRANDS].subscribers;
	}
}

/* Submission title: the text up to its first sentence end, at most ~90 bytes. */
static size_t title_len(const struct text *t)
{
	size_t n = 0, last_space = 0;
	for (; n < t->len && n < 90; n++) {
		char c = t->s[n];
		if (c == '.' || c == '?' || c == '!') {
			n++;
			return n;
		}
		if (c == ' ')
			last_space = n;
	}
	if (n < t->len && last_space)
		return last_space;
	while (n > 0 && n < t->len && ((unsigned char)t->s[n] & 0xC0) == 0x80)
		n--; /* never cut a UTF-8 sequence */
	return n;
}

static char *put_reddit(char *p, const struct post *s)
{
	const char *sub;
	uint64_t sub_id, subscribers;
	subreddit_of(s->subreddit, &sub, &sub_id, &subscribers);
	int64_t sec = s->ts_ms / 1000;
	PUT(p, "{\"all_awardings\":[],\"author\":\"");
	p = put_cstr(p, s->au.handle);
	PUT(p, "\",\"author_created_utc\":");
	p = put_u64(p, (uint64_t)(s->au.created_ms / 1000));
	PUT(p, ",\"author_flair_text\":");
	if (s->by_brand) {
		PUT(p, "\"Official ");
		p = put_cstr(p, brands[s->brand].name);
		*p++ = '"';
	} else {
		PUT(p, "null");
	}
	PUT(p, ",\"author_fullname\":\"t2_");
	p = put_base36(p, s->au.id);
	*p++ = '"';
	if (s->is_sub) {
		size_t tl = title_len(&s->tx);
		PUT(p, ",\"created_utc\":");
		p = put_u64(p, (uint64_t)sec);
		PUT(p, ",\"domain\":\"self.");
		p = put_cstr(p, sub);
		PUT(p, "\",\"full_link\":\"https://www.reddit.com/r/");
		p = put_cstr(p, sub);
		PUT(p, "/comments/");
		p = put_base36(p, s->rid);
		*p++ = '/';
		p = put_cstr(p, s->slug);
		PUT(p, "/\",\"id\":\"");
		p = put_base36(p, s->rid);
		PUT(p, "\",\"is_self\":true,\"link_flair_text\":");
		if (s->by_brand)
			PUT(p, "\"Announcement\"");
		else if (s->kind == K_COMPLAINT || s->kind == K_CRISIS)
			PUT(p, "\"Complaint\"");
		else if (s->kind == K_QUESTION)
			PUT(p, "\"Question\"");
		else
			PUT(p, "null");
		PUT(p, ",\"locked\":false,\"num_comments\":");
		p = put_u64(p, s->sub_comments);
		PUT(p, ",\"over_18\":false,\"permalink\":\"/r/");
		p = put_cstr(p, sub);
		PUT(p, "/comments/");
		p = put_base36(p, s->rid);
		*p++ = '/';
		p = put_cstr(p, s->slug);
		PUT(p, "/\",\"retrieved_on\":");
		p = put_u64(p, (uint64_t)sec + 3600 + s->rid % 86400);
		PUT(p, ",\"score\":");
		p = put_u64(p, s->sub_score);
		PUT(p, ",\"selftext\":");
		p = put_jstr(p, s->tx.s, s->tx.len, false);
		PUT(p, ",\"stickied\":false,\"subreddit\":\"");
		p = put_cstr(p, sub);
		PUT(p, "\",\"subreddit_id\":\"t5_");
		p = put_base36(p, sub_id);
		PUT(p, "\",\"subreddit_subscribers\":");
		p = put_u64(p, subscribers);
		PUT(p, ",\"subreddit_type\":\"public\",\"title\":");
		p = put_jstr(p, s->tx.s, tl, false);
		PUT(p, ",\"upvote_ratio\":0.9");
		p = put_u64(p, s->rid % 10);
		PUT(p, ",\"url\":\"https://www.reddit.com/r/");
		p = put_cstr(p, sub);
		PUT(p, "/comments/");
		p = put_base36(p, s->rid);
		*p++ = '/';
		p = put_cstr(p, s->slug);
		PUT(p, "/\"}");
		return p;
	}
	PUT(p, ",\"body\":");
	p = put_jstr(p, s->tx.s, s->tx.len, false);
	PUT(p, ",\"controversiality\":0,\"created_utc\":");
	p = put_u64(p, (uint64_t)sec);
	PUT(p, ",\"distinguished\":");
	if (s->by_brand)
		PUT(p, "\"moderator\"");
	else
		PUT(p, "null");
	PUT(p, ",\"edited\":false,\"gilded\":0,\"id\":\"");
	p = put_base36(p, s->rid);
	PUT(p, "\",\"is_submitter\":false,\"link_id\":\"t3_");
	p = put_base36(p, s->link_rid);
	PUT(p, "\",\"locked\":false,\"parent_id\":\"");
	p = put_mem(p, s->reply_is_sub ? "t3_" : "t1_", 3);
	p = put_base36(p, s->reply_rid);
	PUT(p, "\",\"permalink\":\"/r/");
	p = put_cstr(p, sub);
	PUT(p, "/comments/");
	p = put_base36(p, s->link_rid);
	*p++ = '/';
	p = put_cstr(p, s->slug);
	*p++ = '/';
	p = put_base36(p, s->rid);
	PUT(p, "/\",\"retrieved_on\":");
	p = put_u64(p, (uint64_t)sec + 3600 + s->rid % 86400);
	PUT(p, ",\"score\":");
	p = put_u64(p, 1 + s->likes);
	PUT(p, ",\"send_replies\":true,\"stickied\":false,\"subreddit\":\"");
	p = put_cstr(p, sub);
	PUT(p, "\",\"subreddit_id\":\"t5_");
	p = put_base36(p, sub_id);
	PUT(p, "\",\"subreddit_name_prefixed\":\"r/");
	p = put_cstr(p, sub);
	PUT(p, "\",\"subreddit_type\":\"public\",\"total_awards_received\":0}");
	return p;
}

static char *put_scrm_id(char *p, int channel, uint64_t id)
{
	*p++ = '"';
	p = put_cstr(p, channel_prefix[channel]);
	p = put_u64(p, id);
	*p++ = '"';
	return p;
}

static char *put_scrm(char *p, const struct post *s)
{
	PUT(p, "{\"id\":");
	p = put_scrm_id(p, s->channel, s->id);
	PUT(p, ",\"ts\":\"");
	p = put_iso_time(p, s->ts_ms, true);
	PUT(p, "\",\"channel\":\"");
	p = put_cstr(p, channel_name[s->channel]);
	PUT(p, "\",\"direction\":\"");
	p = put_cstr(p, s->by_brand ? "out" : "in");
	PUT(p, "\",\"text\":");
	p = put_jstr(p, s->tx.s, s->tx.len, false);
	PUT(p, ",\"author\":{\"id\":");
	p = put_u64q(p, s->au.id);
	PUT(p, ",\"handle\":");
	/* The identity the channel knows the author by. */
	if (s->channel == CH_EMAIL)
		p = put_jcstr(p, s->au.email, false);
	else if (s->channel == CH_PHONE)
		p = put_jcstr(p, s->au.phone, false);
	else
		p = put_jcstr(p, s->au.handle, false);
	PUT(p, ",\"name\":");
	p = put_jcstr(p, s->au.name, false);
	bool social = s->channel == CH_TWITTER || s->channel == CH_FACEBOOK;
	PUT(p, ",\"followers\":");
	if (social)
		p = put_u64(p, s->au.followers);
	else
		PUT(p, "null");
	PUT(p, ",\"verified\":");
	p = put_bool(p, social && s->au.verified);
	PUT(p, "},\"conversation\":");
	p = put_scrm_id(p, s->channel, s->conv_id ? s->conv_id : s->id);
	PUT(p, ",\"in_reply_to\":");
	if (s->reply_id)
		p = put_scrm_id(p, s->channel, s->reply_id);
	else
		PUT(p, "null");
	if (s->rt) {
		PUT(p, ",\"retweet_of\":");
		p = put_scrm_id(p, CH_TWITTER, s->rt->id);
	}
	PUT(p, ",\"lang\":\"");
	p = put_cstr(p, lang_tag[s->lang]);
	PUT(p, "\",\"metrics\":");
	if (s->channel == CH_EMAIL || s->channel == CH_CHAT || s->channel == CH_PHONE) {
		PUT(p, "null}");
		return p;
	}
	PUT(p, "{\"retweets\":");
	p = put_u64(p, s->retweets);
	PUT(p, ",\"likes\":");
	p = put_u64(p, s->likes);
	PUT(p, ",\"replies\":");
	p = put_u64(p, s->replies);
	PUT(p, ",\"quotes\":");
	p = put_u64(p, s->quotes);
	PUT(p, "}}");
	return p;
}

/* The canonical record as a CSV row (csv.h's column names, in this order); an absent
 * field is an empty cell. */
#define SCRM_CSV_HEADER                                                                        \
	"id,ts,channel,direction,text,author_id,handle,name,followers,verified,conversation,"  \
	"in_reply_to,retweet_of,lang,retweets,likes,replies,quotes\r\n"

static char *put_csv(char *p, const char *s, size_t n);

static char *put_csv_id(char *p, int channel, uint64_t id)
{
	p = put_cstr(p, channel_prefix[channel]);
	return put_u64(p, id);
}

static char *put_scrm_csv(char *p, const struct post *s)
{
	p = put_csv_id(p, s->channel, s->id);
	*p++ = ',';
	p = put_iso_time(p, s->ts_ms, true);
	*p++ = ',';
	p = put_cstr(p, channel_name[s->channel]);
	*p++ = ',';
	p = put_cstr(p, s->by_brand ? "out" : "in");
	*p++ = ',';
	p = put_csv(p, s->tx.s, s->tx.len);
	*p++ = ',';
	p = put_u64(p, s->au.id);
	*p++ = ',';
	const char *h = s->channel == CH_EMAIL ? s->au.email : s->channel == CH_PHONE ? s->au.phone : s->au.handle;
	p = put_csv(p, h, strlen(h));
	*p++ = ',';
	p = put_csv(p, s->au.name, strlen(s->au.name));
	*p++ = ',';
	bool social = s->channel == CH_TWITTER || s->channel == CH_FACEBOOK;
	if (social)
		p = put_u64(p, s->au.followers);
	*p++ = ',';
	p = put_cstr(p, social && s->au.verified ? "true" : "false");
	*p++ = ',';
	p = put_csv_id(p, s->channel, s->conv_id ? s->conv_id : s->id);
	*p++ = ',';
	if (s->reply_id)
		p = put_csv_id(p, s->channel, s->reply_id);
	*p++ = ',';
	if (s->rt)
		p = put_csv_id(p, CH_TWITTER, s->rt->id);
	*p++ = ',';
	p = put_cstr(p, lang_tag[s->lang]);
	if (s->channel == CH_EMAIL || s->channel == CH_CHAT || s->channel == CH_PHONE) {
		PUT(p, ",,,,\r");
		return p;
	}
	const uint64_t m[4] = {s->retweets, s->likes, s->replies, s->quotes};
	for (int k = 0; k < 4; k++) {
		*p++ = ',';
		p = put_u64(p, m[k]);
	}
	*p++ = '\r';
	return p;
}

/* ------------------------------------------------------------------------------ */
/* Driver                                                                           */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int check_opts(const scrm_gen_opts *o)
{
	if (!o)
		return -EINVAL;
	if (o->format != SCRM_FORMAT_TWITTER_V1 && o->format != SCRM_FORMAT_TWITTER_V2 &&
	    o->format != SCRM_FORMAT_REDDIT && o->format != SCRM_FORMAT_SCRM)
		return -EINVAL;
	if (o->csv && o->format != SCRM_FORMAT_SCRM)
		return -EINVAL;
	if (!(o->rate > 0.0) || !isfinite(o->rate) || o->rate > 1e9)
		return -EINVAL;
	if (o->start_ms < TW_EPOCH || o->start_ms > START_MAX)
		return -EINVAL;
	return 0;
}

void scrm_gen_opts_default(scrm_gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->count = 1000;
	o->seed = 1;
	o->format = SCRM_FORMAT_TWITTER_V1;
	o->start_ms = SCRM_GEN_DEFAULT_START_MS;
	o->rate = 50.0;
	o->authors = 0;
}

int scrm_gen_write(int fd, const scrm_gen_opts *o)
{
	int rc = check_opts(o);
	if (rc)
		return rc;
	struct gen *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->o = *o;
	g->fd = fd;
	g->nauthors = gen_population(o);
	g->heap = malloc(PEND_MAX * sizeof(*g->heap));
	g->ring = malloc(RING * sizeof(*g->ring));
	g->cache = calloc(CACHE_SIZE, sizeof(*g->cache));
	g->buf = malloc(OUT_CAP);
	if (!g->heap || !g->ring || !g->cache || !g->buf) {
		rc = -ENOMEM;
		goto out_free;
	}
	uint64_t x = o->seed;
	rng_seed(&g->r, splitmix64(&x) ^ 0x5CA1AB1E0DDBA11ull);
	zipf_init(&g->z, SCRM_GEN_ZIPF_S, SCRM_GEN_ZIPF_Q, g->nauthors);
	for (unsigned b = 0; b < SCRM_GEN_BRANDS; b++)
		scrm_gen_brand(b, &g->brand_acct[b]);
	g->last_ms = o->start_ms;
	g->t = 0.0;
	g->rd_comment = 36ull * 36 * 36 * 36 * 36 * 36 * 20 + rng_below(&g->r, 1u << 30);
	g->rd_sub = 36ull * 36 * 36 * 36 * 36 * 20 + rng_below(&g->r, 1u << 24);
	g->burst_start = 500 + rng_below(&g->r, 2500);
	g->burst_end = g->burst_start + 400 + rng_below(&g->r, 800);

	if (o->csv) {
		memcpy(g->buf, SCRM_CSV_HEADER, sizeof SCRM_CSV_HEADER - 1);
		g->len = sizeof SCRM_CSV_HEADER - 1;
	}
	for (g->rec = 0; g->rec < o->count; g->rec++) {
		next_post(g);
		char *p = g->buf + g->len;
		switch (o->csv ? -1 : (int)o->format) {
		case -1:
			p = put_scrm_csv(p, &g->cur);
			break;
		case SCRM_FORMAT_TWITTER_V1:
			p = put_v1_tweet(g, p, &g->cur, true);
			break;
		case SCRM_FORMAT_TWITTER_V2:
			p = put_v2_line(p, &g->cur);
			break;
		case SCRM_FORMAT_REDDIT:
			p = put_reddit(p, &g->cur);
			break;
		default:
			p = put_scrm(p, &g->cur);
			break;
		}
		*p++ = '\n';
		g->len = (size_t)(p - g->buf);
		if (g->len > OUT_CAP - REC_MAX) {
			rc = write_all(fd, g->buf, g->len);
			g->len = 0;
			if (rc)
				goto out_free;
		}
	}
	if (g->len)
		rc = write_all(fd, g->buf, g->len);
out_free:
	free(g->buf);
	free(g->cache);
	free(g->ring);
	free(g->heap);
	free(g);
	return rc;
}

/* ------------------------------------------------------------------------------ */
/* CRM export (--customers)                                                         */

/*
 * Who is a known customer, and how the CRM wrote them down, is drawn from a stream of
 * its own seeded by (seed, author index), like the authors' attributes: the export never
 * touches the firehose's generator, so writing it cannot change a byte of the stream.
 * Every draw is made whatever the format, so one seed knows the same customers with the
 * same tiers in every format; only the columns differ.
 */

#define CUST_SALT 0xC0FFEE5EED5A17ull

/* The author population scrm_gen_write() draws from for these options. */


/* One CSV field as RFC 4180 writes it: quoted only when it must be. */
static char *put_csv(char *p, const char *s, size_t n)
{
	bool q = false;
	for (size_t k = 0; k < n && !q; k++)
		q = s[k] == ',' || s[k] == '"' || s[k] == '\n' || s[k] == '\r';
	if (!q)
		return put_mem(p, s, n);
	*p++ = '"';
	for (size_t k = 0; k < n; k++) {
		if (s[k] == '"')
			*p++ = '"';
		*p++ = s[k];
	}
	*p++ = '"';
	return p;
}

/* s with its ASCII letters in lower case, or in upper case when `upper`. */
static char *put_cased(char *p, const char *s, bool upper)
{
	for (; *s; s++) {
		char c = *s;
		if (!upper && c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		else if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		*p++ = c;
	}
	return p;
}

int scrm_gen_customers_write(int fd, const scrm_gen_opts *o)
{
	int rc = check_opts(o);
	if (rc)
		return rc;
	enum { CAP = 1u << 20, ROW_MAX = 2048 };
	char *buf = malloc(CAP);
	if (!buf)
		return -ENOMEM;
	char *p = buf;
	bool scrm = o->format == SCRM_FORMAT_SCRM, reddit = o->format == SCRM_FORMAT_REDDIT;
	PUT(p, "customer_id,name,tier,lifetime_value,");
	if (scrm)
		PUT(p, "twitter,facebook,email,phone,chat,forum,review");
	else if (reddit)
		PUT(p, "reddit,email");
	else
		PUT(p, "twitter,email,phone");
	PUT(p, ",x_gen_author\r\n");

	uint32_t n = gen_population(o);
	uint64_t id_key = o->seed ^ CUST_SALT;
	id_key = splitmix64(&id_key); /* customer ids unrelated to the platform ids */
	static const char *const tiers[4] = {"gold", "silver", "bronze", ""};
	static const double tier_ltv[4] = {4200.0, 1300.0, 380.0, 90.0};
	for (uint32_t i = 0; i < n; i++) {
		uint64_t x = o->seed ^ CUST_SALT;
		x += ((uint64_t)i + 1) * 0xD1B54A32D192ED03ull;
		rng r;
		rng_seed(&r, splitmix64(&x));
		/* Known: 98 % of the most active, falling to 72 % at the end of the tail: about
		 * 4 in 5 of the authors a run shows and 85 % of their records (100,000 records,
		 * seed 7: 81.6 % and 85.0 %), so a run knows most of its traffic and still meets
		 * strangers. */
		double known = rng_unit(&r);
		double tu = rng_unit(&r), lu = rng_unit(&r), n1 = rng_unit(&r), n2 = rng_unit(&r);
		double tw_style = rng_unit(&r), mail_style = rng_unit(&r), phone_style = rng_unit(&r);
		double old_mail = rng_unit(&r), lower_style = rng_unit(&r);
		double has[7];
		for (int k = 0; k < 7; k++)
			has[k] = rng_unit(&r);
		if (known >= 0.98 - 0.26 * pow((double)i / n, 0.3))
			continue;
		scrm_gen_author_info a;
		scrm_gen_author(o->seed, i, &a);
		int tier = tu < 0.08 ? 0 : tu < 0.25 ? 1 : tu < 0.50 ? 2 : 3;

		p = put_u64(p, perm32(i, id_key));
		*p++ = ',';
		p = put_csv(p, a.name, strlen(a.name));
		*p++ = ',';
		p = put_cstr(p, tiers[tier]);
		*p++ = ',';
		if (lu >= 0.08) {
			/* log-normal around the tier's typical value (Box-Muller) */
			double z = sqrt(-2.0 * log1p(-n1)) * cos(6.283185307179586 * n2);
			p += snprintf(p, 32, "%.2f", tier_ltv[tier] * exp(0.7 * z));
		}
		/* The handle as CRM agents type it: sometimes with '@' or u/, in any case. */
		*p++ = ',';
		if (reddit) {
			if (tw_style < 0.3)
				PUT(p, "u/");
			else if (tw_style < 0.4)
				PUT(p, "/u/");
			p = put_cstr(p, a.handle);
		} else if (!scrm || has[0] < 0.95) {
			if (tw_style < 0.3)
				*p++ = '@';
			p = tw_style >= 0.3 && tw_style < 0.5 ? put_cased(p, a.handle, false) : put_cstr(p, a.handle);
		}
		if (scrm) {
			*p++ = ',';
			if (has[1] < 0.85)
				p = put_cstr(p, a.handle);
		}
		*p++ = ',';
		if (scrm ? has[2] < 0.97 : has[2] < 0.6) {
			/* Some customers have an old address on file too: two identities, one cell
			 * ("x.old@" never collides: handles hold no '.'). */
			const char *at = strchr(a.email, '@');
			bool two = old_mail < 0.1 && at;
			if (two)
				*p++ = '"';
			p = put_cased(p, a.email, mail_style < 0.1);
			if (two) {
				PUT(p, "; ");
				p = put_mem(p, a.email, (size_t)(at - a.email));
				PUT(p, ".old");
				p = put_cstr(p, at);
				*p++ = '"';
			}
		}
		if (!reddit) {
			*p++ = ',';
			if (scrm ? has[3] < 0.9 : has[3] < 0.4) {
				/* "+1555" + 10 digits, or the same as "+1 (555) 000-000-0042" */
				if (phone_style < 0.5 && strlen(a.phone) == 15) {
					PUT(p, "+1 (555) ");
					p = put_mem(p, a.phone + 5, 3);
					*p++ = '-';
					p = put_mem(p, a.phone + 8, 3);
					*p++ = '-';
					p = put_mem(p, a.phone + 11, 4);
				} else {
					p = put_cstr(p, a.phone);
				}
			}
		}
		if (scrm) {
			static const double share[3] = {0.9, 0.75, 0.75}; /* chat, forum, review */
			for (int k = 0; k < 3; k++) {
				*p++ = ',';
				if (has[4 + k] < share[k])
					p = k == 0 && lower_style < 0.5 ? put_cased(p, a.handle, false) : put_cstr(p, a.handle);
			}
		}
		*p++ = ',';
		p = put_u64(p, i);
		PUT(p, "\r\n");
		if ((size_t)(p - buf) > CAP - ROW_MAX) {
			if ((rc = write_all(fd, buf, (size_t)(p - buf))))
				goto out_free;
			p = buf;
		}
	}
	if (p > buf)
		rc = write_all(fd, buf, (size_t)(p - buf));
out_free:
	free(buf);
	return rc;
}

/* ------------------------------------------------------------------------------ */
/* Command line                                                                     */

static const char gen_usage[] =
	"usage: scrm gen [--count N] [--seed S] [--format twitter-v1|twitter-v2|reddit|scrm|csv]\n"
	"                [--start ISO8601] [--rate R] [--authors N] [-o FILE]\n"
	"                [--customers FILE]\n"
	"\n"
	"Write a synthetic social-CRM firehose as NDJSON (stdout unless -o).\n"
	"The same options give byte-identical output.\n"
	"\n"
	"  --count N      records to write (default 1000)\n"
	"  --seed S       random seed, 0..2^64-1 (default 1)\n"
	"  --format F     twitter-v1 (default; X API v1.1 stream tweets), twitter-v2\n"
	"                 (filtered-stream lines), reddit (Pushshift comments and\n"
	"                 submissions), scrm (the canonical schema, several channels),\n"
	"                 csv (the same records as scrm, as CSV rows under a header)\n"
	"  --start T      time of the first record, e.g. 2026-01-05T09:00:00Z (default),\n"
	"                 2026-01-05T10:00:00.250+01:00 or 2026-01-05\n"
	"  --rate R       mean records per simulated second (default 50; x20 in bursts)\n"
	"  --authors N    author population (default max(1000, 2 x count)); who posts\n"
	"                 is drawn Zipf-Mandelbrot-wise (s 0.8, q 100), so most authors\n"
	"                 post once or twice, as in real customer-care streams\n"
	"  -o FILE        write to FILE instead of stdout\n"
	"  --customers F  also write the matching CRM export (CSV) to F, before the\n"
	"                 stream (complete when it appears: written aside, then renamed)\n"
	"  -h, --help     show this help\n";

/* A whole decimal string into [lo, hi]. */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -EINVAL; /* strtoull would take " 7", "+7" and wrap "-7" */
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end || errno)
		return -EINVAL;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_double(const char *s, double *out)
{
	if (!s || !*s || *s == ' ' || *s == '\t')
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno == ERANGE)
		return -EINVAL;
	*out = v;
	return 0;
}

static int digits(const char **s, int n, int *out)
{
	int v = 0;
	for (int k = 0; k < n; k++) {
		char c = (*s)[k];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

/* "YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|(+|-)HH[:]MM]" -> ms since the epoch. */
static int parse_iso(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' || digits(&s, 2, &d))
		return -EINVAL;
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -EINVAL;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -EINVAL;
	int64_t off_min = 0;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi))
			return -EINVAL;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &sec))
				return -EINVAL;
			if (*s == '.') {
				s++;
				int nd = 0;
				while (*s >= '0' && *s <= '9') {
					if (nd < 3)
						frac = frac * 10 + (*s - '0');
					nd++;
					s++;
				}
				if (!nd)
					return -EINVAL;
				for (; nd < 3; nd++)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return -EINVAL;
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s++ == '-' ? -1 : 1, oh, om;
			if (digits(&s, 2, &oh))
				return -EINVAL;
			if (*s == ':')
				s++;
			if (digits(&s, 2, &om) || oh > 23 || om > 59)
				return -EINVAL;
			off_min = sign * (oh * 60 + om);
		}
	}
	if (*s)
		return -EINVAL;
	int64_t days = days_from_civil(y, mo, d);
	*ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - off_min * 60) * 1000 + frac;
	return 0;
}

static int bad_value(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "scrm gen: invalid value for %s: '%s' (%s)\n", opt, val, why);
	fprintf(stderr, "Try 'scrm gen --help'.\n");
	return 2;
}

/* The export, written aside and renamed into place so that a reader started beside
 * `scrm gen | scrm run --customers F` never sees half a file. */
static int write_customers_file(const char *path, const scrm_gen_opts *o)
{
	char tmp[4096], dst[4096];
	/* a symbolic link's target is what is replaced; a device or pipe is written in place */
	int where = scrm_out_path(path, dst, sizeof dst);
	if (where < 0) {
		fprintf(stderr, "scrm gen: %s: %s\n", path, strerror(-where));
		return where;
	}
	if (where == 0) {
		int fd = scrm_out_fd(path); /* (its position shared: the stream follows it) */
		int rc = fd < 0 ? fd : scrm_gen_customers_write(fd, o);
		if (fd >= 0 && close(fd) < 0 && !rc)
			rc = -errno;
		if (rc)
			fprintf(stderr, "scrm gen: %s: %s\n", path, strerror(-rc));
		return rc;
	}
	path = dst;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "scrm gen: %s: %s\n", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = -errno;
		fprintf(stderr, "scrm gen: %s: %s\n", tmp, strerror(-rc));
		return rc;
	}
	int rc = scrm_gen_customers_write(fd, o);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		fprintf(stderr, "scrm gen: %s: %s\n", path, strerror(-rc));
		unlink(tmp);
	}
	return rc;
}

int scrm_gen_main(int argc, char **argv)
{
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	const char *out_path = NULL;
	const char *cust_path = NULL;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fputs(gen_usage, stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		}
		/* --opt=value or --opt value */
		char name[32];
		const char *val = NULL;
		const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
		if (eq) {
			size_t n = (size_t)(eq - arg);
			if (n >= sizeof(name)) {
				fprintf(stderr, "scrm gen: unknown option '%s'\nTry 'scrm gen --help'.\n", arg);
				return 2;
			}
			memcpy(name, arg, n);
			name[n] = 0;
			val = eq + 1;
		} else {
			if (strlen(arg) >= sizeof(name)) {
				fprintf(stderr, "scrm gen: unknown option '%s'\nTry 'scrm gen --help'.\n", arg);
				return 2;
			}
			memcpy(name, arg, strlen(arg) + 1);
		}
		static const char *const known[] = {"--count", "--seed", "--format", "--start",
						    "--rate", "--authors", "-o", "--output", "--customers"};
		bool ok = false;
		for (size_t k = 0; k < ARRAY_LEN(known); k++)
			ok |= strcmp(name, known[k]) == 0;
		if (!ok) {
			fprintf(stderr, "scrm gen: unknown %s '%s'\nTry 'scrm gen --help'.\n",
				arg[0] == '-' ? "option" : "argument", arg);
			return 2;
		}
		if (!val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "scrm gen: option %s needs a value\nTry 'scrm gen --help'.\n", name);
				return 2;
			}
			val = argv[++i];
		}

		uint64_t u;
		int rc;
		if (strcmp(name, "--count") == 0) {
			if ((rc = parse_u64(val, 0, UINT64_MAX, &u)))
				return bad_value(name, val, rc == -ERANGE ? "out of range" : "expected a whole number");
			o.count = u;
		} else if (strcmp(name, "--seed") == 0) {
			if ((rc = parse_u64(val, 0, UINT64_MAX, &u)))
				return bad_value(name, val, rc == -ERANGE ? "out of range" : "expected a whole number");
			o.seed = u;
		} else if (strcmp(name, "--authors") == 0) {
			if ((rc = parse_u64(val, 1, UINT32_MAX, &u)))
				return bad_value(name, val, rc == -ERANGE ? "expected 1..4294967295" : "expected a whole number");
			o.authors = (uint32_t)u;
		} else if (strcmp(name, "--rate") == 0) {
			double r;
			if (parse_double(val, &r) || !isfinite(r) || !(r > 0.0) || r > 1e9)
				return bad_value(name, val, "expected a number > 0 and <= 1e9");
			o.rate = r;
		} else if (strcmp(name, "--format") == 0) {
			if (strcmp(val, "twitter-v1") == 0 || strcmp(val, "v1") == 0)
				o.format = SCRM_FORMAT_TWITTER_V1;
			else if (strcmp(val, "twitter-v2") == 0 || strcmp(val, "v2") == 0)
				o.format = SCRM_FORMAT_TWITTER_V2;
			else if (strcmp(val, "reddit") == 0)
				o.format = SCRM_FORMAT_REDDIT;
			else if (strcmp(val, "scrm") == 0 || strcmp(val, "csv") == 0)
				o.format = SCRM_FORMAT_SCRM;
			else
				return bad_value(name, val, "expected twitter-v1, twitter-v2, reddit, scrm or csv");
			o.csv = strcmp(val, "csv") == 0;
		} else if (strcmp(name, "--start") == 0) {
			int64_t ms;
			if (parse_iso(val, &ms))
				return bad_value(name, val, "expected ISO 8601, e.g. 2026-01-05T09:00:00Z");
			if (ms < TW_EPOCH || ms > START_MAX)
				return bad_value(name, val, "expected a time between 2010-11-04T01:42:54.657Z and 2070-01-01");
			o.start_ms = ms;
		} else if (strcmp(name, "--customers") == 0) {
			if (!*val) {
				fprintf(stderr, "scrm gen: option %s needs a file name\n", name);
				return 2;
			}
			cust_path = val;
		} else { /* -o, --output */
			if (!*val) {
				fprintf(stderr, "scrm gen: option %s needs a file name\n", name);
				return 2;
			}
			out_path = val;
		}
	}

	/* (by the file, or by the name it will have: ./x and x, before either exists) */
	if (cust_path && out_path && strcmp(out_path, "-") && scrm_same_file(cust_path, out_path)) {
		fprintf(stderr, "scrm gen: --customers and -o name the same file (%s): the stream would overwrite the "
				"export\nTry 'scrm gen --help'.\n", cust_path);
		return 2;
	}
	/* The ids are X's, the time in 41 bits of milliseconds: a rate so low that the stream
	 * would pass 2080 froze the time there and took the ids past 2^63 (found by review). */
	if (o.count && (double)o.count / o.rate * 2000.0 > (double)(TS_MAX - o.start_ms)) {
		fprintf(stderr, "scrm gen: --rate %g over --count %" PRIu64 " records would run past 2080, where X's ids end: "
				"a larger --rate, a smaller --count or an earlier --start\nTry 'scrm gen --help'.\n",
			o.rate, o.count);
		return 2;
	}
	if (cust_path && write_customers_file(cust_path, &o))
		return 1;
	int fd = STDOUT_FILENO;
	if (out_path) {
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "scrm gen: %s: %s\n", out_path, strerror(errno));
			return 1;
		}
	}
	int rc = scrm_gen_write(fd, &o);
	if (out_path && close(fd) < 0 && !rc)
		rc = -errno;
	if (rc == -EPIPE)
		return 0; /* the reader has all it wanted (`scrm gen | head`) */
	if (rc) {
		fprintf(stderr, "scrm gen: %s: %s\n", out_path ? out_path : "<stdout>", strerror(-rc));
		return 1;
	}
	return 0;
}
