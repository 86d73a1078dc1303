#!/usr/bin/env bash
# device-pack.sh - put what bench/scaling.sh needs on the device machine into carry/
# (git-ignored): the built scrm, every shared library it loads (ldd) with the dynamic
# loader itself, the bench rules, the lexicon, and scaling.sh. The device machine reaches
# no package registry and may have another glibc: carry/scaling.sh runs scrm through the
# carried loader on the carried libraries.
#
# Usage: bench/device-pack.sh [SCRM] [DIR]     (make device-pack; defaults build/scrm, carry)
# Then, from the device tool: run(command="carry/scaling.sh", carry=["carry"]); the table
# comes back as $OUT/scaling.md. Size: about 25 MB (the carry limit is 64 MiB).
set -eu
SCRM=${1:-build/scrm}
DIR=${2:-carry}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$SCRM" ] || { echo "device-pack.sh: no $SCRM (run make first)" >&2; exit 1; }
lex=$root/data/lexicons/vader_lexicon.txt
[ -s "$lex" ] || { echo "device-pack.sh: no $lex (scripts/fetch-lexicons.sh)" >&2; exit 1; }
rm -rf "$DIR"
mkdir -p "$DIR"
cp "$SCRM" "$DIR/scrm"
# every library ldd resolves, and the loader (the line without "=>")
ldd "$SCRM" | awk '/=> \// {print $3} !/=>/ && $1 ~ /^\// {print $1}' | while read -r lib; do
	cp -L "$lib" "$DIR/$(basename "$lib")"
done
[ -e "$DIR/ld-linux-x86-64.so.2" ] || { echo "device-pack.sh: ldd named no ld-linux-x86-64.so.2" >&2; exit 1; }
cp "$root/bench/rules-bench.scrm" "$root/bench/scaling.sh" "$root/bench/corpus.sh" "$lex" "$DIR/"
chmod +x "$DIR/scaling.sh" "$DIR/ld-linux-x86-64.so.2"
# the pack must run as it will on the device: through its loader, on its libraries
"$DIR/ld-linux-x86-64.so.2" --library-path "$DIR" "$DIR/scrm" version >/dev/null
libs=("$DIR"/*.so*)
echo "device-pack.sh: $DIR/ holds scrm, ${#libs[@]} libraries, rules and lexicon ($(du -sh "$DIR" | cut -f1))"
