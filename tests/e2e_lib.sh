# e2e_lib.sh - what the end-to-end scripts share; source it after setting NAME.
# Provides $SCRM, a scratch dir $T (removed at exit), ok/bad/skip/check, lines, json_num
# and finish (prints "NAME: N passed, N failed, N skipped" and sets the exit status).
SCRM=${SCRM:-build/scrm}
SHARED=${SCRM_SHARED:-../shared}
T=$(mktemp -d "/tmp/scrm-$NAME-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0 fail=0 skip=0

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
skip() { skip=$((skip + 1)); echo "skip $1: $2"; }
check() { # check NAME COMMAND...
	local name=$1; shift
	if "$@" >"$T/check.out" 2>&1; then ok "$name"; else bad "$name" "$(tail -3 "$T/check.out" | tr '\n' ' ')"; fi
}
lines() { wc -l <"$1" | tr -d ' '; }
id_routes() { # id_routes FILE -> each event's "id" and "route", in order, on one line
	grep -o '"id":"[^"]*"\|"route":"[^"]*"' "$1" | paste -sd' '
}
event_ids() { # event_ids FILE.ndjson.zst -> each event's "id", in order, a line each
	zstdcat "$1" | grep -o '^{"v":1,"seq":[0-9]*,"id":"[^"]*"' | sed 's/.*"id":"//;s/"$//'
}
killed_runs() { # killed_runs DIR "DELAYS" ARGS...: in DIR, "$SCRM" ARGS killed -9 after each delay in turn
	local dir=$1 delays=$2 d kpid
	shift 2
	for d in $delays; do
		(cd "$dir" && exec "$SCRM" "$@" 2>/dev/null) &
		kpid=$!
		sleep "$d"
		kill -9 $kpid 2>/dev/null
		wait $kpid 2>/dev/null
	done
}
json_num() { # json_num FILE KEY  -> first numeric value of "KEY":
	grep -o "\"$2\":[0-9.]*" "$1" | head -1 | cut -d: -f2
}
finish() {
	echo "$NAME: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
