#!/usr/bin/env bash
# clf_instr.sh - what classification adds to the analyze stage, in instructions
# (callgrind), which do not move with the machine's load as times do (bench/clf_cost.sh).
#
# Usage: bench/clf_instr.sh [SCRM_BINARY] [-- CLASSIFIER OPTIONS...]
#   default classifier options: --intent cues --action cues
# Env:   CLF_RECORDS (default 20000)  CLF_DIR (default /tmp/scrm-clf-instr)
#        CLF_RULES (default bench/rules-bench.scrm)  CLF_LEXICON (default data/lexicons/vader_lexicon.txt)
#        CLF_SIM=1: also callgrind's cache and branch simulation of the analyze stage alone
#        (--toggle-collect=analyze_chunk): first-level instruction and data cache misses and
#        mispredicted branches per record, for where time and instructions part ways (this
#        VM has no hardware counters for perf); two more runs, several times slower
#
# Runs `scrm run -j1` under callgrind on a generated corpus with the rules and lexicon,
# once with `--intent none --action none` and once with the classifier options, and
# prints the inclusive instruction count of the analyze stage (analyze_chunk(): parse,
# normalize and analysis) per record for each, and the ratio.
set -eu
command -v valgrind >/dev/null || { echo "clf_instr.sh: needs valgrind (apt-get install -y valgrind)" >&2; exit 2; }
N_DEFAULT=20000 D_DEFAULT=/tmp/scrm-clf-instr
. "$(dirname "$0")/clf_setup.sh"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); corpus $corpus ($N records); classifiers: ${CLF[*]}"
declare -A ir
for side in none clf; do
	if [ $side = none ]; then opts=(--intent none --action none); else opts=("${CLF[@]}"); fi
	rm -rf "$D/out"
	valgrind --tool=callgrind --callgrind-out-file="$D/cg.$side" "$SCRM" run -q --no-progress -j1 -o "$D/out" \
		--rules "$RULES" --lexicon "$LEX" "${opts[@]}" "$corpus" 2>/dev/null
	ir[$side]=$(callgrind_annotate --inclusive=yes "$D/cg.$side" 2>/dev/null |
		awk '/pipeline.c:analyze_chunk / { gsub(",", "", $1); print $1; exit }')
	[ -n "${ir[$side]}" ] || { echo "clf_instr.sh: no analyze_chunk in the profile of $side" >&2; exit 1; }
	printf '%-4s analyze stage %14s instructions, %8.0f per record\n' "$side" "${ir[$side]}" \
		"$(awk -v a="${ir[$side]}" -v n="$N" 'BEGIN{print a / n}')"
done
awk -v a="${ir[none]}" -v b="${ir[clf]}" -v n="$N" 'BEGIN{
	printf "classification adds %.0f instructions per record = %+.1f%% of the analyze stage\n", (b - a) / n, (b / a - 1) * 100 }'
[ "${CLF_SIM:-0}" = 1 ] || exit 0
for side in none clf; do
	if [ $side = none ]; then opts=(--intent none --action none); else opts=("${CLF[@]}"); fi
	rm -rf "$D/out"
	valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes --toggle-collect=analyze_chunk \
		--callgrind-out-file="$D/sim.$side" "$SCRM" run -q --no-progress -j1 -o "$D/out" \
		--rules "$RULES" --lexicon "$LEX" "${opts[@]}" "$corpus" 2>/dev/null
	callgrind_annotate --show=Ir,I1mr,D1mr,Bcm "$D/sim.$side" 2>/dev/null | awk -v s=$side -v n="$N" '
		/PROGRAM TOTALS/ { gsub(/\([^)]*\)/, ""); gsub(",", ""); printf "%-4s simulated, per record: %8.0f instructions, %6.1f L1 instruction misses, %6.1f L1 data misses, %6.1f mispredicted branches\n", s, $1 / n, $2 / n, $3 / n, $4 / n }'
done
