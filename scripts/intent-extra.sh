#!/bin/sh
# intent-extra.sh [SHARED_CORPORA_DIR] > OUT.tsv
#
# Joins corpora/intent-extra/labels.tsv (id, intent, action_needed; no text)
# with the tweet texts of the four DEV source files under SHARED_CORPORA_DIR
# (default: ../shared/corpora next to the repository root) and prints
#   id<TAB>source<TAB>text<TAB>intent<TAB>action_needed
# in labels.tsv order. The text is copied escaped exactly as in the source
# file. Exits non-zero, naming the ids, if a labelled id is not found.
# Third-party text is only ever written to stdout: never commit the output.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-"$here/../../shared/corpora"}
labels="$here/../corpora/intent-extra/labels.tsv"

twcs="$dir/twcs/dev.spotify_inbound.tsv"
airline="$dir/airline-sentiment/dev.tweets.tsv"
complaints="$dir/complaints/dev.tweets.tsv"
semeval="$dir/semeval2017-4a/dev.tweets.tsv"

for f in "$labels" "$twcs" "$airline" "$complaints" "$semeval"; do
    if [ ! -r "$f" ]; then
        echo "intent-extra.sh: cannot read $f" >&2
        exit 2
    fi
done

LC_ALL=C awk -F'\t' -v OFS='\t' '
function fail(msg) { print "intent-extra.sh: " msg > "/dev/stderr"; err = 1; exit 2 }
FNR == 1 {
    fileno++
    sub(/\r$/, "")
    if (fileno == 1) {
        if ($0 != "id\tintent\taction_needed") fail("unexpected header in labels.tsv: " $0)
        next
    }
    # source file header: find the id and text columns by name
    idc = 0; txc = 0
    for (i = 1; i <= NF; i++) {
        if ($i == idcol) idc = i
        if ($i == "text") txc = i
    }
    if (!idc || !txc) fail("no " idcol "/text column in " FILENAME)
    next
}
fileno == 1 {
    sub(/\r$/, "")
    if ($0 == "") next
    if (NF != 3) fail("labels.tsv line " FNR ": expected 3 fields")
    n++
    lid[n] = $1; lint[n] = $2; lact[n] = $3
    if ($1 in want) fail("duplicate id in labels.tsv: " $1)
    want[$1] = 1
    next
}
{
    key = src ":" $idc
    if ((key in want) && !(key in text)) text[key] = $txc
}
END {
    if (err) exit 2
    missing = 0
    for (i = 1; i <= n; i++)
        if (!(lid[i] in text)) {
            print "intent-extra.sh: labelled id not found in the source files: " lid[i] > "/dev/stderr"
            missing++
        }
    if (missing) {
        print "intent-extra.sh: " missing " labelled id(s) missing; is " dir " the right SHARED_CORPORA_DIR?" > "/dev/stderr"
        exit 1
    }
    print "id", "source", "text", "intent", "action_needed"
    for (i = 1; i <= n; i++) {
        s = lid[i]; sub(/:.*/, "", s)
        print lid[i], s, text[lid[i]], lint[i], lact[i]
    }
}' dir="$dir" "$labels" \
    src=twcs idcol=tweet_id "$twcs" \
    src=airline idcol=id "$airline" \
    src=complaints idcol=id "$complaints" \
    src=semeval idcol=id "$semeval"
