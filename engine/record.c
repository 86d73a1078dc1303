/* record.c - canonical record helpers (see record.h). */
#include "record.h"

#include <stdlib.h>

void scrm_record_init(scrm_record *r)
{
	memset(r, 0, sizeof *r);
	r->ts_ms = SCRM_UNKNOWN_INT;
	r->followers = r->retweets = r->likes = r->replies = r->quotes = SCRM_UNKNOWN_INT;
	r->verified = -1;
	r->route_rule = -1;
	r->sla_due_ms = SCRM_UNKNOWN_INT;
	r->case_ttfr_ms = SCRM_UNKNOWN_INT;
	r->case_sla_met = -1;
	r->id = r->channel = r->conversation = r->in_reply_to = SCRM_STR_NONE;
	r->retweet_of = r->quote_of = r->retweet_author = r->lang = r->author_id = SCRM_STR_NONE;
	r->author_handle = r->author_name = r->place = r->text = SCRM_STR_NONE;
	r->topic_ids = r->topic_terms = r->sent_terms = SCRM_STR_NONE;
	r->clf_why[0] = r->clf_why[1] = r->mentions = SCRM_STR_NONE;
}

scrm_record *scrm_recvec_push(scrm_recvec *rv)
{
	if (rv->len == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 1024;
		scrm_record *p = realloc(rv->v, cap * sizeof *p);
		if (!p)
			return NULL;
		rv->v = p;
		rv->cap = cap;
	}
	scrm_record *r = &rv->v[rv->len++];
	scrm_record_init(r);
	return r;
}

void scrm_recvec_free(scrm_recvec *rv)
{
	if (!rv)
		return;
	free(rv->v);
	rv->v = NULL;
	rv->len = rv->cap = 0;
}
