#!/usr/bin/env python3
"""real_texts.py - the texts of the labelled sets in ../shared/corpora as canonical scrm
records (NDJSON on stdout), for benchmarks that need real texts beside the generated
firehose: real tweets have TABs, newlines and runs of spaces (3-12% of them per set),
which the generator does not write, and the topics scan has a second pass for those.

Usage: bench/real_texts.py [CORPORA_DIR] > real.ndjson   (default ../shared/corpora)
"""
import json
import os
import sys

from scrm_tsv import unescape

SETS = ["semeval2017-4a", "airline-sentiment", "twcs", "complaints", "intent-scrm",
        "vader-tweets", "sentiment140-test"]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpora"
    n = 0
    for name in SETS:
        d = os.path.join(root, name)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith(".tsv"):
                continue
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                head = fh.readline().rstrip("\n").split("\t")
                if "text" not in head:
                    continue
                col = head.index("text")
                for line in fh:
                    row = line.rstrip("\n").split("\t")
                    if len(row) <= col or not row[col]:
                        continue
                    n += 1
                    rec = {"id": str(n), "ts": "2026-01-05T09:00:00.000Z", "channel": "twitter",
                           "direction": "in", "text": unescape(row[col]),
                           "author": {"id": str(n % 5000), "handle": "u%d" % (n % 5000)}, "lang": "en"}
                    sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if not n:
        sys.exit("real_texts.py: no labelled texts under " + root)


if __name__ == "__main__":
    main()
