#!/usr/bin/env bash
# relate_act.sh - what customers, routing rules and the interaction log cost in the
# pipeline, all configurations in one run on one machine (issue 5).
#
# Usage: bench/relate_act.sh [SCRM_BINARY]
# Env:   BENCH_DIR (default /tmp/scrm-bench-ra)   RA_RECORDS (default 300000)
#        RA_REPEATS (default 3)                   RA_JOBS (default 1)
#        RA_LEXICON (default ../shared/corpora/lexicons/vader/vader_lexicon.txt)
# Each configuration runs RA_REPEATS times at -j RA_JOBS; the table shows the best CPU
# time (user + sys) and busy time per stage of that run, records per CPU-second, and
# the ratio to the first row. Outputs are hashed so a fast wrong answer shows.
set -eu
SCRM=${1:-build/scrm}
D=${BENCH_DIR:-/tmp/scrm-bench-ra}
N=${RA_RECORDS:-300000}
R=${RA_REPEATS:-3}
J=${RA_JOBS:-1}
LEX=${RA_LEXICON:-../shared/corpora/lexicons/vader/vader_lexicon.txt}
RULES=corpora/sample/rules.scrm
mkdir -p "$D"
corpus="$D/corpus-$N.ndjson"
cust="$D/customers-$N.csv"
. "$(dirname "$0")/corpus.sh"
bench_corpus "$N" "$corpus" "$cust"
grep -v -e '^route ' -e '^drop ' -e '^set default-route' "$RULES" >"$D/topics-only.scrm"

echo "== configuration"
echo "commit:   $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(nproc) online cores)"
echo "corpus:   $corpus ($(stat -c %s "$corpus") bytes, $N records), customers $cust ($(($(wc -l <"$cust") - 1)) rows)"
echo "rules:    $RULES ($(grep -c -e '^route ' -e '^drop ' "$RULES") routing rules); lexicon $LEX; -j $J; best of $R"
cat "$corpus" >/dev/null

num() { grep -o "\"$2\":[-0-9.e]*" "$1" | head -1 | cut -d: -f2; }
stage() { grep -o "\"$2\":{[^}]*}" "$1" | grep -o '"busy_s":[0-9.e]*' | cut -d: -f2; }

base=""
printf '| configuration | CPU s | analyze busy s | relate busy s | emit busy s | write busy s | records/CPU-s | vs first | output hash |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---|\n'
run_cfg() { # run_cfg NAME ARGS...
	local name=$1
	shift
	local best="" bestjson="$D/best.json"
	for _ in $(seq "$R"); do
		rm -rf "$D/out" "$D/log"
		"$SCRM" run -q -j "$J" --lexicon "$LEX" --intent cues --action cues -o "$D/out" \
			--stats-json "$D/s.json" "$@" "$corpus"
		local cpu
		cpu=$(awk -v u="$(num "$D/s.json" cpu_user_s)" -v s="$(num "$D/s.json" cpu_sys_s)" -v t="$(num "$D/s.json" setup_cpu_s)" 'BEGIN{print u+s+t}')
		if [ -z "$best" ] || awk -v a="$cpu" -v b="$best" 'BEGIN{exit !(a < b)}'; then
			best=$cpu
			cp "$D/s.json" "$bestjson"
		fi
	done
	local h
	h=$(cat "$D"/out/*.ndjson.zst | zstd -dc | sha256sum | cut -c1-16)
	[ -n "$base" ] || base=$best
	awk -v n="$name" -v c="$best" -v b="$base" -v N="$N" -v a="$(stage "$bestjson" analyze)" \
		-v r="$(stage "$bestjson" relate)" -v e="$(stage "$bestjson" emit)" -v w="$(stage "$bestjson" write)" -v h="$h" \
		'BEGIN{printf "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f | %.3f | %s |\n", n, c, a, r, e, w, N/c, c/b, h}'
}
run_cfg "topics, sentiment, intent+action cues (no routing)" --rules "$D/topics-only.scrm"
run_cfg "+ routing rules ($(grep -c -e "^route " -e "^drop " "$RULES"))" --rules "$RULES"
run_cfg "+ routing + customers" --rules "$RULES" --customers "$cust"
run_cfg "+ routing + customers + log (--fsync never)" --rules "$RULES" --customers "$cust" --log "$D/log" --fsync never
run_cfg "+ routing + customers + log (--fsync batch)" --rules "$RULES" --customers "$cust" --log "$D/log" --fsync batch
du -sh "$D/log" | sed 's/^/log size after the last run: /'
rm -rf "$D/out" "$D/log"
