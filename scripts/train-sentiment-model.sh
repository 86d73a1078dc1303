#!/usr/bin/env bash
# train-sentiment-model.sh - the scrm mode's learned correction (scrm run --sentiment-model),
# trained on the SemEval-2017 and airline dev sets the user supplies in ../shared/corpora.
# Usage: scripts/train-sentiment-model.sh [OUT.model] [CORPORA_DIR]
#        (defaults: data/models/sentiment.model, ../shared/corpora; needs build/scrm and a
#        lexicon: $SCRM_LEXICON, else data/lexicons/vader_lexicon.txt)
set -eu
cd "$(dirname "$0")/.."
out=${1:-data/models/sentiment.model}
corpora=${2:-../shared/corpora}
se="$corpora/semeval2017-4a/dev.tweets.tsv"
al="$corpora/airline-sentiment/dev.tweets.tsv"
for f in "$se" "$al"; do
	[ -f "$f" ] || { echo "train-sentiment-model: $f is missing" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# one file, columns id, text, label: SemEval's label column and airline's airline_sentiment
awk -F'\t' 'BEGIN { OFS = "\t"; print "id", "text", "label" }
	FNR == 1 { split("", col); for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ lab = ("label" in col) ? $col["label"] : $col["airline_sentiment"]
	  print FILENAME ":" $col["id"], $col["text"], lab }' "$se" "$al" >"$tmp"
build/scrm train --task sentiment --data "$tmp" -o "$out"
