/*
 * test_customers.c - the CRM export loader and identity table (engine/customers.c):
 * CSV syntax, every normalization rule, the errors (with their lines), lookups on every
 * channel, a differential check of the hash table against a linear scan, and the export
 * that `scrm gen --customers` writes, resolved against the generated firehose.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "customers.h"
#include "gen.h"
#include "normalize.h"
#include "relate.h"

/* ---------------------------------------------------------------- helpers ---- */

static char errbuf[1 << 16];

/* Two tables hold the same customers and links (c and d may be NULL: then both are). */
static void assert_same_table(const scrm_customers *c, const scrm_customers *d, const char *what)
{
	cr_assert_eq(c == NULL, d == NULL, "%s: a table on one side only", what);
	if (!c)
		return;
	struct scrm_customers_stats a, b;
	scrm_customers_stats(c, &a);
	scrm_customers_stats(d, &b);
	cr_assert(memcmp(&a, &b, sizeof a) == 0, "%s: other counts (%zu/%zu customers, %zu/%zu identities)", what,
		  a.customers, b.customers, a.identities, b.identities);
	for (size_t i = 0; i < scrm_customers_count(c); i++) {
		const scrm_customer *x = scrm_customers_at(c, i), *y = scrm_customers_at(d, i);
		cr_assert(strcmp(x->id, y->id) == 0 && strcmp(x->key, y->key) == 0 && strcmp(x->name, y->name) == 0 &&
				  strcmp(x->tier, y->tier) == 0 && x->key_hash == y->key_hash && x->line == y->line &&
				  x->index == y->index && x->id_len == y->id_len && x->name_len == y->name_len &&
				  x->tier_len == y->tier_len && (x->ltv == y->ltv || (isnan(x->ltv) && isnan(y->ltv))),
			  "%s: customer %zu differs", what, i);
	}
}

/* The export read from a file descriptor a few bytes a read (so that the window
 * reader stops inside every kind of record, field and quote): the same table and the
 * same messages as parsed in memory (rc, errbuf and c: that parse). */
static void assert_windows_agree(const char *csv, size_t len, int rc, const scrm_customers *c)
{
	static const size_t windows[] = {1, 2, 3, 5, 16, 4096, 0}; /* bytes a read; 0: a whole window */
	static char werr[sizeof errbuf];
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(csv, 1, len, f), len);
	cr_assert_eq(fflush(f), 0);
	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
		cr_assert_eq(lseek(fileno(f), 0, SEEK_SET), 0);
		scrm_customers *d = (scrm_customers *)0x1;
		int wrc = scrm_customers_read_fd(&d, "t.csv", fileno(f), windows[w], werr, sizeof werr);
		char what[64];
		snprintf(what, sizeof what, "reads of %zu bytes", windows[w]);
		cr_assert_eq(wrc, rc, "%s: rc %d, in memory %d\n%s", what, wrc, rc, werr);
		cr_assert_str_eq(werr, errbuf, "%s: other messages", what);
		assert_same_table(c, wrc ? NULL : d, what);
		scrm_customers_free(wrc ? NULL : d);
	}
	fclose(f);
}

/* Parse a NUL-terminated export named "t.csv"; the return code in *rc. Every export
 * the tests parse is also read through windows (assert_windows_agree). */
static scrm_customers *parse_rc(const char *csv, int *rc)
{
	scrm_customers *c = (scrm_customers *)0x1;
	*rc = scrm_customers_parse(&c, "t.csv", csv, strlen(csv), errbuf, sizeof(errbuf));
	if (*rc)
		cr_assert_null(c, "no table on error");
	else
		cr_assert_str_empty(errbuf, "no message on success");
	assert_windows_agree(csv, strlen(csv), *rc, c);
	return c;
}

static scrm_customers *parse_ok(const char *csv)
{
	int rc;
	scrm_customers *c = parse_rc(csv, &rc);
	cr_assert_eq(rc, 0, "parse failed: %d\n%s", rc, errbuf);
	cr_assert_not_null(c);
	return c;
}

/* Parse an export that must fail with -EINVAL; the messages stay in errbuf. */
static void parse_bad(const char *csv)
{
	int rc;
	scrm_customers *c = parse_rc(csv, &rc);
	cr_assert_eq(rc, -EINVAL, "expected -EINVAL, got %d", rc);
	cr_assert_null(c);
	cr_assert_str_not_empty(errbuf);
}

static void assert_err_has(const char *needle)
{
	cr_assert(strstr(errbuf, needle), "expected \"%s\" in:\n%s", needle, errbuf);
}

static const scrm_customer *find(const scrm_customers *c, const char *ch, const char *handle)
{
	return scrm_customers_find(c, ch, strlen(ch), handle, strlen(handle));
}

static const char *find_id(const scrm_customers *c, const char *ch, const char *handle)
{
	const scrm_customer *k = find(c, ch, handle);
	return k ? k->id : NULL;
}

static void norm_is(unsigned ch, const char *in, const char *want)
{
	char out[SCRM_CUSTOMERS_HANDLE_MAX];
	ssize_t n = scrm_customers_normalize(ch, in, strlen(in), out, sizeof(out));
	cr_assert_geq(n, 0, "normalize(%s, '%s') = %zd", scrm_customers_channel_name(ch), in, n);
	cr_assert(n == (ssize_t)strlen(want) && memcmp(out, want, (size_t)n) == 0,
		  "normalize(%s, '%s') = '%.*s', want '%s'", scrm_customers_channel_name(ch), in, (int)n, out, want);
}

/* ------------------------------------------------------------------ CSV syntax ---- */

Test(customers, quoting_escapes_and_fields)
{
	scrm_customers *c = parse_ok("customer_id,name,tier,lifetime_value,twitter,x_notes,forum\n"
				     "C1,\"Hart, Mira\",gold,1234.5,@MiraHart,,\n"
				     "\"C2\",\"Say \"\"hi\"\"\",,,bob,,\n"
				     "C3,Carol,silver,-3e2,,\"two\nlines\",\"carol,\"\"x\"\"\"\n"
				     "C4,,,,\"\",,\n");
	cr_assert_eq(scrm_customers_count(c), 4);
	const scrm_customer *k = scrm_customers_at(c, 0);
	cr_assert_str_eq(k->id, "C1");
	cr_assert_str_eq(k->name, "Hart, Mira");
	cr_assert_str_eq(k->tier, "gold");
	cr_assert_float_eq(k->ltv, 1234.5, 1e-9);
	cr_assert_eq(k->line, 2);
	cr_assert_eq(k->index, 0);
	k = scrm_customers_at(c, 1);
	cr_assert_str_eq(k->id, "C2");
	cr_assert_str_eq(k->name, "Say \"hi\"");
	cr_assert_eq(k->name_len, 8);
	cr_assert_str_eq(k->tier, "");
	cr_assert(isnan(k->ltv), "an empty lifetime_value is NaN");
	k = scrm_customers_at(c, 2);
	cr_assert_str_eq(k->tier, "silver");
	cr_assert_float_eq(k->ltv, -300.0, 1e-9);
	cr_assert_eq(k->line, 4, "a row's line is where it starts");
	cr_assert_eq(scrm_customers_at(c, 3)->line, 6, "lines inside quotes are counted");
	/* the identity cell held one identity with a comma and quotes in it */
	cr_assert_str_eq(find_id(c, "forum", "carol,\"x\""), "C3");
	cr_assert_str_eq(find_id(c, "twitter", "MIRAHART"), "C1");
	cr_assert_str_eq(find_id(c, "twitter", "bob"), "C2");
	scrm_customers_free(c);
}

Test(customers, control_character_in_name_is_an_error)
{
	/* a newline inside quotes is legal CSV but not a name */
	parse_bad("customer_id,name\nC1,\"a\nb\"\n");
	assert_err_has("t.csv:2: name 'a\\x0ab' holds a control character");
}

Test(customers, crlf_bom_and_blank_lines)
{
	scrm_customers *c = parse_ok("\xEF\xBB\xBF"
				     "Customer_ID , Name,TWITTER\r\n"
				     "\r\n"
				     "C1,Mira,mira\r\n"
				     "   \r\n"
				     "\"C2\",\"Bob\",\"bob\"\r\n"
				     "C3,Carol,carol");
	cr_assert_eq(scrm_customers_count(c), 3);
	cr_assert_str_eq(scrm_customers_at(c, 0)->name, "Mira", "no CR left in fields");
	cr_assert_eq(scrm_customers_at(c, 0)->line, 3);
	cr_assert_eq(scrm_customers_at(c, 1)->line, 5);
	cr_assert_eq(scrm_customers_at(c, 2)->line, 6, "last line without a line end");
	cr_assert_str_eq(find_id(c, "twitter", "carol"), "C3");
	cr_assert_str_eq(find_id(c, "twitter", "bob"), "C2");
	scrm_customers_free(c);
}

/* A trailing comma on every line, as spreadsheets write: the last, nameless column is
 * none (it was "unknown column ''"); a nameless column elsewhere is still an error. */
Test(customers, trailing_comma_column)
{
	scrm_customers *c = parse_ok("customer_id,twitter,\n1,ann,\n2,bob,\n");
	cr_assert_str_eq(find_id(c, "twitter", "bob"), "2");
	scrm_customers_free(c);
	parse_bad("customer_id,,twitter\n1,x,ann\n");
	assert_err_has("t.csv:1: unknown column ''");
}

Test(customers, syntax_errors)
{
	parse_bad("customer_id,name\nC1,\"never closed\nC2,x\n");
	assert_err_has("t.csv:2: a quoted field is never closed");
	parse_bad("customer_id,name\nC1,\"Mira\"x\nC2,ok\n");
	assert_err_has("t.csv:2: text after the closing '\"'");
	/* the rest of such a line is skipped, commas and all; a lone CR after the quote is
	 * text too (parse_rc() also reads these a byte at a time: the same messages) */
	parse_bad("customer_id,name\nC1,\"Mira\"x,y,z\nC2,ok\n");
	assert_err_has("t.csv:2: text after the closing '\"'");
	cr_assert_null(strstr(errbuf, "the header has"), "%s", errbuf);
	parse_bad("customer_id,name\nC1,\"Mira\"\rx,y\nC2,ok\r\n");
	assert_err_has("t.csv:2: text after the closing '\"'");
	cr_assert_null(strstr(errbuf, "the header has"), "%s", errbuf);
	parse_bad("customer_id,name\nC1,Mi\"ra\n");
	assert_err_has("t.csv:2: a '\"' inside an unquoted field");
	/* a quote missing on line 2: the field closes at line 4's first quote, and the error
	 * names line 2 (it named line 4: found by review) */
	parse_bad("customer_id,name,twitter\n1,\"Bob Jr,bob\n2,Ann,ann\n3,\"Cy\",cy\n");
	assert_err_has("t.csv:2: a quoted field opened here runs to line 4");
	parse_bad("customer_id,name\nC1\nC2,a,b\n");
	assert_err_has("t.csv:2: 1 field, the header has 2");
	assert_err_has("t.csv:3: 3 fields, the header has 2");
}

/* -------------------------------------------------------------- normalization ---- */

Test(customers, normalize_handles)
{
	static const unsigned handle_channels[] = {SCRM_CUST_CH_TWITTER, SCRM_CUST_CH_FACEBOOK,
						   SCRM_CUST_CH_INSTAGRAM, SCRM_CUST_CH_CHAT,
						   SCRM_CUST_CH_FORUM, SCRM_CUST_CH_REVIEW,
						   SCRM_CUST_CH_REDDIT};
	for (size_t k = 0; k < sizeof(handle_channels) / sizeof(handle_channels[0]); k++) {
		unsigned ch = handle_channels[k];
		norm_is(ch, "Bob_99", "bob_99");
		norm_is(ch, " \t@Bob_99 \r\n", "bob_99");
		norm_is(ch, "@@bob", "@bob");         /* one '@' only */
		norm_is(ch, "bob smith", "bob smith"); /* inner blanks are kept */
		norm_is(ch, "J\xC3\x9Crgen", "j\xC3\x9Crgen"); /* only ASCII is lower-cased */
		norm_is(ch, "@", "");
		norm_is(ch, "   ", "");
	}
	/* "u/" belongs to Reddit only */
	norm_is(SCRM_CUST_CH_TWITTER, "u/bob", "u/bob");
	norm_is(SCRM_CUST_CH_REDDIT, "u/Bob", "bob");
	norm_is(SCRM_CUST_CH_REDDIT, "U/Bob", "bob");
	norm_is(SCRM_CUST_CH_REDDIT, "/u/Bob", "bob");
	norm_is(SCRM_CUST_CH_REDDIT, "@u/bob", "bob");
	norm_is(SCRM_CUST_CH_REDDIT, "u/u/bob", "u/bob"); /* one prefix only */
	norm_is(SCRM_CUST_CH_REDDIT, "user/bob", "user/bob");
}

Test(customers, normalize_email_and_phone)
{
	norm_is(SCRM_CUST_CH_EMAIL, "  Mira.Hart+CRM@Mail.Example ", "mira.hart+crm@mail.example");
	norm_is(SCRM_CUST_CH_EMAIL, "@x@y", "@x@y"); /* no '@' stripping for addresses */
	norm_is(SCRM_CUST_CH_PHONE, "+1 (555) 010-0001", "+15550100001");
	norm_is(SCRM_CUST_CH_PHONE, " +44 20 7946 0958 ", "+442079460958");
	norm_is(SCRM_CUST_CH_PHONE, "0044 20 7946 0958", "00442079460958"); /* no inference */
	norm_is(SCRM_CUST_CH_PHONE, "555.010.0001 ext 7", "55501000017");
	norm_is(SCRM_CUST_CH_PHONE, "555+1", "5551");  /* '+' counts only in front */
	norm_is(SCRM_CUST_CH_PHONE, "+", "");          /* no digits: nothing */
	norm_is(SCRM_CUST_CH_PHONE, "n/a", "");
}

Test(customers, normalize_limits)
{
	char out[8];
	cr_assert_eq(scrm_customers_normalize(SCRM_CUST_CH__COUNT, "a", 1, out, sizeof(out)), -EINVAL);
	cr_assert_eq(scrm_customers_normalize(SCRM_CUST_CH_TWITTER, "@123456789", 10, out, sizeof(out)), -ENOBUFS);
	cr_assert_eq(scrm_customers_normalize(SCRM_CUST_CH_TWITTER, "@12345678", 9, out, sizeof(out)), 8);
	cr_assert_eq(scrm_customers_normalize(SCRM_CUST_CH_PHONE, "+12345678", 9, out, sizeof(out)), -ENOBUFS);
	cr_assert_eq(scrm_customers_normalize(SCRM_CUST_CH_TWITTER, NULL, 5, out, sizeof(out)), 0);
	cr_assert_eq(scrm_customers_channel("Twitter", 7), SCRM_CUST_CH_TWITTER);
	cr_assert_eq(scrm_customers_channel("review", 6), SCRM_CUST_CH_REVIEW);
	cr_assert_eq(scrm_customers_channel("sms", 3), -ENOENT);
	cr_assert_eq(scrm_customers_channel("twitte", 6), -ENOENT);
	cr_assert_eq(scrm_customers_channel(NULL, 0), -ENOENT);
	for (unsigned ch = 0; ch < SCRM_CUST_CH__COUNT; ch++) {
		const char *n = scrm_customers_channel_name(ch);
		cr_assert_eq(scrm_customers_channel(n, strlen(n)), (int)ch);
	}
	cr_assert_null(scrm_customers_channel_name(SCRM_CUST_CH__COUNT));
}

/* ------------------------------------------------------------------- lookups ---- */

static const char every_channel[] =
	"customer_id,twitter,facebook,instagram,reddit,email,phone,chat,forum,review\n"
	"C1,@Mira,mira.fb,mira.ig,u/Mira_R,Mira@Mail.Example,+1 555 010 0001,mira-chat,MiraForum,mira_rev\n"
	"C2,bob,bob.fb,bob.ig,bob_r,bob@mail.example,+15550100002,bob-chat,bobforum,bob_rev\n";

Test(customers, lookup_hit_and_miss_on_every_channel)
{
	scrm_customers *c = parse_ok(every_channel);
	static const struct {
		const char *ch, *hit, *miss;
	} cases[] = {
		{"twitter", "MIRA", "mira2"},
		{"facebook", "Mira.FB", "mira.ig"},
		{"instagram", "@mira.ig", "mira.fb"},
		{"reddit", "mira_r", "u/mira"},
		{"email", "mira@mail.example", "mira@mail.example.org"},
		{"phone", "+15550100001", "15550100001"},
		{"chat", "Mira-Chat", "mira chat"},
		{"forum", "miraforum", "mira"},
		{"review", " mira_rev ", "mira-rev"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *id = find_id(c, cases[i].ch, cases[i].hit);
		cr_assert(id && strcmp(id, "C1") == 0, "%s '%s' should be C1", cases[i].ch, cases[i].hit);
		cr_assert_null(find(c, cases[i].ch, cases[i].miss), "%s '%s' should miss", cases[i].ch, cases[i].miss);
	}
	/* channel names are matched without case; other channels never match */
	cr_assert_str_eq(find_id(c, "Twitter", "bob"), "C2");
	cr_assert_null(find(c, "sms", "bob"));
	cr_assert_null(find(c, "", "bob"));
	cr_assert_null(find(c, "facebook", "bob"), "an identity is per channel");
	cr_assert_null(find(c, "twitter", ""));
	cr_assert_null(find(c, "twitter", "@"));
	cr_assert_null(scrm_customers_find(NULL, "twitter", 7, "bob", 3), "no table: nobody is known");
	/* a handle longer than the limit never matches, and does not overflow */
	char big[SCRM_CUSTOMERS_HANDLE_MAX * 2];
	memset(big, 'b', sizeof(big));
	cr_assert_null(scrm_customers_find(c, "twitter", 7, big, sizeof(big)));
	cr_assert_null(scrm_customers_find_ch(c, SCRM_CUST_CH__COUNT, "bob", 3));
	cr_assert_str_eq(scrm_customers_find_ch(c, SCRM_CUST_CH_TWITTER, "@BOB", 4)->id, "C2");

	struct scrm_customers_stats st;
	scrm_customers_stats(c, &st);
	cr_assert_eq(st.customers, 2);
	cr_assert_eq(st.identities, 18);
	for (unsigned ch = 0; ch < SCRM_CUST_CH__COUNT; ch++)
		cr_assert_eq(st.per_channel[ch], 2);
	cr_assert_eq(st.unlinked, 0);
	scrm_customers_stats(NULL, &st);
	cr_assert_eq(st.customers + st.identities, 0);
	scrm_customers_free(c);
	scrm_customers_free(NULL);
}

Test(customers, keys)
{
	scrm_customers *c = parse_ok("customer_id\n 10442 \nC-\xC3\xA9t\xC3\xA9\n");
	const scrm_customer *k = scrm_customers_at(c, 0);
	cr_assert_str_eq(k->id, "10442", "customer_id is trimmed");
	cr_assert_str_eq(k->key, "c:10442");
	cr_assert_eq(k->id_len, 5);
	cr_assert_eq(k->key_len, 7);
	cr_assert_eq(k->key_hash, XXH3_64bits("c:10442", 7));
	k = scrm_customers_at(c, 1);
	cr_assert_str_eq(k->key, "c:C-\xC3\xA9t\xC3\xA9");
	cr_assert_eq(k->key_hash, XXH3_64bits(k->key, k->key_len));
	struct scrm_customers_stats st;
	scrm_customers_stats(c, &st);
	cr_assert_eq(st.unlinked, 2);
	scrm_customers_free(c);
}

Test(customers, multi_identity_cells)
{
	scrm_customers *c = parse_ok("customer_id,email,twitter\n"
				     "C1,\"a@x.example; B@x.example ;; c@x.example;\",\"one;@Two\"\n"
				     "C2,d@x.example,three\n");
	cr_assert_str_eq(find_id(c, "email", "a@x.example"), "C1");
	cr_assert_str_eq(find_id(c, "email", "b@x.example"), "C1");
	cr_assert_str_eq(find_id(c, "email", "c@x.example"), "C1");
	cr_assert_str_eq(find_id(c, "email", "d@x.example"), "C2");
	cr_assert_str_eq(find_id(c, "twitter", "two"), "C1");
	cr_assert_str_eq(find_id(c, "twitter", "one"), "C1");
	cr_assert_null(find(c, "email", ""));
	struct scrm_customers_stats st;
	scrm_customers_stats(c, &st);
	cr_assert_eq(st.identities, 7);
	cr_assert_eq(st.per_channel[SCRM_CUST_CH_EMAIL], 4);
	cr_assert_eq(st.per_channel[SCRM_CUST_CH_TWITTER], 3);
	scrm_customers_free(c);
}

/* -------------------------------------------------------------------- errors ---- */

Test(customers, duplicate_customer_id_names_both_lines)
{
	parse_bad("customer_id,name\nC1,a\nC2,b\nC1,c\n");
	assert_err_has("t.csv:4: duplicate customer_id 'C1' (first on line 2)");
}

Test(customers, duplicate_identity_names_both_lines)
{
	parse_bad("customer_id,twitter,email\n"
		  "C1,@Bob,bob@x.example\n"
		  "C2,carol,\n"
		  "C3,BOB,\"z@x.example;Bob@X.example\"\n");
	assert_err_has("t.csv:4: twitter identity 'bob' is linked to two customers: 'C1' on line 2 and 'C3' on line 4");
	assert_err_has("t.csv:4: email identity 'bob@x.example' is linked to two customers: 'C1' on line 2 and 'C3' on line 4");
	/* the same customer listing one identity twice is one link, no error */
	scrm_customers *c = parse_ok("customer_id,twitter\nC1,\"bob;@BOB\"\n");
	struct scrm_customers_stats st;
	scrm_customers_stats(c, &st);
	cr_assert_eq(st.identities, 1);
	scrm_customers_free(c);
	/* the same handle on two channels is two identities */
	c = parse_ok("customer_id,twitter,facebook\nC1,bob,\nC2,,bob\n");
	cr_assert_str_eq(find_id(c, "twitter", "bob"), "C1");
	cr_assert_str_eq(find_id(c, "facebook", "bob"), "C2");
	scrm_customers_free(c);
}

Test(customers, columns)
{
	parse_bad("customer_id,name,sms\nC1,a,b\n");
	assert_err_has("t.csv:1: unknown column 'sms'");
	parse_bad("name,twitter\nMira,mira\n");
	assert_err_has("t.csv:1: no customer_id column in the header");
	parse_bad("customer_id,Twitter,twitter\nC1,a,b\n");
	assert_err_has("t.csv:1: column 'twitter' appears twice (columns 2 and 3)");
	parse_bad("customer_id,,name\nC1,a,b\n");
	assert_err_has("t.csv:1: unknown column ''");
	parse_bad("customer_id,twitter,email\nC1,\"@bob, @carol\",a@x.example\nC2,dave eve,\"x y@z.example\"\n");
	assert_err_has("t.csv:2: twitter identity '@bob, @carol' holds a space or a comma (separate identities with ';')");
	assert_err_has("t.csv:3: twitter identity 'dave eve' holds a space or a comma");
	assert_err_has("t.csv:3: email identity 'x y@z.example' holds a space or a comma");
	scrm_customers_free(parse_ok("customer_id,twitter,forum\nC1,bob;@carol,Dave Eve\n")); /* forum names may */
	parse_bad("customer_id,tw\xe9tter\nC1,a\n"); /* Latin-1: escaped, a UTF-8 character kept */
	assert_err_has("t.csv:1: unknown column 'tw\\xe9tter'");
	parse_bad("customer_id,tw\xc3\xa9tter\nC1,a\n");
	assert_err_has("t.csv:1: unknown column 'tw\xc3\xa9tter'");
	/* x_ columns are data the loader ignores, whatever they hold */
	scrm_customers *c = parse_ok("X_segment,customer_id,x_notes,x_notes\n"
				     "\"a,b\",C1,\"free \"\"text\"\"\",\xff\xfe\n");
	cr_assert_eq(scrm_customers_count(c), 1);
	cr_assert_str_eq(scrm_customers_at(c, 0)->id, "C1");
	scrm_customers_free(c);
}

Test(customers, empty_file_and_header_only)
{
	parse_bad("");
	assert_err_has("t.csv:1: empty file");
	parse_bad("\xEF\xBB\xBF");
	assert_err_has("empty file");
	parse_bad("\n\r\n  \n");
	assert_err_has("t.csv:4: empty file");
	scrm_customers *c = parse_ok("customer_id,twitter\r\n");
	cr_assert_eq(scrm_customers_count(c), 0);
	cr_assert_null(find(c, "twitter", "bob"));
	struct scrm_customers_stats st;
	scrm_customers_stats(c, &st);
	cr_assert_eq(st.customers, 0);
	scrm_customers_free(c);
	/* NULL buffer of length 0 is an empty file too */
	scrm_customers *d;
	cr_assert_eq(scrm_customers_parse(&d, "n", NULL, 0, NULL, 0), -EINVAL);
	cr_assert_null(d);
}

Test(customers, field_errors_are_all_collected_in_line_order)
{
	parse_bad("customer_id,name,tier,lifetime_value,twitter,phone\n"
		  "C1,Mira,gold,12.5.1,mira,\n"         /* 2 */
		  ",NoId,,,,\n"                          /* 3 */
		  "C3,ok,,nan,@,\n"                      /* 4 */
		  "C4,ok,,1e999,x,+\n"                   /* 5 */
		  "C5,\"bad\xff\",,0x10,y,phone-less\n"  /* 6 */
		  "C6,ok,\"a\tb\",,\"ta\tb\",\n");       /* 7 */
	static const char *const want[] = {
		"t.csv:2: lifetime_value '12.5.1' is not a number\n",
		"t.csv:3: empty customer_id\n",
		"t.csv:4: lifetime_value 'nan' is not a number\n",
		"t.csv:4: twitter identity '@' is empty once normalized\n",
		"t.csv:5: lifetime_value '1e999' is not a number\n",
		"t.csv:5: phone identity '+' is empty once normalized\n",
		"t.csv:6: name 'bad\\xff' is not valid UTF-8\n", /* the message itself stays UTF-8 */
		"t.csv:6: lifetime_value '0x10' is not a number\n",
		"t.csv:6: phone identity 'phone-less' is empty once normalized\n",
		"t.csv:7: tier 'a\\x09b' holds a control character\n",
		"t.csv:7: twitter identity 'ta\\x09b' holds a control character\n",
	};
	const char *p = errbuf;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *q = strstr(p, want[i]);
		cr_assert(q, "missing or out of order: %s\nin:\n%s", want[i], errbuf);
		p = q + strlen(want[i]);
	}
	cr_assert_str_empty(p, "no other errors");
}

Test(customers, long_values)
{
	char csv[4096];
	char id[SCRM_CUSTOMERS_ID_MAX + 2];
	memset(id, 'i', sizeof(id) - 1);
	id[sizeof(id) - 1] = 0;
	char h[SCRM_CUSTOMERS_HANDLE_MAX + 2];
	memset(h, 'h', sizeof(h) - 1);
	h[sizeof(h) - 1] = 0;
	snprintf(csv, sizeof(csv), "customer_id,twitter\n%s,a\nC2,%s\n", id, h);
	parse_bad(csv);
	assert_err_has("t.csv:2: customer_id 'iiii");
	assert_err_has("...' is longer than 256 bytes");
	assert_err_has("t.csv:3: twitter identity 'hhh");
	/* exactly at the limits is fine, and found */
	id[SCRM_CUSTOMERS_ID_MAX] = 0;
	h[SCRM_CUSTOMERS_HANDLE_MAX] = 0;
	snprintf(csv, sizeof(csv), "customer_id,twitter\n%s,@%s\n", id, h);
	scrm_customers *c = parse_ok(csv);
	cr_assert_eq(find(c, "twitter", h), scrm_customers_at(c, 0));
	scrm_customers_free(c);
}

Test(customers, error_buffer_truncation)
{
	/* 400 bad rows: the messages that fit, whole, then how many more */
	size_t cap = 64 + 400 * 16;
	char *csv = malloc(cap), *p = csv;
	p += sprintf(p, "customer_id,lifetime_value\n");
	for (int i = 0; i < 400; i++)
		p += sprintf(p, "C%d,zz\n", i);
	char small[512];
	scrm_customers *c;
	cr_assert_eq(scrm_customers_parse(&c, "t.csv", csv, (size_t)(p - csv), small, sizeof(small)), -EINVAL);
	cr_assert(strstr(small, "t.csv:2: lifetime_value 'zz' is not a number\n") == small);
	const char *tail = strstr(small, "more errors not shown\n");
	cr_assert(tail, "%s", small);
	cr_assert_eq(tail[strlen(tail) - 1], '\n');
	cr_assert_lt(strlen(small), sizeof(small));
	/* no buffer at all: still -EINVAL */
	cr_assert_eq(scrm_customers_parse(&c, "t.csv", csv, (size_t)(p - csv), NULL, 0), -EINVAL);
	free(csv);
}

Test(customers, load_from_file)
{
	char path[] = "/tmp/scrm-customers-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, every_channel, strlen(every_channel)), (ssize_t)strlen(every_channel));
	close(fd);
	scrm_customers *c;
	cr_assert_eq(scrm_customers_load(&c, path, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_assert_str_eq(find_id(c, "phone", "+1-555-010-0002"), "C2");
	scrm_customers_free(c);
	/* messages carry the path */
	FILE *f = fopen(path, "w");
	fputs("customer_id,bogus\n", f);
	fclose(f);
	cr_assert_eq(scrm_customers_load(&c, path, errbuf, sizeof(errbuf)), -EINVAL);
	char want[128];
	snprintf(want, sizeof(want), "%s:1: unknown column 'bogus'", path);
	assert_err_has(want);
	/* a UTF-16 export (a spreadsheet's "Unicode text"): one error naming iconv (its bytes
	 * were read as column names: found by review) */
	f = fopen(path, "w");
	fwrite("\xFF\xFE" "c\0u\0s\0t\0,\0t\0\n\0", 1, 16, f);
	fclose(f);
	cr_assert_eq(scrm_customers_load(&c, path, errbuf, sizeof(errbuf)), -EINVAL);
	assert_err_has("the export is UTF-16LE, not UTF-8 (convert it: iconv -f UTF-16LE -t UTF-8)");
	unlink(path);
	cr_assert_eq(scrm_customers_load(&c, path, errbuf, sizeof(errbuf)), -ENOENT);
	cr_assert_null(c);
	assert_err_has("No such file or directory");
}

/* ------------------------------------------------------------ prospect hash ---- */

Test(customers, prospect_hash_equals_relate)
{
	static const struct {
		const char *ch, *handle;
	} cases[] = {{"twitter", "MiraHart"}, {"twitter", "@MiraHart"}, {"reddit", "u/Bob"},
		     {"email", "Bob@X.example"}, {"phone", "+1 555"}, {"", "x"}, {"chat", "@"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scrm_buf arena = {0};
		scrm_record r;
		memset(&r, 0, sizeof(r));
		r.id = scrm_buf_add_str(&arena, "p1", 2);
		r.author_id = scrm_buf_add_str(&arena, "42", 2);
		r.channel = scrm_buf_add_str(&arena, cases[i].ch, strlen(cases[i].ch));
		r.author_handle = scrm_buf_add_str(&arena, cases[i].handle, strlen(cases[i].handle));
		r.retweet_of = r.quote_of = r.in_reply_to = SCRM_STR_NONE;
		cr_assert_eq(scrm_customers_prospect_hash(cases[i].ch, strlen(cases[i].ch), cases[i].handle,
							  strlen(cases[i].handle)),
			     scrm_customer_hash(&r, &arena), "case %zu", i);
		/* an absent channel hashes as an empty one */
		r.channel = SCRM_STR_NONE;
		cr_assert_eq(scrm_customers_prospect_hash(NULL, 0, cases[i].handle, strlen(cases[i].handle)),
			     scrm_customer_hash(&r, &arena));
		scrm_buf_free(&arena);
	}
}

/* ---------------------------------------------------------- differential ---- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

struct ref {
	unsigned ch;
	char norm[24];
	size_t len;
	size_t cust;
};

/* The reference: a linear scan over every link. */
static long ref_find(const struct ref *refs, size_t n, unsigned ch, const char *h, size_t hl)
{
	char norm[SCRM_CUSTOMERS_HANDLE_MAX];
	ssize_t nl = scrm_customers_normalize(ch, h, hl, norm, sizeof(norm));
	if (nl <= 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (refs[i].ch == ch && refs[i].len == (size_t)nl && memcmp(refs[i].norm, norm, (size_t)nl) == 0)
			return (long)refs[i].cust;
	return -1;
}

/* A raw form of a handle: mixed case, maybe '@', blanks. */
static size_t raw_form(uint64_t *s, unsigned ch, const char *norm, size_t n, char *out)
{
	size_t o = 0;
	if (rnd(s) % 4 == 0)
		out[o++] = ' ';
	if (ch != SCRM_CUST_CH_EMAIL && ch != SCRM_CUST_CH_PHONE && rnd(s) % 2)
		out[o++] = '@';
	for (size_t i = 0; i < n; i++) {
		char c = norm[i];
		if (c >= 'a' && c <= 'z' && rnd(s) % 2)
			c = (char)(c - 32);
		out[o++] = c;
	}
	if (rnd(s) % 4 == 0)
		out[o++] = '\t';
	return o;
}

Test(customers, differential_against_linear_scan)
{
	enum { NCUST = 1500, NQ = 6000 };
	static const char alpha[] = "abcdefgh0123_";
	uint64_t seed = 20260105;
	struct ref *refs = calloc(NCUST * 3, sizeof(*refs));
	size_t nref = 0;
	size_t cap = (size_t)NCUST * 200;
	char *csv = malloc(cap), *p = csv;
	p += sprintf(p, "customer_id,twitter,facebook,instagram,reddit,email,phone,chat,forum,review\n");
	for (size_t c = 0; c < NCUST; c++) {
		char cells[SCRM_CUST_CH__COUNT][128] = {{0}};
		int k = 1 + (int)(rnd(&seed) % 3);
		for (int j = 0; j < k; j++) {
			unsigned ch = (unsigned)(rnd(&seed) % SCRM_CUST_CH__COUNT);
			struct ref r = {.ch = ch, .cust = c};
			/* short names over a small alphabet: many near-collisions */
			size_t len = 1 + rnd(&seed) % 5;
			if (ch == SCRM_CUST_CH_PHONE) {
				r.norm[0] = '+';
				for (size_t i = 1; i <= len + 3; i++)
					r.norm[i] = (char)('0' + rnd(&seed) % 10);
				len += 4;
			} else {
				for (size_t i = 0; i < len; i++)
					r.norm[i] = alpha[rnd(&seed) % (sizeof(alpha) - 1)];
				if (ch == SCRM_CUST_CH_EMAIL) {
					memcpy(r.norm + len, "@e.x", 4);
					len += 4;
				}
			}
			r.len = len;
			if (ref_find(refs, nref, ch, r.norm, r.len) >= 0)
				continue; /* taken: keep the file valid */
			refs[nref++] = r;
			char raw[64];
			size_t rl = raw_form(&seed, ch, r.norm, r.len, raw);
			size_t cl = strlen(cells[ch]);
			snprintf(cells[ch] + cl, sizeof(cells[ch]) - cl, "%s%.*s", cl ? ";" : "", (int)rl, raw);
		}
		p += sprintf(p, "K%zu", c);
		for (unsigned ch = 0; ch < SCRM_CUST_CH__COUNT; ch++)
			p += sprintf(p, ",\"%s\"", cells[ch]);
		p += sprintf(p, "\n");
		cr_assert_lt((size_t)(p - csv), cap);
	}
	scrm_customers *t;
	cr_assert_eq(scrm_customers_parse(&t, "diff.csv", csv, (size_t)(p - csv), errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	struct scrm_customers_stats st;
	scrm_customers_stats(t, &st);
	cr_assert_eq(st.identities, nref);
	size_t hits = 0;
	for (size_t q = 0; q < NQ; q++) {
		unsigned ch;
		char h[64];
		size_t hl;
		if (q % 2) { /* a known identity in some raw form, maybe on another channel */
			const struct ref *r = &refs[rnd(&seed) % nref];
			ch = rnd(&seed) % 8 ? r->ch : (unsigned)(rnd(&seed) % SCRM_CUST_CH__COUNT);
			hl = raw_form(&seed, ch, r->norm, r->len, h);
		} else { /* a random one */
			ch = (unsigned)(rnd(&seed) % SCRM_CUST_CH__COUNT);
			hl = 1 + rnd(&seed) % 6;
			for (size_t i = 0; i < hl; i++)
				h[i] = alpha[rnd(&seed) % (sizeof(alpha) - 1)];
		}
		long want = ref_find(refs, nref, ch, h, hl);
		const scrm_customer *got = scrm_customers_find_ch(t, ch, h, hl);
		if (want < 0) {
			cr_assert_null(got, "query %zu: '%.*s' on %u found %s", q, (int)hl, h, ch, got ? got->id : "");
		} else {
			cr_assert_not_null(got, "query %zu: '%.*s' on %u not found", q, (int)hl, h, ch);
			cr_assert_eq(got->index, (uint32_t)want);
			char id[24];
			snprintf(id, sizeof(id), "K%ld", want);
			cr_assert_str_eq(got->id, id);
			hits++;
		}
	}
	/* both sides of the check were exercised */
	cr_assert_gt(hits, NQ / 4);
	cr_assert_lt(hits, NQ);
	scrm_customers_free(t);
	free(csv);
	free(refs);
}

/* ------------------------------------------------------------- concurrency ---- */

struct reader_arg {
	const scrm_customers *c;
	size_t found;
};

static void *reader(void *p)
{
	struct reader_arg *a = p;
	for (int i = 0; i < 20000; i++) {
		a->found += scrm_customers_find(a->c, "twitter", 7, "@MIRA", 5) != NULL;
		a->found += scrm_customers_find(a->c, "phone", 5, "+1 555 010 0002", 15) != NULL;
		a->found += scrm_customers_find(a->c, "email", 5, "nobody@x", 8) != NULL;
	}
	return NULL;
}

Test(customers, concurrent_lookups_share_one_table)
{
	scrm_customers *c = parse_ok(every_channel);
	pthread_t th[4];
	struct reader_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (struct reader_arg){c, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, reader, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(args[i].found, 40000);
	}
	scrm_customers_free(c);
}

/* ----------------------------------------------- scrm gen --customers ---- */

/* Run a writer into memory (NUL-terminated). */
static char *to_mem(int (*w)(int, const scrm_gen_opts *), const scrm_gen_opts *o, size_t *len)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	cr_assert_eq(w(fileno(f), o), 0);
	struct stat st;
	cr_assert_eq(fstat(fileno(f), &st), 0);
	char *buf = malloc((size_t)st.st_size + SCRM_PADDING + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(pread(fileno(f), buf, (size_t)st.st_size, 0), st.st_size);
	memset(buf + st.st_size, 0, SCRM_PADDING + 1);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

struct resolve {
	size_t records, resolved, brand_records, brand_resolved;
	size_t authors, authors_known; /* distinct customer authors of the stream */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Generate a stream and its export, load the export, resolve every record's author. */
static struct resolve resolve_stream(enum scrm_format fmt, uint64_t count, uint64_t seed)
{
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.format = fmt;
	o.count = count;
	o.seed = seed;
	size_t slen, clen;
	char *stream = to_mem(scrm_gen_write, &o, &slen);
	char *csv = to_mem(scrm_gen_customers_write, &o, &clen);
	scrm_customers *c;
	cr_assert_eq(scrm_customers_parse(&c, "gen.csv", csv, clen, errbuf, sizeof(errbuf)), 0, "%s", errbuf);

	/* The brands' handles: their records must never resolve. */
	char brand[SCRM_GEN_BRANDS][16];
	for (unsigned b = 0; b < SCRM_GEN_BRANDS; b++) {
		scrm_gen_author_info a;
		cr_assert_eq(scrm_gen_brand(b, &a), 0);
		memcpy(brand[b], a.handle, sizeof(brand[b]));
	}
	struct resolve res = {0};
	scrm_normalizer *n = scrm_normalizer_create(fmt);
	cr_assert_not_null(n);
	scrm_recvec rv = {0};
	scrm_buf arena = {0};
	uint64_t *authors = malloc(count * 4 * sizeof(*authors));
	size_t nauth = 0;
	for (char *line = stream; line < stream + slen;) {
		char *nl = memchr(line, '\n', (size_t)(stream + slen - line));
		cr_assert_not_null(nl);
		rv.len = 0;
		arena.len = 0;
		scrm_norm_result nr;
		/* the stream's buffer has SCRM_PADDING readable bytes at its end */
		cr_assert_eq(scrm_normalize_line(n, line, (size_t)(nl - line), &rv, &arena, &nr), 0);
		cr_assert_eq(nr.reject, SCRM_REJ_NONE);
		for (size_t i = 0; i < rv.len; i++) {
			const scrm_record *r = &rv.v[i];
			cr_assert(scrm_str_present(r->author_handle) && scrm_str_present(r->channel));
			const char *ch = scrm_str_ptr(&arena, r->channel), *h = scrm_str_ptr(&arena, r->author_handle);
			const scrm_customer *k = scrm_customers_find(c, ch, r->channel.len, h, r->author_handle.len);
			bool is_brand = r->direction == SCRM_DIR_OUT;
			for (unsigned b = 0; b < SCRM_GEN_BRANDS; b++)
				is_brand |= strlen(brand[b]) == r->author_handle.len &&
					    memcmp(brand[b], h, r->author_handle.len) == 0;
			if (is_brand) {
				res.brand_records++;
				res.brand_resolved += k != NULL;
				continue;
			}
			res.records++;
			res.resolved += k != NULL;
			/* distinct authors, by the id the records carry (the same on every channel) */
			cr_assert(scrm_str_present(r->author_id));
			cr_assert_lt(nauth, count * 4);
			uint64_t aid = XXH3_64bits(scrm_str_ptr(&arena, r->author_id), r->author_id.len);
			authors[nauth++] = (aid << 1) | (k != NULL);
		}
		line = nl + 1;
	}
	/* An author counts as known when any of their records resolved. */
	qsort(authors, nauth, sizeof(*authors), cmp_u64);
	for (size_t i = 0; i < nauth;) {
		size_t j = i;
		bool known = false;
		while (j < nauth && authors[j] >> 1 == authors[i] >> 1)
			known |= authors[j++] & 1;
		res.authors++;
		res.authors_known += known;
		i = j;
	}
	free(authors);
	scrm_recvec_free(&rv);
	scrm_buf_free(&arena);
	scrm_normalizer_free(n);
	scrm_customers_free(c);
	free(csv);
	free(stream);
	return res;
}

static void report(const char *what, const struct resolve *r)
{
	/* the figures behind the ranges asserted below (shown with --verbose) */
	cr_log_info("%s: %zu customer records, %.1f %% resolve; %zu authors, %.1f %% known; "
		    "%zu brand records, %zu resolve",
		what, r->records, 100.0 * r->resolved / r->records, r->authors,
		100.0 * r->authors_known / r->authors, r->brand_records, r->brand_resolved);
}

Test(customers, gen_export_resolves_most_twitter_authors)
{
	struct resolve r = resolve_stream(SCRM_FORMAT_TWITTER_V1, 4000, 7);
	report("twitter-v1 4000 seed 7", &r);
	cr_assert_gt(r.brand_records, 100);
	cr_assert_eq(r.brand_resolved, 0, "brand accounts are never customers");
	double share = (double)r.resolved / r.records, ashare = (double)r.authors_known / r.authors;
	cr_assert(share > 0.82 && share < 0.95, "records resolving: %.3f", share);
	cr_assert(ashare > 0.74 && ashare < 0.88, "authors known: %.3f", ashare);
}

Test(customers, gen_export_resolves_reddit_and_v2_authors)
{
	struct resolve r = resolve_stream(SCRM_FORMAT_REDDIT, 3000, 11);
	report("reddit 3000 seed 11", &r);
	cr_assert_eq(r.brand_resolved, 0);
	double share = (double)r.resolved / r.records;
	cr_assert(share > 0.78 && share < 0.95, "records resolving: %.3f", share);
	r = resolve_stream(SCRM_FORMAT_TWITTER_V2, 3000, 11);
	report("twitter-v2 3000 seed 11", &r);
	cr_assert_eq(r.brand_resolved, 0);
	share = (double)r.resolved / r.records;
	cr_assert(share > 0.78 && share < 0.95, "records resolving: %.3f", share);
}

Test(customers, gen_export_resolves_scrm_channels)
{
	/* email and phone records carry addresses and numbers: they resolve too */
	struct resolve r = resolve_stream(SCRM_FORMAT_SCRM, 4000, 3);
	report("scrm 4000 seed 3", &r);
	cr_assert_eq(r.brand_resolved, 0);
	double share = (double)r.resolved / r.records;
	cr_assert(share > 0.72 && share < 0.92, "records resolving: %.3f", share);
	cr_assert_lt(r.resolved, r.records, "some authors stay unknown");
}

Test(customers, gen_export_is_deterministic_and_leaves_the_stream_alone)
{
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.format = SCRM_FORMAT_SCRM;
	o.count = 1500;
	o.seed = 99;
	size_t a_len, b_len, s1_len, s2_len, c_len;
	char *s1 = to_mem(scrm_gen_write, &o, &s1_len);
	char *a = to_mem(scrm_gen_customers_write, &o, &a_len);
	char *s2 = to_mem(scrm_gen_write, &o, &s2_len);
	char *b = to_mem(scrm_gen_customers_write, &o, &b_len);
	cr_assert(a_len == b_len && memcmp(a, b, a_len) == 0, "same seed, same export");
	cr_assert(s1_len == s2_len && memcmp(s1, s2, s1_len) == 0);
	o.seed = 100;
	char *c = to_mem(scrm_gen_customers_write, &o, &c_len);
	cr_assert(c_len != a_len || memcmp(a, c, a_len) != 0, "another seed, another export");
	/* the same customers (ids) in every format */
	o.seed = 99;
	o.format = SCRM_FORMAT_TWITTER_V1;
	size_t v_len;
	char *v = to_mem(scrm_gen_customers_write, &o, &v_len);
	size_t rows_a = 0, rows_v = 0;
	for (size_t i = 0; i < a_len; i++)
		rows_a += a[i] == '\n';
	for (size_t i = 0; i < v_len; i++)
		rows_v += v[i] == '\n';
	cr_assert_eq(rows_a, rows_v);
	cr_assert_gt(rows_a, 500);
	cr_assert_eq(strncmp(strchr(a, '\n') + 1, strchr(v, '\n') + 1, 10), 0);
	/* bad options */
	o.rate = 0;
	cr_assert_eq(scrm_gen_customers_write(1, &o), -EINVAL);
	cr_assert_eq(scrm_gen_customers_write(1, NULL), -EINVAL);
	free(s1);
	free(s2);
	free(a);
	free(b);
	free(c);
	free(v);
}

Test(customers, gen_export_large_table_links_every_author_to_themself)
{
	/* ~37k customers, ~240k links: the table outgrows its first size and takes the
	 * large-allocation path; every link must lead back to the right person. */
	scrm_gen_opts o;
	scrm_gen_opts_default(&o);
	o.format = SCRM_FORMAT_SCRM;
	o.count = 400000;
	o.authors = 50000;
	o.seed = 5;
	size_t clen;
	char *csv = to_mem(scrm_gen_customers_write, &o, &clen);
	scrm_customers *c;
	cr_assert_eq(scrm_customers_parse(&c, "big.csv", csv, clen, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	struct scrm_customers_stats st;
	scrm_customers_stats(c, &st);
	cr_assert_gt(st.customers, 30000);
	cr_assert_gt(st.identities, 5 * st.customers);
	size_t by_mail = 0, by_phone = 0, strangers = 0;
	for (uint32_t i = 0; i < 50000; i++) {
		scrm_gen_author_info a;
		cr_assert_eq(scrm_gen_author(o.seed, i, &a), 0);
		const scrm_customer *m = find(c, "email", a.email), *p = find(c, "phone", a.phone);
		const scrm_customer *t = find(c, "twitter", a.handle);
		const scrm_customer *k = m ? m : p ? p : t;
		if (!k) {
			strangers++;
			continue;
		}
		cr_assert_str_eq(k->name, a.name, "author %u", i);
		cr_assert(!m || m == k, "author %u: one person, one customer", i);
		cr_assert(!p || p == k, "author %u", i);
		cr_assert(!t || t == k, "author %u", i);
		by_mail += m != NULL;
		by_phone += p != NULL;
	}
	/* the rows are the known authors (a handful are known by chat or forum alone) */
	cr_assert_leq(50000 - strangers, st.customers);
	cr_assert_geq(50000 - strangers, st.customers - 30);
	cr_assert_gt(st.per_channel[SCRM_CUST_CH_EMAIL], by_mail, "old addresses are links too");
	cr_assert_gt(by_mail, st.customers * 9 / 10);
	cr_assert_gt(by_phone, st.customers * 8 / 10);
	scrm_customers_free(c);
	free(csv);
}
