#!/usr/bin/env python3
"""author_activity.py - how a stream's posts spread over its authors, for the generated
firehose beside the real customer-care corpora in ../shared/corpora.

usage: bench/author_activity.py SHARED_CORPORA GEN_NDJSON...

For each set: posts (by customers: a generated record whose user id has fewer than 10
digits is a brand's), distinct authors, posts per author, the share of authors seen
once, the share of posts by the most active 1 % of authors and by the most active one.
The real sets: airline-sentiment (inbound tweets to six US airlines, column `name`) and
twcs/dev.spotify_inbound (inbound tweets to Spotify's support, column `author_id`).
"""
import collections
import csv
import json
import os
import sys


def row(name, counts):
    v = sorted(counts.values(), reverse=True)
    n = sum(v)
    a = len(v)
    top1 = sum(v[:max(1, a // 100)])
    once = sum(1 for x in v if x == 1)
    print(f"| {name} | {n:,} | {a:,} | {n / a:.2f} | {once / a:.2f} | {top1 / n:.3f} | {v[0] / n:.4f} ({v[0]}) |")


def tsv(path, col):
    csv.field_size_limit(1 << 30)
    c = collections.Counter()
    with open(path, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            c[r[col]] += 1
    return c


def gen(path):
    c = collections.Counter()
    with open(path) as f:
        for line in f:
            u = (json.loads(line).get("user") or {})
            uid = int(u.get("id_str") or u.get("id") or 0)
            if uid >= 10**9:
                c[uid] += 1
    return c


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    shared = sys.argv[1]
    print("| set | posts | authors | posts per author | authors seen once | top 1 % of authors | top author |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, rel, col in (("airline-sentiment dev", "airline-sentiment/dev.tweets.tsv", "name"),
                           ("twcs spotify inbound dev", "twcs/dev.spotify_inbound.tsv", "author_id")):
        p = os.path.join(shared, rel)
        if os.path.exists(p):
            row(name, tsv(p, col))
        else:
            print(f"| {name} | (absent: {p}) |")
    for p in sys.argv[2:]:
        row(os.path.basename(p), gen(p))


if __name__ == "__main__":
    main()
