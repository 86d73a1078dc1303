/*
 * fuzz_customers.c - libFuzzer target for the CRM export loader (engine/customers.c).
 *
 * The input is parsed as an export held in memory. Invariants (a violation traps):
 *   - the loader returns 0 or -EINVAL (never crashes, never -ENOMEM on small inputs);
 *   - on -EINVAL there is no table and every message line reads "f.csv:LINE: ..." (or
 *     the "N more errors" line);
 *   - on success every customer has a non-empty id, key == "c:" + id and the key's
 *     hash, and the counts add up; every lookup (slices of the input, on every
 *     channel) returns NULL or one of the table's customers, whose index leads back
 *     to it;
 *   - read from a file descriptor (1 to 8 bytes a read, or all the window holds, by the
 *     first byte), the same input gives the same return, the same messages and the same
 *     customers (scrm_customers_read_fd() against scrm_customers_parse()).
 *   make fuzz && build-fuzz/fuzz/fuzz_customers -max_total_time=60 CORPUS_DIR
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "customers.h"
#include "fuzz.h"

static void check_messages(const char *err)
{
	CHECK(*err);
	for (const char *p = err; *p;) {
		const char *nl = strchr(p, '\n');
		CHECK(nl);
		CHECK(strncmp(p, "f.csv:", 6) == 0);
		if (p[6] >= '0' && p[6] <= '9') {
			const char *q = p + 6;
			while (*q >= '0' && *q <= '9')
				q++;
			CHECK(*q == ':' && q[1] == ' ');
		} else {
			CHECK(strstr(p, "more error") && strstr(p, "more error") < nl);
		}
		p = nl + 1;
	}
}

/* The same input through scrm_customers_read_fd(): the same outcome as parse's. */
static void check_window(const uint8_t *data, size_t size, int rc, const char *err, const scrm_customers *c)
{
	static char werr[4096];
	static int fd = -1;
	if (fd < 0)
		fd = memfd_create("fuzz_customers", 0);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	CHECK(write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0);
	scrm_customers *d = (scrm_customers *)1;
	int wrc = scrm_customers_read_fd(&d, "f.csv", fd, size ? data[0] % 9 : 0, werr, sizeof werr);
	CHECK(wrc == rc && strcmp(werr, err) == 0);
	if (rc) {
		CHECK(d == NULL);
		return;
	}
	CHECK(d && scrm_customers_count(d) == scrm_customers_count(c));
	for (size_t i = 0; i < scrm_customers_count(c); i++) {
		const scrm_customer *x = scrm_customers_at(c, i), *y = scrm_customers_at(d, i);
		CHECK(strcmp(x->id, y->id) == 0 && strcmp(x->name, y->name) == 0 && strcmp(x->tier, y->tier) == 0 &&
		      x->line == y->line && x->key_hash == y->key_hash &&
		      (x->ltv == y->ltv || (x->ltv != x->ltv && y->ltv != y->ltv)));
	}
	struct scrm_customers_stats a, b;
	scrm_customers_stats(c, &a);
	scrm_customers_stats(d, &b);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
	scrm_customers_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[4096];
	const char *buf = (const char *)data;
	scrm_customers *c = (scrm_customers *)1;
	int rc = scrm_customers_parse(&c, "f.csv", buf, size, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL);
	check_window(data, size, rc, err, c);
	if (rc) {
		CHECK(c == NULL);
		check_messages(err);
		return 0;
	}
	CHECK(c && err[0] == 0);
	size_t n = scrm_customers_count(c);
	for (size_t i = 0; i < n; i++) {
		const scrm_customer *k = scrm_customers_at(c, i);
		CHECK(k->index == i);
		CHECK(k->id_len > 0 && k->id_len <= SCRM_CUSTOMERS_ID_MAX && strlen(k->id) == k->id_len);
		CHECK(k->key_len == k->id_len + 2 && strncmp(k->key, "c:", 2) == 0 &&
		      strcmp(k->key + 2, k->id) == 0);
		uint64_t h = XXH3_64bits(k->key, k->key_len);
		CHECK(k->key_hash == (h ? h : 1));
		CHECK(strlen(k->name) == k->name_len && strlen(k->tier) == k->tier_len);
	}
	struct scrm_customers_stats st;
	scrm_customers_stats(c, &st);
	CHECK(st.customers == n && st.unlinked <= n);
	size_t sum = 0;
	for (unsigned ch = 0; ch < SCRM_CUST_CH__COUNT; ch++)
		sum += st.per_channel[ch];
	CHECK(sum == st.identities);
	/* Lookups of every field-like slice of the input on every channel. */
	size_t start = 0, found = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && buf[i] != ',' && buf[i] != '\n' && buf[i] != ';' && buf[i] != '"')
			continue;
		for (unsigned ch = 0; ch < SCRM_CUST_CH__COUNT; ch++) {
			const scrm_customer *k = scrm_customers_find_ch(c, ch, buf + start, i - start);
			if (k) {
				CHECK(k->index < n && scrm_customers_at(c, k->index) == k);
				found++;
			}
			const char *name = scrm_customers_channel_name(ch);
			CHECK(scrm_customers_find(c, name, strlen(name), buf + start, i - start) == k);
		}
		start = i + 1;
	}
	CHECK(found == 0 || st.identities > 0);
	scrm_customers_free(c);
	return 0;
}
