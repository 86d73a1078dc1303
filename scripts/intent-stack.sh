#!/bin/sh
# intent-stack.sh - train the stacked intent model: three auxiliary linear models on the
# larger labelled sets of ../shared/corpora (complaint vs not, airline 3-class sentiment,
# SemEval 3-class sentiment), each without the rows whose text is in intent-scrm or
# corpora/intent-extra, then the intent model (and the action_needed model) on intent-scrm
# dev + intent-extra with the auxiliary models' outputs as features.
#
#   scripts/intent-stack.sh [OUTDIR] [SHARED_CORPORA_DIR]
#
# OUTDIR (default build/models) receives complaints.model, airline.model, semeval.model,
# intent.model, action.model and intent-extra.tsv (third-party text: never commit it).
# Then, e.g.:  build/scrm run --intent-model OUTDIR/intent.model --action-model OUTDIR/action.model ...
# Env: SCRM (default build/scrm), SCRM_LEXICON (default data/lexicons/vader_lexicon.txt),
# SCRM_ENCODER (an encoder file from scripts/fetch-encoder.sh: the intent and action models
# then also take the sentence encoder's output, and `scrm run` needs --encoder with them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
out=${1:-$root/build/models}
dir=${2:-$root/../shared/corpora}
scrm=${SCRM:-$root/build/scrm}
lex=${SCRM_LEXICON:-$root/data/lexicons/vader_lexicon.txt}
mkdir -p "$out"
"$here/intent-extra.sh" "$dir" >"$out/intent-extra.tsv"
ex="--exclude $dir/intent-scrm/dev.tweets.tsv --exclude $out/intent-extra.tsv"
"$scrm" train --task complaint --data "$dir/complaints/dev.tweets.tsv" --label-col complaint \
	--lexicon "$lex" $ex -o "$out/complaints.model" >/dev/null
"$scrm" train --task sentiment --data "$dir/airline-sentiment/dev.tweets.tsv" --label-col airline_sentiment \
	--lexicon "$lex" $ex -o "$out/airline.model" >/dev/null
"$scrm" train --task sentiment --data "$dir/semeval2017-4a/dev.tweets.tsv" --label-col label \
	--lexicon "$lex" $ex -o "$out/semeval.model" >/dev/null
enc=${SCRM_ENCODER:+--encoder $SCRM_ENCODER}
aux="--aux complaints=$out/complaints.model --aux airline=$out/airline.model --aux semeval=$out/semeval.model"
# one training file: intent-scrm dev rows, then the intent-extra rows (the same columns)
{ cat "$dir/intent-scrm/dev.tweets.tsv"; tail -n +2 "$out/intent-extra.tsv"; } >"$out/intent-train.tsv"
"$scrm" train --task intent --data "$out/intent-train.tsv" --label-col intent --lexicon "$lex" $aux $enc \
	-o "$out/intent.model"
"$scrm" train --task action --data "$out/intent-train.tsv" --label-col action_needed --lexicon "$lex" $aux $enc \
	-o "$out/action.model"
echo "intent-stack: models in $out"
