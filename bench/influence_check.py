#!/usr/bin/env python3
"""influence_check.py - how well influence ranks the authors whose posts get retweeted.

Usage: build/scrm run -q FILES... | bench/influence_check.py

Reads routed events (NDJSON) on stdin. Keeps original posts (not retweets) whose retweet
count is known, and reports for each ranking signal the ROC AUC of "retweeted at least
once" and Spearman's rho against the retweet count. Engagement is computed FROM the
retweet count, so it is left out of the score it is judged against: the signal checked
is the influence score without its engagement part (reach, authority, network), plus
each part alone, plus engagement itself as a ceiling that cheats.
"""
import json
import sys


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    n = len(x)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else float("nan")


def auc(score, label):
    r = ranks(score)
    pos = [r[i] for i in range(len(label)) if label[i]]
    npos, nneg = len(pos), len(label) - len(pos)
    if not npos or not nneg:
        return float("nan")
    return (sum(pos) - npos * (npos + 1) / 2) / (npos * nneg)


rows = []
for line in sys.stdin:
    e = json.loads(line)
    if "retweet_of" in e or e["metrics"]["retweets"] is None:
        continue
    inf = e["influence"]
    rows.append((inf, e["metrics"]["retweets"]))
if not rows:
    sys.exit("influence_check: no original posts with a retweet count")
rt = [r for _, r in rows]
label = [1 if r > 0 else 0 for r in rt]
signals = {
    "influence without engagement (0.40 reach + 0.15 authority + 0.25 network)":
        [0.40 * i["reach"] + 0.15 * i["authority"] + 0.25 * i["network"] for i, _ in rows],
    "reach": [i["reach"] for i, _ in rows],
    "authority": [i["authority"] for i, _ in rows],
    "network": [i["network"] for i, _ in rows],
    "engagement (ceiling: computed from the retweets)": [i["engagement"] for i, _ in rows],
}
print(f"{len(rows)} original posts with a retweet count, {sum(label)} retweeted at least once")
print(f"{'signal':<78} {'AUC':>6} {'rho':>6}")
for name, s in signals.items():
    print(f"{name:<78} {auc(s, label):6.3f} {spearman(s, rt):6.3f}")
