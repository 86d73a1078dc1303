/*
 * fuzz_topics_cache.c - libFuzzer target for the rules cache's file reader (topics.c,
 * cache_load): a cache file is read back from disk, where it may have been damaged.
 *
 * Input: the bytes of a cache file, written over the real one of a small rules file
 * before each compile. Checks: the compile always succeeds (a file that does not check
 * out is compiled again and replaced, never an error); it loaded the file only when the
 * input is byte for byte the valid file; and the topics then match as without a cache.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "rules.h"
#include "topics.h"

static struct {
	int ready;
	char dir[64], path[256];
	scrm_rules *r;
	unsigned char *valid;
	size_t valid_len;
} g;

static const char *match(scrm_topics *t)
{
	static char out[64];
	scrm_topics_scratch *s = NULL;
	CHECK(scrm_topics_scratch_create(&s, t) == 0);
	scrm_topic_hits h;
	const char *text = "still\n no refund for my order #1234";
	CHECK(scrm_topics_match(s, text, strlen(text), "bob", 3, "en", 2, &h) == 0);
	size_t o = 0;
	for (uint32_t i = 0; i < h.n; i++)
		o += (size_t)snprintf(out + o, sizeof out - o, "%u,", h.ids[i]);
	out[o] = 0;
	scrm_topics_scratch_free(s);
	return out;
}

static void setup(void)
{
	static const char src[] = "topic a: \"still no refund\"\ntopic b: /order #?[0-9]{4}/i\ntopic c: refund -from:bob\n";
	char err[1024];
	CHECK(scrm_rules_parse(&g.r, "fuzz.scrm", src, sizeof src - 1, err, sizeof err) == 0);
	strcpy(g.dir, "/tmp/scrm-fuzz-cache-XXXXXX");
	CHECK(mkdtemp(g.dir));
	scrm_topics *t = NULL;
	CHECK(scrm_topics_compile_cached(&t, g.r, g.dir, err, sizeof err) == 0);
	CHECK(scrm_topics_cache_state(t) == SCRM_TOPICS_CACHE_STORED);
	CHECK(!strcmp(match(t), "0,1,"));
	scrm_topics_free(t);
	DIR *d = opendir(g.dir);
	CHECK(d);
	for (struct dirent *e; (e = readdir(d));)
		if (!strncmp(e->d_name, "topics-", 7))
			snprintf(g.path, sizeof g.path, "%s/%s", g.dir, e->d_name);
	closedir(d);
	FILE *f = fopen(g.path, "rb");
	CHECK(f);
	fseek(f, 0, SEEK_END);
	g.valid_len = (size_t)ftell(f);
	rewind(f);
	g.valid = malloc(g.valid_len);
	CHECK(g.valid && fread(g.valid, 1, g.valid_len, f) == g.valid_len);
	fclose(f);
	g.ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g.ready)
		setup();
	FILE *f = fopen(g.path, "wb");
	CHECK(f);
	CHECK(fwrite(data, 1, size, f) == size);
	CHECK(fclose(f) == 0);
	char err[1024];
	scrm_topics *t = NULL;
	CHECK(scrm_topics_compile_cached(&t, g.r, g.dir, err, sizeof err) == 0);
	int valid = size == g.valid_len && !memcmp(data, g.valid, size);
	CHECK(scrm_topics_cache_state(t) == (valid ? SCRM_TOPICS_CACHE_HIT : SCRM_TOPICS_CACHE_STORED));
	CHECK(!strcmp(match(t), "0,1,"));
	scrm_topics_free(t);
	return 0;
}
