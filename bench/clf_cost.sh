#!/usr/bin/env bash
# clf_cost.sh - what classification adds to the analyze stage (issue 4 item 6).
#
# Usage: bench/clf_cost.sh [SCRM_BINARY] [-- CLASSIFIER OPTIONS...]
#   default classifier options: --intent cues --action cues
#   e.g. bench/clf_cost.sh build/scrm -- --intent-model I.model --action-model A.model
# Env:   CLF_RECORDS (default 400000)  CLF_PAIRS (default 5)  CLF_DIR (default /tmp/scrm-clf)
#        CLF_RULES (default bench/rules-bench.scrm)  CLF_LEXICON (default data/lexicons/vader_lexicon.txt)
#
# Runs `scrm run -j1` on a generated corpus with the rules and lexicon, once with
# `--intent none --action none` and once with the classifier options, alternated CLF_PAIRS
# times so that both see the same machine load, and prints each run's analyze busy time
# (the worker's parse + normalize + analysis, from --stats-json) and the minimum of each
# side: the added cost per record and the ratio; and the median of the per-pair ratios. The events of every run with the same
# options must be byte-identical (their hash is printed).
set -eu
N_DEFAULT=400000 D_DEFAULT=/tmp/scrm-clf
. "$(dirname "$0")/clf_setup.sh"
PAIRS=${CLF_PAIRS:-5}
cat "$corpus" >/dev/null

echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus $corpus ($N records), rules $RULES, lexicon $LEX; classifiers: ${CLF[*]}"
min_none="" min_clf="" ratios=()
for i in $(seq "$PAIRS"); do
	for side in none clf; do
		if [ $side = none ]; then opts=(--intent none --action none); else opts=("${CLF[@]}"); fi
		rm -rf "$D/out"
		"$SCRM" run -q --no-progress -j1 -o "$D/out" --rules "$RULES" --lexicon "$LEX" \
			--stats-json "$D/s.json" "${opts[@]}" "$corpus"
		busy=$(grep -o '"analyze":{[^}]*' "$D/s.json" | grep -o '"busy_s":[0-9.e-]*' | cut -d: -f2)
		hash=$(cat "$D"/out/*.ndjson.zst | zstdcat | sha256sum | cut -c1-16)
		printf 'pair %d %-4s analyze busy %8.3f s  events %s\n' "$i" "$side" "$busy" "$hash"
		if [ $side = none ]; then
			last_none=$busy
			if [ -z "$min_none" ] || awk -v a="$busy" -v b="$min_none" 'BEGIN{exit !(a < b)}'; then min_none=$busy; fi
		else
			if [ -z "$min_clf" ] || awk -v a="$busy" -v b="$min_clf" 'BEGIN{exit !(a < b)}'; then min_clf=$busy; fi
			ratios+=("$(awk -v a="$last_none" -v b="$busy" 'BEGIN{printf "%.4f", b / a}')")
		fi
	done
done
awk -v a="$min_none" -v b="$min_clf" -v n="$N" 'BEGIN{
	printf "minimum analyze busy: without %.3f s, with %.3f s; added %.2f us per record = %+.1f%% of the analyze stage\n",
		a, b, (b - a) / n * 1e6, (b / a - 1) * 100 }'
printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR]=$1} END{m = NR % 2 ? r[(NR+1)/2] : (r[NR/2] + r[NR/2+1]) / 2;
	printf "median of the %d pairs'"'"' ratios: %+.1f%% (on a noisy machine this is the steadier figure)\n", NR, (m - 1) * 100}'
rm -rf "$D/out"
