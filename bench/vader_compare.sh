#!/usr/bin/env bash
# vader_compare.sh - scrm's VADER beside NLTK's VADER and the npm vader-sentiment port,
# on the same texts, in the same run, one thread each (issue 3).
#
# Usage: bench/vader_compare.sh CORPUS.ndjson LEXICON [N] [REPEATS]
#   N texts (default 20000) spread evenly over the corpus (bench_analyze --dump-texts);
#   each scorer does one warm-up pass and REPEATS (default 3) timed passes; min CPU time.
# Env:   BIN_DIR (default build/bench)   VADER_OUT (default bench/out/vader)
#        NPM_DIR (default bench/out/npm: `npm install --prefix` target, git-ignored)
#        PYTHON  (default: the first of /usr/bin/python3, python3 that imports nltk)
# Prints texts per CPU-second for each, the ratios scrm/NLTK and scrm/npm, and how often
# the compounds agree (exactly, to 4 decimals, and within 0.05), so that we know the three
# score the same thing. A missing peer is reported as "skipped: <reason>".
#
# The lexicon: NLTK and scrm read LEXICON; the npm port always uses its bundled copy,
# which is byte-identical to data/lexicons/vader_lexicon.txt (scripts/fetch-lexicons.sh).
# No emoji lexicon: neither peer replaces emoji by descriptions, so scrm does not either.
set -u
CORPUS=${1:?usage: vader_compare.sh CORPUS LEXICON [N] [REPEATS]}
LEX=${2:?usage: vader_compare.sh CORPUS LEXICON [N] [REPEATS]}
N=${3:-20000}
R=${4:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN_DIR=${BIN_DIR:-build/bench}
OUT=${VADER_OUT:-bench/out/vader}
NPM_DIR=${NPM_DIR:-bench/out/npm}
mkdir -p "$OUT"

"$BIN_DIR/bench_analyze" --dump-texts "$OUT/texts.txt" --count "$N" "$CORPUS" || exit 1
echo "texts:    $N from $CORPUS ($(wc -c <"$OUT/texts.txt") bytes escaped), lexicon $LEX, repeats $R"

rate() { sed -n 's/.*texts\/cpu-s \([0-9]*\).*/\1/p' "$1"; }

"$BIN_DIR/bench_analyze" --score-texts "$OUT/texts.txt" --lexicon "$LEX" --out "$OUT/scrm.txt" \
	--repeats "$R" | tee "$OUT/scrm.log" || exit 1
scrm_rate=$(rate "$OUT/scrm.log")

# NLTK: Debian's python3-nltk lives in /usr/bin/python3's dist-packages.
nltk_rate=""
py=${PYTHON:-}
if [ -z "$py" ]; then
	for c in /usr/bin/python3 python3; do
		if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import nltk.sentiment.vader' 2>/dev/null; then
			py=$c
			break
		fi
	done
fi
if [ -z "$py" ]; then
	echo "nltk     skipped: no python3 with nltk (apt-get install -y python3-nltk)"
else
	"$py" "$HERE/vader_nltk.py" "$LEX" "$OUT/texts.txt" "$OUT/nltk.txt" "$R" >"$OUT/nltk.log" 2>&1
	if [ $? -eq 0 ]; then
		echo "$(cat "$OUT/nltk.log")  (nltk $("$py" -c 'import nltk; print(nltk.__version__)'), $("$py" --version 2>&1))"
		nltk_rate=$(rate "$OUT/nltk.log")
	else
		echo "nltk     skipped: vader_nltk.py failed: $(tail -1 "$OUT/nltk.log")"
	fi
fi

# The npm port: installed once into the git-ignored NPM_DIR.
npm_rate=""
mod="$NPM_DIR/node_modules/vader-sentiment"
if ! command -v node >/dev/null 2>&1; then
	echo "npm      skipped: node not found (apt-get install -y nodejs npm)"
else
	if [ ! -f "$mod/package.json" ] && command -v npm >/dev/null 2>&1; then
		npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" vader-sentiment@1.1.3 >/dev/null 2>&1
	fi
	if [ ! -f "$mod/package.json" ]; then
		echo "npm      skipped: vader-sentiment not installed (npm install --prefix $NPM_DIR vader-sentiment@1.1.3)"
	elif node "$HERE/vader_npm.js" "$mod" "$OUT/texts.txt" "$OUT/npm.txt" "$R" >"$OUT/npm.log" 2>&1; then
		echo "$(cat "$OUT/npm.log")  (vader-sentiment $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$mod/package.json"), node $(node --version))"
		npm_rate=$(rate "$OUT/npm.log")
	else
		echo "npm      skipped: vader_npm.js failed: $(tail -1 "$OUT/npm.log")"
	fi
fi

agree() { # agree NAME FILE: compounds of FILE against scrm's
	paste -d' ' "$OUT/scrm.txt" "$2" | awk -v name="$1" '
		{ n++; d = $1 - $2; if (d < 0) d = -d; if ($1 == $2) e++; if (d <= 0.05) c++ }
		END { printf "agreement scrm vs %-4s on %d texts: %.2f%% equal compound (4 decimals), %.2f%% within 0.05\n",
			name, n, 100 * e / n, 100 * c / n }'
}
[ -n "$nltk_rate" ] && awk -v a="$scrm_rate" -v b="$nltk_rate" 'BEGIN{printf "ratio scrm / NLTK VADER per core: %.1fx\n", a/b}'
[ -n "$npm_rate" ] && awk -v a="$scrm_rate" -v b="$npm_rate" 'BEGIN{printf "ratio scrm / npm vader-sentiment per core: %.1fx\n", a/b}'
[ -n "$nltk_rate" ] && agree nltk "$OUT/nltk.txt"
[ -n "$npm_rate" ] && agree npm "$OUT/npm.txt"
[ -n "$nltk_rate" ] && [ -n "$npm_rate" ] && paste -d' ' "$OUT/nltk.txt" "$OUT/npm.txt" | awk '
	{ n++; if ($1 == $2) e++ } END { printf "agreement nltk vs npm on %d texts: %.2f%% equal compound\n", n, 100 * e / n }'
exit 0
