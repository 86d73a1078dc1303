/* stats.c - the run summary on stderr and as JSON (see pipeline.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pipeline.h"
#include "topics.h"

static double per_s(uint64_t n, uint64_t ns) { return ns ? (double)n * 1e9 / (double)ns : 0.0; }

static void stage_line(FILE *fp, const char *name, const scrm_stage_stats *s, const char *what)
{
	fprintf(fp, "  %-8s %2" PRIu64 " thr  busy %8.3f s  %9.1f MB/s  %11.0f rec/s  (%s)\n", name,
		s->threads, (double)s->busy_ns / 1e9, per_s(s->bytes, s->busy_ns) / 1e6,
		per_s(s->records, s->busy_ns), what);
}

void scrm_run_stats_print(const scrm_run_stats *st, void *vfp)
{
	FILE *fp = vfp;
	double cpu = st->cpu_user_s + st->cpu_sys_s;
	fprintf(fp, "scrm: %" PRIu64 " lines, %" PRIu64 " records in, %" PRIu64 " events out, %" PRIu64
		" rejected, %" PRIu64 " skipped, %" PRIu64 " filtered%s\n",
		st->lines, st->records_in, st->events_out, st->rejected,
		st->skipped[SCRM_SKIP_DELETE] + st->skipped[SCRM_SKIP_LIMIT] + st->skipped[SCRM_SKIP_WARNING] +
			st->skipped[SCRM_SKIP_WITHHELD] + st->skipped[SCRM_SKIP_CONTROL] + st->skipped[SCRM_SKIP_EMPTY],
		st->filtered, st->interrupted ? " (interrupted: drained and flushed)" : "");
	if (st->rejected) {
		fprintf(fp, "  rejected:");
		for (int i = 1; i < SCRM_REJ__COUNT; i++)
			if (st->rejects[i])
				fprintf(fp, " %s %" PRIu64, scrm_reject_name(i), st->rejects[i]);
		fputc('\n', fp);
	}
	bool any_skip = false;
	for (int i = 1; i < SCRM_SKIP__COUNT; i++)
		any_skip |= st->skipped[i] != 0;
	if (any_skip) {
		fprintf(fp, "  skipped:");
		for (int i = 1; i < SCRM_SKIP__COUNT; i++)
			if (st->skipped[i])
				fprintf(fp, " %s %" PRIu64, scrm_skip_name(i), st->skipped[i]);
		fputc('\n', fp);
	}
	if (st->repaired)
		fprintf(fp, "  repaired invalid UTF-8 in %" PRIu64 " lines\n", st->repaired);
	if (st->topic_hits_dropped)
		fprintf(fp, "  %" PRIu64 " records matched more than %d topics and cues: the rest were not reported\n",
			st->topic_hits_dropped, SCRM_TOPICS_MAX_HITS);
	if (st->sent_other_lang)
		fprintf(fp,
			"  sentiment: %" PRIu64 " texts in a language the lexicon does not score, scored on their "
			"emoji and emoticons alone (%" PRIu64 " had none: no sentiment)\n",
			st->sent_other_lang, st->sent_other_lang_none);
	if (st->encoder_texts || st->encoder_cached)
		fprintf(fp, "  sentence encoder: %" PRIu64 " texts encoded, %" PRIu64 " served from the workers' recent outputs\n",
			st->encoder_texts, st->encoder_cached);
	if (st->model_gated)
		fprintf(fp, "  model-topics: %" PRIu64 " records matched none of the topics and were classified by cues\n",
			st->model_gated);
	if (st->repaired_numbers)
		fprintf(fp, "  read %" PRIu64 " lines' numbers beyond 64 bits or a double's range, or negative counts, as null\n",
			st->repaired_numbers);
	if (st->customers_forgotten)
		fprintf(fp, "  forgot %" PRIu64 " least recently active customers to stay within --max-customers (%" PRIu64
			    " kept)\n",
			st->customers_forgotten, st->customers_kept);
	if (st->customers_forgotten_recent)
		fprintf(fp, "  %" PRIu64 " of them had written in the last 24 h: their 24 h windows started again too soon"
			    " (a larger --max-customers keeps them)\n",
			st->customers_forgotten_recent);
	if (st->held_lines)
		fprintf(fp, "  left %" PRIu64 " unfinished last line%s (no newline yet) for the next run\n",
			st->held_lines, st->held_lines == 1 ? "" : "s");
	fprintf(fp, "  routes:");
	for (size_t r = 0; r < st->n_routes; r++)
		fprintf(fp, " %s %" PRIu64, st->route_names[r], st->route_events[r]);
	if (st->alert_copies)
		fprintf(fp, " (+%" PRIu64 " alert copies)", st->alert_copies);
	fputc('\n', fp);
	if (st->log_records || st->log_truncated || st->log_rebuilt)
		fprintf(fp, "  interaction log: %" PRIu64 " interactions appended; %" PRIu64
			    " bytes of torn tail cut at start\n",
			st->log_records, st->log_truncated);
	if (st->resume_seq)
		fprintf(fp, "  resumed after %" PRIu64 " records: state rebuilt from %" PRIu64
			    " logged interactions; %" PRIu64 " input bytes already done skipped\n",
			st->resume_seq, st->log_rebuilt, st->skipped_bytes);
	stage_line(fp, "read", &st->read, st->uring ? "io_uring" : "read(2)");
	stage_line(fp, "analyze", &st->analyze, "parse+normalize");
	stage_line(fp, "relate", &st->relate, "customer state+act");
	stage_line(fp, "emit", &st->emit, "serialize+zstd");
	stage_line(fp, "write", &st->write, "output");
	fprintf(fp, "  ring stalls: pool-empty %" PRIu64 ", worker-input-full %" PRIu64
		", relate-wait %" PRIu64 ", writer-wait %" PRIu64 ", sleeps %" PRIu64 "\n",
		st->stalls_pool, st->stalls_in, st->stalls_relate, st->stalls_write, st->sleeps);
	fprintf(fp, "  wall %.3f s, %.1f MB/s, %.0f records/s; cpu %.3f s (user %.3f, sys %.3f), %.0f records/cpu-s; "
		"setup before it %.3f s cpu; peak RSS %.1f MiB; -j %d, %d relate\n",
		st->wall_s, st->wall_s > 0 ? st->bytes_in / 1e6 / st->wall_s : 0.0,
		st->wall_s > 0 ? st->records_in / st->wall_s : 0.0, cpu, st->cpu_user_s, st->cpu_sys_s,
		cpu > 0 ? st->records_in / cpu : 0.0, st->setup_cpu_s, st->peak_rss_kb / 1024.0, st->workers,
		st->relate_threads);
}

static void json_stage(FILE *fp, const char *name, const scrm_stage_stats *s, const char *sep)
{
	fprintf(fp, "%s\"%s\":{\"threads\":%" PRIu64 ",\"records\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"busy_s\":%.6f,\"mb_per_s\":%.3f,\"records_per_s\":%.1f}",
		sep, name, s->threads, s->records, s->bytes, (double)s->busy_ns / 1e9,
		per_s(s->bytes, s->busy_ns) / 1e6, per_s(s->records, s->busy_ns));
}

int scrm_run_stats_write_json(const scrm_run_stats *st, const char *path)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		return -errno;
	double cpu = st->cpu_user_s + st->cpu_sys_s;
	fprintf(fp, "{\"lines\":%" PRIu64 ",\"records_in\":%" PRIu64 ",\"events_out\":%" PRIu64
		",\"rejected\":%" PRIu64 ",\"filtered\":%" PRIu64 ",\"repaired\":%" PRIu64
		",\"repaired_numbers\":%" PRIu64 ",\"topic_hits_dropped\":%" PRIu64
		",\"sentiment_other_lang\":%" PRIu64 ",\"sentiment_other_lang_none\":%" PRIu64 ",\"model_gated\":%" PRIu64 ",\"encoder_texts\":%" PRIu64 ",\"encoder_cached\":%" PRIu64 ",\"held_lines\":%" PRIu64 ",\"bytes_in\":%" PRIu64 ",\"raw_bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
		",\"chunks\":%" PRIu64 ",\"customers_kept\":%" PRIu64 ",\"customers_forgotten\":%" PRIu64
		",\"customers_forgotten_recent\":%" PRIu64 ",",
		st->lines, st->records_in, st->events_out, st->rejected, st->filtered, st->repaired, st->repaired_numbers, st->topic_hits_dropped,
		st->sent_other_lang, st->sent_other_lang_none, st->model_gated, st->encoder_texts, st->encoder_cached, st->held_lines,
		st->bytes_in, st->raw_bytes_in, st->bytes_out, st->chunks, st->customers_kept, st->customers_forgotten,
		st->customers_forgotten_recent);
	fprintf(fp, "\"rejects\":{");
	for (int i = 1; i < SCRM_REJ__COUNT; i++)
		fprintf(fp, "%s\"%s\":%" PRIu64, i > 1 ? "," : "", scrm_reject_name(i), st->rejects[i]);
	fprintf(fp, "},\"skipped\":{");
	for (int i = 1; i < SCRM_SKIP__COUNT; i++)
		fprintf(fp, "%s\"%s\":%" PRIu64, i > 1 ? "," : "", scrm_skip_name(i), st->skipped[i]);
	fprintf(fp, "},\"routes\":{");
	for (size_t r = 0; r < st->n_routes; r++)
		fprintf(fp, "%s\"%s\":%" PRIu64, r ? "," : "", st->route_names[r], st->route_events[r]);
	fprintf(fp, "},\"alert_copies\":%" PRIu64 ",\"log_records\":%" PRIu64 ",\"log_truncated\":%" PRIu64
		    ",\"log_rebuilt\":%" PRIu64 ",\"resume_seq\":%" PRIu64 ",\"skipped_bytes\":%" PRIu64 ",\"stages\":{",
		st->alert_copies, st->log_records, st->log_truncated, st->log_rebuilt, st->resume_seq, st->skipped_bytes);
	json_stage(fp, "read", &st->read, "");
	json_stage(fp, "analyze", &st->analyze, ",");
	json_stage(fp, "relate", &st->relate, ",");
	json_stage(fp, "emit", &st->emit, ",");
	json_stage(fp, "write", &st->write, ",");
	fprintf(fp, "},\"stalls\":{\"pool_empty\":%" PRIu64 ",\"worker_input_full\":%" PRIu64
		",\"relate_wait\":%" PRIu64 ",\"writer_wait\":%" PRIu64 ",\"sleeps\":%" PRIu64 "},",
		st->stalls_pool, st->stalls_in, st->stalls_relate, st->stalls_write, st->sleeps);
	fprintf(fp, "\"wall_s\":%.6f,\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"records_per_cpu_s\":%.1f,"
		"\"setup_cpu_s\":%.6f,\"peak_rss_kb\":%ld,\"workers\":%d,\"relate_threads\":%d,\"uring\":%s,"
		"\"interrupted\":%s}\n",
		st->wall_s, st->cpu_user_s, st->cpu_sys_s, cpu > 0 ? st->records_in / cpu : 0.0, st->setup_cpu_s,
		st->peak_rss_kb, st->workers, st->relate_threads, st->uring ? "true" : "false",
		st->interrupted ? "true" : "false");
	if (fclose(fp) != 0)
		return -errno;
	return 0;
}
