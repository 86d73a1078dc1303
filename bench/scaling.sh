#!/usr/bin/env bash
# scaling.sh - the pipeline's throughput at 1, 2, 4, 8 and 16 workers (issue 2), in one run
# on one machine: wall time, records per second, speed-up over -j1, records per
# CPU-second, peak RSS, and whether every -j wrote byte-identical outputs; then each
# stage's busy CPU per record, how busy the reader and the relate threads are (the
# single-threaded stages that cap the scaling) and the rings' stall counts.
#
# Usage: bench/scaling.sh [SCRM]              (make bench-scaling; default build/scrm)
#        carry/scaling.sh                      (on the device machine: bench/device-pack.sh
#                                               made carry/, with its own scrm and libraries)
# Env:   SCALING_RECORDS (default 1300000, ~1.1 GB)   SCALING_JOBS (default "1 2 4 8 16")
#        SCALING_REPEATS (default 2; the best wall time of them is kept)
#        SCALING_DIR (default /tmp/scrm-scaling: the corpus and the outputs)
#        SCALING_CONFIGS (default "minimal analysis"): minimal = issue 2's stages
#          (--intent none --action none); analysis = issue 3's (rules-bench.scrm, the
#          lexicon, both sentiment modes); cues = analysis plus the default classifiers
#        OUT (where the table is also written, as scaling.md; default SCALING_DIR)
# Needs only bash, coreutils and awk besides scrm: the device machine has no packages.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ge 1 ]; then
	SCRM=("$1")
	RULES=$here/rules-bench.scrm
	LEX=$here/../data/lexicons/vader_lexicon.txt
elif [ -x "$here/scrm" ] && [ -e "$here/ld-linux-x86-64.so.2" ]; then
	# a carry/ folder: run scrm through the loader it came with, on its own libraries,
	# whatever the machine's glibc
	SCRM=("$here/ld-linux-x86-64.so.2" --library-path "$here" "$here/scrm")
	RULES=$here/rules-bench.scrm
	LEX=$here/vader_lexicon.txt
else
	SCRM=("$here/../build/scrm")
	RULES=$here/rules-bench.scrm
	LEX=$here/../data/lexicons/vader_lexicon.txt
fi
N=${SCALING_RECORDS:-1300000}
JOBS=${SCALING_JOBS:-"1 2 4 8 16"}
R=${SCALING_REPEATS:-2}
D=${SCALING_DIR:-/tmp/scrm-scaling}
CONFIGS=${SCALING_CONFIGS:-"minimal analysis"}
OUTDIR=${OUT:-$D}
mkdir -p "$D" "$OUTDIR"
corpus=$D/corpus-$N.ndjson
. "$here/corpus.sh"
bench_corpus "$N" "$corpus"
bytes=$(stat -c %s "$corpus")
cat "$corpus" >/dev/null # into the page cache

num() { grep -o "\"$2\": *[-0-9.e]*" "$1" | head -1 | sed 's/.*: *//'; }

report=$OUTDIR/scaling.md
{
	echo "== scaling: $(nproc) online cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "kernel $(uname -r); $("${SCRM[@]}" version 2>/dev/null | head -1)"
	echo "corpus $corpus: $bytes bytes, $N records (scrm gen --seed 2026); best wall of $R runs"
} | tee "$report"

for cfg in $CONFIGS; do
	case $cfg in
	minimal) opts=(--intent none --action none) ;;
	analysis) opts=(--rules "$RULES" --lexicon "$LEX" --sentiment both --intent none --action none) ;;
	cues) opts=(--rules "$RULES" --lexicon "$LEX" --sentiment both) ;;
	*) echo "scaling.sh: unknown configuration '$cfg' (minimal, analysis, cues)" >&2; exit 2 ;;
	esac
	{
		echo
		echo "### $cfg: scrm run -q -o OUT -j N ${opts[*]}"
		echo
		echo "| -j | -p | wall (best of $R) | records/s | speed-up vs -j1 | efficiency | records per CPU-second | CPU s | peak RSS MiB | output as -j1 |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	} | tee -a "$report"
	base_wall="" base_hash=""
	stages="" # the second table: where the time went at each -j
	for j in $JOBS; do
		best=""
		for _ in $(seq "$R"); do
			rm -rf "$D/out"
			"${SCRM[@]}" run -q -j "$j" -o "$D/out" --stats-json "$D/s.json" "${opts[@]}" "$corpus"
			w=$(num "$D/s.json" wall_s)
			if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN{exit !(a < b)}'; then
				best=$w
				cp "$D/s.json" "$D/best.json"
			fi
		done
		hash=$(cat "$D"/out/*.ndjson.zst | md5sum | cut -c1-16)
		[ -n "$base_hash" ] || base_hash=$hash
		[ -n "$base_wall" ] || base_wall=$best
		same=$([ "$hash" = "$base_hash" ] && echo "yes ($hash)" || echo "**NO** ($hash)")
		awk -v j="$j" -v w="$best" -v bw="$base_wall" -v n="$N" -v same="$same" \
			-v p="$(num "$D/best.json" relate_threads)" -v rps="$(num "$D/best.json" records_per_cpu_s)" \
			-v u="$(num "$D/best.json" cpu_user_s)" -v s="$(num "$D/best.json" cpu_sys_s)" \
			-v rss="$(num "$D/best.json" peak_rss_kb)" 'BEGIN{
			printf "| %d | %d | %.3f s | %.0f | %.2fx | %.0f%% | %.0f | %.2f | %.0f | %s |\n",
				j, p, w, n / w, bw / w, 100 * bw / w / j, rps, u + s, rss / 1024, same }' | tee -a "$report"
		# busy CPU per record of each stage, and how full the single-threaded ones
		# are (busy / wall: near 100% is the stage that stops the scaling)
		row="| $j |"
		for st in read analyze relate emit write; do
			b=$(grep -o "\"$st\":{[^}]*}" "$D/best.json" | grep -o '"busy_s":[-0-9.e]*' | sed 's/.*://')
			row="$row $(awk -v b="${b:-0}" -v n="$N" 'BEGIN{printf "%.3f", b / n * 1e6}') |"
			case $st in
			read) rb=$b ;;
			relate) lb=$b ;;
			esac
		done
		row="$row $(awk -v r="${rb:-0}" -v l="${lb:-0}" -v w="$best" \
			-v p="$(num "$D/best.json" relate_threads)" 'BEGIN{printf "%.0f%% | %.0f%%", 100 * r / w, 100 * l / p / w}') |"
		for k in pool_empty worker_input_full relate_wait writer_wait sleeps; do
			row="$row $(num "$D/best.json" "$k") |"
		done
		stages="$stages$row"$'\n'
	done
	{
		echo
		echo "busy CPU per record (µs) by stage, the reader's and each relate thread's share of the wall time, and the rings' stalls ($cfg):"
		echo
		echo "| -j | read | analyze | relate | emit | write | reader busy | relate busy per thread | pool empty | worker input full | relate wait | writer wait | sleeps |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		printf '%s' "$stages"
	} | tee -a "$report"
done
echo "(table also in $report)"
