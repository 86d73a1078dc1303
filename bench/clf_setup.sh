# clf_setup.sh - the arguments and the corpus of bench/clf_cost.sh and bench/clf_instr.sh
# (sourced). Before sourcing, set N_DEFAULT and D_DEFAULT (the script's default record
# count and directory). Reads "[SCRM_BINARY] [-- CLASSIFIER OPTIONS...]" from "$@" and
# the CLF_* environment variables; sets SCRM, CLF (array), N, D, RULES, LEX and corpus
# (generated with seed 2026 unless this scrm already wrote it there: bench/corpus.sh).
SCRM=build/scrm
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	SCRM=$1
	shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
if [ $# -gt 0 ]; then CLF=("$@"); else CLF=(--intent cues --action cues); fi
N=${CLF_RECORDS:-$N_DEFAULT}
D=${CLF_DIR:-$D_DEFAULT}
RULES=${CLF_RULES:-bench/rules-bench.scrm}
LEX=${CLF_LEXICON:-data/lexicons/vader_lexicon.txt}
mkdir -p "$D"
corpus="$D/corpus-$N.ndjson"
. "$(dirname "${BASH_SOURCE[0]}")/corpus.sh"
bench_corpus "$N" "$corpus"
