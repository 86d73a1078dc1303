/*
 * test_plugins.c - the two plug-in points for new kinds of input and output (a Kafka
 * consumer or producer later): scrm_source_open_stream and scrm_sink_open_custom.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <zstd.h>

#include "buf.h"
#include "sink.h"
#include "source.h"

/* A stream that hands out its text a few bytes at a time, like messages off a wire. */
typedef struct drip {
	const char *text;
	size_t len, pos, step;
	int closed;
} drip;

static ssize_t drip_read(void *ctx, void *buf, size_t cap)
{
	drip *d = ctx;
	size_t n = d->len - d->pos;
	if (n > d->step)
		n = d->step;
	if (n > cap)
		n = cap;
	memcpy(buf, d->text + d->pos, n);
	d->pos += n;
	return (ssize_t)n;
}

static void drip_close(void *ctx) { ((drip *)ctx)->closed = 1; }

static const scrm_stream_ops drip_ops = {drip_read, drip_close};

Test(plugins, stream_source_feeds_the_chunker_whole_lines)
{
	const char *text = "{\"a\":1}\n{\"b\":22}\n{\"c\":333}\nlast-without-newline";
	drip d = {.text = text, .len = strlen(text), .step = 3};
	scrm_source *s;
	cr_assert_eq(scrm_source_open_stream(&s, &drip_ops, &d, "drip"), 0);
	cr_assert_str_eq(scrm_source_name(s), "drip");
	scrm_chunker *c;
	cr_assert_eq(scrm_chunker_create(&c, s, 64), 0);
	char buf[128 + SCRM_PADDING];
	char all[256];
	size_t got = 0;
	scrm_chunk_info info;
	ssize_t n;
	while ((n = scrm_chunker_next(c, buf, 128, &info)) > 0) {
		cr_assert_eq(info.base_offset, got);
		cr_assert(buf[n - 1] == '\n' || got + (size_t)n == d.len, "chunks end on a line");
		memcpy(all + got, buf, (size_t)n);
		got += (size_t)n;
	}
	cr_assert_eq(n, 0);
	cr_assert_eq(got, d.len);
	cr_assert_eq(memcmp(all, text, got), 0);
	cr_assert_eq(scrm_source_raw_bytes(s), d.len);
	scrm_chunker_free(c);
	scrm_source_close(s);
	cr_assert_eq(d.closed, 1, "close hands ctx back to the stream");
}

Test(plugins, stream_source_detects_zstd)
{
	const char *plain = "{\"x\":1}\n{\"y\":2}\n";
	char z[256];
	size_t zn = ZSTD_compress(z, sizeof z, plain, strlen(plain), 1);
	cr_assert_not(ZSTD_isError(zn));
	drip d = {.text = z, .len = zn, .step = 5};
	scrm_source *s;
	cr_assert_eq(scrm_source_open_stream(&s, &drip_ops, &d, "zdrip"), 0);
	char out[64];
	size_t got = 0;
	ssize_t n;
	while ((n = scrm_source_read(s, out + got, sizeof out - got)) > 0)
		got += (size_t)n;
	cr_assert_eq(n, 0);
	cr_assert_eq(got, strlen(plain));
	cr_assert_eq(memcmp(out, plain, got), 0);
	scrm_source_close(s);
}

typedef struct capture {
	char buf[256];
	size_t len;
	int fail_after; /* fail the write that would be this many batches in (0: never) */
	int batches, closed;
} capture;

static int capture_write(void *ctx, const void *p, size_t n)
{
	capture *c = ctx;
	if (c->fail_after && c->batches + 1 >= c->fail_after)
		return -EPIPE;
	if (c->len + n > sizeof c->buf)
		return -ENOSPC;
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	c->batches++;
	return 0;
}

static int capture_close(void *ctx)
{
	((capture *)ctx)->closed = 1;
	return 0;
}

static const scrm_sink_ops capture_ops = {capture_write, capture_close};

Test(plugins, custom_sink_gets_whole_batches_and_errors_stick)
{
	capture cap = {.fail_after = 3};
	scrm_sink *s;
	cr_assert_eq(scrm_sink_open_custom(&s, &capture_ops, &cap, "capture"), 0);
	cr_assert_str_eq(scrm_sink_name(s), "capture");
	cr_assert_eq(scrm_sink_write(s, "one\n", 4), 0);
	cr_assert_eq(scrm_sink_write(s, "two\n", 4), 0);
	cr_assert_eq(scrm_sink_bytes(s), 8);
	cr_assert_eq(scrm_sink_write(s, "three\n", 6), -EPIPE);
	cr_assert_eq(scrm_sink_write(s, "four\n", 5), -EPIPE, "a failed sink refuses further batches");
	cr_assert_eq(cap.len, 8);
	cr_assert_eq(memcmp(cap.buf, "one\ntwo\n", 8), 0);
	cr_assert_eq(scrm_sink_bytes(s), 8);
	cr_assert_eq(scrm_sink_close(s), 0);
	cr_assert_eq(cap.closed, 1);
}

Test(plugins, bad_ops_are_rejected)
{
	scrm_source *src;
	scrm_sink *snk;
	scrm_stream_ops no_read = {0};
	scrm_sink_ops no_write = {0};
	cr_assert_eq(scrm_source_open_stream(&src, &no_read, NULL, "x"), -EINVAL);
	cr_assert_eq(scrm_sink_open_custom(&snk, &no_write, NULL, "x"), -EINVAL);
}
