/* logstream.c - an interaction log as an NDJSON stream in input order (see logstream.h). */
#include "logstream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ilog.h"

typedef struct head {
	scrm_ilog_iter *it;
	scrm_ilog_rec r; /* the partition's next interaction (valid until its iterator moves) */
	int live;        /* r holds a record */
} head;

struct scrm_logstream {
	head *h;
	uint32_t n;
	uint64_t below;
	uint64_t count;
	const char *pend; /* the rest of the current line (payload, then "\n") */
	size_t pend_len;
	int pend_nl;      /* the line's '\n' is still to be delivered */
	int failed;       /* sticky -errno */
	char err[512];
};

/* Move partition i to its next interaction below the limit. */
static int advance(scrm_logstream *s, uint32_t i)
{
	head *h = &s->h[i];
	for (;;) {
		int rc = scrm_ilog_iter_next(h->it, &h->r);
		if (rc <= 0) {
			h->live = 0;
			if (rc < 0)
				snprintf(s->err, sizeof s->err, "%s", scrm_ilog_iter_error(h->it));
			return rc;
		}
		if (h->r.kind == SCRM_ILOG_INTERACTION && h->r.seq < s->below) {
			h->live = 1;
			return 0;
		}
	}
}

int scrm_logstream_open(scrm_logstream **out, const char *dir, uint64_t below_seq, char *err, size_t errlen)
{
	*out = NULL;
	scrm_logstream *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", dir);
		return -ENOMEM;
	}
	s->below = below_seq;
	/* the partition count comes from the log itself: open partition 0 first */
	scrm_ilog_iter *first = NULL;
	int rc = scrm_ilog_iter_open(&first, dir, 0, err, errlen);
	if (rc)
		goto fail;
	uint32_t n = 1;
	while (n < SCRM_ILOG_MAX_PARTS) {
		scrm_ilog_iter *probe = NULL;
		char e2[64];
		if (scrm_ilog_iter_open(&probe, dir, n, e2, sizeof e2))
			break;
		scrm_ilog_iter_free(probe);
		n++;
	}
	s->h = calloc(n, sizeof *s->h);
	if (!s->h) {
		scrm_ilog_iter_free(first);
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", dir);
		goto fail;
	}
	s->n = n;
	s->h[0].it = first;
	for (uint32_t i = 1; i < n; i++)
		if ((rc = scrm_ilog_iter_open(&s->h[i].it, dir, i, err, errlen)))
			goto fail;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = advance(s, i)) < 0) {
			snprintf(err, errlen, "%s", s->err);
			goto fail;
		}
	*out = s;
	return 0;
fail:
	scrm_logstream_close(s);
	return rc;
}

ssize_t scrm_logstream_read(void *ctx, void *buf, size_t cap)
{
	scrm_logstream *s = ctx;
	if (s->failed)
		return s->failed;
	char *o = buf;
	size_t done = 0;
	while (done < cap) {
		if (!s->pend_len && !s->pend_nl) {
			/* the next line: the smallest seq among the partitions' heads */
			int64_t best = -1;
			for (uint32_t i = 0; i < s->n; i++)
				if (s->h[i].live && (best < 0 || s->h[i].r.seq < s->h[(uint32_t)best].r.seq))
					best = i;
			if (best < 0)
				break;
			head *h = &s->h[best];
			s->pend = h->r.data;
			s->pend_len = h->r.len;
			s->pend_nl = 1;
			s->count++;
			/* the payload stays valid until this head's iterator moves: copy it out
			 * before advancing (below, once it is delivered) */
			size_t k = s->pend_len < cap - done ? s->pend_len : cap - done;
			memcpy(o + done, s->pend, k);
			done += k;
			s->pend += k;
			s->pend_len -= k;
			if (s->pend_len) {
				/* the line does not fit: keep the head until the rest is delivered */
				s->h[best].live = 2;
				return (ssize_t)done;
			}
			if (done < cap) {
				o[done++] = '\n';
				s->pend_nl = 0;
			}
			int rc = advance(s, (uint32_t)best);
			if (rc < 0) {
				s->failed = rc;
				return done ? (ssize_t)done : rc;
			}
			continue;
		}
		/* the rest of a line that did not fit */
		size_t k = s->pend_len < cap - done ? s->pend_len : cap - done;
		memcpy(o + done, s->pend, k);
		done += k;
		s->pend += k;
		s->pend_len -= k;
		if (s->pend_len)
			break;
		if (done < cap && s->pend_nl) {
			o[done++] = '\n';
			s->pend_nl = 0;
		}
		if (!s->pend_nl) {
			/* the held head's line is out: move it on */
			for (uint32_t i = 0; i < s->n; i++)
				if (s->h[i].live == 2) {
					int rc = advance(s, i);
					if (rc < 0) {
						s->failed = rc;
						return done ? (ssize_t)done : rc;
					}
				}
		}
	}
	return (ssize_t)done;
}

const char *scrm_logstream_error(const scrm_logstream *s)
{
	return s->err;
}

uint64_t scrm_logstream_count(const scrm_logstream *s)
{
	return s->count;
}

void scrm_logstream_close(void *ctx)
{
	scrm_logstream *s = ctx;
	if (!s)
		return;
	for (uint32_t i = 0; s->h && i < s->n; i++)
		scrm_ilog_iter_free(s->h[i].it);
	free(s->h);
	free(s);
}
