# corpus.sh - the benchmarks' generated corpus, made once and reused (sourced).
#
#   bench_corpus N FILE [CUSTOMERS.csv]   with the array SCRM set to the scrm command
#
# writes `scrm gen --count N --seed 2026` to FILE (and its CRM export to CUSTOMERS.csv)
# unless FILE already holds what this scrm's generator writes: its first 200 lines are
# compared with a 200-record run over the same author population (2 x N), so a corpus
# left by an older generator is made again instead of being measured as if it were new.
bench_corpus() {
	local n=$1 file=$2 cust=${3:-}
	if [ -s "$file" ] && { [ -z "$cust" ] || [ -s "$cust" ]; } &&
		cmp -s <("${SCRM[@]}" gen --count 200 --seed 2026 --authors $((2 * n))) <(head -n 200 "$file"); then
		return 0
	fi
	echo "bench: generating $file ($n records, seed 2026)" >&2
	if [ -n "$cust" ]; then
		"${SCRM[@]}" gen --count "$n" --seed 2026 --customers "$cust" -o "$file"
	else
		"${SCRM[@]}" gen --count "$n" --seed 2026 -o "$file"
	fi
}
